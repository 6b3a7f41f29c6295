"""Spanish stop words, as spaCy 3.8 lists them (`spacy/lang/es/stop_words.py`, MIT licence,
Explosion AI), so that `token.is_stop` and `{"IS_STOP": True}` patterns mean what they meant
in spaCy code. Matched in lower case."""

STOP_WORDS = set(
    """
a acuerdo adelante ademas además afirmó agregó ahi ahora ahí al algo alguna algunas alguno
algunos algún alli allí alrededor ambos ante anterior antes apenas aproximadamente aquel aquella
aquellas aquello aquellos aqui aquél aquélla aquéllas aquéllos aquí arriba aseguró asi así atras
aun aunque añadió aún bajo bastante bien breve buen buena buenas bueno buenos cada casi cierta
ciertas cierto ciertos cinco claro comentó como con conmigo conocer conseguimos conseguir
considera consideró consigo consigue consiguen consigues contigo contra creo cual cuales
cualquier cuando cuanta cuantas cuanto cuantos cuatro cuenta cuál cuáles cuándo cuánta cuántas
cuánto cuántos cómo da dado dan dar de debajo debe deben debido decir dejó del delante demasiado
demás dentro deprisa desde despacio despues después detras detrás dia dias dice dicen dicho
dieron diez diferente diferentes dijeron dijo dio doce donde dos durante día días dónde e el
ella ellas ello ellos embargo en encima encuentra enfrente enseguida entonces entre era eramos
eran eras eres es esa esas ese eso esos esta estaba estaban estado estados estais estamos estan
estar estará estas este esto estos estoy estuvo está están excepto existe existen explicó
expresó fin final fue fuera fueron fui fuimos gran grande grandes ha haber habia habla hablan
habrá había habían hace haceis hacemos hacen hacer hacerlo haces hacia haciendo hago han hasta
hay haya he hecho hemos hicieron hizo hoy hubo igual incluso indicó informo informó ir junto la
lado largo las le les llegó lleva llevar lo los luego mal manera manifestó mas mayor me mediante
medio mejor mencionó menos menudo mi mia mias mientras mio mios mis misma mismas mismo mismos
modo mucha muchas mucho muchos muy más mí mía mías mío míos nada nadie ni ninguna ningunas
ninguno ningunos ningún no nos nosotras nosotros nuestra nuestras nuestro nuestros nueva nuevas
nueve nuevo nuevos nunca o ocho once os otra otras otro otros para parece parte partir pasada
pasado paìs peor pero pesar poca pocas poco pocos podeis podemos poder podria podriais podriamos
podrian podrias podrá podrán podría podrían poner por porque posible primer primera primero
primeros pronto propia propias propio propios proximo próximo próximos pudo pueda puede pueden
puedo pues qeu que quedó queremos quien quienes quiere quiza quizas quizá quizás quién quiénes
qué realizado realizar realizó repente respecto sabe sabeis sabemos saben saber sabes salvo se
sea sean segun segunda segundo según seis ser sera será serán sería señaló si sido siempre
siendo siete sigue siguiente sin sino sobre sois sola solamente solas solo solos somos son soy
su supuesto sus suya suyas suyo suyos sé sí sólo tal tambien también tampoco tan tanto tarde te
temprano tendrá tendrán teneis tenemos tener tenga tengo tenido tenía tercera tercero ti tiene
tienen toda todas todavia todavía todo todos total tras trata través tres tu tus tuvo tuya tuyas
tuyo tuyos tú u ultimo un una unas uno unos usa usais usamos usan usar usas uso usted ustedes va
vais vamos van varias varios vaya veces ver verdad verdadera verdadero vez vosotras vosotros voy
vuestra vuestras vuestro vuestros y ya yo él ésa ésas ése ésos ésta éstas éste éstos última
últimas último últimos
""".split()
)

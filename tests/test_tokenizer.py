"""The rule-based tokenizer: exact round trips, English (UD EWT) conventions, accuracy on real EWT text."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from lexloom.config import registry
from lexloom.errors import LexloomError
from lexloom.lang import Tokenizer, available_languages, create_tokenizer
from lexloom.tokens import Doc, Vocab

REPO_ROOT = Path(__file__).resolve().parent.parent
EWT_SLICE = Path(__file__).parent / "data" / "tokenizer" / "en_ewt-ud-dev-slice.conllu"
GSD_SLICE = Path(__file__).parent / "data" / "tokenizer" / "es_gsd-ud-test-slice.conllu"


def _load_benchmark():
    """The gold-word reading and span scoring live in the benchmark script; use the same code here."""
    spec = importlib.util.spec_from_file_location("tokenizer_benchmark", REPO_ROOT / "benchmarks" / "tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def en() -> Tokenizer:
    return create_tokenizer("en", Vocab("en"))


@pytest.fixture(scope="module")
def xx() -> Tokenizer:
    return create_tokenizer("xx", Vocab("xx"))


def words(tokenizer: Tokenizer, text: str) -> list[str]:
    return tokenizer.split(text)[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_text_round_trips(en, xx, text):
    for tokenizer in (en, xx):
        doc = tokenizer(text)
        assert doc.text == text
        assert all(doc.words)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["don't", "U.S.", "(", ")", "e-mail", "$5", "10km", " ", "  ", "\n", "\t",
                                 "etc.", "http://x.org/a", "I'm", ".", "--", "'s", "a", "3:30pm", ":-)"]),
                max_size=20))
def test_rule_heavy_text_round_trips(en, text_parts):
    text = "".join(text_parts)
    words_, spaces = en.split(text)
    assert "".join(w + " " * s for w, s in zip(words_, spaces)) == text


def test_whitespace_beyond_one_space_becomes_tokens(en):
    assert en.split("a  b") == (["a", " ", "b"], [True, False, False])
    assert en.split("a\nb") == (["a", "\n", "b"], [False, False, False])
    assert en.split(" a ") == ([" ", "a"], [False, True])
    assert en.split("") == ([], [])


def test_call_returns_doc(en):
    doc = en("I can't go.")
    assert isinstance(doc, Doc)
    assert doc.words == ["I", "ca", "n't", "go", "."]
    assert doc.spaces == [True, False, True, False, False]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("don't", ["do", "n't"]),
        ("Don't", ["Do", "n't"]),
        ("DON'T", ["DO", "N'T"]),
        ("can't", ["ca", "n't"]),
        ("won't", ["wo", "n't"]),
        ("I'm", ["I", "'m"]),
        ("they're", ["they", "'re"]),
        ("we've", ["we", "'ve"]),
        ("you'll", ["you", "'ll"]),
        ("she'd", ["she", "'d"]),
        ("it’s", ["it", "’s"]),
        ("don’t", ["do", "n’t"]),
        ("Bush's", ["Bush", "'s"]),
        ("dont", ["do", "nt"]),
        ("cannot", ["can", "not"]),
        ("gonna", ["gon", "na"]),
        ("wanna", ["wan", "na"]),
        ("gotta", ["got", "ta"]),
        ("(don't)", ["(", "do", "n't", ")"]),
        ("don't.", ["do", "n't", "."]),
    ],
)
def test_contractions_split_like_ewt(en, text, expected):
    assert words(en, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("see http://www.example.com/a-b?x=1.", ["see", "http://www.example.com/a-b?x=1", "."]),
        ("(www.enron.com)", ["(", "www.enron.com", ")"]),
        ("mail kenneth.lay@enron.com,", ["mail", "kenneth.lay@enron.com", ","]),
        ("great :-) thanks", ["great", ":-)", "thanks"]),
        ("ok ;)", ["ok", ";)"]),
        ("<3", ["<3"]),
    ],
)
def test_urls_emails_and_emoticons_stay_whole(en, text, expected):
    assert words(en, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith", ["Mr.", "Smith"]),
        ("the U.S. army", ["the", "U.S.", "army"]),
        ("e.g. this", ["e.g.", "this"]),
        ("apples, etc. and", ["apples", ",", "etc.", "and"]),
        ("Jennifer M. Anderson", ["Jennifer", "M.", "Anderson"]),
        # a full stop ending the text ends the sentence too, as in EWT
        ("and so on, etc.", ["and", "so", "on", ",", "etc", "."]),
        ("It ended.", ["It", "ended", "."]),
    ],
)
def test_abbreviations(en, text, expected):
    assert words(en, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10km", ["10", "km"]),
        ("$5", ["$", "5"]),
        ("5%", ["5", "%"]),
        ("3:30pm", ["3:30", "pm"]),
        ("7:30PM", ["7:30", "PM"]),
        ("$3,202.61", ["$", "3,202.61"]),
        ("21st", ["21st"]),
        ("1970s", ["1970s"]),
        ("11/28/2000", ["11/28/2000"]),
        ("713-853-3989", ["713-853-3989"]),
        ("15-year", ["15", "-", "year"]),
    ],
)
def test_numbers_with_units(en, text, expected):
    assert words(en, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("long-term", ["long", "-", "term"]),
        ("e-mail", ["e-mail"]),
        ("non-stop.", ["non-stop", "."]),
        ("and/or", ["and", "/", "or"]),
        ("wait...what", ["wait", "...", "what"]),
        ("yes--no", ["yes", "--", "no"]),
        ('"Hi!"', ['"', "Hi", "!", '"']),
        ("really?!", ["really", "?!"]),
    ],
)
def test_punctuation_hyphens_and_slashes(en, text, expected):
    assert words(en, text) == expected


@pytest.mark.parametrize(
    "lang, path, n_sentences, minimum",
    [
        # measured 98.62 on this slice (spaCy 3.8's English tokenizer: 94.43)
        ("en", EWT_SLICE, 200, 0.98),
        # the benchmark counts a clitic's words as tokens where they spell the form ("quedar" "se"),
        # which this tokenizer leaves whole; measured 99.52 on this slice, 99.35 on all of GSD test
        ("es", GSD_SLICE, 100, 0.985),
    ],
)
def test_f1_on_treebank_slices(lang, path, n_sentences, minimum):
    benchmark = _load_benchmark()
    sentences = benchmark.read_gold(path)
    assert len(sentences) == n_sentences
    assert benchmark.score(create_tokenizer(lang, Vocab(lang)).split, sentences).f1 >= minimum


def test_any_language_code_tokenizes_and_a_non_code_is_refused():
    assert available_languages() == ["en", "es", "xx"]
    # a language without rules of its own gets the language-neutral ones
    assert create_tokenizer("de", Vocab("de")).split("Hallo, Welt!")[0] == ["Hallo", ",", "Welt", "!"]
    assert create_tokenizer("grc", Vocab("grc")).split("λόγος.")[0] == ["λόγος", "."]
    for bad in ("english", "EN", "", "e"):
        with pytest.raises(LexloomError, match=r"is not a language code.*en, es, xx"):
            create_tokenizer(bad, Vocab(bad))


def test_blank_pipeline_for_any_ud_language():
    import lexloom

    for lang in ("de", "fi", "zh", "hi", "qtd"):
        nlp = lexloom.blank(lang)
        assert nlp.lang == lang
        text = "Das ist 1 Test, oder?"
        assert nlp(text).text == text


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # Unicode punctuation of other scripts splits like ",": Arabic comma and question mark, danda
        ("ar", "مرحبا، كيف حالك؟", ["مرحبا", "،", "كيف", "حالك", "؟"]),
        ("hi", "क्या आप ठीक हैं? मैं ठीक हूँ।", ["क्या", "आप", "ठीक", "हैं", "?", "मैं", "ठीक", "हूँ", "।"]),
        # combining marks stay with their letter (decomposed accents)
        ("xx", "e\u0301te\u0301, cafe\u0301.", ["e\u0301te\u0301", ",", "cafe\u0301", "."]),
        # numbers keep their separators, whatever the digits
        ("de", "3.202,61 € (1994-95) 12:30 11/28/2000", ["3.202,61", "€", "(", "1994-95", ")", "12:30", "11/28/2000"]),
        ("ar", "السعر ٣٫٥", ["السعر", "٣٫٥"]),
        # word-internal punctuation stays: apostrophes, middle dots, Hebrew gershayim
        ("ca", "paral·lel, l'home", ["paral·lel", ",", "l'home"]),
        ("he", "צה״ל אמר.", ["צה״ל", "אמר", "."]),
        # symbols and emoji split off
        ("xx", "Great🙂! 5%", ["Great", "🙂", "!", "5", "%"]),
        ("en", "I love 北京 🙂!", ["I", "love", "北", "京", "🙂", "!"]),
        # URLs and e-mails stay whole
        ("fi", "Katso https://example.org/a?b=1, tai a.b@c.fi.", ["Katso", "https://example.org/a?b=1", ",", "tai", "a.b@c.fi", "."]),
    ],
)
def test_language_neutral_rules_are_unicode_aware(lang, text, expected):
    assert words(create_tokenizer(lang, Vocab(lang)), text) == expected


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # Chinese and Japanese: one token per character, punctuation split
        ("zh", "我爱北京。他说：“你好！”", ["我", "爱", "北", "京", "。", "他", "说", "：", "“", "你", "好", "！", "”"]),
        ("ja", "今日は、ジョン・スミス。", ["今", "日", "は", "、", "ジ", "ョ", "ン", "・", "ス", "ミ", "ス", "。"]),
        # Thai: one token per character with its vowel and tone marks (a fallback: words need a dictionary)
        ("th", "ที่นี่", ["ที่", "นี่"]),
    ],
)
def test_scripts_without_spaces_split_per_character(lang, text, expected):
    assert words(create_tokenizer(lang, Vocab(lang)), text) == expected


@pytest.fixture(scope="module")
def es() -> Tokenizer:
    return create_tokenizer("es", Vocab("es"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¿Qué tal? ¡Muy bien!", ["¿", "Qué", "tal", "?", "¡", "Muy", "bien", "!"]),
        # abbreviations and initials keep their full stop, also at the end, as GSD writes them
        ("El Sr. García vive en EE.UU., etc.", ["El", "Sr.", "García", "vive", "en", "EE.UU.", ",", "etc."]),
        ("la obra de J. G. Ballard.", ["la", "obra", "de", "J.", "G.", "Ballard", "."]),
        ("mide 3 km² (1994-95).", ["mide", "3", "km", "²", "(", "1994-95", ")", "."]),
        # contractions and clitics are multi-word tokens in UD: this tokenizer keeps the surface token
        ("Se fue del pueblo para quedarse.", ["Se", "fue", "del", "pueblo", "para", "quedarse", "."]),
    ],
)
def test_spanish(es, text, expected):
    assert words(es, text) == expected


def test_xx_fallback_splits_punctuation_without_contractions(xx):
    assert words(xx, "Hello, (world)!") == ["Hello", ",", "(", "world", ")", "!"]
    assert words(xx, "don't") == ["don't"]
    assert words(xx, "see https://example.org/x.") == ["see", "https://example.org/x", "."]
    assert words(xx, "well-known") == ["well", "-", "known"]


def test_registered_factory_builds_the_vocab_language_tokenizer():
    make = registry.tokenizers.get("lexloom.Tokenizer.v1")()
    tokenizer = make(Vocab("en"))
    assert tokenizer("I'm here").words == ["I", "'m", "here"]


def test_special_cases_must_spell_their_chunk():
    with pytest.raises(ValueError, match="must be non-empty and spell it"):
        Tokenizer(Vocab(), rules={"dont": ["do", "not"]}, prefix_search=None, suffix_search=None,
                  infix_finditer=None)


def test_bounded_cache_gives_the_same_tokens(en):
    small = create_tokenizer("en", Vocab("en"))
    small.cache_size = 2
    text = "I can't believe it's 5% of $10 (roughly), Mr. Smith."
    assert small.split(text) == en.split(text)
    assert len(small._cache) <= 2


def test_special_cases_added_explain_and_save(en, tmp_path):
    import lexloom

    assert en.explain("(don't) see http://x.org/a, e-mail.") == [
        ("PREFIX", "("), ("TOKEN", "do"), ("SUFFIX", "n't"), ("SUFFIX", ")"), ("TOKEN", "see"),
        ("URL_MATCH", "http://x.org/a"), ("SUFFIX", ","), ("TOKEN_MATCH", "e-mail"), ("SUFFIX", "."),
    ]
    # what explain says is what the tokenizer does, on a treebank's worth of text
    text = (Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu").read_text(encoding="utf8")
    sentences = [line[len("# text = "):] for line in text.splitlines() if line.startswith("# text = ")]
    assert [t for _, t in en.explain(" ".join(sentences))] == [t.text for t in en(" ".join(sentences))]
    nlp = lexloom.blank("en")
    nlp.tokenizer.add_special_case("gimme", [{"ORTH": "gim"}, {"ORTH": "me"}])
    assert [t.text for t in nlp("(gimme!)")] == ["(", "gim", "me", "!", ")"]  # affixes stripped first
    assert nlp.tokenizer.explain("gimme") == [("SPECIAL-1", "gim"), ("SPECIAL-2", "me")]
    assert [d.text for d in nlp.tokenizer.pipe(["a b", "c"])] == ["a b", "c"]
    with pytest.raises(ValueError, match="must be non-empty and spell it"):
        nlp.tokenizer.add_special_case("gimme", [{"ORTH": "gim"}])
    with pytest.raises(ValueError, match="NORM is ignored"):
        nlp.tokenizer.add_special_case("gimme", [{"LEMMA": "give"}])
    nlp.to_disk(tmp_path / "model")
    assert [t.text for t in lexloom.load(tmp_path / "model")("gimme that")] == ["gim", "me", "that"]
    assert [t.text for t in lexloom.blank("en")("gimme")] == ["gimme"]  # the language's own rules are untouched


def test_modifying_existing_rule_sets_as_spacys_docs_do(tmp_path):
    """spaCy's "Modifying existing rule sets": new infixes keep hyphenated words whole; new
    prefixes from `nlp.Defaults`; the rules replaced apply at once and are saved with the pipeline."""
    import lexloom
    from lexloom.lang.char_classes import ALPHA, ALPHA_LOWER, ALPHA_UPPER, CONCAT_QUOTES, LIST_ELLIPSES, LIST_ICONS
    from lexloom.symbols import ORTH
    from lexloom.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = lexloom.blank("en")
    assert [t.text for t in nlp("mother-in-law")] == ["mother", "-", "in", "-", "law"]  # cached from here on
    infixes = (
        LIST_ELLIPSES
        + LIST_ICONS
        + [
            r"(?<=[0-9])[+\-\*^](?=[0-9-])",
            r"(?<=[{al}{q}])\.(?=[{au}{q}])".format(al=ALPHA_LOWER, au=ALPHA_UPPER, q=CONCAT_QUOTES),
            r"(?<=[{a}]),(?=[{a}])".format(a=ALPHA),
            r"(?<=[{a}0-9])[:<>=/](?=[{a}])".format(a=ALPHA),
        ]
    )
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    assert [t.text for t in nlp("mother-in-law")] == ["mother-in-law"]
    assert [t.text for t in nlp("élan,ça 2+3 end.Début x=y")] == ["élan", ",", "ça", "2", "+", "3", "end", ".", "Début", "x", "=", "y"]
    nlp.tokenizer.prefix_search = compile_prefix_regex(nlp.Defaults.prefixes + [r"\+"]).search
    nlp.tokenizer.suffix_search = compile_suffix_regex([s for s in nlp.Defaults.suffixes if s != r"\."]).search
    nlp.tokenizer.add_special_case("gimme", [{ORTH: "gim"}, {ORTH: "me"}])
    text = "+mother-in-law said gimme 3 km. ok"
    tokens = ["+", "mother-in-law", "said", "gim", "me", "3", "km.", "ok"]
    assert [t.text for t in nlp(text)] == tokens
    assert [t.text for t in lexloom.load(nlp.to_disk(tmp_path / "custom"))(text)] == tokens
    assert [t.text for t in lexloom.blank("en")(text)] == ["+mother", "-", "in", "-", "law", "said", "gimme", "3", "km", ".", "ok"]
    assert nlp.Defaults.infixes == list(nlp.Defaults.infixes) and nlp.Defaults.url_match("https://x.org")
    nlp.tokenizer.token_match = lambda text: text == "in-law"  # a function of its own cannot be saved
    with pytest.warns(UserWarning, match="nlp.tokenizer.token_match is not a method of a compiled regex"):
        nlp.to_disk(tmp_path / "with-function")
    assert [t.text for t in lexloom.load(tmp_path / "with-function")("e-mail")] == ["e-mail"]


def test_char_classes_take_spacys_forms_from_lexlooms_sets():
    import re

    from lexloom.lang import char_classes as cc
    from lexloom.lang.xx import punctuation

    assert cc.LIST_ELLIPSES == punctuation.ELLIPSES  # the tokenizer's own fragments
    assert all(re.fullmatch(f"[{cc.ALPHA}]+", word) for word in ("Straße", "жизнь", "नमस्ते", "東京"))
    assert not re.search(f"[{cc.ALPHA}]", "1_-. ")
    assert re.fullmatch(f"[{cc.ALPHA_LOWER}]+", "éa東") and not re.search(f"[{cc.ALPHA_LOWER}]", "ÉA")
    assert re.fullmatch(f"[{cc.ALPHA_UPPER}]+", "ÉA東") and not re.search(f"[{cc.ALPHA_UPPER}]", "éa")
    assert [h for h in ("-", "–", "—", "a") if re.fullmatch(f"(?:{cc.HYPHENS})", h)] == ["-", "–", "—"]
    assert re.fullmatch(f"[{cc.CONCAT_QUOTES}]+", "\"'“”‘’") and re.fullmatch(f"(?:{cc.QUOTES})", "„")
    assert re.fullmatch(f"(?:{cc.CURRENCY})", "€") and re.fullmatch(f"(?:{cc.UNITS})", "km")
    assert re.fullmatch(cc.LIST_ICONS[0], "©") and re.fullmatch(cc.LIST_ICONS[0], "😀") and not re.match(cc.LIST_ICONS[0], "a")
    assert re.fullmatch(f"(?:{cc.PUNCT})", "(") and not re.fullmatch(f"(?:{cc.PUNCT})", ".")

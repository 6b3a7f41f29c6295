"""Universal Dependencies naming: a treebank's name gives its language code and its file names.

A UD treebank lives in a repository `UD_<Language>-<Name>` and names its files
`<code>_<name>-ud-<split>.conllu`, where `<code>` is the language's ISO 639 code
and `<name>` the lowercased treebank name: `UD_Spanish-GSD` -> `es_gsd-ud-train.conllu`.
The table below holds the language names UD uses in repository names.
"""
from __future__ import annotations

import re

from ..errors import ConfigError

#: UD's language names (as in repository names) -> ISO 639 codes used in UD file names.
UD_LANGUAGES = {
    "Abaza": "abq", "Afrikaans": "af", "Akkadian": "akk", "Akuntsu": "aqz", "Albanian": "sq", "Amharic": "am",
    "Ancient_Greek": "grc", "Ancient_Hebrew": "hbo", "Apurina": "apu", "Arabic": "ar", "Armenian": "hy",
    "Assyrian": "aii", "Azerbaijani": "az", "Bambara": "bm", "Basque": "eu", "Bavarian": "bar", "Beja": "bej",
    "Belarusian": "be", "Bengali": "bn", "Bhojpuri": "bho", "Bororo": "bor", "Breton": "br", "Bulgarian": "bg",
    "Buryat": "bxr", "Cantonese": "yue", "Cappadocian": "cpg", "Catalan": "ca", "Cebuano": "ceb",
    "Central_Siberian_Yupik": "ess", "Chinese": "zh", "Chukchi": "ckt", "Classical_Armenian": "xcl",
    "Classical_Chinese": "lzh", "Coptic": "cop", "Croatian": "hr", "Czech": "cs", "Danish": "da", "Dutch": "nl",
    "Egyptian": "egy", "English": "en", "Erzya": "myv", "Estonian": "et", "Faroese": "fo", "Finnish": "fi",
    "French": "fr", "Frisian_Dutch": "qfn", "Galician": "gl", "Georgian": "ka", "German": "de", "Gheg": "aln",
    "Gothic": "got", "Greek": "el", "Guajajara": "gub", "Guarani": "gn", "Gujarati": "gu", "Haitian_Creole": "ht",
    "Hausa": "ha", "Hebrew": "he", "Hindi": "hi", "Hindi_English": "qhe", "Hittite": "hit", "Hungarian": "hu",
    "Icelandic": "is", "Indonesian": "id", "Irish": "ga", "Italian": "it", "Japanese": "ja", "Javanese": "jv",
    "Kaapor": "urb", "Kangri": "xnr", "Karelian": "krl", "Karo": "arr", "Kazakh": "kk", "Khunsari": "kfm",
    "Kiche": "quc", "Komi_Permyak": "koi", "Komi_Zyrian": "kpv", "Korean": "ko", "Kurmanji": "kmr", "Kyrgyz": "ky",
    "Latgalian": "ltg", "Latin": "la", "Latvian": "lv", "Ligurian": "lij", "Lithuanian": "lt", "Livvi": "olo",
    "Low_Saxon": "nds", "Luxembourgish": "lb", "Macedonian": "mk", "Madi": "jaa", "Maghrebi_Arabic_French": "qaf",
    "Makurap": "mpu", "Malayalam": "ml", "Maltese": "mt", "Manx": "gv", "Marathi": "mr", "Mbya_Guarani": "gun",
    "Middle_French": "frm", "Moksha": "mdf", "Munduruku": "myu", "Naija": "pcm", "Nayini": "nyq",
    "Neapolitan": "nap", "Nheengatu": "yrl", "North_Sami": "sme", "Norwegian": "no", "Occitan": "oc",
    "Old_Church_Slavonic": "cu", "Old_East_Slavic": "orv", "Old_French": "fro", "Old_Irish": "sga",
    "Old_Turkish": "otk", "Ottoman_Turkish": "ota", "Persian": "fa", "Polish": "pl", "Pomak": "qpm",
    "Portuguese": "pt", "Romanian": "ro", "Russian": "ru", "Sanskrit": "sa", "Scottish_Gaelic": "gd",
    "Serbian": "sr", "Sicilian": "scn", "Sindhi": "sd", "Skolt_Sami": "sms", "Slovak": "sk", "Slovenian": "sl",
    "Soi": "soj", "South_Levantine_Arabic": "ajp", "Spanish": "es", "Swedish": "sv", "Swedish_Sign_Language": "swl",
    "Swiss_German": "gsw", "Tagalog": "tl", "Tamil": "ta", "Tatar": "tt", "Teko": "eme", "Telugu": "te",
    "Thai": "th", "Tupinamba": "tpn", "Turkish": "tr", "Turkish_English": "qte", "Turkish_German": "qtd",
    "Tuvan": "tyv", "Ukrainian": "uk", "Umbrian": "xum", "Upper_Sorbian": "hsb", "Urdu": "ur", "Uyghur": "ug",
    "Uzbek": "uz", "Veps": "vep", "Vietnamese": "vi", "Warlpiri": "wbp", "Welsh": "cy", "Western_Armenian": "hyw",
    "Wolof": "wo", "Xavante": "xav", "Xibe": "sjo", "Yakut": "sah", "Yiddish": "yi", "Yoruba": "yo",
    "Yupik": "ess", "Zaar": "say",
}

_TREEBANK = re.compile(r"^UD_([A-Z][A-Za-z_]*)-([A-Za-z0-9]+)$")


def treebank_names(treebank: str) -> tuple[str, str]:
    """(language code, file prefix) of a UD treebank: `UD_Spanish-GSD` -> ("es", "es_gsd")."""
    match = _TREEBANK.match(treebank)
    if match is None:
        raise ConfigError(f"{treebank!r} is not a UD treebank name (expected UD_<Language>-<Name>, e.g. UD_Spanish-GSD)")
    language, name = match.groups()
    code = UD_LANGUAGES.get(language)
    if code is None:
        raise ConfigError(
            f"{treebank!r}: no language code known for {language!r}; "
            "set vars.treebank_lang (and vars.treebank_prefix, e.g. xx_name) in project.yml"
        )
    return code, f"{code}_{name.lower()}"


__all__ = ["UD_LANGUAGES", "treebank_names"]

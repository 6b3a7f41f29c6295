"""The token-pattern Matcher, the PhraseMatcher and `lexloom annotate`."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from pathlib import Path

from lexloom.convert import read_docs
from lexloom.matcher import Matcher, PhraseMatcher, longest_non_overlapping
from lexloom.tokens import Doc, read_docbin

IPHONE_TEXTS = [
    "How to preorder the iPhone X",
    "iPhone X is coming",
    "Should I pay $1,000 for the iPhone X?",
    "The iPhone 8 reviews are here",
    "iPhone 11 vs iPhone 8: What's the difference?",
    "I need a new phone! Any tips?",
]


@pytest.fixture
def nlp():
    return lexloom.blank("en")


def spans(matcher: Matcher, doc: Doc) -> list[tuple[str, str]]:
    return [(doc.vocab.strings[match_id], doc[start:end].text) for match_id, start, end in matcher(doc)]


def test_spacy_course_iphone_exercise(nlp):
    matcher = Matcher(nlp.vocab)
    matcher.add("GADGET", [[{"TEXT": "iPhone"}, {"TEXT": "X"}], [{"LOWER": "iphone"}, {"IS_DIGIT": True}]])
    found = [[text for _, text in spans(matcher, nlp(t))] for t in IPHONE_TEXTS]
    assert found == [["iPhone X"], ["iPhone X"], ["iPhone X"], ["iPhone 8"], ["iPhone 11", "iPhone 8"], []]
    match_id, start, end = matcher(nlp(IPHONE_TEXTS[3]))[0]
    assert nlp.vocab.strings[match_id] == "GADGET" and (start, end) == (1, 3)


def test_optional_token_gives_every_length(nlp):
    matcher = Matcher(nlp.vocab)
    matcher.add("PHONE", [[{"LOWER": "iphone"}, {"LOWER": "x", "OP": "?"}]])
    doc = nlp("The iphone X and the iPhone are here")
    assert [(s, e) for _, s, e in matcher(doc)] == [(1, 2), (1, 3), (5, 6)]


def test_star_and_plus_return_all_lengths_sorted(nlp):
    doc = nlp("very very good food")
    star = Matcher(nlp.vocab)
    star.add("A", [[{"LOWER": "very", "OP": "*"}, {"LOWER": "good"}]])
    assert [(s, e) for _, s, e in star(doc)] == [(0, 3), (1, 3), (2, 3)]
    plus = Matcher(nlp.vocab)
    plus.add("A", [[{"LOWER": "very", "OP": "+"}]])
    assert [(s, e) for _, s, e in plus(doc)] == [(0, 1), (0, 2), (1, 2)]
    middle = Matcher(nlp.vocab)
    middle.add("A", [[{"LOWER": "very"}, {"IS_ALPHA": True, "OP": "*"}, {"LOWER": "food"}]])
    assert [(s, e) for _, s, e in middle(doc)] == [(0, 4), (1, 4)]


def test_negation_consumes_one_non_matching_token(nlp):
    matcher = Matcher(nlp.vocab)
    matcher.add("NOT_DAY", [[{"LOWER": "a"}, {"LOWER": "day", "OP": "!"}]])
    doc = nlp("a day a week a")
    assert [(s, e) for _, s, e in matcher(doc)] == [(2, 4)]


def test_conditions_and_flags(nlp):
    matcher = Matcher(nlp.vocab)
    matcher.add("PRICE", [[{"ORTH": "$"}, {"LIKE_NUM": True}]])
    matcher.add("FRUIT", [[{"LOWER": {"IN": ["apple", "pear"]}}, {"LOWER": {"NOT_IN": ["pie"]}}]])
    matcher.add("LONG", [[{"TEXT": {"REGEX": "^[A-Z]"}, "LENGTH": {">=": 6}}]])
    matcher.add("BANG", [[{"IS_PUNCT": True, "TEXT": "!"}]])
    doc = nlp("Apple pie costs $12 but Bananas cost more than pear juice!")
    assert spans(matcher, doc) == [("PRICE", "$12"), ("LONG", "Bananas"), ("FRUIT", "pear juice"), ("BANG", "!")]


def test_annotation_attributes(nlp):
    doc = Doc(nlp.vocab, words=["She", "runs", "fast"], pos=["PRON", "VERB", "ADV"], tags=["PRP", "VBZ", "RB"])
    matcher = Matcher(nlp.vocab)
    matcher.add("VP", [[{"POS": "VERB"}, {"TAG": {"IN": ["RB", "RBR"]}, "OP": "?"}]])
    assert [(s, e) for _, s, e in matcher(doc)] == [(1, 2), (1, 3)]


def test_same_span_from_two_patterns_is_reported_once_and_callbacks_run(nlp):
    seen = []
    matcher = Matcher(nlp.vocab)
    matcher.add("X", [[{"LOWER": "x"}], [{"TEXT": "X"}]], on_match=lambda m, doc, i, matches: seen.append(matches[i]))
    doc = nlp("X marks the spot")
    assert len(matcher(doc)) == 1 and len(seen) == 1
    assert [(sp.label_, sp.text) for sp in matcher(doc, as_spans=True)] == [("X", "X")]
    assert "X" in matcher and len(matcher) == 1
    matcher.remove("X")
    assert matcher(doc) == []


@pytest.mark.parametrize(
    "pattern, message",
    [
        ([{"LOWR": "x"}], "unknown token attribute 'LOWR'"),
        ([{"LOWER": "x", "OP": "{3,1}"}], r"OP must be one of .*\{n,m\}.* not '\{3,1\}'"),
        ([{"LOWER": "x", "OP": "{,}"}], "OP must be one of"),
        ([{"LOWER": "x", "OP": "{two}"}], "OP must be one of"),
        ([{"IS_DIGIT": "yes"}], "IS_DIGIT takes true or false"),
        ([{"LOWER": {"IN": "abc"}}], "IN takes a list"),
        ([{"LOWER": {"FUZZY10": "x"}}], "unknown condition 'FUZZY10'"),
        ([{"LOWER": {"FUZZY": 3}}], "LOWER FUZZY takes a string or"),
        ([{"LOWER": {"REGEX": {"IN": "ab"}}}], "LOWER REGEX IN takes a list of strings"),
        ([{"_": "is_fruit"}], "_ takes a dict of custom attribute names"),
        ([], "non-empty list"),
    ],
)
def test_bad_patterns_are_refused(nlp, pattern, message):
    with pytest.raises(ValueError, match=message):
        Matcher(nlp.vocab).add("BAD", [pattern])


def test_range_quantifiers_unroll_as_spacy(nlp):
    doc = nlp("I waited very very very long for the bus")
    found = {}
    for op in ("{2}", "{2,3}", "{2,}", "{,2}", "{0,1}"):
        matcher = Matcher(nlp.vocab)
        matcher.add("LONG", [[{"LOWER": "very", "OP": op}, {"LOWER": "long"}]])
        found[op] = [doc[s:e].text for _, s, e in matcher(doc)]
    assert found == {
        "{2}": ["very very long"],
        "{2,3}": ["very very very long", "very very long"],
        "{2,}": ["very very very long", "very very long"],
        "{,2}": ["very very long", "very long", "long"],
        "{0,1}": ["very long", "long"],
    }
    runs = Matcher(nlp.vocab)
    runs.add("ALL", [[{"LOWER": "very", "OP": "{1,2}"}]])
    runs.add("LONGEST", [[{"LOWER": "very", "OP": "{1,2}"}]], greedy="LONGEST")
    assert [(nlp.vocab.strings[k], s, e) for k, s, e in runs(doc)] == [
        ("ALL", 2, 3), ("ALL", 2, 4), ("LONGEST", 2, 4), ("ALL", 3, 4), ("ALL", 3, 5), ("ALL", 4, 5), ("LONGEST", 4, 5)]


def test_fuzzy_conditions_allow_spacys_edit_counts(nlp):
    from lexloom.matcher import levenshtein_compare

    doc = nlp("She bought an aple , an appel , a pear and a bananna")
    fuzzy, fuzzy1, listed = Matcher(nlp.vocab), Matcher(nlp.vocab), Matcher(nlp.vocab)
    fuzzy.add("FRUIT", [[{"LOWER": {"FUZZY": "apple"}}]])  # 2 edits for a word of 5: a swap is 2
    fuzzy1.add("FRUIT", [[{"LOWER": {"FUZZY1": "apple"}}]])
    listed.add("FRUIT", [[{"TEXT": {"FUZZY": {"IN": ["banana", "apple"]}}}]])
    listed.add("OTHER", [[{"TEXT": {"FUZZY": {"NOT_IN": ["banana", "apple"]}, "REGEX": {"IN": ["^pe", "^bo"]}}}]])
    assert [t for _, t in spans(fuzzy, doc)] == ["aple", "appel"]
    assert [t for _, t in spans(fuzzy1, doc)] == ["aple"]
    assert spans(listed, doc) == [("OTHER", "bought"), ("FRUIT", "aple"), ("FRUIT", "appel"), ("OTHER", "pear"), ("FRUIT", "bananna")]
    # the allowance grows to 30% of the pattern's length: 4 edits for "international"
    assert levenshtein_compare("internashunal", "international") and not levenshtein_compare("interplanetary", "international")
    assert levenshtein_compare("appel", "apple", 2) and not levenshtein_compare("appel", "apple", 1)


def test_custom_attributes_in_patterns(nlp):
    from lexloom.tokens import Token

    Token.set_extension("is_fruit", default=False, force=True)
    Token.set_extension("score", getter=lambda token: len(token.text) / 10, force=True)
    try:
        doc = nlp("I like green apple pie and bananas")
        doc[3]._.is_fruit = doc[6]._.is_fruit = True
        matcher = Matcher(nlp.vocab)
        matcher.add("FRUIT", [[{"_": {"is_fruit": True}}, {"LOWER": "pie", "OP": "?"}]])
        matcher.add("LONG", [[{"IS_ALPHA": True, "_": {"score": {">=": 0.5}}}]])
        assert spans(matcher, doc) == [("LONG", "green"), ("FRUIT", "apple"), ("LONG", "apple"), ("FRUIT", "apple pie"), ("FRUIT", "bananas"), ("LONG", "bananas")]
        unknown = Matcher(nlp.vocab)
        unknown.add("X", [[{"_": {"is_veg": True}}]])
        with pytest.raises(AttributeError, match="no extension 'is_veg'"):
            unknown(doc)
    finally:
        Token.remove_extension("is_fruit")
        Token.remove_extension("score")


def _letters_pattern(text: str) -> list[dict]:
    """spaCy's alignment tests' shorthand: "a+ b a{2}" -> ORTH a with OP +, ORTH b, ..."""
    return [{"ORTH": part[0], "OP": part[1:]} if part[1:] else {"ORTH": part} for part in text.split()]


@pytest.mark.parametrize(
    "letters, pattern, alignment",
    [  # spaCy's test_matcher_with_alignments_greedy_longest cases
        ("aaab", "a* b", [0, 0, 0, 1]),
        ("baab", "b a* b", [0, 1, 1, 2]),
        ("aabaa", "a+ b a+", [0, 0, 1, 2, 2]),
        ("aabb", "a* b* a*", [0, 0, 1, 1]),
        ("aaab", "a+ a+ a b", [0, 1, 2, 3]),
        ("aaab", "a+ a b", [0, 0, 1, 2]),
        ("aaab", "a+ a+ b", [0, 0, 1, 2]),
        ("aaab", "a{2} b", [0, 0, 1]),
        ("aaab", "a{2,3} b", [0, 0, 0, 1]),
    ],
)
def test_alignments_of_the_longest_match_as_spacy(nlp, letters, pattern, alignment):
    matcher = Matcher(nlp.vocab)
    matcher.add("P", [_letters_pattern(pattern)], greedy="LONGEST")
    [(_, start, end, aligned)] = matcher(Doc(nlp.vocab, words=list(letters)), with_alignments=True)
    assert aligned == alignment and len(aligned) == end - start


def test_alignments_of_every_match_callbacks_and_spans(nlp):
    seen = []
    matcher = Matcher(nlp.vocab)
    matcher.add("P", [_letters_pattern("a* b* a*")], on_match=lambda m, doc, i, matches: seen.append(matches[i]))
    doc = Doc(nlp.vocab, words=list("aabb"))
    found = [(s, e, aligned) for _, s, e, aligned in matcher(doc, with_alignments=True)]
    # where tokens fit more than one pattern token, spaCy's state machine reaches the later one first
    assert found == [(0, 1, [2]), (0, 2, [2, 2]), (0, 3, [0, 0, 1]), (0, 4, [0, 0, 1, 1]), (1, 2, [2]), (1, 3, [0, 1]),
                     (1, 4, [0, 1, 1]), (2, 3, [1]), (2, 4, [1, 1]), (3, 4, [1])]
    assert [m[3] for m in seen] == [a for _, _, a in found]  # callbacks see the alignments too
    assert [sp.text for sp in matcher(doc, as_spans=True, with_alignments=True)][:2] == ["a", "a a"]  # as spaCy: spans win


def test_longest_non_overlapping():
    assert longest_non_overlapping([(1, 0, 2), (1, 1, 4), (2, 4, 5), (1, 3, 5)]) == [(1, 1, 4), (2, 4, 5)]


def test_greedy_keys_keep_the_first_or_the_longest_of_overlapping_matches(nlp):
    from lexloom.attrs import IS_TITLE, LOWER

    doc = nlp("visit New York City or new york")
    runs = [[{IS_TITLE: True, "OP": "+"}]]
    matcher = Matcher(nlp.vocab)
    matcher.add("ALL", runs)
    assert len(matcher(doc)) == 6  # every run of title-case words, overlapping
    matcher.add("CITY", runs, greedy="LONGEST")
    matcher.add("YORK", [[{LOWER: "york"}]])  # another key's overlapping matches stay
    assert [m for m in spans(matcher, doc) if m[0] != "ALL"] == [("CITY", "New York City"), ("YORK", "York"), ("YORK", "york")]
    matcher.remove("ALL")
    doc = nlp("a b c d")
    seen = []
    patterns = [[{LOWER: "a"}, {LOWER: "b"}], [{LOWER: "b"}, {LOWER: "c"}, {LOWER: "d"}]]
    first, longest = Matcher(nlp.vocab), Matcher(nlp.vocab)
    first.add("X", patterns, greedy="FIRST", on_match=lambda m, d, i, matches: seen.append(matches[i]))
    longest.add("X", patterns, greedy="LONGEST")
    assert spans(first, doc) == [("X", "a b")] and spans(longest, doc) == [("X", "b c d")]
    assert seen == [(nlp.vocab.strings["X"], 0, 2)]  # callbacks see the kept matches only
    with pytest.raises(ValueError, match="greedy must be one of FIRST, LONGEST"):
        first.add("Y", patterns, greedy="SHORTEST")


def test_phrase_matcher_finds_what_token_patterns_find(nlp):
    """The UNER sample's entity names as phrases: the PhraseMatcher finds every gold entity,
    and exactly the matches of a Matcher given the same phrases as ORTH token patterns."""
    docs = list(read_docs(Path(__file__).parent / "data" / "ner" / "en_ewt-ud-train-200.iob2", nlp.vocab))
    names = {(ent.label_, tuple(t.text for t in ent)) for doc in docs for ent in doc.ents}
    assert len(names) >= 50
    phrases, tokens = PhraseMatcher(nlp.vocab), Matcher(nlp.vocab)
    for label, words in sorted(names):
        phrases.add(label, [Doc(nlp.vocab, words=list(words))])
        tokens.add(label, [[{"ORTH": w} for w in words]])
    assert len(phrases) == len(tokens) == 3
    for doc in docs:
        found = phrases(doc)
        assert found == tokens(doc)
        assert {(ent.label_, ent.start, ent.end) for ent in doc.ents} <= {(nlp.vocab.strings[m], s, e) for m, s, e in found}


def test_phrase_matcher_attributes_callbacks_and_removal(nlp):
    seen = []
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("CITY", [nlp.make_doc("New York"), nlp.make_doc("York")], on_match=lambda m, doc, i, matches: seen.append(matches[i]))
    matcher.add("STATE", [nlp.make_doc("new york state")])
    doc = nlp("I moved from NEW YORK to New York State.")
    assert [(sp.label_, sp.text) for sp in matcher(doc, as_spans=True)] == [
        ("CITY", "NEW YORK"), ("CITY", "YORK"), ("CITY", "New York"), ("STATE", "New York State"), ("CITY", "York")]
    assert len(seen) == 4 and "CITY" in matcher
    matcher.remove("CITY")
    assert [(sp.label_, sp.text) for sp in matcher(doc, as_spans=True)] == [("STATE", "New York State")] and "CITY" not in matcher
    by_pos = PhraseMatcher(nlp.vocab, attr="POS")
    by_pos.add("ADJ_NOUN", [Doc(nlp.vocab, words=["red", "car"], pos=["ADJ", "NOUN"])])
    tagged = Doc(nlp.vocab, words=["a", "fast", "bike", "and", "a", "car"], pos=["DET", "ADJ", "NOUN", "CCONJ", "DET", "NOUN"])
    assert [(s, e) for _, s, e in by_pos(tagged)] == [(1, 3)]
    with pytest.raises(ValueError, match=r"ADJ_NOUN: phrase 0 \('red car'\) has no POS annotation"):
        by_pos.add("ADJ_NOUN", [nlp.make_doc("red car")])
    with pytest.raises(ValueError, match="phrases must be a list of Docs"):
        matcher.add("X", nlp.make_doc("x"))
    with pytest.raises(ValueError, match="PhraseMatcher attr must be one of"):
        PhraseMatcher(nlp.vocab, attr="LOWR")


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")


def test_annotate_command(tmp_path):
    patterns, texts, output = tmp_path / "patterns.jsonl", tmp_path / "texts.jsonl", tmp_path / "out.lexloom"
    write_jsonl(
        patterns,
        [
            {"label": "GADGET", "pattern": [{"LOWER": "iphone"}, {"IS_DIGIT": True}]},
            {"label": "GADGET", "pattern": [{"LOWER": "iphone"}]},
            {"label": "GADGET", "pattern": "iPhone X"},
        ],
    )
    write_jsonl(texts, [{"text": t} for t in IPHONE_TEXTS])
    result = CliRunner().invoke(app, ["annotate", str(patterns), str(texts), str(output), "--lang", "en"])
    assert result.exit_code == 0, result.output
    docs = list(read_docbin(output))
    assert [[(e.text, e.label_) for e in doc.ents] for doc in docs] == [
        [("iPhone X", "GADGET")],
        [("iPhone X", "GADGET")],
        [("iPhone X", "GADGET")],
        [("iPhone 8", "GADGET")],
        [("iPhone 11", "GADGET"), ("iPhone 8", "GADGET")],
        [],
    ]
    assert docs[5].has_annotation("ENT_IOB")  # no entities is an annotation too


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"label": "X", "pattern": [{"LOWR": "x"}]}', "patterns.jsonl:2: invalid pattern: X: pattern 0, token 0: unknown token attribute"),
        ('{"pattern": "x"}', 'patterns.jsonl:2: expected an object with a non-empty string "label"'),
        ('{"label": "X", "pattern": ', "patterns.jsonl:2: invalid JSON"),
    ],
)
def test_annotate_errors_name_file_and_line(tmp_path, line, message):
    patterns, texts, output = tmp_path / "patterns.jsonl", tmp_path / "texts.jsonl", tmp_path / "out.lexloom"
    patterns.write_text('{"label": "OK", "pattern": "fine"}\n' + line + "\n", encoding="utf8")
    write_jsonl(texts, [{"text": "fine"}])
    result = CliRunner().invoke(app, ["annotate", str(patterns), str(texts), str(output)])
    assert result.exit_code != 0
    assert message in str(result.exception)
    assert not output.exists()

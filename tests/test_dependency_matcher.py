"""The DependencyMatcher: spaCy's dependency patterns over gold UD trees and small Docs."""
from __future__ import annotations

from pathlib import Path

import pytest

from lexloom.convert import read_docs
from lexloom.matcher import DependencyMatcher, Matcher
from lexloom.tokens import Doc, Vocab

UD = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"

# 0 the  1 big  2 dog  3 chased (root)  4 a  5 cat  6 and  7 a  8 mouse
WORDS = "the big dog chased a cat and a mouse".split()
HEADS = [2, 2, 3, 3, 5, 3, 8, 8, 5]
DEPS = ["det", "amod", "nsubj", "root", "det", "obj", "cc", "det", "conj"]

# (A, B) for every pair with `A op B` in the Doc above: spaCy 3.8's matches of
# [{"RIGHT_ID": "a", "RIGHT_ATTRS": {}}, {"LEFT_ID": "a", "REL_OP": op, "RIGHT_ID": "b", "RIGHT_ATTRS": {}}],
# except that spaCy also counts the root's children as the root's siblings ((3, 2) for `$-`
# and `$--`, (3, 5) for `$++`), where lexloom gives a root no siblings.
OPERATOR_PAIRS = {
    "<": [(0, 2), (1, 2), (2, 3), (4, 5), (5, 3), (6, 8), (7, 8), (8, 5)],
    ">": [(2, 0), (2, 1), (3, 2), (3, 5), (5, 4), (5, 8), (8, 6), (8, 7)],
    "<<": [(0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (4, 3), (4, 5), (5, 3), (6, 3), (6, 5), (6, 8), (7, 3), (7, 5), (7, 8), (8, 3), (8, 5)],
    ">>": [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (3, 4), (3, 5), (3, 6), (3, 7), (3, 8), (5, 4), (5, 6), (5, 7), (5, 8), (8, 6), (8, 7)],
    ".": [(i, i + 1) for i in range(8)],
    ".*": [(i, j) for i in range(9) for j in range(i + 1, 9)],
    ";": [(i + 1, i) for i in range(8)],
    ";*": [(i, j) for i in range(9) for j in range(i)],
    "$+": [(0, 1), (6, 7)],
    "$-": [(1, 0), (7, 6)],
    "$++": [(0, 1), (2, 5), (4, 8), (6, 7)],
    "$--": [(1, 0), (5, 2), (7, 6), (8, 4)],
    ">+": [],
    ">-": [(2, 1), (3, 2), (5, 4), (8, 7)],
    ">++": [(3, 5), (5, 8)],
    ">--": [(2, 0), (2, 1), (3, 2), (5, 4), (8, 6), (8, 7)],
    "<+": [(1, 2), (2, 3), (4, 5), (7, 8)],
    "<-": [],
    "<++": [(0, 2), (1, 2), (2, 3), (4, 5), (6, 8), (7, 8)],
    "<--": [(5, 3), (8, 5)],
}

SVO = [
    {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"POS": "VERB"}},
    {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "subject", "RIGHT_ATTRS": {"DEP": "nsubj"}},
    {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "object", "RIGHT_ATTRS": {"DEP": "obj"}},
]


@pytest.fixture(scope="module")
def vocab():
    return Vocab("en")


@pytest.fixture(scope="module")
def sentences(vocab):
    return list(read_docs(UD, vocab, n_sents=1))


@pytest.fixture
def doc(vocab):
    return Doc(vocab, words=WORDS, heads=HEADS, deps=DEPS)


def pair_matcher(vocab, op, left_attrs=None, right_attrs=None):
    matcher = DependencyMatcher(vocab)
    matcher.add("PAIR", [[{"RIGHT_ID": "a", "RIGHT_ATTRS": left_attrs or {}},
                          {"LEFT_ID": "a", "REL_OP": op, "RIGHT_ID": "b", "RIGHT_ATTRS": right_attrs or {}}]])
    return matcher


def test_subject_verb_object_on_gold_trees(vocab, sentences):
    matcher = DependencyMatcher(vocab)
    matcher.add("SVO", [SVO])
    found, expected = [], []
    for k, doc in enumerate(sentences):
        for match_id, (verb, subject, obj) in matcher(doc):
            assert vocab.strings[match_id] == "SVO"
            assert doc[verb].pos_ == "VERB"
            assert doc[subject].head.i == verb and doc[subject].dep_ == "nsubj"
            assert doc[obj].head.i == verb and doc[obj].dep_ == "obj"
            found.append((k, verb, subject, obj))
        for v in doc:  # independently: every verb with an nsubj child and an obj child
            if v.pos_ == "VERB":
                for s in v.children:
                    for o in v.children:
                        if s.dep_ == "nsubj" and o.dep_ == "obj":
                            expected.append((k, v.i, s.i, o.i))
    assert len(found) >= 50
    assert found == sorted(expected)


def test_chains_siblings_and_conditions_on_gold_trees(vocab, sentences):
    """A noun with a determiner before it, a root above it and a later sibling longer than
    three letters: each match checked on the tree, the count against a plain loop."""
    matcher = DependencyMatcher(vocab)
    matcher.add("NP", [[
        {"RIGHT_ID": "noun", "RIGHT_ATTRS": {"POS": {"IN": ["NOUN", "PROPN"]}}},
        {"LEFT_ID": "noun", "REL_OP": ">--", "RIGHT_ID": "det", "RIGHT_ATTRS": {"DEP": "det", "LOWER": {"REGEX": "^th"}}},
        {"LEFT_ID": "noun", "REL_OP": "<<", "RIGHT_ID": "root", "RIGHT_ATTRS": {"DEP": "root"}},
        {"LEFT_ID": "noun", "REL_OP": "$++", "RIGHT_ID": "sibling", "RIGHT_ATTRS": {"LENGTH": {">": 3}, "POS": {"NOT_IN": ["PUNCT"]}}},
    ]])
    count = expected = 0
    for doc in sentences:
        for _, (noun, det, root, sibling) in matcher(doc):
            assert doc[det].head.i == noun > det and doc[det].text.lower().startswith("th")
            assert root in [a.i for a in doc[noun].ancestors] and doc[root].dep_ == "root"
            assert doc[sibling].head.i == doc[noun].head.i != noun and sibling > noun and len(doc[sibling].text) > 3
            count += 1
        for n in doc:
            if n.pos_ not in ("NOUN", "PROPN") or n.head.i == n.i:
                continue
            dets = [c for c in n.children if c.i < n.i and c.dep_ == "det" and c.text.lower().startswith("th")]
            roots = [a for a in n.ancestors if a.dep_ == "root"]
            siblings = [s for s in n.head.children if s.i > n.i and len(s.text) > 3 and s.pos_ != "PUNCT"]
            expected += len(dets) * len(roots) * len(siblings)
    assert count == expected >= 20


def test_order_operators_stay_within_a_sentence(vocab, sentences):
    """On Docs of five sentences each, `.*`, `;*`, `.` and `;` find what they find in each
    sentence alone: never a token of another sentence."""
    pattern = [
        {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"POS": "VERB"}},
        {"LEFT_ID": "verb", "REL_OP": ".*", "RIGHT_ID": "punct", "RIGHT_ATTRS": {"IS_PUNCT": True}},
        {"LEFT_ID": "verb", "REL_OP": ";*", "RIGHT_ID": "before", "RIGHT_ATTRS": {"POS": "PRON"}},
        {"LEFT_ID": "punct", "REL_OP": ";", "RIGHT_ID": "last", "RIGHT_ATTRS": {}},
        {"LEFT_ID": "before", "REL_OP": ".", "RIGHT_ID": "next", "RIGHT_ATTRS": {}},
    ]
    matcher = DependencyMatcher(vocab)
    matcher.add("ORDER", [pattern])
    alone, offset = [], 0
    for doc in sentences:
        alone += [tuple(offset + i for i in tokens) for _, tokens in matcher(doc)]
        offset += len(doc)
    together, offset = [], 0
    for doc in read_docs(UD, vocab, n_sents=5):
        assert sum(1 for t in doc if t.head.i == t.i) > 1
        together += [tuple(offset + i for i in tokens) for _, tokens in matcher(doc)]
        offset += len(doc)
    assert len(alone) >= 100 and together == alone


def test_node_attributes_match_what_matcher_tokens_match(vocab, sentences):
    """A one-node pattern finds exactly the tokens that a one-token Matcher pattern finds."""
    specs = [
        {"POS": {"IN": ["NOUN", "PROPN"]}, "LENGTH": {">=": 5}},
        {"LOWER": {"REGEX": "ing$"}},
        {"DEP": {"NOT_IN": ["punct", "det"]}, "IS_TITLE": True},
        {"LEMMA": "be"},
        {"IS_PUNCT": True, "OP": "!"},
        {"LIKE_NUM": True},
    ]
    for spec in specs:
        tokens, nodes = Matcher(vocab), DependencyMatcher(vocab)
        tokens.add("X", [[spec]])
        nodes.add("X", [[{"RIGHT_ID": "x", "RIGHT_ATTRS": spec}]])
        for doc in sentences:
            assert [[i] for _, i, _ in tokens(doc)] == [found for _, found in nodes(doc)], spec


@pytest.mark.parametrize("op", sorted(OPERATOR_PAIRS))
def test_each_operator(doc, op):
    assert [tuple(tokens) for _, tokens in pair_matcher(doc.vocab, op)(doc)] == OPERATOR_PAIRS[op]


def test_operators_read_attributes_on_both_sides(doc):
    matcher = pair_matcher(doc.vocab, ">", {"ORTH": "chased"}, {"DEP": {"IN": ["obj", "iobj"]}})
    assert [tokens for _, tokens in matcher(doc)] == [[3, 5]]
    negated = pair_matcher(doc.vocab, ">", {"ORTH": "chased"}, {"DEP": "obj", "OP": "!"})
    assert [tokens for _, tokens in negated(doc)] == [[3, 2]]


def test_a_root_has_no_head_and_no_siblings(vocab):
    """With the root first, nothing is before or above it: `<-`, `<--`, `;`, `$--` find nothing
    from it, and its children are not its siblings (as they are in spaCy)."""
    doc = Doc(vocab, words=["Look", "at", "this"], heads=[0, 2, 0], deps=["root", "case", "obl"])
    for op in ("<", "<-", "<--", "<<", ";", ";*", "$-", "$--", "$+", "$++"):
        assert pair_matcher(vocab, op, {"ORTH": "Look"})(doc) == [], op
    assert [t for _, t in pair_matcher(vocab, "<-", {"ORTH": "this"})(doc)] == []
    assert [t for _, t in pair_matcher(vocab, "<--", {"ORTH": "this"})(doc)] == [[2, 0]]


def test_a_token_fills_one_node_and_a_match_is_reported_once(doc):
    matcher = DependencyMatcher(doc.vocab)
    two_children = [{"RIGHT_ID": "v", "RIGHT_ATTRS": {"ORTH": "chased"}},
                    {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "x", "RIGHT_ATTRS": {}},
                    {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "y", "RIGHT_ATTRS": {}}]
    matcher.add("TWO", [two_children, two_children])
    matcher.add("AGAIN", [two_children[:2]])
    assert [(doc.vocab.strings[m], t) for m, t in matcher(doc)] == [
        ("TWO", [3, 2, 5]), ("TWO", [3, 5, 2]), ("AGAIN", [3, 2]), ("AGAIN", [3, 5])]


def test_matches_come_by_key_then_pattern_then_tokens(doc):
    matcher = DependencyMatcher(doc.vocab)
    matcher.add("B", [[{"RIGHT_ID": "n", "RIGHT_ATTRS": {"DEP": "det"}}], [{"RIGHT_ID": "n", "RIGHT_ATTRS": {"ORTH": "big"}}]])
    matcher.add("A", [[{"RIGHT_ID": "n", "RIGHT_ATTRS": {"ORTH": "dog"}}]])
    assert [(doc.vocab.strings[m], t) for m, t in matcher(doc)] == [("B", [0]), ("B", [4]), ("B", [7]), ("B", [1]), ("A", [2])]


def test_callbacks_and_rules(doc):
    seen = []

    def on_match(matcher, d, i, matches):
        seen.append((matcher, d, i, matches[i]))

    matcher = DependencyMatcher(doc.vocab, validate=True)
    assert len(matcher) == 0 and "SVO" not in matcher and matcher.get("SVO") is None
    matcher.add("SVO", [SVO[:1] + [dict(SVO[1], RIGHT_ATTRS={"DEP": "nsubj"})]], on_match=on_match)
    matcher.add("ADJ", [[{"RIGHT_ID": "a", "RIGHT_ATTRS": {"DEP": "amod"}}]])
    doc = Doc(doc.vocab, words=WORDS, heads=HEADS, deps=DEPS, pos=["DET", "ADJ", "NOUN", "VERB", "DET", "NOUN", "CCONJ", "DET", "NOUN"])
    matches = matcher(doc)
    svo = doc.vocab.strings["SVO"]
    assert matches == [(svo, [3, 2]), (doc.vocab.strings["ADJ"], [1])]
    assert seen == [(matcher, doc, 0, (svo, [3, 2]))]
    assert len(matcher) == 2 and "SVO" in matcher and "ADJ" in matcher
    callback, patterns = matcher.get("SVO")
    assert callback is on_match and patterns[0][0] == SVO[0]
    matcher.remove("SVO")
    assert len(matcher) == 1 and "SVO" not in matcher
    assert matcher(doc) == [(doc.vocab.strings["ADJ"], [1])] and len(seen) == 1
    with pytest.raises(KeyError, match="SVO"):
        matcher.remove("SVO")


def test_a_span_is_matched_as_its_own_doc(doc):
    matcher = pair_matcher(doc.vocab, ">", {"DEP": "obj"})
    assert [t for _, t in matcher(doc)] == [[5, 4], [5, 8]]
    assert [t for _, t in matcher(doc[4:9])] == [[1, 0], [1, 4]]


def test_a_doc_without_a_parse_is_refused(vocab):
    matcher = DependencyMatcher(vocab)
    matcher.add("ANY", [[{"RIGHT_ID": "a", "RIGHT_ATTRS": {}}]])
    with pytest.raises(ValueError, match="needs a parsed Doc"):
        matcher(Doc(vocab, words=["no", "parse"]))
    assert matcher(Doc(vocab, words=[])) == []


ANCHOR = {"RIGHT_ID": "a", "RIGHT_ATTRS": {}}


@pytest.mark.parametrize(
    "pattern, message",
    [
        ([], "K: pattern 1 must be a non-empty list"),
        ([{"RIGHT_ATTRS": {}}], "K: pattern 1, node 0: a node is a dict with a RIGHT_ID"),
        ([{"RIGHT_ID": "a"}], r"K: pattern 1, node 0 \('a'\): missing RIGHT_ATTRS"),
        ([{"LEFT_ID": "x", "REL_OP": ">", "RIGHT_ID": "a", "RIGHT_ATTRS": {}}], r"node 0 \('a'\): the first node is the anchor"),
        ([ANCHOR, {"LEFT_ID": "x", "REL_OP": ">", "RIGHT_ID": "b", "RIGHT_ATTRS": {}}],
         r"K: pattern 1, node 1 \('b'\): LEFT_ID 'x' is not the RIGHT_ID of an earlier node \('a'\)"),
        ([ANCHOR, {"LEFT_ID": "a", "REL_OP": ">", "RIGHT_ID": "a", "RIGHT_ATTRS": {}}], "RIGHT_ID 'a' already names node 0"),
        ([ANCHOR, {"LEFT_ID": "a", "REL_OP": ">>>", "RIGHT_ID": "b", "RIGHT_ATTRS": {}}], r"node 1 \('b'\): unknown REL_OP '>>>'"),
        ([ANCHOR, {"LEFT_ID": "a", "RIGHT_ID": "b", "RIGHT_ATTRS": {}}], r"node 1 \('b'\): missing REL_OP"),
        ([ANCHOR, {"LEFT_ID": "a", "REL_OP": ">", "RIGHT_ID": "b"}], r"node 1 \('b'\): missing RIGHT_ATTRS"),
        ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {"LOWR": "x"}}], r"node 0 \('a'\): RIGHT_ATTRS: unknown token attribute 'LOWR'"),
        ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {"OP": "*"}}], r"node 0 \('a'\): RIGHT_ATTRS has OP '\*'"),
        ([ANCHOR, "b"], "K: pattern 1, node 1: a node is a dict"),
    ],
)
def test_bad_patterns_are_refused(vocab, pattern, message):
    matcher = DependencyMatcher(vocab)
    with pytest.raises(ValueError, match=message):
        matcher.add("K", [[{"RIGHT_ID": "ok", "RIGHT_ATTRS": {}}], pattern])
    assert "K" not in matcher and len(matcher) == 0


def test_bad_pattern_names_its_index_and_patterns_must_be_a_list(vocab):
    matcher = DependencyMatcher(vocab)
    with pytest.raises(ValueError, match="K: pattern 1, node 0"):
        matcher.add("K", [[ANCHOR], [{"RIGHT_ATTRS": {}}]])
    with pytest.raises(ValueError, match="list of patterns"):
        matcher.add("K", ANCHOR)


def test_unsupported_node_keys_warn_as_in_spacy(vocab, doc):
    matcher = DependencyMatcher(vocab)
    with pytest.warns(UserWarning, match=r"K: pattern 0, node 1 \('b'\): ignoring unsupported keys LEFT_ATTRS"):
        matcher.add("K", [[ANCHOR, {"LEFT_ID": "a", "REL_OP": "<", "RIGHT_ID": "b", "RIGHT_ATTRS": {}, "LEFT_ATTRS": {}}]])
    assert len(matcher(doc)) == 8

"""Edit trees (pipeline/edit_trees.py) on real EWT form/lemma pairs."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexloom.pipeline.edit_trees import EditTrees

EWT_SLICE = Path(__file__).parent / "data" / "edit_trees" / "en_ewt-ud-train-first300.conllu"


def read_form_lemma_pairs(path: Path) -> list[tuple[str, str]]:
    """FORM and LEMMA of every word line (multi-word token ranges and empty nodes skipped)."""
    pairs = []
    for line in path.read_text(encoding="utf8").splitlines():
        columns = line.split("\t")
        if columns[0].isdigit():
            pairs.append((columns[1], columns[2]))
    return pairs


@pytest.fixture(scope="module")
def ewt_pairs() -> list[tuple[str, str]]:
    return read_form_lemma_pairs(EWT_SLICE)


def test_every_tree_rebuilds_its_own_lemma(ewt_pairs):
    trees = EditTrees()
    for form, lemma in ewt_pairs:
        assert trees.apply(trees.add(form, lemma), form) == lemma


def test_trees_generalise_across_words(ewt_pairs):
    trees = EditTrees()
    root_ids = Counter(trees.add(form, lemma) for form, lemma in ewt_pairs)
    distinct_pairs = len(set(ewt_pairs))
    assert len(ewt_pairs) > 4000 and distinct_pairs > 1500
    # Many distinct words share few rewrites: identity, -s, -ed, -ing, case folding, ...
    assert len(root_ids) < distinct_pairs / 8
    identity = trees.add("dog", "dog")
    assert root_ids.most_common(1)[0][0] == identity
    assert trees.apply(identity, "anything") == "anything"


def test_shared_trees_and_inapplicable_forms():
    trees = EditTrees()
    past = trees.add("walked", "walk")
    assert trees.add("talked", "talk") == past
    assert trees.apply(past, "jumped") == "jump"
    assert trees.apply(past, "jumps") is None  # suffix does not match
    assert trees.apply(past, "ed") is None  # nothing left to keep
    assert trees.tree_to_str(past) == "match(0, 2, -, subst('ed', ''))"
    gerund = trees.add("running", "run")
    assert trees.add("gunning", "gun") == gerund
    assert trees.add("sitting", "sit") != gerund  # the doubled letter is part of the replaced suffix
    suppletive = trees.add("went", "go")
    assert trees.tree_to_str(suppletive) == "subst('went', 'go')"
    assert trees.apply(suppletive, "want") is None
    case_fold = trees.add("The", "the")
    assert trees.apply(case_fold, "They") == "they"
    assert trees.apply(trees.add("ate", "eat"), "ate") == "eat"


def test_json_round_trip_keeps_ids_and_behaviour(ewt_pairs):
    trees = EditTrees()
    ids = [trees.add(form, lemma) for form, lemma in ewt_pairs]
    restored = EditTrees.from_json(json.loads(json.dumps(trees.to_json())))
    assert len(restored) == len(trees)
    assert all(restored.apply(tree_id, form) == lemma for tree_id, (form, lemma) in zip(ids, ewt_pairs))
    assert [restored.add(form, lemma) for form, lemma in ewt_pairs] == ids
    assert len(restored) == len(trees)


@pytest.mark.parametrize(
    "data",
    [
        [[0, 1, 5, -1]],  # refers to a tree not yet defined
        [["ed", ""], [0, 2, -1, 0], [0, 2, -1, 0]],  # duplicate node
        [["ed"]],
        [[0, -2, -1, -1]],
        [[True, 0, -1, -1]],
        {"not": "a list entry"},
    ],
)
def test_from_json_rejects_malformed_data(data):
    with pytest.raises(ValueError, match="edit tree"):
        EditTrees.from_json(data if isinstance(data, list) else [data])


@given(st.text(max_size=12), st.text(max_size=12))
def test_any_pair_round_trips(form, lemma):
    trees = EditTrees()
    assert trees.apply(trees.add(form, lemma), form) == lemma

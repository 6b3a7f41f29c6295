"""spaCy v2 training scripts, written the v2 way (create_pipe, add_pipe(component),
disable_pipes, begin_training, update(texts, annotations), minibatch + compounding),
run unchanged. Each flow trains on a handful of sentences and must then reproduce
its own training annotations, which a trained model does reliably."""
import random

import pytest

import lexloom
from lexloom.language import set_seed
from lexloom.util import compounding, minibatch

from conftest import SMALL_TOK2VEC  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread"), pytest.mark.filterwarnings("ignore::lexloom.compat.V2APIWarning")]

SMALL = {"model": {"tok2vec": dict(SMALL_TOK2VEC)}}


def spans(text, *pairs):
    """Character offsets of each (phrase, label) in `text`, as v2's "entities" lists give them."""
    out = []
    for phrase, label in pairs:
        start = text.index(phrase)
        out.append((start, start + len(phrase), label))
    return out


def train(nlp, data, n_iter, *, optimizer=None, drop=0.2, component=None):
    """v2's loop: shuffle, compounding minibatches, nlp.update(texts, annotations)."""
    data = list(data)
    others = [name for name in nlp.pipe_names if component and name != component]
    with nlp.disable_pipes(*others):
        for _ in range(n_iter):
            random.shuffle(data)
            losses = {}
            for batch in minibatch(data, size=compounding(4.0, 32.0, 1.001)):
                texts, annotations = zip(*batch)
                nlp.update(texts, annotations, sgd=optimizer, drop=drop, losses=losses)
    return losses


def test_entities_then_a_new_label_on_the_trained_recognizer(tmp_path):
    set_seed(0)
    people_and_cities = [
        (t, {"entities": spans(t, *p)})
        for t, p in [
            ("Yusuf Demir flew to Toronto last week", [("Yusuf Demir", "PERSON"), ("Toronto", "CITY")]),
            ("The fair in Nairobi was opened by Grace Wanjiru", [("Nairobi", "CITY"), ("Grace Wanjiru", "PERSON")]),
            ("Tomas still lives in Porto", [("Tomas", "PERSON"), ("Porto", "CITY")]),
            ("Nobody answered the phone", []),
        ]
    ]
    nlp = lexloom.blank("en")
    ner = nlp.create_pipe("ner", config=SMALL)
    nlp.add_pipe(ner, last=True)
    for _, annotations in people_and_cities:
        for _, _, label in annotations["entities"]:
            ner.add_label(label)
    optimizer = nlp.begin_training()
    train(nlp, people_and_cities, 30, optimizer=optimizer, component="ner")
    assert ner.labels == ("PERSON", "CITY")

    # v2's "new entity type" script: add a label to the trained recognizer, keep training
    # (with the earlier sentences mixed in, so it does not forget them)
    gadgets = [
        (t, {"entities": spans(t, *p)})
        for t, p in [
            ("Tomas dropped his Kindle Paperwhite in Porto", [("Tomas", "PERSON"), ("Kindle Paperwhite", "GADGET"), ("Porto", "CITY")]),
            ("Grace Wanjiru reviewed the Steam Deck", [("Grace Wanjiru", "PERSON"), ("Steam Deck", "GADGET")]),
            ("My old Walkman still works", [("Walkman", "GADGET")]),
        ]
    ]
    assert ner.add_label("GADGET") == 1
    optimizer = nlp.resume_training()
    train(nlp, gadgets + people_and_cities, 30, optimizer=optimizer, component="ner")

    nlp.meta["name"] = "gadgets"
    with nlp.use_params(optimizer.averages):
        nlp.to_disk(tmp_path / "gadgets")
    for model in (nlp, lexloom.load(tmp_path / "gadgets")):
        for text, annotations in gadgets + people_and_cities:
            doc = model(text)
            assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == sorted(annotations["entities"]), text
    assert lexloom.load(tmp_path / "gadgets").meta["name"] == "gadgets"


# Heads are absolute token indices, as in v2's training data.
SYNTAX = [
    ("she reads old books", {"heads": [1, 1, 3, 1], "deps": ["nsubj", "ROOT", "amod", "dobj"]}),
    ("the dog chased a ball", {"heads": [1, 2, 2, 4, 2], "deps": ["det", "nsubj", "ROOT", "det", "dobj"]}),
    ("they sing loudly", {"heads": [1, 1, 1], "deps": ["nsubj", "ROOT", "advmod"]}),
    ("we bake bread .", {"heads": [1, 1, 1, 1], "deps": ["nsubj", "ROOT", "dobj", "punct"]}),
]

# A parser for shopping requests with labels of its own; "-" links a token that carries
# no meaning for the task to its head.
SHOPPING = [
    ("buy a red shirt in medium", {"heads": [0, 3, 3, 0, 5, 3], "deps": ["ROOT", "-", "COLOUR", "ITEM", "-", "SIZE"]}),
    ("order two blue mugs", {"heads": [0, 3, 3, 0], "deps": ["ROOT", "QUANTITY", "COLOUR", "ITEM"]}),
    ("get me a large green tent", {"heads": [0, 0, 5, 5, 5, 0], "deps": ["ROOT", "-", "-", "SIZE", "COLOUR", "ITEM"]}),
    ("buy three small candles", {"heads": [0, 3, 3, 0], "deps": ["ROOT", "QUANTITY", "SIZE", "ITEM"]}),
    ("order a black lamp for the desk", {"heads": [0, 3, 3, 0, 6, 6, 3], "deps": ["ROOT", "-", "COLOUR", "ITEM", "-", "-", "PLACE"]}),
]


@pytest.mark.parametrize("data", [SYNTAX, SHOPPING], ids=["syntax", "shopping-semantics"])
def test_heads_and_labels(data):
    set_seed(0)
    nlp = lexloom.blank("en")
    parser = nlp.create_pipe("parser", config=SMALL)
    nlp.add_pipe(parser, first=True)
    for _, annotations in data:
        for dep in annotations["deps"]:
            parser.add_label(dep)
    optimizer = nlp.begin_training()
    train(nlp, data, 40, optimizer=optimizer)
    for text, annotations in data:
        doc = nlp(text)
        assert [t.head.i for t in doc] == annotations["heads"], text
        assert [t.dep_ for t in doc] == annotations["deps"], text
        roots = [t for t in doc if t.dep_ == "ROOT"]
        assert len(roots) == 1 and roots[0].head.text == roots[0].text


def test_tags_with_a_tag_map(tmp_path):
    set_seed(0)
    tag_map = {
        "NN": {"pos": "NOUN"},
        "VB": {"pos": "VERB"},
        "JJ": {"pos": "ADJ"},
        "DT": {"pos": "DET"},
        "PRP": {"pos": "PRON", "PronType": "Prs"},
    }
    data = [
        ("they paint old boats", {"tags": ["PRP", "VB", "JJ", "NN"]}),
        ("we sell the fresh bread", {"tags": ["PRP", "VB", "DT", "JJ", "NN"]}),
        ("the tall tree grows", {"tags": ["DT", "JJ", "NN", "VB"]}),
    ]
    nlp = lexloom.blank("en")
    tagger = nlp.create_pipe("tagger", config=SMALL)
    for tag, values in tag_map.items():
        tagger.add_label(tag, values)
    nlp.add_pipe(tagger)
    optimizer = nlp.begin_training()
    train(nlp, data, 25, optimizer=optimizer)
    nlp.to_disk(tmp_path / "tagger")
    for model in (nlp, lexloom.load(tmp_path / "tagger")):
        for text, annotations in data:
            doc = model(text)
            assert [t.tag_ for t in doc] == annotations["tags"], text
            assert [t.pos_ for t in doc] == [tag_map[tag]["pos"] for tag in annotations["tags"]]
            assert [t.morph_ for t in doc] == ["PronType=Prs" if tag == "PRP" else "" for tag in annotations["tags"]]


def test_categories():
    set_seed(0)
    data = [
        ("the soup was warm and tasty", True),
        ("a cold , bland and salty soup", False),
        ("friendly staff and quick service", True),
        ("we waited an hour for a burnt pizza", False),
        ("lovely garden seats in the sun", True),
        ("the waiter was rude to us", False),
    ]
    train_data = [(text, {"cats": {"POSITIVE": good, "NEGATIVE": not good}}) for text, good in data]
    nlp = lexloom.blank("en")
    textcat = nlp.create_pipe("textcat", config={"exclusive_classes": True, "architecture": "simple_cnn", **SMALL})
    nlp.add_pipe(textcat, last=True)
    textcat.add_label("POSITIVE")
    textcat.add_label("NEGATIVE")
    with nlp.disable_pipes(*[name for name in nlp.pipe_names if name != "textcat"]):
        optimizer = nlp.begin_training()
        train(nlp, train_data, 20, optimizer=optimizer)
    with nlp.use_params(optimizer.averages):
        docs = list(textcat.pipe(nlp.tokenizer(text) for text, _ in data))
    for doc, (text, good) in zip(docs, data):
        assert set(doc.cats) == {"POSITIVE", "NEGATIVE"}
        assert (doc.cats["POSITIVE"] > 0.5) == good, (text, doc.cats)
        assert doc.cats["POSITIVE"] + doc.cats["NEGATIVE"] == pytest.approx(1.0)

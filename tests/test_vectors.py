"""Static word vectors in the tok2vec (pipeline/vectors.py): reading, lookup, training, save and load."""
import gzip
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch

import lexloom
from lexloom.convert import read_docs
from lexloom.errors import LexloomError
from lexloom.pipeline.vectors import StaticVectors
from lexloom.tokens import Doc, Example
from lexloom.training.batchers import minibatch

TRAIN = Path(__file__).parent / "data" / "edit_trees" / "en_ewt-ud-train-first300.conllu"
DEV = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def tag_profile_vectors(path: Path, out: Path) -> Path:
    """Vectors built from real data: each word's distribution over the XPOS tags it has in
    `path`, as a word2vec text file with a header, most frequent words first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc in read_docs(path, format="conllu"):
        for token in doc:
            counts[token.text][token.tag_] += 1
    tags = sorted({t for c in counts.values() for t in c})
    lines = [f"{len(counts)} {len(tags)}"]
    for word, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(c.values())
        lines.append(word + " " + " ".join(f"{c[t] / total:.3f}" for t in tags))
    out.write_text("\n".join(lines) + "\n", encoding="utf8")
    return out


def test_reads_word2vec_and_fasttext_text_files(tmp_path):
    plain = tmp_path / "v.txt"
    plain.write_text("3 2\nthe 1 0\nThe 0 1\ndog 0.5 0.5\nthe 9 9\n", encoding="utf8")
    vectors = StaticVectors.from_file(plain)
    assert vectors.keys == ["the", "The", "dog"] and vectors.dim == 2  # the later duplicate is ignored
    assert vectors.table.shape == (4, 2) and vectors.table[0].abs().sum() == 0
    packed = tmp_path / "v.vec.gz"
    with gzip.open(packed, "wt", encoding="utf8") as fh:
        fh.write("the 1 0 \ndog 0.5 0.5 \n")  # fastText leaves a space at the end of lines
    assert StaticVectors.from_file(packed).keys == ["the", "dog"]
    assert StaticVectors.from_file(plain, max_rows=2).keys == ["the", "The"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("the 1 0\ndog 0.5\n", "v.txt:2: expected a word and 2 numbers, found 1"),
        ("the 1 0\ndog 0.5 x\n", "v.txt:2: not a number among the values of 'dog'"),
        ("", "v.txt: no vectors found"),
    ],
)
def test_bad_vectors_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "v.txt"
    path.write_text(text, encoding="utf8")
    with pytest.raises(LexloomError, match=message):
        StaticVectors.from_file(path)


def test_lookup_exact_then_lowercase_then_zeros(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("the 1 0\nDog 0 1\n", encoding="utf8")
    vectors = StaticVectors.from_file(path)
    nlp = lexloom.blank("en")
    doc = Doc(nlp.vocab, words=["The", "the", "Dog", "dog", "cat"])
    assert vectors.rows([doc]).tolist() == [1, 1, 2, 0, 0]
    assert vectors([doc]).tolist() == [[1, 0], [1, 0], [0, 1], [0, 0], [0, 0]]


def tagger_nlp(vectors: Path | None):
    tok2vec = {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 32, "rows": [50, 20, 50, 20],
        "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 32, "depth": 1},
    }
    if vectors:
        tok2vec["vectors"] = str(vectors)
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": tok2vec})
    nlp.add_pipe("tagger", config={"model": {"tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 32}}})
    return nlp


def train_tagger(nlp, train, dev) -> float:
    torch.manual_seed(0)
    optimizer = nlp.initialize(lambda: train)
    for _ in range(3):
        for batch in minibatch(train, size=16):
            nlp.update(batch, drop=0.1, sgd=optimizer)
    with nlp.use_params(optimizer.averages):
        return nlp.evaluate(dev)["tag_acc"]


def test_vectors_feed_the_model_and_travel_with_it(tmp_path, one_thread):
    """Tiny hash tables can barely tell words apart; vectors that carry each training word's
    tag profile must lift dev accuracy, and the saved pipeline must keep them without the file."""
    path = tag_profile_vectors(TRAIN, tmp_path / "tags.vec")
    train = [Example(Doc(d.vocab, words=d.words, spaces=d.spaces), d) for d in read_docs(TRAIN, format="conllu")]
    dev = [Example(Doc(d.vocab, words=d.words, spaces=d.spaces), d) for d in read_docs(DEV, format="conllu")]
    without = train_tagger(tagger_nlp(None), train, dev)
    nlp = tagger_nlp(path)
    with_vectors = train_tagger(nlp, train, dev)
    assert with_vectors > without + 0.05, (with_vectors, without)

    nlp.to_disk(tmp_path / "model")
    keys = json.loads((tmp_path / "model" / "tok2vec" / "vectors.json").read_text())
    assert keys["dim"] == StaticVectors.from_file(path).dim and keys["keys"][0] == "the"
    path.unlink()  # loading must not need the vectors file
    loaded = lexloom.load(tmp_path / "model")
    texts = ["The quick brown fox jumps over the lazy dog .", "I would like to book a flight to Boston ."]
    assert [[t.tag_ for t in d] for d in loaded.pipe(texts)] == [[t.tag_ for t in d] for d in nlp.pipe(texts)]
    table = loaded.get_pipe("tok2vec").model.vectors.table
    assert torch.equal(table, nlp.get_pipe("tok2vec").model.vectors.table)
    assert np.count_nonzero(table.sum(dim=1).numpy()) == len(keys["keys"])


def test_a_pipeline_with_static_vectors_shares_them_with_its_vocab(tmp_path):
    """As with spaCy's md and lg pipelines: `token.vector` and `doc.similarity` read the tok2vec's
    table (the same memory), after `initialize` and after loading; tag-profile vectors make words
    of one tag alike."""
    path = tag_profile_vectors(TRAIN, tmp_path / "tags.vec")
    train = [Example(Doc(d.vocab, words=d.words, spaces=d.spaces), d) for d in read_docs(TRAIN, format="conllu")]
    plain = tagger_nlp(None)
    plain.initialize(lambda: train[:20])
    assert plain.vocab.vectors.size == 0 and not plain("the dog").has_vector
    nlp = tagger_nlp(path)
    assert nlp.vocab.vectors.size == 0  # nothing read until the pipeline is initialized
    nlp.initialize(lambda: train[:20])
    table = nlp.get_pipe("tok2vec").model.vectors.table
    vectors = nlp.vocab.vectors
    assert list(vectors.keys()) == StaticVectors.from_file(path).keys and vectors.shape == (table.shape[0] - 1, table.shape[1])
    assert np.shares_memory(vectors.data, table.numpy())
    doc = nlp("The army killed a man and went home .")
    assert doc[0].similarity(doc[3]) > 0.9 and doc[0].similarity(doc[6]) < 0.1  # The, a: DT; went: VBD
    assert "ARMY" not in vectors and nlp.vocab["ARMY"].vector.tolist() == doc[1].vector.tolist()  # read as "army", as the tok2vec does
    similarity = doc.similarity(nlp("A man came to the new city and said people ran ."))
    assert 0.5 < similarity < 1.0

    nlp.to_disk(tmp_path / "model")
    path.unlink()
    loaded = lexloom.load(tmp_path / "model")
    assert list(loaded.vocab.vectors.keys()) == list(vectors.keys()) and np.array_equal(loaded.vocab.vectors.data, vectors.data)
    again = loaded("The army killed a man and went home .")
    assert again.similarity(loaded("A man came to the new city and said people ran .")) == pytest.approx(similarity)
    nlp.vocab.set_vector("man", np.ones(vectors.shape[1]))  # the vocab's own copy: the model keeps its table
    assert nlp.vocab.get_vector("man").sum() == vectors.shape[1] and table[vectors.find(key="man") + 1].sum() == pytest.approx(1)

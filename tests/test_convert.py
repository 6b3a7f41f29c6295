"""Converters and `lexloom convert` on real slices (tests/data/{ud,uner,iob,textcat}) and malformed input."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner
from udtools import udeval

from lexloom.cli import app
from lexloom.convert import (
    CorpusStats,
    JoinStats,
    convert,
    detect_format,
    read_conll03,
    read_conllu,
    read_docs,
    read_iob,
    read_jsonl,
    write_conllu,
    write_docs,
)
from lexloom.errors import DataError, LexloomError
from lexloom.tokens import Doc, DocBin, Vocab, read_docbin

DATA = Path(__file__).parent / "data"
EWT = DATA / "ud" / "en_ewt-ud-dev-150.conllu"
UNER = DATA / "uner" / "en_ewt-ud-dev-100.iob2"
IOB = DATA / "iob"
COOKING = DATA / "textcat" / "cooking-dev-50.jsonl"
DOCS_ISSUES = DATA / "textcat" / "docs_issues-eval-50.jsonl"


def simple_tokenizer(vocab: Vocab):
    """Words, punctuation marks and whitespace runs; one space after a token is its space flag."""

    def tokenize(text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for match in re.finditer(r"\w+|[^\w\s]|\s+", text):
            piece = match.group()
            if piece.isspace() and words and not spaces[-1] and piece.startswith(" "):
                spaces[-1] = True
                piece = piece[1:]
            if piece:
                words.append(piece)
                spaces.append(False)
        return Doc(vocab, words, spaces)

    return tokenize


def ents(doc: Doc) -> list[tuple[str, str]]:
    return [(span.text, span.label_) for span in doc.ents]


def assert_same_docs(first: list[Doc], second: list[Doc]) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert a.words == b.words
        assert a.spaces == b.spaces
        for attr in ("tag", "pos", "morph", "lemma", "dep", "ent_type"):
            assert a._strings_of(attr) == b._strings_of(attr), attr
        for attr in ("head", "sent_start", "ent_iob"):
            assert np.array_equal(getattr(a, "_" + attr), getattr(b, "_" + attr)), attr
        assert a.cats == b.cats
        assert a.user_data == b.user_data


def assert_data_error(error: DataError, path: Path, line: int, *fragments: str) -> None:
    message = str(error)
    assert message.startswith(f"{path}:{line}: "), message
    for fragment in fragments:
        assert fragment in message


def word_lines(path: Path) -> list[list[str]]:
    """Columns ID..DEPREL of the word and range lines of a CoNLL-U file (empty nodes left out)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.split("\t")
        if len(columns) == 10 and "." not in columns[0]:
            rows.append(columns[:8])
    return rows


# --- CoNLL-U ----------------------------------------------------------------------------------


def test_conllu_reads_every_column_and_comment():
    docs = list(read_conllu(EWT, Vocab("en")))
    assert len(docs) == 150
    first = docs[0]
    assert first.text == "From the AP comes this story :"
    assert first.user_data["sent_ids"] == ["weblog-blogspot.com_nominations_20041117172713_ENG_20041117_172713-0001"]
    token = first[2]
    assert (token.text, token.lemma_, token.pos_, token.tag_, token.morph_) == ("AP", "AP", "PROPN", "NNP", "Number=Sing")
    assert (token.head.text, token.dep_) == ("comes", "obl")
    assert first[3].head.i == 3 and first[3].dep_ == "root"
    assert first[0].morph_ == ""  # FEATS "_" is unset
    assert [t.is_sent_start for t in first] == [True] + [False] * 6


def test_conllu_text_equals_text_comment_for_every_sentence():
    for merge in (False, True):
        docs = list(read_conllu(EWT, Vocab("en"), merge_subtokens=merge))
        assert [doc.text for doc in docs] == [doc.user_data["texts"][0] for doc in docs]
        assert all(doc.user_data["texts"][0] for doc in docs)


def test_conllu_skips_empty_nodes():
    doc = next(d for d in read_conllu(EWT, Vocab("en")) if d.text.startswith('"They can freely write anything'))
    assert doc.words[6:9] == ["they", "like", "about"]  # no copy of "write" (8.1) between "like" and "about"
    assert doc[8].head.text == "prophet"


def test_multiword_tokens_without_merge_are_syntactic_words():
    doc = next(d for d in read_conllu(EWT, Vocab("en")) if d.text.startswith("Today's"))
    assert doc.words[:3] == ["Today", "'s", "incident"]
    assert doc.spaces[:2] == [False, True]
    assert doc.user_data["mwts"] == [[[0, 2, "Today's"]]]
    assert doc[0].head.text == "incident" and doc[1].head.text == "Today"


def test_multiword_tokens_merged_take_the_outside_attachment():
    doc = next(d for d in read_conllu(EWT, Vocab("en"), merge_subtokens=True) if d.text.startswith("Today's"))
    merged = doc[0]
    assert merged.text == "Today's"
    assert (merged.tag_, merged.pos_, merged.lemma_) == ("NN+POS", "NOUN", "today 's")
    assert (merged.head.text, merged.dep_) == ("incident", "nmod:poss")
    assert "mwts" not in doc.user_data
    # "didn't" carries SpaceAfter=No on its range line: no space after the merged token either
    didnt = next(d for d in read_conllu(EWT, Vocab("en"), merge_subtokens=True) if "didn't" in d.words)
    token = didnt[didnt.words.index("didn't")]
    assert token.whitespace_ == ""
    assert token.morph_ == "Mood=Ind|Number=Plur|Person=3|Polarity=Neg|Tense=Past|VerbForm=Fin"
    assert token.lemma_ == "do not"


def test_n_sents_groups_sentences_and_offsets_heads():
    vocab = Vocab("en")
    single = list(read_conllu(EWT, vocab))
    grouped = list(read_conllu(EWT, vocab, n_sents=10))
    assert len(grouped) == 15
    first = grouped[0]
    sents = list(first.sents)
    assert len(sents) == 10
    assert [s.text for s in sents] == first.user_data["texts"] == [d.text for d in single[:10]]
    assert first.user_data["sent_ids"] == [d.user_data["sent_ids"][0] for d in single[:10]]
    offset = sents[3].start
    assert first.heads[offset : sents[3].end] == [h + offset for h in single[3].heads]
    assert len(first.user_data["mwts"]) == 10


@pytest.mark.parametrize("n_sents,merge", [(1, False), (10, False), (10, True)])
def test_conllu_round_trip_through_lexloom_keeps_every_annotation(tmp_path, n_sents, merge):
    (corpus,) = convert(EWT, tmp_path, n_sents=n_sents, merge_subtokens=merge)
    assert corpus == tmp_path / "en_ewt-ud-dev-150.lexloom"
    vocab = Vocab("en")
    expected = list(read_conllu(EWT, vocab, n_sents=n_sents, merge_subtokens=merge))
    assert_same_docs(expected, list(read_docbin(corpus, vocab)))


def test_lexloom_back_to_conllu_passes_the_official_evaluation(tmp_path):
    (corpus,) = convert(EWT, tmp_path / "corpus", n_sents=10)
    (written,) = convert(corpus, tmp_path / "back", to="conllu")
    assert written == tmp_path / "back" / "en_ewt-ud-dev-150.conllu"
    scores = udeval.evaluate(udeval.load_conllu_file(str(EWT)), udeval.load_conllu_file(str(written)))
    for metric in ("Tokens", "Sentences", "Words", "UPOS", "XPOS", "UFeats", "Lemmas", "UAS", "LAS"):
        assert scores[metric].f1 == 1.0, metric
    # stronger than the scores: every word and range line is restored, as are the comments
    assert word_lines(written) == word_lines(EWT)
    text = written.read_text(encoding="utf-8")
    original = EWT.read_text(encoding="utf-8")
    for key in ("sent_id", "text"):
        assert re.findall(rf"^# {key} = .*$", text, re.M) == re.findall(rf"^# {key} = .*$", original, re.M)


def test_write_conllu_marks_unset_values_and_numbers_sentences(tmp_path):
    vocab = Vocab("en")
    doc = Doc(vocab, ["Hello", ",", "world", "!", "Bye"], [False, True, False, True, False], sent_starts=[1, 0, 0, 0, 1])
    path = write_conllu([doc], tmp_path / "out.conllu")
    assert path.read_text(encoding="utf-8") == (
        "# newdoc id = 1\n# sent_id = 1\n# text = Hello, world!\n"
        "1\tHello\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "2\t,\t_\t_\t_\t_\t_\t_\t_\t_\n"
        "3\tworld\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "4\t!\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
        "# sent_id = 2\n# text = Bye\n"
        "1\tBye\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
    )


# --- IOB family -------------------------------------------------------------------------------


def test_uner_rebuilds_spaces_from_text_comment():
    docs = list(read_iob(UNER, Vocab("en")))
    assert len(docs) == 100
    assert [d.text for d in docs] == [d.user_data["texts"][0] for d in docs]
    assert ents(docs[0]) == [("tampa bay", "LOC")]
    assert ents(docs[46]) == [("McDonald s", "LOC"), ("Burger King", "LOC"), ("Taco Bell", "LOC"), ("Wendy s", "LOC")]
    assert sum(len(d.ents) for d in docs) == 52  # one per B- tag in the slice
    grouped = list(read_iob(UNER, Vocab("en"), n_sents=10))
    assert len(grouped) == 10 and [s.text for s in grouped[0].sents] == grouped[0].user_data["texts"]


def uner_sentences(*indices: int) -> list[Doc]:
    docs = list(read_iob(UNER, Vocab("en")))
    return [docs[i] for i in indices]


@pytest.mark.parametrize(
    "name,indices",
    [
        ("word_tag-iob2.iob", (0, 2, 15, 46)),
        ("word_pos_tag-iob2.iob", (66, 68)),
        ("columns-biluo.iob", (46, 67)),
        ("columns-bioes.iob", (68,)),
        ("columns-iob1.iob", (61, 68)),
    ],
)
def test_iob_layouts_and_schemes_give_the_uner_entities(name, indices):
    docs = list(read_iob(IOB / name, Vocab("en")))
    expected = uner_sentences(*indices)
    assert [d.words for d in docs] == [d.words for d in expected]
    assert [ents(d) for d in docs] == [ents(d) for d in expected]


def test_iob1_keeps_adjacent_entities_apart():
    docs = list(read_iob(IOB / "columns-iob1.iob", Vocab("en")))
    assert ents(docs[1])[:2] == [("Miramar", "LOC"), ("California", "LOC")]


def test_word_pos_tag_puts_pos_into_tag():
    doc = next(read_iob(IOB / "word_pos_tag-iob2.iob", Vocab("en")))
    assert doc.tags[:4] == ["EX", "VBZ", "DT", "NNP"]


def test_conll03_gives_one_doc_per_docstart_document():
    docs = list(read_conll03(IOB / "conll03-uner.conll", Vocab("en"), n_sents=1))
    assert [len(list(d.sents)) for d in docs] == [3, 2]
    expected = uner_sentences(66, 67, 68)
    assert [s.text for s in docs[0].sents] == [" ".join(d.words) for d in expected]
    assert ents(docs[0]) == [e for d in expected for e in ents(d)]
    assert docs[0].tags[:3] == ["EX", "VBZ", "DT"]


# --- JSONL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [COOKING, DOCS_ISSUES])
def test_jsonl_textcat_slices(path):
    vocab = Vocab("en")
    docs = list(read_jsonl(path, vocab, tokenizer=simple_tokenizer(vocab)))
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == len(records) == 50
    assert [d.text for d in docs] == [r["text"] for r in records]
    assert [d.cats for d in docs] == [r["cats"] for r in records]
    assert [d.user_data.get("meta") for d in docs] == [r.get("meta") for r in records]


def test_jsonl_with_the_real_tokenizer(tmp_path):
    (corpus,) = convert(DOCS_ISSUES, tmp_path, lang="en")
    docs = list(read_docbin(corpus))
    assert docs[0].text == "Node.js: Produce docs files"
    assert docs[0].cats == {"DOCUMENTATION": 0.0, "OTHER": 1.0}


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_jsonl_spans_and_entities(tmp_path):
    path = write_lines(
        tmp_path / "ner.jsonl",
        json.dumps({"text": "Bush met Ani in Qaim.", "spans": [{"start": 0, "end": 4, "label": "PER"}, {"start": 16, "end": 20, "label": "LOC"}]}),
        "",
        json.dumps({"text": "Shaikh Abdullah al-Ani spoke.", "entities": [[0, 22, "PER"]], "meta": {"source": "UNER"}}),
    )
    vocab = Vocab("en")
    docs = list(read_jsonl(path, vocab, tokenizer=simple_tokenizer(vocab)))
    assert [ents(d) for d in docs] == [[("Bush", "PER"), ("Qaim", "LOC")], [("Shaikh Abdullah al-Ani", "PER")]]
    assert docs[1].user_data == {"meta": {"source": "UNER"}}


# --- malformed input: FILE:LINE: what, and no output file -------------------------------------

MALFORMED = [
    # (file name, lines, line of the error, words in the message)
    ("columns.conllu", ["# text = a b", "1\ta\ta\tX\tX\t_\t0\troot\t_", "2\tb\tb\tX\tX\t_\t1\tdep\t_\t_"], 2, ["10 tab-separated columns, found 9"]),
    ("head.conllu", ["1\ta\ta\tX\tX\t_\t0\troot\t_\t_", "2\tb\tb\tX\tX\t_\tone\tdep\t_\t_"], 2, ["HEAD 'one' is not an integer"]),
    ("range.conllu", ["1\ta\ta\tX\tX\t_\t0\troot\t_\t_", "", "1\ta\ta\tX\tX\t_\t3\tdep\t_\t_", "2\tb\tb\tX\tX\t_\t0\troot\t_\t_"], 3, ["HEAD 3 is out of range", "2 words"]),
    ("self.conllu", ["1\ta\ta\tX\tX\t_\t1\troot\t_\t_"], 1, ["its own HEAD"]),
    ("order.conllu", ["1\ta\ta\tX\tX\t_\t0\troot\t_\t_", "3\tb\tb\tX\tX\t_\t1\tdep\t_\t_"], 2, ["word ID 3 is out of order"]),
    ("broken.iob", ["Bush B-PER", "met O", "", "in O", "Iraq I-LOC", "now O"], 5, ["'I-LOC' does not continue", "IOB2"]),
    ("tag.iob", ["Bush PERSON", "met O"], 1, ["invalid entity tag 'PERSON'"]),
    ("ncols.iob", ["Bush NNP B-PER", "met O"], 2, ["expected 3 columns (as on line 1), found 2"]),
    ("biluo.iob", ["Bush\tU-PER", "met\tO", "Ani\tB-PER", "now\tO"], 4, ["unfinished PER entity", "BILUO"]),
    ("wordtag.iob", ["Bush|B-PER met|O", "in|O Iraq"], 2, ["'Iraq' is not word|tag"]),
    ("conll03.conll", ["-DOCSTART- -X- -X- O", "", "Bush NNP I-NP I-PER", "met VBD I-VP"], 4, ["expected 4 columns", "found 3"]),
    ("text.iob2", ["# text = Bush met", "1\tBush\tB-PER\t-", "2\tmeets\tO\t-"], 3, ["word 2 'meets' does not match the '# text'"]),
    ("json.jsonl", ['{"text": "fine", "cats": {"A": 1.0}}', '{"text": "broken", '], 2, ["invalid JSON"]),
    ("notext.jsonl", ['{"cats": {"A": 1.0}}'], 1, ["missing 'text' field"]),
    ("cats.jsonl", ['{"text": "x", "cats": {"A": "yes"}}'], 1, ["'cats' must map each label to a number"]),
    ("misaligned.jsonl", ['{"text": "New York is big", "spans": [{"start": 0, "end": 7, "label": "LOC"}]}'], 1, ["span 'New Yor' [0:7] (LOC) does not match token boundaries", "'York'"]),
    ("overlap.jsonl", ['{"text": "New York City", "entities": [[0, 8, "LOC"], [4, 13, "LOC"]]}'], 1, ["span 'York City' [4:13] (LOC) overlaps span 'New York' [0:8]"]),
    ("outside.jsonl", ['{"text": "Bush", "entities": [[0, 9, "PER"]]}'], 1, ["outside the text of 4 characters"]),
]


@pytest.mark.parametrize("name,lines,line,fragments", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_input_names_file_and_line_and_writes_nothing(tmp_path, name, lines, line, fragments):
    source = write_lines(tmp_path / name, *lines)
    output_dir = tmp_path / "corpus"
    output_dir.mkdir()
    with pytest.raises(DataError) as raised:
        convert(source, output_dir)  # JSONL text goes through the real English tokenizer
    assert_data_error(raised.value, source, line, *fragments)
    assert list(output_dir.iterdir()) == []


def test_error_in_the_middle_of_a_long_file_leaves_no_output(tmp_path):
    good = EWT.read_text(encoding="utf-8")
    source = tmp_path / "late.conllu"
    source.write_text(good + "1\tx\tx\tX\tX\t_\t7\troot\t_\t_\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        convert(source, tmp_path / "corpus")
    assert_data_error(raised.value, source, good.count("\n") + 1, "HEAD 7 is out of range")
    assert not (tmp_path / "corpus" / "late.lexloom").exists()
    assert [p.name for p in (tmp_path / "corpus").iterdir()] == []


def test_non_utf8_input_names_the_line(tmp_path):
    source = tmp_path / "latin1.iob"
    source.write_bytes("Bush B-PER\nMünchen B-LOC\n".encode("latin-1"))
    with pytest.raises(DataError) as raised:
        convert(source, tmp_path / "corpus")
    assert_data_error(raised.value, source, 2, "not UTF-8", "0xfc")


# --- detection, directories, CLI ------------------------------------------------------------


def test_detect_format(tmp_path):
    assert detect_format(EWT) == "conllu"
    assert detect_format(UNER) == "iob"
    assert detect_format(IOB / "conll03-uner.conll") == "conll03"
    assert detect_format(IOB / "word_tag-iob2.iob") == "iob"
    assert detect_format(COOKING) == "jsonl"
    texts, tagged = tmp_path / "texts.txt", tmp_path / "tagged.txt"
    texts.write_text("Apple rose on Monday.\nIt fell. O\n")
    tagged.write_text("Apple B-ORG\nrose O\n\nIt O\n")
    assert detect_format(texts) == "txt" and detect_format(tagged) == "iob"
    assert detect_format(tmp_path / "texts.lexloom") == "lexloom"  # by extension, not read


def test_read_docs_reads_every_format_a_folder_and_stdin(tmp_path, monkeypatch):
    vocab = Vocab("en")
    (corpus,) = convert(UNER, tmp_path / "corpus", n_sents=1)
    from_corpus = [ents(d) for d in read_docs(corpus, vocab)]
    assert from_corpus == [ents(d) for d in read_docs(UNER, vocab)] and any(from_corpus)
    texts = tmp_path / "texts.txt"
    texts.write_text("Apple rose.\n\nIt fell sharply\n")
    assert [d.text for d in read_docs(texts, vocab)] == ["Apple rose.", "It fell sharply"]
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "README.txt").write_text("not a corpus\n")
    convert(UNER, folder / "sub", n_sents=50)
    (folder / "b.jsonl").write_text('{"text": "Hi there", "cats": {"A": 1.0}}\n')
    docs = list(read_docs(folder, vocab))
    assert [d.cats for d in docs[:1]] == [{"A": 1.0}] and len(docs) == 1 + 2  # b.jsonl, then sub/ (100 sentences)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(EWT.read_bytes())))
    assert [d.text for d in read_docs("-", vocab)] == [d.text for d in read_conllu(EWT, vocab)]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "ok"}\n{"text": 3}\n')))
    with pytest.raises(DataError, match=r"^<stdin>:2: 'text' must be a string"):
        list(read_docs("-", vocab))
    with pytest.raises(DataError, match="no such file"):
        read_docs(tmp_path / "missing.conllu", vocab)


def test_conllu_keeps_entities_and_categories(tmp_path):
    """.lexloom -> CoNLL-U -> .lexloom loses no entity (nor its missing annotation) and no category."""
    vocab = Vocab("en")
    docs = list(read_iob(UNER, vocab, n_sents=3))
    docs[0].cats = {"NEWS": 1.0, "SPORT": 0.0}
    docs[1]._ent_iob[2:4] = 0  # two tokens without entity annotation
    docs[1]._ent_type[2:4] = 0
    docs[2]._ent_iob[:] = 0  # a doc without entity annotation
    docs[2]._ent_type[:] = 0
    corpus = write_docs(docs, tmp_path / "in.lexloom")
    (written,) = convert(corpus, tmp_path / "out", to="conllu")
    text = written.read_text()
    assert "# newdoc id = 1\n# cats = {\"NEWS\": 1.0, \"SPORT\": 0.0}\n" in text and text.count("# newdoc id = ") == len(docs)
    assert "\tNE=B-" in text and "|NE=O\n" in text
    (back,) = convert(written, tmp_path / "back", n_sents=3)
    again = list(read_docbin(back, vocab))
    for a, b in zip(docs, again):
        assert ents(a) == ents(b) and a.cats == b.cats
        assert np.array_equal(a._ent_iob, b._ent_iob)
    # an entity across a sentence boundary stays whole when the sentences are read into one Doc
    doc = Doc(vocab, ["New", "York", "City", "is", "big"], sent_starts=[1, 0, 1, 0, 0], ents=["B-GPE", "I-GPE", "L-GPE", "O", "O"])
    (joined,) = read_conllu(write_conllu([doc], tmp_path / "cross.conllu"), vocab, n_sents=2)
    assert ents(joined) == [("New York City", "GPE")]
    bad = write_lines(tmp_path / "bad.conllu", "# cats = {\"A\": \"yes\"}", "1\ta\t_\t_\t_\t_\t_\t_\t_\tNE=X")
    with pytest.raises(DataError, match=r"bad.conllu:1: # cats must be"):
        list(read_conllu(bad, vocab))


def test_to_json_and_from_json_round_trip_every_annotation(tmp_path):
    vocab = Vocab("en")
    docs = list(read_conllu(EWT, vocab, n_sents=5))[:6] + list(read_iob(UNER, vocab, n_sents=4))[:3]
    docs += list(read_jsonl(COOKING, vocab, tokenizer=simple_tokenizer(vocab)))[:3]
    for doc in docs:
        data = json.loads(json.dumps(doc.to_json()))
        again = Doc(vocab).from_json(data)
        assert again.to_json() == data
        assert again.words == doc.words and again.spaces == doc.spaces
        for attr in ("tag", "pos", "morph", "lemma", "dep"):
            assert again._strings_of(attr) == doc._strings_of(attr), attr
        assert again.heads == doc.heads and ents(again) == ents(doc) and again.cats == doc.cats
        assert [s.text for s in again.sents] == [s.text for s in doc.sents]
    first = docs[0].to_json()
    assert set(first) == {"text", "sents", "tokens"} and set(first["tokens"][0]) == {"id", "start", "end", "tag", "pos", "morph", "lemma", "dep", "head"}
    assert set(docs[-1].to_json()) == {"text", "ents", "cats", "tokens"}
    # the JSONL writer's lines read back through the JSONL reader
    path = write_docs(docs, tmp_path / "docs.jsonl")
    assert [d.to_json() for d in read_docs(path, vocab)] == [d.to_json() for d in docs]
    with pytest.raises(ValueError, match="tokens must cover the text"):
        Doc(vocab).from_json({"text": "ab  c", "tokens": [{"start": 0, "end": 2}, {"start": 4, "end": 5}]})


def test_convert_a_directory_counts_everything(tmp_path):
    stats = CorpusStats()
    outputs = convert(IOB, tmp_path, stats=stats)
    assert sorted(p.name for p in outputs) == [
        "columns-biluo.lexloom", "columns-bioes.lexloom", "columns-iob1.lexloom",
        "conll03-uner.lexloom", "word_pos_tag-iob2.lexloom", "word_tag-iob2.lexloom",
    ]
    assert (stats.files, stats.sentences) == (6, 5 + 4 + 2 + 2 + 1 + 2)
    assert stats.docs == 2 + 4 + 2 + 2 + 1 + 2
    assert sum(len(DocBin().from_disk(p)) for p in outputs) == stats.docs


def test_merge_subtokens_is_refused_for_formats_without_them(tmp_path):
    with pytest.raises(LexloomError, match="CoNLL-U input only"):
        list(read_docs(UNER, merge_subtokens=True))


def test_cli_convert_prints_a_summary(tmp_path):
    result = CliRunner().invoke(app, ["convert", str(EWT), str(tmp_path), "--n-sents", "10"])
    assert result.exit_code == 0, result.output
    assert "150" in result.output and "15" in result.output
    assert "en_ewt-ud-dev-150.lexloom" in "".join(result.output.split())  # rich wraps long paths
    assert len(DocBin().from_disk(tmp_path / "en_ewt-ud-dev-150.lexloom")) == 15


def test_cli_convert_error_exits_1_with_file_and_line(tmp_path):
    source = write_lines(tmp_path / "bad.conllu", "1\ta\ta\tX\tX\t_\tx\troot\t_\t_")
    result = subprocess.run(
        [sys.executable, "-m", "lexloom", "convert", str(source), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"error: {source}:1: HEAD 'x' is not an integer" in " ".join(result.stderr.split())
    assert not (tmp_path / "out" / "bad.lexloom").exists()


# --- joining another file's layers by sent_id -----------------------------------------------
SAMPLE = Path(__file__).parent.parent / "assets" / "sample"
UNER_TRAIN = SAMPLE / "UNER_English-EWT" / "en_ewt-ud-train.iob2"  # the same 250 sentences as:
EWT_TRAIN = SAMPLE / "UD_English-EWT" / "en_ewt-ud-train.conllu"


def _by_sent_id(docs) -> dict[str, Doc]:
    """Sentence Docs by sent_id, from Docs of one or more sentences."""
    return {doc.user_data["sent_ids"][k]: sent.as_doc() for doc in docs for k, sent in enumerate(doc.sents)}


def test_join_gives_entity_sentences_the_treebank_layers(tmp_path):
    result = CliRunner().invoke(app, ["convert", str(UNER_TRAIN), str(tmp_path), "--n-sents", "10", "--join", str(EWT_TRAIN)])
    assert result.exit_code == 0, result.output
    assert "to 250 of 250 sentences" in " ".join(result.output.split())
    joined = list(read_docbin(tmp_path / "en_ewt-ud-train.lexloom", Vocab("en")))
    assert len(joined) == 25
    plain = _by_sent_id(read_iob(UNER_TRAIN, Vocab("en")))
    treebank = _by_sent_id(read_conllu(EWT_TRAIN, Vocab("en")))
    got = _by_sent_id(joined)
    assert got.keys() == plain.keys() == treebank.keys()
    for key, doc in got.items():
        assert [t.text for t in doc] == [t.text for t in plain[key]]
        assert doc.text.rstrip() == plain[key].text  # the entity file's spaces (and one between sentences)
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(e.start, e.end, e.label_) for e in plain[key].ents]
        for attr in ("pos_", "tag_", "morph", "lemma_", "dep_"):
            assert [str(getattr(t, attr)) for t in doc] == [str(getattr(t, attr)) for t in treebank[key]], (key, attr)
        assert [t.head.i for t in doc] == [t.head.i for t in treebank[key]]
    assert sum(1 for doc in got.values() for t in doc if t.pos_ == "PROPN") > 100


def test_join_keeps_sentences_without_a_partner_as_they_are(tmp_path):
    blocks = EWT_TRAIN.read_text(encoding="utf8").strip().split("\n\n")
    dropped = blocks.pop(3)
    changed = blocks[5].split("\n")
    word = next(i for i, line in enumerate(changed) if line.split("\t")[0] == "1")
    columns = changed[word].split("\t")
    columns[1] = columns[1] + "x"
    changed[word] = "\t".join(columns)
    blocks[5] = "\n".join(changed)
    treebank = write_lines(tmp_path / "tb.conllu", "\n\n".join(blocks) + "\n")
    stats = JoinStats()
    convert(UNER_TRAIN, tmp_path / "out", join=treebank, join_stats=stats)
    assert (stats.joined, stats.not_found, stats.other_words) == (248, 1, 1)
    got = _by_sent_id(read_docbin(tmp_path / "out" / "en_ewt-ud-train.lexloom", Vocab("en")))
    alone = {re.search(r"# sent_id = (.+)", block).group(1) for block in (dropped, blocks[5])}
    for key, doc in got.items():
        assert doc.has_annotation("POS") == (key not in alone)
        assert doc.has_annotation("ENT_IOB")


def test_join_refuses_what_cannot_be_joined(tmp_path):
    no_ids = write_lines(tmp_path / "no_ids.conllu", "1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_")
    with pytest.raises(DataError, match="sent_id") as error:
        convert(UNER_TRAIN, tmp_path / "a", join=no_ids)
    assert str(no_ids) in str(error.value)
    twice = EWT_TRAIN.read_text(encoding="utf8").strip().split("\n\n")[:2]
    doubled = write_lines(tmp_path / "doubled.conllu", "\n\n".join(twice + twice[:1]) + "\n")
    with pytest.raises(DataError, match="given to two sentences"):
        convert(UNER_TRAIN, tmp_path / "b", join=doubled)
    result = subprocess.run(
        [sys.executable, "-m", "lexloom", "convert", str(UNER), str(tmp_path / "c"), "--join", str(EWT_TRAIN)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "no sentence of" in result.stderr and not (tmp_path / "c" / "en_ewt-ud-dev-100.lexloom").exists()

"""The tok2vec's word representations: a character CNN and word dropout, on real EWT sentences."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.config.init import init_config
from lexloom.config.registry import registry
from lexloom.convert import convert
from lexloom.models.dropout import Dropout
from lexloom.models.quantize import quantize_int8
from lexloom.models.tok2vec import BiLSTMEncoder, CharCNN, Tok2VecModel
from lexloom.pipeline.batch import Batch
from lexloom.errors import ModelLoadError
from lexloom.pipeline.features import CharExtractor, KnownFeatures
from lexloom.tokens import Doc
from lexloom.training.loop import train

DATA = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"
CHARS = {"@architectures": "lexloom.CharCNN.v1", "width": 24, "char_width": 8, "n_chars": 8, "rows": 512}


def test_char_rows_keep_both_ends_of_long_words_and_hash_other_scripts():
    nlp = lexloom.blank("en")
    chars = CharExtractor(n_chars=6, rows=512)
    docs = [Doc(nlp.vocab, ["ab", "Berlin", "unbelievable", "ab"]), Doc(nlp.vocab, ["été", "日本"])]
    rows, index = chars(docs)
    words = [nlp.vocab.strings[int(o)] for o in np.unique(np.concatenate([d._orth for d in docs]))]
    assert [words[i] for i in index] == ["ab", "Berlin", "unbelievable", "ab", "été", "日本"]
    by_word = dict(zip(words, rows.tolist()))
    assert by_word["ab"] == [1 + ord("a"), 1 + ord("b"), 0, 0, 0, 0]  # padded with row 0
    assert by_word["Berlin"] == [1 + ord(c) for c in "Berlin"]
    assert by_word["unbelievable"] == [1 + ord(c) for c in "unbble"]  # first and last three
    assert by_word["été"][:3] == [1 + ord("é"), 1 + ord("t"), 1 + ord("é")]
    assert all(256 <= r < 512 for r in by_word["日本"][:2])  # above the code points, in the table
    # the same rows in a fresh extractor and a fresh vocab: nothing is collected or saved
    other = lexloom.blank("en")
    again, _ = CharExtractor(n_chars=6, rows=512)([Doc(other.vocab, ["日本"])])
    assert again.tolist() == [by_word["日本"]]
    with pytest.raises(ValueError, match="at least 512 rows"):
        CharExtractor(rows=100)


def test_char_cnn_reads_a_word_the_same_whatever_else_is_in_the_batch():
    torch.manual_seed(0)
    cnn = CharCNN(rows=512, width=16, char_width=8, window=3).eval()
    chars = CharExtractor(n_chars=16, rows=512)
    nlp = lexloom.blank("en")
    alone, _ = chars([Doc(nlp.vocab, ["cat"])])
    mixed, index = chars([Doc(nlp.vocab, ["internationalization", "cat", "dog"])])
    cat = int(index[1])
    with torch.no_grad():
        a = cnn(torch.from_numpy(alone))[0]
        b = cnn(torch.from_numpy(mixed))[cat]
        dog = cnn(torch.from_numpy(mixed))[int(index[2])]
    assert a.shape == (16,)
    assert torch.allclose(a, b, atol=1e-6)  # padding never reaches a word's vector
    assert not torch.allclose(a, dog)
    with pytest.raises(ValueError, match="odd"):
        CharCNN(rows=512, window=2)


def _model(word_dropout: float) -> Tok2VecModel:
    return Tok2VecModel([100, 50], 16, BiLSTMEncoder(16, 8, 1), word_dropout=word_dropout, word_features=(0,))


def test_word_dropout_drops_whole_word_features_in_training_only():
    torch.manual_seed(0)
    model = _model(0.5)
    ids = torch.randint(0, 50, (4000, 2, 2))
    model.train()
    keep = model._keep(len(ids), 2, ids.device)
    assert keep[:, 1].eq(1).all()  # only the whole-word feature is dropped
    assert 0.45 < float((keep[:, 0] == 0).float().mean()) < 0.55
    embedded = model.embed(ids, keep)
    assert embedded[keep[:, 0] == 0][:, :16].abs().sum() == 0
    assert embedded[keep[:, 0] == 1][:, :16].abs().sum() > 0
    model.eval()
    assert model._keep(len(ids), 2, ids.device) is None
    # the loop's dropout setting (which sets every nn.Dropout's p) does not touch it
    nlp_like = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    for m in nlp_like:
        m.p = 0.0
    assert model.word_dropout == 0.5
    with pytest.raises(ValueError, match="word_dropout"):
        _model(1.0)


def test_word_dropout_needs_a_whole_word_feature():
    with pytest.raises(ValueError, match="whole-word feature"):
        registry.architectures.get("lexloom.Tok2Vec.v1")(
            width=16, encoder=None, attrs=["PREFIX", "SUFFIX"], rows=[100, 100], word_dropout=0.2
        )


def test_words_unknown_from_training_lose_their_whole_word_features_at_inference_only():
    torch.manual_seed(0)
    model = _model(0.5)
    ids = torch.randint(0, 50, (6, 2, 2))
    known = torch.tensor([[1, 1], [0, 1], [1, 0], [0, 0], [0, 1], [1, 1]])
    model.eval()
    keep = model._keep(len(ids), 2, ids.device, known)
    assert keep.tolist() == known.tolist()
    model.train()  # in training, word dropout alone decides
    dropped = model._keep(4000, 2, ids.device, torch.ones(4000, 2))[:, 0] == 0
    assert 0.45 < float(dropped.float().mean()) < 0.55


def test_min_word_freq_needs_word_dropout_and_drop_unseen_names_other_features():
    tok2vec = registry.architectures.get("lexloom.Tok2Vec.v1")
    with pytest.raises(ValueError, match="min_word_freq needs word_dropout"):
        tok2vec(width=16, encoder=None, min_word_freq=2)
    for wrong in (["NORM"], ["PREFIX3"]):
        with pytest.raises(ValueError, match="drop_unseen"):
            tok2vec(width=16, encoder=None, drop_unseen=wrong)


def _config(tmp_path: Path, corpus: Path, **tok2vec) -> Path:
    cfg = init_config("en", ["tagger"])
    cfg["components"]["tok2vec"]["model"] = {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 32, "rows": [1000, 200, 500, 200],
        "encoder": {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": 32, "hidden": 16, "depth": 1},
        **tok2vec,
    }
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    cfg["system"]["threads"] = 1
    cfg["training"].update({"max_steps": 40, "eval_frequency": 20})
    cfg["training"]["optimizer"]["learn_rate"] = 0.005
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "chars.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


def test_a_tagger_with_characters_and_word_dropout_trains_saves_and_loads(tmp_path):
    (corpus,) = convert(DATA, tmp_path / "corpus", n_sents=1)
    out = train(_config(tmp_path, corpus, chars=CHARS, word_dropout=0.25), tmp_path / "out")
    nlp = lexloom.load(out / "model-last")
    layer = nlp.get_pipe("tok2vec").model
    assert layer.chars is not None and layer.model.word_dropout == 0.25
    doc = nlp("The cats were sleeping in Berlin.")
    assert all(t.tag_ for t in doc)
    scores = [json.loads(line)["scores"]["tag_acc"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert scores[-1] > 0.35  # it learns: the most frequent tag alone is about 0.15


def test_a_word_seen_too_rarely_in_training_is_read_from_its_spelling_alone(tmp_path):
    (corpus,) = convert(DATA, tmp_path / "corpus", n_sents=1)
    out = train(_config(tmp_path, corpus, chars=CHARS, word_dropout=0.25, min_word_freq=2, drop_unseen=["SUFFIX"]), tmp_path / "out")
    saved = json.loads((out / "model-last" / "tok2vec" / "known_features.json").read_text())
    assert saved["attrs"] == ["NORM", "PREFIX", "SUFFIX", "SHAPE"] and saved["min_freq"] == [2, 0, 1, 0]
    assert "the" in saved["values"]["NORM"] and "ing" in saved["values"]["SUFFIX"]
    assert "sleeping" not in saved["values"]["NORM"]  # once in the 150 sentences
    nlp = lexloom.load(out / "model-last")
    layer = nlp.get_pipe("tok2vec").model
    layer.eval()
    doc = Doc(nlp.vocab, words=["the", "sleeping", "zyxwvut", "."])
    # NORM: known, seen once, never seen, known; SUFFIX "vut" never seen; PREFIX and SHAPE unchecked
    assert layer.known([doc]).tolist() == [[1, 1, 1, 1], [0, 1, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1]]
    alone = Doc(nlp.vocab, words=["zyxwvut"])

    def read():
        with torch.no_grad():
            inputs = layer.inputs([doc], nlp.device)
            words = inputs.pop("words")  # inference embeds each distinct word once
            return layer.model.embed_tokens(**inputs)[words], layer(Batch([alone], nlp.device))

    inputs, output = read()
    with torch.no_grad():  # move every NORM row of "the", "sleeping" and the made-up word
        for rows in layer.extractor([doc])[:3, 0]:
            layer.model.embed.tables[0].weight[torch.from_numpy(rows)] += 1.0
    moved_inputs, moved_output = read()
    assert not torch.allclose(inputs[0], moved_inputs[0])  # "the" is read through its NORM rows
    assert torch.allclose(inputs[1:3], moved_inputs[1:3])  # the others from their spelling alone
    assert torch.allclose(output, moved_output)  # and so the whole layer reads them


def test_pretraining_hides_the_characters_of_masked_tokens(tmp_path):
    """A pretrained tok2vec with a character CNN: the pretraining runs and its weights load into training."""
    raw = tmp_path / "raw.txt"
    texts = [line[len("# text = "):] for line in DATA.read_text(encoding="utf8").splitlines() if line.startswith("# text = ")]
    raw.write_text("\n\n".join(texts[:60]), encoding="utf8")
    (corpus,) = convert(DATA, tmp_path / "corpus", n_sents=1)
    config = _config(tmp_path, corpus, chars=CHARS)
    result = CliRunner().invoke(app, ["pretrain", str(config), str(tmp_path / "pre"), "--paths.raw_text", str(raw), "--epochs", "1"])
    assert result.exit_code == 0, result.output
    from safetensors.torch import load_file

    weights = load_file(str(tmp_path / "pre" / "model-last.safetensors"))
    assert "model.chars.conv.weight" in weights


def test_inference_embeds_each_distinct_word_once_and_reads_as_if_each_token_were_embedded():
    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    spec = registry.resolve({"t": {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 16, "rows": [500, 100, 100, 100], "embed_width": 8, "chars": CHARS,
        "word_dropout": 0.2, "min_word_freq": 2, "drop_unseen": ["SUFFIX"],
        "encoder": {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": 16, "hidden": 8, "depth": 1}}})["t"]
    layer = spec.build(None)
    layer.known.learn([Doc(nlp.vocab, "the cat saw the dog and the dog saw the cat".split())])
    docs = [Doc(nlp.vocab, "the cat saw the dog".split()), Doc(nlp.vocab, "a dog saw the cat and the bird".split())]
    layer.eval()
    inputs = layer.inputs(docs, nlp.device)
    texts = [t for doc in docs for t in doc.words]
    assert inputs["ids"].shape[0] == inputs["chars"][0].shape[0] == inputs["known"].shape[0] == len(set(texts)) == 7
    word = dict(zip(texts, inputs["words"].tolist()))  # each token points to its text's row
    assert inputs["chars"][1] is None and [word[t] for t in texts] == inputs["words"].tolist() and len(set(word.values())) == 7
    known = {t: int(inputs["known"][word[t], 0]) for t in texts}
    assert known == {"the": 1, "cat": 1, "saw": 1, "dog": 1, "a": 0, "and": 0, "bird": 0}  # "and" was seen once
    with torch.no_grad():
        batch = Batch(docs)
        once = layer(batch)
        # every token embedded on its own, as training does (its inputs), with inference's model and `known`
        layer.train()
        per_token = layer.inputs(docs, nlp.device)
        layer.eval()
        assert "words" not in per_token and per_token["ids"].shape[0] == 13
        per_token["known"] = torch.from_numpy(layer.known(docs))
        each = layer.model(mask=batch.mask, **per_token)
    assert torch.allclose(once, each, atol=1e-6)
    assert torch.equal(layer(Batch([])), torch.zeros(0, 1, 16))


def test_a_norm_set_on_a_token_is_the_norm_its_features_read():
    nlp = lexloom.blank("en")
    spec = registry.resolve({"t": {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 16, "rows": [500, 100, 100, 100], "embed_width": 8, "chars": CHARS,
        "word_dropout": 0.2, "min_word_freq": 1, "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 16, "depth": 1}}})["t"]
    layer = spec.build(None)
    said = Doc(nlp.vocab, "i love nyc".split())
    layer.known.learn([said])
    doc = Doc(nlp.vocab, "i luv nyc".split())
    doc[1].norm_ = "love"
    norm, love = layer.extractor.attrs.index("NORM"), torch.from_numpy(layer.extractor([said])[1])
    for training in (True, False):
        layer.train(training)
        inputs = layer.inputs([doc], nlp.device)
        # a batch with a norm set is read token by token, so that "luv" there is not "luv" elsewhere
        assert "words" not in inputs and inputs["ids"].shape[0] == 3
        assert torch.equal(inputs["ids"][1, norm], love[norm]) and not torch.equal(inputs["ids"][1], love)
    assert inputs["known"][:, norm].tolist() == [1, 1, 1]
    with torch.no_grad():
        assert layer(Batch([doc, said])).shape == (2, 3, 16)


def test_docs_are_cut_into_pieces_of_whole_sentences_as_training_cuts_them():
    from lexloom.tokens.doc import pack

    assert pack([3, 4, 2, 9, 1], 7) == [(0, 2), (2, 3), (3, 4), (4, 5)]  # a sentence longer than 7 is alone
    assert pack([2, 2, 2], 10) == [(0, 3)]
    assert pack([], 5) == []
    nlp = lexloom.blank("en")
    starts = [1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    doc = Doc(nlp.vocab, [f"w{i}" for i in range(len(starts))], sent_starts=[bool(s) for s in starts])
    assert doc.pieces(8) == [(0, 7), (7, 9), (9, 19)]
    assert doc.pieces(0) == doc.pieces(100) == [(0, 19)]
    # the training corpus's pieces are the same ranges
    from lexloom.training.corpus import Corpus

    assert [(p[0].text, len(p)) for p in Corpus("unused", max_length=8)._split(doc)] == [("w0", 7), ("w7", 2), ("w9", 10)]


def test_the_encoder_reads_each_piece_as_if_it_were_a_doc_of_its_own():
    """With `piece_length`, a Doc's sentences are read in pieces: each token's vector is the one
    it gets when its piece is given alone, however long the Doc and whatever else is in the batch."""
    from lexloom.pipeline.batch import Batch

    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    spec = registry.resolve({"t": {
        "@architectures": "lexloom.Tok2Vec.v1", "width": 16, "rows": [500, 100, 100, 100], "embed_width": 8, "piece_length": 12,
        "encoder": {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": 16, "hidden": 8, "depth": 2}}})["t"]
    layer = spec.build(None).eval()
    sents = [s.split() for s in ("The cat sat on the mat .", "It purred .", "Then it slept all afternoon in the sun .")]
    doc = Doc(nlp.vocab, [w for s in sents for w in s], sent_starts=[i == 0 for s in sents for i in range(len(s))])
    other = Doc(nlp.vocab, "A short one".split())
    with torch.no_grad():
        whole = layer(Batch([other, doc]))[1]
        alone = [layer(Batch([Doc(nlp.vocab, doc.words[a:b])]))[0] for a, b in doc.pieces(12)]
    assert doc.pieces(12) == [(0, 10), (10, 19)]
    assert torch.allclose(whole[: len(doc)], torch.cat(alone), atol=1e-5)
    quantize_int8(layer.model)  # in int8 each piece reads the same, bit for bit, in any batch
    with torch.no_grad():
        fast = layer(Batch([other, doc]))
        fast_alone = [layer(Batch([Doc(nlp.vocab, doc.words[a:b])]))[0] for a, b in doc.pieces(12)]
    assert torch.equal(fast[1, : len(doc)], torch.cat(fast_alone)) and torch.allclose(fast[1, : len(doc)], whole[: len(doc)], atol=0.05)
    assert torch.equal(fast[0, len(other) :], torch.zeros_like(fast[0, len(other) :]))
    layer.piece_length = 0  # the whole Doc at once: the first piece's tokens now see the second's
    with torch.no_grad():
        assert not torch.allclose(layer(Batch([other, doc]))[1][:10], alone[0], atol=1e-3)


def test_window_encoder_stops_at_piece_starts():
    """Marking where pieces start reads a sequence exactly as its pieces read one by one."""
    from lexloom.models.tok2vec import MaxoutWindowEncoder

    torch.manual_seed(0)
    encoder = MaxoutWindowEncoder(16, depth=3, window_size=2).eval()
    lengths = [5, 1, 7, 3]
    x = torch.randn(1, sum(lengths), 16)
    whole = torch.ones(1, sum(lengths), dtype=torch.bool)
    starts = torch.zeros_like(whole)
    starts[0, torch.tensor(lengths).cumsum(0)[:-1]] = True
    joined = encoder(x, whole, starts)
    alone = torch.cat([encoder(piece, torch.ones(1, piece.shape[1], dtype=torch.bool)) for piece in x.split(lengths, dim=1)], dim=1)
    assert torch.allclose(joined, alone, atol=1e-5)  # the same sums, in another order
    assert not torch.allclose(encoder(x, whole), alone, atol=1e-3)  # unmarked, windows cross


def test_window_encoder_predicts_on_real_tokens_what_training_computes_on_the_padded_batch():
    """At inference the maxout layers run on the real tokens alone, laid end to end: the same
    output as the padded computation of training, at every window size, with and without
    piece marks, and zeros on the padding."""
    from lexloom.models.tok2vec import MaxoutWindowEncoder

    torch.manual_seed(0)
    lengths = torch.tensor([9, 5, 1, 7])
    mask = torch.arange(9)[None, :] < lengths[:, None]
    x = torch.randn(4, 9, 16)
    starts = torch.zeros_like(mask)
    starts[:, 0] = starts[0, 4] = starts[3, 2] = True
    for window in (1, 2):
        encoder = MaxoutWindowEncoder(16, depth=3, window_size=window, dropout=0.0)
        for marks in (None, starts):
            with torch.no_grad():
                padded = encoder.train()(x, mask, marks)
                packed = encoder.eval()(x, mask, marks)
            assert torch.allclose(padded, packed, atol=1e-6)
            assert torch.equal(packed[~mask], torch.zeros_like(packed[~mask]))
    assert not torch.allclose(encoder.eval()(x, mask, starts), encoder.eval()(x, mask), atol=1e-3)  # the marks count


@pytest.mark.parametrize("all_layers", [False, True])
def test_inference_reads_packed_sequences_as_training_reads_padded_ones(all_layers):
    """Inference reads the sequences packed, each direction in its own packing: the same output
    as the padded computation of training, for sequences of any length in one batch, whether the
    projection reads the last layer or every layer's output."""
    torch.manual_seed(0)
    encoder = BiLSTMEncoder(16, hidden=8, depth=2, dropout=0.0, all_layers=all_layers)
    assert encoder.proj.in_features == (32 if all_layers else 16)
    lengths = torch.tensor([7, 1, 4, 7, 2])
    mask = torch.arange(7)[None, :] < lengths[:, None]
    x = torch.randn(5, 7, 16) * mask.unsqueeze(-1)
    with torch.no_grad():
        padded = encoder.train()(x, mask)
        packed = encoder.eval()(x, mask)
        alone = encoder(x[2:3, :4], mask[2:3, :4])  # a sequence alone, without padding
        flat = encoder.read_tokens(x[mask], torch.tensor([7, 0, 1, 4, 7, 2]))  # laid end to end, an empty one among them
    assert torch.allclose(packed, padded, atol=1e-5) and torch.equal(packed[~mask], torch.zeros_like(packed[~mask]))
    assert torch.allclose(alone[0], packed[2, :4], atol=1e-5)
    assert torch.equal(flat, packed[mask])


def test_read_tokens_is_for_inference():
    encoder = BiLSTMEncoder(16, hidden=8, depth=1).train()
    with pytest.raises(RuntimeError, match="eval mode"):
        encoder.read_tokens(torch.randn(3, 16), torch.tensor([3]))


def test_listeners_share_one_selection_of_the_real_tokens_and_see_a_replaced_output():
    """The per-token heads listening to one tok2vec read its output at the real tokens, selected
    once per batch; a tok2vec output put in its place is selected anew."""
    nlp = lexloom.blank("en")
    batch = Batch([Doc(nlp.vocab, "a b c".split()), Doc(nlp.vocab, ["d"])])
    padded = torch.arange(12, dtype=torch.float32).view(2, 3, 2)
    batch.tokvecs["tok2vec"] = padded
    flat = batch.flat_tokvecs("tok2vec")
    assert flat.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert batch.flat_tokvecs("tok2vec") is flat
    batch.tokvecs["tok2vec"] = padded + 1
    assert batch.flat_tokvecs("tok2vec").tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]


def test_dropout_zeroes_a_share_p_scales_the_rest_and_passes_gradients_through_the_same_mask():
    torch.manual_seed(0)
    layer = Dropout(0.25)
    x = torch.ones(200, 500, requires_grad=True)
    y = layer(x)
    dropped = (y == 0).float().mean().item()
    assert 0.24 < dropped < 0.26
    assert torch.allclose(y[y != 0], torch.tensor(1 / 0.75))
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # d(sum)/dx is the scaled mask itself
    layer.eval()
    assert torch.equal(layer(x), x)
    layer.train()
    layer.p = 0.0
    assert torch.equal(layer(x), x)


def test_a_malformed_known_features_file_is_a_model_load_error_naming_it(tmp_path):
    (tmp_path / "known_features.json").write_text('{"attrs": ["NORM"]}')
    with pytest.raises(ModelLoadError, match="known_features.json"):
        KnownFeatures.load(tmp_path)

"""A Hugging Face transformer as the tok2vec encoder (pipeline/transformer.py), from a local
directory only. The test builds a tiny BERT whose wordpiece vocabulary is learned from an EWT
slice, saves it with `save_pretrained`, and trains a tagger on top of it."""
from pathlib import Path

import pytest
import torch

import lexloom
from lexloom.convert import read_docs
from lexloom.errors import LexloomError
from lexloom.pipeline.batch import Batch
from lexloom.tokens import Doc, Example
from lexloom.training.batchers import minibatch

transformers = pytest.importorskip("transformers")
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers  # noqa: E402

TRAIN = Path(__file__).parent / "data" / "edit_trees" / "en_ewt-ud-train-first300.conllu"


@pytest.fixture(scope="module")
def docs():
    return list(read_docs(TRAIN, format="conllu"))


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory, docs) -> Path:
    torch.manual_seed(0)
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece.train_from_iterator((d.text for d in docs), trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    tokenizer = transformers.BertTokenizerFast(tokenizer_object=wordpiece, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    config = transformers.BertConfig(vocab_size=wordpiece.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    path = tmp_path_factory.mktemp("tiny-bert")
    transformers.BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def transformer_tagger(path: Path, **encoder):
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": {"@architectures": "lexloom.Transformer.v1", "path": str(path), "width": 32, **encoder}})
    nlp.add_pipe("tagger", config={"model": {"tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 32}}})
    return nlp


def test_tagger_learns_on_a_transformer_and_loads_without_its_directory(tmp_path, tiny_bert, docs, one_thread):
    import shutil

    torch.manual_seed(0)
    source = tmp_path / "bert"
    shutil.copytree(tiny_bert, source)
    nlp = transformer_tagger(source, stride=16)
    examples = [Example(Doc(d.vocab, words=d.words, spaces=d.spaces), d) for d in docs[:120]]
    optimizer = nlp.initialize(lambda: examples)
    before = nlp.evaluate(examples)["tag_acc"]
    for _ in range(4):
        for batch in minibatch(examples, size=16):
            nlp.update(batch, drop=0.1, sgd=optimizer)
    after = nlp.evaluate(examples)["tag_acc"]
    assert after > before + 0.3, (before, after)

    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "tok2vec" / "transformer" / "config.json").exists()
    assert not list((tmp_path / "model").rglob("*.bin"))
    shutil.rmtree(source)  # the saved pipeline carries config, tokenizer and weights
    loaded = lexloom.load(tmp_path / "model")
    texts = ["I would like to book a flight to Boston .", "The quick brown fox jumps over the lazy dog ."]
    assert [[t.tag_ for t in d] for d in loaded.pipe(texts)] == [[t.tag_ for t in d] for d in nlp.pipe(texts)]


def test_long_docs_are_read_in_overlapping_windows(tiny_bert, docs):
    nlp = transformer_tagger(tiny_bert, max_length=16, stride=4)
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b"), {"tags": ["DT", "NN"]})])
    layer = nlp.get_pipe("tok2vec").model
    layer.eval()
    long_doc = Doc(nlp.vocab, words=[w for d in docs[:6] for w in d.words])
    short_doc = Doc(nlp.vocab, words=long_doc.words[:5])
    assert len(long_doc) > 40
    with torch.no_grad():
        out = layer(Batch([long_doc, short_doc]))
    assert out.shape == (2, len(long_doc), 32)
    # every token of the long doc got wordpiece vectors: none is left at the projection's bias
    bias = layer.proj.bias
    assert all(not torch.allclose(out[0, i], bias) for i in range(len(long_doc)))
    assert out[1, 5:].abs().sum() == 0  # padding stays zero


def test_refuses_pickled_weights_and_missing_directories(tmp_path, tiny_bert):
    import shutil

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_bert, pickled)
    state = transformers.BertModel.from_pretrained(tiny_bert).state_dict()
    (pickled / "model.safetensors").unlink()
    torch.save(state, pickled / "pytorch_model.bin")
    nlp = transformer_tagger(pickled, stride=16)
    with pytest.raises(LexloomError, match="cannot load the transformer"):
        nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b"), {"tags": ["DT", "NN"]})])
    nlp = transformer_tagger(tmp_path / "nowhere", stride=16)
    with pytest.raises(LexloomError, match="not a Hugging Face model directory"):
        nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b"), {"tags": ["DT", "NN"]})])

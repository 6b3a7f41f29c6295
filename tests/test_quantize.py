"""int8 inference (models/quantize.py): each row of a batch quantized on its own."""
from __future__ import annotations

import torch
from torch import nn

import pytest

from lexloom.models.quantize import Int8BiLSTMEncoder, Int8Linear, quantize_int8
from lexloom.models.tok2vec import BiLSTMEncoder, Maxout, MaxoutWindowEncoder


def test_a_rows_output_does_not_depend_on_its_batch():
    torch.manual_seed(0)
    linear = nn.Linear(40, 24)
    fast = Int8Linear(linear)
    # rows of very different sizes: one per-batch scale would quantize the small ones coarsely
    x = torch.randn(50, 40) * torch.logspace(-3, 2, 50)[:, None]
    with torch.inference_mode():
        whole = fast(x)
        for i in (0, 7, 49):
            assert torch.equal(fast(x[i : i + 1]), whole[i : i + 1])
        assert torch.equal(fast(x[10:30]), whole[10:30])
        exact = linear(x)
    # int8 with a scale per row is within about 1% of each row's size, small rows too
    error = (whole - exact).abs().amax(dim=1) / exact.abs().amax(dim=1)
    assert error.max() < 0.02
    assert fast(torch.zeros(3, 40)).equal(linear.bias.detach().expand(3, -1))


def test_leading_dimensions_and_no_bias():
    linear = nn.Linear(8, 5, bias=False)
    fast = Int8Linear(linear)
    x = torch.randn(2, 3, 8)
    assert fast(x).shape == (2, 3, 5) and fast.bias is None
    torch.testing.assert_close(fast(x), linear(x), atol=0.05, rtol=0.05)
    assert fast(torch.zeros(0, 8)).shape == (0, 5)


def test_quantize_swaps_nested_linear_layers_and_lstms():
    model = nn.ModuleDict({"head": nn.Sequential(nn.Linear(6, 6), nn.GELU(), nn.Linear(6, 2)), "maxout": Maxout(6, 4, 2),
                           "lstm": nn.LSTM(6, 3, batch_first=True)})
    quantize_int8(model.eval())
    kinds = {type(m).__name__ for m in model.modules()}
    assert "Linear" not in kinds and type(model["maxout"].linear) is Int8Linear
    assert type(model["lstm"]) is torch.ao.nn.quantized.dynamic.LSTM
    assert model["head"](torch.randn(4, 6)).shape == (4, 2)


def test_the_window_encoder_scales_each_window_by_its_tokens_largest_magnitude(monkeypatch):
    """In int8 the window encoder hands each layer every window's largest magnitude, taken from
    its tokens' (cheaper than from the windows): the same scale, so the same output, bit for bit."""
    torch.manual_seed(0)
    encoder = MaxoutWindowEncoder(16, depth=2, window_size=2, maxout_pieces=2).eval()
    quantize_int8(encoder)
    x, mask = torch.randn(3, 9, 16), torch.tensor([[True] * 9, [True] * 4 + [False] * 5, [True] * 7 + [False] * 2])
    starts = torch.zeros(3, 9, dtype=torch.bool)
    starts[0, 5] = True
    with torch.inference_mode():
        given = encoder(x, mask, starts)
        monkeypatch.setattr(Int8Linear, "scales_rows", False)  # each layer finds its rows' scales itself
        found = encoder(x, mask, starts)
    assert torch.equal(given, found) and given[1, 4:].abs().sum() == 0


def test_heads_reading_one_input_quantize_it_once_and_never_reuse_stale_rows(monkeypatch):
    from lexloom.models import quantize

    torch.manual_seed(0)
    heads = [Int8Linear(nn.Linear(8, n)) for n in (3, 4, 5)]
    calls = []
    real = quantize._int8_rows
    monkeypatch.setattr(quantize, "_int8_rows", lambda x, row_max=None: calls.append(x.shape) or real(x, row_max))
    a, b = torch.randn(6, 8), torch.randn(2, 6, 8)
    with torch.no_grad():
        order = [(0, a), (1, b), (2, a), (0, b), (1, a)]  # two inputs taking turns, as the parser's layers do
        first = [heads[h](x) for h, x in order]
        assert calls == [(6, 8), (12, 8)]  # each input once, not once per head
        fresh = [heads[h](x.clone()) for h, x in order]  # a copy is another tensor: quantized afresh
        assert len(calls) == 7 and all(torch.equal(x, y) for x, y in zip(first, fresh))
        assert torch.equal(heads[0](b[1]), fresh[3][1]) and len(calls) == 8  # another view of b is another input
        a.mul_(2)  # changed in place: a new version, quantized again
        assert not torch.equal(heads[0](a), first[0]) and len(calls) == 9
        assert torch.equal(heads[0](a), heads[0](a.clone()))
    with torch.inference_mode():
        c = torch.randn(6, 8)
        heads[0](c), heads[1](c)
        c.mul_(2)  # inference tensors count no versions: never reused
        assert torch.equal(heads[0](c), heads[0](c.clone())) and len(calls) == 14


@pytest.mark.parametrize("all_layers", [False, True])
def test_a_sequence_reads_the_same_in_any_batch_through_the_int8_bilstm(all_layers):
    """The int8 BiLSTM quantizes each token's input on its own and the hidden states at one
    fixed scale: a sequence's output is the same, bit for bit, alone or beside others of any
    length, and close to the float encoder's."""
    torch.manual_seed(0)
    encoder = BiLSTMEncoder(16, hidden=8, depth=2, dropout=0.0, all_layers=all_layers).eval()
    holder = nn.ModuleDict({"encoder": encoder})
    lengths = torch.tensor([9, 1, 0, 30, 4])
    flat = torch.randn(int(lengths.sum()), 16) * torch.logspace(-1, 1, int(lengths.sum()))[:, None]
    with torch.no_grad():
        exact = encoder.read_tokens(flat, lengths)
        quantize_int8(holder)
        fast = holder["encoder"]
        assert type(fast) is Int8BiLSTMEncoder and not any(type(m) in (nn.LSTM, nn.Linear) for m in fast.modules())
        together = fast.read_tokens(flat, lengths)
        starts = [0, *lengths.cumsum(0).tolist()]
        for k, n in enumerate(lengths.tolist()):
            alone = fast.read_tokens(flat[starts[k] : starts[k + 1]], torch.tensor([n]))
            assert torch.equal(alone, together[starts[k] : starts[k + 1]])
        mask = torch.arange(30)[None, :] < lengths[:, None]
        padded = torch.zeros(5, 30, 16)
        padded[mask] = flat
        assert torch.equal(fast(padded, mask)[mask], together) and fast(padded, mask)[~mask].abs().sum() == 0
    assert (together - exact).abs().max() < 0.05 * exact.abs().max()
    assert fast.read_tokens(flat[:0], torch.tensor([0, 0])).shape == (0, 16)
    with pytest.raises(RuntimeError, match="cannot train"):
        fast.train().read_tokens(flat, lengths)


def test_a_pipeline_with_an_int8_bilstm_annotates_more_docs_at_once():
    """The int8 BiLSTM's Python loop runs a step per token position: the pipeline hands it more
    Docs at once than the default, which a window encoder reads faster."""
    from types import SimpleNamespace

    from lexloom.language import ANNOTATE_DOCS, _annotate_docs

    holder = nn.ModuleDict({"encoder": BiLSTMEncoder(8, hidden=4, depth=1).eval(), "out": nn.Linear(8, 2)})
    pipeline = [("plain", SimpleNamespace(model=nn.Linear(2, 2))), ("rules", SimpleNamespace(model=None)), ("tok2vec", SimpleNamespace(model=holder))]
    assert _annotate_docs(pipeline) == ANNOTATE_DOCS
    quantize_int8(holder)
    assert _annotate_docs(pipeline) == Int8BiLSTMEncoder.annotate_docs > ANNOTATE_DOCS


def test_the_parsers_first_arc_product_goes_to_int8_a_token_at_a_time():
    from lexloom.models.biaffine import MASKED_SCORE, BiaffineParserHead

    torch.manual_seed(0)
    head = BiaffineParserHead(16, n_labels=5, arc_hidden=12, label_hidden=8, dropout=0.0, distance=True).eval()
    nn.init.normal_(head.arc_weight)  # zeros at first: nothing to quantize
    tokvecs, lengths = torch.randn(3, 7, 16), torch.tensor([7, 3, 5])
    mask = torch.arange(7)[None, :] < lengths[:, None]
    with torch.no_grad():
        exact = head(tokvecs, mask).arc_scores
        quantize_int8(head)
        assert type(head.arc_weight_int8) is Int8Linear
        fast = head(tokvecs, mask).arc_scores
        alone = head(tokvecs[1:2, :3], mask[1:2, :3]).arc_scores
    scored = exact > MASKED_SCORE / 2
    assert torch.equal(scored, fast > MASKED_SCORE / 2) and not torch.equal(fast, exact)
    assert (fast - exact)[scored].abs().max() < 0.03 * exact[scored].abs().max()
    # a sentence scores the same alone as in a batch, up to the float products after the int8 one
    torch.testing.assert_close(alone[0], fast[1, :3, :4], rtol=1e-5, atol=1e-5)

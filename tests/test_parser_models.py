"""Tree decoding (models/mst.py), sentences chosen with their trees (models/sentence_split.py)
and the biaffine parser head (models/biaffine.py)."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from lexloom.models.biaffine import MASKED_SCORE, N_DISTANCE_BUCKETS, BiaffineParserHead, distance_buckets
from lexloom.models.mst import decode, decode_batch
from lexloom.models.sentence_split import best_split, span_tree_scores

EWT_SLICE = Path(__file__).parent / "data" / "edit_trees" / "en_ewt-ud-train-first300.conllu"


def read_trees(path: Path) -> list[tuple[np.ndarray, list[str]]]:
    """(heads, deprels) per sentence from the basic-tree columns of a CoNLL-U file."""
    sentences, heads, deprels = [], [], []
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        columns = line.split("\t")
        if not line and heads:
            sentences.append((np.array(heads), deprels))
            heads, deprels = [], []
        elif columns[0].isdigit():
            heads.append(int(columns[6]))
            deprels.append(columns[7])
    return sentences


def is_single_rooted_tree(heads: np.ndarray) -> bool:
    n = len(heads)
    if np.count_nonzero(heads == 0) != 1 or heads.min() < 0 or heads.max() > n:
        return False
    parent = np.concatenate([[0], heads])
    for token in range(1, n + 1):
        node, steps = token, 0
        while node != 0 and steps <= n:
            node, steps = parent[node], steps + 1
        if node != 0:
            return False
    return True


def tree_score(scores: np.ndarray, heads: np.ndarray) -> float:
    return float(scores[np.arange(1, len(heads) + 1), heads].sum())


def all_single_rooted_trees(n: int) -> np.ndarray:
    """Every head assignment of n tokens that is a single-rooted tree, one per row (brute force, n <= 6)."""
    assignments = np.array(list(itertools.product(range(n + 1), repeat=n)))
    parents = np.concatenate([np.zeros((len(assignments), 1), dtype=int), assignments], axis=1)
    ancestors = parents
    for _ in range(n):
        ancestors = np.take_along_axis(parents, ancestors, axis=1)
    no_self_loop = (assignments != np.arange(1, n + 1)).all(axis=1)
    valid = (ancestors == 0).all(axis=1) & no_self_loop & ((assignments == 0).sum(axis=1) == 1)
    return assignments[valid]


def ewt_like_lengths(n_sentences: int, rng: np.random.Generator) -> np.ndarray:
    sentence_lengths = np.array([len(heads) for heads, _ in read_trees(EWT_SLICE)])
    return rng.choice(sentence_lengths, size=n_sentences)


def gold_arc_scores(trees: list[np.ndarray]) -> np.ndarray:
    """(n, n + 1) arc scores of consecutive sentences read as one run of tokens, as
    `BiaffineParserHead.forward` lays them out: each gold arc (a root arc for a sentence's
    root) scores 8, every other arc 0, self-loops masked."""
    n = sum(len(h) for h in trees)
    scores = np.zeros((n, n + 1))
    offset = 0
    for heads in trees:
        for i, h in enumerate(heads):
            scores[offset + i, 0 if h == 0 else offset + h] = 8.0
        offset += len(heads)
    scores[np.arange(n), np.arange(1, n + 1)] = MASKED_SCORE
    return scores


# --- mst -------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_decode_is_optimal_against_enumeration(n):
    rng = np.random.default_rng(n)
    trees = all_single_rooted_trees(n)
    assert len(trees) == n ** (n - 1)  # Cayley: labelled trees on n+1 nodes with the root a leaf
    for _ in range(40):
        scores = rng.normal(size=(n + 1, n + 1))
        heads = decode(scores, n)
        assert is_single_rooted_tree(heads)
        best = scores[np.arange(1, n + 1), trees].sum(axis=1).max()
        assert tree_score(scores, heads) == pytest.approx(best)


def test_decode_is_optimal_where_the_best_heads_make_several_cycles_at_once():
    """Neighbours that most prefer each other (as distance terms make them): three 2-cycles,
    or a 3-cycle and a 2-cycle, in the first round; merged together, they still give the best tree."""
    rng = np.random.default_rng(7)
    trees = all_single_rooted_trees(6)
    for arcs in ([(1, 2), (2, 1), (3, 4), (4, 3), (5, 6), (6, 5)], [(1, 2), (2, 3), (3, 1), (5, 6), (6, 5)]):
        for _ in range(40):
            scores = rng.normal(size=(7, 7))
            for dependent, head in arcs:
                scores[dependent, head] += 4.0
            heads = decode(scores, 6)
            assert is_single_rooted_tree(heads)
            best = scores[np.arange(1, 7), trees].sum(axis=1).max()
            assert tree_score(scores, heads) == pytest.approx(best)


def test_decode_without_single_root_may_attach_several_tokens_to_root():
    scores = np.full((4, 4), -5.0)
    scores[1:, 0] = 0.0  # every token prefers the root
    assert decode(scores, 3, single_root=False).tolist() == [0, 0, 0]
    constrained = decode(scores, 3)
    assert is_single_rooted_tree(constrained)


def test_decode_returns_valid_trees_on_random_matrices_up_to_60_tokens():
    rng = np.random.default_rng(0)
    for n in list(range(1, 61)) * 3:
        scores = np.log(rng.dirichlet(np.ones(n + 1), size=n + 1))
        assert is_single_rooted_tree(decode(scores, n))


def test_decode_recovers_a_nonprojective_gold_tree():
    nonprojective = []
    for heads, _ in read_trees(EWT_SLICE):
        arcs = [(min(d, h), max(d, h)) for d, h in enumerate(heads, start=1) if h]
        if any(a < c < b < d for (a, b), (c, d) in itertools.combinations(sorted(arcs), 2)):
            nonprojective.append(heads)
    assert nonprojective, "the slice should contain crossing arcs"
    rng = np.random.default_rng(1)
    for gold in nonprojective:
        n = len(gold)
        scores = rng.uniform(size=(n + 1, n + 1))
        scores[np.arange(1, n + 1), gold] += 1.0  # gold is the unique best tree
        assert decode(scores, n).tolist() == gold.tolist()


def test_decode_ignores_padding_and_tolerates_minus_infinity():
    scores = np.full((6, 6), 100.0)  # padding beyond length 3 must not be read
    scores[:4, :4] = -np.inf
    scores[1, 0] = 0.0
    scores[2, 1] = scores[3, 2] = -1.0
    assert decode(scores, 3).tolist() == [0, 1, 2]
    assert decode(scores, 0).tolist() == []


def test_decode_batch_matches_decode_per_sentence():
    rng = np.random.default_rng(2)
    lengths = ewt_like_lengths(40, rng)
    size = lengths.max() + 1
    batch = rng.normal(size=(len(lengths), size, size))
    # Half the sentences get a clear tree, so both the batched fast path and the fallback run.
    for b in range(0, len(lengths), 2):
        n = lengths[b]
        chain = np.arange(n)  # token i+1 headed by token i; token 1 by root
        batch[b, np.arange(1, n + 1), chain] += 10.0
    decoded = decode_batch(batch, lengths)
    assert [len(heads) for heads in decoded] == lengths.tolist()
    for b, heads in enumerate(decoded):
        assert heads.tolist() == decode(batch[b], lengths[b]).tolist()


# --- sentence_split ----------------------------------------------------------


def test_span_tree_scores_are_the_log_probabilities_of_the_best_trees():
    (heads, _), *_ = read_trees(EWT_SLICE)
    n = len(heads)
    scores = gold_arc_scores([heads])
    log_probs = torch.log_softmax(torch.from_numpy(scores), dim=-1).numpy()
    ends = [1, n // 2, n]
    got = span_tree_scores(scores, [0, *ends], longest=3)[0]
    # the whole sentence: its gold tree, every word at its gold head
    assert got[-1] == pytest.approx(log_probs[np.arange(n), heads].sum())
    # any span: heads renormalised over the span's words, each word at its best one, and the
    # word that loses least by taking the root takes it
    for end, value in zip(ends, got):
        span = torch.log_softmax(torch.from_numpy(scores[:end, : end + 1]), dim=-1).numpy()
        best = span[:, 1:].max(axis=1)
        assert value == pytest.approx(best.sum() + (span[:, 0] - best).max())
    # arbitrary scores, every span between the points: the same, against log_softmax over each
    noisy = scores + np.random.default_rng(0).normal(size=scores.shape)
    points = [0, 3, 4, 8, n]
    got = span_tree_scores(noisy, points, longest=3)
    for i, d in itertools.product(range(len(points) - 1), range(3)):
        if i + d + 1 >= len(points):
            assert got[i, d] == -np.inf
            continue
        start, end = points[i], points[i + d + 1]
        span = torch.log_softmax(torch.from_numpy(noisy[start:end][:, np.r_[0, start + 1 : end + 1]]), dim=-1).numpy()
        best = span[:, 1:].max(axis=1)
        expected = 0.0 if end - start == 1 else best.sum() + (span[:, 0] - best).max()
        assert got[i, d] == pytest.approx(expected)


def test_best_split_lets_the_trees_overrule_an_unsure_classifier():
    trees = [heads for heads, _ in read_trees(EWT_SLICE)[:2]]
    n1, n = len(trees[0]), len(trees[0]) + len(trees[1])
    scores = gold_arc_scores(trees)
    wrong = n1 // 2  # inside the first sentence: some gold arc always crosses it
    prior = -np.log(0.2 / 0.8)  # the threshold 0.2

    def split(candidates, p):
        p = np.array(p)
        return best_split(scores, candidates, np.log(p), np.log1p(-p), prior)

    # below the threshold, the true boundary is still taken: one tree over both sentences
    # would hang a root under a word of the other
    assert split([n1], [0.1]) == [(0, n1), (n1, n)]
    # above it, a cut through a sentence is refused: words would lose their heads
    assert split([wrong, n1], [0.3, 0.1]) == [(0, n1), (n1, n)]
    # a sure classifier outweighs the trees, either way
    assert split([wrong, n1], [1 - 1e-12, 0.9]) == [(0, wrong), (wrong, n1), (n1, n)]
    assert split([wrong, n1], [0.3, 1e-12]) == [(0, n)]


# --- biaffine ----------------------------------------------------------------


def padded_batch(sentences, labels):
    max_len = max(len(heads) for heads, _ in sentences)
    heads = torch.full((len(sentences), max_len), -1, dtype=torch.long)
    deprels = torch.full((len(sentences), max_len), -1, dtype=torch.long)
    mask = torch.zeros((len(sentences), max_len), dtype=torch.bool)
    for b, (sentence_heads, sentence_deprels) in enumerate(sentences):
        n = len(sentence_heads)
        heads[b, :n] = torch.from_numpy(sentence_heads)
        deprels[b, :n] = torch.tensor([labels[label] for label in sentence_deprels])
        mask[b, :n] = True
    return heads, deprels, mask


def test_forward_shapes_and_masking():
    torch.manual_seed(0)
    head = BiaffineParserHead(width=8, n_labels=5, arc_hidden=16, label_hidden=6)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    output = head(torch.randn(2, 3, 8), mask)
    assert output.arc_scores.shape == (2, 3, 4)
    assert output.label_dep.shape == (2, 3, 6)
    assert output.label_head.shape == (2, 4, 6)
    diagonal = output.arc_scores[:, torch.arange(3), torch.arange(3) + 1]
    assert (diagonal == MASKED_SCORE).all()
    assert (output.arc_scores[1, :, 2:] == MASKED_SCORE).all()  # padding heads of sentence 2
    assert output.arc_scores[1, 0, 0] != MASKED_SCORE  # the one real token may only attach to root
    assert head.label_scores(output.label_dep, output.label_head, torch.zeros(2, 3, dtype=torch.long)).shape == (2, 3, 5)


def test_loss_ignores_unannotated_tokens_and_padding():
    torch.manual_seed(0)
    head = BiaffineParserHead(width=8, n_labels=4, arc_hidden=16, label_hidden=6, dropout=0.0)
    with torch.no_grad():
        head.arc_weight.normal_()
        head.label_weight.normal_()
    mask = torch.tensor([[True, True, True], [True, True, False]])
    output = head(torch.randn(2, 3, 8), mask)
    gold_heads = torch.tensor([[0, 1, -1], [2, 0, 3]])
    gold_labels = torch.tensor([[1, -1, 2], [0, 3, 1]])
    changed_heads = torch.tensor([[0, 1, -1], [2, 0, 0]])  # only a padding position differs
    changed_labels = torch.tensor([[1, -1, 0], [0, 3, 2]])  # only unannotated/padding positions differ
    loss = head.loss(output, gold_heads, gold_labels, mask)
    assert loss.item() == pytest.approx(head.loss(output, changed_heads, changed_labels, mask).item())
    other_label = torch.tensor([[2, -1, 2], [0, 3, 1]])
    assert loss.item() != pytest.approx(head.loss(output, gold_heads, other_label, mask).item())
    loss.backward()
    assert head.arc_weight.grad.abs().sum() > 0 and head.label_weight.grad.abs().sum() > 0


def test_head_learns_real_trees_and_predicts_well_formed_ones():
    torch.manual_seed(0)
    sentences = read_trees(EWT_SLICE)[:24]
    labels = {label: i for i, label in enumerate(sorted({l for _, ls in sentences for l in ls}))}
    gold_heads, gold_labels, mask = padded_batch(sentences, labels)
    width = 32
    tokvecs = torch.randn(*mask.shape, width)  # distinct vectors: the head must memorise the trees
    head = BiaffineParserHead(width, len(labels), arc_hidden=64, label_hidden=32, dropout=0.0)
    optimizer = torch.optim.Adam(head.parameters(), lr=3e-3)
    first_loss = None
    for _ in range(150):
        optimizer.zero_grad()
        loss = head.loss(head(tokvecs, mask), gold_heads, gold_labels, mask)
        loss.backward()
        optimizer.step()
        first_loss = first_loss if first_loss is not None else loss.item()
    assert loss.item() < first_loss / 10
    head.eval()
    predicted_heads, predicted_labels = head.predict(head(tokvecs, mask), mask)
    n_tokens = correct_heads = correct_arcs = 0
    for (gold, deprels), heads, labels_ in zip(sentences, predicted_heads, predicted_labels):
        assert is_single_rooted_tree(heads)
        assert len(labels_) == len(gold)
        n_tokens += len(gold)
        correct_heads += (heads == gold).sum()
        correct_arcs += ((heads == gold) & (labels_ == np.array([labels[l] for l in deprels]))).sum()
    assert correct_heads / n_tokens > 0.95
    assert correct_arcs / n_tokens > 0.9


def test_predict_is_independent_of_batch_padding():
    torch.manual_seed(0)
    head = BiaffineParserHead(width=8, n_labels=3, arc_hidden=16, label_hidden=6).eval()
    with torch.no_grad():
        head.arc_weight.normal_()
        head.label_weight.normal_()
    tokvecs = torch.randn(2, 7, 8)
    mask = torch.zeros(2, 7, dtype=torch.bool)
    mask[0, :7] = True
    mask[1, :4] = True
    batch_heads, batch_labels = head.predict(head(tokvecs, mask), mask)
    alone_mask = torch.ones(1, 4, dtype=torch.bool)
    alone_heads, alone_labels = head.predict(head(tokvecs[1:, :4], alone_mask), alone_mask)
    assert batch_heads[1].tolist() == alone_heads[0].tolist()
    assert batch_labels[1].tolist() == alone_labels[0].tolist()
    assert all(is_single_rooted_tree(heads) for heads in batch_heads)


def test_length_groups_bound_padding_and_keep_every_sentence():
    from lexloom.pipeline.parser import length_groups

    lengths = [len(h) for h, _ in read_trees(EWT_SLICE)]
    segments = [(0, 0, n) for n in lengths]
    groups = length_groups(segments, max_waste=0.25, slack=16)
    assert sorted(k for g in groups for k in g) == list(range(len(segments)))
    assert len(groups) > 1
    for group in groups:
        sizes = [lengths[k] for k in group]
        assert sizes == sorted(sizes)
        padding = len(sizes) * max(sizes) - sum(sizes)
        assert padding <= max(0.25 * sum(sizes), 16)
    one_padded = len(lengths) * max(lengths) - sum(lengths)
    assert sum(len(g) * max(lengths[k] for k in g) - sum(lengths[k] for k in g) for g in groups) < one_padded / 4


def test_loss_summed_over_length_groups_equals_one_padded_batch():
    from lexloom.pipeline.parser import length_groups

    torch.manual_seed(0)
    sentences = read_trees(EWT_SLICE)[:40]
    labels = {label: i for i, label in enumerate(sorted({l for _, ls in sentences for l in ls}))}
    head = BiaffineParserHead(width=8, n_labels=len(labels), arc_hidden=16, label_hidden=6, dropout=0.0)
    with torch.no_grad():
        head.arc_weight.normal_()
        head.label_weight.normal_()
    tokvecs = [torch.randn(len(h), 8) for h, _ in sentences]

    def batch(indices):
        gold_heads, gold_labels, mask = padded_batch([sentences[k] for k in indices], labels)
        x = torch.zeros(*mask.shape, 8)
        for row, k in enumerate(indices):
            x[row, : len(tokvecs[k])] = tokvecs[k]
        return head(x, mask), gold_heads, gold_labels, mask

    whole = head.loss(*batch(list(range(len(sentences)))))
    sums = [head.loss_sums(*batch(g)) for g in length_groups([(0, 0, len(h)) for h, _ in sentences], slack=8)]
    grouped = sum(s[0] for s in sums) / sum(s[1] for s in sums) + sum(s[2] for s in sums) / sum(s[3] for s in sums)
    assert grouped.item() == pytest.approx(whole.item(), rel=1e-5)


# --- distance terms -------------------------------------------------------------


def test_distance_buckets_by_side_and_magnitude():
    buckets = distance_buckets(30)
    assert (buckets[:, 0] == 0).all()  # the root
    # token 10: heads 1, 2, 3, 4 words after it, then 5-6, 7-9, 10-14, 15-19 (15-24)
    after = [int(buckets[10, 10 + 1 + d]) for d in (1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 15, 19)]
    assert after == [1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8]
    before = [int(buckets[29, 29 + 1 - d]) for d in (1, 4, 5, 24, 25, 29)]
    assert before == [10, 13, 14, 17, 18, 18]
    assert int(buckets.max()) == N_DISTANCE_BUCKETS - 1


def test_distance_terms_score_each_arc_by_its_offset():
    torch.manual_seed(0)
    head = BiaffineParserHead(width=8, n_labels=3, arc_hidden=16, label_hidden=6, dropout=0.0, distance=True).eval()
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    tokvecs = torch.randn(2, 6, 8)
    with torch.no_grad():
        before = head(tokvecs, mask).arc_scores
        head.dep_distance.normal_()
        head.head_distance.normal_()
        after = head(tokvecs, mask).arc_scores
    nodes = torch.cat([head.root.expand(2, 1, 8), tokvecs], dim=1)
    with torch.no_grad():
        dep = torch.cat([head.arc_dep(nodes[:, 1:]), torch.ones(2, 6, 1)], dim=-1)
        heads = head.arc_head(nodes)
    buckets = distance_buckets(6)
    for b, i, j in itertools.product(range(2), range(6), range(7)):
        if before[b, i, j] == MASKED_SCORE:
            assert after[b, i, j] == MASKED_SCORE
            continue
        k = buckets[i, j]
        expected = before[b, i, j] + dep[b, i] @ head.dep_distance[:, k].detach() + heads[b, j] @ head.head_distance[:, k].detach()
        assert float(after[b, i, j]) == pytest.approx(float(expected), abs=1e-4)


def test_distance_terms_learn_where_ewt_heads_are_from_offsets_alone():
    """Every word the same vector: the bilinear score cannot tell one head from another, the
    distance terms can, and learn from EWT trees that heads are near (UD attaches most words
    to a neighbour)."""
    sentences = read_trees(EWT_SLICE)[:60]
    labels = {label: i for i, label in enumerate(sorted({l for _, ls in sentences for l in ls}))}
    gold_heads, gold_labels, mask = padded_batch(sentences, labels)
    tokvecs = torch.ones(*mask.shape, 8)
    accuracy = {}
    for distance in (False, True):
        torch.manual_seed(0)
        head = BiaffineParserHead(8, len(labels), arc_hidden=16, label_hidden=8, dropout=0.0, distance=distance)
        optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
        for _ in range(100):
            optimizer.zero_grad()
            head.loss(head(tokvecs, mask), gold_heads, gold_labels, mask).backward()
            optimizer.step()
        predicted, _ = head.eval().predict(head(tokvecs, mask), mask)
        correct = sum(int((p == gold).sum()) for p, (gold, _) in zip(predicted, sentences))
        accuracy[distance] = correct / sum(len(gold) for gold, _ in sentences)
    assert accuracy[True] > 0.2 and accuracy[True] > accuracy[False] + 0.15, accuracy  # 0.29 against 0.06

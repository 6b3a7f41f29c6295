"""Where a trained NER pipeline's errors are: on names seen in training or not, and of which kind.

    python benchmarks/ner_errors.py MODEL TRAIN DEV [--n-sents 10] [--top 10]

Reads TRAIN and DEV (IOB/IOB2/BILUO or any format `lexloom convert` reads) in documents of
`--n-sents` sentences, as the workflow converts them, and annotates DEV's gold words with
their sentences given (as `benchmarks/ner_uner.py` scores). Each gold entity of DEV is put in
one class by how TRAIN knows its text:

- "same label": the text is an entity in TRAIN with this label (perhaps others too);
- "other label": an entity in TRAIN with another label only;
- "not a name": it occurs in TRAIN, never as an entity;
- "unseen": not in TRAIN at all.

and given one outcome: found (same span, same label), wrong label (same span), wrong span
(an overlapping prediction with other boundaries), missed (nothing overlaps). A predicted
entity that overlaps no gold entity is spurious. Prints recall per class, the outcomes per label, and the
commonest texts behind each outcome: what a change aimed at entities has to fix.
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

CLASSES = ("same label", "other label", "not a name", "unseen")
OUTCOMES = ("found", "wrong label", "wrong span", "missed")


def words(span) -> tuple[str, ...]:
    return tuple(token.text for token in span)


def known_texts(docs) -> tuple[dict[tuple[str, ...], set[str]], set[tuple[str, ...]]]:
    """The labels each entity's words have in `docs`, and every word sequence up to the longest
    entity's length that occurs in them (to tell "not a name" from "unseen")."""
    labels: dict[tuple[str, ...], set[str]] = defaultdict(set)
    sentences = []
    for doc in docs:
        for ent in doc.ents:
            labels[words(ent)].add(ent.label_)
        sentences.extend(words(sent) for sent in doc.sents)
    longest = max(map(len, labels), default=1)
    ngrams = set()
    for sent in sentences:
        for n in range(1, longest + 1):
            ngrams.update(sent[i : i + n] for i in range(len(sent) - n + 1))
    return labels, ngrams


def known_class(ent, labels: dict[tuple[str, ...], set[str]], ngrams: set[tuple[str, ...]]) -> str:
    key = words(ent)
    if ent.label_ in labels.get(key, ()):
        return "same label"
    if key in labels:
        return "other label"
    return "not a name" if key in ngrams else "unseen"


def outcome(ent, others) -> tuple[str, object]:
    """How `ent` (gold or predicted) fares against the entities `others` of the other side."""
    overlapping = [o for o in others if o.start < ent.end and ent.start < o.end]
    for o in overlapping:
        if (o.start, o.end) == (ent.start, ent.end):
            return ("found" if o.label_ == ent.label_ else "wrong label"), o
    return ("wrong span", overlapping[0]) if overlapping else ("missed", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("train", type=Path, help="the data the model was trained on (its entities decide 'seen')")
    ap.add_argument("dev", type=Path)
    ap.add_argument("--n-sents", type=int, default=10, help="sentences per document, as converted (default: the workflow's 10)")
    ap.add_argument("--top", type=int, default=10, help="texts listed for each outcome")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    import lexloom
    from lexloom.convert import read_docs
    from lexloom.evaluate import predicted_doc

    nlp = lexloom.load(args.model)
    labels, ngrams = known_texts(read_docs(args.train, vocab=nlp.vocab, n_sents=args.n_sents))
    refs = list(read_docs(args.dev, vocab=nlp.vocab, n_sents=args.n_sents))
    predicted = list(nlp.pipe([predicted_doc(nlp, ref, gold_sents=True) for ref in refs]))

    gold_counts = {kind: Counter() for kind in CLASSES}  # class -> outcome -> entities
    by_label = defaultdict(Counter)  # gold label -> outcome (+ "spurious" for predictions)
    texts = defaultdict(Counter)  # outcome -> "text LABEL[->LABEL]" -> count
    for ref, doc in zip(refs, predicted):
        for ent in ref.ents:
            result, other = outcome(ent, doc.ents)
            gold_counts[known_class(ent, labels, ngrams)][result] += 1
            by_label[ent.label_][result] += 1
            if result != "found":
                texts[result][f"{ent.text} {ent.label_}" + (f" -> {other.text} {other.label_}" if other else "")] += 1
        for ent in doc.ents:
            result, _ = outcome(ent, ref.ents)
            if result == "missed":  # a prediction that overlaps no gold entity
                by_label[ent.label_]["spurious"] += 1
                texts["spurious"][f"{ent.text} {ent.label_} ({known_class(ent, labels, ngrams)})"] += 1

    console = Console(width=150)
    table = Table(title=f"{args.model}: gold entities of {args.dev.name} by what {args.train.name} knows of their text")
    for column in ("text in train", "entities", *OUTCOMES, "recall", "share of misses"):
        table.add_column(column, justify="left" if column == "text in train" else "right")
    all_missed = sum(c.total() - c["found"] for c in gold_counts.values())
    for kind in (*CLASSES, "all"):
        counts = sum(gold_counts.values(), Counter()) if kind == "all" else gold_counts[kind]
        n = counts.total()
        table.add_row(kind, f"{n:,}", *(f"{counts[o]:,}" for o in OUTCOMES), f"{100 * counts['found'] / max(n, 1):.2f}",
                      f"{100 * (n - counts['found']) / max(all_missed, 1):.1f}%")
    console.print(table)

    table = Table(title="outcomes per label (gold entities; spurious: predictions overlapping no gold entity)")
    for column in ("label", "gold", *OUTCOMES, "spurious", "recall"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label in sorted(by_label):
        counts = by_label[label]
        n = sum(counts[o] for o in OUTCOMES)
        table.add_row(label, f"{n:,}", *(f"{counts[o]:,}" for o in OUTCOMES), f"{counts['spurious']:,}", f"{100 * counts['found'] / max(n, 1):.2f}")
    console.print(table)

    table = Table(title="commonest texts behind each outcome")
    table.add_column("outcome")
    table.add_column("texts (gold label, then the prediction where it differs)")
    for result in ("missed", "wrong label", "wrong span", "spurious"):
        table.add_row(result, "; ".join(f"{t} ({c})" if c > 1 else t for t, c in texts[result].most_common(args.top)))
    console.print(table)


if __name__ == "__main__":
    main()

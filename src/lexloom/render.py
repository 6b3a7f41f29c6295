"""Render annotated Docs as one self-contained HTML page (inline CSS and SVG, no scripts).

The page shows, per Doc: a dependency tree per sentence in the style of
displaCy's "dep" view (arcs with relation labels over the words, UPOS and XPOS
under each word), the entities highlighted in the style of its "ent" view
(one colour per label), and the categories with their scores. Every piece of
text is HTML-escaped, so the page is safe to open whatever the Docs contain.
"""
from __future__ import annotations

import itertools
import zlib
from html import escape
from pathlib import Path
from typing import Iterable

from .tokens import Doc, Span
from .files import atomic_write_text

# Geometry of the dependency view, in pixels.
CHAR_WIDTH = 8.5  # rough width of one character at the page's font size
WORD_PADDING = 24
MIN_WORD_WIDTH = 50
LEVEL_HEIGHT = 34  # extra height per nesting level of an arc
LABEL_ROWS = 60  # room under the arcs for the word, its UPOS and its XPOS
MARGIN = 20
# Geometry of the span view: the first span line under the words, and each further level.
SPAN_TOP = 40
SPAN_STEP = 17

# displaCy's colours for common entity labels; other labels get a colour from their name.
ENTITY_COLOURS = {
    "PER": "#aa9cfc", "PERSON": "#aa9cfc", "ORG": "#7aecec", "LOC": "#ff9561", "GPE": "#feca74",
    "MISC": "#e4e7d2", "DATE": "#bfe1d9", "TIME": "#bfe1d9", "MONEY": "#e4e7d2", "NORP": "#c887fb",
    "FAC": "#9cc9cc", "PRODUCT": "#bfeeb7", "EVENT": "#ffeb80", "WORK_OF_ART": "#f0d0ff", "LAW": "#ff8197",
}

# The views' own rules (class-scoped, so they can go inside a notebook cell), then the page's.
VIEW_STYLE = """
.scroll { overflow-x: auto; }
svg.deps text { font-size: 14px; fill: currentColor; }
svg.deps text.form { font-weight: 600; }
svg.deps text.upos { fill: #1f5fa8; font-size: 12px; }
svg.deps text.xpos { fill: #777; font-size: 12px; }
svg.deps path.arc { fill: none; stroke: #444; stroke-width: 1.5px; }
svg.deps path.arrow { fill: #444; }
svg.deps text.label { font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.ents { line-height: 2.5; font-size: 16px; }
mark.ent { padding: .25em .4em; margin: 0 .2em; border-radius: .35em; }
mark.ent .label { font-size: .65em; font-weight: 700; text-transform: uppercase; margin-left: .4em; }
.spans { line-height: 2.5; font-size: 16px; direction: ltr; }
.spans .token { font-weight: 700; display: inline-block; position: relative; }
.spans .line { position: absolute; height: 4px; left: -1px; width: calc(100% + 2px); }
.spans .line.first { border-top-left-radius: 3px; border-bottom-left-radius: 3px; }
.spans .label { position: absolute; top: -0.5em; z-index: 10; padding: 2px 3px; color: #000;
  font-size: .6em; font-weight: 700; line-height: 1; border-radius: 3px; }
table.cats { border-collapse: collapse; margin-top: .5em; }
table.cats td, table.cats th { padding: .2em .8em; text-align: left; border-bottom: 1px solid #eee; }
.bar { display: inline-block; height: .8em; background: #7aa6da; }
"""
STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
section.doc { border-top: 1px solid #ccc; padding: 1em 0; }
h2 { font-size: 1.1em; margin: 0 0 .5em 0; }
""" + VIEW_STYLE


def render_html(docs: Iterable[Doc], path: str | Path, *, max_docs: int = 20, title: str = "lexloom") -> Path:
    """Write the first `max_docs` Docs to one HTML page at `path` (atomically); return the path."""
    shown = list(itertools.islice(docs, max_docs))
    sections = [_doc_section(doc, number) for number, doc in enumerate(shown, 1)]
    body = f"<h1>{escape(title)}</h1>\n<p>The first {len(shown)} documents.</p>\n" + "\n".join(sections)
    return atomic_write_text(path, html_page(body, title))


def html_page(body: str, title: str = "lexloom") -> str:
    """A complete, self-contained HTML page around `body`."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _doc_section(doc: Doc, number: int) -> str:
    parts = [f'<section class="doc">\n<h2>Document {number}</h2>']
    if doc.has_annotation("HEAD") or doc.has_annotation("POS") or doc.has_annotation("TAG"):
        for sentence in doc.sents:
            parts.append(f'<div class="scroll">{dependency_svg(sentence)}</div>')
    if doc.has_annotation("ENT_IOB"):
        parts.append(entities_html(doc))
    elif not parts[1:]:
        parts.append(f'<p class="text">{escape(doc.text)}</p>')
    if doc.cats:
        parts.append(cats_table(doc.cats))
    parts.append("</section>")
    return "\n".join(parts)


def arc_levels(arcs: list[tuple[int, int]]) -> list[int]:
    """Nesting level of each (left, right) arc: 1 + the highest level of the arcs inside it,
    so no arc crosses above one it encloses."""
    levels = [0] * len(arcs)
    for k in sorted(range(len(arcs)), key=lambda k: arcs[k][1] - arcs[k][0]):
        left, right = arcs[k]
        inside = [
            levels[m] for m in range(len(arcs))
            if m != k and levels[m] and left <= arcs[m][0] and arcs[m][1] <= right
        ]
        levels[k] = 1 + max(inside, default=0)
    return levels


def dependency_svg(sentence: Span) -> str:
    """An SVG of one sentence: words with UPOS and XPOS, and an arc from each head to its dependent."""
    doc = sentence.doc
    tokens = list(sentence)
    widths = [
        max(MIN_WORD_WIDTH, CHAR_WIDTH * max(len(t.text), len(t.pos_), len(t.tag_)) + WORD_PADDING) for t in tokens
    ]
    centres, x = [], MARGIN
    for w in widths:
        centres.append(x + w / 2)
        x += w
    width = x + MARGIN
    arcs, labels, children = [], [], []
    for t in tokens:
        head = int(doc._head[t.i])
        if head < 0 or head == t.i or not sentence.start <= head < sentence.end:
            continue
        child, parent = t.i - sentence.start, head - sentence.start
        arcs.append((min(child, parent), max(child, parent)))
        labels.append(t.dep_)
        children.append(child)
    levels = arc_levels(arcs)
    top = max(levels, default=0) * LEVEL_HEIGHT
    height = MARGIN + top + LABEL_ROWS + MARGIN
    base = MARGIN + top  # where arcs meet the words
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="deps" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="dependency parse">'
    ]
    for t, cx in zip(tokens, centres):
        out.append(
            f'<text class="form" x="{cx:.1f}" y="{base + 18}" text-anchor="middle">{escape(t.text)}</text>'
            f'<text class="upos" x="{cx:.1f}" y="{base + 36}" text-anchor="middle">{escape(t.pos_)}</text>'
            f'<text class="xpos" x="{cx:.1f}" y="{base + 52}" text-anchor="middle">{escape(t.tag_)}</text>'
        )
    for (left, right), level, label, child in zip(arcs, levels, labels, children):
        x1, x2 = centres[left] + 4, centres[right] - 4
        peak = base - level * LEVEL_HEIGHT
        tip = x1 if child == left else x2
        out.append(
            f'<g class="dep"><path class="arc" d="M{x1:.1f},{base} C{x1:.1f},{peak} {x2:.1f},{peak} {x2:.1f},{base}"/>'
            f'<path class="arrow" d="M{tip - 4:.1f},{base - 8} L{tip + 4:.1f},{base - 8} L{tip:.1f},{base} Z"/>'
            f'<text class="label" x="{(x1 + x2) / 2:.1f}" y="{base - 0.75 * level * LEVEL_HEIGHT + 4:.1f}" '
            f'text-anchor="middle">{escape(label)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def entity_colour(label: str) -> str:
    """displaCy's colour for a common label, else a light colour derived from the label's name."""
    if label in ENTITY_COLOURS:
        return ENTITY_COLOURS[label]
    return f"hsl({zlib.crc32(label.encode('utf8')) % 360}, 70%, 80%)"


def entities_html(doc: Doc | Span, *, labels: Iterable[str] | None = None, colours: dict[str, str] | None = None) -> str:
    """The text with each entity in a <mark> coloured by its label: only those of `labels`
    when given, in the colours of `colours` where it names one."""
    shown = None if labels is None else set(labels)
    colours = colours or {}
    offset = doc.start_char if isinstance(doc, Span) else 0
    text = doc.text
    out, position = ['<div class="ents">'], 0
    for ent in doc.ents:
        if shown is not None and ent.label_ not in shown:
            continue
        start, end = ent.start_char - offset, ent.end_char - offset
        out.append(escape(text[position:start]))
        colour = colours.get(ent.label_) or entity_colour(ent.label_)
        out.append(
            f'<mark class="ent" style="background: {escape(colour)}">{escape(ent.text)}'
            f'<span class="label">{escape(ent.label_)}</span></mark>'
        )
        position = end
    out.append(escape(text[position:]))
    out.append("</div>")
    return "".join(out)


def span_levels(spans: list[Span]) -> list[int]:
    """The row of each span under the words: the lowest that no overlapping span before it
    (by start, longer first) takes, so that overlapping spans stack."""
    levels = [0] * len(spans)
    placed: list[int] = []
    for k in sorted(range(len(spans)), key=lambda k: (spans[k].start, spans[k].start - spans[k].end)):
        taken = {levels[m] for m in placed if spans[m].start < spans[k].end and spans[k].start < spans[m].end}
        levels[k] = next(level for level in itertools.count() if level not in taken)
        placed.append(k)
    return levels


def spans_html(view: Doc | Span, spans: Iterable[Span], *, colours: dict[str, str] | None = None) -> str:
    """displaCy's "span" view: the words of `view`, each span a coloured line under its words
    (overlapping spans stacked), with its label where it starts; spans cut to the view."""
    start, end = (view.start, view.end) if isinstance(view, Span) else (0, len(view))
    shown = [s for s in spans if s.start < end and start < s.end]
    levels = span_levels(shown)
    colours = colours or {}
    height = SPAN_TOP + SPAN_STEP * max(levels, default=0) + 10
    out = ['<div class="spans">']
    for token in view:
        lines = []
        for span, level in zip(shown, levels):
            if not span.start <= token.i < span.end:
                continue
            colour = escape(colours.get(span.label_) or entity_colour(span.label_))
            top = SPAN_TOP + SPAN_STEP * level
            first = token.i == max(span.start, start)
            label = f'<span class="label" style="background: {colour}">{escape(span.label_)}</span>' if first else ""
            lines.append(f'<span class="line{" first" if first else ""}" style="background: {colour}; top: {top}px">{label}</span>')
        out.append(f'<span class="token" style="height: {height}px">{escape(token.text)}{"".join(lines)}</span>{token.whitespace_}')
    out.append("</div>")
    return "".join(out)


def cats_table(cats: dict[str, float]) -> str:
    """A table of categories, highest score first, each with a bar."""
    rows = "".join(
        f'<tr><td>{escape(label)}</td><td>{score:.3f}</td>'
        f'<td><span class="bar" style="width: {max(0.0, min(1.0, score)) * 120:.0f}px"></span></td></tr>'
        for label, score in sorted(cats.items(), key=lambda item: -item[1])
    )
    return f'<table class="cats"><tr><th>category</th><th>score</th><th></th></tr>{rows}</table>'

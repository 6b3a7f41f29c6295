"""spaCy's `displacy` entry points over lexloom's renderer (`render.py`).

    from lexloom import displacy
    html = displacy.render(doc, style="dep")         # markup: one SVG per sentence
    displacy.render(docs, style="ent", jupyter=True) # shown in the notebook cell
    displacy.serve(doc, style="ent", port=5000)      # a page at http://localhost:5000

Styles: "dep" (arcs with relation labels, UPOS and XPOS under each word), "ent"
(entities highlighted by label) and "span" (the spans of a span group, `doc.spans[key]`,
each a line under its words, overlapping ones stacked). Options as in spaCy's: `{"ents":
[labels to show], "colors": {label: css colour}}` for "ent", `{"spans_key": "sc",
"colors": {...}}` for "span". Everything is HTML-escaped; no scripts.
"""
from __future__ import annotations

import warnings
from typing import Any, Iterable

from .errors import LexloomError
from .render import VIEW_STYLE, dependency_svg, entities_html, html_page, spans_html
from .tokens import Doc, Span

STYLES = ("dep", "ent", "span")


def render(docs: Doc | Span | Iterable[Doc | Span], style: str = "dep", page: bool = False, minify: bool = False, jupyter: bool | None = None, options: dict[str, Any] | None = None, manual: bool = False) -> str | None:
    """HTML for `docs` (a Doc, a Span or several) in `style`: a fragment, or a whole page with
    `page=True`. In a notebook (or with `jupyter=True`) it is displayed and None returned."""
    if style not in STYLES:
        raise ValueError(f"unknown displacy style {style!r}; use one of {', '.join(STYLES)}")
    if manual:
        raise ValueError("displacy.render(manual=True) is not supported: pass Docs or Spans")
    docs = [docs] if isinstance(docs, (Doc, Span)) else list(docs)
    for doc in docs:
        if not isinstance(doc, (Doc, Span)):
            raise TypeError(f"displacy renders Docs and Spans, not {type(doc).__name__}")
    options = options or {}
    parts = [_render_one(doc, style, options) for doc in docs]
    if page:
        markup = html_page("\n".join(f'<figure class="displacy">{p}</figure>' for p in parts), title="displaCy (lexloom)")
    else:
        markup = f"<style>{VIEW_STYLE}</style>\n" + "\n".join(parts)
    if minify:
        markup = " ".join(line.strip() for line in markup.splitlines() if line.strip())
    if jupyter is None:
        jupyter = _in_notebook()
    if jupyter:
        try:
            from IPython.display import HTML, display
        except ImportError:
            raise LexloomError("displacy.render(jupyter=True) needs IPython (pip install ipython)") from None
        display(HTML(markup))
        return None
    return markup


def _render_one(doc: Doc | Span, style: str, options: dict[str, Any]) -> str:
    if style == "ent":
        return entities_html(doc, labels=options.get("ents"), colours=options.get("colors"))
    if style == "span":
        key = options.get("spans_key", "sc")
        spans = (doc if isinstance(doc, Doc) else doc.doc).spans.get(key, [])
        if not spans:
            warnings.warn(f"displacy: no spans to show in doc.spans[{key!r}]; name the group with options={{'spans_key': ...}}", stacklevel=3)
        return spans_html(doc, spans, colours=options.get("colors"))
    sentences = list(doc.sents) if isinstance(doc, Doc) else [doc]
    return "\n".join(f'<div class="scroll">{dependency_svg(s)}</div>' for s in sentences if len(s))


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def app(markup: str):
    """A WSGI app that answers every request with `markup`."""
    body = markup.encode("utf8")

    def respond(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return respond


def serve(docs: Doc | Span | Iterable[Doc | Span], style: str = "dep", page: bool = True, minify: bool = False, options: dict[str, Any] | None = None, manual: bool = False, port: int = 5000, host: str = "0.0.0.0") -> None:
    """Render `docs` and serve the page at http://host:port until Ctrl+C."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    markup = render(docs, style=style, page=page, minify=minify, jupyter=False, options=options, manual=manual)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    with make_server(host, port, app(markup), handler_class=QuietHandler) as httpd:
        print(f"Using the {style!r} visualizer\nServing on http://{host}:{httpd.server_port} ...\n", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print(f"Shutting down server on port {httpd.server_port}.")

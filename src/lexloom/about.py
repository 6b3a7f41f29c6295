__title__ = "lexloom"
__version__ = "0.1.0"


def info(model: str | None = None, *, markdown: bool = False, silent: bool = True) -> dict:
    """spaCy's `spacy.info()`: this install (lexloom's version and place, the platform, Python's
    and torch's versions, the pipeline packages installed), or with `model` (a pipeline
    directory or an installed pipeline package) its meta.json. `silent=False` prints it as
    `lexloom info` does (`markdown=True`: as Markdown, for an issue)."""
    import platform
    from importlib.metadata import version
    from pathlib import Path

    from .packaging import installed_pipelines, pipeline_meta

    if model is not None:
        data, title = pipeline_meta(model), f"Info about pipeline '{model}'"
    else:
        title = f"Info about {__title__}"
        data = {
            f"{__title__} version": __version__,
            "Location": str(Path(__file__).parent),
            "Platform": platform.platform(),
            "Python version": platform.python_version(),
            "PyTorch version": version("torch"),
            "Pipelines": installed_pipelines(),
        }
    if not silent:
        print(format_info(title, data, markdown=markdown))
    return data


def format_info(title: str, data: dict, *, markdown: bool = False) -> str:
    """`info`'s text: a line a key, as `spacy info` prints it (tables such as a pipeline's
    labels and scores left out); pipelines as `name (version)`."""
    rows = []
    for key, value in data.items():
        if isinstance(value, dict) and key != "Pipelines":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{name} ({v})" for name, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        rows.append((str(key), str(value)))
    if markdown:
        return "\n".join([f"## {title}", "", *(f"* **{key}:** {value}".rstrip() for key, value in rows)])
    width = max((len(key) for key, _ in rows), default=0) + 3
    return "\n".join([f" {title} ".center(78, "="), "", *(f"{key:<{width}}{value}".rstrip() for key, value in rows)])

"""Loading configs with overrides, and errors that name the section and key."""
from __future__ import annotations

import inspect
import json
import re
import typing
from pathlib import Path
from typing import Any, Callable, Iterable

import catalogue
from confection import Config, ConfigValidationError
from confection.typechecker import check_type
from ..errors import ConfigError
from .registry import registry
from .schemas import root_schema
from .spacy import from_spacy, is_spacy_config


def parse_overrides(args: Iterable[str]) -> dict[str, Any]:
    """Turn `--training.dropout 0.3 --paths.train x` (or `--a.b=1`) into {"training.dropout": 0.3, ...}.

    Values are parsed as JSON where they can be, else kept as strings. A flag with no value
    is an error: `--training.dropout` alone would otherwise become `true` and train on.
    """
    args = list(args)
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or "." not in arg:
            raise ConfigError(f"unexpected argument {arg!r}: config overrides look like --section.key VALUE")
        key = arg[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            i += 1
        elif i + 1 >= len(args) or (args[i + 1].startswith("--") and "." in args[i + 1]):
            raise ConfigError(f"{arg} has no value: give one, as in {arg} VALUE or {arg}=VALUE")
        else:
            value = args[i + 1]
            i += 2
        key = key.replace("-", "_") if not key.startswith("paths.") else key
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _apply(config: Config, overrides: dict[str, Any], path: str | Path | None) -> None:
    for dotted, value in overrides.items():
        *sections, key = dotted.split(".")
        node: Any = config
        for i, sec in enumerate(sections):
            if not isinstance(node, dict) or sec not in node:
                where = ".".join(sections[: i + 1])
                raise ConfigError(f"{path or 'config'}: cannot override {dotted}: there is no section [{where}]")
            node = node[sec]
        if key not in node and not dotted.startswith("paths."):
            raise ConfigError(
                f"{path or 'config'}: cannot override {dotted}: section [{'.'.join(sections)}] has no key {key!r}"
                f" (it has: {', '.join(k for k in node if not isinstance(node[k], dict))})"
            )
        node[key] = value


def load_config(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None, text: str | None = None, interpolate: bool = False, translate_spacy: bool = True,
) -> Config:
    """Read a .cfg file (or text), apply dotted overrides, optionally interpolate `${...}`.
    A config written for spaCy is read as lexloom's (`config/spacy.py`) unless `translate_spacy`
    is false: the file as written, to check overrides against."""
    try:
        if text is not None:
            config = Config().from_str(text, interpolate=False)
        else:
            p = Path(path)
            if not p.exists():
                raise ConfigError(f"{p}: config file not found")
            try:
                raw = p.read_text(encoding="utf8")
            except UnicodeDecodeError as e:
                raise ConfigError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None
            config = Config().from_str(raw, interpolate=False)
    except ConfigValidationError as e:
        raise ConfigError(f"{path or 'config'}: {_describe(e)}") from None
    except Exception as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"{path or 'config'}: cannot parse config: {e}") from None
    if overrides:
        _apply(config, overrides, path)
    if translate_spacy and is_spacy_config(config):
        # after the overrides, which name the settings of the file as the user wrote it
        from_spacy(config, str(path or "config"))
    if interpolate:
        try:
            config = config.interpolate()
        except Exception as e:
            raise ConfigError(f"{path or 'config'}: {_describe(e)}") from None
    return config


def _describe(e: Exception, config: dict | None = None) -> str:
    if isinstance(e, ConfigValidationError):
        errors = getattr(e, "errors", None) or []
        parts = [_describe_error(err, config) for err in errors]
        return "; ".join(parts) or str(e).strip()
    return str(e).strip()


# pydantic's error types, as the type a user should have given
_EXPECTED = {
    "float_type": "a number", "int_type": "a whole number", "bool_type": "true or false",
    "string_type": "a string", "list_type": "a list", "dict_type": "a table of keys and values",
}


def _describe_error(err: dict, config: dict | None) -> str:
    """One validation error as `[section] key = value: expected TYPE`."""
    loc = [part for x in err.get("loc", []) for part in str(x).split(".")]
    if not loc:
        return str(err.get("msg"))
    if config is not None and len(config) == 1 and loc[0] not in config:
        loc = [*config, *loc]  # confection locates a function's arguments below the section
    section, key = ".".join(loc[:-1]), loc[-1]
    where = f"[{section}] {key}" if section else key
    kind, msg = err.get("type"), str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return f"{where}: unknown key (misspelt?)"
    if kind == "missing":
        return f"{where}: missing"
    value = _lookup(config, loc)
    shown = f" = {json.dumps(value) if _jsonable(value) else repr(value)}" if value is not _MISSING else ""
    expected = _EXPECTED.get(kind)
    if expected is None:
        # confection's own checker (a registered function's arguments): "at root: 'x' is not <class 'float'>"
        found = re.search(r"is not (?:<class '([\w.]+)'>|(.+))$", msg)
        expected = (found.group(1) or found.group(2)) if found else msg.removeprefix("Input should be ")
        expected = _TYPE_NAMES.get(expected, expected)
    return f"{where}{shown}: expected {expected}"


_TYPE_NAMES = {"float": "a number", "int": "a whole number", "bool": "true or false", "str": "a string"}


_MISSING = object()


def _lookup(config: dict | None, loc: list[str]) -> Any:
    node: Any = config
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def resolve_section(config: dict, section: str, path: str | Path | None = None, *, top_level: bool = True) -> Any:
    """Resolve one section's `@registry` references into objects, checking every value against
    its type (a registered function's signature, or for a top-level section such as
    [training], its schema in `schemas.py`), with errors naming the section, key, value and
    expected type."""
    if section not in config:
        raise ConfigError(f"{path or 'config'}: missing section [{section}]")
    schema = root_schema(section) if top_level else None
    if schema is not None:
        known = schema.model_fields[section].annotation.model_fields
        unknown = [k for k in config[section] if k not in known]
        if unknown:
            raise ConfigError(f"{path or 'config'}: invalid [{section}]: unknown key {unknown[0]!r} (misspelt? it takes: {', '.join(known)})")
    try:
        resolved = registry.resolve({section: config[section]}, validate=True, schema=schema)
    except ConfigValidationError as e:
        raise ConfigError(f"{path or 'config'}: {_describe(e, {section: config[section]})}") from None
    except (TypeError, ValueError, catalogue.RegistryError) as e:
        raise ConfigError(f"{path or 'config'}: invalid [{section}]: {e}") from None
    return resolved[section]


def check_arguments(func: Callable, args: dict[str, Any], where: str, skip: Iterable[str] = ()) -> None:
    """Check `args` against `func`'s signature (unknown names, values of the wrong type) the way
    confection checks a registered function's, for functions called with a config section's
    values directly (component factories)."""
    params = inspect.signature(func).parameters
    skip = set(skip)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    known = [n for n in params if n not in skip and params[n].kind is not inspect.Parameter.VAR_KEYWORD]
    problems = []
    for name, value in args.items():
        if name not in params:
            if not takes_any:
                problems.append(f"{name}: unknown setting (it takes: {', '.join(known)})")
            continue
        annotation = params[name].annotation
        if isinstance(annotation, str):
            annotation = typing.get_type_hints(func).get(name, Any)
        if not check_type(value, annotation):
            shown = json.dumps(value) if _jsonable(value) else repr(value)
            problems.append(f"{name} = {shown}: expected {_type_name(annotation)}")
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))


def _type_name(annotation: Any) -> str:
    name = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    return _TYPE_NAMES.get(name, name) if name else str(annotation).replace("typing.", "")

"""Loading configs with overrides, and errors that name the section and key."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import catalogue
from confection import Config, ConfigValidationError

from ..errors import ConfigError
from .registry import registry


def parse_overrides(args: Iterable[str]) -> dict[str, Any]:
    """Turn `--training.dropout 0.3 --paths.train x` (or `--a.b=1`) into {"training.dropout": 0.3, ...}.

    Values are parsed as JSON where they can be, else kept as strings.
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
        else:
            if i + 1 >= len(args) or (args[i + 1].startswith("--") and "." in args[i + 1]):
                value = "true"
                i += 1
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


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None, text: str | None = None, interpolate: bool = False) -> Config:
    """Read a .cfg file (or text), apply dotted overrides, optionally interpolate `${...}`."""
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
    if interpolate:
        try:
            config = config.interpolate()
        except Exception as e:
            raise ConfigError(f"{path or 'config'}: {_describe(e)}") from None
    return config


def _describe(e: Exception) -> str:
    if isinstance(e, ConfigValidationError):
        errors = getattr(e, "errors", None) or []
        parts = []
        for err in errors:
            loc = ".".join(str(x) for x in err.get("loc", []))
            parts.append(f"[{loc}] {err.get('msg')}" if loc else str(err.get("msg")))
        return "; ".join(parts) or str(e).strip()
    return str(e).strip()


def resolve_section(config: dict, section: str, path: str | Path | None = None) -> Any:
    """Resolve one section's `@registry` references into objects, with errors naming the section."""
    try:
        resolved = registry.resolve({section: config[section]}, validate=True)
    except KeyError:
        raise ConfigError(f"{path or 'config'}: missing section [{section}]") from None
    except ConfigValidationError as e:
        raise ConfigError(f"{path or 'config'}: invalid [{section}]: {_describe(e)}") from None
    except (TypeError, ValueError, catalogue.RegistryError) as e:
        raise ConfigError(f"{path or 'config'}: invalid [{section}]: {e}") from None
    return resolved[section]

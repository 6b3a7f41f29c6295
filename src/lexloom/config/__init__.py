"""Config files (confection's .cfg format), the function registry and overrides."""
from .loading import load_config, parse_overrides, resolve_section
from .registry import registry

__all__ = ["load_config", "parse_overrides", "registry", "resolve_section"]

"""Custom attributes under `._`, as in spaCy: `Doc/Token/Span.set_extension(name, ...)`.

    Token.set_extension("is_colour", default=False)
    Doc.set_extension("n_colours", getter=lambda doc: sum(t._.is_colour for t in doc))
    Span.set_extension("shout", method=lambda span, end="!": span.text.upper() + end)
    doc[3]._.is_colour = True

An extension has exactly one of `default` (a stored value), `getter` (computed,
optionally with a `setter`) or `method`. Stored values live in `doc.user_data`
under string keys (`"._.name"` for the Doc, `"._.name[i]"` for token i,
`"._.name[start:end]"` for a span), so a DocBin saves them as JSON.
"""
from __future__ import annotations

import copy
import functools
from typing import Any, Callable, ClassVar, NamedTuple

_UNSET = object()
_MUTABLE = (dict, list, set)


class Extension(NamedTuple):
    """What `get_extension` returns, in spaCy's order."""

    default: Any
    method: Callable | None
    getter: Callable | None
    setter: Callable | None


class HasExtensions:
    """Gives a class its own registry of `._` attributes and the spaCy verbs for it."""

    __slots__ = ()
    _extensions: ClassVar[dict[str, Extension]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._extensions = {}

    @classmethod
    def set_extension(cls, name: str, *, default: Any = _UNSET, getter: Callable | None = None, setter: Callable | None = None, method: Callable | None = None, force: bool = False) -> None:
        """Register `obj._.name`: exactly one of `default`, `getter` (plus an optional
        `setter`) or `method`. An existing extension is replaced only with `force=True`."""
        if not isinstance(name, str) or not name.isidentifier() or name in Underscore.RESERVED:
            raise ValueError(f"{cls.__name__} extension name must be an identifier other than get/set/has, not {name!r}")
        if name in cls._extensions and not force:
            raise ValueError(f"{cls.__name__} extension {name!r} already exists; pass force=True to replace it")
        kinds = [k for k, v in (("default", default is not _UNSET), ("getter", getter is not None), ("method", method is not None)) if v]
        if len(kinds) != 1:
            raise ValueError(
                f"{cls.__name__}.set_extension({name!r}) takes exactly one of default=, getter= or method=, "
                f"not {' and '.join(kinds) or 'none'}"
            )
        if setter is not None and getter is None:
            raise ValueError(f"{cls.__name__}.set_extension({name!r}): setter= needs a getter=")
        for arg, func in (("getter", getter), ("setter", setter), ("method", method)):
            if func is not None and not callable(func):
                raise ValueError(f"{cls.__name__}.set_extension({name!r}): {arg}= must be callable, not {func!r}")
        cls._extensions[name] = Extension(None if default is _UNSET else default, method, getter, setter)

    @classmethod
    def get_extension(cls, name: str) -> Extension | None:
        """(default, method, getter, setter) of an extension; None if there is none."""
        return cls._extensions.get(name)

    @classmethod
    def has_extension(cls, name: str) -> bool:
        return name in cls._extensions

    @classmethod
    def remove_extension(cls, name: str) -> Extension:
        if name not in cls._extensions:
            raise ValueError(f"{cls.__name__} has no extension {name!r}")
        return cls._extensions.pop(name)

    @property
    def _(self) -> "Underscore":
        return Underscore(self)

    def _extension_key(self, name: str) -> str:
        raise NotImplementedError

    def _extension_doc(self):
        return getattr(self, "doc", self)


class Underscore:
    """The `._` view of one Doc, Token or Span."""

    __slots__ = ("_obj",)
    RESERVED = ("get", "set", "has")

    def __init__(self, obj: HasExtensions):
        object.__setattr__(self, "_obj", obj)

    def _extension(self, name: str) -> Extension:
        cls = type(self._obj)
        try:
            return cls._extensions[name]
        except KeyError:
            raise AttributeError(
                f"{cls.__name__} has no extension {name!r}; add it with {cls.__name__}.set_extension({name!r}, default=...)"
            ) from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        ext = self._extension(name)
        obj = self._obj
        if ext.getter is not None:
            return ext.getter(obj)
        if ext.method is not None:
            return functools.partial(ext.method, obj)
        data = obj._extension_doc().user_data
        key = obj._extension_key(name)
        if key in data:
            return data[key]
        if isinstance(ext.default, _MUTABLE):
            # a fresh copy per object, so that `doc._.items.append(x)` does not change the default
            data[key] = copy.copy(ext.default)
            return data[key]
        return ext.default

    def __setattr__(self, name: str, value: Any) -> None:
        ext = self._extension(name)
        obj = self._obj
        if ext.setter is not None:
            ext.setter(obj, value)
        elif ext.getter is not None or ext.method is not None:
            raise AttributeError(f"{type(obj).__name__} extension {name!r} has a getter or method and no setter; it cannot be set")
        else:
            obj._extension_doc().user_data[obj._extension_key(name)] = value

    def get(self, name: str) -> Any:
        return getattr(self, name)

    def set(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def has(self, name: str) -> bool:
        return name in type(self._obj)._extensions

    def __dir__(self):
        return sorted(type(self._obj)._extensions)

"""The code a stage runs: the `lexloom` modules in the import closure of its command.

A stage's command is one or more `lexloom <command> ...` or `python <script> ...`
calls joined by `&&`. Each call starts from one module (the CLI module that
defines the command, or the script) and follows every import of a `lexloom`
module it meets, at any depth, inside functions too, plus every string constant
that names one (`"lexloom.lang.en"`, or a prefix like `f"lexloom.lang.{code}"`,
which stands for the whole package). Importing `lexloom.x.y` runs
`lexloom/__init__.py` and `lexloom/x/__init__.py`, so they count too.

A module imported by name may have any of its functions called, so the imports
inside its functions count. A module loaded through a string is loaded for a value
it defines (a language's `RULES`), so, like a parent package, only what its top
level imports counts: the tokenizer rules of `lexloom.lang.en` do not make a stage
depend on the pipeline that `lexloom.lang.en.English()` would build.

One exception keeps the closure honest rather than total: `lexloom/cli/__init__.py`
imports every command module so that each registers its command, but only the
command that runs executes more than its definitions; the other command modules
(and whatever only they import) are left out.

The analysis reads the source files (it imports nothing), so it answers for the
code in the project, whichever lexloom is installed. A package whose modules all
belong to the closure is listed as its folder, so dvc.yaml stays short.
"""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

from ..errors import ConfigError

PACKAGE = "lexloom"
_MODULE_STRING = re.compile(rf"^{PACKAGE}(\.[A-Za-z_][A-Za-z0-9_]*)+\.?$|^{PACKAGE}\.$")


class SourceTree:
    """The Python modules of the `lexloom` package under `package_dir` (…/src/lexloom), read once."""

    def __init__(self, package_dir: Path):
        self.package_dir = package_dir
        self._modules: dict[str, Path] = {}
        self._imports: dict[str, tuple[list[str], list[str]]] = {}
        for path in sorted(package_dir.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(package_dir.parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            self._modules[".".join(parts)] = path
        self.commands = _cli_commands(package_dir)

    def path(self, module: str) -> Path | None:
        return self._modules.get(module)

    def is_package(self, module: str) -> bool:
        path = self._modules.get(module)
        return path is not None and path.name == "__init__.py"

    def under(self, prefix: str) -> list[str]:
        """Every module whose name is `prefix` or starts with `prefix.`."""
        return [m for m in self._modules if m == prefix or m.startswith(prefix + ".")]

    def modules(self) -> list[str]:
        return list(self._modules)

    def imports(self, module: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        """The `lexloom` modules `module` imports at its top level, and inside its functions,
        each with whether it is imported by name (False: loaded through a string)."""
        if module not in self._imports:
            self._imports[module] = _imports_of(self._modules[module], module, self)
        return self._imports[module]

    def closure(self, start: list[tuple[str, bool]], skip: set[str]) -> set[str]:
        """The modules that importing `start` may run. A package that is only the parent
        of an imported module runs its module-level code, so only the imports at its top
        level count; a module imported by name may have any of its functions called, so
        the imports inside its functions count too."""
        explicit: set[str] = set()
        parents: set[str] = set()
        todo = list(start)
        while todo:
            module, named = todo.pop()
            if module in skip or module not in self._modules or module in explicit or (module in parents and not named):
                continue
            (explicit if named else parents).add(module)
            todo.extend((p, False) for p in _parents(module))
            top_level, in_functions = self.imports(module)
            todo.extend(top_level + (in_functions if named else []))
        return explicit | parents

    def code_deps(self, cmd: str, root: Path) -> tuple[str, ...]:
        """The code files `cmd` runs, as sorted paths relative to `root`."""
        files: set[Path] = set()
        modules: set[str] = set()
        for call in _calls(cmd):
            if call[0] == PACKAGE:
                name, module = _command_module(call[1:], self.commands)
                if module is None:
                    raise ConfigError(f"{cmd!r}: `lexloom {name}` is not a command (commands: {', '.join(sorted(self.commands))})")
                others = {m for m in self.commands.values() if m != module}
                modules |= self.closure([(f"{PACKAGE}.cli", True), (module, True)], skip=others)
            elif call[0].startswith("python") and len(call) > 1 and call[1].endswith(".py"):
                script = root / call[1]
                if script.is_file():
                    files.add(script)
                    modules |= self.closure(sum(_imports_of(script, None, self), []), skip=set(self.commands.values()))
        files |= {self._modules[m] for m in modules}
        return tuple(sorted(_collapse(files, self, root)))


def find_package_dir(root: Path) -> Path | None:
    """The project's own copy of the package (`src/lexloom` beside project.yml), if any."""
    candidate = root / "src" / PACKAGE
    return candidate if (candidate / "__init__.py").is_file() else None


def code_deps(cmd: str, root: Path) -> tuple[str, ...]:
    """The code files `cmd` runs, relative to `root`; () when the package's source is not in the project."""
    package_dir = find_package_dir(root)
    return SourceTree(package_dir).code_deps(cmd, root) if package_dir else ()


def _calls(cmd: str) -> list[list[str]]:
    """The argument lists of the `&&`/`;`-separated calls in a shell command."""
    calls = []
    for part in re.split(r"&&|\|\||;", cmd):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and "=" in words[0] and not words[0].startswith("-"):  # VAR=value prefixes
            words = words[1:]
        if words:
            words[0] = Path(words[0]).name
            calls.append(words)
    return calls


def _cli_commands(package_dir: Path) -> dict[str, str]:
    """`"train"` or `"project dvc"` -> the module that defines that command, read from the decorators."""
    cli = package_dir / "cli"
    groups = {"app": ""}
    app_file = cli / "_app.py"
    if app_file.is_file():
        for node in ast.walk(ast.parse(app_file.read_text(encoding="utf8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_typer" and node.args:
                name = next((k.value.value for k in node.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)), None)
                if isinstance(node.args[0], ast.Name) and name:
                    groups[node.args[0].id] = name
    commands = {}
    for path in sorted(cli.glob("*.py")):
        module = f"{PACKAGE}.cli.{path.stem}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "command"
                        and isinstance(deco.func.value, ast.Name) and deco.func.value.id in groups):
                    name = deco.args[0].value if deco.args and isinstance(deco.args[0], ast.Constant) else node.name.replace("_", "-")
                    commands[f"{groups[deco.func.value.id]} {name}".strip()] = module
    return commands


def _command_module(args: list[str], commands: dict[str, str]) -> tuple[str, str | None]:
    words = [a for a in args[:2] if not a.startswith("-")]
    for n in (2, 1):
        name = " ".join(words[:n])
        if name in commands:
            return name, commands[name]
    return " ".join(words[:1]), None


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imports_of(path: Path, module: str | None, tree: SourceTree) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The `lexloom` modules that the file at `path` (module `module`; None for a script) names in
    import statements (as (module, True)) or module-name strings (as (module, False)): (at its
    top level, inside functions and classes)."""
    package = module if module is not None and tree.is_package(module) else (module.rpartition(".")[0] if module else "")
    syntax = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    top_level: list[str] = []
    inside: list[str] = []

    def visit(node: ast.AST, found: list[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            found = inside
        if isinstance(node, ast.Import):
            found += [(alias.name, True) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            if base is not None:
                submodules = [f"{base}.{alias.name}" for alias in node.names if tree.path(f"{base}.{alias.name}")]
                found += [(m, True) for m in submodules]  # `from pkg import submodule` runs pkg's top level only: a parent
                if len(submodules) < len(node.names):
                    found.append((base, True))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_STRING.match(node.value):
            found += [(m, False) for m in _named_by_string(node.value, tree)]
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            prefix = str(node.values[0].value)
            if _MODULE_STRING.match(prefix) and prefix.endswith("."):
                found += [(m, False) for m in _named_by_string(prefix, tree)]
        for child in ast.iter_child_nodes(node):
            visit(child, found)

    visit(syntax, top_level)
    ours = lambda names: [(m, by_name) for m, by_name in names if m == PACKAGE or m.startswith(PACKAGE + ".")]  # noqa: E731
    return ours(top_level), ours(inside)


def _resolve(name: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return name
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([name] if name else [])) or None


def _named_by_string(text: str, tree: SourceTree) -> list[str]:
    if text.endswith("."):
        return tree.under(text[:-1])
    return [text] if tree.path(text) else []


def _collapse(files: set[Path], tree: SourceTree, root: Path) -> list[str]:
    """Relative paths; a folder replaces its files when every module in it is listed."""
    complete: list[Path] = []
    for module in tree.modules():
        if tree.is_package(module) and module != PACKAGE:
            folder = tree.path(module).parent
            if all(tree.path(m) in files for m in tree.under(module)):
                complete.append(folder)
    # keep only the outermost complete folders
    outer = [f for f in complete if not any(f != g and f.is_relative_to(g) for g in complete)]
    paths = [str(f.relative_to(root)) for f in outer]
    paths += [str(p.relative_to(root)) for p in files if not any(p.is_relative_to(f) for f in outer)]
    return paths


__all__ = ["SourceTree", "code_deps", "find_package_dir"]

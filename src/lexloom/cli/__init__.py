"""`lexloom` command line: one module per command, each a thin layer over the API."""
import sys

from ..errors import LexloomError
from ._app import app

# Importing a command module registers its command on `app`.
from . import convert, init_config, train, evaluate, apply, debug_data, pretrain, package, project, annotate, ensemble, info  # noqa: E402,F401


def main() -> None:
    from ._output import fail

    try:
        app()
    except LexloomError as e:
        fail(str(e))
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]

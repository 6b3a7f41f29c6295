"""Training: corpus readers, batchers, schedules, the optimizer, the loop and its logger.

Importing the package registers the readers, batchers, schedules, optimizers and loggers.
"""
from . import batchers, corpus, logger, optimizer, schedules  # noqa: F401

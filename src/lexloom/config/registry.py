"""Function registries referenced from configs as `@architectures = "name"` etc."""
from __future__ import annotations

import catalogue
import confection


class registry(confection.registry):
    architectures = catalogue.create("lexloom", "architectures", entry_points=True)
    schedules = catalogue.create("lexloom", "schedules", entry_points=True)
    optimizers = catalogue.create("lexloom", "optimizers", entry_points=True)
    batchers = catalogue.create("lexloom", "batchers", entry_points=True)
    readers = catalogue.create("lexloom", "readers", entry_points=True)
    loggers = catalogue.create("lexloom", "loggers", entry_points=True)
    scorers = catalogue.create("lexloom", "scorers", entry_points=True)
    tokenizers = catalogue.create("lexloom", "tokenizers", entry_points=True)
    factories = catalogue.create("lexloom", "factories", entry_points=True)
    languages = catalogue.create("lexloom", "languages", entry_points=True)
    misc = catalogue.create("lexloom", "misc", entry_points=True)

"""Training output: a rich table row per evaluation, a progress bar between rows, a JSONL log."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..config.registry import registry


class TrainingLogger:
    """Prints one aligned row per evaluation and writes the same record to `log_path` as JSON.

    A new run's log replaces an older `log_path` at its first record, in one rename, so the
    file always holds one run (a run that never gets to its first evaluation leaves the old
    log as it was); a resumed run (`append`) goes on writing to the log it already has."""

    def __init__(self, console: Console | None = None, progress_bar: bool = True):
        self.console = console or Console()
        self.progress_bar = progress_bar and self.console.is_terminal
        self._progress: Progress | None = None
        self._task = None
        self._columns: list[tuple[str, int]] = []
        self._log = None
        self._log_path: Path | None = None
        self._append = False

    def start(self, log_path: Path | None, components: Sequence[str], score_keys: Sequence[str], eval_frequency: int, *, append: bool = False) -> None:
        self._columns = [("E", 3), ("#", 7)] + [(f"LOSS {c.upper()}"[:16], max(10, len(c) + 5)) for c in components]
        self._columns += [(k.upper(), max(8, len(k))) for k in score_keys] + [("SCORE", 6)]
        self._components, self._score_keys = list(components), list(score_keys)
        self.console.print("  ".join(name.ljust(w) for name, w in self._columns), style="bold", highlight=False)
        self.console.print("  ".join("-" * w for _, w in self._columns), highlight=False)
        self._log_path, self._append = log_path, append
        self._eval_frequency = eval_frequency
        self._new_bar()

    def _new_bar(self) -> None:
        if not self.progress_bar:
            return
        self._progress = Progress(TextColumn("  training"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=self.console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task("", total=self._eval_frequency)

    def step(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def log(self, record: dict[str, Any]) -> None:
        if self._progress is not None:
            self._progress.stop()
        cells = [str(record["epoch"]), str(record["step"])]
        cells += [f"{record['losses'].get(c, 0.0):.2f}" for c in self._components]
        for k in self._score_keys:
            v = record["scores"].get(k)
            cells.append(f"{100 * v:.2f}" if isinstance(v, (int, float)) and k != "speed" else f"{v:.0f}" if isinstance(v, (int, float)) else "-")
        cells.append(f"{100 * record['score']:.2f}")
        self.console.print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, self._columns)), highlight=False)
        if self._log_path is not None:
            self._write(json.dumps(record, sort_keys=True) + "\n")
        self._new_bar()

    def _write(self, line: str) -> None:
        if self._log is None and self._append:
            self._log = open(self._log_path, "a", encoding="utf8")
        elif self._log is None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._log_path.with_name(f".{self._log_path.name}.{os.getpid()}.tmp")
            self._log = open(tmp, "w", encoding="utf8")
            self._log.write(line)
            self._log.flush()
            os.replace(tmp, self._log_path)  # the open file is now the log; later records append to it
            return
        self._log.write(line)
        self._log.flush()

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        if self._log is not None:
            self._log.close()


@registry.loggers("lexloom.ConsoleLogger.v1")
def console_logger(progress_bar: bool = True) -> TrainingLogger:
    return TrainingLogger(progress_bar=progress_bar)

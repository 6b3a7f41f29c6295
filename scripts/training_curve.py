"""Flatten a training log (JSONL, one evaluation per line) into a CSV that `dvc plots` can draw.

DVC reads CSV/JSON/YAML tables, not JSONL, and not nested keys, so each row
here is one evaluation: step, epoch, seconds, words, score, then every
numeric entry of `scores` (per-type breakdowns, which are dicts, are left out).

Usage: python scripts/training_curve.py training/ud/log.jsonl training/ud/scores.csv
"""
import csv
import sys
from pathlib import Path

from lexloom.convert._lines import read_json_lines
from lexloom.errors import DataError
from lexloom.util import atomic_path

FIXED_COLUMNS = ["step", "epoch", "seconds", "words", "score"]


def read_log(path: Path) -> list[dict]:
    rows = []
    for number, entry in read_json_lines(path):
        if not isinstance(entry, dict) or "step" not in entry:
            raise DataError("expected an object with a 'step' key", path, number)
        row = {key: entry.get(key) for key in FIXED_COLUMNS}
        for name, value in (entry.get("scores") or {}).items():
            if isinstance(value, (int, float)) or value is None:
                row[name] = value
        rows.append(row)
    return rows


def main(log: Path, output: Path) -> None:
    rows = read_log(log)
    columns = FIXED_COLUMNS + sorted({key for row in rows for key in row} - set(FIXED_COLUMNS))
    with atomic_path(output) as tmp, open(tmp, "w", newline="", encoding="utf8") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} evaluations -> {output}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))

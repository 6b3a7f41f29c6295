"""Training curves a person can read offline: a CSV for `dvc plots`, and PNG/SVG pictures.

From the training log (`log.jsonl`, one record per evaluation) this writes, next to it:

- `scores.csv`: one row per evaluation with `step`, `epoch`, `seconds`, `words`,
  `score`, `loss` (all components), `loss_<component>` and every single-number dev
  score. Losses are the mean per step since the previous evaluation, so curves
  compare across evaluation frequencies. DVC reads this table (it cannot read
  JSONL or nested keys).
- `curves.png` and `curves.svg`: the losses per component and the dev scores
  against the training step, drawn with matplotlib. They need neither a network
  nor DVC to open.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Sequence

from ..errors import DataError
from ..files import atomic_path, read_json_lines

FIXED_COLUMNS = ["step", "epoch", "seconds", "words", "score", "loss"]
#: Scores not worth a curve: throughput, and gold tokenization's constant 100%.
_NOT_DRAWN = ("speed", "token_acc", "token_p", "token_r", "token_f", "token_unaligned")


def read_log(path: Path) -> list[dict[str, Any]]:
    """The rows of `scores.csv` from a training log, in order of steps."""
    rows: list[dict[str, Any]] = []
    previous_step = 0
    for number, entry in read_json_lines(path):
        if not isinstance(entry, dict) or not isinstance(entry.get("step"), int):
            raise DataError("expected an object with an integer 'step'", path, number)
        steps = max(entry["step"] - previous_step, 1)
        previous_step = entry["step"]
        losses = {f"loss_{name}": float(value) / steps for name, value in (entry.get("losses") or {}).items()}
        row = {key: entry.get(key) for key in FIXED_COLUMNS[:5]}
        row["loss"] = sum(losses.values()) if losses else None
        row.update(losses)
        for name, value in (entry.get("scores") or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
                row[name] = value
        rows.append(row)
    return rows


def write_scores_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    columns = FIXED_COLUMNS + sorted({key for row in rows for key in row} - set(FIXED_COLUMNS))
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf8") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def draw_curves(rows: Sequence[dict[str, Any]], paths: Sequence[Path], title: str, score_keys: Sequence[str] | None = None) -> list[Path]:
    """Two panels, losses per component and dev scores (in %), against the step; one file per path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    steps = [row["step"] for row in rows]
    loss_keys = sorted({k for row in rows for k in row if k.startswith("loss_")})
    if score_keys is None:
        score_keys = sorted({k for row in rows for k in row if k not in FIXED_COLUMNS and not k.startswith("loss_") and k not in _NOT_DRAWN})
    marker = "o" if len(rows) <= 30 else None
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.5), layout="constrained")
    for key in loss_keys:
        left.plot(steps, [row.get(key) for row in rows], marker=marker, markersize=3, label=key.removeprefix("loss_"))
    left.set(title="training loss per component", xlabel="training step", ylabel="mean loss per step")
    scores = [_percent(row.get("score")) for row in rows]
    right.plot(steps, scores, color="0.6", linewidth=5, alpha=0.6, label="score (weighted)", zorder=1)
    for key in score_keys:
        right.plot(steps, [_percent(row.get(key)) for row in rows], marker=marker, markersize=3, label=key, zorder=2)
    known = [(score, step) for score, step in zip(scores, steps) if score is not None]
    if known:
        best_score, best_step = max(known, key=lambda pair: (pair[0], -pair[1]))
        right.axvline(best_step, color="0.3", linestyle=":", linewidth=1, label=f"model-best: step {best_step}", zorder=0)
    right.set(title="dev scores", xlabel="training step", ylabel="dev score (%)")
    for axes in (left, right):
        axes.grid(alpha=0.3)
        if axes.lines:  # beside the panel, so it hides no line
            axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.suptitle(title)
    for path in paths:
        kind = path.suffix.lstrip(".")
        # SVG text stays text (searchable), and no date: the same log draws the same bytes
        with atomic_path(path) as tmp, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lexloom"}):
            fig.savefig(tmp, format=kind, dpi=100, metadata={"Date": None} if kind == "svg" else None)
    plt.close(fig)
    return list(paths)


def _percent(value: Any) -> float | None:
    return None if value is None else 100 * float(value)


def weighted_score_keys(config_path: Path) -> list[str] | None:
    """The dev scores a saved pipeline was selected on (`[training.score_weights]`, weight > 0),
    with the precision and recall of each F-score; None without a config to read."""
    from confection import Config

    if not config_path.is_file():
        return None
    weights = Config().from_disk(config_path, interpolate=False).get("training", {}).get("score_weights") or {}
    keys = [key for key, weight in weights.items() if weight]
    for key in list(keys):
        if key.endswith("_f"):
            keys += [key[:-1] + "p", key[:-1] + "r"]
    return keys or None


def write_training_curves(output_dir: Path) -> list[Path]:
    """scores.csv, curves.png and curves.svg from `output_dir/log.jsonl`; [] when there is no log yet.
    The pictures draw the scores the pipeline was selected on (all dev scores if unknown)."""
    output_dir = Path(output_dir)
    log = output_dir / "log.jsonl"
    if not log.is_file():
        return []
    rows = read_log(log)
    if not rows:
        return []
    score_keys = weighted_score_keys(output_dir / "model-last" / "config.cfg")
    if score_keys is not None:
        score_keys = [key for key in score_keys if any(key in row for row in rows)]
    written = [write_scores_csv(rows, log.with_name("scores.csv"))]
    title = f"{Path(output_dir).name}: {len(rows)} evaluations, {rows[-1]['step']} steps"
    return written + draw_curves(rows, [log.with_name("curves.png"), log.with_name("curves.svg")], title, score_keys)


__all__ = ["draw_curves", "read_log", "weighted_score_keys", "write_scores_csv", "write_training_curves"]

"""Training curves from a real training log: the CSV DVC draws, and the pictures people open."""
import csv
import json
from pathlib import Path

import pytest

from lexloom.errors import DataError
from lexloom.training.curves import read_log, weighted_score_keys, write_training_curves


def _log(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")
    return path


RECORDS = [
    {"epoch": 0, "step": 20, "seconds": 1.0, "words": 500, "score": 0.2, "losses": {"tagger": 40.0, "parser": 80.0},
     "scores": {"tag_acc": 0.3, "dep_las": 0.1, "speed": 900.0, "dep_las_per_type": {"nsubj": {"p": 0.1, "r": 0.1, "f": 0.1}}}},
    {"epoch": 0, "step": 40, "seconds": 2.0, "words": 1000, "score": 0.4, "losses": {"tagger": 20.0, "parser": 40.0},
     "scores": {"tag_acc": 0.5, "dep_las": 0.3, "speed": 950.0}},
    {"epoch": 1, "step": 50, "seconds": 2.5, "words": 1200, "score": 0.45, "losses": {"tagger": 5.0, "parser": 10.0},
     "scores": {"tag_acc": 0.55, "dep_las": 0.35, "speed": 940.0}},
]


def test_losses_are_per_step_and_tables_are_left_out(tmp_path):
    rows = read_log(_log(tmp_path / "log.jsonl", RECORDS))
    assert [r["step"] for r in rows] == [20, 40, 50]
    assert rows[0]["loss_tagger"] == 2.0 and rows[1]["loss_parser"] == 2.0 and rows[2]["loss_tagger"] == 0.5
    assert rows[1]["loss"] == 3.0
    assert "dep_las_per_type" not in rows[0] and rows[0]["speed"] == 900.0


def test_curves_are_written_beside_the_log(tmp_path):
    _log(tmp_path / "log.jsonl", RECORDS)
    (tmp_path / "model-last").mkdir()
    (tmp_path / "model-last" / "config.cfg").write_text("[training]\n\n[training.score_weights]\ntag_acc = 0.5\ndep_las = 0.5\nsents_f = null\n")
    assert weighted_score_keys(tmp_path / "model-last" / "config.cfg") == ["tag_acc", "dep_las"]
    written = write_training_curves(tmp_path)
    assert [p.name for p in written] == ["scores.csv", "curves.png", "curves.svg"]
    with open(tmp_path / "scores.csv", encoding="utf8") as f:
        table = list(csv.DictReader(f))
    assert list(table[0])[:6] == ["step", "epoch", "seconds", "words", "score", "loss"]
    assert [float(r["dep_las"]) for r in table] == [0.1, 0.3, 0.35]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "curves.svg").read_text()
    for text in ("training loss per component", "dev scores", "model-best: step 50", "tag_acc"):
        assert text in svg


def test_no_log_no_curves_and_a_bad_line_is_named(tmp_path):
    assert write_training_curves(tmp_path) == []
    (tmp_path / "log.jsonl").write_text(json.dumps(RECORDS[0]) + "\n" + '{"epoch": 1}\n', encoding="utf8")
    with pytest.raises(DataError, match=r"log\.jsonl:2: expected an object with an integer 'step'"):
        write_training_curves(tmp_path)

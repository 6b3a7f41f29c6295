"""Outputs are all-or-nothing: a failed write leaves the previous file or directory as it was."""
import errno

import pytest

from lexloom.errors import LexloomError
from lexloom.util import atomic_path, atomic_write_text


def test_full_disk_leaves_the_previous_output(tmp_path):
    target = atomic_write_text(tmp_path / "metrics.json", '{"las": 0.8}')
    with pytest.raises(LexloomError, match=r"metrics.json: cannot write .*left as it was"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == '{"las": 0.8}'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(LexloomError, match="not-a-dir/out.lexloom: cannot write here"):
        atomic_write_text(blocker / "out.lexloom", "data")


def test_directory_outputs_are_swapped_whole(tmp_path):
    model = tmp_path / "model-best"
    with atomic_path(model) as tmp:
        tmp.mkdir()
        (tmp / "meta.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(model) as tmp:
            tmp.mkdir()
            (tmp / "meta.json").write_text("new")
            raise RuntimeError("killed halfway")
    assert (model / "meta.json").read_text() == "old"
    with atomic_path(model) as tmp:
        tmp.mkdir()
        (tmp / "meta.json").write_text("new")
    assert (model / "meta.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-best"]

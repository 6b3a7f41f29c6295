"""The Python examples in the docs run as printed: every ```python block of
docs/spacy-users.md and of the README, in order, each in a fresh namespace, in one
process whose working directory is a temporary folder (later blocks may read what
earlier ones saved there)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

RUNNER = """
import sys, warnings
warnings.simplefilter("ignore")
for number, source in enumerate(sys.argv[1:], 1):
    try:
        exec(compile(source, f"<block {number}>", "exec"), {"__name__": "__main__"})
    except Exception:
        print(f"block {number} failed:\\n{source}", file=sys.stderr)
        raise
"""


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf8"))


@pytest.mark.slow
@pytest.mark.parametrize("doc", ["docs/spacy-users.md", "README.md"])
def test_python_examples_run(doc, tmp_path):
    blocks = python_blocks(ROOT / doc)
    assert blocks, f"{doc} has no python examples"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", RUNNER, *blocks], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]

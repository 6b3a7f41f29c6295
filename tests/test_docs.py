"""Documentation that is generated must stay in sync with the code."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current(tmp_path):
    out = tmp_path / "cli.md"
    subprocess.run([sys.executable, "-m", "typer", "lexloom.cli", "utils", "docs", "--name", "lexloom", "--output", str(out)], check=True, capture_output=True)
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), "docs/cli.md is stale: run `make docs`"


def test_readme_opens_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[0] == "# lexloom"
    assert lines[1] == "```bash" and lines[2].startswith("make run") and lines[3].startswith("make test")

"""Write the `# text = ...` lines of a CoNLL-U file as JSONL ({"text": ...} per line) for pretraining.

Usage: python scripts/conllu_raw_text.py assets/downloads/ud/train.conllu corpus/raw/ewt.jsonl
"""
import json
import sys
from pathlib import Path

from lexloom.errors import DataError
from lexloom.files import atomic_path

PREFIX = "# text = "


def main(conllu: Path, output: Path) -> None:
    count = 0
    with atomic_path(output) as tmp, open(conllu, encoding="utf8") as lines, open(tmp, "w", encoding="utf8") as out:
        for line in lines:
            if line.startswith(PREFIX):
                text = line[len(PREFIX):].strip()
                if text:
                    out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
                    count += 1
        if not count:
            raise DataError("no '# text = ' lines: cannot make pretraining text from it", conllu)
    print(f"{count} texts -> {output}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))

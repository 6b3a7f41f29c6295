"""Static word vectors: a frozen table read from a word2vec/fastText text file, looked up per token."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import LexloomError
from ..tokens import Doc, StringStore
from ..tokens.vectors import Vectors, find_row
from .features import doc_orths

KEYS_FILE = "vectors.json"


class StaticVectors(nn.Module):
    """Word vectors as a buffer (saved with the weights, never trained) and the words they belong to.

    A token takes the vector of its exact form, else of its lower-cased form, else zeros
    (row 0): `find_row`, the rule of the vocab's vectors too. Rows are cached per string id,
    like the hashed features.
    """

    def __init__(self, keys: Sequence[str], table: torch.Tensor):
        super().__init__()
        if table.shape[0] != len(keys) + 1:
            raise ValueError(f"{len(keys)} keys need {len(keys) + 1} table rows (row 0 for unknown words), not {table.shape[0]}")
        self.keys = list(keys)
        self.dim = int(table.shape[1])
        self.register_buffer("table", table)
        self._index = {key: row for row, key in enumerate(self.keys, start=1)}
        self._rows: tuple[int, np.ndarray] | None = None  # (id of the StringStore, row of each string id)

    @classmethod
    def empty(cls, keys: Sequence[str], dim: int) -> "StaticVectors":
        """The right shape for weights that are loaded next."""
        return cls(keys, torch.zeros(len(keys) + 1, dim))

    @classmethod
    def from_file(cls, path: str | Path, max_rows: int = 0) -> "StaticVectors":
        """Read a text file of vectors: an optional `N DIM` header, then `word v1 ... vDIM` per
        line (gzip when the name ends in .gz). The first `max_rows` words are kept (0: all);
        such files list the most frequent words first. A later duplicate of a word is ignored."""
        path = Path(path)
        if not path.is_file():
            raise LexloomError(f"{path}: no such vectors file")
        keys: list[str] = []
        rows: list[np.ndarray] = []
        seen: set[str] = set()
        dim = 0
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf8") as fh:
                for n, line in enumerate(fh, start=1):
                    parts = line.rstrip().split(" ")
                    if n == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                        continue  # word2vec header
                    if not parts[0]:
                        if line.strip():
                            raise LexloomError(f"{path}:{n}: a line starts with a space; expected `word v1 ... vN`")
                        continue
                    dim = dim or len(parts) - 1
                    if dim == 0 or len(parts) - 1 != dim:
                        raise LexloomError(f"{path}:{n}: expected a word and {dim or 'some'} numbers, found {len(parts) - 1} numbers")
                    try:
                        values = np.array(parts[1:], dtype=np.float32)
                    except ValueError:
                        raise LexloomError(f"{path}:{n}: not a number among the values of {parts[0]!r}") from None
                    if parts[0] in seen:
                        continue
                    seen.add(parts[0])
                    keys.append(parts[0])
                    rows.append(values)
                    if max_rows and len(keys) >= max_rows:
                        break
        except (UnicodeDecodeError, OSError, EOFError) as e:
            raise LexloomError(f"{path}: cannot read vectors: {e}") from None
        if not keys:
            raise LexloomError(f"{path}: no vectors found")
        table = np.zeros((len(keys) + 1, dim), dtype=np.float32)
        table[1:] = np.stack(rows)
        return cls(keys, torch.from_numpy(table))

    # --- saving (the table itself is in the weights) -----------------------------------
    def save_keys(self, directory: Path) -> None:
        from ..files import atomic_write_text

        atomic_write_text(directory / KEYS_FILE, json.dumps({"dim": self.dim, "keys": self.keys}, ensure_ascii=False))

    @classmethod
    def load_keys(cls, directory: Path) -> "StaticVectors | None":
        path = directory / KEYS_FILE
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf8"))
        return cls.empty(data["keys"], int(data["dim"]))

    def vocab_vectors(self, strings: StringStore) -> Vectors:
        """The table as a vocab's word vectors (`nlp.vocab.vectors`, read by `token.vector` and
        `doc.similarity`): its rows but row 0, the same memory where the table is on the CPU."""
        return Vectors(strings=strings, keys=self.keys, data=self.table.detach().cpu().numpy()[1:])

    # --- lookup -------------------------------------------------------------------------
    def row_table(self, strings: StringStore) -> np.ndarray:
        """The table row of every string of `strings`, by string id (0: no vector)."""
        key = id(strings)
        cached = self._rows[1] if self._rows is not None and self._rows[0] == key else np.zeros(0, np.int64)
        if len(cached) < len(strings):
            index = self._index
            new = [find_row(index, s) or 0 for s in (strings[k] for k in range(len(cached), len(strings)))]
            cached = np.concatenate([cached, np.asarray(new, dtype=np.int64)])
            self._rows = (key, cached)
        return cached

    def rows(self, docs: Sequence[Doc]) -> np.ndarray:
        """The table row of every token of `docs`, in order."""
        if not docs:
            return np.zeros(0, dtype=np.int64)
        return self.row_table(docs[0].vocab.strings)[doc_orths(docs)]

    def lookup(self, rows: np.ndarray) -> torch.Tensor:
        """(len(rows), dim): the vectors of the table rows `rows` (row 0: zeros)."""
        return self.table[torch.from_numpy(rows).to(self.table.device)]

    def forward(self, docs: Sequence[Doc]) -> torch.Tensor:
        """(total tokens, dim) vectors of the docs' tokens."""
        return self.lookup(self.rows(docs))

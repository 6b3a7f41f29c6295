"""Edit trees: form-to-lemma rewrites that generalise across words (Müller et al. 2015).

A tree is built from one (form, lemma) pair by finding their longest common
substring, keeping it as-is and recursing on what lies before and after it.
Two node kinds result:

* match ``(prefix_len, suffix_len, prefix_tree, suffix_tree)``: keep the
  middle of the form, rewrite its first ``prefix_len`` and last
  ``suffix_len`` characters with the subtrees (-1: that side is empty in
  both form and lemma);
* substitution ``(original, replacement)``: the whole (sub)string must equal
  ``original`` and becomes ``replacement``.

Only the lengths around the kept middle and the replaced strings are stored,
so ``walked -> walk`` and ``talked -> talk`` give the same tree
``match(0, 2, -, subst("ed", ""))``, and so do ``running -> run`` and
``gunning -> gun``; it is the unit a trainable lemmatizer classifies into.

Nodes are interned: equal subtrees share one id, and every id (root or
subtree) is itself a tree that can be applied.
"""
from __future__ import annotations

__all__ = ["EditTrees"]

NO_TREE = -1

MatchNode = tuple[int, int, int, int]
SubstNode = tuple[str, str]
Node = MatchNode | SubstNode


def longest_common_substring(a: str, b: str) -> tuple[int, int, int]:
    """(start in a, start in b, length) of the longest common substring; leftmost in ``a`` on ties."""
    best_len = best_a = best_b = 0
    previous = [0] * (len(b) + 1)
    for i, char_a in enumerate(a, start=1):
        current = [0] * (len(b) + 1)
        for j, char_b in enumerate(b, start=1):
            if char_a == char_b:
                run = previous[j - 1] + 1
                current[j] = run
                if run > best_len:
                    best_len, best_a, best_b = run, i - run, j - run
        previous = current
    return best_a, best_b, best_len


class EditTrees:
    """An interning store of edit trees, addressed by integer id."""

    def __init__(self) -> None:
        self._nodes: list[Node] = []
        self._ids: dict[Node, int] = {}

    def __len__(self) -> int:
        """Number of distinct nodes (every node is a tree, so this counts subtrees too)."""
        return len(self._nodes)

    def add(self, form: str, lemma: str) -> int:
        """Build the tree rewriting ``form`` into ``lemma``, intern it and return its id."""
        form_start, lemma_start, length = longest_common_substring(form, lemma)
        if length == 0:
            return self._intern((form, lemma))
        form_end, lemma_end = form_start + length, lemma_start + length
        prefix_tree = self._add_part(form[:form_start], lemma[:lemma_start])
        suffix_tree = self._add_part(form[form_end:], lemma[lemma_end:])
        return self._intern((form_start, len(form) - form_end, prefix_tree, suffix_tree))

    def apply(self, tree_id: int, form: str) -> str | None:
        """The lemma that tree ``tree_id`` makes of ``form``, or None when the tree does not fit it."""
        node = self._nodes[tree_id]
        if isinstance(node[0], str):
            original, replacement = node
            return replacement if form == original else None
        prefix_len, suffix_len, prefix_tree, suffix_tree = node
        if prefix_len + suffix_len >= len(form):
            return None
        prefix = self._apply_part(prefix_tree, form[:prefix_len])
        suffix = self._apply_part(suffix_tree, form[len(form) - suffix_len :])
        if prefix is None or suffix is None:
            return None
        return prefix + form[prefix_len : len(form) - suffix_len] + suffix

    def tree_to_str(self, tree_id: int) -> str:
        """Readable form, e.g. ``match(0, 2, -, subst('ed', ''))``."""
        node = self._nodes[tree_id]
        if isinstance(node[0], str):
            return f"subst({node[0]!r}, {node[1]!r})"
        prefix_len, suffix_len, prefix_tree, suffix_tree = node
        parts = ["-" if tree == NO_TREE else self.tree_to_str(tree) for tree in (prefix_tree, suffix_tree)]
        return f"match({prefix_len}, {suffix_len}, {parts[0]}, {parts[1]})"

    def to_json(self) -> list[list]:
        """All nodes in id order as JSON-able lists: ``[prefix_len, suffix_len, prefix, suffix]`` or ``[original, replacement]``."""
        return [list(node) for node in self._nodes]

    @classmethod
    def from_json(cls, data: list[list]) -> EditTrees:
        """Rebuild a store written by :meth:`to_json`; ids are preserved. Raises ValueError on malformed data."""
        trees = cls()
        for position, item in enumerate(data):
            node = cls._node_from_json(item, position)
            if node in trees._ids:
                raise ValueError(f"edit tree {position} duplicates edit tree {trees._ids[node]}")
            trees._intern(node)
        return trees

    @staticmethod
    def _node_from_json(item: object, position: int) -> Node:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item):
            return (item[0], item[1])
        if (
            isinstance(item, list)
            and len(item) == 4
            and all(isinstance(part, int) and not isinstance(part, bool) for part in item)
            and item[0] >= 0
            and item[1] >= 0
            and all(NO_TREE <= child < position for child in item[2:])
        ):
            return (item[0], item[1], item[2], item[3])
        raise ValueError(
            f"edit tree {position} is {item!r}; expected [original, replacement] or "
            "[prefix_len, suffix_len, prefix_tree, suffix_tree] referring to earlier trees"
        )

    def _add_part(self, form_part: str, lemma_part: str) -> int:
        if not form_part and not lemma_part:
            return NO_TREE
        return self.add(form_part, lemma_part)

    def _apply_part(self, tree_id: int, form_part: str) -> str | None:
        if tree_id == NO_TREE:
            return "" if not form_part else None
        return self.apply(tree_id, form_part)

    def _intern(self, node: Node) -> int:
        tree_id = self._ids.get(node)
        if tree_id is None:
            tree_id = len(self._nodes)
            self._nodes.append(node)
            self._ids[node] = tree_id
        return tree_id

"""Scores with spaCy's key names (0-1 scale), one function per task.

Pure numpy/Python: nothing here imports torch or changes a Doc. Predicted and
reference Docs may be tokenized differently; see `scoring.alignment`.
"""
from .attrs import score_token_attr
from .cats import roc_auc, score_cats
from .deps import score_deps
from .prf import PRF
from .scorer import TASKS, Scorer, score
from .spans import score_sents, score_spans
from .tokenization import score_tokenization

__all__ = [
    "PRF", "Scorer", "TASKS", "roc_auc", "score", "score_cats",
    "score_deps", "score_sents", "score_spans", "score_token_attr", "score_tokenization",
]

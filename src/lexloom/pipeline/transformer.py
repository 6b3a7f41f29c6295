"""A Hugging Face transformer as the token encoder of the `tok2vec` component.

The model is read from a local directory, never from a hub: `local_files_only`, weights
from safetensors only, no remote code. A saved pipeline keeps the transformer's config
and tokenizer files under `<component>/transformer/` and its weights in the
component's safetensors, so it loads without the original directory.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import LexloomError
from .batch import Batch

ASSETS_DIR = "transformer"


def _transformers():
    try:
        import transformers
    except ImportError:
        raise LexloomError("the transformer encoder needs the `transformers` package: pip install 'lexloom[transformers]'") from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


def load_pretrained(path: str | Path) -> tuple[nn.Module, Any]:
    """The model and its fast tokenizer from a local directory (config.json, model.safetensors
    and tokenizer files, as `save_pretrained` writes them)."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise LexloomError(f"{path}: not a Hugging Face model directory (no config.json)")
    tf = _transformers()
    try:
        model = tf.AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True, trust_remote_code=False)
        tokenizer = tf.AutoTokenizer.from_pretrained(path, local_files_only=True, use_fast=True, trust_remote_code=False)
    except (OSError, ValueError) as e:
        raise LexloomError(f"{path}: cannot load the transformer: {e}") from None
    return model, tokenizer


def load_saved(directory: Path) -> tuple[nn.Module, Any]:
    """A model of the saved architecture (weights are loaded next, by the component) and its tokenizer."""
    tf = _transformers()
    assets = directory / ASSETS_DIR
    config = tf.AutoConfig.from_pretrained(assets, local_files_only=True, trust_remote_code=False)
    model = tf.AutoModel.from_config(config)
    tokenizer = tf.AutoTokenizer.from_pretrained(assets, local_files_only=True, use_fast=True, trust_remote_code=False)
    return model, tokenizer


class TransformerLayer(nn.Module):
    """Docs -> (batch, length, width): wordpieces through the transformer, pooled back to tokens.

    Docs longer than `max_length` wordpieces are read in overlapping windows (`stride`
    wordpieces of overlap); a token's vector is the mean of its wordpieces' outputs over
    every window that holds them, projected to `width`. A token the tokenizer makes no
    wordpiece of (rare symbols) gets zeros before the projection.
    """

    def __init__(self, transformer: nn.Module, tokenizer: Any, width: int, max_length: int = 256, stride: int = 64):
        super().__init__()
        if not getattr(tokenizer, "is_fast", False):
            raise LexloomError("the transformer encoder needs a fast tokenizer (tokenizer.json), to map wordpieces to words")
        self.transformer = transformer
        self.tokenizer = tokenizer
        self.width = width
        # Windows must fit the model's position embeddings (and the tokenizer's own limit).
        limits = [max_length, transformer.config.max_position_embeddings, getattr(tokenizer, "model_max_length", max_length)]
        self.max_length = min(n for n in limits if n and n > 0)
        if not 0 <= stride < self.max_length - 2:
            raise LexloomError(f"transformer stride {stride} must be below the window of {self.max_length} wordpieces minus the special tokens")
        self.stride = stride
        self.proj = nn.Linear(transformer.config.hidden_size, width)

    def forward(self, batch: Batch) -> torch.Tensor:
        device = batch.mask.device
        n_docs, length = batch.mask.shape
        words = [[t.text for t in doc] for doc in batch.docs]
        enc = self.tokenizer(
            words, is_split_into_words=True, truncation=True, max_length=self.max_length, stride=self.stride,
            return_overflowing_tokens=True, padding=True, return_tensors="pt",
        )
        docs_of_window = enc["overflow_to_sample_mapping"].tolist()
        targets, sources = [], []
        for w, b in enumerate(docs_of_window):
            for j, word in enumerate(enc.word_ids(w)):
                if word is not None:
                    targets.append(b * length + word)
                    sources.append(w * enc["input_ids"].shape[1] + j)
        inputs = {k: enc[k].to(device) for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
        hidden = self.transformer(**inputs).last_hidden_state
        flat = hidden.reshape(-1, hidden.shape[-1])
        targets_t = torch.tensor(targets, dtype=torch.long, device=device)
        pooled = flat.new_zeros(n_docs * length, flat.shape[-1]).index_add_(0, targets_t, flat[torch.tensor(sources, dtype=torch.long, device=device)])
        counts = flat.new_zeros(n_docs * length).index_add_(0, targets_t, flat.new_ones(len(targets)))
        pooled = pooled / counts.clamp(min=1).unsqueeze(-1)
        out = self.proj(pooled.view(n_docs, length, -1))
        return out * batch.mask.unsqueeze(-1).to(out.dtype)

    def save_assets(self, directory: Path) -> None:
        """The transformer's config and tokenizer files (JSON and text; the weights go in the
        component's safetensors)."""
        assets = directory / ASSETS_DIR
        assets.mkdir(parents=True, exist_ok=True)
        self.transformer.config.save_pretrained(assets)
        self.tokenizer.save_pretrained(assets)

"""`lexloom pretrain`: pretrain a config's tok2vec layer on raw text."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import parse_overrides
from ._app import app
from ._output import console, good

# (log field, column width, number format)
COLUMNS = (("epoch", 5, ","), ("step", 7, ","), ("loss", 9, ".4f"), ("words", 10, ","), ("seconds", 9, ".1f"))


@app.command("pretrain", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def pretrain(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Config file (.cfg) with a \\[pretraining] section", exists=True, dir_okay=False),
    output_dir: Path = typer.Argument(..., help="Directory for model{epoch}.safetensors, model-last.safetensors and log.jsonl"),
    epochs: Optional[int] = typer.Option(None, "--epochs", "-e", help="Number of epochs (default: \\[pretraining] max_epochs)"),
    gpu_id: Optional[int] = typer.Option(None, "--gpu-id", "-g", help="GPU to train on; -1 for CPU (default: the config's system.gpu_id)"),
):
    """Pretrain the tok2vec layer on raw text (predicting each word's leading and trailing characters).

    The raw text is JSONL ({"text": ...} per line), plain text (.txt, one text per line)
    or a .lexloom corpus, given as --paths.raw_text; any config value can be overridden
    as --section.key VALUE. Train from the result with --paths.init_tok2vec OUTPUT_DIR/model-last.safetensors.

    Example: lexloom pretrain configs/ud.cfg training/ud-pretrain --paths.raw_text corpus/raw/ewt.jsonl --epochs 5
    """
    from ..training.pretrain import pretrain as run_pretraining

    console.print("  ".join(name.rjust(width) for name, width, _ in COLUMNS), style="bold", highlight=False)

    def print_row(record: dict) -> None:
        console.print("  ".join(format(record[name], spec).rjust(width) for name, width, spec in COLUMNS), highlight=False)

    run_pretraining(config, output_dir, overrides=parse_overrides(ctx.args), epochs=epochs, gpu_id=gpu_id, on_epoch=print_row)
    good(f"Saved the pretrained tok2vec weights to {output_dir}/model-last.safetensors")

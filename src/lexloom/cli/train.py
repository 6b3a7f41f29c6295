"""`lexloom train`: train a pipeline from a config."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import parse_overrides
from ._app import app, code_option, import_user_code
from ._output import good


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Config file (.cfg)", exists=True, dir_okay=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Directory for model-best/, model-last/ and log.jsonl"),
    gpu_id: Optional[int] = typer.Option(None, "--gpu-id", "-g", help="GPU to train on; -1 for CPU (default: the config's system.gpu_id)"),
    params: Optional[Path] = typer.Option(None, "--params", help="A DVC params.yaml whose sections override the config"),
    params_key: Optional[str] = typer.Option(None, "--params-key", help="Section of --params for this pipeline (e.g. ud)"),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run from OUTPUT/checkpoint/ (same config and data)"),
    nproc: int = typer.Option(1, "--nproc", min=1, help="Train data-parallel in this many processes (gloo on CPU, NCCL on GPU)"),
    code: Optional[Path] = code_option(),
):
    """Train a pipeline from a config; any config value can be overridden as --section.key VALUE.

    Checkpoints go to OUTPUT/checkpoint/ at every evaluation and every
    [training] checkpoint_every steps; after a crash or kill, the same command
    with --resume ends with the same weights as an uninterrupted run.

    Example: lexloom train configs/ud.cfg --output training/ud --paths.train corpus/train.lexloom --paths.dev corpus/dev.lexloom --training.dropout 0.2

    Example: lexloom train configs/ud.cfg --output training/ud --resume

    With --nproc N (or under torchrun) each process trains on its shard of the
    corpus and gradients are averaged; process 0 alone evaluates and saves.

    Example: lexloom train configs/ud.cfg --output training/ud --nproc 2
    """
    overrides = parse_overrides(ctx.args)
    kwargs = dict(overrides=overrides, params_path=params, params_key=params_key, gpu_id=gpu_id, resume=resume)
    if nproc > 1:
        from ..training.distributed import launch

        launch(nproc, train_with_code, code, config, output, **kwargs)
        out = output
    else:
        out = train_with_code(code, config, output, **kwargs)
    if out is not None:
        from ..training.curves import write_training_curves

        good(f"Saved pipelines to {out}/model-best and {out}/model-last")
        if write_training_curves(out):
            good(f"Training curves: {out}/curves.png, {out}/curves.svg (data: {out}/scores.csv)")


def train_with_code(code: Optional[Path], config: Path, output: Optional[Path], **kwargs):
    """Import the user's code, then train (in each process of a data-parallel run)."""
    from ..training.loop import train as run_training

    import_user_code(code)
    return run_training(config, output, **kwargs)

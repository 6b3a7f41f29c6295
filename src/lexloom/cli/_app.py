"""The typer application every command file registers on."""
import typer

app = typer.Typer(
    name="lexloom",
    help="Train, evaluate and package NLP pipelines on PyTorch.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
init_app = typer.Typer(help="Create configs, e.g. lexloom init config configs/x.cfg --pipeline tagger,parser", no_args_is_help=True)
app.add_typer(init_app, name="init")
project_app = typer.Typer(help="Project workflow helpers, e.g. lexloom project dvc --check", no_args_is_help=True)
app.add_typer(project_app, name="project")

"""The project layer: project.yml schema, dvc.yaml generation and asset fetching.

It describes and prepares the workflow; Snakemake and DVC run it.
"""
from .schema import FETCH_STAGE, GENERATED_DIRS, Asset, Plot, Project, Source, Stage, load_project

__all__ = ["FETCH_STAGE", "GENERATED_DIRS", "Asset", "Plot", "Project", "Source", "Stage", "load_project"]

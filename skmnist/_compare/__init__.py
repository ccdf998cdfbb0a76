"""Side-by-side comparison of digit classifiers: what ``skmnist compare`` runs.

The pieces, each usable on its own:

- :data:`MODELS`, the registry of the models the command can run, how they
  pair up like for like, and the race (``_contenders``);
- :func:`load_dataset`, which turns a ``--dataset`` argument into arrays
  (``_datasets``);
- :func:`choose_evaluation`, the held-out protocol: official test split,
  stratified K-fold cross-validation or a stratified hold-out
  (``_evaluation``);
- :func:`plan_line`, the one-line plan with a rough time (``_plan``);
- :func:`run_comparison`, which fits and scores every model, reporting
  progress as it goes and treating Ctrl-C as a failure even when a model
  catches it (``_run``, ``_progress``, ``_interrupts``, ``_provenance``);
- :func:`format_table`, :func:`write_csv`, :func:`write_json` and
  :func:`write_figures`, the outputs (``_report``).

Names load on first use, so that importing this package (the command does
at start-up) costs nothing until a comparison runs.
"""

import importlib

_WHERE = {
    "MODELS": "_contenders",
    "DEFAULT_MODELS": "_contenders",
    "ModelSpec": "_contenders",
    "parse_model_list": "_contenders",
    "Dataset": "_datasets",
    "load_dataset": "_datasets",
    "Evaluation": "_evaluation",
    "choose_evaluation": "_evaluation",
    "plan_line": "_plan",
    "Progress": "_progress",
    "Comparison": "_run",
    "ModelResult": "_run",
    "RaceResult": "_run",
    "fit_and_score": "_run",
    "race": "_run",
    "run_comparison": "_run",
    "format_table": "_report",
    "write_csv": "_report",
    "write_figures": "_report",
    "write_json": "_report",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))

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
- the outputs: :func:`format_table` (``_table``), :func:`write_csv` and
  :func:`write_json` (``_records``), :func:`write_figures` (``_figures``),
  :func:`write_report`, the self-contained ``report.html`` (``_html``), and
  the ``--out`` directory holding them (``_out``);
- a memory estimate that refuses runs that could not fit (``_memory``).

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
    "Comparison": "_results",
    "ModelResult": "_results",
    "RaceResult": "_results",
    "fit_and_score": "_run",
    "race": "_run",
    "run_comparison": "_run",
    "format_table": "_table",
    "write_csv": "_records",
    "write_figures": "_figures",
    "write_json": "_records",
    "write_report": "_html",
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

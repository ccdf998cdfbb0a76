"""Side-by-side comparison of digit classifiers: what ``skmnist compare`` runs.

The pieces, each usable on its own:

- :data:`MODELS`, the registry of the models the command can run
  (``_models``);
- :func:`load_dataset`, which turns a ``--dataset`` argument into arrays
  (``_datasets``);
- :func:`choose_evaluation`, the held-out protocol: official test split,
  stratified K-fold cross-validation or a stratified hold-out
  (``_evaluation``);
- :func:`run_comparison`, which fits and scores every model, reporting
  progress as it goes (``_run``, ``_progress``);
- :func:`format_table`, :func:`write_csv`, :func:`write_json` and
  :func:`write_figures`, the outputs (``_report``).
"""

from ._datasets import Dataset, load_dataset
from ._evaluation import Evaluation, choose_evaluation
from ._models import MODELS, REFERENCE_MODEL, ModelSpec, parse_model_list
from ._progress import Progress
from ._report import format_table, write_csv, write_figures, write_json
from ._run import Comparison, ModelResult, fit_and_score, run_comparison

__all__ = [
    "MODELS",
    "REFERENCE_MODEL",
    "Comparison",
    "Dataset",
    "Evaluation",
    "ModelResult",
    "ModelSpec",
    "Progress",
    "choose_evaluation",
    "fit_and_score",
    "format_table",
    "load_dataset",
    "parse_model_list",
    "run_comparison",
    "write_csv",
    "write_figures",
    "write_json",
]

"""Fitting and scoring every model on every split."""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from .._compiled import kernel_backend
from ._datasets import Dataset
from ._evaluation import Evaluation
from ._models import MODELS, REFERENCE_MODEL, ModelSpec
from ._progress import Progress


@dataclass
class ModelResult:
    """Scores, timings and the first split's fitted model, for one model."""

    spec: ModelSpec
    test_scores: list = field(default_factory=list)
    train_scores: list = field(default_factory=list)
    fit_times: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    converged: bool = True
    estimator: object = None
    heldout_pred: np.ndarray = None
    speed_ratio: float = None

    @property
    def test_accuracy(self):
        return float(np.mean(self.test_scores))

    @property
    def test_accuracy_std(self):
        return float(np.std(self.test_scores)) if len(self.test_scores) > 1 else None

    @property
    def train_accuracy(self):
        return float(np.mean(self.train_scores))

    @property
    def fit_time(self):
        return float(np.mean(self.fit_times))

    @property
    def mean_epochs(self):
        return float(np.mean(self.epochs)) if self.epochs else None

    @property
    def time_per_epoch(self):
        if not self.epochs:
            return None
        return float(np.sum(self.fit_times) / np.sum(self.epochs))

    def as_row(self):
        """The table row as plain Python values (None where not applicable)."""
        return {
            "model": self.spec.label,
            "key": self.spec.key,
            "heldout_accuracy": round(self.test_accuracy, 6),
            "heldout_accuracy_std": _maybe_round(self.test_accuracy_std, 6),
            "train_accuracy": round(self.train_accuracy, 6),
            "fit_time_s": round(self.fit_time, 4),
            "epochs": _maybe_round(self.mean_epochs, 2),
            "time_per_epoch_s": _maybe_round(self.time_per_epoch, 6),
            "speed_ratio": _maybe_round(self.speed_ratio, 4),
            "converged": self.converged,
        }


def _maybe_round(value, digits):
    return None if value is None else round(value, digits)


@dataclass
class Comparison:
    """Everything :func:`run_comparison` found, ready to print and save."""

    dataset: Dataset
    evaluation: Evaluation
    results: list
    #: What skmnist's training step ran on: "numba <version>" or "numpy".
    kernels: str = "numpy"

    def rows(self):
        return [result.as_row() for result in self.results]


def _epoch_count(estimator):
    """Epochs for minibatch models; None for LogisticRegression, whose
    ``n_iter_`` counts lbfgs iterations (not passes comparable to an epoch)."""
    from sklearn.linear_model import LogisticRegression

    if isinstance(estimator, LogisticRegression):
        return None
    n_iter = getattr(estimator, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def fit_and_score(
    spec, evaluation, *, max_iter=None, n_hidden=None, random_state=0, progress=None
):
    """Fit ``spec``'s model on every split and score it.

    The held-out rows are passed to skmnist's estimators as ``X_val`` so that
    they record a held-out learning curve; that adds one prediction pass per
    epoch to their fit time (a few percent), a handicap rather than a help.

    Returns
    -------
    ModelResult
    """
    progress = progress or Progress(quiet=True)
    template = spec.build(max_iter, n_hidden, random_state)
    if spec.reports_epochs and not progress.quiet:
        template.set_params(verbose=True)
    _warm_up(template, evaluation)
    result = ModelResult(spec)
    # -1 marks rows not (yet) predicted; every split fills its own.
    result.heldout_pred = np.full_like(evaluation.heldout_y, -1)
    for index, (X_train, y_train, test_index) in enumerate(evaluation.splits):
        where = (
            f" fold {index + 1}/{evaluation.n_splits}"
            if evaluation.n_splits > 1
            else ""
        )
        progress.message(f"[{spec.label}{where}] training on {y_train.shape[0]} images")
        X_test = evaluation.heldout_X[test_index]
        y_test = evaluation.heldout_y[test_index]
        estimator = clone(template)
        fit_params = {}
        if spec.records_validation:
            fit_params = {"X_val": X_test, "y_val": y_test}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            with progress.epochs(f"  {spec.label}{where}: "):
                start = time.perf_counter()
                estimator.fit(X_train, y_train, **fit_params)
                elapsed = time.perf_counter() - start
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            result.converged = False
        predicted = estimator.predict(X_test)
        result.heldout_pred[test_index] = predicted
        result.test_scores.append(float(np.mean(predicted == y_test)))
        result.train_scores.append(float(estimator.score(X_train, y_train)))
        result.fit_times.append(elapsed)
        epochs = _epoch_count(estimator)
        if epochs is not None:
            result.epochs.append(epochs)
        if index == 0:
            result.estimator = estimator
        progress.message(
            f"[{spec.label}{where}] held-out accuracy {result.test_scores[-1]:.4f}, "
            f"fit {elapsed:.2f} s"
        )
    return result


def _warm_up(template, evaluation):
    """Fit a throwaway copy for one epoch on a few rows, untimed.

    The first fit in a process pays one-off costs (lazy imports, BLAS thread
    start-up, first-touch memory) that would otherwise be charged to
    whichever model happens to run first.
    """
    X_train, y_train, _ = evaluation.splits[0]
    n_rows = min(200, y_train.shape[0])
    estimator = clone(template).set_params(max_iter=1)
    if "verbose" in estimator.get_params():
        estimator.set_params(verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            estimator.fit(X_train[:n_rows], y_train[:n_rows])
        except ValueError:
            pass  # e.g. a class missing from the first rows; the real fit will tell


def run_comparison(
    dataset,
    evaluation,
    model_keys,
    *,
    max_iter=None,
    n_hidden=None,
    random_state=0,
    progress=None,
):
    """Fit and score each model of ``model_keys`` under ``evaluation``.

    Returns
    -------
    Comparison
    """
    results = [
        fit_and_score(
            MODELS[key],
            evaluation,
            max_iter=max_iter,
            n_hidden=n_hidden,
            random_state=random_state,
            progress=progress,
        )
        for key in model_keys
    ]
    reference = next((r for r in results if r.spec.key == REFERENCE_MODEL), None)
    if reference is not None:
        for result in results:
            result.speed_ratio = reference.fit_time / max(result.fit_time, 1e-12)
    return Comparison(dataset, evaluation, results, kernel_backend())

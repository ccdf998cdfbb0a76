"""Fitting and scoring every model on every split, pairs and races included."""

import datetime
import time

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from .._compiled import kernel_backend
from ._contenders import MODELS, held_equal, like_for_like_mismatches
from ._interrupts import interrupts_are_failures, is_interrupt_warning
from ._progress import Progress
from ._provenance import environment, running_blas_threads
from ._results import Comparison, ModelResult, Pair, RaceResult

__all__ = [
    "Comparison",
    "ModelResult",
    "RaceResult",
    "fit_and_score",
    "race",
    "run_comparison",
]

SKLEARN_KERNELS = "scikit-learn (NumPy and BLAS)"


# ----------------------------------------------------------------------
# Fitting


def _json_params(estimator):
    """``get_params()`` as JSON-safe values (tuples as lists, numbers as such)."""
    return {name: _json_value(value) for name, value in estimator.get_params().items()}


def _json_value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return repr(value)


def _kernels_of(spec):
    return f"skmnist: {kernel_backend()}" if spec.is_ours else SKLEARN_KERNELS


def _fit_guarded(fit, progress):
    """Run ``fit()``; return (seconds, whether it warned of non-convergence).

    Ctrl-C inside, even one the model caught, raises KeyboardInterrupt;
    other warnings are shown in one line each, without file paths (each
    message once per run).
    """
    with interrupts_are_failures() as caught:
        start = time.perf_counter()
        fit()
        elapsed = time.perf_counter() - start
    stopped = False
    for record in caught:
        if issubclass(record.category, ConvergenceWarning):
            stopped = True
        elif not is_interrupt_warning(record):
            progress.warning(f"{record.category.__name__}: {record.message}")
    return elapsed, stopped


def _warm_up(template, evaluation):
    """Fit a throwaway copy for one epoch on a few rows, untimed.

    The first fit in a process pays one-off costs (lazy imports, BLAS thread
    start-up, first-touch memory, loading compiled kernels) that would
    otherwise be charged to whichever model happens to run first.
    """
    X_train, y_train, _ = evaluation.splits[0]
    n_rows = min(200, y_train.shape[0])
    estimator = clone(template).set_params(max_iter=1)
    if "verbose" in estimator.get_params():
        estimator.set_params(verbose=False)
    with interrupts_are_failures():
        try:
            estimator.fit(X_train[:n_rows], y_train[:n_rows])
        except ValueError:
            pass  # e.g. a class missing from the first rows; the real fit will tell


def _where(index, evaluation):
    if evaluation.n_splits == 1:
        return ""
    return f"fold {index + 1}/{evaluation.n_splits}"


def _build(spec, evaluation, max_iter, n_hidden, random_state):
    n_train = evaluation.splits[0][1].shape[0]
    return spec.build(
        max_iter=max_iter, n_hidden=n_hidden, random_state=random_state, n_train=n_train
    )


def fit_and_score(
    spec, evaluation, *, max_iter=None, n_hidden=None, random_state=0, progress=None
):
    """Fit ``spec``'s model on every split and score it on the held-out rows.

    Only ``fit`` is timed: no held-out scoring happens inside it.

    Returns
    -------
    ModelResult
    """
    progress = progress or Progress(quiet=True)
    template = _build(spec, evaluation, max_iter, n_hidden, random_state)
    if spec.counts_epochs and "verbose" in template.get_params():
        template.set_params(verbose=progress.live)
    result = ModelResult(spec, params=_json_params(template), kernels=_kernels_of(spec))
    progress.start_model(spec.label)
    _warm_up(template, evaluation)
    # -1 marks rows not (yet) predicted; every split fills its own.
    result.heldout_pred = np.full_like(evaluation.heldout_y, -1)
    for index, (X_train, y_train, test_index) in enumerate(evaluation.splits):
        where = _where(index, evaluation)
        if where:
            progress.step(where)
        estimator = clone(template)
        with progress.epochs(f"{where}: " if where else ""):
            elapsed, stopped = _fit_guarded(
                # Called at once, in this loop turn.
                lambda: estimator.fit(X_train, y_train),  # noqa: B023
                progress,
            )
        result.fit_times.append(elapsed)
        result.stopped_at_max_iter.append(stopped)
        _score_split(result, estimator, X_train, y_train, evaluation, test_index)
        if index == 0:
            result.estimator = estimator
    progress.finish_model(_summary(result))
    return result


def _score_split(result, estimator, X_train, y_train, evaluation, test_index):
    """Record a fitted split's held-out and training accuracy and epochs."""
    X_test = evaluation.heldout_X[test_index]
    y_test = evaluation.heldout_y[test_index]
    predicted = estimator.predict(X_test)
    result.heldout_pred[test_index] = predicted
    result.test_scores.append(float(np.mean(predicted == y_test)))
    result.train_scores.append(float(estimator.score(X_train, y_train)))
    n_iter = getattr(estimator, "n_iter_", None)
    if n_iter is not None:
        result.iterations.append(int(np.max(n_iter)))


def _count(value):
    """A mean over folds: "86" or "86.3"."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _summary(result):
    accuracy = f"held-out accuracy {result.test_accuracy:.4f}"
    if result.test_accuracy_std is not None:
        accuracy += f" ± {result.test_accuracy_std:.4f}"
    text = f"{accuracy}, fit {result.fit_time:.2f} s"
    if result.mean_iterations is not None:
        unit = "epochs" if result.spec.counts_epochs else "iterations"
        text += f", {_count(result.mean_iterations)} {unit}"
    if not result.converged:
        text += " (stopped at max_iter)"
    return text


def race(spec, target, evaluation, *, max_iter=None, random_state=0, progress=None):
    """Train ``spec``'s model epoch by epoch until it reaches ``target``'s accuracy.

    Each epoch is one timed ``partial_fit`` call over the training split
    (its per-call checks included); the held-out accuracy is computed after
    each epoch, outside the timed region. Training stops at the first epoch
    whose held-out accuracy is at least what ``target`` ended with on that
    split, or after ``max_iter`` epochs.

    Returns
    -------
    RaceResult
    """
    progress = progress or Progress(quiet=True)
    template = _build(spec, evaluation, max_iter, None, random_state)
    result = RaceResult(
        spec, target, params=_json_params(template), kernels=_kernels_of(spec)
    )
    progress.start_model(spec.label)
    _warm_up(template, evaluation)
    for index, (X_train, y_train, test_index) in enumerate(evaluation.splits):
        where = _where(index, evaluation)
        if where:
            progress.step(where)
        goal = target.test_scores[index]
        estimator = clone(template)
        times, scores = _race_split(
            estimator,
            (X_train, y_train),
            (evaluation.heldout_X[test_index], evaluation.heldout_y[test_index]),
            goal,
            progress,
            f"{where}: " if where else "",
        )
        result.target_scores.append(goal)
        result.times.append(times[-1])
        result.epochs.append(len(scores))
        result.reached.append(scores[-1] >= goal)
        if index == 0:
            result.curve_times, result.curve_scores = times, scores
            result.estimator = estimator
    progress.finish_model(_race_summary(result))
    return result


def _race_split(estimator, train, heldout, goal, progress, where):
    """Epochs of ``partial_fit`` until the held-out accuracy reaches ``goal``
    (or ``max_iter`` epochs); return the cumulative training seconds and the
    held-out accuracy after each epoch."""
    X_train, y_train = train
    X_test, y_test = heldout
    classes = np.unique(y_train)
    elapsed, times, scores = 0.0, [], []
    for epoch in range(1, estimator.get_params()["max_iter"] + 1):
        seconds, _ = _fit_guarded(
            lambda: estimator.partial_fit(X_train, y_train, classes=classes), progress
        )
        elapsed += seconds
        times.append(elapsed)
        # Scored outside the timing: the race measures training time only.
        scores.append(float(np.mean(estimator.predict(X_test) == y_test)))
        progress.status(
            f"{where}epoch {epoch}, held-out accuracy {scores[-1]:.4f} "
            f"(goal {goal:.4f})"
        )
        if scores[-1] >= goal:
            break
    return times, scores


def _race_summary(result):
    target = result.target.spec.label
    if not result.all_reached:
        return (
            f"did not reach {target}'s held-out accuracy within "
            f"{max(result.epochs)} epochs"
        )
    return (
        f"reached {target}'s held-out accuracy in {result.time:.2f} s "
        f"({_count(result.mean_epochs)} epochs)"
    )


def _pairs(results, evaluation, max_iter, n_hidden, random_state):
    """The like-for-like pairs among ``results``, with what they hold equal."""
    by_key = {r.spec.key: r for r in results}
    pairs = []
    for ours in results:
        peer = by_key.get(ours.spec.peer)
        if peer is None:
            continue
        ours_model = _build(ours.spec, evaluation, max_iter, n_hidden, random_state)
        peer_model = _build(peer.spec, evaluation, max_iter, n_hidden, random_state)
        n_train = evaluation.splits[0][1].shape[0]
        hidden = getattr(ours_model, "n_hidden", 0)
        if ours.time_per_epoch and peer.time_per_epoch:
            ours.speed_vs_peer = peer.time_per_epoch / ours.time_per_epoch
        pairs.append(
            Pair(
                ours,
                peer,
                ours.spec.pair_title.format(n_hidden=hidden),
                held_equal(ours_model, peer_model, n_train),
                like_for_like_mismatches(ours_model, peer_model, n_train),
            )
        )
    return pairs


def run_comparison(
    dataset,
    evaluation,
    model_keys,
    *,
    max_iter=None,
    n_hidden=None,
    random_state=0,
    threads=None,
    progress=None,
):
    """Fit and score each model of ``model_keys`` under ``evaluation``.

    Races (``mlp-fast``) run after the model whose accuracy they chase.
    ``threads`` caps the BLAS and OpenMP threads of every model alike
    (None leaves the libraries' defaults).

    Returns
    -------
    Comparison
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        comparison = _run_models(
            dataset, evaluation, model_keys, max_iter, n_hidden, random_state, progress
        )
        # What BLAS runs, not what was asked: OpenBLAS caps the count it
        # was built for (--threads 10000 runs 64).
        comparison.threads = running_blas_threads()
    comparison.threads_requested = threads
    return comparison


def _run_models(
    dataset, evaluation, model_keys, max_iter, n_hidden, random_state, progress
):
    started_at = datetime.datetime.now(datetime.timezone.utc)
    machine = environment()
    options = {"max_iter": max_iter, "random_state": random_state}
    results, races = [], []
    for key in model_keys:
        spec = MODELS[key]
        if spec.race_target is not None:
            continue
        results.append(
            fit_and_score(
                spec, evaluation, n_hidden=n_hidden, progress=progress, **options
            )
        )
    by_key = {r.spec.key: r for r in results}
    for key in model_keys:
        spec = MODELS[key]
        if spec.race_target is not None:
            target = by_key[spec.race_target]
            races.append(race(spec, target, evaluation, progress=progress, **options))
    return Comparison(
        dataset,
        evaluation,
        results,
        races=races,
        pairs=_pairs(results, evaluation, max_iter, n_hidden, random_state),
        kernels=kernel_backend(),
        random_state=random_state,
        started_at=started_at.isoformat(timespec="seconds"),
        environment=machine,
    )

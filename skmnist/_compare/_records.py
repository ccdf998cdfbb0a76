"""The comparison as data: ``results.csv`` and ``results.json``.

The columns of a result row are declared once, in :data:`COLUMNS`; the CSV
header, the CSV rows and the JSON ``results`` list are all built from it.
"""

import csv
import json
import math

import numpy as np

from .._files import atomic_write

#: The columns of a result row (CSV and JSON ``results``): name, meaning.
COLUMNS = (
    ("model", "the model's label in the table"),
    ("key", "its name for --models"),
    ("library", "skmnist or scikit-learn"),
    ("role", "ours, peer, unpaired or race"),
    ("pair", "the pair it belongs to (or what the race chases)"),
    ("heldout_accuracy", "held-out accuracy (mean over folds)"),
    ("heldout_accuracy_std", "its standard deviation over folds"),
    ("train_accuracy", "accuracy on the training rows"),
    ("fit_time_s", "seconds of one call to fit"),
    ("epochs", "epochs run (mean over folds)"),
    ("lbfgs_iterations", "lbfgs iterations, for LogisticRegression"),
    ("time_per_epoch_s", "fit time / epochs"),
    ("epoch_speed_vs_peer", "the peer's time per epoch / this model's"),
    ("stopped_at_max_iter", "whether it stopped at max_iter unconverged"),
    ("time_to_target_s", "race: seconds until it reached the target"),
    ("target_accuracy", "race: the accuracy to reach"),
    ("reached_target", "race: whether it got there"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def _row(**values):
    """A result row: every column, None where ``values`` says nothing."""
    unknown = set(values) - set(COLUMN_NAMES)
    if unknown:  # a new field must be declared in COLUMNS first
        raise KeyError(f"not columns of a result row: {sorted(unknown)}")
    row = dict.fromkeys(COLUMN_NAMES)
    row.update(values)
    return row


def _rounded(value, digits=6):
    return None if value is None else round(float(value), digits)


def _role(comparison, result):
    for pair in comparison.pairs:
        if result is pair.ours:
            return "ours", pair.title
        if result is pair.peer:
            return "peer", pair.title
    return "unpaired", None


def _model_row(comparison, result):
    role, pair = _role(comparison, result)
    return _row(
        model=result.spec.label,
        key=result.spec.key,
        library=result.spec.library,
        role=role,
        pair=pair,
        heldout_accuracy=_rounded(result.test_accuracy),
        heldout_accuracy_std=_rounded(result.test_accuracy_std),
        train_accuracy=_rounded(result.train_accuracy),
        fit_time_s=_rounded(result.fit_time, 4),
        epochs=_rounded(result.mean_epochs, 2),
        lbfgs_iterations=(
            None if result.spec.counts_epochs else _rounded(result.mean_iterations, 2)
        ),
        time_per_epoch_s=_rounded(result.time_per_epoch),
        epoch_speed_vs_peer=_rounded(result.speed_vs_peer, 4),
        stopped_at_max_iter=not result.converged,
    )


def _race_row(race):
    final = race.curve_scores[-1] if race.curve_scores else None
    return _row(
        model=race.spec.label,
        key=race.spec.key,
        library=race.spec.library,
        role="race",
        pair=f"time to reach {race.target.spec.label}'s accuracy",
        heldout_accuracy=_rounded(final),
        epochs=_rounded(race.mean_epochs, 2),
        stopped_at_max_iter=False,
        time_to_target_s=_rounded(race.time, 4) if race.all_reached else None,
        target_accuracy=_rounded(np.mean(race.target_scores)),
        reached_target=race.all_reached,
    )


def rows(comparison):
    """One dict per model (races last), the columns of the CSV."""
    table = [_model_row(comparison, r) for r in comparison.results]
    return table + [_race_row(race) for race in comparison.races]


def write_csv(comparison, path):
    """Write the table (one row per model, raw numbers) as CSV."""
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMN_NAMES)
        writer.writeheader()
        for row in rows(comparison):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def _model_document(comparison, result):
    role, pair = _role(comparison, result)
    estimator = type(result.estimator)
    return {
        "key": result.spec.key,
        "label": result.spec.label,
        "estimator": f"{estimator.__module__}.{estimator.__qualname__}",
        "role": role,
        "pair": pair,
        "params": result.params,
        "kernels": result.kernels,
        "converged": result.converged,
        "per_split": {
            "heldout_accuracy": result.test_scores,
            "train_accuracy": result.train_scores,
            "fit_time_s": result.fit_times,
            "iterations": result.iterations,
            "stopped_at_max_iter": result.stopped_at_max_iter,
        },
        "loss_curve_split_1": _finite(getattr(result.estimator, "loss_curve_", None)),
    }


def _race_document(race):
    return {
        "key": race.spec.key,
        "label": race.spec.label,
        "target": race.target.spec.key,
        "params": race.params,
        "kernels": race.kernels,
        "protocol": (
            "one timed partial_fit call per epoch; held-out accuracy measured "
            "after each epoch outside the timing; stop at the first epoch whose "
            "accuracy is at least the target's final held-out accuracy on that "
            "split, or at max_iter"
        ),
        "per_split": {
            "target_accuracy": race.target_scores,
            "target_fit_time_s": race.target.fit_times,
            "time_s": race.times,
            "epochs": race.epochs,
            "reached": race.reached,
        },
        "speedup": race.speedup,
        "curve_split_1": {
            "time_s": race.curve_times,
            "heldout_accuracy": race.curve_scores,
        },
    }


def _finite(values):
    if not values:
        return None
    return [float(v) if math.isfinite(v) else None for v in values]


def document(comparison, command=None):
    """The run as a JSON-ready dict: results and everything to reproduce it."""
    dataset = comparison.dataset
    evaluation = comparison.evaluation
    return {
        "tool": "skmnist compare",
        "complete": True,
        "command": command,
        "started_at": comparison.started_at,
        "random_state": comparison.random_state,
        "threads": comparison.threads,
        "threads_requested": comparison.threads_requested,
        "dataset": {
            "name": dataset.name,
            "description": dataset.description,
            "image_shape": list(dataset.image_shape),
            # Without an official split, all the images the folds or the
            # hold-out are drawn from; with one, its training part.
            "n_images": int(dataset.y.shape[0]),
            "n_test": None if dataset.y_test is None else int(dataset.y_test.shape[0]),
        },
        "evaluation": {
            "description": evaluation.description,
            "n_splits": evaluation.n_splits,
            "n_train_split_1": int(evaluation.splits[0][1].shape[0]),
            "n_heldout": int(evaluation.heldout_y.shape[0]),
        },
        "skmnist_kernels": comparison.kernels,
        "environment": comparison.environment,
        "results": rows(comparison),
        "models": [_model_document(comparison, r) for r in comparison.results],
        "pairs": [
            {
                "title": pair.title,
                "ours": pair.ours.spec.key,
                "peer": pair.peer.spec.key,
                "held_equal": pair.held_equal,
                "mismatches": pair.mismatches,
                "epoch_speed_vs_peer": pair.ours.speed_vs_peer,
            }
            for pair in comparison.pairs
        ],
        "races": [_race_document(race) for race in comparison.races],
    }


def write_json(comparison, path, command=None):
    """Write the table, the run's settings and its environment as JSON."""
    content = document(comparison, command)
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        json.dump(content, f, indent=2, allow_nan=False, default=_jsonable)
        f.write("\n")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")

"""The comparison's outputs: the text table, CSV, JSON and figures."""

import csv
import json
import math
import os

import numpy as np

from .._files import atomic_write
from ._models import MODELS, REFERENCE_MODEL

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
    from .. import plotting

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
        title = result.spec.label
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

"""The comparison's outputs: the text table, CSV, JSON and figures."""

import csv
import json
import math
import os
import textwrap
import types

import numpy as np

from .._files import atomic_write

_COLUMNS = (
    ("model", "<"),
    ("held-out acc", ">"),
    ("train acc", ">"),
    ("fit time", ">"),
    ("epochs", ">"),
    ("time/epoch", ">"),
    ("speed", ">"),
)
_INDENT = "  "
_WIDTH = 88


def _format_seconds(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _format_count(value):
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _iterations_cell(result):
    if result.mean_iterations is None:
        return "-"
    cell = _format_count(result.mean_iterations)
    if not result.spec.counts_epochs:
        cell += " it"
    if not result.converged:
        cell += "*"
    return cell


def _accuracy_cell(result):
    accuracy = f"{result.test_accuracy:.4f}"
    if result.test_accuracy_std is not None:
        accuracy += f"±{result.test_accuracy_std:.4f}"
    return accuracy


def _cells(result, speed):
    return (
        _INDENT + result.spec.label,
        _accuracy_cell(result),
        f"{result.train_accuracy:.4f}",
        _format_seconds(result.fit_time),
        _iterations_cell(result),
        _format_seconds(result.time_per_epoch),
        speed,
    )


def _speed_cell(pair):
    if pair.mismatches or pair.ours.speed_vs_peer is None:
        return "-"
    return f"{pair.ours.speed_vs_peer:.2f}x"


class _Table:
    """Rows of cells and full-width lines, aligned when rendered."""

    def __init__(self):
        self.entries = []

    def row(self, cells):
        self.entries.append(("row", cells))

    def text(self, line):
        self.entries.append(("text", line))

    def render(self):
        rows = [tuple(name for name, _ in _COLUMNS)]
        rows += [cells for kind, cells in self.entries if kind == "row"]
        widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]

        def line(cells):
            return "  ".join(
                f"{cell:{align}{w}}"
                for cell, (_, align), w in zip(cells, _COLUMNS, widths)
            ).rstrip()

        lines = [line(rows[0]), "  ".join("-" * w for w in widths)]
        for kind, content in self.entries:
            lines.append(line(content) if kind == "row" else content)
        return lines


def _wrapped(text, indent):
    return textwrap.wrap(
        text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
    )


def _pair_rows(table, pair):
    table.text(f"{pair.title}, like for like:")
    table.row(_cells(pair.ours, _speed_cell(pair)))
    table.row(_cells(pair.peer, "(peer)"))
    for line in _wrapped(f"held equal: {pair.held_equal}", _INDENT):
        table.text(line)
    if pair.mismatches:
        for line in _wrapped(
            "NOT like for like, no speed shown: " + "; ".join(pair.mismatches),
            _INDENT,
        ):
            table.text(line)


def _settings_note(result):
    """ "its defaults", or the parameters set otherwise (the seed aside)."""
    defaults = type(result.estimator)().get_params()
    changed = [
        f"{name}={value!r}"
        for name, value in sorted(result.estimator.get_params().items())
        if name not in ("random_state", "verbose") and defaults.get(name) != value
    ]
    return ", ".join(changed) if changed else "its defaults"


def _race_lines(race):
    target = race.target
    goal = np.mean(race.target_scores)
    average = " on average" if len(race.target_scores) > 1 else ""
    params = ", ".join(
        f"{name}={race.params[name]!r}" for name in ("n_hidden", "learning_rate_init")
    )
    model = f"{type(race.estimator).__name__}({params})"
    if race.all_reached:
        outcome = (
            f"{_format_seconds(race.time)} ({_format_count(race.mean_epochs)} "
            f"epochs), {race.speedup:.1f}x sooner"
        )
    else:
        missed = race.reached.count(False)
        folds = len(race.reached)
        where = f" in {missed} of {folds} folds" if folds > 1 else ""
        outcome = f"not reached within {max(race.epochs)} epochs{where}"
    return [
        f"time to reach {target.spec.label}'s held-out accuracy ({goal:.4f}{average}):",
        *_wrapped(
            f"{target.spec.label} ({_settings_note(target)}): "
            f"{_format_seconds(target.fit_time)}, its whole fit "
            f"({_format_count(target.mean_iterations)} epochs)",
            _INDENT,
        ),
        *_wrapped(f"{model}: {outcome}", _INDENT),
    ]


def _notes(comparison):
    results = comparison.results
    notes = []
    if comparison.pairs:
        notes.append(
            "speed: the peer's time per epoch / this model's (higher is "
            "faster), compared only within a pair; each library keeps its own "
            "weight initialisation and random streams"
        )
    n_splits = comparison.evaluation.n_splits
    notes.append(
        "fit time: one call to fit, timed alone (held-out scoring outside it)"
        + (f"; mean over the {n_splits} folds" if n_splits > 1 else "")
    )
    if any(not r.converged for r in results):
        notes.append("* stopped at max_iter before converging (ConvergenceWarning)")
    if any(not r.spec.counts_epochs and r.iterations for r in results):
        notes.append("it: lbfgs iterations, not epochs")
    if comparison.races:
        notes.append(
            "time to reach: each epoch is a timed partial_fit call; the held-out "
            "accuracy is measured between epochs, outside the timing; the target "
            "is the accuracy the other model ended with"
        )
    threads = comparison.threads
    if threads is not None:
        notes.append(
            f"{threads} BLAS thread{'s' if threads != 1 else ''} for every model "
            "(--threads)"
        )
    kernels = f"skmnist's training step ran on {comparison.kernels}"
    if comparison.kernels == "numpy":
        kernels += ' (pip install "skmnist[fast]" for the faster numba kernels)'
    notes.append(kernels)
    return notes


def format_table(comparison):
    """Return the comparison as a plain-text table with a header and notes."""
    dataset = comparison.dataset
    height, width = dataset.image_shape
    header = [
        f"dataset: {dataset.description}; {height}x{width} images",
        f"held out: {comparison.evaluation.description}",
        "",
    ]
    table = _Table()
    for pair in comparison.pairs:
        _pair_rows(table, pair)
    paired = comparison.paired_keys()
    others = [r for r in comparison.results if r.spec.key not in paired]
    if others:
        table.text("not paired (no speed comparison):")
        for result in others:
            table.row(_cells(result, "-"))
    lines = header + table.render()
    for race in comparison.races:
        lines += [""] + _race_lines(race)
    lines.append("")
    for note in _notes(comparison):
        lines += textwrap.wrap(f"note: {note}", _WIDTH, subsequent_indent="      ")
    return "\n".join(lines)


# ----------------------------------------------------------------------
# CSV and JSON


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
    return {
        "model": result.spec.label,
        "key": result.spec.key,
        "library": result.spec.library,
        "role": role,
        "pair": pair,
        "heldout_accuracy": _rounded(result.test_accuracy),
        "heldout_accuracy_std": _rounded(result.test_accuracy_std),
        "train_accuracy": _rounded(result.train_accuracy),
        "fit_time_s": _rounded(result.fit_time, 4),
        "epochs": _rounded(result.mean_epochs, 2),
        "lbfgs_iterations": (
            None if result.spec.counts_epochs else _rounded(result.mean_iterations, 2)
        ),
        "time_per_epoch_s": _rounded(result.time_per_epoch),
        "epoch_speed_vs_peer": _rounded(result.speed_vs_peer, 4),
        "stopped_at_max_iter": not result.converged,
        "time_to_target_s": None,
        "target_accuracy": None,
        "reached_target": None,
    }


def _race_row(race):
    row = dict.fromkeys(_model_row_keys())
    final_scores = [race.curve_scores[-1]] if race.curve_scores else []
    row.update(
        model=race.spec.label,
        key=race.spec.key,
        library=race.spec.library,
        role="race",
        pair=f"time to reach {race.target.spec.label}'s accuracy",
        heldout_accuracy=_rounded(final_scores[0]) if final_scores else None,
        epochs=_rounded(race.mean_epochs, 2),
        stopped_at_max_iter=False,
        time_to_target_s=_rounded(race.time, 4) if race.all_reached else None,
        target_accuracy=_rounded(np.mean(race.target_scores)),
        reached_target=race.all_reached,
    )
    return row


def _model_row_keys():
    return (
        "model key library role pair heldout_accuracy heldout_accuracy_std "
        "train_accuracy fit_time_s epochs lbfgs_iterations time_per_epoch_s "
        "epoch_speed_vs_peer stopped_at_max_iter time_to_target_s "
        "target_accuracy reached_target"
    ).split()


def rows(comparison):
    """One dict per model (races last), the columns of the CSV."""
    table = [_model_row(comparison, r) for r in comparison.results]
    return table + [_race_row(race) for race in comparison.races]


def write_csv(comparison, path):
    """Write the table (one row per model, raw numbers) as CSV."""
    table = rows(comparison)
    with atomic_write(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=_model_row_keys())
        writer.writeheader()
        for row in table:
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


# ----------------------------------------------------------------------
# Figures


def _fold_note(evaluation):
    return "" if evaluation.n_splits == 1 else f"fold 1 of {evaluation.n_splits}"


def _curve_sources(comparison):
    """Label -> object with ``loss_curve_`` (and, for races, held-out scores)."""
    sources = {r.spec.label: r.estimator for r in comparison.results}
    for race in comparison.races:
        sources[race.spec.label] = types.SimpleNamespace(
            loss_curve_=getattr(race.estimator, "loss_curve_", None),
            validation_scores_=race.curve_scores,
        )
    return sources


def write_figures(comparison, out_dir, *, max_misclassified=36):
    """Draw the comparison's PNG figures into ``out_dir``.

    Returns
    -------
    paths : list of str
        The files written: ``learning_curves.png`` (and
        ``time_to_accuracy.png`` with a race); per model
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

    fold = _fold_note(evaluation)
    save(
        plotting.plot_learning_curves(_curve_sources(comparison), title=fold or None),
        "learning_curves.png",
    )
    for race in comparison.races:
        target = race.target
        save(
            plotting.plot_time_to_accuracy(
                {race.spec.label: (race.curve_times, race.curve_scores)},
                goal=race.target_scores[0],
                goal_label=f"{target.spec.label} ({target.fit_times[0]:.2f} s)",
                goal_time=target.fit_times[0],
                title=fold or None,
            ),
            "time_to_accuracy.png",
        )
    for result in comparison.results:
        for fig, filename in _model_figures(
            plotting, result, evaluation, shape, names, max_misclassified
        ):
            save(fig, filename)
    return written


def _model_figures(plotting, result, evaluation, shape, names, max_misclassified):
    key, estimator = result.spec.key, result.estimator
    title = result.spec.label
    fold = _fold_note(evaluation)
    model_title = f"{title} ({fold})" if fold else title
    coef = _class_images(estimator, shape)
    if coef is not None:
        yield plotting.plot_class_weights(
            coef, shape, class_names=names, title=model_title
        ), f"weights_{key}.png"
    if _has_hidden_images(estimator, shape):
        yield plotting.plot_hidden_units(
            estimator, shape, title=model_title
        ), f"hidden_units_{key}.png"
    yield plotting.plot_misclassified(
        evaluation.heldout_X,
        evaluation.heldout_y,
        result.heldout_pred,
        shape,
        class_names=names,
        max_images=max_misclassified,
        title=title,
    ), f"misclassified_{key}.png"
    yield plotting.plot_confusion_matrix(
        evaluation.heldout_y,
        result.heldout_pred,
        class_names=names,
        title=title,
    ), f"confusion_{key}.png"


def _class_images(estimator, shape):
    """Per-class weights (n_classes, pixels) of a linear model, else None.

    Linear models keep them in ``coef_``; MLPClassifier without a hidden
    layer keeps their transpose in ``coefs_[0]``.
    """
    n_pixels = shape[0] * shape[1]
    coef = getattr(estimator, "coef_", None)
    if coef is not None and coef.ndim == 2 and coef.shape[1] == n_pixels:
        return coef
    coefs = getattr(estimator, "coefs_", None)
    if coefs is not None and len(coefs) == 1 and coefs[0].shape[0] == n_pixels:
        return coefs[0].T
    return None


def _has_hidden_images(estimator, shape):
    coefs = getattr(estimator, "coefs_", None)
    return (
        coefs is not None
        and len(coefs) > 1
        and coefs[0].shape[0] == shape[0] * shape[1]
    )

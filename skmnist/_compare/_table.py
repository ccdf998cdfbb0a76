"""The comparison as a plain-text table, with its header and notes."""

import textwrap

import numpy as np

TABLE_COLUMNS = (
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


def row_cells(result, speed):
    return (
        _INDENT + result.spec.label,
        _accuracy_cell(result),
        f"{result.train_accuracy:.4f}",
        _format_seconds(result.fit_time),
        _iterations_cell(result),
        _format_seconds(result.time_per_epoch),
        speed,
    )


def speed_cell(pair):
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
        rows = [tuple(name for name, _ in TABLE_COLUMNS)]
        rows += [cells for kind, cells in self.entries if kind == "row"]
        widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]

        def line(cells):
            return "  ".join(
                f"{cell:{align}{w}}"
                for cell, (_, align), w in zip(cells, TABLE_COLUMNS, widths)
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
    table.row(row_cells(pair.ours, speed_cell(pair)))
    table.row(row_cells(pair.peer, "(peer)"))
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


def race_lines(race):
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


def table_notes(comparison):
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
    threads_note = _threads_note(comparison.threads, comparison.threads_requested)
    if threads_note:
        notes.append(threads_note)
    kernels = f"skmnist's training step ran on {comparison.kernels}"
    if comparison.kernels == "numpy":
        kernels += ' (pip install "skmnist[fast]" for the faster numba kernels)'
    notes.append(kernels)
    return notes


def _threads_note(running, requested):
    """The BLAS threads the models ran with, as BLAS reported them."""
    if running is None:
        return None
    text = f"{running} BLAS thread{'s' if running != 1 else ''} for every model"
    if requested is None:
        return text + " (the libraries' default; --threads 0)"
    if requested != running:
        return text + f" (--threads {requested}; BLAS runs at most {running})"
    return text + " (--threads)"


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
            table.row(row_cells(result, "-"))
    lines = header + table.render()
    for race in comparison.races:
        lines += [""] + race_lines(race)
    lines.append("")
    for note in table_notes(comparison):
        lines += textwrap.wrap(f"note: {note}", _WIDTH, subsequent_indent="      ")
    return "\n".join(lines)

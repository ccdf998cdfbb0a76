"""Figures of what digit classifiers learned and how they trained.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot (so nothing depends on an interactive backend or global state); show
it in a notebook, or write it with :func:`save_figure`. Images are expected
as rows flattened row-major from upright pictures, which is what every loader
of :mod:`skmnist.datasets` returns, so ``row.reshape(image_shape)`` is upright.

matplotlib is imported only when a function is called; install it with
``pip install "skmnist[plot]"``.
"""

import numpy as np

from ._plot_canvas import DPI, check_matplotlib, new_figure, save_figure, titled
from ._plot_images import plot_class_weights, plot_hidden_units, plot_misclassified

__all__ = [
    "DPI",
    "check_matplotlib",
    "plot_class_weights",
    "plot_confusion_matrix",
    "plot_hidden_units",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_time_to_accuracy",
    "save_figure",
]

#: Line style and marker of each model in turn, beside its colour: lines
#: that coincide (a pair trained alike often does) stay distinguishable.
_LINE_STYLES = (
    ("-", "o"),
    ("--", "s"),
    (":", "^"),
    ("-.", "D"),
    ((0, (5, 1, 1, 1)), "v"),
    ((0, (1, 2)), "P"),
    ((0, (8, 3)), "X"),
)


def _curve_style(k, n_points):
    """Colour, dashes and hollow markers of the ``k``-th model's lines."""
    dashes, marker = _LINE_STYLES[k % len(_LINE_STYLES)]
    return {
        "color": f"C{k % 10}",
        "linestyle": dashes,
        "marker": marker,
        "markerfacecolor": "none",
        # About eight markers per line, staggered between models so that
        # coinciding lines show each one's markers.
        "markevery": (k % 4, max(1, n_points // 8)),
        "markersize": 6,
        "linewidth": 1.6,
    }


def _plot_curves(loss_ax, score_ax, estimators):
    for k, (label, estimator) in enumerate(estimators.items()):
        for ax, attribute in (
            (loss_ax, "loss_curve_"),
            (score_ax, "validation_scores_"),
        ):
            values = getattr(estimator, attribute, None)
            if values:
                epochs = np.arange(1, len(values) + 1)
                style = _curve_style(k, len(values))
                ax.plot(epochs, values, label=label, **style)


def _finish_curve_axes(fig, loss_ax, score_ax):
    from matplotlib.ticker import MaxNLocator

    loss_ax.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    score_ax.set(title="held-out accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (loss_ax, score_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if not ax.get_lines():
            ax.text(
                0.5,
                0.5,
                "no model recorded this curve",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="gray",
            )
    lines = loss_ax.get_lines()
    if lines and min(min(line.get_ydata()) for line in lines) > 0:
        loss_ax.set_yscale("log")
    # One legend for both panels, below them: it never covers a line.
    handles = {}
    for ax in (loss_ax, score_ax):
        for line in ax.get_lines():
            handles.setdefault(line.get_label(), line)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="lower center",
            ncol=min(3, len(handles)),
            fontsize="small",
            frameon=False,
        )


def plot_learning_curves(estimators, *, title=None):
    """Training loss and held-out accuracy per epoch, one line per model.

    Each model keeps its colour, line style and marker in both panels, so a
    line drawn over another (two models trained alike) stays visible; the
    legend sits below the panels.

    Parameters
    ----------
    estimators : dict of str to fitted estimator
        Label to estimator. Models with ``loss_curve_`` appear on the left;
        those with ``validation_scores_`` (skmnist's estimators fitted with
        ``X_val``, or MLPClassifier with early stopping) on the right.
    title : str, default=None
        Figure title (say which fold the curves come from, for example).

    Returns
    -------
    fig : matplotlib.figure.Figure
        10 x 5 inches (1000 x 500 pixels when saved).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import SoftmaxSGDClassifier
    >>> from skmnist.plotting import plot_learning_curves
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = SoftmaxSGDClassifier(random_state=0)
    >>> clf = clf.fit(X[:1500], y[:1500], X_val=X[1500:], y_val=y[1500:])
    >>> fig = plot_learning_curves({"softmax": clf})
    >>> [ax.get_title() for ax in fig.axes]
    ['training loss', 'held-out accuracy']
    """
    fig = new_figure(10, 5)
    loss_ax, score_ax = fig.subplots(1, 2)
    _plot_curves(loss_ax, score_ax, estimators)
    _finish_curve_axes(fig, loss_ax, score_ax)
    if title:
        fig.suptitle(title)
    n_rows = -(-len(estimators) // 3)  # legend rows, three entries a row
    fig.tight_layout(rect=(0, 0.04 + 0.05 * n_rows, 1, 1))
    return fig


def plot_time_to_accuracy(curves, *, goal, goal_label, goal_time=None, title=None):
    """Held-out accuracy against seconds of training, with the accuracy to reach.

    Parameters
    ----------
    curves : dict of str to (times, scores)
        Label to the cumulative training seconds after each epoch and the
        held-out accuracy measured then.
    goal : float
        The accuracy to reach, drawn as a horizontal line.
    goal_label : str
        What the goal is (the model that ended with that accuracy).
    goal_time : float, default=None
        When that model ended; drawn as a point on the goal line.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        7 x 4.5 inches (700 x 450 pixels when saved).

    Examples
    --------
    >>> from skmnist.plotting import plot_time_to_accuracy
    >>> curves = {"ours": ([0.5, 1.0, 1.5], [0.90, 0.95, 0.97])}
    >>> fig = plot_time_to_accuracy(
    ...     curves, goal=0.96, goal_label="MLPClassifier", goal_time=4.0
    ... )
    >>> fig.axes[0].get_xlabel()
    'seconds of training'
    """
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    for label, (times, scores) in curves.items():
        ax.plot(times, scores, marker="o", markersize=3, label=label)
    ax.axhline(goal, color="gray", linestyle="--", linewidth=1)
    if goal_time is not None:
        ax.plot([goal_time], [goal], marker="s", color="black", linestyle="none")
    ax.plot([], [], color="gray", linestyle="--", marker="s", label=goal_label)
    ax.set(
        xlabel="seconds of training",
        ylabel="held-out accuracy",
        title=titled(title, "time to reach the same accuracy"),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def _annotate_counts(ax, matrix):
    """Write each non-zero count in its cell, white on the dark cells."""
    threshold = matrix.max() / 2
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            color = "white" if count > threshold else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize="x-small",
                    color=color)  # fmt: skip


def plot_confusion_matrix(y_true, y_pred, *, class_names=None, title=None):
    """The confusion matrix, counts annotated, rows = true, columns = predicted.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
        Class indices 0..n_classes-1.
    class_names : sequence of str, default=None
        Tick labels; also fixes the number of classes.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        7 x 6 inches (700 x 600 pixels when saved).

    Examples
    --------
    >>> from skmnist.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix(
    ...     [0, 1, 2, 2], [0, 1, 1, 2], class_names=["zero", "one", "two"]
    ... )
    >>> fig.axes[0].get_title()
    'accuracy 0.7500'
    """
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.size == 0 and class_names is None:
        raise ValueError(
            "y_true and y_pred are empty: nothing to count (pass class_names to "
            "draw an empty matrix)."
        )
    n_classes = (
        len(class_names)
        if class_names is not None
        else int(max(y_true.max(), y_pred.max())) + 1
    )
    labels = np.arange(n_classes)
    names = (
        [str(n) for n in class_names]
        if class_names is not None
        else [str(k) for k in labels]
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    fig = new_figure(7, 6)
    ax = fig.subplots()
    shown = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(shown, ax=ax)
    _annotate_counts(ax, matrix)
    slanted = max(map(len, names)) > 2
    ax.set_xticks(
        labels,
        names,
        rotation=45 if slanted else 0,
        ha="right" if slanted else "center",
    )
    ax.set_yticks(labels, names)
    ax.set(xlabel="predicted", ylabel="true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(titled(title, f"accuracy {accuracy:.4f}"))
    fig.tight_layout()
    return fig

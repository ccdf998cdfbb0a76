"""Figures of what digit classifiers learned and how they trained.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot (so nothing depends on an interactive backend or global state); show
it in a notebook, or write it with :func:`save_figure`. Images are expected
as rows flattened row-major from upright pictures, which is what every loader
of :mod:`skmnist.datasets` returns, so ``row.reshape(image_shape)`` is upright.

matplotlib is imported only when a function is called; install it with
``pip install "skmnist[plot]"``.
"""

import math

import numpy as np

from ._files import atomic_path

__all__ = [
    "plot_learning_curves",
    "plot_time_to_accuracy",
    "plot_class_weights",
    "plot_hidden_units",
    "plot_misclassified",
    "plot_confusion_matrix",
    "save_figure",
]

_INSTALL_HINT = 'pip install "skmnist[plot]"'

#: Pixels per inch of saved figures; with the fixed figure sizes below this
#: makes the PNG dimensions predictable (no "tight" cropping).
DPI = 100


def _new_figure(width, height):
    """Return a pyplot-free Figure of ``width`` x ``height`` inches."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f"skmnist's plots need matplotlib, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return Figure(figsize=(width, height), dpi=DPI)


def check_matplotlib():
    """Raise ImportError (with the install command) when matplotlib is missing.

    Useful before a long computation whose results are to be plotted.
    """
    _new_figure(1, 1)


def save_figure(fig, path):
    """Write ``fig`` as a PNG to ``path`` atomically.

    The figure is drawn into a temporary file in the same directory, then
    renamed over ``path``, so an interrupted run never leaves a truncated
    image behind.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
    """
    with atomic_path(path) as tmp_path:
        fig.savefig(tmp_path, format="png", dpi=DPI)


def _titled(title, text):
    """``"title: text"``, or just ``text`` without a title."""
    return f"{title}: {text}" if title else text


def _grid(n_images, max_columns):
    n_columns = min(n_images, max_columns)
    return max(1, math.ceil(n_images / max(n_columns, 1))), max(n_columns, 1)


class _Mosaic:
    """Images tiled into one array, drawn by a single ``imshow``.

    One axes for the whole grid instead of one per image: a grid of 100
    hidden units draws in a fraction of the time. Tiles are separated by
    ``gap`` blank (NaN) pixels, plus ``title_rows`` above each row of tiles
    when the tiles carry titles.
    """

    def __init__(self, n_images, image_shape, max_columns, gap=1, title_rows=0):
        self.n_rows, self.n_columns = _grid(n_images, max_columns)
        self.height, self.width = image_shape
        self.gap, self.title_rows = gap, title_rows
        self.row_step = self.height + gap + title_rows
        self.column_step = self.width + gap
        self.canvas = np.full(
            (
                self.n_rows * self.row_step - gap,
                self.n_columns * self.column_step - gap,
            ),
            np.nan,
        )

    def origin(self, k):
        """Top-left pixel (row, column) of tile ``k``."""
        row, column = divmod(k, self.n_columns)
        return row * self.row_step + self.title_rows, column * self.column_step

    def put(self, k, image):
        top, left = self.origin(k)
        self.canvas[top : top + self.height, left : left + self.width] = image

    def draw(self, fig, titles=(), signed=False, **title_style):
        """Show the canvas on one axes without ticks; titles above the tiles."""
        from matplotlib import colormaps

        ax = fig.add_axes((0.01, 0.01, 0.98, 0.9))
        ax.set_axis_off()
        cmap = colormaps["RdBu_r" if signed else "gray_r"].with_extremes(bad="white")
        limits = (-1, 1) if signed else (None, None)
        ax.imshow(
            self.canvas,
            cmap=cmap,
            vmin=limits[0],
            vmax=limits[1],
            interpolation="nearest",
        )
        for k, title in enumerate(titles):
            top, left = self.origin(k)
            ax.text(
                left + (self.width - 1) / 2,
                top - 0.6,
                title,
                ha="center",
                va="bottom",
                **title_style,
            )
        return ax


def _scaled_signed(image):
    """Weights scaled to [-1, 1] by their largest magnitude (red +, blue -)."""
    limit = float(np.max(np.abs(image))) or 1.0
    return image / limit


def _check_shape(n_values, image_shape, what):
    height, width = image_shape
    if n_values != height * width:
        raise ValueError(
            f"{what} have {n_values} values, which does not match images of "
            f"{height}x{width} = {height * width} pixels"
        )


def plot_learning_curves(estimators, *, title=None):
    """Training loss and held-out accuracy per epoch, one line per model.

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
        10 x 4 inches (1000 x 400 pixels when saved).
    """
    fig = _new_figure(10, 4)
    loss_ax, score_ax = fig.subplots(1, 2)
    for label, estimator in estimators.items():
        loss = getattr(estimator, "loss_curve_", None)
        if loss:
            loss_ax.plot(np.arange(1, len(loss) + 1), loss, label=label)
        scores = getattr(estimator, "validation_scores_", None)
        if scores:
            score_ax.plot(np.arange(1, len(scores) + 1), scores, label=label)
    loss_ax.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    score_ax.set(title="held-out accuracy", xlabel="epoch", ylabel="accuracy")
    from matplotlib.ticker import MaxNLocator

    for ax in (loss_ax, score_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.get_lines():
            ax.legend(fontsize="small")
            ax.grid(alpha=0.3)
        else:
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
    if title:
        fig.suptitle(title)
    fig.tight_layout()
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
    """
    fig = _new_figure(7, 4.5)
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
        title=_titled(title, "time to reach the same accuracy"),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def plot_class_weights(estimator, image_shape, *, class_names=None, title=None):
    """One image per class: the linear model's weights for that class.

    Parameters
    ----------
    estimator : fitted linear classifier or ndarray
        Anything with ``coef_`` of shape (n_classes, height * width)
        (:class:`~skmnist.SoftmaxSGDClassifier`, ``LogisticRegression``), or
        that array itself.
    image_shape : (int, int)
        ``(height, width)`` of the images.
    class_names : sequence of str, default=None
        Titles of the images; the class indices by default.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        10 x 4.5 inches (1000 x 450 pixels when saved).
    """
    coef = np.asarray(getattr(estimator, "coef_", estimator))
    if coef.ndim != 2:
        raise ValueError(
            "expected weights of shape (n_classes, height * width), got shape "
            f"{coef.shape}."
        )
    _check_shape(coef.shape[1], image_shape, "the weights of each class")
    names = class_names
    if names is None:
        names = [str(k) for k in range(len(coef))]
    fig = _new_figure(10, 4.5)
    mosaic = _Mosaic(len(coef), image_shape, 5, title_rows=image_shape[0] // 4)
    for k, weights in enumerate(coef):
        mosaic.put(k, _scaled_signed(weights.reshape(image_shape)))
    mosaic.draw(fig, [str(name) for name in names], signed=True, fontsize="small")
    fig.suptitle(_titled(title, "weights per class (red +, blue -)"))
    return fig


def plot_hidden_units(estimator, image_shape, *, max_units=100, title=None):
    """The input weights of each hidden unit, drawn as an image.

    Parameters
    ----------
    estimator : fitted network or ndarray
        Anything with ``coefs_`` whose first array has shape
        (height * width, n_hidden) (:class:`~skmnist.TwoLayerMLPClassifier`,
        ``MLPClassifier``), or that first array itself.
    image_shape : (int, int)
        ``(height, width)`` of the images.
    max_units : int, default=100
        Draw at most this many units (the first ones).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        8 x 8.5 inches (800 x 850 pixels when saved).
    """
    coefs = getattr(estimator, "coefs_", None)
    first_layer = np.asarray(coefs[0] if coefs is not None else estimator)
    _check_shape(first_layer.shape[0], image_shape, "the hidden units' input weights")
    n_units = min(first_layer.shape[1], max_units)
    fig = _new_figure(8, 8.5)
    mosaic = _Mosaic(n_units, image_shape, math.ceil(math.sqrt(n_units)))
    for j in range(n_units):
        mosaic.put(j, _scaled_signed(first_layer[:, j].reshape(image_shape)))
    mosaic.draw(fig, signed=True)
    n_total = first_layer.shape[1]
    shown = "" if n_units == n_total else f" ({n_units} of {n_total})"
    fig.suptitle(_titled(title, f"hidden units{shown}"))
    return fig


def _spread_over_classes(wrong, y_true, n_images, seed=0):
    """Up to ``n_images`` of the ``wrong`` indices, taken in turn from each true
    class (randomly within a class), so that no class fills the grid."""
    rng = np.random.default_rng(seed)
    by_class = [
        list(rng.permutation(wrong[y_true[wrong] == k]))
        for k in np.unique(y_true[wrong])
    ]
    chosen = []
    while len(chosen) < n_images and any(by_class):
        for members in by_class:
            if members and len(chosen) < n_images:
                chosen.append(members.pop())
    return np.array(chosen, dtype=np.intp)


def plot_misclassified(
    X, y_true, y_pred, image_shape, *, class_names=None, max_images=36, title=None
):
    """A grid of misclassified images, each titled with the predicted and the
    true class.

    Parameters
    ----------
    X : ndarray of shape (n_samples, height * width)
        Images flattened row-major (upright).
    y_true, y_pred : ndarray of shape (n_samples,)
        True and predicted class indices.
    image_shape : (int, int)
        ``(height, width)`` of the images.
    class_names : sequence of str, default=None
        Names of the class indices.
    max_images : int, default=36
        Show at most this many errors, taken in turn from each true class
        (a fixed random choice within a class), so that every class with
        errors appears.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        8 x 8.5 inches (800 x 850 pixels when saved).
    """
    X = np.asarray(X)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_shape(X.shape[1], image_shape, "the images")
    wrong = np.flatnonzero(y_true != y_pred)
    shown = _spread_over_classes(wrong, y_true, max_images)

    def name(k):
        return str(class_names[k]) if class_names is not None else str(k)

    fig = _new_figure(8, 8.5)
    # Two short title lines above each image: "predicted (true)" on one line
    # with long class names would run into the neighbours' titles.
    mosaic = _Mosaic(
        max(len(shown), 1),
        image_shape,
        math.ceil(math.sqrt(max_images)),
        gap=max(1, image_shape[1] // 8),
        title_rows=image_shape[0] // 2,
    )
    for k, i in enumerate(shown):
        mosaic.put(k, X[i].reshape(image_shape))
    titles = [f"{name(y_pred[i])}\n({name(y_true[i])})" for i in shown]
    mosaic.draw(fig, titles, fontsize="x-small", color="tab:red", linespacing=1.0)
    summary = f"{wrong.size} of {y_true.size} misclassified: predicted (true)"
    fig.suptitle(_titled(title, summary))
    return fig


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
    fig = _new_figure(7, 6)
    ax = fig.subplots()
    shown = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(shown, ax=ax)
    threshold = matrix.max() / 2
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize="x-small",
                color="white" if count > threshold else "black",
            )
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
    ax.set_title(_titled(title, f"accuracy {accuracy:.4f}"))
    fig.tight_layout()
    return fig

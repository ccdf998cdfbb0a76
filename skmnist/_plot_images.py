"""Figures of images: per-class weights, hidden units, misclassified digits.

Every image of a figure is tiled into one array drawn by a single ``imshow``
(:class:`_Mosaic`); see :mod:`skmnist.plotting` for the public functions.
"""

import math

import numpy as np

from ._plot_canvas import new_figure, titled


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

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import SoftmaxSGDClassifier
    >>> from skmnist.plotting import plot_class_weights
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SoftmaxSGDClassifier(random_state=0).fit(X / 16, y)
    >>> fig = plot_class_weights(clf, (8, 8))
    >>> [round(inches * fig.dpi) for inches in fig.get_size_inches()]
    [1000, 450]
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
    fig = new_figure(10, 4.5)
    mosaic = _Mosaic(len(coef), image_shape, 5, title_rows=image_shape[0] // 4)
    for k, weights in enumerate(coef):
        mosaic.put(k, _scaled_signed(weights.reshape(image_shape)))
    mosaic.draw(fig, [str(name) for name in names], signed=True, fontsize="small")
    fig.suptitle(titled(title, "weights per class (red +, blue -)"))
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

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import TwoLayerMLPClassifier
    >>> from skmnist.plotting import plot_hidden_units
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = TwoLayerMLPClassifier(n_hidden=16, learning_rate_init=0.01,
    ...                             random_state=0).fit(X[:300] / 16, y[:300])
    >>> fig = plot_hidden_units(clf, (8, 8), max_units=9)
    >>> [round(inches * fig.dpi) for inches in fig.get_size_inches()]
    [800, 850]
    """
    coefs = getattr(estimator, "coefs_", None)
    first_layer = np.asarray(coefs[0] if coefs is not None else estimator)
    _check_shape(first_layer.shape[0], image_shape, "the hidden units' input weights")
    n_units = min(first_layer.shape[1], max_units)
    fig = new_figure(8, 8.5)
    mosaic = _Mosaic(n_units, image_shape, math.ceil(math.sqrt(n_units)))
    for j in range(n_units):
        mosaic.put(j, _scaled_signed(first_layer[:, j].reshape(image_shape)))
    mosaic.draw(fig, signed=True)
    n_total = first_layer.shape[1]
    shown = "" if n_units == n_total else f" ({n_units} of {n_total})"
    fig.suptitle(titled(title, f"hidden units{shown}"))
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


def _label_size(titles):
    """Digits read well large; names such as "T-shirt/top" must fit a tile."""
    longest = max((len(t) for title in titles for t in title.split("\n")), default=1)
    return 13 if longest <= 3 else 9


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

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import SoftmaxSGDClassifier
    >>> from skmnist.plotting import plot_misclassified
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = SoftmaxSGDClassifier(random_state=0).fit(X[:1500], y[:1500])
    >>> fig = plot_misclassified(X[1500:], y[1500:], clf.predict(X[1500:]), (8, 8),
    ...                          max_images=16)
    >>> [round(inches * fig.dpi) for inches in fig.get_size_inches()]
    [800, 850]
    """
    X = np.asarray(X)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_shape(X.shape[1], image_shape, "the images")
    wrong = np.flatnonzero(y_true != y_pred)
    shown = _spread_over_classes(wrong, y_true, max_images)

    def name(k):
        return str(class_names[k]) if class_names is not None else str(k)

    fig = new_figure(8, 8.5)
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
    mosaic.draw(fig, titles, fontsize=_label_size(titles), color="#b00000",
                linespacing=1.05)  # fmt: skip
    summary = f"{wrong.size} of {y_true.size} misclassified: predicted (true)"
    fig.suptitle(titled(title, summary))
    return fig

"""Figures: sizes, upright images, atomic PNG files (matplotlib installed).

Without matplotlib: ``test_plotting_without_matplotlib.py``.
"""

import os
import types

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the plots need matplotlib")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from conftest import png_size  # noqa: E402
from skmnist import (  # noqa: E402
    SoftmaxSGDClassifier,
    TwoLayerMLPClassifier,
    plotting,  # noqa: E402
)


def pixel_size(fig):
    width, height = fig.get_size_inches() * plotting.DPI
    return round(width), round(height)


@pytest.fixture(scope="module")
def fitted():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16
    return (
        X,
        y,
        {
            "softmax": SoftmaxSGDClassifier(max_iter=5, random_state=0).fit(
                X, y, X_val=X[:100], y_val=y[:100]
            ),
            "mlp": TwoLayerMLPClassifier(n_hidden=12, max_iter=5, random_state=0).fit(
                X, y
            ),
            "sk-mlp": MLPClassifier(
                hidden_layer_sizes=(9,), max_iter=5, random_state=0
            ).fit(X, y),
            "logistic": LogisticRegression(max_iter=20).fit(X, y),
        },
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "draw, size",
    [
        (lambda X, y, m: plotting.plot_learning_curves(m), (1000, 500)),
        (
            lambda X, y, m: plotting.plot_class_weights(m["softmax"], (8, 8)),
            (1000, 450),
        ),
        (
            lambda X, y, m: plotting.plot_class_weights(m["logistic"], (8, 8)),
            (1000, 450),
        ),
        (lambda X, y, m: plotting.plot_hidden_units(m["mlp"], (8, 8)), (800, 850)),
        (lambda X, y, m: plotting.plot_hidden_units(m["sk-mlp"], (8, 8)), (800, 850)),
        (
            lambda X, y, m: plotting.plot_misclassified(
                X, y, m["softmax"].predict(X), (8, 8)
            ),
            (800, 850),
        ),
        (
            lambda X, y, m: plotting.plot_confusion_matrix(
                y, m["softmax"].predict(X), class_names=list("0123456789")
            ),
            (700, 600),
        ),
    ],
    ids=[
        "curves",
        "weights-softmax",
        "weights-logistic",
        "hidden-ours",
        "hidden-sklearn",
        "misclassified",
        "confusion",
    ],
)
def test_figures_save_as_pngs_of_the_documented_size(fitted, tmp_path, draw, size):
    X, y, models = fitted
    fig = draw(X, y, models)
    assert pixel_size(fig) == size
    path = tmp_path / "figure.png"
    plotting.save_figure(fig, path)
    assert png_size(path) == size
    # The temporary file was renamed, not left behind.
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def _canvas(fig):
    """The one image a grid figure draws (its tiles separated by NaN)."""
    (ax,) = [ax for ax in fig.axes if ax.get_images()]
    return np.ma.filled(ax.get_images()[0].get_array().astype(float), np.nan)


def _tiles(fig):
    """The tiles of a grid figure in reading order: the blocks between rows
    and columns that are blank (NaN) all the way across."""
    canvas = _canvas(fig)

    def runs(blank):
        edges = np.flatnonzero(np.diff(np.r_[1, blank.astype(int), 1]))
        return list(zip(edges[::2], edges[1::2]))

    row_runs = runs(np.isnan(canvas).all(axis=1))
    column_runs = runs(np.isnan(canvas).all(axis=0))
    tiles = [canvas[r0:r1, c0:c1] for r0, r1 in row_runs for c0, c1 in column_runs]
    return [tile for tile in tiles if not np.isnan(tile).all()]


def test_images_are_drawn_upright_from_row_major_rows():
    # An asymmetric picture: any flip or transpose would change it.
    image = np.zeros((4, 3))
    image[0, 0], image[3, 1] = 1.0, 0.5
    X = image.reshape(1, -1)
    fig = plotting.plot_misclassified(X, np.array([1]), np.array([2]), (4, 3))
    (drawn,) = _tiles(fig)
    assert np.array_equal(drawn, image)
    assert [t.get_text() for t in fig.axes[0].texts] == ["2\n(1)"]


def test_weight_and_hidden_unit_images_come_from_the_right_axis():
    coef = np.arange(1, 2 * 6 + 1, dtype=float).reshape(2, 6)
    fig = plotting.plot_class_weights(coef, (2, 3), class_names=["a", "b"])
    drawn = _tiles(fig)
    # Each image is scaled by its largest magnitude (colours centred on 0).
    expected = [c.reshape(2, 3) / np.abs(c).max() for c in coef]
    assert len(drawn) == 2
    for image, want in zip(drawn, expected):
        np.testing.assert_allclose(image, want)
    assert [t.get_text() for t in fig.axes[0].texts] == ["a", "b"]

    first_layer = np.arange(1, 6 * 4 + 1, dtype=float).reshape(
        6, 4
    )  # (features, units)
    drawn = _tiles(plotting.plot_hidden_units(first_layer, (3, 2)))
    assert len(drawn) == 4
    for j, image in enumerate(drawn):
        column = first_layer[:, j]
        np.testing.assert_allclose(image, column.reshape(3, 2) / np.abs(column).max())


def test_hidden_units_are_capped_and_shapes_checked():
    fig = plotting.plot_hidden_units(np.ones((4, 300)), (2, 2), max_units=50)
    assert len(_tiles(fig)) == 50
    assert "50 of 300" in fig.texts[0].get_text()
    with pytest.raises(ValueError, match="does not match images of 3x3"):
        plotting.plot_class_weights(np.ones((10, 16)), (3, 3))


def test_misclassified_grid_draws_from_every_class_with_errors():
    # 90 errors on zeros and one on each other digit: the first 36 errors in
    # file order would all be zeros.
    y_true = np.r_[np.zeros(90, dtype=int), np.arange(1, 10)]
    y_pred = (y_true + 1) % 10
    X = np.random.default_rng(0).random((y_true.size, 4))
    fig = plotting.plot_misclassified(X, y_true, y_pred, (2, 2), max_images=36)
    titles = [t.get_text() for t in fig.axes[0].texts]
    assert len(titles) == 36
    true_classes = {int(title.split("(")[1].rstrip(")")) for title in titles}
    assert true_classes == set(range(10))
    assert "99 of 99 misclassified" in fig.texts[0].get_text()


def test_misclassified_titles_do_not_overlap_with_long_names():
    names = ["T-shirt/top", "Ankle boot"] * 5
    y_true = np.arange(36) % 10
    fig = plotting.plot_misclassified(
        np.random.default_rng(0).random((36, 784)),
        y_true,
        (y_true + 1) % 10,
        (28, 28),
        class_names=names,
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b]), (a, b)


def test_learning_curves_and_time_to_accuracy_say_where_they_come_from(fitted):
    _, _, models = fitted
    fig = plotting.plot_learning_curves(models, title="fold 1 of 5")
    assert fig.texts[0].get_text() == "fold 1 of 5"
    fig = plotting.plot_time_to_accuracy(
        {"ours": ([0.1, 0.2, 0.3], [0.8, 0.9, 0.95])},
        goal=0.94,
        goal_label="MLPClassifier (2.00 s)",
        goal_time=2.0,
        title="fold 1 of 5",
    )
    assert pixel_size(fig) == (700, 450)
    (ax,) = fig.axes
    assert ax.get_title() == "fold 1 of 5: time to reach the same accuracy"
    assert ax.get_xlabel() == "seconds of training"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["ours", "MLPClassifier (2.00 s)"]


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(n_classes, height \* width\)"):
        plotting.plot_class_weights(np.ones(16), (4, 4))
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_confusion_matrix([], [])


def test_learning_curves_keep_coinciding_lines_distinguishable():
    # Five models with the very same curves: each line must still be told
    # apart by its style and marker, and the legend must cover no line.
    same = {"loss_curve_": [1.0, 0.6, 0.4, 0.3], "validation_scores_": [0.5, 0.7]}
    models = {f"model {k}": types.SimpleNamespace(**same) for k in range(5)}
    fig = plotting.plot_learning_curves(models)
    for ax in fig.axes:
        lines = ax.get_lines()
        assert len(lines) == 5
        looks = {(line.get_linestyle(), line.get_marker()) for line in lines}
        assert len(looks) == 5
        assert ax.get_legend() is None
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == list(models)
    fig.canvas.draw()
    legend_box = legend.get_window_extent()
    for ax in fig.axes:
        assert not legend_box.overlaps(ax.get_window_extent())


def test_misclassified_digit_labels_are_readable():
    X = np.zeros((4, 64))
    fig = plotting.plot_misclassified(
        X, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), (8, 8)
    )
    sizes = [text.get_fontsize() for text in fig.axes[0].texts]
    assert len(sizes) == 4 and min(sizes) >= 12


@pytest.mark.parametrize(
    "where, fragment",
    [
        ("figs/", "names a directory"),
        ("missing/x.png", "does not exist; create it first"),
    ],
    ids=["trailing-separator", "missing-directory"],
)
def test_save_figure_checks_its_destination_before_drawing(
    where, fragment, tmp_path, monkeypatch
):
    # "figs/" was written as a file named figs; a missing directory gave a
    # FileNotFoundError naming the temporary ".x.png.<pid>.<hex>.part".
    fig = plotting.plot_confusion_matrix([0, 1], [1, 1])
    drawn = []
    monkeypatch.setattr(fig, "savefig", lambda *args, **kwargs: drawn.append(args))
    path = f"{tmp_path}/{where}"
    with pytest.raises(ValueError, match=fragment) as info:
        plotting.save_figure(fig, path)
    assert repr(path) in str(info.value) and ".part" not in str(info.value)
    assert not drawn and os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "module", ["skmnist.plotting", "skmnist._plot_images", "skmnist._plot_canvas"]
)
def test_docstring_examples(module):
    import doctest
    import importlib
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = doctest.testmod(
            importlib.import_module(module), optionflags=doctest.ELLIPSIS
        )
    assert result.attempted > 0
    assert result.failed == 0
    # An example must not warn either: nothing from skmnist, nothing pointed
    # at the example's own lines. The oldest and newest libraries warn about
    # each other (old matplotlib on new pyparsing, old scikit-learn on new
    # NumPy); those are not the example's to fix.
    ours = [
        f"{w.filename}:{w.lineno}: {w.message}"
        for w in caught
        if "skmnist" in w.filename or w.filename.startswith("<doctest")
    ]
    assert not ours

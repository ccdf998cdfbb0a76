"""Figures: sizes, upright images, atomic PNG files (matplotlib installed).

Without matplotlib: ``test_plotting_without_matplotlib.py``.
"""

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the plots need matplotlib")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier  # noqa: E402
from skmnist import plotting  # noqa: E402

from conftest import png_size  # noqa: E402


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
        (lambda X, y, m: plotting.plot_learning_curves(m), (1000, 400)),
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


def _image_arrays(fig):
    return [
        ax.get_images()[0].get_array()
        for ax in fig.axes
        if ax.get_visible() and ax.get_images()
    ]


def test_images_are_drawn_upright_from_row_major_rows():
    # An asymmetric picture: any flip or transpose would change it.
    image = np.zeros((4, 3))
    image[0, 0], image[3, 1] = 1.0, 0.5
    X = image.reshape(1, -1)
    fig = plotting.plot_misclassified(X, np.array([1]), np.array([2]), (4, 3))
    (drawn,) = _image_arrays(fig)
    assert np.array_equal(drawn, image)
    assert fig.axes[0].get_title() == "2 (1)"


def test_weight_and_hidden_unit_images_come_from_the_right_axis():
    coef = np.arange(2 * 6, dtype=float).reshape(2, 6)
    drawn = _image_arrays(plotting.plot_class_weights(coef, (2, 3)))
    assert [d.tolist() for d in drawn] == [c.reshape(2, 3).tolist() for c in coef]

    first_layer = np.arange(6 * 4, dtype=float).reshape(6, 4)  # (n_features, n_hidden)
    drawn = _image_arrays(plotting.plot_hidden_units(first_layer, (3, 2)))
    assert len(drawn) == 4
    for j, image in enumerate(drawn):
        assert np.array_equal(image, first_layer[:, j].reshape(3, 2))


def test_hidden_units_are_capped_and_shapes_checked():
    fig = plotting.plot_hidden_units(np.ones((4, 300)), (2, 2), max_units=50)
    assert len(_image_arrays(fig)) == 50
    assert "50 of 300" in fig.texts[0].get_text()
    with pytest.raises(ValueError, match="does not match images of 3x3"):
        plotting.plot_class_weights(np.ones((10, 16)), (3, 3))


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(n_classes, height \* width\)"):
        plotting.plot_class_weights(np.ones(16), (4, 4))
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_confusion_matrix([], [])

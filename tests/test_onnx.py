"""skmnist.onnx: the converted graphs reproduce predict and predict_proba."""

import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

ort = pytest.importorskip("onnxruntime", reason='needs pip install "skmnist[onnx]"')
skl2onnx = pytest.importorskip("skl2onnx", reason='needs pip install "skmnist[onnx]"')
skmnist_onnx = pytest.importorskip("skmnist.onnx")

from skl2onnx import to_onnx  # noqa: E402

ACTIVATIONS = ["relu", "logistic", "tanh", "identity"]
#: The labels of each problem, from the digit: ints 0..9, and two strings.
PROBLEMS = {
    "10-class": lambda digit: digit,
    "binary": lambda digit: np.where(digit % 2 == 0, "even", "odd"),
}
#: What predict_proba may differ by; float32 rounding alone gives ~3e-7.
PROBA_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def split(digits):
    """Float32 digits, 30% held out: (X_train, X_test, y_train, y_test)."""
    X, y = digits
    return train_test_split(
        X.astype(np.float32), y, test_size=0.3, stratify=y, random_state=0
    )


def fit(model, X, y):
    with warnings.catch_warnings():
        # A few epochs are enough for parity; convergence is not the point.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def run(onx, X):
    """The outputs of an ONNX model on ``X``, by onnxruntime."""
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def assert_parity(model, X):
    """Labels identical, probabilities within PROBA_TOLERANCE."""
    labels, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    np.testing.assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert proba.dtype == np.float32 and proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=PROBA_TOLERANCE)


def mlp(activation="relu"):
    return TwoLayerMLPClassifier(
        n_hidden=32, activation=activation, max_iter=15, random_state=0
    )


def softmax():
    return SoftmaxSGDClassifier(max_iter=10, random_state=0)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_matches_onnxruntime_on_held_out_digits(split, activation, problem):
    X_train, X_test, y_train, _ = split
    model = fit(mlp(activation), X_train, PROBLEMS[problem](y_train))
    assert model.coefs_[0].dtype == np.float32
    assert_parity(model, X_test)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_softmax_matches_onnxruntime_on_held_out_digits(split, problem):
    X_train, X_test, y_train, _ = split
    model = fit(softmax(), X_train, PROBLEMS[problem](y_train))
    assert_parity(model, X_test)


@pytest.mark.parametrize("make_classifier", [mlp, softmax], ids=["mlp", "softmax"])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_pipeline_with_a_scaler_matches_onnxruntime(split, make_classifier, problem):
    X_train, X_test, y_train, _ = split
    pipeline = make_pipeline(StandardScaler(), make_classifier())
    fit(pipeline, X_train, PROBLEMS[problem](y_train))
    assert_parity(pipeline, X_test)


@pytest.fixture(scope="module")
def binary_mlp(split):
    """An MLP fitted on string labels, and the held-out rows."""
    X_train, X_test, y_train, _ = split
    return fit(mlp("tanh"), X_train, PROBLEMS["binary"](y_train)), X_test


def test_zipmap_gives_one_dict_per_row_keyed_by_label(binary_mlp):
    model, X = binary_mlp
    labels, rows = run(to_onnx(model, X[:1]), X)
    np.testing.assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert [sorted(row) for row in rows[:2]] == [["even", "odd"]] * 2
    got = np.array([[row[label] for label in model.classes_] for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=PROBA_TOLERANCE)


def test_zipmap_columns_gives_one_output_per_class(binary_mlp):
    model, X = binary_mlp
    onx = to_onnx(model, X[:1], options={"zipmap": "columns"})
    labels, even, odd = run(onx, X)
    np.testing.assert_array_equal(labels, model.predict(X))
    got = np.column_stack([even, odd])
    np.testing.assert_allclose(got, model.predict_proba(X), atol=PROBA_TOLERANCE)


@pytest.mark.parametrize("zipmap", [False, True])
def test_nocl_outputs_class_indices_instead_of_labels(binary_mlp, zipmap):
    model, X = binary_mlp
    onx = to_onnx(model, X[:1], options={"nocl": True, "zipmap": zipmap})
    indices, proba = run(onx, X)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(model.classes_[indices], model.predict(X))
    assert b"even" not in onx.SerializeToString()  # no label anywhere in it
    if zipmap:
        assert sorted(proba[0]) == [0, 1]
        proba = np.array([[row[0], row[1]] for row in proba])
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=PROBA_TOLERANCE)


def test_float64_input_gives_a_float64_graph(split):
    X_train, X_test, y_train, _ = split
    X_train, X_test = X_train.astype(np.float64), X_test.astype(np.float64)
    model = fit(mlp("logistic"), X_train, y_train)
    onx = to_onnx(model, X_test[:1], options={"zipmap": False})
    labels, proba = run(onx, X_test)
    assert proba.dtype == np.float64
    np.testing.assert_array_equal(labels, model.predict(X_test))
    np.testing.assert_allclose(proba, model.predict_proba(X_test), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "labels, expected",
    [(np.array([True, False]), np.int64), (np.array([3.0, 7.0]), np.int64)],
    ids=["bool", "whole floats"],
)
def test_boolean_and_whole_float_labels_become_int64(split, labels, expected):
    X_train, X_test, y_train, _ = split
    model = fit(softmax(), X_train, labels[y_train % 2])
    predicted, _ = run(to_onnx(model, X_test[:1], options={"zipmap": False}), X_test)
    assert predicted.dtype == expected
    np.testing.assert_array_equal(predicted, model.predict(X_test).astype(np.int64))


def test_unfitted_model_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(mlp(), np.zeros((1, 64), dtype=np.float32))


def test_input_of_the_wrong_width_is_refused(binary_mlp):
    model, X = binary_mlp
    with pytest.raises(ValueError, match="has 10 columns but .* 64 features"):
        to_onnx(model, X[:1, :10])


def test_integer_input_is_refused_with_the_fix(binary_mlp):
    model, X = binary_mlp
    with pytest.raises(TypeError, match="float32 or float64 input.*astype"):
        to_onnx(model, X[:1].astype(np.int64))


def test_module_docstring_example_runs():
    with warnings.catch_warnings():
        # The example trains for 20 epochs only, to be quick.
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(skmnist_onnx, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


#: What the optional extras bring: none of it may load with ``import skmnist``.
OPTIONAL_MODULES = (
    "onnx",
    "skl2onnx",
    "onnxruntime",
    "skmnist.onnx",
    "skops",
    "dask",
    "distributed",
    "dask_ml",
)


@pytest.mark.slow
def test_optional_packages_load_on_demand_with_a_helpful_error():
    # One fresh interpreter (they are slow to start) checks both that `import
    # skmnist` loads none of them and that skmnist.onnx without skl2onnx names
    # the extra to install (None in sys.modules makes an import fail).
    code = (
        "import sys, skmnist\n"
        f"print([m for m in {OPTIONAL_MODULES!r} if m in sys.modules])\n"
        "sys.modules['skl2onnx'] = None\n"
        "try:\n    import skmnist.onnx\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loaded, message = out.stdout.splitlines()
    assert loaded == "[]"
    assert 'pip install "skmnist[onnx]"' in message

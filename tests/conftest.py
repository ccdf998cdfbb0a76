"""Shared fixtures: small real data always, the full data where present."""

import os

# Without it scikit-learn skips its array-API checks; with it they run (on
# NumPy), so that parametrize_with_checks reports no skipped check at all.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import struct  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from skmnist.datasets import fetch_mnist, get_data_home, load_mat  # noqa: E402


def _hypothesis_examples():
    """Examples per property test: SKMNIST_HYPOTHESIS_EXAMPLES, or None."""
    value = os.environ.get("SKMNIST_HYPOTHESIS_EXAMPLES", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"SKMNIST_HYPOTHESIS_EXAMPLES={value!r}: give a positive number of "
            "examples per property test, e.g. SKMNIST_HYPOTHESIS_EXAMPLES=500."
        )
    return int(value)


def _register_hypothesis_profiles():
    """The property tests' settings, for every test folder (loaders too).

    "skmnist-ci" (the default) runs 25 examples per property, the same ones
    on every run, so that CI stays fast and a failure reproduces.
    ``SKMNIST_HYPOTHESIS_EXAMPLES=500`` selects "skmnist-long": that many
    new random examples per property, for a longer local search. Neither
    keeps an example database: a failure prints the example and a
    ``@reproduce_failure`` line instead. (hypothesis still caches constants
    in a .hypothesis folder, which git ignores by a .gitignore of its own.)
    """
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # test_properties.py skips itself with the reason
        return
    common = dict(
        deadline=None,  # the first fit compiles numba kernels
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile("skmnist-ci", max_examples=25, derandomize=True, **common)
    examples = _hypothesis_examples()
    if examples is None:
        settings.load_profile("skmnist-ci")
        return
    settings.register_profile("skmnist-long", max_examples=examples, **common)
    settings.load_profile("skmnist-long")


_register_hypothesis_profiles()


@pytest.fixture(scope="session")
def digits():
    """sklearn's 1,797 real 8x8 digits, scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


#: The four files of full MNIST, as the data directory's mnist/ holds them.
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
#: Names of the course's 20x20 digits file: ours, then the course's own.
COURSE_MAT_NAMES = ("digits20x20.mat", "ex4data1.mat")


@pytest.fixture(scope="session")
def mnist_dir():
    """The data directory's folder of the full MNIST files, or skip the test."""
    directory = os.path.join(get_data_home(), "mnist")
    missing = [f for f in MNIST_FILES if not os.path.isfile(os.path.join(directory, f))]
    if missing:
        pytest.skip(
            f"full MNIST not found in {directory} (missing: {', '.join(missing)}); "
            "to run this test, set SKMNIST_DATA to a folder whose mnist/ "
            "subfolder holds the four MNIST IDX files (see docs/user_guide/datasets.rst)"
        )
    return directory


@pytest.fixture(scope="session")
def course_mat_path():
    """Path of the course's 20x20 digits .mat in the data directory, or skip."""
    for name in COURSE_MAT_NAMES:
        path = os.path.join(get_data_home(), name)
        if os.path.isfile(path):
            return path
    pytest.skip(
        f"neither {' nor '.join(COURSE_MAT_NAMES)} in {get_data_home()}; set "
        "SKMNIST_DATA to the folder holding the course's 20x20 digits file "
        "to run this test (see docs/user_guide/datasets.rst)"
    )


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """Full MNIST (60k train, 10k test) as float32 pixels / 255, if present."""
    train = fetch_mnist(subset="train", download_if_missing=False)
    test = fetch_mnist(subset="test", download_if_missing=False)
    return train.data, train.target, test.data, test.target


@pytest.fixture(scope="session")
def digits20x20(course_mat_path):
    """The 5,000 20x20 digits in the Coursera ex4data1.mat layout, if present."""
    bunch = load_mat(course_mat_path)
    return bunch.data, bunch.target


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(params=["compiled", "numpy"])
def kernel_path(request):
    """Run the test on the numba kernels and again on the NumPy reference path."""
    from skmnist._compiled import compiled_kernels, numpy_kernels

    if request.param == "numpy":
        with numpy_kernels():
            yield request.param
        return
    if compiled_kernels() is None:
        pytest.skip(
            "numba is not installed (pip install 'skmnist[fast]') or is switched "
            "off by SKMNIST_NUMBA=0; the NumPy path is tested on its own"
        )
    yield request.param


@pytest.fixture
def objective(kernel_path):
    """``f(estimator, params, X, y, weight, dropout_seed)`` -> (loss, gradient).

    The loss is the engine's training objective, evaluated through the same
    code the training loop runs (once on each kernel path); the gradient is
    what backprop returns.
    """
    from skmnist._fitted import ParameterLayout
    from skmnist._step import DropoutNoise, data_loss_gradient

    def evaluate(estimator, params, X, y, sample_weight=None, dropout_seed=None):
        n_classes = int(y.max()) + 1
        model = estimator._model_class(**estimator._architecture())
        layout = ParameterLayout(*model.layer_shapes(X.shape[1], n_classes))
        grads = np.zeros_like(params)
        dropout = getattr(estimator, "dropout", 0)
        workspace = model.allocate_workspace(
            X.shape[0], layout.views(params)[0], params.dtype, True, dropout > 0
        )
        noise = None
        if dropout_seed is not None:
            noise = DropoutNoise(
                np.random.default_rng(dropout_seed), np.arange(len(y)), 1 - dropout
            ).for_batch(slice(None))
        summed = data_loss_gradient(
            model,
            layout.views(params),
            layout.views(grads),
            X,
            y,
            sample_weight,
            workspace,
            noise,
        )
        weights = params[: layout.n_weights]
        loss = summed / len(y) + 0.5 * estimator.alpha * weights @ weights
        # The penalty's gradient, which the optimizer adds in training (a test
        # of its own checks that it does).
        grads[: layout.n_weights] += estimator.alpha * weights
        return loss, grads, layout

    return evaluate


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; asserts the file is a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


def central_differences(f, params, eps=1e-6):
    """Numerical gradient of ``f`` at ``params``, the textbook way."""
    numerical = np.empty_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = eps
        numerical[i] = (f(params + step) - f(params - step)) / (2 * eps)
    return numerical


# The default run: everything but the tests marked slow or full_data, so that a
# newcomer's `python -m pytest` takes a couple of minutes; `--run-slow` (what
# CI runs on the oldest and newest supported versions) runs them all.
_LONG_MARKERS = ("slow", "full_data")


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow or full_data (the full suite)",
    )


def _runs_everything(config):
    # -m chooses by itself, and a test named by its node id is wanted.
    return (
        config.getoption("--run-slow")
        or config.getoption("markexpr")
        or any("::" in arg for arg in config.args)
    )


def pytest_report_header(config):
    if not _runs_everything(config):
        return "slow and full-data tests deselected: --run-slow runs them too"
    return None


def pytest_collection_modifyitems(config, items):
    if _runs_everything(config):
        return
    keep, long = [], []
    for item in items:
        marked = any(item.get_closest_marker(name) for name in _LONG_MARKERS)
        (long if marked else keep).append(item)
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = keep

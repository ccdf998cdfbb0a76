import hashlib
import importlib.util
import os

import numpy as np
import pytest

from skmnist.datasets import _sample, fetch_mnist, load_mnist_sample

from .conftest import assert_digits_look_upright

SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "scripts",
    "make_mnist_sample.py",
)


def test_sample_shapes_scaling_and_balance():
    bunch = load_mnist_sample()
    assert bunch.data.shape == (5000, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (5000, 28, 28)
    np.testing.assert_array_equal(bunch.data.reshape(-1, 28, 28), bunch.images)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bunch.target), [500] * 10)
    assert list(bunch.target_names) == [str(d) for d in range(10)]
    assert bunch.filename.endswith("mnist_sample.npz")
    assert "LeCun" in bunch.DESCR and "CC BY-SA 3.0" in bunch.DESCR
    assert_digits_look_upright(bunch.images, bunch.target)

    X, y = load_mnist_sample(normalize=False, return_X_y=True)
    assert X.dtype == np.uint8 and X.max() == 255
    np.testing.assert_array_equal(X, np.round(bunch.data * 255).astype(np.uint8))
    np.testing.assert_array_equal(y, bunch.target)


def test_sample_rows_are_shuffled():
    y = load_mnist_sample(return_X_y=True)[1]
    # Every block of 500 rows holds every digit, about 50 times each (a
    # sorted file would give a block of one digit).
    for block in y.reshape(10, 500):
        counts = np.bincount(block, minlength=10)
        assert counts.min() >= 25 and counts.max() <= 80, counts
    # Runs of one label stay short.
    assert np.mean(y[1:] == y[:-1]) < 0.15


def test_shipped_file_matches_its_checksum_and_size():
    raw = _sample._sample_resource().read_bytes()
    assert hashlib.sha256(raw).hexdigest() == _sample.SAMPLE_SHA256
    assert len(raw) <= 1_500_000
    licence = _sample._sample_resource().parent / "MNIST_SAMPLE_LICENSE.txt"
    assert "CC BY-SA 3.0" in licence.read_text(encoding="utf-8")


def test_corrupt_or_missing_file_is_refused(monkeypatch, tmp_path):
    raw = bytearray(_sample._sample_resource().read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    corrupt = tmp_path / "mnist_sample.npz"
    corrupt.write_bytes(bytes(raw))
    monkeypatch.setattr(_sample, "_sample_resource", lambda: corrupt)
    with pytest.raises(ValueError, match="corrupt.*reinstall skmnist"):
        load_mnist_sample()

    monkeypatch.setattr(_sample, "_sample_resource", lambda: tmp_path / "gone.npz")
    with pytest.raises(FileNotFoundError, match="missing.*reinstall skmnist"):
        load_mnist_sample()


def _generator():
    spec = importlib.util.spec_from_file_location("make_mnist_sample", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_draws_balanced_shuffled_indices():
    generator = _generator()
    labels = np.repeat(np.arange(10), 700)[::-1].copy()
    index = generator.draw_sample(labels, per_class=50, seed=3)
    assert len(set(index.tolist())) == 500
    np.testing.assert_array_equal(np.bincount(labels[index]), [50] * 10)
    assert len(np.unique(labels[index[:20]])) > 5  # mixed, not grouped
    np.testing.assert_array_equal(
        index, generator.draw_sample(labels, per_class=50, seed=3)
    )


@pytest.mark.full_data
def test_sample_is_what_the_script_makes_from_the_training_files(mnist_dir):
    train = fetch_mnist(normalize=False, download_if_missing=False)
    bunch = load_mnist_sample(normalize=False)
    np.testing.assert_array_equal(bunch.images, train.images[bunch.source_index])
    np.testing.assert_array_equal(bunch.target, train.target[bunch.source_index])
    generator = _generator()
    content = generator.build(os.path.dirname(mnist_dir))
    shipped = _sample._sample_resource().read_bytes()
    assert generator.same_arrays(content, shipped)

import hashlib
import os

import numpy as np
import pytest

from skmnist.datasets import load_idx
from skmnist.datasets._base import read_maybe_gzip

from .conftest import (
    asymmetric_images,
    assert_digits_look_upright,
    idx_bytes,
    write_file,
)

# Canonical SHA-256 of the uncompressed MNIST files (shared/data/README.md).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",  # noqa: E501
}  # fmt: skip


@pytest.fixture
def small_pair(tmp_path):
    """Seven 6x5 asymmetric images with labels, as gzip'd IDX files."""
    images = asymmetric_images(7, 6, 5)
    labels = np.array([3, 1, 4, 1, 5, 9, 2], dtype=np.uint8)
    images_path = write_file(tmp_path / "images-idx3-ubyte.gz", idx_bytes(images))
    labels_path = write_file(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels))
    return images, labels, images_path, labels_path


@pytest.mark.parametrize("compress", [True, False])
def test_load_idx_round_trip_keeps_images_upright(tmp_path, compress):
    images = asymmetric_images(7, 6, 5)
    labels = np.arange(7, dtype=np.uint8)
    images_path = write_file(tmp_path / "img", idx_bytes(images), compress)
    labels_path = write_file(tmp_path / "lab", idx_bytes(labels), compress)

    bunch = load_idx(images_path, labels_path, normalize=False)

    assert bunch.data.shape == (7, 30) and bunch.data.dtype == np.uint8
    assert bunch.images.shape == (7, 6, 5)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data.reshape(-1, 6, 5), bunch.images)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, labels)
    assert list(bunch.target_names) == [str(d) for d in range(10)]
    assert bunch.DESCR and bunch.images_filename == images_path
    assert bunch.labels_filename == labels_path
    bunch.data[0, 0] = 0  # the raw pixels are a writable copy, not file bytes


def test_load_idx_normalize_and_return_X_y(small_pair):
    images, labels, images_path, labels_path = small_pair
    X, y = load_idx(images_path, labels_path, return_X_y=True)
    assert X.dtype == np.float32 and X.shape == (7, 30)
    assert 0.0 <= X.min() and X.max() <= 1.0
    np.testing.assert_array_equal(X, images.reshape(7, -1).astype(np.float32) / 255)
    np.testing.assert_array_equal(y, labels)


def test_truncated_image_file_names_file_and_sizes(small_pair, tmp_path):
    images, labels, _, labels_path = small_pair
    cut = write_file(tmp_path / "cut.gz", idx_bytes(images)[:-7])
    with pytest.raises(ValueError) as excinfo:
        load_idx(cut, labels_path)
    message = str(excinfo.value)
    assert "cut.gz" in message and "truncated" in message
    assert (
        "7 x 6 x 5" in message and str(16 + 210) in message and str(16 + 203) in message
    )


def test_truncated_gzip_stream(small_pair, tmp_path):
    _, _, images_path, labels_path = small_pair
    with open(images_path, "rb") as f:
        content = f.read()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz.*truncated or corrupt"):
        load_idx(cut, labels_path)


def test_truncated_header(small_pair, tmp_path):
    _, _, _, labels_path = small_pair
    short = write_file(tmp_path / "short", b"\x00\x00\x08\x03\x00\x00", compress=False)
    with pytest.raises(ValueError, match="truncated header"):
        load_idx(short, labels_path)
    empty = write_file(tmp_path / "empty", b"", compress=False)
    with pytest.raises(ValueError, match="too short"):
        load_idx(empty, labels_path)


def test_trailing_bytes(small_pair, tmp_path):
    images, _, _, labels_path = small_pair
    longer = write_file(tmp_path / "long.gz", idx_bytes(images) + b"\x00")
    with pytest.raises(ValueError, match="trailing bytes"):
        load_idx(longer, labels_path)


def test_wrong_magic(small_pair, tmp_path):
    images, _, _, labels_path = small_pair
    bad = write_file(tmp_path / "bad.gz", idx_bytes(images, magic=0x0D03))
    with pytest.raises(ValueError, match=r"bad\.gz: wrong magic number 3331.*2051"):
        load_idx(bad, labels_path)
    html = write_file(tmp_path / "page.gz", b"<html>Not Found</html>")
    with pytest.raises(ValueError, match="HTML page"):
        load_idx(html, labels_path)


def test_swapped_arguments_are_diagnosed(small_pair):
    _, _, images_path, labels_path = small_pair
    with pytest.raises(ValueError, match="label file.*swapped"):
        load_idx(labels_path, images_path)


def test_count_mismatch(small_pair, tmp_path):
    _, _, images_path, _ = small_pair
    labels = write_file(tmp_path / "lab.gz", idx_bytes(np.zeros(6, np.uint8)))
    with pytest.raises(ValueError, match="7 images but .*lab.gz holds 6 labels"):
        load_idx(images_path, labels)


def test_labels_out_of_range(small_pair, tmp_path):
    _, _, images_path, _ = small_pair
    labels = write_file(tmp_path / "lab.gz", idx_bytes(np.full(7, 12, np.uint8)))
    with pytest.raises(ValueError, match="labels must be 0..9, found a label 12"):
        load_idx(images_path, labels)


def test_missing_file(small_pair, tmp_path):
    _, _, images_path, _ = small_pair
    with pytest.raises(FileNotFoundError):
        load_idx(images_path, tmp_path / "nope.gz")


@pytest.mark.full_data
def test_real_mnist_checksums(mnist_dir):
    for name, sha256 in MNIST_SHA256.items():
        raw = read_maybe_gzip(os.path.join(mnist_dir, name))
        assert hashlib.sha256(raw).hexdigest() == sha256, name


@pytest.mark.full_data
def test_real_mnist_test_set(mnist_dir):
    bunch = load_idx(
        os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"),
        os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"),
    )
    assert bunch.data.shape == (10000, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (10000, 28, 28)
    assert bunch.data.min() == 0.0 and bunch.data.max() == 1.0
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.unique(bunch.target), np.arange(10))
    # The well-known first test labels.
    np.testing.assert_array_equal(bunch.target[:5], [7, 2, 1, 0, 4])
    assert_digits_look_upright(bunch.images, bunch.target)

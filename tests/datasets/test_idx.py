import gzip
import hashlib
import os
import struct

import numpy as np
import pytest

from skmnist.datasets import load_idx
from skmnist.datasets._home import read_maybe_gzip

from .conftest import (
    assert_digits_look_upright,
    asymmetric_images,
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


def idx_header(magic, *dims):
    return struct.pack(f">I{len(dims)}I", magic, *dims)


@pytest.mark.parametrize("compress", [True, False])
def test_sizes_beyond_64_bits_are_reported_exactly(small_pair, tmp_path, compress):
    # 2^31 * 2^31 * 4 = 2^64 wraps to 0 in int64 arithmetic, which made this
    # 16-byte header look like a complete file.
    _, _, _, labels_path = small_pair
    header = idx_header(2051, 2**31, 2**31, 4)
    path = write_file(tmp_path / "huge", header, compress)
    with pytest.raises(ValueError) as excinfo:
        load_idx(path, labels_path)
    message = str(excinfo.value)
    assert "huge" in message and "truncated" in message
    assert "2147483648 x 2147483648 x 4" in message
    assert str(16 + 2**64) in message


def test_truncated_message_never_reports_a_wrapped_count(small_pair, tmp_path):
    _, _, _, labels_path = small_pair
    dims = (2**32 - 1, 2**32 - 1, 2**32 - 1)  # about 2^96 bytes
    path = write_file(tmp_path / "big", idx_header(2051, *dims) + b"\0" * 9, False)
    with pytest.raises(ValueError, match="truncated") as excinfo:
        load_idx(path, labels_path)
    assert f"{16 + (2**32 - 1) ** 3} bytes in all" in str(excinfo.value)
    assert "has 25 bytes" in str(excinfo.value)


@pytest.mark.parametrize("normalize", [True, False])
def test_zero_images_load_as_empty_arrays(tmp_path, normalize):
    images = write_file(tmp_path / "img.gz", idx_header(2051, 0, 6, 5))
    labels = write_file(tmp_path / "lab.gz", idx_header(2049, 0))
    bunch = load_idx(images, labels, normalize=normalize)
    assert bunch.data.shape == (0, 30) and bunch.images.shape == (0, 6, 5)
    assert bunch.data.dtype == (np.float32 if normalize else np.uint8)
    assert bunch.target.shape == (0,) and bunch.target.dtype == np.int64
    X, y = load_idx(images, labels, normalize=normalize, return_X_y=True)
    assert X.shape == (0, 30) and y.shape == (0,)


def test_gzip_cannot_hold_what_the_header_announces(small_pair, tmp_path):
    # 60000 x 28 x 28 bytes cannot come out of a gzip file of a few dozen
    # bytes: refused at once, before decompressing anything more.
    _, _, _, labels_path = small_pair
    path = write_file(tmp_path / "cut.gz", idx_header(2051, 60000, 28, 28))
    with pytest.raises(ValueError, match="more than a gzip file of .* can hold"):
        load_idx(path, labels_path)


def test_gzip_expanding_beyond_the_header_is_not_decompressed(small_pair, tmp_path):
    import tracemalloc

    images, labels, _, labels_path = small_pair
    # A valid image file followed by 200 MB of zeros: about 200 kB gzip'd.
    bomb = tmp_path / "bomb.gz"
    with gzip.open(bomb, "wb") as f:
        f.write(idx_bytes(images))
        for _ in range(200):
            f.write(bytes(1 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="expands to more than"):
            load_idx(bomb, labels_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20


def test_highly_compressed_valid_file_still_loads(tmp_path):
    # All-black images compress about 1000-fold, close to deflate's limit.
    n_images = 3000
    images = write_file(
        tmp_path / "black.gz",
        idx_header(2051, n_images, 28, 28) + bytes(n_images * 784),
    )
    labels = write_file(tmp_path / "lab.gz", idx_bytes(np.zeros(n_images, np.uint8)))
    assert os.path.getsize(images) * 900 < n_images * 784
    X, _ = load_idx(images, labels, normalize=False, return_X_y=True)
    assert X.shape == (n_images, 784) and not X.any()


def test_directory_and_fifo_say_what_they_are(small_pair, tmp_path):
    _, _, images_path, labels_path = small_pair
    with pytest.raises(ValueError, match="is a directory"):
        load_idx(tmp_path, labels_path)
    if not hasattr(os, "mkfifo"):
        return
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # Opening a FIFO for reading would block until a writer appears.
    with pytest.raises(ValueError, match=r"fifo: is a FIFO"):
        load_idx(images_path, fifo)


@pytest.mark.parametrize(
    "dims", [(0, 3 * 10**9, 3 * 10**9), (3 * 10**9, 3 * 10**9, 0), (5, 0, 28)]
)
def test_absurd_image_shapes_that_hold_no_values(tmp_path, dims):
    # With 0 images, or images of 0 pixels, the byte count is right whatever
    # the other sizes; such headers are still refused, naming the file.
    images = write_file(tmp_path / "img.gz", idx_header(2051, *dims))
    labels = write_file(tmp_path / "lab.gz", idx_header(2049, 0))
    shape = " x ".join(str(d) for d in dims[1:])
    with pytest.raises(ValueError, match=f"img.gz: .*items of {shape} values"):
        load_idx(images, labels)

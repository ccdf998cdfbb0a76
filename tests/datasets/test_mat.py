import os
import sys

import numpy as np
import pytest
from scipy.io import savemat

from skmnist.datasets import load_mat

from .conftest import asymmetric_images, assert_digits_look_upright


def course_layout(images):
    """Unroll upright images column-major into rows, as MATLAB's X(:)' does."""
    return np.stack([image.ravel(order="F") for image in images]).astype(np.float64)


@pytest.fixture
def course_file(tmp_path):
    """A small file in the ex4data1.mat layout: 20x20 images, labels 1..10."""
    images = asymmetric_images(12, 20, 20).astype(np.float64) / 200 - 0.1
    labels = np.array([10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3], dtype=np.uint8)
    path = os.fspath(tmp_path / "ex4data1.mat")
    savemat(
        path, {"X": course_layout(images), "y": labels[:, None]}, do_compression=True
    )
    return path, images, labels


def test_course_layout_is_made_upright(course_file):
    path, images, labels = course_file
    bunch = load_mat(path)
    assert bunch.data.shape == (12, 400) and bunch.data.dtype == np.float64
    assert bunch.images.shape == (12, 20, 20)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data.reshape(-1, 20, 20), bunch.images)
    assert np.shares_memory(bunch.images, bunch.data)
    # Values are kept as stored, including those outside [0, 1].
    assert bunch.data.min() < 0
    assert bunch.filename == path and bunch.DESCR


def test_label_ten_means_zero(course_file):
    path, _, labels = course_file
    X, y = load_mat(path, return_X_y=True)
    assert y.dtype == np.int64 and y.shape == (12,)
    np.testing.assert_array_equal(y, np.where(labels == 10, 0, labels))
    assert X.shape == (12, 400)


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("label_shape", ["column", "row", "vector"])
def test_other_square_sizes_and_label_shapes(tmp_path, compress, label_shape):
    images = asymmetric_images(5, 8, 8).astype(np.float64)
    labels = np.array([1.0, 2.0, 10.0, 4.0, 5.0])  # labels stored as doubles
    y = {"column": labels[:, None], "row": labels[None, :], "vector": labels}
    path = tmp_path / "digits.mat"
    savemat(
        path, {"X": course_layout(images), "y": y[label_shape]}, do_compression=compress
    )
    bunch = load_mat(path)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.target, [1, 2, 0, 4, 5])


def test_custom_variable_names(tmp_path):
    images = asymmetric_images(3, 4, 4)
    path = tmp_path / "named.mat"
    savemat(path, {"pixels": course_layout(images), "digits": [[1], [2], [3]]})
    X, y = load_mat(path, x_key="pixels", y_key="digits", return_X_y=True)
    np.testing.assert_array_equal(X.reshape(-1, 4, 4), images)
    np.testing.assert_array_equal(y, [1, 2, 3])


def test_missing_variables_lists_those_present(tmp_path):
    path = tmp_path / "ex4weights.mat"
    savemat(path, {"Theta1": np.zeros((25, 401)), "Theta2": np.zeros((10, 26))})
    with pytest.raises(ValueError) as excinfo:
        load_mat(path)
    message = str(excinfo.value)
    assert "ex4weights.mat" in message and "'X', 'y' not found" in message
    assert "'Theta1', 'Theta2'" in message and "x_key" in message


def test_non_square_rows(tmp_path):
    path = tmp_path / "odd.mat"
    savemat(path, {"X": np.zeros((4, 399)), "y": np.ones((4, 1))})
    with pytest.raises(ValueError, match="399 values, which is not a square number"):
        load_mat(path)


def test_transposed_X_is_explained(tmp_path):
    path = tmp_path / "transposed.mat"
    savemat(path, {"X": np.zeros((400, 6)), "y": np.ones((6, 1))})
    with pytest.raises(ValueError, match="not a square number.*shape \\(400, 6\\)"):
        load_mat(path)


def test_mismatched_lengths(tmp_path):
    path = tmp_path / "mismatch.mat"
    savemat(path, {"X": np.zeros((5, 400)), "y": np.ones((4, 1))})
    with pytest.raises(
        ValueError, match=r"mismatch\.mat: 'y' has shape \(4, 1\).*5 rows"
    ):
        load_mat(path)


def test_bad_label_values(tmp_path):
    path = tmp_path / "labels.mat"
    savemat(path, {"X": np.zeros((3, 4)), "y": [[1.5], [11], [2]]})
    with pytest.raises(ValueError, match=r"labels 1\.\.10.*1\.5, 11\.0"):
        load_mat(path)


def fake_v73_file(path):
    """The start of a MATLAB v7.3 file: a 128-byte MAT header announcing
    version 0x0200 inside HDF5's 512-byte user block, then the HDF5 signature."""
    text = (
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64, "
        b"Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    )
    header = text.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM"
    path.write_bytes(header.ljust(512, b"\x00") + b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return path


def test_v73_file_without_h5py_gives_clear_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    path = fake_v73_file(tmp_path / "ex4data1_v73.mat")
    with pytest.raises(ValueError) as excinfo:
        load_mat(path)
    message = str(excinfo.value)
    assert "ex4data1_v73.mat" in message and "v7.3" in message
    assert "pip install h5py" in message and "-v7" in message


def test_v73_file_read_with_h5py(tmp_path):
    h5py = pytest.importorskip("h5py", reason="h5py (optional) is not installed")
    images = asymmetric_images(4, 20, 20).astype(np.float64)
    path = tmp_path / "v73.mat"
    with h5py.File(path, "w", userblock_size=512) as f:
        # MATLAB writes column-major arrays, which HDF5 shows transposed.
        f["X"] = course_layout(images).T
        f["y"] = np.array([[10.0, 1.0, 2.0, 3.0]])
    with open(path, "r+b") as f:
        f.write(fake_v73_file(tmp_path / "header").read_bytes()[:128])
    bunch = load_mat(path)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.target, [0, 1, 2, 3])


def test_not_a_mat_file(tmp_path):
    path = tmp_path / "garbage.mat"
    path.write_bytes(b"this is not a MATLAB file at all" * 10)
    with pytest.raises(ValueError, match=r"garbage\.mat: not a readable MATLAB"):
        load_mat(path)


def test_truncated_mat_file(course_file, tmp_path):
    path, _, _ = course_file
    with open(path, "rb") as f:
        content = f.read()
    cut = tmp_path / "cut.mat"
    cut.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"cut\.mat"):
        load_mat(cut)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.mat"):
        load_mat(tmp_path / "nope.mat")


@pytest.mark.full_data
def test_real_course_layout_file(course_mat_path):
    bunch = load_mat(course_mat_path)
    assert bunch.data.shape == (5000, 400) and bunch.data.dtype == np.float64
    assert bunch.images.shape == (5000, 20, 20)
    # Values as stored: bicubic resizing overshoots [0, 1] in the course data.
    assert bunch.data.min() < 0 < 1 < bunch.data.max()
    np.testing.assert_array_equal(np.bincount(bunch.target), [500] * 10)
    # Rows are grouped by label with the 10s (digit 0) first.
    np.testing.assert_array_equal(bunch.target[:500], 0)
    assert_digits_look_upright(bunch.images, bunch.target)

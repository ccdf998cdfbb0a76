import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.io import savemat

from skmnist.datasets import load_mat

from .conftest import assert_digits_look_upright, asymmetric_images


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


# -- Hand-built MATLAB v5 files, for what no writer produces ----------------


def mat_element(mdtype, payload, order="<", pad=True):
    """A v5 data element: an 8-byte tag, the payload, zeros to 8 bytes."""
    padding = bytes(-len(payload) % 8) if pad else b""
    return struct.pack(order + "II", mdtype, len(payload)) + payload + padding


NUMERIC_CODES = {"f8": 9, "u1": 2, "i4": 5, "u4": 6}


def numeric(values, kind="f8", order="<", code=None):
    data = np.asarray(values, dtype=order + kind).tobytes(order="F")
    return mat_element(NUMERIC_CODES[kind] if code is None else code, data, order)


def mat_variable(name, dims, parts, mclass=6, flags=0, order="<"):
    """An miMATRIX element: array flags, dimensions, name, then ``parts``."""
    body = (
        mat_element(6, struct.pack(order + "II", mclass | flags << 8, 0), order)
        + mat_element(5, struct.pack(f"{order}{len(dims)}i", *dims), order)
        + mat_element(1, name.encode(), order)
        + b"".join(parts)
    )
    return mat_element(14, body, order)


def compressed(variable, order="<"):
    return mat_element(15, zlib.compress(variable), order, pad=False)


def mat_file(*variables, order="<"):
    text = b"MATLAB 5.0 MAT-file, hand-built for skmnist's tests".ljust(116)
    indicator = b"IM" if order == "<" else b"MI"
    return (
        text
        + bytes(8)
        + struct.pack(order + "H", 0x0100)
        + indicator
        + b"".join(variables)
    )


COMPLEX = 0x08
X4 = np.arange(16, dtype=np.float64).reshape(4, 4)  # four 2x2 images
Y4 = np.array([[10], [1], [2], [3]])


def x_variable(values=X4, **kwargs):
    return mat_variable("X", values.shape, [numeric(values)], **kwargs)


def y_variable(values=Y4, order="<"):
    return mat_variable("y", values.shape, [numeric(values, order=order)], order=order)


def write_mat(tmp_path, name, *variables, order="<"):
    path = tmp_path / name
    path.write_bytes(mat_file(*variables, order=order))
    return path


def test_hand_built_files_load(tmp_path):
    # The builder above writes what scipy reads: little- and big-endian,
    # compressed or not.
    for order in "<>":
        x = mat_variable("X", (4, 4), [numeric(X4, order=order)], order=order)
        path = write_mat(tmp_path, "ok.mat", x, y_variable(order=order), order=order)
        X, y = load_mat(path, return_X_y=True)
        np.testing.assert_array_equal(
            X, X4.reshape(4, 2, 2).transpose(0, 2, 1).reshape(4, 4)
        )
        np.testing.assert_array_equal(y, [0, 1, 2, 3])
        path = write_mat(
            tmp_path,
            "zipped.mat",
            compressed(x, order),
            compressed(y_variable(order=order), order),
            order=order,
        )
        np.testing.assert_array_equal(load_mat(path, return_X_y=True)[0], X)


SPARSE_X = sp.csc_array(X4 * (X4 % 3 == 0))


def sparse_x(rows=SPARSE_X.indices, pointers=SPARSE_X.indptr, values=SPARSE_X.data):
    parts = [numeric(rows, "i4"), numeric(pointers, "i4"), numeric(values)]
    return mat_variable("X", (4, 4), parts, mclass=5)


# Files that crashed the interpreter inside scipy.io.loadmat (or in toarray
# of what it returned), and must now give a ValueError naming the file.
CRASHERS = {
    "complex_flag_without_imaginary_part": x_variable(flags=COMPLEX),
    "data_type_code_99": mat_variable("X", (4, 4), [numeric(X4, code=99)]),
    "data_type_code_8": mat_variable("X", (4, 4), [numeric(X4, code=8)]),
    "sparse_row_index_out_of_range": sparse_x(rows=[0, 5, 2, 1, 3]),
    "sparse_pointers_decreasing": sparse_x(pointers=[0, 3, 1, 4, 5]),
    "compressed_complex_flag": compressed(x_variable(flags=COMPLEX)),
}

CHECK_IN_CHILD = """
import sys
from skmnist.datasets import load_mat
for path in sys.argv[1:]:
    try:
        load_mat(path)
        print("loaded", path)
    except ValueError as exc:
        print("ValueError", str(exc).replace(chr(10), " "))
"""


@pytest.mark.slow
def test_corrupt_files_that_crashed_scipy_give_value_errors(tmp_path):
    paths = [
        str(write_mat(tmp_path, f"{name}.mat", variable, y_variable()))
        for name, variable in CRASHERS.items()
    ]
    # Run in a child process: before the fix, these killed the interpreter.
    child = subprocess.run(
        [sys.executable, "-c", CHECK_IN_CHILD, *paths],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    lines = child.stdout.splitlines()
    assert len(lines) == len(paths)
    for line, name in zip(lines, CRASHERS):
        assert line.startswith("ValueError") and f"{name}.mat" in line, line


def test_corruption_messages_say_what_is_wrong(tmp_path):
    cases = {
        "complex": (x_variable(flags=COMPLEX), "imaginary part"),
        "code": (
            mat_variable("X", (4, 4), [numeric(X4, code=99)]),
            "data type code 99",
        ),
        "count": (mat_variable("X", (4, 5), [numeric(X4)]), "16 values for a 4 x 5"),
        "rows": (sparse_x(rows=[0, 5, 2, 1, 3]), "row indices are not all in 0..3"),
        "pointers": (sparse_x(pointers=[0, 3, 1, 4, 5]), "not increasing"),
    }
    for name, (variable, expected) in cases.items():
        path = write_mat(tmp_path, f"{name}.mat", variable, y_variable())
        with pytest.raises(ValueError, match=f"{name}.mat") as excinfo:
            load_mat(path)
        message = str(excinfo.value)
        # SciPy 1.15 checks the row indices itself, before our check runs;
        # its message, quoted in ours, says the same thing.
        scipy_says = name == "rows" and "exceeds matrix dimension" in message
        assert expected in message or scipy_says, message
    path = tmp_path / "cut.mat"
    path.write_bytes(mat_file(x_variable(), y_variable())[:-13])
    with pytest.raises(
        ValueError, match="cut.mat: corrupt .mat file.*past the end of the file"
    ):
        load_mat(path)


def test_sparse_matrices_are_densified(tmp_path):
    images = asymmetric_images(5, 4, 4).astype(np.float64)
    images[images < 120] = 0
    X = course_layout(images)
    path = tmp_path / "sparse.mat"
    savemat(path, {"X": sp.csc_array(X), "y": np.arange(1, 6)[:, None]})
    bunch = load_mat(path)
    np.testing.assert_array_equal(bunch.images, images)
    # Densifying must fit the memory limit.
    huge = mat_variable(
        "X",
        (2**31 - 1, 400),
        [numeric([0], "i4"), numeric(np.zeros(401), "i4"), numeric([1.0])],
        mclass=5,
    )
    path = write_mat(tmp_path, "huge.mat", huge, y_variable())
    with pytest.raises(ValueError, match="huge.mat: variable 'X' would take"):
        load_mat(path)


@pytest.mark.parametrize(
    "value, kind",
    [
        ({"a": np.zeros((2, 2))}, "a struct"),
        (np.array([[np.zeros(4)], ["text"]], dtype=object), "a cell array"),
        ("some text", "text"),
    ],
    ids=["struct", "cell", "text"],
)
def test_non_numeric_variables_are_refused_clearly(tmp_path, value, kind):
    path = tmp_path / "odd.mat"
    savemat(path, {"X": value, "y": [[1]]}, do_compression=True)
    with pytest.raises(ValueError, match=f"odd.mat: variable 'X' is {kind}"):
        load_mat(path)


def test_variables_are_bounded_in_size(tmp_path, monkeypatch):
    from skmnist.datasets import _mat5

    path = tmp_path / "zeros.mat"
    savemat(
        path, {"X": np.zeros((200, 400)), "y": np.ones((200, 1))}, do_compression=True
    )
    assert path.stat().st_size < 10_000
    monkeypatch.setattr(_mat5, "MAX_VARIABLE_BYTES", 100_000)
    with pytest.raises(ValueError, match="announces 640.* bytes, more than the 100000"):
        load_mat(path)


def test_labels_holding_0_and_10_are_refused(tmp_path):
    path = tmp_path / "both.mat"
    savemat(path, {"X": np.zeros((3, 4)), "y": [[0], [10], [1]]})
    with pytest.raises(ValueError, match="both.mat: 'y' holds both 0 and 10"):
        load_mat(path)
    savemat(path, {"X": np.zeros((3, 4)), "y": [[0], [9], [1]]})  # 0..9 is fine
    np.testing.assert_array_equal(load_mat(path).target, [0, 9, 1])


def test_directory_and_fifo_say_what_they_are(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        load_mat(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.mat")
        with pytest.raises(ValueError, match="pipe.mat: is a FIFO"):
            load_mat(tmp_path / "pipe.mat")


# -- MATLAB v7.3 (HDF5) files -------------------------------------------------


def v73_file(path, build):
    """A v7.3 file: ``build(h5file)`` fills it, then the MATLAB header goes
    into HDF5's 512-byte user block."""
    h5py = pytest.importorskip("h5py", reason="h5py (optional) is not installed")
    with h5py.File(path, "w", userblock_size=512) as f:
        build(f, h5py)
    with open(path, "r+b") as f:
        f.write(fake_v73_file(path.parent / "header").read_bytes()[:128])
    return path


def sparse_group(f, name, matrix, matlab_class=b"double"):
    """What ``save -v7.3`` writes for sparse(X)."""
    matrix = sp.csc_array(matrix)
    group = f.create_group(name)
    group.attrs["MATLAB_class"] = np.bytes_(matlab_class)
    group.attrs["MATLAB_sparse"] = np.uint64(matrix.shape[0])
    group["jc"] = matrix.indptr.astype(np.uint64)
    if matrix.nnz:
        group["ir"] = matrix.indices.astype(np.uint64)
        group["data"] = matrix.data
    return group


def v73_labels(f):
    f["y"] = np.array([[10.0, 1.0, 2.0, 3.0]])
    f["y"].attrs["MATLAB_class"] = np.bytes_(b"double")


def test_v73_sparse_matrix_loads(tmp_path):
    images = asymmetric_images(4, 20, 20).astype(np.float64)
    images[images < 100] = 0

    def build(f, h5py):
        sparse_group(f, "X", course_layout(images))
        v73_labels(f)

    bunch = load_mat(v73_file(tmp_path / "sparse73.mat", build))
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.target, [0, 1, 2, 3])

    def build_empty(f, h5py):  # no non-zeros: MATLAB omits ir and data
        sparse_group(f, "X", np.zeros((4, 400)))
        v73_labels(f)

    bunch = load_mat(v73_file(tmp_path / "zeros73.mat", build_empty))
    assert bunch.data.shape == (4, 400) and not bunch.data.any()


def test_v73_corrupt_sparse_matrix_is_refused(tmp_path):
    def build(f, h5py):
        group = sparse_group(f, "X", np.eye(4, 400))
        group["ir"][1] = 7  # beyond the 4 rows
        v73_labels(f)

    with pytest.raises(ValueError, match="bad73.mat: sparse variable 'X' is corrupt"):
        load_mat(v73_file(tmp_path / "bad73.mat", build))


@pytest.mark.parametrize(
    "kind, message",
    [
        ("struct", "variable 'X' is a MATLAB struct"),
        ("soft_link", "variable 'X' is an HDF5 SoftLink"),
        ("external_link", "variable 'X' is an HDF5 ExternalLink"),
        ("char", "MATLAB class 'char'"),
        ("complex", "holds complex numbers"),
        ("external_data", "keeps its data in other files"),
        ("empty", "is an empty matrix"),
    ],
)
def test_v73_non_numeric_variables_are_refused_clearly(tmp_path, kind, message):
    def build(f, h5py):
        if kind == "struct":
            f.create_group("X").attrs["MATLAB_class"] = np.bytes_(b"struct")
            f["X/a"] = np.zeros((2, 2))
        elif kind == "soft_link":
            f["X"] = h5py.SoftLink("/nowhere")
        elif kind == "external_link":
            f["X"] = h5py.ExternalLink("other.h5", "/X")
        elif kind == "char":
            f["X"] = np.array([[104, 105]], dtype=np.uint16)
            f["X"].attrs["MATLAB_class"] = np.bytes_(b"char")
        elif kind == "complex":
            f["X"] = np.zeros((400, 4), dtype=[("real", "f8"), ("imag", "f8")])
        elif kind == "external_data":
            (tmp_path / "raw.bin").write_bytes(bytes(400 * 4 * 8))
            f.create_dataset(
                "X", (400, 4), "f8", external=[(tmp_path / "raw.bin", 0, 400 * 4 * 8)]
            )
        elif kind == "empty":
            f["X"] = np.array([0, 0], dtype=np.uint64)
            f["X"].attrs["MATLAB_class"] = np.bytes_(b"double")
            f["X"].attrs["MATLAB_empty"] = np.uint8(1)
        v73_labels(f)

    path = v73_file(tmp_path / "odd73.mat", build)
    with pytest.raises(ValueError, match="odd73.mat") as excinfo:
        load_mat(path)
    assert message in str(excinfo.value)


def test_truncated_v73_file_names_the_path(tmp_path):
    def build(f, h5py):
        f["X"] = np.zeros((400, 4))
        v73_labels(f)

    path = v73_file(tmp_path / "whole73.mat", build)
    content = path.read_bytes()
    cut = tmp_path / "cut73.mat"
    cut.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match="cut73.mat: could not read"):
        load_mat(cut)


def test_v73_missing_variables_list_those_present(tmp_path):
    def build(f, h5py):
        f["Theta1"] = np.zeros((401, 25))

    with pytest.raises(ValueError) as excinfo:
        load_mat(v73_file(tmp_path / "weights73.mat", build))
    message = str(excinfo.value)
    assert message.startswith(str(tmp_path / "weights73.mat"))
    assert "'X', 'y' not found" in message and "'Theta1'" in message


def test_densifying_is_bounded_by_the_file_size(tmp_path):
    # A few non-zeros can describe a matrix of any size; densified, it may
    # take at most max(16 MiB, 1040 x the file's size).
    def sparse_file(name, n_rows):
        X = sp.csc_array(([1.0, 2.0], ([0, n_rows - 1], [0, 399])), (n_rows, 400))
        path = tmp_path / name
        savemat(path, {"X": X, "y": np.ones((n_rows, 1))}, do_compression=True)
        return path

    small = sparse_file("small.mat", 4000)  # 12.8 MB dense
    assert load_mat(small).data.shape == (4000, 400)
    large = sparse_file("large.mat", 10000)  # 32 MB dense, from a ~1 kB file
    assert large.stat().st_size < 2000
    with pytest.raises(ValueError, match="large.mat: variable 'X' would take 32000000"):
        load_mat(large)


def test_v4_file_claiming_a_vax_number_format_is_refused(tmp_path):
    path = tmp_path / "v4.mat"
    savemat(path, {"X": np.zeros((2, 4)), "y": np.ones((2, 1))}, format="4")
    content = path.read_bytes()
    # The type code's thousands digit is the number format: 3 is VAX G-float.
    path.write_bytes(struct.pack("<i", 3000) + content[4:])
    with pytest.raises(ValueError, match="v4.mat: could not read"):
        load_mat(path)

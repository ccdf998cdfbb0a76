import gzip
import io
import os
import pickle

import numpy as np
import pytest

from skmnist.datasets import load_mnist_pkl
from skmnist.datasets._unpickler import RestrictedUnpickler, UnsafePickleError

from .conftest import asymmetric_images


def theano_layout(n_train=6, n_valid=3, n_test=4):
    """(train, valid, test) pairs of float32 images in [0, 1] and int64 labels."""
    images = asymmetric_images(n_train + n_valid + n_test, 28, 28) / np.float32(255)
    images = images.reshape(len(images), -1).astype(np.float32)
    labels = np.arange(len(images), dtype=np.int64) % 10
    cuts = [0, n_train, n_train + n_valid, len(images)]
    return tuple((images[a:b], labels[a:b]) for a, b in zip(cuts, cuts[1:]))


def write_pickle(path, obj, protocol=2, compress=True):
    content = pickle.dumps(obj, protocol=protocol)
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("compress", [True, False])
def test_round_trip_each_subset(tmp_path, protocol, compress):
    layout = theano_layout()
    path = write_pickle(tmp_path / "mnist.pkl.gz", layout, protocol, compress)
    for index, subset in enumerate(["train", "valid", "test"]):
        bunch = load_mnist_pkl(path, subset=subset)
        X, y = layout[index]
        np.testing.assert_array_equal(bunch.data, X)
        assert bunch.data.dtype == np.float32
        assert bunch.images.shape == (len(X), 28, 28)
        np.testing.assert_array_equal(bunch.images, X.reshape(-1, 28, 28))
        # The pattern's top-left block and top-right pixel are where they were.
        assert np.all(bunch.images[:, :2, :3] == 1.0)
        assert np.all(bunch.images[:, 0, 26] == np.float32(254) / 255)
        assert bunch.target.dtype == np.int64
        np.testing.assert_array_equal(bunch.target, y)
        assert bunch.subset == subset and bunch.filename == os.fspath(path)


def test_return_X_y_and_default_path(tmp_path, monkeypatch):
    write_pickle(tmp_path / "mnist.pkl.gz", theano_layout())
    monkeypatch.setenv("SKMNIST_DATA", str(tmp_path))
    X, y = load_mnist_pkl(subset="valid", return_X_y=True)
    assert X.shape == (3, 784) and y.tolist() == [6, 7, 8]


def test_data_home_argument_is_searched(tmp_path, monkeypatch):
    write_pickle(tmp_path / "mnist.pkl.gz", theano_layout())
    monkeypatch.setenv("SKMNIST_DATA", str(tmp_path / "elsewhere"))
    X, _ = load_mnist_pkl(data_home=tmp_path, subset="test", return_X_y=True)
    assert X.shape == (4, 784)


@pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "2.0.0",
    reason="NumPy 1 itself writes the numpy.core names this test makes from "
    "NumPy 2's numpy._core ones; the other pickle tests read them here",
)
def test_numpy1_module_names_are_accepted(tmp_path):
    # Pickles written by NumPy 1 (and the Python 2 tutorial file) name
    # numpy.core.multiarray; NumPy 2 writes numpy._core.multiarray.
    content = pickle.dumps(theano_layout(), protocol=2)
    old_style = content.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert old_style != content
    path = tmp_path / "old.pkl"
    path.write_bytes(old_style)
    assert load_mnist_pkl(path, subset="test").data.shape == (4, 784)


class _CreatesMarker:
    """Unpickling this runs ``exec``, which creates the marker file."""

    def __init__(self, marker):
        self.marker = os.fspath(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


class _RunsShell:
    def __init__(self, marker):
        self.marker = os.fspath(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


@pytest.mark.parametrize("payload_class", [_CreatesMarker, _RunsShell])
def test_malicious_pickle_is_refused_and_does_not_run(tmp_path, payload_class):
    # The payload is real: a plain pickle.loads runs it.
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(payload_class(proof)))
    assert proof.exists()

    marker = tmp_path / "marker"
    # Hidden inside an otherwise valid layout.
    layout = theano_layout()
    evil = (layout[0], (layout[1][0], payload_class(marker)), layout[2])
    path = write_pickle(tmp_path / "mnist.pkl.gz", evil)
    with pytest.raises(UnsafePickleError) as excinfo:
        load_mnist_pkl(path)
    message = str(excinfo.value)
    assert "mnist.pkl.gz" in message and "not allowed" in message
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value, pickle.UnpicklingError)
    assert not marker.exists()


def test_only_latin1_codec_is_admitted(tmp_path):
    # _codecs.encode is allowed for NumPy's byte buffers, but not other codecs.
    evil = (
        b"\x80\x02c_codecs\nencode\nq\x00X\x03\x00\x00\x00abcq\x01X\x06\x00\x00\x00"
        b"rot_13q\x02\x86q\x03Rq\x04."
    )
    with pytest.raises(UnsafePickleError, match="codec 'rot_13'"):
        RestrictedUnpickler(io.BytesIO(evil)).load()


def test_wrong_layout(tmp_path):
    path = write_pickle(tmp_path / "dict.pkl", {"X": np.zeros((2, 784))})
    with pytest.raises(
        ValueError, match=r"dict\.pkl: expected the Theano tutorial layout"
    ):
        load_mnist_pkl(path)
    layout = list(theano_layout())
    layout[0] = (np.zeros((6, 783), np.float32), layout[0][1])
    path = write_pickle(tmp_path / "odd.pkl", tuple(layout))
    with pytest.raises(ValueError, match="783 pixels per image"):
        load_mnist_pkl(path)
    layout[0] = (np.zeros((5, 784), np.float32), layout[0][1])
    path = write_pickle(tmp_path / "short.pkl", tuple(layout))
    with pytest.raises(ValueError, match="expected 5 integer labels"):
        load_mnist_pkl(path)


def test_truncated_pickle(tmp_path):
    content = pickle.dumps(theano_layout(), protocol=2)
    path = tmp_path / "cut.pkl"
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"cut\.pkl: not a readable pickle"):
        load_mnist_pkl(path)


def test_bad_subset_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="subset must be one of"):
        load_mnist_pkl(tmp_path / "x", subset="validation")
    with pytest.raises(FileNotFoundError, match="mnist.pkl.gz"):
        load_mnist_pkl(tmp_path / "mnist.pkl.gz")


# Hand-assembled protocol 2 pickles, for what no pickler writes.
def push(obj):
    """Opcodes pushing ``obj`` (its own memo puts are harmless)."""
    return pickle.dumps(obj, protocol=2)[2:-1]


def glob(module, name):
    return f"c{module}\n{name}\n".encode()


def call(func, *args):
    return func + b"(" + b"".join(args) + b"tR"


def put(index):  # memo slots from 1000 on, clear of those push() uses
    return b"r" + (1000 + index).to_bytes(4, "little")


def get(index):
    return b"j" + (1000 + index).to_bytes(4, "little")


def stream(*ops):
    return b"\x80\x02" + b"".join(ops) + b"."


def restricted_load(data):
    return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()


def load_with_peak_memory(data):
    """Unpickle ``data`` and return (the exception it raised, peak bytes)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(UnsafePickleError) as excinfo:
            restricted_load(data)
        return excinfo.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


NDARRAY = glob("numpy", "ndarray")
RECONSTRUCT = glob("numpy.core.multiarray", "_reconstruct")

ARRAY_STATE = b"(" + push(1) + push((2**25,)) + call(glob("numpy", "dtype"), push("O8"))

ALLOCATION_BOMBS = {
    "bytearray_n": call(glob("builtins", "bytearray"), push(2**28)),
    "newobj_bytes_n": glob("builtins", "bytes") + push((2**28,)) + b"\x81",
    "ndarray_shape": call(NDARRAY, push((2**25,)), push("f8")),
    "reconstruct_shape": call(RECONSTRUCT, NDARRAY, push((2**28,)), push(b"b")),
    "copy_reg_reconstructor": call(
        glob("copy_reg", "_reconstructor"),
        glob("__builtin__", "bytearray"),
        glob("__builtin__", "bytearray"),
        push(2**28),
    ),
    "array_state_shape": call(RECONSTRUCT, NDARRAY, push((0,)), push(b"b"))
    + ARRAY_STATE
    + push(False)
    + push([])
    + b"tb",
}


@pytest.mark.parametrize("name", list(ALLOCATION_BOMBS))
def test_small_pickle_cannot_allocate_much(name):
    # Each of these is at most a few dozen bytes and asks for 256 MiB.
    data = stream(ALLOCATION_BOMBS[name])
    assert len(data) < 200
    error, peak = load_with_peak_memory(data)
    assert "would allocate" in str(error) or "not allowed" in str(error)
    assert peak < 16 * 2**20


def test_allocations_add_up_across_calls():
    # Many modest allocations from one small file are bounded in total too.
    one = call(glob("builtins", "bytearray"), push(2**19))
    data = stream(b"(" + one * 100 + b"t")
    error, peak = load_with_peak_memory(data)
    assert "used so far" in str(error) and peak < 16 * 2**20


def test_huge_memo_index_allocates_nothing():
    # The C unpickler sizes its memo table by the largest index it is given.
    data = stream(b"N" + b"r" + (2**24).to_bytes(4, "little"))
    import tracemalloc

    tracemalloc.start()
    try:
        assert restricted_load(data) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_budget_scales_with_the_file_and_is_documented():
    data = stream(call(glob("builtins", "bytearray"), push(3000)))
    with pytest.raises(UnsafePickleError, match="3000 bytes"):
        RestrictedUnpickler(io.BytesIO(data), max_bytes=2000).load()
    assert RestrictedUnpickler(io.BytesIO(data), max_bytes=4000).load() == bytearray(
        3000
    )


@pytest.mark.parametrize("protocol", [0, 1, 2])
@pytest.mark.parametrize(
    "obj",
    [
        np.zeros(0),
        np.zeros((0, 784), np.float32),
        {1, 2},
        frozenset({"a"}),
        1 + 2j,
        bytearray(b"a\x00\xff"),
        b"",
        [b"x", {"k": (1.5, None)}],
    ],
    ids=[
        "empty",
        "empty_2d",
        "set",
        "frozenset",
        "complex",
        "bytearray",
        "bytes",
        "nested",
    ],
)
def test_python3_protocol_0_to_2_names_are_mapped(protocol, obj):
    # Python 3 writes __builtin__.set, __builtin__.bytes... at these protocols.
    result = restricted_load(pickle.dumps(obj, protocol=protocol))
    assert type(result) is type(obj)
    if isinstance(obj, np.ndarray):
        assert result.dtype == obj.dtype and result.shape == obj.shape
    else:
        assert result == obj


def test_copy_reg_reconstructor_rebuilds_allowed_types_only():
    reconstructor = glob("copy_reg", "_reconstructor")
    py2_set = glob("__builtin__", "set")
    data = stream(call(reconstructor, py2_set, py2_set, push([1, 2])))
    assert restricted_load(data) == {1, 2}
    # A subclass (cls is not base) or a type outside the allow-list is refused.
    data = stream(call(reconstructor, py2_set, glob("__builtin__", "list"), push([])))
    with pytest.raises(UnsafePickleError, match="_reconstructor"):
        restricted_load(data)
    data = stream(call(reconstructor, py2_set, py2_set, push("x")))
    with pytest.raises(UnsafePickleError, match="set from a builtins.str object"):
        restricted_load(data)


def test_empty_subset_written_by_python3_protocol_2(tmp_path):
    train, _, test = theano_layout()
    empty = (np.zeros((0, 784), np.float32), np.zeros(0, np.int64))
    path = write_pickle(tmp_path / "mnist.pkl.gz", (train, empty, test), protocol=2)
    bunch = load_mnist_pkl(path, subset="valid")
    assert bunch.data.shape == (0, 784) and bunch.images.shape == (0, 28, 28)
    assert load_mnist_pkl(path, subset="train").data.shape == (6, 784)


@pytest.mark.parametrize(
    "module, name",
    [
        ("__builtin__", "eval"),  # mapped to builtins.eval
        ("__builtin__", "getattr"),
        ("posix", "system"),
        ("copy_reg", "__newobj__"),
        ("numpy", "load"),
    ],
)
def test_mapped_names_still_go_through_the_allow_list(module, name):
    data = stream(call(glob(module, name), push("1")))
    with pytest.raises(UnsafePickleError, match="not allowed"):
        restricted_load(data)


def test_dtype_of_an_array_cannot_be_redefined():
    # Growing the item size of a dtype that an 8-byte array already uses
    # would let NumPy read far beyond the array's memory.
    dtype = call(glob("numpy", "dtype"), push("V2"), push(False), push(True))
    array_state = b"(" + push(1) + push((4,)) + get(0) + push(False)
    array = call(RECONSTRUCT, NDARRAY, push((0,)), push(b"b"))
    array += array_state + push(b"\0" * 8) + b"tb"
    grow = get(0) + push((3, "|", None, None, None, 2**20, 1, 0)) + b"b"
    data = stream(dtype, put(0), b"0", array, grow, b"\x86")
    with pytest.raises(UnsafePickleError, match="redefines the dtype"):
        restricted_load(data)


def test_state_is_set_only_on_arrays_and_dtypes():
    from skmnist.datasets import _unpickler

    encode = glob("_codecs", "encode")
    slot_state = push(({}, {"__defaults__": ("rot13",)}))
    data = stream(encode, slot_state, b"b")
    with pytest.raises(UnsafePickleError, match="sets the state of a builtins"):
        restricted_load(data)
    assert _unpickler._latin1_encode.__defaults__ == ("latin1",)


def test_cached_extension_codes_are_refused(tmp_path, monkeypatch):
    import copyreg
    import sys
    import types

    marker = tmp_path / "marker"
    canary = types.ModuleType("skmnist_test_canary")
    canary.touch = lambda: marker.write_text("ran")
    monkeypatch.setitem(sys.modules, "skmnist_test_canary", canary)
    code = 0xBEEF
    copyreg.add_extension("skmnist_test_canary", "touch", code)
    try:
        ext = b"\x83" + code.to_bytes(2, "little")
        pickle.loads(stream(ext))  # primes copyreg's process-wide cache
        with pytest.raises(UnsafePickleError, match="extension code"):
            restricted_load(stream(ext + b")R"))
    finally:
        copyreg.remove_extension("skmnist_test_canary", "touch", code)
    assert not marker.exists()


def test_directory_fifo_and_gzip_bomb(tmp_path, monkeypatch):
    from skmnist.datasets import _pickle

    with pytest.raises(ValueError, match="is a directory"):
        load_mnist_pkl(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.pkl")
        with pytest.raises(ValueError, match="is a FIFO"):
            load_mnist_pkl(tmp_path / "fifo.pkl")
    monkeypatch.setattr(_pickle, "MAX_PICKLE_BYTES", 2**20)
    bomb = tmp_path / "bomb.pkl.gz"
    bomb.write_bytes(gzip.compress(bytes(2**24)))
    with pytest.raises(ValueError, match="expands to more than 1048576 bytes"):
        load_mnist_pkl(bomb)


def test_docstring_examples():
    import doctest

    from skmnist.datasets import _unpickler

    result = doctest.testmod(_unpickler, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_announced_bytearray_size_is_charged_before_allocating():
    # Protocol 5's BYTEARRAY8 announces its length; the standard unpickler
    # allocates that much before finding the data missing.
    data = b"\x80\x05\x96" + (2**28).to_bytes(8, "little") + b"abc."
    error, peak = load_with_peak_memory(data)
    assert "268435456 bytes for a bytearray" in str(error)
    assert peak < 16 * 2**20
    assert restricted_load(pickle.dumps(bytearray(b"ab\0"), protocol=5)) == b"ab\0"

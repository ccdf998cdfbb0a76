"""Property-based tests: whatever bytes the loaders are given, they return or
raise a ValueError naming the file, nothing else, quickly and within bounded
memory; and the restricted unpickler never calls anything outside its
allow-list.

A few hundred examples per property by default (a few seconds each); set
SKMNIST_HYPOTHESIS_EXAMPLES (e.g. to 5000) for a longer local run, which also
draws new examples each time instead of the reproducible default ones.
"""

import gzip
import io
import os
import pickle
import struct
import sys
import time
import tracemalloc
import types
import zlib

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from skmnist.datasets import load_idx, load_mat, load_mnist_pkl  # noqa: E402
from skmnist.datasets._unpickler import (  # noqa: E402
    RestrictedUnpickler,
    _allowed_globals,
)

from .conftest import asymmetric_images, idx_bytes  # noqa: E402

pytestmark = pytest.mark.slow

_LONG_RUN = int(os.environ.get("SKMNIST_HYPOTHESIS_EXAMPLES", "0"))


def fuzz(default_examples):
    """Settings for one property: ``default_examples`` reproducible examples,
    or SKMNIST_HYPOTHESIS_EXAMPLES fresh ones."""
    return settings(
        max_examples=_LONG_RUN or default_examples,
        derandomize=not _LONG_RUN,
        deadline=None,  # timing is asserted below, with a generous bound
        database=None,  # leaves no .hypothesis folder behind
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Per example: generous bounds for loads that take milliseconds and
# kilobytes, far below what the bugs these guard against cost (seconds,
# gigabytes).
MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 64 * 2**20


def assert_only_value_error(load, *paths):
    """Run ``load(*paths)``: it may return, or raise a ValueError naming one
    of the files, nothing else, within ``MAX_SECONDS`` and ``MAX_PEAK_BYTES``
    of traced allocations."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load(*paths)
    except ValueError as exc:
        assert any(str(path) in str(exc) for path in paths), str(exc)
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
    assert peak < MAX_PEAK_BYTES, f"allocated {peak} bytes at the peak"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def write(directory, name, content):
    path = directory / name
    path.write_bytes(content)
    return path


def flip(content, position, value):
    """``content`` with the byte at ``position`` (modulo its length) replaced,
    made different from the original."""
    content = bytearray(content)
    position %= len(content)
    content[position] = value if value != content[position] else value ^ 0xFF
    return bytes(content)


flips = st.tuples(st.integers(0, 2**20), st.integers(0, 255))


# -- IDX ----------------------------------------------------------------------

IDX_IMAGES = idx_bytes(asymmetric_images(3, 4, 5))
IDX_LABELS = idx_bytes(np.array([1, 2, 3], dtype=np.uint8))


@fuzz(300)
@given(content=st.binary(max_size=300), gzipped=st.booleans())
def test_idx_arbitrary_bytes(workdir, content, gzipped):
    if gzipped:
        content = gzip.compress(content)
    path = write(workdir, "any", content)
    labels = write(workdir, "labels", IDX_LABELS)
    assert_only_value_error(load_idx, path, labels)
    assert_only_value_error(load_idx, write(workdir, "images", IDX_IMAGES), path)


# Sizes whose products overflow 64 bits, or are 0, with ordinary ones.
IDX_SIZES = st.one_of(
    st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 3, 4, 2**16, 2**31, 2**32 - 1])
)


@fuzz(200)
@given(
    dims=st.lists(IDX_SIZES, min_size=3, max_size=3),
    extra=st.binary(max_size=64),
    gzipped=st.booleans(),
)
def test_idx_arbitrary_headers(workdir, dims, extra, gzipped):
    content = struct.pack(">I3I", 2051, *dims) + extra
    path = write(workdir, "header", gzip.compress(content) if gzipped else content)
    labels = write(workdir, "labels", struct.pack(">II", 2049, dims[0]) + extra)
    assert_only_value_error(load_idx, path, labels)


@fuzz(300)
@given(flip=flips, which=st.sampled_from(["images", "labels"]), gzipped=st.booleans())
def test_idx_byte_flips(workdir, flip, which, gzipped):
    files = {"images": IDX_IMAGES, "labels": IDX_LABELS}
    files[which] = globals()["flip"](files[which], *flip)
    paths = [
        write(workdir, name, gzip.compress(data) if gzipped else data)
        for name, data in files.items()
    ]
    assert_only_value_error(load_idx, *paths)


# -- .mat ---------------------------------------------------------------------


def saved_mat(variables, **kwargs):
    from scipy.io import savemat

    buffer = io.BytesIO()
    savemat(buffer, variables, **kwargs)
    return buffer.getvalue()


def mat_bases():
    import scipy.sparse as sp

    X = asymmetric_images(4, 3, 3).reshape(4, 9).astype(np.float64)
    y = np.array([[10], [1], [2], [3]], dtype=np.uint8)
    sparse_X = sp.csc_array(X * (X > 120))
    cell = np.empty((1, 2), dtype=object)
    cell[0, 0], cell[0, 1] = np.zeros(2), "text"
    extra = {"s": {"a": [1.0, 2.0]}, "c": cell, "t": "chars", "z": 1 + 2j}
    return {
        "plain": saved_mat({"X": X, "y": y}),
        "zipped": saved_mat({"X": X, "y": y}, do_compression=True),
        "sparse": saved_mat({"X": sparse_X, "y": y.astype(float), **extra}),
        "sparse_zipped": saved_mat(
            {"X": sparse_X, "y": y, **extra}, do_compression=True
        ),
        "single_complex": saved_mat(
            {"X": X.astype(np.float32), "y": y, "w": X + 1j}, do_compression=False
        ),
        "v4": saved_mat({"X": X, "y": y.astype(float)}, format="4"),
    }


MAT_BASES = mat_bases()


@fuzz(500)
@given(base=st.sampled_from(sorted(MAT_BASES)), flip=flips)
def test_mat_byte_flips(workdir, base, flip):
    # One flipped byte used to be able to crash the interpreter in scipy.
    path = write(workdir, "flipped.mat", globals()["flip"](MAT_BASES[base], *flip))
    assert_only_value_error(load_mat, path)


@fuzz(200)
@given(
    base=st.sampled_from(sorted(MAT_BASES)),
    flips=st.lists(flips, min_size=2, max_size=6),
)
def test_mat_several_byte_flips(workdir, base, flips):
    content = MAT_BASES[base]
    for position, value in flips:
        content = flip(content, position, value)
    assert_only_value_error(load_mat, write(workdir, "flipped.mat", content))


@fuzz(300)
@given(body=st.binary(max_size=400), big_endian=st.booleans())
def test_mat_v5_header_then_arbitrary_bytes(workdir, body, big_endian):
    header = MAT_BASES["plain"][:128]
    if big_endian:
        header = header[:124] + b"\x01\x00MI"
    assert_only_value_error(load_mat, write(workdir, "any.mat", header + body))


@fuzz(200)
@given(content=st.binary(max_size=400))
def test_mat_arbitrary_bytes(workdir, content):
    assert_only_value_error(load_mat, write(workdir, "any.mat", content))


@fuzz(200)
@given(
    body=st.binary(min_size=8, max_size=300),
    n_bytes=st.integers(0, 2**32 - 1),
    name=st.sampled_from([b"X", b"y", b"\xff"]),
)
def test_mat_compressed_variables_with_arbitrary_content(workdir, body, n_bytes, name):
    # A well-formed zlib stream holding an arbitrary (mostly broken) matrix
    # element, whose announced size may be anything.
    inner = struct.pack("<II", 14, n_bytes) + body.replace(b"X", name)
    stream = zlib.compress(inner)
    element = struct.pack("<II", 15, len(stream)) + stream
    content = MAT_BASES["zipped"][:128] + element
    assert_only_value_error(load_mat, write(workdir, "zipped.mat", content))


def v73_base():
    h5py = pytest.importorskip("h5py", reason="h5py (optional) is not installed")
    import scipy.sparse as sp

    buffer = io.BytesIO()
    X = asymmetric_images(4, 3, 3).reshape(4, 9).astype(np.float64)
    with h5py.File(buffer, "w", userblock_size=512) as f:
        f["y"] = np.array([[10.0, 1.0, 2.0, 3.0]])
        sparse = sp.csc_array(X * (X > 120))
        group = f.create_group("X")
        group.attrs["MATLAB_class"] = np.bytes_(b"double")
        group.attrs["MATLAB_sparse"] = np.uint64(4)
        group["jc"] = sparse.indptr.astype(np.uint64)
        group["ir"] = sparse.indices.astype(np.uint64)
        group["data"] = sparse.data
    header = b"MATLAB 7.3 MAT-file, HDF5 schema 1.00 .".ljust(116) + bytes(8)
    return header + b"\x00\x02IM" + buffer.getvalue()[128:]


@fuzz(200)
@given(flip=flips)
def test_mat_v73_byte_flips(workdir, flip):
    content = v73_base()
    assert load_mat(write(workdir, "base73.mat", content)).data.shape == (4, 9)
    path = write(workdir, "flipped73.mat", globals()["flip"](content, *flip))
    assert_only_value_error(load_mat, path)


# -- Pickles ------------------------------------------------------------------


def theano_pickle(protocol):
    images = asymmetric_images(3, 4, 4).reshape(3, 16).astype(np.float32) / 255
    pair = (images, np.array([1, 2, 3]))
    return pickle.dumps((pair, pair, pair), protocol=protocol)


PICKLES = {protocol: theano_pickle(protocol) for protocol in (0, 2, 4, 5)}


@fuzz(300)
@given(content=st.binary(max_size=300), gzipped=st.booleans())
def test_pickle_arbitrary_bytes(workdir, content, gzipped):
    content = gzip.compress(content) if gzipped else content
    assert_only_value_error(load_mnist_pkl, write(workdir, "any.pkl", content))


@fuzz(400)
@given(protocol=st.sampled_from(sorted(PICKLES)), flip=flips)
def test_pickle_byte_flips(workdir, protocol, flip):
    content = globals()["flip"](PICKLES[protocol], *flip)
    assert_only_value_error(load_mnist_pkl, write(workdir, "flipped.pkl", content))


# The unpickler on arbitrary opcode streams.  Names offered to GLOBAL/INST
# include a canary that records being called, and dangerous functions: the
# property is that nothing but the allow-list is ever resolved or called.

CANARY_CALLS = []
canary = types.ModuleType("skmnist_pickle_canary")
canary.run = lambda *args, **kwargs: CANARY_CALLS.append(args)
canary.Klass = type("Klass", (), {"__init__": canary.run, "__setstate__": canary.run})

NAMES = [
    ("skmnist_pickle_canary", "run"),
    ("skmnist_pickle_canary", "Klass"),
    ("os", "system"),
    ("posix", "system"),
    ("builtins", "eval"),
    ("__builtin__", "exec"),
    ("builtins", "getattr"),
    ("__builtin__", "__import__"),
    ("builtins", "object"),
    ("builtins", "type"),
    ("subprocess", "Popen"),
    ("copyreg", "__newobj__"),
    ("numpy", "load"),
    ("numpy.lib.npyio", "load"),
    *sorted(_allowed_globals()),
    ("__builtin__", "set"),
    ("__builtin__", "bytearray"),
    ("copy_reg", "_reconstructor"),
]


def op_long(n):  # LONG1
    return b"\x8a\x08" + n.to_bytes(8, "little", signed=True)


def op_int(n):  # BININT
    return b"J" + n.to_bytes(4, "little")


def op_text(text):  # BINUNICODE
    return b"X" + len(text).to_bytes(4, "little") + text.encode()


def op_bytes(data):  # SHORT_BINBYTES
    return b"C" + bytes([len(data)]) + data


def op_global(name):  # GLOBAL
    return b"c" + f"{name[0]}\n{name[1]}\n".encode()


def op_stack_global(name):  # SHORT_BINUNICODE x 2, STACK_GLOBAL
    module, attribute = (part.encode() for part in name)
    return (
        b"\x8c" + bytes([len(module)]) + module
        + b"\x8c" + bytes([len(attribute)]) + attribute + b"\x93"
    )  # fmt: skip


def op_inst(name):  # INST: find_class, then call with what follows MARK
    return b"i" + f"{name[0]}\n{name[1]}\n".encode()


# MARK, TUPLE, LIST, DICT, APPENDS, SETITEMS, SETITEM, REDUCE, NEWOBJ,
# NEWOBJ_EX, BUILD, OBJ, POP, DUP, NONE, TRUE, FALSE, EMPTY_TUPLE/LIST/DICT,
# TUPLE1-3, EMPTY_SET, ADDITEMS, FROZENSET, POP_MARK.
SIMPLE_OPS = [
    b"(", b"t", b"l", b"d", b"e", b"u", b"s", b"R", b"\x81", b"\x92", b"b",
    b"o", b"0", b"2", b"N", b"\x88", b"\x89", b")", b"]", b"}", b"\x85",
    b"\x86", b"\x87", b"\x8f", b"\x90", b"\x91", b"1",
]  # fmt: skip

OPCODES = st.one_of(
    st.integers(-(2**40), 2**40).map(op_long),
    st.integers(0, 2**31 - 1).map(op_int),
    st.sampled_from(["latin1", "rot13", "utf-8", "b", "f8", "V8", "O", ">i4"]).map(
        op_text
    ),
    st.binary(max_size=16).map(op_bytes),
    st.sampled_from(NAMES).map(op_global),
    st.sampled_from(NAMES).map(op_stack_global),
    st.sampled_from(NAMES).map(op_inst),
    st.integers(0, 8).map(lambda i: b"q" + bytes([i])),  # BINPUT
    st.integers(0, 8).map(lambda i: b"h" + bytes([i])),  # BINGET
    st.integers(0, 2**32 - 1).map(lambda i: b"r" + i.to_bytes(4, "little")),
    st.integers(0, 2**16 - 1).map(lambda i: b"\x83" + i.to_bytes(2, "little")),
    st.sampled_from(SIMPLE_OPS),
)


class RecordingUnpickler(RestrictedUnpickler):
    """Records every global it resolves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolved = []

    def find_class(self, module, name):
        target = super().find_class(module, name)
        self.resolved.append(target)
        return target


# Python code the unpickler may run: its own, the checks, NumPy's array
# helpers, codecs (and hypothesis's garbage-collection hook, which runs at any
# time).  Anything else running during a load is a failure, as is any call of
# these builtins.
ALLOWED_CODE = (
    "pickle.py",
    "_pickle.py",
    "_unpickler.py",
    "test_loader_properties.py",
    "reprlib.py",
    "codecs.py",
    *(f"{os.sep}{package}{os.sep}" for package in ("numpy", "encodings", "hypothesis")),
)
FORBIDDEN_BUILTINS = [eval, exec, compile, open, __import__, os.system]


class CallWatcher:
    def __init__(self):
        self.foreign = []

    def __call__(self, frame, event, arg):
        if event == "call":
            filename = frame.f_code.co_filename
            if not any(part in filename for part in ALLOWED_CODE):
                self.foreign.append(f"{filename}:{frame.f_code.co_name}")
        elif event == "c_call" and any(arg is f for f in FORBIDDEN_BUILTINS):
            self.foreign.append(repr(arg))


@fuzz(800)
@given(ops=st.lists(OPCODES, max_size=40), protocol=st.sampled_from([2, 4]))
def test_unpickler_never_calls_outside_the_allow_list(ops, protocol):
    data = b"\x80" + bytes([protocol]) + b"".join(ops) + b"."
    unpickler = RecordingUnpickler(io.BytesIO(data), encoding="latin1")
    watcher = CallWatcher()
    sys.modules["skmnist_pickle_canary"] = canary
    tracemalloc.start()
    sys.setprofile(watcher)
    try:
        unpickler.load()
    except Exception:  # malformed streams fail in many ways; none may run code
        pass
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del sys.modules["skmnist_pickle_canary"]
    assert CANARY_CALLS == []
    assert watcher.foreign == []
    allowed = list(_allowed_globals().values())
    assert all(any(obj is target for target in allowed) for obj in unpickler.resolved)
    assert peak < MAX_PEAK_BYTES

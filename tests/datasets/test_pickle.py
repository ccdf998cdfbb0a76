import gzip
import io
import os
import pickle

import numpy as np
import pytest

from skmnist.datasets import load_mnist_pkl
from skmnist.datasets._pickle import RestrictedUnpickler, UnsafePickleError

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

"""Tests of the fetchers, with downloads served by a local HTTP server on
127.0.0.1 started here (no other network is used)."""

import dataclasses
import gzip
import hashlib
import http.server
import os
import socket
import threading

import numpy as np
import pytest

from skmnist.datasets import _download, _fetch, fetch_fashion_mnist, fetch_mnist

from .conftest import assert_digits_look_upright, asymmetric_images, idx_bytes

ROLES = ("train_images", "train_labels", "test_images", "test_labels")


# --------------------------------------------------------------------------
# A tiny dataset in MNIST's layout, and a local server for it


@dataclasses.dataclass
class TinyDataset:
    images: dict  # part -> uint8 (n, h, w)
    labels: dict  # part -> uint8 (n,)
    gz: dict  # file name -> gzip'd bytes
    spec: _fetch.IdxDataset


def make_tiny(base, **overrides):
    """10 training and 4 test 6x5 images, with checksums, replacing ``base``."""
    images = {"train": asymmetric_images(10, 6, 5, seed=1),
              "test": asymmetric_images(4, 6, 5, seed=2)}  # fmt: skip
    labels = {"train": np.arange(10, dtype=np.uint8),
              "test": np.array([7, 2, 1, 0], dtype=np.uint8)}  # fmt: skip
    files, gz = {}, {}
    for role in ROLES:
        part, kind = role.split("_")
        raw = idx_bytes(images[part] if kind == "images" else labels[part])
        name = base.files[role].filename
        files[role] = _fetch.RemoteFile(name, len(raw), hashlib.sha256(raw).hexdigest())
        gz[name] = gzip.compress(raw)
    options = dict(files=files, mirrors=(), system_dirs=(), n_valid=3)
    options.update(overrides)
    return TinyDataset(images, labels, gz, dataclasses.replace(base, **options))


@pytest.fixture
def tiny(monkeypatch):
    """Replace the MNIST description by a tiny dataset with known checksums."""
    dataset = make_tiny(_fetch.MNIST)
    monkeypatch.setattr(_fetch, "MNIST", dataset.spec)
    return dataset


def put_files(directory, gz, uncompressed=False):
    os.makedirs(directory, exist_ok=True)
    for name, content in gz.items():
        if uncompressed:
            name, content = name[: -len(".gz")], gzip.decompress(content)
        with open(os.path.join(directory, name), "wb") as f:
            f.write(content)


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5  # seconds; a stuck client cannot hold the server

    def do_GET(self):
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        mode, body = route
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "truncate":
            # Announce the full length, send half, then hang up.
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    """HTTP server on 127.0.0.1; ``server.serve(prefix, files, mode)`` adds
    routes and returns the mirror's base URL."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(_download, "DOWNLOAD_TIMEOUT", 5)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.routes, httpd.requests = {}, []
    base = f"http://127.0.0.1:{httpd.server_address[1]}"

    def serve(prefix, files, mode="ok"):
        for name, content in files.items():
            httpd.routes[f"/{prefix}/{name}"] = (mode, content)
        return f"{base}/{prefix}/"

    httpd.serve = serve
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def dead_mirror():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def check_tiny_bunch(bunch, tiny, part):
    np.testing.assert_array_equal(bunch.images, tiny.images[part] / np.float32(255))
    np.testing.assert_array_equal(bunch.target, tiny.labels[part])
    assert bunch.data.shape == (len(tiny.labels[part]), 30)
    assert bunch.data.dtype == np.float32 and bunch.target.dtype == np.int64


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


# --------------------------------------------------------------------------
# Local files


def test_local_files_are_used_without_download(tiny, server, tmp_path):
    put_files(tmp_path / "mnist", tiny.gz)
    mirror = server.serve("m", tiny.gz)
    for part in ("train", "test"):
        bunch = fetch_mnist(data_home=tmp_path, subset=part, mirrors=[mirror])
        check_tiny_bunch(bunch, tiny, part)
        assert bunch.filenames[0] == os.path.join(
            str(tmp_path), "mnist", tiny.spec.files[f"{part}_images"].filename
        )
    assert server.requests == []


def test_subsets_and_splits(tiny, tmp_path):
    put_files(tmp_path / "mnist", tiny.gz)
    X, y = fetch_mnist(
        data_home=tmp_path, subset="all", normalize=False, return_X_y=True
    )
    assert X.dtype == np.uint8 and X.shape == (14, 30)
    np.testing.assert_array_equal(
        y, np.concatenate([tiny.labels["train"], tiny.labels["test"]])
    )

    # The Theano split: the validation set is the end of the training file.
    train = fetch_mnist(data_home=tmp_path, split="theano", subset="train")
    valid = fetch_mnist(data_home=tmp_path, split="theano", subset="valid")
    test = fetch_mnist(data_home=tmp_path, split="theano", subset="test")
    np.testing.assert_array_equal(train.target, np.arange(7))
    np.testing.assert_array_equal(valid.target, [7, 8, 9])
    np.testing.assert_array_equal(
        valid.images[-1], tiny.images["train"][-1] / np.float32(255)
    )
    check_tiny_bunch(test, tiny, "test")
    assert (valid.split, valid.subset) == ("theano", "valid")


def test_data_home_from_environment(tiny, tmp_path, monkeypatch):
    put_files(tmp_path / "mnist", tiny.gz)
    monkeypatch.setenv("SKMNIST_DATA", str(tmp_path))
    check_tiny_bunch(
        fetch_mnist(subset="test", download_if_missing=False), tiny, "test"
    )


def test_uncompressed_local_copies_are_found(tiny, tmp_path):
    put_files(tmp_path / "mnist", tiny.gz, uncompressed=True)
    check_tiny_bunch(
        fetch_mnist(data_home=tmp_path, download_if_missing=False), tiny, "train"
    )


def test_corrupt_local_file_is_reported(tiny, tmp_path):
    put_files(tmp_path / "mnist", tiny.gz)
    name = tiny.spec.files["test_images"].filename
    altered = bytearray(gzip.decompress(tiny.gz[name]))
    altered[-1] ^= 0xFF
    (tmp_path / "mnist" / name).write_bytes(gzip.compress(bytes(altered)))
    with pytest.raises(
        ValueError, match=f"{name}: not the published MNIST file.*delete it"
    ):
        fetch_mnist(data_home=tmp_path, subset="test")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subset": "valid"}, "subset must be one of \\('train', 'test', 'all'\\)"),
        ({"split": "theano", "subset": "all"}, "'train', 'valid', 'test'"),
        ({"split": "keras"}, "split must be one of"),
    ],
)
def test_invalid_subset_or_split(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        fetch_mnist(data_home=tmp_path, **kwargs)


# --------------------------------------------------------------------------
# Downloads


def test_download_success(tiny, server, tmp_path):
    mirror = server.serve("mnist", tiny.gz)
    bunch = fetch_mnist(data_home=tmp_path, subset="all", mirrors=[mirror])
    assert bunch.data.shape == (14, 30)
    assert files_in(tmp_path / "mnist") == sorted(tiny.gz)  # no temporary files
    for name, content in tiny.gz.items():
        assert (tmp_path / "mnist" / name).read_bytes() == content
    assert len(server.requests) == 4

    # Second call: everything is local now.
    check_tiny_bunch(fetch_mnist(data_home=tmp_path, mirrors=[mirror]), tiny, "train")
    assert len(server.requests) == 4


def test_only_needed_files_are_downloaded(tiny, server, tmp_path):
    mirror = server.serve("mnist", tiny.gz)
    fetch_mnist(data_home=tmp_path, subset="test", mirrors=[mirror])
    assert sorted(server.requests) == ["/mnist/t10k-images-idx3-ubyte.gz",
                                       "/mnist/t10k-labels-idx1-ubyte.gz"]  # fmt: skip


def test_default_mirrors_come_from_the_dataset_description(
    tiny, server, tmp_path, monkeypatch
):
    mirror = server.serve("default", tiny.gz)
    monkeypatch.setattr(
        _fetch, "MNIST", dataclasses.replace(tiny.spec, mirrors=(mirror,))
    )
    check_tiny_bunch(fetch_mnist(data_home=tmp_path, subset="test"), tiny, "test")


def test_checksum_mismatch_rejects_file(tiny, server, tmp_path):
    wrong = {
        name: gzip.compress(gzip.decompress(c)[:-1] + b"\x01")
        for name, c in tiny.gz.items()
    }
    mirror = server.serve("mnist", wrong)
    with pytest.raises(OSError) as excinfo:
        fetch_mnist(data_home=tmp_path, mirrors=[mirror])
    message = str(excinfo.value)
    assert "checksum mismatch" in message and mirror in message
    assert files_in(tmp_path / "mnist") == []  # nothing left in the cache


@pytest.mark.parametrize("first", ["refused", "not found", "bad checksum", "truncated"])
def test_failing_first_mirror_falls_back_to_second(
    tiny, server, dead_mirror, tmp_path, first
):
    if first == "refused":
        bad = dead_mirror
    elif first == "not found":
        bad = server.serve("empty", {}) + "nothing/"
    elif first == "bad checksum":
        bad = server.serve("bad", {name: gzip.compress(b"junk") for name in tiny.gz})
    else:
        bad = server.serve("cut", tiny.gz, mode="truncate")
    good = server.serve("good", tiny.gz)
    bunch = fetch_mnist(data_home=tmp_path, subset="test", mirrors=[bad, good])
    check_tiny_bunch(bunch, tiny, "test")
    assert files_in(tmp_path / "mnist") == ["t10k-images-idx3-ubyte.gz",
                                            "t10k-labels-idx1-ubyte.gz"]  # fmt: skip


def test_interrupted_transfer_leaves_no_partial_file(tiny, server, tmp_path):
    mirror = server.serve("mnist", tiny.gz, mode="truncate")
    with pytest.raises(OSError, match="transfer interrupted: received"):
        fetch_mnist(data_home=tmp_path, mirrors=[mirror])
    assert files_in(tmp_path / "mnist") == []


def test_offline_message_names_files_and_directory(tiny, tmp_path):
    put_files(
        tmp_path / "mnist",
        {"train-labels-idx1-ubyte.gz": tiny.gz["train-labels-idx1-ubyte.gz"]},
    )
    with pytest.raises(FileNotFoundError) as excinfo:
        fetch_mnist(data_home=tmp_path, download_if_missing=False)
    message = str(excinfo.value)
    expected = os.path.join(str(tmp_path), "mnist", "train-images-idx3-ubyte.gz")
    assert expected in message
    assert "train-labels" not in message  # that one is present
    assert "SKMNIST_DATA" in message and "data_home" in message


def test_every_mirror_failing_is_an_oserror_with_guidance(
    tiny, server, dead_mirror, tmp_path
):
    missing = server.serve("empty", {})
    with pytest.raises(OSError) as excinfo:
        fetch_mnist(data_home=tmp_path, subset="test", mirrors=[dead_mirror, missing])
    assert not isinstance(excinfo.value, FileNotFoundError)
    message = str(excinfo.value)
    assert dead_mirror in message and "refused" in message.lower()
    assert "HTTP Error 404" in message
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert os.path.join(str(tmp_path), "mnist", name) in message
    assert "SKMNIST_DATA" in message
    assert files_in(tmp_path / "mnist") == []


def test_failed_fetch_leaves_no_empty_folders(tiny, dead_mirror, tmp_path):
    data_home = tmp_path / "new" / "data"
    with pytest.raises(OSError, match="every mirror failed"):
        fetch_mnist(data_home=data_home, mirrors=[dead_mirror])
    assert not (tmp_path / "new").exists()

    (tmp_path / "existing").mkdir()
    with pytest.raises(OSError):
        fetch_mnist(data_home=tmp_path / "existing", mirrors=[dead_mirror])
    assert os.listdir(tmp_path / "existing") == []


def test_folder_with_a_downloaded_file_is_kept(tiny, server, tmp_path):
    # The images download, the labels do not: the verified file stays.
    images = "train-images-idx3-ubyte.gz"
    mirror = server.serve("mnist", {images: tiny.gz[images]})
    with pytest.raises(OSError, match="train-labels-idx1-ubyte.gz"):
        fetch_mnist(data_home=tmp_path / "data", mirrors=[mirror])
    assert files_in(tmp_path / "data" / "mnist") == [images]


# --------------------------------------------------------------------------
# Fashion-MNIST


DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def test_fashion_found_in_system_install(monkeypatch, tmp_path):
    system_dir = tmp_path / "system"
    dataset = make_tiny(_fetch.FASHION_MNIST, system_dirs=(str(system_dir),))
    monkeypatch.setattr(_fetch, "FASHION_MNIST", dataset.spec)
    put_files(system_dir, dataset.gz)
    bunch = fetch_fashion_mnist(data_home=tmp_path / "home", download_if_missing=False)
    check_tiny_bunch(bunch, dataset, "train")
    assert (
        bunch.target_names[0] == "T-shirt/top" and bunch.target_names[9] == "Ankle boot"
    )
    assert bunch.filenames[0].startswith(str(system_dir))


def test_fashion_offline_message_mentions_debian_package(monkeypatch, tmp_path):
    dataset = make_tiny(_fetch.FASHION_MNIST)
    monkeypatch.setattr(_fetch, "FASHION_MNIST", dataset.spec)
    with pytest.raises(
        FileNotFoundError, match="(?s)fashion-mnist.*dataset-fashion-mnist"
    ):
        fetch_fashion_mnist(data_home=tmp_path, download_if_missing=False)


@pytest.mark.full_data
def test_real_fashion_mnist_from_debian(tmp_path):
    if not os.path.isfile(
        os.path.join(DEBIAN_FASHION_DIR, "t10k-images-idx3-ubyte.gz")
    ):
        pytest.skip(
            "Debian's Fashion-MNIST is not installed "
            "(apt-get install dataset-fashion-mnist)"
        )
    # An empty data_home: the files must come from the Debian install, and
    # they must match the checksums (verified on every read).
    test = fetch_fashion_mnist(
        data_home=tmp_path, subset="test", download_if_missing=False
    )
    assert test.filenames[0].startswith(DEBIAN_FASHION_DIR)
    assert test.data.shape == (10000, 784) and test.images.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(test.target), [1000] * 10)
    assert len(test.target_names) == 10
    # Ankle boots stand on their sole, toe to the left: upright, not mirrored.
    boots = test.images[test.target == 9].mean(axis=0)
    assert np.argmax(boots.sum(axis=1)) > 14
    columns = np.arange(28)
    top_x = (boots[:9] * columns).sum() / boots[:9].sum()
    bottom_x = (boots[-9:] * columns).sum() / boots[-9:].sum()
    assert top_x > bottom_x + 2
    train = fetch_fashion_mnist(
        data_home=tmp_path, normalize=False, download_if_missing=False
    )
    assert train.data.shape == (60000, 784) and train.data.dtype == np.uint8


# --------------------------------------------------------------------------
# Real MNIST through SKMNIST_DATA


@pytest.mark.full_data
def test_real_mnist_standard_and_theano_splits(mnist_dir):
    train = fetch_mnist(download_if_missing=False)
    assert train.data.shape == (60000, 784) and train.data.dtype == np.float32
    assert train.images.shape == (60000, 28, 28)
    np.testing.assert_array_equal(train.target[:5], [5, 0, 4, 1, 9])
    assert_digits_look_upright(train.images, train.target)

    X_all, y_all = fetch_mnist(
        subset="all", normalize=False, download_if_missing=False, return_X_y=True
    )
    assert X_all.shape == (70000, 784) and X_all.dtype == np.uint8
    np.testing.assert_array_equal(y_all[:60000], train.target)
    np.testing.assert_array_equal(y_all[60000:60005], [7, 2, 1, 0, 4])

    valid = fetch_mnist(split="theano", subset="valid", download_if_missing=False)
    assert valid.data.shape == (10000, 784)
    np.testing.assert_array_equal(valid.data, train.data[50000:])
    theano_train = fetch_mnist(
        split="theano", download_if_missing=False, return_X_y=True
    )
    assert theano_train[0].shape == (50000, 784)

import gzip
import os

import numpy as np
import pytest

from skmnist._files import atomic_write
from skmnist.datasets import get_data_home
from skmnist.datasets._home import make_bunch, read_maybe_gzip


def test_get_data_home_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("SKMNIST_DATA", str(tmp_path / "from_env"))
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    assert get_data_home() == str(tmp_path / "from_env")

    monkeypatch.delenv("SKMNIST_DATA")
    assert get_data_home() == os.path.expanduser(os.path.join("~", "skmnist_data"))
    # An empty variable counts as unset rather than meaning the current dir.
    monkeypatch.setenv("SKMNIST_DATA", "")
    assert get_data_home() == os.path.expanduser(os.path.join("~", "skmnist_data"))


def test_get_data_home_expands_user_and_does_not_create(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home("~/data") == os.path.join(str(tmp_path), "data")
    assert not (tmp_path / "data").exists()


def test_atomic_write_replaces_on_success(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new content")
        # Until the block ends, the old file is untouched.
        assert target.read_bytes() == b"old"
    assert target.read_bytes() == b"new content"
    assert os.listdir(tmp_path) == ["file.bin"]


@pytest.mark.parametrize("error", [ValueError("bad"), KeyboardInterrupt()])
def test_atomic_write_leaves_nothing_on_failure(tmp_path, error):
    target = tmp_path / "file.bin"
    with pytest.raises(type(error)):
        with atomic_write(target) as f:
            f.write(b"partial")
            raise error
    assert os.listdir(tmp_path) == []


def test_read_maybe_gzip_detects_compression_by_content(tmp_path):
    plain = tmp_path / "plain.gz"  # misleading name: not compressed
    plain.write_bytes(b"\x00\x00\x08\x01abc")
    packed = tmp_path / "packed"  # compressed, no .gz suffix
    packed.write_bytes(gzip.compress(b"\x00\x00\x08\x01abc"))
    assert read_maybe_gzip(plain) == read_maybe_gzip(packed) == b"\x00\x00\x08\x01abc"


def test_read_maybe_gzip_truncated_stream_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(os.urandom(5000))[:-100])
    with pytest.raises(ValueError, match=r"cut\.gz.*truncated or corrupt"):
        read_maybe_gzip(path)


def test_make_bunch_images_are_a_view_of_data():
    data = np.arange(24, dtype=np.float32).reshape(2, 12)
    bunch = make_bunch(data, [1, 2], (3, 4), ["a", "b"], "descr", False, extra=1)
    assert bunch.images.shape == (2, 3, 4)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.target.dtype == np.int64
    assert list(bunch.target_names) == ["a", "b"]
    assert bunch.extra == 1
    X, y = make_bunch(data, [1, 2], (3, 4), ["a", "b"], "descr", True)
    assert X is data and y.tolist() == [1, 2]

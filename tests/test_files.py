"""Atomic files and directories: all or nothing, no debris."""

import os

import pytest

from skmnist._files import (
    atomic_directory,
    atomic_write,
    check_can_create,
    missing_ancestors,
)


def write(directory, name, text="x"):
    with open(os.path.join(directory, name), "w") as f:
        f.write(text)


def test_directory_appears_with_its_files_only_on_success(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with atomic_directory(target) as tmp:
        write(tmp, "one.txt")
        assert not target.exists()  # nothing visible while writing
        write(tmp, "two.txt")
    assert sorted(os.listdir(target)) == ["one.txt", "two.txt"]
    assert sorted(os.listdir(tmp_path / "a" / "b")) == ["out"]  # no temporary left


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_leaves_nothing_not_even_parents(tmp_path, error):
    target = tmp_path / "a" / "b" / "out"
    with pytest.raises(error):
        with atomic_directory(target) as tmp:
            write(tmp, "one.txt")
            raise error
    assert os.listdir(tmp_path) == []


def test_existing_empty_directory_is_filled(tmp_path):
    (tmp_path / "out").mkdir()
    with atomic_directory(tmp_path / "out") as tmp:
        write(tmp, "new.txt")
    assert os.listdir(tmp_path / "out") == ["new.txt"]
    assert os.listdir(tmp_path) == ["out"]


def test_non_empty_directory_is_replaced_only_when_allowed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write(out, "old.txt")
    with pytest.raises(FileExistsError, match="not an empty directory"):
        with atomic_directory(out) as tmp:
            write(tmp, "new.txt")
    assert os.listdir(out) == ["old.txt"] and os.listdir(tmp_path) == ["out"]

    with atomic_directory(out, replaceable=lambda path: True) as tmp:
        write(tmp, "new.txt")
    assert os.listdir(out) == ["new.txt"] and os.listdir(tmp_path) == ["out"]


def test_check_can_create_tries_for_real_and_leaves_nothing(tmp_path):
    check_can_create(tmp_path / "x" / "y" / "out")
    assert os.listdir(tmp_path) == []
    write(tmp_path, "a_file")
    with pytest.raises(OSError, match="not writable"):
        check_can_create(tmp_path / "a_file" / "out")


def test_missing_ancestors(tmp_path):
    deep = tmp_path / "a" / "b"
    assert missing_ancestors(str(deep)) == [str(tmp_path / "a"), str(deep)]
    assert missing_ancestors(str(tmp_path)) == []


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "f.txt"
    with atomic_write(path, "w") as f:
        f.write("complete")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path, "w") as f:
            f.write("partial")
            raise KeyboardInterrupt
    assert path.read_text() == "complete"
    assert os.listdir(tmp_path) == ["f.txt"]

"""Atomic files and directories: all or nothing, no debris."""

import os
import stat

import pytest

from skmnist._files import (
    atomic_directory,
    atomic_write,
    check_can_create,
    check_destination,
    check_directory_name,
    missing_ancestors,
    name_max,
    temporary_name,
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
    with pytest.raises(error), atomic_directory(target) as tmp:
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
    refused = pytest.raises(FileExistsError, match="not an empty directory")
    with refused, atomic_directory(out) as tmp:
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
    with pytest.raises(KeyboardInterrupt), atomic_write(path, "w") as f:
        f.write("partial")
        raise KeyboardInterrupt
    assert path.read_text() == "complete"
    assert os.listdir(tmp_path) == ["f.txt"]


# ----------------------------------------------------------------------
# What is already at the destination is never damaged


def _fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _socket(tmp_path):
    import socket

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _directory(tmp_path):
    path = tmp_path / "a_dir"
    path.mkdir()
    return path


SPECIAL_FILES = {
    "fifo": (_fifo, "FIFO"),
    "socket": (_socket, "socket"),
    "directory": (_directory, "directory"),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL_FILES))
def test_atomic_write_refuses_special_files_before_writing(tmp_path, kind):
    make, words = SPECIAL_FILES[kind]
    path = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    entered = []
    with pytest.raises(ValueError, match=words) as info, atomic_write(path) as f:
        entered.append(f)
    assert not entered  # refused before anything was opened
    assert repr(str(path)) in str(info.value) and ".part" not in str(info.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_atomic_write_refuses_a_device_node_and_a_link_to_one(tmp_path):
    # /dev/null itself: a common way to "switch off" a writer; run as root
    # it would otherwise be replaced by a regular file.
    refused = pytest.raises(ValueError, match="character device")
    with refused, atomic_write("/dev/null"):
        pass
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    with pytest.raises(ValueError, match="character device"):
        check_destination(link, "checkpoint path")
    assert link.is_symlink()


def test_atomic_write_writes_through_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.pkl"
    target.write_text("old")
    link = tmp_path / "model.pkl"
    link.symlink_to(target)
    with atomic_write(link, "w") as f:
        f.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert os.listdir(tmp_path / "real") == ["model.pkl"]  # no debris beside it


def test_atomic_write_through_a_dangling_symlink_creates_the_target(tmp_path):
    link = tmp_path / "model.pkl"
    link.symlink_to(tmp_path / "later.pkl")
    with atomic_write(link, "w") as f:
        f.write("x")
    assert link.is_symlink() and (tmp_path / "later.pkl").read_text() == "x"


def test_atomic_write_keeps_the_previous_file_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    path.write_bytes(b"previous")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"), atomic_write(path) as f:
        f.write(b"next")
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_keeps_the_previous_file_when_writing_fails(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as f:
        f.write(b"half")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_keeps_permission_bits(tmp_path):
    path = tmp_path / "private.pkl"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    with atomic_write(path) as f:
        f.write(b"new")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ----------------------------------------------------------------------
# check_destination: everything checkable before the work starts


def test_check_destination_accepts_new_and_regular_files(tmp_path):
    new = tmp_path / "new.pkl"
    assert check_destination(new) == str(new)
    (tmp_path / "old.pkl").write_text("x")
    assert check_destination(tmp_path / "old.pkl") == str(tmp_path / "old.pkl")
    assert os.listdir(tmp_path) == ["old.pkl"]  # creates nothing


def test_check_destination_refuses_an_empty_path():
    with pytest.raises(ValueError, match="checkpoint path is empty"):
        check_destination("", "checkpoint path")


@pytest.mark.parametrize("kind", sorted(SPECIAL_FILES))
def test_check_destination_refuses_special_files(tmp_path, kind):
    make, words = SPECIAL_FILES[kind]
    path = make(tmp_path)
    with pytest.raises(ValueError, match=f"checkpoint path .*{words}") as info:
        check_destination(path, "checkpoint path")
    assert str(path) in str(info.value)


def test_check_destination_refuses_a_missing_directory(tmp_path):
    path = tmp_path / "nowhere" / "model.pkl"
    with pytest.raises(ValueError, match="does not exist; create it first"):
        check_destination(path, "checkpoint path")


def test_check_destination_refuses_a_read_only_directory(tmp_path, monkeypatch):
    # Root ignores permission bits, so the refusal is driven by os.access.
    asked = []

    def access(path, mode):
        asked.append((os.fspath(path), mode))
        return False

    monkeypatch.setattr(os, "access", access)
    path = tmp_path / "model.pkl"
    with pytest.raises(ValueError, match="not writable") as info:
        check_destination(path, "checkpoint path")
    assert repr(str(path)) in str(info.value)
    assert asked and asked[0][0] == str(tmp_path) and asked[0][1] & os.W_OK


def test_check_destination_checks_the_directory_of_a_symlinks_target(tmp_path):
    (tmp_path / "real").mkdir()
    link = tmp_path / "model.pkl"
    link.symlink_to(tmp_path / "real" / "model.pkl")
    assert check_destination(link) == str(link)
    dangling = tmp_path / "gone.pkl"
    dangling.symlink_to(tmp_path / "missing_dir" / "x.pkl")
    with pytest.raises(ValueError, match="does not exist") as info:
        check_destination(dangling, "checkpoint path")
    assert repr(str(dangling)) in str(info.value)


def test_check_destination_refuses_names_too_long(tmp_path):
    limit = name_max(str(tmp_path))
    with pytest.raises(ValueError, match=f"allows {limit}: choose a shorter name"):
        check_destination(tmp_path / ("m" * (limit + 1)), "checkpoint path")


def test_names_that_fit_are_written_whatever_their_length(tmp_path):
    # A name of the longest length allowed still gets a temporary name that
    # fits (shortened), so the write succeeds instead of failing at the end.
    limit = name_max(str(tmp_path))
    path = tmp_path / ("m" * limit)
    assert check_destination(path) == str(path)
    with atomic_write(path) as f:
        f.write(b"x")
    assert os.listdir(tmp_path) == ["m" * limit]
    tmp = temporary_name("m" * limit, limit)
    assert len(tmp) <= limit and tmp.startswith(".m") and tmp.endswith(".part")


def test_check_destination_refuses_when_no_temporary_name_fits(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "pathconf", lambda path, name: 12)
    with pytest.raises(ValueError, match="temporary name"):
        check_destination(tmp_path / "model.pkl", "checkpoint path")


def test_name_max_falls_back_to_255(monkeypatch):
    def unknown(path, name):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "pathconf", unknown)
    assert name_max("/") == 255


def test_directory_names_that_fit_are_written(tmp_path):
    limit = name_max(str(tmp_path))
    target = tmp_path / ("d" * limit)
    assert check_directory_name(target) == str(target)
    with atomic_directory(target) as tmp:
        write(tmp, "a.txt")
    assert os.listdir(target) == ["a.txt"] and os.listdir(tmp_path) == [target.name]
    with atomic_directory(target, replaceable=lambda path: True) as tmp:
        write(tmp, "b.txt")  # the ".old" name of the replaced one fits too
    assert os.listdir(target) == ["b.txt"] and os.listdir(tmp_path) == [target.name]


def test_check_directory_name_refuses_empty_and_too_long(tmp_path):
    with pytest.raises(ValueError, match="--out is empty"):
        check_directory_name("", "--out")
    with pytest.raises(ValueError, match="choose a shorter name"):
        check_directory_name(tmp_path / "new" / ("d" * 300), "--out")


def test_atomic_write_refuses_an_empty_path(tmp_path, monkeypatch):
    # abspath("") is the working directory: the temporary file would go into
    # its parent and the directory be the target.
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(ValueError, match="empty"), atomic_write(""):
        pass
    assert os.listdir(tmp_path) == ["work"] and os.listdir(tmp_path / "work") == []


# ----------------------------------------------------------------------
# Paths that name no file, links that loop, directories behind links


@pytest.mark.parametrize("ending", [os.sep, os.sep + os.curdir, os.sep + os.pardir])
def test_a_path_naming_a_directory_is_refused_before_writing(tmp_path, ending):
    # abspath drops a trailing separator (and "." resolves to the directory):
    # "figs/" was written as a file named figs.
    path = str(tmp_path / "figs") + ending
    with pytest.raises(ValueError, match="names a directory") as info:
        check_destination(path, "figure path")
    assert repr(path) in str(info.value)
    entered = []
    with pytest.raises(ValueError, match="names a directory"), atomic_write(path) as f:
        entered.append(f)
    assert not entered and os.listdir(tmp_path) == []


def test_a_symlink_loop_is_refused_in_words(tmp_path):
    loop = tmp_path / "model.pkl"
    loop.symlink_to(loop)
    with pytest.raises(ValueError, match="symbolic link that loops") as info:
        check_destination(loop, "checkpoint path")
    assert repr(str(loop)) in str(info.value)
    with pytest.raises(ValueError, match="loops"), atomic_write(loop):
        pass
    assert os.listdir(tmp_path) == ["model.pkl"] and loop.is_symlink()


@pytest.fixture
def linked_output(tmp_path):
    """An earlier run's directory ``real`` and a link ``link`` to it."""
    (tmp_path / "real").mkdir()
    write(tmp_path / "real", "old.txt")
    (tmp_path / "link").symlink_to("real")
    return tmp_path / "link"


def _left_as_they_were(tmp_path):
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]
    assert (tmp_path / "link").is_symlink()
    assert os.listdir(tmp_path / "real") == ["old.txt"]


def test_a_directory_is_never_written_at_a_symlink(tmp_path, linked_output):
    with pytest.raises(ValueError, match="symbolic link") as info:
        check_directory_name(linked_output, "--out")
    assert repr(str(tmp_path / "real")) in str(info.value)  # the path to give
    entered = []
    refused = pytest.raises(ValueError, match="symbolic link")
    with refused, atomic_directory(linked_output, replaceable=lambda p: True) as tmp:
        entered.append(tmp)
    assert not entered
    _left_as_they_were(tmp_path)


def test_a_symlink_made_during_the_write_leaves_no_debris(tmp_path, linked_output):
    target = tmp_path / "out"
    refused = pytest.raises(ValueError, match="symbolic link")
    with refused, atomic_directory(target, replaceable=lambda p: True) as tmp:
        write(tmp, "new.txt")
        os.rename(linked_output, target)  # the link takes the name meanwhile
    assert sorted(os.listdir(tmp_path)) == ["out", "real"]
    assert target.is_symlink() and os.listdir(tmp_path / "real") == ["old.txt"]

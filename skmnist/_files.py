"""Writing files atomically, for every part of the package that writes one."""

import contextlib
import errno
import os
import uuid


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    Whatever the block writes to the temporary path becomes ``path`` only
    when the block ends without an exception (an atomic ``os.replace`` on the
    same file system). If it raises -- a failed download or verification, a
    plotting error, even ``KeyboardInterrupt`` -- the temporary file is
    removed and ``path`` is left as it was: never a partial file.

    Examples
    --------
    >>> import os, tempfile
    >>> from skmnist._files import atomic_path
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """
    directory, name = os.path.split(os.path.abspath(os.fspath(path)))
    # Opened normally later (unlike mkstemp), the file gets the usual umask
    # permissions; the pid and a random part keep concurrent writers apart.
    tmp_path = os.path.join(
        directory, f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    )
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_path)
        raise


@contextlib.contextmanager
def atomic_write(path, mode="w+b", **open_kwargs):
    """Yield an open file that replaces ``path`` once fully written and synced.

    The default mode ``"w+b"`` lets the caller seek back and verify what it
    wrote before the ``with`` ends; see :func:`atomic_path` for the rest.
    """
    with atomic_path(path) as tmp_path:
        with open(tmp_path, mode, **open_kwargs) as tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())


def missing_ancestors(directory):
    """The directories ``os.makedirs(directory)`` would create, outermost first."""
    missing = []
    while directory and not os.path.exists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return missing[::-1]


def nearest_existing_directory(path):
    """The closest ancestor of ``path`` (or ``path``'s parent) that exists."""
    parent = os.path.dirname(os.path.abspath(os.fspath(path)))
    missing = missing_ancestors(parent)
    return os.path.dirname(missing[0]) if missing else parent


def check_can_create(path):
    """Raise OSError if a directory could not be created at ``path``.

    Tries it for real -- a scratch directory in the nearest existing ancestor,
    removed at once -- since permission bits do not tell the whole story
    (read-only file systems, ACLs, root). Nothing is left behind.
    """
    where = nearest_existing_directory(path)
    probe = os.path.join(where, f".skmnist-probe.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    try:
        os.mkdir(probe)
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"cannot create {os.fspath(path)!r}: {where!r} is not writable "
            f"({exc.strerror})",
        ) from None
    os.rmdir(probe)


def _remove_tree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(path, *, replaceable=None):
    """Yield a temporary sibling directory that becomes ``path`` on success.

    Everything the block writes into the yielded directory appears at
    ``path`` together, by one rename, only if the block ends without an
    exception; otherwise (``KeyboardInterrupt`` included) the temporary
    directory and any parent created for it are removed, and ``path`` is
    left as it was.

    Parameters
    ----------
    path : str or path-like
        Where the directory should end up. If it exists it must be an empty
        directory, or one that ``replaceable(path)`` accepts (it is then
        replaced).
    replaceable : callable, default=None
        Says whether an existing non-empty ``path`` may be replaced.

    Examples
    --------
    >>> import os, tempfile
    >>> from skmnist._files import atomic_directory
    >>> target = os.path.join(tempfile.mkdtemp(), "results")
    >>> with atomic_directory(target) as tmp:
    ...     _ = open(os.path.join(tmp, "a.txt"), "w").write("done")
    >>> os.listdir(target)
    ['a.txt']
    """
    path = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(path)
    created = missing_ancestors(parent)
    os.makedirs(parent, exist_ok=True)
    tmp_path = os.path.join(
        parent, f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    )
    try:
        os.mkdir(tmp_path)
        yield tmp_path
        _move_into_place(tmp_path, path, replaceable)
    except BaseException:
        _remove_tree(tmp_path)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # only if still empty
        raise


def _move_into_place(tmp_path, path, replaceable):
    if not os.path.lexists(path):
        os.rename(tmp_path, path)
        return
    if os.path.isdir(path) and not os.listdir(path):
        os.rmdir(path)
        os.rename(tmp_path, path)
        return
    if not (os.path.isdir(path) and replaceable is not None and replaceable(path)):
        raise FileExistsError(
            errno.EEXIST, f"{path} exists and is not an empty directory"
        )
    old_path = f"{tmp_path}.old"
    os.rename(path, old_path)
    try:
        os.rename(tmp_path, path)
    except BaseException:
        os.rename(old_path, path)
        raise
    _remove_tree(old_path)

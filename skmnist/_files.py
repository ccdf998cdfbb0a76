"""Writing files atomically, for every part of the package that writes one."""

import contextlib
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

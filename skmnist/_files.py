"""Writing files and directories atomically, for every part of the package.

Three promises hold for every writer here: what a user already has is never
damaged (a device node, FIFO, socket or directory at the destination is
refused; a symbolic link is written through, so its target changes and the
link stays; a directory is never written at a link); a write is all or
nothing (interrupted, it leaves the previous file and no temporary debris);
and whatever can be checked before the work starts is checked then
(:func:`check_destination`, :func:`check_directory_name`), with messages that
name the user's path, never a temporary one.
"""

import contextlib
import errno
import os
import stat
import uuid

#: File name length assumed where the file system does not say (bytes).
DEFAULT_NAME_MAX = 255

#: Suffixes of the temporary names: files and directories being written, and
#: a directory being replaced (kept until its successor is in place).
_PART = ".part"
_OLD = ".old"

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode):
    """What a non-regular file is, in words."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def name_max(directory):
    """The longest file name (in bytes) ``directory``'s file system accepts."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # unknown, or not POSIX
        return DEFAULT_NAME_MAX
    return limit if limit and limit > 0 else DEFAULT_NAME_MAX


def _name_bytes(name):
    return len(os.fsencode(name))


def temporary_name(name, limit=DEFAULT_NAME_MAX, reserve=0):
    """The hidden name a file called ``name`` is written under before it is
    renamed into place: ``.<name>.<pid>.<random>.part``.

    ``name`` is shortened in it when the whole would exceed ``limit`` bytes
    (less ``reserve`` bytes a caller appends), so that every name that fits
    the file system can be written atomically. The process id and a random
    part keep concurrent writers apart.
    """
    tail = f".{os.getpid()}.{uuid.uuid4().hex[:8]}{_PART}"
    room = limit - reserve - _name_bytes(tail) - 1
    while name and _name_bytes(name) > room:
        name = name[:-1]
    return f".{name}{tail}"


def _existing_kind(path):
    """``None`` when ``path`` (links followed) is absent or a regular file,
    else what it is."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        # Nothing there to damage; a name too long or a parent that is not a
        # directory is reported by the checks that follow, in words.
        if exc.errno in (errno.ENOENT, errno.ENAMETOOLONG, errno.ENOTDIR):
            return None
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops (it never reaches a file)"
        raise
    return None if stat.S_ISREG(mode) else _kind(mode)


def _refuse_special(path, what="file"):
    kind = _existing_kind(path)
    if kind is not None:
        raise ValueError(
            f"{what} {os.fspath(path)!r} is {kind}, not a regular file; it is "
            "never replaced: give the path of a regular file, or of one to create"
        )


def _file_path(path, what):
    """``path`` as a str, refused when it cannot name a file to write.

    A name ending in a separator, ``.`` or ``..`` is a directory's: abspath
    would shorten it to that directory, so the file would take its name.
    """
    shown = os.fspath(path)
    if not isinstance(shown, str):
        shown = os.fsdecode(shown)
    if not shown:
        raise ValueError(f"{what} is empty: give the path of a file to write")
    if os.path.basename(shown) in ("", os.curdir, os.pardir):
        raise ValueError(
            f"{what} {shown!r} names a directory: give the path of a file, "
            "with its name after the last separator"
        )
    return shown


def _write_target(path):
    """The file to replace for ``path``: the final target of a symbolic link
    (so the link stays and its target gets the content), else ``path``."""
    path = os.path.abspath(os.fspath(path))
    return os.path.realpath(path) if os.path.islink(path) else path


def _check_name_fits(directory, name, shown, what, reserve=0):
    """The name and the temporary name it is written under must both fit."""
    limit = name_max(directory)
    size = _name_bytes(name)
    if size > limit:
        raise ValueError(
            f"{what} {shown!r}: the name is {size} bytes long, and the file "
            f"system allows {limit}: choose a shorter name"
        )
    tmp = temporary_name(name, limit, reserve)
    if _name_bytes(tmp) + reserve > limit:
        raise ValueError(
            f"{what} {shown!r}: the file system allows names of only {limit} "
            "bytes, too few for the temporary name the file is written under "
            "first; write to a file system with longer names"
        )


def _check_directory(directory, shown, what):
    if not os.path.isdir(directory):
        raise ValueError(
            f"{what} {shown!r}: the directory {directory!r} does not exist; "
            "create it first or give a path in an existing directory"
        )
    # X_OK too: a directory that cannot be entered cannot be written into.
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ValueError(
            f"{what} {shown!r}: the directory {directory!r} is not writable; "
            "give a path in a directory you can write to"
        )


def check_destination(path, what="file"):
    """Check, before any work, that :func:`atomic_write` could write ``path``.

    Parameters
    ----------
    path : str or path-like
        Where the file is to be written.
    what : str, default="file"
        What the path is, for the messages (e.g. ``"checkpoint path"``).

    Returns
    -------
    path : str
        The path to write (``path`` as a string; a symbolic link stays a link,
        :func:`atomic_write` writes through it).

    Raises
    ------
    ValueError
        Naming ``path`` and saying the fix, when ``path`` is empty or ends
        in a separator (a directory's name); exists and is not a regular file
        (a directory, device, FIFO or socket, a link to one or a link that
        loops included); is in a directory that does not exist or is not
        writable; or has a name too long for the file system, itself or in
        the temporary name it is written under first.
    """
    shown = _file_path(path, what)
    _refuse_special(shown, what)
    directory, name = os.path.split(_write_target(shown))
    _check_directory(directory, shown, what)
    _check_name_fits(directory, name, shown, what)
    return shown


def _refuse_link(path, what="directory"):
    """A directory is written by renaming a new one into its place, which at
    a symbolic link would replace the link instead of filling its target."""
    # abspath drops a trailing separator or "/.", through which islink would
    # see the target directory instead of the link.
    if os.path.islink(os.path.abspath(os.fspath(path))):
        raise ValueError(
            f"{what} {os.fspath(path)!r} is a symbolic link, which is never "
            "replaced: give the directory's own path, e.g. "
            f"{os.path.realpath(path)!r}"
        )


def check_directory_name(path, what="directory"):
    """Check that a directory ``path`` could be written by
    :func:`atomic_directory`: not empty, not a symbolic link, and its name
    and the temporary names it is written under fit the file system (whose
    nearest existing ancestor decides the limit). Raises ValueError naming
    ``path``.
    """
    shown = os.fspath(path)
    if not isinstance(shown, str):
        shown = os.fsdecode(shown)
    if not shown:
        raise ValueError(f"{what} is empty: give the name of a directory to write")
    _refuse_link(shown, what)
    parent, name = os.path.split(os.path.abspath(shown))
    existing = nearest_existing_directory(os.path.join(parent, "x"))
    _check_name_fits(existing, name, shown, what, reserve=len(_OLD))
    return shown


def remove_file(path):
    """Remove the regular file a writer of ``path`` would replace, if any.

    That is a symbolic link's target (the link stays, as when it is
    written); anything but a regular file is left alone.
    """
    target = _write_target(path)
    if os.path.isfile(target):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    Whatever the block writes to the temporary path becomes ``path`` only
    when the block ends without an exception (an atomic ``os.replace`` on the
    same file system). If it raises -- a failed download or verification, a
    plotting error, a full disk, even ``KeyboardInterrupt`` -- the temporary
    file is removed and ``path`` is left as it was: never a partial file.

    Something at ``path`` that is not a regular file (a directory, device
    node, FIFO or socket) is refused with a ValueError before anything is
    written. A symbolic link is written through: its target is replaced (the
    temporary file goes in the target's directory) and the link stays.

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
    # abspath("") is the working directory and abspath("d/") is d: never
    # write beside either in its place.
    path = _file_path(path, "the path to write")
    _refuse_special(path)
    target = _write_target(path)
    directory, name = os.path.split(target)
    tmp_path = os.path.join(directory, temporary_name(name, name_max(directory)))
    try:
        yield tmp_path
        _keep_permissions(target, tmp_path)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_path)
        raise


def _keep_permissions(target, tmp_path):
    """A replaced file keeps its permission bits (a private file stays so)."""
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if os.path.exists(tmp_path):
            os.chmod(tmp_path, mode)


def _exclusive_opener(path, flags):
    # The temporary name is new: never follow or reuse whatever is there.
    return os.open(path, flags | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)


@contextlib.contextmanager
def atomic_write(path, mode="w+b", **open_kwargs):
    """Yield an open file that replaces ``path`` once fully written and synced.

    The default mode ``"w+b"`` lets the caller seek back and verify what it
    wrote before the ``with`` ends; see :func:`atomic_path` for the rest
    (special files refused, symbolic links written through, all or nothing).
    """
    # Nested: one parenthesised ``with`` would need Python 3.10.
    with atomic_path(path) as tmp_path:  # noqa: SIM117
        with open(tmp_path, mode, opener=_exclusive_opener, **open_kwargs) as tmp:
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
    _refuse_link(path)
    path = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(path)
    created = missing_ancestors(parent)
    os.makedirs(parent, exist_ok=True)
    tmp_name = temporary_name(name, name_max(parent), reserve=len(_OLD))
    tmp_path = os.path.join(parent, tmp_name)
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
    # Again at the end: a link made during the write would be renamed aside
    # and, being no directory, never removed.
    _refuse_link(path)
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
    old_path = f"{tmp_path}{_OLD}"
    os.rename(path, old_path)
    try:
        os.rename(tmp_path, path)
    except BaseException:
        os.rename(old_path, path)
        raise
    _remove_tree(old_path)

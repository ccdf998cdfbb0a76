"""Reading dataset files that may be damaged or hostile.

Two things a plain ``open(path).read()`` followed by ``gzip.decompress`` gets
wrong with such files: opening a FIFO blocks until someone writes to it, and a
small gzip stream can expand to gigabytes.  Here a path must be a regular
file (directories, FIFOs and devices get a ValueError saying what they are),
and decompression stops at a limit the caller chooses.
"""

import errno
import gzip
import io
import os
import stat
import zlib

GZIP_MAGIC = b"\x1f\x8b"

#: Deflate (gzip, zlib) expands its input at most about 1032-fold: a stream
#: that would have to expand more than this to hold what it announces cannot
#: be valid, and a file cannot describe more than this many times its size
#: of data unless it is sparse.
MAX_DEFLATE_RATIO = 1040

_CHUNK_SIZE = 1 << 20


def _kind_of(mode):
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _not_regular(path, mode):
    return ValueError(
        f"{path}: is {_kind_of(mode)}, not a data file; pass the path of the file "
        "itself."
    )


def open_regular_file(path):
    """Open ``path`` for reading in binary mode; it must be a regular file.

    Raises ``FileNotFoundError`` when nothing is there, and ``ValueError``
    naming what is there when it is a directory, FIFO, socket or device.
    The file is opened without blocking and checked after opening, so a FIFO
    put in its place meanwhile is refused too.
    """
    path = os.fspath(path)
    mode = os.stat(path).st_mode  # FileNotFoundError when missing
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.EISDIR, errno.ENXIO):
            raise _not_regular(path, os.stat(path).st_mode) from None
        raise
    file = os.fdopen(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        file.close()
        raise _not_regular(path, mode)
    return file


def read_regular_file(path):
    """Return the bytes of ``path``, which must be a regular file (see
    :func:`open_regular_file`)."""
    with open_regular_file(path) as f:
        return f.read()


def gunzip(raw, path, max_size):
    """Decompress the gzip bytes ``raw``, refusing to produce over ``max_size``.

    Raises ``ValueError`` naming ``path`` when the stream is truncated or
    corrupt, or when it expands beyond ``max_size`` bytes (the caller's limit,
    stated in the message).  Memory follows what the stream really holds,
    not the limit.
    """
    stream = gzip.GzipFile(fileobj=io.BytesIO(raw))
    chunks, size = [], 0
    while size <= max_size:
        try:
            chunk = stream.read(min(_CHUNK_SIZE, max_size + 1 - size))
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(
                f"{path}: the gzip stream is truncated or corrupt ({exc}). "
                "The file was probably cut short while copying or downloading; "
                "obtain it again."
            ) from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise ValueError(
        f"{path}: the gzip stream expands to more than {max_size} bytes, "
        "more than this file can hold; it is corrupt or not a dataset file."
    )


def gunzip_prefix(raw, path, size):
    """The first ``size`` decompressed bytes of ``raw`` (fewer if it is shorter)."""
    try:
        return gzip.GzipFile(fileobj=io.BytesIO(raw)).read(size)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"{path}: the gzip stream is truncated or corrupt ({exc}). "
            "Obtain the file again."
        ) from None

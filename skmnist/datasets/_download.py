"""Downloading a dataset's files: from the first mirror that works, checked
against the SHA-256 of the published (uncompressed) content, written
atomically, so that a failed, interrupted or mismatching download leaves no
file behind; and what to tell the user when no mirror works."""

import gzip
import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
import zlib

from .._files import atomic_write, missing_ancestors
from ._home import _GZIP_MAGIC

logger = logging.getLogger("skmnist.datasets._fetch")

#: Seconds without data from a mirror before that mirror is given up.
DOWNLOAD_TIMEOUT = 30

_CHUNK_SIZE = 1 << 16


def _where_to_put(dataset, target_dir, filenames):
    """Guidance shared by the offline and the failed-download errors."""
    listed = "\n".join(f"    {os.path.join(target_dir, name)}" for name in filenames)
    lines = [
        f"Put the {dataset.name} file(s), gzip'd IDX as distributed, here:",
        listed,
        "or point the data_home argument or the SKMNIST_DATA environment variable "
        f"at a directory whose '{dataset.subdir}' subdirectory holds them.",
    ]
    if dataset.install_hint:
        lines.append(dataset.install_hint)
    return "\n".join(lines)


def _uncompressed_digest(fileobj):
    """Return ``(n_bytes, sha256 hex)`` of a (possibly gzip'd) open file."""
    fileobj.seek(0)
    compressed = fileobj.read(2) == _GZIP_MAGIC
    fileobj.seek(0)
    stream = gzip.GzipFile(fileobj=fileobj, mode="rb") if compressed else fileobj
    digest, n_bytes = hashlib.sha256(), 0
    try:
        for chunk in iter(lambda: stream.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
            n_bytes += len(chunk)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"not a valid gzip file ({exc})") from None
    return n_bytes, digest.hexdigest()


def _check_digest(n_bytes, sha256, remote):
    if (n_bytes, sha256) != (remote.n_bytes, remote.sha256):
        raise ValueError(
            f"checksum mismatch: expected {remote.n_bytes} bytes with SHA-256 "
            f"{remote.sha256} once uncompressed, got {n_bytes} bytes with "
            f"SHA-256 {sha256}"
        )


def _download_to(url, fileobj, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "skmnist"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        received = 0
        for chunk in iter(lambda: response.read(_CHUNK_SIZE), b""):
            fileobj.write(chunk)
            received += len(chunk)
    # http.client returns a short body without complaint when the connection
    # drops early, so compare with the announced length ourselves.
    if announced is not None and received != int(announced):
        raise OSError(f"transfer interrupted: received {received} of {announced} bytes")


def _describe_failure(exc):
    # URLError wraps the socket error in .reason; HTTPError's str has the code.
    if isinstance(exc, urllib.error.URLError) and not isinstance(
        exc, urllib.error.HTTPError
    ):
        return str(exc.reason)
    return f"{exc}" or type(exc).__name__


def _download(dataset, remote, target_dir, mirrors):
    """Download ``remote`` into ``target_dir`` from the first mirror that works.

    Returns the path written.  Raises ``OSError`` listing every mirror's
    failure when none works (the caller adds where to put the files).
    """
    destination = os.path.join(target_dir, remote.filename)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + remote.filename
        logger.info("Downloading %s to %s", url, destination)
        try:
            with atomic_write(destination) as tmp:
                _download_to(url, tmp, DOWNLOAD_TIMEOUT)
                _check_digest(*_uncompressed_digest(tmp), remote)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # OSError covers URLError/HTTPError, refused connections and
            # timeouts; ValueError covers bad URLs and checksum mismatches.
            reason = _describe_failure(exc)
            failures.append(f"  - {url}: {reason}")
            logger.info("Download from %s failed: %s", url, reason)
            continue
        return destination
    tried = "\n".join(failures) if failures else "  (no mirrors were given)"
    raise OSError(
        f"Could not download {dataset.name}'s {remote.filename}; every mirror "
        f"failed:\n{tried}\nNo partial file was kept."
    )


def _download_missing(dataset, roles, paths, target_dir, mirrors):
    """Download every role whose path is None, filling ``paths`` in.

    Directories created for the downloads are removed again if they end up
    empty (every download failed), so that a failed fetch leaves nothing.
    """
    created = missing_ancestors(target_dir)
    os.makedirs(target_dir, exist_ok=True)
    try:
        for role in roles:
            if paths[role] is None:
                paths[role] = _download(
                    dataset, dataset.files[role], target_dir, mirrors
                )
    except OSError as exc:
        still_missing = [dataset.files[r].filename for r in roles if paths[r] is None]
        raise OSError(
            f"{exc}\nIf this machine is offline, obtain the file(s) elsewhere. "
            + _where_to_put(dataset, target_dir, still_missing)
        ) from None
    finally:
        for directory in reversed(created):
            try:
                os.rmdir(directory)  # only succeeds while empty
            except OSError:
                break

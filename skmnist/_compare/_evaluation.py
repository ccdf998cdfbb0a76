"""The held-out protocol: official test split, stratified K-fold or hold-out."""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split


@dataclass
class Evaluation:
    """Where each fit trains and which held-out rows it is scored on.

    ``heldout_X``/``heldout_y`` pool every held-out row (the test split, the
    hold-out part, or the whole data for cross-validation, where each row is
    held out exactly once). Each split is ``(train_X, train_y, test_index)``
    with ``test_index`` indexing the pool.
    """

    description: str
    heldout_X: np.ndarray
    heldout_y: np.ndarray
    splits: list
    #: A few words for the plan line.
    short_description: str = ""

    @property
    def n_splits(self):
        return len(self.splits)


def choose_evaluation(dataset, *, cv=None, test_size=None, random_state=0):
    """Pick the held-out protocol for ``dataset``.

    The official test split when the dataset has one; otherwise stratified
    ``cv``-fold cross-validation, or a stratified hold-out of ``test_size``.
    With neither given: a 20% hold-out for the 5,000-image sample (fast
    enough for a quick look) and 5-fold cross-validation for user files.

    Raises
    ------
    ValueError
        If ``cv`` or ``test_size`` is given for a dataset with an official
        split, or both are given.
    """
    if cv is not None and test_size is not None:
        raise ValueError("give --cv or --test-size, not both")
    if dataset.has_test_split:
        if cv is not None or test_size is not None:
            raise ValueError(
                f"{dataset.name} has an official test split, which is always used; "
                "--cv and --test-size apply to data without one"
            )
        everything = np.arange(dataset.y_test.shape[0])
        return Evaluation(
            f"official test split ({dataset.y.shape[0]} train / "
            f"{dataset.y_test.shape[0]} test)",
            dataset.X_test,
            dataset.y_test,
            [(dataset.X, dataset.y, everything)],
            f"scored on the {dataset.y_test.shape[0]} official test images",
        )
    if cv is None and test_size is None:
        if dataset.name == "sample":
            test_size = 0.2
        else:
            cv = 5
    if cv is not None:
        return _cross_validation(dataset, cv, random_state)
    return _holdout(dataset, test_size, random_state)


def _cross_validation(dataset, n_folds, random_state):
    if n_folds < 2:
        raise ValueError(f"--cv must be at least 2, got {n_folds}")
    present = np.bincount(dataset.y)
    smallest_class = present[present > 0].min()
    if smallest_class < n_folds:
        raise ValueError(
            f"--cv {n_folds}: the rarest class has only {smallest_class} images; "
            "use fewer folds or more data"
        )
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
    splits = [
        (dataset.X[train], dataset.y[train], test)
        for train, test in folds.split(dataset.X, dataset.y)
    ]
    return Evaluation(
        f"stratified {n_folds}-fold cross-validation (mean ± sd over folds)",
        dataset.X,
        dataset.y,
        splits,
        f"stratified {n_folds}-fold cross-validation",
    )


def _holdout(dataset, test_size, random_state):
    if not 0 < test_size < 1:
        raise ValueError(f"--test-size must be between 0 and 1, got {test_size}")
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X,
        dataset.y,
        test_size=test_size,
        stratify=dataset.y,
        random_state=random_state,
    )
    return Evaluation(
        f"stratified hold-out ({y_train.shape[0]} train / {y_test.shape[0]} "
        f"held out, {test_size:.0%})",
        X_test,
        y_test,
        [(X_train, y_train, np.arange(y_test.shape[0]))],
        f"scored on a stratified {y_test.shape[0]}-image hold-out",
    )

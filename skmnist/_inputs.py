"""What a call trains on: the estimator's inputs, checked and encoded.

Functions of the estimator (its parameters and, when it continues
a model, what it was fitted on) and the arrays of one call: which classes
it trains, their weights, and the encoded training and validation sets.
"""

import numpy as np
from sklearn.utils.validation import column_or_1d, validate_data

from ._data import (
    TrainingData,
    at_least_two_classes,
    check_two_weighted_classes,
    combined_weights,
    encode_labels,
    per_class_weights,
    validate_sample_weight,
)


def fitted_classes(estimator, y, incremental, classes):
    """Return the classes this call trains: new ones, or the fitted ones."""
    owner = type(estimator).__name__
    if incremental and not hasattr(estimator, "_network"):
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: list "
                "every label the model will ever see, e.g. "
                "classes=np.arange(10)."
            )
        return at_least_two_classes(np.unique(column_or_1d(classes)), owner)
    if incremental:
        if classes is not None and not np.array_equal(
            estimator.classes_, np.unique(classes)
        ):
            raise ValueError(
                f"classes={np.unique(classes)!r} differs from the classes the "
                f"model was trained with, {estimator.classes_!r}: a partial_fit "
                "continues them. Pass the same classes, or none."
            )
        return estimator.classes_
    classes_ = at_least_two_classes(np.unique(y), owner)
    if estimator.warm_start and hasattr(estimator, "_network"):
        if not np.array_equal(classes_, estimator.classes_):
            raise ValueError(
                f"warm_start=True needs the classes of the previous fit "
                f"{estimator.classes_!r}, got {classes_!r}; set warm_start=False."
            )
    return classes_


def weights_per_class(estimator, y, classes_, incremental):
    """``class_weight`` as a float64 array in the order of ``classes_``, or None."""
    if incremental and estimator.class_weight == "balanced":
        fitted = getattr(estimator, "_continuation", None)
        if fitted is not None and fitted.class_weights is not None:
            # Resuming a fit: its frequencies, so that it goes on as it was.
            return fitted.class_weights
        raise ValueError(
            "class_weight='balanced' is not supported by a partial_fit that "
            "does not continue a fit: one batch does not tell the class "
            "frequencies. Compute them on all the data with "
            "sklearn.utils.class_weight.compute_class_weight and pass a dict."
        )
    return per_class_weights(estimator.class_weight, classes_, y)


def training_data(estimator, X, y, sample_weight, classes_, per_class, incremental):
    """Encode labels; combine sample and class weights; drop zero weights.

    Weights are combined in float64 and stay so: the trainer scales them
    before any cast, so that no finite weight overflows or vanishes.
    """
    y_encoded = encode_labels(y, classes_)
    if sample_weight is not None:
        sample_weight = validate_sample_weight(sample_weight, X)
    weight = combined_weights(y_encoded, sample_weight, per_class)
    if weight is not None:
        positive = weight > 0
        if not incremental:
            check_two_weighted_classes(
                y_encoded[positive], classes_, type(estimator).__name__
            )
        elif not positive.any():
            # E.g. a chunk of classes whose class_weight is 0: an empty
            # batch would fail obscurely.
            raise ValueError(
                "Every sample of this partial_fit call has zero weight "
                "(sample_weight times class_weight): there is nothing to "
                "train on. Give some samples a positive weight, or skip "
                "the call."
            )
        if not positive.all():
            X, y_encoded, weight = X[positive], y_encoded[positive], weight[positive]
    return TrainingData(X, y_encoded, weight, class_weights=per_class)


def validation_data(estimator, X_val, y_val, classes_, per_class, dtype):
    X_val = validate_data(
        estimator, X_val, accept_sparse="csr", dtype=dtype, reset=False
    )
    y_val = column_or_1d(y_val, warn=True)
    if y_val.shape != (X_val.shape[0],):
        raise ValueError(
            f"y_val must have shape ({X_val.shape[0]},) to match X_val; "
            f"got {y_val.shape}."
        )
    y_encoded = encode_labels(y_val, classes_, source="y_val")
    # Scored as the training data is weighted ("balanced": by the
    # training frequencies).
    weight = None if per_class is None else per_class[y_encoded]
    if weight is not None and not np.any(weight > 0):
        raise ValueError(
            "Every sample of the validation set (y_val) belongs to a class "
            "whose class_weight is 0, so it cannot score anything. Give "
            "X_val, y_val samples of classes with a positive weight."
        )
    return TrainingData(X_val, y_encoded, weight)

"""The training arrays: labels encoded, weights combined and scaled.

The one home of two rules every caller must apply alike:

- **labels**: a label is encoded as its index in the sorted ``classes_``;
  unknown labels are refused (:func:`encode_labels`);
- **weights**: ``sample_weight`` times ``class_weight``, validated, samples
  of weight 0 dropped, then scaled so that only their ratios matter
  (:class:`WeightScaling`). ``fit`` derives the scaling from its data; a
  ``partial_fit`` that continues a fit reuses the fit's, so that it trains
  bit for bit as the fit's next epoch would.
"""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight


class TrainingData:
    """Training arrays after validation, weighting and encoding."""

    def __init__(self, X, y, sample_weight, groups=None, class_weights=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.groups = groups
        # The per-class weights folded into sample_weight, kept with the
        # model so that a resumed partial_fit weighs classes as the fit did.
        self.class_weights = class_weights

    @property
    def n_samples(self):
        return self.X.shape[0]

    def subset(self, mask):
        def pick(a):
            return None if a is None else a[mask]

        return TrainingData(
            pick(self.X),
            pick(self.y),
            pick(self.sample_weight),
            pick(self.groups),
            self.class_weights,
        )


def at_least_two_classes(classes, owner):
    """``classes``, refused when fewer than two (nothing to learn)."""
    if classes.size < 2:
        raise ValueError(
            f"{owner} needs samples of at least 2 classes; got only {classes!r}. "
            "A classifier cannot learn from one class: check the labels."
        )
    return classes


def encode_labels(y, classes, source="y"):
    """Map labels to their index in ``classes``; refuse unknown labels."""
    y = np.asarray(y)
    encoded = np.searchsorted(classes, y)
    encoded[encoded == classes.size] = 0
    unknown = classes[encoded] != y
    if np.any(unknown):
        hints = {
            "y": "pass every label in `classes` on the first partial_fit call",
            "y_val": "the validation set may only hold labels of y",
        }
        hint = hints.get(source, "give labels among the estimator's classes_")
        raise ValueError(
            f"{source} contains labels {np.unique(y[unknown])!r} that are not among "
            f"the classes {classes!r}; {hint}."
        )
    return encoded


def validate_sample_weight(sample_weight, X):
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    check_weights(sample_weight, "sample_weight")
    return sample_weight


def per_class_weights(class_weight, classes, y):
    """``class_weight`` as a float64 array in the order of ``classes``, or None."""
    if class_weight is None:
        return None
    if isinstance(class_weight, dict):
        values = np.array(list(class_weight.values()), dtype=np.float64)
        _check_weight_values(values, "class_weight")
    per_class = compute_class_weight(class_weight, classes=classes, y=y)
    # Checked on every class, not on the dict alone: a class the dict leaves
    # out weighs 1, so {0: 0.0} is fine while all zeros is not.
    check_weights(per_class, "class_weight")
    return per_class


def combined_weights(y_encoded, sample_weight, per_class):
    """``sample_weight * class_weight[y]`` in float64, or None for equal weights."""
    weight = sample_weight
    if per_class is not None:
        factor = per_class[y_encoded]
        weight = factor if weight is None else weight * factor
    return weight


def check_weights(weights, name):
    _check_weight_values(weights, name)
    if not np.any(weights > 0):
        raise ValueError(
            f"{name} must contain at least one positive weight: with every weight "
            "zero there is nothing to learn from."
        )


def check_two_weighted_classes(y_encoded, classes, owner):
    present = np.unique(y_encoded)
    if present.size < 2:
        which = "none has"
        if present.size:
            which = f"only class {classes[present]!r} has any"
        raise ValueError(
            f"{owner} needs samples of at least 2 classes with positive weight; "
            f"{which}. A classifier cannot learn from one class: check the sample "
            "and class weights."
        )


def _check_weight_values(weights, name):
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} contains NaN or infinity; give finite weights.")
    if np.any(weights < 0):
        raise ValueError(
            f"{name} must be non-negative; got a minimum of {weights.min()}."
        )


class WeightScaling:
    """How a ``fit`` turned its float64 weights into the weights its steps use.

    First an exact power-of-two scaling to a largest in [0.5, 1)
    (:meth:`exact`): applied before anything adds the weights up (the
    stratified split, validation scores), since sums of weights near 1e308
    overflow, and exact, so weights rescaled by any power of two train bit
    for bit alike. Then, on the samples that train, a division by their
    largest and by their mean (:meth:`apply`), so that only ratios matter.

    Kept with the model, so that a ``partial_fit`` resuming the fit scales
    its weights by the same numbers in the same order and its steps are the
    fit's to the bit. All None: the fit trained unweighted (and
    ``partial_fit`` uses its weights as given).
    """

    def __init__(self, exponent=None, largest=None, mean=None):
        self.exponent = exponent
        self.largest = largest
        self.mean = mean

    @classmethod
    def from_tuple(cls, values):
        return cls(*values) if values is not None else cls()

    def as_tuple(self):
        return (self.exponent, self.largest, self.mean)

    def exact(self, weight):
        """``weight`` scaled by the power of two (derived from it if not yet known).

        None when every weight is equal: equal weights of any size are the
        unweighted fit itself.
        """
        if weight is None:
            return None
        if self.exponent is None:
            self.exponent = int(np.frexp(weight.max())[1])
            if np.all(weight == weight[0]):
                return None
        scaled = np.ldexp(weight, -self.exponent)
        if np.any(scaled[weight > 0] == 0):
            raise ValueError(
                f"The sample weights span more than float64 can hold (from "
                f"{weight[weight > 0].min():g} to {weight.max():g}): the smallest "
                "would round to 0. Raise the smallest weights, or set them to 0 "
                "to drop those samples."
            )
        return scaled

    def fit_to(self, weight):
        """Derive the divisors that give the training weights a mean of 1."""
        if weight is None:
            return
        if np.all(weight == weight[0]):
            # Equal weights train as none; a resumed partial_fit must see
            # its weights relative to these.
            self.largest, self.mean = weight[0], 1.0
            return
        # Divided by the largest first: the mean of weights near 1e308 overflows.
        self.largest = weight.max()
        self.mean = (weight / self.largest).mean()

    def apply(self, weight, dtype):
        """The weights a step uses, in ``dtype``, or None for equal weights."""
        if weight is None:
            return None
        if self.largest is not None:
            weight = weight / self.largest
            weight /= self.mean
            if np.all(weight == 1):
                return None  # equal weights: the fast path
        elif np.all(weight == weight[0]) and (
            self.exponent is not None or weight[0] == 1
        ):
            return None  # equal weights: the fast path
        return _cast(weight, dtype)


def scaled_for_scoring(weight):
    """Validation weights scaled exactly (None when all equal)."""
    return WeightScaling().exact(weight)


def _cast(weight, dtype):
    cast = weight.astype(dtype, copy=False)
    if not np.all(np.isfinite(cast)) or np.any(cast[weight > 0] == 0):
        smallest = weight[weight > 0].min() / weight.max()
        raise ValueError(
            f"The sample weights span more than {np.dtype(dtype).name} can hold "
            f"(the smallest is {smallest:g} times the largest) and would round "
            "to 0 or overflow. Raise the smallest weights (or set them to 0 to "
            "drop those samples), or train on float64 data."
        )
    return cast

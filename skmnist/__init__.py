"""scikit-learn compatible NumPy neural-network classifiers for handwritten digits."""

from ._mlp import TwoLayerMLPClassifier
from ._softmax import SoftmaxSGDClassifier

__version__ = "0.2.0"

#: What ``skops.io.load(path, trusted=skmnist.TRUSTED_TYPES)`` must trust to
#: load our estimators: the estimator classes alone, since a fitted estimator
#: holds its state as arrays, numbers, strings, lists and dicts.
TRUSTED_TYPES = [
    "skmnist._mlp.TwoLayerMLPClassifier",
    "skmnist._softmax.SoftmaxSGDClassifier",
]

__all__ = [
    "SoftmaxSGDClassifier",
    "TwoLayerMLPClassifier",
    "TRUSTED_TYPES",
    "__version__",
]

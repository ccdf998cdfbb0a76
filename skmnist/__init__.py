"""scikit-learn compatible NumPy neural-network classifiers for handwritten digits."""

from ._softmax import SoftmaxSGDClassifier

__version__ = "0.1.0"

__all__ = ["SoftmaxSGDClassifier", "__version__"]

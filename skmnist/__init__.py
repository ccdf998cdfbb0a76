"""scikit-learn compatible NumPy neural-network classifiers for handwritten digits."""

from ._mlp import TwoLayerMLPClassifier
from ._softmax import SoftmaxSGDClassifier

__version__ = "0.2.0"

__all__ = ["SoftmaxSGDClassifier", "TwoLayerMLPClassifier", "__version__"]

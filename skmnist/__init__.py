"""scikit-learn compatible NumPy neural-network classifiers for handwritten digits."""

import importlib

__version__ = "0.3.0"

#: What ``skops.io.load(path, trusted=skmnist.TRUSTED_TYPES)`` must trust to
#: load our estimators: their classes and those of the objects their
#: parameters may hold (schedules, image transforms); a fitted estimator holds
#: its state as arrays, numbers, strings, lists and dicts.
TRUSTED_TYPES = [
    "skmnist._estimators.TwoLayerMLPClassifier",
    "skmnist._estimators.SoftmaxSGDClassifier",
    "skmnist.schedules.StepSchedule",
    "skmnist.schedules.CosineSchedule",
    "skmnist.augmentation.Compose",
    "skmnist.augmentation.ElasticDistortion",
    "skmnist.augmentation.RandomAffine",
    "skmnist.augmentation.RandomHorizontalFlip",
    "skmnist.augmentation.RandomShift",
]

__all__ = [
    "SoftmaxSGDClassifier",
    "TwoLayerMLPClassifier",
    "TRUSTED_TYPES",
    "__version__",
]

# The estimators (and so NumPy and scikit-learn) load on first use: the
# ``skmnist`` command then owns Ctrl-C from its first line on, instead of
# showing a traceback from the middle of an import.
_ESTIMATOR_MODULES = {
    "SoftmaxSGDClassifier": "._estimators",
    "TwoLayerMLPClassifier": "._estimators",
}


def __getattr__(name):
    module = _ESTIMATOR_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_ESTIMATOR_MODULES))

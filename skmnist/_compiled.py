"""The switch between the optional numba kernels and the NumPy reference path.

With numba installed (``pip install "skmnist[fast]"``) the training step runs
the fused loops of ``_numba_kernels``; without it, or with the environment
variable ``SKMNIST_NUMBA=0``, it runs the NumPy code those loops mirror. Both
paths train the same model up to floating-point rounding.
"""

import os
import warnings
from contextlib import contextmanager

import numpy as np

_OFF_VALUES = {"0", "false", "no", "off"}

# The kernel module once looked up, False when numba is absent or switched off.
_loaded = None
_forced_numpy = False


def compiled_kernels():
    """Return the compiled kernel module, or None to take the NumPy path."""
    global _loaded
    if _forced_numpy:
        return None
    if _loaded is None:
        _loaded = _load()
    return _loaded or None


def _load():
    if os.environ.get("SKMNIST_NUMBA", "").strip().lower() in _OFF_VALUES:
        return False
    try:
        from . import _numba_kernels

        _smoke_test(_numba_kernels)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == "numba":
            return False  # not installed: the NumPy path, silently
        if missing.startswith("skmnist"):
            raise
        _warn_unusable(exc)  # e.g. numba without its llvmlite
        return False
    except Exception as exc:  # a numba too old or too new for this NumPy, ...
        _warn_unusable(exc)
        return False
    return _numba_kernels


def _smoke_test(kernels):
    """Compile (or load from the cache) and run one tiny kernel.

    A numba whose compiler cannot work here then fails now, where falling
    back is easy, rather than in the middle of a fit.
    """
    y = np.zeros(1, dtype=np.float32)
    kernels.add_scaled(y, np.ones(1, dtype=np.float32), np.float32(2))
    if y[0] != 2:
        raise RuntimeError(f"a test kernel computed {y[0]} instead of 2")


def _warn_unusable(exc):
    warnings.warn(
        f"numba is installed but could not be used ({exc}); training runs on "
        "the NumPy path. `pip install -U numba` may fix this; set "
        "SKMNIST_NUMBA=0 to silence this warning.",
        RuntimeWarning,
        stacklevel=4,
    )


def kernel_backend():
    """``"numba <version>"`` or ``"numpy"``: what the training step runs on."""
    if compiled_kernels() is None:
        return "numpy"
    import numba

    return f"numba {numba.__version__}"


@contextmanager
def numpy_kernels():
    """Take the NumPy reference path inside the ``with`` block."""
    global _forced_numpy
    previous, _forced_numpy = _forced_numpy, True
    try:
        yield
    finally:
        _forced_numpy = previous

"""The switch between the optional numba kernels and the NumPy reference path.

With numba installed (``pip install "skmnist[fast]"``) the training step runs
the fused loops of ``_numba_kernels``; without it, or with the environment
variable ``SKMNIST_NUMBA=0``, it runs the NumPy code those loops mirror. Both
paths train the same model up to floating-point rounding.
"""

import os
import warnings
from contextlib import contextmanager

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
    except ModuleNotFoundError as exc:
        if exc.name != "numba":
            raise
        return False
    except Exception as exc:  # a numba too old or too new for this NumPy, ...
        warnings.warn(
            f"numba is installed but could not be used ({exc}); training runs on "
            "the NumPy path. `pip install -U numba` may fix this; set "
            "SKMNIST_NUMBA=0 to silence this warning.",
            RuntimeWarning,
            stacklevel=3,
        )
        return False
    return _numba_kernels


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

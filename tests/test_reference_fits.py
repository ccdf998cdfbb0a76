"""Fits are bit-identical to the weights pinned before the 0.4 redesign.

``tests/reference/reference_fits.npz`` holds the weights, loss curves and
validation scores that 0.3.0's code produced for the configurations of
``tests/reference/fits.py``, on the compiled and the NumPy kernel paths. A
refactor must reproduce them exactly; a change meant to move results
regenerates the file (``python -m tests.reference.fits``) and says why in
CHANGES.md.
"""

import numpy as np
import pytest

from reference.fits import CONFIGURATIONS, PATH, run
from skmnist._compiled import compiled_kernels

PATHS = ["numpy", "compiled"]


@pytest.fixture(scope="module")
def reference():
    with np.load(PATH) as stored:
        return dict(stored)


@pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "2.0.0",
    reason="the reference weights were pinned with NumPy 2; NumPy 1 rounds "
    "some results (tanh) differently in the last bit",
)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_fit_matches_reference_bit_for_bit(reference, name, path):
    if path == "compiled" and compiled_kernels() is None:
        pytest.skip("numba is not installed (pip install 'skmnist[fast]')")
    got = run(name, path)
    expected = {k: v for k, v in reference.items() if k.startswith(f"{path}/{name}/")}
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value, err_msg=key, strict=True)

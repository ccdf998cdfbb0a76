"""Property-based tests of the augmentation parameters (hypothesis; issue 19).

Each parameter is drawn from its documented range (edges included) or from
anything at all: NaN, infinities, huge and tiny numbers, negative numbers,
strings, None, pairs of anything. The batches are random images of 1 to 20
pixels a side, in float32 or float64, with pixels in [0, 1] or anywhere in
the finite floats. The properties, on the compiled and the NumPy path:

* a call either raises a ValueError or TypeError with a message, never
  another exception, or returns a new array of the batch's shape and dtype,
  finite, within the batch's value range, leaving the batch untouched;
* its traced memory stays within a small multiple of the batch's size (a
  ``RandomShift(max_shift=600)`` took 288 MiB for a 153 KiB batch), and
  the same seed gives the same images;
* a malformed ``Compose`` never breaks ``get_params``, ``clone`` or
  ``repr``, and a call on it is a ValueError or TypeError.

The examples per property are set by the hypothesis profile in
``tests/conftest.py``: 25 by default, ``SKMNIST_HYPOTHESIS_EXAMPLES=500`` for
a longer run.
"""

import contextlib
import tracemalloc

import numpy as np
import pytest
from sklearn.base import clone

from skmnist._compiled import compiled_kernels, numpy_kernels
from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)

pytest.importorskip(
    "hypothesis", reason='hypothesis is not installed (pip install "skmnist[test]")'
)
from hypothesis import event, given
from hypothesis import strategies as st

#: Traced memory a call may take: this many batches, plus a fixed allowance
#: for the call's small objects (the NumPy path's temporaries reach about 21
#: batches; the compiled path 3; a shift at most 9.6).
BATCHES_OF_MEMORY = 32
FIXED_MEMORY = 64 * 1024


# ----------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------
def anything():
    """Values no parameter should accept all of."""
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**30), 10**30),
        st.sampled_from([None, True, "", "a", 1e-300, 1e300, -0.0, 2**63]),
        st.lists(st.floats(), max_size=3),
    )


def numbers(low, high, **kwargs):
    """Floats in [low, high], the edges themselves often."""
    return st.one_of(st.sampled_from([low, high]), st.floats(low, high, **kwargs))


def ordered_pairs(low, high):
    pair = st.tuples(numbers(low, high), numbers(low, high))
    return pair.map(lambda p: tuple(sorted(p)))


def documented(side):
    """Each transform's parameters, drawn from their documented ranges.

    ``max_shift`` reaches the image side itself, which a call refuses.
    """
    fill = st.one_of(st.floats(-2, 2), st.floats(allow_nan=False, allow_infinity=False))
    return {
        RandomShift: {"max_shift": st.integers(0, side), "fill": fill},
        RandomAffine: {
            "degrees": numbers(0.0, 360.0),
            "scale": st.one_of(
                ordered_pairs(0.01, 100.0), ordered_pairs(0.5, 2.0).map(list)
            ),
            "shear": st.floats(0, 90, exclude_max=True),
            "fill": fill,
        },
        ElasticDistortion: {
            "alpha": numbers(0.0, 1e6),
            "sigma": numbers(0.01, 1000.0),
            "fill": fill,
        },
        RandomHorizontalFlip: {"p": numbers(0.0, 1.0), "fill": fill},
    }


#: Wrong values beyond ``anything()`` that a parameter is likely to meet.
WILD = {
    "scale": st.one_of(
        st.tuples(anything(), anything()),
        st.lists(anything(), max_size=3),
        st.tuples(st.floats(), st.floats()),
        anything(),
    ),
    "image_shape": st.one_of(
        st.tuples(st.integers(-2, 30), st.integers(-2, 30)), anything()
    ),
}


@st.composite
def transforms(draw, side):
    """A transform whose parameters are all documented, or one or all wild."""
    kind, ranges = draw(st.sampled_from(list(documented(side).items())))
    mode = draw(st.sampled_from(["documented", "documented", "one wild", "all wild"]))
    names = sorted([*ranges, "image_shape"])
    wild = {
        "documented": set(),
        "one wild": {draw(st.sampled_from(names))},
        "all wild": set(names),
    }[mode]
    ranges = {
        **ranges,
        "image_shape": st.sampled_from([None, (side, side), [side, side]]),
    }
    params = {
        name: draw(WILD.get(name, anything()) if name in wild else ranges[name])
        for name in names
    }
    event(f"parameters: {mode}")
    return kind(**params)


@st.composite
def batches(draw, side=None):
    """A float32 or float64 batch of square images, pixels in a drawn range."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(0, 40))
    side = draw(st.integers(1, 20)) if side is None else side
    width = 32 if dtype == np.float32 else 64
    pixel = draw(
        st.sampled_from(
            [
                st.floats(0, 1, width=width),
                st.floats(0, 1, width=width),
                st.floats(-1e6, 1e6, width=width),
                st.floats(allow_nan=False, allow_infinity=False, width=width),
            ]
        )
    )
    pool = draw(st.lists(pixel, min_size=1, max_size=8))
    picks = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = picks.choice(np.array(pool, dtype=dtype), size=(n, side * side))
    return np.ascontiguousarray(X, dtype=dtype)


@st.composite
def cases(draw):
    """A batch and a transform drawn for its image side."""
    side = draw(st.integers(1, 20))
    return draw(transforms(side)), draw(batches(side))


@pytest.fixture(scope="module", autouse=True)
def compiled_already():
    """Compile the kernels outside any measured call."""
    X = np.random.default_rng(0).random((2, 16))
    for dtype in (np.float32, np.float64):
        for transform in (RandomAffine(), ElasticDistortion(8, 2)):
            transform(X.astype(dtype), 0)


def resampling_path(use_numpy):
    return numpy_kernels() if use_numpy else contextlib.nullcontext()


# ----------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------
@given(case=cases(), seed=st.integers(0, 2**32 - 1))
@pytest.mark.parametrize("use_numpy", [False, True], ids=["compiled", "numpy"])
def test_a_call_refuses_clearly_or_gives_finite_images_in_bounded_memory(
    case, seed, use_numpy
):
    transform, X = case
    if not use_numpy and compiled_kernels() is None:
        pytest.skip("numba is not installed or is switched off by SKMNIST_NUMBA=0")
    original = X.copy()
    try:
        with (
            resampling_path(use_numpy),
            np.errstate(over="raise", invalid="raise", divide="raise"),
        ):
            X_new = transform(X, seed)
    except (ValueError, TypeError) as error:
        event(f"refused: {type(error).__name__}")
        assert str(error), "a refusal must say what is wrong"
        return
    finally:
        np.testing.assert_array_equal(X, original)  # never modified
    event(f"accepted: {type(transform).__name__}")
    assert X_new.shape == X.shape and X_new.dtype == X.dtype
    assert not np.shares_memory(X_new, X)
    assert np.all(np.isfinite(X_new))
    if X.size:
        assert X.min() <= X_new.min() and X_new.max() <= X.max()
    # Again, traced (the first call filled scikit-learn's and our caches).
    tracemalloc.start()
    try:
        with resampling_path(use_numpy):
            again = transform(X, seed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(again, X_new)  # the same seed, the same images
    assert peak <= BATCHES_OF_MEMORY * X.nbytes + FIXED_MEMORY, (
        f"{peak} bytes traced for a batch of {X.nbytes}"
    )


@st.composite
def steps(draw):
    """Step lists, well-formed or not: pairs as tuples or lists, odd items."""
    transform = st.integers(1, 20).flatmap(transforms)
    step = st.one_of(transform, st.sampled_from(["passthrough", None, 3, "x"]))
    name = st.one_of(st.sampled_from(["a", "b", "steps", "a__b"]), anything())
    pair = st.one_of(
        st.tuples(name, step),
        st.lists(st.one_of(name, step), min_size=0, max_size=3),
        st.tuples(name, step, anything()),
        step,
    )
    return draw(st.one_of(st.lists(pair, max_size=3), anything()))


@given(steps=steps(), X=batches())
def test_compose_keeps_its_parameters_working_and_refuses_clearly(steps, X):
    compose = Compose(steps)
    params = compose.get_params(deep=True)
    assert params["steps"] is steps
    repr(compose)
    copy = clone(compose)
    assert copy.get_params(deep=False).keys() == {"steps"}
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            X_new = compose(X, 0)
    except (ValueError, TypeError) as error:
        event(f"refused: {type(error).__name__}")
        assert str(error)
        return
    event("accepted")
    assert X_new.shape == X.shape and X_new.dtype == X.dtype
    assert np.all(np.isfinite(X_new))

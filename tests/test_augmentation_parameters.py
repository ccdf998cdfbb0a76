"""Augmentation parameters: their bounds, clear refusals, and checks done once.

Each refusal is a ValueError or TypeError naming the parameter and its valid
range, raised before any work (issue 19: a ``RandomShift(max_shift=600)``
allocated 288 MiB for a 153 KiB batch, ``degrees=1e308`` gave OverflowError,
``sigma=1e-300`` ZeroDivisionError, ``fill=nan`` NaN pixels).
"""

import pickle
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.base import clone

from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)

TRANSFORMS = [RandomShift, RandomAffine, ElasticDistortion, RandomHorizontalFlip]


@pytest.fixture(scope="module")
def images():
    """scikit-learn's 8x8 digits in [0, 1], 64 features per row."""
    from sklearn.datasets import load_digits

    return load_digits().data[:300] / 16.0


def peak_bytes(function, *args):
    """The peak of memory traced while ``function(*args)`` runs."""
    function(*args)  # compiles kernels and fills caches outside the trace
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------
# Refused values name the parameter and its range
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "transform, parameter, valid_range",
    [
        (RandomShift(-1), "max_shift", r"range \[0, inf\)"),
        (RandomShift(1.5), "max_shift", "int"),
        (RandomAffine(degrees=-1), "degrees", r"\[0.0, 360.0\]"),
        (RandomAffine(degrees=1e308), "degrees", r"\[0.0, 360.0\]"),
        (RandomAffine(degrees=361), "degrees", r"\[0.0, 360.0\]"),
        (RandomAffine(degrees=np.nan), "degrees", r"\[0.0, 360.0\]"),
        (RandomAffine(shear=90), "shear", r"\[0.0, 90.0\)"),
        (RandomAffine(shear=np.nan), "shear", r"\[0.0, 90.0\)"),
        (ElasticDistortion(alpha=-1), "alpha", r"\[0.0, 1000000.0\]"),
        (ElasticDistortion(alpha=1e300), "alpha", r"\[0.0, 1000000.0\]"),
        (ElasticDistortion(alpha=np.inf), "alpha", r"\[0.0, 1000000.0\]"),
        (ElasticDistortion(sigma=0), "sigma", r"\[0.01, 1000.0\]"),
        (ElasticDistortion(sigma=1e-300), "sigma", r"\[0.01, 1000.0\]"),
        (ElasticDistortion(sigma=1e300), "sigma", r"\[0.01, 1000.0\]"),
        (RandomHorizontalFlip(p=1.5), "p", r"\[0.0, 1.0\]"),
        (RandomShift(fill="black"), "fill", r"\(-inf, inf\)"),
        (RandomShift(image_shape=8), "image_shape", "tuple"),
    ],
)
def test_a_refused_value_names_the_parameter_and_its_range(
    images, transform, parameter, valid_range
):
    with pytest.raises(ValueError, match=f"'{parameter}' parameter of .*{valid_range}"):
        transform(images, 0)


@pytest.mark.parametrize("fill", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("transform_class", TRANSFORMS)
def test_non_finite_fill_is_refused(images, transform_class, fill):
    """A NaN fill used to come out as NaN pixels (or be clipped, for inf)."""
    with pytest.raises(ValueError, match=r"'fill' parameter .*\(-inf, inf\)"):
        transform_class(fill=fill)(images, 0)


@pytest.mark.parametrize(
    "scale",
    [(1.2, 0.8), (0, 1), (1e-300, 1e-300), (1e300, 1e308), (np.nan, 1), (1, np.inf)],
)
def test_scale_out_of_range(images, scale):
    with pytest.raises(ValueError, match=r"scale must be .*0.01 <= low <= high <= 100"):
        RandomAffine(scale=scale)(images, 0)


@pytest.mark.parametrize(
    "scale, error, message",
    [
        (("a", "b"), TypeError, r"scale must be a pair \(low, high\) of numbers"),
        ((1, None), TypeError, r"scale must be a pair \(low, high\) of numbers"),
        ((1.0,), ValueError, r"scale must be a pair \(low, high\)"),
        ((0.9, 1.0, 1.1), ValueError, r"scale must be a pair \(low, high\)"),
        (np.array([0.9, 1.1]), ValueError, "'scale' parameter of RandomAffine"),
    ],
)
def test_scale_of_the_wrong_form(images, scale, error, message):
    with pytest.raises(error, match=message):
        RandomAffine(scale=scale)(images, 0)


@pytest.mark.parametrize(
    "max_shift, image_shape, side", [(8, None, 8), (600, None, 8), (2, (2, 32), 2)]
)
def test_shift_by_a_whole_side_is_refused(images, max_shift, image_shape, side):
    transform = RandomShift(max_shift, image_shape=image_shape)
    with pytest.raises(ValueError, match=f"max_shift={max_shift} must be smaller"):
        transform(images, 0)
    with pytest.raises(ValueError, match=f"max_shift below {side} "):
        transform(images[:0], 0)  # refused even when there is nothing to do


def test_shift_memory_stays_proportional_to_the_batch(images):
    """Issue 19: max_shift=600 took 288 MiB for a 153 KiB batch."""
    X = np.random.default_rng(0).random((50, 784)).astype(np.float32)
    peak = peak_bytes(RandomShift(27), X, 0)  # the largest shift allowed
    assert peak < 12 * X.nbytes, f"{peak / X.nbytes:.1f} batches"
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="max_shift=600"):
            RandomShift(600)(X, 0)
        assert tracemalloc.get_traced_memory()[1] < X.nbytes
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------
# The extremes that are accepted give finite output
# ----------------------------------------------------------------------
EXTREMES = [
    RandomAffine(degrees=360, scale=(0.01, 0.01), shear=89.99999999999999),
    RandomAffine(degrees=360, scale=(100, 100), shear=89.99999999999999, fill=1.0),
    ElasticDistortion(alpha=1e6, sigma=0.01),
    ElasticDistortion(alpha=1e6, sigma=1000),
    RandomShift(7, fill=-5.0),
]


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transform", EXTREMES, ids=repr)
def test_accepted_extremes_give_finite_output(images, transform, dtype):
    X = images.astype(dtype)
    with np.errstate(over="raise", invalid="raise"):  # no overflow on the way
        X_new = transform(X, 0)
    assert X_new.shape == X.shape and X_new.dtype == dtype
    assert np.all(np.isfinite(X_new))
    assert X.min() <= X_new.min() and X_new.max() <= X.max()


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pixels_spanning_the_float_range_are_refused(images, dtype):
    """Differences of such pixels would overflow inside the interpolation."""
    big = np.finfo(dtype).max
    X = np.where(images > 0.5, big, -big).astype(dtype)
    with pytest.raises(ValueError, match="span .* scale the images"):
        RandomAffine()(X, 0)
    # Large values close together interpolate without overflow.
    X_close = (big * 0.75 + images * (big * 0.2)).astype(dtype)
    assert np.all(np.isfinite(RandomAffine(degrees=30)(X_close, 0)))


# ----------------------------------------------------------------------
# Checked once per set of values, and again whenever one changes
# ----------------------------------------------------------------------
def test_parameters_are_checked_once_per_set_of_values(images, monkeypatch):
    calls = []
    original = RandomAffine._validate_params

    def counting(self):
        calls.append(1)
        original(self)

    monkeypatch.setattr(RandomAffine, "_validate_params", counting)
    transform = RandomAffine()
    for seed in range(5):
        transform(images, seed)
    assert len(calls) == 1
    transform.set_params(degrees=20)
    transform(images, 0)
    transform(images, 1)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.set_params(max_shift=-1),
        lambda t: setattr(t, "max_shift", 2.0),  # equal to 2, but not an int
        lambda t: setattr(t, "fill", np.nan),
        lambda t: t.image_shape.append(1),  # a list changed in place
    ],
)
def test_a_changed_value_is_checked_again(images, change):
    transform = RandomShift(2, image_shape=[8, 8])
    transform(images, 0)
    change(transform)
    with pytest.raises(ValueError):
        transform(images, 0)


def test_scale_changed_in_place_is_checked_again(images):
    transform = RandomAffine(scale=[0.9, 1.1])
    transform(images, 0)
    transform.scale[0] = 0.0
    with pytest.raises(ValueError, match="0.01 <= low"):
        transform(images, 0)


def test_neither_clone_nor_pickle_carries_the_check(images):
    """A tampered copy is checked anew: no 'already valid' mark travels with it."""
    transform = RandomShift(2)
    transform(images, 0)
    for copy in (clone(transform), pickle.loads(pickle.dumps(transform))):
        assert vars(copy) == vars(transform)
        copy.max_shift = 600
        with pytest.raises(ValueError, match="max_shift=600"):
            copy(images, 0)


def test_pickles_name_the_public_module():
    """Saved models keep loading however the private modules are arranged."""
    for transform in (RandomShift(), ElasticDistortion(), Compose([])):
        data = pickle.dumps(transform)
        assert b"skmnist.augmentation._" not in data
        assert type(pickle.loads(data)) is type(transform)


def test_a_transform_with_its_own_equality_is_checked_at_every_call(images):
    class Comparable(RandomShift):
        def __eq__(self, other):  # makes instances unhashable
            return vars(self) == vars(other)

    transform = Comparable(1)
    transform(images, 0)
    transform.max_shift = -1
    with pytest.raises(ValueError, match="'max_shift' parameter"):
        transform(images, 0)


def test_threads_sharing_a_transform_get_what_one_thread_gets(images):
    """Four threads at once: the same images per seed as one after another."""
    transforms = [RandomShift(2), RandomAffine(), ElasticDistortion(8, 2)]
    for transform in transforms:
        expected = [transform(images, seed) for seed in range(16)]
        fresh = clone(transform)  # its first checks happen in the threads
        with ThreadPoolExecutor(max_workers=4) as pool:
            got = list(pool.map(lambda seed, t=fresh: t(images, seed), range(16)))
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)

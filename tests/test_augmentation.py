"""Image transforms for training-time augmentation: contracts and geometry."""

import pickle

import numpy as np
import pytest
import scipy.sparse
from numpy.testing import assert_allclose, assert_array_equal
from scipy.ndimage import gaussian_filter1d, map_coordinates
from sklearn.base import clone

from skmnist._compiled import compiled_kernels, numpy_kernels
from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)
from skmnist.augmentation._elastic import smooth, smoothing_basis
from skmnist.augmentation._resample import pixel_grid, warp_numpy

DTYPES = [np.float32, np.float64]


def transforms_at_work():
    """One of each, at a strength that changes every digit."""
    return {
        "shift": RandomShift(max_shift=2),
        "affine": RandomAffine(degrees=15, scale=(0.8, 1.2), shear=15),
        "elastic": ElasticDistortion(alpha=8, sigma=2),
        "flip": RandomHorizontalFlip(p=0.5),
        "compose": Compose(
            [("shift", RandomShift(1)), ("elastic", ElasticDistortion(8, 2))]
        ),
    }


def transforms_at_rest():
    """The same transforms at zero strength."""
    return {
        "shift": RandomShift(max_shift=0),
        "affine": RandomAffine(degrees=0, scale=(1, 1), shear=0),
        "elastic": ElasticDistortion(alpha=0),
        "flip": RandomHorizontalFlip(p=0),
        "compose": Compose([("shift", RandomShift(0)), ("flip", "passthrough")]),
    }


WORKING = transforms_at_work()
RESTING = transforms_at_rest()


@pytest.fixture(scope="module")
def images():
    """scikit-learn's 8x8 digits in [0, 1], 64 features per row."""
    from sklearn.datasets import load_digits

    return load_digits().data[:300] / 16.0


@pytest.fixture
def compiled():
    if compiled_kernels() is None:
        pytest.skip(
            "numba is not installed (pip install 'skmnist[fast]') or is switched off "
            "by SKMNIST_NUMBA=0"
        )


# ----------------------------------------------------------------------
# The contract every transform keeps
# ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", WORKING)
def test_keeps_shape_dtype_and_value_range(images, name, dtype):
    X = images.astype(dtype)
    X_new = clone(WORKING[name])(X, np.random.default_rng(0))
    assert X_new.shape == X.shape and X_new.dtype == dtype
    assert X_new.flags.c_contiguous
    assert X.min() <= X_new.min() and X_new.max() <= X.max()
    changed = np.any(X_new != X, axis=1).mean()
    assert changed > 0.3, f"{name} changed only {changed:.0%} of the images"


@pytest.mark.parametrize("name", WORKING)
def test_never_modifies_its_input(images, name):
    X = images.copy()
    X.setflags(write=False)  # any write would raise
    X_new = WORKING[name](X, 0)
    assert_array_equal(X, images)
    assert not np.shares_memory(X_new, X)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", RESTING)
def test_identity_at_zero_strength(images, name, dtype):
    X = images.astype(dtype)
    X_new = RESTING[name](X, np.random.default_rng(0))
    assert X_new.dtype == dtype
    assert_array_equal(X_new, X)
    assert not np.shares_memory(X_new, X)


@pytest.mark.parametrize("name", WORKING)
def test_same_seed_same_output_other_seed_other_output(images, name):
    transform = WORKING[name]
    first = transform(images, np.random.default_rng(7))
    assert_array_equal(transform(images, np.random.default_rng(7)), first)
    assert_array_equal(transform(images, 7), first)  # a seed works too
    assert not np.array_equal(transform(images, 8), first)


@pytest.mark.parametrize("name", WORKING)
def test_a_generator_gives_fresh_variants_call_after_call(images, name):
    rng = np.random.default_rng(0)
    transform = WORKING[name]
    assert not np.array_equal(transform(images, rng), transform(images, rng))


@pytest.mark.parametrize("name", WORKING)
def test_clone_get_params_and_pickle(images, name):
    transform = WORKING[name]
    copy = clone(transform)
    assert copy is not transform
    assert repr(copy) == repr(transform)
    assert copy.get_params(deep=False).keys() == transform.get_params(deep=False).keys()
    restored = pickle.loads(pickle.dumps(transform))
    assert_array_equal(restored(images, 3), transform(images, 3))


def test_empty_batch(images):
    for transform in WORKING.values():
        out = transform(images[:0].astype(np.float32), 0)
        assert out.shape == (0, 64) and out.dtype == np.float32


def test_fill_outside_the_value_range_is_clipped(images):
    X_new = RandomShift(3, fill=5.0)(images, 0)
    assert X_new.max() == images.max()  # the fill became the batch's maximum
    assert np.any(X_new == images.max())


# ----------------------------------------------------------------------
# Image shape
# ----------------------------------------------------------------------
def test_non_square_rows_need_image_shape(rng):
    X = rng.random((3, 60))
    for transform in WORKING.values():
        with pytest.raises(
            ValueError, match=r"60 pixels.*image_shape=\(height, width\)"
        ):
            transform(X, 0)


def test_explicit_non_square_shape(rng):
    X = rng.random((4, 6))  # 2x3 images
    flipped = RandomHorizontalFlip(p=1.0, image_shape=(2, 3))(X, 0)
    assert_array_equal(flipped, X.reshape(4, 2, 3)[:, :, ::-1].reshape(4, 6))
    moved = RandomShift(1, image_shape=[3, 2])(X, 0)  # a list works as well
    assert moved.shape == X.shape


@pytest.mark.parametrize(
    "image_shape, message",
    [
        ((7, 9), "has 63 pixels but X has 64"),
        ((8,), "two positive integers"),
        ((8, -8), "two positive integers"),
        ((8.0, 8.0), "two positive integers"),
    ],
)
def test_bad_image_shape(images, image_shape, message):
    with pytest.raises(ValueError, match=message):
        RandomShift(1, image_shape=image_shape)(images, 0)


# ----------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------
@pytest.mark.parametrize("name", WORKING)
def test_sparse_input_is_a_type_error(images, name):
    with pytest.raises(TypeError, match="sparse.*toarray"):
        WORKING[name](scipy.sparse.csr_matrix(images), 0)


def test_bad_batches(images):
    transform = RandomShift(1)
    with pytest.raises(ValueError, match=r"2-D.*reshape\(1, -1\)"):
        transform(images[0], 0)
    with pytest.raises(TypeError, match="float32 or float64.*astype"):
        transform((images * 16).astype(np.uint8), 0)
    with_nan = images.copy()
    with_nan[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        transform(with_nan, 0)
    with pytest.raises(TypeError, match="RandomState.*default_rng"):
        transform(images, np.random.RandomState(0))


# ----------------------------------------------------------------------
# What each transform does
# ----------------------------------------------------------------------
def test_shift_moves_whole_images_by_at_most_max_shift(images):
    m = 2
    X_new = RandomShift(m)(images, 0).reshape(-1, 8, 8)
    padded = np.pad(images.reshape(-1, 8, 8), ((0, 0), (m, m), (m, m)))
    seen = set()
    for original, moved in zip(padded, X_new):
        matches = [
            (dr, dc)
            for dr in range(-m, m + 1)
            for dc in range(-m, m + 1)
            if np.array_equal(original[m - dr : m - dr + 8, m - dc : m - dc + 8], moved)
        ]
        assert matches, "an output is not a shifted copy of its input"
        seen.update(matches)
    assert len(seen) == (2 * m + 1) ** 2  # every shift occurs in 300 images


def test_flip_mirrors_about_p_of_the_images(images):
    X_new = RandomHorizontalFlip(p=0.3)(images, 0).reshape(-1, 8, 8)
    originals = images.reshape(-1, 8, 8)
    mirrored = np.all(X_new == originals[:, :, ::-1], axis=(1, 2))
    kept = np.all(X_new == originals, axis=(1, 2))
    assert np.all(mirrored | kept)
    changed = mirrored & ~kept  # symmetric images count as kept
    assert 0.2 < changed.mean() < 0.4


def test_affine_zoom_matches_scipy(images):
    """A fixed zoom by 2 about the centre, against scipy's bilinear reference."""
    X_new = RandomAffine(degrees=0, scale=(2, 2), shear=0)(images, 0)
    grid = np.indices((8, 8), dtype=float)
    source = 3.5 + (grid - 3.5) / 2
    expected = [
        map_coordinates(image, source, order=1, mode="grid-constant", cval=0.0)
        for image in images.reshape(-1, 8, 8)
    ]
    assert_allclose(X_new, np.reshape(expected, images.shape), atol=1e-12)


def test_affine_rotation_keeps_a_centred_disc(rng):
    """A disc about the centre is the same after any rotation, up to blur."""
    rows, cols = np.indices((28, 28)) - 13.5
    disc = (np.hypot(rows, cols) < 8).astype(float).reshape(1, -1)
    rotated = RandomAffine(degrees=180, scale=(1, 1), shear=0)(np.repeat(disc, 5, 0), 1)
    assert np.abs(rotated - disc).max() <= 1.0
    assert_allclose(rotated.sum(axis=1), disc.sum(), rtol=0.02)


@pytest.mark.parametrize("fill", [0.0, 0.25])
def test_numpy_resampling_matches_scipy(rng, fill):
    images = rng.random((4, 6, 7))
    rows = rng.uniform(-3, 9, size=images.shape)
    cols = rng.uniform(-3, 10, size=images.shape)
    got = warp_numpy(images, rows, cols, fill, 0.0, 1.0)
    expected = [
        map_coordinates(image, [r, c], order=1, mode="grid-constant", cval=fill)
        for image, r, c in zip(images, rows, cols)
    ]
    assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("size, sigma", [(28, 4.0), (20, 2.5), (28, 1.0)])
def test_elastic_fields_have_the_smoothed_noise_covariance(size, sigma):
    """B B^T = G G^T: the low-rank fields are Simard's smoothed noise."""
    gaussian = gaussian_filter1d(np.eye(size), sigma, axis=0, mode="reflect")
    basis = smoothing_basis(size, sigma)
    target = gaussian @ gaussian.T
    assert_allclose(basis @ basis.T, target, atol=1e-3 * target.max())
    assert basis.shape[1] <= size


def test_elastic_displacements_grow_with_alpha(images):
    def mean_change(alpha):
        return np.abs(ElasticDistortion(alpha, 3)(images, 0) - images).mean()

    small, large = mean_change(1.0), mean_change(10.0)
    assert 0 < small < large


# ----------------------------------------------------------------------
# The compiled kernels against the NumPy path
# ----------------------------------------------------------------------
@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["affine", "elastic", "compose"])
def test_compiled_path_matches_numpy(images, name, dtype):
    X = images.astype(dtype)
    transform = WORKING[name]
    compiled = transform(X, 5)
    with numpy_kernels():
        reference = transform(X, 5)
    assert compiled.dtype == reference.dtype == dtype
    # Elastic fields are summed in another order: a few ulps of a pixel.
    assert_allclose(compiled, reference, atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 11), (11, 5), (28, 28)])
@pytest.mark.parametrize("n_images", [0, 1, 7, 9, 17])
def test_compiled_elastic_blocks_equal_one_image_at_a_time(n_images, shape, dtype):
    # The kernel builds the fields of several images side by side; each
    # image's result must be what it gets alone (a batch of one is a block
    # of one), bit for bit, whatever the batch size and image shape.
    from skmnist import _numba_augment as kernels

    rng = np.random.default_rng(0)
    h, w = shape
    images = rng.random((n_images, h, w)).astype(dtype)
    basis_rows = smoothing_basis(h, 2.0).astype(dtype)
    basis_cols_t = np.ascontiguousarray(smoothing_basis(w, 2.0).astype(dtype).T)
    noise = rng.standard_normal(
        (2 * n_images, basis_rows.shape[1], basis_cols_t.shape[0])
    ).astype(dtype)
    noise *= dtype(5)
    fill, low, high = dtype(0.25), dtype(0), dtype(1)
    rows, cols = noise[:n_images], noise[n_images:]
    together = np.empty_like(images)
    kernels.warp_elastic(
        images, rows, cols, basis_rows, basis_cols_t, fill, low, high, together
    )
    for i in range(n_images):
        alone = np.empty_like(images[i : i + 1])
        kernels.warp_elastic(
            images[i : i + 1],
            rows[i : i + 1],
            cols[i : i + 1],
            basis_rows,
            basis_cols_t,
            fill,
            low,
            high,
            alone,
        )
        assert_array_equal(together[i], alone[0])
    if n_images:  # and it agrees with the NumPy twin, non-square images too
        fields = smooth(noise, basis_rows, basis_cols_t.T)
        grid_rows, grid_cols = pixel_grid(h, w, dtype)
        reference = warp_numpy(
            images,
            fields[:n_images] + grid_rows,
            fields[n_images:] + grid_cols,
            fill,
            low,
            high,
        )
        assert_allclose(
            together, reference, atol=1e-5 if dtype == np.float32 else 1e-12
        )

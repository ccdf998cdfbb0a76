"""Tests of the duplicate-aware stratified split in ``skmnist._validation_split``."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from skmnist._validation_split import duplicate_groups, stratified_group_split


def _same_partition(a, b):
    """True if a[i] == a[j] exactly when b[i] == b[j] (equal up to relabelling)."""
    a, b = np.asarray(a), np.asarray(b)
    pairs = np.unique(np.stack([a, b]), axis=1)
    return (
        len(np.unique(pairs[0])) == pairs.shape[1]
        and len(np.unique(pairs[1])) == pairs.shape[1]
    )


def _reference_same_sample(X, y):
    """(n, n) boolean matrix: rows i and j have equal features and labels."""
    X = np.asarray(X, dtype=np.float64)
    return (X[:, None, :] == X[None, :, :]).all(axis=2) & (y[:, None] == y[None, :])


@pytest.fixture
def small_data(rng):
    """60 rows over a tiny value grid so that many (row, label) pairs repeat."""
    X = rng.integers(0, 2, size=(60, 3)).astype(np.float64)
    y = rng.integers(0, 2, size=60)
    return X, y


@pytest.fixture
def unbalanced(rng):
    """3000 samples, 5 unbalanced classes, plenty of exact duplicates."""
    n = 3000
    y = rng.choice(5, size=n, p=[0.55, 0.25, 0.12, 0.06, 0.02])
    X = rng.integers(0, 6, size=(n, 4)).astype(np.float64)
    X[:, 0] = y  # keeps duplicates within a class
    # add explicit duplicates of some rows
    dup = rng.integers(0, n, size=600)
    X = np.vstack([X, X[dup]])
    y = np.concatenate([y, y[dup]])
    return X, y


# --------------------------------------------------------------------------
# duplicate_groups
# --------------------------------------------------------------------------


def test_duplicate_groups_equal_iff_same_row_and_label(small_data):
    """Two rows share an id exactly when their features and labels are identical."""
    X, y = small_data
    groups = duplicate_groups(X, y)
    assert groups.shape == (len(y),)
    assert np.issubdtype(groups.dtype, np.integer)
    assert_array_equal(groups[:, None] == groups[None, :], _reference_same_sample(X, y))
    # ids are 0 .. n_groups - 1
    assert_array_equal(np.unique(groups), np.arange(groups.max() + 1))


def test_duplicate_groups_same_row_different_label():
    """Identical features with different labels are different groups."""
    X = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [3.0, 4.0]])
    y = np.array([0, 1, 0, 1])
    groups = duplicate_groups(X, y)
    assert groups[0] == groups[2]
    assert len({groups[0], groups[1], groups[3]}) == 3


def test_duplicate_groups_labels_do_not_collide():
    """(row a, label 1) and (row b, label 0) never merge, whatever the row ids are."""
    X = np.array([[0.0], [1.0], [2.0], [0.0], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    groups = duplicate_groups(X, y)
    assert len(np.unique(groups)) == 6


@pytest.mark.parametrize("seed", range(3))
def test_duplicate_groups_invariant_to_row_order(small_data, seed):
    """Permuting the rows permutes the ids with them: ids follow content."""
    X, y = small_data
    perm = np.random.default_rng(seed).permutation(len(y))
    assert_array_equal(duplicate_groups(X[perm], y[perm]), duplicate_groups(X, y)[perm])


def test_duplicate_groups_invariant_to_repetition(small_data):
    """Repeating rows leaves the ids of the distinct samples unchanged."""
    X, y = small_data
    repeats = np.arange(len(y)) % 3 + 1
    groups = duplicate_groups(X, y)
    groups_rep = duplicate_groups(np.repeat(X, repeats, axis=0), np.repeat(y, repeats))
    assert_array_equal(groups_rep, np.repeat(groups, repeats))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_duplicate_groups_negative_zero_equals_zero(dtype):
    """-0.0 and 0.0 are the same value, so such rows are duplicates."""
    X = np.array(
        [[0.0, 1.0], [-0.0, 1.0], [0.0, -0.0], [-0.0, 0.0], [0.5, 1.0]], dtype=dtype
    )
    assert np.signbit(X[1, 0]) and np.signbit(X[2, 1])
    y = np.zeros(5, dtype=int)
    groups = duplicate_groups(X, y)
    assert groups[0] == groups[1]
    assert groups[2] == groups[3]
    assert len(np.unique(groups)) == 3
    assert np.signbit(X[1, 0])  # the input is not modified


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_duplicate_groups_dense_and_csr_agree(rng, dtype):
    """Dense and CSR versions of the same data give the same grouping."""
    X = rng.integers(0, 3, size=(200, 5)).astype(dtype)
    X[rng.random(X.shape) < 0.5] = 0.0
    X[rng.random(X.shape) < 0.1] *= -1  # includes some -0.0 too
    y = rng.integers(0, 3, size=200)
    dense = duplicate_groups(X, y)
    sparse = duplicate_groups(sp.csr_matrix(X), y)
    assert _same_partition(dense, sparse)
    assert_array_equal(dense[:, None] == dense[None, :], _reference_same_sample(X, y))


def test_duplicate_groups_csr_explicit_zeros_and_unsorted_indices():
    """Stored zeros (incl. -0.0), unsorted or duplicate entries: same CSR row."""
    # row 0: (0 -> 1.0, 2 -> 2.0) stored normally
    # row 1: the same row with unsorted indices, an explicit 0 and an explicit -0.0
    # row 2: the same row with column 2 split into two entries that sum to 2.0
    data = np.array([1.0, 2.0, 2.0, 0.0, 1.0, -0.0, 1.0, 1.5, 0.5])
    indices = np.array([0, 2, 2, 1, 0, 3, 0, 2, 2])
    indptr = np.array([0, 2, 6, 9])
    X = sp.csr_matrix((data, indices, indptr), shape=(3, 4))
    y = np.zeros(3, dtype=int)
    groups = duplicate_groups(X, y)
    assert groups[0] == groups[1] == groups[2]
    assert X.nnz == 9  # the caller's matrix is left as it was
    assert_array_equal(X.indices, indices)


def test_duplicate_groups_non_contiguous_dense(small_data):
    """A Fortran-ordered or strided view groups like its contiguous copy."""
    X, y = small_data
    wide = np.repeat(X, 2, axis=1)
    assert_array_equal(duplicate_groups(wide[:, ::2], y), duplicate_groups(X, y))
    assert_array_equal(
        duplicate_groups(np.asfortranarray(X), y), duplicate_groups(X, y)
    )


# --------------------------------------------------------------------------
# stratified_group_split
# --------------------------------------------------------------------------


def _split(X, y, sample_weight=None, fraction=0.1, seed=0):
    groups = duplicate_groups(X, y)
    return groups, stratified_group_split(
        groups, y, sample_weight, fraction, np.random.default_rng(seed)
    )


@pytest.mark.parametrize("seed", range(3))
def test_split_never_splits_a_duplicate_group(unbalanced, seed):
    """Every group of identical samples lies entirely on one side."""
    X, y = unbalanced
    groups, is_val = _split(X, y, fraction=0.2, seed=seed)
    assert is_val.dtype == bool and is_val.shape == y.shape
    n_val_per_group = np.bincount(groups, weights=is_val)
    size_per_group = np.bincount(groups)
    assert np.all((n_val_per_group == 0) | (n_val_per_group == size_per_group))
    # and there really are groups with several members on the validation side
    assert np.any(size_per_group[n_val_per_group > 0] > 1)


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_split_holds_out_fraction_of_each_class_weight(
    unbalanced, rng, fraction, weighted
):
    """Each class, even a 2% one, has ~validation_fraction of its weight held out."""
    X, y = unbalanced
    sample_weight = rng.uniform(0.2, 3.0, size=len(y)) if weighted else None
    groups, is_val = _split(X, y, sample_weight, fraction=fraction, seed=1)
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    for label in np.unique(y):
        in_class = y == label
        held = w[in_class & is_val].sum() / w[in_class].sum()
        # the greedy choice is within half the largest group of the target
        group_w = np.bincount(groups[in_class], weights=w[in_class])
        slack = 0.5 * group_w.max() / w[in_class].sum()
        assert abs(held - fraction) <= slack + 1e-12, (label, held)
        assert slack < 0.05  # so this is a real check on every class


def test_split_small_classes_keep_one_group_per_side():
    """Classes with >= 2 groups keep a group on each side, whatever the fraction;
    single-group classes stay entirely in training."""
    X = np.array(
        [
            [0.0],
            [1.0],  # class 0: two groups
            [2.0],
            [2.0],
            [2.0],  # class 1: one group (three copies)
            [3.0],
            [4.0],
            [5.0],  # class 2: three groups
            [6.0],
        ]
    )  # class 3: one group
    y = np.array([0, 0, 1, 1, 1, 2, 2, 2, 3])
    for fraction in [0.01, 0.3, 0.5, 0.99]:
        for seed in range(5):
            _, is_val = _split(X, y, fraction=fraction, seed=seed)
            for label in (0, 2):
                side = is_val[y == label]
                assert side.any() and not side.all(), (fraction, seed, label)
            assert not is_val[y == 1].any()
            assert not is_val[y == 3].any()


def test_split_single_group_class_with_heavy_weight_stays_in_training():
    """A class of one distinct sample stays in training even with a large weight."""
    X = np.array([[0.0], [1.0], [2.0], [3.0], [9.0]])
    y = np.array([0, 0, 0, 0, 1])
    w = np.array([1.0, 1.0, 1.0, 1.0, 100.0])
    _, is_val = _split(X, y, w, fraction=0.5)
    assert not is_val[4]
    assert is_val[:4].sum() == 2


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_split_integer_weights_equal_repeated_rows(unbalanced, rng, seed, kind):
    """Integer sample_weight k puts a sample where k repeated copies of it land."""
    X, y = unbalanced
    X, y = X[:1200], y[:1200]
    k = rng.integers(1, 5, size=len(y))
    X_rep = np.repeat(X, k, axis=0)
    y_rep = np.repeat(y, k)
    if kind == "csr":
        X, X_rep = sp.csr_matrix(X), sp.csr_matrix(X_rep)
    _, is_val_w = _split(X, y, k.astype(np.float64), fraction=0.2, seed=seed)
    _, is_val_rep = _split(X_rep, y_rep, None, fraction=0.2, seed=seed)
    assert_array_equal(np.repeat(is_val_w, k), is_val_rep)
    assert 0 < is_val_w.sum() < len(y)


def test_split_weight_as_float32_same_as_float64(unbalanced):
    """Integer weights stored as float32 (the engine casts to X's dtype) split alike."""
    X, y = unbalanced
    k = np.arange(len(y)) % 4 + 1
    _, a = _split(X, y, k.astype(np.float32), fraction=0.2, seed=3)
    _, b = _split(X, y, k.astype(np.float64), fraction=0.2, seed=3)
    assert_array_equal(a, b)


def test_split_unit_weights_equal_no_weights(unbalanced):
    """sample_weight=None behaves as all-ones weights."""
    X, y = unbalanced
    _, a = _split(X, y, None, fraction=0.15, seed=7)
    _, b = _split(X, y, np.ones(len(y)), fraction=0.15, seed=7)
    assert_array_equal(a, b)


def test_split_is_deterministic_for_a_seed(unbalanced):
    """The same Generator seed gives the same split; other seeds give other splits."""
    X, y = unbalanced
    _, first = _split(X, y, fraction=0.2, seed=42)
    _, again = _split(X, y, fraction=0.2, seed=42)
    assert_array_equal(first, again)
    others = [_split(X, y, fraction=0.2, seed=s)[1] for s in (1, 2, 3)]
    assert not all(np.array_equal(first, other) for other in others)


def test_split_follows_content_not_row_order(unbalanced):
    """Shuffling the rows before splitting selects the same samples."""
    X, y = unbalanced
    perm = np.random.default_rng(5).permutation(len(y))
    _, is_val = _split(X, y, fraction=0.2, seed=9)
    _, is_val_perm = _split(X[perm], y[perm], fraction=0.2, seed=9)
    assert_array_equal(is_val_perm, is_val[perm])


def test_duplicate_groups_survive_a_hash_collision(monkeypatch):
    """Rows that hash alike but differ are still told apart."""
    from skmnist import _validation_split

    # With every multiplier 1 the hash is the sum of the words, so a row and
    # its reversal collide.
    monkeypatch.setattr(
        _validation_split, "_hash_multipliers", lambda n: np.ones(n, dtype=np.uint64)
    )
    X = np.array([[1.0, 2.0], [2.0, 1.0], [1.0, 2.0]], dtype=np.float32)
    groups = duplicate_groups(X, np.zeros(3, dtype=int))
    assert groups[0] == groups[2] != groups[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("values", ["binary", "pixels"])
def test_duplicate_groups_hash_needs_no_fallback_on_image_like_data(
    monkeypatch, dtype, values
):
    """Small integers and 0/1 values, common in image data, hash without collisions.

    (Collisions stay correct, but the fallback sorts every row: seconds on MNIST.)
    """
    from skmnist import _validation_split

    def no_fallback(rows):
        raise AssertionError("hash collision: fell back to sorting the rows")

    monkeypatch.setattr(_validation_split, "_sorted_row_ids", no_fallback)
    rng = np.random.default_rng(0)
    if values == "binary":
        X = (rng.random((3000, 64)) < 0.2).astype(dtype)
    else:
        X = rng.integers(0, 256, size=(3000, 64)).astype(dtype)
    X = np.vstack([X, X[:10]])  # some true duplicates too
    groups = duplicate_groups(X, np.zeros(len(X), dtype=int))
    assert_array_equal(groups[-10:], groups[:10])
    assert groups.max() + 1 == len(np.unique(X, axis=0))

"""Hold out a validation set for early stopping.

Two properties set this split apart from ``train_test_split``:

* it is stratified for any number of classes, in proportion to the classes'
  total sample weight;
* identical samples (same features, same label) form one group that is never
  split between training and validation. Duplicates therefore cannot leak
  into the validation score, and a sample with integer weight ``k`` lands
  exactly where ``k`` repeated copies of it would.
"""

import numpy as np
import scipy.sparse as sp


def duplicate_groups(X, y):
    """Label each row with the id of its group of identical (row, label) pairs.

    Ids depend on the rows' values only (through a hash of each value as a
    float64), not on their positions nor on how they are stored: the same
    data in any order, repeated or weighted, dense or sparse, float32 or
    float64, gets the same ids, so the same seed splits it the same way.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer-encoded labels.

    Returns
    -------
    groups : ndarray of shape (n_samples,), dtype int64
    """
    row_keys = _row_keys(X)
    order = np.lexsort((y, row_keys))
    key_sorted, y_sorted = row_keys[order], y[order]
    starts = np.empty(len(order), dtype=bool)
    starts[:1] = True
    starts[1:] = (key_sorted[1:] != key_sorted[:-1]) | (y_sorted[1:] != y_sorted[:-1])
    groups = np.empty(len(order), dtype=np.int64)
    groups[order] = np.cumsum(starts) - 1
    return groups


#: Rows hashed (and checked) per block, to bound the temporaries.
_HASH_BLOCK = 2048


def _row_keys(X):
    """One key per row, equal exactly for equal rows.

    64-bit hashes of the rows' values, checked for collisions: sorting the
    rows themselves costs seconds on MNIST, hashing one pass. On a (never
    yet seen) collision, the exact sort of the rows decides.
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()
        hashes = _sparse_row_hashes(X)
    else:
        hashes = _dense_row_hashes(X)
    _, first, ids = np.unique(hashes, return_index=True, return_inverse=True)
    ids = ids.ravel()
    if _rows_differ(X, first[ids]):
        dense = X.toarray() if sp.issparse(X) else X
        return _sorted_row_ids(dense).astype(np.uint64)
    return hashes


def _dense_row_hashes(X):
    hashes = np.empty(X.shape[0], dtype=np.uint64)
    multipliers = _hash_multipliers(X.shape[1])
    for start in range(0, X.shape[0], _HASH_BLOCK):
        words = _value_words(X[start : start + _HASH_BLOCK])
        words *= multipliers  # wraps modulo 2**64, as a hash should
        hashes[start : start + _HASH_BLOCK] = words.sum(axis=1)
    return hashes


def _sparse_row_hashes(X):
    """The dense hash, from the non-zeros alone (a zero's word mixes to zero)."""
    words = _value_words(X.data)
    words *= _hash_multipliers(X.shape[1])[X.indices]
    # Row sums by differences of a running (wrapping) sum: empty rows give 0.
    running = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(words)])
    return running[X.indptr[1:]] - running[X.indptr[:-1]]


def _value_words(values):
    """Each value's float64 bits, scrambled; zeros (either sign) give 0."""
    as_float64 = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 becomes 0.0
    return _mix(as_float64.view(np.uint64).copy())


def _rows_differ(X, reference_rows):
    """Whether any row differs from the row ``reference_rows`` names for it."""
    for start in range(0, X.shape[0], _HASH_BLOCK):
        block = slice(start, start + _HASH_BLOCK)
        a, b = X[block], X[reference_rows[block]]
        if sp.issparse(X):
            if (a != b).nnz:
                return True
        elif not np.array_equal(a, b):
            return True
    return False


def _mix(words):
    """Scramble each 64-bit word in place so that every bit reaches the low bits.

    A product only carries bits upwards: without this, float64 values with
    zero low mantissa bits (small integers, 0/1 pixels) would all share
    their hash's low bits, and collide. Zero stays zero.
    """
    words ^= words >> np.uint64(31)
    words *= np.uint64(0xBF58476D1CE4E5B9)
    words ^= words >> np.uint64(29)
    return words


def _hash_multipliers(n_words):
    # Fixed and odd: the hash, hence every id, depends on the content only.
    multipliers = np.random.default_rng(0x5EED).integers(
        1, 2**63, size=n_words, dtype=np.uint64
    )
    return multipliers | np.uint64(1)


def _sorted_row_ids(rows):
    """Exact ids of distinct rows, by sorting their float64 bytes."""
    rows = np.ascontiguousarray(rows, dtype=np.float64) + 0.0
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))
    _, ids = np.unique(as_bytes.ravel(), return_inverse=True)
    return ids.ravel().astype(np.int64)


#: Relative to a class's weight, split choices closer than this are ties.
_SPLIT_ROUNDING = 1e-9


def stratified_group_split(groups, y, sample_weight, validation_fraction, rng):
    """Choose validation samples, whole groups at a time, class by class.

    Within each class, groups are taken in a random order until their weight
    comes closest to ``validation_fraction`` of the class's weight. A class
    with a single group stays in training; any other keeps at least one
    group on each side.

    Parameters
    ----------
    groups : ndarray of shape (n_samples,)
        Output of :func:`duplicate_groups`.
    y : ndarray of shape (n_samples,)
        Integer-encoded labels.
    sample_weight : ndarray of shape (n_samples,) or None
    validation_fraction : float
    rng : numpy.random.Generator

    Returns
    -------
    is_validation : ndarray of shape (n_samples,), dtype bool
    """
    n_groups = groups.max() + 1
    group_weight = np.bincount(groups, weights=sample_weight, minlength=n_groups)
    group_label = np.empty(n_groups, dtype=y.dtype)
    group_label[groups] = y
    shuffled = rng.permutation(n_groups)
    in_validation = np.zeros(n_groups, dtype=bool)
    for label in np.unique(y):
        members = shuffled[group_label[shuffled] == label]
        if members.size < 2:
            continue
        cumulative = np.cumsum(group_weight[members])
        target = validation_fraction * cumulative[-1]
        # Candidate counts 1 .. size-1: one group at least on each side.
        distance = np.abs(cumulative[:-1] - target)
        # Ties within rounding go to the fewest groups: weights rescaled by
        # any factor (rounding the sums apart) must split alike.
        near_best = distance <= distance.min() + _SPLIT_ROUNDING * cumulative[-1]
        n_taken = 1 + np.argmax(near_best)
        in_validation[members[:n_taken]] = True
    return in_validation[groups]

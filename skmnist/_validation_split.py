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

    Ids depend on the rows' contents (through a hash), not their positions,
    so the same data in any order, repeated or weighted, gets the same ids.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer-encoded labels.

    Returns
    -------
    groups : ndarray of shape (n_samples,), dtype intp
    """
    row_keys = _sparse_row_ids(X) if sp.issparse(X) else _dense_row_ids(X)
    n_labels = int(y.max()) + 1
    _, groups = np.unique(row_keys * n_labels + y, return_inverse=True)
    return groups.ravel()


#: Rows hashed (and checked) per block, to bound the temporaries.
_HASH_BLOCK = 2048


def _dense_row_ids(X):
    """Ids of distinct rows: 64-bit hashes of their bytes, checked for collisions.

    Sorting the rows themselves costs seconds on MNIST; hashing costs one
    pass. Rows that share a hash are compared in full, and on a (never yet
    seen) collision the exact byte sort decides.
    """
    rows = np.ascontiguousarray(X)
    hashes = np.empty(rows.shape[0], dtype=np.uint64)
    multipliers = _hash_multipliers(rows.shape[1])
    word = np.dtype(f"u{rows.dtype.itemsize}")
    for start in range(0, rows.shape[0], _HASH_BLOCK):
        words = _canonical(rows[start : start + _HASH_BLOCK]).view(word)
        mixed = _mix(words.astype(np.uint64))
        mixed *= multipliers  # wraps modulo 2**64, as a hash should
        hashes[start : start + _HASH_BLOCK] = mixed.sum(axis=1)
    _, first, ids = np.unique(hashes, return_index=True, return_inverse=True)
    ids = ids.ravel()
    for start in range(0, rows.shape[0], _HASH_BLOCK):
        block = slice(start, start + _HASH_BLOCK)
        if not np.array_equal(rows[block], rows[first[ids[block]]]):
            return _sorted_row_ids(rows)
    return ids.astype(np.int64)


def _mix(words):
    """Scramble each 64-bit word in place so that every bit reaches the low bits.

    A product only carries bits upwards: without this, float64 values with
    zero low mantissa bits (small integers, 0/1 pixels) would all share
    their hash's low bits, and collide.
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


def _canonical(rows):
    """A copy of ``rows`` with -0.0 turned into 0.0: the same value, the same bytes."""
    return rows + rows.dtype.type(0)


def _sorted_row_ids(rows):
    rows = _canonical(rows)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))
    _, ids = np.unique(as_bytes.ravel(), return_inverse=True)
    return ids.ravel().astype(np.int64)


def _sparse_row_ids(X):
    X = sp.csr_matrix(X, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    X.sort_indices()
    keys = [
        X.indices[start:stop].tobytes() + X.data[start:stop].tobytes()
        for start, stop in zip(X.indptr[:-1], X.indptr[1:])
    ]
    id_of_key = {key: i for i, key in enumerate(sorted(set(keys)))}
    return np.array([id_of_key[key] for key in keys], dtype=np.int64)


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
        n_taken = 1 + np.argmin(np.abs(cumulative[:-1] - target))
        in_validation[members[:n_taken]] = True
    return in_validation[groups]

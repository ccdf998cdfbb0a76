"""Refusing, before any data is loaded, a comparison that cannot fit in memory.

The estimate counts what the biggest arrays of a run take: the images
(float32, with the copies the splits make), every fitted network kept for the
figures, and, for the model that needs most while it trains, its weights,
gradients, optimizer state and best-state copy, its per-batch workspaces and
the activations of a prediction (scikit-learn's ``predict`` and ``score``
take all the rows at once; skmnist's work in chunks). It is rough, and meant
to tell "fits" from "cannot possibly fit" (a ``--n-hidden 100000000`` run
would need terabytes), so only a run whose estimate exceeds the memory
available is refused.
"""

import os

from ._contenders import MODELS, _hidden_units, batch_size_for

#: float32 everywhere: the data is float32 and both libraries keep its dtype.
_ITEMSIZE = 4

#: Copies of the parameter vector while training: weights, gradient, two of
#: Adam's moments and the best state kept for early stopping.
_PARAMETER_COPIES = 5

#: Per-batch arrays of a hidden layer: activations, their gradient, a mask.
_WORKSPACE_COPIES = 3

#: Rows skmnist's predict_proba computes at a time (a bound, not its value).
_OUR_PREDICTION_ROWS = 4096

_UNITS = ("bytes", "KB", "MB", "GB", "TB", "PB")


def format_bytes(n_bytes):
    """``1.3 TB``: powers of 1,000, as memory is usually quoted."""
    value = float(n_bytes)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return None  # unreachable: the loop returns at the last unit


def _read_number(path):
    try:
        with open(path) as f:
            text = f.read().split()
    except OSError:
        return None
    return int(text[0]) if text and text[0].isdigit() else None


def _meminfo_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _cgroup_available():
    # A container's limit (cgroup v2) can be far below the machine's memory.
    limit = _read_number("/sys/fs/cgroup/memory.max")
    used = _read_number("/sys/fs/cgroup/memory.current")
    if limit is None:
        return None
    return max(limit - (used or 0), 0)


def available_bytes():
    """Memory this process could still use, in bytes; None when unknown."""
    known = [n for n in (_meminfo_available(), _cgroup_available()) if n is not None]
    return min(known) if known else None


def _model_bytes(spec, estimator, n_features, n_classes, n_train, n_heldout):
    """``(kept, peak)``: bytes of the fitted model, and its peak while it
    trains and predicts."""
    sizes = [n_features, *_hidden_units(estimator), n_classes]
    n_parameters = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    activations = sum(sizes[1:])
    kept = n_parameters * _ITEMSIZE
    batch = batch_size_for(n_train)
    workspace = _WORKSPACE_COPIES * batch * activations * _ITEMSIZE
    rows = max(n_train, n_heldout)
    if spec.is_ours:
        rows = min(rows, _OUR_PREDICTION_ROWS)
    prediction = 2 * rows * activations * _ITEMSIZE
    return kept, _PARAMETER_COPIES * kept + workspace + prediction


def estimate_bytes(
    model_keys, *, n_hidden, max_iter, n_features, n_train, n_heldout, n_classes=10
):
    """Rough peak memory of a comparison, in bytes (see the module docstring)."""
    data = 2 * (n_train + n_heldout) * n_features * _ITEMSIZE
    kept_total, peak = 0, 0
    for key in model_keys:
        spec = MODELS[key]
        estimator = spec.build(
            max_iter=max_iter, n_hidden=n_hidden, random_state=0, n_train=n_train
        )
        kept, model_peak = _model_bytes(
            spec, estimator, n_features, n_classes, n_train, n_heldout
        )
        kept_total += kept
        peak = max(peak, model_peak)
    return data + kept_total + peak


def check_memory(model_keys, *, n_hidden, max_iter, shape, available=None):
    """Raise ValueError when the run's estimate exceeds the memory available.

    ``shape`` is ``(n_train, n_heldout, n_features)``; ``available`` defaults
    to :func:`available_bytes` (no check when that is unknown).
    """
    n_train, n_heldout, n_features = shape
    available = available_bytes() if available is None else available
    if available is None:
        return
    needed = estimate_bytes(
        model_keys,
        n_hidden=n_hidden,
        max_iter=max_iter,
        n_features=n_features,
        n_train=n_train,
        n_heldout=n_heldout,
    )
    if needed <= available:
        return
    hidden = f" with --n-hidden {n_hidden}" if n_hidden is not None else ""
    raise ValueError(
        f"this comparison{hidden} would need about {format_bytes(needed)} of "
        f"memory (weights, optimizer state and workspaces of {n_train} training "
        f"images of {n_features} pixels), and about {format_bytes(available)} "
        "is available: choose a smaller --n-hidden, fewer images (--n-samples) "
        "or fewer models (--models)"
    )

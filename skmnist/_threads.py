"""How many BLAS threads the minibatch products of a fit run on.

A minibatch's matrix products can be small: softmax regression's are 1.6
million multiply-adds at 200 rows, too little to share between OpenBLAS
threads, whose start-up and spinning then compete with the element-wise
passes between the products.  So the trainer runs its minibatch steps on
the number of threads that the work per product pays for
(:func:`minibatch_blas_threads`), and leaves every other phase (scoring in
chunks of 4,096 rows, predicting) on the threads the user allowed.  A model
trained on one thread this way also gives the same weights whatever the
ceiling (OpenBLAS's results change in the last bits with its thread count).

The rule only ever lowers the thread count: whatever limit the user set
(``threadpoolctl``, ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, joblib's
``inner_max_num_threads`` in a GridSearchCV worker) stays the ceiling.
``SKMNIST_BLAS_THREADS=inherit`` in the environment turns the rule off.
"""

import contextlib
import functools
import os
import threading

#: Environment variable: "auto" (the default) or "inherit" (rule off).
ENVIRONMENT_VARIABLE = "SKMNIST_BLAS_THREADS"

#: Multiply-adds per minibatch product that pay for one more BLAS thread.
#: Measured on full MNIST with batches of 200 (benchmarks/bench_threads.py,
#: 2 cores): softmax regression's 1.6 million per product ran as fast on one
#: thread as on two; at 100 hidden units' 16 million, two threads were
#: 1.42x, 0.96x and 1.06x as fast as one in three runs.
WORK_PER_THREAD = 4_000_000


def minibatch_blas_threads(layer_shapes, batch_size):
    """The BLAS threads that the products of one minibatch step pay for, or
    None when the rule is off.

    ``layer_shapes`` are the model's weight shapes; the largest product of
    a step multiplies ``batch_size`` rows by the largest of them.
    """
    if not _rule_enabled():
        return None
    largest_layer = max(rows * columns for rows, columns in layer_shapes)
    return max(1, batch_size * largest_layer // WORK_PER_THREAD)


@functools.cache
def _controller():
    # Imported here: threadpoolctl inspects every loaded library, which only
    # a fit needs.  One controller per process; its limits are fresh per call.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _rule_enabled():
    value = os.environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower()
    if value not in ("auto", "inherit"):
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={value!r} is not understood: use 'auto' "
            "(choose BLAS threads per phase, the default) or 'inherit' (leave "
            "them as they are)."
        )
    return value == "auto"


def allowed_blas_threads():
    """The BLAS thread count the user allows: while a phase runs on fewer
    threads, the count in force when it began; otherwise the count now."""
    if _phase.ceiling is not None:
        return _phase.ceiling
    return _current_blas_threads()


def _current_blas_threads():
    counts = [
        lib.num_threads for lib in _controller().select(user_api="blas").lib_controllers
    ]
    return max(counts) if counts else None


class _Phase:
    """The process's BLAS limit for the phases running now.

    BLAS thread limits are process-wide, so phases are too: the first phase
    to begin reads the user's ceiling and sets the limit; phases that begin
    while it runs (a nested fit, fits in other threads) keep its limit
    rather than raise or lower it; the last to end restores the ceiling.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.ceiling = None
        self.limiter = None

    def begin(self, wanted):
        with self.lock:
            if not self.active:
                self.ceiling = _current_blas_threads()
                if wanted is not None and self.ceiling and wanted < self.ceiling:
                    self.limiter = _controller().limit(limits=wanted, user_api="blas")
            self.active += 1

    def end(self):
        with self.lock:
            self.active -= 1
            if not self.active:
                if self.limiter is not None:
                    self.limiter.restore_original_limits()
                self.limiter = self.ceiling = None


_phase = _Phase()


@contextlib.contextmanager
def blas_threads(wanted):
    """Run the block on at most ``wanted`` BLAS threads (None: as many as
    allowed), never more than allowed when it begins.

    The allowed count stays readable as :func:`allowed_blas_threads` inside
    the block (the parallel kernels use the user's ceiling, not the phase's
    limit), without asking the libraries again at every call.
    """
    _phase.begin(wanted)
    try:
        yield
    finally:
        _phase.end()

"""Stopping rules: when to check a quantity, and when to stop on what it shows.

Both rules serve the trainer through one interface, applied to a quantity
where lower is better (a loss, or one minus an accuracy):

``is_due(n_batches, end_of_epoch)``
    whether a check is due after the ``n_batches``-th minibatch of the fit;
``update(value, n_batches)``
    record the checked value; return True if it is the best so far;
``should_stop(n_batches)``
    whether training should end now;
``postpone()``
    asked when the rule wants to stop but the "adaptive" schedule has just
    lowered the step: return True to go on (the rule starts counting again);
``reason``
    one sentence saying why the rule stopped training.

``NoImprovementRule`` is scikit-learn's: count the epochs that fail to beat
the best value by ``tol``. ``PatienceRule`` is the Theano tutorial's: a
budget of minibatches that grows whenever validation improves markedly.
"""

import numpy as np

#: Values closer than this (relative) count as equal: a weighted accuracy
#: computed from weights ``k`` or from ``k`` repeated rows differs in its last
#: bits, and that must not decide which epoch's weights are the best.
ROUNDING = 1e-9


def is_better(value, best):
    """Whether ``value`` beats ``best`` by more than rounding (lower is better)."""
    if not np.isfinite(best):
        return value < best
    return value < best - ROUNDING * max(1.0, abs(best))


class NoImprovementRule:
    """Stop after too many epochs in a row without improving by ``tol``.

    Parameters
    ----------
    tol : float
        Improvement that counts.
    n_iter_no_change : int or float
        Epochs in a row allowed without such an improvement (``np.inf``:
        never stop on this rule).
    strict : bool
        MLPClassifier's count: stop when *more than* ``n_iter_no_change``
        epochs failed. Otherwise SGDClassifier's: stop when that many did.
    quantity : str
        What is checked, for :attr:`reason` ("training loss", ...).
    """

    def __init__(self, tol, n_iter_no_change, strict, quantity):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.strict = strict
        self.quantity = quantity
        self.best = np.inf
        self.n_bad_checks = 0

    def is_due(self, n_batches, end_of_epoch):
        return end_of_epoch

    def update(self, value, n_batches):
        if is_better(value, self.best - self.tol):
            self.n_bad_checks = 0
        else:
            self.n_bad_checks += 1
        improved = is_better(value, self.best)
        if improved:
            self.best = value
        return improved

    def should_stop(self, n_batches):
        if self.strict:
            return self.n_bad_checks > self.n_iter_no_change
        return self.n_bad_checks >= self.n_iter_no_change

    def postpone(self):
        self.n_bad_checks = 0
        return True

    @property
    def reason(self):
        return (
            f"the {self.quantity} did not improve by more than tol={self.tol:g} "
            f"for {self.n_bad_checks} consecutive epochs"
        )


class PatienceRule:
    """The Theano tutorial's patience: stop once ``iteration >= patience``.

    Parameters
    ----------
    patience : int
        Minibatches to look at whatever happens.
    patience_increase : float
        On a marked improvement, patience becomes at least
        ``iteration * patience_increase``.
    improvement_threshold : float
        A value below ``best * improvement_threshold`` is a marked improvement.
    validation_frequency : int
        Minibatches between checks.
    quantity : str
        What is checked, for :attr:`reason`.

    Notes
    -----
    ``iteration`` is the 0-based index of the minibatch just trained on,
    counted across epochs, as in the tutorial's loop: ``n_batches - 1``.
    The tutorial tests its patience after every minibatch; here the test is
    a check of its own, so that the weights training ends with are always
    validated, and a run can never end before its first validation. That
    check can make those weights the best ones, but never extends the
    patience: the run stops where the tutorial's does.
    """

    def __init__(
        self,
        patience,
        patience_increase,
        improvement_threshold,
        validation_frequency,
        quantity,
    ):
        self.patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.validation_frequency = validation_frequency
        self.quantity = quantity
        self.best = np.inf

    def is_due(self, n_batches, end_of_epoch):
        return n_batches % self.validation_frequency == 0 or self._ran_out(n_batches)

    def update(self, value, n_batches):
        improved = is_better(value, self.best)
        # A check made only because the patience ran out scores the weights
        # training ends with, so that they can be kept; the tutorial makes no
        # such check, so it must not extend the patience either.
        scheduled = n_batches % self.validation_frequency == 0
        if scheduled and improved and value < self.best * self.improvement_threshold:
            iteration = n_batches - 1
            self.patience = max(self.patience, iteration * self.patience_increase)
        if improved:
            self.best = value
        return improved

    def should_stop(self, n_batches):
        return self._ran_out(n_batches)

    def postpone(self):
        return False

    def _ran_out(self, n_batches):
        return self.patience <= n_batches - 1

    @property
    def reason(self):
        return (
            f"the patience of {self.patience:g} minibatches ran out (the "
            f"{self.quantity} "
            f"last improved markedly before that)"
        )


class NeverStop:
    """No rule at all: ``partial_fit`` trains one pass whatever happens."""

    reason = "one pass of partial_fit"

    def is_due(self, n_batches, end_of_epoch):
        return False

    def update(self, value, n_batches):
        return False

    def should_stop(self, n_batches):
        return False

    def postpone(self):
        return False

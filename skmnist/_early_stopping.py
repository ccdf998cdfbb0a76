"""Stopping rules, both applied to a quantity where lower is better.

``NoImprovementRule`` is scikit-learn's: count the checks that fail to beat
the best value by ``tol``. ``PatienceRule`` is the Theano tutorial's:
a budget of minibatches that grows whenever validation improves markedly.
"""

import numpy as np


class NoImprovementRule:
    """Stop after ``n_iter_no_change`` checks without improving by ``tol``.

    Parameters
    ----------
    tol : float
        Improvement that counts.
    n_iter_no_change : int
        Checks in a row allowed without such an improvement.
    """

    def __init__(self, tol, n_iter_no_change):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.best = np.inf
        self.n_bad_checks = 0

    def update(self, value, iteration=None):
        """Record ``value``; return True if it is the best so far."""
        if value < self.best - self.tol:
            self.n_bad_checks = 0
        else:
            self.n_bad_checks += 1
        improved = value < self.best
        if improved:
            self.best = value
        return improved

    def should_stop(self, iteration=None):
        return self.n_bad_checks >= self.n_iter_no_change

    def reset_count(self):
        self.n_bad_checks = 0


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

    Notes
    -----
    ``iteration`` is the 0-based index of the minibatch just trained on,
    counted across epochs, exactly as in the tutorial's loop.
    """

    def __init__(self, patience, patience_increase, improvement_threshold):
        self.patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.best = np.inf

    def update(self, value, iteration):
        """Record ``value`` seen after ``iteration``; return True if best so far."""
        improved = value < self.best
        if improved:
            if value < self.best * self.improvement_threshold:
                self.patience = max(self.patience, iteration * self.patience_increase)
            self.best = value
        return improved

    def should_stop(self, iteration):
        return self.patience <= iteration

    def reset_count(self):
        pass

"""Stopping rules and validation scores: listeners of the fit (see ``_events``).

A rule is a :class:`StoppingRule`: a listener that, when a check is due,
reads a quantity where lower is better (the training loss, or the validation
loss or error), keeps the best parameters when that quantity is the
validation's, and stops the fit when the rule says. A new rule is one
subclass here, defining:

``is_due(n_batches, end_of_epoch)``
    whether a check is due after the ``n_batches``-th minibatch of the fit;
``update(value, n_batches)``
    record the checked value; return True if it is the best so far;
``should_stop(n_batches)``
    whether training should end now;
``postpone()``
    whether the rule can go on after the "adaptive" schedule lowers the
    step (and start counting again), instead of stopping; None if it never
    can;
``reason``
    one sentence saying why the rule stopped training.

:class:`HeldOutScores` is the one place a validation set is scored: every
epoch when it only records, or at the rule's checks when a rule watches it.

``NoImprovementRule`` is scikit-learn's: count the epochs that fail to beat
the best value by ``tol``. ``PatienceRule`` is the Theano tutorial's: a
budget of minibatches that grows whenever validation improves markedly.
"""

import numpy as np

from ._events import Listener

#: Values closer than this (relative) count as equal: a weighted accuracy
#: computed from weights ``k`` or from ``k`` repeated rows differs in its last
#: bits, and that must not decide which epoch's weights are the best.
ROUNDING = 1e-9


def is_better(value, best):
    """Whether ``value`` beats ``best`` by more than rounding (lower is better)."""
    if not np.isfinite(best):
        return value < best
    return value < best - ROUNDING * max(1.0, abs(best))


class StoppingRule(Listener):
    """What every rule does on the fit's events; subclasses decide when and why.

    Parameters
    ----------
    quantity : TrainingLoss or HeldOutScores
        What is checked: ``quantity.value(fit)``, lower is better.
    """

    quantity = None

    def watch(self, quantity):
        self.quantity = quantity
        return self

    def on_batch_end(self, fit):
        if not fit.last_batch and self.is_due(fit.n_batches, end_of_epoch=False):
            self._check(fit)

    def on_epoch_end(self, fit):
        if not fit.stopping and self.is_due(fit.n_batches, end_of_epoch=True):
            self._check(fit)

    def _check(self, fit):
        value = self.quantity.value(fit)
        if self.update(value, fit.n_batches) and self.quantity.keeps_best:
            fit.keep_as_best(self.quantity.latest())
        if not self.should_stop(fit.n_batches):
            return
        # The "adaptive" schedule lowers the step instead of stopping, for
        # a rule that can start counting again.
        if self.postpone is not None and fit.reduce_step_on_plateau():
            self.postpone()
            return
        fit.stop(self.reason)


class TrainingLoss:
    """The quantity of a rule that watches the training loss of each epoch."""

    keeps_best = False
    name = "training loss"

    def value(self, fit):
        return fit.history.loss


class HeldOutScores(Listener):
    """Scores the current solution on a validation set and records it.

    Parameters
    ----------
    evaluate : Evaluator
        Mean loss and accuracy of a flat solution on the validation set.
    monitor : {"loss", "accuracy"}
        Which of them a rule watches.
    watched : bool
        True when a rule checks this quantity (and so decides when it is
        scored); False to score it once an epoch, for the record.
    """

    keeps_best = True

    def __init__(self, evaluate, monitor, watched):
        self.evaluate = evaluate
        self.monitor = monitor
        self.watched = watched
        self.name = f"validation {monitor}"

    def on_train_begin(self, fit):
        self.history = fit.history
        fit.history.validation_scores = []
        fit.history.validation_loss_curve = []

    def on_epoch_end(self, fit):
        if not self.watched:
            self.value(fit)

    def value(self, fit):
        """Score and record the current solution; return the monitored value."""
        loss, accuracy = self.evaluate(fit.solution())
        self.history.validation_loss_curve.append(loss)
        self.history.validation_scores.append(accuracy)
        if self.monitor == "loss":
            return loss if np.isfinite(loss) else np.inf
        return 1.0 - accuracy

    def latest(self):
        """The last ``(loss, accuracy)`` recorded."""
        return (
            self.history.validation_loss_curve[-1],
            self.history.validation_scores[-1],
        )


class NoImprovementRule(StoppingRule):
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
    """

    def __init__(self, tol, n_iter_no_change, strict):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.strict = strict
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

    @property
    def reason(self):
        return (
            f"the {self.quantity.name} did not improve by more than tol={self.tol:g} "
            f"for {self.n_bad_checks} consecutive epochs"
        )


class PatienceRule(StoppingRule):
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
    ):
        self.patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.validation_frequency = validation_frequency
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

    # The tutorial's rule has a fixed budget: no schedule can postpone it.
    postpone = None

    def _ran_out(self, n_batches):
        return self.patience <= n_batches - 1

    @property
    def reason(self):
        return (
            f"the patience of {self.patience:g} minibatches ran out (the "
            f"{self.quantity.name} "
            f"last improved markedly before that)"
        )


def stopping_rule(settings, strict, n_batches, validation):
    """The rule that decides when a ``fit`` stops, watching what it should.

    ``validation`` is the :class:`HeldOutScores` to watch, or None to watch
    the training loss.
    """
    if validation is not None and settings.patience is not None:
        frequency = settings.validation_frequency or max(
            1, min(n_batches, settings.patience // 2)
        )
        rule = PatienceRule(
            settings.patience,
            settings.patience_increase,
            settings.improvement_threshold,
            frequency,
        )
    else:
        rule = NoImprovementRule(settings.tol, settings.n_iter_no_change, strict)
    return rule.watch(validation if validation is not None else TrainingLoss())

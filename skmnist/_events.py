"""The one protocol for everything that watches a fit.

Stopping rules, validation scoring, verbose output, scikit-learn's callbacks
and skmnist's own (:class:`~skmnist.callbacks.Checkpoint`,
:class:`~skmnist.callbacks.ValidationMonitor`) are all :class:`Listener`
objects. The trainer calls each hook with one argument, ``fit``, the running
fit (:class:`skmnist._trainer.FitControl`), which offers what a listener may
read and the four things it may do:

- ``fit.stop(reason)``: end training after this batch or epoch;
- ``fit.keep_as_best(scores=None, overriding=False)``: end training with the
  current parameters and their optimizer state, whatever comes later (an
  ``overriding`` choice, a user callback's, wins over a stopping rule's);
- ``fit.reduce_step_on_plateau()``: ask the "adaptive" schedule for a
  smaller step; True when it gave one;
- ``fit.set_learning_rate(value)``: the step of the epoch about to start
  (a per-epoch schedule's).

What it may read: ``fit.epoch``, ``fit.n_batches``, ``fit.last_batch``,
``fit.history``, ``fit.stopping``, ``fit.network()`` and
``fit.continuation()`` (copies: the model as ``fit`` would return it now).

When a listener raises, :func:`call_listeners` wraps the error in
:class:`ListenerError` and the trainer decides, in one place, what the user
gets: before the first epoch ends the fit fails and the estimator is left as
it was; after it, training ends, the model trained so far is kept (as after
Ctrl-C), a warning says which listener failed, and the error is raised.
"""

import math
import sys

from ._settings import is_number


class Listener:
    """Base class of the fit's listeners: every hook does nothing."""

    def on_train_begin(self, fit):
        """Before the first epoch, once the initial state exists."""

    def on_epoch_begin(self, fit):
        """Before the first batch of an epoch."""

    def on_batch_end(self, fit):
        """After each minibatch's step (only called on listeners that define it)."""

    def on_epoch_end(self, fit):
        """After an epoch's loss is recorded."""

    def on_train_end(self, fit):
        """After training ended and the kept best state was restored."""


def defines_batch_hook(listener):
    """Whether ``listener`` overrides ``on_batch_end`` (the others are skipped)."""
    method = getattr(type(listener), "on_batch_end", None)
    return method is not None and method is not Listener.on_batch_end


class ListenerError(Exception):
    """A listener's hook raised ``error``; carries which one, for the message."""

    def __init__(self, listener, hook, error):
        super().__init__(f"{describe(listener)} raised {error!r} in {hook}")
        self.listener = listener
        self.hook = hook
        self.error = error


def describe(listener):
    """A short name for messages: the callback's class, or the listener's."""
    return getattr(listener, "name", type(listener).__name__)


def call_listeners(listeners, hook, fit):
    """Call ``hook`` on each listener in order; wrap a failure in ListenerError."""
    for listener in listeners:
        try:
            getattr(listener, hook)(fit)
        except Exception as error:
            raise ListenerError(listener, hook, error) from error


class ScheduledStep(Listener):
    """Sets each epoch's step from a per-epoch schedule (:mod:`skmnist.schedules`).

    The epoch is counted over every call that trained the model (the length
    of the loss curve so far), so warm starts and ``partial_fit`` continue
    the schedule.
    """

    def __init__(self, schedule, learning_rate_init):
        if hasattr(schedule, "check"):
            schedule.check()  # before the first epoch
        self.schedule = schedule
        self.learning_rate_init = learning_rate_init

    def on_train_begin(self, fit):
        # Every epoch this call may run, before the first: a bad factor
        # found mid-fit would end it with a model half trained.
        first = len(fit.history.loss_curve)
        for epoch in range(first, first + fit.n_epochs):
            self._factor(epoch)

    def on_epoch_begin(self, fit):
        epoch = len(fit.history.loss_curve)
        fit.set_learning_rate(self.learning_rate_init * self._factor(epoch))

    def _factor(self, epoch):
        factor = self.schedule.factor(epoch)
        # A user's schedule may return anything; a bad factor would otherwise
        # surface later as a "diverged" error blaming learning_rate_init.
        if not (is_number(factor) and 0 <= factor < math.inf):
            raise ValueError(
                f"learning_rate={self.schedule!r} returned factor({epoch}) = "
                f"{factor!r}; a schedule's factor must be a finite number >= 0."
            )
        return factor


class VerboseReport(Listener):
    """Prints each epoch's loss and, at the end, why training stopped."""

    def on_epoch_end(self, fit):
        history = fit.history
        message = f"Iteration {fit.epoch}, loss = {history.loss:.8f}"
        if history.validation_scores:
            message += f", validation score = {history.validation_scores[-1]:.6f}"
        if history.learning_rates:
            message += f", learning rate = {history.learning_rates[-1]:.3g}"
        print(message, file=sys.stdout, flush=True)

    def on_train_end(self, fit):
        history = fit.history
        message = f"Training stopped: {history.stop_reason}."
        if history.restored_epoch is not None and history.restored_scores is None:
            message += (
                f" Restored the weights a callback kept, from epoch "
                f"{history.restored_epoch}."
            )
        elif history.restored_epoch is not None:
            loss, accuracy = history.restored_scores
            message += (
                f" Restored the best weights, from epoch {history.restored_epoch} "
                f"(validation loss {loss:.6f}, validation score {accuracy:.6f})."
            )
        print(message, file=sys.stdout, flush=True)

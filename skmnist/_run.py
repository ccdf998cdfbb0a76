"""One call's passes over the data: the loop, its state and its record.

:class:`_Run` is the running fit the listeners see (``fit`` in
:mod:`skmnist._events`): it trains epoch after epoch, records the loss,
refuses a run that diverged, tells the listeners, and acts on what they ask
(stop, keep these weights, lower the step). :class:`TrainingState` is what
the epochs update; :class:`History` is what they record.
"""

import dataclasses
import warnings
from typing import Any, Optional

import numpy as np

from ._events import ListenerError, call_listeners, defines_batch_hook, describe
from ._fitted import Continuation, FittedNetwork, ParameterLayout
from ._parallel import kernel_threads_setting
from ._step import GradientStep
from ._threads import blas_threads, minibatch_blas_threads


@dataclasses.dataclass
class History:
    """What the epochs of one call recorded, named as the fitted attributes are."""

    loss_curve: list = dataclasses.field(default_factory=list)
    validation_scores: Optional[list] = None
    validation_loss_curve: Optional[list] = None
    n_iter: int = 0
    t: int = 0
    stop_reason: str = ""
    restored_epoch: Optional[int] = None
    restored_scores: Optional[tuple] = None  # validation (loss, accuracy) restored
    reached_max_iter: bool = False
    interrupted: bool = False
    learning_rates: Optional[list] = None  # per epoch, under a schedule object

    @property
    def loss(self):
        """The last epoch's training loss (None before the first)."""
        return self.loss_curve[-1] if self.loss_curve else None

    @property
    def best_loss(self):
        """Lowest training loss; None when a validation set was monitored."""
        if self.validation_scores is not None or not self.loss_curve:
            return None
        return min(self.loss_curve)

    @property
    def best_validation_score(self):
        return max(self.validation_scores) if self.validation_scores else None

    @property
    def best_validation_loss(self):
        curve = self.validation_loss_curve
        return min(curve) if curve else None


class TrainingState:
    """The flat parameters, their gradient, optimizer, average, random streams
    and counters (samples and updates seen over every call that trained them).
    """

    def __init__(self, layout, params, rngs):
        self.layout = layout
        self.params = params
        self.grads = np.zeros_like(params)
        self.optimizer = None
        self.average = None
        self.rngs = rngs
        self.t = 0
        self.n_updates = 0

    @classmethod
    def empty(cls, layout_shapes, dtype, rngs):
        layout = ParameterLayout(*layout_shapes)
        return cls(layout, np.empty(layout.n_params, dtype=dtype), rngs)

    @property
    def solution(self):
        """The parameters to predict with: the average when averaging."""
        if self.average is None:
            return self.params
        return self.average.solution(self.params)

    def resume(self, continuation, solution):
        """Continue the optimizer, the average and the random streams."""
        self.optimizer.load_state_dict(continuation.optimizer)
        if self.average is not None and continuation.average is not None:
            self.average.load_state_dict(continuation.average, solution=solution)
        self.rngs = {name: _generator(s) for name, s in continuation.rngs.items()}

    def snapshot(self):
        """Copies of everything a restore needs: parameters with their optimizer."""
        return {
            "params": self.params.copy(),
            "optimizer": self.optimizer.state_dict(),
            "average": None if self.average is None else self.average.state_dict(),
        }

    def restore(self, snapshot):
        np.copyto(self.params, snapshot["params"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
        if self.average is not None:
            self.average.load_state_dict(snapshot["average"])

    def continuation(self, loss_curve, copy=False):
        """What a later call continues from.

        Without ``copy`` it hands over its arrays, for a state that trains no
        more. The iterate is left out when it equals the solution the network
        stores anyway, and so is the average, which is the solution.
        """
        averaging = self.average is not None and self.average.n_averaged
        iterate = None
        if averaging:
            iterate = self.params.copy() if copy else self.params
        average = None
        if self.average is not None:
            average = {**self.average.state_dict(copy=False), "average": None}
        return Continuation(
            iterate=iterate,
            optimizer=self.optimizer.state_dict(copy=copy),
            average=average,
            rngs={name: rng.bit_generator.state for name, rng in self.rngs.items()},
            t=self.t,
            n_updates=self.n_updates,
            loss_curve=list(loss_curve),
        )


@dataclasses.dataclass(frozen=True)
class ContinuationTerms:
    """What a later call must continue under, fixed before the first epoch.

    How ``fit`` scaled the sample weights (a tuple), the class weights it
    trained with and its :class:`~skmnist._settings.OptimizerSettings`: a
    checkpoint written mid-fit resumes under them as the finished fit would.
    """

    weight_scaling: Optional[tuple] = None
    class_weights: Optional[np.ndarray] = None
    optimizer_settings: Any = None

    def as_fields(self, copy):
        """The :class:`~skmnist._fitted.Continuation` fields they fill."""
        class_weights = self.class_weights
        if copy and class_weights is not None:
            class_weights = class_weights.copy()
        settings = self.optimizer_settings
        return {
            "weight_scaling": self.weight_scaling,
            "class_weights": class_weights,
            "optimizer_settings": None
            if settings is None
            else dataclasses.asdict(settings),
        }


class _Run:
    """One call's passes over the data; the ``fit`` its listeners are told about."""

    def __init__(self, settings, model, state, data, start, incremental, terms):
        self.settings = settings
        self.terms = terms
        self.model = model
        self.state = state
        self.data = data
        self.classes_size = state.layout.n_classes
        self.batch_size = batch_size_for(settings.batch_size, data.n_samples)
        self.step = GradientStep(settings, model, state, data, self.batch_size)
        layer_shapes = state.layout.shapes[: state.layout.n_layers]
        self.minibatch_threads = minibatch_blas_threads(layer_shapes, self.batch_size)
        kernel_threads_setting()  # a bad SKMNIST_KERNEL_THREADS fails here
        loss_curve = [] if start is None else list(start.continuation.loss_curve)
        self.history = History(loss_curve=loss_curve, t=state.t)
        self.incremental = incremental
        self.n_epochs = 1 if incremental else settings.max_iter
        self.listeners = []
        self.epoch = 0
        self.n_batches = 0
        self.last_batch = False
        self.stopping = False
        self.best = None
        self.kept_by_listener = None
        self.failure = None

    # -- what listeners may read --------------------------------------------
    def solution(self):
        """The current flat solution (no copy: read it, do not keep it)."""
        return self.state.solution

    def network(self, classes=None):
        """The model as training would end now, as a FittedNetwork (a copy)."""
        return FittedNetwork(
            self.model,
            self.data.X.shape[1],
            classes if classes is not None else np.arange(self.classes_size),
            self.state.solution.copy(),
        )

    def continuation(self, copy=True):
        """What a later ``partial_fit`` would continue from (copies unless
        ``copy=False``, for a state that trains no more)."""
        continuation = self.state.continuation(self.history.loss_curve, copy=copy)
        return dataclasses.replace(continuation, **self.terms.as_fields(copy))

    # -- what listeners may do ------------------------------------------------
    def stop(self, reason):
        """End training after this batch or epoch, saying why."""
        if not self.stopping:
            self.stopping = True
            self.history.stop_reason = reason

    def keep_as_best(self, scores=None, overriding=False):
        """End training with the current parameters and optimizer state."""
        kept = (self.state.snapshot(), self.epoch, scores)
        if overriding:
            self.kept_by_listener = kept
        else:
            self.best = kept

    def set_learning_rate(self, value):
        """The step of the epoch about to start (recorded in the history)."""
        self.state.optimizer.learning_rate = float(value)
        if self.history.learning_rates is None:
            self.history.learning_rates = []
        self.history.learning_rates.append(float(value))

    def reduce_step_on_plateau(self):
        """Ask the "adaptive" schedule for a smaller step; True if it gave one."""
        return self.state.optimizer.reduce_on_plateau()

    # -- the loop ---------------------------------------------------------------
    def fit_loop(self):
        self.batch_listeners = [
            each for each in self.listeners if defines_batch_hook(each)
        ]
        try:
            call_listeners(self.listeners, "on_train_begin", self)
            for _ in range(self.n_epochs):
                if self._run_epoch():
                    break
            else:
                self._reached_max_iter()
        except KeyboardInterrupt:
            if not self.history.n_iter:
                raise  # nothing trained worth keeping: the fit fails
            self.history.interrupted = True
            self.history.stop_reason = "interrupted by the user (KeyboardInterrupt)"
        except ListenerError as failure:
            self._listener_failed(failure)
        self._restore_best()
        try:
            call_listeners(self.listeners, "on_train_end", self)
        except ListenerError as failure:
            self.failure = self.failure or failure

    def _listener_failed(self, failure):
        """Keep the model trained so far, unless no epoch has finished."""
        if not self.history.n_iter:
            raise failure.error
        self.failure = failure
        self.history.stop_reason = (
            f"{describe(failure.listener)} raised {type(failure.error).__name__} "
            f"in {failure.hook}"
        )

    def _reached_max_iter(self):
        if self.incremental:
            self.history.stop_reason = "one pass of partial_fit"
            return
        self.history.stop_reason = (
            f"maximum iterations ({self.settings.max_iter}) reached"
        )
        self.history.reached_max_iter = True

    def _run_epoch(self):
        """Train one epoch; return True when training should stop."""
        self.epoch = self.history.n_iter + 1
        call_listeners(self.listeners, "on_epoch_begin", self)
        self._end_epoch(self._train_batches())
        call_listeners(self.listeners, "on_epoch_end", self)
        return self.stopping

    def _train_batches(self):
        """Train on each minibatch of an epoch; return the mean loss."""
        loss_sum = weight_sum = 0.0
        # Minibatch products are small: they run on the threads they pay for
        # (skmnist._threads); scoring between epochs keeps all allowed. Batch
        # listeners (mid-epoch validation) run inside the phase: leaving and
        # re-entering it per batch would cost more than their small scoring.
        with blas_threads(self.minibatch_threads):
            for rows, last in self._batches():
                batch_loss, batch_weight = self.step(rows)
                loss_sum += batch_loss
                weight_sum += batch_weight
                self.n_batches += 1
                self.last_batch = last
                if self.batch_listeners:
                    call_listeners(self.batch_listeners, "on_batch_end", self)
                    if self.stopping:
                        break
        return loss_sum / weight_sum

    def _batches(self):
        """Yield the rows of each minibatch of an epoch, and whether it is the last."""
        n_samples, size = self.data.n_samples, self.batch_size
        order = None
        if self.settings.shuffle:
            order = self.state.rngs["shuffle"].permutation(n_samples)
        for start in range(0, n_samples, size):
            stop = start + size
            rows = slice(start, stop) if order is None else order[start:stop]
            yield rows, stop >= n_samples

    def _end_epoch(self, trained_loss):
        """Record the epoch's loss; refuse a run that diverged."""
        history, state = self.history, self.state
        history.n_iter += 1
        history.t = state.t
        # Not just NaN/inf: the log-sum-exp loss of a run-away model can stay
        # finite for many epochs while growing without bound. The limit is
        # one of the data loss, so it is compared with the data loss alone.
        if not trained_loss < self.step.divergence_limit:
            self._diverged(trained_loss)
        # The iterates' running loss, averaging or not, as SGDClassifier's:
        # within a call, averaging changes the model returned, never the path
        # to it or when it stops. (Scoring the average instead took a pass over the data
        # each epoch, half a softmax epoch's arithmetic.)
        penalty = state.layout.penalty(state.params, self.settings.alpha)
        history.loss_curve.append(trained_loss + penalty)

    def _diverged(self, loss):
        lr = self.state.optimizer.learning_rate_init
        raise ValueError(
            f"Training diverged in epoch {self.history.n_iter}: the mean training "
            f"loss (without the penalty) became {loss:g}. learning_rate_init={lr:g} "
            f"is too large for this data; try a smaller one (e.g. {lr / 10:g}) and "
            "make sure the features are scaled (for pixels 0..255, divide by 255). "
            "The estimator was left as it was."
        )

    def _restore_best(self):
        # A listener's explicit choice wins over the stopping rule's.
        best = self.kept_by_listener or self.best
        if best is None:
            return
        snapshot, epoch, scores = best
        self.state.restore(snapshot)
        self.history.restored_epoch = epoch
        self.history.restored_scores = scores


def batch_size_for(batch_size, n_samples):
    """The batch size a call trains with (warning when the data is smaller)."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training "
            "samples; using batches of all of them.",
            UserWarning,
            stacklevel=2,
        )
    return min(batch_size, n_samples)


def _generator(bit_generator_state):
    rng = np.random.default_rng()
    rng.bit_generator.state = bit_generator_state
    return rng

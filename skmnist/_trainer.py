"""The trainer: everything that happens inside one ``fit`` or ``partial_fit`` call.

The estimators validate and encode the data, then make one call,
``Trainer(config, model).train(data, ...)``. The trainer owns the validation
split, initialisation, the optimizer, the epochs and minibatches, the
validation schedule, the stopping rule, restoring the best state, the
divergence check and the history. It works on a model object and arrays and
never sees the estimator: what it needs comes in a :class:`TrainerConfig`,
what it produced goes back in a :class:`TrainResult`.

The loop reads as its steps: ``train`` -> ``fit_loop`` -> ``_run_epoch`` ->
``_GradientStep``, with stopping decided in ``_check`` alone.
"""

import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from ._early_stopping import NeverStop, NoImprovementRule, PatienceRule
from ._optimizers import IterateAverage, make_optimizer
from ._training import (
    DropoutNoise,
    Evaluator,
    ParameterLayout,
    data_loss_gradient,
    divergence_limit,
    mean_squared_norm,
    scaled_weights,
    training_weights,
)
from ._validation_split import duplicate_groups, stratified_group_split

#: The independent random streams of a fit, spawned from one seed.
RANDOM_STREAMS = ("init", "split", "shuffle", "noise", "augment")


@dataclass(frozen=True)
class OptimizerSettings:
    """Solver, step-size schedule and the solver's own parameters."""

    solver: str
    learning_rate_init: Any  # a float, or "auto" (resolved on the training data)
    schedule: str
    power_t: float
    momentum: float
    nesterovs_momentum: bool
    beta_1: float
    beta_2: float
    epsilon: float


@dataclass(frozen=True)
class TrainerConfig:
    """Everything the trainer needs to know, as plain values.

    ``n_iter_no_change_strict`` selects MLPClassifier's count (stop after
    *more than* ``n_iter_no_change`` epochs without progress) over
    SGDClassifier's (after that many). ``average`` is False, True (from the
    start) or a number of samples after which averaging starts.
    """

    optimizer: OptimizerSettings
    alpha: float = 0.0
    batch_size: Any = "auto"
    max_iter: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: float = 10
    n_iter_no_change_strict: bool = True
    early_stopping: bool = False
    validation_fraction: float = 0.1
    monitor: str = "loss"
    patience: Optional[int] = None
    patience_increase: float = 2.0
    improvement_threshold: float = 0.995
    validation_frequency: Optional[int] = None
    dropout: float = 0.0
    average: Any = False
    augment: Optional[Callable] = None
    verbose: int = 0


@dataclass
class History:
    """What the epochs of one call recorded, named as the fitted attributes are."""

    loss_curve: list = field(default_factory=list)
    validation_scores: Optional[list] = None
    validation_loss_curve: Optional[list] = None
    n_iter: int = 0
    t: int = 0
    stop_reason: str = ""
    restored_epoch: Optional[int] = None
    restored_scores: Optional[tuple] = None  # validation (loss, accuracy) restored
    reached_max_iter: bool = False
    interrupted: bool = False

    @property
    def loss(self):
        return self.loss_curve[-1]

    @property
    def best_loss(self):
        """Lowest training loss; None when a validation set was monitored."""
        return None if self.validation_scores is not None else min(self.loss_curve)

    @property
    def best_validation_score(self):
        return max(self.validation_scores) if self.validation_scores else None

    @property
    def best_validation_loss(self):
        curve = self.validation_loss_curve
        return min(curve) if curve else None


class TrainingState:
    """What a later ``partial_fit`` continues from.

    The flat parameters (the raw iterate), the optimizer, the iterate average,
    the random streams, and the training samples and updates seen (over
    every call that trained these parameters).
    """

    def __init__(self, layout, params, optimizer, average, rngs, t, n_updates):
        self.layout = layout
        self.params = params
        self.grads = np.zeros_like(params)
        self.optimizer = optimizer
        self.average = average
        self.rngs = rngs
        self.t = t
        self.n_updates = n_updates

    @property
    def solution(self):
        """The parameters to predict with: the average when averaging."""
        if self.average is None:
            return self.params
        return self.average.solution(self.params)

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

    def to_dict(self, copy=False):
        """The state as plain scalars, arrays and dicts (what pickles and skops keep).

        Without ``copy`` it hands over its arrays, for a state that trains no
        more. The iterate is left out when it equals the solution the
        estimator stores anyway, and so is the average, which is the solution.
        """
        averaging = self.average is not None and self.average.n_averaged
        average = self.average
        return {
            "iterate": (
                (self.params.copy() if copy else self.params) if averaging else None
            ),
            "optimizer": self.optimizer.state_dict(copy=copy),
            "average": (
                None
                if average is None
                else {**average.state_dict(copy=False), "average": None}
            ),
            "rngs": {name: rng.bit_generator.state for name, rng in self.rngs.items()},
            "t": self.t,
            "n_updates": self.n_updates,
        }


@dataclass
class TrainResult:
    """What one call produced: the solution, the state to continue from, the history."""

    solution: np.ndarray
    state: dict
    history: History


class Trainer:
    """Trains one model on arrays, as configured.

    Parameters
    ----------
    config : TrainerConfig
    model : SoftmaxModel or OneHiddenLayerModel
    listeners : sequence of objects, default=()
        Told about epochs: ``on_epoch_begin(info)``, ``on_epoch_end(info) ->
        bool`` (True asks to stop at the end of this epoch) and
        ``on_train_end(history)``. ``info`` is an :class:`EpochInfo`; a
        listener that calls its ``keep_as_best()`` chooses the weights
        training ends with.
    """

    def __init__(self, config, model, listeners=()):
        self.config = config
        self.model = model
        self.listeners = list(listeners)
        if config.verbose:
            self.listeners.append(VerboseReport())

    def train(self, data, n_classes, seed, validation=None, start=None):
        """Train on ``data``; return a :class:`TrainResult`.

        Parameters
        ----------
        data : TrainingData
            Encoded labels, weights as the estimator prepared them.
        n_classes : int
        seed : int
            Seeds the random streams of a new state and the validation split.
        validation : TrainingData or None
            A validation set given by the user.
        start : Start or None
            None for a fresh model; otherwise where to continue from.
        """
        start = start or Start()
        rngs = _spawn_streams(seed)
        if not start.incremental:
            # partial_fit keeps its weights as given: they scale its step.
            data.sample_weight = scaled_weights(data.sample_weight)
        data, validation = self._split(data, validation, start, rngs["split"])
        data.sample_weight = training_weights(
            data.sample_weight, data.X.dtype, normalize=not start.incremental
        )
        if validation is not None:
            validation.sample_weight = scaled_weights(validation.sample_weight)
        state = self._initial_state(data, n_classes, start, rngs)
        run = _Run(self, state, data, validation, start)
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            run.fit_loop()
        return TrainResult(state.solution, state.to_dict(), run.history)

    # ------------------------------------------------------------------
    def _split(self, data, validation, start, split_rng):
        """Return ``(training, validation)``; validation None when not monitored."""
        config = self.config
        if config.dropout > 0 or (
            config.early_stopping and validation is None and not start.incremental
        ):
            data.groups = duplicate_groups(data.X, data.y)
        if validation is not None or not config.early_stopping or start.incremental:
            return data, validation
        is_validation = stratified_group_split(
            data.groups,
            data.y,
            data.sample_weight,
            config.validation_fraction,
            split_rng,
        )
        if not is_validation.any():
            raise ValueError(
                "early_stopping=True needs a validation set, but with "
                f"{data.n_samples} samples none could be held out (each class needs "
                "at least two distinct samples). Give more data, pass X_val and "
                "y_val, or set early_stopping=False."
            )
        held_out = data.subset(is_validation)
        held_out.groups = None
        return data.subset(~is_validation), held_out

    def _initial_state(self, data, n_classes, start, rngs):
        model, config = self.model, self.config
        layout = ParameterLayout(*model.layer_shapes(data.X.shape[1], n_classes))
        dtype = data.X.dtype
        if start.params is None:
            params = np.empty(layout.n_params, dtype=dtype)
            model.initialize(*layout.views(params), rngs["init"])
        else:
            params = start.params.astype(dtype, copy=True)
        # The batch size asked for, not the one the data allows: the step
        # must not depend on how many samples there are (a weight of k must
        # train as k repetitions do).
        nominal_batch = 200 if config.batch_size == "auto" else config.batch_size
        learning_rate_init = self._learning_rate_init(data, dtype, nominal_batch)
        _check_representable(config.optimizer, dtype)
        optimizer = make_optimizer(
            config.optimizer, layout.n_params, dtype, learning_rate_init
        )
        average = None
        if config.average is not False and config.average is not None:
            # True averages from the start; an int, after that many samples.
            start_after = 0 if config.average is True else int(config.average)
            average = IterateAverage(params, start_after)
        resumed = start.state
        if resumed is not None:
            optimizer.load_state_dict(resumed["optimizer"])
            if average is not None and resumed["average"] is not None:
                average.load_state_dict(resumed["average"], solution=start.solution)
            rngs = {name: _generator(state) for name, state in resumed["rngs"].items()}
        return TrainingState(
            layout, params, optimizer, average, rngs, start.t, start.n_updates
        )

    def _learning_rate_init(self, data, dtype, batch_size):
        settings = self.config.optimizer
        if settings.learning_rate_init != "auto":
            return float(settings.learning_rate_init)
        squared_norm = mean_squared_norm(data.X, data.sample_weight)
        step = self.model.auto_learning_rate(settings.solver, squared_norm, batch_size)
        if not step >= np.finfo(dtype).tiny:
            raise ValueError(
                f'learning_rate_init="auto" gives a step of {step:g} for features '
                f"whose mean squared norm is {squared_norm:g}: too small for "
                f"{np.dtype(dtype).name}. Scale the features (e.g. with "
                "StandardScaler) or give learning_rate_init a number."
            )
        return step


@dataclass
class Start:
    """Where a call starts from.

    ``params`` (flat) to continue from, or None for fresh weights;
    ``solution``, the fitted weights (the average, when averaging); ``state``
    (a :meth:`TrainingState.to_dict`) to resume the optimizer, the average and
    the random streams as well (``partial_fit``); ``t`` samples and
    ``n_updates`` updates seen before;
    ``loss_curve`` of earlier calls, continued; ``incremental`` for one pass of
    ``partial_fit`` (no split, no stopping rule).
    """

    params: Optional[np.ndarray] = None
    solution: Optional[np.ndarray] = None
    state: Optional[dict] = None
    t: int = 0
    n_updates: int = 0
    loss_curve: list = field(default_factory=list)
    incremental: bool = False


@dataclass
class EpochInfo:
    """What listeners learn at the start and at the end of an epoch.

    ``state()`` returns what a later ``partial_fit`` would continue from (a
    :meth:`TrainingState.to_dict`). ``keep_as_best()`` snapshots the current
    parameters with their optimizer state: when training ends, for whatever
    reason, the last snapshot so kept is restored, in place of the stopping
    rule's own best.
    """

    epoch: int
    history: History
    solution: Callable  # () -> the current flat parameters to predict with
    layout: ParameterLayout
    state: Callable  # () -> the state to continue from, as plain copies
    keep_as_best: Callable  # () -> None


class _Run:
    """One call's passes over the data, with what the epochs share."""

    def __init__(self, trainer, state, data, validation, start):
        config = trainer.config
        self.config = config
        self.listeners = trainer.listeners
        self.state = state
        self.data = data
        self.batch_size = _batch_size(config.batch_size, data.n_samples)
        self.step = _GradientStep(config, trainer.model, state, data, self.batch_size)
        self.history = History(loss_curve=list(start.loss_curve), t=start.t)
        self.validation = None
        if validation is not None:
            evaluator = Evaluator(trainer.model, state.layout, validation, state.params)
            self.validation = _ValidationRecord(evaluator, self.history, config.monitor)
        self.stops_on_validation = (
            config.early_stopping and not start.incremental and validation is not None
        )
        self.rule = _stopping_rule(
            config,
            incremental=start.incremental,
            on_validation=self.stops_on_validation,
            n_batches=-(-data.n_samples // self.batch_size),
        )
        self.evaluate_training = None
        if state.average is not None and not self.stops_on_validation:
            # With averaging, the running batch loss describes the raw
            # iterates, not the solution: when that loss decides when to
            # stop, score the average itself once an epoch instead.
            self.evaluate_training = Evaluator(
                trainer.model, state.layout, data, state.params
            )
        self.incremental = start.incremental
        self.n_epochs = 1 if start.incremental else config.max_iter
        self.n_batches = 0
        self.best = None
        self.kept_by_listener = None

    # ------------------------------------------------------------------
    def fit_loop(self):
        try:
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
        self._restore_best()
        for listener in self.listeners:
            listener.on_train_end(self.history)

    def _reached_max_iter(self):
        if self.incremental:
            self.history.stop_reason = "one pass of partial_fit"
            return
        self.history.stop_reason = (
            f"maximum iterations ({self.config.max_iter}) reached"
        )
        self.history.reached_max_iter = True

    def _run_epoch(self):
        """Train one epoch; return True when training should stop."""
        self.epoch = self.history.n_iter + 1
        for listener in self.listeners:
            listener.on_epoch_begin(self._epoch_info(self.epoch))
        loss_sum = weight_sum = 0.0
        stop = False
        for rows, last in self._batches():
            batch_loss, batch_weight = self.step(rows)
            loss_sum += batch_loss
            weight_sum += batch_weight
            self.n_batches += 1
            if not last and self.rule.is_due(self.n_batches, end_of_epoch=False):
                stop = self._check()
                if stop:
                    break
        self._end_epoch(loss_sum / weight_sum)
        if not stop and self.rule.is_due(self.n_batches, end_of_epoch=True):
            stop = self._check()
        return self._ask_listeners() or stop

    def _batches(self):
        """Yield the rows of each minibatch of an epoch, and whether it is the last."""
        n_samples, size = self.data.n_samples, self.batch_size
        order = None
        if self.config.shuffle:
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
        scored = state.params
        data_loss = trained_loss
        if self.evaluate_training is not None:
            scored = state.solution
            data_loss, _ = self.evaluate_training(scored)
        penalized = scored[: state.layout.n_weights]
        history.loss_curve.append(
            data_loss + 0.5 * self.config.alpha * float(penalized @ penalized)
        )
        if self.validation is not None and not self.stops_on_validation:
            self.validation.score(state.solution)

    def _diverged(self, loss):
        lr = self.state.optimizer.learning_rate_init
        raise ValueError(
            f"Training diverged in epoch {self.history.n_iter}: the mean training "
            f"loss (without the penalty) became {loss:g}. learning_rate_init={lr:g} "
            f"is too large for this data; try a smaller one (e.g. {lr / 10:g}) and "
            "make sure the features are scaled (for pixels 0..255, divide by 255). "
            "The estimator was left as it was."
        )

    def _check(self):
        """The one place that decides whether training stops; True to stop."""
        if self.stops_on_validation:
            value = self.validation.score(self.state.solution)
        else:
            value = self.history.loss
        if self.rule.update(value, self.n_batches) and self.stops_on_validation:
            self.best = (self.state.snapshot(), self.epoch, self.validation.latest())
        if not self.rule.should_stop(self.n_batches):
            return False
        if self.state.optimizer.reduce_on_plateau() and self.rule.postpone():
            return False
        self.history.stop_reason = self.rule.reason
        return True

    def _ask_listeners(self):
        """Tell the listeners about the epoch; True if one asked to stop."""
        if not self.listeners:
            return False
        info = self._epoch_info(self.history.n_iter)
        stop = False
        for listener in self.listeners:
            stop = bool(listener.on_epoch_end(info)) or stop
        if stop and not self.history.stop_reason:
            self.history.stop_reason = "a callback asked to stop"
        return stop

    def _epoch_info(self, epoch):
        state = self.state
        return EpochInfo(
            epoch,
            self.history,
            lambda: state.solution,
            state.layout,
            lambda: state.to_dict(copy=True),
            self._keep_as_best,
        )

    def _keep_as_best(self):
        self.kept_by_listener = (self.state.snapshot(), self.history.n_iter, None)

    def _restore_best(self):
        # A listener's choice was asked for explicitly: it wins over the rule's.
        best = self.kept_by_listener or self.best
        if best is None:
            return
        snapshot, epoch, scores = best
        self.state.restore(snapshot)
        self.history.restored_epoch = epoch
        self.history.restored_scores = scores


class _GradientStep:
    """One gradient step on a minibatch: augment, forward, back, update.

    Holds what every step of a call reuses: the model's workspace, views of
    the flat parameter and gradient vectors (updated in place, so the views
    hold all call) and the dropout noise. ``divergence_limit`` is fixed by the
    first batch's loss.
    """

    def __init__(self, config, model, state, data, batch_size):
        self.config = config
        self.model = model
        self.state = state
        self.data = data
        self.param_views = state.layout.views(state.params)
        self.grad_views = state.layout.views(state.grads)
        self.workspace = model.allocate_workspace(
            batch_size,
            self.param_views[0],
            state.params.dtype,
            training=True,
            dropout=config.dropout > 0,
        )
        self.noise = None
        if config.dropout > 0:
            self.noise = DropoutNoise(
                state.rngs["noise"], data.groups, 1 - config.dropout
            )
        self.divergence_limit = None

    def __call__(self, rows):
        """Train on ``rows``; return the batch's summed loss and weight."""
        state, data = self.state, self.data
        y = data.y[rows]
        weight = None if data.sample_weight is None else data.sample_weight[rows]
        X = data.X[rows]
        if self.config.augment is not None:
            X = _augmented(self.config.augment, X, state.rngs["augment"])
        noise = None if self.noise is None else self.noise.for_batch(rows)
        loss = data_loss_gradient(
            self.model,
            self.param_views,
            self.grad_views,
            X,
            y,
            weight,
            self.workspace,
            noise,
        )
        state.optimizer.step(
            state.params,
            state.grads,
            self.config.alpha,
            state.layout.n_weights,
            state.n_updates,
        )
        n_rows = y.shape[0]
        state.t += n_rows
        state.n_updates += 1
        if state.average is not None:
            state.average.update(state.params, n_rows)
        batch_weight = float(n_rows if weight is None else weight.sum(dtype=np.float64))
        if self.divergence_limit is None:
            self.divergence_limit = divergence_limit(
                loss / batch_weight, state.layout.n_classes
            )
        return loss, batch_weight


class _ValidationRecord:
    """Scores solutions on the validation set and records them in the history."""

    def __init__(self, evaluate, history, monitor):
        self.evaluate = evaluate
        self.history = history
        self.monitor = monitor
        history.validation_scores = []
        history.validation_loss_curve = []

    def score(self, solution):
        """Score and record ``solution``; return the monitored value (lower: better)."""
        loss, accuracy = self.evaluate(solution)
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


def _stopping_rule(config, *, incremental, on_validation, n_batches):
    """The rule that decides when this call stops (one interface for all)."""
    if incremental:
        return NeverStop()
    quantity = f"validation {config.monitor}" if on_validation else "training loss"
    if on_validation and config.patience is not None:
        frequency = config.validation_frequency or max(
            1, min(n_batches, config.patience // 2)
        )
        return PatienceRule(
            config.patience,
            config.patience_increase,
            config.improvement_threshold,
            frequency,
            quantity,
        )
    return NoImprovementRule(
        config.tol, config.n_iter_no_change, config.n_iter_no_change_strict, quantity
    )


class VerboseReport:
    """Prints each epoch's loss and, at the end, why training stopped."""

    def on_epoch_begin(self, info):
        pass

    def on_epoch_end(self, info):
        history = info.history
        message = f"Iteration {info.epoch}, loss = {history.loss:.8f}"
        if history.validation_scores:
            message += f", validation score = {history.validation_scores[-1]:.6f}"
        print(message, file=sys.stdout, flush=True)
        return False

    def on_train_end(self, history):
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


def _augmented(augment, X, rng):
    """``augment`` applied to a copy of the batch ``X``, checked."""
    out = augment(np.array(X), rng)
    if getattr(out, "shape", None) != X.shape or getattr(out, "dtype", None) != X.dtype:
        raise ValueError(
            f"augment must return an array of the batch's shape {X.shape} and dtype "
            f"{X.dtype}; {augment!r} returned "
            f"{getattr(out, 'shape', type(out).__name__)} "
            f"{getattr(out, 'dtype', '')}."
        )
    return out


def _check_representable(settings, dtype):
    """Refuse an Adam epsilon that rounds to zero in the data's dtype (0/0 steps)."""
    if settings.solver == "adam" and not np.dtype(dtype).type(settings.epsilon) > 0:
        raise ValueError(
            f"epsilon={settings.epsilon:g} rounds to 0 in {np.dtype(dtype).name}, "
            "which makes Adam divide 0 by 0; use epsilon >= "
            f"{np.finfo(dtype).tiny:g} or train on float64 data."
        )


def _batch_size(batch_size, n_samples):
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training "
            "samples; using batches of all of them.",
            UserWarning,
        )
    return min(batch_size, n_samples)


def _spawn_streams(seed):
    children = np.random.SeedSequence(seed).spawn(len(RANDOM_STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(RANDOM_STREAMS, children)}


def _generator(bit_generator_state):
    rng = np.random.default_rng()
    rng.bit_generator.state = bit_generator_state
    return rng

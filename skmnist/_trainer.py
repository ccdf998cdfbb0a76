"""The trainer: everything that happens inside one ``fit`` or ``partial_fit`` call.

The estimators validate and encode the data, then make one call,
``Trainer(config, model, listeners).train(data, classes, ...)``. The trainer
owns the weights' scaling, the validation split, initialisation, the
optimizer, the epochs and minibatches and the divergence check; what watches
the epochs (stopping rules, validation scores, verbose output, callbacks) is
a listener (:mod:`skmnist._events`). It works on a model object and arrays
and never sees the estimator: what it needs comes in a :class:`TrainerConfig`,
what it produced goes back in a :class:`TrainResult` (a
:class:`~skmnist._fitted.FittedNetwork`, the
:class:`~skmnist._fitted.Continuation` and the history).

The loop reads as its steps: ``train`` -> ``_Run.fit_loop`` ->
``_Run._run_epoch`` -> :class:`~skmnist._step.GradientStep`.
"""

import dataclasses
from typing import Any, Optional

import numpy as np

from ._data import WeightScaling, scaled_for_scoring
from ._early_stopping import HeldOutScores, stopping_rule
from ._evaluation import Evaluator, mean_squared_norm
from ._events import ScheduledStep, VerboseReport
from ._fitted import Continuation, FittedNetwork
from ._optimizers import IterateAverage, make_optimizer
from ._run import ContinuationTerms, History, TrainingState, _Run
from ._settings import OptimizerSettings, TrainingSettings
from ._validation_split import duplicate_groups, stratified_group_split

#: The independent random streams of a fit, spawned from one seed.
RANDOM_STREAMS = ("init", "split", "shuffle", "noise", "augment")


@dataclasses.dataclass(frozen=True)
class TrainerConfig:
    """Everything the trainer needs to know, as plain values.

    ``n_iter_no_change_strict`` selects MLPClassifier's count (stop after
    *more than* ``n_iter_no_change`` epochs without progress) over
    SGDClassifier's (after that many).
    """

    optimizer: OptimizerSettings
    training: TrainingSettings
    n_iter_no_change_strict: bool = True


@dataclasses.dataclass(frozen=True)
class Start:
    """Where a call starts from: a trained network and its continuation.

    ``resume`` continues everything (``partial_fit``: the optimizer, the
    average, the random streams); otherwise only the weights, the counters
    and the loss curve go on, with a fresh optimizer (a warm start).
    """

    network: FittedNetwork
    continuation: Continuation
    resume: bool


@dataclasses.dataclass
class TrainResult:
    """What one call produced.

    ``failure`` is the :class:`~skmnist._events.ListenerError` that ended
    training early, if any: the network is still the model trained so far.
    """

    network: FittedNetwork
    continuation: Continuation
    history: History
    failure: Optional[Any] = None


class Trainer:
    """Trains one model on arrays, as configured.

    Parameters
    ----------
    config : TrainerConfig
    model : SoftmaxModel or OneHiddenLayerModel
    listeners : sequence of Listener, default=()
        Told about the fit's events after the trainer's own (validation
        scores, the stopping rule); see :mod:`skmnist._events`.
    """

    def __init__(self, config, model, listeners=()):
        self.config = config
        self.model = model
        self.listeners = list(listeners)

    def train(
        self, data, classes, seed, validation=None, start=None, incremental=False
    ):
        """Train on ``data``; return a :class:`TrainResult`.

        Parameters
        ----------
        data : TrainingData
            Encoded labels and float64 weights as the estimator prepared them.
        classes : ndarray of shape (n_classes,)
        seed : int
            Seeds the random streams of a new state and the validation split.
        validation : TrainingData or None
            A validation set given by the user.
        start : Start or None
            None for a new model; otherwise where to continue from.
        incremental : bool
            One pass of ``partial_fit``: no split, no stopping rule.
        """
        rngs = _spawn_streams(seed)
        scaling = _weight_scaling(start)
        if not incremental or scaling.exponent is not None:
            data.sample_weight = scaling.exact(data.sample_weight)
        data, validation = self._split(data, validation, incremental, rngs["split"])
        if not incremental:
            scaling.fit_to(data.sample_weight)
        data.sample_weight = scaling.apply(data.sample_weight, data.X.dtype)
        if validation is not None:
            validation.sample_weight = scaled_for_scoring(validation.sample_weight)
        state = self._initial_state(data, classes.size, start, rngs)
        terms = ContinuationTerms(
            scaling.as_tuple(), data.class_weights, self.config.optimizer
        )
        run = _Run(
            self.config.training, self.model, state, data, start, incremental, terms
        )
        run.listeners = self._listeners(run, data, validation, incremental)
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            run.fit_loop()
        network = FittedNetwork(self.model, data.X.shape[1], classes, state.solution)
        return TrainResult(
            network, run.continuation(copy=False), run.history, run.failure
        )

    # ------------------------------------------------------------------
    def _listeners(self, run, data, validation, incremental):
        """The trainer's own listeners first, then the caller's, then verbose."""
        settings = self.config.training
        own = []
        watched = settings.early_stopping and not incremental and validation is not None
        scores = None
        if validation is not None:
            evaluate = Evaluator(
                self.model, run.state.layout, validation, run.state.params
            )
            scores = HeldOutScores(evaluate, settings.monitor, watched)
            own.append(scores)
        if not incremental:
            own.append(
                stopping_rule(
                    settings,
                    self.config.n_iter_no_change_strict,
                    n_batches=-(-data.n_samples // run.batch_size),
                    validation=scores if watched else None,
                )
            )
        schedule = self.config.optimizer.learning_rate
        if not isinstance(schedule, str):
            step = run.state.optimizer.learning_rate_init
            own.insert(0, ScheduledStep(schedule, step))
        verbose = [VerboseReport()] if settings.verbose else []
        return own + self.listeners + verbose

    def _split(self, data, validation, incremental, split_rng):
        """Return ``(training, validation)``; validation None when not monitored."""
        settings = self.config.training
        if settings.dropout > 0 or (
            settings.early_stopping and validation is None and not incremental
        ):
            data.groups = duplicate_groups(data.X, data.y)
        if validation is not None or not settings.early_stopping or incremental:
            return data, validation
        is_validation = stratified_group_split(
            data.groups,
            data.y,
            data.sample_weight,
            settings.validation_fraction,
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
        model, settings = self.model, self.config.optimizer
        dtype = data.X.dtype
        layout_shapes = model.layer_shapes(data.X.shape[1], n_classes)
        state = TrainingState.empty(layout_shapes, dtype, rngs)
        if start is None:
            model.initialize(*state.layout.views(state.params), rngs["init"])
        else:
            resumed = start.continuation
            source = (
                resumed.params(start.network)
                if start.resume
                else start.network.solution
            )
            np.copyto(state.params, source, casting="unsafe")
            state.t, state.n_updates = resumed.t, resumed.n_updates
        # The batch size asked for, not the one the data allows: the step
        # must not depend on how many samples there are (a weight of k must
        # train as k repetitions do).
        batch_size = self.config.training.batch_size
        nominal_batch = 200 if batch_size == "auto" else batch_size
        learning_rate_init = self._learning_rate_init(data, dtype, nominal_batch, start)
        _check_representable(settings, dtype)
        state.optimizer = make_optimizer(
            settings, state.layout.n_params, dtype, learning_rate_init
        )
        if settings.average is not False and settings.average is not None:
            # True averages from the start; an int, after that many samples.
            start_after = 0 if settings.average is True else int(settings.average)
            state.average = IterateAverage(state.params, start_after)
        if start is not None and start.resume:
            state.resume(start.continuation, start.network.solution)
        return state

    def _learning_rate_init(self, data, dtype, batch_size, start):
        settings = self.config.optimizer
        if settings.learning_rate_init != "auto":
            return float(settings.learning_rate_init)
        resumed = None
        if start is not None and start.resume:
            # A resumed optimizer keeps the step its first call derived: no
            # pass over this call's data, and neither a chunk of another
            # scale nor a changed batch_size changes it.
            resumed = start.continuation.optimizer.get("learning_rate_init")
        if resumed is not None:
            step, source = resumed, "the first partial_fit call's data"
        else:
            squared_norm = mean_squared_norm(data.X, data.sample_weight)
            step = self.model.auto_learning_rate(
                settings.solver, squared_norm, batch_size
            )
            source = f"features whose mean squared norm is {squared_norm:g}"
        if not step >= np.finfo(dtype).tiny:
            raise ValueError(
                f'learning_rate_init="auto" gives a step of {step:g} for {source}: '
                f"too small for {np.dtype(dtype).name}. Scale the features (e.g. "
                "with StandardScaler) or give learning_rate_init a number."
            )
        return step


def _weight_scaling(start):
    """A resumed fit's weight scaling, or a new one to derive from the data."""
    if start is not None and start.resume:
        return WeightScaling.from_tuple(start.continuation.weight_scaling)
    return WeightScaling()


def _check_representable(settings, dtype):
    """Refuse an Adam epsilon that rounds to zero in the data's dtype (0/0 steps)."""
    if settings.solver == "adam" and not np.dtype(dtype).type(settings.epsilon) > 0:
        raise ValueError(
            f"epsilon={settings.epsilon:g} rounds to 0 in {np.dtype(dtype).name}, "
            "which makes Adam divide 0 by 0; use epsilon >= "
            f"{np.finfo(dtype).tiny:g} or train on float64 data."
        )


def _spawn_streams(seed):
    children = np.random.SeedSequence(seed).spawn(len(RANDOM_STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(RANDOM_STREAMS, children)}

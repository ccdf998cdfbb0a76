"""Learning-rate schedules defined per epoch, for ``learning_rate=``.

Pass a schedule as the estimators' ``learning_rate`` instead of a string:
each epoch trains at ``learning_rate_init * schedule.factor(epoch)``, where
``epoch`` counts from 0 over every call that trained the model, so a warm
start or a ``partial_fit`` resuming a checkpoint continues the schedule where
the fit left it. Schedules follow scikit-learn's conventions (their
parameters are constructor arguments, ``clone`` copies them, a grid search
reaches them as ``clf__learning_rate__gamma``), and a fit records the step of
each epoch in ``learning_rate_curve_`` (printed with ``verbose``).

Examples
--------
>>> from skmnist.schedules import CosineSchedule, StepSchedule
>>> step = StepSchedule(milestones=[2, 4], gamma=0.1)
>>> [round(step.factor(epoch), 6) for epoch in range(6)]
[1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
>>> cosine = CosineSchedule(n_epochs=5, warmup_epochs=1)
>>> [round(cosine.factor(epoch), 3) for epoch in range(6)]
[0.5, 1.0, 0.854, 0.5, 0.146, 0.0]
"""

import math
from collections.abc import Iterable
from numbers import Integral, Real

from sklearn.base import BaseEstimator

from ._settings import same_value

__all__ = ["CosineSchedule", "Schedule", "StepSchedule"]


class Schedule(BaseEstimator):
    """Base class: a factor of ``learning_rate_init`` for each epoch."""

    def factor(self, epoch):
        """The step of epoch ``epoch`` (from 0) as a fraction of the initial."""
        raise NotImplementedError

    def check(self):
        """Raise a ValueError naming a parameter out of its range, or a
        TypeError naming one of the wrong type."""

    def __eq__(self, other):
        # Two schedules with the same parameters are the same schedule (a
        # partial_fit compares the one it continues with the current one).
        return type(self) is type(other) and same_value(
            self.get_params(), other.get_params()
        )

    def __hash__(self):
        return hash((type(self).__name__, repr(sorted(self.get_params().items()))))


class StepSchedule(Schedule):
    """Piecewise-constant steps: multiply the step by ``gamma`` at each milestone.

    Parameters
    ----------
    milestones : list of int
        Epochs (counted from 0) at which the step is multiplied by ``gamma``.
    gamma : float, default=0.1
        The factor applied at each milestone.

    Examples
    --------
    >>> from skmnist import TwoLayerMLPClassifier
    >>> from skmnist.schedules import StepSchedule
    >>> clf = TwoLayerMLPClassifier(learning_rate=StepSchedule([100], gamma=0.1))
    >>> clf.get_params()["learning_rate__gamma"]
    0.1
    """

    def __init__(self, milestones=(), gamma=0.1):
        self.milestones = milestones
        self.gamma = gamma

    def check(self):
        _check_step_schedule(self.milestones, self.gamma)

    def factor(self, epoch):
        passed = sum(1 for milestone in self.milestones if epoch >= milestone)
        return float(self.gamma) ** passed


class CosineSchedule(Schedule):
    """Cosine annealing from the initial step to ``min_factor`` of it, with warm-up.

    For the first ``warmup_epochs`` epochs the step grows linearly
    (``(epoch + 1) / (warmup_epochs + 1)``); then it follows half a cosine
    down to ``min_factor`` at epoch ``n_epochs`` and stays there.

    Parameters
    ----------
    n_epochs : int
        The epoch at which the annealing ends (usually ``max_iter``).
    warmup_epochs : int, default=0
        Epochs of linear warm-up before the annealing.
    min_factor : float, default=0.0
        The final step, as a fraction of ``learning_rate_init``.

    Examples
    --------
    >>> from skmnist import TwoLayerMLPClassifier
    >>> from skmnist.schedules import CosineSchedule
    >>> cosine = CosineSchedule(n_epochs=4, warmup_epochs=1, min_factor=0.1)
    >>> [round(cosine.factor(epoch), 3) for epoch in range(5)]
    [0.5, 1.0, 0.775, 0.325, 0.1]
    >>> clf = TwoLayerMLPClassifier(max_iter=4, learning_rate=cosine)
    >>> clf.get_params()["learning_rate__n_epochs"]
    4
    """

    def __init__(self, n_epochs, warmup_epochs=0, min_factor=0.0):
        self.n_epochs = n_epochs
        self.warmup_epochs = warmup_epochs
        self.min_factor = min_factor

    def check(self):
        _check_cosine_schedule(self.n_epochs, self.warmup_epochs, self.min_factor)

    def factor(self, epoch):
        if epoch < self.warmup_epochs:
            return (epoch + 1) / (self.warmup_epochs + 1)
        span = self.n_epochs - self.warmup_epochs
        if span <= 0 or epoch >= self.n_epochs:
            return float(self.min_factor)
        progress = (epoch - self.warmup_epochs) / span
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_factor + (1.0 - self.min_factor) * cosine


def _check_step_schedule(milestones, gamma):
    # An iterator would be used up by the first epoch's factor, and a string
    # is no list of epochs.
    if (
        not isinstance(milestones, Iterable)
        or isinstance(milestones, (str, bytes))
        or iter(milestones) is milestones
    ):
        raise TypeError(
            "StepSchedule milestones must be a list of epochs, e.g. "
            f"StepSchedule([30, 60]); got {milestones!r}."
        )
    if not isinstance(gamma, Real) or not 0 < gamma <= 1:
        raise ValueError(f"StepSchedule gamma must be in (0, 1]; got {gamma!r}.")
    if any(
        not isinstance(m, Integral) or isinstance(m, bool) or m < 0 for m in milestones
    ):
        raise ValueError(
            f"StepSchedule milestones must be epochs >= 0; got {milestones!r}."
        )


def _check_cosine_schedule(n_epochs, warmup_epochs, min_factor):
    for name, value, low in (
        ("n_epochs", n_epochs, 1),
        ("warmup_epochs", warmup_epochs, 0),
    ):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
            raise ValueError(
                f"CosineSchedule {name} must be an integer >= {low}; got {value!r}."
            )
    if not isinstance(min_factor, Real) or not 0 <= min_factor <= 1:
        raise ValueError(
            f"CosineSchedule min_factor must be in [0, 1]; got {min_factor!r}."
        )

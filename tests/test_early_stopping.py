"""Tests of the stopping rules in ``skmnist._early_stopping``."""

import numpy as np
import pytest

from skmnist._early_stopping import (
    ROUNDING,
    HeldOutScores,
    NoImprovementRule,
    PatienceRule,
    TrainingLoss,
    is_better,
)
from skmnist._run import History


def _quantity(name):
    """What a rule watches, by the name its reason uses."""
    if name == "training loss":
        return TrainingLoss()
    monitor = name.removeprefix("validation ")
    quantity = HeldOutScores(evaluate=None, monitor=monitor, watched=True)
    assert quantity.name == name
    return quantity


# --------------------------------------------------------------------------
# is_better (lower is better, rounding does not count)
# --------------------------------------------------------------------------


def test_is_better_anything_finite_beats_infinity():
    assert is_better(1e300, np.inf)
    assert not is_better(np.inf, np.inf)
    assert not is_better(np.nan, np.inf)


@pytest.mark.parametrize("best", [1e-3, 0.5, 1.0, 7.0, 1e4])
def test_is_better_ignores_differences_below_the_rounding_margin(best):
    """Less than 1e-9 (relative above 1, absolute below) is a tie; more is a gain."""
    margin = ROUNDING * max(1.0, best)
    assert ROUNDING == 1e-9
    assert not is_better(best, best)
    assert not is_better(best - 0.5 * margin, best)
    assert is_better(best - 2 * margin, best)
    assert not is_better(best + 2 * margin, best)


# --------------------------------------------------------------------------
# NoImprovementRule (scikit-learn's tol / n_iter_no_change)
# --------------------------------------------------------------------------


def _no_improvement(
    tol=0.1, n_iter_no_change=3, strict=False, quantity="training loss"
):
    rule = NoImprovementRule(tol, n_iter_no_change, strict)
    return rule.watch(_quantity(quantity))


def _feed(rule, values):
    """Feed ``values`` one epoch-end check at a time, as the trainer does.

    Returns (improved, should_stop) per check.
    """
    improved, stops = [], []
    for epoch, value in enumerate(values, start=1):
        n_batches = 10 * epoch  # ten minibatches an epoch; the rule ignores it
        assert rule.is_due(n_batches, True)
        improved.append(rule.update(value, n_batches))
        stops.append(rule.should_stop(n_batches))
    return improved, stops


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("n_iter_no_change", [1, 2, 3, 5])
def test_no_improvement_stops_after_n_or_n_plus_one_bad_checks(
    strict, n_iter_no_change
):
    """SGDClassifier's count stops at the n-th bad check in a row, MLPClassifier's
    (strict) at the (n+1)-th."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=n_iter_no_change, strict=strict)
    n_bad = n_iter_no_change + 1 if strict else n_iter_no_change
    values = [1.0] + [1.0 + 0.01 * i for i in range(1, n_bad + 1)]
    improved, stops = _feed(rule, values)
    assert improved == [True] + [False] * n_bad
    assert stops == [False] * n_bad + [True]
    assert rule.n_bad_checks == n_bad
    assert rule.best == 1.0


@pytest.mark.parametrize("strict", [False, True])
def test_no_improvement_infinite_patience_never_stops(strict):
    """n_iter_no_change=np.inf counts bad checks but never asks to stop."""
    rule = _no_improvement(n_iter_no_change=np.inf, strict=strict)
    improved, stops = _feed(rule, [1.0] + [2.0] * 500)
    assert improved == [True] + [False] * 500
    assert not any(stops)
    assert rule.n_bad_checks == 500


def test_no_improvement_is_due_at_the_end_of_each_epoch_only():
    rule = _no_improvement()
    assert [rule.is_due(n, False) for n in range(1, 30)] == [False] * 29
    assert all(rule.is_due(n, True) for n in range(1, 30))


def test_no_improvement_first_value_is_an_improvement():
    """The first value always counts as the best and starts no bad count."""
    rule = _no_improvement(tol=1e-4, n_iter_no_change=0, strict=True)
    assert rule.update(123.0, 5) is True
    assert rule.best == 123.0
    assert rule.n_bad_checks == 0
    assert not rule.should_stop(5)  # strict: stops only at more than 0 bad checks


def test_no_improvement_resets_on_improvement_larger_than_tol():
    """An improvement by more than tol resets the count of bad checks."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=3)
    improved, stops = _feed(rule, [1.0, 1.2, 1.1])  # two bad checks
    assert rule.n_bad_checks == 2 and stops == [False, False, False]
    assert rule.update(0.85, 40) is True  # 0.15 better than 1.0: resets
    assert rule.n_bad_checks == 0
    assert rule.best == 0.85
    improved, stops = _feed(rule, [0.9, 0.85, 2.0])  # three bad checks again
    assert improved == [False, False, False]
    assert stops == [False, False, True]


def test_no_improvement_small_improvement_is_reported_but_counts_as_bad():
    """Beating best by less than tol updates best, returns True, yet counts as bad."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=3)
    improved, stops = _feed(rule, [1.0, 0.95, 0.9, 0.86])
    # every value is strictly better than the previous best, never by 0.1 or more
    assert improved == [True, True, True, True]
    assert stops == [False, False, False, True]
    assert rule.best == 0.86
    assert rule.n_bad_checks == 3


def test_no_improvement_tol_is_measured_from_the_current_best():
    """Sub-tol gains move best, so the next reset needs tol below the new best."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=10)
    _feed(rule, [1.0, 0.95])  # best 0.95 after a sub-tol gain
    assert rule.n_bad_checks == 1
    rule.update(0.88, 30)  # 0.12 below 1.0 but only 0.07 below 0.95: still bad
    assert rule.n_bad_checks == 2
    rule.update(0.7, 40)  # 0.18 below 0.88: good
    assert rule.n_bad_checks == 0


def test_no_improvement_equal_or_worse_value_is_not_improved():
    """Equal and worse values are no improvement and leave best untouched."""
    rule = _no_improvement(tol=0.0, n_iter_no_change=5)
    rule.update(0.5, 1)
    assert rule.update(0.5, 2) is False
    assert rule.update(0.7, 3) is False
    assert rule.best == 0.5
    assert rule.n_bad_checks == 2


def test_no_improvement_with_zero_tol_any_real_gain_resets():
    """With tol=0 any decrease beyond rounding resets the count; rounding does not."""
    rule = _no_improvement(tol=0.0, n_iter_no_change=2)
    tie = 0.9 * (1 - 1e-12)  # the same accuracy summed in another order
    improved, stops = _feed(rule, [0.9, 0.9, 0.899999, tie, 0.899999 * (1 - 1e-12)])
    assert improved == [True, False, True, False, False]
    assert stops == [False, False, False, False, True]
    assert rule.best == 0.899999


def test_no_improvement_postpone_resets_the_count_and_keeps_the_best():
    """postpone (the adaptive schedule's second chance) clears the bad checks,
    agrees to go on, and keeps the best value."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=2, strict=True)
    _feed(rule, [1.0, 1.0, 1.0, 1.0])
    assert rule.should_stop(40)
    assert rule.postpone() is None  # it can go on: it defines postpone
    assert rule.n_bad_checks == 0
    assert not rule.should_stop(40)
    assert rule.best == 1.0
    improved, stops = _feed(rule, [0.95, 0.99, 1.5])
    assert improved == [True, False, False]
    assert stops == [False, False, True]


@pytest.mark.parametrize("strict", [False, True])
def test_no_improvement_reason_names_quantity_tol_and_count(strict):
    rule = _no_improvement(
        tol=0.003, n_iter_no_change=2, strict=strict, quantity="validation loss"
    )
    _feed(rule, [1.0, 1.0, 1.0, 1.0][: 4 if strict else 3])
    assert rule.should_stop(0)
    reason = rule.reason
    assert "validation loss" in reason
    assert "tol=0.003" in reason
    assert f"{3 if strict else 2} consecutive epochs" in reason


# --------------------------------------------------------------------------
# PatienceRule (the Theano tutorial's patience)
# --------------------------------------------------------------------------

PATIENCE = dict(patience=20, patience_increase=2, improvement_threshold=0.995)


def _patience(validation_frequency=5, quantity="validation loss", **settings):
    settings = {**PATIENCE, **settings}
    rule = PatienceRule(
        settings["patience"],
        settings["patience_increase"],
        settings["improvement_threshold"],
        validation_frequency,
    )
    return rule.watch(_quantity(quantity))


def _tutorial_loop(
    loss_at,
    n_train_batches,
    n_epochs,
    patience,
    patience_increase,
    improvement_threshold,
    validation_frequency,
):
    """The deeplearning.net MLP/logistic-SGD early-stopping loop, verbatim in spirit.

    ``loss_at(it)`` is the validation loss of the model after the 0-based
    minibatch ``it``. Returns the iteration at which the loop stopped (None
    if it ran out of epochs), the best validation loss, the final patience and
    the iterations validated.
    """
    best_validation_loss = np.inf
    validated = []
    epoch = 0
    while epoch < n_epochs:
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            it = (epoch - 1) * n_train_batches + minibatch_index
            if (it + 1) % validation_frequency == 0:
                this_validation_loss = loss_at(it)
                validated.append(it)
                if this_validation_loss < best_validation_loss:
                    threshold = best_validation_loss * improvement_threshold
                    if this_validation_loss < threshold:
                        patience = max(patience, it * patience_increase)
                    best_validation_loss = this_validation_loss
            if patience <= it:
                return it, best_validation_loss, patience, validated
    return None, best_validation_loss, patience, validated


def _rule_loop(rule, loss_at, n_train_batches, n_epochs):
    """The same loop driven by the rule's interface, as the trainer drives it:
    check only when a check is due, stop only when the rule says so after one.

    Returns the same as ``_tutorial_loop``, iterations 0-based.
    """
    validated = []
    n_batches = 0
    for _ in range(n_epochs):
        for minibatch_index in range(n_train_batches):
            n_batches += 1
            end_of_epoch = minibatch_index == n_train_batches - 1
            if not rule.is_due(n_batches, end_of_epoch):
                continue
            iteration = n_batches - 1
            validated.append(iteration)
            rule.update(loss_at(iteration), n_batches)
            if rule.should_stop(n_batches):
                return iteration, rule.best, rule.patience, validated
    return None, rule.best, rule.patience, validated


def test_patience_tiny_improvement_does_not_extend_patience():
    """A < 0.5% gain updates best but not patience; both loops stop at iteration 28,
    the rule's after validating once more there."""
    # 5 minibatches an epoch, validation every 5 minibatches, i.e. after
    # iterations 4, 9, 14, ...
    curve = {4: 1.0, 9: 0.9, 14: 0.8, 19: 0.7995, 24: 0.7994}

    def loss_at(it):
        return curve.get(it, 0.9)

    # iter 4: 1.0   -> patience max(20, 8)  = 20
    # iter 9: 0.9   -> patience max(20, 18) = 20
    # iter 14: 0.8  -> patience max(20, 28) = 28
    # iter 19: 0.7995 and iter 24: 0.7994 are < 0.5% better: best moves, patience stays
    # iter 28: patience <= iter -> stop (between validations)
    expected = _tutorial_loop(loss_at, 5, 100, validation_frequency=5, **PATIENCE)
    assert expected == (28, 0.7994, 28, [4, 9, 14, 19, 24])
    actual = _rule_loop(_patience(validation_frequency=5), loss_at, 5, 100)
    assert actual == (28, 0.7994, 28, [4, 9, 14, 19, 24, 28])


def test_patience_running_out_at_a_validation_adds_no_validation():
    """Patience 19 runs out at iteration 19, a validation iteration: both loops
    validate there once and stop."""

    def loss_at(it):
        return 1.0

    settings = {**PATIENCE, "patience": 19}
    expected = _tutorial_loop(loss_at, 5, 100, validation_frequency=5, **settings)
    assert expected == (19, 1.0, 19, [4, 9, 14, 19])
    rule = _patience(validation_frequency=5, patience=19)
    assert _rule_loop(rule, loss_at, 5, 100) == expected


def test_patience_run_out_check_keeps_a_gain_but_stops_where_the_tutorial_does():
    """The check made when patience runs out between validations may find the
    best weights, but must not extend the patience: the tutorial makes no such
    check and stops there (a full-MNIST run went on for 480 epochs, not 60)."""
    curve = {4: 1.0, 9: 0.9, 14: 0.8, 28: 0.5}  # 0.5 only at the run-out check

    def loss_at(it):
        return curve.get(it, 0.9)

    expected = _tutorial_loop(loss_at, 5, 100, validation_frequency=5, **PATIENCE)
    assert expected == (28, 0.8, 28, [4, 9, 14, 19, 24])
    rule = _patience(validation_frequency=5)
    assert _rule_loop(rule, loss_at, 5, 100) == (28, 0.5, 28, [4, 9, 14, 19, 24, 28])


def test_patience_marked_improvement_extends_from_zero_based_iteration():
    """A marked gain sets patience to iteration * increase, iteration n_batches - 1."""
    rule = _patience()
    assert rule.update(1.0, 5) is True
    assert rule.patience == 20
    assert rule.update(0.5, 15) is True
    assert rule.patience == 28
    assert not rule.should_stop(28)  # iteration 27
    assert rule.should_stop(29)  # iteration 28


def test_patience_never_decreases():
    """A marked gain early on cannot lower patience below its current value."""
    rule = _patience(patience=100)
    rule.update(1.0, 10)
    rule.update(0.5, 20)
    assert rule.patience == 100


def test_patience_improved_flag():
    """update() is True for any lower value beyond rounding (tiny or marked)."""
    rule = _patience()
    assert rule.update(1.0, 5) is True
    assert rule.update(0.9999, 10) is True  # tiny
    assert rule.best == 0.9999
    assert rule.update(0.9999, 15) is False  # equal
    assert rule.update(0.9999 * (1 - 1e-12), 15) is False  # equal but for rounding
    assert rule.update(2.0, 20) is False  # worse
    assert rule.best == 0.9999
    assert rule.patience == 20
    assert rule.update(0.5, 25) is True  # marked
    assert rule.patience == 48


def test_patience_threshold_boundary():
    """A value exactly at best * threshold is not a marked improvement (strict <)."""
    rule = _patience(patience=1, improvement_threshold=0.5, validation_frequency=1)
    rule.update(1.0, 1)
    rule.update(0.5, 11)  # == 1.0 * 0.5: improvement, not marked
    assert rule.best == 0.5 and rule.patience == 1
    rule.update(0.2, 11)  # < 0.25: marked
    assert rule.patience == 20


def test_patience_stop_compares_the_iteration_with_patience():
    """should_stop is True once the 0-based iteration reaches patience."""
    rule = _patience(patience=7)
    stops = [rule.should_stop(n_batches) for n_batches in range(1, 11)]
    assert stops == [False] * 7 + [True] * 3


def test_patience_fractional_patience_runs_out_at_the_next_whole_iteration():
    rule = _patience(patience=1, patience_increase=1.5)
    rule.update(1.0, 10)  # iteration 9: patience 13.5
    assert rule.patience == 13.5
    assert not rule.should_stop(14)  # iteration 13
    assert rule.should_stop(15)  # iteration 14


def test_patience_is_due_every_validation_frequency_batches():
    rule = _patience(patience=1000, validation_frequency=4)
    due = [n for n in range(1, 30) if rule.is_due(n, n % 7 == 0)]
    assert due == [4, 8, 12, 16, 20, 24, 28]  # epoch ends (every 7) do not matter


def test_patience_is_due_as_soon_as_patience_runs_out():
    """Stopping is decided at a check of its own, so that a run never ends
    before its first validation: patience 2, validation every 10 batches."""
    rule = _patience(patience=2, validation_frequency=10)
    assert [rule.is_due(n, False) for n in range(1, 4)] == [False, False, True]
    assert [rule.should_stop(n) for n in range(1, 4)] == [False, False, True]
    # A gain at that check is kept as the best, but the run stops there, as
    # the tutorial's (which makes no such check) does.
    assert rule.update(1.0, 3) is True
    assert rule.update(0.5, 3) is True
    assert rule.best == 0.5
    assert rule.patience == 2
    assert rule.should_stop(3)


def test_patience_postpone_refuses_and_changes_nothing():
    """The adaptive schedule cannot buy the patience rule more time."""
    rule = _patience()
    rule.update(1.0, 5)
    before = (rule.best, rule.patience)
    assert rule.postpone is None
    assert (rule.best, rule.patience) == before
    assert rule.should_stop(21)


def test_patience_reason_names_patience_and_quantity():
    rule = _patience(patience=37, quantity="validation accuracy")
    assert rule.should_stop(38)
    assert "patience of 37 minibatches" in rule.reason
    assert "validation accuracy" in rule.reason


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "n_train_batches, validation_frequency", [(5, 5), (7, 3), (4, 10)]
)
def test_patience_matches_tutorial_loop_on_random_curves(
    seed, n_train_batches, validation_frequency
):
    """On noisy decreasing validation curves, the rule-driven loop validates where
    the tutorial does and stops at the same iteration, with the same patience.

    Where the tutorial stops between validations, the rule validates once more
    at the stop point: its best value is the tutorial's, or that last one's if
    lower (the plateau's noise makes a tiny gain there possible, a marked one
    that would extend patience is not).
    """
    rng = np.random.default_rng(seed)
    n_iterations = 6000
    n_epochs = n_iterations // n_train_batches
    # an exponential decay towards a plateau, with 0.3% noise: marked gains early,
    # then tiny gains and setbacks until patience runs out
    t = np.arange(n_iterations) / validation_frequency
    losses = (0.1 + 0.9 * np.exp(-t / rng.uniform(2, 12))) * (
        1 + 0.003 * rng.standard_normal(n_iterations)
    )
    settings = dict(
        patience=20,
        patience_increase=rng.choice([1.5, 2.0, 3.0]),
        improvement_threshold=0.995,
    )
    stop, best, patience, validated = _tutorial_loop(
        losses.__getitem__,
        n_train_batches,
        n_epochs,
        validation_frequency=validation_frequency,
        **settings,
    )
    assert stop is not None and patience > 100  # patience really grew and ran out
    actual = _rule_loop(
        _patience(validation_frequency, **settings),
        losses.__getitem__,
        n_train_batches,
        n_epochs,
    )
    extra = [] if (stop + 1) % validation_frequency == 0 else [stop]
    assert actual[3] == validated + extra
    assert actual[:3] == (stop, min([best] + [losses[i] for i in extra]), patience)


# --------------------------------------------------------------------------
# The rules as listeners: what they ask of the running fit
# --------------------------------------------------------------------------


class FakeFit:
    """The part of the running fit a stopping rule uses, recording its requests."""

    def __init__(self, losses, plateau_steps=0):
        self.history = History()
        self.losses = iter(losses)
        self.plateau_steps = plateau_steps  # how many smaller steps "adaptive" has
        self.n_batches = 0
        self.last_batch = True
        self.stopping = False
        self.reason = None
        self.kept = []
        self.reductions = 0

    def epoch(self):
        self.n_batches += 10
        self.history.loss_curve.append(next(self.losses))

    def stop(self, reason):
        self.stopping, self.reason = True, reason

    def keep_as_best(self, scores=None, overriding=False):
        self.kept.append(self.n_batches)

    def reduce_step_on_plateau(self):
        self.reductions += 1
        if self.plateau_steps:
            self.plateau_steps -= 1
            return True
        return False


def _run_epochs(rule, fit, n_epochs):
    for _ in range(n_epochs):
        fit.epoch()
        rule.on_epoch_end(fit)
        if fit.stopping:
            break


def test_a_rule_on_the_training_loss_stops_the_fit_with_its_reason():
    rule = _no_improvement(tol=0.1, n_iter_no_change=2)
    fit = FakeFit([1.0, 1.0, 1.0, 1.0, 1.0])
    _run_epochs(rule, fit, 5)
    assert fit.stopping and fit.n_batches == 30
    assert fit.reason == rule.reason and "training loss" in fit.reason
    assert fit.kept == []  # the training loss keeps no best state


def test_the_adaptive_schedule_postpones_the_no_improvement_rule():
    """Each smaller step the schedule gives starts the count again; once it
    has none left, the rule stops the fit."""
    rule = _no_improvement(tol=0.1, n_iter_no_change=2)
    fit = FakeFit([1.0] * 20, plateau_steps=2)
    _run_epochs(rule, fit, 20)
    # bad epochs 2, 3 -> smaller step; 4, 5 -> smaller step; 6, 7 -> stop
    assert fit.reductions == 3
    assert fit.stopping and fit.n_batches == 70


def test_the_adaptive_schedule_cannot_postpone_the_patience_rule():
    rule = _patience(patience=3, validation_frequency=1)
    rule.watch(TrainingLoss())
    fit = FakeFit([1.0] * 20, plateau_steps=5)
    for _ in range(20):
        fit.n_batches += 1
        fit.history.loss_curve.append(next(fit.losses))
        rule.on_epoch_end(fit)
        if fit.stopping:
            break
    assert fit.reductions == 0
    assert fit.stopping and fit.n_batches == 4  # iteration 3 reached patience 3

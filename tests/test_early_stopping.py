"""Tests of the stopping rules in ``skmnist._early_stopping``."""

import numpy as np
import pytest

from skmnist._early_stopping import NoImprovementRule, PatienceRule

# --------------------------------------------------------------------------
# NoImprovementRule (scikit-learn's tol / n_iter_no_change)
# --------------------------------------------------------------------------


def _feed(rule, values):
    """Feed ``values`` one check at a time; return (improved, should_stop) per check."""
    improved, stops = [], []
    for value in values:
        improved.append(rule.update(value))
        stops.append(rule.should_stop())
    return improved, stops


@pytest.mark.parametrize("n_iter_no_change", [1, 2, 3, 5])
def test_no_improvement_stops_after_exactly_n_bad_checks(n_iter_no_change):
    """After a first value, it stops at the n-th check in a row not beating tol."""
    rule = NoImprovementRule(tol=0.1, n_iter_no_change=n_iter_no_change)
    values = [1.0] + [1.0 + 0.01 * i for i in range(1, n_iter_no_change + 1)]
    improved, stops = _feed(rule, values)
    assert improved == [True] + [False] * n_iter_no_change
    assert stops == [False] * n_iter_no_change + [True]
    assert rule.best == 1.0


def test_no_improvement_first_value_is_an_improvement():
    """The first value always counts as the best and starts no bad count."""
    rule = NoImprovementRule(tol=1e-4, n_iter_no_change=1)
    assert rule.update(123.0) is True
    assert rule.best == 123.0
    assert rule.n_bad_checks == 0
    assert not rule.should_stop()


def test_no_improvement_resets_on_improvement_larger_than_tol():
    """An improvement by more than tol resets the count of bad checks."""
    rule = NoImprovementRule(tol=0.1, n_iter_no_change=3)
    improved, stops = _feed(rule, [1.0, 1.2, 1.1])  # two bad checks
    assert rule.n_bad_checks == 2 and stops == [False, False, False]
    assert rule.update(0.85) is True  # 0.15 better than 1.0: resets
    assert rule.n_bad_checks == 0
    assert rule.best == 0.85
    improved, stops = _feed(rule, [0.9, 0.85, 2.0])  # three bad checks again
    assert improved == [False, False, False]
    assert stops == [False, False, True]


def test_no_improvement_small_improvement_is_reported_but_counts_as_bad():
    """Beating best by less than tol updates best, returns True, yet counts as bad."""
    rule = NoImprovementRule(tol=0.1, n_iter_no_change=3)
    improved, stops = _feed(rule, [1.0, 0.95, 0.9, 0.86])
    # every value is strictly better than the previous best, never by 0.1 or more
    assert improved == [True, True, True, True]
    assert stops == [False, False, False, True]
    assert rule.best == 0.86
    assert rule.n_bad_checks == 3


def test_no_improvement_tol_is_measured_from_the_current_best():
    """Sub-tol gains move best, so the next reset needs tol below the new best."""
    rule = NoImprovementRule(tol=0.1, n_iter_no_change=10)
    _feed(rule, [1.0, 0.95])  # best 0.95 after a sub-tol gain
    assert rule.n_bad_checks == 1
    rule.update(0.88)  # 0.12 below 1.0 but only 0.07 below 0.95: still bad
    assert rule.n_bad_checks == 2
    rule.update(0.7)  # 0.18 below 0.88: good
    assert rule.n_bad_checks == 0


def test_no_improvement_equal_or_worse_value_is_not_improved():
    """Equal and worse values are no improvement and leave best untouched."""
    rule = NoImprovementRule(tol=0.0, n_iter_no_change=5)
    rule.update(0.5)
    assert rule.update(0.5) is False
    assert rule.update(0.7) is False
    assert rule.best == 0.5
    assert rule.n_bad_checks == 2


def test_no_improvement_with_zero_tol_any_gain_resets():
    """With tol=0 any strict decrease resets the count."""
    rule = NoImprovementRule(tol=0.0, n_iter_no_change=2)
    improved, stops = _feed(rule, [1.0, 1.0, 0.999999, 1.0, 1.0])
    assert improved == [True, False, True, False, False]
    assert stops == [False, False, False, False, True]


def test_no_improvement_reset_count():
    """reset_count clears the bad checks (the adaptive schedule's second chance) but
    keeps the best value."""
    rule = NoImprovementRule(tol=0.1, n_iter_no_change=2)
    _feed(rule, [1.0, 1.0, 1.0])
    assert rule.should_stop()
    rule.reset_count()
    assert rule.n_bad_checks == 0
    assert not rule.should_stop()
    assert rule.best == 1.0
    improved, stops = _feed(rule, [0.95, 0.99])
    assert improved == [True, False]
    assert stops == [False, True]


# --------------------------------------------------------------------------
# PatienceRule (the Theano tutorial's patience)
# --------------------------------------------------------------------------


def _tutorial_loop(
    losses,
    n_train_batches,
    n_epochs,
    patience,
    patience_increase,
    improvement_threshold,
    validation_frequency,
):
    """The deeplearning.net MLP/logistic-SGD early-stopping loop, verbatim in spirit.

    ``losses`` gives the validation loss of each successive validation. Returns
    the iteration at which the loop stopped (None if it ran out of epochs), the
    best validation loss and the final patience.
    """
    losses = iter(losses)
    best_validation_loss = np.inf
    epoch = 0
    while epoch < n_epochs:
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            it = (epoch - 1) * n_train_batches + minibatch_index
            if (it + 1) % validation_frequency == 0:
                this_validation_loss = next(losses)
                if this_validation_loss < best_validation_loss:
                    threshold = best_validation_loss * improvement_threshold
                    if this_validation_loss < threshold:
                        patience = max(patience, it * patience_increase)
                    best_validation_loss = this_validation_loss
            if patience <= it:
                return it, best_validation_loss, patience
    return None, best_validation_loss, patience


def _rule_loop(rule, losses, n_train_batches, n_epochs, validation_frequency):
    """The same loop, decisions delegated to a PatienceRule (as the engine does)."""
    losses = iter(losses)
    iteration = 0
    for _ in range(n_epochs):
        for _ in range(n_train_batches):
            if (iteration + 1) % validation_frequency == 0:
                rule.update(next(losses), iteration)
            if rule.should_stop(iteration):
                return iteration, rule.best, rule.patience
            iteration += 1
    return None, rule.best, rule.patience


PATIENCE = dict(patience=20, patience_increase=2, improvement_threshold=0.995)


def test_patience_tiny_improvement_does_not_extend_patience():
    """A < 0.5% gain updates best but not patience; the loop stops at iteration 28."""
    # 5 minibatches an epoch, validation every min(5, 20 // 2) = 5 minibatches,
    # i.e. after iterations 4, 9, 14, ...
    losses = [1.0, 0.9, 0.8, 0.7995, 0.7994] + [0.9] * 20
    # iter 4: 1.0   -> patience max(20, 8)  = 20
    # iter 9: 0.9   -> patience max(20, 18) = 20
    # iter 14: 0.8  -> patience max(20, 28) = 28
    # iter 19: 0.7995 and iter 24: 0.7994 are < 0.5% better: best moves, patience stays
    # iter 28: patience <= iter -> stop (between validations)
    expected = _tutorial_loop(losses, 5, 100, validation_frequency=5, **PATIENCE)
    assert expected == (28, 0.7994, 28)
    rule = PatienceRule(**PATIENCE)
    assert _rule_loop(rule, losses, 5, 100, validation_frequency=5) == expected


def test_patience_marked_improvement_extends_from_zero_based_iteration():
    """A marked gain sets patience to iteration * increase, iteration 0-based."""
    rule = PatienceRule(**PATIENCE)
    assert rule.update(1.0, 4) is True
    assert rule.patience == 20
    assert rule.update(0.5, 14) is True
    assert rule.patience == 28
    assert not rule.should_stop(27)
    assert rule.should_stop(28)


def test_patience_never_decreases():
    """A marked gain early on cannot lower patience below its current value."""
    rule = PatienceRule(patience=100, patience_increase=2, improvement_threshold=0.995)
    rule.update(1.0, 9)
    rule.update(0.5, 19)
    assert rule.patience == 100


def test_patience_improved_flag():
    """update() is True for any strictly lower value (tiny or marked), else False."""
    rule = PatienceRule(**PATIENCE)
    assert rule.update(1.0, 4) is True
    assert rule.update(0.9999, 9) is True  # tiny
    assert rule.best == 0.9999
    assert rule.update(0.9999, 14) is False  # equal
    assert rule.update(2.0, 19) is False  # worse
    assert rule.best == 0.9999
    assert rule.update(0.5, 24) is True  # marked
    assert rule.patience == 48


def test_patience_threshold_boundary():
    """A value exactly at best * threshold is not a marked improvement (strict <)."""
    rule = PatienceRule(patience=1, patience_increase=2, improvement_threshold=0.5)
    rule.update(1.0, 0)
    rule.update(0.5, 10)  # == 1.0 * 0.5: improvement, not marked
    assert rule.best == 0.5 and rule.patience == 1
    rule.update(0.2, 10)  # < 0.25: marked
    assert rule.patience == 20


def test_patience_stop_checked_every_iteration():
    """should_stop compares the iteration with patience, validated or not."""
    rule = PatienceRule(patience=7, patience_increase=2, improvement_threshold=0.995)
    assert [rule.should_stop(i) for i in range(10)] == [False] * 7 + [True] * 3


def test_patience_reset_count_changes_nothing():
    """reset_count is a no-op for the patience rule."""
    rule = PatienceRule(**PATIENCE)
    rule.update(1.0, 14)
    before = (rule.best, rule.patience)
    rule.reset_count()
    assert (rule.best, rule.patience) == before


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "n_train_batches, validation_frequency", [(5, 5), (7, 3), (4, 10)]
)
def test_patience_matches_tutorial_loop_on_random_curves(
    seed, n_train_batches, validation_frequency
):
    """On noisy decreasing validation curves, the rule stops where the tutorial does."""
    rng = np.random.default_rng(seed)
    n_validations = 1000
    # an exponential decay towards a plateau, with 0.3% noise: marked gains early,
    # then tiny gains and setbacks until patience runs out
    t = np.arange(n_validations)
    losses = (0.1 + 0.9 * np.exp(-t / rng.uniform(2, 12))) * (
        1 + 0.003 * rng.standard_normal(n_validations)
    )
    settings = dict(
        patience=20,
        patience_increase=rng.choice([1.5, 2.0, 3.0]),
        improvement_threshold=0.995,
    )
    n_epochs = 300
    expected = _tutorial_loop(
        losses,
        n_train_batches,
        n_epochs,
        validation_frequency=validation_frequency,
        **settings,
    )
    assert expected[2] > 100  # patience really grew; the case is not trivial
    actual = _rule_loop(
        PatienceRule(**settings),
        losses,
        n_train_batches,
        n_epochs,
        validation_frequency,
    )
    assert actual == expected

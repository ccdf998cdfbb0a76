"""Compose: steps in a row, named and reached as a scikit-learn Pipeline's are."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import Pipeline

from skmnist import TwoLayerMLPClassifier
from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)


@pytest.fixture(scope="module")
def images():
    """scikit-learn's 8x8 digits in [0, 1], 64 features per row."""
    from sklearn.datasets import load_digits

    return load_digits().data[:300] / 16.0


def two_steps():
    return [("shift", RandomShift(1)), ["affine", RandomAffine(degrees=15)]]


# ----------------------------------------------------------------------
# Applying the steps
# ----------------------------------------------------------------------
def test_compose_applies_its_steps_in_order(images):
    twice = Compose(
        [("a", RandomHorizontalFlip(1.0)), ("b", RandomHorizontalFlip(1.0))]
    )
    assert_array_equal(twice(images, 0), images)
    shift = RandomShift(2)
    alone = Compose([("shift", shift), ("off", "passthrough"), ("none", None)])
    assert_array_equal(alone(images, 4), shift(images, np.random.default_rng(4)))


def test_compose_takes_any_callable(images):
    def invert(X, rng):
        return X.max() - X

    assert_allclose(Compose([("invert", invert)])(images, 0), images.max() - images)


def test_steps_may_be_lists_or_tuples(images):
    """Pipeline accepts [("a", t), ["b", u]]; grid searches hand such lists over."""
    as_tuples = Compose([tuple(step) for step in two_steps()])(images, 3)
    assert_array_equal(Compose(two_steps())(images, 3), as_tuples)
    assert_array_equal(Compose(tuple(two_steps()))(images, 3), as_tuples)


# ----------------------------------------------------------------------
# Malformed steps: a clear error when called, and get_params still works
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "steps, error, message",
    [
        ([("a", RandomShift()), ("a", RandomShift())], ValueError, "unique"),
        ([("a__b", RandomShift())], ValueError, "without '__'"),
        ([("steps", RandomShift())], ValueError, "other than"),
        ([(3, RandomShift())], ValueError, "Step names must be strings"),
        ([("a", 3)], TypeError, "not callable"),
        ([("a", RandomShift)], TypeError, r"class RandomShift.*RandomShift\(\)"),
        ([RandomShift()], ValueError, r"\(name, transform\) pair.*step 0 is"),
        ([("a", RandomShift(), 1)], ValueError, r"step 0 is \('a', Random"),
        ([["a"]], ValueError, r"step 0 is \['a'\]"),
        ("shift", TypeError, "steps must be a list"),
        (None, TypeError, "steps must be a list"),
    ],
)
def test_malformed_steps_are_refused_when_called(images, steps, error, message):
    compose = Compose(steps)
    with pytest.raises(error, match=message):
        compose(images, 0)


@pytest.mark.parametrize(
    "steps", [[("a", RandomShift(1), 1)], [RandomShift()], "shift", None]
)
def test_malformed_steps_leave_get_params_repr_and_clone_working(steps):
    """Issue 19: Compose([("a", t, 1)]).get_params() raised; Pipeline's does not."""
    compose = Compose(steps)
    assert compose.get_params(deep=True) == {"steps": steps}
    assert repr(compose).startswith("Compose(")
    assert clone(compose).get_params(deep=False).keys() == {"steps"}
    compose.set_params(steps=[("shift", RandomShift(2))])  # and can be repaired
    assert compose.get_params()["shift__max_shift"] == 2


def test_a_step_without_parameters_says_to_replace_it():
    compose = Compose([("off", "passthrough"), ("f", np.negative)])
    for key in ("off__max_shift", "f__x"):
        with pytest.raises(ValueError, match=f"Cannot set '{key}'.*replace the step"):
            compose.set_params(**{key: 1})


# ----------------------------------------------------------------------
# Parameters as a Pipeline's
# ----------------------------------------------------------------------
def test_compose_nested_params():
    compose = Compose([("shift", RandomShift(2)), ("elastic", ElasticDistortion())])
    params = compose.get_params()
    assert params["shift__max_shift"] == 2 and params["elastic__sigma"] == 4.0
    assert params["shift"] is compose.steps[0][1]
    compose.set_params(shift__max_shift=3, elastic=RandomAffine())
    assert compose.steps[0][1].max_shift == 3
    assert isinstance(dict(compose.steps)["elastic"], RandomAffine)
    copy = clone(compose)
    assert copy.steps[0][1] is not compose.steps[0][1]
    assert copy.get_params()["shift__max_shift"] == 3
    with pytest.raises(ValueError, match="Invalid parameter 'other'"):
        compose.set_params(other__x=1)


def test_parameter_names_and_updates_match_pipeline():
    compose, pipeline = Compose(two_steps()), Pipeline(two_steps())
    own = set(Pipeline(two_steps()).get_params(deep=False)) - {"steps"}
    compose_keys = set(compose.get_params(deep=True))
    assert compose_keys == set(pipeline.get_params(deep=True)) - own
    updates = {
        "affine": ElasticDistortion(alpha=8),
        "affine__sigma": 2.0,
        "shift__max_shift": 3,
    }
    untouched = compose.steps[0]
    compose.set_params(**updates)
    pipeline.set_params(**updates)
    assert repr(compose.steps) == repr(pipeline.steps)
    assert compose.steps[0] is untouched
    after = compose.get_params(deep=True)
    assert set(after) == set(pipeline.get_params(deep=True)) - own
    for key, value in after.items():
        assert repr(value) == repr(pipeline.get_params()[key]), key


def test_steps_then_replacement_then_nested_in_one_call():
    compose = Compose([("shift", RandomShift(1))])
    compose.set_params(
        steps=two_steps(), affine=RandomAffine(degrees=5), affine__shear=3.0
    )
    affine = dict(compose.steps)["affine"]
    assert (affine.degrees, affine.shear) == (5, 3.0)


def test_clone_round_trip_keeps_the_steps_form():
    compose = Compose(two_steps())
    copy = clone(compose)
    assert [type(item) for item in copy.steps] == [tuple, list]
    assert repr(copy) == repr(compose)
    for key, value in compose.get_params(deep=True).items():
        if key != "steps":
            assert repr(copy.get_params(deep=True)[key]) == repr(value), key
    assert all(a[1] is not b[1] for a, b in zip(copy.steps, compose.steps))


class Holder(BaseEstimator):
    """Stands in for a classifier with an ``augment`` parameter."""

    def __init__(self, augment=None):
        self.augment = augment


def test_a_grid_search_reaches_the_strengths():
    """The keys GridSearchCV would set, through a parent estimator."""
    parent = Holder(
        Compose([("shift", RandomShift(1)), ["elastic", ElasticDistortion()]])
    )
    grid = ParameterGrid(
        {"augment__shift__max_shift": [0, 2], "augment__elastic__alpha": [8.0, 34.0]}
    )
    seen = set()
    for params in grid:
        candidate = clone(parent).set_params(**params)
        shift, elastic = (step for _, step in candidate.augment.steps)
        seen.add((shift.max_shift, elastic.alpha))
        assert parent.augment.steps[0][1].max_shift == 1  # the original is untouched
    assert seen == {(0, 8.0), (0, 34.0), (2, 8.0), (2, 34.0)}
    switched = clone(parent).set_params(augment__elastic="passthrough")
    assert switched.augment.steps[1][1] == "passthrough"


def test_grid_search_over_a_classifier_with_composed_augmentation(digits):
    """GridSearchCV sets clf__augment__shift__max_shift and replaces a step."""
    X, y = digits
    augment = Compose([("shift", RandomShift(1)), ["affine", "passthrough"]])
    clf = TwoLayerMLPClassifier(
        n_hidden=16, max_iter=2, batch_size=64, augment=augment, random_state=0
    )
    grid = {
        "clf__augment__shift__max_shift": [0, 2],
        "clf__augment__affine": ["passthrough", RandomAffine(degrees=20)],
    }
    search = GridSearchCV(Pipeline([("clf", clf)]), grid, cv=2, error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs only
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and len(set(scores)) == 4  # each setting trained apart
    best = search.best_estimator_.named_steps["clf"].augment
    assert (
        best.get_params()["shift__max_shift"]
        == (search.best_params_["clf__augment__shift__max_shift"])
    )
    assert augment.steps[0][1].max_shift == 1  # the searched object is untouched
    assert augment.steps[1][1] == "passthrough"

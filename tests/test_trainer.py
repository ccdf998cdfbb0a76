"""The trainer on its own: a model object and arrays, no estimator."""

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skmnist
from skmnist._data import TrainingData
from skmnist._events import Listener
from skmnist._models import OneHiddenLayerModel, SoftmaxModel
from skmnist._settings import OptimizerSettings, TrainingSettings
from skmnist._trainer import Start, Trainer, TrainerConfig

ADAM = OptimizerSettings(
    solver="adam",
    learning_rate="constant",
    learning_rate_init=1e-2,
    power_t=0.5,
    momentum=0.9,
    nesterovs_momentum=True,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    average=False,
)

#: The training settings these tests start from (no penalty, no stopping).
TRAINING = TrainingSettings(
    alpha=0.0,
    batch_size="auto",
    max_iter=5,
    shuffle=True,
    tol=0.0,
    n_iter_no_change=10,
    early_stopping=False,
    validation_fraction=0.1,
    monitor="loss",
    patience=None,
    patience_increase=2.0,
    improvement_threshold=0.995,
    validation_frequency=None,
    augment=None,
    verbose=0,
)

CLASSES = np.arange(10)


def _config(**training):
    return TrainerConfig(
        optimizer=ADAM, training=dataclasses.replace(TRAINING, **training)
    )


@pytest.fixture
def arrays(digits):
    X, y = digits
    return X[:600], y[:600]


def _train(arrays, model=None, listeners=(), **training):
    X, y = arrays
    trainer = Trainer(_config(**training), model or SoftmaxModel(), listeners)
    return trainer.train(TrainingData(X, y, None), CLASSES, seed=0)


def test_the_trainer_never_imports_the_estimators():
    """Data flows down: the trainer and what it uses know no estimator."""
    package = Path(skmnist.__file__).parent
    for name in (
        "_trainer.py",
        "_run.py",
        "_step.py",
        "_events.py",
        "_early_stopping.py",
        "_evaluation.py",
        "_fitted.py",
        "_data.py",
        "_models.py",
        "_optimizers.py",
        "_settings.py",
    ):
        tree = ast.parse((package / name).read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        estimator_side = {
            "_base",
            "_estimators",
            "_inputs",
            "_callback_support",
            "callbacks",
        }
        assert not imported & estimator_side, name


def test_trains_a_model_on_arrays_alone(arrays):
    result = _train(arrays, OneHiddenLayerModel(n_hidden=16, activation="relu"))
    history = result.history
    assert history.n_iter == 5 and history.t == 5 * 600
    assert history.loss_curve[-1] < history.loss_curve[0]
    assert history.reached_max_iter and "maximum iterations (5)" in history.stop_reason
    assert result.network.solution.shape == (64 * 16 + 16 * 10 + 16 + 10,)
    assert result.failure is None


class StopAt(Listener):
    """A listener asking to stop at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch
        self.seen = []

    def on_epoch_end(self, fit):
        self.seen.append(fit.epoch)
        if fit.epoch == self.epoch:
            fit.stop("StopAt asked to stop")

    def on_train_end(self, fit):
        self.ended_with = fit.history.stop_reason


def test_a_listener_stops_training_at_the_end_of_an_epoch(arrays):
    listener = StopAt(3)
    result = _train(arrays, listeners=[listener], max_iter=50)
    assert listener.seen == [1, 2, 3]
    assert result.history.n_iter == 3
    assert listener.ended_with == "StopAt asked to stop"
    assert result.history.stop_reason == "StopAt asked to stop"
    assert not result.history.reached_max_iter


def test_listeners_see_the_solution_they_would_predict_with(arrays):
    solutions = []

    class Keep(Listener):
        def on_epoch_end(self, fit):
            solutions.append(fit.network(CLASSES).solution)

    result = _train(arrays, listeners=[Keep()], max_iter=2)
    assert_array_equal(solutions[-1], result.network.solution)
    assert not np.array_equal(solutions[0], solutions[1])


def test_a_patience_stop_mid_epoch_is_decided_at_a_validation_check(arrays):
    X, y = arrays
    validation = TrainingData(X[:200], y[:200], None)
    config = _config(
        max_iter=100,
        batch_size=50,
        early_stopping=True,
        patience=5,
        patience_increase=1.0,
        validation_frequency=2,
    )
    trainer = Trainer(config, SoftmaxModel())
    result = trainer.train(TrainingData(X, y, None), CLASSES, 0, validation)
    history = result.history
    # 12 batches an epoch; patience 5 ends at the 6th batch (iteration 5), a
    # check of its own: the first epoch is cut short and the run validated
    # at batches 2, 4 and 6.
    assert history.n_iter == 1
    assert len(history.validation_scores) == 3
    assert history.t == 6 * 50
    assert "patience" in history.stop_reason
    assert history.restored_epoch == 1


def test_partial_fit_state_continues_exactly(arrays):
    """Two one-pass calls continued through the continuation equal two epochs."""
    X, y = arrays
    config = _config(max_iter=2, shuffle=True)
    two_epochs = Trainer(config, SoftmaxModel()).train(
        TrainingData(X, y, None), CLASSES, seed=0
    )
    first = Trainer(config, SoftmaxModel()).train(
        TrainingData(X, y, None), CLASSES, seed=0, incremental=True
    )
    assert first.history.n_iter == 1
    second = Trainer(config, SoftmaxModel()).train(
        TrainingData(X, y, None),
        CLASSES,
        seed=123,  # ignored: the random streams come from the continuation
        start=Start(first.network, first.continuation, resume=True),
        incremental=True,
    )
    assert_array_equal(second.network.solution, two_epochs.network.solution)
    assert second.history.t == two_epochs.history.t
    assert second.continuation.n_updates == two_epochs.continuation.n_updates
    assert second.history.loss_curve == two_epochs.history.loss_curve


def test_augment_is_applied_to_copies_of_training_batches_only(arrays):
    X, y = arrays
    X_before = X.copy()
    seen = []

    def record(batch, rng):
        seen.append(batch.shape[0])
        batch += 0.0  # writing into the batch must not reach X
        return batch

    validation = TrainingData(X[:100], y[:100], None)
    config = _config(max_iter=2, batch_size=200, augment=record)
    Trainer(config, SoftmaxModel()).train(
        TrainingData(X, y, None), CLASSES, 0, validation
    )
    assert seen == [200, 200, 200] * 2  # training batches; no validation rows
    np.testing.assert_array_equal(X, X_before)


def test_augment_returning_another_dtype_is_a_clear_error(arrays):
    def to_float32(batch, rng):
        return batch.astype(np.float32)

    with pytest.raises(ValueError, match="augment must return an array"):
        _train(arrays, augment=to_float32)


def test_augment_with_sparse_input_is_refused(digits):
    import scipy.sparse as sp

    from skmnist import TwoLayerMLPClassifier

    X, y = digits
    clf = TwoLayerMLPClassifier(n_hidden=8, augment=lambda b, rng: b)
    with pytest.raises(ValueError, match="sparse"):
        clf.fit(sp.csr_matrix(X), y)
    assert not clf.__sklearn_tags__().input_tags.sparse


def _mean_squared_norm_reference(X):
    """The definition, as the trainer computed it before its buffers: per
    block of 4,096 rows, a float64 copy divided by max |x|, row dot products."""
    scale = float(np.max(np.abs(X)))
    norms = np.concatenate(
        [
            np.einsum("ij,ij->i", block, block)
            for block in (
                X[start : start + 4096].astype(np.float64) / scale
                for start in range(0, X.shape[0], 4096)
            )
        ]
    )
    return float(np.mean(norms)) * scale * scale + 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided rows", "strided F"])
def test_the_auto_steps_data_scale_is_the_same_bits_in_any_layout(dtype, layout):
    # The "auto" step size depends on it, so every later result does: its
    # buffers must not change a bit, whatever the memory layout of X.
    from skmnist._evaluation import mean_squared_norm

    X = np.random.default_rng(0).normal(scale=7, size=(9000, 37)).astype(dtype)
    X = {
        "C": X,
        "F": np.asfortranarray(X),
        "strided rows": X[::2],
        "strided F": np.asfortranarray(X)[::3, ::2],
    }[layout]
    assert mean_squared_norm(X) == _mean_squared_norm_reference(X)

"""The training loop and its pieces.

The flat parameter layout, the training arrays and the state ``partial_fit``
carries over, dropout noise, scoring a solution on a data set, and
:class:`EpochLoop`, which runs the epochs of one ``fit``/``partial_fit`` call.
"""

import numpy as np
import scipy.sparse as sp

from ._early_stopping import PatienceRule
from ._numerics import dropout_, softmax_nll_

#: Rows scored at a time, to bound the memory of a full pass.
EVALUATION_CHUNK = 4096


class ParameterLayout:
    """Where each weight and bias array sits in the flat parameter vector."""

    def __init__(self, weight_shapes, bias_shapes):
        self.shapes = [tuple(s) for s in (*weight_shapes, *bias_shapes)]
        # The last bias feeds the softmax: one entry per class.
        self.n_classes = self.shapes[-1][0]
        self.n_layers = len(weight_shapes)
        sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.n_weights = int(sum(sizes[: self.n_layers]))
        self.n_params = int(self.offsets[-1])

    def views(self, flat):
        """Return ``(weights, biases)``: lists of views into ``flat``."""
        arrays = [
            flat[start:stop].reshape(shape)
            for start, stop, shape in zip(
                self.offsets[:-1], self.offsets[1:], self.shapes
            )
        ]
        return arrays[: self.n_layers], arrays[self.n_layers :]

    def pack(self, weights, biases, dtype):
        """Copy arrays shaped like :meth:`views` into a new flat vector."""
        arrays = [*weights, *biases]
        if [np.shape(a) for a in arrays] != self.shapes:
            return None
        return np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False)


class DropoutNoise:
    """Draws dropout masks, one per group of identical samples in a batch.

    Sharing a mask between identical samples makes a sample of integer weight
    ``k`` train exactly like ``k`` copies of it.
    """

    def __init__(self, rng, groups):
        self.rng = rng
        self.groups = groups

    def for_batch(self, rows):
        """The noise of the minibatch made of ``rows``."""
        return BatchDropout(self.rng, self.groups[rows])


class BatchDropout:
    """Dropout masks for one minibatch, whose samples belong to ``groups``."""

    def __init__(self, rng, groups):
        self.rng = rng
        self.groups = groups

    def drop_out(self, hidden, keep_prob, multipliers, kept):
        """Write ``hidden`` with units dropped and survivors scaled into ``kept``.

        ``multipliers`` receives what each unit was multiplied by: 0 when
        dropped, ``1 / keep_prob`` when kept (backprop needs it).
        """
        unique_groups, row_of_group = np.unique(self.groups, return_inverse=True)
        uniform = self.rng.random(
            (unique_groups.size, hidden.shape[1]), dtype=hidden.dtype
        )
        dropout_(uniform, row_of_group.ravel(), keep_prob, hidden, multipliers, kept)
        return kept


class TrainingData:
    """Training arrays after validation, weighting and encoding."""

    def __init__(self, X, y, sample_weight, groups=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.groups = groups

    @property
    def n_samples(self):
        return self.X.shape[0]

    def subset(self, mask):
        def pick(a):
            return None if a is None else a[mask]

        return TrainingData(
            pick(self.X), pick(self.y), pick(self.sample_weight), pick(self.groups)
        )


class TrainingState:
    """What ``partial_fit`` must carry from one call to the next."""

    def __init__(self, layout, params, optimizer, average, shuffle_rng, noise_rng):
        self.layout = layout
        self.params = params
        self.grads = np.zeros_like(params)
        self.optimizer = optimizer
        self.average = average
        self.shuffle_rng = shuffle_rng
        self.noise_rng = noise_rng

    def __getstate__(self):
        # The gradient buffer is rewritten every step: no need to pickle it.
        return {**self.__dict__, "grads": None}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.grads = np.zeros_like(self.params)

    @property
    def solution(self):
        """The parameters to predict with: the average when averaging."""
        if self.average is None:
            return self.params
        return self.average.solution(self.params)


def logits_in_chunks(estimator, X, weights, biases, dtype):
    """Yield ``(rows, logits)`` over ``X``, at most ``EVALUATION_CHUNK`` rows at a time.

    One forward workspace serves every chunk, so memory stays bounded however
    many rows there are; each ``logits`` is overwritten by the next chunk.
    """
    n_rows = X.shape[0]
    workspace = estimator._allocate_workspace(
        min(n_rows, EVALUATION_CHUNK), weights, dtype, training=False
    )
    for start in range(0, n_rows, EVALUATION_CHUNK):
        rows = slice(start, start + EVALUATION_CHUNK)
        yield rows, estimator._forward(X[rows], weights, biases, workspace)


class Evaluator:
    """Mean loss and accuracy of a solution on one fixed data set.

    Parameters
    ----------
    estimator : BaseMinibatchClassifier
        Supplies the forward pass.
    layout : ParameterLayout
        How to read a flat parameter vector.
    data : TrainingData
        The data to score (its ``sample_weight`` weights the means).
    params : ndarray
        A flat parameter vector of the model (for shapes and dtype).
    """

    def __init__(self, estimator, layout, data, params):
        self.estimator = estimator
        self.layout = layout
        self.data = data
        dtype = params.dtype
        self._nll = np.empty(data.n_samples, dtype=dtype)
        self._correct = np.empty(data.n_samples, dtype=bool)

    def __call__(self, params):
        """Return ``(mean cross-entropy, accuracy)`` of ``params``."""
        weights, biases = self.layout.views(params)
        X, y = self.data.X, self.data.y
        chunks = logits_in_chunks(self.estimator, X, weights, biases, params.dtype)
        for rows, logits in chunks:
            self._correct[rows] = logits.argmax(axis=1) == y[rows]
            self._nll[rows] = softmax_nll_(logits, y[rows])
        weight = self.data.sample_weight
        loss = float(np.average(self._nll, weights=weight))
        return loss, float(np.average(self._correct, weights=weight))


class ValidationMonitor:
    """Scores the current solution on the validation set and keeps the best."""

    def __init__(self, estimator, state, validation):
        self.state = state
        self.monitor = estimator.monitor
        self.evaluate = Evaluator(estimator, state.layout, validation, state.params)
        self.best_params = None
        self._last = None

    def check(self, history):
        """Record loss and accuracy; return the monitored value (lower is better)."""
        loss, accuracy = self.evaluate(self.state.solution)
        history["validation_loss_curve_"].append(loss)
        history["validation_scores_"].append(accuracy)
        self._last = (loss, accuracy)
        if self.monitor == "loss":
            return loss if np.isfinite(loss) else np.inf
        return 1.0 - accuracy

    def keep_best(self, history):
        """Snapshot the solution just checked as the best so far."""
        solution = self.state.solution
        if self.best_params is None:
            self.best_params = solution.copy()
        else:
            np.copyto(self.best_params, solution)
        history["best_validation_loss_"] = self._last[0]
        history["best_validation_score_"] = self._last[1]


def divergence_limit(initial_loss, n_classes):
    """A training loss above this means the run diverged.

    A hundred times what the run started from, or than the uniform guess
    (``log(n_classes)``), is more than any descent can explain.
    """
    if not np.isfinite(initial_loss):
        return -np.inf
    return 100.0 * max(initial_loss, np.log(n_classes))


def mean_squared_norm(data):
    """Weighted mean of ``||x||^2 + 1`` (the 1 for the intercept) over rows."""
    X = data.X
    if sp.issparse(X):
        squared_norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    else:
        squared_norms = np.einsum("ij,ij->i", X, X)
    return float(np.average(squared_norms, weights=data.sample_weight)) + 1.0


class EpochLoop:
    """One ``fit`` or ``partial_fit`` call's passes over the data.

    Holds what the epochs share (buffers, noise, the stopping rule, the
    validation monitor) so that each epoch reads as the steps it takes.
    """

    def __init__(self, estimator, state, data, validation, history, incremental):
        self.estimator = estimator
        self.state = state
        self.data = data
        self.history = history
        self.batch_size = estimator._batch_size(data.n_samples)
        self.workspace = estimator._training_workspace(
            state.layout, state.params, self.batch_size
        )
        # The flat vectors are updated in place, so their views hold all fit.
        self.param_views = state.layout.views(state.params)
        self.grad_views = state.layout.views(state.grads)
        self.noise = None
        if estimator._needs_sample_groups():
            self.noise = DropoutNoise(state.noise_rng, data.groups)
        self.monitor = (
            ValidationMonitor(estimator, state, validation) if validation else None
        )
        self.early_stopping = (
            self.monitor is not None and estimator.early_stopping and not incremental
        )
        self.rule = estimator._stopping_rule(
            validation if self.early_stopping else None
        )
        n_batches = -(-data.n_samples // self.batch_size)
        self.validation_frequency = n_batches
        if isinstance(self.rule, PatienceRule):
            self.validation_frequency = max(
                1,
                estimator.validation_frequency
                or min(n_batches, estimator.patience // 2),
            )
        # With averaging, the running batch loss describes the raw iterates,
        # not the solution: when that loss decides when to stop, score the
        # average itself once an epoch instead.
        self.evaluate_average = None
        if state.average is not None and not self.early_stopping:
            self.evaluate_average = Evaluator(
                estimator, state.layout, data, state.params
            )
        self.iteration = 0
        self.divergence_limit = None

    def run_epoch(self):
        """Train one epoch; return True when training should stop."""
        summed_loss, stop = self._train_minibatches()
        self.history["n_iter_"] += 1
        loss = self._record_epoch_loss(summed_loss)
        if self.monitor is not None and not self.early_stopping:
            self.monitor.check(self.history)
        self.estimator._report(self.history)
        if stop or isinstance(self.rule, PatienceRule):
            return stop
        if not self.early_stopping:
            self.rule.update(loss)
        if not self.rule.should_stop():
            return False
        if self.state.optimizer.reduce_on_plateau():
            self.rule.reset_count()
            return False
        return True

    def _train_minibatches(self):
        state, data = self.state, self.data
        n_samples, batch_size = data.n_samples, self.batch_size
        order = (
            state.shuffle_rng.permutation(n_samples) if self.estimator.shuffle else None
        )
        summed_loss = 0.0
        for start in range(0, n_samples, batch_size):
            rows = (
                slice(start, start + batch_size)
                if order is None
                else order[start : start + batch_size]
            )
            batch_loss, n_rows = self._train_batch(rows)
            summed_loss += batch_loss
            self.history["t_"] += n_rows
            if state.average is not None:
                state.average.update(state.params, self.history["t_"])
            if self.early_stopping and self._validate_and_check_patience():
                return summed_loss, True
            self.iteration += 1
        return summed_loss, False

    def _train_batch(self, rows):
        """One gradient step on ``rows``; return the summed loss and the batch size."""
        state, data = self.state, self.data
        y_batch = data.y[rows]
        weight_batch = None if data.sample_weight is None else data.sample_weight[rows]
        noise = None if self.noise is None else self.noise.for_batch(rows)
        loss = self.estimator._loss_gradient(
            self.param_views,
            self.grad_views,
            data.X[rows],
            y_batch,
            weight_batch,
            self.workspace,
            noise,
        )
        state.optimizer.step(
            state.params, state.grads, self.estimator.alpha, state.layout.n_weights
        )
        n_rows = y_batch.shape[0]
        if self.divergence_limit is None:
            self.divergence_limit = divergence_limit(
                loss / n_rows, state.layout.n_classes
            )
        return loss, n_rows

    def _validate_and_check_patience(self):
        """Check validation when due; return True if the patience ran out."""
        if (self.iteration + 1) % self.validation_frequency == 0:
            value = self.monitor.check(self.history)
            if self.rule.update(value, self.iteration):
                self.monitor.keep_best(self.history)
        return isinstance(self.rule, PatienceRule) and self.rule.should_stop(
            self.iteration
        )

    def _record_epoch_loss(self, summed_loss):
        state = self.state
        if self.evaluate_average is None:
            data_loss = summed_loss / self.data.n_samples
        else:
            data_loss, _ = self.evaluate_average(state.solution)
        scored = state.params if self.evaluate_average is None else state.solution
        penalized = scored[: state.layout.n_weights]
        loss = data_loss + 0.5 * self.estimator.alpha * float(penalized @ penalized)
        # Not just NaN/inf: the log-sum-exp loss of a run-away model can stay
        # finite for many epochs while growing without bound.
        if not loss < self.divergence_limit:
            lr = state.optimizer.learning_rate_init
            raise ValueError(
                f"Training diverged in epoch {self.history['n_iter_']}: the loss "
                "became "
                f"{loss}. learning_rate_init={lr:g} is too large for this data; try a "
                f"smaller one (e.g. {lr / 10:g}) and make sure the features are scaled "
                "(for pixels 0..255, divide by 255). The estimator was left as it was."
            )
        self.history["loss_curve_"].append(loss)
        return loss

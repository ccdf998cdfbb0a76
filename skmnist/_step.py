"""One gradient step on a minibatch: augment, forward, back, update.

The data term's gradient (:func:`data_loss_gradient`), dropout noise drawn
per group of identical samples, and :class:`GradientStep`, which holds what
every step of a call reuses.
"""

import numpy as np
import scipy.sparse as sp

from ._evaluation import divergence_limit
from ._numerics import check_label_range, dropout_, softmax_cross_entropy_grad_


class DropoutNoise:
    """Draws dropout masks, one per group of identical samples in a batch.

    Sharing a mask between identical samples makes a sample of integer weight
    ``k`` train exactly like ``k`` copies of it. The draws are float32 for
    every data type, so that float32 and float64 fits drop the same units.
    """

    def __init__(self, rng, groups, keep_prob):
        self.rng = rng
        self.groups = groups
        self.keep_prob = keep_prob

    def for_batch(self, rows):
        """The noise of the minibatch made of ``rows``."""
        return BatchDropout(self.rng, self.groups[rows], self.keep_prob)


class BatchDropout:
    """Dropout masks for one minibatch, whose samples belong to ``groups``."""

    def __init__(self, rng, groups, keep_prob):
        self.rng = rng
        self.groups = groups
        self.keep_prob = keep_prob

    def drop_out(self, hidden, multipliers, kept):
        """Write ``hidden`` with units dropped and survivors scaled into ``kept``.

        ``multipliers`` receives what each unit was multiplied by: 0 when
        dropped, ``1 / keep_prob`` when kept (backprop needs it).
        """
        unique_groups, row_of_group = np.unique(self.groups, return_inverse=True)
        uniform = self.rng.random(
            (unique_groups.size, hidden.shape[1]), dtype=np.float32
        )
        dropout_(
            uniform, row_of_group.ravel(), self.keep_prob, hidden, multipliers, kept
        )
        return kept


def data_loss_gradient(
    model,
    param_views,
    grad_views,
    X,
    y,
    sample_weight,
    workspace,
    noise=None,
    labels_in_range=False,
):
    """Write the gradient of the data term into ``grad_views``; return its loss.

    The data term of a batch is ``sum_i w_i * nll_i / n_rows`` (``w_i = 1``
    when ``sample_weight`` is None), so that weights scale the step; the
    returned loss is the unscaled ``sum_i w_i * nll_i``. The L2 penalty's
    gradient is not included: the optimizer adds it in its own pass.
    ``param_views`` and ``grad_views`` are ``(weights, biases)`` pairs of
    views (:meth:`ParameterLayout.views`). ``labels_in_range``: the caller
    has checked that every label indexes a class.
    """
    weights, biases = param_views
    logits = model.forward(X, weights, biases, workspace, noise)
    loss = softmax_cross_entropy_grad_(
        logits, y, sample_weight, 1.0 / y.shape[0], labels_in_range
    )
    model.backward(X, weights, workspace, logits, *grad_views)
    return loss


class GradientStep:
    """One gradient step on a minibatch: augment, forward, back, update.

    Holds what every step of a call reuses: the model's workspace, views of
    the flat parameter and gradient vectors (updated in place, so the views
    hold all call) and the dropout noise. ``divergence_limit`` is fixed by the
    first batch's loss.
    """

    def __init__(self, settings, model, state, data, batch_size):
        self.alpha = settings.alpha
        self.augment = settings.augment
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
            dropout=settings.dropout > 0,
        )
        # Once per call, so that the loss need not check each batch's labels.
        check_label_range(data.y, state.layout.n_classes)
        # Dense rows are gathered into one buffer: a fresh array per batch
        # costs as much as the gather itself (page faults on every batch).
        self.rows_buffer = None
        if not sp.issparse(data.X):
            self.rows_buffer = np.empty((batch_size, data.X.shape[1]), data.X.dtype)
        self.noise = None
        if settings.dropout > 0:
            self.noise = DropoutNoise(
                state.rngs["noise"], data.groups, 1 - settings.dropout
            )
        self.divergence_limit = None

    def __call__(self, rows):
        """Train on ``rows``; return the batch's summed loss and weight."""
        state, data = self.state, self.data
        y = data.y[rows]
        weight = None if data.sample_weight is None else data.sample_weight[rows]
        X = self._gather(rows)
        if self.augment is not None:
            X = _augmented(self.augment, X, state.rngs["augment"])
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
            labels_in_range=True,
        )
        state.optimizer.step(
            state.params,
            state.grads,
            self.alpha,
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

    def _gather(self, rows):
        """The minibatch's rows of X (a view of the buffer: valid until the
        next step)."""
        X = self.data.X
        if self.rows_buffer is None or isinstance(rows, slice):
            return X[rows]
        # mode="clip": "raise" would gather into a temporary and copy it over;
        # the rows are a permutation's, in range by construction.
        out = self.rows_buffer[: rows.shape[0]]
        return np.take(X, rows, axis=0, out=out, mode="clip")


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
    _check_finite(augment, X, out)
    return out


def _check_finite(augment, X_before, X):
    """Non-finite pixels from finite ones are the transform's fault, not the step's."""
    if not np.all(np.isfinite(X)) and np.all(np.isfinite(X_before)):
        raise ValueError(
            f"augment={augment!r} turned finite pixels into NaN or infinity; check "
            "its parameters (e.g. fill, scale) or the callable's arithmetic."
        )

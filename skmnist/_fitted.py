"""The trained network as one object, and the state a later call continues from.

:class:`FittedNetwork` is the one home of a trained model: the architecture
it was trained as, where each weight and bias array sits in the flat
solution, the solution itself and the classes. The trainer produces it;
prediction, the public weight attributes (views into it), the gradient check,
the ONNX converter, pickling and the callbacks' view of an epoch all read it.

:class:`Continuation` is what a later ``partial_fit`` (or a warm start) needs
besides the network: optimizer state, iterate average, random streams,
counters, the loss curve so far. The trainer produces it and consumes it.

Both convert to and from plain dicts of arrays, numbers and strings (what
pickle and skops store) and check such a dict before trusting it: a tampered
file gives a ValueError naming what is wrong, never an out-of-bounds read.
"""

import dataclasses
from typing import Optional

import numpy as np

from ._models import model_from_spec
from ._settings import is_number

#: Rows scored at a time, to bound the memory of a full pass.
EVALUATION_CHUNK = 4096

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class ParameterLayout:
    """Where each weight and bias array sits in the flat parameter vector."""

    def __init__(self, weight_shapes, bias_shapes):
        self.shapes = [tuple(s) for s in (*weight_shapes, *bias_shapes)]
        # The last bias feeds the softmax: one entry per class.
        self.n_classes = self.shapes[-1][0]
        self.n_layers = len(weight_shapes)
        sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
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

    def blocks(self):
        """``(start, stop)`` of each array in the flat vector, in order."""
        return list(zip(self.offsets[:-1].tolist(), self.offsets[1:].tolist()))

    def penalty(self, flat, alpha):
        """The L2 penalty ``alpha / 2 * ||weights||^2`` (biases are not penalized)."""
        penalized = flat[: self.n_weights]
        return 0.5 * alpha * float(penalized @ penalized)

    def add_penalty_gradient(self, flat, grads, alpha):
        """``grads += alpha * weights``: the penalty's gradient (the optimizers
        fold the same term into their update pass)."""
        grads[: self.n_weights] += alpha * flat[: self.n_weights]


class FittedNetwork:
    """A trained network: architecture, parameter layout, flat solution, classes.

    Parameters
    ----------
    model : SoftmaxModel or OneHiddenLayerModel
        The architecture the weights were trained as.
    n_features : int
    classes : ndarray of shape (n_classes,)
    solution : ndarray of shape (n_params,)
        The flat parameters to predict with (float32 or float64); kept, not
        copied.
    """

    def __init__(self, model, n_features, classes, solution):
        self.model = model
        self.n_features = int(n_features)
        self.classes = classes
        self.layout = ParameterLayout(
            *model.layer_shapes(self.n_features, classes.size)
        )
        self.solution = solution

    @property
    def dtype(self):
        return self.solution.dtype

    def views(self):
        """``(weights, biases)``: views into the solution."""
        return self.layout.views(self.solution)

    def attributes(self):
        """The public fitted attributes of the weights, as views of the solution."""
        return self.model.fitted_attributes(*self.views())

    def block_names(self):
        """The public name of each array in the flat solution, in order."""
        return self.model.block_names

    def adopt(self, attributes):
        """This network, or a new one if public weight arrays were replaced.

        scikit-learn's users set weights by assigning the public attributes
        (``clf.coefs_ = [...]``), and MLPClassifier then predicts and warm
        starts with them. Arrays that are still this network's views change
        nothing; replaced ones are checked and packed into a new network.
        """
        weights, biases = self.model.weights_from(attributes)
        current_weights, current_biases = self.views()
        if all(
            a is b for a, b in zip(weights + biases, current_weights + current_biases)
        ):
            return self
        arrays = [*weights, *biases]
        shapes = [np.shape(a) for a in arrays]
        if shapes != self.layout.shapes:
            raise ValueError(
                f"The fitted weight arrays ({', '.join(self.block_names())}) have "
                f"shapes {shapes}, but the trained network needs {self.layout.shapes}. "
                "Assign arrays of the trained shapes, or refit."
            )
        flat = np.concatenate([np.ravel(a) for a in arrays]).astype(self.dtype)
        return FittedNetwork(self.model, self.n_features, self.classes, flat)

    def logits(self, X):
        """Logits of ``X`` in a new array, computed in bounded chunks."""
        dtype = np.result_type(X.dtype, self.dtype)
        logits = np.empty((X.shape[0], self.layout.n_classes), dtype=dtype)
        # Overflow is looked for below, row by row, rather than warned about.
        with np.errstate(over="ignore", invalid="ignore"):
            for rows, chunk in logits_in_chunks(self.model, X, *self.views(), dtype):
                logits[rows] = chunk
        if dtype != np.float64:
            self._widen_overflowed_rows(X, logits)
        return logits

    def _widen_overflowed_rows(self, X, logits):
        """Recompute in float64 the rows whose float32 logits overflowed.

        A finite float32 input near 3.4e38 overflows the float32 products to
        inf (and inf - inf to NaN). In float64 the same row is finite; it is
        stored shifted by its maximum (softmax and argmax do not change), so
        that the probabilities stay finite and the label right.
        """
        overflowed = np.flatnonzero(~np.all(np.isfinite(logits), axis=1))
        if not overflowed.size:
            return
        wide = FittedNetwork(
            self.model, self.n_features, self.classes, self.solution.astype(np.float64)
        )
        rows = wide.logits(X[overflowed].astype(np.float64))
        rows -= rows.max(axis=1, keepdims=True)
        with np.errstate(over="ignore"):
            logits[overflowed] = rows

    def changed_parameters(self, params):
        """Names of architecture parameters whose live value differs from the trained."""
        return [
            name
            for name, value in self.model.spec().items()
            if name in params and params[name] != value
        ]

    def to_dict(self):
        return {
            "model": self.model.spec(),
            "model_type": self.model.spec_type,
            "n_features": self.n_features,
            "classes": self.classes,
            "solution": self.solution,
        }

    @classmethod
    def from_dict(cls, state):
        """A network from :meth:`to_dict`'s output, checked before it is trusted."""
        _require_keys(
            state, ("model", "model_type", "n_features", "classes", "solution")
        )
        model = model_from_spec(state["model_type"], state["model"])
        n_features = state["n_features"]
        if not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(
                f"The saved model's n_features ({n_features!r}) is invalid."
            )
        classes = np.asarray(state["classes"])
        if classes.ndim != 1 or classes.size < 2:
            raise ValueError("The saved model's classes_ must be 1-D with >= 2 labels.")
        solution = state["solution"]
        network = cls(model, n_features, classes, solution)
        _check_vector(solution, network.layout.n_params, "weights", dtype=None)
        return network


@dataclasses.dataclass
class Continuation:
    """What a later ``partial_fit`` or warm start continues from.

    Attributes
    ----------
    iterate : ndarray or None
        The raw iterate; None where it equals the network's solution (no
        averaging yet), which the network already stores.
    optimizer : dict
        The optimizer's ``state_dict``.
    average : dict or None
        The iterate average's ``state_dict``, without its array (the average
        is the network's solution).
    rngs : dict
        The random streams' bit-generator states, by name.
    t, n_updates : int
        Training samples and updates seen over every call that trained it.
    loss_curve : list of float
        The training loss of every epoch so far.
    weight_scaling : tuple or None
        How ``fit`` scaled its sample weights (see
        :class:`skmnist._weights.WeightScaling`), for ``partial_fit`` calls
        that resume it, so that they train bit for bit as the fit would have.
    class_weights : ndarray or None
        The per-class weights ``fit`` used ("balanced" resolved), likewise.
    optimizer_settings : dict
        The :class:`~skmnist._settings.OptimizerSettings` the optimizer state
        belongs to: a ``partial_fit`` under other values is refused.
    """

    iterate: Optional[np.ndarray]
    optimizer: dict
    average: Optional[dict]
    rngs: dict
    t: int
    n_updates: int
    loss_curve: list
    weight_scaling: Optional[tuple] = None
    class_weights: Optional[np.ndarray] = None
    optimizer_settings: Optional[dict] = None

    def params(self, network):
        """The raw iterate to continue training from."""
        return network.solution if self.iterate is None else self.iterate

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, state, network):
        """A continuation from :meth:`to_dict`'s output, checked against ``network``."""
        names = [f.name for f in dataclasses.fields(cls)]
        _require_keys(state, names[:7])
        n_params, dtype = network.layout.n_params, network.dtype
        if state["iterate"] is not None:
            _check_vector(state["iterate"], n_params, "iterate", dtype)
        optimizer = state["optimizer"]
        if not isinstance(optimizer, dict):
            raise ValueError("The saved model's optimizer state is not a dict.")
        for name, value in optimizer.items():
            if isinstance(value, np.ndarray):
                _check_vector(value, n_params, f"optimizer {name}", dtype)
        _check_scalars(state, _COUNTER_RULES, "")
        _check_scalars(optimizer, _OPTIMIZER_RULES, "optimizer ")
        return cls(**{name: state[name] for name in names if name in state})


def logits_in_chunks(model, X, weights, biases, dtype):
    """Yield ``(rows, logits)`` over ``X``, at most ``EVALUATION_CHUNK`` rows at a time.

    One forward workspace serves every chunk, so memory stays bounded however
    many rows there are; each ``logits`` is overwritten by the next chunk.
    """
    n_rows = X.shape[0]
    workspace = model.allocate_workspace(min(n_rows, EVALUATION_CHUNK), weights, dtype)
    for start in range(0, n_rows, EVALUATION_CHUNK):
        rows = slice(start, start + EVALUATION_CHUNK)
        yield rows, model.forward(X[rows], weights, biases, workspace)


def _require_keys(state, keys):
    if not isinstance(state, dict):
        raise ValueError("The saved model's state is not a dict: the file is damaged.")
    missing = [key for key in keys if key not in state]
    if missing:
        raise ValueError(
            f"The saved model's state lacks {missing}: the file is damaged or was "
            "written by another version of skmnist. Refit and save it again."
        )


def _is_count(value):
    return (
        isinstance(value, (int, np.integer))
        and not isinstance(value, bool)
        and value >= 0
    )


# What each saved scalar must be. A decayed step may reach 0; the initial one
# may not. States saved before ``learning_rate_init`` joined the optimizer's
# lack it, which is allowed: the rules apply to the keys present.
_COUNTER_RULES = {"t": _is_count, "n_updates": _is_count}
_OPTIMIZER_RULES = {
    "n_steps": _is_count,
    "learning_rate": lambda v: is_number(v) and 0 <= v < np.inf,
    "learning_rate_init": lambda v: is_number(v) and 0 < v < np.inf,
}


def _check_scalars(values, rules, what):
    """Refuse a saved scalar of ``values`` that breaks its rule in ``rules``."""
    for name, valid in rules.items():
        if name in values and not valid(values[name]):
            raise ValueError(
                f"The saved model's {what}{name} ({values[name]!r}) is invalid: "
                "the file is damaged. Refit and save it again."
            )


def _check_vector(value, size, what, dtype):
    """A flat float array of ``size`` finite values (of ``dtype`` when given)."""
    if (
        not isinstance(value, np.ndarray)
        or value.ndim != 1
        or value.shape[0] != size
        or value.dtype not in _FLOAT_DTYPES
        or (dtype is not None and value.dtype != dtype)
    ):
        got = getattr(value, "shape", type(value).__name__)
        raise ValueError(
            f"The saved model's {what} must be a float32/float64 vector of "
            f"{size} values matching its architecture; got {got} "
            f"{getattr(value, 'dtype', '')}. The file is damaged or tampered with."
        )
    if not np.all(np.isfinite(value)):
        raise ValueError(
            f"The saved model's {what} hold NaN or infinity: the file is damaged "
            "or tampered with."
        )


def fitted_attributes(network, continuation, history):
    """Every fitted attribute of an estimator holding ``network``, by name.

    The one place that says what a fit publishes: the network and the
    continuation (private), the weights (views of the network) and the
    record of the last call.
    """
    return {
        "_network": network,
        "_continuation": continuation,
        "classes_": network.classes,
        **network.attributes(),
        "n_iter_": history.n_iter,
        "t_": history.t,
        "loss_curve_": list(history.loss_curve),
        "loss_": history.loss,
        "best_loss_": history.best_loss,
        "validation_scores_": history.validation_scores,
        "validation_loss_curve_": history.validation_loss_curve,
        "best_validation_score_": history.best_validation_score,
        "best_validation_loss_": history.best_validation_loss,
        "learning_rate_curve_": history.learning_rates,
    }

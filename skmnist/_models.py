"""The two networks as the trainer sees them: shapes, initialisation, forward, backward.

A model knows nothing of estimators, data sets or epochs. It says which weight
and bias arrays it has, how they start, how a batch goes forward to logits and
how the gradient of the logits comes back to its parameters. Everything else
(losses, optimizers, minibatches, stopping) belongs to the trainer.

A model is fixed when its weights are created: ``spec()`` records what it is,
so that a later ``partial_fit`` can tell whether the estimator's parameters
still describe the network it is about to continue. Its architecture
parameters are declared here, as the fields of its dataclass (see
:mod:`skmnist._settings`), and it names the public attributes its weights
are published as.
"""

import dataclasses
from numbers import Integral
from types import SimpleNamespace

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._numerics import (
    ACTIVATIONS,
    activation_backward_,
    bias_activation_,
    column_sums,
    matmul,
)
from ._settings import hyperparameter


@dataclasses.dataclass(frozen=True)
class SoftmaxModel:
    """One linear layer and a softmax: multinomial logistic regression.

    Its single weight matrix is stored as ``(n_classes, n_features)``, the
    layout of scikit-learn's linear models' ``coef_``.
    """

    spec_type = "softmax"
    block_names = ("coef_", "intercept_")

    def spec(self):
        """The architecture parameters, by name."""
        return dataclasses.asdict(self)

    @staticmethod
    def fitted_attributes(weights, biases):
        """The public fitted attributes that publish the weights (views)."""
        return {"coef_": weights[0], "intercept_": biases[0]}

    @staticmethod
    def weights_from(attributes):
        """``(weights, biases)`` as read back from the public attributes."""
        return [attributes["coef_"]], [attributes["intercept_"]]

    def layer_shapes(self, n_features, n_classes):
        """Return ``(weight_shapes, bias_shapes)``."""
        return [(n_classes, n_features)], [(n_classes,)]

    def initialize(self, weights, biases, rng):
        """Fill the parameter views in place (``rng`` is unused: zeros)."""
        # The loss is convex: zeros are as good a start as any, and reproducible.
        weights[0].fill(0)
        biases[0].fill(0)

    def auto_learning_rate(self, solver, mean_squared_norm, batch_size):
        """The step size ``learning_rate_init="auto"`` stands for.

        For "sgd", ``min(1, 30 / mean(||x||^2 + 1)) * sqrt(min(1, batch_size
        / 200))``: the curvature of the softmax loss grows with the squared
        norm of the samples (0.3 for MNIST pixels / 255; 1 for standardised
        data of a few features), and smaller batches give noisier gradients
        (a step of 1 on one sample at a time overshoots: its loss rises).
        """
        if solver == "adam":
            return 0.01
        return min(1.0, 30.0 / mean_squared_norm) * min(1.0, batch_size / 200) ** 0.5

    def allocate_workspace(self, n_rows, weights, dtype, training=False, dropout=False):
        """Buffers for a batch of up to ``n_rows`` rows."""
        return SimpleNamespace(
            logits=np.empty((n_rows, weights[0].shape[0]), dtype=dtype)
        )

    def forward(self, X, weights, biases, workspace, noise=None):
        """Return the logits of ``X`` (a view into ``workspace``)."""
        logits = workspace.logits[: X.shape[0]]
        matmul(X, weights[0].T, out=logits)
        logits += biases[0]
        return logits

    def backward(self, X, weights, workspace, dlogits, weight_grads, bias_grads):
        """Write the gradients of the parameters given that of the logits."""
        matmul(dlogits.T, X, out=weight_grads[0])
        column_sums(dlogits, bias_grads[0])


@dataclasses.dataclass(frozen=True)
class OneHiddenLayerModel:
    """A hidden layer of ``n_hidden`` units, then a softmax output.

    Weights are stored as MLPClassifier stores them: ``W1`` of shape
    ``(n_features, n_hidden)`` and ``W2`` of shape ``(n_hidden, n_classes)``.
    """

    n_hidden: int = hyperparameter(
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Units in the hidden layer.",
    )
    activation: str = hyperparameter(
        [StrOptions(set(ACTIVATIONS))],
        "{" + ", ".join(repr(name) for name in ACTIVATIONS) + "}",
        "Hidden-layer activation, named as in MLPClassifier; 'leaky_relu' is "
        "``max(z, 0.01 z)``.",
    )

    spec_type = "one_hidden_layer"
    block_names = ("coefs_[0]", "coefs_[1]", "intercepts_[0]", "intercepts_[1]")

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        object.__setattr__(self, "n_hidden", int(self.n_hidden))

    def spec(self):
        """The architecture parameters, by name."""
        return dataclasses.asdict(self)

    @staticmethod
    def fitted_attributes(weights, biases):
        """The public fitted attributes that publish the weights (views)."""
        return {
            "coefs_": list(weights),
            "intercepts_": list(biases),
            "n_layers_": 3,
            "n_outputs_": weights[1].shape[1],
            "out_activation_": "softmax",
        }

    @staticmethod
    def weights_from(attributes):
        """``(weights, biases)`` as read back from the public attributes."""
        return list(attributes["coefs_"]), list(attributes["intercepts_"])

    def layer_shapes(self, n_features, n_classes):
        """Return ``(weight_shapes, bias_shapes)``."""
        return (
            [(n_features, self.n_hidden), (self.n_hidden, n_classes)],
            [(self.n_hidden,), (n_classes,)],
        )

    def initialize(self, weights, biases, rng):
        """Fill the parameter views in place with scaled uniform draws.

        The draws are made in float64 and then cast, so that float32 and
        float64 fits with the same seed start from the same weights.
        """
        hidden, output = weights
        hidden[...] = _uniform(rng, hidden.shape, self.activation)
        output[...] = _uniform(rng, output.shape, "softmax")
        for bias in biases:
            bias.fill(0)

    def auto_learning_rate(self, solver, mean_squared_norm, batch_size):
        """The step size ``learning_rate_init="auto"`` stands for.

        For "sgd", ``min(0.05, 10 / mean(||x||^2 + 1)) * sqrt(min(1, batch_size
        / 200))``: smaller for large inputs, whose gradients are larger, and
        for small batches, whose gradients are noisier (0.05 for MNIST pixels
        / 255 in batches of 200; 0.0035 for standardised data one sample at a
        time).
        """
        if solver == "adam":
            return 1e-3
        return min(0.05, 10.0 / mean_squared_norm) * min(1.0, batch_size / 200) ** 0.5

    def allocate_workspace(self, n_rows, weights, dtype, training=False, dropout=False):
        """Buffers for a batch of up to ``n_rows`` rows.

        Prediction (``training=False``) needs only what the forward pass
        writes; ``dropout`` adds the buffers of the dropped-out layer.
        """
        n_hidden, n_classes = weights[1].shape

        def buffer(n_columns):
            return np.empty((n_rows, n_columns), dtype=dtype)

        return SimpleNamespace(
            hidden=buffer(n_hidden),
            dropped_out=False,
            kept=buffer(n_hidden) if dropout else None,
            keep_multipliers=buffer(n_hidden) if dropout else None,
            hidden_grad=buffer(n_hidden) if training else None,
            scratch=buffer(n_hidden) if training else None,
            logits=buffer(n_classes),
        )

    def forward(self, X, weights, biases, workspace, noise=None):
        """Return the logits of ``X`` (a view into ``workspace``).

        ``noise``, when given, drops hidden units out (training only).
        """
        n_rows = X.shape[0]
        hidden = workspace.hidden[:n_rows]
        matmul(X, weights[0], out=hidden)
        bias_activation_(self.activation, hidden, biases[0])
        workspace.dropped_out = noise is not None
        if workspace.dropped_out:
            hidden = noise.drop_out(
                hidden, workspace.keep_multipliers[:n_rows], workspace.kept[:n_rows]
            )
        logits = workspace.logits[:n_rows]
        matmul(hidden, weights[1], out=logits)
        logits += biases[1]
        return logits

    def backward(self, X, weights, workspace, dlogits, weight_grads, bias_grads):
        """Write the gradients of the parameters given that of the logits."""
        n_rows = X.shape[0]
        hidden = workspace.hidden[:n_rows]
        output_input = workspace.kept[:n_rows] if workspace.dropped_out else hidden
        matmul(output_input.T, dlogits, out=weight_grads[1])
        column_sums(dlogits, bias_grads[1])

        hidden_grad = workspace.hidden_grad[:n_rows]
        matmul(dlogits, weights[1].T, out=hidden_grad)
        multipliers = (
            workspace.keep_multipliers[:n_rows] if workspace.dropped_out else None
        )
        activation_backward_(
            self.activation,
            hidden,
            hidden_grad,
            workspace.scratch[:n_rows],
            multipliers,
            bias_grads[0],
        )
        matmul(X.T, hidden_grad, out=weight_grads[0])


MODEL_TYPES = {model.spec_type: model for model in (SoftmaxModel, OneHiddenLayerModel)}


def model_from_spec(spec_type, spec):
    """Rebuild the model ``spec`` describes, refusing what no model accepts."""
    model_class = MODEL_TYPES.get(spec_type)
    if model_class is None or not isinstance(spec, dict):
        raise ValueError(f"The saved model's architecture {spec_type!r} is unknown.")
    try:
        model = model_class(**spec)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The saved model's architecture {spec!r} is invalid: {exc}"
        ) from exc
    if getattr(model, "n_hidden", 1) < 1:
        raise ValueError(f"The saved model's architecture {spec!r} is invalid.")
    return model


def _init_bound(activation, fan_in, fan_out):
    """Half-width of the uniform initialization suited to ``activation``.

    The activation's table entry says which: He et al. (2015) or Glorot &
    Bengio (2010) with a gain; the softmax output layer gets Glorot's.
    """
    rule, gain = ACTIVATIONS.get(activation, (None, None, ("glorot", 1.0)))[2]
    if rule == "he":
        return np.sqrt(6.0 / fan_in)
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return gain * bound


def _uniform(rng, shape, activation):
    """Initial weights of a layer of ``shape`` feeding ``activation``, in float64."""
    bound = _init_bound(activation, *shape)
    return rng.uniform(-bound, bound, size=shape)

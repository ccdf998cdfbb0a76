"""Compiled twins of the training step's element-wise passes.

Imported only through :mod:`skmnist._compiled`, and only when numba is
installed. Each kernel does in one pass what its NumPy reference in
``_numerics`` or ``_optimizers`` does in several, with the same arithmetic
in the arrays' dtype, so that the two paths agree to rounding (the tests
check this). The one deliberate difference: the summed loss is accumulated
in float64.

Scalars arrive already cast to the arrays' dtype, and constants are built
from them (``zero = one - one``): an integer or float64 literal in a float32
loop would make numba compute the whole loop in float64.

No kernel is ``parallel``: a second thread pool next to OpenBLAS's makes
both wait on each other.
"""

import numpy as np
from numba import njit

_jit = njit(cache=True, nogil=True, error_model="numpy")

# Which activation ``_backward`` differentiates (numba specializes on it).
_IDENTITY, _RELU, _LOGISTIC, _TANH, _LEAKY_RELU = range(5)


@_jit
def adam_update(
    params, grads, first, second, step, beta_1, beta_2, epsilon, alpha, n_penalized, one
):
    """One Adam step, with ``alpha * params`` added to the first ``n_penalized``
    gradients (the L2 penalty) on the way."""
    if alpha == 0:  # as the NumPy path: no penalty term at all
        n_penalized = 0
    # Two loops without a test per element, so that each vectorizes (the
    # same arithmetic per element; on 636,010 parameters 1.1x faster in
    # float32, 1.45x in float64, measured on 2 cores).
    constants = (step, beta_1, beta_2, epsilon, alpha, one)
    _adam_range(params, grads, first, second, constants, 0, n_penalized, True)
    _adam_range(
        params, grads, first, second, constants, n_penalized, params.shape[0], False
    )


@_jit
def _adam_range(params, grads, first, second, constants, start, stop, penalized):
    step, beta_1, beta_2, epsilon, alpha, one = constants
    keep_1, keep_2 = one - beta_1, one - beta_2
    for i in range(start, stop):
        g = grads[i]
        if penalized:
            g += alpha * params[i]
        m = beta_1 * first[i] + keep_1 * g
        v = beta_2 * second[i] + keep_2 * (g * g)
        first[i] = m
        second[i] = v
        params[i] -= step * (m / (np.sqrt(v) + epsilon))


@_jit
def sgd_update(params, grads, velocity, rate, momentum, nesterov, alpha, n_penalized):
    """One SGD step with (Nesterov's) momentum, the L2 penalty added to the
    first ``n_penalized`` gradients on the way; ``momentum == 0`` leaves
    ``velocity`` alone."""
    if alpha == 0:  # as the NumPy path: no penalty term at all
        n_penalized = 0
    for i in range(params.shape[0]):
        g = grads[i]
        if i < n_penalized:
            g += alpha * params[i]
        scaled = g * rate
        if momentum == 0:
            params[i] -= scaled
            continue
        v = velocity[i] * momentum - scaled
        velocity[i] = v
        if nesterov:
            params[i] = (params[i] - scaled) + v * momentum
        else:
            params[i] += v


@_jit
def add_scaled(y, x, a):
    """``y += a * x``."""
    for i in range(y.shape[0]):
        y[i] += a * x[i]


@_jit
def move_towards(average, params, weight):
    """``average += weight * (params - average)``: a running mean's update."""
    for i in range(average.shape[0]):
        average[i] += (params[i] - average[i]) * weight


@_jit
def column_sums(a, out):
    """``out = a.sum(axis=0)``, adding the rows in order as NumPy does."""
    out[:] = 0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]


@_jit
def bias_relu(z, bias, one, slope):
    """``z = max(z + bias, 0)``; NaN stays NaN, as with ``np.maximum``."""
    zero = one - one
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            value = z[i, j] + bias[j]
            z[i, j] = zero if value < zero else value


@_jit
def bias_leaky_relu(z, bias, one, slope):
    """``z = max(z + bias, slope * (z + bias))`` (``slope`` < 1)."""
    zero = one - one
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            value = z[i, j] + bias[j]
            z[i, j] = value * slope if value < zero else value


@_jit
def bias_logistic(z, bias, one, slope):
    """``z = 1 / (1 + exp(-(z + bias)))``, never overflowing."""
    zero = one - one
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            value = z[i, j] + bias[j]
            # exp of a non-positive number only.
            if value >= zero:
                z[i, j] = one / (one + np.exp(-value))
            else:
                e = np.exp(value)
                z[i, j] = e / (one + e)


@_jit
def bias_tanh(z, bias, one, slope):
    """``z = tanh(z + bias)``."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = np.tanh(z[i, j] + bias[j])


@_jit
def bias_identity(z, bias, one, slope):
    """``z += bias``."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] += bias[j]


@_jit
def identity_backward(h, grad, multipliers, bias_grad, one, slope):
    _backward(h, grad, multipliers, bias_grad, one, slope, _IDENTITY)


@_jit
def relu_backward(h, grad, multipliers, bias_grad, one, slope):
    _backward(h, grad, multipliers, bias_grad, one, slope, _RELU)


@_jit
def logistic_backward(h, grad, multipliers, bias_grad, one, slope):
    _backward(h, grad, multipliers, bias_grad, one, slope, _LOGISTIC)


@_jit
def tanh_backward(h, grad, multipliers, bias_grad, one, slope):
    _backward(h, grad, multipliers, bias_grad, one, slope, _TANH)


@_jit
def leaky_relu_backward(h, grad, multipliers, bias_grad, one, slope):
    _backward(h, grad, multipliers, bias_grad, one, slope, _LEAKY_RELU)


@njit(inline="always")
def _backward(h, grad, multipliers, bias_grad, one, slope, activation):
    """``grad *= multipliers * slope(h)``, then ``bias_grad`` = its column sums.

    ``multipliers`` (dropout's factors) may be None; the slope is read off
    the activation's output ``h``.
    """
    zero = one - one
    bias_grad[:] = zero
    for i in range(h.shape[0]):
        for j in range(h.shape[1]):
            g = grad[i, j]
            if multipliers is not None:
                g *= multipliers[i, j]
            if activation == _RELU:
                g *= one if h[i, j] > zero else zero
            elif activation == _LEAKY_RELU:
                g *= one if h[i, j] > zero else slope
            elif activation == _LOGISTIC:
                g *= h[i, j] * (one - h[i, j])
            elif activation == _TANH:
                g *= one - h[i, j] * h[i, j]
            grad[i, j] = g
            bias_grad[j] += g


@_jit
def dropout(uniform, row_of, keep_prob, scale, hidden, multipliers, kept):
    """Keep a unit where its draw is below ``keep_prob``, scaled by ``scale``."""
    zero = scale - scale
    for i in range(hidden.shape[0]):
        draws = uniform[row_of[i]]
        for j in range(hidden.shape[1]):
            factor = scale if draws[j] < keep_prob else zero
            multipliers[i, j] = factor
            kept[i, j] = hidden[i, j] * factor


@_jit
def softmax_cross_entropy(logits, y, sample_weight, scale):
    """Overwrite ``logits`` with ``scale`` times the gradient; return the summed NLL.

    Each row is shifted by its maximum first (log-sum-exp). ``sample_weight``
    may be None (numba compiles that case on its own).
    """
    zero = scale - scale
    total = 0.0
    for i in range(logits.shape[0]):
        row = logits[i]
        top = row[0]
        for k in range(1, row.shape[0]):
            if row[k] > top:
                top = row[k]
        label_logit = row[y[i]] - top
        normalizer = zero
        for k in range(row.shape[0]):
            e = np.exp(row[k] - top)
            row[k] = e
            normalizer += e
        nll = np.log(normalizer) - label_logit
        weight = scale if sample_weight is None else scale * sample_weight[i]
        total += nll if sample_weight is None else nll * sample_weight[i]
        factor = weight / normalizer
        for k in range(row.shape[0]):
            row[k] *= factor
        row[y[i]] -= weight
    return total


#: activation name -> (bias + activation in place, backward in place)
ACTIVATIONS = {
    "relu": (bias_relu, relu_backward),
    "leaky_relu": (bias_leaky_relu, leaky_relu_backward),
    "logistic": (bias_logistic, logistic_backward),
    "tanh": (bias_tanh, tanh_backward),
    "identity": (bias_identity, identity_backward),
}

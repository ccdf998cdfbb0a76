"""Update rules and learning-rate schedules for the training engine.

All parameters of a model live in one flat array, so an optimizer step is a
handful of in-place vector operations whatever the model: no per-layer Python
loop and no temporaries allocated per step.
"""

import numpy as np

from ._numerics import axpy

#: "adaptive" divides the step by this factor on a plateau ...
ADAPTIVE_DIVISOR = 5.0
#: ... and gives up once the step falls below this.
ADAPTIVE_MIN_LEARNING_RATE = 1e-6


class _Optimizer:
    """Common learning-rate bookkeeping.

    Parameters
    ----------
    n_params : int
        Size of the flat parameter vector.
    dtype : dtype
        Its floating dtype.
    learning_rate_init : float
        Initial step size.
    schedule : {"constant", "invscaling", "adaptive"}
        How the step size evolves.
    power_t : float
        Exponent of the "invscaling" schedule.
    """

    def __init__(self, n_params, dtype, learning_rate_init, schedule, power_t):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.schedule = schedule
        self.power_t = power_t
        self.n_steps = 0
        self._scratch = np.zeros(n_params, dtype=dtype)
        self._scaled = np.empty(n_params, dtype=dtype)

    def step(self, params, grads):
        """Move ``params`` (flat, in place) against ``grads`` of one batch."""
        self.n_steps += 1
        if self.schedule == "invscaling":
            # Counted in updates, not samples, so that weighting a sample
            # and repeating it give the same schedule.
            self.learning_rate = self.learning_rate_init / self.n_steps**self.power_t
        self._update(params, grads)

    def reduce_on_plateau(self):
        """Shrink the "adaptive" step; return False once it is too small to go on."""
        if self.schedule != "adaptive":
            return False
        if self.learning_rate <= ADAPTIVE_MIN_LEARNING_RATE:
            return False
        self.learning_rate /= ADAPTIVE_DIVISOR
        return True


class SGDOptimizer(_Optimizer):
    """Stochastic gradient descent with (Nesterov's) momentum."""

    def __init__(self, n_params, dtype, learning_rate_init, schedule, power_t,
                 momentum, nesterov):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.momentum = momentum
        self.nesterov = nesterov and momentum > 0
        self.velocity = self._scratch  # zeros, reused as the velocity

    def _update(self, params, grads):
        lr, scaled = self.learning_rate, self._scaled
        if self.momentum == 0:
            axpy(grads, params, -lr, scaled)
            return
        self.velocity *= self.momentum
        axpy(grads, self.velocity, -lr, scaled)
        if self.nesterov:
            # params += momentum * v_new - lr * grad (Sutskever et al., 2013);
            # ``scaled`` still holds -lr * grad.
            params += scaled
            axpy(self.velocity, params, self.momentum, scaled)
        else:
            params += self.velocity


class AdamOptimizer(_Optimizer):
    """Adam (Kingma & Ba, 2014) with bias-corrected step size."""

    def __init__(self, n_params, dtype, learning_rate_init, schedule, power_t,
                 beta_1, beta_2, epsilon):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype)

    def _update(self, params, grads):
        t = self.n_steps
        step_size = (
            self.learning_rate
            * np.sqrt(1 - self.beta_2**t)
            / (1 - self.beta_1**t)
        )
        m, v = self.first_moment, self.second_moment
        scratch, scaled = self._scratch, self._scaled
        m *= self.beta_1
        axpy(grads, m, 1 - self.beta_1, scaled)
        np.multiply(grads, grads, out=scratch)
        v *= self.beta_2
        axpy(scratch, v, 1 - self.beta_2, scaled)
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        axpy(scratch, params, -step_size, scaled)


class IterateAverage:
    """Running mean of the parameter iterates (Polyak-Ruppert averaging).

    Parameters
    ----------
    params : ndarray
        Flat parameters; the average starts from a copy of them.
    start_after : int
        Number of training samples to see before averaging begins.
    """

    def __init__(self, params, start_after):
        self.average = params.copy()
        self.start_after = start_after
        self.n_averaged = 0
        self._scratch = np.empty_like(params)

    def update(self, params, n_samples_seen):
        if n_samples_seen <= self.start_after:
            np.copyto(self.average, params)
            return
        self.n_averaged += 1
        np.subtract(params, self.average, out=self._scratch)
        self._scratch *= 1.0 / self.n_averaged
        self.average += self._scratch

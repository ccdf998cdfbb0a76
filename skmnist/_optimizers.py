"""Update rules and learning-rate schedules for the training engine.

All parameters of a model live in one flat array, so an optimizer step is a
handful of in-place vector operations whatever the model: no per-layer Python
loop and no temporaries allocated per step.
"""

import numpy as np

from ._compiled import compiled_kernels
from ._numerics import axpy
from ._parallel import in_slices

#: "adaptive" divides the step by this factor on a plateau ...
ADAPTIVE_DIVISOR = 5.0
#: ... and gives up once the step falls below this.
ADAPTIVE_MIN_LEARNING_RATE = 1e-6
#: Fewer parameters than this per thread, and the compiled Adam update stays
#: on one thread (a 784-100-10 network's 79,510 do; 784-800-10's 636,010
#: are split): below it, handing a slice over costs what it saves.
PARAMETERS_PER_THREAD = 100_000


class _Optimizer:
    """Common learning-rate bookkeeping.

    Parameters
    ----------
    n_params : int
        Size of the flat parameter vector.
    dtype : dtype
        Its floating dtype. Every scalar of an update is cast to it: a
        float64 scalar would run a float32 update through float64 loops.
    learning_rate_init : float
        Initial step size.
    schedule : {"constant", "invscaling", "adaptive"}
        How the step size evolves.
    power_t : float
        Exponent of the "invscaling" schedule.
    """

    #: Arrays of the optimizer's state, besides the scalars of ``_SCALARS``.
    _ARRAYS = ()
    #: ``learning_rate_init`` is state too: "auto" derives it from the data
    #: of the call that started training, and later calls keep it.
    _SCALARS = ("n_steps", "learning_rate", "learning_rate_init")

    def __init__(self, n_params, dtype, learning_rate_init, schedule, power_t):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.schedule = schedule
        self.power_t = power_t
        self.n_steps = 0
        self._scalar = np.dtype(dtype).type
        self._scratch = np.empty(n_params, dtype=dtype)

    def state_dict(self, copy=True):
        """The state a later call continues from: plain scalars and arrays.

        ``copy=False`` hands over the arrays themselves, for an optimizer
        that will not step again.
        """
        state = {name: getattr(self, name) for name in self._SCALARS}
        for name in self._ARRAYS:
            array = getattr(self, name)
            state[name] = array.copy() if copy else array
        return state

    def load_state_dict(self, state):
        """Continue from what :meth:`state_dict` returned (copied in place).

        A state saved before ``learning_rate_init`` was part of it keeps the
        value this optimizer was made with.
        """
        for name in self._SCALARS:
            if name in state:
                setattr(self, name, state[name])
        for name in self._ARRAYS:
            np.copyto(getattr(self, name), state[name])

    def step(self, params, grads, alpha=0.0, n_penalized=0, n_updates_before=None):
        """Move ``params`` (flat, in place) against the gradient of one batch.

        ``grads`` holds the data term's gradient (it may be overwritten); the
        L2 penalty's, ``alpha * params[:n_penalized]``, is added here, where a
        compiled update can fold it into its own pass.

        ``n_updates_before`` counts the updates these parameters received
        before this one, over every call that trained them (default: this
        optimizer's own): the "invscaling" schedule decays with it, so a
        warm start continues the decay instead of restarting it. It counts
        updates, not samples, so that weighting a sample by ``k`` and
        repeating it ``k`` times give the same schedule.
        """
        if n_updates_before is None:
            n_updates_before = self.n_steps
        self.n_steps += 1
        if self.schedule == "invscaling":
            # NumPy's power saturates to inf (a zero step) where Python's raises.
            with np.errstate(over="ignore"):
                decay = np.power(n_updates_before + 1.0, self.power_t)
            self.learning_rate = float(self.learning_rate_init / decay)
        self._update(params, grads, alpha, n_penalized, compiled_kernels())

    def _add_penalty(self, params, grads, alpha, n_penalized):
        if alpha:
            axpy(
                params[:n_penalized],
                grads[:n_penalized],
                alpha,
                self._scratch[:n_penalized],
            )

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

    _ARRAYS = ("velocity",)

    def __init__(
        self, n_params, dtype, learning_rate_init, schedule, power_t, momentum, nesterov
    ):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.momentum = momentum
        self.nesterov = nesterov and momentum > 0
        self.velocity = np.zeros(n_params, dtype=dtype)

    def _update(self, params, grads, alpha, n_penalized, kernels):
        if kernels is not None:
            kernels.sgd_update(
                params,
                grads,
                self.velocity,
                self._scalar(self.learning_rate),
                self._scalar(self.momentum),
                self.nesterov,
                self._scalar(alpha),
                n_penalized,
            )
            return
        self._add_penalty(params, grads, alpha, n_penalized)
        scaled_step = np.multiply(
            grads, self._scalar(self.learning_rate), out=self._scratch
        )
        if self.momentum == 0:
            params -= scaled_step
            return
        momentum = self._scalar(self.momentum)
        self.velocity *= momentum
        self.velocity -= scaled_step
        if self.nesterov:
            # params += momentum * v_new - lr * grad (Sutskever et al., 2013)
            params -= scaled_step
            params += np.multiply(self.velocity, momentum, out=self._scratch)
        else:
            params += self.velocity


class AdamOptimizer(_Optimizer):
    """Adam (Kingma & Ba, 2014) with bias-corrected step size."""

    _ARRAYS = ("first_moment", "second_moment")

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        schedule,
        power_t,
        beta_1,
        beta_2,
        epsilon,
    ):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.first_moment = np.zeros(n_params, dtype=dtype)
        self.second_moment = np.zeros(n_params, dtype=dtype)

    def _update(self, params, grads, alpha, n_penalized, kernels):
        t = self.n_steps
        as_dtype = self._scalar
        step_size = as_dtype(
            self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        )
        m, v, scratch = self.first_moment, self.second_moment, self._scratch
        if kernels is not None:
            constants = (
                step_size,
                as_dtype(self.beta_1),
                as_dtype(self.beta_2),
                as_dtype(self.epsilon),
                as_dtype(alpha),
            )

            def update_slice(start, stop):
                penalized = min(max(n_penalized - start, 0), stop - start)
                kernels.adam_update(
                    params[start:stop],
                    grads[start:stop],
                    m[start:stop],
                    v[start:stop],
                    *constants,
                    penalized,
                    as_dtype(1),
                )

            in_slices(update_slice, params.shape[0], PARAMETERS_PER_THREAD)
            return
        self._add_penalty(params, grads, alpha, n_penalized)
        # The compiled kernel's arithmetic, pass by pass, so that the two paths
        # agree even where g * g overflows (m - g * ... would give inf - inf).
        one = as_dtype(1)
        m *= as_dtype(self.beta_1)
        np.multiply(grads, one - as_dtype(self.beta_1), out=scratch)
        m += scratch
        np.multiply(grads, grads, out=scratch)
        scratch *= one - as_dtype(self.beta_2)
        v *= as_dtype(self.beta_2)
        v += scratch
        np.sqrt(v, out=scratch)
        scratch += as_dtype(self.epsilon)
        np.divide(m, scratch, out=scratch)
        scratch *= step_size
        params -= scratch


class IterateAverage:
    """Running mean of the parameter iterates (Polyak-Ruppert averaging).

    Parameters
    ----------
    params : ndarray
        Flat parameters (for the shape and dtype of the average).
    start_after : int
        Number of training samples to see before averaging begins; until
        then the solution is the current iterate itself. Counted from the
        averaging's own start (the ``fit`` call, or the first ``partial_fit``),
        not over the model's whole history.
    """

    def __init__(self, params, start_after):
        self.average = params.copy()
        self.start_after = start_after
        self.n_seen = 0
        self.n_averaged = 0
        self._scratch = np.empty_like(params)

    def state_dict(self, copy=True):
        """Plain scalars and the average (a copy unless ``copy=False``)."""
        return {
            "average": self.average.copy() if copy else self.average,
            "start_after": self.start_after,
            "n_seen": self.n_seen,
            "n_averaged": self.n_averaged,
        }

    def load_state_dict(self, state, solution=None):
        """Continue from a :meth:`state_dict`; ``solution`` stands in for a
        missing average (the estimator keeps it as its fitted weights)."""
        average = state["average"]
        np.copyto(self.average, solution if average is None else average)
        self.start_after = state["start_after"]
        self.n_seen = state["n_seen"]
        self.n_averaged = state["n_averaged"]

    @property
    def begun(self):
        """Whether any iterate has been averaged yet."""
        return self.n_averaged > 0

    def solution(self, params):
        """The average once averaging has begun, else the iterate ``params``."""
        return self.average if self.begun else params

    def update(self, params, n_rows):
        """Take in the iterate reached after a batch of ``n_rows`` samples."""
        self.n_seen += n_rows
        if self.n_seen <= self.start_after:
            return
        if not self.n_averaged:
            np.copyto(self.average, params)
            self.n_averaged = 1
            return
        self.n_averaged += 1
        weight = self.average.dtype.type(1.0 / self.n_averaged)
        kernels = compiled_kernels()
        if kernels is not None:
            kernels.move_towards(self.average, params, weight)
            return
        difference = np.subtract(params, self.average, out=self._scratch)
        difference *= weight
        self.average += difference


def make_optimizer(settings, n_params, dtype, learning_rate_init):
    """The optimizer ``settings`` name, for ``n_params`` parameters of ``dtype``.

    Parameters
    ----------
    settings : OptimizerSettings
        Solver, schedule and the solver's own parameters.
    n_params : int
    dtype : dtype
    learning_rate_init : float
        The initial step, "auto" already resolved.
    """
    common = (
        n_params,
        dtype,
        learning_rate_init,
        settings.learning_rate,
        settings.power_t,
    )
    if settings.solver == "adam":
        return AdamOptimizer(
            *common, settings.beta_1, settings.beta_2, settings.epsilon
        )
    return SGDOptimizer(*common, settings.momentum, settings.nesterovs_momentum)

"""Tests of the update rules and schedules in ``skmnist._optimizers``."""

import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmnist._compiled import compiled_kernels, numpy_kernels
from skmnist._optimizers import (
    ADAPTIVE_DIVISOR,
    ADAPTIVE_MIN_LEARNING_RATE,
    AdamOptimizer,
    IterateAverage,
    SGDOptimizer,
    make_optimizer,
)
from skmnist._settings import OptimizerSettings


def _sgd(
    n,
    lr=0.1,
    momentum=0.0,
    nesterov=False,
    schedule="constant",
    power_t=0.5,
    dtype=np.float64,
):
    return SGDOptimizer(n, dtype, lr, schedule, power_t, momentum, nesterov)


def _adam(
    n,
    lr=0.01,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    schedule="constant",
    dtype=np.float64,
):
    return AdamOptimizer(n, dtype, lr, schedule, 0.5, beta_1, beta_2, epsilon)


# --------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------


def test_sgd_step_without_momentum(rng):
    """Plain SGD: params <- params - lr * grad."""
    params = rng.normal(size=20)
    grads = rng.normal(size=20)
    expected = params - 0.1 * grads
    _sgd(20, lr=0.1).step(params, grads)
    assert_allclose(params, expected, rtol=1e-14)


def test_sgd_momentum_two_steps():
    """Classical momentum: v <- m v - lr g; params <- params + v, over two steps."""
    lr, m = 0.5, 0.9
    params = np.array([1.0, -2.0, 3.0])
    g1 = np.array([0.2, -0.4, 1.0])
    g2 = np.array([-1.0, 0.5, 0.0])
    opt = _sgd(3, lr=lr, momentum=m)
    opt.step(params, g1)
    # v1 = -lr g1 = [-0.1, 0.2, -0.5]
    assert_allclose(params, [0.9, -1.8, 2.5], rtol=1e-14)
    opt.step(params, g2)
    # v2 = 0.9 v1 - 0.5 g2 = [-0.09 + 0.5, 0.18 - 0.25, -0.45 - 0]
    #    = [0.41, -0.07, -0.45]
    assert_allclose(opt.velocity, [0.41, -0.07, -0.45], rtol=1e-14)
    assert_allclose(params, [1.31, -1.87, 2.05], rtol=1e-14)


def test_sgd_nesterov_two_steps():
    """Nesterov: v' = m v - lr g; params <- params + m v' - lr g, over two steps."""
    lr, m = 0.5, 0.9
    params = np.array([1.0, -2.0, 3.0])
    g1 = np.array([0.2, -0.4, 1.0])
    g2 = np.array([-1.0, 0.5, 0.0])
    opt = _sgd(3, lr=lr, momentum=m, nesterov=True)
    opt.step(params, g1)
    # v1 = [-0.1, 0.2, -0.5]; params += 0.9 v1 - 0.5 g1 = [-0.19, 0.38, -0.95]
    assert_allclose(params, [0.81, -1.62, 2.05], rtol=1e-14)
    opt.step(params, g2)
    # v2 = [0.41, -0.07, -0.45]; params += 0.9 v2 - 0.5 g2 = [0.869, -0.313, -0.405]
    assert_allclose(opt.velocity, [0.41, -0.07, -0.45], rtol=1e-14)
    assert_allclose(params, [1.679, -1.933, 1.645], rtol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_reference_loop(rng, nesterov):
    """Ten random momentum steps agree with a straightforward reference loop."""
    lr, m, n = 0.05, 0.8, 15
    params = rng.normal(size=n)
    ref = params.copy()
    velocity = np.zeros(n)
    opt = _sgd(n, lr=lr, momentum=m, nesterov=nesterov)
    for _ in range(10):
        g = rng.normal(size=n)
        opt.step(params, g)
        velocity = m * velocity - lr * g
        ref = ref + (m * velocity - lr * g if nesterov else velocity)
    assert_allclose(params, ref, rtol=1e-12, atol=1e-14)


def test_nesterov_without_momentum_is_plain_sgd(rng):
    """nesterov=True with momentum=0 is plain SGD."""
    params = rng.normal(size=8)
    grads = rng.normal(size=8)
    expected = params - 0.3 * grads
    opt = _sgd(8, lr=0.3, momentum=0.0, nesterov=True)
    opt.step(params, grads)
    assert not opt.nesterov
    assert_allclose(params, expected, rtol=1e-14)


# --------------------------------------------------------------------------
# Adam
# --------------------------------------------------------------------------


class _ReferenceAdam:
    """Kingma & Ba (2014), Algorithm 1 with the reordering of their section 2.

    The bias corrections are folded into the step size,
    ``alpha_t = alpha sqrt(1 - beta2^t) / (1 - beta1^t)``, and epsilon is added
    to ``sqrt(v_t)`` (the paper's "epsilon hat").
    """

    def __init__(self, n, alpha, beta_1, beta_2, epsilon):
        self.alpha, self.epsilon = alpha, epsilon
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.m = np.zeros(n)
        self.v = np.zeros(n)
        self.t = 0

    def step(self, theta, g):
        self.t += 1
        self.m = self.beta_1 * self.m + (1 - self.beta_1) * g
        self.v = self.beta_2 * self.v + (1 - self.beta_2) * g**2
        t = self.t
        alpha_t = self.alpha * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        return theta - alpha_t * self.m / (np.sqrt(self.v) + self.epsilon)


@pytest.mark.parametrize("epsilon", [1e-8, 1e-2])
def test_adam_matches_reference_over_several_steps(rng, epsilon):
    """Several Adam steps with random gradients match the hand-written reference."""
    n = 30
    params = rng.normal(size=n)
    theta = params.copy()
    opt = _adam(n, lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=epsilon)
    ref = _ReferenceAdam(n, 0.01, 0.9, 0.999, epsilon)
    for _ in range(12):
        g = rng.normal(scale=rng.uniform(0.01, 10), size=n)
        opt.step(params, g)
        theta = ref.step(theta, g)
        assert_allclose(params, theta, rtol=1e-12, atol=1e-14)
    assert_allclose(opt.first_moment, ref.m, rtol=1e-12)
    assert_allclose(opt.second_moment, ref.v, rtol=1e-12)


def test_adam_without_epsilon_is_textbook_bias_corrected_update(rng):
    """With epsilon=0 the step is exactly lr * m_hat / sqrt(v_hat)."""
    n, lr, b1, b2 = 10, 0.002, 0.8, 0.99
    params = rng.normal(size=n)
    theta = params.copy()
    m = np.zeros(n)
    v = np.zeros(n)
    opt = _adam(n, lr=lr, beta_1=b1, beta_2=b2, epsilon=0.0)
    for t in range(1, 6):
        g = rng.normal(size=n)
        opt.step(params, g)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / np.sqrt(v_hat)
        assert_allclose(params, theta, rtol=1e-12)


def test_adam_first_step_moves_each_coordinate_by_lr(rng):
    """At t=1 (tiny epsilon) each coordinate moves by lr against its gradient's sign."""
    params = rng.normal(size=12)
    start = params.copy()
    grads = rng.normal(size=12)
    _adam(12, lr=0.01, epsilon=1e-12).step(params, grads)
    assert_allclose(start - params, 0.01 * np.sign(grads), rtol=1e-8)


# --------------------------------------------------------------------------
# In place, dtype
# --------------------------------------------------------------------------


def _optimizers(n, dtype, schedule="constant"):
    return {
        "sgd": _sgd(n, lr=0.1, dtype=dtype, schedule=schedule),
        "momentum": _sgd(n, lr=0.1, momentum=0.9, dtype=dtype, schedule=schedule),
        "nesterov": _sgd(
            n, lr=0.1, momentum=0.9, nesterov=True, dtype=dtype, schedule=schedule
        ),
        "adam": _adam(n, lr=0.01, dtype=dtype, schedule=schedule),
    }


@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_updates_params_in_place_and_keeps_dtype(rng, kind, dtype):
    """step() modifies the given array (even a view into a buffer) and keeps dtype."""
    n = 16
    buffer = rng.normal(size=n + 4).astype(dtype)
    params = buffer[2 : 2 + n]  # like a view into the flat parameter vector
    before = buffer.copy()
    grads = rng.normal(size=n).astype(dtype)
    grads_before = grads.copy()
    opt = _optimizers(n, dtype)[kind]
    for _ in range(3):
        result = opt.step(params, grads)
    assert result is None or result is params
    assert params.dtype == dtype and buffer.dtype == dtype
    assert np.all(params != before[2 : 2 + n])  # every coordinate moved ...
    assert_array_equal(buffer[:2], before[:2])  # ... and nothing outside the view
    assert_array_equal(buffer[2 + n :], before[2 + n :])
    assert_array_equal(grads, grads_before)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
def test_float32_step_agrees_with_float64(rng, kind):
    """float32 updates track float64 ones to float32 precision."""
    n = 16
    p64 = rng.normal(size=n)
    p32 = p64.astype(np.float32)
    opt64 = _optimizers(n, np.float64)[kind]
    opt32 = _optimizers(n, np.float32)[kind]
    for _ in range(5):
        g = rng.normal(size=n)
        opt64.step(p64, g)
        opt32.step(p32, g.astype(np.float32))
    assert p32.dtype == np.float32
    assert_allclose(p32, p64, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
def test_invscaling_learning_rate_and_update(rng, power_t):
    """At step t, invscaling uses lr_init / t**power_t for that very step."""
    lr_init = 0.2
    n = 5
    opt = _sgd(n, lr=lr_init, schedule="invscaling", power_t=power_t)
    params = rng.normal(size=n)
    for t in range(1, 8):
        g = rng.normal(size=n)
        expected = params - lr_init / t**power_t * g
        opt.step(params, g)
        assert opt.n_steps == t
        assert opt.learning_rate == pytest.approx(lr_init / t**power_t, rel=1e-14)
        assert_allclose(params, expected, rtol=1e-13)


@pytest.mark.parametrize("power_t", [0.5, 1.0])
def test_invscaling_continues_from_n_updates_before(rng, power_t):
    """Given the updates the parameters received before (a warm start), a fresh
    optimizer's step sizes continue the decay bit for bit instead of restarting."""
    n, lr_init = 6, 0.2
    gradients = [rng.normal(size=n) for _ in range(8)]
    start = rng.normal(size=n)

    params = start.copy()
    through = _sgd(n, lr=lr_init, schedule="invscaling", power_t=power_t)
    rates = []
    for g in gradients:
        through.step(params, g.copy())
        rates.append(through.learning_rate)

    resumed = start.copy()
    first = _sgd(n, lr=lr_init, schedule="invscaling", power_t=power_t)
    for g in gradients[:5]:
        first.step(resumed, g.copy())
    second = _sgd(n, lr=lr_init, schedule="invscaling", power_t=power_t)
    for n_updates_before, g in enumerate(gradients[5:], start=5):
        second.step(resumed, g.copy(), n_updates_before=n_updates_before)
        assert second.learning_rate == rates[n_updates_before]
        assert second.learning_rate == lr_init / (n_updates_before + 1) ** power_t
    assert_array_equal(resumed, params)

    restarted = _sgd(n, lr=lr_init, schedule="invscaling", power_t=power_t)
    restarted.step(start.copy(), gradients[5].copy())  # own count: from the top
    assert restarted.learning_rate == lr_init


def test_constant_schedule_keeps_learning_rate():
    """The constant schedule never changes the step size."""
    opt = _sgd(4, lr=0.3, schedule="constant")
    params = np.zeros(4)
    for _ in range(5):
        opt.step(params, np.ones(4))
    assert opt.learning_rate == 0.3
    assert_allclose(params, -1.5, rtol=1e-14)


def test_adaptive_reduce_on_plateau_divides_by_five_until_minimum():
    """reduce_on_plateau divides by 5 while above 1e-6, then returns False for good."""
    assert ADAPTIVE_DIVISOR == 5.0 and ADAPTIVE_MIN_LEARNING_RATE == 1e-6
    opt = _sgd(3, lr=1e-3, schedule="adaptive")
    rates = [opt.learning_rate]
    while opt.reduce_on_plateau():
        rates.append(opt.learning_rate)
        assert len(rates) < 100
    # 1e-3, 2e-4, 4e-5, 8e-6, 1.6e-6, 3.2e-7 -> the last is below the minimum
    assert_allclose(rates, [1e-3, 2e-4, 4e-5, 8e-6, 1.6e-6, 3.2e-7], rtol=1e-12)
    assert opt.learning_rate == rates[-1]
    assert opt.reduce_on_plateau() is False
    assert opt.learning_rate == rates[-1]


def test_adaptive_at_minimum_returns_false():
    """A step size of exactly 1e-6 is already too small: False, unchanged."""
    opt = _sgd(3, lr=1e-6, schedule="adaptive")
    assert opt.reduce_on_plateau() is False
    assert opt.learning_rate == 1e-6
    opt = _sgd(3, lr=1.01e-6, schedule="adaptive")
    assert opt.reduce_on_plateau() is True
    assert opt.learning_rate == pytest.approx(1.01e-6 / 5)


def test_adaptive_reduced_rate_is_used_by_next_step():
    """After a reduction the next step uses the smaller step size."""
    opt = _sgd(2, lr=0.5, schedule="adaptive")
    params = np.zeros(2)
    opt.step(params, np.ones(2))
    assert opt.reduce_on_plateau() is True
    opt.step(params, np.ones(2))
    assert_allclose(params, -(0.5 + 0.1), rtol=1e-14)


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
@pytest.mark.parametrize("make", [_sgd, _adam])
def test_reduce_on_plateau_is_false_for_other_schedules(make, schedule):
    """Only the adaptive schedule reduces the step size."""
    opt = make(3, schedule=schedule)
    before = opt.learning_rate
    assert opt.reduce_on_plateau() is False
    assert opt.learning_rate == before


# --------------------------------------------------------------------------
# IterateAverage
# --------------------------------------------------------------------------


def test_iterate_average_starts_from_a_copy(rng):
    """The average is a separate array initialised to the parameters."""
    params = rng.normal(size=6)
    avg = IterateAverage(params, start_after=0)
    assert avg.average is not params
    assert not np.shares_memory(avg.average, params)
    assert_array_equal(avg.average, params)
    params += 1.0
    assert not np.array_equal(avg.average, params)


@pytest.mark.parametrize("start_after", [0, 25, 60])
def test_iterate_average_is_mean_after_start(rng, start_after):
    """The solution is the mean of the iterates seen after start_after samples;
    before that it is the latest iterate itself (nothing is copied per batch)."""
    params = rng.normal(size=7)
    avg = IterateAverage(params, start_after=start_after)
    batch = 10
    averaged = []
    for n_batches in range(1, 13):
        params += rng.normal(size=7)  # a new iterate, same array
        avg.update(params, batch)
        assert avg.n_seen == n_batches * batch
        if avg.n_seen > start_after:
            averaged.append(params.copy())
            assert_allclose(
                avg.solution(params),
                np.mean(averaged, axis=0),
                rtol=1e-12,
                atol=1e-14,
            )
            assert avg.solution(params) is avg.average
        else:
            assert avg.solution(params) is params
            assert avg.average is not params
        assert avg.n_averaged == len(averaged)
    assert len(averaged) == 12 - start_after // batch


@pytest.mark.parametrize("start_after, first_averaged", [(20, 2), (21, 3), (0, 0)])
def test_iterate_average_counts_its_own_samples(rng, start_after, first_averaged):
    """start_after counts the samples of this average's own updates, batch sizes
    summed (uneven last batches included), and averaging starts once *more*
    than start_after were seen: a model trained long before (a warm start or
    earlier partial_fit calls) does not make the average start early."""
    params = rng.normal(size=4)
    avg = IterateAverage(params, start_after=start_after)
    iterates = []
    for index, n_rows in enumerate([7, 7, 7, 3, 7]):
        params += rng.normal(size=4)
        iterates.append(params.copy())
        avg.update(params, n_rows)
        assert (avg.solution(params) is params) == (index < first_averaged)
    assert avg.n_seen == 31
    assert avg.n_averaged == 5 - first_averaged
    assert_allclose(avg.average, np.mean(iterates[first_averaged:], axis=0))


def test_iterate_average_float32(rng):
    """Averaging float32 parameters stays float32."""
    params = rng.normal(size=5).astype(np.float32)
    avg = IterateAverage(params, start_after=0)
    iterates = []
    for t in range(1, 5):
        params *= np.float32(0.5)
        params += np.float32(t)
        avg.update(params, 16)
        iterates.append(params.astype(np.float64))
    assert avg.average.dtype == np.float32
    assert_allclose(avg.average, np.mean(iterates, axis=0), rtol=1e-6)


# --------------------------------------------------------------------------
# L2 penalty


@pytest.mark.parametrize(
    "make",
    [lambda n, dtype: _sgd(n, momentum=0.9, dtype=dtype), _adam],
    ids=["sgd", "adam"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_adds_the_l2_penalty_once_to_the_weights_only(kernel_path, make, dtype):
    """``step(alpha, n)`` moves like a step on ``grads + alpha * params[:n]``."""
    rng = np.random.default_rng(0)
    start = rng.normal(size=10).astype(dtype)
    gradients = [rng.normal(size=10).astype(dtype) for _ in range(3)]
    alpha, n_penalized = 0.3, 6

    penalized, by_hand = start.copy(), start.copy()
    optimizer, reference = make(10, dtype=dtype), make(10, dtype=dtype)
    for grads in gradients:
        optimizer.step(penalized, grads.copy(), alpha, n_penalized)
        full = grads.copy()
        full[:n_penalized] += alpha * by_hand[:n_penalized]
        reference.step(by_hand, full)
    assert penalized.dtype == dtype
    assert_allclose(penalized, by_hand, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert not np.allclose(penalized, start)


# --------------------------------------------------------------------------
# State: what a later call continues from


def _assert_same_state(state, expected):
    assert state.keys() == expected.keys()
    for name, value in expected.items():
        if isinstance(value, np.ndarray):
            assert state[name].dtype == value.dtype
            assert_array_equal(state[name], value)
        else:
            assert state[name] == value


def _state_arrays(owner, state):
    return [
        (getattr(owner, name), value)
        for name, value in state.items()
        if isinstance(value, np.ndarray)
    ]


@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_state_dict_round_trip_continues_bit_identically(
    rng, kind, schedule, dtype
):
    """state_dict() is a copy (training on leaves it as it was); an optimizer
    loaded from it, on the same parameters, takes exactly the same steps."""
    n = 16
    gradients = [rng.normal(size=n).astype(dtype) for _ in range(6)]
    params = rng.normal(size=n).astype(dtype)
    original = _optimizers(n, dtype, schedule)[kind]
    for grads in gradients[:3]:
        original.step(params, grads.copy())
    original.reduce_on_plateau()  # only "adaptive" changes its step
    state = original.state_dict()
    frozen = copy.deepcopy(state)
    saved = params.copy()
    for grads in gradients[3:]:
        original.step(params, grads.copy())
    _assert_same_state(state, frozen)
    for array, value in _state_arrays(original, state):
        assert not np.shares_memory(array, value)

    loaded = _optimizers(n, dtype, schedule)[kind]
    loaded.load_state_dict(state)
    for array, value in _state_arrays(loaded, state):
        assert not np.shares_memory(array, value)  # loading copies in
    for grads in gradients[3:]:
        loaded.step(saved, grads.copy())
    assert saved.dtype == dtype
    assert_array_equal(saved, params)
    _assert_same_state(loaded.state_dict(), original.state_dict())
    assert loaded.n_steps == 6


@pytest.mark.parametrize("n_updates_saved", [1, 4])
def test_iterate_average_state_dict_round_trip(rng, n_updates_saved):
    """Saved before or after averaging began, the average goes on bit for bit."""
    iterates = [rng.normal(size=5) for _ in range(7)]
    original = IterateAverage(iterates[0], start_after=15)
    for params in iterates[:n_updates_saved]:
        original.update(params, 10)
    state = original.state_dict()
    frozen = copy.deepcopy(state)
    for params in iterates[n_updates_saved:]:
        original.update(params, 10)
    _assert_same_state(state, frozen)
    assert not np.shares_memory(state["average"], original.average)

    loaded = IterateAverage(np.zeros(5), start_after=0)
    loaded.load_state_dict(state)
    assert not np.shares_memory(state["average"], loaded.average)
    for params in iterates[n_updates_saved:]:
        loaded.update(params, 10)
    assert loaded.n_seen == 70 and loaded.n_averaged == 6
    assert_array_equal(loaded.average, original.average)
    assert_allclose(loaded.average, np.mean(iterates[1:], axis=0), rtol=1e-12)


# --------------------------------------------------------------------------
# make_optimizer


def _settings(solver, **changes):
    settings = dict(
        solver=solver,
        learning_rate="invscaling",
        learning_rate_init="auto",
        power_t=0.3,
        momentum=0.7,
        nesterovs_momentum=True,
        beta_1=0.8,
        beta_2=0.95,
        epsilon=1e-6,
        average=False,
    )
    return OptimizerSettings(**{**settings, **changes})


def test_make_optimizer_adam_takes_the_settings_and_the_resolved_step():
    adam = make_optimizer(_settings("adam"), 9, np.float32, 0.05)
    assert isinstance(adam, AdamOptimizer)
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.8, 0.95, 1e-6)
    assert adam.learning_rate_init == adam.learning_rate == 0.05  # not "auto"
    assert (adam.schedule, adam.power_t) == ("invscaling", 0.3)
    assert adam.first_moment.shape == adam.second_moment.shape == (9,)
    assert adam.first_moment.dtype == np.float32


@pytest.mark.parametrize("nesterov", [False, True])
def test_make_optimizer_sgd_takes_the_settings_and_the_resolved_step(nesterov):
    sgd = make_optimizer(
        _settings("sgd", nesterovs_momentum=nesterov), 4, np.float64, 0.2
    )
    assert isinstance(sgd, SGDOptimizer)
    assert (sgd.momentum, sgd.nesterov) == (0.7, nesterov)
    assert sgd.learning_rate == 0.2 and sgd.power_t == 0.3
    assert sgd.velocity.shape == (4,) and sgd.velocity.dtype == np.float64


# --------------------------------------------------------------------------
# Adam where the squared gradient overflows

N_OVERFLOW = 12


def _adam_on_huge_gradients():
    """Four float32 Adam steps where every third gradient squares beyond float32.

    Returns the parameters before and after, and the optimizer.
    """
    rng = np.random.default_rng(1)
    start = rng.normal(size=N_OVERFLOW).astype(np.float32)
    params = start.copy()
    adam = AdamOptimizer(
        N_OVERFLOW, np.float32, 0.01, "constant", 0.5, 0.9, 0.999, 1e-8
    )
    for _ in range(4):
        grads = rng.normal(size=N_OVERFLOW).astype(np.float32)
        grads[::3] = np.float32(3e19)  # its square, 9e38, is beyond 3.4e38
        # The NumPy path warns of the overflow it handles.
        with np.errstate(over="ignore"):
            adam.step(params, grads, 0.05, 8)
    return start, params, adam


def test_adam_overflowing_square_freezes_the_coordinate_without_nan(kernel_path):
    """Where g * g overflows, v is inf and the step m / (sqrt(v) + eps) is zero:
    the coordinate stays put (it must not become NaN, as inf - inf would make
    it), and the other coordinates train on."""
    start, params, adam = _adam_on_huge_gradients()
    assert params.dtype == np.float32
    assert np.all(np.isfinite(params)) and np.all(np.isfinite(adam.first_moment))
    huge = np.arange(N_OVERFLOW) % 3 == 0
    assert np.all(np.isposinf(adam.second_moment[huge]))
    assert np.all(np.isfinite(adam.second_moment[~huge]))
    assert_array_equal(params[huge], start[huge])
    assert np.all(params[~huge] != start[~huge])


def test_adam_numpy_path_matches_the_kernel_bit_for_bit_on_overflow():
    """The NumPy path's pass-by-pass arithmetic is the kernel's, overflow included."""
    if compiled_kernels() is None:
        pytest.skip(
            "numba is not installed (pip install 'skmnist[fast]') or is switched "
            "off by SKMNIST_NUMBA=0; the NumPy path is tested on its own"
        )
    _, compiled_params, compiled_adam = _adam_on_huge_gradients()
    with numpy_kernels():
        _, numpy_params, numpy_adam = _adam_on_huge_gradients()
    assert not np.any(np.isnan(numpy_params))
    assert_array_equal(compiled_params, numpy_params)
    assert_array_equal(compiled_adam.first_moment, numpy_adam.first_moment)
    assert_array_equal(compiled_adam.second_moment, numpy_adam.second_moment)

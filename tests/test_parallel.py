"""Threads: the BLAS threads chosen per phase, and kernels run on slices in
parallel threads, which must compute exactly what one thread computes."""

import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier, _parallel, _threads
from skmnist._compiled import compiled_kernels
from skmnist._optimizers import AdamOptimizer
from skmnist._step import GradientStep
from skmnist.augmentation import Compose, ElasticDistortion, RandomAffine
from skmnist.datasets import load_mnist_sample

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def compiled():
    if compiled_kernels() is None:
        pytest.skip(
            "the parallel kernels are the compiled ones: pip install 'skmnist[fast]' "
            "(and do not set SKMNIST_NUMBA=0)"
        )


@pytest.fixture(scope="module")
def sample():
    X, y = load_mnist_sample(return_X_y=True)
    return X[:600].astype(np.float32), y[:600]


def blas_count():
    """The BLAS thread count in force now, as threadpoolctl reads it."""
    return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")


# -- the BLAS threads of the minibatch phase ---------------------------------
@pytest.mark.parametrize(
    "layer_shapes, batch, expected",
    [
        ([(10, 784)], 200, 1),  # softmax regression: 1.6 million per product
        ([(784, 20), (20, 10)], 200, 1),  # 3.1 million
        ([(784, 100), (100, 10)], 200, 3),  # 15.7 million
        ([(784, 800), (800, 10)], 200, 31),  # 125 million
        ([(784, 100), (100, 10)], 20, 1),
    ],
)
def test_the_rule_follows_the_work_per_product(layer_shapes, batch, expected):
    assert _threads.minibatch_blas_threads(layer_shapes, batch) == expected


def test_the_rule_is_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", "inherit")
    assert _threads.minibatch_blas_threads([(784, 800)], 10_000) is None
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", "fast")
    with pytest.raises(ValueError, match="SKMNIST_BLAS_THREADS='fast'.*'inherit'"):
        _threads.minibatch_blas_threads([(784, 800)], 200)


def test_a_bad_setting_fails_before_any_training(monkeypatch, sample):
    X, y = sample
    model = TwoLayerMLPClassifier(16, max_iter=1)
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", "2")
    trained = []
    monkeypatch.setattr(GradientStep, "__call__", lambda *a: trained.append(1))
    with pytest.raises(ValueError, match="SKMNIST_BLAS_THREADS"):
        model.fit(X, y)
    assert not trained and not hasattr(model, "coefs_")


def threads_seen_by_steps(monkeypatch, model, X, y):
    """The BLAS thread count in force during each minibatch step."""
    seen = []
    step = GradientStep.__call__

    def recording(self, rows):
        seen.append(blas_count())
        return step(self, rows)

    monkeypatch.setattr(GradientStep, "__call__", recording)
    model.fit(X, y)
    return set(seen)


def test_small_products_run_on_one_thread_and_the_ceiling_is_restored(
    monkeypatch, sample
):
    X, y = sample
    with threadpool_limits(limits=2, user_api="blas"):
        if blas_count() != 2:
            pytest.skip("this BLAS cannot be set to 2 threads")
        seen = threads_seen_by_steps(
            monkeypatch, SoftmaxSGDClassifier(max_iter=2), X, y
        )
        assert seen == {1}
        assert blas_count() == 2  # scoring and predicting get them all back


def test_the_users_ceiling_is_never_exceeded(monkeypatch, sample):
    X, y = sample
    big = TwoLayerMLPClassifier(800, batch_size=200, max_iter=1)
    with threadpool_limits(limits=1, user_api="blas"):
        assert threads_seen_by_steps(monkeypatch, big, X, y) == {1}


def test_switched_off_the_steps_run_on_the_inherited_threads(monkeypatch, sample):
    X, y = sample
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", "inherit")
    with threadpool_limits(limits=2, user_api="blas"):
        if blas_count() != 2:
            pytest.skip("this BLAS cannot be set to 2 threads")
        seen = threads_seen_by_steps(
            monkeypatch, SoftmaxSGDClassifier(max_iter=1), X, y
        )
    assert seen == {2}


def fit_proba(model, X, y, blas, rule="auto", monkeypatch=None):
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", rule)
    with threadpool_limits(limits=blas, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y).predict_proba(X)


@pytest.mark.parametrize(
    "model",
    [
        SoftmaxSGDClassifier(max_iter=3, random_state=0),
        TwoLayerMLPClassifier(20, max_iter=2, random_state=0),
    ],
    ids=["softmax", "20 units"],
)
def test_small_fits_are_the_same_whatever_the_thread_ceiling(
    monkeypatch, sample, model
):
    # OpenBLAS's results change in the last bits with its thread count. The
    # rule runs small models' minibatch products on one thread whatever the
    # ceiling, so their weights are the same on 1 core or many.
    X, y = sample
    monkeypatch.setenv("SKMNIST_BLAS_THREADS", "auto")
    weights = []
    for ceiling in (1, 4):
        with threadpool_limits(limits=ceiling, user_api="blas"):
            fitted = clone(model).fit(X, y)
        weights.append(fitted._trained_network().solution)
    assert_array_equal(weights[0], weights[1])


# -- kernels on slices, in parallel threads ----------------------------------
def kernel_threads(monkeypatch, n):
    monkeypatch.setenv("SKMNIST_KERNEL_THREADS", str(n))


def test_slices_cover_every_item_once(monkeypatch):
    kernel_threads(monkeypatch, 3)
    seen = np.zeros(1000, dtype=int)

    def mark(start, stop):
        seen[start:stop] += 1

    _parallel.in_slices(mark, 1000, min_items_per_thread=10)
    assert_array_equal(seen, 1)
    _parallel.in_slices(mark, 1000, min_items_per_thread=600)  # one slice
    assert_array_equal(seen, 2)


def test_a_slice_error_reaches_the_caller_after_all_slices_end(monkeypatch):
    kernel_threads(monkeypatch, 4)
    finished = []

    def work(start, stop):
        if start == 100:
            raise RuntimeError("slice 100")
        if start:
            time.sleep(0.2)  # still running when the error is raised
        finished.append(start)

    with pytest.raises(RuntimeError, match="slice 100"):
        _parallel.in_slices(work, 400, min_items_per_thread=10)
    assert sorted(finished) == [0, 200, 300]


def test_nested_phases_never_raise_the_limit(monkeypatch):
    with threadpool_limits(limits=4, user_api="blas"):
        if blas_count() != 4:
            pytest.skip("this BLAS cannot be set to 4 threads")
        with _threads.blas_threads(1):
            with _threads.blas_threads(3):
                assert blas_count() == 1
            assert blas_count() == 1
            assert _threads.allowed_blas_threads() == 4
        assert blas_count() == 4


@pytest.mark.parametrize("value", ["0", "many", "-2"])
def test_a_bad_kernel_thread_count_is_refused(monkeypatch, value):
    monkeypatch.setenv("SKMNIST_KERNEL_THREADS", value)
    with pytest.raises(ValueError, match="SKMNIST_KERNEL_THREADS.*at least 1"):
        _parallel.kernel_threads()


def test_parallel_kernels_are_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("SKMNIST_KERNEL_THREADS", raising=False)
    assert _parallel.kernel_threads() == 1
    kernel_threads(monkeypatch, 3)
    assert _parallel.kernel_threads() == 3


def test_the_phase_keeps_the_users_ceiling_readable():
    with threadpool_limits(limits=2, user_api="blas"):
        if blas_count() != 2:
            pytest.skip("this BLAS cannot be set to 2 threads")
        with _threads.blas_threads(1):
            assert blas_count() == 1
            assert _threads.allowed_blas_threads() == 2


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "transform",
    [
        ElasticDistortion(alpha=34, sigma=4),
        RandomAffine(degrees=15, scale=(0.9, 1.1), shear=10),
        Compose([("elastic", ElasticDistortion()), ("affine", RandomAffine())]),
    ],
    ids=["elastic", "affine", "both"],
)
def test_parallel_resampling_is_the_serial_result(
    monkeypatch, sample, dtype, transform
):
    X = sample[0][:200].astype(dtype)
    kernel_threads(monkeypatch, 1)
    serial = transform(X, np.random.default_rng(7))
    kernel_threads(monkeypatch, 3)
    parallel = transform(X, np.random.default_rng(7))
    assert parallel.dtype == dtype
    assert_array_equal(parallel, serial)
    assert not np.array_equal(serial, X)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parallel_adam_is_the_serial_update(monkeypatch, rng, dtype):
    n_params, n_penalized = 300_003, 200_001  # three slices, one half-penalized
    params = rng.normal(size=n_params).astype(dtype)
    gradients = [rng.normal(size=n_params).astype(dtype) for _ in range(3)]
    results = []
    for threads in (1, 3):
        kernel_threads(monkeypatch, threads)
        adam = AdamOptimizer(n_params, dtype, 0.01, "constant", 0.5, 0.9, 0.999, 1e-8)
        trained = params.copy()
        for grads in gradients:
            adam.step(trained, grads.copy(), 0.05, n_penalized)
        results.append((trained, adam.first_moment, adam.second_moment))
    for serial, parallel in zip(*results):
        assert_array_equal(parallel, serial)


@pytest.mark.usefixtures("compiled")
def test_a_fit_with_parallel_kernels_is_the_serial_fit(monkeypatch, sample):
    X, y = sample
    model = TwoLayerMLPClassifier(
        300,  # 238,510 parameters: the update is split in slices
        dropout=0.2,
        augment=ElasticDistortion(),
        max_iter=2,
        batch_size=200,
        random_state=0,
    )
    kernel_threads(monkeypatch, 1)
    serial = fit_proba(model, X, y, 2, monkeypatch=monkeypatch)
    kernel_threads(monkeypatch, 3)
    parallel = fit_proba(model, X, y, 2, monkeypatch=monkeypatch)
    assert_array_equal(parallel, serial)

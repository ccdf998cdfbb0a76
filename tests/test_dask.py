"""Scaling out on Dask: joblib's dask backend and dask-ml's Incremental.

Every test runs on one in-process ``LocalCluster`` of two single-threaded
workers: the same scheduling as separate processes, without their start-up
time.
"""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, train_test_split

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

REASON = 'needs pip install "skmnist[dask]"'
dask = pytest.importorskip("dask", reason=REASON)
da = pytest.importorskip("dask.array", reason=REASON)
distributed = pytest.importorskip("distributed", reason=REASON)
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.slow

CLASSES = np.arange(10)
EPOCHS = 5
#: Rows per dask block: the 1,257 training digits make five blocks.
BLOCK_ROWS = 256


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def split(digits):
    """Float32 digits, 30% held out: (X_train, X_test, y_train, y_test)."""
    X, y = digits
    return train_test_split(
        X.astype(np.float32), y, test_size=0.3, stratify=y, random_state=0
    )


def blocks(*arrays):
    """Each array as a dask array of BLOCK_ROWS-row blocks (all columns)."""
    return [da.from_array(a, chunks=(BLOCK_ROWS,) + a.shape[1:]) for a in arrays]


def grid_search(n_jobs):
    model = TwoLayerMLPClassifier(max_iter=8, batch_size=32, random_state=0)
    grid = {"n_hidden": [8, 32], "alpha": [1e-5, 1e-1]}
    return GridSearchCV(model, grid, cv=3, n_jobs=n_jobs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_on_dask_gives_the_default_backends_results(client, split):
    X, _, y, _ = split
    default = grid_search(n_jobs=None).fit(X, y)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        on_dask = grid_search(n_jobs=-1).fit(X, y)

    assert on_dask.best_params_ == default.best_params_
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"], default.cv_results_["mean_test_score"]
    )
    # The fits ran on the cluster's workers, not in this thread.
    workers = {task["worker"] for task in tasks.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])


def halving_search(n_jobs):
    # HalvingRandomSearchCV is experimental in scikit-learn: this import enables it.
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    model = TwoLayerMLPClassifier(batch_size=32, random_state=0)
    space = {"n_hidden": [8, 16, 32], "alpha": [1e-5, 1e-3, 1e-1]}
    return HalvingRandomSearchCV(
        model,
        space,
        resource="max_iter",
        n_candidates=4,
        factor=2,
        min_resources=2,
        max_resources=8,
        cv=3,
        random_state=0,
        n_jobs=n_jobs,
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_halving_search_over_epochs_runs_on_dask(client, split):
    # The staged search the README recommends while dask-ml's
    # HyperbandSearchCV fails with recent dask.
    X, _, y, _ = split
    default = halving_search(n_jobs=None).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_dask = halving_search(n_jobs=-1).fit(X, y)
    assert on_dask.n_resources_ == [2, 4, 8]
    assert on_dask.best_params_ == default.best_params_
    assert on_dask.best_estimator_.n_iter_ == 8


def mlp():
    return TwoLayerMLPClassifier(n_hidden=64, batch_size=32, random_state=0)


def softmax():
    return SoftmaxSGDClassifier(batch_size=32, random_state=0)


@pytest.mark.parametrize("make_model", [mlp, softmax], ids=["mlp", "softmax"])
def test_incremental_epochs_over_dask_blocks_match_the_in_memory_fit(
    client, split, make_model
):
    wrappers = pytest.importorskip("dask_ml.wrappers", reason=REASON)
    X, X_test, y, y_test = split
    dask_X, dask_y, dask_X_test = blocks(X, y, X_test)
    assert dask_X.numblocks[0] == 5

    incremental = wrappers.Incremental(make_model(), random_state=0)
    in_memory = make_model()
    for _ in range(EPOCHS):
        # Incremental.fit would start afresh each time: partial_fit continues.
        incremental.partial_fit(dask_X, dask_y, classes=CLASSES)
        in_memory.partial_fit(X, y, classes=CLASSES)

    assert incremental.estimator_.t_ == EPOCHS * len(y)
    predicted = incremental.predict(dask_X_test)
    assert isinstance(predicted, da.Array)
    predicted = predicted.compute()
    np.testing.assert_array_equal(predicted, incremental.estimator_.predict(X_test))
    accuracy = np.mean(predicted == y_test)
    # When written: MLP 0.920 (in memory 0.898), softmax 0.967 (0.969).
    assert accuracy >= 0.85
    assert abs(accuracy - in_memory.score(X_test, y_test)) <= 0.05


def test_a_loop_over_blocks_passes_each_block_its_sample_weights(client, split):
    # Incremental hands every block the whole sample_weight array; this loop
    # (the README's workaround) hands each block its own slice.
    X, X_test, y, y_test = split
    no_zeros = np.where(y == 0, 0.0, 1.0)  # class 0 weighs nothing
    dask_X, dask_y, dask_w = blocks(X, y, no_zeros)
    model = SoftmaxSGDClassifier(batch_size=32, random_state=0)
    for _ in range(EPOCHS):
        for i in range(dask_X.numblocks[0]):
            X_block, y_block, w_block = dask.compute(
                dask_X.blocks[i], dask_y.blocks[i], dask_w.blocks[i]
            )
            model.partial_fit(X_block, y_block, classes=CLASSES, sample_weight=w_block)

    predicted = model.predict(X_test)
    # Without weights this model recognizes ~100% of the zeros.
    assert np.mean(predicted[y_test == 0] == 0) < 0.5
    assert np.mean(predicted[y_test != 0] == y_test[y_test != 0]) >= 0.9

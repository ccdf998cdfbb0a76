"""The comparison machinery behind ``skmnist compare``, tested in-process."""

import csv
import gzip
import io
import json
import struct
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skmnist._compare import (
    DEFAULT_MODELS,
    MODELS,
    Dataset,
    ModelSpec,
    Progress,
    _contenders,
    _interrupts,
    choose_evaluation,
    fit_and_score,
    format_table,
    load_dataset,
    parse_model_list,
    plan_line,
    run_comparison,
    write_csv,
    write_json,
)


@pytest.fixture
def digits_dataset(digits):
    """sklearn's real 8x8 digits as a Dataset without a test split."""
    X, y = digits
    return Dataset("digits", "sklearn digits", X, y, (8, 8), tuple("0123456789"))


# ----------------------------------------------------------------------
# The registry and its pairs


def test_parse_model_list():
    assert parse_model_list("default") == list(DEFAULT_MODELS)
    assert parse_model_list("all") == list(MODELS)
    # Registry order, whatever the order given: a race runs after its target.
    assert parse_model_list("mlp-fast, sklearn-mlp") == ["sklearn-mlp", "mlp-fast"]
    with pytest.raises(ValueError, match="unknown model 'svm'.*choose from"):
        parse_model_list("softmax,svm")
    with pytest.raises(ValueError, match="twice"):
        parse_model_list("mlp,mlp")
    with pytest.raises(ValueError, match="no model"):
        parse_model_list(",")
    with pytest.raises(ValueError, match="list sklearn-mlp too"):
        parse_model_list("mlp-fast")


def test_default_set_pairs_every_model_of_ours_and_leaves_out_the_slow_ones():
    ours = [key for key in DEFAULT_MODELS if MODELS[key].is_ours]
    for key in ours:
        spec = MODELS[key]
        assert spec.peer in DEFAULT_MODELS or spec.race_target in DEFAULT_MODELS
    assert "sklearn-mlp-course" not in DEFAULT_MODELS
    assert MODELS["sklearn-mlp-course"].build(None, None, 0).max_iter == 1000


def test_registry_builds_unfitted_estimators_with_overrides():
    for key, spec in MODELS.items():
        estimator = spec.build(max_iter=7, n_hidden=16, random_state=3, n_train=500)
        params = estimator.get_params()
        assert params["max_iter"] == 7, key
        assert params["random_state"] == 3, key
    assert MODELS["mlp"].build(n_hidden=16).n_hidden == 16
    assert MODELS["sklearn-mlp"].build(n_hidden=16).hidden_layer_sizes == (16,)
    # The race runs the recommended network whatever --n-hidden says.
    assert MODELS["mlp-fast"].build(n_hidden=16).n_hidden == 256


@pytest.mark.parametrize("n_train", [50, 4000, 60000])
@pytest.mark.parametrize("ours_key", ["softmax", "mlp"])
def test_pairs_are_like_for_like_by_construction(ours_key, n_train):
    spec = MODELS[ours_key]
    for n_hidden, max_iter in [(None, None), (32, 5)]:
        ours = spec.build(max_iter, n_hidden, 0, n_train)
        peer = MODELS[spec.peer].build(max_iter, n_hidden, 0, n_train)
        assert _contenders.like_for_like_mismatches(ours, peer, n_train) == []
    # MLPClassifier's per-batch alpha is ours times the batch size.
    batch = min(200, n_train)
    assert peer.alpha == pytest.approx(ours.alpha * batch)


def test_the_network_peer_is_mlpclassifier_with_its_defaults():
    peer = MODELS["sklearn-mlp"].build(random_state=0)
    assert peer.get_params() == MLPClassifier(random_state=0).get_params()


def test_a_difference_in_a_pair_is_reported():
    ours = MODELS["mlp"].build(n_train=4000).set_params(n_hidden=50, batch_size=100)
    peer = MODELS["sklearn-mlp"].build(n_train=4000)
    found = " ".join(_contenders.like_for_like_mismatches(ours, peer, 4000))
    assert "hidden units" in found and "batch_size" in found
    ours = MODELS["softmax"].build(n_train=4000).set_params(alpha=1.0, average=True)
    peer = MODELS["sklearn-softmax"].build(n_train=4000)
    found = " ".join(_contenders.like_for_like_mismatches(ours, peer, 4000))
    assert "alpha" in found and "averaging" in found


def test_held_equal_says_what_both_share():
    ours = MODELS["mlp"].build(n_train=4000)
    peer = MODELS["sklearn-mlp"].build(n_train=4000)
    text = _contenders.held_equal(ours, peer, 4000)
    fragments = ("adam", "learning rate 0.001", "batch 200", "alpha 0.0001")
    fragments += ("5e-07 per sample", "200 epochs", "0.0001 for 10 epochs")
    for fragment in fragments:
        assert fragment in text, fragment


# ----------------------------------------------------------------------
# Evaluation


def test_default_evaluation_is_holdout_for_sample_and_cv_otherwise(digits_dataset):
    cv = choose_evaluation(digits_dataset)
    assert cv.n_splits == 5 and "5-fold" in cv.description
    # Cross-validation holds out every row exactly once.
    held_out = np.concatenate([test for _, _, test in cv.splits])
    assert np.array_equal(np.sort(held_out), np.arange(len(digits_dataset.y)))

    digits_dataset.name = "sample"
    holdout = choose_evaluation(digits_dataset)
    assert holdout.n_splits == 1 and "hold-out" in holdout.description
    assert len(holdout.heldout_y) == pytest.approx(0.2 * len(digits_dataset.y), abs=1)


def test_official_split_is_used_and_cannot_be_overridden(digits_dataset):
    X, y = digits_dataset.X, digits_dataset.y
    digits_dataset.X, digits_dataset.y = X[:1500], y[:1500]
    digits_dataset.X_test, digits_dataset.y_test = X[1500:], y[1500:]
    evaluation = choose_evaluation(digits_dataset)
    assert evaluation.n_splits == 1
    assert "official test split (1500 train / 297 test)" == evaluation.description
    with pytest.raises(ValueError, match="official test split"):
        choose_evaluation(digits_dataset, cv=3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cv": 1}, "at least 2"),
        ({"cv": 500}, "rarest class"),
        ({"test_size": 1.5}, "between 0 and 1"),
        ({"cv": 3, "test_size": 0.2}, "not both"),
    ],
)
def test_evaluation_errors(digits_dataset, kwargs, message):
    with pytest.raises(ValueError, match=message):
        choose_evaluation(digits_dataset, **kwargs)


# ----------------------------------------------------------------------
# Running


@pytest.fixture(scope="module")
def comparison():
    """Both pairs, the race and LogisticRegression on 8x8 digits, 3 folds,
    30 epochs at most."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    dataset = Dataset(
        "digits", "sklearn digits", X / 16, y, (8, 8), tuple("0123456789")
    )
    evaluation = choose_evaluation(dataset, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warning escapes the run
        return run_comparison(
            dataset,
            evaluation,
            [*DEFAULT_MODELS, "logistic"],
            max_iter=30,
            n_hidden=16,
            threads=1,
        )


def test_every_model_is_scored_on_every_fold(comparison):
    dataset = comparison.dataset
    for result in comparison.results:
        assert len(result.test_scores) == len(result.fit_times) == 3
        # Out-of-fold predictions cover every row: the confusion matrix and
        # the misclassified grid use them.
        assert np.isin(result.heldout_pred, np.arange(10)).all()
        assert np.mean(result.heldout_pred == dataset.y) == pytest.approx(
            result.test_accuracy, abs=0.01
        )
        assert result.test_accuracy > 0.6, result.spec.key
    mlp = comparison.result("mlp")
    assert mlp.estimator.coefs_[0].shape == (64, 16)
    assert mlp.time_per_epoch == pytest.approx(sum(mlp.fit_times) / sum(mlp.iterations))
    assert comparison.result("logistic").time_per_epoch is None


def test_speed_is_compared_within_pairs_only(comparison):
    assert [(p.ours.spec.key, p.peer.spec.key) for p in comparison.pairs] == [
        ("softmax", "sklearn-softmax"),
        ("mlp", "sklearn-mlp"),
    ]
    for pair in comparison.pairs:
        assert pair.mismatches == []
        assert pair.ours.speed_vs_peer == pytest.approx(
            pair.peer.time_per_epoch / pair.ours.time_per_epoch
        )
        assert pair.peer.speed_vs_peer is None
    assert comparison.result("logistic").speed_vs_peer is None


def test_race_stops_at_the_first_epoch_reaching_the_target(comparison):
    (race,) = comparison.races
    target = comparison.result("sklearn-mlp")
    assert race.target is target and race.target_scores == target.test_scores
    assert race.curve_times == sorted(race.curve_times)
    scores = race.curve_scores
    if race.reached[0]:
        assert scores[-1] >= target.test_scores[0] > max(scores[:-1], default=0)
        assert race.epochs[0] == len(scores)
    else:
        assert len(scores) == 30
    if race.all_reached:
        assert race.speedup == pytest.approx(target.fit_time / race.time)


def test_the_run_records_its_environment(comparison):
    env = comparison.environment
    assert env["versions"]["scikit-learn"] and env["versions"]["numpy"]
    assert env["cpu_count"] >= 1
    blas = [pool for pool in env["thread_pools"] if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
    assert comparison.threads == 1 and comparison.started_at


def test_table_groups_pairs_and_says_what_was_held_equal(comparison):
    table = format_table(comparison)
    assert table.startswith("dataset: sklearn digits; 8x8 images\nheld out: ")
    assert "softmax regression, like for like:" in table
    assert "one hidden layer of 16 ReLU units, like for like:" in table
    assert table.count("held equal: ") == 2
    assert table.count("(peer)") == 2
    assert "not paired (no speed comparison):" in table
    assert "time to reach MLPClassifier's held-out accuracy" in table
    assert "TwoLayerMLPClassifier(n_hidden=256, learning_rate_init=0.002)" in table
    assert "MLPClassifier (hidden_layer_sizes=(16,), max_iter=30)" in table
    assert all(len(line) <= 100 for line in table.splitlines())


def test_every_model_stopped_at_max_iter_is_marked(comparison):
    table = format_table(comparison)
    rows = {line.split("  ")[1]: line for line in table.splitlines() if "  0." in line}
    for result in comparison.results:
        row = next(r for label, r in rows.items() if label == result.spec.label)
        marked = "* " in row or row.rstrip().endswith("*")
        assert marked == (not result.converged), row
    # 30 lbfgs iterations do not converge: LogisticRegression gets its star too.
    assert not comparison.result("logistic").converged
    assert "30 it*" in rows["LogisticRegression"]
    assert "* stopped at max_iter" in table and "it: lbfgs iterations" in table


def test_footnotes_explain_only_marks_that_appear(digits_dataset):
    evaluation = choose_evaluation(digits_dataset, test_size=0.25)
    converged = run_comparison(digits_dataset, evaluation, ["logistic"], max_iter=500)
    table = format_table(converged)
    assert converged.results[0].converged
    assert "*" not in table
    assert "like for like" not in table and "speed:" not in table
    assert "time to reach" not in table


def test_csv_and_json_hold_the_same_rows_and_the_provenance(comparison, tmp_path):
    write_csv(comparison, tmp_path / "results.csv")
    command = ["skmnist", "compare", "--max-iter", "30"]
    write_json(comparison, tmp_path / "results.json", command=command)
    with open(tmp_path / "results.csv", newline="") as f:
        csv_rows = list(csv.DictReader(f))
    document = json.loads((tmp_path / "results.json").read_text())
    keys = [*DEFAULT_MODELS[:4], "logistic", "mlp-fast"]
    assert [r["key"] for r in csv_rows] == keys
    assert [r["key"] for r in document["results"]] == keys
    for csv_row, json_row in zip(csv_rows, document["results"]):
        assert csv_row["heldout_accuracy"] == str(json_row["heldout_accuracy"])
        assert csv_row["stopped_at_max_iter"] == str(json_row["stopped_at_max_iter"])
    by_key = {r["key"]: r for r in csv_rows}
    assert by_key["logistic"]["stopped_at_max_iter"] == "True"
    assert by_key["logistic"]["epochs"] == "" and by_key["logistic"]["lbfgs_iterations"]
    assert by_key["mlp"]["role"] == "ours" and by_key["sklearn-mlp"]["role"] == "peer"
    assert by_key["mlp-fast"]["role"] == "race"

    assert document["command"] == command and document["random_state"] == 0
    assert document["complete"] is True and document["threads"] == 1
    assert document["environment"]["versions"]["numpy"] == np.__version__
    models = {m["key"]: m for m in document["models"]}
    for result in comparison.results:
        params = models[result.spec.key]["params"]
        assert set(params) == set(result.estimator.get_params())
    assert models["sklearn-mlp"]["params"]["hidden_layer_sizes"] == [16]
    assert models["mlp"]["kernels"].startswith("skmnist: ")
    assert models["sklearn-mlp"]["kernels"].startswith("scikit-learn")
    assert models["logistic"]["converged"] is False
    assert [p["ours"] for p in document["pairs"]] == ["softmax", "mlp"]
    assert document["races"][0]["params"]["n_hidden"] == 256


# ----------------------------------------------------------------------
# Interrupts


class _Swallower(ClassifierMixin, BaseEstimator):
    """Trains until interrupted, then keeps what it has, as MLPClassifier does."""

    def __init__(self, max_iter=5, warn=True):
        self.max_iter = max_iter
        self.warn = warn

    def fit(self, X, y):
        try:
            raise KeyboardInterrupt  # the user's Ctrl-C, mid-epoch
        except KeyboardInterrupt:
            if self.warn:
                warnings.warn("Training interrupted by user.")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _spec(estimator):
    return ModelSpec(
        "fake", "Fake", lambda *args, **kwargs: estimator, "a fake", "scikit-learn"
    )


def test_a_model_that_swallows_ctrl_c_with_a_warning_still_fails(digits_dataset):
    evaluation = choose_evaluation(digits_dataset, test_size=0.25)
    with pytest.raises(KeyboardInterrupt):
        fit_and_score(_spec(_Swallower()), evaluation)


def test_a_model_that_swallows_ctrl_c_silently_still_fails(digits_dataset, monkeypatch):
    evaluation = choose_evaluation(digits_dataset, test_size=0.25)

    class Silent(_Swallower):
        def fit(self, X, y):
            try:
                _interrupts._count_and_raise(2, None)  # the SIGINT handler
            except KeyboardInterrupt:
                pass
            self.classes_ = np.unique(y)
            return self

    monkeypatch.setattr(_interrupts, "_sigint_count", 0)
    with pytest.raises(KeyboardInterrupt):
        fit_and_score(_spec(Silent()), evaluation)


def test_an_uninterrupted_fit_passes(digits_dataset):
    evaluation = choose_evaluation(digits_dataset, test_size=0.25)
    result = fit_and_score(_spec(_Swallower(warn=False)), evaluation)
    assert len(result.test_scores) == 1


# ----------------------------------------------------------------------
# Data


def _idx(array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return (
        struct.pack(f">I{array.ndim}I", 0x0800 | array.ndim, *array.shape)
        + array.tobytes()
    )


def test_load_dataset_idx_pair_and_subsample(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(200, 6, 5), dtype=np.uint8)
    labels = np.arange(200) % 10
    (tmp_path / "img.gz").write_bytes(gzip.compress(_idx(images)))
    (tmp_path / "lab").write_bytes(_idx(labels))
    dataset = load_dataset(
        [str(tmp_path / "img.gz"), str(tmp_path / "lab")], n_samples=100
    )
    assert dataset.image_shape == (6, 5)
    assert dataset.X.shape == (100, 30) and not dataset.has_test_split
    assert np.bincount(dataset.y).tolist() == [10] * 10  # stratified
    assert "a stratified random subset of 100 of the 200 images" in dataset.description


def test_n_samples_says_what_it_really_kept():
    dataset = load_dataset("sample", n_samples=100_000)
    assert dataset.X.shape == (5000, 784)
    assert "all 5000 images (--n-samples 100000 asked for more)" in dataset.description
    with pytest.raises(ValueError, match="--n-test applies to data with an official"):
        load_dataset("sample", n_test=100)


def test_a_new_dataset_is_one_registry_entry(digits_dataset, monkeypatch):
    # Registered with an official split, the data gets the command's split
    # handling, --n-samples/--n-test, its --help line and its messages.
    from sklearn.utils import Bunch

    from skmnist._cli import build_parser
    from skmnist.datasets._registry import DATASETS, DatasetEntry

    def fetch_tiny(data_home=None, subset="all"):
        X, y = digits_dataset.X, digits_dataset.y
        return Bunch(data=X, target=y, images=X.reshape(-1, 8, 8),
                     target_names=np.arange(10))  # fmt: skip

    entry = DatasetEntry("tiny", "Tiny digits", "sklearn's 8x8 digits, split at "
                         "1,500", fetch_tiny, subdir="tiny", n_train=1500,
                         n_features=64, n_images=1797)  # fmt: skip
    monkeypatch.setitem(DATASETS, "tiny", entry)
    dataset = load_dataset("tiny", n_samples=300)
    assert dataset.y.shape == (300,) and dataset.y_test.shape == (297,)
    assert dataset.description.startswith("Tiny digits, official split")
    dataset = load_dataset("tiny", n_test=50)
    assert dataset.y.shape == (1500,) and dataset.y_test.shape == (50,)
    compare = build_parser()._subparsers._group_actions[0].choices["compare"]
    help_text = " ".join(compare.format_help().split())
    assert "'tiny': sklearn's 8x8 digits" in help_text
    assert "official test split for mnist, fashion and tiny" in help_text
    with pytest.raises(ValueError, match=r"\(mnist, fashion and tiny\); sample"):
        load_dataset("sample", n_test=50)


def test_load_dataset_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_dataset(str(tmp_path / "nothing.npz"))
    (tmp_path / "data.txt").write_text("1,2,3")
    with pytest.raises(ValueError, match="expected a .mat file"):
        load_dataset(str(tmp_path / "data.txt"))
    with pytest.raises(ValueError, match="one name or path, or two paths"):
        load_dataset(["a", "b", "c"])
    with pytest.raises(FileNotFoundError):
        load_dataset(str(tmp_path / "missing.mat"))


def test_loader_hints_name_what_the_command_offers(tmp_path):
    from scipy.io import savemat

    path = tmp_path / "wrong.mat"
    savemat(path, {"images": np.zeros((10, 400)), "labels": np.ones((10, 1))})
    with pytest.raises(ValueError) as excinfo:
        load_dataset(str(path))
    message = str(excinfo.value)
    assert "'X'" in message and "'images'" in message
    assert "x_key" not in message and "reads the images from the variable X" in message


# ----------------------------------------------------------------------
# Progress and plan


def test_progress_off_a_terminal_is_one_line_per_model():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    assert not progress.live
    progress.start_model("Model")
    with progress.epochs():
        print("Iteration 1, loss = 0.5")  # not shown off a terminal
    progress.step("fold 1/2")
    progress.step("fold 2/2")
    progress.finish_model("held-out accuracy 0.9")
    progress.message("done")
    assert stream.getvalue() == (
        "Model: fold 1/2 fold 2/2 held-out accuracy 0.9\ndone\n"
    )


def test_progress_on_a_terminal_overwrites_one_status_line():
    stream = io.StringIO()
    progress = Progress(stream=stream, live=True)
    progress.start_model("Model")
    with progress.epochs("fold 1/2: "):
        print("Iteration 1, loss = 0.5")
        print("Iteration 2, loss = 0.4")
    progress.finish_model("held-out accuracy 0.9")
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("Model: held-out accuracy 0.9\n")
    assert "\r\033[KModel: fold 1/2: Iteration 2, loss = 0.4" in text


def test_interrupted_line_is_ended_and_quiet_prints_only_warnings():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.start_model("Model")
    progress.end_line()
    assert stream.getvalue() == "Model:\n"

    quiet_stream = io.StringIO()
    quiet = Progress(stream=quiet_stream, quiet=True)
    quiet.start_model("Model")
    quiet.message("nothing")
    quiet.finish_model("nothing")
    quiet.warning("numba could not be used")
    assert quiet_stream.getvalue() == "skmnist: warning: numba could not be used\n"


def test_plan_line_names_models_data_protocol_and_time(digits_dataset):
    evaluation = choose_evaluation(digits_dataset, cv=3)
    line = plan_line(
        digits_dataset,
        evaluation,
        list(DEFAULT_MODELS),
        max_iter=None,
        n_hidden=None,
        random_state=0,
    )
    assert "\n" not in line and line.startswith("plan: ")
    assert "softmax/sklearn-softmax and mlp/sklearn-mlp pairs" in line
    assert "mlp-fast racing to sklearn-mlp's accuracy" in line
    assert "1198 training images of 8x8" in line
    assert "stratified 3-fold cross-validation" in line and "about " in line


def test_convergence_warnings_mark_the_model_and_others_are_shown(digits_dataset):
    class Warns(_Swallower):
        def fit(self, X, y):
            warnings.warn("not yet", ConvergenceWarning)
            warnings.warn("something else", UserWarning)
            self.classes_ = np.unique(y)
            return self

    evaluation = choose_evaluation(digits_dataset, test_size=0.25)
    stream = io.StringIO()
    result = fit_and_score(_spec(Warns()), evaluation, progress=Progress(stream))
    assert not result.converged
    assert "skmnist: warning: UserWarning: something else\n" in stream.getvalue()

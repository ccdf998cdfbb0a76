"""The comparison machinery behind ``skmnist compare``, tested in-process."""

import csv
import gzip
import io
import json
import struct

import numpy as np
import pytest

from skmnist._compare import (
    MODELS,
    REFERENCE_MODEL,
    Dataset,
    Progress,
    choose_evaluation,
    format_table,
    load_dataset,
    parse_model_list,
    run_comparison,
    write_csv,
    write_json,
)


@pytest.fixture
def digits_dataset(digits):
    """sklearn's real 8x8 digits as a Dataset without a test split."""
    X, y = digits
    return Dataset("digits", "sklearn digits", X, y, (8, 8), tuple("0123456789"))


def test_parse_model_list():
    assert parse_model_list("all") == list(MODELS)
    assert parse_model_list(" softmax, logistic ") == ["softmax", "logistic"]
    with pytest.raises(ValueError, match="unknown model 'svm'.*choose from"):
        parse_model_list("softmax,svm")
    with pytest.raises(ValueError, match="twice"):
        parse_model_list("mlp,mlp")
    with pytest.raises(ValueError, match="no model"):
        parse_model_list(",")


def test_registry_builds_unfitted_estimators_with_overrides():
    for key, spec in MODELS.items():
        estimator = spec.build(7, 16, 3)
        params = estimator.get_params()
        assert params["max_iter"] == 7, key
        assert params["random_state"] == 3, key
    assert MODELS["mlp"].build(None, 16, 0).n_hidden == 16
    course = MODELS["sklearn-mlp-course"].build(None, None, 0)
    assert course.get_params()["hidden_layer_sizes"] == (25,)
    assert course.max_iter == 1000 and course.tol == 1e-9 and course.solver == "sgd"


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


def test_run_comparison_scores_every_model_on_every_fold(digits_dataset):
    evaluation = choose_evaluation(digits_dataset, cv=3)
    comparison = run_comparison(
        digits_dataset,
        evaluation,
        ["softmax", "mlp", REFERENCE_MODEL, "logistic"],
        max_iter=15,
        n_hidden=32,
    )
    by_key = {r.spec.key: r for r in comparison.results}
    for result in comparison.results:
        assert len(result.test_scores) == len(result.fit_times) == 3
        # Out-of-fold predictions cover every row: the confusion matrix and
        # the misclassified grid use them.
        assert np.isin(result.heldout_pred, np.arange(10)).all()
        assert np.mean(result.heldout_pred == digits_dataset.y) == pytest.approx(
            result.test_accuracy, abs=0.01
        )
        assert result.test_accuracy > 0.6, result.spec.key
    assert by_key[REFERENCE_MODEL].speed_ratio == pytest.approx(1.0)
    assert by_key["mlp"].estimator.coefs_[0].shape == (64, 32)
    # Our estimators recorded held-out learning curves; LogisticRegression has
    # no epochs to report.
    softmax = by_key["softmax"]
    assert len(softmax.estimator.validation_scores_) == softmax.epochs[0]
    assert by_key["logistic"].mean_epochs is None
    assert by_key["logistic"].time_per_epoch is None
    assert by_key["mlp"].time_per_epoch == pytest.approx(
        sum(by_key["mlp"].fit_times) / sum(by_key["mlp"].epochs)
    )


@pytest.fixture(scope="module")
def small_comparison():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    dataset = Dataset(
        "digits", "sklearn digits", X / 16, y, (8, 8), tuple("0123456789")
    )
    evaluation = choose_evaluation(dataset, test_size=0.25)
    return run_comparison(dataset, evaluation, ["softmax", "logistic"], max_iter=5)


def test_table_lists_models_header_and_notes(small_comparison):
    table = format_table(small_comparison)
    assert table.startswith(
        "dataset: sklearn digits (8x8 images)\nevaluation: " "stratified hold-out"
    )
    for column in (
        "held-out acc",
        "train acc",
        "fit time",
        "epochs",
        "time/epoch",
        "speed vs MLPClassifier",
    ):
        assert column in table
    rows = [
        line
        for line in table.splitlines()
        if line.startswith(("SoftmaxSGDClassifier", "LogisticRegression"))
    ]
    assert len(rows) == 2
    # Without MLPClassifier there is no speed ratio; 5 epochs did not converge.
    assert rows[0].endswith("-") and " 5* " in rows[0]
    assert "* stopped at max_iter" in table


def test_csv_and_json_hold_the_same_rows(small_comparison, tmp_path):
    write_csv(small_comparison, tmp_path / "results.csv")
    write_json(small_comparison, tmp_path / "results.json")
    with open(tmp_path / "results.csv", newline="") as f:
        csv_rows = list(csv.DictReader(f))
    document = json.loads((tmp_path / "results.json").read_text())
    assert [r["key"] for r in csv_rows] == ["softmax", "logistic"]
    assert [r["key"] for r in document["results"]] == ["softmax", "logistic"]
    for csv_row, json_row in zip(csv_rows, document["results"]):
        assert float(csv_row["heldout_accuracy"]) == json_row["heldout_accuracy"]
    assert csv_rows[1]["epochs"] == "" and document["results"][1]["epochs"] is None
    assert document["image_shape"] == [8, 8]
    assert len(document["learning_curves"]["softmax"]["loss_curve"]) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.json"]


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


def test_progress_prefixes_epoch_lines_and_quiet_prints_nothing():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    with progress.epochs("  model: "):
        print("Iteration 1, loss = 0.5")
        print("Iteration 2, loss = 0.4", end="")
        print()
    progress.message("done")
    assert stream.getvalue() == (
        "  model: Iteration 1, loss = 0.5\n" "  model: Iteration 2, loss = 0.4\ndone\n"
    )

    quiet_stream = io.StringIO()
    quiet = Progress(stream=quiet_stream, quiet=True)
    with quiet.epochs("x"):
        pass
    quiet.message("nothing")
    assert quiet_stream.getvalue() == ""


def test_subset_stays_stratified_when_labels_have_gaps():
    from skmnist._compare._datasets import _stratified_subset

    y = np.repeat([0, 2, 3], 40)  # label 1 absent
    X = np.arange(y.size, dtype=float)[:, None]
    _, y_keep = _stratified_subset(X, y, 30, random_state=0)
    assert np.bincount(y_keep).tolist() == [10, 0, 10, 10]


def test_subset_of_nearly_all_samples_does_not_fail():
    from skmnist._compare._datasets import _stratified_subset

    y = np.repeat(np.arange(10), 50)
    X = np.zeros((500, 2))
    X_keep, y_keep = _stratified_subset(X, y, 499, random_state=0)
    assert X_keep.shape == (499, 2) and y_keep.shape == (499,)

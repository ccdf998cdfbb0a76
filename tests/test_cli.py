"""``skmnist compare`` end to end: subprocesses on the embedded sample, and
in-process calls for the errors that must stop it before any training."""

import dataclasses
import fcntl
import html.parser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import types

import numpy as np
import pytest

from conftest import png_size
from skmnist._cli import EXIT_INTERRUPTED, main


def command(*args):
    return [sys.executable, "-m", "skmnist", *args]


def run_command(*args, cwd=None):
    """Run ``python -m skmnist ARGS``; return the CompletedProcess."""
    return subprocess.run(
        command(*args), capture_output=True, text=True, cwd=cwd, timeout=300
    )


def table_rows(stdout):
    """The model rows of the printed table: lines indented by two spaces
    (group titles are not indented, notes under a group are indented more)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("----"))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if line[:2] == "  " and line[2] != " " and not line.startswith("  held"):
            rows.append(line.strip())
    return rows


def run_main(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


SMALL_RUN = ("--n-samples", "600", "--max-iter", "8")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "out"
    result = run_command("compare", *SMALL_RUN, "--out", str(out))
    return result, out


def test_compare_prints_like_for_like_pairs_and_the_race(sample_run):
    result, _ = sample_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("dataset: MNIST sample shipped with skmnist")
    expected = "held out: stratified hold-out (480 train / 120 held out, 20%)"
    assert expected in result.stdout
    assert "softmax regression, like for like:" in result.stdout
    assert "one hidden layer of 100 ReLU units, like for like:" in result.stdout
    assert result.stdout.count("held equal: ") == 2
    rows = table_rows(result.stdout)
    assert [row.split("  ")[0] for row in rows] == [
        "SoftmaxSGDClassifier",
        "MLPClassifier, no hidden layer",
        "TwoLayerMLPClassifier",
        "MLPClassifier",
    ]
    # Speed only on our side of each pair; the peers are the reference.
    assert rows[0].endswith("x") and rows[2].endswith("x")
    assert rows[1].endswith("(peer)") and rows[3].endswith("(peer)")
    for row in rows:
        cells = re.split(r"\s{2,}", row)
        assert len(cells) == 7, row
        accuracy = float(cells[1])
        assert 0.5 < accuracy <= 1.0, row
    assert "time to reach MLPClassifier's held-out accuracy" in result.stdout


def test_progress_off_a_terminal_is_a_plan_and_a_line_per_model(sample_run):
    result, out = sample_run
    lines = result.stderr.splitlines()
    assert lines[0].startswith("plan: softmax/sklearn-softmax and mlp/sklearn-mlp")
    assert "480 training images of 28x28" in lines[0] and "about " in lines[0]
    model_lines = lines[1:6]
    assert [line.split(":")[0] for line in model_lines] == [
        "SoftmaxSGDClassifier",
        "MLPClassifier, no hidden layer",
        "TwoLayerMLPClassifier",
        "MLPClassifier",
        "TwoLayerMLPClassifier, recommended",
    ]
    assert all("held-out accuracy" in line for line in model_lines)
    assert lines[6:] == [
        f"writing the results, figures and report to {out} ...",
        f"wrote results.csv, results.json, report.html and 14 figures to {out}",
    ]
    assert "Iteration" not in result.stderr


def test_compare_writes_table_files_and_pngs(sample_run):
    result, out = sample_run
    assert result.returncode == 0, result.stderr
    expected_sizes = {
        "learning_curves.png": (1000, 500),
        "time_to_accuracy.png": (700, 450),
        "weights_softmax.png": (1000, 450),
        "weights_sklearn-softmax.png": (1000, 450),
        "hidden_units_mlp.png": (800, 850),
        "hidden_units_sklearn-mlp.png": (800, 850),
    }
    for key in ("softmax", "sklearn-softmax", "mlp", "sklearn-mlp"):
        expected_sizes[f"misclassified_{key}.png"] = (800, 850)
        expected_sizes[f"confusion_{key}.png"] = (700, 600)
    assert sorted(os.listdir(out)) == sorted(
        [*expected_sizes, "results.csv", "results.json", "report.html"]
    )
    assert sorted(os.listdir(out.parent)) == ["out"]  # no temporary left
    for name, size in expected_sizes.items():
        assert png_size(out / name) == size, name
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("model,key,library,role,pair,heldout_accuracy,")
    assert len(csv_lines) == 6


def test_results_json_holds_the_provenance(sample_run):
    _, out = sample_run
    document = json.loads((out / "results.json").read_text())
    assert document["command"] == ["skmnist", "compare", *SMALL_RUN, "--out", str(out)]
    assert document["complete"] is True and document["random_state"] == 0
    versions = document["environment"]["versions"]
    for library in ("python", "numpy", "scipy", "scikit-learn", "skmnist"):
        assert versions[library], library
    assert "numba" in versions  # its version, or None when absent
    assert document["environment"]["cpu_count"] >= 1
    assert document["environment"]["thread_pools"]
    models = {m["key"]: m for m in document["models"]}
    assert models["sklearn-mlp"]["params"]["hidden_layer_sizes"] == [100]
    assert models["mlp"]["params"]["n_hidden"] == 100
    assert models["mlp"]["params"]["max_iter"] == 8
    assert all(isinstance(m["converged"], bool) for m in models.values())
    assert document["dataset"]["name"] == "sample"


# ----------------------------------------------------------------------
# Ctrl-C


def _default_ctrl_c():
    # A test run started as a background job ignores SIGINT, and so would the
    # command (it leaves an ignored SIGINT alone, as a background job wants).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args, cwd):
    process = subprocess.Popen(
        command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        preexec_fn=_default_ctrl_c,
    )
    fcntl.fcntl(process.stderr, fcntl.F_SETFL, os.O_NONBLOCK)
    return process


def read_until(process, marker, timeout=120):
    """Read the process's stderr until ``marker`` appears; return it all."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, seen
        assert process.poll() is None, seen
        chunk = process.stderr.read()
        if chunk:
            seen += chunk
        time.sleep(0.02)
    return seen


def interrupt(process, seen=b""):
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout.decode(), (seen + stderr).decode()


def assert_interrupted(status, stdout, stderr, out):
    assert status == EXIT_INTERRUPTED, stderr
    assert stdout == ""  # no table, complete-looking or not
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == (
        "skmnist: interrupted; no results were printed or written"
    )
    assert not out.exists()
    assert os.listdir(out.parent) == []  # no temporary directory either


@pytest.mark.parametrize("delay", [0.5, 1.0, 3.0])
def test_ctrl_c_at_any_time_fails_and_writes_nothing(delay, tmp_path):
    # 0.5 s usually lands in the imports, 3 s in training.
    out = tmp_path / "runs" / "out"
    (tmp_path / "runs").mkdir()
    process = start("compare", "--out", str(out), cwd=tmp_path)
    time.sleep(delay)
    assert process.poll() is None, "the run ended before it was interrupted"
    assert_interrupted(*interrupt(process), out)


@pytest.mark.slow
def test_ctrl_c_inside_mlpclassifier_which_catches_it_still_fails(tmp_path):
    out = tmp_path / "runs" / "out"
    (tmp_path / "runs").mkdir()
    process = start(
        "compare", "--models", "softmax,sklearn-mlp", "--out", str(out), cwd=tmp_path
    )
    # Off a terminal the model's line starts when its training starts.
    seen = read_until(process, b"\nMLPClassifier:")
    time.sleep(0.5)
    status, stdout, stderr = interrupt(process, seen)
    assert_interrupted(status, stdout, stderr, out)
    assert "MLPClassifier: held-out" not in stderr


# ----------------------------------------------------------------------
# Errors stop the run before training and leave nothing behind


def assert_one_line_error(status, stdout, stderr, *fragments):
    assert status == 2, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("skmnist") and "error: " in lines[0]
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--dataset", "missing.mat"], "missing.mat"),
        (["--n-test", "100"], "--n-test applies to data with an official"),
        (["--cv", "3", "--dataset", "sample", "--n-samples", "20"], "rarest class"),
    ],
)
def test_bad_input_leaves_no_directory(argv, fragment, tmp_path, capsys):
    out = tmp_path / "a" / "b" / "out"
    status, stdout, stderr = run_main(
        ["compare", *argv, "--out", str(out), "-q"], capsys
    )
    assert_one_line_error(status, stdout, stderr, fragment)
    assert os.listdir(tmp_path) == []


def test_unwritable_out_fails_before_training(tmp_path, capsys):
    if os.geteuid() == 0:
        if not os.path.isdir("/sys"):
            pytest.skip("running as root without /sys: no directory root cannot write")
        parent = "/sys"  # not writable even by root
    else:
        parent = tmp_path / "read-only"
        parent.mkdir()
        parent.chmod(0o555)
    out = os.path.join(parent, "skmnist-out")
    status, stdout, stderr = run_main(["compare", "--out", out], capsys)
    assert_one_line_error(status, stdout, stderr, "not writable")
    assert "plan:" not in stderr  # nothing was trained
    assert not os.path.exists(out)


def test_out_holding_other_files_is_refused_and_an_earlier_run_replaced(
    tmp_path, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    status, stdout, stderr = run_main(["compare", "--out", str(out)], capsys)
    assert_one_line_error(status, stdout, stderr, "holds other files")
    assert os.listdir(out) == ["notes.txt"]

    from skmnist._compare._out import is_earlier_output as _is_earlier_output

    (out / "notes.txt").unlink()
    (out / "results.json").write_text("{}")
    (out / "learning_curves.png").write_bytes(b"")
    assert _is_earlier_output(out)


def test_offline_fetch_lists_all_four_files_and_leaves_no_folder(
    tmp_path, capsys, monkeypatch
):
    from skmnist.datasets import _fetch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setattr(
        _fetch, "MNIST", dataclasses.replace(_fetch.MNIST, mirrors=(dead,))
    )
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    data_home = tmp_path / "data"
    status, stdout, stderr = run_main(
        ["compare", "--dataset", "mnist", "--data-home", str(data_home), "-q"], capsys
    )
    assert status == 2 and stdout == ""
    assert stderr.startswith("skmnist: error: ")
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        assert os.path.join(str(data_home), "mnist", name) in stderr
    assert "--data-home" in stderr and "data_home argument" not in stderr
    assert max(len(line) for line in stderr.splitlines()) < 160  # readable lines
    assert not data_home.exists()


@pytest.mark.full_data
def test_quiet_run_of_the_course_file_with_cross_validation(tmp_path, course_mat_path):
    result = run_command(
        "compare",
        "--dataset",
        course_mat_path,
        "--models",
        "mlp,sklearn-mlp",
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
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "20x20 images" in result.stdout
    assert "stratified 3-fold cross-validation" in result.stdout
    assert "one hidden layer of 25 ReLU units, like for like:" in result.stdout
    row = table_rows(result.stdout)[0]
    assert row.startswith("TwoLayerMLPClassifier") and "±" in row
    assert png_size(tmp_path / "out" / "hidden_units_mlp.png") == (800, 850)
    assert png_size(tmp_path / "out" / "misclassified_mlp.png") == (800, 850)


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
        "--n-test",
        "100",
        "--max-iter",
        "3",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    assert "official test split (600 train / 100 test)" in result.stdout
    assert "a stratified random subset of 600 of the 60000 training" in result.stdout


def test_console_script_runs():
    script = shutil.which("skmnist", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the skmnist console script is not installed next to python")
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("skmnist ")


def test_the_command_starts_without_numpy_or_sklearn():
    code = (
        "import sys, skmnist._cli; "
        "print(sorted(m for m in ('numpy', 'sklearn') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_unknown_model_is_one_line_error(capsys):
    status, stdout, stderr = run_main(["compare", "--models", "softmax,svm"], capsys)
    assert_one_line_error(status, stdout, stderr, "unknown model 'svm'", "choose from")


def test_mat_with_the_wrong_variables_is_one_line_error(tmp_path, capsys):
    from scipy.io import savemat

    path = tmp_path / "wrong.mat"
    savemat(path, {"images": np.zeros((10, 400)), "labels": np.ones((10, 1))})
    status, stdout, stderr = run_main(["compare", "--dataset", str(path)], capsys)
    assert_one_line_error(status, stdout, stderr, "wrong.mat", "'X'", "'images'")
    assert "x_key" not in stderr


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["compare", "--cv", "1"], "at least 2 folds"),
        (["compare", "--n-samples", "0"], "positive integer"),
        (["compare", "--threads", "-1"], "0 (the libraries' default)"),
        (["compare", "--test-size", "2"], "fraction"),
        (["compare", "--cv", "3", "--test-size", "0.2"], "not allowed with"),
        (["compare", "--models", "mlp-fast"], "list sklearn-mlp too"),
        (["compare", "--frobnicate"], "unrecognized arguments"),
        (["launch"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, fragment, capsys):
    status, stdout, stderr = run_main(argv, capsys)
    assert_one_line_error(status, stdout, stderr, fragment)


def test_without_a_command_prints_help_and_fails(capsys):
    status, _, stderr = run_main([], capsys)
    assert status == 2 and "compare" in stderr


def test_main_restores_the_sigint_handler(capsys):
    before = signal.getsignal(signal.SIGINT)
    run_main(["compare", "--models", "svm"], capsys)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_ctrl_c_in_a_c_callback_prints_no_traceback(monkeypatch):
    # Numba's compiler calls back into Python from C; a Ctrl-C raised there
    # is "unraisable" and Python would print its traceback. While the command
    # owns SIGINT that report is dropped (the handler counted the interrupt);
    # anything else still reaches the previous hook, which comes back after.
    from skmnist._compare import _interrupts

    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    monkeypatch.setattr(signal, "getsignal", lambda signum: signal.default_int_handler)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    restore = _interrupts.install()
    interrupt = types.SimpleNamespace(exc_value=KeyboardInterrupt())
    error = types.SimpleNamespace(exc_value=ValueError("a real problem"))
    sys.unraisablehook(interrupt)
    sys.unraisablehook(error)
    assert reported == [error]
    restore()
    assert sys.unraisablehook == reported.append


def test_an_error_a_ctrl_c_caused_is_reported_as_the_interrupt(monkeypatch, capsys):
    import skmnist._compare
    from skmnist._compare import _interrupts

    def interrupted_import(*args, **kwargs):
        try:
            _interrupts._count_and_raise(signal.SIGINT, None)
        except KeyboardInterrupt:
            # What a library may turn an interrupted import into.
            raise ImportError("cannot import name 'x' (partially initialized)")

    monkeypatch.setattr(skmnist._compare, "load_dataset", interrupted_import)
    before = signal.getsignal(signal.SIGINT)
    status, stdout, stderr = run_main(["compare"], capsys)
    assert status == EXIT_INTERRUPTED and stdout == ""
    assert "interrupted" in stderr and "ImportError" not in stderr
    assert signal.getsignal(signal.SIGINT) is before


# ----------------------------------------------------------------------
# --version, memory, odd --out names, threads, a late Ctrl-C, report.html


def test_version_prints_the_package_version(capsys):
    import skmnist

    status, stdout, _ = run_main(["--version"], capsys)
    assert status == 0 and stdout == f"skmnist {skmnist.__version__}\n"


def _no_loading(monkeypatch):
    from skmnist.datasets._registry import DatasetEntry

    def load(self, data_home=None):
        raise AssertionError("the data was loaded before the run was refused")

    monkeypatch.setattr(DatasetEntry, "load", load)


def test_a_network_too_big_for_memory_is_refused_before_loading(monkeypatch, capsys):
    _no_loading(monkeypatch)
    status, stdout, stderr = run_main(["compare", "--n-hidden", "100000000"], capsys)
    assert_one_line_error(
        status, stdout, stderr, "--n-hidden 100000000 would need about", "TB"
    )
    assert "choose a smaller --n-hidden" in stderr and "MemoryError" not in stderr


def test_the_memory_estimate_follows_what_is_available(monkeypatch, capsys):
    from skmnist._compare import _memory

    monkeypatch.setattr(_memory, "available_bytes", lambda: 2_000_000)
    _no_loading(monkeypatch)
    status, stdout, stderr = run_main(["compare", "--dataset", "mnist"], capsys)
    assert_one_line_error(status, stdout, stderr, "about 2.0 MB is available")
    keys = ("softmax", "sklearn-softmax", "mlp", "sklearn-mlp", "mlp-fast")
    shape = {"n_features": 784, "n_train": 60_000, "n_heldout": 10_000}
    default = _memory.estimate_bytes(keys, n_hidden=None, max_iter=None, **shape)
    wide = _memory.estimate_bytes(keys, n_hidden=20_000, max_iter=None, **shape)
    # MLPClassifier scores all 60,000 training rows at once: 60,000 x 20,000
    # float32 activations alone take 4.8 GB.
    assert default < 1e9 and wide > 4.8e9


def test_a_data_file_is_checked_against_memory_once_loaded(
    tmp_path, monkeypatch, capsys
):
    from scipy.io import savemat

    from skmnist._compare import _memory

    path = tmp_path / "digits.mat"
    savemat(path, {"X": np.random.default_rng(0).random((100, 400)),
                   "y": np.arange(100) % 10 + 1})  # fmt: skip
    monkeypatch.setattr(_memory, "available_bytes", lambda: 1_000)
    status, stdout, stderr = run_main(["compare", "--dataset", str(path)], capsys)
    assert_one_line_error(status, stdout, stderr, "400 pixels", "1.0 KB is available")
    assert "plan:" not in stderr


@pytest.mark.parametrize(
    "name, fragment",
    [("", "--out is empty"), ("d" * 300, "choose a shorter name")],
)
def test_empty_or_too_long_out_is_refused_before_training(
    name, fragment, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    status, stdout, stderr = run_main(["compare", "--out", name], capsys)
    assert_one_line_error(status, stdout, stderr, fragment)
    assert "plan:" not in stderr and os.listdir(tmp_path) == []


@pytest.mark.parametrize("out", [".", "..", "../empty"])
def test_out_never_replaces_the_working_directory(out, tmp_path, monkeypatch, capsys):
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    status, stdout, stderr = run_main(["compare", "--out", out], capsys)
    assert_one_line_error(status, stdout, stderr, "working directory")
    assert here.is_dir() and os.listdir(tmp_path) == ["empty"]


@pytest.mark.parametrize("suffix", ["", "/", "/."], ids=["link", "link/", "link/."])
@pytest.mark.parametrize("earlier", [False, True], ids=["empty", "earlier-run"])
def test_a_symlinked_out_is_refused_before_training(earlier, suffix, tmp_path, capsys):
    # A link was accepted, then the whole run failed at the end ("Not a
    # directory"), or replaced the link and left ".part.old" debris.
    real = tmp_path / "real"
    real.mkdir()
    if earlier:
        (real / "results.json").write_text("{}")
    (tmp_path / "link").symlink_to("real")
    # "link/" names the link as much as "link" does (islink alone would
    # follow the trailing separator into the target).
    argv = ["compare", "--out", str(tmp_path / "link") + suffix]
    status, stdout, stderr = run_main(argv, capsys)
    assert_one_line_error(status, stdout, stderr, "symbolic link", repr(str(real)))
    assert "plan:" not in stderr  # nothing was trained
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]
    assert (tmp_path / "link").is_symlink()
    assert os.listdir(real) == (["results.json"] if earlier else [])


TINY_RUN = ("--models", "softmax", "--n-samples", "200", "--max-iter", "2", "-q")


def test_a_long_out_name_that_fits_is_written(tmp_path, capsys):
    out = tmp_path / ("r" * 250)
    status, _, stderr = run_main(["compare", *TINY_RUN, "--out", str(out)], capsys)
    assert status == 0, stderr
    assert "results.json" in os.listdir(out) and os.listdir(tmp_path) == [out.name]


def test_the_thread_count_reported_is_the_one_blas_runs(tmp_path, capsys):
    from threadpoolctl import threadpool_info

    out = tmp_path / "out"
    argv = ["compare", *TINY_RUN, "--threads", "10000", "--out", str(out)]
    status, stdout, stderr = run_main(argv, capsys)
    assert status == 0, stderr
    running = json.loads((out / "results.json").read_text())["threads"]
    most = max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    assert running is not None and running <= max(most, 10000) and running < 10000
    assert f"note: {running} BLAS thread" in stdout
    assert f"(--threads 10000; BLAS runs at most {running})" in " ".join(stdout.split())


LATE_CTRL_C = """
import os, signal, sys
from skmnist._cli import main

class Stderr:
    # Sends itself Ctrl-C when the run says what it wrote, after the table.
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        self.stream.write(text)
        if text.startswith("wrote results"):
            os.kill(os.getpid(), signal.SIGINT)
        return len(text)
    def flush(self):
        self.stream.flush()

sys.stderr = Stderr(sys.stderr)
sys.exit(main())
"""


def test_a_ctrl_c_after_the_results_are_out_keeps_the_success(tmp_path):
    out = tmp_path / "out"
    argv = ["compare", "--models", "softmax", "--n-samples", "200", "--max-iter", "2"]
    result = subprocess.run(
        [sys.executable, "-c", LATE_CTRL_C, *argv, "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote results" in result.stderr and "interrupted" not in result.stderr
    assert "held-out acc" in result.stdout and (out / "report.html").is_file()


class _Page(html.parser.HTMLParser):
    """The headings, images, captions and every URL-bearing attribute."""

    def __init__(self):
        super().__init__()
        self.headings, self.images, self.captions, self.urls = [], [], [], []
        self.tags, self._open = set(), None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        self.urls += [attrs[a] for a in ("src", "href") if a in attrs]
        self._open = tag

    def handle_data(self, data):
        if self._open in ("h1", "h2"):
            self.headings.append(data.strip())
        elif self._open == "figcaption" or self._open == "strong":
            self.captions.append(data)

    def handle_endtag(self, tag):
        self._open = None


def test_report_html_is_self_contained_with_every_figure(sample_run):
    import base64

    result, out = sample_run
    assert result.returncode == 0, result.stderr
    text = (out / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.headings == [
        "skmnist compare", "Plan", "Results", "Held equal", "Provenance", "Figures",
    ]  # fmt: skip
    pngs = sorted(name for name in os.listdir(out) if name.endswith(".png"))
    assert len(page.images) == len(pngs) >= 10
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in page.images}
    assert embedded == {(out / name).read_bytes() for name in pngs}
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert all(url.startswith(("data:", "#")) for url in page.urls)
    assert not {"script", "link", "iframe"} & page.tags
    assert "http://" not in text and "https://" not in text and "url(" not in text
    for name in pngs:
        assert text.count(f"<strong>{name}</strong>:") == 1  # each captioned
    assert "plan: " in text and "held equal: " in text and "numpy " in text


@pytest.mark.slow
def test_report_html_renders_in_chromium_with_every_figure(sample_run, tmp_path):
    import browser

    if browser.find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    result, out = sample_run
    assert result.returncode == 0, result.stderr
    rendered = browser.render(out / "report.html", tmp_path, size=(1200, 2400))
    assert browser.distinct_colours(rendered.screenshot) >= 16  # not blank
    for heading in ("Plan", "Results", "Held equal", "Provenance", "Figures"):
        assert f">{heading}</h2>" in rendered.dom
    pngs = [name for name in os.listdir(out) if name.endswith(".png")]
    assert rendered.dom.count('src="data:image/png;base64,') == len(pngs)

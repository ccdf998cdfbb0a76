"""The ``skmnist`` command.

``skmnist compare`` fits skmnist's estimators beside their like-for-like
scikit-learn peers on the same digits, scores them on held-out data and
prints (optionally saves) a table, with figures of the learning curves and
of what the models learned.

Ctrl-C is a failure at any point: the command ends with a short message and
exit status 130, prints no table and writes nothing to ``--out``. NumPy and
scikit-learn are imported only inside :func:`main`'s guard for that reason.
"""

import argparse
import contextlib
import os
import signal
import sys

from . import __version__

PROG = "skmnist"

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

# Failures a user can cause (bad path, bad file, missing optional package):
# reported as a message instead of a traceback.
_USER_ERRORS = (ValueError, OSError, ImportError)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors take one line (and exit with 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _model_list(text):
    from ._compare import parse_model_list

    try:
        return parse_model_list(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _integer(text, minimum, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
    return value


def _positive_int(text):
    return _integer(text, 1, "a positive integer")


def _thread_count(text):
    return _integer(text, 0, "0 (the libraries' default) or a positive integer")


def _fold_count(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"cross-validation needs at least 2 folds, got {value}"
        )
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {value}")
    return value


def _models_help():
    from ._compare import DEFAULT_MODELS, MODELS

    listing = "; ".join(f"{key}: {spec.description}" for key, spec in MODELS.items())
    return (
        f"comma-separated models to run; 'default' ({','.join(DEFAULT_MODELS)}) or "
        f"'all'. {listing}."
    )


def _dataset_help():
    from .datasets._registry import DATASETS

    listing = "; ".join(
        f"'{name}': {entry.description}{' (default)' if name == 'sample' else ''}"
        for name, entry in DATASETS.items()
    )
    return (
        f"{listing}; or a .mat file in the Coursera layout (X, y), or two IDX "
        "files: images then labels"
    )


def _with_test_split():
    from .datasets._registry import names_with_test_split

    return names_with_test_split()


def _compare_description():
    return (
        "Fit skmnist's estimators and their like-for-like scikit-learn peers "
        "(same capacity, solver, step size, batch size, epoch limit and stopping "
        "rule) on the same digits; print held-out accuracy, training accuracy, "
        "fit time, epochs, time per epoch and, within each pair, the speed per "
        "epoch. Then time our recommended network until it reaches the held-out "
        "accuracy MLPClassifier ends with. Held-out data: the official test split "
        f"for {_with_test_split()}; otherwise stratified K-fold cross-validation "
        "(--cv, default 5) or a stratified hold-out (--test-size; the default for "
        "the 5,000-image sample, 20%). Ctrl-C stops the run with status 130 and "
        "writes nothing."
    )


# ----------------------------------------------------------------------
# The options of ``skmnist compare``, one row each: flags, then the keyword
# arguments of ``add_argument`` (a callable ``help`` is called when the parser
# is built, so that registries supply their own lists). Rows inside a tuple
# of the second table are mutually exclusive.

_COMPARE_OPTIONS = (
    (("--dataset",), {"nargs": "+", "default": ["sample"], "metavar": "DATA",
                      "help": _dataset_help}),
    (("--models",), {"type": _model_list, "default": "default", "metavar": "NAMES",
                     "help": _models_help}),
    (("--max-iter",), {"type": _positive_int, "metavar": "N",
                       "help": "maximum epochs (lbfgs iterations for "
                       "LogisticRegression) for every model, both sides of each "
                       "pair alike; default: each model's own"}),
    (("--n-hidden",), {"type": _positive_int, "metavar": "N",
                       "help": "hidden units of both networks of the mlp pair "
                       "(default 100, MLPClassifier's default); a size that "
                       "would not fit in memory is refused before any work"}),
    (("--n-samples",), {"type": _positive_int, "metavar": "N",
                        "help": "use a stratified random subset of N images: of "
                        "the training part when there is an official test split "
                        "(the test part is kept whole, see --n-test), else of all "
                        "the data before the hold-out or folds are drawn"}),
    (("--n-test",), {"type": _positive_int, "metavar": "N",
                     "help": lambda: "score on a stratified random subset of N "
                     f"test images ({_with_test_split()} only: other data has no "
                     "official test split)"}),
    (("--random-state",), {"type": int, "default": 0, "metavar": "SEED",
                           "help": "seed of the models, the folds and the subsets "
                           "(default 0)"}),
    (("--threads",), {"type": _thread_count, "default": 1, "metavar": "N",
                      "help": "BLAS threads for every model alike (default 1: "
                      "steadier timings, and on a busy machine more threads can "
                      "be much slower; 0 leaves the libraries' default); the "
                      "table reports the count BLAS actually runs"}),
    (("--data-home",), {"metavar": "DIR",
                        "help": "data directory for the downloadable datasets "
                        "(default: $SKMNIST_DATA, else ~/skmnist_data)"}),
    (("--out",), {"metavar": "DIR",
                  "help": "write results.csv, results.json, PNG figures and "
                  "report.html (one self-contained page) into DIR (a new or "
                  "empty directory, or one an earlier run wrote), all at once "
                  "when the run succeeds"}),
    (("-q", "--quiet"), {"action": "store_true",
                         "help": "no plan and no progress on stderr"}),
)  # fmt: skip

_COMPARE_EXCLUSIVE = (
    (
        (("--cv",), {"type": _fold_count, "metavar": "K",
                     "help": "stratified K-fold cross-validation (data without "
                     "an official test split)"}),
        (("--test-size",), {"type": _fraction, "metavar": "FRACTION",
                            "help": "stratified hold-out of this fraction instead "
                            "of cross-validation"}),
    ),
)  # fmt: skip

_COMMANDS = (
    (
        "compare",
        "fit and score the models on held-out data, print a table",
        _compare_description,
        _COMPARE_OPTIONS,
        _COMPARE_EXCLUSIVE,
        "_run_compare",
    ),
)


def _add_options(parser, rows):
    for flags, options in rows:
        options = dict(options)
        if callable(options.get("help")):
            options["help"] = options["help"]()
        parser.add_argument(*flags, **options)


def build_parser():
    """Return the argument parser of the ``skmnist`` command, from the tables."""
    parser = _Parser(
        prog=PROG,
        description="Digit classifiers side by side: skmnist's estimators and "
        "scikit-learn's.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    for name, summary, description, options, exclusive, handler in _COMMANDS:
        command = commands.add_parser(name, help=summary, description=description())
        _add_options(command, options)
        for group in exclusive:
            _add_options(command.add_mutually_exclusive_group(), group)
        command.set_defaults(handler=globals()[handler])
    return parser


# ----------------------------------------------------------------------
# compare


def _command_line(argv):
    return [PROG] + list(sys.argv[1:] if argv is None else argv)


def _check_before_loading(args):
    """Everything that can fail before the data is loaded: --out, memory."""
    from ._compare import _out
    from .datasets._registry import DATASETS

    if args.out is not None:
        _out.check_out(args.out)
    entry = DATASETS.get(args.dataset[0]) if len(args.dataset) == 1 else None
    if entry is not None:
        n_train = entry.n_train or int(entry.n_images * 0.8)
        n_heldout = entry.n_images - n_train
        if args.n_samples is not None:
            n_train = min(n_train, args.n_samples)
        if args.n_test is not None:
            n_heldout = min(n_heldout, args.n_test)
        _check_memory(args, (n_train, n_heldout, entry.n_features))


def _check_memory(args, shape):
    from ._compare import _memory

    _memory.check_memory(
        args.models, n_hidden=args.n_hidden, max_iter=args.max_iter, shape=shape
    )


def _load(args):
    """The dataset and the held-out protocol, checked against the memory."""
    from ._compare import choose_evaluation, load_dataset

    dataset = load_dataset(
        args.dataset,
        data_home=args.data_home,
        n_samples=args.n_samples,
        n_test=args.n_test,
        random_state=args.random_state,
    )
    evaluation = choose_evaluation(
        dataset, cv=args.cv, test_size=args.test_size, random_state=args.random_state
    )
    # Again with the real sizes: a file's are known only now.
    n_train = evaluation.splits[0][1].shape[0]
    _check_memory(args, (n_train, evaluation.heldout_y.shape[0], dataset.X.shape[1]))
    return dataset, evaluation


def _run_compare(args):
    """Run ``skmnist compare``; return the exit status."""
    from threadpoolctl import threadpool_limits

    from ._compare import (
        Progress,
        _interrupts,
        _out,
        format_table,
        plan_line,
        run_comparison,
    )

    progress = Progress(quiet=args.quiet)
    try:
        _check_before_loading(args)
        dataset, evaluation = _load(args)
        threads = args.threads or None
        options = {
            "max_iter": args.max_iter,
            "n_hidden": args.n_hidden,
            "random_state": args.random_state,
        }
        with threadpool_limits(limits=threads):
            plan = plan_line(dataset, evaluation, args.models, **options)
            if not args.quiet:
                progress.message(plan)
            comparison = run_comparison(
                dataset,
                evaluation,
                args.models,
                threads=threads,
                progress=progress,
                **options,
            )
        comparison.plan = plan
        table = format_table(comparison)
        if args.out is not None:
            n_figures = _out.write_out(
                comparison, args.out, args.command_line, progress
            )
    except BaseException:
        progress.end_line()
        raise
    # Only now, with everything done, does a table appear.
    print(table, flush=True)
    # The results are out: a Ctrl-C from here on cannot make the run a failure.
    _interrupts.ignore_from_now()
    if args.out is not None:
        progress.message(
            f"wrote results.csv, results.json, report.html and {n_figures} figures "
            f"to {args.out}"
        )
    return 0


def _message(exc):
    """The exception's message; an OSError without one says what failed."""
    text = str(exc).strip()
    if isinstance(exc, OSError) and exc.strerror and (not text or text[0] == "["):
        # "[Errno 13] ..." says nothing a user needs; the file name does.
        text = exc.strerror
        if exc.filename:
            text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def _interrupted():
    message = f"{PROG}: interrupted; no results were printed or written"
    try:
        # A second Ctrl-C while saying so would print a traceback.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to set
        print(message, file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        print(message, file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, previous)
    return EXIT_INTERRUPTED


def _main(argv):
    from ._compare import _interrupts

    restore_sigint = _interrupts.install()
    sigints_before = _interrupts.sigint_count()
    status = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        args.command_line = _command_line(argv)
        status = args.handler(args)
        return status
    except Exception as exc:
        if _interrupts.sigint_count() != sigints_before:
            # An error a Ctrl-C caused: an ImportError mid-import, or numba's
            # compiler left broken by an interrupt its C callback swallowed.
            raise KeyboardInterrupt from None
        if not isinstance(exc, _USER_ERRORS):
            raise
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return 2
    finally:
        # A finished run as the program keeps Ctrl-C ignored through the
        # interpreter's shutdown (the handler ignored it once results were
        # out); called from Python, the caller gets its handler back.
        if not (status == 0 and argv is None):
            restore_sigint()


def main(argv=None):
    """Run the ``skmnist`` command; return its exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    status : int
        0 on success, 2 on a usage or input error, 130 when interrupted.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        status = _interrupted()
    if argv is None:
        # Running as the program: end now. After a Ctrl-C inside some imports
        # CPython would otherwise kill the process with SIGINT at exit, so the
        # status would be "killed by a signal" one time and 130 the next.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # closed, broken pipe
                stream.flush()
        os._exit(status)
    return status

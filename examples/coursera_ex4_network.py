"""The Coursera Machine Learning course's ex4 network, with skmnist.

Exercise 4 of Andrew Ng's Machine Learning course (``ex4.pdf``) trains a
400-25-10 network with sigmoid units on ``ex4data1.mat`` (5,000 digits of
20x20 pixels stored column-major, label 10 meaning the digit 0) with the L2
penalty lambda = 1 and 50 iterations of the conjugate-gradient optimizer
``fmincg``, and says the *training* accuracy should be about 95.3%.

Here ``TwoLayerMLPClassifier`` trains the same network on all 5,000 digits
with the same penalty (our per-sample ``alpha`` is lambda / m), but with 50
epochs of Adam instead of 50 conjugate-gradient iterations, and the output
says so beside the course's figure (and says when the file is a stand-in
such as ``digits20x20.mat`` rather than the course's own digits). Training
accuracy says little about new digits, so a second fit on a stratified 80%
is scored on the other 20%: the number the course does not report.

With ``--out DIR`` the figures (the 25 hidden units as images, which the
course displays with ``displayData(Theta1(:, 2:end))``, and held-out digits
it got wrong) are written there. The .mat file is looked for in the data
directory (``--data-home``, else ``$SKMNIST_DATA``, else ``~/skmnist_data``)
as ``ex4data1.mat`` or ``digits20x20.mat``, or given with ``--mat``.
``--quick`` runs 10 epochs: not comparable, and it says so.

First it checks backprop as the course's ``checkNNGradients(3)`` does: a
tiny 3-5-3 sigmoid network on 5 random samples with lambda = 3, gradients
against central differences; the course expects a relative difference
below 1e-9.
"""

import argparse
import os
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import numpy as np

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import get_data_home, load_mat
from skmnist.diagnostics import gradient_check

COURSE = "about 95.3% training accuracy (ex4.pdf: fmincg, 50 iterations, lambda=1)"
COURSE_FILE = "ex4data1.mat"
MAT_NAMES = (COURSE_FILE, "digits20x20.mat")
EPOCHS, QUICK_EPOCHS = 50, 10


def find_mat(data_home=None):
    """Return the first of :data:`MAT_NAMES` present in the data directory."""
    directory = get_data_home(data_home)
    for name in MAT_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def course_network(n_samples, max_iter):
    """400-25-10 with sigmoid units and the course's penalty.

    The course's cost adds lambda / (2 m) * sum(Theta^2) to the mean
    cross-entropy of m samples; our ``alpha / 2 * ||W||^2`` matches with
    alpha = lambda / m.
    """
    return TwoLayerMLPClassifier(
        n_hidden=25,
        activation="logistic",
        alpha=1.0 / n_samples,
        solver="adam",
        learning_rate_init=0.01,
        max_iter=max_iter,
        tol=0.0,  # run all max_iter epochs, as the course runs all its iterations
        random_state=0,
    )


def check_gradients():
    """The course's checkNNGradients(3): a 3-5-3 network, 5 samples, lambda 3."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 3)), np.array([0, 1, 2, 0, 1])
    tiny = TwoLayerMLPClassifier(n_hidden=5, activation="logistic", alpha=3 / 5)
    worst = max(gradient_check(tiny, X, y).values())
    print(
        f"gradient check (3-5-3 network, 5 samples, lambda=3): largest relative "
        f"difference {worst:.1e} | course: below 1e-9 (checkNNGradients)"
    )


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        # A fixed budget of epochs is the point here, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def save_figures(model, X_test, y_test, image_shape, out_dir):
    """Hidden units and misclassified held-out digits, as PNG files."""
    from skmnist.plotting import plot_hidden_units, plot_misclassified, save_figure

    os.makedirs(out_dir, exist_ok=True)
    paths = [
        os.path.join(out_dir, name)
        for name in ("ex4_hidden_units.png", "ex4_misclassified.png")
    ]
    save_figure(plot_hidden_units(model, image_shape, title="ex4 network"), paths[0])
    save_figure(
        plot_misclassified(
            X_test, y_test, model.predict(X_test), image_shape, title="ex4 network"
        ),
        paths[1],
    )
    return paths


def differences(path, quick):
    """What separates this run from the course's, in words."""
    what = [f"Adam for {QUICK_EPOCHS if quick else EPOCHS} epochs, not fmincg"]
    if os.path.basename(path) != COURSE_FILE:
        what.append(f"{os.path.basename(path)} is a stand-in, not the course's digits")
    return "; ".join(what)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mat", help="the .mat file (default: found in the data directory)"
    )
    parser.add_argument("--data-home", help="data directory to search")
    parser.add_argument("--out", help="directory for the figures (none by default)")
    parser.add_argument(
        "--quick", action="store_true", help="10 epochs (not comparable)"
    )
    args = parser.parse_args(argv)
    if args.out is not None:
        from skmnist.plotting import check_matplotlib

        check_matplotlib()  # before training, not after

    path = args.mat or find_mat(args.data_home)
    if path is None:
        sys.exit(
            f"no {' or '.join(MAT_NAMES)} in {get_data_home(args.data_home)}; "
            "pass --mat PATH or set SKMNIST_DATA"
        )
    check_gradients()
    digits = load_mat(path)
    X, y = digits.data, digits.target
    epochs = QUICK_EPOCHS if args.quick else EPOCHS

    # The course's protocol: all the digits, training accuracy.
    model = fit_quietly(course_network(len(y), epochs), X, y)
    train_accuracy = 100 * model.score(X, y)
    print(f"{os.path.basename(path)}: {len(y)} digits, {model.n_iter_} epochs")
    if args.quick:
        comparison = (
            f"course's figure not comparable (quick run: "
            f"{differences(path, args.quick)})"
        )
    else:
        comparison = f"course: {COURSE}; differs: {differences(path, args.quick)}"
    print(f"ours: training accuracy {train_accuracy:.1f}% | {comparison}")

    # What the course does not report: accuracy on digits not trained on.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    model = fit_quietly(course_network(len(y_train), epochs), X_train, y_train)
    heldout_accuracy = 100 * model.score(X_test, y_test)
    print(
        f"ours: held-out accuracy {heldout_accuracy:.1f}% | course: not reported "
        f"(trained on {len(y_train)}, scored on the other {len(y_test)})"
    )
    if args.out is None:
        print("pass --out DIR to save the hidden units and misclassified digits")
        return
    image_shape = digits.images.shape[1:]
    for figure in save_figures(model, X_test, y_test, image_shape, args.out):
        print(f"wrote {figure}")


if __name__ == "__main__":
    main()

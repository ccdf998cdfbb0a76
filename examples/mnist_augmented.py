"""Past 99% on MNIST with one hidden layer: training on distorted digits.

Simard, Steinkraus & Platt (ICDAR 2003) trained a 784-800-10 network on
elastically distorted digits and reached 0.7% test error, against 1.6% for
the same network on the plain images. TwoLayerMLPClassifier does the same
with ``augment=``: every minibatch is distorted afresh by Simard et al.'s
elastic distortions (``skmnist.augmentation.ElasticDistortion``), only while
training; predictions and the test set see the plain images.

Run ``python mnist_augmented.py`` for the documented configuration on full
MNIST (looked for in ``$SKMNIST_DATA``, downloaded otherwise); ``--save
model.pkl`` also writes the fitted estimator, so that anyone can load it
and score it on the test set themselves. The run prints Simard et al.'s
figure beside ours and what differs: same data, network shape and
distortions, but Adam, dropout and weight averaging where the paper used
plain SGD.

``--quick`` trains 3 epochs on the 5,000 digits shipped with skmnist (4,000
training, 1,000 held out), offline, to check that everything runs; its
accuracy is not comparable to the paper's and it says so.

``--record`` trains the one-hidden-layer record recipe instead: the same
network, slightly weaker distortions (alpha 30) and a step schedule
(``StepSchedule``: 1e-3 for 100 epochs, then 1e-4 for 30 epochs whose
weights are averaged). On a 2-core machine on 2026-12-03 it trained in 270
to 286 s and its saved models scored 0.9939, 0.9933 and 0.9936 over seeds 0
to 2 (mean 0.9936), against the paper's 0.993. ``--holdout`` scores on the last 10,000 training images
(trained on the first 50,000) instead of the test set, for choosing
settings without looking at the test set; ``--seed`` sets ``random_state``.

This is a command, not a gallery item: the gallery's "Training on distorted
digits" shows the transforms and a short training curve.
"""

import argparse
import os
import pickle
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist._files import atomic_write
from skmnist.augmentation import ElasticDistortion
from skmnist.datasets import fetch_mnist, get_data_home, load_mnist_sample
from skmnist.schedules import StepSchedule

PAPER_ERROR = 0.7  # %, 800 hidden units, elastic distortions, cross-entropy
PAPER = (
    f"Simard et al. 2003: {100 - PAPER_ERROR:.1f}% (784-800-10, cross-entropy, "
    "elastic distortions, plain SGD)"
)
DIFFERS = "Adam, dropout 0.3, the last 50 epochs' weights averaged"


def documented_model(n_train, quick=False):
    """README's configuration: 100 epochs on elastically distorted digits.

    The iterates of the last 50 epochs are averaged. The no-improvement
    rule is off (``n_iter_no_change=max_iter``): the training loss, measured
    on fresh distortions, wobbles from epoch to epoch, and the budget is
    the plan.
    """
    epochs = 3 if quick else 100
    model = TwoLayerMLPClassifier(
        n_hidden=800,
        dropout=0.3,
        max_iter=epochs,
        n_iter_no_change=epochs,
        average=epochs // 2 * n_train,
        random_state=0,
    )
    return model, ElasticDistortion(alpha=34, sigma=4)


RECORD_DIFFERS = (
    "Adam with a step schedule (1e-3, then 1e-4 for the last 30 of 130 epochs, "
    "whose weights are averaged), dropout 0.3, elastic alpha 30 (the paper's 34)"
)


def record_model(n_train, quick=False, seed=0):
    """The record recipe: 100 epochs at 1e-3, then 30 at 1e-4, averaged.

    ``average`` counts samples, so the averaging starts with the step down
    only if ``n_train`` is the size of the training set actually fitted.
    The distortions are a little weaker than the paper's (alpha 30, not
    34): chosen with ``--holdout``, where alpha 30, 34 and 38 gave 0.9917,
    0.9913 and 0.9899 (seed 0).
    """
    high, low = (2, 1) if quick else (100, 30)
    epochs = high + low
    model = TwoLayerMLPClassifier(
        n_hidden=800,
        dropout=0.3,
        learning_rate=StepSchedule([high], gamma=0.1),
        max_iter=epochs,
        n_iter_no_change=epochs,
        average=high * n_train,
        random_state=seed,
    )
    return model, ElasticDistortion(alpha=30, sigma=4)


def fit(model, augment, X, y):
    """Fit ``model`` on minibatches distorted afresh by ``augment``."""
    return model.set_params(augment=augment).fit(X, y)


def load(quick):
    """Full MNIST's 60,000 / 10,000, or the embedded sample's 4,000 / 1,000."""
    if quick:
        X, y = load_mnist_sample(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=0
        )
        return X_train, y_train, X_test, y_test
    try:
        X_train, y_train = fetch_mnist(subset="train", return_X_y=True)
        X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    except OSError:
        sys.exit(
            "full MNIST not found: put its four IDX files in "
            f"{os.path.join(get_data_home(), 'mnist')} (or set SKMNIST_DATA), "
            "or run with --quick for the embedded sample"
        )
    return X_train, y_train, X_test, y_test


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Past 99% on MNIST with one hidden layer: distorted digits."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 epochs on the embedded 5,000-digit sample (not comparable)",
    )
    parser.add_argument(
        "--save", metavar="PATH", help="write the fitted estimator there (pickle)"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="the record recipe (step schedule, 130 epochs) instead of the default",
    )
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="train on the first 50,000 and score the last 10,000 training "
        "images, not the test set (for choosing settings)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random_state")
    args = parser.parse_args(argv)
    X_train, y_train, X_test, y_test = load(args.quick)
    if args.holdout and not args.quick:
        X_train, y_train, X_test, y_test = (
            X_train[:50_000],
            y_train[:50_000],
            X_train[50_000:],
            y_train[50_000:],
        )

    if args.record:
        model, augment = record_model(len(y_train), args.quick, args.seed)
    else:
        model, augment = documented_model(len(y_train), args.quick)
        model.set_params(random_state=args.seed)
    with warnings.catch_warnings():
        # The epoch budget is the configuration, not a failure to converge.
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        fit(model, augment, X_train, y_train)
        seconds = time.perf_counter() - start
    accuracy = 100 * model.score(X_test, y_test)
    print(
        f"{len(y_train)} training images, {model.n_iter_} epochs in {seconds:.0f} s "
        f"({seconds / model.n_iter_:.2f} s per epoch)"
    )
    if args.quick:
        comparison = (
            "paper's figure not comparable (quick run: 3 epochs on 4,000 of the "
            "embedded sample's digits, scored on the other 1,000)"
        )
    elif args.holdout:
        comparison = "held-out part of the training set: no published figure"
    else:
        differs = RECORD_DIFFERS if args.record else DIFFERS
        comparison = f"{PAPER}; same data and network; differs: {differs}"
    scored_on = "held-out" if args.holdout and not args.quick else "test"
    print(f"ours: {scored_on} accuracy {accuracy:.2f}% | {comparison}")
    if args.save:
        with atomic_write(args.save) as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"saved the fitted estimator to {args.save}")


if __name__ == "__main__":
    main()

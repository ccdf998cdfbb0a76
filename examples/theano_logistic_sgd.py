"""Theano's "Classifying MNIST digits using Logistic Regression", with skmnist.

The tutorial (deeplearning.net, ``logistic_sgd.py``) trains a softmax
regression by plain minibatch SGD (learning rate 0.13, batches of 600, no
penalty) and stops with its *patience* rule: train at least 5,000 minibatches,
double the patience whenever the validation error improves by more than 0.5%,
keep the best model. It reports 7.49% test error on full MNIST (50,000 train /
10,000 validation / 10,000 test). ``SoftmaxSGDClassifier(patience=...)``
implements that rule; ``X_val``/``y_val`` is the tutorial's validation set.

Run ``python theano_logistic_sgd.py`` for the 5,000-image subset and the full
data (looked for in ``$SKMNIST_DATA``, downloaded otherwise), or ``--quick``
for a shortened subset run.
"""

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample

TUTORIAL_SUBSET_ERROR = 8.75  # % test error the tutorial reports on its subset
TUTORIAL_FULL_ERROR = 7.49  # % test error on full MNIST (7.489583%)


def tutorial_model(patience, max_iter=1000):
    """The tutorial's optimizer and stopping rule as an estimator."""
    return SoftmaxSGDClassifier(
        alpha=0.0,
        learning_rate_init=0.13,
        momentum=0.0,  # plain SGD
        average=False,
        batch_size=600,
        max_iter=max_iter,
        early_stopping=True,
        monitor="accuracy",  # the tutorial watches the validation error
        patience=patience,
        patience_increase=2.0,
        improvement_threshold=0.995,
        random_state=0,
    )


def run(name, train, valid, test, patience, max_iter, tutorial_error):
    """Fit on ``train`` with early stopping on ``valid``; report test error."""
    model = tutorial_model(patience, max_iter)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The quick run caps the epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*train, X_val=valid[0], y_val=valid[1])
    elapsed = time.perf_counter() - start
    test_error = 100 * (1 - model.score(*test))
    print(
        f"{name}: {len(train[1])} train / {len(valid[1])} validation / "
        f"{len(test[1])} test, {model.n_iter_} epochs in {elapsed:.1f} s, "
        f"best validation error {100 * (1 - model.best_validation_score_):.2f}%"
    )
    print(f"ours: test error {test_error:.2f}% | tutorial: {tutorial_error}%")


def subset_splits(quick):
    """Split the 5,000 sample digits 3:1:1 like the tutorial's 50k/10k/10k."""
    X, y = load_mnist_sample(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.4, stratify=y, random_state=0
    )
    X_valid, X_test, y_valid, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    splits = (X_train, y_train), (X_valid, y_valid), (X_test, y_test)
    if quick:
        # Fewer minibatches before stopping and a cap on the epochs; the rule
        # itself is unchanged.
        return (*splits, 100, 40)
    return (*splits, 5000, 1000)


def full_splits():
    """The tutorial's split: the last 10,000 training images validate."""
    parts = [
        fetch_mnist(subset=s, split="theano", return_X_y=True)
        for s in ("train", "valid", "test")
    ]
    return (*parts, 5000, 1000)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="subset only, shorter patience (a few seconds)",
    )
    args = parser.parse_args(argv)
    run("5,000-digit subset", *subset_splits(args.quick), TUTORIAL_SUBSET_ERROR)
    if not args.quick:
        run("full MNIST", *full_splits(), TUTORIAL_FULL_ERROR)


if __name__ == "__main__":
    main()

"""Theano's "Classifying MNIST digits using Logistic Regression", with skmnist.

The tutorial (deeplearning.net, ``logistic_sgd.py``) trains a softmax
regression by plain minibatch SGD (learning rate 0.13, batches of 600, no
penalty) and stops with its *patience* rule: train at least 5,000
minibatches, double the patience whenever the validation error improves by
more than 0.5%, keep the best model. On MNIST split 50,000 train / 10,000
validation / 10,000 test it reports a test error of 7.489583%. The 8.75% test
error quoted for mini-MNIST is the same logistic regression run on a subset
of 5,000 training / 500 validation / 500 test images.
``SoftmaxSGDClassifier(patience=...)`` implements the rule; ``X_val``/``y_val``
is the tutorial's validation set. The tutorial's epoch is ``n // 600`` whole
minibatches in file order, so the last images of the training set are never
seen (200 of the 50,000); we train on the same whole minibatches.

On our copy of the data the full run stops after 172 epochs, where the
tutorial reports 74: a NumPy transcription of the tutorial's loop on the
same arrays stops after 172 epochs too, and its first epoch's weights agree
with ours to 1e-16, so the difference lies in the tutorial's data file or
its arithmetic, not in the rule.

``python theano_logistic_sgd.py`` runs both protocols on the real data (full
MNIST from the data directory, downloaded otherwise): the full split, and a
5,000/500/500 subset (the first images of each part; the tutorial's subset
may hold other images). Each prints the tutorial's figure beside ours.

``--quick`` runs on the 5,000-digit sample shipped with skmnist instead
(4,000 / 500 / 500) with a shortened patience: a smoke test whose error is
not comparable to the tutorial's, and it says so.
"""

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample

FULL_ERROR = "7.49% (7.489583%, the tutorial's full-MNIST run)"
MINI_ERROR = "8.75% (the tutorial's logistic regression on mini-MNIST, 5,000/500/500)"
MINI_SIZES = (5000, 500, 500)


def tutorial_model(patience, max_iter=1000):
    """The tutorial's optimizer and stopping rule as an estimator."""
    return SoftmaxSGDClassifier(
        alpha=0.0,
        learning_rate_init=0.13,
        momentum=0.0,  # plain SGD
        average=False,
        shuffle=False,  # the tutorial visits its minibatches in file order
        batch_size=600,
        max_iter=max_iter,
        early_stopping=True,
        monitor="accuracy",  # the tutorial watches the validation error
        patience=patience,
        patience_increase=2.0,
        improvement_threshold=0.995,
        random_state=0,
    )


def run(name, train, valid, test, patience, max_iter):
    """Fit on ``train`` with early stopping on ``valid``; return the test error."""
    model = tutorial_model(patience, max_iter)
    train = whole_minibatches(*train, model.batch_size)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The quick run caps the epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*train, X_val=valid[0], y_val=valid[1])
    elapsed = time.perf_counter() - start
    print(
        f"{name}: {len(train[1])} train / {len(valid[1])} validation / "
        f"{len(test[1])} test, {model.n_iter_} epochs in {elapsed:.1f} s, "
        f"best validation error {100 * (1 - model.best_validation_score_):.2f}%"
    )
    return 100 * (1 - model.score(*test))


def whole_minibatches(X, y, batch_size):
    """The rows the tutorial's epoch covers: ``len(y) // batch_size`` minibatches."""
    n = len(y) // batch_size * batch_size
    return X[:n], y[:n]


def theano_parts():
    """The tutorial's split: the last 10,000 training images validate."""
    return [
        fetch_mnist(subset=s, split="theano", return_X_y=True)
        for s in ("train", "valid", "test")
    ]


def sample_parts():
    """The embedded sample split 4,000 / 500 / 500, stratified."""
    X, y = load_mnist_sample(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=1000, stratify=y, random_state=0
    )
    X_valid, X_test, y_valid, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    return (X_train, y_train), (X_valid, y_valid), (X_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the embedded sample, shorter patience (not comparable; a few seconds)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        # Fewer minibatches before stopping and a cap on the epochs; the rule
        # itself is unchanged.
        error = run("embedded sample", *sample_parts(), patience=100, max_iter=40)
        print(
            f"ours: test error {error:.2f}% | tutorial's figures not comparable "
            "(quick run: 3,600 training images and a patience of 100 minibatches "
            "instead of 5,000 and 5,000)"
        )
        return
    parts = theano_parts()
    mini = [(X[:n], y[:n]) for (X, y), n in zip(parts, MINI_SIZES)]
    error = run("mini-MNIST sizes", *mini, patience=5000, max_iter=1000)
    print(f"ours: test error {error:.2f}% | tutorial: {MINI_ERROR}, same protocol")
    error = run("full MNIST", *parts, patience=5000, max_iter=1000)
    print(f"ours: test error {error:.2f}% | tutorial: {FULL_ERROR}, same protocol")


if __name__ == "__main__":
    main()

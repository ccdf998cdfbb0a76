""" "Deep Learning from Scratch"'s TwoLayerNet (chapter 4), with skmnist.

The book (Koki Saitoh, O'Reilly Japan, 2016; script ``ch04/train_neuralnet.py``)
trains a 784-50-10 network with sigmoid hidden units by minibatch SGD
(learning rate 0.1, batches of 100, no penalty) for 10,000 iterations on
MNIST's 60,000 training images -- about 17 epochs -- printing train and test
accuracy once per epoch; its learning-curve figure ends at about 95% (read
off the figure, so approximate).

``python dlfs_two_layer_net.py`` runs that protocol on full MNIST (looked
for in the data directory, downloaded otherwise) with TwoLayerMLPClassifier:
exactly 10,000 steps of 100 images, one ``partial_fit`` pass per epoch, and
the test accuracy after each. Two details differ from the book, and the
output says so: the book draws each batch at random with replacement where
we shuffle each epoch, and it starts from weights 0.01 * N(0, 1) where we use
Glorot's uniform initialisation.

``--quick`` runs 30 epochs on the 5,000-digit sample shipped with skmnist
(4,000 training images, 1,000 held out): a smoke test whose accuracy is not
comparable to the book's, and it says so.

First, as the book's ``ch04/gradient_check.py`` (section 5.6.3), it compares
backprop with numerical gradients of the same 784-50-10 network on a batch
of 3 training images: 100 entries of each weight and bias array (the book
differentiates them all, minutes of work in Python). The book prints mean
absolute differences close to zero (about 1e-10 to 1e-7); here, the
relative error of each array.
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample
from skmnist.diagnostics import gradient_check

BOOK = "about 95% (read off the book's figure)"
STEPS, BATCH_SIZE = 10_000, 100
QUICK_EPOCHS = 30


def load(quick):
    if quick:
        X, y = load_mnist_sample(return_X_y=True)
        return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    X_train, y_train = fetch_mnist(subset="train", return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    return X_train, X_test, y_train, y_test


def book_network(seed=0):
    return TwoLayerMLPClassifier(
        n_hidden=50,
        activation="logistic",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        alpha=0.0,
        batch_size=BATCH_SIZE,
        random_state=seed,
    )


def check_gradients(X, y):
    """The book's gradient check: 784-50-10, a batch of 3 images."""
    errors = gradient_check(book_network(), X[:3], y[:3], n_checks=100)
    shown = ", ".join(f"{name} {error:.1e}" for name, error in errors.items())
    print(
        f"gradient check (3 images, relative error): {shown} | the book's check "
        "prints differences close to zero (mean absolute, about 1e-10 to 1e-7)"
    )


def passes(n_train, quick):
    """Row counts of each ``partial_fit`` pass: whole epochs, then the rest
    of the step budget (the book's 10,000 steps end mid-epoch)."""
    if quick:
        return [n_train] * QUICK_EPOCHS
    full, rest = divmod(STEPS * BATCH_SIZE, n_train)
    return [n_train] * full + ([rest] if rest else [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the 5,000-digit sample and 30 epochs (not comparable)",
    )
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = load(args.quick)
    check_gradients(X_train, y_train)
    model = book_network()
    rng = np.random.default_rng(0)
    classes = np.unique(y_train)
    plan = passes(len(y_train), args.quick)
    for epoch, n_rows in enumerate(plan, start=1):
        rows = rng.permutation(len(y_train))[:n_rows]
        model.partial_fit(X_train[rows], y_train[rows], classes=classes)
        if epoch % 5 == 0 or epoch == len(plan):
            print(
                f"epoch {epoch:3d}: train loss {model.loss_curve_[-1]:.4f}, test "
                f"accuracy {model.score(X_test, y_test):.4f}"
            )
    train_accuracy = 100 * model.score(X_train, y_train)
    test_accuracy = 100 * model.score(X_test, y_test)
    steps = sum(-(-n // BATCH_SIZE) for n in plan)
    print(f"{len(y_train)} train / {len(y_test)} test, {steps} steps of {BATCH_SIZE}")
    print(f"train accuracy {train_accuracy:.1f}%")
    if args.quick:
        comparison = (
            "book's figure not comparable (quick run: 4,000 training images "
            "instead of 60,000)"
        )
    else:
        comparison = (
            f"book: {BOOK}; same data, network, optimizer and steps; differs: "
            "batches drawn per shuffled epoch, Glorot initialisation"
        )
    print(f"ours: test accuracy {test_accuracy:.1f}% | {comparison}")


if __name__ == "__main__":
    main()

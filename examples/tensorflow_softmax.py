"""TensorFlow's "MNIST for ML beginners" softmax regression, with skmnist.

The tutorial (TensorFlow 1.x, ``mnist_softmax.py``) fits
``y = softmax(x W + b)`` with W and b starting at zero, by plain gradient
descent (learning rate 0.5) on 1,000 minibatches of 100 training images, and
reports "about 92%" test accuracy. Its data reader keeps MNIST's first 5,000
training images for validation, so it trains on the other 55,000.

``python tensorflow_softmax.py`` runs that protocol on full MNIST (looked
for in the data directory, downloaded otherwise): SoftmaxSGDClassifier also
starts at zero and takes exactly 1,000 steps of 100 images -- one shuffled
pass over the 55,000 images, then 450 steps into a second one. It prints
the tutorial's figure beside ours.

``--quick`` runs on the 5,000-digit sample shipped with skmnist instead
(4,000 training images seen 25 times, 1,000 held out): a smoke test whose
accuracy is not comparable to the tutorial's, and it says so.
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, load_mnist_sample

TUTORIAL = "about 92% (TensorFlow 1.x tutorial 'MNIST For ML Beginners')"
STEPS, BATCH_SIZE = 1000, 100
N_VALIDATION = 5000  # the tutorial's reader holds these out of training


def load(quick):
    """Training and test arrays: the tutorial's, or the sample's."""
    if quick:
        X, y = load_mnist_sample(return_X_y=True)
        return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    X_train, y_train = fetch_mnist(subset="train", return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    return X_train[N_VALIDATION:], X_test, y_train[N_VALIDATION:], y_test


def train(X_train, y_train, steps=STEPS, batch_size=BATCH_SIZE, seed=0):
    """Exactly ``steps`` minibatch steps, one ``partial_fit`` pass at a time."""
    model = SoftmaxSGDClassifier(
        alpha=0.0,
        learning_rate_init=0.5,
        momentum=0.0,
        average=False,  # the tutorial predicts with the last iterate
        batch_size=batch_size,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    classes = np.unique(y_train)
    remaining = steps * batch_size  # images still to show
    while remaining > 0:
        # A full shuffled pass, or the first images of a fresh shuffle.
        rows = rng.permutation(len(y_train))[:remaining]
        model.partial_fit(X_train[rows], y_train[rows], classes=classes)
        remaining -= len(rows)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the 5,000-digit sample instead of full MNIST (not comparable)",
    )
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = load(args.quick)
    model = train(X_train, y_train)
    accuracy = 100 * model.score(X_test, y_test)
    print(
        f"{len(y_train)} train / {len(y_test)} test, {STEPS} steps of "
        f"{BATCH_SIZE}-image batches"
    )
    if args.quick:
        comparison = (
            "tutorial's figure not comparable (quick run: 4,000 training "
            "images seen 25 times, not 55,000 seen 1.8 times)"
        )
    else:
        comparison = f"tutorial: {TUTORIAL}, same protocol"
    print(f"ours: test accuracy {accuracy:.1f}% | {comparison}")


if __name__ == "__main__":
    main()

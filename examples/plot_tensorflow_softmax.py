"""
TensorFlow's "MNIST for ML beginners" softmax regression
========================================================

The TensorFlow 1.x tutorial (``mnist_softmax.py``) fits
``y = softmax(x W + b)`` with W and b starting at zero, by plain gradient
descent (learning rate 0.5) on 1,000 minibatches of 100 training images, and
reports "about 92%" test accuracy. Its data reader keeps MNIST's first 5,000
training images for validation, so it trains on the other 55,000.

:class:`~skmnist.SoftmaxSGDClassifier` also starts at zero; here it takes
exactly 1,000 steps of 100 images through ``partial_fit``, one shuffled pass
at a time. This page runs on the 5,000 digits shipped with skmnist (4,000
training images, seen 25 times; 1,000 held out), so the tutorial's figure is
not comparable and none is printed. The tutorial's protocol on full MNIST
(in the data directory, downloaded when missing)::

    python examples/plot_tensorflow_softmax.py --full

prints the tutorial's figure beside our run: one shuffled pass over the
55,000 images, then 450 steps into a second one.
"""

# %%
# Options
# -------
import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, get_data_home, load_mnist_sample
from skmnist.plotting import plot_class_weights

parser = argparse.ArgumentParser(description="TensorFlow's softmax regression.")
parser.add_argument(
    "--full", action="store_true", help="the tutorial's protocol on full MNIST"
)
args = parser.parse_args()

TUTORIAL = "about 92% (TensorFlow 1.x tutorial 'MNIST For ML Beginners')"
STEPS, BATCH_SIZE = 1000, 100
N_VALIDATION = 5000  # the tutorial's reader holds these out of training


# %%
# Data: the sample, or the tutorial's 55,000 / 10,000
# ---------------------------------------------------
def load(full):
    if not full:
        X, y = load_mnist_sample(return_X_y=True)
        return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    try:
        X_train, y_train = fetch_mnist(subset="train", return_X_y=True)
        X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    except OSError:
        sys.exit(
            "full MNIST not found: put its four IDX files in "
            f"{os.path.join(get_data_home(), 'mnist')} (or set SKMNIST_DATA), "
            "or run without --full for the embedded sample"
        )
    return X_train[N_VALIDATION:], X_test, y_train[N_VALIDATION:], y_test


X_train, X_test, y_train, y_test = load(args.full)

# %%
# Exactly 1,000 steps of 100 images
# ---------------------------------
# Each ``partial_fit`` call is one pass over the rows it is given; the last
# pass takes the first rows of a fresh shuffle to end on step 1,000. The
# test accuracy is recorded after each pass.
model = SoftmaxSGDClassifier(
    alpha=0.0,
    learning_rate_init=0.5,
    momentum=0.0,
    average=False,  # the tutorial predicts with the last iterate
    batch_size=BATCH_SIZE,
    random_state=0,
)
rng = np.random.default_rng(0)
classes = np.unique(y_train)
remaining, steps_done, history = STEPS * BATCH_SIZE, [], []
while remaining > 0:
    rows = rng.permutation(len(y_train))[:remaining]
    model.partial_fit(X_train[rows], y_train[rows], classes=classes)
    remaining -= len(rows)
    steps_done.append(STEPS - remaining // BATCH_SIZE)
    history.append(model.score(X_test, y_test))

accuracy = 100 * model.score(X_test, y_test)
print(
    f"{len(y_train)} train / {len(y_test)} test, {STEPS} steps of "
    f"{BATCH_SIZE}-image batches"
)
if args.full:
    comparison = f"tutorial: {TUTORIAL}, same protocol"
else:
    comparison = (
        "tutorial's figure not comparable (the embedded sample: 4,000 training "
        "images seen 25 times, not 55,000 seen 1.8 times)"
    )
print(f"ours: test accuracy {accuracy:.1f}% | {comparison}")

# %%
# Test accuracy along the 1,000 steps
# -----------------------------------
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(steps_done, 100 * np.asarray(history), marker="o")
ax.set_xlabel("steps of 100 images")
ax.set_ylabel("test accuracy (%)")
ax.set_title("softmax regression, plain gradient descent, rate 0.5")
fig.tight_layout()

# %%
# What each class's weights look for
# ----------------------------------
# The tutorial shows these images: the weights of each class, red for
# evidence for the digit, blue against.
# :mod:`skmnist.plotting` returns a Figure made without pyplot: it opens no
# window by itself; ``fig.savefig("name.png")`` saves it.
fig = plot_class_weights(
    model, (28, 28), title="SoftmaxSGDClassifier after 1,000 steps"
)
plt.show()

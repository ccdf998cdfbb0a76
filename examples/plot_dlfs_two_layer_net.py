"""
The TwoLayerNet of "Deep Learning from Scratch", with its gradient check
========================================================================

The book (Koki Saitoh, O'Reilly Japan, 2016; ``ch04/train_neuralnet.py``)
trains a 784-50-10 network with sigmoid hidden units by minibatch SGD
(learning rate 0.1, batches of 100, no penalty) for 10,000 iterations on
MNIST's 60,000 training images (about 17 epochs), printing train and test
accuracy once per epoch; its learning-curve figure ends at about 95% (read
off the figure, so approximate).

:class:`~skmnist.TwoLayerMLPClassifier` trains the same network, one
``partial_fit`` pass per epoch. First, as the book's ``ch04/gradient_check.py``
does, :func:`~skmnist.diagnostics.gradient_check` compares backprop with
numerical gradients on a batch of 3 images (100 entries of each array; the
book differentiates them all).

This page runs 30 epochs on the 5,000 digits shipped with skmnist (4,000
training images, 1,000 held out), so the book's figure is not comparable and
none is printed. The book's protocol on full MNIST (in the data directory,
downloaded when missing)::

    python examples/plot_dlfs_two_layer_net.py --full

runs exactly 10,000 steps of 100 images and prints the book's figure beside
ours. Two details still differ, and it says so: the book draws each batch at
random with replacement where we shuffle each epoch, and it starts from
weights 0.01 * N(0, 1) where we use Glorot's uniform initialisation.
"""

# %%
# Options and data
# ----------------
import argparse
import os
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import fetch_mnist, get_data_home, load_mnist_sample
from skmnist.diagnostics import gradient_check

parser = argparse.ArgumentParser(description="Deep Learning from Scratch's TwoLayerNet")
parser.add_argument(
    "--full", action="store_true", help="the book's protocol on full MNIST"
)
args = parser.parse_args()

BOOK = "about 95% (read off the book's figure)"
STEPS, BATCH_SIZE = 10_000, 100
SAMPLE_EPOCHS = 30


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
    return X_train, X_test, y_train, y_test


X_train, X_test, y_train, y_test = load(args.full)


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


# %%
# The gradient check
# ------------------
# Relative error of backprop against central differences, per weight and
# bias array of the 784-50-10 network.
errors = gradient_check(book_network(), X_train[:3], y_train[:3], n_checks=100)
shown = ", ".join(f"{name} {error:.1e}" for name, error in errors.items())
print(
    f"gradient check (3 images, relative error): {shown} | the book's check "
    "prints differences close to zero (mean absolute, about 1e-10 to 1e-7)"
)

# %%
# Training, one pass per epoch
# ----------------------------
# The book's 10,000 steps end mid-epoch: the last pass takes the rest.
if args.full:
    full, rest = divmod(STEPS * BATCH_SIZE, len(y_train))
    plan = [len(y_train)] * full + ([rest] if rest else [])
else:
    plan = [len(y_train)] * SAMPLE_EPOCHS
model = book_network()
rng = np.random.default_rng(0)
classes = np.unique(y_train)
train_acc, test_acc = [], []
for n_rows in plan:
    rows = rng.permutation(len(y_train))[:n_rows]
    model.partial_fit(X_train[rows], y_train[rows], classes=classes)
    train_acc.append(model.score(X_train, y_train))
    test_acc.append(model.score(X_test, y_test))

steps = sum(-(-n // BATCH_SIZE) for n in plan)
print(f"{len(y_train)} train / {len(y_test)} test, {steps} steps of {BATCH_SIZE}")
print(f"train accuracy {100 * train_acc[-1]:.1f}%")
if args.full:
    comparison = (
        f"book: {BOOK}; same data, network, optimizer and steps; differs: "
        "batches drawn per shuffled epoch, Glorot initialisation"
    )
else:
    comparison = (
        "book's figure not comparable (the embedded sample: 4,000 training "
        "images instead of 60,000)"
    )
print(f"ours: test accuracy {100 * test_acc[-1]:.1f}% | {comparison}")

# %%
# The book's figure: train and test accuracy per epoch
# ----------------------------------------------------
epochs = np.arange(1, len(plan) + 1)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(epochs, train_acc, label="train")
ax.plot(epochs, test_acc, linestyle="--", label="test")
ax.set_xlabel("epoch")
ax.set_ylabel("accuracy")
ax.set_ylim(0, 1.0)
ax.set_title("784-50-10 sigmoid network, SGD 0.1, batches of 100")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

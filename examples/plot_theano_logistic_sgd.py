"""
Theano's logistic regression, with its patience early stopping
===============================================================

The Theano tutorial "Classifying MNIST digits using Logistic Regression"
(deeplearning.net, ``logistic_sgd.py``) trains a softmax regression by plain
minibatch SGD (learning rate 0.13, batches of 600, no penalty) and stops with
its *patience* rule: train at least 5,000 minibatches, double the patience
whenever the validation error improves by more than 0.5%, keep the best
model. On MNIST split 50,000 train / 10,000 validation / 10,000 test it
reports a test error of 7.489583%; on "mini-MNIST" (5,000 / 500 / 500) 8.75%.

:class:`~skmnist.SoftmaxSGDClassifier` implements the rule
(``patience=...``), and ``fit(X, y, X_val=..., y_val=...)`` takes the
tutorial's validation set. The tutorial's epoch is ``n // 600`` whole
minibatches in file order, so we train on the same whole minibatches.

This page runs on the 5,000 digits shipped with skmnist (4,000 / 500 / 500)
with a patience of 100 minibatches instead of 5,000: the rule is the
tutorial's, the data and the patience are not, so the tutorial's figures are
not comparable and none is printed. The tutorial's own protocol, on full
MNIST (in the data directory, downloaded when missing)::

    python examples/plot_theano_logistic_sgd.py --full

prints each of the tutorial's two figures beside our run under its protocol.
On our copy of the data the full run stops after 172 epochs where the
tutorial reports 74; a NumPy transcription of the tutorial's loop on the same
arrays stops after 172 epochs too, so the difference lies in the tutorial's
data file or its arithmetic, not in the rule.
"""

# %%
# Options
# -------
# The gallery runs the script without arguments: the embedded sample.
import argparse
import os
import sys
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier
from skmnist.datasets import fetch_mnist, get_data_home, load_mnist_sample
from skmnist.plotting import plot_class_weights

parser = argparse.ArgumentParser(
    description="Theano's logistic regression with patience early stopping."
)
parser.add_argument(
    "--full",
    action="store_true",
    help="the tutorial's protocols on full MNIST (minutes; the data directory)",
)
args = parser.parse_args()

FULL_ERROR = "7.49% (7.489583%, the tutorial's full-MNIST run)"
MINI_ERROR = "8.75% (the tutorial's logistic regression on mini-MNIST, 5,000/500/500)"
MINI_SIZES = (5000, 500, 500)


# %%
# The tutorial's optimizer and stopping rule as an estimator
# ----------------------------------------------------------
def tutorial_model(patience, max_iter=1000):
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


def whole_minibatches(X, y, batch_size):
    """The rows the tutorial's epoch covers: ``len(y) // batch_size`` batches."""
    n = len(y) // batch_size * batch_size
    return X[:n], y[:n]


def run(name, train, valid, test, patience, max_iter):
    """Fit with early stopping on ``valid``; return the model and test error."""
    model = tutorial_model(patience, max_iter)
    train = whole_minibatches(*train, model.batch_size)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The sample run caps the epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*train, X_val=valid[0], y_val=valid[1])
    elapsed = time.perf_counter() - start
    print(
        f"{name}: {len(train[1])} train / {len(valid[1])} validation / "
        f"{len(test[1])} test, {model.n_iter_} epochs in {elapsed:.1f} s, "
        f"best validation error {100 * (1 - model.best_validation_score_):.2f}%"
    )
    return model, 100 * (1 - model.score(*test))


def theano_parts():
    """The tutorial's split of full MNIST: the last 10,000 training images
    validate. Missing files end the script with one line saying where."""
    try:
        return [
            fetch_mnist(subset=s, split="theano", return_X_y=True)
            for s in ("train", "valid", "test")
        ]
    except OSError:
        sys.exit(
            "full MNIST not found: put its four IDX files in "
            f"{os.path.join(get_data_home(), 'mnist')} (or set SKMNIST_DATA), "
            "or run without --full for the embedded sample"
        )


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


# %%
# Training with the patience rule
# -------------------------------
# The sample run uses a patience of 100 minibatches and at most 40 epochs;
# ``--full`` runs both of the tutorial's protocols.
if args.full:
    parts = theano_parts()
    mini = [(X[:n], y[:n]) for (X, y), n in zip(parts, MINI_SIZES)]
    _, error = run("mini-MNIST sizes", *mini, patience=5000, max_iter=1000)
    print(f"ours: test error {error:.2f}% | tutorial: {MINI_ERROR}, same protocol")
    model, error = run("full MNIST", *parts, patience=5000, max_iter=1000)
    print(f"ours: test error {error:.2f}% | tutorial: {FULL_ERROR}, same protocol")
else:
    model, error = run("embedded sample", *sample_parts(), patience=100, max_iter=40)
    print(
        f"ours: test error {error:.2f}% | tutorial's figures not comparable "
        "(the embedded sample: 3,600 training images and a patience of 100 "
        "minibatches instead of 50,000 or 5,000 images and 5,000)"
    )

# %%
# What the rule watched
# ---------------------
# The validation error after each epoch; the rule kept the weights of the
# best one (the dot), not the last.
errors = 100 * (1 - np.asarray(model.validation_scores_))
best = int(np.argmin(errors))
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(np.arange(1, len(errors) + 1), errors, label="validation error")
ax.plot(best + 1, errors[best], "o", label=f"kept: epoch {best + 1}")
ax.set_xlabel("epoch")
ax.set_ylabel("validation error (%)")
ax.set_title("SoftmaxSGDClassifier with the tutorial's patience rule")
ax.legend()
fig.tight_layout()

# %%
# The learned weights
# -------------------
# Each class's 784 weights as an image: red pixels vote for the digit,
# blue ones against it.
# :mod:`skmnist.plotting` returns a Figure made without pyplot: it opens no
# window by itself; ``fig.savefig("name.png")`` saves it.
fig = plot_class_weights(model, (28, 28), title="weights kept by the patience rule")
plt.show()

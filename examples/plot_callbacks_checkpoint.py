"""
Callbacks: a validation monitor, checkpoints, and resuming a fit
================================================================

With scikit-learn >= 1.9 both estimators take scikit-learn's callbacks
(``set_callbacks``): each ``fit`` is a task and each epoch a subtask.
:mod:`skmnist.callbacks` adds what scikit-learn does not ship:

* :class:`~skmnist.callbacks.ValidationMonitor` scores a held-out set of
  yours with any scorer after each epoch, stops after ``patience`` epochs
  without progress and ends the fit with the best epoch's weights;
* :class:`~skmnist.callbacks.Checkpoint` writes the model atomically every
  ``every`` epochs.

A checkpoint resumes with ``partial_fit``: each call is one more epoch with
the optimizer state, shuffling and step sizes the fit would have used, so
an interrupted fit resumed from its checkpoint ends with the same weights as
an uninterrupted one. This page shows both on the 5,000-digit sample shipped
with skmnist; no published figure is involved.
"""

# %%
# Data, and scikit-learn's callback API
# -------------------------------------
import os
import pickle
import shutil
import sys
import tempfile
import warnings

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.callbacks import Checkpoint, ValidationMonitor
from skmnist.datasets import load_mnist_sample

try:
    import sklearn.callback
except ImportError:
    sys.exit(
        f"callbacks need scikit-learn >= 1.9 (this is {sklearn.__version__}): "
        'pip install "skmnist[progress]"'
    )

X, y = load_mnist_sample(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=0
)

# %%
# A validation monitor: balanced accuracy, a patience of 5 epochs
# ---------------------------------------------------------------
# It writes a checkpoint every 5 epochs as well.
workdir = tempfile.mkdtemp()
checkpoint_path = os.path.join(workdir, "mlp.pkl")
monitor = ValidationMonitor(X_val, y_val, scoring="balanced_accuracy", patience=5)
clf = TwoLayerMLPClassifier(learning_rate_init=2e-3, max_iter=40, random_state=0)
clf.set_callbacks(monitor, Checkpoint(checkpoint_path, every=5))
clf.fit(X_train, y_train)
run = monitor.runs[-1]
print(
    f"monitor: stopped={run.stopped} after {clf.n_iter_} epochs; kept epoch "
    f"{run.best_epoch}, balanced accuracy {run.best_score:.4f}"
)

fig, ax = plt.subplots(figsize=(7, 3.5))
epochs = np.arange(1, len(run.scores) + 1)
ax.plot(epochs, run.scores, marker=".", label="balanced accuracy (validation)")
ax.axvline(run.best_epoch, color="black", linestyle=":", label="kept epoch")
ax.set_xlabel("epoch")
ax.set_ylabel("balanced accuracy")
ax.set_title("ValidationMonitor(scoring='balanced_accuracy', patience=5)")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# Resuming from a checkpoint
# --------------------------
# A fit stopped after 5 epochs left its checkpoint. Loading it and calling
# ``partial_fit`` five times gives the weights of an uninterrupted 10-epoch
# fit, bit for bit.
with warnings.catch_warnings():
    # Ten epochs is the plan here, not a failure to converge.
    warnings.simplefilter("ignore", ConvergenceWarning)
    plain = TwoLayerMLPClassifier(max_iter=10, tol=0.0, random_state=0)
    plain.fit(X_train, y_train)
    # The same fit, "interrupted" after its checkpoint of epoch 5.
    halfway = TwoLayerMLPClassifier(max_iter=5, tol=0.0, random_state=0)
    halfway.set_callbacks(Checkpoint(checkpoint_path, every=5)).fit(X_train, y_train)
with open(checkpoint_path, "rb") as f:
    resumed = pickle.load(f)
for _ in range(5):
    resumed.partial_fit(X_train, y_train)
same = all(
    np.array_equal(a, b)
    for a, b in zip(
        resumed.coefs_ + resumed.intercepts_, plain.coefs_ + plain.intercepts_
    )
)
print(
    f"resumed after epoch 5, five partial_fit calls: same weights as 10 epochs: {same}"
)

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(np.arange(1, 11), plain.loss_curve_, marker="o", label="one fit of 10 epochs")
ax.plot(
    np.arange(1, 11), resumed.loss_curve_, marker="x", linestyle="--",
    label="5 epochs, checkpoint, 5 partial_fit calls",
)  # fmt: skip
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title("a resumed fit retraces the uninterrupted one")
ax.legend()
fig.tight_layout()
shutil.rmtree(workdir)
plt.show()

"""
Early stopping: which validation quantity to watch
===================================================

With ``early_stopping=True`` (or a validation set of your own given as
``fit(X, y, X_val=..., y_val=...)``), :class:`~skmnist.TwoLayerMLPClassifier`
checks the validation set after each epoch, stops when the watched quantity
stops improving, and ends the fit with the best epoch's weights (with their
optimizer state). :class:`~sklearn.neural_network.MLPClassifier` watches the
validation *accuracy*; our default, ``monitor="loss"``, watches the
validation *cross-entropy*, which moves with every sample's confidence
rather than only with the few that change sides, so it is less noisy.
``monitor="accuracy"`` is MLPClassifier's choice.

Here the same network, with the same seed and the same validation set, is
fitted once with each monitor on the 5,000-digit sample shipped with skmnist
(3,000 training, 1,000 validation, 1,000 test digits). The two fits train
identically until one rule stops; the figure shows both quantities and the
epoch each rule kept. One split of a small sample decides nothing: the
comparison behind the default is ``benchmarks/bench_early_stopping_monitor.py``
(six data set and model cases), and no published figure is printed here.
"""

# %%
# Data: training, validation and test digits
# ------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import load_mnist_sample

X, y = load_mnist_sample(return_X_y=True)
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, test_size=2000, stratify=y, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
)

# %%
# The same fit, watching each quantity
# ------------------------------------
# ``n_iter_no_change=10``: stop after more than 10 epochs without
# improvement, as MLPClassifier counts.
models = {}
for monitor in ("loss", "accuracy"):
    models[monitor] = TwoLayerMLPClassifier(
        learning_rate_init=2e-3,
        max_iter=60,
        early_stopping=True,
        monitor=monitor,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    model = models[monitor]
    print(
        f"ours: monitor {monitor} test accuracy "
        f"{100 * model.score(X_test, y_test):.1f}% | stopped after "
        f"{model.n_iter_} epochs, scored on {len(y_test)} digits it never saw"
    )


# %%
# What each rule saw
# ------------------
# Validation loss (left) and accuracy (right) after each epoch; the dot
# marks the epoch whose weights each fit kept.
def kept_epoch(model, monitor):
    if monitor == "loss":
        return int(np.argmin(model.validation_loss_curve_)) + 1
    return int(np.argmax(model.validation_scores_)) + 1


fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for (monitor, model), style in zip(models.items(), ("-", "--")):
    losses = model.validation_loss_curve_
    scores = 100 * np.asarray(model.validation_scores_)
    epochs = np.arange(1, len(losses) + 1)
    kept = kept_epoch(model, monitor)
    label = f'monitor="{monitor}"'
    left.plot(epochs, losses, style, label=label)
    right.plot(epochs, scores, style, label=label)
    axis = left if monitor == "loss" else right
    value = losses[kept - 1] if monitor == "loss" else scores[kept - 1]
    axis.plot(kept, value, "o", color="black")
    axis.annotate(f"kept: epoch {kept}", (kept, value), textcoords="offset points",
                  xytext=(5, 8))  # fmt: skip
left.set_title("validation cross-entropy")
right.set_title("validation accuracy (%)")
for axis in (left, right):
    axis.set_xlabel("epoch")
    axis.legend()
fig.tight_layout()
plt.show()

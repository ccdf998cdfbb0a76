"""Callbacks for long fits: checkpoints and a validation monitor.

Both are set on an estimator with scikit-learn's ``set_callbacks``
(``sklearn.callback``, scikit-learn >= 1.9), next to scikit-learn's own
``ProgressBar`` and ``ScoringMonitor``. They act on the epochs of
:class:`~skmnist.SoftmaxSGDClassifier` and
:class:`~skmnist.TwoLayerMLPClassifier` as listeners of the fit: after each
epoch they see the estimator as ``fit`` would return it, and may stop the fit
or choose the weights it ends with.

Everything that can be checked is checked before the first epoch: a
checkpoint's path (its directory exists and is writable, it is not a special
file, its name fits), that the model can be pickled, and a monitor's data
against the fit (feature count, labels among ``classes_``). When a callback
fails later (a full disk, a scorer that raises), training stops, the
estimator keeps the model trained so far (the best epoch's weights where a
monitor or early stopping chose them), a warning says so, and the error is
raised: an hour of training is never thrown away by a callback.

- :class:`Checkpoint` writes the model every few epochs, and at its best
  validation score, to a file that is replaced atomically.
- :class:`ValidationMonitor` scores a held-out set of your own with any
  scikit-learn scorer after each epoch, can stop training when the score
  stops improving, and can end the fit with the best epoch's weights.

A callback set on the skmnist estimator stays with it inside a
:class:`~sklearn.pipeline.Pipeline` or a search: every clone shares the same
callback object, so a :class:`Checkpoint` in a search writes the model of
whichever fit ran last to the same path.
"""

import math
import os
import pickle
from dataclasses import dataclass, field
from numbers import Integral
from typing import Optional

import sklearn
from sklearn.utils.validation import check_consistent_length, validate_data

from ._callback_support import HAS_CALLBACK_API, without_callbacks
from ._data import encode_labels
from ._files import atomic_write, check_destination, remove_file

__all__ = ["Checkpoint", "ValidationMonitor", "ValidationRun"]


def _require_callback_api(name):
    if not HAS_CALLBACK_API:
        raise ImportError(
            f"{name} needs scikit-learn's callback API (sklearn.callback, "
            f"scikit-learn >= 1.9); scikit-learn {sklearn.__version__} is "
            'installed. Install it with: pip install "skmnist[progress]"'
        )


class _FitCallback:
    """scikit-learn's callback hooks, which skmnist's callbacks do not need:
    they act on the fit's own events (``on_train_begin_of``,
    ``on_epoch_end_of``)."""

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        return False

    def teardown(self, estimator, context):
        pass

    def on_train_begin_of(self, view):
        pass

    def on_epoch_end_of(self, view):
        pass


class _PerFit:
    """State a callback keeps for each fit in progress, by estimator.

    One callback object serves every clone of an estimator (in a search, for
    instance), so what belongs to one fit is kept apart. A copy sent to
    another process starts empty.
    """

    def __init__(self):
        self._fits = {}

    def start(self, estimator, state):
        self._fits[id(estimator)] = state

    def get(self, estimator):
        return self._fits.get(id(estimator))

    def end(self, estimator):
        return self._fits.pop(id(estimator), None)

    def __getstate__(self):
        return {"_fits": {}}


class Checkpoint(_FitCallback):
    """Write the model to a file every few epochs and at its best validation score.

    Parameters
    ----------
    path : str or path-like
        The file the model is pickled to every ``every`` epochs. Each write
        replaces it atomically: an interrupted write leaves the previous
        checkpoint, never a partial file. Its directory must exist and be
        writable; an existing special file (a device such as ``/dev/null``, a
        FIFO, a directory) is refused, and a symbolic link is written
        through (its target is replaced, the link stays).
    every : int, default=1
        Write at every ``every``-th epoch, counting the epochs of all the
        calls that trained the model (``len(loss_curve_)``).
    best_path : str, path-like, "auto" or None, default="auto"
        The file the model is written to at the end of each epoch whose
        validation check is the best so far (strictly lower validation loss
        than every earlier check, or higher accuracy with
        ``monitor="accuracy"``; early stopping's ``tol`` is not applied). It
        applies when the fit watches a validation set:
        ``early_stopping=True``, or ``X_val`` and ``y_val`` given to ``fit``.
        "auto" puts it beside ``path`` with ``.best`` before the extension
        (``mlp.pkl`` -> ``mlp.best.pkl``); None writes no best model.

    Notes
    -----
    A checkpoint is the estimator as ``fit`` would have returned it had
    training ended with that epoch, including what ``partial_fit``
    continues from (the optimizer's state, the iterate average, the random
    streams), without its callbacks. To resume an interrupted ``fit``, load
    it and call ``partial_fit`` once per remaining epoch with the same data:
    each call is one epoch with the same updates, shuffling and step sizes
    the interrupted ``fit`` would have made, as long as its stopping rule
    would not have acted (``partial_fit`` has none) and it trained on all of
    ``X`` (no ``early_stopping`` split). To continue under a stopping rule
    instead, ``set_params(warm_start=True)`` and ``fit``: that keeps the
    weights but starts a new optimizer.

    A fit that trains a new model (``fit`` without ``warm_start``, or the
    first ``partial_fit``) first removes the files an earlier run left at
    ``path`` and ``best_path``, so that what an interrupted fit leaves there
    is its own model or nothing, never another run's. A fit that continues a
    trained model (``partial_fit``, ``warm_start``) keeps them, as an earlier
    epoch of that model, until it writes its own: ``path`` at its next
    multiple of ``every``, ``best_path`` at its own best validation check
    (each call compares only its own checks, the first one included).

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import SoftmaxSGDClassifier
    >>> from skmnist.callbacks import Checkpoint
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> directory = tempfile.TemporaryDirectory()
    >>> path = os.path.join(directory.name, "softmax.pkl")
    >>> clf = SoftmaxSGDClassifier(max_iter=10, tol=0, random_state=0)
    >>> clf = clf.set_callbacks(Checkpoint(path, every=5)).fit(X, y)

    Had that fit been cut short at epoch 8, the file would hold epoch 5.
    Load it and train the remaining epochs one ``partial_fit`` at a time:

    >>> with open(path, "rb") as f:
    ...     clf = pickle.load(f)
    >>> clf.n_iter_
    10
    >>> for _ in range(5):  # the epochs 11 to 15 of fit(max_iter=15)
    ...     clf = clf.partial_fit(X, y)
    >>> len(clf.loss_curve_)
    15
    >>> directory.cleanup()
    """

    def __init__(self, path, *, every=1, best_path="auto"):
        _require_callback_api(type(self).__name__)
        self.path = _check_path(path, "path")
        if not isinstance(every, Integral) or isinstance(every, bool) or every < 1:
            raise ValueError(
                f"every must be a positive integer (write every that many "
                f"epochs); got {every!r}."
            )
        self.every = int(every)
        if isinstance(best_path, str) and best_path == "auto":
            root, extension = os.path.splitext(self.path)
            best_path = f"{root}.best{extension}"
        elif best_path is not None:
            best_path = _check_path(best_path, "best_path")
        self.best_path = best_path
        self._fits = _PerFit()

    def setup(self, estimator, context):
        for path, what in ((self.path, "path"), (self.best_path, "best_path")):
            if path is not None:
                check_destination(path, f"Checkpoint {what}")
        _check_picklable(estimator)
        self._fits.start(estimator, {"checks_seen": 0})

    def on_train_begin_of(self, view):
        """A new model: remove what an earlier run wrote (see Notes)."""
        if self._fits.get(view.estimator) is None or view.history.loss_curve:
            return
        for path in (self.path, self.best_path):
            if path is not None:
                remove_file(path)

    def on_epoch_end_of(self, view):
        state = self._fits.get(view.estimator)
        if state is None:
            return
        fitted = None
        if len(view.history.loss_curve) % self.every == 0:
            fitted = view.fitted_estimator()
            _write_model(fitted, self.path)
        if self.best_path is not None and _is_new_best(
            view.history, view.estimator, state
        ):
            _write_model(fitted or view.fitted_estimator(), self.best_path)

    def teardown(self, estimator, context):
        self._fits.end(estimator)


def _check_path(path, name):
    try:
        return os.fspath(path)
    except TypeError:
        raise TypeError(
            f"{name} must be a file path (a str or a path-like object); got "
            f"{type(path).__name__}."
        ) from None


def _check_picklable(estimator):
    """A model that cannot be pickled is refused before training, not after."""
    try:
        pickle.dumps(without_callbacks(estimator), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        raise ValueError(
            f"Checkpoint cannot pickle {type(estimator).__name__} ({error}): a "
            "parameter such as augment=lambda ... cannot be written. Use a "
            "module-level function or a skmnist.augmentation transform, or drop "
            "the Checkpoint."
        ) from error


def _write_model(fitted_estimator, path):
    with atomic_write(path) as file:
        pickle.dump(
            without_callbacks(fitted_estimator), file, protocol=pickle.HIGHEST_PROTOCOL
        )


def _is_new_best(history, estimator, state):
    """Whether this epoch brought a validation check better than all before it."""
    if estimator.monitor == "accuracy":
        checks = [-score for score in history.validation_scores or ()]
    else:
        checks = list(history.validation_loss_curve or ())
    if len(checks) == state["checks_seen"]:
        return False  # no check this epoch: these weights were not scored
    state["checks_seen"] = len(checks)
    # NaN is never best; a first finite check always is.
    earlier = [value for value in checks[:-1] if value == value]
    return checks[-1] == checks[-1] and (not earlier or checks[-1] < min(earlier))


@dataclass
class ValidationRun:
    """What a :class:`ValidationMonitor` recorded in one ``fit`` call.

    Attributes
    ----------
    estimator_name : str
        The class of the estimator that was fitted.
    scores : list of float
        The validation score after each epoch.
    best_epoch : int or None
        The epoch (counted from 1 in this call) of the best score.
    best_score : float or None
        The best score.
    stopped : bool
        Whether the monitor asked training to stop.
    """

    estimator_name: str
    scores: list = field(default_factory=list)
    best_epoch: Optional[int] = None
    best_score: Optional[float] = None
    stopped: bool = False


class ValidationMonitor(_FitCallback):
    """Score a held-out set after each epoch; stop when it stops improving.

    Parameters
    ----------
    X_val : {array-like, sparse matrix} of shape (n_samples, n_features)
        Held-out samples, as the estimator sees them: inside a
        :class:`~sklearn.pipeline.Pipeline`, transformed by the steps before
        it.
    y_val : array-like of shape (n_samples,)
        Their labels.
    scoring : str, callable or None, default=None
        Any single scikit-learn scorer (e.g. ``"balanced_accuracy"``,
        ``"neg_log_loss"``, or one made with
        :func:`~sklearn.metrics.make_scorer`); None uses the estimator's
        ``score`` (accuracy). Greater is better.
    patience : int or None, default=None
        Ask training to stop after this many epochs in a row without a
        strictly better score. None never stops: the monitor only records
        the scores (and chooses the weights, see ``restore_best``).
    restore_best : bool, default=True
        End the fit with the weights of the best-scoring epoch, with their
        optimizer state, whether training stopped on the patience, on the
        estimator's own rule or at ``max_iter``. This choice replaces the one
        of ``early_stopping``. False keeps the last epoch's weights.

    Attributes
    ----------
    runs : list of ValidationRun
        One record per ``fit`` or ``partial_fit`` call that ran in this
        process (a fit in another process, e.g. of a search with
        ``n_jobs=2``, records in that process's copy).

    Notes
    -----
    Each ``partial_fit`` call is a run of one epoch: the patience counts
    within a call, so it never stops ``partial_fit``, and there is no other
    epoch's weights to restore.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import TwoLayerMLPClassifier
    >>> from skmnist.callbacks import ValidationMonitor
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> monitor = ValidationMonitor(X[1500:], y[1500:],
    ...                             scoring="balanced_accuracy", patience=3)
    >>> clf = TwoLayerMLPClassifier(n_hidden=32, learning_rate_init=0.01,
    ...                             max_iter=100, random_state=0)
    >>> clf = clf.set_callbacks(monitor).fit(X[:1500], y[:1500])
    >>> run = monitor.runs[-1]
    >>> run.stopped, clf.n_iter_ == run.best_epoch + 3
    (True, True)

    The fit ended with the weights of the best epoch:

    >>> from sklearn.metrics import balanced_accuracy_score
    >>> balanced_accuracy_score(y[1500:], clf.predict(X[1500:])) == run.best_score
    True
    """

    def __init__(self, X_val, y_val, *, scoring=None, patience=None, restore_best=True):
        _require_callback_api(type(self).__name__)
        check_consistent_length(X_val, y_val)
        if patience is not None and (
            not isinstance(patience, Integral)
            or isinstance(patience, bool)
            or patience < 1
        ):
            raise ValueError(
                "patience must be None (never stop) or a positive number of "
                f"epochs; got {patience!r}."
            )
        if not isinstance(restore_best, bool):
            raise TypeError(
                f"restore_best must be True or False; got {restore_best!r}."
            )
        self.X_val = X_val
        self.y_val = y_val
        self.scoring = scoring
        self.patience = patience
        self.restore_best = restore_best
        self.runs = []
        self._fits = _PerFit()

    def setup(self, estimator, context):
        from sklearn.metrics import check_scoring

        scorer = check_scoring(estimator, scoring=self.scoring)
        run = ValidationRun(type(estimator).__name__)
        self._fits.start(estimator, {"scorer": scorer, "run": run})

    def on_train_begin_of(self, view):
        """Check the held-out set against the fit before the first epoch."""
        fitted = view.fitted_estimator()
        validate_data(fitted, self.X_val, accept_sparse="csr", reset=False)
        encode_labels(self.y_val, fitted.classes_, source="ValidationMonitor's y_val")

    def on_epoch_end_of(self, view):
        state = self._fits.get(view.estimator)
        if state is None:
            return
        run = state["run"]
        score = float(state["scorer"](view.fitted_estimator(), self.X_val, self.y_val))
        run.scores.append(score)
        # NaN is never the best score, not even the first.
        if not math.isnan(score) and (run.best_score is None or score > run.best_score):
            run.best_score, run.best_epoch = score, len(run.scores)
            if self.restore_best:
                view.keep_as_best()
        since_best = len(run.scores) - (run.best_epoch or 0)
        if self.patience is not None and since_best >= self.patience:
            run.stopped = True
            view.stop(
                f"ValidationMonitor's score did not improve for {self.patience} epochs"
            )

    def teardown(self, estimator, context):
        state = self._fits.end(estimator)
        if state is not None:
            self.runs.append(state["run"])

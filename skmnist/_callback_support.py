"""scikit-learn's callback API (``sklearn.callback``, 1.9+) for our estimators.

The trainer knows nothing of it: it tells listeners about its events
(:mod:`skmnist._events`). This module makes, for each ``fit`` or
``partial_fit`` call, the estimator's listeners:

- :class:`CallbackBridge` turns the fit's events into what scikit-learn's
  callbacks expect: a root task per call, a subtask per epoch, the model as it
  stands for the callbacks that ask for a ``fitted_estimator``, and a
  callback's request to stop passed back to the fit;
- each of skmnist's own callbacks (:mod:`skmnist.callbacks`) set on the
  estimator is a listener itself, seeing the fit's events through an
  :class:`EpochView` that also offers the estimator as ``fit`` would return
  it now.

On a scikit-learn without ``sklearn.callback`` there is nothing to translate:
the mixin adds nothing and no listener is made.
"""

import copy
import importlib.util

from ._events import Listener
from ._fitted import fitted_attributes

#: Whether this scikit-learn has the callback API. Found without importing
#: it: ``sklearn.callback`` imports ``rich`` when installed, and ``import
#: skmnist`` must not load optional packages.
HAS_CALLBACK_API = importlib.util.find_spec("sklearn.callback") is not None

#: What the API keeps on an estimator for the duration of one fit, or to
#: reach its callbacks: not part of a model written to disk.
CALLBACK_ATTRIBUTES = (
    "_skl_callbacks",
    "_skl_callbacks_to_teardown",
    "_callback_fit_ctx",
    "_parent_callback_ctx",
)

#: The name of the subtasks that stand for epochs.
EPOCH_TASK = "epoch"


def _sklearn_mixin():
    from sklearn.callback import CallbackSupportMixin

    return CallbackSupportMixin


if HAS_CALLBACK_API:

    class CallbackSupportMixin:
        """scikit-learn's ``CallbackSupportMixin``, imported on first use."""

        def set_callbacks(self, *callbacks):
            """Set callbacks for the estimator (scikit-learn >= 1.9).

            Parameters
            ----------
            *callbacks : callback instances
                Objects following scikit-learn's ``FitCallback`` protocol, e.g.
                ``sklearn.callback.ProgressBar()`` or those of
                :mod:`skmnist.callbacks`.

            Returns
            -------
            self : object
                The estimator.
            """
            return _sklearn_mixin().set_callbacks(self, *callbacks)

        def _init_callback_context(self, *args, **kwargs):
            return _sklearn_mixin()._init_callback_context(self, *args, **kwargs)

else:

    class CallbackSupportMixin:
        """Nothing to add: this scikit-learn has no callback API."""


def callback_listeners(estimator, classes_, X, y, sample_weight, incremental):
    """The fit's listeners for one call: the bridge, then skmnist's callbacks.

    None on a scikit-learn without ``sklearn.callback`` (< 1.9).
    """
    if not HAS_CALLBACK_API:
        return ()
    bridge = CallbackBridge(estimator, classes_, X, y, sample_weight, incremental)
    own = [
        CallbackListener(callback, estimator, classes_)
        for callback in getattr(estimator, "_skl_callbacks", ())
        if hasattr(callback, "on_epoch_end_of")
        and callback not in _propagated(estimator)
    ]
    return (bridge, *own)


def _propagated(estimator):
    context = getattr(estimator, "_callback_fit_ctx", None)
    return getattr(context, "_propagated_callbacks", ())


def without_callbacks(estimator):
    """A shallow copy of ``estimator`` without callbacks or callback contexts."""
    plain = copy.copy(estimator)
    for name in CALLBACK_ATTRIBUTES:
        plain.__dict__.pop(name, None)
    return plain


def estimator_at(estimator, fit, classes_):
    """The estimator as ``fit`` would have returned it now (a shallow copy)."""
    network = fit.network(classes_)
    view = without_callbacks(estimator)
    view.__dict__.update(
        fitted_attributes(network, fit.continuation(), copy.deepcopy(fit.history))
    )
    return view


class EpochView:
    """What one of skmnist's callbacks sees of the running fit.

    Attributes
    ----------
    estimator : estimator
        The estimator being fitted (to tell its fits apart; not fitted yet).
    epoch : int
        The epoch that just ended (or 0 before the first).
    history : History
        The record so far: ``loss_curve``, ``validation_scores``, ...
    """

    def __init__(self, fit, estimator, classes_):
        self._fit = fit
        self._classes = classes_
        self.estimator = estimator
        self.epoch = fit.history.n_iter
        self.history = fit.history

    def fitted_estimator(self):
        """The estimator as ``fit`` would return it now, without its callbacks."""
        return estimator_at(self.estimator, self._fit, self._classes)

    def stop(self, reason):
        """End training at the end of this epoch."""
        self._fit.stop(reason)

    def keep_as_best(self):
        """End training with this epoch's weights and optimizer state."""
        self._fit.keep_as_best(overriding=True)


class CallbackListener(Listener):
    """One of skmnist's callbacks, as a listener of the fit."""

    def __init__(self, callback, estimator, classes_):
        self.callback = callback
        self.estimator = estimator
        self.classes_ = classes_
        self.name = type(callback).__name__

    def on_train_begin(self, fit):
        self.callback.on_train_begin_of(EpochView(fit, self.estimator, self.classes_))

    def on_epoch_end(self, fit):
        self.callback.on_epoch_end_of(EpochView(fit, self.estimator, self.classes_))


class CallbackBridge(Listener):
    """Turns the fit's events into scikit-learn callback hooks.

    Made inside the decorated ``fit``/``partial_fit`` (whose ``_fit_context``
    tears the callbacks down when it returns), after the data are validated:
    making it sets the callbacks up, so a callback that checks its settings
    there fails before any training.
    """

    name = "a scikit-learn callback"

    def __init__(self, estimator, classes_, X, y, sample_weight, incremental):
        self.estimator = estimator
        self.classes_ = classes_
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.task_data = {"X": X, "y": y, "metadata": metadata}
        self.root = estimator._init_callback_context(
            task_name="partial_fit" if incremental else "fit",
            max_subtasks=1 if incremental else estimator.max_iter,
        )
        self.epoch_context = None

    def _attributes(self, fit):
        return lambda: fitted_attributes(
            fit.network(self.classes_), fit.continuation(), copy.deepcopy(fit.history)
        )

    def on_train_begin(self, fit):
        self.root.call_on_fit_task_begin(estimator=self.estimator, **self.task_data)

    def on_epoch_begin(self, fit):
        self.epoch_context = self.root.subcontext(task_name=EPOCH_TASK)
        self.epoch_context.call_on_fit_task_begin(
            estimator=self.estimator, **self.task_data
        )

    def on_epoch_end(self, fit):
        context, self.epoch_context = self.epoch_context, None
        stop = context.call_on_fit_task_end(
            estimator=self.estimator,
            **self.task_data,
            reconstruction_attributes=self._attributes(fit),
        )
        if stop:
            fit.stop("a callback asked to stop")

    def on_train_end(self, fit):
        if self.epoch_context is not None:
            # An epoch cut short (Ctrl-C, a failing listener): an empty task.
            self.epoch_context.call_on_fit_task_end(estimator=self.estimator)
        self.root.call_on_fit_task_end(
            estimator=self.estimator,
            **self.task_data,
            reconstruction_attributes=self._attributes(fit),
        )

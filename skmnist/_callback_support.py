"""scikit-learn's callback API (``sklearn.callback``, 1.9+) for our estimators.

The trainer knows nothing of it: it tells listeners about epochs. This module
holds the one listener, :class:`CallbackBridge`, that turns those events into
what scikit-learn's callbacks expect: a root task per ``fit`` or
``partial_fit`` call, a subtask per epoch, the model as it stands after each
epoch for the callbacks that ask for a ``fitted_estimator``, and a callback's
request to stop (or, for :mod:`skmnist.callbacks`, to keep an epoch's
weights) passed back to the trainer.

On a scikit-learn without ``sklearn.callback`` there is nothing to translate:
the mixin adds nothing and no listener is made.
"""

import copy
import importlib.util

from ._trainer import TrainResult

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

_MISSING = object()


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


def callback_listeners(estimator, model, classes_, X, y, sample_weight, incremental):
    """The trainer's listeners for one call: the bridge, or none without the API."""
    if not HAS_CALLBACK_API:
        return ()
    return (
        CallbackBridge(estimator, model, classes_, X, y, sample_weight, incremental),
    )


def without_callbacks(estimator):
    """A shallow copy of ``estimator`` without callbacks or callback contexts."""
    plain = copy.copy(estimator)
    for name in CALLBACK_ATTRIBUTES:
        plain.__dict__.pop(name, None)
    return plain


class CallbackBridge:
    """Turns the trainer's epoch events into scikit-learn callback hooks.

    Made inside the decorated ``fit``/``partial_fit`` (whose ``_fit_context``
    tears the callbacks down when it returns), after the data are validated.

    Besides the hooks of scikit-learn's protocol, a callback may define
    ``_skmnist_keep_epoch(estimator, context) -> bool``, asked right after an
    epoch's ``on_fit_task_end``: True asks the trainer to end training with
    that epoch's weights (see :class:`skmnist.callbacks.ValidationMonitor`).
    """

    def __init__(self, estimator, model, classes_, X, y, sample_weight, incremental):
        self.estimator = estimator
        self.model = model
        self.classes_ = classes_
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.task_data = {"X": X, "y": y, "metadata": metadata}
        self.root = estimator._init_callback_context(
            task_name="partial_fit" if incremental else "fit",
            max_subtasks=1 if incremental else estimator.max_iter,
        )
        self.root.call_on_fit_task_begin(estimator=estimator, **self.task_data)
        self.epoch_context = None
        self.latest = None

    def on_epoch_begin(self, info):
        self.latest = info
        self.epoch_context = self.root.subcontext(task_name=EPOCH_TASK)
        self.epoch_context.call_on_fit_task_begin(
            estimator=self.estimator, **self.task_data
        )

    def on_epoch_end(self, info):
        self.latest = info
        context, self.epoch_context = self.epoch_context, None
        stop = context.call_on_fit_task_end(
            estimator=self.estimator,
            **self.task_data,
            reconstruction_attributes=lambda: self._fitted_attributes(info),
        )
        if self._kept_by_a_callback(context):
            info.keep_as_best()
        return stop

    def on_train_end(self, history):
        if self.epoch_context is not None:
            # An epoch cut short (Ctrl-C): it ends as an empty task.
            self.epoch_context.call_on_fit_task_end(estimator=self.estimator)
        # The info's callables read the run's state, restored by now.
        latest = self.latest
        self.root.call_on_fit_task_end(
            estimator=self.estimator,
            **self.task_data,
            reconstruction_attributes=lambda: self._fitted_attributes(latest),
        )

    def _kept_by_a_callback(self, context):
        callbacks = getattr(self.estimator, "_skl_callbacks", ())
        return any(
            callback._skmnist_keep_epoch(self.estimator, context)
            for callback in callbacks
            if hasattr(callback, "_skmnist_keep_epoch")
        )

    def _fitted_attributes(self, info):
        """The fitted attributes the model would have if training ended now.

        The estimator's own ``_assign`` sets them on a shallow copy, so that a
        ``fitted_estimator`` is what ``fit`` would have returned, down to the
        state a ``partial_fit`` continues from.
        """
        result = TrainResult(
            info.solution().copy(), info.state(), copy.deepcopy(info.history)
        )
        shadow = copy.copy(self.estimator)
        shadow._assign(result, self.model, self.classes_)
        current = vars(self.estimator)
        return {
            name: value
            for name, value in vars(shadow).items()
            if current.get(name, _MISSING) is not value
        }

"""The estimator layer shared by both classifiers.

:class:`BaseMinibatchClassifier` owns the public API: parameter and data
validation, what a warm start or a ``partial_fit`` continues from, and the
fitted attributes, assigned once, when training succeeded. Everything that
happens inside a fit is the trainer's (:mod:`skmnist._trainer`): the
estimator builds a :class:`~skmnist._trainer.TrainerConfig` from its
parameters and a model, and makes one call. What a fit produces is one
:class:`~skmnist._fitted.FittedNetwork` (the public weight attributes are
views of it) and one :class:`~skmnist._fitted.Continuation`.

A subclass names its network (``_model_class``) and lists its parameters in
its ``__init__`` signature; their constraints and documentation come from
their declarations (:mod:`skmnist._settings`), checked when the class is
made.
"""

import dataclasses
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._callback_support import CallbackSupportMixin, callback_listeners
from ._events import describe
from ._fitted import Continuation, FittedNetwork, fitted_attributes
from ._inputs import fitted_classes, training_data, validation_data, weights_per_class
from ._numerics import log_softmax, softmax
from ._settings import (
    OptimizerSettings,
    TrainingSettings,
    derive_from_declarations,
    same_value,
    settings_from,
)
from ._trainer import Start, Trainer, TrainerConfig

_FLOAT_DTYPES = (np.float64, np.float32)
_FEATURE_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


class BaseMinibatchClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Minibatch training of a softmax classifier; subclasses define the model.

    Not meant to be used directly: see :class:`~skmnist.SoftmaxSGDClassifier`
    and :class:`~skmnist.TwoLayerMLPClassifier`.
    """

    #: The network class the estimator trains (its fields: the architecture).
    _model_class = None
    #: MLPClassifier stops after *more than* n_iter_no_change bad epochs,
    #: SGDClassifier after that many.
    _n_iter_no_change_strict = True
    #: Text an estimator adds to a shared parameter's documentation.
    _parameter_notes = {}

    def __init_subclass__(cls, **kwargs):
        """Derive constraints and documentation from the declarations, once."""
        super().__init_subclass__(**kwargs)
        if cls._model_class is not None:
            derive_from_declarations(cls)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Fit the model to data by minibatch gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input is trained in float32.
        y : array-like of shape (n_samples,)
            Target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean. A sample of
            weight 0 is ignored as if absent (its class stays in ``classes_``).
            Only their ratios matter: equal weights of any size train as no
            weights, and any finite weights are rescaled in float64 before
            training, so none overflows or rounds to 0 on the way.
        X_val, y_val : array-like, default=None
            A validation set of your own, weighted by ``class_weight`` as the
            training data is. Its scores are recorded every epoch and, with
            ``early_stopping=True``, it replaces the held-out
            ``validation_fraction``. In a :class:`~sklearn.pipeline.Pipeline`,
            request them with ``set_fit_request(X_val=True, y_val=True)`` and
            build the pipeline with ``transform_input=["X_val"]`` so that the
            preceding steps transform ``X_val`` too.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        return self._fit(X, y, sample_weight, (X_val, y_val), incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X``, continuing from the current state.

        Early stopping and ``max_iter`` do not apply: each call is one pass.
        The optimizer's state, the iterate average and the random streams
        carry over from call to call. Parameters that define the network or
        its optimizer (``n_hidden``, ``activation``, ``solver``, the step
        size and schedule, ``momentum``, Adam's parameters, ``average``)
        cannot change between calls: a call after such a change raises a
        ``ValueError`` asking for a new ``fit``. Changes to ``alpha``,
        ``dropout``, ``batch_size``, ``shuffle``, ``class_weight`` and
        ``augment`` take effect at the next call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target labels.
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights. After a weighted ``fit``, they are
            scaled as that fit scaled its own (so that resuming a fit one
            ``partial_fit`` per epoch reproduces it bit for bit); otherwise
            used as given (not rescaled per call, so that chunks keep their
            relative weight). A call in which every sample weighs 0 (after
            ``class_weight``) raises a ``ValueError``.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, classes, sample_weight)

    # Named apart from partial_fit: _fit_context checks the parameters of a
    # method of that name on its first call only, while alpha, dropout,
    # batch_size... may change between calls.
    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, X, y, classes, sample_weight):
        return self._fit(
            X, y, sample_weight, (None, None), incremental=True, classes=classes
        )

    def decision_function(self, X):
        """Return the logits (for two classes, the difference of the two).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Unnormalized log-probabilities; 1-D for binary problems, as in
            scikit-learn's linear classifiers.
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict(self, X):
        """Predict the most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def predict_proba(self, X):
        """Return class probabilities (softmax of the logits).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        logits = self._logits(X)
        return softmax(logits, out=logits)

    def predict_log_proba(self, X):
        """Return the log of the class probabilities, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        logits = self._logits(X)
        return log_softmax(logits, out=logits)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Augmentation transforms dense image batches.
        tags.input_tags.sparse = self.augment is None
        return tags

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _logits(self, X):
        """Logits of ``X`` in a new array, computed in bounded chunks."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=_FLOAT_DTYPES, reset=False
        )
        return self._trained_network().logits(X)

    def _trained_network(self):
        """The network the weights were trained as, whatever set_params did since.

        Weights a user assigned to the public attributes (as MLPClassifier
        users do) are taken in here, checked against the trained shapes.
        """
        return self._network.adopt(vars(self))

    # ------------------------------------------------------------------
    # Pickling: plain state, checked when loaded
    # ------------------------------------------------------------------
    def __getstate__(self):
        # A copy: object.__getstate__ may hand over the instance's own __dict__.
        state = dict(super().__getstate__())
        if "_network" not in state:
            return state
        network = self._trained_network()
        for name in network.attributes():
            state.pop(name, None)  # views: rebuilt from the network on load
        state.pop("classes_", None)
        state["_network"] = network.to_dict()
        state["_continuation"] = self._continuation.to_dict()
        return state

    def __setstate__(self, state):
        if "_network" in state:
            state = dict(state)
            network = FittedNetwork.from_dict(state["_network"])
            state["_network"] = network
            state["_continuation"] = Continuation.from_dict(
                state["_continuation"], network
            )
            state["classes_"] = network.classes
            state.update(network.attributes())
        elif "_training_state" in state:
            raise ValueError(
                "This model was saved by skmnist < 0.3.0, whose saved state this "
                "version cannot read. Refit it with this version and save it again."
            )
        super().__setstate__(state)

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, validation, incremental, classes=None):
        """Train, then assign the results; on failure nothing is changed."""
        # validate_data records the features before training can fail.
        saved = {
            name: self.__dict__[name]
            for name in _FEATURE_ATTRIBUTES
            if name in self.__dict__
        }
        try:
            result = self._train(X, y, sample_weight, validation, incremental, classes)
        except BaseException:
            for name in _FEATURE_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(saved)
            raise
        self.__dict__.update(
            fitted_attributes(result.network, result.continuation, result.history)
        )
        self._warn_about(result)
        if result.failure is not None:
            # The model trained so far is kept (see the warning); the error
            # still reaches the caller.
            raise result.failure.error
        return self

    def _warn_about(self, result):
        name, history = type(self).__name__, result.history
        if result.failure is not None:
            restored = ""
            if history.restored_epoch is not None:
                restored = f", with the weights of epoch {history.restored_epoch}"
            warnings.warn(
                f"{describe(result.failure.listener)} raised "
                f"{type(result.failure.error).__name__} during training: {name} "
                f"stopped and keeps the model trained so far ({history.n_iter} "
                f"epochs{restored}). The error follows.",
                UserWarning,
                stacklevel=5,
            )
        elif history.interrupted:
            # As MLPClassifier: Ctrl-C ends training, and the model so far is kept.
            warnings.warn(
                f"Training interrupted by user: {name} keeps the model trained so "
                f"far ({history.n_iter} epochs).",
                UserWarning,
                stacklevel=5,
            )
        elif history.reached_max_iter:
            warnings.warn(
                f"{name}: maximum iterations ({self.max_iter}) reached and the "
                "optimization has not converged yet; consider raising max_iter.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _train(self, X, y, sample_weight, validation, incremental, classes):
        continuing = incremental and self._is_trained()
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=_FLOAT_DTYPES, reset=not continuing
        )
        check_classification_targets(y)
        if self.augment is not None and sp.issparse(X):
            raise ValueError(
                "augment transforms dense image batches, but X is sparse; convert "
                "it with X.toarray() or set augment=None."
            )
        classes_ = fitted_classes(self, y, incremental, classes)
        per_class = weights_per_class(self, y, classes_, incremental)
        data = training_data(
            self, X, y, sample_weight, classes_, per_class, incremental
        )
        X_val, y_val = validation
        held_out = None
        if X_val is not None:
            held_out = validation_data(self, X_val, y_val, classes_, per_class, X.dtype)
        model = self._model_class(**self._architecture())
        config = self._trainer_config()
        start = self._start(model, incremental, X.shape[1])
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        listeners = callback_listeners(self, classes_, X, y, sample_weight, incremental)
        trainer = Trainer(config, model, listeners)
        return trainer.train(data, classes_, seed, held_out, start, incremental)

    def _is_trained(self):
        return hasattr(self, "_network")

    def _architecture(self):
        params = self.get_params(deep=False)
        return {f.name: params[f.name] for f in dataclasses.fields(self._model_class)}

    def _trainer_config(self):
        params = self.get_params(deep=False)
        average = params["average"]
        if isinstance(average, (bool, np.bool_)):
            average = bool(average)
        params["average"] = average if average else False
        training = settings_from(TrainingSettings, params)
        if training.patience is not None and training.validation_frequency is not None:
            if training.validation_frequency > training.patience:
                raise ValueError(
                    f"validation_frequency={training.validation_frequency} is larger "
                    f"than patience={training.patience}: the patience would run out "
                    "before the first validation check. Lower validation_frequency "
                    "or raise patience."
                )
        return TrainerConfig(
            optimizer=settings_from(OptimizerSettings, params),
            training=training,
            n_iter_no_change_strict=self._n_iter_no_change_strict,
        )

    def _start(self, model, incremental, n_features):
        """Where this call continues from: nothing, the weights, or everything."""
        warm = self.warm_start and not incremental and self._is_trained()
        if not (warm or (incremental and self._is_trained())):
            return None
        network = self._trained_network()
        self._check_same_network(network, continuing=incremental)
        if network.n_features != n_features:
            raise ValueError(
                "warm_start=True cannot reuse the previous fit: it was trained on "
                f"{network.n_features} features, this data has {n_features}. Set "
                "warm_start=False."
            )
        return Start(network, self._continuation, resume=incremental)

    def _check_same_network(self, network, continuing):
        """Refuse to continue a model under parameters that no longer describe it."""
        params = self.get_params(deep=False)
        changed = network.changed_parameters(params)
        if continuing:
            trained = self._continuation.optimizer_settings or {}
            current = dataclasses.asdict(settings_from(OptimizerSettings, params))
            changed += [
                name
                for name in self._fixed_parameters
                if name in trained and not same_value(current[name], trained[name])
            ]
        if changed:
            how = "partial_fit" if continuing else "a warm-started fit"
            raise ValueError(
                f"{', '.join(changed)} changed since the model was trained, and "
                f"{how} cannot continue a model under different "
                f"{'settings' if continuing else 'architecture'}. Refit from "
                "scratch with fit() (and warm_start=False), or set the "
                "parameters back."
            )

    def _check_trained_architecture(self, purpose):
        """Refuse ``purpose`` (an export, a check) when set_params changed the network."""
        check_is_fitted(self)
        changed = self._network.changed_parameters(self.get_params(deep=False))
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was trained, so "
                f"{purpose} would describe a network that was never trained. Set "
                "the parameters back, or refit."
            )
        return self._trained_network()

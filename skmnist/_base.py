"""The estimator layer shared by both classifiers.

:class:`BaseMinibatchClassifier` owns the public API: parameter and data
validation, label encoding, sample and class weights, what a warm start or a
``partial_fit`` continues from, and the fitted attributes, assigned once, when
training succeeded. Everything that happens inside a fit is the trainer's
(:mod:`skmnist._trainer`): the estimator builds a :class:`TrainerConfig` and a
model and makes one call.

A subclass says which model it trains (``_make_model``), which public
attributes hold the weights (``_fitted_params``/``_store_fitted_params``) and
how its stopping count reads (``_n_iter_no_change_strict``).
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._callback_support import CallbackSupportMixin, callback_listeners
from ._models import model_from_spec
from ._numerics import log_softmax, softmax
from ._trainer import OptimizerSettings, Start, Trainer, TrainerConfig
from ._training import ParameterLayout, TrainingData, logits_in_chunks

_FLOAT_DTYPES = (np.float64, np.float32)
_FEATURE_ATTRIBUTES = ("n_features_in_", "feature_names_in_")

#: Parameters a ``partial_fit`` cannot change under a model it continues: the
#: optimizer's state (moments, velocity, average) belongs to them.
_OPTIMIZER_PARAMETERS = (
    "solver",
    "learning_rate",
    "learning_rate_init",
    "power_t",
    "momentum",
    "nesterovs_momentum",
    "beta_1",
    "beta_2",
    "epsilon",
    "average",
)


class BaseMinibatchClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Minibatch training of a softmax classifier; subclasses define the model.

    Not meant to be used directly: see :class:`~skmnist.SoftmaxSGDClassifier`
    and :class:`~skmnist.TwoLayerMLPClassifier`.
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"sgd", "adam"})],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "monitor": [StrOptions({"loss", "accuracy"})],
        "patience": [None, Interval(Integral, 1, None, closed="left")],
        "patience_increase": [Interval(Real, 1, None, closed="left")],
        "improvement_threshold": [Interval(Real, 0, 1, closed="right")],
        "validation_frequency": [None, Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "average": ["boolean", Interval(Integral, 0, None, closed="left")],
        "augment": [None, callable],
        "verbose": ["verbose"],
    }

    #: MLPClassifier stops after *more than* n_iter_no_change bad epochs,
    #: SGDClassifier after that many.
    _n_iter_no_change_strict = True

    # ------------------------------------------------------------------
    # The subclass's part.
    # ------------------------------------------------------------------
    def _make_model(self):
        """The model object the current parameters describe."""
        raise NotImplementedError

    def _fitted_params(self):
        """Return ``(weights, biases)`` from the public fitted attributes."""
        raise NotImplementedError

    def _store_fitted_params(self, weights, biases):
        """Set the public fitted attributes from (copies of) the arrays."""
        raise NotImplementedError

    def _param_block_names(self):
        """Names of the weight and bias arrays, in the flat layout's order."""
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------
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

    @_fit_context(prefer_skip_nested_validation=True)
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
            Non-negative sample weights, used as given (not rescaled per
            call, so that chunks keep their relative weight). A call in which
            every sample weighs 0 (after ``class_weight``) raises a
            ``ValueError``.

        Returns
        -------
        self : object
            The updated estimator.
        """
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
        # The network the weights were trained as, whatever set_params did since.
        model = model_from_spec(self._training_state["model"])
        weights, biases = self._fitted_params()
        dtype = np.result_type(X.dtype, weights[0].dtype)
        logits = np.empty((X.shape[0], biases[-1].shape[0]), dtype=dtype)
        for rows, chunk in logits_in_chunks(model, X, weights, biases, dtype):
            logits[rows] = chunk
        return logits

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
            result, model, classes_ = self._train(
                X, y, sample_weight, validation, incremental, classes
            )
        except BaseException:
            for name in _FEATURE_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(saved)
            raise
        self._assign(result, model, classes_)
        self._warn_about(result.history)
        return self

    def _warn_about(self, history):
        name = type(self).__name__
        if history.interrupted:
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
        classes_ = self._fitted_classes(y, incremental, classes)
        per_class = self._per_class_weights(y, classes_, incremental)
        data = self._training_data(
            X, y, sample_weight, classes_, per_class, incremental
        )
        X_val, y_val = validation
        held_out = None
        if X_val is not None:
            held_out = self._validation_data(X_val, y_val, classes_, per_class, X.dtype)
        model = self._make_model()
        start = self._start(model, incremental, X.shape[1], classes_.size)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        listeners = self._listeners(model, classes_, X, y, sample_weight, incremental)
        trainer = Trainer(self._trainer_config(), model, listeners)
        result = trainer.train(data, classes_.size, seed, held_out, start)
        return result, model, classes_

    def _assign(self, result, model, classes_):
        """Set every fitted attribute from a successful training call."""
        n_features = self.n_features_in_
        layout = ParameterLayout(*model.layer_shapes(n_features, classes_.size))
        self._store_fitted_params(*layout.views(result.solution))
        self.classes_ = classes_
        self._training_state = {
            "model": model.spec,
            "fixed": {name: self.get_params()[name] for name in _OPTIMIZER_PARAMETERS},
            **result.state,
        }
        history = result.history
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.loss
        self.best_loss_ = history.best_loss
        self.validation_scores_ = history.validation_scores
        self.validation_loss_curve_ = history.validation_loss_curve
        self.best_validation_score_ = history.best_validation_score
        self.best_validation_loss_ = history.best_validation_loss

    def _is_trained(self):
        return hasattr(self, "_training_state")

    def _listeners(self, model, classes_, X, y, sample_weight, incremental):
        """Objects the trainer tells about each epoch: scikit-learn's callbacks.

        None on a scikit-learn without ``sklearn.callback`` (< 1.9).
        """
        return callback_listeners(
            self, model, classes_, X, y, sample_weight, incremental
        )

    def _trainer_config(self):
        average = self.average
        if isinstance(average, (bool, np.bool_)):
            average = bool(average)
        return TrainerConfig(
            optimizer=OptimizerSettings(
                solver=self.solver,
                learning_rate_init=self.learning_rate_init,
                schedule=self.learning_rate,
                power_t=self.power_t,
                momentum=self.momentum,
                nesterovs_momentum=self.nesterovs_momentum,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                epsilon=self.epsilon,
            ),
            alpha=self.alpha,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            n_iter_no_change_strict=self._n_iter_no_change_strict,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            monitor=self.monitor,
            patience=self.patience,
            patience_increase=self.patience_increase,
            improvement_threshold=self.improvement_threshold,
            validation_frequency=self._checked_validation_frequency(),
            dropout=getattr(self, "dropout", 0.0),
            average=average if average else False,
            augment=self.augment,
            verbose=self.verbose,
        )

    def _checked_validation_frequency(self):
        frequency = self.validation_frequency
        if self.patience is not None and frequency is not None:
            if frequency > self.patience:
                raise ValueError(
                    f"validation_frequency={frequency} is larger than "
                    f"patience={self.patience}: the patience would run out before "
                    "the first validation check. Lower validation_frequency or "
                    "raise patience."
                )
        return frequency

    def _start(self, model, incremental, n_features, n_classes):
        """Where this call continues from: nothing, the weights, or everything."""
        warm = self.warm_start and not incremental and self._is_trained()
        if not (warm or (incremental and self._is_trained())):
            return Start(incremental=incremental)
        self._check_same_network(model, continuing=incremental)
        state = self._training_state
        layout = ParameterLayout(*model.layer_shapes(n_features, n_classes))
        weights, biases = self._fitted_params()
        params = layout.pack(weights, biases, weights[0].dtype)
        if params is None:
            raise ValueError(
                "warm_start=True cannot reuse the previous fit: its parameters do "
                "not match this data's number of features or classes. Set "
                "warm_start=False."
            )
        if not incremental:
            # A warm start continues the weights with a fresh optimizer, as
            # MLPClassifier does; only the sample count (for "invscaling") and
            # the loss curve go on.
            return Start(
                params=params,
                t=self.t_,
                n_updates=state["n_updates"],
                loss_curve=list(self.loss_curve_),
            )
        return Start(
            params=params if state["iterate"] is None else state["iterate"],
            solution=params,
            state=state,
            t=self.t_,
            n_updates=state["n_updates"],
            loss_curve=list(self.loss_curve_),
            incremental=True,
        )

    def _check_same_network(self, model, continuing):
        """Refuse to continue a model under parameters that no longer describe it."""
        trained = self._training_state
        changed = [
            name
            for name, value in model.spec.items()
            if trained["model"].get(name) != value
        ]
        if continuing:
            current = self.get_params()
            changed += [
                name
                for name in _OPTIMIZER_PARAMETERS
                if not _same_value(current[name], trained["fixed"][name])
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

    def _fitted_classes(self, y, incremental, classes):
        """Return the classes this call trains: new ones, or the fitted ones."""
        if incremental and not self._is_trained():
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: list "
                    "every label the model will ever see, e.g. "
                    "classes=np.arange(10)."
                )
            return _at_least_two(np.unique(column_or_1d(classes)), type(self))
        if incremental:
            if classes is not None and not np.array_equal(
                self.classes_, np.unique(classes)
            ):
                raise ValueError(
                    f"classes={np.unique(classes)!r} differs from the classes of the "
                    f"first partial_fit call {self.classes_!r}."
                )
            return self.classes_
        classes_ = _at_least_two(np.unique(y), type(self))
        if self.warm_start and self._is_trained():
            if not np.array_equal(classes_, self.classes_):
                raise ValueError(
                    f"warm_start=True needs the classes of the previous fit "
                    f"{self.classes_!r}, got {classes_!r}; set warm_start=False."
                )
        return classes_

    def _training_data(self, X, y, sample_weight, classes_, per_class, incremental):
        """Encode labels; combine sample and class weights; drop zero weights.

        Weights are combined in float64 and stay so: the trainer normalises
        them before any cast, so that no finite weight overflows or vanishes
        on the way.
        """
        y_encoded = _encode_known_labels(y, classes_)
        weight = None
        if sample_weight is not None:
            weight = _validate_sample_weight(sample_weight, X)
        if per_class is not None:
            factor = per_class[y_encoded]
            weight = factor if weight is None else weight * factor
        if weight is not None:
            positive = weight > 0
            if not incremental:
                _check_two_weighted_classes(y_encoded[positive], classes_, type(self))
            elif not positive.any():
                # E.g. a chunk of classes whose class_weight is 0: an empty
                # batch would fail obscurely.
                raise ValueError(
                    "Every sample of this partial_fit call has zero weight "
                    "(sample_weight times class_weight): there is nothing to "
                    "train on. Give some samples a positive weight, or skip "
                    "the call."
                )
            if not positive.all():
                X, y_encoded, weight = (
                    X[positive],
                    y_encoded[positive],
                    weight[positive],
                )
        # The weights stay float64: the trainer scales and casts them once it
        # knows which samples train.
        return TrainingData(X, y_encoded, weight)

    def _per_class_weights(self, y, classes_, incremental):
        """``class_weight`` as a float64 array in the order of ``classes_``, or None."""
        if self.class_weight is None:
            return None
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one batch "
                "does not tell the class frequencies. Compute them on all the data "
                "with sklearn.utils.class_weight.compute_class_weight and pass a "
                "dict."
            )
        if isinstance(self.class_weight, dict):
            _validate_class_weight(self.class_weight)
        per_class = compute_class_weight(self.class_weight, classes=classes_, y=y)
        # Checked on every class, not on the dict alone: a class the dict
        # leaves out weighs 1, so {0: 0.0} is fine while all zeros is not.
        _check_weights(per_class, "class_weight")
        return per_class

    def _validation_data(self, X_val, y_val, classes_, per_class, dtype):
        X_val = validate_data(
            self, X_val, accept_sparse="csr", dtype=dtype, reset=False
        )
        y_val = column_or_1d(y_val, warn=True)
        if y_val.shape != (X_val.shape[0],):
            raise ValueError(
                f"y_val must have shape ({X_val.shape[0]},) to match X_val; "
                f"got {y_val.shape}."
            )
        y_encoded = _encode_known_labels(y_val, classes_, source="y_val")
        # Scored as the training data is weighted ("balanced": by the
        # training frequencies).
        weight = None if per_class is None else per_class[y_encoded]
        if weight is not None and not np.any(weight > 0):
            raise ValueError(
                "Every sample of the validation set (y_val) belongs to a class "
                "whose class_weight is 0, so it cannot score anything. Give "
                "X_val, y_val samples of classes with a positive weight."
            )
        return TrainingData(X_val, y_encoded, weight)


def _same_value(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return bool(np.all(a == b))


def _at_least_two(classes_, estimator_class):
    if classes_.size < 2:
        raise ValueError(
            f"{estimator_class.__name__} needs samples of at least 2 classes; got "
            f"only {classes_!r}. A classifier cannot learn from one class: check "
            "the labels."
        )
    return classes_


def _check_two_weighted_classes(y_encoded, classes_, estimator_class):
    present = np.unique(y_encoded)
    if present.size < 2:
        which = "none has"
        if present.size:
            which = f"only class {classes_[present]!r} has any"
        raise ValueError(
            f"{estimator_class.__name__} needs samples of at least 2 classes with "
            f"positive weight; {which}. A classifier cannot learn from one class: "
            "check the sample and class weights."
        )


def _encode_known_labels(y, classes, source="y"):
    """Map labels to their index in ``classes``; refuse unknown labels."""
    encoded = np.searchsorted(classes, y)
    encoded[encoded == classes.size] = 0
    unknown = classes[encoded] != y
    if np.any(unknown):
        hint = (
            "pass every label in `classes` on the first partial_fit call"
            if source == "y"
            else "the validation set may only hold labels of y"
        )
        raise ValueError(
            f"{source} contains labels {np.unique(y[unknown])!r} that are not among "
            f"the classes {classes!r}; {hint}."
        )
    return encoded


def _validate_sample_weight(sample_weight, X):
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    _check_weights(sample_weight, "sample_weight")
    return sample_weight


def _validate_class_weight(class_weight):
    """Every value of the dict finite and non-negative (even unused ones)."""
    values = np.array(list(class_weight.values()), dtype=np.float64)
    _check_weight_values(values, "class_weight")


def _check_weights(weights, name):
    _check_weight_values(weights, name)
    if not np.any(weights > 0):
        raise ValueError(
            f"{name} must contain at least one positive weight: with every weight "
            "zero there is nothing to learn from."
        )


def _check_weight_values(weights, name):
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} contains NaN or infinity; give finite weights.")
    if np.any(weights < 0):
        raise ValueError(
            f"{name} must be non-negative; got a minimum of {weights.min()}."
        )

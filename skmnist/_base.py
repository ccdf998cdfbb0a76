"""The training engine shared by every estimator of the package.

:class:`BaseMinibatchClassifier` owns everything that is not model specific:
input validation, label encoding, sample and class weights, the validation
split, minibatching, optimizers, learning-rate schedules, early stopping,
``partial_fit`` and ``warm_start``. A model subclass only says

* which weight and bias arrays it has (``_layer_shapes``),
* how they start (``_initialize``),
* how a batch goes forward to logits (``_forward``) and how the gradient of
  the logits comes back to its parameters (``_backward``),
* which public attributes hold them (``_fitted_params``/``_store_fitted_params``).

All parameters live in one flat array during training: the weights first, so
that the L2 penalty and every optimizer update are single vector operations.
"""

import copy
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._early_stopping import NoImprovementRule, PatienceRule
from ._numerics import log_softmax, softmax, softmax_cross_entropy_grad_
from ._optimizers import AdamOptimizer, IterateAverage, SGDOptimizer
from ._training import (
    EpochLoop,
    ParameterLayout,
    TrainingData,
    TrainingState,
    logits_in_chunks,
    mean_squared_norm,
)
from ._validation_split import duplicate_groups, stratified_group_split

_FLOAT_DTYPES = (np.float64, np.float32)
_FEATURE_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


class BaseMinibatchClassifier(ClassifierMixin, BaseEstimator):
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
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
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
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------
    # The model's part, implemented by subclasses.
    # ------------------------------------------------------------------
    def _layer_shapes(self, n_features, n_classes):
        """Return ``(weight_shapes, bias_shapes)``."""
        raise NotImplementedError

    def _initialize(self, weights, biases, rng):
        """Fill the parameter views in place."""
        raise NotImplementedError

    def _allocate_workspace(self, n_rows, weights, dtype, training=True):
        """Return an object holding the buffers forward/backward write into.

        ``training=False`` needs only what the forward pass writes.
        """
        raise NotImplementedError

    def _forward(self, X, weights, biases, workspace, noise=None):
        """Return the logits of ``X`` (a view into ``workspace``)."""
        raise NotImplementedError

    def _backward(
        self, X, weights, biases, workspace, dlogits, weight_grads, bias_grads
    ):
        """Write the gradient of the loss into the gradient views."""
        raise NotImplementedError

    def _fitted_params(self):
        """Return ``(weights, biases)`` from the public fitted attributes."""
        raise NotImplementedError

    def _store_fitted_params(self, weights, biases):
        """Set the public fitted attributes from (copies of) the arrays."""
        raise NotImplementedError

    def _auto_learning_rate(self, mean_squared_norm):
        """The step size ``learning_rate_init="auto"`` stands for.

        ``mean_squared_norm`` is the mean of ``||x||^2 + 1`` over the
        training samples: the curvature of the loss grows with it.
        """
        raise NotImplementedError

    def _needs_sample_groups(self):
        """Whether training noise must be shared by identical samples."""
        return False

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
            weight 0 is ignored as if absent.
        X_val, y_val : array-like, default=None
            A validation set of your own. Its scores are recorded every epoch
            and, with ``early_stopping=True``, it replaces the held-out
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
        return self._fit(X, y, sample_weight, X_val, y_val, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X``, continuing from the current state.

        Early stopping and ``max_iter`` do not apply: each call is one pass.

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
            call, so that chunks keep their relative weight).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(
            X, y, sample_weight, None, None, incremental=True, classes=classes
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
        tags.input_tags.sparse = True
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
        weights, biases = self._fitted_params()
        dtype = np.result_type(X.dtype, weights[0].dtype)
        logits = np.empty((X.shape[0], biases[-1].shape[0]), dtype=dtype)
        for rows, chunk in logits_in_chunks(self, X, weights, biases, dtype):
            logits[rows] = chunk
        return logits

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _fit(self, *args, **kwargs):
        """Train, or raise leaving every fitted attribute as it was."""
        # validate_data records the features before training can fail.
        saved = {
            name: self.__dict__[name]
            for name in _FEATURE_ATTRIBUTES
            if name in self.__dict__
        }
        try:
            return self._train(*args, **kwargs)
        except BaseException:
            for name in _FEATURE_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(saved)
            raise

    def _train(self, X, y, sample_weight, X_val, y_val, incremental, classes=None):
        continuing = incremental and hasattr(self, "_state")
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=_FLOAT_DTYPES, reset=not continuing
        )
        check_classification_targets(y)
        data, classes_ = self._prepare_training_data(
            X, y, sample_weight, incremental, classes
        )
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        init_rng, split_rng, shuffle_rng, noise_rng = [
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
        ]
        splitting = self.early_stopping and not incremental and X_val is None
        if splitting or self._needs_sample_groups():
            data.groups = duplicate_groups(data.X, data.y)
        validation = None
        if not incremental:
            data, validation = self._split_validation(
                data, X_val, y_val, classes_, split_rng
            )
            # partial_fit keeps the weights as given: each call sees one chunk,
            # and rescaling chunks separately would lose their relative weight.
            data.sample_weight = _normalized_weights(data.sample_weight)

        if continuing:
            # Train a copy: a call that fails must leave the state untouched.
            state = copy.deepcopy(self._state)
        else:
            state = self._new_state(
                data, classes_.size, init_rng, shuffle_rng, noise_rng
            )
        history = self._history(fresh=not (continuing or self._warm_starting()))
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            best = self._run_epochs(state, data, validation, history, incremental)

        if best is not None:
            # Whatever continues from here (partial_fit) starts from the best.
            np.copyto(state.params, best)
            if state.average is not None:
                np.copyto(state.average.average, best)
        # Only now, with training successful, replace the fitted attributes.
        weights, biases = state.layout.views(state.solution)
        self._store_fitted_params(weights, biases)
        self.classes_ = classes_
        self._state = state
        for name, value in history.items():
            setattr(self, name, value)
        self.loss_ = history["loss_curve_"][-1]
        self.best_loss_ = (
            None if validation is not None else min(history["loss_curve_"])
        )
        if validation is None:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
        return self

    def _warm_starting(self):
        return self.warm_start and hasattr(self, "_state")

    def _prepare_training_data(self, X, y, sample_weight, incremental, classes):
        """Encode labels, combine sample and class weights, drop zero weights.

        Returns the training data and the classes.
        """
        if sample_weight is not None:
            sample_weight = _validate_sample_weight(sample_weight, X)
            positive = sample_weight > 0
            if not positive.all():
                X, y, sample_weight = X[positive], y[positive], sample_weight[positive]
        classes_ = self._fitted_classes(y, incremental, classes)
        y_encoded = _encode_known_labels(y, classes_)
        if self.class_weight is not None:
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: one "
                    "batch "
                    "does not tell the class frequencies. Compute them on all the data "
                    "with sklearn.utils.class_weight.compute_class_weight and pass a "
                    "dict."
                )
            per_class = compute_class_weight(self.class_weight, classes=classes_, y=y)
            class_factor = per_class[y_encoded]
            sample_weight = (
                class_factor if sample_weight is None else sample_weight * class_factor
            )
        if sample_weight is not None:
            sample_weight = sample_weight.astype(X.dtype, copy=False)
        return TrainingData(X, y_encoded, sample_weight), classes_

    def _fitted_classes(self, y, incremental, classes):
        """Return the classes this call trains: new ones, or the fitted ones."""
        first_partial_fit = incremental and not hasattr(self, "_state")
        if first_partial_fit:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: list "
                    "every "
                    "label the model will ever see, e.g. classes=np.arange(10)."
                )
            classes_ = np.unique(column_or_1d(classes))
        elif incremental:
            classes_ = self.classes_
            if classes is not None and not np.array_equal(
                self.classes_, np.unique(classes)
            ):
                raise ValueError(
                    f"classes={np.unique(classes)!r} differs from the classes of the "
                    f"first partial_fit call {self.classes_!r}."
                )
        else:
            # y here already lacks zero-weight samples: a class only they had is
            # not learned, as if those samples were absent.
            classes_ = np.unique(y)
            if self._warm_starting() and not np.array_equal(classes_, self.classes_):
                raise ValueError(
                    f"warm_start=True needs the classes of the previous fit "
                    f"{self.classes_!r}, got {classes_!r}; set warm_start=False."
                )
        if classes_.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with "
                f"positive sample_weight; got only {classes_!r}. A classifier cannot "
                "learn from one class: check the labels and the weights."
            )
        return classes_

    def _split_validation(self, data, X_val, y_val, classes_, split_rng):
        """Return ``(training, validation)``; validation is None when not monitored."""
        if X_val is not None:
            X_val = validate_data(
                self, X_val, accept_sparse="csr", dtype=data.X.dtype, reset=False
            )
            y_val = np.asarray(y_val)
            if y_val.shape != (X_val.shape[0],):
                raise ValueError(
                    f"y_val must have shape ({X_val.shape[0]},) to match X_val; "
                    f"got {y_val.shape}."
                )
            y_val = _encode_known_labels(y_val, classes_, source="y_val")
            return data, TrainingData(X_val, y_val, None)
        if not self.early_stopping:
            return data, None
        is_validation = stratified_group_split(
            data.groups, data.y, data.sample_weight, self.validation_fraction, split_rng
        )
        if not is_validation.any():
            raise ValueError(
                "early_stopping=True needs a validation set, but with "
                f"{data.n_samples} samples none could be held out (each class needs at "
                "least two distinct samples). Give more data, pass X_val and y_val, "
                "or set early_stopping=False."
            )
        validation = data.subset(is_validation)
        validation.groups = None
        return data.subset(~is_validation), validation

    def _new_state(self, data, n_classes, init_rng, shuffle_rng, noise_rng):
        n_features = data.X.shape[1]
        layout = ParameterLayout(*self._layer_shapes(n_features, n_classes))
        dtype = data.X.dtype
        params = None
        if self._warm_starting():
            params = layout.pack(*self._fitted_params(), dtype)
            if params is None:
                raise ValueError(
                    "warm_start=True cannot reuse the previous fit: its parameters do "
                    "not match this data's number of features or classes. Set "
                    "warm_start=False."
                )
        if params is None:
            params = np.empty(layout.n_params, dtype=dtype)
            self._initialize(*layout.views(params), init_rng)
        optimizer = self._make_optimizer(layout.n_params, dtype, data)
        average = None
        if self.average:
            # True averages from the start; an int, after that many samples.
            start_after = (
                0 if isinstance(self.average, (bool, np.bool_)) else int(self.average)
            )
            average = IterateAverage(params, start_after)
        return TrainingState(layout, params, optimizer, average, shuffle_rng, noise_rng)

    def _make_optimizer(self, n_params, dtype, data):
        learning_rate_init = self.learning_rate_init
        if learning_rate_init == "auto":
            learning_rate_init = self._auto_learning_rate(mean_squared_norm(data))
        common = (n_params, dtype, learning_rate_init, self.learning_rate, self.power_t)
        if self.solver == "adam":
            return AdamOptimizer(*common, self.beta_1, self.beta_2, self.epsilon)
        return SGDOptimizer(*common, self.momentum, self.nesterovs_momentum)

    def _history(self, fresh):
        names = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
        history = {
            name: [] if fresh else list(getattr(self, name, None) or [])
            for name in names
        }
        history["n_iter_"] = 0 if fresh else self.n_iter_
        history["t_"] = 0 if fresh else self.t_
        history["best_validation_score_"] = None
        history["best_validation_loss_"] = None
        return history

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} training "
                "samples; using batches of all of them.",
                UserWarning,
            )
        return min(self.batch_size, n_samples)

    def _stopping_rule(self, validation):
        if validation is not None and self.early_stopping and self.patience is not None:
            return PatienceRule(
                self.patience, self.patience_increase, self.improvement_threshold
            )
        return NoImprovementRule(self.tol, self.n_iter_no_change)

    def _run_epochs(self, state, data, validation, history, incremental):
        """Train; return the best parameters when early stopping kept some."""
        loop = EpochLoop(self, state, data, validation, history, incremental)
        n_epochs = 1 if incremental else self.max_iter
        for _ in range(n_epochs):
            if loop.run_epoch() or incremental:
                break
        else:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) "
                "reached and the optimization has not converged yet; consider "
                "raising max_iter.",
                ConvergenceWarning,
            )
        return loop.monitor.best_params if loop.early_stopping else None

    def _training_workspace(self, layout, params, n_rows):
        """The model's buffers for ``n_rows`` plus the engine's own."""
        weights, _ = layout.views(params)
        return self._allocate_workspace(n_rows, weights, params.dtype)

    def _loss_gradient(
        self, param_views, grad_views, X, y, sample_weight, workspace, noise=None
    ):
        """Write the gradient of the data term into ``grad_views``; return the NLL sum.

        ``param_views`` and ``grad_views`` are ``(weights, biases)`` pairs of
        views into the flat vectors (:meth:`ParameterLayout.views`).

        The objective is ``sum_i w_i * nll_i / n + alpha / 2 * ||weights||^2``,
        with ``w_i`` as prepared by the caller: ``fit`` scales them to mean 1
        over the training set, ``partial_fit`` keeps them as given (1 if None).
        Only the first term's gradient is written here; the optimizer adds the
        penalty's, ``alpha * weights``, in its update (see ``_Optimizer.step``).
        """
        weights, biases = param_views
        weight_grads, bias_grads = grad_views
        dlogits = self._forward(X, weights, biases, workspace, noise)
        loss = softmax_cross_entropy_grad_(dlogits, y, sample_weight, 1.0 / y.shape[0])
        self._backward(X, weights, biases, workspace, dlogits, weight_grads, bias_grads)
        return loss

    def _report(self, history):
        if not self.verbose:
            return
        message = (
            f"Iteration {history['n_iter_']}, loss = {history['loss_curve_'][-1]:.8f}"
        )
        if history["validation_scores_"]:
            message += f", validation score = {history['validation_scores_'][-1]:.6f}"
        print(message, file=sys.stdout, flush=True)


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
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity; give finite weights.")
    if np.any(sample_weight < 0):
        raise ValueError(
            "sample_weight must be non-negative; got a minimum of "
            f"{sample_weight.min()}."
        )
    if not np.any(sample_weight > 0):
        raise ValueError(
            "Sample weights must contain at least one non-zero number: every sample "
            "has weight zero, so there is nothing to learn from."
        )
    return sample_weight


def _normalized_weights(sample_weight):
    """Scale weights to mean 1, or None when they are all equal (the fast path)."""
    if sample_weight is None or np.all(sample_weight == sample_weight[0]):
        return None
    return (sample_weight / sample_weight.mean(dtype=np.float64)).astype(
        sample_weight.dtype, copy=False
    )

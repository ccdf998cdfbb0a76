"""Multinomial softmax regression trained by minibatch SGD."""

from ._base import BaseMinibatchClassifier
from ._models import SoftmaxModel


class SoftmaxSGDClassifier(BaseMinibatchClassifier):
    """Multinomial logistic (softmax) regression trained by minibatch SGD.

    One linear layer and a softmax over all classes, fitted to the
    cross-entropy loss with an L2 penalty: the model of the Theano tutorial's
    ``LogisticRegression`` and of TensorFlow's "MNIST for beginners". Unlike
    :class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``
    (one-vs-rest binary models), the class probabilities come from one
    jointly trained softmax.

    The objective is the ``sample_weight``-weighted mean cross-entropy plus
    ``alpha / 2 * ||coef_||^2``. By default the iterates are averaged
    (``average=True``), which lets constant-step SGD settle at the optimum
    instead of bouncing around it.

    Names shared with :class:`~sklearn.linear_model.SGDClassifier` mean what
    they mean there: ``n_iter_no_change`` stops after that many epochs
    without progress, ``n_iter_`` counts the epochs of the last call, early
    stopping is scored on a held-out ``validation_fraction``. Differences:
    early stopping watches the validation loss by default (``monitor``) and
    restores the best weights; the split keeps duplicates together; the
    defaults suit MNIST (``n_iter_no_change=3``, averaging on, a step scaled
    to the data).

    Parameters
    ----------
    alpha : float, default=1e-5
        Strength of the L2 penalty on ``coef_`` (per sample, as in
        ``SGDClassifier``; the intercept is not penalized).
    solver : {"sgd", "adam"}, default="sgd"
        Update rule: SGD with momentum, or Adam.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule. "invscaling" uses
        ``learning_rate_init / (k + 1) ** power_t`` at the ``k``-th update
        (counted from 0 over every call that trained the model, so warm
        starts and ``partial_fit`` continue the decay);
        "adaptive" divides the step by 5 whenever ``n_iter_no_change``
        epochs pass without improving by ``tol``.
    learning_rate_init : float or "auto", default="auto"
        Initial step size. "auto" scales it to the data: for "sgd",
        ``min(1, 30 / mean(||x||^2 + 1)) * sqrt(min(1, batch_size / 200))``
        (0.3 for MNIST pixels / 255 in batches of 200, smaller for unscaled
        features or smaller batches; computed without overflow, and a step
        too small for the data's dtype is refused); for "adam", 0.01.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    momentum : float, default=0.9
        Momentum of the "sgd" solver (0 disables it).
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and numerical floor.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=100
        Maximum number of epochs.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and the validation split; an int gives bit-identical
        fits.
    tol : float, default=1e-3
        Improvement of the training loss (or, with early stopping, of the
        monitored validation quantity) that counts as progress.
    n_iter_no_change : int or np.inf, default=3
        Training stops once this many epochs in a row failed to improve by
        ``tol``, as in SGDClassifier; ``np.inf`` never stops early.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified,
        duplicates kept together), stop when the validation quantity stops
        improving and restore the best weights.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    monitor : {"loss", "accuracy"}, default="loss"
        Validation quantity early stopping watches.
    patience : int or None, default=None
        With ``early_stopping=True``, if set, stopping follows the Theano
        tutorial instead of ``n_iter_no_change``: train at
        least ``patience`` minibatches, extending the patience to
        ``iteration * patience_increase`` whenever the validation error falls
        below ``improvement_threshold`` times its best value.
    patience_increase : float, default=2.0
        Multiplicative patience extension of the tutorial's rule.
    improvement_threshold : float, default=0.995
        Relative improvement that extends the patience.
    validation_frequency : int or None, default=None
        Minibatches between validation checks in patience mode; None means
        ``min(n_batches_per_epoch, patience // 2)`` as in the tutorial.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying ``sample_weight`` per class.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    average : bool or int, default=True
        Average the SGD iterates (an int: start after that many samples of
        this ``fit``, or of the ``partial_fit`` calls since the first).
    augment : callable or None, default=None
        Training-time augmentation: called as ``augment(X_batch, rng)`` on
        each dense training minibatch (a copy) with a
        :class:`numpy.random.Generator`, it returns the batch to train on;
        never applied at predict time nor to validation data. See
        :mod:`skmnist.augmentation`.
    verbose : bool or int, default=False
        Print the loss every epoch, and at the end why training stopped and
        which epoch's weights were restored.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        Weights, one row per class (for two classes too: the softmax is over
        both).
    intercept_ : ndarray of shape (n_classes,)
        Biases.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` had string column names.
    n_iter_ : int
        Epochs run by the last ``fit`` (1 after a ``partial_fit``).
    t_ : int
        Training samples seen over all calls (warm starts and
        ``partial_fit`` included).
    loss_ : float
        Training loss of the last epoch.
    best_loss_ : float or None
        Lowest training loss (None when a validation set is monitored).
    loss_curve_ : list of float
        Training loss of each epoch: the weighted mean cross-entropy of the
        samples trained on, plus the penalty; continued by warm starts and
        ``partial_fit``.
    validation_scores_ : list of float or None
        Validation accuracy at each check (None without validation).
    validation_loss_curve_ : list of float or None
        Validation cross-entropy at each check.
    best_validation_score_ : float or None
        Best validation accuracy of the last ``fit``. With
        ``monitor="accuracy"`` the restored weights score it.
    best_validation_loss_ : float or None
        Lowest validation cross-entropy of the last ``fit``; with
        ``monitor="loss"`` the restored weights score it.

    See Also
    --------
    TwoLayerMLPClassifier : The same training with one hidden layer.
    sklearn.linear_model.LogisticRegression : Multinomial, batch solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import SoftmaxSGDClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SoftmaxSGDClassifier(random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:1] / 16).shape
    (1, 10)
    >>> round(clf.score(X / 16, y), 2) > 0.95
    True
    """

    # SGDClassifier's count: stop after n_iter_no_change epochs without progress.
    _n_iter_no_change_strict = False

    def __init__(
        self,
        *,
        alpha=1e-5,
        solver="sgd",
        learning_rate="constant",
        learning_rate_init="auto",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        batch_size="auto",
        max_iter=100,
        shuffle=True,
        random_state=None,
        tol=1e-3,
        n_iter_no_change=3,
        early_stopping=False,
        validation_fraction=0.1,
        monitor="loss",
        patience=None,
        patience_increase=2.0,
        improvement_threshold=0.995,
        validation_frequency=None,
        class_weight=None,
        warm_start=False,
        average=True,
        augment=None,
        verbose=False,
    ):
        self.alpha = alpha
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.monitor = monitor
        self.patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.validation_frequency = validation_frequency
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average
        self.augment = augment
        self.verbose = verbose

    def _make_model(self):
        return SoftmaxModel()

    def _fitted_params(self):
        return [self.coef_], [self.intercept_]

    def _store_fitted_params(self, weights, biases):
        self.coef_ = weights[0].copy()
        self.intercept_ = biases[0].copy()

    def _param_block_names(self):
        return ["coef_", "intercept_"]

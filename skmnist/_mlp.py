"""A one-hidden-layer perceptron with a softmax output, backprop in NumPy."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseMinibatchClassifier
from ._models import OneHiddenLayerModel
from ._numerics import ACTIVATIONS


class TwoLayerMLPClassifier(BaseMinibatchClassifier):
    """One hidden layer, a softmax output, trained by minibatch SGD or Adam.

    The network of the Coursera ex4 exercise (400-25-10, sigmoid) and of
    "Deep Learning from Scratch"'s ``TwoLayerNet`` (784-50-10), as a
    scikit-learn estimator. Where it shares a name with
    :class:`~sklearn.neural_network.MLPClassifier` with one hidden layer
    (``n_hidden=n`` for ``hidden_layer_sizes=(n,)``), it means what
    MLPClassifier means: ``n_iter_`` counts the epochs of the last call,
    ``n_iter_no_change`` stops after more than that many epochs without
    progress (``np.inf`` never), ``best_validation_score_`` is the best
    validation accuracy. Beyond it: dropout, training-time augmentation, a
    validation set of your own, and early stopping that restores the best
    weights together with their optimizer state.

    Deliberate differences from MLPClassifier (scikit-learn's own MLP tests,
    ported in ``tests/test_sklearn_mlp_port.py``, pass except where they
    read MLPClassifier's private attributes):

    - binary problems get two softmax outputs (``n_outputs_ == 2``), not one
      logistic unit;
    - ``alpha`` is per sample (see below);
    - early stopping watches the validation *loss* by default
      (``monitor="loss"``; ``"accuracy"`` is MLPClassifier's quantity): it
      chose better weights in every case of
      ``benchmarks/bench_early_stopping_monitor.py``; either way the best
      weights are restored, also when ``max_iter`` ends the run;
    - the validation split keeps identical samples together and stratifies
      by weight, and a class too small to stratify stays in training;
    - "invscaling" decays per update, ``learning_rate_init / (k + 1) **
      power_t`` at the ``k``-th update over all calls (MLPClassifier: per
      epoch, by samples seen), so that a weight of ``k`` equals ``k``
      repetitions;
    - ``partial_fit`` refuses changed architecture or optimizer parameters
      instead of silently ignoring them.

    The objective is the ``sample_weight``-weighted mean cross-entropy plus
    ``alpha / 2 * (||W1||^2 + ||W2||^2)``. Note that MLPClassifier divides its
    penalty by the batch size: ``MLPClassifier(alpha=a, batch_size=b)``
    penalizes like ``TwoLayerMLPClassifier(alpha=a / b)``.

    With numba installed (``pip install "skmnist[fast]"``), each training
    step's element-wise work runs as a few compiled loops next to the BLAS
    matrix products; without it, or with ``SKMNIST_NUMBA=0``, it runs in
    NumPy with the same results up to rounding.

    Parameters
    ----------
    n_hidden : int, default=256
        Units in the hidden layer.
    activation : {"relu", "logistic", "tanh", "identity"}, default="relu"
        Hidden-layer activation, named as in MLPClassifier.
    dropout : float, default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout: nothing changes at predict time). 0 disables it.
    alpha : float, default=1e-5
        Per-sample strength of the L2 penalty on the weights.
    solver : {"sgd", "adam"}, default="adam"
        Update rule.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule (see :class:`SoftmaxSGDClassifier`).
    learning_rate_init : float or "auto", default=1e-3
        Initial step size. "auto" is 1e-3 for "adam" and, for "sgd",
        ``min(0.05, 10 / mean(||x||^2 + 1)) * sqrt(min(1, batch_size / 200))``
        (0.05 for MNIST pixels / 255 in batches of 200), computed without
        overflow; a step too small for the data's dtype is refused.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    momentum : float, default=0.9
        Momentum of the "sgd" solver.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, shuffling, dropout and the validation split;
        an int gives bit-identical fits.
    tol : float, default=1e-4
        Improvement that counts as progress.
    n_iter_no_change : int or np.inf, default=10
        Training stops once *more than* this many epochs in a row failed to
        improve the training loss (or, with early stopping, the validation
        quantity) by ``tol``, as in MLPClassifier; ``np.inf`` never stops
        early.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified, duplicates kept
        together), stop when the validation quantity stops improving and
        restore the best weights.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    monitor : {"loss", "accuracy"}, default="loss"
        Validation quantity early stopping watches (MLPClassifier's is
        "accuracy"; see the differences above).
    patience, patience_increase, improvement_threshold, validation_frequency
        The Theano tutorial's patience rule (see
        :class:`SoftmaxSGDClassifier`); ``patience=None`` uses
        scikit-learn's ``n_iter_no_change`` rule.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying ``sample_weight`` per class.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    average : bool or int, default=False
        Average the iterates (an int: start after that many samples of this
        ``fit``, or of the ``partial_fit`` calls since the first).
    augment : callable or None, default=None
        Training-time augmentation: called as ``augment(X_batch, rng)`` on
        each dense training minibatch (a copy) with a
        :class:`numpy.random.Generator`, it returns the batch to train on;
        never applied at predict time nor to validation data. See
        :mod:`skmnist.augmentation`.
    verbose : bool or int, default=False
        Print the loss every epoch, and at the end why training stopped
        and which epoch's weights were restored.

    Attributes
    ----------
    coefs_ : list of two ndarrays
        ``W1`` of shape (n_features, n_hidden) and ``W2`` of shape
        (n_hidden, n_classes).
    intercepts_ : list of two ndarrays
        ``b1`` of shape (n_hidden,) and ``b2`` of shape (n_classes,).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` had string column names.
    n_layers_ : int
        3: input, hidden and output, counted as MLPClassifier does.
    n_outputs_ : int
        Output units (one per class, binary problems included).
    out_activation_ : str
        "softmax".
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
        Validation accuracy at each check.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy at each check.
    best_validation_score_ : float or None
        Best validation accuracy of the last ``fit`` (MLPClassifier's
        meaning). With ``monitor="accuracy"`` the restored weights score it.
    best_validation_loss_ : float or None
        Lowest validation cross-entropy of the last ``fit``; with
        ``monitor="loss"`` the restored weights score it.

    See Also
    --------
    SoftmaxSGDClassifier : The same training without the hidden layer.
    sklearn.neural_network.MLPClassifier : Any number of layers.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skmnist import TwoLayerMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = TwoLayerMLPClassifier(
    ...     n_hidden=64, early_stopping=True, tol=1e-3, random_state=0
    ... )
    >>> clf = clf.fit(X / 16, y)
    >>> [w.shape for w in clf.coefs_]
    [(64, 64), (64, 10)]
    >>> clf.score(X / 16, y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **BaseMinibatchClassifier._parameter_constraints,
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        n_hidden=256,
        *,
        activation="relu",
        dropout=0.0,
        alpha=1e-5,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        batch_size="auto",
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        monitor="loss",
        patience=None,
        patience_increase=2.0,
        improvement_threshold=0.995,
        validation_frequency=None,
        class_weight=None,
        warm_start=False,
        average=False,
        augment=None,
        verbose=False,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.dropout = dropout
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
        return OneHiddenLayerModel(self.n_hidden, self.activation)

    def _fitted_params(self):
        return self.coefs_, self.intercepts_

    def _store_fitted_params(self, weights, biases):
        self.coefs_ = [w.copy() for w in weights]
        self.intercepts_ = [b.copy() for b in biases]
        self.n_layers_ = 3
        self.n_outputs_ = self.coefs_[1].shape[1]
        self.out_activation_ = "softmax"

    def _param_block_names(self):
        return ["coefs_[0]", "coefs_[1]", "intercepts_[0]", "intercepts_[1]"]

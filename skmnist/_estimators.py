"""The two estimators: their parameters, defaults and documentation.

Everything they share lives in :class:`~skmnist._base.BaseMinibatchClassifier`;
each hyperparameter is declared once in :mod:`skmnist._settings` (or, for the
architecture, on its network in :mod:`skmnist._models`), and the Parameters
sections below are written from those declarations with each estimator's own
defaults. What is left here is what scikit-learn needs spelled out: each
``__init__`` signature.
"""

from ._base import BaseMinibatchClassifier
from ._models import OneHiddenLayerModel, SoftmaxModel


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

    {parameters}

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
        samples trained on, each batch's before its step, plus the penalty
        (the iterates', also when averaging, as in ``SGDClassifier``);
        continued by warm starts and ``partial_fit``.
    validation_scores_ : list of float or None
        Validation accuracy at each check (None without validation).
    validation_loss_curve_ : list of float or None
        Validation cross-entropy at each check.
    learning_rate_curve_ : list of float or None
        The step of each epoch of the last call, under a schedule object
        (:mod:`skmnist.schedules`); None for the string schedules.
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

    _model_class = SoftmaxModel
    # SGDClassifier's count: stop after n_iter_no_change epochs without progress.
    _n_iter_no_change_strict = False
    _parameter_notes = {
        "learning_rate_init": "For 'sgd', 'auto' is ``min(1, 30 / mean(||x||^2 + "
        "1)) * sqrt(min(1, batch_size / 200))`` (0.3 for MNIST pixels / 255 in "
        "batches of 200); for 'adam', 0.01.",
        "n_iter_no_change": "Training stops once this many epochs in a row "
        "failed, as in SGDClassifier.",
        "average": "On by default: it lets constant-step SGD settle at the "
        "optimum instead of bouncing around it.",
    }

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

    {parameters}

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
        samples trained on, each batch's before its step, plus the penalty
        (the iterates', also when averaging, as in ``SGDClassifier``);
        continued by warm starts and ``partial_fit``.
    validation_scores_ : list of float or None
        Validation accuracy at each check.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy at each check.
    learning_rate_curve_ : list of float or None
        The step of each epoch of the last call, under a schedule object
        (:mod:`skmnist.schedules`); None for the string schedules.
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

    _model_class = OneHiddenLayerModel
    _parameter_notes = {
        "learning_rate_init": "For 'adam', 'auto' is 1e-3; for 'sgd', ``min(0.05, "
        "10 / mean(||x||^2 + 1)) * sqrt(min(1, batch_size / 200))`` (0.05 for "
        "MNIST pixels / 255 in batches of 200).",
        "n_iter_no_change": "Training stops once *more than* this many epochs in "
        "a row failed, as in MLPClassifier.",
        "alpha": "MLPClassifier divides its penalty by the batch size: "
        "``MLPClassifier(alpha=a, batch_size=b)`` penalizes like "
        "``TwoLayerMLPClassifier(alpha=a / b)``.",
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

"""The models ``skmnist compare`` can run, and how they pair up.

Each of skmnist's models in the default set has a scikit-learn *peer* built
at the same capacity and training budget (same hidden size, solver, step
size, batch size, epoch limit and stopping rule): speed is compared only
within such a pair. Beside the pairs, a *race* runs our recommended
configuration until it first reaches the held-out accuracy a scikit-learn
model ends with.
"""

from dataclasses import dataclass

#: The batch size both libraries use by default: min(200, n_samples).
DEFAULT_BATCH = 200

#: Models run when ``--models`` is not given (registry order).
DEFAULT_MODELS = ("softmax", "sklearn-softmax", "mlp", "sklearn-mlp", "mlp-fast")


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the model registry.

    Parameters
    ----------
    key : str
        Name used on the command line (``--models``) and in file names.
    label : str
        Name shown in the table.
    build : callable
        ``build(max_iter=None, n_hidden=None, random_state=0, n_train=None)``
        returns an unfitted estimator; ``None`` keeps the spec's own value.
        ``n_train`` (the training-set size) fixes the batch size where a
        penalty has to be converted between the two libraries.
    description : str
        One line for ``--help``.
    library : str
        ``"skmnist"`` or ``"scikit-learn"``.
    peer : str or None
        For skmnist's models: the key of the like-for-like scikit-learn model.
    pair_title : str or None
        What the pair is, for the table (``{n_hidden}`` is filled in).
    race_target : str or None
        For a race: the key of the model whose held-out accuracy is the target.
    counts_epochs : bool
        Whether ``n_iter_`` counts epochs (False for lbfgs iterations).
    typical_epochs : int
        Epochs such a fit usually takes, for the time estimate of the plan.
    """

    key: str
    label: str
    build: object
    description: str
    library: str
    peer: str = None
    pair_title: str = None
    race_target: str = None
    counts_epochs: bool = True
    typical_epochs: int = 100

    @property
    def is_ours(self):
        return self.library == "skmnist"


def batch_size_for(n_train):
    """The batch ``batch_size="auto"`` gives in both libraries."""
    return DEFAULT_BATCH if n_train is None else min(DEFAULT_BATCH, n_train)


def _with_max_iter(params, max_iter):
    if max_iter is not None:
        params["max_iter"] = max_iter
    return params


# Softmax regression trained by plain minibatch SGD with Nesterov momentum:
# the budget both sides of the softmax pair share.
_SOFTMAX_BUDGET = {
    "solver": "sgd",
    "learning_rate": "constant",
    "learning_rate_init": 0.1,
    "momentum": 0.9,
    "nesterovs_momentum": True,
    "batch_size": "auto",
    "max_iter": 100,
    "tol": 1e-3,
    "n_iter_no_change": 3,
    "shuffle": True,
    "early_stopping": False,
}
_SOFTMAX_ALPHA = 1e-5  # per sample, as skmnist counts it

# MLPClassifier's defaults, which the network pair shares.
_MLP_BUDGET = {
    "activation": "relu",
    "solver": "adam",
    "learning_rate": "constant",
    "learning_rate_init": 1e-3,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-8,
    "batch_size": "auto",
    "max_iter": 200,
    "tol": 1e-4,
    "n_iter_no_change": 10,
    "shuffle": True,
    "early_stopping": False,
}
_MLP_ALPHA = 1e-4  # as MLPClassifier counts it: divided by the batch size
_MLP_HIDDEN = 100

#: The configuration README recommends for reaching 0.98 on MNIST fast.
RECOMMENDED_MLP = {"n_hidden": 256, "learning_rate_init": 2e-3}


def _build_softmax(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from .._estimators import SoftmaxSGDClassifier

    params = _with_max_iter(dict(_SOFTMAX_BUDGET), max_iter)
    # MLPClassifier has no iterate averaging: without it on both sides.
    return SoftmaxSGDClassifier(
        alpha=_SOFTMAX_ALPHA, average=False, random_state=random_state, **params
    )


def _build_sklearn_softmax(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from sklearn.neural_network import MLPClassifier

    params = _with_max_iter(dict(_SOFTMAX_BUDGET), max_iter)
    # No hidden layer: multinomial softmax regression trained by MLPClassifier.
    return MLPClassifier(
        hidden_layer_sizes=(),
        alpha=_SOFTMAX_ALPHA * batch_size_for(n_train),
        random_state=random_state,
        **params,
    )


def _build_mlp(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from .._estimators import TwoLayerMLPClassifier

    params = _with_max_iter(dict(_MLP_BUDGET), max_iter)
    return TwoLayerMLPClassifier(
        n_hidden=_MLP_HIDDEN if n_hidden is None else n_hidden,
        alpha=_MLP_ALPHA / batch_size_for(n_train),
        random_state=random_state,
        **params,
    )


def _build_sklearn_mlp(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from sklearn.neural_network import MLPClassifier

    params = _with_max_iter({}, max_iter)
    if n_hidden is not None:
        params["hidden_layer_sizes"] = (n_hidden,)
    # scikit-learn's defaults on purpose (they equal _MLP_BUDGET, checked by
    # the tests): the pair's yardstick and the race's target.
    return MLPClassifier(random_state=random_state, **params)


def _build_mlp_fast(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from .._estimators import TwoLayerMLPClassifier

    params = _with_max_iter(dict(RECOMMENDED_MLP), max_iter)
    return TwoLayerMLPClassifier(random_state=random_state, **params)


def _build_course_mlp(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from sklearn.neural_network import MLPClassifier

    # The settings of the article that ports the Coursera ex4 network to
    # scikit-learn; tol=1e-9 means it practically always runs max_iter epochs.
    return MLPClassifier(
        hidden_layer_sizes=(25,),
        solver="sgd",
        max_iter=1000 if max_iter is None else max_iter,
        alpha=1e-4,
        tol=1e-9,
        random_state=random_state,
    )


def _build_logistic(max_iter=None, n_hidden=None, random_state=0, n_train=None):
    from sklearn.linear_model import LogisticRegression

    params = _with_max_iter({}, max_iter)
    return LogisticRegression(random_state=random_state, **params)


MODELS = {
    spec.key: spec
    for spec in (
        ModelSpec(
            "softmax",
            "SoftmaxSGDClassifier",
            _build_softmax,
            "skmnist's softmax regression, with sklearn-softmax's budget",
            "skmnist",
            peer="sklearn-softmax",
            pair_title="softmax regression",
            typical_epochs=70,
        ),
        ModelSpec(
            "sklearn-softmax",
            "MLPClassifier, no hidden layer",
            _build_sklearn_softmax,
            "MLPClassifier(hidden_layer_sizes=()): softmax regression by sgd",
            "scikit-learn",
            typical_epochs=90,
        ),
        ModelSpec(
            "mlp",
            "TwoLayerMLPClassifier",
            _build_mlp,
            "skmnist's one-hidden-layer network with MLPClassifier's defaults "
            "(--n-hidden)",
            "skmnist",
            peer="sklearn-mlp",
            pair_title="one hidden layer of {n_hidden} ReLU units",
            typical_epochs=110,
        ),
        ModelSpec(
            "sklearn-mlp",
            "MLPClassifier",
            _build_sklearn_mlp,
            "scikit-learn's MLPClassifier with its defaults (--n-hidden)",
            "scikit-learn",
            typical_epochs=110,
        ),
        ModelSpec(
            "mlp-fast",
            "TwoLayerMLPClassifier, recommended",
            _build_mlp_fast,
            "our recommended network (n_hidden=256, learning_rate_init=2e-3), "
            "timed until it reaches sklearn-mlp's held-out accuracy",
            "skmnist",
            race_target="sklearn-mlp",
            typical_epochs=10,
        ),
        ModelSpec(
            "logistic",
            "LogisticRegression",
            _build_logistic,
            "scikit-learn's LogisticRegression (lbfgs, multinomial; unpaired)",
            "scikit-learn",
            counts_epochs=False,
            typical_epochs=100,
        ),
        ModelSpec(
            "sklearn-mlp-course",
            "MLPClassifier, course",
            _build_course_mlp,
            "MLPClassifier with the course article's settings (25 hidden, sgd, "
            "max_iter=1000, alpha=1e-4, tol=1e-9; unpaired, slow)",
            "scikit-learn",
            typical_epochs=1000,
        ),
    )
}


def parse_model_list(text):
    """Turn ``"softmax,mlp"`` (``"all"``, ``"default"``) into registry keys.

    The keys come back in registry order, so that a race always runs after
    the model whose accuracy it chases.

    Raises
    ------
    ValueError
        On an unknown or repeated name, an empty list, or a race without its
        target.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(MODELS)
    if names == ["default"]:
        return list(DEFAULT_MODELS)
    if not names:
        raise ValueError("no model given")
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(
            f"unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)} "
            "(or 'all', or 'default')"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"a model is listed twice in {text!r}")
    for name in names:
        target = MODELS[name].race_target
        if target is not None and target not in names:
            raise ValueError(
                f"{name} is timed until it reaches {target}'s accuracy: "
                f"list {target} too"
            )
    return [key for key in MODELS if key in names]


# ----------------------------------------------------------------------
# What a pair holds equal


def _hidden_units(estimator):
    """Hidden units of either library's network (0 for softmax regression)."""
    if hasattr(estimator, "hidden_layer_sizes"):
        return tuple(estimator.hidden_layer_sizes)
    n_hidden = getattr(estimator, "n_hidden", None)
    return () if n_hidden is None else (n_hidden,)


_SHARED = (
    "solver",
    "learning_rate",
    "learning_rate_init",
    "batch_size",
    "max_iter",
    "tol",
    "n_iter_no_change",
    "shuffle",
    "early_stopping",
    "random_state",
)
_SHARED_BY_SOLVER = {
    "sgd": ("momentum", "nesterovs_momentum"),
    "adam": ("beta_1", "beta_2", "epsilon"),
}


def like_for_like_mismatches(ours, peer, n_train):
    """What differs between a pair's two estimators (nothing, by construction).

    Returns
    -------
    list of str
        One entry per parameter that differs; ``alpha`` is compared after
        converting MLPClassifier's per-batch penalty to skmnist's per-sample
        one.
    """
    mine, theirs = ours.get_params(), peer.get_params()
    names = _SHARED + _SHARED_BY_SOLVER.get(theirs["solver"], ())
    if _hidden_units(peer):
        names += ("activation",)
    differences = [
        f"{name}: {mine.get(name)!r} vs {theirs.get(name)!r}"
        for name in names
        if mine.get(name) != theirs.get(name)
    ]
    if _hidden_units(ours) != _hidden_units(peer):
        differences.append(
            f"hidden units: {_hidden_units(ours)} vs {_hidden_units(peer)}"
        )
    if getattr(ours, "average", False):
        differences.append("iterate averaging on one side only")
    if getattr(ours, "dropout", 0):
        differences.append("dropout on one side only")
    batch = batch_size_for(n_train)
    if not _close(mine["alpha"] * batch, theirs["alpha"]):
        differences.append(
            f"alpha: {mine['alpha']!r} per sample vs {theirs['alpha']!r} per batch "
            f"of {batch}"
        )
    return differences


def _close(a, b):
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)


def held_equal(ours, peer, n_train):
    """One sentence saying what a pair shares, from the peer's parameters."""
    theirs = peer.get_params()
    batch = batch_size_for(n_train)
    if theirs["solver"] == "sgd":
        momentum = "Nesterov " if theirs["nesterovs_momentum"] else ""
        solver = f"sgd ({momentum}momentum {theirs['momentum']:g})"
    else:
        solver = theirs["solver"]
    return (
        f"{solver}, learning rate {theirs['learning_rate_init']:g}, batch {batch}, "
        f"L2 alpha {theirs['alpha']:g} (= {ours.get_params()['alpha']:g} per "
        f"sample in skmnist), at most {theirs['max_iter']} epochs, stop when the "
        f"training loss improves by less than {theirs['tol']:g} for "
        f"{theirs['n_iter_no_change']} epochs; same training images, same random_state"
    )

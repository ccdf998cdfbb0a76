"""The models ``skmnist compare`` can run, by key."""

from dataclasses import dataclass

#: Key of the model every speed ratio is measured against.
REFERENCE_MODEL = "sklearn-mlp"


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
        ``build(max_iter, n_hidden, random_state)`` returns an unfitted
        estimator; ``max_iter=None`` keeps the model's own default.
    description : str
        One line for ``--help``.
    records_validation : bool
        Whether ``fit`` accepts ``X_val``/``y_val`` and records held-out
        scores per epoch (skmnist's estimators).
    reports_epochs : bool
        Whether ``verbose=True`` prints one line per epoch.
    """

    key: str
    label: str
    build: object
    description: str
    records_validation: bool = False
    reports_epochs: bool = False


def _build_softmax(max_iter, n_hidden, random_state):
    from .._softmax import SoftmaxSGDClassifier

    params = {} if max_iter is None else {"max_iter": max_iter}
    return SoftmaxSGDClassifier(random_state=random_state, **params)


def _build_two_layer(max_iter, n_hidden, random_state):
    from .._mlp import TwoLayerMLPClassifier

    params = {} if max_iter is None else {"max_iter": max_iter}
    if n_hidden is not None:
        params["n_hidden"] = n_hidden
    return TwoLayerMLPClassifier(random_state=random_state, **params)


def _build_sklearn_mlp(max_iter, n_hidden, random_state):
    from sklearn.neural_network import MLPClassifier

    # scikit-learn's defaults on purpose: this is the yardstick.
    params = {} if max_iter is None else {"max_iter": max_iter}
    return MLPClassifier(random_state=random_state, **params)


def _build_course_mlp(max_iter, n_hidden, random_state):
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


def _build_logistic(max_iter, n_hidden, random_state):
    from sklearn.linear_model import LogisticRegression

    params = {} if max_iter is None else {"max_iter": max_iter}
    return LogisticRegression(random_state=random_state, **params)


MODELS = {
    spec.key: spec
    for spec in (
        ModelSpec(
            "softmax",
            "SoftmaxSGDClassifier",
            _build_softmax,
            "skmnist's softmax regression (minibatch SGD, averaged)",
            records_validation=True,
            reports_epochs=True,
        ),
        ModelSpec(
            "mlp",
            "TwoLayerMLPClassifier",
            _build_two_layer,
            "skmnist's one-hidden-layer network (defaults; --n-hidden)",
            records_validation=True,
            reports_epochs=True,
        ),
        ModelSpec(
            "sklearn-mlp",
            "MLPClassifier",
            _build_sklearn_mlp,
            "scikit-learn's MLPClassifier with its defaults (the speed reference)",
            reports_epochs=True,
        ),
        ModelSpec(
            "sklearn-mlp-course",
            "MLPClassifier (course)",
            _build_course_mlp,
            "MLPClassifier with the course article's settings "
            "(25 hidden, sgd, max_iter=1000, alpha=1e-4, tol=1e-9)",
            reports_epochs=True,
        ),
        ModelSpec(
            "logistic",
            "LogisticRegression",
            _build_logistic,
            "scikit-learn's LogisticRegression (lbfgs, multinomial)",
        ),
    )
}


def parse_model_list(text):
    """Turn ``"softmax,mlp"`` (or ``"all"``) into a list of registry keys.

    Raises
    ------
    ValueError
        On an unknown or repeated name, or an empty list.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(MODELS)
    if not names:
        raise ValueError("no model given")
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(
            f"unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)} (or 'all')"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"a model is listed twice in {text!r}")
    return names

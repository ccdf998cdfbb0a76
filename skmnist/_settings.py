"""Every hyperparameter, declared once: its constraint, its documentation, its role.

A hyperparameter is a field of one of the settings dataclasses below (or of a
network in :mod:`skmnist._models`). Its declaration is the one home of

- the constraint scikit-learn's parameter validation checks
  (``_parameter_constraints`` is built from it);
- its documentation (the estimators' Parameters sections are written from it,
  with each estimator's own default);
- its role: the fields of :class:`OptimizerSettings` and of the network
  define the trained model and its optimizer state, so a ``partial_fit`` may
  not change them under a model it continues; the fields of
  :class:`TrainingSettings` may change between calls; the fields of
  :class:`EstimatorSettings` never reach the trainer.

The trainer receives the settings themselves (:func:`settings_from`), so a
value cannot be validated under one name and trained under another.
"""

import dataclasses
import inspect
import textwrap
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions

_MISSING = dataclasses.MISSING


def hyperparameter(constraints, kind, doc, default=_MISSING):
    """A dataclass field that declares an estimator parameter.

    Parameters
    ----------
    constraints : list
        scikit-learn's parameter-validation constraints.
    kind : str
        The numpydoc type, e.g. ``"float"`` or ``"{'sgd', 'adam'}"``.
    doc : str
        The description, one paragraph (the estimator's default is added).
    default : object, optional
        Only for a field that one estimator lacks: the value that stands for
        "absent" (e.g. no dropout in a model without a hidden layer).
    """
    metadata = {"constraints": constraints, "kind": kind, "doc": doc}
    return dataclasses.field(default=default, metadata=metadata)


def same_value(a, b):
    """Whether two values of a parameter are the same: ``a`` as set now, ``b``
    as a trained model recorded it (a deep copy, or a loaded one).

    Arrays, sequences and dicts compare element by element (NaN equal to
    NaN), and an object that defines no equality of its own (a user's
    schedule) by its type and attributes, not by identity.
    """
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        numeric = a.dtype.kind in "fc" and b.dtype.kind in "fc"
        return bool(np.array_equal(a, b, equal_nan=numeric))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and _same_items(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and _same_items(
            [a[k] for k in a], [b[k] for k in a]
        )
    if _is_nan(a) and _is_nan(b):
        return True
    if type(a).__eq__ is object.__eq__:
        return type(a) is type(b) and same_value(_attributes(a), _attributes(b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an equality that yields no single truth
        return False


def _same_items(a, b):
    return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))


def _is_nan(value):
    return is_number(value) and value != value


def is_number(value):
    """A real number (NumPy's included), not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def _attributes(obj):
    """An object's attributes by name: its ``__dict__`` and its slots."""
    found = dict(getattr(obj, "__dict__", {}))
    for kind in type(obj).__mro__:
        for name in getattr(kind, "__slots__", ()):
            if hasattr(obj, name) and name not in ("__dict__", "__weakref__"):
                found[name] = getattr(obj, name)
    return found


class _InstanceWith(HasMethods):
    """An object with these methods that is not a class: ``RandomShift()``,
    not ``RandomShift`` (whose methods a class has too, unbound).

    (A ``HasMethods`` so that scikit-learn's validation accepts it as a
    constraint.)
    """

    def __init__(self, methods, example):
        super().__init__(methods)
        self.example = example

    def is_satisfied_by(self, val):
        if isinstance(val, type):
            return False
        # In the class's own dictionaries, as a call looks them up: an
        # instance attribute named __call__ does not make an object callable,
        # and getattr on the class would find the metaclass's.
        kind = type(val)
        return all(
            any(callable(vars(each).get(name)) for each in kind.__mro__)
            for name in self.methods
        )

    def __str__(self):
        return f"an instance such as {self.example} (not a class)"


@dataclasses.dataclass(frozen=True)
class OptimizerSettings:
    """The update rule and its state: fixed for the life of a trained model."""

    solver: str = hyperparameter(
        [StrOptions({"sgd", "adam"})],
        "{'sgd', 'adam'}",
        "Update rule: SGD with (Nesterov's) momentum, or Adam.",
    )
    learning_rate: Any = hyperparameter(
        [
            StrOptions({"constant", "invscaling", "adaptive"}),
            _InstanceWith(["factor"], "StepSchedule([30, 60])"),
        ],
        "{'constant', 'invscaling', 'adaptive'} or a schedule",
        "Step-size schedule. A schedule object of :mod:`skmnist.schedules` "
        "(``StepSchedule``, ``CosineSchedule`` with warm-up) sets each epoch's "
        "step to ``learning_rate_init * factor(epoch)``, epochs counted over "
        "every call that trained the model. 'invscaling' uses ``learning_rate_init / (k + 1) "
        "** power_t`` at the ``k``-th update (counted from 0 over every call "
        "that trained the model, so warm starts and ``partial_fit`` continue the "
        "decay); 'adaptive' divides the step by 5 whenever the stopping rule "
        "would stop, until the step falls below 1e-6.",
    )
    learning_rate_init: Any = hyperparameter(
        [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "float or 'auto'",
        "Initial step size. 'auto' scales it to the data (rule below): to that "
        "of ``fit``, or of the first ``partial_fit`` call, whose step later "
        "``partial_fit`` calls keep; a step too small for the data's dtype is "
        "refused.",
    )
    power_t: float = hyperparameter(
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Exponent of the 'invscaling' schedule.",
    )
    momentum: float = hyperparameter(
        [Interval(Real, 0, 1, closed="both")],
        "float",
        "Momentum of the 'sgd' solver (0 disables it).",
    )
    nesterovs_momentum: bool = hyperparameter(
        ["boolean"], "bool", "Use Nesterov's momentum with the 'sgd' solver."
    )
    beta_1: float = hyperparameter(
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Adam's decay rate of the first moment.",
    )
    beta_2: float = hyperparameter(
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Adam's decay rate of the second moment.",
    )
    epsilon: float = hyperparameter(
        [Interval(Real, 0, None, closed="neither")],
        "float",
        "Adam's numerical floor; one that rounds to 0 in the data's dtype is refused.",
    )
    average: Any = hyperparameter(
        ["boolean", Interval(Integral, 0, None, closed="left")],
        "bool or int",
        "Average the iterates (Polyak-Ruppert); an int starts averaging after "
        "that many samples of this ``fit``, or of the ``partial_fit`` calls "
        "since the first (0, like False, does not average, as in "
        "``SGDClassifier``). The average is the model returned and the one "
        "validation scores; the training loss and the rules that read it "
        "follow the iterates' running loss, as in ``SGDClassifier``: without a "
        "validation set, averaging never changes when a fit, or a sequence of "
        "``partial_fit`` calls, stops (a warm start continues from the "
        "average, so its path does depend on it). The iterates' loss levels "
        "off at their noise while the average still improves: to let the "
        "average converge, raise ``n_iter_no_change`` rather than lower "
        "``tol``.",
    )


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """How one call trains: these may change between ``partial_fit`` calls."""

    alpha: float = hyperparameter(
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Per-sample strength of the L2 penalty on the weights (not the "
        "biases), as in ``SGDClassifier``.",
    )
    batch_size: Any = hyperparameter(
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "int or 'auto'",
        "Minibatch size; 'auto' is ``min(200, n_samples)``.",
    )
    max_iter: int = hyperparameter(
        [Interval(Integral, 1, None, closed="left")],
        "int",
        "Maximum number of epochs of a ``fit``.",
    )
    shuffle: bool = hyperparameter(
        ["boolean"], "bool", "Reshuffle the samples every epoch."
    )
    tol: float = hyperparameter(
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Improvement of the training loss (or, with early stopping, of the "
        "monitored validation quantity) that counts as progress.",
    )
    n_iter_no_change: Any = hyperparameter(
        [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "int or np.inf",
        "Epochs in a row allowed without progress by ``tol`` before training "
        "stops (see the estimator's count below); ``np.inf`` never stops early.",
    )
    early_stopping: bool = hyperparameter(
        ["boolean"],
        "bool",
        "Hold out ``validation_fraction`` of the training data (stratified, "
        "identical samples kept together), stop when the validation quantity "
        "stops improving and restore the best weights with their optimizer "
        "state.",
    )
    validation_fraction: float = hyperparameter(
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Fraction held out for early stopping.",
    )
    monitor: str = hyperparameter(
        [StrOptions({"loss", "accuracy"})],
        "{'loss', 'accuracy'}",
        "Validation quantity early stopping watches (MLPClassifier's is 'accuracy').",
    )
    patience: Any = hyperparameter(
        [None, Interval(Integral, 1, None, closed="left")],
        "int or None",
        "With early stopping, use the Theano tutorial's patience rule instead "
        "of ``n_iter_no_change``: train at least ``patience`` minibatches, "
        "extending the patience to ``iteration * patience_increase`` whenever "
        "the validation error falls below ``improvement_threshold`` times its "
        "best value.",
    )
    patience_increase: float = hyperparameter(
        [Interval(Real, 1, None, closed="left")],
        "float",
        "Multiplicative patience extension of the tutorial's rule.",
    )
    improvement_threshold: float = hyperparameter(
        [Interval(Real, 0, 1, closed="right")],
        "float",
        "Relative improvement that extends the patience.",
    )
    validation_frequency: Any = hyperparameter(
        [None, Interval(Integral, 1, None, closed="left")],
        "int or None",
        "Minibatches between validation checks of the patience rule; None "
        "means ``min(n_batches_per_epoch, patience // 2)`` as in the tutorial.",
    )
    augment: Any = hyperparameter(
        [None, _InstanceWith(["__call__"], "RandomShift()")],
        "callable or None",
        "Training-time augmentation: called as ``augment(X_batch, rng)`` on "
        "each dense training minibatch (a copy) with a "
        ":class:`numpy.random.Generator`, it returns the batch to train on; "
        "never applied at predict time nor to validation data. See "
        ":mod:`skmnist.augmentation`.",
    )
    verbose: Any = hyperparameter(
        ["verbose"],
        "bool or int",
        "Print the loss every epoch, and at the end why training stopped and "
        "which epoch's weights were restored.",
    )
    # Last: the one field with an "absent" value (no hidden layer, no dropout).
    dropout: float = hyperparameter(
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Probability of dropping each hidden unit during training (inverted "
        "dropout: nothing changes at predict time); 0 disables it.",
        default=0.0,
    )


@dataclasses.dataclass(frozen=True)
class EstimatorSettings:
    """What the estimator itself uses: none of these reach the trainer."""

    random_state: Any = hyperparameter(
        ["random_state"],
        "int, RandomState instance or None",
        "Seeds initialization, shuffling, dropout, augmentation and the "
        "validation split; an int gives bit-identical fits.",
    )
    class_weight: Any = hyperparameter(
        [dict, StrOptions({"balanced"}), None],
        "dict, 'balanced' or None",
        "Weights multiplying ``sample_weight`` per class; 'balanced' uses "
        "``n_samples / (n_classes * np.bincount(y))`` of the training labels.",
    )
    warm_start: bool = hyperparameter(
        ["boolean"],
        "bool",
        "Start ``fit`` from the previous solution (with a fresh optimizer, as "
        "MLPClassifier does).",
    )


def declared_fields(*declaring):
    """``{name: dataclasses.Field}`` of every hyperparameter of ``declaring``."""
    return {f.name: f for cls in declaring for f in dataclasses.fields(cls)}


def settings_from(cls, params):
    """An instance of the settings dataclass ``cls`` from estimator parameters.

    A field the estimator does not have takes its declared "absent" value.
    """
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in params:
            values[f.name] = params[f.name]
        elif f.default is not _MISSING:
            values[f.name] = f.default
        else:
            raise TypeError(f"missing the hyperparameter {f.name!r}")
    return cls(**values)


def parameters_section(fields, signature, notes):
    """The numpydoc Parameters section for an ``__init__`` ``signature``.

    ``notes`` maps a parameter to text the estimator adds to (or, for a
    parameter it alone has, gives as) its description.
    """
    lines = ["Parameters", "----------"]
    for name, parameter in signature.parameters.items():
        if name == "self":
            continue
        f = fields[name]
        lines.append(f"{name} : {f.metadata['kind']}, default={parameter.default!r}")
        text = f.metadata["doc"]
        if name in notes:
            text = f"{text} {notes[name]}"
        lines.extend(_wrapped(text, indent=4))
    return "\n".join(lines)


def _wrapped(text, indent):
    return textwrap.wrap(
        text,
        width=76,
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def derive_from_declarations(cls):
    """Give an estimator class what its parameters' declarations imply.

    Checks that every ``__init__`` parameter is declared (and every required
    declaration present), then sets ``_parameter_constraints``,
    ``_fixed_parameters`` (what ``partial_fit`` may not change under a model
    it continues: the architecture and the optimizer) and the docstring's
    Parameters section, in ``__init__``'s order with its defaults.
    """
    declared = declared_fields(
        cls._model_class, OptimizerSettings, TrainingSettings, EstimatorSettings
    )
    signature = inspect.signature(cls.__init__)
    names = [name for name in signature.parameters if name != "self"]
    undeclared = sorted(set(names) - set(declared))
    missing = sorted(
        name
        for name, f in declared.items()
        if f.default is _MISSING and name not in names
    )
    if undeclared or missing:
        raise TypeError(
            f"{cls.__name__}.__init__ and the declarations in skmnist._settings "
            f"disagree: undeclared {undeclared}, missing {missing}."
        )
    cls._parameter_constraints = {
        name: declared[name].metadata["constraints"] for name in names
    }
    fixed = declared_fields(cls._model_class, OptimizerSettings)
    cls._fixed_parameters = tuple(name for name in names if name in fixed)
    if cls.__doc__ and "{parameters}" in cls.__doc__:
        section = parameters_section(declared, signature, cls._parameter_notes)
        section = textwrap.indent(section, "    ").lstrip()
        cls.__doc__ = cls.__doc__.replace("{parameters}", section)

"""ONNX export: importing this module teaches skl2onnx both skmnist estimators.

After ``import skmnist.onnx``, skl2onnx's own :func:`skl2onnx.to_onnx` and
:func:`skl2onnx.convert_sklearn` convert a fitted
:class:`~skmnist.TwoLayerMLPClassifier` or :class:`~skmnist.SoftmaxSGDClassifier`,
alone or as a step of a :class:`~sklearn.pipeline.Pipeline`, into a graph of
standard ONNX operators (MatMul, Add, Relu/Sigmoid/Tanh, Softmax, ArgMax,
Gather) that onnxruntime or any other ONNX runtime serves without Python.

The graph computes what ``predict`` and ``predict_proba`` compute: one softmax
output unit per class (binary problems included), labels looked up in
``classes_`` (int64 for integer or boolean labels, strings for string labels).
The graph computes in float64 whatever its input type: a float32 input is
cast on the way in and the probabilities cast back, so that a finite row near
float32's largest value (whose float32 products overflow) still gets finite
probabilities and the label ``predict`` gives.

``zipmap`` (default True)
    True: probabilities as a list of ``{label: probability}`` dicts;
    False: as a (n_samples, n_classes) tensor; ``"columns"``: one output per
    class.
``nocl`` (default False)
    True: the graph holds no class labels; it outputs the class index
    ``0 .. n_classes - 1`` instead (and zipmap keys are those indices).

Install the dependencies with ``pip install "skmnist[onnx]"``; ``import
skmnist`` alone imports none of them.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from sklearn.datasets import load_digits
>>> from skl2onnx import to_onnx
>>> import skmnist.onnx
>>> from skmnist import TwoLayerMLPClassifier
>>> X, y = load_digits(return_X_y=True)
>>> X = (X / 16).astype(np.float32)
>>> clf = TwoLayerMLPClassifier(n_hidden=32, max_iter=20, random_state=0).fit(X, y)
>>> onx = to_onnx(clf, X[:1], options={"zipmap": False})
>>> session = ort.InferenceSession(onx.SerializeToString())
>>> labels, proba = session.run(None, {"X": X[:5]})
>>> bool((labels == clf.predict(X[:5])).all())
True
>>> bool(np.allclose(proba, clf.predict_proba(X[:5]), atol=1e-5))
True
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._estimators import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from ._numerics import LEAKY_SLOPE

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter

    # skl2onnx's own classifier parser: what update_registered_converter installs
    # for any classifier declaring the "zipmap" option. It adds the ZipMap step
    # and takes the "nocl" option into account for the ZipMap keys.
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        f"skmnist.onnx needs skl2onnx and onnx ({exc}); install them with "
        'pip install "skmnist[onnx]"'
    ) from exc

__all__ = [
    "CONVERTER_OPTIONS",
    "classifier_output_shapes",
    "convert_classifier",
    "parse_classifier",
]

#: The options the converter accepts, with their allowed values (first: default).
CONVERTER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}

# The estimators' activation names -> ONNX operator and its attributes (None:
# no node at all).
_ACTIVATION_OPS = {
    "relu": ("Relu", {}),
    # max(z, slope * z): onnxruntime has no float64 LeakyRelu.
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}),
    "logistic": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "identity": None,
}
_INPUT_DTYPES = {FloatTensorType: np.float32, DoubleTensorType: np.float64}
_PROTO_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
}


# ----------------------------------------------------------------------
# Parser: the outputs one estimator adds to the graph
# ----------------------------------------------------------------------
def parse_classifier(scope, model, inputs, custom_parsers=None):
    """Declare a skmnist classifier's outputs in a skl2onnx graph.

    A label and a probability output, followed by skl2onnx's ZipMap step
    unless the ``zipmap`` option is False.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The graph being built.
    model : TwoLayerMLPClassifier or SoftmaxSGDClassifier
        A fitted estimator.
    inputs : list of skl2onnx.common._topology.Variable
        Its one input.
    custom_parsers : dict or None, default=None
        Passed on to skl2onnx.

    Returns
    -------
    outputs : list of skl2onnx.common._topology.Variable
        The variables the next step (or the graph's outputs) receives.
    """
    # Checked here, before skl2onnx's parser fails on the missing classes_
    # with a message that does not say why.
    check_is_fitted(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


# ----------------------------------------------------------------------
# Shape calculator: the types and shapes of the label and probability outputs
# ----------------------------------------------------------------------
def classifier_output_shapes(operator):
    """Set the output types of one skmnist classifier in a skl2onnx graph.

    The label output is int64 for integer or boolean labels and for the
    ``nocl`` option, a string tensor for string labels; the probabilities
    have the input's float type and shape (n_samples, n_classes).

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator wrapping the fitted estimator (``raw_operator``).
    """
    model = operator.raw_operator
    _check_inputs_and_outputs(operator, model)
    n_rows = operator.inputs[0].get_first_dimension()
    label_type = _label_tensor_type(model, _wants_indices(operator))
    operator.outputs[0].type = label_type(shape=[n_rows])
    probability_type = type(operator.inputs[0].type)
    operator.outputs[1].type = probability_type(shape=[n_rows, len(model.classes_)])


def _check_inputs_and_outputs(operator, model):
    name = type(model).__name__
    if len(operator.inputs) != 1 or len(operator.outputs) != 2:
        raise RuntimeError(
            f"{name} converts with one input and two outputs (label, "
            f"probabilities), not {len(operator.inputs)} and "
            f"{len(operator.outputs)}."
        )
    input_type = type(operator.inputs[0].type)
    if input_type not in _INPUT_DTYPES:
        raise TypeError(
            f"{name} converts for float32 or float64 input, not "
            f"{input_type.__name__}; give skl2onnx float input, e.g. "
            "to_onnx(model, X[:1].astype(np.float32))."
        )
    shape = operator.inputs[0].type.shape
    n_columns = shape[1] if shape is not None and len(shape) == 2 else None
    if isinstance(n_columns, int) and n_columns != model.n_features_in_:
        raise ValueError(
            f"the ONNX input has {n_columns} columns but {name} was fitted on "
            f"{model.n_features_in_} features; pass rows of the training data's "
            "width to skl2onnx."
        )


def _wants_indices(operator):
    """True under the ``nocl`` option: output class indices, not labels."""
    options = operator.scope_inst.get_options(operator.raw_operator, {"nocl": False})
    return bool(options["nocl"])


def _label_tensor_type(model, indices):
    if indices or _onnx_labels(model.classes_).dtype == np.int64:
        return Int64TensorType
    return StringTensorType


def _onnx_labels(classes):
    """``classes`` as ONNX can hold them: int64, or UTF-8 strings (object)."""
    # scikit-learn refuses float labels that are not whole numbers, so the
    # float labels that reach here convert exactly, if int64 holds them.
    if classes.dtype.kind in "biuf":
        limits = np.iinfo(np.int64)
        if classes.size and (classes.max() > limits.max or classes.min() < limits.min):
            raise ValueError(
                f"The labels {classes!r} do not fit ONNX's int64 label output (the "
                "largest is 2**63 - 1). Convert with options={'nocl': True} and "
                "map the class index to classes_ yourself, or relabel the data."
            )
        return classes.astype(np.int64)
    return np.array([str(label) for label in classes], dtype=object)


# ----------------------------------------------------------------------
# Converter: the forward pass, softmax and label lookup as ONNX nodes
# ----------------------------------------------------------------------
def convert_classifier(scope, operator, container):
    """Add the ONNX nodes computing one skmnist classifier's outputs.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Supplies unique names.
    operator : skl2onnx.common._topology.Operator
        The operator wrapping the fitted estimator; its two outputs receive
        the labels and the probabilities.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and the weights.
    """
    model = operator.raw_operator
    input_dtype = np.dtype(_INPUT_DTYPES[type(operator.inputs[0].type)])
    dtype = np.dtype(np.float64)
    logits = operator.inputs[0].full_name
    if input_dtype != dtype:
        logits = _add_node(scope, container, "Cast", [logits], to=TensorProto.DOUBLE)
    for weights, bias, activation in _dense_layers(model):
        logits = _dense(scope, container, logits, weights, bias, dtype)
        if activation is not None:
            logits = _activate(scope, container, logits, activation, dtype)
    label, probabilities = operator.outputs
    if input_dtype == dtype:
        _add_node(
            scope, container, "Softmax", [logits], probabilities.full_name, axis=1
        )
    else:
        proba = _add_node(scope, container, "Softmax", [logits], axis=1)
        _add_node(
            scope,
            container,
            "Cast",
            [proba],
            probabilities.full_name,
            to=_PROTO_TYPES[input_dtype],
        )
    index = _add_node(scope, container, "ArgMax", [logits], axis=1, keepdims=0)
    _add_labels(scope, container, model, index, label.full_name, operator)


def _dense_layers(model):
    """``[(W, b, onnx activation or None), ...]`` with ``W`` as (inputs, outputs).

    Read from the network the estimator was trained as (its ``predict``'s),
    whatever ``set_params`` changed since.
    """
    network = model._trained_network()
    weights, biases = network.views()
    if isinstance(model, TwoLayerMLPClassifier):
        activation = _ACTIVATION_OPS[network.model.activation]
        return [(weights[0], biases[0], activation), (weights[1], biases[1], None)]
    return [(weights[0].T, biases[0], None)]


def _activate(scope, container, inputs, activation, dtype):
    op_type, attributes = activation
    if op_type != "LeakyRelu":
        return _add_node(scope, container, op_type, [inputs], **attributes)
    slope = _add_constant(scope, container, "slope", [attributes["alpha"]], dtype)
    scaled = _add_node(scope, container, "Mul", [inputs, slope])
    return _add_node(scope, container, "Max", [inputs, scaled])


def _dense(scope, container, inputs, weights, bias, dtype):
    """``inputs @ weights + bias`` with the weights in ``dtype``."""
    weights_name = _add_constant(scope, container, "coefficients", weights, dtype)
    bias_name = _add_constant(scope, container, "intercepts", bias, dtype)
    product = _add_node(scope, container, "MatMul", [inputs, weights_name])
    return _add_node(scope, container, "Add", [product, bias_name])


def _add_constant(scope, container, stem, values, dtype):
    name = scope.get_unique_variable_name(stem)
    values = np.ascontiguousarray(values, dtype=dtype)
    container.add_initializer(
        name, _PROTO_TYPES[dtype], values.shape, values.ravel().tolist()
    )
    return name


def _add_node(scope, container, op_type, inputs, output=None, **attributes):
    """Add one node and return the name of its output."""
    output = output or scope.get_unique_variable_name(op_type.lower())
    container.add_node(
        op_type,
        inputs,
        [output],
        name=scope.get_unique_operator_name(op_type),
        **attributes,
    )
    return output


def _add_labels(scope, container, model, index, output, operator):
    """The label of each row: ``classes_[index]``, or the index under ``nocl``."""
    if _wants_indices(operator):
        _add_node(scope, container, "Identity", [index], output)
        return
    labels = _onnx_labels(model.classes_)
    name = scope.get_unique_variable_name("classes")
    if labels.dtype == np.int64:
        container.add_initializer(
            name, TensorProto.INT64, labels.shape, labels.tolist()
        )
    else:
        encoded = [label.encode("utf-8") for label in labels]
        container.add_initializer(name, TensorProto.STRING, labels.shape, encoded)
    _add_node(scope, container, "Gather", [name, index], output, axis=0)


def _register():
    for estimator in (TwoLayerMLPClassifier, SoftmaxSGDClassifier):
        update_registered_converter(
            estimator,
            f"Skmnist{estimator.__name__}",
            classifier_output_shapes,
            convert_classifier,
            parser=parse_classifier,
            options=CONVERTER_OPTIONS,
        )


_register()

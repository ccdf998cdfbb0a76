"""An unpickler that refuses anything but NumPy arrays and plain containers.

Unpickling runs whatever callables the pickle names, so a dataset file read
with plain ``pickle.load`` can execute arbitrary code.  The unpickler here
resolves only an allow-list of globals (NumPy's array reconstruction helpers
and builtin container/scalar types), calls each of them only through a check
of its arguments, and charges what the calls allocate to a budget
proportional to the pickle's own size: a small file cannot make it allocate
gigabytes.  It is built on the pure-Python unpickler so that every opcode that
calls, builds or allocates can be checked.
"""

import builtins
import functools
import importlib
import io
import math
import pickle
import reprlib
import struct
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING

import numpy as np

#: Calls made while unpickling may allocate in all at most this many times the
#: pickle's size, plus ``ALLOCATION_SLACK`` bytes.
ALLOCATION_FACTOR = 8
ALLOCATION_SLACK = 1 << 20

# Charged per element of a container a call builds (a pointer each).
_POINTER_SIZE = 8


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle referenced a global outside the dataset allow-list, called one
    with arguments it may not take, or asked to allocate beyond its budget."""


def _refuse(what):
    return UnsafePickleError(
        f"{what}. A dataset pickle may hold only NumPy arrays and plain "
        "containers. It was refused without running it."
    )


def _normalized_codec(encoding):
    if not isinstance(encoding, str):
        raise _refuse(f"the pickle names the codec {encoding!r}, not a string")
    return encoding.lower().replace("-", "_").replace(" ", "_")


# Codecs admitted where the pickle names one: Python 2/3 pickles use latin-1
# for byte buffers; nothing needs more, and naming a codec can import code.
_LATIN1 = {"latin1", "latin_1", "iso8859_1", "iso_8859_1", "l1"}
_TEXT_CODECS = _LATIN1 | {"utf8", "utf_8", "ascii", "us_ascii"}


def _check_codec(encoding, allowed=_TEXT_CODECS):
    if _normalized_codec(encoding) not in allowed:
        raise _refuse(f"codec {encoding!r} is not allowed in a dataset")


def _latin1_encode(text, encoding="latin1"):
    # Python 3 pickles of bytes at protocol <= 2 (which NumPy arrays use for
    # their raw buffer) call ``_codecs.encode(text, "latin1")``.  Only that
    # use is admitted, not arbitrary codecs.
    _check_codec(encoding, _LATIN1)
    if not isinstance(text, str):
        raise _refuse("_codecs.encode may only encode text")
    return text.encode("latin1")


def _reconstructor(cls, base, state):
    # Stands in for ``copyreg._reconstructor`` (``copy_reg`` in Python 2
    # pickles), which protocols 0 and 1 use to rebuild builtin types; the
    # unpickler routes it to its checked constructors.
    raise AssertionError("dispatched by RestrictedUnpickler._call")


def _numpy_core(submodule, name):
    # NumPy 2 moved ``numpy.core`` to ``numpy._core``; pickles name either.
    for package in ("numpy._core", "numpy.core"):
        try:
            module = importlib.import_module(f"{package}.{submodule}")
        except ImportError:
            continue
        return getattr(module, name)
    raise ImportError(f"numpy has no {submodule}.{name}")  # pragma: no cover


_CONTAINERS = ("tuple", "list", "dict", "set", "frozenset")
_NUMBERS = ("int", "float", "complex", "bool")
_BUILTINS = _CONTAINERS + _NUMBERS + ("str", "bytes", "bytearray")
_BUILTIN_TYPES = tuple(getattr(builtins, name) for name in _BUILTINS)
# NEWOBJ on these ignores its arguments (their __init__ would use them).
_MUTABLE_TYPES = (list, dict, set, bytearray)


def _is_one_of(obj, types):
    # Identity, not equality: np.dtype("O") == list is True.
    return any(obj is candidate for candidate in types)


# NumPy's own array/scalar reconstruction helpers, named by their submodule of
# numpy.core (NumPy 1) or numpy._core (NumPy 2).
_NUMPY_INTERNALS = (
    ("multiarray", "_reconstruct"),
    ("multiarray", "scalar"),
    ("numeric", "_frombuffer"),
)


@functools.cache
def _allowed_globals():
    """``(module, name)`` -> the object a pickle may reference by that name."""
    allowed = {("builtins", name): getattr(builtins, name) for name in _BUILTINS}
    allowed[("numpy", "ndarray")] = np.ndarray
    allowed[("numpy", "dtype")] = np.dtype
    allowed[("_codecs", "encode")] = _latin1_encode
    allowed[("copyreg", "_reconstructor")] = _reconstructor
    for submodule, name in _NUMPY_INTERNALS:
        target = _numpy_core(submodule, name)
        for package in ("numpy.core", "numpy._core"):
            allowed[(f"{package}.{submodule}", name)] = target
    return allowed


def _short(obj):
    return reprlib.repr(obj)  # never the full repr of a large object


def _describe(obj):
    """A short name for ``obj``, never its (possibly huge) repr."""
    if isinstance(obj, type) or hasattr(obj, "__qualname__"):
        return f"{getattr(obj, '__module__', None) or '?'}.{obj.__qualname__}"
    kind = type(obj)
    return f"a {kind.__module__}.{kind.__qualname__} object"


def _byte_size(shape, dtype):
    """Bytes of an array of ``shape`` and ``dtype``, refusing odd shapes."""
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, tuple) or not all(
        isinstance(n, int) and n >= 0 for n in shape
    ):
        raise _refuse(f"the pickle asks for an array of shape {_short(shape)}")
    return math.prod(shape) * np.dtype(dtype).itemsize


_BYTE_ORDERS = ("<", ">", "=")


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickler admitting only NumPy arrays, dtypes, scalars and builtins.

    Only an allow-list of globals can be named (Python 2 names such as
    ``__builtin__.set`` or ``copy_reg._reconstructor`` are mapped to their
    Python 3 names first, as the standard unpickler does).  Each allowed
    callable is called through a check of its arguments, state is set only on
    arrays and dtypes, and everything the calls allocate is charged to a
    budget: ``max_bytes``, by default ``ALLOCATION_FACTOR`` times the size of
    the rest of ``file`` plus ``ALLOCATION_SLACK``.  Anything else raises
    :class:`UnsafePickleError` before it happens.

    Examples
    --------
    >>> import io, pickle
    >>> import numpy as np
    >>> from skmnist.datasets._unpickler import RestrictedUnpickler
    >>> payload = pickle.dumps((np.arange(3), [1.5, "a"]))
    >>> RestrictedUnpickler(io.BytesIO(payload)).load()
    (array([0, 1, 2]), [1.5, 'a'])

    A 30-byte pickle calling ``bytearray(2**30)`` is refused:

    >>> tiny = b"\\x80\\x02cbuiltins\\nbytearray\\nJ\\x00\\x00\\x00\\x40\\x85R."
    >>> RestrictedUnpickler(io.BytesIO(tiny)).load()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skmnist.datasets._unpickler.UnsafePickleError: the pickle would allocate 1073741824 ...
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, *, max_bytes=None, **kwargs):
        super().__init__(file, **kwargs)
        if max_bytes is None:
            max_bytes = ALLOCATION_FACTOR * _remaining_size(file) + ALLOCATION_SLACK
        self._max_bytes = max_bytes
        self._allocated = 0
        # Resolved once, before loading: nothing is imported during a load.
        self._globals = _allowed_globals()
        self._checkers = _call_checkers()

    # -- globals ---------------------------------------------------------

    def find_class(self, module, name):
        # The standard name mapping of protocols 0-2 (``__builtin__`` ->
        # ``builtins``...), applied before the allow-list check and without
        # importing anything.
        if self.proto < 3 and self.fix_imports:
            module, name = _python3_name(module, name)
        target = self._globals.get((module, name))
        if target is None:
            raise _refuse(
                f"the pickle references {module}.{name}, which is not allowed"
            )
        return target

    # -- opcodes that call, construct or set state -----------------------

    def load_reduce(self):
        args = self.stack.pop()
        if type(args) is not tuple:
            raise _refuse("the pickle calls a function with malformed arguments")
        self.stack[-1] = self._call(self.stack[-1], args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def _instantiate(self, klass, args):  # the INST and OBJ opcodes
        self.append(self._call(klass, tuple(args)))

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new_object(cls, args, {}))

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new_object(cls, args, kwargs))

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def load_bytearray8(self):
        # The standard unpickler allocates the announced size before reading.
        (size,) = struct.unpack("<Q", self.read(8))
        self._charge(size, "a bytearray")
        self.append(bytearray(self.read(size)))
        if len(self.stack[-1]) != size:
            raise pickle.UnpicklingError("pickle data was truncated")

    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8

    def load_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if type(target) is np.ndarray:
            self._set_array_state(target, state)
        elif isinstance(target, np.dtype):
            self._set_dtype_state(target, state)
        else:
            raise _refuse(f"the pickle sets the state of a {_describe(type(target))}")

    dispatch[pickle.BUILD[0]] = load_build

    # -- the checked calls -----------------------------------------------

    def _call(self, func, args, kwargs=None):
        entry = self._checkers.get(id(func))
        if entry is None or entry[0] is not func:
            raise _refuse(f"the pickle calls {_describe(func)}, which is not allowed")
        return entry[1](self, func, *args, **(kwargs or {}))

    def _new_object(self, cls, args, kwargs):
        # NEWOBJ means ``cls.__new__(cls, *args)``: the immutable builtins take
        # their value from the arguments, the mutable ones ignore them.
        if type(args) is not tuple or type(kwargs) is not dict:
            raise _refuse("the pickle creates an object with malformed arguments")
        if _is_one_of(cls, _MUTABLE_TYPES):
            return self._call(cls, ())
        if not _is_one_of(cls, _BUILTIN_TYPES):
            raise _refuse(
                f"the pickle creates a {_describe(cls)}, which is not allowed"
            )
        return self._call(cls, args, kwargs)

    def _charge(self, n_bytes, what):
        if self._allocated + n_bytes > self._max_bytes:
            raise UnsafePickleError(
                f"the pickle would allocate {n_bytes} bytes for {what}, beyond "
                f"the {self._max_bytes} bytes a pickle of its size may use "
                f"({self._allocated} used so far); it is corrupt or hostile. "
                "It was refused without running it."
            )
        self._allocated += n_bytes

    def _new_container(self, cls, items=(), **kwargs):
        if kwargs or not isinstance(items, (tuple, list, dict, set, frozenset)):
            raise _refuse(f"the pickle builds a {cls.__name__} from {_describe(items)}")
        self._charge(_POINTER_SIZE * len(items), f"a {cls.__name__}")
        return cls(items)

    def _new_number(self, cls, *args, **kwargs):
        if (
            kwargs
            or len(args) > 2
            or not all(isinstance(arg, (int, float, complex, str)) for arg in args)
        ):
            raise _refuse(f"the pickle makes a {cls.__name__} from {_short(args)}")
        return cls(*args)

    def _new_str(self, cls, value="", encoding=None, errors="strict"):
        if isinstance(value, (bytes, bytearray)) and encoding is not None:
            _check_codec(encoding)
        elif encoding is not None or not isinstance(value, (str, int, float)):
            raise _refuse(f"the pickle makes a str from {_describe(value)}")
        self._charge(len(value) if isinstance(value, (str, bytes)) else 0, "a str")
        return str(value) if encoding is None else str(value, encoding, errors)

    def _new_bytes(self, cls, source=b"", encoding=None, errors="strict"):
        if encoding is not None:
            _check_codec(encoding)
            if not isinstance(source, str):
                raise _refuse(f"the pickle encodes a {_describe(source)}")
            self._charge(len(source), f"a {cls.__name__}")
            return cls(source, encoding, errors)
        if isinstance(source, int):
            self._charge(max(source, 0), f"a {cls.__name__} of {source} bytes")
        elif isinstance(source, (bytes, bytearray, list, tuple)):
            self._charge(len(source), f"a {cls.__name__}")
        else:
            raise _refuse(f"the pickle makes {cls.__name__} from {_describe(source)}")
        return cls(source)

    def _new_dtype(self, cls, spec, align=False, copy=False):
        if not isinstance(spec, (str, bytes)):
            raise _refuse(f"the pickle makes a dtype from {_describe(spec)}")
        # Always a private copy: setting the state of a shared dtype such as
        # np.dtype("f8") would change it for the whole process.
        return np.dtype(spec, bool(align), True)

    def _encode(self, func, text, encoding="latin1"):
        self._charge(len(text) if isinstance(text, str) else 0, "encoded bytes")
        return func(text, encoding)

    def _reconstruct_builtin(self, func, cls, base, state):
        if cls is not base or not _is_one_of(cls, _BUILTIN_TYPES):
            raise _refuse(f"copyreg._reconstructor of {_describe(cls)} is not allowed")
        # For builtins, ``base.__new__(cls, state)`` then ``base.__init__(obj,
        # state)`` amounts to ``cls(state)``.
        return self._call(cls, (state,))

    def _new_array(self, func, subtype, shape, dtype):
        if subtype is not np.ndarray:
            raise _refuse(f"the pickle makes an array of type {_describe(subtype)}")
        self._charge(_byte_size(shape, _checked_dtype(dtype)), "an array")
        return func(subtype, shape, dtype)

    def _new_scalar(self, func, dtype, *args):
        if not isinstance(dtype, np.dtype):
            raise _refuse(f"the pickle makes a scalar of {_describe(dtype)}")
        self._charge(dtype.itemsize, "a scalar")
        return func(dtype, *args)

    def _array_from_buffer(self, func, buffer, dtype, shape, order):
        if not isinstance(buffer, (bytes, bytearray)) or not isinstance(
            dtype, np.dtype
        ):
            raise _refuse("the pickle makes an array from an unexpected buffer")
        return func(buffer, dtype, shape, order)

    def _set_array_state(self, array, state):
        # ndarray state: (version, shape, dtype, is_fortran, data); NumPy
        # checks the data against the shape, but allocates the shape first.
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _refuse("the pickle sets a malformed array state")
        shape, dtype = state[-4], state[-3]
        if not isinstance(dtype, np.dtype):
            raise _refuse(f"the pickle sets an array's type to {_describe(dtype)}")
        self._charge(_byte_size(shape, dtype), "an array's data")
        array.__setstate__(state)

    def _set_dtype_state(self, dtype, state):
        # A dtype's state could redefine its size, fields or flags under the
        # arrays that use it.  Only its byte order may change, which is what
        # pickles of non-native dtypes need.
        current = dtype.__reduce__()[2]
        simple = dtype.names is None and dtype.subdtype is None
        if not (simple and _same_but_byte_order(current, state)):
            raise _refuse(
                f"the pickle redefines the dtype {dtype} with the state {_short(state)}"
            )
        dtype.__setstate__(state)

    def get_extension(self, code):
        # Extension codes resolve through copyreg's process-wide cache, which
        # would bypass find_class; dataset pickles never use them.
        raise _refuse(f"the pickle uses the extension code {code}")


@functools.cache
def _call_checkers():
    """``id(callable) -> (callable, checker)``: how each allowed global is
    called.  ``numpy.ndarray`` is absent: pickles pass it to ``_reconstruct``
    but never call it (called, it allocates any shape)."""
    U = RestrictedUnpickler
    checkers = {getattr(builtins, name): U._new_container for name in _CONTAINERS}
    checkers.update({getattr(builtins, name): U._new_number for name in _NUMBERS})
    checkers[str] = U._new_str
    checkers[bytes] = checkers[bytearray] = U._new_bytes
    checkers[np.dtype] = U._new_dtype
    checkers[_latin1_encode] = U._encode
    checkers[_reconstructor] = U._reconstruct_builtin
    checkers[_numpy_core("multiarray", "_reconstruct")] = U._new_array
    checkers[_numpy_core("multiarray", "scalar")] = U._new_scalar
    checkers[_numpy_core("numeric", "_frombuffer")] = U._array_from_buffer
    return {id(target): (target, checker) for target, checker in checkers.items()}


def _checked_dtype(spec):
    if isinstance(spec, (str, bytes)):
        return np.dtype(spec)
    if isinstance(spec, np.dtype):
        return spec
    raise _refuse(f"the pickle makes an array of {_describe(spec)}")


def _same_but_byte_order(current, state):
    if type(state) is not tuple or len(state) != len(current) or len(state) < 2:
        return False
    order = state[1]
    if current[1] == "|" and order != "|":
        return False
    if current[1] != "|" and order not in _BYTE_ORDERS:
        return False
    try:
        return bool(state[:1] + state[2:] == current[:1] + current[2:])
    except Exception:  # e.g. an array in the state: no equality to speak of
        return False


def _python3_name(module, name):
    if (module, name) in NAME_MAPPING:
        return NAME_MAPPING[(module, name)]
    return IMPORT_MAPPING.get(module, module), name


def _remaining_size(file):
    try:
        position = file.tell()
        size = file.seek(0, io.SEEK_END)
        file.seek(position)
    except (AttributeError, OSError, ValueError):
        return 0
    return max(size - position, 0)


def restricted_loads(raw, path):
    """Unpickle ``raw`` (read from ``path``) with :class:`RestrictedUnpickler`;
    every failure becomes a ValueError naming ``path``."""
    try:
        # latin1 lets Python 2 pickles (the tutorial's file) restore the raw
        # byte buffers of NumPy arrays.
        return RestrictedUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{path}: {exc}") from None
    except Exception as exc:  # corrupt pickles fail in many different ways
        raise ValueError(
            f"{path}: not a readable pickle ({type(exc).__name__}: {str(exc)[:200]})."
        ) from None

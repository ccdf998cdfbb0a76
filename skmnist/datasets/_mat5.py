"""Checking MATLAB v5/v7 .mat files before scipy reads them.

scipy's compiled .mat reader trusts what a file says about itself: a data
type code indexes a table without a bounds check, the "complex" flag makes it
read an imaginary part that may not be there, and so on; some one-byte
corruptions crash the interpreter.  :func:`extract_variables` walks the file's
data elements in Python, checks every tag, size, type code and flag that
scipy would act on for the variables asked for, and returns a new in-memory
file holding only those variables, decompressed.  scipy reads that file,
never the original.

Layout (MATLAB's "MAT-File Format" document): a 128-byte header (text,
subsystem offset, version, endian indicator ``IM`` or ``MI``), then data
elements, each an 8-byte tag (type, byte count) and the data, padded to 8
bytes inside a variable.  A small element packs its type and count into 4
bytes and its data into the next 4.  A variable is an miMATRIX element --
array flags, dimensions, name, then the parts its class has -- or an
miCOMPRESSED element whose zlib stream holds one.
"""

import math
import struct
import zlib
from collections import namedtuple

import numpy as np

from ._untrusted import MAX_DEFLATE_RATIO

HEADER_SIZE = 128

#: Largest variable (once decompressed) the reader accepts: MATLAB's v5/v7
#: format itself cannot store a variable over 2 GiB.
MAX_VARIABLE_BYTES = 1 << 31

_MI_INT8, _MI_INT32, _MI_UINT32 = 1, 5, 6
_MI_MATRIX, _MI_COMPRESSED, _MI_UTF8 = 14, 15, 16

# Type codes scipy can turn into an array, and their item sizes.
_NUMERIC_ITEMSIZE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8}
# The integer codes, as NumPy type characters (int8, uint8 ... uint64).
_INTEGER_TYPES = {
    1: "i1",
    2: "u1",
    3: "i2",
    4: "u2",
    5: "i4",
    6: "u4",
    12: "i8",
    13: "u8",
}

_SPARSE_CLASS = 5
_OPAQUE_CLASS = 17
_NUMERIC_CLASSES = range(6, 16)  # double, single, int8 ... uint64
_CLASS_DESCRIPTIONS = {
    1: "a cell array",
    2: "a struct",
    3: "an object",
    4: "text (a char array)",
    16: "a function handle",
    17: "an opaque object",
}
_COMPLEX_FLAG = 1 << 11
_MAX_DIMS = 32

# Decompressed bytes enough for any variable's flags, dimensions and name.
_NAME_PREFIX_SIZE = 4096

Header = namedtuple("Header", "mclass is_complex dims name end")


class CorruptMatFile(ValueError):
    """The file's structure is inconsistent; the message names the file."""


def byte_order(raw, path):
    """``"<"`` or ``">"`` from the header's endian indicator."""
    indicator = bytes(raw[126:128])
    if indicator not in (b"IM", b"MI"):
        raise CorruptMatFile(
            f"{path}: corrupt .mat file: the header's endian indicator is "
            f"{indicator!r}, expected b'IM' or b'MI'."
        )
    return "<" if indicator == b"IM" else ">"


class _Elements:
    """Reads the data elements of one buffer in the file's byte order."""

    def __init__(self, buf, order, path, where, container="the file"):
        self.buf = buf
        self.order = order
        self.path = path
        self.where = where  # "the file" or "variable 'X'", for messages
        self.container = container  # what ``buf`` is

    def error(self, problem):
        return CorruptMatFile(
            f"{self.path}: corrupt .mat file ({self.where}): {problem}. The file "
            "was damaged; obtain or save it again."
        )

    def u32(self, pos):
        return struct.unpack_from(self.order + "I", self.buf, pos)[0]

    def tag(self, pos, end, padded=True):
        """``(type, data_start, data_end, next_pos)`` of the element at ``pos``,
        which must lie, padding included, before ``end``.  Elements inside a
        variable are padded to 8 bytes; variables themselves are not."""
        if pos + 8 > end:
            raise self.error(f"an element tag at byte {pos} is cut short")
        first = self.u32(pos)
        if first >> 16:  # small element: count in the upper half
            n_bytes, mdtype = first >> 16, first & 0xFFFF
            if n_bytes > 4:
                raise self.error(
                    f"a small element at byte {pos} claims {n_bytes} bytes"
                )
            return mdtype, pos + 4, pos + 4 + n_bytes, pos + 8
        n_bytes = self.u32(pos + 4)
        data_end = pos + 8 + n_bytes
        next_pos = data_end + (-n_bytes % 8 if padded else 0)
        if next_pos > end:
            raise self.error(
                f"an element of {n_bytes} bytes at byte {pos} runs past the end "
                f"of {self.container} (cut short?)"
            )
        return first, pos + 8, data_end, next_pos

    def matrix_header(self, start, end):
        """Parse the array flags, dimensions and name of a variable."""
        mdtype, flags_at, flags_end, pos = self.tag(start, end)
        if mdtype != _MI_UINT32 or flags_end - flags_at != 8:
            raise self.error("the array flags are malformed")
        flags = self.u32(flags_at)
        mclass = flags & 0xFF
        dims = None
        if mclass != _OPAQUE_CLASS:  # opaque objects have no dimensions
            dims, pos = self._dims(pos, end)
        name, pos = self._name(pos, end)
        return Header(mclass, bool(flags & _COMPLEX_FLAG), dims, name, pos)

    def _dims(self, pos, end):
        mdtype, start, stop, pos = self.tag(pos, end)
        n_dims, remainder = divmod(stop - start, 4)
        if mdtype not in (_MI_INT32, _MI_UINT32) or remainder:
            raise self.error("the dimensions are malformed")
        if not 2 <= n_dims <= _MAX_DIMS:
            raise self.error(f"{n_dims} dimensions (MATLAB writes 2 to {_MAX_DIMS})")
        dims = struct.unpack_from(f"{self.order}{n_dims}I", self.buf, start)
        if any(d >= 1 << 31 for d in dims):
            raise self.error(f"negative dimensions {dims}")
        return dims, pos

    def _name(self, pos, end):
        mdtype, start, stop, pos = self.tag(pos, end)
        name = bytes(self.buf[start:stop])
        # scipy takes int8 names as they are, and UTF-8 ones if plain ASCII.
        if not (mdtype == _MI_INT8 or mdtype == _MI_UTF8 and name.isascii()):
            raise self.error("the variable name is malformed")
        return name.decode("latin1"), pos

    def numeric_part(self, pos, end, what, integer=False):
        """Check a numeric element; return ``(item count, next_pos)``."""
        if pos + 8 > end:
            raise self.error(f"the {what} is missing")
        mdtype, start, stop, pos = self.tag(pos, end)
        allowed = _INTEGER_TYPES if integer else _NUMERIC_ITEMSIZE
        if mdtype not in allowed:
            raise self.error(f"the {what} has data type code {mdtype}")
        count, remainder = divmod(stop - start, _NUMERIC_ITEMSIZE[mdtype])
        if remainder:
            raise self.error(f"the {what} does not hold a whole number of values")
        return count, pos

    def integers(self, pos, end, what):
        """The values of an integer element; return ``(values, next_pos)``."""
        self.numeric_part(pos, end, what, integer=True)
        mdtype, start, stop, next_pos = self.tag(pos, end)
        dtype = np.dtype(_INTEGER_TYPES[mdtype]).newbyteorder(self.order)
        return np.frombuffer(self.buf[start:stop], dtype=dtype), next_pos


def _check_numeric(elements, header, end):
    """Dense numeric matrix: real part, and imaginary part when complex, each
    with exactly one value per element of the dimensions."""
    size = math.prod(header.dims)
    parts = ("real part", "imaginary part") if header.is_complex else ("values",)
    pos = header.end
    for part in parts:
        count, pos = elements.numeric_part(pos, end, part)
        if count != size:
            dims = " x ".join(map(str, header.dims))
            raise elements.error(f"the {part} holds {count} values for a {dims} matrix")


def _check_sparse(elements, header, end):
    """Sparse matrix: row indices, column pointers, values (and imaginary
    values), all present with usable types, and the pointers in order.  The
    row indices are checked on the loaded matrix.  The pointers are checked
    here because some SciPy releases (1.15) hand back a COO matrix built
    from them, in which pointers out of order can no longer be seen."""
    if len(header.dims) != 2:
        raise elements.error(f"a sparse matrix with {len(header.dims)} dimensions")
    _, pos = elements.numeric_part(header.end, end, "row indices", integer=True)
    pointers, pos = elements.integers(pos, end, "column pointers")
    n_columns = header.dims[1]
    if len(pointers) < n_columns + 1:
        raise elements.error(f"{len(pointers)} column pointers for {n_columns} columns")
    pointers = pointers[: n_columns + 1].astype(np.int64)
    if pointers[0] != 0 or np.any(np.diff(pointers) < 0):
        raise elements.error("the column pointers are not increasing from 0")
    n_values, pos = elements.numeric_part(pos, end, "values")
    if header.is_complex:
        n_imaginary, _ = elements.numeric_part(pos, end, "imaginary values")
        if n_imaginary != n_values:
            raise elements.error("the real and imaginary values differ in number")


def _check_variable(elements, header, end, path):
    if header.mclass in _NUMERIC_CLASSES:
        _check_numeric(elements, header, end)
    elif header.mclass == _SPARSE_CLASS:
        _check_sparse(elements, header, end)
    else:
        kind = _CLASS_DESCRIPTIONS.get(header.mclass)
        if kind is None:
            raise elements.error(f"unknown MATLAB class {header.mclass}")
        raise ValueError(
            f"{path}: variable {header.name!r} is {kind}; expected a numeric "
            "matrix (or a sparse one)."
        )


def _inflate(data, elements):
    """Decompress a whole miCOMPRESSED element, no further than the size its
    inner tag announces (which may not exceed ``MAX_VARIABLE_BYTES``)."""
    decompressor = zlib.decompressobj()
    head = decompressor.copy().decompress(data, 8)  # a peek at the tag
    if len(head) < 8:
        raise elements.error("a compressed variable is cut short")
    n_bytes = struct.unpack_from(elements.order + "I", head, 4)[0]
    if n_bytes > MAX_VARIABLE_BYTES:
        raise elements.error(
            f"a variable announces {n_bytes} bytes, more than the "
            f"{MAX_VARIABLE_BYTES} a MATLAB v5/v7 file can hold"
        )
    if n_bytes > MAX_DEFLATE_RATIO * len(data):
        raise elements.error(
            f"a variable announces {n_bytes} bytes, more than its "
            f"{len(data)} compressed bytes can hold"
        )
    # At most 8 bytes of padding may follow the element.
    element = decompressor.decompress(data, 8 + n_bytes + 8)
    if not decompressor.eof:
        raise elements.error("a compressed variable is cut short or overlong")
    return element


def _variable_element(raw, pos, elements, full):
    """The miMATRIX element (tag and data) of the variable at ``pos``: the
    file's own bytes, or the decompressed ones (only a prefix unless
    ``full``)."""
    mdtype, start, stop, _ = elements.tag(pos, len(raw), padded=False)
    if mdtype == _MI_MATRIX:
        return raw[pos:stop]
    try:
        if full:
            return _inflate(raw[start:stop], elements)
        return zlib.decompressobj().decompress(raw[start:stop], _NAME_PREFIX_SIZE)
    except zlib.error as exc:
        raise elements.error(f"its compressed data is corrupt ({exc})") from None


def _element_extent(element, elements, full):
    """Check the miMATRIX tag at the start of ``element``; return its end."""
    if len(element) < 8 or elements.u32(0) != _MI_MATRIX:
        raise elements.error("a compressed variable does not hold a matrix")
    n_bytes = elements.u32(4)
    if n_bytes == 0:
        raise elements.error("a variable holds no data")
    end = 8 + n_bytes
    if full and not end <= len(element) < end + 8:
        raise elements.error(
            f"a variable announces {n_bytes} bytes but holds {len(element) - 8}"
        )
    return min(end, len(element))


def _walk(raw, order, path):
    """Yield the position of each variable of the file."""
    elements = _Elements(raw, order, path, "the file")
    pos = HEADER_SIZE
    while pos < len(raw):
        mdtype, start, stop, _ = elements.tag(pos, len(raw), padded=False)
        if mdtype not in (_MI_MATRIX, _MI_COMPRESSED) or start != pos + 8:
            raise elements.error(f"a variable of data type {mdtype} at byte {pos}")
        yield pos
        pos = stop  # top-level elements are not padded


def _header_of(raw, pos, order, path, full):
    elements = _Elements(raw, order, path, f"the variable at byte {pos}")
    element = _variable_element(raw, pos, elements, full)
    inner = _Elements(element, order, path, elements.where, "the variable")
    end = _element_extent(element, inner, full)
    header = inner.matrix_header(8, end)
    inner.where = f"variable {header.name!r}"
    return element, inner, header, end


def extract_variables(raw, path, names):
    """Check the variables ``names`` of the v5/v7 file ``raw``.

    Returns ``(present, content)``: the names of all variables in the file,
    and the bytes of a .mat file holding only those of ``names`` it has,
    uncompressed and checked so that scipy can read them safely.

    Raises
    ------
    ValueError
        Naming ``path``, when the structure is inconsistent anywhere on the
        way to those variables, or a requested variable is not a numeric or
        sparse matrix.
    """
    order = byte_order(raw, path)
    raw = memoryview(raw)  # slices of it copy nothing
    present, chosen = [], {}
    for pos in _walk(raw, order, path):
        _, _, header, _ = _header_of(raw, pos, order, path, full=False)
        present.append(header.name)
        if header.name in names and header.name not in chosen:
            element, inner, header, end = _header_of(raw, pos, order, path, True)
            _check_variable(inner, header, end, path)
            chosen[header.name] = memoryview(element)[:end]
    # The header, with no subsystem data, then the chosen variables.
    parts = [raw[:116], bytes(8), raw[124:HEADER_SIZE]]
    parts += [chosen[name] for name in dict.fromkeys(names) if name in chosen]
    return present, b"".join(parts)

"""Rigid and affine moves: shifts, rotations with zoom and slant, mirror images."""

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from ._resample import augment_kernels, in_image_slices, pixel_grid, warp_numpy
from ._transform import ImageTransform

#: Zoom factors ``scale`` may draw from: beyond them an image shrinks or
#: grows more than 100 times (a 28-pixel digit to a quarter of a pixel).
SCALE_BOUNDS = (0.01, 100.0)


class RandomShift(ImageTransform):
    """Translate each image by a random whole number of pixels.

    Each image moves by its own ``(rows, cols)``, both drawn uniformly from
    ``-max_shift .. max_shift``; pixels shifted in from outside take the
    value ``fill``. Whole-pixel moves copy pixels without interpolating, so
    they add no blur.

    Parameters
    ----------
    max_shift : int, default=2
        Largest move in each direction, in pixels; 0 is the identity. It
        must be smaller than the images' height and width: a move by a whole
        side leaves a blank image, which teaches nothing, so larger values
        are refused (with a ValueError at the call) rather than done. The
        work and memory of a call are then at most those of nine batches.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Value of the pixels coming in from outside (the background); clipped
        to the batch's value range. Must be finite.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomShift
    >>> X = np.zeros((1, 9), dtype=np.float32)
    >>> X[0, 4] = 1.0  # the centre of a 3x3 image
    >>> X_new = RandomShift(max_shift=1)(X, np.random.default_rng(0))
    >>> X_new.shape, X_new.dtype, float(X_new.sum())
    ((1, 9), dtype('float32'), 1.0)
    """

    _parameter_constraints: ClassVar[dict] = {
        **ImageTransform._parameter_constraints,
        "max_shift": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, max_shift=2, *, image_shape=None, fill=0.0):
        self.max_shift = max_shift
        self.image_shape = image_shape
        self.fill = fill

    def _check_image_size(self, height, width):
        side = min(height, width)
        if self.max_shift >= side:
            raise ValueError(
                f"max_shift={self.max_shift} must be smaller than the images' "
                f"height and width ({height}x{width}): a shift by a whole side "
                "moves the image out of the frame and leaves only fill. Use a "
                f"max_shift below {side} (1 to 3 pixels for digits)."
            )

    def _is_identity(self):
        return self.max_shift == 0

    def _transform(self, images, rng, low, high, fill):
        n, h, w = images.shape
        m = self.max_shift
        # m < min(h, w) (checked), so the frame holds at most 9 images' pixels.
        padded = np.full((n, h + 2 * m, w + 2 * m), fill, dtype=images.dtype)
        padded[:, m : m + h, m : m + w] = images
        windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(1, 2))
        # windows[i, a, b] is the image seen from (a, b) in the padded frame:
        # starting at m - shift moves the content by +shift.
        starts = m - rng.integers(-m, m, size=(2, n), endpoint=True)
        return windows[np.arange(n), starts[0], starts[1]]


class RandomAffine(ImageTransform):
    """Rotate, zoom and slant each image by its own random amounts.

    Each image is rotated by an angle drawn uniformly from ``[-degrees,
    degrees]``, zoomed by a factor drawn uniformly from ``scale`` and slanted
    (sheared along its rows) by an angle drawn from ``[-shear, shear]``,
    about its centre, then resampled bilinearly; pixels from outside take
    the value ``fill``.

    Parameters
    ----------
    degrees : float, default=10.0
        Largest rotation, in degrees, from 0 to 360 (180 already allows
        every angle).
    scale : (float, float), default=(0.9, 1.1)
        Range ``(low, high)`` of the zoom factor, with ``0.01 <= low <= high
        <= 100``; (1, 1) does not zoom.
    shear : float, default=10.0
        Largest slant, in degrees, at least 0 and below 90.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Value of the pixels coming in from outside (the background). Must be
        finite.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomAffine
    >>> X = np.random.default_rng(0).random((4, 784))
    >>> X_new = RandomAffine(degrees=15)(X, np.random.default_rng(0))
    >>> X_new.shape, bool(X_new.min() >= X.min() and X_new.max() <= X.max())
    ((4, 784), True)
    >>> still = RandomAffine(degrees=0, scale=(1, 1), shear=0)
    >>> bool(np.array_equal(still(X, 0), X))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **ImageTransform._parameter_constraints,
        "degrees": [Interval(Real, 0, 360, closed="both")],
        "scale": [tuple, list],
        "shear": [Interval(Real, 0, 90, closed="left")],
    }

    def __init__(
        self, degrees=10.0, scale=(0.9, 1.1), shear=10.0, *, image_shape=None, fill=0.0
    ):
        self.degrees = degrees
        self.scale = scale
        self.shear = shear
        self.image_shape = image_shape
        self.fill = fill

    def _check_more_parameters(self):
        scale = tuple(self.scale)
        smallest, largest = SCALE_BOUNDS
        if len(scale) != 2:
            raise ValueError(
                f"scale must be a pair (low, high) of zoom factors; got {self.scale!r}."
            )
        if not all(isinstance(factor, Real) for factor in scale):
            raise TypeError(
                f"scale must be a pair (low, high) of numbers; got {self.scale!r}."
            )
        if not smallest <= scale[0] <= scale[1] <= largest:  # NaN fails too
            raise ValueError(
                f"scale must be (low, high) with {smallest} <= low <= high <= "
                f"{largest:g} (zoom factors; 1 keeps the size); got {self.scale!r}."
            )

    def _is_identity(self):
        return self.degrees == 0 and self.shear == 0 and tuple(self.scale) == (1, 1)

    def _transform(self, images, rng, low, high, fill):
        matrices = self._inverse_matrices(images.shape[0], rng, images.dtype)
        kernels = augment_kernels()
        if kernels is None:
            return _affine_numpy(images, matrices, fill, low, high)
        out = np.empty_like(images)

        def warp(start, stop):
            kernels.warp_affine(
                images[start:stop],
                matrices[start:stop],
                fill,
                low,
                high,
                out[start:stop],
            )

        in_image_slices(warp, images.shape[0])
        return out

    def _inverse_matrices(self, n, rng, dtype):
        """The maps from output to source pixels: (n, 4), m00 m01 m10 m11.

        The forward map zooms by s, slants by phi and rotates by theta. Its
        inverse is ``K(-phi) R(-theta) / s`` (K a slant, R a rotation); the
        angles are symmetric, so drawing ``K(phi) R(theta) / s`` directly has
        the same distribution. The bounds on the parameters keep every entry
        below 1e19, finite in float32.
        """
        low, high = tuple(self.scale)
        theta = np.deg2rad(rng.uniform(-self.degrees, self.degrees, n))
        slant = np.tan(np.deg2rad(rng.uniform(-self.shear, self.shear, n)))
        inverse_zoom = 1 / rng.uniform(low, high, n)
        cos, sin = np.cos(theta) * inverse_zoom, np.sin(theta) * inverse_zoom
        entries = (cos, -sin, slant * cos + sin, cos - slant * sin)
        return np.stack(entries, axis=1).astype(dtype)


def _affine_numpy(images, matrices, fill, low, high):
    """The NumPy twin of ``warp_affine``: the same sums in the same order."""
    _, h, w = images.shape
    dtype = images.dtype.type
    center_row, center_col = dtype((h - 1) / 2), dtype((w - 1) / 2)
    r, c = pixel_grid(h, w, images.dtype)
    r, c = r - center_row, c - center_col
    m00, m01, m10, m11 = (matrices[:, j, None, None] for j in range(4))
    rows = (m00 * r + center_row) + m01 * c
    cols = (m10 * r + center_col) + m11 * c
    return warp_numpy(images, rows, cols, fill, low, high)


class RandomHorizontalFlip(ImageTransform):
    """Mirror each image left-right with probability ``p``.

    For images whose mirror image is the same class and could occur as
    such. **Never for digits**: a mirrored 2, 3, 4, 5, 7 or 9 is not that
    digit. Check the data too: in Fashion-MNIST's training set every ankle
    boot and all but 0.3% of the sneakers lie closer to their class's mean
    image than to its mirror (they point one way), so flips show a network
    shoes it will not be tested on; ``benchmarks/bench_augment.py`` measures
    what they do there.

    Parameters
    ----------
    p : float, default=0.5
        Probability of mirroring each image; 0 is the identity.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Unused (a flip moves no pixel out of the image); kept, and checked
        finite, so that every transform takes the same arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomHorizontalFlip
    >>> X = np.arange(4.0).reshape(1, 4)  # one 2x2 image: [[0, 1], [2, 3]]
    >>> RandomHorizontalFlip(p=1.0)(X, 0)
    array([[1., 0., 3., 2.]])
    """

    _parameter_constraints: ClassVar[dict] = {
        **ImageTransform._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, p=0.5, *, image_shape=None, fill=0.0):
        self.p = p
        self.image_shape = image_shape
        self.fill = fill

    def _is_identity(self):
        return self.p == 0

    def _transform(self, images, rng, low, high, fill):
        out = images.copy()
        mirrored = rng.random(images.shape[0]) < self.p
        out[mirrored] = images[mirrored, :, ::-1]
        return out

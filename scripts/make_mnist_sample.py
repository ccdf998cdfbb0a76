"""Generate the 5,000-digit MNIST sample that skmnist ships as package data.

The sample is drawn from the official MNIST training split: 500 images of
each digit, chosen with a fixed seed, then stored in a fixed shuffled order
(so that any prefix of it is roughly balanced too). The canonical files are
read through the data directory (``--data-home``, else ``$SKMNIST_DATA``,
else ``~/skmnist_data``) by :func:`skmnist.datasets.fetch_mnist`, which checks
the SHA-256 of their uncompressed bytes against the published checksums and
never downloads here.

The output is a NumPy ``.npz`` archive (``images`` uint8 of shape
(5000, 28, 28), ``labels`` uint8, ``source_index`` int32: each image's
position in ``train-images-idx3-ubyte``) written byte for byte
reproducibly (fixed zip timestamps) and atomically. Run it from the
repository's root::

    SKMNIST_DATA=/path/to/data python scripts/make_mnist_sample.py

It prints the file's SHA-256, which ``skmnist/datasets/_sample.py`` checks on
every load (``SAMPLE_SHA256``: update it when the file changes). ``--check``
instead verifies that the shipped file holds exactly the arrays the canonical
files give (and says whether its bytes are identical too: another zlib may
compress the same arrays differently).
"""

import argparse
import hashlib
import io
import os
import sys
import zipfile

import numpy as np

from skmnist._files import atomic_write
from skmnist.datasets import fetch_mnist

PER_CLASS = 500
SEED = 0
OUTPUT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "skmnist",
    "datasets",
    "data",
    "mnist_sample.npz",
)
# Any fixed date makes the archive's bytes depend on the arrays alone.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def draw_sample(labels, per_class=PER_CLASS, seed=SEED):
    """Indices of ``per_class`` images of each digit, in a shuffled order."""
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == digit), size=per_class, replace=False)
        for digit in range(10)
    ]
    return rng.permutation(np.concatenate(chosen)).astype(np.int32)


def npz_bytes(arrays):
    """A compressed ``.npz`` archive of ``arrays`` with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def build(data_home=None):
    """Return the archive's bytes, from the verified canonical training files."""
    train = fetch_mnist(
        data_home=data_home,
        subset="train",
        normalize=False,
        download_if_missing=False,
    )
    index = draw_sample(train.target)
    return npz_bytes(
        {
            "images": train.images[index],
            "labels": train.target[index].astype(np.uint8),
            "source_index": index,
        }
    )


def same_arrays(a, b):
    """Whether two ``.npz`` archives (bytes) hold identical arrays."""
    with np.load(io.BytesIO(a)) as first, np.load(io.BytesIO(b)) as second:
        if sorted(first.files) != sorted(second.files):
            return False
        return all(
            first[name].dtype == second[name].dtype
            and np.array_equal(first[name], second[name])
            for name in first.files
        )


def check(path, content):
    with open(path, "rb") as f:
        shipped = f.read()
    if not same_arrays(shipped, content):
        sys.exit(f"{path} does not hold what the canonical files give")
    same_bytes = "identical bytes" if shipped == content else "different bytes"
    print(f"{path} holds the expected arrays ({same_bytes})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", help="data directory holding mnist/")
    parser.add_argument("--output", default=OUTPUT, help="where to write the .npz")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the existing file instead of writing it",
    )
    args = parser.parse_args(argv)
    content = build(args.data_home)
    digest = hashlib.sha256(content).hexdigest()
    if args.check:
        check(args.output, content)
        return
    with atomic_write(args.output) as f:
        f.write(content)
    print(f"wrote {args.output}: {len(content)} bytes, SHA-256 {digest}")


if __name__ == "__main__":
    main()

"""Where MNIST and Fashion-MNIST come from: their files, the checksums of
the published content, the mirrors serving them and their descriptions."""

import dataclasses

from ._home import DIGIT_NAMES
from ._registry import DATASETS


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One distribution file and the checksum of its uncompressed content."""

    filename: str
    n_bytes: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class IdxDataset:
    """Where an IDX dataset lives locally and remotely, and how to check it.

    ``files`` maps ``"train_images"``, ``"train_labels"``, ``"test_images"``
    and ``"test_labels"`` to :class:`RemoteFile`.  ``mirrors`` are base URLs
    tried in turn (file name appended).  ``system_dirs`` are read-only
    installs searched after the data directory.  ``n_valid`` is the size of
    the validation part of the Theano split (the end of the training file).
    """

    name: str
    subdir: str
    files: dict
    mirrors: tuple
    target_names: tuple
    descr: str
    system_dirs: tuple = ()
    install_hint: str = ""
    n_valid: int = 10_000


_STANDARD_DESCR = """\
Split conventions: ``split="standard"`` gives the published 60,000 training
images (``subset="train"``), 10,000 test images (``"test"``) or both,
training first (``"all"``).  ``split="theano"`` follows the Theano tutorial's
``mnist.pkl.gz``: ``"train"`` is the first 50,000 training images, ``"valid"``
the last 10,000, ``"test"`` the 10,000 test images.  Images are 28x28,
upright, and ``data[i]`` is ``images[i]`` flattened row-major; pixels are
float32 in [0, 1] (pixel / 255) with ``normalize=True``, else uint8 0..255.
"""

MNIST = IdxDataset(
    name=DATASETS["mnist"].title,
    subdir=DATASETS["mnist"].subdir,
    files={
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            47_040_016,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            60_008,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            7_840_016,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            10_008,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    target_names=DIGIT_NAMES,
    descr="The MNIST database of handwritten digits (LeCun, Cortes, Burges).\n\n"
    + _STANDARD_DESCR
    + "Targets are the digits 0..9.\n",
)

FASHION_MNIST = IdxDataset(
    name=DATASETS["fashion"].title,
    subdir=DATASETS["fashion"].subdir,
    # Checksums computed from Debian's dataset-fashion-mnist package, whose
    # .gz files are re-compressed but hold the upstream IDX content.
    files={
        "train_images": RemoteFile(
            "train-images-idx3-ubyte.gz",
            47_040_016,
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        "train_labels": RemoteFile(
            "train-labels-idx1-ubyte.gz",
            60_008,
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        "test_images": RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            7_840_016,
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        "test_labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            10_008,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ),
    target_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),  # fmt: skip
    descr="Fashion-MNIST, Zalando's article images (Xiao, Rasul, Vollgraf), "
    "a drop-in replacement for MNIST with ten clothing classes.\n\n"
    + _STANDARD_DESCR
    + "Targets are the class indices 0..9; ``target_names`` gives the names.\n",
    # Debian's dataset-fashion-mnist package installs the four files here.
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    install_hint=(
        "On Debian or Ubuntu, 'apt-get install dataset-fashion-mnist' installs "
        "them in /usr/share/datasets/fashion-mnist, where skmnist also looks."
    ),
)

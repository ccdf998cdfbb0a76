"""Check what the wheel and the sdist carry: python check_dists.py WHEEL SDIST.

The wheel: the package, its embedded sample and both licence files. The
sdist: a source release, whose tests run against the installed wheel (their
conftest, data and reference fits), with the examples, benchmarks, scripts,
docs (when the checkout has them) and the project's own files.
"""

import os
import sys
import tarfile
import zipfile


def wheel_must_hold(names):
    dist_info = next(n.split("/")[0] for n in names if ".dist-info/" in n)
    return [
        "skmnist/__init__.py",
        "skmnist/datasets/data/mnist_sample.npz",
        "skmnist/datasets/data/MNIST_SAMPLE_LICENSE.txt",
        f"{dist_info}/licenses/LICENSE",
        f"{dist_info}/licenses/skmnist/datasets/data/MNIST_SAMPLE_LICENSE.txt",
    ]


SDIST_MUST_HOLD = [
    "LICENSE",
    "README.md",
    "CHANGES.md",
    "CONTRIBUTING.md",
    "CITATION.cff",
    "pyproject.toml",
    "skmnist/datasets/data/mnist_sample.npz",
    "tests/conftest.py",
    "tests/datasets/conftest.py",
    "tests/reference/reference_fits.npz",
]
#: Folders the sdist holds every file of, as the checkout has them.
SDIST_FOLDERS = ["tests", "examples", "benchmarks", "scripts", "docs"]


def checkout_files(folder):
    """The files of ``folder`` git would see (no caches, no build output)."""
    skipped = {"__pycache__", ".hypothesis", "_build", ".pytest_cache"}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skipped]
        for name in files:
            if not name.endswith((".pyc", ".nbi", ".nbc")):
                yield os.path.join(root, name).replace(os.sep, "/")


def main(wheel, sdist):
    with zipfile.ZipFile(wheel) as f:
        wheel_names = set(f.namelist())
    with tarfile.open(sdist) as f:
        # Names below the sdist's top folder, skmnist-X.Y.Z/.
        sdist_names = {n.split("/", 1)[1] for n in f.getnames() if "/" in n}
    expected = set(SDIST_MUST_HOLD)
    for folder in SDIST_FOLDERS:
        expected.update(checkout_files(folder))
    missing = [
        f"wheel: {n}" for n in wheel_must_hold(wheel_names) if n not in wheel_names
    ]
    missing += [f"sdist: {n}" for n in sorted(expected - sdist_names)]
    if missing:
        sys.exit("missing from the distributions:\n  " + "\n  ".join(missing))
    print(
        f"{os.path.basename(wheel)} and {os.path.basename(sdist)} hold what they must "
        f"({len(sdist_names)} names in the sdist)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])

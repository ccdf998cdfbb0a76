"""One version: the package, its installed metadata and CHANGES.md agree."""

import importlib.metadata
import re
from pathlib import Path

import pytest

import skmnist

#: CHANGES.md beside tests/, in a checkout and in the unpacked sdist alike.
CHANGES = Path(__file__).resolve().parents[1] / "CHANGES.md"


def test_installed_metadata_carries_the_package_version():
    try:
        installed = importlib.metadata.version("skmnist")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("skmnist is not installed (python -m pip install .): no metadata")
    assert installed == skmnist.__version__, (
        f"the installed metadata says {installed}, skmnist.__version__ is "
        f"{skmnist.__version__}: reinstall (python -m pip install -e .)"
    )


def test_changes_heads_the_package_version():
    headings = re.findall(r"^## (\S+)", CHANGES.read_text(encoding="utf-8"), re.M)
    assert headings, f"{CHANGES} has no '## <version>' heading"
    assert headings[0] == skmnist.__version__, (
        f"CHANGES.md's first section is {headings[0]}, the package is "
        f"{skmnist.__version__}: record the release under its version"
    )

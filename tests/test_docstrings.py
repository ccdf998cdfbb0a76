"""The Examples sections of the docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "skmnist._estimators",
    "skmnist.schedules",
    "skmnist.augmentation",
    "skmnist.diagnostics",
    "skmnist._files",
    "skmnist.datasets._sample",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0

"""Without matplotlib, the plots say which install fixes it.

Apart from ``test_plotting.py``, which skips as a whole when matplotlib is
absent: this is the case that matters then.
"""

import sys

import pytest

from skmnist import plotting


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "skmnist\[plot\]"'):
        plotting.plot_confusion_matrix([0, 1], [1, 1])
    with pytest.raises(ImportError, match=r'pip install "skmnist\[plot\]"'):
        plotting.check_matplotlib()

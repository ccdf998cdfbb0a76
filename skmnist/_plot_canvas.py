"""The figures skmnist draws: created without pyplot, saved atomically."""

from ._files import atomic_path, check_destination

_INSTALL_HINT = 'pip install "skmnist[plot]"'

#: Pixels per inch of saved figures; with the fixed figure sizes below this
#: makes the PNG dimensions predictable (no "tight" cropping).
DPI = 100


def new_figure(width, height):
    """Return a pyplot-free Figure of ``width`` x ``height`` inches."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f"skmnist's plots need matplotlib, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return Figure(figsize=(width, height), dpi=DPI)


def check_matplotlib():
    """Raise ImportError (with the install command) when matplotlib is missing.

    Useful before a long computation whose results are to be plotted.
    """
    new_figure(1, 1)


def save_figure(fig, path):
    """Write ``fig`` as a PNG to ``path`` atomically.

    The figure is drawn into a temporary file in the same directory, then
    renamed over ``path``, so an interrupted run never leaves a truncated
    image behind.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path : str or path-like
        The PNG file to write. Its directory must exist and be writable; an
        existing special file (a directory, device, FIFO or socket) is
        refused with a ValueError before anything is drawn, and a symbolic
        link is written through (its target is replaced, the link stays).

    Examples
    --------
    >>> import os, tempfile
    >>> from skmnist.plotting import plot_confusion_matrix, save_figure
    >>> fig = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    >>> directory = tempfile.TemporaryDirectory()
    >>> save_figure(fig, os.path.join(directory.name, "confusion.png"))
    >>> os.listdir(directory.name)
    ['confusion.png']
    >>> directory.cleanup()
    """
    path = check_destination(path, "figure path")
    with atomic_path(path) as tmp_path:
        fig.savefig(tmp_path, format="png", dpi=DPI)


def titled(title, text):
    """``"title: text"``, or just ``text`` without a title."""
    return f"{title}: {text}" if title else text

"""The ``--out`` directory: checked before any work, written all at once.

Everything the run writes (``results.csv``, ``results.json``, the PNG
figures and ``report.html``) is written into a temporary directory that
takes ``--out``'s place by one rename when all of it is there.
"""

import os

from .._files import atomic_directory, check_can_create, check_directory_name

#: What an --out directory of an earlier run holds; such a directory is
#: replaced by a new run, anything else is refused.
OUTPUT_FILES = ("results.csv", "results.json", "report.html")


def is_earlier_output(path):
    """Whether ``path`` holds only what an earlier ``compare --out`` wrote."""
    names = os.listdir(path)
    return "results.json" in names and all(
        name in OUTPUT_FILES or name.endswith(".png") for name in names
    )


def _holds_working_directory(path):
    """Whether replacing ``path`` would replace the working directory."""
    here = os.path.realpath(os.getcwd())
    there = os.path.realpath(path)
    return here == there or here.startswith(there.rstrip(os.sep) + os.sep)


def check_out(path):
    """Fail now, before any training, if the results could not be written.

    Creates nothing: the directory appears only when everything is written.
    """
    from ..plotting import check_matplotlib

    check_directory_name(path, "--out")
    if _holds_working_directory(path):
        raise ValueError(
            f"--out {path}: that is the working directory (or holds it), which "
            "the results would replace; give a new directory, e.g. --out results"
        )
    if os.path.lexists(path):
        if not os.path.isdir(path):
            raise FileExistsError(f"--out {path}: exists and is not a directory")
        if os.listdir(path) and not is_earlier_output(path):
            raise FileExistsError(
                f"--out {path}: the directory holds other files; give a new or "
                "empty directory (or one an earlier skmnist compare wrote)"
            )
        if not os.access(path, os.W_OK):
            raise PermissionError(f"--out {path}: the directory is not writable")
    check_can_create(path)
    check_matplotlib()


def write_out(comparison, out, command, progress):
    """Write every output file into ``out``; return how many figures."""
    from ._figures import write_figures
    from ._html import write_report
    from ._records import write_csv, write_json

    progress.message(f"writing the results, figures and report to {out} ...")
    with atomic_directory(out, replaceable=is_earlier_output) as tmp:
        write_csv(comparison, os.path.join(tmp, "results.csv"))
        write_json(comparison, os.path.join(tmp, "results.json"), command=command)
        figures = write_figures(comparison, tmp)
        write_report(comparison, figures, os.path.join(tmp, "report.html"), command)
    return len(figures)

"""Sphinx configuration of skmnist's documentation site.

Build it from the repository root with::

    python -m pip install ".[doc]"
    python -m sphinx -W -b html docs docs/_build/html

The build needs no network: the gallery runs on the 5,000 digits shipped in
the package, and the links into scikit-learn's, NumPy's and SciPy's
documentation (intersphinx) are made only from inventories that could be
downloaded, or that an earlier online build left in ``docs/_build/intersphinx``.
"""

import os
import sys
import urllib.request
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Document (and run the gallery against) this checkout, whatever is installed.
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(HERE, "_ext"))
# The gallery's figures are rendered off screen, also where a display exists.
os.environ["MPLBACKEND"] = "Agg"

import skmnist  # noqa: E402 - after choosing the backend

project = "skmnist"
author = "the skmnist developers"
copyright = "the skmnist developers, BSD-3-Clause"
version = release = skmnist.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_design",
    "sphinx_copybutton",
    "myst_parser",
    "matplotlib.sphinxext.plot_directive",
    "skmnist_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
templates_path = ["_templates"]
default_role = "literal"
# CHANGES.md and CONTRIBUTING.md are written for the repository, where a link
# such as [README](README.md) opens the file; the site has no page for it, and
# such a link is left as text instead of failing the build.
suppress_warnings = ["myst.xref_missing"]
# Straight quotes: docstrings such as '"Deep Learning from Scratch"'s' come
# out of docutils' smart quotes with the closing quote turned the wrong way.
smartquotes = False

# -- API reference -----------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# skmnist.onnx imports skl2onnx and onnx (the "onnx" extra) when imported;
# its API page needs only the docstrings.
autodoc_mock_imports = ["onnx", "skl2onnx"]

# The class template lists the methods itself (autodoc :members:), so
# numpydoc's own member tables would repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types in "Parameters"/"Attributes" become cross-references where known and
# plain text otherwise: a type such as "ndarray of shape (n_features_in_,)"
# would otherwise read to docutils as a link to a target "n_features_in".
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "estimator": "sklearn.base.BaseEstimator",
    "ndarray": "numpy.ndarray",
    "sparse matrix": "scipy.sparse.spmatrix",
    "Generator": "numpy.random.Generator",
    "RandomState": "numpy.random.RandomState",
    "Figure": "matplotlib.figure.Figure",
    "Bunch": "sklearn.utils.Bunch",
    "dict": "dict",
    "list": "list",
    "tuple": "tuple",
    "callable": "callable",
}

# -- Links to the libraries skmnist sits beside (intersphinx) ----------------

_INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "sklearn": "https://scikit-learn.org/stable/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "matplotlib": "https://matplotlib.org/stable/",
}
_INVENTORY_CACHE = os.path.join(HERE, "_build", "intersphinx")


def _local_inventory(name, url):
    """Path of ``name``'s inventory on this machine, downloading it if we can.

    Offline, intersphinx's own download fails with a warning, which ``-W``
    turns into a failed build. So the inventory is fetched here (a few
    seconds at most) into a cache beside the build, and intersphinx reads
    only files: a fresh download, or the one an earlier online build left.
    Without either, that library's names are shown as plain text.
    """
    path = os.path.join(_INVENTORY_CACHE, f"{name}.inv")
    if os.environ.get("SKMNIST_DOCS_OFFLINE") != "1":
        try:
            with urllib.request.urlopen(url + "objects.inv", timeout=10) as response:
                payload = response.read()
        except OSError:
            pass
        else:
            os.makedirs(_INVENTORY_CACHE, exist_ok=True)
            with open(path + ".part", "wb") as f:
                f.write(payload)
            os.replace(path + ".part", path)
    return path if os.path.isfile(path) else None


intersphinx_mapping = {}
for _name, _url in _INVENTORIES.items():
    _path = _local_inventory(_name, _url)
    if _path is not None:
        intersphinx_mapping[_name] = (_url, _path)
#: Libraries whose names are plain text in this build (reported by skmnist_docs).
skmnist_offline_inventories = sorted(set(_INVENTORIES) - set(intersphinx_mapping))

# -- The gallery ---------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(ROOT, "examples"),
    "gallery_dirs": "auto_examples",
    # Every plot_*.py runs, except the Dask search: it starts a cluster, so
    # it is shown (code and explanation) without being executed.
    "filename_pattern": r"/plot_(?!grid_search_dask)",
    # mnist_augmented.py is a command (full MNIST, minutes), not a gallery item.
    "ignore_pattern": r"(__init__|mnist_augmented)\.py",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skmnist",),
    "backreferences_dir": "gen_modules/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    # skmnist.plotting's figures are made without pyplot: a scraper of ours,
    # run first, while pyplot's own figures (which the matplotlib scraper
    # saves and closes) still say that pyplot manages them.
    "image_scrapers": ("skmnist_docs.skmnist_figures", "matplotlib"),
    "min_reported_time": 1,
}

# Warnings that the gallery's own runs raise are the examples' business (each
# filters what it expects); these come from libraries during the build.
warnings.filterwarnings(
    "ignore", message="Matplotlib is currently using agg", category=UserWarning
)
warnings.filterwarnings(
    "ignore", message="FigureCanvasAgg is non-interactive", category=UserWarning
)

# Figures drawn from published numbers (benchmarks page): PNG only, no links
# to their source or other formats.
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_include_source = False

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmnist {release}"
html_static_path = ["_static"]
html_css_files = ["skmnist.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # No search-engine, analytics or version-switcher requests: the site
    # works from a folder, offline.
    "navigation_with_keys": False,
}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

"""Sphinx directives of skmnist's site.

``command-help``
    Runs a command's ``--help`` at build time and shows its output, so that
    the command-line reference is the parser's own text and cannot drift.

``skmnist_figures``
    A sphinx-gallery image scraper for the figures :mod:`skmnist.plotting`
    returns: they are made without pyplot, so the matplotlib scraper, which
    asks pyplot for its figures, does not see them.

``optional-include``
    Includes a file (Markdown through MyST) when it exists, and otherwise
    shows the directive's content: for pages whose source another branch
    may not have written yet.
"""

import os
import re
import subprocess
import sys
import weakref

from docutils import nodes
from sphinx.directives.other import Include
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOGGER = logging.getLogger(__name__)
#: Width of the help text: what fits in the theme's code blocks unscrolled.
HELP_COLUMNS = "72"


def command_help(arguments, root):
    """``python -m skmnist ARGUMENTS --help``'s output, run from ``root``."""
    env = dict(os.environ, COLUMNS=HELP_COLUMNS)
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    result = subprocess.run(
        [sys.executable, "-m", "skmnist", *arguments, "--help"],
        capture_output=True,
        check=False,
        text=True,
        cwd=root,
        env=env,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"'python -m skmnist {' '.join(arguments)} --help' exited with "
            f"{result.returncode}: {result.stderr.strip()}"
        )
    return result.stdout


class CommandHelp(SphinxDirective):
    """``.. command-help:: compare``: the help text of ``skmnist compare``."""

    required_arguments = 0
    optional_arguments = 10
    has_content = False

    def run(self):
        root = os.path.dirname(self.env.srcdir)
        try:
            text = command_help(self.arguments, root)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            raise self.error(str(exc)) from None
        # Rebuild this page when the command's source changes.
        for name in ("_cli.py", "__main__.py"):
            self.env.note_dependency(os.path.join(root, "skmnist", name))
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


class OptionalInclude(Include):
    """``.. optional-include:: ../FILE.md``, with a fallback as content."""

    has_content = True

    def run(self):
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        # Built whether the file comes or goes.
        self.env.note_dependency(path)
        if os.path.isfile(path):
            self.content = []
            return super().run()
        # The fallback is a page of its own: its title is a section title.
        return self.parse_content_to_nodes(allow_section_headings=True)


#: Labels and glossary terms of scikit-learn's documentation that the
#: docstrings our estimators inherit from scikit-learn refer to (``score``,
#: ``set_fit_request``...) without an intersphinx prefix.
SKLEARN_TARGETS = frozenset(
    {"metadata_routing", "accuracy_score", "meta-estimator", "meta_estimator"}
)


def _offline_target(config, target):
    """Whether ``target`` lives in an inventory this build could not get."""
    offline = set(config.skmnist_offline_inventories)
    prefix, _, rest = target.partition(":")
    if rest and prefix in offline:
        return True
    return "sklearn" in offline and target.lower() in SKLEARN_TARGETS


def offline_reference_as_text(app, env, node, contnode):
    """Show a reference into an unreachable inventory as its plain text.

    Offline, numpydoc's type links (``bool``, ``array_like``) and the
    scikit-learn labels in inherited docstrings have nothing to point at;
    online intersphinx resolves them first. A reference to anything else
    is left unresolved, and still warns.
    """
    target = node.get("reftarget", "")
    if not _offline_target(app.config, target):
        return None
    _, _, rest = target.partition(":")
    if rest and contnode.astext() == target:
        # No title of its own: show "int", not "python:int".
        return type(contnode)(rest, rest, classes=contnode.get("classes", []))
    return contnode


#: A numpydoc "name : type" line whose type gives a shape.
_SHAPE_LINE = re.compile(r"^\s*\w+ : .*\bshape\b")
#: A fitted attribute's name inside that shape, e.g. ``(n_features_in_,)``.
_TRAILING_UNDERSCORE = re.compile(r"\b(\w+)_(?=[,)\s])")


def escape_shape_names(app, what, name, obj, options, lines):
    """Escape ``n_features_in_`` in ``ndarray of shape (n_features_in_,)``.

    A word ending in ``_`` is a hyperlink reference in reStructuredText:
    docutils fails with 'Unknown target name: "n_features_in"'. Runs before
    numpydoc reads the docstring; only the type part of shape lines changes.
    """
    for i, line in enumerate(lines):
        if _SHAPE_LINE.match(line):
            head, sep, type_text = line.partition(" : ")
            lines[i] = head + sep + _TRAILING_UNDERSCORE.sub(r"\1\\_", type_text)


#: Figures a gallery item already showed (per build process).
_SCRAPED = weakref.WeakSet()


def skmnist_figures(block, block_vars, gallery_conf):
    """Save the pyplot-free figures a gallery cell left in its globals.

    Each figure of :mod:`skmnist.plotting` an example keeps in a variable
    (``fig = plot_hidden_units(...)``) is shown once, after the cell that
    made it; figures pyplot manages are left to the matplotlib scraper.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for value in list(block_vars["example_globals"].values()):
        if not isinstance(value, Figure) or value.canvas.manager is not None:
            continue
        if value in _SCRAPED:
            continue
        _SCRAPED.add(value)
        path = next(block_vars["image_path_iterator"])
        value.savefig(path)
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def report_offline_inventories(app):
    missing = app.config.skmnist_offline_inventories
    if missing:
        LOGGER.info(
            "intersphinx: no inventory for %s (offline, none cached): their "
            "names are plain text in this build",
            ", ".join(missing),
        )


def setup(app):
    app.add_config_value("skmnist_offline_inventories", [], "env")
    app.add_directive("command-help", CommandHelp)
    app.add_directive("optional-include", OptionalInclude)
    app.connect("builder-inited", report_offline_inventories)
    # Before numpydoc turns the docstring into reStructuredText.
    app.connect("autodoc-process-docstring", escape_shape_names, priority=100)
    # After intersphinx's own resolver (priority 500), which wins when online.
    app.connect("missing-reference", offline_reference_as_text, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

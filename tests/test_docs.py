"""The documentation site builds, renders in a real browser, and links hold.

The site is built once per session with README's command (``-W``: warnings
are errors), or taken from ``$SKMNIST_DOCS_BUILD`` when that names a built
site (CI builds it in its own step first). Headless Chromium then opens the
front page, an API page and a gallery page: each must draw something (the
screenshot has more than a few colours), carry its heading, and show its
figures. Every internal ``href`` and ``src`` of the built HTML must point at
a file that exists, and at an anchor that exists when it names one.
"""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import distinct_colours, find_chromium, render

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: A page with text and figures antialiases into many colours; a blank or
#: error page into very few.
MIN_COLOURS = 16


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder: ``$SKMNIST_DOCS_BUILD``, or a fresh build."""
    given = os.environ.get("SKMNIST_DOCS_BUILD")
    if given:
        if not (Path(given) / "index.html").is_file():
            pytest.fail(f"SKMNIST_DOCS_BUILD={given} holds no index.html")
        return Path(given)
    for module in ("sphinx", "sphinx_gallery", "numpydoc", "pydata_sphinx_theme"):
        pytest.importorskip(
            module, reason='building the site needs pip install ".[doc]"'
        )
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "-d",
         str(out / ".doctrees"), "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-5000:]
    return out


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    return path


class _Links(HTMLParser):
    """The ids, headings, images and link targets of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images = set(), [], []
        self.headings, self._heading = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag in ("h1", "h2"):
            self._heading = []

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag):
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip().rstrip("#").strip())
            self._heading = None


def parse(html):
    parser = _Links()
    parser.feed(html)
    return parser


# (page, a heading it must show, how many figures at least)
PAGES = [
    ("index.html", "skmnist", 0),
    ("generated/skmnist.TwoLayerMLPClassifier.html", "TwoLayerMLPClassifier", 0),
    ("auto_examples/plot_theano_logistic_sgd.html", "Theano", 2),
    ("benchmarks.html", "Benchmarks", 2),
]


@pytest.mark.parametrize("page, heading, n_figures", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_in_chromium(site, chromium, tmp_path, page, heading, n_figures):
    path = site / page
    assert path.is_file(), f"{page} was not built"
    shown = render(path, tmp_path, name=Path(page).stem)
    assert distinct_colours(shown.screenshot) >= MIN_COLOURS, (
        f"{page} renders blank: {shown.screenshot}"
    )
    dom = parse(shown.dom)
    assert any(heading in h for h in dom.headings), dom.headings
    # Figures: images of the page itself (not the theme's logo or icons).
    figures = [src for src in dom.images if "_images/" in src or "images/" in src]
    assert len(figures) >= n_figures, (page, dom.images)
    for src in figures:
        assert (path.parent / unquote(urlsplit(src).path)).is_file(), src


def test_api_page_documents_parameters_and_methods(site, chromium, tmp_path):
    shown = render(site / "generated/skmnist.SoftmaxSGDClassifier.html", tmp_path)
    for text in ("Parameters", "Attributes", "partial_fit", "predict_proba"):
        assert text in shown.dom, text
    # The docutils error the numpydoc settings exist to avoid.
    assert "Unknown target name" not in shown.dom


def test_every_gallery_item_has_a_figure(site):
    gallery = site / "auto_examples"
    pages = sorted(gallery.glob("plot_*.html"))
    assert len(pages) >= 9, pages
    for page in pages:
        if page.stem == "plot_grid_search_dask":
            continue  # shown, not executed, in the build: it starts a cluster
        images = [
            src
            for src in parse(page.read_text(encoding="utf-8")).images
            if "sphx_glr_" in src
        ]
        assert images, page.name
        # Each figure once: no scraper saved the same figure twice.
        contents = [(gallery / unquote(src)).read_bytes() for src in images]
        assert len(set(contents)) == len(contents), (page.name, images)


def _internal_target(page, link):
    """(file, fragment) a link of ``page`` points to, or None if external."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:")):
        return None
    target = page if not parts.path else (page.parent / unquote(parts.path))
    return target.resolve(), unquote(parts.fragment)


def test_no_broken_internal_links(site):
    # The site's pages; _static/ holds the theme's files, templates included.
    pages = {
        page.resolve(): parse(page.read_text(encoding="utf-8"))
        for page in site.rglob("*.html")
        if "_static" not in page.relative_to(site).parts
    }
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            target = _internal_target(page, link)
            if target is None:
                continue
            path, fragment = target
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(site.resolve())}: {link}")
            elif fragment and path in pages and fragment not in pages[path].ids:
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no anchor)")
    assert not broken, "\n".join(broken[:50])

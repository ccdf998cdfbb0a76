"""Render a page in headless Chromium: a screenshot and the DOM, for tests.

The tests that check what a person would see (the documentation site,
``report.html``) open pages with :func:`render`. Chromium runs headless with
a fresh profile and everything that would reach the network in the
background switched off, so a page shows only what it carries itself.
Debian's ``chromium`` package provides it (``apt-get install chromium``);
:func:`find_chromium` returns None where it is absent, for the tests to skip.
:func:`distinct_colours` tells a blank screenshot from a drawn one.
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Executable names of Chromium, in the order they are looked for.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

#: Flags of every run: headless, no sandbox (tests may run as root), no GPU,
#: and nothing that talks to the network or a profile in the background.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


@dataclass
class Rendered:
    """What Chromium made of one page."""

    screenshot: Path
    dom: str


def find_chromium():
    """Path of a Chromium executable (``$CHROMIUM`` first), or None."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _url(target):
    """A file path as a file:// URL; a URL as given."""
    text = str(target)
    if "://" in text:
        return text
    return Path(text).resolve().as_uri()


def _run(chromium, flags, url, timeout):
    with tempfile.TemporaryDirectory(prefix="skmnist-chromium-") as profile:
        command = [chromium, *BASE_FLAGS, f"--user-data-dir={profile}", *flags, url]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(
            f"chromium exited with {result.returncode} on {url}: "
            f"{result.stderr.strip()[-2000:]}"
        )
    return result.stdout


def render(target, out_dir, *, name="page", size=(1280, 900), timeout=120):
    """Open ``target`` (a file or URL); return its screenshot path and DOM.

    Two Chromium runs, each with a fresh profile: one writes the screenshot
    (``--screenshot``, PNG of ``size``), one prints the DOM after scripts ran
    (``--dump-dom``). Raises RuntimeError when Chromium is missing or fails.
    """
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("no Chromium found: apt-get install chromium")
    url = _url(target)
    screenshot = Path(out_dir) / f"{name}.png"
    width, height = size
    _run(
        chromium,
        [f"--screenshot={screenshot}", f"--window-size={width},{height}"],
        url,
        timeout,
    )
    if not screenshot.is_file():
        raise RuntimeError(f"chromium wrote no screenshot of {url}")
    dom = _run(chromium, ["--dump-dom", "--virtual-time-budget=5000"], url, timeout)
    return Rendered(screenshot=screenshot, dom=dom)


def distinct_colours(path, limit=64):
    """How many distinct colours the PNG has, counting up to ``limit``.

    Uses Pillow, which matplotlib (the ``plot``, ``test`` and ``doc``
    extras) depends on.
    """
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=limit)
    # getcolors gives None when there are more than maxcolors colours.
    return limit if colours is None else len(colours)

"""``report.html``: the whole comparison on one self-contained page.

For people who would rather look than read: the plan, the results table,
what each pair held equal, the provenance and every figure with a caption.
Figures are embedded as ``data:`` URIs and the style is inline, so the page
makes no network request and can be mailed or archived as one file.
"""

import base64
import html
import os

from .._files import atomic_write
from ._figures import caption_of
from ._table import TABLE_COLUMNS, race_lines, row_cells, speed_cell, table_notes

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
       max-width: 1080px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em;
     margin-top: 2em; }
.plan { background: #f4f6f8; border-left: 4px solid #4a78b0; padding: 0.6em 0.9em;
        font-family: ui-monospace, monospace; font-size: 0.9em; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e3e3e3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.group th { text-align: left; background: #eef2f7; font-weight: 600; }
ul.notes { font-size: 0.88em; color: #444; }
dl.provenance dt { font-weight: 600; margin-top: 0.5em; }
dl.provenance dd { margin-left: 1.2em; font-family: ui-monospace, monospace;
                   font-size: 0.88em; overflow-wrap: anywhere; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _row(cells, header=False):
    tag = "th" if header else "td"
    parts = []
    for cell, (_, align) in zip(cells, TABLE_COLUMNS):
        css = ' class="num"' if align == ">" else ""
        parts.append(f"<{tag}{css}>{_e(cell.strip())}</{tag}>")
    return "<tr>" + "".join(parts) + "</tr>"


def _results_table(comparison):
    lines = ["<table>", _row([name for name, _ in TABLE_COLUMNS], header=True)]
    span = len(TABLE_COLUMNS)
    for pair in comparison.pairs:
        lines.append(
            f'<tr class="group"><th colspan="{span}">{_e(pair.title)}, like for '
            "like</th></tr>"
        )
        lines.append(_row(row_cells(pair.ours, speed_cell(pair))))
        lines.append(_row(row_cells(pair.peer, "(peer)")))
    paired = comparison.paired_keys()
    others = [r for r in comparison.results if r.spec.key not in paired]
    if others:
        lines.append(
            f'<tr class="group"><th colspan="{span}">not paired (no speed '
            "comparison)</th></tr>"
        )
        lines += [_row(row_cells(result, "-")) for result in others]
    lines.append("</table>")
    return "\n".join(lines)


def _held_equal(comparison):
    if not comparison.pairs:
        return ["<p>No pair ran, so nothing was held equal.</p>"]
    items = []
    for pair in comparison.pairs:
        text = (
            f"<li><strong>{_e(pair.title)}</strong>: held equal: {_e(pair.held_equal)}"
        )
        if pair.mismatches:
            text += f"; NOT like for like: {_e('; '.join(pair.mismatches))}"
        items.append(text + "</li>")
    return ["<ul>", *items, "</ul>"]


def _races(comparison):
    parts = []
    for race in comparison.races:
        lines = [line.strip() for line in race_lines(race)]
        parts.append(f"<p><strong>{_e(lines[0])}</strong></p>")
        parts.append("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines[1:]) + "</ul>")
    return parts


def _pool_words(pool):
    name = " ".join(str(pool[k]) for k in ("internal_api", "version") if pool.get(k))
    n = pool.get("num_threads")
    return f"{name}: {n} thread{'' if n == 1 else 's'}"


def _provenance(comparison, command):
    env = comparison.environment or {}
    versions = env.get("versions") or {}
    pools = env.get("thread_pools") or []
    facts = [
        ("command", " ".join(command) if command else "(not recorded)"),
        ("started at (UTC)", comparison.started_at),
        ("dataset", comparison.dataset.description),
        ("held out", comparison.evaluation.description),
        ("random_state", comparison.random_state),
        ("skmnist's training step ran on", comparison.kernels),
        ("BLAS threads (as BLAS reported them)", comparison.threads),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v)),
        ("platform", env.get("platform")),
        ("cores", f"{env.get('cpu_count')} ({env.get('usable_cores')} usable)"),
        (
            "thread pools",
            "; ".join(_pool_words(pool) for pool in pools),
        ),
    ]
    items = [f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in facts]
    return ['<dl class="provenance">', *items, "</dl>"]


def _figure(path, comparison):
    with open(path, "rb") as f:
        encoded = base64.b64encode(f.read()).decode("ascii")
    caption = caption_of(path, comparison)
    name = os.path.basename(path)
    return (
        f'<figure id="{_e(os.path.splitext(name)[0])}">'
        f'<img src="data:image/png;base64,{encoded}" alt="{_e(caption)}">'
        f"<figcaption><strong>{_e(name)}</strong>: {_e(caption)}</figcaption>"
        "</figure>"
    )


def render_report(comparison, figure_paths, command=None):
    """The page as a string (see the module docstring)."""
    dataset = comparison.dataset
    height, width = dataset.image_shape
    notes = "".join(f"<li>{_e(note)}</li>" for note in table_notes(comparison))
    held_out = _e(comparison.evaluation.description)
    body = [
        "<h1>skmnist compare</h1>",
        (
            f"<p>{_e(dataset.description)}; {height}x{width} images. "
            f"Held out: {held_out}.</p>"
        ),
        "<h2>Plan</h2>",
        f'<p class="plan">{_e(comparison.plan or "(no plan recorded)")}</p>',
        "<h2>Results</h2>",
        _results_table(comparison),
        *_races(comparison),
        f'<ul class="notes">{notes}</ul>',
        "<h2>Held equal</h2>",
        *_held_equal(comparison),
        "<h2>Provenance</h2>",
        *_provenance(comparison, command),
        "<h2>Figures</h2>",
        *(_figure(path, comparison) for path in figure_paths),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>skmnist compare: {_e(dataset.name)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_report(comparison, figure_paths, path, command=None):
    """Write ``report.html`` (atomically) with the figures embedded."""
    page = render_report(comparison, figure_paths, command)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(page)

"""The lab's HTML report: one self-contained page, figures as PNG files beside it.

At the top, a summary table of every claim with what we measured and our verdict; then one
section per experiment: the claim, the method, the figures, a small table of numbers and, for
each claim, the verdict (colour and text, never colour alone) with one or two sentences on why.
Failed experiments are shown as failed, with the error, never left out.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

from ..io.atomic import atomic_write

# Okabe-Ito colours (see layerwise.plots.PALETTE); text says the verdict too
BADGES = {
    "supported": ("#0072B2", "#ffffff", "✓ supported"),
    "partly": ("#E69F00", "#000000", "◐ partly"),
    "not supported": ("#D55E00", "#ffffff", "✗ not supported"),
    "failed": ("#555555", "#ffffff", "! failed"),
}

CSS = """
:root { --ink: #1d1d1f; --muted: #5a5a5f; --rule: #d8d8dc; --soft: #f5f6f8; }
* { box-sizing: border-box; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .3rem; }
h2 { font-size: 1.4rem; margin: 0 0 .2rem; }
.meta, .ref { color: var(--muted); font-size: .9rem; }
section { border-top: 1px solid var(--rule); padding: 1.8rem 0 .6rem; }
blockquote { margin: .8rem 0; padding: .6rem 1rem; background: var(--soft);
             border-left: 4px solid #0072B2; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .7rem; text-align: left;
         vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: .8rem; font-weight: 600;
         font-size: .85rem; white-space: nowrap; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .85rem; }
.claim { margin: .9rem 0; padding: .6rem .9rem; border: 1px solid var(--rule); border-radius: 6px; }
.claim p { margin: .3rem 0; }
.measured { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
pre { background: var(--soft); padding: .8rem; overflow-x: auto; font-size: .8rem; }
a { color: #0072B2; }
.counts span { margin-right: 1rem; }
"""


def _e(text):
    return html.escape(str(text), quote=True)


def badge(verdict):
    """The verdict as a coloured badge that also says it in words."""
    bg, fg, label = BADGES.get(verdict, BADGES["failed"])
    return f'<span class="badge" style="background:{bg};color:{fg}">{_e(label)}</span>'


def fmt(value):
    """A table cell: numbers to four significant digits, everything else as text.

    >>> fmt(1234567), fmt(0.000123456), fmt(0.98765), fmt(None), fmt(True)
    ('1,234,567', '0.000123', '0.9877', '—', 'yes')
    """
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
            return f"{value:.3g}"
        return f"{value:.4g}"
    return str(value)


def _table(table):
    cols, rows = table.get("columns", []), table.get("rows", [])
    if not cols:
        return ""
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{_e(fmt(v))}</td>' if isinstance(v, (int, float))
            and not isinstance(v, bool) else f"<td>{_e(fmt(v))}</td>" for v in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figures(names, title):
    return "".join(
        f'<figure><img src="{_e(f)}" alt="{_e(title)}: {_e(Path(f).stem)}" loading="lazy">'
        f"<figcaption>{_e(f)}</figcaption></figure>" for f in names)


def _anchor(section):
    return f"sec-{section.get('module', section['id'])}"


def _section(i, s):
    head = (f'<section id="{_e(_anchor(s))}"><h2>{i}. {_e(s["title"])}</h2>'
            f'<div class="ref">{_e(s.get("seed_ref", ""))}</div>')
    claim = s.get("claim_text") or s.get("claim") or ""
    quote = f"<blockquote>{_e(claim)}</blockquote>" if claim else ""
    if s["status"] == "failed":
        return (head + quote + f'<p>{badge("failed")} This experiment failed during '
                f'{_e(s["stage"])}: <code>{_e(s["error"])}</code></p>'
                f"<details><summary>traceback</summary><pre>{_e(s['traceback'])}</pre></details>"
                "</section>")
    parts = [head, quote]
    if s.get("method"):
        parts.append(f"<p><b>Method.</b> {_e(s['method'])}</p>")
    parts.append(_figures(s.get("figures", []), s["title"]))
    for c in s["claims"]:
        extra = [f for f in c.get("figures", []) if f not in s.get("figures", [])]
        parts.append(
            f'<div class="claim"><p>{badge(c["verdict"])} <b>{_e(c["claim"])}</b></p>'
            f'<p class="measured">measured: {_e(c["measured"])}</p>'
            + (f"<p>{_e(c['why'])}</p>" if c.get("why") else "")
            + _figures(extra, s["title"]) + "</div>")
    parts.append(_table(s.get("table", {})))
    return "".join(parts) + "</section>"


def render(doc) -> str:
    """The report page for a ``results.json`` document."""
    meta, claims, sections = doc["meta"], doc["claims"], doc["sections"]
    by_id = {s["id"]: s for s in sections}
    rows = []
    for c in claims:
        sec = by_id.get(c["section"], {})
        rows.append(f'<tr><td><a href="#{_e(_anchor(sec) if sec else "")}">{_e(c["id"])}</a></td>'
                    f"<td>{_e(c['claim'])}</td><td class=\"measured\">{_e(c['measured'])}</td>"
                    f"<td>{badge(c['verdict'])}</td></tr>")
    for s in sections:
        if s["status"] == "failed":
            rows.append(f'<tr><td><a href="#{_e(_anchor(s))}">{_e(s["module"])}</a></td>'
                        f"<td>{_e(s['title'])}</td><td>{_e(s['error'])}</td>"
                        f"<td>{badge('failed')}</td></tr>")
    counts = {v: sum(c["verdict"] == v for c in claims) for v in ("supported", "partly",
                                                                  "not supported")}
    count_html = "".join(f"<span>{badge(v)} {n}</span>" for v, n in counts.items())
    if meta.get("failed"):
        count_html += f"<span>{badge('failed')} {len(meta['failed'])}</span>"
    mode = "quick run (smaller experiments)" if meta.get("quick") else "full run"
    where = (f"Dask cluster {meta['scheduler']}" if meta.get("scheduler")
             else f"{meta.get('machine', '')}, jobs={meta.get('jobs')}")
    body = "".join(_section(i, s) for i, s in enumerate(sections, 1))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>layerwise lab: Neural Networks Part 1, measured</title>
<style>{CSS}</style></head>
<body><main>
<h1>Neural Networks Part 1, measured</h1>
<p class="meta">layerwise {_e(meta.get('layerwise', ''))} · {_e(mode)} · seed {_e(meta.get('seed'))}
 · {_e(meta.get('started', ''))} · {_e(fmt(float(meta.get('seconds', 0))))} s · {_e(where)}</p>
<p>Each claim of the notes is tested by an experiment run by this library. The verdict is
computed from the measured numbers by a rule written in the experiment: <b>supported</b> when
the measurement agrees with the claim, <b>partly</b> when it agrees in direction but not in size
or only in some settings, <b>not supported</b> when it does not. Every number comes from the
run that wrote this page (see <a href="results.json">results.json</a>).</p>
<p class="counts">{count_html}</p>
<table><thead><tr><th>claim</th><th>what the notes say</th><th>measured</th><th>verdict</th>
</tr></thead><tbody>{''.join(rows)}</tbody></table>
{body}
</main></body></html>
"""


def write_report(out, doc) -> Path:
    """Write ``out/index.html`` for the document; return its path."""
    path = Path(out) / "index.html"
    atomic_write(path, render(doc).encode("utf-8"))
    return path

"""The lab's HTML report: one self-contained page, figures as PNG files beside it.

At the top, a header saying what produced the page (git commit, exact command, library versions,
CPU), the tallies (experiments counted; identities and unmeasured claims apart), a table of
contents and a summary table of every claim; then one section per experiment: the sentence of
the notes it tests, the method, its run time, its source file, a "try it live" link where the
playground shows the same setting, the figures with captions, and for each claim its kind, the
decision rule (before the numbers), what was measured with its 95% interval, and the verdict
(colour and text, never colour alone). Failed experiments are shown as failed, with the error,
never left out.
"""
from __future__ import annotations

import html
import math
import os
from pathlib import Path

from ..io.atomic import atomic_write

# Okabe-Ito colours (see layerwise.plots.PALETTE); text says the verdict too
BADGES = {
    "supported": ("#0072B2", "#ffffff", "✓ supported"),
    "partly": ("#E69F00", "#000000", "◐ partly"),
    "not supported": ("#D55E00", "#ffffff", "✗ not supported"),
    "inconclusive": ("#CC79A7", "#000000", "? inconclusive"),
    "not measured": ("#ffffff", "#333333", "– not measured"),
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
.kind { font-size: .78rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
        border: 1px solid var(--rule); border-radius: 4px; padding: 0 .35rem; margin-left: .3rem; }
.rule { font-size: .9rem; }
.live { background: #eef6fb; border: 1px solid #b7d7ea; border-radius: 6px; padding: .4rem .8rem; }
nav ol { columns: 2; font-size: .92rem; }
.header td { border: none; padding: .1rem .8rem .1rem 0; font-size: .88rem; }
.origin { font-size: .88rem; color: var(--muted); }
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


def _figures(names, title, captions, numbers, section=0):
    out = []
    for f in names:
        number = numbers.setdefault(f, f"{section}.{len(numbers) + 1}")
        cap = captions.get(f) or title
        out.append(f'<figure><img src="{_e(f)}" alt="{_e(cap)}" loading="lazy">'
                   f"<figcaption><b>Figure {number}.</b> {_e(cap)}</figcaption></figure>")
    return "".join(out)


def _interval(c):
    iv = c.get("interval")
    if not iv or c.get("value") is None:
        return ""
    def one(x):
        return "∞" if x == math.inf else "-∞" if x == -math.inf else fmt(float(x))
    return (f'<p class="measured">estimate {_e(fmt(float(c["value"])))}, 95% interval '
            f"[{_e(one(iv[0]))}, {_e(one(iv[1]))}]" + (f" over {len(c['seeds'])} seeds"
                                                       if c.get("seeds") else "") + "</p>")


def _anchor(section):
    return f"sec-{section.get('module', section['id'])}"


def _section(i, s, out=None):
    head = (f'<section id="{_e(_anchor(s))}"><h2>{i}. {_e(s["title"])}</h2>'
            f'<div class="ref">{_e(s.get("seed_ref", ""))}')
    if s.get("seconds") is not None:
        head += (f" · run time {_e(fmt(float(s['seconds'])))} s (its tasks, summed over the "
                 "workers, and its summary)")
    if s.get("source"):
        head += f' · source <a href="{_e(_source_href(s["source"], out))}">{_e(s["source"])}</a>'
    head += "</div>"
    claim = s.get("claim_text") or s.get("claim") or ""
    quote = f"<p><b>Claim, in our words.</b> {_e(claim)}</p>" if claim else ""
    if s["status"] == "failed":
        return (head + quote + f'<p>{badge("failed")} This experiment failed during '
                f'{_e(s["stage"])}: <code>{_e(s["error"])}</code></p>'
                f"<details><summary>traceback</summary><pre>{_e(s['traceback'])}</pre></details>"
                "</section>")
    parts = [head, quote]
    if s.get("method"):
        parts.append(f"<p><b>Method.</b> {_e(s['method'])}</p>")
    if s.get("lesson_url"):
        parts.append(f'<p class="live"><b>Try it live:</b> run <code>layerwise serve</code>, then '
                     f'open this link: <a href="{_e(s["lesson_url"])}">{_e(s["lesson_url"])}</a>'
                     "</p>")
    captions, numbers = s.get("captions", {}), {}
    parts.append(_figures(s.get("figures", []), s["title"], captions, numbers, i))
    for c in s["claims"]:
        extra = [f for f in c.get("figures", []) if f not in s.get("figures", [])]
        refs = ", ".join(f"figure {numbers[f]}" for f in c.get("figures", []) if f in numbers)
        parts.append(
            f'<div class="claim" id="claim-{_e(c["id"])}"><p><b>{_e(c["claim"])}</b>'
            f'<span class="kind">{_e(c.get("kind", ""))}</span></p>'
            f"<blockquote>{_e(c.get('quote', ''))}</blockquote>"
            + (f'<p class="origin">{_e(c["origin"])}</p>' if c.get("origin") else "")
            + f'<p class="rule"><b>Rule.</b> {_e(c.get("rule", ""))}</p>'
            f'<p class="measured">measured: {_e(c["measured"])}</p>' + _interval(c)
            + f"<p>{badge(c['verdict'])} " + (_e(c["why"]) if c.get("why") else "")
            + (f" (see {refs})" if refs else "") + "</p>"
            + _figures(extra, s["title"], captions, numbers, i) + "</div>")
    parts.append(_table(s.get("table", {})))
    return "".join(parts) + "</section>"


def _source_href(source, out):
    """A link from the report folder to the experiment's file: relative where the report lies
    beside the package (``make run``), else an absolute ``file:`` address."""
    root = Path(__file__).resolve().parents[2]
    path = root / source
    if out is not None:
        try:
            return os.path.relpath(path, Path(out).resolve()).replace(os.sep, "/")
        except ValueError:  # pragma: no cover - another drive on Windows
            pass
    return path.as_uri()


def _tally_html(meta, claims):
    t = meta.get("tallies")
    if t is None:  # an older results.json
        from .core import tallies

        t = tallies(claims)
    exp = "".join(f"<span>{badge(v)} {n}</span>" for v, n in t["experiments"].items())
    ident = ", ".join(f"{n} {'hold' if v == 'supported' else 'fail'}"
                      for v, n in t["identities"].items())
    return (f'<p class="counts"><b>Experiments</b> ({sum(t["experiments"].values())}): {exp}</p>'
            f'<p class="counts">Apart, not counted: identities checked numerically: {ident}; '
            f"not measured (data not available here): {t['not measured']}.</p>")


def render(doc, out=None) -> str:
    """The report page for a ``results.json`` document."""
    meta, claims, sections = doc["meta"], doc["claims"], doc["sections"]
    by_id = {s["id"]: s for s in sections}
    rows = []
    for c in claims:
        sec = by_id.get(c["section"], {})
        rows.append(f'<tr><td><a href="#claim-{_e(c["id"])}">{_e(c["id"])}</a></td>'
                    f"<td>{_e(c.get('kind', ''))}</td>"
                    f"<td>{_e(c['claim'])}</td><td class=\"measured\">{_e(c['measured'])}</td>"
                    f"<td>{badge(c['verdict'])}</td></tr>")
    for s in sections:
        if s["status"] == "failed":
            rows.append(f'<tr><td><a href="#{_e(_anchor(s))}">{_e(s["module"])}</a></td><td></td>'
                        f"<td>{_e(s['title'])}</td><td>{_e(s['error'])}</td>"
                        f"<td>{badge('failed')}</td></tr>")
    count_html = _tally_html(meta, claims)
    if meta.get("failed"):
        count_html += f"<p>{badge('failed')} {len(meta['failed'])} experiment(s) failed</p>"
    mode = "quick run (smaller experiments)" if meta.get("quick") else "full run"
    where = (f"Dask cluster {meta['scheduler']}" if meta.get("scheduler")
             else f"{meta.get('machine', '')}, jobs={meta.get('jobs')}")
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    header = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in (
            ("run", f"{mode}, base seed {meta.get('seed')}, started {meta.get('started', '')}, "
                    f"{fmt(float(meta.get('seconds', 0)))} s"),
            ("command", meta.get("command", "")), ("git commit", meta.get("git_commit") or "—"),
            ("versions", versions), ("CPU", f"{meta.get('cpu', '')} ({where})")))
    toc = "".join(f'<li><a href="#{_e(_anchor(s))}">{_e(s["title"])}</a></li>' for s in sections)
    body = "".join(_section(i, s, out) for i, s in enumerate(sections, 1))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>layerwise lab: Neural Networks Part 1, measured</title>
<style>{CSS}</style></head>
<body><main>
<h1>Neural Networks Part 1, measured</h1>
<table class="header">{header}</table>
<p>Each claim of the notes is tested by this library and quoted word for word from the notes.
A claim is an <b>identity</b> (a mathematical fact, checked numerically: it cannot fail unless
the code is wrong), an <b>experiment</b> (an empirical statement that could come out either
way), or <b>not measured</b> (the data are not available here). Each experiment runs from
several seeds; its rule, stated before the numbers, reads the verdict off the 95% interval of
the measured quantity: <b>supported</b>, <b>partly</b> or <b>not supported</b> when the interval
lies within one band, <b>inconclusive</b> when it straddles a cut-off (the run is too small to
decide). Every number comes from the run that wrote this page (see
<a href="results.json">results.json</a>).</p>
{count_html}
<nav><h2>Contents</h2><ol>{toc}</ol></nav>
<table><thead><tr><th>claim</th><th>kind</th><th>in our words</th><th>measured</th>
<th>verdict</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
{body}
</main></body></html>
"""


def write_report(out, doc) -> Path:
    """Write ``out/index.html`` for the document; return its path."""
    path = Path(out) / "index.html"
    atomic_write(path, render(doc, out).encode("utf-8"))
    return path

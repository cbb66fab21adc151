"""Playground speed: frames and training steps a second in a real browser, and how fast the
controls answer, for the default setup and the heaviest one the playground allows.

    python benchmarks/playground.py [--seconds 10] [--repeats 5] [--json out.json]

1. Server alone, in this process with one BLAS thread as the server runs: training steps a
   second (median of ``--repeats`` blocks) and the time to draw and pack one frame, for both
   setups.
2. In the browser: the real server (``serve(port=0)`` in a subprocess) and Debian's Chromium,
   headless, via Playwright, the page at 1280x800. For each setup: press play, then read
   ``window.playground.stats()`` once a second for ``--seconds`` and take the medians of its
   counts over the last second: ``fps``, the frames the page drew (a frame is one drawing of
   the whole view, regions, curves and diagram, from the newest training state the page holds,
   at one of the browser's animation frames; a state that a newer one replaced before it was
   drawn is not counted, and after 80 ms without a drawing, a training step longer than that,
   the page draws its newest state again), ``updates``, those of them that drew a frame from
   the server not drawn before (a new training state), and ``stepsPerSecond``; then the time
   from a control's event to the page holding the server's answer: pause (the ``state``
   message), play, a new learning rate (the ``info`` message), one neuron less in the first
   hidden layer (the new network's ``info``), that layer down to 4 neurons and then sixty
   neurons more, clicked as fast as the page takes the clicks (the last ``info``), and of that
   the page's own time for the clicks. Pause, play and learning rate: three tries each.

Setups: *default*, the page's own (spiral, 2 classes, 400 points, half for training,
2-8-8-2 ReLU, SGD at 0.03, batch 10); *heaviest*, every limit at its top: 8 hidden layers of
64 maxout units, 10,000 points with 90% for training, batch 10,000 (a step takes all 9,000),
SGD at 0.001 (at 0.03 this deep maxout net diverges within ten steps).

Targets (issue 12): default 60 frames/s and 10,000 steps/s; heaviest at least 10 frames/s,
and every control answered within 100 ms. Skipped, with a note, without Playwright or Chromium.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETUPS = {
    "default": {"data": "spiral", "classes": 2, "n": 400, "hidden": [8, 8], "activation": "relu",
                "optimizer": "sgd", "lr": 0.03, "batch_size": 10},
    "heaviest": {"data": "spiral", "classes": 2, "n": 10_000, "ratio": 0.9, "hidden": [64] * 8,
                 "activation": "maxout", "optimizer": "sgd", "lr": 0.001, "batch_size": 10_000},
}
HASH_KEYS = {"data": "data", "classes": "classes", "n": "n", "ratio": "ratio", "hidden": "hidden",
             "activation": "act", "optimizer": "opt", "lr": "lr", "batch_size": "bs"}


def page_hash(setup):
    return "#" + "&".join(f"{HASH_KEYS[k]}={','.join(map(str, v)) if isinstance(v, list) else v}"
                          for k, v in setup.items())


def server_alone(name, repeats=5):
    """Steps a second and frame cost of one session, measured in this process."""
    from layerwise.web.server import limit_blas_threads
    from layerwise.web.sessions import Session
    from layerwise.web.setup import parse_setup

    limiter = limit_blas_threads()
    try:
        s = Session(parse_setup(SETUPS[name]))
        steps = 20_000 if name == "default" else 2
        s.train_steps(max(1, steps // 10))  # warm up
        rates = []
        for _ in range(repeats):
            t = time.perf_counter()
            s.train_steps(steps)
            rates.append(steps / (time.perf_counter() - t))
            time.sleep(0.2)
        frame_ms, frames = [], 50 if name == "default" else 5
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(frames):
                data = s.frame_bytes()
            frame_ms.append((time.perf_counter() - t) / frames * 1000)
        return {"steps_per_s": statistics.median(rates), "steps_per_s_all": rates,
                "frame_ms": statistics.median(frame_ms), "frame_ms_all": frame_ms,
                "frame_bytes": len(data), "resolution": list(s.resolution)}
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


def _wait(page, expr, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(expr):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {expr}")
        time.sleep(0.05)


# Each measures, inside the page, from the control's event to the server's answer arriving.
_LATENCY = {
    "pause": """() => new Promise(done => { const t0 = performance.now();
        document.getElementById('play').click();
        const check = () => __lw.playing ? setTimeout(check, 1) : done(performance.now() - t0);
        check(); })""",
    "play": """() => new Promise(done => { const t0 = performance.now();
        document.getElementById('play').click();
        const check = () => __lw.playing ? done(performance.now() - t0) : setTimeout(check, 1);
        check(); })""",
    "learning rate": """(lr) => new Promise(done => { const el = document.getElementById('lr');
        const t0 = performance.now(); el.value = String(lr);
        el.dispatchEvent(new Event('change'));
        const check = () => __lw.info.setup.lr === lr ? done(performance.now() - t0)
                                                       : setTimeout(check, 1);
        check(); })""",
    # (what, count): click a layer-1 neuron button `count` times as fast as the page takes it
    "neurons": """([what, count]) => new Promise(done => { const n = __lw.info.neurons;
        const want = n + (what === 'Add' ? count : -count);
        const t0 = performance.now();
        const sel = `button[aria-label='${what === 'Add' ? 'Add a neuron to' : 'Remove a neuron from'} hidden layer 1']`;
        for (let i = 0; i < count; i++) document.querySelector(sel).click();
        window.__lwClicksMs = performance.now() - t0;  // what the page itself did per burst
        const check = () => __lw.info.neurons === want ? done(performance.now() - t0)
                                                       : setTimeout(check, 1);
        check(); })""",
}


def _measure(page, key, arg=None):
    """One latency in ms (None when the answer did not come within 30 s)."""
    script = _LATENCY[key].replace("=> new Promise(done => {", "=> new Promise(done => { "
                                   "setTimeout(() => done(null), 30000);", 1)
    value = page.evaluate(script, arg)
    print(f"  {key} {arg if arg is not None else ''}: {value} ms", file=sys.stderr, flush=True)
    return value


def browser(name, seconds, p, url):
    """fps, steps/s and control latencies of one setup in Chromium."""
    b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + page_hash(SETUPS[name]))
        _wait(page, "window.__lw && __lw.framesDrawn > 0")
        out = {"latency_ms": {}}
        page.click("#play")
        _wait(page, "__lw.playing")
        time.sleep(2.0)  # past the start
        stats = []
        for _ in range(int(seconds)):
            time.sleep(1.0)
            stats.append(page.evaluate("window.playground.stats()"))
        print(f"{name}: {stats}", file=sys.stderr, flush=True)
        out["fps"] = statistics.median(s["fps"] for s in stats)
        out["updates"] = statistics.median(s["updates"] for s in stats)
        out["steps_per_s"] = statistics.median(s["stepsPerSecond"] for s in stats)
        out["stats"] = stats
        out["region"] = page.evaluate("[__lw.header.region_size, __lw.header.unit_size]")
        lat = out["latency_ms"]
        lat["pause"], lat["play"] = [], []
        for _ in range(3):
            lat["pause"].append(_measure(page, "pause"))
            lat["play"].append(_measure(page, "play"))
            time.sleep(0.5)
        # three changes, the last back to the setup's own rate (0.03 diverges the heaviest)
        rates = (0.1, 0.01, 0.03) if name == "default" else (0.003, 0.0001, 0.001)
        lat["learning rate"] = [_measure(page, "learning rate", lr) for lr in rates]
        # the first hidden layer: down by one, then to 4, then up to its size plus 56 (64 at most)
        clicks = out["clicks_ms"] = {}
        lat["one neuron less"] = [_measure(page, "neurons", ["Remove", 1])]
        clicks["one neuron less"] = page.evaluate("window.__lwClicksMs")
        time.sleep(1.0)
        width = page.evaluate("__lw.info.sizes[1]")
        lat["down to 4 neurons"] = [_measure(page, "neurons", ["Remove", width - 4])]
        clicks["down to 4 neurons"] = page.evaluate("window.__lwClicksMs")
        time.sleep(1.0)
        lat["sixty neurons more"] = [_measure(page, "neurons", ["Add", 60])]
        clicks["sixty neurons more"] = page.evaluate("window.__lwClicksMs")
        time.sleep(1.0)
        after = [page.evaluate("window.playground.stats()") for _ in range(3) if not time.sleep(1)]
        print(f"  after: {after}, page: " + page.evaluate(
            "JSON.stringify({playing: __lw.playing, drawn: __lw.framesDrawn, got: __lw.framesReceived,"
            " errors: __lw.errors.slice(-2), sizes: __lw.info.sizes})"), file=sys.stderr, flush=True)
        out["fps_after_growth"] = statistics.median(s["fps"] for s in after)
        # a frame drawn for the first time (a copy of the header, new to the page's caches),
        # and the same frame drawn again, as the page does while a long step runs
        out["draw_ms"], out["redraw_ms"] = page.evaluate("""(() => { const h = __lw.header;
            let t = performance.now();
            for (let i = 0; i < 20; i++) { __lw.header = Object.assign({}, h); __lw.drawAll(); }
            const fresh = (performance.now() - t) / 20;
            t = performance.now();
            for (let i = 0; i < 20; i++) __lw.drawAll();
            return [fresh, (performance.now() - t) / 20]; })()""")
        out["raf_per_s"] = page.evaluate("""new Promise(r => { let n = 0; const t0 = performance.now();
            const f = () => { n++; if (performance.now() - t0 < 1000) requestAnimationFrame(f);
            else r(n); }; requestAnimationFrame(f); })""")
        page.click("#play")
        return out
    finally:
        b.close()


def browser_all(seconds, names=tuple(SETUPS)):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Playwright for Python is not installed"}
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"{CHROMIUM} is missing (apt-get install chromium)"}
    code = "from layerwise.web.server import serve; serve(port=0, open_browser=False)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            if not line:
                return {"skipped": f"the server did not start: {proc.stderr.read()}"}
            if "http://" in line:
                url = line[line.index("http://"):].strip()
        with sync_playwright() as p:
            return {name: browser(name, seconds, p, url) for name in names}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _med(values):
    done = [v for v in values if v is not None]
    text = f"{statistics.median(done):.0f}" if done else "-"
    return text + (f" ({len(values) - len(done)} not answered in 30 s)" if len(done) < len(values)
                   else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="browser measuring time a setup")
    ap.add_argument("--repeats", type=int, default=5, help="blocks of server steps")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args(argv)

    load0 = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    server = {name: server_alone(name, args.repeats) for name in SETUPS}
    web = browser_all(args.seconds)
    load1 = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average at start {load0[0]:.1f}, at end {load1[0]:.1f}; numpy {np.__version__}")
    print("| measure | default | heaviest | target (default / heaviest) |")
    print("| --- | ---: | ---: | --- |")
    d, h = server["default"], server["heaviest"]
    print(f"| server alone: training steps/s (median of {args.repeats}) | "
          f"{d['steps_per_s']:,.0f} | {h['steps_per_s']:,.1f} | |")
    print(f"| server alone: draw and pack one frame | {d['frame_ms']:.2f} ms | "
          f"{h['frame_ms']:.1f} ms | |")
    print(f"| frame grids (region, per neuron) | {d['resolution'][0]}², {d['resolution'][1]}² | "
          f"{h['resolution'][0]}², {h['resolution'][1]}² | |")
    if "skipped" in web:
        print(f"| browser | skipped: {web['skipped']} | | |")
    else:
        wd, wh = web["default"], web["heaviest"]
        print(f"| Chromium: frames drawn/s (median of {int(args.seconds)} one-second windows) | "
              f"{wd['fps']:.0f} | {wh['fps']:.0f} | 60 / >= 10 |")
        print(f"| Chromium: of them, new training states drawn/s | {wd['updates']:.0f} | "
              f"{wh['updates']:.0f} | |")
        print(f"| Chromium: training steps/s meanwhile | {wd['steps_per_s']:,.0f} | "
              f"{wh['steps_per_s']:,.1f} | 10,000 / - |")
        for key in wd["latency_ms"]:
            a, b = wd["latency_ms"][key], wh["latency_ms"][key]
            print(f"| control answered: {key} (ms, median of {len(a)}) | "
                  f"{_med(a)} | {_med(b)} | <= 100 |")
        print("| of that, the page handling the clicks: one less / down to 4 / sixty more (ms) | "
              + " | ".join(" / ".join(f"{v:.1f}" for v in w["clicks_ms"].values())
                           for w in (wd, wh)) + " | |")
        print(f"| frames drawn/s after the neuron changes | {wd['fps_after_growth']:.0f} | "
              f"{wh['fps_after_growth']:.0f} | |")
        print(f"| page: draw one frame (regions, curves, diagram) | {wd['draw_ms']:.2f} ms | "
              f"{wh['draw_ms']:.2f} ms | |")
        print(f"| page: draw the same frame again | {wd['redraw_ms']:.2f} ms | "
              f"{wh['redraw_ms']:.2f} ms | |")
        print(f"| headless Chromium's animation rate (the ceiling) | {wd['raf_per_s']}/s | "
              f"{wh['raf_per_s']}/s | |")
        print("\nA frame drawn (fps) is one drawing of the whole view (regions, curves, diagram) from "
              "the newest training state the page holds, at one of the browser's animation frames; "
              "after 80 ms without a drawing (a training step longer than that) the page draws "
              "its newest state again, and a state that a newer one replaced before it was drawn "
              "is not counted. New training states drawn (updates) counts the frames that drew a state "
              "from the server not drawn before.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"server": server, "browser": web, "load": [load0, load1]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

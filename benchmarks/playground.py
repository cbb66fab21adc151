"""Playground speed: training steps a second on the server, frames a second in the browser.

    python benchmarks/playground.py [--seconds 10] [--repeats 5] [--json out.json]

1. Server steps/s: a 2-8-8-2 ReLU network on the spiral (400 points, half for training),
   batch size 10, SGD, stepped by the playground's own session (the library's Trainer), with
   one BLAS thread as the server runs it. Median of ``--repeats`` blocks of 20,000 steps.
2. Frame cost on the server: building one frame (100x100 regions, 20x20 per neuron, the
   losses on all points, dead units) and packing it.
3. Browser frames/s: the real server (``serve(port=0)`` in a subprocess) and Debian's Chromium,
   headless, via Playwright, with the page at 1280x800 training the same network: frames drawn
   per second over ``--seconds``, in windows of 2 s (median), and training steps the server
   managed meanwhile. Skipped, with a note, when Playwright or Chromium is missing.

Targets (issue 5): >= 30 frames/s in the browser with a 100x100 grid, >= 1,000 steps/s.
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
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETUP = {"data": "spiral", "classes": 2, "n": 400, "hidden": [8, 8], "activation": "relu",
         "optimizer": "sgd", "lr": 0.03, "batch_size": 10}
HASH = "#data=spiral&classes=2&n=400&hidden=8,8&act=relu&opt=sgd&lr=0.03&bs=10"


def server_steps(repeats=5, steps=20_000):
    from layerwise.web.server import limit_blas_threads
    from layerwise.web.sessions import Session
    from layerwise.web.setup import parse_setup

    limiter = limit_blas_threads()
    try:
        s = Session(parse_setup(SETUP))
        s.train_steps(2000)  # warm up
        rates = []
        for _ in range(repeats):
            t = time.perf_counter()
            s.train_steps(steps)
            rates.append(steps / (time.perf_counter() - t))
            time.sleep(0.2)
        frame_ms = []
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(50):
                s.frame_bytes()
            frame_ms.append((time.perf_counter() - t) / 50 * 1000)
        return {"steps_per_s": statistics.median(rates), "steps_per_s_all": rates,
                "frame_ms": statistics.median(frame_ms),
                "frame_bytes": len(s.frame_bytes()), "test_acc": s.evaluate()["test_acc"]}
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


def browser_frames(seconds=10.0):
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
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url + HASH)
            deadline = time.monotonic() + 30
            while not page.evaluate("window.__lw && window.__lw.framesDrawn > 0"):
                if time.monotonic() > deadline:
                    raise RuntimeError("the page drew no frame in 30 s")
                time.sleep(0.05)
            raf = page.evaluate("""new Promise(r => { let n = 0; const t0 = performance.now();
                const f = () => { n++; if (performance.now() - t0 < 1000) requestAnimationFrame(f);
                else r(n); }; requestAnimationFrame(f); })""")
            page.click("#play")
            time.sleep(1.0)  # past the start
            read = "[__lw.framesDrawn, __lw.header.steps, performance.now()]"
            windows, first = [], page.evaluate(read)
            prev = first
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                time.sleep(2.0)
                now = page.evaluate(read)
                windows.append((now[0] - prev[0]) / ((now[2] - prev[2]) / 1000))
                prev = now
            total_s = (prev[2] - first[2]) / 1000
            draw_ms = page.evaluate("""(() => { const t = performance.now();
                for (let i = 0; i < 50; i++) window.__lw.drawAll();
                return (performance.now() - t) / 50; })()""")
            shape = page.evaluate("__lw.header.data.region.length")
            page.click("#play")
            browser.close()
        return {"frames_per_s": statistics.median(windows), "frames_per_s_windows": windows,
                "steps_per_s_while_drawing": (prev[1] - first[1]) / total_s,
                "draw_ms": draw_ms, "raf_per_s": raf, "region_cells": shape // 2}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="browser measuring time")
    ap.add_argument("--repeats", type=int, default=5, help="blocks of server steps")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args(argv)

    server = server_steps(args.repeats)
    browser = browser_frames(args.seconds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load:.1f}; numpy {np.__version__}")
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(f"| server training steps/s, 2-8-8-2, batch 10 (median of {args.repeats}) | "
          f"{server['steps_per_s']:,.0f} | >= 1,000 |")
    print(f"| server time to build one frame | {server['frame_ms']:.2f} ms "
          f"({server['frame_bytes']:,} bytes) | |")
    if "skipped" in browser:
        print(f"| browser frames/s | skipped: {browser['skipped']} | >= 30 |")
    else:
        print(f"| browser frames/s, 100x100 regions, 2-8-8-2 (median of 2 s windows) | "
              f"{browser['frames_per_s']:.1f} | >= 30 |")
        print(f"| server steps/s while the browser draws | "
              f"{browser['steps_per_s_while_drawing']:,.0f} | |")
        print(f"| browser time to draw one frame | {browser['draw_ms']:.2f} ms | |")
        print(f"| headless Chromium's animation rate (ceiling) | {browser['raf_per_s']}/s | |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"server": server, "browser": browser, "load": load}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

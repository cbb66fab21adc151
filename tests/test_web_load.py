"""A bounded load test of the playground on loopback: 20 pages training at once for 30 seconds.

The real server runs in a subprocess (``serve(port=0)``); 20 WebSocket clients each set up a
network, press play and acknowledge every frame, as the page does. Afterwards no client has
seen an error, every loss fell, the server still answers, and its memory (RSS) is back near
where it started.
"""
import asyncio
import hashlib
import json
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

websockets = pytest.importorskip("websockets")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from layerwise.web.sessions import unpack_frame  # noqa: E402

SESSIONS = 20
SECONDS = 30.0


def _rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _page(netloc, cookie, seed, seconds, results):
    """One page: set up, play, acknowledge frames; record losses and errors."""
    out = {"frames": 0, "errors": [], "first": None, "best": None, "steps": 0}
    results.append(out)
    headers = {"Cookie": cookie, "Origin": f"http://{netloc}"}
    async with websockets.connect(f"ws://{netloc}/ws", additional_headers=headers,
                                  max_size=2**22) as ws:
        await ws.send(json.dumps({"type": "setup", "setup": {
            "data": ["spiral", "circles", "moons", "gaussians"][seed % 4], "hidden": [8, 8],
            "seed": seed, "lr": 0.1}}))
        await ws.send(json.dumps({"type": "play"}))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                msg = await asyncio.wait_for(ws.recv(), timeout=max(0.05, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if isinstance(msg, bytes):
                await ws.send('{"type": "ack"}')
                header, _ = unpack_frame(msg)
                out["frames"] += 1
                loss = header["train_loss"]
                if loss is not None:  # training loss: the test loss may rise as a net overfits
                    out["first"] = out["first"] if out["first"] is not None else loss
                    out["best"] = loss if out["best"] is None else min(out["best"], loss)
                out["steps"] = header["steps"]
            else:
                m = json.loads(msg)
                if m["type"] == "error":
                    out["errors"].append(m["message"])
        await ws.send(json.dumps({"type": "pause"}))


async def _run(netloc, cookie, n, seconds):
    results = []
    await asyncio.wait_for(
        asyncio.gather(*[_page(netloc, cookie, seed, seconds, results) for seed in range(n)]),
        timeout=seconds + 60)
    return results


def _settled_rss(pid, seconds=15.0):
    """RSS once it stops falling (sessions are dropped as their sockets close)."""
    last, deadline = _rss_mb(pid), time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _rss_mb(pid)
        if now >= last - 0.5:
            return now
        last = now
    return last


@pytest.mark.slow
def test_twenty_sessions_train_for_thirty_seconds(playground_server):
    proc, url = playground_server
    parts = urlsplit(url)
    token = parse_qs(parts.query)["token"][0]
    cookie = f"layerwise_{hashlib.sha256(token.encode()).hexdigest()[:12]}={token}"

    # warm up: imports, thread pool and first allocations, so the baseline is the steady state
    warm = asyncio.run(_run(parts.netloc, cookie, 2, 2.0))
    assert all(r["frames"] for r in warm)
    start = _settled_rss(proc.pid)

    results = asyncio.run(_run(parts.netloc, cookie, SESSIONS, SECONDS))
    assert len(results) == SESSIONS
    for i, r in enumerate(results):
        assert r["errors"] == [], (i, r["errors"])
        assert r["frames"] >= 20, (i, r)
        assert r["best"] < r["first"], (i, r)

    # the server still answers, and let go of what the sessions held
    req = urllib.request.Request(f"http://{parts.netloc}/api/options", headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    end = _settled_rss(proc.pid)
    total_frames = sum(r["frames"] for r in results)
    total_steps = sum(r["steps"] for r in results)
    print(f"\n{SESSIONS} sessions, {SECONDS:g} s: {total_frames} frames "
          f"({total_frames / SECONDS / SESSIONS:.1f}/s per session), {total_steps} steps "
          f"({total_steps / SECONDS:.0f}/s in all); RSS {start:.1f} MB -> {end:.1f} MB")
    assert end - start < 25.0, (start, end)
    assert proc.poll() is None

"""The playground's server: its guard (token, Host, Origin, sizes, paths), its endpoints, and a
WebSocket session that trains."""
import http.client
import inspect
import json
import re
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

import layerwise as lw  # noqa: E402
from layerwise.engine import compiled  # noqa: E402
from layerwise.web import server as srv  # noqa: E402
from layerwise.web.sessions import Session, unpack_frame  # noqa: E402
from layerwise.web.setup import (MAX_BODY, SetupError, parse_csv,  # noqa: E402
                                 parse_setup)

with warnings.catch_warnings():  # this starlette prefers httpx2 to httpx; both work
    warnings.filterwarnings("ignore", message="Using `httpx`")
    from starlette.testclient import TestClient, WebSocketDenialResponse  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8000"
WS_URL = "ws://127.0.0.1:8000/ws"


def _client(app, base=BASE, login=True):
    c = TestClient(app, base_url=base)
    if login:
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303
    return c


@pytest.fixture
def app():
    return srv.create_app(token=TOKEN)


@pytest.fixture
def client(app):
    return _client(app)


def _recv(ws):
    """("frame", (header, arrays)) or ("json", message); frames are acknowledged."""
    m = ws.receive()
    if m["type"] == "websocket.close":
        return "close", m
    if m.get("bytes") is not None:
        ws.send_text('{"type": "ack"}')
        return "frame", unpack_frame(m["bytes"])
    return "json", json.loads(m["text"])


def _next(ws, want, limit=500):
    """The next message of kind ``want``: "frame", "close", or a JSON type such as "info"."""
    for _ in range(limit):
        kind, msg = _recv(ws)
        if kind == want or (kind == "json" and msg.get("type") == want):
            return msg
    raise AssertionError(f"no {want!r} message in {limit}")


def _setup(ws, **setup):
    ws.send_text(json.dumps({"type": "setup", "setup": setup}))
    return _next(ws, "info")


# -- listening and the token -------------------------------------------------------------------
def test_serve_listens_on_loopback_only_by_default():
    assert inspect.signature(srv.serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(srv.serve).parameters["allow_remote"].default is False
    server, sock, url = srv.make_server(port=0)
    try:
        host, port = sock.getsockname()[:2]
        assert host == "127.0.0.1" and port != 0
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        assert len(url.split("token=")[1]) >= 24
    finally:
        sock.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_another_address_needs_the_explicit_flag(host):
    with pytest.raises(ValueError, match="allow_remote"):
        srv.make_server(host=host, port=0)


def test_serve_prints_url_with_real_port_and_warns_for_remote(monkeypatch, capsys):
    # run serve() up to the point where it would block
    monkeypatch.setattr("uvicorn.Server.run", lambda self, sockets=None: [s.close() for s in sockets])
    monkeypatch.setattr(srv, "limit_blas_threads", lambda: None)
    srv.serve(port=0, open_browser=False)
    out = capsys.readouterr()
    assert "http://127.0.0.1:" in out.out and ":0/" not in out.out and "token=" in out.out
    assert "WARNING" not in out.err
    srv.serve(host="0.0.0.0", port=0, open_browser=False, allow_remote=True)
    out = capsys.readouterr()
    assert "WARNING" in out.err and "0.0.0.0" in out.err
    assert "token=" in out.out


def test_one_blas_thread_also_for_the_compiled_paths_blas():
    # a fresh interpreter: the limit, then a training step on the compiled path, which calls
    # SciPy's BLAS; every BLAS library in the process must then run one thread
    pytest.importorskip("threadpoolctl")
    from conftest import blas_threads_after

    if not compiled.available():
        pytest.skip("the compiled path (numba, SciPy) is not installed")
    libs = blas_threads_after("""
from layerwise.web.server import limit_blas_threads
from layerwise.web.sessions import Session
from layerwise.web.setup import parse_setup
limit_blas_threads()
s = Session(parse_setup({"hidden": [64, 64], "activation": "maxout", "n": 2000,
                         "batch_size": 1000}))
s.train_steps(2)
print(blas_threads())
""")
    assert any("scipy.libs" in path for path, _ in libs), libs
    assert all(n == 1 for _, n in libs), libs


def test_no_token_is_refused(app):
    c = _client(app, login=False)
    for path in ("/", "/api/options", "/static/app.js"):
        r = c.get(path)
        assert r.status_code == 401, path
        assert "token" in r.json()["error"]
    assert c.get("/?token=wrong-token", follow_redirects=False).status_code == 401
    assert c.post("/api/csv", json={"csv": "1,2,0"}).status_code == 401
    with pytest.raises(WebSocketDenialResponse) as e, c.websocket_connect(WS_URL):
        pass
    assert e.value.status_code in (401, 403)


def test_token_becomes_a_strict_httponly_cookie(app):
    c = _client(app, login=False)
    r = c.get(f"/?token={TOKEN}&x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/?x=1"  # the token leaves the address bar
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN in cookie
    page = c.get("/")
    assert page.status_code == 200 and "<canvas id=\"regions\"" in page.text
    # the page is locked down: scripts from this server only, no framing
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"


# -- Host and Origin ---------------------------------------------------------------------------
@pytest.mark.parametrize("base", ["http://evil.example:8000", "http://127.0.0.1.evil.example",
                                  "http://10.0.0.1:8000"])
def test_foreign_host_is_refused(app, base):
    cookies = dict(_client(app).cookies)  # logged in on 127.0.0.1
    r = TestClient(app, base_url=base, cookies=cookies).get("/api/options")
    assert r.status_code == 403
    assert "host" in r.json()["error"]


def test_host_allowlist_checks_the_port():
    app = srv.create_app(token=TOKEN, allowed_hosts=["127.0.0.1:8000", "localhost:8000"])
    c = _client(app)
    assert c.get("/api/options").status_code == 200
    r = TestClient(app, base_url="http://127.0.0.1:9999", cookies=dict(c.cookies)).get(
        "/api/options")
    assert r.status_code == 403


def test_foreign_origin_is_refused(client):
    assert client.get("/api/options", headers={"origin": BASE}).status_code == 200
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999", "file://"):
        r = client.get("/api/options", headers={"origin": origin})
        assert r.status_code == 403, origin
        r = client.post("/api/csv", json={"csv": "1,2,0"}, headers={"origin": origin})
        assert r.status_code == 403, origin
    with pytest.raises(WebSocketDenialResponse) as e, \
            client.websocket_connect(WS_URL, headers={"origin": "http://evil.example"}):
        pass
    assert e.value.status_code == 403
    with client.websocket_connect(WS_URL, headers={"origin": BASE}) as ws:
        assert _setup(ws)["type"] == "info"


# -- sizes, paths, malformed input -------------------------------------------------------------
def test_oversized_body_is_413(client):
    big = json.dumps({"csv": "0,0,0\n" * (MAX_BODY // 6 + 10)})
    assert len(big) > MAX_BODY
    r = client.post("/api/csv", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]

    def chunks():  # no content-length: the guard counts as the body streams in
        for _ in range(20):
            yield b" " * (MAX_BODY // 10)

    r = client.post("/api/csv", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.fixture(scope="module")
def live():
    """A real uvicorn server on a free loopback port, for requests a client library would
    normalize (``../``)."""
    server, sock, url = srv.make_server(port=0)
    t = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    port = int(url.split(":")[2].split("/")[0])
    token = url.split("token=")[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", f"/?token={token}")
    resp = conn.getresponse()
    resp.read()
    cookie = resp.getheader("set-cookie").split(";")[0]
    yield port, cookie
    server.should_exit = True
    t.join(5)


@pytest.mark.parametrize("path", [
    "/static/../server.py", "/static/../../pyproject.toml", "/static/%2e%2e/server.py",
    "/static/%2e%2e%2fserver.py", "/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fsetup.py",
    "/static/%2E%2E", "/static/..", "/../../etc/passwd", "/static/%252e%252e/server.py",
    "/static/sessions.py",
])
def test_path_traversal_is_404(live, path):
    port, cookie = live
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)  # sent byte for byte, never normalized
    conn.putheader("Host", f"127.0.0.1:{port}")
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 404, (path, resp.status)
    assert b"import" not in body and b"root:" not in body


def test_live_server_serves_the_page(live):
    port, cookie = live
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/static/app.js", headers={"Cookie": cookie})
    resp = conn.getresponse()
    assert resp.status == 200 and b"WebSocket" in resp.read()


@pytest.mark.parametrize("body", [b"{bad json", b"", b"[1, 2]", b'{"csv": NaN}', b"\xff\xfe",
                                  b'"text"', b"[" * 200_000, b'{"csv": Infinity}'])
def test_malformed_json_is_400(client, body):
    for path in ("/api/csv", "/api/model"):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (path, body)
        assert r.json()["error"]


def test_wrong_content_type_is_415(client):
    r = client.post("/api/csv", content=b"0,0,0", headers={"content-type": "text/csv"})
    assert r.status_code == 415 and "JSON" in r.json()["error"]


def test_unknown_session_and_methods_are_4xx(client):
    assert client.post("/api/model", json={"session": "nope"}).status_code == 404
    assert client.post("/api/model", json={"session": 3}).status_code == 404
    assert client.get("/api/model").status_code == 405
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/static/").status_code == 404


# -- CSV upload ---------------------------------------------------------------------------------
def _csv_text(n=60, classes=("a", "b", "c")):
    rng = np.random.default_rng(0)
    rows = [f"{x:.4f},{y:.4f},{classes[i % len(classes)]}"
            for i, (x, y) in enumerate(rng.normal(size=(n, 2)))]
    return "x,y,label\n" + "\n".join(rows)


def test_csv_upload_returns_numbered_classes(client):
    r = client.post("/api/csv", json={"csv": _csv_text()})
    assert r.status_code == 200
    body = r.json()
    assert body["classes"] == 3 and body["labels"] == ["a", "b", "c"]
    assert len(body["points"]) == 60 and {p[2] for p in body["points"]} == {0, 1, 2}
    # numeric labels keep their order, -1/+1 included
    text = "\n".join(f"{i},{i % 7},{-1 if i % 2 else 1}" for i in range(20))
    assert parse_csv(text)["labels"] == ["-1", "1"]


@pytest.mark.parametrize("text, message", [
    ("x,y\n1,2\n", "3 values"),
    ("1,2,0\n" * 5, "at least 10"),
    ("1,2,0\n" * 20, "two classes"),
    ("0,0,0\n1,nan,0\n" + "1,2,1\n" * 20, "finite"),
    ("1,1e9,0\n" + "1,2,1\n" * 20, "finite"),
    ("1 2 0\n", "commas"),
    ("\n\n", "no rows"),
    ("".join(f"{i},{i},{i % 11}\n" for i in range(40)), "at most 10 classes"),
    ("".join(f"{i},{i},{i % 2}\n" for i in range(10_001)), "at most 10,000 rows"),
])
def test_bad_csv_is_400_with_a_message(client, text, message):
    r = client.post("/api/csv", json={"csv": text})
    assert r.status_code == 400
    assert message in r.json()["error"]


# -- setups -------------------------------------------------------------------------------------
@pytest.mark.parametrize("setup, message", [
    ({"hidden": [8] * 9}, "at most 8 hidden layers"),
    ({"hidden": [65]}, "[1, 64]"),
    ({"hidden": [0]}, "[1, 64]"),
    ({"hidden": "8,8"}, "list"),
    ({"n": 10_001}, "[10, 10000]"),
    ({"n": 9000, "extra": [[0, 0, 0]] * 1001}, "at most 10,000 points"),
    ({"activation": "swish"}, "relu"),
    ({"loss": "mse"}, "softmax"),
    ({"optimizer": "lbfgs"}, "adam"),
    ({"lr": 0}, "(0.0, 10.0]"),
    ({"lr": "0.1"}, "number"),
    ({"lr": True}, "number"),
    ({"dropout": 0.95}, "[0.0, 0.9]"),
    ({"classes": 6}, "2 to 5"),
    ({"data": "mnist"}, "spiral"),
    ({"data": "custom"}, "at least 10 points"),
    ({"points": [[0, 0, 0]] * 12}, "only custom data"),
    ({"extra": [[0, 0, 5]]}, "[0, 1]"),
    ({"extra": [[0, "x", 0]]}, "finite"),
    ({"batch_size": 1.5}, "integer"),
    ({"colour": "red"}, "unknown field"),
])
def test_bad_setups_are_refused_with_a_message(setup, message):
    with pytest.raises(SetupError) as e:
        parse_setup(setup)
    assert message in str(e.value)


def test_oversized_network_is_refused_over_the_websocket(client):
    with client.websocket_connect(WS_URL) as ws:
        ws.send_text(json.dumps({"type": "setup", "setup": {"hidden": [64] * 9}}))
        err = _next(ws, "error")
        assert "at most 8 hidden layers" in err["message"]
        ws.send_text(json.dumps({"type": "setup", "setup": {"hidden": [100]}}))
        assert "[1, 64]" in _next(ws, "error")["message"]
        # the largest allowed network is fine
        info = _setup(ws, hidden=[64] * 8)
        assert info["depth"] == 9 and info["neurons"] == 64 * 8 + 2


def test_malformed_websocket_messages_get_errors_and_the_session_goes_on(client):
    with client.websocket_connect(WS_URL) as ws:
        ws.send_text("{not json")
        assert "malformed JSON" in _next(ws, "error")["message"]
        ws.send_text(json.dumps({"type": "play"}))
        assert "setup" in _next(ws, "error")["message"]
        ws.send_text(json.dumps({"type": "dance"}))
        assert "unknown message type" in _next(ws, "error")["message"]
        ws.send_bytes(b"\x00\x01")
        assert "binary" in _next(ws, "error")["message"]
        ws.send_text("x" * (MAX_BODY + 1))
        assert "limit" in _next(ws, "error")["message"]
        ws.send_text("[" * 100_000)
        assert "malformed JSON" in _next(ws, "error")["message"]
        ws.send_text('{"type": "setup", "setup": {"lr": 1e400, "hidden": [8]}}')  # inf
        assert "lr" in _next(ws, "error")["message"]
        assert _setup(ws)["name"] == "3-layer network"


# -- a session ----------------------------------------------------------------------------------
def test_websocket_session_trains_and_its_loss_falls(client, app):
    with client.websocket_connect(WS_URL) as ws:
        info = _setup(ws, data="spiral", classes=3, n=300, hidden=[16, 16], lr=0.1)
        assert (info["name"], info["neurons"], info["params"]) == ("3-layer network", 35, 371)
        assert len(info["train"]["x"]) == 150 and info["classes"] == 3
        first, arrays = _next(ws, "frame")
        assert first["epoch"] == 0 and arrays["region"].shape == (2, 100, 100)
        assert arrays["units"].shape == (2 + 16 + 16 + 3, 20, 20)
        ws.send_text(json.dumps({"type": "play"}))
        assert _next(ws, "state")["playing"] is True
        header = first
        for _ in range(2000):
            header, arrays = _next(ws, "frame")
            if header["steps"] >= 4000:
                break
        ws.send_text(json.dumps({"type": "pause"}))
        assert header["steps"] >= 4000
        assert header["test_loss"] < 0.5 * first["test_loss"]
        assert header["train_loss"] < 0.5 * first["train_loss"]
        assert header["epoch"] >= 4000 * 10 // 150 - 1
        assert app.state.registry.sessions  # alive while the page is open
    for _ in range(100):  # and dropped when it closes
        if not app.state.registry.sessions:
            break
        time.sleep(0.02)
    assert not app.state.registry.sessions


def test_step_reset_and_hot_changes(client):
    with client.websocket_connect(WS_URL) as ws:
        _setup(ws, n=200, batch_size=10)
        start, start_arrays = _next(ws, "frame")
        ws.send_text(json.dumps({"type": "step"}))
        h, _ = _next(ws, "frame")
        assert (h["epoch"], h["steps"]) == (1, 10)  # one epoch: 100 training points / 10
        # the learning rate changes while training goes on
        info = _setup(ws, n=200, batch_size=10, lr=0.3)
        assert info["what"] == "update" and "train" not in info
        h, _ = _next(ws, "frame")
        assert h["epoch"] == 1
        # a click adds a training point: training goes on with it
        info = _setup(ws, n=200, batch_size=10, lr=0.3, extra=[[0.1, 0.2, 1]])
        assert info["what"] == "data" and len(info["train"]["x"]) == 101
        # reset starts over from the same seed: the very same first frame
        ws.send_text(json.dumps({"type": "reset"}))
        assert _next(ws, "info")["what"] == "reset"
        h, arrays = _next(ws, "frame")
        assert h["epoch"] == 0 and h["steps"] == 0
        info = _setup(ws, n=200, batch_size=10)
        assert info["what"] == "reset"
        h, arrays = _next(ws, "frame")
        assert np.array_equal(arrays["region"], start_arrays["region"])
        assert h["test_loss"] == start["test_loss"]
        # a new architecture is a fresh network
        info = _setup(ws, n=200, batch_size=10, hidden=[4])
        assert info["what"] == "reset" and info["name"] == "2-layer network"


def test_divergence_stops_training_with_a_message(client):
    with client.websocket_connect(WS_URL) as ws:
        _setup(ws, activation="identity", lr=10)
        ws.send_text(json.dumps({"type": "play"}))
        err = _next(ws, "error")
        assert "diverged" in err["message"] and "learning rate" in err["message"]
        ws.send_text(json.dumps({"type": "play"}))
        assert "reset" in _next(ws, "error")["message"]
        # a lower learning rate lets training go on from the restored weights
        assert _setup(ws, activation="identity", lr=0.01)["what"] == "update"
        ws.send_text(json.dumps({"type": "play"}))
        assert _next(ws, "state")["playing"] is True
        header, _ = _next(ws, "frame")
        assert not header["diverged"] and np.isfinite(header["test_loss"])


def test_model_download_and_snippet_rebuild_the_network(client, app, tmp_path):
    with client.websocket_connect(WS_URL) as ws:
        info = _setup(ws, data="xor", hidden=[6], activation="tanh", dropout=0.1)
        ws.send_text(json.dumps({"type": "step"}))
        # a frame drawn before the step was asked for may be dropped: wait for the step's
        while _next(ws, "frame")[0]["epoch"] != 1:
            pass
        r = client.post("/api/model", json={"session": info["session"]})
        assert r.status_code == 200
        assert "attachment" in r.headers["content-disposition"]
        path = tmp_path / "layerwise-playground.safetensors"
        path.write_bytes(r.content)
        net = lw.load(path)
        session = app.state.registry.get(info["session"])
        X = np.random.default_rng(0).normal(size=(50, 2))
        assert np.array_equal(net(X), session.net(X))
        assert lw.io.read_metadata(path)["trained_in"] == "layerwise playground"
    # the snippet runs as it is, next to the downloaded file
    out = subprocess.run([sys.executable, "-c", info["snippet"]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "2-layer network" in out.stdout
    assert 'lw.Network([2, 6, 2], activation="tanh", dropout=0.1)' in info["snippet"]


def test_idle_sessions_are_dropped():
    app = srv.create_app(token=TOKEN, idle_timeout=0.4)
    c = _client(app)
    with c.websocket_connect(WS_URL) as ws:
        _setup(ws)
        _next(ws, "frame")
        err = _next(ws, "error")
        assert "without a message" in err["message"]
        assert _next(ws, "close")["code"] == 1001
    for _ in range(100):
        if not app.state.registry.sessions:
            break
        time.sleep(0.02)
    assert not app.state.registry.sessions


def test_the_number_of_sessions_is_bounded():
    app = srv.create_app(token=TOKEN, max_sessions=1)
    c = _client(app)
    with c.websocket_connect(WS_URL) as ws:
        _setup(ws)
        with c.websocket_connect(WS_URL) as ws2:
            assert "already runs 1 sessions" in _next(ws2, "error")["message"]
            assert _next(ws2, "close")["code"] == 1013


# -- frames -------------------------------------------------------------------------------------
def test_frames_report_dead_units_as_the_monitor_counts_them():
    # a high learning rate kills ReLUs (seed §2.3.3)
    s = Session(parse_setup({"hidden": [32, 32], "lr": 3.0, "optimizer": "sgd"}))
    s.train_steps(300)
    header, arrays = unpack_frame(s.frame_bytes())
    expected = lw.monitor.dead_fraction(s.net, s.X_train)
    assert header["dead"] == [expected[i] for i in sorted(expected)]
    assert any(header["dead"])
    assert [sum(d) / len(d) for d in header["dead_units"]] == header["dead"]


def test_frame_region_matches_the_network():
    s = Session(parse_setup({"data": "gaussians", "classes": 4, "hidden": [8]}))
    s.train_steps(500)
    header, arrays = unpack_frame(s.frame_bytes())
    x0, x1, y0, y1 = s.extent
    # the cell at row r, column c is centred at (x0 + (c+.5) dx, y1 - (r+.5) dy)
    r, c = 10, 70
    pt = np.array([[x0 + (c + 0.5) * (x1 - x0) / 100, y1 - (r + 0.5) * (y1 - y0) / 100]])
    assert arrays["region"][0, r, c] == s.net.predict(pt)[0]
    assert header["sizes"] == [2, 8, 4]
    assert [list(m) for m in header["link_shapes"]] == [[8, 2], [4, 8]]
    assert arrays["links"][:16].reshape(8, 2).tolist() == s.net.layers[0].weight.tolist()


def test_maxout_and_prelu_sessions_draw():
    for act in ("maxout", "prelu"):
        s = Session(parse_setup({"activation": act, "hidden": [5, 3]}))
        s.train_steps(50)
        header, arrays = unpack_frame(s.frame_bytes())
        assert arrays["units"].shape == (2 + 5 + 3 + 2, 20, 20)
        assert header["link_shapes"] == [[5, 2], [3, 5], [2, 3]]


def test_same_setup_same_run():
    a = Session(parse_setup({"data": "moons", "dropout": 0.2, "input_noise": 0.1}))
    b = Session(parse_setup({"data": "moons", "dropout": 0.2, "input_noise": 0.1}))
    a.train_steps(123)
    b.train_steps(123)
    assert np.array_equal(a.net.flat_params, b.net.flat_params)


def test_no_hidden_layer_is_the_seeds_single_layer_network():
    s = Session(parse_setup({"hidden": [], "data": "gaussians", "classes": 3}))
    s.train_steps(100)
    info = s.info(with_points=False)
    assert (info["name"], info["neurons"], info["params"]) == ("1-layer network", 3, 9)
    header, arrays = unpack_frame(s.frame_bytes())
    assert header["dead"] == [] and arrays["units"].shape == (2 + 3, 20, 20)


# -- links that open anywhere ---------------------------------------------------------------------
def test_a_browser_without_a_token_gets_a_page_that_says_how_to_get_in(app):
    c = _client(app, login=False)
    for path in ("/", "/?lesson=l2", "/?token=wrong-token"):
        r = c.get(path, headers={"accept": "text/html,application/xhtml+xml"},
                  follow_redirects=False)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("text/html")
        assert "layerwise serve" in r.text and "open the address it prints" in r.text
        assert TOKEN not in r.text
        csp = r.headers["content-security-policy"]
        # its inline script and style run by their hashes only; nothing else is allowed
        assert "script-src 'sha256-" in csp and "unsafe" not in csp and "default-src 'none'" in csp
    # scripts and the API still answer only to the token, with JSON
    for path in ("/api/options", "/static/app.js"):
        r = c.get(path, headers={"accept": "text/html"})
        assert r.status_code == 401 and "token" in r.json()["error"]


def test_a_refused_handshake_logs_no_asgi_error(live):
    import logging

    import websockets.sync.client as wsc

    port, cookie = live
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    log = logging.getLogger("uvicorn.error")
    log.addHandler(handler)
    try:
        for headers in ({}, {"Cookie": cookie, "Origin": "http://evil.example"}):
            with pytest.raises(Exception, match="40[13]"):
                wsc.connect(f"ws://127.0.0.1:{port}/ws", additional_headers=headers,
                            open_timeout=5)
        time.sleep(0.2)
        assert not [m for m in seen if "ASGI" in m], seen
        # without the server's filter uvicorn says it (so this test can tell)
        filters = list(log.filters)
        for f in filters:
            log.removeFilter(f)
        try:
            with pytest.raises(Exception, match="401"):
                wsc.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5)
            time.sleep(0.2)
        finally:
            for f in filters:
                log.addFilter(f)
        assert [m for m in seen if "without completing handshake" in m]
    finally:
        log.removeHandler(handler)


# -- TensorFlow Playground's features -------------------------------------------------------------
def test_features_set_the_first_layer_and_are_what_the_network_sees():
    s = Session(parse_setup({"features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1",
                                          "sin_x2"], "hidden": [4]}))
    assert s.setup.sizes == [7, 4, 2] and s.net.layers[0].in_features == 7
    P = s.points_train
    np.testing.assert_allclose(s.X_train, np.stack([P[:, 0], P[:, 1], P[:, 0] ** 2, P[:, 1] ** 2,
                                                    P[:, 0] * P[:, 1], np.sin(P[:, 0]),
                                                    np.sin(P[:, 1])], 1), rtol=1e-6)
    header, arrays = unpack_frame(s.frame_bytes())
    assert arrays["units"].shape[0] == 7 + 4 + 2  # every feature drawn as an input unit
    # the order on the page, whatever the link's order
    assert parse_setup({"features": ["sin_x1", "x1"]}).features == ["x1", "sin_x1"]
    with pytest.raises(SetupError, match="features.*got 'x3'"):
        parse_setup({"features": ["x1", "x3"]})
    with pytest.raises(SetupError, match="features: expected a non-empty list"):
        parse_setup({"features": []})


@pytest.mark.parametrize("data", ["tf_circle", "tf_xor", "tf_gauss", "tf_spiral"])
def test_tensorflow_playground_sets_lie_in_its_square_and_are_learned(data):
    s = Session(parse_setup({"data": data, "n": 500, "noise": 0.0, "hidden": [8, 8],
                             "features": ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1",
                                          "sin_x2"], "lr": 0.03, "batch_size": 10}))
    assert s.extent == [-6.0, 6.0, -6.0, 6.0]
    assert np.abs(s.points_train).max() <= 6.0 and set(np.unique(s.y_train)) == {0, 1}
    s.train_steps(8000 if data == "tf_spiral" else 3000)
    assert s.evaluate()["train_acc"] >= 0.9, data


@pytest.mark.parametrize("data", ["reg_plane", "reg_gauss"])
def test_regression_trains_with_mse_and_draws_a_continuous_map(data):
    with pytest.raises(SetupError, match="regression set and takes mse"):
        parse_setup({"data": data})
    with pytest.raises(SetupError, match="classification set and takes softmax"):
        parse_setup({"loss": "mse"})
    s = Session(parse_setup({"data": data, "loss": "mse", "hidden": [8, 8], "activation": "tanh",
                             "n": 500, "noise": 0.0, "lr": 0.03, "batch_size": 10}))
    assert s.setup.sizes == [2, 8, 8, 1] and s.y_train.dtype == np.float32
    assert np.abs(s.y_train).max() <= 1.2 + 1e-6
    first = s.evaluate()["train_loss"]
    s.train_steps(4000)
    header, arrays = unpack_frame(s.frame_bytes())
    assert header["regression"] and header["train_acc"] is None
    assert header["train_loss"] < 0.5 * first
    region = arrays["region"]
    assert len(np.unique(region[0])) > 40  # a continuous map, not a few classes
    # the plane's value at a cell is the network's output there, clipped to [-1, 1]
    r = header["region_size"]
    cell = np.array([[-6 + 12 * (0.5 + 3) / r, 6 - 12 * (0.5 + 5) / r]], np.float32)
    out = float(np.clip(s.net(cell)[0, 0], -1, 1))
    assert abs(region[0, 5, 3] / 127.5 - 1 - out) <= 1 / 127.5 + 1e-6
    info = s.info()
    assert info["regression"] and isinstance(info["train"]["label"][0], float)


def test_a_weight_and_a_bias_are_edited_by_hand(client):
    with client.websocket_connect(WS_URL) as ws:
        _setup(ws, hidden=[3])
        _next(ws, "frame")
        ws.send_text(json.dumps({"type": "edit", "layer": 0, "neuron": 2, "input": 1,
                                 "value": 2.5}))
        h, arrays = _next(ws, "frame")
        W = arrays["links"][:6].reshape(3, 2)
        assert W[2, 1] == 2.5
        ws.send_text(json.dumps({"type": "edit", "layer": 1, "neuron": 0, "input": None,
                                 "value": -0.75}))
        h, arrays = _next(ws, "frame")
        assert arrays["biases"][3] == -0.75  # after the 3 hidden biases
        for bad, message in [({"layer": 5}, "layer: expected a weight layer in \\[0, 1\\], got 5"),
                             ({"neuron": 3}, "neuron: expected an index in \\[0, 2\\], got 3"),
                             ({"value": "x"}, "value: expected a finite number"),
                             ({"value": 1e9}, "within \\+-1000, got 1000000000")]:
            msg = dict({"type": "edit", "layer": 0, "neuron": 0, "input": 0, "value": 1.0}, **bad)
            ws.send_text(json.dumps(msg))
            err = _next(ws, "error")["message"]
            assert err.startswith("edit: ") and re.search(message, err), err
    s = Session(parse_setup({"hidden": [3]}))
    for bad, message in [((5, 0, 0, 1.0), r"layer: expected a weight layer in \[0, 1\], got 5"),
                         ((0, 3, 0, 1.0), r"neuron: expected an index in \[0, 2\], got 3"),
                         ((0, 0, 2, 1.0), r"input: expected an index in \[0, 1\]"),
                         ((0, 0, 0, float("nan")), "value: expected a finite number")]:
        with pytest.raises(ValueError, match=message):
            s.edit(*bad)


def test_sessions_train_with_the_trainers_step(monkeypatch):
    s = Session(parse_setup({"hidden": [4], "n": 100, "batch_size": 10}))
    calls = []
    step = s.trainer.step
    monkeypatch.setattr(s.trainer, "step", lambda X, y: calls.append(len(X)) or step(X, y))
    assert s.train_steps(7) == 7 and calls == [10] * 7


def test_of_many_waiting_setups_the_newest_is_built(client):
    with client.websocket_connect(WS_URL) as ws:
        _setup(ws, hidden=[2])
        for h in range(3, 40):
            ws.send_text(json.dumps({"type": "setup", "setup": {"hidden": [h]}}))
        last = None
        while last is None or last["sizes"] != [2, 39, 2]:
            last = _next(ws, "info")
        assert last["neurons"] == 41


def test_a_large_network_draws_coarser_grids_and_a_sample_of_its_points():
    from layerwise.web import sessions

    s = Session(parse_setup({"data": "spiral", "n": 10_000, "ratio": 0.9, "hidden": [64] * 8,
                             "activation": "maxout", "batch_size": 10_000, "lr": 0.001}))
    header, arrays = unpack_frame(s.frame_bytes())
    r, u = header["region_size"], header["unit_size"]
    assert (r, u) in sessions.RESOLUTIONS and r < 100
    assert arrays["region"].shape == (2, r, r) and arrays["units"].shape == (2 + 512 + 2, u, u)
    assert sessions.EVAL_MIN <= header["eval_points"][0] <= sessions.EVAL_MAX < 9000
    small = Session(parse_setup({}))
    header, _ = unpack_frame(small.frame_bytes())
    assert header["region_size"] == 100 and header["eval_points"] == [200, 200]


def test_a_csv_whose_first_row_holds_nan_is_refused_not_taken_as_a_header():
    rows = "\n".join(f"{i},{i % 3},{i % 2}" for i in range(12))
    with pytest.raises(SetupError, match="line 1: x and y must be finite.*'nan'"):
        parse_csv("nan,1,0\n" + rows)
    with pytest.raises(SetupError, match="line 1: x and y must be finite.*'inf'"):
        parse_csv("1,inf,0\n" + rows)
    assert len(parse_csv("x,y,label\n" + rows)["points"]) == 12


def test_uploaded_labels_travel_in_the_setup():
    pts = [[float(i), float(i % 3), i % 2] for i in range(12)]
    s = parse_setup({"data": "custom", "points": pts, "labels": ["cat", "dog"]})
    assert s.labels == ["cat", "dog"]
    with pytest.raises(SetupError, match="labels: 3 names for 2 classes"):
        parse_setup({"data": "custom", "points": pts, "labels": ["a", "b", "c"]})


def test_init_scale_multiplies_the_initial_weights():
    a = Session(parse_setup({"activation": "sigmoid", "hidden": [16, 16]}))
    b = Session(parse_setup({"activation": "sigmoid", "hidden": [16, 16], "init_scale": 10}))
    np.testing.assert_allclose(b.net.layers[0].weight, 10 * a.net.layers[0].weight, rtol=1e-6)
    # the seed's warning (§2.3.1): too large initial weights saturate the sigmoids
    assert a.evaluate()["saturated"] < 0.05 and b.evaluate()["saturated"] > 0.3


@pytest.mark.skipif(not compiled.available(), reason="numba is not installed")
def test_sessions_train_on_the_compiled_path_with_the_same_steps():
    # 50 training points in batches of 10: runs of 7, 3, 12 and 1 steps cross epoch ends
    setup = parse_setup({"hidden": [6, 6], "n": 100, "batch_size": 10, "input_noise": 0.1,
                         "reg_type": "l2", "reg": 0.01, "optimizer": "adam", "lr": 0.01})
    fast, slow = Session(setup), Session(setup)
    slow.trainer.compiled = False
    assert compiled.covers(fast.trainer) and not compiled.covers(slow.trainer)
    runs = []
    run_epoch = fast.trainer.run_epoch
    fast.trainer.run_epoch = lambda X, y, order: runs.append(len(X)) or run_epoch(X, y, order)
    for k in (7, 3, 12, 1):
        assert fast.train_steps(k) == slow.train_steps(k) == k
        assert (fast.epoch, fast._pos) == (slow.epoch, slow._pos)
    assert fast.epoch == 4 and fast.steps == 23
    # one compiled run to each epoch's end or to the call's last step
    assert runs == [50, 20, 30, 50, 50, 20, 10]
    np.testing.assert_allclose(fast.net.flat_params, slow.net.flat_params, rtol=1e-4,
                               atol=1e-6)

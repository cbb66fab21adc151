"""The playground's web server: a Starlette app on uvicorn, training with layerwise itself.

``serve()`` binds 127.0.0.1 (another address only with ``allow_remote=True``, which prints a
warning), makes a random token, prints the URL that carries it and opens the browser. The page
trades the token for a cookie (HttpOnly, SameSite=Strict) and from then on every request must
carry it. Every request must also name an allowed Host, and a request that carries an Origin
must come from the page itself. No endpoint takes a file path: the static files are three
names looked up in a fixed table, and models are downloaded from memory.

Endpoints
---------
``GET /``                 the page
``GET /static/NAME``      its script and style sheet
``GET /api/options``      what the page offers (activations, losses, ...) and the limits
``POST /api/csv``         ``{"csv": text}`` -> the points of an uploaded CSV (x, y, label)
``POST /api/model``       ``{"session": id}`` -> that session's network as a safetensors file
``WS /ws``                one session per connection: setups and commands in, frames out

Malformed input gets a 4xx answer with a message: 400 (bad JSON or values), 401 (no token),
403 (foreign Host or Origin), 404, 413 (a body over 1 MB), 415 (not JSON). A browser that asks
for the page without a valid token (a shared link, or a server restarted since) gets, with its
401, a page that says how to get in and keeps the link in the browser's storage; the page takes
it back once it is opened with the printed URL (and ``/?lesson=NAME`` opens that lesson).

>>> app = create_app(token="t0ken")
>>> sorted(r.path for r in app.routes)
['/', '/api/csv', '/api/model', '/api/options', '/static/{name}', '/ws']
"""
from __future__ import annotations

import asyncio
import base64
import contextvars
import ctypes
import hashlib
import http.cookies
import ipaddress
import json
import logging
import os
import re
import secrets
import socket
import sys
import threading
import time
import webbrowser
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit

try:
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.datastructures import Headers
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect
except ImportError as e:  # pragma: no cover - depends on the installed extras
    raise ImportError("the playground needs starlette and uvicorn; install them with "
                      "`pip install layerwise[web]`") from e

from .sessions import Session
from .setup import MAX_BODY, SetupError, options, parse_csv, parse_setup

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
IDLE_TIMEOUT = 600.0  # seconds without a message from the page before its session is dropped
MAX_SESSIONS = 32
# at most 72 frames a second: a little above the page's 60 Hz, so that a fresh frame is there
# at every animation frame; the page's acknowledgements hold the rest back
FRAME_INTERVAL = 1 / 72
MAX_INFLIGHT = 2  # frames sent but not yet drawn (acknowledged) by the page
STALL_S = 1.0  # a page that draws nothing for this long (a hidden tab) stops the training
CHUNK_S = 0.008  # training between two snapshots (one step at the least): a fresh one per frame

_STATIC = {"index.html": "text/html; charset=utf-8",
           "app.js": "text/javascript; charset=utf-8",
           "style.css": "text/css; charset=utf-8"}
_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
     b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def _load_static() -> dict:
    files = resources.files("layerwise.web") / "static"
    return {name: (files / name).read_bytes() for name in _STATIC}


def _landing():
    """The page a browser gets without a valid token: how to get in, and its link kept.

    Returns ``(html, content-security-policy)``: its one script and one style sheet are inline,
    allowed by their hashes and nothing else.
    """
    html = (resources.files("layerwise.web") / "static" / "landing.html").read_bytes()

    def digest(tag):
        body = re.search(rb"<" + tag + rb">(.*?)</" + tag + rb">", html, re.S).group(1)
        return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"

    csp = (f"default-src 'none'; script-src {digest(b'script')}; style-src {digest(b'style')}; "
           f"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return html, csp.encode()


# ------------------------------------------------------------------------------------------------
# the guard: Host, Origin, token, body size, headers; before any route sees the request
# ------------------------------------------------------------------------------------------------
class Guard:
    """ASGI middleware that refuses what the playground must never serve.

    Parameters
    ----------
    app : ASGI app
    token : str
        The secret of this server; accepted once as ``?token=`` (then kept in a cookie).
    allowed_hosts : list of str or None
        ``"host"`` (any port) or ``"host:port"``; None accepts any Host (a server reachable
        from other machines, where the token alone guards it).
    max_body : int
        Largest request body in bytes.
    """

    def __init__(self, app, token, allowed_hosts, max_body=MAX_BODY):
        self.app, self.token, self.max_body = app, token, max_body
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        # one cookie name per token, so two servers on one machine keep their own
        self.cookie = "layerwise_" + hashlib.sha256(token.encode()).hexdigest()[:12]
        self.landing, self.landing_csp = _landing()

    def host_ok(self, host: str) -> bool:
        host = host.lower()
        if not host or any(c in host for c in "/\\@ \t"):
            return False
        if self.allowed is None:
            return True
        if host in self.allowed:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in self.allowed

    def token_ok(self, candidate) -> bool:
        return isinstance(candidate, str) and secrets.compare_digest(
            candidate.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.host_ok(host):
            return await self.deny(scope, receive, send, 403,
                                   f"host {host!r} is not allowed here; open the URL that "
                                   f"`layerwise serve` printed")
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return await self.deny(scope, receive, send, 403,
                                       f"cross-origin request from {origin!r} refused: only the "
                                       f"playground's own page may call it")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except http.cookies.CookieError:
            pass
        has_cookie = self.cookie in cookies and self.token_ok(cookies[self.cookie].value)
        if given and kind == "http" and scope["method"] in ("GET", "HEAD"):
            if not self.token_ok(given[0]):
                return await self.deny(scope, receive, send, 401,
                                       "wrong token: open the URL that `layerwise serve` printed")
            # trade the token for a cookie and drop it from the address bar
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            cookie = (f"{self.cookie}={self.token}; HttpOnly; SameSite=Strict; Path=/")
            resp = Response(status_code=303, headers={"location": location,
                                                      "set-cookie": cookie})
            return await resp(scope, receive, self._with_headers(send))
        if not has_cookie:
            return await self.deny(scope, receive, send, 401,
                                   "missing or wrong token: open the URL with ?token=... that "
                                   "`layerwise serve` printed")
        if kind == "http":
            size = headers.get("content-length")
            if size is not None and (not size.isdigit() or int(size) > self.max_body):
                return await self.deny(scope, receive, send, 413,
                                       f"request body of {size} bytes is over the limit of "
                                       f"{self.max_body:,} bytes")
            body, more = [], True
            total = 0
            while more:
                msg = await receive()
                if msg["type"] != "http.request":
                    return  # the client went away
                chunk = msg.get("body", b"")
                total += len(chunk)
                if total > self.max_body:
                    return await self.deny(scope, receive, send, 413,
                                           f"request body is over the limit of "
                                           f"{self.max_body:,} bytes")
                body.append(chunk)
                more = msg.get("more_body", False)
            replay = [{"type": "http.request", "body": b"".join(body), "more_body": False}]

            async def receive_body():
                return replay.pop() if replay else await receive()

            return await self.app(scope, receive_body, self._with_headers(send))
        return await self.app(scope, receive, send)

    @staticmethod
    def _with_headers(send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message, headers=list(message.get("headers", [])) + [
                    (k, v) for k, v in _SECURITY_HEADERS if k not in have])
            await send(message)
        return send_with_headers

    async def deny(self, scope, receive, send, status, message):
        if status == 401 and scope["type"] == "http" and scope["path"] == "/" \
                and scope["method"] in ("GET", "HEAD") \
                and "text/html" in Headers(scope=scope).get("accept", ""):
            # a browser that followed a shared link: say how to get in, and keep the link
            resp = Response(self.landing, status_code=401, media_type="text/html; charset=utf-8",
                            headers={"content-security-policy": self.landing_csp.decode()})
            return await resp(scope, receive, self._with_headers(send))
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if scope["type"] == "http":
            resp = Response(body, status_code=status, media_type="application/json")
            return await resp(scope, receive, self._with_headers(send))
        await receive()  # websocket.connect
        _REFUSED_HANDSHAKE.set(True)
        if "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": status,
                        "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # the server answers a close before accept with 403
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})


# uvicorn's WebSocket protocol logs "ASGI callable returned without completing handshake" after
# a handshake refused with an HTTP answer, although it sends that answer as it should. The flag
# is set in the task that runs the app, and the filter drops that one line for those tasks only.
_REFUSED_HANDSHAKE = contextvars.ContextVar("layerwise_refused_handshake", default=False)


class _RefusedHandshakeFilter(logging.Filter):
    def filter(self, record):
        return not (_REFUSED_HANDSHAKE.get() and "without completing handshake"
                    in record.getMessage())


# ------------------------------------------------------------------------------------------------
# HTTP endpoints
# ------------------------------------------------------------------------------------------------
async def _json_body(request: Request) -> dict:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(415, f"expected a JSON body (content-type application/json), got "
                                 f"{ctype or 'none'!r}")
    body = await request.body()
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as e:
        raise HTTPException(400, f"malformed JSON: {e}") from None
    except RecursionError:
        raise HTTPException(400, "malformed JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise HTTPException(400, f"expected a JSON object, got {type(data).__name__}")
    return data


def _no_constants(name):
    raise ValueError(f"{name} is not a number JSON allows")


async def _index(request):
    return Response(request.app.state.static["index.html"], media_type=_STATIC["index.html"])


async def _static(request):
    name = request.path_params["name"]
    if name not in _STATIC:
        raise HTTPException(404, f"no such file: {name!r}")
    return Response(request.app.state.static[name], media_type=_STATIC[name])


async def _options(request):
    return JSONResponse(options())


async def _csv(request):
    data = await _json_body(request)
    text = data.get("csv")
    if not isinstance(text, str):
        raise HTTPException(400, f"expected {{\"csv\": text}}, got keys {sorted(data)}")
    try:
        return JSONResponse(parse_csv(text))
    except SetupError as e:
        raise HTTPException(400, str(e)) from None


async def _model(request):
    data = await _json_body(request)
    sid = data.get("session")
    session = request.app.state.registry.get(sid) if isinstance(sid, str) else None
    if session is None:
        raise HTTPException(404, f"no session {sid!r:.60}: the page's session has ended; reload "
                                 f"the page")
    try:
        blob = await request.app.state.registry.run(_locked_model_bytes, session)
    except ValueError as e:  # a diverged network cannot be saved
        raise HTTPException(409, f"cannot save this model: {e}") from None
    return Response(blob, media_type="application/octet-stream", headers={
        "content-disposition": 'attachment; filename="layerwise-playground.safetensors"'})


def _locked_model_bytes(session):
    with session.lock:
        return session.model_bytes()


async def _http_error(request, exc):
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


# ------------------------------------------------------------------------------------------------
# the WebSocket: one session per page
# ------------------------------------------------------------------------------------------------
class Registry:
    """The live sessions, by id; bounded, so many tabs cannot exhaust the machine.

    All training and drawing runs in worker threads, at most one per CPU core at a time: more
    threads would not train faster, and each would keep an allocator arena of its own.
    """

    def __init__(self, max_sessions=MAX_SESSIONS):
        self.max_sessions = max_sessions
        self.sessions: dict = {}
        self.connections = 0
        self._limiter = None

    def get(self, sid):
        return self.sessions.get(sid)

    async def run(self, fn, *args):
        if self._limiter is None:  # made in the event loop that uses it
            self._limiter = anyio.CapacityLimiter(max(1, os.cpu_count() or 1))
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    def drop(self, sid):
        """Forget a session and hand its memory back to the operating system."""
        if self.sessions.pop(sid, None) is not None:
            release_memory()


def release_memory():
    """Return freed heap memory to the operating system where the C library allows it.

    glibc keeps freed blocks in its arenas; a server whose sessions come and go would otherwise
    hold on to its peak memory for good. Elsewhere this does nothing.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


_CLOSED = object()


def lower_rate(lr: float) -> float:
    """A learning rate ten times lower, on the page's 1-3-10 ladder: what a notice suggests.

    >>> lower_rate(10.0), lower_rate(0.3), lower_rate(0.05)
    (1.0, 0.03, 0.003)
    """
    target = lr / 10
    ladder = [m * 10.0 ** e for e in range(-6, 2) for m in (1, 3)]
    return float(f"{max([v for v in ladder if v <= target * 1.0001] or [ladder[0]]):.6g}")


class Connection:
    """Runs one page's session: reads its messages, trains while playing, sends frames.

    Messages from the page (JSON text): ``{"type": "setup", "setup": {...}}``, ``play``,
    ``pause``, ``step`` (one epoch), ``reset``, ``ack`` (a frame was drawn) and ``edit``
    (``{"layer": l, "neuron": j, "input": i or null, "value": v}``: one weight, or with no
    input one bias, set by hand). Messages to the page: ``info`` (JSON: sizes, counts, data,
    snippet), ``state`` (playing or not), ``error`` (JSON, with a message) and frames (binary,
    see :mod:`layerwise.web.sessions`).

    Training runs in a worker thread one chunk at a time (about ``CHUNK_S``, at least one
    step), frames are drawn in another from the latest snapshot of the parameters, and this
    coroutine goes on reading the page's messages meanwhile: pause, play and changes are
    answered at once however long one training step of a large network takes. A change of
    learning rate (or loss, optimizer, regularization) is taken by the next chunk; a new
    network or data set replaces the session, and the old one's last chunk is thrown away.
    Of several setups waiting to be read only the newest is built.
    """

    def __init__(self, ws: WebSocket, registry: Registry, idle_timeout: float):
        self.ws, self.registry, self.idle_timeout = ws, registry, idle_timeout
        self.sid = secrets.token_urlsafe(12)
        self.session = None
        self.playing = False
        self.inflight = 0
        self.last_frame = 0.0  # when the last frame was started
        self.last_ack = time.monotonic()
        self.last_msg = time.monotonic()
        self.closed = False
        self.train_job = self.frame_job = None
        self.framed_version = None  # the snapshot the last frame drew
        self.frame_wanted = False  # something changed that the page has not seen
        self.pending = None  # an "update" setup for the next training chunk
        self.edits = []  # weights edited by hand, for the next training chunk
        self.stray = set()  # jobs of replaced sessions, still running in their threads
        self.changes = 0  # changes the page asked for; a frame drawn before one is not sent

    async def run(self):
        queue: asyncio.Queue = asyncio.Queue(maxsize=256)
        reader = asyncio.create_task(self._read(queue))
        getter = None
        try:
            while not self.closed:
                now = time.monotonic()
                if now - self.last_msg > self.idle_timeout:
                    await self._send_json({"type": "error", "message": "session closed after "
                                           f"{self.idle_timeout:g} s without a message"})
                    await self._send({"type": "websocket.close", "code": 1001,
                                      "reason": "idle session closed"})
                    return
                wake = self._start_jobs(now)
                if getter is None:
                    getter = asyncio.ensure_future(queue.get())
                waits = {getter} | {j for j in (self.train_job, self.frame_job) if j is not None}
                timeout = min(wake, max(0.01, self.last_msg + self.idle_timeout - now))
                done, _ = await asyncio.wait(waits, timeout=timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
                if self.train_job is not None and self.train_job in done:
                    await self._train_done()
                if self.frame_job is not None and self.frame_job in done:
                    await self._frame_done()
                if getter in done:
                    batch = [getter.result()]
                    getter = None
                    while not queue.empty():
                        batch.append(queue.get_nowait())
                    # only the newest of several waiting setups is worth building
                    setups = [i for i, m in enumerate(batch) if isinstance(m, dict)
                              and m.get("type") == "setup"]
                    for i, msg in enumerate(batch):
                        if msg is _CLOSED:
                            return
                        if i in setups[:-1]:
                            continue
                        await self._handle(msg)
        finally:
            reader.cancel()
            if getter is not None:
                getter.cancel()

    # -- jobs in worker threads ------------------------------------------------------------------
    def _spawn(self, fn, *args):
        return asyncio.ensure_future(self.registry.run(fn, *args))

    def _start_jobs(self, now) -> float:
        """Start a training chunk and a frame where due; return how long until one may be."""
        s = self.session
        if s is None:
            return self.idle_timeout
        wake = self.idle_timeout
        if self.playing and self.train_job is None and not s.diverged:
            if self.inflight >= MAX_INFLIGHT and now - self.last_ack > STALL_S:
                wake = 0.25  # the page draws nothing (a hidden tab): wait for it, do not train
            else:
                pending, self.pending = self.pending, None
                edits, self.edits = self.edits, []
                self.train_job = self._spawn(_train_chunk, s, pending, edits)
        if self.frame_job is None and self.inflight < MAX_INFLIGHT:
            if self.frame_wanted or s.snap.version != self.framed_version:
                due = self.last_frame + FRAME_INTERVAL - now
                if due > 0:
                    wake = min(wake, due)
                else:
                    self.frame_wanted = False
                    self.last_frame = now
                    snap = s.snap
                    self.framed_version = snap.version
                    self.frame_job = self._spawn(s.frame_bytes, snap)
                    self.frame_job.changes = self.changes
        return wake

    async def _train_done(self):
        job, self.train_job = self.train_job, None
        job.result()
        if self.session.diverged:
            self.frame_wanted = True
            if self.playing:
                self.playing = False
                await self._send_json({"type": "state", "playing": False})
                lr = self.session.setup.lr
                await self._error(f"training diverged: the loss became NaN or infinite at "
                                  f"learning rate {lr:g}, and the last good weights (from just "
                                  f"before the steps that diverged) are back; lower the "
                                  f"learning rate (try {lower_rate(lr):g}) or press reset, "
                                  f"and play again")

    async def _frame_done(self):
        job, self.frame_job = self.frame_job, None
        data = job.result()
        if job.changes != self.changes:
            self.frame_wanted = True  # drawn before a change the page asked for: draw anew
            return
        await self._send_frame(data)

    async def _settle(self):
        """Wait for the training chunk under way, if any."""
        if self.train_job is not None:
            await asyncio.wait([self.train_job])
            await self._train_done()

    def _retire(self):
        """Let the jobs of the session being replaced finish on their own; drop what they
        return."""
        for job in (self.train_job, self.frame_job):
            if job is not None:
                self.stray.add(job)
                job.add_done_callback(self._forget)
        self.train_job = self.frame_job = None
        self.pending, self.edits = None, []

    def _forget(self, job):
        self.stray.discard(job)
        if not job.cancelled():
            job.exception()  # retrieved, so that asyncio does not report it

    # -- messages --------------------------------------------------------------------------------
    async def _read(self, queue):
        try:
            while True:
                msg = await self.ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                text = msg.get("text")
                if text is None:
                    await queue.put(("error", "binary messages are not accepted; send JSON text"))
                elif len(text) > MAX_BODY:
                    await queue.put(("error", f"message of {len(text):,} characters is over the "
                                              f"limit of {MAX_BODY:,}"))
                else:
                    await queue.put(_decode(text))
        except (WebSocketDisconnect, RuntimeError):
            pass
        await queue.put(_CLOSED)

    async def _send(self, message: dict):
        # the page may go away at any moment; a send to a closed socket ends the session
        if self.closed:
            return
        try:
            await self.ws.send(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True

    async def _send_json(self, obj):
        await self._send({"type": "websocket.send", "text": json.dumps(obj, allow_nan=False)})

    async def _error(self, message):
        await self._send_json({"type": "error", "message": message})

    async def _send_frame(self, data: bytes):
        self.inflight += 1
        await self._send({"type": "websocket.send", "bytes": data})

    async def _work(self, fn, *args):
        return await self.registry.run(fn, *args)

    def _locked(self, fn, *args):
        with self.session.lock:
            return fn(*args)

    async def _handle(self, msg):
        self.last_msg = time.monotonic()
        if isinstance(msg, tuple):
            return await self._error(msg[1])
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind == "ack":
            self.inflight = max(0, self.inflight - 1)
            self.last_ack = time.monotonic()
            return
        if kind in ("setup", "step", "reset", "edit"):
            self.changes += 1
        if kind == "setup":
            return await self._setup(msg.get("setup"))
        if kind not in ("play", "pause", "step", "reset", "edit"):
            return await self._error(f"unknown message type {kind!r:.40}; expected setup, play, "
                                     f"pause, step, reset, edit or ack")
        if self.session is None:
            return await self._error(f"send a setup before {kind!r}")
        if kind == "edit":
            return await self._edit(msg)
        if kind == "play":
            self.playing = not self.session.diverged
            if self.session.diverged:
                await self._error("training diverged; lower the learning rate or press reset "
                                  "first")
            await self._send_json({"type": "state", "playing": self.playing})
            return
        self.playing = False
        await self._send_json({"type": "state", "playing": False})
        if kind == "step":
            if self.session.diverged:
                return await self._error("training diverged; lower the learning rate or press "
                                         "reset first")
            await self._settle()
            pending, self.pending = self.pending, None
            edits, self.edits = self.edits, []
            await self._work(_train_chunk, self.session, pending, edits, None)
        elif kind == "reset":
            setup = self.pending or self.session.setup
            await self._replace(setup)
            await self._send_json(dict(self.session.info(with_points=False), what="reset",
                                       session=self.sid))
        self.frame_wanted = True

    async def _edit(self, msg):
        extra = sorted(set(msg) - {"type", "layer", "neuron", "input", "value"})
        if extra:
            return await self._error(f"edit: unknown field(s) {', '.join(map(repr, extra))}; "
                                     f"expected layer, neuron, input, value")
        args = (msg.get("layer"), msg.get("neuron"), msg.get("input"), msg.get("value"))
        try:
            self.session.check_edit(*args)
        except ValueError as e:
            return await self._error(f"edit: {e}")
        if self.train_job is not None:
            self.edits.append(args)  # the next training chunk takes it
        else:
            await self._work(_train_chunk, self.session, None, [args], 0)
        self.frame_wanted = True

    async def _replace(self, setup):
        """A new session for ``setup``, built in a worker thread; the old one is let go.

        Not behind the registry's limiter: building takes milliseconds, and waiting there for
        a long training step of the old session would hold up the answer to the page.
        """
        session = await anyio.to_thread.run_sync(Session, setup)
        self._retire()
        self.session = session
        self.registry.sessions[self.sid] = session
        self.framed_version = None

    async def _setup(self, obj):
        try:
            setup = parse_setup(obj)
        except SetupError as e:
            return await self._error(str(e))
        what = "reset" if self.session is None else self.session.classify(setup)
        if what == "reset":
            old = self.session.setup if self.session is not None else None
            # a new network on the same points: the page has them already (10,000 points are
            # a third of a megabyte of JSON to send, parse and draw)
            same_points = old is not None and old.data_key() == setup.data_key() \
                and old.extra == setup.extra
            await self._replace(setup)
            info = self.session.info(with_points=not same_points)
            self.playing = self.playing and not self.session.diverged
        elif what == "data":
            await self._settle()
            pending, self.pending = self.pending, None
            if pending is not None:
                await self._work(self._locked, self.session.apply, pending)
            await self._work(self._locked, self.session.apply, setup)
            info = self.session.info(with_points=True)
        elif self.train_job is not None:
            self.pending = setup  # the next training chunk takes it
            info = self.session.info(with_points=False, setup=setup)
        else:
            await self._work(self._locked, self.session.apply, setup)
            info = self.session.info(with_points=False)
        await self._send_json(dict(info, what=what, session=self.sid))
        self.frame_wanted = True


def _decode(text):
    """A message from the page as a dict, or ``("error", message)``."""
    try:
        msg = json.loads(text, parse_constant=_no_constants)
    except ValueError as e:
        return ("error", f"malformed JSON: {e}")
    except RecursionError:
        return ("error", "malformed JSON: nested too deeply")
    return msg if isinstance(msg, dict) else {"type": None}


def _train_chunk(session, pending, edits, seconds=CHUNK_S):
    """In a worker thread: take a waiting setup change and hand edits, then train for about
    ``seconds`` (one epoch when None; not at all when 0), leaving a fresh snapshot."""
    with session.lock:
        if pending is not None:
            session.apply(pending)
        for args in edits:
            session.edit(*args)
        if seconds is None:
            session.train_epoch()
        elif seconds > 0:
            session.train_for(seconds)


async def _websocket(ws: WebSocket):
    registry: Registry = ws.app.state.registry
    await ws.accept()
    if registry.connections >= registry.max_sessions:
        await ws.send_text(json.dumps({"type": "error", "message": (
            f"the playground already runs {registry.max_sessions} sessions; close a tab and "
            f"reload")}))
        await ws.close(1013)
        return
    registry.connections += 1
    conn = Connection(ws, registry, ws.app.state.idle_timeout)
    try:
        await conn.run()
    finally:
        registry.connections -= 1
        conn.session = None
        registry.drop(conn.sid)


# ------------------------------------------------------------------------------------------------
# the app and the server
# ------------------------------------------------------------------------------------------------
def create_app(token=None, allowed_hosts=LOOPBACK_HOSTS, *, idle_timeout=IDLE_TIMEOUT,
               max_sessions=MAX_SESSIONS, max_body=MAX_BODY):
    """The playground as an ASGI app, guarded by :class:`Guard`.

    Parameters
    ----------
    token : str, optional
        The secret the page must present; a random one when omitted (read it from
        ``app.state.token``).
    allowed_hosts : list of str or None, default ("127.0.0.1", "localhost", "[::1]")
        Values the Host header may take: ``"host"`` (any port) or ``"host:port"``. None allows
        any Host, for a server reachable from other machines.
    idle_timeout : float, default 600
        Seconds without a message after which a page's session is closed and dropped.
    max_sessions : int, default 32
    max_body : int, default 1 MiB
    """
    token = token or secrets.token_urlsafe(24)
    if not isinstance(token, str) or len(token) < 4:
        raise ValueError(f"token must be a string of at least 4 characters, got {token!r}")
    app = Starlette(routes=[
        Route("/", _index),
        Route("/static/{name}", _static),
        Route("/api/options", _options),
        Route("/api/csv", _csv, methods=["POST"]),
        Route("/api/model", _model, methods=["POST"]),
        WebSocketRoute("/ws", _websocket),
    ], exception_handlers={HTTPException: _http_error})
    app.state.token = token
    app.state.static = _load_static()
    app.state.registry = Registry(max_sessions)
    app.state.idle_timeout = float(idle_timeout)
    app.add_middleware(Guard, token=token,
                       allowed_hosts=None if allowed_hosts is None else list(allowed_hosts),
                       max_body=max_body)
    return app


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def limit_blas_threads():
    """Use one BLAS thread in this process; return the threadpoolctl limiter (or None).

    The playground's matrix products are small and many sessions train at once: OpenBLAS's
    worker threads would spin and fight over the cores, which made a frame 5x slower and a
    training step 3x slower on a busy two-core machine.

    The limit holds for the BLAS libraries loaded when it is set, so the compiled path's BLAS
    (SciPy's, which numba calls) is loaded first: loaded later, it kept two threads, which
    fought the frames and the browser for the two cores (the heaviest setup drew 2.5-9 new
    states a second in the browser against 9.5-11.5 with one thread).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with the web extra
        return None
    from ..engine import compiled

    compiled.available()  # imports the compiled path's BLAS, where it is installed
    return threadpool_limits(limits=1, user_api="blas")


def make_server(host="127.0.0.1", port=8000, allow_remote=False, token=None, **app_options):
    """Bind the socket and build the uvicorn server; return ``(server, socket, url)``.

    The socket is bound before the app is made, so ``port=0`` can name the real port in the
    Host allowlist and the URL. ``server.run(sockets=[sock])`` serves; ``server.should_exit =
    True`` stops it.
    """
    import uvicorn

    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in [0, 65535], got {port!r}")
    loopback = is_loopback(host)
    if not loopback and not allow_remote:
        raise ValueError(f"refusing to listen on {host!r}: the playground listens on loopback "
                         f"(127.0.0.1) only, unless allow_remote=True (--allow-remote) is given")
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bare, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    port = sock.getsockname()[1]
    token = token or secrets.token_urlsafe(24)
    if loopback:
        allowed = [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"]
        shown = f"[{bare}]" if ":" in bare else bare
    else:
        allowed = None  # reachable under names we cannot know; the token guards it
        shown = socket.gethostname() if bare in ("0.0.0.0", "::") else (
            f"[{bare}]" if ":" in bare else bare)
    app = create_app(token, allowed, **app_options)
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _RefusedHandshakeFilter) for f in log.filters):
        log.addFilter(_RefusedHandshakeFilter())
    config = uvicorn.Config(app, log_level="warning", lifespan="off", proxy_headers=False,
                            server_header=False, ws_max_size=MAX_BODY + 4096,
                            ws_per_message_deflate=False, timeout_keep_alive=5)
    url = f"http://{shown}:{port}/?token={token}"
    return uvicorn.Server(config), sock, url


def serve(host="127.0.0.1", port=8000, open_browser=True, allow_remote=False):
    """Run the playground until interrupted (blocking).

    Prints the URL with its token (``port=0`` takes a free port and prints the real one) and
    opens it in the browser unless ``open_browser=False``. ``host`` other than a loopback
    address needs ``allow_remote=True`` and prints a warning.
    """
    server, sock, url = make_server(host, port, allow_remote)
    limit_blas_threads()
    if not is_loopback(host):
        print(f"WARNING: the playground listens on {host}, reachable from other machines. "
              f"Anyone who has the URL below (its token) can use this machine's CPU. Use it on "
              f"a network you trust only.", file=sys.stderr, flush=True)
    print(f"layerwise playground: {url}", flush=True)
    print("press Ctrl+C to stop", flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    server.run(sockets=[sock])

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
403 (foreign Host or Origin), 404, 413 (a body over 1 MB), 415 (not JSON).

>>> app = create_app(token="t0ken")
>>> sorted(r.path for r in app.routes)
['/', '/api/csv', '/api/model', '/api/options', '/static/{name}', '/ws']
"""
from __future__ import annotations

import asyncio
import ctypes
import hashlib
import http.cookies
import ipaddress
import json
import os
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
FRAME_INTERVAL = 1 / 60  # at most this many frames a second, whatever the page could draw
MAX_INFLIGHT = 2  # frames sent but not yet drawn (acknowledged) by the page
STALL_S = 1.0  # a page that draws nothing for this long (a hidden tab) stops the training
CHUNK_S = 0.02  # longest stretch of training between two looks at the page's messages

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
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if scope["type"] == "http":
            resp = Response(body, status_code=status, media_type="application/json")
            return await resp(scope, receive, self._with_headers(send))
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": status,
                        "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # the server answers a close before accept with 403
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})


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


_CLOSED, _TIMEOUT, _NOTHING = object(), object(), object()


class Connection:
    """Runs one page's session: reads its messages, trains while playing, sends frames.

    Messages from the page (JSON text): ``{"type": "setup", "setup": {...}}``, ``play``,
    ``pause``, ``step`` (one epoch), ``reset``, ``ack`` (a frame was drawn). Messages to the
    page: ``info`` (JSON: sizes, counts, data, snippet), ``state`` (playing or not), ``error``
    (JSON, with a message) and frames (binary, see :mod:`layerwise.web.sessions`).
    """

    def __init__(self, ws: WebSocket, registry: Registry, idle_timeout: float):
        self.ws, self.registry, self.idle_timeout = ws, registry, idle_timeout
        self.sid = secrets.token_urlsafe(12)
        self.session = None
        self.playing = False
        self.inflight = 0
        self.last_frame = 0.0
        self.last_msg = time.monotonic()
        self.closed = False

    async def run(self):
        queue: asyncio.Queue = asyncio.Queue(maxsize=64)
        reader = asyncio.create_task(self._read(queue))
        try:
            while not self.closed:
                now = time.monotonic()
                if now - self.last_msg > self.idle_timeout:
                    await self._send_json({"type": "error", "message": "session closed after "
                                           f"{self.idle_timeout:g} s without a message"})
                    await self._send({"type": "websocket.close", "code": 1001,
                                      "reason": "idle session closed"})
                    return
                if self.playing:
                    msg = _NOTHING if queue.empty() else queue.get_nowait()
                    if msg is _NOTHING and self.inflight >= MAX_INFLIGHT \
                            and now - self.last_frame > STALL_S:
                        # the page draws nothing (a hidden tab): wait for it, do not train
                        msg = await self._wait(queue, 0.25)
                else:
                    msg = await self._wait(queue, self.idle_timeout)
                if msg is _CLOSED:
                    return
                if msg is _TIMEOUT:
                    continue
                if msg is not _NOTHING:
                    await self._handle(msg)
                    continue
                await self._play_chunk(now)
        finally:
            reader.cancel()

    async def _wait(self, queue, timeout):
        try:
            return await asyncio.wait_for(queue.get(), timeout)
        except asyncio.TimeoutError:
            return _TIMEOUT

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
                    await queue.put(text)
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
        self.last_frame = time.monotonic()
        await self._send({"type": "websocket.send", "bytes": data})

    async def _frame(self):
        await self._send_frame(await self._work(self._locked, self.session.frame_bytes))

    async def _work(self, fn, *args):
        return await self.registry.run(fn, *args)

    def _locked(self, fn, *args):
        with self.session.lock:
            return fn(*args)

    def _train_then_frame(self, seconds, with_frame):
        with self.session.lock:
            self.session.train_for(seconds)
            return self.session.frame_bytes() if with_frame or self.session.diverged else None

    async def _play_chunk(self, now):
        due = self.last_frame + FRAME_INTERVAL - now
        want_frame = self.inflight < MAX_INFLIGHT and due <= CHUNK_S
        seconds = max(0.002, min(due, CHUNK_S)) if want_frame else CHUNK_S
        data = await self._work(self._train_then_frame, seconds, want_frame)
        if data is not None:
            await self._send_frame(data)
        if self.session.diverged:
            self.playing = False
            await self._send_json({"type": "state", "playing": False})
            await self._error("training diverged: the loss became NaN or infinite, and the "
                              "weights from the start of that epoch are back; lower the "
                              "learning rate (or press reset) and play again")

    async def _handle(self, text):
        self.last_msg = time.monotonic()
        if isinstance(text, tuple):
            return await self._error(text[1])
        try:
            msg = json.loads(text, parse_constant=_no_constants)
        except ValueError as e:
            return await self._error(f"malformed JSON: {e}")
        except RecursionError:
            return await self._error("malformed JSON: nested too deeply")
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind == "ack":
            self.inflight = max(0, self.inflight - 1)
            return
        if kind == "setup":
            return await self._setup(msg.get("setup"))
        if kind not in ("play", "pause", "step", "reset"):
            return await self._error(f"unknown message type {kind!r}; expected setup, play, "
                                     f"pause, step, reset or ack")
        if self.session is None:
            return await self._error(f"send a setup before {kind!r}")
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
            await self._work(self._locked, self.session.train_epoch)
        elif kind == "reset":
            await self._work(self._locked, self.session.reset)
            await self._send_json(dict(self.session.info(with_points=False), what="reset",
                                       session=self.sid))
        await self._frame()

    async def _setup(self, obj):
        try:
            setup = parse_setup(obj)
        except SetupError as e:
            return await self._error(str(e))
        if self.session is None:
            self.session = await self._work(Session, setup)
            self.registry.sessions[self.sid] = self.session
            what = "reset"
        else:
            what = await self._work(self._locked, self.session.apply, setup)
        info = self.session.info(with_points=what != "update")
        await self._send_json(dict(info, what=what, session=self.sid))
        if what == "reset":
            self.playing = self.playing and not self.session.diverged
        if not self.playing:
            await self._frame()


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
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with the web extra
        return None
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

"""The playground in a real browser: Debian's Chromium, headless, driven by Playwright, against
the real server (``serve()`` in a subprocess on a free loopback port).

A screenshot of the page at 1280x800 is kept as ``artifacts/playground.png``.
"""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

import layerwise as lw

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright for Python is not installed (pip install playwright)")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium)",
                allow_module_level=True)

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="module")
def server(playground_server):
    """The URL (with its token) of the real server, shared by this module's tests."""
    return playground_server[1]


@pytest.fixture(scope="module")
def browser():
    pw = sync_api.sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    except Exception as e:  # a Chromium that cannot start here is a missing dependency
        pw.stop()
        pytest.skip(f"Chromium does not start: {e}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    problems = []
    p.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a 400 answer to a bad upload is the server doing its job; anything else is a problem
    p.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
         if m.type == "error" and "status of 400" not in m.text else None)
    yield p
    assert not problems, problems


def wait_for(page, expr, timeout=30.0):
    """Poll a JavaScript expression until it is truthy; return its value. (The page's
    Content-Security-Policy forbids eval, so Playwright's own wait_for_function cannot run.)"""
    deadline = time.monotonic() + timeout
    # a value read before it exists (no frame yet after a new network) is not there yet
    guarded = f"(() => {{ try {{ return ({expr}); }} catch (e) {{ return false; }} }})()"
    while True:
        try:
            value = page.evaluate(guarded)
        except sync_api.Error as e:  # the page is navigating (a reload): not there yet
            if "context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            seen = page.evaluate("JSON.stringify(window.__lw && {playing: __lw.playing, "
                                 "messages: __lw.messages.slice(-3), errors: __lw.errors.slice(-3)})")
            raise AssertionError(f"timed out after {timeout} s waiting for {expr}; page: {seen}")
        time.sleep(0.05)


def open_page(page, url):
    page.goto(url)
    wait_for(page, "window.__lw && window.__lw.framesDrawn > 0")
    assert "token=" not in page.url  # the token went into a cookie


def open_link(page, server, fragment):
    """Open the page at ``fragment`` (the part after ``#``) as a fresh load, once logged in."""
    page.goto("about:blank")
    page.goto(server.split("/?")[0] + "/#" + fragment)
    wait_for(page, "window.__lw && __lw.framesDrawn > 0")


def hash_params(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment, keep_blank_values=True).items()}


def test_play_trains_and_the_regions_change(page, server):
    open_page(page, server)
    first = page.evaluate("({loss: __lw.header.test_loss, sum: __lw.regionSum,"
                          " text: document.getElementById('test-loss').textContent})")
    assert first["text"] != "–"
    page.click("#play")
    wait_for(page, "__lw.playing")
    wait_for(page, f"__lw.header.epoch >= 100 && __lw.header.test_loss < {0.6 * first['loss']}")
    now = page.evaluate("({sum: __lw.regionSum, epoch: document.getElementById('epoch').textContent,"
                        " text: document.getElementById('test-loss').textContent})")
    assert now["sum"] != first["sum"]  # the heatmap was redrawn with new regions
    assert now["text"] != first["text"] and int(now["epoch"].replace(",", "")) >= 100
    assert page.evaluate("document.getElementById('play').textContent").endswith("Pause")

    # one screen at 1280x800, no scrolling, nothing outside the window
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground.png"))
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1280 and size[1] <= 800, size
    outside = page.evaluate("""[...document.querySelectorAll('button, select, input, canvas, output')]
        .filter(e => e.offsetParent !== null && !e.closest('dialog'))
        .map(e => [e.id || e.textContent, e.getBoundingClientRect()])
        .filter(([_, r]) => r.right > 1280 || r.bottom > 800 || r.left < 0 || r.top < 0)
        .map(([id]) => id)""")
    assert outside == []
    # the top bar's controls sit side by side without overlapping
    boxes = page.evaluate("""[...document.querySelectorAll('#topbar > *')]
        .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })""")
    assert all(a[1] <= b[0] + 0.5 for a, b in zip(boxes, boxes[1:])), boxes
    page.click("#play")
    wait_for(page, "!__lw.playing")


def test_every_control_has_a_label_and_a_tooltip(page, server):
    open_page(page, server)
    controls = page.evaluate("""[...document.querySelectorAll('button, select, input')].map(e => ({
        id: e.id || e.getAttribute('aria-label') || e.textContent,
        title: e.title || (e.closest('label') && e.closest('label').title) || '',
        label: (e.id && document.querySelector(`label[for="${e.id}"]`) ? 'for' : '') ||
               (e.closest('label') ? 'wrap' : '') || e.getAttribute('aria-label') ||
               e.textContent.trim(),
        inDialog: !!e.closest('dialog')}))""")
    assert len(controls) >= 25
    for c in controls:
        assert c["label"], f"{c['id']} has no label"
        assert len(c["title"]) >= 25 and c["title"].rstrip(")").endswith("."), c
        if not c["inDialog"]:
            assert "seed" in c["title"].lower(), f"{c['id']}: the tooltip names no part of the seed"
    # every activation of the library is offered, PReLU and maxout included
    offered = page.evaluate("[...document.querySelectorAll('#activation option')].map(o => o.value)")
    assert set(offered) == set(lw.activations.ACTIVATIONS) | {"prelu", "maxout"}


def test_change_the_activation_and_add_a_layer(page, server):
    open_page(page, server)
    page.select_option("#activation", "tanh")
    wait_for(page, "__lw.info.setup.activation === 'tanh'")
    assert hash_params(page.url)["act"] == "tanh"
    page.click("#add-layer")
    wait_for(page, "document.getElementById('net-name').textContent === '4-layer network'")
    assert hash_params(page.url)["hidden"] == "8,8,8"
    assert "26 neurons" in page.text_content("#net-counts")
    page.click("button[aria-label='Add a neuron to hidden layer 1']")
    wait_for(page, "__lw.info.neurons === 27")
    assert hash_params(page.url)["hidden"] == "9,8,8"
    page.click("#play")
    wait_for(page, "__lw.header.link_shapes.length === 4 && __lw.header.epoch > 20")
    page.click("#play")
    page.click("#remove-layer")
    page.click("#remove-layer")
    wait_for(page, "document.getElementById('net-name').textContent === '2-layer network'")
    assert hash_params(page.url)["hidden"] == "9"


def test_a_shared_url_reproduces_the_setup(page, context, server):
    open_page(page, server)
    page.select_option("#data", "gaussians")
    wait_for(page, "__lw.info.setup.data === 'gaussians'")
    page.select_option("#classes", "3")
    page.select_option("#lr", "0.1")
    page.select_option("#activation", "leaky_relu")
    page.select_option("#reg_type", "l2")
    page.select_option("#reg", "0.001")
    page.select_option("#click-class", "2")
    wait_for(page, "__lw.info.setup.reg === 0.001 && __lw.info.classes === 3")
    page.click("#regions", position={"x": 60, "y": 80})  # adds a training point of class 3
    wait_for(page, "__lw.info.setup.extra.length === 1")
    time.sleep(0.3)  # the frame that follows the last change
    ids = ["data", "classes", "lr", "activation", "reg_type", "reg", "loss", "optimizer", "seed"]
    read = ("(() => ({state: JSON.stringify(__lw.state), sum: __lw.regionSum, "
            "counts: document.getElementById('net-counts').textContent, "
            "n: __lw.info.train.x.length + __lw.info.test.x.length, "
            f"values: {json.dumps(ids)}.map(id => document.getElementById(id).value)}}))()")
    before = page.evaluate(read)
    assert json.loads(before["state"])["extra"][0][2] == 2
    shared = page.url

    again = context.new_page()
    open_page(again, shared)
    time.sleep(0.3)
    after = again.evaluate(read)
    assert json.loads(after["state"]) == json.loads(before["state"])
    assert after["values"] == before["values"]
    assert after["counts"] == before["counts"] and after["n"] == before["n"] == 401
    assert after["sum"] == before["sum"]  # the same untrained network, the same regions
    again.close()


def test_upload_a_csv(page, server, tmp_path):
    rng = np.random.default_rng(1)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    rows = [f"{x:.4f},{y:.4f},{['cat', 'dog', 'owl'][k]}"
            for k in range(3) for x, y in rng.normal(size=(50, 2)) * 0.6 + centres[k]]
    good = tmp_path / "points.csv"
    good.write_text("x,y,label\n" + "\n".join(rows) + "\n")
    open_page(page, server)
    page.set_input_files("#csv", str(good))
    wait_for(page, "__lw.info.setup.data === 'custom' && __lw.info.classes === 3")
    assert "150 points, 3 classes" in page.text_content("#message")
    assert page.evaluate("document.getElementById('data').value") == "custom"
    assert "pts" in hash_params(page.url)
    page.click("#play")
    wait_for(page, "__lw.header.epoch > 30 && __lw.header.train_acc > 0.9")
    page.click("#play")
    # the data travels in the URL: a reload brings it back
    page.reload()
    wait_for(page, "window.__lw && __lw.info && __lw.info.setup.data === 'custom'")
    assert page.evaluate("__lw.info.train.x.length + __lw.info.test.x.length") == 150
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2,a\n")
    page.set_input_files("#csv", str(bad))
    wait_for(page, "document.getElementById('message').textContent.includes('at least 10')")


def test_download_the_model_and_copy_the_python(page, server, tmp_path):
    open_page(page, server)
    page.click("#step")
    wait_for(page, "__lw.header.epoch === 1")
    with page.expect_download() as d:
        page.click("#download")
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    assert path.name == "layerwise-playground.safetensors"
    net = lw.load(path)
    assert net.config()["sizes"] == [2, 8, 8, 2]
    page.click("#copy")
    wait_for(page, "document.getElementById('snippet-dialog').open")
    assert "lw.load(" in page.text_content("#snippet")
    page.click("#snippet-close")
    wait_for(page, "!document.getElementById('snippet-dialog').open")


# -- speed counters -------------------------------------------------------------------------------
def test_stats_report_frames_steps_and_epoch(page, server):
    open_page(page, server)
    assert page.evaluate("window.playground.stats()") == {"fps": 0, "stepsPerSecond": 0,
                                                          "epoch": 0, "updates": 0}
    page.click("#play")
    wait_for(page, "__lw.playing && __lw.header.epoch > 5")
    time.sleep(1.2)
    st = page.evaluate("window.playground.stats()")
    assert st["fps"] > 0 and st["stepsPerSecond"] > 0 and st["epoch"] > 5, st
    assert 0 < st["updates"] <= st["fps"], st
    page.click("#play")
    wait_for(page, "!__lw.playing")
    assert page.evaluate("window.playground.stats().fps") == 0


# Holds back the server's frames from the page while window.__holdFrames is set (acknowledged,
# so that the server goes on), as a training step longer than the page's wait would: the page
# must keep drawing its newest state.
HOLD_FRAMES = """(() => {
  const set = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage').set;
  Object.defineProperty(WebSocket.prototype, 'onmessage', {configurable: true,
    set(fn) {
      const ws = this;
      set.call(ws, (ev) => {
        if (window.__holdFrames && typeof ev.data !== 'string') ws.send('{"type": "ack"}');
        else fn(ev);
      });
    }});
})();"""


def test_while_no_new_state_comes_the_page_keeps_drawing_and_counts_none_new(page, server):
    page.add_init_script(HOLD_FRAMES)
    open_page(page, server)
    page.click("#play")
    wait_for(page, "__lw.playing && __lw.header.steps > 0")
    page.evaluate("window.__holdFrames = true")
    time.sleep(0.3)
    read = ("({renders: __lw.renders, drawn: __lw.framesDrawn, got: __lw.framesReceived,"
            " text: document.getElementById('fps').textContent})")
    before = page.evaluate(read)
    time.sleep(1.5)
    st = page.evaluate("window.playground.stats()")
    after = page.evaluate(read)
    # about ten drawings a second of the same state (fewer on a loaded host, never the
    # display's 60), none of them a new one
    assert after["renders"] - before["renders"] >= 6, (before, after)
    assert after["drawn"] == before["drawn"] and after["got"] == before["got"]
    assert st["updates"] == 0 and 4 <= st["fps"] <= 13, st
    assert "(0 new)" in after["text"], after
    # new frames again: drawn as they come, each counted as new
    page.evaluate("window.__holdFrames = false")
    wait_for(page, f"__lw.framesDrawn > {after['drawn'] + 20}")
    time.sleep(1.0)
    st = page.evaluate("window.playground.stats()")
    assert st["updates"] > 12 and st["updates"] <= st["fps"], st
    page.click("#play")
    wait_for(page, "!__lw.playing")
    redraws = "__lw.renders - __lw.framesDrawn"
    idle = page.evaluate(redraws)
    time.sleep(0.3)
    # paused: frames already on their way are drawn (once each), nothing is drawn again
    assert page.evaluate(redraws) - idle <= 1
    # a frame received is drawn at most once
    counts = page.evaluate(read)
    assert counts["drawn"] <= counts["got"]


def test_a_burst_of_clicks_updates_the_count_at_once_and_sends_one_setup(page, server):
    open_page(page, server)
    # count the page's link rewrites and setups from here on
    page.evaluate("""() => { window.__burst = {hash: 0, setups: 0};
        const replace = history.replaceState.bind(history);
        history.replaceState = (...a) => { __burst.hash++; return replace(...a); };
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (d) {
            if (String(d).includes('"type":"setup"')) __burst.setups++;
            return send.call(this, d); }; }""")
    shown = page.evaluate("""() => {
        const plus = document.querySelector("button[aria-label='Add a neuron to hidden layer 1']");
        const label = plus.closest('.nbox').querySelector('span');
        const seen = [];
        for (let i = 0; i < 20; i++) { plus.click(); seen.push(label.textContent); }
        return seen; }""")
    # each click shows its count at once, before the server has answered
    assert shown == [f"{8 + k} neurons" for k in range(1, 21)], shown
    wait_for(page, "__lw.info.sizes[1] === 28")
    counts = page.evaluate("__burst")
    assert counts == {"hash": 1, "setups": 1}, counts
    assert hash_params(page.url)["hidden"] == "28,8"
    # the limit holds: clicks past 64 neurons do nothing
    page.evaluate("""() => { const plus = document.querySelector(
        "button[aria-label='Add a neuron to hidden layer 1']");
        for (let i = 0; i < 60; i++) plus.click(); }""")
    wait_for(page, "__lw.info.sizes[1] === 64")
    assert page.evaluate("document.querySelector(\"button[aria-label='Add a neuron to hidden "
                         "layer 1']\").disabled")


# -- links that open anywhere ---------------------------------------------------------------------
def _landing(page, url):
    resp = page.goto(url)
    assert resp.status == 401
    text = page.text_content("main")
    assert "layerwise serve" in text and "open the address it prints" in text
    return text


def test_a_shared_link_in_a_fresh_browser_lands_on_how_to_get_in_then_restores(page, browser,
                                                                              server):
    open_page(page, server)
    page.select_option("#activation", "tanh")
    page.select_option("#lr", "0.1")
    page.check("#feature-x1sq")
    wait_for(page, "__lw.info.setup.activation === 'tanh' && __lw.info.sizes[0] === 3")
    shared = page.url
    before = json.loads(page.evaluate("JSON.stringify(__lw.state)"))
    base = server.split("/?")[0]
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = fresh.new_page()
        _landing(other, shared)  # no token in this browser: never a bare 401
        assert other.text_content("#kept").startswith("The playground then opens with the setup")
        # as after `layerwise serve` opened its printed address in this browser
        open_page(other, server)
        wait_for(other, "__lw.info && __lw.info.setup.activation === 'tanh'")
        assert json.loads(other.evaluate("JSON.stringify(__lw.state)")) == before
        assert "is back" in other.text_content("#message")
        # the other way in: paste the printed address into the page
        third = fresh.new_page()
        fresh.clear_cookies()
        _landing(third, shared)
        third.fill("#address", server)
        third.click("#paste button")
        wait_for(third, "window.__lw && __lw.info && __lw.info.setup.activation === 'tanh'")
        assert json.loads(third.evaluate("JSON.stringify(__lw.state)")) == before
        assert "token=" not in third.url and third.url.startswith(base)
    finally:
        fresh.close()


def test_the_lab_reports_lesson_link_opens_the_lesson(browser, server):
    base = server.split("/?")[0]
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        p = fresh.new_page()
        _landing(p, base + "/?lesson=l2")
        assert 'lesson "l2"' in p.text_content("#kept")
        open_page(p, server)
        wait_for(p, "__lw.info && __lw.info.setup.reg_type === 'l2' && __lw.playing")
        assert p.evaluate("__lw.state.hidden") == [20]
        assert "regularization strength" in p.text_content("#lesson-note")
        assert hash_params(p.url)["lesson"] == "l2" and "?lesson" not in p.url
        # with a valid cookie the link opens the lesson at once
        p.goto(base + "/?lesson=capacity")
        wait_for(p, "window.__lw && __lw.info && __lw.info.setup.hidden[0] === 3")
        p.click("#lesson-variants button:has-text('20')")
        wait_for(p, "__lw.info.setup.hidden[0] === 20")
        assert p.evaluate("document.querySelector('#lesson-variants button.on').textContent") == "20"
        p.goto(base + "/?lesson=nonsense")
        wait_for(p, "window.__lw && __lw.messages.some(m => m.includes('no lesson \"nonsense\"'))")
    finally:
        fresh.close()


# -- lessons --------------------------------------------------------------------------------------
LESSON_CHECKS = {
    "neuron": ("__lw.info.setup.hidden.length === 0", "linear classifier"),
    "capacity": ("__lw.info.setup.hidden[0] === 3", "20 hidden neurons"),
    "l2": ("__lw.info.setup.reg === 0.001 && __lw.info.setup.hidden[0] === 20", "regularization"),
    "dying-relu": ("__lw.info.setup.lr === 1 && __lw.info.setup.activation === 'relu'", "dead"),
    "saturation": ("__lw.info.setup.init_scale === 10 && __lw.info.setup.activation === 'sigmoid'",
                   "saturated"),
    "linear-spiral": ("__lw.info.setup.activation === 'identity'", "linear function"),
}


def test_every_lesson_sets_up_its_figure_with_the_seeds_sentence(page, server):
    open_page(page, server)
    offered = page.evaluate("[...document.querySelectorAll('#lesson option')].map(o => o.value)")
    assert offered[1:] == list(LESSON_CHECKS)
    # the lab report links to these names ("try it live")
    from layerwise.lab.core import LESSONS
    assert set(LESSONS) == set(LESSON_CHECKS)
    for name, (check, words) in LESSON_CHECKS.items():
        page.select_option("#lesson", name)
        wait_for(page, f"__lw.info && {check} && __lw.playing")
        note = page.text_content("#lesson-note")
        assert words in note and "seed §" in note, (name, note)
        assert hash_params(page.url)["lesson"] == name
    # the figures the lessons are about show up: dead ReLUs, then a leaky ReLU beside them
    page.select_option("#lesson", "dying-relu")
    wait_for(page, "__lw.info.setup.lr === 1 && __lw.header && __lw.header.epoch > 40 && "
                   "__lw.header.dead.some(d => d >= 0.3)", timeout=60)
    page.click("#lesson-variants button:has-text('Leaky ReLU')")
    wait_for(page, "__lw.info.setup.activation === 'leaky_relu' && __lw.header && "
                   "__lw.header.epoch > 40 && __lw.header.train_acc > 0.9", timeout=60)
    page.select_option("#lesson", "saturation")
    wait_for(page, "__lw.header.saturated > 0.3")
    assert "saturated sigmoid outputs" in page.text_content("#dead-summary")
    page.select_option("#lesson", "linear-spiral")
    wait_for(page, "__lw.info.setup.activation === 'identity' && __lw.header && "
                   "__lw.header.epoch > 60")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-lesson.png"))
    page.click("#play")
    wait_for(page, "!__lw.playing")
    assert page.evaluate("__lw.header.train_acc") < 0.75  # a linear boundary cannot follow it


# -- TensorFlow Playground's features -------------------------------------------------------------
def test_input_features_set_the_first_layer(page, server):
    open_page(page, server)
    page.check("#feature-x1sq")
    page.check("#feature-sin_x2")
    wait_for(page, "__lw.info.sizes.join() === '4,8,8,2'")
    assert hash_params(page.url)["feat"] == "x1,x2,x1sq,sin_x2"
    assert "114" not in page.text_content("#net-counts")  # 2 more inputs, 16 more weights
    assert "130 parameters" in page.text_content("#net-counts")
    page.uncheck("#feature-x1")
    page.uncheck("#feature-x2")
    page.uncheck("#feature-x1sq")
    wait_for(page, "__lw.info.sizes[0] === 1")
    page.click("#feature-sin_x2")  # the last one stays: a network needs an input
    assert page.is_checked("#feature-sin_x2")
    assert "at least one input feature" in page.text_content("#message")


def test_regression_with_its_colour_map_and_discretize(page, server):
    open_page(page, server)
    page.select_option("#data", "reg_gauss")
    wait_for(page, "__lw.info.regression && __lw.header && __lw.header.regression")
    assert page.evaluate("document.getElementById('loss').value") == "mse"
    assert page.evaluate("document.querySelector('#loss option[value=softmax]').disabled")
    assert "−1" in page.text_content("#legend") and "+1" in page.text_content("#legend")
    page.select_option("#activation", "tanh")
    page.check("#feature-x1sq")
    page.check("#feature-x2sq")
    first = wait_for(page, "__lw.info.setup.activation === 'tanh' && __lw.info.sizes[0] === 4 "
                           "&& __lw.header.train_loss")
    page.click("#play")
    wait_for(page, f"__lw.header.epoch > 60 && __lw.header.train_loss < {0.6 * first}", timeout=60)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-regression.png"))
    page.click("#play")
    wait_for(page, "!__lw.playing")
    smooth = page.evaluate("__lw.regionSum")
    page.check("#discretize")
    assert page.evaluate("__lw.regionSum") != smooth
    assert hash_params(page.url)["disc"] == "1"
    page.uncheck("#show-test")
    assert hash_params(page.url)["test"] == "0"
    page.reload()
    wait_for(page, "window.__lw && __lw.header")
    assert page.is_checked("#discretize") and not page.is_checked("#show-test")


def _link_point(page, layer, out, inp):
    """The page coordinates of the middle of one link in the diagram."""
    return page.evaluate(f"""(() => {{
        const L = __lw.layout, c = document.getElementById('diagram');
        const r = c.getBoundingClientRect(), dpr = c.width / r.width;
        const starts = [0]; for (const n of L.sizes) starts.push(starts[starts.length - 1] + n);
        const a = L.units[starts[{layer}] + {inp}], b = L.units[starts[{layer} + 1] + {out}];
        const x = (a.x + L.box + b.x) / 2, y = (a.y + b.y + L.box) / 2;
        return [r.left + x / dpr, r.top + y / dpr]; }})()""")


def test_hover_reads_a_weight_and_a_click_edits_it(page, server):
    open_page(page, server)
    x, y = _link_point(page, 0, 2, 1)
    page.mouse.move(x, y)
    wait_for(page, "__lw.hover && __lw.hover.startsWith('weight')")
    text = page.evaluate("__lw.hover")
    assert "from input x2 to neuron 3 of hidden layer 1" in text
    assert page.is_visible("#hover")
    page.mouse.click(x, y)
    assert page.is_visible("#editor")
    page.fill("#editor-value", "2.5")
    page.press("#editor-value", "Enter")
    wait_for(page, "__lw.header.data.links[2 * 2 + 1] === 2.5")
    assert not page.is_visible("#editor")
    # a neuron: its bias
    box = page.evaluate("""(() => { const L = __lw.layout, c = document.getElementById('diagram');
        const r = c.getBoundingClientRect(), dpr = c.width / r.width, u = L.units[2 + 8];
        return [r.left + (u.x + L.box / 2) / dpr, r.top + (u.y + L.box / 2) / dpr]; })()""")
    page.mouse.move(*box)
    wait_for(page, "__lw.hover && __lw.hover.startsWith('neuron 1 of hidden layer 2: bias')")
    page.mouse.click(*box)
    page.fill("#editor-value", "-0.75")
    page.press("#editor-value", "Enter")
    wait_for(page, "__lw.header.data.biases[8] === -0.75")


# -- smaller points -------------------------------------------------------------------------------
def test_bad_link_values_are_named_and_the_defaults_drawn(page, server):
    open_page(page, server)
    open_link(page, server, "lr=abc&hidden=8,x&act=nonsense&bs=10")
    message = page.text_content("#message")
    assert "lr=abc" in message and "hidden=8,x" in message and "act=nonsense" in message
    assert "None" not in message
    assert page.evaluate("[__lw.state.lr, __lw.state.activation, __lw.state.hidden.join()]") == \
        [0.03, "relu", "8,8"]
    # values in range for the page but refused by the server: the defaults are drawn instead
    open_link(page, server, "rs=-1&reg=l2")
    assert "refused" in page.text_content("#message")
    assert page.evaluate("__lw.info.setup.reg") == 0


def test_a_64_neuron_layer_keeps_readable_heatmaps(page, server):
    base = server.split("/?")[0]
    open_page(page, server)
    page.goto(base + "/#hidden=64,64,64,64,64,64,64,64")
    wait_for(page, "window.__lw && __lw.header && __lw.header.sizes.length === 10")
    box = page.evaluate("__lw.layout.box / (window.devicePixelRatio || 1)")
    assert box >= 14, box
    inside = page.evaluate("""(() => { const c = document.getElementById('diagram');
        return __lw.layout.units.every(u => u.x >= 0 && u.y >= 0 && u.x + __lw.layout.box <= c.width
                                         && u.y + __lw.layout.box <= c.height); })()""")
    assert inside


def test_the_top_bar_stays_put_while_training_runs(page, server):
    open_page(page, server)
    read = ("['step', 'lr', 'seed'].map(id => "
            "document.getElementById(id).getBoundingClientRect().left)")
    before = page.evaluate(read)
    page.click("#play")  # "Play" becomes "Pause"
    wait_for(page, "__lw.header.epoch > 200")
    page.evaluate("document.getElementById('epoch').textContent = (123456789).toLocaleString('en')")
    assert page.evaluate(read) == before
    page.click("#play")
    wait_for(page, "!__lw.playing")


def test_an_uploaded_csvs_labels_name_the_classes(page, server, tmp_path):
    rows = [f"{x:.3f},{y:.3f},{k}" for k, (cx, name) in enumerate([(-2, "cat"), (2, "dog")])
            for x, y in np.random.default_rng(k).normal(size=(20, 2)) + [cx, 0]]
    rows = [r.rsplit(",", 1)[0] + "," + ("cat" if r.endswith("0") else "dog") for r in rows]
    good = tmp_path / "pets.csv"
    good.write_text("x,y,animal\n" + "\n".join(rows) + "\n")
    open_page(page, server)
    page.set_input_files("#csv", str(good))
    wait_for(page, "__lw.info.setup.data === 'custom'")
    legend = page.text_content("#legend")
    assert "cat" in legend and "dog" in legend and "class 1" not in legend
    assert "a point of dog" in page.text_content("#click-class")
    page.reload()
    wait_for(page, "window.__lw && __lw.info && __lw.info.setup.data === 'custom'")
    assert "cat" in page.text_content("#legend")
    bad = tmp_path / "bad.csv"
    bad.write_text("nan,1,a\n" + "\n".join(rows) + "\n")
    page.set_input_files("#csv", str(bad))
    wait_for(page, "document.getElementById('message').textContent.includes('line 1')")
    assert page.evaluate("document.getElementById('csv').value") == ""


def test_the_loss_chart_has_axes(page, server):
    open_page(page, server)
    page.click("#play")
    wait_for(page, "__lw.header.epoch > 20")
    page.click("#play")
    # the axis lines: a column of grey pixels at the left margin of the chart
    grey = page.evaluate("""(() => { const c = document.getElementById('loss-chart');
        const dpr = window.devicePixelRatio || 1, x = Math.round(34 * dpr);
        const d = c.getContext('2d').getImageData(x - 1, 0, 3, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()""")
    assert grey > 30


def test_learning_rate_ten_kills_the_relus_and_the_page_says_so(page, server):
    open_page(page, server)
    open_link(page, server, "data=spiral&hidden=16,16&act=relu&lr=10&bs=10")
    page.click("#play")
    wait_for(page, "__lw.messages.some(m => m.includes('have died') && m.includes('try 1 '))",
             timeout=60)
    notice = [m for m in page.evaluate("__lw.messages") if "have died" in m]
    assert len(notice) == 1 and "Learning rate 10 is too high" in notice[0]  # said once


def _serve_on(port):
    code = f"from layerwise.web.server import serve; serve(port={port}, open_browser=False)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = ""
    deadline = time.monotonic() + 60
    while "http://" not in line and time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        pytest.fail(f"the server did not start: {proc.stderr.read()}")
    return proc, line[line.index("http://"):].strip()


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_after_a_server_restart_the_open_page_says_how_to_get_in_then_restores(context):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    first, url = _serve_on(port)
    second = None
    try:
        page = context.new_page()
        open_page(page, url)
        page.select_option("#activation", "tanh")
        page.select_option("#lr", "0.3")
        wait_for(page, "__lw.info.setup.activation === 'tanh' && __lw.info.setup.lr === 0.3")
        before = json.loads(page.evaluate("JSON.stringify(__lw.state)"))
        _stop(first)
        second, url2 = _serve_on(port)  # a new token: the page's cookie is no longer valid
        # the page notices, keeps its link and shows how to get in, never a bare 401
        wait_for(page, "document.querySelector('#kept') !== null", timeout=60)
        assert "layerwise serve" in page.text_content("main")
        open_page(page, url2)
        wait_for(page, "__lw.info && __lw.info.setup.activation === 'tanh'")
        assert json.loads(page.evaluate("JSON.stringify(__lw.state)")) == before
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

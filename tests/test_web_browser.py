"""The playground in a real browser: Debian's Chromium, headless, driven by Playwright, against
the real server (``serve()`` in a subprocess on a free loopback port).

A screenshot of the page at 1280x800 is kept as ``artifacts/playground.png``.
"""
import json
import os
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
    while True:
        value = page.evaluate(expr)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expr}")
        time.sleep(0.05)


def open_page(page, url):
    page.goto(url)
    wait_for(page, "window.__lw && window.__lw.framesDrawn > 0")
    assert "token=" not in page.url  # the token went into a cookie


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

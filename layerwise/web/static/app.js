// layerwise playground: the page. Plain JavaScript, no build step, nothing loaded from elsewhere.
//
// The page keeps its whole setup in the URL's hash (so a link reproduces it), sends it to the
// server over a WebSocket whenever a control changes, and draws the binary frames the server
// sends back: decision regions, each neuron's output, the weights, the losses.
"use strict";

(() => {
  // ---------------------------------------------------------------------------------------------
  // constants
  // ---------------------------------------------------------------------------------------------
  // Class colours: Okabe & Ito's colour-blind-safe palette (blue and orange first), then two of
  // Paul Tol's for the ninth and tenth class.
  const CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                        "#F0E442", "#444444", "#882255", "#44AA99"];
  const POS = [0, 114, 178];   // positive values and weights: blue
  const NEG = [230, 159, 0];   // negative: orange (the blue/orange pair is colour-blind safe)
  const LR_CHOICES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_CHOICES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const DROPOUT_CHOICES = [0, 0.1, 0.2, 0.3, 0.5, 0.7];
  const NOISE_CHOICES = [0, 0.02, 0.05, 0.1, 0.2, 0.5];
  const BATCH_CHOICES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const N_CHOICES = [100, 200, 400, 1000, 2000, 5000, 10000];
  const DATA_LABELS = {spiral: "Spiral", circles: "Circles", xor: "XOR", gaussians: "Gaussian blobs",
                       moons: "Moons", custom: "Your data (CSV)"};
  const REG_LABELS = {none: "None", l1: "L1", l2: "L2"};
  const LOSS_LABELS = {softmax: "Softmax", hinge: "Hinge"};
  const HASH_KEYS = {data: "data", classes: "classes", n: "n", noise: "noise", ratio: "ratio",
                     data_seed: "dseed", hidden: "hidden", activation: "act", loss: "loss",
                     optimizer: "opt", lr: "lr", reg_type: "reg", reg: "rs", dropout: "drop",
                     input_noise: "inoise", batch_size: "bs", seed: "seed"};

  const $ = (id) => document.getElementById(id);

  // what the tests and the benchmark read; nothing here is needed by the page itself
  const probe = window.__lw = {framesReceived: 0, framesDrawn: 0, errors: [], ready: false,
                               header: null, info: null, regionSum: 0};
  Object.defineProperty(probe, "state", {get: () => state});
  Object.defineProperty(probe, "playing", {get: () => playing});

  let opts = null;        // /api/options
  let state = null;       // the setup, as sent to the server
  let info = null;        // the last "info" message
  let ws = null;
  let playing = false;
  let pending = null;     // the newest frame not yet drawn
  let unacked = 0;        // frames received but not yet acknowledged
  let history = [];       // [{steps, epoch, train, test}]
  let pointsLayer = null; // the data points, drawn once per data change
  let fpsTimes = [];
  let reconnectDelay = 500;
  let ended = false;            // the server dropped this page's idle session
  let afterReconnect = null;    // the action that woke it, sent once a new session is up

  // ---------------------------------------------------------------------------------------------
  // the setup in the URL
  // ---------------------------------------------------------------------------------------------
  // Points travel in the URL as float32: they are rounded to float32 once, when they enter,
  // so that a link gives back exactly the same numbers (the network computes in float32).
  const f32 = Math.fround;

  function encodePoints(points) {
    const f = new Float32Array(points.length * 3);
    points.forEach((p, i) => { f[3 * i] = p[0]; f[3 * i + 1] = p[1]; f[3 * i + 2] = p[2]; });
    const bytes = new Uint8Array(f.buffer);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodePoints(text) {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(s.length - (s.length % 12));
    for (let i = 0; i < bytes.length; i++) bytes[i] = s.charCodeAt(i);
    const f = new Float32Array(bytes.buffer);
    const out = [];
    for (let i = 0; i + 2 < f.length; i += 3) out.push([f[i], f[i + 1], Math.round(f[i + 2])]);
    return out;
  }

  function stateFromHash() {
    const s = JSON.parse(JSON.stringify(opts.defaults));
    const q = new URLSearchParams(location.hash.slice(1));
    for (const [key, short] of Object.entries(HASH_KEYS)) {
      if (!q.has(short)) continue;
      const v = q.get(short);
      if (key === "hidden") s.hidden = v === "" ? [] : v.split(",").map(Number);
      else if (typeof s[key] === "number") s[key] = Number(v);
      else s[key] = v;
    }
    try {
      if (q.has("pts")) s.points = decodePoints(q.get("pts"));
      if (q.has("ext")) s.extra = decodePoints(q.get("ext"));
    } catch (e) {
      showMessage("the points in this link could not be read; they were left out");
    }
    if (s.data !== "custom") s.points = [];
    return s;
  }

  function writeHash() {
    const q = new URLSearchParams();
    for (const [key, short] of Object.entries(HASH_KEYS)) {
      q.set(short, key === "hidden" ? state.hidden.join(",") : String(state[key]));
    }
    if (state.data === "custom" && state.points.length) q.set("pts", encodePoints(state.points));
    if (state.extra.length) q.set("ext", encodePoints(state.extra));
    history_replace("#" + q.toString());
  }

  function history_replace(hash) {
    window.history.replaceState(null, "", location.pathname + location.search + hash);
  }

  // ---------------------------------------------------------------------------------------------
  // controls
  // ---------------------------------------------------------------------------------------------
  function fillSelect(el, values, label) {
    el.innerHTML = "";
    for (const v of values) {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = label ? label(v) : String(v);
      el.appendChild(o);
    }
  }

  function ensureOption(el, value) {
    const v = String(value);
    if (![...el.options].some((o) => o.value === v)) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v;
      el.appendChild(o);
    }
    el.value = v;
  }

  function buildControls() {
    fillSelect($("lr"), LR_CHOICES);
    const act = $("activation");
    act.innerHTML = "";
    for (const a of opts.activations) {
      const o = document.createElement("option");
      o.value = a.name;
      o.textContent = a.name === "prelu" ? "PReLU" : a.name === "relu" ? "ReLU" :
        a.name === "leaky_relu" ? "Leaky ReLU" : a.name === "elu" ? "ELU" :
        a.name === "gelu" ? "GELU" : a.name === "silu" ? "SiLU" :
        a.name.charAt(0).toUpperCase() + a.name.slice(1);
      o.title = a.formula;
      act.appendChild(o);
    }
    fillSelect($("loss"), opts.losses, (v) => LOSS_LABELS[v] || v);
    for (const o of $("loss").options) {
      o.title = o.value === "hinge" ? "The multiclass SVM loss: sum over wrong classes of max(0, s_j - s_y + 1)." :
        "Cross-entropy of the softmax of the scores: the Softmax classifier.";
    }
    fillSelect($("optimizer"), opts.optimizers, (v) => v === "sgd" ? "SGD" : v === "rmsprop" ?
      "RMSprop" : v.charAt(0).toUpperCase() + v.slice(1));
    fillSelect($("reg_type"), opts.reg_types, (v) => REG_LABELS[v] || v);
    fillSelect($("reg"), REG_CHOICES);
    fillSelect($("dropout"), DROPOUT_CHOICES);
    fillSelect($("input_noise"), NOISE_CHOICES);
    fillSelect($("batch_size"), BATCH_CHOICES);
    fillSelect($("data"), opts.datasets, (v) => DATA_LABELS[v] || v);
    fillSelect($("n"), N_CHOICES);

    const numeric = {lr: 1, reg: 1, dropout: 1, input_noise: 1, batch_size: 1, n: 1, classes: 1};
    for (const id of ["lr", "activation", "loss", "optimizer", "reg_type", "reg", "dropout",
                      "input_noise", "batch_size", "data", "classes", "n"]) {
      $(id).addEventListener("change", () => {
        const v = $(id).value;
        change({[id]: numeric[id] ? Number(v) : v});
      });
    }
    $("seed").addEventListener("change", () => {
      const v = Math.max(0, Math.min(2147483647, Math.floor(Number($("seed").value) || 0)));
      change({seed: v});
    });
    $("noise").addEventListener("input", () => {
      $("noise-value").textContent = Number($("noise").value).toFixed(2);
    });
    $("noise").addEventListener("change", () => change({noise: Number($("noise").value)}));
    $("ratio").addEventListener("input", () => {
      $("ratio-value").textContent = Math.round(100 * $("ratio").value) + "%";
    });
    $("ratio").addEventListener("change", () => change({ratio: Number($("ratio").value)}));
    $("regenerate").addEventListener("click", () => change({data_seed: (state.data_seed + 1) % 2147483647}));
    $("clear-points").addEventListener("click", () => change({extra: []}));
    $("csv").addEventListener("change", uploadCsv);
    $("add-layer").addEventListener("click", () => {
      if (state.hidden.length >= opts.limits.hidden_layers) return;
      const last = state.hidden.length ? state.hidden[state.hidden.length - 1] : 4;
      change({hidden: state.hidden.concat([last])});
    });
    $("remove-layer").addEventListener("click", () => {
      if (state.hidden.length) change({hidden: state.hidden.slice(0, -1)});
    });
    $("play").addEventListener("click", () => send({type: playing ? "pause" : "play"}));
    $("step").addEventListener("click", () => send({type: "step"}));
    $("reset").addEventListener("click", () => send({type: "reset"}));
    $("show-test").addEventListener("change", () => { drawPointsLayer(); drawRegions(); });
    $("regions").addEventListener("click", addPoint);
    $("download").addEventListener("click", downloadModel);
    $("copy").addEventListener("click", copySnippet);
    $("snippet-close").addEventListener("click", () => $("snippet-dialog").close());
    $("diagram").addEventListener("mousemove", diagramTooltip);
    window.addEventListener("hashchange", () => { state = stateFromHash(); syncControls(); sendSetup(); });
    window.addEventListener("resize", () => { layoutCanvases(); buildNeuronButtons(); drawAll(); });
  }

  function syncControls() {
    ensureOption($("lr"), state.lr);
    for (const id of ["activation", "loss", "optimizer", "reg_type", "data"]) $(id).value = state[id];
    ensureOption($("reg"), state.reg);
    ensureOption($("dropout"), state.dropout);
    ensureOption($("input_noise"), state.input_noise);
    ensureOption($("batch_size"), state.batch_size);
    ensureOption($("n"), state.n);
    $("seed").value = state.seed;
    const range = opts.multiclass[state.data];
    const cls = $("classes");
    const fixed = state.data === "custom" && info ? info.classes : 2;
    fillSelect(cls, range ? Array.from({length: range[1] - range[0] + 1}, (_, i) => range[0] + i) : [fixed]);
    cls.value = String(range ? state.classes : fixed);
    cls.disabled = !range;
    $("n").disabled = state.data === "custom";
    $("noise").value = state.noise;
    $("noise").disabled = state.data === "custom";
    $("noise-value").textContent = Number(state.noise).toFixed(2);
    $("ratio").value = state.ratio;
    $("ratio-value").textContent = Math.round(100 * state.ratio) + "%";
    $("reg").disabled = state.reg_type === "none";
    $("add-layer").disabled = state.hidden.length >= opts.limits.hidden_layers;
    $("remove-layer").disabled = state.hidden.length === 0;
    $("layer-count").textContent = state.hidden.length + " hidden layer" + (state.hidden.length === 1 ? "" : "s");
    $("clear-points").disabled = state.extra.length === 0;
    const classes = info ? info.classes : (range ? state.classes : 2);
    const clickCls = $("click-class");
    const keep = clickCls.value;
    fillSelect(clickCls, Array.from({length: classes}, (_, i) => i), (i) => "a point of class " + (i + 1));
    if (keep && Number(keep) < classes) clickCls.value = keep;
  }

  function change(patch) {
    if (patch.data && patch.data === "custom" && !state.points.length) {
      syncControls();
      $("csv").focus();
      showMessage("choose a CSV file of x,y,label rows to use your own data");
      return;
    }
    if (patch.data && patch.data !== "custom") patch.points = [];
    if (patch.data || patch.classes || patch.n) patch.extra = [];
    if (patch.data && patch.data !== state.data) {
      // the data sets scatter on different scales: start each from its own usual noise
      const usual = {spiral: 0.2, circles: 0.1, xor: 0.1, gaussians: 0.5, moons: 0.1, custom: 0};
      patch.noise = usual[patch.data];
    }
    state = Object.assign({}, state, patch);
    syncControls();
    writeHash();
    sendSetup();
  }

  // ---------------------------------------------------------------------------------------------
  // talking to the server
  // ---------------------------------------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws");
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      reconnectDelay = 500;
      unacked = 0;
      sendSetup();
      if (afterReconnect) { send(afterReconnect); afterReconnect = null; }
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") onJson(JSON.parse(ev.data));
      else onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      setPlaying(false);
      if (ev.code === 1001) {
        // dropped after a long idle time: a new session starts with the next action
        ended = true;
        showMessage("the session ended after a long idle time; any control starts a new one");
        return;
      }
      if (ev.code === 1013) {
        showMessage("the server is busy with other pages; close one and reload this page");
        return;
      }
      showMessage("connection to the server lost; trying again…");
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 8000);
    };
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(msg));
    } else if (ended) {
      ended = false;
      if (msg.type !== "setup") afterReconnect = msg;
      connect();
    }
  }

  function sendSetup() {
    send({type: "setup", setup: state});
  }

  function onJson(msg) {
    if (msg.type === "info") {
      const newData = "train" in msg;
      if (msg.what === "reset") { history = []; }
      info = Object.assign({}, info || {}, msg);
      probe.info = info;
      $("net-name").textContent = msg.name;
      $("net-counts").textContent = `${msg.neurons.toLocaleString("en")} neurons · ` +
        `${msg.params.toLocaleString("en")} parameters (${msg.weights.toLocaleString("en")} ` +
        `weights + ${msg.biases.toLocaleString("en")} biases)`;
      const nTrain = info.train.x.length, nTest = info.test.x.length;
      $("data-summary").textContent = `${nTrain.toLocaleString("en")} training points, ` +
        `${nTest.toLocaleString("en")} test points, ${msg.classes} classes` +
        (state.extra.length ? ` (${state.extra.length} added by clicking)` : "");
      syncControls();
      buildNeuronButtons();
      buildLegend(msg.classes);
      if (newData) drawPointsLayer();
      // a setup the server took clears an earlier complaint (but not a success note)
      if (!$("message").classList.contains("ok")) clearMessage();
    } else if (msg.type === "state") {
      setPlaying(msg.playing);
    } else if (msg.type === "error") {
      probe.errors.push(msg.message);
      showMessage(msg.message);
    }
  }

  function onFrame(buf) {
    const view = new DataView(buf);
    const n = view.getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
    const base = 4 + n;
    const arrays = {};
    const types = {uint8: Uint8Array, int8: Int8Array, float32: Float32Array};
    for (const a of header.arrays) {
      const T = types[a.dtype];
      arrays[a.name] = new T(buf, base + a.offset, a.length / T.BYTES_PER_ELEMENT);
    }
    header.data = arrays;
    probe.framesReceived++;
    unacked++;
    if (header.train_loss !== null && header.test_loss !== null) {
      const last = history[history.length - 1];
      if (!last || last.steps !== header.steps) {
        history.push({steps: header.steps, epoch: header.epoch, train: header.train_loss,
                      test: header.test_loss});
        if (history.length > 1200) history = history.filter((_, i) => i % 2 === 0);
      }
    }
    pending = header;
    requestAnimationFrame(drawPending);
  }

  function drawPending() {
    if (!pending) return;
    probe.header = pending;
    drawAll();
    pending = null;
    probe.framesDrawn++;
    const now = performance.now();
    fpsTimes.push(now);
    while (fpsTimes.length && now - fpsTimes[0] > 1000) fpsTimes.shift();
    $("fps").textContent = playing ? fpsTimes.length + " fps" : "";
    // acknowledge every frame received, drawn or skipped: the server sends at most two ahead
    while (unacked > 0) { send({type: "ack"}); unacked--; }
  }

  function setPlaying(p) {
    playing = p;
    const b = $("play");
    b.textContent = p ? "❚❚ Pause" : "▶ Play";
    b.setAttribute("aria-label", p ? "Pause" : "Play");
    b.classList.toggle("playing", p);
  }

  function showMessage(text, ok) {
    const m = $("message");
    m.textContent = text;
    m.classList.toggle("ok", !!ok);
  }

  function clearMessage() { showMessage(""); }

  function buildLegend(classes) {
    const el = $("legend");
    el.innerHTML = "";
    for (let k = 0; k < classes; k++) {
      const span = document.createElement("span");
      const dot = document.createElement("i");
      dot.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
      span.appendChild(dot);
      span.appendChild(document.createTextNode("class " + (k + 1)));
      el.appendChild(span);
    }
    const edges = document.createElement("span");
    const tr = document.createElement("i");
    tr.className = "train";
    tr.style.background = "#bbb";
    const te = document.createElement("i");
    te.style.background = "#bbb";
    edges.append(tr, "training ", te, "test");
    el.appendChild(edges);
  }

  // ---------------------------------------------------------------------------------------------
  // data: CSV upload, click to add points
  // ---------------------------------------------------------------------------------------------
  async function uploadCsv() {
    const file = $("csv").files[0];
    if (!file) return;
    if (file.size > opts.limits.body_bytes - 64) {
      showMessage(`${file.name} is ${file.size.toLocaleString("en")} bytes; the limit is ` +
                  `${opts.limits.body_bytes.toLocaleString("en")}`);
      return;
    }
    const text = await file.text();
    const resp = await fetch("/api/csv", {method: "POST", headers: {"content-type": "application/json"},
                                          body: JSON.stringify({csv: text})});
    const body = await resp.json();
    if (!resp.ok) {
      probe.errors.push(body.error);
      showMessage(`${file.name}: ${body.error}`);
      return;
    }
    const points = body.points.map((p) => [f32(p[0]), f32(p[1]), p[2]]);
    state = Object.assign({}, state, {data: "custom", points, extra: []});
    syncControls();
    writeHash();
    sendSetup();
    showMessage(`${file.name}: ${body.points.length.toLocaleString("en")} points, ` +
                `${body.classes} classes (labels ${body.labels.join(", ")})`, true);
    $("csv").value = "";
  }

  function addPoint(ev) {
    if (!info) return;
    const c = $("regions");
    const r = c.getBoundingClientRect();
    const [x0, x1, y0, y1] = info.extent;
    const x = x0 + (ev.clientX - r.left) / r.width * (x1 - x0);
    const y = y1 - (ev.clientY - r.top) / r.height * (y1 - y0);
    const total = (state.data === "custom" ? state.points.length : state.n) + state.extra.length;
    if (total >= opts.limits.points) {
      showMessage(`at most ${opts.limits.points.toLocaleString("en")} points`);
      return;
    }
    const label = Number($("click-class").value || 0);
    change({extra: state.extra.concat([[f32(Math.round(x * 1e4) / 1e4), f32(Math.round(y * 1e4) / 1e4), label]])});
  }

  // ---------------------------------------------------------------------------------------------
  // model download and the Python snippet
  // ---------------------------------------------------------------------------------------------
  async function downloadModel() {
    if (!info) return;
    const resp = await fetch("/api/model", {method: "POST", headers: {"content-type": "application/json"},
                                            body: JSON.stringify({session: info.session})});
    if (!resp.ok) {
      const body = await resp.json();
      showMessage(body.error);
      return;
    }
    const blob = await resp.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "layerwise-playground.safetensors";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    showMessage(`downloaded layerwise-playground.safetensors (${blob.size.toLocaleString("en")} bytes)`, true);
  }

  async function copySnippet() {
    if (!info) return;
    $("snippet").textContent = info.snippet;
    let copied = false;
    try {
      await navigator.clipboard.writeText(info.snippet);
      copied = true;
    } catch (e) { /* no clipboard here: the dialog shows the text to copy by hand */ }
    $("snippet-note").textContent = copied ? "Copied to the clipboard:" : "Select and copy this Python:";
    $("snippet-dialog").showModal();
  }

  // ---------------------------------------------------------------------------------------------
  // drawing
  // ---------------------------------------------------------------------------------------------
  function hexRgb(h) {
    return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
  }

  const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  function pack(r, g, b) {
    return LITTLE ? (255 << 24) | (b << 16) | (g << 8) | r : (r << 24) | (g << 16) | (b << 8) | 255;
  }

  // region colour of (class, confidence): a tint of the class colour, stronger when surer
  const REGION_LUT = CLASS_COLORS.map((h) => {
    const c = hexRgb(h);
    const lut = new Uint32Array(256);
    for (let k = 0; k < 256; k++) {
      const t = 0.12 + 0.55 * (k / 255);
      lut[k] = pack(...c.map((v) => Math.round(255 + (v - 255) * t)));
    }
    return lut;
  });
  // a neuron's output, -127..127 mapped to orange..white..blue
  const UNIT_LUT = new Uint32Array(256);
  for (let v = -128; v < 128; v++) {
    const t = Math.min(1, Math.abs(v) / 127);
    const c = v >= 0 ? POS : NEG;
    UNIT_LUT[v & 255] = pack(...c.map((x) => Math.round(255 + (x - 255) * t)));
  }
  const DEAD_LUT = new Uint32Array(256);
  for (let v = -128; v < 128; v++) {
    const g = Math.round(225 - 60 * Math.min(1, Math.abs(v) / 127));
    DEAD_LUT[v & 255] = pack(g, g, g);
  }

  const regionImage = document.createElement("canvas");
  regionImage.width = regionImage.height = 100;
  const unitAtlas = document.createElement("canvas");

  function layoutCanvases() {
    const dpr = window.devicePixelRatio || 1;
    for (const id of ["regions", "loss-chart", "diagram"]) {
      const c = $(id);
      const w = Math.max(10, Math.round(c.clientWidth * dpr));
      const h = Math.max(10, Math.round(c.clientHeight * dpr));
      if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    }
    drawPointsLayer();
  }

  function drawAll() {
    const h = probe.header;
    if (!h) return;
    $("epoch").textContent = h.epoch.toLocaleString("en");
    $("train-loss").textContent = fmtLoss(h.train_loss, h.train_acc);
    $("test-loss").textContent = fmtLoss(h.test_loss, h.test_acc);
    const deadTotal = h.dead_units.reduce((s, d) => s + d.reduce((a, b) => a + b, 0), 0);
    const hiddenTotal = h.dead_units.reduce((s, d) => s + d.length, 0);
    $("dead-summary").textContent = state.activation === "relu" && hiddenTotal ?
      `dead ReLUs: ${deadTotal} of ${hiddenTotal} (${Math.round(100 * deadTotal / hiddenTotal)}%)` : "";
    drawRegions();
    drawLossChart();
    drawDiagram();
  }

  function fmtLoss(loss, acc) {
    if (loss === null || loss === undefined) return "–";
    return loss.toFixed(3) + (acc === null ? "" : ` · ${(acc * 100).toFixed(1)}% right`);
  }

  function drawRegions() {
    const c = $("regions");
    const ctx = c.getContext("2d");
    const h = probe.header;
    if (h) {
      const reg = h.data.region;
      const img = new ImageData(100, 100);
      const px = new Uint32Array(img.data.buffer);
      let sum = 0;
      for (let i = 0; i < 10000; i++) {
        const cls = reg[i], conf = reg[10000 + i];
        px[i] = REGION_LUT[cls % REGION_LUT.length][conf];
        sum = (sum * 31 + cls * 256 + conf) >>> 0;
      }
      probe.regionSum = sum;
      regionImage.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(regionImage, 0, 0, c.width, c.height);
    } else {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, c.width, c.height);
    }
    if (pointsLayer) ctx.drawImage(pointsLayer, 0, 0);
  }

  function drawPointsLayer() {
    if (!info || !info.train) return;
    const c = $("regions");
    pointsLayer = pointsLayer || document.createElement("canvas");
    pointsLayer.width = c.width;
    pointsLayer.height = c.height;
    const ctx = pointsLayer.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    const [x0, x1, y0, y1] = info.extent;
    const sx = c.width / (x1 - x0), sy = c.height / (y1 - y0);
    const total = info.train.x.length + info.test.x.length;
    const r = (total > 3000 ? 2 : total > 1000 ? 2.6 : 3.4) * (window.devicePixelRatio || 1);
    const sets = [[info.train, "#ffffff"]];
    if ($("show-test").checked) sets.push([info.test, "#111111"]);
    for (const [pts, edge] of sets) {
      ctx.strokeStyle = edge;
      ctx.lineWidth = 1;
      for (let i = 0; i < pts.x.length; i++) {
        ctx.beginPath();
        ctx.arc((pts.x[i] - x0) * sx, (y1 - pts.y[i]) * sy, r, 0, 2 * Math.PI);
        ctx.fillStyle = CLASS_COLORS[pts.label[i] % CLASS_COLORS.length];
        ctx.fill();
        ctx.stroke();
      }
    }
  }

  function drawLossChart() {
    const c = $("loss-chart");
    const ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    if (history.length < 1) return;
    const pad = 4;
    // scale to the run after its first tenth, so the steep start does not flatten the rest
    let hi = 0;
    for (let i = Math.floor(history.length / 10); i < history.length; i++) {
      hi = Math.max(hi, history[i].train, history[i].test);
    }
    hi = 1.1 * hi || 1;
    const s0 = history[0].steps, s1 = Math.max(history[history.length - 1].steps, s0 + 1);
    const X = (s) => pad + (s - s0) / (s1 - s0) * (c.width - 2 * pad);
    const top = 16 * (window.devicePixelRatio || 1);  // a band for the labels
    const Y = (v) => c.height - pad - v / hi * (c.height - pad - top);
    const line = (key, color, width, dash) => {
      ctx.beginPath();
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      history.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(p.steps), Y(p[key])));
      ctx.stroke();
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top - 2, c.width, c.height - top + 2);  // what rises above the scale is cut
    ctx.clip();
    line("train", "#0072B2", 1.5, [4, 3]);
    line("test", "#111111", 1.5, []);
    ctx.restore();
    ctx.setLineDash([]);
    const dpr = window.devicePixelRatio || 1;
    ctx.font = `${11 * dpr}px sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    ctx.fillStyle = "#111111";
    ctx.fillText("test", c.width - 6 * dpr, 4 * dpr);
    ctx.fillStyle = "#0072B2";
    ctx.fillText("training", c.width - 36 * dpr, 4 * dpr);
    ctx.fillStyle = "#666";
    ctx.textAlign = "left";
    ctx.fillText(`max ${hi.toPrecision(2)}`, 6 * dpr, 4 * dpr);
  }

  // the diagram: columns of neurons, each a heatmap of its own output, links between them
  let layout = null;

  function computeLayout() {
    const c = $("diagram");
    const sizes = info.sizes;
    const cols = sizes.length;
    const w = c.width, h = c.height;
    const maxN = Math.max(...sizes);
    const gap0 = (w - 80) / Math.max(1, cols - 1);
    const box = Math.max(4, Math.min(44, gap0 * 0.42, (h - 24) / maxN * 0.82));
    const margin = box / 2 + 26;  // room for the x1, x2 labels left of the inputs
    const colX = sizes.map((_, i) => cols === 1 ? w / 2 : margin + i * (w - 2 * margin) / (cols - 1));
    const units = [];
    sizes.forEach((n, l) => {
      const step = Math.min(box * 1.25, (h - 24) / n);
      const top = (h - step * n) / 2 + (step - box) / 2;
      for (let j = 0; j < n; j++) units.push({layer: l, index: j, x: colX[l] - box / 2, y: top + j * step});
    });
    return {colX, box, units, sizes};
  }

  function buildNeuronButtons() {
    if (!info) return;
    const holder = $("neuron-buttons");
    holder.innerHTML = "";
    layout = computeLayout();
    const dpr = window.devicePixelRatio || 1;
    const lim = opts.limits.neurons;
    info.sizes.forEach((n, l) => {
      const x = layout.colX[l] / dpr;
      if (l === 0 || l === info.sizes.length - 1) {
        const lab = document.createElement("span");
        lab.className = "clabel";
        lab.style.left = x + "px";
        lab.textContent = l === 0 ? "inputs" : "scores";
        lab.title = l === 0 ? "The input layer: the point's coordinates x1 and x2. Seed §3.1.1: it is not counted in the N-layer name." :
          "The output layer: one score per class and no activation function. Seed §3.1.2.";
        holder.appendChild(lab);
        return;
      }
      const i = l - 1;
      const box = document.createElement("div");
      box.className = "nbox";
      box.style.left = x + "px";
      const btns = document.createElement("div");
      btns.className = "btns";
      for (const [sym, delta] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = sym;
        b.setAttribute("aria-label", `${delta > 0 ? "Add a neuron to" : "Remove a neuron from"} hidden layer ${l}`);
        b.title = `${delta > 0 ? "Add a neuron to" : "Remove a neuron from"} hidden layer ${l} ` +
          `(1 to ${lim}). Seed §3.4: more neurons, more complicated decision regions.`;
        b.disabled = delta > 0 ? n >= lim : n <= 1;
        b.addEventListener("click", () => {
          const hidden = state.hidden.slice();
          hidden[i] = Math.max(1, Math.min(lim, hidden[i] + delta));
          change({hidden});
        });
        btns.appendChild(b);
      }
      const lab = document.createElement("span");
      const roomy = info.sizes.length < 2 || (layout.colX[1] - layout.colX[0]) / dpr >= 66;
      lab.textContent = roomy ? `${n} neuron${n === 1 ? "" : "s"}` : String(n);
      lab.title = `Hidden layer ${l}: ${n} neuron${n === 1 ? "" : "s"}, each f(w·x + b) of every unit in the layer before (seed §3.1, fully connected).`;
      box.appendChild(btns);
      box.appendChild(lab);
      holder.appendChild(box);
    });
  }

  function drawDiagram() {
    const c = $("diagram");
    const ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    const h = probe.header;
    if (!info || !h || !layout || h.sizes.join() !== layout.sizes.join()) {
      if (info && h && h.sizes.join() === info.sizes.join()) { layout = computeLayout(); } else return;
    }
    const {units, box} = layout;
    const sizes = h.sizes;
    const starts = [0];
    for (const n of sizes) starts.push(starts[starts.length - 1] + n);
    // links: one (out, in) matrix per weight layer, blue positive, orange negative
    const links = h.data.links;
    let maxAbs = 1e-12;
    for (let i = 0; i < links.length; i++) maxAbs = Math.max(maxAbs, Math.abs(links[i]));
    let off = 0;
    const many = links.length > 2000;
    for (let l = 0; l < h.link_shapes.length; l++) {
      const [nOut, nIn] = h.link_shapes[l];
      for (let o = 0; o < nOut; o++) {
        const to = units[starts[l + 1] + o];
        for (let k = 0; k < nIn; k++) {
          const w = links[off + o * nIn + k];
          const a = Math.abs(w) / maxAbs;
          if (many && a < 0.15) continue;
          const from = units[starts[l] + k];
          const c0 = w >= 0 ? POS : NEG;
          ctx.strokeStyle = `rgba(${c0[0]},${c0[1]},${c0[2]},${(0.25 + 0.6 * a).toFixed(2)})`;
          ctx.lineWidth = 0.4 + 3.6 * a;
          ctx.beginPath();
          ctx.moveTo(from.x + box, from.y + box / 2);
          ctx.lineTo(to.x, to.y + box / 2);
          ctx.stroke();
        }
      }
      off += nOut * nIn;
    }
    // neurons: each its own output over the plane, from one atlas image
    const U = units.length, G = 20;
    const vals = h.data.units;
    if (unitAtlas.width !== G * U) { unitAtlas.width = G * U; unitAtlas.height = G; }
    const img = new ImageData(G * U, G);
    const px = new Uint32Array(img.data.buffer);
    const dead = new Uint8Array(U);
    h.dead_units.forEach((d, l) => d.forEach((v, j) => { dead[starts[l + 1] + j] = v; }));
    for (let u = 0; u < U; u++) {
      const lut = dead[u] ? DEAD_LUT : UNIT_LUT;
      for (let r = 0; r < G; r++) {
        const row = r * G * U + u * G;
        for (let q = 0; q < G; q++) px[row + q] = lut[vals[u * G * G + r * G + q] & 255];
      }
    }
    unitAtlas.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = box > 2 * G;
    for (let u = 0; u < U; u++) {
      const p = units[u];
      ctx.drawImage(unitAtlas, u * G, 0, G, G, p.x, p.y, box, box);
      ctx.lineWidth = dead[u] ? 1.5 : 1;
      ctx.strokeStyle = dead[u] ? "#999" : "#555";
      ctx.setLineDash(dead[u] ? [3, 2] : []);
      ctx.strokeRect(p.x + 0.5, p.y + 0.5, box - 1, box - 1);
    }
    ctx.setLineDash([]);
    if (box >= 14) {
      ctx.fillStyle = "#333";
      ctx.font = `${Math.round(Math.min(12, box / 2.4))}px sans-serif`;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (let j = 0; j < sizes[0]; j++) ctx.fillText("x" + (j + 1), units[j].x - 4, units[j].y + box / 2);
    }
  }

  function diagramTooltip(ev) {
    if (!layout || !probe.header) return;
    const c = $("diagram");
    const r = c.getBoundingClientRect();
    const dpr = c.width / r.width;
    const x = (ev.clientX - r.left) * dpr, y = (ev.clientY - r.top) * dpr;
    const u = layout.units.find((p) => x >= p.x && x <= p.x + layout.box && y >= p.y && y <= p.y + layout.box);
    const base = "Each square is one neuron's output over the plane (blue positive, orange negative); " +
      "links are the weights, blue positive, orange negative, thicker when larger. Grey squares are dead ReLUs (seed §2.3.3).";
    if (!u) { c.title = base; return; }
    const last = layout.sizes.length - 1;
    const h = probe.header;
    if (u.layer === 0) c.title = `Input x${u.index + 1}: the point's ${u.index ? "vertical" : "horizontal"} coordinate.`;
    else if (u.layer === last) c.title = `Output score of class ${u.index + 1}: no activation function (seed §3.1.2).`;
    else {
      const isDead = h.dead_units[u.layer - 1] && h.dead_units[u.layer - 1][u.index];
      c.title = `Hidden layer ${u.layer}, neuron ${u.index + 1}: f(w·x + b) over the plane` +
        (isDead ? ". Dead: its input is negative on every training point, so no gradient reaches it (seed §2.3.3)." : ".");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // start
  // ---------------------------------------------------------------------------------------------
  async function start() {
    const resp = await fetch("/api/options");
    if (!resp.ok) {
      showMessage("the server refused the page: " + (await resp.text()) + " — open the URL that `layerwise serve` printed");
      return;
    }
    opts = await resp.json();
    buildControls();
    state = stateFromHash();
    syncControls();
    writeHash();
    layoutCanvases();
    drawRegions();
    probe.ready = true;
    probe.drawAll = drawAll;
    connect();
  }

  start();
})();

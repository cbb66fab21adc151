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
  const N_CHOICES = [100, 200, 400, 500, 1000, 2000, 5000, 10000];
  const DATA_LABELS = {spiral: "Spiral", circles: "Circles", xor: "XOR", gaussians: "Gaussian blobs",
                       moons: "Moons", tf_circle: "Circle (TF Playground)", tf_xor: "XOR (TF Playground)",
                       tf_gauss: "Gaussian (TF Playground)", tf_spiral: "Spiral (TF Playground)",
                       reg_plane: "Plane (regression)", reg_gauss: "Multi-Gaussian (regression)",
                       custom: "Your data (CSV)"};
  const REG_LABELS = {none: "None", l1: "L1", l2: "L2"};
  const LOSS_LABELS = {softmax: "Softmax", hinge: "Hinge", mse: "MSE"};
  const HASH_KEYS = {data: "data", classes: "classes", n: "n", noise: "noise", ratio: "ratio",
                     data_seed: "dseed", hidden: "hidden", activation: "act", loss: "loss",
                     optimizer: "opt", lr: "lr", reg_type: "reg", reg: "rs", dropout: "drop",
                     input_noise: "inoise", batch_size: "bs", seed: "seed", features: "feat",
                     init_scale: "init", labels: "lbl"};
  // the page's own settings, kept in the link beside the setup
  const VIEW_KEYS = {showTest: "test", discretize: "disc", lesson: "lesson"};
  const PENDING_KEY = "layerwise-pending-link";  // a link kept by the page that asked for a token

  const $ = (id) => document.getElementById(id);

  // The lessons: each figure of the seed as a setup, its sentence beside it, and the variants
  // the figure compares. A setup here is a patch on the defaults.
  const LESSON_DATA = {data: "moons", n: 200, noise: 0.3, ratio: 0.5, batch_size: 10, optimizer: "sgd"};
  const LESSONS = {
    neuron: {
      title: "One neuron: a linear classifier",
      note: "“With an appropriate loss function on the neuron’s output, we can turn a single neuron into a linear classifier” (seed §2.2): no hidden layer, so the boundary is a straight line.",
      setup: {data: "gaussians", classes: 2, noise: 0.5, n: 400, hidden: [], activation: "relu", lr: 0.03},
      variants: [],
    },
    capacity: {
      title: "Capacity: 3, 6 and 20 hidden neurons",
      note: "“Neural Networks with more neurons can express more complicated functions … the model with 20 hidden neurons fits all the training data” (seed §3.4).",
      setup: Object.assign({}, LESSON_DATA, {hidden: [3], activation: "relu", lr: 0.1}),
      variants: [["3 neurons", {hidden: [3]}], ["6", {hidden: [6]}], ["20", {hidden: [20]}]],
    },
    l2: {
      title: "L2 strength 0.001, 0.01, 0.1",
      note: "“The regularization strength is the preferred way to control the overfitting of a neural network” (seed §3.4): 20 hidden neurons, smoother regions as the strength grows.",
      setup: Object.assign({}, LESSON_DATA, {hidden: [20], activation: "relu", lr: 0.1, reg_type: "l2", reg: 0.001}),
      variants: [["L2 0.001", {reg: 0.001}], ["0.01", {reg: 0.01}], ["0.1", {reg: 0.1}]],
    },
    "dying-relu": {
      title: "Dying ReLUs at a high learning rate",
      note: "“As much as 40% of your network can be ‘dead’ … if the learning rate is set too high” (seed §2.3.3); “Leaky ReLUs are one attempt to fix the ‘dying ReLU’ problem” (§2.3.4).",
      setup: {data: "spiral", classes: 2, n: 400, noise: 0.2, hidden: [16, 16], activation: "relu", lr: 1, batch_size: 10},
      variants: [["ReLU", {activation: "relu"}], ["Leaky ReLU", {activation: "leaky_relu"}]],
    },
    saturation: {
      title: "Sigmoid saturation, large weights",
      note: "“If the initial weights are too large then most neurons would become saturated and the network will barely learn” (seed §2.3.1): the initial weights here are ten times the usual.",
      setup: {data: "spiral", classes: 2, n: 400, noise: 0.2, hidden: [16, 16], activation: "sigmoid", lr: 0.3, init_scale: 10},
      variants: [["weights ×10", {init_scale: 10}], ["×1", {init_scale: 1}]],
    },
    "linear-spiral": {
      title: "A linear net and the spiral",
      note: "“If we left it out, the two matrices could be collapsed to a single matrix, and therefore the predicted class scores would again be a linear function of the input” (seed §1).",
      setup: {data: "spiral", classes: 2, n: 400, noise: 0.2, hidden: [8, 8], activation: "identity", lr: 0.03},
      variants: [["no non-linearity", {activation: "identity"}], ["ReLU", {activation: "relu"}]],
    },
  };

  // what the tests and the benchmark read; nothing here is needed by the page itself
  const probe = window.__lw = {framesReceived: 0, framesDrawn: 0, renders: 0, errors: [], ready: false,
                               header: null, info: null, regionSum: 0, messages: []};
  Object.defineProperty(probe, "state", {get: () => state});
  Object.defineProperty(probe, "playing", {get: () => playing});
  Object.defineProperty(probe, "view", {get: () => view});
  Object.defineProperty(probe, "layout", {get: () => layout});

  // Live counters for scripts and benchmarks, over the last second: `fps`, the frames the page
  // drew (each a render of the whole view from the newest state it holds; see render());
  // `updates`, those of them that drew a frame from the server not drawn before;
  // `stepsPerSecond`, training steps; and the epoch of the state on screen.
  const drawn = [];  // [time of drawing, steps, epoch, a frame not drawn before]
  window.playground = {
    stats() {
      const now = performance.now();
      while (drawn.length && now - drawn[0][0] > 1000) drawn.shift();
      const last = drawn[drawn.length - 1];
      let sps = 0;
      if (drawn.length > 1) {
        const first = drawn[0];
        sps = (last[1] - first[1]) / Math.max(1e-3, (last[0] - first[0]) / 1000);
      }
      return {fps: playing ? drawn.length : 0, stepsPerSecond: playing ? Math.round(sps) : 0,
              epoch: probe.header ? probe.header.epoch : 0,
              updates: playing ? drawn.filter((d) => d[3]).length : 0};
    },
  };

  let opts = null;        // /api/options
  let state = null;       // the setup, as sent to the server
  let view = {showTest: true, discretize: false, lesson: ""};  // what the page alone uses
  let info = null;        // the last "info" message
  let ws = null;
  let playing = false;
  let pending = null;     // the newest frame not yet drawn
  let drawScheduled = false;
  let unacked = 0;        // frames received but not yet acknowledged
  let history = [];       // [{steps, epoch, train, test}]
  let pointsLayer = null; // the data points, drawn once per data change
  let fpsShown = 0;
  let deadNoticeAt = "";  // the network and rate of the last dead-ReLU notice
  let netSerial = 0;  // counts fresh networks
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

  // Each value of a link is checked here: a bad one is replaced by its default, and the page
  // says which, rather than sending the server a setup it must refuse.
  function stateFromHash() {
    const s = JSON.parse(JSON.stringify(opts.defaults));
    const q = new URLSearchParams(location.hash.slice(1));
    const bad = [];
    const choices = {data: opts.datasets, activation: opts.activations.map((a) => a.name),
                     loss: opts.losses, optimizer: opts.optimizers, reg_type: opts.reg_types};
    for (const [key, short] of Object.entries(HASH_KEYS)) {
      if (!q.has(short)) continue;
      const v = q.get(short);
      let value;
      if (key === "hidden") {
        value = v === "" ? [] : v.split(",").map(Number);
        if (!value.every((h) => Number.isInteger(h) && h >= 1 && h <= opts.limits.neurons) ||
            value.length > opts.limits.hidden_layers) value = undefined;
      } else if (key === "features") {
        value = v.split(",").filter((f) => f in opts.features);
        if (!value.length || value.length !== v.split(",").length) value = undefined;
      } else if (key === "labels") {
        value = v === "" ? [] : v.split(",").map(decodeURIComponent);
      } else if (typeof s[key] === "number") {
        value = v.trim() === "" ? NaN : Number(v);
        if (!Number.isFinite(value)) value = undefined;
      } else {
        value = choices[key] && !choices[key].includes(v) ? undefined : v;
      }
      if (value === undefined) bad.push(`${short}=${v.slice(0, 30)}`);
      else s[key] = value;
    }
    try {
      if (q.has("pts")) s.points = decodePoints(q.get("pts"));
      if (q.has("ext")) s.extra = decodePoints(q.get("ext"));
    } catch (e) {
      bad.push("the points");
    }
    if (s.data !== "custom") { s.points = []; s.labels = []; }
    if (s.data === "custom" && s.points.length < 10) { s.data = opts.defaults.data; s.points = []; bad.push("data=custom without its points"); }
    view = {showTest: q.get("test") !== "0", discretize: q.get("disc") === "1",
            lesson: q.get("lesson") || ""};
    if (bad.length) {
      showMessage(`this link's ${bad.join(", ")} could not be used; the default${bad.length > 1 ? "s are" : " is"} shown instead`, false, true);
    }
    return s;
  }

  function writeHash() {
    const q = new URLSearchParams();
    for (const [key, short] of Object.entries(HASH_KEYS)) {
      if (key === "labels") {
        if (state.labels.length) q.set(short, state.labels.map(encodeURIComponent).join(","));
        continue;
      }
      q.set(short, Array.isArray(state[key]) ? state[key].join(",") : String(state[key]));
    }
    if (state.data === "custom" && state.points.length) q.set("pts", encodePoints(state.points));
    if (state.extra.length) q.set("ext", encodePoints(state.extra));
    q.set("test", view.showTest ? "1" : "0");
    q.set("disc", view.discretize ? "1" : "0");
    if (view.lesson) q.set("lesson", view.lesson);
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
    $("show-test").addEventListener("change", () => {
      view.showTest = $("show-test").checked;
      writeHash();
      drawPointsLayer();
      drawRegions();
    });
    $("discretize").addEventListener("change", () => {
      view.discretize = $("discretize").checked;
      writeHash();
      drawRegions();
    });
    $("share").addEventListener("click", shareLink);
    const feats = $("features");
    for (const [name, shown] of Object.entries(opts.features)) {
      const lab = document.createElement("label");
      lab.title = `Feed ${shown} to the network as an input (the first layer's width follows). ` +
        "Seed §3.1.1: every input is connected to every neuron of the first layer.";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "feature-" + name;
      box.value = name;
      box.addEventListener("change", () => {
        const chosen = [...feats.querySelectorAll("input")].filter((b) => b.checked).map((b) => b.value);
        if (!chosen.length) {
          box.checked = true;
          showMessage("the network needs at least one input feature");
          return;
        }
        change({features: chosen});
      });
      lab.append(box, shown);
      feats.appendChild(lab);
    }
    fillSelect($("lesson"), [""].concat(Object.keys(LESSONS)),
               (k) => k ? LESSONS[k].title : "Choose a lesson…");
    $("lesson").addEventListener("change", () => startLesson($("lesson").value));
    $("diagram").addEventListener("mouseleave", () => { $("hover").hidden = true; });
    $("diagram").addEventListener("click", openEditor);
    $("editor").addEventListener("submit", submitEdit);
    $("editor").addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeEditor(); });
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
    const regression = opts.regression.includes(state.data);
    for (const o of $("loss").options) o.disabled = regression !== (o.value === "mse");
    for (const b of $("features").querySelectorAll("input")) b.checked = state.features.includes(b.value);
    $("show-test").checked = view.showTest;
    $("discretize").checked = view.discretize;
    $("lesson").value = view.lesson in LESSONS ? view.lesson : "";
    showLessonNote();
    $("click-class").disabled = regression;
    const range = opts.multiclass[state.data];
    const cls = $("classes");
    const fixed = state.data === "custom" && info ? info.classes : 2;
    fillSelect(cls, range ? Array.from({length: range[1] - range[0] + 1}, (_, i) => range[0] + i) : [fixed]);
    cls.value = String(range ? state.classes : fixed);
    cls.disabled = !range;
    $("n").disabled = state.data === "custom";
    $("noise").max = state.data in {tf_circle: 1, tf_xor: 1, tf_gauss: 1, tf_spiral: 1,
                                    reg_plane: 1, reg_gauss: 1} ? 0.5 : 1;
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
    fillSelect(clickCls, Array.from({length: classes}, (_, i) => i), (i) => "a point of " + className(i));
    if (keep && Number(keep) < classes) clickCls.value = keep;
  }

  function change(patch) {
    delete $("message").dataset.sticky;  // a change by hand: the note about the link has done its job
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
      // (TensorFlow Playground's own start at none)
      const usual = {spiral: 0.2, circles: 0.1, xor: 0.1, gaussians: 0.5, moons: 0.1, custom: 0};
      patch.noise = usual[patch.data] || 0;
      const regression = opts.regression.includes(patch.data);
      if (regression) patch.loss = "mse";
      else if (state.loss === "mse") patch.loss = "softmax";
      if (patch.data !== "custom") patch.labels = [];
    }
    if (!("lesson" in patch) && !patch.fromLesson) {
      // a change by hand leaves the lesson's figure: its sentence stays, its variant buttons go
      if (view.lesson) markVariant(null);
    }
    delete patch.fromLesson;
    delete patch.lesson;
    state = Object.assign({}, state, patch);
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
      flushSetup();
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
      setTimeout(async () => {
        if (await stillAdmitted()) connect();
        else keepLinkAndReload();
      }, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 8000);
    };
  }

  function send(msg) {
    if (msg.type !== "setup" && msg.type !== "ack" && setupQueued) flushSetup();
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(msg));
    } else if (ended) {
      ended = false;
      if (msg.type !== "setup") afterReconnect = msg;
      connect();
    }
  }

  // A change takes effect in `state` at once; the controls, the link and the setup sent to the
  // server follow once, when the script that made the change is done (a microtask: before any
  // animation frame or message is handled, which a timer would wait behind). Changes made in
  // one go (sixty clicks in a script, a lesson's several fields) so cost one sync of the
  // controls and one setup, not one each: syncing every control and rewriting the link took
  // 1.5-13 ms a click. Any other message sends the waiting setup first, to keep their order.
  let setupQueued = false;

  function sendSetup() {
    if (!setupQueued) {
      setupQueued = true;
      queueMicrotask(() => { if (setupQueued) flushSetup(); });
    }
  }

  function flushSetup() {
    setupQueued = false;
    syncControls();
    writeHash();
    send({type: "setup", setup: state});
  }

  function onJson(msg) {
    if (msg.type === "info") {
      const newData = "train" in msg;
      // a new network: the old one's frames are no longer what the page shows
      if (msg.what === "reset") { history = []; probe.header = null; pending = null; netSerial++; }
      info = Object.assign({}, info || {}, msg);
      probe.info = info;
      $("net-name").textContent = msg.name;
      $("net-counts").textContent = `${msg.neurons.toLocaleString("en")} neurons · ` +
        `${msg.params.toLocaleString("en")} parameters (${msg.weights.toLocaleString("en")} ` +
        `weights + ${msg.biases.toLocaleString("en")} biases)`;
      const nTrain = info.train.x.length, nTest = info.test.x.length;
      $("data-summary").textContent = `${nTrain.toLocaleString("en")} training points, ` +
        `${nTest.toLocaleString("en")} test points, ` +
        (msg.regression ? "a real-valued target (regression)" : `${msg.classes} classes`) +
        (state.extra.length ? ` (${state.extra.length} added by clicking)` : "");
      syncControls();
      buildNeuronButtons();
      buildLegend(msg.classes, msg.regression);
      if (newData) drawPointsLayer();
      // a setup the server took clears an earlier complaint (but not a success note)
      if (!$("message").classList.contains("ok") && !$("message").dataset.sticky) clearMessage();
    } else if (msg.type === "state") {
      setPlaying(msg.playing);
    } else if (msg.type === "error") {
      probe.errors.push(msg.message);
      if (!info && /^[a-z_]+(\[\d+\])?:/.test(msg.message)) {
        // the link's setup was refused before anything was drawn: draw the defaults instead
        state = JSON.parse(JSON.stringify(opts.defaults));
        syncControls();
        writeHash();
        sendSetup();
        showMessage(`this link's setup was refused (${msg.message}); the default setup is shown instead`, false, true);
        return;
      }
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
    scheduleRender();
  }

  function scheduleRender() {
    if (!drawScheduled) { drawScheduled = true; requestAnimationFrame(render); }
  }

  // While training runs the page looks at every animation frame for a new frame from the
  // server and draws the newest one received; a frame that a newer one replaced before the next
  // animation frame is never drawn and never counted. When nothing has been drawn for REDRAW_MS
  // (a training step longer than that), the page draws its newest state again at the next
  // animation frame, so that it keeps drawing at least 10 frames a second (80 ms, and at most
  // one 60 Hz display frame more, is at most 100 ms between drawings). Drawing the same state at
  // every animation frame instead cost Chromium 0.8 of this machine's two cores against 0.15,
  // and the heaviest setup a third of its training steps. A frame counted in `fps` is either
  // kind of drawing; `updates` counts those that drew a frame not drawn before (a new training
  // state, or a change).
  const REDRAW_MS = 80;
  let lastDrawn = 0;

  function render(now) {
    drawScheduled = false;
    // acknowledge every frame received, drawn or skipped (a new network drops the old one's):
    // the server sends at most two ahead
    while (unacked > 0) { send({type: "ack"}); unacked--; }
    const fresh = pending !== null;
    if (fresh) { probe.header = pending; pending = null; }
    if (probe.header && (fresh || (playing && now - lastDrawn >= REDRAW_MS))) {
      drawAll();
      lastDrawn = now;
      if (fresh) probe.framesDrawn++;
      probe.renders++;
      // a new network starts counting again: its steps are not the old one's
      if (drawn.length && drawn[drawn.length - 1][1] > probe.header.steps) drawn.length = 0;
      drawn.push([performance.now(), probe.header.steps, probe.header.epoch, fresh]);
      if (now - fpsShown > 500) {  // the counter's text, twice a second: a steady number to read
        fpsShown = now;
        const st = window.playground.stats();
        $("fps").textContent = !playing ? "" : `${st.fps} fps` +
          (st.updates < st.fps - 2 ? ` (${st.updates} new)` : "") +
          ` · ${st.stepsPerSecond.toLocaleString("en")} steps/s`;
      }
    }
    if (playing) scheduleRender();
  }

  function setPlaying(p) {
    playing = p;
    if (p) scheduleRender();
    const b = $("play");
    b.textContent = p ? "❚❚ Pause" : "▶ Play";
    b.setAttribute("aria-label", p ? "Pause" : "Play");
    b.classList.toggle("playing", p);
  }

  // sticky: a note about the link itself, kept until the learner changes something
  function showMessage(text, ok, sticky) {
    if (text) probe.messages.push(text);
    const m = $("message");
    if (sticky) m.dataset.sticky = "1";
    else delete m.dataset.sticky;
    m.textContent = text;
    m.classList.toggle("ok", !!ok);
  }

  function clearMessage() { showMessage(""); }

  function className(k) {
    return state.labels && state.labels[k] !== undefined ? state.labels[k] : "class " + (k + 1);
  }

  function buildLegend(classes, regression) {
    const el = $("legend");
    el.innerHTML = "";
    if (regression) {
      const bar = document.createElement("canvas");
      bar.width = 120;
      bar.height = 10;
      const ctx = bar.getContext("2d");
      for (let i = 0; i < 120; i++) {
        const c = VALUE_LUT[Math.round(i / 119 * 255)];
        ctx.fillStyle = `rgb(${c & 255},${(c >> 8) & 255},${(c >> 16) & 255})`;
        ctx.fillRect(i, 0, 1, 10);
      }
      const span = document.createElement("span");
      span.append("−1 ", bar, " +1 (the output, and the points' targets)");
      el.appendChild(span);
    } else {
      for (let k = 0; k < classes; k++) {
        const span = document.createElement("span");
        const dot = document.createElement("i");
        dot.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
        span.appendChild(dot);
        span.appendChild(document.createTextNode(className(k)));
        el.appendChild(span);
      }
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
      $("csv").value = "";
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
      $("csv").value = "";  // the picker names no file that was not taken
      return;
    }
    const points = body.points.map((p) => [f32(p[0]), f32(p[1]), p[2]]);
    state = Object.assign({}, state, {data: "custom", points, extra: [], labels: body.labels,
                                      loss: state.loss === "mse" ? "softmax" : state.loss});
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
  // a regression output, -1..1 as 0..255, orange..white..blue as TensorFlow Playground draws it
  const VALUE_LUT = new Uint32Array(256);
  for (let k = 0; k < 256; k++) {
    const v = k / 127.5 - 1;
    const c = v >= 0 ? POS : NEG;
    const t = 0.1 + 0.75 * Math.abs(v);
    VALUE_LUT[k] = pack(...c.map((x) => Math.round(255 + (x - 255) * t)));
  }
  const DISCRETE_LUT = CLASS_COLORS.map((h) => pack(...hexRgb(h).map((v) => Math.round(255 + (v - 255) * 0.62))));
  const DEAD_LUT = new Uint32Array(256);
  for (let v = -128; v < 128; v++) {
    const g = Math.round(225 - 60 * Math.min(1, Math.abs(v) / 127));
    DEAD_LUT[v & 255] = pack(g, g, g);
  }

  const regionImage = document.createElement("canvas");
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
      `dead ReLUs: ${deadTotal} of ${hiddenTotal} (${Math.round(100 * deadTotal / hiddenTotal)}%)` :
      h.saturated !== null && h.saturated !== undefined ?
      `saturated ${state.activation} outputs: ${Math.round(100 * h.saturated)}%` : "";
    // many dead ReLUs after training: the seed's warning about high learning rates, with a rate
    const deadShare = hiddenTotal ? deadTotal / hiddenTotal : 0;
    const noticeKey = `${netSerial}|${state.lr}`;
    if (state.activation === "relu" && h.steps > 0 && deadShare >= 0.5 && noticeKey !== deadNoticeAt) {
      deadNoticeAt = noticeKey;  // once for this network at this rate
      const lower = LR_CHOICES.filter((v) => v <= state.lr / 10).pop() || LR_CHOICES[0];
      showMessage(`${deadTotal} of ${hiddenTotal} ReLUs (${Math.round(100 * deadShare)}%) have died: ` +
        "their input is negative on every training point, so no gradient reaches them and they " +
        `stay dead (seed §2.3.3). Learning rate ${state.lr} is too high for them: try ${lower} ` +
        "and press reset, or use leaky ReLU.");
    }
    drawRegions();
    drawLossChart();
    drawDiagram();
  }

  function fmtLoss(loss, acc) {
    if (loss === null || loss === undefined) return "–";
    return loss.toFixed(3) + (acc === null ? "" : ` · ${(acc * 100).toFixed(1)}% right`);
  }

  let regionDrawn = {header: null, disc: false};  // what regionImage holds

  function drawRegions() {
    const c = $("regions");
    const ctx = c.getContext("2d");
    const h = probe.header;
    const disc = view.discretize;
    if (h && regionDrawn.header === h && regionDrawn.disc === disc) {
      ctx.imageSmoothingEnabled = !disc;  // the same frame again: its pixels are there
      ctx.drawImage(regionImage, 0, 0, c.width, c.height);
    } else if (h) {
      regionDrawn = {header: h, disc};
      const r = h.region_size, n = r * r;
      const reg = h.data.region;
      if (regionImage.width !== r) { regionImage.width = regionImage.height = r; }
      const img = new ImageData(r, r);
      const px = new Uint32Array(img.data.buffer);
      let sum = 0;
      if (h.regression) {
        for (let i = 0; i < n; i++) {
          const v = reg[i];
          px[i] = disc ? (v >= 128 ? DISCRETE_LUT[0] : DISCRETE_LUT[1]) : VALUE_LUT[v];
          sum = (sum * 31 + px[i]) >>> 0;  // of the colours drawn
        }
      } else {
        for (let i = 0; i < n; i++) {
          const cls = reg[i], conf = reg[n + i];
          px[i] = disc ? DISCRETE_LUT[cls % DISCRETE_LUT.length] : REGION_LUT[cls % REGION_LUT.length][conf];
          sum = (sum * 31 + px[i]) >>> 0;
        }
      }
      probe.regionSum = sum;
      regionImage.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = !disc;
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
    if (view.showTest) sets.push([info.test, "#111111"]);
    // a regression target: the colour of its sign, stronger the larger it is
    const colour = info.regression ? (v) => {
      const c = v >= 0 ? POS : NEG, t = 0.3 + 0.7 * Math.min(1, Math.abs(v));
      return `rgb(${c.map((x) => Math.round(255 + (x - 255) * t)).join(",")})`;
    } : (k) => CLASS_COLORS[k % CLASS_COLORS.length];
    for (const [pts, edge] of sets) {
      ctx.strokeStyle = edge;
      ctx.lineWidth = 1;
      for (let i = 0; i < pts.x.length; i++) {
        ctx.beginPath();
        ctx.arc((pts.x[i] - x0) * sx, (y1 - pts.y[i]) * sy, r, 0, 2 * Math.PI);
        ctx.fillStyle = colour(pts.label[i]);
        ctx.fill();
        ctx.stroke();
      }
    }
  }

  function niceStep(span) {
    const p = Math.pow(10, Math.floor(Math.log10(span)));
    return [1, 2, 5, 10].map((m) => m * p).find((v) => span / v <= 4) || 10 * p;
  }

  function drawLossChart() {
    const c = $("loss-chart");
    const ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    const dpr = window.devicePixelRatio || 1;
    const left = 34 * dpr, right = 6 * dpr, top = 16 * dpr, bottom = 14 * dpr;
    ctx.font = `${10 * dpr}px sans-serif`;
    // scale to the run after its first tenth, so the steep start does not flatten the rest
    let hi = 0;
    for (let i = Math.floor(history.length / 10); i < history.length; i++) {
      hi = Math.max(hi, history[i].train, history[i].test);
    }
    hi = 1.1 * hi || 1;
    const e0 = history.length ? history[0].epoch : 0;
    const e1 = history.length ? Math.max(history[history.length - 1].epoch, e0 + 1) : 1;
    const s0 = history.length ? history[0].steps : 0;
    const s1 = history.length ? Math.max(history[history.length - 1].steps, s0 + 1) : 1;
    const X = (st) => left + (st - s0) / (s1 - s0) * (c.width - left - right);
    const Y = (v) => c.height - bottom - v / hi * (c.height - bottom - top);
    // axes: the loss on the left, epochs below
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top - 4 * dpr);
    ctx.lineTo(left, c.height - bottom);
    ctx.lineTo(c.width - right, c.height - bottom);
    ctx.stroke();
    ctx.fillStyle = "#666";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const step = niceStep(hi);
    for (let v = 0; v <= hi + 1e-12; v += step) {
      const y = Y(v);
      ctx.fillText(v.toPrecision(v ? 2 : 1).replace(/\.?0+$/, "") || "0", left - 3 * dpr, y);
      ctx.beginPath();
      ctx.moveTo(left - 2 * dpr, y);
      ctx.lineTo(left, y);
      ctx.stroke();
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(`epoch ${e0.toLocaleString("en")}`, left + 2 * dpr, c.height - bottom + 2 * dpr);
    ctx.textAlign = "right";
    ctx.fillText(`epoch ${e1.toLocaleString("en")}`, c.width - right, c.height - bottom + 2 * dpr);
    ctx.save();
    ctx.translate(9 * dpr, (top + c.height - bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("loss", 0, 0);
    ctx.restore();
    ctx.textBaseline = "top";
    ctx.fillStyle = "#111111";
    ctx.fillText("test", c.width - right, 2 * dpr);
    ctx.fillStyle = "#0072B2";
    ctx.fillText("training ‒ ‒", c.width - right - 30 * dpr, 2 * dpr);
    if (history.length < 1) return;
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
    ctx.rect(left, top - 2, c.width - left, c.height - top - bottom + 2);  // what rises above is cut
    ctx.clip();
    line("train", "#0072B2", 1.5, [4, 3]);
    line("test", "#111111", 1.5, []);
    ctx.restore();
    ctx.setLineDash([]);
  }

  // the diagram: columns of neurons, each a heatmap of its own output, links between them
  let layout = null;

  // A tall layer wraps into several sub-columns, so that each neuron's picture keeps at least
  // MIN_BOX pixels (64 neurons in one column would be specks).
  const MIN_BOX = 14;

  function computeLayout() {
    const c = $("diagram");
    const dpr = window.devicePixelRatio || 1;
    const sizes = info.sizes;
    const cols = sizes.length;
    const w = c.width, h = c.height;
    const gap0 = (w - 80 * dpr) / Math.max(1, cols - 1);
    const avail = h - 24 * dpr;
    // the box side that lets every layer fit: try one sub-column, then more
    let box = 0, wraps = 1;
    for (let k = 1; k <= 6; k++) {
      const rows = Math.ceil(Math.max(...sizes) / k);
      const b = Math.min(44 * dpr, avail / rows * 0.82, gap0 * 0.8 / (k * 1.15));
      if (b > box + 0.5) { box = b; wraps = k; }
      if (box >= MIN_BOX * dpr * 1.6) break;
    }
    box = Math.max(4, box);
    const margin = box * wraps / 2 + 44 * dpr;  // room for the feature names left of the inputs
    const colX = sizes.map((_, i) => cols === 1 ? w / 2 : margin + i * (w - 2 * margin) / (cols - 1));
    const units = [];
    sizes.forEach((n, l) => {
      const k = Math.min(wraps, Math.ceil(n / Math.max(1, Math.floor(avail / (box * 1.22)))));
      const perCol = Math.ceil(n / k);
      const step = Math.min(box * 1.25, avail / perCol);
      const top = (h - step * perCol) / 2 + (step - box) / 2;
      const span = k * box * 1.15;
      for (let j = 0; j < n; j++) {
        const sub = Math.floor(j / perCol), row = j % perCol;
        units.push({layer: l, index: j, x: colX[l] - span / 2 + sub * box * 1.15, y: top + row * step});
      }
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
        lab.textContent = l === 0 ? "inputs" : info.regression ? "output" : "scores";
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
      const lab = document.createElement("span");
      const roomy = info.sizes.length < 2 || (layout.colX[1] - layout.colX[0]) / dpr >= 66;
      const buttons = [];
      // the count and the buttons follow each click at once; the diagram follows the new
      // network's answer, once for a whole burst of clicks
      const showCount = (k) => {
        lab.textContent = roomy ? `${k} neuron${k === 1 ? "" : "s"}` : String(k);
        lab.title = `Hidden layer ${l}: ${k} neuron${k === 1 ? "" : "s"}, each f(w·x + b) of every unit in the layer before (seed §3.1, fully connected).`;
        buttons[0].disabled = k >= lim;
        buttons[1].disabled = k <= 1;
      };
      for (const [sym, delta] of [["+", 1], ["−", -1]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = sym;
        b.setAttribute("aria-label", `${delta > 0 ? "Add a neuron to" : "Remove a neuron from"} hidden layer ${l}`);
        b.title = `${delta > 0 ? "Add a neuron to" : "Remove a neuron from"} hidden layer ${l} ` +
          `(1 to ${lim}). Seed §3.4: more neurons, more complicated decision regions.`;
        b.addEventListener("click", () => {
          const k = Math.max(1, Math.min(lim, state.hidden[i] + delta));
          if (k === state.hidden[i]) return;
          const hidden = state.hidden.slice();
          hidden[i] = k;
          change({hidden});
          showCount(k);
        });
        buttons.push(b);
        btns.appendChild(b);
      }
      showCount(n);
      box.appendChild(btns);
      box.appendChild(lab);
      holder.appendChild(box);
    });
  }

  // What a frame's diagram is drawn from, built once per frame and layout: the links as one
  // path per sign and width bucket, and every neuron's picture in one atlas image. Drawing the
  // same frame again (while a long training step runs) only strokes and copies them.
  let diagramCache = {header: null, layout: null};

  function diagramParts(h) {
    if (diagramCache.header === h && diagramCache.layout === layout) return diagramCache;
    const {units, box} = layout;
    const sizes = h.sizes;
    const starts = [0];
    for (const n of sizes) starts.push(starts[starts.length - 1] + n);
    // links: one (out, in) matrix per weight layer, blue positive, orange negative. Links of
    // one colour and width bucket are one path: a few strokes a frame, not one per weight
    const links = h.data.links;
    let maxAbs = 1e-12;
    for (let i = 0; i < links.length; i++) maxAbs = Math.max(maxAbs, Math.abs(links[i]));
    const BUCKETS = 8;
    const paths = [[], []].map(() => Array.from({length: BUCKETS}, () => new Path2D()));
    const many = links.length > 4000;
    let off = 0;
    for (let l = 0; l < h.link_shapes.length; l++) {
      const [nOut, nIn] = h.link_shapes[l];
      for (let o = 0; o < nOut; o++) {
        const to = units[starts[l + 1] + o];
        for (let k = 0; k < nIn; k++) {
          const w = links[off + o * nIn + k];
          const a = Math.abs(w) / maxAbs;
          if (many && a < 0.2) continue;
          const from = units[starts[l] + k];
          const path = paths[w >= 0 ? 0 : 1][Math.min(BUCKETS - 1, Math.floor(a * BUCKETS))];
          path.moveTo(from.x + box, from.y + box / 2);
          path.lineTo(to.x, to.y + box / 2);
        }
      }
      off += nOut * nIn;
    }
    // neurons: each its own output over the plane, from one atlas image
    const U = units.length, G = h.unit_size;
    const vals = h.data.units;
    const atlas = unitAtlas;
    if (atlas.width !== G * U || atlas.height !== G) { atlas.width = G * U; atlas.height = G; }
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
    atlas.getContext("2d").putImageData(img, 0, 0);
    // the frames of the pictures: one path for the live units, one (dashed) for the dead
    const frames = [new Path2D(), new Path2D()];
    for (let u = 0; u < U; u++) frames[dead[u]].rect(units[u].x + 0.5, units[u].y + 0.5, box - 1, box - 1);
    diagramCache = {header: h, layout, paths, many, atlas, frames, BUCKETS};
    return diagramCache;
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
    const {paths, many, atlas, frames, BUCKETS} = diagramParts(h);
    const dpr = window.devicePixelRatio || 1;
    paths.forEach((buckets, sign) => buckets.forEach((path, b) => {
      const a = (b + 0.5) / BUCKETS;
      const c0 = sign ? NEG : POS;
      ctx.strokeStyle = `rgba(${c0[0]},${c0[1]},${c0[2]},${(0.25 + 0.6 * a).toFixed(2)})`;
      ctx.lineWidth = (0.4 + 3.6 * a) * (many ? 0.6 : 1) * dpr;
      ctx.stroke(path);
    }));
    if (hoverLink) {  // the link under the mouse, drawn on top
      const {from, to} = hoverLink;
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2.5 * dpr;
      ctx.beginPath();
      ctx.moveTo(from.x + box, from.y + box / 2);
      ctx.lineTo(to.x, to.y + box / 2);
      ctx.stroke();
    }
    const G = h.unit_size;
    ctx.imageSmoothingEnabled = box > 2 * G;
    for (let u = 0; u < units.length; u++) {
      ctx.drawImage(atlas, u * G, 0, G, G, units[u].x, units[u].y, box, box);
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#555";
    ctx.stroke(frames[0]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#999";
    ctx.setLineDash([3, 2]);
    ctx.stroke(frames[1]);
    ctx.setLineDash([]);
    if (box >= 12) {
      ctx.fillStyle = "#333";
      ctx.font = `${Math.round(Math.min(12 * dpr, box / 2.2))}px sans-serif`;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (let j = 0; j < sizes[0]; j++) {
        ctx.fillText(opts.features[state.features[j]] || "x" + (j + 1), units[j].x - 4, units[j].y + box / 2);
      }
    }
  }

  // -- hover read-out and editing of weights and biases ----------------------------------------
  let hoverLink = null;   // {layer, out, in, from, to}: the link under the mouse
  let hoverTarget = null; // what a click would edit

  function unitName(layer, index) {
    const last = layout.sizes.length - 1;
    if (layer === 0) return `input ${opts.features[state.features[index]] || "x" + (index + 1)}`;
    if (layer === last) return probe.header.regression ? "the output" : `the score of ${className(index)}`;
    return `neuron ${index + 1} of hidden layer ${layer}`;
  }

  function findTarget(x, y) {
    const {units, box} = layout;
    const u = units.find((p) => x >= p.x && x <= p.x + box && y >= p.y && y <= p.y + box);
    if (u) return {kind: "unit", unit: u};
    const h = probe.header;
    const starts = [0];
    for (const n of layout.sizes) starts.push(starts[starts.length - 1] + n);
    let best = null, bestD = 4 * (window.devicePixelRatio || 1);
    let off = 0;
    for (let l = 0; l < h.link_shapes.length; l++) {
      const [nOut, nIn] = h.link_shapes[l];
      const x0 = layout.colX[l], x1 = layout.colX[l + 1];
      if (x >= x0 - box && x <= x1 + box) {
        for (let o = 0; o < nOut; o++) {
          const to = units[starts[l + 1] + o];
          for (let k = 0; k < nIn; k++) {
            const from = units[starts[l] + k];
            const ax = from.x + box, ay = from.y + box / 2, bx = to.x, by = to.y + box / 2;
            const dx = bx - ax, dy = by - ay;
            const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
            const d = Math.hypot(ax + t * dx - x, ay + t * dy - y);
            if (d < bestD) { bestD = d; best = {kind: "link", layer: l, out: o, in: k, from, to, value: h.data.links[off + o * nIn + k]}; }
          }
        }
      }
      off += nOut * nIn;
    }
    return best;
  }

  function biasOf(layer, index) {
    let off = 0;
    for (let l = 1; l < layer; l++) off += layout.sizes[l];
    return probe.header.data.biases[off + index];
  }

  function diagramTooltip(ev) {
    if (!layout || !probe.header) return;
    const c = $("diagram");
    const r = c.getBoundingClientRect();
    const dpr = c.width / r.width;
    const target = findTarget((ev.clientX - r.left) * dpr, (ev.clientY - r.top) * dpr);
    const tip = $("hover");
    const h = probe.header;
    const before = hoverLink;
    hoverLink = target && target.kind === "link" ? target : null;
    hoverTarget = null;
    let text = "";
    if (target && target.kind === "unit") {
      const u = target.unit;
      if (u.layer === 0) {
        text = `${unitName(0, u.index)}: the picture is this feature over the plane`;
      } else {
        const dead = h.dead_units[u.layer - 1] && h.dead_units[u.layer - 1][u.index];
        const sat = h.saturated_units && h.saturated_units[u.layer - 1];
        text = `${unitName(u.layer, u.index)}: bias ${biasOf(u.layer, u.index).toPrecision(3)}` +
          (dead ? " · dead: its input is negative on every training point" : "") +
          (sat ? ` · ${Math.round(100 * sat[u.index])}% saturated` : "") + " · click to edit the bias";
        hoverTarget = {layer: u.layer - 1, neuron: u.index, input: null, value: biasOf(u.layer, u.index),
                       what: `bias of ${unitName(u.layer, u.index)}`};
      }
    } else if (hoverLink) {
      const t = hoverLink;
      text = `weight ${t.value.toPrecision(3)} from ${unitName(t.layer, t.in)} to ${unitName(t.layer + 1, t.out)} · click to edit`;
      hoverTarget = {layer: t.layer, neuron: t.out, input: t.in, value: t.value,
                     what: `weight from ${unitName(t.layer, t.in)} to ${unitName(t.layer + 1, t.out)}`};
    }
    tip.hidden = !text;
    if (text) {
      tip.textContent = text;
      tip.style.left = Math.min(window.innerWidth - tip.offsetWidth - 4, ev.clientX + 14) + "px";
      tip.style.top = (ev.clientY + 16) + "px";
    }
    probe.hover = text;
    if (before !== hoverLink && !playing) drawDiagram();
  }

  function openEditor(ev) {
    diagramTooltip(ev);
    if (!hoverTarget) return;
    const f = $("editor");
    editing = hoverTarget;
    $("editor-label").textContent = editing.input === null ? "Bias" : "Weight";
    $("editor-value").value = Number(editing.value.toPrecision(4));
    $("editor-value").setAttribute("aria-label", editing.what);
    f.hidden = false;
    f.style.left = Math.min(window.innerWidth - 220, ev.clientX + 8) + "px";
    f.style.top = Math.min(window.innerHeight - 40, ev.clientY + 8) + "px";
    $("hover").hidden = true;
    $("editor-value").focus();
    $("editor-value").select();
  }

  let editing = null;

  function closeEditor() {
    $("editor").hidden = true;
    editing = null;
  }

  function submitEdit(ev) {
    ev.preventDefault();
    const v = Number($("editor-value").value);
    if (!editing) return;
    if (!Number.isFinite(v) || Math.abs(v) > 1000) {
      showMessage(`a weight must be a number within ±1000, got ${$("editor-value").value || "nothing"}`);
      return;
    }
    send({type: "edit", layer: editing.layer, neuron: editing.neuron, input: editing.input, value: v});
    showMessage(`set the ${editing.what} to ${v}`, true);
    closeEditor();
  }

  // -- lessons -----------------------------------------------------------------------------------
  function startLesson(name, variant) {
    const lesson = LESSONS[name];
    if (!lesson) {
      view.lesson = "";
      syncControls();
      if (name) showMessage(`there is no lesson "${name}"; the lessons are ${Object.keys(LESSONS).join(", ")}`);
      return;
    }
    view.lesson = name;
    const v = lesson.variants[variant || 0];
    state = Object.assign(JSON.parse(JSON.stringify(opts.defaults)), lesson.setup, v ? v[1] : {});
    syncControls();
    writeHash();
    sendSetup();
    if (ws && ws.readyState === WebSocket.OPEN) { if (!playing) send({type: "play"}); }
    else afterReconnect = {type: "play"};  // sent once the connection is up, after the setup
  }

  function lessonVariant() {
    const lesson = LESSONS[view.lesson];
    if (!lesson) return -1;
    return lesson.variants.findIndex(([, patch]) =>
      Object.entries(patch).every(([k, v]) => JSON.stringify(state[k]) === JSON.stringify(v)));
  }

  function markVariant() {
    const k = lessonVariant();
    for (const [i, b] of [...$("lesson-variants").children].entries()) b.classList.toggle("on", i === k);
  }

  function showLessonNote() {
    const lesson = LESSONS[view.lesson];
    $("lesson-note").textContent = lesson ? lesson.note : "";
    const holder = $("lesson-variants");
    const names = lesson ? lesson.variants.map(([label]) => label) : [];
    if ([...holder.children].map((b) => b.textContent).join() !== names.join()) {
      holder.innerHTML = "";
      names.forEach((label, i) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = label;
        b.title = `Switch this lesson's figure to ${label}, trained from the same start. ` +
          "Seed: the figure compares these settings side by side.";
        b.addEventListener("click", () => {
          const patch = Object.assign({fromLesson: true}, lesson.variants[i][1]);
          change(patch);
          // from the same start as the other variants, and on (a reset pauses)
          send({type: "reset"});
          send({type: "play"});
        });
        holder.appendChild(b);
      });
    }
    markVariant();
  }

  // -- the share link --------------------------------------------------------------------------------
  async function shareLink() {
    writeHash();
    const link = location.href;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch (e) { /* no clipboard here: the dialog shows the link to copy by hand */ }
    $("snippet").textContent = link;
    $("snippet-note").textContent = (copied ? "Copied to the clipboard" : "Select and copy this link") +
      ": it carries the whole setup. Opened elsewhere, the page first asks for the address " +
      "that `layerwise serve` prints, then opens with this setup.";
    $("snippet-dialog").showModal();
  }

  // Without a valid token (a server restarted since this page opened) the page cannot go on:
  // keep its link and reload, which shows how to get in and brings the link back afterwards.
  async function stillAdmitted() {
    try {
      const r = await fetch("/api/options");
      return r.status !== 401;
    } catch (e) {
      return true;  // the server is away: keep trying
    }
  }

  function keepLinkAndReload() {
    writeHash();
    try {
      localStorage.setItem(PENDING_KEY, JSON.stringify({link: location.search + location.hash, at: Date.now()}));
    } catch (e) { /* without storage the link in the address bar still carries the setup */ }
    location.reload();
  }

  function takePendingLink() {
    let kept = null;
    try {
      kept = JSON.parse(localStorage.getItem(PENDING_KEY) || "null");
      localStorage.removeItem(PENDING_KEY);
    } catch (e) {
      return false;
    }
    const fresh = kept && typeof kept.link === "string" && Date.now() - kept.at < 86400000;
    if (!fresh || location.hash.length > 1 || location.search.includes("lesson=")) return false;
    window.history.replaceState(null, "", location.pathname + kept.link);
    return true;
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
    const restored = takePendingLink();
    buildControls();
    state = stateFromHash();
    const lesson = new URLSearchParams(location.search).get("lesson");
    if (lesson !== null) {
      // the lab report's "try it live" link: /?lesson=NAME, then the setup lives in the hash
      window.history.replaceState(null, "", location.pathname + location.hash);
    }
    syncControls();
    writeHash();
    layoutCanvases();
    drawRegions();
    probe.ready = true;
    probe.drawAll = drawAll;
    connect();
    if (lesson !== null) startLesson(lesson);
    if (restored) showMessage("the setup of the link you followed is back", true, true);
  }

  start();
})();

// The playground's client side: draws one training frame sent by the server and sends the
// visitor's actions back. Everything is computed in torch on the server; this file only paints
// compact arrays (uint8 images in base64, weights, points, the loss history) on canvases.
// Streamlit calls the default export again with every new frame; the DOM is built once per
// mount and kept on the parent element.

const SVGNS = "http://www.w3.org/2000/svg";
const NET_MIN = 360; // px the network diagram keeps before the output square grows
const BACKGROUND = 0.7; // heatmap colours reach 70 % of a class colour: points stay visible

// The visitor's language: the server sends every text this file writes (ui.texts, English ->
// translation, ui/playground_view.COMPONENT_TEXTS); {name} fields are filled in here.
let TEXTS = {};
function t(english, values) {
  let text = TEXTS[english] || english;
  for (const [k, v] of Object.entries(values || {})) text = text.split(`{${k}}`).join(String(v));
  return text;
}

function decode(b64) {
  const text = atob(b64 || "");
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

function pale(hex) {
  const c = mix([255, 255, 255], hexToRgb(hex), BACKGROUND);
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// A diverging ramp of 256 colours: low (byte 0) -> white (127.5) -> high (byte 255).
function divergingRamp(lowHex, highHex, midHex, strength) {
  // strength < 1 keeps the ends paler than the points drawn on top of them
  const s = strength === undefined ? 1 : strength;
  const white = [255, 255, 255];
  const low = mix(white, hexToRgb(lowHex), s);
  const high = mix(white, hexToRgb(highHex), s);
  const mid = hexToRgb(midHex || "#ffffff");
  const ramp = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const t = (b - 127.5) / 127.5;
    const c = t < 0 ? mix(mid, low, -t) : mix(mid, high, t);
    ramp.set(c, b * 3);
  }
  return ramp;
}

// A sequential ramp: byte 0 white -> byte 255 the colour (a probability of one class).
function sequentialRamp(hex) {
  const top = hexToRgb(hex);
  const ramp = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) ramp.set(mix([255, 255, 255], top, b / 255), b * 3);
  return ramp;
}

// Button icons as inline SVG paths (24 x 24): fonts on a lecture PC may lack ⏮ ⏭ glyphs.
const ICONS = {
  reset: "M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z",
  rewind: "M6 6h2v12H6zm3.5 6 8.5 6V6z",
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zm8 0h4v14h-4z",
  step: "M6 18l8.5-6L6 6v12zM16 6h2v12h-2z",
};

function icon(name) {
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "pg-icon");
  const path = document.createElementNS(SVGNS, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  return svg;
}

function el(tag, attrs, parent) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function fmt(x, digits) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  return Number(x).toFixed(digits === undefined ? 3 : digits);
}

// --- the frame's images -----------------------------------------------------------------------

// Paint an n x n byte image through a 256-colour ramp into a small canvas.
function paintImage(canvas, bytes, n, ramp, discretize) {
  if (canvas.width !== n) {
    canvas.width = n;
    canvas.height = n;
  }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    let b = bytes[i];
    if (discretize) b = b >= 128 ? 255 : 0;
    image.data[i * 4] = ramp[b * 3];
    image.data[i * 4 + 1] = ramp[b * 3 + 1];
    image.data[i * 4 + 2] = ramp[b * 3 + 2];
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Multi-class output: each cell in its class's colour, paler where the model is less sure.
function paintClasses(canvas, classes, confidence, n, colours, k, discretize) {
  if (canvas.width !== n) {
    canvas.width = n;
    canvas.height = n;
  }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  const rgb = colours.map(hexToRgb);
  const white = [255, 255, 255];
  for (let i = 0; i < n * n; i++) {
    // confidence byte 0 = 1/k (a coin flip among k), 255 = certain
    const sure = discretize ? 0.75 : 0.15 + 0.7 * (confidence[i] / 255);
    const c = mix(white, rgb[classes[i] % rgb.length], sure);
    image.data.set([c[0], c[1], c[2], 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

// Marching squares on the probability bytes: segments where P crosses 0.5, in cell units.
function boundarySegments(bytes, n) {
  const segs = [];
  const v = (r, c) => bytes[r * n + c] / 255 - 0.5;
  for (let r = 0; r < n - 1; r++) {
    for (let c = 0; c < n - 1; c++) {
      const a = v(r, c), b = v(r, c + 1), d = v(r + 1, c), e = v(r + 1, c + 1);
      const pts = [];
      const cross = (p, q, x0, y0, x1, y1) => {
        if ((p < 0) !== (q < 0)) {
          const t = p / (p - q);
          pts.push([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]);
        }
      };
      cross(a, b, c, r, c + 1, r);
      cross(b, e, c + 1, r, c + 1, r + 1);
      cross(d, e, c, r + 1, c + 1, r + 1);
      cross(a, d, c, r, c, r + 1);
      if (pts.length >= 2) segs.push(pts[0], pts[1]);
      if (pts.length === 4) segs.push(pts[2], pts[3]);
    }
  }
  return segs;
}

// Multi-class boundaries: cell edges between different argmax classes.
function classEdges(classes, n) {
  const segs = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const k = classes[r * n + c];
      if (c + 1 < n && classes[r * n + c + 1] !== k) segs.push([c + 1, r], [c + 1, r + 1]);
      if (r + 1 < n && classes[(r + 1) * n + c] !== k) segs.push([c, r + 1], [c + 1, r + 1]);
    }
  }
  return segs;
}

// --- the app object, one per mounted component -------------------------------------------------

class Playground {
  constructor(root) {
    this.root = root;
    this.nonce = 0;
    this.drawClass = 0;
    this.hover = null;
    this.frame = null;
    const host = el("div", { class: "pg", "data-testid": "pg-root" }, null);
    root.appendChild(host);
    this.host = host;

    const bar = el("div", { class: "pg-bar" }, host);
    this.buttons = {};
    const button = (name, text, title) => {
      const b = el("button", { class: "pg-btn", "data-testid": `pg-${name}`, title, type: "button" }, bar);
      b.appendChild(icon(name));
      b.appendChild(el("span", { text }));
      this.buttons[name] = b;
      return b;
    };
    button("reset", t("Reset"), t("New random weights (the next weight seed), epoch 0")).onclick = () =>
      this.send("reset");
    button("rewind", t("Rewind"), t("Back to the same initial weights, epoch 0")).onclick = () =>
      this.send("rewind");
    const play = button("play", t("Play"), t("Train continuously"));
    play.classList.add("pg-primary");
    play.onclick = () => {
      // Answer the click at once (a full rerun may take a moment on a busy server): the label
      // flips and, on Pause, no further frame is asked for.
      const kind = this.playing() ? "pause" : "play";
      this.wanted = kind === "play";
      this.wantedAt = performance.now();
      this.renderBar();
      if (kind === "pause") clearTimeout(this.watchdog);
      this.send(kind);
    };
    button("step", t("Step"), t("Train one epoch")).onclick = () => this.send("step");
    const counter = el("div", { class: "pg-counter" }, bar);
    el("span", { class: "pg-dim", text: t("epoch") }, counter);
    this.epoch = el("span", { class: "pg-epoch", "data-testid": "pg-epoch", text: "0" }, counter);
    this.losses = el("div", { class: "pg-losses", "data-testid": "pg-losses" }, bar);
    const toggles = el("div", { class: "pg-toggles" }, null); // placed in the output's title row
    const toggle = (name, text) => {
      const label = el("label", { class: "pg-toggle" }, toggles);
      const box = el("input", { type: "checkbox", "data-testid": `pg-${name}` }, label);
      el("span", { text }, label);
      box.onchange = () => {
        this.localUi[name] = box.checked;
        this.legendKey = null;
        this.renderLegend();
        this.paint();
        this.send(name, { value: box.checked });
      };
      return box;
    };
    this.localUi = {};
    this.showTestBox = toggle("show_test", t("show test data"));
    this.discretizeBox = toggle("discretize", t("discretize output"));

    const body = el("div", { class: "pg-body" }, host);
    // TF's DATA column: the datasets as buttons, so a presenter switches without the sidebar.
    this.dataColumn = el("div", { class: "pg-data", "data-testid": "pg-datasets" }, body);
    const net = el("div", { class: "pg-net" }, body);
    this.netHeader = el("div", { class: "pg-net-header" }, net);
    this.netWrap = el("div", { class: "pg-net-canvas" }, net);
    this.netCanvas = el("canvas", { "data-testid": "pg-network", title: "" }, this.netWrap);
    el("div", { class: "pg-dim pg-hint", text: t("hover an edge for its weight, a neuron for its range") }, net);
    this.tooltip = el("div", { class: "pg-tooltip", "data-testid": "pg-tooltip" }, this.netWrap);
    this.netCanvas.addEventListener("mousemove", (e) => this.onNetHover(e));
    this.netCanvas.addEventListener("click", (e) => {
      const slot = this.slotAt(e);
      if (slot) this.send("feature", { value: slot.id });
    });
    this.netCanvas.addEventListener("mouseleave", () => {
      this.hover = null;
      this.tooltip.style.display = "none";
      this.paintNetwork();
    });

    const out = el("div", { class: "pg-out" }, body);
    const outTitle = el("div", { class: "pg-out-title" }, out);
    this.outTitle = el("span", { text: t("Output") }, outTitle);
    this.drawBar = el("span", { class: "pg-drawbar" }, outTitle);
    outTitle.appendChild(toggles);
    const outRow = el("div", { class: "pg-out-row" }, out);
    this.outCanvas = el("canvas", { class: "pg-output", "data-testid": "pg-output" }, outRow);
    this.outCanvas.addEventListener("click", (e) => this.onOutputClick(e));
    this.outCanvas.addEventListener("contextmenu", (e) => this.onOutputClick(e, true));
    const side = el("div", { class: "pg-side" }, outRow);
    this.legend = el("div", { class: "pg-legend", "data-testid": "pg-legend" }, side);
    el("div", { class: "pg-dim pg-small-title", text: t("loss per epoch") }, side);
    this.lossCanvas = el("canvas", { class: "pg-loss", "data-testid": "pg-loss" }, side);
    this.message = el("div", { class: "pg-message", "data-testid": "pg-message" }, host);

    this.offscreen = document.createElement("canvas");
    this.nodeCanvases = [];
    this.observer = new ResizeObserver(() => this.layoutAndPaint());
    this.observer.observe(host);
  }

  send(kind, extra) {
    if (!this.api) return;
    this.nonce += 1;
    this.api.setTriggerValue("action", Object.assign({ kind, nonce: this.nonce }, extra || {}));
  }

  update(api) {
    this.api = api;
    const frame = api.data || {};
    const first = this.frame === null;
    this.frame = frame;
    const ui = frame.ui || {};
    this.host.style.setProperty("--pg-label", `${ui.label_px || 14}px`);
    this.host.style.setProperty("--pg-title", `${ui.title_px || 15}px`);
    this.host.style.setProperty("--pg-height", `${ui.height_px || 520}px`);
    // The server's toggles win unless the visitor just clicked one (its rerun is on its way).
    for (const [name, box] of [["show_test", this.showTestBox], ["discretize", this.discretizeBox]]) {
      if (first || this.localUi[name] === undefined || this.localUi[name] === ui[name]) {
        box.checked = !!ui[name];
        delete this.localUi[name];
      }
    }
    const started = performance.now();
    this.decodeFrame();
    this.renderBar();
    this.renderDatasets();
    // Header and legend are DOM: rebuilt only when what they show changes, not every frame.
    const sizes = (frame.network && frame.network.sizes) || [];
    const headKey = JSON.stringify([sizes, ui.activation_labels, ui.max_units, ui.max_layers, ui.label_px]);
    if (headKey !== this.headKey) {
      this.headKey = headKey;
      this.renderHeader();
    }
    const legendKey = JSON.stringify([frame.task, ui.class_names, ui.label_px, this.setting("show_test"), Math.round(this.valueScale * 100)]);
    if (legendKey !== this.legendKey) {
      this.legendKey = legendKey;
      this.renderLegend();
    }
    this.layoutAndPaint();
    const spent = performance.now() - started;
    window.__pgPaintMs = (window.__pgPaintMs || 0) + spent; // total, for the bench
    // Read by the browser bench and tests: frames drawn, and those with a newly trained surface.
    window.__pgFrames = (window.__pgFrames || 0) + 1;
    if (frame.epoch !== this.lastEpoch) window.__pgSurfaceUpdates = (window.__pgSurfaceUpdates || 0) + 1;
    this.lastEpoch = frame.epoch;
    this.keepPlaying();
  }

  // While playing, the client asks for the next frame as soon as it has drawn this one: one frame
  // in flight, so the server never queues work and a closed tab stops training at once. A
  // watchdog asks again if an answer got lost (e.g. a request sent during a full rerun).
  keepPlaying() {
    clearTimeout(this.watchdog);
    const ui = (this.frame && this.frame.ui) || {};
    const server = !!ui.playing;
    const live = server && this.playing() && ui.ticker && !this.frame.diverged;
    if (!live) {
      this.wasLive = false;
      return;
    }
    this.tick();
    if (!this.wasLive) {
      // Two requests in flight: the server trains the next frame while this one travels and
      // is drawn. Sent apart, so the two triggers are two messages.
      setTimeout(() => this.tick(), 40);
      this.wasLive = true;
    }
    this.watchdog = setTimeout(() => this.keepPlaying(), 1500);
  }

  tick() {
    // Its own trigger, so a tick sent in the same instant never replaces a click's action.
    this.nonce += 1;
    if (this.api) this.api.setTriggerValue("tick", this.nonce);
  }

  playing() {
    const server = !!(this.frame && this.frame.ui && this.frame.ui.playing);
    const fresh = performance.now() - (this.wantedAt || 0) < 5000; // else trust the server
    if (this.wanted !== undefined && this.wanted !== server && fresh) return this.wanted;
    this.wanted = undefined; // the server caught up
    return server;
  }

  setting(name) {
    const ui = (this.frame && this.frame.ui) || {};
    return this.localUi[name] !== undefined ? this.localUi[name] : !!ui[name];
  }

  decodeFrame() {
    // pg-engine's payload (actlab.playground_frame): surface, network, neurons, points, history.
    const f = this.frame;
    const ui = f.ui || {};
    const surface = f.surface || null;
    this.surface = surface && {
      n: surface.size,
      lo: surface.lo,
      hi: surface.hi,
      q: decode(surface.data),
      classes: surface.classes ? decode(surface.classes) : null,
    };
    const net = f.network || { sizes: [], weights: [], activations: [] };
    const neurons = (f.neurons && f.neurons.layers) || [];
    const g = (f.neurons && f.neurons.size) || 0;
    this.nodeGrid = g;
    const hiddenCount = Math.max(0, net.sizes.length - 2);
    const outputs = net.sizes[net.sizes.length - 1] || 1;
    this.layers = neurons.map((layer, li) => {
      const bytes = decode(layer.data);
      const units = layer.lo.length;
      const kind = li === 0 ? "input" : li === neurons.length - 1 ? "output" : "hidden";
      let title, labels;
      if (kind === "input") {
        title = t("features");
        labels = net.feature_labels || [];
      } else if (kind === "output") {
        title = t("output");
        labels = outputs > 1 ? (ui.class_names || []).map((n) => `P(${n})`) : [f.task === "regression" ? "ŷ" : t("P(class 1)")];
      } else {
        const act = (ui.activation_labels || net.activations || [])[li - 1] || "";
        title = act; // the column's position says which layer; the head's tooltip too
        labels = Array.from({ length: units }, (_, k) => t("layer {layer}, neuron {neuron}", { layer: li, neuron: k + 1 }));
      }
      const lows = layer.lo, highs = layer.hi;
      const scale = Math.max(1e-9, ...lows.map(Math.abs), ...highs.map(Math.abs));
      const nodes = [];
      for (let k = 0; k < units; k++) {
        const raw = bytes.subarray(k * g * g, (k + 1) * g * g);
        const shown = new Uint8Array(g * g);
        const lo = lows[k], hi = highs[k];
        for (let i = 0; i < g * g; i++) {
          const v = lo + ((hi - lo) * raw[i]) / 255;
          let b;
          if (kind === "output" && f.task === "classification") b = 255 * v; // a probability
          else b = 127.5 + (127.5 * v) / scale;
          shown[i] = Math.max(0, Math.min(255, Math.round(b)));
        }
        // Output neurons of 3+ classes: white -> that class's colour; the rest diverge at 0.
        const ramp = kind === "output" && units > 1 ? `to:${k}` : kind === "output" && f.task === "regression" ? "value" : "class";
        nodes.push({ label: labels[k] || t("neuron {neuron}", { neuron: k + 1 }), bytes: shown, low: lo, high: hi, ramp });
      }
      return { kind, title, index: li - 1, nodes, output: kind === "output" ? net.output : null };
    });
    this.hiddenCount = hiddenCount;
    // Big surface as bytes for the ramps: probabilities 0..255, regression centred at 0.
    this.output = null;
    this.valueScale = 1;
    if (this.surface) {
      const { n, lo, hi, q } = this.surface;
      const shown = new Uint8Array(n * n);
      if (f.task === "regression") {
        this.valueScale = Math.max(1e-9, Math.abs(lo), Math.abs(hi));
        for (let i = 0; i < n * n; i++) {
          const v = lo + ((hi - lo) * q[i]) / 255;
          shown[i] = Math.max(0, Math.min(255, Math.round(127.5 + (127.5 * v) / this.valueScale)));
        }
      } else {
        for (let i = 0; i < n * n; i++) shown[i] = Math.round(255 * (lo + ((hi - lo) * q[i]) / 255));
      }
      this.output = shown;
      if (this.surface.classes) {
        // confidence: max probability from 1/k (coin flip) .. 1, as 0..255
        const k = Math.max(2, f.n_classes || 2);
        this.confidence = new Uint8Array(n * n);
        for (let i = 0; i < n * n; i++) {
          const p = lo + ((hi - lo) * q[i]) / 255;
          this.confidence[i] = Math.max(0, Math.min(255, Math.round((255 * (p - 1 / k)) / (1 - 1 / k))));
        }
      }
    }
    const pts = f.points || { x1: [] };
    this.points = pts.x1.map((x1, i) => ({
      x1,
      x2: pts.x2 ? pts.x2[i] : 0,
      label: pts.label[i],
      test: pts.test[i] === 1,
      wrong: pts.wrong ? pts.wrong[i] === 1 : false,
    }));
  }

  renderBar() {
    const f = this.frame;
    const s = {
      epoch: f.epoch,
      train_loss: (f.loss || {}).train,
      test_loss: (f.loss || {}).test,
      test_accuracy: (f.accuracy || {}).test,
    };
    const playing = this.playing();
    this.buttons.play.replaceChildren(icon(playing ? "pause" : "play"), el("span", { text: playing ? t("Pause") : t("Play") }));
    this.buttons.play.setAttribute("data-state", playing ? "playing" : "paused");
    // What the server last said (the label may already show the visitor's click).
    this.buttons.play.setAttribute("data-server", f.ui && f.ui.playing ? "playing" : "paused");
    this.buttons.play.disabled = !!f.diverged;
    this.buttons.step.disabled = !!f.diverged;
    this.epoch.textContent = (s.epoch || 0).toLocaleString("en-US");
    // Built as DOM (the words come from the server): a label, then its number in bold.
    const parts = [[t("train loss"), fmt(s.train_loss)], [t("test loss"), fmt(s.test_loss)]];
    if (s.test_accuracy !== undefined && s.test_accuracy !== null) {
      parts.push([t("test accuracy"), `${fmt(100 * s.test_accuracy, 1)} %`]);
    }
    this.losses.replaceChildren();
    parts.forEach(([name, value], k) => {
      this.losses.appendChild(document.createTextNode(`${k ? " · " : ""}${name} `));
      el("b", { text: value }, this.losses);
    });
    this.message.textContent = f.diverged || "";
    this.message.style.display = f.diverged ? "block" : "none";
  }

  renderHeader() {
    // One header per column: layer name, and + / - buttons for hidden layers.
    const f = this.frame;
    const header = this.netHeader;
    header.replaceChildren();
    const ui = f.ui || {};
    const hidden = this.layers.filter((l) => l.kind === "hidden").length;
    this.columnHeads = this.layers.map((layer, index) => {
      const head = el("div", { class: "pg-head", "data-testid": `pg-head-${index}` }, header);
      if (layer.kind === "hidden") head.title = t("hidden layer {index}: {name}", { index, name: layer.title });
      el("div", { class: "pg-head-name", text: layer.title }, head);
      if (layer.kind === "hidden") {
        const row = el("div", { class: "pg-head-buttons" }, head);
        const minus = el("button", { class: "pg-mini", type: "button", title: t("remove a neuron"), "data-testid": `pg-remove-neuron-${layer.index}` }, row);
        minus.textContent = "−";
        minus.disabled = layer.nodes.length <= 1;
        minus.onclick = () => this.send("remove_neuron", { layer: layer.index });
        const plus = el("button", { class: "pg-mini", type: "button", title: t("add a neuron"), "data-testid": `pg-add-neuron-${layer.index}` }, row);
        plus.textContent = "+";
        plus.disabled = layer.nodes.length >= (ui.max_units || 16);
        plus.onclick = () => this.send("add_neuron", { layer: layer.index });
      }
      return head;
    });
    this.fitHeader = () => {
      // The header is as tall as its tallest column head (font sizes differ when presenting).
      let bottom = 0;
      for (const child of header.children) bottom = Math.max(bottom, child.offsetTop + child.offsetHeight);
      header.style.height = `${bottom + 4}px`;
    };
    const layerButtons = el("div", { class: "pg-layer-buttons" }, header);
    const count = hidden === 1 ? t("{count} hidden layer", { count: hidden }) : t("{count} hidden layers", { count: hidden });
    el("span", { class: "pg-dim", text: count }, layerButtons);
    const add = el("button", { class: "pg-mini", type: "button", title: t("add a hidden layer"), "data-testid": "pg-add-layer" }, layerButtons);
    add.textContent = t("+ layer");
    add.disabled = hidden >= (ui.max_layers || 6);
    add.onclick = () => this.send("add_layer");
    const remove = el("button", { class: "pg-mini", type: "button", title: t("remove the last hidden layer"), "data-testid": "pg-remove-layer" }, layerButtons);
    remove.textContent = t("− layer");
    remove.disabled = hidden === 0;
    remove.onclick = () => this.send("remove_layer");
  }

  renderLegend() {
    const f = this.frame;
    const ui = f.ui || {};
    const legend = this.legend;
    legend.replaceChildren();
    const row = (swatch, text) => {
      const r = el("div", { class: "pg-legend-row" }, legend);
      r.appendChild(swatch);
      el("span", { text }, r);
      return r;
    };
    const svg = (draw) => {
      const s = document.createElementNS(SVGNS, "svg");
      s.setAttribute("width", "22");
      s.setAttribute("height", "22");
      s.setAttribute("viewBox", "0 0 22 22");
      s.innerHTML = draw; // fixed markup built from server colours checked to be #rrggbb
      return s;
    };
    const colours = (ui.class_colours || []).filter((c) => /^#[0-9a-fA-F]{6}$/.test(c));
    const names = ui.class_names || [];
    if (f.task === "classification") {
      names.forEach((name, k) =>
        row(svg(`<circle cx="11" cy="11" r="7" fill="${colours[k % colours.length]}" stroke="#fff" stroke-width="1.5"/>`), name),
      );
      row(svg('<circle cx="11" cy="11" r="6" fill="#64748b" stroke="#fff" stroke-width="1.5"/>'), t("training point"));
      if (this.setting("show_test")) {
        row(svg('<rect x="5" y="5" width="12" height="12" fill="#64748b" stroke="#0f172a" stroke-width="1.5"/>'), t("test point"));
      }
      row(svg('<circle cx="11" cy="11" r="5" fill="#64748b"/><circle cx="11" cy="11" r="8.5" fill="none" stroke="#0f172a" stroke-width="2.5"/>'), t("ringed: misclassified"));
      const boundary = (ui.class_names || []).length > 2 ? t("line: where the predicted class changes") : t("line: P(class 1) = 0.5");
      row(svg('<line x1="2" y1="11" x2="20" y2="11" stroke="#0f172a" stroke-width="3"/>'), boundary);
      if ((ui.class_names || []).length <= 2) {
        el("div", { class: "pg-dim", text: t("background: P(class 1)") }, legend);
        const bar = el("div", { class: "pg-colourbar" }, legend);
        bar.style.background = `linear-gradient(to right, ${pale(colours[0])}, #ffffff, ${pale(colours[1])})`;
        const ticks = el("div", { class: "pg-ticks" }, legend);
        el("span", { text: "0" }, ticks);
        el("span", { text: "0.5" }, ticks);
        el("span", { text: "1" }, ticks);
      } else {
        el("div", { class: "pg-dim", text: t("background: predicted class, paler = less sure") }, legend);
      }
    } else {
      const reg = (ui.regression_colours || ["#8c510a", "#01665e"]).filter((c) => /^#[0-9a-fA-F]{6}$/.test(c));
      row(svg('<circle cx="11" cy="11" r="6" fill="#64748b" stroke="#fff" stroke-width="1.5"/>'), t("training point"));
      if (this.setting("show_test")) {
        row(svg('<rect x="5" y="5" width="12" height="12" fill="#64748b" stroke="#0f172a" stroke-width="1.5"/>'), t("test point"));
      }
      {
        const bar = el("div", { class: "pg-colourbar" }, legend);
        bar.style.background = `linear-gradient(to right, ${pale(reg[0])}, #ffffff, ${pale(reg[1])})`;
        const ticks = el("div", { class: "pg-ticks" }, legend);
        el("span", { text: fmt(-this.valueScale, 2) }, ticks);
        el("span", { text: "0" }, ticks);
        el("span", { text: fmt(this.valueScale, 2) }, ticks);
        el("div", { class: "pg-dim", text: t("background: the network's output; points: the target") }, legend);
      }
    }
    const lines = el("div", { class: "pg-legend-row pg-weights" }, legend);
    const positive = colours[1] || "#0072B2", negative = colours[0] || "#E69F00";
    lines.appendChild(svg(`<line x1="2" y1="11" x2="20" y2="11" stroke="${positive}" stroke-width="4"/>`));
    el("span", { text: t("weight > 0") }, lines);
    lines.appendChild(svg(`<line x1="2" y1="11" x2="20" y2="11" stroke="${negative}" stroke-width="4"/>`));
    el("span", { text: t("weight < 0") }, lines);
  }

  // --- layout ---------------------------------------------------------------------------------

  layoutAndPaint() {
    if (!this.frame) return;
    const width = this.host.clientWidth || 900;
    const height = (this.frame.ui && this.frame.ui.height_px) || 520;
    const label = (this.frame.ui && this.frame.ui.label_px) || 14;
    const barHeight = this.host.querySelector(".pg-bar").offsetHeight || 40;
    const bodyHeight = Math.max(240, height - barHeight - 8);
    // The output square takes what the network leaves, within the body's height.
    const compact = !!(this.frame.ui && this.frame.ui.compact) || width < 760;
    this.host.classList.toggle("pg-compact", compact);
    const sideWidth = compact ? 0 : Math.max(190, label * 13);
    const dataWidth = compact ? 0 : this.dataColumn.offsetWidth + 12;
    // The network keeps at least NET_MIN pixels; the output square takes the rest (up to the
    // body's height).
    const outSize = compact
      ? Math.max(160, Math.min(bodyHeight - label * 2 - 8, (width - 24) / 2))
      : Math.max(200, Math.min(bodyHeight - label * 2 - 8, width - sideWidth - dataWidth - NET_MIN - 32));
    this.outSize = Math.floor(outSize);
    const netWidth = compact
      ? width - this.outSize - 16
      : Math.max(200, width - this.outSize - sideWidth - dataWidth - 32);
    this.netWidth = netWidth;
    if (this.fitHeader) this.fitHeader();
    const hint = this.host.querySelector(".pg-hint");
    this.netHeight = bodyHeight - this.netHeader.offsetHeight - (hint ? hint.offsetHeight : 0) - 6;
    const ratio = window.devicePixelRatio || 1;
    this.ratio = ratio;
    for (const [canvas, w, h] of [
      [this.netCanvas, netWidth, this.netHeight],
      [this.outCanvas, this.outSize, this.outSize],
      [this.lossCanvas, compact ? this.outSize : sideWidth - 8, compact ? 90 : Math.max(60, Math.min(160, this.outSize + label * 1.5 - this.legend.offsetHeight - label * 2))],
    ]) {
      if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
        canvas.style.width = `${w}px`;
        canvas.style.height = `${h}px`;
        canvas.width = Math.round(w * ratio);
        canvas.height = Math.round(h * ratio);
      }
    }
    this.host.querySelector(".pg-net").style.width = `${netWidth}px`;
    this.legend.parentElement.style.width = compact ? `${this.outSize}px` : `${sideWidth}px`;
    this.computeNodePositions();
    this.paint();
  }

  computeNodePositions() {
    const columns = Math.max(1, this.layers.length);
    const maxNodes = Math.max(1, this.featureChoices().length, ...this.layers.map((l) => l.nodes.length));
    const h = this.netHeight;
    const w = this.netWidth;
    const size = Math.max(14, Math.min(56, Math.floor((h - 4) / maxNodes) - 4, Math.floor(w / columns / 1.7)));
    this.nodeSize = size;
    const pad = this.labelPad();
    const step = columns > 1 ? (w - pad - size - 8) / (columns - 1) : 0;
    this.positions = this.layers.map((layer, li) => {
      const x = pad + li * step;
      const total = layer.nodes.length * (size + 4);
      const top = Math.max(2, (h - total) / 2);
      return layer.nodes.map((_, ni) => ({ x, y: top + ni * (size + 4) }));
    });
    // TF's inputs: every feature has a place in the first column; the unused ones are drawn
    // faint, and a click on any of them switches it on or off.
    const all = this.featureChoices();
    this.inputSlots = [];
    if (all.length && this.layers.length) {
      const total = all.length * (size + 4);
      const top = Math.max(2, (h - total) / 2);
      const active = (this.frame.network && this.frame.network.features) || [];
      all.forEach(([id, label], k) => {
        const slot = { id, label, x: pad, y: top + k * (size + 4), active: active.includes(id) };
        this.inputSlots.push(slot);
        const index = active.indexOf(id);
        if (index >= 0 && this.positions[0][index]) this.positions[0][index] = { x: slot.x, y: slot.y };
      });
    }
    // Column heads sit above their columns.
    if (this.columnHeads) {
      this.columnHeads.forEach((head, li) => {
        const wide = Math.max(size + 4, step - 4);
        head.style.width = `${wide}px`;
        head.style.left = `${pad + li * step + size / 2 - wide / 2}px`;
      });
    }
  }

  featureChoices() {
    return (this.frame && this.frame.ui && this.frame.ui.feature_choices) || [];
  }

  // A feature's values over the square, as the server computes them (playground_features).
  featureBytes(id) {
    const n = this.nodeGrid || 0;
    const e = (this.frame && this.frame.extent) || 1;
    this.featureCache = this.featureCache || {};
    const key = `${id}:${n}:${e}`;
    if (this.featureCache[key]) return this.featureCache[key];
    const f = {
      x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b,
      x1x2: (a, b) => a * b, sin_x1: (a) => Math.sin(a), sin_x2: (a, b) => Math.sin(b),
    }[id] || (() => 0);
    const values = new Float64Array(n * n);
    let scale = 1e-9;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const v = f(-e + ((c + 0.5) * 2 * e) / n, e - ((r + 0.5) * 2 * e) / n);
        values[r * n + c] = v;
        scale = Math.max(scale, Math.abs(v));
      }
    }
    const bytes = new Uint8Array(n * n);
    for (let i = 0; i < n * n; i++) bytes[i] = Math.round(127.5 + (127.5 * values[i]) / scale);
    return (this.featureCache[key] = bytes);
  }

  labelPad() {
    // Room left of the input column for the features' names.
    const label = Math.max(12, ((this.frame.ui || {}).label_px || 14) - 2);
    const names = [
      ...(this.layers[0] || { nodes: [] }).nodes.map((n) => n.label.length),
      ...this.featureChoices().map(([, label]) => label.length),
    ];
    return 8 + Math.ceil(label * 0.6 * Math.max(2, ...names));
  }

  paint() {
    if (!this.frame) return;
    this.paintNetwork();
    this.paintOutput();
    this.paintLoss();
  }

  rampFor(kind) {
    const ui = this.frame.ui || {};
    if (kind.startsWith("to:")) {
      const colour = (ui.class_colours || ["#E69F00", "#0072B2", "#D55E00"])[Number(kind.slice(3))] || "#0f172a";
      this.ramps = this.ramps || {};
      return (this.ramps[kind] = this.ramps[kind] || sequentialRamp(colour));
    }
    if (kind === "value") {
      const c = ui.regression_colours || ["#8c510a", "#01665e"];
      return (this.regRamp = this.regRamp || divergingRamp(c[0], c[1], "#ffffff", BACKGROUND));
    }
    const c = ui.class_colours || ["#E69F00", "#0072B2"];
    return (this.classRamp = this.classRamp || divergingRamp(c[0], c[1], "#ffffff", BACKGROUND));
  }

  paintNetwork() {
    const ctx = this.netCanvas.getContext("2d");
    const r = this.ratio || 1;
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, this.netWidth, this.netHeight);
    const f = this.frame;
    const s = this.nodeSize;
    const weights = (f.network && f.network.weights) || [];
    const ui = f.ui || {};
    // Edges: layer li -> li + 1 (the last goes to the output node).
    this.edges = [];
    let scale = 1e-9;
    for (const m of weights) for (const row of m) for (const w of row) scale = Math.max(scale, Math.abs(w));
    weights.forEach((matrix, li) => {
      const sources = this.positions[li] || [];
      const targets = this.positions[li + 1] || [];
      matrix.forEach((row, ti) => {
        const target = targets[ti];
        if (!target) return;
        row.forEach((w, si) => {
          const source = sources[si];
          if (!source) return;
          const x0 = source.x + s, y0 = source.y + s / 2, x1 = target.x, y1 = target.y + s / 2;
          this.edges.push({ x0, y0, x1, y1, w, li, si, ti });
        });
      });
    });
    const positive = (ui.class_colours || ["#E69F00", "#0072B2"])[1];
    const negative = (ui.class_colours || ["#E69F00", "#0072B2"])[0];
    for (const e of this.edges) {
      const strength = Math.min(1, Math.abs(e.w) / scale);
      ctx.strokeStyle = e.w >= 0 ? positive : negative;
      ctx.globalAlpha = 0.25 + 0.7 * strength;
      ctx.lineWidth = 0.6 + 5 * strength;
      ctx.beginPath();
      const mid = (e.x0 + e.x1) / 2;
      ctx.moveTo(e.x0, e.y0);
      ctx.bezierCurveTo(mid, e.y0, mid, e.y1, e.x1, e.y1);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    if (this.hover && this.hover.edge) {
      const e = this.hover.edge;
      ctx.strokeStyle = "#0f172a";
      ctx.lineWidth = 2;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      const mid = (e.x0 + e.x1) / 2;
      ctx.moveTo(e.x0, e.y0);
      ctx.bezierCurveTo(mid, e.y0, mid, e.y1, e.x1, e.y1);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // Nodes: each a heatmap of its output over the input plane.
    ctx.imageSmoothingEnabled = false;
    const n = this.nodeGrid || 0;
    const drawn = this.layers.map(() => 0);
    for (const slot of this.inputSlots || []) {
      if (slot.active || !n) continue;
      ctx.globalAlpha = 0.3;
      paintImage(this.offscreen, this.featureBytes(slot.id), n, this.rampFor("class"), false);
      ctx.drawImage(this.offscreen, slot.x, slot.y, s, s);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#94a3b8";
      ctx.setLineDash([3, 3]);
      ctx.strokeRect(slot.x + 0.5, slot.y + 0.5, s - 1, s - 1);
      ctx.setLineDash([]);
      ctx.fillStyle = "#64748b";
      ctx.font = `${Math.max(12, (ui.label_px || 14) - 2)}px "Source Sans Pro", sans-serif`;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(slot.label, slot.x - 4, slot.y + s / 2);
    }
    this.layers.forEach((layer, li) => {
      layer.nodes.forEach((node, ni) => {
        const p = this.positions[li][ni];
        if (n) {
          paintImage(this.offscreen, node.bytes, n, this.rampFor(node.ramp), false);
          ctx.drawImage(this.offscreen, p.x, p.y, s, s);
          drawn[li] += 1;
        }
        ctx.strokeStyle = "#334155";
        ctx.lineWidth = 1;
        ctx.strokeRect(p.x + 0.5, p.y + 0.5, s - 1, s - 1);
        if (layer.kind === "input") {
          // the feature's name left of its square (x₁, sin x₂ …)
          ctx.fillStyle = "#0f172a";
          ctx.font = `${Math.max(12, (ui.label_px || 14) - 2)}px "Source Sans Pro", sans-serif`;
          ctx.textAlign = "right";
          ctx.textBaseline = "middle";
          ctx.fillText(node.label, p.x - 4, p.y + s / 2);
        }
      });
    });
    this.markForTests(drawn);
  }

  // Read by the browser test: heatmaps drawn per layer, and where the heaviest edge passes.
  markForTests(drawn) {
    this.netCanvas.dataset.heatmaps = drawn.join(",");
    const half = this.nodeSize / 2;
    this.netCanvas.dataset.slots = JSON.stringify(
      (this.inputSlots || []).map((p) => [p.id, p.x + half, p.y + half, p.active]),
    );
    let heaviest = null;
    for (const e of this.edges || []) if (!heaviest || Math.abs(e.w) > Math.abs(heaviest.w)) heaviest = e;
    if (heaviest) {
      const mid = (heaviest.x0 + heaviest.x1) / 2;
      // the Bezier's point at t = 1/2
      const y = (heaviest.y0 + heaviest.y1) / 2;
      this.netCanvas.dataset.edge = `${mid.toFixed(1)},${y.toFixed(1)},${heaviest.w}`;
    }
  }

  slotAt(e) {
    const rect = this.netCanvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    const s = this.nodeSize;
    return (this.inputSlots || []).find((p) => x >= p.x && x <= p.x + s && y >= p.y && y <= p.y + s);
  }

  onNetHover(e) {
    const slot = this.slotAt(e);
    this.netCanvas.style.cursor = slot ? "pointer" : "default";
    if (slot && !slot.active) {
      this.tooltip.textContent = t("{feature}: click to use this feature", { feature: slot.label });
      this.tooltip.style.display = "block";
      const rect = this.netCanvas.getBoundingClientRect();
      this.tooltip.style.left = `${e.clientX - rect.left + 12}px`;
      this.tooltip.style.top = `${e.clientY - rect.top + 14}px`;
      return;
    }
    const rect = this.netCanvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    const s = this.nodeSize;
    let found = null;
    this.layers.forEach((layer, li) => {
      layer.nodes.forEach((node, ni) => {
        const p = this.positions[li][ni];
        if (x >= p.x && x <= p.x + s && y >= p.y && y <= p.y + s) found = { node, layer };
      });
    });
    let text = "";
    if (found) {
      const { node, layer } = found;
      text = layer.kind === "input"
        ? t("{feature}: click to leave it out", { feature: node.label })
        : t("{neuron} · output {low} … {high}", { neuron: node.label, low: fmt(node.low, 2), high: fmt(node.high, 2) });
      this.hover = { node };
    } else {
      // the nearest edge within 6 px, measured along its curve
      let best = null, bestD = 6;
      for (const edge of this.edges || []) {
        if (x < Math.min(edge.x0, edge.x1) - 6 || x > Math.max(edge.x0, edge.x1) + 6) continue;
        for (let t = 0; t <= 1; t += 0.05) {
          const mt = 1 - t, mid = (edge.x0 + edge.x1) / 2;
          const bx = mt * mt * mt * edge.x0 + 3 * mt * mt * t * mid + 3 * mt * t * t * mid + t * t * t * edge.x1;
          const by = mt * mt * mt * edge.y0 + 3 * mt * mt * t * edge.y0 + 3 * mt * t * t * edge.y1 + t * t * t * edge.y1;
          const d = Math.hypot(bx - x, by - y);
          if (d < bestD) {
            bestD = d;
            best = edge;
          }
        }
      }
      if (best) {
        const from = this.layers[best.li].nodes[best.si].label;
        const to = this.layers[best.li + 1].nodes[best.ti].label;
        text = t("weight {from} → {to}: {value}", { from, to, value: fmt(best.w, 3) });
      }
      this.hover = best ? { edge: best } : null;
    }
    if (text) {
      this.tooltip.textContent = text;
      this.tooltip.style.display = "block";
      this.tooltip.style.left = `${Math.min(x + 12, this.netWidth - 160)}px`;
      this.tooltip.style.top = `${y + 14}px`;
    } else {
      this.tooltip.style.display = "none";
    }
    this.paintNetwork();
  }

  // --- the output -------------------------------------------------------------------------------

  toPixel(x1, x2) {
    const f = this.frame;
    const e = f.extent || 1;
    const size = this.outSize;
    return [((x1 + e) / (2 * e)) * size, ((e - x2) / (2 * e)) * size];
  }

  paintOutput() {
    const f = this.frame;
    const ui = f.ui || {};
    const ctx = this.outCanvas.getContext("2d");
    const r = this.ratio || 1;
    const size = this.outSize;
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, size, size);
    const n = this.surface ? this.surface.n : 0;
    const discretize = this.setting("discretize");
    this.outCanvasSmall = this.outCanvasSmall || document.createElement("canvas");
    if (n && this.output) {
      const multi = !!(this.surface && this.surface.classes);
      if (multi) {
        paintClasses(this.outCanvasSmall, this.surface.classes, this.confidence, n, ui.class_colours, f.n_classes, discretize);
      } else if (f.task === "regression") {
        paintImage(this.outCanvasSmall, this.output, n, this.rampFor("value"), false);
      } else {
        paintImage(this.outCanvasSmall, this.output, n, this.rampFor("class"), discretize);
      }
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.outCanvasSmall, 0, 0, size, size);
      // The boundary: P = 0.5 (two classes) or where the predicted class changes.
      const segs = multi ? classEdges(this.surface.classes, n) : f.task === "classification" ? boundarySegments(this.output, n) : [];
      const cell = size / n;
      const offset = multi ? 0 : 0.5; // probabilities sit at cell centres, classes fill cells
      ctx.strokeStyle = "#0f172a";
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      for (let i = 0; i < segs.length; i += 2) {
        ctx.moveTo((segs[i][0] + offset) * cell, (segs[i][1] + offset) * cell);
        ctx.lineTo((segs[i + 1][0] + offset) * cell, (segs[i + 1][1] + offset) * cell);
      }
      ctx.stroke();
    }
    this.paintPoints(ctx);
    this.paintAxes(ctx, size);
  }

  paintPoints(ctx) {
    const f = this.frame;
    const ui = f.ui || {};
    const showTest = this.setting("show_test");
    const colours = ui.class_colours || ["#E69F00", "#0072B2"];
    const reg = ui.regression_colours || ["#8c510a", "#01665e"];
    const radius = Math.max(3.5, this.outSize / 95);
    for (const p of this.points || []) {
      const test = p.test;
      if (test && !showTest) continue;
      const [px, py] = this.toPixel(p.x1, p.x2);
      let fill;
      if (f.task === "classification") fill = colours[p.label % colours.length];
      else {
        const t = Math.max(-1, Math.min(1, p.label / this.valueScale));
        const c = t < 0 ? mix([255, 255, 255], hexToRgb(reg[0]), -t) : mix([255, 255, 255], hexToRgb(reg[1]), t);
        fill = `rgb(${c[0]},${c[1]},${c[2]})`;
      }
      ctx.fillStyle = fill;
      // Regression targets near 0 are white: a grey edge keeps them visible on a white square.
      ctx.strokeStyle = test ? "#0f172a" : f.task === "regression" ? "#64748b" : "#ffffff";
      ctx.lineWidth = test || f.task !== "regression" ? 1.5 : 1;
      ctx.beginPath();
      if (test) ctx.rect(px - radius, py - radius, 2 * radius, 2 * radius);
      else ctx.arc(px, py, radius, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      if (p.wrong && f.task === "classification") {
        ctx.strokeStyle = "#0f172a";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(px, py, radius + 3, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }

  paintAxes(ctx, size) {
    const f = this.frame;
    const ui = f.ui || {};
    const label = ui.label_px || 14;
    ctx.strokeStyle = "#334155";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
    ctx.fillStyle = "#0f172a";
    ctx.font = `${label}px "Source Sans Pro", sans-serif`;
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    const e = f.extent || 1;
    ctx.fillText(t("x₁ →, x₂ ↑ on [{low}, {high}]", { low: fmt(-e, 0), high: fmt(e, 0) }), 4, size - label - 4);
  }

  paintLoss() {
    const f = this.frame;
    const ui = f.ui || {};
    const canvas = this.lossCanvas;
    const r = this.ratio || 1;
    const w = canvas.width / r, h = canvas.height / r;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const h0 = f.history || {};
    const hist = { epoch: h0.epoch || [], train: h0.train_loss || [], test: h0.test_loss || [] };
    const label = Math.max(12, (ui.label_px || 14) - 2);
    ctx.font = `${label}px "Source Sans Pro", sans-serif`;
    const finite = [...hist.train, ...hist.test].filter((v) => v !== null && isFinite(v));
    const top = finite.length ? Math.max(...finite) : 1;
    const last = hist.epoch.length ? hist.epoch[hist.epoch.length - 1] : 0;
    const left = 4, bottom = h - label - 4;
    const X = (ep) => left + (last > 0 ? (ep / last) * (w - left - 4) : 0);
    const Y = (v) => 4 + (1 - v / (top || 1)) * (bottom - 4);
    ctx.strokeStyle = "#334155";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, 4);
    ctx.lineTo(left, bottom);
    ctx.lineTo(w - 4, bottom);
    ctx.stroke();
    const line = (values, colour, dash) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(dash);
      ctx.beginPath();
      let started = false;
      values.forEach((v, i) => {
        if (v === null || !isFinite(v)) return;
        const px = X(hist.epoch[i]), py = Y(v);
        if (!started) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
        started = true;
      });
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(hist.test, "#0f172a", [6, 4]);
    line(hist.train, "#0072B2", []);
    ctx.fillStyle = "#0f172a";
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(t("0 … {last} epochs, max {top}", { last: last.toLocaleString("en-US"), top: fmt(top, 2) }), left, bottom + 2);
    ctx.textAlign = "right";
    const key = Math.max(ctx.measureText(t("- - test")).width, ctx.measureText(t("— train")).width) + 8;
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
    ctx.fillRect(w - 4 - key, 2, key, 2 * label + 8);
    ctx.fillStyle = "#0072B2";
    ctx.fillText(t("— train"), w - 4, 4);
    ctx.fillStyle = "#0f172a";
    ctx.fillText(t("- - test"), w - 4, 6 + label);
  }

  // --- your own data ------------------------------------------------------------------------------

  renderDatasets() {
    const ui = (this.frame && this.frame.ui) || {};
    const key = JSON.stringify([ui.datasets, ui.dataset, ui.compact]);
    if (key === this.datasetKey) return;
    this.datasetKey = key;
    const column = this.dataColumn;
    column.replaceChildren();
    column.style.display = ui.compact || !ui.datasets ? "none" : "flex";
    el("div", { class: "pg-dim", text: t("data") }, column);
    for (const [id, label] of ui.datasets || []) {
      const b = el("button", { class: "pg-mini pg-dataset", type: "button", "data-testid": `pg-dataset-${id}` }, column);
      b.textContent = label;
      if (id === ui.dataset) b.classList.add("pg-chosen");
      b.onclick = () => {
        if (id !== ui.dataset) this.send("dataset", { value: id });
      };
    }
  }

  renderDrawBar() {
    const f = this.frame;
    const ui = f.ui || {};
    this.drawBar.replaceChildren();
    if (!ui.draw) {
      this.outTitle.textContent = t("Output");
      return;
    }
    this.outTitle.textContent = t("Your data: click to add a point of");
    (ui.class_names || []).forEach((name, k) => {
      const b = el("button", { class: "pg-mini pg-class", type: "button", "data-testid": `pg-class-${k}` }, this.drawBar);
      b.textContent = name;
      b.style.borderColor = (ui.class_colours || [])[k] || "#334155";
      if (k === this.drawClass) b.classList.add("pg-chosen");
      b.onclick = () => {
        this.drawClass = k;
        this.renderDrawBar();
      };
    });
    const clear = el("button", { class: "pg-mini", type: "button", "data-testid": "pg-clear-points" }, this.drawBar);
    clear.textContent = t("start again");
    clear.title = t("Back to the starter points");
    clear.onclick = () => this.send("clear_points");
  }

  onOutputClick(e, remove) {
    const ui = (this.frame && this.frame.ui) || {};
    if (!ui.draw) return;
    e.preventDefault();
    const rect = this.outCanvas.getBoundingClientRect();
    const ex = this.frame.extent || 1;
    const x1 = ((e.clientX - rect.left) / rect.width) * 2 * ex - ex;
    const x2 = ex - ((e.clientY - rect.top) / rect.height) * 2 * ex;
    if (remove) this.send("remove_point", { x1, x2 });
    else this.send("add_point", { x1, x2, label: this.drawClass });
  }
}

export default function (component) {
  const { parentElement } = component;
  let app = parentElement.__playground;
  const texts = (component.data && component.data.ui && component.data.ui.texts) || {};
  if (app && JSON.stringify(texts) !== JSON.stringify(TEXTS)) {
    // Another language: build anew, so the labels written once (buttons, toggles) follow.
    app.observer.disconnect();
    clearTimeout(app.watchdog);
    app.host.remove();
    app = null;
  }
  TEXTS = texts;
  if (!app) {
    app = new Playground(parentElement);
    parentElement.__playground = app;
  }
  app.update(component);
  app.renderDrawBar();
  return () => {
    // Unmounted: stop watching the size and take the DOM away; a new mount builds anew.
    app.observer.disconnect();
    clearTimeout(app.watchdog);
    app.host.remove();
    if (parentElement.__playground === app) delete parentElement.__playground;
  };
}

"""The playground's setup: every control on the page as one validated, JSON-able record.

The page keeps this record in its URL and sends it to the server whenever a control changes;
:func:`parse_setup` checks every field against the playground's limits and raises
:class:`SetupError` (a ``ValueError``) naming the field, the received value and what was
expected, so the server can answer malformed input with a 4xx and a message.

>>> s = parse_setup({"data": "spiral", "classes": 3, "hidden": [8, 8]})
>>> s.sizes, s.num_classes
([2, 8, 8, 3], 3)
>>> parse_setup({"hidden": [8] * 9})
Traceback (most recent call last):
...
layerwise.web.setup.SetupError: hidden: at most 8 hidden layers, got 9
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from ..engine import activations, optim
from . import datasets

#: Limits of the playground (per session, per request).
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 64
MAX_POINTS = 10_000
MAX_BODY = 1 << 20  # bytes in one request or WebSocket message
MAX_CLASSES = 10
MAX_COORD = 1e6

DATASETS = ("spiral", "circles", "xor", "gaussians", "moons", *datasets.CLASSIFICATION,
            *datasets.REGRESSION, "custom")
#: Data sets whose number of classes is a choice, with the range offered.
MULTICLASS_SETS = {"spiral": (2, 5), "gaussians": (2, 5)}
#: Data sets with a real-valued target in [-1, 1]: a regression network with one output.
REGRESSION_SETS = tuple(datasets.REGRESSION)
ACTIVATION_NAMES = tuple(activations.ACTIVATIONS) + tuple(activations.LAYER_ACTIVATIONS)
LOSS_NAMES = ("softmax", "hinge", "mse")
#: The inputs the network may see, TensorFlow Playground's seven: name -> how it is shown.
FEATURES = {"x1": "x1", "x2": "x2", "x1sq": "x1²", "x2sq": "x2²", "x1x2": "x1·x2",
            "sin_x1": "sin x1", "sin_x2": "sin x2"}
MAX_LABEL_CHARS = 40
OPTIMIZER_NAMES = tuple(optim.OPTIMIZERS)
REG_TYPES = ("none", "l1", "l2")


class SetupError(ValueError):
    """A setup field that is missing its type, its range or its allowed values."""


@dataclass
class Setup:
    """Everything the page controls. Field names are the JSON keys."""

    data: str = "spiral"
    classes: int = 2
    n: int = 400
    noise: float = 0.2
    ratio: float = 0.5
    data_seed: int = 0
    points: list = field(default_factory=list)  # the whole data set when data == "custom"
    extra: list = field(default_factory=list)  # points added by clicking: training points
    hidden: list = field(default_factory=lambda: [8, 8])
    activation: str = "relu"
    loss: str = "softmax"
    optimizer: str = "sgd"
    lr: float = 0.03
    reg_type: str = "none"
    reg: float = 0.0
    dropout: float = 0.0
    input_noise: float = 0.0
    batch_size: int = 10
    seed: int = 0
    features: list = field(default_factory=lambda: ["x1", "x2"])
    init_scale: float = 1.0  # the initial weights are the library's, times this
    labels: list = field(default_factory=list)  # class names of uploaded data, for the legend

    @property
    def regression(self) -> bool:
        return self.data in REGRESSION_SETS

    @property
    def num_classes(self) -> int:
        """Classes of a classification set; 1 (one output) for a regression set."""
        if self.regression:
            return 1
        if self.data == "custom":
            labels = [p[2] for p in self.points] + [p[2] for p in self.extra]
            return max(labels) + 1
        return self.classes if self.data in MULTICLASS_SETS else 2

    @property
    def sizes(self) -> list:
        return [len(self.features), *self.hidden, self.num_classes]

    def to_json(self) -> dict:
        return asdict(self)

    # -- which changes need what ---------------------------------------------------------------
    def data_key(self) -> tuple:
        """Changing any of these regenerates the base data set (points added by clicking are
        not part of it)."""
        pts = tuple(map(tuple, self.points)) if self.data == "custom" else ()
        classes = self.classes if self.data in MULTICLASS_SETS else 2
        n = self.n if self.data != "custom" else len(self.points)
        return (self.data, classes, n, self.noise, self.ratio, self.data_seed, pts)

    def net_key(self) -> tuple:
        """Changing any of these builds a fresh network (and resets training)."""
        return (tuple(self.hidden), self.activation, self.dropout, self.seed, self.num_classes,
                tuple(self.features), self.init_scale)


_DEFAULTS = Setup()
_NAMES = [f.name for f in fields(Setup)]


def _int(name, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, int) and not (isinstance(v, float)
                                                                and v.is_integer()):
        raise SetupError(f"{name}: expected an integer in [{lo}, {hi}], got {v!r:.80}")
    v = int(v)
    if not lo <= v <= hi:
        raise SetupError(f"{name}: expected an integer in [{lo}, {hi}], got {v}")
    return v


def _float(name, v, lo, hi, lo_open=False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SetupError(f"{name}: expected a number in {'(' if lo_open else '['}{lo}, {hi}], "
                         f"got {v!r:.80}")
    if not (lo < v if lo_open else lo <= v) or v > hi:
        raise SetupError(f"{name}: expected a number in {'(' if lo_open else '['}{lo}, {hi}], "
                         f"got {v}")
    return float(v)


def _choice(name, v, options):
    if v not in options:
        raise SetupError(f"{name}: expected one of {', '.join(options)}; got {v!r:.80}")
    return v


def parse_points(name, v, max_label=MAX_CLASSES - 1):
    """Validate ``[[x, y, label], ...]``: finite coordinates, integer labels in range."""
    if not isinstance(v, list):
        raise SetupError(f"{name}: expected a list of [x, y, label] points, got {type(v).__name__}")
    if len(v) > MAX_POINTS:
        raise SetupError(f"{name}: at most {MAX_POINTS:,} points, got {len(v):,}")
    out = []
    for i, p in enumerate(v):
        if not isinstance(p, list) or len(p) != 3:
            raise SetupError(f"{name}[{i}]: expected [x, y, label], got {p!r:.80}")
        x, y, label = p
        for c in (x, y):
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) \
                    or abs(c) > MAX_COORD:
                raise SetupError(f"{name}[{i}]: coordinates must be finite numbers within "
                                 f"+-{MAX_COORD:g}, got {p!r:.80}")
        if isinstance(label, bool) or not isinstance(label, (int, float)) \
                or not float(label).is_integer() or not 0 <= label <= max_label:
            raise SetupError(f"{name}[{i}]: label must be an integer in [0, {max_label}], "
                             f"got {label!r:.80}")
        out.append([float(x), float(y), int(label)])
    return out


def parse_setup(obj) -> Setup:
    """Check a JSON object from the page and return the :class:`Setup` it describes.

    Missing fields take their defaults; unknown fields, wrong types and values out of range
    raise :class:`SetupError` with a message naming the field and the value received.
    """
    if not isinstance(obj, dict):
        raise SetupError(f"setup: expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(_NAMES))
    if unknown:
        raise SetupError(f"setup: unknown field(s) {', '.join(map(repr, unknown))}; "
                         f"expected some of: {', '.join(_NAMES)}")
    g = {k: obj.get(k, getattr(_DEFAULTS, k)) for k in _NAMES}
    s = Setup()
    s.data = _choice("data", g["data"], DATASETS)
    lo, hi = MULTICLASS_SETS.get(s.data, (2, MAX_CLASSES))
    s.classes = _int("classes", g["classes"], 2, MAX_CLASSES)
    if s.data in MULTICLASS_SETS and not lo <= s.classes <= hi:
        raise SetupError(f"classes: {s.data} offers {lo} to {hi} classes, got {s.classes}")
    s.n = _int("n", g["n"], 10, MAX_POINTS)
    s.noise = _float("noise", g["noise"], 0.0, 2.0)
    s.ratio = _float("ratio", g["ratio"], 0.1, 0.9)
    s.data_seed = _int("data_seed", g["data_seed"], 0, 2**31 - 1)
    s.points = parse_points("points", g["points"])
    max_label = MAX_CLASSES - 1 if s.data == "custom" else (
        s.classes if s.data in MULTICLASS_SETS else 2) - 1
    s.extra = parse_points("extra", g["extra"], max_label)
    if s.extra and s.data in REGRESSION_SETS:
        raise SetupError(f"extra: a regression set takes no added points (their targets are "
                         f"real numbers), got {len(s.extra)}")
    if s.data == "custom":
        if len(s.points) < 10:
            raise SetupError(f"points: custom data needs at least 10 points, got "
                             f"{len(s.points)}")
        if len({p[2] for p in s.points}) < 2:
            raise SetupError("points: custom data needs at least two classes, got labels "
                             f"{sorted({p[2] for p in s.points})}")
    elif s.points:
        raise SetupError(f"points: only custom data takes points, got {len(s.points)} with "
                         f"data={s.data!r} (added points go in 'extra')")
    total = (len(s.points) if s.data == "custom" else s.n) + len(s.extra)
    if total > MAX_POINTS:
        raise SetupError(f"data: at most {MAX_POINTS:,} points in all, got {total:,}")

    hidden = g["hidden"]
    if not isinstance(hidden, list):
        raise SetupError(f"hidden: expected a list of layer sizes, got {hidden!r:.80}")
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise SetupError(f"hidden: at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden)}")
    s.hidden = [_int(f"hidden[{i}]", h, 1, MAX_NEURONS) for i, h in enumerate(hidden)]
    s.activation = _choice("activation", g["activation"], ACTIVATION_NAMES)
    s.loss = _choice("loss", g["loss"], LOSS_NAMES)
    s.optimizer = _choice("optimizer", g["optimizer"], OPTIMIZER_NAMES)
    s.lr = _float("lr", g["lr"], 0.0, 10.0, lo_open=True)
    s.reg_type = _choice("reg_type", g["reg_type"], REG_TYPES)
    s.reg = _float("reg", g["reg"], 0.0, 10.0)
    s.dropout = _float("dropout", g["dropout"], 0.0, 0.9)
    s.input_noise = _float("input_noise", g["input_noise"], 0.0, 2.0)
    s.batch_size = _int("batch_size", g["batch_size"], 1, MAX_POINTS)
    s.seed = _int("seed", g["seed"], 0, 2**31 - 1)
    if s.regression != (s.loss == "mse"):
        raise SetupError(f"loss: {s.data} is a {'regression' if s.regression else 'classification'}"
                         f" set and takes {'mse' if s.regression else 'softmax or hinge'}; got "
                         f"{s.loss!r}")
    features = g["features"]
    if not isinstance(features, list) or not features:
        raise SetupError(f"features: expected a non-empty list of some of "
                         f"{', '.join(FEATURES)}; got {features!r:.80}")
    for f in features:
        _choice("features", f, tuple(FEATURES))
    # the page's checkbox order, whatever order the link gives, without repeats
    s.features = [f for f in FEATURES if f in features]
    s.init_scale = _float("init_scale", g["init_scale"], 0.0, 100.0, lo_open=True)
    labels = g["labels"]
    if not isinstance(labels, list) or not all(isinstance(v, str) and len(v) <= MAX_LABEL_CHARS
                                               for v in labels):
        raise SetupError(f"labels: expected a list of class names of at most "
                         f"{MAX_LABEL_CHARS} characters, got {labels!r:.80}")
    if labels and len(labels) != s.num_classes:
        raise SetupError(f"labels: {len(labels)} names for {s.num_classes} classes")
    s.labels = list(labels)
    return s


def options() -> dict:
    """What the page offers, and the limits, for the page to build its controls from."""
    return {
        "datasets": list(DATASETS), "multiclass": {k: list(v) for k, v in MULTICLASS_SETS.items()},
        "activations": [{"name": n, "formula": activations.ACTIVATIONS[n].formula
                         if n in activations.ACTIVATIONS else _LAYER_FORMULAS[n]}
                        for n in ACTIVATION_NAMES],
        "losses": list(LOSS_NAMES), "optimizers": list(OPTIMIZER_NAMES),
        "regression": list(REGRESSION_SETS), "features": dict(FEATURES),
        "reg_types": list(REG_TYPES),
        "limits": {"hidden_layers": MAX_HIDDEN_LAYERS, "neurons": MAX_NEURONS,
                   "points": MAX_POINTS, "body_bytes": MAX_BODY, "classes": MAX_CLASSES},
        "defaults": _DEFAULTS.to_json(),
    }


_LAYER_FORMULAS = {"prelu": "f(x) = x if x > 0 else a x, a learned per neuron",
                   "maxout": "f(x) = max(w1.x + b1, w2.x + b2)"}


def parse_csv(text: str) -> dict:
    """Points from CSV text: rows of ``x, y, label`` (comma, semicolon or tab separated).

    A first row that is not numeric is taken as a header; blank lines and lines starting with
    ``#`` are skipped. Labels may be any tokens (``0/1``, ``-1/+1``, ``cat/dog``); they are
    numbered 0, 1, ... in sorted order (numerically when all are numbers).

    Returns ``{"points": [[x, y, class], ...], "classes": C, "labels": [original labels]}``.

    >>> parse_csv("x,y,label\\n0,0,a\\n1,1,b\\n" + "0.5,0.5,b\\n" * 8)["labels"]
    ['a', 'b']
    """
    if not isinstance(text, str):
        raise SetupError(f"csv: expected text, got {type(text).__name__}")
    rows = [(i + 1, line.strip()) for i, line in enumerate(text.splitlines())]
    rows = [(i, line) for i, line in rows if line and not line.startswith("#")]
    if not rows:
        raise SetupError("csv: no rows found; expected lines of x,y,label")
    first = rows[0][1]
    sep = next((c for c in (",", ";", "\t") if c in first), None)
    if sep is None:
        raise SetupError(f"csv: line {rows[0][0]}: expected x,y,label separated by commas, "
                         f"got {first!r:.80}")

    def split(i, line):
        cells = [c.strip().strip('"').strip() for c in line.split(sep)]
        if len(cells) != 3:
            raise SetupError(f"csv: line {i}: expected 3 values x{sep}y{sep}label, got "
                             f"{len(cells)}: {line!r:.80}")
        return cells

    def number(c):
        try:
            v = float(c)
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    def parses(c):
        try:
            float(c)
        except ValueError:
            return False
        return True

    # a header is a row of words; a first row of numbers with nan or inf is data, refused below
    header = split(*rows[0])
    if not (parses(header[0]) and parses(header[1])):
        rows = rows[1:]
    if len(rows) > MAX_POINTS:
        raise SetupError(f"csv: at most {MAX_POINTS:,} rows, got {len(rows):,}")
    xs, ys, raw = [], [], []
    for i, line in rows:
        x, y, label = split(i, line)
        fx, fy = number(x), number(y)
        if fx is None or fy is None or abs(fx) > MAX_COORD or abs(fy) > MAX_COORD:
            raise SetupError(f"csv: line {i}: x and y must be finite numbers within "
                             f"+-{MAX_COORD:g}, got {x!r:.30}, {y!r:.30}")
        if not label:
            raise SetupError(f"csv: line {i}: the label is empty")
        xs.append(fx)
        ys.append(fy)
        raw.append(label[:40])
    if len(xs) < 10:
        raise SetupError(f"csv: at least 10 points needed, got {len(xs)}")
    distinct = set(raw)
    numeric = all(number(v) is not None for v in distinct)
    labels = sorted(distinct, key=(lambda v: (float(v), v)) if numeric else None)
    if numeric:  # "1" and "1.0" are one class
        seen, merged = {}, []
        for v in labels:
            if float(v) not in seen:
                seen[float(v)] = len(merged)
                merged.append(v)
        index = {v: seen[float(v)] for v in labels}
        labels = merged
    else:
        index = {v: k for k, v in enumerate(labels)}
    if len(labels) < 2:
        raise SetupError(f"csv: at least two classes needed, got only label {labels[0]!r}")
    if len(labels) > MAX_CLASSES:
        raise SetupError(f"csv: at most {MAX_CLASSES} classes, got {len(labels)} distinct "
                         f"labels")
    points = [[x, y, index[v]] for x, y, v in zip(xs, ys, raw)]
    return {"points": points, "classes": len(labels), "labels": labels}

"""Networks: layers in sequence, and the seed's layer-wise nets built from their sizes.

The seed's naming holds throughout: an N-layer network has N weight layers (the input layer is
not counted), and the output layer has no activation. ``Network([3, 4, 2])`` is the seed's
2-layer net with 6 neurons and 26 parameters; ``Network([3, 4, 4, 1])`` the 3-layer net with 9
neurons and 41.

Layers are laid out as PyTorch's ``nn.Sequential`` would lay them out, and parameters are named
as its state dict names them (``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ...), so the state
dict loads into PyTorch unchanged.
"""
from __future__ import annotations

import numpy as np

from . import activations as act
from .backend import as_dtype, xp
from .init import default_init, INITS
from .layers import Activation, Dense, Dropout, Layer, Maxout, PReLU, layer_from_config


_ONES = {}


def _ones(n, dtype):
    """A read-only vector of ``n`` ones, kept per size and dtype."""
    ones = _ONES.get((n, dtype))
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[(n, dtype)] = xp.ones(n, dtype)
        ones.flags.writeable = False
    return ones


def check_input(X, in_features, dtype):
    """Validate a batch ``(N, D)`` or one vector ``(D,)``; return it 2-D in ``dtype``."""
    X = xp.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
    if X.ndim not in (1, 2):
        raise ValueError(f"X must be 1-D (one sample) or 2-D (N, D), got shape {X.shape}")
    X2 = X[None, :] if X.ndim == 1 else X
    if X2.shape[1] != in_features:
        raise ValueError(f"X has {X2.shape[1]} features per sample, but the network expects "
                         f"{in_features} (got shape {X.shape})")
    given = X2
    with xp.errstate(over="ignore", invalid="ignore"):
        X2 = X2.astype(dtype, copy=False)
        # a finite sum proves every entry finite; only a non-finite one needs the elementwise look.
        # The sum is taken as X @ 1, then over the rows: a BLAS product, which reads a large
        # batch about twice as fast as X.sum() (it is a fifth of a 3072-100-10 forward pass)
        if X2.size and not xp.isfinite(X2.dot(_ones(X2.shape[1], X2.dtype)).sum()) \
                and not xp.isfinite(X2).all():
            bad = tuple(xp.argwhere(~xp.isfinite(X2))[0])
            if xp.isfinite(given[bad]):
                raise ValueError(f"X holds values too large for {xp.dtype(dtype)} (row {bad[0]}, "
                                 f"column {bad[1]}: {given[bad]}); rescale the data")
            raise ValueError(f"X contains NaN or inf (first at row {bad[0]}, column {bad[1]}: "
                             f"{given[bad]})")
    return X2


def _check_widths(layers):
    """Each layer must take as many inputs as the layer before it gives."""
    width = None
    for i, layer in enumerate(layers):
        takes = getattr(layer, "in_features", getattr(layer, "num_parameters", None))
        if takes is not None and width is not None and takes != width:
            raise ValueError(f"layer {i} ({layer!r}) takes {takes} inputs, but the layer before "
                             f"it gives {width}")
        if takes is not None or width is not None:
            width = layer.output_size(takes if width is None else width)


class Sequential:
    """Layers applied in order; the container for any feed-forward stack.

    All parameters live in one flat vector (``flat_params``) and all gradients in another
    (``flat_grads``); each layer's ``weight``/``bias`` are views into them. Weights come first
    and biases after, so weight decay touches one contiguous slice (``weight_slice``) and an
    optimizer step is a handful of array operations, however many layers there are.

    Parameters
    ----------
    *layers : Layer
        At least one; the state-dict keys are their positions (``"0.weight"``, ...). Each layer
        must take as many inputs as the layer before it gives.

    Raises
    ------
    TypeError
        For an argument that is not a layerwise Layer.
    ValueError
        For no layers, layers whose widths do not chain, or parameters that differ in dtype.

    >>> import numpy as np
    >>> net = Sequential(Dense(2, 3, rng=np.random.default_rng(0)), Activation("tanh"), Dense(3, 1))
    >>> net(np.zeros((4, 2))).shape, net.depth, net.num_params
    ((4, 1), 2, 13)
    """

    #: Names of the classes (one per output; two for a single-output net) and of the inputs,
    #: when known: :func:`layerwise.load` sets them from the file, :func:`layerwise.save` keeps them.
    class_names = None
    feature_names = None

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be a layerwise Layer, got {type(layer).__name__}")
        if not layers:
            raise ValueError("a network needs at least one layer, got none")
        _check_widths(layers)
        self.layers = list(layers)
        self._flatten()

    # -- parameters in one vector -----------------------------------------------------------
    def _flatten(self):
        entries = [(f"{i}.{name}", layer, name)
                   for i, layer in enumerate(self.layers) for name in layer.param_names]
        # weights (2-D, regularized) first, then the rest (biases, PReLU slopes)
        entries.sort(key=lambda e: 0 if getattr(e[1], e[2]).ndim == 2 else 1)
        dtypes = {getattr(layer, name).dtype for _, layer, name in entries}
        if len(dtypes) > 1:
            raise ValueError(f"all parameters must share one dtype, got {sorted(map(str, dtypes))}")
        self.dtype = dtypes.pop() if dtypes else xp.dtype(xp.float32)
        total = sum(getattr(layer, name).size for _, layer, name in entries)
        self.flat_params = xp.zeros(total, dtype=self.dtype)
        self.flat_grads = xp.zeros(total, dtype=self.dtype)
        self._slots, offset, n_weights = {}, 0, 0
        initial = {}
        for key, layer, name in entries:
            p = initial[key] = getattr(layer, name)
            self._slots[key] = (layer, name, offset, p.shape)
            offset += p.size
            if p.ndim == 2:
                n_weights = offset
        self.weight_slice = slice(0, n_weights)
        self._bind_views()
        for key, (layer, name, _, _) in self._slots.items():
            getattr(layer, name)[...] = initial[key]
        # the first layer holding parameters (a PReLU may come before any Dense): no layer below
        # it needs an input gradient. Computed once: a small net's step counts microseconds
        self._first_param_index = next((i for i, l in enumerate(self.layers) if l.param_names), 0)
        self._names = sorted(self._slots, key=lambda k: (int(k.split(".")[0]), k.split(".")[1]
                                                         != "weight"))

    def _bind_views(self):
        """Point every layer's parameters and gradients at their slices of the flat vectors.

        A weight matrix keeps the shape ``(out, in)`` (one neuron per row, as the seed and
        PyTorch have it) but is laid out in memory as its transpose ``(in, out)``, column-major
        for ``(out, in)``: ``x @ W.T`` and ``dW^T = x^T @ dout`` are then plain products of
        row-major matrices, which OpenBLAS runs about 20% faster here than the transposed forms.
        """
        for layer, name, offset, shape in self._slots.values():
            size = int(xp.prod(shape))
            views = [flat[offset:offset + size] for flat in (self.flat_params, self.flat_grads)]
            if len(shape) == 2:
                views = [v.reshape(shape[::-1]).T for v in views]
            else:
                views = [v.reshape(shape) for v in views]
            setattr(layer, name, views[0])
            layer.grads[name] = views[1]
        # the regularized slice of both vectors, as views made once, and a scratch vector of
        # its size: the penalty is applied on every step (see losses.regularization)
        self._step_views = (self.flat_params, self.flat_params[self.weight_slice],
                            self.flat_grads[self.weight_slice],
                            xp.empty(self.weight_slice.stop, self.dtype), [None, None])

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_step_views", None)  # views and scratch: rebuilt by __setstate__
        return state

    def __setstate__(self, state):
        # pickle stores views as copies: re-link the layers to the (shared) flat vectors
        self.__dict__.update(state)
        self._bind_views()

    def parameters(self):
        """``[(name, param, grad), ...]`` in state-dict order; arrays are live views."""
        return [(k, getattr(self._slots[k][0], self._slots[k][1]),
                 self._slots[k][0].grads[self._slots[k][1]]) for k in self._names]

    def weights(self):
        """The regularized parameters: every 2-D weight matrix (never biases)."""
        return [p for k, p, _ in self.parameters() if p.ndim == 2]

    def state_dict(self) -> dict:
        """Copies of the parameters, keyed as PyTorch's ``nn.Sequential`` keys them."""
        return {k: p.copy() for k, p, _ in self.parameters()}

    def gradients(self) -> dict:
        """Copies of the gradients of the last backward pass, keyed like :meth:`state_dict`."""
        return {k: g.copy() for k, _, g in self.parameters()}

    def load_state_dict(self, state: dict):
        """Copy parameters in from ``state`` (NumPy or torch tensors), checking keys and shapes."""
        state = {k: (v.detach().cpu().numpy() if hasattr(v, "detach") else xp.asarray(v))
                 for k, v in state.items()}
        missing = sorted(set(self._slots) - set(state))
        extra = sorted(set(state) - set(self._slots))
        if missing or extra:
            raise ValueError(f"state dict does not match the network: missing keys {missing}, "
                             f"unexpected keys {extra}")
        # check every entry before copying any, so that a failed load leaves the network intact
        for k, (layer, name, _, shape) in self._slots.items():
            if tuple(state[k].shape) != tuple(shape):
                raise ValueError(f"parameter {k!r} has shape {tuple(state[k].shape)}, "
                                 f"the network expects {tuple(shape)}")
        for k, (layer, name, _, shape) in self._slots.items():
            getattr(layer, name)[...] = state[k]
        return self

    # -- size, in the seed's terms ----------------------------------------------------------
    @property
    def depth(self) -> int:
        """N of "N-layer network": the number of weight layers; the input is not counted."""
        return sum(layer.is_weight_layer for layer in self.layers)

    @property
    def num_neurons(self) -> int:
        """Neurons in the hidden and output layers (input units are not neurons)."""
        return sum(layer.num_neurons for layer in self.layers)

    @property
    def num_params(self) -> int:
        return int(self.flat_params.size)

    @property
    def in_features(self) -> int:
        first = next((l for l in self.layers if hasattr(l, "in_features")), None)
        if first is None:
            raise ValueError("the network has no weight layer, so its input size is unknown")
        return first.in_features

    @property
    def out_features(self) -> int:
        size = self.in_features
        for layer in self.layers:
            size = layer.output_size(size)
        return size

    def summary(self) -> str:
        """A table of layers with output shape, neurons and parameters, and the totals."""
        rows, size = [], self.in_features
        for i, layer in enumerate(self.layers):
            size = layer.output_size(size)
            rows.append((f"{i}: {layer!r}", f"(N, {size})", layer.num_neurons or "",
                         layer.num_params or ""))
        head = ("layer", "output shape", "neurons", "params")
        widths = [max(len(str(r[c])) for r in rows + [head]) for c in range(4)]
        line = "-" * (sum(widths) + 6)

        def fmt(r):
            return (f"{str(r[0]):<{widths[0]}}  {str(r[1]):<{widths[1]}}  "
                    f"{str(r[2]):>{widths[2]}}  {str(r[3]):>{widths[3]}}")

        n_weights = sum(p.size for p in self.weights())
        return "\n".join([
            f"{self.depth}-layer network, input of {self.in_features} (the input layer is not "
            f"counted)", line, fmt(head), line, *map(fmt, rows), line,
            f"neurons: {self.num_neurons:,}   parameters: {self.num_params:,} "
            f"({n_weights:,} weights + {self.num_params - n_weights:,} "
            + ("biases and PReLU slopes)" if any(isinstance(l, PReLU) for l in self.layers)
               else "biases)"),
        ])

    # -- forward and backward ---------------------------------------------------------------
    def forward(self, X, train=False):
        """Scores for a batch ``(N, D)`` (or one vector ``(D,)``, giving ``(out,)``).

        ``train=True`` applies dropout and noise and keeps what :meth:`backward` needs.
        """
        X2 = check_input(X, self.in_features, self.dtype)
        out = self._forward(X2, train)
        if train:
            out = out.copy()  # the last layer's workspace is reused by the next step
        return out[0] if xp.ndim(X) == 1 else out

    __call__ = forward

    def _forward(self, X, train):
        """The unchecked forward pass used by the trainer on validated data."""
        for layer in self.layers:
            X = layer.forward(X, train)
        return X

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout = dL/dscores`` from the last training forward pass.

        Fills every layer's gradients (read them with :meth:`gradients`) and returns ``dL/dX``,
        or ``None`` with ``input_grad=False``, which skips the first layer's input gradient that
        a training step does not need.
        """
        dout = xp.asarray(dout, dtype=self.dtype)
        last = next((l for l in reversed(self.layers) if hasattr(l, "_x")), None)
        x = getattr(last, "_x", None)
        if x is None:
            raise ValueError("backward needs a forward pass with train=True first")
        expected = (x.shape[0], self.out_features)
        if dout.ndim == 1 and dout.size == x.shape[0] * self.out_features:
            dout = dout.reshape(expected)  # one sample's scores, or a single output column
        if dout.shape != expected:
            raise ValueError(f"dout must have the shape of the scores {expected}, got {dout.shape}")
        dx = self._backward(dout, input_grad)
        return None if dx is None else dx.copy()

    def _backward(self, dout, input_grad):
        layers = self.layers
        first = self._first_param_index
        for i in range(len(layers) - 1, -1, -1):
            # the first weight layer's input gradient is wasted work in training
            dout = layers[i].backward(dout, input_grad or i > first)
            if dout is None:
                return None
        return dout

    def predict(self, X):
        """Class index of the highest score (or of score > 0 for a single output)."""
        scores = self.forward(X)
        if scores.shape[-1] == 1:
            return (scores[..., 0] > 0).astype(xp.int64)
        return scores.argmax(axis=-1)

    # -- architecture as data ---------------------------------------------------------------
    def config(self) -> dict:
        """A JSON-able description of the architecture, enough to rebuild it with
        :func:`from_config`."""
        return {"class": "Sequential", "dtype": str(self.dtype),
                "layers": [layer.config() for layer in self.layers]}

    # -- model files ------------------------------------------------------------------------
    def save(self, path, metadata=None, class_names=None, feature_names=None):
        """Save weights and architecture to a safetensors file, atomically
        (:func:`layerwise.io.save`); read it back with :func:`layerwise.load`."""
        from ..io.model import save

        save(self, path, metadata, class_names=class_names, feature_names=feature_names)

    def to_torch(self):
        """An equivalent PyTorch ``nn.Sequential`` (:func:`layerwise.io.to_torch`)."""
        from ..io.model import to_torch

        return to_torch(self)

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}(\n{inner}\n)"

    def _repr_html_(self):
        # a notebook shows the summary table and a diagram of the net instead of the repr
        from .display import network_html

        return network_html(self)


class Network(Sequential):
    """The seed's fully-connected, layer-wise network, built from its layer sizes.

    ``sizes = [inputs, hidden..., outputs]``. Layers are laid out as ``nn.Sequential`` lays them:
    ``Dense, activation, [Dropout], Dense, ..., Dense``; with ``activation="maxout"`` each hidden
    ``Dense + activation`` pair is one :class:`Maxout` layer, and ``"prelu"`` gives a
    :class:`PReLU` layer after each hidden Dense.

    Parameters
    ----------
    sizes : list of int
        At least two positive integers.
    activation : str, default "relu"
        Any name in :data:`layerwise.engine.activations.ACTIVATIONS`, or "prelu", "maxout".
    dropout : float, default 0.0
        Probability of dropping each hidden unit in training.
    init : {"auto", "he", "xavier", "small"} or float, default "auto"
        "auto" picks He for ReLU-like units and Xavier otherwise; a float is the std itself.
    dtype : float32 (default) or float64
    seed : int or numpy.random.Generator, optional
        Draws the initial weights and dropout masks; the same seed gives the same net.
    maxout_k : int, default 2
        Pieces per Maxout unit (used only with ``activation="maxout"``).

    Raises
    ------
    ValueError
        For sizes that are not at least two positive integers, an unknown activation or
        init, a dtype other than float32/float64, or a dropout outside [0, 1).

    Examples
    --------
    >>> net = Network([3, 4, 4, 1], activation="sigmoid", seed=0)
    >>> net.depth, net.num_neurons, net.num_params
    (3, 9, 41)
    >>> Network([3, 4, 2]).num_params, Network([3072, 100, 10]).num_params
    (26, 308310)
    """

    def __init__(self, sizes, activation="relu", dropout=0.0, init="auto", dtype=xp.float32,
                 seed=None, maxout_k=2):
        sizes = list(sizes) if isinstance(sizes, (list, tuple, xp.ndarray)) else sizes
        if (not isinstance(sizes, list) or len(sizes) < 2
                or not all(isinstance(s, (int, xp.integer)) and not isinstance(s, bool) and s > 0
                           for s in sizes)):
            raise ValueError("sizes must be a list of at least two positive integers "
                             f"[inputs, hidden..., outputs], got {sizes!r}")
        if activation not in act.LAYER_ACTIVATIONS:
            act.get(activation)
        if init != "auto" and not isinstance(init, (int, float)) and init not in INITS:
            raise ValueError(f"unknown init {init!r}; expected one of: auto, {', '.join(INITS)}")
        dtype = as_dtype(dtype)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        scheme = default_init(activation) if init == "auto" else init
        self.sizes = [int(s) for s in sizes]
        self.activation, self.dropout, self.init, self.maxout_k = activation, dropout, init, maxout_k
        self._seed = seed if isinstance(seed, (int, type(None))) else None

        layers = []
        for fan_in, fan_out in zip(self.sizes[:-2], self.sizes[1:-1]):
            if activation == "maxout":
                layers.append(Maxout(fan_in, fan_out, maxout_k, scheme, dtype, rng))
            else:
                layers.append(Dense(fan_in, fan_out, scheme, dtype, rng))
                layers.append(PReLU(fan_out, dtype=dtype) if activation == "prelu"
                              else Activation(activation))
            if dropout:
                layers.append(Dropout(dropout, rng=rng.spawn(1)[0]))
        # the output layer: class scores or a real-valued target, no activation
        layers.append(Dense(self.sizes[-2], self.sizes[-1], scheme, dtype, rng))
        super().__init__(*layers)

    def config(self):
        return {"class": "Network", "sizes": self.sizes, "activation": self.activation,
                "dropout": self.dropout, "init": self.init, "maxout_k": self.maxout_k,
                "dtype": str(self.dtype)}

    def __repr__(self):
        return (f"Network({self.sizes}, activation={self.activation!r}"
                + (f", dropout={self.dropout}" if self.dropout else "") + ")")


def from_config(cfg: dict, seed=None) -> Sequential:
    """Rebuild a network (fresh weights) from :meth:`Sequential.config`."""
    if not isinstance(cfg, dict) or cfg.get("class") not in ("Network", "Sequential"):
        raise ValueError("architecture must be a dict with class 'Network' or 'Sequential', "
                         f"got {cfg!r:.200}")
    dtype = as_dtype(cfg.get("dtype", "float32"))
    if cfg["class"] == "Network":
        return Network(cfg["sizes"], activation=cfg.get("activation", "relu"),
                       dropout=cfg.get("dropout", 0.0), init=cfg.get("init", "auto"),
                       dtype=dtype, seed=seed, maxout_k=cfg.get("maxout_k", 2))
    rng = np.random.default_rng(seed)
    layers = cfg.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"Sequential architecture needs a list of layers, got {layers!r:.200}")
    return Sequential(*[layer_from_config(c, dtype, rng) for c in layers])

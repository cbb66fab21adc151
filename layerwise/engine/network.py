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

import copy

from . import activations as act
from .backend import as_dtype, xp
from .init import default_init, INITS
from .layers import LAYER_TYPES, Layer, PReLU, layer_from_config
from .params import ParameterStore


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


def predicted_classes(scores):
    """The classification rule, the one definition of it: the index of the highest score for
    several outputs; for a single output, 1 where the score is positive (the seed's binary
    classifiers: sigmoid(score) > 0.5, or the SVM's side of the margin), else 0.

    >>> import numpy as np
    >>> predicted_classes(np.array([[0.1, 2.0, -1.0]]))
    array([1])
    >>> predicted_classes(np.array([[-0.5], [3.0]]))
    array([0, 1])
    """
    if scores.shape[-1] == 1:
        return (scores[..., 0] > 0).astype(xp.int64)
    return scores.argmax(axis=-1)


def depth_name(depth: int) -> str:
    """The seed's name for a net with ``depth`` weight layers: "2-layer network" (the input
    layer is not counted)."""
    return f"{depth}-layer network"


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

    The network owns one :class:`~layerwise.engine.params.ParameterStore` (``store``): every
    parameter in one flat vector (``flat_params``), every gradient in another (``flat_grads``),
    each layer's ``weight``/``bias`` a view into them. Weights come first and biases after, so
    weight decay touches one contiguous slice (``weight_slice``) and an optimizer step is a
    handful of array operations, however many layers there are.

    A layer belongs to one network only: passing a layer that is already in a network raises
    ``ValueError`` (``layer.copy()`` gives an independent copy). ``copy.copy`` and
    ``copy.deepcopy`` of a network both give an independent network with its own store; pickle
    and joblib round trips give one that trains.

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
        For no layers, layers whose widths do not chain, parameters that differ in dtype, or a
        layer that already belongs to a network.

    >>> import numpy as np
    >>> from layerwise import Activation, Dense
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
        for i, layer in enumerate(layers):
            if layer.store is not None:
                raise ValueError(f"layer {i} ({layer!r}) already belongs to a network; a layer "
                                 "can be in one network only. Pass layer.copy() for an "
                                 "independent copy")
            if any(other is layer for other in layers[:i]):
                raise ValueError(f"layer {i} ({layer!r}) appears twice; each position needs a "
                                 "layer of its own")
        _check_widths(layers)
        self.layers = list(layers)
        entries = [(f"{i}.{name}", getattr(layer, name))
                   for i, layer in enumerate(self.layers) for name in layer.param_names]
        dtypes = {p.dtype for _, p in entries}
        if len(dtypes) > 1:
            raise ValueError(f"all parameters must share one dtype, got {sorted(map(str, dtypes))}")
        self.dtype = dtypes.pop() if dtypes else xp.dtype(xp.float32)
        self.store = ParameterStore([(k, p.shape) for k, p in entries], self.dtype)
        for i, layer in enumerate(self.layers):
            layer._attach(self.store, i)
        # the first layer holding parameters (a PReLU may come before any Dense): no layer below
        # it needs an input gradient. Computed once: a small net's step counts microseconds
        self._first_param_index = next((i for i, l in enumerate(self.layers) if l.param_names), 0)

    # -- parameters, in the store ---------------------------------------------------------------
    @property
    def flat_params(self):
        """Every parameter in one vector (weights first); write into it, never rebind it."""
        return self.store.params

    @flat_params.setter
    def flat_params(self, value):
        self.store.assign_flat("params", value)

    @property
    def flat_grads(self):
        """Every gradient of the last backward pass, laid out as :attr:`flat_params`."""
        return self.store.grads

    @flat_grads.setter
    def flat_grads(self, value):
        self.store.assign_flat("grads", value)

    @property
    def weight_slice(self):
        """Where the weights (the regularized parameters) lie in the flat vectors."""
        return self.store.weight_slice

    def parameters(self):
        """``[(name, param, grad), ...]`` in state-dict order; arrays are live views."""
        store = self.store
        return [(k, store.param(k), store.grad(k)) for k in store.keys]

    def weights(self):
        """The regularized parameters: every 2-D weight matrix (never biases)."""
        return [p for k, p, _ in self.parameters() if p.ndim == 2]

    def state_dict(self) -> dict:
        """Copies of the parameters, keyed as PyTorch's ``nn.Sequential`` keys them."""
        return self.store.state_dict()

    def gradients(self) -> dict:
        """Copies of the gradients of the last backward pass, keyed like :meth:`state_dict`."""
        return {k: g.copy() for k, _, g in self.parameters()}

    def load_state_dict(self, state: dict):
        """Copy parameters in from ``state`` (NumPy arrays or torch tensors), checking every key
        and shape before copying any, so that a failed load leaves the network intact."""
        self.store.load(state)
        return self

    def __copy__(self):
        # a shallow copy would share the layers and so the store: two names for one network,
        # both training the same weights. A copy of a network is an independent network
        return copy.deepcopy(self)

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
            f"{depth_name(self.depth)}, input of {self.in_features} (the input layer is not "
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
        """Class index of the highest score (or of score > 0 for a single output): see
        :func:`predicted_classes`."""
        return predicted_classes(self.forward(X))

    # -- architecture as data ---------------------------------------------------------------
    def config(self) -> dict:
        """A JSON-able description of the architecture, enough to rebuild it with
        :func:`from_config`."""
        return {"class": "Sequential", "dtype": str(self.dtype),
                "layers": [layer.config() for layer in self.layers]}

    # -- PyTorch ----------------------------------------------------------------------------
    def to_torch(self):
        """An equivalent ``torch.nn.Sequential``, with the same weights and the same outputs.

        Each layer gives its own module (:meth:`Layer.torch_module`): Dense is ``nn.Linear``;
        each activation its ``torch.nn`` module (gelu is ``nn.GELU(approximate="tanh")``,
        leaky_relu ``nn.LeakyReLU(0.01)``, identity ``nn.Identity``); PReLU
        ``nn.PReLU(num_parameters)``; Dropout ``nn.Dropout(p)``. Maxout and GaussianNoise,
        which torch lacks, become small modules whose parameters are named ``weight``/``bias``,
        so the state dict keys are this network's keys. The module is returned in evaluation
        mode, as this network's ``forward`` runs; call ``.train()`` to train it.

        >>> torch = pytest.importorskip("torch")
        >>> import numpy as np
        >>> net = Network([3, 4, 2], activation="gelu", seed=0)
        >>> model = net.to_torch()
        >>> model
        Sequential(
          (0): Linear(in_features=3, out_features=4, bias=True)
          (1): GELU(approximate='tanh')
          (2): Linear(in_features=4, out_features=2, bias=True)
        )
        >>> x = np.ones((5, 3), np.float32)
        >>> bool(np.allclose(model(torch.from_numpy(x)).detach().numpy(), net(x), atol=1e-6))
        True
        """
        try:
            import torch
        except ImportError as e:
            raise ImportError("exporting to PyTorch needs the package 'torch', which is not "
                              "installed: pip install torch") from e
        dtype = {xp.dtype(xp.float32): torch.float32,
                 xp.dtype(xp.float64): torch.float64}[self.dtype]
        model = torch.nn.Sequential(*[layer.torch_module(torch, dtype) for layer in self.layers])
        model.load_state_dict({k: torch.from_numpy(v) for k, v in self.state_dict().items()})
        return model.eval()

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

        layers = [LAYER_TYPES[cfg["type"]].from_config(
                      {k: v for k, v in cfg.items() if k != "type"}, dtype,
                      rng.spawn(1)[0] if cfg["type"] == "Dropout" else rng)
                  for cfg in self.layer_plan(self.sizes, activation, dropout, maxout_k, scheme)]
        super().__init__(*layers)

    @staticmethod
    def layer_plan(sizes, activation="relu", dropout=0.0, maxout_k=2, init="he"):
        """The layer configs of ``Network(sizes, activation, dropout, ...)``, in order, without
        building anything (a model file's size is checked against it before loading).

        >>> [c["type"] for c in Network.layer_plan([2, 3, 1], "tanh")]
        ['Dense', 'Activation', 'Dense']
        """
        plan = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
            if activation == "maxout":
                plan.append({"type": "Maxout", "in_features": fan_in, "out_features": fan_out,
                             "k": maxout_k, "init": init})
            else:
                plan.append({"type": "Dense", "in_features": fan_in, "out_features": fan_out,
                             "init": init})
                plan.append({"type": "PReLU", "num_parameters": fan_out} if activation == "prelu"
                            else {"type": "Activation", "name": activation})
            if dropout:
                plan.append({"type": "Dropout", "p": dropout})
        # the output layer: class scores or a real-valued target, no activation
        plan.append({"type": "Dense", "in_features": sizes[-2], "out_features": sizes[-1],
                     "init": init})
        return plan

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

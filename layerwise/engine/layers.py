"""Layers: each a forward step with its chain rule beside it.

Every layer has ``forward(x, train=False) -> y`` and ``backward(dout, input_grad=True) -> dx``.
Batches are rows, ``x`` has shape ``(N, D)``. Layers with parameters keep them as attributes
named as PyTorch names them (``weight``, ``bias``) and their gradients in ``grads``. A
:class:`~layerwise.engine.network.Sequential` moves both into its
:class:`~layerwise.engine.params.ParameterStore` (one flat vector each), so that an optimizer
updates every parameter in a single array operation. Assigning ``layer.weight = array`` copies
the values into place, checked for shape and dtype, so that a hand-set weight is the one that
trains; a layer belongs to one network at most.

Each layer type owns every fact about itself: its config (to rebuild it), its parameter count
from a config (to check a model file before allocating), its PyTorch module and its ONNX nodes.
Adding a layer type is one class here and one entry in :data:`LAYER_TYPES`.

In training mode a layer writes its output and input gradient into buffers it reuses from step
to step (allocation is a measurable cost for small nets); in evaluation mode every output is a
fresh array. No layer ever writes into an array it was given.

A small net's step is bound by NumPy's cost per call (about half a microsecond), not by
arithmetic, so the training paths avoid what makes a call slower: broadcasting (a bias is first
copied into a batch-shaped buffer, then added), Python scalars and mixed dtypes in ufuncs (ReLU
compares against a zero array), reductions along an axis (a bias gradient is ``ones @ dout``, one
BLAS call), and the overhead of ``np.matmul`` and ``np.dot`` (the ``ndarray.dot`` method when
the dtypes allow it).
"""
from __future__ import annotations

import copy
import math
import numbers
from operator import attrgetter

import numpy as np

from . import activations as act
from .backend import xp
from .init import initialize
from .params import check_value


#: Arrays up to this many elements take the small-array route where two exist (see ReLU).
SMALL = 4096
#: Workspaces kept per layer (one per batch shape); more are dropped, oldest first.
_MAX_WORKSPACES = 8


def _mm(a, b, out):
    """``out[...] = a @ b``, through the ``ndarray.dot`` method when the dtypes allow: it skips
    ``np.matmul``'s generalized-ufunc overhead and ``np.dot``'s dispatch (together ~0.5 µs a
    call), but takes ``out`` only when its dtype is exactly the result's."""
    if a.dtype is out.dtype and b.dtype is out.dtype:
        return a.dot(b, out=out)
    return xp.matmul(a, b, out=out)


def _size(name, value):
    """``value`` as a positive int, or an error that names it (``int(0.5)`` would hide it)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _parameter(name, doc):
    """A parameter attribute: reading it is a plain attribute lookup (the training step reads
    weights on every call), assigning to it copies the values into the existing array, which is
    the network's store once the layer is in one."""

    def assign(layer, value):
        current = getattr(layer, "_" + name)
        current[...] = check_value(name, value, current.shape, current.dtype)

    return property(attrgetter("_" + name), assign, doc=doc)


class Layer:
    """Base class. Subclasses with parameters list them in ``param_names``.

    Attributes
    ----------
    grads : dict
        ``{parameter name: gradient}`` from the last backward pass.
    store : ParameterStore or None
        The store of the network this layer belongs to (None for a layer on its own).
    """

    param_names: tuple = ()
    #: True for the layers the seed counts: each of their output units is one neuron.
    is_weight_layer = False
    #: True for the hidden non-linearities whose units the monitors watch (dead, saturated).
    has_units = False

    def __init__(self):
        self.grads = {}
        self._buffers = {}
        self.store = None
        self._keys = {}

    # -- belonging to a network ----------------------------------------------------------------
    def _attach(self, store, index):
        """Move this layer's parameters into ``store`` under ``"{index}.{name}"``."""
        if self.store is not None:
            raise ValueError(f"{self!r} already belongs to a network; a layer can be in one "
                             "network only. Use layer.copy() for an independent copy")
        for name in self.param_names:
            key = f"{index}.{name}"
            store.param(key)[...] = getattr(self, name)
        self.store = store
        self._keys = {name: f"{index}.{name}" for name in self.param_names}
        self._link()

    def copy(self):
        """An independent copy of this layer, with parameters of its own, in no network.

        >>> import numpy as np
        >>> from layerwise import Sequential
        >>> d = Dense(2, 2, rng=np.random.default_rng(0))
        >>> net = Sequential(d)
        >>> twin = d.copy()
        >>> twin.store is None, bool((twin.weight == d.weight).all())
        (True, True)
        """
        new = copy.deepcopy(self)
        if new.store is not None:
            for name in new.param_names:
                setattr(new, "_" + name, getattr(new, name).copy())
                new.grads[name] = new.grads[name].copy()
            new.store, new._keys = None, {}
        return new

    def _link(self):
        for name, key in self._keys.items():
            setattr(self, "_" + name, self.store.param(key))
            self.grads[name] = self.store.grad(key)

    def __getstate__(self):
        # workspaces and the cached inputs of the last step are not part of a layer's state,
        # and parameters that live in a store are views of it: they are linked again on load
        state = self.__dict__.copy()
        state["_buffers"] = {}
        for key in ("_x", "_y", "_mask", "_arg"):
            if key in state:
                state[key] = None
        if state.get("store") is not None:
            state["grads"] = {}
            for name in self.param_names:
                state.pop("_" + name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.store is not None:
            self._link()

    # -- workspace -------------------------------------------------------------------------
    def _new_workspace(self, key, arrays):
        """Keep ``arrays`` (a list) as the workspace for ``key``, a batch shape: an epoch's
        shorter last batch then has its own and does not evict the full-size one."""
        if len(self._buffers) >= _MAX_WORKSPACES:
            self._buffers.pop(next(iter(self._buffers)))
        self._buffers[key] = arrays
        return arrays

    # -- parameters ------------------------------------------------------------------------
    @property
    def params(self):
        return {name: getattr(self, name) for name in self.param_names}

    @property
    def num_params(self) -> int:
        return sum(int(p.size) for p in self.params.values())

    @classmethod
    def count_params(cls, cfg) -> int:
        """The number of parameters of the layer ``cfg`` describes, without building it
        (``cfg`` has been checked by :meth:`check_config`)."""
        return 0

    @property
    def num_neurons(self) -> int:
        return 0

    def output_size(self, input_size: int) -> int:
        return input_size

    def unit_input(self, x, y):
        """For a layer with units: what decides whether each unit is active (input > 0), given
        the layer's input ``x`` and output ``y``. A ReLU-like unit's input; see Maxout."""
        return x

    # -- architecture as data ----------------------------------------------------------------
    def config(self) -> dict:
        """A JSON-able description from which :func:`layer_from_config` rebuilds the layer."""
        return {"type": type(self).__name__}

    #: config entries that must be positive integers (checked before anything is allocated)
    _int_fields: tuple = ()

    @classmethod
    def check_config(cls, cfg, fail):
        """Call ``fail(message)`` unless ``cfg`` describes a valid layer of this type.

        A layer with parameters has its sizes checked here, before anything is allocated; a
        layer without any allocates nothing, so building it is the check (its constructor's
        own error is the message)."""
        for name in cls._int_fields:
            v = cfg.get(name)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                fail(f"{cls.__name__} {name} must be a positive integer, got {str(v)[:100]}")
        if not cls.param_names:
            try:
                cls.from_config({k: v for k, v in cfg.items() if k != "type"})
            except (TypeError, ValueError) as e:
                fail(f"{cls.__name__}: {str(e)[:200]}")

    @classmethod
    def from_config(cls, cfg, dtype=xp.float32, rng=None):
        """The layer ``cfg`` (from :meth:`config`) describes, with fresh parameters."""
        return cls(**cfg)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"

    # -- exports -------------------------------------------------------------------------------
    def torch_module(self, torch, dtype):
        """The equivalent ``torch.nn`` module, its parameters named as this layer's (the weights
        are copied in afterwards, through the state dict)."""
        raise ValueError(f"{self!r} has no PyTorch equivalent")

    def onnx_nodes(self, graph, x, index):
        """Add this layer's inference nodes to ``graph`` (see :mod:`layerwise.io.model`) after
        the value named ``x``; return the name of the output value."""
        raise ValueError(f"layer {index} ({self!r}) has no ONNX export")

    # -- the step --------------------------------------------------------------------------------
    def forward(self, x, train=False):
        """Outputs for a batch ``x``; ``train=True`` keeps what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, dout, input_grad=True):
        """Gradients from ``dout = dL/dy``: fills :attr:`grads` and returns ``dL/dx`` (None
        with ``input_grad=False``)."""
        raise NotImplementedError

    def __call__(self, x, train=False):
        return self.forward(x, train)


def _weight_gradient(x, dout, grad):
    """``grad[...] = dout^T x``, written straight into ``grad`` whatever its memory order.

    Inside a network a weight's gradient is stored transposed (see
    :class:`~layerwise.engine.params.ParameterStore`), so ``grad.T = x^T dout`` is the product
    of two row-major operands into a row-major result; a lone layer keeps the row-major form.
    """
    same = x.dtype is grad.dtype and dout.dtype is grad.dtype
    grad_t = grad.T
    if same and grad_t.flags.c_contiguous:
        x.T.dot(dout, out=grad_t)
    elif same and grad.flags.c_contiguous:
        dout.T.dot(x, out=grad)
    else:
        xp.matmul(dout.T, x, out=grad)


class _NeuronLayer(Layer):
    """Shared by the layers whose outputs are the seed's neurons (Dense, Maxout): each neuron
    owns ``pieces`` rows of ``weight`` (dot products with the whole input) and their biases."""

    param_names = ("weight", "bias")
    is_weight_layer = True
    _int_fields = ("in_features", "out_features")
    weight = _parameter("weight", "``(rows, in_features)``: one row of weights per neuron "
                                  "(per piece, for Maxout). Assigning copies into place.")
    bias = _parameter("bias", "``(rows,)``: one bias per neuron (per piece, for Maxout).")

    #: linear pieces per neuron: rows ``j*pieces .. j*pieces + pieces - 1`` of ``weight`` are
    #: neuron ``j``'s (1 for Dense, ``k`` for Maxout)
    pieces = 1

    def _init_params(self, in_features, out_features, pieces, init, dtype, rng):
        self.in_features = _size("in_features", in_features)
        self.out_features = _size("out_features", out_features)
        self.pieces = pieces
        rows = self.out_features * pieces
        rng = np.random.default_rng() if rng is None else rng
        self._weight = initialize(init, (rows, self.in_features), rng, dtype)
        self._bias = xp.zeros(rows, dtype=dtype)
        self.grads = {"weight": xp.zeros_like(self._weight), "bias": xp.zeros_like(self._bias)}
        self._x = None

    @classmethod
    def count_params(cls, cfg):
        return (cfg["in_features"] + 1) * cfg["out_features"] * cfg.get("k", 1)

    @classmethod
    def from_config(cls, cfg, dtype=xp.float32, rng=None):
        return cls(**cfg, dtype=dtype, rng=rng)

    @property
    def num_neurons(self):
        return self.out_features

    def output_size(self, input_size):
        return self.out_features

    def neuron_weights(self):
        """``(out_features, in_features)``: each neuron's weight on each input (for a Maxout
        neuron, the piece whose weight is largest in magnitude), as a diagram draws them."""
        return self.weight


class Dense(_NeuronLayer):
    r"""Fully-connected layer: every neuron takes a dot product with the whole input.

    .. math:: y = x W^T + b

    Each row of ``W`` is one neuron's weights, as in the seed (``np.dot(W1, x)``).

    Parameters
    ----------
    in_features, out_features : int
    init : {"he", "xavier", "small"} or float, default "he"
    dtype : float32 (default) or float64
    rng : numpy.random.Generator, optional

    Shape
    -----
    - x: ``(N, in_features)`` -> y: ``(N, out_features)``
    - weight: ``(out_features, in_features)``, bias: ``(out_features,)``

    >>> import numpy as np
    >>> d = Dense(3, 4, rng=np.random.default_rng(0))
    >>> d.forward(np.ones((2, 3), np.float32)).shape, d.num_params
    ((2, 4), 16)
    """

    def __init__(self, in_features, out_features, init="he", dtype=xp.float32, rng=None):
        super().__init__()
        self.init = init
        self._init_params(in_features, out_features, 1, init, dtype, rng)

    def config(self):
        return {"type": "Dense", "in_features": self.in_features,
                "out_features": self.out_features}

    def torch_module(self, torch, dtype):
        return torch.nn.Linear(self.in_features, self.out_features, dtype=dtype)

    def onnx_nodes(self, graph, x, index):
        return graph.op("Gemm", x, graph.tensor(f"{index}.weight", self.weight),
                        graph.tensor(f"{index}.bias", self.bias), transB=1, prefix=f"{index}.")

    def _workspace(self, n):
        dt = self.weight.dtype
        # [output, bias copied to every row, input gradient (made when first needed), ones]
        return self._new_workspace(n, [xp.empty((n, self.out_features), dt),
                                       xp.empty((n, self.out_features), dt), None,
                                       xp.ones(n, dt)])

    def forward(self, x, train=False):
        """``y = x W^T + b`` for a batch ``x`` of shape ``(N, in_features)``.

        With ``train=True`` the input is kept for :meth:`backward` and ``y`` is written into a
        buffer that the next training call reuses (copy it to keep it); otherwise ``y`` is a
        fresh array.

        >>> import numpy as np
        >>> d = Dense(2, 1, dtype=np.float64)
        >>> d.weight, d.bias = [[1.0, -2.0]], [0.5]
        >>> d.forward(np.array([[3.0, 1.0]]))
        array([[1.5]])
        """
        if not train:
            y = x @ self.weight.T
            y += self.bias
            return y
        self._x = x  # dW needs the input; no copy: callers never change it before backward
        w = self.weight
        ws = self._buffers.get(x.shape[0]) or self._workspace(x.shape[0])
        y, rows = ws[0], ws[1]
        if x.dtype is w.dtype:  # _mm's route, written out (y has w's dtype)
            x.dot(w.T, out=y)
        else:
            xp.matmul(x, w.T, out=y)
        rows[...] = self.bias  # a copy, then a same-shape add: cheaper than a broadcasting add
        y += rows
        return y

    def backward(self, dout, input_grad=True):
        """From ``dout = dL/dy`` ``(N, out_features)`` of the last training forward pass: fill
        ``grads["weight"] = dout^T x`` and ``grads["bias"] = sum_n dout``, and return
        ``dL/dx = dout W`` ``(N, in_features)`` (None with ``input_grad=False``).

        >>> import numpy as np
        >>> d = Dense(2, 1, dtype=np.float64)
        >>> d.weight = [[1.0, -2.0]]
        >>> _ = d.forward(np.array([[3.0, 1.0]]), train=True)
        >>> d.backward(np.array([[1.0]])), d.grads["weight"], d.grads["bias"]
        (array([[ 1., -2.]]), array([[3., 1.]]), array([1.]))
        """
        # y = x W^T + b  =>  dW = dout^T x,  db = sum_n dout = 1^T dout,  dx = dout W
        x, w, grads = self._x, self.weight, self.grads
        ws = self._buffers.get(x.shape[0]) or self._workspace(x.shape[0])
        _weight_gradient(x, dout, grads["weight"])
        if dout.dtype is w.dtype:
            ws[3].dot(dout, out=grads["bias"])
        else:
            xp.sum(dout, axis=0, out=grads["bias"])
        if not input_grad:
            return None
        dx = ws[2]
        if dx is None:
            dx = ws[2] = xp.empty(x.shape, w.dtype)
        return _mm(dout, w, dx)


class Activation(Layer):
    """An elementwise non-linearity from the activation table (:mod:`layerwise.engine.activations`).

    >>> import numpy as np
    >>> Activation("relu").forward(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    def __init__(self, name="relu"):
        super().__init__()
        self.fn = act.get(name)
        self.name = name
        self._x = self._y = None

    def _workspace(self, x):
        # [output, zeros, input gradient, float 0/1 mask, boolean mask]
        return self._new_workspace(x.shape, [xp.empty_like(x), xp.zeros_like(x),
                                             xp.empty_like(x), xp.empty_like(x),
                                             xp.empty(x.shape, bool)])

    has_units = True

    def config(self):
        return {"type": "Activation", "name": self.name}

    def __getstate__(self):
        state = super().__getstate__()
        del state["fn"]  # table entries hold lambdas; the name is enough to find them again
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self.fn = act.get(self.name)

    def torch_module(self, torch, dtype):
        nn = torch.nn
        modules = {
            "identity": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
            "leaky_relu": lambda: nn.LeakyReLU(act.LEAKY_SLOPE), "elu": lambda: nn.ELU(alpha=1.0),
            "softplus": nn.Softplus, "gelu": lambda: nn.GELU(approximate="tanh"), "silu": nn.SiLU,
        }
        return modules[self.name]()

    def onnx_nodes(self, graph, x, index):
        """A native op where onnxruntime has a kernel for the dtype (``graph.native``), else
        the formula from primitive ops (the same formulas as
        :mod:`layerwise.engine.activations`)."""
        g, name = graph, self.name
        op = lambda *a, **k: g.op(*a, prefix=f"{index}.", **k)  # noqa: E731
        if name == "identity":
            return x
        if name in ("relu", "sigmoid", "tanh"):
            return op(name.capitalize(), x)
        if name == "silu":
            return op("Mul", x, op("Sigmoid", x))
        if name == "leaky_relu":
            if g.native:
                return op("LeakyRelu", x, alpha=act.LEAKY_SLOPE)
            return op("Max", x, op("Mul", x, g.scalar(act.LEAKY_SLOPE)))
        if name == "elu":
            if g.native:
                return op("Elu", x, alpha=1.0)
            neg = op("Sub", op("Exp", op("Min", x, g.scalar(0.0))), g.scalar(1.0))
            return op("Where", op("Greater", x, g.scalar(0.0)), x, neg)
        if name == "softplus":
            if g.native:
                return op("Softplus", x)
            # max(x, 0) + log(1 + e^-|x|): never overflows
            t = op("Log", op("Add", g.scalar(1.0), op("Exp", op("Neg", op("Abs", x)))))
            return op("Add", op("Max", x, g.scalar(0.0)), t)
        if name == "gelu":
            if g.opset >= 20:
                return op("Gelu", x, approximate="tanh")
            cube = op("Mul", op("Mul", x, x), x)
            inner = op("Mul", g.scalar(math.sqrt(2.0 / math.pi)),
                       op("Add", x, op("Mul", g.scalar(0.044715), cube)))
            return op("Mul", op("Mul", g.scalar(0.5), x),
                      op("Add", g.scalar(1.0), op("Tanh", inner)))
        return super().onnx_nodes(graph, x, index)

    def __repr__(self):
        return f"Activation({self.name!r})"

    def forward(self, x, train=False):
        if not train:
            return self.fn.f(x, None)
        ws = self._buffers.get(x.shape)
        if ws is None or ws[0].dtype is not x.dtype:
            ws = self._workspace(x)
        if self.name == "relu":
            # against a zero array, not the scalar 0: NumPy's scalar route is ~4x slower here
            y = xp.maximum(x, ws[1], out=ws[0])
        else:
            y = self.fn.f(x, ws[0])
        self._x, self._y = x, y
        return y

    def backward(self, dout, input_grad=True):
        y = self._y
        ws = self._buffers.get(y.shape)
        if ws is None or ws[0] is not y or dout.dtype is not y.dtype:
            # not the workspace of the last forward pass (or another dtype): fresh arrays
            return dout * self.fn.df(self._x, y)
        if self.name == "relu":
            # dx = dout * 1(y > 0); the mask is float 0/1 where that is cheapest: sign(y) for
            # small arrays (one same-dtype multiply), a boolean compare for large ones; `out`
            # goes positionally, which is a cheaper call
            if dout.size <= SMALL:
                return xp.multiply(dout, xp.sign(y, ws[3]), ws[2])
            return xp.multiply(dout, xp.greater(y, ws[1], ws[4]), ws[2])
        return xp.multiply(dout, self.fn.df(self._x, y), out=ws[2])


class PReLU(Layer):
    r"""Parametric ReLU (He et al. 2015): a leaky ReLU whose negative slope each neuron learns.

    .. math:: y = \max(0, x) + a \min(0, x)

    Parameters
    ----------
    num_parameters : int
        One slope per neuron (PyTorch's ``nn.PReLU(num_parameters)``).
    init : float, default 0.25

    Shape
    -----
    x: ``(N, num_parameters)`` -> y: same; weight: ``(num_parameters,)``
    """

    param_names = ("weight",)
    has_units = True
    _int_fields = ("num_parameters",)
    weight = _parameter("weight", "``(num_parameters,)``: each neuron's negative slope.")

    def __init__(self, num_parameters, init=0.25, dtype=xp.float32):
        super().__init__()
        self.num_parameters = _size("num_parameters", num_parameters)
        self._weight = xp.full(self.num_parameters, init, dtype=dtype)
        self.grads = {"weight": xp.zeros_like(self._weight)}
        self._x = None

    def config(self):
        return {"type": "PReLU", "num_parameters": self.num_parameters}

    @classmethod
    def count_params(cls, cfg):
        return cfg["num_parameters"]

    @classmethod
    def from_config(cls, cfg, dtype=xp.float32, rng=None):
        return cls(**cfg, dtype=dtype)

    def torch_module(self, torch, dtype):
        return torch.nn.PReLU(num_parameters=self.num_parameters, dtype=dtype)

    def onnx_nodes(self, graph, x, index):
        g, prefix = graph, f"{index}."
        slope = g.tensor(f"{index}.weight", self.weight)
        if g.native:
            return g.op("PRelu", x, slope, prefix=prefix)
        scaled = g.op("Mul", x, slope, prefix=prefix)
        return g.op("Where", g.op("Greater", x, g.scalar(0.0), prefix=prefix), x, scaled,
                    prefix=prefix)

    def forward(self, x, train=False):
        if train:
            self._x = x
        return xp.where(x > 0, x, self.weight * x)

    def backward(self, dout, input_grad=True):
        x = self._x
        neg = x <= 0
        # dy/da = x where x <= 0; summed over the batch since a is shared by all samples
        xp.sum(dout * xp.where(neg, x, 0), axis=0, out=self.grads["weight"])
        if not input_grad:
            return None
        return dout * xp.where(neg, self.weight, 1).astype(dout.dtype)


class Maxout(_NeuronLayer):
    r"""Maxout units (Goodfellow et al. 2013): each neuron is the max of ``k`` linear pieces.

    .. math:: y_j = \max_{i<k} (w_{jk+i} \cdot x + b_{jk+i})

    With ``k = 2`` this is the seed's ``max(w1.x + b1, w2.x + b2)``; it doubles the parameters
    of a neuron. Pieces of neuron ``j`` are rows ``j*k .. j*k+k-1`` of ``weight``, so PyTorch
    computes the same with ``linear(x).view(N, out, k).max(-1)``.

    Shape
    -----
    x: ``(N, in_features)`` -> y: ``(N, out_features)``;
    weight: ``(out_features * k, in_features)``, bias: ``(out_features * k,)``
    """

    def __init__(self, in_features, out_features, k=2, init="he", dtype=xp.float32, rng=None):
        super().__init__()
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"maxout needs k >= 1 pieces, got {k!r}")
        self.k = int(k)
        self._init_params(in_features, out_features, self.k, init, dtype, rng)
        self._arg = None

    has_units = True
    _int_fields = ("in_features", "out_features", "k")

    def config(self):
        return {"type": "Maxout", "in_features": self.in_features,
                "out_features": self.out_features, "k": self.k}

    def unit_input(self, x, y):
        # a maxout unit is active where its winning piece is positive: its output
        return y

    def neuron_weights(self):
        W = self.weight.reshape(self.out_features, self.k, self.in_features)
        pick = xp.abs(W).argmax(axis=1)[:, None, :]
        return xp.take_along_axis(W, pick, axis=1)[:, 0, :]

    def torch_module(self, torch, dtype):
        nn = torch.nn

        class Maxout(nn.Module):
            """Maxout units: the max over ``k`` linear pieces, pieces of unit j in rows j*k.."""

            def __init__(self, in_features, out_features, k):
                super().__init__()
                self.in_features, self.out_features, self.k = in_features, out_features, k
                self.weight = nn.Parameter(torch.empty(out_features * k, in_features, dtype=dtype))
                self.bias = nn.Parameter(torch.empty(out_features * k, dtype=dtype))

            def forward(self, x):
                z = nn.functional.linear(x, self.weight, self.bias)
                return z.unflatten(-1, (self.out_features, self.k)).amax(-1)

            def extra_repr(self):
                return (f"in_features={self.in_features}, out_features={self.out_features}, "
                        f"k={self.k}")

        return Maxout(self.in_features, self.out_features, self.k)

    def onnx_nodes(self, graph, x, index):
        g, prefix = graph, f"{index}."
        x = g.op("Gemm", x, g.tensor(f"{index}.weight", self.weight),
                 g.tensor(f"{index}.bias", self.bias), transB=1, prefix=prefix)
        shape = g.tensor(f"{index}.shape", [0, self.out_features, self.k], np.int64)
        x = g.op("Reshape", x, shape, prefix=prefix)
        if g.opset >= 18:
            axes = g.tensor(f"{index}.axes", [2], np.int64)
            return g.op("ReduceMax", x, axes, keepdims=0, prefix=prefix)
        return g.op("ReduceMax", x, axes=[2], keepdims=0, prefix=prefix)

    def forward(self, x, train=False):
        z = (x @ self.weight.T + self.bias).reshape(x.shape[0], self.out_features, self.k)
        # the max over the pieces one piece at a time: an argmax and a gather along an axis of
        # k (2 or 3) values cost several times more. argmax's rule decides: a later piece wins
        # only when strictly larger, or when it is the first NaN (a NaN is never hidden)
        best = z[..., 0].copy()
        arg = xp.zeros(best.shape, np.int8 if self.k <= 127 else np.intp) if train else None
        for i in range(1, self.k):
            piece = z[..., i]
            wins = (piece > best) | ((piece != piece) & (best == best))
            xp.copyto(best, piece, where=wins)
            if train:
                arg[wins] = i
        if train:
            self._x, self._arg = x, arg
        return best

    def backward(self, dout, input_grad=True):
        # the max routes the gradient to its winning piece only
        n = dout.shape[0]
        dz = xp.empty((n, self.out_features, self.k), dtype=dout.dtype)
        for i in range(self.k):
            xp.multiply(dout, self._arg == i, out=dz[..., i])
        dz = dz.reshape(n, -1)
        _weight_gradient(self._x, dz, self.grads["weight"])
        xp.sum(dz, axis=0, out=self.grads["bias"])
        return dz @ self.weight if input_grad else None


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale the rest by
    ``1/(1-p)``, so evaluation needs no rescaling and is the identity.

    ``p`` is the probability of dropping (PyTorch's meaning), in ``[0, 1)``.

    >>> import numpy as np
    >>> d = Dropout(0.5, rng=np.random.default_rng(0))
    >>> x = np.ones((1, 6))
    >>> d.forward(x, train=False) is x, sorted(set(d.forward(x, train=True).ravel().tolist()))
    (True, [0.0, 2.0])
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not (isinstance(p, numbers.Real) and not isinstance(p, bool) and 0.0 <= p < 1.0):
            raise ValueError(f"dropout p must be a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng() if rng is None else rng
        self._mask = None

    def config(self):
        return {"type": "Dropout", "p": self.p}

    @classmethod
    def from_config(cls, cfg, dtype=xp.float32, rng=None):
        return cls(**cfg, rng=rng)

    def torch_module(self, torch, dtype):
        return torch.nn.Dropout(self.p)

    def onnx_nodes(self, graph, x, index):
        return x  # the identity in inference

    def forward(self, x, train=False):
        if not train or self.p == 0.0:
            self._mask = None
            return x
        draw = self.rng.random(x.shape, dtype=x.dtype)
        self._mask = (draw >= self.p) * x.dtype.type(1.0 / (1.0 - self.p))
        return x * self._mask

    def backward(self, dout, input_grad=True):
        return dout if self._mask is None else dout * self._mask


class GaussianNoise(Layer):
    """Input noise: adds N(0, std^2) to every input in training; the identity in evaluation.

    One of the seed's ways to control overfitting without shrinking the net.
    """

    def __init__(self, std=0.1, rng=None):
        super().__init__()
        if not (isinstance(std, numbers.Real) and not isinstance(std, bool) and std >= 0):
            raise ValueError(f"noise std must be a non-negative number, got {std!r}")
        self.std = float(std)
        self.rng = np.random.default_rng() if rng is None else rng

    def config(self):
        return {"type": "GaussianNoise", "std": self.std}

    @classmethod
    def from_config(cls, cfg, dtype=xp.float32, rng=None):
        return cls(**cfg, rng=rng)

    def torch_module(self, torch, dtype):
        nn = torch.nn

        class GaussianNoise(nn.Module):
            """Adds N(0, std^2) noise in training; the identity in evaluation."""

            def __init__(self, std):
                super().__init__()
                self.std = std

            def forward(self, x):
                return x + torch.randn_like(x) * self.std if self.training and self.std else x

            def extra_repr(self):
                return f"std={self.std}"

        return GaussianNoise(self.std)

    def onnx_nodes(self, graph, x, index):
        return x  # the identity in inference

    def forward(self, x, train=False):
        if not train or self.std == 0.0:
            return x
        return x + (self.rng.standard_normal(x.shape) * self.std).astype(x.dtype)

    def backward(self, dout, input_grad=True):
        return dout


LAYER_TYPES = {cls.__name__: cls for cls in (Dense, Activation, PReLU, Maxout, Dropout,
                                             GaussianNoise)}


def layer_from_config(cfg: dict, dtype=xp.float32, rng=None) -> Layer:
    """Rebuild a layer from :meth:`Layer.config` (weights are loaded separately)."""
    cfg = dict(cfg)
    kind = cfg.pop("type", None)
    if kind not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {kind!r}; expected one of: {', '.join(LAYER_TYPES)}")
    return LAYER_TYPES[kind].from_config(cfg, dtype, rng)

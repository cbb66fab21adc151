"""Optimizers with PyTorch's update formulas and defaults, and learning-rate schedules.

An optimizer updates a network's parameters in place from its gradients. It holds the network's
:class:`~layerwise.engine.params.ParameterStore`, never an array taken from it, and because the
store keeps every parameter in one flat vector, each step is a few whole-vector array
operations, whatever the number of layers.

Weight decay is not an optimizer option here: regularization belongs to the objective
(:func:`layerwise.engine.losses.regularization`), which never touches biases.

>>> import numpy as np, layerwise as lw
>>> net = lw.Network([2, 3, 2], seed=0, dtype=np.float64)
>>> opt = get("adam", net, lr=1e-3)
>>> type(opt).__name__, opt.lr
('Adam', 0.001)
"""
from __future__ import annotations

import math
import numbers

from .backend import xp


def _check_lr(lr):
    # numbers.Real admits NumPy scalars (np.float32(0.1)), which grid searches hand over
    if (not isinstance(lr, numbers.Real) or isinstance(lr, bool)
            or not (lr > 0 and math.isfinite(lr))):
        raise ValueError(f"learning rate must be a positive finite number, got {lr!r}")
    return float(lr)


class Optimizer:
    """Base: holds the network's parameter store and the optimizer's own state.

    ``copy.copy`` of an optimizer steps the same network with a copy of the state (its moment
    vectors are its own); ``copy.deepcopy``, like pickling, copies the store with it.
    """

    def __init__(self, net, lr):
        store = getattr(net, "store", None)
        if store is None:
            raise TypeError(f"an optimizer is built on a layerwise network, got "
                            f"{type(net).__name__}")
        self.store = store
        self.lr = _check_lr(lr)
        self.base_lr = self.lr
        self.t = 0  # steps taken

    @property
    def params(self):
        """The flat parameter vector the optimizer updates (the store's, read on every step).
        ``opt.params -= update`` works in place; assigning another array copies it in."""
        return self.store.params

    @params.setter
    def params(self, value):
        self.store.assign_flat("params", value)

    @property
    def grads(self):
        return self.store.grads

    def step(self):
        raise NotImplementedError

    def _lr_array(self):
        """``lr`` as a 0-d array of the parameters' dtype: the same product as the Python
        float, in a cheaper NumPy call."""
        return self.store.scalar(self.lr)

    def __copy__(self):
        new = object.__new__(type(self))
        new.__dict__ = {k: (v.copy() if hasattr(v, "copy") and k in self._state_names else v)
                        for k, v in self.__dict__.items()}
        return new

    _state_names: tuple = ()

    def state_dict(self) -> dict:
        """Step count, learning rates and state vectors (copies), for checkpoints."""
        state = {"t": self.t, "lr": self.lr, "base_lr": self.base_lr}
        for name in self._state_names:
            arr = getattr(self, name)
            state[name] = None if arr is None else arr.copy()
        return state

    def load_state_dict(self, state: dict):
        self.t, self.lr, self.base_lr = int(state["t"]), float(state["lr"]), float(state["base_lr"])
        for name in self._state_names:
            value = state.get(name)
            setattr(self, name, None if value is None else xp.array(value, dtype=self.store.dtype))
        return self


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    ``v = momentum * v + g`` (``v = g`` on the first step); ``p -= lr * v``, or with Nesterov
    ``p -= lr * (g + momentum * v)``.
    """

    _state_names = ("velocity",)

    def __init__(self, net, lr=0.001, momentum=0.0, nesterov=False):
        super().__init__(net, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0, got momentum=0")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.velocity = None

    def step(self):
        g, tmp = self.store.grads, self.store.scratch
        self.t += 1
        if self.momentum:
            if self.velocity is None:
                self.velocity = g.copy()
            else:
                self.velocity *= self.momentum
                self.velocity += g
            if self.nesterov:
                xp.multiply(self.velocity, self.momentum, out=tmp)
                tmp += g
                g = tmp
            else:
                g = self.velocity
        xp.multiply(g, self._lr_array(), tmp)  # `out` positionally: a cheaper call
        self.store.params -= tmp


class Momentum(SGD):
    """SGD with momentum 0.9 by default."""

    def __init__(self, net, lr=0.001, momentum=0.9):
        super().__init__(net, lr, momentum=momentum)


class Nesterov(SGD):
    """SGD with Nesterov momentum, 0.9 by default."""

    def __init__(self, net, lr=0.001, momentum=0.9):
        super().__init__(net, lr, momentum=momentum, nesterov=True)


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``: ``s += g^2; p -= lr * g / (sqrt(s) + eps)``."""

    _state_names = ("sum",)

    def __init__(self, net, lr=0.01, eps=1e-10, initial_accumulator_value=0.0):
        super().__init__(net, lr)
        self.eps = eps
        self.sum = xp.full_like(self.params, initial_accumulator_value)

    def step(self):
        g, tmp = self.store.grads, self.store.scratch
        self.t += 1
        xp.multiply(g, g, out=tmp)
        self.sum += tmp
        xp.sqrt(self.sum, out=tmp)
        tmp += self.eps
        xp.divide(g, tmp, out=tmp)
        tmp *= self.lr
        self.store.params -= tmp


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: ``s = alpha s + (1-alpha) g^2; p -= lr * g / (sqrt(s) + eps)``."""

    _state_names = ("square_avg", "buffer")

    def __init__(self, net, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0):
        super().__init__(net, lr)
        self.alpha, self.eps, self.momentum = alpha, eps, momentum
        self.square_avg = xp.zeros_like(self.params)
        self.buffer = xp.zeros_like(self.params) if momentum else None

    def step(self):
        g, tmp = self.store.grads, self.store.scratch
        self.t += 1
        self.square_avg *= self.alpha
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - self.alpha
        self.square_avg += tmp
        xp.sqrt(self.square_avg, out=tmp)
        tmp += self.eps
        xp.divide(g, tmp, out=tmp)
        if self.momentum:
            self.buffer *= self.momentum
            self.buffer += tmp
            xp.multiply(self.buffer, self.lr, out=tmp)
        else:
            tmp *= self.lr
        self.store.params -= tmp


def update_moments(m, v, g, beta1, beta2, tmp):
    """Adam's moment estimates, in place: ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``
    (``tmp`` is scratch of ``g``'s shape). PyTorch's and scikit-learn's Adam share this part and
    differ only in where epsilon and the bias correction enter the step."""
    m *= beta1
    xp.multiply(g, 1 - beta1, out=tmp)
    m += tmp
    v *= beta2
    xp.multiply(g, g, out=tmp)
    tmp *= 1 - beta2
    v += tmp


class Adam(Optimizer):
    """``torch.optim.Adam``: bias-corrected first and second moments.

    ``m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``.
    """

    _state_names = ("m", "v")

    def __init__(self, net, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(net, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = xp.zeros_like(self.params)
        self.v = xp.zeros_like(self.params)

    def step(self):
        g, tmp = self.store.grads, self.store.scratch
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        update_moments(self.m, self.v, g, b1, b2, tmp)
        xp.sqrt(self.v, out=tmp)
        tmp /= math.sqrt(1 - b2 ** self.t)
        tmp += self.eps
        xp.divide(self.m, tmp, out=tmp)
        tmp *= self.lr / (1 - b1 ** self.t)
        self.store.params -= tmp


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": Adagrad,
              "rmsprop": RMSprop, "adam": Adam}


#: The learning rate that training takes when none is given: PyTorch's default for the adaptive
#: optimizers, but 0.1 for plain SGD and 0.01 for SGD with momentum 0.9 (the same effective
#: step, lr / (1 - momentum)). PyTorch's and scikit-learn's SGD default of 0.001 barely moves a
#: small network in a few hundred epochs, which a learner would read as "it cannot learn".
TRAINING_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01,
               "rmsprop": 0.01, "adam": 0.001}


def training_lr(optimizer, lr=None) -> float:
    """``lr``, or the rate :data:`TRAINING_LR` gives ``optimizer`` (a name or an Optimizer,
    whose own rate is kept) when ``lr`` is None.

    >>> training_lr("sgd"), training_lr("adam"), training_lr("sgd", 0.5)
    (0.1, 0.001, 0.5)
    """
    if lr is not None:
        return lr
    if isinstance(optimizer, Optimizer):
        return optimizer.lr
    return TRAINING_LR.get(optimizer) if isinstance(optimizer, str) else None


def get(name, net, lr=None, **kwargs) -> Optimizer:
    """Build the optimizer called ``name`` for ``net`` (``lr=None`` takes PyTorch's default)."""
    if isinstance(name, Optimizer):
        return name
    cls = OPTIMIZERS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of: {', '.join(OPTIMIZERS)}")
    if lr is not None:
        kwargs["lr"] = lr
    return cls(net, **kwargs)


# -- learning-rate schedules: epoch -> factor of the base learning rate -------------------------
class Schedule:
    """A learning-rate schedule: ``schedule(epoch)`` is the factor applied to the base rate."""

    def __call__(self, epoch: int) -> float:
        raise NotImplementedError


class StepDecay(Schedule):
    """Multiply by ``gamma`` every ``step_size`` epochs (``torch.optim.lr_scheduler.StepLR``)."""

    def __init__(self, step_size=10, gamma=0.1):
        if not isinstance(step_size, (int, xp.integer)) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def __call__(self, epoch):
        return self.gamma ** (epoch // self.step_size)


class ExponentialDecay(Schedule):
    """Multiply by ``gamma`` every epoch (``ExponentialLR``)."""

    def __init__(self, gamma=0.95):
        self.gamma = float(gamma)

    def __call__(self, epoch):
        return self.gamma ** epoch


class CosineDecay(Schedule):
    """Half a cosine from 1 down to ``min_factor`` over ``total`` epochs (``CosineAnnealingLR``)."""

    def __init__(self, total=100, min_factor=0.0):
        self.total, self.min_factor = int(total), float(min_factor)

    def __call__(self, epoch):
        e = min(epoch, self.total)
        return self.min_factor + (1 - self.min_factor) * (1 + math.cos(math.pi * e / self.total)) / 2


SCHEDULES = {"step": StepDecay, "exponential": ExponentialDecay, "cosine": CosineDecay}


def get_schedule(spec):
    """``None``, a :class:`Schedule`, a callable, or a name ("step", "exponential", "cosine")."""
    if spec is None or callable(spec):
        return spec
    if spec in SCHEDULES:
        return SCHEDULES[spec]()
    raise ValueError(f"unknown schedule {spec!r}; expected one of: {', '.join(SCHEDULES)}")

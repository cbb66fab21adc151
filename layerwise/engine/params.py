"""The parameter store: every parameter of a network in one flat vector, its gradient in another.

A network owns one :class:`ParameterStore`. Each layer's ``weight``/``bias`` (and PReLU's slope)
is a view into ``store.params``, its gradient a view into ``store.grads``, so that an optimizer
step is a few whole-vector operations however many layers there are, and weight decay touches
one contiguous slice: weights (the 2-D, regularized parameters) come first, biases and slopes
after.

The store is the only owner of these arrays. Layers, optimizers and trainers hold the store,
never a raw array taken from it, so nothing can keep training a stale copy:

* assigning ``layer.weight = array`` copies the values into the store (after checking shape
  and dtype), so the next step trains them;
* pickling, ``joblib``, ``copy.deepcopy`` keep the store as one object and rebuild the views
  from it on the way back;
* a layer belongs to at most one store: putting it into a second network is an error.

>>> import numpy as np
>>> store = ParameterStore([("0.weight", (2, 3)), ("0.bias", (2,))], np.float64)
>>> store.params.size, store.weight_slice, store.param("0.weight").shape
(8, slice(0, 6, None), (2, 3))
>>> store.params[:] = np.arange(8)
>>> store.param("0.bias").tolist()
[6.0, 7.0]
"""
from __future__ import annotations

from .backend import xp


class ParameterStore:
    """Flat parameter and gradient vectors with a named view for each parameter.

    Parameters
    ----------
    entries : list of (key, shape)
        State-dict key (``"0.weight"``) and shape of each parameter. 2-D parameters are the
        weights; they are laid out first, in the given order, then every other parameter.
    dtype : float32 or float64

    Attributes
    ----------
    params, grads : ndarray (num_params,)
        The flat vectors. Write into them in place (``store.params[...] = v``); never rebind.
    weight_slice : slice
        Where the weights lie in both vectors (the part a weight penalty acts on).
    keys : list of str
        The parameter keys in state-dict order (by layer index, weight before bias).

    Notes
    -----
    A weight matrix keeps the shape ``(out, in)`` (one neuron per row, as the seed and PyTorch
    have it) but is laid out in memory as its transpose ``(in, out)``: ``x @ W.T`` and
    ``dW^T = x^T @ dout`` are then plain products of row-major matrices, which OpenBLAS runs
    about 20% faster here than the transposed forms.
    """

    def __init__(self, entries, dtype):
        self.dtype = xp.dtype(dtype)
        entries = [(str(k), tuple(int(s) for s in shape)) for k, shape in entries]
        ordered = ([e for e in entries if len(e[1]) == 2]
                   + [e for e in entries if len(e[1]) != 2])
        self._slots, offset = {}, 0
        for key, shape in ordered:
            self._slots[key] = (offset, shape)
            offset += _size(shape)
        n_weights = sum(_size(shape) for _, shape in ordered if len(shape) == 2)
        self.weight_slice = slice(0, n_weights)
        self.params = xp.zeros(offset, dtype=self.dtype)
        self.grads = xp.zeros(offset, dtype=self.dtype)
        self.keys = sorted(self._slots, key=_state_dict_order)
        self._make_views()

    def _make_views(self):
        self._views = {key: (self._view(self.params, offset, shape),
                             self._view(self.grads, offset, shape))
                       for key, (offset, shape) in self._slots.items()}
        w = self.weight_slice
        # the regularized slice of both vectors and a scratch vector, made once: the penalty and
        # the optimizers use them on every step
        self.weight_params, self.weight_grads = self.params[w], self.grads[w]
        self.scratch = xp.empty_like(self.params)
        self.weight_scratch = self.scratch[w]
        self._scalars = {}

    @staticmethod
    def _view(flat, offset, shape):
        part = flat[offset:offset + _size(shape)]
        return part.reshape(shape[::-1]).T if len(shape) == 2 else part.reshape(shape)

    # -- access -------------------------------------------------------------------------------
    def __contains__(self, key):
        return key in self._slots

    def __len__(self):
        return len(self._slots)

    @property
    def size(self) -> int:
        return int(self.params.size)

    def param(self, key):
        """The live view of parameter ``key`` (shape as in the state dict)."""
        return self._views[key][0]

    def grad(self, key):
        """The live view of the gradient of ``key``."""
        return self._views[key][1]

    def shape(self, key):
        return self._slots[key][1]

    def scalar(self, value):
        """``value`` as a 0-d array of the store's dtype, kept until asked for another value.

        A step multiplies by the learning rate and the penalty strength; a 0-d array of the
        right dtype gives the same product as the Python float in a cheaper NumPy call.
        """
        cached = self._scalars.get(value)
        if cached is None:
            if len(self._scalars) >= 16:
                self._scalars.clear()
            cached = self._scalars[value] = xp.asarray(value, self.dtype)
        return cached

    def assign_flat(self, name, value):
        """``store.params = value`` (``name`` "params" or "grads"): an in-place operation such
        as ``params -= update`` hands back the vector itself; any other array is copied in,
        after checking its shape, so that the vector the views look into is never replaced."""
        flat = getattr(self, name)
        if value is not flat:
            flat[...] = check_value(name, value, flat.shape, flat.dtype)

    # -- copies ---------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Copies of the parameters, keyed and ordered as PyTorch's ``nn.Sequential`` keys them."""
        return {k: self.param(k).copy() for k in self.keys}

    def load(self, state: dict, where="the network"):
        """Copy ``state`` (``{key: array}``) in, after checking every key and shape first, so
        that a failed load leaves the parameters as they were."""
        missing = sorted(set(self._slots) - set(state))
        extra = sorted(set(state) - set(self._slots))
        if missing or extra:
            raise ValueError(f"state dict does not match {where}: missing keys {missing}, "
                             f"unexpected keys {extra}")
        values = {k: check_value(k, state[k], self.shape(k), self.dtype) for k in self._slots}
        for k, v in values.items():
            self.param(k)[...] = v

    def __getstate__(self):
        # the views and scratch space are rebuilt from the two vectors on the way back
        return {"dtype": self.dtype, "_slots": self._slots, "weight_slice": self.weight_slice,
                "params": self.params, "grads": self.grads, "keys": self.keys}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._make_views()

    def __repr__(self):
        return (f"ParameterStore({len(self)} parameters, {self.size:,} values, "
                f"{self.weight_slice.stop:,} of them weights, {self.dtype})")


def check_value(name, value, shape, dtype):
    """``value`` as an array of ``shape`` and ``dtype``, or an error that names both shapes.

    Real numbers of any precision are accepted and converted; a value that does not fit the
    dtype (say, 1e300 into float32) is refused rather than turned into inf.
    """
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = xp.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"parameter {name!r} must hold real numbers, got dtype {arr.dtype}")
    if tuple(arr.shape) != tuple(shape):
        raise ValueError(f"parameter {name!r} must have shape {tuple(shape)}, got an array of "
                         f"shape {tuple(arr.shape)}")
    with xp.errstate(over="ignore", invalid="ignore"):
        converted = arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f" and not (xp.isfinite(converted) == xp.isfinite(arr)).all():
        raise ValueError(f"parameter {name!r} holds values too large for {xp.dtype(dtype)}")
    return converted


def _size(shape):
    size = 1
    for s in shape:
        size *= s
    return size


def _state_dict_order(key):
    index, _, name = key.partition(".")
    return (int(index) if index.isdigit() else -1, name != "weight", name)

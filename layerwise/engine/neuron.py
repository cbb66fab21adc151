"""The seed's single neuron, and one neuron as a linear classifier.

A neuron takes a dot product of its inputs with its weights, adds its bias and applies its
activation: ``f(sum_i w_i x_i + b)``.

>>> n = Neuron([0.5, -1.0], bias=0.1)
>>> round(float(n.forward([2.0, 1.0])), 4)  # sigmoid(0.5*2 - 1*1 + 0.1)
0.525

One neuron with a loss on its output is a linear classifier: a ``[D, 1]`` network trained with
the binary logistic loss is a binary Softmax classifier (logistic regression); with the binary
hinge loss it is a binary SVM.

>>> import numpy as np, layerwise as lw
>>> X, y = lw.data.gaussians(n=200, classes=2, seed=0)
>>> for loss in ("logistic", "binary_hinge"):
...     net = lw.Network([2, 1], seed=0)
...     opt = lw.optim.SGD(net, lr=0.1)
...     for _ in range(200):
...         _, d = lw.losses.get(loss)(net.forward(X, train=True), y)
...         net.backward(d, input_grad=False)
...         opt.step()
...     print(loss, (net.predict(X) == y).mean() > 0.95)
logistic True
binary_hinge True
"""
from __future__ import annotations

import numpy as np

from . import activations as act


class Neuron:
    """One neuron: ``f(w . x + b)``, sigmoid by default (the seed's firing rate).

    Parameters
    ----------
    weights : array of shape (D,)
    bias : float
    activation : str, default "sigmoid"

    Shape
    -----
    x: ``(D,)`` gives a number; ``(N, D)`` gives ``(N,)``.
    """

    def __init__(self, weights, bias=0.0, activation="sigmoid"):
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights must be 1-D, got shape {self.weights.shape}")
        self.bias = float(bias)
        self.fn = act.get(activation)

    def cell_body_sum(self, inputs):
        x = np.asarray(inputs, dtype=np.float64)
        if x.shape[-1] != self.weights.size:
            raise ValueError(f"the neuron has {self.weights.size} weights, got input of shape "
                             f"{x.shape}")
        return x @ self.weights + self.bias

    def forward(self, inputs):
        """The firing rate ``f(sum_i w_i x_i + b)``."""
        s = np.asarray(self.cell_body_sum(inputs), dtype=np.float64)
        return self.fn.f(s, None)

    __call__ = forward

"""The contenders: the same network, data and optimizer in layerwise, PyTorch and scikit-learn.

Each contender is built for one :class:`~benchmarks.cases.Case` and exposes ``unit()``: one epoch
of training over the case's data (reshuffled every epoch, as training does), or one inference
pass over it in batches. The harness times blocks of units.

What each one runs:

* layerwise: :class:`layerwise.training.trainer.Trainer`'s ``run_epoch``, the code ``lw.fit`` runs each
  epoch: a fresh permutation (small data gathered once, large data one minibatch at a time),
  then per minibatch ``Trainer.step`` (forward in training mode, fused softmax loss, backward
  without the input gradient, L2 penalty, SGD).
  Inference is the public ``net(X)``, which validates its input.
* PyTorch (eager, CPU, float32): ``nn.Sequential`` of ``Linear``/``ReLU`` with the same initial
  weights (layerwise's state dict loads into it unchanged), ``CrossEntropyLoss``, and
  ``torch.optim.SGD`` with ``weight_decay = reg`` on the weights only (a parameter group without
  biases), which is the same objective as layerwise's ``reg/2 * sum(W**2)``. The epoch loop is
  the usual one, ``zero_grad; loss = loss_fn(model(xb), yb); loss.backward(); opt.step();
  loss.item()``, shuffled the way layerwise's trainer shuffles: one gather per epoch for small
  data, one ``index_select`` per minibatch into a reused buffer for large data.
  Inference runs under ``torch.inference_mode()``.
* scikit-learn: ``MLPClassifier(solver="sgd")`` with the same hidden sizes, ReLU, constant
  learning rate, no momentum, ``alpha = reg * batch_size`` (scikit-learn divides its penalty by
  the batch size) and its own initialization; one ``partial_fit`` call is one epoch (it shuffles
  and gathers each minibatch itself). Given float32 data it trains in float32. With two classes
  it uses one logistic output unit instead of two softmax units. Inference is
  ``predict_proba``.

In the tiny cases, where per-call overhead is everything:

* PyTorch runs as ``torch-1thread``, with ``torch.set_num_threads(1)``. Tensors this small gain
  nothing from a second thread, and PyTorch's default pool of two stalls for milliseconds when
  the host's other work takes a core (a step then measures 0.7-50 ms instead of ~0.1 ms), which
  would flatter layerwise; one thread is PyTorch at its quickest and steadiest here.
* scikit-learn runs twice: as everywhere (one ``partial_fit`` call per epoch, its own loop),
  and as ``sklearn-per-step``, one ``partial_fit`` call per minibatch, the only way to advance
  scikit-learn by a single step (what a step-by-step playground needs); each call validates
  its input and re-encodes the labels.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

import layerwise as lw
from layerwise.training.trainer import EPOCH_GATHER_BYTES

NAMES = ("layerwise", "torch", "sklearn")
#: what each contender runs as in the tiny cases
TINY = {"torch": ("torch-1thread",), "sklearn": ("sklearn", "sklearn-per-step")}


def available(name) -> bool:
    """Whether the contender called ``name`` can run here (its library is installed)."""
    if name == "layerwise":
        return True
    module = {"torch": "torch", "sklearn": "sklearn.neural_network"}[name.split("-")[0]]
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def make(name, case, X, y):
    """Build contender ``name`` for ``case`` on data ``(X, y)`` (float32, int64)."""
    cls = {"layerwise": Layerwise, "torch": Torch, "torch-1thread": Torch1Thread,
           "sklearn": Sklearn, "sklearn-per-step": SklearnPerStep}[name]
    return cls(case, X, y)


def _batches(n, batch):
    return [(start, min(start + batch, n)) for start in range(0, n, batch)]


class Layerwise:
    name = "layerwise"

    def __init__(self, case, X, y):
        self.case = case
        self.net = lw.Network(case.sizes, activation="relu", dtype=np.float32, seed=0)
        if case.kind == "train":
            self.trainer = lw.Trainer(self.net, loss="softmax", optimizer="sgd",
                                            lr=case.lr, reg=case.reg, reg_type="l2",
                                            batch_size=case.batch, seed=0)
            self.X, self.y = self.trainer.prepare(X, y)
        else:
            self.X = np.ascontiguousarray(X, dtype=np.float32)
            self.spans = _batches(len(self.X), case.batch)

    def unit(self):
        if self.case.kind == "train":
            return self.trainer.run_epoch(self.X, self.y)
        net, X = self.net, self.X
        for start, end in self.spans:
            net(X[start:end])


class Torch:
    name = "torch"

    def __init__(self, case, X, y):
        import torch

        self.torch, self.case = torch, case
        reference = lw.Network(case.sizes, activation="relu", dtype=np.float32, seed=0)
        mods = []
        for fan_in, fan_out in zip(case.sizes[:-1], case.sizes[1:]):
            mods += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*mods[:-1])
        self.model.load_state_dict({k: torch.from_numpy(v)
                                    for k, v in reference.state_dict().items()})
        self.X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        if case.kind == "train":
            self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
            named = list(self.model.named_parameters())
            groups = [{"params": [p for k, p in named if k.endswith("weight")],
                       "weight_decay": case.reg},
                      {"params": [p for k, p in named if not k.endswith("weight")],
                       "weight_decay": 0.0}]
            self.opt = torch.optim.SGD(groups, lr=case.lr, momentum=0.0)
            self.loss_fn = torch.nn.CrossEntropyLoss()
            self.rng = np.random.default_rng(0)
        self.spans = _batches(len(X), case.batch)

    def unit(self):
        torch = self.torch
        if self.case.kind != "train":
            with torch.inference_mode():
                for start, end in self.spans:
                    self.model(self.X[start:end])
            return None
        perm = torch.from_numpy(self.rng.permutation(len(self.X)))
        per_epoch = self.X.numel() * self.X.element_size() <= EPOCH_GATHER_BYTES
        if per_epoch:
            Xs, ys = self.X[perm], self.y[perm]
        else:
            xbuf = torch.empty((self.case.batch, self.X.shape[1]))
            ybuf = torch.empty(self.case.batch, dtype=torch.int64)
        model, opt, loss_fn, total = self.model, self.opt, self.loss_fn, 0.0
        for start, end in self.spans:
            if per_epoch:
                xb, yb = Xs[start:end], ys[start:end]
            else:
                idx = perm[start:end]
                xb = torch.index_select(self.X, 0, idx, out=xbuf[:end - start])
                yb = torch.index_select(self.y, 0, idx, out=ybuf[:end - start])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * (end - start)
        return total / len(self.X)


class Torch1Thread(Torch):
    name = "torch-1thread"

    @contextlib.contextmanager
    def context(self):
        """One thread for a block of units; changing the pool size per unit would cost more
        than a tiny net's epoch."""
        threads = self.torch.get_num_threads()
        self.torch.set_num_threads(1)
        try:
            yield
        finally:
            self.torch.set_num_threads(threads)


class Sklearn:
    name = "sklearn"

    def __init__(self, case, X, y):
        from sklearn.neural_network import MLPClassifier

        self.case = case
        self.X = np.ascontiguousarray(X, dtype=np.float32)
        self.y = np.asarray(y)
        self.classes = np.arange(case.sizes[-1])
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(case.sizes[1:-1]), activation="relu", solver="sgd",
            alpha=case.reg * case.batch, batch_size=case.batch, learning_rate="constant",
            learning_rate_init=case.lr, momentum=0.0, nesterovs_momentum=False, shuffle=True,
            early_stopping=False, random_state=0)
        if case.kind != "train":
            # a fitted model to predict with: one epoch on a small slice
            rows = slice(0, min(len(X), 4 * case.batch))
            self._partial_fit(self.X[rows], self.y[rows])
            self.spans = _batches(len(X), case.batch)

    def _partial_fit(self, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings mean nothing here
            self.model.partial_fit(X, y, classes=self.classes)

    def unit(self):
        if self.case.kind == "train":
            self._partial_fit(self.X, self.y)
            return self.model.loss_
        for start, end in self.spans:
            self.model.predict_proba(self.X[start:end])
        return None


class SklearnPerStep(Sklearn):
    name = "sklearn-per-step"

    def __init__(self, case, X, y):
        super().__init__(case, X, y)
        self.rng = np.random.default_rng(0)
        self.spans = _batches(len(self.X), case.batch)

    def unit(self):
        perm = self.rng.permutation(len(self.X))
        Xs, ys = self.X[perm], self.y[perm]
        for start, end in self.spans:
            self._partial_fit(Xs[start:end], ys[start:end])
        return self.model.loss_

"""scikit-learn's MLP numerics as layerwise parts: its losses, its SGD and Adam, its L-BFGS.

Each piece reproduces the formula of ``sklearn.neural_network`` exactly, so that from the same
weights one step here and one step there agree to float64 round-off; the training step itself
is layerwise's :class:`~layerwise.training.trainer.Trainer`. The loss and the two stochastic
optimizers also declare their formulas to :mod:`layerwise.engine.compiled` (``compiled_loss``,
``compiled_update``), whose kernels hold the same formulas: with numba installed, a stochastic
solver's epoch runs as one compiled call, to the same numbers. L-BFGS's objective (a full-batch
gradient per call, nearly all of it matrix products) stays on the NumPy engine.

Parameters live in the network's flat vector with every weight matrix stored as its transpose
``(in, out)`` followed by the biases: that is scikit-learn's packed layout
(``coefs_[0].ravel(), coefs_[1].ravel(), ..., intercepts_[0], ...``) as it is, so an optimizer's
elementwise update here is scikit-learn's update of its list of arrays, in one call.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, xlogy

from ..engine.compiled import LossForm, UpdateForm
from ..engine.optim import Optimizer, update_moments

__all__ = ["SklearnLoss", "SklearnSGD", "SklearnAdam", "LBFGSObjective", "OUTPUT_ACTIVATIONS"]


def _softmax(z):
    p = z - z.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    return p


#: scikit-learn's output activations, applied to the network's last (linear) layer
OUTPUT_ACTIVATIONS = {
    "identity": lambda z: z,
    "logistic": expit,
    "softmax": _softmax,
    "exp": np.exp,
}


def _total(values, sw):
    """Sum over rows (weighted by ``sw``) and over outputs."""
    return float(values.sum() if sw is None else (sw @ values).sum())


def _clip(p):
    eps = np.finfo(p.dtype).eps
    np.maximum(p, eps, out=p)
    return np.minimum(p, 1 - eps, out=p)


class SklearnLoss:
    """One of scikit-learn's MLP losses as a layerwise loss ``fn(scores, Y) -> (loss, dscores)``.

    ``scores`` are the network's linear outputs ``z``; the output activation ``p = f(z)``
    (identity, logistic, softmax or exp) is applied here. Each loss pairs with its activation
    so that ``dL/dz = (p - y) * w / sum(w)`` exactly as scikit-learn's ``deltas[last]``:

    - "squared_error" (identity): ``mean_k avg_i (y - p)^2 / 2`` -- half the mean squared error
      (its gradient is that of the sum over outputs, as scikit-learn's);
    - "log_loss" (softmax): ``-sum_k avg_i y log p``;
    - "binary_log_loss" (logistic, one unit per label): ``-sum_k avg_i [y log p + (1-y) log(1-p)]``;
    - "poisson" (exp): ``sum_k avg_i [y log(y/p) - y + p]``;
    - "hinge" (identity): the multiclass SVM loss on integer labels (a layerwise extra).

    ``avg_i`` is weighted by the sample weights. With ``per_batch`` (the stochastic solvers)
    every minibatch is normalized by its own size (or weight sum) and the L2 strength of the
    trainer set to ``alpha / that``, scikit-learn's penalty ``alpha/2 ||W||^2 / n_batch``; for
    L-BFGS the normalizer is the whole set's, and the losses of all chunks add up in ``total``.

    Shape
    -----
    - scores: ``(n, outputs)``
    - Y: ``(n, outputs)`` targets, with one more column holding the sample weights when
      ``weighted``; for "hinge", ``(n, 1)`` class indices (plus the weights)
    """

    def __init__(self, name, alpha=0.0, weighted=False, per_batch=True, norm=None):
        self.name, self.alpha, self.weighted = name, float(alpha), bool(weighted)
        self.per_batch, self.norm = per_batch, norm
        self.trainer = None  # set by the estimator: its reg follows the batch size
        self.total = 0.0

    def compiled_loss(self, trainer):
        """This loss as the compiled path runs it (:class:`layerwise.engine.compiled.LossForm`):
        the same formulas, sample weights and per-batch penalty, for a stochastic solver's
        trainer. None for L-BFGS's whole-set normalizer, and for a trainer other than the one
        whose penalty this loss sets."""
        if not self.per_batch or self.trainer not in (None, trainer):
            return None
        return LossForm("sklearn_" + self.name, self.weighted,
                        self.alpha if self.trainer is trainer else None)

    def __call__(self, scores, Y, validate=False):
        if self.weighted:
            y, sw = Y[:, :-1], Y[:, -1]
        else:
            y, sw = Y, None
        if self.per_batch:
            norm = scores.shape[0] if sw is None else sw.sum()
            if self.trainer is not None:
                self.trainer.reg = self.alpha / norm if self.alpha else 0.0
        else:
            norm = self.norm
        loss, delta = getattr(self, "_" + self.name)(scores, y)
        if sw is not None:
            delta *= sw[:, None]
        delta /= norm
        # scikit-learn's value: per output, the weighted mean over samples; then summed over
        # the outputs, or averaged for the squared error
        value = _total(loss, sw) / norm
        if self.name == "squared_error":
            value /= loss.shape[1]
        self.total += value
        return value, delta

    # each returns (per-sample, per-output loss terms, p - y); the terms may be scratch
    def _squared_error(self, z, y):
        delta = z - y
        return 0.5 * delta ** 2, delta.copy()

    def _log_loss(self, z, y):
        p = _softmax(z)
        delta = p - y
        # y is one-hot here, so y log p = xlogy(y, p) without scipy's slower ufunc
        logp = np.log(_clip(p), out=p)
        logp *= y
        logp *= -1
        return logp, delta

    def _binary_log_loss(self, z, y):
        p = expit(z)
        delta = p - y
        q = _clip(p)
        return -(xlogy(y, q) + xlogy(1 - y, 1 - q)), delta

    def _poisson(self, z, y):
        p = np.exp(z)
        return xlogy(y, y / p) - y + p, p - y

    def _hinge(self, z, y):
        n = z.shape[0]
        rows, labels = np.arange(n), y[:, 0].astype(np.intp)
        margins = z - z[rows, labels][:, None] + 1
        margins[rows, labels] = 0
        np.maximum(margins, 0, out=margins)
        d = (margins > 0).astype(z.dtype)
        d[rows, labels] = -d.sum(axis=1)
        # one column per sample: the loss already sums over the classes
        return margins.sum(axis=1, keepdims=True), d


class SklearnSGD(Optimizer):
    """scikit-learn's ``SGDOptimizer``: ``v = momentum v - lr g``; ``p += v``, or with Nesterov
    ``p += momentum v - lr g`` (the velocity after this step's update).

    ``lr_schedule`` "invscaling" sets ``lr = learning_rate_init / (t + 1) ** power_t`` at the end
    of each epoch (``t`` samples seen); "adaptive" divides it by 5 each time the stopping rule
    fires, and stops once it is at most 1e-6.
    """

    _state_names = ("velocity",)

    def __init__(self, net, lr=0.1, lr_schedule="constant", momentum=0.9, nesterov=True,
                 power_t=0.5):
        super().__init__(net, lr)
        self.learning_rate_init = self.lr
        self.lr_schedule, self.momentum, self.nesterov = lr_schedule, float(momentum), nesterov
        self.power_t = float(power_t)
        self.velocity = np.zeros_like(self.params)
        self._tmp, self._tmp2 = np.empty_like(self.params), np.empty_like(self.params)

    @property
    def learning_rate(self):
        return self.lr

    def compiled_update(self):
        """This update as the compiled path runs it
        (:class:`layerwise.engine.compiled.UpdateForm`)."""
        return UpdateForm("sklearn_sgd", (self.momentum, float(self.nesterov)), self.velocity)

    def step(self):
        g, tmp, v = self.grads, self._tmp, self.velocity
        self.t += 1
        np.multiply(g, self.lr, out=tmp)
        v *= self.momentum
        v -= tmp
        if self.nesterov:
            np.multiply(g, self.lr, out=self._tmp2)
            np.multiply(v, self.momentum, out=tmp)
            tmp -= self._tmp2
            np.add(self.params, tmp, out=self.params)
        else:
            np.add(self.params, v, out=self.params)

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.lr = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg, verbose):
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.lr <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.lr /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.lr)
        return False


class SklearnAdam(Optimizer):
    """scikit-learn's ``AdamOptimizer``: the bias correction is folded into the rate and
    epsilon is added to ``sqrt(v)`` itself (PyTorch adds it to the corrected ``sqrt(v_hat)``):
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``; ``p -= lr_t m / (sqrt(v) + eps)``.
    """

    _state_names = ("m", "v")

    def __init__(self, net, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(net, lr)
        self.learning_rate_init = self.lr
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.m = np.zeros_like(self.params)
        self.v = np.zeros_like(self.params)
        self._tmp, self._tmp2 = np.empty_like(self.params), np.empty_like(self.params)

    @property
    def learning_rate(self):
        """scikit-learn's ``learning_rate``: the rate of the last step, ``lr sqrt(1 - b2^t) /
        (1 - b1^t)`` (``lr`` before the first)."""
        if not self.t:
            return self.lr
        return self.lr * np.sqrt(1 - self.beta_2 ** self.t) / (1 - self.beta_1 ** self.t)

    def compiled_update(self):
        """This update as the compiled path runs it
        (:class:`layerwise.engine.compiled.UpdateForm`)."""
        return UpdateForm("sklearn_adam", (self.beta_1, self.beta_2, self.epsilon), self.m,
                          self.v)

    def step(self):
        g, tmp, b1, b2 = self.grads, self._tmp, self.beta_1, self.beta_2
        self.t += 1
        update_moments(self.m, self.v, g, b1, b2, tmp)
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        update = self._tmp2
        np.multiply(self.m, -self.learning_rate, out=update)
        update /= tmp
        np.add(self.params, update, out=self.params)

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        return True


class _Accumulate(Optimizer):
    """Not an update: adds each step's gradient to ``total``, so that one
    :meth:`~layerwise.training.trainer.Trainer.run_epoch` in chunks is one full-batch
    gradient evaluation."""

    def __init__(self, net):
        super().__init__(net, 1.0)
        self.total = np.zeros(self.params.shape, np.float64)

    def step(self):
        self.t += 1
        self.total += self.grads


class LBFGSObjective:
    """The full-batch loss and gradient that ``scipy.optimize.minimize`` (L-BFGS-B) asks for.

    Each call writes the candidate parameters into the network and makes one pass of the
    trainer over the data in order (one chunk when dense; chunks of ``chunk`` rows when ``X`` is
    sparse, each densified on its own), the loss normalized by the whole set's size (or weight
    sum); the L2 penalty ``alpha/2 ||W||^2 / n`` and its gradient are added here. A pass that
    diverges returns an infinite loss, so that the line search backs off.
    """

    def __init__(self, trainer, loss, X, Y, alpha, norm):
        self.trainer, self.loss, self.X, self.Y = trainer, loss, X, Y
        self.alpha, self.norm = float(alpha), float(norm)
        self.acc = trainer.optimizer
        self.order = np.arange(X.shape[0])
        self.calls = 0

    def __call__(self, w):
        from ..training.trainer import TrainingDiverged

        net = self.trainer.net
        self.calls += 1
        net.flat_params[...] = w
        self.acc.total[...] = 0.0
        self.loss.total = 0.0
        try:
            self.trainer.run_epoch(self.X, self.Y, order=self.order)
        except TrainingDiverged:
            return np.inf, np.zeros_like(w)
        grad = self.acc.total.copy()
        value = self.loss.total
        if self.alpha:
            ws = net.weight_slice
            wv = net.flat_params[ws].astype(np.float64)
            value += 0.5 * self.alpha * float(wv @ wv) / self.norm
            grad[ws] += self.alpha * wv / self.norm
        return value, grad

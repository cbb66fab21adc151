"""The estimators: scikit-learn's MLP parameters, attributes, stopping rule and numbers, with
layerwise's network and trainer underneath, and layerwise's extras beside them."""
from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils._param_validation import Interval, Options, StrOptions
    from sklearn.utils.optimize import _check_optimize_result
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("layerwise.sklearn needs scikit-learn: pip install 'layerwise[sklearn]'") from e

from ..engine import activations as act
from ..engine.layers import Activation, Dense, Dropout, GaussianNoise, Maxout, PReLU
from ..engine.network import Sequential
from ..engine.optim import OPTIMIZERS
from ..engine.optim import get as get_optimizer
from ..training.trainer import EVAL_CHUNK, Trainer, TrainingDiverged
from ._solvers import (OUTPUT_ACTIVATIONS, LBFGSObjective, SklearnAdam, SklearnLoss, SklearnSGD,
                       _Accumulate)

#: scikit-learn's names for the activations that layerwise names otherwise
_ACTIVATION_NAMES = {"logistic": "sigmoid"}
_STOCHASTIC_SOLVERS = ("sgd", "adam")
#: rows per chunk when L-BFGS evaluates a sparse X (densified one chunk at a time)
SPARSE_CHUNK = 1024

_NONFINITE = ("Solver produced non-finite parameter weights. The input data may contain large "
              "values and need to be preprocessed.")


class MLPDiverged(TrainingDiverged, ValueError):
    """Training diverged (the loss or a weight became NaN or infinite).

    A :class:`layerwise.TrainingDiverged` that is also the ``ValueError`` scikit-learn raises in
    this place, with its message first, then layerwise's: where and at which rate it happened.
    """

    def __init__(self, epoch, step, lr, what="the loss became nan", history=None):
        super().__init__(epoch, step, lr, what, history)
        self.args = (f"{_NONFINITE} Details: {self.args[0]}",)


class DivergenceWarning(ConvergenceWarning):
    """Training with ``early_stopping=True`` diverged; the best weights seen were kept."""


def _same_view(a, b):
    return (isinstance(a, np.ndarray) and a.shape == b.shape and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _shuffled(idx, random_state):
    """``sklearn.utils.shuffle(idx, random_state=random_state)``: the same draw and the same
    order, without its input checks, which cost a few milliseconds an epoch."""
    order = np.arange(len(idx))
    random_state.shuffle(order)
    return idx[order]


class BaseMLP(BaseEstimator):
    """What the classifier and the regressor share; see :class:`MLPClassifier`."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions({"logistic"} | set(act.ACTIVATIONS)
                                  | set(act.LAYER_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"),
                             Options(numbers.Real, {np.inf})],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        "optimizer": [None, StrOptions(set(OPTIMIZERS))],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "input_noise": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __copy__(self):
        # a shallow copy would share net_ (and so its parameter store and optimizer) with the
        # original: fitting one would move the other. A copy is an independent estimator
        return copy.deepcopy(self)

    def _set_params_from(self, values):
        for name, value in values.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    # -- subclass hooks ------------------------------------------------------------------------
    def _validate_input(self, X, y, incremental, reset):
        raise NotImplementedError

    def _loss_name(self):
        raise NotImplementedError

    def _out_activation(self):
        raise NotImplementedError

    def _n_outputs(self, y):
        """Output units of the network for encoded targets ``y (n_samples, n_outputs_)``."""
        raise NotImplementedError

    def _decode_validation(self, y_val):
        raise NotImplementedError

    def _score(self, X, y, sample_weight=None):
        """The early-stopping score of the held-out ``(X, y)``: ``score``'s value (accuracy,
        R^2), computed by :mod:`layerwise.sklearn._metrics`."""
        raise NotImplementedError

    # -- the network ---------------------------------------------------------------------------
    def _hidden(self):
        h = self.hidden_layer_sizes
        h = list(h) if hasattr(h, "__iter__") else [h]
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in h):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {h}.")
        return [int(s) for s in h]

    def _extra_rng(self):
        """A Generator for dropout masks and input noise, drawn from ``random_state`` only when
        they are used, so that the plain configurations draw exactly what scikit-learn draws."""
        return np.random.default_rng(self._random_state.randint(np.iinfo(np.int32).max))

    def _build(self, layer_units, dtype):
        """The network, initialized as scikit-learn initializes: for each weight layer in turn,
        ``U(-b, b)`` weights then biases, ``b = sqrt(6 / (fan_in + fan_out))`` (2 in place of 6
        for logistic units), from ``random_state``."""
        activation = _ACTIVATION_NAMES.get(self.activation, self.activation)
        extra = self._extra_rng() if (self.dropout or self.input_noise) else None
        layers = [GaussianNoise(self.input_noise, rng=extra)] if self.input_noise else []
        weighted = []
        for i, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            last = i == len(layer_units) - 2
            if activation == "maxout" and not last:
                layer = Maxout(fan_in, fan_out, 2, "xavier", dtype, np.random.default_rng(0))
                layers.append(layer)
            else:
                layer = Dense(fan_in, fan_out, "xavier", dtype, np.random.default_rng(0))
                layers.append(layer)
                if not last:
                    layers.append(PReLU(fan_out, dtype=dtype) if activation == "prelu"
                                  else Activation(activation))
            if self.dropout and not last:
                layers.append(Dropout(self.dropout, rng=extra.spawn(1)[0]))
            weighted.append(layer)
        net = Sequential(*layers)
        factor = 2.0 if self.activation in ("logistic", "sigmoid") else 6.0
        rs = self._random_state
        for (fan_in, fan_out), layer in zip(zip(layer_units[:-1], layer_units[1:]), weighted):
            bound = np.sqrt(factor / (fan_in + fan_out))
            out_rows = layer.weight.shape[0]  # fan_out, or k * fan_out for maxout
            coef = rs.uniform(-bound, bound, (fan_in, out_rows))
            intercept = rs.uniform(-bound, bound, out_rows)
            layer.weight[...] = coef.T
            layer.bias[...] = intercept
        return net

    def _weight_layers(self):
        return [layer for layer in self.net_.layers if layer.is_weight_layer]

    def _views(self):
        """``coefs_`` and ``intercepts_`` as live views of the network's parameters."""
        layers = self._weight_layers()
        return [layer.weight.T for layer in layers], [layer.bias for layer in layers]

    def _link(self):
        self.coefs_, self.intercepts_ = self._views()

    def _sync(self):
        """Take in ``coefs_`` / ``intercepts_`` that were assigned (or unpickled) rather than
        changed in place, so that the network computes with them, as scikit-learn would."""
        coefs, intercepts = self._views()
        changed = False
        for name, given, views in (("coefs_", self.coefs_, coefs),
                                   ("intercepts_", self.intercepts_, intercepts)):
            if isinstance(given, list) and len(given) == len(views) and \
                    all(_same_view(g, v) for g, v in zip(given, views)):
                continue
            changed = True
            if len(given) != len(views):
                raise ValueError(f"{name} has {len(given)} arrays, the network has "
                                 f"{len(views)} layers")
            for i, (g, v) in enumerate(zip(given, views)):
                if not _same_view(g, v):
                    g = np.asarray(g)
                    if g.shape != v.shape:
                        raise ValueError(f"{name}[{i}] has shape {g.shape}, the network's layer "
                                         f"{i} needs {v.shape}")
                    v[...] = g
        if changed:  # an unchanged estimator keeps its lists (predict leaves __dict__ as it is)
            self._link()

    def __getstate__(self):
        if "net_" in self.__dict__ and "coefs_" in self.__dict__:
            self._sync()  # weights assigned since the last fit are the ones to keep
        state = self.__dict__.copy()
        # views do not survive pickling (each becomes a copy); they are re-made from net_
        state.pop("coefs_", None)
        state.pop("intercepts_", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "net_" in state:
            self._link()

    # -- fitting -------------------------------------------------------------------------------
    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation()
        self.net_ = self._build(layer_units, dtype)
        self._link()
        self._best_params = self.net_.flat_params.copy()
        self.__dict__.pop("_optimizer", None)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _targets(self, y, sample_weight, dtype):
        """What the trainer's loss reads: targets, and the weights as one more column."""
        Y = self._encode(y).astype(dtype)
        if sample_weight is not None:
            Y = np.hstack([Y, sample_weight.astype(dtype)[:, None]])
        return np.ascontiguousarray(Y)

    def _encode(self, y):
        return y

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._hidden()
        if self.optimizer is not None and self.solver == "lbfgs":
            raise ValueError(f"optimizer={self.optimizer!r} replaces a stochastic solver's "
                             "update; it cannot be used with solver='lbfgs'")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        n_outputs = self._n_outputs(y)
        layer_units = [X.shape[1], *hidden, n_outputs]
        self._random_state = check_random_state(self.random_state)
        dtype = X.dtype
        if first_pass or not hasattr(self, "net_"):
            assigned = None if first_pass else (self.coefs_, self.intercepts_)
            self._initialize(y, layer_units, dtype)
            if assigned is not None:
                self.coefs_, self.intercepts_ = assigned
                self._sync()
        else:
            self._sync()
            # the network keeps the dtype it was built in; later data is cast to it
            dtype = self.net_.dtype
            if y.shape[1] != self.n_outputs_:
                raise ValueError(f"y has {y.shape[1]} outputs; the model was fitted with "
                                 f"{self.n_outputs_}")
        if sp.issparse(X):
            X = sp.csr_matrix(X, dtype=dtype)
        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, y, sample_weight, incremental)
        else:
            self._fit_lbfgs(X, y, sample_weight)
        if not np.isfinite(self.net_.flat_params).all():
            raise ValueError(_NONFINITE)
        return self

    def _make_optimizer(self):
        net = self.net_
        if self.optimizer is not None:
            return get_optimizer(self.optimizer, net, lr=self.learning_rate_init)
        if self.solver == "sgd":
            return SklearnSGD(net, self.learning_rate_init, self.learning_rate, self.momentum,
                              self.nesterovs_momentum, self.power_t)
        return SklearnAdam(net, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _fit_stochastic(self, X, y, sample_weight, incremental):
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            stratify = y if (isinstance(self, ClassifierMixin) and self.n_outputs_ == 1) \
                else None
            if sample_weight is None:
                X_train, X_val, y_train, y_val = train_test_split(
                    X, y, random_state=self._random_state, test_size=self.validation_fraction,
                    stratify=stratify)
                sw_train = sw_val = None
            else:
                X_train, X_val, y_train, y_val, sw_train, sw_val = train_test_split(
                    X, y, sample_weight, random_state=self._random_state,
                    test_size=self.validation_fraction, stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            y_val = self._decode_validation(y_val)
        else:
            X_train, y_train, sw_train = X, y, sample_weight
            X_val = y_val = sw_val = None

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                              "going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        dtype = self.net_.dtype
        Y = self._targets(y_train, sw_train, dtype)
        if not sp.issparse(X_train):
            X_train = np.ascontiguousarray(X_train, dtype=dtype)
        loss = SklearnLoss(self._loss_name(), alpha=self.alpha, weighted=sw_train is not None)
        trainer = Trainer(self.net_, loss=loss, optimizer=self._optimizer,
                          batch_size=batch_size, seed=0)
        loss.trainer = trainer
        trainer.step_count = self._optimizer.t
        self.n_iter_ = 0
        try:
            for _ in range(self.max_iter):
                if self.shuffle:
                    sample_idx = _shuffled(sample_idx, self._random_state)
                try:
                    self.loss_ = trainer.run_epoch(X_train, Y, order=sample_idx)
                except TrainingDiverged as e:
                    if not early_stopping:
                        raise MLPDiverged(self.n_iter_ + 1, e.step, e.lr, e.what) from None
                    # scikit-learn's behaviour: the best weights stay, the score is nan
                    self.validation_scores_.append(float("nan"))
                    warnings.warn(f"{e} Training stopped; the weights with the best validation "
                                  "score were kept.", DivergenceWarning)
                    break
                self.n_iter_ += 1
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                self._update_no_improvement_count(early_stopping, X_val, y_val, sw_val)
                if hasattr(self._optimizer, "iteration_ends"):
                    self._optimizer.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    if early_stopping:
                        msg = ("Validation score did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    else:
                        msg = ("Training loss did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    stop = (self._optimizer.trigger_stopping(msg, self.verbose)
                            if hasattr(self._optimizer, "trigger_stopping") else True)
                    if stop:
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and "
                                  "the optimization hasn't converged yet." % self.max_iter,
                                  ConvergenceWarning)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if early_stopping:
            self.net_.flat_params[...] = self._best_params

    def _update_no_improvement_count(self, early_stopping, X, y, sample_weight):
        if early_stopping:
            score = self._score(X, y, sample_weight=sample_weight)
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = self.net_.flat_params.copy()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _fit_lbfgs(self, X, y, sample_weight):
        objective = self._lbfgs_objective(X, y, sample_weight, self.net_.dtype)
        iprint = 1 if (self.verbose is True or self.verbose >= 1) else -1
        try:
            from sklearn.utils.fixes import _get_additional_lbfgs_options_dict

            extra = _get_additional_lbfgs_options_dict("iprint", iprint)
        except ImportError:  # pragma: no cover - older scikit-learn
            extra = {"iprint": iprint}
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            res = scipy.optimize.minimize(
                objective, self.net_.flat_params.astype(np.float64), method="L-BFGS-B",
                jac=True, options={"maxfun": self.max_fun, "maxiter": self.max_iter,
                                   "gtol": self.tol, **extra})
        self.n_iter_ = _check_optimize_result("lbfgs", res, self.max_iter)
        self.loss_ = float(res.fun)
        self.net_.flat_params[...] = res.x

    def _loss_grad_lbfgs(self, packed_coef_inter, X, y, sample_weight=None, *buffers):
        """The full-batch loss and its gradient at ``packed_coef_inter``, under
        scikit-learn's private name and signature (``buffers``, its scratch lists, are not
        needed), so that code written against scikit-learn's internals, its gradient test
        among them, keeps working. The parameters are left set to ``packed_coef_inter``, which
        is scikit-learn's packed layout and the network's own.

        Shape
        -----
        - packed_coef_inter, returned gradient: ``(net_.num_params,)``
        - X: ``(n_samples, n_features)``; y: ``(n_samples, n_outputs)`` encoded targets
        """
        check_is_fitted(self)
        self._sync()
        dtype = self.net_.dtype
        y = np.asarray(y).reshape(X.shape[0], -1)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        return self._lbfgs_objective(X, y, sample_weight, dtype)(
            np.asarray(packed_coef_inter, dtype=np.float64))

    def _lbfgs_objective(self, X, y, sample_weight, dtype):
        n = X.shape[0]
        Y = self._targets(y, sample_weight, dtype)
        X = sp.csr_matrix(X, dtype=dtype) if sp.issparse(X) else \
            np.ascontiguousarray(X, dtype=dtype)
        norm = n if sample_weight is None else float(sample_weight.sum())
        loss = SklearnLoss(self._loss_name(), weighted=sample_weight is not None,
                           per_batch=False, norm=norm)
        batch = min(n, SPARSE_CHUNK) if sp.issparse(X) else n
        trainer = Trainer(self.net_, loss=loss, optimizer=_Accumulate(self.net_),
                          batch_size=batch, seed=0)
        return LBFGSObjective(trainer, loss, X, Y, self.alpha, norm)

    # -- prediction ----------------------------------------------------------------------------
    def _forward_pass_fast(self, X, check_input=True, activate=True):
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        self._sync()
        net, dtype = self.net_, self.net_.dtype
        f = OUTPUT_ACTIVATIONS[self.out_activation_ if activate else "identity"]
        if sp.issparse(X):
            X = sp.csr_matrix(X, dtype=dtype)
            parts = [net._forward(X[i:i + EVAL_CHUNK].toarray(), False)
                     for i in range(0, X.shape[0], EVAL_CHUNK)]
            z = np.vstack(parts) if parts else np.empty((0, net.out_features), dtype)
        else:
            z = net._forward(np.ascontiguousarray(X, dtype=dtype), False)
        with np.errstate(over="ignore"):
            return f(z)

    def _score_with_function(self, X, y, sample_weight, score_function):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit scores nan
            return score_function(y, y_pred, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X (n_samples, n_features)`` (dense or sparse) and ``y``.

        ``sample_weight (n_samples,)`` weighs each sample's loss: every minibatch's loss is its
        weighted mean and its L2 penalty is divided by the batch's weight sum, as in
        scikit-learn.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 "%s is not stochastic." % self.solver)
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

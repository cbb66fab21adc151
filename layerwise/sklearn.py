"""The scikit-learn face: :class:`MLPClassifier` and :class:`MLPRegressor`.

They take scikit-learn's parameter names where they exist (``hidden_layer_sizes``, ``alpha``,
``batch_size``, ``learning_rate_init``, ``max_iter``, ``early_stopping``, ...) and mean the same by
them, plus ours (``loss``, ``dropout``, ``optimizer``, every layerwise activation). They pass
scikit-learn's estimator checks and drop into ``Pipeline`` and ``GridSearchCV``; the network
they train is ``net_``, a :class:`layerwise.Network`.

``alpha`` is scikit-learn's L2 strength: its penalty ``alpha/2 ||W||^2`` is divided by the batch
size, so it equals layerwise's ``reg = alpha / batch_size``.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=300,
...                     random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.95, clf.classes_.tolist(), clf.n_features_in_
(True, [0, 1, 2], 4)
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.utils._param_validation import Interval, StrOptions
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import check_classification_targets, unique_labels
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("layerwise.sklearn needs scikit-learn: pip install 'layerwise[sklearn]'") from e

from .engine import activations as act
from .engine.network import Network
from .engine.optim import OPTIMIZERS
from .training.trainer import Trainer


class _BaseMLP(BaseEstimator):
    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(act.ACTIVATIONS) | set(act.LAYER_ACTIVATIONS))],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, max_iter=200, tol=1e-4,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 random_state=None, warm_start=False, optimizer="adam", dropout=0.0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.warm_start = warm_start
        self.optimizer = optimizer
        self.dropout = dropout

    # -- subclass hooks ------------------------------------------------------------------------
    _loss_name = "mse"

    def _encode_targets(self, y, first):
        raise NotImplementedError

    def _n_outputs(self, y):
        raise NotImplementedError

    def _validation_score(self, X, y):
        raise NotImplementedError

    # -- training ------------------------------------------------------------------------------
    def _seed(self):
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        return rs

    def _hidden(self):
        h = self.hidden_layer_sizes
        h = [h] if isinstance(h, numbers.Integral) else list(h)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in h):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in h]

    def _fit(self, X, y, incremental=False, classes=None):
        first = not hasattr(self, "net_") or not (incremental or self.warm_start)
        multi = isinstance(self, RegressorMixin)
        X, y = validate_data(self, X, y, reset=first, dtype=(np.float64, np.float32),
                             multi_output=multi, y_numeric=multi)
        y = self._encode_targets(y, first, classes)
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        if first:
            seed = self._seed()
            self.net_ = Network([X.shape[1], *self._hidden(), self._n_outputs(y)],
                                activation=self.activation, dropout=self.dropout, dtype=dtype,
                                seed=seed)
            self.loss_curve_, self.validation_scores_ = [], []
            self.best_loss_, self.best_validation_score_ = np.inf, -np.inf
            self.n_iter_, self.t_ = 0, 0
            self._trainer, self._seed_value = None, seed
        X = X.astype(self.net_.dtype, copy=False)
        batch = min(200, len(X)) if self.batch_size == "auto" else min(self.batch_size, len(X))
        if self._trainer is None or self._trainer.batch_size != batch:
            self._trainer = Trainer(self.net_, loss=self._loss_name, optimizer=self.optimizer,
                                    lr=self.learning_rate_init, reg=self.alpha / batch,
                                    batch_size=batch, seed=self._seed_value)
        if incremental:
            self._epoch(X, y)
            return self

        Xv = yv = None
        if self.early_stopping:
            stratify = y if isinstance(self, ClassifierMixin) else None
            X, Xv, y, yv = train_test_split(X, y, test_size=self.validation_fraction,
                                            random_state=self._seed_value, stratify=stratify)
        no_improvement, best_state = 0, None
        for _ in range(self.max_iter):
            loss = self._epoch(X, y)
            if self.early_stopping:
                score = self._validation_score(Xv, yv)
                self.validation_scores_.append(score)
                improved = score > self.best_validation_score_ + self.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_, best_state = score, self.net_.state_dict()
            else:
                improved = loss < self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, loss)
            no_improvement = 0 if improved else no_improvement + 1
            if no_improvement > self.n_iter_no_change:
                break
        else:
            warnings.warn(f"{type(self).__name__}: max_iter={self.max_iter} epochs reached and the "
                          "optimization has not converged yet", ConvergenceWarning)
        if best_state is not None:
            self.net_.load_state_dict(best_state)
        return self

    def _epoch(self, X, y):
        loss = self._trainer.run_epoch(X, y)  # raises TrainingDiverged, naming the lr
        self.loss_curve_.append(float(loss))
        self.n_iter_ += 1
        self.t_ += len(X)
        return loss

    def _scores(self, X):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.net_.forward(X.astype(self.net_.dtype, copy=False)).astype(np.float64)

    def fit(self, X, y):
        """Train on ``X (n_samples, n_features)`` and ``y`` for up to ``max_iter`` epochs."""
        self._validate_params()
        return self._fit(X, y)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A layerwise network as a scikit-learn classifier.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : str, default "relu"
        Any layerwise activation, including "prelu" and "maxout".
    loss : {"softmax", "hinge"}, default "softmax"
        Softmax cross-entropy, or the multiclass SVM loss (then ``predict_proba`` is absent).
    alpha, batch_size, learning_rate_init, max_iter, tol, early_stopping, validation_fraction,
    n_iter_no_change, random_state, warm_start
        As in :class:`sklearn.neural_network.MLPClassifier` (defaults 1e-4, "auto" =
        min(200, n_samples), 1e-3, 200, 1e-4, False, 0.1, 10, None, False); ``alpha`` becomes
        layerwise's ``reg = alpha / batch_size``.
    optimizer : str, default "adam"
        A name from :data:`layerwise.engine.optim.OPTIMIZERS`, run at ``learning_rate_init``.
    dropout : float, default 0.0
        Probability of dropping each hidden unit in training.

    The network trains in float32 when ``X`` is float32, in float64 otherwise.

    Attributes
    ----------
    net_, classes_, n_features_in_, loss_curve_, validation_scores_, best_loss_, n_iter_
    """

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              "loss": [StrOptions({"softmax", "hinge"})]}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="softmax",
                 alpha=1e-4, batch_size="auto", learning_rate_init=1e-3, max_iter=200, tol=1e-4,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 random_state=None, warm_start=False, optimizer="adam", dropout=0.0):
        super().__init__(hidden_layer_sizes, activation, alpha=alpha, batch_size=batch_size,
                         learning_rate_init=learning_rate_init, max_iter=max_iter, tol=tol,
                         early_stopping=early_stopping, validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, random_state=random_state,
                         warm_start=warm_start, optimizer=optimizer, dropout=dropout)
        self.loss = loss

    @property
    def _loss_name(self):
        return self.loss

    def _encode_targets(self, y, first, classes=None):
        check_classification_targets(y)
        if first:
            self.classes_ = unique_labels(classes if classes is not None else y)
            if len(self.classes_) < 2:
                raise ValueError(f"a classifier needs at least 2 classes in y, got 1 class: "
                                 f"{self.classes_.tolist()}")
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(f"y has labels {unknown.tolist()} not among classes_ "
                             f"{self.classes_.tolist()}")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _n_outputs(self, y):
        return len(self.classes_)

    def _validation_score(self, X, y):
        return float((self.net_.predict(X) == y).mean())

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "net_"):
            self._validate_params()
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit, "
                                 "got None")
        return self._fit(X, y, incremental=True, classes=classes)

    def decision_function(self, X):
        """Class scores ``(n_samples, n_classes)``; ``(n_samples,)`` for two classes."""
        s = self._scores(X)
        return s[:, 1] - s[:, 0] if s.shape[1] == 2 else s

    def predict(self, X):
        best = self._scores(X).argmax(axis=1)  # checks fitted before classes_ is touched
        return self.classes_[best]

    @available_if(lambda self: self.loss == "softmax")
    def predict_proba(self, X):
        """Softmax probabilities ``(n_samples, n_classes)`` (softmax loss only)."""
        from .engine.losses import softmax

        return softmax(self._scores(X))

    @available_if(lambda self: self.loss == "softmax")
    def predict_log_proba(self, X):
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A layerwise network as a scikit-learn regressor (mean squared error, identity output).

    Parameters and attributes as :class:`MLPClassifier`, without ``loss``.

    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> y = np.sin(3 * X[:, 0])
    >>> reg = MLPRegressor((32,), activation="tanh", learning_rate_init=0.01, batch_size=20,
    ...                    max_iter=500, random_state=1).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def _encode_targets(self, y, first, classes=None):
        y = np.asarray(y, dtype=np.float64)
        if first:
            self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        if not first and y2.shape[1] != self.net_.out_features:
            raise ValueError(f"y has {y2.shape[1]} targets, the model was fitted with "
                             f"{self.net_.out_features}")
        return y2

    def _n_outputs(self, y):
        return y.shape[1]

    def _validation_score(self, X, y):
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.net_.forward(X)))

    def partial_fit(self, X, y):
        """One epoch over ``(X, y)``."""
        if not hasattr(self, "net_"):
            self._validate_params()
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        s = self._scores(X)
        return s[:, 0] if self._y_1d else s

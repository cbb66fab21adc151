"""MLPClassifier and MLPRegressor: scikit-learn's signatures, then layerwise's extras."""
from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import BaseMLP
from ._metrics import accuracy, r2

_SHARED_DOC = """
    hidden_layer_sizes : array-like of int, default (100,)
        Units of each hidden layer.
    activation : str, default "relu"
        scikit-learn's "identity", "logistic", "tanh", "relu", or any other layerwise
        activation ("leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid"), or the
        layerwise layers "prelu" (learned slope) and "maxout" (2 pieces).
    solver : {"adam", "sgd", "lbfgs"}, default "adam"
        scikit-learn's Adam (epsilon added to ``sqrt(v)``, bias correction folded into the
        rate), its SGD with (Nesterov) momentum, or full-batch L-BFGS-B by
        ``scipy.optimize.minimize``.
    alpha : float, default 1e-4
        L2 strength: each minibatch adds ``alpha/2 ||W||^2 / n_batch`` (``n_batch`` its size, or
        its weight sum with ``sample_weight``), which is layerwise's ``reg = alpha / n_batch``;
        biases are not penalized.
    batch_size : int or "auto", default "auto"
        Minibatch size of the stochastic solvers; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        The SGD rate schedule: "invscaling" sets ``learning_rate_init / (t + 1) ** power_t``
        after each epoch (``t`` samples seen); "adaptive" divides the rate by 5 whenever the
        stopping rule fires and stops below 1e-6.
    learning_rate_init : float, default 1e-3
    power_t : float, default 0.5
    max_iter : int, default 200
        Epochs of a stochastic solver per ``fit`` call (``n_iter_`` counts this call's epochs,
        also with ``warm_start``); iterations of L-BFGS.
    shuffle : bool, default True
        Visit the samples in a new order every epoch.
    random_state : int, RandomState or None, default None
        Draws, in scikit-learn's order, the initial weights, the validation split and every
        epoch's order, so the same seed gives scikit-learn's draws.
    tol : float, default 1e-4
    verbose : bool or int, default False
        Print the loss after every epoch.
    warm_start : bool, default False
        Continue from the current weights (also ones assigned to ``coefs_``/``intercepts_``).
    momentum : float, default 0.9
    nesterovs_momentum : bool, default True
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data and stop when its score has not improved
        by ``tol`` for ``n_iter_no_change`` epochs; keep the best weights.
    validation_fraction : float, default 0.1
    beta_1, beta_2, epsilon : float, default 0.9, 0.999, 1e-8
        Adam's.
    n_iter_no_change : int or numpy.inf, default 10
    max_fun : int, default 15000
        Most loss evaluations of L-BFGS.
    optimizer : str or None, default None
        A layerwise optimizer from :data:`layerwise.engine.optim.OPTIMIZERS` ("rmsprop",
        "adagrad", PyTorch's "adam", ...) run at ``learning_rate_init`` in place of the
        solver's own update (stochastic solvers only; ``learning_rate`` schedules are the
        "sgd" solver's and do not apply to it).
    dropout : float, default 0.0
        Probability of dropping each hidden unit in training.
    input_noise : float, default 0.0
        Standard deviation of the Gaussian noise added to the inputs in training."""

_ATTRIBUTES_DOC = """
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(n_in, n_out)``, scikit-learn's layout: it is the transpose of
        layerwise's ``layer.weight`` ``(out, in)``, and a live view of it (in-place changes reach
        the network; assigned arrays are copied in before the next fit or prediction).
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_out,)``, views of the layers' biases.
    net_ : layerwise.Sequential
        The network itself (its last layer is linear: the output activation is applied on top).
    n_layers_, n_outputs_, out_activation_, n_features_in_, feature_names_in_
        As in scikit-learn.
    loss_ : float
        The last epoch's mean loss (L-BFGS: the final loss), penalty included.
    best_loss_ : float or None
        The lowest ``loss_`` reached; None with ``early_stopping``.
    loss_curve_ : list of float
        ``loss_`` of every epoch (stochastic solvers).
    validation_scores_ : list of float or None
        The score on the held-out set after every epoch; None without ``early_stopping``.
    best_validation_score_ : float or None
    t_ : int
        Samples seen by the solver.
    n_iter_ : int
        Epochs (iterations for L-BFGS) of the last fit."""


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""A layerwise network as scikit-learn's ``MLPClassifier``, a drop-in replacement.

    Same parameters with the same meanings and defaults, the same fitted attributes, and the
    same numbers: scikit-learn's initialization, losses, solvers and stopping rule, computed by
    layerwise's network and :class:`~layerwise.training.trainer.Trainer`. Multiclass targets get
    a softmax output; binary targets one logistic unit; a label-indicator matrix (multilabel)
    one logistic unit per label. ``X`` may be a SciPy sparse matrix: it is densified one
    minibatch at a time. With numba installed (``pip install 'layerwise[fast]'``), each epoch
    of "adam" or "sgd" on dense ``X`` runs as one compiled call
    (:mod:`layerwise.engine.compiled`), to the same numbers; ``LAYERWISE_COMPILED=0`` turns it
    off.

    Parameters
    ----------{_SHARED_DOC}
    loss : {{"log_loss", "hinge"}}, default "log_loss"
        Cross-entropy (scikit-learn's), or layerwise's multiclass SVM loss on one score per
        class (then there is no ``predict_proba``; single-label targets only).

    Attributes
    ----------
    classes_ : ndarray
{_ATTRIBUTES_DOC}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=1000,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95, clf.classes_.tolist(), [c.shape for c in clf.coefs_]
    (True, [0, 1, 2], [(4, 20), (20, 3)])
    """

    _parameter_constraints: dict = {**BaseMLP._parameter_constraints,
                                    "loss": [StrOptions({"log_loss", "hinge"})]}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 loss="log_loss", optimizer=None, dropout=0.0, input_noise=0.0):
        self._set_params_from(locals())

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same "
                                     "classes as in the previous call to fit. Previously got "
                                     f"{self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError("`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        if self.loss == "hinge" and self._label_binarizer.y_type_.startswith("multilabel"):
            raise ValueError("loss='hinge' takes one label per sample, got a multilabel "
                             "indicator y; use loss='log_loss' for multilabel targets")
        # bool, so that float32 data is not upcast
        return X, self._label_binarizer.transform(y).astype(bool)

    def _out_activation(self):
        if self.loss == "hinge":
            return "identity"
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _loss_name(self):
        if self.loss == "hinge":
            return "hinge"
        return "log_loss" if self.out_activation_ == "softmax" else "binary_log_loss"

    def _n_outputs(self, y):
        return max(2, len(self.classes_)) if self.loss == "hinge" else y.shape[1]

    def _encode(self, y):
        if self.loss != "hinge":
            return y
        index = y[:, 0] if y.shape[1] == 1 else y.argmax(axis=1)
        return index.astype(np.int64)[:, None]

    def _decode_validation(self, y_val):
        return self._label_binarizer.inverse_transform(y_val)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.loss == "hinge":
            return self.classes_[y_pred.argmax(axis=1)]
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def predict(self, X):
        """Class labels ``(n_samples,)``, or an indicator matrix ``(n_samples, n_classes)``
        for multilabel targets."""
        check_is_fitted(self)
        return self._predict(X)

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, accuracy)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (every label) is required on the first call,
        and must not change on later ones."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def decision_function(self, X):
        """The network's linear output scores: ``(n_samples,)`` for two classes (the logit of
        the positive class), else ``(n_samples, n_outputs)``."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        z = self._forward_pass_fast(X, check_input=False, activate=False)
        if z.shape[1] == 2 and len(self.classes_) == 2:
            return z[:, 1] - z[:, 0]
        return z[:, 0] if z.shape[1] == 1 else z

    @available_if(lambda est: est.loss != "hinge")
    def predict_proba(self, X):
        """Probabilities ``(n_samples, n_classes)``: softmax, or per-label logistic for
        binary and multilabel targets."""
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    @available_if(lambda est: est.loss != "hinge")
    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = self.loss != "hinge"
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""A layerwise network as scikit-learn's ``MLPRegressor``, a drop-in replacement.

    The loss is scikit-learn's: half the mean squared error (``loss_curve_`` and the step a
    given ``learning_rate_init`` takes are scikit-learn's), or the half Poisson deviance with an
    exponential output. Targets may have several columns. Epochs of "adam" and "sgd" run
    compiled where numba is installed, as for :class:`MLPClassifier`.

    Parameters
    ----------
    loss : {{"squared_error", "poisson"}}, default "squared_error"
{_SHARED_DOC}

    Attributes
    ----------
{_ATTRIBUTES_DOC}

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> y = np.sin(3 * X[:, 0])
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01,
    ...                    batch_size=20, max_iter=500, random_state=1).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True
    """

    _parameter_constraints: dict = {**BaseMLP._parameter_constraints,
                                    "loss": [StrOptions({"squared_error", "poisson"})]}

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 optimizer=None, dropout=0.0, input_noise=0.0):
        self._set_params_from(locals())

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _out_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _loss_name(self):
        return self.loss

    def _n_outputs(self, y):
        return y.shape[1]

    def _decode_validation(self, y_val):
        return y_val

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def predict(self, X):
        """Predictions ``(n_samples,)``, or ``(n_samples, n_outputs)`` for several targets."""
        check_is_fitted(self)
        return self._predict(X)

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, r2)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

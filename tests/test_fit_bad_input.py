"""Bad data given to lw.fit: each gets a clear error naming what was wrong, and nothing the user
had is damaged (their arrays, their model and checkpoint files)."""
import numpy as np
import pytest

import layerwise as lw


@pytest.fixture
def data():
    X, y = lw.data.gaussians(n=60, classes=3, seed=0)
    return X, y


def net(d_in=2, out=3, **kw):
    return lw.Network([d_in, 8, out], seed=0, **kw)


@pytest.mark.parametrize("make_X, error, match", [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), ValueError, "NaN or inf"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), ValueError, "NaN or inf"),
    (lambda X: X * 1e300, ValueError, "too large for float32"),
    (lambda X: X[:0], ValueError, "no samples|0 samples"),
    (lambda X: X[:, 0], ValueError, "2-D"),
    (lambda X: X[:, :, None], ValueError, "2-D"),
    (lambda X: X.astype(object), TypeError, "real numbers"),
    (lambda X: X.astype(complex), TypeError, "real numbers"),
    (lambda X: X.astype(str), TypeError, "real numbers"),
    (lambda X: X[:, :1], ValueError, "expects 2"),
])
def test_bad_X(data, make_X, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        lw.fit(net(), make_X(X), y, epochs=1, progress=False)


@pytest.mark.parametrize("make_y, match", [
    (lambda y: y[:-1], "shape|samples"),
    (lambda y: y.astype(float) + 0.5, "integer"),
    (lambda y: np.where(y == 2, 7, y), r"\[0, 2\]|range|7"),
    (lambda y: np.where(y == 2, np.nan, y), "NaN|integer|finite"),
    (lambda y: y[:, None].repeat(2, axis=1), "shape"),
])
def test_bad_y(data, make_y, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        lw.fit(net(), X, make_y(y), epochs=1, progress=False)


def test_inputs_the_user_had_are_untouched(data):
    X, y = data
    X0, y0 = X.copy(), y.copy()
    lw.fit(net(dropout=0.3), X, y, epochs=3, progress=False, seed=0)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


def test_float32_int_and_readonly_memmap(data, tmp_path):
    X, y = data
    for Xv in (X.astype(np.float32), (X * 100).astype(np.int64)):
        assert lw.fit(net(), Xv, y, lr=1e-3, epochs=2, progress=False).train_loss
    np.save(tmp_path / "X.npy", X)
    mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert lw.fit(net(), mm, y, epochs=2, progress=False).train_loss


def test_divergence_keeps_good_files(data, tmp_path):
    pytest.importorskip("safetensors")
    X, y = data
    model = tmp_path / "good.safetensors"
    good = net()
    lw.fit(good, X, y, epochs=2, progress=False, seed=0)
    lw.save(good, model)
    before = model.read_bytes()
    ckpt = tmp_path / "run.ckpt"
    bad = net()
    lw.fit(bad, X, y, epochs=1, progress=False, checkpoint=ckpt, seed=0)
    ckpt_before = ckpt.read_bytes()
    with pytest.raises(lw.TrainingDiverged, match="learning rate|lr"), \
            pytest.warns(RuntimeWarning, match="different lr"):
        lw.fit(bad, X * 1e30, y, lr=1e30, epochs=5, progress=False, resume=ckpt, checkpoint=ckpt)
    assert np.isfinite(bad.flat_params).all()
    assert model.read_bytes() == before
    # the diverging run never wrote a non-finite state: the checkpoint is the good one or a later
    # finite one
    from layerwise.training.callbacks import load_checkpoint

    state = load_checkpoint(ckpt)
    assert ckpt.read_bytes() == ckpt_before or state["epoch"] > 1
    assert all(np.isfinite(w).all() for w in state["trainer"]["params"].values())
    with pytest.raises(ValueError, match="NaN|finite"):
        bad.flat_params[0] = np.nan
        lw.save(bad, model)
    assert model.read_bytes() == before

"""``python -m benchmarks.fast``: the compiled fast path against the peers a user would pick for
small nets, measured in one run on this machine.

Contenders (one *unit* is one epoch over the case's data, reshuffled every epoch by
``numpy.random.default_rng(0).permutation``, batches of ``batch`` rows, the last one smaller):

* ``layerwise``: :meth:`Trainer.run_epoch <layerwise.training.trainer.Trainer.run_epoch>` with
  the compiled path (numba), as ``lw.fit`` runs it;
* ``layerwise-numpy``: the same with ``compiled=False``, today's NumPy engine;
* ``numba-ref``: a hand-written ``numba.njit`` epoch of exactly this net (Dense-ReLU-Dense,
  softmax, SGD with L2), one sample at a time in fused loops: the floor a compiled loop reaches;
* ``jax-step``: ``jax.jit`` of one training step (``value_and_grad`` and the SGD update), a
  Python loop over the minibatches of an epoch;
* ``jax-scan``: ``jax.jit`` of the whole epoch, ``lax.scan`` over its minibatches;
* ``torch-compile``: ``torch.compile`` of the model (PyTorch's default inductor backend), loss,
  backward and ``torch.optim.SGD`` step in eager mode, one thread for the tiny nets;
* ``torch``: PyTorch eager (one thread for the tiny nets), as in the main harness.

Every contender trains the same network from the same initial weights (layerwise's, which load
into the others) with the same objective: softmax cross-entropy plus ``reg/2 * sum(W**2)`` over
the weights. Blocks of units are interleaved, with a pause between blocks, and every ratio is
the median over repeats of the ratio within a repeat (see :mod:`benchmarks.timing`).

Also measured: ``lw.fit`` to accuracy on digits (64-100-10) and MNIST-1D (40-100-100-10) with and
without the compiled path; a 20-seed sweep of 2-20-2 on a two-class spiral, as 20 separate
``lw.fit`` runs on the NumPy engine against one :func:`~layerwise.training.many.train_many`
call; the first compile's cost and a second process's start from numba's disk cache.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import layerwise as lw

from .timing import measure

TINY = [((2, 20, 2), b) for b in (1, 10, 100)] + [((2, 3, 2), b) for b in (1, 10, 100)]
BIG = [((3072, 100, 10), 256), ((3072, 512, 256, 10), 256)]
LR, REG = 0.05, 1e-4


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def _available(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _data(sizes, n):
    if sizes[0] == 2:
        X, y = lw.data.moons(n=n, noise=0.2, seed=0)
        return X.astype(np.float32), y.astype(np.int64)
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, sizes[0]), dtype=np.float32),
            rng.integers(0, sizes[-1], n).astype(np.int64))


def _initial(sizes):
    """layerwise's initial weights as ``[(W^T (in, out), b), ...]`` float32 arrays."""
    sd = lw.Network(list(sizes), seed=0).state_dict()
    return [(np.ascontiguousarray(sd[f"{2 * i}.weight"].T), sd[f"{2 * i}.bias"].copy())
            for i in range(len(sizes) - 1)]


# -- contenders ---------------------------------------------------------------------------------
class Layerwise:
    name = "layerwise"
    flag = None

    def __init__(self, sizes, batch, X, y):
        self.net = lw.Network(list(sizes), seed=0)
        self.trainer = lw.Trainer(self.net, lr=LR, reg=REG, batch_size=batch, seed=0,
                                  compiled=self.flag)
        self.X, self.y = self.trainer.prepare(X, y)

    def unit(self):
        return self.trainer.run_epoch(self.X, self.y)


class LayerwiseNumpy(Layerwise):
    name = "layerwise-numpy"
    flag = False


class NumbaRef:
    """A hand-written, fully fused numba epoch of one 2-layer net (the compiled floor)."""

    name = "numba-ref"

    def __init__(self, sizes, batch, X, y):
        (self.W1, self.b1), (self.W2, self.b2) = _initial(sizes)
        self.X, self.y, self.batch = X, y, batch
        self.rng = np.random.default_rng(0)
        self.fn = _numba_ref()

    def unit(self):
        perm = self.rng.permutation(len(self.X))
        return self.fn(self.X, self.y, perm, self.batch, self.W1, self.b1, self.W2, self.b2,
                       np.float32(LR), np.float32(REG))


_REF = None


def _numba_ref():
    global _REF
    if _REF is not None:
        return _REF
    from numba import njit

    @njit(cache=True, error_model="numpy")
    def epoch(X, y, perm, bs, W1, b1, W2, b2, lr, reg):
        n, D = X.shape
        H, C = W1.shape[1], W2.shape[1]
        dt = W1.dtype
        h = np.empty((bs, H), dt)
        dW1, db1 = np.empty_like(W1), np.empty_like(b1)
        dW2, db2 = np.empty_like(W2), np.empty_like(b2)
        s = np.empty(C, dt)
        ds = np.empty(C, dt)
        total = 0.0
        for s0 in range(0, n, bs):
            rows = min(bs, n - s0)
            dW1[:, :] = 0
            db1[:] = 0
            dW2[:, :] = 0
            db2[:] = 0
            loss = 0.0
            for r in range(rows):
                i = perm[s0 + r]
                for j in range(H):
                    a = b1[j]
                    for d in range(D):
                        a += X[i, d] * W1[d, j]
                    h[r, j] = a if a > 0 else 0
                m = -np.inf
                for c in range(C):
                    a = b2[c]
                    for j in range(H):
                        a += h[r, j] * W2[j, c]
                    s[c] = a
                    m = max(m, a)
                tot = 0.0
                for c in range(C):
                    tot += np.exp(s[c] - m)
                loss += np.log(tot) - (s[y[i]] - m)
                for c in range(C):
                    ds[c] = (np.exp(s[c] - m) / tot - (1.0 if c == y[i] else 0.0)) / rows
                    db2[c] += ds[c]
                for j in range(H):
                    dh = 0.0
                    for c in range(C):
                        dW2[j, c] += h[r, j] * ds[c]
                        dh += ds[c] * W2[j, c]
                    if h[r, j] > 0:
                        db1[j] += dh
                        for d in range(D):
                            dW1[d, j] += X[i, d] * dh
            pen = 0.0
            for W, dW in ((W1, dW1), (W2, dW2)):
                for a in range(W.shape[0]):
                    for b in range(W.shape[1]):
                        pen += W[a, b] * W[a, b]
                        W[a, b] -= lr * (dW[a, b] + reg * W[a, b])
            b1 -= lr * db1
            b2 -= lr * db2
            total += (loss / rows + 0.5 * reg * pen) * rows
        return total / n

    _REF = epoch
    return epoch


class _Jax:
    def __init__(self, sizes, batch, X, y):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", False)
        self.jax, self.jnp = jax, jnp
        self.params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in _initial(sizes)]
        self.X, self.y = jnp.asarray(X), jnp.asarray(y.astype(np.int32))
        self.n, self.batch = len(X), batch
        self.rng = np.random.default_rng(0)

        def loss(params, xb, yb):
            h = xb
            for w, b in params[:-1]:
                h = jax.nn.relu(h @ w + b)
            w, b = params[-1]
            s = h @ w + b
            ce = jnp.mean(jax.nn.logsumexp(s, axis=1) - jnp.take_along_axis(
                s, yb[:, None], axis=1)[:, 0])
            return ce + 0.5 * REG * sum(jnp.sum(w * w) for w, _ in params)

        def step(params, xb, yb):
            value, grads = jax.value_and_grad(loss)(params, xb, yb)
            return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), value

        self.step = step


class JaxStep(_Jax):
    name = "jax-step"

    def __init__(self, *args):
        super().__init__(*args)
        self.jstep = self.jax.jit(self.step)

    def unit(self):
        perm = self.jnp.asarray(self.rng.permutation(self.n))
        Xs, ys = self.X[perm], self.y[perm]
        params, total = self.params, 0.0
        values = []
        for start in range(0, self.n, self.batch):
            params, v = self.jstep(params, Xs[start:start + self.batch],
                                   ys[start:start + self.batch])
            values.append(v)
        self.params = params
        total = float(sum(values))  # one synchronisation per epoch, as a loss log would
        return total


class JaxScan(_Jax):
    name = "jax-scan"

    def __init__(self, *args):
        super().__init__(*args)
        jax, jnp, step = self.jax, self.jnp, self.step
        steps, bs = self.n // self.batch, self.batch
        if steps * bs != self.n:
            raise ValueError("jax-scan needs the samples to divide into equal batches")

        def epoch(params, X, y, perm):
            xs = X[perm].reshape(steps, bs, X.shape[1])
            ys = y[perm].reshape(steps, bs)
            params, values = jax.lax.scan(lambda p, b: step(p, *b), params, (xs, ys))
            return params, values.mean()

        self.epoch = jax.jit(epoch)

    def unit(self):
        perm = self.jnp.asarray(self.rng.permutation(self.n))
        self.params, value = self.epoch(self.params, self.X, self.y, perm)
        return float(value)


class Torch:
    name = "torch"
    compile = False

    def __init__(self, sizes, batch, X, y):
        import torch

        self.torch = torch
        mods = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            mods += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*mods[:-1])
        self.model.load_state_dict({k: torch.from_numpy(v) for k, v in
                                    lw.Network(list(sizes), seed=0).state_dict().items()})
        named = list(self.model.named_parameters())
        self.opt = torch.optim.SGD(
            [{"params": [p for k, p in named if k.endswith("weight")], "weight_decay": REG},
             {"params": [p for k, p in named if not k.endswith("weight")], "weight_decay": 0}],
            lr=LR)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.forward = torch.compile(self.model) if self.compile else self.model
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.batch, self.rng = batch, np.random.default_rng(0)
        self.threads = 1 if sizes[0] == 2 else None

    @contextlib.contextmanager
    def context(self):
        before = self.torch.get_num_threads()
        if self.threads:
            self.torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            self.torch.set_num_threads(before)

    def unit(self):
        perm = self.torch.from_numpy(self.rng.permutation(len(self.X)))
        Xs, ys = self.X[perm], self.y[perm]
        total = 0.0
        for start in range(0, len(Xs), self.batch):
            xb, yb = Xs[start:start + self.batch], ys[start:start + self.batch]
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.forward(xb), yb)
            loss.backward()
            self.opt.step()
            total += loss.item() * len(xb)
        return total / len(Xs)


class TorchCompile(Torch):
    name = "torch-compile"
    compile = True


CONTENDERS = {c.name: c for c in (Layerwise, LayerwiseNumpy, NumbaRef, JaxStep, JaxScan, Torch,
                                  TorchCompile)}
NEEDS = {"numba-ref": "numba", "jax-step": "jax", "jax-scan": "jax", "torch": "torch",
         "torch-compile": "torch"}


def _build(names, sizes, batch, X, y, notes):
    built = []
    for name in names:
        if name in NEEDS and not _available(NEEDS[name]):
            notes[name] = f"not installed ({NEEDS[name]})"
            continue
        if name == "numba-ref" and len(sizes) != 3:
            continue  # the reference loop is written for one hidden layer
        try:
            c = CONTENDERS[name](sizes, batch, X, y)
            # compiles (under the thread count it is timed with: torch.compile guards on it),
            # and shows here whether it runs at all
            with getattr(c, "context", contextlib.nullcontext)():
                c.unit()
        except Exception as e:  # a peer that cannot run here is reported, not fatal
            notes[name] = f"cannot run here: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
            continue
        built.append(c)
    return built


def run_cases(cases, names, n, repeats, block, pause, notes):
    rows = []
    for sizes, batch in cases:
        X, y = _data(sizes, n)
        log(f"{'-'.join(map(str, sizes))} batch {batch} ({n} samples an epoch) ...")
        built = _build(names, sizes, batch, X, y, notes)
        timed = measure(built, repeats=repeats, block_seconds=block, pause=pause, log=log)
        steps = -(-n // batch)
        mine = timed["layerwise"]["times"]
        rows.append({
            "sizes": list(sizes), "batch": batch, "samples": n, "steps": steps,
            "us_per_step": {k: v["median"] / steps * 1e6 for k, v in timed.items()},
            "ratio": {k: statistics.median(a / b for a, b in zip(v["times"], mine))
                      for k, v in timed.items() if k != "layerwise"}})
    return rows


# -- fits, sweep, compile cost ----------------------------------------------------------------
def run_fits(repeats, pause):
    from .fits import _data as fit_data, fit_cases

    rows = []
    for case in fit_cases():
        if case.dataset == "mnist":
            continue
        try:
            Xtr, ytr, Xte, yte = fit_data(case)
        except ImportError as e:
            log(f"    {case.dataset} skipped: {e}")
            continue
        log(f"fit {case.dataset} ({case.epochs} epochs) ...")
        sizes = [Xtr.shape[1], *case.hidden, int(ytr.max()) + 1]
        lw.fit(lw.Network(sizes, seed=0), Xtr[:256], ytr[:256], optimizer=case.optimizer,
               lr=case.lr, epochs=1, batch_size=case.batch, progress=False)  # compiles
        times, acc = {None: [], False: []}, {}
        for r in range(repeats):
            for flag in ((None, False) if r % 2 == 0 else (False, None)):
                net = lw.Network(sizes, activation="relu", seed=0)
                t0 = time.perf_counter()
                lw.fit(net, Xtr, ytr, optimizer=case.optimizer, lr=case.lr, epochs=case.epochs,
                       batch_size=case.batch, reg=case.reg, seed=0, progress=False,
                       eval_train=False, compiled=flag)
                times[flag].append(time.perf_counter() - t0)
                acc[flag] = float(np.mean(net.predict(Xte) == yte))
                time.sleep(pause)
        rows.append({"dataset": case.dataset, "architecture": "-".join(map(str, sizes)),
                     "optimizer": case.optimizer, "batch": case.batch, "epochs": case.epochs,
                     "seconds": {"compiled": statistics.median(times[None]),
                                 "numpy": statistics.median(times[False])},
                     "ratio": statistics.median(b / a for a, b in zip(times[None], times[False])),
                     "test_accuracy": {"compiled": acc[None], "numpy": acc[False]}})
    return rows


SWEEP = dict(optimizer="adam", lr=0.01, epochs=100, batch_size=10, val_fraction=0.1)


def run_sweep(repeats, pause, seeds=20):
    from layerwise.training.many import train_many

    X, y = lw.data.spiral(n=400, classes=2, seed=0)
    log(f"sweep: {seeds} seeds of 2-20-2 on the spiral ...")
    # compiles what a first call compiles (the compile cost is measured on its own)
    train_many([lw.Network([2, 20, 2], seed=0)], X, y, **{**SWEEP, "epochs": 1})
    times = {"separate": [], "train_many": []}
    acc = {}
    for r in range(repeats):
        for kind in (("separate", "train_many") if r % 2 == 0 else ("train_many", "separate")):
            nets = [lw.Network([2, 20, 2], seed=s) for s in range(seeds)]
            t0 = time.perf_counter()
            if kind == "separate":
                hs = [lw.fit(net, X, y, seed=s, progress=False, compiled=False, **SWEEP)
                      for s, net in enumerate(nets)]
            else:
                hs = train_many(nets, X, y, seeds=range(seeds), **SWEEP)
            times[kind].append(time.perf_counter() - t0)
            acc[kind] = float(np.mean([h.val_acc[-1] for h in hs]))
            time.sleep(pause)
    return {"seeds": seeds, "data": "spiral n=400 classes=2", **SWEEP,
            "seconds": {k: statistics.median(v) for k, v in times.items()},
            "ratio": statistics.median(a / b for a, b in zip(times["separate"],
                                                               times["train_many"])),
            "mean_val_accuracy": acc}


_PROBE = """
import time, numpy as np
t0 = time.perf_counter()
import layerwise as lw
X, y = lw.data.moons(n=2000, noise=0.2, seed=0)
t = lw.Trainer(lw.Network([2, 20, 2], seed=0), lr=0.05, reg=1e-4, batch_size=10, seed=0)
X, y = t.prepare(X, y)
t1 = time.perf_counter()
t.run_epoch(X, y)
t2 = time.perf_counter()
t.run_epoch(X, y)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def compile_cost():
    """Seconds of the first epoch in a fresh process with an empty numba cache (compiling), and
    in a second process that finds the cache (loading), beside a warm epoch."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("first process (empty cache)", "second process (cache on disk)"):
            res = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                                 text=True, check=True)
            imp, first, warm = map(float, res.stdout.split())
            out[label] = {"import_and_setup_s": imp, "first_epoch_s": first, "warm_epoch_s": warm}
    return out


# -- report -----------------------------------------------------------------------------------
def markdown(result):
    lines = [f"Measured {result['date']} in one run ({result['seconds']:.0f} s) on this machine "
             f"(load average {result['load_start']} at the start, {result['load_end']} at the "
             "end: shared with other work, so read the ratios, measured side by side, rather "
             "than the absolute times).", ""]
    for title, rows in (("Tiny nets, time per step (µs)", result["tiny"]),
                        ("Big nets, time per step (µs)", result["big"])):
        if not rows:
            continue
        names = [n for n in CONTENDERS if any(n in r["us_per_step"] for r in rows)]
        lines += [f"**{title}**; in brackets, how many times slower than layerwise (compiled) "
                  "the contender is, median of per-repeat ratios:", "",
                  "| case | " + " | ".join(names) + " |",
                  "| --- |" + " ---: |" * len(names)]
        for r in rows:
            cells = []
            for n in names:
                us = r["us_per_step"].get(n)
                if us is None:
                    cells.append("—")
                else:
                    ratio = r["ratio"].get(n)
                    cells.append(f"{us:.2f}" + (f" ({ratio:.2f}x)" if ratio else ""))
            lines.append(f"| {'-'.join(map(str, r['sizes']))} b{r['batch']} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    if result.get("peak"):
        lines += [f"GEMM peak measured here: {result['peak']:.0f} GFLOP/s (NumPy, float32, "
                  f"2048^3); big nets reach: " + ", ".join(
                      f"{'-'.join(map(str, r['sizes']))}: layerwise "
                      f"{r['gflops']['layerwise']:.0f} GFLOP/s "
                      f"({100 * r['gflops']['layerwise'] / result['peak']:.0f}% of peak)"
                      for r in result["big"]), ""]
    if result["notes"]:
        lines += ["Contenders that did not run: " + "; ".join(
            f"{k}: {v}" for k, v in result["notes"].items()), ""]
    if result["fits"]:
        lines += ["**lw.fit to accuracy** (`eval_train=False`), median seconds:", "",
                  "| data | net | epochs | compiled | NumPy engine | speed-up | test acc. "
                  "compiled / NumPy |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for f in result["fits"]:
            lines.append(f"| {f['dataset']} | {f['architecture']} ({f['optimizer']}, b"
                         f"{f['batch']}) | {f['epochs']} | {f['seconds']['compiled']:.2f} | "
                         f"{f['seconds']['numpy']:.2f} | {f['ratio']:.2f}x | "
                         f"{f['test_accuracy']['compiled']:.3f} / "
                         f"{f['test_accuracy']['numpy']:.3f} |")
        lines.append("")
    if result["sweep"]:
        s = result["sweep"]
        lines += [f"**Sweep**: {s['seeds']} seeds of 2-20-2 on the {s['data']}, {s['epochs']} "
                  f"epochs of Adam (lr {s['lr']}, batch {s['batch_size']}, 10% validation): "
                  f"20 separate `lw.fit` runs on the NumPy engine "
                  f"{s['seconds']['separate']:.2f} s, one `train_many` call "
                  f"{s['seconds']['train_many']:.2f} s: **{s['ratio']:.1f}x** (mean validation "
                  f"accuracy {s['mean_val_accuracy']['separate']:.3f} / "
                  f"{s['mean_val_accuracy']['train_many']:.3f}).", ""]
    if result["compile"]:
        c = result["compile"]
        a, b = c["first process (empty cache)"], c["second process (cache on disk)"]
        lines += [f"**Compile cost** (2-20-2, batch 10, float32 SGD): the first epoch in a "
                  f"fresh process with an empty numba cache takes {a['first_epoch_s']:.1f} s "
                  f"(compiling); in a second process that finds the cache on disk "
                  f"{b['first_epoch_s']:.2f} s; a warm epoch {b['warm_epoch_s'] * 1e3:.1f} ms.",
                  ""]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.fast", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run")
    p.add_argument("--only", nargs="+", default=["tiny", "big", "fits", "sweep", "compile"],
                   choices=["tiny", "big", "fits", "sweep", "compile"])
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--keep-blas-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as they are set")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(argv)
    if not args.keep_blas_env:
        from .__main__ import _reexec_without_blas_overrides

        # as the main harness does: those overrides slow NumPy's BLAS down here
        _reexec_without_blas_overrides(argv, "benchmarks.fast")
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    block, pause = (0.02, 0.01) if quick else (0.3, 0.25)
    t0 = time.perf_counter()
    notes = {}
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "blas_overrides_removed": json.loads(os.environ.get("LAYERWISE_BENCH_REMOVED",
                                                                  "{}")),
              "load_start": round(os.getloadavg()[0], 1), "notes": notes,
              "tiny": [], "big": [], "fits": [], "sweep": None, "compile": None, "peak": None}
    if "tiny" in args.only:
        result["tiny"] = run_cases(TINY, list(CONTENDERS), 200 if quick else 2000, repeats,
                                   block, pause, notes)
    if "big" in args.only:
        from .machine import gemm_gflops

        result["peak"] = gemm_gflops(512 if quick else 2048, 3, "numpy", pause)
        names = ["layerwise", "jax-step", "jax-scan", "torch", "torch-compile"]
        for sizes, batch in BIG:
            n = 512 if quick else (10240 if len(sizes) == 3 else 5120)
            (row,) = run_cases([(sizes, batch)], names, n, repeats, block, pause, notes)
            flops = sum(2 * i * o * (2 if k == 0 else 3)
                        for k, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])))
            row["gflops"] = {k: batch * flops / (us * 1e-6) / 1e9
                             for k, us in row["us_per_step"].items()}
            result["big"].append(row)
    if "fits" in args.only and not quick:
        result["fits"] = run_fits(3, pause)
    if "sweep" in args.only:
        result["sweep"] = run_sweep(1 if quick else 3, pause, seeds=4 if quick else 20)
    if "compile" in args.only:
        result["compile"] = compile_cost()
    result["seconds"] = time.perf_counter() - t0
    result["load_end"] = round(os.getloadavg()[0], 1)
    print(markdown(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m benchmarks.before_after --base REV``: the training step of this working tree
against the same step at an earlier git revision, measured side by side in one run
(``--fits``: the time of ``lw.fit`` to accuracy on digits and MNIST-1D instead).

Each round runs one child process per side, in alternating order, and each child times
``Trainer.run_epoch`` on the cases below (the loop ``lw.fit`` runs); the result is the median
over rounds of the time per step, and the median of the per-round ratios, so that the host's
slow spells shift both sides alike. The base revision is checked out with ``git worktree`` into
a temporary folder and removed afterwards. OpenBLAS's forced kernel settings are removed for the
children, as the main harness does (see :mod:`benchmarks.machine`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from .machine import BLAS_OVERRIDES

#: (name, sizes, batch, samples, learning rate): the tiny net is all per-call overhead, the
#: headline net all GEMMs; between them the digits and MNIST-1D nets of the lab and the
#: scikit-learn face
CASES = [
    ("2-20-2 b10", [2, 20, 2], 10, 2000, 0.05),
    ("64-100-10 b32", [64, 100, 10], 32, 1797, 0.01),
    ("40-100-100-10 b100", [40, 100, 100, 10], 100, 4000, 0.01),
    ("3072-100-10 b256", [3072, 100, 10], 256, 10240, 1e-3),
]

_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import layerwise as lw

    cases, min_seconds = json.loads(sys.argv[1]), float(sys.argv[2])
    out = {}
    for name, sizes, batch, n, lr in cases:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], n)
        trainer = lw.Trainer(lw.Network(sizes, seed=0), loss="softmax", optimizer="sgd", lr=lr,
                             reg=1e-4, batch_size=batch, seed=0)
        X, y = trainer.prepare(X, y)
        trainer.run_epoch(X, y)  # warm-up: workspaces, caches
        steps, start = 0, time.perf_counter()
        while True:
            trainer.run_epoch(X, y)
            steps += -(-n // batch)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        out[name] = elapsed / steps * 1e6
    print(json.dumps(out))
""")


#: ``lw.fit`` to accuracy, as :mod:`benchmarks.fits` trains digits and MNIST-1D (the cases of
#: ``--fits``): each child times the whole call and scores the test split
_FIT_CHILD = textwrap.dedent("""
    import json, sys, time, warnings
    import numpy as np
    import layerwise as lw

    cases, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
    warnings.simplefilter("ignore")
    out = {}
    for c in cases:
        ds = lw.data.load(c["dataset"], seed=0)
        Xtr = (ds.X_train / c["scale"]).astype(np.float32)
        Xte = (ds.X_test / c["scale"]).astype(np.float32)
        sizes = [Xtr.shape[1], *c["hidden"], int(max(ds.y_train.max(), ds.y_test.max())) + 1]
        kw = dict(loss="softmax", optimizer=c["optimizer"], lr=c["lr"], batch_size=c["batch"],
                  progress=False)
        lw.fit(lw.Network(sizes, seed=0), Xtr[:256], ds.y_train[:256], epochs=1, **kw)
        times = []
        for _ in range(repeats):
            net = lw.Network(sizes, activation="relu", seed=0)
            start = time.perf_counter()
            lw.fit(net, Xtr, ds.y_train, epochs=c["epochs"], reg=c["reg"], seed=0,
                   eval_train=False, **kw)
            times.append(time.perf_counter() - start)
        out[c["dataset"]] = sorted(times)[len(times) // 2]
        out[c["dataset"] + " accuracy"] = float(np.mean(net.predict(Xte) == ds.y_test))
    print(json.dumps(out))
""")


def _fit_cases():
    from .fits import fit_cases

    return [{"dataset": c.dataset, "hidden": list(c.hidden), "optimizer": c.optimizer,
             "lr": c.lr, "batch": c.batch, "epochs": c.epochs, "reg": c.reg, "scale": c.scale}
            for c in fit_cases() if c.dataset in ("digits", "mnist1d")]


def _run_child(root, script, args, compiled):
    env = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
    env["PYTHONPATH"] = str(root)
    if not compiled:
        env["LAYERWISE_COMPILED"] = "0"  # the NumPy engine alone (older revisions have no other)
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=root, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(base, rounds=7, min_seconds=0.5, cases=CASES, compiled=False, fits=False):
    """``{case: {"before": µs, "after": µs, "ratio": before/after}}`` (medians); with ``fits``,
    the seconds of ``lw.fit`` on digits and MNIST-1D instead, and each side's test accuracy."""
    here = Path(__file__).resolve().parent.parent
    if fits:
        names = [c["dataset"] for c in _fit_cases()]
        script, args = _FIT_CHILD, [json.dumps(_fit_cases()), "3"]
    else:
        names = [name for name, *_ in cases]
        script, args = _CHILD, [json.dumps(cases), str(min_seconds)]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", str(old), base],
                       check=True, capture_output=True)
        try:
            times = {"before": [], "after": []}
            for r in range(rounds):
                order = [("before", old), ("after", here)]
                for side, root in (order if r % 2 == 0 else order[::-1]):
                    times[side].append(_run_child(root, script, args, compiled))
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(old)],
                           check=False, capture_output=True)
    result = {}
    for name in names:
        before = [t[name] for t in times["before"]]
        after = [t[name] for t in times["after"]]
        result[name] = {"before": statistics.median(before), "after": statistics.median(after),
                        "ratio": statistics.median(b / a for b, a in zip(before, after))}
        if fits:
            result[name]["accuracy"] = (times["before"][-1][name + " accuracy"],
                                        times["after"][-1][name + " accuracy"])
    return result


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.before_after",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="the git revision to compare against")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--min-seconds", type=float, default=0.5,
                   help="each child times at least this long per case")
    p.add_argument("--compiled", action="store_true",
                   help="let this tree use its compiled path for small nets (default: the NumPy "
                        "engine on both sides, which is what a change to the engine is judged by)")
    p.add_argument("--fits", action="store_true",
                   help="time lw.fit to accuracy on digits and MNIST-1D (benchmarks.fits' "
                        "setups) instead of the training step")
    args = p.parse_args(argv)
    result = measure(args.base, args.rounds, args.min_seconds, compiled=args.compiled,
                     fits=args.fits)
    if args.fits:
        print(f"| data | s at {args.base} | s now | before / now | test accuracy before / now |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r in result.items():
            print(f"| {name} | {r['before']:.3f} | {r['after']:.3f} | {r['ratio']:.2f}x | "
                  f"{r['accuracy'][0]:.3f} / {r['accuracy'][1]:.3f} |")
        return
    print(f"| case | µs/step at {args.base} | µs/step now | before / now |")
    print("| --- | ---: | ---: | ---: |")
    for name, r in result.items():
        print(f"| {name} | {r['before']:.1f} | {r['after']:.1f} | {r['ratio']:.2f}x |")


if __name__ == "__main__":
    main()

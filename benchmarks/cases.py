"""The benchmark cases, their data and their honest FLOP counts.

* headline: 3072-100-10 ReLU, softmax, SGD with L2, batch 64 and 256, epochs over 50,000 random
  CIFAR-shaped samples (standard normal, like mean-subtracted CIFAR-10), reshuffled each epoch;
* deep: 3072-512-256-10, batch 256, same data;
* tiny (the playground's case): 2-20-2 and 2-3-2 on a 2-D two-class toy set, batch 1, 10 and
  100, reported as time per step;
* inference: 3072-100-10, batch 1024.

FLOPs are counted as the work really done: each Dense layer costs ``2 * in * out`` per sample
for its forward product, again for dW, and again for dX, except that the first layer computes
no dX (neither layerwise nor PyTorch does). Bias adds and activations are not counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import layerwise as lw


@dataclass(frozen=True)
class Case:
    group: str  # "headline", "deep", "tiny" or "inference"
    sizes: tuple
    batch: int
    n: int  # samples per unit (an epoch, or an inference pass)
    kind: str = "train"  # or "infer"
    data: str = "cifar"  # or "toy"
    lr: float = 1e-3
    reg: float = 1e-4
    targets: dict = field(default_factory=dict)  # contender -> least layerwise/contender ratio

    @property
    def name(self) -> str:
        return f"{self.group} {'-'.join(map(str, self.sizes))} b{self.batch}"

    @property
    def steps(self) -> int:
        """Minibatch steps (or forward passes) per unit."""
        return -(-self.n // self.batch)

    @property
    def flops_per_sample(self) -> int:
        pairs = list(zip(self.sizes[:-1], self.sizes[1:]))
        if self.kind == "infer":
            return sum(2 * i * o for i, o in pairs)
        # forward + dW everywhere, dX everywhere but the first layer
        return sum(2 * i * o * (2 if k == 0 else 3) for k, (i, o) in enumerate(pairs))


CIFAR = (3072, 100, 10)
DEEP = (3072, 512, 256, 10)


def cases(quick=False) -> list:
    """Every case, at full size or (``quick``) at sizes that run in seconds."""
    n_cifar = 512 if quick else 50_000
    n_deep = 256 if quick else 50_000
    n_toy = 100 if quick else 2_000
    n_infer = 1024 if quick else 16_384
    out = [
        Case("headline", CIFAR, 64, n_cifar),
        Case("headline", CIFAR, 256, n_cifar, targets={"torch": 1.3, "sklearn": 1.3}),
        Case("deep", DEEP, 256, n_deep, targets={"torch": 1.2}),
    ]
    for sizes in ((2, 20, 2), (2, 3, 2)):
        for batch in (1, 10, 100):
            targets = {"torch-1thread": 7.0, "sklearn": 40.0,
                       "sklearn-per-step": 40.0} if batch == 10 else {}
            out.append(Case("tiny", sizes, batch, n_toy, data="toy", lr=0.05, targets=targets))
    out.append(Case("inference", CIFAR, 1024, n_infer, kind="infer",
                    targets={"torch": 1.25}))
    return out


def make_data(case, cache) -> tuple:
    """``(X, y)`` for ``case``: float32 features and int64 labels, made once per shape and kept
    in ``cache``; the first ``case.n`` rows are used."""
    key = (case.data, case.sizes[0], case.sizes[-1])
    if key not in cache or len(cache[key][0]) < case.n:
        rng = np.random.default_rng(0)
        if case.data == "toy":
            X, y = lw.data.moons(n=case.n, noise=0.2, seed=0)
            X = X.astype(np.float32)
        else:
            X = rng.standard_normal((case.n, case.sizes[0]), dtype=np.float32)
            y = rng.integers(0, case.sizes[-1], case.n)
        cache[key] = (X, y.astype(np.int64))
    X, y = cache[key]
    return X[:case.n], y[:case.n]

"""Small helpers that several experiments share: seeds, means with 95% intervals, decision
rules, networks kept in task results, and the seed's parameter counts.

Each experiment module still states its own claim, method, numbers and rules; what lives here
is the arithmetic and bookkeeping that would otherwise be written the same way in several.

A verdict is read off an interval, never a point: a :class:`Rule` has fixed cut-offs, chosen
from what the notes claim and written before any number is measured, and its verdict is
``"inconclusive"`` whenever the 95% interval straddles one of them. So two runs from different
seeds can disagree only by one of them saying "inconclusive".

>>> mean_sd([1.0, 2.0, 3.0])
(2.0, 1.0)
>>> r = Rule("the ratio", supported=4.0, partly=1.25)
>>> r([4.5, 7.0]), r([2.0, 3.0]), r([0.8, 1.1]), r([3.0, 5.0])
('supported', 'partly', 'not supported', 'inconclusive')
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: the full run's seeds per experiment
FULL_SEEDS = 5
#: the fewest values an interval is computed from
MIN_SEEDS = 3

# two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


# -- seeds ---------------------------------------------------------------------------------------
def seeds_for(seed, n):
    """The ``n`` run seeds of an experiment started with ``--seed seed``.

    Different base seeds give disjoint sets (``--seed 0`` runs 0, 1, ...; ``--seed 1`` runs
    1000, 1001, ...), so that agreement between two runs is evidence, not shared draws.

    >>> seeds_for(0, 3), seeds_for(1, 2)
    ([0, 1, 2], [1000, 1001])
    """
    return [int(seed) * 1000 + i for i in range(n)]


# -- statistics over runs ----------------------------------------------------------------------
def mean_sd(values):
    """``(mean, sd)`` of a sample as floats; sd with ``ddof=1``, and 0.0 for a single value.

    >>> mean_sd([0.5])
    (0.5, 0.0)
    """
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def t975(df):
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (a 95% interval's
    half-width in standard errors); beyond 30 a Cornish-Fisher step from the normal.

    >>> t975(4), round(t975(1000), 3)
    (2.776, 1.962)
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df)


def interval(values):
    """``(mean, [low, high])``: the mean of a sample and its 95% t-interval.

    Fewer than three values give too little to go on (two that happen to agree would claim a
    zero-width interval): the interval is then infinite on both sides, so that no rule can
    decide from it and the verdict is "inconclusive".

    >>> m, (lo, hi) = interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    >>> interval([0.5, 0.5])
    (0.5, [-inf, inf])
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or not np.all(np.isfinite(v)):
        m = float(v.mean()) if v.size else math.nan
        return m, [-math.inf, math.inf]
    m = float(v.mean())
    if v.size < MIN_SEEDS:
        return m, [-math.inf, math.inf]
    half = t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return m, [m - half, m + half]


def fmt_interval(m, iv, pct=False, digits=3):
    """``"0.93 [0.91, 0.95]"``: a mean and its interval, as a percentage with ``pct``.

    >>> fmt_interval(0.5, [0.25, 0.75], pct=True)
    '50.0% [25.0%, 75.0%]'
    >>> fmt_interval(2.0, [-math.inf, math.inf])
    '2 [-∞, ∞]'
    """
    def one(x):
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        return f"{x:.1%}" if pct else f"{x:.{digits}g}"
    return f"{one(m)} [{one(iv[0])}, {one(iv[1])}]"


def mean_of(runs, key):
    """Mean of ``run[key]`` over a list of task results, as a float.

    >>> mean_of([{"acc": 0.5}, {"acc": 1.0}], "acc")
    0.75
    """
    return float(np.mean([r[key] for r in runs]))


def omit(record, *keys):
    """A copy of the dict ``record`` without ``keys``: the bulky parts (weights, curves) of a
    task result left out of the report's numbers.

    >>> omit({"seed": 0, "state": [1, 2], "config": {}}, "state", "config")
    {'seed': 0}
    """
    return {k: v for k, v in record.items() if k not in keys}


# -- verdicts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A verdict from the 95% interval of one quantity against fixed cut-offs.

    With ``higher=True`` (more is more support): supported when the whole interval lies at or
    above ``supported``; partly when it lies within ``[partly, supported)``; not supported when
    it lies below ``partly`` (below ``supported`` when there is no partly band); inconclusive
    when it straddles a cut-off. ``higher=False`` mirrors every comparison.

    >>> print(Rule("the gain", supported=0.01).text)
    supported if the 95% interval of the gain lies at or above 0.01; not supported if it lies \
below 0.01; inconclusive if it straddles that cut-off.
    >>> Rule("sd ratio", supported=0.25, partly=1.0, higher=False)([0.1, 0.2])
    'supported'
    """

    quantity: str
    supported: float
    partly: float | None = None
    higher: bool = True
    fmt: str = "g"

    def _c(self, x):
        return f"{x:{self.fmt}}"

    @property
    def text(self):
        s, q = self._c(self.supported), self.quantity
        if self.higher:
            if self.partly is None:
                return (f"supported if the 95% interval of {q} lies at or above {s}; not "
                        f"supported if it lies below {s}; inconclusive if it straddles that "
                        "cut-off.")
            p = self._c(self.partly)
            return (f"supported if the 95% interval of {q} lies at or above {s}; partly if it "
                    f"lies within [{p}, {s}); not supported if it lies below {p}; "
                    "inconclusive if it straddles a cut-off.")
        if self.partly is None:
            return (f"supported if the 95% interval of {q} lies at or below {s}; not supported "
                    f"if it lies above {s}; inconclusive if it straddles that cut-off.")
        p = self._c(self.partly)
        return (f"supported if the 95% interval of {q} lies at or below {s}; partly if it lies "
                f"within ({s}, {p}]; not supported if it lies above {p}; inconclusive if it "
                "straddles a cut-off.")

    def __call__(self, iv):
        lo, hi = float(iv[0]), float(iv[1])
        if any(math.isnan(x) for x in (lo, hi)):
            return "inconclusive"
        if not self.higher:  # mirror: -x against -cut-offs
            lo, hi = -hi, -lo
            s, p = -self.supported, None if self.partly is None else -self.partly
        else:
            s, p = self.supported, self.partly
        if lo >= s:
            return "supported"
        bottom = s if p is None else p
        if hi < bottom:
            return "not supported"
        if p is not None and lo >= p and hi < s:
            return "partly"
        return "inconclusive"


def combine(verdicts):
    """One verdict from several parts: supported if all are, not supported if all are,
    inconclusive if any part is, partly otherwise (the parts decided, and mixed).

    >>> combine(["supported", "supported"]), combine(["supported", "not supported"])
    ('supported', 'partly')
    >>> combine(["supported", "inconclusive"])
    'inconclusive'
    """
    verdicts = list(verdicts)
    if "inconclusive" in verdicts:
        return "inconclusive"
    if all(v == "supported" for v in verdicts):
        return "supported"
    if all(v == "not supported" for v in verdicts):
        return "not supported"
    return "partly"


COMBINE_TEXT = ("The claim's verdict: supported if every part is supported, not supported if "
                "every part is not, inconclusive if any part is, partly otherwise.")


def tolerance_rule(quantity, tol):
    """The rule of an identity: it holds if the largest error is at most ``tol``.

    >>> tolerance_rule("the largest |difference|", 1e-12)
    'supported (the identity holds) if the largest |difference| is at most 1e-12; otherwise not supported.'
    """
    return (f"supported (the identity holds) if {quantity} is at most {tol:g}; otherwise not "
            "supported.")


def verdict_of(checks):
    """``"supported"`` when every check holds, ``"partly"`` when some do, ``"not supported"``
    when none does.

    >>> verdict_of([True, True]), verdict_of([False, False])
    ('supported', 'not supported')
    """
    checks = [bool(c) for c in checks]
    return "supported" if all(checks) else "partly" if any(checks) else "not supported"


# -- networks ----------------------------------------------------------------------------------
def randomize_biases(net, rng):
    """Give every weight layer's bias standard normal values drawn from ``rng``.

    Networks start with zero biases; a check that involves the biases (that they do not move,
    or that ``W2 b1 + b2`` is computed) needs them non-zero to mean anything.
    """
    for layer in net.layers:
        if getattr(layer, "is_weight_layer", False):
            layer.bias[...] = rng.standard_normal(layer.bias.shape)


def param_counts(net):
    """``{"params", "neurons", "weights", "biases"}`` of a network, in the seed's terms (the
    input layer has no neurons; biases are the parameters that are not weights).

    >>> import layerwise as lw
    >>> param_counts(lw.Network([3, 4, 2]))
    {'params': 26, 'neurons': 6, 'weights': 20, 'biases': 6}
    """
    n_weights = int(sum(p.size for p in net.weights()))
    return {"params": net.num_params, "neurons": net.num_neurons, "weights": n_weights,
            "biases": int(net.num_params - n_weights)}


def keep_net(net):
    """``{"config", "state"}``: a trained network as JSON-able task output, so that
    ``summarize`` can draw it again with :func:`rebuild`."""
    return {"config": net.config(),
            "state": {k: v.tolist() for k, v in net.state_dict().items()}}


def rebuild(config, state):
    """The network a task trained, from its architecture (``net.config()``) and its weights.

    >>> import layerwise as lw
    >>> net = lw.Network([2, 3, 2], seed=0)
    >>> kept = keep_net(net)
    >>> bool((rebuild(kept["config"], kept["state"]).flat_params == net.flat_params).all())
    True
    """
    import layerwise as lw

    net = lw.from_config(config)
    net.load_state_dict({k: np.asarray(v, dtype=net.dtype) for k, v in state.items()})
    return net

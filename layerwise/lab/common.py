"""Small helpers that several experiments share: summary statistics, verdicts, networks kept in
task results, and the seed's parameter counts.

Each experiment module still states its own claim, method, numbers and verdict rules; what lives
here is only the arithmetic and bookkeeping that would otherwise be written the same way in
several of them.

>>> mean_sd([1.0, 2.0, 3.0])
(2.0, 1.0)
>>> verdict_of([True, False])
'partly'
"""
from __future__ import annotations

import numpy as np


# -- statistics over runs ----------------------------------------------------------------------
def mean_sd(values):
    """``(mean, sd)`` of a sample as floats; sd with ``ddof=1``, and 0.0 for a single value.

    >>> mean_sd([0.5])
    (0.5, 0.0)
    """
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


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

"""Activation functions, their curves and derivatives (ch6-02, ch6-04); tanh = 2 sigmoid(2x) - 1.

Every activation of the library's table is drawn with its derivative in one figure. We check the
identity tanh(x) = 2 sigmoid(2x) - 1 numerically, check each tabled derivative against central
differences, and measure the properties the notes name (output range, zero-centred output,
saturating tails) from the functions themselves, beside what the table declares.
"""
from __future__ import annotations

import numpy as np

from ..common import tolerance_rule
from ..core import Claim, Section

ID = "activations"
TITLE = "Activation functions and their derivatives"
SEED_REF = "Section 2.3; figures ch6-02 (sigmoid, tanh) and ch6-04 (ReLU)"
CLAIM = ("Sigmoid squashes to (0, 1) and tanh to (-1, 1); both saturate, and tanh is "
         "zero-centred: it is simply a scaled sigmoid, tanh(x) = 2 sigmoid(2x) - 1. ReLU "
         "thresholds at zero and does not saturate.")

IDENTITY_TOL = 1e-12  # float64 evaluations of both sides differ by a few ulps at most
QUOTE_IDENTITY = ("Also note that the tanh neuron is simply a scaled sigmoid neuron, in particular "
                  "the following holds: tanh(x)=2σ(2x)−1.")
QUOTE_SHAPES = ("It squashes a real-valued number to the range [-1, 1]. Like the sigmoid neuron, "
                "its activations saturate, but unlike the sigmoid neuron its output is "
                "zero-centered.")
SHAPES_RULE = ("supported (the properties hold) if every one of these holds: sigmoid's outputs "
               "lie in [0, 1] and tanh's in [-1, 1] on [-40, 40]; both have |f'(±20)| < 1e-3; "
               "tanh's mean/std on N(0, 1) inputs is below 0.1 in size and sigmoid's is not; "
               "ReLU's minimum is 0 and its slope for x > 0 is not flat; otherwise not "
               "supported.")
FLAT = 1e-3  # a tail is flat when |f'| at |x| = 20 is below this
CENTRED = 0.1  # zero-centred when |mean f(x)| < 0.1 std f(x) for x ~ N(0, 1)


def tasks(quick, seed):
    return [{"points": 20001 if quick else 200001, "seed": seed}]


def _measure(fn, x_wide, z):
    y = fn.f(x_wide.copy(), None)
    d_left = abs(float(fn.df(np.array([-20.0]), fn.f(np.array([-20.0]), None))[0]))
    d_right = abs(float(fn.df(np.array([20.0]), fn.f(np.array([20.0]), None))[0]))
    yz = fn.f(z.copy(), None)
    # central differences away from the kinks at 0 (relu, leaky relu, elu)
    xs = np.r_[np.linspace(-6, -0.05, 400), np.linspace(0.05, 6, 400)]
    h = 1e-6
    numeric = (fn.f(xs + h, None) - fn.f(xs - h, None)) / (2 * h)
    analytic = fn.df(xs, fn.f(xs.copy(), None))
    return {
        "name": fn.name, "min": float(y.min()), "max": float(y.max()),
        "flat_left": d_left < FLAT, "flat_right": d_right < FLAT,
        "slope_left": d_left, "slope_right": d_right,
        "mean_over_std": float(yz.mean() / yz.std()),
        "zero_centred": bool(abs(yz.mean()) < CENTRED * yz.std()),
        "deriv_err": float(np.abs(numeric - analytic).max()),
        "table_range": [float(fn.range[0]), float(fn.range[1])],
        "table_zero_centered": bool(fn.zero_centered), "table_saturates": bool(fn.saturates),
    }


def run_task(points, seed):
    from ...engine import activations as act

    x = np.linspace(-20.0, 20.0, points)
    rng = np.random.default_rng(seed)
    x = np.r_[x, rng.standard_normal(points) * 5]
    tanh = act.get("tanh").f(x.copy(), None)
    via_sigmoid = 2.0 * act.sigmoid(2.0 * x) - 1.0
    identity_err = float(np.abs(tanh - via_sigmoid).max())
    wide = np.linspace(-40.0, 40.0, 8001)
    z = rng.standard_normal(200_000)
    props = [_measure(fn, wide, z) for fn in act.ACTIVATIONS.values() if fn.name != "identity"]
    # maxout is a layer with k pieces: max(w1 x + b1, w2 x + b2) with the ReLU's pieces is a ReLU
    maxout = np.maximum(0.0 * x + 0.0, 1.0 * x + 0.0)
    maxout_err = float(np.abs(maxout - act.get("relu").f(x.copy(), None)).max())
    return {"identity_err": identity_err, "n_points": int(x.size), "props": props,
            "maxout_relu_err": maxout_err}


def verdicts(r):
    """Rules, from the numbers:

    * identity: supported when max |tanh(x) - (2 sigmoid(2x) - 1)| < 1e-12, else not supported;
    * shapes: supported when sigmoid's outputs lie in [0, 1], tanh's in [-1, 1], both have flat
      tails on both sides, tanh is zero-centred and sigmoid is not, and ReLU's output is
      min 0 with a right tail that is not flat; not supported when any of them fails (these
      are properties of the functions, so an identity: all or nothing).
    """
    p = {q["name"]: q for q in r["props"]}
    s, t, relu = p["sigmoid"], p["tanh"], p["relu"]
    checks = {
        "sigmoid in [0, 1]": s["min"] >= 0.0 and s["max"] <= 1.0,
        "tanh in [-1, 1]": t["min"] >= -1.0 and t["max"] <= 1.0,
        "sigmoid saturates at both ends": s["flat_left"] and s["flat_right"],
        "tanh saturates at both ends": t["flat_left"] and t["flat_right"],
        "tanh zero-centred": t["zero_centred"],
        "sigmoid not zero-centred": not s["zero_centred"],
        "relu thresholds at zero": relu["min"] == 0.0,
        "relu does not saturate for x > 0": not relu["flat_right"],
    }
    held = sum(checks.values())
    shapes = "supported" if held == len(checks) else "not supported"
    ident = "supported" if r["identity_err"] < IDENTITY_TOL else "not supported"
    return ident, shapes, checks


def summarize(results, out, quick):
    from ... import plots

    r = results[0]
    seed_fig = plots.activation_curves(["sigmoid", "tanh", "relu"])
    seed_name = "e04_sigmoid_tanh_relu.png"
    plots.save(seed_fig, out / seed_name)
    all_name = "e04_all_activations.png"
    plots.save(plots.activation_curves(), out / all_name)

    ident, shapes, checks = verdicts(r)
    p = {q["name"]: q for q in r["props"]}

    def rng_(q):
        return f"[{q['min']:.3g}, {q['max']:.3g}]"

    c1 = Claim(
        id="activations.tanh_identity",
        claim="tanh is a scaled sigmoid: tanh(x) = 2 sigmoid(2x) − 1",
        measured=f"max |tanh(x) − (2σ(2x) − 1)| = {r['identity_err']:.1e} over "
                 f"{r['n_points']:,} points in float64",
        verdict=ident, kind="identity", quote=QUOTE_IDENTITY, value=r["identity_err"],
        rule=tolerance_rule("max |tanh(x) − (2σ(2x) − 1)|", IDENTITY_TOL),
        why=("The two sides agree to a few units of float64 round-off everywhere we looked, "
             "including the saturated tails." if ident == "supported" else
             "The two sides differ by more than round-off."),
        figures=[seed_name])
    failed = [k for k, ok in checks.items() if not ok]
    c2 = Claim(
        id="activations.shapes",
        claim="Sigmoid squashes to (0, 1), tanh to (−1, 1); both saturate and only tanh is "
              "zero-centred; ReLU thresholds at zero and does not saturate",
        measured=(f"ranges on [−40, 40]: sigmoid {rng_(p['sigmoid'])}, tanh {rng_(p['tanh'])}, "
                  f"relu {rng_(p['relu'])}; |f'(±20)|: sigmoid {p['sigmoid']['slope_left']:.0e}"
                  f"/{p['sigmoid']['slope_right']:.0e}, tanh {p['tanh']['slope_left']:.0e}/"
                  f"{p['tanh']['slope_right']:.0e}, relu right {p['relu']['slope_right']:g}; "
                  f"mean/std of f(N(0,1)): sigmoid {p['sigmoid']['mean_over_std']:.2f}, tanh "
                  f"{p['tanh']['mean_over_std']:.3f}"),
        verdict=shapes, kind="identity", quote=QUOTE_SHAPES, rule=SHAPES_RULE,
        why=("Every property held in the measurement: the squashing ranges, flat tails (the "
             "derivative is below 1e-3 at |x| = 20), tanh's zero mean and sigmoid's offset, and "
             "ReLU's unit slope for x > 0." if not failed else
             "These did not hold as stated: " + ", ".join(failed) + "."),
        figures=[seed_name])

    rows = []
    for q in r["props"]:
        flat = {(True, True): "both", (True, False): "left", (False, True): "right",
                (False, False): "none"}[(q["flat_left"], q["flat_right"])]
        rows.append([q["name"], f"[{q['min']:.3g}, {q['max']:.3g}]",
                     f"[{q['table_range'][0]:g}, {q['table_range'][1]:g}]",
                     round(q["mean_over_std"], 3), q["table_zero_centered"], flat,
                     q["table_saturates"], q["deriv_err"]])
    mismatch = [q["name"] for q in r["props"]
                if q["zero_centred"] != q["table_zero_centered"]]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("Each activation of layerwise.engine.activations evaluated in float64: output range on "
                "[−40, 40]; whether its tails are flat (|f'(±20)| < 1e-3); mean/std of its "
                "output for standard normal inputs (zero-centred when below 0.1 in size); its "
                "tabled derivative against central differences away from kinks. Maxout is a "
                "layer of two linear pieces; with the pieces 0 and x it equals ReLU (max "
                f"difference {r['maxout_relu_err']:g}). The table's declared properties are shown "
                "beside the measured ones" + (f"; they disagree on zero-centredness for "
                                              f"{', '.join(mismatch)}." if mismatch else ".")),
        claims=[c1, c2], figures=[seed_name, all_name],
        captions={seed_name: "The notes' figures ch6-02 and ch6-04 (left): sigmoid, tanh and "
                             "ReLU with their derivatives.",
                  all_name: "Every activation in the library's table, with its derivative."},
        table={"columns": ["activation", "measured range", "table range", "mean/std",
                           "table: zero-centred", "flat tails (measured)", "table: saturates",
                           "max |f' − numeric|"], "rows": rows},
        numbers={"identity_err": r["identity_err"], "checks": checks,
                 "max_deriv_err": max(q["deriv_err"] for q in r["props"]),
                 "zero_centred_mismatch": mismatch})

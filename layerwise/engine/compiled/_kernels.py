"""The compiled training step: forward, loss, backward, penalty and update for a run of steps.

Imported only when numba is installed (see :mod:`layerwise.engine.compiled`). One kernel,
:func:`run_steps`, executes a network described by a small integer table (one row per layer) on
the flat parameter and gradient vectors, so that every architecture the table can describe
shares one compiled function per dtype, cached on disk by numba (``cache=True``).

Every formula repeats the NumPy engine's, operation by operation where the order matters for
rounding (the optimizers' update, the stable sigmoid), so that in float64 the two paths agree to
round-off. The matrix products are the exception: their sums are reassociated for vector
instructions, as a BLAS library also does.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

# layer kinds (column K of the table)
DENSE, ACT, PRELU, MAXOUT, DROPOUT, NOISE = 0, 1, 2, 3, 4, 5
# activation codes, in the order of the activation table
IDENTITY, SIGMOID, TANH, RELU, LEAKY, ELU, SOFTPLUS, GELU, SILU = range(9)
# losses
SOFTMAX, HINGE, LOGISTIC, BHINGE, MSE = range(5)
# optimizers
SGD, ADAGRAD, RMSPROP, ADAM = range(4)
# table columns: kind, code (activation, or maxout's k), in width, out width, weight offset,
# bias offset, offset of the layer's random numbers in `rand` (-1: none)
K, CODE, WIN, WOUT, WOFF, BOFF, ROFF = range(7)
NCOLS = 7

LEAKY_SLOPE = 0.01
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_CLIP = 20.0

_FAST = {"reassoc", "contract"}  # products only: no flag that would hide a NaN or an inf


# -- products (weights are stored transposed: wt is (in, out), row-major) -------------------
#: products of at least this many multiply-adds go to BLAS (``np.dot``, through SciPy's BLAS):
#: below it the call costs more than these loops
DOT_MIN = 1024
#: below this many outputs a looped product runs as dot products (an accumulator in a
#: register); from it on as row updates, which vector instructions run along the outputs
NARROW = 8


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _affine(x, wt, b, y):
    """``y = x @ wt + b``."""
    rows, n_in = x.shape
    n_out = wt.shape[1]
    if rows * n_in * n_out >= DOT_MIN:
        np.dot(x, wt, y)
        for r in range(rows):
            for o in range(n_out):
                y[r, o] += b[o]
    elif n_out < NARROW:
        for r in range(rows):
            for o in range(n_out):
                s = 0.0
                for i in range(n_in):
                    s += x[r, i] * wt[i, o]
                y[r, o] = s + b[o]
    else:
        for r in range(rows):
            for o in range(n_out):
                y[r, o] = 0.0
            for i in range(n_in):
                xi = x[r, i]
                for o in range(n_out):
                    y[r, o] += xi * wt[i, o]
            for o in range(n_out):
                y[r, o] += b[o]


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _param_grads(x, d, gwt, gb):
    """``gwt = x^T d`` (the transposed weight gradient) and ``gb = sum over rows of d``."""
    rows, n_in = x.shape
    n_out = d.shape[1]
    gb[:] = 0.0
    for r in range(rows):
        for o in range(n_out):
            gb[o] += d[r, o]
    if rows * n_in * n_out >= DOT_MIN:
        np.dot(x.T, d, gwt)
    elif n_out < NARROW:
        for o in range(n_out):
            for i in range(n_in):
                s = 0.0
                for r in range(rows):
                    s += x[r, i] * d[r, o]
                gwt[i, o] = s
    else:
        gwt[:, :] = 0.0
        for r in range(rows):
            for i in range(n_in):
                xi = x[r, i]
                for o in range(n_out):
                    gwt[i, o] += xi * d[r, o]


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _input_grad(d, wt, dx):
    """``dx = d @ wt^T``."""
    rows, n_out = d.shape
    n_in = wt.shape[0]
    if rows * n_in * n_out >= DOT_MIN:
        np.dot(d, wt.T, dx)
        return
    for r in range(rows):
        for i in range(n_in):
            s = 0.0
            for o in range(n_out):
                s += d[r, o] * wt[i, o]
            dx[r, i] = s


# -- activations, as in layerwise.engine.activations ------------------------------------------
@njit(cache=True, error_model="numpy")
def _sigmoid(v):
    z = math.exp(-abs(v))
    return (1.0 if v >= 0 else z) / (1.0 + z)


@njit(cache=True, error_model="numpy")
def _act_forward(code, x, y):
    a, b = x.shape
    for r in range(a):
        for c in range(b):
            v = x[r, c]
            if code == RELU:
                y[r, c] = v if v > 0 else 0.0
            elif code == IDENTITY:
                y[r, c] = v
            elif code == SIGMOID:
                y[r, c] = _sigmoid(v)
            elif code == TANH:
                y[r, c] = math.tanh(v)
            elif code == LEAKY:
                y[r, c] = max(v, LEAKY_SLOPE * v)
            elif code == ELU:
                y[r, c] = v if v > 0 else math.expm1(min(v, 0.0))
            elif code == SOFTPLUS:
                y[r, c] = max(v, 0.0) + math.log1p(math.exp(-abs(v)))
            elif code == GELU:
                xc = min(max(v, -GELU_CLIP), GELU_CLIP)
                inner = SQRT_2_OVER_PI * (xc + 0.044715 * xc ** 3.0)
                y[r, c] = (0.5 * v) * (1.0 + math.tanh(inner))
            else:  # SILU
                y[r, c] = v * _sigmoid(v)


@njit(cache=True, error_model="numpy")
def _act_backward(code, x, y, d, dx):
    """``dx = d * f'(x)``, the derivative from ``x`` or ``y`` as the table takes it."""
    a, b = x.shape
    for r in range(a):
        for c in range(b):
            if code == RELU:
                f = 1.0 if y[r, c] > 0 else 0.0
            elif code == IDENTITY:
                f = 1.0
            elif code == SIGMOID:
                f = y[r, c] * (1.0 - y[r, c])
            elif code == TANH:
                f = 1.0 - y[r, c] * y[r, c]
            elif code == LEAKY:
                f = 1.0 if y[r, c] > 0 else LEAKY_SLOPE
            elif code == ELU:
                f = 1.0 if x[r, c] > 0 else math.exp(min(x[r, c], 0.0))
            elif code == SOFTPLUS:
                f = _sigmoid(x[r, c])
            elif code == GELU:
                v = min(max(x[r, c], -GELU_CLIP), GELU_CLIP)
                v2 = v * v
                t = math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v2))
                f = (0.5 * (1.0 + t)
                     + 0.5 * v * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * v2))
            else:  # SILU
                s = _sigmoid(x[r, c])
                f = s * (1.0 + x[r, c] * (1.0 - s))
            dx[r, c] = d[r, c] * f


# -- losses, as in layerwise.engine.losses: the mean loss, and dL/dscores into d -------------
@njit(cache=True, error_model="numpy")
def _loss(code, s, yi, yf, d):
    rows, c = s.shape
    total = 0.0
    if code == SOFTMAX:
        for r in range(rows):
            m = s[r, 0]
            for j in range(1, c):
                if s[r, j] > m:
                    m = s[r, j]
            tot = 0.0
            for j in range(c):
                e = math.exp(s[r, j] - m)
                d[r, j] = e
                tot += e
            total += math.log(tot) - (s[r, yi[r]] - m)
            scale = tot * rows
            for j in range(c):
                d[r, j] = d[r, j] / scale
            d[r, yi[r]] -= 1.0 / rows
    elif code == HINGE:
        for r in range(rows):
            sy = s[r, yi[r]]
            count = 0.0
            for j in range(c):
                m = s[r, j] - sy + 1.0
                if j != yi[r] and m > 0:
                    total += m
                    d[r, j] = 1.0 / rows
                    count += 1.0
                else:
                    d[r, j] = 0.0
            d[r, yi[r]] = -count / rows
    elif code == LOGISTIC:
        for r in range(rows):
            v = s[r, 0]
            total += max(v, 0.0) + math.log1p(math.exp(-abs(v))) - yf[r, 0] * v
            d[r, 0] = (_sigmoid(v) - yf[r, 0]) / rows
    elif code == BHINGE:
        for r in range(rows):
            t = 1.0 if yi[r] > 0 else -1.0
            m = 1.0 - t * s[r, 0]
            if m > 0:
                total += m
                d[r, 0] = -t / rows
            else:
                d[r, 0] = 0.0
    else:  # MSE
        size = rows * c
        for r in range(rows):
            for j in range(c):
                diff = s[r, j] - yf[r, j]
                total += diff * diff
                d[r, j] = diff * (2.0 / size)
        return total / size
    return total / rows


# -- the optimizers' updates, as in layerwise.engine.optim ------------------------------------
@njit(cache=True, error_model="numpy")
def _update(opt, hp, lr, t, p, g, s1, s2, one):
    """One update of ``p`` from ``g``; ``hp`` holds the optimizer's settings, ``s1``/``s2`` its
    state vectors, ``t`` the step number (after this step). ``one`` is a length-1 array of the
    parameters' dtype: a coefficient stored there is rounded to that dtype first, as NumPy
    rounds a Python scalar in an operation on float32 arrays."""
    n = p.shape[0]
    if opt == SGD:
        mom, nesterov = hp[0], hp[1]
        one[0] = lr
        lr_t = one[0]
        if mom != 0.0:
            one[0] = mom
            m = one[0]
            for i in range(n):
                s1[i] = s1[i] * m + g[i]
                u = s1[i] * m + g[i] if nesterov != 0.0 else s1[i]
                p[i] -= u * lr_t
        else:
            for i in range(n):
                p[i] -= g[i] * lr_t
    elif opt == ADAGRAD:
        one[0] = hp[0]
        eps = one[0]
        one[0] = lr
        lr_t = one[0]
        for i in range(n):
            s1[i] += g[i] * g[i]
            p[i] -= (g[i] / (math.sqrt(s1[i]) + eps)) * lr_t
    elif opt == RMSPROP:
        one[0] = hp[0]
        alpha = one[0]
        one[0] = 1.0 - hp[0]
        rest = one[0]
        one[0] = hp[1]
        eps = one[0]
        one[0] = hp[2]
        mom = one[0]
        one[0] = lr
        lr_t = one[0]
        for i in range(n):
            s1[i] = s1[i] * alpha + (g[i] * g[i]) * rest
            u = g[i] / (math.sqrt(s1[i]) + eps)
            if hp[2] != 0.0:
                s2[i] = s2[i] * mom + u
                p[i] -= s2[i] * lr_t
            else:
                p[i] -= u * lr_t
    else:  # ADAM
        b1, b2 = hp[0], hp[1]
        one[0] = b1
        b1_t = one[0]
        one[0] = 1.0 - b1
        c1 = one[0]
        one[0] = b2
        b2_t = one[0]
        one[0] = 1.0 - b2
        c2 = one[0]
        one[0] = math.sqrt(1.0 - b2 ** float(t))
        corr2 = one[0]
        one[0] = hp[2]
        eps = one[0]
        one[0] = lr / (1.0 - b1 ** float(t))
        step = one[0]
        for i in range(n):
            s1[i] = s1[i] * b1_t + g[i] * c1
            s2[i] = s2[i] * b2_t + (g[i] * g[i]) * c2
            p[i] -= (s1[i] / (math.sqrt(s2[i]) / corr2 + eps)) * step


# -- the steps ----------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _times_mask(a, rand, at, out):
    """``out = a * mask``, the dropout mask of ``a``'s shape stored in ``rand`` from ``at`` on
    (forward and backward of inverted dropout are the same product)."""
    rows, cols = a.shape
    mask = rand[at:at + rows * cols].reshape(rows, cols)
    for r in range(rows):
        for c in range(cols):
            out[r, c] = a[r, c] * mask[r, c]


@njit(cache=True, error_model="numpy")
def _workspace(table, n_in, bs, p):
    """Buffers for batches of up to ``bs`` rows: every layer's output (the input first), the
    pre-max scores and winning pieces of maxout layers, and two gradient buffers."""
    n_layers = table.shape[0]
    dt = p.dtype
    widths = np.empty(n_layers + 1, np.int64)
    widths[0] = n_in
    for li in range(n_layers):
        widths[li + 1] = table[li, WOUT]
    offs = np.zeros(n_layers + 2, np.int64)
    for li in range(n_layers + 1):
        offs[li + 1] = offs[li] + bs * widths[li]
    acts = np.empty(offs[n_layers + 1], dt)
    zbig = 0
    wmax = 0
    for li in range(n_layers + 1):
        wmax = max(wmax, widths[li])
        if li < n_layers and table[li, K] == MAXOUT:
            zbig = max(zbig, table[li, WOUT] * table[li, CODE])
    z = np.empty(bs * max(zbig, 1), dt)
    arg = np.empty(offs[n_layers + 1], np.int64)
    buf_a = np.empty(bs * max(wmax, zbig), dt)
    buf_b = np.empty(bs * max(wmax, zbig), dt)
    return widths, offs, acts, z, arg, buf_a, buf_b


@njit(cache=True, error_model="numpy")
def evaluate(X, yi, yf, table, p, loss_code, units, chunk, alive):
    """One evaluation-mode pass over ``X`` in chunks of ``chunk`` rows (no dropout, no noise).

    Returns ``(sum over chunks of mean loss times rows, samples classified correctly)``;
    ``loss_code`` < 0 skips the loss, an empty ``yi`` and ``yf`` skip the accuracy. For each
    layer ``li`` with ``units[li] != 0`` (1: decided by the layer's input, 2: by its output),
    ``alive[li, u]`` is set where unit ``u`` is positive on some sample.
    """
    n_layers = table.shape[0]
    n = X.shape[0]
    widths, offs, acts, z, arg, d_buf, _ = _workspace(table, X.shape[1], chunk, p)
    rand = np.empty(0, p.dtype)
    n_out = widths[n_layers]
    total = 0.0
    correct = 0
    for s0 in range(0, n, chunk):
        rows = min(chunk, n - s0)
        acts[0:rows * widths[0]].reshape(rows, widths[0])[:, :] = X[s0:s0 + rows]
        _forward(table, widths, offs, acts, z, arg, p, rand, 0, rows, False)
        for li in range(n_layers):
            if units[li] == 0:
                continue
            at = li if units[li] == 1 else li + 1
            h = acts[offs[at]:offs[at] + rows * widths[at]].reshape(rows, widths[at])
            for r in range(rows):
                for c in range(widths[at]):
                    if h[r, c] > 0:
                        alive[li, c] = True
        scores = acts[offs[n_layers]:offs[n_layers] + rows * n_out].reshape(rows, n_out)
        yic = yi[s0:s0 + rows] if yi.shape[0] else yi
        yfc = yf[s0:s0 + rows] if yf.shape[0] else yf
        if loss_code >= 0:
            d = d_buf[0:rows * n_out].reshape(rows, n_out)
            total += _loss(loss_code, scores, yic, yfc, d) * rows
        if yi.shape[0] or yf.shape[0]:
            for r in range(rows):
                if n_out == 1:
                    label = yic[r] if yi.shape[0] else yfc[r, 0]
                    correct += (scores[r, 0] > 0) == (label > 0)
                else:
                    best = 0
                    for j in range(1, n_out):
                        if scores[r, j] > scores[r, best]:
                            best = j
                    correct += best == yic[r]
    return total, correct


@njit(cache=True, error_model="numpy")
def _forward(table, widths, offs, acts, z, arg, p, rand, row0, rows, train):
    """The forward pass of ``rows`` rows, from ``acts``' first block (the input) to its last
    (the scores). In training, dropout and noise take their numbers from ``rand`` at row
    ``row0``; otherwise they are the identity, as in evaluation mode."""
    n_layers = table.shape[0]
    for li in range(n_layers):
        kind = table[li, K]
        w_in, w_out = widths[li], widths[li + 1]
        x = acts[offs[li]:offs[li] + rows * w_in].reshape(rows, w_in)
        y = acts[offs[li + 1]:offs[li + 1] + rows * w_out].reshape(rows, w_out)
        if kind == DENSE:
            wt = p[table[li, WOFF]:table[li, WOFF] + w_in * w_out].reshape(w_in, w_out)
            _affine(x, wt, p[table[li, BOFF]:table[li, BOFF] + w_out], y)
        elif kind == ACT:
            _act_forward(table[li, CODE], x, y)
        elif kind == PRELU:
            a = p[table[li, WOFF]:table[li, WOFF] + w_out]
            for r in range(rows):
                for c in range(w_out):
                    v = x[r, c]
                    y[r, c] = v if v > 0 else a[c] * v
        elif kind == MAXOUT:
            k = table[li, CODE]
            wide = w_out * k
            wt = p[table[li, WOFF]:table[li, WOFF] + w_in * wide].reshape(w_in, wide)
            zz = z[0:rows * wide].reshape(rows, wide)
            _affine(x, wt, p[table[li, BOFF]:table[li, BOFF] + wide], zz)
            for r in range(rows):
                for c in range(w_out):
                    best = 0
                    for q in range(1, k):
                        if zz[r, c * k + q] > zz[r, c * k + best]:
                            best = q
                    arg[offs[li + 1] + r * w_out + c] = best
                    y[r, c] = zz[r, c * k + best]
        elif kind == DROPOUT:
            if table[li, ROFF] < 0 or not train:
                y[:, :] = x
            else:
                _times_mask(x, rand, table[li, ROFF] + row0 * w_out, y)
        else:  # NOISE
            if table[li, ROFF] < 0 or not train:
                y[:, :] = x
            else:
                o = table[li, ROFF] + row0 * w_out
                noise = rand[o:o + rows * w_out].reshape(rows, w_out)
                for r in range(rows):
                    for c in range(w_out):
                        y[r, c] = x[r, c] + noise[r, c]


@njit(cache=True, error_model="numpy")
def run_steps(X, perm, start, bs, yi, yf, table, p, g, rand, loss_code, first,
              reg, reg_l1, n_weights, opt, hp, lr, t, s1, s2, losses, limit, total):
    """Train on the rows ``X[perm[start:]]`` in minibatches of ``bs``, in order; one step
    per batch, the first of them step ``t + 1`` of the optimizer.

    ``table`` describes the layers (see the column constants); ``rand`` holds the dropout
    masks and input noise of these steps, drawn beforehand in NumPy (each random layer's block
    is ``rows x width`` at its offset, rows in step order); ``yi`` holds integer labels and
    ``yf`` real targets ``(N, outputs)``, whichever the loss takes (the other may be empty).
    Writes each step's loss (data loss plus penalty) to ``losses`` (indexed by step from the
    start of ``perm``) and adds loss times rows to ``total``; returns ``(steps taken, status,
    total)``. A loss diverges when it is not finite or exceeds ``limit[0]``, the trainer's
    explosion limit: status is then that step's index, its update is not applied and no step
    follows. While the limit is -inf (no reference loss yet), the first finite loss is written
    to ``limit[1]``, its update applied, and the call returns with status -2 so that the caller
    sets the limit from it; status -1 means every step ran.
    """
    n_layers = table.shape[0]
    dt = p.dtype
    widths, offs, acts, z, arg, buf_a, buf_b = _workspace(table, X.shape[1], bs, p)
    yib = np.empty(bs, np.int64)
    yfb = np.empty((bs, yf.shape[1]), dt)
    one = np.empty(1, dt)
    n = perm.shape[0]
    n_out = widths[n_layers]
    steps = 0
    status = -1
    reg_t = np.empty(1, dt)
    reg_t[0] = reg
    for s0 in range(start, n, bs):
        row0 = s0
        rows = min(bs, n - s0)
        h0 = acts[0:rows * widths[0]].reshape(rows, widths[0])
        for r in range(rows):
            h0[r, :] = X[perm[s0 + r], :]
            if yi.shape[0]:
                yib[r] = yi[perm[s0 + r]]
            if yf.shape[0]:
                yfb[r, :] = yf[perm[s0 + r], :]
        _forward(table, widths, offs, acts, z, arg, p, rand, row0, rows, True)
        scores = acts[offs[n_layers]:offs[n_layers] + rows * n_out].reshape(rows, n_out)
        d = buf_a[0:rows * n_out].reshape(rows, n_out)
        loss = _loss(loss_code, scores, yib[:rows], yfb[:rows], d)
        # backward, down to the first layer with parameters (no input gradient there)
        cur, other = buf_a, buf_b
        for li in range(n_layers - 1, first - 1, -1):
            kind = table[li, K]
            w_in, w_out = widths[li], widths[li + 1]
            x = acts[offs[li]:offs[li] + rows * w_in].reshape(rows, w_in)
            y = acts[offs[li + 1]:offs[li + 1] + rows * w_out].reshape(rows, w_out)
            d = cur[0:rows * w_out].reshape(rows, w_out)
            dx = other[0:rows * w_in].reshape(rows, w_in)
            need_dx = li > first
            if kind == DENSE:
                wo, bo = table[li, WOFF], table[li, BOFF]
                _param_grads(x, d, g[wo:wo + w_in * w_out].reshape(w_in, w_out),
                             g[bo:bo + w_out])
                if need_dx:
                    _input_grad(d, p[wo:wo + w_in * w_out].reshape(w_in, w_out), dx)
            elif kind == ACT:
                _act_backward(table[li, CODE], x, y, d, dx)
            elif kind == PRELU:
                wo = table[li, WOFF]
                a = p[wo:wo + w_out]
                ga = g[wo:wo + w_out]
                ga[:] = 0.0
                for r in range(rows):
                    for c in range(w_out):
                        if x[r, c] <= 0:
                            ga[c] += d[r, c] * x[r, c]
                            dx[r, c] = d[r, c] * a[c]
                        else:
                            dx[r, c] = d[r, c]
            elif kind == MAXOUT:
                k = table[li, CODE]
                wide = w_out * k
                dz = z[0:rows * wide].reshape(rows, wide)
                dz[:, :] = 0.0
                for r in range(rows):
                    for c in range(w_out):
                        dz[r, c * k + arg[offs[li + 1] + r * w_out + c]] = d[r, c]
                wo, bo = table[li, WOFF], table[li, BOFF]
                _param_grads(x, dz, g[wo:wo + w_in * wide].reshape(w_in, wide),
                             g[bo:bo + wide])
                if need_dx:
                    _input_grad(dz, p[wo:wo + w_in * wide].reshape(w_in, wide), dx)
            elif kind == DROPOUT:
                if table[li, ROFF] < 0:
                    dx[:, :] = d
                else:
                    _times_mask(d, rand, table[li, ROFF] + row0 * w_out, dx)
            else:  # NOISE
                dx[:, :] = d
            cur, other = other, cur
        # the penalty, on the weights only (the first n_weights entries)
        if reg != 0.0:
            pen = 0.0
            rt = reg_t[0]
            for i in range(n_weights):
                w = p[i]
                if reg_l1:
                    pen += abs(w)
                    g[i] += (1.0 if w > 0 else (-1.0 if w < 0 else w * 0.0)) * rt
                else:
                    pen += w * w
                    g[i] += w * rt
            loss += reg * pen if reg_l1 else 0.5 * reg * pen
        losses[s0 // bs] = loss
        total += loss * rows
        steps += 1
        if not loss <= limit[0]:  # as Trainer.step: one comparison, False for NaN
            if math.isfinite(loss) and limit[0] == -np.inf:
                limit[1] = loss
                _update(opt, hp, lr, t + steps, p, g, s1, s2, one)
                return steps, -2, total
            return steps, s0 // bs, total
        _update(opt, hp, lr, t + steps, p, g, s1, s2, one)
    return steps, status, total

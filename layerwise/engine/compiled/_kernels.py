"""The compiled training step: forward, loss, backward, penalty and update for a run of steps.

Imported only when numba is installed (see :mod:`layerwise.engine.compiled`). One kernel,
:func:`run_steps`, executes a network described by a small integer table (one row per layer) on
the flat parameter and gradient vectors, so that every architecture the table can describe
shares one compiled function per dtype, cached on disk by numba (``cache=True``). The
entry points release the GIL (``nogil=True``): they touch nothing but the arrays they are
given, so another thread (the playground's drawing, a server's event loop) runs beside
a long compiled run instead of waiting for its end.

The step kernel keeps no reference counts (see the note above :func:`_affine`): what it writes
besides its outputs comes from :func:`step_workspace`.

Every formula repeats the NumPy engine's, operation by operation where the order matters for
rounding (the optimizers' update, the stable sigmoid), so that in float64 the two paths agree to
round-off. The exceptions: the matrix products' sums (and the penalty's) are reassociated for
vector instructions, as a BLAS library also does, and in float32 the exponential is this
module's own (:func:`_expf`, within 1 ulp), which vector instructions run.
"""
from __future__ import annotations

import math

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address, overload

# layer kinds (column K of the table)
DENSE, ACT, PRELU, MAXOUT, DROPOUT, NOISE = 0, 1, 2, 3, 4, 5
# activation codes, in the order of the activation table
IDENTITY, SIGMOID, TANH, RELU, LEAKY, ELU, SOFTPLUS, GELU, SILU = range(9)
# losses: layerwise's, then scikit-learn's MLP losses (layerwise.sklearn._solvers.SklearnLoss)
SOFTMAX, HINGE, LOGISTIC, BHINGE, MSE = range(5)
SK_SQUARED, SK_LOG, SK_BINARY_LOG, SK_POISSON, SK_HINGE = range(5, 10)
# optimizers: layerwise's, then scikit-learn's (layerwise.sklearn._solvers)
SGD, ADAGRAD, RMSPROP, ADAM, SK_SGD, SK_ADAM = range(6)
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
#: from this many rows on, a looped product runs along the rows instead, on copies of its
#: operands transposed into the scratch ``bf``: its widths are then a few units (the product is
#: under DOT_MIN), too short a loop for vector instructions, and the rows are not (2-3-2 at
#: batch 100: 0.4-1.9 us a product along the widths, 0.2-0.3 us along the rows; at 8 rows
#: the two are even)
ROW_LOOPS = 16


def _blas_gemm(name):
    """SciPy's Fortran ``?gemm`` (the BLAS numba's ``np.dot`` calls), a function of 13
    addresses. It is called by a symbol's name, registered in each process, so that the
    compiled code that calls it can be cached (a ctypes pointer in it could not)."""
    symbol = f"layerwise_{name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_blas", name))
    return types.ExternalFunction(symbol, types.void(*[types.intp] * 13))


_SGEMM, _DGEMM = _blas_gemm("sgemm"), _blas_gemm("dgemm")
N_OP, T_OP = ord("N"), ord("T")


@njit(cache=True, error_model="numpy", _nrt=False)
def _gemm(ta, tb, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, bi, bf):
    """Column-major ``C (m, n) = op(A) op(B)`` from ``a[ao:]``, ``b[bo:]`` into ``c[co:]``
    (``ta``, ``tb``: :data:`N_OP` or :data:`T_OP`), through BLAS's gemm, which takes every
    argument by address: ``bi`` (int32, 8) and ``bf`` (2, the dtype) hold the scalars. Called
    directly rather than through ``np.dot``, whose result is an array the step's kernel, which
    keeps no reference counts, could not hand back."""
    bi[0], bi[1], bi[2], bi[3], bi[4], bi[5], bi[6], bi[7] = ta, tb, m, n, k, lda, ldb, ldc
    bf[0], bf[1] = 1.0, 0.0
    size = np.intp(a.itemsize)
    pi, pf = np.intp(bi.ctypes.data), np.intp(bf.ctypes.data)
    pa = np.intp(a.ctypes.data) + np.intp(ao) * size
    pb = np.intp(b.ctypes.data) + np.intp(bo) * size
    pc = np.intp(c.ctypes.data) + np.intp(co) * size
    if size == 4:
        _SGEMM(pi, pi + 4, pi + 8, pi + 12, pi + 16, pf, pa, pi + 20, pb, pi + 24, pf + size,
               pc, pi + 28)
    else:
        _DGEMM(pi, pi + 4, pi + 8, pi + 12, pi + 16, pf, pa, pi + 20, pb, pi + 24, pf + size,
               pc, pi + 28)


# The step kernel (`run_steps`) and the helpers it calls are compiled without numba's reference
# counting (``_nrt=False``). Otherwise an array that compiled code takes or hands on is counted
# (an atomic NRT_incref / NRT_decref) wherever numba cannot prove the count needless, and at
# small batches those counts were most of a step: sampled with perf, about 70% of a 2-3-2 step
# at batch 1 (0.59 us a step with them, 0.29 us without). Such code allocates nothing and
# returns no array it made, so its buffers come from `step_workspace` and its products call
# BLAS's gemm themselves (`_gemm`), not through np.dot. The helpers a step calls are leaves of
# loops; the choice between BLAS and loops, and the helpers called once a step, are inlined
# into the step (``inline="always"``), so that a step makes few calls.
@njit(cache=True, error_model="numpy", inline="always")
def _affine(x, xo, w, wo, bo, y, yo, rows, n_in, n_out, bi, bf):
    """``y = x @ wt + b`` on flat buffers: ``x`` (rows, n_in) at ``xo``, ``wt`` (n_in, n_out)
    at ``w[wo]``, ``b`` at ``w[bo]``, ``y`` (rows, n_out) at ``yo``, all row-major (``bi``,
    ``bf``: scratch for :func:`_gemm`'s scalars and for a product along the rows)."""
    if rows * n_in * n_out >= DOT_MIN:
        _affine_blas(x, xo, w, wo, bo, y, yo, rows, n_in, n_out, bi, bf)
    elif rows >= ROW_LOOPS:
        _affine_rows(x, xo, w, wo, bo, y, yo, rows, n_in, n_out, bf)
    else:
        _affine_loops(x, xo, w, wo, bo, y, yo, rows, n_in, n_out)


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _affine_blas(x, xo, w, wo, bo, y, yo, rows, n_in, n_out, bi, bf):
    # row-major y = x wt is column-major y^T = wt^T x^T: both operands as they lie
    _gemm(N_OP, N_OP, n_out, rows, n_in, w, wo, n_out, x, xo, n_in, y, yo, n_out, bi, bf)
    uy, ub, n = np.uint64(yo), np.uint64(bo), np.uint64(n_out)
    for r in range(np.uint64(rows)):
        for o in range(n):
            y[uy + r * n + o] += w[ub + o]


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _affine_loops(x, xo, w, wo, bo, y, yo, rows, n_in, n_out):
    if n_out < NARROW:
        for r in range(rows):
            for o in range(n_out):
                s = 0.0
                for i in range(n_in):
                    s += x[xo + r * n_in + i] * w[wo + i * n_out + o]
                y[yo + r * n_out + o] = s + w[bo + o]
    else:
        for r in range(rows):
            at = yo + r * n_out
            for o in range(n_out):
                y[at + o] = 0.0
            for i in range(n_in):
                xi = x[xo + r * n_in + i]
                wi = wo + i * n_out
                for o in range(n_out):
                    y[at + o] += xi * w[wi + o]
            for o in range(n_out):
                y[at + o] += w[bo + o]


@njit(cache=True, error_model="numpy", _nrt=False)
def _transpose(a, ao, rows, cols, t, to):
    """``t[to:]`` = the ``(rows, cols)`` block at ``a[ao:]``, transposed to ``(cols, rows)``."""
    src, dst = a[ao:ao + rows * cols], t[to:to + rows * cols]
    for c in range(cols):
        for r in range(rows):
            dst[c * rows + r] = src[r * cols + c]


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _columns_product(t, src, n_src, dst, n_dst, rows, w, wo, dst_stride, src_stride):
    """Column ``a`` of ``t[dst:]`` (``n_dst`` columns of ``rows``) = the sum over ``b`` of
    ``w[wo + a * dst_stride + b * src_stride]`` times column ``b`` of ``t[src:]``: a product
    along the rows, each column a contiguous vector."""
    for a in range(n_dst):
        out = t[dst + a * rows:dst + (a + 1) * rows]
        for r in range(rows):
            out[r] = 0.0
        for b in range(n_src):
            wv = w[wo + a * dst_stride + b * src_stride]
            col = t[src + b * rows:src + (b + 1) * rows]
            for r in range(rows):
                out[r] += col[r] * wv


@njit(cache=True, error_model="numpy", _nrt=False)
def _untranspose(t, to, rows, cols, y, yo, w, bo):
    """``y[yo:]`` (rows, cols) = the columns at ``t[to:]``, plus the bias ``w[bo:]`` (``bo``
    < 0: none) added last, as the loops and BLAS paths add it."""
    for c in range(cols):
        col = t[to + c * rows:to + (c + 1) * rows]
        if bo >= 0:
            b = w[bo + c]
            for r in range(rows):
                y[yo + r * cols + c] = col[r] + b
        else:
            for r in range(rows):
                y[yo + r * cols + c] = col[r]


@njit(cache=True, error_model="numpy", _nrt=False)
def _affine_rows(x, xo, w, wo, bo, y, yo, rows, n_in, n_out, bf):
    """:func:`_affine` along the rows: ``y^T = wt^T x^T`` on transposed copies in ``bf[2:]``
    (``x^T``, then ``y^T``)."""
    xt0, yt0 = 2, 2 + rows * n_in
    _transpose(x, xo, rows, n_in, bf, xt0)
    _columns_product(bf, xt0, n_in, yt0, n_out, rows, w, wo, 1, n_out)
    _untranspose(bf, yt0, rows, n_out, y, yo, w, bo)


@njit(cache=True, error_model="numpy", inline="always")
def _param_grads(x, xo, d, do, g, wo, bo, rows, n_in, n_out, bi, bf):
    """``gwt = x^T d`` into ``g[wo:]`` (the transposed weight gradient) and the bias gradient
    ``sum over rows of d`` into ``g[bo:]``."""
    if rows * n_in * n_out >= DOT_MIN:
        _param_grads_blas(x, xo, d, do, g, wo, bo, rows, n_in, n_out, bi, bf)
    elif rows >= ROW_LOOPS:
        _param_grads_rows(x, xo, d, do, g, wo, bo, rows, n_in, n_out, bf)
    else:
        _param_grads_loops(x, xo, d, do, g, wo, bo, rows, n_in, n_out)


@njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _bias_grads(d, do, g, bo, rows, n_out):
    gb = g[bo:bo + n_out]
    dv = d[do:do + rows * n_out]
    for o in range(n_out):
        gb[o] = 0.0
    for r in range(rows):
        at = r * n_out
        for o in range(n_out):
            gb[o] += dv[at + o]


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _param_grads_blas(x, xo, d, do, g, wo, bo, rows, n_in, n_out, bi, bf):
    _bias_grads(d, do, g, bo, rows, n_out)
    # row-major gwt = x^T d is column-major gwt^T = d^T x: d as it lies, x transposed
    _gemm(N_OP, T_OP, n_out, n_in, rows, d, do, n_out, x, xo, n_in, g, wo, n_out, bi, bf)


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _param_grads_loops(x, xo, d, do, g, wo, bo, rows, n_in, n_out):
    _bias_grads(d, do, g, bo, rows, n_out)
    if n_out < NARROW:
        for o in range(n_out):
            for i in range(n_in):
                s = 0.0
                for r in range(rows):
                    s += x[xo + r * n_in + i] * d[do + r * n_out + o]
                g[wo + i * n_out + o] = s
    else:
        for k in range(n_in * n_out):
            g[wo + k] = 0.0
        for r in range(rows):
            for i in range(n_in):
                xi = x[xo + r * n_in + i]
                gi = wo + i * n_out
                for o in range(n_out):
                    g[gi + o] += xi * d[do + r * n_out + o]


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _param_grads_rows(x, xo, d, do, g, wo, bo, rows, n_in, n_out, bf):
    """:func:`_param_grads` along the rows: each entry a dot product of two contiguous columns
    of the transposed copies ``x^T``, ``d^T`` in ``bf[2:]``."""
    xt0, dt0 = 2, 2 + rows * n_in
    _transpose(x, xo, rows, n_in, bf, xt0)
    _transpose(d, do, rows, n_out, bf, dt0)
    for o in range(n_out):
        dt = bf[dt0 + o * rows:dt0 + (o + 1) * rows]
        s = 0.0
        for r in range(rows):
            s += dt[r]
        g[bo + o] = s
    for i in range(n_in):
        xt = bf[xt0 + i * rows:xt0 + (i + 1) * rows]
        for o in range(n_out):
            dt = bf[dt0 + o * rows:dt0 + (o + 1) * rows]
            s = 0.0
            for r in range(rows):
                s += xt[r] * dt[r]
            g[wo + i * n_out + o] = s


@njit(cache=True, error_model="numpy", inline="always")
def _input_grad(d, do, w, wo, dx, dxo, rows, n_in, n_out, bi, bf):
    """``dx = d @ wt^T``."""
    if rows * n_in * n_out >= DOT_MIN:
        _input_grad_blas(d, do, w, wo, dx, dxo, rows, n_in, n_out, bi, bf)
    elif rows >= ROW_LOOPS:
        _input_grad_rows(d, do, w, wo, dx, dxo, rows, n_in, n_out, bf)
    else:
        _input_grad_loops(d, do, w, wo, dx, dxo, rows, n_in, n_out)


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _input_grad_blas(d, do, w, wo, dx, dxo, rows, n_in, n_out, bi, bf):
    # row-major dx = d wt^T is column-major dx^T = wt d^T: wt transposed, d as it lies
    _gemm(T_OP, N_OP, n_in, rows, n_out, w, wo, n_out, d, do, n_out, dx, dxo, n_in, bi, bf)


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _input_grad_loops(d, do, w, wo, dx, dxo, rows, n_in, n_out):
    for r in range(rows):
        for i in range(n_in):
            s = 0.0
            for o in range(n_out):
                s += d[do + r * n_out + o] * w[wo + i * n_out + o]
            dx[dxo + r * n_in + i] = s


@njit(cache=True, error_model="numpy", _nrt=False)
def _input_grad_rows(d, do, w, wo, dx, dxo, rows, n_in, n_out, bf):
    """:func:`_input_grad` along the rows: ``dx^T = wt d^T`` on transposed copies in
    ``bf[2:]`` (``d^T``, then ``dx^T``)."""
    dt0, xt0 = 2, 2 + rows * n_out
    _transpose(d, do, rows, n_out, bf, dt0)
    _columns_product(bf, dt0, n_out, xt0, n_in, rows, w, wo, n_out, 1)
    _untranspose(bf, xt0, rows, n_in, dx, dxo, w, -1)


# -- the exponential ---------------------------------------------------------------------------
_LOG2E = np.float32(1.4426950408889634)
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)  # hi has 9 bits: k*hi exact
_EXP_MIN, _EXP_MAX = np.float32(-104.0), np.float32(88.8)  # past them exp is 0 or inf anyway
# exp(r) - 1 - r over |r| <= ln2/2, divided by r^2: Cephes's expf polynomial
_EXP_POLY = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                          4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))


def _exp(x):
    """``exp(x)`` in the compiled kernels: libm's for float64, and for float32 the function
    below, which vector instructions run (libm's ``expf`` is a call per value)."""
    return math.exp(x)


def _expf(x):
    """float32 ``exp``: ``2^k exp(r)`` with ``k = round(x / ln 2)``, ``r = x - k ln 2`` (in
    two parts, so that ``r`` is exact), ``exp(r)`` a degree-7 polynomial, and ``2^k`` applied
    as two powers of two built from their bits, so that results down in the subnormal range
    round once, at the last product. Within 1 ulp of the exact value over the whole range
    (0.27 ulp on average; libm's ``expf``: within 0.5), NaN, infinities and underflow as
    libm's; about 1 ns a value in a loop against 4.8 ns for libm's here."""
    c0, c1, c2, c3, c4, c5 = _EXP_POLY
    xc = min(max(x, _EXP_MIN), _EXP_MAX)  # NaN passes through min and max
    k = np.floor(xc * _LOG2E + np.float32(0.5))
    r = (xc - k * _LN2_HI) - k * _LN2_LO
    poly = (((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5) * (r * r) + r \
        + np.float32(1.0)
    ki = np.int32(k)
    k1 = ki >> 1
    scale1 = np.int32((k1 + 127) << 23).view(np.float32)
    scale2 = np.int32((ki - k1 + 127) << 23).view(np.float32)
    return (poly * scale1) * scale2


@overload(_exp, inline="always")
def _exp_typed(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return _expf
    return lambda x: math.exp(x)


# -- activations, as in layerwise.engine.activations ------------------------------------------
@njit(cache=True, error_model="numpy", _nrt=False)
def _sigmoid(v):
    z = _exp(-abs(v))
    return (1.0 if v >= 0 else z) / (1.0 + z)


@njit(cache=True, error_model="numpy", _nrt=False)
def _act_forward(code, h, xo, yo, count):
    """``h[yo:] = f(h[xo:])`` over ``count`` values (a layer's input and output both lie in
    the buffer of every layer's outputs). One loop per activation: a branch on ``code`` inside
    the loop would keep the compiler from vectorizing it. The loops index slices by their loop
    counter: an index computed from an offset could be negative as far as the compiler knows,
    and its wraparound check keeps a loop scalar (4-5x slower over 10,000 values)."""
    src = h[xo:xo + count]
    dst = h[yo:yo + count]
    if code == RELU:
        for k in range(count):
            v = src[k]
            dst[k] = 0.0 if v <= 0 else v  # NaN passes, as through np.maximum(x, 0)
    elif code == IDENTITY:
        for k in range(count):
            dst[k] = src[k]
    elif code == SIGMOID:
        for k in range(count):
            dst[k] = _sigmoid(src[k])
    elif code == TANH:
        for k in range(count):
            dst[k] = math.tanh(src[k])
    elif code == LEAKY:
        for k in range(count):
            v = src[k]
            dst[k] = max(v, LEAKY_SLOPE * v)
    elif code == ELU:
        for k in range(count):
            v = src[k]
            dst[k] = v if v > 0 else math.expm1(min(v, 0.0))
    elif code == SOFTPLUS:
        for k in range(count):
            v = src[k]
            dst[k] = max(v, 0.0) + math.log1p(math.exp(-abs(v)))
    elif code == GELU:
        for k in range(count):
            v = src[k]
            xc = min(max(v, -GELU_CLIP), GELU_CLIP)
            inner = SQRT_2_OVER_PI * (xc + 0.044715 * xc ** 3.0)
            dst[k] = (0.5 * v) * (1.0 + math.tanh(inner))
    else:  # SILU
        for k in range(count):
            v = src[k]
            dst[k] = v * _sigmoid(v)


@njit(cache=True, error_model="numpy", _nrt=False)
def _act_backward(code, h, xo, yo, d, do, dx, dxo, count):
    """``dx = d * f'(x)``, the derivative from ``x`` or ``y`` as the table takes it (one loop
    per activation, and over slices, as in :func:`_act_forward`)."""
    xs = h[xo:xo + count]
    ys = h[yo:yo + count]
    ds = d[do:do + count]
    out = dx[dxo:dxo + count]
    if code == RELU:
        for k in range(count):
            out[k] = ds[k] * (1.0 if ys[k] > 0 else 0.0)
    elif code == IDENTITY:
        for k in range(count):
            out[k] = ds[k] * 1.0
    elif code == SIGMOID:
        for k in range(count):
            y = ys[k]
            out[k] = ds[k] * (y * (1.0 - y))
    elif code == TANH:
        for k in range(count):
            y = ys[k]
            out[k] = ds[k] * (1.0 - y * y)
    elif code == LEAKY:
        for k in range(count):
            out[k] = ds[k] * (1.0 if ys[k] > 0 else LEAKY_SLOPE)
    elif code == ELU:
        for k in range(count):
            x = xs[k]
            out[k] = ds[k] * (1.0 if x > 0 else math.exp(min(x, 0.0)))
    elif code == SOFTPLUS:
        for k in range(count):
            out[k] = ds[k] * _sigmoid(xs[k])
    elif code == GELU:
        for k in range(count):
            v = min(max(xs[k], -GELU_CLIP), GELU_CLIP)
            v2 = v * v
            t = math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v2))
            f = (0.5 * (1.0 + t)
                 + 0.5 * v * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * v2))
            out[k] = ds[k] * f
    else:  # SILU
        for k in range(count):
            x = xs[k]
            s = _sigmoid(x)
            out[k] = ds[k] * (s * (1.0 + x * (1.0 - s)))


# -- losses, as in layerwise.engine.losses: the mean loss, and dL/dscores into d -------------
@njit(cache=True, error_model="numpy", inline="always")
def _loss(code, h, so, rows, c, yi, yf, sw, clip, lo, d, bf):
    """The mean loss of the scores ``(rows, c)`` at ``h[so]`` against the labels ``yi[lo:]``
    or targets ``yf[lo:]``; dL/dscores into ``d`` (row-major, from 0). scikit-learn's losses
    also take the sample weights ``sw[lo:]`` (empty: none) and the bounds ``clip`` of their
    probabilities (see :func:`_sk_loss`). ``bf`` is scratch of the scores' dtype (two
    entries)."""
    if code >= SK_SQUARED:
        return _sk_loss(code, h, so, rows, c, yi, yf, sw, clip, lo, d)
    total = 0.0
    if code == SOFTMAX:
        # N and 1/N in the scores' dtype, so that dL/ds = e / (sum * N) - onehot / N takes
        # the NumPy engine's operations in its dtype (float32 products and quotients)
        bf[0], bf[1] = rows, 1.0 / rows
        n_t, inv_t = bf[0], bf[1]
        _exp_shifted(h, so, rows, c, d)
        for r in range(rows):
            at = so + r * c
            tot = _row_sum(d, r * c, c)
            label = yi[lo + r]
            total += math.log(tot) - (h[at + label] - _row_max(h, at, c))
            scale = tot * n_t
            for j in range(c):
                d[r * c + j] = d[r * c + j] / scale
            d[r * c + label] -= inv_t
    elif code == HINGE:
        for r in range(rows):
            total += _hinge_row(h, so + r * c, c, yi[lo + r], d, r * c)
            for j in range(c):
                d[r * c + j] = d[r * c + j] / rows
    elif code == LOGISTIC:
        for r in range(rows):
            v = h[so + r]
            t = yf[lo + r, 0]
            total += max(v, 0.0) + math.log1p(math.exp(-abs(v))) - t * v
            d[r] = (_sigmoid(v) - t) / rows
    elif code == BHINGE:
        for r in range(rows):
            t = 1.0 if yi[lo + r] > 0 else -1.0
            m = 1.0 - t * h[so + r]
            if m > 0:
                total += m
                d[r] = -t / rows
            else:
                d[r] = 0.0
    else:  # MSE
        size = rows * c
        for r in range(rows):
            for j in range(c):
                diff = h[so + r * c + j] - yf[lo + r, j]
                total += diff * diff
                d[r * c + j] = diff * (2.0 / size)
        return total / size
    return total / rows


@njit(cache=True, error_model="numpy", inline="always")
def _row_max(h, at, c):
    m = h[at]
    for j in range(1, c):
        if h[at + j] > m:
            m = h[at + j]
    return m


@njit(cache=True, error_model="numpy", inline="always")
def _row_sum(d, at, c):
    """The sum of ``d[at:at + c]``, kept in ``d``'s dtype, as NumPy's row sums are, so that a
    float32 net takes a float32 logarithm of it (libm's double ``log`` was a tenth of a 2-3-2
    step at batch 100)."""
    tot = d[at]
    for j in range(1, c):
        tot += d[at + j]
    return tot


@njit(cache=True, error_model="numpy", inline="always")
def _exp_shifted(h, so, rows, c, d):
    """``d`` (rows, c, from 0) = ``exp(z - max z)`` for each row ``z`` of the scores at
    ``h[so:]``, a stable softmax's numerators: the shifts row by row, then the exponentials in
    one loop over the block, which vector instructions run (:func:`_exp`)."""
    for r in range(rows):
        at = so + r * c
        m = _row_max(h, at, c)
        for j in range(c):
            d[r * c + j] = h[at + j] - m
    block = d[:rows * c]
    for k in range(rows * c):
        block[k] = _exp(block[k])


@njit(cache=True, error_model="numpy", inline="always")
def _hinge_row(h, at, c, label, d, do):
    """The multiclass SVM loss of one row of scores ``h[at:at + c]``, ``sum over j != label of
    max(0, z_j - z_label + 1)``, returned; its gradient into ``d[do:]`` (1 where a margin is
    positive, minus their count at the label)."""
    sy = h[at + label]
    count = 0.0
    total = 0.0
    for j in range(c):
        m = h[at + j] - sy + 1.0
        if j != label and m > 0:
            total += m
            d[do + j] = 1.0
            count += 1.0
        else:
            d[do + j] = 0.0
    d[do + label] = -count
    return total


@njit(cache=True, error_model="numpy", inline="always")
def _norm(sw, lo, rows):
    """What scikit-learn divides a batch's loss and penalty by: its size, or the sum of its
    sample weights ``sw[lo:lo + rows]``."""
    if sw.shape[0] == 0:
        return float(rows)
    s = 0.0
    for r in range(rows):
        s += sw[lo + r]
    return s


@njit(cache=True, error_model="numpy")
def _clipped(p, lo, hi):
    """``p`` clipped to ``[lo, hi]``, NaN kept (as ``np.minimum(np.maximum(p, lo), hi)``)."""
    return lo if p < lo else (hi if p > hi else p)


@njit(cache=True, error_model="numpy")
def _xlogy(x, y):
    """``scipy.special.xlogy``: 0 where ``x`` is 0 (and ``y`` is not NaN), else ``x log y``."""
    if x == 0 and not math.isnan(y):
        return 0.0
    return x * math.log(y)


@njit(cache=True, error_model="numpy", inline="always")
def _sk_loss(code, h, so, rows, c, yi, yf, sw, clip, lo, d):
    """scikit-learn's MLP losses of the linear scores ``z (rows, c)`` at ``h[so]``, as
    :class:`layerwise.sklearn._solvers.SklearnLoss` computes them: the output activation ``p =
    f(z)`` applied here, ``dL/dz = (p - y) w / norm`` into ``d`` (``w`` the row's sample weight
    ``sw[lo + r]``, or none; ``norm`` the batch's size or weight sum), and the value: per
    output, the weighted sum over rows of the loss terms over ``norm``, summed over the outputs
    (averaged for the squared error). Probabilities enter the logarithms clipped to
    ``[clip[0], clip[1]]`` (``eps``, ``1 - eps`` of the dtype).

    - SK_SQUARED (identity): terms ``(z - y)^2 / 2``;
    - SK_LOG (softmax): ``-y log p``, ``y`` one-hot ``yf[lo:]``;
    - SK_BINARY_LOG (logistic, one unit per label): ``-[y log p + (1 - y) log(1 - p)]``;
    - SK_POISSON (exp): ``y log(y / p) - y + p``;
    - SK_HINGE (identity): the multiclass SVM loss of the integer labels ``yi[lo:]``.
    """
    weighted = sw.shape[0] > 0
    norm = _norm(sw, lo, rows)
    lo_p, hi_p = clip[0], clip[1]
    total = 0.0
    if code == SK_LOG:
        _exp_shifted(h, so, rows, c, d)
    for r in range(rows):
        at = so + r * c
        w = sw[lo + r] if weighted else 1.0
        terms = 0.0
        if code == SK_LOG:
            tot = _row_sum(d, r * c, c)
            for j in range(c):
                p = d[r * c + j] / tot
                y = yf[lo + r, j]
                # where y is 0 its term is 0 (the clipped p is finite): the logarithm is
                # taken where y is not, or where p is NaN, which must reach the loss; one a
                # row for one-hot targets instead of one a class
                if y != 0 or p != p:
                    terms -= math.log(_clipped(p, lo_p, hi_p)) * y
                d[r * c + j] = p - y
        elif code == SK_HINGE:
            terms = _hinge_row(h, at, c, yi[lo + r], d, r * c)
        else:
            for j in range(c):
                z = h[at + j]
                y = yf[lo + r, j]
                if code == SK_SQUARED:
                    diff = z - y
                    terms += 0.5 * (diff * diff)
                    d[r * c + j] = diff
                elif code == SK_BINARY_LOG:
                    p = 1.0 / (1.0 + math.exp(-z))  # scipy's expit
                    q = _clipped(p, lo_p, hi_p)
                    terms -= _xlogy(y, q) + _xlogy(1.0 - y, 1.0 - q)
                    d[r * c + j] = p - y
                else:  # SK_POISSON
                    p = math.exp(z)
                    terms += _xlogy(y, y / p) - y + p
                    d[r * c + j] = p - y
        if weighted:
            total += terms * w
            for j in range(c):
                d[r * c + j] = (d[r * c + j] * w) / norm
        else:
            total += terms
            for j in range(c):
                d[r * c + j] = d[r * c + j] / norm
    value = total / norm
    return value / c if code == SK_SQUARED else value


# -- the optimizers' updates, as in layerwise.engine.optim ------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
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
    elif opt == SK_SGD:
        # scikit-learn's: v = momentum v - lr g; p += v, or with Nesterov p += momentum v - lr g
        one[0] = lr
        lr_t = one[0]
        one[0] = hp[0]
        m = one[0]
        if hp[1] != 0.0:
            for i in range(n):
                s1[i] = s1[i] * m - g[i] * lr_t
                p[i] += s1[i] * m - g[i] * lr_t
        else:
            for i in range(n):
                s1[i] = s1[i] * m - g[i] * lr_t
                p[i] += s1[i]
    else:  # ADAM, SK_ADAM: the same moments; they differ in where eps and the correction enter
        one[0] = hp[0]
        b1_t = one[0]
        one[0] = 1.0 - hp[0]
        c1 = one[0]
        one[0] = hp[1]
        b2_t = one[0]
        one[0] = 1.0 - hp[1]
        c2 = one[0]
        one[0] = hp[2]
        eps = one[0]
        if opt == ADAM:
            one[0] = math.sqrt(1.0 - hp[1] ** float(t))
            corr2 = one[0]
            one[0] = lr / (1.0 - hp[0] ** float(t))
            step = one[0]
            for i in range(n):
                _moments(s1, s2, g, i, b1_t, c1, b2_t, c2)
                p[i] -= (s1[i] / (math.sqrt(s2[i]) / corr2 + eps)) * step
        else:
            # scikit-learn's: the correction folded into the rate, eps added to sqrt(v)
            rate = -(lr * math.sqrt(1.0 - hp[1] ** float(t)) / (1.0 - hp[0] ** float(t)))
            for i in range(n):
                _moments(s1, s2, g, i, b1_t, c1, b2_t, c2)
                p[i] += (s1[i] * rate) / (math.sqrt(s2[i]) + eps)


# Reassociation only: the sum may be split across vector lanes (as BLAS's dot splits it;
# without it each add waits on the one before: 15,000 weights took 10-11 us against 3-4 us),
# while each gradient entry keeps NumPy's separate multiply and add (no fused multiply-add).
@njit(cache=True, fastmath={"reassoc"}, error_model="numpy", _nrt=False)
def _penalty(w, g, rt, reg_l1):
    """The weight penalty's gradient added to ``g``, as
    :func:`layerwise.engine.losses.regularization` adds it, ``rt * sign(w)`` (L1, NaN kept)
    or ``w * rt`` (L2), and the penalty's sum returned, ``sum |w|`` or ``w . w``, in one pass
    over the weights. ``w`` and ``g`` are slices indexed from 0, so the loops vectorize."""
    s = 0.0
    if reg_l1:
        for i in range(w.shape[0]):
            v = w[i]
            g[i] += (1.0 if v > 0 else (-1.0 if v < 0 else v * 0.0)) * rt
            s += abs(v)
    else:
        for i in range(w.shape[0]):
            v = w[i]
            g[i] += v * rt
            s += v * v
    return s


#: elements per block of :func:`penalized_update`: a block's parameters, gradients and state
#: stay in cache between its penalty pass and its update pass
UPDATE_BLOCK = 4096


@njit(cache=True, error_model="numpy", nogil=True)
def penalized_update(opt, hp, lr, t, p, g, s1, s2, n_weights, reg, reg_l1):
    """The penalty's gradient added to the weights' gradients (the first ``n_weights``
    entries), then the optimizer's update: :func:`layerwise.engine.losses.regularization`'s
    gradient and ``optimizer.step()`` of the NumPy engine, with their operations, block by
    block, so that a big network's parameters go through memory once a step instead of six
    times. ``reg`` is the strength (0: none), ``reg_l1`` true for L1.

    Returns ``sum(w**2)`` over the weights before the update (0 for L1 or no penalty): the L2
    penalty's sum, taken on the way, block by block.
    """
    n = p.shape[0]
    one = np.empty(1, p.dtype)
    one[0] = reg
    rt = one[0]
    squares = 0.0
    for a in range(0, n, UPDATE_BLOCK):
        b = min(a + UPDATE_BLOCK, n)
        if reg != 0.0 and a < n_weights:
            # slices indexed from 0: an index offset by `a` would carry a wraparound check
            # that keeps the loop from vectorizing (4-6x slower here)
            pw, gw = p[a:min(b, n_weights)], g[a:min(b, n_weights)]
            pen = _penalty(pw, gw, rt, reg_l1)
            if not reg_l1:
                squares += pen
        _update(opt, hp, lr, t, p[a:b], g[a:b], s1[a:b], s2[a:b], one)
    return squares


@njit(cache=True, error_model="numpy", inline="always")
def _moments(m, v, g, i, b1, c1, b2, c2):
    """Adam's moment estimates at ``i``, as :func:`layerwise.engine.optim.update_moments`:
    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2`` (``c1``, ``c2`` are ``1-b1``, ``1-b2``)."""
    m[i] = m[i] * b1 + g[i] * c1
    v[i] = v[i] * b2 + (g[i] * g[i]) * c2


# -- the steps ----------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy", _nrt=False)
def _times_mask(a, ao, rand, ro, out, oo, count):
    """``out[oo:] = a[ao:] * mask`` over ``count`` values, the dropout mask stored in ``rand``
    from ``ro`` on (forward and backward of inverted dropout are the same product)."""
    src, mask, dst = a[ao:ao + count], rand[ro:ro + count], out[oo:oo + count]
    for k in range(count):  # over slices, as in _act_forward
        dst[k] = src[k] * mask[k]


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
    # gemm's two scalars, then room for the two transposed operands of a product along the rows
    bf = np.empty(2 + 2 * bs * max(wmax, zbig), dt)
    return widths, offs, acts, z, arg, buf_a, buf_b, np.empty(8, np.int32), bf


@njit(cache=True, error_model="numpy")
def step_workspace(table, n_in, bs, p, yf, sw):
    """Everything :func:`run_steps` writes besides its outputs, made here because the step
    kernel keeps no reference counts and so allocates nothing: :func:`_workspace`'s buffers,
    then a batch's labels, targets and sample weights, and two scalars' slots."""
    dt = p.dtype
    return _workspace(table, n_in, bs, p) + (
        np.empty(bs, np.int64), np.empty((bs, yf.shape[1]), dt),
        np.empty(bs if sw.shape[0] else 0, sw.dtype), np.empty(1, dt), np.empty(1, dt))


@njit(cache=True, error_model="numpy", nogil=True)
def evaluate(X, yi, yf, sw, clip, table, p, loss_code, units, chunk, alive):
    """One evaluation-mode pass over ``X`` in chunks of ``chunk`` rows (no dropout, no noise).

    Returns ``(sum over chunks of mean loss times rows, samples classified correctly)``;
    ``loss_code`` < 0 skips the loss, an empty ``yi`` and ``yf`` skip the accuracy; ``sw`` and
    ``clip`` are as for :func:`run_steps`. For each
    layer ``li`` with ``units[li] != 0`` (1: decided by the layer's input, 2: by its output),
    ``alive[li, u]`` is set where unit ``u`` is positive on some sample.
    """
    n_layers = table.shape[0]
    n, n_in = X.shape
    widths, offs, acts, z, arg, d_buf, _, bi, bf = _workspace(table, n_in, chunk, p)
    rand = np.empty(0, p.dtype)
    n_out = widths[n_layers]
    so = offs[n_layers]
    total = 0.0
    correct = 0
    for s0 in range(0, n, chunk):
        rows = min(chunk, n - s0)
        for r in range(rows):
            for i in range(n_in):
                acts[r * n_in + i] = X[s0 + r, i]
        _forward(table, widths, offs, acts, z, arg, p, rand, 0, rows, False, bi, bf)
        for li in range(n_layers):
            if units[li] == 0:
                continue
            at = li if units[li] == 1 else li + 1
            w = widths[at]
            for r in range(rows):
                for c in range(w):
                    if acts[offs[at] + r * w + c] > 0:
                        alive[li, c] = True
        if loss_code >= 0:
            total += _loss(loss_code, acts, so, rows, n_out, yi, yf, sw, clip, s0, d_buf, bf) \
                * rows
        if yi.shape[0] or yf.shape[0]:
            for r in range(rows):
                at = so + r * n_out
                if n_out == 1:
                    label = yi[s0 + r] if yi.shape[0] else yf[s0 + r, 0]
                    correct += (acts[at] > 0) == (label > 0)
                else:
                    best = 0
                    for j in range(1, n_out):
                        if acts[at + j] > acts[at + best]:
                            best = j
                    correct += best == yi[s0 + r]
    return total, correct


@njit(cache=True, error_model="numpy", inline="always")
def _forward(table, widths, offs, acts, z, arg, p, rand, row0, rows, train, bi, bf):
    """The forward pass of ``rows`` rows, from ``acts``' first block (the input) to its last
    (the scores). In training, dropout and noise take their numbers from ``rand`` at row
    ``row0``; otherwise they are the identity, as in evaluation mode."""
    n_layers = table.shape[0]
    for li in range(n_layers):
        kind = table[li, K]
        w_in, w_out = widths[li], widths[li + 1]
        xo, yo = offs[li], offs[li + 1]
        count = rows * w_out
        if kind == DENSE:
            _affine(acts, xo, p, table[li, WOFF], table[li, BOFF], acts, yo, rows, w_in, w_out,
                    bi, bf)
        elif kind == ACT:
            _act_forward(table[li, CODE], acts, xo, yo, count)
        elif kind == PRELU:
            wo = table[li, WOFF]
            for r in range(rows):
                for c in range(w_out):
                    v = acts[xo + r * w_out + c]
                    acts[yo + r * w_out + c] = v if v > 0 else p[wo + c] * v
        elif kind == MAXOUT:
            k = table[li, CODE]
            wide = w_out * k
            _affine(acts, xo, p, table[li, WOFF], table[li, BOFF], z, 0, rows, w_in, wide, bi, bf)
            for r in range(rows):
                for c in range(w_out):
                    at = r * wide + c * k
                    best = 0
                    for q in range(1, k):
                        # argmax's rule: the first maximum, and the first NaN over any number
                        v, b = z[at + q], z[at + best]
                        if v > b or (v != v and b == b):
                            best = q
                    arg[yo + r * w_out + c] = best
                    acts[yo + r * w_out + c] = z[at + best]
        elif table[li, ROFF] < 0 or not train:  # dropout or noise, idle
            for k in range(count):
                acts[yo + k] = acts[xo + k]
        elif kind == DROPOUT:
            _times_mask(acts, xo, rand, table[li, ROFF] + row0 * w_out, acts, yo, count)
        else:  # NOISE
            ro = table[li, ROFF] + row0 * w_out
            for k in range(count):
                acts[yo + k] = acts[xo + k] + rand[ro + k]


@njit(cache=True, fastmath=_FAST, error_model="numpy", _nrt=False)
def _total(p):
    """``sum(p)`` in float64, where a float32 store's sum cannot overflow: NaN or infinite
    exactly when some entry is, the cheap half of the NumPy engine's finiteness check."""
    s = 0.0
    for i in range(p.shape[0]):
        s += p[i]
    return s


@njit(cache=True, error_model="numpy", nogil=True, _nrt=False)
def run_steps(X, perm, start, bs, yi, yf, sw, clip, table, p, g, rand, loss_code, first,
              reg, reg_l1, batch_reg, n_weights, opt, hp, lr, t, s1, s2, losses, limit, total,
              work):
    """Train on the rows ``X[perm[start:]]`` in minibatches of ``bs``, in order; one step
    per batch, the first of them step ``t + 1`` of the optimizer.

    ``table`` describes the layers (see the column constants); ``rand`` holds the dropout
    masks and input noise of these steps, drawn beforehand in NumPy (each random layer's block
    is ``rows x width`` at its offset, rows in step order); ``yi`` holds integer labels and
    ``yf`` real targets ``(N, outputs)``, whichever the loss takes (the other may be empty);
    ``sw`` the sample weights and ``clip`` the probability bounds of scikit-learn's losses
    (see :func:`_sk_loss`; ``sw`` empty: unweighted). With ``batch_reg``, ``reg`` is
    scikit-learn's ``alpha`` and each batch's L2 strength is ``alpha / norm`` (its size or weight
    sum: the penalty ``alpha/2 ||W||^2 / norm``).
    Writes each step's loss (data loss plus penalty) to ``losses`` (indexed by step from the
    start of ``perm``) and adds loss times rows to ``total``; returns ``(steps taken, status,
    total, the sum of the parameters after the last update)``, the sum for the caller's check
    that every weight is still finite (NaN after a divergence, where it is not needed). A loss
    diverges when it is not finite or exceeds ``limit[0]``, the trainer's explosion limit:
    status is then that step's index, its update is not applied and no step follows. While
    the limit is -inf (no reference loss yet), the first finite loss is written
    to ``limit[1]``, its update applied, and the call returns with status -2 so that the caller
    sets the limit from it; status -1 means every step ran.

    Every buffer is read through flat offsets: a small net's step would otherwise spend a good
    part of its time making array views (some 30 ns each here). ``work`` is
    :func:`step_workspace`'s: this kernel is compiled without numba's reference counting
    (``_nrt=False``), so it allocates nothing. Its counts were the step's largest cost at
    small batches: sampled by ``perf``, about 70% of a 2-3-2 step at batch 1 was spent in
    ``NRT_incref``/``NRT_decref`` on the arrays the inlined helpers take (0.59 -> 0.29 µs
    a step without them).
    """
    n_layers = table.shape[0]
    dt = p.dtype
    n_in = X.shape[1]
    widths, offs, acts, z, arg, buf_a, buf_b, bi, bf, yib, yfb, swb, one, reg_t = work
    n = perm.shape[0]
    n_out = widths[n_layers]
    steps = 0
    reg_t[0] = reg
    last_row = X.shape[0] - 1
    for s0 in range(start, n, bs):
        rows = min(bs, n - s0)
        for r in range(rows):
            # clipped, as the NumPy path's np.take(..., mode="clip"): never outside X
            row = min(max(perm[s0 + r], 0), last_row)
            for i in range(n_in):
                acts[r * n_in + i] = X[row, i]
            if yi.shape[0]:
                yib[r] = yi[row]
            for j in range(yf.shape[1] if yf.shape[0] else 0):
                yfb[r, j] = yf[row, j]
            if sw.shape[0]:
                swb[r] = sw[row]
        _forward(table, widths, offs, acts, z, arg, p, rand, s0, rows, True, bi, bf)
        loss = _loss(loss_code, acts, offs[n_layers], rows, n_out, yib, yfb, swb, clip, 0,
                     buf_a, bf)
        # backward, down to the first layer with parameters (no input gradient there)
        cur, other = buf_a, buf_b
        for li in range(n_layers - 1, first - 1, -1):
            kind = table[li, K]
            w_in, w_out = widths[li], widths[li + 1]
            xo, yo = offs[li], offs[li + 1]
            need_dx = li > first
            if kind == DENSE:
                wo, bo = table[li, WOFF], table[li, BOFF]
                _param_grads(acts, xo, cur, 0, g, wo, bo, rows, w_in, w_out, bi, bf)
                if need_dx:
                    _input_grad(cur, 0, p, wo, other, 0, rows, w_in, w_out, bi, bf)
            elif kind == ACT:
                _act_backward(table[li, CODE], acts, xo, yo, cur, 0, other, 0, rows * w_out)
            elif kind == PRELU:
                wo = table[li, WOFF]
                for c in range(w_out):
                    g[wo + c] = 0.0
                for r in range(rows):
                    for c in range(w_out):
                        k = r * w_out + c
                        x = acts[xo + k]
                        if x <= 0:
                            g[wo + c] += cur[k] * x
                            other[k] = cur[k] * p[wo + c]
                        else:
                            other[k] = cur[k]
            elif kind == MAXOUT:
                k = table[li, CODE]
                wide = w_out * k
                for q in range(rows * wide):
                    z[q] = 0.0
                for r in range(rows):
                    for c in range(w_out):
                        z[r * wide + c * k + arg[yo + r * w_out + c]] = cur[r * w_out + c]
                wo, bo = table[li, WOFF], table[li, BOFF]
                _param_grads(acts, xo, z, 0, g, wo, bo, rows, w_in, wide, bi, bf)
                if need_dx:
                    _input_grad(z, 0, p, wo, other, 0, rows, w_in, wide, bi, bf)
            elif kind == DROPOUT and table[li, ROFF] >= 0:
                _times_mask(cur, 0, rand, table[li, ROFF] + s0 * w_out, other, 0, rows * w_out)
            else:  # noise, or idle dropout: the identity
                for q in range(rows * w_out):
                    other[q] = cur[q]
            cur, other = other, cur
        # the penalty, on the weights only (the first n_weights entries)
        if reg != 0.0:
            if batch_reg:
                strength = reg / _norm(swb, 0, rows)
                reg_t[0] = strength
            else:
                strength = reg
            pen = _penalty(p[:n_weights], g[:n_weights], reg_t[0], reg_l1)
            loss += strength * pen if reg_l1 else 0.5 * strength * pen
        losses[s0 // bs] = loss
        total += loss * rows
        steps += 1
        if not loss <= limit[0]:  # as Trainer.step: one comparison, False for NaN
            if math.isfinite(loss) and limit[0] == -np.inf:
                limit[1] = loss
                _update(opt, hp, lr, t + steps, p, g, s1, s2, one)
                return steps, -2, total, _total(p)
            return steps, s0 // bs, total, np.nan
        _update(opt, hp, lr, t + steps, p, g, s1, s2, one)
    return steps, -1, total, _total(p)

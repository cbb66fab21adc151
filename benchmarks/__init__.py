"""The benchmark harness: layerwise against PyTorch (eager, CPU) and scikit-learn's
``MLPClassifier``, on the seed's networks, in one run on one machine.

``python -m benchmarks`` (or ``layerwise bench``) runs it; see ``benchmarks/__main__.py`` for
the options and ``benchmarks/RESULTS.md`` for the recorded results.

Modules: :mod:`~benchmarks.cases` (what is measured, FLOP counts), :mod:`~benchmarks.contenders`
(how each library runs it), :mod:`~benchmarks.timing` (interleaved blocks, medians),
:mod:`~benchmarks.machine` (CPU, versions, BLAS kernel, GEMM peak), :mod:`~benchmarks.fits`
(training to accuracy on real data), :mod:`~benchmarks.report` (the tables).
"""

"""The playground: ``layerwise serve`` opens a local page to build and train networks live.

:mod:`~layerwise.web.setup` validates what the page sends, :mod:`~layerwise.web.datasets`
holds TensorFlow Playground's data sets, :mod:`~layerwise.web.sessions` trains with layerwise
and draws frames (NumPy only), and :mod:`~layerwise.web.server` is the
Starlette app and its uvicorn server (``pip install layerwise[web]``). The page itself is
plain HTML, CSS and JavaScript in ``static/``, served from the package.
"""

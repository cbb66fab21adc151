"""The scikit-learn face: :class:`MLPClassifier` and :class:`MLPRegressor`, drop-in
replacements for ``sklearn.neural_network``'s.

Swap ``from sklearn.neural_network import MLPClassifier`` for
``from layerwise.sklearn import MLPClassifier`` and everything keeps working: the same
parameters with the same meanings and defaults, the same fitted attributes (``coefs_`` in
scikit-learn's ``(in, out)`` layout: the transposes of layerwise's ``(out, in)`` weights), and
the same numbers -- scikit-learn's initialization, losses (half the squared error for
regression), SGD, Adam, L-BFGS and stopping rule, so that from the same weights one step agrees
to float64 round-off. scikit-learn's own test file for its MLP passes against these classes.
Training runs on layerwise's network and :class:`~layerwise.training.trainer.Trainer`; the
network is ``net_``, and it saves to safetensors and exports to PyTorch and ONNX like any
other. Layerwise's extras are further parameters: any activation, "prelu", "maxout",
``dropout``, ``input_noise``, ``loss="hinge"``, ``optimizer=``.

Divergence raises :class:`MLPDiverged`, both a :class:`layerwise.TrainingDiverged` and the
``ValueError`` scikit-learn raises there; with ``early_stopping=True`` training stops instead,
keeps the best weights and warns (:class:`DivergenceWarning`), as scikit-learn carries on.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=1000,
...                     random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.95, clf.classes_.tolist(), clf.n_features_in_
(True, [0, 1, 2], 4)
"""
from ._base import DivergenceWarning, MLPDiverged
from ._estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "MLPDiverged", "DivergenceWarning"]

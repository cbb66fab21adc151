"""The engine: the seed's neurons, layers and networks, their losses and optimizers.

Everything here needs NumPy only, and nothing here imports from the rest of layerwise: training,
model files and the surfaces (CLI, scikit-learn face, lab, playground) build on it.
"""

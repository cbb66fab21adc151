"""layerwise: neural networks, layer by layer.

The fully-connected networks of the cs231n notes "Neural Networks Part 1: Setting up the
Architecture", built from their layer sizes, trained with backpropagation and SGD, exact to the
last digit and fast on a CPU.

>>> import layerwise as lw
>>> net = lw.Network([3, 4, 4, 1])
>>> net.depth, net.num_neurons, net.num_params
(3, 9, 41)
"""
from . import data  # noqa: F401
from .engine import activations, init, losses, monitor, optim  # noqa: F401
from .engine.gradcheck import gradcheck  # noqa: F401
from .io import ModelFileError, export_onnx, load, save, to_torch  # noqa: F401
from .engine.layers import Activation, Dense, Dropout, GaussianNoise, Maxout, PReLU  # noqa: F401
from .engine.network import Network, Sequential, from_config  # noqa: F401
from .engine.neuron import Neuron  # noqa: F401
from .training.trainer import (History, Trainer, TrainingDiverged, UnderfitWarning,  # noqa: F401
                               accuracy, evaluate, fit)

__all__ = [
    "activations", "data", "init", "losses", "monitor", "optim",
    "Network", "Sequential", "from_config", "Neuron",
    "Activation", "Dense", "Dropout", "GaussianNoise", "Maxout", "PReLU",
    "fit", "evaluate", "accuracy", "Trainer", "History", "TrainingDiverged", "UnderfitWarning", "gradcheck",
    "save", "load", "export_onnx", "to_torch", "ModelFileError",
]
__version__ = "0.1.0"

"""The lab's experiments, in the seed's order. Each module follows :mod:`layerwise.lab.core`."""
from importlib import import_module

MODULES = [
    "e01_neuron",          # ch6-01: one neuron; binary softmax and binary SVM on the same data
    "e02_forgetting",      # regularization as gradual forgetting
    "e03_wiggle",          # without a non-linearity the net collapses to one matrix
    "e04_activations",     # ch6-02, ch6-04: curves and derivatives; tanh = 2 sigmoid(2x) - 1
    "e05_saturation",      # sigmoids saturate and kill gradients
    "e06_zero_centred",    # sigmoid outputs are not zero-centred: zig-zag
    "e07_relu_speed",      # ReLU converges faster than tanh (factor 6 in Krizhevsky et al.)
    "e08_dying_relu",      # dying ReLUs at high learning rates; leaky ReLU and maxout
    "e09_architecture",    # ch6-06/07/08: the seed's two nets, their sizes, the forward pass
    "e10_universal",       # representational power: one hidden layer vs indicator bumps
    "e11_capacity",        # ch6-09: 3, 6, 20 hidden neurons
    "e12_regularization",  # L2 0.001 / 0.01 / 0.1, dropout, input noise
    "e13_minima",          # bigger nets: better, less variable minima
    "e14_depth",           # 2- vs 3- vs 4/5/6-layer nets
    "e15_cifar",           # the CIFAR-10 net 3072-100-10
]


def load(name):
    """Import one experiment module by its module name (e.g. ``"e01_neuron"``)."""
    return import_module(f"{__name__}.{name}")

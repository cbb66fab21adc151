"""Data: 2-D toy sets, real data sets that ship with packages, file loaders, preprocessing, and
1-D target functions.

``load(name_or_path)`` is the one entry point: a toy or real data set by name, or a file or
folder on disk, split into training and test sets.

>>> import layerwise as lw
>>> ds = lw.data.load("digits")
>>> ds.X_train.shape, ds.X_test.shape, ds.n_classes
((1438, 64), (359, 64), 10)
"""
from .toy import circles, gaussians, moons, spiral, xor, TOY_SETS  # noqa: F401
from .real import (REAL_SETS, breast_cancer, digits, iris, mnist, mnist1d,  # noqa: F401
                   wine)
from .loaders import (CIFAR10_CLASSES, NAMES, CSVTable, Dataset, LabelError, SafeUnpickler,  # noqa: F401
                      TextCellError, UnsafePickleError, csv_header, load, load_cifar10, load_csv, load_mnist_idx,
                      load_npz, read_csv, read_idx, sniff_delimiter)
from .preprocess import (Standardizer, one_hot, standardize,  # noqa: F401
                         subtract_mean_image, train_val_test_split)
from .functions import (FUNCTIONS, IndicatorBumps, get_function,  # noqa: F401
                        indicator_bumps_fit, target_function)

__all__ = [
    "circles", "gaussians", "moons", "spiral", "xor", "TOY_SETS",
    "REAL_SETS", "breast_cancer", "digits", "iris", "mnist", "mnist1d", "wine",
    "CIFAR10_CLASSES", "NAMES", "Dataset", "SafeUnpickler", "UnsafePickleError", "load",
    "load_cifar10", "load_csv", "load_mnist_idx", "load_npz", "read_idx", "read_csv", "CSVTable",
    "sniff_delimiter", "LabelError", "TextCellError", "csv_header",
    "Standardizer", "one_hot", "standardize", "subtract_mean_image", "train_val_test_split",
    "FUNCTIONS", "IndicatorBumps", "get_function", "indicator_bumps_fit", "target_function",
]

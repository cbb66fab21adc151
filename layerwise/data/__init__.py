"""Data: 2-D toy sets, real data sets that ship with packages, file loaders, preprocessing."""
from .toy import circles, gaussians, moons, spiral, xor, TOY_SETS  # noqa: F401

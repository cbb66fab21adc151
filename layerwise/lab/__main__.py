"""``python -m layerwise.lab [options]``: the same as ``layerwise lab``."""
import sys

from .runner import main

sys.exit(main())

"""Model files: safetensors weights with their architecture, ONNX and PyTorch export, and the
atomic writes every file of layerwise goes through."""
from .model import (DEFAULT_OPSET, ModelFileError, export_onnx, load, read_metadata,  # noqa: F401
                    save, to_onnx, to_torch)

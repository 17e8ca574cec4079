from .mean import mean
from .median import median
from .variance import variance

__all__ = ["mean", "median", "variance"]

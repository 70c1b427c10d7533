"""unitboard: the real-time board of a hospital nursing unit."""

__version__ = "0.1.0"

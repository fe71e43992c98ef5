"""gvw: a Go toolchain version manager."""

__version__ = "0.1.0"

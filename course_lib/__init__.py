"""Reference implementation of the course: one module per topic."""

__version__ = "0.1.0"

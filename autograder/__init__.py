"""Instructor and student tooling on top of nbgrader."""

__version__ = "0.1.0"

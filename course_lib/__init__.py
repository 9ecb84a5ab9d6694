"""Reference implementation of the course: one module per topic."""

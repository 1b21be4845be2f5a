"""Benchmarks of qhub-providers: run them all with ``python -m benchmarks`` from the repository root.

Not part of the test suite: they measure, they do not assert.
"""

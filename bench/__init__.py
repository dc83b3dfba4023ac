"""Benchmarks: full-scale figures belong here, never in timed tests."""

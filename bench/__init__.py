"""Benchmarks: runnable scripts that print medians and ratios (never timed assertions)."""

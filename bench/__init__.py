"""Benchmarks and evaluations (`make bench`): accuracy and speed, printed as tables."""

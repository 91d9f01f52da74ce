"""Reproducible measurements of tipsbot against the fake Bot API (see docs/benchmarks.md).

One module per benchmark, each runnable as ``uv run python -m benchmarks.<name> [--quick]``;
shared machinery (the fake server process, databases, bulk seeding, the `tipsbot` process,
statistics and reports) lives in :mod:`benchmarks.common`.
"""

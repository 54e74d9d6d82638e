"""Benchmarks: `python -m bot.bench` (make bench). See docs/benchmarks.md."""

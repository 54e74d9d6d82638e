"""Benchmarks: `python -m bot.devtools.bench` (make bench). See docs/benchmarks.md."""

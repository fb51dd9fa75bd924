"""Benchmarks: detector speed (:mod:`.speed`) and NAB detection quality (:mod:`.nab`)."""

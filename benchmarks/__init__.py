"""Benchmarks of the workbench, run by ``make bench`` or ``python -m benchmarks``.

A benchmark is a module ``benchmarks/bench_<name>.py`` with a function ``run(...)`` that returns
a list of result rows (dicts). The runner finds every such module, passes ``rows`` (or
``sizes``) through when the signature takes it, prints one table, and writes the results with the
date and the machine into ``benchmarks/results/`` (not committed). Each measurement runs in a
fresh process (:mod:`benchmarks.harness`) and is compared with a baseline measured in the same
run. See docs/maintainers/benchmarks.md.
"""

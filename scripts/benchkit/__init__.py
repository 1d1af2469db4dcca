"""Shared helpers of the benchmarks in ``scripts/``: a throw-away devnet, a closed-loop load generator,
statistics and the result file. Benchmarks are not tests: they measure and report, they never assert."""

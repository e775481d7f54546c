"""Metrics shared by tests, benchmarks and the CLI: levels now; spatial and sync metrics to come."""

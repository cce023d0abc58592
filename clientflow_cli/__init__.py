"""The ``clientflow`` command line: serve, workers, schema, deploy, users, benchmarks."""

"""Running: one order's pipeline, the worker processes, one pass over the folder, the service that watches it."""

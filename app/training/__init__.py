"""Training: compile and fit a built model on a worker thread and publish plain events."""

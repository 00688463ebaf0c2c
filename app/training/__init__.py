"""Training: compile and fit a built model on a worker thread and publish plain events.

- ``settings``: ``TrainingSettings``, the project's ``training`` section as a checked dataclass.
- ``schedules``: learning-rate schedules; ``schedule_points`` for a plot, Keras schedules for the optimizer.
- ``compiling``: the optimizer, the loss (proposed from the output and the labels) and the metrics.
- ``session``: ``TrainingSession`` (start, stop, pause, resume, set_learning_rate, continue_from, drain).
- ``events``: the plain ``Event`` kinds a session publishes.
- ``runs``: run folders beside the project (``list_runs``, ``read_run``, ``read_history``).
- ``headless``: ``netloom train`` (``add_train_command``, ``run_train``).

Nothing here imports Qt or TensorFlow; Keras is imported when training starts.
"""

"""Hyperparameter tuning: search spaces, grid, random and Bayesian search, trial results.

- ``space``: ``Parameter`` and ``SearchSpace`` (lin, log, int, one-minus-log, choice scales),
  ``parse_param("NAME=SPEC")``, positions on a parameter's own scale, grids.
- ``targets``: what a name points at (``training.SETTING``, ``NODE.PARAM``); ``check_space``,
  ``apply_values`` (a checked copy of the project with a trial's values), ``value_changes``
  (the same as graph edits and a new training section, for one undoable step), ``limits``.
- ``suggestions``: which layer params are tunable, and a first range for a setting.
- ``strategies``: Optuna samplers (grid, random, bayes) and the median pruner; storages
  (SQLite beside the project by default, any Optuna URL), default study names.
- ``settings``: ``SearchSettings`` and ``Objective``.
- ``runner``: ``TuningSession`` (start, run, stop, drain, results): one worker per device.
- ``trial``: the Optuna objective of one trial (one ``TrainingSession``), pruning per epoch.
- ``results``: ``SearchResults`` (trial rows, the best trial, border warnings, a refined space,
  data for plots), ``load_results(storage, study)``.
- ``headless``: ``netloom tune`` (``add_tune_command``, ``run_tune``).

Nothing here imports Qt or TensorFlow; Keras is imported when a trial trains
(and when a space names node params and no catalog is given).
"""

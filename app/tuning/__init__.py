"""Hyperparameter tuning: search spaces, grid, random and Bayesian search, trial results."""

"""Netloom: a desktop workbench for deep learning built on Keras 3."""

__version__ = "0.1.0"

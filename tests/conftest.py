"""Test-wide set-up: no screen, the TensorFlow backend, quiet native logs.

These run before any test module imports Qt or Keras, so they take effect
for the whole session. Values already set in the environment win.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

"""Export: every format written, reloaded and checked against the model before it counts.

``app.export.engine.export_project`` is the entry point: it builds the
project's model with the chosen weights (a run's best or last, else the
project's imported weights, else a fresh seeded initialisation), bakes the
data preprocessing in front of it when asked, then writes each format
through a temporary name, reloads it with the tool that will use it
(Keras, TensorFlow, onnxruntime, the TFLite interpreter, Python) and runs
one probe batch through the original and the copy. A format whose outputs
differ by more than ``TOLERANCE`` fails and leaves no file; the others go on.
"""

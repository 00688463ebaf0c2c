"""Export: .keras, .h5, SavedModel, ONNX and weights, each checked against the model."""

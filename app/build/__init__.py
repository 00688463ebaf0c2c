"""Graph <-> Keras: build models, import model files, generate Python code."""

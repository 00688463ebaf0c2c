"""The document: graph, layer catalog, validation, shapes and project files.

Nothing here imports Qt, and keras is imported lazily inside functions only.
"""

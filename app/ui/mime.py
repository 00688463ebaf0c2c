"""Drag-and-drop and clipboard formats shared by the palette, the canvas and other windows."""

LAYER_MIME = "application/x-netloom-layer"  # payload: the layer type name, UTF-8
BLOCK_MIME = "application/x-netloom-block"  # payload: the block name, UTF-8
FRAGMENT_MIME = "application/x-netloom-fragment"  # payload: app.core.fragments JSON, UTF-8

"""Datasets: bundled samples, .npz, CSV and image-folder sources, splits, scaling, previews."""

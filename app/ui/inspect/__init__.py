"""The Inspect panel: a trained run's filters, activations, evaluation, mistakes, health and saliency."""

from app.ui.inspect.panel import InspectPanel

__all__ = ["InspectPanel"]

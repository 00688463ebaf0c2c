"""Looking inside a trained model: filters, activations, statistics, mistakes, saliency."""

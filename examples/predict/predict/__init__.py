"""A small sentiment model served over HTTP: the model-publishing example of Slipway."""

"""Export jobs: build a model's deployment bundle (exporters) in the background, keep it, serve it."""

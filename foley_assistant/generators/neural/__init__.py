"""The neural engine's adapter: a client of the local model worker (`foley-assistant serve`).

It speaks the worker's JSON-lines protocol (`protocol`) to a separate process, so nothing here
imports torch: the model, its weights and the GPU live in the worker.
"""

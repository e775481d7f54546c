"""The local neural generator: a stereo audio codec, object-aware conditioning, a flow-matching
transformer, its synthetic training data, training, evaluation and the GPU worker.

torch is imported only by the modules that need it (codec, generator, training, worker), never by
this package itself: `import foley_assistant.model` stays light. See docs/model.md for the design.
"""

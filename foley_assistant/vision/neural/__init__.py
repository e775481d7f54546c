"""The optional neural detector (torchvision detection models). torch is imported only here, and
only when a detector is built: `import foley_assistant` never loads it."""

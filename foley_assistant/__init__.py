"""Foley Assistant: object-aware foley stems for a cut.

Importing the package is cheap: it loads neither torch nor Qt. The stages live in
subpackages (core, io, vision, generators, spatial, eval, pipeline, cli).
"""

from foley_assistant._version import __version__

__all__ = ["__version__"]

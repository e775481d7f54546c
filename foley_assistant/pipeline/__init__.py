"""Jobs that string the stages together: analyze -> generate -> render -> export.

Each job takes a progress callback and a cancel token; the CLI and the GUI are two faces of it.
"""

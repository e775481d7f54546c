"""The SFX library engine: the editor's own sound files, indexed in SQLite, searched with synonyms,
cut and placed on the motion read from the tracks."""

from foley_assistant.generators.library.generator import LibraryGenerator
from foley_assistant.generators.library.index import IndexStats, LibraryFile, LibraryIndex, default_index_path, read_ucs_list

__all__ = ["IndexStats", "LibraryFile", "LibraryGenerator", "LibraryIndex", "default_index_path", "read_ucs_list"]

"""Training targets from the editor's own sound library (`train generator --library DIR`).

The folder is indexed once into the model folder (`library.sqlite`, the library engine's index),
and every synthetic scene's objects are then sounded by the library engine
(`generators.library`: the editor's one-shots on the scene's events, beds following speed; the
procedural engine where the library has nothing for a sound) instead of the procedural engine,
and placed by the same spatial renderer. A model fine-tuned on these targets (`--from` the
shipped model) speaks that palette; `model-eval` on held-out scenes (still the procedural
engine's) shows what it gains or loses on the project's metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from foley_assistant.core.errors import FoleyError

if TYPE_CHECKING:
    from foley_assistant.generators.library import LibraryGenerator

INDEX_FILE = "library.sqlite"

# The library engine reads sound files (soundfile), which the GPU machine does not have: it is
# imported only when a library is used, so synthetic training without one needs no media library.
_OPEN: dict[Path, "LibraryGenerator"] = {}


@dataclass(frozen=True)
class LibrarySource:
    """An indexed library: the index file and the folders it covers (plain paths, so DataLoader
    workers can be handed it and open their own connection)."""

    index_path: Path
    roots: tuple[Path, ...]


def index_library(folder: Path, model_dir: Path) -> LibrarySource:
    """Index `folder` into the model folder; a clear error when it holds no usable sound file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FoleyError(f"--library {folder} is not a folder. Give the folder of your sound effects (WAV, FLAC or AIFF).")
    from foley_assistant.generators.library import LibraryIndex

    path = Path(model_dir) / INDEX_FILE
    with LibraryIndex(path) as index:
        stats = index.update([folder])
    if stats.files == 0:
        raise FoleyError(f"--library {folder} has no sound file the library engine can read (WAV, FLAC or AIFF); nothing to train on.")
    return LibrarySource(path, (folder,))


def library_generator(source: LibrarySource, hfov_deg: float) -> "LibraryGenerator":
    """The library engine over `source`, opened once per process."""
    from foley_assistant.generators.library import LibraryGenerator, LibraryIndex

    generator = _OPEN.get(source.index_path)
    if generator is None:
        generator = LibraryGenerator(LibraryIndex(source.index_path), hfov_deg=hfov_deg, roots=source.roots)
        _OPEN[source.index_path] = generator
    return generator

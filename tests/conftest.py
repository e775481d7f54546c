"""Shared fixtures: paths to bundled test data and small synthetic cuts built on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TIMELINES = FIXTURES / "timelines"


@pytest.fixture
def corpus_timeline():
    """Path of a bundled corpus timeline by file name (from OpenTimelineIO's test data)."""

    def path(name: str) -> Path:
        return TIMELINES / name

    return path

"""Property-based fuzzing of every reader through the command line (issue 17, item 2): timelines
(OTIO JSON, FCP 7 XML, CMX EDL, .otioz) through `shots` and `analyze`, tracks files through
`generate --tracks`, project files through `export`, recovery files through the app's reader.

Each case is a real file mutated, or a structure built from plausible and hostile values (see
tests/fuzz/fuzzing.py); it must either succeed or be refused with the product's own error lines
(exit 2, no traceback). Derandomized, so CI runs the same cases every time; benchmarks/fuzz.py
runs a longer campaign with other seeds.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.fuzzing import OK, REFUSED, TRACEBACK, HypothesisChooser, RandomChooser, Seeds, build_seeds, describe_failure, mutated_json_text, run_case, run_cli

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Seeds:
    return build_seeds(tmp_path_factory.mktemp("fuzz"))


def _check(target: str, seeds: Seeds, data: st.DataObject) -> None:
    outcome, case = run_case(target, seeds, HypothesisChooser(data))
    assert outcome.kind in (OK, REFUSED), describe_failure(target, outcome, case)


@pytest.mark.parametrize("target", ["otio", "fcp-xml", "edl", "otioz", "aaf", "tracks", "project", "open", "recovery"])
def test_a_mutated_or_generated_input_is_read_or_refused_in_the_products_words(target, seeds):
    @FUZZ
    @given(st.data())
    def case(data: st.DataObject) -> None:
        _check(target, seeds, data)

    case()


def test_analyze_reads_or_refuses_a_mutated_timeline(seeds):
    @settings(FUZZ, max_examples=25)
    @given(st.data())
    def case(data: st.DataObject) -> None:
        _check("analyze", seeds, data)

    case()


def test_the_judge_tells_a_traceback_from_a_refusal(seeds, tmp_path):
    """The rule itself: a missing file is refused in one line, a valid cut is listed, and an
    exception raised inside a command (exit 1 with its traceback) is counted as a traceback."""
    assert run_cli(["shots", str(tmp_path / "nowhere.otio")]).kind == REFUSED
    assert run_cli(["shots", str(seeds.cut)]).kind == OK
    import foley_assistant.cli.commands as commands

    original = commands.run
    commands.run = lambda args: {}["boom"]
    try:
        outcome = run_cli(["shots", str(seeds.cut)])
    finally:
        commands.run = original
    assert outcome.kind == TRACEBACK and "KeyError" in outcome.detail


def test_mutations_change_the_file_and_are_reproducible(seeds):
    """The campaign's engine: the same seed gives the same case, and a case differs from the seed file."""
    text = seeds.tracks.read_text()
    first = [mutated_json_text(text, RandomChooser(random.Random(f"7:{i}"))) for i in range(20)]
    again = [mutated_json_text(text, RandomChooser(random.Random(f"7:{i}"))) for i in range(20)]
    assert first == again
    assert sum(case != text for case in first) >= 19
    assert Path(seeds.tracks).read_text() == text

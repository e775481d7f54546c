"""`gui PROJECT` on crafted project files: the window says what is wrong and stays up (it died on a
ZeroDivisionError, KeyError, AttributeError or OverflowError before; issue 17, item 2)."""

from __future__ import annotations

import json

import pytest

CRAFTED = {
    "curve key time 1/0": (lambda d: d["curves"][0]["azimuth_deg"][0].update(t="1/0"), "curve key time '1/0' divides by zero"),
    "stems of a shot the timeline lacks": (lambda d: d["stems"][0].update(shot_id="S999"), "stems of shot S999, which its timeline 'small cut' does not have"),
    "settings not an object": (lambda d: d.update(settings=[1]), '"settings" must be an object'),
    "infinite timeline rate": (lambda d: d.update(timeline_rate=[float("inf"), 1]), "timeline_rate must be two positive whole numbers"),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_project_is_refused_in_the_window(case, project_copy, qtbot):
    from foley_assistant.gui.app import create_window

    mutate, phrase = CRAFTED[case]
    file = project_copy / "foley_project.json"
    data = json.loads(file.read_text())
    mutate(data)
    file.write_text(json.dumps(data))
    window = create_window(project_copy)  # what `foley-assistant gui PROJECT` does
    qtbot.addWidget(window)
    assert window.session is None
    assert phrase in window.message.text() and "foley_project.json" in window.message.text()
    assert window.stage_label.text() == "Error" and not window.generate_action.isEnabled()

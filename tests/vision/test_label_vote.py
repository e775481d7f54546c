"""Track labels voted from detector classes: groups, majorities, and `unknown` when unsure."""

from __future__ import annotations

import pytest

from foley_assistant.vision.labels import UNKNOWN, coco_labels, vote_label


def test_a_steady_class_names_the_track():
    vote = vote_label([("car", 0.8)] * 5 + [("truck", 0.4)])
    assert vote.label == "car" and vote.group == "vehicle"
    assert vote.share == pytest.approx(1.0)


def test_classes_of_one_group_without_a_majority_give_the_group_label():
    # A llama seen as a horse, a sheep and a cow in turn is an animal, not a voice that flips.
    vote = vote_label([("horse", 0.5), ("sheep", 0.5), ("cow", 0.45), ("horse", 0.3)])
    assert vote.label == "animal" and vote.group == "animal"


def test_a_clear_class_inside_a_group_wins_over_the_group():
    assert vote_label([("dog", 0.9)] * 4 + [("cat", 0.4)]).label == "dog"


def test_mixed_groups_without_a_majority_are_unknown():
    vote = vote_label([("person", 0.5), ("car", 0.5), ("dog", 0.4)])
    assert vote.label == UNKNOWN
    assert "no clear class" in vote.describe()


def test_classes_that_make_no_sound_do_not_make_a_sound_source():
    vote = vote_label([("fire hydrant", 0.6), ("parking meter", 0.4), ("person", 0.2)])
    assert vote.label == UNKNOWN and not vote.sounding


def test_too_little_evidence_names_nothing():
    assert vote_label([("person", 0.3)]).label == UNKNOWN
    assert vote_label([]).label == UNKNOWN
    assert vote_label([("car", 0.7)]).label == "car"  # one confident box of a fast pass-by


def test_every_sound_label_has_a_voice_and_a_size_prior():
    import json
    from importlib.resources import files

    voices = json.loads((files("foley_assistant.resources") / "voices.json").read_text())
    priors = json.loads((files("foley_assistant.resources") / "size_priors.json").read_text())
    labels = coco_labels()
    used = set(labels.sound_labels.values()) | set(labels.group_labels.values()) | {UNKNOWN}
    assert not {label for label in used if label not in voices}
    assert not {label for label in used if label not in priors and voices[label].get("same_as", label) not in priors and "height_m" not in voices[label]}


def test_a_class_named_on_few_of_many_looks_is_not_trusted():
    # A robot's head called a car twice, weakly, in seven looks of the detector.
    vote = vote_label([("car", 0.35), ("bus", 0.35), ("car", 0.35), ("car", 0.35)], looks=7)
    assert vote.label == UNKNOWN and vote.sparse
    assert "too seldom" in vote.describe()
    assert vote_label([("car", 0.7)] * 6, looks=7).label == "car"

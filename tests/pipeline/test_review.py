"""review.html and its PNG sheets: written by every generate, linking only files inside the output
folder, with each tracked box drawn where the tracks file puts it, and every string escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import cv2
import numpy as np
import pytest

from foley_assistant.core.errors import OutputError
from foley_assistant.core.safe_paths import safe_file_part
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.io.audio import write_wav
from foley_assistant.io.review_sheets import read_peak_envelope, write_png
from foley_assistant.io.video import analysis_size, probe_video
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.output.review import FRAMES_PER_SHOT, MOST_FRAMES_PER_SHOT, SHEET_WIDTH, ShotSection, review_html
from foley_assistant.pipeline.output.review_images import CAPTION, EVENT_COLOURS, GAP, annotate_picture, box_pixels, object_colours, sheet_frames, spread_frames, tile_size, waveform_image


class _Links(HTMLParser):
    """Every src and href of a page, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links.extend(value for name, value in attrs if name in ("src", "href") and value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _sheet_tile(sheet: np.ndarray, frames: list[int], frame: int, picture: tuple[int, int], columns: int = 5) -> np.ndarray:
    """The picture of `frame` cut out of a contact sheet (tiles in a grid, left to right)."""
    width, height = picture
    row, column = divmod(frames.index(frame), min(columns, len(frames)))
    x, y = GAP + column * (width + GAP), GAP + row * (height + CAPTION + GAP)
    return sheet[y : y + height, x : x + width]


def test_review_links_only_existing_files_inside_the_folder(generated_small):
    page = generated_small / "review.html"
    assert page.is_file()
    parsed = _parse(page)
    files = [link for link in parsed.links if not link.startswith("#")]
    pngs = [link for link in files if link.endswith(".png")]
    report = json.loads((generated_small / "report.json").read_text())
    # a contact sheet per shot and a waveform per stem, all linked
    assert len(pngs) == len(report["shots"]) + len(report["stems"])
    root = generated_small.resolve()
    for link in files:
        assert not urlparse(link).scheme and not link.startswith("/"), link
        target = (root / unquote(link)).resolve()
        assert root in target.parents and target.is_file(), link
    text = " ".join(parsed.text)
    for shot in report["shots"]:
        assert shot["id"] in text and shot["clip"] in text
    for stem in report["stems"]:
        assert stem["path"] in text and stem["voice"] in text
    assert report["timings_s"]["total"] > 0  # the review's own time is not in report.json: it is written after


def test_contact_sheet_draws_each_box_where_the_track_says(generated_small):
    tracks = TracksDocument.from_dict(json.loads((generated_small / "tracks.json").read_text()))
    checked = 0
    for shot in tracks.shots:
        sheet = cv2.cvtColor(cv2.imread(str(generated_small / "review" / f"{shot.shot_id}_frames.png")), cv2.COLOR_BGR2RGB)
        info = probe_video(shot.media)
        picture = tile_size(*analysis_size(info.width, info.height, SHEET_WIDTH))
        frames = sheet_frames(shot, FRAMES_PER_SHOT, MOST_FRAMES_PER_SHOT)
        assert sheet.shape[1] == GAP + min(5, len(frames)) * (picture[0] + GAP)
        colours = object_colours(shot)
        for obj in shot.objects:
            boxes = {f.frame: f.box for f in obj.frames}
            others = [{f.frame: f.box for f in other.frames} for other in shot.objects if other is not obj]
            # where another box crosses this one, its edge or tag may be drawn over this one's
            middle = [f for f in frames if f in boxes and boxes[f].x0 > 0.05 and boxes[f].x1 < 0.95 and not any(f in o and o[f].iou(boxes[f]) > 0 for o in others)]
            if not middle:
                continue
            frame = middle[len(middle) // 2]
            tile = _sheet_tile(sheet, frames, frame, picture)
            x0, y0, x1, y1 = box_pixels(boxes[frame], *picture)
            colour = np.array(colours[obj.id])
            rows = slice(y0 + (y1 - y0) // 3, y1 - (y1 - y0) // 4)  # below the tag, above the bottom corner
            left_edge = np.all(tile[rows, x0] == colour, axis=1).mean()
            right_edge = np.all(tile[rows, x1] == colour, axis=1).mean()
            outside = np.all(tile[rows, max(0, x0 - 6)] == colour, axis=1).mean()
            assert left_edge > 0.8 and right_edge > 0.8, (shot.shot_id, obj.id, frame, left_edge, right_edge)
            assert outside < 0.2, (shot.shot_id, obj.id, frame, outside)
            checked += 1
    assert checked >= 2  # the car or walker of the street, and the ball


def test_labels_and_notes_are_escaped_everywhere(small_cut, generated_small, tmp_path):
    data = json.loads((generated_small / "tracks.json").read_text())
    data["shots"][0]["objects"][0]["label"] = "<script>alert('x')</script>"
    edited = tmp_path / "tracks.json"
    edited.write_text(json.dumps(data))
    out = tmp_path / "out"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, tracks_path=edited))
    page = (out / "review.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    for png in (out / "review").iterdir():  # file names come from a slug, never from the raw label
        assert png.name == safe_file_part(png.stem) + ".png"
    report = {"timeline": "/x/<b>cut.otio", "notes": ["S001: <img src=x onerror=alert(1)>"], "shots": [], "stems": []}
    html_text = review_html(report, [])
    assert "<b>" not in html_text and "<img" not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text


def test_silent_stems_are_flagged():
    def stem(object_id: str, peak: float) -> dict:
        return {"path": f"stems/S1_{object_id}_car.wav", "shot": "S1", "object": object_id, "label": "car", "levels": {"peak_dbfs": peak}}

    section = ShotSection({"id": "S1", "clip": "c"}, stems=[(stem("O1", -200.0), None), (stem("O2", -70.0), None), (stem("O3", -12.0), None)])
    page = review_html({"shots": [section.entry], "stems": [s for s, _ in section.stems]}, [section])
    assert "2 silent stems" in page and "S1 O1</a>, <a href='#shot-S1'>S1 O2</a>" in page
    assert page.count("silent (peak under -60 dBFS)") == 2 and "peak silence, RMS –" in page and "peak -12.0 dBFS" in page


def test_a_shot_without_picture_gets_a_note_not_a_failure(small_cut, generated_small, tmp_path):
    data = json.loads((generated_small / "tracks.json").read_text())
    data["shots"][0]["media"] = str(tmp_path / "moved away" / Path(data["shots"][0]["media"]).name)  # the same media, no longer there
    edited = tmp_path / "tracks.json"
    edited.write_text(json.dumps(data))
    out = tmp_path / "out"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, tracks_path=edited))
    parsed = _parse(out / "review.html")
    assert "picture unavailable" in " ".join(parsed.text)
    sheets = sorted(p.name for p in (out / "review").glob("*_frames.png"))
    assert sheets == [f"{data['shots'][1]['id']}_frames.png"]


def test_sheet_frames_spread_over_the_shot_and_show_every_object():
    assert spread_frames(100, 91, 10) == [100 + 10 * i for i in range(10)]
    assert spread_frames(5, 3, 10) == [5, 6, 7]

    def track(object_id: str, frames: range) -> ObjectTrack:
        return ObjectTrack(object_id, "car", "tracker", tuple(TrackedFrame(f, Box(0.1, 0.1, 0.2, 0.2)) for f in frames))

    short = [track(f"O{i}", range(100 + 10 * i + 2, 100 + 10 * i + 6)) for i in range(1, 9)]  # each between two tiles
    shot = ShotTracks("S1", "m.mp4", FrameRate(25), FrameRange(100, 91), 320, 180, (track("O0", range(100, 191)), *short))
    frames = sheet_frames(shot, 10, 15)
    assert len(frames) == 15 and frames == sorted(frames)
    assert sum(1 for obj in short if {f.frame for f in obj.frames} & set(frames)) == 5  # up to the limit
    assert set(spread_frames(100, 91, 10)) <= set(frames)


def test_small_pictures_are_shown_larger():
    assert tile_size(320, 180) == (320, 180)
    assert tile_size(176, 144) == (256, 209)


def test_peak_envelope_reads_the_peak_of_each_slice(tmp_path):
    rate, length = 48000, 48000
    audio = np.zeros((2, length), dtype=np.float32)
    audio[0, 12000] = 0.5  # column 25 of 100 (480 samples each)
    audio[1, 47999] = -0.25  # the last column
    path = tmp_path / "s.wav"
    write_wav(path, audio, rate)
    envelope = read_peak_envelope(path, 100)
    assert envelope.length_samples == length and envelope.sample_rate == rate
    assert envelope.peaks.shape == (2, 100)
    assert envelope.peaks[0, 25] == pytest.approx(0.5, abs=1e-4) and envelope.peaks[0].argmax() == 25
    assert envelope.peaks[1, 99] == pytest.approx(0.25, abs=1e-4) and np.count_nonzero(envelope.peaks[1] > 1e-4) == 1


def test_waveform_marks_each_event_at_its_sample():
    peaks = np.full((2, 400), 0.1, dtype=np.float32)
    image = waveform_image(peaks, 96000, 48000, [{"sample": 24000, "kind": "impact"}, {"sample": 72000, "kind": "footfall"}])
    lanes = 2 * 56
    for x, kind in ((100, "impact"), (300, "footfall")):
        column = image[:lanes, x]
        assert np.all(column == EVENT_COLOURS[kind], axis=1).mean() > 0.9
    assert not np.all(image[:lanes, 200] == EVENT_COLOURS["impact"], axis=1).any()


def test_png_is_never_written_outside_the_folder(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    assert write_png(root, "review/a.png", image) == "review/a.png"
    assert cv2.imread(str(root / "review" / "a.png")).shape == (4, 4, 3)
    for bad in ("../escape.png", "review/../../escape.png", str(tmp_path / "abs.png")):
        with pytest.raises(OutputError):
            write_png(root, bad, image)
    assert not (tmp_path / "escape.png").exists() and not (tmp_path / "abs.png").exists()


def test_movers_are_drawn_over_candidates_and_candidates_are_thin():
    box = Box(0.2, 0.2, 0.6, 0.8)
    mover = ObjectTrack("O1", "person", "detector", (TrackedFrame(5, box),), mover=True)
    parked = ObjectTrack("O2", "car", "detector", (TrackedFrame(5, box),), mover=False)
    shot = ShotTracks("S1", "m.mp4", FrameRate(25), FrameRange(0, 10), 200, 100, (parked, mover))
    colours = {"O1": (255, 0, 0), "O2": (0, 255, 0)}
    drawn = annotate_picture(np.zeros((100, 200, 3), np.uint8), shot, 5, colours)
    x0, y0, x1, y1 = box_pixels(box, 200, 100)
    column = drawn[y0 + 25 : y1 - 10, x1]
    assert (column == colours["O1"]).all(axis=1).mean() > 0.9  # the mover's line is on top
    alone = ShotTracks("S1", "m.mp4", FrameRate(25), FrameRange(0, 10), 200, 100, (parked,))
    thin = annotate_picture(np.zeros((100, 200, 3), np.uint8), alone, 5, colours)
    green = (thin[y0 + 25 : y1 - 10, x1 - 3 : x1 + 4] == colours["O2"]).all(axis=2).any(axis=0)
    assert green.sum() == 1  # one pixel wide

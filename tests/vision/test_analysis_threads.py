"""Analysis uses the cores it has, with the same result: the camera followed on a thread of its
own and each frame's moving pixels found on two threads, or everything on one thread in a worker
of a pool of processes (one per core)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from foley_assistant.synth import render_scene, street_scene
from foley_assistant.vision import analyze
from foley_assistant.vision.analyze import AnalysisSettings, analyze_frames


def _tracks(frames, rate) -> list[tuple]:
    (part,) = analyze_frames(enumerate(frames), rate, 320, 180, AnalysisSettings(), detector=None)
    return [(o.id, o.label, [(f.frame, f.box.as_list()) for f in o.frames]) for o in part.objects]


def test_one_thread_and_several_find_the_same_tracks(monkeypatch):
    spec = street_scene(3, duration_s=3.0, width=320, height=180, pan_deg_per_s=4.0)
    frames = list(render_scene(spec)[0])
    threaded = _tracks(frames, spec.rate)
    monkeypatch.setattr(analyze, "_motion_threads", 1)
    alone = _tracks(frames, spec.rate)
    assert threaded == alone and len(alone) >= 1


def test_a_worker_of_the_local_pool_analyses_on_one_thread():
    from foley_assistant.pipeline.spine.process_pool import _start_worker

    assert analyze.analysis_threads() == analyze.MOTION_THREADS == 2
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(1,)) as worker:
        assert worker.submit(analyze.analysis_threads).result() == 1
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(2,)) as worker:
        assert worker.submit(analyze.analysis_threads).result() == 2

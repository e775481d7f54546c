"""A sheet of spectrograms, one panel per procedural voice and variation: listen with your eyes.

    .venv/bin/python benchmarks/voice_sheet.py [--out voice_sheet.png] [--seed 0]

Each panel is a log-frequency spectrogram (40 Hz .. 20 kHz, 70 dB range) of a short scene:
footsteps on each surface (five steps from soft to hard), each impact material (four hits
from hard to soft), each engine preset (idle, pulling away, cruising, slowing), whooshes at
three speeds, cloth on a walk, and each ambience bed. Drawn with numpy and OpenCV only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from foley_assistant.generators.procedural.ambience import AMBIENCES, render_ambience
from foley_assistant.generators.procedural.cloth import render_cloth
from foley_assistant.generators.procedural.dsp import add_at, event_rng
from foley_assistant.generators.procedural.engine import ENGINE_PRESETS, render_engine
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, Hit, render_impacts
from foley_assistant.generators.procedural.whoosh import WhooshSpec, render_whoosh

SR = 48000
PANEL_W, PANEL_H = 560, 170
COLUMNS = 3


def scenes(seed: int) -> list[tuple[str, np.ndarray]]:
    """(title, mono signal) for every panel."""
    panels: list[tuple[str, np.ndarray]] = []
    for name, surface in SURFACES.items():
        x = np.zeros(int(2.6 * SR))
        for i, strength in enumerate(np.linspace(0.3, 1.0, 5)):
            add_at(x, render_footstep(float(strength), surface, event_rng(seed, name, i), SR), int((0.1 + 0.5 * i) * SR))
        panels.append((f"footsteps {name} (soft -> hard)", x))
    for name, material in MATERIALS.items():
        hits = [Hit(int((0.05 + 0.6 * i) * SR), s) for i, s in enumerate((1.0, 0.7, 0.45, 0.25))]
        panels.append((f"impacts {name} (hard -> soft)", render_impacts(hits, material, event_rng(seed, name, 0), int(2.6 * SR), SR)))
    t = np.arange(int(6 * SR)) / SR
    speed = np.interp(t, [0, 1, 3, 4.5, 6], [0, 0, 15, 15, 3])
    accel = np.gradient(speed) * SR
    for name, spec in ENGINE_PRESETS.items():
        panels.append((f"engine {name} (idle, pull away, cruise, slow)", render_engine(speed, accel, spec, event_rng(seed, name, 0), SR)))
    swipes = np.zeros(int(3 * SR))
    tt = np.arange(len(swipes)) / SR
    for centre, top in ((0.5, 4.0), (1.5, 8.0), (2.4, 14.0)):
        swipes += top * np.exp(-0.5 * ((tt - centre) / 0.12) ** 2)
    panels.append(("whoosh (4, 8, 14 m/s swipes)", render_whoosh(swipes, WhooshSpec(), event_rng(seed, "whoosh", 0), SR)))
    walk = np.full(int(3 * SR), 1.4)
    panels.append(("cloth (walk, 1.9 steps/s)", render_cloth(walk, np.zeros(len(walk)), list(np.arange(0.2, 3.0, 0.52)), event_rng(seed, "cloth", 0), SR)))
    for kind in AMBIENCES:
        bed = render_ambience(kind, int(4 * SR), event_rng(seed, kind, 0), SR)
        panels.append((f"ambience {kind} (L+R)", bed.mean(axis=0)))
    return panels


def spectrogram_panel(x: np.ndarray, title: str) -> np.ndarray:
    """A PANEL_W x PANEL_H BGR image: log-frequency, dB (0 .. -70 from the loudest bin), inferno colours."""
    n_fft, hop = 2048, max(64, len(x) // PANEL_W)
    frames = max(1, (len(x) - n_fft) // hop + 1)
    window = np.hanning(n_fft)
    padded = np.pad(x, (0, max(0, n_fft - len(x))))
    spectra = np.abs(np.fft.rfft(np.stack([padded[i * hop : i * hop + n_fft] * window for i in range(frames)]), axis=1))
    db = 20 * np.log10(spectra + 1e-12)
    db = np.clip(db - db.max() + 70.0, 0.0, 70.0) / 70.0
    freqs = np.fft.rfftfreq(n_fft, 1 / SR)
    rows = np.geomspace(40.0, 20000.0, PANEL_H - 18)
    image = np.stack([np.interp(rows, freqs, column) for column in db], axis=1)[::-1]
    image = cv2.resize((image * 255).astype(np.uint8), (PANEL_W, PANEL_H - 18), interpolation=cv2.INTER_LINEAR)
    image = cv2.applyColorMap(image, cv2.COLORMAP_INFERNO)
    for hz in (100, 1000, 10000):
        y = int((1 - np.log(hz / 40.0) / np.log(20000.0 / 40.0)) * (PANEL_H - 19))
        cv2.line(image, (0, y), (6, y), (255, 255, 255), 1)
        cv2.putText(image, f"{hz // 1000}k" if hz >= 1000 else str(hz), (8, y + 4), cv2.FONT_HERSHEY_PLAIN, 0.8, (255, 255, 255), 1)
    header = np.full((18, PANEL_W, 3), 30, np.uint8)
    peak = 20 * np.log10(np.max(np.abs(x)) + 1e-12)
    cv2.putText(header, f"{title}   peak {peak:.1f} dBFS", (4, 13), cv2.FONT_HERSHEY_PLAIN, 0.95, (235, 235, 235), 1)
    return np.vstack([header, image])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("voice_sheet.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    panels = [spectrogram_panel(x, title) for title, x in scenes(args.seed)]
    while len(panels) % COLUMNS:
        panels.append(np.zeros_like(panels[0]))
    rows = [np.hstack([p for p in panels[i : i + COLUMNS]]) for i in range(0, len(panels), COLUMNS)]
    sheet = np.vstack(rows)
    cv2.imwrite(str(args.out), sheet)
    print(f"{len(panels)} panels -> {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

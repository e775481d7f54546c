"""A stand-in for DaVinci Resolve's scripting API, for testing plugins/resolve (Resolve cannot be
installed here; this is the one place the project allows a stand-in).

It implements exactly the calls the plugin makes, with the signatures and return types of
Resolve's scripting README (Developer/Scripting/README.txt shipped with Resolve, "Last Updated:
7 May 2025", the Resolve 20 API), and records every call in `FakeResolve.calls`:

    Resolve        GetProjectManager() -> ProjectManager; GetVersion() -> [major, minor, patch, build, suffix]
                   EXPORT_OTIO, EXPORT_NONE (timeline export type / subtype constants)
    ProjectManager GetCurrentProject() -> Project
    Project        GetName() -> string; GetMediaPool() -> MediaPool; GetCurrentTimeline() -> Timeline;
                   SetCurrentTimeline(timeline) -> Bool
    MediaPool      GetRootFolder() -> Folder; AddSubFolder(folder, name) -> Folder;
                   SetCurrentFolder(Folder) -> Bool; ImportMedia([items...]) -> [MediaPoolItems];
                   AppendToTimeline([{clipInfo}, ...]) -> [TimelineItem], clipInfo = "mediaPoolItem",
                   "startFrame", "endFrame", (optional) "mediaType" (1 video only, 2 audio only),
                   "trackIndex", "recordFrame";
                   ImportTimelineFromFile(filePath, {importOptions}) -> Timeline
    Folder         GetName() -> string; GetClipList() -> [clips...]
    MediaPoolItem  GetName() -> string; GetClipProperty(propertyName=None) -> string|dict
    Timeline       GetName(); GetStartFrame() -> int; GetTrackCount(trackType) -> int;
                   AddTrack(trackType, subTrackType) -> Bool; SetTrackName(trackType, trackIndex, name) -> Bool;
                   GetItemListInTrack(trackType, index) -> [items...];
                   Export(fileName, exportType, exportSubtype) -> Bool
    TimelineItem   GetName(); GetStart() -> int; GetEnd() -> int; GetDuration() -> int; GetClipColor() -> string;
                   GetMediaPoolItem() -> MediaPoolItem

Behaviour the README leaves open follows what was observed on Resolve and reported in public
issue threads: `recordFrame` is an absolute timeline frame (the timeline's start frame is
GetStartFrame(), e.g. 86400 at 01:00:00:00 and 24 fps); from Resolve 19 an appended item lasts
endFrame - startFrame frames (exclusive end), in Resolve 18 one frame more (inclusive end).
Resolve's OTIO export is stood in for by OpenTimelineIO writing the timeline the fake holds, and
ImportTimelineFromFile reads a file with OpenTimelineIO.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio

TRACK_TYPES = ("video", "audio", "subtitle")
AUDIO_SUBTYPES = {"mono", "stereo", "lrc", "lcr", "lrcs", "lcrs", "quad", "5.0", "5.0film", "5.1", "5.1film", "7.0", "7.0film", "7.1", "7.1film"} | {f"adaptive{n}" for n in range(1, 37)}
CLIP_INFO_KEYS = {"mediaPoolItem", "startFrame", "endFrame", "mediaType", "trackIndex", "recordFrame"}


class FakeResolveError(AssertionError):
    """A call Resolve's API does not accept as made (wrong argument type or value)."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise FakeResolveError(message)


class _Recorded:
    def __init__(self, resolve: "FakeResolve") -> None:
        self._resolve = resolve

    def _record(self, name: str, *args: object) -> None:
        self._resolve.calls.append((f"{type(self).__name__.removeprefix('Fake')}.{name}", args))


class FakeMediaPoolItem(_Recorded):
    def __init__(self, resolve: "FakeResolve", path: str, frames: int | None = None) -> None:
        super().__init__(resolve)
        self.path = path
        self.frames = frames

    def GetName(self) -> str:  # noqa: N802 - Resolve's names
        self._record("GetName")
        return os.path.basename(self.path)

    def GetClipProperty(self, propertyName: str | None = None) -> str | dict:  # noqa: N802,N803
        self._record("GetClipProperty", propertyName)
        properties = {"File Path": self.path, "Clip Name": os.path.basename(self.path)}
        return properties if propertyName is None else properties.get(propertyName, "")


class FakeTimelineItem(_Recorded):
    def __init__(self, resolve: "FakeResolve", name: str, start: int, duration: int, item: FakeMediaPoolItem | None, source_start: int = 0, color: str = "") -> None:
        super().__init__(resolve)
        self.name, self.start, self.duration, self.media_pool_item = name, start, duration, item
        self.source_start, self.color = source_start, color

    def GetName(self) -> str:  # noqa: N802
        self._record("GetName")
        return self.name

    def GetStart(self, subframe_precision: bool = False) -> int:  # noqa: N802
        self._record("GetStart")
        return self.start

    def GetEnd(self, subframe_precision: bool = False) -> int:  # noqa: N802
        self._record("GetEnd")
        return self.start + self.duration

    def GetDuration(self, subframe_precision: bool = False) -> int:  # noqa: N802
        self._record("GetDuration")
        return self.duration

    def GetClipColor(self) -> str:  # noqa: N802
        self._record("GetClipColor")
        return self.color

    def GetMediaPoolItem(self) -> FakeMediaPoolItem | None:  # noqa: N802
        self._record("GetMediaPoolItem")
        return self.media_pool_item


class FakeTimeline(_Recorded):
    """A timeline: its name, rate, start frame and items per (track type, 1-based index)."""

    def __init__(self, resolve: "FakeResolve", name: str, rate: float, start_frame: int) -> None:
        super().__init__(resolve)
        self.name, self.rate, self.start_frame = name, rate, start_frame
        self.tracks: dict[str, list[list[FakeTimelineItem]]] = {kind: [] for kind in TRACK_TYPES}
        self.track_names: dict[tuple[str, int], str] = {}
        self.track_subtypes: dict[tuple[str, int], str] = {}
        self.source: otio.schema.Timeline | None = None

    @classmethod
    def from_otio(cls, resolve: "FakeResolve", timeline: otio.schema.Timeline) -> "FakeTimeline":
        """What Resolve shows for an OTIO timeline: items at absolute frames from its start."""
        start = timeline.global_start_time
        rate = start.rate if start is not None else next(iter(timeline.find_clips())).trimmed_range().duration.rate
        fake = cls(resolve, timeline.name, rate, round(start.value) if start is not None else 0)
        fake.source = timeline
        for track in timeline.tracks:
            kind = "video" if track.kind == otio.schema.TrackKind.Video else "audio"
            items = []
            for clip in track.find_clips():
                record = clip.range_in_parent()
                frames = round(record.start_time.rescaled_to(rate).value)
                duration = round(record.duration.rescaled_to(rate).value)
                path = _path_of(clip)
                item = resolve.media_pool.item_for(path) if path else None
                items.append(FakeTimelineItem(resolve, clip.name, fake.start_frame + frames, duration, item, round(clip.trimmed_range().start_time.rescaled_to(rate).value)))
            fake.tracks[kind].append(items)
            fake.track_names[(kind, len(fake.tracks[kind]))] = track.name
        return fake

    def GetName(self) -> str:  # noqa: N802
        self._record("GetName")
        return self.name

    def GetStartFrame(self) -> int:  # noqa: N802
        self._record("GetStartFrame")
        return self.start_frame

    def GetTrackCount(self, trackType: str) -> int:  # noqa: N802,N803
        self._record("GetTrackCount", trackType)
        _require(trackType in TRACK_TYPES, f"GetTrackCount: trackType must be one of {TRACK_TYPES}, got {trackType!r}")
        return len(self.tracks[trackType])

    def AddTrack(self, trackType: str, subTrackType: str | dict | None = None) -> bool:  # noqa: N802,N803
        self._record("AddTrack", trackType, subTrackType)
        _require(trackType in TRACK_TYPES, f"AddTrack: trackType must be one of {TRACK_TYPES}, got {trackType!r}")
        if isinstance(subTrackType, str):
            _require(trackType == "audio" and subTrackType in AUDIO_SUBTYPES, f"AddTrack: bad subTrackType {subTrackType!r} for {trackType}")
        self.tracks[trackType].append([])
        self.track_subtypes[(trackType, len(self.tracks[trackType]))] = subTrackType if trackType == "audio" and subTrackType else "mono"
        return True

    def SetTrackName(self, trackType: str, trackIndex: int, name: str) -> bool:  # noqa: N802,N803
        self._record("SetTrackName", trackType, trackIndex, name)
        _require(isinstance(trackIndex, int) and 1 <= trackIndex <= len(self.tracks[trackType]), f"SetTrackName: no {trackType} track {trackIndex}")
        self.track_names[(trackType, trackIndex)] = name
        return True

    def GetItemListInTrack(self, trackType: str, index: int) -> list[FakeTimelineItem]:  # noqa: N802,N803
        self._record("GetItemListInTrack", trackType, index)
        _require(isinstance(index, int) and 1 <= index <= len(self.tracks[trackType]), f"GetItemListInTrack: no {trackType} track {index}")
        return list(self.tracks[trackType][index - 1])

    def Export(self, fileName: str, exportType: int, exportSubtype: int) -> bool:  # noqa: N802,N803
        self._record("Export", fileName, exportType, exportSubtype)
        _require(isinstance(fileName, str), "Export: fileName must be a string")
        if exportType != FakeResolve.EXPORT_OTIO or exportSubtype != FakeResolve.EXPORT_NONE or self.source is None:
            return False
        otio.adapters.write_to_file(self.source, fileName, adapter_name="otio_json")
        return True

    def place(self, track_index: int, item: FakeTimelineItem) -> bool:
        """Put an audio item on a track; False (Resolve appends nothing) where it would overlap."""
        track = self.tracks["audio"][track_index - 1]
        if any(item.start < other.start + other.duration and other.start < item.start + item.duration for other in track):
            return False
        track.append(item)
        track.sort(key=lambda i: i.start)
        return True


class FakeFolder(_Recorded):
    def __init__(self, resolve: "FakeResolve", name: str) -> None:
        super().__init__(resolve)
        self.name, self.clips, self.subfolders = name, [], []

    def GetName(self) -> str:  # noqa: N802
        self._record("GetName")
        return self.name

    def GetClipList(self) -> list[FakeMediaPoolItem]:  # noqa: N802
        self._record("GetClipList")
        return list(self.clips)


class FakeMediaPool(_Recorded):
    def __init__(self, resolve: "FakeResolve") -> None:
        super().__init__(resolve)
        self.root = FakeFolder(resolve, "Master")
        self.current = self.root

    def item_for(self, path: str) -> FakeMediaPoolItem:
        for folder in [self.root, *self.root.subfolders]:
            for item in folder.clips:
                if item.path == path:
                    return item
        item = FakeMediaPoolItem(self._resolve, path)
        self.root.clips.append(item)
        return item

    def GetRootFolder(self) -> FakeFolder:  # noqa: N802
        self._record("GetRootFolder")
        return self.root

    def AddSubFolder(self, folder: FakeFolder, name: str) -> FakeFolder:  # noqa: N802
        self._record("AddSubFolder", folder, name)
        _require(isinstance(folder, FakeFolder) and isinstance(name, str), "AddSubFolder(folder, name)")
        sub = FakeFolder(self._resolve, name)
        folder.subfolders.append(sub)
        return sub

    def SetCurrentFolder(self, folder: FakeFolder) -> bool:  # noqa: N802
        self._record("SetCurrentFolder", folder)
        _require(isinstance(folder, FakeFolder), "SetCurrentFolder(Folder)")
        self.current = folder
        return True

    def ImportMedia(self, items: list[str]) -> list[FakeMediaPoolItem]:  # noqa: N802
        self._record("ImportMedia", list(items))
        _require(isinstance(items, list) and all(isinstance(p, str) for p in items), "ImportMedia([items...]) takes a list of paths")
        created = []
        for path in items:
            if os.path.isfile(path):
                item = FakeMediaPoolItem(self._resolve, path)
                self.current.clips.append(item)
                created.append(item)
        return created

    def AppendToTimeline(self, clip_infos: list[dict]) -> list[FakeTimelineItem]:  # noqa: N802
        self._record("AppendToTimeline", [dict(info) for info in clip_infos])
        timeline = self._resolve.project.current_timeline
        _require(isinstance(clip_infos, list) and clip_infos, "AppendToTimeline([{clipInfo}, ...]) takes a non-empty list")
        appended = []
        for info in clip_infos:
            _require(isinstance(info, dict) and set(info) <= CLIP_INFO_KEYS, f"clipInfo keys must be among {sorted(CLIP_INFO_KEYS)}: {sorted(info)}")
            _require(isinstance(info.get("mediaPoolItem"), FakeMediaPoolItem), "clipInfo needs a mediaPoolItem")
            for key in ("startFrame", "endFrame", "recordFrame"):
                _require(isinstance(info.get(key), (int, float)) and not isinstance(info.get(key), bool), f"clipInfo {key} must be a number")
            _require(info.get("mediaType", 2) in (1, 2), "clipInfo mediaType is 1 (video only) or 2 (audio only)")
            _require(isinstance(info.get("trackIndex"), int), "clipInfo trackIndex must be an int")
            kind = "audio" if info.get("mediaType") == 2 else "video"
            _require(1 <= info["trackIndex"] <= len(timeline.tracks[kind]), f"no {kind} track {info['trackIndex']}")
            exclusive = self._resolve.version[0] >= 19
            duration = int(info["endFrame"] - info["startFrame"]) + (0 if exclusive else 1)
            item = FakeTimelineItem(self._resolve, info["mediaPoolItem"].GetName(), int(info["recordFrame"]), duration, info["mediaPoolItem"], int(info["startFrame"]))
            if timeline.place(info["trackIndex"], item):
                appended.append(item)
        return appended

    def ImportTimelineFromFile(self, filePath: str, importOptions: dict | None = None) -> FakeTimeline | None:  # noqa: N802,N803
        self._record("ImportTimelineFromFile", filePath, dict(importOptions or {}))
        try:
            timeline = otio.adapters.read_from_file(filePath)
        except otio.exceptions.OTIOError:
            return None
        imported = FakeTimeline.from_otio(self._resolve, timeline)
        imported.name = (importOptions or {}).get("timelineName", imported.name)
        self._resolve.project.timelines.append(imported)
        return imported


class FakeProject(_Recorded):
    def __init__(self, resolve: "FakeResolve", name: str) -> None:
        super().__init__(resolve)
        self.name = name
        self.timelines: list[FakeTimeline] = []
        self.current_timeline: FakeTimeline | None = None

    def GetName(self) -> str:  # noqa: N802
        self._record("GetName")
        return self.name

    def GetMediaPool(self) -> FakeMediaPool:  # noqa: N802
        self._record("GetMediaPool")
        return self._resolve.media_pool

    def GetCurrentTimeline(self) -> FakeTimeline | None:  # noqa: N802
        self._record("GetCurrentTimeline")
        return self.current_timeline

    def SetCurrentTimeline(self, timeline: FakeTimeline) -> bool:  # noqa: N802
        self._record("SetCurrentTimeline", timeline)
        _require(isinstance(timeline, FakeTimeline), "SetCurrentTimeline(timeline)")
        self.current_timeline = timeline
        return True


class FakeProjectManager(_Recorded):
    def GetCurrentProject(self) -> FakeProject:  # noqa: N802
        self._record("GetCurrentProject")
        return self._resolve.project


class FakeResolve:
    """The `resolve` object, holding one project whose current timeline is given as OTIO."""

    EXPORT_OTIO = 17  # the values are Resolve's business; the script uses the names
    EXPORT_NONE = 0

    def __init__(self, timeline: otio.schema.Timeline, version: tuple[int, ...] = (20, 0, 0, 0, "")) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.version = list(version)
        self.media_pool = FakeMediaPool(self)
        self.project = FakeProject(self, "Fake project")
        current = FakeTimeline.from_otio(self, timeline)
        self.project.timelines.append(current)
        self.project.current_timeline = current

    def GetProjectManager(self) -> FakeProjectManager:  # noqa: N802
        self.calls.append(("Resolve.GetProjectManager", ()))
        return FakeProjectManager(self)

    def GetVersion(self) -> list[object]:  # noqa: N802
        self.calls.append(("Resolve.GetVersion", ()))
        return list(self.version)

    def calls_to(self, name: str) -> list[tuple[object, ...]]:
        """The arguments of every recorded call of `name` (e.g. "MediaPool.AppendToTimeline")."""
        return [args for called, args in self.calls if called == name]


def _path_of(clip: otio.schema.Clip) -> str | None:
    reference = clip.media_reference
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    parsed = urlparse(reference.target_url)
    return unquote(parsed.path) if parsed.scheme == "file" else str(Path(reference.target_url))

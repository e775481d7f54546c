"""Foley Assistant for DaVinci Resolve: Workspace > Scripts > Utility > Foley Assistant.

What it does, on the current timeline:

1. exports it as OpenTimelineIO (`timeline.Export(path, resolve.EXPORT_OTIO, resolve.EXPORT_NONE)`)
   into a work folder;
2. runs the assistant on it: headless `foley-assistant generate` for the selected clips (video clips
   whose clip color is the selection color, Orange by default; all clips when none has it), or, in
   "app" mode, the desktop app on that timeline (the script waits until the app is closed, then
   takes the newest result made for that timeline);
3. brings the result back: imports the stems into a new Media Pool bin and places them on new stereo
   audio tracks, one per object lane, at their record frames (`AppendToTimeline` with `trackIndex`
   and `recordFrame`, counted from `timeline.GetStartFrame()`); or, with `"bring_back": "timeline"`,
   imports the written-back OTIO (stems in frames, schemas Resolve reads) as a new timeline.

Where each stem goes comes from `foley-assistant placements DIR --rate FPS --json`, so the frame
arithmetic is the product's own. Resolve's scripting Python is whatever Python 3 Resolve finds
(3.6 or newer): this file uses the standard library only and talks to the assistant through its
command line. Settings: ~/.config/foley-assistant/resolve.json (or the file named by
$FOLEY_ASSISTANT_RESOLVE_SETTINGS), keys as in DEFAULT_SETTINGS; see plugins/resolve/README.md.

Every call into Resolve is one documented in Resolve's scripting README (Developer/Scripting/
README.txt); `endFrame` in AppendToTimeline's clipInfo is exclusive from Resolve 19 on and
inclusive before (see `end_frame_for`).
"""

import datetime
import json
import os
import shutil
import subprocess
import sys

DEFAULT_SETTINGS = {
    "mode": "generate",  # "generate" (headless) or "app" (open the desktop app on the timeline)
    "bring_back": "tracks",  # "tracks" (new audio tracks in this timeline) or "timeline" (import a new timeline)
    "cli": "",  # the foley-assistant program; found on PATH or in the usual install places when empty
    "engine": "procedural",  # procedural, library or neural
    "selection_color": "Orange",  # clips of this clip color are the selection; all clips when none
    "work_dir": "",  # where exports and results go; default ~/FoleyAssistant/<project>/<timeline>
    "extra_args": [],  # more arguments for generate, e.g. ["--binaural"]
}
SETTINGS_ENV = "FOLEY_ASSISTANT_RESOLVE_SETTINGS"
CLI_ENV = "FOLEY_ASSISTANT_CLI"
AUDIO_ONLY = 2  # clipInfo mediaType: 1 video only, 2 audio only


class PluginError(Exception):
    """Something the editor can fix; its message says what."""


def log(message):
    """Resolve shows a script's output in Workspace > Console."""
    print("[Foley Assistant] " + message)
    sys.stdout.flush()


def load_settings(path=None):
    """DEFAULT_SETTINGS updated from the settings file, then $FOLEY_ASSISTANT_CLI."""
    settings = dict(DEFAULT_SETTINGS)
    path = path or os.environ.get(SETTINGS_ENV) or os.path.join(os.path.expanduser("~"), ".config", "foley-assistant", "resolve.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            try:
                settings.update(json.load(handle))
            except ValueError as exc:
                raise PluginError("the settings file {} is not valid JSON ({}); fix or delete it".format(path, exc))
    if os.environ.get(CLI_ENV):
        settings["cli"] = os.environ[CLI_ENV]
    if settings["mode"] not in ("generate", "app"):
        raise PluginError('"mode" must be "generate" or "app", not {!r}'.format(settings["mode"]))
    if settings["bring_back"] not in ("tracks", "timeline"):
        raise PluginError('"bring_back" must be "tracks" or "timeline", not {!r}'.format(settings["bring_back"]))
    return settings


def cli_command(settings):
    """The foley-assistant program as a command list."""
    configured = settings.get("cli")
    if configured:
        command = list(configured) if isinstance(configured, (list, tuple)) else [configured]
        if not (os.path.isfile(command[0]) or shutil.which(command[0])):
            raise PluginError('the foley-assistant program set in "cli" ({}) does not exist; fix the path in the settings file'.format(command[0]))
        return command
    found = shutil.which("foley-assistant")
    if found:
        return [found]
    home = os.path.expanduser("~")
    for candidate in (
        "/opt/foley-assistant/foley-assistant",
        os.path.join(home, ".local", "bin", "foley-assistant"),
        os.path.join(home, "foley-assistant", "foley-assistant"),
        "/Applications/Foley Assistant.app/Contents/MacOS/foley-assistant",
        os.path.join(os.environ.get("LOCALAPPDATA", home), "Programs", "Foley Assistant", "foley-assistant.exe"),
    ):
        if os.path.isfile(candidate):
            return [candidate]
    raise PluginError('foley-assistant was not found: install it, or set "cli" in the settings file (or ${}) to its path'.format(CLI_ENV))


def run_cli(command, arguments):
    """Run the assistant's command line; returns its stdout, or raises with its error line."""
    log("running " + " ".join(command + arguments))
    try:
        process = subprocess.run(command + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as exc:
        raise PluginError("could not run {}: {}".format(command[0], exc))
    if process.returncode != 0:
        lines = [line for line in process.stderr.splitlines() if line.strip()]
        raise PluginError("foley-assistant {} failed: {}".format(arguments[0], lines[-1] if lines else "exit code {}".format(process.returncode)))
    return process.stdout


def safe_name(text):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_") or "timeline"


def work_folder(settings, project, timeline):
    base = settings.get("work_dir") or os.path.join(os.path.expanduser("~"), "FoleyAssistant", safe_name(project.GetName()))
    folder = os.path.join(base, safe_name(timeline.GetName()))
    os.makedirs(folder, exist_ok=True)
    return folder


def export_timeline(resolve, timeline, path):
    """The current timeline as OTIO, through Resolve's own exporter."""
    if not timeline.Export(path, resolve.EXPORT_OTIO, resolve.EXPORT_NONE) or not os.path.isfile(path):
        raise PluginError("Resolve could not export the timeline as OTIO to {} (Resolve 18.5 or newer is needed)".format(path))
    return path


def selected_items(timeline, color):
    """Video clips whose clip color is `color` (the editor's selection)."""
    chosen = []
    for index in range(1, timeline.GetTrackCount("video") + 1):
        for item in timeline.GetItemListInTrack("video", index) or []:
            if color and item.GetClipColor() == color:
                chosen.append(item)
    return chosen


def shot_ids_for(items, shots, start_frame):
    """The assistant's shot ids (from `shots --json`) of the chosen timeline items: the shot whose
    record range overlaps the item most, a same-named clip breaking ties."""
    wanted = []
    for item in items:
        start, end = item.GetStart() - start_frame, item.GetEnd() - start_frame
        best, best_key = None, (0, False)
        for shot in shots:
            record = shot["record_range"]
            overlap = min(end, record["start_frame"] + record["duration_frames"]) - max(start, record["start_frame"])
            key = (overlap, shot["clip"] == item.GetName())
            if overlap > 0 and key > best_key:
                best, best_key = shot["id"], key
        if best is None:
            raise PluginError("the colored clip {!r} at frame {} is not a shot the assistant can use".format(item.GetName(), item.GetStart()))
        if best not in wanted:
            wanted.append(best)
    return wanted


def find_result_folder(search_root, timeline_path):
    """The newest generate folder under `search_root` (two levels deep) made for `timeline_path`."""
    target = os.path.realpath(timeline_path)
    found = []
    for folder, subfolders, files in os.walk(search_root):
        if folder[len(search_root) :].count(os.sep) >= 2:
            subfolders[:] = []
        if "foley_project.json" in files:
            path = os.path.join(folder, "foley_project.json")
            try:
                with open(path, encoding="utf-8") as handle:
                    timeline = json.load(handle).get("timeline", "")
            except (OSError, ValueError):
                continue
            if os.path.realpath(os.path.join(folder, timeline)) == target:
                found.append((os.path.getmtime(path), folder))
    return max(found)[1] if found else None


def run_assistant(settings, command, timeline_path, folder, shot_ids):
    """Make the stems; returns the generate folder."""
    if settings["mode"] == "app":
        log("opening the Foley Assistant app on the timeline; close it when you have generated")
        subprocess.call(command + ["gui", timeline_path])
        result = find_result_folder(folder, timeline_path)
        if result is None:
            raise PluginError("no result for this timeline was found under {}: generate in the app, then close it".format(folder))
        return result
    out = os.path.join(folder, "foley-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    arguments = ["generate", timeline_path, "--out", out, "--engine", settings["engine"], "-q"]
    for shot in shot_ids:
        arguments += ["--shot", shot]
    run_cli(command, arguments + list(settings.get("extra_args") or []))
    return out


def end_frame_for(length_frames, version):
    """clipInfo endFrame for `length_frames` frames from startFrame 0: exclusive from Resolve 19
    (an item lasts endFrame - startFrame), inclusive in Resolve 18."""
    major = int(version[0]) if version else 19
    return length_frames if major >= 19 else length_frames - 1


def media_pool_items_by_path(items):
    by_path = {}
    for item in items or []:
        path = item.GetClipProperty("File Path") or item.GetName()
        by_path[os.path.normcase(os.path.realpath(path))] = item
        by_path.setdefault(os.path.basename(path), item)
    return by_path


def bring_back_tracks(resolve, project, timeline, plan, bin_name):
    """Import the stems and place them on new stereo audio tracks at their record frames."""
    media_pool = project.GetMediaPool()
    folder = media_pool.AddSubFolder(media_pool.GetRootFolder(), bin_name)
    if folder:
        media_pool.SetCurrentFolder(folder)
    paths = [clip["stem"] for lane in plan["lanes"] for clip in lane["clips"]]
    imported = media_pool_items_by_path(media_pool.ImportMedia(paths))
    start_frame = timeline.GetStartFrame()
    version = resolve.GetVersion()
    placed, problems = 0, []
    for lane in plan["lanes"]:
        if not timeline.AddTrack("audio", "stereo"):
            raise PluginError("Resolve refused to add a stereo audio track")
        track_index = timeline.GetTrackCount("audio")
        timeline.SetTrackName("audio", track_index, "Foley " + lane["name"])
        infos = []
        for clip in lane["clips"]:
            item = imported.get(os.path.normcase(os.path.realpath(clip["stem"]))) or imported.get(os.path.basename(clip["stem"]))
            if item is None:
                problems.append("{} was not imported into the Media Pool".format(clip["stem"]))
                continue
            infos.append(
                {
                    "mediaPoolItem": item,
                    "startFrame": clip.get("source_frame", 0),  # past the stem's handle before the cut
                    "endFrame": clip.get("source_frame", 0) + end_frame_for(clip["length_frames"], version),
                    "mediaType": AUDIO_ONLY,
                    "trackIndex": track_index,
                    "recordFrame": start_frame + clip["record_frame"],
                }
            )
        appended = media_pool.AppendToTimeline(infos) if infos else []
        for info, item in zip(infos, appended or []):
            if item.GetStart() != info["recordFrame"]:
                problems.append("{} landed at frame {}, not {}".format(item.GetName(), item.GetStart(), info["recordFrame"]))
        placed += len(appended or [])
        if len(appended or []) != len(infos):
            problems.append("Resolve placed {} of {} stems on track A{}".format(len(appended or []), len(infos), track_index))
    return placed, problems


def bring_back_timeline(project, command, result_folder, name):
    """Import the written-back timeline (stems in frames, OTIO schemas Resolve reads)."""
    path = os.path.join(result_folder, "timeline_resolve.otio")
    run_cli(command, ["export", result_folder, "--format", "otio", "--nle", "resolve", "--out", path, "-q"])
    imported = project.GetMediaPool().ImportTimelineFromFile(path, {"timelineName": name, "importSourceClips": True})
    if not imported:
        raise PluginError("Resolve could not import {} as a timeline".format(path))
    project.SetCurrentTimeline(imported)
    return imported


def run(resolve, settings):
    """The whole round trip on the current timeline; returns a one-line summary."""
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline() if project else None
    if timeline is None:
        raise PluginError("open a timeline first")
    command = cli_command(settings)
    folder = work_folder(settings, project, timeline)
    exported = export_timeline(resolve, timeline, os.path.join(folder, safe_name(timeline.GetName()) + ".otio"))
    chosen = selected_items(timeline, settings.get("selection_color"))
    shot_ids = []
    if chosen and settings["mode"] == "generate":
        shots = json.loads(run_cli(command, ["shots", exported, "--json"]))["shots"]
        shot_ids = shot_ids_for(chosen, shots, timeline.GetStartFrame())
        log("selected ({} clips): shots {}".format(settings.get("selection_color"), ", ".join(shot_ids)))
    result = run_assistant(settings, command, exported, folder, shot_ids)
    name = "{} + foley {}".format(timeline.GetName(), os.path.basename(result))
    if settings["bring_back"] == "timeline":
        bring_back_timeline(project, command, result, name)
        return "imported the timeline '{}' from {}".format(name, result)
    plan = json.loads(run_cli(command, ["placements", result, "--json"]))  # frames of the exported timeline's rate
    placed, problems = bring_back_tracks(resolve, project, timeline, plan, "Foley Assistant " + os.path.basename(result))
    for problem in problems:
        log("problem: " + problem)
    return "placed {} stems on {} new audio tracks (files in {})".format(placed, len(plan["lanes"]), result)


def connect():
    """The `resolve` object: given by Resolve to menu scripts, or through DaVinciResolveScript."""
    given = globals().get("resolve")
    if given is not None:
        return given
    app = globals().get("app") or globals().get("fu")
    if app is not None and hasattr(app, "GetResolve"):
        return app.GetResolve()
    try:
        import DaVinciResolveScript  # noqa: PLC0415 - only inside Resolve's environment
    except ImportError:
        raise PluginError("run this from Resolve (Workspace > Scripts > Utility), or set up DaVinciResolveScript (see the README)")
    return DaVinciResolveScript.scriptapp("Resolve")


def main(resolve=None, settings=None):
    """Run the round trip and report it in Resolve's console; returns 0 on success, 1 otherwise."""
    try:
        summary = run(resolve or connect(), settings or load_settings())
    except PluginError as exc:
        log("error: {}".format(exc))
        return 1
    log(summary)
    return 0


if __name__ == "__main__":
    main()

"""The label -> voice map: which procedural voice sounds an object, with which parameters.

The bundled map is `voices.json` in `foley_assistant.resources`; a user's edited copy is passed in
as a dict. Heights not given in the map come from the bundled `size_priors.json` (the same priors
vision uses for distance). This module reads no other file. Format (see the "_doc" field of the bundled file):

    {"_doc": ..., "_default": {"voice": "impacts", "material": "wood"},
     "person": {"voice": "footsteps", "surface": "concrete", "height_m": 1.7,
                "layers": [{"voice": "cloth", "level_db": -6}], "library": "footsteps concrete"},
     "pedestrian": {"same_as": "person"}, ...}

`layers` are further voices sounding with the main one (same motion, their own level);
`library` is the text the SFX-library engine searches for this label (default: from the voice).
"_ambience" (optional) chooses a shot's ambience bed from its labels for `generate --ambience
auto`: {"rain": ["umbrella"], "street": ["car", ...], "_default": "room"}, beds in order of
precedence (the first one with a label in the shot wins).
Keys starting with "_" are not labels. Labels match case-insensitively, with surrounding spaces
and "_"/"-" treated like spaces. Unknown keys or values are refused with a message naming them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Mapping

from foley_assistant.core.errors import InputFileError
from foley_assistant.generators.procedural.ambience import AMBIENCES
from foley_assistant.generators.procedural.engine import ENGINE_PRESETS, EngineSpec, engine_spec_from
from foley_assistant.generators.procedural.footsteps import SURFACES
from foley_assistant.generators.procedural.impacts import MATERIALS
from foley_assistant.generators.procedural.whoosh import WhooshSpec

VOICES = ("footsteps", "impacts", "engine", "whoosh", "cloth")
COMMON_KEYS = {"voice", "height_m", "level_db", "release_s", "layers", "library"}
LAYER_KEYS = {"voice", "level_db", "library"}  # plus the voice's own keys
VOICE_KEYS: dict[str, set[str]] = {
    "footsteps": {"surface"},
    "impacts": {"material"},
    "engine": {f.name for f in fields(EngineSpec)} | {"preset"},
    "whoosh": {f.name for f in fields(WhooshSpec)},
    "cloth": {"floor"},
}
VOICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "footsteps": {"surface": "concrete", "level_db": 0.0, "release_s": 0.3},
    "impacts": {"material": "wood", "level_db": 0.0, "release_s": 1.0},
    "engine": {"level_db": 0.0, "release_s": 0.6},
    "whoosh": {"level_db": 0.0, "release_s": 0.3},
    "cloth": {"level_db": 0.0, "release_s": 0.3, "floor": 0.0},
}
HEIGHT_DEFAULTS = {"footsteps": 1.7, "impacts": 0.3, "engine": 1.5, "whoosh": 0.3, "cloth": 1.7}  # when neither map nor priors say
FALLBACK = {"voice": "impacts", "material": "wood"}
#: The generic movement voice (a soft movement that follows the motion, a hit where it lands or
#: bounces, a whoosh when fast): the
#: `unknown` label's voice when a map does not set one, and the stand-in for a silent voice.
GENERIC_LABEL = "unknown"
GENERIC = {"voice": "cloth", "floor": 0.25, "layers": [{"voice": "impacts", "material": "plastic", "level_db": -2}, {"voice": "whoosh", "level_db": -6}]}
DEFAULT_AMBIENCE = "room"  # the bed of a shot whose labels call for no other
BUNDLED_FILE = "voices.json"
SIZE_PRIORS_FILE = "size_priors.json"  # label -> real height (m), shared with vision's distance


@dataclass(frozen=True)
class VoiceSpec:
    """A resolved entry: the voice and its parameters with every default filled in, and its layers."""

    voice: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    layers: tuple["VoiceSpec", ...] = ()

    def get(self, key: str) -> Any:
        """A parameter's value (defaults included)."""
        return self.params[key]

    @property
    def name(self) -> str:
        """The voice and what it is made of, e.g. "footsteps/concrete", "engine/truck", "impacts/rubber"."""
        detail = self.params.get("surface") or self.params.get("material") or self.params.get("preset")
        return f"{self.voice}/{detail}" if detail else self.voice

    def library_query(self, label: str) -> str:
        """What the SFX-library engine searches for: the entry's "library" text, else words from the voice."""
        if self.params.get("library"):
            return str(self.params["library"])
        words = {
            "footsteps": f"footsteps {self.params.get('surface', '')}",
            "impacts": f"impact {self.params.get('material', '')}",
            "engine": f"{self.params.get('preset') or label} engine",
            "whoosh": "whoosh",
            "cloth": "cloth movement",
        }
        return " ".join(words[self.voice].split())


@dataclass(frozen=True)
class VoiceMap:
    """Validated label -> VoiceSpec entries and the spec used for labels it does not list.

    `size_priors` (label -> real height in m) give `height_m` to entries that do not set it.
    """

    entries: Mapping[str, VoiceSpec]
    default: VoiceSpec
    size_priors: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    ambience_rules: tuple[tuple[str, frozenset[str]], ...] = ()  # (bed, labels), by precedence
    ambience_default: str = DEFAULT_AMBIENCE

    @classmethod
    def from_dict(cls, data: Any, source: str = "the voice map") -> "VoiceMap":
        """Read and check a map in the JSON form; errors say which label and key is wrong."""
        if not isinstance(data, Mapping):
            raise InputFileError(f"{source} is not a JSON object of label -> voice entries")
        raw = {normalize_label(k): v for k, v in data.items() if not str(k).startswith("_")}
        default = _spec(data.get("_default", FALLBACK), "_default", source)
        entries: dict[str, VoiceSpec] = {}
        for label, entry in raw.items():
            entries[label] = _resolve(label, raw, source, [])
        rules, fallback = _ambience_rules(data.get("_ambience", {}), source)
        return cls(entries, default, MappingProxyType(bundled_size_priors()), rules, fallback)

    @classmethod
    def bundled(cls) -> "VoiceMap":
        """The map shipped in foley_assistant.resources/voices.json."""
        text = files("foley_assistant.resources").joinpath(BUNDLED_FILE).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text), source=f"the bundled {BUNDLED_FILE}")

    def lookup(self, label: str) -> VoiceSpec:
        """The spec for a label (the default for labels not in the map), with `height_m` filled in:
        the entry's own, else the label's size prior, else the voice's usual height."""
        key = normalize_label(label)
        spec = self.entries.get(key, self.default)
        if "height_m" in spec.params:
            return spec
        height = self.size_priors.get(key, HEIGHT_DEFAULTS[spec.voice])
        return VoiceSpec(spec.voice, MappingProxyType({**spec.params, "height_m": height}), spec.layers)

    def generic(self) -> VoiceSpec:
        """The generic movement voice: the map's `unknown` entry, else the built-in one."""
        if GENERIC_LABEL in self.entries:
            return self.lookup(GENERIC_LABEL)
        spec = _spec(GENERIC, GENERIC_LABEL, "the built-in generic voice")
        return VoiceSpec(spec.voice, MappingProxyType({**spec.params, "height_m": self.size_priors.get(GENERIC_LABEL, HEIGHT_DEFAULTS[spec.voice])}), spec.layers)

    def ambience_for(self, labels: list[str]) -> tuple[str, list[str]]:
        """(bed, the labels that chose it) for a shot's object labels; ([]: the default bed)."""
        present = [normalize_label(label) for label in labels]
        for bed, wanted in self.ambience_rules:
            matched = sorted({label for label in present if label in wanted})
            if matched:
                return bed, matched
        return self.ambience_default, []


def _ambience_rules(data: Any, source: str) -> tuple[tuple[tuple[str, frozenset[str]], ...], str]:
    """The "_ambience" section: (bed, labels) rules in the file's order, and the default bed."""
    if not isinstance(data, Mapping):
        raise InputFileError(f'{source}: "_ambience" must be an object like {{"street": ["car"], "_default": "room"}}')
    fallback = data.get("_default", DEFAULT_AMBIENCE)
    rules = []
    for bed, labels in data.items():
        name = fallback if bed == "_default" else bed
        if name not in AMBIENCES:
            raise InputFileError(f'{source}: "_ambience" names the bed {name!r}; choose one of {", ".join(AMBIENCES)}')
        if bed == "_default":
            continue
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            raise InputFileError(f'{source}: "_ambience" bed {bed!r} must list labels, like ["car", "truck"]')
        rules.append((bed, frozenset(normalize_label(label) for label in labels)))
    return tuple(rules), fallback


def bundled_size_priors() -> dict[str, float]:
    """Label -> real height in metres from the bundled size_priors.json ({} when it is absent).

    Its "default" entry is not used: a voice's own usual height is the better guess.
    """
    try:
        text = files("foley_assistant.resources").joinpath(SIZE_PRIORS_FILE).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {normalize_label(k): float(v) for k, v in data.items() if not str(k).startswith("_") and k != "default" and isinstance(v, (int, float)) and v > 0}


def normalize_label(label: Any) -> str:
    """Lower case, '_' and '-' as spaces, single spaces, trimmed."""
    return " ".join(str(label).lower().replace("_", " ").replace("-", " ").split())


def _resolve(label: str, raw: Mapping[str, Any], source: str, seen: list[str]) -> VoiceSpec:
    entry = raw[label]
    if isinstance(entry, Mapping) and "same_as" in entry:
        if len(entry) != 1:
            raise InputFileError(f'{source}: label {label!r} has "same_as" and other keys; use one or the other')
        target = normalize_label(entry["same_as"])
        if target not in raw:
            raise InputFileError(f'{source}: label {label!r} is "same_as" {entry["same_as"]!r}, which is not in the map')
        if target in seen + [label]:
            raise InputFileError(f'{source}: "same_as" loops through {" -> ".join(seen + [label, target])}')
        return _resolve(target, raw, source, seen + [label])
    return _spec(entry, label, source)


def _spec(entry: Any, label: str, source: str, layer: bool = False) -> VoiceSpec:
    if not isinstance(entry, Mapping):
        raise InputFileError(f'{source}: the entry for {label!r} must be an object like {{"voice": "impacts"}}')
    voice = entry.get("voice")
    if voice not in VOICES:
        raise InputFileError(f"{source}: label {label!r} has voice {voice!r}; choose one of {', '.join(VOICES)}")
    allowed = (LAYER_KEYS if layer else COMMON_KEYS) | VOICE_KEYS[voice]
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise InputFileError(f"{source}: label {label!r} ({voice}{' layer' if layer else ''}) has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    params = dict(VOICE_DEFAULTS[voice])
    params.update({k: v for k, v in entry.items() if k not in ("voice", "layers")})
    _check_values(params, voice, label, source)
    raw_layers = entry.get("layers", [])
    if not isinstance(raw_layers, list):
        raise InputFileError(f'{source}: label {label!r} has "layers" that is not a list of voice entries')
    layers = tuple(_spec(item, f"{label} layer {i + 1}", source, layer=True) for i, item in enumerate(raw_layers))
    return VoiceSpec(voice, MappingProxyType(params), layers)


def _check_values(params: dict[str, Any], voice: str, label: str, source: str) -> None:
    if voice == "footsteps" and params["surface"] not in SURFACES:
        raise InputFileError(f"{source}: label {label!r} has surface {params['surface']!r}; choose one of {', '.join(SURFACES)}")
    if voice == "impacts" and params["material"] not in MATERIALS:
        raise InputFileError(f"{source}: label {label!r} has material {params['material']!r}; choose one of {', '.join(MATERIALS)}")
    for key in ("height_m", "level_db", "release_s"):
        value = params.get(key, 1.0)
        if key != "level_db" and key not in params:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise InputFileError(f"{source}: label {label!r} has {key} = {value!r}; it must be a number")
    if params.get("height_m", 1.0) <= 0 or not 0 <= params.get("release_s", 0.0) <= 10:
        raise InputFileError(f"{source}: label {label!r} needs height_m > 0 and release_s within 0..10")
    if "library" in params and not isinstance(params["library"], str):
        raise InputFileError(f"{source}: label {label!r} has library = {params['library']!r}; it must be search text")
    if voice == "engine" and params.get("preset") is not None and params["preset"] not in ENGINE_PRESETS:
        raise InputFileError(f"{source}: label {label!r} has engine preset {params['preset']!r}; choose one of {', '.join(ENGINE_PRESETS)}")
    try:
        if voice == "engine":
            engine_spec(params)
        elif voice == "whoosh":
            whoosh_spec(params)
    except (TypeError, ValueError) as exc:
        raise InputFileError(f"{source}: label {label!r} has an invalid {voice}: {exc}") from exc


def engine_spec(params: Mapping[str, Any]) -> EngineSpec:
    """The EngineSpec of an engine entry: its preset (if any) with the entry's own values over it."""
    return engine_spec_from(params)


def whoosh_spec(params: Mapping[str, Any]) -> WhooshSpec:
    """The WhooshSpec of a whoosh entry's parameters (missing ones take WhooshSpec's defaults)."""
    names = {f.name for f in fields(WhooshSpec)}
    return WhooshSpec(**{k: v for k, v in params.items() if k in names})

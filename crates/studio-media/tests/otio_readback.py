"""Reads a package's three timelines back with OpenTimelineIO and prints what an editor gets.

Usage: otio_readback.py PACKAGE_DIR  (reads timeline.otio, timeline.fcpxml, timeline.edl)

Prints one JSON object: for each format, the video track's items in order, each a clip
(name, source in/out, the media it shows through its transitions (OTIO's visible range),
where it sits on the track, its media reference resolved against the package folder and
whether that file exists) or a transition (type, name, in/out offsets, the studio's kind from
its metadata), and the audio tracks' clips. Times are seconds. Leading gaps (FCPXML offsets
count from the sequence's 01:00:00:00 start, which the adapter reads as a gap) are dropped
and positions counted from the first clip.

OpenTimelineIO's fcpx_xml adapter (otio-fcpx-xml-adapter 1.0.0) reads no <transition>: they
are read here from the same file with ElementTree and placed between the clips they join, the
cut being the incoming clip's offset. Everything else comes from OpenTimelineIO.

Exits 2, saying why, when OpenTimelineIO or an adapter is missing (scripts/setup.sh installs
them into .venv): a read-back that cannot run must fail, not pass.
"""

import json
import os
import sys
import xml.etree.ElementTree as ET

try:
    import opentimelineio as otio
except ImportError as e:  # pragma: no cover - the environment's fault, said plainly
    sys.stderr.write(
        f"otio_readback: OpenTimelineIO is not installed in {sys.executable} ({e}); "
        "run scripts/setup.sh\n"
    )
    sys.exit(2)

ADAPTERS = {"otio": "otio_json", "fcpxml": "fcpx_xml", "edl": "cmx_3600"}
FILES = {"otio": "timeline.otio", "fcpxml": "timeline.fcpxml", "edl": "timeline.edl"}


def need_adapters():
    missing = []
    for name in ADAPTERS.values():
        try:
            otio.adapters.from_name(name)
        except Exception as e:  # noqa: BLE001 - any failure means the adapter is unusable
            missing.append(f"{name} ({e})")
    if missing:
        sys.stderr.write(
            "otio_readback: OpenTimelineIO adapters missing: " + ", ".join(missing)
            + "; run scripts/setup.sh (opentimelineio-plugins, otio-fcpx-xml-adapter)\n"
        )
        sys.exit(2)


def secs(t):
    return t.to_seconds()


def first_timeline(obj):
    if isinstance(obj, otio.schema.Timeline):
        return obj
    for child in obj.find_children(descended_from_type=otio.schema.Timeline, shallow_search=False):
        return child
    raise SystemExit("otio_readback: no timeline in the file")


def media_of(item, package):
    ref = item.media_reference
    out = {"media": None, "generator": None, "path": None, "exists": False}
    if isinstance(ref, otio.schema.ExternalReference):
        url = ref.target_url
        out["media"] = url
        path = url[len("file://"):] if url.startswith("file://") else url
        path = os.path.normpath(os.path.join(package, path))
        out["path"] = path
        out["exists"] = os.path.isfile(path)
    elif isinstance(ref, otio.schema.GeneratorReference):
        out["generator"] = ref.generator_kind
    return out


def transition_entry(t):
    md = t.metadata.get("smoketech", {}) if t.metadata else {}
    return {
        "type": "transition",
        "name": t.name,
        "transition_type": t.transition_type,
        "kind": md.get("kind"),
        "in_offset": secs(t.in_offset),
        "out_offset": secs(t.out_offset),
    }


def track_items(track, package, visible=True):
    items = []
    started = False
    origin = 0.0
    for child in track:
        if isinstance(child, otio.schema.Gap) and not started:
            continue
        if isinstance(child, otio.schema.Transition):
            items.append(transition_entry(child))
            continue
        if isinstance(child, otio.schema.Gap):
            r = track.range_of_child(child)
            items.append({"type": "gap", "record_in": secs(r.start_time) - origin,
                          "record_out": secs(r.end_time_exclusive()) - origin})
            continue
        r = track.range_of_child(child)
        if not started:
            started = True
            origin = secs(r.start_time)
        src = child.source_range
        vis = child.visible_range() if visible else src
        entry = {
            "type": "clip",
            "name": child.name,
            "in": secs(src.start_time),
            "out": secs(src.end_time_exclusive()),
            "visible_in": secs(vis.start_time),
            "visible_out": secs(vis.end_time_exclusive()),
            "record_in": secs(r.start_time) - origin,
            "record_out": secs(r.end_time_exclusive()) - origin,
            "kind": (child.metadata.get("smoketech", {}) or {}).get("kind"),
        }
        entry.update(media_of(child, package))
        items.append(entry)
    return items


def fcpxml_transitions(path, clips):
    """The spine's <transition>s, placed between the clips (in spine order) they join."""
    root = ET.parse(path).getroot()
    effects = {e.get("id"): e for e in root.iter("effect")}
    fmt = root.find("./resources/format")
    frame = fmt.get("frameDuration", "1/24s") if fmt is not None else "1/24s"
    spine = root.find(".//sequence/spine")
    if spine is None:
        raise SystemExit("otio_readback: the FCPXML has no spine")

    def t(value):
        if value is None or value == "0s":
            return 0.0
        value = value.rstrip("s")
        if "/" in value:
            a, b = value.split("/")
            return float(a) / float(b)
        return float(value)

    out = []
    clip_index = 0
    pending = None
    for child in spine:
        if child.tag == "asset-clip":
            if pending is not None:
                cut = t(child.get("offset"))
                pending["in_offset"] = round(cut - pending["offset"], 6)
                pending["out_offset"] = round(pending["offset"] + pending["duration"] - cut, 6)
                out.append((clip_index, pending))
                pending = None
            clip_index += 1
        elif child.tag == "transition":
            video = child.find("filter-video")
            effect = effects.get(video.get("ref")) if video is not None else None
            pending = {
                "type": "transition",
                "name": child.get("name"),
                "transition_type": None,
                "kind": None,
                "effect": effect.get("name") if effect is not None else None,
                "effect_uid": effect.get("uid") if effect is not None else None,
                "offset": t(child.get("offset")),
                "duration": t(child.get("duration")),
            }
    if len([c for c in clips if c["type"] == "clip"]) != clip_index:
        raise SystemExit(
            f"otio_readback: {clip_index} spine clips in the XML but OTIO read "
            f"{len(clips)}"
        )
    # Insert before the clip_index-th clip.
    merged = []
    k = 0
    for item in clips:
        if item["type"] == "clip":
            for at, tr in out:
                if at == k:
                    merged.append(tr)
            k += 1
        merged.append(item)
    # The adapter knows no transitions, so each clip's visible range is widened here, as OTIO
    # would: by the preceding transition's in_offset and the following one's out_offset.
    for i, item in enumerate(merged):
        if item["type"] != "clip":
            continue
        before = merged[i - 1] if i > 0 else None
        after = merged[i + 1] if i + 1 < len(merged) else None
        if before is not None and before["type"] == "transition":
            item["visible_in"] = item["in"] - before["in_offset"]
        if after is not None and after["type"] == "transition":
            item["visible_out"] = item["out"] + after["out_offset"]
    return merged, frame


def read(fmt, package):
    path = os.path.join(package, FILES[fmt])
    if fmt == "edl":
        tl = otio.adapters.read_from_file(path, adapter_name="cmx_3600", rate=24)
    else:
        tl = otio.adapters.read_from_file(path, adapter_name=ADAPTERS[fmt])
    tl = first_timeline(tl)
    video = [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video]
    audio = [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Audio]
    if len(video) != 1:
        raise SystemExit(f"otio_readback: {fmt}: {len(video)} video tracks, expected 1")
    items = track_items(video[0], package)
    if fmt == "fcpxml":
        items, _ = fcpxml_transitions(path, items)
    clips = [i for i in items if i["type"] == "clip"]
    return {
        "name": tl.name,
        "video": items,
        "film_seconds": (clips[-1]["record_out"] if clips else 0.0),
        "audio": [
            {"track": a.name, "clips": [i for i in track_items(a, package) if i["type"] == "clip"]}
            for a in audio
        ],
    }


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: otio_readback.py PACKAGE_DIR")
    package = os.path.abspath(sys.argv[1])
    need_adapters()
    print(json.dumps({
        "otio_version": otio.__version__,
        **{fmt: read(fmt, package) for fmt in FILES},
    }, indent=1))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""kmeansseg from Python (PyGObject): print every frame's clusters.

Usage: examples/segment.py [--meta] [SOURCE] [kmeansseg property=value ...]

With no SOURCE, runs 30 frames of GStreamer's moving test pattern through
kmeansseg into a fakesink (no window, no camera) and prints, for every
frame, the clusters' centroids and pixel counts from the element's
messages. With a video file, or a camera (/dev/video0), shows the
segmented video in a window and prints the same; Ctrl+C stops it.

  examples/segment.py
  examples/segment.py k=5 mode=original mask-cluster=0
  examples/segment.py clip.webm k=4
  examples/segment.py /dev/video0
  examples/segment.py --meta

--meta (kmeansseg built against GStreamer 1.26 or newer) also sets
analytics-meta=true and reads every output buffer's analytics metadata
with GstAnalytics: the segmentation mtd's label map and the classes of
its regions, and checks that the map's pixels per region are the counts
of the element's message for that frame (needs Debian's
gir1.2-gst-plugins-bad-1.0 too).

Needs Debian's python3-gi and gir1.2-gstreamer-1.0 (python3-gst-1.0 is
used when installed, not needed). Uses the plugin in $GST_PLUGIN_PATH,
else build/gst/kmeansseg of this repository. Exits 0 at the end of the
stream, 1 on an error or when no kmeansseg message arrived.
"""

import ast
import os
import re
import signal
import sys

FRAMES = 30

# Before Gst is loaded: the plugin built in this repository, unless the
# caller points GStreamer somewhere (meson test sets GST_PLUGIN_PATH_1_0)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if "GST_PLUGIN_PATH" not in os.environ and \
        "GST_PLUGIN_PATH_1_0" not in os.environ:
    os.environ["GST_PLUGIN_PATH"] = os.path.join(ROOT, "build", "gst",
                                                 "kmeansseg")

try:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
except (ImportError, ValueError) as e:
    sys.exit("segment.py needs PyGObject and GStreamer's typelib "
             "(Debian: apt install python3-gi gir1.2-gstreamer-1.0): %s" % e)


def array_field(structure, name):
    """The array field @name ("centroids", "counts") as Python lists."""
    try:
        # python3-gst-1.0's overrides convert a GstValueArray (nested too)
        return to_list(structure.get_value(name))
    except TypeError:
        pass
    # Plain PyGObject can't convert a GstValueArray ("unknown type"): read
    # the field's serialization, e.g. centroids=(uint)< < (uint)6, (uint)23,
    # (uint)147 >, ... >, which holds only integers here
    text = structure.to_string()
    match = re.search(r"(?:^|[ ,;])%s=\([^)]*\)<" % re.escape(name), text)
    if not match:
        raise KeyError(name)
    start = match.end() - 1
    depth = 0
    for end in range(start, len(text)):
        depth += {"<": 1, ">": -1}.get(text[end], 0)
        if depth == 0:
            break
    value = re.sub(r"\([a-z0-9_]+\)", "", text[start:end + 1])
    return ast.literal_eval(value.replace("<", "[").replace(">", "]"))


def to_list(value):
    if isinstance(value, (int, float)):
        return value
    return [to_list(v) for v in value]


def components(element):
    """Names of a centroid's components, from the negotiated caps."""
    caps = element.get_static_pad("sink").get_current_caps()
    fmt = caps.get_structure(0).get_string("format") if caps else None
    if fmt == "GRAY8":
        return "Y"
    if fmt and "R" in fmt and "G" in fmt and "B" in fmt:
        return "RGB"
    return "YUV"


def on_message(bus, message, state):
    t = message.type
    if t == Gst.MessageType.ELEMENT and message.has_name("kmeansseg"):
        s = message.get_structure()
        _, k = s.get_uint("k")
        _, iterations = s.get_uint("iterations")
        _, mse = s.get_double("mse")
        _, pts = s.get_uint64("timestamp")
        _, reinit = s.get_boolean("reinitialized")
        _, cut = s.get_boolean("scene-cut")
        centroids = array_field(s, "centroids")
        counts = array_field(s, "counts")
        if state["names"] is None:
            state["names"] = components(message.src)
        names = state["names"]
        notes = (" reinitialized" if reinit else "") + \
                (" scene-cut" if cut else "")
        print("frame %d at %s: k=%d iterations=%d mse=%.1f%s" %
              (state["frames"], format_time(pts), k, iterations, mse,
               notes))
        for c, (centroid, count) in enumerate(zip(centroids, counts)):
            colour = " ".join("%s=%3d" % (n, v)
                              for n, v in zip(names, centroid))
            print("  cluster %d: %s  %d pixels" % (c, colour, count))
        if state["meta"] is not None:
            state["counts"][pts] = list(counts)
            meta = state["meta"].get(pts)
            if meta:
                print("  meta: %dx%d label map, regions %s, classes %s" %
                      (meta[0], meta[1], " ".join(map(str, meta[2])),
                       " ".join(meta[3])))
        state["frames"] += 1
    elif t == Gst.MessageType.WARNING:
        err, debug = message.parse_warning()
        print("warning from %s: %s" % (message.src.get_name(), err.message),
              file=sys.stderr)
    elif t == Gst.MessageType.ERROR:
        err, debug = message.parse_error()
        print("error from %s: %s\n%s" % (message.src.get_name(),
                                         err.message, debug or ""),
              file=sys.stderr)
        state["status"] = 1
        state["loop"].quit()
    elif t == Gst.MessageType.EOS:
        state["loop"].quit()
    return True


def read_meta(pad, info, state):
    """Pad probe on kmeansseg's source pad: the label map of the buffer's
    segmentation mtd, counted per region, and its classes' names."""
    from gi.repository import GstAnalytics, GstVideo
    buf = info.get_buffer()
    rmeta = GstAnalytics.buffer_get_analytics_relation_meta(buf)
    if rmeta is None:
        state["meta"][buf.pts] = None
        return Gst.PadProbeReturn.OK
    seg = cls = None
    for mtd_id in range(GstAnalytics.relation_get_length(rmeta)):
        ok, mtd = rmeta.get_segmentation_mtd(mtd_id)
        if ok:
            seg = mtd
    for mtd_id in range(GstAnalytics.relation_get_length(rmeta)):
        ok, mtd = rmeta.get_cls_mtd(mtd_id)
        if ok and seg is not None and rmeta.get_relation(seg.id, mtd.id) \
                == GstAnalytics.RelTypes.RELATE_TO:
            cls = mtd
    if seg is None:
        state["meta"][buf.pts] = None
        return Gst.PadProbeReturn.OK
    mask, _, _, width, height = seg.get_mask()
    vmeta = GstVideo.buffer_get_video_meta(mask)
    ok, data = mask.map(Gst.MapFlags.READ)
    try:
        rows = [bytes(data.data[vmeta.offset[0] + y * vmeta.stride[0]:
                                vmeta.offset[0] + y * vmeta.stride[0] +
                                vmeta.width])
                for y in range(vmeta.height)]
    finally:
        mask.unmap(data)
    ids = [seg.get_region_id(i) for i in range(seg.get_region_count())]
    counts = [sum(row.count(region) for row in rows) for region in ids]
    names = [GLib.quark_to_string(cls.get_quark(i))
             for i in range(cls.get_length())] if cls else []
    state["meta"][buf.pts] = (width, height, ids, names, counts)
    return Gst.PadProbeReturn.OK


def check_meta(state):
    """At the end: every frame's metadata against its message's pixel
    counts (the message may arrive before or after the buffer)."""
    for pts, counts in sorted(state["counts"].items()):
        meta = state["meta"].get(pts)
        if meta is None:
            print("frame at %s: no segmentation metadata" % format_time(pts),
                  file=sys.stderr)
            state["status"] = 1
            continue
        width, height, ids, names, mask_counts = meta
        if mask_counts != list(counts):
            print("frame at %s: the label map's pixels per region %s are "
                  "not the message's counts %s" % (format_time(pts),
                                                   mask_counts, list(counts)),
                  file=sys.stderr)
            state["status"] = 1
    if state["counts"] and state["status"] == 0:
        print("metadata: %d frames, each label map's pixels per region equal "
              "to its message's counts" % len(state["counts"]))


def format_time(ns):
    if ns == Gst.CLOCK_TIME_NONE:
        return "none"
    return "%d:%02d:%06.3f" % (ns // 3600000000000, ns // 60000000000 % 60,
                               ns % 60000000000 / 1e9)


def main(argv):
    # quiet when the output goes to a pipe that closes (| head)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    Gst.init(None)
    args = argv[1:]
    meta = "--meta" in args
    args = [a for a in args if a != "--meta"]
    source = args.pop(0) if args and "=" not in args[0] else None
    if source in ("-h", "--help"):
        print(__doc__)
        return 0
    if not Gst.ElementFactory.find("kmeansseg"):
        print("no kmeansseg element: build it (meson setup build && ninja -C "
              "build) or set GST_PLUGIN_PATH to its directory",
              file=sys.stderr)
        return 1

    if source is None:
        desc = ("videotestsrc pattern=smpte horizontal-speed=2 num-buffers=%d "
                "! video/x-raw,width=320,height=240 ! videoconvert "
                "! kmeansseg name=seg ! fakesink" % FRAMES)
    else:
        if source.startswith("/dev/video"):
            src = "v4l2src device=%s" % quote(source)
        elif os.path.isfile(source):
            src = "filesrc location=%s" % quote(os.path.abspath(source))
        else:
            print("no such file: %s" % source, file=sys.stderr)
            return 1
        # decodebin also takes cameras that only send MJPEG; an audio pad
        # of a file stays unlinked
        desc = ("%s ! decodebin ! videoconvert ! kmeansseg name=seg "
                "! videoconvert ! autovideosink" % src)
    pipeline = Gst.parse_launch(desc)
    seg = pipeline.get_by_name("seg")
    seg.set_property("post-messages", True)
    if meta:
        if not seg.find_property("analytics-meta"):
            print("--meta: this kmeansseg has no analytics-meta property "
                  "(built against GStreamer older than 1.26)", file=sys.stderr)
            return 1
        try:
            gi.require_version("GstAnalytics", "1.0")
            gi.require_version("GstVideo", "1.0")
            from gi.repository import GstAnalytics, GstVideo  # noqa: F401
        except (ImportError, ValueError) as e:
            print("--meta needs the GstAnalytics typelib (Debian: apt install "
                  "gir1.2-gst-plugins-bad-1.0): %s" % e, file=sys.stderr)
            return 1
        seg.set_property("analytics-meta", True)
    for arg in args:
        name, _, value = arg.partition("=")
        if not seg.find_property(name):
            print("kmeansseg has no property %s" % name, file=sys.stderr)
            return 1
        # strings as gst-launch takes them (enum nicks, hex, palette arrays)
        Gst.util_set_object_arg(seg, name, value)

    loop = GLib.MainLoop()
    state = {"loop": loop, "frames": 0, "status": 0, "names": None,
             "meta": {} if meta else None, "counts": {}}
    if meta:
        seg.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER,
                                            read_meta, state)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message, state)

    def interrupt():
        # end the stream cleanly; a file being watched stops at once
        pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_CONTINUE
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, interrupt)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        print("could not start: %s%s" % (
            desc, ": " + msg.parse_error()[0].message if msg else ""),
            file=sys.stderr)
        pipeline.set_state(Gst.State.NULL)
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    if meta:
        check_meta(state)

    if state["status"] == 0 and state["frames"] == 0:
        print("no kmeansseg message arrived", file=sys.stderr)
        state["status"] = 1
    return state["status"]


def quote(path):
    return '"%s"' % path.replace("\\", "\\\\").replace('"', '\\"')


if __name__ == "__main__":
    sys.exit(main(sys.argv))

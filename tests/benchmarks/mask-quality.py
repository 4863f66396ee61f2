#!/usr/bin/python3
"""Mask quality of kmeansseg (issue 15): how clean the label map is in
space and over time, on real footage, for one or more element settings.

For every size x clip x k x setting the element runs twice over the clip's
first --frames frames (appsrc ! kmeansseg ! appsink, RGBx, through
quality.py's Element): once in mode=labels, once in mode=posterize. One
Markdown table per size, one row per clip x k x setting:

  speckle    share of the interior pixels (not on the frame's border) whose
             label is shared by at most 2 of their 8 neighbours, over every
             frame
  edges      share of the 4-neighbour pixel pairs (side by side, or one
             above the other) whose labels differ, over every frame: the
             length of the boundaries, per pair. This is the reading of
             "edge pixels" that reproduces issue 15's baseline (5.4% and
             13.1% on the underwater footage); the share of pixels with a
             4-neighbour of another label reads about 2.8x higher, with an
             8-neighbour about 3.6x.
  edge px    share of the pixels with at least one 4-neighbour of another
             label (--json also has the 8-neighbourhood's, "edges8")
  flicker    label flicker on still pixels: share of the pixels whose input
             stays within --stable levels on every channel from one frame to
             the next (quality.py's "unchanged" pixels, same default of 3)
             whose label changes, labels compared by cluster number (the
             element keeps a cluster's number from frame to frame); the pair
             of frames across a hard cut is left out, as in quality.py
  still px   share of the pixel pairs that count as still
  MSE        per-channel MSE of the mode=posterize output against the input,
             mean over frames
  MSE vs     that MSE over the first setting's, same clip, k and size (the
             first setting is the reference, spatial-smoothing=0 by default)

Settings (--settings): each a set of properties "name=value ...", e.g.
"spatial-smoothing=1 hysteresis=2"; "default" for the element's defaults.
Default: "spatial-smoothing=0" and "default". k and mode are the tool's.
An unknown property is an error (exit status 2) naming the element's
properties, and so is a value that does not parse as the property's type
or is out of its range (scalar properties), with one exception: on an element without a spatial-smoothing
property (before issue 15), "spatial-smoothing=0" is dropped from a setting
with a note, since that is what the element does; two settings left the
same run once.

--targets checks issue 15's targets at the first setting whose
spatial-smoothing is not 0 (the property's value read back from the element,
its default when the setting leaves it) against the first setting, on every
clip and size: at k=6 speckle <= 0.1%, edges at least 30% fewer and
label flicker on still pixels at most half; at every k posterize MSE at most
3% above. One PASS/FAIL line a check; without such a setting, or without
k=6, they are "not checked". The exit status is 1 when a check fails, 2 on a
bad argument or property (or, with --strict, a missing clip), else 0.

Clips (clips.py, the group "mask"), standing in for the issue's, which
names none of its files:
  birds       birds, handheld: cockatoo.mp4 (python3-imageio) from its
              first frame
  underwater  underwater: diver.mov (pd-extendedview) from its first frame
              (the issue's baseline is this clip's at 640x480)
  Megamind    for the Lego model: Megamind.avi (opencv-doc), clean rendered
              surfaces, a still camera (no Lego footage is in the packages)
  grain       archival film with grain: vtest.avi (opencv-doc, a street, a
              still camera) in grey, softened, with film grain new each frame
--clips takes any name clips.py knows. Each clip is centre-cropped to the
size's aspect ratio and scaled (--sizes, default 640x480; 1080p is
1920x1080).

Usage:
  taskset -c 1 tests/benchmarks/mask-quality.py --plugin-path BUILD/gst/kmeansseg
  tests/benchmarks/mask-quality.py --settings "spatial-smoothing=0" \\
      "spatial-smoothing=1" "spatial-smoothing=2" --targets
  tests/benchmarks/mask-quality.py --sizes 640x480,1080p --json out.json

Needs Debian's python3-gi, gir1.2-gstreamer-1.0, gir1.2-gst-plugins-base-1.0,
python3-numpy, python3-opencv, opencv-doc, and the packages of the footage
(`tests/benchmarks/clips.py --fetch`). Run with /usr/bin/python3.
"""

import argparse
import json
import os
import shlex
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clips as clipgen  # noqa: E402
import quality  # noqa: E402

DEFAULT_CLIPS = clipgen.GROUPS["mask"]
# what each default clip stands in for (the clips of issue 15's table)
STANDS_FOR = {"birds": "birds, handheld", "underwater": "underwater",
              "Megamind": "Lego model", "grain": "archival film (grain)"}
DEFAULT_SETTINGS = ["spatial-smoothing=0", "default"]
SIZES = {"1080p": (1920, 1080), "720p": (1280, 720), "vga": (640, 480)}
# issue 15's targets
TARGET_K = 6
SPECKLE_MAX, EDGE_FACTOR, FLICKER_FACTOR, MSE_FACTOR = 0.1, 0.7, 0.5, 1.03

# --------------------------------------------------------------------------
# Metrics of one label map (H, W) of small integers


def speckle_count(lab):
    """Interior pixels whose label <= 2 of their 8 neighbours share, and the
    interior pixels."""
    h, w = lab.shape
    c = lab[1:-1, 1:-1]
    same = np.zeros(c.shape, np.uint8)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                same += lab[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] == c
    return int((same <= 2).sum()), c.size


def edge_counts(lab):
    """4-neighbour pairs of pixels (side by side or one above the other)
    whose labels differ, and those pairs; pixels with a 4-neighbour, and
    with an 8-neighbour, of another label (every pixel, the border's with
    the neighbours it has)."""
    e4 = np.zeros(lab.shape, bool)
    dh = lab[:, 1:] != lab[:, :-1]
    e4[:, 1:] |= dh
    e4[:, :-1] |= dh
    dv = lab[1:, :] != lab[:-1, :]
    e4[1:, :] |= dv
    e4[:-1, :] |= dv
    pairs = int(dh.sum()) + int(dv.sum()), dh.size + dv.size
    e8 = e4.copy()
    d = lab[1:, 1:] != lab[:-1, :-1]
    e8[1:, 1:] |= d
    e8[:-1, :-1] |= d
    d = lab[1:, :-1] != lab[:-1, 1:]
    e8[1:, :-1] |= d
    e8[:-1, 1:] |= d
    return pairs, int(e4.sum()), int(e8.sum())


def still_pixels(a, b, stable):
    """quality.py's unchanged pixels: input within `stable` levels on every
    channel from frame a to frame b."""
    return (np.abs(b.astype(np.int16) - a) <= stable).all(2)


def mask_metrics(frames, labels, cut, stable):
    """Speckle, edge and flicker shares (percent) of a clip's label maps."""
    n_spk = n_int = n_diff = n_pairs = n_e4 = n_e8 = n_still = n_flick = 0
    for i in range(len(frames)):
        s, n = speckle_count(labels[i])
        n_spk += s
        n_int += n
        (d, p), e4, e8 = edge_counts(labels[i])
        n_diff += d
        n_pairs += p
        n_e4 += e4
        n_e8 += e8
        if i and i != cut:
            st = still_pixels(frames[i - 1], frames[i], stable)
            n_still += int(st.sum())
            n_flick += int((st & (labels[i] != labels[i - 1])).sum())
    px = labels[0].size * len(labels)
    pairs = labels[0].size * (len(labels) - 1 - (cut is not None
                                                 and 0 < cut < len(labels)))
    return {
        "speckle": 100.0 * n_spk / n_int,
        "edges": 100.0 * n_diff / n_pairs,
        "edges4": 100.0 * n_e4 / px,
        "edges8": 100.0 * n_e8 / px,
        "flicker": 100.0 * n_flick / n_still if n_still else 0.0,
        "still": 100.0 * n_still / max(1, pairs),
    }


def mse(frames, outs):
    """Per-channel MSE of each frame of outs against frames."""
    return np.array([np.mean((o.astype(np.int32) - f) ** 2, dtype=np.float64)
                     for f, o in zip(frames, outs)])


# --------------------------------------------------------------------------
# Settings


class Setting:
    """A property set as given (label) and the tokens actually set."""

    def __init__(self, label, tokens, notes, smoothing):
        self.label, self.tokens, self.notes = label, tokens, notes
        self.smoothing = smoothing      # spatial-smoothing's value, 0 if none

    @property
    def props(self):
        return " ".join(shlex.quote(t) for t in self.tokens)


def parse_setting(el, text):
    """A Setting, or ValueError on an unknown property or a bad value."""
    Gst = el.Gst
    seg = Gst.ElementFactory.make("kmeansseg", None)
    text = text.strip()
    tokens, notes = [], []
    for tok in ([] if text in ("", "default") else shlex.split(text)):
        if "=" not in tok:
            raise ValueError("%r: expected name=value" % tok)
        name, value = tok.split("=", 1)
        if name in ("k", "mode"):
            raise ValueError("%s is set by the tool (--ks, and both modes)"
                             % name)
        if seg.find_property(name) is None:
            if name == "spatial-smoothing" and _is_zero(value):
                notes.append("spatial-smoothing=0 left out: this element "
                             "has no spatial-smoothing property (no "
                             "spatial smoothing)")
                continue
            names = sorted(p.name for p in seg.list_properties())
            raise ValueError("kmeansseg (%s) has no property %r (it has: "
                             "%s)" % (el.plugin_file, name, ", ".join(names)))
        _check_value(Gst, seg, name, value)
        tokens.append(tok)
    el._set(seg, " ".join(shlex.quote(t) for t in tokens))
    smoothing = 0
    if seg.find_property("spatial-smoothing") is not None:
        smoothing = seg.get_property("spatial-smoothing")
    return Setting(text if text not in ("",) else "default", tokens, notes,
                   smoothing)


def _check_value(Gst, seg, name, value):
    """ValueError unless value parses as the property's type and reads back
    as written (gst_util_set_object_arg, which quality.py sets properties
    with, ignores a value it cannot parse and GObject one out of range).
    Scalar types only: others (arrays of values) are set unchecked."""
    from gi.repository import GObject
    ps = seg.find_property(name)
    fund = GObject.type_fundamental(ps.value_type)
    scalar = {GObject.TYPE_BOOLEAN, GObject.TYPE_INT, GObject.TYPE_UINT,
              GObject.TYPE_INT64, GObject.TYPE_UINT64, GObject.TYPE_LONG,
              GObject.TYPE_ULONG, GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT,
              GObject.TYPE_ENUM}
    if fund not in scalar:
        return
    tname = GObject.type_name(ps.value_type)
    try:
        st = Gst.Structure.new_from_string("v, x=(%s)%s" % (tname, value))
    except TypeError:
        st = None
    if st is None:
        raise ValueError("%s=%s: not a %s" % (name, value, tname))
    want = st.get_value("x")
    Gst.util_set_object_arg(seg, name, value)
    got = seg.get_property(name)
    if fund == GObject.TYPE_ENUM:
        same = int(got) == int(want)
    elif fund in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
        same = abs(got - want) <= 1e-6 * max(1.0, abs(want))
    else:
        same = got == want
    if not same:
        raise ValueError("%s=%s: out of range (%s)" % (name, value,
                                                       ps.blurb or tname))


def _is_zero(value):
    try:
        return float(value) == 0
    except ValueError:
        return False


# --------------------------------------------------------------------------
# Report


def parse_size(s):
    s = s.strip()
    if s in SIZES:
        return SIZES[s]
    w, h = s.lower().split("x")
    return int(w), int(h)


def size_name(size):
    return "%dx%d" % size


def table(results, settings, clips, ks, size):
    lines = ["| clip | stands for | k | setting | frames | speckle %% "
             "| edges %% | edge px %% | flicker %% | still px %% | MSE "
             "| MSE vs %s |" % settings[0].label,
             "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for c in clips:
        for k in ks:
            ref = results[(size, c.name, k, settings[0].label)]["mse"]
            for s in settings:
                r = results[(size, c.name, k, s.label)]
                lines.append(
                    "| %s | %s | %d | `%s` | %d | %.2f | %.1f | %.1f | %.2f "
                    "| %.0f | %.2f | %.4f |" % (
                        c.name, STANDS_FOR.get(c.name, ""), k, s.label,
                        r["frames"], r["speckle"], r["edges"], r["edges4"],
                        r["flicker"],
                        r["still"], r["mse"], r["mse"] / ref if ref else 1.0))
    return "\n".join(lines)


def _le(value, limit):
    return "<=" if value <= limit else ">"


def check_targets(results, settings, clip_names, ks, sizes):
    """[(verdict, line)] for issue 15's targets; verdict True, False or
    None (not checked)."""
    base = settings[0]
    cand = next((s for s in settings[1:] if s.smoothing), None)
    if cand is None:
        return [(None, "not checked: no setting after the first has "
                 "spatial-smoothing > 0")]
    out = []
    if TARGET_K not in ks:
        out.append((None, "k=%d targets not checked: k=%d not run"
                    % (TARGET_K, TARGET_K)))
    for size in sizes:
        for n in clip_names:
            where = "%s %s" % (n, size_name(size))
            if TARGET_K in ks:
                b = results[(size, n, TARGET_K, base.label)]
                r = results[(size, n, TARGET_K, cand.label)]
                v = r["speckle"]
                out.append((v <= SPECKLE_MAX, "%s k=%d speckle %.2f%% %s "
                            "%.1f%%" % (where, TARGET_K, v,
                                        _le(v, SPECKLE_MAX), SPECKLE_MAX)))
                lim = EDGE_FACTOR * b["edges"]
                out.append((r["edges"] <= lim, "%s k=%d edges %.2f%% %s "
                            "%.2f%% (30%% fewer than %.2f%%; edge px %.2f%% "
                            "against %.2f%%)" % (
                                where, TARGET_K, r["edges"],
                                _le(r["edges"], lim), lim,
                                b["edges"], r["edges4"], b["edges4"])))
                lim = FLICKER_FACTOR * b["flicker"]
                out.append((r["flicker"] <= lim, "%s k=%d flicker %.2f%% %s "
                            "%.2f%% (half of %.2f%%)" % (
                                where, TARGET_K, r["flicker"],
                                _le(r["flicker"], lim), lim,
                                b["flicker"])))
            for k in ks:
                b = results[(size, n, k, base.label)]["mse"]
                r = results[(size, n, k, cand.label)]["mse"]
                x = r / b if b else 1.0
                out.append((r <= MSE_FACTOR * b, "%s k=%d MSE %.2f, %.4f x "
                            "%s %.2f x" % (where, k, r, x,
                                           _le(r, MSE_FACTOR * b),
                                           MSE_FACTOR)))
    return [(v, "`%s` against `%s`: %s" % (cand.label, base.label, line))
            for v, line in out]


def key_track(frames, outs, key):
    """Where the cluster mask-key would choose sits, frame by frame: the
    posterized output's colour nearest to the key (the painted centroids
    that hold pixels; ties to the first found). Returns its distance to the
    key and its move since the last frame, in RGB levels (Euclidean)."""
    kc = np.array([(key >> 16) & 255, (key >> 8) & 255, key & 255], float)
    dist, move, last = [], [], None
    for o in outs:
        packed = (o[..., 0].astype(np.uint32) << 16) | \
            (o[..., 1].astype(np.uint32) << 8) | o[..., 2]
        cols = np.unique(packed)
        rgb = np.stack([(cols >> 16) & 255, (cols >> 8) & 255, cols & 255],
                       1).astype(float)
        d = np.sqrt(((rgb - kc) ** 2).sum(1))
        c = rgb[int(np.argmin(d))]
        dist.append(float(d.min()))
        move.append(0.0 if last is None else float(np.sqrt(
            ((c - last) ** 2).sum())))
        last = c
    return np.array(dist), np.array(move)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--settings", nargs="+", default=DEFAULT_SETTINGS,
                    metavar="SETTING",
                    help="property sets, the first the reference (default: "
                    "%s)" % " ".join('"%s"' % s for s in DEFAULT_SETTINGS))
    ap.add_argument("--clips", default="mask",
                    help="default mask (" + ",".join(DEFAULT_CLIPS) + "); "
                    "any clip of clips.py, or its groups "
                    + ",".join(clipgen.GROUPS))
    ap.add_argument("--sizes", default="640x480",
                    help="WxH[,WxH...]; 1080p = 1920x1080 (default 640x480)")
    ap.add_argument("--ks", default="3,6")
    ap.add_argument("--frames", type=int, default=60,
                    help="first frames of each clip (60)")
    ap.add_argument("--stable", type=int, default=3,
                    help="input change, levels per channel, under which a "
                    "pixel counts as still (3, as quality.py)")
    ap.add_argument("--targets", action="store_true",
                    help="check issue 15's targets (PASS/FAIL lines)")
    ap.add_argument("--plugin-path", default=quality.DEFAULT_PLUGIN_PATH)
    ap.add_argument("--strict", action="store_true",
                    help="a clip whose package is missing is an error "
                    "(exit status 2), not a \"not run\" line")
    ap.add_argument("--key", action="append", default=[],
                    metavar="CLIP=0xRRGGBB",
                    help="also report how the cluster mask-key=0xRRGGBB "
                    "would choose follows its colour through CLIP, at each "
                    "k, with the first setting: its centroid's distance to "
                    "the key (most, mean) and its largest move between "
                    "frames (may be repeated)")
    ap.add_argument("--json", default=None,
                    help="also write every figure (and per-frame MSE) here")
    args = ap.parse_args()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    try:
        ks = [int(k) for k in args.ks.split(",") if k]
        sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    except ValueError as e:
        ap.error("--ks or --sizes: %s" % e)
    keys = {}
    for kv in args.key:
        try:
            clip, value = kv.split("=", 1)
            keys[clip] = int(value, 0)
        except ValueError:
            ap.error("--key %r: expected CLIP=0xRRGGBB" % kv)
        if not 0 <= keys[clip] <= 0xffffff:
            ap.error("--key %r: the colour is 0xRRGGBB" % kv)
    names = clipgen.expand([n for n in args.clips.split(",") if n])
    for n in names:
        if n not in clipgen.ALL_NAMES:
            ap.error("unknown clip %r (have: %s; groups %s)" % (
                n, ", ".join(clipgen.ALL_NAMES), ", ".join(clipgen.GROUPS)))

    t0 = time.time()
    try:
        el = quality.Element(args.plugin_path, "RGBx")
    except RuntimeError as e:
        log(str(e))
        return 2
    settings, notes = [], []
    for text in args.settings:
        try:
            s = parse_setting(el, text)
        except ValueError as e:
            log("setting %r: %s" % (text, e))
            return 2
        same = next((o for o in settings if o.tokens == s.tokens), None)
        for n in s.notes:
            notes.append("`%s`: %s." % (s.label, n))
        if same is not None:
            notes.append("`%s` sets the same as `%s` on this element: run "
                         "once." % (s.label, same.label))
            continue
        settings.append(s)

    print("# kmeansseg mask quality\n")
    print("Element: %s (built %s). RGBx, first %d frames of each clip, "
          "mode=labels for the map, mode=posterize for the MSE. Speckle: "
          "interior pixels whose label <= 2 of 8 neighbours share; edges: "
          "4-neighbour pixel pairs of different labels; edge px: pixels "
          "with a 4-neighbour of another label; flicker: still pixels "
          "(input within %d levels) whose label changes.\n" % (
              el.plugin_file, el.built, args.frames, args.stable))
    for n in notes:
        print("Note: " + n + "\n")

    results, dump, clips_seen, not_run, key_rows = {}, {}, [], [], []
    for size in sizes:
        clips = []
        for n in names:
            try:
                c = clipgen.make(n, args.frames, args.frames, size)
            except clipgen.MissingMedia as e:
                if args.strict:
                    log(str(e))
                    return 2
                if str(e) not in not_run:
                    log("not run: " + str(e))
                    not_run.append(str(e))
                continue
            tc = time.time()
            for k in ks:
                for s in settings:
                    labels = el.run(c.frames, k, s.props + " mode=labels")
                    labels, rest = labels[..., 0], labels[..., 1:]
                    if labels.max() >= k or (rest != labels[..., None]).any():
                        raise RuntimeError("%s k=%d: the output is not a "
                                           "label map" % (c.name, k))
                    r = mask_metrics(c.frames, labels, c.cut, args.stable)
                    del labels, rest
                    outs = el.run(c.frames, k, s.props + " mode=posterize")
                    m = mse(c.frames, outs)
                    r.update(frames=len(c.frames), mse=float(m.mean()),
                             mse_frames=m.tolist())
                    if c.name in keys and s is settings[0]:
                        d, mv = key_track(c.frames, outs, keys[c.name])
                        key_rows.append(
                            "| %s | %s | %d | `0x%06x` | %d | %.1f | %.1f "
                            "| %.1f |" % (size_name(size), c.name, k,
                                          keys[c.name], len(d), d.max(),
                                          d.mean(), mv.max()))
                    del outs
                    results[(size, c.name, k, s.label)] = r
                    dump["%s %s k=%d %s" % (size_name(size), c.name, k,
                                            s.label)] = r
            log("%s %s: %.0f s" % (size_name(size), c.name, time.time() - tc))
            clips.append(Clip(c))
            if c.name not in [x.name for x in clips_seen]:
                clips_seen.append(Clip(c))
            del c
        if not clips:
            continue
        print("## %s\n" % size_name(size))
        print(table(results, settings, clips, ks, size))
        print()

    if not clips_seen:
        log("no clip to run")
        print("Not run: " + "; ".join(not_run))
        return 2
    print("Clips: " + "; ".join("%s (%d frames%s): %s" % (
        c.name, c.frames, ", stands for " + STANDS_FOR[c.name]
        if c.name in STANDS_FOR else "", c.about) for c in clips_seen) + ".\n")
    for m in not_run:
        print("Not run: %s.\n" % m)
    if key_rows:
        print("## The keyed cluster (mask-key)\n")
        print("With `%s`: the cluster `mask-key` would choose is the one "
              "whose painted colour is nearest the key; its distance to the "
              "key (RGB levels, Euclidean) over the frames, and its largest "
              "move from one frame to the next.\n" % settings[0].label)
        print("| size | clip | k | key | frames | most distance | mean "
              "distance | largest move |")
        print("|---|---|--:|---|--:|--:|--:|--:|")
        print("\n".join(key_rows) + "\n")

    status = 0
    if args.targets:
        print("## Targets (issue 15)\n")
        ran = [c.name for c in clips_seen]
        ran_sizes = [sz for sz in sizes
                     if all((sz, n, ks[0], settings[0].label) in results
                            for n in ran)]
        checks = check_targets(results, settings, ran, ks, ran_sizes)
        for v, line in checks:
            print("- %s %s" % ({True: "PASS", False: "FAIL",
                                None: "NOT CHECKED"}[v], line))
        bad = sum(v is False for v, _ in checks)
        good = sum(v is True for v, _ in checks)
        print("\ntargets: %d PASS, %d FAIL, %d not checked.\n" % (
            good, bad, sum(v is None for v, _ in checks)))
        if bad:
            status = 1
    print("Run time: %.0f s." % (time.time() - t0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dump, f, indent=1)
    return status


class Clip:
    """What the report keeps of a clip once its frames are freed."""

    def __init__(self, c):
        self.name, self.about, self.frames = c.name, c.about, len(c.frames)


if __name__ == "__main__":
    sys.exit(main())

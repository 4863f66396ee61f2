#!/usr/bin/python3
"""How clean can a label map be for a given error? (issue 15)

Issue 15 asks of spatial-smoothing, at k=6 on real footage: speckle at most
0.1%, edges at least 30% fewer, for at most 3% more posterized MSE. This
tool measures what any labelling that keeps the frame's centroids and
decides each pixel from its neighbourhood can reach, so that the element's
figures (mask-quality.py) can be read against a bound rather than a wish.

For each clip, the element (defaults, spatial-smoothing=0) gives each
frame's nearest labels and its centroids (mode=labels and mode=posterize).
Then the labels are relabelled by iterated conditional modes (ICM) on the
Potts energy

    E(L) = sum_p |x_p - c_L(p)|^2 + beta * #{neighbour pairs p~q: L(p) != L(q)}

(8 neighbours; |.|^2 summed over the three channels, so beta is in squared
levels per differing neighbour): each sweep visits the pixels in four
interleaved lattices ((y mod 2, x mod 2)), and gives each pixel the label of
least energy given its neighbours, over all k labels. beta = 0 is the
nearest labelling; a larger beta trades error for cleaner maps. ICM finds
a local minimum of E, the same kind of decision the element's 3x3 majority
with its strength check takes (which is one sweep, one candidate), so
the table is the frontier of that family of methods: the speckle, edges and
error each beta reaches. The columns (speckle, edges: as mask-quality.py):

  speckle    interior pixels whose label <= 2 of their 8 neighbours share
  edges      4-neighbour pixel pairs whose labels differ, and that over
             the nearest labelling's (x)
  MSE x      posterized MSE (centroids kept) over the nearest labelling's
  refit x    the same with each centroid moved to the mean of its pixels
             after relabelling (as the next frame's warm start would)

The element's own settings (--settings, each run on all frames, measured
on the same frames) are printed in the same table for comparison.

Frames: the first --frames of each clip, measured every --step-th frame
(ICM over whole frames takes seconds a frame in NumPy).

Usage:
  /usr/bin/python3 tests/benchmarks/mask-frontier.py \\
      --plugin-path build-release/gst/kmeansseg --clips underwater --k 6

Needs what mask-quality.py needs (python3-gi, python3-numpy, python3-opencv
and the clips' packages). Run with /usr/bin/python3.
"""

import argparse
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clips as clipgen  # noqa: E402
import quality  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "mask_quality", os.path.join(HERE, "mask-quality.py"))
mq = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mq)

OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def centroids_of(labels, post, k):
    """Each label's colour in the posterized frame (the centroid)."""
    c = np.zeros((k, 3), np.float32)
    for lab in range(k):
        sel = labels == lab
        if sel.any():
            c[lab] = post[..., :3][sel][0]
    return c


def icm(frame, cents, labels, beta, sweeps):
    """Labels of a local minimum of the Potts energy, from `labels`."""
    h, w = labels.shape
    k = len(cents)
    d2 = ((frame[:, :, None, :] - cents[None, None]) ** 2).sum(-1)
    lab = labels.astype(np.int16)
    for _ in range(sweeps):
        for py in (0, 1):
            for px in (0, 1):
                pad = np.pad(lab, 1, mode="edge")
                same = np.zeros((h, w, k), np.float32)
                for dy, dx in OFFSETS:
                    nb = pad[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
                    for c in range(k):
                        same[..., c] += nb == c
                best = (d2 + beta * (len(OFFSETS) - same)).argmin(-1)
                lab[py::2, px::2] = best[py::2, px::2]
    return lab.astype(np.uint8)


def map_metrics(frames, labels, cents):
    spk = n_int = diff = pairs = 0
    err, err_refit = [], []
    for f, lab, c in zip(frames, labels, cents):
        s, n = mq.speckle_count(lab)
        spk += s
        n_int += n
        (d, p), _, _ = mq.edge_counts(lab)
        diff += d
        pairs += p
        err.append(np.mean((c[lab] - f) ** 2))
        refit = c.copy()
        for i in range(len(c)):
            sel = lab == i
            if sel.any():
                refit[i] = f[sel].mean(0)
        err_refit.append(np.mean((refit[lab] - f) ** 2))
    return (100.0 * spk / n_int, 100.0 * diff / pairs, float(np.mean(err)),
            float(np.mean(err_refit)))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--plugin-path")
    ap.add_argument("--clips", default=",".join(clipgen.GROUPS["mask"]))
    ap.add_argument("--k", type=int, default=6)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--step", type=int, default=4)
    ap.add_argument("--betas", default="0,60,120,240,600",
                    help="Potts weights, squared levels (default %(default)s)")
    ap.add_argument("--sweeps", type=int, default=3)
    ap.add_argument("--settings", nargs="*",
                    default=["spatial-smoothing=1",
                             "spatial-smoothing=2 "
                             "spatial-smoothing-strength=255"])
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    betas = [float(b) for b in args.betas.split(",")]
    k = args.k

    t0 = time.time()
    el = quality.Element(args.plugin_path, "RGBx")
    print("# Label maps: the Potts frontier against kmeansseg\n")
    print("Element: %s (built %s). RGBx %dx%d, k=%d, frames 0, %d, ... of "
          "the first %d; ICM %d sweeps, 8 neighbours.\n" % (
              el.plugin_file, el.built, size[0], size[1], k, args.step,
              args.frames, args.sweeps))
    print("| clip | labelling | speckle % | edges % | edges x | MSE | MSE x "
          "| refit x |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for name in args.clips.split(","):
        try:
            c = clipgen.make(name, args.frames, args.frames, size)
        except clipgen.MissingMedia as e:
            print("not run: %s" % e, file=sys.stderr)
            continue
        raw = el.run(c.frames, k, "spatial-smoothing=0 mode=labels")[..., 0]
        post = el.run(c.frames, k, "spatial-smoothing=0 mode=posterize")
        idx = range(0, len(c.frames), args.step)
        frames = [c.frames[i][..., :3].astype(np.float32) for i in idx]
        cents = [centroids_of(raw[i], post[i], k) for i in idx]
        base = None
        rows = [("beta %g" % b, b) for b in betas] + \
            [("`%s`" % s, s) for s in args.settings]
        for label, what in rows:
            if isinstance(what, float):
                labs = [icm(f, ce, raw[i], what, args.sweeps) if what else
                        raw[i] for f, ce, i in zip(frames, cents, idx)]
                m = map_metrics(frames, labs, cents)
            else:
                lab = el.run(c.frames, k, what + " mode=labels")[..., 0]
                out = el.run(c.frames, k, what + " mode=posterize")
                labs = [lab[i] for i in idx]
                sc = [centroids_of(lab[i], out[i], k) for i in idx]
                m = map_metrics(frames, labs, sc)
            if base is None:
                base = m
            print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.4f | %.4f |" % (
                name, label, m[0], m[1], m[1] / base[1], m[2], m[2] / base[2],
                m[3] / base[2]), flush=True)
    print("\nRun time: %.0f s." % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())

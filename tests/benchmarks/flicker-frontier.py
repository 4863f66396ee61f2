#!/usr/bin/python3
"""How little can a clip flicker for its error? (issue 12)

Issue 12 asks, on `handheld` (fast handheld motion), at the same time for a
mean ratio to a converged K-means of at most 1.02, a worst frame of at most
1.05, and label flicker on still pixels of at most 1.5% (k=8) and 2.5%
(k=16). Keeping still pixels' labels (`still-hysteresis`) buys flicker with
error. This tool measures what any labelling can reach that keeps a given
set of centroids per frame and only decides, for each still pixel, whether
to keep last frame's label: a flicker-against-error frontier to read the
element's figures (quality.py) against.

Centroid sets C_t, one per frame (--centroids):

  ref    the converged reference of quality.py (scikit-learn Lloyd,
         k-means++, best of --restarts, to convergence; from its cache),
         each frame's centroids matched to the previous frame's by the
         least total colour distance (Hungarian), so that identities carry
         from frame to frame as quality.py's palette tracking has them
  warm   Lloyd to convergence (tol=0) started from C_{t-1} (frame 0: the
         reference), on every pixel: identities carry by construction; a
         local optimum, so its error can be above the reference's
  hybrid warm, except on a frame where the warm centroids' error is more
         than --switch % over the reference's: there the reference's,
         matched to C_{t-1} (what a refresh to a fresh fit does); the
         next frame starts from them

Labels: frame 0 takes the nearest centroid. On frame t a still pixel (its
input within --stable levels of frame t-1's on every channel, as
quality.py) whose nearest centroid is not its label L_{t-1} may keep
L_{t-1}, at a cost delta = |x - C_t[L_{t-1}]|^2 - |x - C_t[nearest]|^2.
With a budget B_t = eps * ref_t * 3N of squared error per frame (ref_t the
reference's per-channel MSE, N pixels), the cheapest flips are kept first
(greedy by delta, which keeps the most pixels for the budget: the optimum
for a per-frame budget with the centroids fixed). Every other pixel takes
its nearest centroid. The chosen labels are frame t+1's L_t. eps = 0 is
the nearest labelling of C_t. With --cap R (1.05 unless told, issue 12's
worst frame; 0: none) the budget is also held to
what keeps the frame's ratio within R (R * ref_t * 3N less the nearest
labelling's error, at least 0), so that the worst frame is not the budget's.

A budget per frame spends as much on a frame where keeping labels is dear
as on one where it is cheap. --prices P gives each frame what it takes to
keep every flip with delta <= P * ref_t: the Lagrangian form of one budget
for the whole clip (a flip's share of the mean ratio is delta / (ref_t 3N
T)), so each price is a point of the clip-wide frontier (up to the labels
carried from frame to frame); held to --cap when given.

For comparison, the fixed rule of the element's `still-hysteresis=L`
(--levels): a still pixel keeps L_{t-1} unless another centroid is nearer
by more than L levels (Euclidean distance, not squared), applied to the
same centroids (not held to --cap); unlike the element, the centroids do
not see these labels.

What the frontier is not: a bound for every method. The centroids are
given; an element that also keeps its centroids still (a warm fit that
moves them less than Lloyd to convergence does) can flicker less for the
same error than any point here, and on a static camera (vtest) it does.
It is the frontier of "this fit, then decide which still pixels keep their
label", which is where `hysteresis` and `still-hysteresis` act.

Columns (per clip, k, centroid set and eps):

  ratio mean, worst   per-frame MSE over ref_t (as quality.py), painted
                      with C_t unrounded
  8-bit mean, worst   the same painted with C_t rounded to whole levels
                      (same labels): what an 8-bit output such as the
                      element's shows
  refit mean, worst   the same labels painted with each cluster's mean
                      colour (unrounded): the least error of that
                      labelling, any palette allowed
  flicker %           still pixels whose label changes over still pixels,
                      summed over the frame pairs (the pair across a cut
                      left out); the labels' identities are known here,
                      where quality.py tracks them by Hungarian matching of
                      the output palettes (the same matching as `ref`)

The element's settings (--settings, ';'-separated, "default" = none) run
through quality.py's Element and measure() on the same frames and are
printed in the same table (their ratio is of the 8-bit output, their
flicker tracked from the palettes).

Usage:
  /usr/bin/python3 tests/benchmarks/flicker-frontier.py \\
      --plugin-path build-release/gst/kmeansseg   # handheld, k=8,16
  /usr/bin/python3 tests/benchmarks/flicker-frontier.py --ks 16 \\
      --centroids hybrid --switch 1.5 --settings ""   # the frontier alone
  /usr/bin/python3 tests/benchmarks/flicker-frontier.py --clips vtest \\
      --ks 8 --eps 0,1,2 --prices "" --levels 6

The reference comes from quality.py's cache (--cache, default
/tmp/kmeansseg-quality); frames it lacks are fitted (--jobs at a time).
Needs what quality.py needs (python3-gi, python3-numpy, python3-sklearn,
python3-scipy and the clips' packages). Run with /usr/bin/python3.
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clips as clipgen  # noqa: E402
import quality  # noqa: E402


def d2_all(px, cents):
    """Squared distances (N, k) of the pixels (N, 3) to the centroids."""
    return quality._d2(px, cents)


def padded(cents, k):
    """k centroids: a frame with fewer distinct colours than k has as many
    centroids in the reference; the first are repeated (a repeat never
    wins a pixel, argmin takes the first)."""
    cents = np.asarray(cents, np.float64).reshape(-1, 3)
    if len(cents) >= k:
        return cents
    return np.concatenate([cents, cents[np.arange(k - len(cents))
                                        % len(cents)]])


def matched(prev, cents):
    """cents reordered so that entry i is the one matched to prev[i]."""
    r, c, _ = quality._match(prev, cents)
    out = np.empty_like(cents)
    out[r] = cents[c]
    return out


def warm_lloyd(frame, init):
    """Lloyd to convergence from init, every pixel (its distinct colours
    weighted by count): centroids in init's order."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    x, w = quality.distinct_colours(frame)
    if len(x) <= len(init):
        return matched(init, padded(x, len(init)))
    with threadpool_limits(1):
        km = KMeans(n_clusters=len(init), init=init, n_init=1,
                    max_iter=100000, tol=0, algorithm="lloyd")
        km.fit(x, sample_weight=w)
    return km.cluster_centers_


def nearest_mse(frame, cents):
    return float(d2_all(frame.reshape(-1, 3).astype(np.float64), cents)
                 .min(1).mean() / 3)


def centroid_sets(frames, ref_cents, ref, how, switch):
    """C_t for every frame, and the frames where `hybrid` took the
    reference."""
    k = max(len(c) for c in ref_cents)
    out, switched = [padded(ref_cents[0], k)], []
    for t in range(1, len(frames)):
        rc = matched(out[-1], padded(ref_cents[t], k))
        if how == "ref":
            out.append(rc)
            continue
        c = warm_lloyd(frames[t], out[-1])
        if how == "hybrid" and nearest_mse(frames[t], c) > \
                (1 + switch) * ref[t]:
            c = rc
            switched.append(t)
        out.append(c)
    return out, switched


def frontier_point(frames, cents, ref, eps, stable, cut, level=None,
                   cap=0.0, price=None):
    """(ratio, ratio 8-bit, ratio refit per frame, flicker %) of the
    budgeted labelling of `cents` with error budget eps (a fraction), or
    with level set, of the margin rule (keep unless another centroid is
    nearer by more than `level` levels, Euclidean). cap > 0: the budget
    is also held to what keeps the frame's ratio within cap. price set:
    keep every flip with delta <= price * ref_t (held to the cap)."""
    t_n = len(frames)
    n = frames[0].shape[0] * frames[0].shape[1]
    ratio, ratio8, refit, changed = [], [], [], [0]
    n_stable = n_changed = 0
    prev = None
    for t in range(t_n):
        px = frames[t].reshape(-1, 3).astype(np.float64)
        c = cents[t]
        d = d2_all(px, c)
        near = d.argmin(1)
        lab = near
        if prev is not None:
            st = (np.abs(frames[t].astype(np.int16) - frames[t - 1])
                  <= stable).all(2).ravel()
            cand = np.nonzero(st & (near != prev))[0]
            if level is not None and len(cand) and t != cut:
                back = (np.sqrt(d[cand, prev[cand]]) -
                        np.sqrt(d[cand, near[cand]])) <= level
                lab = near.copy()
                lab[cand[back]] = prev[cand[back]]
            elif (eps > 0 or price) and len(cand) and t != cut:
                delta = d[cand, prev[cand]] - d[cand, near[cand]]
                order = np.argsort(delta, kind="stable")
                spent = np.cumsum(delta[order])
                if price:
                    budget = spent[delta[order] <= price * ref[t]][-1:] \
                        .sum()
                else:
                    budget = eps * ref[t] * 3 * n
                if cap > 0:
                    budget = min(budget, max(0.0, cap * ref[t] * 3 * n -
                                             d[np.arange(n), near].sum()))
                keep = cand[order[spent <= budget]]
                lab = near.copy()
                lab[keep] = prev[keep]
            if t != cut:
                n_stable += int(st.sum())
                n_changed += int((st & (lab != prev)).sum())
            changed.append(int((st & (lab != prev)).sum()) if t != cut else 0)
        sse = d[np.arange(n), lab].sum()
        pal8 = np.clip(np.rint(c), 0, 255)
        sse8 = ((px - pal8[lab]) ** 2).sum()
        means = c.copy()
        cnt = np.bincount(lab, minlength=len(c))
        for ch in range(3):
            s = np.bincount(lab, weights=px[:, ch], minlength=len(c))
            means[:, ch] = np.where(cnt > 0, s / np.maximum(cnt, 1), c[:, ch])
        sser = ((px - means[lab]) ** 2).sum()
        r = ref[t] * 3 * n
        ratio.append(sse / r if r > 0 else 1.0)
        ratio8.append(sse8 / r if r > 0 else 1.0)
        refit.append(sser / r if r > 0 else 1.0)
        prev = lab
    frontier_point.changed = np.array(changed)    # per frame, for a look
    return (np.array(ratio), np.array(ratio8), np.array(refit),
            100.0 * n_changed / n_stable if n_stable else 0.0)


def fr(x):
    return quality.fmt_ratio(x)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--plugin-path", default=quality.DEFAULT_PLUGIN_PATH)
    ap.add_argument("--clips", default="handheld")
    ap.add_argument("--ks", default="8,16")
    ap.add_argument("--eps", default="0,0.5,1,1.5,2,5",
                    help="error budgets, %% of the reference's error per "
                    "frame (default %(default)s)")
    ap.add_argument("--prices", default="4,8",
                    help="clip-wide budgets by price: a still pixel keeps "
                    "its label when that costs at most this many times "
                    "ref_t (squared levels, 3 channels summed), e.g. "
                    "0.5,1,2 (default %(default)s; '' for none)")
    ap.add_argument("--levels", default="3,6",
                    help="margins of the fixed rule still-hysteresis uses "
                    "(levels, Euclidean), applied to the same centroids "
                    "('' for none; default %(default)s)")
    ap.add_argument("--centroids", default="ref,warm,hybrid",
                    help="centroid sets, of ref,warm,hybrid (default "
                    "%(default)s)")
    ap.add_argument("--switch", type=float, default=3.0,
                    help="hybrid: the reference's centroids (matched) "
                    "replace the warm ones on a frame where these are more "
                    "than this %% over the reference (default %(default)s)")
    ap.add_argument("--cap", type=float, default=1.05,
                    help="hold each frame's budget to what keeps its ratio "
                    "within this (default %(default)s, issue 12's worst "
                    "frame; 0: no cap)")
    ap.add_argument("--settings",
                    default="default;still-hysteresis=3;still-hysteresis=6;"
                    "hysteresis=2",
                    help="';'-separated element property sets measured "
                    "alongside ('' for none; default %(default)s)")
    ap.add_argument("--frames", type=int, default=40,
                    help="frames of a generated clip (40, as quality.py)")
    ap.add_argument("--real-frames", type=int, default=60,
                    help="first frames of the footage (60, as quality.py)")
    ap.add_argument("--restarts", type=int, default=4)
    ap.add_argument("--stable", type=int, default=3)
    ap.add_argument("--cache", default=quality.DEFAULT_CACHE)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    epss = [float(e) for e in args.eps.split(",")]
    prices = [float(v) for v in args.prices.split(",") if v.strip()]
    levels = [float(v) for v in args.levels.split(",") if v.strip()]
    hows = [h for h in args.centroids.split(",") if h]
    for h in hows:
        if h not in ("ref", "warm", "hybrid"):
            ap.error("--centroids: ref, warm or hybrid, not %r" % h)
    settings = [s.strip() for s in args.settings.split(";")
                if s.strip()] if args.settings.strip() else []
    settings = ["" if s == "default" else s for s in settings]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    t0 = time.time()
    el = quality.Element(args.plugin_path, "RGBx") if settings else None
    clips = []
    for name in clipgen.expand(args.clips.split(",")):
        try:
            clips.append(clipgen.make(name, args.frames, args.real_frames))
        except clipgen.MissingMedia as e:
            log("not run: %s" % e)
    refs = quality.references(clips, ks, args.restarts, args.cache,
                              max(1, args.jobs), log)
    print("# Flicker against error: the budgeted-hysteresis frontier\n")
    print("%s. RGB %dx%d; reference k-means++ x%d to convergence; still: "
          "within %d levels; eps in %% of ref_t per frame.%s\n" % (
              ("Element: %s (built %s)" % (el.plugin_file, el.built))
              if el else "No element run", clipgen.WIDTH, clipgen.HEIGHT,
              args.restarts, args.stable, (
                  " Budgets capped to keep each frame within %g." % args.cap
                  if args.cap > 0 else "") + (
                  " hybrid: the reference where warm is over %g%%."
                  % args.switch if "hybrid" in hows else "")))
    print("| clip | k | labelling | ratio mean | ratio worst | 8-bit mean "
          "| 8-bit worst | refit mean | refit worst | flicker % |")
    print("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|")
    for clip in clips:
        frames = clip.frames[..., :3]
        for k in ks:
            ref, rc = refs[(clip.name, k)]
            for how in hows:
                tc = time.time()
                cents, sw = centroid_sets(frames, rc, ref, how,
                                          args.switch / 100.0)
                log("%s k=%d %s centroids: %.0f s%s" % (
                    clip.name, k, how, time.time() - tc,
                    "; the reference's on frames %s" % sw if sw else ""))
                rows = [("eps %g%%" % e, e / 100.0, None) for e in epss] + \
                    [("price %g" % p, 0.0, ("p", p)) for p in prices] + \
                    [("margin %g levels" % v, 0.0, v) for v in levels]
                for what, eps, level in rows:
                    price = level[1] if isinstance(level, tuple) else None
                    r, r8, rr, fl = frontier_point(
                        frames, cents, ref, eps, args.stable, clip.cut,
                        None if price else level, args.cap, price)
                    print("| %s | %d | %s, %s | %s | %s (%d) | %s | "
                          "%s (%d) | %s | %s | %.2f |" % (
                              clip.name, k, how, what, fr(r.mean()),
                              fr(r.max()), int(r.argmax()), fr(r8.mean()),
                              fr(r8.max()), int(r8.argmax()), fr(rr.mean()),
                              fr(rr.max()), fl), flush=True)
            for s in settings:
                outs = el.run(clip.frames, k, s)
                m = quality.measure(clip.frames, outs, (ref, rc), clip.cut,
                                    args.stable, 20.0)
                print("| %s | %d | element `%s` | | | %s | %s (%d) | | | "
                      "%.2f |" % (clip.name, k, s or "default",
                                  fr(m["ratio_mean"]), fr(m["ratio_worst"]),
                                  m["worst_frame"], m["flicker"]),
                      flush=True)
    print("\nRun time: %.0f s." % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())

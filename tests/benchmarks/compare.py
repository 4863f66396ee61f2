#!/usr/bin/python3
"""kmeansseg against OpenCV's cv2.kmeans and FFmpeg's elbg, on the same frames.

Builds raw RGBx frames from real footage (N consecutive frames of opencv-doc's
vtest.avi, resized to each size; kept in a cache directory), then times on
them, one thread each:

  kmeansseg   the core ("the element alone") through build/.../kmsbench, warm
              start (steady state), for --threads 1 and 2; and a cold row
              (--cold: every frame starts afresh, like the others below)
  cv2 cold    cv2.kmeans, KMEANS_PP_CENTERS on every frame
  cv2 warm    cv2.kmeans, KMEANS_USE_INITIAL_LABELS from the previous frame
  ffmpeg elbg ffmpeg -vf elbg (seeded afresh on every frame), rawvideo in and
              out; the time of the same command with -vf null is subtracted

and prints one Markdown table: median ms/frame, fps, per-channel MSE of the
output against the input, and how many times faster kmeansseg (1 thread,
warm) is than each row.

cv2.kmeans gets the same stopping rule as kmeansseg (--max-iters, a centroid
shift of at most --tolerance) but fits every pixel, while kmeansseg fits a
sample (--sample-size); the MSE column shows what that costs. cv2 times
include the conversion to float32 and painting the output, what a program
using it must do per frame.

Usage: tests/benchmarks/compare.py [--sizes 640x480,1920x1080] [--k 8]
           [--bench build/tests/benchmarks/kmsbench]
           [--cache /tmp/kmeansseg-bench]
       tests/benchmarks/compare.py --make-frames-only --sizes ...

Needs Debian's python3-opencv, python3-numpy and ffmpeg; the footage is from
opencv-doc (without it, kmsbench's synthetic frames are used).
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

try:
    import cv2
except ImportError:
    cv2 = None

DATA = "/usr/share/doc/opencv-doc/examples/data"
SOURCE = os.path.join(DATA, "vtest.avi")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BENCH = os.path.join(ROOT, "build", "tests", "benchmarks", "kmsbench")
DEFAULT_CACHE = os.environ.get("KMEANSSEG_BENCH_CACHE", "/tmp/kmeansseg-bench")


def parse_size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


def frames_path(cache, stem, w, h, n):
    return os.path.join(cache, "%s-%dx%d-n%d.rgbx" % (stem, w, h, n))


def read_source(path, n):
    """First n frames of a video, as RGB arrays."""
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        raise RuntimeError("can't decode " + path)
    return frames


def fit(rgb, w, h):
    """Centre-crop to the aspect ratio of w x h, then resize."""
    sh, sw = rgb.shape[:2]
    if sw * h > sh * w:
        cw, ch = sh * w // h, sh
    else:
        cw, ch = sw, sw * h // w
    x0, y0 = (sw - cw) // 2, (sh - ch) // 2
    rgb = rgb[y0:y0 + ch, x0:x0 + cw]
    interp = cv2.INTER_AREA if w < cw else cv2.INTER_LINEAR
    return cv2.resize(rgb, (w, h), interpolation=interp)


def make_frames(cache, sizes, n, bench, source=SOURCE):
    """Write n RGBx frames per size into cache; return {size: path}.

    Real footage when cv2 and the source video are there, else kmsbench's
    synthetic frames (kmsbench --dump)."""
    os.makedirs(cache, exist_ok=True)
    real = cv2 is not None and os.path.exists(source)
    stem = os.path.splitext(os.path.basename(source))[0] if real \
        else "synthetic"
    paths = {s: frames_path(cache, stem, s[0], s[1], n) for s in sizes}
    missing = [s for s in sizes if not os.path.exists(paths[s])]
    if not missing:
        return paths
    if real:
        src = read_source(source, n)
        for w, h in missing:
            tmp = paths[(w, h)] + ".tmp"
            with open(tmp, "wb") as f:
                for rgb in src:
                    rgbx = np.full((h, w, 4), 255, np.uint8)
                    rgbx[:, :, :3] = fit(rgb, w, h)
                    f.write(rgbx.tobytes())
            os.replace(tmp, paths[(w, h)])
    else:
        # kmsbench --dump names them synthetic-WxH.rgbx
        tmpdir = os.path.join(cache, "dump.tmp")
        subprocess.run([bench, "--dump", tmpdir, "--size",
                        ",".join("%dx%d" % s for s in missing),
                        "--n-frames", str(n)], check=True,
                       stdout=subprocess.DEVNULL)
        for w, h in missing:
            os.replace(os.path.join(tmpdir, "synthetic-%dx%d.rgbx" % (w, h)),
                       paths[(w, h)])
        os.rmdir(tmpdir)
    return paths


def load_frames(path, w, h):
    data = np.fromfile(path, np.uint8)
    return data.reshape(-1, h, w, 4)


def mse(out_rgb, in_rgbx):
    d = out_rgb.astype(np.int32) - in_rgbx[:, :, :3].astype(np.int32)
    return float(np.mean(d * d))


def run_kmsbench(bench, path, k, threads, args, cold=False):
    """kmsbench rows for one frame file: list of dicts keyed by header."""
    cmd = [bench, "--frames", path, "--k", str(k),
           "--threads", ",".join(str(t) for t in threads)]
    if cold:
        cmd.append("--cold")
    if args.sample_size is not None:
        cmd += ["--sample-size", str(args.sample_size)]
    cmd += ["--max-iters", str(args.max_iters)]
    if args.bench_repeat:
        cmd += ["--repeat", str(args.bench_repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True,
                         text=True).stdout
    rows, header = [], None
    for line in out.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not cells[0].startswith("-"):
            rows.append(dict(zip(header, cells)))
    return rows


def cv2_kmeans(frame, k, criteria, flags, labels=None):
    """Posterize one RGBx frame with cv2.kmeans; return (rgb, labels)."""
    h, w = frame.shape[:2]
    data = frame[:, :, :3].reshape(-1, 3).astype(np.float32)
    _, labels, centers = cv2.kmeans(data, k, labels, criteria, 1, flags)
    pal = np.clip(np.rint(centers), 0, 255).astype(np.uint8)
    return pal[labels.ravel()].reshape(h, w, 3), labels


def bench_cv2(frames, k, args):
    """(cold ms list, cold MSEs, warm ms list, warm MSEs)"""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_MAX_ITER,
                args.max_iters, args.tolerance)
    cv2.setRNGSeed(42)
    # frame 0, untimed: warms up, and starts the warm chain
    _, labels = cv2_kmeans(frames[0], k, criteria, cv2.KMEANS_PP_CENTERS)
    cold_ms, cold_mse = [], []
    for f in frames:
        t0 = time.perf_counter()
        out, _ = cv2_kmeans(f, k, criteria, cv2.KMEANS_PP_CENTERS)
        cold_ms.append((time.perf_counter() - t0) * 1e3)
        cold_mse.append(mse(out, f))
    warm_ms, warm_mse = [], []
    for f in frames[1:]:
        t0 = time.perf_counter()
        out, labels = cv2_kmeans(f, k, criteria,
                                 cv2.KMEANS_USE_INITIAL_LABELS, labels)
        warm_ms.append((time.perf_counter() - t0) * 1e3)
        warm_mse.append(mse(out, f))
    return cold_ms, cold_mse, warm_ms, warm_mse


def ffmpeg_run(path, w, h, vf, out, runs):
    """Median wall seconds of `ffmpeg ... -vf vf` on the raw frames."""
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
           "-threads", "1", "-filter_threads", "1",
           "-filter_complex_threads", "1",
           "-f", "rawvideo", "-pix_fmt", "rgb0", "-s", "%dx%d" % (w, h),
           "-i", path, "-vf", vf, "-threads", "1",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", out]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), cmd


def bench_ffmpeg(path, frames, k, args, tmpdir):
    w, h = frames.shape[2], frames.shape[1]
    n = frames.shape[0]
    out = os.path.join(tmpdir, "elbg-%dx%d.rgb" % (w, h))
    vf = "elbg=codebook_length=%d:nb_steps=%d:seed=1:pal8=0" % (
        k, args.elbg_steps)
    t_elbg, cmd = ffmpeg_run(path, w, h, vf, out, args.ffmpeg_runs)
    result = np.fromfile(out, np.uint8).reshape(-1, h, w, 3)
    os.unlink(out)
    t_null, _ = ffmpeg_run(path, w, h, "null", out, args.ffmpeg_runs)
    os.unlink(out)
    if result.shape[0] != n:
        raise RuntimeError("ffmpeg wrote %d frames, not %d"
                           % (result.shape[0], n))
    ms = max(t_elbg - t_null, 0.0) / n * 1e3
    err = statistics.mean(mse(result[i], frames[i]) for i in range(n))
    return ms, err, cmd


def ffmpeg_version():
    try:
        out = subprocess.run(["ffmpeg", "-version"], capture_output=True,
                             text=True).stdout
        return out.splitlines()[0].split(" Copyright")[0]
    except (OSError, IndexError):
        return "ffmpeg: not found"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="640x480,1920x1080",
                    help="WxH,... (default %(default)s)")
    ap.add_argument("--k", default="8", help="k,... (default %(default)s)")
    ap.add_argument("--bench", default=DEFAULT_BENCH,
                    help="kmsbench binary (default %(default)s)")
    ap.add_argument("--cache", default=DEFAULT_CACHE,
                    help="where the raw frames go (default %(default)s)")
    ap.add_argument("--source", default=SOURCE,
                    help="video the frames come from (default %(default)s)")
    ap.add_argument("--n-frames", type=int, default=8,
                    help="frames per size (default %(default)s)")
    ap.add_argument("--cv2-frames", type=int, default=5,
                    help="frames cv2 runs on at 1920x1080 and above; all of "
                    "them below (default %(default)s)")
    ap.add_argument("--max-iters", type=int, default=20,
                    help="Lloyd iterations at most, for kmeansseg and cv2 "
                    "(default %(default)s, kmeansseg's)")
    ap.add_argument("--tolerance", type=float, default=0.5,
                    help="cv2's epsilon: stop when no centroid moves more "
                    "(default %(default)s, kmeansseg's)")
    ap.add_argument("--sample-size", type=int, default=None,
                    help="kmeansseg's sample-size (default: the core's)")
    ap.add_argument("--bench-repeat", type=int, default=0,
                    help="kmsbench --repeat (default: kmsbench's)")
    ap.add_argument("--elbg-steps", type=int, default=1,
                    help="elbg nb_steps (default %(default)s, ffmpeg's)")
    ap.add_argument("--ffmpeg-runs", type=int, default=3,
                    help="runs of each ffmpeg command; the median counts "
                    "(default %(default)s)")
    ap.add_argument("--no-cv2", action="store_true")
    ap.add_argument("--no-ffmpeg", action="store_true")
    ap.add_argument("--make-frames-only", action="store_true",
                    help="write the frame files, print their paths, exit")
    args = ap.parse_args()

    sizes = [parse_size(s) for s in args.sizes.split(",")]
    ks = [int(k) for k in args.k.split(",")]
    paths = make_frames(args.cache, sizes, args.n_frames, args.bench,
                        args.source)
    if args.make_frames_only:
        for s in sizes:
            print(paths[s])
        return 0
    if not os.access(args.bench, os.X_OK):
        sys.exit("%s not found: build first (ninja -C build)" % args.bench)
    use_cv2 = cv2 is not None and not args.no_cv2
    use_ffmpeg = shutil.which("ffmpeg") is not None and not args.no_ffmpeg

    rows = []   # method, size, k, threads, frames, ms, mse
    notes = []
    for (w, h) in sizes:
        path = paths[(w, h)]
        frames = load_frames(path, w, h)
        size = "%dx%d" % (w, h)
        for k in ks:
            for r in run_kmsbench(args.bench, path, k, [1, 2], args):
                rows.append(("kmeansseg", size, k, int(r["threads"]),
                             int(r["frames"]), float(r["ms/frame"]),
                             float(r["MSE"])))
            for r in run_kmsbench(args.bench, path, k, [1], args, cold=True):
                rows.append(("kmeansseg cold", size, k, 1, int(r["frames"]),
                             float(r["ms/frame"]), float(r["MSE"])))
            if use_cv2:
                cv2.setNumThreads(1)
                n = args.cv2_frames if w * h >= 1920 * 1080 else len(frames)
                n = max(2, min(n, len(frames)))
                cm, ce, wm, we = bench_cv2(frames[:n], k, args)
                rows.append(("cv2 cold", size, k, 1, len(cm),
                             statistics.median(cm), statistics.mean(ce)))
                rows.append(("cv2 warm", size, k, 1, len(wm),
                             statistics.median(wm), statistics.mean(we)))
            if use_ffmpeg:
                ms, err, cmd = bench_ffmpeg(path, frames, k, args,
                                            args.cache)
                rows.append(("ffmpeg elbg", size, k, 1, len(frames), ms,
                             err))
                if not notes:
                    notes.append("ffmpeg command: `%s` (minus the same with "
                                 "`-vf null`)" % " ".join(cmd))

    ref = {(r[1], r[2]): r[5] for r in rows
           if r[0] == "kmeansseg" and r[3] == 1}
    src = "kmsbench synthetic frames" \
        if os.path.basename(paths[sizes[0]]).startswith("synthetic") \
        else args.source
    print("# kmeansseg vs cv2.kmeans vs ffmpeg elbg\n")
    print("- command: `%s`" % " ".join(sys.argv))
    print("- CPU: %s, %d logical CPUs online" % (cpu_model(),
                                                 os.cpu_count()))
    print("- frames: %s, %d per size, RGBx, in %s" % (src, args.n_frames,
                                                      args.cache))
    print("- versions: OpenCV %s, NumPy %s, %s" % (
        cv2.__version__ if cv2 else "-", np.__version__, ffmpeg_version()))
    print("- kmeansseg: warm start (steady state) unless `cold`, sample-size "
          "%s, max-iters %d; cv2: every pixel, max-iters %d, epsilon %g, 1 "
          "attempt" % (args.sample_size if args.sample_size is not None
                       else "default", args.max_iters, args.max_iters,
                       args.tolerance))
    for n in notes:
        print("- " + n)
    print("- last column: how many times faster kmeansseg (1 thread, warm) "
          "is than the row\n")
    print("| method | size | k | threads | frames | ms/frame | fps | MSE "
          "| kmeansseg × |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for method, size, k, threads, n, ms, err in rows:
        ms = max(ms, 1e-3)
        print("| %s | %s | %d | %d | %d | %.2f | %.1f | %.2f | %.2f |" % (
            method, size, k, threads, n, ms, 1e3 / ms, err,
            ms / ref[(size, k)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Quality of kmeansseg on still photos against a converged K-means.

For each photo and k: runs the photo through `kmeansseg` (gst-launch-1.0,
RGB) and prints the number of colours in the output, its per-channel MSE
against the input, and the per-channel MSE of a converged K-means on every
pixel (scikit-learn, best of several k-means++ restarts, run to
convergence), with the ratio. Also checks `mode=original mask-cluster=C`:
every pixel unchanged except cluster C's, which are black.

Usage: tests/benchmarks/photo-quality.py [--ks 3,8] [--props "max-iters=100"]
                                         [photo ...]
Needs: python3-numpy, python3-sklearn, python3-opencv (sizes), gstreamer1.0-plugins-good (jpegdec,
pngdec); photos default to opencv-doc's examples (Debian's opencv-doc).
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

DATA = "/usr/share/doc/opencv-doc/examples/data"
DEFAULT_PHOTOS = ["fruits.jpg", "baboon.jpg", "building.jpg", "messi5.jpg"]


def gst_raw(photo, element, out):
    """Decode photo, optionally through element, to raw RGB; return array."""
    dec = "pngdec" if photo.endswith(".png") else "jpegdec"
    pipe = ["gst-launch-1.0", "-q", "filesrc", "location=" + photo, "!", dec,
            "!", "videoconvert", "!", "video/x-raw,format=RGB", "!"]
    if element:
        pipe += element.split() + ["!"]
    pipe += ["filesink", "location=" + out]
    subprocess.run(pipe, check=True)
    import cv2
    h, w = cv2.imread(photo).shape[:2]
    data = np.fromfile(out, dtype=np.uint8)
    stride = (w * 3 + 3) // 4 * 4
    return data.reshape(h, stride)[:, :w * 3].reshape(h, w, 3)


def reference_mse(pixels, k, restarts):
    from sklearn.cluster import KMeans
    km = KMeans(n_clusters=k, init="k-means++", n_init=restarts,
                max_iter=1000, tol=0, random_state=0)
    km.fit(pixels)
    return km.inertia_ / (pixels.shape[0] * 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="3,8")
    ap.add_argument("--props", default="max-iters=100")
    ap.add_argument("--restarts", type=int, default=5)
    ap.add_argument("photos", nargs="*")
    args = ap.parse_args()
    photos = args.photos or [os.path.join(DATA, p) for p in DEFAULT_PHOTOS]
    ks = [int(k) for k in args.ks.split(",")]

    worst = 0.0
    print("%-14s %3s %7s %10s %10s %7s %s" % (
        "photo", "k", "colours", "mse", "ref-mse", "ratio", "mask-ok"))
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "out.raw")
        for photo in photos:
            src = gst_raw(photo, None, raw).astype(np.int64)
            pixels = src.reshape(-1, 3).astype(np.float64)
            for k in ks:
                el = "kmeansseg k=%d %s" % (k, args.props)
                out = gst_raw(photo, el, raw).astype(np.int64)
                colours = np.unique(out.reshape(-1, 3), axis=0)
                mse = ((out - src) ** 2).mean()
                ref = reference_mse(pixels, k, args.restarts)
                ratio = mse / ref
                worst = max(worst, ratio)

                # The masked picture: cluster C (the brightest, k-1) black, the rest
                # as it was
                c = k - 1
                masked = gst_raw(photo, el + " mode=original mask-cluster=%d"
                                 % c, raw).astype(np.int64)
                brightest = colours[np.argmax(colours @ [299, 587, 114])]
                in_c = (out == brightest).all(axis=2)
                ok = ((masked[in_c] == 0).all() and
                      (masked[~in_c] == src[~in_c]).all())
                print("%-14s %3d %7d %10.2f %10.2f %7.4f %s" % (
                    os.path.basename(photo), k, len(colours), mse, ref, ratio,
                    "yes" if ok else "NO"))
                if len(colours) > k or not ok:
                    worst = float("inf")
    print("worst mse / converged mse: %.4f" % worst)
    return 0 if worst <= 1.02 else 1


if __name__ == "__main__":
    sys.exit(main())

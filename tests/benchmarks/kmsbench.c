/* kmeansseg: K-means colour segmentation of video frames
 * Copyright (C) 2026 The kmeansseg authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * You should have received a copy of the GNU Library General Public
 * License along with this library; if not, write to the
 * Free Software Foundation, Inc., 51 Franklin St, Fifth Floor,
 * Boston, MA 02110-1301, USA.
 */

/* kmsbench: how fast the K-means core ("the element alone") processes
 * RGBx frames, next to a plain copy of a frame of the same size measured
 * in the same run.
 *
 * For each size x k x threads x CPU level it prints, as a Markdown table,
 * the median, 99th percentile, slowest and first-frame time per frame, the
 * fps of the median, the median time of a memcpy() of one
 * frame into a separate buffer and the ratio of the two, plus the mean
 * per-channel MSE and the mean number of Lloyd iterations. The timed
 * frames run as the element does by default, without adding up the error
 * (measure_error: the element does for its messages only); the MSE comes
 * from the distinct frames processed once more after them.
 *
 * Frames are either raw RGBx files (--frames, as tests/benchmarks/run.sh
 * and compare.py make them from opencv-doc's vtest.avi) or synthesised
 * (--size): smooth gradients, moving shapes and noise, the same on every
 * run. Both the core and the copy read their input cycling through a pool
 * of distinct buffers of at least --pool-mib MiB, so the input comes from
 * memory, not from the cache, as it does in a pipeline.
 *
 * Each configuration gets a fresh context; the first --warmup frames are
 * not timed, because the steady state of a stream is the warm start.
 * Frames are processed out of place (input -> output buffer) by default,
 * so the input stays the same across repeats. The element works in place
 * whenever its output has the input's format; --in-place times that: the
 * core writes over a second pool of buffers, each restored from the first
 * (untimed) right after its frame. Out of place, a step that writes rows
 * from the label map (smoothing, feathering other than alone) first
 * copies each input row to the output, which in place it does not.
 *
 * --format times a YUV format instead (I420, NV12, YUY2): the same frames
 * converted (BT.709, limited range), the copy of a frame of that format.
 *
 * --color-space sets the space the core clusters in (native or oklab);
 * --color-spaces native,oklab then times each of them on the same frames,
 * in alternating rounds (--color-space-rounds), and prints each one's time
 * over the first's (issue 14: oklab at most 1.5x native).
 *
 * --dither none,bayer,blue-noise times those dither modes the same way
 * (posterize; rounds from --color-space-rounds; issue 14: each at most
 * 1.3x none at k=8).
 *
 * --cpu times several CPU levels on the same frames (c, v2, v3, avx512,
 * neon, or all this CPU runs), forced with kms_context_set_cpu_flags(), a
 * row group per configuration and then a table with the levels side by
 * side; the level column says which ran (KmsResult.cpu_level). --kernels
 * times each kernel of the level's table (kmsdsp.h) alone, ns per pixel,
 * the levels side by side, against a memcpy of the frame.
 *
 * Not a test: it is built by meson and run by hand, by run.sh or under
 * valgrind for instruction counts that repeat exactly from run to run
 * (--toggle-collect counts the core only, not the frame synthesis):
 *   valgrind --tool=callgrind --toggle-collect=kms_context_process \
 *       build/tests/benchmarks/kmsbench --size 1920x1080 --k 8 --threads 1 \
 *       --repeat 3
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "kmscore.h"
/* the kernel table and the paint tables, for --kernels (internal headers of
 * the core, in the include directory kmscore_dep gives) */
#include "kmsdsp.h"
#include "kmsformat.h"
#include "kmssample.h"
#include "kmsthreshold.h"

#define BPP 4                   /* RGBx */
#define DEFAULT_KS "3,8,16,64"
#define DEFAULT_THREADS "1,2"
#define DEFAULT_SIZES "640x480,1280x720,1920x1080,3840x2160"
#define DEFAULT_N_FRAMES 8
#define DEFAULT_WARMUP 2
#define DEFAULT_POOL_MIB 64
#define MIN_COPY_REPEAT 30

typedef struct
{
  gint width;
  gint height;
  gchar *source;                /* where the frames came from */
  guint n_frames;               /* distinct frames */
  guint n_bufs;                 /* buffers in the pool (>= n_frames) */
  guint8 **bufs;                /* buffer i holds frame i % n_frames */
  guint8 **work;                /* --in-place: copies of bufs, processed
                                 * in place and restored (or NULL) */
} BenchFrames;

/* Options */
static gchar **opt_frames = NULL;
static gint opt_width = 0;
static gint opt_height = 0;
static gchar *opt_sizes = NULL;
static gchar *opt_ks = NULL;
static gchar *opt_threads = NULL;
static gint opt_sample_size = -1;
static gint opt_max_iters = -1;
static gdouble opt_hysteresis = -1;
static gdouble opt_still = -1;
static gchar *opt_smoothing = NULL;
static gchar *opt_color_space = NULL;
static gchar *opt_color_spaces = NULL;
static gint opt_color_space_rounds = 3;
static gchar *opt_dither = NULL;
static gchar *opt_feather = NULL;
static gchar *opt_clock = NULL;
static clockid_t bench_clock = CLOCK_MONOTONIC;
static gint opt_repeat = 0;
static gint opt_warmup = DEFAULT_WARMUP;
static gint opt_n_frames = DEFAULT_N_FRAMES;
static gint opt_pool_mib = DEFAULT_POOL_MIB;
static gboolean opt_cold = FALSE;
static gboolean opt_in_place = FALSE;
static gchar *opt_dump = NULL;
static gchar *opt_format = NULL;
static gchar *opt_cpu = NULL;
static gboolean opt_kernels = FALSE;
static gboolean opt_kernels_only = FALSE;
static gint opt_kernel_repeat = 0;
/* the format timed: RGBx, or the frames converted to a YUV format */
static KmsFormat bench_format = KMS_FORMAT_RGBx;

static GOptionEntry entries[] = {
  {"frames", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_frames,
      "Raw RGBx frames, back to back (may be repeated; the size comes from "
        "--width/--height or from a WxH in the file name)", "FILE"},
  {"width", 'W', 0, G_OPTION_ARG_INT, &opt_width,
      "Width of the --frames file", "PIXELS"},
  {"height", 'H', 0, G_OPTION_ARG_INT, &opt_height,
      "Height of the --frames file", "PIXELS"},
  {"size", 's', 0, G_OPTION_ARG_STRING, &opt_sizes,
      "Synthesise frames of these sizes (default without --frames: "
        DEFAULT_SIZES ")", "WxH,..."},
  {"k", 'k', 0, G_OPTION_ARG_STRING, &opt_ks,
      "Numbers of clusters (default " DEFAULT_KS ")", "K,..."},
  {"threads", 't', 0, G_OPTION_ARG_STRING, &opt_threads,
      "Values of n_threads (default " DEFAULT_THREADS ")", "N,..."},
  {"sample-size", 0, 0, G_OPTION_ARG_INT, &opt_sample_size,
      "Pixels sampled to fit; 0 = every pixel (default: the core's)", "N"},
  {"max-iters", 0, 0, G_OPTION_ARG_INT, &opt_max_iters,
      "Lloyd iterations per frame at most (default: the core's)", "N"},
  {"hysteresis", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hysteresis,
      "Label hysteresis in levels; 0 = plain nearest (default: the core's)",
      "LEVELS"},
  {"still-hysteresis", 0, 0, G_OPTION_ARG_DOUBLE, &opt_still,
      "Still pixels' hysteresis in levels; 0 = off (default: the core's)",
      "LEVELS"},
  {"spatial-smoothing", 0, 0, G_OPTION_ARG_STRING, &opt_smoothing,
      "Then time these spatial-smoothing passes (e.g. 0,1,2) at each size "
        "and k, the first thread count and the best level timed, and print "
        "what each pass costs beside a frame copy", "N,..."},
  {"color-space", 0, 0, G_OPTION_ARG_STRING, &opt_color_space,
      "Cluster in this colour space: native (default) or oklab", "SPACE"},
  {"color-spaces", 0, 0, G_OPTION_ARG_STRING, &opt_color_spaces,
        "Then time these colour spaces (e.g. native,oklab) against the first, "
        "in alternating rounds", "LIST"},
  {"dither", 0, 0, G_OPTION_ARG_STRING, &opt_dither,
      "Time these dither modes (e.g. none,bayer,blue-noise) against the "
        "first, in alternating rounds (--color-space-rounds)", "LIST"},
  {"color-space-rounds", 0, 0, G_OPTION_ARG_INT, &opt_color_space_rounds,
      "Rounds of --color-spaces (default 3)", "N"},
  {"mask-feather", 0, 0, G_OPTION_ARG_STRING, &opt_feather,
      "Then time these mask-feather radii (e.g. 0,4,16) with cluster 0 "
        "masked, at each size and k, the first thread count and the best "
        "level timed, and print what feathering costs beside a frame copy",
      "N,..."},
  {"clock", 0, 0, G_OPTION_ARG_STRING, &opt_clock,
      "wall (default) or thread: time with the calling thread's CPU time, "
        "which a busy machine disturbs less (one thread only)", "CLOCK"},
  {"repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat,
      "Frames timed per configuration (default: 60 at 1920x1080, scaled "
        "by the inverse square root of the pixel count)", "N"},
  {"warmup", 0, 0, G_OPTION_ARG_INT, &opt_warmup,
      "Frames processed before timing starts (default 2)", "N"},
  {"n-frames", 'n', 0, G_OPTION_ARG_INT, &opt_n_frames,
      "Distinct frames to synthesise (default 8)", "N"},
  {"pool-mib", 0, 0, G_OPTION_ARG_INT, &opt_pool_mib,
      "Cycle the input through at least this many MiB of buffers "
        "(default 64; 0: the distinct frames only)", "MIB"},
  {"format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
      "Time this format: RGBx (default), I420, NV12 or YUY2 (the RGBx "
        "frames converted, BT.709 limited range)", "FORMAT"},
  {"in-place", 0, 0, G_OPTION_ARG_NONE, &opt_in_place,
      "Process each frame in place, as the element does when its output "
        "has the input's format (default: out of place, input -> output "
        "buffer)", NULL},
  {"cold", 0, 0, G_OPTION_ARG_NONE, &opt_cold,
      "No warm start: every frame starts afresh", NULL},
  {"cpu", 0, 0, G_OPTION_ARG_STRING, &opt_cpu,
      "CPU levels to time, side by side: c, v2, v3 (or avx2), avx512, "
        "neon, or all (every level this CPU runs); default: the best one "
        "(or KMEANSSEG_CPU)", "LEVEL,..."},
  {"kernels", 0, 0, G_OPTION_ARG_NONE, &opt_kernels,
      "Then time each kernel of the table alone, ns per pixel per level",
      NULL},
  {"kernels-only", 0, 0, G_OPTION_ARG_NONE, &opt_kernels_only,
      "Only the per-kernel table, not the core", NULL},
  {"kernel-repeat", 0, 0, G_OPTION_ARG_INT, &opt_kernel_repeat,
      "Repetitions of each kernel over the frame (default: 9 at 1920x1080, "
        "more for smaller frames)", "N"},
  {"dump", 0, 0, G_OPTION_ARG_FILENAME, &opt_dump,
      "Write the synthetic frames of each --size to DIR/synthetic-WxH.rgbx "
        "and exit (for compare.py without opencv-doc)", "DIR"},
  {NULL}
};

/* A CPU level to time (--cpu): the one asked for, what forcing it allows,
 * and the level the core runs for it on this CPU (the best one below when
 * this CPU doesn't run it) */
typedef struct
{
  KmsCpuLevel asked;
  KmsCpuFlags flags;
  KmsCpuLevel runs;
  gchar *label;                 /* "v3", or "avx512->v3" for a fallback */
} BenchLevel;

static GArray *levels = NULL;   /* of BenchLevel */

static void
add_level (const gchar * name, const gchar * option)
{
  const KmsCpuFlags cpu = kms_cpu_get_flags ();
  BenchLevel l;
  guint i;

  if (!kms_cpu_flags_from_string (name, &l.flags, &l.asked)) {
    g_printerr ("%s: unknown CPU level '%s': c, v2, v3 (or avx2), avx512, "
        "neon, or all\n", option, name);
    exit (2);
  }
  for (i = 0; i < levels->len; i++)
    if (g_array_index (levels, BenchLevel, i).asked == l.asked)
      return;                   /* v3 and avx2, or a level twice */
  l.runs = kms_cpu_flags_best ((l.flags & cpu) | KMS_CPU_FLAG (KMS_CPU_C));
  l.label = l.runs == l.asked ? g_strdup (kms_cpu_level_to_string (l.asked))
      : g_strdup_printf ("%s->%s", kms_cpu_level_to_string (l.asked),
      kms_cpu_level_to_string (l.runs));
  g_array_append_val (levels, l);
}

/* --cpu (or KMEANSSEG_CPU, or the best level) into levels */
static void
parse_levels (void)
{
  const KmsCpuFlags cpu = kms_cpu_get_flags ();
  const gchar *env = g_getenv ("KMEANSSEG_CPU");

  levels = g_array_new (FALSE, FALSE, sizeof (BenchLevel));
  if (opt_cpu) {
    gchar **items = g_strsplit (opt_cpu, ",", -1);
    gchar **i;

    for (i = items; *i; i++) {
      const gchar *name = g_strstrip (*i);

      if (g_ascii_strcasecmp (name, "all") == 0) {
        gint l;

        for (l = 0; l < KMS_CPU_N_LEVELS; l++)
          if (cpu & KMS_CPU_FLAG (l))
            add_level (kms_cpu_level_to_string ((KmsCpuLevel) l), "--cpu");
      } else {
        add_level (name, "--cpu");
      }
    }
    g_strfreev (items);
    if (levels->len == 0) {
      g_printerr ("--cpu: no level named\n");
      exit (2);
    }
  } else if (env && *env) {
    add_level (env, "KMEANSSEG_CPU");
  } else {
    add_level (kms_cpu_level_to_string (kms_cpu_flags_best (cpu)), "--cpu");
  }
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (bench_clock, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  const gdouble da = *(const gdouble *) a, db = *(const gdouble *) b;

  return (da > db) - (da < db);
}

/* Median of @n values; sorts them */
static gdouble
median (gdouble * v, guint n)
{
  qsort (v, n, sizeof (gdouble), compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static gchar *
cpu_model (void)
{
  gchar *contents = NULL, *model = NULL;
  gchar **lines, **l;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown");
  lines = g_strsplit (contents, "\n", -1);
  for (l = lines; *l && !model; l++) {
    if (g_str_has_prefix (*l, "model name")) {
      const gchar *colon = strchr (*l, ':');

      if (colon)
        model = g_strstrip (g_strdup (colon + 1));
    }
  }
  g_strfreev (lines);
  g_free (contents);
  return model ? model : g_strdup ("unknown");
}

static gboolean
parse_size (const gchar * s, gint * width, gint * height)
{
  gchar *end;
  gint64 w, h;

  w = g_ascii_strtoll (s, &end, 10);
  if (end == s || (*end != 'x' && *end != 'X'))
    return FALSE;
  s = end + 1;
  h = g_ascii_strtoll (s, &end, 10);
  if (end == s || w <= 0 || h <= 0 || w > 16384 || h > 16384)
    return FALSE;
  *width = w;
  *height = h;
  return TRUE;
}

/* A WxH anywhere in a file name, e.g. vtest-1920x1080.rgbx */
static gboolean
size_from_name (const gchar * path, gint * width, gint * height)
{
  gchar *base = g_path_get_basename (path);
  gboolean found = FALSE;
  const gchar *p;

  for (p = base; *p && !found; p++) {
    if (g_ascii_isdigit (*p) && (p == base || !g_ascii_isdigit (p[-1])))
      found = parse_size (p, width, height);
  }
  g_free (base);
  return found;
}

/* A comma-separated list of unsigned numbers */
static GArray *
parse_uint_list (const gchar * s, guint min, guint max, const gchar * what)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (guint));
  gchar **items = g_strsplit (s, ",", -1);
  gchar **i;

  for (i = items; *i; i++) {
    guint64 v;

    if (!g_ascii_string_to_unsigned (g_strstrip (*i), 10, min, max, &v,
            NULL)) {
      g_printerr ("Bad %s '%s': expected %u..%u\n", what, *i, min, max);
      exit (2);
    }
    g_array_append_val (list, v);
  }
  g_strfreev (items);
  if (list->len == 0) {
    g_printerr ("Empty list of %s\n", what);
    exit (2);
  }
  return list;
}

/* Bytes of one frame of the timed format (planes back to back, rows
 * unpadded) */
static gsize
frame_size (gint width, gint height)
{
  const gsize n = (gsize) width * height;
  const gsize cw = (width + 1) / 2, ch = (height + 1) / 2;

  switch (bench_format) {
    case KMS_FORMAT_I420:
    case KMS_FORMAT_NV12:
      return n + 2 * cw * ch;
    case KMS_FORMAT_YUY2:
      return 4 * cw * height;
    default:
      return n * BPP;
  }
}

/* BT.709, limited range, from 8-bit R'G'B' */
static void
rgb_to_yuv (const guint8 * p, gint * y, gint * u, gint * v)
{
  const gdouble r = p[0], g = p[1], b = p[2];
  const gdouble ey = 0.2126 * r + 0.7152 * g + 0.0722 * b;

  *y = (gint) lround (16 + ey * 219.0 / 255.0);
  *u = (gint) lround (128 + (b - ey) / 1.8556 * 224.0 / 255.0);
  *v = (gint) lround (128 + (r - ey) / 1.5748 * 224.0 / 255.0);
  *y = CLAMP (*y, 0, 255);
  *u = CLAMP (*u, 0, 255);
  *v = CLAMP (*v, 0, 255);
}

/* An RGBx frame in the timed format; chroma of a pair (or 2x2 square) of
 * pixels from their mean */
static guint8 *
convert_frame (const guint8 * rgbx, gint width, gint height)
{
  guint8 *out = g_malloc0 (frame_size (width, height));
  const gint cw = (width + 1) / 2, ch = (height + 1) / 2;
  gint x, y;

  for (y = 0; y < height; y++) {
    for (x = 0; x < width; x++) {
      const guint8 *p = rgbx + ((gsize) y * width + x) * BPP;
      gint yy, u, v;

      rgb_to_yuv (p, &yy, &u, &v);
      if (bench_format == KMS_FORMAT_YUY2)
        out[(gsize) y * 4 * cw + 2 * x] = yy;
      else
        out[(gsize) y * width + x] = yy;
    }
  }
  for (y = 0; y < (bench_format == KMS_FORMAT_YUY2 ? height : ch); y++) {
    for (x = 0; x < cw; x++) {
      gint su = 0, sv = 0, n = 0, dy, dx;

      for (dy = 0; dy < (bench_format == KMS_FORMAT_YUY2 ? 1 : 2); dy++)
        for (dx = 0; dx < 2; dx++) {
          const gint sx = MIN (2 * x + dx, width - 1);
          const gint sy = bench_format == KMS_FORMAT_YUY2 ? y :
              MIN (2 * y + dy, height - 1);
          gint yy, u, v;

          rgb_to_yuv (rgbx + ((gsize) sy * width + sx) * BPP, &yy, &u, &v);
          su += u;
          sv += v;
          n++;
        }
      su = (su + n / 2) / n;
      sv = (sv + n / 2) / n;
      if (bench_format == KMS_FORMAT_YUY2) {
        out[(gsize) y * 4 * cw + 4 * x + 1] = su;
        out[(gsize) y * 4 * cw + 4 * x + 3] = sv;
      } else if (bench_format == KMS_FORMAT_NV12) {
        guint8 *uv = out + (gsize) width * height;

        uv[(gsize) y * 2 * cw + 2 * x] = su;
        uv[(gsize) y * 2 * cw + 2 * x + 1] = sv;
      } else {
        guint8 *up = out + (gsize) width * height;

        up[(gsize) y * cw + x] = su;
        up[(gsize) cw * ch + (gsize) y * cw + x] = sv;
      }
    }
  }
  return out;
}

/* How many buffers the pool needs so the input cycles through at least
 * opt_pool_mib MiB */
static guint
pool_size (gsize frame_bytes, guint n_frames)
{
  guint64 want = (guint64) opt_pool_mib * 1024 * 1024;
  guint n = (want + frame_bytes - 1) / frame_bytes;

  return MAX (n, n_frames);
}

static guint8 *
dup_frame (const guint8 * data, gsize frame_bytes)
{
  guint8 *copy = g_malloc (frame_bytes);

  memcpy (copy, data, frame_bytes);
  return copy;
}

static void
fill_pool (BenchFrames * f)
{
  gsize frame_bytes = frame_size (f->width, f->height);
  guint i;

  /* the distinct frames, in the timed format */
  if (bench_format != KMS_FORMAT_RGBx) {
    for (i = 0; i < f->n_frames; i++) {
      guint8 *yuv = convert_frame (f->bufs[i], f->width, f->height);

      g_free (f->bufs[i]);
      f->bufs[i] = yuv;
    }
  }

  f->n_bufs = pool_size (frame_bytes, f->n_frames);
  f->bufs = g_renew (guint8 *, f->bufs, f->n_bufs);
  for (i = f->n_frames; i < f->n_bufs; i++)
    f->bufs[i] = dup_frame (f->bufs[i % f->n_frames], frame_bytes);
  /* in place: a second pool the core writes over, each buffer restored
   * from the first right after it is processed (untimed), so that by its
   * next turn the pool's other buffers have pushed it out of the cache */
  if (opt_in_place) {
    f->work = g_new (guint8 *, f->n_bufs);
    for (i = 0; i < f->n_bufs; i++)
      f->work[i] = dup_frame (f->bufs[i], frame_bytes);
  }
}

static guint32
xorshift32 (guint32 * state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* Something like a scene: a sky-to-ground gradient, a few flat objects
 * moving a little from frame to frame, and sensor-like noise. The same on
 * every run and machine. */
static void
synthesise_frame (guint8 * data, gint width, gint height, guint index)
{
  static const struct
  {
    gdouble cx, cy, r, dx, dy;
    guint8 rgb[3];
    gboolean disc;
  } shapes[] = {
    {0.25, 0.60, 0.12, 0.004, 0.000, {200, 40, 30}, TRUE},
    {0.60, 0.70, 0.15, -0.003, 0.001, {40, 90, 180}, FALSE},
    {0.80, 0.30, 0.08, 0.002, 0.002, {240, 220, 60}, TRUE},
    {0.45, 0.35, 0.10, -0.002, -0.001, {60, 150, 70}, FALSE},
    {0.10, 0.20, 0.06, 0.003, 0.001, {250, 250, 250}, TRUE},
  };
  guint32 rng = 0x9e3779b9u ^ (index * 2654435761u);
  gint x, y;
  guint s;

  for (y = 0; y < height; y++) {
    gdouble fy = (gdouble) y / height;
    guint8 *p = data + (gsize) y * width * BPP;

    for (x = 0; x < width; x++, p += BPP) {
      gdouble fx = (gdouble) x / width;
      gdouble rgb[3];
      gint noise, ch;

      if (fy < 0.45) {
        /* sky */
        rgb[0] = 90 + 80 * fy + 30 * fx;
        rgb[1] = 140 + 60 * fy;
        rgb[2] = 230 - 40 * fy;
      } else {
        /* ground */
        rgb[0] = 110 - 60 * (fy - 0.45) + 10 * fx;
        rgb[1] = 100 - 40 * (fy - 0.45);
        rgb[2] = 80 - 30 * (fy - 0.45);
      }
      for (s = 0; s < G_N_ELEMENTS (shapes); s++) {
        gdouble cx = shapes[s].cx + shapes[s].dx * index;
        gdouble cy = shapes[s].cy + shapes[s].dy * index;
        gdouble r = shapes[s].r;
        gdouble ax = (fx - cx) * width / height, ay = fy - cy;
        gboolean inside = shapes[s].disc ? ax * ax + ay * ay < r * r :
            ABS (ax) < r && ABS (ay) < r * 0.7;

        if (inside) {
          /* shaded from the top left */
          gdouble shade = 1.0 - 0.5 * (ax + ay) / r * 0.5;

          for (ch = 0; ch < 3; ch++)
            rgb[ch] = shapes[s].rgb[ch] * shade;
        }
      }
      noise = (gint) (xorshift32 (&rng) % 13) - 6;
      for (ch = 0; ch < 3; ch++)
        p[ch] = CLAMP ((gint) (rgb[ch] + noise), 0, 255);
      p[3] = 255;
    }
  }
}

static BenchFrames *
frames_synthesise (gint width, gint height, guint n_frames)
{
  BenchFrames *f = g_new0 (BenchFrames, 1);
  gsize frame_bytes = (gsize) width * height * BPP;
  guint i;

  f->width = width;
  f->height = height;
  f->n_frames = n_frames;
  f->source = g_strdup_printf ("synthetic, %u frames", n_frames);
  f->bufs = g_new0 (guint8 *, n_frames);
  for (i = 0; i < n_frames; i++) {
    f->bufs[i] = g_malloc (frame_bytes);
    synthesise_frame (f->bufs[i], width, height, i);
  }
  fill_pool (f);
  return f;
}

static BenchFrames *
frames_load (const gchar * path, gint width, gint height)
{
  BenchFrames *f;
  gchar *contents = NULL;
  gsize len = 0, frame_bytes = (gsize) width * height * BPP;
  GError *err = NULL;
  guint i;

  if (!g_file_get_contents (path, &contents, &len, &err)) {
    g_printerr ("Can't read %s: %s\n", path, err->message);
    exit (1);
  }
  if (len == 0 || len % frame_bytes != 0) {
    g_printerr ("%s: %" G_GSIZE_FORMAT " bytes is not a whole number of "
        "%dx%d RGBx frames\n", path, len, width, height);
    exit (1);
  }

  f = g_new0 (BenchFrames, 1);
  f->width = width;
  f->height = height;
  f->n_frames = len / frame_bytes;
  f->source = g_strdup_printf ("%s, %u frames", path, f->n_frames);
  /* each frame in a buffer of its own, like a pipeline's */
  f->bufs = g_new0 (guint8 *, f->n_frames);
  for (i = 0; i < f->n_frames; i++)
    f->bufs[i] = dup_frame ((const guint8 *) contents + i * frame_bytes,
        frame_bytes);
  g_free (contents);
  fill_pool (f);
  return f;
}

static void
frames_dump (const BenchFrames * f, const gchar * dir)
{
  gsize frame_bytes = (gsize) f->width * f->height * BPP;
  gchar *name = g_strdup_printf ("synthetic-%dx%d.rgbx", f->width,
      f->height);
  gchar *path = g_build_filename (dir, name, NULL);
  FILE *file;
  guint i;

  g_mkdir_with_parents (dir, 0755);
  file = fopen (path, "wb");
  for (i = 0; file && i < f->n_frames; i++) {
    if (fwrite (f->bufs[i], 1, frame_bytes, file) != frame_bytes)
      break;
  }
  if (!file || i < f->n_frames || fclose (file) != 0) {
    g_printerr ("Can't write %s\n", path);
    exit (1);
  }
  g_print ("%s\n", path);
  g_free (path);
  g_free (name);
}

static void
frames_free (BenchFrames * f)
{
  guint i;

  for (i = 0; i < f->n_bufs; i++) {
    g_free (f->bufs[i]);
    if (f->work)
      g_free (f->work[i]);
  }
  g_free (f->bufs);
  g_free (f->work);
  g_free (f->source);
  g_free (f);
}

static guint
default_repeat (gint width, gint height)
{
  gdouble r = 60.0 * sqrt (1920.0 * 1080.0 / ((gdouble) width * height));

  return CLAMP ((guint) (r + 0.5), 10, 200);
}

static void
init_frame (KmsFrame * frame, gint width, gint height, guint8 * data)
{
  const gint cw = (width + 1) / 2, ch = (height + 1) / 2;

  memset (frame, 0, sizeof (*frame));
  frame->format = bench_format;
  frame->width = width;
  frame->height = height;
  frame->matrix = KMS_MATRIX_BT709;
  frame->data[0] = data;
  switch (bench_format) {
    case KMS_FORMAT_I420:
      frame->stride[0] = width;
      frame->data[1] = data + (gsize) width * height;
      frame->stride[1] = cw;
      frame->data[2] = frame->data[1] + (gsize) cw * ch;
      frame->stride[2] = cw;
      break;
    case KMS_FORMAT_NV12:
      frame->stride[0] = width;
      frame->data[1] = data + (gsize) width * height;
      frame->stride[1] = 2 * cw;
      break;
    case KMS_FORMAT_YUY2:
      frame->stride[0] = 4 * cw;
      break;
    default:
      frame->stride[0] = width * BPP;
      break;
  }
}

/* Median ms of one out-of-place copy of a frame, cycling through the
 * pool like the core does */
static gdouble
bench_copy (const BenchFrames * f, guint8 * dst, guint repeat)
{
  gsize frame_bytes = frame_size (f->width, f->height);
  gdouble *ms = g_new (gdouble, repeat);
  gdouble result;
  guint i;

  /* one untimed copy: fault the destination in */
  memcpy (dst, f->bufs[0], frame_bytes);
  for (i = 0; i < repeat; i++) {
    const guint8 *src = f->bufs[(i + 1) % f->n_bufs];
    gint64 t0 = now_ns ();

    memcpy (dst, src, frame_bytes);
    ms[i] = (now_ns () - t0) / 1e6;
  }
  result = median (ms, repeat);
  g_free (ms);
  return result;
}

typedef struct
{
  gdouble median_ms;
  gdouble p99_ms;
  gdouble max_ms;
  gdouble first_ms;             /* the first frame: a fresh fit */
  gdouble mse;
  gdouble iterations;
  KmsCpuLevel ran;              /* KmsResult.cpu_level */
} CoreResult;

/* One line of the table, kept for the side-by-side one */
typedef struct
{
  gint width, height;
  guint k, n_threads, level;    /* level: index in levels */
  CoreResult res;
  gdouble copy_ms;
} BenchRow;

static GArray *bench_rows = NULL;       /* of BenchRow */

/* The nearest-rank percentile @p of @n sorted values */
static gdouble
percentile (const gdouble * sorted, guint n, gdouble p)
{
  guint rank = (guint) ceil (p * n);

  return sorted[CLAMP (rank, 1, n) - 1];
}

static gboolean
bench_core (const BenchFrames * f, guint8 * dst, const KmsParams * params,
    const BenchLevel * level, guint repeat, CoreResult * res)
{
  KmsContext *ctx = kms_context_new ();
  gdouble *ms = g_new (gdouble, repeat);
  gdouble mse = 0, iters = 0;
  KmsParams timed = *params, measured = *params;
  KmsFrame in, out;
  KmsResult stats;
  guint i, n = 0;

  kms_context_set_cpu_flags (ctx, level->flags);
  res->ran = KMS_CPU_N_LEVELS;
  /* timed as the element runs by default: without adding up the error
   * (it does only for its messages) */
  timed.measure_error = FALSE;
  measured.measure_error = TRUE;
  init_frame (&out, f->width, f->height, dst);
  for (i = 0; i < (guint) opt_warmup + repeat + f->n_frames; i++) {
    const gboolean timing = i < (guint) opt_warmup + repeat;
    gint64 t0, t1;

    init_frame (&in, f->width, f->height, f->work ?
        f->work[i % f->n_bufs] : f->bufs[i % f->n_bufs]);
    t0 = now_ns ();
    if (!kms_context_process (ctx, timing ? &timed : &measured, &in,
            f->work ? &in : &out, &stats)) {
      kms_context_free (ctx);
      g_free (ms);
      return FALSE;
    }
    t1 = now_ns ();
    if (f->work)
      memcpy (f->work[i % f->n_bufs], f->bufs[i % f->n_bufs],
          frame_size (f->width, f->height));
    if (res->ran != KMS_CPU_N_LEVELS && res->ran != stats.cpu_level)
      g_printerr ("kmsbench: the level changed from %s to %s mid-stream\n",
          kms_cpu_level_to_string (res->ran),
          kms_cpu_level_to_string (stats.cpu_level));
    res->ran = stats.cpu_level;
    if (i == 0)
      res->first_ms = (t1 - t0) / 1e6;
    if (i < (guint) opt_warmup)
      continue;
    if (timing) {
      ms[n++] = (t1 - t0) / 1e6;
      iters += stats.iterations;
    } else {
      /* then the error, on each distinct frame once */
      mse += stats.mse;
    }
  }
  res->median_ms = median (ms, n);      /* sorts */
  res->p99_ms = percentile (ms, n, 0.99);
  res->max_ms = ms[n - 1];
  res->mse = mse / f->n_frames;
  res->iterations = iters / n;
  kms_context_free (ctx);
  g_free (ms);
  return TRUE;
}

/* "v3", or "avx512->v3" when the core ran another level than asked */
static gchar *
ran_label (const BenchLevel * level, KmsCpuLevel ran)
{
  if (ran == level->asked)
    return g_strdup (kms_cpu_level_to_string (ran));
  return g_strdup_printf ("%s->%s", kms_cpu_level_to_string (level->asked),
      kms_cpu_level_to_string (ran));
}

static void
bench_size (const BenchFrames * f, GArray * ks, GArray * threads,
    const KmsParams * base)
{
  gsize frame_bytes = frame_size (f->width, f->height);
  guint repeat = opt_repeat > 0 ? (guint) opt_repeat :
      default_repeat (f->width, f->height);
  /* separate destinations, so neither finds the other's output cached */
  guint8 *dst = g_malloc (frame_bytes);
  guint8 *copy_dst = g_malloc (frame_bytes);
  guint ki, ti, li;

  memset (dst, 0, frame_bytes);
  memset (copy_dst, 0, frame_bytes);

  for (ki = 0; ki < ks->len; ki++) {
    for (ti = 0; ti < threads->len; ti++) {
      /* every level on the same frames, one after the other */
      for (li = 0; li < levels->len; li++) {
        const BenchLevel *level = &g_array_index (levels, BenchLevel, li);
        KmsParams params = *base;
        BenchRow row;
        gchar *label;

        params.k = g_array_index (ks, guint, ki);
        params.n_threads = g_array_index (threads, guint, ti);
        if (!bench_core (f, dst, &params, level, repeat, &row.res)) {
          g_printerr ("kms_context_process failed at %dx%d\n", f->width,
              f->height);
          exit (1);
        }
        /* measured right after the core, under the same conditions */
        row.copy_ms = bench_copy (f, copy_dst, MAX (repeat, MIN_COPY_REPEAT));
        row.width = f->width;
        row.height = f->height;
        row.k = params.k;
        row.n_threads = params.n_threads;
        row.level = li;
        g_array_append_val (bench_rows, row);

        label = ran_label (level, row.res.ran);
        g_print ("| %dx%d | %u | %u | %s | %u | %.2f | %.2f | %.2f | %.2f "
            "| %.1f | %.3f | %.1f | %.2f | %.2f |\n", f->width, f->height,
            params.k, params.n_threads, label, repeat, row.res.median_ms,
            row.res.p99_ms, row.res.max_ms, row.res.first_ms,
            1000.0 / row.res.median_ms, row.copy_ms,
            row.res.median_ms / row.copy_ms, row.res.mse,
            row.res.iterations);
        fflush (stdout);
        g_free (label);
      }
    }
  }
  g_free (dst);
  g_free (copy_dst);
}

static gboolean
parse_color_space (const gchar * name, KmsClusterSpace * space)
{
  if (!g_ascii_strcasecmp (name, "native"))
    *space = KMS_CLUSTER_NATIVE;
  else if (!g_ascii_strcasecmp (name, "oklab"))
    *space = KMS_CLUSTER_OKLAB;
  else
    return FALSE;
  return TRUE;
}

static const gchar *
color_space_name (KmsClusterSpace space)
{
  return space == KMS_CLUSTER_OKLAB ? "oklab" : "native";
}

static const gchar *
dither_name (KmsDitherMode mode)
{
  return mode == KMS_DITHER_BAYER ? "bayer" :
      mode == KMS_DITHER_BLUE_NOISE ? "blue-noise" : "none";
}

/* --color-spaces (or, @dither, --dither): the frame time in each space
 * (dither mode), one after the other in each of several rounds (the
 * machine's drift hits them alike); the median of each one's per-round
 * medians, and its ratio to the first one's */
static void
bench_color_spaces (const BenchFrames * f, GArray * ks, GArray * spaces,
    guint n_threads, const KmsParams * base, gboolean dither)
{
  gsize frame_bytes = frame_size (f->width, f->height);
  guint repeat = opt_repeat > 0 ? (guint) opt_repeat :
      default_repeat (f->width, f->height);
  guint8 *dst = g_malloc0 (frame_bytes);
  const BenchLevel *level = &g_array_index (levels, BenchLevel,
      levels->len - 1);
  const guint rounds = MAX (opt_color_space_rounds, 1);
  guint ki, si, r;

  for (ki = 0; ki < ks->len; ki++) {
    gdouble *ms = g_new0 (gdouble, spaces->len * rounds);
    gdouble *mse = g_new0 (gdouble, spaces->len);
    gdouble *ratio = g_new0 (gdouble, rounds);
    KmsCpuLevel ran = level->runs;
    gdouble first = 0;

    for (r = 0; r < rounds; r++)
      for (si = 0; si < spaces->len; si++) {
        KmsParams params = *base;
        CoreResult res;

        params.k = g_array_index (ks, guint, ki);
        params.n_threads = n_threads;
        if (dither)
          params.dither = g_array_index (spaces, KmsDitherMode, si);
        else
          params.color_space = g_array_index (spaces, KmsClusterSpace, si);
        if (!bench_core (f, dst, &params, level, repeat, &res)) {
          g_printerr ("kms_context_process failed at %dx%d\n", f->width,
              f->height);
          exit (1);
        }
        ms[si * rounds + r] = res.median_ms;
        mse[si] = res.mse;
        ran = res.ran;
      }
    for (si = 0; si < spaces->len; si++) {
      gchar *label = ran_label (level, ran);
      gdouble lo = G_MAXDOUBLE, hi = 0, med;
      gdouble *v = g_memdup2 (ms + si * rounds, rounds * sizeof (gdouble));

      /* per round, against the first space's time in that round */
      for (r = 0; r < rounds; r++) {
        ratio[r] = ms[si * rounds + r] / ms[r];
        lo = MIN (lo, ratio[r]);
        hi = MAX (hi, ratio[r]);
      }
      med = median (v, rounds);
      g_free (v);
      if (si == 0)
        first = med;
      g_print ("| %dx%d | %u | %u | %s | %s | %u x %u | %.2f | %.2f | %.2f "
          "| %.2f-%.2f |\n", f->width, f->height,
          g_array_index (ks, guint, ki), n_threads, label,
          dither ? dither_name (g_array_index (spaces, KmsDitherMode, si)) :
          color_space_name (g_array_index (spaces, KmsClusterSpace, si)),
          rounds, repeat, med, mse[si], med / first, lo, hi);
      fflush (stdout);
      g_free (label);
    }
    g_free (ms);
    g_free (mse);
    g_free (ratio);
  }
  g_free (dst);
}

/* --spatial-smoothing and --mask-feather: the frame time at each value,
 * and what it adds over 0 (per smoothing pass; per frame for the
 * feathering, which masks cluster 0 at every value), against a plain copy
 * of the frame */
static void
bench_extra (const BenchFrames * f, GArray * ks, GArray * values,
    gboolean feather, guint n_threads, const KmsParams * base)
{
  gsize frame_bytes = frame_size (f->width, f->height);
  guint repeat = opt_repeat > 0 ? (guint) opt_repeat :
      default_repeat (f->width, f->height);
  guint8 *dst = g_malloc0 (frame_bytes), *copy_dst = g_malloc0 (frame_bytes);
  const BenchLevel *level = &g_array_index (levels, BenchLevel,
      levels->len - 1);
  guint ki, vi;

  for (ki = 0; ki < ks->len; ki++) {
    gdouble ms0 = -1;

    for (vi = 0; vi < values->len; vi++) {
      const guint v = g_array_index (values, guint, vi);
      KmsParams params = *base;
      CoreResult res;
      gdouble copy_ms;
      gchar *label;

      params.k = g_array_index (ks, guint, ki);
      params.n_threads = n_threads;
      if (feather) {
        params.mask_cluster = 0;
        params.mask_feather = v;
      } else {
        params.spatial_smoothing = v;
      }
      if (!bench_core (f, dst, &params, level, repeat, &res)) {
        g_printerr ("kms_context_process failed at %dx%d\n", f->width,
            f->height);
        exit (1);
      }
      copy_ms = bench_copy (f, copy_dst, MAX (repeat, MIN_COPY_REPEAT));
      if (v == 0)
        ms0 = res.median_ms;
      label = ran_label (level, res.ran);
      g_print ("| %dx%d | %u | %u | %s | %u | %.2f | %.2f | %.2f | %.2f "
          "| %.3f |", f->width, f->height, params.k, n_threads, label, v,
          res.median_ms, res.p99_ms, res.max_ms, res.mse, copy_ms);
      if (ms0 >= 0 && v > 0)
        g_print (" %.2f | %.2f |\n", res.median_ms - ms0,
            (res.median_ms - ms0) / (feather ? 1 : v) / copy_ms);
      else
        g_print (" - | - |\n");
      fflush (stdout);
      g_free (label);
    }
  }
  g_free (dst);
  g_free (copy_dst);
}

/* With several levels: ms per frame of each, side by side, one line per
 * size x k x threads, and how many times faster than the first level */
static void
print_side_by_side (void)
{
  guint i, li;

  g_print ("\n### Levels side by side (ms/frame, median)\n\n| size | k "
      "| threads | copy ms |");
  for (li = 0; li < levels->len; li++)
    g_print (" %s |", g_array_index (levels, BenchLevel, li).label);
  for (li = 1; li < levels->len; li++)
    g_print (" %s/%s |", g_array_index (levels, BenchLevel, 0).label,
        g_array_index (levels, BenchLevel, li).label);
  g_print (" same MSE |\n|---|--:|--:|--:|");
  for (li = 0; li < 2 * levels->len - 1; li++)
    g_print ("--:|");
  g_print (":-:|\n");

  for (i = 0; i + levels->len <= bench_rows->len; i += levels->len) {
    const BenchRow *r = &g_array_index (bench_rows, BenchRow, i);
    gdouble copy = 0;
    gboolean same = TRUE;

    for (li = 0; li < levels->len; li++) {
      copy += r[li].copy_ms / levels->len;
      same = same && r[li].res.mse == r[0].res.mse &&
          r[li].res.iterations == r[0].res.iterations;
    }
    g_print ("| %dx%d | %u | %u | %.3f |", r->width, r->height, r->k,
        r->n_threads, copy);
    for (li = 0; li < levels->len; li++)
      g_print (" %.2f |", r[li].res.median_ms);
    for (li = 1; li < levels->len; li++)
      g_print (" %.2fx |", r[0].res.median_ms / r[li].res.median_ms);
    g_print (" %s |\n", same ? "yes" : "**NO**");
  }
}

/* --kernels: each kernel of the table alone, on the benchmark frames, per
 * level side by side. Everything runs on one thread; each figure is the
 * median of kernel_repeat runs over a whole frame, the input cycling
 * through the pool as in the core (from memory, not the cache). */

/* Planar rows unpacked (untimed) before assign runs on them: about this
 * many bytes, so assign reads them from the cache as it does in the pass
 * (where it gets the row just unpacked) */
#define KERNEL_BLOCK_BYTES (96 * 1024)

enum
{
  KERN_MEMCPY,
  KERN_UNPACK,
  KERN_UNPACK_STEP,
  KERN_PREPARE,
  KERN_ASSIGN_HYST,
  KERN_ASSIGN,
  KERN_WRITE,
  KERN_SMOOTH,
  KERN_PAINT_HYST,
  KERN_PAINT,
  KERN_OKLAB,
  KERN_DITHER,
  KERN_DITHER_PAINT,
  KERN_N
};

static const struct
{
  const gchar *name;
  const gchar *unit;
  gboolean per_k;
} kernel_rows[KERN_N] = {
  [KERN_MEMCPY] = {"memcpy of the frame (reference)", "ns/px", FALSE},
  [KERN_UNPACK] = {"rows.unpack, every row", "ns/px", FALSE},
  [KERN_UNPACK_STEP] = {"rows.unpack_step, the sample grid", "ns/sample",
      FALSE},
  [KERN_PREPARE] = {"prepare + colour cells", "us/frame", TRUE},
  [KERN_ASSIGN_HYST] = {"assign, hysteresis", "ns/px", TRUE},
  [KERN_ASSIGN] = {"assign, nearest", "ns/px", TRUE},
  [KERN_WRITE] = {"rows.write", "ns/px", TRUE},
  [KERN_SMOOTH] = {"smooth (3x3 majority, one pass over the nearest labels)",
      "ns/px", TRUE},
  [KERN_PAINT_HYST] = {"assign_paint, hysteresis", "ns/px", TRUE},
  [KERN_PAINT] = {"assign_paint, nearest", "ns/px", TRUE},
  [KERN_OKLAB] = {"oklab (color-space=oklab), every row", "ns/px", FALSE},
  [KERN_DITHER] = {"dither (Bayer, from the nearest labels)", "ns/px", TRUE},
  [KERN_DITHER_PAINT] = {"assign_dither_paint, hysteresis (Bayer)", "ns/px",
      TRUE},
};

/* What one level runs at one k */
typedef struct
{
  KmsDsp dsp;
  KmsAssignPalette hyst;        /* cells with the hysteresis margin */
  KmsAssignPalette plain;       /* cells without */
  guint64 *cells_hyst, *cells_plain;
} KernelLevel;

typedef struct
{
  const BenchFrames *f;
  const KmsFormatInfo *info;
  guint reps;
  gsize frame_bytes;
  gdouble margin;               /* the hysteresis, 0: off */
  guint8 *dst;                  /* a frame, for write and assign_paint */
  guint8 *labels;               /* a label a pixel */
  guint8 *prev;                 /* the previous frame's, for hysteresis */
  guint8 *prev0;                /* where prev starts for every level */
  gint block_rows;
  guint8 *block[KMS_MAX_CHANNELS];      /* block_rows planar rows each */
  guint8 *row[KMS_MAX_CHANNELS];        /* one row */
  guint shift[KMS_MAX_CHANNELS];        /* assign_paint: bit of a channel */
  KmsPaint paint;
  guint64 counts[KMS_MAX_K];
  guint32 hash;                 /* of the last run's output */
} KernelBench;

static guint32
hash_bytes (guint32 h, const void *data, gsize n)
{
  const guint8 *p = data;
  gsize i;

  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static const guint8 *
kernel_input (const KernelBench * kb, guint rep)
{
  return kb->f->bufs[(rep + 1) % kb->f->n_bufs];
}

static void
kernel_block_rows (const KernelBench * kb, guint8 * c[KMS_MAX_CHANNELS],
    gint j)
{
  guint ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    c[ch] = kb->block[ch] + (gsize) j * kb->f->width;
}

static gdouble
kernel_memcpy (KernelBench * kb)
{
  gdouble *ns = g_new (gdouble, kb->reps), res;
  guint r;

  for (r = 0; r < kb->reps; r++) {
    gint64 t0 = now_ns ();

    memcpy (kb->dst, kernel_input (kb, r), kb->frame_bytes);
    ns[r] = (gdouble) (now_ns () - t0) / kb->f->width / kb->f->height;
  }
  res = median (ns, kb->reps);
  kb->hash = 0;
  g_free (ns);
  return res;
}

/* Rows y0, y0 + step, ... of @in through rows.unpack (@full) or
 * rows.unpack_step (per_row pixels from x0, every step-th); with @hash,
 * what they give hashed into it */
static void
unpack_grid (const KmsDsp * dsp, gboolean full, const KmsFrame * in,
    gint x0, gint y0, guint step, gint per_row, guint8 * const *row,
    guint32 * hash)
{
  guint ch;
  gint y;

  for (y = y0; y < in->height; y += step) {
    if (full)
      dsp->rows.unpack (in, y, row);
    else
      dsp->rows.unpack_step (in, y, x0, step, per_row, row);
    for (ch = 0; hash && ch < KMS_MAX_CHANNELS; ch++)
      *hash = hash_bytes (*hash, row[ch], per_row);
  }
}

/* rows.unpack over every row (@full), or rows.unpack_step over the grid
 * the fit samples (about sample_size pixels): ns per pixel read */
static gdouble
kernel_unpack (KernelBench * kb, const KmsDsp * dsp, gboolean full,
    guint sample_size)
{
  const gint w = kb->f->width, h = kb->f->height;
  const KmsFrame size = {.width = w,.height = h };
  gint x0 = 0, y0 = 0;
  const guint step = full ? 1 :
      kms_sample_grid (&size, sample_size, &x0, &y0);
  const gint per_row = (w - x0 + step - 1) / step;
  const gint n_rows = (h - y0 + step - 1) / step;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsFrame in;
  guint r;

  for (r = 0; r < kb->reps; r++) {
    gint64 t0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    t0 = now_ns ();
    unpack_grid (dsp, full, &in, x0, y0, step, per_row, kb->row, NULL);
    ns[r] = (gdouble) (now_ns () - t0) / per_row / n_rows;
  }
  /* what it gives, once more, untimed */
  kb->hash = 2166136261u;
  unpack_grid (dsp, full, &in, x0, y0, step, per_row, kb->row, &kb->hash);
  res = median (ns, kb->reps);
  g_free (ns);
  return res;
}

/* What the pass does once a frame before assigning: the level's prepare
 * and the colour cells (with the hysteresis margin, as on a warm frame) */
static gdouble
kernel_prepare (KernelBench * kb, const KernelLevel * kl)
{
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsAssignPalette pal = kl->hyst;
  guint r;

  for (r = 0; r < kb->reps; r++) {
    gint64 t0 = now_ns ();

    pal.cells = NULL;
    if (kl->dsp.prepare)
      kl->dsp.prepare (&pal);
    if (kl->cells_hyst) {
      kms_assign_build_cells (&pal, kb->info->n_channels,
          (gfloat) kb->margin, kl->cells_hyst);
      pal.cells = kl->cells_hyst;
    }
    ns[r] = (now_ns () - t0) / 1e3;     /* us */
  }
  /* the colour cells are the same wherever a level builds them (the
   * search keys are each level's own); 0: none built */
  kb->hash = 0;
  if (kl->cells_hyst)
    kb->hash = hash_bytes (2166136261u, kl->cells_hyst,
        KMS_CELLS * sizeof (guint64)) | 1;
  res = median (ns, kb->reps);
  g_free (ns);
  return res;
}

/* assign on every row, each block of rows unpacked first (untimed) */
static gdouble
kernel_assign (KernelBench * kb, const KernelLevel * kl, gboolean hyst_on)
{
  const gint w = kb->f->width, h = kb->f->height;
  const KmsAssignPalette *pal = hyst_on ? &kl->hyst : &kl->plain;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsHysteresis hyst = { NULL, TRUE, kb->margin };
  guint8 *c[KMS_MAX_CHANNELS];
  KmsFrame in;
  guint r;
  gint y, j;

  memcpy (kb->prev, kb->prev0, (gsize) w * h);
  for (r = 0; r < kb->reps; r++) {
    gint64 total = 0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    memset (kb->counts, 0, sizeof (kb->counts));
    for (y = 0; y < h; y += kb->block_rows) {
      const gint n = MIN (kb->block_rows, h - y);
      gint64 t0;

      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        kl->dsp.rows.unpack (&in, y + j, c);
      }
      t0 = now_ns ();
      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        hyst.prev = kb->prev + (gsize) (y + j) * w;
        kl->dsp.assign (pal, (const guint8 * const *) c, w,
            kb->labels + (gsize) (y + j) * w, kb->counts, NULL,
            hyst_on ? &hyst : NULL);
      }
      total += now_ns () - t0;
    }
    ns[r] = (gdouble) total / w / h;
  }
  kb->hash = hash_bytes (2166136261u, kb->labels, (gsize) w * h);
  kb->hash = hash_bytes (kb->hash, kb->counts, pal->k * sizeof (guint64));
  res = median (ns, kb->reps);
  g_free (ns);
  return res;
}

/* oklab over every row, unpacked (untimed) a block of rows at a time:
 * ns per pixel converted */
static gdouble
kernel_oklab (KernelBench * kb, const KmsDsp * dsp)
{
  const gint w = kb->f->width, h = kb->f->height;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsColorSpace cs = { bench_format, KMS_MATRIX_BT709, FALSE };
  KmsOklab *lab = g_new (KmsOklab, 1);
  guint8 *c[KMS_MAX_CHANNELS];
  KmsFrame in;
  guint r, ch;
  gint y, j;

  kms_oklab_init (lab, &cs);
  kb->hash = 2166136261u;
  for (r = 0; r < kb->reps; r++) {
    gint64 total = 0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    for (y = 0; y < h; y += kb->block_rows) {
      const gint n = MIN (kb->block_rows, h - y);
      gint64 t0;

      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        dsp->rows.unpack (&in, y + j, c);
      }
      t0 = now_ns ();
      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        dsp->oklab (lab, c, NULL, w);
      }
      total += now_ns () - t0;
      if (r == 0)
        for (j = 0; j < n; j++)
          for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
            kb->hash = hash_bytes (kb->hash, kb->block[ch] + (gsize) j * w,
                w);
    }
    ns[r] = (gdouble) total / w / h;
  }
  res = median (ns, kb->reps);
  g_free (ns);
  g_free (lab);
  return res;
}

/* write every row group from the labels of the last assign */
static gdouble
kernel_write (KernelBench * kb, const KmsDsp * dsp)
{
  const gint w = kb->f->width, h = kb->f->height;
  const gint g = kb->info->v_group;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  guint8 *lab[2];
  KmsFrame out;
  guint r;
  gint y, j;

  memcpy (kb->dst, kb->f->bufs[0], kb->frame_bytes);
  init_frame (&out, w, h, kb->dst);
  for (r = 0; r < kb->reps; r++) {
    gint64 t0 = now_ns ();

    for (y = 0; y < h; y += g) {
      const gint n = MIN (g, h - y);

      for (j = 0; j < n; j++)
        lab[j] = kb->labels + (gsize) (y + j) * w;
      dsp->rows.write (&out, y, n, lab, &kb->paint);
    }
    ns[r] = (gdouble) (now_ns () - t0) / w / h;
  }
  kb->hash = hash_bytes (2166136261u, kb->dst, kb->frame_bytes);
  res = median (ns, kb->reps);
  g_free (ns);
  return res;
}

/* one smoothing pass over the labels of the last assign, row by row into
 * a label map (at the edges the row itself above or below), the pixels
 * relabelled listed */
static gdouble
kernel_smooth (KernelBench * kb, const KmsDsp * dsp)
{
  const gint w = kb->f->width, h = kb->f->height;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  guint8 *more = g_malloc (w);
  guint32 *xs = g_new (guint32, w);
  guint64 listed = 0;
  guint r;
  gint y;

  for (r = 0; r < kb->reps; r++) {
    gint64 t0 = now_ns ();

    listed = 0;
    for (y = 0; y < h; y++) {
      const guint8 *c = kb->labels + (gsize) y * w;

      listed += dsp->smooth (y > 0 ? c - w : c, c, y < h - 1 ? c + w : c,
          kb->dst + (gsize) y * w, more, xs, w);
    }
    ns[r] = (gdouble) (now_ns () - t0) / w / h;
  }
  kb->hash = hash_bytes (hash_bytes (2166136261u, kb->dst, (gsize) w * h),
      &listed, sizeof (listed));
  res = median (ns, kb->reps);
  g_free (ns);
  g_free (more);
  g_free (xs);
  return res;
}

/* dither on every row from the labels of the last assign, each block of
 * rows unpacked first (untimed); the Bayer tile, full strength, no
 * previous frame */
static gdouble
kernel_dither (KernelBench * kb, const KernelLevel * kl)
{
  const gint w = kb->f->width, h = kb->f->height;
  const KmsAssignPalette *pal = &kl->plain;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  guint8 *tile = g_malloc (KMS_DITHER_TILE * KMS_DITHER_TILE);
  KmsDither dither;
  guint8 *c[KMS_MAX_CHANNELS];
  KmsFrame in;
  guint r;
  gint y, j;

  memset (&dither, 0, sizeof (dither));
  dither.strength = 256;
  dither.dist = g_new (gint32, pal->k * pal->k);
  kms_dither_prepare (pal, &dither);
  kms_threshold_bayer (tile);
  for (r = 0; r < kb->reps; r++) {
    gint64 total = 0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    for (y = 0; y < h; y += kb->block_rows) {
      const gint n = MIN (kb->block_rows, h - y);
      gint64 t0;

      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        kl->dsp.rows.unpack (&in, y + j, c);
      }
      t0 = now_ns ();
      for (j = 0; j < n; j++) {
        kernel_block_rows (kb, c, j);
        kl->dsp.dither (pal, &dither, (const guint8 * const *) c,
            kb->labels + (gsize) (y + j) * w,
            tile + ((y + j) % KMS_DITHER_TILE) * KMS_DITHER_TILE, w,
            kb->dst + (gsize) (y + j) * w, NULL);
      }
      total += now_ns () - t0;
    }
    ns[r] = (gdouble) total / w / h;
  }
  kb->hash = hash_bytes (2166136261u, kb->dst, (gsize) w * h);
  res = median (ns, kb->reps);
  g_free (ns);
  g_free (tile);
  g_free (dither.dist);
  return res;
}

/* assign_paint on every row, out of place, as the pass runs 4-byte
 * formats */
static gdouble
kernel_assign_paint (KernelBench * kb, const KernelLevel * kl,
    gboolean hyst_on)
{
  const gint w = kb->f->width, h = kb->f->height;
  const KmsAssignPalette *pal = hyst_on ? &kl->hyst : &kl->plain;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsHysteresis hyst = { NULL, TRUE, kb->margin };
  KmsFrame in;
  guint r;
  gint y;

  memcpy (kb->prev, kb->prev0, (gsize) w * h);
  memcpy (kb->dst, kb->f->bufs[0], kb->frame_bytes);
  for (r = 0; r < kb->reps; r++) {
    gint64 t0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    memset (kb->counts, 0, sizeof (kb->counts));
    t0 = now_ns ();
    for (y = 0; y < h; y++) {
      hyst.prev = kb->prev + (gsize) y * w;
      kl->dsp.assign_paint (pal, &kb->paint, kb->shift, TRUE,
          in.data[0] + (gsize) y * in.stride[0],
          kb->dst + (gsize) y * in.stride[0], w, kb->counts, NULL,
          hyst_on ? &hyst : NULL);
    }
    ns[r] = (gdouble) (now_ns () - t0) / w / h;
  }
  kb->hash = hash_bytes (2166136261u, kb->dst, kb->frame_bytes);
  kb->hash = hash_bytes (kb->hash, kb->counts, pal->k * sizeof (guint64));
  res = median (ns, kb->reps);
  g_free (ns);
  return res;
}

/* assign_dither_paint on every row, out of place, as the pass runs the
 * 4-byte formats dithered: hysteresis, the Bayer tile, full strength, the
 * last frame's painted labels (those of the run before) */
static gdouble
kernel_assign_dither_paint (KernelBench * kb, const KernelLevel * kl)
{
  const gint w = kb->f->width, h = kb->f->height;
  const KmsAssignPalette *pal = &kl->hyst;
  gdouble *ns = g_new (gdouble, kb->reps), res;
  KmsHysteresis hyst = { NULL, TRUE, kb->margin };
  guint8 *tile = g_malloc (KMS_DITHER_TILE * KMS_DITHER_TILE);
  guint8 *pp = g_malloc0 ((gsize) w * h);
  KmsDither dither;
  KmsFrame in;
  guint r;
  gint y;

  memset (&dither, 0, sizeof (dither));
  dither.strength = 256;
  dither.margin = 48;
  dither.dist = g_new (gint32, pal->k * pal->k);
  kms_dither_prepare (pal, &dither);
  kms_threshold_bayer (tile);
  memcpy (kb->prev, kb->prev0, (gsize) w * h);
  memcpy (kb->dst, kb->f->bufs[0], kb->frame_bytes);
  for (r = 0; r < kb->reps; r++) {
    gint64 t0;

    init_frame (&in, w, h, (guint8 *) kernel_input (kb, r));
    memset (kb->counts, 0, sizeof (kb->counts));
    t0 = now_ns ();
    for (y = 0; y < h; y++) {
      hyst.prev = kb->prev + (gsize) y * w;
      kl->dsp.assign_dither_paint (pal, &kb->paint, &dither, kb->shift,
          in.data[0] + (gsize) y * in.stride[0],
          kb->dst + (gsize) y * in.stride[0],
          tile + (y % KMS_DITHER_TILE) * KMS_DITHER_TILE, w, kb->counts,
          NULL, &hyst, pp + (gsize) y * w);
    }
    ns[r] = (gdouble) (now_ns () - t0) / w / h;
  }
  kb->hash = hash_bytes (2166136261u, kb->dst, kb->frame_bytes);
  kb->hash = hash_bytes (kb->hash, kb->counts, pal->k * sizeof (guint64));
  res = median (ns, kb->reps);
  g_free (ns);
  g_free (tile);
  g_free (pp);
  g_free (dither.dist);
  return res;
}

/* The palette of one level at k: the level's prepare, and the colour cells
 * when its assign kernels read them (as kms_pass_run() does) */
static void
kernel_level_init (KernelLevel * kl, const KernelBench * kb,
    const BenchLevel * level, const guint8 colors[][KMS_MAX_CHANNELS],
    guint k)
{
  const KmsCpuFlags flags = (level->flags & kms_cpu_get_flags ()) |
      KMS_CPU_FLAG (KMS_CPU_C);
  KmsAssignPalette pal;
  guint c, ch;

  kms_dsp_init (&kl->dsp, bench_format, k, flags);
  memset (&pal, 0, sizeof (pal));
  pal.k = k;
  for (c = 0; c < k; c++)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      pal.c[ch][c] = colors[c][ch];
  pal.cells = NULL;
  if (kl->dsp.prepare)
    kl->dsp.prepare (&pal);
  kl->hyst = kl->plain = pal;
  kl->cells_hyst = kl->cells_plain = NULL;
  if (k >= kl->dsp.cells_min_k && k <= KMS_CELL_MAX_K) {
    kl->cells_hyst = g_malloc0_n (KMS_CELLS, sizeof (guint64));
    kl->cells_plain = g_malloc0_n (KMS_CELLS, sizeof (guint64));
    kms_assign_build_cells (&pal, kb->info->n_channels, (gfloat) kb->margin,
        kl->cells_hyst);
    kms_assign_build_cells (&pal, kb->info->n_channels, 0, kl->cells_plain);
    kl->hyst.cells = kl->cells_hyst;
    kl->plain.cells = kl->cells_plain;
  }
}

static void
kernel_level_clear (KernelLevel * kl)
{
  g_free (kl->cells_hyst);
  g_free (kl->cells_plain);
}

/* The centroids the core fits on these frames at k (a few frames, warm,
 * at the best level: every level fits the same) */
static guint
kernel_centroids (const BenchFrames * f, const KmsParams * base, guint k,
    guint8 colors[][KMS_MAX_CHANNELS])
{
  KmsContext *ctx = kms_context_new ();
  KmsParams params = *base;
  guint8 *out = g_malloc (frame_size (f->width, f->height));
  KmsFrame in, o;
  KmsResult res;
  guint i, n;

  params.k = k;
  params.n_threads = 1;
  params.measure_error = FALSE;
  init_frame (&o, f->width, f->height, out);
  for (i = 0; i < MIN (f->n_frames, 4); i++) {
    init_frame (&in, f->width, f->height, f->bufs[i]);
    if (!kms_context_process (ctx, &params, &in, &o, &res)) {
      g_printerr ("kms_context_process failed at %dx%d\n", f->width,
          f->height);
      exit (1);
    }
  }
  n = kms_context_get_centroids (ctx, colors, KMS_MAX_K);
  kms_context_free (ctx);
  g_free (out);
  return n;
}

/* The labels of frame 0 at the C level, nearest: the previous frame's
 * labels the hysteresis starts from, the same for every level */
static void
kernel_prev0 (KernelBench * kb, const guint8 colors[][KMS_MAX_CHANNELS],
    guint k)
{
  static const BenchLevel c_level = { KMS_CPU_C, KMS_CPU_FLAG (KMS_CPU_C),
    KMS_CPU_C, NULL
  };
  const gint w = kb->f->width, h = kb->f->height;
  KernelLevel kl;
  KmsFrame in;
  gint y;

  kernel_level_init (&kl, kb, &c_level, colors, k);
  init_frame (&in, w, h, kb->f->bufs[0]);
  memset (kb->counts, 0, sizeof (kb->counts));
  for (y = 0; y < h; y++) {
    kl.dsp.rows.unpack (&in, y, kb->row);
    kl.dsp.assign (&kl.plain, (const guint8 * const *) kb->row, w,
        kb->prev0 + (gsize) y * w, kb->counts, NULL, NULL);
  }
  kernel_level_clear (&kl);
}

static void
kernel_print_row (guint kernel, const gchar * k, const gdouble * v,
    const guint32 * hash, gboolean * have)
{
  guint li;
  gboolean same = TRUE;

  g_print ("| %s | %s | %s |", kernel_rows[kernel].name, k,
      kernel_rows[kernel].unit);
  for (li = 0; li < levels->len; li++) {
    if (have[li])
      g_print (kernel == KERN_PREPARE ? " %.1f |" : " %.3f |", v[li]);
    else
      g_print (" n/a |");
    same = same && (!have[li] || !have[0] || hash[li] == hash[0] ||
        (kernel == KERN_PREPARE && (hash[li] == 0 || hash[0] == 0)));
  }
  for (li = 1; li < levels->len; li++) {
    if (kernel != KERN_MEMCPY && have[0] && have[li] && v[li] > 0)
      g_print (" %.2fx |", v[0] / v[li]);
    else
      g_print (" - |");
  }
  g_print (" %s |\n", kernel == KERN_MEMCPY ? "-" : same ? "yes" : "**NO**");
  fflush (stdout);
}

static void
bench_kernels (const BenchFrames * f, GArray * ks, const KmsParams * base)
{
  const gint w = f->width, h = f->height;
  const guint n_levels = levels->len;
  KernelBench kb;
  KernelLevel *kl = g_new0 (KernelLevel, n_levels);
  gdouble *v = g_new (gdouble, n_levels);
  guint32 *hash = g_new (guint32, n_levels);
  gboolean *have = g_new (gboolean, n_levels);
  guint ki, li, kern, ch;
  gdouble r;

  memset (&kb, 0, sizeof (kb));
  kb.f = f;
  kb.info = kms_format_get_info (bench_format);
  r = 9.0 * sqrt (1920.0 * 1080.0 / ((gdouble) w * h));
  kb.reps = opt_kernel_repeat > 0 ? (guint) opt_kernel_repeat :
      CLAMP ((guint) (r + 0.5), 5, 41);
  kb.frame_bytes = frame_size (w, h);
  kb.margin = base->hysteresis > 0 ? base->hysteresis : 0;
  kb.dst = g_malloc (kb.frame_bytes);
  kb.labels = g_malloc0 ((gsize) w * h);
  kb.prev = g_malloc0 ((gsize) w * h);
  kb.prev0 = g_malloc0 ((gsize) w * h);
  kb.block_rows = CLAMP (KERNEL_BLOCK_BYTES / (KMS_MAX_CHANNELS * w), 1, h);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    kb.block[ch] = g_malloc ((gsize) w * kb.block_rows);
    kb.row[ch] = g_malloc (w);
  }
  if (kb.info->bpp == 4)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      kb.shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ?
          kb.info->offset[ch] : 3 - kb.info->offset[ch]);

  g_print ("\n### Kernels, %dx%d %s, one thread\n\n", w, h,
      kms_format_to_string (bench_format));
  g_print ("Median of %u runs over the frame (input from the pool, as the "
      "core reads it); assign reads rows unpacked just before it (untimed, "
      "%d rows at a time); hysteresis %g levels, as warm frames; sample "
      "grid of about %u pixels; the error not summed.\n\n", kb.reps,
      kb.block_rows, kb.margin, base->sample_size);
  g_print ("| kernel | k | unit |");
  for (li = 0; li < n_levels; li++)
    g_print (" %s |", g_array_index (levels, BenchLevel, li).label);
  for (li = 1; li < n_levels; li++)
    g_print (" %s/%s |", g_array_index (levels, BenchLevel, 0).label,
        g_array_index (levels, BenchLevel, li).label);
  g_print (" same output |\n|---|--:|---|");
  for (li = 0; li < 2 * n_levels - 1; li++)
    g_print ("--:|");
  g_print (":-:|\n");

  for (ki = 0; ki < ks->len; ki++) {
    guint8 colors[KMS_MAX_K][KMS_MAX_CHANNELS];
    const guint k_asked = g_array_index (ks, guint, ki);
    const guint k = kernel_centroids (f, base, k_asked, colors);
    gchar *k_str = k == k_asked ? g_strdup_printf ("%u", k) :
        g_strdup_printf ("%u (of %u)", k, k_asked);

    memset (&kb.paint, 0, sizeof (kb.paint));
    memcpy (kb.paint.color, colors, k * sizeof (colors[0]));
    kms_paint_prepare (kb.info, &kb.paint, KMS_MODE_POSTERIZE, k);
    kernel_prev0 (&kb, colors, k);
    for (li = 0; li < n_levels; li++)
      kernel_level_init (&kl[li], &kb, &g_array_index (levels, BenchLevel,
              li), colors, k);

    for (kern = 0; kern < KERN_N; kern++) {
      /* the kernels that don't depend on k: once, with the first k */
      if (!kernel_rows[kern].per_k && ki > 0)
        continue;
      if ((kern == KERN_ASSIGN_HYST || kern == KERN_PAINT_HYST) &&
          kb.margin <= 0)
        continue;
      /* one level after the other for each kernel, so that a change of
       * load hits them alike */
      for (li = 0; li < n_levels; li++) {
        have[li] = TRUE;
        switch (kern) {
          case KERN_MEMCPY:
            v[li] = kernel_memcpy (&kb);
            break;
          case KERN_UNPACK:
            v[li] = kernel_unpack (&kb, &kl[li].dsp, TRUE, 0);
            break;
          case KERN_UNPACK_STEP:
            v[li] = kernel_unpack (&kb, &kl[li].dsp, FALSE,
                base->sample_size);
            break;
          case KERN_PREPARE:
            v[li] = kernel_prepare (&kb, &kl[li]);
            break;
          case KERN_ASSIGN_HYST:
          case KERN_ASSIGN:
            v[li] = kernel_assign (&kb, &kl[li], kern == KERN_ASSIGN_HYST);
            break;
          case KERN_WRITE:
            /* from the labels of the nearest assign just run */
            v[li] = kernel_write (&kb, &kl[li].dsp);
            break;
          case KERN_SMOOTH:
            /* from the same labels */
            v[li] = kernel_smooth (&kb, &kl[li].dsp);
            break;
          case KERN_PAINT_HYST:
          case KERN_PAINT:
            have[li] = kl[li].dsp.assign_paint != NULL;
            if (have[li])
              v[li] = kernel_assign_paint (&kb, &kl[li],
                  kern == KERN_PAINT_HYST);
            break;
          case KERN_OKLAB:
            v[li] = kernel_oklab (&kb, &kl[li].dsp);
            break;
          case KERN_DITHER:
            v[li] = kernel_dither (&kb, &kl[li]);
            break;
          case KERN_DITHER_PAINT:
            have[li] = kl[li].dsp.assign_dither_paint != NULL;
            if (have[li])
              v[li] = kernel_assign_dither_paint (&kb, &kl[li]);
            break;
        }
        hash[li] = kb.hash;
      }
      kernel_print_row (kern, kernel_rows[kern].per_k ? k_str : "-", v,
          hash, have);
    }
    for (li = 0; li < n_levels; li++)
      kernel_level_clear (&kl[li]);
    g_free (k_str);
  }

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    g_free (kb.block[ch]);
    g_free (kb.row[ch]);
  }
  g_free (kb.dst);
  g_free (kb.labels);
  g_free (kb.prev);
  g_free (kb.prev0);
  g_free (kl);
  g_free (v);
  g_free (hash);
  g_free (have);
}

int
main (int argc, char **argv)
{
  GOptionContext *octx;
  GError *err = NULL;
  GPtrArray *sets = g_ptr_array_new ();
  GArray *ks, *threads;
  KmsParams base;
  gchar *cmdline, *cpu;
  guint i;

  cmdline = g_strjoinv (" ", argv);

  octx = g_option_context_new ("- time the kmeansseg K-means core");
  g_option_context_set_summary (octx,
      "Prints a Markdown table: median, p99, max and first-frame ms per "
      "frame of the core\n(the element alone) at each CPU level, the fps "
      "of the median, the median ms of a\nplain copy of a frame of the "
      "same size and the ratio of the two, the mean\nper-channel MSE and "
      "Lloyd iterations; with several --cpu levels, a table of\nthem side "
      "by side; with --kernels, ns per pixel of each kernel alone.");
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (octx);

  if (opt_warmup < 0 || opt_n_frames < 1 || opt_pool_mib < 0 ||
      opt_repeat < 0 || opt_kernel_repeat < 0) {
    g_printerr ("--warmup, --n-frames, --pool-mib, --repeat and "
        "--kernel-repeat can't be negative (--n-frames at least 1)\n");
    return 2;
  }
  /* the levels first: a bad one fails before any frame is made */
  parse_levels ();
  if (opt_kernels_only)
    opt_kernels = TRUE;

  if (opt_format) {
    static const KmsFormat formats[] = {
      KMS_FORMAT_RGBx, KMS_FORMAT_I420, KMS_FORMAT_NV12, KMS_FORMAT_YUY2
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (formats); i++)
      if (!g_ascii_strcasecmp (opt_format, kms_format_to_string (formats[i])))
        break;
    if (i == G_N_ELEMENTS (formats)) {
      g_printerr ("--format: RGBx, I420, NV12 or YUY2, not '%s'\n",
          opt_format);
      return 2;
    }
    bench_format = formats[i];
  }
  if (opt_dump && bench_format != KMS_FORMAT_RGBx) {
    g_printerr ("--dump writes RGBx frames: no --format with it\n");
    return 2;
  }

  ks = parse_uint_list (opt_ks ? opt_ks : DEFAULT_KS, 1, KMS_MAX_K, "k");
  threads = parse_uint_list (opt_threads ? opt_threads : DEFAULT_THREADS, 0,
      1024, "threads");

  if (opt_dump) {
    gchar **sizes = g_strsplit (opt_sizes ? opt_sizes : DEFAULT_SIZES, ",",
        -1);
    gchar **s;

    opt_pool_mib = 0;
    for (s = sizes; *s; s++) {
      BenchFrames *f;
      gint w, h;

      if (!parse_size (g_strstrip (*s), &w, &h)) {
        g_printerr ("Bad size '%s': expected WxH, e.g. 1920x1080\n", *s);
        return 2;
      }
      f = frames_synthesise (w, h, opt_n_frames);
      frames_dump (f, opt_dump);
      frames_free (f);
    }
    g_strfreev (sizes);
    return 0;
  }

  kms_params_init_defaults (&base);
  base.mode = KMS_MODE_POSTERIZE;
  base.warm_start = !opt_cold;
  if (opt_sample_size >= 0)
    base.sample_size = opt_sample_size;
  if (opt_max_iters >= 0)
    base.max_iters = opt_max_iters;
  if (opt_hysteresis >= 0)
    base.hysteresis = opt_hysteresis;
  if (opt_color_space && !parse_color_space (opt_color_space,
          &base.color_space)) {
    g_printerr ("--color-space: native or oklab, not '%s'\n",
        opt_color_space);
    return 2;
  }
  if (opt_still >= 0)
    base.still_hysteresis = opt_still;

  /* Load or make every frame set first, so a bad file fails early */
  if (opt_frames) {
    gchar **p;

    if ((opt_width > 0) != (opt_height > 0)) {
      g_printerr ("Give both --width and --height, or neither\n");
      return 2;
    }
    if (opt_width > 0 && g_strv_length (opt_frames) > 1) {
      g_printerr ("--width/--height go with a single --frames file; name "
          "several files with their size instead (e.g. clip-640x480.rgbx)"
          "\n");
      return 2;
    }
    for (p = opt_frames; *p; p++) {
      gint w = opt_width, h = opt_height;

      if (w <= 0 && !size_from_name (*p, &w, &h)) {
        g_printerr ("%s: give --width and --height, or put WxH in the file "
            "name\n", *p);
        return 2;
      }
      g_ptr_array_add (sets, frames_load (*p, w, h));
    }
  }
  if (opt_sizes || !opt_frames) {
    gchar **sizes = g_strsplit (opt_sizes ? opt_sizes : DEFAULT_SIZES, ",",
        -1);
    gchar **s;

    for (s = sizes; *s; s++) {
      gint w, h;

      if (!parse_size (g_strstrip (*s), &w, &h)) {
        g_printerr ("Bad size '%s': expected WxH, e.g. 1920x1080\n", *s);
        return 2;
      }
      g_ptr_array_add (sets, frames_synthesise (w, h, opt_n_frames));
    }
    g_strfreev (sizes);
  }

  if (opt_clock && strcmp (opt_clock, "thread") == 0) {
    bench_clock = CLOCK_THREAD_CPUTIME_ID;
    for (i = 0; i < threads->len; i++)
      if (g_array_index (threads, guint, i) != 1) {
        g_printerr ("--clock=thread times one thread: give --threads=1\n");
        return 2;
      }
  } else if (opt_clock && strcmp (opt_clock, "wall") != 0) {
    g_printerr ("--clock: wall or thread\n");
    return 2;
  }
  cpu = cpu_model ();
  g_print ("# kmsbench\n\n");
  g_print ("- command: `%s`\n", cmdline);
  g_print ("- CPU: %s, %u logical CPUs online\n", cpu,
      g_get_num_processors ());
  g_print ("- core: %s, %s, posterize, warm start %s, "
      "sample-size %u, max-iters %u, tolerance %g, hysteresis %g, "
      "still-hysteresis %g, color-space %s\n",
      kms_format_to_string (bench_format), opt_in_place ? "in place" :
      "out of place", base.warm_start ? "on" : "off",
      base.sample_size, base.max_iters, base.tolerance, base.hysteresis,
      base.still_hysteresis, color_space_name (base.color_space));
  g_print ("- timing: median over the timed frames after %d warm-up "
      "frames, without measuring the error; MSE: mean over the distinct "
      "frames, processed once more after the timed ones; copy = memcpy of "
      "one frame into another buffer, median; input cycles through >= %d "
      "MiB of buffers; clock: %s\n", opt_warmup, opt_pool_mib,
      bench_clock == CLOCK_MONOTONIC ? "wall" : "the thread's CPU time");
  {
    const KmsCpuFlags flags = kms_cpu_get_flags ();
    GString *runs = g_string_new (NULL);
    gint l;

    for (l = 0; l < KMS_CPU_N_LEVELS; l++)
      if (flags & KMS_CPU_FLAG (l))
        g_string_append_printf (runs, "%s%s", runs->len ? ", " : "",
            kms_cpu_level_to_string ((KmsCpuLevel) l));
    g_print ("- CPU levels: this CPU runs %s (best: %s); timed: ", runs->str,
        kms_cpu_level_to_string (kms_cpu_flags_best (flags)));
    for (i = 0; i < levels->len; i++)
      g_print ("%s%s", i ? ", " : "",
          g_array_index (levels, BenchLevel, i).label);
    g_print ("%s\n", opt_cpu ? "" : g_getenv ("KMEANSSEG_CPU") &&
        *g_getenv ("KMEANSSEG_CPU") ? " (KMEANSSEG_CPU)" : " (the best)");
    for (i = 0; i < levels->len; i++) {
      const BenchLevel *bl = &g_array_index (levels, BenchLevel, i);

      if (bl->runs != bl->asked)
        g_print ("  - note: this CPU doesn't run %s: it falls back to the "
            "best level below it, %s (the level column says which ran)\n",
            kms_cpu_level_to_string (bl->asked),
            kms_cpu_level_to_string (bl->runs));
    }
    g_string_free (runs, TRUE);
  }
  g_free (cpu);
  g_free (cmdline);

  g_print ("- frames:\n");
  for (i = 0; i < sets->len; i++) {
    BenchFrames *f = g_ptr_array_index (sets, i);

    g_print ("  - %dx%d: %s, pool of %u buffers\n", f->width, f->height,
        f->source, f->n_bufs);
  }
  bench_rows = g_array_new (FALSE, FALSE, sizeof (BenchRow));
  if (!opt_kernels_only) {
    g_print ("\n| size | k | threads | level | frames | ms/frame | p99 ms "
        "| max ms | first ms | fps | copy ms | ratio | MSE | iters |\n");
    g_print ("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    fflush (stdout);

    for (i = 0; i < sets->len; i++)
      bench_size (g_ptr_array_index (sets, i), ks, threads, &base);
    if (levels->len > 1)
      print_side_by_side ();
  }
  if (opt_smoothing) {
    GArray *passes = parse_uint_list (opt_smoothing, 0,
        KMS_MAX_SPATIAL_SMOOTHING, "spatial-smoothing");

    g_print ("\nSpatial smoothing: ms/frame with each number of passes "
        "(median), and what each pass adds over 0 passes, in ms and in "
        "frame copies\n\n| size | k | threads | level | passes | ms/frame "
        "| p99 ms | max ms | MSE | copy ms | added ms | per pass / copy |\n");
    g_print ("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (i = 0; i < sets->len; i++)
      bench_extra (g_ptr_array_index (sets, i), ks, passes, FALSE,
          g_array_index (threads, guint, 0), &base);
    g_array_free (passes, TRUE);
  }
  if (opt_color_spaces) {
    gchar **names = g_strsplit (opt_color_spaces, ",", -1);
    GArray *spaces = g_array_new (FALSE, FALSE, sizeof (KmsClusterSpace));
    gchar **n;

    for (n = names; *n; n++) {
      KmsClusterSpace space;

      if (!parse_color_space (g_strstrip (*n), &space)) {
        g_printerr ("--color-spaces: native or oklab, not '%s'\n", *n);
        return 2;
      }
      g_array_append_val (spaces, space);
    }
    g_strfreev (names);
    g_print ("\nColour spaces: ms/frame in each (the median of %d rounds, "
        "the spaces in turn in each round), and over the first (the medians' "
        "ratio; the lowest and highest of the rounds' ratios)\n\n| size | k | threads "
        "| level | space | rounds x frames | ms/frame | MSE | ratio | "
        "rounds' ratios |\n", MAX (opt_color_space_rounds, 1));
    g_print ("|---|--:|--:|---|---|--:|--:|--:|--:|--:|\n");
    for (i = 0; i < sets->len; i++)
      bench_color_spaces (g_ptr_array_index (sets, i), ks, spaces,
          g_array_index (threads, guint, 0), &base, FALSE);
    g_array_free (spaces, TRUE);
  }
  if (opt_dither) {
    gchar **names = g_strsplit (opt_dither, ",", -1);
    GArray *modes = g_array_new (FALSE, FALSE, sizeof (KmsDitherMode));
    gchar **n;

    for (n = names; *n; n++) {
      KmsDitherMode mode;

      g_strstrip (*n);
      if (!g_strcmp0 (*n, "none"))
        mode = KMS_DITHER_NONE;
      else if (!g_strcmp0 (*n, "bayer"))
        mode = KMS_DITHER_BAYER;
      else if (!g_strcmp0 (*n, "blue-noise"))
        mode = KMS_DITHER_BLUE_NOISE;
      else {
        g_printerr ("--dither: none, bayer or blue-noise, not '%s'\n", *n);
        return 2;
      }
      g_array_append_val (modes, mode);
    }
    g_strfreev (names);
    g_print ("\nDither modes: ms/frame in each (the median of %d rounds, "
        "the modes in turn in each round), and over the first (the medians' "
        "ratio; the lowest and highest of the rounds' ratios)\n\n| size | k | "
        "threads | level | dither | rounds x frames | ms/frame | MSE | ratio | "
        "rounds' ratios |\n", MAX (opt_color_space_rounds, 1));
    g_print ("|---|--:|--:|---|---|--:|--:|--:|--:|--:|\n");
    for (i = 0; i < sets->len; i++)
      bench_color_spaces (g_ptr_array_index (sets, i), ks, modes,
          g_array_index (threads, guint, 0), &base, TRUE);
    g_array_free (modes, TRUE);
  }
  if (opt_feather) {
    GArray *radii = parse_uint_list (opt_feather, 0, KMS_MAX_MASK_FEATHER,
        "mask-feather");

    g_print ("\nMask feathering (cluster 0 masked): ms/frame at each radius "
        "(median), and what feathering adds over the hard mask (radius 0), "
        "in ms and in frame copies\n\n| size | k | threads | level | radius "
        "| ms/frame | p99 ms | max ms | MSE | copy ms | added ms "
        "| added / copy |\n");
    g_print ("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (i = 0; i < sets->len; i++)
      bench_extra (g_ptr_array_index (sets, i), ks, radii, TRUE,
          g_array_index (threads, guint, 0), &base);
    g_array_free (radii, TRUE);
  }
  if (opt_kernels)
    for (i = 0; i < sets->len; i++)
      bench_kernels (g_ptr_array_index (sets, i), ks, &base);
  for (i = 0; i < sets->len; i++)
    frames_free (g_ptr_array_index (sets, i));
  g_array_free (bench_rows, TRUE);
  for (i = 0; i < levels->len; i++)
    g_free (g_array_index (levels, BenchLevel, i).label);
  g_array_free (levels, TRUE);
  g_free (opt_cpu);

  g_ptr_array_free (sets, TRUE);
  g_array_free (ks, TRUE);
  g_array_free (threads, TRUE);
  g_strfreev (opt_frames);
  g_free (opt_sizes);
  g_free (opt_ks);
  g_free (opt_threads);
  g_free (opt_smoothing);
  g_free (opt_color_space);
  g_free (opt_color_spaces);
  g_free (opt_dither);
  g_free (opt_feather);
  g_free (opt_clock);
  return 0;
}

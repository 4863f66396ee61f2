/* GStreamer kmeansseg: hostile streams
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

/* What a video filter meets inside other people's pipelines: caps that
 * change under it, flushes and seeks, degenerate frames, buffers that are
 * shorter than their caps say, and properties set from other threads.
 *
 * Every buffer pushed here ends exactly where a PROT_NONE page begins, so
 * a read or write past its end crashes the test in any build, not only
 * under AddressSanitizer. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kmstest-gst.h"

/* A mask colour no centroid of the frames below can have (their green is
 * never 0) */
#define MASK_ARGB 0xffff00ffu
#define MASK_RGB 0xff00ffu

/* ------------------------------------------------------------------ */
/* Guarded memory: the bytes end where an inaccessible page begins */

typedef struct
{
  gpointer base;
  gsize len;
} Guard;

static void
guard_free (gpointer data)
{
  Guard *g = data;

  munmap (g->base, g->len);
  g_free (g);
}

static GstBuffer *
guarded_buffer_new (gsize size)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize data_pages = (size + page - 1) / page;
  Guard *g = g_new0 (Guard, 1);
  guint8 *base, *data;

  g->len = (data_pages + 1) * page;
  base = mmap (NULL, g->len, PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  fail_unless (base != MAP_FAILED);
  fail_unless (mprotect (base + data_pages * page, page, PROT_NONE) == 0);
  g->base = base;
  data = base + data_pages * page - size;
  memset (data, PAD_BYTE, size);
  return gst_buffer_new_wrapped_full (0, data, size, 0, size, g, guard_free);
}

/* ------------------------------------------------------------------ */
/* Frames: packed pixels as the element sees them, padding PAD_BYTE */

typedef struct
{
  const Fmt *fmt;
  gint w, h;
  gint stride;
  gboolean meta;                /* described by a GstVideoMeta */
  gsize size;
  guint8 *data;
} Frame;

/* @stride 0: GStreamer's default layout, no meta; else a GstVideoMeta
 * with that stride */
static Frame *
frame_new (const Fmt * fmt, gint w, gint h, gint stride)
{
  Frame *f = g_new0 (Frame, 1);
  GstVideoInfo info;
  gint x, y;

  fmt_info (&info, fmt, w, h);
  f->fmt = fmt;
  f->w = w;
  f->h = h;
  if (stride == 0) {
    f->stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
    f->size = GST_VIDEO_INFO_SIZE (&info);
  } else {
    fail_unless (stride >= w * (gint) fmt->bpp);
    f->stride = stride;
    f->meta = TRUE;
    /* the last row has no padding: the buffer ends with its last pixel */
    f->size = (gsize) stride *(h - 1) + (gsize) w *fmt->bpp;
  }
  f->data = g_malloc (f->size);
  memset (f->data, PAD_BYTE, f->size);
  /* distinct fourth bytes, so that one written by mistake shows */
  if (fmt->bpp == 4)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        f->data[(gsize) y * f->stride + 4 * x + (fmt->a >= 0 ? fmt->a :
                fmt->x)] = (guint8) (x * 37 + y * 11 + 5);
  return f;
}

static Frame *
frame_copy (const Frame * src)
{
  Frame *f = g_memdup2 (src, sizeof (Frame));

  f->data = g_memdup2 (src->data, src->size);
  return f;
}

static void
frame_free (Frame * f)
{
  g_free (f->data);
  g_free (f);
}

static guint8 *
frame_pixel (const Frame * f, gint x, gint y)
{
  return f->data + (gsize) y * f->stride + (gsize) x * f->fmt->bpp;
}

static void
frame_set (Frame * f, gint x, gint y, guint32 rgb)
{
  guint8 *p = frame_pixel (f, x, y);

  p[f->fmt->r] = CH_R (rgb);
  p[f->fmt->g] = CH_G (rgb);
  p[f->fmt->b] = CH_B (rgb);
}

static guint32
frame_get (const Frame * f, gint x, gint y)
{
  const guint8 *p = frame_pixel (f, x, y);

  return RGB (p[f->fmt->r], p[f->fmt->g], p[f->fmt->b]);
}

static void
frame_fill (Frame * f, guint32 rgb)
{
  gint x, y;

  for (y = 0; y < f->h; y++)
    for (x = 0; x < f->w; x++)
      frame_set (f, x, y, rgb);
}

/* n colours in vertical stripes, or in turn when the frame is too narrow
 * for stripes the sampling grid is sure to hit */
static void
frame_paint (Frame * f, const guint32 * colors, guint n)
{
  gint x, y;

  for (y = 0; y < f->h; y++)
    for (x = 0; x < f->w; x++) {
      guint i = f->w >= 8 * (gint) n ? (guint) (x * (gint) n / f->w) :
          (guint) (y * f->w + x) % n;

      frame_set (f, x, y, colors[i]);
    }
}

/* The colours of the frame, @max at most; returns how many */
static guint
frame_colors (const Frame * f, guint32 * out, guint max)
{
  guint n = 0, j;
  gint x, y;

  for (y = 0; y < f->h; y++)
    for (x = 0; x < f->w; x++) {
      guint32 c = frame_get (f, x, y);

      for (j = 0; j < n && out[j] != c; j++);
      if (j == n) {
        if (n == max)
          return max + 1;
        out[n++] = c;
      }
    }
  return n;
}

/* Every pixel of colour @from painted the mask colour, alpha 0xff */
static Frame *
frame_masked (const Frame * src, guint32 from)
{
  Frame *f = frame_copy (src);
  gint x, y;

  for (y = 0; y < f->h; y++)
    for (x = 0; x < f->w; x++)
      if (frame_get (f, x, y) == from) {
        frame_set (f, x, y, MASK_RGB);
        if (f->fmt->a >= 0)
          frame_pixel (f, x, y)[f->fmt->a] = MASK_ARGB >> 24;
      }
  return f;
}

static GstBuffer *
frame_to_buffer (const Frame * f)
{
  GstBuffer *buf = guarded_buffer_new (f->size);

  gst_buffer_fill (buf, 0, f->data, f->size);
  if (f->meta) {
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
    gint strides[GST_VIDEO_MAX_PLANES] = { f->stride, };

    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        f->fmt->format, f->w, f->h, 1, offset,
        strides);
  }
  return buf;
}

/* The output must be @exp byte for byte, padding included */
static void
assert_buffer_is (GstBuffer * buf, const Frame * exp, const gchar * what)
{
  GstMapInfo map;
  gsize i, bad = G_MAXSIZE, n_bad = 0;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, exp->size);
  for (i = 0; i < map.size; i++)
    if (map.data[i] != exp->data[i]) {
      if (bad == G_MAXSIZE)
        bad = i;
      n_bad++;
    }
  fail_unless (n_bad == 0, "%s (%s %dx%d stride %d): %" G_GSIZE_FORMAT
      " bytes differ, first at row %" G_GSIZE_FORMAT " byte %" G_GSIZE_FORMAT
      ": got 0x%02x, expected 0x%02x", what, exp->fmt->name, exp->w, exp->h,
      exp->stride, n_bad, bad / exp->stride, bad % exp->stride,
      n_bad ? map.data[bad] : 0, n_bad ? exp->data[bad] : 0);
  gst_buffer_unmap (buf, &map);
}

/* Pushes @in, returns the output as a frame of the same layout */
static Frame *
push_frame (GstHarness * h, const Frame * in)
{
  Frame *out = frame_copy (in);
  GstBuffer *buf;

  fail_unless_equals_int (gst_harness_push (h, frame_to_buffer (in)),
      GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), in->size);
  gst_buffer_extract (buf, 0, out->data, out->size);
  gst_buffer_unref (buf);
  return out;
}

static void
check_push (GstHarness * h, const Frame * in, const Frame * exp,
    const gchar * what)
{
  GstBuffer *buf;

  fail_unless_equals_int (gst_harness_push (h, frame_to_buffer (in)),
      GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  assert_buffer_is (buf, exp, what);
  gst_buffer_unref (buf);
}

/* ------------------------------------------------------------------ */
/* Two palettes whose numberings differ by how they start.
 *
 * Fresh (by luma): P1 is c0 < c1 < c2, P2 is b < a < c. Warm from P1's
 * centroids, P2's a sits nearest c0, b nearest c1, c nearest c2, so warm it
 * is a=0, b=1, c=2; and P1 warm from P2-by-luma is c1=0, c0=1, c2=2. With
 * mask-cluster=0 the masked colour tells how the frame started. */

static const guint32 p1[3] = {
  RGB (0, 40, 200), RGB (0, 200, 0), RGB (230, 230, 230)
};

static const guint32 p2[3] = {
  RGB (100, 80, 255), RGB (0, 150, 0), RGB (250, 250, 250)
};

#define P1_FRESH_MASKED p1[0]
#define P2_WARM_MASKED p2[0]    /* after P1 */
#define P2_FRESH_MASKED p2[1]
#define P1_WARM_MASKED p1[1]    /* after P2, fresh */

static void
check_palettes (void)
{
  fail_unless (luma (p1[0]) < luma (p1[1]) && luma (p1[1]) < luma (p1[2]));
  fail_unless (luma (p2[1]) < luma (p2[0]) && luma (p2[0]) < luma (p2[2]));
}

/* Pushes a frame painted with @pal and checks that exactly the pixels of
 * @masked were masked (a single-coloured frame: its colour, whatever the
 * numbering, as its k clusters coincide and ties go to the lower index) */
static void
check_masked (GstHarness * h, const Fmt * fmt, gint w, gint ht, gint stride,
    const guint32 * pal, guint32 masked, const gchar * what)
{
  Frame *in = frame_new (fmt, w, ht, stride), *exp;
  guint32 cols[4];

  frame_paint (in, pal, 3);
  if (frame_colors (in, cols, 3) == 1)
    masked = cols[0];
  exp = frame_masked (in, masked);
  check_push (h, in, exp, what);
  frame_free (in);
  frame_free (exp);
}

static GstHarness *
harness_mask0 (void)
{
  GstHarness *h = gst_harness_new ("kmeansseg");

  g_object_set (h->element, "k", 3, "mode", MODE_ORIGINAL, "mask-cluster", 0,
      "mask-color", MASK_ARGB, NULL);
  return h;
}

/* ------------------------------------------------------------------ */
/* Tests */

typedef struct
{
  const gchar *fmt;
  gint w, h;
  gint stride;                  /* 0: default, no meta */
} Caps;

GST_START_TEST (test_caps_changes)
{
  /* size, format, 1x1, 1xN, Nx1, odd sizes, padded and unaligned strides
   * through GstVideoMeta, and back */
  static const Caps seq[] = {
    {"RGBx", 64, 48, 0},
    {"RGB", 1, 1, 0},
    {"BGRA", 1, 37, 0},
    {"xBGR", 37, 1, 0},
    {"BGR", 385, 289, 0},
    {"ARGB", 3, 5, 0},
    {"RGBx", 33, 17, 33 * 4 + 20},
    {"RGB", 31, 7, 31 * 3 + 5},
    {"ABGR", 2, 2, 0},
    {"BGR", 1, 3, 7},
    {"RGBA", 255, 1, 0},
    {"xRGB", 17, 33, 0},
    {"RGBx", 17, 33, 0},
    {"RGBx", 64, 48, 0},
  };
  GstHarness *h = harness_mask0 ();
  guint i;

  check_palettes ();
  for (i = 0; i < G_N_ELEMENTS (seq); i++) {
    const Fmt *fmt = fmt_get (seq[i].fmt);
    gint w = seq[i].w, ht = seq[i].h, stride = seq[i].stride;
    gchar *what;

    harness_set_format (h, fmt, w, ht);
    what = g_strdup_printf ("caps %u", i);
    /* a caps change starts afresh: whichever way the previous caps left
     * the centroids, the first frame is numbered by luma */
    if (i % 2 == 0) {
      check_masked (h, fmt, w, ht, stride, p1, P1_FRESH_MASKED, what);
      check_masked (h, fmt, w, ht, stride, p2, P2_WARM_MASKED, what);
    } else {
      check_masked (h, fmt, w, ht, stride, p2, P2_FRESH_MASKED, what);
      check_masked (h, fmt, w, ht, stride, p1, P1_WARM_MASKED, what);
    }
    g_free (what);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_caps_changes_posterize)
{
  /* the same renegotiations in posterize mode, each frame made of at most
   * k colours: they come back as they went in, padding and fourth bytes
   * untouched */
  static const Caps seq[] = {
    {"BGRx", 40, 30, 0}, {"RGB", 1, 1, 0}, {"RGBA", 1, 64, 0},
    {"BGR", 64, 1, 0}, {"xRGB", 385, 289, 0}, {"ABGR", 9, 9, 9 * 4 + 4},
    {"RGB", 5, 3, 5 * 3 + 1}, {"BGRA", 2, 1, 0}, {"BGRx", 40, 30, 0},
  };
  GstHarness *h = gst_harness_new ("kmeansseg");
  guint i, pass;

  g_object_set (h->element, "k", 3, NULL);
  for (i = 0; i < G_N_ELEMENTS (seq); i++) {
    const Fmt *fmt = fmt_get (seq[i].fmt);

    harness_set_format (h, fmt, seq[i].w, seq[i].h);
    for (pass = 0; pass < 2; pass++) {
      Frame *in = frame_new (fmt, seq[i].w, seq[i].h, seq[i].stride);

      frame_paint (in, pass ? p2 : p1, 3);
      check_push (h, in, in, "posterize, <= k colours");
      frame_free (in);
    }
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A flush; the events it sent downstream dropped */
static void
push_flush (GstHarness * h, gboolean reset_time, GstClockTime start)
{
  fail_unless (harness_flush (h, reset_time, start));
  harness_drop_events (h);
}

GST_START_TEST (test_flush_and_seek_reset)
{
  const Fmt *fmt = fmt_get ("BGRx");
  GstHarness *h = harness_mask0 ();
  const gint w = 40, ht = 24;

  check_palettes ();
  harness_set_format (h, fmt, w, ht);
  check_masked (h, fmt, w, ht, 0, p1, P1_FRESH_MASKED, "first frame");
  check_masked (h, fmt, w, ht, 0, p2, P2_WARM_MASKED, "warm");

  /* a flush: the next frame is numbered by luma again */
  push_flush (h, TRUE, 0);
  check_masked (h, fmt, w, ht, 0, p2, P2_FRESH_MASKED, "after flush");
  check_masked (h, fmt, w, ht, 0, p1, P1_WARM_MASKED, "after flush, warm");

  /* what a flushing seek sends: flush, then a segment that starts
   * elsewhere, and timestamps from there */
  push_flush (h, TRUE, 5 * GST_SECOND);
  check_masked (h, fmt, w, ht, 0, p1, P1_FRESH_MASKED, "after seek");
  check_masked (h, fmt, w, ht, 0, p2, P2_WARM_MASKED, "after seek, warm");

  /* a flush that keeps the running time resets too */
  push_flush (h, FALSE, 5 * GST_SECOND);
  check_masked (h, fmt, w, ht, 0, p2, P2_FRESH_MASKED, "flush-stop(FALSE)");

  /* and so does stopping the element (READY and back), after which the
   * stream starts over */
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_harness_play (h);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("restarted")));
  harness_set_format (h, fmt, w, ht);
  check_masked (h, fmt, w, ht, 0, p1, P1_FRESH_MASKED, "after restart");
  check_masked (h, fmt, w, ht, 0, p2, P2_WARM_MASKED, "after restart, warm");

  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_k_above_distinct_colours)
{
  /* uniform frames, and frames of a few colours, at any k >= their number
   * of colours: they come back unchanged in posterize mode, in every
   * format, warm or not, sampled or exact, one thread or two */
  static const guint ks[] = { 1, 2, 3, 7, 64, 256 };
  static const guint32 few[5] = {
    RGB (12, 200, 7), RGB (255, 254, 253), RGB (128, 1, 128),
    RGB (0, 90, 255), RGB (77, 77, 78)
  };
  guint f, ki, n_cols, v;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    const Fmt *fmt = &rgb_formats[f];

    for (v = 0; v < 4; v++) {
      GstHarness *h = gst_harness_new ("kmeansseg");

      g_object_set (h->element, "warm-start", (v & 1) == 0,
          "sample-size", (v & 2) ? 0 : 65536, "n-threads", (v & 2) ? 2 : 1,
          NULL);
      harness_set_format (h, fmt, 19, 7);
      for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
        for (n_cols = 1; n_cols <= 5 && n_cols <= ks[ki]; n_cols++) {
          Frame *in = frame_new (fmt, 19, 7, 0);
          gchar *what = g_strdup_printf ("%u colours, k=%u, variant %u",
              n_cols, ks[ki], v);

          g_object_set (h->element, "k", ks[ki], NULL);
          frame_paint (in, few, n_cols);
          check_push (h, in, in, what);
          g_free (what);
          frame_free (in);
        }
      }
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_mask_cluster_at_or_above_k)
{
  /* five colours, numbered by luma on every frame */
  static const guint32 five[5] = {
    RGB (10, 40, 10), RGB (60, 90, 200), RGB (150, 100, 20),
    RGB (90, 200, 90), RGB (240, 240, 200)
  };
  const Fmt *fmt = fmt_get ("ARGB");
  GstHarness *h = gst_harness_new ("kmeansseg");
  GstBus *bus = gst_bus_new ();
  Frame *in = frame_new (fmt, 30, 20, 0), *out, *exp;
  guint32 cols[8];
  guint i, mc;
  gint x, y;

  for (i = 1; i < 5; i++)
    fail_unless (luma (five[i - 1]) < luma (five[i]));
  frame_paint (in, five, 5);
  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "warm-start", FALSE, "mask-color", MASK_ARGB, NULL);
  harness_set_format (h, fmt, 30, 20);

  /* mask-cluster >= k: nothing is masked; one WARNING per setting */
  for (mc = 3; mc <= 255; mc = mc * 2 + 1) {
    g_object_set (h->element, "k", 3, "mask-cluster", mc, "mode",
        MODE_ORIGINAL, NULL);
    check_push (h, in, in, "original, mask-cluster >= k");
    check_push (h, in, in, "original, mask-cluster >= k, again");
    fail_unless_equals_int (count_warnings (bus), 1);

    /* posterize: three colours, none the mask's, fourth bytes kept */
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    out = push_frame (h, in);
    fail_unless (frame_colors (out, cols, 8) <= 3);
    for (i = 0; i < frame_colors (out, cols, 8); i++)
      fail_if (cols[i] == MASK_RGB);
    for (y = 0; y < in->h; y++)
      for (x = 0; x < in->w; x++)
        fail_unless_equals_int (frame_pixel (out, x, y)[fmt->a],
            frame_pixel (in, x, y)[fmt->a]);
    frame_free (out);
    fail_unless_equals_int (count_warnings (bus), 0);
  }

  /* k raised to include it: the brightest of five is masked */
  g_object_set (h->element, "k", 5, "mask-cluster", 4, "mode", MODE_ORIGINAL,
      NULL);
  exp = frame_masked (in, five[4]);
  check_push (h, in, exp, "k=5, mask-cluster=4");
  frame_free (exp);
  fail_unless_equals_int (count_warnings (bus), 0);

  /* and k lowered under it again */
  g_object_set (h->element, "k", 4, NULL);
  check_push (h, in, in, "k=4, mask-cluster=4");
  fail_unless_equals_int (count_warnings (bus), 1);

  frame_free (in);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_black_and_white)
{
  static const guint32 bw[2] = { RGB (0, 0, 0), RGB (255, 255, 255) };
  static const guint seq[] = { 0, 1, 0, 1, 1, 0, 0 };
  guint f, k, c, i;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    const Fmt *fmt = &rgb_formats[f];

    for (k = 1; k <= 4; k++) {
      GstHarness *h = gst_harness_new ("kmeansseg");

      g_object_set (h->element, "k", k, NULL);
      harness_set_format (h, fmt, 23, 9);
      /* posterize, warm across alternating extremes: unchanged */
      for (i = 0; i < G_N_ELEMENTS (seq); i++) {
        Frame *in = frame_new (fmt, 23, 9, 0);

        frame_fill (in, bw[seq[i]]);
        check_push (h, in, in, "black/white, posterize");
        frame_free (in);
      }
      /* a half-black, half-white frame: unchanged from k=2 on */
      if (k >= 2) {
        Frame *in = frame_new (fmt, 23, 9, 0);

        frame_paint (in, bw, 2);
        check_push (h, in, in, "half black, half white");
        frame_free (in);
      }

      /* original, started afresh: every pixel is in cluster 0 (the
       * clusters coincide, ties go to the lower index): mask-cluster 0
       * masks all, any other none */
      g_object_set (h->element, "mode", MODE_ORIGINAL, "warm-start", FALSE,
          "mask-color", MASK_ARGB, NULL);
      for (c = 0; c < 2; c++) {
        Frame *in = frame_new (fmt, 23, 9, 0), *exp;

        frame_fill (in, bw[c]);
        g_object_set (h->element, "mask-cluster", 0, NULL);
        exp = frame_masked (in, bw[c]);
        check_push (h, in, exp, "uniform, mask-cluster=0");
        frame_free (exp);
        if (k >= 2) {
          g_object_set (h->element, "mask-cluster", (gint) k - 1, NULL);
          check_push (h, in, in, "uniform, mask-cluster=k-1");
        }
        frame_free (in);
      }
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* Pushes a buffer of @size bytes (with a meta for @meta_stride > 0) under
 * caps of a w x h frame; it must fail with a STREAM FORMAT error */
static void
check_short (GstHarness * h, GstBus * bus, const Fmt * fmt, gint w, gint ht,
    gsize size, gint meta_stride, gsize meta_offset)
{
  GstBuffer *buf = guarded_buffer_new (size);

  if (meta_stride > 0) {
    gsize offset[GST_VIDEO_MAX_PLANES] = { meta_offset, };
    gint strides[GST_VIDEO_MAX_PLANES] = { meta_stride, };

    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        fmt->format, w, ht, 1, offset, strides);
  }
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR,
          GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT), 1);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
}

/* After an error the element still processes a whole frame */
static void
check_recovers (GstHarness * h, const Fmt * fmt, gint w, gint ht)
{
  Frame *in = frame_new (fmt, w, ht, 0);

  frame_paint (in, p1, 3);
  check_push (h, in, in, "a whole frame after short ones");
  frame_free (in);
}

GST_START_TEST (test_short_buffers)
{
  static const Caps sizes[] = {
    {"RGBx", 16, 16, 0}, {"RGB", 15, 9, 0}, {"BGR", 1, 1, 0},
    {"ABGR", 1, 1, 0}, {"xRGB", 1, 31, 0}, {"BGRA", 31, 1, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    const Fmt *fmt = fmt_get (sizes[i].fmt);
    gint w = sizes[i].w, ht = sizes[i].h;
    GstHarness *h = gst_harness_new ("kmeansseg");
    GstBus *bus = gst_bus_new ();
    GstVideoInfo info;
    gsize full, row;

    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "k", 3, NULL);
    harness_set_format (h, fmt, w, ht);
    fail_unless (gst_video_info_set_format (&info,
            fmt->format, w, ht));
    full = GST_VIDEO_INFO_SIZE (&info);
    row = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);

    /* empty, one byte, a byte short, a row short, half */
    check_short (h, bus, fmt, w, ht, 0, 0, 0);
    check_short (h, bus, fmt, w, ht, 1, 0, 0);
    check_short (h, bus, fmt, w, ht, full - 1, 0, 0);
    if (full > row)
      check_short (h, bus, fmt, w, ht, full - row, 0, 0);
    if (full / 2 > 0)
      check_short (h, bus, fmt, w, ht, full / 2, 0, 0);
    check_recovers (h, fmt, w, ht);
    /* a longer buffer than needed is fine */
    {
      GstBuffer *buf = guarded_buffer_new (full + 7);

      fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
      gst_buffer_unref (gst_harness_pull (h));
    }

    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_short_buffers_with_meta)
{
  /* The GstVideoMeta describes the caps' frame but the memory behind it is
   * shorter. gst_video_frame_map() trusts a meta's offsets and strides
   * without checking them against the memory, so the element has to. */
  const Fmt *fmt = fmt_get ("RGBx");
  const Fmt *rgb = fmt_get ("RGB");
  GstHarness *h = gst_harness_new ("kmeansseg");
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  harness_set_format (h, fmt, 64, 48);
  /* one row of a 48-row frame */
  check_short (h, bus, fmt, 64, 48, 64 * 4, 64 * 4, 0);
  /* the last row a byte short */
  check_short (h, bus, fmt, 64, 48, 64 * 4 * 48 - 1, 64 * 4, 0);
  /* a padded stride the memory doesn't have */
  check_short (h, bus, fmt, 64, 48, 64 * 4 * 48, 64 * 4 + 64, 0);
  /* a plane offset past the end */
  check_short (h, bus, fmt, 64, 48, 64 * 4 * 48, 64 * 4, 64 * 4 * 48 + 16);
  /* an offset that leaves too little */
  check_short (h, bus, fmt, 64, 48, 64 * 4 * 48, 64 * 4, 64);
  check_recovers (h, fmt, 64, 48);

  harness_set_format (h, rgb, 5, 3);
  check_short (h, bus, rgb, 5, 3, 5 * 3 * 3 - 1, 5 * 3, 0);
  check_recovers (h, rgb, 5, 3);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Frames pushed while the properties change; the environment can lower it
 * (the valgrind run does) */
static guint
stress_frames (guint def)
{
  const gchar *s = g_getenv ("KMEANSSEG_STRESS_FRAMES");

  return s ? (guint) g_ascii_strtoull (s, NULL, 10) : def;
}

GST_START_TEST (test_property_stress_threads)
{
  const Fmt *fmt = fmt_get ("BGRA");
  GstHarness *h = gst_harness_new ("kmeansseg");
  GParamSpec *mode = g_object_class_find_property (G_OBJECT_GET_CLASS
      (h->element), "mode");
  GstHarnessThread *threads[16];
  const guint n_frames = stress_frames (4000);
  guint n = 0, i;
  Frame *in;
  guint32 state = 7;
  gint x, y;

  threads[n++] = stress_property (h, "k", G_TYPE_UINT, 1, 100);
  threads[n++] = stress_property (h, "k", G_TYPE_UINT, 256, 100);
  threads[n++] = stress_property (h, "k", G_TYPE_UINT, 5, 100);
  threads[n++] = stress_property (h, "mask-cluster", G_TYPE_INT, -1, 100);
  threads[n++] = stress_property (h, "mask-cluster", G_TYPE_INT, 2, 100);
  threads[n++] = stress_property (h, "mask-cluster", G_TYPE_INT, 255, 100);
  threads[n++] = stress_property (h, "mode", mode->value_type,
      MODE_POSTERIZE, 100);
  threads[n++] = stress_property (h, "mode", mode->value_type,
      MODE_ORIGINAL, 100);
  threads[n++] = stress_property (h, "n-threads", G_TYPE_UINT, 1, 100);
  threads[n++] = stress_property (h, "n-threads", G_TYPE_UINT, 3, 100);
  threads[n++] = stress_property (h, "max-iters", G_TYPE_UINT, 0, 100);
  threads[n++] = stress_property (h, "max-iters", G_TYPE_UINT, 1000, 100);
  threads[n++] = stress_property (h, "sample-size", G_TYPE_UINT, 0, 100);
  threads[n++] = stress_property (h, "sample-size", G_TYPE_UINT, 7, 100);
  threads[n++] = stress_property (h, "warm-start", G_TYPE_BOOLEAN, FALSE, 100);
  threads[n++] = stress_property (h, "warm-start", G_TYPE_BOOLEAN, TRUE, 100);
  fail_unless (n <= G_N_ELEMENTS (threads));

  /* noise within [40, 220]: a centroid lies within it too */
  in = frame_new (fmt, 8, 6, 0);
  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      frame_set (in, x, y, RGB (40 + lcg (&state) % 181,
              40 + lcg (&state) % 181, 40 + lcg (&state) % 181));
  harness_set_format (h, fmt, 8, 6);
  g_object_set (h->element, "mask-color", 0xff000000, NULL);

  for (i = 0; i < n_frames; i++) {
    Frame *out = push_frame (h, in);
    gint bad_x = -1, bad_y = -1;

    /* whatever the settings: a pixel keeps its colour, is masked (black,
     * alpha 0xff) or takes a centroid's; the alpha of an unmasked pixel
     * stays */
    for (y = 0; y < in->h; y++)
      for (x = 0; x < in->w; x++) {
        guint32 c = frame_get (out, x, y), o = frame_get (in, x, y);
        guint8 a = frame_pixel (out, x, y)[fmt->a];
        guint8 ao = frame_pixel (in, x, y)[fmt->a];
        gboolean ok = (c == 0 && a == 0xff) || (a == ao && (c == o ||
                (CH_R (c) >= 40 && CH_R (c) <= 220 && CH_G (c) >= 40
                    && CH_G (c) <= 220 && CH_B (c) >= 40 && CH_B (c) <= 220)));

        if (!ok && bad_x < 0) {
          bad_x = x;
          bad_y = y;
        }
      }
    fail_unless (bad_x < 0, "frame %u: pixel (%d,%d) is %06x", i, bad_x,
        bad_y, bad_x < 0 ? 0 : frame_get (out, bad_x, bad_y));
    frame_free (out);
  }

  for (i = 0; i < n; i++)
    fail_unless (gst_harness_stress_thread_stop (threads[i]) > 0);
  frame_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_k_every_frame)
{
  /* k up and down on every frame, 1..256 and back, then jumps, with a
   * mask on the last cluster that moves with it */
  const Fmt *fmt = fmt_get ("RGB");
  GstHarness *h = gst_harness_new ("kmeansseg");
  Frame *in = frame_new (fmt, 24, 16, 0);
  guint32 state = 3, cols[300];
  guint seq[2 * 256 + 64], n = 0, i, warm;
  gint x, y;

  for (i = 1; i <= 256; i++)
    seq[n++] = i;
  for (i = 256; i >= 1; i--)
    seq[n++] = i;
  for (i = 0; i < 64; i++)
    seq[n++] = 1 + lcg (&state) % 256;

  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      frame_set (in, x, y, RGB (lcg (&state) & 0xff, 20 + lcg (&state) % 200,
              lcg (&state) & 0xff));
  harness_set_format (h, fmt, 24, 16);

  for (warm = 0; warm < 2; warm++) {
    g_object_set (h->element, "warm-start", warm == 0, NULL);
    for (i = 0; i < n; i++) {
      Frame *out;
      guint n_out;

      g_object_set (h->element, "k", seq[i], "mask-cluster",
          (gint) seq[i] - 1, "mask-color", MASK_ARGB, "mode",
          (i % 3 == 0) ? MODE_ORIGINAL : MODE_POSTERIZE, NULL);
      out = push_frame (h, in);
      n_out = frame_colors (out, cols, 299);
      /* posterize: at most k colours; original: at most k-1 clusters
       * keep theirs, plus the mask */
      if (i % 3 != 0)
        fail_unless (n_out <= seq[i], "k=%u: %u colours", seq[i], n_out);
      for (y = 0; y < in->h; y++)
        for (x = 0; x < in->w; x++) {
          guint32 c = frame_get (out, x, y);

          if (i % 3 == 0)
            fail_unless (c == frame_get (in, x, y) || c == MASK_RGB);
        }
      frame_free (out);
    }
  }

  frame_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Every format of the pad template, RGB, YUV or grey, through GStreamer's
 * own description of it */

/* The formats of the element's sink pad template */
static GArray *
template_formats (GstHarness * h)
{
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (h->element),
      "sink");
  GstCaps *caps = gst_pad_template_get_caps (templ);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstVideoFormat));
  guint i, j;

  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GValue *v = gst_structure_get_value (gst_caps_get_structure (caps,
            i), "format");

    fail_unless (v != NULL && GST_VALUE_HOLDS_LIST (v));
    for (j = 0; j < gst_value_list_get_size (v); j++) {
      GstVideoFormat f = gst_video_format_from_string (g_value_get_string
          (gst_value_list_get_value (v, j)));

      fail_unless (f != GST_VIDEO_FORMAT_UNKNOWN);
      g_array_append_val (out, f);
    }
  }
  gst_caps_unref (caps);
  fail_unless (out->len >= 10);
  return out;
}

/* A buffer of one colour in any format: every sample of component c is
 * val[c] (R, G, B or Y, U, V; the fourth byte of 4-byte RGB formats, and
 * every padding byte, PAD_BYTE). @pad_px > 0: a GstVideoMeta with rows
 * that many pixels longer. Returns the buffer; @info gets its layout. */
static GstBuffer *
uniform_buffer (GstVideoFormat format, gint w, gint h, const guint8 * val,
    guint pad_px, GstVideoInfo * info)
{
  GstVideoFrame frame;
  GstBuffer *buf;
  guint c;
  gint x, y;

  fail_unless (gst_video_info_set_format (info, format, w, h));
  if (pad_px > 0) {
    GstVideoAlignment align;

    gst_video_alignment_reset (&align);
    align.padding_right = pad_px;
    fail_unless (gst_video_info_align (info, &align));
  }
  buf = guarded_buffer_new (GST_VIDEO_INFO_SIZE (info));
  if (pad_px > 0)
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE, format,
        w, h, GST_VIDEO_INFO_N_PLANES (info), info->offset, info->stride);
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
    guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        data[(gsize) y * stride + (gsize) x * ps] = val[c];
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

/* Pushes @buf and checks the output is byte for byte what went in */
static void
check_unchanged (GstHarness * h, GstBuffer * buf, const gchar * what)
{
  GstBuffer *copy = gst_buffer_copy_deep (buf), *out;
  GstMapInfo mi, mo;
  gsize i, bad = G_MAXSIZE;

  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  fail_unless (gst_buffer_map (out, &mo, GST_MAP_READ));
  fail_unless (gst_buffer_map (copy, &mi, GST_MAP_READ));
  fail_unless_equals_uint64 (mo.size, mi.size);
  for (i = 0; i < mi.size && bad == G_MAXSIZE; i++)
    if (mo.data[i] != mi.data[i])
      bad = i;
  fail_unless (bad == G_MAXSIZE, "%s: byte %" G_GSIZE_FORMAT " of %"
      G_GSIZE_FORMAT " is 0x%02x, was 0x%02x", what, bad, mi.size,
      bad < mi.size ? mo.data[bad] : 0, bad < mi.size ? mi.data[bad] : 0);
  gst_buffer_unmap (copy, &mi);
  gst_buffer_unmap (out, &mo);
  gst_buffer_unref (copy);
  gst_buffer_unref (out);
}

static void
set_video_caps (GstHarness * h, GstVideoFormat format, gint w, gint ht)
{
  GstVideoInfo info;
  GstCaps *caps;

  fail_unless (gst_video_info_set_format (&info, format, w, ht));
  caps = gst_video_info_to_caps (&info);
  gst_harness_set_src_caps (h, caps);
}

GST_START_TEST (test_uniform_every_format)
{
  /* a frame of one colour comes back unchanged in posterize mode, in
   * every format of the pad template, at every k, odd and one-pixel
   * sizes, padded strides, warm or not, one thread or three */
  static const gint sizes[][2] = { {1, 1}, {2, 2}, {33, 17}, {64, 1},
  {1, 31}, {3, 5}
  };
  static const guint ks[] = { 1, 3, 256 };
  GstHarness *h = gst_harness_new ("kmeansseg");
  GArray *fmts = template_formats (h);
  guint32 state = 11;
  guint f, s, ki;

  for (f = 0; f < fmts->len; f++) {
    GstVideoFormat format = g_array_index (fmts, GstVideoFormat, f);

    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      GstVideoInfo info;

      g_object_set (h->element, "warm-start", (f + s) % 2 == 0, "n-threads",
          s % 2 ? 3 : 1, NULL);
      set_video_caps (h, format, sizes[s][0], sizes[s][1]);
      for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
        guint8 val[4];
        gchar *what;
        guint c;

        for (c = 0; c < 4; c++)
          val[c] = lcg (&state) & 0xff;
        g_object_set (h->element, "k", ks[ki], NULL);
        what = g_strdup_printf ("uniform %s %dx%d k=%u%s",
            gst_video_format_to_string (format), sizes[s][0], sizes[s][1],
            ks[ki], ki == 1 ? " (meta)" : "");
        check_unchanged (h, uniform_buffer (format, sizes[s][0],
                sizes[s][1], val, ki == 1 ? 3 : 0, &info), what);
        g_free (what);
      }
    }
  }
  g_array_unref (fmts);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_caps_changes_every_format)
{
  /* from every format of the pad template to every other, with sizes
   * that change too, frames of one colour (unchanged in posterize mode)
   * and, now and then, a short buffer (an error) and a flush in between */
  GstHarness *h = gst_harness_new ("kmeansseg");
  GArray *fmts = template_formats (h);
  GstBus *bus = gst_bus_new ();
  guint32 state = 5;
  guint i, j, n = 0;

  gst_element_set_bus (h->element, bus);
  for (i = 0; i < fmts->len; i++)
    for (j = 0; j < fmts->len; j++) {
      GstVideoFormat from = g_array_index (fmts, GstVideoFormat, i);
      GstVideoFormat to = g_array_index (fmts, GstVideoFormat, j);
      GstVideoFormat seq[2] = { from, to };
      guint s;

      if (i == j)
        continue;
      for (s = 0; s < 2; s++) {
        gint w = 1 + lcg (&state) % 23, ht = 1 + lcg (&state) % 9;
        GstVideoInfo info;
        guint8 val[4] = { lcg (&state), lcg (&state), lcg (&state), 0 };

        set_video_caps (h, seq[s], w, ht);
        check_unchanged (h, uniform_buffer (seq[s], w, ht, val, n % 3,
                &info), gst_video_format_to_string (seq[s]));
        if (n % 7 == 0) {
          GstVideoInfo plain;
          GstBuffer *buf;

          /* a byte short of the default layout */
          fail_unless (gst_video_info_set_format (&plain, seq[s], w, ht));
          buf = guarded_buffer_new (GST_VIDEO_INFO_SIZE (&plain) - 1);

          fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
          fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR,
                  GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT), 1);
        }
        if (n % 5 == 0)
          push_flush (h, TRUE, 0);
        n++;
      }
    }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_array_unref (fmts);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
kmeansseg_hostile_suite (void)
{
  Suite *s = suite_create ("kmeansseg-hostile");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_changes);
  tcase_add_test (tc, test_caps_changes_posterize);
  tcase_add_test (tc, test_flush_and_seek_reset);
  tcase_add_test (tc, test_k_above_distinct_colours);
  tcase_add_test (tc, test_mask_cluster_at_or_above_k);
  tcase_add_test (tc, test_black_and_white);
  tcase_add_test (tc, test_short_buffers);
  tcase_add_test (tc, test_short_buffers_with_meta);
  tcase_add_test (tc, test_property_stress_threads);
  tcase_add_test (tc, test_k_every_frame);
  tcase_add_test (tc, test_uniform_every_format);
  tcase_add_test (tc, test_caps_changes_every_format);

  return s;
}

GST_CHECK_MAIN (kmeansseg_hostile);

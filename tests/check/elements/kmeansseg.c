/* GStreamer kmeansseg: element tests
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

/* Frames are crafted as logical images (R, G, B per pixel, plus the fourth
 * byte of 4-byte formats), packed into buffers of the format under test,
 * pushed through the element and unpacked again, so that one expectation
 * serves every format. The expectations are computed here from the
 * regions' colours and sizes, never taken from the element. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

/* What the element fills nothing with: row and buffer padding */
#define PAD_BYTE 0xa5

#define MODE_POSTERIZE 0
#define MODE_ORIGINAL 1
#define INIT_KMEANS_PP 0
#define INIT_RANDOM 1

/* Where a packed format keeps R, G, B and its fourth byte; written from the
 * format names, independently of the element's own tables. */
typedef struct
{
  const gchar *name;
  guint bpp;
  gint r, g, b;
  gint a;                       /* alpha offset, -1: none */
  gint x;                       /* padding offset, -1: none */
} Fmt;

static const Fmt formats[] = {
  {"RGBx", 4, 0, 1, 2, -1, 3},
  {"BGRx", 4, 2, 1, 0, -1, 3},
  {"xRGB", 4, 1, 2, 3, -1, 0},
  {"xBGR", 4, 3, 2, 1, -1, 0},
  {"RGBA", 4, 0, 1, 2, 3, -1},
  {"BGRA", 4, 2, 1, 0, 3, -1},
  {"ARGB", 4, 1, 2, 3, 0, -1},
  {"ABGR", 4, 3, 2, 1, 0, -1},
  {"RGB", 3, 0, 1, 2, -1, -1},
  {"BGR", 3, 2, 1, 0, -1, -1},
};

static const Fmt *
fmt_get (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    if (strcmp (formats[i].name, name) == 0)
      return &formats[i];
  g_assert_not_reached ();
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Logical images */

typedef struct
{
  gint w, h;
  guint32 *rgb;                 /* 0xRRGGBB per pixel */
  guint8 *extra;                /* the alpha or padding byte */
} Image;

static Image *
image_new (gint w, gint h)
{
  Image *img = g_new0 (Image, 1);
  gint i;

  img->w = w;
  img->h = h;
  img->rgb = g_new0 (guint32, w * h);
  img->extra = g_new0 (guint8, w * h);
  /* distinct values, so that a byte written by mistake shows */
  for (i = 0; i < w * h; i++)
    img->extra[i] = (guint8) (i * 37 + 11);
  return img;
}

static Image *
image_copy (const Image * src)
{
  Image *img = image_new (src->w, src->h);

  memcpy (img->rgb, src->rgb, src->w * src->h * sizeof (guint32));
  memcpy (img->extra, src->extra, src->w * src->h);
  return img;
}

static void
image_free (Image * img)
{
  g_free (img->rgb);
  g_free (img->extra);
  g_free (img);
}

#define PIX(img, x, y) ((img)->rgb[(y) * (img)->w + (x)])
#define CH_R(c) (((c) >> 16) & 0xff)
#define CH_G(c) (((c) >> 8) & 0xff)
#define CH_B(c) ((c) & 0xff)
#define RGB(r, g, b) (((guint32) (r) << 16) | ((guint32) (g) << 8) | (b))

/* The layouts of flat regions, of unequal sizes: 0 and 1 have three (1
 * moves them), 2 has four. */
static gint
region_of (gint layout, gint x, gint y, gint w, gint h)
{
  switch (layout) {
    case 0:
      if (x < w / 3)
        return 0;
      return y < h / 3 ? 1 : 2;
    case 1:
      if (y < h / 4)
        return 2;
      return x < w / 3 ? 0 : 1;
    case 2:
      /* four regions, the last one small */
      if (x < w / 4 && y < h / 4)
        return 3;
      if (x < w / 2)
        return 0;
      return y < h / 3 ? 1 : 2;
    default:
      g_assert_not_reached ();
      return 0;
  }
}

/* Paints the regions of @layout with @colors; counts their pixels */
static void
image_paint_regions (Image * img, gint layout, const guint32 * colors,
    guint * counts)
{
  gint x, y;

  if (counts)
    memset (counts, 0, 4 * sizeof (guint));
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      gint r = region_of (layout, x, y, img->w, img->h);

      PIX (img, x, y) = colors[r];
      if (counts)
        counts[r]++;
    }
  }
}

static Image *
image_new_regions (gint w, gint h, gint layout, const guint32 * colors,
    guint * counts)
{
  Image *img = image_new (w, h);

  image_paint_regions (img, layout, colors, counts);
  return img;
}

static guint32
lcg (guint32 * state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

static guint8
clamp_level (gint v, gint lo, gint hi)
{
  return (guint8) CLAMP (v, lo, hi);
}

/* Smooth gradients plus deterministic noise, levels within [lo, hi] */
static Image *
image_new_noisy (gint w, gint h, guint32 seed, gint lo, gint hi)
{
  Image *img = image_new (w, h);
  guint32 state = seed;
  gint x, y;

  for (y = 0; y < h; y++) {
    for (x = 0; x < w; x++) {
      gint r = x * 255 / MAX (w - 1, 1);
      gint g = y * 255 / MAX (h - 1, 1);
      gint b = 255 - (x + y) * 255 / MAX (w + h - 2, 1);

      r += (gint) (lcg (&state) % 25) - 12;
      g += (gint) (lcg (&state) % 25) - 12;
      b += (gint) (lcg (&state) % 25) - 12;
      PIX (img, x, y) = RGB (clamp_level (r, lo, hi), clamp_level (g, lo,
              hi), clamp_level (b, lo, hi));
    }
  }
  return img;
}

/* A copy with every pixel of colour from[i] replaced by to[i] */
static Image *
image_map (const Image * src, const guint32 * from, const guint32 * to, guint n)
{
  Image *img = image_copy (src);
  gint i;
  guint j;

  for (i = 0; i < img->w * img->h; i++) {
    for (j = 0; j < n; j++) {
      if (img->rgb[i] == from[j]) {
        img->rgb[i] = to[j];
        break;
      }
    }
  }
  return img;
}

/* BT.601 luma, as the clusters are numbered */
static gdouble
luma (guint32 c)
{
  return 0.299 * CH_R (c) + 0.587 * CH_G (c) + 0.114 * CH_B (c);
}

/* Pixel-count-weighted mean of two colours, rounded to nearest */
static guint32
weighted_mean (guint32 a, guint na, guint32 b, guint nb)
{
  guint n = na + nb;
  guint ch[3], i;

  for (i = 0; i < 3; i++) {
    guint shift = 16 - 8 * i;
    guint s = na * ((a >> shift) & 0xff) + nb * ((b >> shift) & 0xff);

    /* floor (s / n + 1/2) */
    ch[i] = (2 * s + n) / (2 * n);
  }
  return RGB (ch[0], ch[1], ch[2]);
}

static guint
count_distinct (const Image * img, guint32 * out, guint max)
{
  guint n = 0, j;
  gint i;

  for (i = 0; i < img->w * img->h; i++) {
    for (j = 0; j < n && out[j] != img->rgb[i]; j++);
    if (j == n) {
      if (n == max)
        return max + 1;
      out[n++] = img->rgb[i];
    }
  }
  return n;
}

/* Compares everything (colours and, for 4-byte formats, the fourth byte);
 * one assertion per image, with the first difference in its message */
static void
assert_image_eq (const Image * got, const Image * exp, gboolean check_extra,
    const gchar * what)
{
  gint i, bad = -1, n_bad = 0;

  fail_unless (got->w == exp->w && got->h == exp->h);
  for (i = 0; i < got->w * got->h; i++) {
    if (got->rgb[i] != exp->rgb[i] ||
        (check_extra && got->extra[i] != exp->extra[i])) {
      if (bad < 0)
        bad = i;
      n_bad++;
    }
  }
  fail_unless (bad < 0, "%s: %d pixels differ, first at (%d,%d): "
      "got %06x/%02x, expected %06x/%02x", what, n_bad, bad % got->w,
      bad / got->w, bad < 0 ? 0 : got->rgb[bad], bad < 0 ? 0 : got->extra[bad],
      bad < 0 ? 0 : exp->rgb[bad], bad < 0 ? 0 : exp->extra[bad]);
}

/* ------------------------------------------------------------------ */
/* Buffers */

static void
fmt_info (GstVideoInfo * info, const Fmt * fmt, gint w, gint h)
{
  fail_unless (gst_video_info_set_format (info,
          gst_video_format_from_string (fmt->name), w, h));
}

/* Packs @img; @stride 0: the default layout, else a GstVideoMeta with that
 * stride. Every byte outside the pixels is PAD_BYTE. */
static GstBuffer *
image_to_buffer (const Image * img, const Fmt * fmt, gint stride)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  gsize size;
  gint x, y;

  fmt_info (&info, fmt, img->w, img->h);
  if (stride == 0) {
    stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
    size = GST_VIDEO_INFO_SIZE (&info);
    buf = gst_buffer_new_allocate (NULL, size, NULL);
  } else {
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
    gint strides[GST_VIDEO_MAX_PLANES] = { stride, };

    fail_unless (stride >= img->w * (gint) fmt->bpp);
    /* and a little more at the end, which must stay untouched too */
    size = (gsize) stride *img->h + 13;
    buf = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_INFO_FORMAT (&info), img->w, img->h, 1, offset, strides);
  }

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, map.size);
  for (y = 0; y < img->h; y++) {
    guint8 *p = map.data + (gsize) y * stride;

    for (x = 0; x < img->w; x++, p += fmt->bpp) {
      guint32 c = PIX (img, x, y);

      p[fmt->r] = CH_R (c);
      p[fmt->g] = CH_G (c);
      p[fmt->b] = CH_B (c);
      if (fmt->bpp == 4)
        p[fmt->a >= 0 ? fmt->a : fmt->x] = img->extra[y * img->w + x];
    }
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Unpacks @buf (through its GstVideoMeta if it has one) and checks that no
 * byte outside the pixels changed */
static Image *
image_from_buffer (GstBuffer * buf, const Fmt * fmt, gint w, gint h)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstMapInfo map;
  Image *img = image_new (w, h);
  gint x, y, stride;
  gsize i, n_pad_bad = 0;

  fmt_info (&info, fmt, w, h);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (y = 0; y < h; y++) {
    const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) y * stride;

    for (x = 0; x < w; x++, p += fmt->bpp) {
      PIX (img, x, y) = RGB (p[fmt->r], p[fmt->g], p[fmt->b]);
      if (fmt->bpp == 4)
        img->extra[y * w + x] = p[fmt->a >= 0 ? fmt->a : fmt->x];
    }
  }
  gst_video_frame_unmap (&frame);

  /* row padding and whatever follows the last row */
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i < map.size; i++) {
    gsize row = i / stride, col = i % stride;

    if ((row >= (gsize) h || col >= (gsize) w * fmt->bpp)
        && map.data[i] != PAD_BYTE)
      n_pad_bad++;
  }
  gst_buffer_unmap (buf, &map);
  fail_unless (n_pad_bad == 0, "%" G_GSIZE_FORMAT " padding bytes were "
      "written (%s %dx%d stride %d)", n_pad_bad, fmt->name, w, h, stride);
  return img;
}

/* ------------------------------------------------------------------ */
/* Harness */

static void
harness_set_format (GstHarness * h, const Fmt * fmt, gint w, gint ht)
{
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", fmt->name, w, ht);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

static GstHarness *
harness_new (const Fmt * fmt, gint w, gint ht)
{
  GstHarness *h = gst_harness_new ("kmeansseg");

  harness_set_format (h, fmt, w, ht);
  return h;
}

/* Pushes @img packed as @fmt, returns what comes out */
static Image *
process_stride (GstHarness * h, const Fmt * fmt, const Image * img, gint stride)
{
  GstBuffer *out;
  Image *res;

  fail_unless_equals_int (gst_harness_push (h, image_to_buffer (img, fmt,
              stride)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  res = image_from_buffer (out, fmt, img->w, img->h);
  gst_buffer_unref (out);
  return res;
}

static Image *
process (GstHarness * h, const Fmt * fmt, const Image * img)
{
  return process_stride (h, fmt, img, 0);
}

/* Pushes @img and compares the output with @exp */
static void
check_process (GstHarness * h, const Fmt * fmt, const Image * img,
    const Image * exp, const gchar * what)
{
  Image *res = process (h, fmt, img);
  gchar *msg = g_strdup_printf ("%s (%s %dx%d)", what, fmt->name, img->w,
      img->h);

  assert_image_eq (res, exp, fmt->bpp == 4, msg);
  g_free (msg);
  image_free (res);
}

/* Three colours, well apart, with distinct lumas; the first two are close
 * enough to merge at k=2 */
static const guint32 three[3] = {
  RGB (30, 60, 200), RGB (42, 50, 186), RGB (230, 220, 40)
};

/* ------------------------------------------------------------------ */
/* Tests */

GST_START_TEST (test_three_regions_identity)
{
  static const gchar *names[] = { "RGBx", "RGB" };
  static const guint samples[] = { 65536, 0, 100 };
  guint f, s, layout;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const Fmt *fmt = fmt_get (names[f]);

    for (s = 0; s < G_N_ELEMENTS (samples); s++) {
      for (layout = 0; layout < 2; layout++) {
        GstHarness *h = harness_new (fmt, 64, 48);
        Image *img = image_new_regions (64, 48, layout, three, NULL);

        g_object_set (h->element, "k", 3, "sample-size", samples[s], NULL);
        check_process (h, fmt, img, img, "3 colours at k=3");
        image_free (img);
        gst_harness_teardown (h);
      }
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_merge_weighted_mean)
{
  static const gchar *names[] = { "RGBx", "RGB" };
  static const guint samples[] = { 65536, 0 };
  guint f, s, layout;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const Fmt *fmt = fmt_get (names[f]);

    for (s = 0; s < G_N_ELEMENTS (samples); s++) {
      for (layout = 0; layout < 2; layout++) {
        GstHarness *h = harness_new (fmt, 64, 48);
        guint counts[4];
        Image *img = image_new_regions (64, 48, layout, three, counts);
        guint32 merged = weighted_mean (three[0], counts[0], three[1],
            counts[1]);
        guint32 to[3] = { merged, merged, three[2] };
        Image *exp = image_map (img, three, to, 3);

        /* the regions differ in size, so the plain mean would not do */
        fail_unless (counts[0] != counts[1]);
        fail_if (merged == three[0] || merged == three[1]);

        g_object_set (h->element, "k", 2, "sample-size", samples[s], NULL);
        check_process (h, fmt, img, exp, "2 closest colours merged");
        image_free (img);
        image_free (exp);
        gst_harness_teardown (h);
      }
    }
  }
}

GST_END_TEST;

/* Four colours at k=3: the close pair merges, so the output differs from
 * the input and a wrong channel offset shows */
static const guint32 four[4] = {
  RGB (30, 60, 200), RGB (44, 48, 186), RGB (230, 220, 40), RGB (200, 30, 70)
};

static void
four_expected (const Image * img, const guint * counts, guint32 * pal,
    Image ** exp)
{
  guint32 merged = weighted_mean (four[0], counts[0], four[1], counts[1]);
  guint32 to[4] = { merged, merged, four[2], four[3] };
  guint i, j;

  /* the palette in the element's numbering: by luma, darkest first */
  pal[0] = merged;
  pal[1] = four[2];
  pal[2] = four[3];
  for (i = 1; i < 3; i++)
    for (j = i; j > 0 && luma (pal[j - 1]) > luma (pal[j]); j--) {
      guint32 t = pal[j];
      pal[j] = pal[j - 1];
      pal[j - 1] = t;
    }
  *exp = image_map (img, four, to, 4);
}

GST_START_TEST (test_all_formats)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const Fmt *fmt = &formats[f];
    GstHarness *h;
    guint counts[4], c;
    guint32 pal[3];
    Image *img = image_new_regions (40, 30, 2, four, counts);
    Image *exp;

    four_expected (img, counts, pal, &exp);

    /* posterize, no mask: alpha and padding bytes stay */
    h = harness_new (fmt, 40, 30);
    check_process (h, fmt, img, exp, "4 colours at k=3");
    gst_harness_teardown (h);

    /* mask each cluster in turn: its colour, and its alpha where the
     * format has alpha; the padding byte stays */
    for (c = 0; c < 3; c++) {
      Image *mexp = image_copy (exp);
      gint i;

      for (i = 0; i < img->w * img->h; i++) {
        if (exp->rgb[i] == pal[c]) {
          mexp->rgb[i] = 0xa0b0c0;
          if (fmt->a >= 0)
            mexp->extra[i] = 0x40;
        }
      }
      h = harness_new (fmt, 40, 30);
      g_object_set (h->element, "mask-cluster", c, "mask-color", 0x40a0b0c0,
          NULL);
      check_process (h, fmt, img, mexp, "4 colours at k=3, masked");
      gst_harness_teardown (h);
      image_free (mexp);
    }

    image_free (img);
    image_free (exp);
  }
}

GST_END_TEST;

GST_START_TEST (test_odd_sizes_and_strides)
{
  static const struct
  {
    const gchar *format;
    gint w, h;
    gint stride;                /* 0: default */
  } cases[] = {
    {"RGBx", 385, 289, 385 * 4 + 20},
    {"RGB", 385, 289, 385 * 3 + 7},
    {"BGRA", 385, 289, 385 * 4 + 4},
    {"xBGR", 385, 289, 0},
    {"RGB", 385, 289, 0},
    {"BGR", 33, 17, 0},
    {"RGB", 33, 17, 33 * 3 + 1},
    {"ARGB", 33, 17, 0},
    {"RGB", 7, 1, 0},
    {"RGBx", 7, 1, 0},
    {"RGB", 1, 7, 0},
    {"RGBA", 1, 7, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const Fmt *fmt = fmt_get (cases[i].format);
    gint w = cases[i].w, ht = cases[i].h;
    guint counts[3] = { 0, }, x;
    GstHarness *h;
    Image *img, *exp, *res;
    guint32 merged, to[3];

    /* three flat regions: stripes along the longer side */
    img = image_new (w, ht);
    for (x = 0; x < (guint) (w * ht); x++) {
      guint along = w >= ht ? x % w : x / w;
      guint len = MAX (w, ht);
      guint r = along < len / 3 ? 0 : (along < 2 * len / 3 + 1 ? 1 : 2);

      img->rgb[x] = three[r];
      counts[r]++;
    }
    fail_unless (counts[0] && counts[1] && counts[2]);

    /* k=3: unchanged */
    h = harness_new (fmt, w, ht);
    res = process_stride (h, fmt, img, cases[i].stride);
    assert_image_eq (res, img, fmt->bpp == 4, cases[i].format);
    image_free (res);
    gst_harness_teardown (h);

    /* k=2: the two close colours merge */
    merged = weighted_mean (three[0], counts[0], three[1], counts[1]);
    to[0] = to[1] = merged;
    to[2] = three[2];
    exp = image_map (img, three, to, 3);
    h = harness_new (fmt, w, ht);
    g_object_set (h->element, "k", 2, NULL);
    res = process_stride (h, fmt, img, cases[i].stride);
    assert_image_eq (res, exp, fmt->bpp == 4, cases[i].format);
    image_free (res);
    image_free (exp);
    gst_harness_teardown (h);
    image_free (img);
  }

  /* 1x1, for every k that makes sense and a few that don't */
  for (i = 0; i < 2; i++) {
    const Fmt *fmt = fmt_get (i == 0 ? "RGB" : "ABGR");
    guint k;

    for (k = 1; k <= 4; k++) {
      GstHarness *h = harness_new (fmt, 1, 1);
      Image *img = image_new (1, 1);

      img->rgb[0] = RGB (17, 129, 250);
      g_object_set (h->element, "k", k, NULL);
      check_process (h, fmt, img, img, "1x1");
      check_process (h, fmt, img, img, "1x1, second frame");
      image_free (img);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_mask_posterize)
{
  const Fmt *fmt = fmt_get ("RGBx");
  guint counts[4], c;
  guint32 pal[3];
  Image *img = image_new_regions (48, 36, 2, four, counts);
  Image *exp;

  four_expected (img, counts, pal, &exp);
  for (c = 0; c < 3; c++) {
    GstHarness *h = harness_new (fmt, 48, 36);
    Image *mexp = image_copy (exp);
    gint i;

    /* the x byte is not alpha: it stays */
    for (i = 0; i < img->w * img->h; i++)
      if (exp->rgb[i] == pal[c])
        mexp->rgb[i] = 0x10e020;
    g_object_set (h->element, "mask-cluster", c, "mask-color", 0xff10e020,
        "mode", MODE_POSTERIZE, NULL);
    check_process (h, fmt, img, mexp, "posterize with mask");
    gst_harness_teardown (h);
    image_free (mexp);
  }
  image_free (img);
  image_free (exp);
}

GST_END_TEST;

GST_START_TEST (test_mask_original_noisy)
{
  const Fmt *fmt = fmt_get ("RGBx");
  const guint k = 4;
  Image *img = image_new_noisy (64, 48, 1234, 0, 255);
  GstHarness *h = harness_new (fmt, 64, 48);
  Image *post;
  guint32 pal[8];
  guint n, c, i, j;

  /* the clusters: posterize's colours, numbered by luma */
  g_object_set (h->element, "k", k, NULL);
  post = process (h, fmt, img);
  gst_harness_teardown (h);
  n = count_distinct (post, pal, G_N_ELEMENTS (pal));
  fail_unless_equals_int (n, k);
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && luma (pal[j - 1]) > luma (pal[j]); j--) {
      guint32 t = pal[j];
      pal[j] = pal[j - 1];
      pal[j - 1] = t;
    }

  for (c = 0; c < k; c++) {
    Image *res;
    gint p, bad = -1, n_masked = 0;

    h = harness_new (fmt, 64, 48);
    g_object_set (h->element, "k", k, "mode", MODE_ORIGINAL,
        "mask-cluster", c, NULL);
    res = process (h, fmt, img);
    gst_harness_teardown (h);

    /* a pixel is black iff it belongs to cluster c; every other pixel and
     * every padding byte is untouched */
    for (p = 0; p < img->w * img->h; p++) {
      gboolean in_c = post->rgb[p] == pal[c];
      guint32 want = in_c ? 0x000000 : img->rgb[p];

      if (res->rgb[p] != want || res->extra[p] != img->extra[p]) {
        if (bad < 0)
          bad = p;
      }
      n_masked += in_c;
    }
    fail_unless (bad < 0, "cluster %u: pixel %d is %06x, input %06x, "
        "posterized %06x", c, bad, bad < 0 ? 0 : res->rgb[bad],
        bad < 0 ? 0 : img->rgb[bad], bad < 0 ? 0 : post->rgb[bad]);
    fail_unless (n_masked > 0 && n_masked < img->w * img->h);
    image_free (res);
  }
  image_free (post);
  image_free (img);
}

GST_END_TEST;

GST_START_TEST (test_mask_alpha)
{
  static const gchar *names[] = { "RGBA", "ARGB" };
  guint f, mode;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const Fmt *fmt = fmt_get (names[f]);

    for (mode = 0; mode < 2; mode++) {
      guint counts[4];
      Image *img = image_new_regions (32, 24, 0, three, counts);
      GstHarness *h = harness_new (fmt, 32, 24);
      Image *exp = image_copy (img);
      gint i;

      /* three[1] is the darkest: cluster 0 */
      fail_unless (luma (three[1]) < luma (three[0]));
      for (i = 0; i < img->w * img->h; i++) {
        if (img->rgb[i] == three[1]) {
          exp->rgb[i] = 0;
          exp->extra[i] = 0;
        }
      }
      g_object_set (h->element, "mode", mode, "mask-cluster", 0,
          "mask-color", 0x00000000, NULL);
      check_process (h, fmt, img, exp, "transparent mask");
      gst_harness_teardown (h);
      image_free (img);
      image_free (exp);
    }
  }
}

GST_END_TEST;

static guint
count_warnings (GstBus * bus)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (g_error_matches (err, GST_LIBRARY_ERROR,
            GST_LIBRARY_ERROR_SETTINGS), "unexpected warning: %s",
        err->message);
    g_error_free (err);
    gst_message_unref (msg);
    n++;
  }
  return n;
}

GST_START_TEST (test_mask_cluster_out_of_range)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 32, 24);
  GstBus *bus = gst_bus_new ();
  Image *img = image_new_regions (32, 24, 0, three, NULL);

  gst_element_set_bus (h->element, bus);

  /* posterize: nothing masked, the colours come back */
  g_object_set (h->element, "k", 3, "mask-cluster", 3, NULL);
  check_process (h, fmt, img, img, "mask-cluster=k, posterize");
  check_process (h, fmt, img, img, "mask-cluster=k, posterize, frame 2");
  fail_unless_equals_int (count_warnings (bus), 1);

  /* original: nothing changes */
  g_object_set (h->element, "mode", MODE_ORIGINAL, NULL);
  check_process (h, fmt, img, img, "mask-cluster=k, original");
  fail_unless_equals_int (count_warnings (bus), 0);

  /* a new out-of-range setting is reported again, once */
  g_object_set (h->element, "mask-cluster", 200, NULL);
  check_process (h, fmt, img, img, "mask-cluster=200, original");
  check_process (h, fmt, img, img, "mask-cluster=200, original, frame 2");
  fail_unless_equals_int (count_warnings (bus), 1);

  /* in range again: masks, and no warning */
  g_object_set (h->element, "mask-cluster", 2, NULL);
  {
    guint32 to[3] = { three[0], three[1], 0 };
    Image *exp = image_map (img, three, to, 3);

    check_process (h, fmt, img, exp, "mask-cluster=2, original");
    image_free (exp);
  }
  fail_unless_equals_int (count_warnings (bus), 0);

  /* out of range through k: nothing masked, one warning */
  g_object_set (h->element, "k", 2, NULL);
  check_process (h, fmt, img, img, "k=2, mask-cluster=2, original");
  check_process (h, fmt, img, img, "k=2, mask-cluster=2, original, 2");
  fail_unless_equals_int (count_warnings (bus), 1);

  /* another k, still out of range: reported again, once */
  g_object_set (h->element, "k", 1, NULL);
  check_process (h, fmt, img, img, "k=1, mask-cluster=2, original");
  check_process (h, fmt, img, img, "k=1, mask-cluster=2, original, 2");
  fail_unless_equals_int (count_warnings (bus), 1);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_luma_numbering)
{
  /* BT.601 luma: blue 29.1 < grey 60 < red 76.2; BT.709 would put red
   * (54.2) before grey, and the channel sum would tie blue and red */
  static const guint32 cols[3] = {
    RGB (255, 0, 0), RGB (0, 0, 255), RGB (60, 60, 60)
  };
  static const gint order[3] = { 1, 2, 0 };     /* darkest first */
  const Fmt *fmt = fmt_get ("BGRx");
  guint c, layout;

  for (layout = 0; layout < 2; layout++) {
    Image *img = image_new_regions (48, 32, layout, cols, NULL);

    for (c = 0; c < 3; c++) {
      GstHarness *h = harness_new (fmt, 48, 32);
      guint32 to[3] = { cols[0], cols[1], cols[2] };
      Image *exp;

      to[order[c]] = 0xffffff;
      exp = image_map (img, cols, to, 3);
      g_object_set (h->element, "mask-cluster", c, "mask-color", 0xffffffff,
          NULL);
      check_process (h, fmt, img, exp, "luma numbering");
      image_free (exp);
      gst_harness_teardown (h);
    }
    image_free (img);
  }
}

GST_END_TEST;

/* Frame 1: X < Y < Z by luma, numbered 0, 1, 2. Frame 2: each colour moves
 * a little (each stays nearest its old centroid), but now Y' < X' < Z' by
 * luma: warm-started, cluster 1 is still Y'; started afresh, it is X'. */
static const guint32 xyz[3] = {
  RGB (200, 0, 0), RGB (0, 150, 0), RGB (255, 255, 255)
};

static const guint32 xyz2[3] = {
  RGB (255, 60, 0), RGB (0, 140, 0), RGB (250, 250, 250)
};

static void
check_xyz_luma (void)
{
  fail_unless (luma (xyz[0]) < luma (xyz[1]) && luma (xyz[1]) < luma (xyz[2]));
  fail_unless (luma (xyz2[1]) < luma (xyz2[0])
      && luma (xyz2[0]) < luma (xyz2[2]));
}

/* @img with the pixels of colour @c painted black (the default mask) */
static Image *
expect_masked (const Image * img, guint32 c)
{
  guint32 from[1] = { c }, to[1] = { 0 };

  return image_map (img, from, to, 1);
}

GST_START_TEST (test_warm_start_numbering)
{
  const Fmt *fmt = fmt_get ("RGBx");
  Image *f1 = image_new_regions (48, 32, 0, xyz, NULL);
  Image *f2 = image_new_regions (48, 32, 1, xyz2, NULL);
  Image *exp;
  GstHarness *h;

  check_xyz_luma ();

  /* warm start: cluster 1 follows Y */
  h = harness_new (fmt, 48, 32);
  g_object_set (h->element, "mask-cluster", 1, NULL);
  exp = expect_masked (f1, xyz[1]);
  check_process (h, fmt, f1, exp, "frame 1");
  image_free (exp);
  exp = expect_masked (f2, xyz2[1]);
  check_process (h, fmt, f2, exp, "frame 2, warm start");
  check_process (h, fmt, f2, exp, "frame 3, warm start");
  image_free (exp);
  gst_harness_teardown (h);

  /* no warm start: by luma on every frame */
  h = harness_new (fmt, 48, 32);
  g_object_set (h->element, "mask-cluster", 1, "warm-start", FALSE, NULL);
  exp = expect_masked (f1, xyz[1]);
  check_process (h, fmt, f1, exp, "frame 1");
  image_free (exp);
  exp = expect_masked (f2, xyz2[0]);
  check_process (h, fmt, f2, exp, "frame 2, no warm start");
  image_free (exp);
  exp = expect_masked (f1, xyz[1]);
  check_process (h, fmt, f1, exp, "frame 3, no warm start");
  image_free (exp);
  gst_harness_teardown (h);

  image_free (f1);
  image_free (f2);
}

GST_END_TEST;

GST_START_TEST (test_property_changes)
{
  /* A dark; B and C bright and close: B < C by luma */
  static const guint32 cols[3] = {
    RGB (20, 30, 40), RGB (200, 190, 60), RGB (230, 220, 90)
  };
  const Fmt *fmt = fmt_get ("RGBx");
  guint counts[4];
  Image *img = image_new_regions (48, 32, 0, cols, counts);
  GstHarness *h = harness_new (fmt, 48, 32);
  guint32 bc = weighted_mean (cols[1], counts[1], cols[2], counts[2]);
  guint32 to[3];
  Image *exp;

  fail_unless (counts[1] != counts[2]);

  /* k=3: three clusters, unchanged */
  check_process (h, fmt, img, img, "k=3");

  /* k=2: clusters 0 (A) and 1 (B) are kept, C joins B */
  g_object_set (h->element, "k", 2, NULL);
  to[0] = cols[0];
  to[1] = to[2] = bc;
  exp = image_map (img, cols, to, 3);
  check_process (h, fmt, img, exp, "k=2");
  image_free (exp);

  /* k=4: enough clusters for every colour again */
  g_object_set (h->element, "k", 4, NULL);
  check_process (h, fmt, img, img, "k=4");

  /* original, masking cluster 0, which kept its number: A */
  g_object_set (h->element, "mode", MODE_ORIGINAL, "mask-cluster", 0, NULL);
  exp = expect_masked (img, cols[0]);
  check_process (h, fmt, img, exp, "k=4, original, mask 0");
  image_free (exp);

  /* posterize at k=2, masking cluster 1 (B and C, merged) */
  g_object_set (h->element, "mode", MODE_POSTERIZE, "k", 2,
      "mask-cluster", 1, "mask-color", 0xff0000ff, NULL);
  to[0] = cols[0];
  to[1] = to[2] = 0x0000ff;
  exp = image_map (img, cols, to, 3);
  check_process (h, fmt, img, exp, "k=2, posterize, mask 1");
  image_free (exp);

  /* no mask, back to the posterized colours */
  g_object_set (h->element, "mask-cluster", -1, NULL);
  to[0] = cols[0];
  to[1] = to[2] = bc;
  exp = image_map (img, cols, to, 3);
  check_process (h, fmt, img, exp, "k=2, no mask");
  image_free (exp);

  /* original without a mask: the input */
  g_object_set (h->element, "mode", MODE_ORIGINAL, NULL);
  check_process (h, fmt, img, img, "k=2, original, no mask");

  gst_harness_teardown (h);
  image_free (img);
}

GST_END_TEST;

GST_START_TEST (test_determinism)
{
  static const guint samples[] = { 65536, 0, 300 };
  const Fmt *fmt = fmt_get ("RGBx");
  Image *frames[3];
  guint init, s, i;

  for (i = 0; i < 3; i++)
    frames[i] = image_new_noisy (48, 32, 77 + i, 0, 255);

  for (init = 0; init < 2; init++) {
    for (s = 0; s < G_N_ELEMENTS (samples); s++) {
      GstHarness *h1 = harness_new (fmt, 48, 32);
      GstHarness *h2 = harness_new (fmt, 48, 32);

      g_object_set (h1->element, "k", 8, "init", init, "sample-size",
          samples[s], "seed", 7, NULL);
      g_object_set (h2->element, "k", 8, "init", init, "sample-size",
          samples[s], "seed", 7, NULL);
      for (i = 0; i < 3; i++) {
        Image *r1 = process (h1, fmt, frames[i]);
        Image *r2 = process (h2, fmt, frames[i]);
        guint32 pal[9];
        guint n = count_distinct (r1, pal, 8);

        assert_image_eq (r1, r2, TRUE, "same seed, same frames");
        /* and it is a segmentation, not the input */
        fail_unless (n >= 2 && n <= 8, "%u colours at k=8", n);
        image_free (r1);
        image_free (r2);
      }
      gst_harness_teardown (h1);
      gst_harness_teardown (h2);
    }
  }
  for (i = 0; i < 3; i++)
    image_free (frames[i]);
}

GST_END_TEST;

GST_START_TEST (test_few_colours)
{
  static const guint32 cols[] = {
    RGB (0, 0, 0), RGB (255, 255, 255), RGB (123, 45, 67)
  };
  static const gchar *names[] = { "RGBx", "RGBA", "RGB" };
  guint c, f, init, s;

  for (c = 0; c < G_N_ELEMENTS (cols); c++) {
    for (f = 0; f < G_N_ELEMENTS (names); f++) {
      const Fmt *fmt = fmt_get (names[f]);

      for (init = 0; init < 2; init++) {
        for (s = 0; s < 2; s++) {
          GstHarness *h = harness_new (fmt, 20, 15);
          guint32 uni[3] = { cols[c], cols[c], cols[c] };
          Image *img = image_new_regions (20, 15, 0, uni, NULL);

          g_object_set (h->element, "k", 5, "init", init, "sample-size",
              s ? 0 : 65536, NULL);
          check_process (h, fmt, img, img, "uniform, k=5");
          check_process (h, fmt, img, img, "uniform, k=5, frame 2");
          gst_harness_teardown (h);
          image_free (img);
        }
      }
    }
  }

  /* two colours at k=5 */
  {
    const Fmt *fmt = fmt_get ("RGBx");
    GstHarness *h = harness_new (fmt, 20, 15);
    guint32 two[3] = { cols[0], cols[1], cols[1] };
    Image *img = image_new_regions (20, 15, 0, two, NULL);

    g_object_set (h->element, "k", 5, NULL);
    check_process (h, fmt, img, img, "2 colours, k=5");
    gst_harness_teardown (h);
    image_free (img);
  }
}

GST_END_TEST;

GST_START_TEST (test_caps_change)
{
  const Fmt *rgbx = fmt_get ("RGBx");
  const Fmt *bgra = fmt_get ("BGRA");
  GstHarness *h = harness_new (rgbx, 64, 48);
  Image *a1 = image_new_regions (64, 48, 0, xyz, NULL);
  Image *a2 = image_new_regions (64, 48, 1, xyz2, NULL);
  Image *b = image_new_regions (33, 17, 0, xyz2, NULL);
  Image *exp;
  gint i;

  check_xyz_luma ();
  g_object_set (h->element, "mask-cluster", 1, NULL);

  exp = expect_masked (a1, xyz[1]);
  check_process (h, rgbx, a1, exp, "RGBx, frame 1");
  image_free (exp);
  /* warm start across frames of the same caps */
  exp = expect_masked (a2, xyz2[1]);
  check_process (h, rgbx, a2, exp, "RGBx, frame 2");
  image_free (exp);

  /* new caps: a fresh start, numbered by luma; the mask's alpha (0xff)
   * is written on masked pixels only */
  harness_set_format (h, bgra, 33, 17);
  exp = expect_masked (b, xyz2[0]);
  for (i = 0; i < b->w * b->h; i++)
    if (b->rgb[i] == xyz2[0])
      exp->extra[i] = 0xff;
  check_process (h, bgra, b, exp, "BGRA after caps change");
  check_process (h, bgra, b, exp, "BGRA, frame 2");
  image_free (exp);

  /* and back: afresh again, X < Y < Z, so Y is 1 (warm from
   * Y' < X' < Z', X would be) */
  harness_set_format (h, rgbx, 64, 48);
  exp = expect_masked (a1, xyz[1]);
  check_process (h, rgbx, a1, exp, "RGBx again");
  image_free (exp);
  exp = expect_masked (a2, xyz2[1]);
  check_process (h, rgbx, a2, exp, "RGBx again, frame 2");
  image_free (exp);

  /* same format, new size: afresh too, X' is 1 (warm, Y' would be) */
  harness_set_format (h, rgbx, 33, 17);
  exp = expect_masked (b, xyz2[0]);
  check_process (h, rgbx, b, exp, "RGBx 33x17");
  image_free (exp);

  image_free (a1);
  image_free (a2);
  image_free (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_short_buffer)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 16, 16);
  GstBus *bus = gst_bus_new ();
  Image *img = image_new_noisy (16, 16, 5, 0, 255);
  GstBuffer *full = image_to_buffer (img, fmt, 0);
  GstBuffer *buf;
  GstMessage *msg;
  GError *err = NULL;
  gsize size = gst_buffer_get_size (full) - 4 * 16 - 1;

  gst_element_set_bus (h->element, bus);

  /* a buffer a row and a byte short of what the caps say: a stream error,
   * with an ERROR message, and nothing goes downstream */
  buf = gst_buffer_copy_region (full, GST_BUFFER_COPY_ALL, 0, size);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR message about the short buffer");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT), "unexpected error: %s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  /* the element is not left broken: a whole frame is processed */
  {
    Image *res = process (h, fmt, img);
    guint32 pal[4];

    fail_unless_equals_int (count_distinct (res, pal, 3), 3);
    image_free (res);
  }

  gst_buffer_unref (full);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
push_flush (GstHarness * h)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

GST_START_TEST (test_flush_resets_warm_start)
{
  const Fmt *fmt = fmt_get ("xRGB");
  GstHarness *h = harness_new (fmt, 48, 32);
  Image *f1 = image_new_regions (48, 32, 0, xyz, NULL);
  Image *f2 = image_new_regions (48, 32, 1, xyz2, NULL);
  Image *exp;
  GstEvent *ev;

  check_xyz_luma ();
  g_object_set (h->element, "mask-cluster", 1, NULL);

  exp = expect_masked (f1, xyz[1]);
  check_process (h, fmt, f1, exp, "frame 1");
  image_free (exp);
  exp = expect_masked (f2, xyz2[1]);
  check_process (h, fmt, f2, exp, "frame 2, warm");
  image_free (exp);

  push_flush (h);
  /* the flush went downstream */
  while ((ev = gst_harness_try_pull_event (h))) {
    gboolean stop = GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP;

    gst_event_unref (ev);
    if (stop)
      break;
  }
  fail_unless (ev != NULL, "no FLUSH_STOP downstream");

  exp = expect_masked (f2, xyz2[0]);
  check_process (h, fmt, f2, exp, "after flush: by luma");
  image_free (exp);

  image_free (f1);
  image_free (f2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_property_stress)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 16, 12);
  Image *img = image_new_noisy (16, 12, 99, 40, 220);
  GObjectClass *klass = G_OBJECT_GET_CLASS (h->element);
  GstHarnessThread *threads[10];
  GValue v = G_VALUE_INIT;
  guint n_threads = 0, i;
  gint p;

  g_value_init (&v, G_TYPE_UINT);
  g_value_set_uint (&v, 2);
  threads[n_threads++] = gst_harness_stress_property_start_full (h, "k", &v,
      50);
  g_value_set_uint (&v, 6);
  threads[n_threads++] = gst_harness_stress_property_start_full (h, "k", &v,
      50);
  g_value_unset (&v);

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 1);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "mask-cluster", &v, 50);
  g_value_set_int (&v, 4);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "mask-cluster", &v, 50);
  g_value_unset (&v);

  g_value_init (&v, g_object_class_find_property (klass, "mode")->value_type);
  g_value_set_enum (&v, MODE_POSTERIZE);
  threads[n_threads++] = gst_harness_stress_property_start_full (h, "mode",
      &v, 50);
  g_value_set_enum (&v, MODE_ORIGINAL);
  threads[n_threads++] = gst_harness_stress_property_start_full (h, "mode",
      &v, 50);
  g_value_unset (&v);

  g_value_init (&v, G_TYPE_BOOLEAN);
  g_value_set_boolean (&v, FALSE);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "warm-start", &v, 50);
  g_value_set_boolean (&v, TRUE);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "warm-start", &v, 50);
  g_value_unset (&v);

  /* 0: one per core; 3 is more than some bands have rows */
  g_value_init (&v, G_TYPE_UINT);
  g_value_set_uint (&v, 0);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "n-threads", &v, 50);
  g_value_set_uint (&v, 3);
  threads[n_threads++] = gst_harness_stress_property_start_full (h,
      "n-threads", &v, 50);
  g_value_unset (&v);

  for (i = 0; i < 300; i++) {
    Image *res = process (h, fmt, img);
    gint bad = -1;

    /* whatever the settings, a pixel is its input (original), black
     * (masked) or a centroid, which lies within the input's range */
    for (p = 0; p < img->w * img->h; p++) {
      guint32 c = res->rgb[p];
      gboolean ok = c == img->rgb[p] || c == 0 ||
          (CH_R (c) >= 40 && CH_R (c) <= 220 && CH_G (c) >= 40 &&
          CH_G (c) <= 220 && CH_B (c) >= 40 && CH_B (c) <= 220);

      if ((!ok || res->extra[p] != img->extra[p]) && bad < 0)
        bad = p;
    }
    fail_unless (bad < 0, "frame %u: pixel %d is %06x/%02x", i, bad,
        bad < 0 ? 0 : res->rgb[bad], bad < 0 ? 0 : res->extra[bad]);
    image_free (res);
  }

  for (i = 0; i < n_threads; i++)
    fail_unless (gst_harness_stress_thread_stop (threads[i]) > 0);

  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_defaults)
{
  GstElement *e = gst_element_factory_make ("kmeansseg", NULL);
  GObjectClass *klass;
  GParamSpec *pspec;
  guint k, max_iters, mask_color, seed, sample_size, i;
  gint mask_cluster, mode, init;
  gdouble tolerance;
  gboolean warm_start;
  GEnumValue *ev;
  static const gchar *props[] = { "k", "max-iters", "tolerance",
    "mask-cluster", "mask-color", "mode", "warm-start", "init", "seed",
    "sample-size"
  };

  fail_unless (e != NULL);
  g_object_get (e, "k", &k, "max-iters", &max_iters, "tolerance", &tolerance,
      "mask-cluster", &mask_cluster, "mask-color", &mask_color, "mode", &mode,
      "warm-start", &warm_start, "init", &init, "seed", &seed,
      "sample-size", &sample_size, NULL);
  fail_unless_equals_int (k, 3);
  fail_unless_equals_int (max_iters, 20);
  fail_unless_equals_float (tolerance, 0.5);
  fail_unless_equals_int (mask_cluster, -1);
  fail_unless_equals_uint64 (mask_color, 0xff000000);
  fail_unless_equals_int (warm_start, TRUE);
  fail_unless_equals_int (seed, 42);
  fail_unless_equals_int (sample_size, 65536);

  klass = G_OBJECT_GET_CLASS (e);
  pspec = g_object_class_find_property (klass, "mode");
  ev = g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (pspec->value_type)),
      mode);
  fail_unless (ev != NULL);
  fail_unless_equals_string (ev->value_nick, "posterize");
  fail_unless (g_enum_get_value_by_nick (G_ENUM_CLASS (g_type_class_peek
              (pspec->value_type)), "original") != NULL);
  pspec = g_object_class_find_property (klass, "init");
  ev = g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (pspec->value_type)),
      init);
  fail_unless (ev != NULL);
  fail_unless_equals_string (ev->value_nick, "kmeans-pp");
  fail_unless (g_enum_get_value_by_nick (G_ENUM_CLASS (g_type_class_peek
              (pspec->value_type)), "random") != NULL);

  /* the ranges a user can set */
  pspec = g_object_class_find_property (klass, "k");
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->minimum, 1);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->maximum, 256);
  pspec = g_object_class_find_property (klass, "mask-cluster");
  fail_unless_equals_int (G_PARAM_SPEC_INT (pspec)->minimum, -1);
  fail_unless_equals_int (G_PARAM_SPEC_INT (pspec)->maximum, 255);

  /* every property may change while playing, and says what it is */
  for (i = 0; i < G_N_ELEMENTS (props); i++) {
    pspec = g_object_class_find_property (klass, props[i]);
    fail_unless (pspec != NULL, "no property %s", props[i]);
    fail_unless ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
    fail_unless (pspec->flags & GST_PARAM_MUTABLE_PLAYING, "%s", props[i]);
    fail_unless (g_param_spec_get_blurb (pspec) != NULL &&
        strlen (g_param_spec_get_blurb (pspec)) > 0, "%s", props[i]);
  }

  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_max_iters_zero_keeps_centroids)
{
  const Fmt *fmt = fmt_get ("RGB");
  GstHarness *h = harness_new (fmt, 40, 30);
  Image *f1 = image_new_regions (40, 30, 0, xyz, NULL);
  Image *f2 = image_new_regions (40, 30, 1, xyz2, NULL);
  Image *f3;
  Image *exp;
  guint32 shifted[3] = { RGB (190, 10, 5), RGB (10, 160, 10),
    RGB (240, 245, 250)
  };

  /* exact nearest labels, ties to the lower index: no hysteresis */
  g_object_set (h->element, "hysteresis", 0.0, NULL);
  check_process (h, fmt, f1, f1, "frame 1");

  /* the centroids stay put: frame 2 is painted with frame 1's palette */
  g_object_set (h->element, "max-iters", 0, NULL);
  exp = image_map (f2, xyz2, xyz, 3);
  check_process (h, fmt, f2, exp, "max-iters=0, frame 2");
  image_free (exp);

  f3 = image_new_regions (40, 30, 0, shifted, NULL);
  exp = image_map (f3, shifted, xyz, 3);
  check_process (h, fmt, f3, exp, "max-iters=0, frame 3");
  image_free (exp);

  /* iterating again, the centroids follow the input */
  g_object_set (h->element, "max-iters", 20, NULL);
  check_process (h, fmt, f2, f2, "max-iters=20, frame 4");

  image_free (f1);
  image_free (f2);
  image_free (f3);
  gst_harness_teardown (h);

  /* a pixel as near to two colours takes the lower-numbered one */
  {
    guint32 ab[3] = { RGB (10, 10, 10), RGB (30, 30, 30), RGB (30, 30, 30) };
    guint32 tie[3] = { RGB (10, 10, 10), RGB (20, 20, 20), RGB (30, 30, 30) };
    guint32 to[3] = { RGB (10, 10, 10), RGB (10, 10, 10), RGB (30, 30, 30) };

    h = harness_new (fmt, 40, 30);
    g_object_set (h->element, "k", 2, "hysteresis", 0.0, NULL);
    f1 = image_new_regions (40, 30, 0, ab, NULL);
    check_process (h, fmt, f1, f1, "two colours");
    g_object_set (h->element, "max-iters", 0, NULL);
    f2 = image_new_regions (40, 30, 1, tie, NULL);
    exp = image_map (f2, tie, to, 3);
    check_process (h, fmt, f2, exp, "tie");
    image_free (exp);
    image_free (f1);
    image_free (f2);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_shared_input_untouched)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 32, 24);
  guint counts[4];
  Image *img = image_new_regions (32, 24, 0, three, counts);
  GstBuffer *in = image_to_buffer (img, fmt, 0);
  GstBuffer *out;
  Image *res, *exp;
  guint32 merged = weighted_mean (three[0], counts[0], three[1], counts[1]);
  guint32 to[3] = { merged, merged, three[2] };

  g_object_set (h->element, "k", 2, NULL);
  /* we keep a reference: the element must not write into our buffer */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  fail_unless (out != in);

  exp = image_map (img, three, to, 3);
  res = image_from_buffer (out, fmt, 32, 24);
  assert_image_eq (res, exp, TRUE, "output of a shared buffer");
  image_free (res);
  res = image_from_buffer (in, fmt, 32, 24);
  assert_image_eq (res, img, TRUE, "the shared input");
  image_free (res);

  image_free (exp);
  image_free (img);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static guint
dist2 (guint32 a, guint32 b)
{
  gint dr = (gint) CH_R (a) - (gint) CH_R (b);
  gint dg = (gint) CH_G (a) - (gint) CH_G (b);
  gint db = (gint) CH_B (a) - (gint) CH_B (b);

  return dr * dr + dg * dg + db * db;
}

GST_START_TEST (test_posterize_nearest_colour)
{
  static const guint ks[] = { 2, 5, 16, 256 };
  static const guint samples[] = { 65536, 0 };
  const Fmt *fmt = fmt_get ("ABGR");
  Image *img = image_new_noisy (40, 30, 4321, 0, 255);
  guint i, s;

  for (i = 0; i < G_N_ELEMENTS (ks); i++) {
    for (s = 0; s < G_N_ELEMENTS (samples); s++) {
      GstHarness *h = harness_new (fmt, 40, 30);
      guint32 *pal = g_new (guint32, 1201);
      Image *res;
      guint n, j;
      gint p, bad = -1;

      g_object_set (h->element, "k", ks[i], "sample-size", samples[s], NULL);
      res = process (h, fmt, img);
      n = count_distinct (res, pal, 1200);
      fail_unless (n >= MIN (ks[i], 2) && n <= ks[i], "%u colours at k=%u",
          n, ks[i]);

      /* every pixel takes the colour, among those painted, nearest to its
       * own; the alpha stays */
      for (p = 0; p < img->w * img->h && bad < 0; p++) {
        guint d = dist2 (img->rgb[p], res->rgb[p]);

        if (res->extra[p] != img->extra[p])
          bad = p;
        for (j = 0; j < n && bad < 0; j++)
          if (dist2 (img->rgb[p], pal[j]) < d)
            bad = p;
      }
      fail_unless (bad < 0, "k=%u: pixel %d (%06x) painted %06x, not the "
          "nearest colour", ks[i], bad, bad < 0 ? 0 : img->rgb[bad],
          bad < 0 ? 0 : res->rgb[bad]);
      g_free (pal);
      image_free (res);
      gst_harness_teardown (h);
    }
  }
  image_free (img);
}

GST_END_TEST;

GST_START_TEST (test_unsupported_format)
{
  GstHarness *h = gst_harness_new ("kmeansseg");
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16 * 16 * 2, NULL);

  /* 16-bit RGB is not in the templates */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB16,width=16,"
      "height=16,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_n_threads_property)
{
  GstElement *e = gst_element_factory_make ("kmeansseg", NULL);
  GParamSpec *pspec;
  guint n, i;
  static const guint values[] = { 0, 64, 7, 1 };

  fail_unless (e != NULL);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "n-threads");
  fail_unless (pspec != NULL, "no property n-threads");
  fail_unless (pspec->value_type == G_TYPE_UINT);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->default_value, 1);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->minimum, 0);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->maximum, 64);
  fail_unless ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
  fail_unless (pspec->flags & GST_PARAM_MUTABLE_PLAYING);
  fail_unless (g_param_spec_get_blurb (pspec) != NULL &&
      strlen (g_param_spec_get_blurb (pspec)) > 0);

  g_object_get (e, "n-threads", &n, NULL);
  fail_unless_equals_int (n, 1);
  for (i = 0; i < G_N_ELEMENTS (values); i++) {
    g_object_set (e, "n-threads", values[i], NULL);
    g_object_get (e, "n-threads", &n, NULL);
    fail_unless_equals_int (n, values[i]);
  }
  gst_object_unref (e);
}

GST_END_TEST;

/* A noisy frame sequence through one element per n-threads: every output
 * is the one thread's, byte for byte (padding included) */
GST_START_TEST (test_n_threads_identical)
{
  static const struct
  {
    const gchar *format;
    gint w, h;
    gint stride;                /* 0: default */
  } cases[] = {
    {"RGBx", 97, 61, 0},
    {"RGB", 97, 61, 97 * 3 + 5},
    {"BGRA", 33, 17, 33 * 4 + 8},
    {"RGB", 5, 3, 0},
    {"ARGB", 1, 1, 0},
  };
  /* 0: one per core */
  static const guint threads[] = { 1, 2, 0, 3 };
  const guint n_frames = 5;
  guint i, t, f;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const Fmt *fmt = fmt_get (cases[i].format);
    const gint w = cases[i].w, ht = cases[i].h;
    GstHarness *h[G_N_ELEMENTS (threads)];

    for (t = 0; t < G_N_ELEMENTS (threads); t++) {
      h[t] = harness_new (fmt, w, ht);
      g_object_set (h[t]->element, "k", 6, "n-threads", threads[t], NULL);
    }
    for (f = 0; f < n_frames; f++) {
      Image *img = image_new_noisy (w, ht, 1000 * i + f, 0, 255);
      Image *ref = NULL;

      for (t = 0; t < G_N_ELEMENTS (threads); t++) {
        Image *res;

        /* from frame 2 on, mask a cluster; frame 4: exact fit */
        if (f == 2)
          g_object_set (h[t]->element, "mask-cluster", 2, "mask-color",
              0x40102030, NULL);
        if (f == 4)
          g_object_set (h[t]->element, "sample-size", 0, "mode",
              MODE_ORIGINAL, NULL);
        res = process_stride (h[t], fmt, img, cases[i].stride);
        if (!ref) {
          guint32 pal[7];
          guint n = count_distinct (res, pal, 6);

          /* a segmentation, not the input (1x1 has one colour) */
          if (f != 4)
            fail_unless (n >= MIN (2, w * ht) && n <= 6, "%s %dx%d frame "
                "%u: %u colours at k=6", fmt->name, w, ht, f, n);
          ref = res;
        } else {
          gchar *what = g_strdup_printf ("%s %dx%d frame %u, n-threads %u "
              "vs 1", fmt->name, w, ht, f, threads[t]);

          assert_image_eq (res, ref, fmt->bpp == 4, what);
          g_free (what);
          image_free (res);
        }
      }
      image_free (ref);
      image_free (img);
    }
    for (t = 0; t < G_N_ELEMENTS (threads); t++)
      gst_harness_teardown (h[t]);
  }
}

GST_END_TEST;

/* n-threads changed between frames of a running stream: the same output
 * as an element that keeps one thread, and the warm start carries on */
GST_START_TEST (test_n_threads_change_streaming)
{
  static const gchar *names[] = { "RGBx", "RGB" };
  static const guint seq[] = { 2, 0, 5, 1, 64, 3, 0, 2 };
  guint f, i;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const Fmt *fmt = fmt_get (names[f]);
    GstHarness *var = harness_new (fmt, 64, 45);
    GstHarness *ref = harness_new (fmt, 64, 45);

    g_object_set (var->element, "k", 5, NULL);
    g_object_set (ref->element, "k", 5, NULL);
    for (i = 0; i < G_N_ELEMENTS (seq); i++) {
      Image *img = image_new_noisy (64, 45, 500 + i, 0, 255);
      Image *a, *b;
      gchar *what;
      guint n;

      g_object_set (var->element, "n-threads", seq[i], NULL);
      g_object_get (var->element, "n-threads", &n, NULL);
      fail_unless_equals_int (n, seq[i]);
      a = process (var, fmt, img);
      b = process (ref, fmt, img);
      what = g_strdup_printf ("%s frame %u, n-threads %u", fmt->name, i,
          seq[i]);
      assert_image_eq (a, b, fmt->bpp == 4, what);
      g_free (what);
      image_free (a);
      image_free (b);
      image_free (img);
    }
    gst_harness_teardown (var);
    gst_harness_teardown (ref);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* YUV and grey frames */

#define MODE_LABELS 2

/* The YUV and grey formats of the templates */
static const gchar *yuv_formats[] = {
  "I420", "YV12", "NV12", "NV21", "Y444", "Y42B", "YUY2", "UYVY", "GRAY8"
};

/* A YUV or grey frame as its samples: Y for every pixel, U and V for
 * every chroma sample of the format's subsampling. Frames are packed into
 * buffers and read back through GStreamer's description of the format
 * (GstVideoFormatInfo), not through the element's tables. */
typedef struct
{
  const GstVideoFormatInfo *finfo;
  gint w, h;
  gint cw, ch;                  /* chroma samples across and down */
  gint hs, vs;                  /* log2 of the chroma subsampling */
  guint n_comp;                 /* 3, or 1 for grey */
  guint8 *c[3];                 /* Y (w x h), U and V (cw x ch) */
} Yuv;

static Yuv *
yuv_new (const gchar * format, gint w, gint h)
{
  GstVideoFormat f = gst_video_format_from_string (format);
  Yuv *img;
  guint i;

  fail_unless (f != GST_VIDEO_FORMAT_UNKNOWN, "no format %s", format);
  img = g_new0 (Yuv, 1);
  img->finfo = gst_video_format_get_info (f);
  img->w = w;
  img->h = h;
  img->n_comp = GST_VIDEO_FORMAT_INFO_N_COMPONENTS (img->finfo);
  fail_unless (img->n_comp == 1 || img->n_comp == 3);
  if (img->n_comp == 3) {
    img->hs = GST_VIDEO_FORMAT_INFO_W_SUB (img->finfo, 1);
    img->vs = GST_VIDEO_FORMAT_INFO_H_SUB (img->finfo, 1);
    img->cw = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (img->finfo, 1, w);
    img->ch = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (img->finfo, 1, h);
  }
  img->c[0] = g_new0 (guint8, w * h);
  for (i = 1; i < img->n_comp; i++)
    img->c[i] = g_new0 (guint8, img->cw * img->ch);
  return img;
}

static const gchar *
yuv_name (const Yuv * img)
{
  return GST_VIDEO_FORMAT_INFO_NAME (img->finfo);
}

/* Samples of channel @i across and down */
static void
yuv_plane_size (const Yuv * img, guint i, gint * sw, gint * sh)
{
  *sw = i == 0 ? img->w : img->cw;
  *sh = i == 0 ? img->h : img->ch;
}

static Yuv *
yuv_copy (const Yuv * src)
{
  Yuv *img = yuv_new (yuv_name (src), src->w, src->h);
  guint i;

  for (i = 0; i < src->n_comp; i++) {
    gint sw, sh;

    yuv_plane_size (src, i, &sw, &sh);
    memcpy (img->c[i], src->c[i], sw * sh);
  }
  return img;
}

static void
yuv_free (Yuv * img)
{
  guint i;

  for (i = 0; i < 3; i++)
    g_free (img->c[i]);
  g_free (img);
}

/* Channel @i of pixel (x, y): chroma from the sample the pixel uses */
static guint8
yuv_pix (const Yuv * img, guint i, gint x, gint y)
{
  if (i == 0)
    return img->c[0][y * img->w + x];
  return img->c[i][(y >> img->vs) * img->cw + (x >> img->hs)];
}

/* Where the planes of a buffer lie */
typedef struct
{
  gsize offset[GST_VIDEO_MAX_PLANES];
  gint stride[GST_VIDEO_MAX_PLANES];
  gsize size;
} Layout;

/* The default layout (@pad 0), or every stride @pad bytes longer than
 * the default, with @pad bytes between the planes and a few at the end */
static void
yuv_layout (const Yuv * img, gint pad, Layout * l)
{
  GstVideoInfo info;
  gsize off = 0;
  guint p;

  fail_unless (gst_video_info_set_format (&info,
          GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo), img->w, img->h));
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (&info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    gint rows;

    gst_video_format_info_component (img->finfo, p, comp);
    rows = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (img->finfo, comp[0], img->h);
    if (pad == 0) {
      l->offset[p] = GST_VIDEO_INFO_PLANE_OFFSET (&info, p);
      l->stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (&info, p);
    } else {
      l->offset[p] = off;
      l->stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (&info, p) + pad;
      off += (gsize) l->stride[p] * rows + pad;
    }
  }
  l->size = pad == 0 ? GST_VIDEO_INFO_SIZE (&info) : off + 13;
}

/* The byte of sample (sx, sy) of channel @i */
static gsize
yuv_sample_pos (const Yuv * img, const Layout * l, guint i, gint sx, gint sy)
{
  const GstVideoFormatInfo *f = img->finfo;
  guint p = GST_VIDEO_FORMAT_INFO_PLANE (f, i);

  return l->offset[p] + GST_VIDEO_FORMAT_INFO_POFFSET (f, i) +
      (gsize) sy *l->stride[p] + (gsize) sx *GST_VIDEO_FORMAT_INFO_PSTRIDE (f,
      i);
}

/* Packs @img; @pad 0: the default layout, else padded strides described
 * by a GstVideoMeta. Every byte that holds no sample is PAD_BYTE. */
static GstBuffer *
yuv_to_buffer (const Yuv * img, gint pad)
{
  GstBuffer *buf;
  GstMapInfo map;
  Layout l;
  guint i;
  gint sx, sy, sw, sh;

  yuv_layout (img, pad, &l);
  buf = gst_buffer_new_allocate (NULL, l.size, NULL);
  if (pad)
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo), img->w, img->h,
        GST_VIDEO_FORMAT_INFO_N_PLANES (img->finfo), l.offset, l.stride);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, map.size);
  for (i = 0; i < img->n_comp; i++) {
    yuv_plane_size (img, i, &sw, &sh);
    for (sy = 0; sy < sh; sy++)
      for (sx = 0; sx < sw; sx++)
        map.data[yuv_sample_pos (img, &l, i, sx, sy)] = img->c[i][sy * sw + sx];
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Unpacks @buf as @format (through its GstVideoMeta if it has one); with
 * @check_pad, checks that every byte that holds no sample is PAD_BYTE */
static Yuv *
yuv_from_buffer (GstBuffer * buf, const gchar * format, gint w, gint h,
    gboolean check_pad)
{
  Yuv *img = yuv_new (format, w, h);
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);
  GstMapInfo map;
  guint8 *used;
  gsize i, n_pad_bad = 0;
  Layout l;
  guint c;
  gint sx, sy, sw, sh;

  if (meta) {
    fail_unless_equals_int (meta->format,
        GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo));
    fail_unless_equals_int (meta->width, w);
    fail_unless_equals_int (meta->height, h);
    for (c = 0; c < meta->n_planes; c++) {
      l.offset[c] = meta->offset[c];
      l.stride[c] = meta->stride[c];
    }
  } else {
    yuv_layout (img, 0, &l);
  }

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  /* without a meta, the buffer is the frame, as the caps say */
  if (!meta)
    fail_unless (map.size == l.size, "%s %dx%d: a buffer of %" G_GSIZE_FORMAT
        " bytes, not %" G_GSIZE_FORMAT, format, w, h, map.size, l.size);
  used = g_new0 (guint8, map.size);
  for (c = 0; c < img->n_comp; c++) {
    yuv_plane_size (img, c, &sw, &sh);
    for (sy = 0; sy < sh; sy++) {
      for (sx = 0; sx < sw; sx++) {
        gsize pos = yuv_sample_pos (img, &l, c, sx, sy);

        fail_unless (pos < map.size, "%s %dx%d: sample beyond the buffer",
            format, w, h);
        img->c[c][sy * sw + sx] = map.data[pos];
        used[pos] = 1;
      }
    }
  }
  if (check_pad) {
    for (i = 0; i < map.size; i++)
      if (!used[i] && map.data[i] != PAD_BYTE)
        n_pad_bad++;
  }
  g_free (used);
  gst_buffer_unmap (buf, &map);
  fail_unless (n_pad_bad == 0, "%" G_GSIZE_FORMAT " bytes outside the "
      "samples were written (%s %dx%d)", n_pad_bad, format, w, h);
  return img;
}

/* Every sample compared; one assertion, with the first difference */
static void
yuv_assert_eq (const Yuv * got, const Yuv * exp, const gchar * what)
{
  guint i, n_bad = 0, bad_c = 0;
  gint sw, sh, s, bad = -1;

  fail_unless (got->w == exp->w && got->h == exp->h &&
      got->n_comp == exp->n_comp);
  for (i = 0; i < got->n_comp; i++) {
    yuv_plane_size (got, i, &sw, &sh);
    for (s = 0; s < sw * sh; s++) {
      if (got->c[i][s] != exp->c[i][s]) {
        if (bad < 0) {
          bad = s;
          bad_c = i;
        }
        n_bad++;
      }
    }
  }
  yuv_plane_size (got, bad_c, &sw, &sh);
  fail_unless (bad < 0, "%s (%s %dx%d): %u samples differ, first %c at "
      "(%d,%d): got %u, expected %u", what, yuv_name (got), got->w, got->h,
      n_bad, "YUV"[bad_c], bad < 0 ? 0 : bad % sw, bad < 0 ? 0 : bad / sw,
      bad < 0 ? 0 : got->c[bad_c][bad], bad < 0 ? 0 : exp->c[bad_c][bad]);
}

static void
harness_set_yuv (GstHarness * h, const gchar * format, gint w, gint ht,
    const gchar * extra)
{
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1%s%s", format, w, ht, extra ? "," : "",
      extra ? extra : "");

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

static GstHarness *
harness_new_yuv (const gchar * format, gint w, gint ht, const gchar * extra)
{
  GstHarness *h = gst_harness_new ("kmeansseg");

  harness_set_yuv (h, format, w, ht, extra);
  return h;
}

/* Pushes @img (strides padded by @pad), returns what comes out, read as
 * @out_format (NULL: the input's). Only a buffer written in place has
 * known padding to check. */
static Yuv *
yuv_process_full (GstHarness * h, const Yuv * img, gint pad,
    const gchar * out_format, gboolean check_pad)
{
  GstBuffer *out;
  Yuv *res;

  fail_unless_equals_int (gst_harness_push (h, yuv_to_buffer (img, pad)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  res = yuv_from_buffer (out, out_format ? out_format : yuv_name (img),
      img->w, img->h, check_pad);
  gst_buffer_unref (out);
  return res;
}

static Yuv *
yuv_process (GstHarness * h, const Yuv * img, gint pad)
{
  return yuv_process_full (h, img, pad, NULL, TRUE);
}

static void
yuv_check_process (GstHarness * h, const Yuv * img, gint pad,
    const Yuv * exp, const gchar * what)
{
  Yuv *res = yuv_process (h, img, pad);
  gchar *msg = g_strdup_printf ("%s, stride padding %d", what, pad);

  yuv_assert_eq (res, exp, msg);
  g_free (msg);
  yuv_free (res);
}

/* ------------------------------------------------------------------ */
/* What the element should write on a YUV frame, from a label map */

#define MAX_LABELS 8

/* Y of every pixel from its label's colour; each chroma sample from the
 * colour of the first pixel it covers (how the input is made, not what
 * the element does) */
static Yuv *
yuv_new_labels (const gchar * format, gint w, gint h, const guint8 * lab,
    const guint8 cols[][3])
{
  Yuv *img = yuv_new (format, w, h);
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      img->c[0][y * w + x] = cols[lab[y * w + x]][0];
  if (img->n_comp == 3) {
    for (y = 0; y < img->ch; y++) {
      for (x = 0; x < img->cw; x++) {
        guint8 l = lab[(y << img->vs) * w + (x << img->hs)];

        img->c[1][y * img->cw + x] = cols[l][1];
        img->c[2][y * img->cw + x] = cols[l][2];
      }
    }
  }
  return img;
}

/* Squared distance of pixel (x, y), with the chroma sample it uses, to a
 * colour */
static guint
yuv_dist2 (const Yuv * img, gint x, gint y, const guint8 * c)
{
  guint i, d = 0;

  for (i = 0; i < img->n_comp; i++) {
    gint e = (gint) yuv_pix (img, i, x, y) - c[i];

    d += e * e;
  }
  return d;
}

/* The rounded mean of each channel over each label's pixels (each pixel
 * with the chroma sample it uses): the colours a converged fit on this
 * label map paints */
static void
model_centroids (const Yuv * img, const guint8 * lab, guint k, guint8 cent[][3])
{
  guint64 s[MAX_LABELS][3], n[MAX_LABELS];
  guint l, i;
  gint x, y;

  fail_unless (k <= MAX_LABELS);
  memset (s, 0, sizeof (s));
  memset (n, 0, sizeof (n));
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      l = lab[y * img->w + x];
      fail_unless (l < k);
      n[l]++;
      for (i = 0; i < img->n_comp; i++)
        s[l][i] += yuv_pix (img, i, x, y);
    }
  }
  for (l = 0; l < k; l++) {
    fail_unless (n[l] > 0, "label %u has no pixel", l);
    for (i = 0; i < 3; i++)
      cent[l][i] = i < img->n_comp ? (2 * s[l][i] + n[l]) / (2 * n[l]) : 0;
  }
}

/* The test's own picture of the fit must hold: every pixel strictly
 * nearest its label's centroid, and the labels numbered by luma (Y) */
static void
model_check (const Yuv * img, const guint8 * lab, guint k, guint8 cent[][3])
{
  guint l;
  gint x, y;

  for (l = 1; l < k; l++)
    fail_unless (cent[l - 1][0] < cent[l][0], "test model: labels not in "
        "luma order");
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      guint own = lab[y * img->w + x];
      guint d = yuv_dist2 (img, x, y, cent[own]);

      for (l = 0; l < k; l++)
        fail_unless (l == own || yuv_dist2 (img, x, y, cent[l]) > d,
            "test model: pixel (%d,%d) is not nearest its label %u", x, y, own);
    }
  }
}

/* Each pixel's nearest of @k colours, ties to the lower index */
static guint8 *
model_assign (const Yuv * img, guint k, guint8 cols[][3])
{
  guint8 *lab = g_new (guint8, img->w * img->h);
  gint x, y;
  guint l;

  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      guint best = 0, bd = yuv_dist2 (img, x, y, cols[0]);

      for (l = 1; l < k; l++) {
        guint d = yuv_dist2 (img, x, y, cols[l]);

        if (d < bd) {
          bd = d;
          best = l;
        }
      }
      lab[y * img->w + x] = best;
    }
  }
  return lab;
}

/* The label that holds most of the pixels a chroma sample covers, ties
 * to the first in raster order */
static guint
model_chroma_label (const Yuv * img, const guint8 * lab, gint sx, gint sy)
{
  guint count[MAX_LABELS] = { 0, };
  guint8 order[4] = { 0, };
  guint n = 0, j, best;
  gint x, y;

  for (y = sy << img->vs; y < MIN (img->h, (sy + 1) << img->vs); y++)
    for (x = sx << img->hs; x < MIN (img->w, (sx + 1) << img->hs); x++)
      order[n++] = lab[y * img->w + x];
  for (j = 0; j < n; j++)
    count[order[j]]++;
  best = order[0];
  for (j = 1; j < n; j++)
    if (count[order[j]] > count[best])
      best = order[j];
  return best;
}

/* @in with the pixels of each label that @writes painted @val: Y per
 * pixel, a chroma sample from its majority label */
static Yuv *
model_paint (const Yuv * in, const guint8 * lab, guint8 val[][3],
    const gboolean * writes)
{
  Yuv *out = yuv_copy (in);
  gint x, y;

  for (y = 0; y < in->h; y++) {
    for (x = 0; x < in->w; x++) {
      guint l = lab[y * in->w + x];

      if (writes[l])
        out->c[0][y * in->w + x] = val[l][0];
    }
  }
  if (in->n_comp == 3) {
    for (y = 0; y < in->ch; y++) {
      for (x = 0; x < in->cw; x++) {
        guint l = model_chroma_label (in, lab, x, y);

        if (writes[l]) {
          out->c[1][y * in->cw + x] = val[l][1];
          out->c[2][y * in->cw + x] = val[l][2];
        }
      }
    }
  }
  return out;
}

static const gboolean write_all[MAX_LABELS] = {
  TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE
};

/* Three regions, A on the left, B above and C below on the right, with
 * borders on even coordinates: no chroma sample is shared */
static guint8 *
labels_regions (gint w, gint h, gint x0, gint y0)
{
  guint8 *lab = g_new (guint8, w * h);
  gint x, y;

  fail_unless (x0 % 2 == 0 && y0 % 2 == 0);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      lab[y * w + x] = x < x0 ? 0 : (y < y0 ? 1 : 2);
  return lab;
}

#define LAB(lab, w, x, y) ((lab)[(y) * (w) + (x)])

/* The regions of labels_regions (w, h, 6, 6), with pixels of other
 * labels where chroma samples straddle clusters. In 2x2 blocks (4:2:0),
 * with the chroma the element must write; in pairs (4:2:2), the left
 * pixel's label wins every 1-1 split:
 *   B A / A A -> A (3-1, minority top-left)   A A / A B -> A (3-1)
 *   A A / B B -> A (2-2 tie: top-left)        B A / B A -> B (tie)
 *   A B / B A -> A (diagonal tie)             C A / B B -> B (2-1-1)
 *   C A / C C -> C                            C B / B B -> B (1-3)
 * and on 33x17 the partial samples of the last column and row. */
static guint8 *
labels_straddling (gint w, gint h)
{
  guint8 *lab = labels_regions (w, h, 6, 6);

  fail_unless (w >= 16 && h >= 12);
  LAB (lab, w, 0, 0) = 1;
  LAB (lab, w, 3, 1) = 1;
  LAB (lab, w, 4, 3) = LAB (lab, w, 5, 3) = 1;
  LAB (lab, w, 2, 4) = LAB (lab, w, 2, 5) = 1;
  LAB (lab, w, 1, 4) = LAB (lab, w, 0, 5) = 1;
  LAB (lab, w, 8, 0) = 2;
  LAB (lab, w, 9, 0) = 0;
  LAB (lab, w, 11, 6) = 0;
  LAB (lab, w, 13, 8) = LAB (lab, w, 12, 9) = LAB (lab, w, 13, 9) = 1;
  if (w == 33 && h == 17) {
    /* A over B in the last column; C A in the last row; a lone B in the
     * corner */
    LAB (lab, w, 32, 0) = 0;
    LAB (lab, w, 7, 16) = 0;
    LAB (lab, w, 32, 16) = 1;
  }
  return lab;
}

/* Colours (Y, U, V) in luma order. Y lies far apart and chroma close, so
 * a pixel with another label's chroma sample stays nearest its own
 * label's colour. */
static const guint8 abc[3][3] = {
  {30, 110, 140}, {130, 140, 110}, {230, 100, 150}
};

/* A and B close (they merge at k=2), C far */
static const guint8 abc_merge[3][3] = {
  {60, 100, 150}, {72, 108, 141}, {200, 150, 90}
};

/* ------------------------------------------------------------------ */
/* Tests of the YUV and grey formats */

/* The regions of @lab in the colours of abc: unchanged at k=3 */
static void
check_yuv_identity (const gchar * format, gint w, gint ht, const guint8 * lab,
    gint pad)
{
  Yuv *img = yuv_new_labels (format, w, ht, lab, abc);
  GstHarness *h = harness_new_yuv (format, w, ht, NULL);

  yuv_check_process (h, img, pad, img, "3 colours at k=3");
  yuv_check_process (h, img, pad, img, "3 colours at k=3, frame 2");
  gst_harness_teardown (h);
  yuv_free (img);
}

/* The regions of @lab in the colours of abc_merge: at k=2, A and B take
 * their pixel-weighted mean */
static void
check_yuv_merge (const gchar * format, gint w, gint ht, const guint8 * lab,
    gint pad)
{
  Yuv *img = yuv_new_labels (format, w, ht, lab, abc_merge);
  guint8 *lab2 = g_new (guint8, w * ht);
  guint8 cent[3][3];
  GstHarness *h;
  Yuv *exp;
  gint i;

  /* A and B: label 0, C: label 1 */
  for (i = 0; i < w * ht; i++)
    lab2[i] = lab[i] == 2 ? 1 : 0;
  model_centroids (img, lab2, 2, cent);
  model_check (img, lab2, 2, cent);
  /* the regions differ in size: neither colour nor the plain mean */
  fail_unless (cent[0][0] != abc_merge[0][0] &&
      cent[0][0] != abc_merge[1][0] &&
      cent[0][0] != (abc_merge[0][0] + abc_merge[1][0] + 1) / 2,
      "test model: merged Y %u", cent[0][0]);
  exp = model_paint (img, lab2, cent, write_all);

  h = harness_new_yuv (format, w, ht, NULL);
  g_object_set (h->element, "k", 2, NULL);
  yuv_check_process (h, img, pad, exp, "2 close colours merged");
  yuv_check_process (h, img, pad, exp, "2 close colours merged, frame 2");
  gst_harness_teardown (h);
  yuv_free (img);
  yuv_free (exp);
  g_free (lab2);
}

/* Three flat regions come back unchanged at k=3; at k=2 the two close
 * ones take their pixel-weighted mean of Y, U and V. Odd sizes (the last
 * chroma column and row cover one pixel) and padded strides. */
GST_START_TEST (test_yuv_formats_identity_and_merge)
{
  static const struct
  {
    gint w, h, x0, y0, pad;
  } sizes[] = {
    {16, 12, 6, 6, 0},
    {33, 17, 6, 8, 0},
    {33, 17, 6, 8, 7},
  };
  guint f, s;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++) {
    guint8 *lab;

    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      lab = labels_regions (sizes[s].w, sizes[s].h, sizes[s].x0, sizes[s].y0);
      check_yuv_identity (yuv_formats[f], sizes[s].w, sizes[s].h, lab,
          sizes[s].pad);
      check_yuv_merge (yuv_formats[f], sizes[s].w, sizes[s].h, lab,
          sizes[s].pad);
      g_free (lab);
    }

    /* 2x2: one chroma sample for the whole frame (4:2:0), one colour */
    lab = labels_regions (2, 2, 0, 0);
    check_yuv_identity (yuv_formats[f], 2, 2, lab, 0);
    g_free (lab);
  }
}

GST_END_TEST;

/* A chroma sample shared by pixels of several clusters takes the colour
 * of the cluster holding most of them, ties to the first in raster order
 * (4:2:2: the left pixel's) */
GST_START_TEST (test_yuv_chroma_majority)
{
  static const struct
  {
    gint w, h, pad;
  } sizes[] = {
    {16, 12, 0},
    {33, 17, 0},
    {33, 17, 5},
  };
  guint f, s;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++) {
    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      const gint w = sizes[s].w, ht = sizes[s].h;
      guint8 *lab = labels_straddling (w, ht);
      Yuv *img = yuv_new_labels (yuv_formats[f], w, ht, lab, abc);
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, NULL);
      guint8 cent[3][3];
      Yuv *exp;

      model_centroids (img, lab, 3, cent);
      model_check (img, lab, 3, cent);
      /* the cases of labels_straddling, as the model sees them */
      if (img->hs == 1 && img->vs == 1) {
        fail_unless_equals_int (model_chroma_label (img, lab, 0, 0), 0);
        fail_unless_equals_int (model_chroma_label (img, lab, 1, 0), 0);
        fail_unless_equals_int (model_chroma_label (img, lab, 2, 1), 0);
        fail_unless_equals_int (model_chroma_label (img, lab, 1, 2), 1);
        fail_unless_equals_int (model_chroma_label (img, lab, 0, 2), 0);
        fail_unless_equals_int (model_chroma_label (img, lab, 4, 0), 1);
        fail_unless_equals_int (model_chroma_label (img, lab, 5, 3), 2);
        fail_unless_equals_int (model_chroma_label (img, lab, 6, 4), 1);
      } else if (img->hs == 1) {
        fail_unless_equals_int (model_chroma_label (img, lab, 0, 0), 1);
        fail_unless_equals_int (model_chroma_label (img, lab, 1, 1), 0);
        fail_unless_equals_int (model_chroma_label (img, lab, 0, 5), 1);
        fail_unless_equals_int (model_chroma_label (img, lab, 4, 0), 2);
      }
      /* and the clusters' chroma differ, so a wrong rule shows */
      if (img->n_comp == 3)
        fail_unless (cent[0][1] != cent[1][1] && cent[1][1] != cent[2][1]);

      exp = model_paint (img, lab, cent, write_all);
      yuv_check_process (h, img, sizes[s].pad, exp, "straddling chroma");
      gst_harness_teardown (h);
      yuv_free (exp);
      yuv_free (img);
      g_free (lab);
    }
  }
}

GST_END_TEST;

static guint8
round_level (gdouble v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (guint8) floor (v + 0.5);
}

/* 0xAARRGGBB to Y'CbCr with the matrix (Kr, Kb) and range */
static void
argb_to_yuv (guint32 argb, gdouble kr, gdouble kb, gboolean full, guint8 out[3])
{
  gdouble r = CH_R (argb) / 255.0, g = CH_G (argb) / 255.0;
  gdouble b = CH_B (argb) / 255.0;
  gdouble y = kr * r + (1 - kr - kb) * g + kb * b;
  gdouble cb = (b - y) / (2 * (1 - kb)), cr = (r - y) / (2 * (1 - kr));

  if (full) {
    out[0] = round_level (255 * y);
    out[1] = round_level (128 + 255 * cb);
    out[2] = round_level (128 + 255 * cr);
  } else {
    out[0] = round_level (16 + 219 * y);
    out[1] = round_level (128 + 224 * cb);
    out[2] = round_level (128 + 224 * cr);
  }
}

/* ... and back, as 0xffRRGGBB */
static guint32
yuv_to_argb (const guint8 c[3], gdouble kr, gdouble kb, gboolean full)
{
  gdouble y, cb, cr, r, g, b;

  if (full) {
    y = c[0] / 255.0;
    cb = (c[1] - 128) / 255.0;
    cr = (c[2] - 128) / 255.0;
  } else {
    y = (c[0] - 16) / 219.0;
    cb = (c[1] - 128) / 224.0;
    cr = (c[2] - 128) / 224.0;
  }
  r = y + 2 * (1 - kr) * cr;
  b = y + 2 * (1 - kb) * cb;
  g = (y - kr * r - kb * b) / (1 - kr - kb);
  return 0xff000000 | RGB (round_level (255 * r), round_level (255 * g),
      round_level (255 * b));
}

#define KR_601 0.299
#define KB_601 0.114
#define KR_709 0.2126
#define KB_709 0.0722
#define KR_2020 0.2627
#define KB_2020 0.0593

/* mask-color is converted with the caps' matrix and range (grey: full
 * range BT.601 luma); a masked chroma sample is one whose majority
 * cluster is masked */
GST_START_TEST (test_yuv_mask_color)
{
  static const struct
  {
    const gchar *format;
    const gchar *extra;         /* caps fields */
    gdouble kr, kb;
    gboolean full;
  } cases[] = {
    /* without colorimetry, SD caps are BT.601 limited range */
    {"I420", NULL, KR_601, KB_601, FALSE},
    {"YV12", NULL, KR_601, KB_601, FALSE},
    {"NV12", NULL, KR_601, KB_601, FALSE},
    {"NV21", NULL, KR_601, KB_601, FALSE},
    {"Y444", NULL, KR_601, KB_601, FALSE},
    {"Y42B", NULL, KR_601, KB_601, FALSE},
    {"YUY2", NULL, KR_601, KB_601, FALSE},
    {"UYVY", NULL, KR_601, KB_601, FALSE},
    {"I420", "colorimetry=bt601", KR_601, KB_601, FALSE},
    {"I420", "colorimetry=bt709", KR_709, KB_709, FALSE},
    {"NV12", "colorimetry=bt709", KR_709, KB_709, FALSE},
    {"UYVY", "colorimetry=bt709", KR_709, KB_709, FALSE},
    {"I420", "colorimetry=bt2020", KR_2020, KB_2020, FALSE},
    /* full range BT.601 */
    {"Y444", "colorimetry=(string)1:4:0:0", KR_601, KB_601, TRUE},
    {"NV21", "colorimetry=(string)1:4:0:0", KR_601, KB_601, TRUE},
    {"GRAY8", NULL, KR_601, KB_601, TRUE},
  };
  static const guint32 masks[] = {
    0xff000000, 0xffffffff, 0xffff0000, 0x8020c0f0
  };
  guint8 ref[3];
  guint c, m, mode;

  /* the formulas give the textbook values */
  argb_to_yuv (0xff000000, KR_601, KB_601, FALSE, ref);
  fail_unless (ref[0] == 16 && ref[1] == 128 && ref[2] == 128);
  argb_to_yuv (0xffffffff, KR_601, KB_601, FALSE, ref);
  fail_unless (ref[0] == 235 && ref[1] == 128 && ref[2] == 128);
  argb_to_yuv (0xffff0000, KR_601, KB_601, FALSE, ref);
  fail_unless (ref[0] == 81 && ref[1] == 90 && ref[2] == 240);

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    guint8 *lab = labels_straddling (16, 12);
    Yuv *img = yuv_new_labels (cases[c].format, 16, 12, lab, abc);
    GstHarness *h = harness_new_yuv (cases[c].format, 16, 12,
        cases[c].extra);
    guint8 cent[3][3];

    model_centroids (img, lab, 3, cent);
    model_check (img, lab, 3, cent);
    /* one stream per caps: the same frame again and again, each time
     * with another mask (the warm start keeps the numbers) */
    for (m = 0; m < G_N_ELEMENTS (masks); m++) {
      for (mode = 0; mode < 2; mode++) {
        const guint cluster = (c + m) % 3;
        gboolean writes[3] = { mode == MODE_POSTERIZE,
          mode == MODE_POSTERIZE, mode == MODE_POSTERIZE
        };
        guint8 val[3][3];
        gchar *what;
        Yuv *exp;

        memcpy (val, cent, sizeof (val));
        argb_to_yuv (masks[m], cases[c].kr, cases[c].kb, cases[c].full,
            val[cluster]);
        writes[cluster] = TRUE;
        exp = model_paint (img, lab, val, writes);

        g_object_set (h->element, "mode", mode, "mask-cluster", cluster,
            "mask-color", masks[m], NULL);
        what = g_strdup_printf ("mask %08x on cluster %u, mode %u, %s",
            masks[m], cluster, mode, cases[c].extra ? cases[c].extra :
            "default colorimetry");
        yuv_check_process (h, img, 0, exp, what);
        g_free (what);
        yuv_free (exp);
      }
    }
    gst_harness_teardown (h);
    yuv_free (img);
    g_free (lab);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Labels mode */

/* Same-format output: R = G = B = the cluster index (alpha and padding
 * kept); the clusters of a fresh start are numbered by luma */
GST_START_TEST (test_labels_rgb_formats)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const Fmt *fmt = &formats[f];
    static const struct
    {
      gint w, h, stride_pad;
    } sizes[] = {
      {40, 30, 0},
      {33, 17, 12},
    };
    guint s;

    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      const gint w = sizes[s].w, ht = sizes[s].h;
      guint counts[4];
      guint32 pal[3];
      Image *img = image_new_regions (w, ht, 2, four, counts);
      GstHarness *h = harness_new (fmt, w, ht);
      Image *exp, *res;
      gint i;
      guint l;

      four_expected (img, counts, pal, &exp);
      for (i = 0; i < w * ht; i++) {
        for (l = 0; l < 3 && pal[l] != exp->rgb[i]; l++);
        fail_unless (l < 3);
        exp->rgb[i] = RGB (l, l, l);
      }
      g_object_set (h->element, "mode", MODE_LABELS, NULL);
      res = process_stride (h, fmt, img, sizes[s].stride_pad ?
          w * (gint) fmt->bpp + sizes[s].stride_pad : 0);
      assert_image_eq (res, exp, fmt->bpp == 4, "labels");
      image_free (res);
      gst_harness_teardown (h);
      image_free (img);
      image_free (exp);
    }
  }
}

GST_END_TEST;

/* YUV: Y = the index, every chroma sample 128; grey: the index */
GST_START_TEST (test_labels_yuv_formats)
{
  static const struct
  {
    gint w, h, pad;
  } sizes[] = {
    {16, 12, 0},
    {33, 17, 3},
  };
  guint f, s;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++) {
    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      const gint w = sizes[s].w, ht = sizes[s].h;
      guint8 *lab = labels_straddling (w, ht);
      Yuv *img = yuv_new_labels (yuv_formats[f], w, ht, lab, abc);
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, NULL);
      guint8 val[3][3];
      guint l;
      Yuv *exp;

      model_centroids (img, lab, 3, val);
      model_check (img, lab, 3, val);
      for (l = 0; l < 3; l++) {
        val[l][0] = l;
        val[l][1] = val[l][2] = 128;
      }
      exp = model_paint (img, lab, val, write_all);
      g_object_set (h->element, "mode", MODE_LABELS, NULL);
      yuv_check_process (h, img, sizes[s].pad, exp, "labels");
      yuv_check_process (h, img, sizes[s].pad, exp, "labels, frame 2");
      gst_harness_teardown (h);
      yuv_free (exp);
      yuv_free (img);
      g_free (lab);
    }
  }
}

GST_END_TEST;

/* Downstream offers a pool of buffers with strides padded by
 * "kms-padding" pixels (a GstVideoMeta says so): wraps the harness's
 * query function of its sink pad */
static GstPadQueryFunction harness_sink_query;

static gboolean
padded_pool_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  gboolean res = harness_sink_query (pad, parent, query);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    guint padding = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (pad),
            "kms-padding"));
    GstVideoAlignment align;
    GstBufferPool *pool;
    GstStructure *config;
    GstVideoInfo info;
    GstCaps *caps;

    gst_query_parse_allocation (query, &caps, NULL);
    fail_unless (caps && gst_video_info_from_caps (&info, caps));
    pool = gst_video_buffer_pool_new ();
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_set_params (config, caps, info.size, 0, 0);
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
    gst_video_alignment_reset (&align);
    align.padding_right = padding;
    gst_buffer_pool_config_set_video_alignment (config, &align);
    fail_unless (gst_buffer_pool_set_config (pool, config));
    gst_query_add_allocation_pool (query, pool, info.size, 0, 0);
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
    gst_object_unref (pool);
  }
  return res;
}

static void
harness_offer_padded_pool (GstHarness * h, guint padding)
{
  if (GST_PAD_QUERYFUNC (h->sinkpad) != padded_pool_query)
    harness_sink_query = GST_PAD_QUERYFUNC (h->sinkpad);
  g_object_set_data (G_OBJECT (h->sinkpad), "kms-padding",
      GUINT_TO_POINTER (padding));
  gst_pad_set_query_function (h->sinkpad, padded_pool_query);
}

static GstHarness *
harness_new_labels_gray8 (const gchar * in_format, gint w, gint ht,
    guint padding)
{
  GstHarness *h = gst_harness_new ("kmeansseg");
  gchar *in = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", in_format, w, ht);
  gchar *out = g_strdup_printf ("video/x-raw,format=GRAY8,width=%d,"
      "height=%d,framerate=30/1", w, ht);

  /* labels mode first: only then is GRAY8 an output of any input */
  g_object_set (h->element, "mode", MODE_LABELS, NULL);
  if (padding)
    harness_offer_padded_pool (h, padding);
  gst_harness_set_caps_str (h, in, out);
  g_free (in);
  g_free (out);
  return h;
}

static void
check_gray8_caps (GstHarness * h)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstVideoInfo info;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
      GST_VIDEO_FORMAT_GRAY8);
  gst_caps_unref (caps);
}

/* The output buffer of @h had a GstVideoMeta with a stride longer than
 * the default */
static void
check_padded_stride (GstBuffer * buf, gint w)
{
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);

  fail_unless (meta != NULL, "no GstVideoMeta on the pool's buffer");
  fail_unless (meta->stride[0] > GST_ROUND_UP_4 (w), "stride %d not padded",
      meta->stride[0]);
}

/* GRAY8 output (the label map) from any input: each byte is the index */
GST_START_TEST (test_labels_gray8_output)
{
  static const gchar *rgb_names[] = { "RGBx", "BGR", "ARGB" };
  static const gchar *yuv_names[] = {
    "I420", "YV12", "NV12", "NV21", "Y444", "Y42B", "YUY2", "UYVY", "GRAY8"
  };
  static const struct
  {
    gint w, h;
    guint padding;              /* of the output, pixels; 0: none */
  } sizes[] = {
    {16, 12, 0},
    {33, 17, 0},
    {33, 17, 9},
  };
  guint f, s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    const gint w = sizes[s].w, ht = sizes[s].h;

    for (f = 0; f < G_N_ELEMENTS (rgb_names); f++) {
      const Fmt *fmt = fmt_get (rgb_names[f]);
      GstHarness *h = harness_new_labels_gray8 (fmt->name, w, ht,
          sizes[s].padding);
      guint counts[4];
      guint32 pal[3];
      Image *img = image_new_regions (w, ht, 2, four, counts);
      Image *exp;
      GstBuffer *out;
      Yuv *res;
      gint i, bad = -1;

      four_expected (img, counts, pal, &exp);
      fail_unless_equals_int (gst_harness_push (h, image_to_buffer (img, fmt,
                  0)), GST_FLOW_OK);
      out = gst_harness_pull (h);
      fail_unless (out != NULL);
      check_gray8_caps (h);
      if (sizes[s].padding)
        check_padded_stride (out, w);
      res = yuv_from_buffer (out, "GRAY8", w, ht, FALSE);
      for (i = 0; i < w * ht && bad < 0; i++) {
        guint l;

        for (l = 0; l < 3 && pal[l] != exp->rgb[i]; l++);
        fail_unless (l < 3);
        if (res->c[0][i] != l)
          bad = i;
      }
      fail_unless (bad < 0, "%s %dx%d -> GRAY8: pixel (%d,%d) is %u",
          fmt->name, w, ht, bad % w, bad / w, bad < 0 ? 0 : res->c[0][bad]);
      gst_buffer_unref (out);
      yuv_free (res);
      image_free (img);
      image_free (exp);
      gst_harness_teardown (h);
    }

    for (f = 0; f < G_N_ELEMENTS (yuv_names); f++) {
      GstHarness *h = harness_new_labels_gray8 (yuv_names[f], w, ht,
          sizes[s].padding);
      guint8 *lab = labels_straddling (w, ht);
      Yuv *img = yuv_new_labels (yuv_names[f], w, ht, lab, abc);
      Yuv *exp = yuv_new ("GRAY8", w, ht);
      guint8 cent[3][3];
      GstBuffer *out;
      Yuv *res;
      guint n;

      model_centroids (img, lab, 3, cent);
      model_check (img, lab, 3, cent);
      memcpy (exp->c[0], lab, w * ht);
      for (n = 0; n < 2; n++) {
        gchar *what = g_strdup_printf ("%s -> GRAY8, frame %u", yuv_names[f],
            n);

        fail_unless_equals_int (gst_harness_push (h, yuv_to_buffer (img, 0)),
            GST_FLOW_OK);
        out = gst_harness_pull (h);
        fail_unless (out != NULL);
        check_gray8_caps (h);
        /* (GRAY8 in, GRAY8 out is in place: no pool) */
        if (sizes[s].padding && strcmp (yuv_names[f], "GRAY8") != 0)
          check_padded_stride (out, w);
        res = yuv_from_buffer (out, "GRAY8", w, ht, FALSE);
        yuv_assert_eq (res, exp, what);
        g_free (what);
        yuv_free (res);
        gst_buffer_unref (out);
      }
      yuv_free (exp);
      yuv_free (img);
      g_free (lab);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* The palette property */

static void
set_palette (GstElement * e, const guint32 * cols, guint n)
{
  GValue arr = G_VALUE_INIT;
  guint i;

  g_value_init (&arr, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_UINT);
    g_value_set_uint (&v, cols[i]);
    gst_value_array_append_and_take_value (&arr, &v);
  }
  g_object_set_property (G_OBJECT (e), "palette", &arr);
  g_value_unset (&arr);
}

static guint
get_palette (GstElement * e, guint32 * cols, guint max)
{
  GValue arr = G_VALUE_INIT;
  guint i, n;

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (e), "palette", &arr);
  n = gst_value_array_get_size (&arr);
  fail_unless (n <= max, "%u colours in the palette", n);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (&arr, i);

    fail_unless (G_VALUE_HOLDS_UINT (v));
    cols[i] = g_value_get_uint (v);
  }
  g_value_unset (&arr);
  return n;
}

static void
check_palette (GstElement * e, const guint32 * exp, guint n, const gchar * what)
{
  guint32 got[16];
  guint m = get_palette (e, got, G_N_ELEMENTS (got)), i;

  fail_unless_equals_int (m, n);
  for (i = 0; i < n; i++)
    fail_unless (got[i] == exp[i], "%s: palette[%u] is %08x, expected "
        "%08x", what, i, got[i], exp[i]);
}

/* @img with every pixel the nearest of @n colours, ties to the lower
 * index */
static Image *
expect_nearest (const Image * img, const guint32 * pal, guint n)
{
  Image *exp = image_copy (img);
  gint i;
  guint j;

  for (i = 0; i < img->w * img->h; i++) {
    guint best = 0, bd = dist2 (img->rgb[i], pal[0] & 0xffffff);

    for (j = 1; j < n; j++) {
      guint d = dist2 (img->rgb[i], pal[j] & 0xffffff);

      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    exp->rgb[i] = pal[best] & 0xffffff;
  }
  return exp;
}

/* Three colours for a fixed palette, and pixels as near to two of them */
static const guint32 fixed_pal[3] = { 0xff204060, 0xffc0c0c0, 0xffe03010 };

static Image *
image_new_noisy_ties (gint w, gint h, guint32 seed)
{
  Image *img = image_new_noisy (w, h, seed, 0, 255);
  guint32 a = fixed_pal[0], b = fixed_pal[1], c = fixed_pal[2];
  /* the midpoints of 0-1 and 1-2 (the channel sums are even) */
  guint32 ab = RGB ((CH_R (a) + CH_R (b)) / 2, (CH_G (a) + CH_G (b)) / 2,
      (CH_B (a) + CH_B (b)) / 2);
  guint32 bc = RGB ((CH_R (b) + CH_R (c)) / 2, (CH_G (b) + CH_G (c)) / 2,
      (CH_B (b) + CH_B (c)) / 2);
  gint x;

  fail_unless (dist2 (ab, a & 0xffffff) == dist2 (ab, b & 0xffffff));
  fail_unless (dist2 (ab, c & 0xffffff) > dist2 (ab, a & 0xffffff));
  fail_unless (dist2 (bc, b & 0xffffff) == dist2 (bc, c & 0xffffff));
  fail_unless (dist2 (bc, a & 0xffffff) > dist2 (bc, b & 0xffffff));
  for (x = 0; x < w; x++)
    PIX (img, x, 0) = x % 2 ? ab : bc;
  return img;
}

/* max-iters=0 with a written palette: every pixel takes exactly the
 * nearest of its colours, frame after frame; reading the palette gives
 * them back */
GST_START_TEST (test_palette_fixed)
{
  static const gchar *names[] = { "RGBx", "BGR", "ABGR" };
  guint f, i;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const Fmt *fmt = fmt_get (names[f]);
    GstHarness *h = harness_new (fmt, 40, 30);

    /* exact nearest colours, ties to the lower index: no hysteresis */
    g_object_set (h->element, "max-iters", 0, "hysteresis", 0.0, NULL);
    set_palette (h->element, fixed_pal, 3);
    check_palette (h->element, fixed_pal, 3, "before the first frame");
    for (i = 0; i < 3; i++) {
      Image *img = image_new_noisy_ties (40, 30, 31 + i);
      Image *exp = expect_nearest (img, fixed_pal, 3);

      check_process (h, fmt, img, exp, "fixed palette");
      check_palette (h->element, fixed_pal, 3, "after a frame");
      image_free (img);
      image_free (exp);
    }
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Writing a palette seeds the next frame: with iterations, cluster i
 * starts from colour i, whatever the luma order; the palette seeds every
 * fresh start (a flush) until an empty array forgets it */
GST_START_TEST (test_palette_warm_start)
{
  /* A < B < C by luma; the palette lists colours near C, A, B */
  static const guint32 cols[3] = {
    RGB (40, 40, 120), RGB (60, 160, 60), RGB (230, 200, 180)
  };
  static const guint32 pal[3] = { 0xffe0d0b0, 0xff303070, 0xff50a050 };
  const Fmt *fmt = fmt_get ("RGBx");
  Image *img = image_new_regions (48, 32, 0, cols, NULL);
  guint32 converged[3];
  guint near[3], i, j;
  GstHarness *h;
  Image *exp;

  fail_unless (luma (cols[0]) < luma (cols[1]) &&
      luma (cols[1]) < luma (cols[2]));
  for (i = 0; i < 3; i++) {
    near[i] = 0;
    for (j = 1; j < 3; j++)
      if (dist2 (pal[i] & 0xffffff, cols[j]) <
          dist2 (pal[i] & 0xffffff, cols[near[i]]))
        near[i] = j;
    /* the regions' colours exactly, in the palette's order */
    converged[i] = 0xff000000 | cols[near[i]];
  }
  /* not the luma order */
  fail_unless (near[0] == 2 && near[1] == 0 && near[2] == 1);

  for (i = 0; i < 3; i++) {
    h = harness_new (fmt, 48, 32);
    set_palette (h->element, pal, 3);
    g_object_set (h->element, "mask-cluster", i, NULL);
    exp = expect_masked (img, cols[near[i]]);
    check_process (h, fmt, img, exp, "palette seeds frame 1");
    check_palette (h->element, converged, 3, "converged from the palette");
    check_process (h, fmt, img, exp, "frame 2");
    image_free (exp);
    gst_harness_teardown (h);
  }

  h = harness_new (fmt, 48, 32);
  set_palette (h->element, pal, 3);
  g_object_set (h->element, "mask-cluster", 0, NULL);
  exp = expect_masked (img, cols[near[0]]);
  check_process (h, fmt, img, exp, "palette seeds frame 1");
  /* a flush restarts from the palette */
  push_flush (h);
  check_process (h, fmt, img, exp, "after a flush");
  /* forgotten: the warm start goes on, ... */
  set_palette (h->element, NULL, 0);
  check_process (h, fmt, img, exp, "palette forgotten, warm");
  image_free (exp);
  /* ... and the next fresh start numbers by luma */
  push_flush (h);
  exp = expect_masked (img, cols[0]);
  check_process (h, fmt, img, exp, "palette forgotten, after a flush");
  image_free (exp);
  gst_harness_teardown (h);

  image_free (img);
}

GST_END_TEST;

/* A caps change resets the clusters, and the palette seeds them again */
GST_START_TEST (test_palette_caps_change)
{
  static const struct
  {
    const gchar *format;
    gint w, h;
  } seq[] = {
    {"RGBx", 48, 32}, {"RGBx", 33, 17}, {"BGR", 20, 10}, {"RGBx", 48, 32},
  };
  GstHarness *h = harness_new (fmt_get ("RGBx"), 48, 32);
  guint i;

  g_object_set (h->element, "max-iters", 0, "hysteresis", 0.0, NULL);
  set_palette (h->element, fixed_pal, 3);
  for (i = 0; i < G_N_ELEMENTS (seq); i++) {
    const Fmt *fmt = fmt_get (seq[i].format);
    Image *img = image_new_noisy_ties (seq[i].w, seq[i].h, 70 + i);
    Image *exp = expect_nearest (img, fixed_pal, 3);

    harness_set_format (h, fmt, seq[i].w, seq[i].h);
    check_process (h, fmt, img, exp, "fixed palette after caps change");
    check_palette (h->element, fixed_pal, 3, "after caps change");
    image_free (img);
    image_free (exp);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static Yuv *
yuv_new_noisy (const gchar * format, gint w, gint h, guint32 seed)
{
  Yuv *img = yuv_new (format, w, h);
  guint32 state = seed;
  gint s, sw, sh;
  guint i;

  for (i = 0; i < img->n_comp; i++) {
    yuv_plane_size (img, i, &sw, &sh);
    for (s = 0; s < sw * sh; s++)
      img->c[i][s] = lcg (&state) & 0xff;
  }
  return img;
}

/* YUV: the palette is converted with the caps' matrix and range (grey:
 * full range BT.601 luma), the pixels mapped onto it, and read back
 * converted to RGB */
GST_START_TEST (test_palette_yuv)
{
  static const struct
  {
    const gchar *format;
    const gchar *extra;
    gdouble kr, kb;
    gboolean full;
  } cases[] = {
    {"I420", NULL, KR_601, KB_601, FALSE},
    {"YV12", NULL, KR_601, KB_601, FALSE},
    {"NV12", NULL, KR_601, KB_601, FALSE},
    {"NV21", NULL, KR_601, KB_601, FALSE},
    {"Y444", NULL, KR_601, KB_601, FALSE},
    {"Y42B", NULL, KR_601, KB_601, FALSE},
    {"YUY2", NULL, KR_601, KB_601, FALSE},
    {"UYVY", NULL, KR_601, KB_601, FALSE},
    {"GRAY8", NULL, KR_601, KB_601, TRUE},
    {"I420", "colorimetry=bt709", KR_709, KB_709, FALSE},
    {"NV12", "colorimetry=(string)1:4:0:0", KR_601, KB_601, TRUE},
  };
  static const guint32 pal[4] = {
    0xffffffff, 0xff000000, 0xffff0000, 0xff30a0e0
  };
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    const gint w = 33, ht = 17;
    GstHarness *h = harness_new_yuv (cases[c].format, w, ht, cases[c].extra);
    guint8 conv[4][3];
    guint32 back[4];
    guint8 *lab;
    Yuv *img, *exp;

    for (i = 0; i < 4; i++) {
      argb_to_yuv (pal[i], cases[c].kr, cases[c].kb, cases[c].full, conv[i]);
      back[i] = yuv_to_argb (conv[i], cases[c].kr, cases[c].kb, cases[c].full);
    }
    img = yuv_new_noisy (cases[c].format, w, ht, 5 + c);
    if (img->n_comp == 1) {
      for (i = 0; i < 4; i++)
        back[i] = 0xff000000 | RGB (conv[i][0], conv[i][0], conv[i][0]);
    }
    /* white and black are exact either way */
    fail_unless (back[0] == 0xffffffff && back[1] == 0xff000000);
    if (!cases[c].full)
      fail_unless (conv[0][0] == 235 && conv[1][0] == 16);

    lab = model_assign (img, 4, conv);
    exp = model_paint (img, lab, conv, write_all);
    g_object_set (h->element, "k", 4, "max-iters", 0, "hysteresis", 0.0, NULL);
    set_palette (h->element, pal, 4);
    yuv_check_process (h, img, 0, exp, cases[c].extra ? cases[c].extra :
        "fixed palette in YUV");
    check_palette (h->element, back, 4, cases[c].format);
    yuv_free (img);
    yuv_free (exp);
    g_free (lab);

    /* another frame, padded, and the palette still holds */
    img = yuv_new_noisy (cases[c].format, w, ht, 50 + c);
    lab = model_assign (img, 4, conv);
    exp = model_paint (img, lab, conv, write_all);
    yuv_check_process (h, img, 3, exp, "fixed palette in YUV, frame 2");
    yuv_free (img);
    yuv_free (exp);
    g_free (lab);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Messages */

typedef struct
{
  guint64 ts, stream_time, running_time, duration;
  guint k, iterations;
  gdouble mse;
  gboolean reinit;
  guint n, nch;
  guint cent[MAX_LABELS][3];
  guint64 counts[MAX_LABELS];
} FrameStats;

/* The next element message, which must be the element's per-frame one */
static void
pop_stats (GstBus * bus, GstElement * e, FrameStats * s)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  const GstStructure *st;
  const GValue *cv, *nv;
  guint i, j;

  fail_unless (msg != NULL, "no element message");
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (e));
  st = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (st, "kmeansseg"), "message %s",
      gst_structure_get_name (st));
  fail_unless (gst_structure_get_uint64 (st, "timestamp", &s->ts));
  fail_unless (gst_structure_get_uint64 (st, "stream-time", &s->stream_time));
  fail_unless (gst_structure_get_uint64 (st, "running-time", &s->running_time));
  fail_unless (gst_structure_get_uint64 (st, "duration", &s->duration));
  fail_unless (gst_structure_get_uint (st, "k", &s->k));
  fail_unless (gst_structure_get_uint (st, "iterations", &s->iterations));
  fail_unless (gst_structure_get_double (st, "mse", &s->mse));
  fail_unless (gst_structure_get_boolean (st, "reinitialized", &s->reinit));

  cv = gst_structure_get_value (st, "centroids");
  nv = gst_structure_get_value (st, "counts");
  fail_unless (cv != NULL && GST_VALUE_HOLDS_ARRAY (cv));
  fail_unless (nv != NULL && GST_VALUE_HOLDS_ARRAY (nv));
  s->n = gst_value_array_get_size (cv);
  fail_unless (s->n >= 1 && s->n <= MAX_LABELS);
  fail_unless_equals_int (gst_value_array_get_size (nv), s->n);
  s->nch = 0;
  for (i = 0; i < s->n; i++) {
    const GValue *col = gst_value_array_get_value (cv, i);
    const GValue *cnt = gst_value_array_get_value (nv, i);

    fail_unless (GST_VALUE_HOLDS_ARRAY (col));
    if (i == 0)
      s->nch = gst_value_array_get_size (col);
    fail_unless_equals_int (gst_value_array_get_size (col), s->nch);
    fail_unless (s->nch >= 1 && s->nch <= 3);
    for (j = 0; j < s->nch; j++) {
      const GValue *v = gst_value_array_get_value (col, j);

      fail_unless (G_VALUE_HOLDS_UINT (v));
      s->cent[i][j] = g_value_get_uint (v);
      fail_unless (s->cent[i][j] <= 255);
    }
    fail_unless (G_VALUE_HOLDS_UINT64 (cnt));
    s->counts[i] = g_value_get_uint64 (cnt);
  }
  gst_message_unref (msg);
}

/* One colour (3 channels) per pixel: RGB, or Y with the chroma sample the
 * pixel uses */
static guint8 *
pixels_from_image (const Image * img)
{
  guint8 *px = g_new (guint8, img->w * img->h * 3);
  gint i;

  for (i = 0; i < img->w * img->h; i++) {
    px[3 * i] = CH_R (img->rgb[i]);
    px[3 * i + 1] = CH_G (img->rgb[i]);
    px[3 * i + 2] = CH_B (img->rgb[i]);
  }
  return px;
}

static guint8 *
pixels_from_yuv (const Yuv * img)
{
  guint8 *px = g_new0 (guint8, img->w * img->h * 3);
  gint x, y;
  guint i;

  for (y = 0; y < img->h; y++)
    for (x = 0; x < img->w; x++)
      for (i = 0; i < img->n_comp; i++)
        px[3 * (y * img->w + x) + i] = yuv_pix (img, i, x, y);
  return px;
}

/* The message against the frames: mse from input and output, the
 * centroids the colours painted, the counts their pixels */
static void
check_stats (const FrameStats * s, const guint8 * in, const guint8 * out,
    gint n_px, guint nch, guint k)
{
  guint64 sse = 0, total = 0;
  gdouble mse;
  guint c, d, ch;
  gint p;

  fail_unless_equals_int (s->k, k);
  fail_unless_equals_int (s->n, k);
  fail_unless_equals_int (s->nch, nch);

  for (p = 0; p < n_px; p++) {
    for (ch = 0; ch < nch; ch++) {
      gint e = (gint) in[3 * p + ch] - out[3 * p + ch];

      sse += e * e;
    }
  }
  mse = (gdouble) sse / ((gdouble) n_px * nch);
  fail_unless (fabs (s->mse - mse) <= 1e-9 * MAX (mse, 1.0),
      "mse %g, computed %g", s->mse, mse);

  for (c = 0; c < s->n; c++) {
    guint64 n = 0;

    for (d = 0; d < c; d++)
      fail_unless (memcmp (s->cent[c], s->cent[d], sizeof (s->cent[c])) != 0,
          "centroids %u and %u are equal", d, c);
    for (p = 0; p < n_px; p++) {
      for (ch = 0; ch < nch && out[3 * p + ch] == s->cent[c][ch]; ch++);
      n += ch == nch;
    }
    fail_unless_equals_uint64 (s->counts[c], n);
    total += s->counts[c];
  }
  fail_unless_equals_uint64 (total, n_px);
}

#define FRAME_DURATION (40 * GST_MSECOND)

/* One message per frame, with the buffer's times in the segment, and
 * the clusters of what was painted */
GST_START_TEST (test_post_messages)
{
  static const gchar *names[] = { "RGBx", "I420", "Y42B", "GRAY8" };
  guint f, i;

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    const gboolean rgb = strcmp (names[f], "RGBx") == 0;
    const gint w = rgb ? 32 : 16, ht = rgb ? 24 : 12;
    GstBus *bus = gst_bus_new ();
    GstHarness *h;
    Image *img = NULL;
    Yuv *yimg = NULL;
    guint8 *lab = NULL, *in_px;
    guint nch;

    if (rgb) {
      h = harness_new (fmt_get (names[f]), w, ht);
      img = image_new_regions (w, ht, 0, three, NULL);
      in_px = pixels_from_image (img);
      nch = 3;
    } else {
      h = harness_new_yuv (names[f], w, ht, NULL);
      lab = labels_regions (w, ht, 6, 6);
      yimg = yuv_new_labels (names[f], w, ht, lab, abc_merge);
      in_px = pixels_from_yuv (yimg);
      nch = yimg->n_comp;
    }
    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "k", 2, "post-messages", TRUE, NULL);

    for (i = 0; i < 3; i++) {
      GstClockTime pts = 2 * GST_SECOND + i * FRAME_DURATION;
      GstClockTime stream_time = pts, running_time = pts;
      GstBuffer *buf, *out;
      FrameStats s;
      guint8 *out_px;

      /* the third frame in a segment of its own */
      if (i == 2) {
        GstSegment seg;

        gst_segment_init (&seg, GST_FORMAT_TIME);
        seg.start = GST_SECOND;
        seg.time = 10 * GST_SECOND;
        seg.base = 4 * GST_SECOND;
        fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
        stream_time = pts - seg.start + seg.time;
        running_time = pts - seg.start + seg.base;
      }

      buf = rgb ? image_to_buffer (img, fmt_get (names[f]), 0) :
          yuv_to_buffer (yimg, 0);
      GST_BUFFER_PTS (buf) = pts;
      GST_BUFFER_DURATION (buf) = FRAME_DURATION;
      fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
      out = gst_harness_pull (h);
      fail_unless (out != NULL);
      if (rgb) {
        Image *res = image_from_buffer (out, fmt_get (names[f]), w, ht);

        out_px = pixels_from_image (res);
        image_free (res);
      } else {
        Yuv *res = yuv_from_buffer (out, names[f], w, ht, TRUE);

        out_px = pixels_from_yuv (res);
        yuv_free (res);
      }
      gst_buffer_unref (out);

      pop_stats (bus, h->element, &s);
      fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL,
          "more than one message for a frame");
      fail_unless_equals_uint64 (s.ts, pts);
      fail_unless_equals_uint64 (s.stream_time, stream_time);
      fail_unless_equals_uint64 (s.running_time, running_time);
      fail_unless_equals_uint64 (s.duration, FRAME_DURATION);
      if (i == 0)
        fail_unless (s.iterations >= 1);
      /* a fresh start first, then the same frame again: warm */
      fail_unless_equals_int (s.reinit, i == 0);
      check_stats (&s, in_px, out_px, w * ht, nch, 2);
      /* two colours merged: an error */
      fail_unless (s.mse > 0);
      g_free (out_px);
    }

    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    g_free (in_px);
    g_free (lab);
    if (img)
      image_free (img);
    if (yimg)
      yuv_free (yimg);
  }
}

GST_END_TEST;

static guint
count_element_messages (GstBus * bus)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    gst_message_unref (msg);
    n++;
  }
  return n;
}

GST_START_TEST (test_post_messages_off)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 32, 24);
  GstBus *bus = gst_bus_new ();
  Image *img = image_new_regions (32, 24, 0, three, NULL);
  gboolean post;

  gst_element_set_bus (h->element, bus);
  g_object_get (h->element, "post-messages", &post, NULL);
  fail_unless (post == FALSE);
  check_process (h, fmt, img, img, "frame 1");
  check_process (h, fmt, img, img, "frame 2");
  fail_unless_equals_int (count_element_messages (bus), 0);

  g_object_set (h->element, "post-messages", TRUE, NULL);
  check_process (h, fmt, img, img, "frame 3");
  check_process (h, fmt, img, img, "frame 4");
  fail_unless_equals_int (count_element_messages (bus), 2);

  g_object_set (h->element, "post-messages", FALSE, NULL);
  check_process (h, fmt, img, img, "frame 5");
  fail_unless_equals_int (count_element_messages (bus), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Mode changes while streaming */

static void
check_sink_format (GstHarness * h, const gchar * format)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstVideoInfo info;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_string (GST_VIDEO_INFO_NAME (&info), format);
  gst_caps_unref (caps);
}

/* Into labels mode and out again on a running stream: the output keeps
 * the input's format (even where downstream would take GRAY8 too), and
 * every buffer flows */
GST_START_TEST (test_mode_change_to_labels)
{
  guint run;

  for (run = 0; run < 2; run++) {
    const Fmt *fmt = fmt_get ("RGBx");
    GstHarness *h = harness_new (fmt, 40, 30);
    guint counts[4];
    guint32 pal[3];
    Image *img = image_new_regions (40, 30, 2, four, counts);
    Image *post, *labels;
    gint i;
    guint l;

    if (run == 1)
      gst_harness_set_sink_caps_str (h, "video/x-raw,format={ RGBx, GRAY8 },"
          "width=40,height=30,framerate=30/1");
    four_expected (img, counts, pal, &post);
    labels = image_copy (post);
    for (i = 0; i < 40 * 30; i++) {
      for (l = 0; l < 3 && pal[l] != post->rgb[i]; l++);
      fail_unless (l < 3);
      labels->rgb[i] = RGB (l, l, l);
    }

    check_process (h, fmt, img, post, "posterize");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    check_process (h, fmt, img, labels, "into labels");
    check_sink_format (h, "RGBx");
    check_process (h, fmt, img, labels, "labels, frame 2");
    g_object_set (h->element, "mode", MODE_ORIGINAL, NULL);
    check_process (h, fmt, img, img, "original, no mask");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    check_process (h, fmt, img, labels, "labels again");
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    check_process (h, fmt, img, post, "posterize again");
    check_sink_format (h, "RGBx");

    image_free (img);
    image_free (post);
    image_free (labels);
    gst_harness_teardown (h);
  }

  /* YUV */
  {
    guint8 *lab = labels_straddling (16, 12);
    Yuv *img = yuv_new_labels ("NV12", 16, 12, lab, abc);
    GstHarness *h = harness_new_yuv ("NV12", 16, 12, NULL);
    guint8 cent[3][3], val[3][3];
    Yuv *post, *labels;
    guint l;

    model_centroids (img, lab, 3, cent);
    model_check (img, lab, 3, cent);
    for (l = 0; l < 3; l++) {
      val[l][0] = l;
      val[l][1] = val[l][2] = 128;
    }
    post = model_paint (img, lab, cent, write_all);
    labels = model_paint (img, lab, val, write_all);

    yuv_check_process (h, img, 0, post, "posterize");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    yuv_check_process (h, img, 0, labels, "into labels");
    check_sink_format (h, "NV12");
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    yuv_check_process (h, img, 0, post, "posterize again");

    yuv_free (post);
    yuv_free (labels);
    yuv_free (img);
    g_free (lab);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static Suite *
kmeansseg_suite (void)
{
  Suite *s = suite_create ("kmeansseg");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_three_regions_identity);
  tcase_add_test (tc, test_merge_weighted_mean);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_odd_sizes_and_strides);
  tcase_add_test (tc, test_mask_posterize);
  tcase_add_test (tc, test_mask_original_noisy);
  tcase_add_test (tc, test_mask_alpha);
  tcase_add_test (tc, test_mask_cluster_out_of_range);
  tcase_add_test (tc, test_luma_numbering);
  tcase_add_test (tc, test_warm_start_numbering);
  tcase_add_test (tc, test_property_changes);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_few_colours);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_short_buffer);
  tcase_add_test (tc, test_flush_resets_warm_start);
  tcase_add_test (tc, test_property_stress);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_max_iters_zero_keeps_centroids);
  tcase_add_test (tc, test_shared_input_untouched);
  tcase_add_test (tc, test_posterize_nearest_colour);
  tcase_add_test (tc, test_unsupported_format);
  tcase_add_test (tc, test_n_threads_property);
  tcase_add_test (tc, test_n_threads_identical);
  tcase_add_test (tc, test_n_threads_change_streaming);
  tcase_add_test (tc, test_yuv_formats_identity_and_merge);
  tcase_add_test (tc, test_yuv_chroma_majority);
  tcase_add_test (tc, test_yuv_mask_color);
  tcase_add_test (tc, test_labels_rgb_formats);
  tcase_add_test (tc, test_labels_yuv_formats);
  tcase_add_test (tc, test_labels_gray8_output);
  tcase_add_test (tc, test_palette_fixed);
  tcase_add_test (tc, test_palette_warm_start);
  tcase_add_test (tc, test_palette_caps_change);
  tcase_add_test (tc, test_palette_yuv);
  tcase_add_test (tc, test_post_messages);
  tcase_add_test (tc, test_post_messages_off);
  tcase_add_test (tc, test_mode_change_to_labels);

  return s;
}

GST_CHECK_MAIN (kmeansseg);

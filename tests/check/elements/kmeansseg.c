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

  return s;
}

GST_CHECK_MAIN (kmeansseg);

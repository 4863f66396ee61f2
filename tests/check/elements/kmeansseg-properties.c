/* GStreamer kmeansseg: properties, messages, palettes
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

/* The properties' defaults and ranges, settings changed between frames,
 * the numbering kept by the warm start, max-iters=0, the palette property
 * (written, read back, seeding fresh starts, converted for YUV) and the
 * per-frame element messages. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "kmstest-gst.h"

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
  check_process_masked (h, fmt, img, cols[0], "k=4, original, mask 0");

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

GST_START_TEST (test_warm_start_numbering)
{
  const Fmt *fmt = fmt_get ("RGBx");
  Image *f1 = image_new_regions (48, 32, 0, xyz, NULL);
  Image *f2 = image_new_regions (48, 32, 1, xyz2, NULL);
  GstHarness *h;

  check_xyz_luma ();

  /* warm start: cluster 1 follows Y */
  h = harness_new (fmt, 48, 32);
  g_object_set (h->element, "mask-cluster", 1, NULL);
  check_process_masked (h, fmt, f1, xyz[1], "frame 1");
  check_process_masked (h, fmt, f2, xyz2[1], "frame 2, warm start");
  check_process_masked (h, fmt, f2, xyz2[1], "frame 3, warm start");
  gst_harness_teardown (h);

  /* no warm start: by luma on every frame */
  h = harness_new (fmt, 48, 32);
  g_object_set (h->element, "mask-cluster", 1, "warm-start", FALSE, NULL);
  check_process_masked (h, fmt, f1, xyz[1], "frame 1");
  check_process_masked (h, fmt, f2, xyz2[0], "frame 2, no warm start");
  check_process_masked (h, fmt, f1, xyz[1], "frame 3, no warm start");
  gst_harness_teardown (h);

  image_free (f1);
  image_free (f2);
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

/* ------------------------------------------------------------------ */
/* The palette property */

/* @prop: "palette" (what was written) or "current-palette" (the last
 * frame's centroids) */
static guint
get_palette (GstElement * e, const gchar * prop, guint32 * cols, guint max)
{
  GValue arr = G_VALUE_INIT;
  guint i, n;

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (e), prop, &arr);
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
check_palette (GstElement * e, const gchar * prop, const guint32 * exp,
    guint n, const gchar * what)
{
  guint32 got[16];
  guint m = get_palette (e, prop, got, G_N_ELEMENTS (got)), i;

  fail_unless (m == n, "%s: %s has %u colours, expected %u", what, prop, m,
      n);
  for (i = 0; i < n; i++)
    fail_unless (got[i] == exp[i], "%s: %s[%u] is %08x, expected "
        "%08x", what, prop, i, got[i], exp[i]);
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
    check_palette (h->element, "palette", fixed_pal, 3,
        "before the first frame");
    check_palette (h->element, "current-palette", NULL, 0,
        "before the first frame");
    for (i = 0; i < 3; i++) {
      Image *img = image_new_noisy_ties (40, 30, 31 + i);
      Image *exp = expect_nearest (img, fixed_pal, 3);

      check_process (h, fmt, img, exp, "fixed palette");
      check_palette (h->element, "palette", fixed_pal, 3, "after a frame");
      check_palette (h->element, "current-palette", fixed_pal, 3,
          "after a frame");
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
    check_palette (h->element, "current-palette", converged, 3,
        "converged from the palette");
    /* what was written reads back, not the centroids */
    check_palette (h->element, "palette", pal, 3, "as written");
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
  fail_unless (harness_flush (h, TRUE, 0));
  check_process (h, fmt, img, exp, "after a flush");
  /* forgotten: the warm start goes on, ... */
  set_palette (h->element, NULL, 0);
  check_process (h, fmt, img, exp, "palette forgotten, warm");
  image_free (exp);
  /* ... and the next fresh start numbers by luma */
  fail_unless (harness_flush (h, TRUE, 0));
  check_process_masked (h, fmt, img, cols[0],
      "palette forgotten, after a flush");
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
    check_palette (h->element, "current-palette", fixed_pal, 3,
        "after caps change");
    check_palette (h->element, "palette", fixed_pal, 3, "after caps change");
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
    check_palette (h->element, "current-palette", back, 4, cases[c].format);
    check_palette (h->element, "palette", pal, 4, cases[c].format);
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
/* Every writable property reads back what was written, as
 * gst-validate's set-property action checks: before any frame, and
 * while frames flow between the write and the read */

/* Values to write for @pspec (its range ends, default and middle; every
 * enum value; both booleans; a palette and none); FALSE for a property
 * this test doesn't know how to fill */
static gboolean
roundtrip_values (GParamSpec * pspec, GValue * vals, guint * n)
{
  GType t = G_PARAM_SPEC_VALUE_TYPE (pspec);
  guint i;

  *n = 0;
#define ADD(gtype, setter, v) G_STMT_START { \
    g_value_init (&vals[*n], gtype); setter (&vals[*n], v); (*n)++; \
  } G_STMT_END
  if (G_IS_PARAM_SPEC_UINT (pspec)) {
    GParamSpecUInt *p = G_PARAM_SPEC_UINT (pspec);

    ADD (t, g_value_set_uint, p->maximum);
    ADD (t, g_value_set_uint, p->minimum + (p->maximum - p->minimum) / 3);
    ADD (t, g_value_set_uint, p->minimum);
    ADD (t, g_value_set_uint, p->default_value);
  } else if (G_IS_PARAM_SPEC_INT (pspec)) {
    GParamSpecInt *p = G_PARAM_SPEC_INT (pspec);

    ADD (t, g_value_set_int, p->maximum);
    ADD (t, g_value_set_int, p->minimum + (p->maximum - p->minimum) / 3);
    ADD (t, g_value_set_int, p->minimum);
    ADD (t, g_value_set_int, p->default_value);
  } else if (G_IS_PARAM_SPEC_DOUBLE (pspec)) {
    GParamSpecDouble *p = G_PARAM_SPEC_DOUBLE (pspec);

    ADD (t, g_value_set_double, p->maximum);
    ADD (t, g_value_set_double, p->minimum + (p->maximum - p->minimum) / 3);
    ADD (t, g_value_set_double, p->minimum);
    ADD (t, g_value_set_double, p->default_value);
  } else if (G_IS_PARAM_SPEC_BOOLEAN (pspec)) {
    ADD (t, g_value_set_boolean, !G_PARAM_SPEC_BOOLEAN (pspec)->default_value);
    ADD (t, g_value_set_boolean, G_PARAM_SPEC_BOOLEAN (pspec)->default_value);
  } else if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;

    for (i = klass->n_values; i > 0; i--)
      ADD (t, g_value_set_enum, klass->values[i - 1].value);
    ADD (t, g_value_set_enum, G_PARAM_SPEC_ENUM (pspec)->default_value);
  } else if (G_IS_PARAM_SPEC_STRING (pspec)) {
    ADD (t, g_value_set_string, "written-name");
  } else if (GST_IS_PARAM_SPEC_ARRAY_LIST (pspec)) {
    /* three elements of the array's element type (colours, or numbers
     * in its range), then none */
    static const guint32 cols[3] = { 0xff102030, 0xffc08040, 0x80ffffff };
    GParamSpec *el = GST_PARAM_SPEC_ARRAY_LIST (pspec)->element_spec;
    GValue v = G_VALUE_INIT;

    g_value_init (&vals[*n], t);
    g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (el));
    for (i = 0; i < G_N_ELEMENTS (cols); i++) {
      if (G_IS_PARAM_SPEC_UINT (el))
        g_value_set_uint (&v, cols[i]);
      else if (G_IS_PARAM_SPEC_INT (el))
        g_value_set_int (&v, G_PARAM_SPEC_INT (el)->maximum - 7 * i);
      else
        return FALSE;
      gst_value_array_append_value (&vals[*n], &v);
    }
    g_value_unset (&v);
    (*n)++;
    g_value_init (&vals[(*n)++], t);    /* empty */
  } else if (G_IS_PARAM_SPEC_INT64 (pspec)) {
    GParamSpecInt64 *p = G_PARAM_SPEC_INT64 (pspec);

    ADD (t, g_value_set_int64, p->maximum);
    ADD (t, g_value_set_int64, p->minimum + (p->maximum - p->minimum) / 3);
    ADD (t, g_value_set_int64, p->minimum);
    ADD (t, g_value_set_int64, p->default_value);
  } else {
    return FALSE;
  }
#undef ADD
  return TRUE;
}

static void
check_reads_back (GstElement * e, GParamSpec * pspec, const GValue * want,
    const gchar * when)
{
  GValue got = G_VALUE_INIT;
  gchar *ws, *gs;

  g_value_init (&got, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (G_OBJECT (e), pspec->name, &got);
  ws = gst_value_serialize (want);
  gs = gst_value_serialize (&got);
  fail_unless (g_param_values_cmp (pspec, want, &got) == 0,
      "%s: wrote %s, read back %s (%s)", pspec->name, ws, gs, when);
  g_free (ws);
  g_free (gs);
  g_value_unset (&got);
}

GST_START_TEST (test_properties_read_back)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 16, 12);
  GParamSpec **specs;
  guint n_specs, i, j, tried = 0, values = 0;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (h->element),
      &n_specs);
  for (i = 0; i < n_specs; i++) {
    GParamSpec *pspec = specs[i];
    GValue vals[40] = { G_VALUE_INIT };
    GValue def = G_VALUE_INIT;
    guint n;

    if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
        (pspec->flags & G_PARAM_CONSTRUCT_ONLY) ||
        G_IS_PARAM_SPEC_OBJECT (pspec))
      continue;
    /* every writable property of the element is one the test fills */
    fail_unless (roundtrip_values (pspec, vals, &n), "%s: a property type "
        "this test does not know", pspec->name);
    tried++;
    g_value_init (&def, G_PARAM_SPEC_VALUE_TYPE (pspec));
    g_object_get_property (G_OBJECT (h->element), pspec->name, &def);
    for (j = 0; j < n; j++) {
      Image *img = image_new_noisy (16, 12, 100 + j, 0, 255);
      Image *out;

      g_object_set_property (G_OBJECT (h->element), pspec->name, &vals[j]);
      check_reads_back (h->element, pspec, &vals[j], "at once");
      /* a frame between the write and the read */
      out = process (h, fmt, img);
      check_reads_back (h->element, pspec, &vals[j], "after a frame");
      image_free (out);
      image_free (img);
      g_value_unset (&vals[j]);
      values++;
    }
    g_object_set_property (G_OBJECT (h->element), pspec->name, &def);
    g_value_unset (&def);
  }
  g_free (specs);
  /* k, max-iters, ..., palette, qos, name: not a handful */
  fail_unless (tried >= 22, "only %u writable properties", tried);
  fail_unless (values >= 4 * 12, "only %u values", values);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* current-palette: read-only, empty before the first frame and after a
 * stop, the last frame's centroids in between */
GST_START_TEST (test_current_palette)
{
  static const guint32 cols[3] = {
    RGB (40, 40, 120), RGB (60, 160, 60), RGB (230, 200, 180)
  };
  const Fmt *fmt = fmt_get ("RGBx");
  Image *img = image_new_regions (48, 32, 0, cols, NULL);
  GstHarness *h = harness_new (fmt, 48, 32);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
      (h->element), "current-palette");
  guint32 exp[3];
  guint i;
  Image *out;

  fail_unless (pspec != NULL);
  fail_unless ((pspec->flags & G_PARAM_WRITABLE) == 0);
  check_palette (h->element, "current-palette", NULL, 0, "before a frame");
  /* three flat regions: the centroids are their colours, darkest first */
  for (i = 0; i < 3; i++)
    exp[i] = 0xff000000 | cols[i];
  out = process (h, fmt, img);
  image_free (out);
  check_palette (h->element, "current-palette", exp, 3, "after a frame");
  /* nothing was written */
  check_palette (h->element, "palette", NULL, 0, "after a frame");
  fail_unless (gst_element_set_state (h->element, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  check_palette (h->element, "current-palette", NULL, 0, "stopped");
  gst_harness_teardown (h);
  image_free (img);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Feathered masks */

#define FEATHER_R 3

/* The model of the weights: the share of masked pixels in the
 * (2r+1)^2 box around each pixel, edge pixels repeated, as 0..255 */
static guint8 *
model_weights (const gboolean * masked, gint w, gint h, gint r)
{
  guint8 *wt = g_new (guint8, w * h);
  const gdouble area = (2 * r + 1) * (2 * r + 1);
  gint x, y, dx, dy;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint n = 0;

      for (dy = -r; dy <= r; dy++)
        for (dx = -r; dx <= r; dx++)
          n += masked[CLAMP (y + dy, 0, h - 1) * w + CLAMP (x + dx, 0, w - 1)];
      wt[y * w + x] = (guint8) floor (255.0 * n / area + 0.5);
    }
  return wt;
}

static guint8
model_blend (guint a, guint b, guint w)
{
  return (guint8) floor ((a * (255.0 - w) + b * (gdouble) w) / 255.0 + 0.5);
}

/* Whether pixel x, y is in the masked (bright) region: a slanted edge,
 * so chroma samples straddle it */
static gboolean
feather_region (gint x, gint y, gint w)
{
  return 2 * x + y >= w;
}

static GstHarness *
feather_harness (GstHarness * h, gint mode, gint mask_cluster, guint feather,
    guint32 mask_color)
{
  static const guint32 grey_pal[] = { 0xff000000, 0xffffffff, 0xff808080 };

  set_palette (h->element, grey_pal, 3);
  g_object_set (h->element, "k", 3, "max-iters", 0, "mode", mode,
      "mask-cluster", mask_cluster, "mask-color", mask_color,
      "mask-feather", feather, NULL);
  return h;
}

/* mask-feather: each sample is the unmasked output blended with the mask
 * colour by the model's weight (chroma: the mean weight of its pixels);
 * with alpha, the alpha by the weight and the colour by the weight times
 * the mask's opacity; weight 255 gives the hard mask's value. In every
 * format, posterize and original mode. */
static void
check_mask_feather (gint w, gint ht, gboolean corner)
{
  static const gint modes[] = { MODE_POSTERIZE, MODE_ORIGINAL };
  gboolean masked[30 * 20];
  guint8 *wt;
  guint f, m;
  gint x, y;

  g_assert (w * ht <= (gint) G_N_ELEMENTS (masked));

  for (y = 0; y < ht; y++)
    for (x = 0; x < w; x++)
      masked[y * w + x] = corner ? x + y >= w - 1 + ht / 2 :
          feather_region (x, y, w);
  wt = model_weights (masked, w, ht, FEATHER_R);

  for (f = 0; f < N_RGB_FORMATS + N_YUV_FORMATS; f++) {
    for (m = 0; m < G_N_ELEMENTS (modes); m++) {
      const guint32 mask_color = 0x802060a0;
      gchar *what = g_strdup_printf ("%s, mode %d, %dx%d",
          f < N_RGB_FORMATS ? rgb_formats[f].name :
          yuv_formats[f - N_RGB_FORMATS], modes[m], w, ht);

      if (f < N_RGB_FORMATS) {
        const Fmt *fmt = &rgb_formats[f];
        Image *in = image_new (w, ht), *plain, *hard, *got, *exp;
        GstHarness *hp, *hh, *hf;

        for (y = 0; y < ht; y++)
          for (x = 0; x < w; x++) {
            PIX (in, x, y) = masked[y * w + x] ? 0xf0e8f4 : 0x0a1008;
            /* some texture, which original mode keeps */
            PIX (in, x, y) += (x * 7 + y * 3) % 5 * 0x010101;
          }
        hp = feather_harness (harness_new (fmt, w, ht), modes[m], -1, 0,
            mask_color);
        hh = feather_harness (harness_new (fmt, w, ht), modes[m], 1, 0,
            mask_color);
        hf = feather_harness (harness_new (fmt, w, ht), modes[m], 1,
            FEATHER_R, mask_color);
        plain = process (hp, fmt, in);
        hard = process (hh, fmt, in);
        got = process (hf, fmt, in);
        exp = image_copy (plain);
        for (y = 0; y < ht; y++)
          for (x = 0; x < w; x++) {
            const gint i = y * w + x;
            const guint a = wt[i], ma = mask_color >> 24;
            guint c = fmt->a >= 0 && a != 255 ?
                (guint) floor (a * ma / 255.0 + 0.5) : a;
            guint32 rgb = 0, mrgb = mask_color & 0xffffff;
            gint sh;

            /* in the hard mask's interior: its colour, as the model says */
            if (a == 255)
              fail_unless_equals_int (hard->rgb[i], got->rgb[i]);
            for (sh = 0; sh <= 16; sh += 8)
              rgb |= (guint32) model_blend ((plain->rgb[i] >> sh) & 0xff,
                  (mrgb >> sh) & 0xff, c) << sh;
            exp->rgb[i] = rgb;
            if (fmt->a >= 0)
              exp->extra[i] = model_blend (plain->extra[i], ma, a);
          }
        assert_image_eq (got, exp, fmt->bpp == 4, what);
        image_free (in);
        image_free (plain);
        image_free (hard);
        image_free (got);
        image_free (exp);
        gst_harness_teardown (hp);
        gst_harness_teardown (hh);
        gst_harness_teardown (hf);
      } else {
        const gchar *format = yuv_formats[f - N_RGB_FORMATS];
        Yuv *in = yuv_new (format, w, ht), *plain, *hard, *got, *exp;
        GstHarness *hp, *hh, *hf;
        guint8 mval[3];
        guint i;
        gint sw, sh, sx, sy;

        for (y = 0; y < ht; y++)
          for (x = 0; x < w; x++)
            in->c[0][y * w + x] = (masked[y * w + x] ? 230 : 20) +
                (x * 7 + y * 3) % 5;
        for (i = 1; i < in->n_comp; i++)
          memset (in->c[i], 128, in->cw * in->ch);
        hp = feather_harness (harness_new_yuv (format, w, ht, NULL),
            modes[m], -1, 0, mask_color);
        hh = feather_harness (harness_new_yuv (format, w, ht, NULL),
            modes[m], 1, 0, mask_color);
        hf = feather_harness (harness_new_yuv (format, w, ht, NULL),
            modes[m], 1, FEATHER_R, mask_color);
        plain = yuv_process (hp, in, 0);
        hard = yuv_process (hh, in, 0);
        got = yuv_process (hf, in, 3);
        /* the mask's values: the hard mask's at the bottom-right corner,
         * deep in the masked region */
        mval[0] = hard->c[0][w * ht - 1];
        for (i = 1; i < in->n_comp; i++)
          mval[i] = hard->c[i][in->cw * in->ch - 1];
        exp = yuv_copy (plain);
        for (i = 0; i < in->n_comp; i++) {
          const gint hs = i ? in->hs : 0, vs = i ? in->vs : 0;

          yuv_plane_size (in, i, &sw, &sh);
          for (sy = 0; sy < sh; sy++)
            for (sx = 0; sx < sw; sx++) {
              guint sum = 0, cnt = 0;

              for (y = sy << vs; y < MIN ((sy + 1) << vs, ht); y++)
                for (x = sx << hs; x < MIN ((sx + 1) << hs, w); x++, cnt++)
                  sum += wt[y * w + x];
              exp->c[i][sy * sw + sx] = model_blend (plain->c[i][sy * sw +
                      sx], mval[i], (sum + cnt / 2) / cnt);
            }
        }
        yuv_assert_eq (got, exp, what);
        yuv_free (in);
        yuv_free (plain);
        yuv_free (hard);
        yuv_free (got);
        yuv_free (exp);
        gst_harness_teardown (hp);
        gst_harness_teardown (hh);
        gst_harness_teardown (hf);
      }
      g_free (what);
    }
  }
  g_free (wt);
}

/* (and an odd size, where the last chroma sample of a row or a column
 * covers fewer pixels, with the mask's edge across the last column and
 * the last row) */
GST_START_TEST (test_mask_feather)
{
  check_mask_feather (30, 20, FALSE);
  check_mask_feather (29, 19, TRUE);
}

GST_END_TEST;

/* still-hysteresis: black and grey (100) fixed; a pixel going from 49
 * (black's) to 52 moved 3 levels (still) and grey is nearer by
 * sqrt(3) x 4 = 6.9 levels: it stays black at still-hysteresis=8 and goes
 * grey at 6 or off (the plain hysteresis is 1); one going from 40 to 60
 * moved, and goes grey at any setting. With smoothing too. */
GST_START_TEST (test_still_hysteresis)
{
  static const guint32 pal[] = { 0xff000000, 0xff646464 };
  static const struct
  {
    gdouble still;
    guint smoothing;
    guint8 still_label;
  } cases[] = {
    {0, 0, 1}, {6, 0, 1}, {8, 0, 0}, {8, 2, 0}, {6, 2, 1},
  };
  const gint w = 20, ht = 10;
  guint f, c;
  gint x, y;

  for (f = 0; f < N_RGB_FORMATS; f++) {
    const Fmt *fmt = &rgb_formats[f];

    for (c = 0; c < G_N_ELEMENTS (cases); c++) {
      GstHarness *h = harness_new (fmt, w, ht);
      Image *a = image_new (w, ht), *b, *res;
      gchar *what = g_strdup_printf ("%s, still-hysteresis %g, smoothing %u",
          fmt->name, cases[c].still, cases[c].smoothing);

      set_palette (h->element, pal, 2);
      g_object_set (h->element, "k", 2, "max-iters", 0, "mode", MODE_LABELS,
          "hysteresis", 1.0, "still-hysteresis", cases[c].still,
          "spatial-smoothing", cases[c].smoothing, NULL);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          PIX (a, x, y) = x < w / 2 ? 0x313131 : 0x282828;
      b = image_copy (a);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          PIX (b, x, y) = x < w / 2 ? 0x343434 : 0x3c3c3c;
      res = process (h, fmt, a);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          fail_unless_equals_int (PIX (res, x, y) & 0xff, 0);
      image_free (res);
      res = process (h, fmt, b);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          fail_unless (PIX (res, x, y) == (x < w / 2 ?
                  cases[c].still_label : 1u) * 0x010101, "%s: (%d,%d) is "
              "%06x", what, x, y, PIX (res, x, y));
      image_free (res);
      /* still again: what was shown stays */
      res = process (h, fmt, b);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          fail_unless (PIX (res, x, y) == (x < w / 2 ?
                  cases[c].still_label : 1u) * 0x010101, "%s, again: (%d,%d) "
              "is %06x", what, x, y, PIX (res, x, y));
      image_free (res);
      image_free (a);
      image_free (b);
      g_free (what);
      gst_harness_teardown (h);
    }

    /* a still pixel (49 to 52, kept black) whose neighbours all move to
     * grey (40 to 60): the majority would make it grey, but a still pixel
     * that kept its label shows what it showed */
    for (c = 0; c < 2; c++) {
      GstHarness *h = harness_new (fmt, w, ht);
      Image *a = image_new (w, ht), *b, *res;

      set_palette (h->element, pal, 2);
      g_object_set (h->element, "k", 2, "max-iters", 0, "mode", MODE_LABELS,
          "hysteresis", 1.0, "still-hysteresis", c ? 8.0 : 0.0,
          "spatial-smoothing", 1, "spatial-smoothing-strength", 255, NULL);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          PIX (a, x, y) = 0x282828;
      PIX (a, 5, 5) = 0x313131;
      b = image_copy (a);
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          PIX (b, x, y) = 0x3c3c3c;
      PIX (b, 5, 5) = 0x343434;
      res = process (h, fmt, a);
      image_free (res);
      res = process (h, fmt, b);
      fail_unless (PIX (res, 5, 5) == (c ? 0u : 0x010101), "%s, "
          "still-hysteresis %d: the still pixel is %06x", fmt->name, c ? 8 : 0,
          PIX (res, 5, 5));
      fail_unless_equals_int (PIX (res, 4, 5), 0x010101);
      image_free (res);
      image_free (a);
      image_free (b);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* Masking by key colour, by several numbers, inverted; the messages say
 * which clusters were masked */
GST_START_TEST (test_mask_choice)
{
  /* numbered by luma: 0 dark blue, 1 green, 2 light */
  static const guint32 cols[3] = {
    RGB (40, 40, 120), RGB (60, 160, 60), RGB (230, 200, 180)
  };
  static const struct
  {
    const gchar *props;
    guint masked;               /* bit i: cols[i] is painted black */
  } cases[] = {
    {"mask-key=0x3ca03c", 0x2},
    /* white's two nearest: light, then green */
    {"mask-key=0xffffff mask-key-count=2", 0x6},
    {"mask-clusters=<0,2>", 0x5},
    {"mask-clusters=<1> mask-invert=true", 0x5},
    {"mask-key=0x3ca03c mask-invert=true", 0x5},
    {"mask-cluster=0 mask-key=0x3ca03c", 0x3},
    /* nothing chosen: nothing masked, inverted or not */
    {"mask-invert=true", 0x0},
    /* 5 is not a cluster with k=3 (a warning) */
    {"mask-clusters=<5>", 0x0},
  };
  const Fmt *fmt = fmt_get ("RGBx");
  Image *img = image_new_regions (48, 32, 0, cols, NULL);
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstHarness *h = harness_new (fmt, 48, 32);
    GstBus *bus = gst_bus_new ();
    gchar **props = g_strsplit (cases[c].props, " ", -1);
    guint32 from[3], to[3] = { 0, 0, 0 };
    guint n = 0, frame, warnings = 0;
    Image *exp;

    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "mode", MODE_ORIGINAL, "post-messages", TRUE,
        NULL);
    for (i = 0; props[i]; i++) {
      gchar **kv = g_strsplit (props[i], "=", 2);

      gst_util_set_object_arg (G_OBJECT (h->element), kv[0], kv[1]);
      g_strfreev (kv);
    }
    for (i = 0; i < 3; i++)
      if (cases[c].masked & (1 << i))
        from[n++] = cols[i];
    exp = image_map (img, from, to, n);
    for (frame = 0; frame < 2; frame++) {
      GstMessage *msg;
      const GValue *arr;
      guint bits = 0;

      check_process (h, fmt, img, exp, cases[c].props);
      while ((msg = gst_bus_pop (bus))) {
        if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
          warnings++;
        if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT) {
          gst_message_unref (msg);
          continue;
        }
        arr = gst_structure_get_value (gst_message_get_structure (msg),
            "masked");
        fail_unless (arr != NULL && GST_VALUE_HOLDS_ARRAY (arr));
        for (i = 0; i < gst_value_array_get_size (arr); i++)
          bits |= 1 << g_value_get_uint (gst_value_array_get_value (arr, i));
        gst_message_unref (msg);
      }
      fail_unless (bits == cases[c].masked, "%s: message says 0x%x masked",
          cases[c].props, bits);
    }
    /* once, not every frame */
    fail_unless_equals_int (warnings, c == 7 ? 1 : 0);
    image_free (exp);
    g_strfreev (props);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
  image_free (img);
}

GST_END_TEST;

static Suite *
kmeansseg_properties_suite (void)
{
  Suite *s = suite_create ("kmeansseg-properties");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_property_changes);
  tcase_add_test (tc, test_mask_cluster_out_of_range);
  tcase_add_test (tc, test_warm_start_numbering);
  tcase_add_test (tc, test_max_iters_zero_keeps_centroids);
  tcase_add_test (tc, test_palette_fixed);
  tcase_add_test (tc, test_palette_warm_start);
  tcase_add_test (tc, test_palette_caps_change);
  tcase_add_test (tc, test_palette_yuv);
  tcase_add_test (tc, test_properties_read_back);
  tcase_add_test (tc, test_current_palette);
  tcase_add_test (tc, test_mask_choice);
  tcase_add_test (tc, test_mask_feather);
  tcase_add_test (tc, test_still_hysteresis);
  tcase_add_test (tc, test_post_messages);
  tcase_add_test (tc, test_post_messages_off);

  return s;
}

GST_CHECK_MAIN (kmeansseg_properties);

/* kmeansseg: element tests: dither and dither-strength
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

/* Ordered dithering through the harness: the properties; a flat frame
 * exactly midway between two fixed palette colours, whose Bayer pattern
 * is known pixel for pixel (the matrix written here again) and whose
 * blue-noise pattern paints exactly half of each 64x64 tile; still frames
 * painted the same; labels and original modes untouched; every format;
 * OkLab; the properties flipped while frames flow. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "kmstest-gst.h"

/* A and B, and M midway (squared distance 6100 to each: a tie, so M's
 * label is A's, the first) */
#define COL_A 0x283c50
#define COL_B 0x648cc8
#define COL_M 0x46648c

/* The 16x16 Bayer matrix by its recursive definition: each 2x2 step
 * [[0, 2], [3, 1]], the finest step the most significant */
static guint
bayer16 (gint x, gint y)
{
  static const guint base[2][2] = { {0, 2}, {3, 1} };
  guint v = 0, i;

  for (i = 0; i < 4; i++)
    v += base[(y >> i) & 1][(x >> i) & 1] << (2 * (3 - i));
  return v;
}

static GstHarness *
harness_mid (const Fmt * fmt, gint w, gint ht, const gchar * dither,
    gdouble strength)
{
  static const guint32 pal[2] = { 0xff000000 | COL_A, 0xff000000 | COL_B };
  GstHarness *h = harness_new (fmt, w, ht);

  g_object_set (h->element, "k", 2, "max-iters", 0, "dither-strength",
      strength, NULL);
  gst_util_set_object_arg (G_OBJECT (h->element), "dither", dither);
  set_palette (h->element, pal, 2);
  return h;
}

static Image *
image_flat (gint w, gint h, guint32 c)
{
  Image *img = image_new (w, h);
  gint i;

  for (i = 0; i < w * h; i++)
    img->rgb[i] = c;
  return img;
}

/* ------------------------------------------------------------------ */

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("kmeansseg", NULL);
  GParamSpec *pd = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      "dither");
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      "dither-strength");
  GValue v = G_VALUE_INIT;
  GEnumClass *klass;
  gdouble s;
  gint d;

  fail_unless (pd != NULL && G_IS_PARAM_SPEC_ENUM (pd));
  fail_unless (ps != NULL && G_IS_PARAM_SPEC_DOUBLE (ps));
  fail_unless (pd->flags & GST_PARAM_MUTABLE_PLAYING);
  fail_unless (ps->flags & GST_PARAM_MUTABLE_PLAYING);
  fail_unless (strlen (g_param_spec_get_blurb (pd)) > 0);
  fail_unless (strlen (g_param_spec_get_blurb (ps)) > 0);
  klass = G_ENUM_CLASS (g_type_class_peek (pd->value_type));
  fail_unless_equals_int (klass->n_values, 3);
  fail_unless (g_enum_get_value_by_nick (klass, "none") != NULL);
  fail_unless (g_enum_get_value_by_nick (klass, "bayer") != NULL);
  fail_unless (g_enum_get_value_by_nick (klass, "blue-noise") != NULL);

  /* defaults: none, full strength */
  g_object_get (e, "dither", &d, "dither-strength", &s, NULL);
  fail_unless_equals_string (g_enum_get_value (klass, d)->value_nick, "none");
  fail_unless_equals_float (s, 1.0);

  gst_util_set_object_arg (G_OBJECT (e), "dither", "blue-noise");
  g_object_set (e, "dither-strength", 0.25, NULL);
  g_object_get (e, "dither", &d, "dither-strength", &s, NULL);
  fail_unless_equals_string (g_enum_get_value (klass, d)->value_nick,
      "blue-noise");
  fail_unless_equals_float (s, 0.25);
  /* an unknown nick changes nothing */
  gst_util_set_object_arg (G_OBJECT (e), "dither", "floyd");
  g_object_get (e, "dither", &d, NULL);
  fail_unless_equals_string (g_enum_get_value (klass, d)->value_nick,
      "blue-noise");

  /* the range is 0..1: a value outside is out of range for the spec */
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->minimum, 0.0);
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->maximum, 1.0);
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, 1.5);
  fail_unless (g_param_value_validate (ps, &v));
  fail_unless_equals_float (g_value_get_double (&v), 1.0);
  g_value_set_double (&v, -0.5);
  fail_unless (g_param_value_validate (ps, &v));
  fail_unless_equals_float (g_value_get_double (&v), 0.0);
  g_value_unset (&v);
  gst_object_unref (e);
}

GST_END_TEST;

/* Every RGB format, an odd size, padded strides: the flat midway frame is
 * A everywhere with dither=none, and with bayer B exactly where the
 * matrix is below 128 (strength 1: half) or below 64 (strength 0.5), on
 * two frames (the second the same: a still picture stays still) */
GST_START_TEST (test_bayer_exact)
{
  const gint w = 37, ht = 29;
  guint f, st;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++)
    for (st = 0; st < 3; st++) {
      const Fmt *fmt = &rgb_formats[f];
      const gdouble strength = st == 0 ? 1.0 : st == 1 ? 0.5 : 0.0;
      const guint below = st == 0 ? 128 : st == 1 ? 64 : 0;
      GstHarness *h = harness_mid (fmt, w, ht, "bayer", strength);
      Image *img = image_flat (w, ht, COL_M), *exp = image_copy (img);
      guint frame;
      gint x, y;

      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++)
          PIX (exp, x, y) = bayer16 (x & 15, y & 15) < below ? COL_B : COL_A;
      for (frame = 0; frame < 2; frame++) {
        gchar *what = g_strdup_printf ("bayer, strength %.1f, frame %u",
            strength, frame);
        Image *out = process_stride (h, fmt, img,
            frame ? w * (gint) fmt->bpp + 7 : 0);

        assert_image_eq (out, exp, fmt->bpp == 4 && fmt->a < 0, what);
        image_free (out);
        g_free (what);
      }
      image_free (img);
      image_free (exp);
      gst_harness_teardown (h);
    }
}

GST_END_TEST;

/* Blue noise on a 64x64 midway frame: exactly half the pixels B (each
 * threshold level is 16 pixels of the tile), not in Bayer's places, and
 * the same on the next frame; no two frames of a still input differ */
GST_START_TEST (test_blue_noise)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_mid (fmt, 64, 64, "blue-noise", 1.0);
  Image *img = image_flat (64, 64, COL_M), *first = NULL;
  guint frame, n_b = 0, n_bayer = 0;
  gint x, y;

  for (frame = 0; frame < 3; frame++) {
    Image *out = process (h, fmt, img);

    if (!first) {
      first = out;
      continue;
    }
    assert_image_eq (out, first, TRUE, "blue noise, a still frame again");
    image_free (out);
  }
  for (y = 0; y < 64; y++)
    for (x = 0; x < 64; x++) {
      const guint32 c = PIX (first, x, y);

      fail_unless (c == COL_A || c == COL_B, "%06x at %d,%d", c, x, y);
      n_b += c == COL_B;
      n_bayer += (c == COL_B) == (bayer16 (x & 15, y & 15) < 128);
    }
  fail_unless_equals_int (n_b, 64 * 64 / 2);
  fail_unless (n_bayer < 64 * 64 * 3 / 4, "blue noise as Bayer: %u", n_bayer);
  image_free (first);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A still picture whose colour moves by a level (noise): with hysteresis
 * (the default) every pixel keeps the colour it showed; without, the
 * pattern follows the new share exactly: M one level towards A has
 * 2 e.d = 23880 of |d|^2 = 24400, B where the matrix is at most 125 (two
 * levels fewer than 127) */
GST_START_TEST (test_still_margin)
{
  const Fmt *fmt = fmt_get ("RGBx");
  const gint w = 32, ht = 32;
  guint hyst;

  for (hyst = 0; hyst < 2; hyst++) {
    GstHarness *h = harness_mid (fmt, w, ht, "bayer", 1.0);
    Image *img = image_flat (w, ht, COL_M), *img2;
    Image *exp = image_copy (img), *a, *b;
    gint x, y;

    g_object_set (h->element, "hysteresis", hyst ? 1.0 : 0.0, NULL);
    img2 = image_flat (w, ht, COL_M - 0x010101);
    for (y = 0; y < ht; y++)
      for (x = 0; x < w; x++)
        PIX (exp, x, y) = bayer16 (x & 15, y & 15) <= 125 ? COL_B : COL_A;
    a = process (h, fmt, img);
    b = process (h, fmt, img2);
    assert_image_eq (b, hyst ? a : exp, TRUE, hyst ? "a level of noise, "
        "with hysteresis" : "a level of noise, without hysteresis");
    image_free (a);
    image_free (b);
    image_free (exp);
    image_free (img);
    image_free (img2);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* labels and original modes ignore dither: the same bytes as none */
GST_START_TEST (test_other_modes)
{
  const Fmt *fmt = fmt_get ("BGRA");
  const gint w = 33, ht = 21;
  Image *img = image_new_noisy (w, ht, 7, 40, 200);
  guint mode;

  for (mode = MODE_ORIGINAL; mode <= MODE_LABELS; mode++) {
    GstHarness *a = harness_new (fmt, w, ht), *b = harness_new (fmt, w, ht);
    Image *oa, *ob;

    g_object_set (a->element, "k", 4, "mode", mode, "mask-cluster", 1, NULL);
    g_object_set (b->element, "k", 4, "mode", mode, "mask-cluster", 1, NULL);
    gst_util_set_object_arg (G_OBJECT (b->element), "dither", "bayer");
    oa = process (a, fmt, img);
    ob = process (b, fmt, img);
    assert_image_eq (ob, oa, TRUE, mode == MODE_LABELS ? "labels mode" :
        "original mode");
    image_free (oa);
    image_free (ob);
    gst_harness_teardown (a);
    gst_harness_teardown (b);
  }
  image_free (img);
}

GST_END_TEST;

/* A masked cluster is neither dithered into nor out of: the midway frame
 * with B masked stays A everywhere, and with A masked is all mask */
GST_START_TEST (test_masked)
{
  const Fmt *fmt = fmt_get ("RGBx");
  guint m;

  for (m = 0; m < 2; m++) {
    GstHarness *h = harness_mid (fmt, 32, 16, "bayer", 1.0);
    Image *img = image_flat (32, 16, COL_M);
    Image *exp = image_flat (32, 16, m == 0 ? COL_A : 0x000000);
    Image *out;

    g_object_set (h->element, "mask-cluster", m == 0 ? 1 : 0, NULL);
    out = process (h, fmt, img);
    assert_image_eq (out, exp, FALSE, "dithering beside a masked cluster");
    image_free (out);
    image_free (exp);
    image_free (img);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Every YUV and grey format negotiates and dithers: grey A and B, the
 * frame's luma midway; with none one luma value, with bayer and
 * blue-noise both, about half each, and the same on a second frame */
GST_START_TEST (test_yuv_formats)
{
  static const guint32 pal[2] = { 0xff282828, 0xffc8c8c8 };
  static const gchar *modes[] = { "none", "bayer", "blue-noise" };
  guint f, m;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++)
    for (m = 0; m < G_N_ELEMENTS (modes); m++) {
      const gint w = 35, ht = 18;
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, NULL);
      Yuv *img = yuv_new (yuv_formats[f], w, ht), *a, *b;
      guint8 ya[3], yb[3];
      guint c, n_b = 0;
      gint sw, sh, i;

      argb_to_yuv (pal[0], KR_601, KB_601, FALSE, ya);
      argb_to_yuv (pal[1], KR_601, KB_601, FALSE, yb);
      /* grey is full range */
      if (img->n_comp == 1) {
        ya[0] = CH_G (pal[0]);
        yb[0] = CH_G (pal[1]);
      }
      for (c = 0; c < img->n_comp; c++) {
        yuv_plane_size (img, c, &sw, &sh);
        for (i = 0; i < sw * sh; i++)
          img->c[c][i] = c ? 128 : (ya[0] + yb[0]) / 2;
      }
      g_object_set (h->element, "k", 2, "max-iters", 0, NULL);
      gst_util_set_object_arg (G_OBJECT (h->element), "dither", modes[m]);
      set_palette (h->element, pal, 2);
      a = yuv_process (h, img, 0);
      b = yuv_process (h, img, 5);
      yuv_assert_eq (b, a, "a still frame again");
      for (i = 0; i < w * ht; i++) {
        const guint8 v = a->c[0][i];

        fail_unless (abs (v - ya[0]) <= 1 || abs (v - yb[0]) <= 1,
            "%s %s: luma %u", yuv_formats[f], modes[m], v);
        n_b += abs (v - yb[0]) <= 1;
      }
      if (m == 0)
        fail_unless (n_b == 0 || n_b == (guint) (w * ht),
            "%s: dithered without dither (%u)", yuv_formats[f], n_b);
      else
        fail_unless (n_b > w * ht / 4 && n_b < w * ht * 3 / 4,
            "%s %s: %u of %d pixels the second colour", yuv_formats[f],
            modes[m], n_b, w * ht);
      yuv_free (a);
      yuv_free (b);
      yuv_free (img);
      gst_harness_teardown (h);
    }
}

GST_END_TEST;

/* With color-space=oklab: a frame between two colours in OkLab too is
 * dithered between them, only them, the same on a still second frame */
GST_START_TEST (test_oklab)
{
  const Fmt *fmt = fmt_get ("RGBA");
  GstHarness *h = harness_mid (fmt, 40, 24, "bayer", 1.0);
  Image *img = image_flat (40, 24, COL_M), *a, *b;
  guint32 seen[4];
  guint n;

  gst_util_set_object_arg (G_OBJECT (h->element), "color-space", "oklab");
  a = process (h, fmt, img);
  b = process (h, fmt, img);
  assert_image_eq (b, a, TRUE, "oklab, a still frame again");
  n = count_distinct (a, seen, G_N_ELEMENTS (seen));
  fail_unless_equals_int (n, 2);
  image_free (a);
  image_free (b);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* dither and dither-strength set from other threads while frames flow;
 * then settled, after a flush, as an undisturbed new stream */
GST_START_TEST (test_stress)
{
  const Fmt *fmt = fmt_get ("RGBx");
  const gint w = 48, ht = 32;
  GstHarness *h = harness_new (fmt, w, ht), *ref = harness_new (fmt, w, ht);
  GParamSpec *pd = g_object_class_find_property (G_OBJECT_GET_CLASS
      (h->element), "dither");
  GstHarnessThread *threads[3];
  Image *img = image_new_noisy (w, ht, 3, 20, 230), *a, *b;
  GValue v = G_VALUE_INIT;
  guint i;

  threads[0] = stress_property (h, "dither", pd->value_type, 1, 50);
  threads[1] = stress_property (h, "dither", pd->value_type, 2, 70);
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, 0.5);
  threads[2] = gst_harness_stress_property_start_full (h, "dither-strength",
      &v, 90);
  g_value_unset (&v);
  for (i = 0; i < 30; i++) {
    a = process (h, fmt, img);
    image_free (a);
  }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    gst_harness_stress_thread_stop (threads[i]);

  g_object_set (h->element, "dither-strength", 0.5, NULL);
  g_object_set (ref->element, "dither-strength", 0.5, NULL);
  gst_util_set_object_arg (G_OBJECT (h->element), "dither", "blue-noise");
  gst_util_set_object_arg (G_OBJECT (ref->element), "dither", "blue-noise");
  fail_unless (harness_flush (h, TRUE, 0));
  harness_drop_events (h);
  a = process (h, fmt, img);
  b = process (ref, fmt, img);
  assert_image_eq (a, b, TRUE, "after the flipping, as a new stream");
  image_free (a);
  image_free (b);
  image_free (img);
  gst_harness_teardown (h);
  gst_harness_teardown (ref);
}

GST_END_TEST;

static Suite *
kmeansseg_suite (void)
{
  Suite *s = suite_create ("kmeansseg-dither");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_bayer_exact);
  tcase_add_test (tc, test_blue_noise);
  tcase_add_test (tc, test_still_margin);
  tcase_add_test (tc, test_other_modes);
  tcase_add_test (tc, test_masked);
  tcase_add_test (tc, test_yuv_formats);
  tcase_add_test (tc, test_oklab);
  tcase_add_test (tc, test_stress);
  return s;
}

GST_CHECK_MAIN (kmeansseg);

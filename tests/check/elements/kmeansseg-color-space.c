/* kmeansseg: element tests: the color-space property (native, oklab)
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

/* color-space=oklab through the harness: the property, a frame that RGB
 * and OkLab cluster differently (each exactly as predicted, the OkLab
 * colours from the formula written here again), every format of the pad
 * templates, the mask key chosen in OkLab. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>

#include "kmstest-gst.h"

/* ------------------------------------------------------------------ */
/* OkLab in doubles (Ottosson's matrices), for the expected colours */

static gdouble
to_linear (gdouble v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static gdouble
from_linear (gdouble v)
{
  v = CLAMP (v, 0, 1);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * pow (v, 1 / 2.4) - 0.055;
}

static void
rgb_to_oklab (guint32 c, gdouble lab[3])
{
  const gdouble r = to_linear (CH_R (c) / 255.0);
  const gdouble g = to_linear (CH_G (c) / 255.0);
  const gdouble b = to_linear (CH_B (c) / 255.0);
  const gdouble l = cbrt (0.4122214708 * r + 0.5363325363 * g +
      0.0514459929 * b);
  const gdouble m = cbrt (0.2119034982 * r + 0.6806995451 * g +
      0.1073969566 * b);
  const gdouble s = cbrt (0.0883024619 * r + 0.2817188376 * g +
      0.6299787005 * b);

  lab[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
  lab[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s;
  lab[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s;
}

static guint32
oklab_to_rgb (const gdouble lab[3])
{
  const gdouble l = pow (lab[0] + 0.3963377774 * lab[1] +
      0.2158037573 * lab[2], 3);
  const gdouble m = pow (lab[0] - 0.1055613458 * lab[1] -
      0.0638541728 * lab[2], 3);
  const gdouble s = pow (lab[0] - 0.0894841775 * lab[1] -
      1.2914855480 * lab[2], 3);

  return RGB (round_level (255 * from_linear (4.0767416621 * l -
              3.3077115913 * m + 0.2309699292 * s)),
      round_level (255 * from_linear (-1.2684380046 * l + 2.6097574011 * m -
              0.3413193965 * s)),
      round_level (255 * from_linear (-0.0041960863 * l - 0.7034186147 * m +
              1.7076147010 * s)));
}

static guint
max_channel_diff (guint32 a, guint32 b)
{
  return MAX (MAX (abs ((gint) CH_R (a) - (gint) CH_R (b)),
          abs ((gint) CH_G (a) - (gint) CH_G (b))),
      abs ((gint) CH_B (a) - (gint) CH_B (b)));
}

/* Three colours: RGB puts C (yellow-green) with B (ochre): squared
 * distances A-B 38912, A-C 25600, B-C 5120; OkLab puts it with A
 * (teal-green): 0.0367, 0.0062, 0.0311; both by a factor of 5 */
static const guint32 abc_rgb[3] = { 0x00c060, 0xa08000, 0x80c000 };

/* ------------------------------------------------------------------ */

GST_START_TEST (test_property)
{
  GstElement *e = gst_element_factory_make ("kmeansseg", NULL);
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (e), "color-space");
  GEnumClass *klass;
  GEnumValue *ev;
  gint v;

  fail_unless (pspec != NULL);
  fail_unless (G_IS_PARAM_SPEC_ENUM (pspec));
  fail_unless ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
  fail_unless (pspec->flags & GST_PARAM_MUTABLE_PLAYING);
  fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 0);
  klass = G_ENUM_CLASS (g_type_class_peek (pspec->value_type));
  fail_unless_equals_int (klass->n_values, 2);

  /* native by default */
  g_object_get (e, "color-space", &v, NULL);
  ev = g_enum_get_value (klass, v);
  fail_unless (ev != NULL);
  fail_unless_equals_string (ev->value_nick, "native");

  gst_util_set_object_arg (G_OBJECT (e), "color-space", "oklab");
  g_object_get (e, "color-space", &v, NULL);
  fail_unless_equals_string (g_enum_get_value (klass, v)->value_nick, "oklab");
  gst_util_set_object_arg (G_OBJECT (e), "color-space", "native");
  g_object_get (e, "color-space", &v, NULL);
  fail_unless_equals_string (g_enum_get_value (klass, v)->value_nick, "native");
  gst_object_unref (e);
}

GST_END_TEST;

/* k=2 on A, B, C: native merges B and C into their pixel-weighted mean
 * (to the bit), oklab merges A and C into their weighted mean in OkLab
 * (within a level of the formula's) and paints B as it is (within 1) */
GST_START_TEST (test_clusterings_differ)
{
  guint f, layout, space;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++)
    for (layout = 0; layout < 2; layout++)
      for (space = 0; space < 2; space++) {
        const Fmt *fmt = &rgb_formats[f];
        GstHarness *h = harness_new (fmt, 41, 30);
        guint counts[4];
        Image *img = image_new_regions (41, 30, layout, abc_rgb, counts);
        Image *out;
        gint i;

        g_object_set (h->element, "k", 2, NULL);
        gst_util_set_object_arg (G_OBJECT (h->element), "color-space",
            space ? "oklab" : "native");
        if (!space) {
          const guint32 m = weighted_mean (abc_rgb[1], counts[1], abc_rgb[2],
              counts[2]);
          const guint32 to[3] = { abc_rgb[0], m, m };
          Image *exp = image_map (img, abc_rgb, to, 3);

          check_process (h, fmt, img, exp, "native: B and C merged");
          image_free (exp);
        } else {
          gdouble a[3], c[3], mean[3];
          guint32 m, got_ac = 0, got_b = 0;
          guint ch;

          rgb_to_oklab (abc_rgb[0], a);
          rgb_to_oklab (abc_rgb[2], c);
          for (ch = 0; ch < 3; ch++)
            mean[ch] = (a[ch] * counts[0] + c[ch] * counts[2]) /
                (counts[0] + counts[2]);
          m = oklab_to_rgb (mean);
          out = process (h, fmt, img);
          for (i = 0; i < img->w * img->h; i++) {
            const guint32 o = out->rgb[i];

            if (img->rgb[i] == abc_rgb[1]) {
              got_b = got_b ? got_b : o;
              fail_unless_equals_int (o, got_b);
            } else {
              got_ac = got_ac ? got_ac : o;
              fail_unless_equals_int (o, got_ac);
            }
            /* alpha and padding bytes stay */
            if (fmt->bpp == 4)
              fail_unless_equals_int (out->extra[i], img->extra[i]);
          }
          fail_unless (max_channel_diff (got_ac, m) <= 1, "%s: A and C "
              "painted %06x, the formula's mean %06x", fmt->name, got_ac, m);
          fail_unless (max_channel_diff (got_b, abc_rgb[1]) <= 1,
              "%s: B painted %06x", fmt->name, got_b);
          image_free (out);
        }
        image_free (img);
        gst_harness_teardown (h);
      }
}

GST_END_TEST;

/* Every YUV and grey format of the templates, BT.601 and BT.709: three
 * flat regions at k=3 (smoothed, with the still pixels' hysteresis) come
 * back as they were, within the rounding of the
 * way through OkLab (a level); under the other matrix the same bytes are
 * other colours, so a conversion with the wrong one would not */
GST_START_TEST (test_yuv_formats)
{
  static const guint32 cols_rgb[3] = { 0xc83c32, 0x2878c8, 0x5ab446 };
  static const struct
  {
    const gchar *colorimetry;
    gdouble kr, kb;
  } cms[] = {
    {"bt601", KR_601, KB_601},
    {"bt709", KR_709, KB_709},
  };
  guint f, m;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++)
    for (m = 0; m < G_N_ELEMENTS (cms); m++) {
      const gint w = 33, ht = 17;
      guint8 cols[3][3], *lab = labels_regions (w, ht, 6, 8);
      gchar *extra = g_strdup_printf ("colorimetry=%s", cms[m].colorimetry);
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, extra);
      Yuv *img, *out;
      guint frame, c, worst = 0;
      gint sw, sh, x, y;

      for (c = 0; c < 3; c++)
        argb_to_yuv (cols_rgb[c], cms[m].kr, cms[m].kb, FALSE, cols[c]);
      img = yuv_new_labels (yuv_formats[f], w, ht, lab, cols);
      /* with the label smoothing and the still pixels' hysteresis, which
       * compare the pixels with the centroids in OkLab too */
      g_object_set (h->element, "k", 3, "spatial-smoothing", 1,
          "still-hysteresis", 6.0, NULL);
      gst_util_set_object_arg (G_OBJECT (h->element), "color-space", "oklab");
      for (frame = 0; frame < 2; frame++) {
        out = yuv_process (h, img, frame ? 3 : 0);
        for (c = 0; c < img->n_comp; c++) {
          yuv_plane_size (img, c, &sw, &sh);
          for (y = 0; y < sh; y++)
            for (x = 0; x < sw; x++)
              worst = MAX (worst, (guint) abs (yuv_pix (out, c, x, y) -
                      yuv_pix (img, c, x, y)));
        }
        yuv_free (out);
      }
      fail_unless (worst <= 1, "%s %s: a sample %u levels off",
          yuv_formats[f], cms[m].colorimetry, worst);
      gst_harness_teardown (h);
      yuv_free (img);
      g_free (lab);
      g_free (extra);
    }
}

GST_END_TEST;

/* Every RGB format, odd sizes and padded strides: four colours at k=4
 * come back within a level (the centroids are means of the pixels' fine
 * OkLab coordinates: painted back, a colour moves by the rounding) */
GST_START_TEST (test_rgb_formats)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    const Fmt *fmt = &rgb_formats[f];
    GstHarness *h = harness_new (fmt, 37, 29);
    Image *img = image_new_regions (37, 29, 2, four, NULL);
    guint frame;
    gint i;

    g_object_set (h->element, "k", 4, NULL);
    gst_util_set_object_arg (G_OBJECT (h->element), "color-space", "oklab");
    for (frame = 0; frame < 2; frame++) {
      Image *out = process_stride (h, fmt, img, frame ? 37 * fmt->bpp + 9 : 0);

      for (i = 0; i < img->w * img->h; i++) {
        fail_unless (max_channel_diff (out->rgb[i], img->rgb[i]) <= 1,
            "%s: %06x for %06x", fmt->name, out->rgb[i], img->rgb[i]);
        if (fmt->bpp == 4)
          fail_unless_equals_int (out->extra[i], img->extra[i]);
      }
      image_free (out);
    }
    image_free (img);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* mask-key 0x347055 is nearest A in RGB and nearest B in OkLab */
GST_START_TEST (test_mask_key)
{
  const Fmt *fmt = fmt_get ("RGBx");
  guint space;

  for (space = 0; space < 2; space++) {
    GstHarness *h = harness_new (fmt, 30, 24);
    Image *img = image_new_regions (30, 24, 0, abc_rgb, NULL);
    Image *exp = expect_masked (img, abc_rgb[space ? 1 : 0]);
    Image *out;
    gint i;

    g_object_set (h->element, "k", 3, "mask-key", (gint64) 0x347055,
        "mask-color", 0xff000000, NULL);
    gst_util_set_object_arg (G_OBJECT (h->element), "color-space",
        space ? "oklab" : "native");
    out = process (h, fmt, img);
    for (i = 0; i < img->w * img->h; i++) {
      if (exp->rgb[i] == 0) {
        fail_unless_equals_int (out->rgb[i], 0);
      } else {
        fail_unless (out->rgb[i] != 0 && max_channel_diff (out->rgb[i],
                img->rgb[i]) <= 1, "%s: %06x for %06x", space ? "oklab" :
            "native", out->rgb[i], img->rgb[i]);
      }
    }
    image_free (out);
    image_free (exp);
    image_free (img);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* color-space flipped from other threads while frames flow, with k and
 * the threads: every frame comes out, of the input's size, and a frame
 * after the flipping stops is as an undisturbed stream's */
GST_START_TEST (test_stress)
{
  static const gchar *formats[] = { "RGBx", "I420", "NV12", "GRAY8" };
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const gint w = 64, ht = 48;
    GstHarness *h = harness_new_yuv (formats[f], w, ht, NULL);
    GstHarness *ref = harness_new_yuv (formats[f], w, ht, NULL);
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
        (h->element), "color-space");
    GstHarnessThread *threads[4];
    Yuv *img = yuv_new (formats[f], w, ht), *a, *b;
    guint i, c;
    gint sw, sh, x, y;

    for (c = 0; c < img->n_comp; c++) {
      yuv_plane_size (img, c, &sw, &sh);
      for (y = 0; y < sh; y++)
        for (x = 0; x < sw; x++)
          img->c[c][y * sw + x] = 16 + (x * 37 + y * 11 + c * 80) % 220;
    }
    threads[0] = stress_property (h, "color-space", pspec->value_type, 1, 50);
    threads[1] = stress_property (h, "color-space", pspec->value_type, 0, 70);
    threads[2] = stress_property (h, "k", G_TYPE_UINT, 6, 90);
    threads[3] = stress_property (h, "n-threads", G_TYPE_UINT, 2, 110);
    for (i = 0; i < 30; i++) {
      a = yuv_process (h, img, 0);
      yuv_free (a);
    }
    for (i = 0; i < G_N_ELEMENTS (threads); i++)
      gst_harness_stress_thread_stop (threads[i]);

    /* settled: oklab, k=6, one thread, after a flush (which starts the
     * clusters afresh), as a new stream */
    g_object_set (h->element, "k", 6, "n-threads", 1, NULL);
    g_object_set (ref->element, "k", 6, NULL);
    gst_util_set_object_arg (G_OBJECT (h->element), "color-space", "oklab");
    gst_util_set_object_arg (G_OBJECT (ref->element), "color-space", "oklab");
    fail_unless (harness_flush (h, TRUE, 0));
    harness_drop_events (h);
    a = yuv_process (h, img, 0);
    b = yuv_process (ref, img, 0);
    yuv_assert_eq (a, b, "after the flipping, as a new stream");
    yuv_free (a);
    yuv_free (b);
    yuv_free (img);
    gst_harness_teardown (h);
    gst_harness_teardown (ref);
  }
}

GST_END_TEST;

static Suite *
kmeansseg_suite (void)
{
  Suite *s = suite_create ("kmeansseg-color-space");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property);
  tcase_add_test (tc, test_clusterings_differ);
  tcase_add_test (tc, test_rgb_formats);
  tcase_add_test (tc, test_yuv_formats);
  tcase_add_test (tc, test_mask_key);
  tcase_add_test (tc, test_stress);
  return s;
}

GST_CHECK_MAIN (kmeansseg);

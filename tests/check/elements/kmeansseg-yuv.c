/* GStreamer kmeansseg: YUV and grey formats
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

/* The YUV and grey formats of the templates: flat regions unchanged or
 * merged, chroma samples shared by several clusters, the mask colour
 * converted with the caps' colorimetry. The expected frames come from the
 * tests' own model of the fit (kmstest-gst.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kmstest-gst.h"

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
      guint8 *lab, cent[3][3];
      Yuv *img = yuv_new_straddling (yuv_formats[f], w, ht, &lab, cent);
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, NULL);
      Yuv *exp;

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

static Suite *
kmeansseg_yuv_suite (void)
{
  Suite *s = suite_create ("kmeansseg-yuv");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_yuv_formats_identity_and_merge);
  tcase_add_test (tc, test_yuv_chroma_majority);
  tcase_add_test (tc, test_yuv_mask_color);

  return s;
}

GST_CHECK_MAIN (kmeansseg_yuv);

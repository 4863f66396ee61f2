/* GStreamer kmeansseg: threads
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

/* The n-threads property: every thread count gives the one thread's
 * output byte for byte, also when it changes on a running stream; and
 * properties set from other threads while frames flow. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kmstest-gst.h"

GST_START_TEST (test_property_stress)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 16, 12);
  Image *img = image_new_noisy (16, 12, 99, 40, 220);
  GType mode = g_object_class_find_property (G_OBJECT_GET_CLASS (h->element),
      "mode")->value_type;
  GstHarnessThread *threads[10];
  guint n_threads = 0, i;
  gint p;

  threads[n_threads++] = stress_property (h, "k", G_TYPE_UINT, 2, 50);
  threads[n_threads++] = stress_property (h, "k", G_TYPE_UINT, 6, 50);
  threads[n_threads++] = stress_property (h, "mask-cluster", G_TYPE_INT, 1,
      50);
  threads[n_threads++] = stress_property (h, "mask-cluster", G_TYPE_INT, 4,
      50);
  threads[n_threads++] = stress_property (h, "mode", mode, MODE_POSTERIZE,
      50);
  threads[n_threads++] = stress_property (h, "mode", mode, MODE_ORIGINAL, 50);
  threads[n_threads++] = stress_property (h, "warm-start", G_TYPE_BOOLEAN,
      FALSE, 50);
  threads[n_threads++] = stress_property (h, "warm-start", G_TYPE_BOOLEAN,
      TRUE, 50);
  /* 0: one per core; 3 is more than some bands have rows */
  threads[n_threads++] = stress_property (h, "n-threads", G_TYPE_UINT, 0, 50);
  threads[n_threads++] = stress_property (h, "n-threads", G_TYPE_UINT, 3, 50);

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
            fail_unless (n >= (guint) MIN (2, w * ht) && n <= 6, "%s %dx%d frame "
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
kmeansseg_threads_suite (void)
{
  Suite *s = suite_create ("kmeansseg-threads");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property_stress);
  tcase_add_test (tc, test_n_threads_property);
  tcase_add_test (tc, test_n_threads_identical);
  tcase_add_test (tc, test_n_threads_change_streaming);

  return s;
}

GST_CHECK_MAIN (kmeansseg_threads);

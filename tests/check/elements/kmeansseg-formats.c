/* GStreamer kmeansseg: formats and exact outputs
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

/* Every packed RGB format, odd sizes and strides, the mask in both modes,
 * the numbering by luma, the few-colour and one-pixel frames: each output
 * compared pixel for pixel with what the regions' colours and sizes say
 * it must be (kmstest.h, kmstest-gst.h), never taken from the element. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kmstest-gst.h"

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

GST_START_TEST (test_all_formats)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    const Fmt *fmt = &rgb_formats[f];
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
  guint n, c;

  /* the clusters: posterize's colours, numbered by luma */
  g_object_set (h->element, "k", k, NULL);
  post = process (h, fmt, img);
  gst_harness_teardown (h);
  n = count_distinct (post, pal, G_N_ELEMENTS (pal));
  fail_unless_equals_int (n, k);
  sort_by_luma (pal, n);

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

static Suite *
kmeansseg_formats_suite (void)
{
  Suite *s = suite_create ("kmeansseg-formats");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_three_regions_identity);
  tcase_add_test (tc, test_merge_weighted_mean);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_odd_sizes_and_strides);
  tcase_add_test (tc, test_mask_posterize);
  tcase_add_test (tc, test_mask_original_noisy);
  tcase_add_test (tc, test_mask_alpha);
  tcase_add_test (tc, test_luma_numbering);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_few_colours);
  tcase_add_test (tc, test_shared_input_untouched);
  tcase_add_test (tc, test_posterize_nearest_colour);
  tcase_add_test (tc, test_unsupported_format);

  return s;
}

GST_CHECK_MAIN (kmeansseg_formats);

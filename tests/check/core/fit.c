/* kmeansseg: core tests: the fit (Lloyd, seeding, numbering, warm start)
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

/* The fit through the public API: it is Lloyd on every pixel (against a
 * reference in double precision), clusters left empty are re-seeded, a
 * fresh start numbers the clusters by luma and a warm start keeps them. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coretest.h"

/* ------------------------------------------------------------------ */
/* 1. The fit is Lloyd on every pixel */

enum
{
  DATA_UNIFORM,
  DATA_BLOBS,
  DATA_QUANTIZED
};

/* DATA_QUANTIZED's levels are 51 apart: every histogram cell holds one
 * colour, so the histogram fit runs on the same points as the exact one */
static const struct
{
  KmsFormat format;
  gint width;
  gint height;
  guint k;
  guint max_iters;
  gdouble tolerance;
  gint data;
  KmsInit init;
  guint sample_size;
  guint32 seed;
} lloyd_cases[] = {
  {KMS_FORMAT_RGBx, 40, 30, 2, 30, 0.0, DATA_UNIFORM, KMS_INIT_KMEANS_PP, 0,
      1},
  {KMS_FORMAT_RGB, 64, 48, 3, 50, 0.5, DATA_BLOBS, KMS_INIT_KMEANS_PP, 0, 2},
  {KMS_FORMAT_RGBx, 97, 61, 4, 8, 0.0, DATA_UNIFORM, KMS_INIT_RANDOM, 0, 3},
  {KMS_FORMAT_RGB, 33, 77, 5, 40, 0.01, DATA_QUANTIZED, KMS_INIT_KMEANS_PP, 0,
      4},
  {KMS_FORMAT_RGBx, 120, 90, 6, 25, 0.1, DATA_BLOBS, KMS_INIT_RANDOM, 0, 5},
  {KMS_FORMAT_RGB, 50, 50, 7, 12, 0.0, DATA_UNIFORM, KMS_INIT_KMEANS_PP, 0, 6},
  {KMS_FORMAT_RGBx, 81, 47, 8, 60, 0.0, DATA_QUANTIZED, KMS_INIT_RANDOM, 0,
      7},
  {KMS_FORMAT_RGB, 100, 75, 8, 30, 1.0, DATA_BLOBS, KMS_INIT_KMEANS_PP, 0, 8},
  {KMS_FORMAT_RGBx, 90, 70, 4, 40, 0.0, DATA_QUANTIZED, KMS_INIT_KMEANS_PP,
      65536, 9},
  {KMS_FORMAT_RGB, 64, 64, 7, 40, 0.2, DATA_QUANTIZED, KMS_INIT_RANDOM,
      65536, 10},
};

START_TEST (test_lloyd_matches_reference)
{
  const gint i = _i;
  const gint w = lloyd_cases[i].width, h = lloyd_cases[i].height;
  const guint k = lloyd_cases[i].k;
  const gsize n = (gsize) w * h;
  guint64 s = 0x9e3779b97f4a7c15ull * (i + 1);
  guint8 *rgb = g_malloc (3 * n);
  gdouble ref[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble got[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 ref_pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  gboolean reseeded;
  TestImage *in, *out, *expected;
  TestExpect ex;
  KmsContext *ctx;
  KmsParams params;
  KmsResult stats;
  guint ref_iters, c, ch;

  switch (lloyd_cases[i].data) {
    case DATA_UNIFORM:
      gen_uniform (rgb, n, &s);
      break;
    case DATA_BLOBS:
      gen_blobs (rgb, n, k + 1, 30, &s);
      break;
    default:
      gen_quantized (rgb, n, 6, &s);
      break;
  }
  in = image_new_from_rgb (lloyd_cases[i].format, w, h, 4, rgb, &s);

  /* The seeds: a fresh frame that runs no iteration */
  params_init_exact (&params, k);
  params.sample_size = lloyd_cases[i].sample_size;
  params.warm_start = TRUE;
  params.max_iters = 0;
  params.tolerance = lloyd_cases[i].tolerance;
  params.init = lloyd_cases[i].init;
  params.seed = lloyd_cases[i].seed;
  ctx = kms_context_new ();
  out = process_and_check (ctx, &params, in, &stats, NULL);
  image_free (out);
  ck_assert (stats.reinitialized);
  ck_assert_uint_eq (stats.iterations, 0);
  get_exact (ctx, k, ref);

  /* The fit from those seeds, by the core and by the reference */
  params.max_iters = lloyd_cases[i].max_iters;
  out = image_copy (in);
  process_in_place (ctx, &params, out, &stats);
  ck_assert (!stats.reinitialized);

  ref_iters = ref_lloyd (rgb, n, k, ref, params.max_iters, params.tolerance,
      &reseeded);
  /* keep these cases free of re-seeding (see ref_lloyd) */
  ck_assert_msg (!reseeded, "test data: a reference cluster went empty");
  ck_assert_uint_eq (stats.iterations, ref_iters);

  get_exact (ctx, k, got);
  for (c = 0; c < k; c++)
    for (ch = 0; ch < 3; ch++)
      ck_assert_msg (fabs (got[c][ch] - ref[c][ch]) <= 1e-9,
          "centroid %u channel %u: %.12f, reference %.12f", c, ch,
          got[c][ch], ref[c][ch]);

  for (c = 0; c < k; c++)
    for (ch = 0; ch < 3; ch++)
      ref_pal[c][ch] = round_centroid (ref[c][ch]);
  get_palette (ctx, k, pal);
  ck_assert (memcmp (pal, ref_pal, k * sizeof (pal[0])) == 0);

  /* The labels, seen through the painted colours */
  expected = expect_output (in, (const guint8 (*)[KMS_MAX_CHANNELS]) ref_pal,
      k, &params, &ex);
  assert_images_equal (out, expected, "painted with the reference centroids");
  ck_assert_uint_eq (kms_context_get_counts (ctx, counts, KMS_MAX_K), k);
  for (c = 0; c < k; c++)
    ck_assert_uint_eq (counts[c], ex.counts[c]);

  image_free (expected);
  image_free (out);
  image_free (in);
  kms_context_free (ctx);
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 3. More clusters than colours */

START_TEST (test_empty_clusters)
{
  static const guint8 two[2][3] = { {12, 200, 90}, {240, 31, 77} };
  const gint w = 45, h = 33;
  const gsize n = (gsize) w * h;
  guint64 s = 5;
  guint mode;

  for (mode = 0; mode < 8; mode++) {
    const KmsFormat format = mode % 2 ? KMS_FORMAT_RGBx : KMS_FORMAT_RGB;
    guint8 *rgb = g_malloc (3 * n);
    KmsContext *ctx = kms_context_new ();
    gsize sizes[2] = { n / 3, n - n / 3 };
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    gsize i;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.sample_size = (mode / 2) % 2 ? 0 : 65536;
    params.init = mode / 4 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;

    /* uniform frame, k = 5 */
    for (i = 0; i < n; i++) {
      rgb[3 * i] = 37;
      rgb[3 * i + 1] = 140;
      rgb[3 * i + 2] = 201;
    }
    in = image_new_from_rgb (format, w, h, 5, rgb, &s);
    params.k = 5;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    assert_images_equal (out, in, "uniform frame, k 5");
    image_free (out);
    image_free (in);

    /* two colours, k = 4, fresh and then warm */
    gen_regions (rgb, n, two, sizes, 2, 0, &s);
    in = image_new_from_rgb (format, w, h, 3, rgb, &s);
    params.k = 4;
    params.warm_start = FALSE;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    assert_images_equal (out, in, "two colours, k 4");
    image_free (out);
    params.warm_start = TRUE;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    assert_images_equal (out, in, "two colours, k 4, warm");
    image_free (out);
    image_free (in);

    kms_context_free (ctx);
    g_free (rgb);
  }
}

END_TEST;

/* A colour vanishes on a warm frame: its cluster goes empty and is
 * re-seeded at the worst served colour, so all three come back exact. */
START_TEST (test_empty_cluster_reseed)
{
  static const guint8 frame1[3][3] = {
    {0, 0, 0}, {128, 128, 128}, {255, 255, 255}
  };
  /* navy is nearer black than grey: nothing is left for grey */
  static const guint8 frame2[3][3] = {
    {0, 0, 0}, {0, 0, 60}, {255, 255, 255}
  };
  const gint w = 30, h = 24;
  const gsize n = (gsize) w * h;
  guint64 s = 606;
  guint8 *rgb = g_malloc (3 * n);
  guint mode;

  for (mode = 0; mode < 4; mode++) {
    gdouble ref[KMS_MAX_K][KMS_MAX_CHANNELS], got[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;

    params_init_exact (&params, 3);
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    /* black moves 30 on the first iteration: within a tolerance of 40, so
     * only the re-seeded centroid's jump calls for a second one */
    params.tolerance = mode / 2 ? 40.0 : 0.0;
    params.sample_size = mode % 2 ? 0 : 65536;
    gen_thirds (rgb, n, frame1, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 4, rgb, &s);
    image_free (process_and_check (ctx, &params, in, &stats, NULL));
    image_free (in);
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[1], 128, 128, 128);
    get_exact (ctx, 3, ref);

    gen_thirds (rgb, n, frame2, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 4, rgb, &s);
    out = process_and_check (ctx, &params, in, &stats, NULL);
    ck_assert (!stats.reinitialized);
    assert_images_equal (out, in, "warm frame after a colour vanished");
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[0], 0, 0, 0);
    assert_color_eq (pal[1], 0, 0, 60);
    assert_color_eq (pal[2], 255, 255, 255);

    assert_reseeded_as_reference (ctx, &params, &stats, rgb, n, 3, ref, got);

    image_free (out);
    image_free (in);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* k = 1 is the mean of the frame (every pixel is sampled at this size,
 * so in histogram mode too); k = KMS_MAX_K still paints the nearest */
START_TEST (test_k_extremes)
{
  const gint w = 80, h = 60;
  const gsize n = (gsize) w * h;
  guint64 s = 271828;
  guint8 *rgb = g_malloc (3 * n);
  guint mode;

  for (mode = 0; mode < 4; mode++) {
    gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS], mean[3] = { 0, 0, 0 };
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    guint64 sum[3] = { 0, 0, 0 };
    gsize i;
    guint ch;

    gen_uniform_or_blobs (rgb, n, mode % 2, 3, 60, &s);
    for (i = 0; i < n; i++)
      for (ch = 0; ch < 3; ch++)
        sum[ch] += rgb[3 * i + ch];
    for (ch = 0; ch < 3; ch++)
      mean[ch] = (gdouble) sum[ch] / n;
    in = image_new_from_rgb (KMS_FORMAT_BGRx, w, h, 4, rgb, &s);

    params_init_exact (&params, 1);
    params.sample_size = mode / 2 ? 0 : 65536;
    params.tolerance = 0;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    get_exact (ctx, 1, cent);
    for (ch = 0; ch < 3; ch++)
      ck_assert_msg (fabs (cent[0][ch] - mean[ch]) <= 1e-9,
          "channel %u: centroid %.12f, frame mean %.12f", ch, cent[0][ch],
          mean[ch]);
    get_palette (ctx, 1, pal);
    for (ch = 0; ch < 3; ch++)
      ck_assert_uint_eq (pal[0][ch], round_centroid (mean[ch]));
    image_free (out);

    image_free (in);

    /* a smaller frame, but still more pixels than clusters */
    in = image_new_from_rgb (KMS_FORMAT_RGB, 20, 16, 4, rgb, &s);
    params.k = KMS_MAX_K;
    params.warm_start = mode % 2;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    ck_assert_uint_eq (stats.k, KMS_MAX_K);
    ck_assert (stats.reinitialized == !(mode % 2));
    image_free (out);
    image_free (in);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 4. Determinism */

START_TEST (test_determinism)
{
  const gint w = 71, h = 53;
  const gsize n = (gsize) w * h;
  guint64 s = 2024;
  guint mode;

  for (mode = 0; mode < 4; mode++) {
    guint8 *rgb = g_malloc (3 * n);
    KmsContext *a = kms_context_new ();
    KmsContext *b = kms_context_new ();
    gdouble ca[KMS_MAX_K][KMS_MAX_CHANNELS], cb[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsParams params;
    guint frame;

    params_init_exact (&params, 5);
    params.init = mode % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
    params.sample_size = mode / 2 ? 0 : 800;
    params.seed = 1234567 + mode;

    /* three frames: the warm ones must repeat too */
    for (frame = 0; frame < 3; frame++) {
      TestImage *in, *oa, *ob;
      KmsResult sa, sb;

      gen_blobs (rgb, n, 6, 35, &s);
      in = image_new_from_rgb (KMS_FORMAT_BGRx, w, h, 2, rgb, &s);
      oa = process_and_check (a, &params, in, &sa, NULL);
      ob = process_and_check (b, &params, in, &sb, NULL);
      assert_images_equal (oa, ob, "second context");
      get_exact (a, 5, ca);
      get_exact (b, 5, cb);
      ck_assert (memcmp (ca, cb, 5 * sizeof (ca[0])) == 0);
      ck_assert_uint_eq (sa.iterations, sb.iterations);
      ck_assert (sa.mse == sb.mse);
      image_free (oa);
      image_free (ob);
      image_free (in);
    }
    kms_context_free (a);
    kms_context_free (b);
    g_free (rgb);
  }
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 5. A fresh start numbers the clusters by luma, darkest first */

START_TEST (test_luma_numbering)
{
  static const guint8 rgb_thirds[3][3] = {
    {255, 0, 0}, {0, 255, 0}, {0, 0, 255}
  };
  static const KmsFormat formats[] = { KMS_FORMAT_RGB, KMS_FORMAT_BGR,
    KMS_FORMAT_xBGR, KMS_FORMAT_ARGB
  };
  const gint w = 36, h = 20;
  const gsize n = (gsize) w * h;
  guint64 s = 31;
  guint8 *rgb = g_malloc (3 * n);
  guint f, mode, round;

  gen_thirds (rgb, n, rgb_thirds, 0, &s);
  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (mode = 0; mode < 4; mode++) {
      guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
      KmsContext *ctx = kms_context_new ();
      TestImage *in, *out;
      KmsParams params;

      params_init_exact (&params, 3);
      params.init = mode % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
      params.sample_size = mode / 2 ? 0 : 65536;
      in = image_new_from_rgb (formats[f], w, h, 4, rgb, &s);
      out = process_and_check (ctx, &params, in, NULL, NULL);
      assert_images_equal (out, in, "red, green, blue at k 3");
      /* luma: blue 29.1 < red 76.2 < green 149.7; always R, G, B order */
      get_palette (ctx, 3, pal);
      assert_color_eq (pal[0], 0, 0, 255);
      assert_color_eq (pal[1], 255, 0, 0);
      assert_color_eq (pal[2], 0, 255, 0);
      image_free (out);
      image_free (in);
      kms_context_free (ctx);
    }
  }
  g_free (rgb);

  /* and on random frames */
  for (round = 0; round < 8; round++) {
    const gint rw = 50, rh = 40;
    gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    guint c;

    rgb = g_malloc (3 * rw * rh);
    gen_blobs (rgb, rw * rh, 8, 40, &s);
    in = image_new_from_rgb (KMS_FORMAT_BGRA, rw, rh, 0, rgb, &s);
    params_init_exact (&params, 2 + round);
    params.init = round % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
    params.sample_size = round % 3 ? 0 : 65536;
    params.seed = round * 77;
    out = process_and_check (ctx, &params, in, NULL, NULL);
    get_exact (ctx, params.k, cent);
    for (c = 1; c < params.k; c++)
      ck_assert_msg (luma (cent[c - 1]) <= luma (cent[c]),
          "k %u: cluster %u luma %f > cluster %u luma %f", params.k, c - 1,
          luma (cent[c - 1]), c, luma (cent[c]));
    image_free (out);
    image_free (in);
    kms_context_free (ctx);
    g_free (rgb);
  }
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 6. A warm start keeps the numbers */

START_TEST (test_warm_start_keeps_numbers)
{
  /* frame 1 luma order: dark 24.6 < b 105.87 < a 105.98; frame 2 swaps
   * a' 104.78 < b' 107.04: only a re-sort would renumber them */
  static const guint8 frame1[3][3] = {
    {120, 100, 100}, {100, 110, 100}, {20, 20, 60}
  };
  static const guint8 frame2[3][3] = {
    {116, 100, 100}, {100, 112, 100}, {22, 20, 60}
  };
  const gint w = 40, h = 30;
  const gsize n = (gsize) w * h;
  guint64 s = 4242;
  guint8 *rgb = g_malloc (3 * n);
  guint mode;

  for (mode = 0; mode < 2; mode++) {
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in1, *in2, *out;
    KmsParams params;
    KmsResult stats;
    guint frame;

    params_init_exact (&params, 3);
    params.sample_size = mode ? 0 : 65536;
    gen_thirds (rgb, n, frame1, 0, &s);
    in1 = image_new_from_rgb (KMS_FORMAT_xRGB, w, h, 4, rgb, &s);
    gen_thirds (rgb, n, frame2, 0, &s);
    in2 = image_new_from_rgb (KMS_FORMAT_xRGB, w, h, 4, rgb, &s);

    out = process_and_check (ctx, &params, in1, &stats, NULL);
    image_free (out);
    ck_assert (stats.reinitialized);
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[0], 20, 20, 60);
    assert_color_eq (pal[1], 100, 110, 100);
    assert_color_eq (pal[2], 120, 100, 100);

    out = process_and_check (ctx, &params, in2, &stats, NULL);
    assert_images_equal (out, in2, "warm frame 2");
    image_free (out);
    ck_assert (!stats.reinitialized);
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[0], 22, 20, 60);
    assert_color_eq (pal[1], 100, 112, 100);
    assert_color_eq (pal[2], 116, 100, 100);

    /* Without the warm start every frame starts afresh, luma order */
    params.warm_start = FALSE;
    for (frame = 0; frame < 3; frame++) {
      out = process_and_check (ctx, &params, frame % 2 ? in1 : in2, &stats,
          NULL);
      image_free (out);
      ck_assert (stats.reinitialized);
    }
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[0], 22, 20, 60);
    assert_color_eq (pal[1], 116, 100, 100);
    assert_color_eq (pal[2], 100, 112, 100);

    image_free (in1);
    image_free (in2);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 7. Flat regions: k = 3 keeps them, k = 2 merges the two closest */

START_TEST (test_flat_regions_merge)
{
  static const guint8 colors[3][3] = {
    {200, 40, 40}, {220, 60, 50}, {30, 40, 200}
  };
  const gint w = 60, h = 40;
  const gsize n = (gsize) w * h;
  gsize sizes[3] = { 700, 500, n - 1200 };
  guint64 s = 8;
  guint8 *rgb = g_malloc (3 * n);
  gdouble mean[3];
  guint8 merged[3];
  guint mode, ch;

  gen_regions (rgb, n, colors, sizes, 3, 0, &s);
  /* the pixel-weighted mean of the two reds */
  for (ch = 0; ch < 3; ch++) {
    mean[ch] = (gdouble) (sizes[0] * colors[0][ch] +
        sizes[1] * colors[1][ch]) / (sizes[0] + sizes[1]);
    merged[ch] = round_centroid (mean[ch]);
  }

  for (mode = 0; mode < 4; mode++) {
    gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    guint m, o;
    gsize i;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.init = mode % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
    params.sample_size = mode / 2 ? 0 : 65536;
    in = image_new_from_rgb (KMS_FORMAT_RGBA, w, h, 4, rgb, &s);

    params.k = 3;
    out = process_and_check (ctx, &params, in, NULL, NULL);
    assert_images_equal (out, in, "three flat regions, k 3");
    image_free (out);

    params.k = 2;
    params.warm_start = FALSE;
    out = process_and_check (ctx, &params, in, NULL, NULL);
    get_palette (ctx, 2, pal);
    get_exact (ctx, 2, cent);
    /* which one is the merged cluster */
    m = memcmp (pal[0], colors[2], 3) == 0 ? 1 : 0;
    o = 1 - m;
    assert_color_eq (pal[o], colors[2][0], colors[2][1], colors[2][2]);
    assert_color_eq (pal[m], merged[0], merged[1], merged[2]);
    for (ch = 0; ch < 3; ch++)
      ck_assert_double_eq_tol (cent[m][ch], mean[ch], 1e-9);
    for (i = 0; i < n; i++) {
      const guint8 *p = image_pixel (out, i % w, i / w);
      const guint8 *e = i < 1200 ? merged : colors[2];

      /* RGBA: R, G, B are the first three bytes */
      if (memcmp (p, e, 3) != 0)
        assert_color_eq (p, e[0], e[1], e[2]);
    }
    image_free (out);
    image_free (in);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 12. k changes on a running stream */

START_TEST (test_k_change)
{
  static const guint8 colors[3][3] = {
    {40, 40, 160}, {200, 60, 50}, {120, 220, 120}
  };
  const gint w = 64, h = 48;
  const gsize n = (gsize) w * h;
  guint64 s = 64;
  guint8 *rgb = g_malloc (3 * n);
  guint mode;

  gen_thirds (rgb, n, colors, 12, &s);
  for (mode = 0; mode < 2; mode++) {
    guint8 pal3[KMS_MAX_K][KMS_MAX_CHANNELS], pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    guint c, j;

    params_init_exact (&params, 3);
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    params.sample_size = mode ? 0 : 65536;
    in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 4, rgb, &s);
    out = process_and_check (ctx, &params, in, &stats, NULL);
    image_free (out);
    ck_assert_uint_eq (stats.k, 3);
    get_palette (ctx, 3, pal3);

    params.k = 5;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    image_free (out);
    ck_assert_uint_eq (stats.k, 5);
    ck_assert (!stats.reinitialized);
    get_palette (ctx, 5, pal);
    /* 0..2 keep their numbers: each stays by its old place, and nearer to
     * its own region's colour than to the others */
    for (c = 0; c < 3; c++) {
      guint own = 0;

      ck_assert_msg (color_distance (pal[c], pal3[c]) < 20.0,
          "cluster %u moved from %u,%u,%u to %u,%u,%u", c, pal3[c][0],
          pal3[c][1], pal3[c][2], pal[c][0], pal[c][1], pal[c][2]);
      for (j = 1; j < 3; j++)
        if (color_distance (pal3[c], colors[j]) <
            color_distance (pal3[c], colors[own]))
          own = j;
      for (j = 0; j < 3; j++)
        ck_assert (j == own || color_distance (pal[c], colors[own]) <
            color_distance (pal[c], colors[j]));
    }

    params.k = 2;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    image_free (out);
    ck_assert_uint_eq (stats.k, 2);
    ck_assert (!stats.reinitialized);

    params.k = 3;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    image_free (out);
    ck_assert_uint_eq (stats.k, 3);
    ck_assert (!stats.reinitialized);

    image_free (in);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* A sample of more than G_MAXUINT32 / 255 pixels in one histogram cell */

/* A flat white area of more than G_MAXUINT32 / 255 pixels in one
 * histogram cell, every pixel sampled: the cell's channel sums must not
 * wrap (they once were guint32 and painted this frame black). The
 * smallest such frame: 4105x4104, 50 MB. */
START_TEST (test_large_sample_sums)
{
  const gint w = 4105, h = 4104;
  const gsize size = (gsize) w * h * 3;
  guint8 *data = g_malloc (size);
  gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  KmsContext *ctx = kms_context_new ();
  KmsFrame frame;
  KmsParams params;
  KmsResult stats;
  gsize i, changed = 0;
  guint ch;

  ck_assert_uint_gt ((guint64) w * h, G_MAXUINT32 / 255);
  memset (data, 255, size);
  memset (&frame, 0, sizeof (frame));
  frame.format = KMS_FORMAT_RGB;
  frame.width = w;
  frame.height = h;
  frame.data[0] = data;
  frame.stride[0] = w * 3;
  params_init_exact (&params, 1);
  params.sample_size = w * h;

  ck_assert (kms_context_process (ctx, &params, &frame, &frame, &stats));
  get_exact (ctx, 1, cent);
  get_palette (ctx, 1, pal);
  for (i = 0; i < size; i++)
    changed += data[i] != 255;
  /* free first: a failure here leaks nothing under CK_FORK=no */
  kms_context_free (ctx);
  g_free (data);

  for (ch = 0; ch < 3; ch++) {
    ck_assert_msg (cent[0][ch] == 255.0,
        "channel %u: centroid %f of a white frame", ch, cent[0][ch]);
    ck_assert_uint_eq (pal[0][ch], 255);
  }
  ck_assert_msg (changed == 0, "%" G_GSIZE_FORMAT " bytes of a white frame "
      "painted another colour", changed);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 13. A fresh fit costs a bounded time */

/* The per-channel MSE of the best of @restarts k-means++ fits of every
 * pixel (the reference Lloyd, to convergence): a converged K-means */
static gdouble
ref_kmeans_mse (const guint8 * rgb, gsize n, guint k, guint restarts,
    guint64 * s)
{
  gdouble *d = g_new (gdouble, n);
  gdouble best = G_MAXDOUBLE;
  guint r;

  for (r = 0; r < restarts; r++) {
    gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS], err = 0;
    gboolean reseeded;
    gsize i;
    guint c, ch;

    /* k-means++: each next seed a pixel drawn by its squared distance */
    for (i = 0; i < n; i++)
      d[i] = G_MAXDOUBLE;
    for (c = 0; c < k; c++) {
      gsize pick = 0;

      if (c == 0) {
        pick = rng_below (s, n);
      } else {
        gdouble total = 0, u;

        for (i = 0; i < n; i++)
          total += d[i];
        u = (rng_next (s) / 4294967296.0) * total;
        for (i = 0; i + 1 < n && u >= d[i]; i++)
          u -= d[i];
        pick = i;
      }
      for (ch = 0; ch < 3; ch++)
        cent[c][ch] = rgb[3 * pick + ch];
      for (i = 0; i < n; i++) {
        gdouble e = 0;

        for (ch = 0; ch < 3; ch++)
          e += (rgb[3 * i + ch] - cent[c][ch]) * (rgb[3 * i + ch] -
              cent[c][ch]);
        d[i] = MIN (d[i], e);
      }
    }
    ref_lloyd (rgb, n, k, cent, 300, 0, &reseeded);
    for (i = 0; i < n; i++) {
      gdouble e = G_MAXDOUBLE;

      for (c = 0; c < k; c++) {
        gdouble t = 0;

        for (ch = 0; ch < 3; ch++)
          t += (rgb[3 * i + ch] - cent[c][ch]) * (rgb[3 * i + ch] -
              cent[c][ch]);
        e = MIN (e, t);
      }
      err += e;
    }
    best = MIN (best, err / (3.0 * n));
  }
  g_free (d);
  return best;
}

/* A fresh start on a frame of many colours (thousands of histogram cells,
 * or tens of thousands of exact colours) spends at most KMS_FRESH_PASSES
 * passes of k over KMS_FRESH_CELLS coarse cells, plus its Lloyd on the
 * points (each iteration at most 2 x points x k with re-seeds), and still
 * fits within a few percent of a converged K-means. */
START_TEST (test_fresh_fit_bounded)
{
  static const guint ks[] = { 3, 16, 64 };
  const gint w = 160, h = 120;
  const gsize n = (gsize) w * h;
  guint8 *rgb = g_malloc (3 * n);
  guint64 s = 2611;
  guint ki, mode;

  gen_blobs (rgb, n, 12, 40, &s);
  for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
    const guint k = ks[ki];
    const gdouble ref = ref_kmeans_mse (rgb, n, k, k < 64 ? 4 : 2, &s);

    for (mode = 0; mode < 2; mode++) {
      KmsContext *ctx = kms_context_new ();
      TestImage *in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 4, rgb, &s);
      KmsParams params;
      KmsResult stats;
      guint64 pts, cells, bound;

      params_init_exact (&params, k);
      params.sample_size = mode ? 0 : 65536;
      image_free (process_and_check (ctx, &params, in, &stats, NULL));
      ck_assert (stats.reinitialized);
      pts = stats.fit_points;
      cells = MIN (pts, KMS_FRESH_CELLS);
      /* the data have far more points than cells */
      ck_assert_uint_gt (pts, 2 * KMS_FRESH_CELLS);
      bound = (guint64) KMS_FRESH_PASSES * cells * k +
          MAX (stats.iterations, 1) * 2 * pts * k;
      ck_assert_msg (stats.fit_evals <= bound, "k=%u, %s: %" G_GUINT64_FORMAT
          " distances, at most %" G_GUINT64_FORMAT, k, mode ? "exact" :
          "histogram", stats.fit_evals, bound);
      ck_assert_msg (stats.mse <= 1.03 * ref + 0.25, "k=%u, %s: MSE %.3f, "
          "a converged K-means %.3f", k, mode ? "exact" : "histogram",
          stats.mse, ref);
      image_free (in);
      kms_context_free (ctx);
    }
  }
  g_free (rgb);
}

END_TEST;

static Suite *
fit_suite (void)
{
  Suite *s = suite_create ("fit");
  TCase *tc;

  tc = tcase_create ("fit");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_lloyd_matches_reference, 0,
      G_N_ELEMENTS (lloyd_cases));
  tcase_add_test (tc, test_empty_clusters);
  tcase_add_test (tc, test_empty_cluster_reseed);
  tcase_add_test (tc, test_k_extremes);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_luma_numbering);
  tcase_add_test (tc, test_warm_start_keeps_numbers);
  tcase_add_test (tc, test_flat_regions_merge);
  tcase_add_test (tc, test_k_change);
  tcase_add_test (tc, test_fresh_fit_bounded);

  /* a case of its own: it allocates 50 MB; CK_RUN_CASE=fit runs the rest
   * alone */
  tc = tcase_create ("large");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_large_sample_sums);
  return s;
}

int
main (void)
{
  return coretest_run (fit_suite ());
}

/* kmeansseg: core tests: formats and painting
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

/* What is painted, through the public API: every pixel its nearest
 * rounded centroid (ties to the lower index), the mask, every packed
 * format with padded strides, in and out of place, and the error.
 * Output buffers are compared whole, so padding, alpha and x bytes are
 * checked too. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coretest.h"
#include "kmsformat.h"

/* ------------------------------------------------------------------ */
/* 2. Every pixel is painted its nearest rounded centroid */

START_TEST (test_paint_nearest_random)
{
  static const guint sample_sizes[] = { 0, 65536, 500 };
  static const KmsFormat formats[] = { KMS_FORMAT_RGBx, KMS_FORMAT_RGB,
    KMS_FORMAT_BGRA
  };
  guint64 s = 12345;
  guint round;

  for (round = 0; round < 9; round++) {
    const gint w = 37 + 17 * round, h = 23 + 11 * round;
    const gsize n = (gsize) w * h;
    guint8 *rgb = g_malloc (3 * n);
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;

    gen_uniform_or_blobs (rgb, n, round % 2, 5, 40, &s);
    in = image_new_from_rgb (formats[round % 3], w, h, round, rgb, &s);

    params_init_exact (&params, 2 + round % 7);
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    params.sample_size = sample_sizes[round % 3];
    params.init = round % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
    params.seed = round;

    out = process_and_check (ctx, &params, in, &stats, NULL);
    ck_assert (stats.reinitialized);
    image_free (out);

    /* and again warm, on other data */
    gen_blobs (rgb, n, 4, 25, &s);
    image_pack (in, rgb);
    out = process_and_check (ctx, &params, in, &stats, NULL);
    ck_assert (!stats.reinitialized);
    image_free (out);

    image_free (in);
    kms_context_free (ctx);
    g_free (rgb);
  }
}

END_TEST;

/* Pixels exactly midway between two centroids go to the lower index */
START_TEST (test_paint_ties)
{
  static const guint8 fit[3][3] = {
    {0, 0, 0}, {100, 100, 100}, {200, 100, 100}
  };
  const gint w = 30, h = 20;
  const gsize n = (gsize) w * h;
  guint64 s = 99;
  guint sample_size;

  for (sample_size = 0; sample_size <= 65536; sample_size += 65536) {
    guint8 *rgb = g_malloc (3 * n);
    gdouble before[KMS_MAX_K][KMS_MAX_CHANNELS];
    gdouble after[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    TestExpect ex;
    gsize i;

    /* Fit on the three colours exactly: black, grey, reddish by luma */
    gen_thirds (rgb, n, fit, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 8, rgb, &s);
    params_init_exact (&params, 3);
    params.sample_size = sample_size;
    out = process_and_check (ctx, &params, in, &stats, NULL);
    image_free (out);
    get_palette (ctx, 3, pal);
    assert_color_eq (pal[0], 0, 0, 0);
    assert_color_eq (pal[1], 100, 100, 100);
    assert_color_eq (pal[2], 200, 100, 100);
    get_exact (ctx, 3, before);

    /* Then only assign a frame full of ties, and random pixels */
    params.max_iters = 0;
    gen_uniform (rgb, n, &s);
    for (i = 0; i < n; i += 3) {
      static const guint8 mid[2][3] = { {50, 50, 50}, {150, 100, 100} };

      memcpy (rgb + 3 * i, mid[(i / 3) % 2], 3);
    }
    image_pack (in, rgb);
    out = process_and_check (ctx, &params, in, &stats, &ex);
    ck_assert (!stats.reinitialized);
    ck_assert_uint_eq (stats.iterations, 0);
    ck_assert_uint_ge (ex.ties, n / 3);

    /* max_iters 0 keeps the centroids */
    get_exact (ctx, 3, after);
    ck_assert (memcmp (before, after, 3 * sizeof (after[0])) == 0);

    /* midway black/grey -> black (0); midway grey/reddish -> grey (1) */
    assert_color_eq (image_pixel (out, 0, 0), 0, 0, 0);
    assert_color_eq (image_pixel (out, 3, 0), 100, 100, 100);

    image_free (out);
    image_free (in);
    kms_context_free (ctx);
    g_free (rgb);
  }
}

END_TEST;

/* The lower index wins a tie even when it isn't the darker colour: a
 * cluster added on a running stream takes the next number. */
START_TEST (test_paint_ties_lower_index)
{
  static const guint8 two[2][3] = { {100, 100, 100}, {200, 200, 200} };
  static const guint8 three[3][3] = {
    {100, 100, 100}, {200, 200, 200}, {0, 0, 0}
  };
  const gint w = 24, h = 18;
  const gsize n = (gsize) w * h;
  guint64 s = 7;
  guint8 *rgb = g_malloc (3 * n);
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  gsize sizes[2] = { n / 2, n - n / 2 };
  KmsContext *ctx = kms_context_new ();
  TestImage *in, *out;
  KmsParams params;
  KmsResult stats;
  TestExpect ex;
  gsize i;

  params_init_exact (&params, 2);
  params.sample_size = 0;
  gen_regions (rgb, n, two, sizes, 2, 0, &s);
  in = image_new_from_rgb (KMS_FORMAT_RGB, w, h, 0, rgb, &s);
  out = process_and_check (ctx, &params, in, &stats, NULL);
  image_free (out);
  get_palette (ctx, 2, pal);
  assert_color_eq (pal[0], 100, 100, 100);
  assert_color_eq (pal[1], 200, 200, 200);

  /* k 2 -> 3 on a frame where black is the only colour not served */
  params.k = 3;
  params.max_iters = 0;
  gen_thirds (rgb, n, three, 0, &s);
  image_pack (in, rgb);
  out = process_and_check (ctx, &params, in, &stats, NULL);
  image_free (out);
  ck_assert (!stats.reinitialized);
  get_palette (ctx, 3, pal);
  assert_color_eq (pal[0], 100, 100, 100);
  assert_color_eq (pal[1], 200, 200, 200);
  assert_color_eq (pal[2], 0, 0, 0);

  /* midway grey(0)/black(2) -> grey; midway grey(0)/white(1) -> grey */
  for (i = 0; i < n; i++)
    memset (rgb + 3 * i, i % 2 ? 150 : 50, 3);
  image_pack (in, rgb);
  out = process_and_check (ctx, &params, in, &stats, &ex);
  ck_assert_uint_eq (ex.ties, n);
  ck_assert_uint_eq (ex.counts[0], n);
  for (i = 0; i < 2; i++)
    assert_color_eq (image_pixel (out, i, 0), 100, 100, 100);

  image_free (out);
  image_free (in);
  kms_context_free (ctx);
  g_free (rgb);
}

END_TEST;

/* The same with eight greys, enough clusters for the assignment to take
 * any shortcut it has for a larger k; then with black added to seven
 * greys on the running stream, so numbered last. */
START_TEST (test_paint_ties_many)
{
  const gint w = 64, h = 24;
  const gsize n = (gsize) w * h;
  guint64 s = 88;
  guint8 *rgb = g_malloc (3 * n);
  guint mode;

  for (mode = 0; mode < 2; mode++) {
    guint8 greys[8][3], pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    gsize sizes[8], i, wrong = 0, n_ties = 0;
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    TestExpect ex;
    guint c;

    /* greys 0, 32, ... 224: numbered in that order by luma */
    for (c = 0; c < 8; c++) {
      memset (greys[c], 32 * c, 3);
      sizes[c] = n / 8;
    }
    params_init_exact (&params, 8);
    params.sample_size = mode ? 0 : 65536;
    gen_regions (rgb, n, (const guint8 (*)[3]) greys, sizes, 8, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_BGRx, w, h, 4, rgb, &s);
    image_free (process_and_check (ctx, &params, in, &stats, NULL));
    image_free (in);
    get_palette (ctx, 8, pal);
    for (c = 0; c < 8; c++)
      assert_color_eq (pal[c], 32 * c, 32 * c, 32 * c);

    /* midway greys 16 (2m + 1) go to 32 m, among random pixels */
    params.max_iters = 0;
    gen_uniform (rgb, n, &s);
    for (i = 0; i < n; i++)
      if (i % 5 != 4)
        memset (rgb + 3 * i, 16 * (2 * rng_below (&s, 7) + 1), 3);
    in = image_new_from_rgb (KMS_FORMAT_BGRx, w, h, 4, rgb, &s);
    out = process_and_check (ctx, &params, in, &stats, &ex);
    for (i = 0; i < n; i++) {
      const guint8 *p = image_pixel (out, i % w, i / w);
      guint v = rgb[3 * i];

      if (i % 5 == 4)
        continue;
      n_ties++;
      wrong += p[0] != v - 16 || p[1] != v - 16 || p[2] != v - 16;
    }
    ck_assert_msg (wrong == 0, "%" G_GSIZE_FORMAT " midway pixels not "
        "painted the lower grey", wrong);
    ck_assert_uint_ge (ex.ties, n_ties);
    image_free (out);
    image_free (in);
    kms_context_free (ctx);

    /* greys 32 ... 224 at k 7, then black joins as cluster 7 */
    ctx = kms_context_new ();
    params.k = 7;
    params.max_iters = 20;
    for (c = 0; c < 7; c++) {
      memset (greys[c], 32 * (c + 1), 3);
      sizes[c] = n / 7;
    }
    sizes[6] = n - 6 * (n / 7);
    gen_regions (rgb, n, (const guint8 (*)[3]) greys, sizes, 7, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_RGB, w, h, 0, rgb, &s);
    image_free (process_and_check (ctx, &params, in, &stats, NULL));
    for (i = 0; i < n; i += 8)
      memset (rgb + 3 * i, 0, 3);
    image_pack (in, rgb);
    params.k = 8;
    params.max_iters = 0;
    image_free (process_and_check (ctx, &params, in, &stats, NULL));
    get_palette (ctx, 8, pal);
    for (c = 0; c < 7; c++)
      assert_color_eq (pal[c], 32 * (c + 1), 32 * (c + 1), 32 * (c + 1));
    assert_color_eq (pal[7], 0, 0, 0);

    /* 16: midway black (7) and 32 (0) -> 32 */
    for (i = 0; i < n; i++)
      memset (rgb + 3 * i, i % 3 ? 16 : 48, 3);
    image_pack (in, rgb);
    out = process_and_check (ctx, &params, in, &stats, &ex);
    ck_assert_uint_eq (ex.ties, n);
    ck_assert_uint_eq (ex.counts[0], n);
    assert_color_eq (image_pixel (out, 1, 0), 32, 32, 32);
    image_free (out);
    image_free (in);
    kms_context_free (ctx);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 8. The mask */

START_TEST (test_mask)
{
  static const guint8 colors[3][3] = {
    {30, 30, 30}, {90, 160, 60}, {230, 220, 210}
  };
  static const KmsFormat formats[] = { KMS_FORMAT_RGBx, KMS_FORMAT_xRGB,
    KMS_FORMAT_RGB, KMS_FORMAT_RGBA, KMS_FORMAT_BGRA, KMS_FORMAT_ARGB,
    KMS_FORMAT_ABGR
  };
  static const gint masks[] = { 1, 0, 2, -1, 3, 200 };
  const gint w = 33, h = 21;
  const gsize n = (gsize) w * h;
  guint64 s = 1001;
  guint8 *rgb = g_malloc (3 * n);
  guint f, m, mode;

  gen_thirds (rgb, n, colors, 15, &s);
  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    TestImage *in = image_new_from_rgb (formats[f], w, h, 6, rgb, &s);
    TestImage *plain[2] = { NULL, NULL };

    for (mode = 0; mode < 2; mode++) {
      for (m = 0; m < G_N_ELEMENTS (masks); m++) {
        KmsContext *ctx = kms_context_new ();
        TestImage *out;
        KmsParams params;
        TestExpect ex;

        params_init_exact (&params, 3);
        params.mode = mode ? KMS_MODE_ORIGINAL : KMS_MODE_POSTERIZE;
        params.mask_cluster = masks[m];
        params.mask_color = 0x5aff10c0;
        out = process_and_check (ctx, &params, in, NULL, &ex);

        if (masks[m] >= 0 && masks[m] < 3) {
          ck_assert_uint_gt (ex.masked, 0);
          ck_assert_uint_lt (ex.masked, n);
        } else {
          ck_assert_uint_eq (ex.masked, 0);
          /* nothing masked is the same as no mask */
          if (!plain[mode])
            plain[mode] = image_copy (out);
          else
            assert_images_equal (out, plain[mode], "mask_cluster >= k");
          /* original mode without a mask touches nothing */
          if (mode)
            assert_images_equal (out, in, "original mode, no mask");
        }
        image_free (out);
        kms_context_free (ctx);
      }
    }
    image_free (plain[0]);
    image_free (plain[1]);
    image_free (in);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 9. Every format: same logical image, same logical result */

START_TEST (test_all_formats)
{
  const gint w = 47, h = 29;
  const gsize n = (gsize) w * h;
  guint64 s = 77;
  guint8 *rgb = g_malloc (3 * n);
  guint8 *ref_out = g_malloc (3 * n), *got_out = g_malloc (3 * n);
  guint mode, f;

  gen_blobs (rgb, n, 5, 30, &s);
  for (mode = 0; mode < 4; mode++) {
    gdouble ref_cent[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsParams params;

    params_init_exact (&params, 4);
    params.sample_size = mode % 2 ? 0 : 65536;
    params.mode = KMS_MODE_POSTERIZE;
    params.mask_cluster = mode / 2 ? 2 : -1;
    params.mask_color = 0x7f204060;

    for (f = 0; f < G_N_ELEMENTS (layouts); f++) {
      gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
      KmsContext *ctx = kms_context_new ();
      TestImage *in, *out;

      ck_assert (kms_format_is_supported (layouts[f].format));
      in = image_new_from_rgb (layouts[f].format, w, h, 4 * f, rgb, &s);
      out = process_and_check (ctx, &params, in, NULL, NULL);
      get_exact (ctx, 4, cent);
      if (f == 0) {
        image_unpack (out, ref_out);
        memcpy (ref_cent, cent, sizeof (cent));
      } else {
        image_unpack (out, got_out);
        ck_assert_msg (memcmp (ref_out, got_out, 3 * n) == 0,
            "%s gives another picture than RGB",
            kms_format_to_string (layouts[f].format));
        ck_assert_msg (memcmp (ref_cent, cent, 4 * sizeof (cent[0])) == 0,
            "%s gives other centroids than RGB",
            kms_format_to_string (layouts[f].format));
      }
      image_free (out);
      image_free (in);
      kms_context_free (ctx);
    }
  }
  g_free (rgb);
  g_free (ref_out);
  g_free (got_out);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 10. Odd sizes and padded strides */

START_TEST (test_odd_sizes)
{
  static const struct
  {
    gint width, height, pad;
    KmsFormat format;
    guint k;
  } sizes[] = {
    {385, 289, 7, KMS_FORMAT_RGB, 4},
    {385, 289, 12, KMS_FORMAT_BGRx, 3},
    {1, 1, 3, KMS_FORMAT_RGBx, 3},
    {1, 1, 0, KMS_FORMAT_RGB, 1},
    {1, 57, 5, KMS_FORMAT_ARGB, 4},
    {57, 1, 0, KMS_FORMAT_BGR, 4},
    {2, 3, 1, KMS_FORMAT_xBGR, 8},
    {31, 17, 13, KMS_FORMAT_RGBA, 5},
  };
  guint64 s = 555;
  guint i, mode;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    const gint w = sizes[i].width, h = sizes[i].height;
    const gsize n = (gsize) w * h;
    guint8 *rgb = g_malloc (3 * n);

    /* big frames get few distinct colours, to stay fast under valgrind */
    if (n > 10000)
      gen_quantized (rgb, n, 5, &s);
    else
      gen_uniform (rgb, n, &s);
    for (mode = 0; mode < 3; mode++) {
      KmsContext *ctx = kms_context_new ();
      TestImage *in, *out;
      KmsParams params;

      params_init_exact (&params, sizes[i].k);
      params.sample_size = mode == 0 ? 65536 : mode == 1 ? 0 : 50;
      in = image_new_from_rgb (sizes[i].format, w, h, sizes[i].pad, rgb, &s);
      out = process_and_check (ctx, &params, in, NULL, NULL);
      if (n == 1)
        assert_images_equal (out, in, "1x1");
      image_free (out);
      /* warm */
      out = process_and_check (ctx, &params, in, NULL, NULL);
      image_free (out);
      image_free (in);
      kms_context_free (ctx);
    }
    g_free (rgb);
  }
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 11. Out of place */

START_TEST (test_out_of_place)
{
  static const KmsFormat formats[] = { KMS_FORMAT_RGB, KMS_FORMAT_xRGB,
    KMS_FORMAT_BGRA
  };
  const gint w = 53, h = 41;
  const gsize n = (gsize) w * h;
  guint64 s = 31337;
  guint8 *rgb = g_malloc (3 * n);
  guint f;

  gen_blobs (rgb, n, 4, 30, &s);
  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    KmsContext *a = kms_context_new ();
    KmsContext *b = kms_context_new ();
    TestImage *in, *saved, *in_place, *out, *out_before;
    KmsFrame fin, fout;
    KmsParams params;
    KmsResult sa, sb;
    guint frame;

    params_init_exact (&params, 4);
    params.mask_cluster = 1;
    params.mask_color = 0x11223344;

    for (frame = 0; frame < 2; frame++) {
      gint y;

      params.mode = frame ? KMS_MODE_ORIGINAL : KMS_MODE_POSTERIZE;
      in = image_new_from_rgb (formats[f], w, h, 3, rgb, &s);
      saved = image_copy (in);
      /* another stride, and garbage where the output goes */
      out = image_new (formats[f], w, h, 9, &s);
      out_before = image_copy (out);

      image_frame (in, &fin);
      image_frame (out, &fout);
      ck_assert (kms_context_process (a, &params, &fin, &fout, &sa));
      assert_images_equal (in, saved, "input of out-of-place processing");

      in_place = process_and_check (b, &params, in, &sb, NULL);
      check_output (a, &params, in, in_place, 4, NULL);
      ck_assert_uint_eq (sa.iterations, sb.iterations);
      ck_assert (sa.mse == sb.mse);

      /* same pixels; the output's own padding untouched */
      for (y = 0; y < h; y++) {
        ck_assert (memcmp (image_pixel (out, 0, y),
                image_pixel (in_place, 0, y), w * out->layout.bpp) == 0);
        ck_assert (memcmp (image_pixel (out, w, y),
                image_pixel (out_before, w, y), 9) == 0);
      }
      image_free (in);
      image_free (saved);
      image_free (out);
      image_free (out_before);
      image_free (in_place);
    }
    kms_context_free (a);
    kms_context_free (b);
  }
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 14. stats.mse */

/* Without measure_error: the same pixels, labels and counts, no MSE (-1),
 * in 4-byte (AVX-512 on a CPU that has it) and 3-byte layouts, with
 * hysteresis on */
START_TEST (test_measure_error_off)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_BGRA, KMS_FORMAT_xBGR, KMS_FORMAT_RGB,
    KMS_FORMAT_BGR
  };
  static const guint ks[] = { 1, 3, 8, 12, 13, 32, 33 };
  guint64 s = 0xe770;
  guint fi, ki, f;

  for (fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
    for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
      const gint w = 77, h = 41;
      const gsize n = (gsize) w * h;
      KmsContext *a = kms_context_new (), *b = kms_context_new ();
      guint8 *rgb = g_malloc (3 * n);
      KmsParams pa, pb;

      kms_params_init_defaults (&pa);
      pa.k = ks[ki];
      pb = pa;
      pb.measure_error = FALSE;
      for (f = 0; f < 4; f++) {
        TestImage *ia, *ib;
        KmsResult sa, sb;
        guint64 ca[KMS_MAX_K], cb[KMS_MAX_K];

        gen_blobs (rgb, n, 6, 40, &s);
        ia = image_new_from_rgb (formats[fi], w, h, 1, rgb, &s);
        ib = image_copy (ia);
        process_in_place (a, &pa, ia, &sa);
        process_in_place (b, &pb, ib, &sb);
        assert_images_equal (ib, ia, "without measure_error");
        ck_assert_uint_eq (kms_context_get_counts (a, ca, KMS_MAX_K),
            kms_context_get_counts (b, cb, KMS_MAX_K));
        ck_assert (memcmp (ca, cb, pa.k * sizeof (ca[0])) == 0);
        ck_assert (sa.mse >= 0);
        ck_assert (sb.mse == -1);
        ck_assert_uint_eq (sa.iterations, sb.iterations);
        image_free (ia);
        image_free (ib);
      }
      kms_context_free (a);
      kms_context_free (b);
      g_free (rgb);
    }
  }
}

END_TEST;

START_TEST (test_mse)
{
  guint64 s = 4711;
  guint round;

  for (round = 0; round < 6; round++) {
    const gint w = 29 + 13 * round, h = 19 + 7 * round;
    const gsize n = (gsize) w * h;
    guint8 *rgb = g_malloc (3 * n);
    KmsContext *ctx = kms_context_new ();
    TestImage *in, *out;
    KmsParams params;
    KmsResult stats;
    TestExpect ex;
    gdouble mse;

    gen_uniform_or_blobs (rgb, n, round % 2, 4, 30, &s);
    in = image_new_from_rgb (round % 2 ? KMS_FORMAT_BGR : KMS_FORMAT_ABGR,
        w, h, 1, rgb, &s);
    params_init_exact (&params, 2 + round);
    params.sample_size = round % 3 ? 65536 : 0;
    out = process_and_check (ctx, &params, in, &stats, &ex);

    mse = (gdouble) ex.sse / ((gdouble) n * 3);
    ck_assert_msg (fabs (stats.mse - mse) <= 1e-9 * MAX (1.0, mse),
        "mse %f, expected %f", stats.mse, mse);
    image_free (out);
    image_free (in);
    kms_context_free (ctx);
    g_free (rgb);
  }
}

END_TEST;

/* ------------------------------------------------------------------ */
/* Format helpers */

START_TEST (test_format_helpers)
{
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    const gchar *name = kms_format_to_string (layouts[i].format);

    ck_assert (kms_format_is_supported (layouts[i].format));
    ck_assert_ptr_nonnull (name);
    for (j = 0; j < i; j++)
      ck_assert_str_ne (name, kms_format_to_string (layouts[j].format));
  }
  ck_assert (!kms_format_is_supported (KMS_FORMAT_UNKNOWN));
  ck_assert (!kms_format_is_supported (KMS_FORMAT_LAST));
  ck_assert_ptr_nonnull (kms_format_to_string (KMS_FORMAT_LAST));
}

END_TEST;
/* The packed layouts the tests write are the core's format table's */
START_TEST (test_layouts_match_format_table)
{
  guint i, n_quad = 0;

  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    const KmsFormatInfo *info = kms_format_get_info (layouts[i].format);

    ck_assert_ptr_nonnull (info);
    ck_assert_uint_eq (info->bpp, layouts[i].bpp);
    ck_assert_int_eq (info->offset[0], layouts[i].r);
    ck_assert_int_eq (info->offset[1], layouts[i].g);
    ck_assert_int_eq (info->offset[2], layouts[i].b);
    ck_assert_int_eq (info->alpha_offset, layouts[i].a);
    n_quad += info->bpp == 4;
  }
  ck_assert_uint_eq (n_quad, 8);
}

END_TEST;

static Suite *
format_suite (void)
{
  Suite *s = suite_create ("format");
  TCase *tc;

  tc = tcase_create ("format");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_paint_nearest_random);
  tcase_add_test (tc, test_paint_ties);
  tcase_add_test (tc, test_paint_ties_lower_index);
  tcase_add_test (tc, test_paint_ties_many);
  tcase_add_test (tc, test_mask);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_odd_sizes);
  tcase_add_test (tc, test_out_of_place);
  tcase_add_test (tc, test_mse);
  tcase_add_test (tc, test_measure_error_off);
  tcase_add_test (tc, test_format_helpers);
  tcase_add_test (tc, test_layouts_match_format_table);
  return s;
}

int
main (void)
{
  return coretest_run (format_suite ());
}

/* kmeansseg: core tests: the context: bad input, reset, CPU levels, threads
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

/* The context's API: bad input is refused and changes nothing, reset
 * starts afresh, the C level gives what the best level gives, and any
 * number of threads gives the same frame. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coretest.h"
#include "kmsthreshold.h"

/* ------------------------------------------------------------------ */
/* 13. Bad input */

START_TEST (test_bad_input)
{
  const gint w = 16, h = 8;
  guint64 s = 3;
  guint8 *rgb = g_malloc (3 * w * h);
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 pal_before[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K], counts_before[KMS_MAX_K];
  KmsContext *ctx = kms_context_new ();
  TestImage *in, *saved, *other;
  KmsFrame good, bad, out;
  KmsParams params;
  KmsResult stats, sentinel;
  guint round;

  gen_uniform (rgb, w * h, &s);
  in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s);
  saved = image_copy (in);
  other = image_new (KMS_FORMAT_RGBx, w, h, 0, &s);
  kms_params_init_defaults (&params);
  params.hysteresis = 0;      /* exact nearest labels */
  memset (&sentinel, 0xa5, sizeof (sentinel));
  image_frame (in, &good);

  /* nothing before the first frame */
  ck_assert_uint_eq (kms_context_get_centroids (ctx, pal, KMS_MAX_K), 0);

  /* round 0 on a fresh context, round 1 on a running one */
  for (round = 0; round < 2; round++) {
    guint i, n_before;

    n_before = kms_context_get_centroids (ctx, pal_before, KMS_MAX_K);
    kms_context_get_counts (ctx, counts_before, KMS_MAX_K);

    for (i = 0; i < 12; i++) {
      bad = good;
      out = good;
      switch (i) {
        case 0:
          bad.format = KMS_FORMAT_UNKNOWN;
          break;
        case 1:
          bad.format = KMS_FORMAT_LAST;
          break;
        case 2:
          bad.format = (KmsFormat) 1000;
          break;
        case 3:
          bad.width = 0;
          break;
        case 4:
          bad.height = 0;
          break;
        case 5:
          bad.width = -16;
          break;
        case 6:
          bad.height = -1;
          break;
        case 7:
          bad.data[0] = NULL;
          break;
        case 8:
          image_frame (other, &out);
          out.data[0] = NULL;
          break;
        case 9:
          image_frame (other, &out);
          out.format = KMS_FORMAT_BGRx;
          break;
        case 10:
          image_frame (other, &out);
          out.width = w - 1;
          break;
        default:
          image_frame (other, &out);
          out.height = h + 1;
          break;
      }
      if (i < 8)
        out = bad;
      memcpy (&stats, &sentinel, sizeof (stats));
      ck_assert_msg (!kms_context_process (ctx, &params, &bad, &out, &stats),
          "case %u accepted", i);
      ck_assert_msg (memcmp (&stats, &sentinel, sizeof (stats)) == 0,
          "case %u wrote the stats", i);
      assert_images_equal (in, saved, "frame after a refused call");
      ck_assert_uint_eq (kms_context_get_centroids (ctx, pal, KMS_MAX_K),
          n_before);
      ck_assert (memcmp (pal, pal_before, n_before * sizeof (pal[0])) == 0);
      kms_context_get_counts (ctx, counts, KMS_MAX_K);
      ck_assert (memcmp (counts, counts_before,
              n_before * sizeof (counts[0])) == 0);
    }

    ck_assert (!kms_format_is_supported (KMS_FORMAT_UNKNOWN));
    ck_assert (!kms_format_is_supported (KMS_FORMAT_LAST));

    /* a good frame still goes through */
    image_free (process_and_check (ctx, &params, in, &stats, NULL));
    ck_assert (stats.reinitialized == (round == 0));
  }

  image_free (in);
  image_free (saved);
  image_free (other);
  kms_context_free (ctx);
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 15. Reset */

START_TEST (test_reset)
{
  const gint w = 48, h = 36;
  const gsize n = (gsize) w * h;
  guint64 s = 15;
  guint8 *rgb = g_malloc (3 * n);
  gdouble ca[KMS_MAX_K][KMS_MAX_CHANNELS], cb[KMS_MAX_K][KMS_MAX_CHANNELS];
  KmsContext *ctx = kms_context_new ();
  KmsContext *fresh = kms_context_new ();
  TestImage *in1, *in2, *out, *out_fresh;
  KmsParams params;
  KmsResult stats;

  gen_blobs (rgb, n, 5, 40, &s);
  in1 = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s);
  gen_blobs (rgb, n, 5, 40, &s);
  in2 = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s);
  params_init_exact (&params, 4);
  /* a pure warm start: no scene cut or refresh on these unrelated
   * frames */
  params.scene_cut = 0;
  params.refresh_interval = 0;

  out = process_and_check (ctx, &params, in1, &stats, NULL);
  image_free (out);
  ck_assert (stats.reinitialized);
  out = process_and_check (ctx, &params, in2, &stats, NULL);
  image_free (out);
  ck_assert (!stats.reinitialized);

  kms_context_reset (ctx);
  out = process_and_check (ctx, &params, in2, &stats, NULL);
  ck_assert (stats.reinitialized);
  /* exactly what a new context makes of that frame */
  out_fresh = process_and_check (fresh, &params, in2, NULL, NULL);
  assert_images_equal (out, out_fresh, "after reset vs new context");
  get_exact (ctx, 4, ca);
  get_exact (fresh, 4, cb);
  ck_assert (memcmp (ca, cb, 4 * sizeof (ca[0])) == 0);
  image_free (out);
  image_free (out_fresh);

  out = process_and_check (ctx, &params, in1, &stats, NULL);
  image_free (out);
  ck_assert (!stats.reinitialized);

  image_free (in1);
  image_free (in2);
  kms_context_free (ctx);
  kms_context_free (fresh);
  g_free (rgb);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 16. The C level's kernels give what the best level's give */

START_TEST (test_cpu_levels)
{
  guint64 s = 1616;
  KmsContext *a = kms_context_new ();
  KmsContext *b = kms_context_new ();
  const KmsCpuLevel best = kms_cpu_flags_best (kms_cpu_get_flags ());
  guint round;

  /* every level allowed: the best this CPU runs; none: the C level,
   * always there */
  ck_assert_int_eq (kms_context_set_cpu_flags (a, KMS_CPU_FLAGS_ALL), best);
  ck_assert_int_eq (kms_context_set_cpu_flags (b, 0), KMS_CPU_C);
  ck_assert_int_eq (kms_context_set_cpu_flags (b, KMS_CPU_FLAG (KMS_CPU_C)),
      KMS_CPU_C);

  for (round = 0; round < 6; round++) {
    const gint w = 61 + round, h = 45 - round;
    const gsize n = (gsize) w * h;
    guint8 *rgb = g_malloc (3 * n);
    TestImage *in, *oa, *ob;
    KmsParams params;
    KmsResult sa, sb;

    gen_uniform_or_blobs (rgb, n, round % 2, 6, 25, &s);
    in = image_new_from_rgb (round % 2 ? KMS_FORMAT_RGB : KMS_FORMAT_BGRx,
        w, h, 2, rgb, &s);
    params_init_exact (&params, 2 + 2 * round);
    params.sample_size = round % 3 ? 65536 : 0;
    params.mask_cluster = round % 2 ? 1 : -1;
    oa = process_and_check (a, &params, in, &sa, NULL);
    ob = process_and_check (b, &params, in, &sb, NULL);
    assert_images_equal (ob, oa, "level c vs the best level");
    ck_assert (sa.mse == sb.mse);
    ck_assert_int_eq (sa.cpu_level, best);
    ck_assert_int_eq (sb.cpu_level, KMS_CPU_C);
    image_free (oa);
    image_free (ob);
    image_free (in);
    g_free (rgb);
  }
  kms_context_free (a);
  kms_context_free (b);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 19. Any number of threads gives the same frame */


START_TEST (test_n_threads)
{
  static const struct
  {
    gint w, h;
  } sizes[] = {
    {97, 61}, {5, 3}, {1, 1}, {1, 7}, {200, 2}, {33, 65}, {64, 5},
  };
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_RGB, KMS_FORMAT_BGRA
  };
  /* 0: one per core; 64 threads for 1..65 rows leaves bands empty */
  static const guint threads[] = { 1, 2, 3, 0, 7, 64 };
  /* then a context whose count changes on every frame */
  static const guint varying[] = { 3, 1, 0, 64, 2, 7 };
  /* and one writing out of place */
  const guint n_ctx = G_N_ELEMENTS (threads) + 2, n_frames = 4;
  guint64 s = 0x7a5;
  guint si, f, t, frame;

  for (si = 0; si < G_N_ELEMENTS (sizes); si++) {
    for (f = 0; f < G_N_ELEMENTS (formats); f++) {
      const gint w = sizes[si].w, h = sizes[si].h;
      const gsize n = (gsize) w * h;
      KmsContext *ctx[G_N_ELEMENTS (threads) + 2];
      guint8 *rgb = g_malloc (3 * n);
      KmsParams params;

      for (t = 0; t < n_ctx; t++)
        ctx[t] = kms_context_new ();
      kms_params_init_defaults (&params);
      params.hysteresis = 0;      /* exact nearest labels */

      for (frame = 0; frame < n_frames; frame++) {
        TestImage *in, *ref = NULL;
        KmsResult ref_stats;

        gen_uniform_or_blobs (rgb, n, frame % 2, 5, 30, &s);
        in = image_new_from_rgb (formats[f], w, h, 3, rgb, &s);
        /* settings that change the painting and the fit on the way */
        params.k = frame == 2 ? 6 : 4;
        params.sample_size = frame == 1 ? 0 : 65536;
        params.mode = frame == 3 ? KMS_MODE_ORIGINAL : KMS_MODE_POSTERIZE;
        params.mask_cluster = frame >= 2 ? 1 : -1;
        params.mask_color = 0x80c0ffee;

        for (t = 0; t < n_ctx; t++) {
          const gboolean oop = t == n_ctx - 1;
          TestImage *out;
          KmsResult st;
          gchar *what;

          if (t < G_N_ELEMENTS (threads))
            params.n_threads = threads[t];
          else if (!oop)
            params.n_threads = varying[(frame + si) % G_N_ELEMENTS (varying)];
          else
            params.n_threads = 3;
          what = g_strdup_printf ("%s %dx%d, frame %u, %u threads%s",
              kms_format_to_string (formats[f]), w, h, frame,
              params.n_threads, t < G_N_ELEMENTS (threads) ? "" : oop ?
              " (out of place)" : " (changed)");

          if (oop) {
            TestImage *saved = image_copy (in), *before;
            KmsFrame fin, fout;

            out = image_new (formats[f], w, h, 5, &s);
            before = image_copy (out);
            image_frame (in, &fin);
            image_frame (out, &fout);
            ck_assert (kms_context_process (ctx[t], &params, &fin, &fout, &st));
            assert_images_equal (in, saved, "input of out-of-place");
            assert_pixels_equal (out, ref, before, what);
            image_free (saved);
            image_free (before);
          } else {
            /* checked against the exhaustive scan, and the first */
            out = process_and_check (ctx[t], &params, in, &st, NULL);
          }
          if (!ref) {
            ref = out;
            ref_stats = st;
            g_free (what);
            continue;
          }
          if (!oop)
            assert_images_equal (out, ref, what);
          assert_stats_equal (&st, &ref_stats, what);
          assert_contexts_equal (ctx[t], ctx[0], params.k, what);
          image_free (out);
          g_free (what);
        }
        image_free (ref);
        image_free (in);
      }
      for (t = 0; t < n_ctx; t++)
        kms_context_free (ctx[t]);
      g_free (rgb);
    }
  }
}

END_TEST;

/* kms_context_process_full: the label map beside the picture is the
 * label map of labels mode (hysteresis and threads included), and the
 * picture is what kms_context_process writes; a bad label frame is
 * refused */
START_TEST (test_labels_beside)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_RGB, KMS_FORMAT_BGRA, KMS_FORMAT_xBGR
  };
  static const KmsMode modes[] = {
    KMS_MODE_POSTERIZE, KMS_MODE_ORIGINAL, KMS_MODE_LABELS
  };
  const gint w = 45, h = 23, lstride = 48;
  const gsize n = (gsize) w * h;
  guint64 s = 0x1abe1;
  guint f, m, frame;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (m = 0; m < G_N_ELEMENTS (modes); m++) {
      /* with labels beside, plain, and labels mode into GRAY8 */
      KmsContext *a = kms_context_new (), *b = kms_context_new (),
          *c = kms_context_new ();
      guint8 *rgb = g_malloc (3 * n);
      guint8 *lab = g_malloc (lstride * h), *map = g_malloc (w * h);
      KmsParams params, lparams;

      kms_params_init_defaults (&params);
      params.k = 5;
      params.mode = modes[m];
      params.mask_cluster = 2;
      params.n_threads = 1 + f % 3;
      lparams = params;
      lparams.mode = KMS_MODE_LABELS;

      for (frame = 0; frame < 3; frame++) {
        TestImage *in, *ia, *ib;
        KmsFrame fa, fb, fc, fl, fm;
        KmsResult ra, rb, rc;
        gchar *what = g_strdup_printf ("%s, mode %d, frame %u",
            kms_format_to_string (formats[f]), modes[m], frame);
        gint x, y;

        gen_uniform_or_blobs (rgb, n, frame == 1, 6, 25, &s);
        in = image_new_from_rgb (formats[f], w, h, 2, rgb, &s);
        ia = image_copy (in);
        ib = image_copy (in);
        image_frame (ia, &fa);
        image_frame (ib, &fb);
        image_frame (in, &fc);
        memset (&fl, 0, sizeof (fl));
        fl.format = KMS_FORMAT_GRAY8;
        fl.width = w;
        fl.height = h;
        fl.data[0] = lab;
        fl.stride[0] = lstride;
        fm = fl;
        fm.data[0] = map;
        fm.stride[0] = w;
        memset (lab, 0xee, lstride * h);

        ck_assert (kms_context_process_full (a, &params, &fa, &fa, &fl, &ra));
        ck_assert (kms_context_process (b, &params, &fb, &fb, &rb));
        ck_assert (kms_context_process (c, &lparams, &fc, &fm, &rc));
        assert_images_equal (ia, ib, what);
        assert_stats_equal (&ra, &rb, what);
        for (y = 0; y < h; y++) {
          for (x = 0; x < w; x++)
            ck_assert_msg (lab[y * lstride + x] == map[y * w + x],
                "%s: label %u at %d,%d, the label map says %u", what,
                lab[y * lstride + x], x, y, map[y * w + x]);
          /* the padding is not written */
          for (x = w; x < lstride; x++)
            ck_assert_uint_eq (lab[y * lstride + x], 0xee);
        }
        image_free (ia);
        image_free (ib);
        image_free (in);
        g_free (what);
      }

      /* refused: another format, another size, the input itself */
      {
        TestImage *in = image_new_from_rgb (formats[f], w, h, 0, rgb, &s);
        KmsFrame fi, fl;
        KmsResult r;

        image_frame (in, &fi);
        memset (&fl, 0, sizeof (fl));
        fl.format = KMS_FORMAT_RGBx;
        fl.width = w;
        fl.height = h;
        fl.data[0] = lab;
        fl.stride[0] = lstride;
        ck_assert (!kms_context_process_full (a, &params, &fi, &fi, &fl, &r));
        fl.format = KMS_FORMAT_GRAY8;
        fl.height = h - 1;
        ck_assert (!kms_context_process_full (a, &params, &fi, &fi, &fl, &r));
        fl.height = h;
        fl.data[0] = fi.data[0];
        ck_assert (!kms_context_process_full (a, &params, &fi, &fi, &fl, &r));
        fl.data[0] = NULL;
        ck_assert (!kms_context_process_full (a, &params, &fi, &fi, &fl, &r));
        image_free (in);
      }
      kms_context_free (a);
      kms_context_free (b);
      kms_context_free (c);
      g_free (rgb);
      g_free (lab);
      g_free (map);
    }
  }
}

END_TEST;

/* Which clusters are masked: by number (one, several), by key colour
 * (the n nearest centroids), inverted, none in labels mode; the output
 * is the documented model's and KmsResult.masked says the same */
/* The smoothing as documented (kmssmooth.c, kmspass.c), plainly: the
 * most held label of the clamped window, the centre's own on a tie with
 * it, else the lowest number; then a pixel it relabels keeps its own
 * label when its colour (@rgb) is farther from the new label's colour than
 * from its own by more than @lambda per neighbour the new label has more */
static void
majority_pass (const guint8 * src, guint8 * dst, gint w, gint h,
    const guint8 * rgb, const guint8 (*cent)[KMS_MAX_CHANNELS], guint lambda)
{
  gint x, y, dx, dy;
  guint i, ch;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint n[256] = { 0 }, nb[256] = { 0 };
      guint own = src[y * w + x], best = own;
      gint64 d[2] = { 0, 0 };

      for (dy = -1; dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++) {
          guint l = src[CLAMP (y + dy, 0, h - 1) * w + CLAMP (x + dx, 0,
                  w - 1)];

          n[l]++;
          if (dx || dy)
            nb[l]++;
        }
      for (i = 0; i < 256; i++)
        if (n[i] > n[best])
          best = i;
      for (ch = 0; ch < 3; ch++) {
        gint eb = (gint) rgb[3 * (y * w + x) + ch] - cent[best][ch];
        gint eo = (gint) rgb[3 * (y * w + x) + ch] - cent[own][ch];

        d[0] += eb * eb;
        d[1] += eo * eo;
      }
      if (best != own && d[0] - d[1] >
          ((gint64) nb[best] - (gint64) nb[own]) * lambda)
        best = own;
      dst[y * w + x] = best;
    }
}

/* spatial_smoothing = N: the labels are N majority passes over the
 * nearest labels; the picture is painted, the counts are counted and the
 * error is measured from them, at any thread count, in place or not */
START_TEST (test_spatial_smoothing)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_RGB, KMS_FORMAT_BGRA, KMS_FORMAT_xBGR
  };
  const gint w = 70, h = 37;
  const gsize n = (gsize) w * h;
  guint64 s = 0x5300;
  guint f, passes;
  guint8 *rgb = g_malloc (3 * n), *out_rgb = g_malloc (3 * n);
  guint8 *raw = g_malloc (n), *want = g_malloc (n), *tmp = g_malloc (n);
  guint8 *map = g_malloc (n);

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    /* one pass twice: 4-byte pixels smooth it row by row as they are
     * assigned, other pixels in a pass of its own */
    for (passes = 0; passes <= 4; passes++) {
      /* the plain majority, then a strength that keeps some pixels */
      const guint strength = passes % 2 ? 255 : 30;
      KmsContext *a = kms_context_new (), *b = kms_context_new (),
          *c = kms_context_new ();
      KmsParams params;
      KmsFrame fin, fmap, fout;
      KmsResult ra, rb, rc;
      TestImage *in, *out;
      const guint n_passes = MAX (passes, 1);
      gchar *what = g_strdup_printf ("%s, %u passes, strength %u",
          kms_format_to_string (formats[f]), n_passes, strength);
      guint64 counts[KMS_MAX_K] = { 0 }, sse = 0;
      guint i, ch, changed = 0;

      /* noisy blobs: speckle and ragged edges */
      gen_uniform_or_blobs (rgb, n, FALSE, 5, 70, &s);
      in = image_new_from_rgb (formats[f], w, h, 3, rgb, &s);
      image_frame (in, &fin);
      memset (&fmap, 0, sizeof (fmap));
      fmap.format = KMS_FORMAT_GRAY8;
      fmap.width = w;
      fmap.height = h;
      fmap.data[0] = map;
      fmap.stride[0] = w;

      kms_params_init_defaults (&params);
      params.k = 4;
      params.hysteresis = 0;
      params.mode = KMS_MODE_LABELS;
      params.n_threads = 1 + (passes + f) % 3;
      /* the nearest labels, then the model's passes */
      ck_assert (kms_context_process (a, &params, &fin, &fmap, &ra));
      memcpy (raw, map, n);
      memcpy (want, raw, n);
      for (i = 0; i < n_passes; i++) {
        majority_pass (want, tmp, w, h, rgb, ra.centroids,
            3 * strength * strength);
        memcpy (want, tmp, n);
      }
      for (i = 0; i < n; i++)
        changed += want[i] != raw[i];
      ck_assert_msg (changed > 20, "%s: the data have little to smooth (%u)",
          what, changed);

      params.spatial_smoothing = n_passes;
      params.spatial_smoothing_strength = strength;
      ck_assert (kms_context_process (b, &params, &fin, &fmap, &rb));
      ck_assert_msg (memcmp (map, want, n) == 0, "%s: labels", what);
      ck_assert_uint_eq (rb.k, ra.k);
      ck_assert (memcmp (rb.centroids, ra.centroids,
              ra.k * sizeof (ra.centroids[0])) == 0);

      /* posterize, in place, at another thread count */
      params.mode = KMS_MODE_POSTERIZE;
      params.n_threads = 1 + (passes + f + 1) % 3;
      out = image_copy (in);
      image_frame (out, &fout);
      ck_assert (kms_context_process (c, &params, &fout, &fout, &rc));
      image_unpack (out, out_rgb);
      for (i = 0; i < n; i++) {
        const guint8 *col = rc.centroids[want[i]];

        counts[want[i]]++;
        for (ch = 0; ch < 3; ch++) {
          gint e = (gint) rgb[3 * i + ch] - col[ch];

          sse += e * e;
          ck_assert_msg (out_rgb[3 * i + ch] == col[ch], "%s: pixel %u "
              "channel %u is %u, label %u's colour %u", what, i, ch,
              out_rgb[3 * i + ch], want[i], col[ch]);
        }
      }
      for (i = 0; i < rc.k; i++) {
        ck_assert_uint_eq (rc.counts[i], counts[i]);
        ck_assert_uint_eq (rb.counts[i], counts[i]);
      }
      ck_assert_msg (fabs (rc.mse - (gdouble) sse / (3.0 * n)) < 1e-9,
          "%s: mse %f, expected %f", what, rc.mse, (gdouble) sse / (3.0 * n));
      /* smoothing moves pixels away from their nearest colour */
      ck_assert (rc.mse > ra.mse || ra.mse < 0);

      image_free (in);
      image_free (out);
      g_free (what);
      kms_context_free (a);
      kms_context_free (b);
      kms_context_free (c);
    }
  }
  g_free (rgb);
  g_free (out_rgb);
  g_free (raw);
  g_free (want);
  g_free (tmp);
  g_free (map);
}

END_TEST;

START_TEST (test_mask_selection)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_RGB, KMS_FORMAT_BGRA
  };
  static const struct
  {
    gint cluster;
    guint32 bits;               /* mask_clusters of clusters 0..31 */
    gint32 key;
    guint key_count;
    gboolean invert;
    KmsMode mode;
  } cases[] = {
    {-1, 0, -1, 1, FALSE, KMS_MODE_POSTERIZE},
    {-1, 0x12, -1, 1, FALSE, KMS_MODE_POSTERIZE},
    {2, 0x24, -1, 1, FALSE, KMS_MODE_ORIGINAL},
    {9, 0x40, -1, 1, FALSE, KMS_MODE_POSTERIZE},  /* 9 and 6 >= k */
    {-1, 0, 0x20c040, 1, FALSE, KMS_MODE_ORIGINAL},
    {-1, 0, 0xff00ff, 2, FALSE, KMS_MODE_POSTERIZE},
    {-1, 0, 0x000000, 6, FALSE, KMS_MODE_ORIGINAL},       /* all */
    {0, 0, 0x20c040, 1, TRUE, KMS_MODE_ORIGINAL},
    {-1, 0x3, -1, 1, TRUE, KMS_MODE_POSTERIZE},
    {-1, 0, -1, 1, TRUE, KMS_MODE_POSTERIZE},     /* nothing to invert */
    {1, 0x30, 0x20c040, 1, TRUE, KMS_MODE_LABELS},
  };
  const gint w = 41, h = 19;
  const gsize n = (gsize) w * h;
  guint64 s = 0x3a5c;
  guint f, c;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (c = 0; c < G_N_ELEMENTS (cases); c++) {
      KmsContext *ctx = kms_context_new ();
      guint8 *rgb = g_malloc (3 * n);
      guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
      gboolean want[KMS_MAX_K];
      KmsParams params;
      KmsResult res;
      TestImage *in, *out;
      guint l, i, n_masked = 0;

      params_init_exact (&params, 6);
      params.mask_cluster = cases[c].cluster;
      for (i = 0; i < 4; i++)
        params.mask_clusters[i] = (cases[c].bits >> (8 * i)) & 0xff;
      params.mask_key = cases[c].key;
      params.mask_key_count = cases[c].key_count;
      params.mask_invert = cases[c].invert;
      params.mode = cases[c].mode;
      params.mask_color = 0x80123456;
      gen_blobs (rgb, n, 6, 20, &s);
      in = image_new_from_rgb (formats[f], w, h, 1, rgb, &s);
      /* the output against the model (expect_output: model_masked; it
       * paints posterize and original only) */
      if (params.mode == KMS_MODE_LABELS) {
        out = image_copy (in);
        process_in_place (ctx, &params, out, &res);
      } else {
        out = process_and_check (ctx, &params, in, &res, NULL);
      }
      get_palette (ctx, 6, pal);
      model_masked (&params, (const guint8 (*)[KMS_MAX_CHANNELS]) pal, 6,
          want);
      for (l = 0; l < 6; l++) {
        gboolean got = (res.masked[l / 8] >> (l % 8)) & 1;

        ck_assert_msg (got == want[l], "%s, case %u: cluster %u masked %d, "
            "expected %d", kms_format_to_string (formats[f]), c, l, got,
            want[l]);
        n_masked += got;
      }
      for (l = 6; l < KMS_MAX_K; l++)
        ck_assert (!((res.masked[l / 8] >> (l % 8)) & 1));
      /* the model's choice, spelled out for a few cases */
      if (c == 1)
        ck_assert (n_masked == 2 && want[1] && want[4]);
      if (c == 3 || c == 9 || c == 10)
        ck_assert_uint_eq (n_masked, 0);
      if (c == 6)
        ck_assert_uint_eq (n_masked, 6);
      if (c == 5)
        ck_assert_uint_eq (n_masked, 2);
      if (c == 7)
        ck_assert_uint_eq (n_masked, want[0] ? 5 : 4);
      image_free (in);
      image_free (out);
      g_free (rgb);
      kms_context_free (ctx);
    }
  }
}

END_TEST;

/* mask-key follows an object whose colour drifts and which moves, over a
 * clip: on every frame exactly the object's pixels are masked, and the
 * masked cluster's centroid stays within 12 levels of the key (its
 * distance is what the drift puts there) */
START_TEST (test_mask_key_follows)
{
  static const guint8 background[3][3] = {
    {30, 30, 40}, {200, 190, 170}, {120, 60, 50}
  };
  const gint w = 48, h = 30;
  const guint32 key = 0x30b040;
  KmsContext *ctx = kms_context_new ();
  guint64 seed = 0x6b;
  TestImage *img = image_new (KMS_FORMAT_RGBx, w, h, 0, &seed);
  KmsParams params;
  guint frame;

  kms_params_init_defaults (&params);
  params.k = 4;
  params.mode = KMS_MODE_ORIGINAL;
  params.mask_key = key;
  params.mask_color = 0xffff00ff;
  for (frame = 0; frame < 40; frame++) {
    /* the object: a 10x8 box moving right and down, its green drifting
     * by up to +-8 */
    const gint ox = 2 + frame, oy = 3 + frame / 4;
    const gint drift = (gint) (frame % 17) - 8;
    const guint8 obj[3] = { 0x30, 0xb0 + drift, 0x40 - drift / 2 };
    TestImage *out;
    KmsResult res;
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    gint x, y;
    guint l, keyed = 0, n_keyed = 0;

    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        guint8 *p = image_pixel (img, x, y);
        const gboolean in_obj = x >= ox && x < ox + 10 && y >= oy &&
            y < oy + 8;
        const guint8 *c = in_obj ? obj : background[(x / 16 + y / 10) % 3];

        memcpy (p, c, 3);
      }
    out = image_copy (img);
    process_in_place (ctx, &params, out, &res);
    get_palette (ctx, 4, pal);
    for (l = 0; l < 4; l++)
      if ((res.masked[0] >> l) & 1) {
        keyed = l;
        n_keyed++;
      }
    ck_assert_uint_eq (n_keyed, 1);
    ck_assert_msg (abs (pal[keyed][0] - 0x30) + abs (pal[keyed][1] - 0xb0) +
        abs (pal[keyed][2] - 0x40) <= 12, "frame %u: keyed centroid "
        "%u,%u,%u", frame, pal[keyed][0], pal[keyed][1], pal[keyed][2]);
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        const guint8 *o = image_pixel (out, x, y);
        const gboolean in_obj = x >= ox && x < ox + 10 && y >= oy &&
            y < oy + 8;
        const gboolean is_mask = o[0] == 0xff && o[1] == 0x00 && o[2] == 0xff;

        ck_assert_msg (is_mask == in_obj, "frame %u: pixel %d,%d masked %d",
            frame, x, y, is_mask);
      }
    image_free (out);
  }
  image_free (img);
  kms_context_free (ctx);
}

END_TEST;

/* Dithering changes only what is painted: with dither on, the label
 * map, counts, mse and centroids are those of the same stream without
 * it, frame after frame (native and OkLab, with and without smoothing,
 * which paints from whole-frame maps), every pixel is painted with one of
 * the palette's colours, and some pixels with another than their own;
 * the C level paints the same bytes as the best level */
/* The dithering tiles: every threshold level equally often, Bayer's
 * regular, the blue noise (made at build time) even at every 8x8 */
START_TEST (test_threshold_tiles)
{
  guint8 tile[KMS_DITHER_TILE * KMS_DITHER_TILE];
  guint count[256];
  gint x, y, bx, by, i;

  kms_threshold_bayer (tile);
  for (by = 0; by < KMS_DITHER_TILE; by += 16)
    for (bx = 0; bx < KMS_DITHER_TILE; bx += 16) {
      memset (count, 0, sizeof (count));
      for (y = by; y < by + 16; y++)
        for (x = bx; x < bx + 16; x++) {
          count[tile[y * KMS_DITHER_TILE + x]]++;
          ck_assert_uint_eq (tile[y * KMS_DITHER_TILE + x],
              tile[(y % 16) * KMS_DITHER_TILE + x % 16]);
        }
      for (i = 0; i < 256; i++)
        ck_assert_uint_eq (count[i], 1);
    }
  /* the recursive matrix's corner: 0 8 2 10 / 12 4 14 6 / 3 11 1 9 ... in
   * sixteenths of its 256 levels */
  ck_assert_uint_eq (tile[0], 0);
  ck_assert_uint_eq (tile[1], 128);
  ck_assert_uint_eq (tile[KMS_DITHER_TILE + 1], 64);
  ck_assert_uint_eq (tile[KMS_DITHER_TILE], 192);

  kms_threshold_blue_noise (tile);
  memset (count, 0, sizeof (count));
  for (i = 0; i < KMS_DITHER_TILE * KMS_DITHER_TILE; i++)
    count[tile[i]]++;
  for (i = 0; i < 256; i++)
    ck_assert_uint_eq (count[i], KMS_DITHER_TILE * KMS_DITHER_TILE / 256);
  /* half of each 8x8 below 128, within +-5 (white noise strays to 24 and
   * 43 in this count; this tile keeps to 28..35) */
  for (by = 0; by < KMS_DITHER_TILE; by += 8)
    for (bx = 0; bx < KMS_DITHER_TILE; bx += 8) {
      guint low = 0;

      for (y = by; y < by + 8; y++)
        for (x = bx; x < bx + 8; x++)
          low += tile[y * KMS_DITHER_TILE + x] < 128;
      ck_assert_uint_ge (low, 27);
      ck_assert_uint_le (low, 37);
    }
}

END_TEST;

START_TEST (test_dither_labels)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_RGBx, KMS_FORMAT_RGB, KMS_FORMAT_BGRA, KMS_FORMAT_xBGR
  };
  const gint w = 53, h = 31;
  const gsize n = (gsize) w * h;
  guint64 s = 0xd17e4;
  guint f, v, frame;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (v = 0; v < 8; v++) {
      KmsContext *a = kms_context_new (), *b = kms_context_new ();
      KmsContext *cl = kms_context_new ();
      guint8 *rgb = g_malloc (3 * n), *out = g_malloc (3 * n);
      guint8 *la = g_malloc (n), *lb = g_malloc (n);
      KmsParams pa, pb;
      guint64 differ = 0;

      kms_params_init_defaults (&pb);
      pb.k = 6;
      pb.n_threads = 1 + v % 2;
      pb.color_space = v & 2 ? KMS_CLUSTER_OKLAB : KMS_CLUSTER_NATIVE;
      pb.spatial_smoothing = v & 4 ? 1 : 0;
      pa = pb;
      pa.dither = v % 2 ? KMS_DITHER_BLUE_NOISE : KMS_DITHER_BAYER;
      pa.dither_strength = 0.75;
      /* the C level paints the same, frame after frame */
      kms_context_set_cpu_flags (cl, KMS_CPU_FLAG (KMS_CPU_C));

      for (frame = 0; frame < 3; frame++) {
        TestImage *ia, *ib, *ic;
        KmsFrame fa, fb, fc, fla, flb;
        KmsResult ra, rb, rc;
        guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
        gchar *what = g_strdup_printf ("%s, variant %u, frame %u",
            kms_format_to_string (formats[f]), v, frame);
        gsize i;
        guint c;

        gen_uniform_or_blobs (rgb, n, frame != 1, 6, 25, &s);
        ia = image_new_from_rgb (formats[f], w, h, 2, rgb, &s);
        ib = image_copy (ia);
        ic = image_copy (ia);
        image_frame (ia, &fa);
        image_frame (ib, &fb);
        image_frame (ic, &fc);
        memset (&fla, 0, sizeof (fla));
        fla.format = KMS_FORMAT_GRAY8;
        fla.width = w;
        fla.height = h;
        fla.stride[0] = w;
        flb = fla;
        fla.data[0] = la;
        flb.data[0] = lb;
        ck_assert (kms_context_process_full (a, &pa, &fa, &fa, &fla, &ra));
        ck_assert (kms_context_process_full (b, &pb, &fb, &fb, &flb, &rb));
        ck_assert (kms_context_process (cl, &pa, &fc, &fc, &rc));
        assert_images_equal (ic, ia, what);
        assert_stats_equal (&ra, &rb, what);
        assert_contexts_equal (a, b, pb.k, what);
        ck_assert_msg (memcmp (la, lb, n) == 0, "%s: label maps differ", what);
        ck_assert_msg (memcmp (ra.counts, rb.counts, pb.k *
                sizeof (ra.counts[0])) == 0, "%s: counts differ", what);
        ck_assert_uint_eq (kms_context_get_centroids (a, pal, KMS_MAX_K),
            pb.k);
        image_unpack (ia, out);
        image_unpack (ib, rgb);
        for (i = 0; i < n; i++) {
          gboolean found = FALSE;

          for (c = 0; c < pb.k; c++)
            found |= memcmp (out + 3 * i, pal[c], 3) == 0;
          ck_assert_msg (found, "%s: pixel %" G_GSIZE_FORMAT " painted "
              "%u,%u,%u, no palette colour", what, i, out[3 * i],
              out[3 * i + 1], out[3 * i + 2]);
          differ += memcmp (out + 3 * i, rgb + 3 * i, 3) != 0;
        }
        image_free (ia);
        image_free (ib);
        image_free (ic);
        g_free (what);
      }
      ck_assert_msg (differ > 0, "%s, variant %u: nothing dithered",
          kms_format_to_string (formats[f]), v);
      kms_context_free (a);
      kms_context_free (b);
      kms_context_free (cl);
      g_free (rgb);
      g_free (out);
      g_free (la);
      g_free (lb);
    }
}

END_TEST;

static Suite *
context_suite (void)
{
  Suite *s = suite_create ("context");
  TCase *tc;

  tc = tcase_create ("context");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_reset);
  tcase_add_test (tc, test_cpu_levels);
  tcase_add_test (tc, test_n_threads);
  tcase_add_test (tc, test_labels_beside);
  tcase_add_test (tc, test_threshold_tiles);
  tcase_add_test (tc, test_dither_labels);
  tcase_add_test (tc, test_spatial_smoothing);
  tcase_add_test (tc, test_mask_selection);
  tcase_add_test (tc, test_mask_key_follows);
  return s;
}

int
main (void)
{
  return coretest_run (context_suite ());
}

/* kmeansseg: core tests: clustering in OkLab
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

/* color_space = KMS_CLUSTER_OKLAB: the integer conversion against the
 * formula in floating point (written here again from Ottosson's
 * matrices), Y'CbCr against its RGB equivalent, every CPU level giving the
 * same frame, and clusterings that differ from the native ones exactly as
 * predicted. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coretest.h"
#include "kmsformat.h"

/* ------------------------------------------------------------------ */
/* The reference: OkLab of sRGB-encoded R', G', B' (0..1) in doubles */

static gdouble
ref_linear (gdouble v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static void
ref_oklab (gdouble r, gdouble g, gdouble b, gdouble lab[3])
{
  const gdouble lr = ref_linear (r), lg = ref_linear (g), lb = ref_linear (b);
  const gdouble l = cbrt (0.4122214708 * lr + 0.5363325363 * lg +
      0.0514459929 * lb);
  const gdouble m = cbrt (0.2119034982 * lr + 0.6806995451 * lg +
      0.1073969566 * lb);
  const gdouble s = cbrt (0.0883024619 * lr + 0.2817188376 * lg +
      0.6299787005 * lb);

  lab[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
  lab[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s;
  lab[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s;
}

/* The bytes the pixels should have: L * 255, 128 + a * 255, 128 + b * 255
 * (unrounded) */
static void
ref_bytes (gdouble r, gdouble g, gdouble b, gdouble out[3])
{
  gdouble lab[3];

  ref_oklab (r, g, b, lab);
  out[0] = 255 * lab[0];
  out[1] = 128 + 255 * lab[1];
  out[2] = 128 + 255 * lab[2];
}

/* Largest distance from the reference, in bytes, and how many channels
 * are the reference rounded */
typedef struct
{
  gdouble worst;
  guint64 n, exact;
} Agreement;

static void
agree (Agreement * ag, const guint8 got[3], const gdouble want[3],
    guint n_channels)
{
  guint ch;

  for (ch = 0; ch < n_channels; ch++) {
    const gdouble d = fabs (got[ch] - want[ch]);

    ag->worst = MAX (ag->worst, d);
    ag->exact += got[ch] == (guint8) CLAMP (floor (want[ch] + 0.5), 0, 255);
    ag->n++;
  }
}

/* Stated tolerance: every channel within 0.6 levels (1/255 of an OkLab
 * unit) of the formula (rounding alone is 0.5), and 99% of them its
 * rounded value (at most 0.53 and at least 99.3% in the cases below; the
 * table-driven conversion before the float one: 0.8 and 96.2%) */
#define TOLERANCE 0.6
#define MIN_EXACT 0.99

static void
assert_agreement (const Agreement * ag, const gchar * what)
{
  g_print ("oklab: %s: %" G_GUINT64_FORMAT " channels, worst %.3f levels "
      "from the formula, %.2f%% its rounded value\n", what, ag->n, ag->worst,
      100.0 * ag->exact / ag->n);
  ck_assert_msg (ag->worst <= TOLERANCE, "%s: %.3f levels from the formula",
      what, ag->worst);
  ck_assert_msg (ag->exact >= MIN_EXACT * ag->n, "%s: %.2f%% exact", what,
      100.0 * ag->exact / ag->n);
}

/* ------------------------------------------------------------------ */

START_TEST (test_rgb_known_values)
{
  const KmsColorSpace cs = { KMS_FORMAT_RGBx, 0, FALSE };
  static const struct
  {
    guint8 rgb[3];
    guint8 lab[3];
  } known[] = {
    /* white, black; sRGB red, green, blue from Ottosson's published
     * L, a, b (0.627955 0.224863 0.125846; 0.866440 -0.233888 0.179498;
     * 0.452014 -0.032457 -0.311528), times 255, a and b plus 128 */
    {{255, 255, 255}, {255, 128, 128}},
    {{0, 0, 0}, {0, 128, 128}},
    {{255, 0, 0}, {160, 185, 160}},
    {{0, 255, 0}, {221, 68, 174}},
    {{0, 0, 255}, {115, 120, 49}},
  };
  KmsOklab *lab = g_new (KmsOklab, 1);
  guint i;

  kms_oklab_init (lab, &cs);
  for (i = 0; i < G_N_ELEMENTS (known); i++) {
    guint8 out[3];

    kms_oklab_pixel (lab, known[i].rgb, out);
    assert_color_eq (out, known[i].lab[0], known[i].lab[1], known[i].lab[2]);
  }
  g_free (lab);
}

END_TEST;

START_TEST (test_rgb_against_formula)
{
  const KmsColorSpace cs = { KMS_FORMAT_RGB, 0, FALSE };
  KmsOklab *lab = g_new (KmsOklab, 1);
  Agreement ag = { 0, };
  guint r, g, b;

  kms_oklab_init (lab, &cs);
  /* every fifth level of each channel, and the last */
  for (r = 0; r < 256; r += 5)
    for (g = 0; g < 256; g += 5)
      for (b = 0; b < 256; b += 5) {
        const guint8 px[3] = { r, g, b };
        guint8 out[3];
        gdouble want[3];

        kms_oklab_pixel (lab, px, out);
        ref_bytes (r / 255.0, g / 255.0, b / 255.0, want);
        agree (&ag, out, want, 3);
      }
  /* every grey, and the darkest of each channel, where the cube root is
   * steepest */
  for (r = 0; r < 256; r++) {
    const guint8 grey[3] = { r, r, r };
    const guint8 dark[3][3] = { {r % 16, 0, 0}, {0, r % 16, 0}, {0, 0,
            r % 16}
    };
    guint8 out[3];
    gdouble want[3];
    guint i;

    kms_oklab_pixel (lab, grey, out);
    ref_bytes (r / 255.0, r / 255.0, r / 255.0, want);
    agree (&ag, out, want, 3);
    for (i = 0; i < 3; i++) {
      kms_oklab_pixel (lab, dark[i], out);
      ref_bytes (dark[i][0] / 255.0, dark[i][1] / 255.0, dark[i][2] / 255.0,
          want);
      agree (&ag, out, want, 3);
    }
  }
  assert_agreement (&ag, "sRGB");
  g_free (lab);
}

END_TEST;

/* R', G', B' of a Y'CbCr pixel (the inverse of the matrix, in doubles) */
static void
ref_yuv_to_rgb (KmsMatrix matrix, gboolean full, const guint8 yuv[3],
    gdouble rgb[3])
{
  const gdouble kr = matrix == KMS_MATRIX_BT709 ? 0.2126 :
      matrix == KMS_MATRIX_BT2020 ? 0.2627 : 0.299;
  const gdouble kb = matrix == KMS_MATRIX_BT709 ? 0.0722 :
      matrix == KMS_MATRIX_BT2020 ? 0.0593 : 0.114;
  const gdouble y = full ? yuv[0] / 255.0 : (yuv[0] - 16) / 219.0;
  const gdouble pb = (yuv[1] - 128) / (full ? 255.0 : 224.0);
  const gdouble pr = (yuv[2] - 128) / (full ? 255.0 : 224.0);

  rgb[0] = y + 2 * (1 - kr) * pr;
  rgb[2] = y + 2 * (1 - kb) * pb;
  rgb[1] = (y - kr * rgb[0] - kb * rgb[2]) / (1 - kr - kb);
}

START_TEST (test_yuv_against_rgb)
{
  static const KmsFormat formats[] = { KMS_FORMAT_I420, KMS_FORMAT_NV12,
    KMS_FORMAT_Y444, KMS_FORMAT_YUY2
  };
  KmsOklab *lab = g_new (KmsOklab, 1), *rgb_lab = g_new (KmsOklab, 1);
  const KmsColorSpace rgb_cs = { KMS_FORMAT_RGB, 0, FALSE };
  guint f, m, full;

  kms_oklab_init (rgb_lab, &rgb_cs);
  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (m = KMS_MATRIX_BT601; m <= KMS_MATRIX_BT2020; m++)
      for (full = 0; full < 2; full++) {
        const KmsColorSpace cs = { formats[f], m, full };
        Agreement ag = { 0, }, via = { 0, };
        gchar *what;
        guint y, u, v, r, g, b;

        kms_oklab_init (lab, &cs);
        /* Y'CbCr pixels inside the RGB gamut against the formula on their
         * exact R'G'B' */
        for (y = 0; y < 256; y += 3)
          for (u = 0; u < 256; u += 3)
            for (v = 0; v < 256; v += 3) {
              const guint8 px[3] = { y, u, v };
              gdouble rgb[3], want[3];
              guint8 out[3];

              ref_yuv_to_rgb (m, full, px, rgb);
              if (MIN (rgb[0], MIN (rgb[1], rgb[2])) < 0 ||
                  MAX (rgb[0], MAX (rgb[1], rgb[2])) > 1)
                continue;
              kms_oklab_pixel (lab, px, out);
              ref_bytes (rgb[0], rgb[1], rgb[2], want);
              agree (&ag, out, want, 3);
            }
        what = g_strdup_printf ("%s matrix %u %s range",
            kms_format_to_string (formats[f]), m, full ? "full" : "limited");
        assert_agreement (&ag, what);

        /* an RGB colour through the stream's Y'CbCr (rounded to bytes)
         * lands where the RGB pixel does, within what the rounding of
         * Y'CbCr moves it */
        for (r = 0; r < 256; r += 15)
          for (g = 0; g < 256; g += 15)
            for (b = 0; b < 256; b += 15) {
              const guint8 px[3] = { r, g, b };
              guint8 yuv[3], a, out[3], want[3];
              guint ch;

              kms_format_convert_color (&cs, 0xff000000 | r << 16 | g << 8 |
                  b, yuv, &a);
              kms_oklab_pixel (lab, yuv, out);
              kms_oklab_pixel (rgb_lab, px, want);
              for (ch = 0; ch < 3; ch++)
                via.worst = MAX (via.worst, abs (out[ch] - want[ch]));
            }
        g_print ("oklab: %s: RGB through Y'CbCr bytes: worst %.0f levels\n",
            what, via.worst);
        ck_assert_msg (via.worst <= 2, "%s: %.0f", what, via.worst);
        g_free (what);
      }

  /* the matrix is the stream's: a Y'CbCr pixel that reads as colours
   * several levels apart under BT.601 and BT.709 gives each its own */
  {
    const guint8 px[3] = { 100, 160, 160 };
    gdouble want[2][3], rgb[3];
    guint8 got[3];
    guint ch;

    for (m = 0; m < 2; m++) {
      const KmsColorSpace cs = { KMS_FORMAT_I420,
        m ? KMS_MATRIX_BT709 : KMS_MATRIX_BT601, FALSE
      };

      kms_oklab_init (lab, &cs);
      kms_oklab_pixel (lab, px, got);
      ref_yuv_to_rgb (cs.matrix, FALSE, px, rgb);
      ref_bytes (rgb[0], rgb[1], rgb[2], want[m]);
      for (ch = 0; ch < 3; ch++)
        ck_assert (fabs (got[ch] - want[m][ch]) <= TOLERANCE);
    }
    /* 7, 3 and 3 levels apart */
    for (ch = 0; ch < 3; ch++)
      ck_assert (fabs (want[0][ch] - want[1][ch]) >= 2.5);
  }
  g_free (lab);
  g_free (rgb_lab);
}

END_TEST;

START_TEST (test_gray)
{
  const KmsColorSpace cs = { KMS_FORMAT_GRAY8, 0, FALSE };
  KmsOklab *lab = g_new (KmsOklab, 1);
  Agreement ag = { 0, };
  guint v, last = 0;

  kms_oklab_init (lab, &cs);
  for (v = 0; v < 256; v++) {
    const guint8 px[3] = { v, 0, 0 };
    guint8 out[3];
    gdouble want[3];

    kms_oklab_pixel (lab, px, out);
    ref_bytes (v / 255.0, v / 255.0, v / 255.0, want);
    agree (&ag, out, want, 1);
    /* L only: the other channels stay 0, as grey unpacks them */
    ck_assert_uint_eq (out[1], 0);
    ck_assert_uint_eq (out[2], 0);
    ck_assert_uint_ge (out[0], last);
    last = out[0];
  }
  assert_agreement (&ag, "grey");
  g_free (lab);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* Frames */

/* Three colours in three horizontal bands of equal size. RGB puts C
 * (yellow-green) with B (ochre): squared distances A-B 38912, A-C 25600,
 * B-C 5120; OkLab puts it with A (teal-green): 0.0367, 0.0062, 0.0311, both
 * by a factor of 5 */
static const guint8 three[3][3] = {
  {0, 192, 96}, {160, 128, 0}, {128, 192, 0}
};

static TestImage *
three_bands (KmsFormat format, gint w, gint h, guint64 * s)
{
  guint8 *rgb = g_malloc (3 * w * h);
  TestImage *img;
  gint i;

  for (i = 0; i < w * h; i++)
    memcpy (rgb + 3 * i, three[MIN (3 * (i / w) / h, 2)], 3);
  img = image_new_from_rgb (format, w, h, 3, rgb, s);
  g_free (rgb);
  return img;
}

START_TEST (test_clusters_differ_as_predicted)
{
  const gint w = 37, h = 30;
  guint64 s = 7;
  guint seed, space;

  for (space = 0; space < 2; space++)
    for (seed = 1; seed <= 8; seed++) {
      KmsContext *ctx = kms_context_new ();
      TestImage *img = three_bands (KMS_FORMAT_RGBx, w, h, &s);
      /* the pair that shares a cluster, and the colour alone */
      const guint p0 = space ? 0 : 1, p1 = 2, alone = space ? 1 : 0;
      KmsParams params;
      KmsResult res;
      guint8 rgb[3 * 37 * 30], *c[3];
      guint i;

      params_init_exact (&params, 2);
      params.seed = seed;
      params.color_space = space ? KMS_CLUSTER_OKLAB : KMS_CLUSTER_NATIVE;
      process_in_place (ctx, &params, img, &res);
      image_unpack (img, rgb);
      for (i = 0; i < 3; i++)
        c[i] = rgb + 3 * w * (h * i / 3 + 1);
      ck_assert_msg (memcmp (c[p0], c[p1], 3) == 0, "%s, seed %u: "
          "%u,%u,%u and %u,%u,%u", space ? "oklab" : "native", seed,
          c[p0][0], c[p0][1], c[p0][2], c[p1][0], c[p1][1], c[p1][2]);
      ck_assert (memcmp (c[p0], c[alone], 3) != 0);
      /* the colour alone is its own centroid: painted as it is (in OkLab
       * through the rounding of its bytes, within a level) */
      for (i = 0; i < 3; i++)
        ck_assert_msg (abs (c[alone][i] - three[alone][i]) <= (space ? 1 : 0),
            "%s: channel %u: %u for %u", space ? "oklab" : "native", i,
            c[alone][i], three[alone][i]);
      /* what is posted is RGB, as painted */
      for (i = 0; i < 2; i++)
        ck_assert_uint_eq (res.palette[i], 0xff000000u |
            res.centroids[i][0] << 16 | res.centroids[i][1] << 8 |
            res.centroids[i][2]);
      ck_assert_uint_eq (res.counts[0] + res.counts[1], w * h);
      image_free (img);
      kms_context_free (ctx);
    }
}

END_TEST;

/* A key nearer A in RGB and nearer B in OkLab masks another cluster */
START_TEST (test_mask_key_in_oklab)
{
  const gint w = 20, h = 30;
  const guint32 key = 0x347055; /* 52, 112, 85 */
  guint64 s = 9;
  guint space;

  for (space = 0; space < 2; space++) {
    KmsContext *ctx = kms_context_new ();
    TestImage *img = three_bands (KMS_FORMAT_RGB, w, h, &s);
    KmsParams params;
    KmsResult res;
    guint8 rgb[3 * 20 * 30];
    guint i, masked = 3;

    params_init_exact (&params, 3);
    params.color_space = space ? KMS_CLUSTER_OKLAB : KMS_CLUSTER_NATIVE;
    params.mask_key = key;
    params.mask_color = 0xffff00ff;
    process_in_place (ctx, &params, img, &res);
    image_unpack (img, rgb);
    for (i = 0; i < 3; i++) {
      const guint8 *px = rgb + 3 * w * (h * i / 3 + 1);

      if (px[0] == 255 && px[1] == 0 && px[2] == 255) {
        ck_assert_uint_eq (masked, 3);
        masked = i;
      }
    }
    ck_assert_uint_eq (masked, space ? 1 : 0);
    image_free (img);
    kms_context_free (ctx);
  }
}

END_TEST;

/* A palette set seeds the fit in OkLab; with max_iters 0 it is painted */
START_TEST (test_palette)
{
  const guint32 argb[3] = { 0xff00c060, 0xffa08000, 0xff80c000 };
  const KmsColorSpace cs = { KMS_FORMAT_RGBx, 0, FALSE };
  KmsContext *ctx = kms_context_new ();
  guint64 s = 11;
  TestImage *img = three_bands (KMS_FORMAT_RGBx, 16, 12, &s);
  guint32 got[3];
  KmsParams params;
  KmsResult res;
  guint8 rgb[3 * 16 * 12];
  guint i, ch;

  params_init_exact (&params, 3);
  params.color_space = KMS_CLUSTER_OKLAB;
  params.max_iters = 0;
  ck_assert (kms_context_set_palette (ctx, &cs, argb, 3));
  process_in_place (ctx, &params, img, &res);
  ck_assert_uint_eq (kms_context_get_palette (ctx, &cs, got, 3), 3);
  image_unpack (img, rgb);
  for (i = 0; i < 3; i++) {
    const guint8 *px = rgb + 3 * 16 * (12 * i / 3 + 1);

    for (ch = 0; ch < 3; ch++) {
      const gint want = (argb[i] >> (16 - 8 * ch)) & 0xff;

      ck_assert_int_le (abs ((gint) ((got[i] >> (16 - 8 * ch)) & 0xff) -
              want), 1);
      ck_assert_int_le (abs (px[ch] - want), 1);
    }
    ck_assert_uint_eq (res.counts[i], 16 * 4);
  }
  image_free (img);
  kms_context_free (ctx);
}

END_TEST;

/* Changing the colour space starts afresh; so does going back */
START_TEST (test_switch_space)
{
  KmsContext *ctx = kms_context_new ();
  guint64 s = 13;
  TestImage *img = three_bands (KMS_FORMAT_BGRx, 24, 18, &s);
  KmsParams params;
  KmsResult res;
  guint i;

  params_init_exact (&params, 2);
  for (i = 0; i < 6; i++) {
    TestImage *frame = image_copy (img);

    params.color_space = i / 2 % 2 ? KMS_CLUSTER_OKLAB : KMS_CLUSTER_NATIVE;
    process_in_place (ctx, &params, frame, &res);
    ck_assert_msg (res.reinitialized == (i % 2 == 0), "frame %u", i);
    image_free (frame);
  }
  image_free (img);
  kms_context_free (ctx);
}

END_TEST;

/* A planar Y'CbCr frame for the context, its planes in one block */
typedef struct
{
  KmsFrame f;
  guint8 *mem;
  gsize size;
} YuvFrame;

static void
yuv_frame_init (YuvFrame * y, KmsFormat format, gint w, gint h, guint64 * s)
{
  const gint cw = (w + 1) / 2, ch = (h + 1) / 2;
  gint i, x, r;

  memset (y, 0, sizeof (*y));
  y->f.format = format;
  y->f.width = w;
  y->f.height = h;
  y->f.matrix = KMS_MATRIX_BT709;
  y->size = (gsize) w *h + 2 * (gsize) cw * ch;
  y->mem = g_malloc (y->size);
  y->f.data[0] = y->mem;
  y->f.stride[0] = w;
  y->f.data[1] = y->mem + w * h;
  y->f.stride[1] = cw;
  y->f.data[2] = y->f.data[1] + cw * ch;
  y->f.stride[2] = cw;
  /* smooth gradients with noise: many colours near every boundary */
  for (i = 0; i < 3; i++) {
    const gint pw = i ? cw : w, ph = i ? ch : h;

    for (r = 0; r < ph; r++)
      for (x = 0; x < pw; x++)
        y->f.data[i][r * y->f.stride[i] + x] = clamp_level (16 + (x * 7 +
                r * (3 + i)) % 220 + (gint) rng_below (s, 9) - 4);
  }
}

/* Every CPU level gives the same frames, labels and results */
START_TEST (test_levels_identical)
{
  static const gchar *const names[] = { "c", "v2", "v3", "avx512", "neon" };
  const gint w = 161, h = 97;
  guint64 s0 = 17;
  guint8 *rgb = g_malloc (3 * w * h);
  TestImage *src;
  YuvFrame yuv;
  guint f, n_levels = 0;
  guint8 *want_px[2] = { NULL, NULL };
  KmsResult want_res[2];

  gen_blobs (rgb, (gsize) w * h, 12, 40, &s0);
  src = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s0);
  yuv_frame_init (&yuv, KMS_FORMAT_I420, w, h, &s0);

  for (f = 0; f < G_N_ELEMENTS (names); f++) {
    KmsCpuFlags flags;
    guint fmt;

    if (!kms_cpu_flags_from_string (names[f], &flags, NULL) ||
        (flags & ~kms_cpu_get_flags ()))
      continue;
    n_levels++;
    for (fmt = 0; fmt < 2; fmt++) {
      KmsContext *ctx = kms_context_new ();
      KmsParams params;
      KmsResult res;
      guint8 *px = NULL;
      gsize size = 0;
      guint frame;

      kms_context_set_cpu_flags (ctx, flags);
      kms_params_init_defaults (&params);
      params.k = 8;
      params.color_space = KMS_CLUSTER_OKLAB;
      params.sample_size = 0;
      for (frame = 0; frame < 3; frame++) {
        KmsFrame in;

        g_free (px);
        if (fmt == 0) {
          TestImage *img = image_copy (src);

          image_frame (img, &in);
          ck_assert (kms_context_process (ctx, &params, &in, &in, &res));
          px = g_memdup2 (img->data, img->size);
          size = img->size;
          image_free (img);
        } else {
          YuvFrame copy = yuv;

          copy.mem = g_memdup2 (yuv.mem, yuv.size);
          copy.f.data[0] = copy.mem;
          copy.f.data[1] = copy.mem + (yuv.f.data[1] - yuv.mem);
          copy.f.data[2] = copy.mem + (yuv.f.data[2] - yuv.mem);
          ck_assert (kms_context_process (ctx, &params, &copy.f, &copy.f,
                  &res));
          px = copy.mem;
          size = yuv.size;
        }
        params.spatial_smoothing = frame;
      }
      if (!want_px[fmt]) {
        want_px[fmt] = px;
        want_res[fmt] = res;
      } else {
        ck_assert_msg (memcmp (px, want_px[fmt], size) == 0,
            "level %s, %s: another frame", names[f], fmt ? "I420" : "RGBx");
        ck_assert (res.mse == want_res[fmt].mse);
        ck_assert_uint_eq (res.k, want_res[fmt].k);
        ck_assert (memcmp (res.centroids, want_res[fmt].centroids,
                res.k * sizeof (res.centroids[0])) == 0);
        ck_assert (memcmp (res.counts, want_res[fmt].counts,
                res.k * sizeof (res.counts[0])) == 0);
        g_free (px);
      }
      kms_context_free (ctx);
    }
  }
  ck_assert_uint_ge (n_levels, 1);
  g_free (want_px[0]);
  g_free (want_px[1]);
  g_free (yuv.mem);
  image_free (src);
  g_free (rgb);
}

END_TEST;

static Suite *
oklab_suite (void)
{
  Suite *s = suite_create ("core-oklab");
  TCase *tc = tcase_create ("oklab");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_rgb_known_values);
  tcase_add_test (tc, test_rgb_against_formula);
  tcase_add_test (tc, test_yuv_against_rgb);
  tcase_add_test (tc, test_gray);
  tcase_add_test (tc, test_clusters_differ_as_predicted);
  tcase_add_test (tc, test_mask_key_in_oklab);
  tcase_add_test (tc, test_palette);
  tcase_add_test (tc, test_switch_space);
  tcase_add_test (tc, test_levels_identical);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return coretest_run (oklab_suite ());
}

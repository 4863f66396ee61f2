/* kmeansseg: unit tests of the K-means core
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

/* The core alone, through its public API only. Every expected result is
 * computed here, from the input, by deliberately plain code: a reference
 * Lloyd in double precision over every pixel, and an exhaustive integer
 * nearest-colour scan for what each pixel must be painted. Output buffers
 * are compared whole, so padding, alpha and x bytes are checked too. */

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmscore.h"
#include "kmsassign.h"
#include "kmspixel.h"

/* ------------------------------------------------------------------ */
/* Deterministic data */

static guint32
rng_next (guint64 * s)
{
  /* xorshift64: our own, so the data never depends on the core's RNG */
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (guint32) (*s >> 32);
}

static guint
rng_below (guint64 * s, guint n)
{
  return rng_next (s) % n;
}

static guint8
clamp_level (gint v)
{
  return (guint8) CLAMP (v, 0, 255);
}

/* Logical images are packed R, G, B bytes, width * height pixels */
static void
gen_uniform (guint8 * rgb, gsize n, guint64 * s)
{
  gsize i;

  for (i = 0; i < 3 * n; i++)
    rgb[i] = rng_next (s) & 0xff;
}

/* Pixels scattered around a few random colours */
static void
gen_blobs (guint8 * rgb, gsize n, guint n_blobs, gint spread, guint64 * s)
{
  guint8 centre[16][3];
  gsize i;
  guint b, ch;

  g_assert (n_blobs <= 16);
  for (b = 0; b < n_blobs; b++)
    for (ch = 0; ch < 3; ch++)
      centre[b][ch] = rng_next (s) & 0xff;
  for (i = 0; i < n; i++) {
    b = rng_below (s, n_blobs);
    for (ch = 0; ch < 3; ch++)
      rgb[3 * i + ch] = clamp_level (centre[b][ch] +
          (gint) rng_below (s, 2 * spread + 1) - spread);
  }
}

/* Few distinct colours, many pixels each: weighted points in exact mode */
static void
gen_quantized (guint8 * rgb, gsize n, guint levels, guint64 * s)
{
  gsize i;

  for (i = 0; i < 3 * n; i++)
    rgb[i] = rng_below (s, levels) * 255 / (levels - 1);
}

/* Flat colour bands of the given pixel counts, in raster order, with
 * +-noise per channel (0: flat) */
static void
gen_regions (guint8 * rgb, gsize n, const guint8 (*colors)[3],
    const gsize * sizes, guint n_regions, gint noise, guint64 * s)
{
  gsize i = 0, j;
  guint r, ch;

  for (r = 0; r < n_regions; r++) {
    for (j = 0; j < sizes[r] && i < n; j++, i++) {
      for (ch = 0; ch < 3; ch++) {
        gint v = colors[r][ch];

        if (noise > 0)
          v += (gint) rng_below (s, 2 * noise + 1) - noise;
        rgb[3 * i + ch] = clamp_level (v);
      }
    }
  }
  g_assert (i == n);
}

/* Thirds of the frame (the last one takes the rest) */
static void
gen_thirds (guint8 * rgb, gsize n, const guint8 (*colors)[3], gint noise,
    guint64 * s)
{
  gsize sizes[3] = { n / 3, n / 3, n - 2 * (n / 3) };

  gen_regions (rgb, n, colors, sizes, 3, noise, s);
}

/* ------------------------------------------------------------------ */
/* Images in every packed layout, with padded strides */

typedef struct
{
  KmsFormat format;
  gint bpp;
  gint r, g, b;                 /* byte offsets of the channels */
  gint a;                       /* alpha, -1: none */
} TestLayout;

/* As GStreamer names them: the bytes in memory order */
static const TestLayout layouts[] = {
  {KMS_FORMAT_RGB, 3, 0, 1, 2, -1},
  {KMS_FORMAT_BGR, 3, 2, 1, 0, -1},
  {KMS_FORMAT_RGBx, 4, 0, 1, 2, -1},
  {KMS_FORMAT_BGRx, 4, 2, 1, 0, -1},
  {KMS_FORMAT_xRGB, 4, 1, 2, 3, -1},
  {KMS_FORMAT_xBGR, 4, 3, 2, 1, -1},
  {KMS_FORMAT_RGBA, 4, 0, 1, 2, 3},
  {KMS_FORMAT_BGRA, 4, 2, 1, 0, 3},
  {KMS_FORMAT_ARGB, 4, 1, 2, 3, 0},
  {KMS_FORMAT_ABGR, 4, 3, 2, 1, 0},
};

typedef struct
{
  TestLayout layout;
  gint width;
  gint height;
  gint stride;
  guint8 *data;
  gsize size;
} TestImage;

static const TestLayout *
get_layout (KmsFormat format)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i].format == format)
      return &layouts[i];
  g_assert_not_reached ();
  return NULL;
}

/* Every byte starts random: padding, x and alpha bytes must survive */
static TestImage *
image_new (KmsFormat format, gint width, gint height, gint pad, guint64 * s)
{
  TestImage *img = g_new0 (TestImage, 1);
  gsize i;

  img->layout = *get_layout (format);
  img->width = width;
  img->height = height;
  img->stride = width * img->layout.bpp + pad;
  img->size = (gsize) img->stride * height;
  img->data = g_malloc (img->size);
  for (i = 0; i < img->size; i++)
    img->data[i] = rng_next (s) & 0xff;
  return img;
}

static TestImage *
image_copy (const TestImage * src)
{
  TestImage *img = g_memdup2 (src, sizeof (TestImage));

  img->data = g_memdup2 (src->data, src->size);
  return img;
}

static void
image_free (TestImage * img)
{
  g_free (img->data);
  g_free (img);
}

static guint8 *
image_pixel (const TestImage * img, gint x, gint y)
{
  return img->data + (gsize) y * img->stride + (gsize) x * img->layout.bpp;
}

static void
image_pack (TestImage * img, const guint8 * rgb)
{
  gint x, y;

  for (y = 0; y < img->height; y++) {
    for (x = 0; x < img->width; x++) {
      guint8 *p = image_pixel (img, x, y);
      const guint8 *q = rgb + 3 * ((gsize) y * img->width + x);

      p[img->layout.r] = q[0];
      p[img->layout.g] = q[1];
      p[img->layout.b] = q[2];
    }
  }
}

static void
image_unpack (const TestImage * img, guint8 * rgb)
{
  gint x, y;

  for (y = 0; y < img->height; y++) {
    for (x = 0; x < img->width; x++) {
      const guint8 *p = image_pixel (img, x, y);
      guint8 *q = rgb + 3 * ((gsize) y * img->width + x);

      q[0] = p[img->layout.r];
      q[1] = p[img->layout.g];
      q[2] = p[img->layout.b];
    }
  }
}

static TestImage *
image_new_from_rgb (KmsFormat format, gint width, gint height, gint pad,
    const guint8 * rgb, guint64 * s)
{
  TestImage *img = image_new (format, width, height, pad, s);

  image_pack (img, rgb);
  return img;
}

static void
image_frame (TestImage * img, KmsFrame * frame)
{
  memset (frame, 0, sizeof (KmsFrame));
  frame->format = img->layout.format;
  frame->width = img->width;
  frame->height = img->height;
  frame->data[0] = img->data;
  frame->stride[0] = img->stride;
}

static void
process_in_place (KmsContext * ctx, const KmsParams * params,
    TestImage * img, KmsStats * stats)
{
  KmsFrame frame;

  image_frame (img, &frame);
  ck_assert (kms_context_process (ctx, params, &frame, &frame, stats));
}

/* Fails on the first differing byte, saying where it is */
static void
assert_images_equal (const TestImage * got, const TestImage * expected,
    const gchar * what)
{
  gsize i;

  ck_assert_uint_eq (got->size, expected->size);
  if (memcmp (got->data, expected->data, got->size) == 0)
    return;
  for (i = 0; got->data[i] == expected->data[i]; i++);
  ck_assert_msg (FALSE, "%s (%s %dx%d stride %d): byte %" G_GSIZE_FORMAT
      " differs (x %d%s, y %d, byte %d of the pixel): got %u, expected %u",
      what, kms_format_to_string (got->layout.format), got->width,
      got->height, got->stride, i,
      (gint) (i % got->stride) / got->layout.bpp,
      (gint) (i % got->stride) >= got->width * got->layout.bpp ?
      " = stride padding" : "", (gint) (i / got->stride),
      (gint) (i % got->stride) % got->layout.bpp, got->data[i],
      expected->data[i]);
}

/* ------------------------------------------------------------------ */
/* What the core must write */

static guint8
round_centroid (gdouble v)
{
  if (v <= 0)
    return 0;
  if (v >= 255)
    return 255;
  return (guint8) floor (v + 0.5);
}

/* Exhaustive integer scan: the nearest colour, ties to the lower index.
 * *tie is set when another, different colour is just as near. */
static guint
nearest_color (const guint8 (*pal)[KMS_MAX_CHANNELS], guint k,
    const guint8 * px, guint * dist, gboolean * tie)
{
  guint best = G_MAXUINT, bl = 0, j, ch;

  *tie = FALSE;
  for (j = 0; j < k; j++) {
    guint d = 0;

    for (ch = 0; ch < 3; ch++)
      d += ((gint) px[ch] - pal[j][ch]) * ((gint) px[ch] - pal[j][ch]);
    if (d < best) {
      best = d;
      bl = j;
      *tie = FALSE;
    } else if (d == best && memcmp (pal[j], pal[bl], 3) != 0) {
      *tie = TRUE;
    }
  }
  *dist = best;
  return bl;
}

typedef struct
{
  guint64 counts[KMS_MAX_K];
  guint64 sse;                  /* squared error against the centroids */
  guint64 ties;                 /* pixels with two nearest colours */
  guint64 masked;
} TestExpect;

/* The frame the core must produce from @in with palette @pal: each pixel's
 * label is its nearest rounded centroid; posterize paints that colour,
 * the masked label takes the mask's RGB (and alpha where the format has
 * one); every other byte stays as it was. */
static TestImage *
expect_output (const TestImage * in, const guint8 (*pal)[KMS_MAX_CHANNELS],
    guint k, const KmsParams * params, TestExpect * ex)
{
  TestImage *out = image_copy (in);
  const TestLayout *l = &in->layout;
  guint8 mask[3];
  gint mask_label = -1;
  gint x, y;

  memset (ex, 0, sizeof (TestExpect));
  if (params->mask_cluster >= 0 && (guint) params->mask_cluster < k)
    mask_label = params->mask_cluster;
  mask[0] = (params->mask_color >> 16) & 0xff;
  mask[1] = (params->mask_color >> 8) & 0xff;
  mask[2] = params->mask_color & 0xff;

  for (y = 0; y < in->height; y++) {
    for (x = 0; x < in->width; x++) {
      const guint8 *p = image_pixel (in, x, y);
      guint8 *o = image_pixel (out, x, y);
      guint8 px[3] = { p[l->r], p[l->g], p[l->b] };
      const guint8 *color = NULL;
      gboolean tie;
      guint d, label;

      label = nearest_color (pal, k, px, &d, &tie);
      ex->counts[label]++;
      ex->sse += d;
      ex->ties += tie;

      if ((gint) label == mask_label) {
        color = mask;
        if (l->a >= 0)
          o[l->a] = params->mask_color >> 24;
        ex->masked++;
      } else if (params->mode == KMS_MODE_POSTERIZE) {
        color = pal[label];
      }
      if (color) {
        o[l->r] = color[0];
        o[l->g] = color[1];
        o[l->b] = color[2];
      }
    }
  }
  return out;
}

/* Checks a processed frame against the current centroids: the painted
 * bytes and the counts. */
static void
check_output (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, const TestImage * out, guint k, TestExpect * ex)
{
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  TestExpect local;
  TestImage *expected;
  guint64 total = 0;
  guint c;

  if (!ex)
    ex = &local;
  ck_assert_uint_eq (kms_context_get_centroids (ctx, pal, KMS_MAX_K), k);
  expected = expect_output (in, (const guint8 (*)[KMS_MAX_CHANNELS]) pal, k,
      params, ex);
  assert_images_equal (out, expected, "painted output");
  image_free (expected);

  ck_assert_uint_eq (kms_context_get_counts (ctx, counts, KMS_MAX_K), k);
  for (c = 0; c < k; c++) {
    ck_assert_msg (counts[c] == ex->counts[c], "cluster %u: count %"
        G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, c, counts[c],
        ex->counts[c]);
    total += counts[c];
  }
  ck_assert_uint_eq (total, (guint64) in->width * in->height);
}

/* Processes a copy of @in in place and checks it; returns the output */
static TestImage *
process_and_check (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, KmsStats * stats, TestExpect * ex)
{
  TestImage *out = image_copy (in);
  KmsStats local;

  if (!stats)
    stats = &local;
  process_in_place (ctx, params, out, stats);
  ck_assert_uint_eq (stats->k, params->k);
  check_output (ctx, params, in, out, params->k, ex);
  return out;
}

static void
get_palette (KmsContext * ctx, guint k, guint8 (*pal)[KMS_MAX_CHANNELS])
{
  ck_assert_uint_eq (kms_context_get_centroids (ctx, pal, KMS_MAX_K), k);
}

static void
get_exact (KmsContext * ctx, guint k, gdouble (*cent)[KMS_MAX_CHANNELS])
{
  ck_assert_uint_eq (kms_context_get_centroids_exact (ctx, cent, KMS_MAX_K), k);
}

static gdouble
color_distance (const guint8 * a, const guint8 * b)
{
  gdouble d = 0;
  guint ch;

  for (ch = 0; ch < 3; ch++)
    d += ((gdouble) a[ch] - b[ch]) * ((gdouble) a[ch] - b[ch]);
  return sqrt (d);
}

static gdouble
luma (const gdouble * c)
{
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

#define assert_color_eq(got, r_, g_, b_) G_STMT_START {                     \
  const guint8 *_c = (got);                                                 \
  ck_assert_msg (_c[0] == (r_) && _c[1] == (g_) && _c[2] == (b_),           \
      "colour %u,%u,%u, expected %u,%u,%u", _c[0], _c[1], _c[2],           \
      (guint) (r_), (guint) (g_), (guint) (b_));                            \
} G_STMT_END

/* ------------------------------------------------------------------ */
/* The reference Lloyd: every pixel a point, in doubles, nothing clever */

static gdouble
ref_dist2 (const guint8 * p, const gdouble * c)
{
  gdouble d0 = p[0] - c[0];
  gdouble d1 = p[1] - c[1];
  gdouble d2 = p[2] - c[2];

  return d0 * d0 + d1 * d1 + d2 * d2;
}

/* Runs on @cent in place; returns the iterations run. A cluster left
 * without pixels moves to the pixel farthest from its nearest centroid in
 * that iteration's assignment (the first such pixel in raster order: the
 * core may break a tie between two colours otherwise, so the data keep
 * the farthest colour unique), and the fit goes on; *reseeded says it
 * happened. */
static guint
ref_lloyd (const guint8 * rgb, gsize n, guint k,
    gdouble (*cent)[KMS_MAX_CHANNELS], guint max_iters, gdouble tolerance,
    gboolean * reseeded)
{
  guint64 (*sum)[3] = g_malloc_n (k, sizeof (*sum));
  guint64 *count = g_new (guint64, k);
  gdouble *dist = g_new (gdouble, n);
  guint it = 0, c, ch;
  gsize i;

  *reseeded = FALSE;
  while (it < max_iters) {
    gboolean moved = FALSE;

    memset (sum, 0, k * sizeof (sum[0]));
    memset (count, 0, k * sizeof (count[0]));
    for (i = 0; i < n; i++) {
      const guint8 *p = rgb + 3 * i;
      gdouble best = G_MAXDOUBLE;
      guint bl = 0;

      for (c = 0; c < k; c++) {
        gdouble d = ref_dist2 (p, cent[c]);

        if (d < best) {
          best = d;
          bl = c;
        }
      }
      dist[i] = best;
      for (ch = 0; ch < 3; ch++)
        sum[bl][ch] += p[ch];
      count[bl]++;
    }
    for (c = 0; c < k; c++) {
      gdouble next[3], move = 0;

      if (count[c] == 0)
        continue;
      for (ch = 0; ch < 3; ch++) {
        next[ch] = (gdouble) sum[c][ch] / count[c];
        move += (next[ch] - cent[c][ch]) * (next[ch] - cent[c][ch]);
        cent[c][ch] = next[ch];
      }
      if (sqrt (move) > tolerance)
        moved = TRUE;
    }
    for (c = 0; c < k; c++) {
      gdouble worst = 0;
      gsize wi = 0;

      if (count[c] != 0)
        continue;
      for (i = 0; i < n; i++) {
        if (dist[i] > worst) {
          worst = dist[i];
          wi = i;
        }
      }
      if (worst == 0)
        break;                  /* every pixel sits on a centroid */
      for (ch = 0; ch < 3; ch++)
        cent[c][ch] = rgb[3 * wi + ch];
      for (i = 0; i < n; i++)
        dist[i] = MIN (dist[i], ref_dist2 (rgb + 3 * i, cent[c]));
      *reseeded = moved = TRUE;
    }
    it++;
    if (!moved)
      break;
  }
  g_free (sum);
  g_free (count);
  g_free (dist);
  return it;
}

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
  KmsStats stats;
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
  kms_params_init_defaults (&params);
  params.hysteresis = 0;      /* exact nearest labels */
  params.k = k;
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
    KmsStats stats;

    if (round % 2)
      gen_uniform (rgb, n, &s);
    else
      gen_blobs (rgb, n, 5, 40, &s);
    in = image_new_from_rgb (formats[round % 3], w, h, round, rgb, &s);

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    params.k = 2 + round % 7;
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
    KmsStats stats;
    TestExpect ex;
    gsize i;

    /* Fit on the three colours exactly: black, grey, reddish by luma */
    gen_thirds (rgb, n, fit, 0, &s);
    in = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 8, rgb, &s);
    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 3;
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
  KmsStats stats;
  TestExpect ex;
  gsize i;

  kms_params_init_defaults (&params);
  params.hysteresis = 0;      /* exact nearest labels */
  params.k = 2;
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
    KmsStats stats;
    TestExpect ex;
    guint c;

    /* greys 0, 32, ... 224: numbered in that order by luma */
    for (c = 0; c < 8; c++) {
      memset (greys[c], 32 * c, 3);
      sizes[c] = n / 8;
    }
    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 8;
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
    KmsStats stats;
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
    KmsStats stats;
    gboolean reseeded;
    guint iters, c, ch;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    params.k = 3;
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

    iters = ref_lloyd (rgb, n, 3, ref, params.max_iters, params.tolerance,
        &reseeded);
    ck_assert (reseeded);
    ck_assert_uint_eq (stats.iterations, iters);
    get_exact (ctx, 3, got);
    for (c = 0; c < 3; c++)
      for (ch = 0; ch < 3; ch++)
        ck_assert_double_eq_tol (got[c][ch], ref[c][ch], 1e-9);

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
    KmsStats stats;
    guint64 sum[3] = { 0, 0, 0 };
    gsize i;
    guint ch;

    if (mode % 2)
      gen_uniform (rgb, n, &s);
    else
      gen_blobs (rgb, n, 3, 60, &s);
    for (i = 0; i < n; i++)
      for (ch = 0; ch < 3; ch++)
        sum[ch] += rgb[3 * i + ch];
    for (ch = 0; ch < 3; ch++)
      mean[ch] = (gdouble) sum[ch] / n;
    in = image_new_from_rgb (KMS_FORMAT_BGRx, w, h, 4, rgb, &s);

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 1;
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

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 5;
    params.init = mode % 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
    params.sample_size = mode / 2 ? 0 : 800;
    params.seed = 1234567 + mode;

    /* three frames: the warm ones must repeat too */
    for (frame = 0; frame < 3; frame++) {
      TestImage *in, *oa, *ob;
      KmsStats sa, sb;

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

      kms_params_init_defaults (&params);
      params.hysteresis = 0;      /* exact nearest labels */
      params.k = 3;
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
    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 2 + round;
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
    KmsStats stats;
    guint frame;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 3;
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

        kms_params_init_defaults (&params);
        params.hysteresis = 0;      /* exact nearest labels */
        params.k = 3;
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

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 4;
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

      kms_params_init_defaults (&params);
      params.hysteresis = 0;      /* exact nearest labels */
      params.k = sizes[i].k;
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
    KmsStats sa, sb;
    guint frame;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 4;
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
    KmsStats stats;
    guint c, j;

    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    /* a pure warm start: no scene cut or refresh on these unrelated
     * frames */
    params.scene_cut = 0;
    params.refresh_interval = 0;
    params.sample_size = mode ? 0 : 65536;
    params.k = 3;
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
  KmsStats stats, sentinel;
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
        KmsStats sa, sb;
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
    KmsStats stats;
    TestExpect ex;
    gdouble mse;

    if (round % 2)
      gen_uniform (rgb, n, &s);
    else
      gen_blobs (rgb, n, 4, 30, &s);
    in = image_new_from_rgb (round % 2 ? KMS_FORMAT_BGR : KMS_FORMAT_ABGR,
        w, h, 1, rgb, &s);
    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 2 + round;
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
  KmsStats stats;

  gen_blobs (rgb, n, 5, 40, &s);
  in1 = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s);
  gen_blobs (rgb, n, 5, 40, &s);
  in2 = image_new_from_rgb (KMS_FORMAT_RGBx, w, h, 0, rgb, &s);
  kms_params_init_defaults (&params);
  params.hysteresis = 0;      /* exact nearest labels */
  /* a pure warm start: no scene cut or refresh on these unrelated
   * frames */
  params.scene_cut = 0;
  params.refresh_interval = 0;
  params.k = 4;

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
/* 16. The scalar assignment gives what AUTO gives */

START_TEST (test_isa_scalar)
{
  guint64 s = 1616;
  KmsContext *a = kms_context_new ();
  KmsContext *b = kms_context_new ();
  guint round;

  ck_assert (kms_context_set_isa (a, KMS_ISA_AUTO));
  ck_assert (kms_context_set_isa (b, KMS_ISA_SCALAR));
  ck_assert (!kms_context_set_isa (b, KMS_ISA_LAST));

  for (round = 0; round < 6; round++) {
    const gint w = 61 + round, h = 45 - round;
    const gsize n = (gsize) w * h;
    guint8 *rgb = g_malloc (3 * n);
    TestImage *in, *oa, *ob;
    KmsParams params;
    KmsStats sa, sb;

    if (round % 2)
      gen_uniform (rgb, n, &s);
    else
      gen_blobs (rgb, n, 6, 25, &s);
    in = image_new_from_rgb (round % 2 ? KMS_FORMAT_RGB : KMS_FORMAT_BGRx,
        w, h, 2, rgb, &s);
    kms_params_init_defaults (&params);
    params.hysteresis = 0;      /* exact nearest labels */
    params.k = 2 + 2 * round;
    params.sample_size = round % 3 ? 65536 : 0;
    params.mask_cluster = round % 2 ? 1 : -1;
    oa = process_and_check (a, &params, in, &sa, NULL);
    ob = process_and_check (b, &params, in, &sb, NULL);
    assert_images_equal (ob, oa, "scalar vs auto");
    ck_assert (sa.mse == sb.mse);
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
  KmsStats stats;
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
  kms_params_init_defaults (&params);
  params.hysteresis = 0;      /* exact nearest labels */
  params.k = 1;
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
/* 17. The assignment kernels against an exhaustive scan */

/* The nearest centroid by exhaustive scan: exact integer squared
 * distance, ties to the lower index. *n_near: how many centroids are that
 * near; *color_tie: whether one of them has another colour. */
static guint
assign_nearest (const KmsAssignPalette * pal, const guint8 * px,
    guint32 * dist, guint * n_near, gboolean * color_tie)
{
  guint32 best = G_MAXUINT32;
  guint i, bl = 0, ch;

  *n_near = 0;
  *color_tie = FALSE;
  for (i = 0; i < pal->k; i++) {
    guint32 d = 0;

    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      d += ((gint32) px[ch] - pal->c[ch][i]) * ((gint32) px[ch] -
          pal->c[ch][i]);
    if (d < best) {
      best = d;
      bl = i;
      *n_near = 1;
      *color_tie = FALSE;
    } else if (d == best) {
      (*n_near)++;
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
        if (pal->c[ch][i] != pal->c[ch][bl])
          *color_tie = TRUE;
    }
  }
  *dist = best;
  return bl;
}

/* Beyond this, the squared distance no longer fits 16 bits: only a pixel
 * at least 256 levels from every centroid is that far */
#define FAR_DIST 65535

/* What the generated data exercised, summed over every case */
typedef struct
{
  guint64 pixels;
  guint64 dup_ties;             /* nearest centroid duplicated */
  guint64 color_ties;           /* two colours just as near */
  guint64 far;                  /* nearest beyond FAR_DIST */
  guint64 far_ties;             /* far, and a tie between colours */
  guint64 edge;                 /* nearest within 60000..FAR_DIST */
  guint64 mixed_runs;           /* 32 aligned pixels, some far, some not */
} AssignCoverage;

/* The row's expected labels, counts and error */
typedef struct
{
  guint8 *labels;
  guint32 *dist;
  guint64 counts[KMS_MAX_K];
  guint64 sse;
} AssignExpect;

static void
assign_expect (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, AssignExpect * ex, AssignCoverage * cov)
{
  gint x, run_far = 0, run_near = 0;

  memset (ex->counts, 0, sizeof (ex->counts));
  ex->sse = 0;
  for (x = 0; x < width; x++) {
    const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };
    gboolean color_tie;
    guint n_near;

    ex->labels[x] = assign_nearest (pal, px, &ex->dist[x], &n_near, &color_tie);
    ex->counts[ex->labels[x]]++;
    ex->sse += ex->dist[x];

    cov->pixels++;
    cov->color_ties += color_tie;
    cov->dup_ties += n_near > 1 && !color_tie;
    if (ex->dist[x] > FAR_DIST) {
      cov->far++;
      cov->far_ties += color_tie;
      run_far++;
    } else {
      cov->edge += ex->dist[x] >= 60000;
      run_near++;
    }
    if (x % 32 == 31 || x == width - 1) {
      cov->mixed_runs += run_far && run_near;
      run_far = run_near = 0;
    }
  }
}

enum
{
  PAL_RANDOM,
  PAL_DUPLICATES,               /* some centroids repeated */
  PAL_TIES,                     /* pixels as near to several colours */
  PAL_FAR,                      /* centroids dark, pixels bright */
  PAL_MIXED_FAR,                /* far and near pixels side by side */
  PAL_CUBE,                     /* everything in an 8-level cube */
  PAL_GREYS,                    /* greys, often midway */
  PAL_N_KINDS
};

/* Writes the palette and one planar row of @kind */
static void
gen_assign_case (guint kind, guint k, gint width, KmsAssignPalette * pal,
    guint8 * const *c, guint64 * s)
{
  guint i, ch;
  gint x;

  g_assert (k >= 1 && k <= KMS_MAX_K);
  memset (pal, 0, sizeof (KmsAssignPalette));
  pal->k = k;

  switch (kind) {
    case PAL_RANDOM:
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 256);
      for (x = 0; x < width; x++)
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = rng_below (s, 256);
      break;

    case PAL_DUPLICATES:
      /* about half the centroids repeat an earlier one; pixels hit the
       * colours exactly, or next to them, or anywhere */
      for (i = 0; i < k; i++) {
        guint src = i > 0 && rng_below (s, 2) ? rng_below (s, i) : i;

        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = src == i ? (gint32) rng_below (s, 256) :
              pal->c[ch][src];
      }
      for (x = 0; x < width; x++) {
        guint r = rng_below (s, 3), j = rng_below (s, k);

        for (ch = 0; ch < 3; ch++) {
          if (r == 2)
            c[ch][x] = rng_below (s, 256);
          else
            c[ch][x] = clamp_level (pal->c[ch][j] + (r == 1 ?
                    (gint) rng_below (s, 3) - 1 : 0));
        }
      }
      break;

    case PAL_TIES:{
      /* anchors with centroids around them at the sign flips and
       * permutations of one small offset: all exactly as near */
      guint8 anchor[8][3];
      guint n_anchors = MIN (8, MAX (1, k / 3)), a;

      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 256);
      for (a = 0; a < n_anchors; a++) {
        gint v[3], m = 2 + rng_below (s, 5), j;

        for (ch = 0; ch < 3; ch++) {
          anchor[a][ch] = 20 + rng_below (s, 216);
          v[ch] = 1 + rng_below (s, 6);
        }
        for (j = 0; j < m && k > 1; j++) {
          guint id = rng_below (s, k), p = rng_below (s, 6);
          /* the six permutations of (0, 1, 2) */
          static const guint perm[6][3] = {
            {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}
          };

          for (ch = 0; ch < 3; ch++)
            pal->c[ch][id] = anchor[a][ch] + (rng_below (s, 2) ? 1 : -1) *
                v[perm[p][ch]];
        }
      }
      for (x = 0; x < width; x++) {
        gboolean random = rng_below (s, 4) == 0;

        a = rng_below (s, n_anchors);
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = random ? rng_below (s, 256) : anchor[a][ch];
      }
      break;
    }

    case PAL_FAR:{
      /* every centroid within 0..15, every pixel within 236..255: the
       * nearest is more than 3 * 221^2 away. The permutations of
       * (12, 14, 15) are the nearest to a grey pixel, all equally. */
      static const guint8 hi[6][3] = {
        {12, 14, 15}, {12, 15, 14}, {14, 12, 15}, {14, 15, 12},
        {15, 12, 14}, {15, 14, 12}
      };

      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 11);
      for (i = 0; i < 6 && k > 1; i++) {
        guint id = rng_below (s, k);

        for (ch = 0; ch < 3; ch++)
          pal->c[ch][id] = hi[i][ch];
      }
      for (x = 0; x < width; x++) {
        guint8 grey = 236 + rng_below (s, 20);
        gboolean is_grey = rng_below (s, 2);

        for (ch = 0; ch < 3; ch++)
          c[ch][x] = is_grey ? grey : 236 + rng_below (s, 20);
      }
      break;
    }

    case PAL_MIXED_FAR:
      /* centroids within 0..90: a pixel within 240..255 is farther than
       * 3 * 150^2 from all, its neighbours may be anywhere */
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 91);
      for (x = 0; x < width; x++) {
        gboolean far = rng_below (s, 2);

        for (ch = 0; ch < 3; ch++)
          c[ch][x] = far ? 240 + rng_below (s, 16) : rng_below (s, 256);
      }
      break;

    case PAL_CUBE:
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = 100 + rng_below (s, 8);
      for (x = 0; x < width; x++)
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = 98 + rng_below (s, 12);
      break;

    default:{
      /* greys: a pixel midway between two is a tie; the palette is
       * sometimes dark only, and then a bright pixel is far */
      guint top = rng_below (s, 2) ? 256 : 51;

      for (i = 0; i < k; i++) {
        gint32 v = rng_below (s, top);

        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = v;
      }
      for (x = 0; x < width; x++) {
        guint8 v;

        if (k > 1 && rng_below (s, 2)) {
          guint a = rng_below (s, k), b = rng_below (s, k);

          v = (pal->c[0][a] + pal->c[0][b]) / 2;
        } else {
          v = rng_below (s, 256);
        }
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = v;
      }
      break;
    }
  }
#ifdef KMS_HAVE_AVX512
  /* the AVX-512 kernels' key terms, where they run and take the palette
   * (the function itself is AVX-512 code) */
  if (k <= KMS_CELL_MAX_K && kms_assign_avx512_supported ())
    kms_assign_avx512_prepare (pal);
#endif
}

static const gint assign_widths[] = {
  1, 2, 3, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 161, 199, 200
};

static const guint assign_ks[] = {
  1, 2, 3, 4, 5, 7, 8, 16, 17, 31, 32, 33, 64, 65, 100, 128, 129, 200, 255,
  256
};

static void
fail_label (const gchar * impl, const gchar * what,
    const KmsAssignPalette * pal, const guint8 * px, gint x, guint got,
    guint expected, guint32 expected_dist)
{
  guint32 got_dist = G_MAXUINT32;
  guint ch;

  if (got < pal->k) {
    got_dist = 0;
    for (ch = 0; ch < 3; ch++)
      got_dist += ((gint32) px[ch] - pal->c[ch][got]) * ((gint32) px[ch] -
          pal->c[ch][got]);
  }
  ck_assert_msg (FALSE, "%s, %s: pixel %d (%u,%u,%u) labelled %u (distance "
      "%u), expected %u (distance %u)", impl, what, x, px[0], px[1], px[2],
      got, got_dist, expected, expected_dist);
}

/* counts[] and sse are @times the expected ones (Check asserts cost a
 * pipe write each: test first) */
static void
assert_counts_sse (const guint64 * counts, guint64 sse,
    const AssignExpect * ex, guint times, const gchar * impl,
    const gchar * what)
{
  guint i;

  for (i = 0; i < KMS_MAX_K; i++)
    if (counts[i] != times * ex->counts[i])
      ck_assert_msg (FALSE, "%s, %s: count[%u] %" G_GUINT64_FORMAT
          " after %u rows, expected %" G_GUINT64_FORMAT, impl, what, i,
          counts[i], times, times * ex->counts[i]);
  if (sse != times * ex->sse)
    ck_assert_msg (FALSE, "%s, %s: sse %" G_GUINT64_FORMAT " after %u rows, "
        "expected %" G_GUINT64_FORMAT, impl, what, sse, times, times * ex->sse);
}

static void
check_assign_row (KmsAssignRowFunc func, const gchar * impl,
    const gchar * what, const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, const AssignExpect * ex)
{
  guint8 *labels = g_malloc (width + 8);
  guint64 counts[KMS_MAX_K];
  guint64 sse = 0;
  gint x;

  memset (labels, 0xee, width + 8);
  memset (counts, 0, sizeof (counts));
  func (pal, c, width, labels, counts, &sse, NULL);
  for (x = 0; x < width; x++) {
    if (labels[x] != ex->labels[x]) {
      const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };

      fail_label (impl, what, pal, px, x, labels[x], ex->labels[x],
          ex->dist[x]);
    }
  }
  for (x = width; x < width + 8; x++)
    if (labels[x] != 0xee)
      ck_assert_msg (FALSE, "%s, %s: label written past the row at %d",
          impl, what, x);
  assert_counts_sse (counts, sse, ex, 1, impl, what);

  /* a second row adds to what is there */
  func (pal, c, width, labels, counts, &sse, NULL);
  assert_counts_sse (counts, sse, ex, 2, impl, what);
  g_free (labels);
}

static void
check_coverage (const AssignCoverage * cov)
{
  /* the data must have exercised what they were made for */
  ck_assert_uint_gt (cov->dup_ties, 0);
  ck_assert_uint_gt (cov->color_ties, 0);
  ck_assert_uint_gt (cov->far, 0);
  ck_assert_uint_gt (cov->far_ties, 0);
  ck_assert_uint_gt (cov->edge, 0);
  ck_assert_uint_gt (cov->mixed_runs, 0);
  ck_assert_uint_lt (cov->far, cov->pixels);
}

/* With @on, the palette's cell table (when k allows one), built into
 * @table; FALSE when there is none to try */
static gboolean
use_cells (KmsAssignPalette * pal, gboolean on, guint64 * table)
{
  pal->cells = NULL;
  if (!on)
    return TRUE;
  if (pal->k < 2 || pal->k > KMS_CELL_MAX_K)
    return FALSE;
  kms_assign_build_cells (pal, 3, 0, table);
  pal->cells = table;
  return TRUE;
}

/* The label hysteresis of the kernels, as kmsassign.h defines it: the
 * previous label p (< k) is kept when it is not the nearest n and
 * (float) d_p <= (sqrtf ((float) d_n) + margin)^2 */
static guint
hysteresis_label (const KmsAssignPalette * pal, const guint8 * px, guint prev,
    gboolean apply, gfloat margin, guint32 * dist)
{
  guint n_near, label, ch;
  gboolean color_tie;
  guint32 d = 0;

  label = assign_nearest (pal, px, dist, &n_near, &color_tie);
  if (!apply || prev >= pal->k || prev == label)
    return label;
  for (ch = 0; ch < 3; ch++)
    d += ((gint32) px[ch] - pal->c[ch][prev]) * ((gint32) px[ch] -
        pal->c[ch][prev]);
  {
    const gfloat lim = sqrtf ((gfloat) * dist) + margin;

    if ((gfloat) d <= lim * lim) {
      *dist = d;
      return prev;
    }
  }
  return label;
}

/* Every kernel, with and without the cell table, against
 * hysteresis_label() on generated rows and previous labels */
START_TEST (test_assign_hysteresis_kernels)
{
  static const guint ks[] = { 1, 2, 3, 5, 8, 16, 31, 32, 33, 64 };
  static const gfloat margins[] = { 0.25f, 1.0f, 2.5f, 10.0f, 100.0f };
  static const struct
  {
    KmsAssignRowFunc row;
    KmsAssignPaintRow32Func row32;
    const gchar *name;
  } impls[] = {
    {kms_assign_row_scalar, NULL, "row, scalar"},
    {kms_assign_row_simd, NULL, "row, simd"},
    {NULL, kms_assign_paint_row32_scalar, "row32, scalar"},
    {NULL, kms_assign_paint_row32_simd, "row32, simd"},
#ifdef KMS_HAVE_AVX512
    {kms_assign_row_avx512, NULL, "row, avx512"},
    {NULL, kms_assign_paint_row32_avx512, "row32, avx512"},
#endif
  };
  guint64 *table = g_new (guint64, KMS_CELLS);
  guint8 *row[3], *px32, *labels, *prev0, *prev, *expect;
  guint32 *dist = g_new (guint32, 200);
  const guint shift[KMS_MAX_CHANNELS] = { 0, 8, 16 };
  guint64 s = 0x4e57, n_kept = 0, n_changed = 0, n_avx512 = 0;
  guint64 n_still_blocks = 0;
  KmsAssignPalette pal;
  KmsPaint paint;
  guint c, ch, impl, cells;

  for (ch = 0; ch < 3; ch++)
    row[ch] = g_malloc (200);
  px32 = g_malloc (4 * 200);
  labels = g_malloc (200);
  prev0 = g_malloc (200);
  prev = g_malloc (200);
  expect = g_malloc (200);
  memset (&paint, 0, sizeof (paint));

  for (c = 0; c < 3000; c++) {
    const guint k = ks[c % G_N_ELEMENTS (ks)];
    const gint width = 1 + (gint) rng_below (&s, 200);
    const gfloat margin = margins[rng_below (&s, G_N_ELEMENTS (margins))];
    const gboolean apply = rng_below (&s, 4) != 0;
    guint64 counts[KMS_MAX_K], ex_counts[KMS_MAX_K], sse, ex_sse = 0;
    gint x;

    /* every third case a still picture: runs of one previous label, the
     * pixels at its centroid (every third run next to it), a few on the
     * way to the nearest other centroid: whole blocks that keep their
     * labels, and blocks where one pixel changes */
    const gboolean still = c % 3 == 2 && k > 1;
    gint exact_run = 0;

    gen_assign_case (c % PAL_N_KINDS, k, width, &pal, row, &s);
    memset (ex_counts, 0, sizeof (ex_counts));
    for (x = 0; x < width; x++) {
      guint8 px[3];
      guint n_near, r = rng_below (&s, 6), p = 0;
      gboolean color_tie;
      guint32 d;
      guint near;

      if (still) {
        guint32 d2_min = G_MAXUINT32;
        guint j, other = 0;
        gint t;

        p = (guint) (x / 64) % k;
        for (j = 0; j < k; j++) {
          guint32 d2 = 0;

          for (ch = 0; ch < 3; ch++)
            d2 += (pal.c[ch][j] - pal.c[ch][p]) * (pal.c[ch][j] -
                pal.c[ch][p]);
          if (j != p && d2 < d2_min) {
            d2_min = d2;
            other = j;
          }
        }
        t = rng_below (&s, 64) == 0 ? 30 + (gint) rng_below (&s, 41) : 0;
        for (ch = 0; ch < 3; ch++) {
          gint v = pal.c[ch][p] + (pal.c[ch][other] - pal.c[ch][p]) * t / 100;

          if (t == 0 && x / 64 % 3 == 2)
            v += (gint) rng_below (&s, 3) - 1;
          row[ch][x] = (guint8) CLAMP (v, 0, 255);
        }
        /* blocks of 32 pixels exactly at centroids well apart from the
         * others: blocks where every pixel keeps its label */
        exact_run = row[0][x] == pal.c[0][p] && row[1][x] == pal.c[1][p] &&
            row[2][x] == pal.c[2][p] && d2_min >= 16 ? exact_run + 1 : 0;
        if (x % 32 == 31 && exact_run >= 32)
          n_still_blocks++;
      }
      for (ch = 0; ch < 3; ch++)
        px[ch] = row[ch][x];
      near = assign_nearest (&pal, px, &d, &n_near, &color_tie);

      /* the nearest, a neighbour of it, any label, or none valid */
      prev0[x] = still ? p : r < 2 ? near : r < 4 ? (near + 1) % k : r < 5 ?
          rng_below (&s, k) : k + rng_below (&s, 256 - k);
      expect[x] = hysteresis_label (&pal, px, prev0[x], apply, margin,
          &dist[x]);
      n_kept += expect[x] != near;
      n_changed += expect[x] != prev0[x];
      ex_counts[expect[x]]++;
      ex_sse += dist[x];
      for (ch = 0; ch < 3; ch++)
        px32[4 * x + ch] = row[ch][x];
      px32[4 * x + 3] = rng_below (&s, 256);
    }

    for (cells = 0; cells < 2; cells++) {
      pal.cells = NULL;
      if (cells) {
        if (k < 2 || k > KMS_CELL_MAX_K)
          break;
        kms_assign_build_cells (&pal, 3, apply ? margin : 0, table);
        pal.cells = table;
      }
      for (impl = 0; impl < G_N_ELEMENTS (impls); impl++) {
        const KmsHysteresis hyst = { prev, apply, margin };
        const guint8 *got = impls[impl].row ? labels : prev;

#ifdef KMS_HAVE_AVX512
        {
          const gboolean is_avx512 =
              impls[impl].row32 == kms_assign_paint_row32_avx512 ||
              impls[impl].row == kms_assign_row_avx512;

          if (is_avx512 && (k > KMS_CELL_MAX_K ||
                  !kms_assign_avx512_supported ()))
            continue;
          n_avx512 += is_avx512;
        }
#endif
        memcpy (prev, prev0, width);
        memset (counts, 0, sizeof (counts));
        sse = 0;
        if (impls[impl].row)
          impls[impl].row (&pal, (const guint8 * const *) row, width, labels,
              counts, &sse, &hyst);
        else
          impls[impl].row32 (&pal, &paint, shift, FALSE, px32, px32, width,
              counts, &sse, &hyst);
        for (x = 0; x < width; x++)
          if (got[x] != expect[x] || prev[x] != expect[x])
            ck_assert_msg (FALSE, "%s%s, case %u (kind %u, k %u, margin %g, "
                "apply %d): pixel %d (%u,%u,%u), previous %u: label %u, "
                "expected %u", impls[impl].name, cells ? " with cells" : "",
                c, c % PAL_N_KINDS, k, margin, apply, x, row[0][x], row[1][x],
                row[2][x], prev0[x], got[x], expect[x]);
        if (memcmp (counts, ex_counts, sizeof (counts)) || sse != ex_sse)
          ck_assert_msg (FALSE, "%s%s, case %u: counts or error differ",
              impls[impl].name, cells ? " with cells" : "", c);
      }
    }
  }
  /* the data kept previous labels, and changed others, and had whole
   * blocks of still pixels */
  ck_assert_uint_gt (n_kept, 1000);
  ck_assert_uint_gt (n_changed, 1000);
  ck_assert_uint_gt (n_still_blocks, 100);
#ifdef KMS_HAVE_AVX512
  if (kms_assign_avx512_supported ())
    ck_assert_uint_gt (n_avx512, 1000);
#endif

  for (ch = 0; ch < 3; ch++)
    g_free (row[ch]);
  g_free (px32);
  g_free (labels);
  g_free (prev0);
  g_free (prev);
  g_free (expect);
  g_free (dist);
  g_free (table);
}

END_TEST;

START_TEST (test_assign_row_exhaustive)
{
  static const struct
  {
    KmsAssignRowFunc func;
    const gchar *name, *cells_name;
  } impls[] = {
    {kms_assign_row_scalar, "scalar", "scalar with cells"},
    {kms_assign_row_simd, "simd", "simd with cells"},
#ifdef KMS_HAVE_AVX512
    {kms_assign_row_avx512, "avx512", "avx512 with cells"},
#endif
  };
  guint64 *table = g_new (guint64, KMS_CELLS);
  guint cells, n_cells = 0;
#ifdef KMS_HAVE_AVX512
  const gboolean avx512 = kms_assign_avx512_supported ();
#else
  const gboolean avx512 = FALSE;
#endif
  AssignCoverage cov = { 0, };
  KmsAssignPalette pal;
  AssignExpect ex;
  guint64 s = 0x5eed;
  guint wi, ki, kind, r, ch, impl;

  ex.labels = g_malloc (200);
  ex.dist = g_new (guint32, 200);

  for (wi = 0; wi < G_N_ELEMENTS (assign_widths) + 8; wi++) {
    for (ki = 0; ki < G_N_ELEMENTS (assign_ks) + 2; ki++) {
      for (kind = 0; kind < PAL_N_KINDS; kind++) {
        /* then random widths and k */
        gint width = wi < G_N_ELEMENTS (assign_widths) ? assign_widths[wi] :
            1 + (gint) rng_below (&s, 200);
        guint k = ki < G_N_ELEMENTS (assign_ks) ? assign_ks[ki] :
            1 + rng_below (&s, 256);
        gchar *what;
        guint8 *row[3];

        /* exactly width bytes, so that a read past the row shows in
         * valgrind */
        for (ch = 0; ch < 3; ch++)
          row[ch] = g_malloc (width);
        gen_assign_case (kind, k, width, &pal, row, &s);
        assign_expect (&pal, (const guint8 * const *) row, width, &ex, &cov);
        what = g_strdup_printf ("kind %u, width %d, k %u", kind, width, k);
        for (cells = 0; cells < 2 && use_cells (&pal, cells, table); cells++)
          for (impl = 0; impl < G_N_ELEMENTS (impls); impl++)
            if (impl < 2 || (k <= KMS_CELL_MAX_K && avx512))
              check_assign_row (impls[impl].func, cells ?
                  impls[impl].cells_name : impls[impl].name, what, &pal,
                  (const guint8 * const *) row, width, &ex);
        n_cells += cells == 2;
        g_free (what);
        for (ch = 0; ch < 3; ch++)
          g_free (row[ch]);
      }
    }
  }
  check_coverage (&cov);
  /* the cell tables were tried on most cases */
  ck_assert_uint_gt (n_cells, 500);

  /* hand-made: rows longer than two blocks of pixels as near to three or
   * four colours (some repeated), far (the 32-bit path) and near; index 0
   * is farther, so index 1 must win everywhere */
  for (r = 0; r < 4; r++) {
    static const gint32 far_tie[4][3] = {
      {0, 0, 9}, {0, 9, 0}, {9, 0, 0}, {1, 1, 1}
    };
    static const gint32 near_tie[4][3] = {
      {110, 100, 100}, {100, 110, 100}, {100, 100, 110}, {90, 100, 100}
    };
    const gint width = 70;
    guint8 *row[3];
    guint i;
    gint x;

    for (ch = 0; ch < 3; ch++)
      row[ch] = g_malloc (width);
    memset (&pal, 0, sizeof (pal));
    pal.k = 5 + r;
    for (i = 0; i < pal.k; i++)
      for (ch = 0; ch < 3; ch++)
        pal.c[ch][i] = r % 2 ? far_tie[(i + r) % 4][ch] :
            near_tie[(i + r) % 4][ch];
    for (ch = 0; ch < 3; ch++)
      pal.c[ch][0] = r % 2 ? 0 : 60;
#ifdef KMS_HAVE_AVX512
    if (kms_assign_avx512_supported ())
      kms_assign_avx512_prepare (&pal);
#endif
    for (x = 0; x < width; x++)
      for (ch = 0; ch < 3; ch++)
        row[ch][x] = r % 2 ? 255 - (x % 7 == 3) : 100;
    assign_expect (&pal, (const guint8 * const *) row, width, &ex, &cov);
    for (x = 0; x < width; x++)
      if (ex.labels[x] != 1 || (r % 2 && ex.dist[x] <= FAR_DIST))
        ck_assert_msg (FALSE, "test data: pixel %d not as made", x);
    for (cells = 0; cells < 2 && use_cells (&pal, cells, table); cells++)
      for (impl = 0; impl < G_N_ELEMENTS (impls); impl++)
        if (impl < 2 || avx512)
          check_assign_row (impls[impl].func, cells ?
              impls[impl].cells_name : impls[impl].name, "hand-made ties",
              &pal, (const guint8 * const *) row, width, &ex);
    for (ch = 0; ch < 3; ch++)
      g_free (row[ch]);
  }

  g_free (ex.labels);
  g_free (ex.dist);
  g_free (table);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 18. The fused read-assign-paint kernels for 4-byte pixels */

/* A distinct colour per label, in the format's channel order */
static void
paint_colors (KmsPaint * paint, guint k, guint64 * s)
{
  guint l, ch;
  guint8 salt = rng_below (s, 256);

  for (l = 0; l < k; l++) {
    paint->color[l][0] = l;
    paint->color[l][1] = (guint8) (l * 7 + salt);
    paint->color[l][2] = (guint8) (255 - l);
  }
  for (ch = 0; ch < 3; ch++)
    paint->mask[ch] = rng_below (s, 256);
  paint->mask_alpha = rng_below (s, 256);
}

/* What the row must become, written from the layout table: the masked
 * label's pixels take the mask colour (and alpha, where there is one);
 * posterize paints every other label its colour; the rest stays. */
static void
expect_painted_row32 (const TestLayout * l, const KmsPaint * paint,
    KmsMode mode, gboolean write, const guint8 * labels, gint width,
    guint8 * row)
{
  gint x;

  if (!write)
    return;
  for (x = 0; x < width; x++) {
    guint8 *p = row + 4 * x;
    const guint8 *col = NULL;

    if ((gint) labels[x] == paint->mask_label) {
      col = paint->mask;
      if (l->a >= 0)
        p[l->a] = paint->mask_alpha;
    } else if (mode == KMS_MODE_POSTERIZE) {
      col = paint->color[labels[x]];
    }
    if (col) {
      p[l->r] = col[0];
      p[l->g] = col[1];
      p[l->b] = col[2];
    }
  }
}

typedef struct
{
  const TestLayout *layout;
  KmsMode mode;
  gboolean write;
  gboolean in_place;
  guint align;                  /* the rows' offset from the allocation */
} PaintCase;

/* Fails on the first byte of @got[0..size) that isn't @want's */
static void
assert_bytes_equal (const guint8 * got, const guint8 * want, gsize size,
    const gchar * impl, const gchar * what, const gchar * where)
{
  gsize i;

  if (memcmp (got, want, size) == 0)
    return;
  for (i = 0; got[i] == want[i]; i++);
  ck_assert_msg (FALSE, "%s, %s: %s: byte %" G_GSIZE_FORMAT " (pixel %"
      G_GSIZE_FORMAT ") is %u, expected %u", impl, what, where, i, i / 4,
      got[i], want[i]);
}

#ifdef KMS_HAVE_AVX512
/* The AVX-512 unpack and write of the 4:2:0 and packed 4:2:2 formats
 * against the formats' own: the same channel rows, and the same bytes in
 * every plane, padding included, for random labels (runs of a label, and
 * noise), sizes, row groups of one and two rows, posterize and masked
 * original */
START_TEST (test_write_420_avx512)
{
  static const KmsFormat formats[] = {
    KMS_FORMAT_I420, KMS_FORMAT_YV12, KMS_FORMAT_NV12, KMS_FORMAT_NV21,
    KMS_FORMAT_YUY2, KMS_FORMAT_UYVY
  };
  guint64 s = 0x420;
  guint c, round, n_done = 0;

  if (!kms_pixel_avx512_supported ())
    return;

  for (round = 0; round < 400; round++) {
    for (c = 0; c < G_N_ELEMENTS (formats); c++) {
      const KmsFormatInfo *info = kms_format_get_info (formats[c]);
      KmsUnpackRowFunc unpack;
      KmsWriteRowsFunc write;
      const gint w = 1 + rng_below (&s, round < 200 ? 40 : 300);
      /* a row group: two rows of 4:2:0 (or one, at the bottom), one of
       * 4:2:2 */
      const gint rows = 1 + rng_below (&s, info->v_group);
      const guint k = 1 + rng_below (&s, KMS_PAINT_LUT_LABELS);
      const KmsMode mode = rng_below (&s, 2) ? KMS_MODE_POSTERIZE :
          KMS_MODE_ORIGINAL;
      KmsFrame fa, fb;
      KmsPaint paint;
      guint8 *labels[2], *pa[3], *pb[3];
      gsize size[3];
      guint p, pl;
      gint x, r;

      ck_assert (kms_format_avx512_kernels (formats[c], &unpack, &write));
      memset (&paint, 0, sizeof (paint));
      paint_colors (&paint, k, &s);
      for (x = 0; x < (gint) k; x++)
        paint.color[x][1] = rng_below (&s, 256);
      paint.mask_label = rng_below (&s, 3) ? (gint) rng_below (&s, k) : -1;
      kms_paint_prepare (info, &paint, mode, k);

      for (r = 0; r < 2; r++) {
        guint8 run = rng_below (&s, k);

        labels[r] = g_malloc (w);
        for (x = 0; x < w; x++) {
          if (rng_below (&s, 4) == 0)
            run = rng_below (&s, k);
          labels[r][x] = run;
        }
      }
      memset (&fa, 0, sizeof (fa));
      fa.format = formats[c];
      fa.width = w;
      fa.height = rows;
      for (p = 0; p < info->n_planes; p++) {
        const guint vs = kms_format_plane_vsub (info, p);
        const gint stride = (gint) kms_format_plane_row_bytes (info, p, w) +
            (gint) rng_below (&s, 5);

        fa.stride[p] = stride;
        size[p] = (gsize) stride * ((rows + (1 << vs) - 1) >> vs);
        pa[p] = g_malloc (size[p]);
        for (x = 0; x < (gint) size[p]; x++)
          pa[p][x] = rng_below (&s, 256);
        pb[p] = g_memdup2 (pa[p], size[p]);
        fa.data[p] = pa[p];
      }
      fb = fa;
      for (p = 0; p < info->n_planes; p++)
        fb.data[p] = pb[p];

      /* unpack: the same channel rows */
      for (r = 0; r < rows; r++) {
        guint8 *ca[3], *cb[3];

        for (p = 0; p < 3; p++) {
          ca[p] = g_malloc (w);
          cb[p] = g_malloc (w);
        }
        info->unpack (&fa, r, ca);
        unpack (&fa, r, cb);
        for (p = 0; p < 3; p++) {
          if (memcmp (ca[p], cb[p], w) != 0)
            ck_assert_msg (FALSE, "%s %dx%d: unpack of row %d, channel %u "
                "differs", kms_format_to_string (formats[c]), w, rows,
                r, p);
          g_free (ca[p]);
          g_free (cb[p]);
        }
      }

      info->write (&fa, 0, rows, labels, &paint);
      write (&fb, 0, rows, labels, &paint);
      for (pl = 0; pl < info->n_planes; pl++)
        for (x = 0; x < (gint) size[pl]; x++)
          if (pa[pl][x] != pb[pl][x])
            ck_assert_msg (FALSE, "%s %dx%d k %u mode %d mask %d: plane %u "
                "byte %d is %u, the format's writer wrote %u",
                kms_format_to_string (formats[c]), w, rows, k, mode,
                paint.mask_label, pl, x, pb[pl][x], pa[pl][x]);
      n_done++;
      for (p = 0; p < info->n_planes; p++) {
        g_free (pa[p]);
        g_free (pb[p]);
      }
      g_free (labels[0]);
      g_free (labels[1]);
    }
  }
  ck_assert_uint_eq (n_done, 400 * G_N_ELEMENTS (formats));
}

END_TEST;
#endif

/* Runs @func on a copy of @src_row, in place or into a separate row, at
 * the case's alignment, with guard bytes around; checks the row against
 * @expected and counts and sse against @ex */
static void
check_paint_row32 (KmsAssignPaintRow32Func func, const gchar * impl,
    const gchar * what, const PaintCase * pc, const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint8 * src_row, gint width,
    const AssignExpect * ex, const guint8 * expected, guint64 * s)
{
  const KmsFormatInfo *info = kms_format_get_info (pc->layout->format);
  const gsize size = 4 * (gsize) width, total = size + pc->align + 8;
  guint8 *src_mem = g_malloc (total), *dst_mem = g_malloc (total);
  guint8 *src_before, *dst_before, *src = src_mem + pc->align, *dst;
  guint shift[KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  guint64 sse = 0;
  gsize i;
  guint ch;

  /* as the core computes them */
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ? info->offset[ch] :
        3 - info->offset[ch]);

  for (i = 0; i < total; i++) {
    src_mem[i] = rng_next (s) & 0xff;
    dst_mem[i] = rng_next (s) & 0xff;
  }
  memcpy (src, src_row, size);
  src_before = g_memdup2 (src_mem, total);
  dst_before = g_memdup2 (dst_mem, total);
  dst = pc->in_place ? src : dst_mem + pc->align;

  memset (counts, 0, sizeof (counts));
  func (pal, paint, shift, pc->write, src, dst, width, counts, &sse, NULL);

  assert_bytes_equal (dst, expected, size, impl, what, "painted row");
  if (pc->in_place) {
    assert_bytes_equal (src_mem, src_before, pc->align, impl, what,
        "before the row");
    assert_bytes_equal (src + size, src_before + pc->align + size, 8, impl,
        what, "after the row");
  } else {
    assert_bytes_equal (src_mem, src_before, total, impl, what,
        "source of an out-of-place row");
    assert_bytes_equal (dst_mem, dst_before, pc->align, impl, what,
        "before the row");
    assert_bytes_equal (dst + size, dst_before + pc->align + size, 8, impl,
        what, "after the row");
  }
  assert_counts_sse (counts, sse, ex, 1, impl, what);
  g_free (src_mem);
  g_free (dst_mem);
  g_free (src_before);
  g_free (dst_before);
}

START_TEST (test_assign_paint_row32_exhaustive)
{
  static const struct
  {
    KmsAssignPaintRow32Func func;
    const gchar *name, *cells_name;
  } impls[] = {
    {kms_assign_paint_row32_scalar, "scalar", "scalar with cells"},
    {kms_assign_paint_row32_simd, "simd", "simd with cells"},
#ifdef KMS_HAVE_AVX512
    {kms_assign_paint_row32_avx512, "avx512", "avx512 with cells"},
#endif
  };
  guint64 *table = g_new (guint64, KMS_CELLS);
  guint cells, n_cells = 0;
#ifdef KMS_HAVE_AVX512
  const gboolean avx512 = kms_assign_avx512_supported ();
#else
  const gboolean avx512 = FALSE;
#endif
  static const guint ks[] = { 1, 2, 3, 5, 8, 17, 32, 64, 129, 255, 256 };
  AssignCoverage cov = { 0, };
  const TestLayout *quad[G_N_ELEMENTS (layouts)];
  guint n_quad = 0, n_case = 0, n_masked = 0, n_written = 0;
  KmsAssignPalette pal;
  AssignExpect ex;
  guint64 s = 0xfacade;
  guint i, wi, ki, kind, impl, ch;

  /* the 4-byte layouts, whose channel bytes the core must agree on */
  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    const KmsFormatInfo *info = kms_format_get_info (layouts[i].format);

    if (layouts[i].bpp != 4)
      continue;
    ck_assert_ptr_nonnull (info);
    ck_assert_uint_eq (info->bpp, 4);
    ck_assert_int_eq (info->offset[0], layouts[i].r);
    ck_assert_int_eq (info->offset[1], layouts[i].g);
    ck_assert_int_eq (info->offset[2], layouts[i].b);
    ck_assert_int_eq (info->alpha_offset, layouts[i].a);
    quad[n_quad++] = &layouts[i];
  }
  ck_assert_uint_eq (n_quad, 8);

  ex.labels = g_malloc (200);
  ex.dist = g_new (guint32, 200);

  for (wi = 0; wi < G_N_ELEMENTS (assign_widths) + 4; wi++) {
    for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
      for (kind = 0; kind < PAL_N_KINDS; kind++, n_case++) {
        gint width = wi < G_N_ELEMENTS (assign_widths) ? assign_widths[wi] :
            1 + (gint) rng_below (&s, 200);
        const guint k = ks[ki];
        /* the options cycle with co-prime periods, so that every
         * combination turns up */
        PaintCase pc = {
          quad[n_case % 8],
          (n_case / 3) % 2 ? KMS_MODE_ORIGINAL : KMS_MODE_POSTERIZE,
          n_case % 5 != 4,
          (n_case / 7) % 2,
          /* every offset from a 64-byte line */
          n_case % 3 + 4 * ((n_case / 11) % 16),
        };
        const KmsFormatInfo *info = kms_format_get_info (pc.layout->format);
        guint8 *row[3], *src_row = g_malloc (4 * width);
        guint8 *expected;
        KmsPaint paint;
        gchar *what;
        gint x;

        for (ch = 0; ch < 3; ch++)
          row[ch] = g_malloc (width);
        gen_assign_case (kind, k, width, &pal, row, &s);
        assign_expect (&pal, (const guint8 * const *) row, width, &ex, &cov);
        /* the channels at their bytes, the other byte random */
        for (x = 0; x < width; x++) {
          guint8 *p = src_row + 4 * x;

          p[0] = p[1] = p[2] = p[3] = rng_next (&s) & 0xff;
          p[pc.layout->r] = row[0][x];
          p[pc.layout->g] = row[1][x];
          p[pc.layout->b] = row[2][x];
        }

        memset (&paint, 0, sizeof (paint));
        paint_colors (&paint, k, &s);
        /* mask a label the row has, two cases in three */
        paint.mask_label = n_case % 3 ? ex.labels[rng_below (&s, width)] : -1;
        kms_paint_prepare (info, &paint, pc.mode, k);
        n_masked += paint.mask_label >= 0;
        n_written += pc.write;

        expected = g_memdup2 (src_row, 4 * width);
        expect_painted_row32 (pc.layout, &paint, pc.mode, pc.write,
            ex.labels, width, expected);
        what = g_strdup_printf ("kind %u, %s, width %d, k %u, %s, mask %d, "
            "write %d, %s, offset %u", kind,
            kms_format_to_string (pc.layout->format), width, k,
            pc.mode == KMS_MODE_ORIGINAL ? "original" : "posterize",
            paint.mask_label, pc.write, pc.in_place ? "in place" :
            "out of place", pc.align);
        for (cells = 0; cells < 2 && use_cells (&pal, cells, table); cells++)
          for (impl = 0; impl < G_N_ELEMENTS (impls); impl++)
            if (impl < 2 || (k <= KMS_CELL_MAX_K && avx512))
              check_paint_row32 (impls[impl].func, cells ?
                  impls[impl].cells_name : impls[impl].name, what, &pc, &pal,
                  &paint, src_row, width, &ex, expected, &s);
        n_cells += cells == 2;
        g_free (what);
        g_free (expected);
        g_free (src_row);
        for (ch = 0; ch < 3; ch++)
          g_free (row[ch]);
      }
    }
  }
  check_coverage (&cov);
  ck_assert_uint_gt (n_masked, 0);
  ck_assert_uint_lt (n_masked, n_case);
  ck_assert_uint_lt (n_written, n_case);
  ck_assert_uint_gt (n_cells, 200);

  g_free (ex.labels);
  g_free (ex.dist);
  g_free (table);
}

END_TEST;

/* ------------------------------------------------------------------ */
/* 19. Any number of threads gives the same frame */

static void
assert_stats_equal (const KmsStats * got, const KmsStats * want,
    const gchar * what)
{
  ck_assert_msg (got->k == want->k && got->iterations == want->iterations &&
      got->reinitialized == want->reinitialized &&
      got->fit_points == want->fit_points, "%s: stats differ", what);
  /* bitwise: the sums are integers, the division the same */
  ck_assert_msg (memcmp (&got->mse, &want->mse, sizeof (gdouble)) == 0,
      "%s: mse %.17g, expected %.17g", what, got->mse, want->mse);
}

static void
assert_contexts_equal (KmsContext * got, KmsContext * want, guint k,
    const gchar * what)
{
  gdouble cg[KMS_MAX_K][KMS_MAX_CHANNELS], cw[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 ng[KMS_MAX_K], nw[KMS_MAX_K];
  guint c;

  get_exact (got, k, cg);
  get_exact (want, k, cw);
  ck_assert_msg (memcmp (cg, cw, k * sizeof (cg[0])) == 0,
      "%s: centroids differ", what);
  ck_assert_uint_eq (kms_context_get_counts (got, ng, KMS_MAX_K), k);
  ck_assert_uint_eq (kms_context_get_counts (want, nw, KMS_MAX_K), k);
  for (c = 0; c < k; c++)
    ck_assert_msg (ng[c] == nw[c], "%s: cluster %u: count %"
        G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, what, c, ng[c],
        nw[c]);
}

/* @got's pixels are @want's; its stride padding is @before's */
static void
assert_pixels_equal (const TestImage * got, const TestImage * want,
    const TestImage * before, const gchar * what)
{
  const gsize row = (gsize) got->width * got->layout.bpp;
  gint y;

  for (y = 0; y < got->height; y++) {
    ck_assert_msg (memcmp (image_pixel (got, 0, y), image_pixel (want, 0, y),
            row) == 0, "%s: row %d differs", what, y);
    ck_assert_msg (memcmp (image_pixel (got, got->width, y),
            image_pixel (before, got->width, y), got->stride - row) == 0,
        "%s: padding of row %d written", what, y);
  }
}

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
        KmsStats ref_stats;

        if (frame % 2)
          gen_uniform (rgb, n, &s);
        else
          gen_blobs (rgb, n, 5, 30, &s);
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
          KmsStats st;
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

/* ------------------------------------------------------------------ */
/* 20. Over time: scene cuts, re-seeds, refreshes, hysteresis, smoothing.
 * Short sequences of flat colours, so that every fit is known by hand. */

#define SEQ_W 64
#define SEQ_H 48
#define SEQ_N ((gsize) SEQ_W * SEQ_H)

/* An RGBx frame of flat colour bands of the given pixel counts */
static TestImage *
seq_frame (const guint8 (*colors)[3], const gsize * sizes, guint n_regions,
    guint64 * s)
{
  guint8 *rgb = g_malloc (3 * SEQ_N);
  TestImage *img;

  gen_regions (rgb, SEQ_N, colors, sizes, n_regions, 0, s);
  img = image_new_from_rgb (KMS_FORMAT_RGBx, SEQ_W, SEQ_H, 8, rgb, s);
  g_free (rgb);
  return img;
}

static TestImage *
seq_thirds (const guint8 (*colors)[3], guint64 * s)
{
  const gsize sizes[3] = { SEQ_N / 3, SEQ_N / 3, SEQ_N - 2 * (SEQ_N / 3) };

  return seq_frame (colors, sizes, 3, s);
}

/* Processes @in: checked against the exhaustive scan when there is no
 * hysteresis (which would keep some labels), otherwise only run */
static TestImage *
seq_process (KmsContext * ctx, const KmsParams * params, const TestImage * in,
    KmsStats * stats)
{
  TestImage *out;

  if (params->hysteresis == 0)
    return process_and_check (ctx, params, in, stats, NULL);
  out = image_copy (in);
  process_in_place (ctx, params, out, stats);
  return out;
}

static void
to_double (const guint8 (*colors)[3], guint k,
    gdouble (*cent)[KMS_MAX_CHANNELS])
{
  guint c, ch;

  for (c = 0; c < k; c++)
    for (ch = 0; ch < 3; ch++)
      cent[c][ch] = colors[c][ch];
}

/* The numbers a re-initialisation must keep: each old centroid goes to the
 * nearest new one, closest pairs first. match[old] = new. Fails when the
 * closest pair left is not unique, so that a test's data never leave the
 * answer to a tie-break. */
static void
greedy_match (const gdouble (*old)[KMS_MAX_CHANNELS],
    const gdouble (*fresh)[KMS_MAX_CHANNELS], guint k, guint * match)
{
  gboolean old_used[KMS_MAX_K] = { FALSE, };
  gboolean new_used[KMS_MAX_K] = { FALSE, };
  guint n, a, b, ch;

  for (n = 0; n < k; n++) {
    gdouble best = G_MAXDOUBLE, second = G_MAXDOUBLE;
    guint bo = 0, bn = 0;

    for (a = 0; a < k; a++) {
      if (old_used[a])
        continue;
      for (b = 0; b < k; b++) {
        gdouble d = 0;

        if (new_used[b])
          continue;
        for (ch = 0; ch < 3; ch++)
          d += (old[a][ch] - fresh[b][ch]) * (old[a][ch] - fresh[b][ch]);
        if (d < best) {
          second = best;
          best = d;
          bo = a;
          bn = b;
        } else if (d < second) {
          second = d;
        }
      }
    }
    ck_assert_msg (second - best > 1e-6, "test data: the matching ties");
    old_used[bo] = new_used[bn] = TRUE;
    match[bo] = bn;
  }
}

/* Each of @colors is a centroid of @ctx, exactly once */
static void
assert_palette_is (KmsContext * ctx, const guint8 (*colors)[3], guint k)
{
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint c, j, found;

  get_palette (ctx, k, pal);
  for (c = 0; c < k; c++) {
    found = 0;
    for (j = 0; j < k; j++)
      found += memcmp (pal[j], colors[c], 3) == 0;
    ck_assert_msg (found == 1, "colour %u,%u,%u is %u centroids",
        colors[c][0], colors[c][1], colors[c][2], found);
  }
}

/* A cut to an unrelated scene re-initialises at once and fits it exactly;
 * without cut detection nothing is flagged; a slow change is no cut. */
START_TEST (test_scene_cut)
{
  static const guint8 scene_a[3][3] = {
    {200, 30, 30}, {30, 200, 30}, {30, 30, 200}
  };
  static const guint8 scene_b[3][3] = {
    {250, 240, 60}, {10, 90, 110}, {160, 20, 230}
  };
  guint64 s = 2001;
  TestImage *a = seq_thirds (scene_a, &s);
  TestImage *b = seq_thirds (scene_b, &s);
  TestImage *out;
  KmsParams params;
  KmsStats stats;
  guint mode, frame;

  /* exact labels, then the default hysteresis: B's colours are far from
   * every old one, so no label is held across the cut */
  for (mode = 0; mode < 2; mode++) {
    KmsContext *ctx = kms_context_new ();

    kms_params_init_defaults (&params);
    params.k = 3;
    if (mode == 0)
      params.hysteresis = 0;

    for (frame = 0; frame < 4; frame++) {
      out = seq_process (ctx, &params, a, &stats);
      assert_images_equal (out, a, "scene A");
      image_free (out);
      ck_assert (stats.reinitialized == (frame == 0));
      ck_assert (!stats.scene_cut);
    }

    out = seq_process (ctx, &params, b, &stats);
    ck_assert (stats.scene_cut);
    ck_assert (stats.reinitialized);
    ck_assert_double_eq (stats.mse, 0);
    assert_images_equal (out, b, "cut to scene B");
    image_free (out);
    assert_palette_is (ctx, scene_b, 3);

    /* the cut's fit is the new running level: no cut on the next frame */
    out = seq_process (ctx, &params, b, &stats);
    ck_assert (!stats.scene_cut);
    ck_assert (!stats.reinitialized);
    assert_images_equal (out, b, "scene B, frame 2");
    image_free (out);

    /* and back */
    out = seq_process (ctx, &params, a, &stats);
    ck_assert (stats.scene_cut);
    ck_assert (stats.reinitialized);
    assert_images_equal (out, a, "cut back to scene A");
    image_free (out);
    kms_context_free (ctx);
  }

  /* Cut detection off: the same sequence is a warm start throughout (too
   * few frames for a starved cluster's refresh) */
  {
    KmsContext *ctx = kms_context_new ();

    kms_params_init_defaults (&params);
    params.k = 3;
    params.hysteresis = 0;
    params.scene_cut = 0;
    params.refresh_interval = 0;
    for (frame = 0; frame < 6; frame++) {
      out = seq_process (ctx, &params, frame < 4 ? a : b, &stats);
      image_free (out);
      ck_assert (!stats.scene_cut);
      ck_assert (stats.reinitialized == (frame == 0));
    }
    kms_context_free (ctx);
  }

  /* A slow change (+2 levels a frame, defaults throughout, past the
   * refresh interval) is never a cut, and is followed exactly */
  {
    KmsContext *ctx = kms_context_new ();
    guint8 colors[3][3];
    guint c, ch;

    kms_params_init_defaults (&params);
    params.k = 3;
    for (frame = 0; frame < KMS_DEFAULT_REFRESH_INTERVAL + 10; frame++) {
      TestImage *in;

      for (c = 0; c < 3; c++)
        for (ch = 0; ch < 3; ch++)
          colors[c][ch] = scene_a[c][ch] / 4 + 2 * frame;
      in = seq_thirds ((const guint8 (*)[3]) colors, &s);
      out = seq_process (ctx, &params, in, &stats);
      ck_assert_msg (!stats.scene_cut, "frame %u: a cut", frame);
      ck_assert (stats.reinitialized == (frame == 0));
      assert_images_equal (out, in, "slow change");
      image_free (out);
      image_free (in);
    }
    kms_context_free (ctx);
  }

  image_free (a);
  image_free (b);
}

END_TEST;

/* After a cut each cluster number goes to the new colour nearest its old
 * one (closest pairs first), not to the luma order of a fresh start. */
START_TEST (test_cut_keeps_numbers)
{
  static const guint8 scenes[2][2][3][3] = {
    /* each colour moves 40-55 levels; B's luma order is another */
    {{{200, 0, 0}, {0, 100, 0}, {0, 0, 255}},
        {{150, 0, 0}, {0, 140, 0}, {0, 0, 200}}},
    /* two old colours are nearest the same new one: the closer takes it */
    {{{100, 100, 100}, {140, 100, 100}, {20, 200, 20}},
        {{125, 100, 100}, {40, 40, 40}, {200, 20, 200}}},
  };
  guint64 s = 2002;
  guint sc, mode;

  for (sc = 0; sc < G_N_ELEMENTS (scenes); sc++) {
    for (mode = 0; mode < 4; mode++) {
      gdouble before[KMS_MAX_K][KMS_MAX_CHANNELS], b[3][KMS_MAX_CHANNELS];
      gdouble after[KMS_MAX_K][KMS_MAX_CHANNELS];
      guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS], pal_fresh[KMS_MAX_K][3];
      KmsContext *ctx = kms_context_new ();
      KmsContext *fresh = kms_context_new ();
      TestImage *in_a = seq_thirds (scenes[sc][0], &s);
      TestImage *in_b = seq_thirds (scenes[sc][1], &s);
      TestImage *out;
      KmsParams params;
      KmsStats stats;
      gboolean sorted = TRUE;
      guint match[3], c, frame;

      kms_params_init_defaults (&params);
      params.k = 3;
      params.hysteresis = 0;
      params.sample_size = mode % 2 ? 0 : 65536;
      params.init = mode / 2 ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;

      for (frame = 0; frame < 3; frame++)
        image_free (seq_process (ctx, &params, in_a, &stats));
      get_exact (ctx, 3, before);

      out = seq_process (ctx, &params, in_b, &stats);
      ck_assert (stats.scene_cut);
      assert_images_equal (out, in_b, "cut");
      image_free (out);

      to_double (scenes[sc][1], 3, b);
      greedy_match ((const gdouble (*)[KMS_MAX_CHANNELS]) before,
          (const gdouble (*)[KMS_MAX_CHANNELS]) b, 3, match);
      get_palette (ctx, 3, pal);
      for (c = 0; c < 3; c++)
        assert_color_eq (pal[c], scenes[sc][1][match[c]][0],
            scenes[sc][1][match[c]][1], scenes[sc][1][match[c]][2]);
      /* the data are such that luma order would say otherwise */
      get_exact (ctx, 3, after);
      for (c = 0; c + 1 < 3; c++)
        sorted &= luma (after[c]) <= luma (after[c + 1]);
      ck_assert (!sorted);
      /* ... as a fresh start on B does */
      image_free (seq_process (fresh, &params, in_b, &stats));
      get_palette (fresh, 3, pal_fresh);
      ck_assert (memcmp (pal, pal_fresh, 3 * sizeof (pal[0])) != 0);

      /* and the numbers stay on the next frame */
      out = seq_process (ctx, &params, in_b, &stats);
      ck_assert (!stats.reinitialized);
      image_free (out);
      get_palette (ctx, 3, pal_fresh);
      ck_assert (memcmp (pal, pal_fresh, 3 * sizeof (pal[0])) == 0);

      image_free (in_a);
      image_free (in_b);
      kms_context_free (ctx);
      kms_context_free (fresh);
    }
  }
}

END_TEST;

/* The scenes of the re-seed tests: X, Y, Z; then Z shrinks to a few pixels
 * (or vanishes) while Y splits into N1 and N2, both nearer Y than any
 * other centroid. */
static const guint8 split_first[3][3] = {
  {220, 220, 220}, {80, 30, 110}, {170, 170, 170}
};

#define SPLIT_X {220, 220, 220}
#define SPLIT_Z {170, 170, 170}
#define SPLIT_N1 {30, 30, 110}
#define SPLIT_N2 {140, 30, 110}

/* The converged fit from @seeds, rounded: what a good fit paints */
static void
ref_fit (const TestImage * in, const guint8 (*seeds)[3], guint k,
    gdouble (*cent)[KMS_MAX_CHANNELS])
{
  const gsize n = (gsize) in->width * in->height;
  guint8 *rgb = g_malloc (3 * n);
  gboolean reseeded;

  image_unpack (in, rgb);
  to_double (seeds, k, cent);
  ref_lloyd (rgb, n, k, cent, 100, 0, &reseeded);
  ck_assert (!reseeded);
  g_free (rgb);
}

/* A cluster left with a few pixels while two groups share another is
 * re-seeded by a refresh within the starved gap (8 frames), with its
 * numbers kept; no cut or periodic refresh here to do it instead. */
START_TEST (test_starved_cluster_refresh)
{
  static const guint8 second[4][3] = {
    SPLIT_X, SPLIT_Z, SPLIT_N1, SPLIT_N2
  };
  /* Z keeps 30 pixels: under 5% of an average cluster's 1024 */
  static const gsize sizes[4] = { 1024, 30, 1209, 809 };
  static const guint8 good_seeds[3][3] = { SPLIT_X, SPLIT_N1, SPLIT_N2 };
  guint64 s = 2003;
  TestImage *in1 = seq_thirds (split_first, &s);
  TestImage *in2 = seq_frame (second, sizes, 4, &s);
  gdouble good[3][KMS_MAX_CHANNELS], stuck[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 good_pal[3][KMS_MAX_CHANNELS];
  KmsContext *ctx = kms_context_new ();
  TestExpect ex;
  TestImage *out, *expected;
  KmsParams params;
  KmsStats stats;
  gdouble good_mse, stuck_mse = 0;
  guint frame, adopted = 0, c, ch, match[3];

  ck_assert_uint_eq (sizes[0] + sizes[1] + sizes[2] + sizes[3], SEQ_N);
  ref_fit (in2, good_seeds, 3, good);
  for (c = 0; c < 3; c++)
    for (ch = 0; ch < 3; ch++)
      good_pal[c][ch] = round_centroid (good[c][ch]);
  kms_params_init_defaults (&params);
  expected = expect_output (in2, (const guint8 (*)[KMS_MAX_CHANNELS])
      good_pal, 3, &params, &ex);
  image_free (expected);
  good_mse = (gdouble) ex.sse / (3 * SEQ_N);

  kms_params_init_defaults (&params);
  params.k = 3;
  params.hysteresis = 0;
  params.scene_cut = 0;
  /* no periodic refresh within the test (0 is avoided: what it means for
   * a starved cluster is not this test's business) */
  params.refresh_interval = 1000;

  out = seq_process (ctx, &params, in1, &stats);
  assert_images_equal (out, in1, "first scene");
  image_free (out);

  for (frame = 1; frame <= 12; frame++) {
    get_exact (ctx, 3, stuck);
    out = seq_process (ctx, &params, in2, &stats);
    image_free (out);
    ck_assert (!stats.scene_cut);
    if (frame == 1)
      stuck_mse = stats.mse;
    if (adopted) {
      /* kept, not refreshed again */
      ck_assert (!stats.reinitialized);
      ck_assert_double_eq (stats.mse, good_mse);
      continue;
    }
    if (!stats.reinitialized) {
      /* the warm start alone stays where it is */
      ck_assert_double_eq (stats.mse, stuck_mse);
      continue;
    }
    adopted = frame;
    ck_assert_double_eq (stats.mse, good_mse);
    /* the warm fit it replaced was the stuck one: numbers from it */
    greedy_match ((const gdouble (*)[KMS_MAX_CHANNELS]) stuck,
        (const gdouble (*)[KMS_MAX_CHANNELS]) good, 3, match);
    {
      guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];

      get_palette (ctx, 3, pal);
      for (c = 0; c < 3; c++)
        assert_color_eq (pal[c], good_pal[match[c]][0],
            good_pal[match[c]][1], good_pal[match[c]][2]);
    }
  }
  ck_assert_msg (adopted > 0 && adopted <= 9,
      "the starved cluster was re-seeded on frame %u", adopted);
  /* the data are such that the stuck fit is far worse */
  ck_assert (stuck_mse > 20 * good_mse);

  image_free (in1);
  image_free (in2);
  kms_context_free (ctx);
}

END_TEST;

/* A colour that vanishes leaves its cluster empty: Lloyd re-seeds it on
 * the same frame, with no cut or refresh (where those are on, the cut does
 * it); every number but the re-seeded one keeps its colour. */
START_TEST (test_vanished_cluster_reseed)
{
  static const guint8 second[3][3] = { SPLIT_X, SPLIT_N1, SPLIT_N2 };
  static const gsize sizes[3] = { 1024, 1209, 839 };
  guint64 s = 2004;
  TestImage *in1 = seq_thirds (split_first, &s);
  TestImage *in2 = seq_frame (second, sizes, 3, &s);
  guint8 *rgb = g_malloc (3 * SEQ_N);
  guint mode;

  ck_assert_uint_eq (sizes[0] + sizes[1] + sizes[2], SEQ_N);
  image_unpack (in2, rgb);
  for (mode = 0; mode < 4; mode++) {
    gdouble ref[KMS_MAX_K][KMS_MAX_CHANNELS], got[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint64 counts[KMS_MAX_K];
    KmsContext *ctx = kms_context_new ();
    const gboolean pure = mode < 2;
    TestImage *out;
    KmsParams params;
    KmsStats stats;
    gboolean reseeded;
    guint iters, c, ch;

    kms_params_init_defaults (&params);
    params.k = 3;
    params.hysteresis = 0;
    params.sample_size = mode % 2 ? 0 : 65536;
    if (pure) {
      params.scene_cut = 0;
      params.refresh_interval = 0;
    }
    image_free (seq_process (ctx, &params, in1, &stats));
    get_exact (ctx, 3, ref);

    out = seq_process (ctx, &params, in2, &stats);
    assert_images_equal (out, in2, "after a colour vanished");
    image_free (out);
    ck_assert_uint_eq (kms_context_get_counts (ctx, counts, KMS_MAX_K), 3);
    for (c = 0; c < 3; c++)
      ck_assert_uint_gt (counts[c], 0);
    ck_assert (stats.scene_cut == !pure);
    ck_assert (stats.reinitialized == !pure);
    if (!pure) {
      kms_context_free (ctx);
      continue;
    }
    /* exactly the reference Lloyd from the old centroids */
    iters = ref_lloyd (rgb, SEQ_N, 3, ref, params.max_iters,
        params.tolerance, &reseeded);
    ck_assert (reseeded);
    ck_assert_uint_eq (stats.iterations, iters);
    get_exact (ctx, 3, got);
    for (c = 0; c < 3; c++)
      for (ch = 0; ch < 3; ch++)
        ck_assert_double_eq_tol (got[c][ch], ref[c][ch], 1e-9);
    /* X (the brightest, last by luma) kept its number */
    for (ch = 0; ch < 3; ch++)
      ck_assert_double_eq (got[2][ch], split_first[0][ch]);
    kms_context_free (ctx);
  }
  g_free (rgb);
  image_free (in1);
  image_free (in2);
}

END_TEST;

/* A warm start in a poor optimum (two groups in one cluster, one group
 * split over two) with every cluster well fed: only the periodic refresh
 * gets it out; it adopts the fresh fit and keeps the numbers. */
START_TEST (test_refresh_adopts)
{
  static const guint8 colors[5][3] = {
    {40, 200, 40}, {40, 80, 40}, {200, 40, 40}, {216, 40, 40}, {40, 40, 200}
  };
  static const gsize sizes[5] = { 700, 500, 700, 500, 672 };
  /* the poor optimum: the greens share a cluster, the reds have two */
  static const guint32 stuck_palette[4] = {
    0xff288c28, 0xffc82828, 0xffd82828, 0xff2828c8
  };
  static const guint8 good_seeds[4][3] = {
    {40, 200, 40}, {40, 80, 40}, {200, 40, 40}, {40, 40, 200}
  };
  /* refresh intervals, and smoothing: an adopted fit is not blended */
  static const struct
  {
    guint interval;
    gdouble smoothing;
  } runs[] = {
    {2, 0}, {4, 0}, {4, 0.5}, {KMS_DEFAULT_REFRESH_INTERVAL, 0}, {0, 0}
  };
  guint64 s = 2005;
  TestImage *in = seq_frame (colors, sizes, 5, &s);
  gdouble good[4][KMS_MAX_CHANNELS];
  guint8 good_pal[4][KMS_MAX_CHANNELS];
  TestExpect ex;
  TestImage *expected;
  KmsParams plain;
  KmsFrame format;
  gdouble good_mse;
  guint i, c, ch;

  ck_assert_uint_eq (sizes[0] + sizes[1] + sizes[2] + sizes[3] + sizes[4],
      SEQ_N);
  ref_fit (in, good_seeds, 4, good);
  for (c = 0; c < 4; c++)
    for (ch = 0; ch < 3; ch++)
      good_pal[c][ch] = round_centroid (good[c][ch]);
  kms_params_init_defaults (&plain);
  expected = expect_output (in, (const guint8 (*)[KMS_MAX_CHANNELS]) good_pal,
      4, &plain, &ex);
  image_free (expected);
  good_mse = (gdouble) ex.sse / (3 * SEQ_N);
  image_frame (in, &format);

  for (i = 0; i < G_N_ELEMENTS (runs); i++) {
    const guint interval = runs[i].interval;
    const guint n_frames = interval ? interval + 4 : 12;
    gdouble warm[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    KmsParams params;
    KmsStats stats;
    gdouble stuck_mse = 0;
    guint frame, adopted = 0, match[4];

    kms_params_init_defaults (&params);
    params.k = 4;
    params.hysteresis = 0;
    params.refresh_interval = interval;
    params.temporal_smoothing = runs[i].smoothing;
    ck_assert (kms_context_set_palette (ctx, &format, stuck_palette, 4));

    for (frame = 1; frame <= n_frames; frame++) {
      get_exact (ctx, 4, warm);
      image_free (seq_process (ctx, &params, in, &stats));
      ck_assert (!stats.scene_cut);
      if (frame == 1)
        stuck_mse = stats.mse;
      if (adopted) {
        ck_assert (!stats.reinitialized);
        ck_assert_double_eq (stats.mse, good_mse);
      } else if (frame == 1 || !stats.reinitialized) {
        /* (the palette's frame may report re-initialised: it is not a
         * refresh) */
        ck_assert (stats.mse > 20 * good_mse);
        if (runs[i].smoothing == 0)
          ck_assert_double_eq (stats.mse, stuck_mse);
      } else {
        guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];

        adopted = frame;
        ck_assert_double_le (stats.mse, 1.01 * good_mse);
        greedy_match ((const gdouble (*)[KMS_MAX_CHANNELS]) warm,
            (const gdouble (*)[KMS_MAX_CHANNELS]) good, 4, match);
        get_palette (ctx, 4, pal);
        for (c = 0; c < 4; c++)
          assert_color_eq (pal[c], good_pal[match[c]][0],
              good_pal[match[c]][1], good_pal[match[c]][2]);
      }
    }
    ck_assert (stuck_mse > 20 * good_mse);
    if (interval == 0)
      ck_assert_msg (adopted == 0, "refreshed on frame %u with no interval",
          adopted);
    else
      ck_assert_msg (adopted >= interval && adopted <= interval + 1,
          "interval %u: adopted on frame %u", interval, adopted);
    kms_context_free (ctx);
  }
  image_free (in);
}

END_TEST;

/* A clip that opens on black (every centroid black) and fades in is fitted
 * exactly from its first lit frame, whether a cut, a refresh or Lloyd's
 * re-seeding does it. */
START_TEST (test_fade_from_black)
{
  static const guint8 lit[4][3] = {
    {200, 40, 40}, {40, 200, 40}, {40, 40, 200}, {220, 220, 220}
  };
  static const gsize sizes[4] = { 768, 768, 768, 768 };
  const guint steps = 8;
  guint64 s = 2006;
  guint mode;

  for (mode = 0; mode < 3; mode++) {
    KmsContext *ctx = kms_context_new ();
    KmsParams params;
    KmsStats stats;
    guint frame, c, ch;

    kms_params_init_defaults (&params);
    params.k = 4;
    params.hysteresis = 0;
    if (mode >= 1) {
      params.scene_cut = 0;     /* no cut: refresh or re-seed */
    }
    if (mode == 2)
      params.refresh_interval = 0;

    for (frame = 0; frame < 3 + steps + 2; frame++) {
      const guint level = frame < 3 ? 0 : MIN (frame - 2, steps);
      guint8 colors[4][3];
      TestImage *in, *out;

      for (c = 0; c < 4; c++)
        for (ch = 0; ch < 3; ch++)
          colors[c][ch] = lit[c][ch] * level / steps;
      in = seq_frame ((const guint8 (*)[3]) colors, sizes, 4, &s);
      out = seq_process (ctx, &params, in, &stats);
      ck_assert_double_eq (stats.mse, 0);
      assert_images_equal (out, in, "fade from black");
      image_free (out);
      image_free (in);
    }
    kms_context_free (ctx);
  }
}

END_TEST;

/* Label hysteresis, as the core must apply it: each pixel takes its nearest
 * rounded centroid (ties to the lower index) unless @prev holds another
 * label whose centroid is at most @margin levels (Euclidean) farther.
 * @prev (width * height labels) is read when @apply, and then holds the
 * frame's labels. Returns the posterized frame; counts and sse in @ex. */
static TestImage *
expect_hysteresis (const TestImage * in,
    const guint8 (*pal)[KMS_MAX_CHANNELS], guint k, guint8 * prev,
    gboolean apply, gdouble margin, TestExpect * ex)
{
  TestImage *out = image_copy (in);
  const TestLayout *l = &in->layout;
  gint x, y;

  memset (ex, 0, sizeof (TestExpect));
  for (y = 0; y < in->height; y++) {
    for (x = 0; x < in->width; x++) {
      const guint8 *p = image_pixel (in, x, y);
      guint8 *o = image_pixel (out, x, y);
      guint8 *lp = prev + (gsize) y * in->width + x;
      guint8 px[3] = { p[l->r], p[l->g], p[l->b] };
      gboolean tie;
      guint d, label;

      label = nearest_color (pal, k, px, &d, &tie);
      if (apply && *lp != label && *lp < k) {
        gdouble keep = sqrt ((gdouble) d) + margin;
        guint dp = 0, ch;

        for (ch = 0; ch < 3; ch++)
          dp += ((gint) px[ch] - pal[*lp][ch]) * ((gint) px[ch] - pal[*lp][ch]);
        if (dp <= keep * keep) {
          label = *lp;
          d = dp;
        }
      }
      *lp = label;
      ex->counts[label]++;
      ex->sse += d;
      o[l->r] = pal[label][0];
      o[l->g] = pal[label][1];
      o[l->b] = pal[label][2];
    }
  }
  return out;
}

/* Processes a copy of @in and checks it against expect_hysteresis() */
static TestImage *
process_hysteresis (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, guint8 * prev, gboolean apply, KmsStats * stats)
{
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  TestImage *out = image_copy (in), *expected;
  TestExpect ex;
  guint c;

  process_in_place (ctx, params, out, stats);
  get_palette (ctx, params->k, pal);
  expected = expect_hysteresis (in, (const guint8 (*)[KMS_MAX_CHANNELS]) pal,
      params->k, prev, apply, params->hysteresis, &ex);
  assert_images_equal (out, expected, "painted with hysteresis");
  image_free (expected);
  ck_assert_uint_eq (kms_context_get_counts (ctx, counts, KMS_MAX_K),
      params->k);
  for (c = 0; c < params->k; c++)
    ck_assert_uint_eq (counts[c], ex.counts[c]);
  ck_assert_double_eq_tol (stats->mse, (gdouble) ex.sse /
      (3.0 * in->width * in->height), 1e-12);
  return out;
}

/* Two greys, 100 and 140, and one pixel P of grey level v on the way */
#define HYST_P 700

static TestImage *
hyst_frame (gint width, gint height, guint8 v, guint64 * s)
{
  static const guint8 greys[2][3] = { {100, 100, 100}, {140, 140, 140} };
  const gsize n = (gsize) width * height;
  const gsize sizes[2] = { n / 2, n - n / 2 };
  guint8 *rgb = g_malloc (3 * n);
  TestImage *img;

  gen_regions (rgb, n, greys, sizes, 2, 0, s);
  memset (rgb + 3 * HYST_P, v, 3);
  img = image_new_from_rgb (KMS_FORMAT_RGBx, width, height, 4, rgb, s);
  g_free (rgb);
  return img;
}

/* P's painted grey level */
static guint8
hyst_p (const TestImage * out)
{
  const guint8 *p = image_pixel (out, HYST_P % out->width,
      HYST_P / out->width);

  ck_assert (p[0] == p[1] && p[1] == p[2]);
  return p[0];
}

/* A pixel holds its cluster while another is nearer by no more than the
 * margin; never on a fresh start or across a size change. */
START_TEST (test_hysteresis_holds)
{
  /* P's levels, frame after frame. 121 is nearer 140 than 100 by
   * sqrt (3 * 21^2) - sqrt (3 * 19^2) = 2 sqrt 3 ~ 3.46 levels, 119 nearer
   * 100 by as much; 125 nearer 140 by 10 sqrt 3 ~ 17.3, 110 nearer 100 by
   * 20 sqrt 3. */
  static const guint8 path[] = { 119, 121, 121, 125, 121, 119, 110, 121 };
  static const struct
  {
    gdouble margin;
    const gchar *painted;       /* per frame: a = 100, b = 140 */
  } cases[] = {
    {4.0, "aaabbbaa"},
    {3.0, "abbbbaab"},
    {0.0, "abbbbaab"},
    {20.0, "aaaaaaaa"},
  };
  guint64 s = 2007;
  guint8 *prev = g_malloc (SEQ_N);
  TestImage *in, *out;
  KmsStats stats;
  guint i, f;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    KmsContext *ctx = kms_context_new ();
    KmsParams params;

    kms_params_init_defaults (&params);
    params.k = 2;
    params.hysteresis = cases[i].margin;
    for (f = 0; f < G_N_ELEMENTS (path); f++) {
      guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];

      in = hyst_frame (SEQ_W, SEQ_H, path[f], &s);
      out = process_hysteresis (ctx, &params, in, prev, f > 0, &stats);
      /* P alone moves no centroid by half a level */
      get_palette (ctx, 2, pal);
      assert_color_eq (pal[0], 100, 100, 100);
      assert_color_eq (pal[1], 140, 140, 140);
      ck_assert_msg (hyst_p (out) == (cases[i].painted[f] == 'a' ? 100 : 140),
          "margin %g, frame %u: P (%u) painted %u", cases[i].margin, f,
          path[f], hyst_p (out));
      image_free (in);
      image_free (out);
    }
    kms_context_free (ctx);
  }

  /* Fresh starts: after a reset, and every frame without the warm start.
   * Then the size changes (same pixel count, so P is the same pixel). */
  for (i = 0; i < 3; i++) {
    KmsContext *ctx = kms_context_new ();
    KmsParams params;
    gint w2 = SEQ_W, h2 = SEQ_H;

    kms_params_init_defaults (&params);
    params.k = 2;
    params.hysteresis = 4.0;
    in = hyst_frame (SEQ_W, SEQ_H, 119, &s);
    out = process_hysteresis (ctx, &params, in, prev, FALSE, &stats);
    ck_assert_uint_eq (hyst_p (out), 100);
    image_free (in);
    image_free (out);

    if (i == 0)
      kms_context_reset (ctx);
    else if (i == 1)
      params.warm_start = FALSE;
    else {
      w2 = SEQ_H;
      h2 = SEQ_W;
    }
    in = hyst_frame (w2, h2, 121, &s);
    out = process_hysteresis (ctx, &params, in, prev, FALSE, &stats);
    ck_assert (stats.reinitialized == (i < 2));
    ck_assert_msg (hyst_p (out) == 140, "case %u: P held", i);
    image_free (in);
    image_free (out);

    /* the labels of that frame count on the next (warm) one */
    params.warm_start = TRUE;
    in = hyst_frame (w2, h2, 119, &s);
    out = process_hysteresis (ctx, &params, in, prev, TRUE, &stats);
    ck_assert_msg (hyst_p (out) == 140, "case %u: P not held", i);
    image_free (in);
    image_free (out);
    kms_context_free (ctx);
  }
  g_free (prev);
}

END_TEST;

/* A noisy ramp, where many pixels sit near a boundary: hysteresis as the
 * reference applies it, the same frames for any number of threads and
 * either assignment, and less label flicker than without. */
START_TEST (test_hysteresis_threads)
{
  static const KmsFormat formats[] = { KMS_FORMAT_RGBx, KMS_FORMAT_RGB };
  static const struct
  {
    gint w, h;
  } sizes[] = { {64, 48}, {61, 47} };
  static const gdouble margins[] = { 4.0, 2.0 };
  const guint n_frames = 8;
  guint64 s = 2008;
  guint f, si, m;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (si = 0; si < G_N_ELEMENTS (sizes); si++) {
      const gint w = sizes[si].w, h = sizes[si].h;
      const gsize n = (gsize) w * h;
      guint8 *rgb = g_malloc (3 * n);
      guint64 flicker[G_N_ELEMENTS (margins) + 1];

      /* the last round runs without hysteresis, for the flicker */
      for (m = 0; m <= G_N_ELEMENTS (margins); m++) {
        const gboolean off = m == G_N_ELEMENTS (margins);
        KmsContext *ctx[3];
        guint8 *prev = g_malloc (n), *last = g_malloc (n);
        KmsParams params;
        guint t, frame;
        gsize i;

        for (t = 0; t < 3; t++)
          ctx[t] = kms_context_new ();
        ck_assert (kms_context_set_isa (ctx[2], KMS_ISA_SCALAR));
        kms_params_init_defaults (&params);
        params.k = 3;
        params.hysteresis = off ? 0 : margins[m];
        flicker[m] = 0;

        for (frame = 0; frame < n_frames; frame++) {
          TestImage *in, *ref = NULL;
          KmsStats ref_stats;
          gint x, y;

          /* the same frames for every round */
          s = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) * (frame + 1);
          for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
              guint8 *q = rgb + 3 * ((gsize) y * w + x);
              const gint v = x * 255 / (w - 1);

              q[0] = clamp_level (v + (gint) rng_below (&s, 7) - 3);
              q[1] = clamp_level (100 + y + (gint) rng_below (&s, 7) - 3);
              q[2] = clamp_level (255 - v + (gint) rng_below (&s, 7) - 3);
            }
          }
          in = image_new_from_rgb (formats[f], w, h, 3, rgb, &s);
          memcpy (last, prev, n);
          for (t = 0; t < 3; t++) {
            gchar *what = g_strdup_printf ("%s %dx%d, margin %g, frame %u, "
                "context %u", kms_format_to_string (formats[f]), w, h,
                params.hysteresis, frame, t);
            TestImage *out;
            KmsStats st;

            params.n_threads = t + 1;
            if (t == 0) {
              /* checked against the reference */
              ref = process_hysteresis (ctx[t], &params, in, prev,
                  frame > 0 && !off, &ref_stats);
              g_free (what);
              continue;
            }
            out = image_copy (in);
            process_in_place (ctx[t], &params, out, &st);
            assert_images_equal (out, ref, what);
            assert_stats_equal (&st, &ref_stats, what);
            assert_contexts_equal (ctx[t], ctx[0], params.k, what);
            image_free (out);
            g_free (what);
          }
          if (frame > 0)
            for (i = 0; i < n; i++)
              flicker[m] += prev[i] != last[i];
          image_free (ref);
          image_free (in);
        }
        for (t = 0; t < 3; t++)
          kms_context_free (ctx[t]);
        g_free (prev);
        g_free (last);
      }

      /* the ramp does flicker without hysteresis, and a wider margin
       * holds more */
      ck_assert_uint_gt (flicker[G_N_ELEMENTS (margins)], n / 100);
      for (m = 0; m < G_N_ELEMENTS (margins); m++)
        ck_assert_msg (flicker[m] < flicker[m + 1], "%s %dx%d: %"
            G_GUINT64_FORMAT " label changes with margin %g, %"
            G_GUINT64_FORMAT " with %g", kms_format_to_string (formats[f]),
            w, h, flicker[m], margins[m], flicker[m + 1],
            m + 1 < G_N_ELEMENTS (margins) ? margins[m + 1] : 0.0);
      g_free (rgb);
    }
  }
}

END_TEST;

/* temporal_smoothing keeps a share of the previous centroid on a warm
 * frame: 0 the new means, 0.5 halfway, 1 the old; never on a cut. */
START_TEST (test_temporal_smoothing)
{
  static const guint8 c1[3][3] = {
    {100, 50, 200}, {30, 180, 60}, {220, 220, 20}
  };
  static const guint8 c2[3][3] = {
    {125, 35, 207}, {39, 205, 47}, {189, 220, 25}
  };
  static const guint8 cut[3][3] = {
    {10, 250, 250}, {250, 10, 250}, {130, 130, 130}
  };
  static const gdouble shares[] = { 0.0, 0.5, 1.0 };
  guint64 s = 2009;
  TestImage *in1 = seq_thirds (c1, &s);
  TestImage *in2 = seq_thirds (c2, &s);
  TestImage *in3 = seq_thirds (cut, &s);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shares); i++) {
    const gdouble a = shares[i];
    gdouble old[KMS_MAX_K][KMS_MAX_CHANNELS], got[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
    KmsContext *ctx = kms_context_new ();
    KmsParams params;
    KmsStats stats;
    guint frame, c, ch;

    kms_params_init_defaults (&params);
    params.k = 3;
    params.hysteresis = 0;
    params.temporal_smoothing = a;
    /* a fresh start is not smoothed */
    image_free (seq_process (ctx, &params, in1, &stats));
    assert_palette_is (ctx, c1, 3);

    params.scene_cut = 0;
    for (frame = 0; frame < 3; frame++) {
      get_exact (ctx, 3, old);
      image_free (seq_process (ctx, &params, in2, &stats));
      ck_assert (!stats.reinitialized);
      get_exact (ctx, 3, got);
      get_palette (ctx, 3, pal);
      for (c = 0; c < 3; c++) {
        /* numbers follow the colours: c1 is luma-sorted as c2 is */
        for (ch = 0; ch < 3; ch++) {
          const gdouble want = a * old[c][ch] + (1 - a) * c2[c][ch];

          ck_assert_double_eq_tol (got[c][ch], want, 1e-9);
          ck_assert_uint_eq (pal[c][ch], round_centroid (want));
          ck_assert (pal[c][ch] >= MIN (round_centroid (old[c][ch]),
                  c2[c][ch]));
          ck_assert (pal[c][ch] <= MAX (round_centroid (old[c][ch]),
                  c2[c][ch]));
        }
      }
    }

    /* a cut starts afresh: the new colours, not a blend */
    params.scene_cut = KMS_DEFAULT_SCENE_CUT;
    image_free (seq_process (ctx, &params, in3, &stats));
    ck_assert (stats.scene_cut);
    assert_palette_is (ctx, cut, 3);
    kms_context_free (ctx);
  }
  image_free (in1);
  image_free (in2);
  image_free (in3);
}

END_TEST;

/* With smoothing, the kept centroids trail a slow change (by a d / (1 - a)
 * levels at a change of d a frame): that lag is no cut. Fails now: the cut
 * test measures the smoothed centroids against a running level of the
 * unsmoothed fit's error, so at a = 0.5 a +2 a frame fade on flat colours
 * is a "cut" every third frame, each one re-initialising. */
START_TEST (test_smoothing_slow_change)
{
  static const guint8 base[3][3] = {
    {50, 7, 7}, {7, 50, 7}, {7, 7, 50}
  };
  static const gdouble shares[] = { 0.5, 0.8 };
  guint64 s = 2010;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shares); i++) {
    KmsContext *ctx = kms_context_new ();
    KmsParams params;
    KmsStats stats;
    guint frame, c, ch;

    kms_params_init_defaults (&params);
    params.k = 3;
    params.hysteresis = 0;
    params.temporal_smoothing = shares[i];
    for (frame = 0; frame < 20; frame++) {
      guint8 colors[3][3];
      TestImage *in;

      for (c = 0; c < 3; c++)
        for (ch = 0; ch < 3; ch++)
          colors[c][ch] = base[c][ch] + 2 * frame;
      in = seq_thirds ((const guint8 (*)[3]) colors, &s);
      image_free (seq_process (ctx, &params, in, &stats));
      image_free (in);
      ck_assert_msg (!stats.scene_cut, "smoothing %g, frame %u: a cut",
          shares[i], frame);
      ck_assert (stats.reinitialized == (frame == 0));
    }
    kms_context_free (ctx);
  }
}

END_TEST;

static Suite *
kmscore_suite (void)
{
  Suite *s = suite_create ("kmscore");
  TCase *tc = tcase_create ("core");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_lloyd_matches_reference, 0,
      G_N_ELEMENTS (lloyd_cases));
  tcase_add_test (tc, test_paint_nearest_random);
  tcase_add_test (tc, test_paint_ties);
  tcase_add_test (tc, test_paint_ties_lower_index);
  tcase_add_test (tc, test_paint_ties_many);
  tcase_add_test (tc, test_empty_clusters);
  tcase_add_test (tc, test_empty_cluster_reseed);
  tcase_add_test (tc, test_k_extremes);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_luma_numbering);
  tcase_add_test (tc, test_warm_start_keeps_numbers);
  tcase_add_test (tc, test_flat_regions_merge);
  tcase_add_test (tc, test_mask);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_odd_sizes);
  tcase_add_test (tc, test_out_of_place);
  tcase_add_test (tc, test_k_change);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_mse);
  tcase_add_test (tc, test_measure_error_off);
  tcase_add_test (tc, test_reset);
  tcase_add_test (tc, test_isa_scalar);
  tcase_add_test (tc, test_assign_row_exhaustive);
  tcase_add_test (tc, test_assign_paint_row32_exhaustive);
  tcase_add_test (tc, test_assign_hysteresis_kernels);
#ifdef KMS_HAVE_AVX512
  tcase_add_test (tc, test_write_420_avx512);
#endif
  tcase_add_test (tc, test_n_threads);
  tcase_add_test (tc, test_format_helpers);
  tcase_add_test (tc, test_scene_cut);
  tcase_add_test (tc, test_cut_keeps_numbers);
  tcase_add_test (tc, test_starved_cluster_refresh);
  tcase_add_test (tc, test_vanished_cluster_reseed);
  tcase_add_test (tc, test_refresh_adopts);
  tcase_add_test (tc, test_fade_from_black);
  tcase_add_test (tc, test_hysteresis_holds);
  tcase_add_test (tc, test_hysteresis_threads);
  tcase_add_test (tc, test_temporal_smoothing);

  /* a known core bug, see the test; CK_RUN_CASE=core runs the rest */
  tc = tcase_create ("smoothing-cut");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_smoothing_slow_change);

  /* a case of its own: it allocates 50 MB, and fails (a known core bug,
   * see the test); CK_RUN_CASE=core runs the rest alone */
  tc = tcase_create ("large");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_large_sample_sums);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (kmscore_suite ());
  gint failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

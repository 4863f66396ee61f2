/* kmeansseg: what the core tests share
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

/* Deterministic data, logical images in every packed layout, what the
 * core must write (an exhaustive integer nearest-colour scan) and a
 * reference Lloyd in double precision: deliberately plain code, shared by
 * the core's test programs. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coretest.h"
#include "kmsmodel.h"

/* ------------------------------------------------------------------ */
/* Deterministic data */

guint32
rng_next (guint64 * s)
{
  /* xorshift64: our own, so the data never depends on the core's RNG */
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (guint32) (*s >> 32);
}

guint
rng_below (guint64 * s, guint n)
{
  return rng_next (s) % n;
}

guint8
clamp_level (gint v)
{
  return (guint8) CLAMP (v, 0, 255);
}

/* Logical images are packed R, G, B bytes, width * height pixels */
void
gen_uniform (guint8 * rgb, gsize n, guint64 * s)
{
  gsize i;

  for (i = 0; i < 3 * n; i++)
    rgb[i] = rng_next (s) & 0xff;
}

/* Pixels scattered around a few random colours */
void
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

/* Uniform noise when @uniform, else blobs (the frames that alternate) */
void
gen_uniform_or_blobs (guint8 * rgb, gsize n, gboolean uniform, guint n_blobs,
    gint spread, guint64 * s)
{
  if (uniform)
    gen_uniform (rgb, n, s);
  else
    gen_blobs (rgb, n, n_blobs, spread, s);
}

/* Few distinct colours, many pixels each: weighted points in exact mode */
void
gen_quantized (guint8 * rgb, gsize n, guint levels, guint64 * s)
{
  gsize i;

  for (i = 0; i < 3 * n; i++)
    rgb[i] = rng_below (s, levels) * 255 / (levels - 1);
}

/* Flat colour bands of the given pixel counts, in raster order, with
 * +-noise per channel (0: flat) */
void
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
void
gen_thirds (guint8 * rgb, gsize n, const guint8 (*colors)[3], gint noise,
    guint64 * s)
{
  gsize sizes[3] = { n / 3, n / 3, n - 2 * (n / 3) };

  gen_regions (rgb, n, colors, sizes, 3, noise, s);
}

/* ------------------------------------------------------------------ */
/* Images in every packed layout, with padded strides */

/* As GStreamer names them: the bytes in memory order */
const TestLayout layouts[TEST_N_LAYOUTS] = {
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

const TestLayout *
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
TestImage *
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

TestImage *
image_copy (const TestImage * src)
{
  TestImage *img = g_memdup2 (src, sizeof (TestImage));

  img->data = g_memdup2 (src->data, src->size);
  return img;
}

void
image_free (TestImage * img)
{
  g_free (img->data);
  g_free (img);
}

guint8 *
image_pixel (const TestImage * img, gint x, gint y)
{
  return img->data + (gsize) y * img->stride + (gsize) x * img->layout.bpp;
}

void
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

void
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

TestImage *
image_new_from_rgb (KmsFormat format, gint width, gint height, gint pad,
    const guint8 * rgb, guint64 * s)
{
  TestImage *img = image_new (format, width, height, pad, s);

  image_pack (img, rgb);
  return img;
}

void
image_frame (TestImage * img, KmsFrame * frame)
{
  memset (frame, 0, sizeof (KmsFrame));
  frame->format = img->layout.format;
  frame->width = img->width;
  frame->height = img->height;
  frame->data[0] = img->data;
  frame->stride[0] = img->stride;
}

/* The defaults, but @k clusters and no hysteresis: every pixel takes its
 * exact nearest label */
void
params_init_exact (KmsParams * params, guint k)
{
  kms_params_init_defaults (params);
  params->hysteresis = 0;
  params->k = k;
}

void
process_in_place (KmsContext * ctx, const KmsParams * params,
    TestImage * img, KmsResult * stats)
{
  KmsFrame frame;

  image_frame (img, &frame);
  ck_assert (kms_context_process (ctx, params, &frame, &frame, stats));
}

/* Fails on the first differing byte, saying where it is */
void
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

guint8
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
guint
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

/* The clusters of RGB palette @pal that params mask (the documented
 * model, model_mask_choice) */
void
model_masked (const KmsParams * params, const guint8 (*pal)[KMS_MAX_CHANNELS],
    guint k, gboolean * masked)
{
  model_mask_choice (params->mask_cluster, params->mask_clusters,
      params->mask_key, params->mask_key_count, params->mask_invert,
      params->mode == KMS_MODE_LABELS, pal, k, masked);
}

/* The frame the core must produce from @in with palette @pal: each pixel's
 * label is its nearest rounded centroid; posterize paints that colour,
 * the masked label takes the mask's RGB (and alpha where the format has
 * one); every other byte stays as it was. */
TestImage *
expect_output (const TestImage * in, const guint8 (*pal)[KMS_MAX_CHANNELS],
    guint k, const KmsParams * params, TestExpect * ex)
{
  TestImage *out = image_copy (in);
  const TestLayout *l = &in->layout;
  guint8 mask[3];
  gboolean masked[KMS_MAX_K];
  gint x, y;

  memset (ex, 0, sizeof (TestExpect));
  model_masked (params, pal, k, masked);
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

      if (masked[label]) {
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
void
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
TestImage *
process_and_check (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, KmsResult * stats, TestExpect * ex)
{
  TestImage *out = image_copy (in);
  KmsResult local;

  if (!stats)
    stats = &local;
  process_in_place (ctx, params, out, stats);
  ck_assert_uint_eq (stats->k, params->k);
  check_output (ctx, params, in, out, params->k, ex);
  return out;
}

void
get_palette (KmsContext * ctx, guint k, guint8 (*pal)[KMS_MAX_CHANNELS])
{
  ck_assert_uint_eq (kms_context_get_centroids (ctx, pal, KMS_MAX_K), k);
}

void
get_exact (KmsContext * ctx, guint k, gdouble (*cent)[KMS_MAX_CHANNELS])
{
  ck_assert_uint_eq (kms_context_get_centroids_exact (ctx, cent, KMS_MAX_K), k);
}

gdouble
color_distance (const guint8 * a, const guint8 * b)
{
  gdouble d = 0;
  guint ch;

  for (ch = 0; ch < 3; ch++)
    d += ((gdouble) a[ch] - b[ch]) * ((gdouble) a[ch] - b[ch]);
  return sqrt (d);
}

gdouble
luma (const gdouble * c)
{
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

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
guint
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

/* The core's fit of @rgb, which @ctx has just run with @params (giving
 * @stats) from the centroids @ref, is the reference Lloyd's from there,
 * which had to re-seed: the same iterations and centroids. On return @ref
 * holds the reference's centroids and @got the core's. */
void
assert_reseeded_as_reference (KmsContext * ctx, const KmsParams * params,
    const KmsResult * stats, const guint8 * rgb, gsize n, guint k,
    gdouble (*ref)[KMS_MAX_CHANNELS], gdouble (*got)[KMS_MAX_CHANNELS])
{
  gboolean reseeded;
  guint iters, c, ch;

  iters = ref_lloyd (rgb, n, k, ref, params->max_iters, params->tolerance,
      &reseeded);
  ck_assert (reseeded);
  ck_assert_uint_eq (stats->iterations, iters);
  get_exact (ctx, k, got);
  for (c = 0; c < k; c++)
    for (ch = 0; ch < 3; ch++)
      ck_assert_double_eq_tol (got[c][ch], ref[c][ch], 1e-9);
}

void
assert_stats_equal (const KmsResult * got, const KmsResult * want,
    const gchar * what)
{
  ck_assert_msg (got->k == want->k && got->iterations == want->iterations &&
      got->reinitialized == want->reinitialized &&
      got->fit_points == want->fit_points, "%s: stats differ", what);
  /* bitwise: the sums are integers, the division the same */
  ck_assert_msg (memcmp (&got->mse, &want->mse, sizeof (gdouble)) == 0,
      "%s: mse %.17g, expected %.17g", what, got->mse, want->mse);
}

void
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
void
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

/* ------------------------------------------------------------------ */

gint
coretest_run (Suite * suite)
{
  SRunner *sr = srunner_create (suite);
  gint failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

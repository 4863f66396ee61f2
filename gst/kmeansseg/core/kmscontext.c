/* kmeansseg: K-means colour segmentation of video frames
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

/* The context API: a frame goes through the fitting data (kmssample.c),
 * the fit (kmsfit.c) and the pixel pass (kmspass.c), with the kernels of
 * one table (kmsdsp.c) chosen when the format, k or the CPU levels
 * change. */

#include <math.h>
#include <string.h>

#include "kmscore.h"
#include "kmsdsp.h"
#include "kmsfit.h"
#include "kmspass.h"
#include "kmssample.h"

struct _KmsContext
{
  /* the levels this context may use, and the kernel table: for
   * dsp_format and dsp_k (KMS_FORMAT_UNKNOWN: not filled yet) */
  KmsCpuFlags cpu_flags;
  KmsDsp dsp;
  KmsFormat dsp_format;
  guint dsp_k;

  KmsSampler sampler;
  KmsFit fit;
  KmsPass pass;
  KmsPool *pool;

  /* the centroids as painted, and their pixels in the last frame */
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  gboolean seeded;              /* a palette was set since the last frame */
  /* the palette set, as given: seeds the fit again in OkLab */
  guint32 seed_argb[KMS_MAX_K];
  guint seed_n;

  /* OkLab: the centroids as assigned (rounded OkLab bytes), the tables of
   * the pixels' colour space (lab_cs; NULL until needed), and the space
   * the fit's centroids are in */
  guint8 apal[KMS_MAX_K][KMS_MAX_CHANNELS];
  KmsOklab *lab;
  KmsColorSpace lab_cs;
  KmsClusterSpace fit_space;
};

static inline guint8
round_level (gdouble v)
{
  if (v <= 0)
    return 0;
  if (v >= 255)
    return 255;
  return (guint8) floor (v + 0.5);
}

void
kms_params_init_defaults (KmsParams * params)
{
  params->k = 3;
  params->max_iters = 20;
  params->tolerance = 0.5;
  params->mask_cluster = -1;
  memset (params->mask_clusters, 0, sizeof (params->mask_clusters));
  params->mask_key = -1;
  params->mask_key_count = 1;
  params->mask_invert = FALSE;
  params->mask_color = 0xff000000;
  params->mask_feather = 0;
  params->mode = KMS_MODE_POSTERIZE;
  params->warm_start = TRUE;
  params->init = KMS_INIT_KMEANS_PP;
  params->seed = 42;
  params->sample_size = 65536;
  params->n_threads = 1;
  params->scene_cut = 3.0;
  params->refresh_interval = 30;
  params->temporal_smoothing = 0.0;
  params->hysteresis = 1.0;
  params->spatial_smoothing = 0;
  params->spatial_smoothing_strength = 10;
  params->still_hysteresis = 0;
  params->measure_error = TRUE;
  params->color_space = KMS_CLUSTER_NATIVE;
  params->dither = KMS_DITHER_NONE;
  params->dither_strength = 1.0;
}

KmsContext *
kms_context_new (void)
{
  KmsContext *ctx = g_new0 (KmsContext, 1);

  ctx->cpu_flags = kms_cpu_get_flags ();
  ctx->dsp_format = KMS_FORMAT_UNKNOWN;
  return ctx;
}

void
kms_context_free (KmsContext * ctx)
{
  if (!ctx)
    return;
  kms_sampler_clear (&ctx->sampler);
  kms_fit_clear (&ctx->fit);
  kms_pass_clear (&ctx->pass);
  kms_pool_free (ctx->pool);
  g_free (ctx->lab);
  g_free (ctx);
}

void
kms_context_reset (KmsContext * ctx)
{
  kms_fit_reset (&ctx->fit);
  ctx->pass.prev_valid = FALSE;
  memset (ctx->counts, 0, sizeof (ctx->counts));
}

KmsCpuLevel
kms_context_set_cpu_flags (KmsContext * ctx, KmsCpuFlags flags)
{
  ctx->cpu_flags = (flags & kms_cpu_get_flags ()) | KMS_CPU_FLAG (KMS_CPU_C);
  ctx->dsp_format = KMS_FORMAT_UNKNOWN;
  return kms_cpu_flags_best (ctx->cpu_flags);
}

guint
kms_context_get_centroids (KmsContext * ctx,
    guint8 centroids[][KMS_MAX_CHANNELS], guint max)
{
  guint n = MIN (ctx->fit.k, max);

  memcpy (centroids, ctx->pal, n * sizeof (ctx->pal[0]));
  return n;
}

gboolean
kms_context_set_palette (KmsContext * ctx, const KmsColorSpace * cs,
    const guint32 * argb, guint n)
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint c, ch;

  if (!info || n == 0 || n > KMS_MAX_K)
    return FALSE;
  for (c = 0; c < n; c++) {
    guint8 col[KMS_MAX_CHANNELS], alpha;

    kms_format_convert_color (cs, argb[c], col, &alpha);
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      cent[c][ch] = ch < info->n_channels ? col[ch] : 0;
    memcpy (ctx->pal[c], col, sizeof (col));
  }
  /* a warm start from these, whatever came before; the old labels mean
   * nothing to hysteresis now (in OkLab, the next frame seeds again from
   * the colours) */
  kms_fit_seed (&ctx->fit, cent, n, info->n_channels);
  ctx->fit_space = KMS_CLUSTER_NATIVE;
  memcpy (ctx->seed_argb, argb, n * sizeof (argb[0]));
  ctx->seed_n = n;
  ctx->pass.prev_valid = FALSE;
  ctx->seeded = TRUE;
  return TRUE;
}

guint
kms_context_get_palette (KmsContext * ctx, const KmsColorSpace * cs,
    guint32 * argb, guint max)
{
  guint n = MIN (ctx->fit.k, max), c;

  if (!kms_format_get_info (cs->format))
    return 0;
  for (c = 0; c < n; c++)
    argb[c] = kms_format_color_to_argb (cs, ctx->pal[c]);
  return n;
}

guint
kms_context_get_centroids_exact (KmsContext * ctx,
    gdouble centroids[][KMS_MAX_CHANNELS], guint max)
{
  guint n = MIN (ctx->fit.k, max);

  memcpy (centroids, ctx->fit.cent, n * sizeof (ctx->fit.cent[0]));
  return n;
}

guint
kms_context_get_counts (KmsContext * ctx, guint64 * counts, guint max)
{
  guint n = MIN (ctx->fit.k, max);

  memcpy (counts, ctx->counts, n * sizeof (guint64));
  return n;
}

/* Whether @in and @out are frames the pass can take */
static gboolean
frames_valid (const KmsParams * params, const KmsFrame * in,
    const KmsFrame * out)
{
  const KmsFormatInfo *info = kms_format_get_info (in->format);
  const KmsFormatInfo *out_info = kms_format_get_info (out->format);
  const gboolean labels_out = out->format != in->format;
  guint p;

  if (!info || in->width <= 0 || in->height <= 0)
    return FALSE;
  if (!out_info || out->width != in->width || out->height != in->height)
    return FALSE;
  /* another output format: only the label map */
  if (labels_out && (params->mode != KMS_MODE_LABELS ||
          out->format != KMS_FORMAT_GRAY8 || out->data[0] == in->data[0]))
    return FALSE;
  for (p = 0; p < info->n_planes; p++)
    if (!in->data[p])
      return FALSE;
  for (p = 0; p < out_info->n_planes; p++)
    if (!out->data[p])
      return FALSE;
  /* in place is all planes or none */
  if (!labels_out && (out->data[0] == in->data[0]) !=
      (out->data[info->n_planes - 1] == in->data[info->n_planes - 1]))
    return FALSE;
  return TRUE;
}

/* How long the workers wait awake for a frame's first job (the sample's
 * and the fit's time, about) */
#define KMS_WAKE_US 2000

/* n_threads 0: a thread per this many pixels of the frame, at most one
 * per core (a band smaller than this costs about what handing it out
 * does) */
#define KMS_PIXELS_PER_THREAD (128 * 1024)

/* The pool for n_threads (0: from the frame's size and the cores), made
 * anew only when that changes */
static void
setup_threads (KmsContext * ctx, guint n_threads, gsize pixels)
{
  if (n_threads == 0)
    n_threads = MIN (g_get_num_processors (), MAX (1,
            pixels / KMS_PIXELS_PER_THREAD));
  n_threads = CLAMP (n_threads, 1, KMS_MAX_THREADS);
  if (!ctx->pool || kms_pool_get_n_threads (ctx->pool) != n_threads) {
    kms_pool_free (ctx->pool);
    ctx->pool = kms_pool_new (n_threads);
  }
}

gboolean
kms_context_process (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsResult * result)
{
  return kms_context_process_full (ctx, params, in, out, NULL, result);
}

/* The OkLab tables for the pixels of @cs, made again only when it
 * changes */
static const KmsOklab *
setup_oklab (KmsContext * ctx, const KmsColorSpace * cs)
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  gboolean same;

  if (!ctx->lab) {
    ctx->lab = g_new (KmsOklab, 1);
    ctx->lab_cs.format = KMS_FORMAT_UNKNOWN;
  }
  /* RGB and grey do not depend on the matrix and range */
  same = ctx->lab_cs.format == cs->format && (!info->yuv ||
      info->n_channels == 1 || (ctx->lab_cs.matrix == cs->matrix &&
          ctx->lab_cs.full_range == cs->full_range));
  if (!same) {
    kms_oklab_init (ctx->lab, cs);
    ctx->lab_cs = *cs;
  }
  return ctx->lab;
}

/* A label map beside the frames: GRAY8, their size, apart from them */
static gboolean
labels_valid (const KmsFrame * labels, const KmsFrame * in,
    const KmsFrame * out)
{
  return labels->format == KMS_FORMAT_GRAY8 && labels->width == in->width &&
      labels->height == in->height && labels->data[0] &&
      labels->stride[0] >= labels->width && labels->data[0] != in->data[0] &&
      labels->data[0] != out->data[0];
}

gboolean
kms_context_process_full (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsFrame * labels,
    KmsResult * result)
{
  const KmsFormatInfo *info = kms_format_get_info (in->format);
  const guint k = CLAMP (params->k, 1, KMS_MAX_K);
  const KmsColorSpace cs = kms_frame_color_space (in);
  const KmsClusterSpace space = params->color_space == KMS_CLUSTER_OKLAB ?
      KMS_CLUSTER_OKLAB : KMS_CLUSTER_NATIVE;
  const KmsOklab *lab = NULL;
  KmsFormatInfo fit_info;
  KmsFit *fit = &ctx->fit;
  gboolean fresh, reinit = FALSE, cut = FALSE;
  guint iters, c, ch;
  guint64 sse;

  if (!frames_valid (params, in, out))
    return FALSE;
  if (labels && !labels_valid (labels, in, out))
    return FALSE;

  /* the kernels, chosen again only when what they depend on changes */
  if (ctx->dsp_format != in->format || ctx->dsp_k != k) {
    kms_dsp_init (&ctx->dsp, in->format, k, ctx->cpu_flags);
    ctx->dsp_format = in->format;
    ctx->dsp_k = k;
  }
  ctx->fit.nearest = ctx->dsp.nearest;
  setup_threads (ctx, params->n_threads, (gsize) in->width * in->height);
  /* the workers' first job comes after the sample and the fit: awake by
   * then */
  kms_pool_wake (ctx->pool, KMS_WAKE_US);

  /* In OkLab, the fitting data, the fit and the assignment are in OkLab
   * bytes, whose first channel is the lightness */
  fit_info = *info;
  if (space == KMS_CLUSTER_OKLAB) {
    lab = setup_oklab (ctx, &cs);
    fit_info.luma[0] = 1;
    fit_info.luma[1] = fit_info.luma[2] = 0;
    /* a and b sit around 128, as chroma does */
    fit_info.yuv = TRUE;
  }
  ctx->sampler.lab = lab;
  ctx->sampler.to_lab = ctx->dsp.oklab;
  if (ctx->seeded && space == KMS_CLUSTER_OKLAB) {
    gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];

    for (c = 0; c < ctx->seed_n; c++)
      kms_oklab_from_argb (ctx->seed_argb[c], info->n_channels, cent[c]);
    kms_fit_seed (fit, cent, ctx->seed_n, info->n_channels);
    ctx->fit_space = space;
  }

  kms_sampler_build (&ctx->sampler, info, &ctx->dsp.rows, in,
      params->sample_size, ctx->pool, kms_pool_get_n_threads (ctx->pool));
  kms_fit_set_points (fit, ctx->sampler.points, ctx->sampler.n_points);
  fit->evals = 0;

  /* centroids of another space are no warm start */
  fresh = !params->warm_start || fit->k == 0 ||
      fit->n_channels != info->n_channels || ctx->fit_space != space;
  ctx->fit_space = space;
  if (fresh) {
    iters = kms_fit_fresh_start (fit, params, k, &fit_info);
    reinit = TRUE;
  } else {
    fit->yuv = fit_info.yuv;
    iters = kms_fit_warm (fit, params, k, &reinit, &cut);
    /* centroids just seeded from a palette count as re-initialised */
    reinit |= ctx->seeded;
  }
  ctx->seeded = FALSE;

  /* assigned to the rounded centroids; painted with them, or in OkLab
   * with each centroid in the stream's colours */
  for (c = 0; c < k; c++) {
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      ctx->apal[c][ch] = ch < info->n_channels ?
          round_level (fit->cent[c][ch]) : 0;
    if (lab)
      kms_oklab_to_stream (&cs, fit->cent[c], ctx->pal[c]);
    else
      memcpy (ctx->pal[c], ctx->apal[c], sizeof (ctx->pal[c]));
  }

  memset (ctx->counts, 0, sizeof (ctx->counts));
  sse = kms_pass_run (&ctx->pass, &ctx->dsp, params, in, out, labels,
      ctx->pal, ctx->apal, lab, k, fresh, ctx->pool, ctx->counts);

  if (result) {
    result->k = k;
    result->iterations = iters;
    result->reinitialized = reinit;
    result->scene_cut = cut;
    result->mse = !params->measure_error ? -1 :
        (gdouble) sse / ((gdouble) in->width * in->height * info->n_channels);
    result->fit_points = fit->n_points;
    result->fit_evals = fit->evals;
    result->cpu_level = ctx->dsp.level;
    memcpy (result->centroids, ctx->pal, k * sizeof (ctx->pal[0]));
    memcpy (result->counts, ctx->counts, k * sizeof (ctx->counts[0]));
    memset (result->masked, 0, sizeof (result->masked));
    for (c = 0; c < k; c++)
      if (ctx->pass.frame.masked[c])
        result->masked[c / 8] |= 1 << (c % 8);
    for (c = 0; c < k; c++)
      result->palette[c] = kms_format_color_to_argb (&cs, ctx->pal[c]);
  }
  return TRUE;
}

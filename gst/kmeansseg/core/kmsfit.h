/* kmeansseg: fitting the centroids over time (internal to the core)
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


#ifndef __KMS_FIT_H__
#define __KMS_FIT_H__

#include "kmscore.h"
#include "kmsdsp.h"
#include "kmsformat.h"
#include "kmssample.h"

G_BEGIN_DECLS

/* The centroids of a stream and what keeps them fresh over time;
 * zero-initialised, there are none (k == 0) */
typedef struct
{
  /* The warm start: k == 0 means there is none */
  guint k;
  guint n_channels;
  gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 rng;
  gdouble weights[KMS_MAX_K];   /* of each cluster, last Lloyd assignment */
  gdouble fitted[KMS_MAX_K][KMS_MAX_CHANNELS];  /* before smoothing */
  gboolean has_fitted;
  gdouble level;                /* running per-channel MSE of the fits */
  guint64 frames;               /* frames since the fresh start */
  guint64 last_refresh;         /* frame the last refresh started on */
  guint64 last_soft;            /* frame of the last fresh fit beside a
                                 * warm one */
  gdouble drift_base;           /* the lowest level since then */
  /* The mean colour of the last frame with content (not flat), to follow
   * a global level change (a fade, an exposure swing) */
  gdouble mean[KMS_MAX_CHANNELS];
  gboolean has_mean;
  gdouble shift;                /* this frame's largest change of gain */
  gboolean yuv;                 /* channels 1, 2 are chroma around 128 */
  gdouble tol;                  /* this frame's Lloyd tolerance */
  gdouble total_w;              /* this frame's points' total weight */

  /* A refresh candidate, fitted a little on each frame beside the warm
   * fit until it wins or is given up */
  gboolean cand_active;
  guint cand_frames;            /* frames it has run on */
  gboolean cand_cells_done;     /* its Lloyd on coarse cells converged */
  gdouble cand[KMS_MAX_K][KMS_MAX_CHANNELS];

  /* Distance evaluations (a point against a centroid) since the caller
   * last set it to 0 */
  guint64 evals;
  /* The cells of the fresh fits and of refresh seeding (scratch) */
  KmsCoarse coarse;

  /* The nearest-centroid kernel of the stream's CPU level (NULL: the C
   * one); every level gives the same bits */
  KmsNearestFunc nearest;

  /* This frame's fitting data (not owned), and per-point scratch */
  const KmsPoint *points;
  guint n_points;
  gdouble *point_d;             /* distance to the nearest centroid */
  gdouble *cum;                 /* cumulative weights for sampling */
  gsize point_alloc;
} KmsFit;

/* The points the next fit runs on (they must outlive it) */
void kms_fit_set_points (KmsFit * fit, const KmsPoint * points, guint n);

/* A fresh start: the best of a few k-means++ (or random) seedings from
 * params->seed, each followed by Lloyd, on at most KMS_FRESH_CELLS coarse
 * cells of the points and within a budget of KMS_FRESH_PASSES passes over
 * them; then Lloyd on the points; numbered by luma (darkest first) with
 * the weights of @info. Returns the iterations run on the points. */
guint kms_fit_fresh_start (KmsFit * fit, const KmsParams * params, guint k,
    const KmsFormatInfo * info);

/* A warm frame: Lloyd from the previous centroids, with what keeps a warm
 * start from going stale (scene cuts, which refit at once as a fresh start
 * does; refresh candidates, fitted over several frames; a new k,
 * smoothing); sets *reinit when the centroids were re-initialised (numbers
 * kept) and *cut on a scene cut. Returns the iterations of the fit that
 * gave the centroids. */
guint kms_fit_warm (KmsFit * fit, const KmsParams * params, guint k,
    gboolean * reinit, gboolean * cut);

/* Forget the warm start (and the running level) */
void kms_fit_reset (KmsFit * fit);
/* Start warm from @n given centroids */
void kms_fit_seed (KmsFit * fit, const gdouble cent[][KMS_MAX_CHANNELS],
    guint n, guint n_channels);
void kms_fit_clear (KmsFit * fit);

G_END_DECLS

#endif /* __KMS_FIT_H__ */

/* kmeansseg: seeding, Lloyd and the warm start over time
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

/* How the centroids are found:
 *
 * - Fresh start: k-means++ (greedy, as scikit-learn does it) or k distinct
 *   random points, then Lloyd, the best of a few seedings, then numbering
 *   by luma, darkest first.
 * - Warm start: the previous frame's centroids, then Lloyd on the weighted
 *   points until no centroid moves more than the tolerance or max_iters is
 *   reached; an empty cluster is re-seeded at the point worst served by
 *   its centroid. A scene cut (the old centroids fit far worse than they
 *   fitted the recent frames) starts afresh; now and then, and when a
 *   cluster starves, a fresh fit competes with the warm one. Either keeps
 *   the cluster numbers (match_identity()). */

#include <math.h>
#include <string.h>

#include "kmsfit.h"

/* Seeded fits tried on a fresh start, the best kept */
#define KMS_FRESH_RESTARTS 4
/* A refresh is adopted when its error is this much lower */
#define KMS_REFRESH_GAIN 0.03
/* A cluster with less than this share of an average cluster's pixels is
 * starved; a starved cluster calls for a refresh at most this often */
#define KMS_STARVED_SHARE 0.05
#define KMS_STARVED_GAP 8
/* The running error level follows each frame's error by this weight */
#define KMS_LEVEL_WEIGHT 0.2
/* ... and never goes below this MSE, so noise on a flat scene is no cut */
#define KMS_LEVEL_FLOOR 4.0

static guint64
rng_next (guint64 * state)
{
  /* splitmix64: tiny, fast, and the same sequence on every platform */
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static gdouble
rng_double (guint64 * state)
{
  return (rng_next (state) >> 11) * (1.0 / 9007199254740992.0);
}

static inline gdouble
dist2 (const gdouble * a, const gdouble * b, guint nc)
{
  gdouble d = 0;
  guint i;

  for (i = 0; i < nc; i++) {
    gdouble t = a[i] - b[i];
    d += t * t;
  }
  return d;
}

/* Index of the point where the cumulative weight passes u */
static guint
pick_cumulative (const gdouble * cum, guint n, gdouble u)
{
  guint lo = 0, hi = n - 1;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;

    if (cum[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/* A random point, each with the probability of its weight times f[i]
 * (f NULL: 1) */
static guint
pick_weighted (KmsFit * fit, const gdouble * f)
{
  gdouble total = 0;
  guint i;

  for (i = 0; i < fit->n_points; i++) {
    total += fit->points[i].w * (f ? f[i] : 1.0);
    fit->cum[i] = total;
  }
  return pick_cumulative (fit->cum, fit->n_points,
      rng_double (&fit->rng) * total);
}

/* Update point_d for a new centroid; return the new total potential */
static gdouble
potential_with (KmsFit * fit, const gdouble * c, gboolean update)
{
  const guint nc = fit->n_channels;
  gdouble pot = 0;
  guint i;

  for (i = 0; i < fit->n_points; i++) {
    gdouble d = dist2 (fit->points[i].c, c, nc);

    if (d > fit->point_d[i])
      d = fit->point_d[i];
    else if (update)
      fit->point_d[i] = d;
    pot += d * fit->points[i].w;
  }
  return pot;
}

/* Greedy k-means++: centroids first..k-1 are added, each the best of a few
 * D²-weighted candidates. Centroids 0..first-1 must be set. */
static void
seed_kmeans_pp (KmsFit * fit, guint first, guint k)
{
  const guint nc = fit->n_channels;
  guint trials = 2 + (guint) log (k), c, t, i;

  if (first == 0) {
    guint p = pick_weighted (fit, NULL);

    memcpy (fit->cent[0], fit->points[p].c, sizeof (fit->cent[0]));
    first = 1;
  }
  for (i = 0; i < fit->n_points; i++)
    fit->point_d[i] = G_MAXDOUBLE;
  for (c = 0; c < first; c++)
    potential_with (fit, fit->cent[c], TRUE);

  for (c = first; c < k; c++) {
    gdouble best_pot = G_MAXDOUBLE;
    guint best = 0;

    for (t = 0; t < trials; t++) {
      guint p = pick_weighted (fit, fit->point_d);
      gdouble pot = potential_with (fit, fit->points[p].c, FALSE);

      if (pot < best_pot) {
        best_pot = pot;
        best = p;
      }
    }
    /* When every point already sits on a centroid the draw degenerates to
     * point 0: a duplicate that stays empty, which is all there is to do */
    memcpy (fit->cent[c], fit->points[best].c, sizeof (fit->cent[0]));
    potential_with (fit, fit->cent[c], TRUE);
  }
  (void) nc;
}

/* k random pixels, distinct colours while the frame has enough */
static void
seed_random (KmsFit * fit, guint k)
{
  const guint nc = fit->n_channels;
  guint c, j, tries;

  for (c = 0; c < k; c++) {
    guint p = 0;

    for (tries = 0; tries < 64; tries++) {
      gboolean dup = FALSE;

      p = pick_weighted (fit, NULL);
      for (j = 0; j < c && !dup; j++)
        dup = dist2 (fit->cent[j], fit->points[p].c, nc) == 0;
      if (!dup)
        break;
    }
    memcpy (fit->cent[c], fit->points[p].c, sizeof (fit->cent[0]));
  }
}

/* ------------------------------------------------------------------ */
/* Lloyd */

/* Returns the number of iterations run. *first_err: the weighted squared
 * error of the centroids as they came in; *last_err: that of the last
 * assignment (the centroids' final move can only lower it, so it bounds
 * their error: no extra pass for it). Both untouched when no iteration
 * ran. The clusters' weights of the last assignment are left in
 * fit->weights. */
static guint
lloyd (KmsFit * fit, guint k, guint max_iters, gdouble tolerance,
    gdouble * first_err, gdouble * last_err)
{
  const guint nc = fit->n_channels;
  gdouble acc[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble wsum[KMS_MAX_K];
  guint it, i, c, ch;

  for (it = 0; it < max_iters;) {
    gdouble max_move = 0;
    gboolean reseeded = FALSE;

    gdouble err = 0;

    memset (acc, 0, k * sizeof (acc[0]));
    memset (wsum, 0, k * sizeof (wsum[0]));

    for (i = 0; i < fit->n_points; i++) {
      const KmsPoint *p = &fit->points[i];
      gdouble best = dist2 (p->c, fit->cent[0], nc);
      guint bl = 0;

      for (c = 1; c < k; c++) {
        gdouble d = dist2 (p->c, fit->cent[c], nc);
        if (d < best) {
          best = d;
          bl = c;
        }
      }
      fit->point_d[i] = best;
      for (ch = 0; ch < nc; ch++)
        acc[bl][ch] += p->c[ch] * p->w;
      wsum[bl] += p->w;
      err += best * p->w;
    }

    for (c = 0; c < k; c++) {
      gdouble next[KMS_MAX_CHANNELS] = { 0, };
      gdouble move;

      if (wsum[c] == 0)
        continue;
      for (ch = 0; ch < nc; ch++)
        next[ch] = acc[c][ch] / wsum[c];
      move = dist2 (next, fit->cent[c], nc);
      max_move = MAX (max_move, move);
      memcpy (fit->cent[c], next, sizeof (fit->cent[0]));
    }

    /* Re-seed a dead cluster at the point worst served by its centroid */
    for (c = 0; c < k; c++) {
      gdouble worst = 0;
      guint wi = 0;

      if (wsum[c] != 0)
        continue;
      for (i = 0; i < fit->n_points; i++) {
        if (fit->point_d[i] > worst) {
          worst = fit->point_d[i];
          wi = i;
        }
      }
      if (worst == 0)
        break;                  /* every point sits on a centroid */
      memcpy (fit->cent[c], fit->points[wi].c, sizeof (fit->cent[0]));
      /* that point, and those nearer the new centroid, are served now */
      for (i = 0; i < fit->n_points; i++) {
        gdouble d = dist2 (fit->points[i].c, fit->cent[c], nc);
        if (d < fit->point_d[i])
          fit->point_d[i] = d;
      }
      reseeded = TRUE;
    }

    if (it == 0 && first_err)
      *first_err = err;
    if (last_err)
      *last_err = err;
    memcpy (fit->weights, wsum, k * sizeof (wsum[0]));
    it++;
    if (!reseeded && sqrt (max_move) <= tolerance)
      break;
  }
  return it;
}

/* Weighted sum of squared distances of the points to their nearest
 * centroid */
static gdouble
inertia_of (KmsFit * fit, gdouble cent[][KMS_MAX_CHANNELS], guint k)
{
  const guint nc = fit->n_channels;
  gdouble total = 0;
  guint i, c;

  for (i = 0; i < fit->n_points; i++) {
    const KmsPoint *p = &fit->points[i];
    gdouble best = dist2 (p->c, cent[0], nc);

    for (c = 1; c < k; c++) {
      gdouble d = dist2 (p->c, cent[c], nc);
      if (d < best)
        best = d;
    }
    total += best * p->w;
  }
  return total;
}

static gdouble
inertia (KmsFit * fit, guint k)
{
  return inertia_of (fit, fit->cent, k);
}

/* Change the number of clusters of a running stream: the first ones keep
 * their numbers; new ones are seeded by k-means++ around them. */
static void
resize_k (KmsFit * fit, guint k)
{
  if (k > fit->k)
    seed_kmeans_pp (fit, fit->k, k);
  fit->k = k;
}

/* A fresh fit: the best of a few seeded fits. One seeding can land in a
 * poor local optimum (measured on photos at k=8: up to 10% above a
 * converged K-means); fresh fits are rare and the fitting data small, so
 * a few restarts are cheap. Returns the iterations of the kept fit and its
 * weighted squared error in *err. */
static guint
fit_fresh (KmsFit * fit, const KmsParams * params, guint k,
    guint restarts, gdouble * err)
{
  gdouble best_cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble best = G_MAXDOUBLE;
  guint r, iters = 0;

  fit->k = k;
  for (r = 0; r < restarts; r++) {
    guint it;
    gdouble e;

    if (params->init == KMS_INIT_RANDOM)
      seed_random (fit, k);
    else
      seed_kmeans_pp (fit, 0, k);
    e = G_MAXDOUBLE;
    it = lloyd (fit, k, params->max_iters, params->tolerance, NULL, &e);
    if (it == 0)
      e = inertia (fit, k);
    if (e < best) {
      best = e;
      iters = it;
      memcpy (best_cent, fit->cent, k * sizeof (fit->cent[0]));
    }
  }
  memcpy (fit->cent, best_cent, k * sizeof (fit->cent[0]));
  *err = best;
  return iters;
}

/* Renumber the fresh centroids after the old ones: each old number goes
 * to the nearest fresh centroid, closest pairs first (greedy), so that a
 * re-initialised stream keeps what its cluster numbers mean. */
static void
match_identity (KmsFit * fit, gdouble old[][KMS_MAX_CHANNELS], guint k)
{
  gdouble fresh[KMS_MAX_K][KMS_MAX_CHANNELS];
  gboolean old_used[KMS_MAX_K] = { FALSE, }, new_used[KMS_MAX_K] = { FALSE, };
  guint n, a, b;

  memcpy (fresh, fit->cent, k * sizeof (fresh[0]));
  for (n = 0; n < k; n++) {
    gdouble best = G_MAXDOUBLE;
    guint bo = 0, bn = 0;

    for (a = 0; a < k; a++) {
      if (old_used[a])
        continue;
      for (b = 0; b < k; b++) {
        gdouble d;

        if (new_used[b])
          continue;
        d = dist2 (old[a], fresh[b], fit->n_channels);
        if (d < best) {
          best = d;
          bo = a;
          bn = b;
        }
      }
    }
    old_used[bo] = new_used[bn] = TRUE;
    memcpy (fit->cent[bo], fresh[bn], sizeof (fresh[0]));
  }
}

static gdouble
total_weight (KmsFit * fit)
{
  gdouble total = 0;
  guint i;

  for (i = 0; i < fit->n_points; i++)
    total += fit->points[i].w;
  return total;
}

/* A warm frame: Lloyd from the previous centroids, with the checks that
 * keep a warm start from going stale. Returns the iterations run. */
guint
kms_fit_warm (KmsFit * fit, const KmsParams * params, guint k,
    gboolean * reinit, gboolean * cut)
{
  gdouble prev[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble total, scale, warm_err = 0, err;
  gboolean starved = FALSE, refresh;
  guint c, ch, iters;

  *reinit = *cut = FALSE;
  total = total_weight (fit);
  /* errors per pixel and channel, comparable across frame sizes */
  scale = 1.0 / (total * fit->n_channels);

  if (k != fit->k)
    resize_k (fit, k);
  memcpy (prev, fit->cent, k * sizeof (prev[0]));
  if (params->max_iters == 0)
    return 0;                   /* the centroids are the user's to keep */

  iters = lloyd (fit, k, params->max_iters, params->tolerance, &warm_err,
      &err);
  /* Smoothed centroids lag behind a slow change, and their error grows
   * with it: test for a cut with the previous frame's centroids as fitted,
   * before smoothing */
  if (params->temporal_smoothing > 0 && fit->frames > 0 && fit->has_fitted)
    warm_err = inertia_of (fit, fit->fitted, k);
  warm_err *= scale;

  /* A scene cut: the old centroids fit the new frame far worse than they
   * fitted the recent ones. Start afresh, keeping the numbers. */
  if (params->scene_cut > 0 && fit->frames > 0 &&
      warm_err > params->scene_cut * MAX (fit->level, KMS_LEVEL_FLOOR)) {
    iters = fit_fresh (fit, params, k, KMS_FRESH_RESTARTS, &err);
    match_identity (fit, prev, k);
    *reinit = *cut = TRUE;
    fit->level = err * scale;
    fit->frames = 1;
    fit->last_refresh = 0;
    return iters;
  }

  for (c = 0; c < k; c++)
    starved |= fit->weights[c] < KMS_STARVED_SHARE * total / k;
  /* (never on the first frame of a warm start: a palette just seeded is
   * the user's to start from) */
  refresh = fit->frames > 0 && params->refresh_interval > 0 &&
      ((starved && fit->frames >= fit->last_refresh + KMS_STARVED_GAP) ||
      fit->frames % params->refresh_interval == 0);

  /* Now and then, and whenever a cluster starves, a fresh fit competes
   * with the warm one and replaces it when clearly better: a warm start
   * can sit in a poor optimum for ever (a clip opening on black) */
  if (refresh) {
    gdouble warm[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint fresh_iters;
    gdouble fresh_err;

    fit->last_refresh = fit->frames;
    memcpy (warm, fit->cent, k * sizeof (warm[0]));
    /* one seeding, not the fresh start's several: this runs on a
     * running stream, where a frame's time is short */
    fresh_iters = fit_fresh (fit, params, k, 1, &fresh_err);
    if (fresh_err < (1 - KMS_REFRESH_GAIN) * err) {
      match_identity (fit, warm, k);
      err = fresh_err;
      iters = fresh_iters;
      *reinit = TRUE;
    } else {
      memcpy (fit->cent, warm, k * sizeof (warm[0]));
    }
  }

  memcpy (fit->fitted, fit->cent, k * sizeof (fit->cent[0]));
  fit->has_fitted = TRUE;

  /* Temporal smoothing: keep a share of the previous centroids */
  if (params->temporal_smoothing > 0 && !*reinit) {
    const gdouble a = CLAMP (params->temporal_smoothing, 0, 1);

    for (c = 0; c < k; c++)
      for (ch = 0; ch < fit->n_channels; ch++)
        fit->cent[c][ch] = a * prev[c][ch] + (1 - a) * fit->cent[c][ch];
  }

  if (fit->frames == 0)
    fit->level = err * scale;
  else
    fit->level += KMS_LEVEL_WEIGHT * (err * scale - fit->level);
  fit->frames++;
  return iters;
}

/* Number the clusters by luma, darkest = 0 (stable for equal luma) */
static void
sort_by_luma (KmsFit * fit, const KmsFormatInfo * info, guint k)
{
  gdouble tmp[KMS_MAX_CHANNELS];
  gdouble luma[KMS_MAX_K];
  guint c, j, ch;

  for (c = 0; c < k; c++) {
    luma[c] = 0;
    for (ch = 0; ch < info->n_channels; ch++)
      luma[c] += info->luma[ch] * fit->cent[c][ch];
  }
  /* insertion sort: k is small, and it is stable */
  for (c = 1; c < k; c++) {
    gdouble l = luma[c];

    memcpy (tmp, fit->cent[c], sizeof (tmp));
    for (j = c; j > 0 && luma[j - 1] > l; j--) {
      luma[j] = luma[j - 1];
      memcpy (fit->cent[j], fit->cent[j - 1], sizeof (tmp));
    }
    luma[j] = l;
    memcpy (fit->cent[j], tmp, sizeof (tmp));
  }
}

guint
kms_fit_fresh_start (KmsFit * fit, const KmsParams * params, guint k,
    const KmsFormatInfo * info)
{
  gdouble err;
  guint iters;

  fit->n_channels = info->n_channels;
  fit->rng = params->seed;
  iters = fit_fresh (fit, params, k, KMS_FRESH_RESTARTS, &err);
  sort_by_luma (fit, info, k);
  fit->level = err / (total_weight (fit) * fit->n_channels);
  fit->frames = 1;
  fit->last_refresh = 0;
  return iters;
}

void
kms_fit_set_points (KmsFit * fit, const KmsPoint * points, guint n)
{
  gsize alloc = fit->point_alloc;

  fit->points = points;
  fit->n_points = n;
  /* two arrays of one size */
  fit->point_d = kms_grow (fit->point_d, &alloc, n, sizeof (gdouble));
  fit->cum = kms_grow (fit->cum, &fit->point_alloc, n, sizeof (gdouble));
}

void
kms_fit_reset (KmsFit * fit)
{
  fit->k = 0;
  fit->has_fitted = FALSE;
  fit->level = 0;
  fit->frames = 0;
  fit->last_refresh = 0;
}

void
kms_fit_seed (KmsFit * fit, const gdouble cent[][KMS_MAX_CHANNELS], guint n,
    guint n_channels)
{
  memcpy (fit->cent, cent, n * sizeof (fit->cent[0]));
  fit->k = n;
  fit->n_channels = n_channels;
  fit->level = 0;
  fit->frames = 0;
  fit->last_refresh = 0;
}

void
kms_fit_clear (KmsFit * fit)
{
  g_free (fit->point_d);
  g_free (fit->cum);
  memset (fit, 0, sizeof (*fit));
}

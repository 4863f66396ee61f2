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
 * - Fresh start (first frame, scene cut): the best of a few k-means++
 *   (greedy, as scikit-learn does it) or random seedings, each followed by
 *   Lloyd, on the points merged into at most KMS_FRESH_CELLS coarse cells,
 *   within a budget of distance evaluations; then Lloyd on the frame's
 *   points from the best. The frame's time stays bounded whatever k, the
 *   frame and its colours. A fresh start numbers by luma, darkest first.
 * - Warm start: the previous frame's centroids, then Lloyd on the weighted
 *   points until no centroid moves more than the tolerance (finer on a
 *   frame of little contrast) or max_iters is reached; an empty cluster is
 *   re-seeded at the point worst served by its centroid. When the frame's
 *   mean level changed (a fade, an exposure swing), the centroids are first
 *   scaled by its gain per channel since the last frame that was not flat,
 *   if that fits the frame better. A scene cut (the old centroids fit far worse than they
 *   fitted the recent frames) refits at once. Now and then, when a cluster
 *   starves and when the error drifts up, a refresh candidate is seeded
 *   and then fitted a little on each new frame (KMS_REFRESH_PASSES Lloyd
 *   iterations), beside the warm fit; it replaces the warm centroids on the
 *   first frame where it fits that frame clearly better, or is given up.
 *   When the level shifts fast or the warm fit's error jumps (short of a
 *   cut), a smaller bounded fresh fit runs beside the warm one on that
 *   frame: it replaces the warm centroids when clearly better, or goes on
 *   as the refresh candidate. The output depends only on the frames and
 *   the settings. A cut or an adopted refresh keeps the
 *   cluster numbers (match_identity()). */

#include <math.h>
#include <string.h>

#include "kmsfit.h"

/* Seeded fits tried on a fresh start at most, the best kept */
#define KMS_FRESH_RESTARTS 4
/* A refresh is adopted when its error is this much lower */
#define KMS_REFRESH_GAIN 0.03
/* A fast change: the level shifts by KMS_SOFT_SHIFT (a gain of a channel)
 * or the warm fit's error is KMS_SOFT_RISE times the running level; then,
 * at most every KMS_SOFT_GAP frames, a fresh fit smaller than a cut's
 * (KMS_SOFT_RESTARTS seedings on at most KMS_SOFT_CELLS cells within
 * KMS_SOFT_PASSES passes over them, at most KMS_SOFT_ITERS Lloyd
 * iterations on the points) runs beside the warm one */
#define KMS_SOFT_SHIFT 0.10
#define KMS_SOFT_RISE 1.25
#define KMS_SOFT_GAP 4
#define KMS_SOFT_RESTARTS 2
#define KMS_SOFT_CELLS 2048
#define KMS_SOFT_PASSES 40
#define KMS_SOFT_ITERS 4
/* A cluster with less than this share of an average cluster's pixels is
 * starved; a starved cluster, or an error drifting up, calls for a
 * refresh at most this often */
#define KMS_STARVED_SHARE 0.05
#define KMS_STARVED_GAP 8
/* The error drifts up when its running level is this much above the
 * lowest since the last refresh; then a refresh starts at most this often
 * (candidates are cheap: while a scene changes, one may as well run) */
#define KMS_DRIFT_RISE 0.10
#define KMS_DRIFT_GAP 8
/* Lloyd on coarse cells stops when no centroid moves more than this (or
 * the tolerance): Lloyd on the points finishes, and cheaper restarts are
 * more restarts within the budget */
#define KMS_CELLS_TOLERANCE 2.0
/* Refresh candidates are seeded on at least this many cells (when the
 * points are that many) */
#define KMS_REFRESH_MIN_CELLS 256
/* A frame whose colours spread less than this (root mean square
 * distance to their mean, per channel) is flat: it says nothing of the
 * level of the scene */
#define KMS_FLAT_SPREAD 2.0
/* On a frame of less spread than this, Lloyd's tolerance shrinks in
 * proportion: on a dark frame of a fade, moves under a level matter */
#define KMS_LOW_CONTRAST 25.0
/* The centroids follow a change of the frame's mean level (a fade, an
 * exposure swing) when a channel's gain changes by at least this, from
 * means of at least KMS_FOLLOW_FLOOR, and the scaled centroids fit the
 * frame better */
#define KMS_FOLLOW_MIN 0.03
#define KMS_FOLLOW_FLOOR 8.0
#define KMS_FOLLOW_POINTS 8192
/* The running error level follows each frame's error by this weight */
#define KMS_LEVEL_WEIGHT 0.2
/* ... and never goes below this MSE, so noise on a flat scene is no cut */
#define KMS_LEVEL_FLOOR 4.0

typedef gdouble Centroids[KMS_MAX_K][KMS_MAX_CHANNELS];

/* A set of weighted points a fit runs on: the frame's, or coarse cells */
typedef struct
{
  const KmsPoint *p;
  guint n;
} Points;

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

/* Centroids by channel, so that the distances of a point to several are
 * worked out in vector lanes (the nearest kernel) */
static void
lanes_set (KmsCentroidLanes * l, Centroids cent, guint k, guint nc)
{
  guint c, ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    for (c = 0; c < k; c++)
      l->c[ch][c] = ch < nc ? cent[c][ch] : 0;
}

/* Points searched per call of the nearest kernel, with their labels and
 * distances on the stack */
#define NEAREST_CHUNK 256

/* The nearest centroid of each of n points p[0], p[step], ...: the
 * level's kernel (the C one when the fit was given none), the same bits at
 * every level */
static inline void
search (KmsFit * fit, const KmsCentroidLanes * l, guint k,
    const KmsPoint * p, gsize n, gsize step, guint8 * label, gdouble * dist)
{
  (fit->nearest ? fit->nearest : kms_nearest_points_c) (l, k,
      fit->n_channels, p, n, step, label, dist);
}

static Points
frame_points (KmsFit * fit)
{
  Points pts = { fit->points, fit->n_points };

  return pts;
}

/* The frame's points as at most @max coarse cells */
static Points
coarse_points (KmsFit * fit, guint max)
{
  Points pts;

  pts.p = kms_coarse_build (&fit->coarse, fit->points, fit->n_points,
      fit->n_channels, max);
  pts.n = fit->coarse.n_points;
  return pts;
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
pick_weighted (KmsFit * fit, Points pts, const gdouble * f)
{
  gdouble total = 0;
  guint i;

  for (i = 0; i < pts.n; i++) {
    total += pts.p[i].w * (f ? f[i] : 1.0);
    fit->cum[i] = total;
  }
  return pick_cumulative (fit->cum, pts.n, rng_double (&fit->rng) * total);
}

/* The potential of the points with centroid c added, point_d updated when
 * @update, for @nc channels (constant in each copy, which unrolls the
 * distances) */
static inline __attribute__ ((always_inline)) gdouble
potential_with_nc (KmsFit * fit, Points pts, const gdouble * c,
    gboolean update, const guint nc)
{
  gdouble pot = 0;
  guint i;

  for (i = 0; i < pts.n; i++) {
    gdouble d = dist2 (pts.p[i].c, c, nc);

    if (d > fit->point_d[i])
      d = fit->point_d[i];
    else if (update)
      fit->point_d[i] = d;
    pot += d * pts.p[i].w;
  }
  return pot;
}

/* Update point_d for a new centroid; return the new total potential */
static gdouble
potential_with (KmsFit * fit, Points pts, const gdouble * c, gboolean update)
{
  const gdouble pot = fit->n_channels == 3 ?
      potential_with_nc (fit, pts, c, update, 3) :
      potential_with_nc (fit, pts, c, update, fit->n_channels);

  fit->evals += pts.n;
  return pot;
}

/* Distance evaluations of a greedy k-means++ seeding of k centroids */
static guint64
seeding_cost (guint n, guint k)
{
  return (guint64) n * k * (3 + (guint) log (k));
}

/* Greedy k-means++: centroids first..k-1 of @cent are added, each the best
 * of a few D²-weighted candidates. Centroids 0..first-1 must be set. */
static void
seed_kmeans_pp (KmsFit * fit, Points pts, Centroids cent, guint first,
    guint k)
{
  guint trials = 2 + (guint) log (k), c, t, i;

  if (first == 0) {
    guint p = pick_weighted (fit, pts, NULL);

    memcpy (cent[0], pts.p[p].c, sizeof (cent[0]));
    first = 1;
  }
  for (i = 0; i < pts.n; i++)
    fit->point_d[i] = G_MAXDOUBLE;
  for (c = 0; c < first; c++)
    potential_with (fit, pts, cent[c], TRUE);

  for (c = first; c < k; c++) {
    gdouble best_pot = G_MAXDOUBLE;
    guint best = 0;

    for (t = 0; t < trials; t++) {
      guint p = pick_weighted (fit, pts, fit->point_d);
      gdouble pot = potential_with (fit, pts, pts.p[p].c, FALSE);

      if (pot < best_pot) {
        best_pot = pot;
        best = p;
      }
    }
    /* When every point already sits on a centroid the draw degenerates to
     * point 0: a duplicate that stays empty, which is all there is to do */
    memcpy (cent[c], pts.p[best].c, sizeof (cent[0]));
    potential_with (fit, pts, cent[c], TRUE);
  }
}

/* k random points, distinct colours while there are enough */
static void
seed_random (KmsFit * fit, Points pts, Centroids cent, guint k)
{
  const guint nc = fit->n_channels;
  guint c, j, tries;

  for (c = 0; c < k; c++) {
    guint p = 0;

    for (tries = 0; tries < 64; tries++) {
      gboolean dup = FALSE;

      p = pick_weighted (fit, pts, NULL);
      for (j = 0; j < c && !dup; j++)
        dup = dist2 (cent[j], pts.p[p].c, nc) == 0;
      if (!dup)
        break;
    }
    memcpy (cent[c], pts.p[p].c, sizeof (cent[0]));
  }
}

static void
seed (KmsFit * fit, const KmsParams * params, Points pts, Centroids cent,
    guint k)
{
  if (params->init == KMS_INIT_RANDOM)
    seed_random (fit, pts, cent, k);
  else
    seed_kmeans_pp (fit, pts, cent, 0, k);
}

/* ------------------------------------------------------------------ */
/* Lloyd */

/* No limit to the evaluations of lloyd() */
#define NO_LIMIT G_MAXUINT64

/* Lloyd on @pts from @cent, at most @max_iters iterations, and only those
 * sure to leave fit->evals at most @limit (an iteration and its re-seeds
 * evaluate at most 2 x points x k distances). Returns the number of
 * iterations run; *converged (may be NULL) says whether the last one moved no centroid by
 * more than the tolerance. *first_err: the weighted squared error of the
 * centroids as they came in; *last_err: that of the last assignment (the
 * centroids' final move can only lower it, so it bounds their error: no
 * extra pass for it). Both untouched when no iteration ran. The clusters'
 * weights of the last assignment go to @weights (may be NULL). */
static guint
lloyd (KmsFit * fit, Points pts, Centroids cent, guint k, guint max_iters,
    guint64 limit, gdouble tolerance, gdouble * first_err,
    gdouble * last_err, gdouble * weights, gboolean * converged)
{
  const guint nc = fit->n_channels;
  const guint64 worst = 2 * (guint64) pts.n * k;
  KmsCentroidLanes lanes;
  guint8 lab[NEAREST_CHUNK];
  gdouble acc[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble wsum[KMS_MAX_K];
  guint it, i, i0, c, ch;

  if (converged)
    *converged = FALSE;
  for (it = 0; it < max_iters && (limit == NO_LIMIT ||
          (fit->evals <= limit && limit - fit->evals >= worst));) {
    gdouble max_move = 0;
    gboolean reseeded = FALSE;

    gdouble err = 0;

    memset (acc, 0, k * sizeof (acc[0]));
    memset (wsum, 0, k * sizeof (wsum[0]));

    lanes_set (&lanes, cent, k, nc);
    for (i0 = 0; i0 < pts.n; i0 += NEAREST_CHUNK) {
      const guint m = MIN (NEAREST_CHUNK, pts.n - i0);

      search (fit, &lanes, k, pts.p + i0, m, 1, lab, fit->point_d + i0);
      for (i = 0; i < m; i++) {
        const KmsPoint *p = &pts.p[i0 + i];
        const gdouble best = fit->point_d[i0 + i];
        const guint bl = lab[i];

        /* (three channels unrolled: the same sums) */
        if (nc == 3) {
          acc[bl][0] += p->c[0] * p->w;
          acc[bl][1] += p->c[1] * p->w;
          acc[bl][2] += p->c[2] * p->w;
        } else {
          for (ch = 0; ch < nc; ch++)
            acc[bl][ch] += p->c[ch] * p->w;
        }
        wsum[bl] += p->w;
        err += best * p->w;
      }
    }
    fit->evals += (guint64) pts.n * k;

    for (c = 0; c < k; c++) {
      gdouble next[KMS_MAX_CHANNELS] = { 0, };
      gdouble move;

      if (wsum[c] == 0)
        continue;
      for (ch = 0; ch < nc; ch++)
        next[ch] = acc[c][ch] / wsum[c];
      move = dist2 (next, cent[c], nc);
      max_move = MAX (max_move, move);
      memcpy (cent[c], next, sizeof (cent[0]));
    }

    /* Re-seed a dead cluster at the point worst served by its centroid */
    for (c = 0; c < k; c++) {
      gdouble worst = 0;
      guint wi = 0;

      if (wsum[c] != 0)
        continue;
      for (i = 0; i < pts.n; i++) {
        if (fit->point_d[i] > worst) {
          worst = fit->point_d[i];
          wi = i;
        }
      }
      if (worst == 0)
        break;                  /* every point sits on a centroid */
      memcpy (cent[c], pts.p[wi].c, sizeof (cent[0]));
      /* that point, and those nearer the new centroid, are served now */
      for (i = 0; i < pts.n; i++) {
        gdouble d = dist2 (pts.p[i].c, cent[c], nc);
        if (d < fit->point_d[i])
          fit->point_d[i] = d;
      }
      fit->evals += pts.n;
      reseeded = TRUE;
    }

    if (it == 0 && first_err)
      *first_err = err;
    if (last_err)
      *last_err = err;
    if (weights)
      memcpy (weights, wsum, k * sizeof (wsum[0]));
    it++;
    if (!reseeded && sqrt (max_move) <= tolerance) {
      if (converged)
        *converged = TRUE;
      break;
    }
  }
  return it;
}

/* Weighted sum of squared distances of the points to their nearest
 * centroid */
static gdouble
inertia_of (KmsFit * fit, Points pts, Centroids cent, guint k)
{
  KmsCentroidLanes lanes;
  guint8 lab[NEAREST_CHUNK];
  gdouble d[NEAREST_CHUNK];
  gdouble total = 0;
  guint i, i0;

  lanes_set (&lanes, cent, k, fit->n_channels);
  for (i0 = 0; i0 < pts.n; i0 += NEAREST_CHUNK) {
    const guint m = MIN (NEAREST_CHUNK, pts.n - i0);

    search (fit, &lanes, k, pts.p + i0, m, 1, lab, d);
    for (i = 0; i < m; i++)
      total += d[i] * pts.p[i0 + i].w;
  }
  fit->evals += (guint64) pts.n * k;
  return total;
}

/* The frame's weighted mean colour and its spread (root mean squared
 * distance of its colours to the mean, per channel); the points' total
 * weight goes to fit->total_w */
static gdouble
frame_stats (KmsFit * fit, gdouble mean[KMS_MAX_CHANNELS])
{
  const guint nc = fit->n_channels;
  /* one sum per channel: independent additions */
  gdouble s0 = 0, s1 = 0, s2 = 0, q0 = 0, q1 = 0, q2 = 0, w = 0, q;
  guint i;

  for (i = 0; i < fit->n_points; i++) {
    const KmsPoint *p = &fit->points[i];
    const gdouble a = p->w * p->c[0], b = p->w * p->c[1], c = p->w * p->c[2];

    s0 += a;
    s1 += b;
    s2 += c;
    q0 += a * p->c[0];
    q1 += b * p->c[1];
    q2 += c * p->c[2];
    w += p->w;
  }
  memset (mean, 0, KMS_MAX_CHANNELS * sizeof (gdouble));
  fit->total_w = w;
  if (w <= 0)
    return 0;
  /* (an unused channel is 0 in every point) */
  mean[0] = s0 / w;
  q = q0 - w * mean[0] * mean[0];
  if (nc > 1) {
    mean[1] = s1 / w;
    mean[2] = s2 / w;
    q += q1 - w * mean[1] * mean[1] + q2 - w * mean[2] * mean[2];
  }
  return sqrt (MAX (q, 0) / (w * nc));
}

/* This frame's Lloyd tolerance: the user's, but finer on a frame of
 * little contrast (a fade's dark frames), where moves under a level still
 * matter */
static void
set_tolerance (KmsFit * fit, const KmsParams * params, gdouble spread)
{
  fit->tol = params->tolerance * MIN (1.0, spread / KMS_LOW_CONTRAST);
}

/* The errors of two sets of centroids on the frame's points, in one pass
 * over at most about KMS_FOLLOW_POINTS of them (every n-th), scaled up to
 * the whole frame's weight */
static void
inertia_pair (KmsFit * fit, Centroids a, Centroids b, guint k, gdouble * ea,
    gdouble * eb)
{
  const guint nc = fit->n_channels;
  const guint step = MAX (1, fit->n_points / (guint) KMS_FOLLOW_POINTS);
  const guint n = (fit->n_points + step - 1) / step;
  KmsCentroidLanes la, lb;
  guint8 lab[NEAREST_CHUNK];
  gdouble da[NEAREST_CHUNK], db[NEAREST_CHUNK];
  gdouble ta = 0, tb = 0, w = 0, all;
  guint i, i0;

  lanes_set (&la, a, k, nc);
  lanes_set (&lb, b, k, nc);
  for (i0 = 0; i0 < n; i0 += NEAREST_CHUNK) {
    const guint m = MIN (NEAREST_CHUNK, n - i0);
    const KmsPoint *p = fit->points + (gsize) i0 * step;

    search (fit, &la, k, p, m, step, lab, da);
    search (fit, &lb, k, p, m, step, lab, db);
    for (i = 0; i < m; i++) {
      const gdouble pw = p[(gsize) i * step].w;

      ta += da[i] * pw;
      tb += db[i] * pw;
      w += pw;
    }
  }
  fit->evals += 2 * (guint64) ((fit->n_points + step - 1) / step) * k;
  all = fit->total_w;
  *ea = w > 0 ? ta * all / w : 0;
  *eb = w > 0 ? tb * all / w : 0;
}

/* Follow a global level change: scale the centroids by the change of the
 * frame's mean since the last frame with content (per channel around 0;
 * chroma around 128 by the gain of luma), so that a fade or an exposure
 * swing starts Lloyd where the optimum moved to. */
static gdouble
follow_level (KmsFit * fit, Centroids cent, guint k,
    const gdouble mean[KMS_MAX_CHANNELS], gboolean check)
{
  Centroids scaled;
  const guint nc = fit->n_channels;
  const gdouble floor_m = KMS_FOLLOW_FLOOR;
  gdouble gain[KMS_MAX_CHANNELS], all_old = 0, all_new = 0, g_all, dev = 0;
  guint c, ch, n_lum = fit->yuv ? 1 : nc;

  for (ch = 0; ch < n_lum; ch++) {
    all_old += fit->mean[ch];
    all_new += mean[ch];
  }
  if (all_old < floor_m * n_lum)
    return -1;
  g_all = all_new / all_old;
  for (ch = 0; ch < nc; ch++) {
    if (ch >= n_lum)
      gain[ch] = g_all;
    else if (fit->mean[ch] >= floor_m && mean[ch] >= floor_m)
      gain[ch] = mean[ch] / fit->mean[ch];
    else
      gain[ch] = g_all;
    gain[ch] = CLAMP (gain[ch], 0.25, 4.0);
    dev = MAX (dev, fabs (gain[ch] - 1));
  }
  fit->shift = dev;
  if (dev < KMS_FOLLOW_MIN)
    return -1;
  memcpy (scaled, cent, k * sizeof (scaled[0]));
  for (c = 0; c < k; c++)
    for (ch = 0; ch < nc; ch++) {
      const gdouble o = ch >= n_lum ? 128 : 0;

      scaled[c][ch] = CLAMP (o + gain[ch] * (cent[c][ch] - o), 0, 255);
    }
  if (check) {
    gdouble e0, e1;

    inertia_pair (fit, cent, scaled, k, &e0, &e1);

    if (e1 < e0)
      memcpy (cent, scaled, k * sizeof (scaled[0]));
    return e0;
  }
  memcpy (cent, scaled, k * sizeof (scaled[0]));
  return -1;
}

/* Change the number of clusters of a running stream: the first ones keep
 * their numbers; new ones are seeded by k-means++ around them. */
static void
resize_k (KmsFit * fit, guint k)
{
  if (k > fit->k)
    seed_kmeans_pp (fit, frame_points (fit), fit->cent, fit->k, k);
  fit->k = k;
}

/* A fresh fit, in a bounded time: the best of a few seeded fits on coarse
 * cells, then Lloyd on the points from it. One seeding can land in a poor
 * local optimum (measured on photos at k=8: up to 10% above a converged
 * K-means), so a few restarts are worth having; on at most
 * KMS_FRESH_CELLS cells and KMS_FRESH_PASSES passes over them they cost a
 * bounded, small time whatever the frame, and Lloyd on the points from
 * the best mostly has little left to do. Restarts run only while the
 * budget holds one more seeding and a few iterations; each one's Lloyd
 * stops at the budget. Returns the iterations on the points and their
 * weighted squared error in *err. */
static guint
fit_fresh (KmsFit * fit, const KmsParams * params, guint k,
    guint restarts, guint max_cells, guint passes, guint max_iters,
    gdouble * err)
{
  const Points pts = frame_points (fit);
  const Points cells = coarse_points (fit, max_cells);
  const guint64 pass = (guint64) cells.n * k;
  const guint64 budget = passes * pass;
  const guint64 start = fit->evals;
  Centroids best_cent;
  gdouble best = G_MAXDOUBLE, e;
  guint r, it;

  fit->k = k;
  for (r = 0; r < restarts; r++) {
    /* one more: its seeding and at least a few iterations */
    if (r > 0 && fit->evals - start + seeding_cost (cells.n, k) + 4 * pass >
        budget)
      break;
    seed (fit, params, cells, fit->cent, k);
    e = G_MAXDOUBLE;
    /* (max-iters 0 keeps the seeds; their error then costs a pass) */
    if (lloyd (fit, cells, fit->cent, k, params->max_iters == 0 ? 0 : 1000,
            start + budget - MIN (budget, pass),
            MAX (params->tolerance, KMS_CELLS_TOLERANCE), NULL, &e, NULL,
            NULL) == 0)
      e = inertia_of (fit, cells, fit->cent, k);
    if (e < best) {
      best = e;
      memcpy (best_cent, fit->cent, k * sizeof (fit->cent[0]));
    }
  }
  memcpy (fit->cent, best_cent, k * sizeof (fit->cent[0]));

  /* the ordinary Lloyd on the frame's points */
  it = lloyd (fit, pts, fit->cent, k, max_iters, NO_LIMIT,
      fit->tol, NULL, err, fit->weights, NULL);
  if (it == 0)
    *err = inertia_of (fit, pts, fit->cent, k);
  return it;
}

/* Renumber the centroids @fresh after the old ones @old into fit->cent:
 * each old number goes to the nearest fresh centroid, closest pairs first
 * (greedy), so that a re-initialised stream keeps what its cluster numbers
 * mean. */
static void
match_identity (KmsFit * fit, Centroids old_in, Centroids fresh_in, guint k)
{
  Centroids old, fresh;
  gboolean old_used[KMS_MAX_K] = { FALSE, }, new_used[KMS_MAX_K] = { FALSE, };
  guint n, a, b;

  /* (either may be fit->cent) */
  memcpy (old, old_in, k * sizeof (old[0]));
  memcpy (fresh, fresh_in, k * sizeof (fresh[0]));
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

/* The cells of refresh candidates: few enough that a k-means++ seeding on
 * them costs about half a pass over the frame's points */
static Points
candidate_cells (KmsFit * fit, guint k)
{
  return coarse_points (fit, MIN (KMS_FRESH_CELLS,
          MAX (KMS_REFRESH_MIN_CELLS,
              fit->n_points / (2 * (3 + (guint) log (k))))));
}

/* A frame of a refresh candidate, about KMS_REFRESH_PASSES passes over the
 * frame's points: on its first frame its seeding on coarse cells, and
 * until Lloyd there has converged, Lloyd on the cells with what is left of
 * the budget and one Lloyd iteration on the frame's points; after that,
 * Lloyd on the points. Returns its error on the frame's points (of its
 * last assignment there); *done when Lloyd on the points has converged. */
static gdouble
candidate_frame (KmsFit * fit, const KmsParams * params, guint k,
    gboolean first, gboolean * done)
{
  const Points pts = frame_points (fit);
  const guint64 budget = KMS_REFRESH_PASSES * (guint64) pts.n * k;
  const guint64 start = fit->evals;
  gdouble e = 0;

  if (first || !fit->cand_cells_done) {
    const Points cells = candidate_cells (fit, k);

    if (first)
      seed (fit, params, cells, fit->cand, k);
    /* with what is left after the iteration on the points */
    lloyd (fit, cells, fit->cand, k, 1000,
        start + budget - (guint64) pts.n * k,
        MAX (params->tolerance, KMS_CELLS_TOLERANCE), NULL, NULL, NULL,
        &fit->cand_cells_done);
    lloyd (fit, pts, fit->cand, k, 1, NO_LIMIT, fit->tol, NULL, &e,
        NULL, done);
  } else {
    lloyd (fit, pts, fit->cand, k, KMS_REFRESH_PASSES, NO_LIMIT,
        fit->tol, NULL, &e, NULL, done);
  }
  return e;
}

/* A warm frame: Lloyd from the previous centroids, with the checks that
 * keep a warm start from going stale. Returns the iterations run. */
guint
kms_fit_warm (KmsFit * fit, const KmsParams * params, guint k,
    gboolean * reinit, gboolean * cut)
{
  Centroids prev;
  gdouble total, scale, warm_err = 0, err, mean[KMS_MAX_CHANNELS], spread;
  gdouble unfollowed_err = -1;
  gboolean soft_cand = FALSE, soft_due, soft_shift;
  gboolean starved = FALSE, start, flat;
  guint c, ch, iters;

  *reinit = *cut = FALSE;
  spread = frame_stats (fit, mean);
  total = fit->total_w;
  /* errors per pixel and channel, comparable across frame sizes */
  scale = 1.0 / (total * fit->n_channels);

  if (k != fit->k) {
    resize_k (fit, k);
    fit->cand_active = FALSE;
  }
  if (params->max_iters == 0) {
    fit->cand_active = FALSE;
    return 0;                   /* the centroids are the user's to keep */
  }
  memcpy (prev, fit->cent, k * sizeof (prev[0]));
  flat = spread < KMS_FLAT_SPREAD;
  fit->shift = 0;
  set_tolerance (fit, params, spread);
  if (fit->has_mean && !flat) {
    unfollowed_err = follow_level (fit, fit->cent, k, mean, TRUE);
    if (fit->cand_active)
      follow_level (fit, fit->cand, k, mean, FALSE);
  }
  if (!flat) {
    memcpy (fit->mean, mean, sizeof (mean));
    fit->has_mean = TRUE;
  }

  /* a fast change of level: a fresh fit runs beside this one (below), and
   * both get as many iterations, which keeps the frame's time bounded */
  soft_due = params->refresh_interval > 0 && fit->frames > 0 &&
      fit->frames >= fit->last_soft + KMS_SOFT_GAP;
  soft_shift = soft_due && fit->shift >= KMS_SOFT_SHIFT;
  iters = lloyd (fit, frame_points (fit), fit->cent, k,
      soft_shift ? MIN (params->max_iters,
          KMS_SOFT_ITERS) : params->max_iters, NO_LIMIT, fit->tol, &warm_err,
      &err, fit->weights, NULL);
  /* Smoothed centroids lag behind a slow change, and their error grows
   * with it: test for a cut with the previous frame's centroids as fitted,
   * before smoothing */
  if (params->temporal_smoothing > 0 && fit->frames > 0 && fit->has_fitted)
    warm_err = inertia_of (fit, frame_points (fit), fit->fitted, k);
  else if (unfollowed_err >= 0)
    warm_err = unfollowed_err;
  warm_err *= scale;

  /* A scene cut: the old centroids fit the new frame far worse than they
   * fitted the recent ones. Refit on this frame, keeping the numbers. */
  if (params->scene_cut > 0 && fit->frames > 0 &&
      warm_err > params->scene_cut * MAX (fit->level, KMS_LEVEL_FLOOR)) {
    fit->cand_active = FALSE;
    iters = fit_fresh (fit, params, k, KMS_FRESH_RESTARTS, KMS_FRESH_CELLS,
        KMS_FRESH_PASSES, params->max_iters, &err);
    match_identity (fit, prev, fit->cent, k);
    memcpy (fit->fitted, fit->cent, k * sizeof (fit->cent[0]));
    *reinit = *cut = TRUE;
    fit->level = fit->drift_base = err * scale;
    fit->frames = 1;
    fit->last_refresh = 0;
    fit->last_soft = 0;
    return iters;
  }

  /* A frame the warm fit serves much worse than the recent ones, short of
   * a cut (a fast change of light or view): a bounded fresh fit beside it,
   * kept when clearly better */
  if (soft_shift || (soft_due &&
          err * scale > KMS_SOFT_RISE * MAX (fit->level, KMS_LEVEL_FLOOR))) {
    Centroids warm;
    gdouble warm_w[KMS_MAX_K], e2;
    guint it2;

    memcpy (warm, fit->cent, k * sizeof (warm[0]));
    memcpy (warm_w, fit->weights, k * sizeof (warm_w[0]));
    it2 = fit_fresh (fit, params, k, KMS_SOFT_RESTARTS, KMS_SOFT_CELLS,
        KMS_SOFT_PASSES, MIN (params->max_iters, KMS_SOFT_ITERS), &e2);
    fit->last_soft = fit->frames;
    if (e2 < (1 - KMS_REFRESH_GAIN) * err) {
      match_identity (fit, warm, fit->cent, k);
      err = e2;
      iters = it2;
      *reinit = TRUE;
      fit->cand_active = FALSE;
    } else {
      /* not yet: it goes on as a refresh candidate over the next frames */
      memcpy (fit->cand, fit->cent, k * sizeof (warm[0]));
      fit->cand_active = TRUE;
      fit->cand_cells_done = TRUE;
      fit->cand_frames = 0;
      fit->last_refresh = fit->frames;
      soft_cand = TRUE;
      memcpy (fit->cent, warm, k * sizeof (warm[0]));
      memcpy (fit->weights, warm_w, k * sizeof (warm_w[0]));
    }
  }

  for (c = 0; c < k; c++)
    starved |= fit->weights[c] < KMS_STARVED_SHARE * total / k;
  fit->drift_base = MIN (fit->drift_base, fit->level);
  /* (never on the first frame of a warm start: a palette just seeded is
   * the user's to start from) */
  start = !fit->cand_active && fit->frames > 0 &&
      params->refresh_interval > 0 &&
      (fit->frames % params->refresh_interval == 0 ||
      (starved && fit->frames >= fit->last_refresh + KMS_STARVED_GAP) ||
      (fit->frames >= fit->last_refresh + KMS_DRIFT_GAP &&
          fit->level > (1 + KMS_DRIFT_RISE) * MAX (fit->drift_base,
              KMS_LEVEL_FLOOR)));
  if (params->refresh_interval == 0)
    fit->cand_active = FALSE;

  /* Now and then, when a cluster starves and when the error drifts up, a
   * candidate fitted over the next frames competes with the warm fit and
   * replaces it when clearly better: a warm start can sit in a poor
   * optimum for ever (a clip opening on black) */
  if ((start || fit->cand_active) && !soft_cand) {
    gboolean converged;
    gdouble cand_err;

    if (start) {
      fit->last_refresh = fit->frames;
      fit->cand_active = TRUE;
      fit->cand_cells_done = FALSE;
      fit->cand_frames = 0;
    }
    cand_err = candidate_frame (fit, params, k, start, &converged);
    fit->cand_frames++;
    if (cand_err < (1 - KMS_REFRESH_GAIN) * err) {
      match_identity (fit, fit->cent, fit->cand, k);
      err = cand_err;
      *reinit = TRUE;
      fit->cand_active = FALSE;
    } else if (converged || fit->cand_frames >= KMS_REFRESH_FRAMES) {
      fit->cand_active = FALSE;
    }
    if (!fit->cand_active)
      fit->drift_base = err * scale;
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
    fit->level = fit->drift_base = err * scale;
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

  gdouble mean[KMS_MAX_CHANNELS], spread;

  fit->n_channels = info->n_channels;
  fit->yuv = info->yuv;
  fit->rng = params->seed;
  spread = frame_stats (fit, mean);
  set_tolerance (fit, params, spread);
  memcpy (fit->mean, mean, sizeof (mean));
  fit->has_mean = spread >= KMS_FLAT_SPREAD;
  iters = fit_fresh (fit, params, k, KMS_FRESH_RESTARTS, KMS_FRESH_CELLS,
      KMS_FRESH_PASSES, params->max_iters, &err);
  sort_by_luma (fit, info, k);
  fit->level = fit->drift_base = err / (fit->total_w * fit->n_channels);
  fit->frames = 1;
  fit->last_refresh = 0;
  fit->last_soft = 0;
  fit->cand_active = FALSE;
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
  fit->last_soft = 0;
  fit->cand_active = FALSE;
  fit->has_mean = FALSE;
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
  fit->last_soft = 0;
  fit->cand_active = FALSE;
  fit->has_mean = FALSE;
}

void
kms_fit_clear (KmsFit * fit)
{
  g_free (fit->point_d);
  g_free (fit->cum);
  kms_coarse_clear (&fit->coarse);
  memset (fit, 0, sizeof (*fit));
}

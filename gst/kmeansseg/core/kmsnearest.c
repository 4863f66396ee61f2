/* kmeansseg: the nearest centroid to each of a run of weighted points
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

/* This file is compiled once per CPU level (see meson.build): KMS_SUFFIX
 * names its entry point, and the level's flags let the compiler vectorise
 * the loops for it.
 *
 * The fit (kmsfit.c) runs Lloyd, its error sums and the scene-cut tests on
 * a few thousand weighted points (histogram cells), in double precision:
 * this is the search they all share. A block of points goes through the
 * centroids one at a time, each point's best distance and label kept in
 * lanes, so the vectoriser works across points (a blend for the strict
 * "nearer" test) rather than across centroids (where the search for the
 * least of k values stays scalar). Each distance is the same expression in
 * the same order at every level, IEEE double arithmetic with no
 * contraction into FMA (-ffp-contract=off), and the strict test keeps the
 * lowest index of equally near centroids: every level gives the bits of
 * the C level. */

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

/* Points per block: their coordinates, distances and labels stay in L1 */
#define BLOCK 64

void
PASTE (kms_nearest_points_, KMS_SUFFIX) (const KmsCentroidLanes * lanes,
    guint k, guint nc, const KmsPoint * p, gsize n, gsize step,
    guint8 * label, gdouble * dist)
{
  gdouble x0[BLOCK], x1[BLOCK], x2[BLOCK], best[BLOCK];
  /* as wide as the distances: one mask serves both blends */
  gint64 lab[BLOCK];
  gsize i0;
  guint c, i;

  g_assert (k >= 1 && k <= KMS_MAX_K && (nc == 1 || nc == 3));

  for (i0 = 0; i0 < n; i0 += BLOCK) {
    const guint m = (guint) MIN ((gsize) BLOCK, n - i0);
    const KmsPoint *q = p + i0 * step;

    /* the block's coordinates; a short last block computes on zeros */
    for (i = 0; i < m; i++) {
      x0[i] = q[i * step].c[0];
      x1[i] = q[i * step].c[1];
      x2[i] = q[i * step].c[2];
    }
    for (; i < BLOCK; i++)
      x0[i] = x1[i] = x2[i] = 0;

    if (nc == 3) {
      const gdouble a0 = lanes->c[0][0], a1 = lanes->c[1][0],
          a2 = lanes->c[2][0];

      for (i = 0; i < BLOCK; i++) {
        const gdouble t0 = x0[i] - a0, t1 = x1[i] - a1, t2 = x2[i] - a2;

        best[i] = t0 * t0 + t1 * t1 + t2 * t2;
        lab[i] = 0;
      }
      for (c = 1; c < k; c++) {
        const gdouble b0 = lanes->c[0][c], b1 = lanes->c[1][c],
            b2 = lanes->c[2][c];

        for (i = 0; i < BLOCK; i++) {
          const gdouble t0 = x0[i] - b0, t1 = x1[i] - b1, t2 = x2[i] - b2;
          const gdouble d = t0 * t0 + t1 * t1 + t2 * t2;

          /* all ones where nearer: a blend, not a masked store */
          const gint64 nearer = -(gint64) (d < best[i]);

          lab[i] = (lab[i] & ~nearer) | ((gint64) c & nearer);
          best[i] = d < best[i] ? d : best[i];
        }
      }
    } else {
      const gdouble a0 = lanes->c[0][0];

      for (i = 0; i < BLOCK; i++) {
        const gdouble t0 = x0[i] - a0;

        best[i] = t0 * t0;
        lab[i] = 0;
      }
      for (c = 1; c < k; c++) {
        const gdouble b0 = lanes->c[0][c];

        for (i = 0; i < BLOCK; i++) {
          const gdouble t0 = x0[i] - b0;
          const gdouble d = t0 * t0;

          /* all ones where nearer: a blend, not a masked store */
          const gint64 nearer = -(gint64) (d < best[i]);

          lab[i] = (lab[i] & ~nearer) | ((gint64) c & nearer);
          best[i] = d < best[i] ? d : best[i];
        }
      }
    }

    for (i = 0; i < m; i++) {
      label[i0 + i] = (guint8) lab[i];
      dist[i0 + i] = best[i];
    }
  }
}

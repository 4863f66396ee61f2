/* kmeansseg: the centroids that can be nearest to each colour cell
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

/* The colour cube is cut into cells of 2^KMS_CELL_SHIFT levels per
 * channel. For each cell, a bit set of the centroids that can be nearest
 * to some colour of the cell (or tie with the nearest), and, with a
 * hysteresis margin, also those that can be within the margin of the
 * nearest: any other centroid is farther from every colour of the cell.
 * The test is exact for two centroids: the difference of the squared
 * distances to them is linear in the colour, so its extremes over a box
 * are at corners.
 *
 * The table is filled top down, as an octree: the whole cube first, then
 * each box that still has more than one candidate is split in eight, and
 * only its candidates are tried on the halves (a centroid that cannot be
 * nearest anywhere in a box cannot be in a part of it). Most of the cube
 * is settled in large boxes; only the cells that a boundary between two
 * clusters crosses go down to the cell size. */

#include <math.h>

#include "kmsdsp.h"

typedef struct
{
  const KmsAssignPalette *pal;
  guint n_channels;
  gfloat margin;
  guint64 *cells;
} Build;

/* The box of cells [lo, lo + size) on each used channel, in levels */
static void
node (const Build * b, const guint lo[KMS_MAX_CHANNELS], guint size,
    const guint8 * cand, guint n_cand)
{
  const KmsAssignPalette *pal = b->pal;
  gint32 blo[KMS_MAX_CHANNELS], bhi[KMS_MAX_CHANNELS];
  gint32 best_d = G_MAXINT32, ref_far = 0, slack = 0;
  guint8 next[KMS_CELL_MAX_K];
  guint i, ch, n_next = 0, ref = cand[0];
  guint64 bits = 0;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    /* an unused channel is 0 in every pixel and centroid */
    blo[ch] = ch < b->n_channels ? (gint32) (lo[ch] << KMS_CELL_SHIFT) : 0;
    bhi[ch] = ch < b->n_channels ?
        (gint32) (((lo[ch] + size) << KMS_CELL_SHIFT) - 1) : 0;
  }

  /* the candidate nearest to the box's centre (twice the centre, to
   * stay in integers) */
  for (i = 0; i < n_cand; i++) {
    const guint c = cand[i];
    gint32 d = 0;

    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      const gint32 e = blo[ch] + bhi[ch] - 2 * pal->c[ch][c];

      d += e * e;
    }
    if (d < best_d) {
      best_d = d;
      ref = c;
    }
  }
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    const gint32 p = pal->c[ch][ref];
    const gint32 f = MAX (p - blo[ch], bhi[ch] - p);

    ref_far += f * f;
  }
  if (b->margin > 0) {
    /* how much farther than the reference a centroid must be everywhere
     * in the box (in squared distance) to be beyond the margin: d >
     * (sqrt (d_ref) + margin)^2 for d_ref up to ref_far, with room for
     * the rounding of the float test in kmsassign.c */
    const gdouble m = b->margin;

    slack = (gint32) ceil (2 * m * sqrt ((gdouble) ref_far) + m * m) + 2;
  }

  /* d_c - d_ref is linear in the colour: its minimum over the box is at a
   * corner, per channel. A centroid whose minimum exceeds the slack is
   * farther than the reference (by the margin) from every colour of the
   * box: never nearest, never tied, never kept. */
  for (i = 0; i < n_cand; i++) {
    const guint c = cand[i];
    gint32 lo_diff = 0;

    if (c != ref) {
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        const gint32 a = pal->c[ch][ref], q = pal->c[ch][c];
        /* (x - q)^2 - (x - a)^2 = (a - q) (2x - a - q) */
        const gint32 x = a - q > 0 ? blo[ch] : bhi[ch];

        lo_diff += (a - q) * (2 * x - a - q);
      }
      if (lo_diff > slack)
        continue;
    }
    next[n_next++] = c;
    bits |= G_GUINT64_CONSTANT (1) << c;
  }

  if (n_next > 1 && size > 1) {
    const guint half = size / 2;
    guint sub[KMS_MAX_CHANNELS], o;

    /* the eight halves (fewer when a channel is unused) */
    for (o = 0; o < 8; o++) {
      gboolean skip = FALSE;

      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        const guint up = (o >> ch) & 1;

        skip |= up && ch >= b->n_channels;
        sub[ch] = lo[ch] + (ch < b->n_channels ? up * half : 0);
      }
      if (!skip)
        node (b, sub, half, next, n_next);
    }
    return;
  }

  /* settled (or a single cell): fill its cells, only index 0 on an
   * unused channel */
  {
    const guint s0 = b->n_channels > 0 ? size : 1;
    const guint s1 = b->n_channels > 1 ? size : 1;
    const guint s2 = b->n_channels > 2 ? size : 1;
    guint i0, i1, i2;

    for (i0 = 0; i0 < s0; i0++)
      for (i1 = 0; i1 < s1; i1++) {
        guint64 *row = b->cells + (((lo[0] + i0) << (2 * KMS_CELL_BITS)) |
            ((lo[1] + i1) << KMS_CELL_BITS) | lo[2]);

        for (i2 = 0; i2 < s2; i2++)
          row[i2] = bits;
      }
  }
}

void
kms_assign_build_cells (const KmsAssignPalette * pal, guint n_channels,
    gfloat margin, guint64 * cells)
{
  const guint lo[KMS_MAX_CHANNELS] = { 0, 0, 0 };
  guint8 all[KMS_CELL_MAX_K];
  Build b;
  guint i;

  g_return_if_fail (pal->k >= 1 && pal->k <= KMS_CELL_MAX_K);
  g_return_if_fail (n_channels >= 1 && n_channels <= KMS_MAX_CHANNELS);

  b.pal = pal;
  b.n_channels = n_channels;
  b.margin = margin;
  b.cells = cells;
  for (i = 0; i < pal->k; i++)
    all[i] = (guint8) i;
  node (&b, lo, 1u << KMS_CELL_BITS, all, pal->k);
}

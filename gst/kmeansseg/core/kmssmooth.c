/* kmeansseg: spatial smoothing of label maps (3x3 majority)
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
 * the loops for it. The labels written do not depend on the level.
 *
 * One pass of the 3x3 majority (mode) filter: a pixel takes the label that
 * most of the nine pixels of its 3x3 window hold, and keeps its own on a
 * tie with it; between other labels tied for the most, the lowest number
 * wins. Outside the map the edge pixels repeat.
 *
 * The centre holds 1 + s of the nine, s the neighbours that share its
 * label; another label holds at most 8 - s, which beats 1 + s only when
 * s <= 3. So most pixels are decided by counting s alone (a few byte
 * compares the vectoriser turns into vector compares), and only those
 * with s <= 3 (speckle and boundaries) look at the whole window.
 *
 * For each pixel it relabels, it also gives how many more of its
 * neighbours hold the new label than its own (the new label's count less
 * 1 + s, plus 1), which the strength check weighs; 0 for the others. */

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

/* pixels the vector loop decides at once */
#define CHUNK 32

/* Another label of the window takes over from the best so far when it
 * holds more, or as many as a best that is not the centre's and it is a
 * lower number */
#define MAJORITY_STEP(v, n) G_STMT_START {                                  \
  const gboolean take = (n) > best_n ||                                     \
      ((n) == best_n && best != v4 && (v) < best);                           \
  best = take ? (v) : best;                                                 \
  best_n = take ? (n) : best_n;                                             \
} G_STMT_END

/* The majority of the nine labels v0..v8 (v4 the centre), with no branch:
 * each label's count from the 36 pairs, then the best in window order;
 * into @more, the new label's neighbours less the centre's own (0 when
 * it keeps its label) */
static inline __attribute__ ((always_inline)) guint8
majority9 (const guint8 v0, const guint8 v1, const guint8 v2,
    const guint8 v3, const guint8 v4, const guint8 v5, const guint8 v6,
    const guint8 v7, const guint8 v8, guint8 * more)
{
  const guint8 e01 = v0 == v1;
  const guint8 e02 = v0 == v2;
  const guint8 e03 = v0 == v3;
  const guint8 e04 = v0 == v4;
  const guint8 e05 = v0 == v5;
  const guint8 e06 = v0 == v6;
  const guint8 e07 = v0 == v7;
  const guint8 e08 = v0 == v8;
  const guint8 e12 = v1 == v2;
  const guint8 e13 = v1 == v3;
  const guint8 e14 = v1 == v4;
  const guint8 e15 = v1 == v5;
  const guint8 e16 = v1 == v6;
  const guint8 e17 = v1 == v7;
  const guint8 e18 = v1 == v8;
  const guint8 e23 = v2 == v3;
  const guint8 e24 = v2 == v4;
  const guint8 e25 = v2 == v5;
  const guint8 e26 = v2 == v6;
  const guint8 e27 = v2 == v7;
  const guint8 e28 = v2 == v8;
  const guint8 e34 = v3 == v4;
  const guint8 e35 = v3 == v5;
  const guint8 e36 = v3 == v6;
  const guint8 e37 = v3 == v7;
  const guint8 e38 = v3 == v8;
  const guint8 e45 = v4 == v5;
  const guint8 e46 = v4 == v6;
  const guint8 e47 = v4 == v7;
  const guint8 e48 = v4 == v8;
  const guint8 e56 = v5 == v6;
  const guint8 e57 = v5 == v7;
  const guint8 e58 = v5 == v8;
  const guint8 e67 = v6 == v7;
  const guint8 e68 = v6 == v8;
  const guint8 e78 = v7 == v8;
  const guint8 n0 = 1 + e01 + e02 + e03 + e04 + e05 + e06 + e07 + e08;
  const guint8 n1 = 1 + e01 + e12 + e13 + e14 + e15 + e16 + e17 + e18;
  const guint8 n2 = 1 + e02 + e12 + e23 + e24 + e25 + e26 + e27 + e28;
  const guint8 n3 = 1 + e03 + e13 + e23 + e34 + e35 + e36 + e37 + e38;
  const guint8 n4 = 1 + e04 + e14 + e24 + e34 + e45 + e46 + e47 + e48;
  const guint8 n5 = 1 + e05 + e15 + e25 + e35 + e45 + e56 + e57 + e58;
  const guint8 n6 = 1 + e06 + e16 + e26 + e36 + e46 + e56 + e67 + e68;
  const guint8 n7 = 1 + e07 + e17 + e27 + e37 + e47 + e57 + e67 + e78;
  const guint8 n8 = 1 + e08 + e18 + e28 + e38 + e48 + e58 + e68 + e78;
  guint8 best = v4, best_n = n4;

  MAJORITY_STEP (v0, n0);
  MAJORITY_STEP (v1, n1);
  MAJORITY_STEP (v2, n2);
  MAJORITY_STEP (v3, n3);
  MAJORITY_STEP (v5, n5);
  MAJORITY_STEP (v6, n6);
  MAJORITY_STEP (v7, n7);
  MAJORITY_STEP (v8, n8);
  /* best_n counts no centre when best is not its label */
  *more = best != v4 ? best_n + 1 - n4 : 0;
  return best;
}

/* Pixel x of the row, neighbours clamped to the row */
static inline guint8
smooth_pixel (const guint8 * a, const guint8 * c, const guint8 * b, gint x,
    gint width, guint8 * more)
{
  const gint l = MAX (x - 1, 0), r = MIN (x + 1, width - 1);

  return majority9 (a[l], a[x], a[r], c[l], c[x], c[r], b[l], b[x], b[r], more);
}

/* Pixels x0 .. x0 + CHUNK - 1 (all with both neighbours in the row) */
static inline __attribute__ ((always_inline)) void
smooth_chunk (const guint8 * a, const guint8 * c, const guint8 * b,
    guint8 * __restrict dst, guint8 * __restrict more, gint x0)
{
  guint8 any = 0;
  gint i;

  /* most chunks: every pixel shares its label with 4 or more of its
   * neighbours, and keeps it */
  for (i = 0; i < CHUNK; i++) {
    const gint x = x0 + i;
    const guint8 v = c[x];
    const guint8 n = (a[x - 1] == v) + (a[x] == v) + (a[x + 1] == v) +
        (c[x - 1] == v) + (c[x + 1] == v) +
        (b[x - 1] == v) + (b[x] == v) + (b[x + 1] == v);

    any |= n < 4;
    dst[x] = v;
    more[x] = 0;
  }
  if (G_LIKELY (!any))
    return;
  /* the others: the whole window, every pixel of the chunk at once */
  for (i = 0; i < CHUNK; i++) {
    const gint x = x0 + i;

    dst[x] = majority9 (a[x - 1], a[x], a[x + 1], c[x - 1], c[x],
        c[x + 1], b[x - 1], b[x], b[x + 1], &more[x]);
  }
}

void PASTE (kms_smooth_row_, KMS_SUFFIX) (const guint8 * a, const guint8 * c,
    const guint8 * b, guint8 * __restrict dst, guint8 * __restrict more,
    gint width)
{
  gint x0, x;

  if (width <= 0)
    return;
  if (width < CHUNK + 2) {
    for (x = 0; x < width; x++)
      dst[x] = smooth_pixel (a, c, b, x, width, &more[x]);
    return;
  }
  dst[0] = smooth_pixel (a, c, b, 0, width, &more[0]);
  for (x0 = 1; x0 + CHUNK < width; x0 += CHUNK)
    smooth_chunk (a, c, b, dst, more, x0);
  /* the rest: the last chunk again, overlapping (each pixel's label
   * depends on the source only) */
  if (x0 < width - 1)
    smooth_chunk (a, c, b, dst, more, width - 1 - CHUNK);
  dst[width - 1] = smooth_pixel (a, c, b, width - 1, width,
      &more[width - 1]);
}

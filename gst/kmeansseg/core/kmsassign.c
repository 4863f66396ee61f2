/* kmeansseg: exact nearest-colour assignment
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
 * names the entry points, and the level's flags let the compiler vectorise
 * the loops for it. The loops are written so that the
 * compiler vectorises them across pixels, with the centroid broadcast; all
 * arithmetic is exact integer, so every build gives the same labels.
 *
 * Pixels go in blocks of BLOCK along the row. For larger k, a block's
 * colour bounding box prunes the centroids (as inverse-colormap code does):
 * a centroid whose nearest possible distance to the box exceeds the
 * smallest farthest possible distance of any centroid cannot be nearest to
 * any pixel of the block, nor tie with the nearest. */

#include <math.h>
#include <string.h>

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)
#define ASSIGN_ROW PASTE (kms_assign_row_, KMS_SUFFIX)
#define ASSIGN_PAINT_ROW32 PASTE (kms_assign_paint_row32_, KMS_SUFFIX)

#define BLOCK 32
/* Below this k there is nothing to prune */
#define PRUNE_MIN_K 2

/* Every helper is inlined into the entry points */
#define INLINE static inline __attribute__ ((always_inline))

/* One block's channels, widened to 16 bits */
typedef struct
{
  guint16 x[KMS_MAX_CHANNELS][BLOCK];
  guint16 prev[BLOCK];          /* hysteresis: the last frame's labels */
} Block;

/* The centroids that can be nearest to some pixel of the block */
INLINE guint
prune (const KmsAssignPalette * pal, const Block * blk, const gfloat * margin,
    guint8 * cand)
{
  gint32 dmin[KMS_MAX_K], dmax[KMS_MAX_K];
  guint64 bits[KMS_MAX_K / 64];
  guint16 lo0 = 255, lo1 = 255, lo2 = 255, hi0 = 0, hi1 = 0, hi2 = 0;
  const guint k = pal->k;
  guint i, w, n_cand = 0;
  gint32 bound;
  gint j;

  for (j = 0; j < BLOCK; j++) {
    lo0 = MIN (lo0, blk->x[0][j]);
    hi0 = MAX (hi0, blk->x[0][j]);
    lo1 = MIN (lo1, blk->x[1][j]);
    hi1 = MAX (hi1, blk->x[1][j]);
    lo2 = MIN (lo2, blk->x[2][j]);
    hi2 = MAX (hi2, blk->x[2][j]);
  }

  bound = G_MAXINT32;
  for (i = 0; i < k; i++) {
    gint32 p0 = pal->c[0][i], p1 = pal->c[1][i], p2 = pal->c[2][i];
    /* distance to the box along each axis (0 inside) */
    gint32 e0 = MAX (0, MAX (lo0 - p0, p0 - hi0));
    gint32 e1 = MAX (0, MAX (lo1 - p1, p1 - hi1));
    gint32 e2 = MAX (0, MAX (lo2 - p2, p2 - hi2));
    /* distance to the farthest corner */
    gint32 f0 = MAX (p0 - lo0, hi0 - p0);
    gint32 f1 = MAX (p1 - lo1, hi1 - p1);
    gint32 f2 = MAX (p2 - lo2, hi2 - p2);

    dmin[i] = e0 * e0 + e1 * e1 + e2 * e2;
    dmax[i] = f0 * f0 + f1 * f1 + f2 * f2;
    bound = MIN (bound, dmax[i]);
  }

  /* The candidates, as bits: those that can be nearest ... */
  for (w = 0; w < (k + 63) / 64; w++) {
    guint n = MIN (64, k - 64 * w);

    bits[w] = 0;
    for (i = 0; i < n; i++)
      bits[w] |= (guint64) (dmin[64 * w + i] <= bound) << i;
  }

  /* ... and, with hysteresis, the block's previous labels that can be
   * within the margin of the nearest (widened bound: wider is safe) */
  if (margin) {
    gfloat b = sqrtf ((gfloat) bound) + *margin;
    gint32 wide = b * b >= (gfloat) (G_MAXINT32 / 2) ? G_MAXINT32 / 2 :
        (gint32) ceilf (b * b) + 1;
    guint16 p0 = blk->prev[0], same = 0;

    for (j = 0; j < BLOCK; j++)
      same |= blk->prev[j] != p0;
    if (!same) {
      if (p0 < k && dmin[p0] <= wide)
        bits[p0 / 64] |= G_GUINT64_CONSTANT (1) << (p0 % 64);
    } else {
      for (j = 0; j < BLOCK; j++) {
        guint p = blk->prev[j];

        if (p < k && dmin[p] <= wide)
          bits[p / 64] |= G_GUINT64_CONSTANT (1) << (p % 64);
      }
    }
  }

  /* Compact, in increasing order: a few set bits, found by ctz */
  for (w = 0; w < (k + 63) / 64; w++) {
    guint64 m = bits[w];

    while (m) {
      cand[n_cand++] = (guint8) (64 * w + __builtin_ctzll (m));
      m &= m - 1;
    }
  }
  return n_cand;
}

/* Hysteresis: keep the previous label when it was a candidate and is no
 * more than the margin farther (Euclidean) than the nearest. float, the
 * same in every build (IEEE sqrt and products, no contraction here). Every
 * block, without first testing whether any pixel needs it: that test goes
 * either way with the picture, and its mispredictions cost more than the
 * loop (1080p, k = 8, vectorised path: 2-3% a frame). */
INLINE void
keep_previous (const Block * blk, const gfloat * margin, const guint16 * found,
    const guint32 * dprev, guint16 * lab, guint32 * best)
{
  gint j;

  /* bitwise, not short-circuit: the loop vectorises */
  for (j = 0; j < BLOCK; j++) {
    const gfloat lim = sqrtf ((gfloat) best[j]) + *margin;
    const guint16 keep = found[j] & (blk->prev[j] != lab[j]) &
        ((gfloat) dprev[j] <= lim * lim);

    lab[j] = keep ? blk->prev[j] : lab[j];
    best[j] = keep ? dprev[j] : best[j];
  }
}

/* The block's pixels against the listed candidates, in increasing index
 * order so that a tie keeps the lower index; fixed size, so every loop
 * vectorises. Each pixel's distance is added to acc[], which the caller
 * reduces once per row (a horizontal sum per block costs as much as a
 * scan). With @margin, hysteresis against blk->prev.
 *
 * The fast scan runs in 16-bit lanes (twice the pixels per vector): a
 * channel difference is within +-255, so its square (<= 65025) is exact
 * modulo 2^16, and the sums saturate at 65535. Only a pixel 256 or more
 * levels from every candidate (or from its previous label) saturates; then
 * the block is scanned again in 32 bits, so the labels are always the
 * exact ones. */
INLINE void
scan (const KmsAssignPalette * pal, const guint8 * cand, guint n_cand,
    const Block * blk, const gfloat * margin, guint16 * lab, guint32 * acc)
{
  const guint16 *x0 = blk->x[0], *x1 = blk->x[1], *x2 = blk->x[2];
  const guint16 *prev = blk->prev;
  guint16 best16[BLOCK], dprev16[BLOCK], found[BLOCK], farthest = 0;
  guint32 best[BLOCK], dprev[BLOCK];
  guint i;
  gint j;

  if (n_cand == 1) {
    /* nothing to compare (a previous label elsewhere was pruned: it is
     * beyond the margin): the distances, for the error, and done */
    const gint32 r = pal->c[0][cand[0]], g = pal->c[1][cand[0]],
        b = pal->c[2][cand[0]];

    for (j = 0; j < BLOCK; j++) {
      gint32 d0 = x0[j] - r, d1 = x1[j] - g, d2 = x2[j] - b;

      acc[j] += d0 * d0 + d1 * d1 + d2 * d2;
      lab[j] = cand[0];
    }
    return;
  }

  for (j = 0; j < BLOCK; j++) {
    best16[j] = G_MAXUINT16;
    dprev16[j] = G_MAXUINT16;
    found[j] = 0;
    lab[j] = 0;
  }
  for (i = 0; i < n_cand; i++) {
    const guint16 id = cand[i];
    const guint16 r = pal->c[0][id], g = pal->c[1][id], b = pal->c[2][id];

    for (j = 0; j < BLOCK; j++) {
      guint16 d0 = x0[j] - r, d1 = x1[j] - g, d2 = x2[j] - b;
      /* products in 32 bits (a guint16 promotes to int, where 65535^2
       * overflows), kept modulo 2^16 */
      guint16 s0 = (guint32) d0 * d0, s1 = (guint32) d1 * d1,
          s2 = (guint32) d2 * d2;
      guint16 d = s0 + s1;

      d = d < s0 ? G_MAXUINT16 : d;
      s2 += d;
      d = s2 < d ? G_MAXUINT16 : s2;
      lab[j] = d < best16[j] ? id : lab[j];
      best16[j] = d < best16[j] ? d : best16[j];
      if (margin) {
        dprev16[j] = prev[j] == id ? d : dprev16[j];
        found[j] |= prev[j] == id;
      }
    }
  }
  if (margin)
    for (j = 0; j < BLOCK; j++)
      farthest = MAX (farthest, MAX (best16[j],
              (guint16) (dprev16[j] & (guint16) - found[j])));
  else
    for (j = 0; j < BLOCK; j++)
      farthest = MAX (farthest, best16[j]);

  if (G_LIKELY (farthest < G_MAXUINT16)) {
    for (j = 0; j < BLOCK; j++) {
      best[j] = best16[j];
      dprev[j] = dprev16[j];
    }
  } else {
    for (j = 0; j < BLOCK; j++) {
      best[j] = G_MAXUINT32;
      dprev[j] = G_MAXUINT32;
      lab[j] = 0;
    }
    for (i = 0; i < n_cand; i++) {
      const gint32 id = cand[i];
      const gint32 r = pal->c[0][id], g = pal->c[1][id], b = pal->c[2][id];

      for (j = 0; j < BLOCK; j++) {
        gint32 d0 = x0[j] - r, d1 = x1[j] - g, d2 = x2[j] - b;
        guint32 d = d0 * d0 + d1 * d1 + d2 * d2;

        lab[j] = d < best[j] ? id : lab[j];
        best[j] = d < best[j] ? d : best[j];
        if (margin)
          dprev[j] = prev[j] == id ? d : dprev[j];
      }
    }
  }
  if (margin)
    keep_previous (blk, margin, found, dprev, lab, best);
  for (j = 0; j < BLOCK; j++)
    acc[j] += best[j];
}

/* The candidates of a block from the cell table: every centroid that can
 * be nearest (or within the margin) in a cell of one of its pixels */
INLINE guint
cell_candidates (const KmsAssignPalette * pal, const Block * blk,
    guint8 * cand)
{
  const guint64 used = pal->k >= 64 ? G_MAXUINT64 :
      (G_GUINT64_CONSTANT (1) << pal->k) - 1;
  const guint64 *restrict cells = pal->cells;
  guint32 idx[BLOCK];
  guint64 bits = 0;
  guint n_cand = 0;
  gint j;

  for (j = 0; j < BLOCK; j++)
    idx[j] =
        ((guint32) (blk->x[0][j] >> KMS_CELL_SHIFT) << (2 * KMS_CELL_BITS)) |
        ((guint32) (blk->x[1][j] >> KMS_CELL_SHIFT) << KMS_CELL_BITS) |
        (guint32) (blk->x[2][j] >> KMS_CELL_SHIFT);
  /* one load per pixel: the table is small and in cache, where scalar
   * loads beat a vector gather (the empty asm keeps the loop scalar) */
  for (j = 0; j < BLOCK; j++) {
    bits |= cells[idx[j]];
    __asm__ ("":"+r" (bits));
  }
  bits &= used;
  while (bits) {
    cand[n_cand++] = (guint8) __builtin_ctzll (bits);
    bits &= bits - 1;
  }
  return n_cand;
}

/* The block's previous labels, when hysteresis needs them */
INLINE void
load_prev (Block * blk, const guint8 * prev, gint n)
{
  gint j;

  if (G_LIKELY (n == BLOCK))
    for (j = 0; j < BLOCK; j++)
      blk->prev[j] = prev[j];
  else
    for (j = 0; j < BLOCK; j++)
      blk->prev[j] = prev[MIN (j, n - 1)];
}

/* Label one block of n pixels (padded to BLOCK) whose previous labels are
 * at @prev: returns the candidates (in cand[], or all[]) */
INLINE const guint8 *
label_block (const KmsAssignPalette * pal, const guint8 * all, Block * blk,
    const gfloat * margin, const guint8 * prev, gint n, guint8 * cand,
    guint * n_cand, guint16 * lab, guint32 * acc)
{
  if (pal->k < PRUNE_MIN_K) {
    *n_cand = pal->k;
    if (margin)
      load_prev (blk, prev, n);
    scan (pal, all, pal->k, blk, margin, lab, acc);
    return all;
  }
  if (pal->cells) {
    /* the cells' candidates include every label hysteresis can keep:
     * the previous labels matter only when there is a choice */
    *n_cand = cell_candidates (pal, blk, cand);
    if (margin && *n_cand > 1)
      load_prev (blk, prev, n);
  } else {
    if (margin)
      load_prev (blk, prev, n);
    *n_cand = prune (pal, blk, margin, cand);
  }
  scan (pal, cand, *n_cand, blk, margin, lab, acc);
  return cand;
}

/* The block's n labels as bytes (through a local array: a store through
 * a guint8 pointer may alias anything, and the loop would not vectorise) */
INLINE void
store_labels (guint8 * dst, const guint8 * list, guint n_cand,
    const guint16 * lab, gint n)
{
  guint8 tmp[BLOCK];
  gint j;

  if (n_cand == 1) {
    memset (dst, list[0], n);
    return;
  }
  for (j = 0; j < BLOCK; j++)
    tmp[j] = (guint8) lab[j];
  memcpy (dst, tmp, n);
}

/* Count per candidate, not per pixel: counts[labels[j]]++ chains stores
 * to the same counter and costs more than the whole scan */
INLINE void
count_block (const guint8 * cand, guint n_cand, const guint16 * lab,
    guint64 * counts)
{
  guint i;
  gint j;

  if (n_cand == 1) {
    counts[cand[0]] += BLOCK;
    return;
  }
  for (i = 0; i < n_cand; i++) {
    const guint16 id = cand[i];
    guint16 cnt = 0;

    for (j = 0; j < BLOCK; j++)
      cnt += lab[j] == id;
    counts[id] += cnt;
  }
}

/* A partial last block is padded with copies of its last pixel; take the
 * copies out of the counts and the distance sum again */
static void
unpad (const KmsAssignPalette * pal, const Block * blk, const guint16 * lab,
    gint n, guint64 * counts, guint64 * s)
{
  guint32 d = 0;
  guint ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    gint32 e = (gint32) blk->x[ch][BLOCK - 1] - pal->c[ch][lab[BLOCK - 1]];
    d += e * e;
  }
  *s -= (guint64) d * (BLOCK - n);
  counts[lab[BLOCK - 1]] -= BLOCK - n;
}

INLINE guint64
reduce (guint32 * acc)
{
  guint64 s = 0;
  gint j;

  for (j = 0; j < BLOCK; j++) {
    s += acc[j];
    acc[j] = 0;
  }
  return s;
}

/* out = (in & keep) | set, the label's tables blended in per candidate:
 * a gather per pixel is slower on most CPUs */
INLINE void
paint_block (const KmsPaint * paint, const guint8 * list, guint n_cand,
    const guint16 * lab, guint32 * px)
{
  guint32 set[BLOCK], keep[BLOCK];
  const guint32 keep0 = paint->keep[list[0]], set0 = paint->set[list[0]];
  guint i;
  gint j;

  for (j = 0; j < BLOCK; j++) {
    keep[j] = keep0;
    set[j] = set0;
  }
  for (i = 1; i < n_cand; i++) {
    const guint16 id = list[i];
    const guint32 ki = paint->keep[id], si = paint->set[id];

    for (j = 0; j < BLOCK; j++) {
      keep[j] = lab[j] == id ? ki : keep[j];
      set[j] = lab[j] == id ? si : set[j];
    }
  }
  for (j = 0; j < BLOCK; j++)
    px[j] = (px[j] & keep[j]) | set[j];
}

/* acc[] lanes add at most 195075 per block: flush well before they wrap */
#define FLUSH_BLOCKS 16384

void
ASSIGN_ROW (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * labels, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst)
{
  guint8 all[KMS_MAX_K], cand[KMS_MAX_K];
  guint32 acc[BLOCK] = { 0, };
  guint16 lab[BLOCK];
  guint64 s = 0;
  Block blk;
  guint i, ch, n_cand;
  gint x, j;
  const gfloat m = hyst ? (gfloat) hyst->margin : 0;
  const gfloat *margin = hyst && hyst->apply ? &m : NULL;

  for (i = 0; i < pal->k; i++)
    all[i] = (guint8) i;

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    const guint8 *list;

    if (G_LIKELY (n == BLOCK)) {
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
        for (j = 0; j < BLOCK; j++)
          blk.x[ch][j] = c[ch][x + j];
    } else {
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
        for (j = 0; j < BLOCK; j++)
          blk.x[ch][j] = c[ch][x + MIN (j, n - 1)];
    }
    list = label_block (pal, all, &blk, margin, hyst ? hyst->prev + x : NULL,
        n, cand, &n_cand, lab, acc);
    count_block (list, n_cand, lab, counts);
    store_labels (labels + x, list, n_cand, lab, n);
    if (hyst)
      memcpy (hyst->prev + x, labels + x, n);
    if (G_UNLIKELY (n < BLOCK))
      unpad (pal, &blk, lab, n, counts, &s);
    if (G_UNLIKELY ((x / BLOCK) % FLUSH_BLOCKS == FLUSH_BLOCKS - 1))
      s += reduce (acc);
  }
  s += reduce (acc);
  if (sse)
    *sse += s;
}

void
ASSIGN_PAINT_ROW32 (const KmsAssignPalette * pal, const KmsPaint * paint,
    const guint shift[KMS_MAX_CHANNELS], gboolean write,
    const guint8 * src, guint8 * dst, gint width, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst)
{
  const guint s0 = shift[0], s1 = shift[1], s2 = shift[2];
  guint8 all[KMS_MAX_K], cand[KMS_MAX_K];
  guint32 acc[BLOCK] = { 0, };
  guint32 px[BLOCK];
  guint16 lab[BLOCK];
  guint64 s = 0;
  Block blk;
  guint i, n_cand;
  gint x, j;
  const gfloat m = hyst ? (gfloat) hyst->margin : 0;
  const gfloat *margin = hyst && hyst->apply ? &m : NULL;

  for (i = 0; i < pal->k; i++)
    all[i] = (guint8) i;

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    const guint8 *list;

    if (G_LIKELY (n == BLOCK)) {
      memcpy (px, src + 4 * x, sizeof (px));
    } else {
      for (j = 0; j < BLOCK; j++)
        memcpy (&px[j], src + 4 * (x + MIN (j, n - 1)), 4);
    }
    for (j = 0; j < BLOCK; j++) {
      blk.x[0][j] = (px[j] >> s0) & 0xff;
      blk.x[1][j] = (px[j] >> s1) & 0xff;
      blk.x[2][j] = (px[j] >> s2) & 0xff;
    }
    list = label_block (pal, all, &blk, margin, hyst ? hyst->prev + x : NULL,
        n, cand, &n_cand, lab, acc);
    if (hyst)
      store_labels (hyst->prev + x, list, n_cand, lab, n);
    count_block (list, n_cand, lab, counts);
    if (write)
      paint_block (paint, list, n_cand, lab, px);
    if (G_LIKELY (n == BLOCK)) {
      if (write || dst != src)
        memcpy (dst + 4 * x, px, sizeof (px));
    } else {
      if (write || dst != src)
        memcpy (dst + 4 * x, px, 4 * n);
      unpad (pal, &blk, lab, n, counts, &s);
    }
    if (G_UNLIKELY ((x / BLOCK) % FLUSH_BLOCKS == FLUSH_BLOCKS - 1))
      s += reduce (acc);
  }
  s += reduce (acc);
  if (sse)
    *sse += s;
}

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

/* This file is compiled twice (see meson.build): KMS_ASSIGN_NAME names the
 * entry point, and KMS_ASSIGN_CLONES asks for one clone per x86-64 ISA,
 * picked at load time by the CPU. The loops are written so the compiler
 * vectorises them across pixels, with the centroid broadcast; all
 * arithmetic is exact integer, so every build gives the same labels.
 *
 * Pixels go in blocks of BLOCK along the row. For larger k, a block's
 * colour bounding box prunes the centroids (as inverse-colormap code does):
 * a centroid whose nearest possible distance to the box exceeds the
 * smallest farthest possible distance of any centroid cannot be nearest to
 * any pixel of the block, nor tie with the nearest. */

#include <string.h>

#include "kmsassign.h"
#include "kmspixel.h"

#ifndef KMS_ASSIGN_NAME
#error "KMS_ASSIGN_NAME must be defined"
#endif

#define BLOCK 32
/* Below this k, testing every centroid costs less than pruning */
#define PRUNE_MIN_K 6

#ifdef KMS_ASSIGN_CLONES
#define KMS_CLONES KMS_TARGET_CLONES
#else
#define KMS_CLONES
#endif

/* Write a block's labels and count them */
static inline void
finish_block (const guint8 * cand, guint n_cand, const guint16 * lab,
    guint8 * labels, guint64 * counts)
{
  guint i;
  gint j;

  for (j = 0; j < BLOCK; j++)
    labels[j] = (guint8) lab[j];
  /* Count per candidate, not per pixel: counts[labels[j]]++ chains stores
   * to the same counter and costs more than the whole scan */
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

/* BLOCK pixels against the listed candidates, in increasing index order so
 * that a tie keeps the lower index. Fixed size, so every loop vectorises.
 *
 * The fast scan runs in 16-bit lanes (twice the pixels per vector): a
 * channel difference is within +-255, so its square (<= 65025) is exact
 * modulo 2^16, and the sums saturate at 65535. Only a pixel 256 or more
 * levels from every candidate saturates; then the block is scanned again
 * in 32 bits, so the labels are always the exact ones. Each pixel's
 * distance is added to acc[], reduced once per row: a horizontal sum per
 * block costs as much as a scan. */
static inline void
scan_block (const KmsAssignPalette * pal, const guint8 * cand, guint n_cand,
    const guint8 * c0, const guint8 * c1, const guint8 * c2,
    guint8 * labels, guint32 * acc, guint64 * counts)
{
  guint16 lab[BLOCK], best16[BLOCK];
  guint32 best[BLOCK];
  guint16 farthest = 0;
  guint i;
  gint j;

  for (j = 0; j < BLOCK; j++) {
    best16[j] = G_MAXUINT16;
    lab[j] = 0;
  }
  for (i = 0; i < n_cand; i++) {
    const guint16 id = cand[i];
    const guint16 r = pal->c[0][id], g = pal->c[1][id], b = pal->c[2][id];

    for (j = 0; j < BLOCK; j++) {
      guint16 d0 = c0[j] - r, d1 = c1[j] - g, d2 = c2[j] - b;
      guint16 s0 = d0 * d0, s1 = d1 * d1, s2 = d2 * d2;
      guint16 d = s0 + s1;

      d = d < s0 ? G_MAXUINT16 : d;
      s2 += d;
      d = s2 < d ? G_MAXUINT16 : s2;
      lab[j] = d < best16[j] ? id : lab[j];
      best16[j] = d < best16[j] ? d : best16[j];
    }
  }
  for (j = 0; j < BLOCK; j++)
    farthest = MAX (farthest, best16[j]);

  if (G_LIKELY (farthest < G_MAXUINT16)) {
    for (j = 0; j < BLOCK; j++)
      acc[j] += best16[j];
  } else {
    for (j = 0; j < BLOCK; j++) {
      best[j] = G_MAXUINT32;
      lab[j] = 0;
    }
    for (i = 0; i < n_cand; i++) {
      const gint32 id = cand[i];
      const gint32 r = pal->c[0][id], g = pal->c[1][id], b = pal->c[2][id];

      for (j = 0; j < BLOCK; j++) {
        gint32 d0 = c0[j] - r, d1 = c1[j] - g, d2 = c2[j] - b;
        guint32 d = d0 * d0 + d1 * d1 + d2 * d2;

        lab[j] = d < best[j] ? id : lab[j];
        best[j] = d < best[j] ? d : best[j];
      }
    }
    for (j = 0; j < BLOCK; j++)
      acc[j] += best[j];
  }
  finish_block (cand, n_cand, lab, labels, counts);
}

/* The centroids that can be nearest to some pixel of the block */
static inline guint
prune (const KmsAssignPalette * pal, const guint8 * c0, const guint8 * c1,
    const guint8 * c2, guint8 * cand)
{
  gint32 dmin[KMS_MAX_K], dmax[KMS_MAX_K];
  guint8 lo0 = 255, lo1 = 255, lo2 = 255, hi0 = 0, hi1 = 0, hi2 = 0;
  const guint k = pal->k;
  guint i, w, n_cand = 0;
  gint32 bound;
  gint j;

  for (j = 0; j < BLOCK; j++) {
    lo0 = MIN (lo0, c0[j]);
    hi0 = MAX (hi0, c0[j]);
    lo1 = MIN (lo1, c1[j]);
    hi1 = MAX (hi1, c1[j]);
    lo2 = MIN (lo2, c2[j]);
    hi2 = MAX (hi2, c2[j]);
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

  /* Compact through bit masks: a few set bits, found by ctz */
  for (w = 0; w < k; w += 64) {
    guint64 m = 0;
    guint n = MIN (64, k - w);

    for (i = 0; i < n; i++)
      m |= (guint64) (dmin[w + i] <= bound) << i;
    while (m) {
      cand[n_cand++] = (guint8) (w + __builtin_ctzll (m));
      m &= m - 1;
    }
  }
  return n_cand;
}

static inline void
assign_block (const KmsAssignPalette * pal, const guint8 * all,
    const guint8 * c0, const guint8 * c1, const guint8 * c2,
    guint8 * labels, guint32 * acc, guint64 * counts)
{
  guint8 cand[KMS_MAX_K];

  if (pal->k < PRUNE_MIN_K)
    scan_block (pal, all, pal->k, c0, c1, c2, labels, acc, counts);
  else
    scan_block (pal, cand, prune (pal, c0, c1, c2, cand), c0, c1, c2,
        labels, acc, counts);
}

void KMS_CLONES
KMS_ASSIGN_NAME (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * labels, guint64 * counts, guint64 * sse)
{
  const guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  guint8 all[KMS_MAX_K];
  guint32 acc[BLOCK] = { 0, };
  guint64 s = 0;
  guint i;
  gint x, n, j;

  for (i = 0; i < pal->k; i++)
    all[i] = (guint8) i;

  /* acc[] can't wrap: a lane adds at most 195075 per block, and a row is
   * flushed every 16384 blocks */
  for (x = 0; x + BLOCK <= width; x += BLOCK) {
    assign_block (pal, all, c0 + x, c1 + x, c2 + x, labels + x, acc, counts);
    if (G_UNLIKELY ((x / BLOCK) % 16384 == 16383)) {
      for (j = 0; j < BLOCK; j++) {
        s += acc[j];
        acc[j] = 0;
      }
    }
  }

  n = width - x;
  if (n > 0) {
    /* The tail, padded with copies of its last pixel; the copies are
     * taken out of the counts and the sum again */
    guint8 t0[BLOCK], t1[BLOCK], t2[BLOCK], tl[BLOCK];
    guint32 last = 0;

    for (j = 0; j < BLOCK; j++) {
      gint from = MIN (x + j, width - 1);

      t0[j] = c0[from];
      t1[j] = c1[from];
      t2[j] = c2[from];
    }
    assign_block (pal, all, t0, t1, t2, tl, acc, counts);
    for (i = 0; i < 3; i++) {
      gint32 d = (gint32) (i == 0 ? t0 : i == 1 ? t1 : t2)[BLOCK - 1] -
          pal->c[i][tl[BLOCK - 1]];
      last += d * d;
    }
    s -= (guint64) last * (BLOCK - n);
    counts[tl[BLOCK - 1]] -= BLOCK - n;
    memcpy (labels + x, tl, n);
  }
  for (j = 0; j < BLOCK; j++)
    s += acc[j];
  *sse += s;
}

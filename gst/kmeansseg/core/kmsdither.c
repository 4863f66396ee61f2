/* kmeansseg: ordered dithering between a pixel's two nearest colours
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
 * names the entry point, and the level's flags let the compiler vectorise
 * the loops across the pixels of a block. All arithmetic is exact 32-bit
 * integer, so every level paints the same labels.
 *
 * A pixel p labelled c1 may be painted with its second candidate c2, the
 * nearest other colour (ties to the lower index), as two-colour pattern
 * dithering mixes them: with e = p - c1, d = c2 - c1, the point of the
 * segment c1..c2 nearest p is c1 + t d, t = e.d / |d|^2, which the
 * distances give without a division, e.d = (|e|^2 + |d|^2 - |p - c2|^2) / 2.
 * With t clamped to 0..1/2 (the pixel is nearer c1; with hysteresis it
 * may not be) and the strength s in 0..256, c2 is painted where the
 * threshold (0..255) is below 256 t s / 256, that is where
 * thr 2 |d|^2 < 2 |d|^2 t s, all of it integers well inside 32 bits
 * (|d|^2 <= 3 x 255^2). A region of the same colour then shows c2
 * on a share t of its pixels, so its mean is near p.
 *
 * Over time, a still pixel's t moves with the noise of its input and the
 * drift of the centroids, and would cross its threshold now and then: so
 * a pixel that showed c2 last frame keeps it while thr - margin is below
 * its share, and one that showed c1 takes c2 only when thr + margin is
 * (the same compare with the threshold moved by -margin or +margin). */

#include <string.h>

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)
#define DITHER_ROW PASTE (kms_dither_row_, KMS_SUFFIX)

#define BLOCK 32

void
DITHER_ROW (const KmsAssignPalette * pal, const KmsDither * dither,
    const guint8 * const *c, const guint8 * labels, const guint8 * thr,
    gint width, guint8 * out, guint8 * prev)
{
  const guint k = pal->k;
  const gint32 s = dither->strength;
  const gint32 margin = dither->margin;
  gint x0;

  for (x0 = 0; x0 < width; x0 += BLOCK) {
    const gint n = MIN (BLOCK, width - x0);
    gint32 p0[BLOCK], p1[BLOCK], p2[BLOCK];
    gint32 d1[BLOCK], d2[BLOCK], dd[BLOCK], lab[BLOCK], best[BLOCK];
    gint32 fx[BLOCK], th[BLOCK], pv[BLOCK];
    guint8 res[BLOCK];
    guint j;
    gint i;

    /* the block, padded with its last pixel (x0 is a multiple of BLOCK,
     * which divides the tile: the thresholds are consecutive) */
    if (G_LIKELY (n == BLOCK)) {
      for (i = 0; i < BLOCK; i++) {
        p0[i] = c[0][x0 + i];
        p1[i] = c[1][x0 + i];
        p2[i] = c[2][x0 + i];
        lab[i] = labels[x0 + i];
      }
    } else {
      for (i = 0; i < BLOCK; i++) {
        const gint x = x0 + MIN (i, n - 1);

        p0[i] = c[0][x];
        p1[i] = c[1][x];
        p2[i] = c[2][x];
        lab[i] = labels[x];
      }
    }
    for (i = 0; i < BLOCK; i++) {
      th[i] = thr[(x0 & (KMS_DITHER_TILE - 1)) + i];
      d1[i] = 0;
      d2[i] = G_MAXINT32;
      best[i] = lab[i];
      fx[i] = 0;
    }
    /* the distance to c1, and the nearest other colour not fixed (no
     * look-ups by label: AMD's gathers are slow) */
    for (j = 0; j < k; j++) {
      const gint32 a0 = pal->c[0][j], a1 = pal->c[1][j], a2 = pal->c[2][j];
      const gint32 jj = j;

      /* selects as masks: the vectoriser would make conditional stores
       * of them */
      if (dither->fixed[j]) {
        for (i = 0; i < BLOCK; i++) {
          const gint32 e0 = p0[i] - a0, e1 = p1[i] - a1, e2 = p2[i] - a2;
          const gint32 d = e0 * e0 + e1 * e1 + e2 * e2;
          const gint32 own = -(gint32) (lab[i] == jj);

          d1[i] = (d & own) | (d1[i] & ~own);
          fx[i] |= own;
        }
        continue;
      }
      for (i = 0; i < BLOCK; i++) {
        const gint32 e0 = p0[i] - a0, e1 = p1[i] - a1, e2 = p2[i] - a2;
        const gint32 d = e0 * e0 + e1 * e1 + e2 * e2;
        const gint32 own = -(gint32) (lab[i] == jj);
        const gint32 take = ~own & -(gint32) (d < d2[i]);

        d1[i] = (d & own) | (d1[i] & ~own);
        d2[i] = (d & take) | (d2[i] & ~take);
        best[i] = (jj & take) | (best[i] & ~take);
      }
    }
    /* a fixed label takes no other; |c2 - c1|^2 (0 when c2 is c1) */
    for (i = 0; i < BLOCK; i++) {
      best[i] = fx[i] ? lab[i] : best[i];
      dd[i] = dither->dist[lab[i] * (gint32) k + best[i]];
    }
    if (prev) {
      for (i = 0; i < n; i++)
        pv[i] = prev[x0 + i];
      for (; i < BLOCK; i++)
        pv[i] = pv[n - 1];
    }
    for (i = 0; i < BLOCK; i++) {
      /* 2 |d|^2 t, clamped to 0..|d|^2 */
      const gint32 num = CLAMP (d1[i] + dd[i] - d2[i], 0, dd[i]);
      /* the margin towards the colour shown last time, with @prev */
      const gint32 bias = !prev ? 0 : pv[i] == best[i] ? margin :
          pv[i] == lab[i] ? -margin : 0;
      /* no candidate: dd is 0, so is num */
      const gboolean other = (th[i] - bias) * dd[i] * 2 < num * s;

      res[i] = other ? best[i] : lab[i];
    }
    memcpy (out + x0, res, n);
    if (prev)
      memcpy (prev + x0, res, n);
  }
}

/* Assign, dither and paint a row of 4-byte pixels: the level's own
 * kernels on chunks of the row, unpacked into the stack (a multiple of
 * the tile: the thresholds' positions do not move) */
#define CHUNK 256

void
PASTE (kms_assign_dither_paint_row32_, KMS_SUFFIX) (const KmsAssignPalette *
    pal, const KmsPaint * paint, const KmsDither * dither,
    const guint shift[KMS_MAX_CHANNELS], const guint8 * src, guint8 * dst,
    const guint8 * thr, gint width, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst, guint8 * prev)
{
  guint8 c0[CHUNK], c1[CHUNK], c2[CHUNK], lab[CHUNK], pl[CHUNK];
  guint8 *c[KMS_MAX_CHANNELS] = { c0, c1, c2 };
  KmsHysteresis h;
  gint x, i;

  G_STATIC_ASSERT (CHUNK % KMS_DITHER_TILE == 0);
  for (x = 0; x < width; x += CHUNK) {
    const gint n = MIN (CHUNK, width - x);

    for (i = 0; i < n; i++) {
      guint32 v;

      memcpy (&v, src + 4 * (gsize) (x + i), 4);
      c0[i] = v >> shift[0];
      c1[i] = v >> shift[1];
      c2[i] = v >> shift[2];
    }
    if (hyst) {
      h = *hyst;
      h.prev = hyst->prev + x;
    }
    PASTE (kms_assign_row_, KMS_SUFFIX) (pal, (const guint8 * const *) c, n,
        lab, counts, sse, hyst ? &h : NULL);
    DITHER_ROW (pal, dither, (const guint8 * const *) c, lab, thr, n, pl,
        prev ? prev + x : NULL);
    for (i = 0; i < n; i++) {
      guint32 v;

      memcpy (&v, src + 4 * (gsize) (x + i), 4);
      v = (v & paint->keep[pl[i]]) | paint->set[pl[i]];
      memcpy (dst + 4 * (gsize) (x + i), &v, 4);
    }
  }
}

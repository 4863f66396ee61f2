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
 * with s <= 3 (speckle and boundaries) look at the whole window. */

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

/* pixels the vector loop decides at once */
#define CHUNK 64

/* The majority of the nine labels v[0..8], v[4] the centre */
static inline guint8
majority9 (const guint8 v[9])
{
  guint best = v[4], best_n = 0, i, j;

  for (j = 0; j < 9; j++)
    best_n += v[j] == v[4];
  for (i = 0; i < 9; i++) {
    guint n = 0;

    if (v[i] == v[4])
      continue;
    for (j = 0; j < 9; j++)
      n += v[j] == v[i];
    if (n > best_n || (n == best_n && best != v[4] && v[i] < best)) {
      best = v[i];
      best_n = n;
    }
  }
  return best;
}

/* Pixel x of the row, neighbours clamped to the row */
static inline guint8
smooth_pixel (const guint8 * a, const guint8 * c, const guint8 * b, gint x,
    gint width)
{
  const gint l = MAX (x - 1, 0), r = MIN (x + 1, width - 1);
  const guint8 v[9] = { a[l], a[x], a[r], c[l], c[x], c[r], b[l], b[x], b[r] };

  return majority9 (v);
}

void PASTE (kms_smooth_row_, KMS_SUFFIX) (const guint8 * a, const guint8 * c,
    const guint8 * b, guint8 * dst, gint width)
{
  gint x0, x, i;

  if (width <= 0)
    return;
  dst[0] = smooth_pixel (a, c, b, 0, width);
  for (x0 = 1; x0 + CHUNK < width; x0 += CHUNK) {
    guint8 s[CHUNK];
    guint8 any = 0;

    for (i = 0; i < CHUNK; i++) {
      const gint x = x0 + i;
      const guint8 v = c[x];
      const guint8 n = (a[x - 1] == v) + (a[x] == v) + (a[x + 1] == v) +
          (c[x - 1] == v) + (c[x + 1] == v) +
          (b[x - 1] == v) + (b[x] == v) + (b[x + 1] == v);

      s[i] = n;
      any |= n < 4;
      dst[x] = v;
    }
    if (G_LIKELY (!any))
      continue;
    for (i = 0; i < CHUNK; i++)
      if (s[i] < 4)
        dst[x0 + i] = smooth_pixel (a, c, b, x0 + i, width);
  }
  for (x = MAX (x0, 1); x < width; x++)
    dst[x] = smooth_pixel (a, c, b, x, width);
}

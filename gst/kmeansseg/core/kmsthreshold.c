/* kmeansseg: the threshold tiles of ordered dithering
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

/* Bayer: the recursive matrix, by interleaving the bits of x ^ y and y.
 * Blue noise: Ulichney's void-and-cluster on the torus, made at run time
 * with integers only (the Gaussian as a table), so that it is the same
 * tile everywhere. */

#include <string.h>

#include "kmsthreshold.h"

#define T KMS_DITHER_TILE
#define N (T * T)

void
kms_threshold_bayer (guint8 * tile)
{
  gint x, y, i;

  for (y = 0; y < T; y++)
    for (x = 0; x < T; x++) {
      guint m = 0;

      /* the lowest bit of the position is the highest of the level */
      for (i = 0; i < 4; i++)
        m = (m << 2) | ((((x ^ y) >> i) & 1) << 1) | ((y >> i) & 1);
      tile[y * T + x] = m;
    }
}

/* 4096 exp (-r^2 / (2 x 1.5^2)), rounded, by squared distance r^2; 0 past
 * r^2 = 40 */
#define RADIUS 6
static const gint32 gauss[41] = {
  4096, 3280, 2626, 2103, 1684, 1348, 1080, 865, 692, 554, 444, 355, 285,
  228, 182, 146, 117, 94, 75, 60, 48, 39, 31, 25, 20, 16, 13, 10, 8, 7, 5,
  4, 3, 3, 2, 2, 1, 1, 1, 1, 1
};

typedef struct
{
  guint8 on[N];
  gint32 energy[N];
} Pattern;

static void
toggle (Pattern * p, gint i, gint sign)
{
  const gint x = i % T, y = i / T;
  gint dx, dy;

  p->on[i] = sign > 0;
  for (dy = -RADIUS; dy <= RADIUS; dy++)
    for (dx = -RADIUS; dx <= RADIUS; dx++) {
      const gint r2 = dx * dx + dy * dy;

      if (r2 <= 40)
        p->energy[((y + dy) & (T - 1)) * T + ((x + dx) & (T - 1))] +=
            sign * gauss[r2];
    }
}

/* The tightest cluster (the set pixel of most energy) or the largest void
 * (the clear one of least), the first in raster order on a tie */
static gint
tightest (const Pattern * p)
{
  gint i, best = -1;

  for (i = 0; i < N; i++)
    if (p->on[i] && (best < 0 || p->energy[i] > p->energy[best]))
      best = i;
  return best;
}

static gint
largest_void (const Pattern * p)
{
  gint i, best = -1;

  for (i = 0; i < N; i++)
    if (!p->on[i] && (best < 0 || p->energy[i] < p->energy[best]))
      best = i;
  return best;
}

void
kms_threshold_blue_noise (guint8 * tile)
{
  Pattern *p = g_new0 (Pattern, 1), *init = g_new (Pattern, 1);
  guint16 *rank = g_new (guint16, N);
  const gint n_init = N / 10;
  guint32 rng = 0x9e3779b9u;
  gint ones = 0, i, iter;

  /* a random tenth, then moved from clusters to voids until stable */
  while (ones < n_init) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    i = rng % N;
    if (!p->on[i]) {
      toggle (p, i, 1);
      ones++;
    }
  }
  for (iter = 0; iter < N; iter++) {
    const gint c = tightest (p);
    gint v;

    toggle (p, c, -1);
    v = largest_void (p);
    toggle (p, v, 1);
    if (v == c)
      break;
  }
  memcpy (init, p, sizeof (Pattern));

  /* the initial pixels ranked by taking the tightest cluster away ... */
  for (ones = n_init; ones > 0; ones--) {
    const gint c = tightest (p);

    toggle (p, c, -1);
    rank[c] = ones - 1;
  }
  /* ... the rest by filling the largest void (in the second half the same
   * as the tightest cluster of the clear pixels: the energies sum to a
   * constant) */
  memcpy (p, init, sizeof (Pattern));
  for (ones = n_init; ones < N; ones++) {
    const gint v = largest_void (p);

    toggle (p, v, 1);
    rank[v] = ones;
  }
  for (i = 0; i < N; i++)
    tile[i] = rank[i] * 256 / N;
  g_free (rank);
  g_free (init);
  g_free (p);
}

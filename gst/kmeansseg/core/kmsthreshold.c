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
 * Blue noise: Ulichney's void-and-cluster on the torus, with integers only
 * (the Gaussian as a table), so that it is the same tile everywhere, made
 * at build time by kmsbluenoisegen.c into kmsbluenoise.h. */

#include <string.h>

#include "kmsthreshold.h"
#include "kmsbluenoise.h"

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

void
kms_threshold_blue_noise (guint8 * tile)
{
  G_STATIC_ASSERT (sizeof (kms_blue_noise_tile) == N);
  memcpy (tile, kms_blue_noise_tile, N);
}

/* kmeansseg: the blue-noise tile, made at build time
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

/* Writes kmsbluenoise.h: the KMS_DITHER_TILE x KMS_DITHER_TILE blue-noise
 * threshold tile of dithering, by Ulichney's void-and-cluster on the torus
 * with integers only (the Gaussian as a table) and a fixed seed, so every
 * build makes the same tile. Run by the build (a native program: plain C,
 * no GLib), so that no stream waits for it.
 *
 * Usage: kms-bluenoise-gen OUTPUT */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T 64                    /* KMS_DITHER_TILE (kmsdsp.h) */
#define N (T * T)

/* 4096 exp (-r^2 / (2 x 1.5^2)), rounded, by squared distance r^2; 0 past
 * r^2 = 40 */
#define RADIUS 6
static const int32_t gauss[41] = {
  4096, 3280, 2626, 2103, 1684, 1348, 1080, 865, 692, 554, 444, 355, 285,
  228, 182, 146, 117, 94, 75, 60, 48, 39, 31, 25, 20, 16, 13, 10, 8, 7, 5,
  4, 3, 3, 2, 2, 1, 1, 1, 1, 1
};

typedef struct
{
  uint8_t on[N];
  int32_t energy[N];
  /* each row's tightest cluster and largest void (-1: none), so that a
   * step rescans only the rows a toggle changed */
  int16_t row_on[T], row_off[T];
} Pattern;

/* Row y's set pixel of most energy and clear one of least, the first in
 * raster order on a tie */
static void
rescan_row (Pattern * p, int y)
{
  const int32_t *e = p->energy + y * T;
  const uint8_t *on = p->on + y * T;
  int x, best_on = -1, best_off = -1;

  for (x = 0; x < T; x++) {
    if (on[x]) {
      if (best_on < 0 || e[x] > e[best_on])
        best_on = x;
    } else if (best_off < 0 || e[x] < e[best_off]) {
      best_off = x;
    }
  }
  p->row_on[y] = best_on < 0 ? -1 : y * T + best_on;
  p->row_off[y] = best_off < 0 ? -1 : y * T + best_off;
}

static void
toggle (Pattern * p, int i, int sign)
{
  const int x = i % T, y = i / T;
  int dx, dy;

  p->on[i] = sign > 0;
  for (dy = -RADIUS; dy <= RADIUS; dy++)
    for (dx = -RADIUS; dx <= RADIUS; dx++) {
      const int r2 = dx * dx + dy * dy;

      if (r2 <= 40)
        p->energy[((y + dy) & (T - 1)) * T + ((x + dx) & (T - 1))] +=
            sign * gauss[r2];
    }
  for (dy = -RADIUS; dy <= RADIUS; dy++)
    rescan_row (p, (y + dy) & (T - 1));
}

/* The tightest cluster (the set pixel of most energy) or the largest void
 * (the clear one of least), the first in raster order on a tie: of the
 * rows' own, the first row's on a tie */
static int
tightest (const Pattern * p)
{
  int y, best = -1;

  for (y = 0; y < T; y++) {
    const int i = p->row_on[y];

    if (i >= 0 && (best < 0 || p->energy[i] > p->energy[best]))
      best = i;
  }
  return best;
}

static int
largest_void (const Pattern * p)
{
  int y, best = -1;

  for (y = 0; y < T; y++) {
    const int i = p->row_off[y];

    if (i >= 0 && (best < 0 || p->energy[i] < p->energy[best]))
      best = i;
  }
  return best;
}

static void
blue_noise (uint8_t * tile)
{
  Pattern *p = calloc (1, sizeof (Pattern));
  Pattern *init = malloc (sizeof (Pattern));
  uint16_t *rank = malloc (N * sizeof (uint16_t));
  const int n_init = N / 10;
  uint32_t rng = 0x9e3779b9u;
  int ones = 0, i, iter;

  if (!p || !init || !rank) {
    fprintf (stderr, "kms-bluenoise-gen: out of memory\n");
    exit (1);
  }
  for (i = 0; i < T; i++)
    rescan_row (p, i);

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
    const int c = tightest (p);
    int v;

    toggle (p, c, -1);
    v = largest_void (p);
    toggle (p, v, 1);
    if (v == c)
      break;
  }
  memcpy (init, p, sizeof (Pattern));

  /* the initial pixels ranked by taking the tightest cluster away ... */
  for (ones = n_init; ones > 0; ones--) {
    const int c = tightest (p);

    toggle (p, c, -1);
    rank[c] = ones - 1;
  }
  /* ... the rest by filling the largest void (in the second half the same
   * as the tightest cluster of the clear pixels: the energies sum to a
   * constant) */
  memcpy (p, init, sizeof (Pattern));
  for (ones = n_init; ones < N; ones++) {
    const int v = largest_void (p);

    toggle (p, v, 1);
    rank[v] = ones;
  }
  for (i = 0; i < N; i++)
    tile[i] = rank[i] * 256 / N;
  free (rank);
  free (init);
  free (p);
}

int
main (int argc, char **argv)
{
  static uint8_t tile[N];
  FILE *f;
  int i;

  if (argc != 2) {
    fprintf (stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  blue_noise (tile);
  f = fopen (argv[1], "w");
  if (!f) {
    perror (argv[1]);
    return 1;
  }
  fprintf (f, "/* Made by kms-bluenoise-gen (kmsbluenoisegen.c) at build "
      "time: do not edit */\n\n"
      "static const guint8 kms_blue_noise_tile[%d] = {\n", N);
  for (i = 0; i < N; i++)
    fprintf (f, "%s%3u,%s", i % 16 ? " " : "  ", tile[i],
        i % 16 == 15 ? "\n" : "");
  fprintf (f, "};\n");
  return fclose (f) ? 1 : 0;
}

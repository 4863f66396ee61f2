/* kmeansseg: feathering's row kernels (column sums, weights, blend)
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
 * names its entry points, and the level's flags let the compiler
 * vectorise the loops for it (the sums' least and most need SSE4.1's
 * 16-bit min and max; the weights, 32-bit multiplies). The bytes written
 * do not depend on the level. A pixel's box is added up a row at a time
 * (kms_feather_box, once per mask row), then down its columns
 * (kms_feather_sums, a row in and a row out per row of the picture). */

#include <string.h>

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

void PASTE (kms_feather_sums_, KMS_SUFFIX) (guint16 * cs, const guint8 * add,
    const guint8 * sub, gint width, guint * lo, guint * hi)
{
  guint16 l = G_MAXUINT16, h = 0;
  gint x;

  for (x = 0; x < width; x++) {
    const guint16 v = cs[x] + add[x] - sub[x];

    cs[x] = v;
    l = MIN (l, v);
    h = MAX (h, v);
  }
  *lo = l;
  *hi = h;
}

/* Add @d (0..3) runs of @b pixels, the sums of blocks of b in @p from
 * @off on, to @sum (into @out when not NULL, else in place) */
static inline void
add_digit (guint8 * out, const guint8 * sum, const guint8 * p, gint off,
    gint b, guint d, gint width)
{
  gint x;

  if (!out)
    out = (guint8 *) sum;
  if (d == 1)
    for (x = 0; x < width; x++)
      out[x] = sum[x] + p[x + off];
  else if (d == 2)
    for (x = 0; x < width; x++)
      out[x] = sum[x] + p[x + off] + p[x + off + b];
  else if (d == 3)
    for (x = 0; x < width; x++)
      out[x] = sum[x] + p[x + off] + p[x + off + b] + p[x + off + 2 * b];
}

/* A box of L = 2 r + 1 pixels is added up in vector lanes either way:
 * small ones in one loop that reads each of its pixels; wider ones by
 * the sums of 1, 4, 16, ... pixels (each from the last, in place), the
 * box taking those its length's digits in base 4 ask for, one after the
 * other (L is odd: the lowest digit is 1 or 3, and starts the sums). The
 * mask's pixels are 0 or 1, so every sum fits a byte (at most 129), and a
 * row of one value is done without them. */
void PASTE (kms_feather_box_, KMS_SUFFIX) (guint8 * row, gint width, gint r,
    guint8 * scratch)
{
  /* the row with the edge pixels repeated r times each side, and the box
   * sums */
  const gint n = width + 2 * r, len = 2 * r + 1;
  guint8 *pad = scratch, *sum = pad + n;
  guint8 lo = G_MAXUINT8, hi = 0;
  gint x;

  for (x = 0; x < width; x++) {
    lo = MIN (lo, row[x]);
    hi = MAX (hi, row[x]);
  }
  if (hi == 0)
    return;
  if (lo == hi) {
    memset (row, lo * len, width);
    return;
  }
  for (x = 0; x < r; x++) {
    pad[x] = row[0];
    pad[r + width + x] = row[width - 1];
  }
  memcpy (pad + r, row, width);
  if (r == 1) {
    for (x = 0; x < width; x++)
      row[x] = pad[x] + pad[x + 1] + pad[x + 2];
  } else if (r == 2) {
    for (x = 0; x < width; x++)
      row[x] = pad[x] + pad[x + 1] + pad[x + 2] + pad[x + 3] + pad[x + 4];
  } else {
    gint b = 4, off;

    /* the lowest digit */
    if ((len & 3) == 1) {
      memcpy (sum, pad, width);
      off = 1;
    } else {
      for (x = 0; x < width; x++)
        sum[x] = pad[x] + pad[x + 1] + pad[x + 2];
      off = 3;
    }
    /* pad[i]: the sum of the b pixels from i (for i + b <= n); the
     * highest digit comes with the row */
    for (;;) {
      for (x = 0; x + b <= n; x++)
        pad[x] = pad[x] + pad[x + b / 4] + pad[x + b / 2] + pad[x + 3 * b / 4];
      if (len / b < 4)
        break;
      add_digit (NULL, sum, pad, off, b, (len / b) & 3, width);
      off += b * ((len / b) & 3);
      b *= 4;
    }
    add_digit (row, sum, pad, off, b, len / b, width);
  }
}

void PASTE (kms_feather_weights_, KMS_SUFFIX) (const guint16 * s,
    gint width, guint32 mul, guint8 * wt)
{
  gint x;

  for (x = 0; x < width; x++)
    wt[x] = (guint8) ((s[x] * mul + (1u << 23)) >> 24);
}

void PASTE (kms_feather_blend32_, KMS_SUFFIX) (guint8 * row,
    const guint8 * wt, gint width, const KmsFeather * f)
{
  gint x = 0, i;

  /* outside the mask's ramps: eight pixels at a time */
  for (; x + 8 <= width; x += 8) {
    guint64 u;

    memcpy (&u, wt + x, 8);
    if (u)
      for (i = x; i < x + 8; i++)
        if (wt[i])
          kms_feather_pixel32 (row + 4 * (gsize) i, wt[i], f);
  }
  for (; x < width; x++)
    if (wt[x])
      kms_feather_pixel32 (row + 4 * (gsize) x, wt[x], f);
}

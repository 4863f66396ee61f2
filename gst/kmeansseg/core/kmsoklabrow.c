/* kmeansseg: a row of a stream's colours to OkLab bytes
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
 * the loops for it. It is table look-ups, integer arithmetic and IEEE
 * single-precision arithmetic in the order kms_oklab_pixel_fine()
 * (kmsoklab.c) does it, without FMA (-ffp-contract=off), so every level
 * writes the same bytes.
 *
 * A row goes through in chunks, one stage a loop over the chunk (the
 * look-ups, then the arithmetic, then the rounding), which the vectoriser
 * takes stage by stage. */

#include "kmsdsp.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

#define CHUNK 64

static inline gint32
clip12 (gint32 v)
{
  return v < 0 ? 0 : v > (1 << KMS_OKLAB_YUV_BITS) - 1 ?
      (1 << KMS_OKLAB_YUV_BITS) - 1 : v;
}

void
PASTE (kms_oklab_row_, KMS_SUFFIX) (const KmsOklab * t, guint8 * const *c,
    guint16 * const *fine, gint width)
{
  guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  gint32 yr[CHUNK], yg[CHUNK], yb[CHUNK];
  gfloat r[CHUNK], g[CHUNK], b[CHUNK];
  /* the coefficients in locals: the byte stores could alias the tables,
   * which would keep the compiler from vectorising */
  const gfloat m1_00 = t->m1[0][0], m1_01 = t->m1[0][1], m1_02 = t->m1[0][2];
  const gfloat m1_10 = t->m1[1][0], m1_11 = t->m1[1][1], m1_12 = t->m1[1][2];
  const gfloat m1_20 = t->m1[2][0], m1_21 = t->m1[2][1], m1_22 = t->m1[2][2];
  const gfloat m2_00 = t->m2[0][0], m2_01 = t->m2[0][1], m2_02 = t->m2[0][2];
  const gfloat m2_10 = t->m2[1][0], m2_11 = t->m2[1][1], m2_12 = t->m2[1][2];
  const gfloat m2_20 = t->m2[2][0], m2_21 = t->m2[2][1], m2_22 = t->m2[2][2];
  const gfloat o0 = t->off2[0], o1 = t->off2[1], o2 = t->off2[2];
  const gint32 yc = t->yc, cb0 = t->cb[0], cb1 = t->cb[1], cb2 = t->cb[2];
  const gint32 cr0 = t->cr[0], cr1 = t->cr[1], cr2 = t->cr[2];
  const gint32 off0 = t->off[0], off1 = t->off[1], off2 = t->off[2];
  const gfloat *lin8 = t->lin8, *lin12 = t->lin12;
  gint x0, i;

  if (t->input == KMS_OKLAB_FROM_GRAY) {
    const guint8 *gray = t->gray;
    const guint16 *gray_fine = t->gray_fine;

    if (fine)
      for (i = 0; i < width; i++) {
        fine[0][i] = gray_fine[c0[i]];
        fine[1][i] = fine[2][i] = 0;
      }
    for (i = 0; i < width; i++)
      c0[i] = gray[c0[i]];
    return;
  }

  for (x0 = 0; x0 < width; x0 += CHUNK) {
    const gint n = MIN (CHUNK, width - x0);
    guint8 *p0 = c0 + x0, *p1 = c1 + x0, *p2 = c2 + x0;

    /* linear light */
    if (t->input == KMS_OKLAB_FROM_RGB) {
      for (i = 0; i < n; i++) {
        r[i] = lin8[p0[i]];
        g[i] = lin8[p1[i]];
        b[i] = lin8[p2[i]];
      }
    } else {
      for (i = 0; i < n; i++) {
        const gint32 y = p0[i] * yc, u = p1[i], v = p2[i];

        yr[i] = clip12 ((y + u * cb0 + v * cr0 + off0) >> KMS_OKLAB_YUV_FRAC);
        yg[i] = clip12 ((y + u * cb1 + v * cr1 + off1) >> KMS_OKLAB_YUV_FRAC);
        yb[i] = clip12 ((y + u * cb2 + v * cr2 + off2) >> KMS_OKLAB_YUV_FRAC);
      }
      for (i = 0; i < n; i++) {
        r[i] = lin12[yr[i]];
        g[i] = lin12[yg[i]];
        b[i] = lin12[yb[i]];
      }
    }

    /* LMS, the cube roots, L, a, b (byte scale): the operations of
     * kms_oklab_pixel_fine(), in its order */
    for (i = 0; i < n; i++) {
      const gfloat lr = r[i], lg = g[i], lb = b[i];
      const gfloat l = kms_oklab_cbrt (m1_00 * lr + m1_01 * lg + m1_02 * lb);
      const gfloat m = kms_oklab_cbrt (m1_10 * lr + m1_11 * lg + m1_12 * lb);
      const gfloat s = kms_oklab_cbrt (m1_20 * lr + m1_21 * lg + m1_22 * lb);

      r[i] = m2_00 * l + m2_01 * m + m2_02 * s + o0;
      g[i] = m2_10 * l + m2_11 * m + m2_12 * s + o1;
      b[i] = m2_20 * l + m2_21 * m + m2_22 * s + o2;
    }

    if (fine) {
      guint16 *f0 = fine[0] + x0, *f1 = fine[1] + x0, *f2 = fine[2] + x0;

      for (i = 0; i < n; i++) {
        f0[i] = kms_oklab_fine (r[i]);
        f1[i] = kms_oklab_fine (g[i]);
        f2[i] = kms_oklab_fine (b[i]);
      }
    }
    for (i = 0; i < n; i++) {
      p0[i] = kms_oklab_byte (r[i]);
      p1[i] = kms_oklab_byte (g[i]);
      p2[i] = kms_oklab_byte (b[i]);
    }
  }
}

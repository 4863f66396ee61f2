/* kmeansseg: a row of sRGB colours to OkLab bytes, AVX2
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

/* The oklab kernel of kmsoklabrow.c for sRGB and Y'CbCr input at the
 * x86-64-v3 level: the same single-precision operations in the same order as
 * kms_oklab_pixel_fine() (kmsoklab.c, kmsdsp.h: kms_oklab_cbrt(),
 * kms_oklab_byte(), kms_oklab_fine()), no FMA, so the same bytes. 32
 * pixels at a time (the last ones of a row through a padded copy); the
 * linear-light look-ups are scalar loads, the rest eight pixels a vector;
 * the bytes' clipping is the saturation of the packs. Grey goes to the
 * portable kernel of the level. Built with -march=x86-64-v3, called only when the CPU runs
 * that level. */

#include <string.h>

#include "kmsdsp_x86.h"

#include <immintrin.h>

#define BLOCK 32

typedef struct
{
  __m256 m1[3][3], m2[3][3], off2[3];
  __m256 lms_min, third, one, c[4], half, sixteen;
  __m256i guess;
} Consts;

/* kms_oklab_cbrt() */
static inline __attribute__ ((always_inline)) __m256
cbrt8 (const Consts * k, __m256 v)
{
  __m256 y, x, e, p;

  v = _mm256_add_ps (v, k->lms_min);
  y = _mm256_castsi256_ps (_mm256_sub_epi32 (k->guess,
          _mm256_cvttps_epi32 (_mm256_mul_ps (_mm256_cvtepi32_ps
                  (_mm256_castps_si256 (v)), k->third))));
  x = _mm256_mul_ps (v, _mm256_mul_ps (y, y));
  e = _mm256_sub_ps (k->one, _mm256_mul_ps (x, y));
  p = _mm256_add_ps (_mm256_mul_ps (k->c[0], e), k->c[1]);
  p = _mm256_add_ps (_mm256_mul_ps (p, e), k->c[2]);
  p = _mm256_add_ps (_mm256_mul_ps (p, e), k->c[3]);
  p = _mm256_add_ps (_mm256_mul_ps (p, e), k->one);
  return _mm256_mul_ps (x, p);
}

/* lin8[] of eight bytes: scalar loads inserted into the vector (faster
 * on Zen 3 than a gather, and than stores to a buffer read back) */
static inline __attribute__ ((always_inline)) __m256
lookup8 (const gfloat * lin8, const guint8 * p)
{
  return _mm256_setr_ps (lin8[p[0]], lin8[p[1]], lin8[p[2]], lin8[p[3]],
      lin8[p[4]], lin8[p[5]], lin8[p[6]], lin8[p[7]]);
}

/* lin12[] of eight indices */
static inline __attribute__ ((always_inline)) __m256
lookup8_12 (const gfloat * lin12, const gint32 * i)
{
  return _mm256_setr_ps (lin12[i[0]], lin12[i[1]], lin12[i[2]], lin12[i[3]],
      lin12[i[4]], lin12[i[5]], lin12[i[6]], lin12[i[7]]);
}

static inline gint32
clip12 (gint32 v)
{
  return v < 0 ? 0 : v > (1 << KMS_OKLAB_YUV_BITS) - 1 ?
      (1 << KMS_OKLAB_YUV_BITS) - 1 : v;
}

/* a * x + b * y + c * z, in that order */
static inline __attribute__ ((always_inline)) __m256
dot3 (const __m256 m[3], __m256 x, __m256 y, __m256 z)
{
  return _mm256_add_ps (_mm256_add_ps (_mm256_mul_ps (m[0], x),
          _mm256_mul_ps (m[1], y)), _mm256_mul_ps (m[2], z));
}

/* 32 int32 (four vectors in order) to 32 clipped bytes */
static inline __attribute__ ((always_inline)) __m256i
pack_bytes (__m256i a, __m256i b, __m256i c, __m256i d)
{
  const __m256i v = _mm256_packus_epi16 (_mm256_packs_epi32 (a, b),
      _mm256_packs_epi32 (c, d));

  return _mm256_permutevar8x32_epi32 (v, _mm256_setr_epi32 (0, 4, 1, 5, 2,
          6, 3, 7));
}

/* 16 int32 (two vectors in order) to 16 fine coordinates, clipped */
static inline __attribute__ ((always_inline)) __m256i
pack_fine (__m256i a, __m256i b)
{
  const __m256i max = _mm256_set1_epi32 ((256 << KMS_OKLAB_FINE_BITS) - 1);

  a = _mm256_min_epi32 (a, max);
  b = _mm256_min_epi32 (b, max);
  /* packus clips below at 0 */
  return _mm256_permute4x64_epi64 (_mm256_packus_epi32 (a, b), 0xd8);
}

/* One block of BLOCK pixels of p0, p1, p2 in place (and fine), sRGB or
 * (@yuv) Y'CbCr */
static inline __attribute__ ((always_inline)) void
block (const Consts * k, const KmsOklab * t, gboolean yuv, guint8 * p0,
    guint8 * p1, guint8 * p2, guint16 * f0, guint16 * f1, guint16 * f2)
{
  const gfloat *lin8 = t->lin8, *lin12 = t->lin12;
  gint32 idx[3][BLOCK];
  __m256i out[3][BLOCK / 8], fo[3][BLOCK / 8];
  guint8 *const p[3] = { p0, p1, p2 };
  guint16 *const f[3] = { f0, f1, f2 };
  gint i, ch;

  /* Y'CbCr: the 12-bit R', G', B' as kms_oklab_pixel_fine() (integers) */
  if (yuv)
    for (ch = 0; ch < 3; ch++) {
      const gint32 yc = t->yc, cb = t->cb[ch], cr = t->cr[ch];
      const gint32 off = t->off[ch];

      for (i = 0; i < BLOCK; i++)
        idx[ch][i] = clip12 ((p0[i] * yc + p1[i] * cb + p2[i] * cr + off) >>
            KMS_OKLAB_YUV_FRAC);
    }
  for (i = 0; i < BLOCK / 8; i++) {
    const __m256 r = yuv ? lookup8_12 (lin12, idx[0] + 8 * i) :
        lookup8 (lin8, p0 + 8 * i);
    const __m256 g = yuv ? lookup8_12 (lin12, idx[1] + 8 * i) :
        lookup8 (lin8, p1 + 8 * i);
    const __m256 b = yuv ? lookup8_12 (lin12, idx[2] + 8 * i) :
        lookup8 (lin8, p2 + 8 * i);
    const __m256 l = cbrt8 (k, dot3 (k->m1[0], r, g, b));
    const __m256 m = cbrt8 (k, dot3 (k->m1[1], r, g, b));
    const __m256 s = cbrt8 (k, dot3 (k->m1[2], r, g, b));

    for (ch = 0; ch < 3; ch++) {
      const __m256 v = _mm256_add_ps (dot3 (k->m2[ch], l, m, s),
          k->off2[ch]);

      /* kms_oklab_fine(), kms_oklab_byte() */
      if (f0)
        fo[ch][i] = _mm256_cvttps_epi32 (_mm256_add_ps (_mm256_mul_ps (v,
                    k->sixteen), k->half));
      out[ch][i] = _mm256_cvttps_epi32 (_mm256_add_ps (v, k->half));
    }
    if (f0 && (i & 1))
      for (ch = 0; ch < 3; ch++)
        _mm256_storeu_si256 ((__m256i *) (f[ch] + 8 * (i - 1)),
            pack_fine (fo[ch][i - 1], fo[ch][i]));
  }
  for (ch = 0; ch < 3; ch++)
    _mm256_storeu_si256 ((__m256i *) p[ch], pack_bytes (out[ch][0],
            out[ch][1], out[ch][2], out[ch][3]));
}

void
kms_oklab_row_avx2 (const KmsOklab * t, guint8 * const *c,
    guint16 * const *fine, gint width)
{
  guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  const gboolean yuv = t->input == KMS_OKLAB_FROM_YUV;
  Consts k;
  gint x, i, j;

  if (t->input == KMS_OKLAB_FROM_GRAY) {
    kms_oklab_row_v3 (t, c, fine, width);
    return;
  }
  for (i = 0; i < 3; i++) {
    for (j = 0; j < 3; j++) {
      k.m1[i][j] = _mm256_set1_ps (t->m1[i][j]);
      k.m2[i][j] = _mm256_set1_ps (t->m2[i][j]);
    }
    k.off2[i] = _mm256_set1_ps (t->off2[i]);
  }
  k.lms_min = _mm256_set1_ps (KMS_OKLAB_LMS_MIN);
  k.third = _mm256_set1_ps (1.0f / 3);
  k.one = _mm256_set1_ps (1.0f);
  k.c[0] = _mm256_set1_ps (910.0f / 2187);
  k.c[1] = _mm256_set1_ps (40.0f / 81);
  k.c[2] = _mm256_set1_ps (5.0f / 9);
  k.c[3] = _mm256_set1_ps (2.0f / 3);
  k.half = _mm256_set1_ps (0.5f);
  k.sixteen = _mm256_set1_ps ((gfloat) (1 << KMS_OKLAB_FINE_BITS));
  k.guess = _mm256_set1_epi32 (KMS_OKLAB_CBRT_GUESS);

  /* the four cases each a loop of its own (block() inlined) */
  for (x = 0; x + BLOCK <= width; x += BLOCK) {
    if (yuv && fine)
      block (&k, t, TRUE, c0 + x, c1 + x, c2 + x, fine[0] + x, fine[1] + x,
          fine[2] + x);
    else if (yuv)
      block (&k, t, TRUE, c0 + x, c1 + x, c2 + x, NULL, NULL, NULL);
    else if (fine)
      block (&k, t, FALSE, c0 + x, c1 + x, c2 + x, fine[0] + x, fine[1] + x,
          fine[2] + x);
    else
      block (&k, t, FALSE, c0 + x, c1 + x, c2 + x, NULL, NULL, NULL);
  }
  if (x < width) {
    /* the last pixels through a padded copy */
    guint8 pad[3][BLOCK] = { {0} };
    guint16 pf[3][BLOCK];
    const gint n = width - x;

    for (i = 0; i < 3; i++)
      memcpy (pad[i], c[i] + x, n);
    block (&k, t, yuv, pad[0], pad[1], pad[2], fine ? pf[0] : NULL,
        pf[1], pf[2]);
    for (i = 0; i < 3; i++) {
      memcpy (c[i] + x, pad[i], n);
      if (fine)
        memcpy (fine[i] + x, pf[i], n * sizeof (guint16));
    }
  }
}

/* kmeansseg: feathering's blend of 4-byte pixels, AVX2
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

/* kmsfeather.c's weights and blend32 at the x86-64-v3 level.
 *
 * The weights, (s * mul + 2^23) >> 24, in 16-bit lanes: with mul = 2^16 mh
 * + ml and t = s * mh + ((s * ml) >> 16), it is (t + 128) >> 8 (the low
 * 16 bits dropped are less than one, and t + 128 is an integer); s * mul
 * + 2^23 < 2^32, so s * mh and t + 128 fit 16 bits. 32 a step, the last
 * ones one by one.
 *
 * The blend: the same bytes, eight
 * pixels (32 bytes) at a time, the last ones of a row one by one. Each
 * pixel's weight is spread over its four bytes by vpshufb, each byte's
 * weight (a * mul + 127) / 255 taken in 16-bit lanes (the division as a
 * multiply-high by 0x8081 and a shift, exact for every 16-bit value), and
 * the blend done in 16-bit lanes too: a * (255 - w) + b * w + 128 is at
 * most 65153. Eight pixels of weight 0 are skipped, eight of weight 255
 * take the mask's bytes. Built with -march=x86-64-v3, called only when
 * the CPU runs that level. */

#include <string.h>

#include "kmsdsp_x86.h"

#include <immintrin.h>

void
kms_feather_weights_avx2 (const guint16 * s, gint width, guint32 mul,
    guint8 * wt)
{
  const __m256i mh = _mm256_set1_epi16 ((gint16) (mul >> 16));
  const __m256i ml = _mm256_set1_epi16 ((gint16) (mul & 0xffff));
  const __m256i r128 = _mm256_set1_epi16 (128);
  gint x = 0;

  for (; x + 32 <= width; x += 32) {
    const __m256i a = _mm256_loadu_si256 ((const __m256i *) (s + x));
    const __m256i b = _mm256_loadu_si256 ((const __m256i *) (s + x + 16));
    __m256i ta, tb;

    ta = _mm256_add_epi16 (_mm256_add_epi16 (_mm256_mullo_epi16 (a, mh),
            _mm256_mulhi_epu16 (a, ml)), r128);
    tb = _mm256_add_epi16 (_mm256_add_epi16 (_mm256_mullo_epi16 (b, mh),
            _mm256_mulhi_epu16 (b, ml)), r128);
    /* (packus works per 128-bit lane: the quarters put back in order) */
    _mm256_storeu_si256 ((__m256i *) (wt + x),
        _mm256_permute4x64_epi64 (_mm256_packus_epi16 (_mm256_srli_epi16 (ta,
                    8), _mm256_srli_epi16 (tb, 8)), 0xd8));
  }
  for (; x < width; x++)
    wt[x] = (guint8) ((s[x] * mul + (1u << 23)) >> 24);
}

void
kms_feather_blend32_avx2 (guint8 * row, const guint8 * wt, gint width,
    const KmsFeather * f)
{
  const __m256i spread = _mm256_setr_epi8 (0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i ones = _mm256_set1_epi8 ((gchar) 0xff);
  const __m256i w255 = _mm256_set1_epi16 (255);
  const __m256i r128 = _mm256_set1_epi16 (128);
  const __m256i r127 = _mm256_set1_epi16 (127);
  const __m256i div255 = _mm256_set1_epi16 ((gint16) 0x8081);
  guint32 m32, mul32, full32;
  __m256i mask, mask16, mul16, full;
  gint x = 0;

  memcpy (&m32, f->mask, 4);
  memcpy (&mul32, f->mul, 4);
  memcpy (&full32, f->full, 4);
  mask = _mm256_set1_epi32 ((gint32) m32);
  full = _mm256_set1_epi32 ((gint32) full32);
  /* the four bytes' pattern repeats, so the low and the high halves of
   * each lane widen to the same 16-bit vector */
  mask16 = _mm256_unpacklo_epi8 (mask, zero);
  mul16 = _mm256_unpacklo_epi8 (_mm256_set1_epi32 ((gint32) mul32), zero);

  for (; x + 8 <= width; x += 8) {
    guint8 *px = row + 4 * (gsize) x;
    guint64 u;
    __m256i a, a255, w, wlo, whi, p, plo, phi, lo, hi;

    memcpy (&u, wt + x, 8);
    if (!u)
      continue;
    p = _mm256_loadu_si256 ((const __m256i *) px);
    if (u == G_MAXUINT64) {
      /* inside: the mask, as a hard edge writes it */
      _mm256_storeu_si256 ((__m256i *) px, _mm256_blendv_epi8 (p, mask,
              full));
      continue;
    }
    a = _mm256_shuffle_epi8 (_mm256_set1_epi64x ((gint64) u), spread);
    a255 = _mm256_cmpeq_epi8 (a, ones);
    /* each byte's weight: (a * mul + 127) / 255, or full at 255 */
    lo = _mm256_add_epi16 (_mm256_mullo_epi16 (_mm256_unpacklo_epi8 (a,
                zero), mul16), r127);
    hi = _mm256_add_epi16 (_mm256_mullo_epi16 (_mm256_unpackhi_epi8 (a,
                zero), mul16), r127);
    lo = _mm256_srli_epi16 (_mm256_mulhi_epu16 (lo, div255), 7);
    hi = _mm256_srli_epi16 (_mm256_mulhi_epu16 (hi, div255), 7);
    w = _mm256_blendv_epi8 (_mm256_packus_epi16 (lo, hi), full, a255);
    wlo = _mm256_unpacklo_epi8 (w, zero);
    whi = _mm256_unpackhi_epi8 (w, zero);
    plo = _mm256_unpacklo_epi8 (p, zero);
    phi = _mm256_unpackhi_epi8 (p, zero);
    /* p * (255 - w) + m * w + 128, then (v + (v >> 8)) >> 8 */
    lo = _mm256_add_epi16 (_mm256_add_epi16 (_mm256_mullo_epi16 (plo,
                _mm256_sub_epi16 (w255, wlo)), _mm256_mullo_epi16 (mask16,
                wlo)), r128);
    hi = _mm256_add_epi16 (_mm256_add_epi16 (_mm256_mullo_epi16 (phi,
                _mm256_sub_epi16 (w255, whi)), _mm256_mullo_epi16 (mask16,
                whi)), r128);
    lo = _mm256_srli_epi16 (_mm256_add_epi16 (lo, _mm256_srli_epi16 (lo, 8)),
        8);
    hi = _mm256_srli_epi16 (_mm256_add_epi16 (hi, _mm256_srli_epi16 (hi, 8)),
        8);
    _mm256_storeu_si256 ((__m256i *) px, _mm256_packus_epi16 (lo, hi));
  }
  for (; x < width; x++)
    if (wt[x])
      kms_feather_pixel32 (row + 4 * (gsize) x, wt[x], f);
}

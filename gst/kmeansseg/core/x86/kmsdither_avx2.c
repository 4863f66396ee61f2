/* kmeansseg: the dither kernel at the x86-64-v3 level (AVX2)
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

/* What kmsdither.c computes (checkasm compares the two), for k <=
 * KMS_CELL_MAX_K, in the way of kmsassign_avx2.c:
 *
 * - 32 pixels a block, as 4 x 8 32-bit lanes holding the channel pairs
 *   (c0, c1) and (c2, 0);
 * - per colour, the search key 64 (|c|^2 - 2 x.c + KEY_OFFSET) + index
 *   from two vpmaddwd: the own colour's key kept by a compare with the
 *   label, the others' (not fixed) reduced by one unsigned minimum, which
 *   is the nearest other colour, ties to the lower index; the difference
 *   of the two keys' upper bits is d2 - d1;
 * - |c2 - c1|^2 from the colours looked up by vpermd (k <= 8) or from
 *   dither->dist by a gather.
 *
 * The last block of a row goes through a padded copy. */

#include <string.h>

#include "kmsdsp_x86.h"

#include <immintrin.h>

#define VECTOR_ALIGNED __attribute__ ((aligned (32)))

#define BLOCK 32
#define VECS (BLOCK / 8)
/* |c|^2 - 2 x.c + KEY_OFFSET is positive and below 2^20 */
#define KEY_OFFSET (1 << 19)
#define KEY_SHIFT 6

void
kms_dither_row_avx2 (const KmsAssignPalette * pal, const KmsDither * dither,
    const guint8 * const *c, const guint8 * labels, const guint8 * thr,
    gint width, guint8 * out, guint8 * prev)
{
  const guint k = pal->k;
  const __m256i all = _mm256_set1_epi32 (-1), zero = _mm256_setzero_si256 ();
  const __m256i low = _mm256_set1_epi32 ((1 << KEY_SHIFT) - 1);
  const __m256i s = _mm256_set1_epi32 (dither->strength);
  const __m256i margin = _mm256_set1_epi32 (dither->margin);
  const __m256i nmargin = _mm256_set1_epi32 (-dither->margin);
  const __m256i order = _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7);
  __m256i init[KMS_CELL_MAX_K], w01[KMS_CELL_MAX_K], w2[KMS_CELL_MAX_K];
  __m256i fix[KMS_CELL_MAX_K], tab[3], tinit, tw01, tw2;
  gboolean any_fixed = FALSE;
  guint j, ch;
  gint x0, v;

  g_assert (k >= 1 && k <= KMS_CELL_MAX_K);
  for (j = 0; j < k; j++) {
    const gint32 a0 = pal->c[0][j], a1 = pal->c[1][j], a2 = pal->c[2][j];

    init[j] = _mm256_set1_epi32 (64 * (a0 * a0 + a1 * a1 + a2 * a2 +
            KEY_OFFSET) + (gint32) j);
    w01[j] = _mm256_set1_epi32 ((gint32) ((guint32) (guint16) (-128 * a0) |
            ((guint32) (guint16) (-128 * a1) << 16)));
    w2[j] = _mm256_set1_epi32 ((gint32) (guint16) (-128 * a2));
    fix[j] = dither->fixed[j] ? all : zero;
    any_fixed |= dither->fixed[j] != 0;
  }
  for (ch = 0; ch < 3; ch++)
    tab[ch] = _mm256_loadu_si256 ((const __m256i *) pal->c[ch]);
  /* k <= 8: the terms as 8-entry tables, for the own colour's key */
  tinit = tw01 = tw2 = zero;
  if (k <= 8) {
    gint32 t[3][8] VECTOR_ALIGNED = { {0,}, };

    for (j = 0; j < k; j++) {
      t[0][j] = _mm256_extract_epi32 (init[j], 0);
      t[1][j] = _mm256_extract_epi32 (w01[j], 0);
      t[2][j] = _mm256_extract_epi32 (w2[j], 0);
    }
    tinit = _mm256_load_si256 ((const __m256i *) t[0]);
    tw01 = _mm256_load_si256 ((const __m256i *) t[1]);
    tw2 = _mm256_load_si256 ((const __m256i *) t[2]);
  }

  for (x0 = 0; x0 < width; x0 += BLOCK) {
    const gint n = MIN (BLOCK, width - x0);
    guint8 pad[5][BLOCK] VECTOR_ALIGNED, res[BLOCK] VECTOR_ALIGNED;
    const guint8 *src[5];
    __m256i x01[VECS], x2[VECS], lab[VECS], own[VECS], other[VECS];
    __m256i fx[VECS], r[VECS];
    gint i;

    src[0] = c[0] + x0;
    src[1] = c[1] + x0;
    src[2] = c[2] + x0;
    src[3] = labels + x0;
    src[4] = prev ? prev + x0 : NULL;
    if (G_UNLIKELY (n < BLOCK)) {
      for (ch = 0; ch < 5; ch++) {
        if (!src[ch])
          continue;
        for (i = 0; i < BLOCK; i++)
          pad[ch][i] = src[ch][MIN (i, n - 1)];
        src[ch] = pad[ch];
      }
    }
    for (v = 0; v < VECS; v++) {
      const __m256i a = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                  *) (src[0] + 8 * v)));
      const __m256i b = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                  *) (src[1] + 8 * v)));

      x01[v] = _mm256_or_si256 (a, _mm256_slli_epi32 (b, 16));
      x2[v] = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *)
              (src[2] + 8 * v)));
      lab[v] = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *)
              (src[3] + 8 * v)));
      own[v] = zero;
      other[v] = all;
      fx[v] = zero;
    }
    if (k <= 8 && !any_fixed) {
      /* the two smallest keys of all; the own colour's key from the
       * tables: the nearest other is the smallest unless that is the own
       * colour (then the second) */
      __m256i m1[VECS], m2[VECS];

      for (v = 0; v < VECS; v++)
        m1[v] = m2[v] = all;
      for (j = 0; j < k; j++)
        for (v = 0; v < VECS; v++) {
          const __m256i key = _mm256_add_epi32 (init[j],
              _mm256_add_epi32 (_mm256_madd_epi16 (x01[v], w01[j]),
                  _mm256_madd_epi16 (x2[v], w2[j])));

          m2[v] = _mm256_min_epu32 (m2[v], _mm256_max_epu32 (m1[v], key));
          m1[v] = _mm256_min_epu32 (m1[v], key);
        }
      for (v = 0; v < VECS; v++) {
        const __m256i first = _mm256_cmpeq_epi32 (_mm256_and_si256 (m1[v],
                low), lab[v]);

        own[v] = _mm256_add_epi32 (_mm256_permutevar8x32_epi32 (tinit,
                lab[v]), _mm256_add_epi32 (_mm256_madd_epi16 (x01[v],
                    _mm256_permutevar8x32_epi32 (tw01, lab[v])),
                _mm256_madd_epi16 (x2[v], _mm256_permutevar8x32_epi32 (tw2,
                        lab[v]))));
        other[v] = _mm256_blendv_epi8 (m1[v], m2[v], first);
      }
    } else {
      for (j = 0; j < k; j++) {
        const __m256i jv = _mm256_set1_epi32 ((gint32) j);

        for (v = 0; v < VECS; v++) {
          const __m256i key = _mm256_add_epi32 (init[j],
              _mm256_add_epi32 (_mm256_madd_epi16 (x01[v], w01[j]),
                  _mm256_madd_epi16 (x2[v], w2[j])));
          const __m256i eq = _mm256_cmpeq_epi32 (lab[v], jv);

          own[v] = _mm256_blendv_epi8 (own[v], key, eq);
          other[v] = _mm256_min_epu32 (other[v], _mm256_or_si256 (key,
                  _mm256_or_si256 (eq, fix[j])));
          fx[v] = _mm256_or_si256 (fx[v], _mm256_and_si256 (eq, fix[j]));
        }
      }
    }
    for (v = 0; v < VECS; v++) {
      const __m256i th = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                  *) (thr + (x0 & (KMS_DITHER_TILE - 1)) + 8 * v)));
      /* no other colour, or a fixed own one: c2 is c1 */
      const __m256i none = _mm256_or_si256 (fx[v],
          _mm256_cmpeq_epi32 (other[v], all));
      const __m256i best = _mm256_blendv_epi8 (_mm256_and_si256 (other[v],
              low), lab[v], none);
      const __m256i diff = _mm256_sub_epi32 (_mm256_srli_epi32 (other[v],
              KEY_SHIFT), _mm256_srli_epi32 (own[v], KEY_SHIFT));
      __m256i dd, num, bias, lhs, rhs;

      if (k <= 8) {
        dd = zero;
        for (ch = 0; ch < 3; ch++) {
          const __m256i e = _mm256_sub_epi32 (_mm256_permutevar8x32_epi32
              (tab[ch], best), _mm256_permutevar8x32_epi32 (tab[ch], lab[v]));

          dd = _mm256_add_epi32 (dd, _mm256_mullo_epi32 (e, e));
        }
      } else {
        dd = _mm256_i32gather_epi32 (dither->dist, _mm256_add_epi32
            (_mm256_mullo_epi32 (lab[v], _mm256_set1_epi32 ((gint32) k)),
                best), 4);
      }
      /* 2 |d|^2 t = |d|^2 - (d2 - d1), clamped to 0..|d|^2 (no other
       * colour: dd is 0, so is num) */
      num = _mm256_min_epi32 (_mm256_max_epi32 (_mm256_sub_epi32 (dd, diff),
              zero), dd);
      bias = zero;
      if (prev) {
        const __m256i pv = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const
                    __m128i *) (src[4] + 8 * v)));

        bias = _mm256_blendv_epi8 (bias, nmargin, _mm256_cmpeq_epi32 (pv,
                lab[v]));
        bias = _mm256_blendv_epi8 (bias, margin, _mm256_cmpeq_epi32 (pv, best));
      }
      lhs = _mm256_mullo_epi32 (_mm256_sub_epi32 (th, bias),
          _mm256_add_epi32 (dd, dd));
      rhs = _mm256_mullo_epi32 (num, s);
      r[v] = _mm256_blendv_epi8 (lab[v], best, _mm256_cmpgt_epi32 (rhs, lhs));
    }
    {
      const __m256i p01 = _mm256_packus_epi32 (r[0], r[1]);
      const __m256i p23 = _mm256_packus_epi32 (r[2], r[3]);
      const __m256i b = _mm256_permutevar8x32_epi32 (_mm256_packus_epi16 (p01,
              p23), order);

      if (G_LIKELY (n == BLOCK)) {
        _mm256_storeu_si256 ((__m256i *) (out + x0), b);
        if (prev)
          _mm256_storeu_si256 ((__m256i *) (prev + x0), b);
      } else {
        _mm256_store_si256 ((__m256i *) res, b);
        memcpy (out + x0, res, n);
        if (prev)
          memcpy (prev + x0, res, n);
      }
    }
  }
}

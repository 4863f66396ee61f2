/* kmeansseg: exact assignment and painting of 4-byte pixels, AVX-512
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

/* The hot path of the element (RGBx, BGRA, ...: 4-byte pixels, k <= 32),
 * written with AVX-512 (F, BW, VL, VBMI) intrinsics; built with those flags,
 * called only when the CPU has them (kms_assign_avx512_supported()). It
 * computes exactly what kmsassign.c does, and the tests check the two
 * against an exhaustive scan:
 *
 * - 32 pixels at a time; one byte permute per channel spreads them over
 *   32 16-bit lanes;
 * - the candidates are the union of the pixels' colour cells (one gather
 *   per 16 pixels from the 16 KiB cell table);
 * - per candidate, squared distances in saturating 16-bit lanes (exact
 *   below 65535; a block where a needed distance saturates is done again
 *   by the portable code, in 32 bits);
 * - hysteresis in the same float arithmetic as kmsassign.c;
 * - painting by a two-table permute of each label's keep and set words.
 *
 * Whole blocks use plain loads and stores: masked ones cost several times
 * more on some CPUs (AMD Zen 4); only the last block of a row is masked. */

#include <string.h>

#include "kmsassign.h"

#ifdef KMS_HAVE_AVX512

/* GCC 12's own intrinsic headers trip this (their _mm512_undefined_*) */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#define BLOCK 32
/* 32-bit error lanes take at most 65534 per block */
#define FLUSH_BLOCKS 16384
/* how far ahead the source is prefetched, in bytes */
#define PREFETCH 2048
#ifndef BRUTE_K
#define BRUTE_K 8
#endif

gboolean
kms_assign_avx512_supported (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") &&
      __builtin_cpu_supports ("avx512bw") &&
      __builtin_cpu_supports ("avx512vl") &&
      __builtin_cpu_supports ("avx512vbmi");
}

/* Byte indices that put byte @offset of each of 32 4-byte pixels (64
 * bytes in a, 64 in b) in the low byte of 16-bit lane j */
static inline __m512i
channel_index (guint offset)
{
  guint8 idx[64];
  guint j;

  for (j = 0; j < 32; j++) {
    idx[2 * j] = (guint8) (4 * j + offset);
    idx[2 * j + 1] = 0;
  }
  return _mm512_loadu_si512 (idx);
}

static inline guint64
reduce_error (__m512i acc)
{
  const __m512i lo = _mm512_cvtepu32_epi64 (_mm512_castsi512_si256 (acc));
  const __m512i hi = _mm512_cvtepu32_epi64 (_mm512_extracti64x4_epi64 (acc,
          1));

  return (guint64) _mm512_reduce_add_epi64 (_mm512_add_epi64 (lo, hi));
}

/* One centroid's channels and index, in every 16-bit lane */
typedef struct
{
  __m512i c[KMS_MAX_CHANNELS];
  __m512i id;
} Centroid;

/* Squared distances of the 32 pixels to @cen, saturated at 65535 */
static inline __m512i
distance (const __m512i * px, const __m512i c0, const __m512i c1,
    const __m512i c2)
{
  const __m512i d0 = _mm512_sub_epi16 (px[0], c0);
  const __m512i d1 = _mm512_sub_epi16 (px[1], c1);
  const __m512i d2 = _mm512_sub_epi16 (px[2], c2);

  return _mm512_adds_epu16 (_mm512_adds_epu16 (_mm512_mullo_epi16 (d0, d0),
          _mm512_mullo_epi16 (d1, d1)), _mm512_mullo_epi16 (d2, d2));
}

void
kms_assign_paint_row32_avx512 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst)
{
  const guint k = pal->k;
  const guint32 used = k >= 32 ? G_MAXUINT32 : (1u << k) - 1;
  const gboolean use_cells = pal->cells && k > BRUTE_K;
  const __mmask64 low_bytes = 0x5555555555555555ull;
  const __m512i ix0 = channel_index (shift[0] / 8);
  const __m512i ix1 = channel_index (shift[1] / 8);
  const __m512i ix2 = channel_index (shift[2] / 8);
  const __m512i ones16 = _mm512_set1_epi16 (-1);
  const __m512i vk = _mm512_set1_epi16 ((gshort) k);
  const gboolean margin = hyst && hyst->apply;
  const __m512 m = _mm512_set1_ps (hyst ? (gfloat) hyst->margin : 0);
  __m512i keep0, keep1, set0, set1, acc = _mm512_setzero_si512 ();
  __m512i pal16[KMS_MAX_CHANNELS];
  Centroid cen[KMS_CELL_MAX_K];
  guint16 tab[KMS_MAX_CHANNELS][KMS_CELL_MAX_K];
  guint64 s = 0;
  guint i, ch;
  gint x;

  g_assert (k >= 1 && k <= KMS_CELL_MAX_K);

  keep0 = _mm512_loadu_si512 (paint->keep);
  keep1 = _mm512_loadu_si512 (paint->keep + 16);
  set0 = _mm512_loadu_si512 (paint->set);
  set1 = _mm512_loadu_si512 (paint->set + 16);
  /* the palette, broadcast per centroid and as 16-bit tables (for the
   * distance to each pixel's previous label) */
  memset (tab, 0, sizeof (tab));
  for (i = 0; i < k; i++) {
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      tab[ch][i] = (guint16) pal->c[ch][i];
      cen[i].c[ch] = _mm512_set1_epi16 ((gshort) pal->c[ch][i]);
    }
    cen[i].id = _mm512_set1_epi16 ((gshort) i);
  }
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    pal16[ch] = _mm512_loadu_si512 (tab[ch]);

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    const __mmask32 valid = n == BLOCK ? 0xffffffffu : (1u << n) - 1;
    const __mmask16 va = (__mmask16) valid, vb = (__mmask16) (valid >> 16);
    const __m512i a = n == BLOCK ? _mm512_loadu_si512 (src + 4 * x) :
        _mm512_maskz_loadu_epi32 (va, src + 4 * x);
    const __m512i b = n == BLOCK ? _mm512_loadu_si512 (src + 4 * x + 64) :
        _mm512_maskz_loadu_epi32 (vb, src + 4 * x + 64);
    __m512i px[KMS_MAX_CHANNELS], lab, best, oa, ob;
    guint32 bits, left;

    _mm_prefetch ((const char *) src + 4 * x + PREFETCH, _MM_HINT_T0);
    _mm_prefetch ((const char *) src + 4 * x + PREFETCH + 64, _MM_HINT_T0);

    px[0] = _mm512_maskz_permutex2var_epi8 (low_bytes, a, ix0, b);
    px[1] = _mm512_maskz_permutex2var_epi8 (low_bytes, a, ix1, b);
    px[2] = _mm512_maskz_permutex2var_epi8 (low_bytes, a, ix2, b);

    /* the candidates: every centroid for a small k (a scan of each costs
     * less than finding fewer), else the union of the pixels' cells */
    if (use_cells) {
      const __m512i cell = _mm512_ternarylogic_epi32 (
          _mm512_slli_epi16 (_mm512_srli_epi16 (px[0], KMS_CELL_SHIFT),
              2 * KMS_CELL_BITS),
          _mm512_slli_epi16 (_mm512_srli_epi16 (px[1], KMS_CELL_SHIFT),
              KMS_CELL_BITS),
          _mm512_srli_epi16 (px[2], KMS_CELL_SHIFT), 0xfe);
      const __m512i ca = _mm512_cvtepu16_epi32 (_mm512_castsi512_si256
          (cell));
      const __m512i cb = _mm512_cvtepu16_epi32 (_mm512_extracti64x4_epi64
          (cell, 1));
      const __m512i ga = n == BLOCK ?
          _mm512_i32gather_epi32 (ca, pal->cells, 4) :
          _mm512_mask_i32gather_epi32 (_mm512_setzero_si512 (), va, ca,
          pal->cells, 4);
      const __m512i gb = n == BLOCK ?
          _mm512_i32gather_epi32 (cb, pal->cells, 4) :
          _mm512_mask_i32gather_epi32 (_mm512_setzero_si512 (), vb, cb,
          pal->cells, 4);

      bits = (guint32) _mm512_reduce_or_epi32 (_mm512_or_si512 (ga, gb)) &
          used;
    } else {
      bits = used;
    }

    /* increasing index: a tie keeps the lower one */
    i = __builtin_ctz (bits);
    best = distance (px, cen[i].c[0], cen[i].c[1], cen[i].c[2]);
    lab = cen[i].id;
    for (left = bits & (bits - 1); left; left &= left - 1) {
      const Centroid *c = &cen[__builtin_ctz (left)];
      const __m512i d = distance (px, c->c[0], c->c[1], c->c[2]);

      lab = _mm512_mask_mov_epi16 (lab, _mm512_cmplt_epu16_mask (d, best),
          c->id);
      best = _mm512_min_epu16 (d, best);
    }
    /* a distance of 65535 may be more: the portable code, in 32 bits */
    if (G_UNLIKELY (_mm512_mask_cmpeq_epi16_mask (valid, best, ones16)))
      goto portable;

    if (margin) {
      /* keep a previous label (a candidate) that is not the nearest when
       * it is no more than the margin farther */
      const __m512i prev = _mm512_cvtepu8_epi16 (n == BLOCK ?
          _mm256_loadu_si256 ((const __m256i *) (hyst->prev + x)) :
          _mm256_maskz_loadu_epi8 (valid, hyst->prev + x));
      __mmask32 differ = _mm512_mask_cmpneq_epi16_mask (valid, prev, lab) &
          _mm512_cmplt_epu16_mask (prev, vk);

      if (differ && use_cells)
        differ &= _mm512_test_epi16_mask (_mm512_permutexvar_epi16 (prev,
                _mm512_movm_epi16 (bits)), ones16);
      if (differ) {
        const __m512i dprev = distance (px,
            _mm512_permutexvar_epi16 (prev, pal16[0]),
            _mm512_permutexvar_epi16 (prev, pal16[1]),
            _mm512_permutexvar_epi16 (prev, pal16[2]));
        const __m512 b0 = _mm512_cvtepi32_ps (_mm512_cvtepu16_epi32
            (_mm512_castsi512_si256 (best)));
        const __m512 b1 = _mm512_cvtepi32_ps (_mm512_cvtepu16_epi32
            (_mm512_extracti64x4_epi64 (best, 1)));
        const __m512 p0 = _mm512_cvtepi32_ps (_mm512_cvtepu16_epi32
            (_mm512_castsi512_si256 (dprev)));
        const __m512 p1 = _mm512_cvtepi32_ps (_mm512_cvtepu16_epi32
            (_mm512_extracti64x4_epi64 (dprev, 1)));
        const __m512 l0 = _mm512_add_ps (_mm512_sqrt_ps (b0), m);
        const __m512 l1 = _mm512_add_ps (_mm512_sqrt_ps (b1), m);
        const __mmask32 within = (__mmask32)
            _mm512_cmp_ps_mask (p0, _mm512_mul_ps (l0, l0), _CMP_LE_OQ) |
            ((__mmask32) _mm512_cmp_ps_mask (p1, _mm512_mul_ps (l1, l1),
                    _CMP_LE_OQ) << 16);
        const __mmask32 keep = differ & within;

        if (G_UNLIKELY (_mm512_mask_cmpeq_epi16_mask (differ, dprev,
                    ones16)))
          goto portable;
        lab = _mm512_mask_mov_epi16 (lab, keep, prev);
        best = _mm512_mask_mov_epi16 (best, keep, dprev);
      }
    }

    for (left = bits; left; left &= left - 1) {
      i = __builtin_ctz (left);
      counts[i] += __builtin_popcount (_mm512_mask_cmpeq_epi16_mask (valid,
              lab, cen[i].id));
    }

    /* the error of the valid pixels */
    best = _mm512_maskz_mov_epi16 (valid, best);
    acc = _mm512_add_epi32 (acc, _mm512_add_epi32 (_mm512_cvtepu16_epi32
            (_mm512_castsi512_si256 (best)),
            _mm512_cvtepu16_epi32 (_mm512_extracti64x4_epi64 (best, 1))));

    if (hyst && n == BLOCK)
      _mm256_storeu_si256 ((__m256i *) (hyst->prev + x),
          _mm512_cvtepi16_epi8 (lab));
    else if (hyst)
      _mm256_mask_storeu_epi8 (hyst->prev + x, valid,
          _mm512_cvtepi16_epi8 (lab));

    oa = a;
    ob = b;
    if (write) {
      const __m512i la = _mm512_cvtepu16_epi32 (_mm512_castsi512_si256 (lab));
      const __m512i lb = _mm512_cvtepu16_epi32 (_mm512_extracti64x4_epi64
          (lab, 1));

      /* (pixel & keep) | set */
      oa = _mm512_ternarylogic_epi32 (a,
          _mm512_permutex2var_epi32 (keep0, la, keep1),
          _mm512_permutex2var_epi32 (set0, la, set1), 0xea);
      ob = _mm512_ternarylogic_epi32 (b,
          _mm512_permutex2var_epi32 (keep0, lb, keep1),
          _mm512_permutex2var_epi32 (set0, lb, set1), 0xea);
    }
    if ((write || dst != src) && n == BLOCK) {
      _mm512_storeu_si512 (dst + 4 * x, oa);
      _mm512_storeu_si512 (dst + 4 * x + 64, ob);
    } else if (write || dst != src) {
      _mm512_mask_storeu_epi32 (dst + 4 * x, va, oa);
      _mm512_mask_storeu_epi32 (dst + 4 * x + 64, vb, ob);
    }
    if (G_UNLIKELY ((x / BLOCK) % FLUSH_BLOCKS == FLUSH_BLOCKS - 1)) {
      s += reduce_error (acc);
      acc = _mm512_setzero_si512 ();
    }
    continue;

  portable:
    {
      KmsHysteresis sub;

      if (hyst) {
        sub = *hyst;
        sub.prev = hyst->prev + x;
      }
      kms_assign_paint_row32_simd (pal, paint, shift, write, src + 4 * x,
          dst + 4 * x, n, counts, &s, hyst ? &sub : NULL);
    }
  }
  *sse += s + reduce_error (acc);
}

#endif /* KMS_HAVE_AVX512 */

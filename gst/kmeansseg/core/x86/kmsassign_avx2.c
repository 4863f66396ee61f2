/* kmeansseg: exact assignment and painting of 4-byte pixels, AVX2
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

/* The hot path of the element at the x86-64-v3 level (AVX2, BMI2): the
 * assignment of 4-byte pixels (RGBx, BGRA, ...), painted in the same pass,
 * and of planar rows (YUV, grey), for k <= 64. Built with -march=x86-64-v3,
 * called only when the CPU runs that level. It computes exactly what
 * kmsassign.c does (checkasm compares the two), in the way of
 * kmsassign_avx512.c:
 *
 * - 32 pixels a block, as 4 x 8 32-bit lanes holding the channel pairs
 *   (c0, c1) and (c2, 0);
 * - per candidate centroid, an exact integer search key from two vpmaddwd
 *   (see search_key()); one unsigned minimum gives the nearest and breaks
 *   ties to the lower index;
 * - candidates: every centroid up to k = KMS_AVX2_ALL_K, else the union of
 *   the block's colour cells (kmscells.c);
 * - hysteresis in the same float arithmetic as kmsassign.c, on the blocks
 *   where a pixel's previous label is not its nearest;
 * - label counts in 4-bit lanes for k <= 8, else a compare per candidate;
 * - per-label tables (painting, the previous label's colour) looked up by
 *   vpermd, 8 entries a permute.
 *
 * The last block of a row goes through a padded copy: AVX2 has no masked
 * byte loads, and its masked 32-bit stores are slow on AMD. */

#include <string.h>

#include "kmsdsp_x86.h"

#include <immintrin.h>

/* Local arrays read or written as vectors say their alignment (see
 * kmsassign_avx512.c: AddressSanitizer's relocated stack frames) */
#define VECTOR_ALIGNED __attribute__ ((aligned (32)))

#define INLINE static inline __attribute__ ((always_inline))

#define BLOCK 32
#define VECS (BLOCK / 8)
/* 32-bit error lanes take at most 4 * 195075 per block */
#define FLUSH_BLOCKS 4096

/* The search key of a pixel x and centroid c, as kmsassign_avx512.c:
 *
 *   key = 64 (|c|^2 - 2 x.c + KEY_OFFSET) + index
 *
 * |c|^2 - 2 x.c is |x - c|^2 - |x|^2: for a pixel, the smallest key is the
 * nearest centroid, and among equally near ones the lowest index. Two
 * vpmaddwd make it from the pixel's channels as 16-bit pairs (c0, c1) and
 * (c2, 0) and the centroid's weights -128 c. The largest key is below
 * 2^26, the smallest above 2^22. */
#define KEY_OFFSET (1 << 19)
#define KEY_SHIFT 6

/* One centroid's terms, broadcast */
typedef struct
{
  __m256i init;                 /* 64 (|c|^2 + KEY_OFFSET) + index */
  __m256i w01;                  /* (-128 c0, -128 c1) as 16-bit pairs */
  __m256i w2;                   /* (-128 c2, 0) */
} Centroid;

/* Label counts for k <= NIBBLE_K without a compare per label: each 32-bit
 * lane keeps a 4-bit counter per label (a pixel adds 1 << 4 label), moved
 * into 8-bit counters every NIBBLE_BLOCKS blocks and into counts[] every
 * BYTE_FLUSHES of those */
#define NIBBLE_K 8
#define NIBBLE_BLOCKS 3         /* four pixels a lane a block: at most 12 */
#define BYTE_FLUSHES 21         /* 12 at a time: at most 252 */

typedef struct
{
  __m256i nib;                  /* labels 0..7, 4 bits each */
  __m256i even, odd;            /* labels 0, 2, 4, 6 and 1, 3, 5, 7, a byte
                                 * each */
  guint n_nib, n_byte;
} Counters;

/* What every block of a row uses */
typedef struct
{
  guint k;
  guint n_tab;                  /* 8-entry tables a per-label table has */
  guint64 used;                 /* the bits of every centroid */
  const guint64 *cells;         /* NULL: every centroid is a candidate */
  gboolean margin;              /* hysteresis applies */
  __m256 m;
  gboolean measure;             /* add up the error */
  Counters c;
  __m256i acc;                  /* error, 32-bit lanes */
  guint64 s;                    /* error, flushed */
  guint blocks;
  /* each centroid's colour as the pixels' pairs, 8 a vector, for the
   * distance to a previous label */
  __m256i col01[KMS_CELL_MAX_K / 8], col2[KMS_CELL_MAX_K / 8];
  Centroid cent[KMS_CELL_MAX_K];
} Row;

static inline guint64
reduce_error (__m256i acc)
{
  const __m256i lo = _mm256_cvtepu32_epi64 (_mm256_castsi256_si128 (acc));
  const __m256i hi = _mm256_cvtepu32_epi64 (_mm256_extracti128_si256 (acc,
          1));
  const __m256i s = _mm256_add_epi64 (lo, hi);
  const __m128i t = _mm_add_epi64 (_mm256_castsi256_si128 (s),
      _mm256_extracti128_si256 (s, 1));

  return (guint64) _mm_cvtsi128_si64 (t) + (guint64) _mm_extract_epi64 (t, 1);
}

static inline guint32
hsum_epi32 (__m256i v)
{
  __m128i t = _mm_add_epi32 (_mm256_castsi256_si128 (v),
      _mm256_extracti128_si256 (v, 1));

  t = _mm_add_epi32 (t, _mm_shuffle_epi32 (t, _MM_SHUFFLE (1, 0, 3, 2)));
  t = _mm_add_epi32 (t, _mm_shuffle_epi32 (t, _MM_SHUFFLE (2, 3, 0, 1)));
  return (guint32) _mm_cvtsi128_si32 (t);
}

static inline void
flush_bytes (Counters * c, guint k, guint64 * counts)
{
  const __m256i ff = _mm256_set1_epi32 (0xff);
  guint j;

  for (j = 0; j < 4; j++) {
    if (2 * j < k)
      counts[2 * j] += hsum_epi32 (_mm256_and_si256 (_mm256_srli_epi32
              (c->even, 8 * j), ff));
    if (2 * j + 1 < k)
      counts[2 * j + 1] += hsum_epi32 (_mm256_and_si256 (_mm256_srli_epi32
              (c->odd, 8 * j), ff));
  }
  c->even = c->odd = _mm256_setzero_si256 ();
  c->n_byte = 0;
}

static inline void
flush_nibbles (Counters * c, guint k, guint64 * counts)
{
  const __m256i m = _mm256_set1_epi32 (0x0f0f0f0f);

  c->even = _mm256_add_epi8 (c->even, _mm256_and_si256 (c->nib, m));
  c->odd = _mm256_add_epi8 (c->odd, _mm256_and_si256 (_mm256_srli_epi32
          (c->nib, 4), m));
  c->nib = _mm256_setzero_si256 ();
  c->n_nib = 0;
  if (++c->n_byte == BYTE_FLUSHES)
    flush_bytes (c, k, counts);
}

/* b where the sign bit of @sel is set, else a */
INLINE __m256i
blend_sign (__m256i a, __m256i b, __m256i sel)
{
  return _mm256_castps_si256 (_mm256_blendv_ps (_mm256_castsi256_ps (a),
          _mm256_castsi256_ps (b), _mm256_castsi256_ps (sel)));
}

/* Entry idx (the low 3 + log2 n_tab bits of each 32-bit lane) of the
 * tables t[n_tab] of 8 entries each (n_tab 1, 2, 4 or 8): a permute a
 * table, then blends on the index's bits 3, 4, 5 */
INLINE __m256i
lookup (const __m256i * t, guint n_tab, __m256i idx)
{
  __m256i a = _mm256_permutevar8x32_epi32 (t[0], idx), b, s3, s4;

  if (n_tab == 1)
    return a;
  s3 = _mm256_slli_epi32 (idx, 28);
  a = blend_sign (a, _mm256_permutevar8x32_epi32 (t[1], idx), s3);
  if (n_tab == 2)
    return a;
  s4 = _mm256_slli_epi32 (idx, 27);
  b = blend_sign (_mm256_permutevar8x32_epi32 (t[2], idx),
      _mm256_permutevar8x32_epi32 (t[3], idx), s3);
  a = blend_sign (a, b, s4);
  if (n_tab == 4)
    return a;
  b = blend_sign (blend_sign (_mm256_permutevar8x32_epi32 (t[4], idx),
          _mm256_permutevar8x32_epi32 (t[5], idx), s3),
      blend_sign (_mm256_permutevar8x32_epi32 (t[6], idx),
          _mm256_permutevar8x32_epi32 (t[7], idx), s3), s4);
  return blend_sign (a, b, _mm256_slli_epi32 (idx, 26));
}

static void
row_init (Row * r, const KmsAssignPalette * pal, const KmsHysteresis * hyst,
    gboolean measure)
{
  const guint k = pal->k;
  gint32 c01[KMS_CELL_MAX_K] VECTOR_ALIGNED;
  gint32 c2[KMS_CELL_MAX_K] VECTOR_ALIGNED;
  guint i;

  g_assert (k >= 1 && k <= KMS_CELL_MAX_K);

  r->k = k;
  r->n_tab = k <= 8 ? 1 : k <= 16 ? 2 : k <= 32 ? 4 : 8;
  r->used = k >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << k) - 1;
  r->cells = pal->cells && k > KMS_AVX2_ALL_K ? pal->cells : NULL;
  r->margin = hyst && hyst->apply;
  r->m = _mm256_set1_ps (hyst ? (gfloat) hyst->margin : 0);
  r->measure = measure;
  for (i = 0; i < k; i++) {
    const gint32 p0 = pal->c[0][i], p1 = pal->c[1][i], p2 = pal->c[2][i];

    r->cent[i].init = _mm256_set1_epi32 ((1 << KEY_SHIFT) * (p0 * p0 +
            p1 * p1 + p2 * p2 + KEY_OFFSET) + (gint32) i);
    r->cent[i].w01 = _mm256_set1_epi32 ((gint32) ((guint32) (guint16) (-128 *
                p0) | ((guint32) (guint16) (-128 * p1) << 16)));
    r->cent[i].w2 = _mm256_set1_epi32 ((gint32) (guint16) (-128 * p2));
    c01[i] = p0 | (p1 << 16);
    c2[i] = p2;
  }
  for (; i < 8 * r->n_tab; i++)
    c01[i] = c2[i] = 0;
  for (i = 0; i < r->n_tab; i++) {
    r->col01[i] = _mm256_load_si256 ((const __m256i *) (c01 + 8 * i));
    r->col2[i] = _mm256_load_si256 ((const __m256i *) (c2 + 8 * i));
  }
  r->c.nib = r->c.even = r->c.odd = _mm256_setzero_si256 ();
  r->c.n_nib = r->c.n_byte = 0;
  r->acc = _mm256_setzero_si256 ();
  r->s = 0;
  r->blocks = 0;
}

static inline void
row_finish (Row * r, guint64 * counts, guint64 * sse)
{
  if (r->k <= NIBBLE_K) {
    flush_nibbles (&r->c, r->k, counts);
    flush_bytes (&r->c, r->k, counts);
  }
  if (sse)
    *sse += r->s + reduce_error (r->acc);
}

INLINE __m256i
search_key (const Centroid * c, __m256i x01, __m256i x2)
{
  return _mm256_add_epi32 (_mm256_add_epi32 (c->init, _mm256_madd_epi16 (x01,
              c->w01)), _mm256_madd_epi16 (x2, c->w2));
}

/* |x - c|^2 of the key's centroid, from the key and |x|^2 */
INLINE __m256i
key_distance (__m256i key, __m256i x_sq)
{
  return _mm256_add_epi32 (_mm256_sub_epi32 (_mm256_srli_epi32 (key,
              KEY_SHIFT), _mm256_set1_epi32 (KEY_OFFSET)), x_sq);
}

/* (float) d_prev <= (sqrtf ((float) d_best) + m)^2, as kmsassign.c; all
 * ones where it holds */
INLINE __m256i
within_margin (__m256i d_best, __m256i d_prev, __m256 m)
{
  const __m256 lim = _mm256_add_ps (_mm256_sqrt_ps (_mm256_cvtepi32_ps
          (d_best)), m);

  return _mm256_castps_si256 (_mm256_cmp_ps (_mm256_cvtepi32_ps (d_prev),
          _mm256_mul_ps (lim, lim), _CMP_LE_OQ));
}

/* The cells' candidates of a block (padding pixels are black: more
 * candidates, never other labels) */
INLINE guint64
cell_bits (const guint64 * cells, const __m256i * x01, const __m256i * x2)
{
  const __m256i m = _mm256_set1_epi32 ((1 << KMS_CELL_BITS) - 1);
  guint32 ix[BLOCK] VECTOR_ALIGNED;
  guint64 bits = 0;
  guint v, j;

  for (v = 0; v < VECS; v++) {
    const __m256i i0 = _mm256_and_si256 (_mm256_srli_epi32 (x01[v],
            KMS_CELL_SHIFT), m);
    const __m256i i1 = _mm256_and_si256 (_mm256_srli_epi32 (x01[v],
            16 + KMS_CELL_SHIFT), m);
    const __m256i i2 = _mm256_srli_epi32 (x2[v], KMS_CELL_SHIFT);

    _mm256_store_si256 ((__m256i *) (ix + 8 * v),
        _mm256_or_si256 (_mm256_or_si256 (_mm256_slli_epi32 (i0,
                    2 * KMS_CELL_BITS), _mm256_slli_epi32 (i1,
                    KMS_CELL_BITS)), i2));
  }
  /* scalar loads: the table is small and in cache, and a gather costs
   * more */
  for (j = 0; j < BLOCK; j++)
    bits |= cells[ix[j]];
  return bits;
}

/* 4 x 8 32-bit labels (< 256) as 32 bytes in pixel order */
INLINE __m256i
labels_to_bytes (const __m256i * l)
{
  const __m256i p01 = _mm256_packus_epi32 (l[0], l[1]);
  const __m256i p23 = _mm256_packus_epi32 (l[2], l[3]);

  /* 4-byte groups l0[0..3] l1[0..3] l2[0..3] l3[0..3] l0[4..7] ... */
  return _mm256_permutevar8x32_epi32 (_mm256_packus_epi16 (p01, p23),
      _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7));
}

/* The labels of one block of n (<= 32) pixels, whose channels are the
 * pairs x01 = (c0, c1) and x2 = (c2, 0) of pixels 8 v .. 8 v + 7 in
 * vector v (padding pixels 0); the previous labels at @prev (32 bytes,
 * with hysteresis). Returns them as bytes, and in 32-bit lanes in l[];
 * adds to the counts and the error. For dithering (@oth not NULL, no
 * colour cells): also the key of each pixel's nearest colour other than
 * its label in oth[] (all ones: none), the distance to its label in dl[]
 * and to that colour in dot[]; then @k is r->k, a constant where the
 * caller unrolls for it. */
INLINE __m256i
label_block (Row * r, guint k, const __m256i * x01, const __m256i * x2,
    gint n, const guint8 * prev, guint64 * counts, __m256i * l, __m256i * oth,
    __m256i * dl, __m256i * dot)
{
  /* r->k, or for dithering @k */
#define K (oth ? k : r->k)
  const __m256i low = _mm256_set1_epi32 ((1 << KEY_SHIFT) - 1);
  const guint32 valid = n == BLOCK ? 0xffffffffu : (1u << n) - 1;
  __m256i key[VECS], sq[VECS], d[VECS], l8;
  guint64 bits, left;
  guint i, v;

  if (!r->cells) {
    /* every centroid (a scan of each costs less than finding fewer); for
     * dithering the second smallest key too */
    bits = r->used;
    for (v = 0; v < VECS; v++) {
      key[v] = search_key (&r->cent[0], x01[v], x2[v]);
      if (oth)
        oth[v] = _mm256_set1_epi32 (-1);
    }
    if (oth && k >= 2) {
      /* k is a constant here (see dither_blocks()): unrolled, the keys
       * need no moves between registers from one centroid to the next;
       * the second centroid's key starts the second smallest */
      for (v = 0; v < VECS; v++) {
        const __m256i kk = search_key (&r->cent[1], x01[v], x2[v]);

        oth[v] = _mm256_max_epu32 (key[v], kk);
        key[v] = _mm256_min_epu32 (key[v], kk);
      }
#pragma GCC unroll 8
      for (i = 2; i < k; i++)
        for (v = 0; v < VECS; v++) {
          const __m256i kk = search_key (&r->cent[i], x01[v], x2[v]);

          oth[v] = _mm256_min_epu32 (oth[v], _mm256_max_epu32 (key[v], kk));
          key[v] = _mm256_min_epu32 (key[v], kk);
        }
    } else if (!oth) {
      for (i = 1; i < K; i++)
        for (v = 0; v < VECS; v++) {
          const __m256i kk = search_key (&r->cent[i], x01[v], x2[v]);

          key[v] = _mm256_min_epu32 (key[v], kk);
        }
    }
  } else {
    /* the union of the pixels' cells: the two lowest candidates (twice
     * the one, if alone) without a branch, then any others: their number
     * varies from block to block, and a loop over exactly them
     * mispredicts its exit */
    guint64 rest;
    guint i0, i1;

    bits = cell_bits (r->cells, x01, x2) & r->used;
    rest = bits & (bits - 1);
    i0 = __builtin_ctzll (bits);
    i1 = __builtin_ctzll (rest ? rest : bits);
    for (v = 0; v < VECS; v++)
      key[v] = _mm256_min_epu32 (search_key (&r->cent[i0], x01[v], x2[v]),
          search_key (&r->cent[i1], x01[v], x2[v]));
    for (left = rest & (rest - 1); left; left &= left - 1) {
      i = __builtin_ctzll (left);
      for (v = 0; v < VECS; v++)
        key[v] = _mm256_min_epu32 (key[v], search_key (&r->cent[i], x01[v],
                x2[v]));
    }
  }
  for (v = 0; v < VECS; v++)
    l[v] = _mm256_and_si256 (key[v], low);
  if (r->measure || r->margin || oth) {
    /* the distances: for the error, against a previous label, or for
     * dithering */
    for (v = 0; v < VECS; v++) {
      sq[v] = _mm256_add_epi32 (_mm256_madd_epi16 (x01[v], x01[v]),
          _mm256_madd_epi16 (x2[v], x2[v]));
      d[v] = key_distance (key[v], sq[v]);
    }
  }
  l8 = labels_to_bytes (l);

  if (r->margin) {
    /* keep a previous label (a candidate) that is not the nearest when it
     * is no more than the margin farther */
    const __m256i p8 = _mm256_loadu_si256 ((const __m256i *) prev);
    const __m256i in_k = _mm256_cmpeq_epi8 (_mm256_min_epu8 (p8,
            _mm256_set1_epi8 ((gchar) (K - 1))), p8);
    const __m256i same = _mm256_cmpeq_epi8 (p8, l8);
    const guint32 differ = (guint32) _mm256_movemask_epi8 (_mm256_andnot_si256
        (same, in_k)) & valid;

    if (differ) {
      const __m256i bits_lo = _mm256_set1_epi32 ((gint32) (guint32) bits);
      const __m256i bits_hi = _mm256_set1_epi32 ((gint32) (bits >> 32));
      const __m256i one = _mm256_set1_epi32 (1);
      const __m256i m8 = _mm256_setr_epi32 (1, 2, 4, 8, 16, 32, 64, 128);

      for (v = 0; v < VECS; v++) {
        const guint32 dv = (differ >> (8 * v)) & 0xff;
        __m256i p, e01, e2, dp, keep;

        if (!dv)
          continue;
        p = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *) (prev +
                    8 * v)));
        /* the lanes of dv, all ones */
        keep = _mm256_cmpeq_epi32 (_mm256_and_si256 (_mm256_set1_epi32
                ((gint32) dv), m8), m8);
        if (r->cells) {
          /* and of candidates (srlv gives 0 for a count past 31) */
          const __m256i in = _mm256_and_si256 (_mm256_or_si256
              (_mm256_srlv_epi32 (bits_lo, p), _mm256_srlv_epi32 (bits_hi,
                      _mm256_sub_epi32 (p, _mm256_set1_epi32 (32)))), one);

          keep = _mm256_and_si256 (keep, _mm256_cmpeq_epi32 (in, one));
        }
        e01 = _mm256_sub_epi16 (x01[v], lookup (r->col01, r->n_tab, p));
        e2 = _mm256_sub_epi16 (x2[v], lookup (r->col2, r->n_tab, p));
        dp = _mm256_add_epi32 (_mm256_madd_epi16 (e01, e01),
            _mm256_madd_epi16 (e2, e2));
        keep = _mm256_and_si256 (keep, within_margin (d[v], dp, r->m));
        l[v] = _mm256_blendv_epi8 (l[v], p, keep);
        d[v] = _mm256_blendv_epi8 (d[v], dp, keep);
      }
      l8 = labels_to_bytes (l);
    }
  }

  if (K <= NIBBLE_K) {
    /* a 4-bit counter per label in each 32-bit lane */
    const __m256i one = _mm256_set1_epi32 (1);
    __m256i add = _mm256_setzero_si256 ();

    for (v = 0; v < VECS; v++) {
      __m256i a = _mm256_sllv_epi32 (one, _mm256_slli_epi32 (l[v], 2));

      if (n < BLOCK)
        a = _mm256_and_si256 (a, _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n),
                _mm256_add_epi32 (_mm256_set1_epi32 (8 * v),
                    _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7))));
      add = _mm256_add_epi32 (add, a);
    }
    r->c.nib = _mm256_add_epi32 (r->c.nib, add);
    if (++r->c.n_nib == NIBBLE_BLOCKS)
      flush_nibbles (&r->c, K, counts);
  } else {
    for (left = bits; left; left &= left - 1) {
      i = __builtin_ctzll (left);
      counts[i] += __builtin_popcount ((guint32) _mm256_movemask_epi8
          (_mm256_cmpeq_epi8 (l8, _mm256_set1_epi8 ((gchar) i))) & valid);
    }
  }

  /* the nearest colour other than the label: the nearest, unless that is
   * the label (then the second) */
  if (oth) {
    const __m256i all = _mm256_set1_epi32 (-1);

    for (v = 0; v < VECS; v++) {
      const __m256i first = _mm256_cmpeq_epi32 (_mm256_and_si256 (key[v],
              low), l[v]);

      oth[v] = _mm256_blendv_epi8 (key[v], oth[v], first);
      dl[v] = d[v];
      dot[v] = key_distance (oth[v], sq[v]);
      /* k = 1: no other colour */
      if (K == 1)
        dot[v] = all;
    }
  }

  /* the error of the valid pixels */
  if (r->measure) {
    __m256i add = _mm256_setzero_si256 ();

    for (v = 0; v < VECS; v++) {
      __m256i a = d[v];

      if (n < BLOCK)
        a = _mm256_and_si256 (a, _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n),
                _mm256_add_epi32 (_mm256_set1_epi32 (8 * v),
                    _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7))));
      add = _mm256_add_epi32 (add, a);
    }
    r->acc = _mm256_add_epi32 (r->acc, add);
    if (G_UNLIKELY (++r->blocks == FLUSH_BLOCKS)) {
      r->s += reduce_error (r->acc);
      r->acc = _mm256_setzero_si256 ();
      r->blocks = 0;
    }
  }
  return l8;
#undef K
}

/* Byte shuffles (within 128-bit lanes) that make (c0, c1) and (c2, 0) of
 * each 4-byte pixel */
static inline __m256i
pair_index (gint lo, gint hi)
{
  guint8 idx[32] VECTOR_ALIGNED;
  guint j;

  for (j = 0; j < 32; j += 4) {
    idx[j] = (guint8) ((j % 16) + lo);
    idx[j + 1] = 0x80;
    idx[j + 2] = hi < 0 ? 0x80 : (guint8) ((j % 16) + hi);
    idx[j + 3] = 0x80;
  }
  return _mm256_load_si256 ((const __m256i *) idx);
}

/* One block of the row: n 4-byte pixels at @src (32 readable), their
 * previous labels at @prev (32 readable, with hysteresis; receives the
 * labels); the pixels, painted when @write, to @out (32 writable) unless
 * NULL */
INLINE void
paint_block (Row * r, const __m256i * keep, const __m256i * set,
    gboolean same_keep, __m256i ix01, __m256i ix2, gboolean write,
    const guint8 * src, guint8 * out, gint n, guint8 * prev,
    guint64 * counts)
{
  __m256i px[VECS], x01[VECS], x2[VECS], l[VECS], l8;
  guint v;

  for (v = 0; v < VECS; v++) {
    px[v] = _mm256_loadu_si256 ((const __m256i *) (src + 32 * v));
    x01[v] = _mm256_shuffle_epi8 (px[v], ix01);
    x2[v] = _mm256_shuffle_epi8 (px[v], ix2);
  }
  l8 = label_block (r, 0, x01, x2, n, prev, counts, l, NULL, NULL, NULL);
  if (prev)
    _mm256_storeu_si256 ((__m256i *) prev, l8);
  if (!out)
    return;
  for (v = 0; v < VECS; v++) {
    if (write) {
      /* (pixel & keep) | set; keep is often the same for every label */
      const __m256i k = same_keep ? keep[0] : lookup (keep, r->n_tab, l[v]);

      px[v] = _mm256_or_si256 (_mm256_and_si256 (px[v], k), lookup (set,
              r->n_tab, l[v]));
    }
    _mm256_storeu_si256 ((__m256i *) (out + 32 * v), px[v]);
  }
}

void
kms_assign_paint_row32_avx2 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst)
{
  const guint k = pal->k;
  const __m256i ix01 = pair_index (shift[0] / 8, shift[1] / 8);
  const __m256i ix2 = pair_index (shift[2] / 8, -1);
  const gboolean store = write || dst != src;
  guint32 keep_tab[KMS_CELL_MAX_K] VECTOR_ALIGNED;
  guint32 set_tab[KMS_CELL_MAX_K] VECTOR_ALIGNED;
  __m256i keep[KMS_CELL_MAX_K / 8], set[KMS_CELL_MAX_K / 8];
  gboolean same_keep;
  Row r;
  guint i;
  gint x;

  row_init (&r, pal, hyst, sse != NULL);
  for (i = 1; i < k && paint->keep[i] == paint->keep[0]; i++);
  same_keep = i == k;
  for (i = 0; i < 8 * r.n_tab; i++) {
    keep_tab[i] = i < k ? paint->keep[i] : 0;
    set_tab[i] = i < k ? paint->set[i] : 0;
  }
  for (i = 0; i < r.n_tab; i++) {
    keep[i] = _mm256_load_si256 ((const __m256i *) (keep_tab + 8 * i));
    set[i] = _mm256_load_si256 ((const __m256i *) (set_tab + 8 * i));
  }
  if (same_keep)
    keep[0] = _mm256_set1_epi32 ((gint) paint->keep[0]);

  for (x = 0; x + BLOCK <= width; x += BLOCK)
    paint_block (&r, keep, set, same_keep, ix01, ix2, write, src + 4 * x,
        store ? dst + 4 * x : NULL, BLOCK, hyst ? hyst->prev + x : NULL,
        counts);
  if (x < width) {
    /* the last pixels, padded with black */
    const gint n = width - x;
    guint8 in[4 * BLOCK] VECTOR_ALIGNED, out[4 * BLOCK] VECTOR_ALIGNED;
    guint8 prev[BLOCK] VECTOR_ALIGNED;

    memset (in, 0, sizeof (in));
    memcpy (in, src + 4 * x, 4 * n);
    if (hyst) {
      memset (prev, 0, sizeof (prev));
      memcpy (prev, hyst->prev + x, n);
    }
    paint_block (&r, keep, set, same_keep, ix01, ix2, write, in, out, n,
        hyst ? prev : NULL, counts);
    if (hyst)
      memcpy (hyst->prev + x, prev, n);
    if (store)
      memcpy (dst + 4 * x, out, 4 * n);
  }
  row_finish (&r, counts, sse);
}

/* Dithering's constants for a row */
typedef struct
{
  __m256i s, margin, nmargin;
} Dither;

/* One block for dithering, as paint_block (always written): the painted
 * labels from the labels, the nearest other colours and the thresholds at
 * @thr (32), the last frame's painted labels at @pprev (32; receives
 * these). No branch a pixel vector: every label is looked up in @keep,
 * the same for every label or not, the strength multiplies (256 too), and
 * without a last frame @pprev is scratch and the margins are 0. */
INLINE void
dither_paint_block (Row * r, guint k, const Dither * dt, const __m256i * keep,
    const __m256i * set, __m256i ix01, __m256i ix2, const guint8 * src,
    guint8 * out, gint n, guint8 * prev, guint8 * pprev, const guint8 * thr,
    guint64 * counts)
{
  const __m256i low = _mm256_set1_epi32 ((1 << KEY_SHIFT) - 1);
  const __m256i zero = _mm256_setzero_si256 ();
  __m256i px[VECS], x01[VECS], x2[VECS], l[VECS], pl[VECS], l8;
  __m256i oth[VECS], dl[VECS], dot[VECS];
  guint v;

  for (v = 0; v < VECS; v++) {
    px[v] = _mm256_loadu_si256 ((const __m256i *) (src + 32 * v));
    x01[v] = _mm256_shuffle_epi8 (px[v], ix01);
    x2[v] = _mm256_shuffle_epi8 (px[v], ix2);
  }
  l8 = label_block (r, k, x01, x2, n, prev, counts, l, oth, dl, dot);
  if (prev)
    _mm256_storeu_si256 ((__m256i *) prev, l8);
  for (v = 0; v < VECS; v++) {
    const __m256i th = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                *) (thr + 8 * v)));
    /* k = 1: no second colour, c2 is c1 */
    const __m256i best = k == 1 ? l[v] : _mm256_and_si256 (oth[v], low);
    /* |c2 - c1|^2 (0 without a second colour); 2 |d|^2 t =
     * |d|^2 - (d2 - d1), clamped to 0..|d|^2 */
    const __m256i e01 = _mm256_sub_epi16 (lookup (r->col01, 1, best),
        lookup (r->col01, 1, l[v]));
    const __m256i e2 = _mm256_sub_epi16 (lookup (r->col2, 1, best),
        lookup (r->col2, 1, l[v]));
    const __m256i dd = _mm256_add_epi32 (_mm256_madd_epi16 (e01, e01),
        _mm256_madd_epi16 (e2, e2));
    const __m256i num = _mm256_min_epi32 (_mm256_max_epi32 (_mm256_sub_epi32
            (dd, _mm256_sub_epi32 (dot[v], dl[v])), zero), dd);
    const __m256i pv = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const
                __m128i *) (pprev + 8 * v)));
    __m256i bias, lhs, rhs;

    bias = _mm256_and_si256 (_mm256_cmpeq_epi32 (pv, l[v]), dt->nmargin);
    bias = _mm256_blendv_epi8 (bias, dt->margin, _mm256_cmpeq_epi32 (pv, best));
    lhs = _mm256_mullo_epi32 (_mm256_sub_epi32 (th, bias),
        _mm256_add_epi32 (dd, dd));
    rhs = _mm256_mullo_epi32 (num, dt->s);
    pl[v] = _mm256_blendv_epi8 (l[v], best, _mm256_cmpgt_epi32 (rhs, lhs));
    /* (pixel & keep) | set of the painted label */
    px[v] = _mm256_or_si256 (_mm256_and_si256 (px[v], lookup (keep, 1,
                pl[v])), lookup (set, 1, pl[v]));
    _mm256_storeu_si256 ((__m256i *) (out + 32 * v), px[v]);
  }
  _mm256_storeu_si256 ((__m256i *) pprev, labels_to_bytes (pl));
}

/* The whole blocks of a row (@prev: the painted labels, or scratch with
 * @stride 0); returns where they end */
INLINE gint
dither_blocks (Row * r, guint k, const Dither * dt, const __m256i * keep,
    const __m256i * set, __m256i ix01, __m256i ix2, const guint8 * src,
    guint8 * dst, const guint8 * thr, gint width, guint64 * counts,
    const KmsHysteresis * hyst, guint8 * prev, gint stride)
{
  gint x;

  for (x = 0; x + BLOCK <= width; x += BLOCK)
    dither_paint_block (r, k, dt, keep, set, ix01, ix2, src + 4 * x,
        dst + 4 * x, BLOCK, hyst ? hyst->prev + x : NULL, prev + stride * x,
        thr + (x & (KMS_DITHER_TILE - 1)), counts);
  return x;
}

void
kms_assign_dither_paint_row32_avx2 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const KmsDither * dither,
    const guint shift[KMS_MAX_CHANNELS], const guint8 * src, guint8 * dst,
    const guint8 * thr, gint width, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst, guint8 * prev)
{
  const guint k = pal->k;
  const __m256i ix01 = pair_index (shift[0] / 8, shift[1] / 8);
  const __m256i ix2 = pair_index (shift[2] / 8, -1);
  guint32 keep_tab[8] VECTOR_ALIGNED, set_tab[8] VECTOR_ALIGNED;
  guint8 scratch[BLOCK] VECTOR_ALIGNED;
  __m256i keep[1], set[1];
  Dither dt;
  Row r;
  guint i;
  gint x;

  /* a label fixed (masked): the portable kernel */
  for (i = 0; i < k && !dither->fixed[i]; i++);
  if (i < k || k > KMS_AVX2_ALL_K) {
    kms_assign_dither_paint_row32_v3 (pal, paint, dither, shift, src, dst,
        thr, width, counts, sse, hyst, prev);
    return;
  }
  row_init (&r, pal, hyst, sse != NULL);
  g_assert (!r.cells && r.n_tab == 1);
  for (i = 0; i < 8; i++) {
    keep_tab[i] = i < k ? paint->keep[i] : 0;
    set_tab[i] = i < k ? paint->set[i] : 0;
  }
  keep[0] = _mm256_load_si256 ((const __m256i *) keep_tab);
  set[0] = _mm256_load_si256 ((const __m256i *) set_tab);
  dt.s = _mm256_set1_epi32 (dither->strength);
  dt.margin = _mm256_set1_epi32 (prev ? dither->margin : 0);
  dt.nmargin = _mm256_set1_epi32 (prev ? -dither->margin : 0);
  memset (scratch, 0, sizeof (scratch));

  switch (k) {
      /* the centroids' loop unrolled for each k */
#define BLOCKS(kk) dither_blocks (&r, kk, &dt, keep, set, ix01, ix2, src, \
      dst, thr, width, counts, hyst, prev ? prev : scratch, prev ? 1 : 0)
    case 2:
      x = BLOCKS (2);
      break;
    case 3:
      x = BLOCKS (3);
      break;
    case 4:
      x = BLOCKS (4);
      break;
    case 5:
      x = BLOCKS (5);
      break;
    case 6:
      x = BLOCKS (6);
      break;
    case 7:
      x = BLOCKS (7);
      break;
    case 8:
      x = BLOCKS (8);
      break;
    default:
      x = BLOCKS (k);
      break;
#undef BLOCKS
  }
  if (x < width) {
    /* the last pixels, padded with black */
    const gint n = width - x;
    guint8 in[4 * BLOCK] VECTOR_ALIGNED, out[4 * BLOCK] VECTOR_ALIGNED;
    guint8 hp[BLOCK] VECTOR_ALIGNED, pp[BLOCK] VECTOR_ALIGNED;

    memset (in, 0, sizeof (in));
    memcpy (in, src + 4 * x, 4 * n);
    memset (hp, 0, sizeof (hp));
    memset (pp, 0, sizeof (pp));
    if (hyst)
      memcpy (hp, hyst->prev + x, n);
    if (prev)
      memcpy (pp, prev + x, n);
    dither_paint_block (&r, r.k, &dt, keep, set, ix01, ix2, in, out, n,
        hyst ? hp : NULL, pp, thr + (x & (KMS_DITHER_TILE - 1)), counts);
    if (hyst)
      memcpy (hyst->prev + x, hp, n);
    if (prev)
      memcpy (prev + x, pp, n);
    memcpy (dst + 4 * x, out, 4 * n);
  }
  row_finish (&r, counts, sse);
}

/* (c0, c1) and (c2, 0) pairs of 32 pixels from planar bytes (32 readable
 * of each) */
INLINE void
planar_pairs (const guint8 * c0, const guint8 * c1, const guint8 * c2,
    __m256i * x01, __m256i * x2)
{
  guint v;

  for (v = 0; v < VECS; v++) {
    const __m256i a = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                *) (c0 + 8 * v)));
    const __m256i b = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i
                *) (c1 + 8 * v)));

    x01[v] = _mm256_or_si256 (a, _mm256_slli_epi32 (b, 16));
    x2[v] = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *) (c2 +
                8 * v)));
  }
}

void
kms_assign_row_avx2 (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * labels, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst)
{
  __m256i x01[VECS], x2[VECS], l[VECS], l8;
  Row r;
  gint x;

  row_init (&r, pal, hyst, sse != NULL);
  for (x = 0; x + BLOCK <= width; x += BLOCK) {
    planar_pairs (c[0] + x, c[1] + x, c[2] + x, x01, x2);
    l8 = label_block (&r, 0, x01, x2, BLOCK, hyst ? hyst->prev + x : NULL,
        counts, l, NULL, NULL, NULL);
    _mm256_storeu_si256 ((__m256i *) (labels + x), l8);
    if (hyst)
      _mm256_storeu_si256 ((__m256i *) (hyst->prev + x), l8);
  }
  if (x < width) {
    /* the last pixels, padded with black */
    const gint n = width - x;
    guint8 in[3][BLOCK] VECTOR_ALIGNED, prev[BLOCK] VECTOR_ALIGNED;
    guint8 out[BLOCK] VECTOR_ALIGNED;
    guint ch;

    for (ch = 0; ch < 3; ch++) {
      memset (in[ch], 0, BLOCK);
      memcpy (in[ch], c[ch] + x, n);
    }
    if (hyst) {
      memset (prev, 0, sizeof (prev));
      memcpy (prev, hyst->prev + x, n);
    }
    planar_pairs (in[0], in[1], in[2], x01, x2);
    l8 = label_block (&r, 0, x01, x2, n, hyst ? prev : NULL, counts, l,
        NULL, NULL, NULL);
    _mm256_store_si256 ((__m256i *) out, l8);
    memcpy (labels + x, out, n);
    if (hyst)
      memcpy (hyst->prev + x, out, n);
  }
  row_finish (&r, counts, sse);
}

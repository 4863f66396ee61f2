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

/* The hot path of the element on a CPU with AVX-512 (F, BW, DQ, VL and
 * VNNI): the assignment of 4-byte pixels (RGBx, BGRA, ...), painted in the
 * same pass, and of planar rows (YUV, grey), for k <= 64. Built with those
 * flags, called only when the CPU has them (the AVX-512 level).
 * It computes exactly what kmsassign.c does (the tests check both against
 * an exhaustive scan):
 *
 * - 32 pixels a block, as 2 x 16 32-bit lanes holding the channel pairs
 *   (c0, c1) and (c2, 0);
 * - per candidate centroid, an exact integer search key from two VNNI dot
 *   products (see search_key()); one unsigned minimum gives the nearest
 *   and breaks ties to the lower index;
 * - candidates: every centroid up to k = KMS_AVX512_ALL_K, else the union
 *   of the block's colour cells (kmscells.c);
 * - hysteresis in the same float arithmetic as kmsassign.c, for every
 *   pixel, without a branch;
 * - label counts in 4-bit lanes for k <= 8, else a compare per candidate;
 * - painting by table permutes of each label's keep and set words.
 *
 * Whole blocks use plain loads and stores: masked ones cost several times
 * more on some CPUs (AMD Zen 4); only the last block of a row is masked. */

#include <string.h>

#include "kmsdsp_x86.h"

/* GCC 12's own intrinsic headers trip this (their _mm512_undefined_*) */
#if defined (__GNUC__) && !defined (__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

/* Local arrays read or written as vectors say their alignment: GCC may
 * align such an array itself and then use aligned moves on it, which
 * AddressSanitizer's relocated stack frames (use-after-return detection)
 * do not keep unless it is declared */
#define VECTOR_ALIGNED __attribute__ ((aligned (64)))

#define BLOCK 32
/* 32-bit error lanes take at most 2 * 195075 per block */
#define FLUSH_BLOCKS 8192

static inline guint64
reduce_error (__m512i acc)
{
  const __m512i lo = _mm512_cvtepu32_epi64 (_mm512_castsi512_si256 (acc));
  const __m512i hi = _mm512_cvtepu32_epi64 (_mm512_extracti64x4_epi64 (acc,
          1));

  return (guint64) _mm512_reduce_add_epi64 (_mm512_add_epi64 (lo, hi));
}

/* The search key of a pixel x and centroid c, an exact 32-bit integer:
 *
 *   key = 64 (|c|^2 - 2 x.c + KEY_OFFSET) + index
 *
 * |c|^2 - 2 x.c is |x - c|^2 - |x|^2: for a pixel, the smallest key is the
 * nearest centroid, and among equally near ones the lowest index. Two
 * VNNI dot products (vpdpwssd) make it from the pixel's channels as 16-bit
 * pairs (c0, c1) and (c2, 0) and the centroid's weights -128 c. The
 * largest key is below 2^26, the smallest above 2^22. */
#define KEY_OFFSET (1 << 19)
#define KEY_SHIFT 6

typedef struct
{
  __m512i init;                 /* 64 (|c|^2 + KEY_OFFSET) + index */
  __m512i w01;                  /* (-128 c0, -128 c1) as 16-bit pairs */
  __m512i w2;                   /* (-128 c2, 0) */
} Centroid;

/* Byte shuffles (within 128-bit lanes) that make (c0, c1) and (c2, 0) of
 * each 4-byte pixel */
static inline __m512i
pair_index (gint lo, gint hi)
{
  guint8 idx[64] VECTOR_ALIGNED;
  guint j;

  for (j = 0; j < 64; j += 4) {
    idx[j] = (guint8) ((j % 16) + lo);
    idx[j + 1] = 0x80;
    idx[j + 2] = hi < 0 ? 0x80 : (guint8) ((j % 16) + hi);
    idx[j + 3] = 0x80;
  }
  return _mm512_loadu_si512 (idx);
}

static inline __m512i
search_key (const Centroid * c, __m512i x01, __m512i x2)
{
  return _mm512_dpwssd_epi32 (_mm512_dpwssd_epi32 (c->init, x01, c->w01),
      x2, c->w2);
}

/* The key of centroid i of the palette's terms */
static inline __m512i
search_key_of (const KmsAssignPalette * pal, guint i, __m512i x01, __m512i x2)
{
  return _mm512_dpwssd_epi32 (_mm512_dpwssd_epi32 (_mm512_set1_epi32
          (pal->key[0][i]), x01, _mm512_set1_epi32 (pal->key[1][i])), x2,
      _mm512_set1_epi32 (pal->key[2][i]));
}

void
kms_assign_avx512_prepare (KmsAssignPalette * pal)
{
  guint i;

  g_return_if_fail (pal->k >= 1 && pal->k <= KMS_CELL_MAX_K);

  memset (pal->key, 0, sizeof (pal->key));
  for (i = 0; i < pal->k; i++) {
    const gint32 c0 = pal->c[0][i], c1 = pal->c[1][i], c2 = pal->c[2][i];

    pal->key[0][i] = (1 << KEY_SHIFT) * (c0 * c0 + c1 * c1 + c2 * c2 +
        KEY_OFFSET) + (gint32) i;
    pal->key[1][i] = (gint32) ((guint32) (guint16) (-128 * c0) |
        ((guint32) (guint16) (-128 * c1) << 16));
    pal->key[2][i] = (gint32) (guint16) (-128 * c2);
  }
}

/* |x - c|^2 of the key's centroid, from the key and |x|^2 */
static inline __m512i
key_distance (__m512i key, __m512i x_sq)
{
  return _mm512_add_epi32 (_mm512_sub_epi32 (_mm512_srli_epi32 (key,
              KEY_SHIFT), _mm512_set1_epi32 (KEY_OFFSET)), x_sq);
}

/* (float) d_prev <= (sqrtf ((float) d_best) + m)^2, as kmsassign.c */
static inline __mmask16
within_margin (__m512i d_best, __m512i d_prev, __m512 m)
{
  const __m512 lim = _mm512_add_ps (_mm512_sqrt_ps (_mm512_cvtepi32_ps
          (d_best)), m);

  return _mm512_cmp_ps_mask (_mm512_cvtepi32_ps (d_prev), _mm512_mul_ps (lim,
          lim), _CMP_LE_OQ);
}

/* One half block (16 pixels): the cells' candidates (invalid pixels
 * count as black) */
static inline guint64
cell_bits (const guint64 * cells, __m512i x01, __m512i x2, __mmask16 valid)
{
  const __m512i m = _mm512_set1_epi32 ((1 << KMS_CELL_BITS) - 1);
  const __m512i i0 = _mm512_and_si512 (_mm512_srli_epi32 (x01,
          KMS_CELL_SHIFT), m);
  const __m512i i1 = _mm512_and_si512 (_mm512_srli_epi32 (x01,
          16 + KMS_CELL_SHIFT), m);
  const __m512i i2 = _mm512_srli_epi32 (x2, KMS_CELL_SHIFT);
  const __m512i idx = _mm512_ternarylogic_epi32 (_mm512_slli_epi32 (i0,
          2 * KMS_CELL_BITS), _mm512_slli_epi32 (i1, KMS_CELL_BITS), i2,
      0xfe);

  guint32 ix[16] VECTOR_ALIGNED;
  guint64 bits = 0;
  guint j;

  /* scalar loads: a vector gather costs twice as much on some CPUs */
  _mm512_storeu_si512 (ix, _mm512_maskz_mov_epi32 (valid, idx));
  for (j = 0; j < 16; j++)
    bits |= cells[ix[j]];
  return bits;
}

/* Label counts for k <= NIBBLE_K without a compare per label: each 32-bit
 * lane keeps a 4-bit counter per label (a pixel adds 1 << 4 label), moved
 * into 8-bit counters every NIBBLE_BLOCKS blocks and into counts[] every
 * BYTE_FLUSHES of those */
#define NIBBLE_K 8
#define NIBBLE_BLOCKS 7         /* two pixels a lane a block: at most 14 */
#define BYTE_FLUSHES 18         /* 14 at a time: at most 252 */

typedef struct
{
  __m512i nib;                  /* labels 0..7, 4 bits each */
  __m512i even, odd;            /* labels 0, 2, 4, 6 and 1, 3, 5, 7, a byte
                                 * each */
  guint n_nib, n_byte;
} Counters;

static inline void
flush_bytes (Counters * c, guint k, guint64 * counts)
{
  const __m512i ff = _mm512_set1_epi32 (0xff);
  guint j;

  for (j = 0; j < 4; j++) {
    if (2 * j < k)
      counts[2 * j] += (guint64) _mm512_reduce_add_epi32 (_mm512_and_si512
          (_mm512_srli_epi32 (c->even, 8 * j), ff));
    if (2 * j + 1 < k)
      counts[2 * j + 1] += (guint64) _mm512_reduce_add_epi32 (_mm512_and_si512
          (_mm512_srli_epi32 (c->odd, 8 * j), ff));
  }
  c->even = c->odd = _mm512_setzero_si512 ();
  c->n_byte = 0;
}

static inline void
flush_nibbles (Counters * c, guint k, guint64 * counts)
{
  const __m512i m = _mm512_set1_epi32 (0x0f0f0f0f);

  c->even = _mm512_add_epi8 (c->even, _mm512_and_si512 (c->nib, m));
  c->odd = _mm512_add_epi8 (c->odd, _mm512_and_si512 (_mm512_srli_epi32
          (c->nib, 4), m));
  c->nib = _mm512_setzero_si512 ();
  c->n_nib = 0;
  if (++c->n_byte == BYTE_FLUSHES)
    flush_bytes (c, k, counts);
}

/* Entry idx (0..63, one per 32-bit lane) of the 64-entry table t[4] */
static inline __m512i
lookup64 (const __m512i * t, __m512i idx)
{
  return _mm512_mask_blend_epi32 (_mm512_test_epi32_mask (idx,
          _mm512_set1_epi32 (32)), _mm512_permutex2var_epi32 (t[0], idx, t[1]),
      _mm512_permutex2var_epi32 (t[2], idx, t[3]));
}

/* What every block of a row uses */
typedef struct
{
  guint k;
  guint64 used;                 /* the bits of every centroid */
  const guint64 *cells;         /* NULL: every centroid is a candidate */
  gboolean margin;              /* hysteresis applies */
  __m512 m;
  gboolean measure;             /* add up the error */
  const KmsAssignPalette *pal;  /* its key terms */
  __m512i tab_init[4], tab_w01[4], tab_w2[4];
  Counters c;
  __m512i acc;                  /* error, 32-bit lanes */
  guint64 s;                    /* error, flushed */
  guint blocks;
} Row;

static inline void
row_init (Row * r, const KmsAssignPalette * pal, const KmsHysteresis * hyst,
    gboolean measure)
{
  const guint k = pal->k;
  guint i;

  g_assert (k >= 1 && k <= KMS_CELL_MAX_K);

  r->k = k;
  r->used = k >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << k) - 1;
  r->cells = pal->cells && k > KMS_AVX512_ALL_K ? pal->cells : NULL;
  r->margin = hyst && hyst->apply;
  r->m = _mm512_set1_ps (hyst ? (gfloat) hyst->margin : 0);
  r->measure = measure;
  r->pal = pal;
  /* the centroids' terms as tables, for the key of each pixel's previous
   * label */
  for (i = 0; i < 4; i++) {
    r->tab_init[i] = _mm512_loadu_si512 (pal->key[0] + 16 * i);
    r->tab_w01[i] = _mm512_loadu_si512 (pal->key[1] + 16 * i);
    r->tab_w2[i] = _mm512_loadu_si512 (pal->key[2] + 16 * i);
  }
  r->c.nib = r->c.even = r->c.odd = _mm512_setzero_si512 ();
  r->c.n_nib = r->c.n_byte = 0;
  r->acc = _mm512_setzero_si512 ();
  r->s = 0;
  r->blocks = 0;
}

/* Entry idx of a table of the k centroids' terms, as row_init() loads
 * them: one permute up to 16 centroids, two up to 32 */
static inline __m512i
lookup_k (const Row * r, const __m512i * t, __m512i idx)
{
  if (r->k <= 16)
    return _mm512_permutexvar_epi32 (idx, t[0]);
  if (r->k <= 32)
    return _mm512_permutex2var_epi32 (t[0], idx, t[1]);
  return lookup64 (t, idx);
}

/* Hysteresis on 16 pixels (pairs x01, x2, |x|^2 sq): the lanes of @diff
 * take their previous label p (and its distance) when it is within the
 * margin of the nearest */
static inline void
keep_previous (const Row * r, __mmask16 diff, __m512i p, __m512i x01,
    __m512i x2, __m512i sq, __m512i * label, __m512i * dist)
{
  Centroid pc;
  __m512i dp;
  __mmask16 keep;

  pc.init = lookup_k (r, r->tab_init, p);
  pc.w01 = lookup_k (r, r->tab_w01, p);
  pc.w2 = lookup_k (r, r->tab_w2, p);
  dp = key_distance (search_key (&pc, x01, x2), sq);
  keep = diff & within_margin (*dist, dp, r->m);
  *label = _mm512_mask_mov_epi32 (*label, keep, p);
  *dist = _mm512_mask_mov_epi32 (*dist, keep, dp);
}

/* The labels of one block of n (<= 32) pixels, whose channels are the
 * pairs x01 = (c0, c1) and x2 = (c2, 0) of pixels 0..15 (a) and 16..31
 * (b); previous labels at @prev (with hysteresis). Returns them as bytes,
 * and in 32-bit lanes in *la, *lb; adds to the counts and the error. */
static inline __attribute__ ((always_inline)) __m256i
label_block (Row * r, __m512i a01, __m512i a2, __m512i b01, __m512i b2,
    gint n, const guint8 * prev, guint64 * counts, __m512i * la_out,
    __m512i * lb_out)
{
  const __mmask32 valid = n == BLOCK ? 0xffffffffu : (1u << n) - 1;
  const __mmask16 va = (__mmask16) valid, vb = (__mmask16) (valid >> 16);
  const __m512i low = _mm512_set1_epi32 ((1 << KEY_SHIFT) - 1);
  const __m512i zero = _mm512_setzero_si512 ();
  __m512i ka, kb, la, lb, sa = zero, sb = zero, da = zero, db = zero;
  __m256i l8;
  guint64 bits, left;
  guint i;

  /* the candidates: every centroid for a small k (a scan of each costs
   * less than finding fewer), else the union of the pixels' cells */
  if (r->cells)
    bits = (cell_bits (r->cells, a01, a2, va) |
        cell_bits (r->cells, b01, b2, vb)) & r->used;
  else
    bits = r->used;

  if (!r->cells) {
    /* every centroid */
    ka = search_key_of (r->pal, 0, a01, a2);
    kb = search_key_of (r->pal, 0, b01, b2);
    for (i = 1; i < r->k; i++) {
      ka = _mm512_min_epu32 (ka, search_key_of (r->pal, i, a01, a2));
      kb = _mm512_min_epu32 (kb, search_key_of (r->pal, i, b01, b2));
    }
  } else {
    /* the two lowest candidates (twice the one, if alone) without a
     * branch, then any others: the number varies from block to block, and
     * a loop over exactly them mispredicts its exit */
    const guint64 rest = bits & (bits - 1);
    const guint i0 = __builtin_ctzll (bits);
    const guint i1 = __builtin_ctzll (rest ? rest : bits);

    ka = _mm512_min_epu32 (search_key_of (r->pal, i0, a01, a2),
        search_key_of (r->pal, i1, a01, a2));
    kb = _mm512_min_epu32 (search_key_of (r->pal, i0, b01, b2),
        search_key_of (r->pal, i1, b01, b2));
    for (left = rest & (rest - 1); left; left &= left - 1) {
      i = __builtin_ctzll (left);
      ka = _mm512_min_epu32 (ka, search_key_of (r->pal, i, a01, a2));
      kb = _mm512_min_epu32 (kb, search_key_of (r->pal, i, b01, b2));
    }
  }
  la = _mm512_and_si512 (ka, low);
  lb = _mm512_and_si512 (kb, low);
  if (r->measure) {
    /* the distances: only for the error, or a previous label below */
    sa = _mm512_dpwssd_epi32 (_mm512_madd_epi16 (a01, a01), a2, a2);
    sb = _mm512_dpwssd_epi32 (_mm512_madd_epi16 (b01, b01), b2, b2);
    da = key_distance (ka, sa);
    db = key_distance (kb, sb);
  }
  /* the labels as bytes: for the test of the previous labels, the store
   * and the counts */
  l8 = _mm256_inserti128_si256 (_mm256_castsi128_si256 (_mm512_cvtepi32_epi8
          (la)), _mm512_cvtepi32_epi8 (lb), 1);
  if (r->margin) {
    /* keep a previous label (a candidate) that is not the nearest when it
     * is no more than the margin farther. Without a branch on whether the
     * block has such a pixel: which blocks do follows the picture, and
     * the mispredictions cost more than the work they skip (kmsbench,
     * 1080p, k = 8: 2.2-2.35 -> 1.65-1.7 ms a frame) */
    const __m256i p8 = n == BLOCK ?
        _mm256_loadu_si256 ((const __m256i *) prev) :
        _mm256_maskz_loadu_epi8 (valid, prev);
    const __mmask32 differ = _mm256_mask_cmpneq_epu8_mask (valid, p8, l8) &
        _mm256_cmplt_epu8_mask (p8, _mm256_set1_epi8 ((gchar) r->k));
    const __m512i pa = _mm512_cvtepu8_epi32 (_mm256_castsi256_si128 (p8));
    const __m512i pb = _mm512_cvtepu8_epi32 (_mm256_extracti128_si256 (p8,
            1));
    __mmask16 diff_a = (__mmask16) differ;
    __mmask16 diff_b = (__mmask16) (differ >> 16);

    if (r->cells) {
      /* all ones in the lanes of the candidates, as a table */
      const __m512i in[4] = {
        _mm512_movm_epi32 ((__mmask16) bits),
        _mm512_movm_epi32 ((__mmask16) (bits >> 16)),
        _mm512_movm_epi32 ((__mmask16) (bits >> 32)),
        _mm512_movm_epi32 ((__mmask16) (bits >> 48)),
      };

      const __m512i in_a = lookup_k (r, in, pa), in_b = lookup_k (r, in, pb);

      diff_a &= _mm512_test_epi32_mask (in_a, in_a);
      diff_b &= _mm512_test_epi32_mask (in_b, in_b);
    }
    if (!r->measure) {
      sa = _mm512_dpwssd_epi32 (_mm512_madd_epi16 (a01, a01), a2, a2);
      sb = _mm512_dpwssd_epi32 (_mm512_madd_epi16 (b01, b01), b2, b2);
      da = key_distance (ka, sa);
      db = key_distance (kb, sb);
    }
    keep_previous (r, diff_a, pa, a01, a2, sa, &la, &da);
    keep_previous (r, diff_b, pb, b01, b2, sb, &lb, &db);
    l8 = _mm256_inserti128_si256 (_mm256_castsi128_si256
        (_mm512_cvtepi32_epi8 (la)), _mm512_cvtepi32_epi8 (lb), 1);
  }

  if (r->k <= NIBBLE_K) {
    /* a 4-bit counter per label in each 32-bit lane */
    const __m512i one = _mm512_set1_epi32 (1);

    r->c.nib = _mm512_add_epi32 (r->c.nib, _mm512_add_epi32
        (_mm512_maskz_sllv_epi32 (va, one, _mm512_slli_epi32 (la, 2)),
            _mm512_maskz_sllv_epi32 (vb, one, _mm512_slli_epi32 (lb, 2))));
    if (++r->c.n_nib == NIBBLE_BLOCKS)
      flush_nibbles (&r->c, r->k, counts);
  } else {
    for (left = bits; left; left &= left - 1) {
      i = __builtin_ctzll (left);
      counts[i] += __builtin_popcount (_mm256_mask_cmpeq_epi8_mask (valid, l8,
              _mm256_set1_epi8 ((gchar) i)));
    }
  }

  /* the error of the valid pixels */
  if (r->measure) {
    r->acc = _mm512_add_epi32 (r->acc, _mm512_add_epi32
        (_mm512_maskz_mov_epi32 (va, da), _mm512_maskz_mov_epi32 (vb, db)));
    if (G_UNLIKELY (++r->blocks == FLUSH_BLOCKS)) {
      r->s += reduce_error (r->acc);
      r->acc = _mm512_setzero_si512 ();
      r->blocks = 0;
    }
  }
  *la_out = la;
  *lb_out = lb;
  return l8;
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

/* 32 labels, bytes, to @dst (n of them) */
static inline void
store_labels (guint8 * dst, __m256i l8, gint n)
{
  if (n == BLOCK)
    _mm256_storeu_si256 ((__m256i *) dst, l8);
  else
    _mm256_mask_storeu_epi8 (dst, (1u << n) - 1, l8);
}

void
kms_assign_paint_row32_avx512 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst)
{
  const guint k = pal->k;
  const __m512i ix01 = pair_index (shift[0] / 8, shift[1] / 8);
  const __m512i ix2 = pair_index (shift[2] / 8, -1);
  __m512i keep[4], set[4];
  gboolean same_keep;
  Row r;
  guint i;
  gint x;

  row_init (&r, pal, hyst, sse != NULL);
  for (i = 1; i < k && paint->keep[i] == paint->keep[0]; i++);
  same_keep = i == k;
  for (i = 0; i < 4; i++) {
    keep[i] = _mm512_loadu_si512 (paint->keep + 16 * i);
    set[i] = _mm512_loadu_si512 (paint->set + 16 * i);
  }
  if (same_keep)
    keep[0] = _mm512_set1_epi32 ((gint) paint->keep[0]);

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    const __mmask32 valid = n == BLOCK ? 0xffffffffu : (1u << n) - 1;
    const __mmask16 va = (__mmask16) valid, vb = (__mmask16) (valid >> 16);
    const __m512i a = n == BLOCK ? _mm512_loadu_si512 (src + 4 * x) :
        _mm512_maskz_loadu_epi32 (va, src + 4 * x);
    const __m512i b = n == BLOCK ? _mm512_loadu_si512 (src + 4 * x + 64) :
        _mm512_maskz_loadu_epi32 (vb, src + 4 * x + 64);
    __m512i la, lb, oa = a, ob = b;
    __m256i l8;

    l8 = label_block (&r, _mm512_shuffle_epi8 (a, ix01),
        _mm512_shuffle_epi8 (a, ix2), _mm512_shuffle_epi8 (b, ix01),
        _mm512_shuffle_epi8 (b, ix2), n, hyst ? hyst->prev + x : NULL,
        counts, &la, &lb);
    if (hyst)
      store_labels (hyst->prev + x, l8, n);

    if (write) {
      /* (pixel & keep) | set; keep is often the same for every label */
      const __m512i ka = same_keep ? keep[0] : k <= 32 ?
          _mm512_permutex2var_epi32 (keep[0], la, keep[1]) :
          lookup64 (keep, la);
      const __m512i kb = same_keep ? keep[0] : k <= 32 ?
          _mm512_permutex2var_epi32 (keep[0], lb, keep[1]) :
          lookup64 (keep, lb);
      const __m512i sa = k <= 32 ?
          _mm512_permutex2var_epi32 (set[0], la, set[1]) :
          lookup64 (set, la);
      const __m512i sb = k <= 32 ?
          _mm512_permutex2var_epi32 (set[0], lb, set[1]) :
          lookup64 (set, lb);

      oa = _mm512_ternarylogic_epi32 (a, ka, sa, 0xea);
      ob = _mm512_ternarylogic_epi32 (b, kb, sb, 0xea);
    }
    if ((write || dst != src) && n == BLOCK) {
      _mm512_storeu_si512 (dst + 4 * x, oa);
      _mm512_storeu_si512 (dst + 4 * x + 64, ob);
    } else if (write || dst != src) {
      _mm512_mask_storeu_epi32 (dst + 4 * x, va, oa);
      _mm512_mask_storeu_epi32 (dst + 4 * x + 64, vb, ob);
    }
  }
  row_finish (&r, counts, sse);
}

/* (c0, c1) and (c2, 0) pairs of 16 pixels from planar bytes */
static inline void
planar_pairs (const guint8 * const *c, gint x, gint n, __m512i * x01,
    __m512i * x2)
{
  const __mmask16 v = n >= 16 ? 0xffff : (__mmask16) ((1u << n) - 1);
  __m128i b0, b1, b2;

  if (n >= 16) {
    b0 = _mm_loadu_si128 ((const __m128i *) (c[0] + x));
    b1 = _mm_loadu_si128 ((const __m128i *) (c[1] + x));
    b2 = _mm_loadu_si128 ((const __m128i *) (c[2] + x));
  } else {
    b0 = _mm_maskz_loadu_epi8 (v, c[0] + x);
    b1 = _mm_maskz_loadu_epi8 (v, c[1] + x);
    b2 = _mm_maskz_loadu_epi8 (v, c[2] + x);
  }
  *x01 = _mm512_or_si512 (_mm512_cvtepu8_epi32 (b0),
      _mm512_slli_epi32 (_mm512_cvtepu8_epi32 (b1), 16));
  *x2 = _mm512_cvtepu8_epi32 (b2);
}

void
kms_assign_row_avx512 (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * labels, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst)
{
  Row r;
  gint x;

  row_init (&r, pal, hyst, sse != NULL);
  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    __m512i a01, a2, b01 = _mm512_setzero_si512 (), b2 = b01, la, lb;
    __m256i l8;

    planar_pairs (c, x, n, &a01, &a2);
    if (n > 16)
      planar_pairs (c, x + 16, n - 16, &b01, &b2);
    l8 = label_block (&r, a01, a2, b01, b2, n, hyst ? hyst->prev + x : NULL,
        counts, &la, &lb);
    store_labels (labels + x, l8, n);
    if (hyst)
      store_labels (hyst->prev + x, l8, n);
  }
  row_finish (&r, counts, sse);
}


/* kmeansseg: NEON assignment, and painting of 4-byte pixels
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

/* The assignment on aarch64 for k <= 64, written with Advanced SIMD
 * intrinsics: of planar rows (YUV, grey, RGB in labels mode), and of
 * 4-byte pixels (RGBx, BGRA, ...) painted in the same pass. It computes
 * exactly what kmsassign.c does (checkasm compares them):
 *
 * - 16 pixels a block (4-byte pixels split into byte planes by vld4q_u8),
 *   as 4 x 4 32-bit lanes;
 * - per candidate centroid, the exact integer search key of
 *   x86/kmsassign_avx512.c, 64 (|c|^2 - 2 x.c + KEY_OFFSET) + index, from
 *   three widening multiply-adds per 4 lanes; one unsigned minimum gives
 *   the nearest and breaks ties to the lower index;
 * - candidates: every centroid up to k = KMS_NEON_ALL_K, else the union
 *   of the block's colour cells (kmscells.c);
 * - hysteresis: the previous label's distance from its centroid looked up
 *   by table (vqtbl4q_u8, 64 entries), then the float test of kmsassign.c
 *   for every pixel, without a branch. A previous label the cells left out
 *   is never within the margin (the cells include every one that can be),
 *   so testing it gives the same answer;
 * - painting: each byte of a pixel (in & keep) | set, keep and set looked
 *   up by label in 64-entry byte tables. */

#include <string.h>

#include <arm_neon.h>

#include "kmsdsp_arm.h"

#define BLOCK 16
#define KEY_OFFSET (1 << 19)
#define KEY_SHIFT 6
/* the error lanes take at most 4 * 195075 a block */
#define FLUSH_BLOCKS 4096

/* Every helper is inlined into the entry points */
#define INLINE static inline __attribute__ ((always_inline))

void
kms_assign_neon_prepare (KmsAssignPalette * pal)
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

/* One block's pixels, widened: channel ch, pixels 8 h .. 8 h + 7 */
typedef struct
{
  int16x8_t x[KMS_MAX_CHANNELS][2];
} Pixels;

INLINE int16x8_t
widen_lo (uint8x16_t v)
{
  return vreinterpretq_s16_u16 (vmovl_u8 (vget_low_u8 (v)));
}

INLINE int16x8_t
widen_hi (uint8x16_t v)
{
  return vreinterpretq_s16_u16 (vmovl_high_u8 (v));
}

/* The smallest key of the candidates, per pixel (4 vectors of 4) */
INLINE void
min_keys (const KmsAssignPalette * pal, const guint8 * cand, guint n_cand,
    const Pixels * px, uint32x4_t key[4])
{
  guint i, q;

  for (q = 0; q < 4; q++)
    key[q] = vdupq_n_u32 (G_MAXUINT32);
  for (i = 0; i < n_cand; i++) {
    const guint id = cand[i];
    const guint32 w01 = (guint32) pal->key[1][id];
    const int16_t w0 = (int16_t) (w01 & 0xffff), w1 = (int16_t) (w01 >> 16),
        w2 = (int16_t) pal->key[2][id];
    const int32x4_t init = vdupq_n_s32 (pal->key[0][id]);

    for (q = 0; q < 4; q++) {
      const guint h = q / 2;
      int32x4_t k;

      if (q % 2 == 0) {
        k = vmlal_n_s16 (init, vget_low_s16 (px->x[0][h]), w0);
        k = vmlal_n_s16 (k, vget_low_s16 (px->x[1][h]), w1);
        k = vmlal_n_s16 (k, vget_low_s16 (px->x[2][h]), w2);
      } else {
        k = vmlal_high_n_s16 (init, px->x[0][h], w0);
        k = vmlal_high_n_s16 (k, px->x[1][h], w1);
        k = vmlal_high_n_s16 (k, px->x[2][h], w2);
      }
      key[q] = vminq_u32 (key[q], vreinterpretq_u32_s32 (k));
    }
  }
}

/* |x|^2 of each pixel */
INLINE void
squares (const Pixels * px, uint32x4_t sq[4])
{
  guint q, ch;

  for (q = 0; q < 4; q++)
    sq[q] = vdupq_n_u32 (0);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    const uint16x8_t lo = vreinterpretq_u16_s16 (px->x[ch][0]);
    const uint16x8_t hi = vreinterpretq_u16_s16 (px->x[ch][1]);

    sq[0] = vmlal_u16 (sq[0], vget_low_u16 (lo), vget_low_u16 (lo));
    sq[1] = vmlal_high_u16 (sq[1], lo, lo);
    sq[2] = vmlal_u16 (sq[2], vget_low_u16 (hi), vget_low_u16 (hi));
    sq[3] = vmlal_high_u16 (sq[3], hi, hi);
  }
}

/* The distance of each pixel to the centroid of its label in @lab, looked
 * up in the 64-entry channel tables */
INLINE void
label_distances (const uint8x16x4_t tab[KMS_MAX_CHANNELS],
    const uint8x16_t x[KMS_MAX_CHANNELS], uint8x16_t lab, uint32x4_t d[4])
{
  guint q, ch;

  for (q = 0; q < 4; q++)
    d[q] = vdupq_n_u32 (0);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    const uint8x16_t e = vabdq_u8 (x[ch], vqtbl4q_u8 (tab[ch], lab));
    const uint16x8_t lo = vmovl_u8 (vget_low_u8 (e)), hi = vmovl_high_u8 (e);

    d[0] = vmlal_u16 (d[0], vget_low_u16 (lo), vget_low_u16 (lo));
    d[1] = vmlal_high_u16 (d[1], lo, lo);
    d[2] = vmlal_u16 (d[2], vget_low_u16 (hi), vget_low_u16 (hi));
    d[3] = vmlal_high_u16 (d[3], hi, hi);
  }
}

/* (float) d_prev <= (sqrtf ((float) d_best) + m)^2, as kmsassign.c */
INLINE uint32x4_t
within_margin (uint32x4_t d_best, uint32x4_t d_prev, float32x4_t m)
{
  const float32x4_t lim = vaddq_f32 (vsqrtq_f32 (vcvtq_f32_u32 (d_best)), m);

  return vcleq_f32 (vcvtq_f32_u32 (d_prev), vmulq_f32 (lim, lim));
}

INLINE uint8x16_t
narrow_labels (const uint32x4_t key[4])
{
  const uint16x8_t lo = vcombine_u16 (vmovn_u32 (key[0]),
      vmovn_u32 (key[1]));
  const uint16x8_t hi = vcombine_u16 (vmovn_u32 (key[2]),
      vmovn_u32 (key[3]));

  return vandq_u8 (vcombine_u8 (vmovn_u16 (lo), vmovn_u16 (hi)),
      vdupq_n_u8 ((1 << KEY_SHIFT) - 1));
}

INLINE uint8x16_t
narrow_mask (const uint32x4_t m[4])
{
  const uint16x8_t lo = vcombine_u16 (vmovn_u32 (m[0]), vmovn_u32 (m[1]));
  const uint16x8_t hi = vcombine_u16 (vmovn_u32 (m[2]), vmovn_u32 (m[3]));

  return vcombine_u8 (vmovn_u16 (lo), vmovn_u16 (hi));
}

/* The candidates of a block from the cell table */
INLINE guint
cell_candidates (const KmsAssignPalette * pal,
    const uint8x16_t x[KMS_MAX_CHANNELS], guint8 * cand)
{
  const guint64 used = pal->k >= 64 ? G_MAXUINT64 :
      (G_GUINT64_CONSTANT (1) << pal->k) - 1;
  const uint8x16_t c0 = vshrq_n_u8 (x[0], KMS_CELL_SHIFT);
  const uint8x16_t c12 = vorrq_u8 (vandq_u8 (x[1], vdupq_n_u8 (0xf0)),
      vshrq_n_u8 (x[2], KMS_CELL_SHIFT));
  guint8 hi[BLOCK], lo[BLOCK];
  guint64 bits = 0;
  guint n_cand = 0, j;

  G_STATIC_ASSERT (KMS_CELL_BITS == 4);
  vst1q_u8 (hi, c0);
  vst1q_u8 (lo, c12);
  for (j = 0; j < BLOCK; j++)
    bits |= pal->cells[((guint) hi[j] << 8) | lo[j]];
  bits &= used;
  while (bits) {
    cand[n_cand++] = (guint8) __builtin_ctzll (bits);
    bits &= bits - 1;
  }
  return n_cand;
}

/* What a row's blocks share */
typedef struct
{
  const KmsAssignPalette *pal;
  gboolean apply;
  gboolean use_cells;
  float32x4_t m;
  uint8x16_t k_vec;
  guint8 all[KMS_CELL_MAX_K];
  uint8x16x4_t tab[KMS_MAX_CHANNELS];
  uint32x4_t acc;
  uint64x2_t sum;
  guint n_blocks;
} Row;

INLINE void
row_init (Row * r, const KmsAssignPalette * pal, const KmsHysteresis * hyst)
{
  guint8 tab_bytes[KMS_MAX_CHANNELS][KMS_CELL_MAX_K];
  guint i, ch;

  r->pal = pal;
  r->apply = hyst && hyst->apply;
  r->use_cells = pal->cells && pal->k > KMS_NEON_ALL_K;
  r->m = vdupq_n_f32 (hyst ? (gfloat) hyst->margin : 0);
  r->k_vec = vdupq_n_u8 ((guint8) pal->k);
  r->acc = vdupq_n_u32 (0);
  r->sum = vdupq_n_u64 (0);
  r->n_blocks = 0;
  for (i = 0; i < pal->k; i++)
    r->all[i] = (guint8) i;
  if (r->apply) {
    memset (tab_bytes, 0, sizeof (tab_bytes));
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      for (i = 0; i < pal->k; i++)
        tab_bytes[ch][i] = (guint8) pal->c[ch][i];
      r->tab[ch] = vld1q_u8_x4 (tab_bytes[ch]);
    }
  }
}

/* Bytes n - 1 .. 15 of a block are copies of byte n - 1 */
INLINE uint8x16_t
load_padded (const guint8 * p, gint n)
{
  guint8 tmp[BLOCK];
  gint j;

  if (G_LIKELY (n == BLOCK))
    return vld1q_u8 (p);
  for (j = 0; j < BLOCK; j++)
    tmp[j] = p[MIN (j, n - 1)];
  return vld1q_u8 (tmp);
}

/* Label one block of 16 pixels (the first n of them real; the others
 * copies of the last) whose previous labels are at @prev (NULL: no
 * hysteresis): counts, error and prev[] done; returns the labels */
INLINE uint8x16_t
label_block (Row * r, const uint8x16_t xv[KMS_MAX_CHANNELS], guint8 * prev,
    gint n, guint64 * counts)
{
  const KmsAssignPalette *pal = r->pal;
  const guint8 *list = r->all;
  guint8 cand[KMS_CELL_MAX_K];
  guint n_cand = pal->k;
  uint32x4_t key[4], sq[4], best[4];
  uint8x16_t lab;
  Pixels px;
  guint i, ch, q;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    px.x[ch][0] = widen_lo (xv[ch]);
    px.x[ch][1] = widen_hi (xv[ch]);
  }
  if (r->use_cells) {
    n_cand = cell_candidates (pal, xv, cand);
    list = cand;
  }
  min_keys (pal, list, n_cand, &px, key);
  squares (&px, sq);
  for (q = 0; q < 4; q++)
    best[q] = vaddq_u32 (vsubq_u32 (vshrq_n_u32 (key[q], KEY_SHIFT),
            vdupq_n_u32 (KEY_OFFSET)), sq[q]);
  lab = narrow_labels (key);

  if (r->apply) {
    const uint8x16_t p = load_padded (prev, n);
    uint32x4_t dprev[4], keep[4];
    uint8x16_t valid;

    /* a previous label of this palette, not the nearest one */
    valid = vandq_u8 (vcltq_u8 (p, r->k_vec), vmvnq_u8 (vceqq_u8 (p, lab)));
    label_distances (r->tab, xv, p, dprev);
    for (q = 0; q < 4; q++)
      keep[q] = within_margin (best[q], dprev[q], r->m);
    valid = vandq_u8 (valid, narrow_mask (keep));
    lab = vbslq_u8 (valid, p, lab);
    {
      /* the kept pixels' distances (the byte masks sign-extended) */
      const int8x16_t vs = vreinterpretq_s8_u8 (valid);
      const int16x8_t v_lo = vmovl_s8 (vget_low_s8 (vs));
      const int16x8_t v_hi = vmovl_high_s8 (vs);
      const uint32x4_t v[4] = {
        vreinterpretq_u32_s32 (vmovl_s16 (vget_low_s16 (v_lo))),
        vreinterpretq_u32_s32 (vmovl_high_s16 (v_lo)),
        vreinterpretq_u32_s32 (vmovl_s16 (vget_low_s16 (v_hi))),
        vreinterpretq_u32_s32 (vmovl_high_s16 (v_hi)),
      };

      for (q = 0; q < 4; q++)
        best[q] = vbslq_u32 (v[q], dprev[q], best[q]);
    }
  }

  if (G_LIKELY (n == BLOCK)) {
    if (prev)
      vst1q_u8 (prev, lab);
    for (q = 0; q < 4; q++)
      r->acc = vaddq_u32 (r->acc, best[q]);
    /* a kept previous label is a candidate: the cells list every label
     * hysteresis can keep */
    for (i = 0; i < n_cand; i++) {
      const guint8 id = list[i];

      counts[id] += vaddvq_u8 (vshrq_n_u8 (vceqq_u8 (lab, vdupq_n_u8 (id)), 7));
    }
    if (G_UNLIKELY (++r->n_blocks == FLUSH_BLOCKS)) {
      r->sum = vaddq_u64 (r->sum, vpaddlq_u32 (r->acc));
      r->acc = vdupq_n_u32 (0);
      r->n_blocks = 0;
    }
  } else {
    guint8 out[BLOCK];
    guint32 d[BLOCK];
    guint64 s = 0;
    gint j;

    vst1q_u8 (out, lab);
    for (q = 0; q < 4; q++)
      vst1q_u32 (d + 4 * q, best[q]);
    if (prev)
      memcpy (prev, out, n);
    for (j = 0; j < n; j++) {
      counts[out[j]]++;
      s += d[j];
    }
    r->sum = vaddq_u64 (r->sum, vcombine_u64 (vcreate_u64 (s),
            vcreate_u64 (0)));
  }
  return lab;
}

INLINE guint64
row_error (Row * r)
{
  return vaddvq_u64 (vaddq_u64 (r->sum, vpaddlq_u32 (r->acc)));
}

void
kms_assign_row_neon_intrin (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst)
{
  Row r;
  gint x;

  row_init (&r, pal, hyst);
  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    uint8x16_t xv[KMS_MAX_CHANNELS], lab;
    guint ch;

    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      xv[ch] = load_padded (c[ch] + x, n);
    lab = label_block (&r, xv, hyst ? hyst->prev + x : NULL, n, counts);
    if (G_LIKELY (n == BLOCK)) {
      vst1q_u8 (labels + x, lab);
    } else {
      guint8 out[BLOCK];

      vst1q_u8 (out, lab);
      memcpy (labels + x, out, n);
    }
  }
  if (sse)
    *sse += row_error (&r);
}

void
kms_assign_paint_row32_neon_intrin (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst)
{
  /* each byte of the painted pixel: (in & keep) | set, by label */
  guint8 kt[4][KMS_CELL_MAX_K], st[4][KMS_CELL_MAX_K];
  uint8x16x4_t keep_tab[4], set_tab[4];
  guint byte_of[KMS_MAX_CHANNELS];
  guint i, b, ch;
  Row r;
  gint x;

  row_init (&r, pal, hyst);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    byte_of[ch] = G_BYTE_ORDER == G_LITTLE_ENDIAN ? shift[ch] / 8 :
        3 - shift[ch] / 8;
  if (write) {
    memset (kt, 0xff, sizeof (kt));
    memset (st, 0, sizeof (st));
    for (i = 0; i < pal->k; i++) {
      guint8 k4[4], s4[4];

      memcpy (k4, &paint->keep[i], 4);
      memcpy (s4, &paint->set[i], 4);
      for (b = 0; b < 4; b++) {
        kt[b][i] = k4[b];
        st[b][i] = s4[b];
      }
    }
    for (b = 0; b < 4; b++) {
      keep_tab[b] = vld1q_u8_x4 (kt[b]);
      set_tab[b] = vld1q_u8_x4 (st[b]);
    }
  }

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    uint8x16_t xv[KMS_MAX_CHANNELS], lab;
    uint8x16x4_t px;

    if (G_LIKELY (n == BLOCK)) {
      px = vld4q_u8 (src + 4 * x);
    } else {
      guint8 tmp[4 * BLOCK];
      gint j;

      for (j = 0; j < BLOCK; j++)
        memcpy (tmp + 4 * j, src + 4 * (x + MIN (j, n - 1)), 4);
      px = vld4q_u8 (tmp);
    }
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      xv[ch] = px.val[byte_of[ch]];
    lab = label_block (&r, xv, hyst ? hyst->prev + x : NULL, n, counts);
    if (write)
      for (b = 0; b < 4; b++)
        px.val[b] = vorrq_u8 (vandq_u8 (px.val[b],
                vqtbl4q_u8 (keep_tab[b], lab)), vqtbl4q_u8 (set_tab[b], lab));
    if (!write && dst == src)
      continue;
    if (G_LIKELY (n == BLOCK)) {
      vst4q_u8 (dst + 4 * x, px);
    } else {
      guint8 tmp[4 * BLOCK];

      vst4q_u8 (tmp, px);
      memcpy (dst + 4 * x, tmp, 4 * n);
    }
  }
  if (sse)
    *sse += row_error (&r);
}

/* kmeansseg: NEON assignment of planar rows
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

/* The assignment of planar rows (YUV, grey, the unpacked RGB formats) on
 * aarch64 for k <= 64, written with Advanced SIMD intrinsics. It computes
 * exactly what kmsassign.c does (checkasm compares them):
 *
 * - 16 pixels a block, as 4 x 4 32-bit lanes;
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
 *   so testing it gives the same answer. */

#include <string.h>

#include <arm_neon.h>

#include "kmsdsp_arm.h"

#define BLOCK 16
#define KEY_OFFSET (1 << 19)
#define KEY_SHIFT 6
/* the error lanes take at most 4 * 195075 a block */
#define FLUSH_BLOCKS 4096

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

static inline int16x8_t
widen_lo (uint8x16_t v)
{
  return vreinterpretq_s16_u16 (vmovl_u8 (vget_low_u8 (v)));
}

static inline int16x8_t
widen_hi (uint8x16_t v)
{
  return vreinterpretq_s16_u16 (vmovl_high_u8 (v));
}

/* The smallest key of the candidates, per pixel (4 vectors of 4) */
static inline void
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
static inline void
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
static inline void
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
static inline uint32x4_t
within_margin (uint32x4_t d_best, uint32x4_t d_prev, float32x4_t m)
{
  const float32x4_t lim = vaddq_f32 (vsqrtq_f32 (vcvtq_f32_u32 (d_best)), m);

  return vcleq_f32 (vcvtq_f32_u32 (d_prev), vmulq_f32 (lim, lim));
}

static inline uint8x16_t
narrow_labels (const uint32x4_t key[4])
{
  const uint16x8_t lo = vcombine_u16 (vmovn_u32 (key[0]),
      vmovn_u32 (key[1]));
  const uint16x8_t hi = vcombine_u16 (vmovn_u32 (key[2]),
      vmovn_u32 (key[3]));

  return vandq_u8 (vcombine_u8 (vmovn_u16 (lo), vmovn_u16 (hi)),
      vdupq_n_u8 ((1 << KEY_SHIFT) - 1));
}

static inline uint8x16_t
narrow_mask (const uint32x4_t m[4])
{
  const uint16x8_t lo = vcombine_u16 (vmovn_u32 (m[0]), vmovn_u32 (m[1]));
  const uint16x8_t hi = vcombine_u16 (vmovn_u32 (m[2]), vmovn_u32 (m[3]));

  return vcombine_u8 (vmovn_u16 (lo), vmovn_u16 (hi));
}

/* The candidates of a block from the cell table */
static inline guint
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

void
kms_assign_row_neon_intrin (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst)
{
  const gboolean apply = hyst && hyst->apply;
  const gboolean use_cells = pal->cells && pal->k > KMS_NEON_ALL_K;
  const float32x4_t m = vdupq_n_f32 (hyst ? (gfloat) hyst->margin : 0);
  const uint8x16_t k_vec = vdupq_n_u8 ((guint8) pal->k);
  guint8 all[KMS_CELL_MAX_K], cand[KMS_CELL_MAX_K];
  guint8 tab_bytes[KMS_MAX_CHANNELS][KMS_CELL_MAX_K];
  uint8x16x4_t tab[KMS_MAX_CHANNELS];
  uint64x2_t sum = vdupq_n_u64 (0);
  uint32x4_t acc = vdupq_n_u32 (0);
  guint i, ch, q, n_blocks = 0;
  gint x;

  for (i = 0; i < pal->k; i++)
    all[i] = (guint8) i;
  if (apply) {
    memset (tab_bytes, 0, sizeof (tab_bytes));
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      for (i = 0; i < pal->k; i++)
        tab_bytes[ch][i] = (guint8) pal->c[ch][i];
      tab[ch] = vld1q_u8_x4 (tab_bytes[ch]);
    }
  }

  for (x = 0; x < width; x += BLOCK) {
    const gint n = MIN (BLOCK, width - x);
    const guint8 *list = all;
    guint n_cand = pal->k;
    uint8x16_t xv[KMS_MAX_CHANNELS], lab;
    uint32x4_t key[4], sq[4], best[4];
    guint8 out[BLOCK];
    Pixels px;

    if (G_LIKELY (n == BLOCK)) {
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
        xv[ch] = vld1q_u8 (c[ch] + x);
    } else {
      /* the last pixel repeated, left out of counts and error below */
      guint8 tmp[BLOCK];
      gint j;

      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        for (j = 0; j < BLOCK; j++)
          tmp[j] = c[ch][x + MIN (j, n - 1)];
        xv[ch] = vld1q_u8 (tmp);
      }
    }
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      px.x[ch][0] = widen_lo (xv[ch]);
      px.x[ch][1] = widen_hi (xv[ch]);
    }
    if (use_cells) {
      n_cand = cell_candidates (pal, xv, cand);
      list = cand;
    }
    min_keys (pal, list, n_cand, &px, key);
    squares (&px, sq);
    for (q = 0; q < 4; q++)
      best[q] = vaddq_u32 (vsubq_u32 (vshrq_n_u32 (key[q], KEY_SHIFT),
              vdupq_n_u32 (KEY_OFFSET)), sq[q]);
    lab = narrow_labels (key);

    if (apply) {
      uint8x16_t prev, valid;
      uint32x4_t dprev[4], keep[4];

      if (G_LIKELY (n == BLOCK)) {
        prev = vld1q_u8 (hyst->prev + x);
      } else {
        guint8 tmp[BLOCK];
        gint j;

        for (j = 0; j < BLOCK; j++)
          tmp[j] = hyst->prev[x + MIN (j, n - 1)];
        prev = vld1q_u8 (tmp);
      }
      /* a previous label of this palette, not the nearest one */
      valid = vandq_u8 (vcltq_u8 (prev, k_vec),
          vmvnq_u8 (vceqq_u8 (prev, lab)));
      label_distances (tab, xv, prev, dprev);
      for (q = 0; q < 4; q++)
        keep[q] = within_margin (best[q], dprev[q], m);
      valid = vandq_u8 (valid, narrow_mask (keep));
      lab = vbslq_u8 (valid, prev, lab);
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
      vst1q_u8 (labels + x, lab);
      if (hyst)
        vst1q_u8 (hyst->prev + x, lab);
      for (q = 0; q < 4; q++)
        acc = vaddq_u32 (acc, best[q]);
      for (i = 0; i < n_cand; i++) {
        const guint8 id = list[i];

        counts[id] += vaddvq_u8 (vshrq_n_u8 (vceqq_u8 (lab, vdupq_n_u8 (id)),
                7));
      }
      if (G_UNLIKELY (++n_blocks == FLUSH_BLOCKS)) {
        sum = vaddq_u64 (sum, vpaddlq_u32 (acc));
        acc = vdupq_n_u32 (0);
        n_blocks = 0;
      }
    } else {
      guint32 d[BLOCK];
      gint j;

      vst1q_u8 (out, lab);
      for (q = 0; q < 4; q++)
        vst1q_u32 (d + 4 * q, best[q]);
      memcpy (labels + x, out, n);
      if (hyst)
        memcpy (hyst->prev + x, out, n);
      for (j = 0; j < n; j++) {
        counts[out[j]]++;
        sum = vaddq_u64 (sum, vcombine_u64 (vcreate_u64 (d[j]),
                vcreate_u64 (0)));
      }
    }
  }
  sum = vaddq_u64 (sum, vpaddlq_u32 (acc));
  if (sse)
    *sse += vaddvq_u64 (sum);
}

/* kmeansseg: NEON unpack and write of the YUV and 4-byte formats
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

/* The unpack and write of kmsrows.c's I420, YV12, NV12, NV21, YUY2 and
 * UYVY (unpack_yuv(), write_yuv()), and the write of its 4-byte formats
 * (write_4()), in NEON intrinsics: the same bytes, found through
 * kms_row_kernels_neon_intrin(). 16 pixels (or chroma samples) at a time,
 * the last ones of a row one by one, as x86/kmsrows_avx2.c does with 32:
 * the unpack copies luma and doubles each chroma sample (vzip); the write,
 * for labels below KMS_NEON_WRITE_K, looks the values up in 16-entry
 * tables (vqtbl1q), a 4:2:0 chroma sample taking the majority label of its
 * 2x2 pixels (ties to the first in the order top left, top right, bottom
 * left, bottom right), a 4:2:2 pair its first pixel's; 4-byte pixels are
 * split into their four bytes (vld4q) for the keep and set tables. */

#include <string.h>

#include "kmsdsp_arm.h"

#include <arm_neon.h>

static inline guint8 *
row_of (const KmsFrame * f, guint plane, gint y)
{
  return f->data[plane] + (gsize) y * f->stride[plane];
}

/* The majority of four byte labels a, b, c, d, ties to the first: how
 * many of the others hold each one's label (an equal pair is -1 for both
 * of its labels), then the first of the most */
static inline uint8x16_t
majority4 (uint8x16_t a, uint8x16_t b, uint8x16_t c, uint8x16_t d)
{
  const int8x16_t ab = vreinterpretq_s8_u8 (vceqq_u8 (a, b));
  const int8x16_t ac = vreinterpretq_s8_u8 (vceqq_u8 (a, c));
  const int8x16_t ad = vreinterpretq_s8_u8 (vceqq_u8 (a, d));
  const int8x16_t bc = vreinterpretq_s8_u8 (vceqq_u8 (b, c));
  const int8x16_t bd = vreinterpretq_s8_u8 (vceqq_u8 (b, d));
  const int8x16_t cd = vreinterpretq_s8_u8 (vceqq_u8 (c, d));
  const int8x16_t na = vnegq_s8 (vaddq_s8 (vaddq_s8 (ab, ac), ad));
  const int8x16_t nb = vnegq_s8 (vaddq_s8 (vaddq_s8 (ab, bc), bd));
  const int8x16_t nc = vnegq_s8 (vaddq_s8 (vaddq_s8 (ac, bc), cd));
  const int8x16_t nd = vnegq_s8 (vaddq_s8 (vaddq_s8 (ad, bd), cd));
  int8x16_t best = na;
  uint8x16_t out = a, g;

  g = vcgtq_s8 (nb, best);
  out = vbslq_u8 (g, b, out);
  best = vbslq_s8 (g, nb, best);
  g = vcgtq_s8 (nc, best);
  out = vbslq_u8 (g, c, out);
  best = vbslq_s8 (g, nc, best);
  g = vcgtq_s8 (nd, best);
  return vbslq_u8 (g, d, out);
}

/* 16 bytes at @p take @v where @m is set */
static inline void
blend_store (guint8 * p, uint8x16_t m, uint8x16_t v)
{
  vst1q_u8 (p, vbslq_u8 (m, v, vld1q_u8 (p)));
}

/* A sample doubled: 16 bytes from 8 */
static inline uint8x16_t
doubled (uint8x8_t s)
{
  return vcombine_u8 (vzip1_u8 (s, s), vzip2_u8 (s, s));
}

/* ------------------------------------------------------------------ */
/* 4:2:0: luma in plane 0; chroma planar (U in plane pu, V in pv) or, with
 * @semi, interleaved in plane 1 with U at byte @uoff of each pair */

static inline __attribute__ ((always_inline)) void
unpack_420 (const KmsFrame * f, gint y, guint8 * const *c, gboolean semi,
    guint pu, guint pv, guint uoff)
{
  const gint w = f->width;
  const guint8 *ly = row_of (f, 0, y);
  const guint8 *lu = row_of (f, pu, y >> 1);
  const guint8 *lv = row_of (f, pv, y >> 1);
  gint x;

  for (x = 0; x + 16 <= w; x += 16) {
    uint8x8_t u, v;

    vst1q_u8 (c[0] + x, vld1q_u8 (ly + x));
    if (!semi) {
      u = vld1_u8 (lu + x / 2);
      v = vld1_u8 (lv + x / 2);
    } else {
      const uint8x8x2_t uv = vld2_u8 (lu + x);

      u = uoff ? uv.val[1] : uv.val[0];
      v = uoff ? uv.val[0] : uv.val[1];
    }
    vst1q_u8 (c[1] + x, doubled (u));
    vst1q_u8 (c[2] + x, doubled (v));
  }
  for (; x < w; x++) {
    const gint s = semi ? 2 * (x >> 1) : x >> 1;

    c[0][x] = ly[x];
    c[1][x] = lu[s + (semi ? (gint) uoff : 0)];
    c[2][x] = lv[s + (semi ? 1 - (gint) uoff : 0)];
  }
}

/* One row group (n_rows 1 or 2, starting on an even row), labels below
 * KMS_NEON_WRITE_K */
static inline __attribute__ ((always_inline)) void
write_420 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean semi, guint pu, guint pv, guint uoff)
{
  const uint8x16_t ty = vld1q_u8 (p->lut[0]), tu = vld1q_u8 (p->lut[1]);
  const uint8x16_t tv = vld1q_u8 (p->lut[2]), tw = vld1q_u8 (p->lut[3]);
  const gint w = f->width, cw = (w + 1) / 2;
  gint r, x;

  /* luma: every pixel its own */
  for (r = 0; r < n_rows; r++) {
    guint8 *row = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 16 <= w; x += 16) {
      const uint8x16_t lab = vld1q_u8 (l + x);

      blend_store (row + x, vqtbl1q_u8 (tw, lab), vqtbl1q_u8 (ty, lab));
    }
    for (; x < w; x++)
      if (p->writes[l[x]])
        row[x] = p->value[l[x]][0];
  }

  /* chroma: the majority label of each 2x2 (one row: the bottom pair is
   * the top one, which keeps the rule) */
  {
    const guint8 *top = labels[0], *bottom = labels[n_rows - 1];
    guint8 *ru = row_of (f, pu, y >> 1) + (semi ? uoff : 0);
    guint8 *rv = row_of (f, pv, y >> 1) + (semi ? 1 - uoff : 0);
    guint8 *ruv = row_of (f, 1, y >> 1);

    for (x = 0; 2 * x + 32 <= w; x += 16) {
      const uint8x16x2_t t = vld2q_u8 (top + 2 * x);
      const uint8x16x2_t b = vld2q_u8 (bottom + 2 * x);
      const uint8x16_t m = majority4 (t.val[0], t.val[1], b.val[0],
          b.val[1]);
      const uint8x16_t u = vqtbl1q_u8 (tu, m), v = vqtbl1q_u8 (tv, m);
      const uint8x16_t wm = vqtbl1q_u8 (tw, m);

      if (!semi) {
        blend_store (ru + x, wm, u);
        blend_store (rv + x, wm, v);
      } else {
        uint8x16x2_t old = vld2q_u8 (ruv + 2 * x);

        old.val[0] = vbslq_u8 (wm, uoff ? v : u, old.val[0]);
        old.val[1] = vbslq_u8 (wm, uoff ? u : v, old.val[1]);
        vst2q_u8 (ruv + 2 * x, old);
      }
    }
    for (; x < cw; x++) {
      const guint8 m = kms_label_cover_420 (labels, n_rows, w, x);

      if (p->writes[m]) {
        ru[(semi ? 2 : 1) * x] = p->value[m][1];
        rv[(semi ? 2 : 1) * x] = p->value[m][2];
      }
    }
  }
}

#define DEFINE_420(name, semi, u, v, uoff)                                  \
static void                                                                 \
kms_unpack_##name##_neon (const KmsFrame * f, gint y, guint8 * const *c)    \
{                                                                           \
  unpack_420 (f, y, c, semi, u, v, uoff);                                   \
}                                                                           \
static void                                                                 \
kms_write_##name##_neon (KmsFrame * f, gint y, gint n_rows,                 \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_420 (f, y, n_rows, labels, p, semi, u, v, uoff);                    \
}

DEFINE_420 (i420, FALSE, 1, 2, 0);
DEFINE_420 (yv12, FALSE, 2, 1, 0);
DEFINE_420 (nv12, TRUE, 1, 1, 0);
DEFINE_420 (nv21, TRUE, 1, 1, 1);

/* ------------------------------------------------------------------ */
/* 4:2:2 packed (YUY2: Y0 U Y1 V; UYVY: U Y0 V Y1) */

static inline __attribute__ ((always_inline)) void
unpack_422 (const KmsFrame * f, gint y, guint8 * const *c, gboolean uyvy)
{
  const gint w = f->width;
  const guint8 *row = row_of (f, 0, y);
  gint x;

  for (x = 0; x + 16 <= w; x += 16) {
    const uint8x16x2_t px = vld2q_u8 (row + 2 * x);
    const uint8x16_t uv = uyvy ? px.val[0] : px.val[1];

    vst1q_u8 (c[0] + x, uyvy ? px.val[1] : px.val[0]);
    /* U0 V0 U1 V1 ...: the even ones and the odd ones, doubled */
    vst1q_u8 (c[1] + x, doubled (vget_low_u8 (vuzp1q_u8 (uv, uv))));
    vst1q_u8 (c[2] + x, doubled (vget_low_u8 (vuzp2q_u8 (uv, uv))));
  }
  for (; x < w; x++) {
    const guint8 *pair = row + 4 * (x >> 1);

    c[0][x] = row[2 * x + (uyvy ? 1 : 0)];
    c[1][x] = pair[uyvy ? 0 : 1];
    c[2][x] = pair[uyvy ? 2 : 3];
  }
}

/* Labels below KMS_NEON_WRITE_K: luma every pixel's own; a pair's chroma
 * the majority of its two labels, which is the first one's */
static inline __attribute__ ((always_inline)) void
write_422 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean uyvy)
{
  const uint8x16_t ty = vld1q_u8 (p->lut[0]), tu = vld1q_u8 (p->lut[1]);
  const uint8x16_t tv = vld1q_u8 (p->lut[2]), tw = vld1q_u8 (p->lut[3]);
  const gint w = f->width;
  gint r, x;

  for (r = 0; r < n_rows; r++) {
    guint8 *row = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 16 <= w; x += 16) {
      const uint8x16_t lab = vld1q_u8 (l + x);
      /* the first label of each pair, in the low half */
      const uint8x16_t first = vuzp1q_u8 (lab, lab);
      const uint8x16_t luma = vqtbl1q_u8 (ty, lab);
      const uint8x16_t wl = vqtbl1q_u8 (tw, lab);
      const uint8x16_t wf = vqtbl1q_u8 (tw, first);
      const uint8x16_t uv = vzip1q_u8 (vqtbl1q_u8 (tu, first),
          vqtbl1q_u8 (tv, first));
      const uint8x16_t wuv = vzip1q_u8 (wf, wf);
      uint8x16x2_t px = vld2q_u8 (row + 2 * x);

      px.val[uyvy ? 1 : 0] = vbslq_u8 (wl, luma, px.val[uyvy ? 1 : 0]);
      px.val[uyvy ? 0 : 1] = vbslq_u8 (wuv, uv, px.val[uyvy ? 0 : 1]);
      vst2q_u8 (row + 2 * x, px);
    }
    for (; x < w; x++) {
      guint8 *pair = row + 4 * (x >> 1);
      const guint8 m = l[x & ~1];

      if (p->writes[l[x]])
        row[2 * x + (uyvy ? 1 : 0)] = p->value[l[x]][0];
      if (!(x & 1) && p->writes[m]) {
        pair[uyvy ? 0 : 1] = p->value[m][1];
        pair[uyvy ? 2 : 3] = p->value[m][2];
      }
    }
  }
}

#define DEFINE_422(name, uyvy)                                              \
static void                                                                 \
kms_unpack_##name##_neon (const KmsFrame * f, gint y, guint8 * const *c)    \
{                                                                           \
  unpack_422 (f, y, c, uyvy);                                               \
}                                                                           \
static void                                                                 \
kms_write_##name##_neon (KmsFrame * f, gint y, gint n_rows,                 \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_422 (f, y, n_rows, labels, p, uyvy);                                \
}

DEFINE_422 (yuy2, FALSE);
DEFINE_422 (uyvy, TRUE);

/* ------------------------------------------------------------------ */
/* 4-byte pixels, labels below KMS_NEON_WRITE_K: the pixels split into
 * their four bytes, each byte's keep and set tables looked up by label,
 * out = (out & keep) | set */
static void
kms_write_packed4_neon (KmsFrame * f, gint y, gint n_rows,
    guint8 * const *labels, const KmsPaint * p)
{
  guint8 keep[4][16], set[4][16];
  uint8x16_t kt[4], st[4];
  gint r, x, b;

  G_STATIC_ASSERT (KMS_NEON_WRITE_K <= 16);
  for (x = 0; x < 16; x++)
    for (b = 0; b < 4; b++) {
      keep[b][x] = ((const guint8 *) &p->keep[x])[b];
      set[b][x] = ((const guint8 *) &p->set[x])[b];
    }
  for (b = 0; b < 4; b++) {
    kt[b] = vld1q_u8 (keep[b]);
    st[b] = vld1q_u8 (set[b]);
  }
  for (r = 0; r < n_rows; r++) {
    guint8 *dst = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 16 <= f->width; x += 16) {
      const uint8x16_t lab = vld1q_u8 (l + x);
      uint8x16x4_t px = vld4q_u8 (dst + 4 * x);

      for (b = 0; b < 4; b++)
        px.val[b] = vorrq_u8 (vandq_u8 (px.val[b], vqtbl1q_u8 (kt[b], lab)),
            vqtbl1q_u8 (st[b], lab));
      vst4q_u8 (dst + 4 * x, px);
    }
    for (; x < f->width; x++) {
      guint32 v;

      memcpy (&v, dst + 4 * x, 4);
      v = (v & p->keep[l[x]]) | p->set[l[x]];
      memcpy (dst + 4 * x, &v, 4);
    }
  }
}

KmsRowKernels
kms_row_kernels_neon_intrin (KmsFormat format)
{
  static const KmsRowKernels none = { NULL, NULL, NULL };
#define ROWS(fmt, name) \
  [fmt] = { kms_unpack_##name##_neon, NULL, kms_write_##name##_neon }
  static const KmsRowKernels kernels[KMS_FORMAT_LAST] = {
    ROWS (KMS_FORMAT_I420, i420),
    ROWS (KMS_FORMAT_YV12, yv12),
    ROWS (KMS_FORMAT_NV12, nv12),
    ROWS (KMS_FORMAT_NV21, nv21),
    ROWS (KMS_FORMAT_YUY2, yuy2),
    ROWS (KMS_FORMAT_UYVY, uyvy),
#define PACKED4(fmt) [fmt] = { NULL, NULL, kms_write_packed4_neon }
    PACKED4 (KMS_FORMAT_RGBx), PACKED4 (KMS_FORMAT_BGRx),
    PACKED4 (KMS_FORMAT_xRGB), PACKED4 (KMS_FORMAT_xBGR),
    PACKED4 (KMS_FORMAT_RGBA), PACKED4 (KMS_FORMAT_BGRA),
    PACKED4 (KMS_FORMAT_ARGB), PACKED4 (KMS_FORMAT_ABGR),
#undef PACKED4
  };
#undef ROWS

  return (guint) format < KMS_FORMAT_LAST ? kernels[format] : none;
}

/* kmeansseg: unpacking 4:2:0 YUV rows with AVX2
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
 * (write_4()), at the x86-64-v3 level: the same bytes,
 * found through kms_row_kernels_avx2(). 32 pixels (or chroma samples) at
 * a time, the last ones of a row one by one. The unpack copies luma and
 * doubles each chroma sample in place (a byte and its copy in a 16-bit
 * lane); the write, for labels below KMS_AVX2_WRITE_K, looks the values up
 * by vpshufb in 16-entry tables, a chroma sample taking the majority label
 * of its 2x2 pixels (ties to the first in the order top left, top right,
 * bottom left, bottom right). Built with -march=x86-64-v3, called only
 * when the CPU runs that level. */

#include <string.h>

#include "kmsdsp_x86.h"

#include <immintrin.h>

static inline __attribute__ ((always_inline)) void
unpack_420 (const KmsFrame * f, gint y, guint8 * const *c, gboolean semi,
    guint pu, guint pv, guint uoff)
{
  const gint w = f->width;
  const guint8 *ly = f->data[0] + (gsize) y * f->stride[0];
  const guint8 *lu = f->data[pu] + (gsize) (y >> 1) * f->stride[pu];
  const guint8 *lv = f->data[pv] + (gsize) (y >> 1) * f->stride[pv];
  const __m256i lo = _mm256_set1_epi16 (0x00ff);
  gint x;

  for (x = 0; x + 32 <= w; x += 32) {
    __m256i u, v;

    _mm256_storeu_si256 ((__m256i *) (c[0] + x),
        _mm256_loadu_si256 ((const __m256i *) (ly + x)));
    if (!semi) {
      /* 16 samples, each zero-extended to 16 bits, then doubled */
      u = _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (lu +
                  x / 2)));
      v = _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (lv +
                  x / 2)));
    } else {
      /* 16 interleaved pairs: U in the low byte of each 16-bit lane
       * (NV12), or in the high one (NV21) */
      const __m256i uv = _mm256_loadu_si256 ((const __m256i *) (lu + x));

      u = uoff ? _mm256_srli_epi16 (uv, 8) : _mm256_and_si256 (uv, lo);
      v = uoff ? _mm256_and_si256 (uv, lo) : _mm256_srli_epi16 (uv, 8);
    }
    _mm256_storeu_si256 ((__m256i *) (c[1] + x), _mm256_or_si256 (u,
            _mm256_slli_epi16 (u, 8)));
    _mm256_storeu_si256 ((__m256i *) (c[2] + x), _mm256_or_si256 (v,
            _mm256_slli_epi16 (v, 8)));
  }
  for (; x < w; x++) {
    const gint s = semi ? 2 * (x >> 1) : x >> 1;

    c[0][x] = ly[x];
    c[1][x] = lu[s + (semi ? (gint) uoff : 0)];
    c[2][x] = lv[s + (semi ? 1 - (gint) uoff : 0)];
  }
}

static inline guint8 *
row_of (KmsFrame * f, guint plane, gint y)
{
  return f->data[plane] + (gsize) y * f->stride[plane];
}

/* The majority of four byte labels a, b, c, d, ties to the first */
static inline __m256i
majority4 (__m256i a, __m256i b, __m256i c, __m256i d)
{
  const __m256i ab = _mm256_cmpeq_epi8 (a, b);
  const __m256i ac = _mm256_cmpeq_epi8 (a, c);
  const __m256i ad = _mm256_cmpeq_epi8 (a, d);
  const __m256i bc = _mm256_cmpeq_epi8 (b, c);
  const __m256i bd = _mm256_cmpeq_epi8 (b, d);
  const __m256i cd = _mm256_cmpeq_epi8 (c, d);
  /* how many of the four hold each one's label, less one (an equal pair
   * is -1 for both of its labels) */
  const __m256i zero = _mm256_setzero_si256 ();
  const __m256i na = _mm256_sub_epi8 (zero, _mm256_add_epi8 (_mm256_add_epi8
          (ab, ac), ad));
  const __m256i nb = _mm256_sub_epi8 (zero, _mm256_add_epi8 (_mm256_add_epi8
          (ab, bc), bd));
  const __m256i nc = _mm256_sub_epi8 (zero, _mm256_add_epi8 (_mm256_add_epi8
          (ac, bc), cd));
  const __m256i nd = _mm256_sub_epi8 (zero, _mm256_add_epi8 (_mm256_add_epi8
          (ad, bd), cd));
  __m256i best = na, out = a, g;

  g = _mm256_cmpgt_epi8 (nb, best);
  out = _mm256_blendv_epi8 (out, b, g);
  best = _mm256_blendv_epi8 (best, nb, g);
  g = _mm256_cmpgt_epi8 (nc, best);
  out = _mm256_blendv_epi8 (out, c, g);
  best = _mm256_blendv_epi8 (best, nc, g);
  g = _mm256_cmpgt_epi8 (nd, best);
  return _mm256_blendv_epi8 (out, d, g);
}

/* The even and odd bytes of 64 (a, then b), in order */
static inline void
deinterleave (__m256i a, __m256i b, __m256i * even, __m256i * odd)
{
  const __m256i lo = _mm256_set1_epi16 (0x00ff);

  *even = _mm256_permute4x64_epi64 (_mm256_packus_epi16 (_mm256_and_si256 (a,
              lo), _mm256_and_si256 (b, lo)), _MM_SHUFFLE (3, 1, 2, 0));
  *odd = _mm256_permute4x64_epi64 (_mm256_packus_epi16 (_mm256_srli_epi16 (a,
              8), _mm256_srli_epi16 (b, 8)), _MM_SHUFFLE (3, 1, 2, 0));
}

/* 32 bytes at @p take @v where @m is set */
static inline void
blend_store (guint8 * p, __m256i m, __m256i v)
{
  const __m256i old = _mm256_loadu_si256 ((const __m256i *) p);

  _mm256_storeu_si256 ((__m256i *) p, _mm256_blendv_epi8 (old, v, m));
}

/* One row group (n_rows 1 or 2, starting on an even row) of a 4:2:0
 * frame whose labels are below KMS_AVX2_WRITE_K: luma in plane 0; chroma
 * planar (U in plane pu, V in plane pv) or, with @semi, interleaved in
 * plane 1 with U at byte @uoff of each pair */
static inline __attribute__ ((always_inline)) void
write_420 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean semi, guint pu, guint pv, guint uoff)
{
  const __m256i ty = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[0]));
  const __m256i tu = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[1]));
  const __m256i tv = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[2]));
  const __m256i tw = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[3]));
  const gint w = f->width, cw = (w + 1) / 2;
  gint r, x;

  /* luma: every pixel its own */
  for (r = 0; r < n_rows; r++) {
    guint8 *row = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 32 <= w; x += 32) {
      const __m256i lab = _mm256_loadu_si256 ((const __m256i *) (l + x));

      blend_store (row + x, _mm256_shuffle_epi8 (tw, lab),
          _mm256_shuffle_epi8 (ty, lab));
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

    for (x = 0; 2 * x + 64 <= w; x += 32) {
      __m256i l[4], m, u, v, wm;

      deinterleave (_mm256_loadu_si256 ((const __m256i *) (top + 2 * x)),
          _mm256_loadu_si256 ((const __m256i *) (top + 2 * x + 32)), &l[0],
          &l[1]);
      deinterleave (_mm256_loadu_si256 ((const __m256i *) (bottom + 2 * x)),
          _mm256_loadu_si256 ((const __m256i *) (bottom + 2 * x + 32)),
          &l[2], &l[3]);
      m = majority4 (l[0], l[1], l[2], l[3]);
      u = _mm256_shuffle_epi8 (tu, m);
      v = _mm256_shuffle_epi8 (tv, m);
      wm = _mm256_shuffle_epi8 (tw, m);
      if (!semi) {
        blend_store (ru + x, wm, u);
        blend_store (rv + x, wm, v);
      } else {
        /* interleave: (first, second) pairs of bytes, in order */
        const __m256i c0 = uoff == 0 ? u : v, c1 = uoff == 0 ? v : u;
        const __m256i lo = _mm256_unpacklo_epi8 (c0, c1);
        const __m256i hi = _mm256_unpackhi_epi8 (c0, c1);
        const __m256i wlo = _mm256_unpacklo_epi8 (wm, wm);
        const __m256i whi = _mm256_unpackhi_epi8 (wm, wm);

        blend_store (ruv + 2 * x, _mm256_permute2x128_si256 (wlo, whi, 0x20),
            _mm256_permute2x128_si256 (lo, hi, 0x20));
        blend_store (ruv + 2 * x + 32, _mm256_permute2x128_si256 (wlo, whi,
                0x31), _mm256_permute2x128_si256 (lo, hi, 0x31));
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
kms_unpack_##name##_avx2 (const KmsFrame * f, gint y, guint8 * const *c)    \
{                                                                           \
  unpack_420 (f, y, c, semi, u, v, uoff);                                   \
}                                                                           \
static void                                                                 \
kms_write_##name##_avx2 (KmsFrame * f, gint y, gint n_rows,                 \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_420 (f, y, n_rows, labels, p, semi, u, v, uoff);                    \
}

DEFINE_420 (i420, FALSE, 1, 2, 0);
DEFINE_420 (yv12, FALSE, 2, 1, 0);
DEFINE_420 (nv12, TRUE, 1, 1, 0);
DEFINE_420 (nv21, TRUE, 1, 1, 1);

/* 4:2:2 packed (YUY2: Y0 U Y1 V; UYVY: U Y0 V Y1), 32 pixels (64 bytes)
 * at a time: luma the even (YUY2) or odd bytes; each pair's U and V,
 * doubled in place (a byte and its copy in a 16-bit lane) */
static inline __attribute__ ((always_inline)) void
unpack_422 (const KmsFrame * f, gint y, guint8 * const *c, gboolean uyvy)
{
  const gint w = f->width;
  const guint8 *row = f->data[0] + (gsize) y * f->stride[0];
  const __m256i lo = _mm256_set1_epi16 (0x00ff);
  gint x;

  for (x = 0; x + 32 <= w; x += 32) {
    __m256i even, odd, luma, uv, u, v;

    deinterleave (_mm256_loadu_si256 ((const __m256i *) (row + 2 * x)),
        _mm256_loadu_si256 ((const __m256i *) (row + 2 * x + 32)), &even,
        &odd);
    luma = uyvy ? odd : even;
    uv = uyvy ? even : odd;
    u = _mm256_and_si256 (uv, lo);
    v = _mm256_srli_epi16 (uv, 8);
    _mm256_storeu_si256 ((__m256i *) (c[0] + x), luma);
    _mm256_storeu_si256 ((__m256i *) (c[1] + x), _mm256_or_si256 (u,
            _mm256_slli_epi16 (u, 8)));
    _mm256_storeu_si256 ((__m256i *) (c[2] + x), _mm256_or_si256 (v,
            _mm256_slli_epi16 (v, 8)));
  }
  for (; x < w; x++) {
    const guint8 *pair = row + 4 * (x >> 1);

    c[0][x] = row[2 * x + (uyvy ? 1 : 0)];
    c[1][x] = pair[uyvy ? 0 : 1];
    c[2][x] = pair[uyvy ? 2 : 3];
  }
}

/* A row of 4:2:2 packed pixels whose labels are below KMS_AVX2_WRITE_K:
 * luma every pixel's own; a pair's chroma the majority of its two labels,
 * which is the first one's (a tie goes to the first) */
static inline __attribute__ ((always_inline)) void
write_422 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean uyvy)
{
  const __m256i ty = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[0]));
  const __m256i tu = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[1]));
  const __m256i tv = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[2]));
  const __m256i tw = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const
              __m128i *) p->lut[3]));
  const __m256i lo = _mm256_set1_epi16 (0x00ff);
  const gint w = f->width;
  gint r, x;

  for (r = 0; r < n_rows; r++) {
    guint8 *row = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 32 <= w; x += 32) {
      const __m256i lab = _mm256_loadu_si256 ((const __m256i *) (l + x));
      const __m256i luma = _mm256_shuffle_epi8 (ty, lab);
      const __m256i wl = _mm256_shuffle_epi8 (tw, lab);
      /* per pair (a 16-bit lane): the first pixel's U low, V high, and
       * whether it is written in both */
      const __m256i uv = _mm256_or_si256 (_mm256_and_si256
          (_mm256_shuffle_epi8 (tu, lab), lo), _mm256_slli_epi16
          (_mm256_shuffle_epi8 (tv, lab), 8));
      const __m256i wc = _mm256_or_si256 (_mm256_and_si256 (wl, lo),
          _mm256_slli_epi16 (wl, 8));
      const __m256i a = uyvy ? uv : luma, b = uyvy ? luma : uv;
      const __m256i wa = uyvy ? wc : wl, wb = uyvy ? wl : wc;
      const __m256i v0 = _mm256_unpacklo_epi8 (a, b);
      const __m256i v1 = _mm256_unpackhi_epi8 (a, b);
      const __m256i m0 = _mm256_unpacklo_epi8 (wa, wb);
      const __m256i m1 = _mm256_unpackhi_epi8 (wa, wb);

      blend_store (row + 2 * x, _mm256_permute2x128_si256 (m0, m1, 0x20),
          _mm256_permute2x128_si256 (v0, v1, 0x20));
      blend_store (row + 2 * x + 32, _mm256_permute2x128_si256 (m0, m1,
              0x31), _mm256_permute2x128_si256 (v0, v1, 0x31));
    }
    for (; x < w; x++) {
      guint8 *pair = row + 4 * (x >> 1);
      /* (x is even when its pair starts) */
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
kms_unpack_##name##_avx2 (const KmsFrame * f, gint y, guint8 * const *c)    \
{                                                                           \
  unpack_422 (f, y, c, uyvy);                                               \
}                                                                           \
static void                                                                 \
kms_write_##name##_avx2 (KmsFrame * f, gint y, gint n_rows,                 \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_422 (f, y, n_rows, labels, p, uyvy);                                \
}

DEFINE_422 (yuy2, FALSE);
DEFINE_422 (uyvy, TRUE);

/* 4-byte pixels, labels below KMS_AVX2_WRITE_K: each pixel's keep and set
 * words (kms_paint_prepare) looked up 8 at a time with two vpermd (labels
 * 0..7 and 8..15), out = (out & keep) | set */
static void
kms_write_packed4_avx2 (KmsFrame * f, gint y, gint n_rows,
    guint8 * const *labels, const KmsPaint * p)
{
  const __m256i set_lo = _mm256_loadu_si256 ((const __m256i *) &p->set[0]);
  const __m256i set_hi = _mm256_loadu_si256 ((const __m256i *) &p->set[8]);
  const __m256i keep_lo = _mm256_loadu_si256 ((const __m256i *) &p->keep[0]);
  const __m256i keep_hi = _mm256_loadu_si256 ((const __m256i *) &p->keep[8]);
  const __m256i seven = _mm256_set1_epi32 (7);
  gint r, x;

  G_STATIC_ASSERT (KMS_AVX2_WRITE_K <= 16);
  for (r = 0; r < n_rows; r++) {
    guint8 *dst = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x + 8 <= f->width; x += 8) {
      const __m256i idx = _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const
                  __m128i *) (l + x)));
      const __m256i hi = _mm256_cmpgt_epi32 (idx, seven);
      const __m256i set = _mm256_blendv_epi8 (_mm256_permutevar8x32_epi32
          (set_lo, idx), _mm256_permutevar8x32_epi32 (set_hi, idx), hi);
      const __m256i keep = _mm256_blendv_epi8 (_mm256_permutevar8x32_epi32
          (keep_lo, idx), _mm256_permutevar8x32_epi32 (keep_hi, idx), hi);
      __m256i px = _mm256_loadu_si256 ((const __m256i *) (dst + 4 * x));

      px = _mm256_or_si256 (_mm256_and_si256 (px, keep), set);
      _mm256_storeu_si256 ((__m256i *) (dst + 4 * x), px);
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
kms_row_kernels_avx2 (KmsFormat format)
{
  static const KmsRowKernels none = { NULL, NULL, NULL };
#define ROWS(fmt, name) \
  [fmt] = { kms_unpack_##name##_avx2, NULL, kms_write_##name##_avx2 }
  static const KmsRowKernels kernels[KMS_FORMAT_LAST] = {
    ROWS (KMS_FORMAT_I420, i420),
    ROWS (KMS_FORMAT_YV12, yv12),
    ROWS (KMS_FORMAT_NV12, nv12),
    ROWS (KMS_FORMAT_NV21, nv21),
    ROWS (KMS_FORMAT_YUY2, yuy2),
    ROWS (KMS_FORMAT_UYVY, uyvy),
#define PACKED4(fmt) [fmt] = { NULL, NULL, kms_write_packed4_avx2 }
    PACKED4 (KMS_FORMAT_RGBx), PACKED4 (KMS_FORMAT_BGRx),
    PACKED4 (KMS_FORMAT_xRGB), PACKED4 (KMS_FORMAT_xBGR),
    PACKED4 (KMS_FORMAT_RGBA), PACKED4 (KMS_FORMAT_BGRA),
    PACKED4 (KMS_FORMAT_ARGB), PACKED4 (KMS_FORMAT_ABGR),
#undef PACKED4
  };
#undef ROWS

  return (guint) format < KMS_FORMAT_LAST ? kernels[format] : none;
}

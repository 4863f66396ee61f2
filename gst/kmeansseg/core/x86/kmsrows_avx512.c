/* kmeansseg: writing 4:2:0 YUV rows with AVX-512 VBMI
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
 * UYVY (unpack_yuv(), write_yuv()), for k <= KMS_PAINT_LUT_LABELS on a CPU
 * with AVX-512 BW and VBMI: the same bytes, found through
 * kms_row_kernels_avx512(). A label is a
 * byte index into 64-byte tables (vpermb): luma 64 pixels at a time; a
 * chroma sample takes the majority label of its 2x2 pixels (ties to the
 * first in the order top left, top right, bottom left, bottom right), 64
 * samples at a time. Built with those flags, called only when the CPU has
 * them (the AVX-512 level). */

#include "kmsdsp_x86.h"

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

static inline guint8 *
row_of (KmsFrame * f, guint plane, gint y)
{
  return f->data[plane] + (gsize) y * f->stride[plane];
}

/* the first n bytes of 64 (none for n <= 0) */
static inline __mmask64
first_n (gint n)
{
  return n >= 64 ? ~(__mmask64) 0 : n <= 0 ? 0 : ((__mmask64) 1 << n) - 1;
}

static inline __m512i
load_n (const guint8 * p, gint n)
{
  return n >= 64 ? _mm512_loadu_si512 (p) : _mm512_maskz_loadu_epi8 (first_n
      (n), p);
}

/* bytes i with @m set take @v, the others stay; n bytes of the row */
static inline void
blend_store (guint8 * p, gint n, __mmask64 m, __m512i v)
{
  _mm512_mask_storeu_epi8 (p, m & first_n (n), v);
}

/* The majority of four byte labels a, b, c, d, ties to the first */
static inline __m512i
majority4 (__m512i a, __m512i b, __m512i c, __m512i d)
{
  const __m512i one = _mm512_set1_epi8 (1);
  const __mmask64 ab = _mm512_cmpeq_epi8_mask (a, b);
  const __mmask64 ac = _mm512_cmpeq_epi8_mask (a, c);
  const __mmask64 ad = _mm512_cmpeq_epi8_mask (a, d);
  const __mmask64 bc = _mm512_cmpeq_epi8_mask (b, c);
  const __mmask64 bd = _mm512_cmpeq_epi8_mask (b, d);
  const __mmask64 cd = _mm512_cmpeq_epi8_mask (c, d);
  __m512i na = one, nb = one, nc = one, nd = one, best, out = a;
  __mmask64 g;

  /* each equal pair counts once for both of its labels */
#define COUNT_PAIR(eq, nx, ny) G_STMT_START {                                \
    nx = _mm512_mask_add_epi8 (nx, eq, nx, one);                            \
    ny = _mm512_mask_add_epi8 (ny, eq, ny, one);                            \
  } G_STMT_END
  COUNT_PAIR (ab, na, nb);
  COUNT_PAIR (ac, na, nc);
  COUNT_PAIR (ad, na, nd);
  COUNT_PAIR (bc, nb, nc);
  COUNT_PAIR (bd, nb, nd);
  COUNT_PAIR (cd, nc, nd);
#undef COUNT_PAIR

  best = na;
  g = _mm512_cmpgt_epu8_mask (nb, best);
  out = _mm512_mask_mov_epi8 (out, g, b);
  best = _mm512_mask_mov_epi8 (best, g, nb);
  g = _mm512_cmpgt_epu8_mask (nc, best);
  out = _mm512_mask_mov_epi8 (out, g, c);
  best = _mm512_mask_mov_epi8 (best, g, nc);
  g = _mm512_cmpgt_epu8_mask (nd, best);
  out = _mm512_mask_mov_epi8 (out, g, d);
  return out;
}

/* One row group (n_rows 1 or 2, starting on an even row) of a 4:2:0
 * frame: luma in plane 0; chroma planar (U in plane pu, V in plane pv) or,
 * with @semi, interleaved in plane 1 with U at byte @uoff of each pair */
static inline __attribute__ ((always_inline)) void
write_420 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean semi, guint pu, guint pv, guint uoff)
{
  const __m512i ty = _mm512_loadu_si512 (p->lut[0]);
  const __m512i tu = _mm512_loadu_si512 (p->lut[1]);
  const __m512i tv = _mm512_loadu_si512 (p->lut[2]);
  const __m512i tw = _mm512_loadu_si512 (p->lut[3]);
  guint8 tab[2][64] VECTOR_ALIGNED;
  __m512i even, odd;
  const gint w = f->width, cw = (w + 1) / 2;
  gint r, x, i;

  /* luma: every pixel its own */
  for (r = 0; r < n_rows; r++) {
    guint8 *row = row_of (f, 0, y + r);
    const guint8 *l = labels[r];

    for (x = 0; x < w; x += 64) {
      const __m512i lab = load_n (l + x, w - x);

      blend_store (row + x, w - x, _mm512_movepi8_mask
          (_mm512_permutexvar_epi8 (lab, tw)), _mm512_permutexvar_epi8 (lab,
              ty));
    }
  }

  /* chroma: the majority label of each 2x2 */
  for (i = 0; i < 64; i++) {
    tab[0][i] = 2 * i;
    tab[1][i] = 2 * i + 1;
  }
  even = _mm512_loadu_si512 (tab[0]);
  odd = _mm512_loadu_si512 (tab[1]);
  for (x = 0; x < cw; x += 64) {
    const gint n = MIN (64, cw - x);
    /* samples whose right pixel is past the width take the left one */
    const __mmask64 right = first_n (MIN (n, w / 2 - x));
    __m512i l[4], m, u, v, wm;

    for (r = 0; r < 2; r++) {
      const guint8 *src = labels[MIN (r, n_rows - 1)] + 2 * x;
      const gint left = w - 2 * x;
      const __m512i a = load_n (src, left);
      const __m512i b = load_n (src + 64, left - 64);

      l[2 * r] = _mm512_permutex2var_epi8 (a, even, b);
      l[2 * r + 1] = _mm512_mask_mov_epi8 (l[2 * r], right,
          _mm512_permutex2var_epi8 (a, odd, b));
    }
    /* one row: the bottom pair is the top one, which keeps the rule */
    m = majority4 (l[0], l[1], l[2], l[3]);
    u = _mm512_permutexvar_epi8 (m, tu);
    v = _mm512_permutexvar_epi8 (m, tv);
    wm = _mm512_permutexvar_epi8 (m, tw);

    if (!semi) {
      const __mmask64 write = _mm512_movepi8_mask (wm);

      blend_store (row_of (f, pu, y >> 1) + x, n, write, u);
      blend_store (row_of (f, pv, y >> 1) + x, n, write, v);
    } else {
      /* interleave: (first, second) pairs of bytes, in order */
      const __m512i c0 = uoff == 0 ? u : v, c1 = uoff == 0 ? v : u;
      const __m512i lo = _mm512_unpacklo_epi8 (c0, c1);
      const __m512i hi = _mm512_unpackhi_epi8 (c0, c1);
      const __m512i wlo = _mm512_unpacklo_epi8 (wm, wm);
      const __m512i whi = _mm512_unpackhi_epi8 (wm, wm);
      const __m512i i0 = _mm512_set_epi64 (11, 10, 3, 2, 9, 8, 1, 0);
      const __m512i i1 = _mm512_set_epi64 (15, 14, 7, 6, 13, 12, 5, 4);
      guint8 *row = row_of (f, 1, y >> 1) + 2 * x;

      blend_store (row, 2 * n, _mm512_movepi8_mask (_mm512_permutex2var_epi64
              (wlo, i0, whi)), _mm512_permutex2var_epi64 (lo, i0, hi));
      if (n > 32)
        blend_store (row + 64, 2 * n - 64, _mm512_movepi8_mask
            (_mm512_permutex2var_epi64 (wlo, i1, whi)),
            _mm512_permutex2var_epi64 (lo, i1, hi));
    }
  }
}

/* One row of a 4:2:0 frame into the 8-bit channel rows c[0..2], chroma
 * repeated for the two pixels of a sample (unpack_yuv() of kmsrows.c) */
static inline __attribute__ ((always_inline)) void
unpack_420 (const KmsFrame * f, gint y, guint8 * const *c, gboolean semi,
    guint pu, guint pv, guint uoff)
{
  const gint w = f->width;
  const guint8 *ly = f->data[0] + (gsize) y * f->stride[0];
  guint8 idx[2][64] VECTOR_ALIGNED;
  __m512i dup, dup_u, dup_v;
  gint x, i;

  for (i = 0; i < 64; i++) {
    idx[0][i] = i / 2;
    idx[1][i] = 2 * (i / 2);
  }
  dup = _mm512_loadu_si512 (idx[0]);
  dup_u = _mm512_add_epi8 (_mm512_loadu_si512 (idx[1]),
      _mm512_set1_epi8 ((gchar) uoff));
  dup_v = _mm512_add_epi8 (_mm512_loadu_si512 (idx[1]),
      _mm512_set1_epi8 ((gchar) (1 - uoff)));

  for (x = 0; x < w; x += 64) {
    const gint n = MIN (64, w - x);
    const __mmask64 m = first_n (n);
    /* the chroma samples of pixels x .. x + n - 1 */
    const gint ns = (n + 1) / 2;

    _mm512_mask_storeu_epi8 (c[0] + x, m, load_n (ly + x, n));
    if (!semi) {
      const __m512i u = load_n (f->data[pu] + (gsize) (y >> 1) *
          f->stride[pu] + x / 2, ns);
      const __m512i v = load_n (f->data[pv] + (gsize) (y >> 1) *
          f->stride[pv] + x / 2, ns);

      _mm512_mask_storeu_epi8 (c[1] + x, m, _mm512_permutexvar_epi8 (dup, u));
      _mm512_mask_storeu_epi8 (c[2] + x, m, _mm512_permutexvar_epi8 (dup, v));
    } else {
      const __m512i uv = load_n (f->data[1] + (gsize) (y >> 1) *
          f->stride[1] + x, 2 * ns);

      _mm512_mask_storeu_epi8 (c[1] + x, m, _mm512_permutexvar_epi8 (dup_u,
              uv));
      _mm512_mask_storeu_epi8 (c[2] + x, m, _mm512_permutexvar_epi8 (dup_v,
              uv));
    }
  }
}

/* One format's unpack and write: the layout's arguments as constants */
#define DEFINE_420(name, semi, u, v, swap)                                  \
static void                                                                 \
kms_unpack_##name##_avx512 (const KmsFrame * f, gint y, guint8 * const *c)  \
{                                                                           \
  unpack_420 (f, y, c, semi, u, v, swap);                                   \
}                                                                           \
static void                                                                 \
kms_write_##name##_avx512 (KmsFrame * f, gint y, gint n_rows,               \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_420 (f, y, n_rows, labels, p, semi, u, v, swap);                    \
}

DEFINE_420 (i420, FALSE, 1, 2, 0);
DEFINE_420 (yv12, FALSE, 2, 1, 0);
DEFINE_420 (nv12, TRUE, 1, 1, 0);
DEFINE_420 (nv21, TRUE, 1, 1, 1);

/* Packed 4:2:2 (YUY2: Y0 U Y1 V; UYVY: U Y0 V Y1): luma at byte yoff of
 * each pixel's two, U and V at uoff, voff of each pair's four. A pair's
 * chroma takes the label of its left pixel (the majority of two, ties to
 * the first). */
static inline __attribute__ ((always_inline)) void
unpack_422 (const KmsFrame * f, gint y, guint8 * const *c, guint yoff,
    guint uoff, guint voff)
{
  const gint w = f->width, row_bytes = 4 * ((w + 1) / 2);
  const guint8 *src = f->data[0] + (gsize) y * f->stride[0];
  guint8 idx[3][64] VECTOR_ALIGNED;
  __m512i iy, iu, iv;
  gint x, i;

  for (i = 0; i < 64; i++) {
    idx[0][i] = 2 * i + yoff;
    idx[1][i] = 4 * (i / 2) + uoff;
    idx[2][i] = 4 * (i / 2) + voff;
  }
  iy = _mm512_loadu_si512 (idx[0]);
  iu = _mm512_loadu_si512 (idx[1]);
  iv = _mm512_loadu_si512 (idx[2]);

  for (x = 0; x < w; x += 64) {
    const __mmask64 m = first_n (w - x);
    const __m512i a = load_n (src + 2 * x, row_bytes - 2 * x);
    const __m512i b = load_n (src + 2 * x + 64, row_bytes - 2 * x - 64);

    _mm512_mask_storeu_epi8 (c[0] + x, m, _mm512_permutex2var_epi8 (a, iy, b));
    _mm512_mask_storeu_epi8 (c[1] + x, m, _mm512_permutex2var_epi8 (a, iu, b));
    _mm512_mask_storeu_epi8 (c[2] + x, m, _mm512_permutex2var_epi8 (a, iv, b));
  }
}

static inline __attribute__ ((always_inline)) void
write_422 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, gboolean luma_first)
{
  const gint w = f->width, row_bytes = 4 * ((w + 1) / 2);
  const __m512i i0 = _mm512_set_epi64 (11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i i1 = _mm512_set_epi64 (15, 14, 7, 6, 13, 12, 5, 4);
  const __m512i ty = _mm512_loadu_si512 (p->lut[0]);
  const __m512i tu = _mm512_loadu_si512 (p->lut[1]);
  const __m512i tv = _mm512_loadu_si512 (p->lut[2]);
  const __m512i tw = _mm512_loadu_si512 (p->lut[3]);
  guint8 pairs[64] VECTOR_ALIGNED;
  __m512i left;
  gint r, x, i;

  for (i = 0; i < 64; i++)
    pairs[i] = 2 * (i / 2);
  left = _mm512_loadu_si512 (pairs);

  for (r = 0; r < n_rows; r++) {
    guint8 *dst = f->data[0] + (gsize) (y + r) * f->stride[0];
    const guint8 *l = labels[r];

    for (x = 0; x < w; x += 64) {
      const __m512i lab = load_n (l + x, w - x);
      /* each pixel's pair's left label (past an odd width: its own) */
      const __m512i ll = _mm512_permutexvar_epi8 (left, lab);
      const __m512i yv = _mm512_permutexvar_epi8 (lab, ty);
      /* no pixel past the width (an odd width's last pair has one) */
      const __m512i yw = _mm512_maskz_mov_epi8 (first_n (w - x),
          _mm512_permutexvar_epi8 (lab, tw));
      /* the chroma byte of pixel i: U for an even i, V for an odd */
      const __m512i cv = _mm512_mask_blend_epi8 (0xaaaaaaaaaaaaaaaaull,
          _mm512_permutexvar_epi8 (ll, tu), _mm512_permutexvar_epi8 (ll,
              tv));
      const __m512i cw = _mm512_permutexvar_epi8 (ll, tw);
      const __m512i f0 = luma_first ? yv : cv, s0 = luma_first ? cv : yv;
      const __m512i fw = luma_first ? yw : cw, sw = luma_first ? cw : yw;
      const __m512i lo = _mm512_unpacklo_epi8 (f0, s0);
      const __m512i hi = _mm512_unpackhi_epi8 (f0, s0);
      const __m512i wlo = _mm512_unpacklo_epi8 (fw, sw);
      const __m512i whi = _mm512_unpackhi_epi8 (fw, sw);
      const gint bytes = row_bytes - 2 * x;

      blend_store (dst + 2 * x, bytes, _mm512_movepi8_mask
          (_mm512_permutex2var_epi64 (wlo, i0, whi)),
          _mm512_permutex2var_epi64 (lo, i0, hi));
      if (bytes > 64)
        blend_store (dst + 2 * x + 64, bytes - 64, _mm512_movepi8_mask
            (_mm512_permutex2var_epi64 (wlo, i1, whi)),
            _mm512_permutex2var_epi64 (lo, i1, hi));
    }
  }
}

#define DEFINE_422(name, yoff, uoff, voff, yuy2)                            \
static void                                                                 \
kms_unpack_##name##_avx512 (const KmsFrame * f, gint y, guint8 * const *c)  \
{                                                                           \
  unpack_422 (f, y, c, yoff, uoff, voff);                                   \
}                                                                           \
static void                                                                 \
kms_write_##name##_avx512 (KmsFrame * f, gint y, gint n_rows,               \
    guint8 * const *labels, const KmsPaint * p)                             \
{                                                                           \
  write_422 (f, y, n_rows, labels, p, yuy2);                                \
}

DEFINE_422 (yuy2, 0, 1, 3, TRUE);
DEFINE_422 (uyvy, 1, 0, 2, FALSE);

KmsRowKernels
kms_row_kernels_avx512 (KmsFormat format)
{
  static const KmsRowKernels none = { NULL, NULL, NULL };
#define ROWS(fmt, name) \
  [fmt] = { kms_unpack_##name##_avx512, NULL, kms_write_##name##_avx512 }
  static const KmsRowKernels kernels[KMS_FORMAT_LAST] = {
    ROWS (KMS_FORMAT_I420, i420),
    ROWS (KMS_FORMAT_YV12, yv12),
    ROWS (KMS_FORMAT_NV12, nv12),
    ROWS (KMS_FORMAT_NV21, nv21),
    ROWS (KMS_FORMAT_YUY2, yuy2),
    ROWS (KMS_FORMAT_UYVY, uyvy),
  };
#undef ROWS

  return (guint) format < KMS_FORMAT_LAST ? kernels[format] : none;
}

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

/* The unpack of kmsrows.c's I420, YV12, NV12 and NV21 (unpack_yuv()) at
 * the x86-64-v3 level: the same bytes, found through
 * kms_row_kernels_avx2(). 32 pixels at a time: luma copied, each chroma
 * sample doubled in place (a byte and its copy in a 16-bit lane), the
 * last pixels of a row one by one. Built with -march=x86-64-v3, called
 * only when the CPU runs that level. */

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

#define DEFINE_420(name, semi, u, v, uoff)                                  \
static void                                                                 \
kms_unpack_##name##_avx2 (const KmsFrame * f, gint y, guint8 * const *c)    \
{                                                                           \
  unpack_420 (f, y, c, semi, u, v, uoff);                                   \
}

DEFINE_420 (i420, FALSE, 1, 2, 0);
DEFINE_420 (yv12, FALSE, 2, 1, 0);
DEFINE_420 (nv12, TRUE, 1, 1, 0);
DEFINE_420 (nv21, TRUE, 1, 1, 1);

KmsRowKernels
kms_row_kernels_avx2 (KmsFormat format)
{
  static const KmsRowKernels none = { NULL, NULL, NULL };
#define ROWS(fmt, name) [fmt] = { kms_unpack_##name##_avx2, NULL, NULL }
  static const KmsRowKernels kernels[KMS_FORMAT_LAST] = {
    ROWS (KMS_FORMAT_I420, i420),
    ROWS (KMS_FORMAT_YV12, yv12),
    ROWS (KMS_FORMAT_NV12, nv12),
    ROWS (KMS_FORMAT_NV21, nv21),
  };
#undef ROWS

  return (guint) format < KMS_FORMAT_LAST ? kernels[format] : none;
}

/* kmeansseg: the x86-64 levels: detection and kernel tables
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


#include "kmsdsp_x86.h"
#include "../kmsformat.h"

KmsCpuFlags
kms_cpu_detect_x86 (void)
{
  KmsCpuFlags flags = 0;

  /* By feature, not by the level names (x86-64-v2 ...), which clang does
   * not know; libgcc and compiler-rt check the OS saves the vector state */
  __builtin_cpu_init ();
  if (!(__builtin_cpu_supports ("sse4.2") &&
          __builtin_cpu_supports ("ssse3") &&
          __builtin_cpu_supports ("popcnt")))
    return flags;
  flags |= KMS_CPU_FLAG (KMS_CPU_V2);
  if (!(__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma") &&
          __builtin_cpu_supports ("bmi") && __builtin_cpu_supports ("bmi2")))
    return flags;
  flags |= KMS_CPU_FLAG (KMS_CPU_V3);
#if KMS_HAVE_AVX512
  if (__builtin_cpu_supports ("avx512f") &&
      __builtin_cpu_supports ("avx512bw") &&
      __builtin_cpu_supports ("avx512cd") &&
      __builtin_cpu_supports ("avx512dq") &&
      __builtin_cpu_supports ("avx512vl") &&
      __builtin_cpu_supports ("avx512vnni") &&
      __builtin_cpu_supports ("avx512vbmi"))
    flags |= KMS_CPU_FLAG (KMS_CPU_AVX512);
#endif
  return flags;
}

/* The portable kernels of one level */
#define PORTABLE(dsp, format, suffix) G_STMT_START {                        \
  dsp->rows = *kms_row_kernels_##suffix (format);                           \
  dsp->assign = kms_assign_row_##suffix;                                    \
  dsp->smooth = kms_smooth_row_##suffix;                                    \
  dsp->oklab = kms_oklab_row_##suffix;                                      \
  dsp->nearest = kms_nearest_points_##suffix;                               \
  dsp->dither = kms_dither_row_##suffix;                                    \
  if (dsp->assign_dither_paint)                                             \
    dsp->assign_dither_paint = kms_assign_dither_paint_row32_##suffix;      \
  if (dsp->assign_paint)                                                    \
    dsp->assign_paint = kms_assign_paint_row32_##suffix;                    \
  dsp->feather_box = kms_feather_box_##suffix;                              \
  dsp->feather_sums = kms_feather_sums_##suffix;                            \
  dsp->feather_weights = kms_feather_weights_##suffix;                      \
  if (dsp->feather_blend32)                                                 \
    dsp->feather_blend32 = kms_feather_blend32_##suffix;                    \
} G_STMT_END

void
kms_dsp_init_x86 (KmsDsp * dsp, KmsFormat format, guint k, KmsCpuFlags flags)
{
  if (!(flags & KMS_CPU_FLAG (KMS_CPU_V2)))
    return;
  dsp->level = KMS_CPU_V2;
  PORTABLE (dsp, format, v2);

  if (!(flags & KMS_CPU_FLAG (KMS_CPU_V3)))
    return;
  dsp->level = KMS_CPU_V3;
  PORTABLE (dsp, format, v3);
  dsp->oklab = kms_oklab_row_avx2;
  dsp->feather_weights = kms_feather_weights_avx2;
  if (dsp->feather_blend32)
    dsp->feather_blend32 = kms_feather_blend32_avx2;
  {
    const KmsRowKernels rows = kms_row_kernels_avx2 (format);

    if (rows.unpack)
      dsp->rows.unpack = rows.unpack;
    if (rows.write && k <= KMS_AVX2_WRITE_K)
      dsp->rows.write = rows.write;
  }
  if (k <= KMS_CELL_MAX_K) {
    dsp->dither = kms_dither_row_avx2;
    if (dsp->assign_dither_paint && k <= KMS_AVX2_ALL_K)
      dsp->assign_dither_paint = kms_assign_dither_paint_row32_avx2;
    dsp->assign = kms_assign_row_avx2;
    if (dsp->assign_paint)
      dsp->assign_paint = kms_assign_paint_row32_avx2;
    /* up to KMS_AVX2_ALL_K a scan of every centroid beats the cells */
    dsp->cells_min_k = KMS_AVX2_ALL_K + 1;
  }

#if KMS_HAVE_AVX512
  if (!(flags & KMS_CPU_FLAG (KMS_CPU_AVX512)))
    return;
  dsp->level = KMS_CPU_AVX512;
  /* the portable kernels serve what has no hand-written one: large k,
   * the other formats */
  PORTABLE (dsp, format, v4);
  /* (the AVX2 weights and blend: AVX-512 has no faster ones) */
  dsp->feather_weights = kms_feather_weights_avx2;
  if (dsp->feather_blend32)
    dsp->feather_blend32 = kms_feather_blend32_avx2;
  {
    const KmsRowKernels rows = kms_row_kernels_avx512 (format);

    if (rows.unpack)
      dsp->rows.unpack = rows.unpack;
    if (rows.write && k <= KMS_PAINT_LUT_LABELS)
      dsp->rows.write = rows.write;
  }
  if (k <= KMS_CELL_MAX_K) {
    dsp->assign = kms_assign_row_avx512;
    if (dsp->assign_paint)
      dsp->assign_paint = kms_assign_paint_row32_avx512;
    dsp->prepare = kms_assign_avx512_prepare;
    /* up to KMS_AVX512_ALL_K a scan of every centroid beats the cells */
    dsp->cells_min_k = KMS_AVX512_ALL_K + 1;
  }
#else
  (void) k;
#endif
}

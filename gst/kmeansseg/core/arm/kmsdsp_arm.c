/* kmeansseg: the aarch64 levels: detection and kernel tables
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


#include "kmsdsp_arm.h"
#include "../kmsformat.h"

KmsCpuFlags
kms_cpu_detect_arm (void)
{
  /* Advanced SIMD is part of every aarch64 CPU */
  return KMS_CPU_FLAG (KMS_CPU_NEON);
}

void
kms_dsp_init_arm (KmsDsp * dsp, KmsFormat format, guint k, KmsCpuFlags flags)
{
  if (!(flags & KMS_CPU_FLAG (KMS_CPU_NEON)))
    return;
  dsp->level = KMS_CPU_NEON;
  dsp->rows = *kms_row_kernels_neon (format);
  {
    const KmsRowKernels rows = kms_row_kernels_neon_intrin (format);

    if (rows.unpack)
      dsp->rows.unpack = rows.unpack;
    if (rows.write && k <= KMS_NEON_WRITE_K)
      dsp->rows.write = rows.write;
  }
  dsp->assign = kms_assign_row_neon;
  dsp->smooth = kms_smooth_row_neon;
  dsp->oklab = kms_oklab_row_neon;
  dsp->nearest = kms_nearest_points_neon;
  dsp->dither = kms_dither_row_neon;
  if (dsp->assign_dither_paint)
    dsp->assign_dither_paint = kms_assign_dither_paint_row32_neon;
  if (dsp->assign_paint)
    dsp->assign_paint = kms_assign_paint_row32_neon;
  dsp->feather_box = kms_feather_box_neon;
  dsp->feather_sums = kms_feather_sums_neon;
  dsp->feather_weights = kms_feather_weights_neon;
  if (dsp->feather_blend32)
    dsp->feather_blend32 = kms_feather_blend32_neon;
  /* up to k = 64: the hand-written kernels */
  if (k <= KMS_CELL_MAX_K) {
    dsp->assign = kms_assign_row_neon_intrin;
    if (dsp->assign_paint)
      dsp->assign_paint = kms_assign_paint_row32_neon_intrin;
    dsp->prepare = kms_assign_neon_prepare;
    /* up to KMS_NEON_ALL_K a scan of every centroid beats the cells */
    dsp->cells_min_k = KMS_NEON_ALL_K + 1;
  }
}

/* kmeansseg: the kernel table, filled once per stream
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


#include "kmsdsp.h"
#include "kmsformat.h"
#if KMS_ARCH_X86_64
#include "x86/kmsdsp_x86.h"
#elif KMS_ARCH_AARCH64
#include "arm/kmsdsp_arm.h"
#endif

KmsCpuFlags
kms_cpu_detect (void)
{
#if KMS_ARCH_X86_64
  return KMS_CPU_FLAG (KMS_CPU_C) | kms_cpu_detect_x86 ();
#elif KMS_ARCH_AARCH64
  return KMS_CPU_FLAG (KMS_CPU_C) | kms_cpu_detect_arm ();
#else
  return KMS_CPU_FLAG (KMS_CPU_C);
#endif
}

void
kms_dsp_init (KmsDsp * dsp, KmsFormat format, guint k, KmsCpuFlags flags)
{
  const KmsFormatInfo *info = kms_format_get_info (format);

  /* the C reference, for everything */
  dsp->level = KMS_CPU_C;
  dsp->rows = *kms_row_kernels_c (format);
  dsp->assign = kms_assign_row_c;
  dsp->assign_paint = info->bpp == 4 ? kms_assign_paint_row32_c : NULL;
  dsp->prepare = NULL;
  dsp->smooth = kms_smooth_row_c;
  dsp->oklab = kms_oklab_row_c;
  dsp->nearest = kms_nearest_points_c;
  dsp->dither = kms_dither_row_c;
  dsp->assign_dither_paint = info->bpp == 4 ?
      kms_assign_dither_paint_row32_c : NULL;
  dsp->feather_box = kms_feather_box_c;
  dsp->feather_sums = kms_feather_sums_c;
  dsp->feather_weights = kms_feather_weights_c;
  dsp->feather_blend32 = info->bpp == 4 ? kms_feather_blend32_c : NULL;
  dsp->cells_min_k = 2;

  /* then what the best level in @flags replaces */
#if KMS_ARCH_X86_64
  kms_dsp_init_x86 (dsp, format, k, flags);
#elif KMS_ARCH_AARCH64
  kms_dsp_init_arm (dsp, format, k, flags);
#else
  (void) k;
  (void) flags;
#endif
}

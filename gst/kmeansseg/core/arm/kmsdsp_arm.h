/* kmeansseg: the aarch64 levels (internal to the core)
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


#ifndef __KMS_DSP_ARM_H__
#define __KMS_DSP_ARM_H__

#include "../kmsdsp.h"

G_BEGIN_DECLS

/* Hand-written NEON kernels go beside the portable ones (kmsdsp.h) */

KmsCpuFlags kms_cpu_detect_arm (void);
void kms_dsp_init_arm (KmsDsp * dsp, KmsFormat format, guint k,
    KmsCpuFlags flags);

/* Up to this k, the NEON assign kernel scans every centroid and does not
 * read the cell table */
#define KMS_NEON_ALL_K 4
/* Fill pal->key for pal->c (k <= KMS_CELL_MAX_K) */
void kms_assign_neon_prepare (KmsAssignPalette * pal);
/* The assign kernels for k <= KMS_CELL_MAX_K (kmsassign_neon.c) */
void kms_assign_row_neon_intrin (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst);
void kms_assign_paint_row32_neon_intrin (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);

/* The unpack (every k) and write (labels below KMS_NEON_WRITE_K) of the
 * YUV 4:2:0 and 4:2:2 packed formats, and the write of the 4-byte ones
 * (kmsrows_neon.c); NULL members: the portable ones serve */
#define KMS_NEON_WRITE_K 16
KmsRowKernels kms_row_kernels_neon_intrin (KmsFormat format);

G_END_DECLS

#endif /* __KMS_DSP_ARM_H__ */

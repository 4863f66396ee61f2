/* kmeansseg: the x86-64 kernels and levels (internal to the core)
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


#ifndef __KMS_DSP_X86_H__
#define __KMS_DSP_X86_H__

#include "../kmsdsp.h"

G_BEGIN_DECLS

KmsCpuFlags kms_cpu_detect_x86 (void);
/* Overwrite what kms_dsp_init() filled with the kernels of the best x86
 * level in @flags */
void kms_dsp_init_x86 (KmsDsp * dsp, KmsFormat format, guint k,
    KmsCpuFlags flags);

/* Hand-written AVX2 kernels (kmsassign_avx2.c, kmsrows_avx2.c,
 * kmsoklab_avx2.c), built with
 * -march=x86-64-v3 and run only at the v3 level. */

/* Up to this k, the assign kernels scan every centroid and do not read the
 * cell table */
#define KMS_AVX2_ALL_K 8
/* The assign kernels for k <= KMS_CELL_MAX_K */
void kms_assign_row_avx2 (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst);
void kms_assign_paint_row32_avx2 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);
/* Assign, dither and paint 4-byte pixels for k <= KMS_AVX2_ALL_K
 * (kmsassign_avx2.c; with a label fixed, the v3 level's portable kernel) */
void kms_assign_dither_paint_row32_avx2 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const KmsDither * dither,
    const guint shift[KMS_MAX_CHANNELS], const guint8 * src, guint8 * dst,
    const guint8 * thr, gint width, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst, guint8 * prev);
/* The dither kernel for k <= KMS_CELL_MAX_K (kmsdither_avx2.c) */
void kms_dither_row_avx2 (const KmsAssignPalette * pal,
    const KmsDither * dither, const guint8 * const *c, const guint8 * labels,
    const guint8 * thr, gint width, guint8 * out, guint8 * prev);
/* The unpack and write of @format (I420, YV12, NV12, NV21; the write of
 * the 4-byte formats), the same bytes as the portable ones; NULL members
 * where it has none. The write takes labels below KMS_AVX2_WRITE_K. */
#define KMS_AVX2_WRITE_K 16
KmsRowKernels kms_row_kernels_avx2 (KmsFormat format);
/* Feathering's blend of 4-byte pixels (kmsfeather_avx2.c) */
void kms_feather_weights_avx2 (const guint16 * s, gint width, guint32 mul,
    guint8 * wt);
void kms_feather_blend32_avx2 (guint8 * row, const guint8 * wt, gint width,
    const KmsFeather * f);
/* The oklab kernel (kmsoklab_avx2.c): sRGB and Y'CbCr input by hand,
 * grey by the portable v3 kernel */
void kms_oklab_row_avx2 (const KmsOklab * lab, guint8 * const *c,
    guint16 * const *fine, gint width);

#if KMS_HAVE_AVX512
/* Hand-written AVX-512 kernels (kmsassign_avx512.c, kmsrows_avx512.c),
 * built with AVX-512 F, BW, DQ, VL, VNNI and VBMI and run only at the
 * AVX-512 level. */

/* Up to this k, the assign kernels scan every centroid and do not read the
 * cell table */
#define KMS_AVX512_ALL_K 20
/* Fill pal->key for pal->c (k <= KMS_CELL_MAX_K) */
void kms_assign_avx512_prepare (KmsAssignPalette * pal);
/* The assign kernels for k <= KMS_CELL_MAX_K */
void kms_assign_row_avx512 (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst);
void kms_assign_paint_row32_avx512 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);
/* The unpack and write of @format (I420, YV12, NV12, NV21, YUY2, UYVY),
 * the same bytes as the portable ones; NULL members where it has none.
 * The write takes labels below KMS_PAINT_LUT_LABELS. */
KmsRowKernels kms_row_kernels_avx512 (KmsFormat format);
#endif

G_END_DECLS

#endif /* __KMS_DSP_X86_H__ */

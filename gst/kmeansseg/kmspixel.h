/* kmeansseg: per-format pixel kernels (internal to the core)
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

#ifndef __KMS_PIXEL_H__
#define __KMS_PIXEL_H__

#include "kmscore.h"

G_BEGIN_DECLS

/* One clone of a hot loop per x86-64 level, picked at load time by the CPU
 * (GCC on ELF); elsewhere the plain build. Every clone computes the same
 * integers, so outputs never depend on the CPU. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && defined(__ELF__)
#define KMS_TARGET_CLONES __attribute__ ((target_clones ("arch=x86-64-v4", \
    "arch=x86-64-v3", "arch=x86-64-v2", "default")))
#else
#define KMS_TARGET_CLONES
#endif

/* What the painting needs. The caller fills the colour of each label
 * (in the format's channel order) and the mask; kms_paint_prepare() turns
 * them into per-label tables for the format. */
/* The labels KmsPaint.lut holds: one 64-byte vector a table */
#define KMS_PAINT_LUT_LABELS 64

typedef struct
{
  guint8 color[KMS_MAX_K][KMS_MAX_CHANNELS];
  gint mask_label;              /* -1: none */
  guint8 mask[KMS_MAX_CHANNELS];
  guint8 mask_alpha;

  /* filled by kms_paint_prepare() */
  /* packed RGB: out = (out & keep) | set, a pixel's bytes in memory order
   * (the first bpp bytes of each) */
  guint32 set[KMS_MAX_K];
  guint32 keep[KMS_MAX_K];
  /* every format: whether a label's pixels are written, and with what */
  gboolean writes[KMS_MAX_K];
  guint8 value[KMS_MAX_K][KMS_MAX_CHANNELS];
  /* labels below KMS_PAINT_LUT_LABELS: value[][0..2] and writes (0xff) as
   * byte tables, for the byte-permute writers */
  guint8 lut[4][KMS_PAINT_LUT_LABELS];
} KmsPaint;

/* Read row y into planar channels (c[0..2], width each; the channels a
 * format lacks read as 0; subsampled chroma: each pixel its sample). */
typedef void (*KmsUnpackRowFunc) (const KmsFrame * f, gint y,
    guint8 * const *c);
/* Read n pixels of row y, those at x0, x0 + step, ... (for sampling) */
typedef void (*KmsUnpackStepFunc) (const KmsFrame * f, gint y, gint x0,
    gint step, gint n, guint8 * const *c);
/* Write rows y .. y + n_rows - 1 (n_rows <= v_group) from their labels
 * with the prepared tables. A chroma sample shared by several pixels
 * takes the value of the label that holds most of them, ties to the first
 * in raster order. */
typedef void (*KmsWriteRowsFunc) (KmsFrame * f, gint y, gint n_rows,
    guint8 * const *labels, const KmsPaint * paint);

/* Where a channel lives: plane, byte offset, bytes between samples, and
 * log2 of the horizontal and vertical subsampling */
typedef struct
{
  guint8 plane;
  guint8 offset;
  guint8 pstride;
  guint8 hsub;
  guint8 vsub;
} KmsChannel;

typedef struct
{
  KmsFormat format;
  const gchar *name;
  guint n_channels;             /* 3, or 1 for grey */
  gboolean yuv;                 /* channels are Y, U, V (grey: Y) */
  guint bpp;                    /* packed RGB: bytes per pixel; else 0 */
  gboolean has_alpha;
  /* weights that give luma from the channels */
  gdouble luma[KMS_MAX_CHANNELS];
  /* packed RGB: byte of each channel in a pixel, and of alpha (-1) */
  gint8 offset[KMS_MAX_CHANNELS];
  gint8 alpha_offset;
  guint n_planes;
  KmsChannel ch[KMS_MAX_CHANNELS];
  guint v_group;                /* rows that share chroma (2 for 4:2:0) */
  KmsUnpackRowFunc unpack;
  KmsUnpackStepFunc unpack_step;
  KmsWriteRowsFunc write;
} KmsFormatInfo;

const KmsFormatInfo *kms_format_get_info (KmsFormat format);

/* The bytes of row y of plane p (any y of the rows that plane row
 * covers); a 4:2:2 packed row ends on a whole pixel pair, as GStreamer lays
 * it out, even when the width is odd */
gsize kms_format_plane_row_bytes (const KmsFormatInfo * info, guint plane,
    gint width);
guint kms_format_plane_vsub (const KmsFormatInfo * info, guint plane);

/* Fill the tables of @paint for @k labels: posterize writes every label's
 * colour (the masked label: the mask colour and alpha); original writes
 * only the masked label. Bytes not written (padding, alpha of unmasked
 * pixels) are kept. */
void kms_paint_prepare (const KmsFormatInfo * info, KmsPaint * paint,
    KmsMode mode, guint k);

/* Convert 0xAARRGGBB to the format's channels and alpha, and back (YUV
 * with the frame's matrix and range) */
void kms_format_convert_color (const KmsFormatInfo * info,
    const KmsFrame * frame, guint32 argb, guint8 out[KMS_MAX_CHANNELS],
    guint8 * alpha);
guint32 kms_format_color_to_argb (const KmsFormatInfo * info,
    const KmsFrame * frame, const guint8 c[KMS_MAX_CHANNELS]);

#ifdef KMS_HAVE_AVX512
/* Whether this CPU runs kmspixel512.c (AVX-512 BW, VL and VBMI) */
gboolean kms_pixel_avx512_supported (void);
/* The unpack and write of @format in kmspixel512.c (I420, YV12, NV12,
 * NV21, YUY2, UYVY), the same bytes as its KmsFormatInfo.unpack and
 * .write; FALSE when it has none. The write takes labels below
 * KMS_PAINT_LUT_LABELS. */
gboolean kms_format_avx512_kernels (KmsFormat format,
    KmsUnpackRowFunc * unpack, KmsWriteRowsFunc * write);
#endif

G_END_DECLS

#endif /* __KMS_PIXEL_H__ */

/* kmeansseg: the formats: layouts, colours, paint tables (internal to the core)
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

#ifndef __KMS_FORMAT_H__
#define __KMS_FORMAT_H__

#include "kmsdsp.h"

G_BEGIN_DECLS

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

/* The channels Y, U, V of each YUV format (and grey), each as a
 * KmsChannel { plane, offset, bytes between samples, hsub, vsub }. The
 * format table and the row kernels of every level read them from here. */
#define KMS_LAYOUT_I420  { 0, 0, 1, 0, 0 }, { 1, 0, 1, 1, 1 }, { 2, 0, 1, 1, 1 }
#define KMS_LAYOUT_YV12  { 0, 0, 1, 0, 0 }, { 2, 0, 1, 1, 1 }, { 1, 0, 1, 1, 1 }
#define KMS_LAYOUT_NV12  { 0, 0, 1, 0, 0 }, { 1, 0, 2, 1, 1 }, { 1, 1, 2, 1, 1 }
#define KMS_LAYOUT_NV21  { 0, 0, 1, 0, 0 }, { 1, 1, 2, 1, 1 }, { 1, 0, 2, 1, 1 }
#define KMS_LAYOUT_Y444  { 0, 0, 1, 0, 0 }, { 1, 0, 1, 0, 0 }, { 2, 0, 1, 0, 0 }
#define KMS_LAYOUT_Y42B  { 0, 0, 1, 0, 0 }, { 1, 0, 1, 1, 0 }, { 2, 0, 1, 1, 0 }
#define KMS_LAYOUT_YUY2  { 0, 0, 2, 0, 0 }, { 0, 1, 4, 1, 0 }, { 0, 3, 4, 1, 0 }
#define KMS_LAYOUT_UYVY  { 0, 1, 2, 0, 0 }, { 0, 0, 4, 1, 0 }, { 0, 2, 4, 1, 0 }
#define KMS_LAYOUT_GRAY8 { 0, 0, 1, 0, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 }

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

/* Convert 0xAARRGGBB to the channels and alpha of colour space @cs, and
 * back (YUV with its matrix and range) */
void kms_format_convert_color (const KmsColorSpace * cs, guint32 argb,
    guint8 out[KMS_MAX_CHANNELS], guint8 * alpha);
guint32 kms_format_color_to_argb (const KmsColorSpace * cs,
    const guint8 c[KMS_MAX_CHANNELS]);
/* The same from R', G', B' (0..1, sRGB-encoded), rounded and clipped */
void kms_format_convert_rgb (const KmsColorSpace * cs, const gdouble rgb[3],
    guint8 out[KMS_MAX_CHANNELS]);
/* Y'CbCr coefficients (Kr, Kb) of a matrix */
void kms_format_matrix_coefficients (KmsMatrix m, gdouble * kr, gdouble * kb);

/* OkLab (kmsoklab.c). Fill @lab's tables for the pixels of colour space
 * @cs (see KmsOklab). */
void kms_oklab_init (KmsOklab * lab, const KmsColorSpace * cs);
/* One pixel's channels (as unpacked) to OkLab bytes: the plain reference
 * of the row kernels */
void kms_oklab_pixel (const KmsOklab * lab, const guint8 in[3],
    guint8 out[3]);
/* The same, and the fine coordinates (see KmsOklabRowFunc) unless @fine
 * is NULL */
void kms_oklab_pixel_fine (const KmsOklab * lab, const guint8 in[3],
    guint8 out[3], guint16 fine[3]);
/* The formula in floating point: R', G', B' (0..1, sRGB) to L, a, b, and
 * back (clipped to the gamut in linear light) */
void kms_oklab_from_rgb (const gdouble rgb[3], gdouble lab[3]);
void kms_oklab_to_rgb (const gdouble lab[3], gdouble rgb[3]);
/* 0xAARRGGBB to the coordinates the pixels have (L * 255, 128 + a * 255,
 * 128 + b * 255; grey: L only), unrounded */
void kms_oklab_from_argb (guint32 argb, guint n_channels,
    gdouble out[KMS_MAX_CHANNELS]);
/* Coordinates as above (a centroid) to the stream's channels: rounded,
 * clipped to the gamut */
void kms_oklab_to_stream (const KmsColorSpace * cs,
    const gdouble c[KMS_MAX_CHANNELS], guint8 out[KMS_MAX_CHANNELS]);

G_END_DECLS

#endif /* __KMS_FORMAT_H__ */

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

/* What one row's painting needs: the colour of each label, in the format's
 * channel order, and the mask. */
typedef struct
{
  guint8 color[KMS_MAX_K][KMS_MAX_CHANNELS];
  gint mask_label;              /* -1: none */
  guint8 mask[KMS_MAX_CHANNELS];
  guint8 mask_alpha;
} KmsPaint;

/* Read one row into planar channels (c[0..n_channels-1], width each). */
typedef void (*KmsUnpackRowFunc) (const guint8 * src, gint width,
    guint8 * const *c);
/* posterize: every pixel takes its label's colour (masked label: the mask
 * colour and alpha); alpha and padding bytes of other pixels stay. */
typedef void (*KmsPaintRowFunc) (guint8 * dst, const guint8 * labels,
    gint width, const KmsPaint * paint);
/* original: only the masked label's pixels change. */
typedef void (*KmsMaskRowFunc) (guint8 * dst, const guint8 * labels,
    gint width, const KmsPaint * paint);

typedef struct
{
  KmsFormat format;
  const gchar *name;
  guint n_channels;
  guint bpp;                    /* bytes per pixel (packed formats) */
  gboolean has_alpha;
  /* weights that give BT.601 luma (scaled to 1.0) from the channels */
  gdouble luma[KMS_MAX_CHANNELS];
  KmsUnpackRowFunc unpack;
  KmsPaintRowFunc paint;
  KmsMaskRowFunc mask;
} KmsFormatInfo;

const KmsFormatInfo *kms_format_get_info (KmsFormat format);

/* Convert 0xAARRGGBB to the format's channels and alpha. */
void kms_format_convert_color (const KmsFormatInfo * info, guint32 argb,
    guint8 out[KMS_MAX_CHANNELS], guint8 * alpha);

G_END_DECLS

#endif /* __KMS_PIXEL_H__ */

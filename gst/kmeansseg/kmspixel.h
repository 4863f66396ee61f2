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

/* What one row's painting needs. The caller fills the colour of each label
 * (in the format's channel order) and the mask; kms_paint_prepare() turns
 * them into per-label byte tables for the format, so that writing a pixel
 * is out = (out & keep[label]) | set[label] whatever the mode and format. */
typedef struct
{
  guint8 color[KMS_MAX_K][KMS_MAX_CHANNELS];
  gint mask_label;              /* -1: none */
  guint8 mask[KMS_MAX_CHANNELS];
  guint8 mask_alpha;

  /* filled by kms_paint_prepare(): a pixel's bytes in memory order (the
   * first bpp bytes of each) */
  guint32 set[KMS_MAX_K];
  guint32 keep[KMS_MAX_K];
} KmsPaint;

/* Read one row into planar channels (c[0..n_channels-1], width each). */
typedef void (*KmsUnpackRowFunc) (const guint8 * src, gint width,
    guint8 * const *c);
/* Read n pixels of a row, those at x0, x0 + step, ... (for sampling) */
typedef void (*KmsUnpackStepFunc) (const guint8 * src, gint x0, gint step,
    gint n, guint8 * const *c);
/* Write one row from its labels with the prepared tables */
typedef void (*KmsWriteRowFunc) (guint8 * dst, const guint8 * labels,
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
  gint8 offset[KMS_MAX_CHANNELS];       /* byte of each channel in a pixel */
  gint8 alpha_offset;           /* -1: no alpha */
  KmsUnpackRowFunc unpack;
  KmsUnpackStepFunc unpack_step;
  KmsWriteRowFunc write;
} KmsFormatInfo;

const KmsFormatInfo *kms_format_get_info (KmsFormat format);

/* Fill paint->set and paint->keep for @k labels: posterize writes every
 * label's colour (the masked label: the mask colour and alpha); original
 * writes only the masked label. Bytes not written (padding, alpha of
 * unmasked pixels) are kept. */
void kms_paint_prepare (const KmsFormatInfo * info, KmsPaint * paint,
    KmsMode mode, guint k);

/* Convert 0xAARRGGBB to the format's channels and alpha. */
void kms_format_convert_color (const KmsFormatInfo * info, guint32 argb,
    guint8 out[KMS_MAX_CHANNELS], guint8 * alpha);

G_END_DECLS

#endif /* __KMS_PIXEL_H__ */

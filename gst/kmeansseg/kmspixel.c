/* kmeansseg: per-format pixel kernels
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

#include "kmspixel.h"

/* Packed RGB: one inline body per operation, specialised per format by the
 * macro below so that the byte offsets are constants in every loop. */

static inline void
unpack_packed (const guint8 * src, gint width, guint8 * const *c,
    const gint bpp, const gint o0, const gint o1, const gint o2)
{
  guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  gint i;

  for (i = 0; i < width; i++) {
    c0[i] = src[o0];
    c1[i] = src[o1];
    c2[i] = src[o2];
    src += bpp;
  }
}

static inline void
paint_packed (guint8 * dst, const guint8 * labels, gint width,
    const KmsPaint * p, const gint bpp, const gint o0, const gint o1,
    const gint o2, const gint oa)
{
  gint i;

  for (i = 0; i < width; i++) {
    const guint8 *col = p->color[labels[i]];

    dst[o0] = col[0];
    dst[o1] = col[1];
    dst[o2] = col[2];
    dst += bpp;
  }
  /* The mask's alpha is rare work: a second pass only when it applies */
  if (oa >= 0 && p->mask_label >= 0) {
    dst -= (gsize) width * bpp;
    for (i = 0; i < width; i++) {
      if (labels[i] == p->mask_label)
        dst[oa] = p->mask_alpha;
      dst += bpp;
    }
  }
}

static inline void
mask_packed (guint8 * dst, const guint8 * labels, gint width,
    const KmsPaint * p, const gint bpp, const gint o0, const gint o1,
    const gint o2, const gint oa)
{
  const guint8 m = (guint8) p->mask_label;
  gint i;

  for (i = 0; i < width; i++) {
    if (labels[i] == m) {
      dst[o0] = p->mask[0];
      dst[o1] = p->mask[1];
      dst[o2] = p->mask[2];
      if (oa >= 0)
        dst[oa] = p->mask_alpha;
    }
    dst += bpp;
  }
}

#define DEFINE_PACKED(name, bpp, o0, o1, o2, oa)                            \
static void                                                                 \
unpack_##name (const guint8 * src, gint width, guint8 * const *c)           \
{                                                                           \
  unpack_packed (src, width, c, bpp, o0, o1, o2);                           \
}                                                                           \
static void                                                                 \
paint_##name (guint8 * dst, const guint8 * labels, gint width,              \
    const KmsPaint * p)                                                     \
{                                                                           \
  paint_packed (dst, labels, width, p, bpp, o0, o1, o2, oa);                \
}                                                                           \
static void                                                                 \
mask_##name (guint8 * dst, const guint8 * labels, gint width,               \
    const KmsPaint * p)                                                     \
{                                                                           \
  mask_packed (dst, labels, width, p, bpp, o0, o1, o2, oa);                 \
}

/* name, bytes per pixel, offsets of R, G, B, alpha (-1: none) */
DEFINE_PACKED (rgb, 3, 0, 1, 2, -1);
DEFINE_PACKED (bgr, 3, 2, 1, 0, -1);
DEFINE_PACKED (rgbx, 4, 0, 1, 2, -1);
DEFINE_PACKED (bgrx, 4, 2, 1, 0, -1);
DEFINE_PACKED (xrgb, 4, 1, 2, 3, -1);
DEFINE_PACKED (xbgr, 4, 3, 2, 1, -1);
DEFINE_PACKED (rgba, 4, 0, 1, 2, 3);
DEFINE_PACKED (bgra, 4, 2, 1, 0, 3);
DEFINE_PACKED (argb, 4, 1, 2, 3, 0);
DEFINE_PACKED (abgr, 4, 3, 2, 1, 0);

#define BT601_RGB { 0.299, 0.587, 0.114 }
#define PACKED_INFO(fmt, name, bpp, alpha) \
  { fmt, #name, 3, bpp, alpha, BT601_RGB, unpack_##name, paint_##name, mask_##name }

static const KmsFormatInfo format_infos[] = {
  {KMS_FORMAT_UNKNOWN, "unknown", 0, 0, FALSE, {0, 0, 0}, NULL, NULL, NULL},
  PACKED_INFO (KMS_FORMAT_RGB, rgb, 3, FALSE),
  PACKED_INFO (KMS_FORMAT_BGR, bgr, 3, FALSE),
  PACKED_INFO (KMS_FORMAT_RGBx, rgbx, 4, FALSE),
  PACKED_INFO (KMS_FORMAT_BGRx, bgrx, 4, FALSE),
  PACKED_INFO (KMS_FORMAT_xRGB, xrgb, 4, FALSE),
  PACKED_INFO (KMS_FORMAT_xBGR, xbgr, 4, FALSE),
  PACKED_INFO (KMS_FORMAT_RGBA, rgba, 4, TRUE),
  PACKED_INFO (KMS_FORMAT_BGRA, bgra, 4, TRUE),
  PACKED_INFO (KMS_FORMAT_ARGB, argb, 4, TRUE),
  PACKED_INFO (KMS_FORMAT_ABGR, abgr, 4, TRUE),
};

G_STATIC_ASSERT (G_N_ELEMENTS (format_infos) == KMS_FORMAT_LAST);

const KmsFormatInfo *
kms_format_get_info (KmsFormat format)
{
  if ((guint) format >= KMS_FORMAT_LAST || format == KMS_FORMAT_UNKNOWN)
    return NULL;
  g_assert (format_infos[format].format == format);
  return &format_infos[format];
}

void
kms_format_convert_color (const KmsFormatInfo * info, guint32 argb,
    guint8 out[KMS_MAX_CHANNELS], guint8 * alpha)
{
  /* Every format so far is RGB: channels are R, G, B */
  (void) info;
  out[0] = (argb >> 16) & 0xff;
  out[1] = (argb >> 8) & 0xff;
  out[2] = argb & 0xff;
  *alpha = argb >> 24;
}

gboolean
kms_format_is_supported (KmsFormat format)
{
  return kms_format_get_info (format) != NULL;
}

const gchar *
kms_format_to_string (KmsFormat format)
{
  const KmsFormatInfo *info = kms_format_get_info (format);

  return info ? info->name : "unknown";
}

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

#include <string.h>

#include "kmspixel.h"

/* Packed RGB: the reader is specialised per format by the macro below so
 * that the byte offsets are constants in its loop. */

static inline __attribute__ ((always_inline)) void
unpack_packed (const guint8 * src, gint width, guint8 * const *c,
    const gint bpp, const gint o0, const gint o1, const gint o2)
{
  guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  gint i;

  for (i = 0; i < width; i++) {
    c0[i] = src[bpp * i + o0];
    c1[i] = src[bpp * i + o1];
    c2[i] = src[bpp * i + o2];
  }
}

static inline __attribute__ ((always_inline)) void
unpack_step_packed (const guint8 * src, gint x0, gint step, gint n,
    guint8 * const *c, const gint bpp, const gint o0, const gint o1,
    const gint o2)
{
  gint i;

  src += (gsize) bpp * x0;
  for (i = 0; i < n; i++) {
    c[0][i] = src[o0];
    c[1][i] = src[o1];
    c[2][i] = src[o2];
    src += (gsize) bpp * step;
  }
}

#define DEFINE_PACKED(name, bpp, o0, o1, o2)                                \
static void KMS_TARGET_CLONES                                               \
unpack_##name (const guint8 * src, gint width, guint8 * const *c)           \
{                                                                           \
  unpack_packed (src, width, c, bpp, o0, o1, o2);                           \
}                                                                           \
static void                                                                 \
unpack_step_##name (const guint8 * src, gint x0, gint step, gint n,         \
    guint8 * const *c)                                                      \
{                                                                           \
  unpack_step_packed (src, x0, step, n, c, bpp, o0, o1, o2);                \
}

/* name, bytes per pixel, offsets of R, G, B */
DEFINE_PACKED (rgb, 3, 0, 1, 2);
DEFINE_PACKED (bgr, 3, 2, 1, 0);
DEFINE_PACKED (rgbx, 4, 0, 1, 2);
DEFINE_PACKED (bgrx, 4, 2, 1, 0);
DEFINE_PACKED (xrgb, 4, 1, 2, 3);
DEFINE_PACKED (xbgr, 4, 3, 2, 1);

/* The alpha formats read like their x counterparts */
#define unpack_rgba unpack_rgbx
#define unpack_bgra unpack_bgrx
#define unpack_argb unpack_xrgb
#define unpack_abgr unpack_xbgr
#define unpack_step_rgba unpack_step_rgbx
#define unpack_step_bgra unpack_step_bgrx
#define unpack_step_argb unpack_step_xrgb
#define unpack_step_abgr unpack_step_xbgr

/* The writers only apply the tables, so one serves every format of a
 * pixel size. Unaligned rows are fine: memcpy compiles to plain moves. */
static void KMS_TARGET_CLONES
write_4 (guint8 * restrict dst, const guint8 * restrict labels, gint width,
    const KmsPaint * restrict p)
{
  gint i;

  for (i = 0; i < width; i++) {
    guint32 v;

    memcpy (&v, dst + 4 * i, 4);
    v = (v & p->keep[labels[i]]) | p->set[labels[i]];
    memcpy (dst + 4 * i, &v, 4);
  }
}

static void KMS_TARGET_CLONES
write_3 (guint8 * dst, const guint8 * labels, gint width, const KmsPaint * p)
{
  gint i, b;

  for (i = 0; i < width; i++) {
    const guint8 *set = (const guint8 *) &p->set[labels[i]];
    const guint8 *keep = (const guint8 *) &p->keep[labels[i]];

    for (b = 0; b < 3; b++)
      dst[3 * i + b] = (dst[3 * i + b] & keep[b]) | set[b];
  }
}

void
kms_paint_prepare (const KmsFormatInfo * info, KmsPaint * p, KmsMode mode,
    guint k)
{
  guint l, ch;

  for (l = 0; l < k; l++) {
    gboolean masked = (gint) l == p->mask_label;
    const guint8 *col = masked ? p->mask : p->color[l];
    guint8 *set = (guint8 *) & p->set[l], *keep = (guint8 *) & p->keep[l];

    /* keep everything, then clear and set what this label writes */
    p->set[l] = 0;
    p->keep[l] = G_MAXUINT32;
    if (mode == KMS_MODE_ORIGINAL && !masked)
      continue;
    for (ch = 0; ch < info->n_channels; ch++) {
      keep[info->offset[ch]] = 0;
      set[info->offset[ch]] = col[ch];
    }
    if (masked && info->alpha_offset >= 0) {
      keep[info->alpha_offset] = 0;
      set[info->alpha_offset] = p->mask_alpha;
    }
  }
}

#define BT601_RGB { 0.299, 0.587, 0.114 }
#define PACKED_INFO(fmt, name, bpp, o0, o1, o2, oa) \
  { fmt, #name, 3, bpp, oa >= 0, BT601_RGB, { o0, o1, o2 }, oa, \
    unpack_##name, unpack_step_##name, write_##bpp }

static const KmsFormatInfo format_infos[] = {
  {KMS_FORMAT_UNKNOWN, "unknown", 0, 0, FALSE, {0, 0, 0}, {0, 0, 0}, -1,
      NULL, NULL, NULL},
  PACKED_INFO (KMS_FORMAT_RGB, rgb, 3, 0, 1, 2, -1),
  PACKED_INFO (KMS_FORMAT_BGR, bgr, 3, 2, 1, 0, -1),
  PACKED_INFO (KMS_FORMAT_RGBx, rgbx, 4, 0, 1, 2, -1),
  PACKED_INFO (KMS_FORMAT_BGRx, bgrx, 4, 2, 1, 0, -1),
  PACKED_INFO (KMS_FORMAT_xRGB, xrgb, 4, 1, 2, 3, -1),
  PACKED_INFO (KMS_FORMAT_xBGR, xbgr, 4, 3, 2, 1, -1),
  PACKED_INFO (KMS_FORMAT_RGBA, rgba, 4, 0, 1, 2, 3),
  PACKED_INFO (KMS_FORMAT_BGRA, bgra, 4, 2, 1, 0, 3),
  PACKED_INFO (KMS_FORMAT_ARGB, argb, 4, 1, 2, 3, 0),
  PACKED_INFO (KMS_FORMAT_ABGR, abgr, 4, 3, 2, 1, 0),
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

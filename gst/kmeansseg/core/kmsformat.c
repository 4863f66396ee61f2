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

#include <math.h>
#include <string.h>

#include "kmscore.h"
#include "kmsformat.h"

void
kms_paint_prepare (const KmsFormatInfo * info, KmsPaint * p, KmsMode mode,
    guint k)
{
  guint l, ch;

  memset (p->lut, 0, sizeof (p->lut));
  for (l = 0; l < k; l++) {
    gboolean masked = mode != KMS_MODE_LABELS && p->masked[l];
    const guint8 *col = masked ? p->mask : p->color[l];
    guint8 *set = (guint8 *) & p->set[l], *keep = (guint8 *) & p->keep[l];

    /* keep everything, then clear and set what this label writes */
    p->set[l] = 0;
    p->keep[l] = G_MAXUINT32;
    p->writes[l] = mode != KMS_MODE_ORIGINAL || masked;
    memcpy (p->value[l], col, KMS_MAX_CHANNELS);
    if (mode == KMS_MODE_LABELS) {
      /* the index in every colour channel (YUV: in Y, chroma neutral) */
      p->value[l][0] = l;
      p->value[l][1] = info->yuv ? 128 : l;
      p->value[l][2] = info->yuv ? 128 : l;
      col = p->value[l];
      masked = FALSE;
    }
    if (l < G_N_ELEMENTS (p->lut[0])) {
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
        p->lut[ch][l] = p->value[l][ch];
      p->lut[3][l] = p->writes[l] ? 0xff : 0;
    }
    if (!p->writes[l] || info->bpp == 0)
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

void
kms_format_matrix_coefficients (KmsMatrix m, gdouble * kr, gdouble * kb)
{
  switch (m) {
    case KMS_MATRIX_BT709:
      *kr = 0.2126;
      *kb = 0.0722;
      break;
    case KMS_MATRIX_BT2020:
      *kr = 0.2627;
      *kb = 0.0593;
      break;
    default:
      *kr = 0.299;
      *kb = 0.114;
      break;
  }
}

static guint8
clamp_level (gdouble v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (guint8) floor (v + 0.5);
}

void
kms_format_convert_rgb (const KmsColorSpace * cs, const gdouble rgb[3],
    guint8 out[KMS_MAX_CHANNELS])
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  const gdouble r = rgb[0], g = rgb[1], b = rgb[2];
  gdouble kr, kb, yl, pb, pr;

  if (!info->yuv) {
    out[0] = clamp_level (255 * r);
    out[1] = clamp_level (255 * g);
    out[2] = clamp_level (255 * b);
    return;
  }
  kms_format_matrix_coefficients (info->n_channels == 1 ? KMS_MATRIX_BT601 :
      cs->matrix, &kr, &kb);
  yl = kr * r + (1 - kr - kb) * g + kb * b;
  pb = (b - yl) / (2 * (1 - kb));
  pr = (r - yl) / (2 * (1 - kr));
  /* grey is full range, as GStreamer's GRAY8 */
  if (info->n_channels == 1 || cs->full_range) {
    out[0] = clamp_level (255 * yl);
    out[1] = clamp_level (128 + 255 * pb);
    out[2] = clamp_level (128 + 255 * pr);
  } else {
    out[0] = clamp_level (16 + 219 * yl);
    out[1] = clamp_level (128 + 224 * pb);
    out[2] = clamp_level (128 + 224 * pr);
  }
  if (info->n_channels == 1)
    out[1] = out[2] = 0;
}

void
kms_format_convert_color (const KmsColorSpace * cs, guint32 argb,
    guint8 out[KMS_MAX_CHANNELS], guint8 * alpha)
{
  const gdouble rgb[3] = { ((argb >> 16) & 0xff) / 255.0,
    ((argb >> 8) & 0xff) / 255.0, (argb & 0xff) / 255.0
  };

  *alpha = argb >> 24;
  kms_format_convert_rgb (cs, rgb, out);
}

guint32
kms_format_color_to_argb (const KmsColorSpace * cs,
    const guint8 c[KMS_MAX_CHANNELS])
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  gdouble kr, kb, yl, pb, pr, r, g, b;

  if (!info->yuv)
    return 0xff000000u | ((guint32) c[0] << 16) | ((guint32) c[1] << 8) |
        c[2];
  if (info->n_channels == 1)
    return 0xff000000u | ((guint32) c[0] << 16) | ((guint32) c[0] << 8) |
        c[0];
  kms_format_matrix_coefficients (cs->matrix, &kr, &kb);
  if (cs->full_range) {
    yl = c[0] / 255.0;
    pb = (c[1] - 128) / 255.0;
    pr = (c[2] - 128) / 255.0;
  } else {
    yl = (c[0] - 16) / 219.0;
    pb = (c[1] - 128) / 224.0;
    pr = (c[2] - 128) / 224.0;
  }
  r = yl + 2 * (1 - kr) * pr;
  b = yl + 2 * (1 - kb) * pb;
  g = (yl - kr * r - kb * b) / (1 - kr - kb);
  return 0xff000000u | ((guint32) clamp_level (255 * r) << 16) |
      ((guint32) clamp_level (255 * g) << 8) | clamp_level (255 * b);
}

gsize
kms_format_plane_row_bytes (const KmsFormatInfo * info, guint plane,
    gint width)
{
  gsize bytes = 0;
  guint k, hsub = 0;
  gboolean full = FALSE;

  if (info->bpp)
    return (gsize) width * info->bpp;
  /* a plane of luma and subsampled chroma (4:2:2 packed) is made of whole
   * groups of pixels: a group is a row's bytes even where the frame's width
   * ends in it */
  for (k = 0; k < info->n_channels; k++) {
    if (info->ch[k].plane != plane)
      continue;
    hsub = MAX (hsub, info->ch[k].hsub);
    full |= info->ch[k].hsub == 0;
  }
  if (full && hsub > 0)
    width = (width + (1 << hsub) - 1) & ~((1 << hsub) - 1);
  for (k = 0; k < info->n_channels; k++) {
    const KmsChannel *d = &info->ch[k];

    if (d->plane == plane)
      bytes = MAX (bytes, (gsize) d->offset + 1 + (gsize) d->pstride *
          ((((gsize) width + (1u << d->hsub) - 1) >> d->hsub) - 1));
  }
  return bytes;
}

guint
kms_format_plane_vsub (const KmsFormatInfo * info, guint plane)
{
  guint k, vsub = 8;

  if (info->bpp)
    return 0;
  for (k = 0; k < info->n_channels; k++)
    if (info->ch[k].plane == plane)
      vsub = MIN (vsub, info->ch[k].vsub);
  return vsub == 8 ? 0 : vsub;
}

#define BT601_RGB { 0.299, 0.587, 0.114 }
#define LUMA_Y { 1, 0, 0 }
#define NO_CH { { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 } }
#define PACKED_INFO(fmt, name, bpp, o0, o1, o2, oa) \
  { fmt, #name, 3, FALSE, bpp, oa >= 0, BT601_RGB, { o0, o1, o2 }, oa, \
    1, NO_CH, 1 }
#define YUV_INFO(fmt, name, layout, nch, n_planes, v_group) \
  { fmt, #name, nch, TRUE, 0, FALSE, LUMA_Y, { 0, 0, 0 }, -1, n_planes, \
    { layout }, v_group }

static const KmsFormatInfo format_infos[] = {
  {KMS_FORMAT_UNKNOWN, "unknown", 0, FALSE, 0, FALSE, {0, 0, 0}, {0, 0, 0},
      -1, 0, NO_CH, 1},
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
  YUV_INFO (KMS_FORMAT_I420, i420, KMS_LAYOUT_I420, 3, 3, 2),
  YUV_INFO (KMS_FORMAT_YV12, yv12, KMS_LAYOUT_YV12, 3, 3, 2),
  YUV_INFO (KMS_FORMAT_NV12, nv12, KMS_LAYOUT_NV12, 3, 2, 2),
  YUV_INFO (KMS_FORMAT_NV21, nv21, KMS_LAYOUT_NV21, 3, 2, 2),
  YUV_INFO (KMS_FORMAT_Y444, y444, KMS_LAYOUT_Y444, 3, 3, 1),
  YUV_INFO (KMS_FORMAT_Y42B, y42b, KMS_LAYOUT_Y42B, 3, 3, 1),
  YUV_INFO (KMS_FORMAT_YUY2, yuy2, KMS_LAYOUT_YUY2, 3, 1, 1),
  YUV_INFO (KMS_FORMAT_UYVY, uyvy, KMS_LAYOUT_UYVY, 3, 1, 1),
  YUV_INFO (KMS_FORMAT_GRAY8, gray8, KMS_LAYOUT_GRAY8, 1, 1, 1),
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

gboolean
kms_format_is_supported (KmsFormat format)
{
  return kms_format_get_info (format) != NULL;
}

guint
kms_format_get_n_channels (KmsFormat format)
{
  const KmsFormatInfo *info = kms_format_get_info (format);

  return info ? info->n_channels : 0;
}

const gchar *
kms_format_to_string (KmsFormat format)
{
  const KmsFormatInfo *info = kms_format_get_info (format);

  return info ? info->name : "unknown";
}

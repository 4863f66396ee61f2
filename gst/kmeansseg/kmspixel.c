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

#include "kmspixel.h"

static inline const guint8 *
plane_row (const KmsFrame * f, guint plane, gint y)
{
  return f->data[plane] + (gsize) y * f->stride[plane];
}

/* Packed RGB: the reader is specialised per format by the macro below so
 * that the byte offsets are constants in its loop. */

static inline __attribute__ ((always_inline)) void
unpack_packed (const KmsFrame * f, gint y, gint x0, gint step, gint n,
    guint8 * const *c, const gint bpp, const gint o0, const gint o1,
    const gint o2)
{
  const guint8 *src = plane_row (f, 0, y) + (gsize) bpp * x0;
  guint8 *c0 = c[0], *c1 = c[1], *c2 = c[2];
  gint i;

  if (step == 1) {
    /* the full row: unit stride, which the vectoriser likes */
    for (i = 0; i < n; i++) {
      c0[i] = src[bpp * i + o0];
      c1[i] = src[bpp * i + o1];
      c2[i] = src[bpp * i + o2];
    }
    return;
  }
  for (i = 0; i < n; i++) {
    c0[i] = src[o0];
    c1[i] = src[o1];
    c2[i] = src[o2];
    src += (gsize) bpp * step;
  }
}

#define DEFINE_PACKED(name, bpp, o0, o1, o2)                                \
static void KMS_TARGET_CLONES                                               \
unpack_##name (const KmsFrame * f, gint y, guint8 * const *c)               \
{                                                                           \
  unpack_packed (f, y, 0, 1, f->width, c, bpp, o0, o1, o2);                 \
}                                                                           \
static void                                                                 \
unpack_step_##name (const KmsFrame * f, gint y, gint x0, gint step, gint n, \
    guint8 * const *c)                                                      \
{                                                                           \
  unpack_packed (f, y, x0, step, n, c, bpp, o0, o1, o2);                    \
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

/* The packed writers only apply the tables, so one serves every format of
 * a pixel size. Unaligned rows are fine: memcpy compiles to plain moves.
 * (4-byte formats are normally painted by the fused assignment pass; this
 * one serves the scalar fallback of other callers.) */
static void
write_4 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p)
{
  gint r, i;

  for (r = 0; r < n_rows; r++) {
    guint8 *dst = (guint8 *) plane_row (f, 0, y + r);
    const guint8 *l = labels[r];

    for (i = 0; i < f->width; i++) {
      guint32 v;

      memcpy (&v, dst + 4 * i, 4);
      v = (v & p->keep[l[i]]) | p->set[l[i]];
      memcpy (dst + 4 * i, &v, 4);
    }
  }
}

static void
write_3 (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p)
{
  gint r, i, b;

  for (r = 0; r < n_rows; r++) {
    guint8 *dst = (guint8 *) plane_row (f, 0, y + r);
    const guint8 *l = labels[r];

    for (i = 0; i < f->width; i++) {
      const guint8 *set = (const guint8 *) &p->set[l[i]];
      const guint8 *keep = (const guint8 *) &p->keep[l[i]];

      for (b = 0; b < 3; b++)
        dst[3 * i + b] = (dst[3 * i + b] & keep[b]) | set[b];
    }
  }
}

/* YUV and grey: one inline body driven by the channel layout, specialised
 * per format by the macros below so that the layout is constant. */

static inline __attribute__ ((always_inline)) void
unpack_yuv (const KmsFrame * f, gint y, gint x0, gint step, gint n,
    guint8 * const *c, const KmsChannel * ch, const guint nch)
{
  guint k;
  gint i;

  for (k = 0; k < nch; k++) {
    const KmsChannel d = ch[k];
    const guint8 *row = plane_row (f, d.plane, y >> d.vsub) + d.offset;
    guint8 *out = c[k];

    if (d.hsub == 0 && step == 1) {
      for (i = 0; i < n; i++)
        out[i] = row[(gsize) d.pstride * (x0 + i)];
    } else {
      for (i = 0; i < n; i++)
        out[i] = row[(gsize) d.pstride * ((x0 + i * step) >> d.hsub)];
    }
  }
  for (; k < KMS_MAX_CHANNELS; k++)
    memset (c[k], 0, n);
}

/* The label that holds most of the n labels, ties to the first */
static inline guint8
majority (const guint8 * l, guint n)
{
  guint best = 0, best_count = 0, a, b;

  for (a = 0; a < n; a++) {
    guint count = 0;

    for (b = 0; b < n; b++)
      count += l[b] == l[a];
    if (count > best_count) {
      best_count = count;
      best = a;
    }
  }
  return l[best];
}

static inline __attribute__ ((always_inline)) void
write_yuv (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p, const KmsChannel * ch, const guint nch)
{
  const gint w = f->width;
  guint k;
  gint r, i;

  /* luma (or grey): every pixel its own */
  for (r = 0; r < n_rows; r++) {
    const KmsChannel d = ch[0];
    guint8 *row = (guint8 *) plane_row (f, d.plane, y + r) + d.offset;
    const guint8 *l = labels[r];

    for (i = 0; i < w; i++)
      if (p->writes[l[i]])
        row[(gsize) d.pstride * i] = p->value[l[i]][0];
  }
  if (nch < 3)
    return;

  /* chroma: a sample takes its pixels' majority label */
  {
    const guint hs = ch[1].hsub, vs = ch[1].vsub;
    const gint cw = (w + (1 << hs) - 1) >> hs;
    guint8 *r1 = (guint8 *) plane_row (f, ch[1].plane, y >> vs) +
        ch[1].offset;
    guint8 *r2 = (guint8 *) plane_row (f, ch[2].plane, y >> vs) +
        ch[2].offset;
    gint cx;

    for (cx = 0; cx < cw; cx++) {
      guint8 cover[4] = { 0, };
      guint n = 0;
      gint x0 = cx << hs, x1 = MIN (w, (cx + 1) << hs);
      guint8 m;

      /* at most 2x2 pixels: subsampling is at most 2 each way */
      for (r = 0; r < 2 && r < MIN (n_rows, 1 << vs); r++)
        for (i = 0; i < 2 && x0 + i < x1; i++)
          cover[n++] = labels[r][x0 + i];
      m = n == 1 ? cover[0] : majority (cover, n);
      if (p->writes[m]) {
        r1[(gsize) ch[1].pstride * cx] = p->value[m][1];
        r2[(gsize) ch[2].pstride * cx] = p->value[m][2];
      }
    }
  }
  (void) k;
}

#define CH(plane, offset, pstride, hsub, vsub) \
  { plane, offset, pstride, hsub, vsub }

#define DEFINE_YUV(name, nch, ...)                                          \
static const KmsChannel layout_##name[KMS_MAX_CHANNELS] = { __VA_ARGS__ };  \
static void                                                                 \
unpack_##name (const KmsFrame * f, gint y, guint8 * const *c)               \
{                                                                           \
  unpack_yuv (f, y, 0, 1, f->width, c, layout_##name, nch);                 \
}                                                                           \
static void                                                                 \
unpack_step_##name (const KmsFrame * f, gint y, gint x0, gint step, gint n, \
    guint8 * const *c)                                                      \
{                                                                           \
  unpack_yuv (f, y, x0, step, n, c, layout_##name, nch);                    \
}                                                                           \
static void                                                                 \
write_##name (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,    \
    const KmsPaint * p)                                                     \
{                                                                           \
  write_yuv (f, y, n_rows, labels, p, layout_##name, nch);                  \
}

/* channels Y, U, V: plane, offset, bytes between samples, hsub, vsub */
#define LAYOUT_I420 CH (0, 0, 1, 0, 0), CH (1, 0, 1, 1, 1), CH (2, 0, 1, 1, 1)
#define LAYOUT_YV12 CH (0, 0, 1, 0, 0), CH (2, 0, 1, 1, 1), CH (1, 0, 1, 1, 1)
#define LAYOUT_NV12 CH (0, 0, 1, 0, 0), CH (1, 0, 2, 1, 1), CH (1, 1, 2, 1, 1)
#define LAYOUT_NV21 CH (0, 0, 1, 0, 0), CH (1, 1, 2, 1, 1), CH (1, 0, 2, 1, 1)
#define LAYOUT_Y444 CH (0, 0, 1, 0, 0), CH (1, 0, 1, 0, 0), CH (2, 0, 1, 0, 0)
#define LAYOUT_Y42B CH (0, 0, 1, 0, 0), CH (1, 0, 1, 1, 0), CH (2, 0, 1, 1, 0)
#define LAYOUT_YUY2 CH (0, 0, 2, 0, 0), CH (0, 1, 4, 1, 0), CH (0, 3, 4, 1, 0)
#define LAYOUT_UYVY CH (0, 1, 2, 0, 0), CH (0, 0, 4, 1, 0), CH (0, 2, 4, 1, 0)
#define LAYOUT_GRAY8 CH (0, 0, 1, 0, 0), CH (0, 0, 0, 0, 0), CH (0, 0, 0, 0, 0)

DEFINE_YUV (i420, 3, LAYOUT_I420);
DEFINE_YUV (yv12, 3, LAYOUT_YV12);
DEFINE_YUV (nv12, 3, LAYOUT_NV12);
DEFINE_YUV (nv21, 3, LAYOUT_NV21);
DEFINE_YUV (y444, 3, LAYOUT_Y444);
DEFINE_YUV (y42b, 3, LAYOUT_Y42B);
DEFINE_YUV (yuy2, 3, LAYOUT_YUY2);
DEFINE_YUV (uyvy, 3, LAYOUT_UYVY);
DEFINE_YUV (gray8, 1, LAYOUT_GRAY8);

void
kms_paint_prepare (const KmsFormatInfo * info, KmsPaint * p, KmsMode mode,
    guint k)
{
  guint l, ch;

  memset (p->lut, 0, sizeof (p->lut));
  for (l = 0; l < k; l++) {
    gboolean masked = (gint) l == p->mask_label;
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

/* Y'CbCr coefficients (Kr, Kb) of each matrix */
static void
matrix_coefficients (KmsMatrix m, gdouble * kr, gdouble * kb)
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
kms_format_convert_color (const KmsFormatInfo * info, const KmsFrame * frame,
    guint32 argb, guint8 out[KMS_MAX_CHANNELS], guint8 * alpha)
{
  const gdouble r = ((argb >> 16) & 0xff) / 255.0;
  const gdouble g = ((argb >> 8) & 0xff) / 255.0;
  const gdouble b = (argb & 0xff) / 255.0;
  gdouble kr, kb, yl, pb, pr;

  *alpha = argb >> 24;
  if (!info->yuv) {
    out[0] = (argb >> 16) & 0xff;
    out[1] = (argb >> 8) & 0xff;
    out[2] = argb & 0xff;
    return;
  }
  matrix_coefficients (info->n_channels == 1 ? KMS_MATRIX_BT601 :
      frame->matrix, &kr, &kb);
  yl = kr * r + (1 - kr - kb) * g + kb * b;
  pb = (b - yl) / (2 * (1 - kb));
  pr = (r - yl) / (2 * (1 - kr));
  /* grey is full range, as GStreamer's GRAY8 */
  if (info->n_channels == 1 || frame->full_range) {
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

guint32
kms_format_color_to_argb (const KmsFormatInfo * info, const KmsFrame * frame,
    const guint8 c[KMS_MAX_CHANNELS])
{
  gdouble kr, kb, yl, pb, pr, r, g, b;

  if (!info->yuv)
    return 0xff000000u | ((guint32) c[0] << 16) | ((guint32) c[1] << 8) |
        c[2];
  if (info->n_channels == 1)
    return 0xff000000u | ((guint32) c[0] << 16) | ((guint32) c[0] << 8) |
        c[0];
  matrix_coefficients (frame->matrix, &kr, &kb);
  if (frame->full_range) {
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
#define NO_CH { CH (0, 0, 0, 0, 0), CH (0, 0, 0, 0, 0), CH (0, 0, 0, 0, 0) }
#define PACKED_INFO(fmt, name, bpp, o0, o1, o2, oa) \
  { fmt, #name, 3, FALSE, bpp, oa >= 0, BT601_RGB, { o0, o1, o2 }, oa, \
    1, NO_CH, 1, unpack_##name, unpack_step_##name, write_##bpp }
#define YUV_INFO(fmt, name, layout, nch, n_planes, v_group) \
  { fmt, #name, nch, TRUE, 0, FALSE, LUMA_Y, { 0, 0, 0 }, -1, n_planes, \
    { layout }, v_group, unpack_##name, unpack_step_##name, write_##name }

static const KmsFormatInfo format_infos[] = {
  {KMS_FORMAT_UNKNOWN, "unknown", 0, FALSE, 0, FALSE, {0, 0, 0}, {0, 0, 0},
      -1, 0, NO_CH, 1, NULL, NULL, NULL},
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
  YUV_INFO (KMS_FORMAT_I420, i420, LAYOUT_I420, 3, 3, 2),
  YUV_INFO (KMS_FORMAT_YV12, yv12, LAYOUT_YV12, 3, 3, 2),
  YUV_INFO (KMS_FORMAT_NV12, nv12, LAYOUT_NV12, 3, 2, 2),
  YUV_INFO (KMS_FORMAT_NV21, nv21, LAYOUT_NV21, 3, 2, 2),
  YUV_INFO (KMS_FORMAT_Y444, y444, LAYOUT_Y444, 3, 3, 1),
  YUV_INFO (KMS_FORMAT_Y42B, y42b, LAYOUT_Y42B, 3, 3, 1),
  YUV_INFO (KMS_FORMAT_YUY2, yuy2, LAYOUT_YUY2, 3, 1, 1),
  YUV_INFO (KMS_FORMAT_UYVY, uyvy, LAYOUT_UYVY, 3, 1, 1),
  YUV_INFO (KMS_FORMAT_GRAY8, gray8, LAYOUT_GRAY8, 1, 1, 1),
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

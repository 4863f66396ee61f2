/* kmeansseg: the portable row kernels of every format
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

/* This file is compiled once per CPU level (see meson.build): KMS_SUFFIX
 * names its entry point, and the level's flags let the compiler vectorise
 * the loops for it. The bytes written do not depend on the level. */

#include <string.h>

#include "kmsformat.h"

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

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
static void                                                                 \
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
      m = n == 1 ? cover[0] : kms_label_majority (cover, n);
      if (p->writes[m]) {
        r1[(gsize) ch[1].pstride * cx] = p->value[m][1];
        r2[(gsize) ch[2].pstride * cx] = p->value[m][2];
      }
    }
  }
  (void) k;
}

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

DEFINE_YUV (i420, 3, KMS_LAYOUT_I420);
DEFINE_YUV (yv12, 3, KMS_LAYOUT_YV12);
DEFINE_YUV (nv12, 3, KMS_LAYOUT_NV12);
DEFINE_YUV (nv21, 3, KMS_LAYOUT_NV21);
DEFINE_YUV (y444, 3, KMS_LAYOUT_Y444);
DEFINE_YUV (y42b, 3, KMS_LAYOUT_Y42B);
DEFINE_YUV (yuy2, 3, KMS_LAYOUT_YUY2);
DEFINE_YUV (uyvy, 3, KMS_LAYOUT_UYVY);
DEFINE_YUV (gray8, 1, KMS_LAYOUT_GRAY8);

#define PACKED(fmt, name, bpp) \
  [fmt] = { unpack_##name, unpack_step_##name, write_##bpp }
#define YUV(fmt, name) \
  [fmt] = { unpack_##name, unpack_step_##name, write_##name }

static const KmsRowKernels row_kernels[KMS_FORMAT_LAST] = {
  PACKED (KMS_FORMAT_RGB, rgb, 3),
  PACKED (KMS_FORMAT_BGR, bgr, 3),
  PACKED (KMS_FORMAT_RGBx, rgbx, 4),
  PACKED (KMS_FORMAT_BGRx, bgrx, 4),
  PACKED (KMS_FORMAT_xRGB, xrgb, 4),
  PACKED (KMS_FORMAT_xBGR, xbgr, 4),
  PACKED (KMS_FORMAT_RGBA, rgba, 4),
  PACKED (KMS_FORMAT_BGRA, bgra, 4),
  PACKED (KMS_FORMAT_ARGB, argb, 4),
  PACKED (KMS_FORMAT_ABGR, abgr, 4),
  YUV (KMS_FORMAT_I420, i420),
  YUV (KMS_FORMAT_YV12, yv12),
  YUV (KMS_FORMAT_NV12, nv12),
  YUV (KMS_FORMAT_NV21, nv21),
  YUV (KMS_FORMAT_Y444, y444),
  YUV (KMS_FORMAT_Y42B, y42b),
  YUV (KMS_FORMAT_YUY2, yuy2),
  YUV (KMS_FORMAT_UYVY, uyvy),
  YUV (KMS_FORMAT_GRAY8, gray8),
};

const KmsRowKernels *
PASTE (kms_row_kernels_, KMS_SUFFIX) (KmsFormat format)
{
  if ((guint) format >= KMS_FORMAT_LAST || !row_kernels[format].unpack)
    return NULL;
  return &row_kernels[format];
}

/* kmeansseg tests: shared helpers without GStreamer
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

/* What the element tests, the fuzz targets and the core's own tests can
 * share without linking GStreamer: reading a fuzz input, a checked abort,
 * numbers from a seed, colours, and logical RGB images in plain memory
 * (the element tests pack them into buffers: kmstest-gst.h). */

#ifndef __KMSTEST_H__
#define __KMSTEST_H__

#include <glib.h>

#include "kmsmodel.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Reading a fuzz input: past its end, every byte is 0 */

typedef struct
{
  const guint8 *p;
  gsize n;
} Reader;

guint8 rd8 (Reader * r);
guint16 rd16 (Reader * r);
guint32 rd32 (Reader * r);
/* The next @want bytes or as many as are left: returns where they start
 * and sets @got to how many */
const guint8 *rd_bytes (Reader * r, gsize want, gsize * got);

/* ------------------------------------------------------------------ */
/* A check that aborts (libFuzzer reports it as a crash), naming @prog */

void check_failed (const gchar * prog, const gchar * file, gint line,
    const gchar * cond, const gchar * format, ...) G_GNUC_PRINTF (5, 6)
    G_GNUC_NORETURN;

#define KMSTEST_CHECK(prog, cond, ...) G_STMT_START {                   \
  if (G_UNLIKELY (!(cond)))                                             \
    check_failed (prog, __FILE__, __LINE__, #cond, __VA_ARGS__);        \
} G_STMT_END

/* ------------------------------------------------------------------ */
/* Numbers and colours */

/* A linear congruential generator: the next 24-bit number of @state */
guint32 lcg (guint32 * state);
/* @v rounded to the nearest level, clamped to 0..255 */
guint8 round_level (gdouble v);

/* 0xRRGGBB */
#define CH_R(c) (((c) >> 16) & 0xff)
#define CH_G(c) (((c) >> 8) & 0xff)
#define CH_B(c) ((c) & 0xff)
#define RGB(r, g, b) (((guint32) (r) << 16) | ((guint32) (g) << 8) | (b))

/* BT.601 luma, as the clusters are numbered */
gdouble luma (guint32 c);
/* Sorts @n colours by luma, darkest first: the element's numbering */
void sort_by_luma (guint32 * pal, guint n);
guint32 weighted_mean (guint32 a, guint na, guint32 b, guint nb);
/* Squared distance of two colours */
guint dist2 (guint32 a, guint32 b);


/* Kr and Kb of the Y'CbCr matrices */
#define KR_601 0.299
#define KB_601 0.114
#define KR_709 0.2126
#define KB_709 0.0722
#define KR_2020 0.2627
#define KB_2020 0.0593

void argb_to_yuv (guint32 argb, gdouble kr, gdouble kb, gboolean full,
    guint8 out[3]);
guint32 yuv_to_argb (const guint8 c[3], gdouble kr, gdouble kb,
    gboolean full);

/* ------------------------------------------------------------------ */
/* Logical images: R, G, B per pixel, plus the fourth byte of 4-byte
 * formats */

typedef struct
{
  gint w, h;
  guint32 *rgb;                 /* 0xRRGGBB per pixel */
  guint8 *extra;                /* the alpha or padding byte */
} Image;

#define PIX(img, x, y) ((img)->rgb[(y) * (img)->w + (x)])

Image *image_new (gint w, gint h);
Image *image_copy (const Image * src);
void image_free (Image * img);
void image_paint_regions (Image * img, gint layout, const guint32 * colors,
    guint * counts);
Image *image_new_regions (gint w, gint h, gint layout,
    const guint32 * colors, guint * counts);
Image *image_new_noisy (gint w, gint h, guint32 seed, gint lo, gint hi);
Image *image_map (const Image * src, const guint32 * from,
    const guint32 * to, guint n);
guint count_distinct (const Image * img, guint32 * out, guint max);
Image *expect_masked (const Image * img, guint32 c);

/* Colour sets of the crafted frames */
extern const guint32 three[3];
extern const guint32 four[4];
extern const guint32 xyz[3];
extern const guint32 xyz2[3];

void four_expected (const Image * img, const guint * counts, guint32 * pal,
    Image ** exp);

G_END_DECLS

#endif /* __KMSTEST_H__ */

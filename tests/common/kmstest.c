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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmstest.h"

/* ------------------------------------------------------------------ */
/* Reading a fuzz input */

guint8
rd8 (Reader * r)
{
  if (r->n == 0)
    return 0;
  r->n--;
  return *r->p++;
}

guint16
rd16 (Reader * r)
{
  guint16 v = rd8 (r);

  return v | (guint16) rd8 (r) << 8;
}

guint32
rd32 (Reader * r)
{
  guint32 v = rd16 (r);

  return v | (guint32) rd16 (r) << 16;
}

const guint8 *
rd_bytes (Reader * r, gsize want, gsize * got)
{
  const guint8 *p = r->p;

  *got = MIN (want, r->n);
  r->p += *got;
  r->n -= *got;
  return p;
}

void
check_failed (const gchar * prog, const gchar * file, gint line,
    const gchar * cond, const gchar * format, ...)
{
  va_list args;

  fprintf (stderr, "%s: check failed at %s:%d: %s\n  ", prog, file, line,
      cond);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
  abort ();
}

/* ------------------------------------------------------------------ */
/* Numbers and colours */

guint8
round_level (gdouble v)
{
  if (v <= 0)
    return 0;
  if (v >= 255)
    return 255;
  return (guint8) (v + 0.5);
}

void
sort_by_luma (guint32 * pal, guint n)
{
  guint i, j;

  for (i = 1; i < n; i++)
    for (j = i; j > 0 && luma (pal[j - 1]) > luma (pal[j]); j--) {
      guint32 t = pal[j];
      pal[j] = pal[j - 1];
      pal[j - 1] = t;
    }
}

/* ------------------------------------------------------------------ */
/* Logical images */

Image *
image_new (gint w, gint h)
{
  Image *img = g_new0 (Image, 1);
  gint i;

  img->w = w;
  img->h = h;
  img->rgb = g_new0 (guint32, w * h);
  img->extra = g_new0 (guint8, w * h);
  /* distinct values, so that a byte written by mistake shows */
  for (i = 0; i < w * h; i++)
    img->extra[i] = (guint8) (i * 37 + 11);
  return img;
}

Image *
image_copy (const Image * src)
{
  Image *img = image_new (src->w, src->h);

  memcpy (img->rgb, src->rgb, src->w * src->h * sizeof (guint32));
  memcpy (img->extra, src->extra, src->w * src->h);
  return img;
}

void
image_free (Image * img)
{
  g_free (img->rgb);
  g_free (img->extra);
  g_free (img);
}

/* The layouts of flat regions, of unequal sizes: 0 and 1 have three (1
 * moves them), 2 has four. */
static gint
region_of (gint layout, gint x, gint y, gint w, gint h)
{
  switch (layout) {
    case 0:
      if (x < w / 3)
        return 0;
      return y < h / 3 ? 1 : 2;
    case 1:
      if (y < h / 4)
        return 2;
      return x < w / 3 ? 0 : 1;
    case 2:
      /* four regions, the last one small */
      if (x < w / 4 && y < h / 4)
        return 3;
      if (x < w / 2)
        return 0;
      return y < h / 3 ? 1 : 2;
    default:
      g_assert_not_reached ();
      return 0;
  }
}

/* Paints the regions of @layout with @colors; counts their pixels */
void
image_paint_regions (Image * img, gint layout, const guint32 * colors,
    guint * counts)
{
  gint x, y;

  if (counts)
    memset (counts, 0, 4 * sizeof (guint));
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      gint r = region_of (layout, x, y, img->w, img->h);

      PIX (img, x, y) = colors[r];
      if (counts)
        counts[r]++;
    }
  }
}

Image *
image_new_regions (gint w, gint h, gint layout, const guint32 * colors,
    guint * counts)
{
  Image *img = image_new (w, h);

  image_paint_regions (img, layout, colors, counts);
  return img;
}

guint32
lcg (guint32 * state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

static guint8
clamp_level (gint v, gint lo, gint hi)
{
  return (guint8) CLAMP (v, lo, hi);
}

/* Smooth gradients plus deterministic noise, levels within [lo, hi] */
Image *
image_new_noisy (gint w, gint h, guint32 seed, gint lo, gint hi)
{
  Image *img = image_new (w, h);
  guint32 state = seed;
  gint x, y;

  for (y = 0; y < h; y++) {
    for (x = 0; x < w; x++) {
      gint r = x * 255 / MAX (w - 1, 1);
      gint g = y * 255 / MAX (h - 1, 1);
      gint b = 255 - (x + y) * 255 / MAX (w + h - 2, 1);

      r += (gint) (lcg (&state) % 25) - 12;
      g += (gint) (lcg (&state) % 25) - 12;
      b += (gint) (lcg (&state) % 25) - 12;
      PIX (img, x, y) = RGB (clamp_level (r, lo, hi), clamp_level (g, lo,
              hi), clamp_level (b, lo, hi));
    }
  }
  return img;
}

/* A copy with every pixel of colour from[i] replaced by to[i] */
Image *
image_map (const Image * src, const guint32 * from, const guint32 * to, guint n)
{
  Image *img = image_copy (src);
  gint i;
  guint j;

  for (i = 0; i < img->w * img->h; i++) {
    for (j = 0; j < n; j++) {
      if (img->rgb[i] == from[j]) {
        img->rgb[i] = to[j];
        break;
      }
    }
  }
  return img;
}


gdouble
luma (guint32 c)
{
  return 0.299 * CH_R (c) + 0.587 * CH_G (c) + 0.114 * CH_B (c);
}

/* Pixel-count-weighted mean of two colours, rounded to nearest */
guint32
weighted_mean (guint32 a, guint na, guint32 b, guint nb)
{
  guint n = na + nb;
  guint ch[3], i;

  for (i = 0; i < 3; i++) {
    guint shift = 16 - 8 * i;
    guint s = na * ((a >> shift) & 0xff) + nb * ((b >> shift) & 0xff);

    /* floor (s / n + 1/2) */
    ch[i] = (2 * s + n) / (2 * n);
  }
  return RGB (ch[0], ch[1], ch[2]);
}

guint
count_distinct (const Image * img, guint32 * out, guint max)
{
  guint n = 0, j;
  gint i;

  for (i = 0; i < img->w * img->h; i++) {
    for (j = 0; j < n && out[j] != img->rgb[i]; j++);
    if (j == n) {
      if (n == max)
        return max + 1;
      out[n++] = img->rgb[i];
    }
  }
  return n;
}

guint
dist2 (guint32 a, guint32 b)
{
  gint dr = (gint) CH_R (a) - (gint) CH_R (b);
  gint dg = (gint) CH_G (a) - (gint) CH_G (b);
  gint db = (gint) CH_B (a) - (gint) CH_B (b);

  return dr * dr + dg * dg + db * db;
}


/* Three colours, well apart, with distinct lumas; the first two are close
 * enough to merge at k=2 */
const guint32 three[3] = {
  RGB (30, 60, 200), RGB (42, 50, 186), RGB (230, 220, 40)
};

/* Four colours at k=3: the close pair merges, so the output differs from
 * the input and a wrong channel offset shows */
const guint32 four[4] = {
  RGB (30, 60, 200), RGB (44, 48, 186), RGB (230, 220, 40), RGB (200, 30, 70)
};

void
four_expected (const Image * img, const guint * counts, guint32 * pal,
    Image ** exp)
{
  guint32 merged = weighted_mean (four[0], counts[0], four[1], counts[1]);
  guint32 to[4] = { merged, merged, four[2], four[3] };

  /* the palette in the element's numbering: by luma, darkest first */
  pal[0] = merged;
  pal[1] = four[2];
  pal[2] = four[3];
  sort_by_luma (pal, 3);
  *exp = image_map (img, four, to, 4);
}

/* Frame 1: X < Y < Z by luma, numbered 0, 1, 2. Frame 2: each colour moves
 * a little (each stays nearest its old centroid), but now Y' < X' < Z' by
 * luma: warm-started, cluster 1 is still Y'; started afresh, it is X'. */
const guint32 xyz[3] = {
  RGB (200, 0, 0), RGB (0, 150, 0), RGB (255, 255, 255)
};

const guint32 xyz2[3] = {
  RGB (255, 60, 0), RGB (0, 140, 0), RGB (250, 250, 250)
};

/* @img with the pixels of colour @c painted black (the default mask) */
Image *
expect_masked (const Image * img, guint32 c)
{
  guint32 from[1] = { c }, to[1] = { 0 };

  return image_map (img, from, to, 1);
}

void
argb_to_yuv (guint32 argb, gdouble kr, gdouble kb, gboolean full, guint8 out[3])
{
  gdouble r = CH_R (argb) / 255.0, g = CH_G (argb) / 255.0;
  gdouble b = CH_B (argb) / 255.0;
  gdouble y = kr * r + (1 - kr - kb) * g + kb * b;
  gdouble cb = (b - y) / (2 * (1 - kb)), cr = (r - y) / (2 * (1 - kr));

  if (full) {
    out[0] = round_level (255 * y);
    out[1] = round_level (128 + 255 * cb);
    out[2] = round_level (128 + 255 * cr);
  } else {
    out[0] = round_level (16 + 219 * y);
    out[1] = round_level (128 + 224 * cb);
    out[2] = round_level (128 + 224 * cr);
  }
}

/* ... and back, as 0xffRRGGBB */
guint32
yuv_to_argb (const guint8 c[3], gdouble kr, gdouble kb, gboolean full)
{
  gdouble y, cb, cr, r, g, b;

  if (full) {
    y = c[0] / 255.0;
    cb = (c[1] - 128) / 255.0;
    cr = (c[2] - 128) / 255.0;
  } else {
    y = (c[0] - 16) / 219.0;
    cb = (c[1] - 128) / 224.0;
    cr = (c[2] - 128) / 224.0;
  }
  r = y + 2 * (1 - kr) * cr;
  b = y + 2 * (1 - kb) * cb;
  g = (y - kr * r - kb * b) / (1 - kr - kb);
  return 0xff000000 | RGB (round_level (255 * r), round_level (255 * g),
      round_level (255 * b));
}

/* kmeansseg: OkLab: the conversion tables, and colours both ways
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

/* OkLab (Björn Ottosson, 2020): linear sRGB -> LMS -> cube roots -> L, a,
 * b. The pixels go through the tables and the single-precision arithmetic
 * filled and defined here and in kmsdsp.h (the per-level row kernel,
 * kmsoklabrow.c, and kms_oklab_pixel() below, its plain reference: both
 * built with -ffp-contract=off, see meson.build); centroids and key colours, which are few, through the
 * floating-point formula. Every stream is taken as sRGB-encoded (the
 * transfer function of the caps is not read). */

#include <math.h>
#include <string.h>

#include "kmsformat.h"

static const gdouble M1[3][3] = {
  {0.4122214708, 0.5363325363, 0.0514459929},
  {0.2119034982, 0.6806995451, 0.1073969566},
  {0.0883024619, 0.2817188376, 0.6299787005},
};

static const gdouble M2[3][3] = {
  {0.2104542553, 0.7936177850, -0.0040720468},
  {1.9779984951, -2.4285922050, 0.4505937099},
  {0.0259040371, 0.7827717662, -0.8086757660},
};

static const gdouble M2_INV[3][3] = {
  {1.0, 0.3963377774, 0.2158037573},
  {1.0, -0.1055613458, -0.0638541728},
  {1.0, -0.0894841775, -1.2914855480},
};

static const gdouble M1_INV[3][3] = {
  {4.0767416621, -3.3077115913, 0.2309699292},
  {-1.2684380046, 2.6097574011, -0.3413193965},
  {-0.0041960863, -0.7034186147, 1.7076147010},
};

static gdouble
srgb_to_linear (gdouble v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static gdouble
linear_to_srgb (gdouble v)
{
  return v <= 0.0031308 ? 12.92 * v : 1.055 * pow (v, 1 / 2.4) - 0.055;
}

void
kms_oklab_from_rgb (const gdouble rgb[3], gdouble lab[3])
{
  gdouble lin[3], lms[3];
  guint i;

  for (i = 0; i < 3; i++)
    lin[i] = srgb_to_linear (rgb[i]);
  for (i = 0; i < 3; i++)
    lms[i] = cbrt (M1[i][0] * lin[0] + M1[i][1] * lin[1] + M1[i][2] * lin[2]);
  for (i = 0; i < 3; i++)
    lab[i] = M2[i][0] * lms[0] + M2[i][1] * lms[1] + M2[i][2] * lms[2];
}

void
kms_oklab_to_rgb (const gdouble lab[3], gdouble rgb[3])
{
  gdouble lms[3];
  guint i;

  for (i = 0; i < 3; i++) {
    const gdouble v = M2_INV[i][0] * lab[0] + M2_INV[i][1] * lab[1] +
        M2_INV[i][2] * lab[2];

    lms[i] = v * v * v;
  }
  /* clipped to the gamut in linear light, channel by channel */
  for (i = 0; i < 3; i++)
    rgb[i] = linear_to_srgb (CLAMP (M1_INV[i][0] * lms[0] +
            M1_INV[i][1] * lms[1] + M1_INV[i][2] * lms[2], 0.0, 1.0));
}

void
kms_oklab_init (KmsOklab * t, const KmsColorSpace * cs)
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  const gint max12 = (1 << KMS_OKLAB_YUV_BITS) - 1;
  guint i, j;

  memset (t, 0, sizeof (*t));
  for (i = 0; i < 256; i++)
    t->lin8[i] = (gfloat) srgb_to_linear (i / 255.0);
  for (i = 0; i <= (guint) max12; i++)
    t->lin12[i] = (gfloat) srgb_to_linear ((gdouble) i / max12);
  for (i = 0; i < 3; i++)
    for (j = 0; j < 3; j++) {
      t->m1[i][j] = (gfloat) M1[i][j];
      /* the cube root's scale (see kms_oklab_cbrt()) folded in */
      t->m2[i][j] = (gfloat) (M2[i][j] * 255 * KMS_OKLAB_CBRT_SCALE);
    }
  t->off2[0] = 0;
  t->off2[1] = t->off2[2] = 128;

  t->input = info->n_channels == 1 ? KMS_OKLAB_FROM_GRAY :
      info->yuv ? KMS_OKLAB_FROM_YUV : KMS_OKLAB_FROM_RGB;
  if (t->input == KMS_OKLAB_FROM_YUV) {
    const gdouble frac = 1 << KMS_OKLAB_YUV_FRAC;
    const gdouble ys = cs->full_range ? 1 / 255.0 : 1 / 219.0;
    const gdouble cscale = cs->full_range ? 1 / 255.0 : 1 / 224.0;
    const gint yo = cs->full_range ? 0 : 16;
    gdouble kr, kb, kg;

    kms_format_matrix_coefficients (cs->matrix, &kr, &kb);
    kg = 1 - kr - kb;
    t->yc = (gint32) lround (max12 * ys * frac);
    t->cb[0] = 0;
    t->cr[0] = (gint32) lround (max12 * 2 * (1 - kr) * cscale * frac);
    t->cb[1] = (gint32) lround (-max12 * 2 * kb * (1 - kb) / kg * cscale *
        frac);
    t->cr[1] = (gint32) lround (-max12 * 2 * kr * (1 - kr) / kg * cscale *
        frac);
    t->cb[2] = (gint32) lround (max12 * 2 * (1 - kb) * cscale * frac);
    t->cr[2] = 0;
    /* black (Y at its foot, neutral chroma) is 0; the rounding */
    for (i = 0; i < 3; i++)
      t->off[i] = -yo * t->yc - 128 * (t->cb[i] + t->cr[i]) +
          (1 << (KMS_OKLAB_YUV_FRAC - 1));
  }
  if (t->input == KMS_OKLAB_FROM_GRAY) {
    /* grey is full-range luma, R' = G' = B' = Y */
    KmsOklab rgb = *t;

    rgb.input = KMS_OKLAB_FROM_RGB;
    for (i = 0; i < 256; i++) {
      guint8 in[3] = { i, i, i }, out[3];
      guint16 fine[3];

      kms_oklab_pixel_fine (&rgb, in, out, fine);
      t->gray[i] = out[0];
      t->gray_fine[i] = fine[0];
    }
  }
}

static inline gint32
clip_int (gint32 v, gint32 max)
{
  return v < 0 ? 0 : v > max ? max : v;
}

void
kms_oklab_pixel (const KmsOklab * t, const guint8 in[3], guint8 out[3])
{
  kms_oklab_pixel_fine (t, in, out, NULL);
}

void
kms_oklab_pixel_fine (const KmsOklab * t, const guint8 in[3], guint8 out[3],
    guint16 fine[3])
{
  gfloat lin[3], cr[3];
  guint i;

  if (t->input == KMS_OKLAB_FROM_GRAY) {
    if (fine) {
      fine[0] = t->gray_fine[in[0]];
      fine[1] = fine[2] = 0;
    }
    out[0] = t->gray[in[0]];
    out[1] = in[1];
    out[2] = in[2];
    return;
  }
  for (i = 0; i < 3; i++) {
    if (t->input == KMS_OKLAB_FROM_RGB) {
      lin[i] = t->lin8[in[i]];
    } else {
      const gint32 v = in[0] * t->yc + in[1] * t->cb[i] + in[2] * t->cr[i] +
          t->off[i];

      lin[i] = t->lin12[clip_int (v >> KMS_OKLAB_YUV_FRAC,
              (1 << KMS_OKLAB_YUV_BITS) - 1)];
    }
  }
  /* the order of the operations is the kernels' (kmsoklabrow.c) */
  for (i = 0; i < 3; i++)
    cr[i] = kms_oklab_cbrt (t->m1[i][0] * lin[0] + t->m1[i][1] * lin[1] +
        t->m1[i][2] * lin[2]);
  for (i = 0; i < 3; i++) {
    const gfloat v = t->m2[i][0] * cr[0] + t->m2[i][1] * cr[1] +
        t->m2[i][2] * cr[2] + t->off2[i];

    if (fine)
      fine[i] = kms_oklab_fine (v);
    out[i] = kms_oklab_byte (v);
  }
}

void
kms_oklab_from_argb (guint32 argb, guint n_channels,
    gdouble out[KMS_MAX_CHANNELS])
{
  const gdouble rgb[3] = { ((argb >> 16) & 0xff) / 255.0,
    ((argb >> 8) & 0xff) / 255.0, (argb & 0xff) / 255.0
  };
  gdouble lab[3];

  kms_oklab_from_rgb (rgb, lab);
  out[0] = 255 * lab[0];
  out[1] = n_channels == 1 ? 0 : 128 + 255 * lab[1];
  out[2] = n_channels == 1 ? 0 : 128 + 255 * lab[2];
}

void
kms_oklab_to_stream (const KmsColorSpace * cs,
    const gdouble c[KMS_MAX_CHANNELS], guint8 out[KMS_MAX_CHANNELS])
{
  const KmsFormatInfo *info = kms_format_get_info (cs->format);
  gdouble lab[3], rgb[3];

  lab[0] = c[0] / 255;
  /* grey has L only: neutral */
  lab[1] = info->n_channels == 1 ? 0 : (c[1] - 128) / 255;
  lab[2] = info->n_channels == 1 ? 0 : (c[2] - 128) / 255;
  kms_oklab_to_rgb (lab, rgb);
  kms_format_convert_rgb (cs, rgb, out);
}

/* kmeansseg: the kernel table and the kernels' types (internal to the core)
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


/* The per-pixel kernels and the one table (KmsDsp) that holds the ones a
 * stream uses, filled once per (format, k, CPU levels) by kms_dsp_init(),
 * as dav1d fills its DSP contexts. Each portable kernel file is compiled
 * once per CPU level with that level's flags (meson.build) and exports its
 * kernels under the level's suffix; the hand-written ones live in the
 * per-architecture folders (x86/, arm/). Every kernel of every level gives
 * the same bytes as the C reference: all of it is integer arithmetic. */

#ifndef __KMS_DSP_H__
#define __KMS_DSP_H__

#include "kmsconfig.h"
#include "kmstypes.h"

G_BEGIN_DECLS

/* What the painting needs. The caller fills the colour of each label
 * (in the format's channel order) and the mask; kms_paint_prepare() turns
 * them into per-label tables for the format. */
/* The labels KmsPaint.lut holds: one 64-byte vector a table */
#define KMS_PAINT_LUT_LABELS 64

typedef struct
{
  guint8 color[KMS_MAX_K][KMS_MAX_CHANNELS];
  gboolean masked[KMS_MAX_K];   /* a label's pixels take the mask */
  guint8 mask[KMS_MAX_CHANNELS];
  guint8 mask_alpha;

  /* filled by kms_paint_prepare() */
  /* packed RGB: out = (out & keep) | set, a pixel's bytes in memory order
   * (the first bpp bytes of each) */
  guint32 set[KMS_MAX_K];
  guint32 keep[KMS_MAX_K];
  /* every format: whether a label's pixels are written, and with what */
  gboolean writes[KMS_MAX_K];
  guint8 value[KMS_MAX_K][KMS_MAX_CHANNELS];
  /* labels below KMS_PAINT_LUT_LABELS: value[][0..2] and writes (0xff) as
   * byte tables, for the byte-permute writers */
  guint8 lut[4][KMS_PAINT_LUT_LABELS];
} KmsPaint;

/* Colour cells: KMS_CELL_BITS bits per channel, index
 * (c0 >> SHIFT) << 2 BITS | (c1 >> SHIFT) << BITS | c2 >> SHIFT; a cell's
 * candidates are the bits of a guint64 */
#define KMS_CELL_BITS 4
#define KMS_CELL_SHIFT (8 - KMS_CELL_BITS)
#define KMS_CELLS (1u << (3 * KMS_CELL_BITS))
#define KMS_CELL_MAX_K 64

/* The integer centroids, planar; unused channels are 0 (and so are the
 * matching pixel channels), so every format runs the same 3-channel code */
typedef struct
{
  guint k;
  gint32 c[KMS_MAX_CHANNELS][KMS_MAX_K];
  /* NULL, or the candidates of each colour cell, from
   * kms_assign_build_cells() with the margin of the hysteresis applied */
  const guint64 *cells;
  /* search-key terms of each centroid for kernels that use them, filled by
   * KmsDsp.prepare (0 past k) */
  gint32 key[3][KMS_CELL_MAX_K];
} KmsAssignPalette;

/* The conversion of a stream's colours to OkLab bytes (the tables and
 * matrices filled by kms_oklab_init() in kmsoklab.c, read by
 * kms_oklab_pixel_fine() there, its reference, and by the per-level
 * KmsOklabRowFunc): 8-bit sRGB through a 256-entry linearisation table, or
 * Y'CbCr through the matrix and range (integers) to 12-bit R'G'B' and a
 * 4096-entry table, to linear light; then in single-precision floats,
 * LMS by a 3x3 matrix, each cube root by kms_oklab_cbrt(), and L, a, b by
 * a 3x3 matrix as L * 255, 128 + a * 255, 128 + b * 255, rounded and
 * clipped by kms_oklab_byte(): one scale for all three, so the squared
 * distance of the bytes is OkLab's, in 1/255 units. Every level does the
 * same IEEE operations in the same order (no FMA: every file that
 * computes them is built with -ffp-contract=off), so every level gives the
 * same bits. Grey: only L, from one 256-entry table. */
/* the fine coordinates the fit's points are made of: bytes with this
 * many fractional bits */
#define KMS_OKLAB_FINE_BITS 4
#define KMS_OKLAB_YUV_BITS 12
#define KMS_OKLAB_YUV_FRAC 16
/* the bits of the cube root's first guess, and the scale that centres
 * its error (folded into the second matrix), tuned together */
#define KMS_OKLAB_CBRT_GUESS 0x54a30c00
#define KMS_OKLAB_CBRT_SCALE 1.00000118
/* added to LMS (black's cube root stays finite: 2e-7) */
#define KMS_OKLAB_LMS_MIN 1e-20f

/* The cube root of v (LMS, 0 .. a little over 1), within 3.6e-6 of it
 * relative once times KMS_OKLAB_CBRT_SCALE: the inverse cube root y
 * guessed from v's bits (its exponent divided by -3), the root x = v y^2
 * it gives, and x corrected by (1 - e)^(-2/3) for e = 1 - x y (= 1 - v
 * y^3), to the fourth power of e (no division; fewer multiplications
 * than two Newton steps, and closer). Written out so that the vectoriser
 * takes it whole; the AVX2 kernel (x86/kmsoklab_avx2.c) does the same
 * operations. */
static inline gfloat
kms_oklab_cbrt (gfloat v)
{
  union
  {
    gfloat f;
    gint32 i;
  } u;
  gfloat y, x, e, p;

  /* LMS is never negative; black's 0 becomes KMS_OKLAB_LMS_MIN, the
   * rest stay as they are */
  v = v + KMS_OKLAB_LMS_MIN;
  u.f = v;
  u.i = KMS_OKLAB_CBRT_GUESS - (gint32) ((gfloat) u.i * (1.0f / 3));
  y = u.f;
  x = v * (y * y);
  e = 1.0f - x * y;
  p = (910.0f / 2187) * e + 40.0f / 81;
  p = p * e + 5.0f / 9;
  p = p * e + 2.0f / 3;
  p = p * e + 1.0f;
  return x * p;
}

/* An OkLab coordinate (byte scale, -256 .. 511) to its byte: rounded
 * half up, clipped (integer clipping: the vectoriser takes it) */
static inline guint8
kms_oklab_byte (gfloat v)
{
  const gint32 i = (gint32) (v + 0.5f);

  return (guint8) (i < 0 ? 0 : i > 255 ? 255 : i);
}

/* The same to its fine coordinate (KMS_OKLAB_FINE_BITS fractional bits) */
static inline guint16
kms_oklab_fine (gfloat v)
{
  const gint32 i = (gint32) (v * (gfloat) (1 << KMS_OKLAB_FINE_BITS) + 0.5f);
  const gint32 max = (256 << KMS_OKLAB_FINE_BITS) - 1;

  return (guint16) (i < 0 ? 0 : i > max ? max : i);
}

typedef enum
{
  KMS_OKLAB_FROM_RGB = 0,
  KMS_OKLAB_FROM_YUV,
  KMS_OKLAB_FROM_GRAY
} KmsOklabInput;

typedef struct
{
  KmsOklabInput input;
  /* Y'CbCr: R', G', B' in KMS_OKLAB_YUV_BITS bits =
   * (Y * yc + Cb * cb[ch] + Cr * cr[ch] + off[ch]) >> KMS_OKLAB_YUV_FRAC,
   * clipped */
  gint32 yc, cb[3], cr[3], off[3];
  gfloat lin8[256];             /* sRGB byte -> linear (0 .. 1) */
  gfloat lin12[1 << KMS_OKLAB_YUV_BITS];        /* 12-bit R' -> linear */
  gfloat m1[3][3];              /* linear RGB -> LMS */
  /* kms_oklab_cbrt()'s -> L, a, b in bytes (before off2) */
  gfloat m2[3][3];
  gfloat off2[3];               /* 0, 128, 128 */
  guint8 gray[256];             /* grey: Y -> L */
  guint16 gray_fine[256];       /* the same, fine */
} KmsOklab;

/* Label hysteresis for one row: prev[] holds the row's labels of the
 * previous frame and receives this frame's. When @apply, a pixel keeps its
 * previous label unless the nearest centroid is nearer by more than
 * @margin levels (Euclidean). NULL: plain nearest labels. */
typedef struct
{
  guint8 *prev;
  gboolean apply;
  gdouble margin;
} KmsHysteresis;

/* Read row y into planar channels (c[0..2], width each; the channels a
 * format lacks read as 0; subsampled chroma: each pixel its sample). */
typedef void (*KmsUnpackRowFunc) (const KmsFrame * f, gint y,
    guint8 * const *c);
/* Read n pixels of row y, those at x0, x0 + step, ... (for sampling) */
typedef void (*KmsUnpackStepFunc) (const KmsFrame * f, gint y, gint x0,
    gint step, gint n, guint8 * const *c);
/* Write rows y .. y + n_rows - 1 (n_rows <= v_group) from their labels
 * with the prepared tables. A chroma sample shared by several pixels
 * takes the value of the label that holds most of them, ties to the first
 * in raster order. */
typedef void (*KmsWriteRowsFunc) (KmsFrame * f, gint y, gint n_rows,
    guint8 * const *labels, const KmsPaint * paint);

/* Label each pixel of a row (planar channels c[0..2]) with the index of
 * the nearest centroid, by exact integer squared distance, ties to the
 * lower index; add the pixels to counts[] and their distances to *sse
 * (unless NULL). */
typedef void (*KmsAssignRowFunc) (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst);

/* The same for a row of 4-byte pixels whose channels sit at bit shift[ch]
 * of each (native-endian) 32-bit pixel, painted in the same pass with the
 * prepared tables of @paint when @write; @dst may be @src. */
typedef void (*KmsAssignPaintRow32Func) (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);

/* Convert a row of planar channels (as unpacked) to OkLab bytes in place
 * with the tables of @lab (grey: channel 0 only); unless @fine is NULL,
 * also into fine[0..2] the coordinates with KMS_OKLAB_FINE_BITS
 * fractional bits (rounded on their own, so not always the bytes times
 * 16) */
typedef void (*KmsOklabRowFunc) (const KmsOklab * lab, guint8 * const *c,
    guint16 * const *fine, gint width);

/* One pass of the 3x3 majority filter over label row @c (@a above, @b
 * below; at the map's edges the caller passes @c again), into @dst.
 * Returns how many pixels it relabelled; into @xs their positions, in
 * order, and into @more how many more of each one's 8 neighbours hold its
 * new label than its own (see kmssmooth.c). @xs and @more hold @width. */
typedef guint (*KmsSmoothRowFunc) (const guint8 * a, const guint8 * c,
    const guint8 * b, guint8 * dst, guint8 * more, guint32 * xs,
    gint width);

/* The label that holds most of the n labels, ties to the first: the
 * label a chroma sample takes from the pixels it covers (every level's
 * write) */
static inline guint8
kms_label_majority (const guint8 * l, guint n)
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

/* The label of 4:2:0 chroma sample @cx: the majority of the (up to) 2x2
 * pixels it covers in label rows @labels (@n_rows of them, 1 or 2, @w
 * pixels wide) */
static inline guint8
kms_label_cover_420 (guint8 * const *labels, gint n_rows, gint w, gint cx)
{
  guint8 cover[4];
  guint n = 0;
  gint r;

  for (r = 0; r < MIN (n_rows, 2); r++) {
    cover[n++] = labels[r][2 * cx];
    if (2 * cx + 1 < w)
      cover[n++] = labels[r][2 * cx + 1];
  }
  return n == 1 ? cover[0] : kms_label_majority (cover, n);
}

/* The centroids of a fit by channel (unused channels 0), so that the
 * distances of a point to several of them sit in vector lanes */
typedef struct
{
  gdouble c[KMS_MAX_CHANNELS][KMS_MAX_K];
} KmsCentroidLanes;

/* For points p[0], p[step], ... (n of them), the nearest of the k
 * centroids of @lanes in the first @nc channels (1 or 3) by squared
 * distance in double precision, computed as (t0 * t0 + t1 * t1) + t2 * t2
 * with t = point - centroid, the lowest index of equally near ones: its
 * index to label[i] and its distance to dist[i] (see kmsnearest.c). Every
 * level gives the same bits. */
typedef void (*KmsNearestFunc) (const KmsCentroidLanes * lanes, guint k,
    guint nc, const KmsPoint * p, gsize n, gsize step, guint8 * label,
    gdouble * dist);

/* Ordered dithering (kmsdither.c): the threshold tile is
 * KMS_DITHER_TILE x KMS_DITHER_TILE levels 0..255, fixed to the picture's
 * pixel positions (x and y modulo the tile) */
#define KMS_DITHER_TILE 64

typedef struct
{
  gint32 strength;              /* 0..256: 256 mixes the two colours in
                                 * the share that keeps the local mean */
  gint32 fixed[KMS_MAX_K];      /* 1: a label neither dithered away from
                                 * nor into (masked) */
  /* |c_i - c_j|^2 of the palette's colours, at dist[i * k + j] (k x k;
   * kms_dither_prepare() fills it) */
  gint32 *dist;
  gint32 margin;                /* 0..255 threshold levels: with @prev, a
                                 * pixel that showed one of its two colours
                                 * keeps it unless its threshold is this
                                 * far on the other side (0: none) */
} KmsDither;

/* Paint labels for a row: each pixel (planar channels c[0..2], in the
 * space of pal) keeps labels[x] or takes the nearest other colour of pal
 * where thr[x % KMS_DITHER_TILE] (the tile's row) is below its share of
 * the mix (see kmsdither.c), into out[]; unless @prev is NULL, it holds
 * the row's painted labels of the last frame (the margin applies to
 * them) and receives these. */
typedef void (*KmsDitherRowFunc) (const KmsAssignPalette * pal,
    const KmsDither * dither, const guint8 * const *c, const guint8 * labels,
    const guint8 * thr, gint width, guint8 * out, guint8 * prev);

/* Fill dither->dist for @pal (k x k entries) */
static inline void
kms_dither_prepare (const KmsAssignPalette * pal, KmsDither * dither)
{
  guint i, j, ch;

  for (i = 0; i < pal->k; i++)
    for (j = 0; j < pal->k; j++) {
      gint32 d = 0;

      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        const gint32 e = pal->c[ch][i] - pal->c[ch][j];

        d += e * e;
      }
      dither->dist[i * pal->k + j] = d;
    }
}

/* The 4-byte formats in posterize mode with dithering: assign_paint's
 * labels, counts, error and hysteresis, and the pixels painted with the
 * labels that @dither, the threshold row @thr and the last frame's
 * painted row @prev (NULL: none) give, as KmsDitherRowFunc does;
 * @dst may be @src */
typedef void (*KmsAssignDitherPaintRow32Func) (const KmsAssignPalette * pal,
    const KmsPaint * paint, const KmsDither * dither,
    const guint shift[KMS_MAX_CHANNELS], const guint8 * src, guint8 * dst,
    const guint8 * thr, gint width, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst, guint8 * prev);

/* Feathering (kmspass.c): a pixel's weight is the share of masked pixels
 * in the (2 r + 1)^2 box around it, 0..255, and the mask is blended over
 * the written pixel by it. */

/* a * (255 - w) + b * w, over 255, rounded: feathering's blend of a
 * byte @a towards @b by weight @w (exact at 0 and 255) */
static inline guint8
kms_feather_blend8 (guint a, guint b, guint w)
{
  const guint v = a * (255 - w) + b * w + 128;

  return (v + (v >> 8)) >> 8;
}

/* The mask as a 4-byte format's blend takes it, per byte of a pixel in
 * memory order: a pixel of weight a (1..254) moves byte j towards
 * mask[j] by (a * mul[j] + 127) / 255 (mul: 255 for alpha, the mask's
 * alpha for a colour channel of a format with alpha, else 255; 0 for a
 * byte that is neither), one of weight 255 by full[j] (255 for a channel
 * or alpha, else 0) */
typedef struct
{
  guint8 mask[4];
  guint8 mul[4];
  guint8 full[4];
} KmsFeather;

/* A mask row's box sums, in place: row[x] becomes the sum of row[clamp
 * (x + d)], d = -r..r (the edge pixels repeated outside the row), each
 * pixel 0 or 1 before; @scratch holds 2 * (width + 2 * KMS_MAX_MASK_FEATHER)
 * bytes */
typedef void (*KmsFeatherBoxFunc) (guint8 * row, gint width, gint r,
    guint8 * scratch);

/* Move a row's box sums down one row: cs[x] += add[x] - sub[x] (the box
 * sums of the mask rows entering and leaving the box, kms_feather_box's),
 * and give the least and the most of the new sums */
typedef void (*KmsFeatherSumsFunc) (guint16 * cs, const guint8 * add,
    const guint8 * sub, gint width, guint * lo, guint * hi);

/* A row's weights from its box sums (box radius r): wt[x] = (s[x] * mul +
 * 2^23) >> 24 (mul = 255 * 2^24 / (2 r + 1)^2, rounded, so that s * mul
 * + 2^23 stays below 2^32) */
typedef void (*KmsFeatherWeightsFunc) (const guint16 * s, gint width,
    guint32 mul, guint8 * wt);

/* Blend @f over a row of @width 4-byte pixels by their weights */
typedef void (*KmsFeatherBlend32Func) (guint8 * row, const guint8 * wt,
    gint width, const KmsFeather * f);

/* One 4-byte pixel of kms_feather_blend32 (the reference, and every
 * level's tail) */
static inline void
kms_feather_pixel32 (guint8 * px, guint a, const KmsFeather * f)
{
  guint j;

  for (j = 0; j < 4; j++)
    px[j] = kms_feather_blend8 (px[j], f->mask[j], a == 255 ? f->full[j] :
        (a * f->mul[j] + 127) / 255);
}

/* Fills what the assign kernels of a level read besides pal->c (once per
 * palette, before they run) */
typedef void (*KmsAssignPrepareFunc) (KmsAssignPalette * pal);

/* A format's row kernels */
typedef struct
{
  KmsUnpackRowFunc unpack;
  KmsUnpackStepFunc unpack_step;
  KmsWriteRowsFunc write;
} KmsRowKernels;

/* The kernels a stream runs, for one (format, k, CPU levels) */
typedef struct
{
  KmsCpuLevel level;            /* the level they are of */
  KmsRowKernels rows;
  KmsAssignRowFunc assign;
  KmsAssignPaintRow32Func assign_paint;       /* NULL: no 4-byte format */
  KmsAssignPrepareFunc prepare; /* NULL: nothing to prepare */
  KmsSmoothRowFunc smooth;
  KmsOklabRowFunc oklab;
  KmsNearestFunc nearest;       /* the fit's, on weighted points */
  KmsDitherRowFunc dither;
  KmsAssignDitherPaintRow32Func assign_dither_paint;    /* NULL: no 4-byte
                                                         * format */
  KmsFeatherBoxFunc feather_box;
  KmsFeatherSumsFunc feather_sums;
  KmsFeatherWeightsFunc feather_weights;
  KmsFeatherBlend32Func feather_blend32;        /* NULL: no 4-byte format */
  /* the assign kernels read the colour-cell table (pal->cells) for
   * cells_min_k <= k <= KMS_CELL_MAX_K */
  guint cells_min_k;
} KmsDsp;

/* Fill @dsp for @format and @k with the kernels of the best level in
 * @flags (levels this CPU does not run must not be in it); KMS_CPU_C is
 * always there. */
void kms_dsp_init (KmsDsp * dsp, KmsFormat format, guint k,
    KmsCpuFlags flags);

/* The CPU levels this CPU (and OS) runs, KMS_CPU_C included */
KmsCpuFlags kms_cpu_detect (void);

/* Fill cells[KMS_CELLS] for pal (k <= KMS_CELL_MAX_K) and n_channels used
 * channels: bit i of a cell is set when centroid i can be the nearest to
 * a colour of the cell, tie with the nearest, or (margin > 0) be within
 * margin levels of the nearest. Cells a pixel cannot fall in (a channel
 * not used) are left as they are. */
void kms_assign_build_cells (const KmsAssignPalette * pal, guint n_channels,
    gfloat margin, guint64 * cells);

/* The portable kernels of one level (kmsassign.c, kmsrows.c, kmssmooth.c,
 * kmsoklabrow.c, kmsnearest.c, kmsdither.c and kmsfeather.c compiled with
 * that level's flags). kms_row_kernels_*() returns NULL for an unsupported
 * format. */
#define KMS_DECLARE_PORTABLE_KERNELS(suffix)                                \
void kms_assign_row_##suffix (const KmsAssignPalette * pal,                 \
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts, \
    guint64 * sse, const KmsHysteresis * hyst);                             \
void kms_assign_paint_row32_##suffix (const KmsAssignPalette * pal,         \
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],            \
    gboolean write, const guint8 * src, guint8 * dst, gint width,           \
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);           \
guint kms_smooth_row_##suffix (const guint8 * a, const guint8 * c,          \
    const guint8 * b, guint8 * dst, guint8 * more, guint32 * xs,            \
    gint width);                                                            \
void kms_oklab_row_##suffix (const KmsOklab * lab, guint8 * const *c,       \
    guint16 * const *fine, gint width);                                     \
void kms_nearest_points_##suffix (const KmsCentroidLanes * lanes, guint k, \
    guint nc, const KmsPoint * p, gsize n, gsize step, guint8 * label,      \
    gdouble * dist);                                                        \
void kms_dither_row_##suffix (const KmsAssignPalette * pal,                 \
    const KmsDither * dither, const guint8 * const *c,                      \
    const guint8 * labels, const guint8 * thr, gint width, guint8 * out,    \
    guint8 * prev);                                                         \
void kms_assign_dither_paint_row32_##suffix (const KmsAssignPalette * pal,  \
    const KmsPaint * paint, const KmsDither * dither,                       \
    const guint shift[KMS_MAX_CHANNELS], const guint8 * src, guint8 * dst,  \
    const guint8 * thr, gint width, guint64 * counts, guint64 * sse,        \
    const KmsHysteresis * hyst, guint8 * prev);                             \
void kms_feather_box_##suffix (guint8 * row, gint width, gint r,           \
    guint8 * scratch);                                                      \
void kms_feather_sums_##suffix (guint16 * cs, const guint8 * add,           \
    const guint8 * sub, gint width, guint * lo, guint * hi);                \
void kms_feather_weights_##suffix (const guint16 * s, gint width,           \
    guint32 mul, guint8 * wt);                                              \
void kms_feather_blend32_##suffix (guint8 * row, const guint8 * wt,         \
    gint width, const KmsFeather * f);                                      \
const KmsRowKernels *kms_row_kernels_##suffix (KmsFormat format)

KMS_DECLARE_PORTABLE_KERNELS (c);
#if KMS_ARCH_X86_64
/* x86-64-v2, -v3 and -v4 (the last one for what the AVX-512 level has no
 * hand-written kernel for) */
KMS_DECLARE_PORTABLE_KERNELS (v2);
KMS_DECLARE_PORTABLE_KERNELS (v3);
KMS_DECLARE_PORTABLE_KERNELS (v4);
#elif KMS_ARCH_AARCH64
/* Advanced SIMD, vectorised by the compiler */
KMS_DECLARE_PORTABLE_KERNELS (neon);
#endif

G_END_DECLS

#endif /* __KMS_DSP_H__ */

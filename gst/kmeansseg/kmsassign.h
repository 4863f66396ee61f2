/* kmeansseg: exact nearest-colour assignment (internal to the core)
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

#ifndef __KMS_ASSIGN_H__
#define __KMS_ASSIGN_H__

#include "kmscore.h"
#include "kmspixel.h"

G_BEGIN_DECLS

/* A cell's candidates are the bits of a guint64 (KMS_CELL_MAX_K below) */
#define KMS_CELL_MAX_K_ 64

/* The integer centroids, planar; unused channels are 0 (and so are the
 * matching pixel channels), so every format runs the same 3-channel code */
typedef struct
{
  guint k;
  gint32 c[KMS_MAX_CHANNELS][KMS_MAX_K];
  /* NULL, or the candidates of each colour cell, from
   * kms_assign_build_cells() with the margin of the hysteresis applied */
  const guint64 *cells;
  /* the AVX-512 search-key terms of each centroid, from
   * kms_assign_avx512_prepare() (0 past k) */
  gint32 key[3][KMS_CELL_MAX_K_];
} KmsAssignPalette;

/* Colour cells: KMS_CELL_BITS bits per channel, index
 * (c0 >> SHIFT) << 2 BITS | (c1 >> SHIFT) << BITS | c2 >> SHIFT */
#define KMS_CELL_BITS 4
#define KMS_CELL_SHIFT (8 - KMS_CELL_BITS)
#define KMS_CELLS (1u << (3 * KMS_CELL_BITS))
#define KMS_CELL_MAX_K KMS_CELL_MAX_K_

/* Fill cells[KMS_CELLS] for pal (k <= KMS_CELL_MAX_K) and n_channels used
 * channels: bit i of a cell is set when centroid i can be the nearest to
 * a colour of the cell, tie with the nearest, or (margin > 0) be within
 * margin levels of the nearest. Cells a pixel cannot fall in (a channel
 * not used) are left as they are. */
void kms_assign_build_cells (const KmsAssignPalette * pal, guint n_channels,
    gfloat margin, guint64 * cells);

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

/* Label each pixel of a row (planar channels c[0..2]) with the index of
 * the nearest centroid, by exact integer squared distance, ties to the
 * lower index; add the pixels to counts[] and their distances to *sse
 * (unless NULL).
 * Every implementation gives the same labels. */
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

#define KMS_DECLARE_ASSIGN(suffix)                                          \
void kms_assign_row_##suffix (const KmsAssignPalette * pal,                 \
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts, \
    guint64 * sse, const KmsHysteresis * hyst);                             \
void kms_assign_paint_row32_##suffix (const KmsAssignPalette * pal,         \
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],            \
    gboolean write, const guint8 * src, guint8 * dst, gint width,           \
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst)

/* Compiled without vectorisation */
KMS_DECLARE_ASSIGN (scalar);
/* Vectorised; on x86-64 the widest level this CPU runs is picked at load */
KMS_DECLARE_ASSIGN (simd);

#ifdef KMS_HAVE_AVX512
/* Up to this k, kms_assign_paint_row32_avx512() scans every centroid and
 * does not read the cell table */
#define KMS_AVX512_ALL_K 20
/* Whether this CPU (and OS) runs kms_assign_paint_row32_avx512() */
gboolean kms_assign_avx512_supported (void);
/* Fill pal->key for pal->c (k <= KMS_CELL_MAX_K): once per palette, before
 * the functions below; AVX-512 code itself, only where they run */
void kms_assign_avx512_prepare (KmsAssignPalette * pal);
/* kms_assign_row_simd() for k <= KMS_CELL_MAX_K, in AVX-512 (as below) */
void kms_assign_row_avx512 (const KmsAssignPalette * pal,
    const guint8 * const *c, gint width, guint8 * labels, guint64 * counts,
    guint64 * sse, const KmsHysteresis * hyst);
/* kms_assign_paint_row32_simd() for k <= KMS_CELL_MAX_K, written with
 * AVX-512 F, BW, VL and VBMI; the same results */
void kms_assign_paint_row32_avx512 (const KmsAssignPalette * pal,
    const KmsPaint * paint, const guint shift[KMS_MAX_CHANNELS],
    gboolean write, const guint8 * src, guint8 * dst, gint width,
    guint64 * counts, guint64 * sse, const KmsHysteresis * hyst);
#endif

G_END_DECLS

#endif /* __KMS_ASSIGN_H__ */

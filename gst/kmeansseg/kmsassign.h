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

/* The integer centroids, planar; unused channels are 0 (and so are the
 * matching pixel channels), so every format runs the same 3-channel code */
typedef struct
{
  guint k;
  gint32 c[KMS_MAX_CHANNELS][KMS_MAX_K];
} KmsAssignPalette;

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
 * lower index; add the pixels to counts[] and their distances to *sse.
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

G_END_DECLS

#endif /* __KMS_ASSIGN_H__ */

/* kmeansseg: the fitting data of a frame (internal to the core)
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


#ifndef __KMS_SAMPLE_H__
#define __KMS_SAMPLE_H__

#include "kmsformat.h"
#include "kmspool.h"
#include "kmsutil.h"

G_BEGIN_DECLS

/* A histogram cell while it is being filled */
typedef struct
{
  guint32 id;
  guint32 n;
  guint64 s[KMS_MAX_CHANNELS];  /* wide: a cell may hold a whole 8K frame */
} KmsBin;

/* One thread's share of the histogram, and its scratch */
typedef struct
{
  guint8 *row[KMS_MAX_CHANNELS];        /* one row, unpacked */
  guint16 *fine[KMS_MAX_CHANNELS];      /* OkLab: the row's fine values */
  guint32 *ids;                 /* a sampled row's histogram cells */
  gint row_alloc;
  guint32 *hist_index;          /* histogram cell -> bin index + 1 */
  KmsBin *bins;
  gsize bins_alloc;
  guint n_bins;
} KmsSampleBand;

/* Weighted points merged into coarser colour cells, for the fits that must
 * be cheap (fresh fits, refresh seeding); zero-initialised, empty */
typedef struct
{
  KmsPoint *points;
  guint n_points;
  guint bits;                   /* per channel; 0: the points as they were */
  gsize points_alloc;
  guint32 *index;               /* cell -> point index + 1, kept all zero */
  guint32 *ids;                 /* the cell of each point made */
  gsize ids_alloc;
} KmsCoarse;

/* The fitting data of the last frame, and the scratch it was made with;
 * zero-initialised, it is empty */
typedef struct
{
  KmsPoint *points;
  guint n_points;
  gsize points_alloc;
  guint32 *keys;                /* exact colours: packed colours, sorted */
  guint32 *keys_tmp;
  gsize keys_alloc;
  guint32 *cell_counts;         /* exact colours by cell: their counts */
  gsize cell_counts_alloc;
  KmsSampleBand bands[KMS_MAX_THREADS];
  /* NULL, or the points are in OkLab (set before kms_sampler_build()):
   * each sampled row goes through to_lab with these tables, binned by its
   * bytes and added up in its fine coordinates; exact colours are
   * converted each on its own, as a point */
  const KmsOklab *lab;
  KmsOklabRowFunc to_lab;
} KmsSampler;

/* The weighted points of @in: with sample_size 0 every pixel, as its
 * distinct colours; else a colour histogram of about sample_size pixels
 * on a grid (KMS_HIST_BITS per channel), binned by @n_bands threads of
 * @pool; its exact colours when the histogram has few cells. The points do
 * not depend on the threads. */
void kms_sampler_build (KmsSampler * s, const KmsFormatInfo * info,
    const KmsRowKernels * rows, const KmsFrame * in, guint sample_size,
    KmsPool * pool, guint n_bands);
void kms_sampler_clear (KmsSampler * s);

/* At most @max points (@max >= 8) for the @n @points of @n_channels
 * channels: the points themselves when they are no more, else their merge
 * into the cells of the most bits per channel (5, 4, ... 1) that have no
 * more than @max occupied, each cell the weighted mean of its points, in
 * the order the cells first turn up. The result is @points or c->points,
 * c->n_points of them. */
const KmsPoint *kms_coarse_build (KmsCoarse * c, const KmsPoint * points,
    guint n, guint n_channels, guint max);
void kms_coarse_clear (KmsCoarse * c);

/* The grid that samples about sample_size pixels of @in (0: every one):
 * returns its step, and its first column and row in *x0, *y0 */
guint kms_sample_grid (const KmsFrame * in, guint sample_size, gint * x0,
    gint * y0);

G_END_DECLS

#endif /* __KMS_SAMPLE_H__ */

/* kmeansseg: the pixel pass over a frame (internal to the core)
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


#ifndef __KMS_PASS_H__
#define __KMS_PASS_H__

#include "kmscore.h"
#include "kmsformat.h"
#include "kmspool.h"
#include "kmsutil.h"

G_BEGIN_DECLS

/* A pixel whose input moved at most this many levels on every channel
 * since the last frame counts as still */
#define KMS_STILL_LEVELS 3

/* Dithering with hysteresis: a pixel keeps the colour it showed on the
 * last frame unless its threshold is this many levels (of 256) past its
 * share of the mix */
#define KMS_DITHER_MARGIN 48

/* One thread's share of the pixel pass, and its scratch */
typedef struct
{
  guint8 *row[KMS_MAX_CHANNELS];        /* one row, unpacked */
  guint8 *labels[2];            /* a group of rows' labels (4:2:0: two) */
  guint16 *colsum;              /* feathering: masked pixels in the box
                                 * around each pixel of the row */
  guint8 *box;                  /* feathering: a mask row, padded, and its
                                 * box sums */
  guint colsum_lo, colsum_hi;   /* feathering: the least and most of colsum */
  guint8 *weight[3];            /* feathering: a group of rows' weights,
                                 * then a chroma row's */
  guint8 *old;                  /* still pixels: a row's last labels */
  guint8 *more;                 /* smoothing: the lead of each pixel of a
                                 * row relabelled */
  guint32 *xs;                  /* smoothing: their positions */
  guint8 *paint[2];             /* dithering: a group of rows' painted
                                 * labels */
  gint row_alloc;
  guint64 counts[KMS_MAX_K];
  guint64 sse;
} KmsPassBand;

/* What every band of a frame's pixel pass reads */
typedef struct
{
  const KmsFormatInfo *info;
  const KmsDsp *dsp;
  const KmsFrame *in;
  KmsFrame *out;
  KmsAssignPalette apal;
  const KmsOklab *lab;          /* NULL, or assign in OkLab: rows go through
                                 * dsp->oklab after unpack */
  KmsPaint paint;
  gboolean masked[KMS_MAX_K];   /* the clusters masked this frame */
  gboolean write;
  guint shift[KMS_MAX_CHANNELS];
  gboolean labels_out;          /* write the labels to a GRAY8 frame */
  KmsFrame *labels;             /* and/or to this GRAY8 frame, or NULL */
  guint8 *prev;                 /* hysteresis: the frame's labels, or NULL */
  gboolean prev_apply;
  gdouble margin;
  /* 4-byte pixels read, assigned and painted in one pass (assign_paint);
   * still pixels there: 1 for a pixel's byte that is no channel */
  gboolean fused;
  guint8 not_channel[4];
  /* with a label map: 4-byte pixels labelled by the fused kernel */
  gboolean map_fused;
  /* feathering alone: that kernel paints them too, the mask map's rows
   * are made as they are labelled, and the feathering only blends */
  gboolean feather_fused;
  /* Still pixels: whether they are looked for (the last frame's input
   * kept), whether they can be this frame, their margin, and the last
   * frame's input (three planes of width bytes a row; in the fused pass,
   * the row's 4-byte pixels as they came in) */
  gboolean still;
  gboolean still_apply;
  gdouble still_margin;
  guint8 *prev_in;
  /* with smoothing: 1 for a pixel still and kept, and the labels shown on
   * the last frame */
  guint8 *still_map;
  guint8 *prev_final;
  gboolean prev_final_apply;
  gboolean measure;             /* add up the error */
  /* Dithering: whether, how, and the threshold tile */
  gboolean dither;
  KmsDither dith;
  const guint8 *tile;
  guint8 *prev_paint;           /* with hysteresis: the painted labels of
                                 * the last frame, receiving this one's */
  /* Spatial smoothing and feathering read neighbours' labels, so the
   * labels go through whole-frame maps (width each row): assigned into
   * map, then each smoothing pass from src to dst */
  gboolean use_map;             /* FALSE: labels stay in the band */
  guint smooth;                 /* passes */
  /* the first pass smoothed a row group behind the assignment, while
   * its pixels are in cache (see process_band); when it is the only step
   * on the map, its rows are written there too */
  gboolean smooth_first;
  gboolean smooth_fused;
  guint smooth_lambda;          /* what a neighbour is worth (see
                                 * smooth_band) */
  guint8 *map;                  /* the labels as assigned */
  const guint8 *src;
  guint8 *dst;
  const guint8 *final;          /* the labels after the last pass */
  /* Feathering: the radius (0: hard edges; the masked labels are then
   * painted as not masked, and the mask blended over them by weight),
   * 1 for each masked label, and the weight's fixed-point scale */
  guint feather;
  guint8 mask_lut[KMS_MAX_K];
  /* a box sum's weight is (sum * feather_mul + 2^23) >> 24 */
  guint32 feather_mul;
  KmsFeather feather_px;        /* the mask as 4-byte pixels blend it */
  /* the labels whose pixels make the mask map 1 (or, when fewer, those
   * that make it 0: invert) */
  guint8 mask_list[8];
  guint n_mask_list;            /* 0: the lut */
  gboolean mask_list_invert;
  guint8 *mask;                 /* the mask map: 1 masked, 0 not */
  guint n_bands;
  KmsPassBand *bands;
} KmsPassFrame;

/* The pixel pass of a stream: its bands, and what it keeps from frame to
 * frame (the labels hysteresis compares with); zero-initialised, empty */
typedef struct
{
  KmsPassFrame frame;
  KmsPassBand bands[KMS_MAX_THREADS];
  /* Label hysteresis: the last frame's labels, when they can be trusted */
  guint8 *prev_labels;
  gsize prev_alloc;
  gboolean prev_valid;
  gsize prev_size;
  gint prev_width;
  guint8 *prev_in;
  gsize prev_in_alloc;
  gboolean prev_in_valid;
  gboolean prev_in_packed;      /* kept as 4-byte pixels (fused kernel) */
  gsize prev_in_size;
  gint prev_in_width;
  guint8 *prev_final;
  gsize prev_final_alloc;
  gboolean prev_final_valid;
  gsize prev_final_size;
  guint64 *cells;               /* the candidates per colour cell */
  /* Spatial smoothing: whole-frame label maps */
  guint8 *maps[5];              /* labels x 3, the mask map, still */
  gsize maps_alloc;
  /* Dithering's threshold tiles (made on first use), by KmsDitherMode */
  guint8 tiles[3][KMS_DITHER_TILE * KMS_DITHER_TILE];
  gboolean tile_made[3];
  gint32 *dither_dist;          /* KmsDither.dist (256 KiB, on first use) */
  guint8 *prev_paint;
  gsize prev_paint_alloc;
  gboolean prev_paint_valid;
  gsize prev_paint_size;
  KmsDitherMode prev_paint_mode;
} KmsPass;

/* Assign every pixel of @in to the nearest of the @k colours @assign (in
 * the format's channel order; with @lab, in OkLab bytes, the pixels
 * converted with its tables), paint each with its label's colour in
 * @colors (or, dithered, with the nearest other's where the threshold
 * says) (the format's channel order) and write @out as params->mode
 * says (a GRAY8 @out of another format: the label map), and the labels
 * into @labels too unless it is NULL, in bands of rows
 * over the threads of @pool, with the kernels of @dsp. @renumbered: the
 * clusters were numbered afresh, so the last frame's labels mean nothing
 * to hysteresis. Adds each cluster's pixels to counts[0..k-1] and
 * returns the summed squared error (0 unless params->measure_error). */
guint64 kms_pass_run (KmsPass * pass, const KmsDsp * dsp,
    const KmsParams * params, const KmsFrame * in, KmsFrame * out,
    KmsFrame * labels, const guint8 colors[][KMS_MAX_CHANNELS],
    const guint8 assign[][KMS_MAX_CHANNELS], const KmsOklab * lab, guint k,
    gboolean renumbered, KmsPool * pool, guint64 * counts);

void kms_pass_clear (KmsPass * pass);

G_END_DECLS

#endif /* __KMS_PASS_H__ */

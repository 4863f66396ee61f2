/* kmeansseg: K-means colour segmentation of video frames
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

/* The K-means core: plain C (GLib types only, no GStreamer header), so it
 * can be unit-tested, benchmarked and fuzzed on its own.
 *
 * A KmsContext lives as long as the stream: it keeps the centroids (the
 * warm start), the random state and scratch buffers that only grow. */

#ifndef __KMS_CORE_H__
#define __KMS_CORE_H__

#include <glib.h>

G_BEGIN_DECLS

#define KMS_MAX_K 256
#define KMS_MAX_CHANNELS 3
#define KMS_MAX_PLANES 4
/* Fitting bins each channel to this many bits (see kms_context_process) */
#define KMS_HIST_BITS 6

typedef enum
{
  KMS_FORMAT_UNKNOWN = 0,
  KMS_FORMAT_RGB,
  KMS_FORMAT_BGR,
  KMS_FORMAT_RGBx,
  KMS_FORMAT_BGRx,
  KMS_FORMAT_xRGB,
  KMS_FORMAT_xBGR,
  KMS_FORMAT_RGBA,
  KMS_FORMAT_BGRA,
  KMS_FORMAT_ARGB,
  KMS_FORMAT_ABGR,
  KMS_FORMAT_I420,
  KMS_FORMAT_YV12,
  KMS_FORMAT_NV12,
  KMS_FORMAT_NV21,
  KMS_FORMAT_Y444,
  KMS_FORMAT_Y42B,
  KMS_FORMAT_YUY2,
  KMS_FORMAT_UYVY,
  KMS_FORMAT_GRAY8,
  KMS_FORMAT_LAST
} KmsFormat;

typedef enum
{
  KMS_INIT_KMEANS_PP = 0,
  KMS_INIT_RANDOM
} KmsInit;

typedef enum
{
  KMS_MODE_POSTERIZE = 0,
  KMS_MODE_ORIGINAL,
  KMS_MODE_LABELS               /* each pixel's value is its cluster index */
} KmsMode;

/* Which implementation assigns pixels to centroids; every one gives the
 * same labels (distances are exact integers). AUTO picks the widest this
 * CPU runs. */
typedef enum
{
  KMS_ISA_AUTO = 0,
  KMS_ISA_SCALAR,
  KMS_ISA_LAST
} KmsIsa;

/* The Y'CbCr matrix of a YUV stream (what mask and palette colours are
 * converted with) */
typedef enum
{
  KMS_MATRIX_BT601 = 0,
  KMS_MATRIX_BT709,
  KMS_MATRIX_BT2020
} KmsMatrix;

/* One frame as the core sees it: plane pointers and strides in bytes;
 * YUV formats also say their matrix and range (zeroed: BT.601, limited). */
typedef struct
{
  KmsFormat format;
  gint width;
  gint height;
  guint8 *data[KMS_MAX_PLANES];
  gint stride[KMS_MAX_PLANES];
  KmsMatrix matrix;
  gboolean full_range;
} KmsFrame;

/* Per-frame settings, copied by the caller (the element copies them from
 * its properties under the object lock). */
typedef struct
{
  guint k;                      /* 1..KMS_MAX_K */
  guint max_iters;              /* 0: keep the centroids, only assign */
  gdouble tolerance;            /* stop when no centroid moves more */
  gint mask_cluster;            /* -1 none; >= k masks nothing */
  guint32 mask_color;           /* 0xAARRGGBB */
  KmsMode mode;
  gboolean warm_start;
  KmsInit init;
  guint32 seed;
  guint sample_size;            /* pixels used to fit; 0 = every pixel */
  guint n_threads;              /* threads for the pixel pass; 0 = one per
                                 * core */
  /* Warm start over time */
  gdouble scene_cut;            /* re-initialise when the previous centroids'
                                 * error on a frame exceeds this multiple of
                                 * its running level; 0 never */
  guint refresh_interval;       /* try a fresh fit every this many frames and
                                 * adopt it when clearly better; 0 never */
  gdouble temporal_smoothing;   /* 0..1: share of the previous frame's
                                 * centroids kept in each centroid */
  gdouble hysteresis;           /* a pixel keeps its previous cluster unless
                                 * another is nearer by more than this many
                                 * levels; 0 off */
  gboolean measure_error;       /* compute KmsStats.mse (costs a little in
                                 * the pixel pass); default TRUE */
} KmsParams;

/* What a frame did; filled by kms_context_process(). */
typedef struct
{
  guint k;
  guint iterations;             /* Lloyd iterations run on this frame */
  gboolean reinitialized;       /* clusters re-initialised on this frame: a
                                 * fresh start, a scene cut or an adopted
                                 * refresh */
  gboolean scene_cut;           /* a scene cut was detected */
  gdouble mse;                  /* per-channel MSE of the written colours
                                 * against the input (posterize mode); -1
                                 * when not measure_error */
  guint fit_points;             /* weighted points the fit ran on */
} KmsStats;

/* Defaults of the temporal settings, chosen from the quality tool's
 * numbers (docs/kmeansseg.md) */
#define KMS_DEFAULT_SCENE_CUT 3.0
#define KMS_DEFAULT_REFRESH_INTERVAL 30
#define KMS_DEFAULT_TEMPORAL_SMOOTHING 0.0
#define KMS_DEFAULT_HYSTERESIS 1.0

typedef struct _KmsContext KmsContext;

void kms_params_init_defaults (KmsParams * params);

KmsContext *kms_context_new (void);
void kms_context_free (KmsContext * ctx);

/* Forget the warm start: the next frame starts afresh. */
void kms_context_reset (KmsContext * ctx);

/* Force one assignment implementation (tests); returns FALSE when this
 * CPU can't run it. */
gboolean kms_context_set_isa (KmsContext * ctx, KmsIsa isa);

/* Fit on @in, write @out (which may be @in: in place). @in and @out have
 * the same size and format, except in KMS_MODE_LABELS, where @out may be
 * GRAY8 (the label map). Returns FALSE (and sets nothing) on an
 * unsupported format or bad size. */
gboolean kms_context_process (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsStats * stats);

/* The current centroids, in the format's channel order (R, G, B for RGB
 * formats), rounded as painted; returns how many (0 before any frame). */
guint kms_context_get_centroids (KmsContext * ctx,
    guint8 centroids[][KMS_MAX_CHANNELS], guint max);

/* Exact centroids (as fitted, not rounded); for tests. */
guint kms_context_get_centroids_exact (KmsContext * ctx,
    gdouble centroids[][KMS_MAX_CHANNELS], guint max);

/* Seed the centroids with @n colours (0xAARRGGBB, alpha ignored),
 * converted to the colour space of @format (its format, matrix and range;
 * no pixel data needed): the next frame starts from them, in this order,
 * and with max_iters 0 keeps them. */
gboolean kms_context_set_palette (KmsContext * ctx, const KmsFrame * format,
    const guint32 * argb, guint n);

/* The current centroids as painted, as 0xffRRGGBB (converted from the
 * colour space of @format); returns how many. */
guint kms_context_get_palette (KmsContext * ctx, const KmsFrame * format,
    guint32 * argb, guint max);

/* Pixels per cluster in the last written frame. */
guint kms_context_get_counts (KmsContext * ctx, guint64 * counts, guint max);

/* Format helpers */
gboolean kms_format_is_supported (KmsFormat format);
/* 3, or 1 for grey (0: unsupported) */
guint kms_format_get_n_channels (KmsFormat format);
const gchar *kms_format_to_string (KmsFormat format);

G_END_DECLS

#endif /* __KMS_CORE_H__ */

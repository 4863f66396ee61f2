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

#include "kmstypes.h"

G_BEGIN_DECLS

/* Fitting bins each channel to this many bits (see kmssample.c) */
#define KMS_HIST_BITS 6

/* A fresh fit (first frame, scene cut) seeds and fits on at most this
 * many weighted colour cells (the points merged into coarser cells when
 * they are more), spending at most KMS_FRESH_PASSES x cells x k distance
 * evaluations there (its restarts only while they fit), before the
 * ordinary Lloyd on the frame's points (see kmsfit.c) */
#define KMS_FRESH_CELLS 4096
#define KMS_FRESH_PASSES 100
/* A refresh candidate spends about KMS_REFRESH_PASSES x points x k
 * distance evaluations a frame (Lloyd iterations on the frame's points),
 * for at most KMS_REFRESH_FRAMES frames */
#define KMS_REFRESH_PASSES 2
#define KMS_REFRESH_FRAMES 10

/* Passes of the spatial smoothing, at most */
#define KMS_MAX_SPATIAL_SMOOTHING 8
/* Radius of the mask's feathering, at most */
#define KMS_MAX_MASK_FEATHER 64

typedef enum
{
  KMS_INIT_KMEANS_PP = 0,
  KMS_INIT_RANDOM
} KmsInit;

/* The coordinates pixels are clustered in */
typedef enum
{
  KMS_CLUSTER_NATIVE = 0,       /* the stream's own channels (RGB or Y'CbCr) */
  KMS_CLUSTER_OKLAB             /* OkLab, as bytes (see KmsOklab) */
} KmsClusterSpace;

/* Ordered dithering of the posterized picture */
typedef enum
{
  KMS_DITHER_NONE = 0,
  KMS_DITHER_BAYER,             /* the 16x16 Bayer matrix */
  KMS_DITHER_BLUE_NOISE         /* a 64x64 void-and-cluster tile */
} KmsDitherMode;

/* Per-frame settings, copied by the caller (the element copies them from
 * its properties under the object lock). */
typedef struct
{
  guint k;                      /* 1..KMS_MAX_K */
  guint max_iters;              /* 0: keep the centroids, only assign */
  gdouble tolerance;            /* stop when no centroid moves more */
  gint mask_cluster;            /* -1 none; >= k masks nothing */
  /* more clusters to mask: cluster c is bit c % 8 of byte c / 8 (those
   * >= k mask nothing) */
  guint8 mask_clusters[KMS_MAX_K / 8];
  gint32 mask_key;              /* -1 none; else 0xRRGGBB: also mask the
                                 * mask_key_count clusters whose centroids
                                 * are nearest to it (in the stream's
                                 * colour space), ties to the lower number */
  guint mask_key_count;         /* 1..KMS_MAX_K */
  gboolean mask_invert;         /* mask every cluster but those chosen */
  guint32 mask_color;           /* 0xAARRGGBB */
  guint mask_feather;           /* 0: hard mask edges; else the radius of
                                 * the box over which the mask's weight
                                 * ramps across its edge (pixels, at most
                                 * KMS_MAX_MASK_FEATHER) */
  KmsMode mode;
  gboolean warm_start;
  KmsInit init;
  guint32 seed;
  guint sample_size;            /* pixels used to fit; 0 = every pixel */
  guint n_threads;              /* threads for the pixel pass; 0 = one
                                 * per 128 Ki pixels, at most one per
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
  guint spatial_smoothing;      /* passes of a 3x3 majority filter over the
                                 * labels before they are painted, masked or
                                 * output; 0 off (at most
                                 * KMS_MAX_SPATIAL_SMOOTHING) */
  guint spatial_smoothing_strength;     /* 0..255 levels: a pixel the
                                 * majority would relabel keeps its label
                                 * unless its colour is at most this many
                                 * levels (per channel, per neighbour the
                                 * majority has more) farther from the
                                 * majority's colour than from its own;
                                 * 255: the plain majority */
  gdouble still_hysteresis;     /* 0 off; else a still pixel (its input
                                 * within 3 levels of the last frame's on
                                 * every channel) keeps its cluster unless
                                 * another is nearer by more than this many
                                 * levels (at least hysteresis; needs
                                 * hysteresis > 0) */
  gboolean measure_error;       /* compute KmsResult.mse (costs a little in
                                 * the pixel pass); default TRUE */
  KmsClusterSpace color_space;  /* where the fit and the assignment run:
                                 * in OkLab the centroids, tolerance,
                                 * hysteresis, mask_key's choice and mse are
                                 * in OkLab bytes (1/255 of a unit); the
                                 * colours painted, centroids[] and
                                 * palette[] stay the stream's */
  KmsDitherMode dither;         /* posterize mode: paint a pixel with the
                                 * nearest other centroid where the tile's
                                 * threshold at its position is below its
                                 * share of the two-colour mix nearest its
                                 * colour (in the clustering space); the
                                 * labels, counts and mse stay those of
                                 * the nearest centroids */
  gdouble dither_strength;      /* 0..1: the share of that mix painted
                                 * (1: the mean of a flat region is kept;
                                 * 0: no dithering) */
} KmsParams;

/* What a frame did, and what the element posts of it; filled by
 * kms_context_process(). */
typedef struct
{
  guint k;
  guint iterations;             /* Lloyd iterations run on this frame */
  gboolean reinitialized;       /* clusters re-initialised on this frame: a
                                 * fresh start, a scene cut or an adopted
                                 * refresh */
  gboolean scene_cut;           /* a scene cut was detected */
  gdouble mse;                  /* per-channel MSE of the labels' colours
                                 * against the input (posterize mode: the
                                 * written colours, unless dithered; the
                                 * labels after spatial smoothing); -1
                                 * when not measure_error */
  guint fit_points;             /* weighted points the fit ran on */
  guint64 fit_evals;            /* distances of a point to a centroid the
                                 * fit worked out on this frame */
  KmsCpuLevel cpu_level;        /* the level of the kernels that ran */
  /* per cluster (k of each): the centroid as painted, in the format's
   * channel order (R, G, B for RGB formats; unused channels 0), the same
   * as 0xffRRGGBB, and the pixels of the written frame it holds */
  guint8 centroids[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint32 palette[KMS_MAX_K];
  guint64 counts[KMS_MAX_K];
  /* the clusters masked on this frame (bit c % 8 of byte c / 8): chosen by
   * number, by key, inverted; none in labels mode */
  guint8 masked[KMS_MAX_K / 8];
} KmsResult;

typedef struct _KmsContext KmsContext;

/* The defaults of every setting: the one place they are written (the
 * element's properties take theirs from here). The temporal ones come
 * from the quality tool's numbers (docs/kmeansseg.md). */
void kms_params_init_defaults (KmsParams * params);

KmsContext *kms_context_new (void);
void kms_context_free (KmsContext * ctx);

/* Forget the warm start: the next frame starts afresh. */
void kms_context_reset (KmsContext * ctx);

/* The CPU levels whose kernels the context may use (a new context: all);
 * it uses the best one this CPU runs, and KMS_CPU_C always. Returns that
 * level. */
KmsCpuLevel kms_context_set_cpu_flags (KmsContext * ctx, KmsCpuFlags flags);

/* Fit on @in, write @out (which may be @in: in place). @in and @out have
 * the same size and format, except in KMS_MODE_LABELS, where @out may be
 * GRAY8 (the label map). Returns FALSE (and sets nothing) on an
 * unsupported format or bad size. */
gboolean kms_context_process (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsResult * result);

/* The same, and when @labels is not NULL also each pixel's cluster number
 * into @labels, a GRAY8 frame of the same size in memory of its own (the
 * label map of labels mode, whatever the mode): for metadata that travels
 * beside the picture. */
gboolean kms_context_process_full (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsFrame * labels,
    KmsResult * result);

/* The current centroids, in the format's channel order (R, G, B for RGB
 * formats), rounded as painted; returns how many (0 before any frame). */
guint kms_context_get_centroids (KmsContext * ctx,
    guint8 centroids[][KMS_MAX_CHANNELS], guint max);

/* Exact centroids (as fitted, not rounded; in OkLab bytes when the last
 * frame was clustered in OkLab); for tests. */
guint kms_context_get_centroids_exact (KmsContext * ctx,
    gdouble centroids[][KMS_MAX_CHANNELS], guint max);

/* Seed the centroids with @n colours (0xAARRGGBB, alpha ignored),
 * converted to colour space @cs: the next frame starts from them, in this
 * order, and with max_iters 0 keeps them. */
gboolean kms_context_set_palette (KmsContext * ctx, const KmsColorSpace * cs,
    const guint32 * argb, guint n);

/* The current centroids as painted, as 0xffRRGGBB (converted from colour
 * space @cs); returns how many. */
guint kms_context_get_palette (KmsContext * ctx, const KmsColorSpace * cs,
    guint32 * argb, guint max);

/* Pixels per cluster in the last written frame. */
guint kms_context_get_counts (KmsContext * ctx, guint64 * counts, guint max);

/* Format helpers */
gboolean kms_format_is_supported (KmsFormat format);
/* 3, or 1 for grey (0: unsupported) */
guint kms_format_get_n_channels (KmsFormat format);
const gchar *kms_format_to_string (KmsFormat format);

/* CPU levels (kmscpu.c) */
/* The levels this CPU runs, KMS_CPU_C included */
KmsCpuFlags kms_cpu_get_flags (void);
/* The best level of @flags (KMS_CPU_C when none) */
KmsCpuLevel kms_cpu_flags_best (KmsCpuFlags flags);
/* "c", "v2", "v3", "avx512", "neon" */
const gchar *kms_cpu_level_to_string (KmsCpuLevel level);
/* A level's name (as above, or "avx2" for v3; case ignored) to the flags
 * of that level and of every level below it on its architecture, which is
 * what forcing a level allows (KMEANSSEG_CPU, kmsbench --cpu); FALSE for
 * an unknown name. */
gboolean kms_cpu_flags_from_string (const gchar * name, KmsCpuFlags * flags,
    KmsCpuLevel * level);

G_END_DECLS

#endif /* __KMS_CORE_H__ */

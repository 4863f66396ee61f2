/* GStreamer kmeansseg: K-means colour segmentation of video
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

/**
 * SECTION:element-kmeansseg
 * @title: kmeansseg
 *
 * Segments every frame by colour with K-means: each pixel is a point in
 * the frame's colour space, grouped into #GstKMeansSeg:k clusters. In
 * `posterize` mode every pixel takes its cluster's colour; in `original`
 * mode pixels keep their colour and only the pixels of
 * #GstKMeansSeg:mask-cluster are painted #GstKMeansSeg:mask-color.
 *
 * The centroids are warm-started from the previous frame, so a frame
 * usually needs one or two Lloyd iterations and a cluster keeps its number
 * from frame to frame. On a fresh start (the first frame, after a flush or
 * a caps change, and every frame with #GstKMeansSeg:warm-start=false) the
 * clusters are numbered by luma, darkest = 0.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc pattern=ball ! videoconvert ! kmeansseg k=3 ! videoconvert ! autovideosink
 * ]| Posterizes the test pattern to three colours.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! kmeansseg k=4 mode=original mask-cluster=0 ! videoconvert ! autovideosink
 * ]| Paints the darkest colour group of a webcam black.
 * |[
 * gst-launch-1.0 videotestsrc pattern=smpte ! videoconvert ! kmeansseg k=4 dither=blue-noise ! videoconvert ! autovideosink
 * ]| Four colours, dithered with blue noise so gradients keep their shading.
 *
 * ## CPU levels
 * The per-pixel kernels are chosen once per stream for the best CPU level
 * this machine runs: `c` (the portable reference), `v2` (x86-64-v2), `v3`
 * (x86-64-v3: AVX2, FMA, BMI2), `avx512` (x86-64-v4 with VNNI and VBMI)
 * or `neon` (aarch64). Every level writes the same bytes. The environment
 * variable `KMEANSSEG_CPU` caps the level (`c`, `v2`, `v3` or `avx2`,
 * `avx512`, `neon`): the element then uses that level, or the best one
 * below it that the CPU runs. An unknown or unsupported value is reported
 * as a warning message.
 *
 * ## Analytics metadata
 * Built against GStreamer 1.26 or newer, the element has the
 * #GstKMeansSeg:analytics-meta property: each output buffer then carries a
 * #GstAnalyticsRelationMeta with a semantic #GstAnalyticsSegmentationMtd
 * whose mask is the frame's label map (GRAY8, region id = cluster number)
 * and a #GstAnalyticsClsMtd naming the regions `cluster-0`, `cluster-1`,
 * ..., related to it, whatever the mode.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstkmeansseg.h"
#include "kmscore.h"

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

GST_DEBUG_CATEGORY_STATIC (gst_kmeans_seg_debug);
#define GST_CAT_DEFAULT gst_kmeans_seg_debug

/* The core's defaults (kms_params_init_defaults()) are the properties'
 * defaults; this one is the element's own */
#define DEFAULT_PROP_POST_MESSAGES FALSE

/* The element's enums are the core's */
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_MODE_POSTERIZE ==
    (gint) KMS_MODE_POSTERIZE);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_MODE_ORIGINAL ==
    (gint) KMS_MODE_ORIGINAL);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_MODE_LABELS == (gint) KMS_MODE_LABELS);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_INIT_KMEANS_PP ==
    (gint) KMS_INIT_KMEANS_PP);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_INIT_RANDOM == (gint) KMS_INIT_RANDOM);

enum
{
  PROP_0,
  PROP_K,
  PROP_MAX_ITERS,
  PROP_TOLERANCE,
  PROP_MASK_CLUSTER,
  PROP_MASK_COLOR,
  PROP_MODE,
  PROP_WARM_START,
  PROP_INIT,
  PROP_SEED,
  PROP_SAMPLE_SIZE,
  PROP_N_THREADS,
  PROP_SCENE_CUT,
  PROP_REFRESH_INTERVAL,
  PROP_TEMPORAL_SMOOTHING,
  PROP_POST_MESSAGES,
  PROP_PALETTE,
  PROP_HYSTERESIS,
  PROP_STILL_HYSTERESIS,
  PROP_SPATIAL_SMOOTHING,
  PROP_SPATIAL_SMOOTHING_STRENGTH,
  PROP_CURRENT_PALETTE,
  PROP_MASK_CLUSTERS,
  PROP_MASK_KEY,
  PROP_MASK_KEY_COUNT,
  PROP_MASK_INVERT,
  PROP_COLOR_SPACE,
  PROP_MASK_FEATHER,
  PROP_DITHER,
  PROP_DITHER_STRENGTH,
#ifdef HAVE_GST_ANALYTICS
  PROP_ANALYTICS_META,
#endif
};

#define KMEANS_SEG_CAPS \
  GST_VIDEO_CAPS_MAKE ("{ RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, " \
      "RGB, BGR, I420, YV12, NV12, NV21, Y444, Y42B, YUY2, UYVY, GRAY8 }")

struct _GstKMeansSeg
{
  GstVideoFilter parent;

  /* properties, under the object lock: the core's settings (copied
   * whole for each frame), and the element's own */
  KmsParams params;
  gboolean post_messages;
  gboolean warned_mask;         /* mask-cluster >= k was reported */
  /* mask-clusters as written (its bits are in params) */
  gint mask_clusters[KMS_MAX_K];
  guint mask_clusters_n;
  /* the palette the user wrote (seeds every fresh start until cleared),
   * and whether it waits for the next frame */
  guint32 user_palette[KMS_MAX_K];
  guint user_palette_n;
  gboolean palette_pending;
  /* the centroids of the last frame, for reading "current-palette" */
  guint32 palette[KMS_MAX_K];
  guint palette_n;
  /* when the negotiated output is the GRAY8 label map of another format,
   * the input caps it was negotiated for (else NULL): frames are written
   * as labels until caps change */
  GstCaps *labels_in_caps;
  gboolean warned_labels_out;   /* ... while mode is not labels */
#ifdef HAVE_GST_ANALYTICS
  gboolean analytics_meta;
#endif

  /* streaming thread only (and start/stop) */
  KmsContext *ctx;
  KmsColorSpace cs;
  gint reset_pending;           /* atomic: forget the warm start */
#ifdef HAVE_GST_ANALYTICS
  /* the label maps of the segmentation metadata, and their classes */
  GstBufferPool *mask_pool;
  GstVideoInfo mask_info;
  GQuark cluster_quarks[KMS_MAX_K];
#endif
};

#define gst_kmeans_seg_parent_class parent_class
G_DEFINE_TYPE (GstKMeansSeg, gst_kmeans_seg, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (kmeansseg, "kmeansseg", GST_RANK_NONE,
    GST_TYPE_KMEANS_SEG);

static void gst_kmeans_seg_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_kmeans_seg_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_kmeans_seg_finalize (GObject * object);
static gboolean gst_kmeans_seg_start (GstBaseTransform * trans);
static gboolean gst_kmeans_seg_stop (GstBaseTransform * trans);
static gboolean gst_kmeans_seg_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_kmeans_seg_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_kmeans_seg_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstFlowReturn gst_kmeans_seg_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_kmeans_seg_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);
static GstCaps *gst_kmeans_seg_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static void gst_kmeans_seg_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);

#define GST_TYPE_KMEANS_SEG_MODE (gst_kmeans_seg_mode_get_type ())
static GType
gst_kmeans_seg_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_KMEANS_SEG_MODE_POSTERIZE,
        "Every pixel takes its cluster's colour", "posterize"},
    {GST_KMEANS_SEG_MODE_ORIGINAL,
        "Pixels keep their colour; only the mask applies", "original"},
    {GST_KMEANS_SEG_MODE_LABELS,
          "Each pixel's value is its cluster index (GRAY8 output possible)",
        "labels"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstKMeansSegMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_KMEANS_SEG_INIT (gst_kmeans_seg_init_get_type ())
static GType
gst_kmeans_seg_init_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_KMEANS_SEG_INIT_KMEANS_PP, "k-means++ seeding", "kmeans-pp"},
    {GST_KMEANS_SEG_INIT_RANDOM, "k distinct random pixels", "random"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstKMeansSegInit", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_KMEANS_SEG_COLOR_SPACE (gst_kmeans_seg_color_space_get_type ())
static GType
gst_kmeans_seg_color_space_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_KMEANS_SEG_COLOR_SPACE_NATIVE,
        "The stream's own channels (R, G, B or Y, U, V)", "native"},
    {GST_KMEANS_SEG_COLOR_SPACE_OKLAB,
        "OkLab: distances as the eye sees them", "oklab"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstKMeansSegColorSpace", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_KMEANS_SEG_DITHER (gst_kmeans_seg_dither_get_type ())
static GType
gst_kmeans_seg_dither_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_KMEANS_SEG_DITHER_NONE, "Each pixel its cluster's colour", "none"},
    {GST_KMEANS_SEG_DITHER_BAYER,
          "Ordered dithering with the 16x16 Bayer matrix (a regular cross-hatch)",
        "bayer"},
    {GST_KMEANS_SEG_DITHER_BLUE_NOISE,
        "Ordered dithering with a 64x64 blue-noise tile (an even, "
          "patternless grain)", "blue-noise"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstKMeansSegDither", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_DITHER_NONE == (gint) KMS_DITHER_NONE);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_DITHER_BAYER == (gint) KMS_DITHER_BAYER);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_DITHER_BLUE_NOISE ==
    (gint) KMS_DITHER_BLUE_NOISE);

G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_COLOR_SPACE_NATIVE ==
    (gint) KMS_CLUSTER_NATIVE);
G_STATIC_ASSERT ((gint) GST_KMEANS_SEG_COLOR_SPACE_OKLAB ==
    (gint) KMS_CLUSTER_OKLAB);

static void
gst_kmeans_seg_class_init (GstKMeansSegClass * klass)
{
  GObjectClass *gobject_class = (GObjectClass *) klass;
  GstElementClass *element_class = (GstElementClass *) klass;
  GstBaseTransformClass *trans_class = (GstBaseTransformClass *) klass;
  GstVideoFilterClass *vfilter_class = (GstVideoFilterClass *) klass;
  GstCaps *caps;
  KmsParams def;

  GST_DEBUG_CATEGORY_INIT (gst_kmeans_seg_debug, "kmeansseg", 0,
      "K-means colour segmentation");

  gobject_class->set_property = gst_kmeans_seg_set_property;
  gobject_class->get_property = gst_kmeans_seg_get_property;
  gobject_class->finalize = gst_kmeans_seg_finalize;

  kms_params_init_defaults (&def);

  /**
   * GstKMeansSeg:k:
   *
   * The number of clusters (colours). Changing it on a running stream
   * keeps the numbers of the first clusters.
   */
  g_object_class_install_property (gobject_class, PROP_K,
      g_param_spec_uint ("k", "K",
          "Number of clusters (colours)", 1, KMS_MAX_K, def.k,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:max-iters:
   *
   * Lloyd iterations per frame at most. 0 keeps the centroids and only
   * assigns the pixels (on a fresh start: the seeds).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_ITERS,
      g_param_spec_uint ("max-iters", "Maximum iterations",
          "Lloyd iterations per frame at most (0 = keep the centroids, "
          "only assign)", 0, 1000, def.max_iters,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:tolerance:
   *
   * Iterations stop when no centroid moves more than this many colour
   * levels (Euclidean); 0 iterates until no centroid moves at all.
   */
  g_object_class_install_property (gobject_class, PROP_TOLERANCE,
      g_param_spec_double ("tolerance", "Tolerance",
          "Stop iterating when no centroid moves more than this "
          "(colour levels)", 0, 255, def.tolerance,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-cluster:
   *
   * The cluster whose pixels are painted #GstKMeansSeg:mask-color; -1
   * masks nothing, and so does a value >= k (with a warning).
   */
  g_object_class_install_property (gobject_class, PROP_MASK_CLUSTER,
      g_param_spec_int ("mask-cluster", "Mask cluster",
          "Cluster whose pixels are painted mask-color (-1 = none)",
          -1, KMS_MAX_K - 1, def.mask_cluster,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-clusters:
   *
   * More clusters whose pixels are painted #GstKMeansSeg:mask-color,
   * besides #GstKMeansSeg:mask-cluster and #GstKMeansSeg:mask-key: an
   * array of cluster numbers, e.g. `mask-clusters="<0, 2>"` in
   * gst-launch-1.0. Numbers >= k mask nothing (with a warning).
   */
  g_object_class_install_property (gobject_class, PROP_MASK_CLUSTERS,
      gst_param_spec_array ("mask-clusters", "Mask clusters",
          "More clusters whose pixels are painted mask-color",
          g_param_spec_int ("cluster", "Cluster", "A cluster number", 0,
              KMS_MAX_K - 1, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:mask-key:
   *
   * A colour, 0xRRGGBB, that chooses the masked clusters each frame: the
   * #GstKMeansSeg:mask-key-count clusters whose centroids are nearest to
   * it (converted to the stream's colour space with the caps'
   * colorimetry, as #GstKMeansSeg:mask-color is; with
   * #GstKMeansSeg:color-space `oklab`, nearest in OkLab; ties to the lower
   * number) are masked, besides those chosen by number. So a user masks
   * "the green" without knowing which number green got, and the choice
   * follows the scene. -1 (the default): no key.
   */
  g_object_class_install_property (gobject_class, PROP_MASK_KEY,
      g_param_spec_int64 ("mask-key", "Mask key",
          "Mask the clusters whose centroids are nearest to this colour "
          "(0xRRGGBB; -1 = none)", -1, 0xffffff, def.mask_key,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-key-count:
   *
   * How many clusters, the nearest to #GstKMeansSeg:mask-key first,
   * the key masks (at most k).
   */
  g_object_class_install_property (gobject_class, PROP_MASK_KEY_COUNT,
      g_param_spec_uint ("mask-key-count", "Mask key count",
          "How many clusters nearest to mask-key are masked", 1, KMS_MAX_K,
          def.mask_key_count, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-invert:
   *
   * Mask every cluster except those chosen (by #GstKMeansSeg:mask-cluster,
   * #GstKMeansSeg:mask-clusters and #GstKMeansSeg:mask-key), so only the
   * chosen ones keep their pixels. With none chosen nothing is masked
   * either way.
   */
  g_object_class_install_property (gobject_class, PROP_MASK_INVERT,
      g_param_spec_boolean ("mask-invert", "Mask invert",
          "Mask every cluster except the chosen ones", def.mask_invert,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-color:
   *
   * Colour of masked pixels as 0xAARRGGBB; the alpha is written where the
   * format has alpha.
   */
  g_object_class_install_property (gobject_class, PROP_MASK_COLOR,
      g_param_spec_uint ("mask-color", "Mask colour",
          "Colour of masked pixels (0xAARRGGBB; alpha used where the format "
          "has alpha)", 0, G_MAXUINT32, def.mask_color,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mask-feather:
   *
   * Soft mask edges: 0 masks each pixel all or nothing. N > 0 gives each
   * pixel a weight, the share of masked pixels in the (2N+1) x (2N+1)
   * square around it, and blends #GstKMeansSeg:mask-color over the pixel
   * (posterized or original) by that weight, so the mask ramps smoothly
   * over 2N+1 pixels across its edge; pixels deep inside take the mask
   * colour exactly. In formats with alpha the alpha ramps with it (and the
   * colour by the weight times the mask colour's opacity), so with a
   * transparent mask colour (e.g. 0x00000000) the output fades out at the
   * mask's edge and composites over another video with `compositor`. In
   * subsampled YUV a chroma sample takes the mean weight of the pixels it
   * covers.
   */
  g_object_class_install_property (gobject_class, PROP_MASK_FEATHER,
      g_param_spec_uint ("mask-feather", "Mask feather",
          "Soft mask edges: the mask ramps over 2N+1 pixels across its edge "
          "(0 = hard edges; alpha ramps too where the format has alpha)",
          0, KMS_MAX_MASK_FEATHER, def.mask_feather,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:mode:
   *
   * What is written: the posterized frame (`posterize`), the original
   * with the mask (`original`), or each pixel's cluster number (`labels`,
   * as GRAY8 when downstream asks for it). Into or out of `labels` the
   * output caps may change: the element asks both upstream and downstream
   * to renegotiate, and frames already on their way are still written as
   * the label map they were negotiated for.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "What is written: the posterized "
          "frame, the original with the mask, or the label map",
          GST_TYPE_KMEANS_SEG_MODE, (gint) def.mode,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:color-space:
   *
   * Where the clusters are made. `native` clusters the stream's own
   * values (R, G, B, or Y, U, V), with Euclidean distance. `oklab`
   * converts every pixel to OkLab (taking the stream as sRGB; Y'CbCr by
   * the caps' matrix and range), a space where distances follow what the
   * eye sees, fits and assigns there and paints each cluster with its
   * centroid converted back to the stream's colours: palettes spend fewer
   * clusters on dark noise and keep apart colours that look different, at
   * a cost in speed (docs/performance.md). In `oklab`, #GstKMeansSeg:tolerance,
   * #GstKMeansSeg:hysteresis, #GstKMeansSeg:still-hysteresis,
   * #GstKMeansSeg:spatial-smoothing-strength, the `mse` of the messages and
   * the choice of #GstKMeansSeg:mask-key are in OkLab levels (1/255 of an
   * OkLab unit);
   * #GstKMeansSeg:palette, #GstKMeansSeg:current-palette and the
   * messages' centroids stay the stream's colours. Changing it starts the
   * clusters afresh.
   */
  g_object_class_install_property (gobject_class, PROP_COLOR_SPACE,
      g_param_spec_enum ("color-space", "Colour space",
          "Where the clusters are made: the stream's own values, or OkLab "
          "(perceptual, slower)",
          GST_TYPE_KMEANS_SEG_COLOR_SPACE, (gint) def.color_space,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:dither:
   *
   * Ordered dithering in `posterize` mode: a pixel is painted either with
   * its cluster's colour or with the nearest other centroid's, the two
   * mixed (over the pixels around it) in the share that comes nearest its
   * own colour, so gradients show as a fine pattern instead of bands. Which
   * pixels take the second colour is a threshold tile fixed to the
   * picture's pixel positions (`bayer`: the 16x16 Bayer matrix, a regular
   * cross-hatch; `blue-noise`: a 64x64 void-and-cluster tile, an even grain
   * without pattern), so a still region stays still from frame to frame.
   * The mix is worked out where the clusters are made
   * (#GstKMeansSeg:color-space: the stream's R, G, B or Y, U, V, or OkLab).
   * Masked clusters are neither dithered into nor out of. Only what is
   * painted changes: the labels (`labels` mode, the label map, the
   * analytics meta), the messages' counts and their `mse` still describe
   * each pixel's nearest centroid. `labels` and `original` modes ignore
   * it. Costs some speed (docs/performance.md).
   */
  g_object_class_install_property (gobject_class, PROP_DITHER,
      g_param_spec_enum ("dither", "Dither",
          "Posterize mode: mix each pixel's two nearest palette colours in a "
          "fixed threshold pattern (labels and messages stay the nearest)",
          GST_TYPE_KMEANS_SEG_DITHER, (gint) def.dither,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:dither-strength:
   *
   * How much of the mix #GstKMeansSeg:dither paints: 1 paints the second
   * colour on the share of pixels that keeps a flat region's mean colour
   * (up to half of them, midway between two colours); 0.5 on half that
   * share; 0 dithers nothing. Taken in steps of 1/256.
   */
  g_object_class_install_property (gobject_class, PROP_DITHER_STRENGTH,
      g_param_spec_double ("dither-strength", "Dither strength",
          "Share of the two-colour mix that dithering paints (1 = keeps the "
          "local mean colour, 0 = no dithering)", 0.0, 1.0,
          def.dither_strength,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:warm-start:
   *
   * Start each frame from the previous frame's centroids. When false every
   * frame starts afresh (numbered by luma), as the tutorial does for one
   * image.
   */
  g_object_class_install_property (gobject_class, PROP_WARM_START,
      g_param_spec_boolean ("warm-start", "Warm start",
          "Start each frame from the previous frame's centroids (false: "
          "every frame starts afresh)", def.warm_start,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:init:
   *
   * How a fresh start seeds the centroids.
   */
  g_object_class_install_property (gobject_class, PROP_INIT,
      g_param_spec_enum ("init", "Initialisation",
          "How a fresh start seeds the centroids",
          GST_TYPE_KMEANS_SEG_INIT, (gint) def.init,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:seed:
   *
   * Seed of the random choices: the same input, properties and seed give
   * byte-identical output on every run.
   */
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint ("seed", "Seed", "Seed of the random choices",
          0, G_MAXUINT32, def.seed,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:sample-size:
   *
   * About how many pixels, on a regular grid, the centroids are fitted on;
   * they are binned into a colour histogram of 6 bits per channel that
   * keeps each cell's exact mean. 0 fits on every pixel exactly, the
   * tutorial's way (slow). Every pixel is assigned and painted either way.
   */
  g_object_class_install_property (gobject_class, PROP_SAMPLE_SIZE,
      g_param_spec_uint ("sample-size", "Sample size",
          "Pixels the centroids are fitted on (0 = every pixel, exact "
          "and slow)", 0, 16777216, def.sample_size,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:n-threads:
   *
   * Threads for the pixel pass (assigning and painting), each taking a
   * band of rows; 0 picks one per 128 Ki pixels of the frame, at most one
   * per core (one at 320x240, two at 640x480). The threads live as long as
   * the element and wait awake for a moment around each frame. Like
   * videoconvert, the default leaves the other cores to the rest of the
   * pipeline: raise it for 4K.
   */
  g_object_class_install_property (gobject_class, PROP_N_THREADS,
      g_param_spec_uint ("n-threads", "Threads",
          "Threads for the pixel pass (0 = from the frame size and the "
          "cores)", 0, 64,
          def.n_threads,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:scene-cut-threshold:
   *
   * A scene cut is detected when the previous frame's centroids fit the new
   * frame this many times worse (mean squared error) than their running
   * level; the clusters are then re-initialised at once, keeping their
   * numbers (each old number goes to the nearest new centroid). 0 never
   * detects a cut.
   */
  g_object_class_install_property (gobject_class, PROP_SCENE_CUT,
      g_param_spec_double ("scene-cut-threshold", "Scene cut threshold",
          "Re-initialise when the previous centroids' error on a frame "
          "exceeds this multiple of its running level (0 = never)",
          0, 1000, def.scene_cut,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:refresh-interval:
   *
   * Every this many frames (counted from the last fresh start or cut) a
   * refresh candidate is started: a fresh fit, seeded on coarse colour
   * cells and fitted over the following frames (about two Lloyd passes a
   * frame, at most 10 frames) beside the warm-started one, so that no
   * frame pays for a whole fit. It replaces the warm centroids, keeping the
   * cluster numbers, on the first frame where it fits that frame at least
   * 3% better: a warm start alone can stay in a poor optimum for ever.
   * Candidates also start when a cluster holds almost no pixels or the
   * error drifts 10% above its lowest since the last refresh (each at
   * most every 8 frames). 0: no refresh of any kind.
   */
  g_object_class_install_property (gobject_class, PROP_REFRESH_INTERVAL,
      g_param_spec_uint ("refresh-interval", "Refresh interval",
          "Frames between refresh candidates, fitted over the following "
          "frames, that may replace the warm start (0 = never)", 0, G_MAXUINT, def.refresh_interval,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:temporal-smoothing:
   *
   * Share of the previous frame's centroid kept in each new centroid
   * (0 = none, 1 = centroids never move).
   */
  g_object_class_install_property (gobject_class, PROP_TEMPORAL_SMOOTHING,
      g_param_spec_double ("temporal-smoothing", "Temporal smoothing",
          "Share of the previous centroids kept in each frame's (0..1)",
          0, 1, def.temporal_smoothing,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING |
          GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:hysteresis:
   *
   * A pixel keeps its previous frame's cluster unless another centroid is
   * nearer by more than this many colour levels (Euclidean), so pixels on
   * a boundary don't flicker with noise. 0 assigns every pixel to its
   * nearest centroid. Needs one byte per pixel of memory.
   */
  g_object_class_install_property (gobject_class, PROP_HYSTERESIS,
      g_param_spec_double ("hysteresis", "Hysteresis",
          "Keep a pixel's previous cluster unless another is nearer by more "
          "than this many levels (0 = off)", 0, 255, def.hysteresis,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:still-hysteresis:
   *
   * A stronger #GstKMeansSeg:hysteresis for still pixels: a pixel whose
   * input is within 3 levels of the previous frame's on every channel
   * keeps its previous cluster unless another centroid is nearer by more
   * than this many colour levels (at least the hysteresis), so the labels
   * of a still scene stay put through sensor noise and film grain while
   * moving pixels follow the picture. 0 treats still pixels as the others.
   * Works with the hysteresis (none when it is 0); keeps the last frame's
   * input: three more bytes per pixel of memory (four on 4-byte formats),
   * read and written on every frame.
   */
  g_object_class_install_property (gobject_class, PROP_STILL_HYSTERESIS,
      g_param_spec_double ("still-hysteresis", "Still hysteresis",
          "A still pixel keeps its previous cluster unless another is nearer "
          "by more than this many levels (0 = as the others)", 0, 255,
          def.still_hysteresis,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:spatial-smoothing:
   *
   * Passes of a 3x3 majority filter over the cluster labels before they
   * are painted, masked or output as the label map: each pass gives a
   * pixel the cluster most of its 3x3 neighbourhood holds (its own on a
   * tie), as far as #GstKMeansSeg:spatial-smoothing-strength lets it,
   * which removes isolated pixels and smooths ragged boundaries, so masks
   * and label maps are cleaner. The per-cluster counts and the `mse` of
   * the messages describe the smoothed labels. 0 labels every pixel on its
   * own. Needs five bytes per pixel of memory (as does
   * #GstKMeansSeg:mask-feather).
   */
  g_object_class_install_property (gobject_class, PROP_SPATIAL_SMOOTHING,
      g_param_spec_uint ("spatial-smoothing", "Spatial smoothing",
          "Passes of a 3x3 majority filter over the labels before painting, "
          "masking or output (0 = off)", 0, KMS_MAX_SPATIAL_SMOOTHING,
          def.spatial_smoothing,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:spatial-smoothing-strength:
   *
   * How far the spatial smoothing may move a pixel from its own colour: a
   * pixel that the majority of its neighbourhood would give another
   * cluster joins it only when its squared colour distance to that
   * cluster's colour exceeds the one to its own by at most 3 x strength^2
   * per neighbour the majority has more than its own cluster. So noise
   * along a boundary follows its neighbours, while a small object of a
   * colour of its own stays. 255 is the plain majority filter; 0 relabels
   * only pixels as near to the majority's colour as to their own.
   */
  g_object_class_install_property (gobject_class,
      PROP_SPATIAL_SMOOTHING_STRENGTH,
      g_param_spec_uint ("spatial-smoothing-strength",
          "Spatial smoothing strength",
          "How many colour levels farther the majority's colour may be from "
          "a pixel for it to join its neighbours (255 = plain majority)",
          0, 255, def.spatial_smoothing_strength,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));

  /**
   * GstKMeansSeg:post-messages:
   *
   * Post an element message named `kmeansseg` for every frame, with
   * `timestamp`, `stream-time`, `running-time`, `duration` (as
   * GStreamer's analysis elements do), `k`, `iterations`, `mse` (mean
   * squared error per channel between the pixels and their cluster's
   * colour), `centroids` (an array of colours, each an array of the
   * frame's components: R, G, B; Y, U, V; or Y), `counts` (pixels per
   * cluster), `reinitialized` and `scene-cut`.
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a 'kmeansseg' element message with the clusters of every "
          "frame", DEFAULT_PROP_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:palette:
   *
   * Colours as 0xAARRGGBB that seed the centroids: the next frame, and
   * every fresh start after it (caps change, flush), starts from these
   * colours as clusters 0, 1, ...; with max-iters=0 every frame is mapped
   * onto exactly these colours (a fixed palette). `k` still says how many
   * clusters there are. Writing an empty array forgets it. Reading gives
   * what was written (the centroids the stream has now are
   * #GstKMeansSeg:current-palette).
   */
  g_object_class_install_property (gobject_class, PROP_PALETTE,
      gst_param_spec_array ("palette", "Palette",
          "Colours as 0xAARRGGBB that seed the centroids (with max-iters=0: "
          "a fixed palette); reads back what was written",
          g_param_spec_uint ("color", "Colour", "0xAARRGGBB", 0, G_MAXUINT32,
              0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstKMeansSeg:current-palette:
   *
   * The centroids of the last frame as 0xAARRGGBB colours (converted to
   * RGB for YUV streams), cluster 0 first; empty before the first frame.
   * The same colours, in the stream's own coordinates, are in the
   * `centroids` field of the element messages (#GstKMeansSeg:post-messages).
   */
  g_object_class_install_property (gobject_class, PROP_CURRENT_PALETTE,
      gst_param_spec_array ("current-palette", "Current palette",
          "The centroids of the last frame as 0xAARRGGBB colours",
          g_param_spec_uint ("color", "Colour", "0xAARRGGBB", 0, G_MAXUINT32,
              0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

#ifdef HAVE_GST_ANALYTICS
  /**
   * GstKMeansSeg:analytics-meta:
   *
   * Attach to each output buffer a #GstAnalyticsRelationMeta (the buffer's
   * own if it has one) holding a semantic #GstAnalyticsSegmentationMtd:
   * the frame's label map as a GRAY8 buffer with a #GstVideoMeta, the size
   * of the frame (location 0, 0, width, height), one region per cluster
   * with region id = cluster number (as in `mode=labels` and
   * #GstKMeansSeg:mask-cluster); and a #GstAnalyticsClsMtd with one class
   * per region, in region order, named `cluster-N` (confidence -1:
   * undefined), related to it by %GST_ANALYTICS_REL_TYPE_RELATE_TO. The
   * colours of the clusters are #GstKMeansSeg:current-palette. Works in
   * every mode and format; the mask buffers come from a pool.
   *
   * Only present when the plugin was built against GStreamer 1.26 or
   * newer (gstreamer-analytics-1.0).
   *
   * Since: 1.26 builds
   */
  g_object_class_install_property (gobject_class, PROP_ANALYTICS_META,
      g_param_spec_boolean ("analytics-meta", "Analytics meta",
          "Attach the label map as a GstAnalyticsSegmentationMtd (with a "
          "GstAnalyticsClsMtd naming the clusters) to every output buffer",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
#endif

  gst_element_class_set_static_metadata (element_class,
      "K-means colour segmentation", "Filter/Effect/Video",
      "Segments video by colour with K-means, warm-started across frames",
      "The kmeansseg authors");

  caps = gst_caps_from_string (KMEANS_SEG_CAPS);
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_kmeans_seg_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_kmeans_seg_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_kmeans_seg_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_kmeans_seg_sink_event);
  vfilter_class->set_info = GST_DEBUG_FUNCPTR (gst_kmeans_seg_set_info);
  /* transform_ip rather than GstVideoFilter's transform_frame_ip: a buffer
   * that doesn't hold the frame its caps promise is an error here, where
   * GstVideoFilter would only warn and pass it on unprocessed */
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_kmeans_seg_transform_ip);
  /* out of place only for the label map in another format */
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_kmeans_seg_transform);
  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_kmeans_seg_transform_caps);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_kmeans_seg_before_transform);

  gst_type_mark_as_plugin_api (GST_TYPE_KMEANS_SEG_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_KMEANS_SEG_INIT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_KMEANS_SEG_COLOR_SPACE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_KMEANS_SEG_DITHER, 0);
}

static void
gst_kmeans_seg_init (GstKMeansSeg * self)
{
  kms_params_init_defaults (&self->params);
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->ctx = kms_context_new ();
#ifdef HAVE_GST_ANALYTICS
  {
    guint i;

    /* a fixed set of names: quarks are never freed */
    for (i = 0; i < KMS_MAX_K; i++) {
      gchar name[16];

      g_snprintf (name, sizeof (name), "cluster-%u", i);
      self->cluster_quarks[i] = g_quark_from_string (name);
    }
  }
#endif
}

static void
gst_kmeans_seg_finalize (GObject * object)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (object);

  kms_context_free (self->ctx);
  gst_caps_replace (&self->labels_in_caps, NULL);
#ifdef HAVE_GST_ANALYTICS
  if (self->mask_pool) {
    gst_buffer_pool_set_active (self->mask_pool, FALSE);
    gst_object_unref (self->mask_pool);
  }
#endif

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_kmeans_seg_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (object);
  gboolean reconfigure = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_K:
      self->params.k = g_value_get_uint (value);
      self->warned_mask = FALSE;
      break;
    case PROP_MAX_ITERS:
      self->params.max_iters = g_value_get_uint (value);
      break;
    case PROP_TOLERANCE:
      self->params.tolerance = g_value_get_double (value);
      break;
    case PROP_MASK_CLUSTER:
      self->params.mask_cluster = g_value_get_int (value);
      self->warned_mask = FALSE;
      break;
    case PROP_MASK_CLUSTERS:{
      guint i, n = MIN (gst_value_array_get_size (value), KMS_MAX_K);

      memset (self->params.mask_clusters, 0,
          sizeof (self->params.mask_clusters));
      self->mask_clusters_n = 0;
      for (i = 0; i < n; i++) {
        const GValue *v = gst_value_array_get_value (value, i);
        gint c;

        if (!G_VALUE_HOLDS_INT (v))
          continue;
        c = g_value_get_int (v);
        self->mask_clusters[self->mask_clusters_n++] = c;
        if (c >= 0 && c < KMS_MAX_K)
          self->params.mask_clusters[c / 8] |= 1 << (c % 8);
      }
      self->warned_mask = FALSE;
      break;
    }
    case PROP_MASK_KEY:
      self->params.mask_key = (gint32) g_value_get_int64 (value);
      break;
    case PROP_MASK_KEY_COUNT:
      self->params.mask_key_count = g_value_get_uint (value);
      break;
    case PROP_MASK_INVERT:
      self->params.mask_invert = g_value_get_boolean (value);
      break;
    case PROP_MASK_FEATHER:
      self->params.mask_feather = g_value_get_uint (value);
      break;
    case PROP_MASK_COLOR:
      self->params.mask_color = g_value_get_uint (value);
      break;
    case PROP_MODE:{
      KmsMode mode = (KmsMode) g_value_get_enum (value);

      /* into or out of labels mode, the output caps may change */
      reconfigure = (mode == KMS_MODE_LABELS) !=
          (self->params.mode == KMS_MODE_LABELS);
      self->params.mode = mode;
      break;
    }
    case PROP_WARM_START:
      self->params.warm_start = g_value_get_boolean (value);
      break;
    case PROP_INIT:
      self->params.init = (KmsInit) g_value_get_enum (value);
      break;
    case PROP_COLOR_SPACE:
      self->params.color_space = (KmsClusterSpace) g_value_get_enum (value);
      break;
    case PROP_DITHER:
      self->params.dither = (KmsDitherMode) g_value_get_enum (value);
      break;
    case PROP_DITHER_STRENGTH:
      self->params.dither_strength = g_value_get_double (value);
      break;
    case PROP_SEED:
      self->params.seed = g_value_get_uint (value);
      break;
    case PROP_SAMPLE_SIZE:
      self->params.sample_size = g_value_get_uint (value);
      break;
    case PROP_N_THREADS:
      self->params.n_threads = g_value_get_uint (value);
      break;
    case PROP_SCENE_CUT:
      self->params.scene_cut = g_value_get_double (value);
      break;
    case PROP_REFRESH_INTERVAL:
      self->params.refresh_interval = g_value_get_uint (value);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      self->params.temporal_smoothing = g_value_get_double (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
#ifdef HAVE_GST_ANALYTICS
    case PROP_ANALYTICS_META:
      self->analytics_meta = g_value_get_boolean (value);
      break;
#endif
    case PROP_HYSTERESIS:
      self->params.hysteresis = g_value_get_double (value);
      break;
    case PROP_STILL_HYSTERESIS:
      self->params.still_hysteresis = g_value_get_double (value);
      break;
    case PROP_SPATIAL_SMOOTHING:
      self->params.spatial_smoothing = g_value_get_uint (value);
      break;
    case PROP_SPATIAL_SMOOTHING_STRENGTH:
      self->params.spatial_smoothing_strength = g_value_get_uint (value);
      break;
    case PROP_PALETTE:{
      guint i, n = MIN (gst_value_array_get_size (value), KMS_MAX_K);

      for (i = 0; i < n; i++)
        self->user_palette[i] =
            g_value_get_uint (gst_value_array_get_value (value, i));
      self->user_palette_n = n;
      self->palette_pending = n > 0;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  /* Both ways: the output format may have to change, and so may the
   * input's (only GRAY8 in gives GRAY8 out outside labels mode) */
  if (reconfigure) {
    gst_base_transform_reconfigure_sink (GST_BASE_TRANSFORM (self));
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
  }
}

static void
gst_kmeans_seg_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_K:
      g_value_set_uint (value, self->params.k);
      break;
    case PROP_MAX_ITERS:
      g_value_set_uint (value, self->params.max_iters);
      break;
    case PROP_TOLERANCE:
      g_value_set_double (value, self->params.tolerance);
      break;
    case PROP_MASK_CLUSTER:
      g_value_set_int (value, self->params.mask_cluster);
      break;
    case PROP_MASK_CLUSTERS:{
      GValue v = G_VALUE_INIT;
      guint i;

      g_value_init (&v, G_TYPE_INT);
      for (i = 0; i < self->mask_clusters_n; i++) {
        g_value_set_int (&v, self->mask_clusters[i]);
        gst_value_array_append_value (value, &v);
      }
      g_value_unset (&v);
      break;
    }
    case PROP_MASK_KEY:
      g_value_set_int64 (value, self->params.mask_key);
      break;
    case PROP_MASK_KEY_COUNT:
      g_value_set_uint (value, self->params.mask_key_count);
      break;
    case PROP_MASK_INVERT:
      g_value_set_boolean (value, self->params.mask_invert);
      break;
    case PROP_MASK_FEATHER:
      g_value_set_uint (value, self->params.mask_feather);
      break;
    case PROP_MASK_COLOR:
      g_value_set_uint (value, self->params.mask_color);
      break;
    case PROP_MODE:
      g_value_set_enum (value, (gint) self->params.mode);
      break;
    case PROP_WARM_START:
      g_value_set_boolean (value, self->params.warm_start);
      break;
    case PROP_INIT:
      g_value_set_enum (value, (gint) self->params.init);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->params.seed);
      break;
    case PROP_SAMPLE_SIZE:
      g_value_set_uint (value, self->params.sample_size);
      break;
    case PROP_N_THREADS:
      g_value_set_uint (value, self->params.n_threads);
      break;
    case PROP_SCENE_CUT:
      g_value_set_double (value, self->params.scene_cut);
      break;
    case PROP_REFRESH_INTERVAL:
      g_value_set_uint (value, self->params.refresh_interval);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      g_value_set_double (value, self->params.temporal_smoothing);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
#ifdef HAVE_GST_ANALYTICS
    case PROP_ANALYTICS_META:
      g_value_set_boolean (value, self->analytics_meta);
      break;
#endif
    case PROP_HYSTERESIS:
      g_value_set_double (value, self->params.hysteresis);
      break;
    case PROP_COLOR_SPACE:
      g_value_set_enum (value, (gint) self->params.color_space);
      break;
    case PROP_DITHER:
      g_value_set_enum (value, (gint) self->params.dither);
      break;
    case PROP_DITHER_STRENGTH:
      g_value_set_double (value, self->params.dither_strength);
      break;
    case PROP_STILL_HYSTERESIS:
      g_value_set_double (value, self->params.still_hysteresis);
      break;
    case PROP_SPATIAL_SMOOTHING:
      g_value_set_uint (value, self->params.spatial_smoothing);
      break;
    case PROP_SPATIAL_SMOOTHING_STRENGTH:
      g_value_set_uint (value, self->params.spatial_smoothing_strength);
      break;
    case PROP_PALETTE:
    case PROP_CURRENT_PALETTE:{
      const guint32 *pal = prop_id == PROP_PALETTE ? self->user_palette :
          self->palette;
      guint i, n = prop_id == PROP_PALETTE ? self->user_palette_n :
          self->palette_n;
      GValue v = G_VALUE_INIT;

      g_value_init (&v, G_TYPE_UINT);
      for (i = 0; i < n; i++) {
        g_value_set_uint (&v, pal[i]);
        gst_value_array_append_value (value, &v);
      }
      g_value_unset (&v);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The CPU level: the best this CPU runs, or at most the one
 * KMEANSSEG_CPU names (for bug reports and comparisons) */
static gboolean
gst_kmeans_seg_start (GstBaseTransform * trans)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (trans);
  const gchar *env = g_getenv ("KMEANSSEG_CPU");
  KmsCpuFlags flags = KMS_CPU_FLAGS_ALL;
  KmsCpuLevel asked = KMS_CPU_C, level;

  if (env && *env && !kms_cpu_flags_from_string (env, &flags, &asked)) {
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("KMEANSSEG_CPU=%s is not a CPU level (c, v2, v3, avx2, avx512, "
            "neon): using the best level this CPU runs", env), (NULL));
    flags = KMS_CPU_FLAGS_ALL;
    env = NULL;
  }
  level = kms_context_set_cpu_flags (self->ctx, flags);
  if (env && *env && level != asked)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("KMEANSSEG_CPU=%s: this CPU does not run that level; using %s",
            env, kms_cpu_level_to_string (level)), (NULL));
  GST_INFO_OBJECT (self, "CPU level %s", kms_cpu_level_to_string (level));
  return TRUE;
}

static gboolean
gst_kmeans_seg_stop (GstBaseTransform * trans)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (trans);

  g_atomic_int_set (&self->reset_pending, 1);
  GST_OBJECT_LOCK (self);
  self->palette_n = 0;
  gst_caps_replace (&self->labels_in_caps, NULL);
  GST_OBJECT_UNLOCK (self);
#ifdef HAVE_GST_ANALYTICS
  if (self->mask_pool) {
    gst_buffer_pool_set_active (self->mask_pool, FALSE);
    gst_clear_object (&self->mask_pool);
  }
#endif
  return TRUE;
}

static gboolean
gst_kmeans_seg_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (trans);

  /* After a flush (a seek) the next frame is not the previous one's
   * neighbour: start afresh. Flagged, not done here, because the context
   * belongs to the streaming thread. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    g_atomic_int_set (&self->reset_pending, 1);

  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static KmsFormat
kms_format_from_video_format (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      return KMS_FORMAT_RGB;
    case GST_VIDEO_FORMAT_BGR:
      return KMS_FORMAT_BGR;
    case GST_VIDEO_FORMAT_RGBx:
      return KMS_FORMAT_RGBx;
    case GST_VIDEO_FORMAT_BGRx:
      return KMS_FORMAT_BGRx;
    case GST_VIDEO_FORMAT_xRGB:
      return KMS_FORMAT_xRGB;
    case GST_VIDEO_FORMAT_xBGR:
      return KMS_FORMAT_xBGR;
    case GST_VIDEO_FORMAT_RGBA:
      return KMS_FORMAT_RGBA;
    case GST_VIDEO_FORMAT_BGRA:
      return KMS_FORMAT_BGRA;
    case GST_VIDEO_FORMAT_ARGB:
      return KMS_FORMAT_ARGB;
    case GST_VIDEO_FORMAT_ABGR:
      return KMS_FORMAT_ABGR;
    case GST_VIDEO_FORMAT_I420:
      return KMS_FORMAT_I420;
    case GST_VIDEO_FORMAT_YV12:
      return KMS_FORMAT_YV12;
    case GST_VIDEO_FORMAT_NV12:
      return KMS_FORMAT_NV12;
    case GST_VIDEO_FORMAT_NV21:
      return KMS_FORMAT_NV21;
    case GST_VIDEO_FORMAT_Y444:
      return KMS_FORMAT_Y444;
    case GST_VIDEO_FORMAT_Y42B:
      return KMS_FORMAT_Y42B;
    case GST_VIDEO_FORMAT_YUY2:
      return KMS_FORMAT_YUY2;
    case GST_VIDEO_FORMAT_UYVY:
      return KMS_FORMAT_UYVY;
    case GST_VIDEO_FORMAT_GRAY8:
      return KMS_FORMAT_GRAY8;
    default:
      return KMS_FORMAT_UNKNOWN;
  }
}

static gboolean
gst_kmeans_seg_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);

  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->set_caps (trans, incaps,
          outcaps))
    return FALSE;
  /* GstVideoFilter just made us in place (we have no transform_frame):
   * only while the output has the input's format, not for the GRAY8 label
   * map */
  gst_base_transform_set_in_place (trans,
      GST_VIDEO_INFO_FORMAT (&filter->in_info) ==
      GST_VIDEO_INFO_FORMAT (&filter->out_info));
  return TRUE;
}

static gboolean
gst_kmeans_seg_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info,
    G_GNUC_UNUSED GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (filter);
  KmsFormat format = kms_format_from_video_format (GST_VIDEO_INFO_FORMAT
      (in_info));

  if (format == KMS_FORMAT_UNKNOWN)
    goto unsupported_format;
  /* another output format: the label map (labels mode) */
  if (GST_VIDEO_INFO_FORMAT (out_info) != GST_VIDEO_INFO_FORMAT (in_info) &&
      GST_VIDEO_INFO_FORMAT (out_info) != GST_VIDEO_FORMAT_GRAY8)
    goto format_mismatch;

  GST_DEBUG_OBJECT (self, "format %s, %dx%d", kms_format_to_string (format),
      GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info));

  /* New caps: the previous centroids belong to another stream */
  self->cs.format = format;
  switch (in_info->colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      self->cs.matrix = KMS_MATRIX_BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      self->cs.matrix = KMS_MATRIX_BT2020;
      break;
    default:
      self->cs.matrix = KMS_MATRIX_BT601;
      break;
  }
  self->cs.full_range =
      in_info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  GST_OBJECT_LOCK (self);
  gst_caps_replace (&self->labels_in_caps,
      GST_VIDEO_INFO_FORMAT (out_info) != GST_VIDEO_INFO_FORMAT (in_info) ?
      incaps : NULL);
  self->warned_labels_out = FALSE;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->reset_pending, 1);
  return TRUE;

  /* ERRORS */
unsupported_format:
  {
    GST_ERROR_OBJECT (self, "unsupported format %s",
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)));
    return FALSE;
  }
format_mismatch:
  {
    GST_ERROR_OBJECT (self, "output format %s: only GRAY8 (labels mode) may "
        "differ from the input's",
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (out_info)));
    return FALSE;
  }
}

static GstCaps *
gst_kmeans_seg_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstKMeansSeg *self = GST_KMEANS_SEG (trans);
  GstCaps *ret = gst_caps_new_empty ();
  gboolean labels;
  guint i;

  GST_OBJECT_LOCK (self);
  labels = self->params.mode == KMS_MODE_LABELS;
  /* Just out of labels mode, the output is still the label map, and the
   * frames on their way here were made for it: keep offering it for the
   * input it was negotiated for (after the same caps, so anyone who takes
   * those gets them), until upstream has renegotiated. Not for other
   * input caps, nor the other way: upstream must see that only GRAY8 in
   * gives GRAY8 out now. */
  if (direction == GST_PAD_SINK && self->labels_in_caps &&
      gst_caps_is_equal (caps, self->labels_in_caps))
    labels = TRUE;
  GST_OBJECT_UNLOCK (self);

  /* The same caps, first; in labels mode also the GRAY8 label map of any
   * input (and any input for a GRAY8 output) */
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *st = gst_caps_get_structure (caps, i);
    GstStructure *other;

    ret = gst_caps_merge_structure (ret, gst_structure_copy (st));
    if (!labels)
      continue;
    other = gst_structure_copy (st);
    gst_structure_remove_fields (other, "colorimetry", "chroma-site", NULL);
    if (direction == GST_PAD_SINK)
      gst_structure_set (other, "format", G_TYPE_STRING, "GRAY8", NULL);
    else
      gst_structure_remove_field (other, "format");
    ret = gst_caps_merge_structure (ret, other);
  }

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, ret,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (ret);
    ret = tmp;
  }
  GST_DEBUG_OBJECT (self, "%" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, caps,
      ret);
  return ret;
}

static void
gst_kmeans_seg_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
      GST_FORMAT_TIME, GST_BUFFER_PTS (buf));

  /* controlled properties take their value for this frame */
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (trans), stream_time);
}

static void
post_message (GstKMeansSeg * self, GstBuffer * buf, const KmsResult * res)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = GST_BUFFER_PTS (buf);
  GValue centroids = G_VALUE_INIT, colour = G_VALUE_INIT;
  GValue count_array = G_VALUE_INIT, v = G_VALUE_INIT, masked = G_VALUE_INIT;
  GstStructure *st;
  guint c, ch, nch = kms_format_get_n_channels (self->cs.format);

  g_value_init (&centroids, GST_TYPE_ARRAY);
  g_value_init (&count_array, GST_TYPE_ARRAY);
  for (c = 0; c < res->k; c++) {
    g_value_init (&colour, GST_TYPE_ARRAY);
    g_value_init (&v, G_TYPE_UINT);
    for (ch = 0; ch < nch; ch++) {
      g_value_set_uint (&v, res->centroids[c][ch]);
      gst_value_array_append_value (&colour, &v);
    }
    g_value_unset (&v);
    gst_value_array_append_and_take_value (&centroids, &colour);

    g_value_init (&v, G_TYPE_UINT64);
    g_value_set_uint64 (&v, res->counts[c]);
    gst_value_array_append_and_take_value (&count_array, &v);
  }

  st = gst_structure_new ("kmeansseg",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buf),
      "k", G_TYPE_UINT, res->k,
      "iterations", G_TYPE_UINT, res->iterations,
      "mse", G_TYPE_DOUBLE, res->mse,
      "reinitialized", G_TYPE_BOOLEAN, res->reinitialized,
      "scene-cut", G_TYPE_BOOLEAN, res->scene_cut, NULL);
  g_value_init (&masked, GST_TYPE_ARRAY);
  for (c = 0; c < res->k; c++) {
    if (!((res->masked[c / 8] >> (c % 8)) & 1))
      continue;
    g_value_init (&v, G_TYPE_UINT);
    g_value_set_uint (&v, c);
    gst_value_array_append_and_take_value (&masked, &v);
  }
  gst_structure_take_value (st, "centroids", &centroids);
  gst_structure_take_value (st, "counts", &count_array);
  gst_structure_take_value (st, "masked", &masked);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

static void
fill_frame (GstKMeansSeg * self, KmsFrame * kf, KmsFormat format,
    GstVideoFrame * frame)
{
  guint i;

  memset (kf, 0, sizeof (*kf));
  kf->format = format;
  kf->width = GST_VIDEO_FRAME_WIDTH (frame);
  kf->height = GST_VIDEO_FRAME_HEIGHT (frame);
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (frame); i++) {
    kf->data[i] = GST_VIDEO_FRAME_PLANE_DATA (frame, i);
    kf->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, i);
  }
  kf->matrix = self->cs.matrix;
  kf->full_range = self->cs.full_range;
}

/* Whether every plane of a mapped frame lies inside the memory mapped for
 * it: a GstVideoMeta can describe planes (offsets, strides) that run past
 * the end of a buffer, and mapping doesn't check that */
static gboolean
frame_fits (const GstVideoFrame * frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint p, c;

  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame); p++) {
    const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    /* with a meta each plane has its own map, else the buffer's is map[0] */
    const GstMapInfo *map = &frame->map[frame->meta ? p : 0];
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    gsize rows = 0, row_bytes = 0, start, need;

    for (c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++) {
      if (GST_VIDEO_FORMAT_INFO_PLANE (finfo, c) != p)
        continue;
      rows = MAX (rows, (gsize) GST_VIDEO_FRAME_COMP_HEIGHT (frame, c));
      /* whole pixel groups: the element reads and writes 4-byte pixels
       * whole, padding byte included */
      row_bytes = MAX (row_bytes, (gsize) GST_VIDEO_FRAME_COMP_WIDTH (frame,
              c) * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c));
    }
    if (!map->data || data < map->data || stride <= 0 || rows == 0)
      return FALSE;
    start = data - map->data;
    need = (rows - 1) * (gsize) stride + row_bytes;
    if (start > map->size || need > map->size - start)
      return FALSE;
  }
  return TRUE;
}

#ifdef HAVE_GST_ANALYTICS
/* A pool of GRAY8 label maps of the frame's size, with a GstVideoMeta
 * (the segmentation metadata requires it); made again only when the size
 * changes */
static gboolean
ensure_mask_pool (GstKMeansSeg * self, gint width, gint height)
{
  GstStructure *config;
  GstCaps *caps;

  if (self->mask_pool && GST_VIDEO_INFO_WIDTH (&self->mask_info) == width &&
      GST_VIDEO_INFO_HEIGHT (&self->mask_info) == height)
    return TRUE;
  if (self->mask_pool) {
    gst_buffer_pool_set_active (self->mask_pool, FALSE);
    gst_clear_object (&self->mask_pool);
  }
  if (!gst_video_info_set_format (&self->mask_info, GST_VIDEO_FORMAT_GRAY8,
          width, height))
    return FALSE;
  caps = gst_video_info_to_caps (&self->mask_info);
  self->mask_pool = gst_video_buffer_pool_new ();
  config = gst_buffer_pool_get_config (self->mask_pool);
  gst_buffer_pool_config_set_params (config, caps,
      GST_VIDEO_INFO_SIZE (&self->mask_info), 2, 0);
  gst_buffer_pool_config_add_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_caps_unref (caps);
  if (!gst_buffer_pool_set_config (self->mask_pool, config) ||
      !gst_buffer_pool_set_active (self->mask_pool, TRUE)) {
    gst_clear_object (&self->mask_pool);
    return FALSE;
  }
  return TRUE;
}

/* The label map @mask (taken) as the segmentation of @buf, with a
 * classification naming its regions */
static gboolean
attach_segmentation (GstKMeansSeg * self, GstBuffer * buf, GstBuffer * mask,
    guint k)
{
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsSegmentationMtd seg;
  GstAnalyticsClsMtd cls;
  guint ids[KMS_MAX_K], i;
  gfloat conf[KMS_MAX_K];

  rmeta = gst_buffer_get_analytics_relation_meta (buf);
  if (!rmeta)
    rmeta = gst_buffer_add_analytics_relation_meta (buf);
  if (!rmeta) {
    gst_buffer_unref (mask);
    return FALSE;
  }
  /* region id = cluster number; the classes in region order */
  for (i = 0; i < k; i++) {
    ids[i] = i;
    conf[i] = -1.0f;
  }
  if (!gst_analytics_relation_meta_add_segmentation_mtd (rmeta, mask,
          GST_SEGMENTATION_TYPE_SEMANTIC, k, ids, 0, 0,
          GST_VIDEO_INFO_WIDTH (&self->mask_info),
          GST_VIDEO_INFO_HEIGHT (&self->mask_info), &seg)) {
    gst_buffer_unref (mask);
    return FALSE;
  }
  return gst_analytics_relation_meta_add_cls_mtd (rmeta, k, conf,
      self->cluster_quarks, &cls) &&
      gst_analytics_relation_meta_set_relation (rmeta,
      GST_ANALYTICS_REL_TYPE_RELATE_TO, seg.id, cls.id);
}
#endif

/* The frame in @inbuf, written to @outbuf, or in place when it is NULL */
static GstFlowReturn
gst_kmeans_seg_process (GstKMeansSeg * self, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstVideoFrame in_frame, out_frame;
  guint32 palette[KMS_MAX_K];
  guint palette_n = 0;
  KmsParams params;
  KmsResult res;
  KmsFrame in, out, *labels = NULL;
  gboolean warn_mask = FALSE, post, reset, ok, stale_labels = FALSE;
  gint bad_mask = -1;
#ifdef HAVE_GST_ANALYTICS
  gboolean analytics;
  GstBuffer *mask = NULL;
  GstVideoFrame mask_frame;
  KmsFrame lab;
#endif

  if (!filter->negotiated)
    goto not_negotiated;

  GST_OBJECT_LOCK (self);
  params = self->params;
  /* The caps say label map (mode changed after they were made, and
   * renegotiation has not happened yet): what was negotiated wins */
  if (self->labels_in_caps && params.mode != KMS_MODE_LABELS) {
    params.mode = KMS_MODE_LABELS;
    stale_labels = !self->warned_labels_out;
    self->warned_labels_out = TRUE;
  }
  post = self->post_messages;
#ifdef HAVE_GST_ANALYTICS
  analytics = self->analytics_meta;
#endif
  /* the error is added up in the pixel pass: only for someone to read */
  params.measure_error = post ||
      gst_debug_category_get_threshold (GST_CAT_DEFAULT) >= GST_LEVEL_LOG;
  if (!self->warned_mask) {
    guint i;

    if (params.mask_cluster >= 0 && (guint) params.mask_cluster >= params.k)
      bad_mask = params.mask_cluster;
    for (i = 0; i < self->mask_clusters_n && bad_mask < 0; i++)
      if ((guint) self->mask_clusters[i] >= params.k)
        bad_mask = self->mask_clusters[i];
    warn_mask = self->warned_mask = bad_mask >= 0;
  }
  reset = g_atomic_int_compare_and_exchange (&self->reset_pending, 1, 0);
  /* a palette written since the last frame, or the user's palette after a
   * reset, seeds this frame */
  if (self->palette_pending || (reset && self->user_palette_n > 0)) {
    palette_n = self->user_palette_n;
    memcpy (palette, self->user_palette, palette_n * sizeof (guint32));
    self->palette_pending = FALSE;
  }
  GST_OBJECT_UNLOCK (self);

  if (warn_mask)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("cluster %d (mask-cluster or mask-clusters) is not a cluster with "
            "k=%u: it masks nothing", bad_mask, params.k), (NULL));
  if (stale_labels)
    GST_INFO_OBJECT (self, "mode is no longer labels, but the output is "
        "still the GRAY8 label map until caps are renegotiated");

  if (!gst_video_frame_map (&in_frame, &filter->in_info, inbuf,
          outbuf ? GST_MAP_READ : GST_MAP_READWRITE))
    goto invalid_buffer;
  if (!frame_fits (&in_frame)) {
    gst_video_frame_unmap (&in_frame);
    goto invalid_buffer;
  }
  if (outbuf && (!gst_video_frame_map (&out_frame, &filter->out_info, outbuf,
              GST_MAP_WRITE))) {
    gst_video_frame_unmap (&in_frame);
    goto invalid_buffer;
  }
  if (outbuf && !frame_fits (&out_frame)) {
    gst_video_frame_unmap (&out_frame);
    gst_video_frame_unmap (&in_frame);
    goto invalid_buffer;
  }

  if (reset)
    kms_context_reset (self->ctx);
  fill_frame (self, &in, self->cs.format, &in_frame);
  if (palette_n > 0)
    kms_context_set_palette (self->ctx, &self->cs, palette, palette_n);
  if (outbuf)
    fill_frame (self, &out, kms_format_from_video_format
        (GST_VIDEO_FRAME_FORMAT (&out_frame)), &out_frame);
  else
    out = in;

#ifdef HAVE_GST_ANALYTICS
  /* the label map for the metadata, into a buffer of the pool */
  if (analytics) {
    if (!ensure_mask_pool (self, in.width, in.height) ||
        gst_buffer_pool_acquire_buffer (self->mask_pool, &mask,
            NULL) != GST_FLOW_OK) {
      mask = NULL;
    } else if (!gst_video_frame_map (&mask_frame, &self->mask_info, mask,
            GST_MAP_WRITE)) {
      gst_clear_buffer (&mask);
    } else {
      fill_frame (self, &lab, KMS_FORMAT_GRAY8, &mask_frame);
      labels = &lab;
    }
    if (!mask)
      GST_WARNING_OBJECT (self, "no buffer for the label map: no analytics "
          "metadata on this frame");
  }
#endif

  ok = kms_context_process_full (self->ctx, &params, &in, &out, labels, &res);
  if (outbuf)
    gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
#ifdef HAVE_GST_ANALYTICS
  if (mask) {
    gst_video_frame_unmap (&mask_frame);
    if (ok && !attach_segmentation (self, outbuf ? outbuf : inbuf, mask,
            res.k))
      GST_WARNING_OBJECT (self, "could not attach the segmentation metadata");
    else if (!ok)
      gst_buffer_unref (mask);
  }
#endif
  if (!ok)
    goto process_failed;

  GST_OBJECT_LOCK (self);
  memcpy (self->palette, res.palette, res.k * sizeof (res.palette[0]));
  self->palette_n = res.k;
  GST_OBJECT_UNLOCK (self);

  GST_LOG_OBJECT (self, "k=%u iterations=%u mse=%.3f reinitialized=%d "
      "cut=%d points=%u cpu=%s", res.k, res.iterations, res.mse,
      res.reinitialized, res.scene_cut, res.fit_points,
      kms_cpu_level_to_string (res.cpu_level));
  if (post)
    post_message (self, inbuf, &res);
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("a buffer arrived before the caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
invalid_buffer:
  {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("buffer of %" G_GSIZE_FORMAT " bytes does not hold a %dx%d %s frame",
            gst_buffer_get_size (inbuf),
            GST_VIDEO_INFO_WIDTH (&filter->in_info),
            GST_VIDEO_INFO_HEIGHT (&filter->in_info),
            GST_VIDEO_INFO_NAME (&filter->in_info)));
    return GST_FLOW_ERROR;
  }
process_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
          ("could not process a %dx%d %s frame", in.width, in.height,
              kms_format_to_string (in.format)));
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn
gst_kmeans_seg_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  return gst_kmeans_seg_process (GST_KMEANS_SEG (trans), buf, NULL);
}

static GstFlowReturn
gst_kmeans_seg_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  return gst_kmeans_seg_process (GST_KMEANS_SEG (trans), inbuf, outbuf);
}

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

#ifndef __GST_KMEANS_SEG_H__
#define __GST_KMEANS_SEG_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_KMEANS_SEG (gst_kmeans_seg_get_type ())
G_DECLARE_FINAL_TYPE (GstKMeansSeg, gst_kmeans_seg, GST, KMEANS_SEG,
    GstVideoFilter);

/**
 * GstKMeansSegMode:
 * @GST_KMEANS_SEG_MODE_POSTERIZE: every pixel takes its cluster's colour
 * @GST_KMEANS_SEG_MODE_ORIGINAL: pixels keep their colour, only the mask
 *   applies
 * @GST_KMEANS_SEG_MODE_LABELS: each pixel's value is its cluster index
 *   (GRAY8 output possible from any input)
 */
typedef enum
{
  GST_KMEANS_SEG_MODE_POSTERIZE,
  GST_KMEANS_SEG_MODE_ORIGINAL,
  GST_KMEANS_SEG_MODE_LABELS,
} GstKMeansSegMode;

/**
 * GstKMeansSegInit:
 * @GST_KMEANS_SEG_INIT_KMEANS_PP: k-means++ seeding
 * @GST_KMEANS_SEG_INIT_RANDOM: k distinct random pixels
 */
typedef enum
{
  GST_KMEANS_SEG_INIT_KMEANS_PP,
  GST_KMEANS_SEG_INIT_RANDOM,
} GstKMeansSegInit;

/**
 * GstKMeansSegColorSpace:
 * @GST_KMEANS_SEG_COLOR_SPACE_NATIVE: the stream's own channels (R, G, B or
 *   Y, U, V)
 * @GST_KMEANS_SEG_COLOR_SPACE_OKLAB: OkLab, a perceptual colour space
 */
typedef enum
{
  GST_KMEANS_SEG_COLOR_SPACE_NATIVE,
  GST_KMEANS_SEG_COLOR_SPACE_OKLAB,
} GstKMeansSegColorSpace;

/**
 * GstKMeansSegDither:
 * @GST_KMEANS_SEG_DITHER_NONE: each pixel painted with its cluster's colour
 * @GST_KMEANS_SEG_DITHER_BAYER: ordered dithering, the 16x16 Bayer matrix
 * @GST_KMEANS_SEG_DITHER_BLUE_NOISE: ordered dithering, a 64x64 blue-noise
 *   tile
 */
typedef enum
{
  GST_KMEANS_SEG_DITHER_NONE,
  GST_KMEANS_SEG_DITHER_BAYER,
  GST_KMEANS_SEG_DITHER_BLUE_NOISE,
} GstKMeansSegDither;

GST_ELEMENT_REGISTER_DECLARE (kmeansseg);

G_END_DECLS

#endif /* __GST_KMEANS_SEG_H__ */

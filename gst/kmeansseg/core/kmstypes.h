/* kmeansseg: the core's shared types (no GStreamer, no API)
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


/* What every part of the core shares: limits, the formats, the frame, a
 * colour space, the CPU levels. Kernels include this (through kmsdsp.h),
 * never the public API of kmscore.h. */

#ifndef __KMS_TYPES_H__
#define __KMS_TYPES_H__

#include <glib.h>

G_BEGIN_DECLS

#define KMS_MAX_K 256
#define KMS_MAX_CHANNELS 3
#define KMS_MAX_PLANES 4

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
  KMS_MODE_POSTERIZE = 0,
  KMS_MODE_ORIGINAL,
  KMS_MODE_LABELS               /* each pixel's value is its cluster index */
} KmsMode;

/* The Y'CbCr matrix of a YUV stream (what mask and palette colours are
 * converted with) */
typedef enum
{
  KMS_MATRIX_BT601 = 0,
  KMS_MATRIX_BT709,
  KMS_MATRIX_BT2020
} KmsMatrix;

/* What a colour of a stream means: its format's channels, and for YUV its
 * matrix and range (zeroed: BT.601, limited) */
typedef struct
{
  KmsFormat format;
  KmsMatrix matrix;
  gboolean full_range;
} KmsColorSpace;

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

/* The colour space of a frame */
static inline KmsColorSpace
kms_frame_color_space (const KmsFrame * frame)
{
  KmsColorSpace cs = { frame->format, frame->matrix, frame->full_range };

  return cs;
}

/* One weighted point of the fitting data: the mean colour of the pixels
 * it stands for (unused channels 0), and how many they are. */
typedef struct
{
  gdouble c[KMS_MAX_CHANNELS];
  gdouble w;
} KmsPoint;

/* CPU levels, each a set of kernels. A level runs where the CPU runs it;
 * every level gives the same bytes as KMS_CPU_C, the C reference. */
typedef enum
{
  KMS_CPU_C = 0,                /* portable C, not vectorised */
  KMS_CPU_V2,                   /* x86-64-v2 (SSE4.2, POPCNT) */
  KMS_CPU_V3,                   /* x86-64-v3 (AVX2, FMA, BMI2) */
  KMS_CPU_AVX512,               /* x86-64-v4 with VNNI and VBMI */
  KMS_CPU_NEON,                 /* aarch64 Advanced SIMD */
  KMS_CPU_N_LEVELS
} KmsCpuLevel;

/* A set of levels: bit KMS_CPU_FLAG (level) */
typedef guint KmsCpuFlags;
#define KMS_CPU_FLAG(level) (1u << (level))
#define KMS_CPU_FLAGS_ALL ((1u << KMS_CPU_N_LEVELS) - 1)

G_END_DECLS

#endif /* __KMS_TYPES_H__ */

/* kmeansseg: what the core tests share
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

#ifndef __CORETEST_H__
#define __CORETEST_H__

#include <check.h>

#include "kmscore.h"

G_BEGIN_DECLS

/* A packed RGB layout, as GStreamer names it: the bytes in memory order */
typedef struct
{
  KmsFormat format;
  gint bpp;
  gint r, g, b;                 /* byte offsets of the channels */
  gint a;                       /* alpha, -1: none */
} TestLayout;

#define TEST_N_LAYOUTS 10
/* Every packed RGB format */
extern const TestLayout layouts[TEST_N_LAYOUTS];

/* A logical image in a packed layout, with a padded stride */
typedef struct
{
  TestLayout layout;
  gint width;
  gint height;
  gint stride;
  guint8 *data;
  gsize size;
} TestImage;

/* What expect_output() found */
typedef struct
{
  guint64 counts[KMS_MAX_K];
  guint64 sse;                  /* squared error against the centroids */
  guint64 ties;                 /* pixels with two nearest colours */
  guint64 masked;
} TestExpect;

#define assert_color_eq(got, r_, g_, b_) G_STMT_START {                     \
  const guint8 *_c = (got);                                                 \
  ck_assert_msg (_c[0] == (r_) && _c[1] == (g_) && _c[2] == (b_),           \
      "colour %u,%u,%u, expected %u,%u,%u", _c[0], _c[1], _c[2],           \
      (guint) (r_), (guint) (g_), (guint) (b_));                            \
} G_STMT_END

/* Deterministic data (xorshift64: never the core's RNG); logical images
 * are packed R, G, B bytes, width * height pixels */
guint32 rng_next (guint64 * s);
guint rng_below (guint64 * s, guint n);
guint8 clamp_level (gint v);
void gen_uniform (guint8 * rgb, gsize n, guint64 * s);
void gen_blobs (guint8 * rgb, gsize n, guint n_blobs, gint spread, guint64 * s);
void gen_uniform_or_blobs (guint8 * rgb, gsize n, gboolean uniform,
    guint n_blobs, gint spread, guint64 * s);
void gen_quantized (guint8 * rgb, gsize n, guint levels, guint64 * s);
void gen_regions (guint8 * rgb, gsize n, const guint8 (*colors)[3],
    const gsize * sizes, guint n_regions, gint noise, guint64 * s);
void gen_thirds (guint8 * rgb, gsize n, const guint8 (*colors)[3], gint noise,
    guint64 * s);

/* Images: every byte starts random (padding, x and alpha must survive) */
const TestLayout *get_layout (KmsFormat format);
TestImage *image_new (KmsFormat format, gint width, gint height, gint pad,
    guint64 * s);
TestImage *image_copy (const TestImage * src);
void image_free (TestImage * img);
guint8 *image_pixel (const TestImage * img, gint x, gint y);
void image_pack (TestImage * img, const guint8 * rgb);
void image_unpack (const TestImage * img, guint8 * rgb);
TestImage *image_new_from_rgb (KmsFormat format, gint width, gint height,
    gint pad, const guint8 * rgb, guint64 * s);
void image_frame (TestImage * img, KmsFrame * frame);
void params_init_exact (KmsParams * params, guint k);
void process_in_place (KmsContext * ctx, const KmsParams * params,
    TestImage * img, KmsResult * stats);
void assert_images_equal (const TestImage * got, const TestImage * expected,
    const gchar * what);

/* What the core must write: each pixel its nearest rounded centroid by an
 * exhaustive integer scan (ties to the lower index), the mask, the counts */
guint8 round_centroid (gdouble v);
guint nearest_color (const guint8 (*pal)[KMS_MAX_CHANNELS], guint k,
    const guint8 * px, guint * dist, gboolean * tie);
void model_masked (const KmsParams * params,
    const guint8 (*pal)[KMS_MAX_CHANNELS], guint k, gboolean * masked);
TestImage *expect_output (const TestImage * in,
    const guint8 (*pal)[KMS_MAX_CHANNELS], guint k, const KmsParams * params,
    TestExpect * ex);
void check_output (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, const TestImage * out, guint k, TestExpect * ex);
TestImage *process_and_check (KmsContext * ctx, const KmsParams * params,
    const TestImage * in, KmsResult * stats, TestExpect * ex);
void get_palette (KmsContext * ctx, guint k, guint8 (*pal)[KMS_MAX_CHANNELS]);
void get_exact (KmsContext * ctx, guint k, gdouble (*cent)[KMS_MAX_CHANNELS]);
gdouble color_distance (const guint8 * a, const guint8 * b);
gdouble luma (const gdouble * c);

/* The reference Lloyd: every pixel a point, in doubles (see coretest.c) */
guint ref_lloyd (const guint8 * rgb, gsize n, guint k,
    gdouble (*cent)[KMS_MAX_CHANNELS], guint max_iters, gdouble tolerance,
    gboolean * reseeded);
void assert_reseeded_as_reference (KmsContext * ctx, const KmsParams * params,
    const KmsResult * stats, const guint8 * rgb, gsize n, guint k,
    gdouble (*ref)[KMS_MAX_CHANNELS], gdouble (*got)[KMS_MAX_CHANNELS]);

/* Two runs that must agree: results, contexts, pixels and padding */
void assert_stats_equal (const KmsResult * got, const KmsResult * want,
    const gchar * what);
void assert_contexts_equal (KmsContext * got, KmsContext * want, guint k,
    const gchar * what);
void assert_pixels_equal (const TestImage * got, const TestImage * want,
    const TestImage * before, const gchar * what);

/* Runs @suite (taking it); the exit status of a test program */
gint coretest_run (Suite * suite);

G_END_DECLS

#endif /* __CORETEST_H__ */

/* GStreamer kmeansseg: the analytics segmentation metadata (1.26+)
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

/* analytics-meta=true: every output buffer carries a segmentation mtd
 * whose mask is the label map mode=labels writes for the same frames (in
 * every mode and format), with a classification naming the clusters,
 * read back with GStreamer's analytics API; the masks come from a pool.
 * Built only against GStreamer 1.26 or newer. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/analytics/analytics.h>

#include "kmstest-gst.h"

#define MODE_POSTERIZE 0
#define MODE_ORIGINAL 1
#define MODE_LABELS 2

/* A harness for kmeansseg with @props set first (gst_util_set_object_arg
 * pairs), @format in and @out_format out */
static GstHarness *
harness_new_caps (const gchar * format, const gchar * out_format, gint w,
    gint h, const gchar * const *props)
{
  GstHarness *hr = gst_harness_new ("kmeansseg");
  gchar *in = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", format, w, h);
  gchar *out = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", out_format, w, h);

  for (; props && props[0]; props += 2)
    gst_util_set_object_arg (G_OBJECT (hr->element), props[0], props[1]);
  gst_harness_set_caps_str (hr, in, out);
  g_free (in);
  g_free (out);
  return hr;
}

/* A frame of @format of noise in blobs: a few colours, every byte
 * varied a little */
static GstBuffer *
noise_frame (const GstVideoInfo * info, guint32 seed)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;
  guint32 state = seed;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++) {
    guint32 r = lcg (&state);
    /* runs of about 64 bytes share a base level */
    guint base = ((i / 64 + seed) * 2654435761u >> 24) & 0xc0;

    map.data[i] = base + (r >> 24) % 48;
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* The one segmentation mtd of @buf and its classification */
static GstBuffer *
read_segmentation (GstBuffer * buf, guint k, gint w, gint h,
    const gchar * what)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstAnalyticsSegmentationMtd seg;
  GstAnalyticsClsMtd cls;
  GstAnalyticsMtd mtd;
  gpointer state = NULL;
  GstBuffer *mask;
  GstVideoMeta *vmeta;
  gint x, y;
  guint lw, lh, n = 0, i;
  gsize idx;

  fail_unless (rmeta != NULL, "%s: no relation meta", what);
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_segmentation_mtd_get_mtd_type (), &mtd)) {
    seg = mtd;
    n++;
  }
  fail_unless (n == 1, "%s: %u segmentation mtds", what, n);
  fail_unless_equals_int (gst_analytics_segmentation_mtd_get_region_count
      (&seg), k);
  for (i = 0; i < k; i++) {
    fail_unless_equals_int (gst_analytics_segmentation_mtd_get_region_id
        (&seg, i), i);
    fail_unless (gst_analytics_segmentation_mtd_get_region_index (&seg, &idx,
            i) && idx == i);
  }
  mask = gst_analytics_segmentation_mtd_get_mask (&seg, &x, &y, &lw, &lh);
  fail_unless (mask != NULL);
  fail_unless (x == 0 && y == 0 && (gint) lw == w && (gint) lh == h,
      "%s: mask location %d,%d %ux%u", what, x, y, lw, lh);
  vmeta = gst_buffer_get_video_meta (mask);
  fail_unless (vmeta != NULL);
  fail_unless_equals_int (vmeta->format, GST_VIDEO_FORMAT_GRAY8);
  fail_unless_equals_int (vmeta->width, w);
  fail_unless_equals_int (vmeta->height, h);

  /* the regions' classes, by index */
  fail_unless (gst_analytics_relation_meta_get_direct_related (rmeta, seg.id,
          GST_ANALYTICS_REL_TYPE_RELATE_TO, gst_analytics_cls_mtd_get_mtd_type
          (), NULL, &cls), "%s: no related classification", what);
  fail_unless_equals_int (gst_analytics_cls_mtd_get_length (&cls), k);
  for (i = 0; i < k; i++) {
    gchar name[16];

    g_snprintf (name, sizeof (name), "cluster-%u", i);
    fail_unless_equals_string (g_quark_to_string
        (gst_analytics_cls_mtd_get_quark (&cls, i)), name);
  }
  return mask;
}

/* The GRAY8 plane of @buf (with or without a GstVideoMeta) against the
 * label map @exp of labels mode */
static void
assert_mask_eq (GstBuffer * mask, GstBuffer * exp, gint w, gint h,
    const gchar * what)
{
  GstVideoInfo info;
  GstVideoFrame a, b;
  gint x, y;

  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, w,
          h));
  fail_unless (gst_video_frame_map (&a, &info, mask, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&b, &info, exp, GST_MAP_READ));
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 got = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&a, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&a, 0) + x];
      guint8 want = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&b, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&b, 0) + x];

      fail_unless (got == want, "%s: mask %u at %d,%d, labels mode %u", what,
          got, x, y, want);
    }
  gst_video_frame_unmap (&a);
  gst_video_frame_unmap (&b);
}

/* In every mode and format, the mask is the label map of mode=labels for
 * the same frames (warm start and hysteresis included) */
GST_START_TEST (test_mask_is_label_map)
{
  static const gchar *formats[] = {
    "RGBx", "RGB", "BGRA", "I420", "NV12", "YUY2", "Y444", "GRAY8"
  };
  static const struct
  {
    const gchar *mode;
    gboolean gray8_out;
  } modes[] = {
    {"posterize", FALSE}, {"original", FALSE}, {"labels", FALSE},
    {"labels", TRUE},
  };
  const gint w = 37, h = 22;
  guint f, m, frame;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (m = 0; m < G_N_ELEMENTS (modes); m++) {
      const gchar *props[] = { "k", "5", "mode", modes[m].mode,
        "mask-cluster", "1", "analytics-meta", "true", NULL
      };
      const gchar *lprops[] = { "k", "5", "mode", "labels", NULL };
      GstHarness *ha = harness_new_caps (formats[f], modes[m].gray8_out ?
          "GRAY8" : formats[f], w, h, props);
      GstHarness *hl = harness_new_caps (formats[f], "GRAY8", w, h, lprops);
      GstVideoInfo info;

      fail_unless (gst_video_info_set_format (&info,
              gst_video_format_from_string (formats[f]), w, h));
      for (frame = 0; frame < 3; frame++) {
        GstBuffer *in = noise_frame (&info, 11 * frame + f + 1);
        GstBuffer *out, *lab, *mask;
        gchar *what = g_strdup_printf ("%s, %s%s, frame %u", formats[f],
            modes[m].mode, modes[m].gray8_out ? " (GRAY8)" : "", frame);

        out = gst_harness_push_and_pull (ha, gst_buffer_copy_deep (in));
        lab = gst_harness_push_and_pull (hl, in);
        fail_unless (out != NULL && lab != NULL);
        mask = read_segmentation (out, 5, w, h, what);
        assert_mask_eq (mask, lab, w, h, what);
        gst_buffer_unref (mask);
        gst_buffer_unref (out);
        gst_buffer_unref (lab);
        g_free (what);
      }
      gst_harness_teardown (ha);
      gst_harness_teardown (hl);
    }
  }
}

GST_END_TEST;

/* Off by default, and switched on and off while frames flow; the masks
 * come from a pool: a stream reuses a couple of buffers */
GST_START_TEST (test_switch_and_pool)
{
  const gint w = 64, h = 48;
  const gchar *props[] = { "k", "3", NULL };
  GstHarness *hr = harness_new_caps ("RGBx", "RGBx", w, h, props);
  GstVideoInfo info;
  gpointer seen[4] = { NULL };
  guint n_seen = 0, i, j;
  gboolean on;

  g_object_get (hr->element, "analytics-meta", &on, NULL);
  fail_unless (!on);
  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, w,
          h));
  for (i = 0; i < 40; i++) {
    GstBuffer *out;

    on = i >= 5 && i < 35 && i != 20;
    g_object_set (hr->element, "analytics-meta", on, NULL);
    out = gst_harness_push_and_pull (hr, noise_frame (&info, i));
    if (!on) {
      fail_unless (gst_buffer_get_analytics_relation_meta (out) == NULL,
          "frame %u: metadata while off", i);
    } else {
      GstBuffer *mask = read_segmentation (out, 3, w, h, "switched on");

      for (j = 0; j < n_seen && seen[j] != mask; j++);
      if (j == n_seen) {
        fail_unless (n_seen < G_N_ELEMENTS (seen),
            "frame %u: a new mask buffer again", i);
        seen[n_seen++] = mask;
      }
      gst_buffer_unref (mask);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* An upstream relation meta is kept and added to */
GST_START_TEST (test_existing_relation_meta)
{
  const gint w = 16, h = 8;
  const gchar *props[] = { "k", "2", "analytics-meta", "true", NULL };
  GstHarness *hr = harness_new_caps ("RGBx", "RGBx", w, h, props);
  GstVideoInfo info;
  GstBuffer *in, *out, *mask;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsODMtd od;
  gint x, y, ow, oh;
  gfloat conf;

  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, w,
          h));
  in = noise_frame (&info, 3);
  rmeta = gst_buffer_add_analytics_relation_meta (in);
  fail_unless (gst_analytics_relation_meta_add_od_mtd (rmeta,
          g_quark_from_string ("thing"), 1, 2, 3, 4, 0.5f, &od));
  out = gst_harness_push_and_pull (hr, in);
  mask = read_segmentation (out, 2, w, h, "with an upstream meta");
  gst_buffer_unref (mask);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (gst_analytics_relation_meta_get_od_mtd (rmeta, od.id, &od));
  fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &ow, &oh,
          &conf));
  fail_unless (x == 1 && y == 2 && ow == 3 && oh == 4);
  gst_buffer_unref (out);
  gst_harness_teardown (hr);
}

GST_END_TEST;

static Suite *
kmeansseg_analytics_suite (void)
{
  Suite *s = suite_create ("kmeansseg-analytics");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mask_is_label_map);
  tcase_add_test (tc, test_switch_and_pool);
  tcase_add_test (tc, test_existing_relation_meta);
  return s;
}

GST_CHECK_MAIN (kmeansseg_analytics);

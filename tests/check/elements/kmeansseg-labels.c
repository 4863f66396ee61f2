/* GStreamer kmeansseg: labels mode, caps, flushes
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

/* Labels mode (in the input's format, or the GRAY8 label map into a pool
 * downstream offers), mode changes on a running stream, caps changes,
 * flushes and a short buffer. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "kmstest-gst.h"

GST_START_TEST (test_caps_change)
{
  const Fmt *rgbx = fmt_get ("RGBx");
  const Fmt *bgra = fmt_get ("BGRA");
  GstHarness *h = harness_new (rgbx, 64, 48);
  Image *a1 = image_new_regions (64, 48, 0, xyz, NULL);
  Image *a2 = image_new_regions (64, 48, 1, xyz2, NULL);
  Image *b = image_new_regions (33, 17, 0, xyz2, NULL);
  Image *exp;
  gint i;

  check_xyz_luma ();
  g_object_set (h->element, "mask-cluster", 1, NULL);

  check_process_masked (h, rgbx, a1, xyz[1], "RGBx, frame 1");
  /* warm start across frames of the same caps */
  check_process_masked (h, rgbx, a2, xyz2[1], "RGBx, frame 2");

  /* new caps: a fresh start, numbered by luma; the mask's alpha (0xff)
   * is written on masked pixels only */
  harness_set_format (h, bgra, 33, 17);
  exp = expect_masked (b, xyz2[0]);
  for (i = 0; i < b->w * b->h; i++)
    if (b->rgb[i] == xyz2[0])
      exp->extra[i] = 0xff;
  check_process (h, bgra, b, exp, "BGRA after caps change");
  check_process (h, bgra, b, exp, "BGRA, frame 2");
  image_free (exp);

  /* and back: afresh again, X < Y < Z, so Y is 1 (warm from
   * Y' < X' < Z', X would be) */
  harness_set_format (h, rgbx, 64, 48);
  check_process_masked (h, rgbx, a1, xyz[1], "RGBx again");
  check_process_masked (h, rgbx, a2, xyz2[1], "RGBx again, frame 2");

  /* same format, new size: afresh too, X' is 1 (warm, Y' would be) */
  harness_set_format (h, rgbx, 33, 17);
  check_process_masked (h, rgbx, b, xyz2[0], "RGBx 33x17");

  image_free (a1);
  image_free (a2);
  image_free (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_short_buffer)
{
  const Fmt *fmt = fmt_get ("RGBx");
  GstHarness *h = harness_new (fmt, 16, 16);
  GstBus *bus = gst_bus_new ();
  Image *img = image_new_noisy (16, 16, 5, 0, 255);
  GstBuffer *full = image_to_buffer (img, fmt, 0);
  GstBuffer *buf;
  GstMessage *msg;
  GError *err = NULL;
  gsize size = gst_buffer_get_size (full) - 4 * 16 - 1;

  gst_element_set_bus (h->element, bus);

  /* a buffer a row and a byte short of what the caps say: a stream error,
   * with an ERROR message, and nothing goes downstream */
  buf = gst_buffer_copy_region (full, GST_BUFFER_COPY_ALL, 0, size);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR message about the short buffer");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT), "unexpected error: %s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  /* the element is not left broken: a whole frame is processed */
  {
    Image *res = process (h, fmt, img);
    guint32 pal[4];

    fail_unless_equals_int (count_distinct (res, pal, 3), 3);
    image_free (res);
  }

  gst_buffer_unref (full);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  image_free (img);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_resets_warm_start)
{
  const Fmt *fmt = fmt_get ("xRGB");
  GstHarness *h = harness_new (fmt, 48, 32);
  Image *f1 = image_new_regions (48, 32, 0, xyz, NULL);
  Image *f2 = image_new_regions (48, 32, 1, xyz2, NULL);
  GstEvent *ev;

  check_xyz_luma ();
  g_object_set (h->element, "mask-cluster", 1, NULL);

  check_process_masked (h, fmt, f1, xyz[1], "frame 1");
  check_process_masked (h, fmt, f2, xyz2[1], "frame 2, warm");

  fail_unless (harness_flush (h, TRUE, 0));
  /* the flush went downstream */
  while ((ev = gst_harness_try_pull_event (h))) {
    gboolean stop = GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP;

    gst_event_unref (ev);
    if (stop)
      break;
  }
  fail_unless (ev != NULL, "no FLUSH_STOP downstream");

  check_process_masked (h, fmt, f2, xyz2[0], "after flush: by luma");

  image_free (f1);
  image_free (f2);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Labels mode */

/* Same-format output: R = G = B = the cluster index (alpha and padding
 * kept); the clusters of a fresh start are numbered by luma */
GST_START_TEST (test_labels_rgb_formats)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    const Fmt *fmt = &rgb_formats[f];
    static const struct
    {
      gint w, h, stride_pad;
    } sizes[] = {
      {40, 30, 0},
      {33, 17, 12},
    };
    guint s;

    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      const gint w = sizes[s].w, ht = sizes[s].h;
      guint counts[4];
      guint32 pal[3];
      Image *img = image_new_regions (w, ht, 2, four, counts);
      GstHarness *h = harness_new (fmt, w, ht);
      Image *exp, *res;
      gint i;
      guint l;

      four_expected (img, counts, pal, &exp);
      for (i = 0; i < w * ht; i++) {
        for (l = 0; l < 3 && pal[l] != exp->rgb[i]; l++);
        fail_unless (l < 3);
        exp->rgb[i] = RGB (l, l, l);
      }
      g_object_set (h->element, "mode", MODE_LABELS, NULL);
      res = process_stride (h, fmt, img, sizes[s].stride_pad ?
          w * (gint) fmt->bpp + sizes[s].stride_pad : 0);
      assert_image_eq (res, exp, fmt->bpp == 4, "labels");
      image_free (res);
      gst_harness_teardown (h);
      image_free (img);
      image_free (exp);
    }
  }
}

GST_END_TEST;

/* YUV: Y = the index, every chroma sample 128; grey: the index */
GST_START_TEST (test_labels_yuv_formats)
{
  static const struct
  {
    gint w, h, pad;
  } sizes[] = {
    {16, 12, 0},
    {33, 17, 3},
  };
  guint f, s;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++) {
    for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
      const gint w = sizes[s].w, ht = sizes[s].h;
      guint8 *lab, val[3][3];
      Yuv *img = yuv_new_straddling (yuv_formats[f], w, ht, &lab, val);
      GstHarness *h = harness_new_yuv (yuv_formats[f], w, ht, NULL);
      guint l;
      Yuv *exp;

      for (l = 0; l < 3; l++) {
        val[l][0] = l;
        val[l][1] = val[l][2] = 128;
      }
      exp = model_paint (img, lab, val, write_all);
      g_object_set (h->element, "mode", MODE_LABELS, NULL);
      yuv_check_process (h, img, sizes[s].pad, exp, "labels");
      yuv_check_process (h, img, sizes[s].pad, exp, "labels, frame 2");
      gst_harness_teardown (h);
      yuv_free (exp);
      yuv_free (img);
      g_free (lab);
    }
  }
}

GST_END_TEST;

/* Downstream offers a pool of buffers with strides padded by
 * "kms-padding" pixels (a GstVideoMeta says so): wraps the harness's
 * query function of its sink pad */
static GstPadQueryFunction harness_sink_query;

static gboolean
padded_pool_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  gboolean res = harness_sink_query (pad, parent, query);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    guint padding = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (pad),
            "kms-padding"));
    GstVideoAlignment align;
    GstBufferPool *pool;
    GstStructure *config;
    GstVideoInfo info;
    GstCaps *caps;

    gst_query_parse_allocation (query, &caps, NULL);
    fail_unless (caps && gst_video_info_from_caps (&info, caps));
    pool = gst_video_buffer_pool_new ();
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_set_params (config, caps, info.size, 0, 0);
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
    gst_video_alignment_reset (&align);
    align.padding_right = padding;
    gst_buffer_pool_config_set_video_alignment (config, &align);
    fail_unless (gst_buffer_pool_set_config (pool, config));
    gst_query_add_allocation_pool (query, pool, info.size, 0, 0);
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
    gst_object_unref (pool);
  }
  return res;
}

static void
harness_offer_padded_pool (GstHarness * h, guint padding)
{
  if (GST_PAD_QUERYFUNC (h->sinkpad) != padded_pool_query)
    harness_sink_query = GST_PAD_QUERYFUNC (h->sinkpad);
  g_object_set_data (G_OBJECT (h->sinkpad), "kms-padding",
      GUINT_TO_POINTER (padding));
  gst_pad_set_query_function (h->sinkpad, padded_pool_query);
}

static GstHarness *
harness_new_labels_gray8 (const gchar * in_format, gint w, gint ht,
    guint padding)
{
  GstHarness *h = gst_harness_new ("kmeansseg");
  gchar *in = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", in_format, w, ht);
  gchar *out = g_strdup_printf ("video/x-raw,format=GRAY8,width=%d,"
      "height=%d,framerate=30/1", w, ht);

  /* labels mode first: only then is GRAY8 an output of any input */
  g_object_set (h->element, "mode", MODE_LABELS, NULL);
  if (padding)
    harness_offer_padded_pool (h, padding);
  gst_harness_set_caps_str (h, in, out);
  g_free (in);
  g_free (out);
  return h;
}

/* The caps the element has set on its source pad: @format */
static void
check_sink_format (GstHarness * h, const gchar * format)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstVideoInfo info;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_string (GST_VIDEO_INFO_NAME (&info), format);
  gst_caps_unref (caps);
}

/* The output buffer of @h had a GstVideoMeta with a stride longer than
 * the default */
static void
check_padded_stride (GstBuffer * buf, gint w)
{
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);

  fail_unless (meta != NULL, "no GstVideoMeta on the pool's buffer");
  fail_unless (meta->stride[0] > GST_ROUND_UP_4 (w), "stride %d not padded",
      meta->stride[0]);
}

/* GRAY8 output (the label map) from any input: each byte is the index */
GST_START_TEST (test_labels_gray8_output)
{
  static const gchar *rgb_names[] = { "RGBx", "BGR", "ARGB" };
  static const gchar *yuv_names[] = {
    "I420", "YV12", "NV12", "NV21", "Y444", "Y42B", "YUY2", "UYVY", "GRAY8"
  };
  static const struct
  {
    gint w, h;
    guint padding;              /* of the output, pixels; 0: none */
  } sizes[] = {
    {16, 12, 0},
    {33, 17, 0},
    {33, 17, 9},
  };
  guint f, s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    const gint w = sizes[s].w, ht = sizes[s].h;

    for (f = 0; f < G_N_ELEMENTS (rgb_names); f++) {
      const Fmt *fmt = fmt_get (rgb_names[f]);
      GstHarness *h = harness_new_labels_gray8 (fmt->name, w, ht,
          sizes[s].padding);
      guint counts[4];
      guint32 pal[3];
      Image *img = image_new_regions (w, ht, 2, four, counts);
      Image *exp;
      GstBuffer *out;
      Yuv *res;
      gint i, bad = -1;

      four_expected (img, counts, pal, &exp);
      fail_unless_equals_int (gst_harness_push (h, image_to_buffer (img, fmt,
                  0)), GST_FLOW_OK);
      out = gst_harness_pull (h);
      fail_unless (out != NULL);
      check_sink_format (h, "GRAY8");
      if (sizes[s].padding)
        check_padded_stride (out, w);
      res = yuv_from_buffer (out, "GRAY8", w, ht, FALSE);
      for (i = 0; i < w * ht && bad < 0; i++) {
        guint l;

        for (l = 0; l < 3 && pal[l] != exp->rgb[i]; l++);
        fail_unless (l < 3);
        if (res->c[0][i] != l)
          bad = i;
      }
      fail_unless (bad < 0, "%s %dx%d -> GRAY8: pixel (%d,%d) is %u",
          fmt->name, w, ht, bad % w, bad / w, bad < 0 ? 0 : res->c[0][bad]);
      gst_buffer_unref (out);
      yuv_free (res);
      image_free (img);
      image_free (exp);
      gst_harness_teardown (h);
    }

    for (f = 0; f < G_N_ELEMENTS (yuv_names); f++) {
      GstHarness *h = harness_new_labels_gray8 (yuv_names[f], w, ht,
          sizes[s].padding);
      guint8 *lab, cent[3][3];
      Yuv *img = yuv_new_straddling (yuv_names[f], w, ht, &lab, cent);
      Yuv *exp = yuv_new ("GRAY8", w, ht);
      GstBuffer *out;
      Yuv *res;
      guint n;

      memcpy (exp->c[0], lab, w * ht);
      for (n = 0; n < 2; n++) {
        gchar *what = g_strdup_printf ("%s -> GRAY8, frame %u", yuv_names[f],
            n);

        fail_unless_equals_int (gst_harness_push (h, yuv_to_buffer (img, 0)),
            GST_FLOW_OK);
        out = gst_harness_pull (h);
        fail_unless (out != NULL);
        check_sink_format (h, "GRAY8");
        /* (GRAY8 in, GRAY8 out is in place: no pool) */
        if (sizes[s].padding && strcmp (yuv_names[f], "GRAY8") != 0)
          check_padded_stride (out, w);
        res = yuv_from_buffer (out, "GRAY8", w, ht, FALSE);
        yuv_assert_eq (res, exp, what);
        g_free (what);
        yuv_free (res);
        gst_buffer_unref (out);
      }
      yuv_free (exp);
      yuv_free (img);
      g_free (lab);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Mode changes while streaming */

/* Into labels mode and out again on a running stream: the output keeps
 * the input's format (even where downstream would take GRAY8 too), and
 * every buffer flows */
GST_START_TEST (test_mode_change_to_labels)
{
  guint run;

  for (run = 0; run < 2; run++) {
    const Fmt *fmt = fmt_get ("RGBx");
    GstHarness *h = harness_new (fmt, 40, 30);
    guint counts[4];
    guint32 pal[3];
    Image *img = image_new_regions (40, 30, 2, four, counts);
    Image *post, *labels;
    gint i;
    guint l;

    if (run == 1)
      gst_harness_set_sink_caps_str (h, "video/x-raw,format={ RGBx, GRAY8 },"
          "width=40,height=30,framerate=30/1");
    four_expected (img, counts, pal, &post);
    labels = image_copy (post);
    for (i = 0; i < 40 * 30; i++) {
      for (l = 0; l < 3 && pal[l] != post->rgb[i]; l++);
      fail_unless (l < 3);
      labels->rgb[i] = RGB (l, l, l);
    }

    check_process (h, fmt, img, post, "posterize");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    check_process (h, fmt, img, labels, "into labels");
    check_sink_format (h, "RGBx");
    check_process (h, fmt, img, labels, "labels, frame 2");
    g_object_set (h->element, "mode", MODE_ORIGINAL, NULL);
    check_process (h, fmt, img, img, "original, no mask");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    check_process (h, fmt, img, labels, "labels again");
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    check_process (h, fmt, img, post, "posterize again");
    check_sink_format (h, "RGBx");

    image_free (img);
    image_free (post);
    image_free (labels);
    gst_harness_teardown (h);
  }

  /* YUV */
  {
    guint8 *lab, cent[3][3], val[3][3];
    Yuv *img = yuv_new_straddling ("NV12", 16, 12, &lab, cent);
    GstHarness *h = harness_new_yuv ("NV12", 16, 12, NULL);
    Yuv *post, *labels;
    guint l;

    for (l = 0; l < 3; l++) {
      val[l][0] = l;
      val[l][1] = val[l][2] = 128;
    }
    post = model_paint (img, lab, cent, write_all);
    labels = model_paint (img, lab, val, write_all);

    yuv_check_process (h, img, 0, post, "posterize");
    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    yuv_check_process (h, img, 0, labels, "into labels");
    check_sink_format (h, "NV12");
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    yuv_check_process (h, img, 0, post, "posterize again");

    yuv_free (post);
    yuv_free (labels);
    yuv_free (img);
    g_free (lab);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Out of labels mode while downstream takes only GRAY8: upstream
 * (videoconvert) is asked to renegotiate and supplies GRAY8, so the
 * stream goes on posterized in grey; back into labels, the label map
 * again. Switching on every frame for hundreds of frames, from the
 * application between frames and from the streaming thread just before
 * kmeansseg gets a frame that was converted for the old mode (the window
 * where the caps still say label map): every buffer flows. */
static GstPadProbeReturn
toggle_mode_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstElement *seg = user_data;
  gint mode;

  g_object_get (seg, "mode", &mode, NULL);
  g_object_set (seg, "mode", mode == MODE_LABELS ? MODE_POSTERIZE :
      MODE_LABELS, NULL);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_mode_switch_renegotiates)
{
  /* three colours whose grey levels are all well above the labels 0..2 */
  static const guint32 cols[3] = {
    RGB (200, 60, 60), RGB (60, 200, 90), RGB (90, 110, 230)
  };
  const gint w = 32, ht = 24, frames = 300;
  const Fmt *fmt = fmt_get ("RGBx");
  Image *img = image_new_regions (w, ht, 0, cols, NULL);
  guint from_probe;

  for (from_probe = 0; from_probe < 2; from_probe++) {
    GstHarness *h = gst_harness_new_parse ("videoconvert ! kmeansseg "
        "name=seg k=3 mode=labels ! capsfilter "
        "caps=video/x-raw,format=GRAY8");
    GstElement *seg = gst_bin_get_by_name (GST_BIN (h->element), "seg");
    gchar *caps = g_strdup_printf ("video/x-raw,format=RGBx,width=%d,"
        "height=%d,framerate=30/1", w, ht);
    guint n_labels = 0, n_grey = 0;
    gint i;

    fail_unless (seg != NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    if (from_probe) {
      GstPad *sink = gst_element_get_static_pad (seg, "sink");

      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, toggle_mode_probe,
          seg, NULL);
      gst_object_unref (sink);
    }

    for (i = 0; i < frames; i++) {
      GstBuffer *buf;
      GstMapInfo map;
      GstCaps *out_caps;
      GstVideoInfo info;
      gboolean want_labels = i % 2 == 0, is_labels;
      guint8 lo = 255, hi = 0;
      gint y, x;
      GstFlowReturn ret;

      if (!from_probe)
        g_object_set (seg, "mode", want_labels ? MODE_LABELS :
            MODE_POSTERIZE, NULL);
      ret = gst_harness_push (h, image_to_buffer (img, fmt, 0));
      fail_unless (ret == GST_FLOW_OK, "frame %d (%s): %s", i,
          from_probe ? "switched in the stream" : "switched between frames",
          gst_flow_get_name (ret));
      buf = gst_harness_pull (h);
      out_caps = gst_pad_get_current_caps (h->sinkpad);
      fail_unless (gst_video_info_from_caps (&info, out_caps));
      gst_caps_unref (out_caps);
      fail_unless_equals_string (GST_VIDEO_INFO_NAME (&info), "GRAY8");
      fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), w);
      fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
      for (y = 0; y < ht; y++)
        for (x = 0; x < w; x++) {
          guint8 v = map.data[y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x];

          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
      gst_buffer_unmap (buf, &map);
      gst_buffer_unref (buf);
      /* the label map (0..2, all three there) or the grey picture
       * posterized (three levels, each far above 2) */
      is_labels = hi <= 2;
      fail_unless (is_labels ? lo == 0 && hi == 2 : lo > 20,
          "frame %d: values %u..%u are neither labels nor the picture", i,
          lo, hi);
      if (!from_probe)
        fail_unless (is_labels == want_labels, "frame %d: %s written in "
            "%s mode", i, is_labels ? "labels" : "a picture",
            want_labels ? "labels" : "posterize");
      if (is_labels)
        n_labels++;
      else
        n_grey++;
    }
    /* switched between frames: exactly as asked */
    if (!from_probe)
      fail_unless (n_labels == frames / 2 && n_grey == frames / 2);
    gst_object_unref (seg);
    gst_harness_teardown (h);
  }

  /* Nothing upstream to supply GRAY8, but downstream takes the input's
   * format too: out of labels mode the output goes back to it */
  {
    GstHarness *h = harness_new (fmt, w, ht);
    Image *out;

    g_object_set (h->element, "mode", MODE_LABELS, NULL);
    gst_harness_set_sink_caps_str (h, "video/x-raw,format=GRAY8");
    gst_buffer_unref (gst_harness_push_and_pull (h, image_to_buffer (img,
                fmt, 0)));
    check_sink_format (h, "GRAY8");
    gst_harness_set_sink_caps_str (h, "video/x-raw,format={ GRAY8, RGBx }");
    g_object_set (h->element, "mode", MODE_POSTERIZE, NULL);
    out = process (h, fmt, img);
    check_sink_format (h, "RGBx");
    /* three flat regions posterize to themselves */
    assert_image_eq (out, img, FALSE, "posterize after labels");
    image_free (out);
    gst_harness_teardown (h);
  }
  image_free (img);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Spatial smoothing */

/* Where the speckle of a two-region frame goes: lone pixels (also in the
 * corners and on the edges of the frame, whose pixels repeat outside it),
 * 2x2 blocks, a one-pixel line and notches in the boundary; one pass of
 * the 3x3 majority removes all of them, and the two regions (split at
 * x = w / 2) are left as they are */
static gboolean
is_speckle (gint x, gint y, gint w, gint h)
{
  const gint mid = w / 2;

  return (x == 3 && y == 4) || (x == w - 4 && y == h - 3) ||
      (x >= 6 && x <= 7 && y >= 8 && y <= 9) ||
      (x >= 7 && x <= 8 && y >= 1 && y <= 2) ||
      (x == 0 && y == 0) || (x == w - 1 && y == h - 1) ||
      (x == 12 && y == 0) || (x == 0 && y == 13) ||
      (y == h - 5 && x >= mid + 3 && x <= mid + 9) ||
      (x == mid - 1 && y == h / 2) || (x == mid && y == h / 2 + 3);
}

static void
set_grey_palette (GstElement * e)
{
  /* black, white, grey: exact in every format's colour space */
  static const guint32 cols[] = { 0xff000000, 0xffffffff, 0xff808080 };

  set_palette (e, cols, G_N_ELEMENTS (cols));
}

static void
setup_smoothing (GstHarness * h, gint mode, guint passes)
{
  set_grey_palette (h->element);
  /* the plain majority */
  g_object_set (h->element, "k", 3, "max-iters", 0, "mode", mode,
      "spatial-smoothing", passes, "spatial-smoothing-strength", 255, NULL);
  if (mode == MODE_ORIGINAL)
    g_object_set (h->element, "mask-cluster", 1, "mask-color", 0xff2060a0,
        NULL);
}

/* With a fixed palette, the speckled frame smoothed is written exactly as
 * the clean frame without smoothing: in every mode and format, with 1 and
 * 3 passes, frame after frame, and back to the speckle at 0. In original
 * mode the masked pixels are those of the clean frame, and the others
 * keep the speckled frame's colours. */
GST_START_TEST (test_spatial_smoothing_formats)
{
  static const gint modes[] = { MODE_POSTERIZE, MODE_ORIGINAL, MODE_LABELS };
  static const guint passes[] = { 1, 3 };
  const gint w = 34, ht = 22;
  guint f, m, p;
  gint x, y;

  for (f = 0; f < N_RGB_FORMATS + N_YUV_FORMATS; f++) {
    for (m = 0; m < G_N_ELEMENTS (modes); m++) {
      for (p = 0; p < G_N_ELEMENTS (passes); p++) {
        gchar *what = g_strdup_printf ("%s, mode %d, %u passes",
            f < N_RGB_FORMATS ? rgb_formats[f].name :
            yuv_formats[f - N_RGB_FORMATS], modes[m], passes[p]);
        GstHarness *hs, *hc;

        if (f < N_RGB_FORMATS) {
          const Fmt *fmt = &rgb_formats[f];
          Image *speck = image_new (w, ht), *clean, *exp, *res;

          for (y = 0; y < ht; y++)
            for (x = 0; x < w; x++)
              PIX (speck, x, y) = (x < w / 2) ? 0x080808 : 0xf0f0f0;
          clean = image_copy (speck);
          for (y = 0; y < ht; y++)
            for (x = 0; x < w; x++)
              if (is_speckle (x, y, w, ht))
                PIX (speck, x, y) = 0x8a8a8a;
          hs = harness_new (fmt, w, ht);
          hc = harness_new (fmt, w, ht);
          setup_smoothing (hs, modes[m], passes[p]);
          setup_smoothing (hc, modes[m], 0);
          exp = process (hc, fmt, clean);
          if (modes[m] == MODE_ORIGINAL)
            for (y = 0; y < ht; y++)
              for (x = 0; x < w; x++)
                if (PIX (exp, x, y) == PIX (clean, x, y))
                  PIX (exp, x, y) = PIX (speck, x, y);
          res = process_stride (hs, fmt, speck, w * (gint) fmt->bpp + 8);
          assert_image_eq (res, exp, fmt->bpp == 4, what);
          image_free (res);
          res = process (hs, fmt, speck);
          assert_image_eq (res, exp, fmt->bpp == 4, what);
          image_free (res);
          /* grey is far from black and white: at strength 40 (not
           * enough for 8 neighbours: 3 x 40^2 x 8 < 3 x 128^2) the speckle
           * stays, as when off */
          g_object_set (hs->element, "spatial-smoothing-strength", 40, NULL);
          image_free (exp);
          exp = process (hc, fmt, speck);
          res = process (hs, fmt, speck);
          assert_image_eq (res, exp, fmt->bpp == 4, what);
          image_free (res);
          /* off again */
          g_object_set (hs->element, "spatial-smoothing", 0,
              "spatial-smoothing-strength", 255, NULL);
          res = process (hs, fmt, speck);
          assert_image_eq (res, exp, fmt->bpp == 4, what);
          image_free (res);
          image_free (exp);
          image_free (speck);
          image_free (clean);
        } else {
          const gchar *format = yuv_formats[f - N_RGB_FORMATS];
          Yuv *speck = yuv_new (format, w, ht), *clean, *exp, *res;
          guint i;

          for (i = 1; i < speck->n_comp; i++)
            memset (speck->c[i], 128, speck->cw * speck->ch);
          for (y = 0; y < ht; y++)
            for (x = 0; x < w; x++)
              speck->c[0][y * w + x] = (x < w / 2) ? 20 : 230;
          clean = yuv_copy (speck);
          for (y = 0; y < ht; y++)
            for (x = 0; x < w; x++)
              if (is_speckle (x, y, w, ht))
                speck->c[0][y * w + x] = 128;
          hs = harness_new_yuv (format, w, ht, NULL);
          hc = harness_new_yuv (format, w, ht, NULL);
          setup_smoothing (hs, modes[m], passes[p]);
          setup_smoothing (hc, modes[m], 0);
          exp = yuv_process (hc, clean, 0);
          if (modes[m] == MODE_ORIGINAL)
            for (i = 0; i < speck->n_comp; i++) {
              const gsize n = i ? (gsize) speck->cw * speck->ch : w * ht;
              gsize j;

              for (j = 0; j < n; j++)
                if (exp->c[i][j] == clean->c[i][j])
                  exp->c[i][j] = speck->c[i][j];
            }
          res = yuv_process (hs, speck, 5);
          yuv_assert_eq (res, exp, what);
          yuv_free (res);
          res = yuv_process (hs, speck, 0);
          yuv_assert_eq (res, exp, what);
          yuv_free (res);
          g_object_set (hs->element, "spatial-smoothing", 0, NULL);
          yuv_free (exp);
          exp = yuv_process (hc, speck, 0);
          res = yuv_process (hs, speck, 0);
          yuv_assert_eq (res, exp, what);
          yuv_free (res);
          yuv_free (exp);
          yuv_free (speck);
          yuv_free (clean);
        }
        gst_harness_teardown (hs);
        gst_harness_teardown (hc);
        g_free (what);
      }
    }
  }
}

GST_END_TEST;

static Suite *
kmeansseg_labels_suite (void)
{
  Suite *s = suite_create ("kmeansseg-labels");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_short_buffer);
  tcase_add_test (tc, test_flush_resets_warm_start);
  tcase_add_test (tc, test_labels_rgb_formats);
  tcase_add_test (tc, test_labels_yuv_formats);
  tcase_add_test (tc, test_labels_gray8_output);
  tcase_add_test (tc, test_mode_change_to_labels);
  tcase_add_test (tc, test_mode_switch_renegotiates);
  tcase_add_test (tc, test_spatial_smoothing_formats);

  return s;
}

GST_CHECK_MAIN (kmeansseg_labels);

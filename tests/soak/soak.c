/* kmeansseg soak: many small frames, the properties changing, memory
 * watched
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

/* Pushes frames through kmeansseg in a GstHarness, changes a property every
 * few frames (k, mode, mask, threads, sampling, warm start; now and then
 * the caps or a flush), and prints the resident memory (VmRSS) at the
 * start, every --report frames and at the end. A leak of even a few bytes
 * a frame shows as a steady climb; a flat line is the pass.
 *
 * Exit status: 0, or 1 when the memory grew more than --max-growth KiB
 * between the first report after the warm-up and the end. scripts/soak.sh
 * runs it; docs/robustness.md has the figures. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

static const gchar *formats[] = {
  "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR", "RGB", "BGR"
};

/* VmRSS in KiB, from /proc/self/status */
static glong
rss_kib (void)
{
  gchar *status = NULL, *line;
  glong kib = -1;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  if (line)
    kib = strtol (line + strlen ("VmRSS:"), NULL, 10);
  g_free (status);
  return kib;
}

static guint32
lcg (guint32 * state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

static void
set_caps (GstHarness * h, const gchar * format, gint w, gint ht)
{
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", format, w, ht);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

/* A few frames of moving gradients and noise, made once per caps */
static GstBuffer **
make_frames (const gchar * format, gint w, gint ht, guint n, guint32 seed)
{
  GstBuffer **frames = g_new0 (GstBuffer *, n);
  GstVideoInfo info;
  guint i;

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      w, ht);
  for (i = 0; i < n; i++) {
    GstMapInfo map;
    gsize b;

    frames[i] = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info),
        NULL);
    gst_buffer_map (frames[i], &map, GST_MAP_WRITE);
    for (b = 0; b < map.size; b++)
      map.data[b] = (guint8) ((b * 7 + i * 13 + (b / 97) * 5) & 0xff) ^
          (guint8) (lcg (&seed) & 0x1f);
    gst_buffer_unmap (frames[i], &map);
  }
  return frames;
}

static void
free_frames (GstBuffer ** frames, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    gst_buffer_unref (frames[i]);
  g_free (frames);
}

static void
push_flush (GstHarness * h)
{
  GstSegment segment;
  GstEvent *ev;

  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  while ((ev = gst_harness_try_pull_event (h)))
    gst_event_unref (ev);
}

/* One property change, the i-th of a fixed cycle */
static void
change_property (GstHarness * h, guint i, guint32 * state)
{
  switch (i % 9) {
    case 0:
      g_object_set (h->element, "k", 1 + lcg (state) % 16, NULL);
      break;
    case 1:
      g_object_set (h->element, "mode", (gint) (lcg (state) % 2), NULL);
      break;
    case 2:
      g_object_set (h->element, "mask-cluster",
          (gint) (lcg (state) % 20) - 1, NULL);
      break;
    case 3:
      g_object_set (h->element, "n-threads", lcg (state) % 4, NULL);
      break;
    case 4:
      g_object_set (h->element, "sample-size", (lcg (state) % 3) * 500, NULL);
      break;
    case 5:
      g_object_set (h->element, "warm-start", (gboolean) (lcg (state) % 2),
          NULL);
      break;
    case 6:
      g_object_set (h->element, "max-iters", lcg (state) % 30, "tolerance",
          (lcg (state) % 10) / 4.0, NULL);
      break;
    case 7:
      g_object_set (h->element, "init", (gint) (lcg (state) % 2), "seed",
          lcg (state), NULL);
      break;
    case 8:
      g_object_set (h->element, "k", 17 + lcg (state) % 240, NULL);
      break;
  }
}

int
main (int argc, char **argv)
{
  gint64 frames = 100000, every = 50, report = 10000, warmup = 10000;
  gint64 max_growth = 1024, caps_every = 5000, flush_every = 777;
  gint width = 64, height = 48;
  const GOptionEntry entries[] = {
    {"frames", 'n', 0, G_OPTION_ARG_INT64, &frames, "Frames to push", "N"},
    {"width", 'W', 0, G_OPTION_ARG_INT, &width, "Frame width", "W"},
    {"height", 'H', 0, G_OPTION_ARG_INT, &height, "Frame height", "H"},
    {"every", 'e', 0, G_OPTION_ARG_INT64, &every,
        "Change a property every N frames", "N"},
    {"caps-every", 0, 0, G_OPTION_ARG_INT64, &caps_every,
        "Change the caps every N frames (0: never)", "N"},
    {"flush-every", 0, 0, G_OPTION_ARG_INT64, &flush_every,
        "Flush every N frames (0: never)", "N"},
    {"report", 'r', 0, G_OPTION_ARG_INT64, &report,
        "Print VmRSS every N frames", "N"},
    {"warmup", 0, 0, G_OPTION_ARG_INT64, &warmup,
        "Frames before the reference measurement", "N"},
    {"max-growth", 0, 0, G_OPTION_ARG_INT64, &max_growth,
        "Fail when VmRSS grows more than this after the warm-up", "KiB"},
    {NULL}
  };
  GOptionContext *octx;
  GError *err = NULL;
  GstHarness *h;
  GstBuffer **bufs;
  const guint n_bufs = 8;
  guint32 state = 12345;
  guint fmt = 0, changes = 0;
  glong rss_start, rss_ref = -1, rss_end, rss_max;
  gint64 i, t0;
  gint cur_w = width, cur_h = height;

  octx = g_option_context_new ("- kmeansseg soak test");
  g_option_context_add_main_entries (octx, entries, NULL);
  g_option_context_add_group (octx, gst_init_get_option_group ());
  if (!g_option_context_parse (octx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (octx);
  if (frames < 1 || width < 1 || height < 1 || every < 1 || report < 1) {
    g_printerr ("frames, width, height, every and report must be >= 1\n");
    return 2;
  }
  warmup = MIN (warmup, frames);

  h = gst_harness_new ("kmeansseg");
  if (!h || !h->element) {
    g_printerr ("no kmeansseg element (GST_PLUGIN_PATH?)\n");
    return 2;
  }
  set_caps (h, formats[fmt], cur_w, cur_h);
  bufs = make_frames (formats[fmt], cur_w, cur_h, n_bufs, state);

  rss_start = rss_max = rss_kib ();
  g_print ("frame %8d  VmRSS %6ld KiB  (start)\n", 0, rss_start);
  t0 = g_get_monotonic_time ();

  for (i = 0; i < frames; i++) {
    GstBuffer *out;
    GstFlowReturn ret;

    if (i > 0 && i % every == 0)
      change_property (h, changes++, &state);
    if (caps_every > 0 && i > 0 && i % caps_every == 0) {
      /* another format, and a size around the requested one */
      free_frames (bufs, n_bufs);
      fmt = (fmt + 1) % G_N_ELEMENTS (formats);
      cur_w = MAX (1, width - (gint) (lcg (&state) % 8));
      cur_h = MAX (1, height - (gint) (lcg (&state) % 8));
      set_caps (h, formats[fmt], cur_w, cur_h);
      bufs = make_frames (formats[fmt], cur_w, cur_h, n_bufs, state);
    }
    if (flush_every > 0 && i > 0 && i % flush_every == 0)
      push_flush (h);

    /* a new buffer every frame (the element works in place on it), as a
     * source's pool would hand out */
    ret = gst_harness_push (h, gst_buffer_copy_deep (bufs[i % n_bufs]));
    if (ret != GST_FLOW_OK) {
      g_printerr ("frame %" G_GINT64_FORMAT ": push returned %s\n", i,
          gst_flow_get_name (ret));
      return 1;
    }
    out = gst_harness_pull (h);
    gst_buffer_unref (out);

    if ((i + 1) == warmup)
      rss_ref = rss_kib ();
    if ((i + 1) % report == 0 && (i + 1) < frames) {
      glong rss = rss_kib ();

      rss_max = MAX (rss_max, rss);
      g_print ("frame %8" G_GINT64_FORMAT "  VmRSS %6ld KiB\n", i + 1, rss);
    }
  }

  rss_end = rss_kib ();
  rss_max = MAX (rss_max, rss_end);
  if (rss_ref < 0)
    rss_ref = rss_start;
  g_print ("frame %8" G_GINT64_FORMAT "  VmRSS %6ld KiB  (end)\n", frames,
      rss_end);
  g_print ("%" G_GINT64_FORMAT " frames in %.1f s, %u property changes; "
      "VmRSS start %ld KiB, after warm-up (%" G_GINT64_FORMAT
      " frames) %ld KiB, end %ld KiB, max %ld KiB, growth after warm-up "
      "%+ld KiB\n", frames, (g_get_monotonic_time () - t0) / 1e6, changes,
      rss_start, warmup, rss_ref, rss_end, rss_max, rss_end - rss_ref);

  free_frames (bufs, n_bufs);
  gst_harness_teardown (h);

  if (rss_end - rss_ref > max_growth) {
    g_printerr ("FAIL: VmRSS grew %ld KiB after the warm-up (limit %"
        G_GINT64_FORMAT " KiB)\n", rss_end - rss_ref, max_growth);
    return 1;
  }
  return 0;
}

/* kmeansseg in an application: change k and mask-cluster while PLAYING and
 * follow the element's per-frame messages.
 *
 * Runs videotestsrc num-buffers=FRAMES ! videoconvert
 *   ! kmeansseg post-messages=true ! fakesink
 * and, from the bus watch, reacts to what the messages say: after frame 10
 * it sets k=5 and masks cluster 4, after frame 25 k=2 and masks cluster 1.
 * It prints every message and checks that the k they report follows the
 * changes (the old value up to some frame, the new one from then on, with
 * as many centroids and counts as k); it exits 1 if not, or on a warning or
 * error on the bus.
 *
 * Build: part of the meson build (examples/app, run by `meson test`), or
 *   cc app.c -o app $(pkg-config --cflags --libs gstreamer-1.0)
 * Run:   GST_PLUGIN_PATH=build/gst/kmeansseg build/examples/app
 *
 * Copyright (C) 2026 The kmeansseg authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gst/gst.h>

#define FRAMES 45

/* The changes: after the message of frame `after`, set these */
typedef struct
{
  guint64 after;
  guint k;
  gint mask_cluster;
} Change;

static const Change changes[] = {
  {10, 5, 4},
  {25, 2, 1},
};

typedef struct
{
  GMainLoop *loop;
  GstElement *seg;
  guint64 frames;               /* messages seen */
  guint next_change;            /* index into changes[] */
  guint applied;                /* changes set so far */
  guint expected_k;             /* the k of the last change applied */
  guint expected_k_old;         /* the k before it, until a message shows
                                 * the new one; then equal */
  gboolean failed;
} App;

static void
fail (App * app, const gchar * what)
{
  g_printerr ("FAIL: %s\n", what);
  app->failed = TRUE;
}

/* One kmeansseg message: print it, check it, maybe change the settings */
static void
on_kmeansseg_message (App * app, const GstStructure * s)
{
  GstClockTime ts = GST_CLOCK_TIME_NONE;
  const GValue *centroids, *counts;
  guint k = 0, iterations = 0, c, ch;
  gdouble mse = 0;
  gboolean reinit = FALSE;

  gst_structure_get_clock_time (s, "timestamp", &ts);
  gst_structure_get_uint (s, "k", &k);
  gst_structure_get_uint (s, "iterations", &iterations);
  gst_structure_get_double (s, "mse", &mse);
  gst_structure_get_boolean (s, "reinitialized", &reinit);
  /* arrays: GstValueArray, read with gst_value_array_*() */
  centroids = gst_structure_get_value (s, "centroids");
  counts = gst_structure_get_value (s, "counts");

  g_print ("frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      ": k=%u iterations=%u mse=%.1f%s\n", app->frames, GST_TIME_ARGS (ts),
      k, iterations, mse, reinit ? " reinitialized" : "");
  for (c = 0; c < gst_value_array_get_size (centroids); c++) {
    const GValue *colour = gst_value_array_get_value (centroids, c);

    g_print ("  cluster %u:", c);
    /* R, G, B (or Y, U, V; or Y alone), as the stream's format has them */
    for (ch = 0; ch < gst_value_array_get_size (colour); ch++)
      g_print (" %3u", g_value_get_uint (gst_value_array_get_value (colour,
                  ch)));
    g_print ("  %" G_GUINT64_FORMAT " pixels\n",
        g_value_get_uint64 (gst_value_array_get_value (counts, c)));
  }

  /* The settings are read once per frame in the streaming thread, which
   * runs ahead of this main loop: a change shows in a later frame's
   * message. Until then the message may still report the old k. */
  if (k != app->expected_k && k != app->expected_k_old)
    fail (app, "k in the message is neither the new nor the old value");
  if (k == app->expected_k) {
    /* the new value has arrived: the old one must not come back */
    app->expected_k_old = app->expected_k;
  }
  if (gst_value_array_get_size (centroids) != k ||
      gst_value_array_get_size (counts) != k)
    fail (app, "not k centroids and counts");

  if (app->next_change < G_N_ELEMENTS (changes) &&
      app->frames == changes[app->next_change].after) {
    const Change *ch = &changes[app->next_change++];

    if (app->expected_k_old != app->expected_k)
      fail (app, "the previous k never showed in a message");
    g_print ("-- setting k=%u mask-cluster=%d\n", ch->k, ch->mask_cluster);
    /* Keep mask-cluster < k at every moment (a frame may fall between the
     * two settings; mask-cluster >= k posts a warning): when k grows, set
     * k first; when it shrinks, mask-cluster first. */
    if (ch->k >= app->expected_k)
      g_object_set (app->seg, "k", ch->k, "mask-cluster", ch->mask_cluster,
          NULL);
    else
      g_object_set (app->seg, "mask-cluster", ch->mask_cluster, "k", ch->k,
          NULL);
    app->expected_k_old = app->expected_k;
    app->expected_k = ch->k;
    app->applied++;
  }
  app->frames++;
}

static gboolean
on_bus_message (G_GNUC_UNUSED GstBus * bus, GstMessage * msg,
    gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "kmeansseg"))
        on_kmeansseg_message (app, gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      g_printerr ("warning from %s: %s\n", GST_OBJECT_NAME (msg->src),
          err->message);
      fail (app, "a warning");
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("error from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
          err->message, debug ? debug : "");
      fail (app, "an error");
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char *argv[])
{
  App app = { NULL, };
  GstElement *pipeline;
  GstBus *bus;
  GError *err = NULL;
  GValue palette = G_VALUE_INIT;
  guint i;

  gst_init (&argc, &argv);

  if (!gst_registry_check_feature_version (gst_registry_get (), "kmeansseg",
          0, 0, 0)) {
    g_printerr ("no kmeansseg element: set GST_PLUGIN_PATH to the build's "
        "gst/kmeansseg\n");
    return 1;
  }

  /* fakesink sync=true plays at the frame rate, so the main loop sees the
   * messages while the stream still runs and the changes land mid-stream;
   * qos=false: a busy machine must not make kmeansseg drop frames (a
   * dropped frame posts no message) */
  pipeline = gst_parse_launch ("videotestsrc pattern=smpte "
      "horizontal-speed=2 num-buffers=" G_STRINGIFY (FRAMES)
      " ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert "
      "! kmeansseg name=seg post-messages=true k=3 "
      "! fakesink sync=true qos=false", &err);
  if (!pipeline) {
    g_printerr ("could not build the pipeline: %s\n", err->message);
    g_clear_error (&err);
    return 1;
  }
  app.seg = gst_bin_get_by_name (GST_BIN (pipeline), "seg");
  app.loop = g_main_loop_new (NULL, FALSE);
  app.expected_k = app.expected_k_old = 3;

  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus_message, &app);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("could not start the pipeline\n");
    return 1;
  }
  g_main_loop_run (app.loop);

  /* The current-palette property: the last frame's centroids as
   * 0xAARRGGBB */
  g_value_init (&palette, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (app.seg), "current-palette", &palette);
  g_print ("palette:");
  for (i = 0; i < gst_value_array_get_size (&palette); i++)
    g_print (" 0x%08x",
        g_value_get_uint (gst_value_array_get_value (&palette, i)));
  g_print ("\n");
  g_value_unset (&palette);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.seg);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);

  if (app.applied != G_N_ELEMENTS (changes))
    fail (&app, "the stream ended before every change was made");
  else if (app.expected_k_old != app.expected_k)
    fail (&app, "no message showed the last k");
  if (app.frames != FRAMES)
    fail (&app, "not one message per frame");
  if (!app.failed)
    g_print ("OK: %" G_GUINT64_FORMAT " frames, k followed every change\n",
        app.frames);
  return app.failed ? 1 : 0;
}

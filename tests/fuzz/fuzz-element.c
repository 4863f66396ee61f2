/* kmeansseg: libFuzzer target for the element, through GstHarness
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

/* The input is a script of operations on one kmeansseg in a GstHarness:
 * new caps (any format of the pad template, read at run time, or one it
 * doesn't have; any size from 1x1; a colorimetry), a property set to a
 * value within its range (every writable property of the element, found
 * at run time, so new ones are fuzzed too), all properties read, a frame
 * pushed (plain, or with a GstVideoMeta with padded strides and an
 * offset), a buffer shorter than the caps promise (plain, or with a meta
 * that describes more than the memory holds), a flush, downstream asking
 * for the GRAY8 label map or for anything.
 *
 * What must hold: a whole frame under supported caps that can be
 * negotiated comes back as GST_FLOW_OK, of the size its caps say, with
 * padding untouched, unchanged in original mode without a mask, a label
 * below k per pixel in a GRAY8 label map; a short buffer gives
 * GST_FLOW_ERROR and nothing downstream; nothing is GST_FLOW_OK under
 * unsupported caps; never a crash, a sanitizer report, a g_critical or a
 * g_warning. A failed check aborts.
 *
 * The plugin is loaded from the build directory (KMS_FUZZ_PLUGIN_DIR, set
 * by meson; KMEANSSEG_PLUGIN_DIR overrides it) with a registry of its own.
 * KMEANSSEG_FUZZ_NO_META_SHORT=1 leaves out short buffers that carry a
 * GstVideoMeta (see docs/robustness.md). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmstest-gst.h"

#define MAX_W 40
#define MAX_H 30
#define MAX_OPS 40
#define MAX_FORMATS 64

#define CHECK(cond, ...) KMSTEST_CHECK ("fuzz-element", cond, __VA_ARGS__)

/* The pad template's formats, then some it doesn't have */
static GstVideoFormat formats[MAX_FORMATS];
static guint n_formats, n_supported;
static const GstVideoFormat unsupported[] = {
  GST_VIDEO_FORMAT_RGB16, GST_VIDEO_FORMAT_NV16, GST_VIDEO_FORMAT_v210,
  GST_VIDEO_FORMAT_GRAY16_LE, GST_VIDEO_FORMAT_AYUV64,
};

static const gchar *colorimetries[] = {
  NULL, "bt601", "bt709", "bt2020", "sRGB", "1:4:0:0", "2:3:5:1"
};

static gboolean no_meta_short;
/* KMEANSSEG_FUZZ_VERBOSE set: print the operations (to triage) */
static gboolean verbose;
static GParamSpec **props;
static guint n_props;

static void
fatal_log (const gchar * domain, GLogLevelFlags level, const gchar * msg,
    gpointer data)
{
  fprintf (stderr, "fuzz-element: %s-%s: %s\n", domain ? domain : "",
      (level & G_LOG_LEVEL_CRITICAL) ? "CRITICAL" : "WARNING", msg);
  abort ();
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
add_format (GstVideoFormat f)
{
  guint i;

  for (i = 0; i < n_formats; i++)
    if (formats[i] == f)
      return;
  if (n_formats < MAX_FORMATS && f != GST_VIDEO_FORMAT_UNKNOWN)
    formats[n_formats++] = f;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const gchar *domains[] = {
    "GLib", "GLib-GObject", "GStreamer", "GStreamer-Video",
    "GStreamer-Base", "GStreamer-Check", NULL
  };
  const gchar *dir = g_getenv ("KMEANSSEG_PLUGIN_DIR");
  GstElementFactory *factory;
  GstElement *element;
  GstPadTemplate *templ;
  GstCaps *caps;
  GParamSpec **all;
  guint n_all, i, j;

  if (!dir)
    dir = KMS_FUZZ_PLUGIN_DIR;
  /* Only our plugin, from the build, in a registry of its own, loaded in
   * this process (the plugin scanner helper is not built with the
   * sanitizers, and could not load a plugin that is) */
  g_setenv ("GST_PLUGIN_PATH_1_0", dir, TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_REGISTRY_1_0", KMS_FUZZ_REGISTRY, TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  /* every GstMemory its own malloc, so that AddressSanitizer sees its end
   * (GLib < 2.76 packs small blocks in slabs). GLib reads G_SLICE before
   * main(): set it and start again. */
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0) {
    g_setenv ("G_SLICE", "always-malloc", TRUE);
    execv ("/proc/self/exe", *argv);
    fprintf (stderr, "fuzz-element: could not restart with G_SLICE set\n");
    exit (1);
  }
  verbose = g_getenv ("KMEANSSEG_FUZZ_VERBOSE") != NULL;
  no_meta_short = g_strcmp0 (g_getenv ("KMEANSSEG_FUZZ_NO_META_SHORT"),
      "1") == 0;

  gst_init (NULL, NULL);
  /* the element's messages about bad input are expected: keep the output
   * for findings */
  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  for (i = 0; domains[i]; i++)
    g_log_set_handler (domains[i], G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING,
        fatal_log, NULL);
  g_log_set_handler (NULL, G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING,
      fatal_log, NULL);

  factory = gst_element_factory_find ("kmeansseg");
  if (!factory) {
    fprintf (stderr, "fuzz-element: no kmeansseg in %s\n", dir);
    exit (1);
  }
  element = gst_element_factory_create (factory, NULL);

  /* the formats of the sink pad template */
  templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (element),
      "sink");
  caps = gst_pad_template_get_caps (templ);
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GValue *v = gst_structure_get_value (gst_caps_get_structure (caps,
            i), "format");

    if (v && GST_VALUE_HOLDS_LIST (v)) {
      for (j = 0; j < gst_value_list_get_size (v); j++)
        add_format (gst_video_format_from_string (g_value_get_string
                (gst_value_list_get_value (v, j))));
    } else if (v && G_VALUE_HOLDS_STRING (v)) {
      add_format (gst_video_format_from_string (g_value_get_string (v)));
    }
  }
  n_supported = n_formats;
  for (i = 0; i < G_N_ELEMENTS (unsupported); i++) {
    GstCaps *one = gst_caps_new_simple ("video/x-raw", "format",
        G_TYPE_STRING, gst_video_format_to_string (unsupported[i]), NULL);

    if (!gst_caps_can_intersect (one, caps))
      add_format (unsupported[i]);
    gst_caps_unref (one);
  }
  gst_caps_unref (caps);
  if (n_supported == 0) {
    fprintf (stderr, "fuzz-element: no formats in the pad template\n");
    exit (1);
  }

  /* the element's own writable properties, fuzzed by their ranges */
  all = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n_all);
  props = g_new0 (GParamSpec *, n_all);
  for (i = 0; i < n_all; i++)
    if ((all[i]->flags & G_PARAM_WRITABLE) &&
        !(all[i]->flags & G_PARAM_CONSTRUCT_ONLY) &&
        all[i]->owner_type == G_OBJECT_TYPE (element))
      props[n_props++] = g_param_spec_ref (all[i]);
  g_free (all);
  gst_object_unref (element);
  gst_object_unref (factory);
  (void) argc;
  return 0;
}

/* Keeps an input fast: frames are small, but k=256 with a thousand
 * iterations on every frame is not */
static guint
limit (const gchar * name, guint v)
{
  if (strcmp (name, "max-iters") == 0 && v > 40)
    return v % 41;
  if (strcmp (name, "n-threads") == 0)
    return v % 5;
  return v;
}

/* Sets a property to a value of its range from the input */
static void
set_property (GstHarness * h, Reader * r)
{
  GParamSpec *ps;
  GValue v = G_VALUE_INIT;
  guint8 how;

  if (n_props == 0)
    return;
  ps = props[rd8 (r) % n_props];
  how = rd8 (r) % 4;            /* 0: minimum, 1: maximum, else any */
  g_value_init (&v, ps->value_type);
  if (G_IS_PARAM_SPEC_UINT (ps)) {
    GParamSpecUInt *u = G_PARAM_SPEC_UINT (ps);
    guint x = how == 0 ? u->minimum : how == 1 ? u->maximum :
        u->minimum + rd32 (r) % ((guint64) u->maximum - u->minimum + 1);

    g_value_set_uint (&v, limit (ps->name, x));
  } else if (G_IS_PARAM_SPEC_INT (ps)) {
    GParamSpecInt *i = G_PARAM_SPEC_INT (ps);
    gint x = how == 0 ? i->minimum : how == 1 ? i->maximum :
        (gint) ((gint64) i->minimum + rd32 (r) % ((gint64) i->maximum -
            i->minimum + 1));

    g_value_set_int (&v, x);
  } else if (G_IS_PARAM_SPEC_DOUBLE (ps)) {
    GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (ps);
    gdouble lo = MAX (d->minimum, -1e6), hi = MIN (d->maximum, 1e6);
    gdouble x = how == 0 ? d->minimum : how == 1 ? d->maximum :
        lo + (hi - lo) * (rd16 (r) / 65535.0);

    g_value_set_double (&v, CLAMP (x, d->minimum, d->maximum));
  } else if (G_IS_PARAM_SPEC_BOOLEAN (ps)) {
    g_value_set_boolean (&v, how & 1);
  } else if (G_IS_PARAM_SPEC_ENUM (ps)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (ps)->enum_class;

    g_value_set_enum (&v, e->values[rd8 (r) % e->n_values].value);
  } else if (G_IS_PARAM_SPEC_INT64 (ps)) {
    GParamSpecInt64 *i = G_PARAM_SPEC_INT64 (ps);
    gint64 x = how == 0 ? i->minimum : how == 1 ? i->maximum :
        i->minimum + (gint64) (rd32 (r) % ((guint64) (i->maximum -
                i->minimum) + 1));

    g_value_set_int64 (&v, x);
  } else if (GST_IS_PARAM_SPEC_ARRAY_LIST (ps)) {
    /* an array of its element type (the palette's colours, cluster
     * numbers): empty, a few, more than k, more than the element keeps */
    GParamSpec *el = GST_PARAM_SPEC_ARRAY_LIST (ps)->element_spec;
    guint n = how == 0 ? 0 : how == 1 ? 300 : rd8 (r) % 20, i;
    GValue e = G_VALUE_INIT;

    g_value_init (&e, G_PARAM_SPEC_VALUE_TYPE (el));
    for (i = 0; i < n; i++) {
      if (G_IS_PARAM_SPEC_INT (el))
        g_value_set_int (&e, G_PARAM_SPEC_INT (el)->minimum +
            (gint) (rd32 (r) % ((guint) (G_PARAM_SPEC_INT (el)->maximum -
                        G_PARAM_SPEC_INT (el)->minimum) + 1)));
      else
        g_value_set_uint (&e, rd32 (r));
      gst_value_array_append_value (&v, &e);
    }
    g_value_unset (&e);
  } else {
    g_value_unset (&v);
    return;
  }
  if (verbose) {
    gchar *str = g_strdup_value_contents (&v);

    fprintf (stderr, "set %s = %s\n", ps->name, str);
    g_free (str);
  }
  g_object_set_property (G_OBJECT (h->element), ps->name, &v);
  g_value_unset (&v);
}

/* Reads every property back (the palette of the last frame, among them) */
static void
get_properties (GstHarness * h)
{
  guint i;

  for (i = 0; i < n_props; i++) {
    GValue v = G_VALUE_INIT;

    if (!(props[i]->flags & G_PARAM_READABLE))
      continue;
    g_value_init (&v, props[i]->value_type);
    g_object_get_property (G_OBJECT (h->element), props[i]->name, &v);
    g_value_unset (&v);
  }
}

typedef struct
{
  GstVideoFormat format;
  gboolean supported;
  gint w, h;
  GstVideoInfo info;
  gboolean gray8_downstream;    /* downstream asks for GRAY8 */
  /* the last frame through was the GRAY8 label map: the element keeps
   * writing it, whatever the mode, until these caps or downstream's
   * change (frames in flight when the mode left labels) */
  gboolean label_map;
  GstCaps *caps;                /* the caps last sent */
} State;

static void get_mode (GstHarness * h, gint * mode, gboolean * masking);

static void
set_caps (GstHarness * h, State * s, Reader * r)
{
  GstCaps *caps;
  guint8 sel = rd8 (r);
  const gchar *colorimetry = colorimetries[rd8 (r) %
      G_N_ELEMENTS (colorimetries)];

  /* mostly supported formats */
  if (sel & 0x80)
    s->format = formats[rd8 (r) % n_formats];
  else
    s->format = formats[rd8 (r) % n_supported];
  s->w = 1 + rd8 (r) % MAX_W;
  s->h = 1 + rd8 (r) % MAX_H;
  s->supported = FALSE;
  {
    guint i;

    for (i = 0; i < n_supported; i++)
      s->supported |= formats[i] == s->format;
  }
  CHECK (gst_video_info_set_format (&s->info, s->format, s->w, s->h),
      "video info");
  caps = gst_video_info_to_caps (&s->info);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, sel & 0x3f, 1,
      NULL);
  if (colorimetry && GST_VIDEO_INFO_IS_YUV (&s->info))
    gst_caps_set_simple (caps, "colorimetry", G_TYPE_STRING, colorimetry, NULL);
  if (verbose) {
    gchar *str = gst_caps_to_string (caps);

    fprintf (stderr, "caps %s\n", str);
    g_free (str);
  }
  /* new caps renegotiate with the mode as it is, now (the caps event goes
   * through at once): in labels mode under GRAY8-only downstream caps the
   * output is the label map, and stays it for these caps */
  if (!s->caps || !gst_caps_is_equal (caps, s->caps)) {
    gint mode;
    gboolean masking;

    get_mode (h, &mode, &masking);
    s->label_map = s->supported && s->gray8_downstream && mode == 2 &&
        s->format != GST_VIDEO_FORMAT_GRAY8;
  }
  gst_caps_replace (&s->caps, caps);
  gst_harness_set_src_caps (h, caps);
}

static void
get_mode (GstHarness * h, gint * mode, gboolean * masking)
{
  GValue clusters = G_VALUE_INIT;
  gint64 key;
  gint mask;
  guint k, i;

  g_object_get (h->element, "mode", mode, "mask-cluster", &mask, "k", &k,
      "mask-key", &key, NULL);
  /* whether anything may be masked (mask-invert can only empty a set that
   * holds every cluster): a cluster by number, or by key */
  *masking = (mask >= 0 && (guint) mask < k) || key >= 0;
  g_value_init (&clusters, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (h->element), "mask-clusters", &clusters);
  for (i = 0; i < gst_value_array_get_size (&clusters); i++) {
    gint c = g_value_get_int (gst_value_array_get_value (&clusters, i));

    *masking |= c >= 0 && (guint) c < k;
  }
  g_value_unset (&clusters);
}

/* Whether a frame can flow now: supported caps, and downstream takes what
 * the element makes of them */
static gboolean
can_flow (GstHarness * h, State * s)
{
  gint mode;
  gboolean masking;

  if (!s->supported)
    return FALSE;
  if (!s->gray8_downstream || s->format == GST_VIDEO_FORMAT_GRAY8)
    return TRUE;
  get_mode (h, &mode, &masking);
  return mode == 2 || s->label_map;     /* labels, or still the map */
}

static void
fill (GstBuffer * buf, Reader * r)
{
  GstMapInfo map;
  gsize i, n;
  const guint8 *src;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  src = rd_bytes (r, map.size, &n);
  for (i = 0; i < map.size; i++)
    map.data[i] = n ? src[i % n] : (guint8) (i * 31);
  gst_buffer_unmap (buf, &map);
}

/* The bytes of plane p's rows that are pixels, in a buffer laid out as
 * @info: a mask over the buffer, TRUE for pixel bytes */
static guint8 *
pixel_bytes (const GstVideoInfo * info, gsize size, gsize offset)
{
  GstVideoInfo tight;
  guint8 *is_pixel = g_malloc0 (size);
  guint p;
  gint y;

  gst_video_info_set_format (&tight, GST_VIDEO_INFO_FORMAT (info),
      GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gsize row = MIN ((gsize) GST_VIDEO_INFO_PLANE_STRIDE (&tight, p),
        (gsize) GST_VIDEO_INFO_PLANE_STRIDE (info, p));
    gint rows = 0;
    guint c;

    /* the plane's rows: its components' height */
    for (c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (info); c++)
      if (GST_VIDEO_INFO_COMP_PLANE (info, c) == p)
        rows = GST_VIDEO_INFO_COMP_HEIGHT (info, c);
    for (y = 0; y < rows; y++) {
      gsize start = offset + GST_VIDEO_INFO_PLANE_OFFSET (info, p) +
          (gsize) y * GST_VIDEO_INFO_PLANE_STRIDE (info, p);

      if (start < size)
        memset (is_pixel + start, 1, MIN (row, size - start));
    }
  }
  return is_pixel;
}

/* A buffer of the caps' frame: the default layout, or with a meta, padded
 * strides and an offset */
static GstBuffer *
make_frame (State * s, Reader * r, gboolean meta, GstVideoInfo * layout,
    gsize * offset)
{
  GstBuffer *buf;

  *layout = s->info;
  *offset = 0;
  if (meta) {
    GstVideoAlignment align;
    gsize offsets[GST_VIDEO_MAX_PLANES];
    guint p;

    gst_video_alignment_reset (&align);
    align.padding_right = rd8 (r) % 9;
    gst_video_info_align (layout, &align);
    *offset = rd8 (r) % 3 == 0 ? rd8 (r) % 17 : 0;
    for (p = 0; p < GST_VIDEO_MAX_PLANES; p++)
      offsets[p] = *offset + GST_VIDEO_INFO_PLANE_OFFSET (layout, p);
    buf = gst_buffer_new_allocate (NULL, *offset +
        GST_VIDEO_INFO_SIZE (layout), NULL);
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        s->format, s->w, s->h, GST_VIDEO_INFO_N_PLANES (layout), offsets,
        layout->stride);
  } else {
    buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (layout), NULL);
  }
  fill (buf, r);
  return buf;
}

static void
push_frame (GstHarness * h, State * s, Reader * r, gboolean meta)
{
  GstVideoInfo layout;
  GstBuffer *buf, *out, *copy;
  GstFlowReturn ret;
  gboolean flows = can_flow (h, s), masking, in_place;
  gsize offset;
  gint mode;
  guint k;

  buf = make_frame (s, r, meta && s->supported, &layout, &offset);
  copy = gst_buffer_copy_deep (buf);
  get_mode (h, &mode, &masking);
  g_object_get (h->element, "k", &k, NULL);
  in_place = !s->gray8_downstream || s->format == GST_VIDEO_FORMAT_GRAY8;

  ret = gst_harness_push (h, buf);
  if (verbose)
    fprintf (stderr, "push %s frame%s: %s\n", in_place ? "an in-place" :
        "a label-map", meta ? " with meta" : "", gst_flow_get_name (ret));
  if (!flows) {
    CHECK (ret != GST_FLOW_OK, "a %s frame went through (%s)",
        gst_video_format_to_string (s->format), s->supported ?
        "GRAY8 downstream, not labels mode" : "unsupported caps");
    while ((out = gst_harness_try_pull (h)))
      gst_buffer_unref (out);
    gst_buffer_unref (copy);
    return;
  }
  CHECK (ret == GST_FLOW_OK, "%s %dx%d%s: push returned %s",
      gst_video_format_to_string (s->format), s->w, s->h,
      meta ? " (meta)" : "", gst_flow_get_name (ret));
  s->label_map = !in_place;
  if (!in_place)
    mode = 2;                   /* written as the label map */
  out = gst_harness_pull (h);
  CHECK (out != NULL, "no output");

  if (in_place) {
    GstMapInfo mo, mi;
    guint8 *is_pixel;
    gsize i;

    CHECK (gst_buffer_get_size (out) == gst_buffer_get_size (copy),
        "output size %" G_GSIZE_FORMAT ", input %" G_GSIZE_FORMAT,
        gst_buffer_get_size (out), gst_buffer_get_size (copy));
    gst_buffer_map (out, &mo, GST_MAP_READ);
    gst_buffer_map (copy, &mi, GST_MAP_READ);
    is_pixel = pixel_bytes (&layout, mi.size, offset);
    for (i = 0; i < mi.size; i++)
      CHECK (mo.data[i] == mi.data[i] || (is_pixel[i] && (mode != 1 ||
                  masking)), "%s %dx%d%s: byte %" G_GSIZE_FORMAT
          " changed (%s)", gst_video_format_to_string (s->format), s->w,
          s->h, meta ? " (meta)" : "", i, is_pixel[i] ?
          "pixel, original mode without a mask" : "padding");
    g_free (is_pixel);
    gst_buffer_unmap (copy, &mi);
    gst_buffer_unmap (out, &mo);
  } else {
    /* the GRAY8 label map */
    GstVideoInfo gray;
    GstVideoFrame frame;
    gint x, y;

    gst_video_info_set_format (&gray, GST_VIDEO_FORMAT_GRAY8, s->w, s->h);
    CHECK (gst_video_frame_map (&frame, &gray, out, GST_MAP_READ),
        "label map of %" G_GSIZE_FORMAT " bytes for %dx%d",
        gst_buffer_get_size (out), s->w, s->h);
    for (y = 0; y < s->h; y++)
      for (x = 0; x < s->w; x++) {
        guint8 l = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))
            [y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x];

        CHECK (l < k, "label %u at (%d,%d), k=%u", l, x, y, k);
      }
    gst_video_frame_unmap (&frame);
  }
  gst_buffer_unref (out);
  gst_buffer_unref (copy);
}

static void
push_short (GstHarness * h, State * s, Reader * r, gboolean meta)
{
  GstBuffer *buf, *out;
  GstFlowReturn ret;
  gsize need, size;

  if (!s->supported)
    return;
  if (meta) {
    GstVideoInfo layout = s->info;
    GstVideoAlignment align;
    gsize offsets[GST_VIDEO_MAX_PLANES], off;
    guint p, last = GST_VIDEO_INFO_N_PLANES (&s->info) - 1, c;
    gint rows = s->h;

    if (no_meta_short)
      return;
    gst_video_alignment_reset (&align);
    align.padding_right = rd8 (r) % 9;
    gst_video_info_align (&layout, &align);
    off = rd8 (r) % 3 == 0 ? rd8 (r) % 17 : 0;
    for (p = 0; p < GST_VIDEO_MAX_PLANES; p++)
      offsets[p] = off + GST_VIDEO_INFO_PLANE_OFFSET (&layout, p);
    for (c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (&layout); c++)
      if (GST_VIDEO_INFO_COMP_PLANE (&layout, c) == last)
        rows = GST_VIDEO_INFO_COMP_HEIGHT (&layout, c);
    /* short of the whole last row of the last plane, at least: short
     * whatever the element takes a row to be */
    need = offsets[last] + (gsize) (rows - 1) *
        GST_VIDEO_INFO_PLANE_STRIDE (&layout, last);
    if (need == 0)
      return;
    size = rd16 (r) % need;
    buf = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        s->format, s->w, s->h, GST_VIDEO_INFO_N_PLANES (&layout), offsets,
        layout.stride);
  } else {
    need = GST_VIDEO_INFO_SIZE (&s->info);
    size = rd16 (r) % need;
    buf = gst_buffer_new_allocate (NULL, size, NULL);
  }
  fill (buf, r);
  ret = gst_harness_push (h, buf);
  if (verbose)
    fprintf (stderr, "push a %" G_GSIZE_FORMAT "-byte buffer%s: %s\n", size,
        meta ? " with meta" : "", gst_flow_get_name (ret));
  if (can_flow (h, s)) {
    CHECK (ret == GST_FLOW_ERROR, "%s %dx%d: a %" G_GSIZE_FORMAT
        "-byte buffer%s (%" G_GSIZE_FORMAT " short of a row) gave %s",
        gst_video_format_to_string (s->format), s->w, s->h, size,
        meta ? " with meta" : "", need, gst_flow_get_name (ret));
    /* the output was negotiated before the buffer was found short: a
     * label map now stays one for these caps, as after push_frame() */
    s->label_map = s->gray8_downstream && s->format != GST_VIDEO_FORMAT_GRAY8;
  } else {
    CHECK (ret != GST_FLOW_OK, "a short buffer went through");
  }
  out = gst_harness_try_pull (h);
  CHECK (out == NULL, "a short buffer went downstream");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Reader r = { data, size };
  GstHarness *h = gst_harness_new ("kmeansseg");
  State s = { 0, };
  guint op, n_ops = 1 + rd8 (&r) % MAX_OPS;

  /* buffers before caps would be a harness misuse (it warns about the
   * missing segment): a script starts with caps */
  set_caps (h, &s, &r);

  for (op = 0; op < n_ops && r.n > 0; op++) {
    switch (rd8 (&r) % 13) {
      case 0:
        set_caps (h, &s, &r);
        break;
      case 1:
      case 2:
      case 3:
        set_property (h, &r);
        break;
      case 4:
      case 5:
        push_frame (h, &s, &r, FALSE);
        break;
      case 6:
        push_frame (h, &s, &r, TRUE);
        break;
      case 7:
        push_short (h, &s, &r, FALSE);
        break;
      case 8:
        push_short (h, &s, &r, TRUE);
        break;
      case 9:
        if (verbose)
          fprintf (stderr, "flush\n");
        harness_flush (h, TRUE, 0);
        harness_drop_events (h);
        break;
      case 10:
        get_properties (h);
        break;
      case 11:
        /* downstream wants the label map, or anything */
        s.gray8_downstream = !s.gray8_downstream;
        if (verbose)
          fprintf (stderr, "downstream wants %s\n", s.gray8_downstream ?
              "GRAY8" : "anything");
        if (s.gray8_downstream)
          gst_harness_set_sink_caps_str (h, "video/x-raw,format=GRAY8");
        else
          gst_harness_set_sink_caps (h, gst_caps_new_any ());
        break;
      case 12:
        /* a frame after a flush-less caps query storm: renegotiation */
        gst_pad_push_event (h->sinkpad, gst_event_new_reconfigure ());
        break;
    }
  }
  /* and always one whole frame at the end */
  push_frame (h, &s, &r, FALSE);

  gst_harness_teardown (h);
  gst_caps_replace (&s.caps, NULL);
  return 0;
}

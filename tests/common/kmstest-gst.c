/* kmeansseg tests: shared helpers for the element tests, RGB frames
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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "kmstest-gst.h"

/* ------------------------------------------------------------------ */
/* Packed RGB formats */

const Fmt rgb_formats[N_RGB_FORMATS] = {
  {"RGBx", GST_VIDEO_FORMAT_RGBx, 4, 0, 1, 2, -1, 3},
  {"BGRx", GST_VIDEO_FORMAT_BGRx, 4, 2, 1, 0, -1, 3},
  {"xRGB", GST_VIDEO_FORMAT_xRGB, 4, 1, 2, 3, -1, 0},
  {"xBGR", GST_VIDEO_FORMAT_xBGR, 4, 3, 2, 1, -1, 0},
  {"RGBA", GST_VIDEO_FORMAT_RGBA, 4, 0, 1, 2, 3, -1},
  {"BGRA", GST_VIDEO_FORMAT_BGRA, 4, 2, 1, 0, 3, -1},
  {"ARGB", GST_VIDEO_FORMAT_ARGB, 4, 1, 2, 3, 0, -1},
  {"ABGR", GST_VIDEO_FORMAT_ABGR, 4, 3, 2, 1, 0, -1},
  {"RGB", GST_VIDEO_FORMAT_RGB, 3, 0, 1, 2, -1, -1},
  {"BGR", GST_VIDEO_FORMAT_BGR, 3, 2, 1, 0, -1, -1},
};

const Fmt *
fmt_get (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rgb_formats); i++)
    if (strcmp (rgb_formats[i].name, name) == 0)
      return &rgb_formats[i];
  g_assert_not_reached ();
  return NULL;
}

/* Compares everything (colours and, for 4-byte formats, the fourth byte);
 * one assertion per image, with the first difference in its message */
void
assert_image_eq (const Image * got, const Image * exp, gboolean check_extra,
    const gchar * what)
{
  gint i, bad = -1, n_bad = 0;

  fail_unless (got->w == exp->w && got->h == exp->h);
  for (i = 0; i < got->w * got->h; i++) {
    if (got->rgb[i] != exp->rgb[i] ||
        (check_extra && got->extra[i] != exp->extra[i])) {
      if (bad < 0)
        bad = i;
      n_bad++;
    }
  }
  fail_unless (bad < 0, "%s: %d pixels differ, first at (%d,%d): "
      "got %06x/%02x, expected %06x/%02x", what, n_bad, bad % got->w,
      bad / got->w, bad < 0 ? 0 : got->rgb[bad], bad < 0 ? 0 : got->extra[bad],
      bad < 0 ? 0 : exp->rgb[bad], bad < 0 ? 0 : exp->extra[bad]);
}

void
fmt_info (GstVideoInfo * info, const Fmt * fmt, gint w, gint h)
{
  fail_unless (gst_video_info_set_format (info, fmt->format, w, h));
}

/* Packs @img; @stride 0: the default layout, else a GstVideoMeta with that
 * stride. Every byte outside the pixels is PAD_BYTE. */
GstBuffer *
image_to_buffer (const Image * img, const Fmt * fmt, gint stride)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  gsize size;
  gint x, y;

  fmt_info (&info, fmt, img->w, img->h);
  if (stride == 0) {
    stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
    size = GST_VIDEO_INFO_SIZE (&info);
    buf = gst_buffer_new_allocate (NULL, size, NULL);
  } else {
    gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
    gint strides[GST_VIDEO_MAX_PLANES] = { stride, };

    fail_unless (stride >= img->w * (gint) fmt->bpp);
    /* and a little more at the end, which must stay untouched too */
    size = (gsize) stride *img->h + 13;
    buf = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_INFO_FORMAT (&info), img->w, img->h, 1, offset, strides);
  }

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, map.size);
  for (y = 0; y < img->h; y++) {
    guint8 *p = map.data + (gsize) y * stride;

    for (x = 0; x < img->w; x++, p += fmt->bpp) {
      guint32 c = PIX (img, x, y);

      p[fmt->r] = CH_R (c);
      p[fmt->g] = CH_G (c);
      p[fmt->b] = CH_B (c);
      if (fmt->bpp == 4)
        p[fmt->a >= 0 ? fmt->a : fmt->x] = img->extra[y * img->w + x];
    }
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Unpacks @buf (through its GstVideoMeta if it has one) and checks that no
 * byte outside the pixels changed */
Image *
image_from_buffer (GstBuffer * buf, const Fmt * fmt, gint w, gint h)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstMapInfo map;
  Image *img = image_new (w, h);
  gint x, y, stride;
  gsize i, n_pad_bad = 0;

  fmt_info (&info, fmt, w, h);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (y = 0; y < h; y++) {
    const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) y * stride;

    for (x = 0; x < w; x++, p += fmt->bpp) {
      PIX (img, x, y) = RGB (p[fmt->r], p[fmt->g], p[fmt->b]);
      if (fmt->bpp == 4)
        img->extra[y * w + x] = p[fmt->a >= 0 ? fmt->a : fmt->x];
    }
  }
  gst_video_frame_unmap (&frame);

  /* row padding and whatever follows the last row */
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i < map.size; i++) {
    gsize row = i / stride, col = i % stride;

    if ((row >= (gsize) h || col >= (gsize) w * fmt->bpp)
        && map.data[i] != PAD_BYTE)
      n_pad_bad++;
  }
  gst_buffer_unmap (buf, &map);
  fail_unless (n_pad_bad == 0, "%" G_GSIZE_FORMAT " padding bytes were "
      "written (%s %dx%d stride %d)", n_pad_bad, fmt->name, w, h, stride);
  return img;
}

void
harness_set_format (GstHarness * h, const Fmt * fmt, gint w, gint ht)
{
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1", fmt->name, w, ht);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

GstHarness *
harness_new (const Fmt * fmt, gint w, gint ht)
{
  GstHarness *h = gst_harness_new ("kmeansseg");

  harness_set_format (h, fmt, w, ht);
  return h;
}

/* Pushes @img packed as @fmt, returns what comes out */
Image *
process_stride (GstHarness * h, const Fmt * fmt, const Image * img, gint stride)
{
  GstBuffer *out;
  Image *res;

  fail_unless_equals_int (gst_harness_push (h, image_to_buffer (img, fmt,
              stride)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  res = image_from_buffer (out, fmt, img->w, img->h);
  gst_buffer_unref (out);
  return res;
}

Image *
process (GstHarness * h, const Fmt * fmt, const Image * img)
{
  return process_stride (h, fmt, img, 0);
}

/* Pushes @img and compares the output with @exp */
void
check_process (GstHarness * h, const Fmt * fmt, const Image * img,
    const Image * exp, const gchar * what)
{
  Image *res = process (h, fmt, img);
  gchar *msg = g_strdup_printf ("%s (%s %dx%d)", what, fmt->name, img->w,
      img->h);

  assert_image_eq (res, exp, fmt->bpp == 4, msg);
  g_free (msg);
  image_free (res);
}

/* The same, expecting @img with the pixels of colour @c masked black */
void
check_process_masked (GstHarness * h, const Fmt * fmt, const Image * img,
    guint32 c, const gchar * what)
{
  Image *exp = expect_masked (img, c);

  check_process (h, fmt, img, exp, what);
  image_free (exp);
}

void
check_xyz_luma (void)
{
  fail_unless (luma (xyz[0]) < luma (xyz[1]) && luma (xyz[1]) < luma (xyz[2]));
  fail_unless (luma (xyz2[1]) < luma (xyz2[0])
      && luma (xyz2[0]) < luma (xyz2[2]));
}

/* ------------------------------------------------------------------ */
/* Messages, events, properties from other threads */

guint
count_messages (GstBus * bus, GstMessageType type, GQuark domain, gint code)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, type))) {
    GError *err = NULL;

    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, NULL);
    else
      gst_message_parse_warning (msg, &err, NULL);
    fail_unless (g_error_matches (err, domain, code), "unexpected %s: %s",
        GST_MESSAGE_TYPE_NAME (msg), err->message);
    g_error_free (err);
    gst_message_unref (msg);
    n++;
  }
  return n;
}

guint
count_warnings (GstBus * bus)
{
  return count_messages (bus, GST_MESSAGE_WARNING, GST_LIBRARY_ERROR,
      GST_LIBRARY_ERROR_SETTINGS);
}

gboolean
harness_flush (GstHarness * h, gboolean reset_time, GstClockTime start)
{
  GstSegment segment;
  gboolean ok;

  ok = gst_harness_push_event (h, gst_event_new_flush_start ());
  ok &= gst_harness_push_event (h, gst_event_new_flush_stop (reset_time));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = segment.time = segment.position = start;
  ok &= gst_harness_push_event (h, gst_event_new_segment (&segment));
  return ok;
}

void
harness_drop_events (GstHarness * h)
{
  GstEvent *ev;

  while ((ev = gst_harness_try_pull_event (h)))
    gst_event_unref (ev);
}

GstHarnessThread *
stress_property (GstHarness * h, const gchar * name, GType type, gint value,
    gulong sleep)
{
  GValue v = G_VALUE_INIT;
  GstHarnessThread *t;

  g_value_init (&v, type);
  if (type == G_TYPE_UINT)
    g_value_set_uint (&v, value);
  else if (type == G_TYPE_INT)
    g_value_set_int (&v, value);
  else if (type == G_TYPE_BOOLEAN)
    g_value_set_boolean (&v, value);
  else
    g_value_set_enum (&v, value);
  t = gst_harness_stress_property_start_full (h, name, &v, sleep);
  g_value_unset (&v);
  return t;
}

void
set_palette (GstElement * e, const guint32 * cols, guint n)
{
  GValue arr = G_VALUE_INIT;
  guint i;

  g_value_init (&arr, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_UINT);
    g_value_set_uint (&v, cols[i]);
    gst_value_array_append_and_take_value (&arr, &v);
  }
  g_object_set_property (G_OBJECT (e), "palette", &arr);
  g_value_unset (&arr);
}

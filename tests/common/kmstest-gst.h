/* kmeansseg tests: shared helpers for the element tests
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

/* Frames are crafted as logical images (kmstest.h: R, G, B per pixel,
 * plus the fourth byte of 4-byte formats; here: Y, U, V samples), packed
 * into buffers of the format under test, pushed through the element in a
 * GstHarness and unpacked again, so that one expectation serves every
 * format. The helpers fail the running Check test on what they check. */

#ifndef __KMSTEST_GST_H__
#define __KMSTEST_GST_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "kmstest.h"

G_BEGIN_DECLS

/* What the element fills nothing with: row and buffer padding */
#define PAD_BYTE 0xa5

/* The values of the element's enums */
#define MODE_POSTERIZE 0
#define MODE_ORIGINAL 1
#define MODE_LABELS 2
#define INIT_KMEANS_PP 0
#define INIT_RANDOM 1

/* ------------------------------------------------------------------ */
/* Packed RGB formats and frames */

/* Where a packed format keeps R, G, B and its fourth byte; written from the
 * format names, independently of the element's own tables. */
typedef struct
{
  const gchar *name;
  GstVideoFormat format;
  guint bpp;
  gint r, g, b;
  gint a;                       /* alpha offset, -1: none */
  gint x;                       /* padding offset, -1: none */
} Fmt;

#define N_RGB_FORMATS 10
extern const Fmt rgb_formats[N_RGB_FORMATS];

const Fmt *fmt_get (const gchar * name);
void fmt_info (GstVideoInfo * info, const Fmt * fmt, gint w, gint h);

/* Compares everything (colours and, with @check_extra, the fourth byte) */
void assert_image_eq (const Image * got, const Image * exp,
    gboolean check_extra, const gchar * what);
GstBuffer *image_to_buffer (const Image * img, const Fmt * fmt, gint stride);
Image *image_from_buffer (GstBuffer * buf, const Fmt * fmt, gint w, gint h);

void harness_set_format (GstHarness * h, const Fmt * fmt, gint w, gint ht);
GstHarness *harness_new (const Fmt * fmt, gint w, gint ht);
/* Write the palette property: @n colours 0xAARRGGBB */
void set_palette (GstElement * e, const guint32 * cols, guint n);
Image *process_stride (GstHarness * h, const Fmt * fmt, const Image * img,
    gint stride);
Image *process (GstHarness * h, const Fmt * fmt, const Image * img);
void check_process (GstHarness * h, const Fmt * fmt, const Image * img,
    const Image * exp, const gchar * what);
/* ... expecting @img with the pixels of colour @c masked black */
void check_process_masked (GstHarness * h, const Fmt * fmt, const Image * img,
    guint32 c, const gchar * what);

/* xyz and xyz2 in the luma order their comment in kmstest.c says */
void check_xyz_luma (void);

/* ------------------------------------------------------------------ */
/* Messages, events, properties from other threads */

/* Pops every @type (ERROR or WARNING) message; each must be @domain
 * @code. Returns how many. */
guint count_messages (GstBus * bus, GstMessageType type, GQuark domain,
    gint code);
/* The same for WARNING messages about the settings (GST_LIBRARY_ERROR
 * SETTINGS), the only warnings the element posts */
guint count_warnings (GstBus * bus);
/* Pushes FLUSH_START, FLUSH_STOP and a TIME segment from @start; TRUE if
 * the three were handled */
gboolean harness_flush (GstHarness * h, gboolean reset_time,
    GstClockTime start);
/* Drops the events that went downstream */
void harness_drop_events (GstHarness * h);
/* A thread that sets property @name to @value (of @type: uint, int,
 * boolean or an enum) every @sleep microseconds */
GstHarnessThread *stress_property (GstHarness * h, const gchar * name,
    GType type, gint value, gulong sleep);

/* ------------------------------------------------------------------ */
/* YUV and grey frames */

#define N_YUV_FORMATS 9
extern const gchar *yuv_formats[N_YUV_FORMATS];

/* A YUV or grey frame as its samples: Y for every pixel, U and V for
 * every chroma sample of the format's subsampling. Frames are packed into
 * buffers and read back through GStreamer's description of the format
 * (GstVideoFormatInfo), not through the element's tables. */
typedef struct
{
  const GstVideoFormatInfo *finfo;
  gint w, h;
  gint cw, ch;                  /* chroma samples across and down */
  gint hs, vs;                  /* log2 of the chroma subsampling */
  guint n_comp;                 /* 3, or 1 for grey */
  guint8 *c[3];                 /* Y (w x h), U and V (cw x ch) */
} Yuv;

Yuv *yuv_new (const gchar * format, gint w, gint h);
const gchar *yuv_name (const Yuv * img);
void yuv_plane_size (const Yuv * img, guint i, gint * sw, gint * sh);
Yuv *yuv_copy (const Yuv * src);
void yuv_free (Yuv * img);
guint8 yuv_pix (const Yuv * img, guint i, gint x, gint y);
GstBuffer *yuv_to_buffer (const Yuv * img, gint pad);
Yuv *yuv_from_buffer (GstBuffer * buf, const gchar * format, gint w, gint h,
    gboolean check_pad);
void yuv_assert_eq (const Yuv * got, const Yuv * exp, const gchar * what);

void harness_set_yuv (GstHarness * h, const gchar * format, gint w, gint ht,
    const gchar * extra);
GstHarness *harness_new_yuv (const gchar * format, gint w, gint ht,
    const gchar * extra);
Yuv *yuv_process_full (GstHarness * h, const Yuv * img, gint pad,
    const gchar * out_format, gboolean check_pad);
Yuv *yuv_process (GstHarness * h, const Yuv * img, gint pad);
void yuv_check_process (GstHarness * h, const Yuv * img, gint pad,
    const Yuv * exp, const gchar * what);

/* What the element should write on a YUV frame, from a label map */

#define MAX_LABELS 8
#define LAB(lab, w, x, y) ((lab)[(y) * (w) + (x)])

Yuv *yuv_new_labels (const gchar * format, gint w, gint h,
    const guint8 * lab, const guint8 cols[][3]);
guint yuv_dist2 (const Yuv * img, gint x, gint y, const guint8 * c);
void model_centroids (const Yuv * img, const guint8 * lab, guint k,
    guint8 cent[][3]);
void model_check (const Yuv * img, const guint8 * lab, guint k,
    guint8 cent[][3]);
guint8 *model_assign (const Yuv * img, guint k, guint8 cols[][3]);
guint model_chroma_label (const Yuv * img, const guint8 * lab, gint sx,
    gint sy);
Yuv *model_paint (const Yuv * in, const guint8 * lab, guint8 val[][3],
    const gboolean * writes);
extern const gboolean write_all[MAX_LABELS];

guint8 *labels_regions (gint w, gint h, gint x0, gint y0);
guint8 *labels_straddling (gint w, gint h);
extern const guint8 abc[3][3];
Yuv *yuv_new_straddling (const gchar * format, gint w, gint h, guint8 ** lab,
    guint8 cent[][3]);
extern const guint8 abc_merge[3][3];

G_END_DECLS

#endif /* __KMSTEST_GST_H__ */

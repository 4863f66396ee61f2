/* kmeansseg tests: shared helpers for the element tests, YUV frames
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

/* The YUV and grey formats of the templates */
const gchar *yuv_formats[N_YUV_FORMATS] = {
  "I420", "YV12", "NV12", "NV21", "Y444", "Y42B", "YUY2", "UYVY", "GRAY8"
};

Yuv *
yuv_new (const gchar * format, gint w, gint h)
{
  GstVideoFormat f = gst_video_format_from_string (format);
  Yuv *img;
  guint i;

  fail_unless (f != GST_VIDEO_FORMAT_UNKNOWN, "no format %s", format);
  img = g_new0 (Yuv, 1);
  img->finfo = gst_video_format_get_info (f);
  img->w = w;
  img->h = h;
  img->n_comp = GST_VIDEO_FORMAT_INFO_N_COMPONENTS (img->finfo);
  fail_unless (img->n_comp == 1 || img->n_comp == 3);
  if (img->n_comp == 3) {
    img->hs = GST_VIDEO_FORMAT_INFO_W_SUB (img->finfo, 1);
    img->vs = GST_VIDEO_FORMAT_INFO_H_SUB (img->finfo, 1);
    img->cw = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (img->finfo, 1, w);
    img->ch = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (img->finfo, 1, h);
  }
  img->c[0] = g_new0 (guint8, w * h);
  for (i = 1; i < img->n_comp; i++)
    img->c[i] = g_new0 (guint8, img->cw * img->ch);
  return img;
}

const gchar *
yuv_name (const Yuv * img)
{
  return GST_VIDEO_FORMAT_INFO_NAME (img->finfo);
}

/* Samples of channel @i across and down */
void
yuv_plane_size (const Yuv * img, guint i, gint * sw, gint * sh)
{
  *sw = i == 0 ? img->w : img->cw;
  *sh = i == 0 ? img->h : img->ch;
}

Yuv *
yuv_copy (const Yuv * src)
{
  Yuv *img = yuv_new (yuv_name (src), src->w, src->h);
  guint i;

  for (i = 0; i < src->n_comp; i++) {
    gint sw, sh;

    yuv_plane_size (src, i, &sw, &sh);
    memcpy (img->c[i], src->c[i], sw * sh);
  }
  return img;
}

void
yuv_free (Yuv * img)
{
  guint i;

  for (i = 0; i < 3; i++)
    g_free (img->c[i]);
  g_free (img);
}

/* Channel @i of pixel (x, y): chroma from the sample the pixel uses */
guint8
yuv_pix (const Yuv * img, guint i, gint x, gint y)
{
  if (i == 0)
    return img->c[0][y * img->w + x];
  return img->c[i][(y >> img->vs) * img->cw + (x >> img->hs)];
}

/* Where the planes of a buffer lie */
typedef struct
{
  gsize offset[GST_VIDEO_MAX_PLANES];
  gint stride[GST_VIDEO_MAX_PLANES];
  gsize size;
} Layout;

/* The default layout (@pad 0), or every stride @pad bytes longer than
 * the default, with @pad bytes between the planes and a few at the end */
static void
yuv_layout (const Yuv * img, gint pad, Layout * l)
{
  GstVideoInfo info;
  gsize off = 0;
  guint p;

  fail_unless (gst_video_info_set_format (&info,
          GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo), img->w, img->h));
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (&info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    gint rows;

    gst_video_format_info_component (img->finfo, p, comp);
    rows = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (img->finfo, comp[0], img->h);
    if (pad == 0) {
      l->offset[p] = GST_VIDEO_INFO_PLANE_OFFSET (&info, p);
      l->stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (&info, p);
    } else {
      l->offset[p] = off;
      l->stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (&info, p) + pad;
      off += (gsize) l->stride[p] * rows + pad;
    }
  }
  l->size = pad == 0 ? GST_VIDEO_INFO_SIZE (&info) : off + 13;
}

/* The byte of sample (sx, sy) of channel @i */
static gsize
yuv_sample_pos (const Yuv * img, const Layout * l, guint i, gint sx, gint sy)
{
  const GstVideoFormatInfo *f = img->finfo;
  guint p = GST_VIDEO_FORMAT_INFO_PLANE (f, i);

  return l->offset[p] + GST_VIDEO_FORMAT_INFO_POFFSET (f, i) +
      (gsize) sy *l->stride[p] + (gsize) sx *GST_VIDEO_FORMAT_INFO_PSTRIDE (f,
      i);
}

/* Packs @img; @pad 0: the default layout, else padded strides described
 * by a GstVideoMeta. Every byte that holds no sample is PAD_BYTE. */
GstBuffer *
yuv_to_buffer (const Yuv * img, gint pad)
{
  GstBuffer *buf;
  GstMapInfo map;
  Layout l;
  guint i;
  gint sx, sy, sw, sh;

  yuv_layout (img, pad, &l);
  buf = gst_buffer_new_allocate (NULL, l.size, NULL);
  if (pad)
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo), img->w, img->h,
        GST_VIDEO_FORMAT_INFO_N_PLANES (img->finfo), l.offset, l.stride);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, map.size);
  for (i = 0; i < img->n_comp; i++) {
    yuv_plane_size (img, i, &sw, &sh);
    for (sy = 0; sy < sh; sy++)
      for (sx = 0; sx < sw; sx++)
        map.data[yuv_sample_pos (img, &l, i, sx, sy)] = img->c[i][sy * sw + sx];
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Unpacks @buf as @format (through its GstVideoMeta if it has one); with
 * @check_pad, checks that every byte that holds no sample is PAD_BYTE */
Yuv *
yuv_from_buffer (GstBuffer * buf, const gchar * format, gint w, gint h,
    gboolean check_pad)
{
  Yuv *img = yuv_new (format, w, h);
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);
  GstMapInfo map;
  guint8 *used;
  gsize i, n_pad_bad = 0;
  Layout l;
  guint c;
  gint sx, sy, sw, sh;

  if (meta) {
    fail_unless_equals_int (meta->format,
        GST_VIDEO_FORMAT_INFO_FORMAT (img->finfo));
    fail_unless_equals_int (meta->width, w);
    fail_unless_equals_int (meta->height, h);
    for (c = 0; c < meta->n_planes; c++) {
      l.offset[c] = meta->offset[c];
      l.stride[c] = meta->stride[c];
    }
  } else {
    yuv_layout (img, 0, &l);
  }

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  /* without a meta, the buffer is the frame, as the caps say */
  if (!meta)
    fail_unless (map.size == l.size, "%s %dx%d: a buffer of %" G_GSIZE_FORMAT
        " bytes, not %" G_GSIZE_FORMAT, format, w, h, map.size, l.size);
  used = g_new0 (guint8, map.size);
  for (c = 0; c < img->n_comp; c++) {
    yuv_plane_size (img, c, &sw, &sh);
    for (sy = 0; sy < sh; sy++) {
      for (sx = 0; sx < sw; sx++) {
        gsize pos = yuv_sample_pos (img, &l, c, sx, sy);

        fail_unless (pos < map.size, "%s %dx%d: sample beyond the buffer",
            format, w, h);
        img->c[c][sy * sw + sx] = map.data[pos];
        used[pos] = 1;
      }
    }
  }
  if (check_pad) {
    for (i = 0; i < map.size; i++)
      if (!used[i] && map.data[i] != PAD_BYTE)
        n_pad_bad++;
  }
  g_free (used);
  gst_buffer_unmap (buf, &map);
  fail_unless (n_pad_bad == 0, "%" G_GSIZE_FORMAT " bytes outside the "
      "samples were written (%s %dx%d)", n_pad_bad, format, w, h);
  return img;
}

/* Every sample compared; one assertion, with the first difference */
void
yuv_assert_eq (const Yuv * got, const Yuv * exp, const gchar * what)
{
  guint i, n_bad = 0, bad_c = 0;
  gint sw, sh, s, bad = -1;

  fail_unless (got->w == exp->w && got->h == exp->h &&
      got->n_comp == exp->n_comp);
  for (i = 0; i < got->n_comp; i++) {
    yuv_plane_size (got, i, &sw, &sh);
    for (s = 0; s < sw * sh; s++) {
      if (got->c[i][s] != exp->c[i][s]) {
        if (bad < 0) {
          bad = s;
          bad_c = i;
        }
        n_bad++;
      }
    }
  }
  yuv_plane_size (got, bad_c, &sw, &sh);
  fail_unless (bad < 0, "%s (%s %dx%d): %u samples differ, first %c at "
      "(%d,%d): got %u, expected %u", what, yuv_name (got), got->w, got->h,
      n_bad, "YUV"[bad_c], bad < 0 ? 0 : bad % sw, bad < 0 ? 0 : bad / sw,
      bad < 0 ? 0 : got->c[bad_c][bad], bad < 0 ? 0 : exp->c[bad_c][bad]);
}

void
harness_set_yuv (GstHarness * h, const gchar * format, gint w, gint ht,
    const gchar * extra)
{
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1%s%s", format, w, ht, extra ? "," : "",
      extra ? extra : "");

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

GstHarness *
harness_new_yuv (const gchar * format, gint w, gint ht, const gchar * extra)
{
  GstHarness *h = gst_harness_new ("kmeansseg");

  harness_set_yuv (h, format, w, ht, extra);
  return h;
}

/* Pushes @img (strides padded by @pad), returns what comes out, read as
 * @out_format (NULL: the input's). Only a buffer written in place has
 * known padding to check. */
Yuv *
yuv_process_full (GstHarness * h, const Yuv * img, gint pad,
    const gchar * out_format, gboolean check_pad)
{
  GstBuffer *out;
  Yuv *res;

  fail_unless_equals_int (gst_harness_push (h, yuv_to_buffer (img, pad)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  res = yuv_from_buffer (out, out_format ? out_format : yuv_name (img),
      img->w, img->h, check_pad);
  gst_buffer_unref (out);
  return res;
}

Yuv *
yuv_process (GstHarness * h, const Yuv * img, gint pad)
{
  return yuv_process_full (h, img, pad, NULL, TRUE);
}

void
yuv_check_process (GstHarness * h, const Yuv * img, gint pad,
    const Yuv * exp, const gchar * what)
{
  Yuv *res = yuv_process (h, img, pad);
  gchar *msg = g_strdup_printf ("%s, stride padding %d", what, pad);

  yuv_assert_eq (res, exp, msg);
  g_free (msg);
  yuv_free (res);
}

/* ------------------------------------------------------------------ */
/* What the element should write on a YUV frame, from a label map */

/* Y of every pixel from its label's colour; each chroma sample from the
 * colour of the first pixel it covers (how the input is made, not what
 * the element does) */
Yuv *
yuv_new_labels (const gchar * format, gint w, gint h, const guint8 * lab,
    const guint8 cols[][3])
{
  Yuv *img = yuv_new (format, w, h);
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      img->c[0][y * w + x] = cols[lab[y * w + x]][0];
  if (img->n_comp == 3) {
    for (y = 0; y < img->ch; y++) {
      for (x = 0; x < img->cw; x++) {
        guint8 l = lab[(y << img->vs) * w + (x << img->hs)];

        img->c[1][y * img->cw + x] = cols[l][1];
        img->c[2][y * img->cw + x] = cols[l][2];
      }
    }
  }
  return img;
}

/* Squared distance of pixel (x, y), with the chroma sample it uses, to a
 * colour */
guint
yuv_dist2 (const Yuv * img, gint x, gint y, const guint8 * c)
{
  guint i, d = 0;

  for (i = 0; i < img->n_comp; i++) {
    gint e = (gint) yuv_pix (img, i, x, y) - c[i];

    d += e * e;
  }
  return d;
}

/* The rounded mean of each channel over each label's pixels (each pixel
 * with the chroma sample it uses): the colours a converged fit on this
 * label map paints */
void
model_centroids (const Yuv * img, const guint8 * lab, guint k, guint8 cent[][3])
{
  guint64 s[MAX_LABELS][3], n[MAX_LABELS];
  guint l, i;
  gint x, y;

  fail_unless (k <= MAX_LABELS);
  memset (s, 0, sizeof (s));
  memset (n, 0, sizeof (n));
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      l = lab[y * img->w + x];
      fail_unless (l < k);
      n[l]++;
      for (i = 0; i < img->n_comp; i++)
        s[l][i] += yuv_pix (img, i, x, y);
    }
  }
  for (l = 0; l < k; l++) {
    fail_unless (n[l] > 0, "label %u has no pixel", l);
    for (i = 0; i < 3; i++)
      cent[l][i] = i < img->n_comp ? (2 * s[l][i] + n[l]) / (2 * n[l]) : 0;
  }
}

/* The test's own picture of the fit must hold: every pixel strictly
 * nearest its label's centroid, and the labels numbered by luma (Y) */
void
model_check (const Yuv * img, const guint8 * lab, guint k, guint8 cent[][3])
{
  guint l;
  gint x, y;

  for (l = 1; l < k; l++)
    fail_unless (cent[l - 1][0] < cent[l][0], "test model: labels not in "
        "luma order");
  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      guint own = lab[y * img->w + x];
      guint d = yuv_dist2 (img, x, y, cent[own]);

      for (l = 0; l < k; l++)
        fail_unless (l == own || yuv_dist2 (img, x, y, cent[l]) > d,
            "test model: pixel (%d,%d) is not nearest its label %u", x, y, own);
    }
  }
}

/* Each pixel's nearest of @k colours, ties to the lower index */
guint8 *
model_assign (const Yuv * img, guint k, guint8 cols[][3])
{
  guint8 *lab = g_new (guint8, img->w * img->h);
  gint x, y;
  guint l;

  for (y = 0; y < img->h; y++) {
    for (x = 0; x < img->w; x++) {
      guint best = 0, bd = yuv_dist2 (img, x, y, cols[0]);

      for (l = 1; l < k; l++) {
        guint d = yuv_dist2 (img, x, y, cols[l]);

        if (d < bd) {
          bd = d;
          best = l;
        }
      }
      lab[y * img->w + x] = best;
    }
  }
  return lab;
}

/* The label that holds most of the pixels a chroma sample covers, ties
 * to the first in raster order */
guint
model_chroma_label (const Yuv * img, const guint8 * lab, gint sx, gint sy)
{
  guint count[MAX_LABELS] = { 0, };
  guint8 order[4] = { 0, };
  guint n = 0, j, best;
  gint x, y;

  for (y = sy << img->vs; y < MIN (img->h, (sy + 1) << img->vs); y++)
    for (x = sx << img->hs; x < MIN (img->w, (sx + 1) << img->hs); x++)
      order[n++] = lab[y * img->w + x];
  for (j = 0; j < n; j++)
    count[order[j]]++;
  best = order[0];
  for (j = 1; j < n; j++)
    if (count[order[j]] > count[best])
      best = order[j];
  return best;
}

/* @in with the pixels of each label that @writes painted @val: Y per
 * pixel, a chroma sample from its majority label */
Yuv *
model_paint (const Yuv * in, const guint8 * lab, guint8 val[][3],
    const gboolean * writes)
{
  Yuv *out = yuv_copy (in);
  gint x, y;

  for (y = 0; y < in->h; y++) {
    for (x = 0; x < in->w; x++) {
      guint l = lab[y * in->w + x];

      if (writes[l])
        out->c[0][y * in->w + x] = val[l][0];
    }
  }
  if (in->n_comp == 3) {
    for (y = 0; y < in->ch; y++) {
      for (x = 0; x < in->cw; x++) {
        guint l = model_chroma_label (in, lab, x, y);

        if (writes[l]) {
          out->c[1][y * in->cw + x] = val[l][1];
          out->c[2][y * in->cw + x] = val[l][2];
        }
      }
    }
  }
  return out;
}

const gboolean write_all[MAX_LABELS] = {
  TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE
};

/* Three regions, A on the left, B above and C below on the right, with
 * borders on even coordinates: no chroma sample is shared */
guint8 *
labels_regions (gint w, gint h, gint x0, gint y0)
{
  guint8 *lab = g_new (guint8, w * h);
  gint x, y;

  fail_unless (x0 % 2 == 0 && y0 % 2 == 0);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      lab[y * w + x] = x < x0 ? 0 : (y < y0 ? 1 : 2);
  return lab;
}

/* The regions of labels_regions (w, h, 6, 6), with pixels of other
 * labels where chroma samples straddle clusters. In 2x2 blocks (4:2:0),
 * with the chroma the element must write; in pairs (4:2:2), the left
 * pixel's label wins every 1-1 split:
 *   B A / A A -> A (3-1, minority top-left)   A A / A B -> A (3-1)
 *   A A / B B -> A (2-2 tie: top-left)        B A / B A -> B (tie)
 *   A B / B A -> A (diagonal tie)             C A / B B -> B (2-1-1)
 *   C A / C C -> C                            C B / B B -> B (1-3)
 * and on 33x17 the partial samples of the last column and row. */
guint8 *
labels_straddling (gint w, gint h)
{
  guint8 *lab = labels_regions (w, h, 6, 6);

  fail_unless (w >= 16 && h >= 12);
  LAB (lab, w, 0, 0) = 1;
  LAB (lab, w, 3, 1) = 1;
  LAB (lab, w, 4, 3) = LAB (lab, w, 5, 3) = 1;
  LAB (lab, w, 2, 4) = LAB (lab, w, 2, 5) = 1;
  LAB (lab, w, 1, 4) = LAB (lab, w, 0, 5) = 1;
  LAB (lab, w, 8, 0) = 2;
  LAB (lab, w, 9, 0) = 0;
  LAB (lab, w, 11, 6) = 0;
  LAB (lab, w, 13, 8) = LAB (lab, w, 12, 9) = LAB (lab, w, 13, 9) = 1;
  if (w == 33 && h == 17) {
    /* A over B in the last column; C A in the last row; a lone B in the
     * corner */
    LAB (lab, w, 32, 0) = 0;
    LAB (lab, w, 7, 16) = 0;
    LAB (lab, w, 32, 16) = 1;
  }
  return lab;
}

/* Colours (Y, U, V) in luma order. Y lies far apart and chroma close, so
 * a pixel with another label's chroma sample stays nearest its own
 * label's colour. */
const guint8 abc[3][3] = {
  {30, 110, 140}, {130, 140, 110}, {230, 100, 150}
};

/* A frame of @format whose labels are labels_straddling (w, h) (returned
 * in @lab, to free) in the colours of abc; @cent: the model's centroids,
 * checked against the frame */
Yuv *
yuv_new_straddling (const gchar * format, gint w, gint h, guint8 ** lab,
    guint8 cent[][3])
{
  Yuv *img;

  *lab = labels_straddling (w, h);
  img = yuv_new_labels (format, w, h, *lab, abc);
  model_centroids (img, *lab, 3, cent);
  model_check (img, *lab, 3, cent);
  return img;
}

/* A and B close (they merge at k=2), C far */
const guint8 abc_merge[3][3] = {
  {60, 100, 150}, {72, 108, 141}, {200, 150, 90}
};
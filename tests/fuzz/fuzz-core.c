/* kmeansseg: libFuzzer target for the K-means core
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

/* The input is a script: a few frames, each with its format (every one the
 * core has), size, strides, settings and pixels (raw bytes, a small
 * palette, one colour or a gradient), now and then a reset, a palette
 * seeded or an invalid frame, run through two contexts side by side:
 *
 *   A: in place, one thread, the widest assignment code;
 *   B: out of place (other strides; in labels mode sometimes the GRAY8
 *      label map), the fuzzed thread count, the scalar assignment code.
 *
 * What is checked, recomputed here from the input (kmscore.h, README.md):
 *   - a valid frame is processed (TRUE), an invalid one refused (FALSE)
 *     with nothing changed;
 *   - A and B agree on everything: centroids, counts, stats, the pixels
 *     written (whatever the threads, the code path, in place or not);
 *   - B's input is not written, nor any row padding; the counts add up to
 *     the frame; the painted centroids are the exact ones rounded; a fresh
 *     start numbers the clusters by luma and says so;
 *   - packed RGB without hysteresis: each pixel goes to the nearest painted
 *     centroid (exact integer distance, ties to the lower index) and is
 *     written as the mode and mask say, alpha and padding bytes kept; the
 *     counts and the MSE are those of that assignment (dithered: the
 *     label map, counts and MSE still are, and each pixel not masked is
 *     painted with a colour of a cluster not masked); with hysteresis,
 *     spatial smoothing or clustering in OkLab, every written colour is a
 *     centroid's (posterize without a mask).
 * A failed check aborts, which libFuzzer reports as a crash. Each plane is
 * allocated to the byte (its last row has no padding) so that
 * AddressSanitizer sees any access past it. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscore.h"
#include "kmstest.h"

#define MAX_W 80
#define MAX_H 16
#define MAX_FRAMES 5
/* Lloyd's cost per frame, points x k x iterations, and pixels x k for the
 * fresh starts (k-means++ and restarts), kept so that an input runs in
 * milliseconds */
#define WORK_BUDGET 400000
#define PIXELS_X_K 40000

#define CHECK(cond, ...) KMSTEST_CHECK ("fuzz-core", cond, __VA_ARGS__)

/* The layout of each format, written from GStreamer's definitions of them
 * (independent of the core's tables) */
typedef enum
{
  LAYOUT_PACKED,                /* packed RGB */
  LAYOUT_420,                   /* Y, then two chroma planes, 2x2 */
  LAYOUT_420_SEMI,              /* Y, then interleaved chroma, 2x2 */
  LAYOUT_444,
  LAYOUT_422,                   /* planar, 2x1 */
  LAYOUT_422_PACKED,            /* YUY2, UYVY */
  LAYOUT_GREY
} Layout;

typedef struct
{
  KmsFormat format;
  Layout layout;
  guint bpp;                    /* packed RGB */
  gint off[3];                  /* packed RGB: R, G, B */
  gint alpha;                   /* packed RGB: -1 none */
  guint n_planes;
} Fmt;

static const Fmt fmts[] = {
  {KMS_FORMAT_RGB, LAYOUT_PACKED, 3, {0, 1, 2}, -1, 1},
  {KMS_FORMAT_BGR, LAYOUT_PACKED, 3, {2, 1, 0}, -1, 1},
  {KMS_FORMAT_RGBx, LAYOUT_PACKED, 4, {0, 1, 2}, -1, 1},
  {KMS_FORMAT_BGRx, LAYOUT_PACKED, 4, {2, 1, 0}, -1, 1},
  {KMS_FORMAT_xRGB, LAYOUT_PACKED, 4, {1, 2, 3}, -1, 1},
  {KMS_FORMAT_xBGR, LAYOUT_PACKED, 4, {3, 2, 1}, -1, 1},
  {KMS_FORMAT_RGBA, LAYOUT_PACKED, 4, {0, 1, 2}, 3, 1},
  {KMS_FORMAT_BGRA, LAYOUT_PACKED, 4, {2, 1, 0}, 3, 1},
  {KMS_FORMAT_ARGB, LAYOUT_PACKED, 4, {1, 2, 3}, 0, 1},
  {KMS_FORMAT_ABGR, LAYOUT_PACKED, 4, {3, 2, 1}, 0, 1},
  {KMS_FORMAT_I420, LAYOUT_420, 0, {0,}, -1, 3},
  {KMS_FORMAT_YV12, LAYOUT_420, 0, {0,}, -1, 3},
  {KMS_FORMAT_NV12, LAYOUT_420_SEMI, 0, {0,}, -1, 2},
  {KMS_FORMAT_NV21, LAYOUT_420_SEMI, 0, {0,}, -1, 2},
  {KMS_FORMAT_Y444, LAYOUT_444, 0, {0,}, -1, 3},
  {KMS_FORMAT_Y42B, LAYOUT_422, 0, {0,}, -1, 3},
  {KMS_FORMAT_YUY2, LAYOUT_422_PACKED, 0, {0,}, -1, 1},
  {KMS_FORMAT_UYVY, LAYOUT_422_PACKED, 0, {0,}, -1, 1},
  {KMS_FORMAT_GRAY8, LAYOUT_GREY, 0, {0,}, -1, 1},
};

#define N_RGB 10
#define FMT_GRAY8 (&fmts[G_N_ELEMENTS (fmts) - 1])

/* Bytes in a row, and rows, of plane @p of a w x h frame */
static void
plane_geometry (const Fmt * f, gint w, gint h, guint p, gsize * row,
    gint * rows)
{
  const gint cw = (w + 1) / 2, ch = (h + 1) / 2;

  *rows = h;
  switch (f->layout) {
    case LAYOUT_PACKED:
      *row = (gsize) w * f->bpp;
      break;
    case LAYOUT_420:
      *row = p == 0 ? w : cw;
      *rows = p == 0 ? h : ch;
      break;
    case LAYOUT_420_SEMI:
      *row = p == 0 ? w : 2 * cw;
      *rows = p == 0 ? h : ch;
      break;
    case LAYOUT_444:
    case LAYOUT_GREY:
      *row = w;
      break;
    case LAYOUT_422:
      *row = p == 0 ? w : cw;
      break;
    case LAYOUT_422_PACKED:
      *row = 4 * cw;
      break;
  }
}

/* A frame's planes, each its own allocation, to the byte */
typedef struct
{
  const Fmt *fmt;
  gint w, h;
  guint n;
  guint8 *data[KMS_MAX_PLANES];
  gsize size[KMS_MAX_PLANES];
  gsize row[KMS_MAX_PLANES];
  gint rows[KMS_MAX_PLANES];
  gint stride[KMS_MAX_PLANES];
} Mem;

static void
mem_alloc (Mem * m, const Fmt * f, gint w, gint h, gint pad, guint8 fill)
{
  guint p;

  memset (m, 0, sizeof (*m));
  m->fmt = f;
  m->w = w;
  m->h = h;
  m->n = f->n_planes;
  for (p = 0; p < m->n; p++) {
    plane_geometry (f, w, h, p, &m->row[p], &m->rows[p]);
    m->stride[p] = (gint) m->row[p] + pad;
    m->size[p] = (gsize) m->stride[p] * (m->rows[p] - 1) + m->row[p];
    m->data[p] = g_malloc (m->size[p]);
    memset (m->data[p], fill, m->size[p]);
  }
}

static void
mem_copy (Mem * dst, const Mem * src)
{
  guint p;

  *dst = *src;
  for (p = 0; p < src->n; p++)
    dst->data[p] = g_memdup2 (src->data[p], src->size[p]);
}

/* The pixels of @src into @dst, whose strides may differ */
static void
mem_copy_pixels (Mem * dst, const Mem * src)
{
  guint p;
  gint y;

  for (p = 0; p < src->n; p++)
    for (y = 0; y < src->rows[p]; y++)
      memcpy (dst->data[p] + (gsize) y * dst->stride[p],
          src->data[p] + (gsize) y * src->stride[p], src->row[p]);
}

static void
mem_free (Mem * m)
{
  guint p;

  for (p = 0; p < m->n; p++)
    g_free (m->data[p]);
  m->n = 0;
}

static void
frame_set (KmsFrame * f, const Mem * m, KmsMatrix matrix, gboolean full)
{
  guint p;

  memset (f, 0, sizeof (*f));
  f->format = m->fmt->format;
  f->width = m->w;
  f->height = m->h;
  for (p = 0; p < m->n; p++) {
    f->data[p] = m->data[p];
    f->stride[p] = m->stride[p];
  }
  f->matrix = matrix;
  f->full_range = full;
}

/* Writes colour c (R, G, B or Y, U, V) at (x, y); chroma shared by a group
 * of pixels takes the last one's */
static void
put_pixel (Mem * m, gint x, gint y, const guint8 * c)
{
  const Fmt *f = m->fmt;
  guint8 *p0 = m->data[0] + (gsize) y * m->stride[0];
  guint8 *u = NULL, *v = NULL;
  gint cx = x / 2, cy = y / 2;
  gboolean swap = f->format == KMS_FORMAT_YV12 || f->format == KMS_FORMAT_NV21;

  switch (f->layout) {
    case LAYOUT_PACKED:
      p0 += (gsize) x * f->bpp;
      p0[f->off[0]] = c[0];
      p0[f->off[1]] = c[1];
      p0[f->off[2]] = c[2];
      return;
    case LAYOUT_GREY:
      p0[x] = c[0];
      return;
    case LAYOUT_422_PACKED:
      if (f->format == KMS_FORMAT_YUY2) {
        p0[4 * cx + 2 * (x & 1)] = c[0];
        p0[4 * cx + 1] = c[1];
        p0[4 * cx + 3] = c[2];
      } else {
        p0[4 * cx + 1 + 2 * (x & 1)] = c[0];
        p0[4 * cx] = c[1];
        p0[4 * cx + 2] = c[2];
      }
      return;
    case LAYOUT_420:
      u = m->data[1] + (gsize) cy * m->stride[1] + cx;
      v = m->data[2] + (gsize) cy * m->stride[2] + cx;
      break;
    case LAYOUT_420_SEMI:
      u = m->data[1] + (gsize) cy * m->stride[1] + 2 * cx;
      v = u + 1;
      break;
    case LAYOUT_444:
      u = m->data[1] + (gsize) y * m->stride[1] + x;
      v = m->data[2] + (gsize) y * m->stride[2] + x;
      break;
    case LAYOUT_422:
      u = m->data[1] + (gsize) y * m->stride[1] + cx;
      v = m->data[2] + (gsize) y * m->stride[2] + cx;
      break;
  }
  p0[x] = c[0];
  *(swap ? v : u) = c[1];
  *(swap ? u : v) = c[2];
}

/* Fills the pixels: raw bytes, a small palette, one colour or a gradient */
static void
fill_pixels (Reader * r, Mem * m)
{
  guint mode = rd8 (r) % 4, i, b, p;
  guint8 pal[8][4];
  guint n_pal = 1;
  const guint8 *raw;
  gsize n_raw = 0, pos = 0, need;
  gint x, y;

  if (mode == 1)
    n_pal = 1 + rd8 (r) % 8;
  if (mode == 1 || mode == 2)
    for (i = 0; i < n_pal; i++)
      for (b = 0; b < 4; b++)
        pal[i][b] = rd8 (r);
  /* the bytes that follow, cycled, as far as one frame needs them */
  need = mode == 0 ? m->size[0] + (m->n > 1 ? m->size[1] : 0) :
      mode == 1 ? (gsize) m->w * m->h : 0;
  raw = rd_bytes (r, need, &n_raw);

  if (mode == 0) {
    /* every byte of every row, as it comes */
    for (p = 0; p < m->n; p++)
      for (y = 0; y < m->rows[p]; y++)
        for (i = 0; i < m->row[p]; i++)
          m->data[p][(gsize) y * m->stride[p] + i] =
              n_raw ? raw[pos++ % n_raw] : 0;
    return;
  }

  for (y = 0; y < m->h; y++) {
    for (x = 0; x < m->w; x++) {
      guint8 c[3];

      if (mode == 3) {
        c[0] = (guint8) (x * 255 / MAX (m->w - 1, 1));
        c[1] = (guint8) (y * 255 / MAX (m->h - 1, 1));
        c[2] = (guint8) ((x * 7 + y * 13) & 0xff);
      } else {
        /* subsampled formats: one index per 2x2 block, so that the chroma
         * of a block agrees with its luma */
        gsize at = m->fmt->layout == LAYOUT_PACKED ? pos++ :
            (gsize) (y / 2) * m->w + x / 2;

        i = mode == 1 && n_raw ? raw[at % n_raw] % n_pal : 0;
        memcpy (c, pal[i], 3);
        if (m->fmt->layout == LAYOUT_PACKED && m->fmt->bpp == 4)
          m->data[0][(gsize) y * m->stride[0] + 4 * x +
              (6 - m->fmt->off[0] - m->fmt->off[1] - m->fmt->off[2])] =
              pal[i][3];
      }
      put_pixel (m, x, y, c);
    }
  }
}

/* Everything a context shows of itself */
typedef struct
{
  guint n;
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble exact[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
} Snapshot;

static void
snapshot (KmsContext * ctx, Snapshot * s)
{
  memset (s, 0, sizeof (*s));
  s->n = kms_context_get_centroids (ctx, s->pal, KMS_MAX_K);
  CHECK (kms_context_get_centroids_exact (ctx, s->exact, KMS_MAX_K) == s->n,
      "centroid counts differ");
  CHECK (kms_context_get_counts (ctx, s->counts, KMS_MAX_K) == s->n,
      "count lengths differ");
}

/* KMEANSSEG_FUZZ_VERBOSE set: print each frame's settings and clusters
 * (to triage) */
static gint verbose = -1;

/* The checks are no code to explore: no coverage feedback from them (it
 * would cost more than the core itself) */
#if defined(__clang__) && __clang_major__ >= 13
#define NO_COVERAGE __attribute__ ((no_sanitize ("coverage")))
#else
#define NO_COVERAGE
#endif

/* Row padding of @out must hold what @ref's does */
static void NO_COVERAGE
check_padding (const char *who, const Mem * out, const Mem * ref)
{
  guint p;
  gsize i;

  for (p = 0; p < out->n; p++)
    for (i = 0; i < out->size[p]; i++)
      if (i % out->stride[p] >= out->row[p])
        CHECK (out->data[p][i] == ref->data[p][i], "%s: padding byte %"
            G_GSIZE_FORMAT " of plane %u written", who, i, p);
}

/* The checks of one processed frame that hold for every format */
static void NO_COVERAGE
check_common (const char *who, KmsContext * ctx, const KmsParams * p,
    const Mem * in, const KmsResult * st, gboolean expect_fresh, Snapshot * s)
{
  const guint k = CLAMP (p->k, 1, KMS_MAX_K);
  const guint nch = kms_format_get_n_channels (in->fmt->format);
  /* in OkLab the exact centroids are OkLab's, painted converted back */
  const gboolean native = p->color_space == KMS_CLUSTER_NATIVE;
  guint64 total = 0;
  guint c, ch;

  snapshot (ctx, s);
  CHECK (s->n == k, "%s: %u centroids, k=%u", who, s->n, k);
  CHECK (st->k == k, "%s: stats.k %u, k=%u", who, st->k, k);
  CHECK (st->fit_points >= 1 && st->fit_points <= (guint) (in->w * in->h),
      "%s: %u fit points for %d pixels", who, st->fit_points, in->w * in->h);
  if (expect_fresh)
    CHECK (st->reinitialized, "%s: a fresh start not reported", who);

  for (c = 0; c < k; c++) {
    total += s->counts[c];
    for (ch = 0; ch < KMS_MAX_CHANNELS && native; ch++)
      CHECK (s->pal[c][ch] == (ch < nch ? round_level (s->exact[c][ch]) : 0),
          "%s: centroid %u channel %u painted %u, exact %f", who, c, ch,
          s->pal[c][ch], s->exact[c][ch]);
  }
  CHECK (total == (guint64) in->w * in->h, "%s: counts add up to %"
      G_GUINT64_FORMAT " for %d pixels", who, total, in->w * in->h);

  /* a fresh start numbers the clusters by luma, darkest first (YUV and
   * grey: by Y) */
  if (expect_fresh && native) {
    for (c = 1; c < k; c++) {
      gdouble l0 = s->exact[c - 1][0], l1 = s->exact[c][0];

      if (in->fmt->layout == LAYOUT_PACKED) {
        l0 = 0.299 * s->exact[c - 1][0] + 0.587 * s->exact[c - 1][1] +
            0.114 * s->exact[c - 1][2];
        l1 = 0.299 * s->exact[c][0] + 0.587 * s->exact[c][1] +
            0.114 * s->exact[c][2];
      }
      CHECK (l0 <= l1 + 1e-9, "%s: fresh start, cluster %u luma %f > "
          "cluster %u luma %f", who, c - 1, l0, c, l1);
    }
  }

  if (verbose > 0)
    for (c = 0; c < k; c++)
      fprintf (stderr, "  %s: cluster %3u painted %3u,%3u,%3u exact %.3f,"
          "%.3f,%.3f: %" G_GUINT64_FORMAT " pixels\n", who, c, s->pal[c][0],
          s->pal[c][1], s->pal[c][2], s->exact[c][0], s->exact[c][1],
          s->exact[c][2], s->counts[c]);
}

/* The clusters @p masks with palette @pal (RGB, as painted): the
 * documented model, model_mask_choice */
static void NO_COVERAGE
model_masked (const KmsParams * p, const guint8 (*pal)[KMS_MAX_CHANNELS],
    guint k, gboolean * masked)
{
  model_mask_choice (p->mask_cluster, p->mask_clusters, p->mask_key,
      p->mask_key_count, p->mask_invert, p->mode == KMS_MODE_LABELS, pal, k,
      masked);
}

/* Packed RGB: each pixel against the nearest painted centroid. @in: the
 * input as it was; @out: the output; @labels: B's GRAY8 label map, or
 * NULL. With hysteresis a pixel may keep an older cluster (not on a fresh
 * start, @fresh): then only that its colour is a centroid's is checked. */
static void NO_COVERAGE
check_rgb (const char *who, const KmsParams * p, const Mem * in,
    const Mem * out, const Mem * labels, const Snapshot * s,
    const KmsResult * st, gboolean fresh)
{
  const Fmt *f = in->fmt;
  const guint k = CLAMP (p->k, 1, KMS_MAX_K);
  /* no hysteresis on a fresh start: the old labels are numbered otherwise;
   * smoothing relabels by the neighbours, feathering blends the mask */
  const gboolean exact = (p->hysteresis <= 0 || fresh) &&
      p->spatial_smoothing == 0 && p->mask_feather == 0 &&
      p->color_space == KMS_CLUSTER_NATIVE;
  gboolean masked_label[KMS_MAX_K], masking = FALSE;
  guint8 mask[3] = { (p->mask_color >> 16) & 0xff, (p->mask_color >> 8) & 0xff,
    p->mask_color & 0xff
  };
  guint64 counts[KMS_MAX_K] = { 0, }, sse = 0;
  gint x, y;
  guint c, ch, b;

  /* the masked clusters: the model's, and what the result says (in OkLab
   * the key is matched there: what the result says) */
  model_masked (p, (const guint8 (*)[KMS_MAX_CHANNELS]) s->pal, k,
      masked_label);
  for (c = 0; c < KMS_MAX_K; c++) {
    const gboolean got = (st->masked[c / 8] >> (c % 8)) & 1;

    if (p->color_space != KMS_CLUSTER_NATIVE && p->mask_key >= 0)
      masked_label[c] = c < k && got;
    CHECK (got == (c < k && masked_label[c]), "%s: cluster %u masked %d, "
        "the model says %d", who, c, got, c < k && masked_label[c]);
    masking |= c < k && masked_label[c];
  }

  for (y = 0; y < in->h; y++) {
    const guint8 *src = in->data[0] + (gsize) y * in->stride[0];
    const guint8 *dst = out ? out->data[0] + (gsize) y * out->stride[0] : NULL;

    for (x = 0; x < in->w; x++) {
      const guint8 *ps = src + (gsize) x * f->bpp;
      const guint8 *pd = dst ? dst + (gsize) x * f->bpp : NULL;
      guint8 exp[4];
      guint32 best = G_MAXUINT32;
      guint label = 0;
      gboolean masked;

      for (c = 0; c < k; c++) {
        guint32 d = 0;

        for (ch = 0; ch < 3; ch++) {
          gint e = (gint) ps[f->off[ch]] - (gint) s->pal[c][ch];
          d += (guint32) (e * e);
        }
        if (d < best) {
          best = d;
          label = c;
        }
      }
      if (!exact) {
        /* the cluster is the one whose colour was written, when that
         * tells: posterize without a mask; else nothing more to check */
        if (p->mode != KMS_MODE_POSTERIZE || masking || !pd)
          continue;
        for (c = 0; c < k; c++)
          if (pd[f->off[0]] == s->pal[c][0] && pd[f->off[1]] == s->pal[c][1]
              && pd[f->off[2]] == s->pal[c][2])
            break;
        CHECK (c < k, "%s: pixel (%d,%d) is no centroid's colour", who, x, y);
        for (b = 0; b < f->bpp; b++)
          if ((gint) b != f->off[0] && (gint) b != f->off[1]
              && (gint) b != f->off[2])
            CHECK (pd[b] == ps[b], "%s: pixel (%d,%d) byte %u written", who,
                x, y, b);
        continue;
      }
      counts[label]++;
      sse += best;

      if (labels) {
        guint8 got = labels->data[0][(gsize) y * labels->stride[0] + x];

        CHECK (got == label, "%s: label map (%d,%d) is %u, nearest %u", who,
            x, y, got, label);
      }
      if (!pd)
        continue;
      masked = masked_label[label];
      /* dithered: the labels, counts and mse above stay exact; a pixel
       * not masked is painted with a centroid's colour that is not
       * masked, its other bytes kept */
      if (p->dither != KMS_DITHER_NONE && p->mode == KMS_MODE_POSTERIZE &&
          !masked) {
        for (c = 0; c < k; c++)
          if (!masked_label[c] && pd[f->off[0]] == s->pal[c][0] &&
              pd[f->off[1]] == s->pal[c][1] && pd[f->off[2]] == s->pal[c][2])
            break;
        CHECK (c < k, "%s: dithered pixel (%d,%d) is no unmasked centroid's "
            "colour", who, x, y);
        for (b = 0; b < f->bpp; b++)
          if ((gint) b != f->off[0] && (gint) b != f->off[1]
              && (gint) b != f->off[2])
            CHECK (pd[b] == ps[b], "%s: pixel (%d,%d) byte %u written", who,
                x, y, b);
        continue;
      }
      memcpy (exp, ps, f->bpp);
      for (ch = 0; ch < 3; ch++) {
        if (p->mode == KMS_MODE_LABELS)
          exp[f->off[ch]] = label;
        else if (masked)
          exp[f->off[ch]] = mask[ch];
        else if (p->mode == KMS_MODE_POSTERIZE)
          exp[f->off[ch]] = s->pal[label][ch];
      }
      if (masked && f->alpha >= 0)
        exp[f->alpha] = p->mask_color >> 24;
      for (b = 0; b < f->bpp; b++)
        CHECK (pd[b] == exp[b], "%s: %s %dx%d k=%u mode %d mask %d: pixel "
            "(%d,%d) byte %u is %u, expected %u (label %u)", who,
            kms_format_to_string (f->format), in->w, in->h, k, p->mode,
            p->mask_cluster, x, y, b, pd[b], exp[b], label);
    }
  }

  if (!exact)
    return;
  for (c = 0; c < k; c++)
    CHECK (counts[c] == s->counts[c], "%s: cluster %u counted %"
        G_GUINT64_FORMAT ", has %" G_GUINT64_FORMAT " pixels", who, c,
        s->counts[c], counts[c]);
  CHECK (st->mse == (gdouble) sse / ((gdouble) in->w * in->h * 3),
      "%s: mse %f, expected %f", who, st->mse,
      (gdouble) sse / (in->w * in->h * 3.0));
}

/* Labels mode into a same-format frame: the index in every colour channel
 * (YUV: in Y, chroma 128); @labels is B's GRAY8 map of the same frame */
static void NO_COVERAGE
check_labels_in_place (const Mem * a, const Mem * labels)
{
  const Fmt *f = a->fmt;
  gint x, y;
  guint p;

  for (y = 0; y < a->h; y++)
    for (x = 0; x < a->w; x++) {
      guint8 l = labels->data[0][(gsize) y * labels->stride[0] + x];
      const guint8 *row = a->data[0] + (gsize) y * a->stride[0];
      guint8 got;

      switch (f->layout) {
        case LAYOUT_PACKED:
          CHECK (row[x * f->bpp + f->off[0]] == l &&
              row[x * f->bpp + f->off[1]] == l &&
              row[x * f->bpp + f->off[2]] == l, "labels in place: pixel "
              "(%d,%d) is not its label %u", x, y, l);
          continue;
        case LAYOUT_422_PACKED:
          got = row[(x / 2) * 4 + (f->format == KMS_FORMAT_YUY2 ? 0 : 1) +
              2 * (x & 1)];
          break;
        default:
          got = row[x];
          break;
      }
      CHECK (got == l, "labels in place: Y (%d,%d) is %u, label %u", x, y,
          got, l);
    }
  /* and neutral chroma */
  for (p = 1; p < a->n; p++)
    for (y = 0; y < a->rows[p]; y++)
      for (x = 0; x < (gint) a->row[p]; x++)
        CHECK (a->data[p][(gsize) y * a->stride[p] + x] == 128,
            "labels in place: chroma plane %u (%d,%d) is %u", p, x, y,
            a->data[p][(gsize) y * a->stride[p] + x]);
  if (f->layout == LAYOUT_422_PACKED)
    for (y = 0; y < a->h; y++)
      for (x = 0; x < (gint) a->row[0]; x++)
        if ((x & 1) == (f->format == KMS_FORMAT_YUY2 ? 1 : 0))
          CHECK (a->data[0][(gsize) y * a->stride[0] + x] == 128,
              "labels in place: chroma byte %d of row %d", x, y);
}

/* kms_context_process() must refuse this and change nothing */
static void
check_invalid (KmsContext * ctx, const KmsParams * p, const KmsFrame * in,
    guint what)
{
  KmsFrame bad_in = *in, bad_out = *in;
  KmsParams bp = *p;
  KmsResult st, st0;
  Snapshot before, after;
  guint8 other[4] = { 0, };
  guint last = 0, i;

  for (i = 0; i < KMS_MAX_PLANES; i++)
    if (in->data[i])
      last = i;
  switch (what % 11) {
    case 0:
      bad_in.width = 0;
      break;
    case 1:
      bad_in.height = -(gint) (what >> 4) - 1;
      break;
    case 2:
      bad_in.format = KMS_FORMAT_UNKNOWN;
      break;
    case 3:
      bad_in.format = (KmsFormat) (KMS_FORMAT_LAST + (what >> 4));
      break;
    case 4:
      bad_in.data[last] = NULL;
      break;
    case 5:
      /* another output format that is not the label map */
      bad_out.format = in->format == KMS_FORMAT_RGB ? KMS_FORMAT_BGR :
          KMS_FORMAT_RGB;
      break;
    case 6:
      bad_out.width = in->width + 1;
      break;
    case 7:
      bad_out.data[0] = NULL;
      break;
    case 8:
      /* the label map, but not in labels mode */
      bad_out.format = KMS_FORMAT_GRAY8;
      bad_out.data[0] = other;
      bp.mode = KMS_MODE_POSTERIZE;
      if (in->format == KMS_FORMAT_GRAY8)
        bad_out.width = in->width + 1;
      break;
    case 9:
      /* the label map in place */
      bad_out.format = KMS_FORMAT_GRAY8;
      bp.mode = KMS_MODE_LABELS;
      if (in->format == KMS_FORMAT_GRAY8)
        bad_out.height = in->height + 1;
      break;
    case 10:
      /* in place for some planes only (one plane: not in place at all,
       * which is fine, so break the size instead) */
      if (last > 0)
        bad_out.data[last] = other;
      else
        bad_out.height = in->height - 1;
      break;
  }
  memset (&st, 0x5a, sizeof (st));
  st0 = st;
  snapshot (ctx, &before);
  CHECK (!kms_context_process (ctx, &bp, &bad_in, &bad_out, &st),
      "invalid frame %u accepted", what % 11);
  snapshot (ctx, &after);
  CHECK (memcmp (&before, &after, sizeof (before)) == 0,
      "invalid frame %u changed the context", what % 11);
  CHECK (memcmp (&st, &st0, sizeof (st)) == 0,
      "invalid frame %u wrote the stats", what % 11);
}

static void
read_params (Reader * r, KmsParams * p)
{
  KmsParams def;
  guint8 sel = rd8 (r), t;

  p->k = 1 + rd8 (r);
  p->max_iters = (sel & 0x80) ? 1000 : rd8 (r) % 24;
  p->tolerance = (sel & 0x40) ? 0.0 : rd8 (r) / 8.0;
  p->mask_cluster = (gint) rd8 (r) - 1;
  p->mask_color = rd32 (r);
  p->mode = (KmsMode) ((sel & 3) % 3);
  p->warm_start = !(sel & 4);
  p->init = (sel & 8) ? KMS_INIT_RANDOM : KMS_INIT_KMEANS_PP;
  p->seed = rd32 (r);
  switch ((sel >> 4) & 3) {
    case 0:
      p->sample_size = 0;
      break;
    case 1:
      p->sample_size = 1 + rd16 (r) % 512;
      break;
    case 2:
      p->sample_size = 65536;
      break;
    default:
      p->sample_size = rd16 (r) | (guint) (rd8 (r) & 0xff) << 16;
      break;
  }
  p->n_threads = rd8 (r) % 5;
  /* the temporal settings: defaults, or anything in range */
  kms_params_init_defaults (&def);
  t = rd8 (r);
  p->scene_cut = (t & 1) ? rd8 (r) / 16.0 : def.scene_cut;
  p->refresh_interval = (t & 2) ? rd8 (r) % 8 : def.refresh_interval;
  p->temporal_smoothing = (t & 4) ? rd8 (r) / 255.0 : def.temporal_smoothing;
  p->hysteresis = (t & 8) ? rd8 (r) / 8.0 : (t & 16) ? 0 : def.hysteresis;

  /* the masked clusters: more numbers, a key colour, inverted */
  t = rd8 (r);
  if (t & 1) {
    guint i;

    for (i = 0; i < 4; i++)
      p->mask_clusters[rd8 (r) % G_N_ELEMENTS (p->mask_clusters)] = rd8 (r);
  }
  p->mask_key = (t & 2) ? (gint32) (rd32 (r) & 0xffffff) : -1;
  p->mask_key_count = (t & 4) ? 1 + rd8 (r) : 1;
  p->mask_invert = (t & 8) != 0;

  /* clean masks: smoothing, its strength, feathering */
  t = rd8 (r);
  p->spatial_smoothing = (t & 1) ? rd8 (r) % 4 : 0;
  p->spatial_smoothing_strength = (t & 2) ? rd8 (r) :
      def.spatial_smoothing_strength;
  p->mask_feather = (t & 4) ? rd8 (r) % 8 : 0;
  p->still_hysteresis = (t & 8) ? rd8 (r) / 8.0 : 0;
  /* clustering in OkLab */
  p->color_space = (t & 16) ? KMS_CLUSTER_OKLAB :
      KMS_CLUSTER_NATIVE;
  /* dithering, at any strength */
  p->dither = (t & 32) ? ((t & 64) ? KMS_DITHER_BLUE_NOISE :
      KMS_DITHER_BAYER) : KMS_DITHER_NONE;
  p->dither_strength = (t & 128) ? rd8 (r) / 255.0 : def.dither_strength;
}


/* Keep an input fast: fewer iterations, clusters and rows for big work */
static gint
limit_work (KmsParams * p, gint w, gint h)
{
  guint64 work;

  /* random seeding tries up to 64 draws per cluster when the frame has
   * fewer colours than k */
  if (p->init == KMS_INIT_RANDOM)
    p->k = MIN (p->k, 64);
  h = MIN (h, MAX (1, PIXELS_X_K / (w * (gint) CLAMP (p->k, 1, KMS_MAX_K))));
  if (p->init == KMS_INIT_RANDOM)
    h = MIN (h, MAX (1, PIXELS_X_K / (8 * w * (gint) p->k)));
  work = (guint64) w * h * CLAMP (p->k, 1, KMS_MAX_K) * MAX (p->max_iters, 1);
  if (work > WORK_BUDGET)
    p->max_iters = MAX (1, (guint) (WORK_BUDGET / (work / MAX (p->max_iters,
                    1))));
  return h;
}

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Reader r = { data, size };
  KmsContext *a = kms_context_new (), *b = kms_context_new ();
  KmsParams p;
  const Fmt *f = &fmts[0];
  gint w = 1, h = 1, pad_a = 0, pad_in = 0, pad_out = 0;
  KmsMatrix matrix = KMS_MATRIX_BT601;
  gboolean full = FALSE, fresh = TRUE;
  guint n_frames = 1 + rd8 (&r) % MAX_FRAMES, fr, prev_nch = 0;

  if (verbose < 0)
    verbose = g_getenv ("KMEANSSEG_FUZZ_VERBOSE") != NULL;
  kms_params_init_defaults (&p);
  /* B takes the C reference kernels where the CPU has a choice */
  CHECK (kms_context_set_cpu_flags (b, KMS_CPU_FLAG (KMS_CPU_C)) ==
      KMS_CPU_C, "C level refused");
  {
    /* the format helpers take any value */
    gint v = (gint) (gint8) rd8 (&r);
    gboolean ok = v > KMS_FORMAT_UNKNOWN && v < KMS_FORMAT_LAST;

    CHECK (kms_format_is_supported ((KmsFormat) v) == ok, "format %d", v);
    CHECK ((kms_format_get_n_channels ((KmsFormat) v) != 0) == ok,
        "format %d", v);
    CHECK (kms_format_to_string ((KmsFormat) v) != NULL, "format %d", v);
  }

  for (fr = 0; fr < n_frames; fr++) {
    guint8 flags = fr == 0 ? 0xff : rd8 (&r);
    Mem orig, ma, mb_in, mb_in_copy, mb_out, mb_out0;
    KmsFrame fa, fb_in, fb_out;
    KmsResult sa, sb;
    KmsParams pa, pb;
    Snapshot snap_a, snap_b;
    gboolean labels_out = FALSE, expect_fresh;
    guint nch;
    gint hf;

    if (flags & 1) {
      f = &fmts[rd8 (&r) % G_N_ELEMENTS (fmts)];
      w = 1 + rd8 (&r) % MAX_W;
      h = 1 + rd8 (&r) % MAX_H;
      pad_a = rd8 (&r) % 4 == 0 ? 0 : rd8 (&r) % 13;
      pad_in = rd8 (&r) % 9;
      pad_out = rd8 (&r) % 9;
      matrix = (KmsMatrix) (rd8 (&r) % 4);
      full = rd8 (&r) & 1;
    }
    if (flags & 2)
      read_params (&r, &p);
    pa = p;
    hf = limit_work (&pa, w, h);
    pb = pa;
    pa.n_threads = 1;
    if ((flags & 4) && fr > 0) {
      kms_context_reset (a);
      kms_context_reset (b);
      fresh = TRUE;
    }

    /* the input, kept to compare with */
    mem_alloc (&orig, f, w, hf, pad_a, rd8 (&r));
    fill_pixels (&r, &orig);
    mem_copy (&ma, &orig);
    mem_alloc (&mb_in, f, w, hf, pad_in, 0x3c);
    mem_copy_pixels (&mb_in, &orig);
    mem_copy (&mb_in_copy, &mb_in);
    /* B's output: the label map now and then in labels mode */
    labels_out = pb.mode == KMS_MODE_LABELS && (flags & 0x20);
    mem_alloc (&mb_out, labels_out ? FMT_GRAY8 : f, w, hf, pad_out, rd8 (&r));
    mem_copy (&mb_out0, &mb_out);

    frame_set (&fa, &ma, matrix, full);
    frame_set (&fb_in, &mb_in, matrix, full);
    frame_set (&fb_out, &mb_out, matrix, full);

    if (flags & 8)
      check_invalid (a, &pa, &fa, rd8 (&r));
    if (flags & 0x10) {
      /* a palette seeds both; the next frame starts from it */
      guint32 argb[KMS_MAX_K + 4];
      guint n = rd16 (&r) % (KMS_MAX_K + 4), i;
      gboolean ok = n >= 1 && n <= KMS_MAX_K;
      const KmsColorSpace csa = kms_frame_color_space (&fa);
      const KmsColorSpace csb = kms_frame_color_space (&fb_in);

      for (i = 0; i < n; i++)
        argb[i] = rd32 (&r);
      CHECK (kms_context_set_palette (a, &csa, argb, n) == ok,
          "set_palette of %u", n);
      CHECK (kms_context_set_palette (b, &csb, argb, n) == ok,
          "set_palette of %u", n);
      if (ok) {
        fresh = FALSE;
        prev_nch = kms_format_get_n_channels (f->format);
      }
    }

    nch = kms_format_get_n_channels (f->format);
    expect_fresh = fresh || !pa.warm_start || nch != prev_nch;
    if (verbose)
      fprintf (stderr, "frame %u: %s %dx%d pads %d/%d/%d%s k=%u "
          "max-iters=%u tol=%g mode=%d mask=%d warm=%d init=%d sample=%u "
          "threads=%u hyst=%g cut=%g refresh=%u smooth=%g flags=0x%02x\n",
          fr, kms_format_to_string (f->format), w, hf, pad_a, pad_in, pad_out,
          labels_out ? " (label map)" : "", pa.k, pa.max_iters, pa.tolerance,
          pa.mode, pa.mask_cluster, pa.warm_start, pa.init, pa.sample_size,
          pb.n_threads, pa.hysteresis, pa.scene_cut, pa.refresh_interval,
          pa.temporal_smoothing, flags);

    /* A: in place, one thread */
    CHECK (kms_context_process (a, &pa, &fa, &fa, &sa),
        "A: valid frame refused: %s %dx%d", kms_format_to_string (f->format),
        w, hf);
    check_common ("A", a, &pa, &orig, &sa, expect_fresh, &snap_a);
    check_padding ("A", &ma, &orig);

    /* B: out of place, the fuzzed threads */
    CHECK (kms_context_process (b, &pb, &fb_in, &fb_out, &sb),
        "B: valid frame refused: %s %dx%d%s", kms_format_to_string (f->format),
        w, hf, labels_out ? " (label map)" : "");
    check_common ("B", b, &pb, &orig, &sb, expect_fresh, &snap_b);
    check_padding ("B out", &mb_out, &mb_out0);
    {
      guint pl;

      for (pl = 0; pl < mb_in.n; pl++)
        CHECK (memcmp (mb_in.data[pl], mb_in_copy.data[pl],
                mb_in.size[pl]) == 0, "B: input plane %u written", pl);
    }

    /* A and B agree */
    CHECK (memcmp (&snap_a, &snap_b, sizeof (snap_a)) == 0,
        "A and B differ (threads %u)", pb.n_threads);
    CHECK (sa.k == sb.k && sa.iterations == sb.iterations &&
        sa.reinitialized == sb.reinitialized &&
        sa.scene_cut == sb.scene_cut && sa.mse == sb.mse &&
        sa.fit_points == sb.fit_points, "A and B stats differ");
    if (labels_out) {
      check_labels_in_place (&ma, &mb_out);
    } else {
      guint pl;
      gint y;

      for (pl = 0; pl < ma.n; pl++)
        for (y = 0; y < ma.rows[pl]; y++)
          CHECK (memcmp (ma.data[pl] + (gsize) y * ma.stride[pl],
                  mb_out.data[pl] + (gsize) y * mb_out.stride[pl],
                  ma.row[pl]) == 0, "A and B wrote row %d of plane %u "
              "differently", y, pl);
    }

    /* packed RGB: against the nearest centroid */
    if (f->layout == LAYOUT_PACKED)
      check_rgb ("A", &pa, &orig, &ma, labels_out ? &mb_out : NULL, &snap_a,
          &sa, expect_fresh);
    if (f->layout == LAYOUT_PACKED) {
      const KmsColorSpace csa = kms_frame_color_space (&fa);
      guint32 argb[KMS_MAX_K];
      guint n = kms_context_get_palette (a, &csa, argb, KMS_MAX_K), c;

      CHECK (n == snap_a.n, "palette of %u, %u centroids", n, snap_a.n);
      for (c = 0; c < n; c++)
        CHECK (argb[c] == (0xff000000u | (guint32) snap_a.pal[c][0] << 16 |
                (guint32) snap_a.pal[c][1] << 8 | snap_a.pal[c][2]),
            "palette entry %u is %08x", c, argb[c]);
    }

    fresh = FALSE;
    prev_nch = nch;
    mem_free (&orig);
    mem_free (&ma);
    mem_free (&mb_in);
    mem_free (&mb_in_copy);
    mem_free (&mb_out);
    mem_free (&mb_out0);
  }

  kms_context_free (a);
  kms_context_free (b);
  return 0;
}

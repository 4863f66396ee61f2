/* kmeansseg: the pixel pass: assign, paint, mask, label maps
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

/* Every pixel is assigned to the nearest *rounded* centroid (the colour it
 * will be painted) with exact integer distances, ties to the lower index,
 * and painted or masked in the same pass over the row, in bands of rows
 * over the threads. */

#include <string.h>

#include "kmspass.h"

static void
ensure_rows (KmsPassBand * band, gint width)
{
  if (width <= band->row_alloc)
    return;
  kms_realloc_rows (band->row, KMS_MAX_CHANNELS, width);
  kms_realloc_rows (band->labels, 2, width);
  band->row_alloc = width;
}

/* Copy rows y .. y + n - 1 of every plane (out of place) */
static void
copy_rows (const KmsFormatInfo * info, const KmsFrame * in, KmsFrame * out,
    gint y, gint n)
{
  guint p;
  gint r;

  for (p = 0; p < info->n_planes; p++) {
    const guint vs = kms_format_plane_vsub (info, p);
    const gsize bytes = kms_format_plane_row_bytes (info, p, in->width);

    /* the plane rows these image rows cover (a group starts on a multiple
     * of the subsampling) */
    for (r = y >> vs; r <= (y + n - 1) >> vs; r++)
      memcpy (out->data[p] + (gsize) r * out->stride[p],
          in->data[p] + (gsize) r * in->stride[p], bytes);
  }
}

static const KmsHysteresis *
row_hysteresis (const KmsPassFrame * pass, KmsHysteresis * hyst, gint y)
{
  if (!pass->prev)
    return NULL;
  hyst->prev = pass->prev + (gsize) y * pass->in->width;
  hyst->apply = pass->prev_apply;
  hyst->margin = pass->margin;
  return hyst;
}

/* The rows of band @index: bands start on a row group, so no chroma row
 * is shared by two */
static void
band_rows (const KmsPassFrame * pass, guint index, gint * y0, gint * y1)
{
  const gint g = pass->info->v_group;
  const gint height = pass->in->height;
  const gint groups = (height + g - 1) / g;

  *y0 = g * (gint) ((gint64) groups * index / pass->n_bands);
  *y1 = MIN (height, g * (gint) ((gint64) groups * (index + 1) /
          pass->n_bands));
}

/* Write the row group at @y (@n rows) from its labels: the label maps
 * asked for, then the picture */
static void
write_group (const KmsPassFrame * pass, gint y, gint n, guint8 * const *lab)
{
  const KmsFrame *in = pass->in;
  KmsFrame *out = pass->out;
  gint r;

  if (pass->labels)
    for (r = 0; r < n; r++)
      memcpy (pass->labels->data[0] + (gsize) (y + r) *
          pass->labels->stride[0], lab[r], in->width);
  if (pass->labels_out) {
    for (r = 0; r < n; r++)
      memcpy (out->data[0] + (gsize) (y + r) * out->stride[0], lab[r],
          in->width);
    return;
  }
  if (out->data[0] != in->data[0])
    copy_rows (pass->info, in, out, y, n);
  if (pass->write)
    pass->dsp->rows.write (out, y, n, lab, &pass->paint);
}

/* One band of rows: assign and paint, counts and error into the band;
 * with smoothing, only assign (into pass->map) */
static void
process_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  KmsPassBand *band = &pass->bands[index];
  const KmsFrame *in = pass->in;
  KmsFrame *out = pass->out;
  const gint g = pass->info->v_group;
  KmsHysteresis hyst;
  gint y0, y1, y, r;

  band_rows (pass, index, &y0, &y1);
  memset (band->counts, 0, pass->apal.k * sizeof (band->counts[0]));
  band->sse = 0;

  if (pass->smooth) {
    for (y = y0; y < y1; y++) {
      pass->dsp->rows.unpack (in, y, band->row);
      if (pass->lab)
        pass->dsp->oklab (pass->lab, band->row, NULL, in->width);
      pass->dsp->assign (&pass->apal, (const guint8 * const *) band->row,
          in->width, pass->map + (gsize) y * in->width, band->counts,
          pass->measure ? &band->sse : NULL,
          row_hysteresis (pass, &hyst, y));
    }
    return;
  }

  if (pass->dsp->assign_paint && !pass->labels_out && !pass->labels &&
      !pass->lab) {
    /* 4-byte pixels: read, assign and paint in one pass */
    for (y = y0; y < y1; y++)
      pass->dsp->assign_paint (&pass->apal, &pass->paint, pass->shift,
          pass->write, in->data[0] + (gsize) y * in->stride[0],
          out->data[0] + (gsize) y * out->stride[0], in->width,
          band->counts, pass->measure ? &band->sse : NULL,
          row_hysteresis (pass, &hyst, y));
    return;
  }

  for (y = y0; y < y1; y += g) {
    const gint n = MIN (g, in->height - y);

    /* every row of the group is read before the group is written: in
     * place is safe */
    for (r = 0; r < n; r++) {
      pass->dsp->rows.unpack (in, y + r, band->row);
      if (pass->lab)
        pass->dsp->oklab (pass->lab, band->row, NULL, in->width);
      pass->dsp->assign (&pass->apal, (const guint8 * const *) band->row,
          in->width, band->labels[r], band->counts,
          pass->measure ? &band->sse : NULL,
          row_hysteresis (pass, &hyst, y + r));
    }
    write_group (pass, y, n, band->labels);
  }
}

/* One pass of the smoothing over a band of rows, src to dst */
static void
smooth_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  const gsize w = pass->in->width;
  const gint h = pass->in->height;
  gint y0, y1, y;

  band_rows (pass, index, &y0, &y1);
  for (y = y0; y < y1; y++)
    pass->dsp->smooth (pass->src + (gsize) MAX (y - 1, 0) * w,
        pass->src + y * w, pass->src + (gsize) MIN (y + 1, h - 1) * w,
        pass->dst + y * w, (gint) w);
}

/* Squared distance of pixel x of row y to label l's colour */
static guint
pixel_distance (const KmsPassFrame * pass, gint y, gint x, guint l)
{
  guint8 v[KMS_MAX_CHANNELS] = { 0 };
  guint8 *c[KMS_MAX_CHANNELS] = { &v[0], &v[1], &v[2] };
  guint d = 0, ch;

  pass->dsp->rows.unpack_step (pass->in, y, x, 1, 1, c);
  if (pass->lab)
    kms_oklab_pixel (pass->lab, v, v);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    gint e = (gint) v[ch] - pass->apal.c[ch][l];

    d += e * e;
  }
  return d;
}

/* After smoothing: a band's counts and error follow the labels that
 * changed, its labels go to the hysteresis, and its rows are written */
static void
write_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  KmsPassBand *band = &pass->bands[index];
  const KmsFrame *in = pass->in;
  const gsize w = in->width;
  const gint g = pass->info->v_group;
  gint y0, y1, y, r, x, x0;

  band_rows (pass, index, &y0, &y1);
  for (y = y0; y < y1; y += g) {
    const gint n = MIN (g, in->height - y);
    guint8 *lab[2];

    for (r = 0; r < n; r++) {
      const guint8 *before = pass->map + (y + r) * w;
      const guint8 *after = pass->final + (y + r) * w;

      lab[r] = (guint8 *) after;
      if (pass->prev)
        memcpy (pass->prev + (y + r) * w, after, w);
      /* before the group is written: in place, the input is still there;
       * few labels change, so a run of 32 is compared at once first */
      for (x0 = 0; x0 < (gint) w; x0 += 32) {
        const gint x1 = MIN (x0 + 32, (gint) w);
        guint8 diff = 0;

        for (x = x0; x < x1; x++)
          diff |= before[x] ^ after[x];
        if (G_LIKELY (!diff))
          continue;
        for (x = x0; x < x1; x++) {
          if (before[x] == after[x])
            continue;
          band->counts[before[x]]--;
          band->counts[after[x]]++;
          if (pass->measure)
            band->sse += (gint64) pixel_distance (pass, y + r, x, after[x]) -
                (gint64) pixel_distance (pass, y + r, x, before[x]);
        }
      }
    }
    write_group (pass, y, n, lab);
  }
}

/* The labels whose pixels take the mask: mask_cluster, mask_clusters and
 * the mask_key_count colours nearest mask_key, or all the others with
 * mask_invert (when any was chosen); none in labels mode. Returns whether
 * there is any. */
static gboolean
choose_masked (const KmsParams * params, const KmsColorSpace * cs,
    const KmsOklab * lab, guint nch, const guint8 colors[][KMS_MAX_CHANNELS],
    guint k, gboolean * masked)
{
  gboolean any = FALSE;
  guint c, ch;

  for (c = 0; c < k; c++)
    masked[c] = (params->mask_clusters[c / 8] >> (c % 8)) & 1;
  if (params->mask_cluster >= 0 && (guint) params->mask_cluster < k)
    masked[params->mask_cluster] = TRUE;
  if (params->mask_key >= 0) {
    guint8 key[KMS_MAX_CHANNELS], alpha;
    guint32 d[KMS_MAX_K];
    guint n = CLAMP (params->mask_key_count, 1, k), i;

    kms_format_convert_color (cs, 0xff000000 | (guint32) params->mask_key,
        key, &alpha);
    /* in OkLab, where the colours are: as a pixel of the key's colour */
    if (lab)
      kms_oklab_pixel (lab, key, key);
    for (c = 0; c < k; c++) {
      d[c] = 0;
      for (ch = 0; ch < nch; ch++) {
        gint v = (gint) colors[c][ch] - key[ch];

        d[c] += v * v;
      }
    }
    /* the n nearest, one at a time: ties to the lower number */
    for (i = 0; i < n; i++) {
      guint best = k;

      for (c = 0; c < k; c++)
        if (d[c] != G_MAXUINT32 && (best == k || d[c] < d[best]))
          best = c;
      masked[best] = TRUE;
      d[best] = G_MAXUINT32;
    }
  }
  for (c = 0; c < k; c++)
    any |= masked[c];
  /* inverted: the others (nothing chosen: nothing either way) */
  for (c = 0; c < k; c++) {
    if (params->mask_invert && any)
      masked[c] = !masked[c];
    if (params->mode == KMS_MODE_LABELS)
      masked[c] = FALSE;
  }
  any = FALSE;
  for (c = 0; c < k; c++)
    any |= masked[c];
  return any;
}

guint64
kms_pass_run (KmsPass * pp, const KmsDsp * dsp, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsFrame * labels,
    const guint8 colors[][KMS_MAX_CHANNELS],
    const guint8 assign[][KMS_MAX_CHANNELS], const KmsOklab * lab, guint k,
    gboolean renumbered, KmsPool * pool, guint64 * counts)
{
  const KmsFormatInfo *info = kms_format_get_info (in->format);
  KmsPassFrame *pass = &pp->frame;
  guint64 sse = 0;
  guint b, c, ch;
  gboolean any_masked;

  pass->info = info;
  pass->dsp = dsp;
  pass->in = in;
  pass->out = out;
  pass->bands = pp->bands;
  pass->n_bands = kms_pool_get_n_threads (pool);
  for (b = 0; b < pass->n_bands; b++)
    ensure_rows (&pp->bands[b], in->width);
  pass->labels_out = out->format != in->format;
  pass->labels = labels;
  pass->measure = params->measure_error;

  pass->lab = lab;
  pass->apal.k = k;
  for (c = 0; c < k; c++)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      pass->apal.c[ch][c] = assign[c][ch];

  /* What the rows are painted with */
  {
    const KmsColorSpace cs = kms_frame_color_space (in);

    memcpy (pass->paint.color, colors, k * sizeof (colors[0]));
    kms_format_convert_color (&cs, params->mask_color, pass->paint.mask,
        &pass->paint.mask_alpha);
    any_masked = choose_masked (params, &cs, lab, info->n_channels, assign,
        k, pass->paint.masked);
  }
  kms_paint_prepare (info, &pass->paint, params->mode, k);
  /* only original mode without a mask writes nothing */
  pass->write = params->mode != KMS_MODE_ORIGINAL || any_masked;

  if (info->bpp == 4)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      pass->shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ?
          info->offset[ch] : 3 - info->offset[ch]);

  /* Hysteresis needs the last frame's labels, numbered as now: not after
   * a fresh start (renumbered by luma) nor across a size change */
  pass->prev = NULL;
  if (params->hysteresis > 0) {
    gsize n = (gsize) in->width * in->height;
    gsize alloc = pp->prev_alloc;

    if (n > pp->prev_alloc) {
      pp->prev_labels = kms_grow (pp->prev_labels, &alloc, n, 1);
      pp->prev_alloc = alloc;
      pp->prev_valid = FALSE;
    }
    pass->prev = pp->prev_labels;
    pass->prev_apply = pp->prev_valid && !renumbered &&
        pp->prev_size == n && pp->prev_width == in->width;
    pass->margin = params->hysteresis;
    pp->prev_size = n;
    pp->prev_width = in->width;
  }
  pp->prev_valid = params->hysteresis > 0;

  /* What the level's assign kernels read besides the centroids, once a
   * frame: the candidates per colour cell (one 32 KiB table, for the
   * margin the hysteresis applies this frame), search-key terms */
  pass->apal.cells = NULL;
  if (dsp->prepare)
    dsp->prepare (&pass->apal);
  if (k >= dsp->cells_min_k && k <= KMS_CELL_MAX_K) {
    if (!pp->cells)
      pp->cells = g_malloc0_n (KMS_CELLS, sizeof (guint64));
    kms_assign_build_cells (&pass->apal, info->n_channels,
        pass->prev && pass->prev_apply ? (gfloat) pass->margin : 0,
        pp->cells);
    pass->apal.cells = pp->cells;
  }

  pass->smooth = MIN (params->spatial_smoothing, KMS_MAX_SPATIAL_SMOOTHING);
  if (pass->smooth) {
    const gsize n = (gsize) in->width * in->height;
    gsize alloc = pp->maps_alloc;
    guint i;

    if (n > pp->maps_alloc) {
      for (i = 0; i < G_N_ELEMENTS (pp->maps); i++) {
        alloc = pp->maps_alloc;
        pp->maps[i] = kms_grow (pp->maps[i], &alloc, n, 1);
      }
      pp->maps_alloc = alloc;
    }
    pass->map = pp->maps[0];
  }

  kms_pool_run (pool, process_band, pass);

  if (pass->smooth) {
    guint i;

    /* every pass reads the whole previous one: one job each */
    pass->src = pp->maps[0];
    for (i = 0; i < pass->smooth; i++) {
      pass->dst = pp->maps[1 + i % 2];
      kms_pool_run (pool, smooth_band, pass);
      pass->src = pass->dst;
    }
    pass->final = pass->src;
    kms_pool_run (pool, write_band, pass);
  }

  for (b = 0; b < pass->n_bands; b++) {
    for (c = 0; c < k; c++)
      counts[c] += pp->bands[b].counts[c];
    sse += pp->bands[b].sse;
  }
  return sse;
}

void
kms_pass_clear (KmsPass * pp)
{
  guint b, i;

  for (b = 0; b < KMS_MAX_THREADS; b++) {
    for (i = 0; i < KMS_MAX_CHANNELS; i++)
      g_free (pp->bands[b].row[i]);
    g_free (pp->bands[b].labels[0]);
    g_free (pp->bands[b].labels[1]);
  }
  g_free (pp->prev_labels);
  g_free (pp->cells);
  for (i = 0; i < G_N_ELEMENTS (pp->maps); i++)
    g_free (pp->maps[i]);
  memset (pp, 0, sizeof (*pp));
}

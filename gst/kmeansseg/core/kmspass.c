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

#include <math.h>
#include <string.h>
#if defined (__SSE2__)
#include <emmintrin.h>
#endif

#include "kmspass.h"
#include "kmsthreshold.h"

static void
ensure_rows (KmsPassBand * band, gint width)
{
  if (width <= band->row_alloc)
    return;
  kms_realloc_rows (band->row, KMS_MAX_CHANNELS, width);
  kms_realloc_rows (band->labels, 2, width);
  kms_realloc_rows (band->weight, 3, width);
  kms_realloc_rows (&band->old, 1, width);
  kms_realloc_rows (&band->more, 1, width);
  g_free (band->xs);
  band->xs = g_new (guint32, width);
  kms_realloc_rows (band->paint, 2, width);
  g_free (band->colsum);
  band->colsum = g_new (guint16, width);
  g_free (band->box);
  band->box = g_new (guint8, 2 * (width + 2 * KMS_MAX_MASK_FEATHER));
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

static void mask_fill_row (const KmsPassFrame * pass, KmsPassBand * band,
    const guint8 * lab, guint8 * m);
static void feather_inner (const KmsPassFrame * pass, guint index, gint * f0,
    gint * f1);
static void feather_span (const KmsPassFrame * pass, KmsPassBand * band,
    gint y0, gint y1, gboolean init);

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
 * asked for, then the picture (from @paint, the labels dithered, unless
 * NULL) */
static void
write_group (const KmsPassFrame * pass, gint y, gint n, guint8 * const *lab,
    guint8 * const *paint)
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
    pass->dsp->rows.write (out, y, n, paint ? paint : lab, &pass->paint);
}

/* The painted labels of row @y from its labels @lab and its pixels
 * (band->row, unpacked and converted as assigned) */
static inline void
dither_row (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    const guint8 * lab, guint8 * paint)
{
  pass->dsp->dither (&pass->apal, &pass->dith,
      (const guint8 * const *) band->row, lab,
      pass->tile + (y & (KMS_DITHER_TILE - 1)) * KMS_DITHER_TILE,
      pass->in->width, paint, pass->prev_paint ? pass->prev_paint +
      (gsize) y * pass->in->width : NULL);
}

/* Bytes x0 .. x0 + 7 of @a (those below @width; 0 past it), byte i of
 * the result for x0 + i */
static inline guint64
row_word (const guint8 * a, gint x0, gint width)
{
  guint64 u = 0;

  if (G_LIKELY (x0 + 8 <= width))
    memcpy (&u, a + x0, 8);
  else if (x0 < width)
    memcpy (&u, a + x0, width - x0);
  return G_BYTE_ORDER == G_LITTLE_ENDIAN ? u : GUINT64_SWAP_LE_BE (u);
}

/* Bit i set where pixel x0 + i (below @width) differs in @a and @b and,
 * unless @keep is NULL, its @keep byte is not 0: 32 pixels at a time (few
 * differ; the caller visits the set bits) */
static inline guint32
diff_bits32 (const guint8 * a, const guint8 * b, const guint8 * keep,
    gint x0, gint width)
{
  guint32 bits = 0;
  gint q;

#if defined (__SSE2__)
  if (G_LIKELY (x0 + 32 <= width)) {
    const __m128i zero = _mm_setzero_si128 ();

    for (q = 0; q < 2; q++) {
      const __m128i va = _mm_loadu_si128 ((const __m128i *) (a + x0) + q);
      const __m128i vb = _mm_loadu_si128 ((const __m128i *) (b + x0) + q);
      guint32 m = ~(guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (va, vb));

      if (keep)
        m &= ~(guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_loadu_si128
                ((const __m128i *) (keep + x0) + q), zero));
      bits |= (m & 0xffff) << (16 * q);
    }
    return bits;
  }
#endif
  /* eight at a time, each non-zero byte of a word to one bit */
  for (q = 0; q < 4; q++) {
    guint64 d = row_word (a, x0 + 8 * q, width) ^ row_word (b, x0 + 8 * q,
        width);

    if (keep && d) {
      guint64 k = row_word (keep, x0 + 8 * q, width);

      k |= k >> 4;
      k |= k >> 2;
      k |= k >> 1;
      d &= (k & G_GUINT64_CONSTANT (0x0101010101010101)) * 0xff;
    }
    d |= d >> 4;
    d |= d >> 2;
    d |= d >> 1;
    d &= G_GUINT64_CONSTANT (0x0101010101010101);
    bits |= (guint32) ((d * G_GUINT64_CONSTANT (0x0102040810204080)) >> 56)
        << (8 * q);
  }
  return bits;
}

/* Still pixels: a pixel whose input is within KMS_STILL_LEVELS of the
 * last frame's on every channel, and that the assignment moved to
 * another cluster, goes back to its last one unless the new one is nearer
 * by more than still_margin levels (Euclidean) */
static void
still_row (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    guint8 * lab)
{
  const KmsAssignPalette *pal = &pass->apal;
  const gsize w = pass->in->width;
  guint8 *prev_in = pass->prev_in + 3 * w * y;
  guint8 *prev = pass->prev + w * y;
  const guint8 *old = band->old;
  gint x0, x;
  guint ch;

  for (x0 = 0; x0 < (gint) w && pass->still_apply; x0 += 32) {
    const gint x1 = MIN (x0 + 32, (gint) w);
    guint8 diff = 0;

    for (x = x0; x < x1; x++)
      diff |= lab[x] ^ old[x];
    if (G_LIKELY (!diff))
      continue;
    for (x = x0; x < x1; x++) {
      gboolean still = lab[x] != old[x];
      guint dn = 0, dp = 0;

      for (ch = 0; ch < KMS_MAX_CHANNELS && still; ch++)
        still = ABS ((gint) band->row[ch][x] - prev_in[ch * w + x]) <=
            KMS_STILL_LEVELS;
      if (!still)
        continue;
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        const gint v = band->row[ch][x];
        const gint en = v - pal->c[ch][lab[x]], ep = v - pal->c[ch][old[x]];

        dn += en * en;
        dp += ep * ep;
      }
      if (sqrt (dp) - sqrt (dn) > pass->still_margin)
        continue;
      band->counts[lab[x]]--;
      band->counts[old[x]]++;
      if (pass->measure)
        band->sse += (gint64) dp - (gint64) dn;
      lab[x] = prev[x] = old[x];
    }
  }
  /* with smoothing: which pixels are still and kept their label */
  if (pass->still_map) {
    guint8 *__restrict sm = pass->still_map + w * y;
    const guint8 *__restrict r0 = band->row[0], *__restrict r1 = band->row[1];
    const guint8 *__restrict r2 = band->row[2];
    const guint8 *__restrict p0 = prev_in, *__restrict p1 = prev_in + w;
    const guint8 *__restrict p2 = prev_in + 2 * w;
    const guint8 *__restrict l = lab, *__restrict o = old;
    const guint8 apply = pass->still_apply;

    /* restrict and byte arithmetic: the loop vectorises */
    for (x = 0; x < (gint) w; x++)
      sm[x] = apply & (l[x] == o[x]) &
          (ABS ((gint) r0[x] - p0[x]) <= KMS_STILL_LEVELS) &
          (ABS ((gint) r1[x] - p1[x]) <= KMS_STILL_LEVELS) &
          (ABS ((gint) r2[x] - p2[x]) <= KMS_STILL_LEVELS);
  }
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    memcpy (prev_in + ch * w, band->row[ch], w);
}

/* The same in the pass that reads, assigns and paints 4-byte pixels at
 * once, in two steps around the kernel. Before it: which pixels of row y
 * are still (1 in @still), and the row's input kept for the next frame (in
 * place of the last one's, where the second step reads it: in place, the
 * kernel paints over the input). */
static void
still_before32 (const KmsPassFrame * pass, gint y, const guint8 * src,
    guint8 * still)
{
  const gsize w = pass->in->width;
  guint8 *prev_in = pass->prev_in + 4 * w * y;
  guint8 not_channel[4];
  gsize x;
  guint j;

  memcpy (not_channel, pass->not_channel, 4);
  if (pass->still_apply) {
    /* byte arithmetic, with no branch: it vectorises (a byte that is no
     * channel passes) */
    for (x = 0; x < w; x++) {
      guint8 ok = 1;

      for (j = 0; j < 4; j++) {
        const guint8 p = src[4 * x + j], q = prev_in[4 * x + j];
        const guint8 d = MAX (p, q) - MIN (p, q);

        ok &= (d <= KMS_STILL_LEVELS) | not_channel[j];
        prev_in[4 * x + j] = p;
      }
      still[x] = ok;
    }
  } else {
    memcpy (prev_in, src, 4 * w);
  }
}

/* After the kernel gave row y's labels (into the hysteresis's row) and
 * painted them: a still pixel it moved to another cluster goes back to
 * its last one unless the new one is nearer by more than still_margin,
 * and is painted again */
static void
still_after32 (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    const guint8 * still, guint8 * dst, gboolean paint)
{
  const KmsAssignPalette *pal = &pass->apal;
  const gsize w = pass->in->width;
  const guint8 *cur = pass->prev_in + 4 * w * y;
  guint8 *lab = pass->prev + w * y;
  const guint8 *old = band->old;
  gint x0;
  guint ch;

  if (!pass->still_apply)
    return;
  for (x0 = 0; x0 < (gint) w; x0 += 32) {
    /* a still pixel whose label changed */
    guint32 bits = diff_bits32 (lab, old, still, x0, (gint) w);

    while (bits) {
      const gint x = x0 + __builtin_ctz (bits);
      const guint l = lab[x], o = old[x];
      guint32 a;
      guint dn = 0, dp = 0;
      gboolean back;

      bits &= bits - 1;
      memcpy (&a, cur + 4 * x, 4);
      for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
        const gint v = (a >> pass->shift[ch]) & 0xff;
        const gint en = v - pal->c[ch][l], ep = v - pal->c[ch][o];

        dn += en * en;
        dp += ep * ep;
      }
      /* (no branch on it: it goes either way) */
      back = sqrt (dp) - sqrt (dn) <= pass->still_margin;
      band->counts[l] -= back;
      band->counts[o] += back;
      band->sse += pass->measure && back ? (gint64) dp - (gint64) dn : 0;
      lab[x] = back ? o : l;
      if (paint) {
        const guint32 px = back ? (a & pass->paint.keep[o]) |
            pass->paint.set[o] : (a & pass->paint.keep[l]) |
            pass->paint.set[l];

        memcpy (dst + 4 * x, &px, 4);
      }
    }
  }
}

/* With smoothing, row y of the packed pass: which pixels are still (1 in
 * @still) and kept their label */
static void
still_map_row32 (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    const guint8 * still)
{
  const gsize w = pass->in->width;
  guint8 *__restrict sm = pass->still_map + w * y;
  const guint8 *__restrict l = pass->prev + w * y;
  const guint8 *__restrict o = band->old;
  const guint8 *__restrict st = still;
  gsize x;

  if (!pass->still_apply) {
    memset (sm, 0, w);
    return;
  }
  for (x = 0; x < w; x++)
    sm[x] = st[x] & (l[x] == o[x]);
}

/* Unpack and assign row y into @lab, with the hysteresis and the still
 * pixels' */
static void
assign_row (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    guint8 * lab)
{
  const gsize w = pass->in->width;
  KmsHysteresis hyst;

  pass->dsp->rows.unpack (pass->in, y, band->row);
  if (pass->lab)
    pass->dsp->oklab (pass->lab, band->row, NULL, pass->in->width);
  if (pass->still)
    memcpy (band->old, pass->prev + w * y, w);
  pass->dsp->assign (&pass->apal, (const guint8 * const *) band->row,
      pass->in->width, lab, band->counts, pass->measure ? &band->sse : NULL,
      row_hysteresis (pass, &hyst, y));
  if (pass->still)
    still_row (pass, band, y, lab);
}

/* Squared distance of colour @v to label a's colour minus that to label
 * b's */
static inline __attribute__ ((always_inline)) gint64
color_distance_diff (const KmsAssignPalette * apal,
    const guint8 v[KMS_MAX_CHANNELS], guint a, guint b)
{
  gint64 d = 0;
  guint ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    const gint ea = (gint) v[ch] - apal->c[ch][a];
    const gint eb = (gint) v[ch] - apal->c[ch][b];

    d += ea * ea - eb * eb;
  }
  return d;
}

/* Squared distance of pixel x of row y (its input, not written yet) to
 * label a's colour minus that to label b's */
static inline __attribute__ ((always_inline)) gint64
pixel_distance_diff (const KmsPassFrame * pass, gint y, gint x, guint a,
    guint b)
{
  const KmsFormatInfo *info = pass->info;
  const KmsFrame *in = pass->in;
  guint8 v[KMS_MAX_CHANNELS] = { 0 };
  guint ch;

  /* the pixel read in place, as the format's unpack reads it (a call of
   * the row kernel per pixel cost more than the check) */
  if (info->bpp) {
    const guint8 *px = in->data[0] + (gsize) y * in->stride[0] +
        (gsize) info->bpp * x;

    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      v[ch] = px[info->offset[ch]];
  } else {
    for (ch = 0; ch < info->n_channels; ch++) {
      const KmsChannel l = info->ch[ch];

      v[ch] = in->data[l.plane][(gsize) (y >> l.vsub) * in->stride[l.plane] +
          l.offset + (gsize) l.pstride * (x >> l.hsub)];
    }
  }
  if (pass->lab)
    kms_oklab_pixel (pass->lab, v, v);
  return color_distance_diff (&pass->apal, v, a, b);
}

/* The strength check of pixel x, relabelled from c[x] to d[x] with lead
 * @lead, given its squared distance difference @dd: it keeps its own
 * label, or (with @fix) the band's counts and error follow */
static inline __attribute__ ((always_inline)) void
smooth_check (const KmsPassFrame * pass, KmsPassBand * band, gboolean fix,
    const guint8 * c, guint8 * d, gint x, guint lead, gint64 dd)
{
  if (dd > lead * (gint64) pass->smooth_lambda) {
    d[x] = c[x];
  } else if (fix) {
    band->counts[c[x]]--;
    band->counts[d[x]]++;
    if (pass->measure)
      band->sse += dd;
  }
}

/* One pass of the smoothing over row @y, src to dst: the 3x3 majority
 * (the level's kernel), then each pixel it relabelled keeps its own label
 * unless its colour is at most smooth_lambda (squared levels: 3 x the
 * strength squared) farther from the majority's colour than from its own,
 * per neighbour the majority has more than its own label: noise along a
 * boundary follows its neighbours, a small object of a colour of its own
 * stays. With @fix, the band's counts and error follow the labels that
 * changed (as write_band does for the stepped pass). */
static inline __attribute__ ((always_inline)) void
smooth_row (const KmsPassFrame * pass, KmsPassBand * band, gint y,
    gboolean fix)
{
  const gsize w = pass->in->width;
  const gint h = pass->in->height;
  const guint8 *a = pass->src + (gsize) MAX (y - 1, 0) * w;
  const guint8 *c = pass->src + y * w;
  const guint8 *b = pass->src + (gsize) MIN (y + 1, h - 1) * w;
  guint8 *d = pass->dst + y * w;
  const guint8 *more = band->more;
  const guint32 *xs = band->xs;
  guint n, i;

  /* few pixels change: the kernel lists them, and only they read their
   * input (not written yet) */
  n = pass->dsp->smooth (a, c, b, d, band->more, band->xs, (gint) w);
  if (pass->info->bpp && !pass->lab) {
    /* packed pixels in the stream's colours: the row and the channels'
     * places looked up once */
    const KmsFormatInfo *info = pass->info;
    const gsize bpp = info->bpp;
    const guint8 *row = pass->in->data[0] + (gsize) y * pass->in->stride[0];
    const gint o0 = info->offset[0], o1 = info->offset[1];
    const gint o2 = info->offset[2];

    for (i = 0; i < n; i++) {
      const gint x = xs[i];
      const guint8 *px = row + bpp * x;
      const guint8 v[KMS_MAX_CHANNELS] = { px[o0], px[o1], px[o2] };
      smooth_check (pass, band, fix, c, d, x, more[i],
          color_distance_diff (&pass->apal, v, d[x], c[x]));
    }
    return;
  }
  for (i = 0; i < n; i++) {
    const gint x = xs[i];
    smooth_check (pass, band, fix, c, d, x, more[i],
        pixel_distance_diff (pass, y, x, d[x], c[x]));
  }
}

/* One pass of the smoothing over a band of rows, src to dst */
static void
smooth_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  gint y0, y1, y;

  band_rows (pass, index, &y0, &y1);
  for (y = y0; y < y1; y++)
    smooth_row (pass, &pass->bands[index], y, FALSE);
}

/* After smoothing, row @y: a still pixel that kept its label shows what it
 * showed on the last frame (so its neighbours' noise does not move it
 * either); the labels shown are kept for the next frame */
static void
still_final_row (const KmsPassFrame * pass, gint y)
{
  const gsize w = pass->in->width;
  guint8 *__restrict f = (guint8 *) pass->final + w * y;
  guint8 *__restrict pf = pass->prev_final + w * y;
  const guint8 *__restrict sm = pass->still_map + w * y;
  gsize x;

  if (!pass->prev_final_apply) {
    memcpy (pf, f, w);
    return;
  }
  /* (masks, not a branch: one vectorised loop) */
  for (x = 0; x < w; x++) {
    const guint8 m = -(guint8) (sm[x] != 0);
    const guint8 v = (pf[x] & m) | (f[x] & (guint8) ~m);

    f[x] = v;
    pf[x] = v;
  }
}

/* The band's counts and error follow the labels of row @y that changed
 * from as assigned (pass->map) to as shown (pass->final); before the row
 * is written: in place, its input is still there. Few labels change, so
 * 32 are compared at once first. */
static void
fix_counts_row (const KmsPassFrame * pass, KmsPassBand * band, gint y)
{
  const gint w = pass->in->width;
  const guint8 *before = pass->map + (gsize) y * w;
  const guint8 *after = pass->final + (gsize) y * w;
  gint x0;

  for (x0 = 0; x0 < w; x0 += 32) {
    guint32 bits = diff_bits32 (before, after, NULL, x0, w);

    while (bits) {
      const gint x = x0 + __builtin_ctz (bits);

      bits &= bits - 1;
      band->counts[before[x]]--;
      band->counts[after[x]]++;
      if (pass->measure)
        band->sse += pixel_distance_diff (pass, y, x, after[x], before[x]);
    }
  }
}

/* The first smoothing pass over the row group at @y; when it is the only
 * step, with the still pixels put back, the counts and error fixed, and
 * written */
static void
smooth_write_group (KmsPassFrame * pass, KmsPassBand * band, gint y)
{
  const gint n = MIN (pass->info->v_group, pass->in->height - y);
  guint8 *lab[2];
  gint r;

  if (!pass->smooth_fused) {
    for (r = 0; r < n; r++)
      smooth_row (pass, band, y + r, FALSE);
    return;
  }
  for (r = 0; r < n; r++) {
    lab[r] = pass->dst + (gsize) (y + r) * pass->in->width;
    if (!pass->still_map) {
      /* the check fixes the counts of what it keeps */
      smooth_row (pass, band, y + r, TRUE);
    } else {
      smooth_row (pass, band, y + r, FALSE);
      still_final_row (pass, y + r);
      fix_counts_row (pass, band, y + r);
    }
  }
  write_group (pass, y, n, lab, NULL);
}

/* The first smoothing pass's row groups that need another band's labels,
 * once every band is assigned: the first and the last of each band */
static void
smooth_edges_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  KmsPassBand *band = &pass->bands[index];
  const gint g = pass->info->v_group;
  gint y0, y1;

  band_rows (pass, index, &y0, &y1);
  if (y0 >= y1)
    return;
  smooth_write_group (pass, band, y0);
  if (y0 + g * ((y1 - 1 - y0) / g) > y0)
    smooth_write_group (pass, band, y0 + g * ((y1 - 1 - y0) / g));
}

/* The still pixels after the last pass, over a band of rows */
static void
still_final_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  gint y0, y1, y;

  band_rows (pass, index, &y0, &y1);
  for (y = y0; y < y1; y++)
    still_final_row (pass, y);
}

/* One band of rows: assign and paint, counts and error into the band;
 * with a label map, assign into pass->map (and run the first smoothing
 * pass a row group behind) */
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

  if (pass->use_map && pass->map_fused) {
    /* feathering alone: the next row to blend, and the end of those
     * blended here */
    gint f0 = 0, fy = 0, f1 = 0;

    if (pass->feather_fused) {
      feather_inner (pass, index, &f0, &f1);
      fy = f0;
    }
    /* 4-byte pixels: the fused kernel, painting nothing (but with
     * feathering alone), labels into the map (which is the hysteresis's
     * when it runs) */
    for (y = y0; y < y1; y++) {
      const guint8 *src = in->data[0] + (gsize) y * in->stride[0];
      KmsHysteresis h = { pass->map + (gsize) y * in->width, FALSE, 0 };
      /* feathering alone: painted now (see feather_fused) */
      const gboolean paint = pass->feather_fused && pass->write;
      guint8 *dst = pass->feather_fused ? out->data[0] + (gsize) y *
          out->stride[0] : (guint8 *) src;

      if (pass->prev)
        row_hysteresis (pass, &h, y);
      if (pass->still) {
        memcpy (band->old, pass->prev + (gsize) y * in->width, in->width);
        still_before32 (pass, y, src, band->labels[0]);
      }
      pass->dsp->assign_paint (&pass->apal, &pass->paint, pass->shift, paint,
          src, dst, in->width, band->counts,
          pass->measure ? &band->sse : NULL, &h);
      /* still pixels put back (not painted unless feather_fused: the input
       * stays for the steps after) */
      if (pass->still) {
        still_after32 (pass, band, y, band->labels[0], dst, paint);
        if (pass->still_map)
          still_map_row32 (pass, band, y, band->labels[0]);
      }
      /* feathering alone: the row's mask, while its labels are in cache,
       * and the mask blended over the rows whose box it completes, r rows
       * behind, while they are in cache too */
      if (pass->feather_fused) {
        const gint last = y == in->height - 1 ? f1 - 1 :
            MIN (y - (gint) pass->feather, f1 - 1);

        mask_fill_row (pass, band, h.prev, pass->mask + (gsize) y * in->width);
        if (fy <= last) {
          feather_span (pass, band, fy, last + 1, fy == f0);
          fy = last + 1;
        }
      }
      /* the first smoothing pass: the row above has its neighbours now
       * (the band's first and last rows wait for the other bands) */
      if (pass->smooth_first && y >= y0 + 2)
        smooth_write_group (pass, band, y - 1);
    }
    return;
  }
  if (pass->use_map) {
    for (y = y0; y < y1; y += g) {
      for (r = 0; r < MIN (g, in->height - y); r++)
        assign_row (pass, band, y + r, pass->map + (gsize) (y + r) *
            in->width);
      /* the same, a group behind */
      if (pass->smooth_first && y >= y0 + 2 * g)
        smooth_write_group (pass, band, y - g);
    }
    return;
  }

  if (pass->dither && pass->dsp->assign_dither_paint && !pass->labels &&
      !pass->still && !pass->lab) {
    /* 4-byte pixels, dithered: read, assign, dither and paint in one
     * pass */
    for (y = y0; y < y1; y++)
      pass->dsp->assign_dither_paint (&pass->apal, &pass->paint, &pass->dith,
          pass->shift, in->data[0] + (gsize) y * in->stride[0],
          out->data[0] + (gsize) y * out->stride[0],
          pass->tile + (y & (KMS_DITHER_TILE - 1)) * KMS_DITHER_TILE,
          in->width, band->counts, pass->measure ? &band->sse : NULL,
          row_hysteresis (pass, &hyst, y), pass->prev_paint ?
          pass->prev_paint + (gsize) y * in->width : NULL);
    return;
  }
  if (pass->fused) {
    /* 4-byte pixels: read, assign and paint in one pass (still pixels: the
     * row's labels and input as they were first) */
    for (y = y0; y < y1; y++) {
      const guint8 *src = in->data[0] + (gsize) y * in->stride[0];
      guint8 *dst = out->data[0] + (gsize) y * out->stride[0];

      if (pass->still) {
        memcpy (band->old, pass->prev + (gsize) y * in->width, in->width);
        still_before32 (pass, y, src, band->labels[0]);
      }
      pass->dsp->assign_paint (&pass->apal, &pass->paint, pass->shift,
          pass->write, src, dst, in->width, band->counts,
          pass->measure ? &band->sse : NULL, row_hysteresis (pass, &hyst, y));
      if (pass->still)
        still_after32 (pass, band, y, band->labels[0], dst, pass->write);
    }
    return;
  }

  for (y = y0; y < y1; y += g) {
    const gint n = MIN (g, in->height - y);

    /* every row of the group is read before the group is written: in
     * place is safe */
    for (r = 0; r < n; r++) {
      assign_row (pass, band, y + r, band->labels[r]);
      if (pass->dither)
        dither_row (pass, band, y + r, band->labels[r], band->paint[r]);
    }
    write_group (pass, y, n, band->labels, pass->dither ? band->paint : NULL);
  }
}

/* ------------------------------------------------------------------ */
/* Feathering: each pixel's weight is the share of masked pixels in the
 * (2 r + 1)^2 box around it (the frame's edge pixels repeat outside it),
 * 0..255, and the mask is blended over the written pixel by it, so the
 * mask ramps over 2 r + 1 pixels across its edge. The box is added up
 * across first: the mask map keeps each row's sums of 2 r + 1 pixels
 * (bytes, made once per row); a band's colsum adds 2 r + 1 of those rows
 * up, moved down a row at a time. */

static inline const guint8 *
mask_row (const KmsPassFrame * pass, gint y)
{
  return pass->mask + (gsize) CLAMP (y, 0, pass->in->height - 1) *
      pass->in->width;
}

/* A row of the mask map from its labels, 1 where the label is masked:
 * compares with a few labels (which vectorise), else a table; then its
 * box sums (the level's kernel), which the map keeps */
static void
mask_fill_row (const KmsPassFrame * pass, KmsPassBand * band,
    const guint8 * lab, guint8 * m)
{
  const gsize w = pass->in->width;
  const guint n = pass->n_mask_list;
  const guint8 inv = pass->mask_list_invert;
  gsize x;
  guint i;

  if (n == 0) {
    for (x = 0; x < w; x++)
      m[x] = pass->mask_lut[lab[x]];
  } else if (n == 1) {
    /* (one label: one pass) */
    const guint8 l = pass->mask_list[0];

    for (x = 0; x < w; x++)
      m[x] = inv ^ (lab[x] == l);
  } else {
    for (x = 0; x < w; x++)
      m[x] = inv;
    for (i = 0; i < n; i++) {
      const guint8 l = pass->mask_list[i];

      for (x = 0; x < w; x++)
        m[x] ^= (lab[x] == l);
    }
  }
  pass->dsp->feather_box (m, w, pass->feather, band->box);
}

/* The mask map of a band's rows */
static void
mask_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  const gsize w = pass->in->width;
  gint y0, y1, y;

  band_rows (pass, index, &y0, &y1);
  for (y = y0; y < y1; y++)
    mask_fill_row (pass, &pass->bands[index], pass->final + y * w,
        pass->mask + y * w);
}

/* The least and the most of a band's box sums */
static void
colsum_range (KmsPassBand * band, gint w)
{
  guint lo = G_MAXUINT, hi = 0;
  gint x;

  for (x = 0; x < w; x++) {
    lo = MIN (lo, band->colsum[x]);
    hi = MAX (hi, band->colsum[x]);
  }
  band->colsum_lo = lo;
  band->colsum_hi = hi;
}

/* The box sums of row @y: the mask rows' (their box sums) around it
 * added up */
static void
colsum_init (const KmsPassFrame * pass, KmsPassBand * band, gint y)
{
  const gint w = pass->in->width, r = pass->feather;
  gint dy, x;

  memset (band->colsum, 0, w * sizeof (band->colsum[0]));
  for (dy = -r; dy <= r; dy++) {
    const guint8 *m = mask_row (pass, y + dy);

    for (x = 0; x < w; x++)
      band->colsum[x] += m[x];
  }
  colsum_range (band, w);
}

/* From the box around row @y to the one around row y + 1 */
static void
colsum_next (const KmsPassFrame * pass, KmsPassBand * band, gint y)
{
  const gint r = pass->feather;
  const guint8 *add = mask_row (pass, y + r + 1);
  const guint8 *sub = mask_row (pass, y - r);

  if (add == sub)
    return;
  pass->dsp->feather_sums (band->colsum, add, sub, pass->in->width,
      &band->colsum_lo, &band->colsum_hi);
}

/* The weights of a row from its box sums (the level's kernel); FALSE
 * when all are 0 */
static gboolean
weight_row (const KmsPassFrame * pass, KmsPassBand * band, guint8 * wt)
{
  const gint w = pass->in->width, r = pass->feather;

  if (band->colsum_hi == 0)
    return FALSE;
  if (band->colsum_lo == (2 * (guint) r + 1) * (2 * (guint) r + 1)) {
    memset (wt, 255, w);
    return TRUE;
  }
  pass->dsp->feather_weights (band->colsum, w, pass->feather_mul, wt);
  return TRUE;
}

/* Blend @m over @n samples @pstride bytes apart from @row by their weights
 * @wt (0 leaves a sample as it is): runs of 32 weights of 0 skipped, and
 * with @pstride 1 the others 32 at a time in one loop (which vectorises:
 * the blend fits 16 bits) */
static inline void
feather_samples (guint8 * row, guint pstride, const guint8 * wt, gint n,
    guint8 m)
{
  gint x0, x, i;

  for (x0 = 0; x0 < n; x0 += 32) {
    const gint x1 = MIN (x0 + 32, n);

    if (!(row_word (wt, x0, n) | row_word (wt, x0 + 8, n) |
            row_word (wt, x0 + 16, n) | row_word (wt, x0 + 24, n)))
      continue;
    if (pstride == 1 && x1 - x0 == 32) {
      guint8 *__restrict d = row + x0;
      const guint8 *__restrict a = wt + x0;

      for (i = 0; i < 32; i++)
        d[i] = kms_feather_blend8 (d[i], m, a[i]);
    } else {
      for (x = x0; x < x1; x++)
        row[(gsize) x * pstride] = kms_feather_blend8 (row[(gsize) x *
                pstride], m, wt[x]);
    }
  }
}

/* A chroma row's weights: of each sample, the mean weight (rounded) of the
 * pixels it covers, 1 << @hsub of each of @rows rows of weights @a and @b
 * (NULL: all 0; @b only with 2 rows) @w pixels wide */
static void
chroma_weights (const guint8 * a, const guint8 * b, gint rows, gint w,
    guint hsub, guint8 * cwt)
{
  const gint full = w >> hsub;
  /* the pixels a sample covers: rows << hsub, a power of two */
  const guint sh = (rows - 1) + hsub, half = (1u << sh) >> 1;
  gint cx;

  if (!hsub) {
    if (!a || !b) {
      const guint8 *o = a ? a : b;

      for (cx = 0; cx < w; cx++)
        cwt[cx] = (o[cx] + half) >> sh;
    } else {
      for (cx = 0; cx < w; cx++)
        cwt[cx] = (a[cx] + b[cx] + half) >> sh;
    }
    return;
  }
  if (!a || !b) {
    const guint8 *o = a ? a : b;

    for (cx = 0; cx < full; cx++)
      cwt[cx] = (o[2 * cx] + o[2 * cx + 1] + half) >> sh;
  } else {
    for (cx = 0; cx < full; cx++)
      cwt[cx] = (a[2 * cx] + a[2 * cx + 1] + b[2 * cx] + b[2 * cx + 1] +
          half) >> sh;
  }
  /* an odd width's last sample covers one column */
  if (w & 1) {
    const guint s = (a ? a[w - 1] : 0) + (b ? b[w - 1] : 0);

    cwt[full] = (s + rows / 2) / rows;
  }
}

/* Blend the mask over rows y .. y + n - 1 by their weights (NULL: none).
 * Weight 255 writes the mask colour (and alpha) exactly, as a hard edge
 * does. With alpha, the alpha ramps by the weight and the colour by the
 * weight times the mask colour's opacity, so a transparent mask colour
 * fades the picture out without darkening its edge. A chroma sample
 * takes the mean weight of the pixels it covers. */
static void
feather_rows (const KmsPassFrame * pass, KmsPassBand * band, gint y, gint n,
    guint8 * const *wt)
{
  const KmsFormatInfo *info = pass->info;
  const KmsPaint *p = &pass->paint;
  KmsFrame *out = pass->out;
  const gint w = out->width;
  gint r, x;
  guint ch;

  if (info->bpp == 4) {
    for (r = 0; r < n; r++)
      if (wt[r])
        pass->dsp->feather_blend32 (out->data[0] + (gsize) (y + r) *
            out->stride[0], wt[r], w, &pass->feather_px);
    return;
  }
  if (info->bpp) {
    for (r = 0; r < n; r++) {
      guint8 *row = out->data[0] + (gsize) (y + r) * out->stride[0];

      if (!wt[r])
        continue;
      for (x = 0; x < w; x++) {
        guint8 *px = row + (gsize) x * info->bpp;
        const guint a = wt[r][x];
        guint c = a;

        /* (outside the mask's ramps: eight pixels at a time) */
        if (!(x & 7) && !row_word (wt[r], x, w)) {
          x += 7;
          continue;
        }
        if (!a)
          continue;
        if (a == 255) {
          /* inside: the mask, as a hard edge writes it */
          for (ch = 0; ch < info->n_channels; ch++)
            px[info->offset[ch]] = p->mask[ch];
          if (info->alpha_offset >= 0)
            px[info->alpha_offset] = p->mask_alpha;
          continue;
        }
        if (info->alpha_offset >= 0) {
          c = (a * p->mask_alpha + 127) / 255;
          px[info->alpha_offset] = kms_feather_blend8 (px[info->alpha_offset],
              p->mask_alpha, a);
        }
        for (ch = 0; ch < info->n_channels; ch++)
          px[info->offset[ch]] = kms_feather_blend8 (px[info->offset[ch]],
              p->mask[ch], c);
      }
    }
    return;
  }

  /* YUV and grey: luma per pixel */
  {
    const KmsChannel *cy = &info->ch[0];

    for (r = 0; r < n; r++)
      if (wt[r])
        feather_samples (out->data[cy->plane] + (gsize) (y + r) *
            out->stride[cy->plane] + cy->offset, cy->pstride, wt[r], w,
            p->mask[0]);
  }
  /* chroma: each sample by the mean weight of the pixels it covers (the
   * rows of the group share the chroma row(s) they cover), the same for
   * every chroma channel */
  if (info->n_channels > 1) {
    const KmsChannel *c1 = &info->ch[1];
    const gint cw = (w + (1 << c1->hsub) - 1) >> c1->hsub;
    guint8 *cwt = band->weight[2];
    gint crow;

    for (crow = y >> c1->vsub; crow <= (y + n - 1) >> c1->vsub; crow++) {
      const gint ry0 = (crow << c1->vsub) - y;
      const gint ry1 = MIN (ry0 + (1 << c1->vsub), n);

      if (!wt[ry0] && (ry1 - ry0 < 2 || !wt[ry0 + 1]))
        continue;
      chroma_weights (wt[ry0], ry1 - ry0 < 2 ? NULL : wt[ry0 + 1],
          ry1 - ry0, w, c1->hsub, cwt);
      for (ch = 1; ch < info->n_channels; ch++) {
        const KmsChannel *cc = &info->ch[ch];

        feather_samples (out->data[cc->plane] + (gsize) crow *
            out->stride[cc->plane] + cc->offset, cc->pstride, cwt, cw,
            p->mask[ch]);
      }
    }
  }
}

/* Feathering alone: the rows of band @index blended as it is assigned,
 * f0 .. f1 - 1, those whose box lies within the band (or reaches past the
 * frame's edge); the others, r at each end between two bands, once every
 * band is (write_band) */
static void
feather_inner (const KmsPassFrame * pass, guint index, gint * f0, gint * f1)
{
  const gint r = pass->feather;
  gint y0, y1;

  band_rows (pass, index, &y0, &y1);
  *f0 = index == 0 ? y0 : y0 + r;
  *f1 = index + 1 == pass->n_bands ? y1 : y1 - r;
  if (*f0 >= *f1)
    *f0 = *f1 = y1;
}

/* Blend the mask over rows y0 .. y1 - 1 of 4-byte pixels, their box sums
 * made at y0 when @init, else moved down from the row above */
static void
feather_span (const KmsPassFrame * pass, KmsPassBand * band, gint y0,
    gint y1, gboolean init)
{
  gint y;

  for (y = y0; y < y1; y++) {
    guint8 *wt;

    if (y == y0 && init)
      colsum_init (pass, band, y);
    else
      colsum_next (pass, band, y - 1);
    wt = weight_row (pass, band, band->weight[0]) ? band->weight[0] : NULL;
    feather_rows (pass, band, y, 1, &wt);
  }
}

/* From the whole-frame labels: a band's counts and error follow the
 * labels smoothing changed, its labels go to the hysteresis, its rows are
 * written and the mask feathered over them (feathering alone: those rows
 * process_band did not) */
static void
write_band (gpointer data, guint index)
{
  KmsPassFrame *pass = data;
  KmsPassBand *band = &pass->bands[index];
  const KmsFrame *in = pass->in;
  const gsize w = in->width;
  const gint g = pass->info->v_group;
  gint y0, y1, y, r;

  band_rows (pass, index, &y0, &y1);
  if (pass->feather && !pass->feather_fused && y0 < y1)
    colsum_init (pass, band, y0);
  for (y = y0; y < y1; y += g) {
    const gint n = MIN (g, in->height - y);
    guint8 *lab[2], *wt[2];

    for (r = 0; r < n; r++) {
      const guint8 *before = pass->map + (y + r) * w;
      const guint8 *after = pass->final + (y + r) * w;

      lab[r] = (guint8 *) after;
      /* before the group is written: in place, the input is still there */
      if (pass->dither) {
        pass->dsp->rows.unpack (pass->in, y + r, band->row);
        if (pass->lab)
          pass->dsp->oklab (pass->lab, band->row, NULL, pass->in->width);
        dither_row (pass, band, y + r, after, band->paint[r]);
      }
      /* the hysteresis keeps the labels as assigned (in pass->prev
       * already), which smoothing then cleans the same way frame after
       * frame */
      if (before != after)
        fix_counts_row (pass, band, y + r);
    }
    if (pass->feather_fused) {
      /* painted as assigned: only the label map asked for */
      if (pass->labels)
        for (r = 0; r < n; r++)
          memcpy (pass->labels->data[0] + (gsize) (y + r) *
              pass->labels->stride[0], lab[r], w);
    } else {
      write_group (pass, y, n, lab, pass->dither ? band->paint : NULL);
    }
    if (pass->feather && !pass->feather_fused) {
      for (r = 0; r < n; r++) {
        wt[r] = weight_row (pass, band, band->weight[r]) ?
            band->weight[r] : NULL;
        colsum_next (pass, band, y + r);
      }
      feather_rows (pass, band, y, n, wt);
    }
  }
  if (pass->feather_fused) {
    gint f0, f1;

    feather_inner (pass, index, &f0, &f1);
    feather_span (pass, band, y0, f0, TRUE);
    feather_span (pass, band, f1, y1, TRUE);
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
        k, pass->masked);
  }
  /* Feathered, the masked labels are painted as the others, then the
   * mask is blended over them */
  pass->feather = any_masked ? MIN (params->mask_feather,
      KMS_MAX_MASK_FEATHER) : 0;
  for (c = 0; c < k; c++) {
    pass->paint.masked[c] = pass->masked[c] && !pass->feather;
    pass->mask_lut[c] = pass->masked[c];
  }
  if (pass->feather) {
    const guint area = (2 * pass->feather + 1) * (2 * pass->feather + 1);
    guint n_masked = 0;

    /* area * mul + 2^23 stays below 2^32 (area >= 9) */
    pass->feather_mul = (guint32) (((G_GUINT64_CONSTANT (255) << 24) +
            area / 2) / area);
    if (info->bpp == 4) {
      KmsFeather *f = &pass->feather_px;

      memset (f, 0, sizeof (*f));
      for (ch = 0; ch < info->n_channels; ch++) {
        f->mask[info->offset[ch]] = pass->paint.mask[ch];
        f->mul[info->offset[ch]] = info->alpha_offset >= 0 ?
            pass->paint.mask_alpha : 255;
        f->full[info->offset[ch]] = 255;
      }
      if (info->alpha_offset >= 0) {
        f->mask[info->alpha_offset] = pass->paint.mask_alpha;
        f->mul[info->alpha_offset] = 255;
        f->full[info->alpha_offset] = 255;
      }
    }
    for (c = 0; c < k; c++)
      n_masked += pass->masked[c];
    /* list the masked labels, or the others when they are fewer */
    pass->mask_list_invert = n_masked > k - n_masked;
    pass->n_mask_list = 0;
    for (c = 0; c < k; c++) {
      if (pass->masked[c] == pass->mask_list_invert)
        continue;
      if (pass->n_mask_list == G_N_ELEMENTS (pass->mask_list)) {
        pass->n_mask_list = 0;  /* too many: the table */
        break;
      }
      pass->mask_list[pass->n_mask_list++] = c;
    }
  }
  kms_paint_prepare (info, &pass->paint, params->mode, k);
  /* only original mode without a mask (or with a feathered one, blended
   * afterwards) writes nothing */
  pass->write = params->mode != KMS_MODE_ORIGINAL ||
      (any_masked && !pass->feather);

  if (info->bpp == 4) {
    memset (pass->not_channel, 1, sizeof (pass->not_channel));
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
      pass->shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ?
          info->offset[ch] : 3 - info->offset[ch]);
      pass->not_channel[info->offset[ch]] = 0;
    }
  }

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

  /* Dithering: posterize mode only, never into or out of a masked
   * cluster; strength 0 is none */
  pass->dith.strength = (gint32) CLAMP (floor (params->dither_strength *
          256 + 0.5), 0, 256);
  pass->dither = params->mode == KMS_MODE_POSTERIZE && !pass->labels_out &&
      k >= 2 && pass->dith.strength > 0 &&
      (params->dither == KMS_DITHER_BAYER ||
      params->dither == KMS_DITHER_BLUE_NOISE);
  if (pass->dither) {
    const guint t = params->dither;

    if (!pp->tile_made[t]) {
      if (t == KMS_DITHER_BAYER)
        kms_threshold_bayer (pp->tiles[t]);
      else
        kms_threshold_blue_noise (pp->tiles[t]);
      pp->tile_made[t] = TRUE;
    }
    pass->tile = pp->tiles[t];
    for (c = 0; c < k; c++)
      pass->dith.fixed[c] = pass->masked[c];
    if (!pp->dither_dist)
      pp->dither_dist = g_new (gint32, KMS_MAX_K * KMS_MAX_K);
    pass->dith.dist = pp->dither_dist;
    kms_dither_prepare (&pass->apal, &pass->dith);
  }
  /* With hysteresis, the margin towards the colour each pixel showed on
   * the last frame, when that frame was numbered and sized as this one */
  pass->prev_paint = NULL;
  pass->dith.margin = 0;
  if (pass->dither && params->hysteresis > 0) {
    const gsize n = (gsize) in->width * in->height;
    gsize alloc = pp->prev_paint_alloc;

    if (n > pp->prev_paint_alloc) {
      pp->prev_paint = kms_grow (pp->prev_paint, &alloc, n, 1);
      /* read before it is valid, with no margin (which makes its values
       * moot): defined bytes all the same */
      memset (pp->prev_paint, 0, alloc);
      pp->prev_paint_alloc = alloc;
      pp->prev_paint_valid = FALSE;
    }
    pass->prev_paint = pp->prev_paint;
    if (pp->prev_paint_valid && pass->prev_apply &&
        pp->prev_paint_size == n && pp->prev_paint_mode == params->dither)
      pass->dith.margin = KMS_DITHER_MARGIN;
    pp->prev_paint_size = n;
    pp->prev_paint_mode = params->dither;
  }
  pp->prev_paint_valid = pass->prev_paint != NULL;

  pass->smooth = MIN (params->spatial_smoothing, KMS_MAX_SPATIAL_SMOOTHING);
  {
    const guint st = MIN (params->spatial_smoothing_strength, 255);

    pass->smooth_lambda = 3 * st * st;
  }
  pass->use_map = pass->smooth > 0 || pass->feather > 0;
  if (pass->use_map) {
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

  /* 4-byte pixels go through in one pass, unless the labels are wanted
   * as such or other steps (OkLab, smoothing, feathering) come between;
   * dithered, the kernel that dithers too does */
  pass->fused = dsp->assign_paint && !pass->labels_out && !pass->labels &&
      !pass->lab && !pass->use_map && !pass->dither;

  /* With a map, 4-byte pixels are labelled by the fused kernel (no
   * painting) straight into it, which is the hysteresis's own map when it
   * runs (the smoothing writes the others) */
  pass->map_fused = pass->use_map && dsp->assign_paint && !pass->lab;
  if (pass->map_fused && pass->prev)
    pass->map = pass->prev;

  /* Still pixels need the last frame's input too, of the same size (4-byte
   * pixels as they came in where the fused kernel reads them, else three
   * unpacked planes), and the hysteresis's labels */
  pass->still = pass->prev && params->still_hysteresis > 0;
  pass->still_apply = FALSE;
  if (pass->still) {
    const gboolean packed = pass->fused || pass->map_fused;
    gsize n = (gsize) (packed ? 4 : 3) * in->width * in->height;
    gsize alloc = pp->prev_in_alloc;

    if (n > pp->prev_in_alloc) {
      pp->prev_in = kms_grow (pp->prev_in, &alloc, n, 1);
      pp->prev_in_alloc = alloc;
      pp->prev_in_valid = FALSE;
    }
    pass->prev_in = pp->prev_in;
    pass->still_apply = pass->prev_apply && pp->prev_in_valid &&
        pp->prev_in_size == n && pp->prev_in_width == in->width &&
        pp->prev_in_packed == packed;
    pass->still_margin = MAX (params->still_hysteresis, params->hysteresis);
    pp->prev_in_size = n;
    pp->prev_in_width = in->width;
    pp->prev_in_packed = packed;
  }
  pp->prev_in_valid = pass->still;

  /* Still pixels with smoothing: the labels shown last time, kept */
  pass->still_map = NULL;
  if (pass->still && pass->smooth) {
    const gsize n = (gsize) in->width * in->height;
    gsize alloc = pp->prev_final_alloc;

    if (n > pp->prev_final_alloc) {
      pp->prev_final = kms_grow (pp->prev_final, &alloc, n, 1);
      pp->prev_final_alloc = alloc;
      pp->prev_final_valid = FALSE;
    }
    pass->still_map = pp->maps[4];
    pass->prev_final = pp->prev_final;
    pass->prev_final_apply = pass->still_apply && pp->prev_final_valid &&
        pp->prev_final_size == n;
    pp->prev_final_size = n;
  }
  pp->prev_final_valid = pass->still_map != NULL;

  /* Feathering alone on 4-byte pixels: the rows are painted as they are
   * assigned (still pixels put back painted again), not written again
   * from the map, and their mask rows made then; the mask is blended over
   * them r rows behind, while they are in cache, but for the r rows at
   * each end of a band next to another band, which wait for every band
   * (write_band) */
  pass->feather_fused = pass->feather && pass->map_fused && !pass->smooth &&
      !pass->dither && !pass->labels_out;
  pass->mask = pass->feather ? pp->maps[3] : NULL;

  /* The first smoothing pass runs as the assignment goes, a row group
   * behind it; when it is the only step on the map, its rows are written
   * there too */
  pass->smooth_first = pass->use_map && pass->smooth > 0;
  pass->smooth_fused = pass->smooth_first && pass->smooth == 1 &&
      !pass->feather && !pass->dither;
  if (pass->smooth_first) {
    pass->src = pass->map;
    pass->dst = pp->maps[1];
    pass->final = pass->dst;
  }

  kms_pool_run (pool, process_band, pass);
  if (pass->smooth_first)
    kms_pool_run (pool, smooth_edges_band, pass);

  if (pass->use_map && !pass->smooth_fused) {
    guint i;

    /* every further pass reads the whole previous one: one job each */
    pass->src = pass->smooth_first ? pp->maps[1] : pass->map;
    for (i = pass->smooth_first ? 1 : 0; i < pass->smooth; i++) {
      pass->dst = pp->maps[1 + i % 2];
      kms_pool_run (pool, smooth_band, pass);
      pass->src = pass->dst;
    }
    pass->final = pass->src;
    if (pass->still_map)
      kms_pool_run (pool, still_final_band, pass);
    if (pass->feather && !pass->feather_fused)
      kms_pool_run (pool, mask_band, pass);
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
    g_free (pp->bands[b].weight[0]);
    g_free (pp->bands[b].weight[1]);
    g_free (pp->bands[b].weight[2]);
    g_free (pp->bands[b].colsum);
    g_free (pp->bands[b].box);
    g_free (pp->bands[b].old);
    g_free (pp->bands[b].more);
    g_free (pp->bands[b].xs);
    g_free (pp->bands[b].paint[0]);
    g_free (pp->bands[b].paint[1]);
  }
  g_free (pp->prev_labels);
  g_free (pp->prev_in);
  g_free (pp->prev_final);
  g_free (pp->prev_paint);
  g_free (pp->dither_dist);
  g_free (pp->cells);
  for (i = 0; i < G_N_ELEMENTS (pp->maps); i++)
    g_free (pp->maps[i]);
  memset (pp, 0, sizeof (*pp));
}

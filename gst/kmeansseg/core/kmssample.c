/* kmeansseg: the fitting data: sampled colours and their histogram
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

/* The points a frame is fitted on. With sample_size 0 every pixel counts:
 * the frame's distinct colours, found by a radix sort, each weighted by
 * its pixel count (Lloyd on them is Lloyd on every pixel, to the bit).
 * Otherwise a regular grid of about sample_size pixels is binned into a
 * colour histogram of KMS_HIST_BITS bits per channel; each cell keeps its
 * count and channel sums, so its mean is the exact mean of its pixels. */

#include <math.h>
#include <string.h>

#include "kmscore.h"
#include "kmssample.h"

#define HIST_CELLS (1u << (3 * KMS_HIST_BITS))
#define HIST_SHIFT (8 - KMS_HIST_BITS)
/* Histogram index entries asked for this many samples ahead */
#define HIST_AHEAD 16
/* Fewer sampled pixels than this are binned by one thread */
#define KMS_PARALLEL_SAMPLES 16384
/* Fewer histogram cells than this: fit on the sample's exact colours */
#define KMS_REFINE_POINTS 1024
/* ... and more of them than this: cells of one bit finer than the
 * histogram's instead (build_exact_cells()) */
#define KMS_EXACT_POINTS 2048

/* CALL (o0, o1, o2) with the bytes of R, G and B in @info's packed
 * pixels, as constants for the formats there are (a copy of the loop
 * each) */
#define PACKED_SWITCH(info, CALL)                                           \
  switch ((info)->format) {                                                 \
    case KMS_FORMAT_RGB:                                                    \
    case KMS_FORMAT_RGBx:                                                   \
    case KMS_FORMAT_RGBA:                                                   \
      CALL (0, 1, 2);                                                       \
      break;                                                                \
    case KMS_FORMAT_BGR:                                                    \
    case KMS_FORMAT_BGRx:                                                   \
    case KMS_FORMAT_BGRA:                                                   \
      CALL (2, 1, 0);                                                       \
      break;                                                                \
    case KMS_FORMAT_xRGB:                                                   \
    case KMS_FORMAT_ARGB:                                                   \
      CALL (1, 2, 3);                                                       \
      break;                                                                \
    case KMS_FORMAT_xBGR:                                                   \
    case KMS_FORMAT_ABGR:                                                   \
      CALL (3, 2, 1);                                                       \
      break;                                                                \
    default:                                                                \
      CALL ((info)->offset[0], (info)->offset[1], (info)->offset[2]);       \
      break;                                                                \
  }

static void
ensure_points (KmsSampler * s, gsize n)
{
  s->points = kms_grow (s->points, &s->points_alloc, n, sizeof (KmsPoint));
}

static void
ensure_rows (KmsSampleBand * band, gint width)
{
  guint ch;

  if (width <= band->row_alloc)
    return;
  kms_realloc_rows (band->row, KMS_MAX_CHANNELS, width);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    g_free (band->fine[ch]);
    band->fine[ch] = g_new (guint16, width);
  }
  g_free (band->ids);
  /* HIST_AHEAD more: the look-ahead past a row's end reads cell 0 */
  band->ids = g_malloc_n (width + HIST_AHEAD, sizeof (guint32));
  band->row_alloc = width;
}

/* The cache lines of image row y (none at y_end or past), every plane,
 * asked for a few at a time: a sampled row is far from the last (no
 * hardware prefetch), and a burst of a whole row's lines only waits for
 * the miss buffers */
typedef struct
{
  const guint8 *row[KMS_MAX_PLANES];
  gsize at[KMS_MAX_PLANES], bytes[KMS_MAX_PLANES];
  guint plane, n_planes;
} RowPrefetch;

static void
row_prefetch_init (RowPrefetch * pf, const KmsFormatInfo * info,
    const KmsFrame * in, gint y, gint y_end)
{
  guint p;

  pf->plane = 0;
  pf->n_planes = y < y_end ? info->n_planes : 0;
  for (p = 0; p < pf->n_planes; p++) {
    pf->row[p] = in->data[p] +
        (gsize) (y >> kms_format_plane_vsub (info, p)) * in->stride[p];
    pf->at[p] = 0;
    pf->bytes[p] = kms_format_plane_row_bytes (info, p, in->width);
  }
}

/* Ask for up to n more lines; FALSE when the row is all asked for */
static inline gboolean
row_prefetch_next (RowPrefetch * pf, guint n)
{
  while (pf->plane < pf->n_planes) {
    const guint p = pf->plane;
    const gsize bytes = pf->bytes[p];
    gsize at = pf->at[p];

    for (; n > 0 && at < bytes; n--, at += 64)
      __builtin_prefetch (pf->row[p] + at);
    pf->at[p] = at;
    if (n == 0)
      return TRUE;
    pf->plane++;
  }
  return FALSE;
}

/* The grid that samples at most about sample_size pixels (0: every one):
 * its step, and its offsets, centred so a small frame still samples its
 * middle */
guint
kms_sample_grid (const KmsFrame * in, guint sample_size, gint * x0, gint * y0)
{
  gsize total = (gsize) in->width * in->height;
  guint step = 1;

  if (sample_size > 0)
    step = (guint) ceil (sqrt ((gdouble) total / sample_size));
  step = MAX (step, 1);
  *x0 = (in->width - 1) % step / 2;
  *y0 = (in->height - 1) % step / 2;
  return step;
}

/* Exact colours: sort the packed colours of the grid's pixels, then one
 * point per distinct colour, weighted by its count. On every pixel this is
 * the tutorial's fit, to the bit. */
static void
build_exact (KmsSampler * s, const KmsRowKernels * rows,
    const KmsFrame * in, guint sample_size)
{
  gint x0, y0;
  const guint step = kms_sample_grid (in, sample_size, &x0, &y0);
  const gint per_row = (in->width - x0 + step - 1) / step;
  gsize n = (gsize) per_row * ((in->height - y0 + step - 1) / step);
  gsize alloc = s->keys_alloc, i, j;
  guint32 count[1 << 12];
  guint32 *a, *b;
  gint x, y, pass;

  s->keys = kms_grow (s->keys, &alloc, n, sizeof (guint32));
  if (alloc != s->keys_alloc) {
    g_free (s->keys_tmp);
    s->keys_tmp = g_malloc_n (alloc, sizeof (guint32));
    s->keys_alloc = alloc;
  }

  i = 0;
  for (y = y0; y < in->height; y += step) {
    const guint8 *c0 = s->bands[0].row[0], *c1 = s->bands[0].row[1],
        *c2 = s->bands[0].row[2];

    if (step == 1)
      rows->unpack (in, y, s->bands[0].row);
    else
      rows->unpack_step (in, y, x0, step, per_row, s->bands[0].row);
    for (x = 0; x < per_row; x++)
      s->keys[i++] = ((guint32) c0[x] << 16) | ((guint32) c1[x] << 8) | c2[x];
  }
  g_assert (i == n);

  /* LSD radix sort, two passes of 12 bits */
  a = s->keys;
  b = s->keys_tmp;
  for (pass = 0; pass < 2; pass++) {
    guint shift = pass * 12;
    guint32 sum = 0;

    memset (count, 0, sizeof (count));
    for (i = 0; i < n; i++)
      count[(a[i] >> shift) & 0xfff]++;
    for (j = 0; j < G_N_ELEMENTS (count); j++) {
      guint32 c = count[j];
      count[j] = sum;
      sum += c;
    }
    for (i = 0; i < n; i++)
      b[count[(a[i] >> shift) & 0xfff]++] = a[i];
    a = b;
    b = (a == s->keys) ? s->keys_tmp : s->keys;
  }

  /* a holds the sorted keys; count the runs first to size the points */
  j = 0;
  for (i = 0; i < n; i++)
    if (i == 0 || a[i] != a[i - 1])
      j++;
  ensure_points (s, j);

  s->n_points = 0;
  for (i = 0; i < n; i = j) {
    KmsPoint *p = &s->points[s->n_points++];

    for (j = i + 1; j < n && a[j] == a[i]; j++);
    p->c[0] = (a[i] >> 16) & 0xff;
    p->c[1] = (a[i] >> 8) & 0xff;
    p->c[2] = a[i] & 0xff;
    p->w = (gdouble) (j - i);
    /* in OkLab: the colour's own coordinates, fine */
    if (s->lab) {
      const guint8 px[3] = { p->c[0], p->c[1], p->c[2] };
      guint8 bytes[3];
      guint16 fine[3];
      guint ch;

      kms_oklab_pixel_fine (s->lab, px, bytes, fine);
      for (ch = 0; ch < 3; ch++)
        p->c[ch] = fine[ch] * (1.0 / (1 << KMS_OKLAB_FINE_BITS));
    }
  }
}

/* The histogram cell of a colour */
static inline guint32
cell_id (guint v0, guint v1, guint v2)
{
  return ((v0 >> HIST_SHIFT) << (2 * KMS_HIST_BITS)) |
      ((v1 >> HIST_SHIFT) << KMS_HIST_BITS) | (v2 >> HIST_SHIFT);
}

/* The point of a cell's colours (their counts at @count, the cell @id)
 * whose low bits, less @drop bits, are v0..v2: their count and mean */
static inline __attribute__ ((always_inline)) void
exact_point (KmsSampler * s, const guint32 * count, guint32 id, guint v0,
    guint v1, guint v2, guint drop)
{
  const guint32 cmask = (1u << KMS_HIST_BITS) - 1;
  const guint base[3] = { (id >> (2 * KMS_HIST_BITS)) << HIST_SHIFT,
    ((id >> KMS_HIST_BITS) & cmask) << HIST_SHIFT, (id & cmask) << HIST_SHIFT
  };
  guint64 sum[3] = { 0, 0, 0 }, w = 0;
  guint d0, d1, d2, ch;
  KmsPoint *p;

  for (d0 = 0; d0 < 1u << drop; d0++)
    for (d1 = 0; d1 < 1u << drop; d1++)
      for (d2 = 0; d2 < 1u << drop; d2++) {
        const guint a0 = v0 << drop | d0, a1 = v1 << drop | d1,
            a2 = v2 << drop | d2;
        const guint32 n = count[a0 << (2 * HIST_SHIFT) | a1 << HIST_SHIFT | a2];

        w += n;
        sum[0] += n * (guint64) a0;
        sum[1] += n * (guint64) a1;
        sum[2] += n * (guint64) a2;
      }
  if (w == 0)
    return;
  /* (one colour: its own value, to the bit) */
  p = &s->points[s->n_points++];
  for (ch = 0; ch < 3; ch++)
    p->c[ch] = (gdouble) (base[ch] * w + sum[ch]) / (gdouble) w;
  p->w = (gdouble) w;
}

/* Count @n sampled colours of a packed row at @src, @pstep bytes apart,
 * their channels at bytes o0..o2, in their cells' tables (@index: a
 * cell's first count + 1); FALSE at a colour whose cell has none */
static inline __attribute__ ((always_inline)) gboolean
count_packed_row (const guint32 * index, guint32 * count, const guint8 * src,
    gsize pstep, guint n, const gint o0, const gint o1, const gint o2)
{
  const guint low = (1u << HIST_SHIFT) - 1;
  guint x;

  for (x = 0; x < n; x++, src += pstep) {
    const guint v0 = src[o0], v1 = src[o1], v2 = src[o2];
    const guint32 at = index[cell_id (v0, v1, v2)];

    if (G_UNLIKELY (at == 0))
      return FALSE;
    count[at - 1 + ((v0 & low) << (2 * HIST_SHIFT) | (v1 & low) <<
            HIST_SHIFT | (v2 & low))]++;
  }
  return TRUE;
}

/* Exact colours again, from the histogram just built (band 0's bins, its
 * index clean) when its cells are few: each sampled colour lies in one of
 * them, at one of the 2^(3 HIST_SHIFT) places a cell holds. The sample's
 * colours are counted in a table of that many entries a cell, the cells
 * sorted (no sort of the sample), and each colour counted is a point,
 * read out in the order of their packed values: the points of
 * build_exact(), to the bit. When they are more than KMS_EXACT_POINTS
 * (a dim frame, not a dark one, has up to 8,000 at 640x480, and the fit's
 * time grows with them), each point is instead a cell one bit finer than
 * the histogram's, the mean of its colours, in the same order. FALSE, and
 * no points, when a sampled colour's cell is not in the histogram (a
 * format whose channels are binned otherwise). */
static gboolean
build_exact_cells (KmsSampler * s, const KmsFormatInfo * info,
    const KmsRowKernels * rows, const KmsFrame * in, guint sample_size)
{
  KmsSampleBand *b0 = &s->bands[0];
  const guint n_bins = b0->n_bins;
  const guint side = 1u << HIST_SHIFT, low = side - 1;
  const guint places = 1u << (3 * HIST_SHIFT);
  const gsize n_counts = (gsize) n_bins * places;
  guint32 *index = b0->hist_index, *count, *ids, *tmp, *cells;
  guint32 radix[1 << (3 * KMS_HIST_BITS / 2 + 1)];
  gsize alloc = s->keys_alloc;
  gboolean ok = TRUE;
  gint x0, y0, x, y;
  guint step, per_row, i, j, pass, drop, i_end, g, g_end, b, v0, v1, v2;

  step = kms_sample_grid (in, sample_size, &x0, &y0);
  per_row = (in->width - x0 + step - 1) / step;
  s->cell_counts = kms_grow (s->cell_counts, &s->cell_counts_alloc,
      n_counts, sizeof (guint32));
  count = s->cell_counts;
  memset (count, 0, n_counts * sizeof (guint32));
  s->keys = kms_grow (s->keys, &alloc, n_bins, sizeof (guint32));
  if (alloc != s->keys_alloc) {
    g_free (s->keys_tmp);
    s->keys_tmp = g_malloc_n (alloc, sizeof (guint32));
    s->keys_alloc = alloc;
  }

  /* the cells in order (LSD radix sort, two passes of half their bits),
   * each index entry its first count + 1 */
  ids = s->keys;
  tmp = s->keys_tmp;
  for (i = 0; i < n_bins; i++)
    ids[i] = b0->bins[i].id;
  for (pass = 0; pass < 2; pass++) {
    const guint shift = pass * (3 * KMS_HIST_BITS / 2);
    const guint32 mask = (1u << (3 * KMS_HIST_BITS - 3 * KMS_HIST_BITS / 2))
        - 1;
    guint32 sum = 0, *t;

    memset (radix, 0, sizeof (radix));
    for (i = 0; i < n_bins; i++)
      radix[(ids[i] >> shift) & mask]++;
    for (j = 0; j <= mask; j++) {
      const guint32 c = radix[j];

      radix[j] = sum;
      sum += c;
    }
    for (i = 0; i < n_bins; i++)
      tmp[radix[(ids[i] >> shift) & mask]++] = ids[i];
    t = ids;
    ids = tmp;
    tmp = t;
  }
  for (i = 0; i < n_bins; i++)
    index[ids[i]] = i * places + 1;
  /* (past a row's end: cell 0) */
  cells = b0->ids;
  for (x = per_row; x < (gint) per_row + HIST_AHEAD; x++)
    cells[x] = 0;

  /* packed RGB straight from the frame, the channels at constant offsets
   * (a copy per format); else through the unpacked row */
  if (info->bpp) {
    const gsize pstep = (gsize) step * info->bpp;

    for (y = y0; y < in->height && ok; y += step) {
      const guint8 *src = in->data[0] + (gsize) y * in->stride[0] +
          (gsize) x0 * info->bpp;

#define COUNT_ROW(o0, o1, o2) \
      ok = count_packed_row (index, count, src, pstep, per_row, o0, o1, o2)
      PACKED_SWITCH (info, COUNT_ROW);
#undef COUNT_ROW
    }
    y = in->height;
  } else {
    y = y0;
  }
  for (; y < in->height && ok; y += step) {
    const guint8 *c0 = b0->row[0], *c1 = b0->row[1], *c2 = b0->row[2];

    if (step == 1)
      rows->unpack (in, y, b0->row);
    else
      rows->unpack_step (in, y, x0, step, per_row, b0->row);
    /* the index is 1 MiB: its entries asked for a few samples ahead */
    for (x = 0; x < (gint) per_row; x++)
      cells[x] = cell_id (c0[x], c1[x], c2[x]);
    for (x = 0; x < (gint) per_row; x++) {
      const guint v0 = c0[x], v1 = c1[x], v2 = c2[x];
      guint32 at;

      __builtin_prefetch (&index[cells[x + HIST_AHEAD]]);
      at = index[cells[x]];
      if (G_UNLIKELY (at == 0)) {
        ok = FALSE;
        break;
      }
      count[at - 1 + ((v0 & low) << (2 * HIST_SHIFT) | (v1 & low) <<
              HIST_SHIFT | (v2 & low))]++;
    }
  }
  for (i = 0; i < n_bins; i++)
    index[ids[i]] = 0;
  s->n_points = 0;
  if (!ok)
    return FALSE;

  /* more colours than KMS_EXACT_POINTS: cells of one more bit a channel
   * than the histogram's, each its colours' mean */
  {
    gsize m = 0;

    for (i = 0; i < n_counts; i++)
      m += count[i] != 0;
    ensure_points (s, m);
    drop = m > KMS_EXACT_POINTS && HIST_SHIFT > 1;
  }
  /* packed order: the cells of one first channel's value (i..i_end), in
   * them the low bits of that channel, then the second channel's cells
   * (g..g_end), its low bits, then the third's cells and low bits */
  for (i = 0; i < n_bins; i = i_end) {
    for (i_end = i; i_end < n_bins &&
        ids[i_end] >> (2 * KMS_HIST_BITS) == ids[i] >> (2 * KMS_HIST_BITS);
        i_end++);
    for (v0 = 0; v0 < side >> drop; v0++)
      for (g = i; g < i_end; g = g_end) {
        for (g_end = g; g_end < i_end &&
            ids[g_end] >> KMS_HIST_BITS == ids[g] >> KMS_HIST_BITS; g_end++);
        for (v1 = 0; v1 < side >> drop; v1++)
          for (b = g; b < g_end; b++) {
            const guint32 *cell = count + b * places;
            guint32 any = 0, d0, d1;

            /* most rows of a cell's table are empty: skipped at once */
            for (d0 = 0; d0 < 1u << drop; d0++)
              for (d1 = 0; d1 < 1u << drop; d1++)
                for (v2 = 0; v2 < side; v2++)
                  any |= cell[(v0 << drop | d0) << (2 * HIST_SHIFT) |
                      (v1 << drop | d1) << HIST_SHIFT | v2];
            if (!any)
              continue;
            for (v2 = 0; v2 < side >> drop; v2++) {
              /* (a copy for each, the loops of one unrolled) */
              if (drop)
                exact_point (s, count + b * places, ids[b], v0, v1, v2, 1);
              else
                exact_point (s, count + b * places, ids[b], v0, v1, v2, 0);
            }
          }
      }
  }
  return TRUE;
}

/* A new bin for cell @id: the bin index + 1 */
static G_GNUC_NO_INLINE guint32
bin_new (guint32 * index, KmsBin * bins, guint n_bins, guint32 id)
{
  KmsBin *bin = &bins[n_bins];

  bin->id = id;
  bin->n = 0;
  bin->s[0] = bin->s[1] = bin->s[2] = 0;
  return index[id] = n_bins + 1;
}

/* Add sampled pixels 0..n-1 of a row (their cells in ids[], HIST_AHEAD
 * more after them) to the band's histogram: the channels' values (s0..s2)
 * or, in OkLab, the fine coordinates. Every 16 pixels, @lines more lines
 * of the row two ahead are asked for. */
static inline guint
bin_row (KmsSampleBand * band, guint n_bins, const guint32 * ids, gint n,
    RowPrefetch * pf, guint lines, const guint8 * c0, const guint8 * c1,
    const guint8 * c2, const guint16 * f0, const guint16 * f1,
    const guint16 * f2)
{
  guint32 *index = band->hist_index;
  gint x;

  for (x = 0; x < n; x++) {
    const guint32 id = ids[x];
    guint32 b;
    KmsBin *bin;

    if (x % 16 == 0)
      row_prefetch_next (pf, lines);
    /* the index is 1 MiB: ask for an entry a few samples ahead */
    __builtin_prefetch (&index[ids[x + HIST_AHEAD]]);
    b = index[id];

    if (G_UNLIKELY (b == 0))
      b = bin_new (index, band->bins, n_bins++, id);
    bin = &band->bins[b - 1];
    bin->n++;
    if (f0) {
      bin->s[0] += f0[x];
      bin->s[1] += f1[x];
      bin->s[2] += f2[x];
    } else {
      bin->s[0] += c0[x];
      bin->s[1] += c1[x];
      bin->s[2] += c2[x];
    }
  }
  return n_bins;
}

/* The packed RGB row of sampled pixels 0..n-1 at @src, @pstep bytes apart,
 * their channels at bytes o0..o2, binned as bin_row() does but straight
 * from the frame: no unpacked row. Constant offsets (a copy per format)
 * keep the loop in registers. The cells of 16 pixels are found a block
 * ahead of their binning, and their index entries asked for. */
static inline __attribute__ ((always_inline)) guint
bin_packed_row (KmsSampleBand * band, guint n_bins, const guint8 * src,
    gsize pstep, gint n, const gint o0, const gint o1, const gint o2,
    RowPrefetch * pf, guint lines)
{
  guint32 *index = band->hist_index;
  KmsBin *bins = band->bins;
  guint32 ids[2][HIST_AHEAD];
  const guint8 *ahead = src;
  gint x, i, m, m_next;

  m_next = MIN (n, HIST_AHEAD);
  for (i = 0; i < m_next; i++, ahead += pstep)
    ids[0][i] = cell_id (ahead[o0], ahead[o1], ahead[o2]);
  for (x = 0; x < n; x += m) {
    const guint32 *cur = ids[(x / HIST_AHEAD) & 1];
    guint32 *next = ids[((x / HIST_AHEAD) & 1) ^ 1];

    m = m_next;
    m_next = MIN (n - x - m, HIST_AHEAD);
    row_prefetch_next (pf, lines);
    /* the index is 1 MiB: the next block's entries now */
    for (i = 0; i < m_next; i++, ahead += pstep) {
      next[i] = cell_id (ahead[o0], ahead[o1], ahead[o2]);
      __builtin_prefetch (&index[next[i]]);
    }
    for (i = 0; i < m; i++, src += pstep) {
      const guint32 id = cur[i];
      guint32 b = index[id];
      KmsBin *bin;

      if (G_UNLIKELY (b == 0))
        b = bin_new (index, bins, n_bins++, id);
      bin = &bins[b - 1];
      bin->n++;
      bin->s[0] += src[o0];
      bin->s[1] += src[o1];
      bin->s[2] += src[o2];
    }
  }
  return n_bins;
}

/* The packed RGB rows: bin_rows() without the unpacking, per format */
static guint
bin_packed_rows (KmsSampleBand * band, guint n_bins,
    const KmsFormatInfo * info, const KmsFrame * in, gint y_first,
    gint y_end, guint step, gint x0, gint n, guint lines)
{
  const guint bpp = info->bpp;
  RowPrefetch pf;
  gint y;

  for (y = y_first; y < y_end; y += step) {
    const guint8 *src = in->data[0] + (gsize) y * in->stride[0] +
        (gsize) x0 * bpp;
    const gsize pstep = (gsize) step * bpp;

    row_prefetch_init (&pf, info, in, y + 2 * (gint) step, y_end);
#define PACKED_ROW(o0, o1, o2) \
    n_bins = bin_packed_row (band, n_bins, src, pstep, n, o0, o1, o2, &pf, \
        lines)
    PACKED_SWITCH (info, PACKED_ROW);
#undef PACKED_ROW
  }
  return n_bins;
}

/* A YUV row's sampled pixels x0, x0 + step, ... (n of them), each channel
 * read where it lies (@ch: constant in each copy), binned as
 * bin_packed_row() does */
static inline __attribute__ ((always_inline)) guint
bin_yuv_row (KmsSampleBand * band, guint n_bins, const KmsFrame * in, gint y,
    gint x0, gint step, gint n, const KmsChannel * ch, RowPrefetch * pf,
    guint lines)
{
  guint32 *index = band->hist_index;
  KmsBin *bins = band->bins;
  const guint8 *r0 = in->data[ch[0].plane] + ch[0].offset +
      (gsize) (y >> ch[0].vsub) * in->stride[ch[0].plane];
  const guint8 *r1 = in->data[ch[1].plane] + ch[1].offset +
      (gsize) (y >> ch[1].vsub) * in->stride[ch[1].plane];
  const guint8 *r2 = in->data[ch[2].plane] + ch[2].offset +
      (gsize) (y >> ch[2].vsub) * in->stride[ch[2].plane];
  guint32 ids[2][HIST_AHEAD];
  gint x, i, m, m_next, xa = x0, xb = x0;

#define AT(r, k, x) (r)[(gsize) ch[k].pstride * ((guint) (x) >> ch[k].hsub)]
  m_next = MIN (n, HIST_AHEAD);
  for (i = 0; i < m_next; i++, xa += step)
    ids[0][i] = cell_id (AT (r0, 0, xa), AT (r1, 1, xa), AT (r2, 2, xa));
  for (x = 0; x < n; x += m) {
    const guint32 *cur = ids[(x / HIST_AHEAD) & 1];
    guint32 *next = ids[((x / HIST_AHEAD) & 1) ^ 1];

    m = m_next;
    m_next = MIN (n - x - m, HIST_AHEAD);
    row_prefetch_next (pf, lines);
    for (i = 0; i < m_next; i++, xa += step) {
      next[i] = cell_id (AT (r0, 0, xa), AT (r1, 1, xa), AT (r2, 2, xa));
      __builtin_prefetch (&index[next[i]]);
    }
    for (i = 0; i < m; i++, xb += step) {
      const guint32 id = cur[i];
      guint32 b = index[id];
      KmsBin *bin;

      if (G_UNLIKELY (b == 0))
        b = bin_new (index, bins, n_bins++, id);
      bin = &bins[b - 1];
      bin->n++;
      bin->s[0] += AT (r0, 0, xb);
      bin->s[1] += AT (r1, 1, xb);
      bin->s[2] += AT (r2, 2, xb);
    }
  }
#undef AT
  return n_bins;
}

/* The layouts of the YUV formats, for copies of bin_yuv_row() */
static const KmsChannel layout_i420[] = { KMS_LAYOUT_I420 };
static const KmsChannel layout_yv12[] = { KMS_LAYOUT_YV12 };
static const KmsChannel layout_nv12[] = { KMS_LAYOUT_NV12 };
static const KmsChannel layout_nv21[] = { KMS_LAYOUT_NV21 };
static const KmsChannel layout_y444[] = { KMS_LAYOUT_Y444 };
static const KmsChannel layout_y42b[] = { KMS_LAYOUT_Y42B };
static const KmsChannel layout_yuy2[] = { KMS_LAYOUT_YUY2 };
static const KmsChannel layout_uyvy[] = { KMS_LAYOUT_UYVY };

/* The YUV rows (three channels): bin_rows() without the unpacking, per
 * format; FALSE for a format it has no copy for (grey) */
static gboolean
bin_yuv_rows (KmsSampleBand * band, guint * n_bins,
    const KmsFormatInfo * info, const KmsFrame * in, gint y_first,
    gint y_end, guint step, gint x0, gint n, guint lines)
{
  RowPrefetch pf;
  gint y;

  switch (info->format) {
#define YUV_CASE(fmt, name) \
    case fmt: \
      for (y = y_first; y < y_end; y += step) { \
        row_prefetch_init (&pf, info, in, y + 2 * (gint) step, y_end); \
        *n_bins = bin_yuv_row (band, *n_bins, in, y, x0, step, n, \
            layout_##name, &pf, lines); \
      } \
      return TRUE
      YUV_CASE (KMS_FORMAT_I420, i420);
      YUV_CASE (KMS_FORMAT_YV12, yv12);
      YUV_CASE (KMS_FORMAT_NV12, nv12);
      YUV_CASE (KMS_FORMAT_NV21, nv21);
      YUV_CASE (KMS_FORMAT_Y444, y444);
      YUV_CASE (KMS_FORMAT_Y42B, y42b);
      YUV_CASE (KMS_FORMAT_YUY2, yuy2);
      YUV_CASE (KMS_FORMAT_UYVY, uyvy);
#undef YUV_CASE
    default:
      break;
  }
  return FALSE;
}

/* Bin sampled rows y_first, y_first + step, ... (< y_end) into the band's
 * own histogram, in the order the cells first turn up */
static void
bin_rows (const KmsSampler * s, KmsSampleBand * band,
    const KmsFormatInfo * info, const KmsRowKernels * rows,
    const KmsFrame * in, gint y_first, gint y_end, guint step, gint x0)
{
  const guint8 *c0 = band->row[0], *c1 = band->row[1], *c2 = band->row[2];
  guint32 *ids = band->ids;
  const gint n = (in->width - x0 + step - 1) / step;
  guint n_bins = band->n_bins;
  RowPrefetch pf;
  gsize row_lines = 0;
  guint lines, p;
  gint x, y;

  /* a row's lines, every plane, asked for over its samples */
  for (p = 0; p < info->n_planes; p++)
    row_lines += (kms_format_plane_row_bytes (info, p, in->width) + 63) / 64;
  lines = (guint) MAX (1, (row_lines * 16 + n - 1) / MAX (n, 1));
  for (x = n; x < n + HIST_AHEAD; x++)
    ids[x] = 0;

  /* the first two rows now; while a row is binned, the lines of the row
   * two ahead */
  row_prefetch_init (&pf, info, in, y_first, y_end);
  while (row_prefetch_next (&pf, 64));
  row_prefetch_init (&pf, info, in, y_first + (gint) step, y_end);
  while (row_prefetch_next (&pf, 64));
  /* never more bins than samples (build_histogram() allots them) */
  g_assert (n_bins + (gsize) n * ((y_end - y_first + step - 1) / step) <=
      band->bins_alloc || band->bins_alloc >= HIST_CELLS);
  if (info->bpp && !s->lab) {
    band->n_bins = bin_packed_rows (band, n_bins, info, in, y_first, y_end,
        step, x0, n, lines);
    return;
  }
  if (!s->lab && bin_yuv_rows (band, &n_bins, info, in, y_first, y_end,
          step, x0, n, lines)) {
    band->n_bins = n_bins;
    return;
  }
  for (y = y_first; y < y_end; y += step) {
    row_prefetch_init (&pf, info, in, y + 2 * (gint) step, y_end);
    rows->unpack_step (in, y, x0, step, n, band->row);
    if (s->lab)
      s->to_lab (s->lab, band->row, band->fine, n);
    for (x = 0; x < n; x++)
      ids[x] = cell_id (c0[x], c1[x], c2[x]);
    /* (two copies, the OkLab test out of the loop) */
    if (s->lab)
      n_bins = bin_row (band, n_bins, ids, n, &pf, lines, NULL, NULL, NULL,
          band->fine[0], band->fine[1], band->fine[2]);
    else
      n_bins = bin_row (band, n_bins, ids, n, &pf, lines, c0, c1, c2, NULL,
          NULL, NULL);
  }
  band->n_bins = n_bins;
}

/* The sampled rows, split over the bands like the pixel pass */
typedef struct
{
  KmsSampler *s;
  const KmsFormatInfo *info;
  const KmsRowKernels *rows;
  const KmsFrame *in;
  guint step;
  gint x0, y0, n_rows;
  guint n_bands;
} KmsHistPass;

static void
hist_band (gpointer data, guint index)
{
  const KmsHistPass *hp = data;
  gint r0, r1;

  if (index >= hp->n_bands)
    return;
  r0 = (gint) ((gint64) hp->n_rows * index / hp->n_bands);
  r1 = (gint) ((gint64) hp->n_rows * (index + 1) / hp->n_bands);

  bin_rows (hp->s, &hp->s->bands[index], hp->info, hp->rows, hp->in,
      hp->y0 + r0 * (gint) hp->step, MIN (hp->in->height,
          hp->y0 + r1 * (gint) hp->step), hp->step, hp->x0);
}

/* The colour histogram of about sample_size pixels on a grid: binned by
 * the bands in parallel (each its share of the rows), then merged into
 * band 0's in band order, which is the order a single band finds the
 * cells in: the points, and so the fit, do not depend on the threads */
static void
build_histogram (KmsSampler * s, const KmsFormatInfo * info,
    const KmsRowKernels * rows, const KmsFrame * in, guint sample_size,
    KmsPool * pool, guint n_bands)
{
  KmsSampleBand *b0 = &s->bands[0];
  KmsHistPass hp;
  gdouble scale;
  gsize per_row, alloc;
  guint b, i;

  hp.s = s;
  hp.info = info;
  hp.rows = rows;
  hp.in = in;
  hp.step = kms_sample_grid (in, sample_size, &hp.x0, &hp.y0);
  hp.n_rows = (in->height - hp.y0 + hp.step - 1) / hp.step;
  per_row = (in->width - hp.x0 + hp.step - 1) / hp.step;
  /* a pool round costs more than binning a few rows */
  hp.n_bands = per_row * hp.n_rows < KMS_PARALLEL_SAMPLES ? 1 :
      MIN (n_bands, (guint) hp.n_rows);

  for (b = 0; b < hp.n_bands; b++) {
    KmsSampleBand *band = &s->bands[b];
    /* never more bins than cells or sampled pixels: band 0 gets them all */
    const gsize rows = b == 0 ? (gsize) hp.n_rows :
        (gsize) (hp.n_rows / hp.n_bands + 1);

    if (!band->hist_index)
      band->hist_index = g_new0 (guint32, HIST_CELLS);
    alloc = band->bins_alloc;
    band->bins = kms_grow (band->bins, &alloc, MIN ((gsize) HIST_CELLS,
            rows * per_row), sizeof (KmsBin));
    band->bins_alloc = alloc;
    band->n_bins = 0;
  }
  if (hp.n_bands == 1)
    hist_band (&hp, 0);
  else
    kms_pool_run (pool, hist_band, &hp);

  /* merge, band by band, leaving each band's index clean */
  for (b = 1; b < hp.n_bands; b++) {
    KmsSampleBand *band = &s->bands[b];

    for (i = 0; i < band->n_bins; i++) {
      const KmsBin *src = &band->bins[i];
      guint32 g = b0->hist_index[src->id];
      KmsBin *dst;

      if (g == 0) {
        g_assert (b0->n_bins < b0->bins_alloc);
        g = b0->hist_index[src->id] = ++b0->n_bins;
        dst = &b0->bins[g - 1];
        *dst = *src;
      } else {
        dst = &b0->bins[g - 1];
        dst->n += src->n;
        dst->s[0] += src->s[0];
        dst->s[1] += src->s[1];
        dst->s[2] += src->s[2];
      }
      band->hist_index[src->id] = 0;
    }
  }

  ensure_points (s, b0->n_bins);
  scale = s->lab ? 1 << KMS_OKLAB_FINE_BITS : 1;
  for (i = 0; i < b0->n_bins; i++) {
    const KmsBin *bin = &b0->bins[i];
    KmsPoint *p = &s->points[i];
    const gdouble n = (gdouble) bin->n * scale;

    /* (the sums are far below 2^63: signed, the cheaper conversion, gives
     * the same doubles) */
    p->c[0] = (gdouble) (gint64) bin->s[0] / n;
    p->c[1] = (gdouble) (gint64) bin->s[1] / n;
    p->c[2] = (gdouble) (gint64) bin->s[2] / n;
    p->w = bin->n;
    b0->hist_index[bin->id] = 0;
  }
  s->n_points = b0->n_bins;
}


void
kms_sampler_build (KmsSampler * s, const KmsFormatInfo * info,
    const KmsRowKernels * rows, const KmsFrame * in, guint sample_size,
    KmsPool * pool, guint n_bands)
{
  guint b;

  for (b = 0; b < n_bands; b++)
    ensure_rows (&s->bands[b], in->width);
  if (sample_size == 0) {
    build_exact (s, rows, in, 0);
    return;
  }
  build_histogram (s, info, rows, in, sample_size, pool, n_bands);
  /* Few cells: a dim or flat frame, where 6-bit cells are too coarse to
   * tell its colours apart (a fade from black): the sample's exact colours,
   * counted in the cells (or, when they are many, 7-bit cells); in OkLab,
   * sorted */
  if (s->n_points < KMS_REFINE_POINTS && (s->lab ||
          !build_exact_cells (s, info, rows, in, sample_size)))
    build_exact (s, rows, in, sample_size);
}

/* Coarse cells go down from this many bits per channel */
#define COARSE_MAX_BITS 5

const KmsPoint *
kms_coarse_build (KmsCoarse * c, const KmsPoint * points, guint n,
    guint n_channels, guint max)
{
  guint bits, i, ch;

  g_assert (max >= 8);
  if (n <= max) {
    c->bits = 0;
    c->n_points = n;
    return points;
  }
  if (!c->index)
    c->index = g_new0 (guint32, 1u << (3 * COARSE_MAX_BITS));
  c->points = kms_grow (c->points, &c->points_alloc, max, sizeof (KmsPoint));
  c->ids = kms_grow (c->ids, &c->ids_alloc, max, sizeof (guint32));

  /* the finest cells that are few enough: a pass per level, given up as
   * soon as it has too many (one bit a channel, 8 cells, always fits) */
  for (bits = COARSE_MAX_BITS; bits >= 1; bits--) {
    const guint shift = 8 - bits;
    gboolean over = FALSE;
    guint m = 0;

    for (i = 0; i < n && !over; i++) {
      const KmsPoint *p = &points[i];
      guint32 id = 0, b;

      for (ch = 0; ch < n_channels; ch++)
        id = (id << bits) | ((guint) CLAMP (p->c[ch], 0, 255) >> shift);
      b = c->index[id];
      if (b == 0) {
        if (m == max) {
          over = TRUE;
          break;
        }
        b = c->index[id] = ++m;
        c->ids[m - 1] = id;
        memset (&c->points[m - 1], 0, sizeof (KmsPoint));
      }
      for (ch = 0; ch < n_channels; ch++)
        c->points[b - 1].c[ch] += p->c[ch] * p->w;
      c->points[b - 1].w += p->w;
    }
    for (i = 0; i < m; i++)
      c->index[c->ids[i]] = 0;
    if (!over) {
      c->bits = bits;
      c->n_points = m;
      break;
    }
  }
  for (i = 0; i < c->n_points; i++)
    for (ch = 0; ch < n_channels; ch++)
      c->points[i].c[ch] /= c->points[i].w;
  return c->points;
}

void
kms_coarse_clear (KmsCoarse * c)
{
  g_free (c->points);
  g_free (c->index);
  g_free (c->ids);
  memset (c, 0, sizeof (*c));
}

void
kms_sampler_clear (KmsSampler * s)
{
  guint b, i;

  g_free (s->points);
  g_free (s->keys);
  g_free (s->keys_tmp);
  g_free (s->cell_counts);
  for (b = 0; b < KMS_MAX_THREADS; b++) {
    for (i = 0; i < KMS_MAX_CHANNELS; i++) {
      g_free (s->bands[b].row[i]);
      g_free (s->bands[b].fine[i]);
    }
    g_free (s->bands[b].ids);
    g_free (s->bands[b].hist_index);
    g_free (s->bands[b].bins);
  }
  memset (s, 0, sizeof (*s));
}

/* kmeansseg: K-means colour segmentation of video frames
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

/* How a frame is processed:
 *
 * 1. Fitting data. With sample_size 0 every pixel counts: the frame's
 *    distinct colours, found by a radix sort, each weighted by its pixel
 *    count (Lloyd on them is Lloyd on every pixel, to the bit). Otherwise
 *    a regular grid of about sample_size pixels is binned into a colour
 *    histogram of KMS_HIST_BITS bits per channel; each cell keeps its count
 *    and channel sums, so its mean is the exact mean of its pixels.
 * 2. Centroids. Warm start: the previous frame's. Fresh start: k-means++
 *    (greedy, as scikit-learn does it) or k distinct random pixels, then
 *    Lloyd, then numbering by luma, darkest first.
 * 3. Lloyd on the weighted points until no centroid moves more than the
 *    tolerance or max_iters is reached; an empty cluster is re-seeded at
 *    the point worst served by its centroid.
 * 4. Every pixel is assigned to the nearest *rounded* centroid (the colour
 *    it will be painted) with exact integer distances, ties to the lower
 *    index, and painted or masked in the same pass over the row.
 */

#include <math.h>
#include <string.h>

#include "kmscore.h"
#include "kmspixel.h"
#include "kmsassign.h"
#include "kmspool.h"

#define KMS_MAX_THREADS 64

#define HIST_CELLS (1u << (3 * KMS_HIST_BITS))
#define HIST_SHIFT (8 - KMS_HIST_BITS)
/* Histogram index entries asked for this many samples ahead */
#define HIST_AHEAD 16
/* Fewer sampled pixels than this are binned by one thread */
#define KMS_PARALLEL_SAMPLES 16384
/* Fewer histogram cells than this: fit on the sample's exact colours */
#define KMS_REFINE_POINTS 1024
/* Seeded fits tried on a fresh start, the best kept */
#define KMS_FRESH_RESTARTS 4
/* A refresh is adopted when its error is this much lower */
#define KMS_REFRESH_GAIN 0.03
/* A cluster with less than this share of an average cluster's pixels is
 * starved; a starved cluster calls for a refresh at most this often */
#define KMS_STARVED_SHARE 0.05
#define KMS_STARVED_GAP 8
/* The running error level follows each frame's error by this weight */
#define KMS_LEVEL_WEIGHT 0.2
/* ... and never goes below this MSE, so noise on a flat scene is no cut */
#define KMS_LEVEL_FLOOR 4.0

/* One weighted point of the fitting data: the mean colour of the pixels
 * it stands for, and how many they are. */
typedef struct
{
  gdouble c[KMS_MAX_CHANNELS];
  gdouble w;
} KmsPoint;

/* A histogram cell while it is being filled */
typedef struct
{
  guint32 id;
  guint32 n;
  guint64 s[KMS_MAX_CHANNELS];  /* wide: a cell may hold a whole 8K frame */
} KmsBin;

/* One thread's share of the pixel pass, and its scratch */
typedef struct
{
  guint8 *row[KMS_MAX_CHANNELS];        /* one row, unpacked */
  guint8 *labels[2];            /* a group of rows' labels (4:2:0: two) */
  guint32 *ids;                 /* a sampled row's histogram cells */
  /* the band's share of the colour histogram (band 0: all of it) */
  guint32 *hist_index;          /* histogram cell -> bin index + 1 */
  KmsBin *bins;
  gsize bins_alloc;
  guint n_bins;
  gint row_alloc;
  guint64 counts[KMS_MAX_K];
  guint64 sse;
} KmsBand;

/* What every band of a frame's pixel pass reads */
typedef struct
{
  const KmsFormatInfo *info;
  const KmsFrame *in;
  KmsFrame *out;
  KmsAssignPalette apal;
  KmsPaint paint;
  gboolean write;
  guint shift[KMS_MAX_CHANNELS];
  KmsAssignRowFunc assign;
  KmsAssignPaintRow32Func assign_paint;
  KmsWriteRowsFunc write_rows;  /* info->write, or a faster same one */
  KmsUnpackRowFunc unpack_row;  /* info->unpack, or a faster same one */
  gboolean labels_out;          /* write the labels to a GRAY8 frame */
  guint8 *prev;                 /* hysteresis: the frame's labels, or NULL */
  gboolean prev_apply;
  gdouble margin;
  gboolean measure;             /* add up the error */
  guint n_bands;
  KmsBand *bands;
} KmsPass;

struct _KmsContext
{
  KmsIsa isa;
  gboolean avx512;              /* the CPU runs kmsassign512.c */
  gboolean avx512_pixel;        /* ... and kmspixel512.c */

  /* The warm start: k == 0 means there is none */
  guint k;
  guint n_channels;
  gdouble cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint8 pal[KMS_MAX_K][KMS_MAX_CHANNELS];
  guint64 counts[KMS_MAX_K];
  guint64 rng;
  gdouble weights[KMS_MAX_K];   /* of each cluster, last Lloyd assignment */
  gdouble fitted[KMS_MAX_K][KMS_MAX_CHANNELS];  /* before smoothing */
  gboolean has_fitted;
  gdouble level;                /* running per-channel MSE of the fits */
  guint64 frames;               /* frames since the fresh start */
  guint64 last_refresh;         /* frame of the last refresh */

  /* Fitting data, and per-point scratch; all grow only */
  KmsPoint *points;
  guint n_points;
  guint points_alloc;
  gdouble *point_d;             /* distance to the nearest centroid */
  gdouble *cum;                 /* cumulative weights for sampling */
  guint32 *keys;                /* exact mode: packed colours, sorted */
  guint32 *keys_tmp;
  gsize keys_alloc;

  /* Label hysteresis: the last frame's labels, when they can be trusted */
  guint8 *prev_labels;
  guint64 *cells;               /* the candidates per colour cell */
  gsize prev_alloc;
  gboolean prev_valid;
  gboolean seeded;              /* a palette was set since the last frame */
  gsize prev_size;
  gint prev_width;

  /* The pixel pass: one band of rows per thread */
  KmsPool *pool;
  KmsPass pass;
  KmsBand bands[KMS_MAX_THREADS];
};

/* ------------------------------------------------------------------ */
/* Small helpers */

static guint64
rng_next (guint64 * state)
{
  /* splitmix64: tiny, fast, and the same sequence on every platform */
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static gdouble
rng_double (guint64 * state)
{
  return (rng_next (state) >> 11) * (1.0 / 9007199254740992.0);
}

static inline gdouble
dist2 (const gdouble * a, const gdouble * b, guint nc)
{
  gdouble d = 0;
  guint i;

  for (i = 0; i < nc; i++) {
    gdouble t = a[i] - b[i];
    d += t * t;
  }
  return d;
}

static inline guint8
round_level (gdouble v)
{
  if (v <= 0)
    return 0;
  if (v >= 255)
    return 255;
  return (guint8) floor (v + 0.5);
}

static gpointer
grow (gpointer mem, gsize * alloc, gsize need, gsize elem)
{
  if (need <= *alloc)
    return mem;
  /* Grow with headroom so a slowly growing need doesn't realloc often */
  need += need / 4;
  g_free (mem);
  *alloc = need;
  return g_malloc_n (need, elem);
}

/* ------------------------------------------------------------------ */
/* Context */

void
kms_params_init_defaults (KmsParams * params)
{
  params->k = 3;
  params->max_iters = 20;
  params->tolerance = 0.5;
  params->mask_cluster = -1;
  params->mask_color = 0xff000000;
  params->mode = KMS_MODE_POSTERIZE;
  params->warm_start = TRUE;
  params->init = KMS_INIT_KMEANS_PP;
  params->seed = 42;
  params->sample_size = 65536;
  params->n_threads = 1;
  params->scene_cut = KMS_DEFAULT_SCENE_CUT;
  params->refresh_interval = KMS_DEFAULT_REFRESH_INTERVAL;
  params->temporal_smoothing = KMS_DEFAULT_TEMPORAL_SMOOTHING;
  params->hysteresis = KMS_DEFAULT_HYSTERESIS;
  params->measure_error = TRUE;
}

KmsContext *
kms_context_new (void)
{
  KmsContext *ctx = g_new0 (KmsContext, 1);

  ctx->isa = KMS_ISA_AUTO;
#ifdef KMS_HAVE_AVX512
  ctx->avx512 = kms_assign_avx512_supported ();
  ctx->avx512_pixel = kms_pixel_avx512_supported ();
#endif
  return ctx;
}

void
kms_context_free (KmsContext * ctx)
{
  guint i, b;

  if (!ctx)
    return;
  g_free (ctx->points);
  g_free (ctx->point_d);
  g_free (ctx->cum);
  g_free (ctx->keys);
  g_free (ctx->keys_tmp);
  kms_pool_free (ctx->pool);
  g_free (ctx->prev_labels);
  g_free (ctx->cells);
  for (b = 0; b < KMS_MAX_THREADS; b++) {
    for (i = 0; i < KMS_MAX_CHANNELS; i++)
      g_free (ctx->bands[b].row[i]);
    g_free (ctx->bands[b].labels[0]);
    g_free (ctx->bands[b].labels[1]);
    g_free (ctx->bands[b].ids);
    g_free (ctx->bands[b].hist_index);
    g_free (ctx->bands[b].bins);
  }
  g_free (ctx);
}

void
kms_context_reset (KmsContext * ctx)
{
  ctx->k = 0;
  ctx->has_fitted = FALSE;
  ctx->prev_valid = FALSE;
  ctx->level = 0;
  ctx->frames = 0;
  ctx->last_refresh = 0;
  memset (ctx->counts, 0, sizeof (ctx->counts));
}

gboolean
kms_context_set_isa (KmsContext * ctx, KmsIsa isa)
{
  if (isa >= KMS_ISA_LAST)
    return FALSE;
  ctx->isa = isa;
  return TRUE;
}

guint
kms_context_get_centroids (KmsContext * ctx,
    guint8 centroids[][KMS_MAX_CHANNELS], guint max)
{
  guint n = MIN (ctx->k, max);

  memcpy (centroids, ctx->pal, n * sizeof (ctx->pal[0]));
  return n;
}

gboolean
kms_context_set_palette (KmsContext * ctx, const KmsFrame * format,
    const guint32 * argb, guint n)
{
  const KmsFormatInfo *info = kms_format_get_info (format->format);
  guint c, ch;

  if (!info || n == 0 || n > KMS_MAX_K)
    return FALSE;
  for (c = 0; c < n; c++) {
    guint8 col[KMS_MAX_CHANNELS], alpha;

    kms_format_convert_color (info, format, argb[c], col, &alpha);
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      ctx->cent[c][ch] = ch < info->n_channels ? col[ch] : 0;
    memcpy (ctx->pal[c], col, sizeof (col));
  }
  /* a warm start from these, whatever came before; the old labels mean
   * nothing to hysteresis now */
  ctx->k = n;
  ctx->prev_valid = FALSE;
  ctx->seeded = TRUE;
  ctx->n_channels = info->n_channels;
  ctx->level = 0;
  ctx->frames = 0;
  ctx->last_refresh = 0;
  return TRUE;
}

guint
kms_context_get_palette (KmsContext * ctx, const KmsFrame * format,
    guint32 * argb, guint max)
{
  const KmsFormatInfo *info = kms_format_get_info (format->format);
  guint n = MIN (ctx->k, max), c;

  if (!info)
    return 0;
  for (c = 0; c < n; c++)
    argb[c] = kms_format_color_to_argb (info, format, ctx->pal[c]);
  return n;
}

guint
kms_context_get_centroids_exact (KmsContext * ctx,
    gdouble centroids[][KMS_MAX_CHANNELS], guint max)
{
  guint n = MIN (ctx->k, max);

  memcpy (centroids, ctx->cent, n * sizeof (ctx->cent[0]));
  return n;
}

guint
kms_context_get_counts (KmsContext * ctx, guint64 * counts, guint max)
{
  guint n = MIN (ctx->k, max);

  memcpy (counts, ctx->counts, n * sizeof (guint64));
  return n;
}

/* ------------------------------------------------------------------ */
/* Fitting data */

static void
ensure_points (KmsContext * ctx, gsize n)
{
  gsize alloc = ctx->points_alloc;

  if (n <= alloc)
    return;
  ctx->points = grow (ctx->points, &alloc, n, sizeof (KmsPoint));
  g_free (ctx->point_d);
  g_free (ctx->cum);
  ctx->point_d = g_malloc_n (alloc, sizeof (gdouble));
  ctx->cum = g_malloc_n (alloc, sizeof (gdouble));
  ctx->points_alloc = alloc;
}

static void
ensure_rows (KmsBand * band, gint width)
{
  guint i;

  if (width <= band->row_alloc)
    return;
  for (i = 0; i < KMS_MAX_CHANNELS; i++) {
    g_free (band->row[i]);
    band->row[i] = g_malloc (width);
  }
  for (i = 0; i < 2; i++) {
    g_free (band->labels[i]);
    band->labels[i] = g_malloc (width);
  }
  g_free (band->ids);
  band->ids = g_malloc_n (width, sizeof (guint32));
  band->row_alloc = width;
}

/* The cache lines of image row y (none at y_end or past), every plane,
 * asked for a few at a time: a sampled row is far from the last (no
 * hardware prefetch), and a burst of a whole row's lines only waits for
 * the miss buffers */
typedef struct
{
  const guint8 *at[KMS_MAX_PLANES];
  gsize left[KMS_MAX_PLANES];
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
    pf->at[p] = in->data[p] +
        (gsize) (y >> kms_format_plane_vsub (info, p)) * in->stride[p];
    pf->left[p] = kms_format_plane_row_bytes (info, p, in->width);
  }
}

/* Ask for up to n more lines; FALSE when the row is all asked for */
static inline gboolean
row_prefetch_next (RowPrefetch * pf, guint n)
{
  while (pf->plane < pf->n_planes) {
    guint p = pf->plane;

    for (; n > 0 && pf->left[p] > 0; n--) {
      const gsize step = MIN (pf->left[p], 64);

      __builtin_prefetch (pf->at[p]);
      pf->at[p] += step;
      pf->left[p] -= step;
    }
    if (n == 0)
      return TRUE;
    pf->plane++;
  }
  return FALSE;
}

/* The grid that samples at most about sample_size pixels (0: every one):
 * its step, and its offsets, centred so a small frame still samples its
 * middle */
static guint
sample_grid (const KmsFrame * in, guint sample_size, gint * x0, gint * y0)
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
build_exact (KmsContext * ctx, const KmsFormatInfo * info,
    const KmsFrame * in, guint sample_size)
{
  gint x0, y0;
  const guint step = sample_grid (in, sample_size, &x0, &y0);
  const gint per_row = (in->width - x0 + step - 1) / step;
  gsize n = (gsize) per_row * ((in->height - y0 + step - 1) / step);
  gsize alloc = ctx->keys_alloc, i, j;
  guint32 count[1 << 12];
  guint32 *a, *b;
  gint x, y, pass;

  ctx->keys = grow (ctx->keys, &alloc, n, sizeof (guint32));
  if (alloc != ctx->keys_alloc) {
    g_free (ctx->keys_tmp);
    ctx->keys_tmp = g_malloc_n (alloc, sizeof (guint32));
    ctx->keys_alloc = alloc;
  }

  i = 0;
  for (y = y0; y < in->height; y += step) {
    const guint8 *c0 = ctx->bands[0].row[0], *c1 = ctx->bands[0].row[1],
        *c2 = ctx->bands[0].row[2];

    if (step == 1)
      info->unpack (in, y, ctx->bands[0].row);
    else
      info->unpack_step (in, y, x0, step, per_row, ctx->bands[0].row);
    for (x = 0; x < per_row; x++)
      ctx->keys[i++] = ((guint32) c0[x] << 16) | ((guint32) c1[x] << 8) | c2[x];
  }
  g_assert (i == n);

  /* LSD radix sort, two passes of 12 bits */
  a = ctx->keys;
  b = ctx->keys_tmp;
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
    b = (a == ctx->keys) ? ctx->keys_tmp : ctx->keys;
  }

  /* a holds the sorted keys; count the runs first to size the points */
  j = 0;
  for (i = 0; i < n; i++)
    if (i == 0 || a[i] != a[i - 1])
      j++;
  ensure_points (ctx, j);

  ctx->n_points = 0;
  for (i = 0; i < n; i = j) {
    KmsPoint *p = &ctx->points[ctx->n_points++];

    for (j = i + 1; j < n && a[j] == a[i]; j++);
    p->c[0] = (a[i] >> 16) & 0xff;
    p->c[1] = (a[i] >> 8) & 0xff;
    p->c[2] = a[i] & 0xff;
    p->w = (gdouble) (j - i);
  }
}

/* Bin sampled rows y_first, y_first + step, ... (< y_end) into the band's
 * own histogram, in the order the cells first turn up */
static void
bin_rows (KmsBand * band, const KmsFormatInfo * info, const KmsFrame * in,
    gint y_first, gint y_end, guint step, gint x0)
{
  const guint8 *c0 = band->row[0], *c1 = band->row[1], *c2 = band->row[2];
  guint32 *ids = band->ids, *index = band->hist_index;
  const gint n = (in->width - x0 + step - 1) / step;
  guint n_bins = band->n_bins;
  RowPrefetch pf;
  gint x, y;

  /* the first two rows now; while a row is binned, the lines of the row
   * two ahead, a few per sample */
  row_prefetch_init (&pf, info, in, y_first, y_end);
  while (row_prefetch_next (&pf, 64));
  row_prefetch_init (&pf, info, in, y_first + (gint) step, y_end);
  while (row_prefetch_next (&pf, 64));
  for (y = y_first; y < y_end; y += step) {
    row_prefetch_init (&pf, info, in, y + 2 * (gint) step, y_end);
    info->unpack_step (in, y, x0, step, n, band->row);
    for (x = 0; x < n; x++)
      ids[x] = ((guint32) (c0[x] >> HIST_SHIFT) << (2 * KMS_HIST_BITS)) |
          ((guint32) (c1[x] >> HIST_SHIFT) << KMS_HIST_BITS) |
          (c2[x] >> HIST_SHIFT);
    for (x = 0; x < n; x++) {
      const guint32 id = ids[x];
      guint32 b;
      KmsBin *bin;

      if (x % 2 == 0)
        row_prefetch_next (&pf, 1);

      /* the index is 1 MiB: ask for an entry a few samples ahead */
      if (x + HIST_AHEAD < n)
        __builtin_prefetch (&index[ids[x + HIST_AHEAD]]);
      b = index[id];

      if (b == 0) {
        g_assert (n_bins < band->bins_alloc);
        b = index[id] = ++n_bins;
        bin = &band->bins[b - 1];
        bin->id = id;
        bin->n = 0;
        bin->s[0] = bin->s[1] = bin->s[2] = 0;
      } else {
        bin = &band->bins[b - 1];
      }
      bin->n++;
      bin->s[0] += c0[x];
      bin->s[1] += c1[x];
      bin->s[2] += c2[x];
    }
  }
  band->n_bins = n_bins;
}

/* The sampled rows, split over the bands like the pixel pass */
typedef struct
{
  KmsContext *ctx;
  const KmsFormatInfo *info;
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

  bin_rows (&hp->ctx->bands[index], hp->info, hp->in,
      hp->y0 + r0 * (gint) hp->step, MIN (hp->in->height,
          hp->y0 + r1 * (gint) hp->step), hp->step, hp->x0);
}

/* The colour histogram of about sample_size pixels on a grid: binned by
 * the bands in parallel (each its share of the rows), then merged into
 * band 0's in band order, which is the order a single band finds the
 * cells in: the points, and so the fit, do not depend on the threads */
static void
build_histogram (KmsContext * ctx, const KmsFormatInfo * info,
    const KmsFrame * in, guint sample_size, guint n_bands)
{
  KmsBand *b0 = &ctx->bands[0];
  KmsHistPass hp;
  gsize per_row, alloc;
  guint b, i;

  hp.ctx = ctx;
  hp.info = info;
  hp.in = in;
  hp.step = sample_grid (in, sample_size, &hp.x0, &hp.y0);
  hp.n_rows = (in->height - hp.y0 + hp.step - 1) / hp.step;
  per_row = (in->width - hp.x0 + hp.step - 1) / hp.step;
  /* a pool round costs more than binning a few rows */
  hp.n_bands = per_row * hp.n_rows < KMS_PARALLEL_SAMPLES ? 1 :
      MIN (n_bands, (guint) hp.n_rows);

  for (b = 0; b < hp.n_bands; b++) {
    KmsBand *band = &ctx->bands[b];
    /* never more bins than cells or sampled pixels: band 0 gets them all */
    const gsize rows = b == 0 ? (gsize) hp.n_rows :
        (gsize) (hp.n_rows / hp.n_bands + 1);

    if (!band->hist_index)
      band->hist_index = g_new0 (guint32, HIST_CELLS);
    alloc = band->bins_alloc;
    band->bins = grow (band->bins, &alloc, MIN ((gsize) HIST_CELLS,
            rows * per_row), sizeof (KmsBin));
    band->bins_alloc = alloc;
    band->n_bins = 0;
  }
  if (hp.n_bands == 1)
    hist_band (&hp, 0);
  else
    kms_pool_run (ctx->pool, hist_band, &hp);

  /* merge, band by band, leaving each band's index clean */
  for (b = 1; b < hp.n_bands; b++) {
    KmsBand *band = &ctx->bands[b];

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

  ensure_points (ctx, b0->n_bins);
  for (i = 0; i < b0->n_bins; i++) {
    const KmsBin *bin = &b0->bins[i];
    KmsPoint *p = &ctx->points[i];

    p->c[0] = (gdouble) bin->s[0] / bin->n;
    p->c[1] = (gdouble) bin->s[1] / bin->n;
    p->c[2] = (gdouble) bin->s[2] / bin->n;
    p->w = bin->n;
    b0->hist_index[bin->id] = 0;
  }
  ctx->n_points = b0->n_bins;
}

/* ------------------------------------------------------------------ */
/* Seeding */

/* Index of the point where the cumulative weight passes u */
static guint
pick_cumulative (const gdouble * cum, guint n, gdouble u)
{
  guint lo = 0, hi = n - 1;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;

    if (cum[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/* A random point, each with the probability of its weight times f[i]
 * (f NULL: 1) */
static guint
pick_weighted (KmsContext * ctx, const gdouble * f)
{
  gdouble total = 0;
  guint i;

  for (i = 0; i < ctx->n_points; i++) {
    total += ctx->points[i].w * (f ? f[i] : 1.0);
    ctx->cum[i] = total;
  }
  return pick_cumulative (ctx->cum, ctx->n_points,
      rng_double (&ctx->rng) * total);
}

/* Update point_d for a new centroid; return the new total potential */
static gdouble
potential_with (KmsContext * ctx, const gdouble * c, gboolean update)
{
  const guint nc = ctx->n_channels;
  gdouble pot = 0;
  guint i;

  for (i = 0; i < ctx->n_points; i++) {
    gdouble d = dist2 (ctx->points[i].c, c, nc);

    if (d > ctx->point_d[i])
      d = ctx->point_d[i];
    else if (update)
      ctx->point_d[i] = d;
    pot += d * ctx->points[i].w;
  }
  return pot;
}

/* Greedy k-means++: centroids first..k-1 are added, each the best of a few
 * D²-weighted candidates. Centroids 0..first-1 must be set. */
static void
seed_kmeans_pp (KmsContext * ctx, guint first, guint k)
{
  const guint nc = ctx->n_channels;
  guint trials = 2 + (guint) log (k), c, t, i;

  if (first == 0) {
    guint p = pick_weighted (ctx, NULL);

    memcpy (ctx->cent[0], ctx->points[p].c, sizeof (ctx->cent[0]));
    first = 1;
  }
  for (i = 0; i < ctx->n_points; i++)
    ctx->point_d[i] = G_MAXDOUBLE;
  for (c = 0; c < first; c++)
    potential_with (ctx, ctx->cent[c], TRUE);

  for (c = first; c < k; c++) {
    gdouble best_pot = G_MAXDOUBLE;
    guint best = 0;

    for (t = 0; t < trials; t++) {
      guint p = pick_weighted (ctx, ctx->point_d);
      gdouble pot = potential_with (ctx, ctx->points[p].c, FALSE);

      if (pot < best_pot) {
        best_pot = pot;
        best = p;
      }
    }
    /* When every point already sits on a centroid the draw degenerates to
     * point 0: a duplicate that stays empty, which is all there is to do */
    memcpy (ctx->cent[c], ctx->points[best].c, sizeof (ctx->cent[0]));
    potential_with (ctx, ctx->cent[c], TRUE);
  }
  (void) nc;
}

/* k random pixels, distinct colours while the frame has enough */
static void
seed_random (KmsContext * ctx, guint k)
{
  const guint nc = ctx->n_channels;
  guint c, j, tries;

  for (c = 0; c < k; c++) {
    guint p = 0;

    for (tries = 0; tries < 64; tries++) {
      gboolean dup = FALSE;

      p = pick_weighted (ctx, NULL);
      for (j = 0; j < c && !dup; j++)
        dup = dist2 (ctx->cent[j], ctx->points[p].c, nc) == 0;
      if (!dup)
        break;
    }
    memcpy (ctx->cent[c], ctx->points[p].c, sizeof (ctx->cent[0]));
  }
}

/* ------------------------------------------------------------------ */
/* Lloyd */

/* Returns the number of iterations run. *first_err: the weighted squared
 * error of the centroids as they came in; *last_err: that of the last
 * assignment (the centroids' final move can only lower it, so it bounds
 * their error: no extra pass for it). Both untouched when no iteration
 * ran. The clusters' weights of the last assignment are left in
 * ctx->weights. */
static guint
lloyd (KmsContext * ctx, guint k, guint max_iters, gdouble tolerance,
    gdouble * first_err, gdouble * last_err)
{
  const guint nc = ctx->n_channels;
  gdouble acc[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble wsum[KMS_MAX_K];
  guint it, i, c, ch;

  for (it = 0; it < max_iters;) {
    gdouble max_move = 0;
    gboolean reseeded = FALSE;

    gdouble err = 0;

    memset (acc, 0, k * sizeof (acc[0]));
    memset (wsum, 0, k * sizeof (wsum[0]));

    for (i = 0; i < ctx->n_points; i++) {
      const KmsPoint *p = &ctx->points[i];
      gdouble best = dist2 (p->c, ctx->cent[0], nc);
      guint bl = 0;

      for (c = 1; c < k; c++) {
        gdouble d = dist2 (p->c, ctx->cent[c], nc);
        if (d < best) {
          best = d;
          bl = c;
        }
      }
      ctx->point_d[i] = best;
      for (ch = 0; ch < nc; ch++)
        acc[bl][ch] += p->c[ch] * p->w;
      wsum[bl] += p->w;
      err += best * p->w;
    }

    for (c = 0; c < k; c++) {
      gdouble next[KMS_MAX_CHANNELS] = { 0, };
      gdouble move;

      if (wsum[c] == 0)
        continue;
      for (ch = 0; ch < nc; ch++)
        next[ch] = acc[c][ch] / wsum[c];
      move = dist2 (next, ctx->cent[c], nc);
      max_move = MAX (max_move, move);
      memcpy (ctx->cent[c], next, sizeof (ctx->cent[0]));
    }

    /* Re-seed a dead cluster at the point worst served by its centroid */
    for (c = 0; c < k; c++) {
      gdouble worst = 0;
      guint wi = 0;

      if (wsum[c] != 0)
        continue;
      for (i = 0; i < ctx->n_points; i++) {
        if (ctx->point_d[i] > worst) {
          worst = ctx->point_d[i];
          wi = i;
        }
      }
      if (worst == 0)
        break;                  /* every point sits on a centroid */
      memcpy (ctx->cent[c], ctx->points[wi].c, sizeof (ctx->cent[0]));
      /* that point, and those nearer the new centroid, are served now */
      for (i = 0; i < ctx->n_points; i++) {
        gdouble d = dist2 (ctx->points[i].c, ctx->cent[c], nc);
        if (d < ctx->point_d[i])
          ctx->point_d[i] = d;
      }
      reseeded = TRUE;
    }

    if (it == 0 && first_err)
      *first_err = err;
    if (last_err)
      *last_err = err;
    memcpy (ctx->weights, wsum, k * sizeof (wsum[0]));
    it++;
    if (!reseeded && sqrt (max_move) <= tolerance)
      break;
  }
  return it;
}

/* Weighted sum of squared distances of the points to their nearest
 * centroid */
static gdouble
inertia_of (KmsContext * ctx, gdouble cent[][KMS_MAX_CHANNELS], guint k)
{
  const guint nc = ctx->n_channels;
  gdouble total = 0;
  guint i, c;

  for (i = 0; i < ctx->n_points; i++) {
    const KmsPoint *p = &ctx->points[i];
    gdouble best = dist2 (p->c, cent[0], nc);

    for (c = 1; c < k; c++) {
      gdouble d = dist2 (p->c, cent[c], nc);
      if (d < best)
        best = d;
    }
    total += best * p->w;
  }
  return total;
}

static gdouble
inertia (KmsContext * ctx, guint k)
{
  return inertia_of (ctx, ctx->cent, k);
}

/* Change the number of clusters of a running stream: the first ones keep
 * their numbers; new ones are seeded by k-means++ around them. */
static void
resize_k (KmsContext * ctx, guint k)
{
  if (k > ctx->k)
    seed_kmeans_pp (ctx, ctx->k, k);
  ctx->k = k;
}

/* A fresh fit: the best of a few seeded fits. One seeding can land in a
 * poor local optimum (measured on photos at k=8: up to 10% above a
 * converged K-means); fresh fits are rare and the fitting data small, so
 * a few restarts are cheap. Returns the iterations of the kept fit and its
 * weighted squared error in *err. */
static guint
fit_fresh (KmsContext * ctx, const KmsParams * params, guint k,
    guint restarts, gdouble * err)
{
  gdouble best_cent[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble best = G_MAXDOUBLE;
  guint r, iters = 0;

  ctx->k = k;
  for (r = 0; r < restarts; r++) {
    guint it;
    gdouble e;

    if (params->init == KMS_INIT_RANDOM)
      seed_random (ctx, k);
    else
      seed_kmeans_pp (ctx, 0, k);
    e = G_MAXDOUBLE;
    it = lloyd (ctx, k, params->max_iters, params->tolerance, NULL, &e);
    if (it == 0)
      e = inertia (ctx, k);
    if (e < best) {
      best = e;
      iters = it;
      memcpy (best_cent, ctx->cent, k * sizeof (ctx->cent[0]));
    }
  }
  memcpy (ctx->cent, best_cent, k * sizeof (ctx->cent[0]));
  *err = best;
  return iters;
}

/* Renumber the fresh centroids after the old ones: each old number goes
 * to the nearest fresh centroid, closest pairs first (greedy), so that a
 * re-initialised stream keeps what its cluster numbers mean. */
static void
match_identity (KmsContext * ctx, gdouble old[][KMS_MAX_CHANNELS], guint k)
{
  gdouble fresh[KMS_MAX_K][KMS_MAX_CHANNELS];
  gboolean old_used[KMS_MAX_K] = { FALSE, }, new_used[KMS_MAX_K] = { FALSE, };
  guint n, a, b;

  memcpy (fresh, ctx->cent, k * sizeof (fresh[0]));
  for (n = 0; n < k; n++) {
    gdouble best = G_MAXDOUBLE;
    guint bo = 0, bn = 0;

    for (a = 0; a < k; a++) {
      if (old_used[a])
        continue;
      for (b = 0; b < k; b++) {
        gdouble d;

        if (new_used[b])
          continue;
        d = dist2 (old[a], fresh[b], ctx->n_channels);
        if (d < best) {
          best = d;
          bo = a;
          bn = b;
        }
      }
    }
    old_used[bo] = new_used[bn] = TRUE;
    memcpy (ctx->cent[bo], fresh[bn], sizeof (fresh[0]));
  }
}

static gdouble
total_weight (KmsContext * ctx)
{
  gdouble total = 0;
  guint i;

  for (i = 0; i < ctx->n_points; i++)
    total += ctx->points[i].w;
  return total;
}

/* A warm frame: Lloyd from the previous centroids, with the checks that
 * keep a warm start from going stale. Returns the iterations run. */
static guint
fit_warm (KmsContext * ctx, const KmsParams * params, guint k,
    gboolean * reinit, gboolean * cut)
{
  gdouble prev[KMS_MAX_K][KMS_MAX_CHANNELS];
  gdouble total, scale, warm_err = 0, err;
  gboolean starved = FALSE, refresh;
  guint c, ch, iters;

  *reinit = *cut = FALSE;
  total = total_weight (ctx);
  /* errors per pixel and channel, comparable across frame sizes */
  scale = 1.0 / (total * ctx->n_channels);

  if (k != ctx->k)
    resize_k (ctx, k);
  memcpy (prev, ctx->cent, k * sizeof (prev[0]));
  if (params->max_iters == 0)
    return 0;                   /* the centroids are the user's to keep */

  iters = lloyd (ctx, k, params->max_iters, params->tolerance, &warm_err,
      &err);
  /* Smoothed centroids lag behind a slow change, and their error grows
   * with it: test for a cut with the previous frame's centroids as fitted,
   * before smoothing */
  if (params->temporal_smoothing > 0 && ctx->frames > 0 && ctx->has_fitted)
    warm_err = inertia_of (ctx, ctx->fitted, k);
  warm_err *= scale;

  /* A scene cut: the old centroids fit the new frame far worse than they
   * fitted the recent ones. Start afresh, keeping the numbers. */
  if (params->scene_cut > 0 && ctx->frames > 0 &&
      warm_err > params->scene_cut * MAX (ctx->level, KMS_LEVEL_FLOOR)) {
    iters = fit_fresh (ctx, params, k, KMS_FRESH_RESTARTS, &err);
    match_identity (ctx, prev, k);
    *reinit = *cut = TRUE;
    ctx->level = err * scale;
    ctx->frames = 1;
    ctx->last_refresh = 0;
    return iters;
  }

  for (c = 0; c < k; c++)
    starved |= ctx->weights[c] < KMS_STARVED_SHARE * total / k;
  /* (never on the first frame of a warm start: a palette just seeded is
   * the user's to start from) */
  refresh = ctx->frames > 0 && params->refresh_interval > 0 &&
      ((starved && ctx->frames >= ctx->last_refresh + KMS_STARVED_GAP) ||
      ctx->frames % params->refresh_interval == 0);

  /* Now and then, and whenever a cluster starves, a fresh fit competes
   * with the warm one and replaces it when clearly better: a warm start
   * can sit in a poor optimum for ever (a clip opening on black) */
  if (refresh) {
    gdouble warm[KMS_MAX_K][KMS_MAX_CHANNELS];
    guint fresh_iters;
    gdouble fresh_err;

    ctx->last_refresh = ctx->frames;
    memcpy (warm, ctx->cent, k * sizeof (warm[0]));
    /* one seeding, not the fresh start's several: this runs on a
     * running stream, where a frame's time is short */
    fresh_iters = fit_fresh (ctx, params, k, 1, &fresh_err);
    if (fresh_err < (1 - KMS_REFRESH_GAIN) * err) {
      match_identity (ctx, warm, k);
      err = fresh_err;
      iters = fresh_iters;
      *reinit = TRUE;
    } else {
      memcpy (ctx->cent, warm, k * sizeof (warm[0]));
    }
  }

  memcpy (ctx->fitted, ctx->cent, k * sizeof (ctx->cent[0]));
  ctx->has_fitted = TRUE;

  /* Temporal smoothing: keep a share of the previous centroids */
  if (params->temporal_smoothing > 0 && !*reinit) {
    const gdouble a = CLAMP (params->temporal_smoothing, 0, 1);

    for (c = 0; c < k; c++)
      for (ch = 0; ch < ctx->n_channels; ch++)
        ctx->cent[c][ch] = a * prev[c][ch] + (1 - a) * ctx->cent[c][ch];
  }

  if (ctx->frames == 0)
    ctx->level = err * scale;
  else
    ctx->level += KMS_LEVEL_WEIGHT * (err * scale - ctx->level);
  ctx->frames++;
  return iters;
}

/* Number the clusters by luma, darkest = 0 (stable for equal luma) */
static void
sort_by_luma (KmsContext * ctx, const KmsFormatInfo * info, guint k)
{
  gdouble tmp[KMS_MAX_CHANNELS];
  gdouble luma[KMS_MAX_K];
  guint c, j, ch;

  for (c = 0; c < k; c++) {
    luma[c] = 0;
    for (ch = 0; ch < info->n_channels; ch++)
      luma[c] += info->luma[ch] * ctx->cent[c][ch];
  }
  /* insertion sort: k is small, and it is stable */
  for (c = 1; c < k; c++) {
    gdouble l = luma[c];

    memcpy (tmp, ctx->cent[c], sizeof (tmp));
    for (j = c; j > 0 && luma[j - 1] > l; j--) {
      luma[j] = luma[j - 1];
      memcpy (ctx->cent[j], ctx->cent[j - 1], sizeof (tmp));
    }
    luma[j] = l;
    memcpy (ctx->cent[j], tmp, sizeof (tmp));
  }
}

/* ------------------------------------------------------------------ */
/* The frame */


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
row_hysteresis (const KmsPass * pass, KmsHysteresis * hyst, gint y)
{
  if (!pass->prev)
    return NULL;
  hyst->prev = pass->prev + (gsize) y * pass->in->width;
  hyst->apply = pass->prev_apply;
  hyst->margin = pass->margin;
  return hyst;
}

/* One band of rows: assign and paint, counts and error into the band */
static void
process_band (gpointer data, guint index)
{
  KmsPass *pass = data;
  KmsBand *band = &pass->bands[index];
  const KmsFormatInfo *info = pass->info;
  const KmsFrame *in = pass->in;
  KmsFrame *out = pass->out;
  const gint g = info->v_group;
  /* bands start on a row group, so no chroma row is shared by two */
  const gint groups = (in->height + g - 1) / g;
  const gint y0 = g * (gint) ((gint64) groups * index / pass->n_bands);
  const gint y1 = MIN (in->height,
      g * (gint) ((gint64) groups * (index + 1) / pass->n_bands));
  KmsHysteresis hyst;
  gint y, r;

  memset (band->counts, 0, pass->apal.k * sizeof (band->counts[0]));
  band->sse = 0;

  if (pass->assign_paint) {
    /* 4-byte pixels: read, assign and paint in one pass */
    for (y = y0; y < y1; y++)
      pass->assign_paint (&pass->apal, &pass->paint, pass->shift,
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
      pass->unpack_row (in, y + r, band->row);
      pass->assign (&pass->apal, (const guint8 * const *) band->row,
          in->width, band->labels[r], band->counts,
          pass->measure ? &band->sse : NULL,
          row_hysteresis (pass, &hyst, y + r));
    }
    if (pass->labels_out) {
      for (r = 0; r < n; r++)
        memcpy (out->data[0] + (gsize) (y + r) * out->stride[0],
            band->labels[r], in->width);
      continue;
    }
    if (out->data[0] != in->data[0])
      copy_rows (info, in, out, y, n);
    if (pass->write)
      pass->write_rows (out, y, n, band->labels, &pass->paint);
  }
}

/* The pool for n_threads (0: one per core), made anew only when that
 * changes */
static guint
setup_threads (KmsContext * ctx, guint n_threads, gint width, gint height)
{
  guint b;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, KMS_MAX_THREADS);
  if (!ctx->pool || kms_pool_get_n_threads (ctx->pool) != n_threads) {
    kms_pool_free (ctx->pool);
    ctx->pool = kms_pool_new (n_threads);
  }
  for (b = 0; b < n_threads; b++)
    ensure_rows (&ctx->bands[b], width);
  (void) height;
  return n_threads;
}

gboolean
kms_context_process (KmsContext * ctx, const KmsParams * params,
    const KmsFrame * in, KmsFrame * out, KmsStats * stats)
{
  const KmsFormatInfo *info = kms_format_get_info (in->format);
  const guint k = CLAMP (params->k, 1, KMS_MAX_K);
  gboolean fresh;
  guint iters = 0, c, ch;
  guint64 sse = 0;
  KmsPass *pass = &ctx->pass;
  const KmsFormatInfo *out_info;
  gboolean reinit = FALSE, cut = FALSE, labels_out, need_cells;
  guint b, n_bands;

  if (!info || in->width <= 0 || in->height <= 0)
    return FALSE;
  out_info = kms_format_get_info (out->format);
  labels_out = out->format != in->format;
  if (!out_info || out->width != in->width || out->height != in->height)
    return FALSE;
  /* another output format: only the label map */
  if (labels_out && (params->mode != KMS_MODE_LABELS ||
          out->format != KMS_FORMAT_GRAY8 || out->data[0] == in->data[0]))
    return FALSE;
  for (b = 0; b < info->n_planes; b++)
    if (!in->data[b])
      return FALSE;
  for (b = 0; b < out_info->n_planes; b++)
    if (!out->data[b])
      return FALSE;
  /* in place is all planes or none */
  if (!labels_out && (out->data[0] == in->data[0]) !=
      (out->data[info->n_planes - 1] == in->data[info->n_planes - 1]))
    return FALSE;

  /* the threads (bands) of the sampling and of the pixel pass */
  n_bands = setup_threads (ctx, params->n_threads, in->width, in->height);

  if (params->sample_size == 0) {
    build_exact (ctx, info, in, 0);
  } else {
    build_histogram (ctx, info, in, params->sample_size, n_bands);
    /* Few cells: a dim or flat frame, where 6-bit cells are too coarse to
     * tell its colours apart (a fade from black); the sample's exact
     * colours are few then too, and cheap */
    if (ctx->n_points < KMS_REFINE_POINTS)
      build_exact (ctx, info, in, params->sample_size);
  }

  fresh = !params->warm_start || ctx->k == 0 ||
      ctx->n_channels != info->n_channels;
  ctx->n_channels = info->n_channels;

  if (fresh) {
    gdouble err;

    ctx->rng = params->seed;
    iters = fit_fresh (ctx, params, k, KMS_FRESH_RESTARTS, &err);
    sort_by_luma (ctx, info, k);
    ctx->level = err / (total_weight (ctx) * ctx->n_channels);
    ctx->frames = 1;
    ctx->last_refresh = 0;
    reinit = TRUE;
  } else {
    iters = fit_warm (ctx, params, k, &reinit, &cut);
    /* centroids just seeded from a palette count as re-initialised */
    reinit |= ctx->seeded;
  }
  ctx->seeded = FALSE;

  for (c = 0; c < k; c++)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      ctx->pal[c][ch] = ch < info->n_channels ? round_level (ctx->cent[c][ch])
          : 0;

  pass->apal.k = k;
  for (c = 0; c < k; c++)
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      pass->apal.c[ch][c] = ctx->pal[c][ch];

  /* What the rows are painted with */
  memcpy (pass->paint.color, ctx->pal, k * sizeof (ctx->pal[0]));
  pass->paint.mask_label = -1;
  kms_format_convert_color (info, in, params->mask_color, pass->paint.mask,
      &pass->paint.mask_alpha);
  if (params->mask_cluster >= 0 && (guint) params->mask_cluster < k)
    pass->paint.mask_label = params->mask_cluster;
  kms_paint_prepare (info, &pass->paint, params->mode, k);
  /* only original mode without a mask writes nothing */
  pass->write = params->mode != KMS_MODE_ORIGINAL || pass->paint.mask_label >= 0;

  /* The pixel pass, in bands of rows over the threads */
  pass->info = info;
  pass->in = in;
  pass->out = out;
  pass->bands = ctx->bands;
  pass->n_bands = n_bands;
  pass->assign = ctx->isa == KMS_ISA_SCALAR ? kms_assign_row_scalar :
      kms_assign_row_simd;
#ifdef KMS_HAVE_AVX512
  if (ctx->isa == KMS_ISA_AUTO && k <= KMS_CELL_MAX_K && ctx->avx512)
    pass->assign = kms_assign_row_avx512;
#endif
  pass->assign_paint = NULL;
  pass->labels_out = labels_out;
  pass->measure = params->measure_error;
  pass->write_rows = info->write;
  pass->unpack_row = info->unpack;
#ifdef KMS_HAVE_AVX512
  if (ctx->isa == KMS_ISA_AUTO && ctx->avx512_pixel) {
    KmsUnpackRowFunc unpack;
    KmsWriteRowsFunc write;

    if (kms_format_avx512_kernels (info->format, &unpack, &write)) {
      pass->unpack_row = unpack;
      if (k <= KMS_PAINT_LUT_LABELS)
        pass->write_rows = write;
    }
  }
#endif
  if (info->bpp == 4 && !labels_out) {
    pass->assign_paint = ctx->isa == KMS_ISA_SCALAR ?
        kms_assign_paint_row32_scalar : kms_assign_paint_row32_simd;
#ifdef KMS_HAVE_AVX512
    if (ctx->isa == KMS_ISA_AUTO && k <= KMS_CELL_MAX_K && ctx->avx512)
      pass->assign_paint = kms_assign_paint_row32_avx512;
#endif
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      pass->shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ?
          info->offset[ch] : 3 - info->offset[ch]);
  }
  /* Hysteresis needs the last frame's labels, numbered as now: not after
   * a fresh start (renumbered by luma) nor across a size change */
  pass->prev = NULL;
  if (params->hysteresis > 0) {
    gsize n = (gsize) in->width * in->height;
    gsize alloc = ctx->prev_alloc;

    if (n > ctx->prev_alloc) {
      ctx->prev_labels = grow (ctx->prev_labels, &alloc, n, 1);
      ctx->prev_alloc = alloc;
      ctx->prev_valid = FALSE;
    }
    pass->prev = ctx->prev_labels;
    pass->prev_apply = ctx->prev_valid && !fresh &&
        ctx->prev_size == n && ctx->prev_width == in->width;
    pass->margin = params->hysteresis;
    ctx->prev_size = n;
    ctx->prev_width = in->width;
  }
  ctx->prev_valid = params->hysteresis > 0;

  /* The candidates per colour cell, for the margin the hysteresis applies
   * this frame (one table for the frame: 32 KiB, made once) */
  pass->apal.cells = NULL;
  need_cells = k >= 2 && k <= KMS_CELL_MAX_K;
#ifdef KMS_HAVE_AVX512
  if (pass->assign_paint ? pass->assign_paint ==
      kms_assign_paint_row32_avx512 : pass->assign == kms_assign_row_avx512) {
    /* its search-key terms, once a frame; it scans every centroid up to
     * KMS_AVX512_ALL_K */
    kms_assign_avx512_prepare (&pass->apal);
    need_cells &= k > KMS_AVX512_ALL_K;
  }
#endif
  if (need_cells) {
    if (!ctx->cells)
      ctx->cells = g_malloc0_n (KMS_CELLS, sizeof (guint64));
    kms_assign_build_cells (&pass->apal, info->n_channels,
        pass->prev && pass->prev_apply ? (gfloat) pass->margin : 0,
        ctx->cells);
    pass->apal.cells = ctx->cells;
  }

  kms_pool_run (ctx->pool, process_band, pass);

  memset (ctx->counts, 0, sizeof (ctx->counts));
  for (b = 0; b < pass->n_bands; b++) {
    for (c = 0; c < k; c++)
      ctx->counts[c] += ctx->bands[b].counts[c];
    sse += ctx->bands[b].sse;
  }

  if (stats) {
    stats->k = k;
    stats->iterations = iters;
    stats->reinitialized = reinit;
    stats->scene_cut = cut;
    stats->mse = !params->measure_error ? -1 :
        (gdouble) sse / ((gdouble) in->width * in->height * info->n_channels);
    stats->fit_points = ctx->n_points;
  }
  return TRUE;
}

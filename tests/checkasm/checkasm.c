/* kmeansseg: every kernel of every CPU level against the C reference
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

/* In the manner of dav1d's and FFmpeg's checkasm: for each CPU level this
 * machine runs, each format and a spread of k, the kernel table that
 * kms_dsp_init() fills for the level is run on the same inputs as the C
 * level's table, and everything they write is compared byte for byte:
 * labels, counts, error, the previous labels of the hysteresis, written
 * pixels, and the guard and padding bytes around them. The C level itself
 * is compared with plain code written here from the kernels' contracts
 * (kmsdsp.h). No kernel is named: what runs is what the tables hold, and
 * at the end every distinct kernel any table holds must have been
 * compared.
 *
 * KMEANSSEG_CHECKASM_SEED sets the random seed (printed on failure). */

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmscore.h"
#include "kmsdsp.h"
#include "kmsformat.h"

/* ------------------------------------------------------------------ */
/* The table's shape: a member added to KmsDsp must be tested here. */

/* The kernel slots, as checkasm knows them */
typedef enum
{
  SLOT_UNPACK,
  SLOT_UNPACK_STEP,
  SLOT_WRITE,
  SLOT_ASSIGN,
  SLOT_ASSIGN_PAINT,
  SLOT_PREPARE,
  SLOT_SMOOTH,
  SLOT_OKLAB,
  SLOT_NEAREST,
  SLOT_DITHER,
  SLOT_ASSIGN_DITHER_PAINT,
  SLOT_FEATHER_BOX,
  SLOT_FEATHER_SUMS,
  SLOT_FEATHER_WEIGHTS,
  SLOT_FEATHER_BLEND32,
  N_SLOTS
} Slot;

static const gchar *const slot_names[N_SLOTS] = {
  "unpack", "unpack_step", "write", "assign", "assign_paint", "prepare",
  "smooth", "oklab", "nearest", "dither", "assign_dither_paint",
  "feather_box", "feather_sums", "feather_weights", "feather_blend32"
};

static const gsize slot_offsets[N_SLOTS] = {
  G_STRUCT_OFFSET (KmsDsp, rows.unpack),
  G_STRUCT_OFFSET (KmsDsp, rows.unpack_step),
  G_STRUCT_OFFSET (KmsDsp, rows.write),
  G_STRUCT_OFFSET (KmsDsp, assign),
  G_STRUCT_OFFSET (KmsDsp, assign_paint),
  G_STRUCT_OFFSET (KmsDsp, prepare),
  G_STRUCT_OFFSET (KmsDsp, smooth),
  G_STRUCT_OFFSET (KmsDsp, oklab),
  G_STRUCT_OFFSET (KmsDsp, nearest),
  G_STRUCT_OFFSET (KmsDsp, dither),
  G_STRUCT_OFFSET (KmsDsp, assign_dither_paint),
  G_STRUCT_OFFSET (KmsDsp, feather_box),
  G_STRUCT_OFFSET (KmsDsp, feather_sums),
  G_STRUCT_OFFSET (KmsDsp, feather_weights),
  G_STRUCT_OFFSET (KmsDsp, feather_blend32),
};

/* KmsDsp as this file tests it, member for member */
typedef struct
{
  KmsCpuLevel level;
  KmsUnpackRowFunc unpack;
  KmsUnpackStepFunc unpack_step;
  KmsWriteRowsFunc write;
  KmsAssignRowFunc assign;
  KmsAssignPaintRow32Func assign_paint;
  KmsAssignPrepareFunc prepare;
  KmsSmoothRowFunc smooth;
  KmsOklabRowFunc oklab;
  KmsNearestFunc nearest;
  KmsDitherRowFunc dither;
  KmsAssignDitherPaintRow32Func assign_dither_paint;
  KmsFeatherBoxFunc feather_box;
  KmsFeatherSumsFunc feather_sums;
  KmsFeatherWeightsFunc feather_weights;
  KmsFeatherBlend32Func feather_blend32;
  guint cells_min_k;
} KnownDsp;

G_STATIC_ASSERT (sizeof (KmsRowKernels) == 3 * sizeof (gpointer));
G_STATIC_ASSERT (sizeof (KmsDsp) == sizeof (KnownDsp));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, level) ==
    G_STRUCT_OFFSET (KnownDsp, level));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, rows) ==
    G_STRUCT_OFFSET (KnownDsp, unpack));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, assign) ==
    G_STRUCT_OFFSET (KnownDsp, assign));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, assign_paint) ==
    G_STRUCT_OFFSET (KnownDsp, assign_paint));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, prepare) ==
    G_STRUCT_OFFSET (KnownDsp, prepare));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, smooth) ==
    G_STRUCT_OFFSET (KnownDsp, smooth));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, oklab) ==
    G_STRUCT_OFFSET (KnownDsp, oklab));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, nearest) ==
    G_STRUCT_OFFSET (KnownDsp, nearest));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, dither) ==
    G_STRUCT_OFFSET (KnownDsp, dither));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, assign_dither_paint) ==
    G_STRUCT_OFFSET (KnownDsp, assign_dither_paint));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, feather_box) ==
    G_STRUCT_OFFSET (KnownDsp, feather_box));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, feather_sums) ==
    G_STRUCT_OFFSET (KnownDsp, feather_sums));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, feather_weights) ==
    G_STRUCT_OFFSET (KnownDsp, feather_weights));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, feather_blend32) ==
    G_STRUCT_OFFSET (KnownDsp, feather_blend32));
G_STATIC_ASSERT (G_STRUCT_OFFSET (KmsDsp, cells_min_k) ==
    G_STRUCT_OFFSET (KnownDsp, cells_min_k));
G_STATIC_ASSERT (N_SLOTS == 15);

/* What a member that fits in the padding would escape the asserts above
 * with: kms_dsp_init() would write it, and the bytes outside the known
 * members change */
static void
assert_known_members (KmsFormat format, guint k, KmsCpuFlags flags)
{
  static const struct
  {
    gsize offset, size;
  } known[] = {
    {G_STRUCT_OFFSET (KmsDsp, level), sizeof (KmsCpuLevel)},
    {G_STRUCT_OFFSET (KmsDsp, rows), sizeof (KmsRowKernels)},
    {G_STRUCT_OFFSET (KmsDsp, assign), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, assign_paint), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, prepare), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, smooth), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, oklab), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, nearest), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, dither), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, assign_dither_paint), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, feather_box), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, feather_sums), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, feather_weights), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, feather_blend32), sizeof (gpointer)},
    {G_STRUCT_OFFSET (KmsDsp, cells_min_k), sizeof (guint)},
  };
  guint8 a[sizeof (KmsDsp)], b[sizeof (KmsDsp)];
  gsize i, j;

  memset (a, 0x00, sizeof (a));
  memset (b, 0xff, sizeof (b));
  kms_dsp_init ((KmsDsp *) a, format, k, flags);
  kms_dsp_init ((KmsDsp *) b, format, k, flags);
  for (i = 0; i < sizeof (KmsDsp); i++) {
    gboolean in_member = FALSE;

    for (j = 0; j < G_N_ELEMENTS (known); j++)
      in_member |= i >= known[j].offset && i < known[j].offset + known[j].size;
    if (!in_member && (a[i] != 0x00 || b[i] != 0xff))
      ck_abort_msg ("kms_dsp_init() writes byte %" G_GSIZE_FORMAT " of "
          "KmsDsp, which is no member checkasm tests: test the new member",
          i);
  }
}

static gpointer
slot_ptr (const KmsDsp * dsp, Slot slot)
{
  gpointer p;

  memcpy (&p, (const guint8 *) dsp + slot_offsets[slot], sizeof (p));
  return p;
}

/* ------------------------------------------------------------------ */
/* Coverage: which kernels ran in a comparison */

typedef struct
{
  KmsCpuLevel level;
  Slot slot;
  gpointer func;
  guint64 compared;
} KernelSeen;

#define MAX_SEEN 512

static KernelSeen seen[MAX_SEEN];
static guint n_seen;
static guint64 slot_cases[KMS_CPU_N_LEVELS][N_SLOTS];

static KernelSeen *
seen_get (KmsCpuLevel level, Slot slot, gpointer func)
{
  guint i;

  for (i = 0; i < n_seen; i++)
    if (seen[i].slot == slot && seen[i].func == func &&
        seen[i].level == level)
      return &seen[i];
  if (n_seen == MAX_SEEN)
    ck_abort_msg ("more than %u kernels", MAX_SEEN);
  seen[n_seen].level = level;
  seen[n_seen].slot = slot;
  seen[n_seen].func = func;
  seen[n_seen].compared = 0;
  return &seen[n_seen++];
}

/* Every kernel a table holds, compared or not */
static void
record_table (const KmsDsp * dsp)
{
  guint s;

  for (s = 0; s < N_SLOTS; s++)
    if (slot_ptr (dsp, s))
      seen_get (dsp->level, s, slot_ptr (dsp, s));
}

static void
record_compared (const KmsDsp * dsp, Slot slot)
{
  seen_get (dsp->level, slot, slot_ptr (dsp, slot))->compared++;
  slot_cases[dsp->level][slot]++;
}

/* What the assign cases' data held (over every case of every level): what
 * the generators are for must turn up */
static struct
{
  guint64 pixels;
  guint64 color_ties;           /* two colours just as near */
  guint64 dup_ties;             /* the nearest colour duplicated */
  guint64 far;                  /* nearest beyond 16 bits of distance */
  guint64 kept;                 /* hysteresis kept another label */
  guint64 still_blocks;         /* 32 aligned pixels all keep their label */
} data_seen;

/* ------------------------------------------------------------------ */
/* Random data */

static guint64 seed;

static guint32
rng_next (guint64 * s)
{
  /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (guint32) ((*s * G_GUINT64_CONSTANT (2685821657736338717)) >> 32);
}

static guint
rng_below (guint64 * s, guint n)
{
  return (guint) (((guint64) rng_next (s) * n) >> 32);
}

static void
rng_fill (guint8 * p, gsize n, guint64 * s)
{
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = rng_next (s) >> 24;
}

static guint8
clamp_level (gint v)
{
  return (guint8) CLAMP (v, 0, 255);
}

/* ------------------------------------------------------------------ */
/* Buffers with guard bytes, their start at a chosen offset from a
 * 64-byte line. Two of them (the C level's and the tested one's) start
 * with the same bytes and must end with the same bytes, guards included. */

#define GUARD 64

typedef struct
{
  guint8 *mem;
  gsize total;
  guint8 *data;                 /* GUARD bytes in, at @align from a line */
} Buf;

static void
buf_init (Buf * b, gsize size, guint align, guint64 * s)
{
  b->total = size + 3 * GUARD + 64;
  b->mem = g_malloc (b->total);
  rng_fill (b->mem, b->total, s);
  b->data = (guint8 *) (((guintptr) b->mem + GUARD + 63) & ~(guintptr) 63) +
      align % 64;
}

static void
buf_copy (Buf * dst, const Buf * src)
{
  dst->total = src->total;
  dst->mem = g_memdup2 (src->mem, src->total);
  dst->data = dst->mem + (src->data - src->mem);
}

static void
buf_clear (Buf * b)
{
  g_free (b->mem);
  b->mem = b->data = NULL;
}

/* What failed is said with the case and the seed */
static gchar *case_what;

static void
set_case (const gchar * fmt, ...) G_GNUC_PRINTF (1, 2);

static void
set_case (const gchar * fmt, ...)
{
  va_list ap;
  gchar *what;

  /* @fmt's arguments may hold the old one */
  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_free (case_what);
  case_what = what;
}

static void
assert_same_bytes (const guint8 * got, const guint8 * want, gsize n,
    const guint8 * data, const gchar * level, const gchar * slot,
    const gchar * what)
{
  gsize i;

  if (memcmp (got, want, n) == 0)
    return;
  for (i = 0; got[i] == want[i]; i++);
  ck_abort_msg ("seed %" G_GUINT64_FORMAT ": level %s, %s, %s: %s: byte %"
      G_GSIZE_FORMAT " (%" G_GSSIZE_FORMAT " from the data) is 0x%02x, "
      "expected 0x%02x", seed, level, slot, case_what, what, i,
      (gssize) (got + i - data), got[i], want[i]);
}

static void
assert_same_buf (const Buf * got, const Buf * want, const gchar * level,
    const gchar * slot, const gchar * what)
{
  g_assert (got->total == want->total);
  assert_same_bytes (got->mem, want->mem, got->total, got->data, level,
      slot, what);
}

static void
assert_same_sums (const guint64 * counts, const guint64 * want_counts,
    guint64 sse, guint64 want_sse, const gchar * level, const gchar * slot)
{
  guint i;

  for (i = 0; i < KMS_MAX_K; i++)
    if (counts[i] != want_counts[i])
      ck_abort_msg ("seed %" G_GUINT64_FORMAT ": level %s, %s, %s: count[%u] "
          "%" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, seed, level,
          slot, case_what, i, counts[i], want_counts[i]);
  if (sse != want_sse)
    ck_abort_msg ("seed %" G_GUINT64_FORMAT ": level %s, %s, %s: sse %"
        G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, seed, level, slot,
        case_what, sse, want_sse);
}

/* ------------------------------------------------------------------ */
/* The contracts of kmsdsp.h in plain code, for the C level */

static guint32
dist2 (const KmsAssignPalette * pal, const guint8 * px, guint i)
{
  guint32 d = 0;
  guint ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    d += (guint32) (((gint32) px[ch] - pal->c[ch][i]) *
        ((gint32) px[ch] - pal->c[ch][i]));
  return d;
}

/* Nearest by exact squared distance, ties to the lower index; with
 * hysteresis applied, the previous label p (< k) stays when
 * (float) d_p <= (sqrtf ((float) d_nearest) + margin)^2 */
static guint
plain_label (const KmsAssignPalette * pal, const guint8 * px,
    const KmsHysteresis * hyst, guint prev, guint32 * dist)
{
  guint32 best = G_MAXUINT32;
  guint i, label = 0;

  for (i = 0; i < pal->k; i++) {
    guint32 d = dist2 (pal, px, i);

    if (d < best) {
      best = d;
      label = i;
    }
  }
  *dist = best;
  if (hyst && hyst->apply && prev < pal->k && prev != label) {
    const gfloat lim = sqrtf ((gfloat) best) + (gfloat) hyst->margin;
    const guint32 dp = dist2 (pal, px, prev);

    if ((gfloat) dp <= lim * lim) {
      *dist = dp;
      return prev;
    }
  }
  return label;
}

static void
plain_assign (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * labels, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst)
{
  gint x;

  for (x = 0; x < width; x++) {
    const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };
    guint32 d;
    guint l = plain_label (pal, px, hyst, hyst ? hyst->prev[x] : 0, &d);

    if (labels)
      labels[x] = l;
    if (hyst)
      hyst->prev[x] = l;
    counts[l]++;
    if (sse)
      *sse += d;
  }
}

static void
plain_assign_paint (const KmsAssignPalette * pal, const KmsPaint * paint,
    const guint shift[KMS_MAX_CHANNELS], gboolean write, const guint8 * src,
    guint8 * dst, gint width, guint64 * counts, guint64 * sse,
    const KmsHysteresis * hyst)
{
  gint x;

  for (x = 0; x < width; x++) {
    guint32 v, d;
    guint8 px[3];
    guint ch, l;

    memcpy (&v, src + 4 * x, 4);
    for (ch = 0; ch < 3; ch++)
      px[ch] = (v >> shift[ch]) & 0xff;
    l = plain_label (pal, px, hyst, hyst ? hyst->prev[x] : 0, &d);
    if (hyst)
      hyst->prev[x] = l;
    counts[l]++;
    if (sse)
      *sse += d;
    if (write)
      v = (v & paint->keep[l]) | paint->set[l];
    memcpy (dst + 4 * x, &v, 4);
  }
}

/* Where pixel x of row y keeps channel ch */
static const guint8 *
plain_sample (const KmsFormatInfo * info, const KmsFrame * f, gint y, gint x,
    guint ch)
{
  if (info->bpp)
    return f->data[0] + (gsize) y * f->stride[0] + (gsize) x * info->bpp +
        info->offset[ch];
  return f->data[info->ch[ch].plane] + (gsize) (y >> info->ch[ch].vsub) *
      f->stride[info->ch[ch].plane] + info->ch[ch].offset +
      (gsize) info->ch[ch].pstride * (x >> info->ch[ch].hsub);
}

static void
plain_unpack_step (const KmsFrame * f, gint y, gint x0, gint step, gint n,
    guint8 * const *c)
{
  const KmsFormatInfo *info = kms_format_get_info (f->format);
  gint i;
  guint ch;

  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    for (i = 0; i < n; i++)
      c[ch][i] = ch < info->n_channels ?
          *plain_sample (info, f, y, x0 + i * step, ch) : 0;
}

static void
plain_unpack (const KmsFrame * f, gint y, guint8 * const *c)
{
  plain_unpack_step (f, y, 0, 1, f->width, c);
}

/* The label most of @n hold, ties to the first */
static guint8
plain_majority (const guint8 * l, guint n)
{
  guint best = 0, best_n = 0, a, b;

  for (a = 0; a < n; a++) {
    guint m = 0;

    for (b = 0; b < n; b++)
      m += l[b] == l[a];
    if (m > best_n) {
      best_n = m;
      best = a;
    }
  }
  return l[best];
}

static void
plain_write (KmsFrame * f, gint y, gint n_rows, guint8 * const *labels,
    const KmsPaint * p)
{
  const KmsFormatInfo *info = kms_format_get_info (f->format);
  gint r, x;
  guint ch;

  for (r = 0; r < n_rows; r++) {
    for (x = 0; x < f->width; x++) {
      const guint8 l = labels[r][x];

      if (info->bpp) {
        guint8 *px = (guint8 *) plain_sample (info, f, y + r, x, 0) -
            info->offset[0];
        const guint8 *set = (const guint8 *) &p->set[l];
        const guint8 *keep = (const guint8 *) &p->keep[l];
        guint b;

        for (b = 0; b < info->bpp; b++)
          px[b] = (px[b] & keep[b]) | set[b];
      } else if (p->writes[l]) {
        *(guint8 *) plain_sample (info, f, y + r, x, 0) = p->value[l][0];
      }
    }
  }
  if (info->bpp)
    return;
  /* chroma: each sample its pixels' majority label, in raster order */
  for (ch = 1; ch < info->n_channels; ch++) {
    const gint hs = 1 << info->ch[ch].hsub, vs = 1 << info->ch[ch].vsub;

    for (x = 0; x < f->width; x += hs) {
      guint8 cover[4];
      guint n = 0, m;
      gint dx;

      for (r = 0; r < MIN (n_rows, vs); r++)
        for (dx = 0; dx < hs && x + dx < f->width; dx++)
          cover[n++] = labels[r][x + dx];
      m = plain_majority (cover, n);
      if (p->writes[m])
        *(guint8 *) plain_sample (info, f, y, x, ch) = p->value[m][ch];
    }
  }
}

/* ------------------------------------------------------------------ */
/* Palettes and rows, random and adversarial */

enum
{
  PAL_RANDOM,
  PAL_DUPLICATES,               /* centroids repeated, pixels on them */
  PAL_TIES,                     /* pixels exactly as near to several */
  PAL_FAR,                      /* centroids dark, pixels bright */
  PAL_CUBE,                     /* everything in a small cube */
  PAL_GREYS,                    /* greys, pixels midway */
  PAL_EXTREMES,                 /* 0 and 255 only */
  PAL_STILL,                    /* runs of 64 pixels on (or next to) one
                                 * centroid, which was their label */
  PAL_N_KINDS
};

static void
gen_palette_row (guint kind, guint k, guint n_channels, gint width,
    KmsAssignPalette * pal, guint8 * const *c, guint64 * s)
{
  guint i, ch;
  gint x;

  memset (pal, 0, sizeof (*pal));
  pal->k = k;
  for (i = 0; i < k; i++)
    for (ch = 0; ch < 3; ch++)
      pal->c[ch][i] = rng_below (s, 256);
  for (x = 0; x < width; x++)
    for (ch = 0; ch < 3; ch++)
      c[ch][x] = rng_below (s, 256);

  switch (kind) {
    case PAL_DUPLICATES:
      for (i = 1; i < k; i++)
        if (rng_below (s, 2)) {
          guint src = rng_below (s, i);

          for (ch = 0; ch < 3; ch++)
            pal->c[ch][i] = pal->c[ch][src];
        }
      for (x = 0; x < width; x++) {
        guint r = rng_below (s, 3), j = rng_below (s, k);

        if (r < 2)
          for (ch = 0; ch < 3; ch++)
            c[ch][x] = clamp_level (pal->c[ch][j] +
                (r ? (gint) rng_below (s, 3) - 1 : 0));
      }
      break;
    case PAL_TIES:{
      /* centroids at the sign flips of an offset around anchors: all as
       * near to the anchor */
      guint8 anchor[8][3];
      const guint n_anchors = MIN (8, MAX (1, k / 3));
      guint a;

      for (a = 0; a < n_anchors; a++) {
        gint v[3], j, m = 2 + rng_below (s, 5);

        for (ch = 0; ch < 3; ch++) {
          anchor[a][ch] = 20 + rng_below (s, 216);
          v[ch] = 1 + rng_below (s, 6);
        }
        for (j = 0; j < m && k > 1; j++) {
          const guint id = rng_below (s, k), rot = rng_below (s, 3);

          for (ch = 0; ch < 3; ch++)
            pal->c[ch][id] = anchor[a][ch] + (rng_below (s, 2) ? 1 : -1) *
                v[(ch + rot) % 3];
        }
      }
      for (x = 0; x < width; x++)
        if (rng_below (s, 4)) {
          a = rng_below (s, n_anchors);
          for (ch = 0; ch < 3; ch++)
            c[ch][x] = anchor[a][ch];
        }
      break;
    }
    case PAL_FAR:
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 16);
      for (x = 0; x < width; x++) {
        const gboolean far = rng_below (s, 4) != 0;
        const guint8 grey = 236 + rng_below (s, 20);

        for (ch = 0; ch < 3 && far; ch++)
          c[ch][x] = rng_below (s, 2) ? grey : 236 + rng_below (s, 20);
      }
      break;
    case PAL_CUBE:
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = 100 + rng_below (s, 8);
      for (x = 0; x < width; x++)
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = 98 + rng_below (s, 12);
      break;
    case PAL_GREYS:
      for (i = 0; i < k; i++) {
        const gint32 v = rng_below (s, 256);

        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = v;
      }
      for (x = 0; x < width; x++) {
        const guint a = rng_below (s, k), b = rng_below (s, k);
        const guint8 v = (pal->c[0][a] + pal->c[0][b]) / 2;

        for (ch = 0; ch < 3; ch++)
          c[ch][x] = v;
      }
      break;
    case PAL_STILL:
      for (x = 0; x < width; x++) {
        const guint p = (guint) (x / 64) % k;
        const gint off = x / 64 % 3 == 2 ? (gint) rng_below (s, 3) - 1 : 0;

        for (ch = 0; ch < 3; ch++)
          c[ch][x] = clamp_level (pal->c[ch][p] + off);
      }
      break;
    case PAL_EXTREMES:
      for (i = 0; i < k; i++)
        for (ch = 0; ch < 3; ch++)
          pal->c[ch][i] = rng_below (s, 2) ? 255 : 0;
      for (x = 0; x < width; x++)
        for (ch = 0; ch < 3; ch++)
          c[ch][x] = rng_below (s, 2) ? 255 : 0;
      break;
    default:
      break;
  }
  /* channels a format lacks are 0 in the centroids and the pixels */
  for (ch = n_channels; ch < 3; ch++) {
    for (i = 0; i < k; i++)
      pal->c[ch][i] = 0;
    memset (c[ch], 0, width);
  }
}

static void
record_data (const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, const guint8 * prev0, const guint8 * labels)
{
  gint x, run = 0;
  guint i, ch;

  for (x = 0; x < width; x++) {
    const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };
    guint32 d, best = G_MAXUINT32;
    guint near = 0, n_near = 0;
    gboolean color_tie = FALSE;

    for (i = 0; i < pal->k; i++) {
      d = dist2 (pal, px, i);
      if (d < best) {
        best = d;
        near = i;
        n_near = 1;
        color_tie = FALSE;
      } else if (d == best) {
        n_near++;
        for (ch = 0; ch < 3; ch++)
          color_tie |= pal->c[ch][i] != pal->c[ch][near];
      }
    }
    data_seen.pixels++;
    data_seen.color_ties += color_tie;
    data_seen.dup_ties += n_near > 1 && !color_tie;
    data_seen.far += best > G_MAXUINT16;
    data_seen.kept += labels[x] != near;
    run = prev0 && labels[x] == prev0[x] ? run + 1 : 0;
    data_seen.still_blocks += x % 32 == 31 && run >= 32;
  }
}

/* Previous labels: the nearest, a neighbour of it, any, or past k */
static void
gen_prev (guint kind, const KmsAssignPalette * pal, const guint8 * const *c,
    gint width, guint8 * prev, guint64 * s)
{
  gint x;

  for (x = 0; x < width; x++) {
    if (kind == PAL_STILL && rng_below (s, 64)) {
      prev[x] = (guint) (x / 64) % pal->k;
      continue;
    }
    const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };
    const guint r = rng_below (s, 6);
    guint32 d;
    const guint near = plain_label (pal, px, NULL, 0, &d);

    prev[x] = r < 2 ? near : r < 4 ? (near + 1) % pal->k :
        r < 5 || pal->k == 256 ? rng_below (s, pal->k) :
        pal->k + rng_below (s, 256 - pal->k);
  }
}

/* How many labels below @k the paint masks */
static guint
n_masked (const KmsPaint * paint, guint k)
{
  guint l, n = 0;

  for (l = 0; l < k; l++)
    n += paint->masked[l] != 0;
  return n;
}

static void
gen_paint (const KmsFormatInfo * info, KmsPaint * paint, KmsMode mode,
    guint k, guint64 * s)
{
  guint l;

  memset (paint, 0, sizeof (*paint));
  rng_fill ((guint8 *) paint->color, sizeof (paint->color), s);
  rng_fill (paint->mask, sizeof (paint->mask), s);
  paint->mask_alpha = rng_next (s) >> 24;
  /* none, one, a few or (inverted keys) most labels masked */
  switch (rng_below (s, 4)) {
    case 0:
      break;
    case 1:
      paint->masked[rng_below (s, k)] = TRUE;
      break;
    case 2:
      for (l = 0; l < 3; l++)
        paint->masked[rng_below (s, k)] = TRUE;
      break;
    default:
      for (l = 0; l < k; l++)
        paint->masked[l] = rng_below (s, 4) != 0;
      break;
  }
  if (rng_below (s, 4) == 0)
    for (l = 0; l < k; l++)
      memset (paint->color[l], rng_below (s, 2) ? 255 : 0, 3);
  kms_paint_prepare (info, paint, mode, k);
}

/* ------------------------------------------------------------------ */
/* One table against the C level's (or, for the C level, against the
 * plain code) */

typedef struct
{
  KmsFormat format;
  const KmsFormatInfo *info;
  guint k;
  const KmsDsp *dsp;            /* tested */
  const KmsDsp *ref;            /* the C level's; NULL: the plain code */
  const gchar *level;
  guint64 *s;
  guint counter;                /* cases of this format so far */
  guint narrow;                 /* of them not wide */
} Run;

/* The palette as kms_pass_run() readies it for a table; @cells, the cell
 * table for @pal's centroids and margin, is built on the first need */
static void
ready_palette (const KmsDsp * dsp, const KmsFormatInfo * info,
    KmsAssignPalette * pal, const KmsHysteresis * hyst, guint64 ** cells)
{
  pal->cells = NULL;
  if (dsp->prepare)
    dsp->prepare (pal);
  if (pal->k >= dsp->cells_min_k && pal->k <= KMS_CELL_MAX_K) {
    if (!*cells) {
      *cells = g_new (guint64, KMS_CELLS);
      kms_assign_build_cells (pal, info->n_channels,
          hyst && hyst->apply ? (gfloat) hyst->margin : 0, *cells);
    }
    pal->cells = *cells;
  }
}

static const gdouble margins[] = { 0, 0.25, 1, 2.5, 10, 100, 1000 };

/* Runs assign (planar rows) or assign_paint (4-byte pixels) */
static void
run_assign (Run * run, guint kind, gint width, gboolean paint_row)
{
  const KmsFormatInfo *info = run->info;
  const Slot slot = paint_row ? SLOT_ASSIGN_PAINT : SLOT_ASSIGN;
  const guint hmode = rng_below (run->s, 3);    /* none, off, applied */
  const gdouble margin = margins[rng_below (run->s, G_N_ELEMENTS (margins))];
  const gboolean with_sse = rng_below (run->s, 4) != 0;
  const gboolean write = rng_below (run->s, 4) != 0;
  const gboolean in_place = rng_below (run->s, 2);
  const KmsMode mode = rng_below (run->s, 3);
  const guint align = run->counter % 64, dalign = (run->counter * 7) % 64;
  guint64 *cells = NULL;
  KmsAssignPalette pal, pal_a, pal_b;
  Buf rows[3], labels_a, labels_b, prev0, prev_a, prev_b;
  Buf src_a, src_b, dst_a, dst_b;
  guint64 counts_a[KMS_MAX_K], counts_b[KMS_MAX_K], sse_a, sse_b;
  KmsHysteresis hyst_a, hyst_b;
  guint8 *c[3];
  guint shift[KMS_MAX_CHANNELS];
  KmsPaint paint;
  guint ch;
  gint x;

  for (ch = 0; ch < 3; ch++) {
    buf_init (&rows[ch], width, (align + 16 * ch) % 64, run->s);
    c[ch] = rows[ch].data;
  }
  gen_palette_row (kind, run->k, info->n_channels, width, &pal, c, run->s);
  buf_init (&prev0, width, dalign, run->s);
  gen_prev (kind, &pal, (const guint8 * const *) c, width, prev0.data,
      run->s);
  buf_copy (&prev_a, &prev0);
  buf_copy (&prev_b, &prev0);
  hyst_a.prev = prev_a.data;
  hyst_b.prev = prev_b.data;
  hyst_a.apply = hyst_b.apply = hmode == 2;
  hyst_a.margin = hyst_b.margin = margin;

  pal_a = pal;
  pal_b = pal;
  ready_palette (run->dsp, info, &pal_a, hmode ? &hyst_a : NULL, &cells);
  if (run->ref)
    ready_palette (run->ref, info, &pal_b, hmode ? &hyst_b : NULL, &cells);

  /* the sums add to what is there */
  for (x = 0; x < KMS_MAX_K; x++)
    counts_a[x] = counts_b[x] = rng_below (run->s, 1000);
  sse_a = sse_b = rng_next (run->s);

  set_case ("%s, k %u, kind %u, width %d, hysteresis %s, margin %g, sse %s, "
      "offset %u", info->name, run->k, kind, width,
      hmode == 0 ? "none" : hmode == 1 ? "off" : "applied", margin,
      with_sse ? "on" : "NULL", align);

  if (!paint_row) {
    buf_init (&labels_a, width, dalign, run->s);
    buf_copy (&labels_b, &labels_a);
    run->dsp->assign (&pal_a, (const guint8 * const *) c, width,
        labels_a.data, counts_a, with_sse ? &sse_a : NULL,
        hmode ? &hyst_a : NULL);
    if (run->ref)
      run->ref->assign (&pal_b, (const guint8 * const *) c, width,
          labels_b.data, counts_b, with_sse ? &sse_b : NULL,
          hmode ? &hyst_b : NULL);
    else
      plain_assign (&pal, (const guint8 * const *) c, width, labels_b.data,
          counts_b, with_sse ? &sse_b : NULL, hmode ? &hyst_b : NULL);
    assert_same_buf (&labels_a, &labels_b, run->level, "assign", "labels");
    record_data (&pal, (const guint8 * const *) c, width,
        hmode == 2 ? prev0.data : NULL, labels_a.data);
    buf_clear (&labels_a);
    buf_clear (&labels_b);
  } else {
    for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
      shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ? info->offset[ch] :
          3 - info->offset[ch]);
    gen_paint (info, &paint, mode, run->k, run->s);
    buf_init (&src_a, 4 * (gsize) width, align, run->s);
    for (x = 0; x < width; x++)
      for (ch = 0; ch < 3; ch++)
        src_a.data[4 * x + info->offset[ch]] = c[ch][x];
    buf_init (&dst_a, 4 * (gsize) width, dalign, run->s);
    buf_copy (&src_b, &src_a);
    buf_copy (&dst_b, &dst_a);
    set_case ("%s, %s, %u masked, write %d, %s, dst offset %u", case_what,
        mode == KMS_MODE_POSTERIZE ? "posterize" : mode == KMS_MODE_ORIGINAL ?
        "original" : "labels", n_masked (&paint, pal_a.k), write,
        in_place ? "in place" : "out of place", dalign);
    run->dsp->assign_paint (&pal_a, &paint, shift, write, src_a.data,
        in_place ? src_a.data : dst_a.data, width, counts_a,
        with_sse ? &sse_a : NULL, hmode ? &hyst_a : NULL);
    if (run->ref)
      run->ref->assign_paint (&pal_b, &paint, shift, write, src_b.data,
          in_place ? src_b.data : dst_b.data, width, counts_b,
          with_sse ? &sse_b : NULL, hmode ? &hyst_b : NULL);
    else
      plain_assign_paint (&pal, &paint, shift, write, src_b.data,
          in_place ? src_b.data : dst_b.data, width, counts_b,
          with_sse ? &sse_b : NULL, hmode ? &hyst_b : NULL);
    assert_same_buf (&src_a, &src_b, run->level, "assign_paint", "source");
    assert_same_buf (&dst_a, &dst_b, run->level, "assign_paint",
        "destination");
    buf_clear (&src_a);
    buf_clear (&src_b);
    buf_clear (&dst_a);
    buf_clear (&dst_b);
  }
  assert_same_buf (&prev_a, &prev_b, run->level, slot_names[slot],
      "previous labels");
  assert_same_sums (counts_a, counts_b, sse_a, sse_b, run->level,
      slot_names[slot]);
  /* the palette is read only */
  if (memcmp (pal_a.c, pal.c, sizeof (pal.c)) != 0)
    ck_abort_msg ("level %s: %s wrote the centroids", run->level,
        slot_names[slot]);
  record_compared (run->dsp, slot);
  if (run->dsp->prepare)
    record_compared (run->dsp, SLOT_PREPARE);

  for (ch = 0; ch < 3; ch++)
    buf_clear (&rows[ch]);
  buf_clear (&prev0);
  buf_clear (&prev_a);
  buf_clear (&prev_b);
  g_free (cells);
}

static guint8 plain_dither_pixel (const KmsAssignPalette * pal,
    const KmsDither * dither, const guint8 * px, guint l, guint8 thr,
    gint prev);

/* assign_dither_paint: a row of 4-byte pixels assigned (hysteresis none,
 * off or applied), dithered (labels fixed or none, strengths, margins, a
 * last frame's painted row or none) and painted in posterize mode, in
 * place or not; against the C level, or for the C level the plain
 * assign, dither and paint one after the other */
static void
run_assign_dither (Run * run, guint kind, gint width)
{
  static const gint32 strengths[] = { 256, 256, 128, 1, 0, 255 };
  const KmsFormatInfo *info = run->info;
  const guint hmode = rng_below (run->s, 3);
  const gdouble margin = margins[rng_below (run->s, G_N_ELEMENTS (margins))];
  const gboolean with_sse = rng_below (run->s, 4) != 0;
  const gboolean in_place = rng_below (run->s, 2);
  const gboolean with_prev = rng_below (run->s, 4) != 0;
  const guint align = run->counter % 64, dalign = (run->counter * 5) % 64;
  guint64 *cells = NULL;
  KmsAssignPalette pal, pal_a, pal_b;
  KmsDither dither;
  Buf rows[3], prev0, prev_a, prev_b, pp_a, pp_b, src_a, src_b, dst_a, dst_b;
  guint64 counts_a[KMS_MAX_K], counts_b[KMS_MAX_K], sse_a, sse_b;
  KmsHysteresis hyst_a, hyst_b;
  guint8 *c[3], thr[KMS_DITHER_TILE];
  guint shift[KMS_MAX_CHANNELS];
  KmsPaint paint;
  guint ch, i;
  gint x;

  for (ch = 0; ch < 3; ch++) {
    buf_init (&rows[ch], width, (align + 16 * ch) % 64, run->s);
    c[ch] = rows[ch].data;
  }
  gen_palette_row (kind, run->k, info->n_channels, width, &pal, c, run->s);
  buf_init (&prev0, width, dalign, run->s);
  gen_prev (kind, &pal, (const guint8 * const *) c, width, prev0.data,
      run->s);
  buf_copy (&prev_a, &prev0);
  buf_copy (&prev_b, &prev0);
  hyst_a.prev = prev_a.data;
  hyst_b.prev = prev_b.data;
  hyst_a.apply = hyst_b.apply = hmode == 2;
  hyst_a.margin = hyst_b.margin = margin;
  pal_a = pal;
  pal_b = pal;
  ready_palette (run->dsp, info, &pal_a, hmode ? &hyst_a : NULL, &cells);
  if (run->ref)
    ready_palette (run->ref, info, &pal_b, hmode ? &hyst_b : NULL, &cells);

  /* posterize; masked labels are the fixed ones, half of the time none */
  gen_paint (info, &paint, KMS_MODE_POSTERIZE, run->k, run->s);
  if (rng_below (run->s, 2)) {
    memset (paint.masked, 0, sizeof (paint.masked));
    kms_paint_prepare (info, &paint, KMS_MODE_POSTERIZE, run->k);
  }
  memset (&dither, 0, sizeof (dither));
  for (i = 0; i < run->k; i++)
    dither.fixed[i] = paint.masked[i];
  dither.strength = rng_below (run->s, 2) ? 256 :
      strengths[rng_below (run->s, G_N_ELEMENTS (strengths))];
  dither.margin = rng_below (run->s, 2) ? 48 : rng_below (run->s, 256);
  dither.dist = g_new (gint32, run->k * run->k);
  kms_dither_prepare (&pal, &dither);
  for (i = 0; i < KMS_DITHER_TILE; i++)
    thr[i] = rng_below (run->s, 256);
  buf_init (&pp_a, width, dalign, run->s);
  for (x = 0; x < width; x++)
    if (rng_below (run->s, 2))
      pp_a.data[x] = prev0.data[x];
    else if (rng_below (run->s, 2))
      pp_a.data[x] = rng_below (run->s, run->k);
  buf_copy (&pp_b, &pp_a);

  for (x = 0; x < KMS_MAX_K; x++)
    counts_a[x] = counts_b[x] = rng_below (run->s, 1000);
  sse_a = sse_b = rng_next (run->s);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    shift[ch] = 8 * (G_BYTE_ORDER == G_LITTLE_ENDIAN ? info->offset[ch] :
        3 - info->offset[ch]);
  buf_init (&src_a, 4 * (gsize) width, align, run->s);
  for (x = 0; x < width; x++)
    for (ch = 0; ch < 3; ch++)
      src_a.data[4 * x + info->offset[ch]] = c[ch][x];
  buf_init (&dst_a, 4 * (gsize) width, dalign, run->s);
  buf_copy (&src_b, &src_a);
  buf_copy (&dst_b, &dst_a);
  set_case ("%s, k %u, kind %u, width %d, hysteresis %s, margin %g, sse %s, "
      "%u fixed, strength %d, dither margin %d%s, %s", info->name, run->k,
      kind, width, hmode == 0 ? "none" : hmode == 1 ? "off" : "applied",
      margin, with_sse ? "on" : "NULL", n_masked (&paint, run->k),
      dither.strength, dither.margin, with_prev ? ", previous" : "",
      in_place ? "in place" : "out of place");

  run->dsp->assign_dither_paint (&pal_a, &paint, &dither, shift, src_a.data,
      in_place ? src_a.data : dst_a.data, thr, width, counts_a,
      with_sse ? &sse_a : NULL, hmode ? &hyst_a : NULL,
      with_prev ? pp_a.data : NULL);
  if (run->ref) {
    run->ref->assign_dither_paint (&pal_b, &paint, &dither, shift,
        src_b.data, in_place ? src_b.data : dst_b.data, thr, width, counts_b,
        with_sse ? &sse_b : NULL, hmode ? &hyst_b : NULL,
        with_prev ? pp_b.data : NULL);
  } else {
    guint8 *lab = g_malloc (width);
    guint8 *out = in_place ? src_b.data : dst_b.data;

    plain_assign (&pal, (const guint8 * const *) c, width, lab, counts_b,
        with_sse ? &sse_b : NULL, hmode ? &hyst_b : NULL);
    for (x = 0; x < width; x++) {
      const guint8 px[3] = { c[0][x], c[1][x], c[2][x] };
      const guint8 l = plain_dither_pixel (&pal, &dither, px, lab[x],
          thr[x % KMS_DITHER_TILE], with_prev ? pp_b.data[x] : -1);
      guint32 v;

      if (with_prev)
        pp_b.data[x] = l;
      memcpy (&v, src_b.data + 4 * x, 4);
      v = (v & paint.keep[l]) | paint.set[l];
      memcpy (out + 4 * x, &v, 4);
    }
    g_free (lab);
  }
  assert_same_buf (&src_a, &src_b, run->level, "assign_dither_paint",
      "source");
  assert_same_buf (&dst_a, &dst_b, run->level, "assign_dither_paint",
      "destination");
  assert_same_buf (&prev_a, &prev_b, run->level, "assign_dither_paint",
      "previous labels");
  assert_same_buf (&pp_a, &pp_b, run->level, "assign_dither_paint",
      "previous painted labels");
  assert_same_sums (counts_a, counts_b, sse_a, sse_b, run->level,
      "assign_dither_paint");
  record_compared (run->dsp, SLOT_ASSIGN_DITHER_PAINT);

  for (ch = 0; ch < 3; ch++)
    buf_clear (&rows[ch]);
  buf_clear (&prev0);
  buf_clear (&prev_a);
  buf_clear (&prev_b);
  buf_clear (&pp_a);
  buf_clear (&pp_b);
  buf_clear (&src_a);
  buf_clear (&src_b);
  buf_clear (&dst_a);
  buf_clear (&dst_b);
  g_free (dither.dist);
  g_free (cells);
}

/* A frame in two copies, every plane its own guarded buffer */
typedef struct
{
  KmsFrame f;
  Buf planes[KMS_MAX_PLANES];
} TestFrame;

static void
frame_init (TestFrame * tf, const KmsFormatInfo * info, gint width,
    gint height, guint align, guint fill, guint64 * s)
{
  guint p;

  memset (tf, 0, sizeof (*tf));
  tf->f.format = info->format;
  tf->f.width = width;
  tf->f.height = height;
  for (p = 0; p < info->n_planes; p++) {
    const guint vs = kms_format_plane_vsub (info, p);
    const gsize row = kms_format_plane_row_bytes (info, p, width);
    const gint rows = (height + (1 << vs) - 1) >> vs;
    const gint stride = (gint) row + (gint) rng_below (s, 10);

    buf_init (&tf->planes[p], (gsize) stride * rows, (align + 23 * p) % 64, s);
    /* extremes: a plane of 0 or of 255 */
    if (fill)
      memset (tf->planes[p].data, fill == 1 ? 0 : 255, (gsize) stride * rows);
    tf->f.data[p] = tf->planes[p].data;
    tf->f.stride[p] = stride;
  }
}

static void
frame_copy (TestFrame * dst, const TestFrame * src, guint n_planes)
{
  guint p;

  *dst = *src;
  for (p = 0; p < n_planes; p++) {
    buf_copy (&dst->planes[p], &src->planes[p]);
    dst->f.data[p] = dst->planes[p].data;
  }
}

static void
frame_clear (TestFrame * tf, guint n_planes)
{
  guint p;

  for (p = 0; p < n_planes; p++)
    buf_clear (&tf->planes[p]);
}

static void
assert_same_frame (const TestFrame * a, const TestFrame * b,
    const KmsFormatInfo * info, const gchar * level, const gchar * slot)
{
  guint p;

  for (p = 0; p < info->n_planes; p++) {
    gchar *what = g_strdup_printf ("plane %u (stride %d)", p, a->f.stride[p]);

    assert_same_buf (&a->planes[p], &b->planes[p], level, slot, what);
    g_free (what);
  }
}

/* unpack and unpack_step of every row, then write of every row group */
/* The 3x3 majority filter as kmssmooth.c documents it, written plainly:
 * a histogram of the clamped window; the most held label, the centre's
 * own on a tie with it, else the lowest number */
static guint8
plain_smooth_pixel (const guint8 * const rows[3], gint x, gint width,
    guint8 * more)
{
  guint n[256] = { 0 };
  guint best, i, own = rows[1][x];
  gint dy, dx;

  for (dy = 0; dy < 3; dy++)
    for (dx = -1; dx <= 1; dx++)
      n[rows[dy][CLAMP (x + dx, 0, width - 1)]]++;
  best = own;
  for (i = 0; i < 256; i++)
    if (n[i] > n[best])
      best = i;
  /* of the 8 neighbours (the window less the centre), those with the new
   * label less those with the own */
  *more = best != own ? n[best] - (n[own] - 1) : 0;
  return best;
}

/* Labels for the smoothing: regions of a few labels with speckle, or
 * noise of many, so both the quick and the full path run */
static void
smooth_labels (guint8 * row, gint width, guint kind, const guint8 * above,
    guint64 * s)
{
  gint x;

  for (x = 0; x < width; x++) {
    switch (kind) {
      case 0:                  /* noise of two labels */
        row[x] = rng_below (s, 2);
        break;
      case 1:                  /* any label */
        row[x] = rng_below (s, 256);
        break;
      default:                 /* runs like the row above, some speckle */
        row[x] = above && rng_below (s, 4) ? above[x] :
            (x > 0 && rng_below (s, 8) ? row[x - 1] : rng_below (s, 6));
        if (rng_below (s, 32) == 0)
          row[x] = rng_below (s, 6);
        break;
    }
  }
}

/* The fit's nearest-centroid search, written plainly: each centroid in
 * turn, the distance as kmsdsp.h spells it, the first of the least */
static void
plain_nearest (const KmsCentroidLanes * l, guint k, guint nc,
    const KmsPoint * p, gsize n, gsize step, guint8 * label, gdouble * dist)
{
  gsize i;
  guint c;

  for (i = 0; i < n; i++) {
    const gdouble *x = p[i * step].c;
    gdouble best = 0;

    for (c = 0; c < k; c++) {
      const gdouble t0 = x[0] - l->c[0][c];
      gdouble d;

      if (nc == 3) {
        const gdouble t1 = x[1] - l->c[1][c], t2 = x[2] - l->c[2][c];

        d = t0 * t0 + t1 * t1 + t2 * t2;
      } else {
        d = t0 * t0;
      }
      if (c == 0 || d < best) {
        best = d;
        label[i] = (guint8) c;
      }
    }
    dist[i] = best;
  }
}

/* Points for it: histogram-cell means (fractions), integer colours on and
 * between centroids (exact ties), duplicated centroids, far points */
static void
run_nearest (Run * run, gint width)
{
  const guint nc = run->info->n_channels == 1 ? 1 : 3;
  const guint k = run->k;
  const gsize step = 1 + rng_below (run->s, 3);
  const gsize n = (gsize) width * (1 + rng_below (run->s, 4));
  KmsCentroidLanes lanes;
  KmsPoint *pts = g_new0 (KmsPoint, n * step);
  Buf la, lb, da, db;
  guint c, ch;
  gsize i;

  set_case ("k %u, %u channels, %" G_GSIZE_FORMAT " points, step %"
      G_GSIZE_FORMAT, k, nc, n, step);
  memset (&lanes, 0, sizeof (lanes));
  for (c = 0; c < k; c++) {
    /* every fourth centroid a copy of an earlier one */
    const guint from = c > 0 && rng_below (run->s, 4) == 0 ?
        rng_below (run->s, c) : c;

    for (ch = 0; ch < nc; ch++)
      lanes.c[ch][c] = from < c ? lanes.c[ch][from] : rng_below (run->s,
          rng_below (run->s, 2) ? 256 : 32) + (rng_below (run->s, 2) ?
          rng_below (run->s, 1024) / 1024.0 : 0);
  }
  for (i = 0; i < n * step; i++) {
    KmsPoint *q = &pts[i];
    const guint a = rng_below (run->s, k), b = rng_below (run->s, k);
    const guint kind = rng_below (run->s, 4);

    for (ch = 0; ch < nc; ch++) {
      if (kind == 0)            /* a cell's mean */
        q->c[ch] = rng_below (run->s, 256 * 64) / 64.0;
      else if (kind == 1)       /* on a centroid */
        q->c[ch] = lanes.c[ch][a];
      else if (kind == 2)       /* halfway between two: ties */
        q->c[ch] = (lanes.c[ch][a] + lanes.c[ch][b]) / 2;
      else                      /* far */
        q->c[ch] = rng_below (run->s, 2) ? -1000.5 : 4095.25;
    }
    q->w = 1 + rng_below (run->s, 100);
  }
  buf_init (&la, n, rng_below (run->s, 64), run->s);
  buf_copy (&lb, &la);
  buf_init (&da, n * sizeof (gdouble), 8 * rng_below (run->s, 8), run->s);
  buf_copy (&db, &da);
  run->dsp->nearest (&lanes, k, nc, pts, n, step, la.data,
      (gdouble *) da.data);
  if (run->ref)
    run->ref->nearest (&lanes, k, nc, pts, n, step, lb.data,
        (gdouble *) db.data);
  else
    plain_nearest (&lanes, k, nc, pts, n, step, lb.data,
        (gdouble *) db.data);
  assert_same_buf (&la, &lb, run->level, "nearest", "labels");
  assert_same_buf (&da, &db, run->level, "nearest", "distances");
  record_compared (run->dsp, SLOT_NEAREST);
  buf_clear (&la);
  buf_clear (&lb);
  buf_clear (&da);
  buf_clear (&db);
  g_free (pts);
}

/* One smoothing row: three rows of labels (sometimes the same row twice,
 * as at the map's edges), the level against the C level or the plain
 * code */
static void
run_smooth (Run * run, gint width)
{
  const guint kind = rng_below (run->s, 4);
  const guint edge = rng_below (run->s, 4);
  Buf rows[3], da, db, ma, mb, xa, xb;
  const guint8 *r[3];
  guint na, nb = 0;
  gint i, x;

  set_case ("width %d, kind %u, edge %u", width, kind, edge);
  for (i = 0; i < 3; i++) {
    buf_init (&rows[i], width, rng_below (run->s, 64), run->s);
    smooth_labels (rows[i].data, width, kind, i ? rows[i - 1].data : NULL,
        run->s);
    r[i] = rows[i].data;
  }
  /* edges: the row above or below is the row itself */
  if (edge == 1)
    r[0] = r[1];
  if (edge == 2)
    r[2] = r[1];
  buf_init (&da, width, rng_below (run->s, 64), run->s);
  buf_copy (&db, &da);
  buf_init (&ma, width, rng_below (run->s, 64), run->s);
  buf_copy (&mb, &ma);
  buf_init (&xa, width * sizeof (guint32), 4 * rng_below (run->s, 16),
      run->s);
  buf_copy (&xb, &xa);
  na = run->dsp->smooth (r[0], r[1], r[2], da.data, ma.data,
      (guint32 *) xa.data, width);
  if (run->ref) {
    nb = run->ref->smooth (r[0], r[1], r[2], db.data, mb.data,
        (guint32 *) xb.data, width);
  } else {
    /* the list: each pixel relabelled, in order, with its lead */
    for (x = 0; x < width; x++) {
      const guint32 pos = x;
      guint8 lead;

      db.data[x] = plain_smooth_pixel (r, x, width, &lead);
      if (db.data[x] != r[1][x]) {
        mb.data[nb] = lead;
        memcpy (xb.data + nb * sizeof (guint32), &pos, sizeof (pos));
        nb++;
      }
    }
  }
  ck_assert_msg (na == nb, "seed %" G_GUINT64_FORMAT ": level %s, smooth, "
      "%s: %u pixels listed, expected %u", seed, run->level, case_what, na,
      nb);
  assert_same_buf (&da, &db, run->level, "smooth", "labels");
  /* what the list holds; the rest of its room is the kernel's */
  assert_same_bytes (ma.data, mb.data, na, ma.data, run->level, "smooth",
      "leads");
  assert_same_bytes (xa.data, xb.data, na * sizeof (guint32), xa.data,
      run->level, "smooth", "positions");
  record_compared (run->dsp, SLOT_SMOOTH);
  for (i = 0; i < 3; i++)
    buf_clear (&rows[i]);
  buf_clear (&da);
  buf_clear (&db);
  buf_clear (&ma);
  buf_clear (&mb);
  buf_clear (&xa);
  buf_clear (&xb);
}

/* Feathering's box sums across a mask row: rows of 0 and 1 (random, in
 * runs, all 0, all 1), in place, radius 1 .. 64 (small ones more often),
 * against the C level or the sum of each box */
static void
run_feather_box (Run * run, gint width)
{
  const guint r = rng_below (run->s, 2) ? 1 + rng_below (run->s, 4) :
      1 + rng_below (run->s, KMS_MAX_MASK_FEATHER);
  const guint kind = rng_below (run->s, 4);
  Buf m, ra, rb, sa, sb;
  gint x, d;

  set_case ("width %d, radius %u, kind %u", width, r, kind);
  buf_init (&m, width, 0, run->s);
  for (x = 0; x < width; x++)
    m.data[x] = kind == 0 ? rng_below (run->s, 2) : kind == 1 ?
        (x / 5) % 2 : kind == 2 ? 0 : 1;
  buf_init (&ra, width, rng_below (run->s, 64), run->s);
  memcpy (ra.data, m.data, width);
  buf_copy (&rb, &ra);
  buf_init (&sa, 2 * (width + 2 * KMS_MAX_MASK_FEATHER), 0, run->s);
  buf_init (&sb, 2 * (width + 2 * KMS_MAX_MASK_FEATHER), 0, run->s);
  run->dsp->feather_box (ra.data, width, r, sa.data);
  if (run->ref)
    run->ref->feather_box (rb.data, width, r, sb.data);
  else
    for (x = 0; x < width; x++) {
      guint v = 0;

      for (d = -(gint) r; d <= (gint) r; d++)
        v += m.data[CLAMP (x + d, 0, width - 1)];
      rb.data[x] = v;
    }
  assert_same_buf (&ra, &rb, run->level, "feather_box", "sums");
  record_compared (run->dsp, SLOT_FEATHER_BOX);
  buf_clear (&m);
  buf_clear (&ra);
  buf_clear (&rb);
  buf_clear (&sa);
  buf_clear (&sb);
}

/* Feathering's box sums moved down: sums of a box of radius r (0 ..
 * (2 r + 1)^2, runs of 0 and of the full box among them) moved down by
 * the box sums of a mask row entering it and one leaving it (0 .. 2 r +
 * 1), against the C level or the plain loop; the least and the most
 * too */
static void
run_feather_sums (Run * run, gint width)
{
  const guint r = 1 + rng_below (run->s, KMS_MAX_MASK_FEATHER);
  const guint len = 2 * r + 1, full = len * len;
  const guint kind = rng_below (run->s, 4);
  Buf ca, cb, add, sub;
  guint16 *a, *b;
  guint lo_a, hi_a, lo_b = G_MAXUINT16, hi_b = 0;
  gint x;

  set_case ("width %d, radius %u, kind %u", width, r, kind);
  buf_init (&ca, 2 * width, 2 * rng_below (run->s, 32), run->s);
  buf_init (&add, width, rng_below (run->s, 64), run->s);
  buf_init (&sub, width, rng_below (run->s, 64), run->s);
  a = (guint16 *) ca.data;
  for (x = 0; x < width; x++) {
    const guint block = (x / 8) % 4;

    /* kind 0: anything; 1: all 0 after; 2: all full after; 3: runs of
     * eight 0 and eight full after among the rest */
    add.data[x] = kind == 1 ? 0 : kind == 2 ? len : rng_below (run->s, len + 1);
    sub.data[x] = kind == 1 ? len : kind == 2 ? 0 : rng_below (run->s, len + 1);
    if (kind == 3 && block == 0)
      add.data[x] = 0;
    if (kind == 3 && block == 1)
      sub.data[x] = 0;
    if (kind == 1 || (kind == 3 && block == 0))
      a[x] = sub.data[x];
    else if (kind == 2 || (kind == 3 && block == 1))
      a[x] = full - add.data[x] + sub.data[x];
    else
      a[x] = sub.data[x] + rng_below (run->s, full - add.data[x] -
          sub.data[x] + 1);
  }
  buf_copy (&cb, &ca);
  b = (guint16 *) cb.data;
  run->dsp->feather_sums (a, add.data, sub.data, width, &lo_a, &hi_a);
  if (run->ref)
    run->ref->feather_sums (b, add.data, sub.data, width, &lo_b, &hi_b);
  else
    for (x = 0; x < width; x++) {
      b[x] = b[x] + add.data[x] - sub.data[x];
      lo_b = MIN (lo_b, b[x]);
      hi_b = MAX (hi_b, b[x]);
    }
  assert_same_buf (&ca, &cb, run->level, "feather_sums", "sums");
  if (lo_a != lo_b || hi_a != hi_b)
    ck_abort_msg ("seed %" G_GUINT64_FORMAT ": level %s, feather_sums, %s: "
        "least %u, most %u, expected %u, %u", seed, run->level, case_what,
        lo_a, hi_a, lo_b, hi_b);
  record_compared (run->dsp, SLOT_FEATHER_SUMS);
  buf_clear (&ca);
  buf_clear (&cb);
  buf_clear (&add);
  buf_clear (&sub);
}

/* Feathering's weights: box sums of a box of radius 1 .. 64 (small ones
 * more often; random, in runs, 0 and full), against the C level or the
 * formula in 64 bits */
static void
run_feather_weights (Run * run, gint width)
{
  const guint r = rng_below (run->s, 2) ? 1 + rng_below (run->s, 4) :
      1 + rng_below (run->s, KMS_MAX_MASK_FEATHER);
  const guint full = 2 * r + 1, area = full * full;
  const guint32 mul = (guint32) (((G_GUINT64_CONSTANT (255) << 24) +
          area / 2) / area);
  const guint kind = rng_below (run->s, 3);
  Buf cs, wa, wb;
  guint16 *c;
  gint x;

  set_case ("width %d, radius %u, kind %u", width, r, kind);
  buf_init (&cs, 2 * width, 2 * rng_below (run->s, 32), run->s);
  c = (guint16 *) cs.data;
  for (x = 0; x < width; x++)
    c[x] = kind == 0 ? rng_below (run->s, area + 1) :
        kind == 1 ? ((x / 5) % 2 ? area : 0) :
        (x / 3) % 4 == 0 ? area : rng_below (run->s, area + 1);
  buf_init (&wa, width, rng_below (run->s, 64), run->s);
  buf_copy (&wb, &wa);
  run->dsp->feather_weights (c, width, mul, wa.data);
  if (run->ref)
    run->ref->feather_weights (c, width, mul, wb.data);
  else
    for (x = 0; x < width; x++)
      wb.data[x] = (guint8) (((guint64) c[x] * mul + (1u << 23)) >> 24);
  assert_same_buf (&wa, &wb, run->level, "feather_weights", "weights");
  record_compared (run->dsp, SLOT_FEATHER_WEIGHTS);
  buf_clear (&cs);
  buf_clear (&wa);
  buf_clear (&wb);
}

/* Feathering's blend of a row of 4-byte pixels (weights random, in runs
 * of 0 and 255 eight pixels long or not; the mask's alpha 0, 255 or any)
 * against the C level or, for the C level, the blend of kmspass.c as it
 * was for every packed format: the format's channel and alpha offsets,
 * the colour's weight the pixel's times the mask's alpha */
static void
run_feather_blend (Run * run, gint width)
{
  const KmsFormatInfo *info = run->info;
  const guint kind = rng_below (run->s, 4);
  const guint alpha_kind = rng_below (run->s, 3);
  guint8 mask[KMS_MAX_CHANNELS], mask_alpha;
  KmsFeather f;
  Buf pa, pb, wt;
  gint x;
  guint ch;

  set_case ("width %d, weights %u, alpha %u", width, kind, alpha_kind);
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++)
    mask[ch] = rng_next (run->s) >> 24;
  mask_alpha = alpha_kind == 0 ? 0 : alpha_kind == 1 ? 255 :
      rng_next (run->s) >> 24;
  memset (&f, 0, sizeof (f));
  for (ch = 0; ch < info->n_channels; ch++) {
    f.mask[info->offset[ch]] = mask[ch];
    f.mul[info->offset[ch]] = info->alpha_offset >= 0 ? mask_alpha : 255;
    f.full[info->offset[ch]] = 255;
  }
  if (info->alpha_offset >= 0) {
    f.mask[info->alpha_offset] = mask_alpha;
    f.mul[info->alpha_offset] = 255;
    f.full[info->alpha_offset] = 255;
  }
  buf_init (&pa, 4 * width, rng_below (run->s, 64), run->s);
  buf_copy (&pb, &pa);
  buf_init (&wt, width, rng_below (run->s, 64), run->s);
  for (x = 0; x < width; x++) {
    const guint block = (x / 8) % 4;

    if (kind == 1 || (kind == 2 && block < 2))
      wt.data[x] = block == 0 ? 0 : block == 1 ? 255 : wt.data[x];
    else if (kind == 3)
      wt.data[x] = rng_below (run->s, 3) == 0 ? wt.data[x] :
          rng_below (run->s, 2) ? 255 : 0;
  }
  run->dsp->feather_blend32 (pa.data, wt.data, width, &f);
  if (run->ref)
    run->ref->feather_blend32 (pb.data, wt.data, width, &f);
  else
    for (x = 0; x < width; x++) {
      guint8 *px = pb.data + 4 * x;
      const guint a = wt.data[x];
      guint c = a;

      if (!a)
        continue;
      if (a == 255) {
        for (ch = 0; ch < info->n_channels; ch++)
          px[info->offset[ch]] = mask[ch];
        if (info->alpha_offset >= 0)
          px[info->alpha_offset] = mask_alpha;
        continue;
      }
      if (info->alpha_offset >= 0) {
        c = (a * mask_alpha + 127) / 255;
        px[info->alpha_offset] = kms_feather_blend8 (px[info->alpha_offset],
            mask_alpha, a);
      }
      for (ch = 0; ch < info->n_channels; ch++)
        px[info->offset[ch]] = kms_feather_blend8 (px[info->offset[ch]],
            mask[ch], c);
    }
  assert_same_buf (&pa, &pb, run->level, "feather_blend32", "pixels");
  record_compared (run->dsp, SLOT_FEATHER_BLEND32);
  buf_clear (&pa);
  buf_clear (&pb);
  buf_clear (&wt);
}

/* One row to OkLab: the format's channels (as unpacked: grey has only
 * the first) in the colour space of a random matrix and range, the bytes
 * and (half of the time) the fine coordinates, the level against the C
 * level or, for the C level, kms_oklab_pixel_fine() pixel by pixel; a third of the rows are made of a few colours in runs, the
 * extremes among them */
static void
run_oklab (Run * run, gint width)
{
  static const guint8 extremes[] = { 0, 1, 15, 16, 127, 128, 235, 240, 254,
    255
  };
  const KmsColorSpace cs = { run->format, rng_below (run->s, 3),
    rng_below (run->s, 2)
  };
  const guint kind = rng_below (run->s, 3);
  /* the tables of each colour space, made once */
  static KmsOklab *tables[KMS_FORMAT_LAST][3][2];
  KmsOklab *lab;
  Buf ca[3], cb[3], fa[3], fb[3];
  guint8 *pa[3], *pb[3];
  guint16 *qa[3], *qb[3];
  gboolean with_fine;
  guint ch;
  gint x;

  lab = tables[cs.format][cs.matrix][cs.full_range];
  if (!lab) {
    lab = tables[cs.format][cs.matrix][cs.full_range] = g_new (KmsOklab, 1);
    kms_oklab_init (lab, &cs);
  }
  set_case ("%s, matrix %d, %s range, width %d, kind %u", run->info->name,
      cs.matrix, cs.full_range ? "full" : "limited", width, kind);
  for (ch = 0; ch < 3; ch++) {
    buf_init (&ca[ch], width, rng_below (run->s, 64), run->s);
    for (x = 0; x < width; x++) {
      if (ch >= run->info->n_channels)
        ca[ch].data[x] = 0;
      else if (kind == 0)
        ca[ch].data[x] = x > 0 && rng_below (run->s, 4) ?
            ca[ch].data[x - 1] : extremes[rng_below (run->s,
                G_N_ELEMENTS (extremes))];
    }
    buf_copy (&cb[ch], &ca[ch]);
    pa[ch] = ca[ch].data;
    pb[ch] = cb[ch].data;
  }
  /* the fine coordinates too, half of the time */
  with_fine = rng_below (run->s, 2);
  for (ch = 0; ch < 3; ch++) {
    buf_init (&fa[ch], 2 * width, rng_below (run->s, 32) * 2, run->s);
    buf_copy (&fb[ch], &fa[ch]);
    qa[ch] = (guint16 *) fa[ch].data;
    qb[ch] = (guint16 *) fb[ch].data;
  }
  run->dsp->oklab (lab, pa, with_fine ? qa : NULL, width);
  if (run->ref) {
    run->ref->oklab (lab, pb, with_fine ? qb : NULL, width);
  } else {
    for (x = 0; x < width; x++) {
      guint8 in[3] = { pb[0][x], pb[1][x], pb[2][x] }, out[3];
      guint16 fine[3];

      kms_oklab_pixel_fine (lab, in, out, fine);
      for (ch = 0; ch < 3; ch++) {
        pb[ch][x] = out[ch];
        if (with_fine)
          qb[ch][x] = fine[ch];
      }
    }
  }
  for (ch = 0; ch < 3; ch++) {
    assert_same_buf (&ca[ch], &cb[ch], run->level, "oklab", "channel");
    assert_same_buf (&fa[ch], &fb[ch], run->level, "oklab", "fine");
    buf_clear (&ca[ch]);
    buf_clear (&cb[ch]);
    buf_clear (&fa[ch]);
    buf_clear (&fb[ch]);
  }
  record_compared (run->dsp, SLOT_OKLAB);
}

/* The dither contract in plain code: the nearest other colour not fixed
 * (ties to the lower index), painted where (thr - bias) 2 |d|^2 < 2 e.d s
 * with 2 e.d clamped to 0..|d|^2, the bias the margin towards the colour
 * @prev says was shown (-1: no previous) */
static guint8
plain_dither_pixel (const KmsAssignPalette * pal, const KmsDither * dither,
    const guint8 * px, guint l, guint8 thr, gint prev)
{
  guint32 best = G_MAXUINT32;
  guint j, other = pal->k;
  gint64 ed = 0, dd = 0, bias;
  guint ch;

  if (dither->fixed[l])
    return l;
  for (j = 0; j < pal->k; j++)
    if (j != l && !dither->fixed[j] && dist2 (pal, px, j) < best) {
      best = dist2 (pal, px, j);
      other = j;
    }
  if (other == pal->k)
    return l;
  for (ch = 0; ch < KMS_MAX_CHANNELS; ch++) {
    const gint64 e = (gint64) px[ch] - pal->c[ch][l];
    const gint64 d = (gint64) pal->c[ch][other] - pal->c[ch][l];

    ed += e * d;
    dd += d * d;
  }
  ed = CLAMP (2 * ed, 0, dd);
  bias = prev == (gint) other ? dither->margin : prev == (gint) l ?
      -dither->margin : 0;
  return ((gint64) thr - bias) * 2 * dd < ed * dither->strength ? other : l;
}

/* One dither row: a palette and pixels of a kind, the nearest labels (or,
 * a third of the time, any labels, as hysteresis may keep), some labels
 * fixed, a strength and a tile row; the level against the C level or the
 * plain code */
static void
run_dither (Run * run, guint kind, gint width)
{
  static const gint32 strengths[] = { 256, 256, 128, 1, 0, 255 };
  KmsAssignPalette pal;
  KmsDither dither;
  Buf c[3], lab, oa, ob, pa, pb;
  guint8 *pc[3], thr[KMS_DITHER_TILE];
  const guint any = rng_below (run->s, 3) == 0;
  const gboolean with_prev = rng_below (run->s, 2);
  guint i;
  gint x;

  for (i = 0; i < 3; i++) {
    buf_init (&c[i], width, rng_below (run->s, 64), run->s);
    pc[i] = c[i].data;
  }
  gen_palette_row (kind, run->k, run->info->n_channels, width, &pal, pc,
      run->s);
  buf_init (&lab, width, rng_below (run->s, 64), run->s);
  for (x = 0; x < width; x++) {
    const guint8 px[3] = { pc[0][x], pc[1][x], pc[2][x] };
    guint32 d;

    lab.data[x] = any ? rng_below (run->s, run->k) :
        plain_label (&pal, px, NULL, 0, &d);
  }
  dither.strength = rng_below (run->s, 2) ? 256 :
      strengths[rng_below (run->s, G_N_ELEMENTS (strengths))];
  for (i = 0; i < KMS_MAX_K; i++)
    dither.fixed[i] = rng_below (run->s, 8) == 0;
  for (i = 0; i < KMS_DITHER_TILE; i++)
    thr[i] = rng_below (run->s, 256);
  dither.margin = rng_below (run->s, 2) ? 32 : rng_below (run->s, 256);
  dither.dist = g_new (gint32, run->k * run->k);
  kms_dither_prepare (&pal, &dither);
  /* the last frame's: this frame's labels, their candidates, any */
  buf_init (&pa, width, rng_below (run->s, 64), run->s);
  for (x = 0; x < width; x++)
    if (rng_below (run->s, 2))
      pa.data[x] = lab.data[x];
    else if (rng_below (run->s, 4))
      pa.data[x] = rng_below (run->s, run->k);
  buf_copy (&pb, &pa);
  set_case ("%s, k %u, width %d, kind %u, %s labels, strength %d, "
      "margin %d%s", run->info->name, run->k, width, kind,
      any ? "any" : "nearest", dither.strength, dither.margin,
      with_prev ? ", previous" : "");
  buf_init (&oa, width, rng_below (run->s, 64), run->s);
  buf_copy (&ob, &oa);
  run->dsp->dither (&pal, &dither, (const guint8 * const *) pc, lab.data,
      thr, width, oa.data, with_prev ? pa.data : NULL);
  if (run->ref) {
    run->ref->dither (&pal, &dither, (const guint8 * const *) pc, lab.data,
        thr, width, ob.data, with_prev ? pb.data : NULL);
  } else {
    for (x = 0; x < width; x++) {
      const guint8 px[3] = { pc[0][x], pc[1][x], pc[2][x] };

      ob.data[x] = plain_dither_pixel (&pal, &dither, px, lab.data[x],
          thr[x % KMS_DITHER_TILE], with_prev ? pb.data[x] : -1);
      if (with_prev)
        pb.data[x] = ob.data[x];
    }
  }
  assert_same_buf (&oa, &ob, run->level, "dither", "labels");
  assert_same_buf (&pa, &pb, run->level, "dither", "previous labels");
  record_compared (run->dsp, SLOT_DITHER);
  for (i = 0; i < 3; i++)
    buf_clear (&c[i]);
  buf_clear (&lab);
  buf_clear (&oa);
  buf_clear (&ob);
  buf_clear (&pa);
  buf_clear (&pb);
  g_free (dither.dist);
}

static void
run_rows (Run * run, gint width, gint height)
{
  const KmsFormatInfo *info = run->info;
  const guint align = run->counter % 64;
  const guint fill = rng_below (run->s, 8) == 0 ? 1 + rng_below (run->s, 2) :
      0;
  const KmsMode mode = rng_below (run->s, 3);
  const gint g = info->v_group;
  TestFrame fa, fb;
  KmsPaint paint;
  guint8 *labels[2];
  gint y, r, x;
  guint ch;

  frame_init (&fa, info, width, height, align, fill, run->s);
  frame_copy (&fb, &fa, info->n_planes);
  set_case ("%s, k %u, %dx%d, strides %d/%d/%d, offset %u%s", info->name,
      run->k, width, height, fa.f.stride[0], fa.f.stride[1], fa.f.stride[2],
      align, fill ? (fill == 1 ? ", all 0" : ", all 255") : "");

  for (y = 0; y < height; y++) {
    Buf ca[3], cb[3];
    guint8 *pa[3], *pb[3];
    const gint step = rng_below (run->s, 2) ? 1 : 1 + rng_below (run->s, 8);
    const gint x0 = rng_below (run->s, width);
    const gint n = rng_below (run->s, 4) ? 1 + (width - 1 - x0) / step :
        1 + (gint) rng_below (run->s, 1 + (width - 1 - x0) / step);

    for (ch = 0; ch < 3; ch++) {
      buf_init (&ca[ch], width, (align + 5 * ch + y) % 64, run->s);
      buf_copy (&cb[ch], &ca[ch]);
      pa[ch] = ca[ch].data;
      pb[ch] = cb[ch].data;
    }
    run->dsp->rows.unpack (&fa.f, y, pa);
    if (run->ref)
      run->ref->rows.unpack (&fb.f, y, pb);
    else
      plain_unpack (&fb.f, y, pb);
    for (ch = 0; ch < 3; ch++)
      assert_same_buf (&ca[ch], &cb[ch], run->level, "unpack", "channel");
    record_compared (run->dsp, SLOT_UNPACK);

    run->dsp->rows.unpack_step (&fa.f, y, x0, step, n, pa);
    if (run->ref)
      run->ref->rows.unpack_step (&fb.f, y, x0, step, n, pb);
    else
      plain_unpack_step (&fb.f, y, x0, step, n, pb);
    for (ch = 0; ch < 3; ch++) {
      gchar *what = g_strdup_printf ("row %d, x0 %d, step %d, n %d: "
          "channel %u", y, x0, step, n, ch);

      assert_same_buf (&ca[ch], &cb[ch], run->level, "unpack_step", what);
      g_free (what);
      buf_clear (&ca[ch]);
      buf_clear (&cb[ch]);
    }
    record_compared (run->dsp, SLOT_UNPACK_STEP);
  }
  /* unpack reads only */
  assert_same_frame (&fa, &fb, info, run->level, "unpack");

  /* labels in runs, or alternating (majority ties), below k */
  gen_paint (info, &paint, mode, run->k, run->s);
  for (r = 0; r < 2; r++)
    labels[r] = g_malloc (width);
  for (y = 0; y < height; y += g) {
    const gint n_rows = MIN (g, height - y);
    const guint pattern = rng_below (run->s, 3);
    const guint8 la = rng_below (run->s, run->k);
    const guint8 lb = rng_below (run->s, run->k);
    guint8 cur = la;

    for (r = 0; r < 2; r++)
      for (x = 0; x < width; x++) {
        if (pattern == 0) {
          if (rng_below (run->s, 4) == 0)
            cur = rng_below (run->s, run->k);
          labels[r][x] = cur;
        } else if (pattern == 1) {
          labels[r][x] = (x + r * (pattern + (guint) y)) % 2 ? la : lb;
        } else {
          labels[r][x] = rng_below (run->s, run->k);
        }
      }
    run->dsp->rows.write (&fa.f, y, n_rows, labels, &paint);
    if (run->ref)
      run->ref->rows.write (&fb.f, y, n_rows, labels, &paint);
    else
      plain_write (&fb.f, y, n_rows, labels, &paint);
    set_case ("%s, k %u, %dx%d, rows %d..%d, %s, %u masked, offset %u",
        info->name, run->k, width, height, y, y + n_rows - 1,
        mode == KMS_MODE_POSTERIZE ? "posterize" : mode == KMS_MODE_ORIGINAL ?
        "original" : "labels", n_masked (&paint, run->k), align);
    assert_same_frame (&fa, &fb, info, run->level, "write");
    record_compared (run->dsp, SLOT_WRITE);
  }
  g_free (labels[0]);
  g_free (labels[1]);
  frame_clear (&fa, info->n_planes);
  frame_clear (&fb, info->n_planes);
}

/* ------------------------------------------------------------------ */

static const guint ks[] = {
  1, 2, 3, 7, 8, 9, 16, 20, 21, 33, 64, 65, 128, 200, 255, 256
};

/* Check asserts cost a pipe write each: the loops test first, and the
 * per-table asserts below run a few hundred times in all */

/* Frame cases per (format, k); the first one wide for a third of the ks
 * (a format's third in turn) */
#define CASES 6
#define WIDE 1000

static guint64
get_seed (void)
{
  const gchar *env = g_getenv ("KMEANSSEG_CHECKASM_SEED");

  if (env && *env)
    return g_ascii_strtoull (env, NULL, 0);
  return 0x6b6d65616e73ULL;
}

/* Every table kms_dsp_init() fills, any level this CPU runs: the kernels
 * that must all be compared */
static void
record_every_table (KmsCpuFlags cpu)
{
  guint l, f, i;

  for (l = 0; l < KMS_CPU_N_LEVELS; l++) {
    KmsCpuFlags flags;

    if (!(cpu & KMS_CPU_FLAG (l)))
      continue;
    ck_assert (kms_cpu_flags_from_string (kms_cpu_level_to_string (l),
            &flags, NULL));
    for (f = KMS_FORMAT_UNKNOWN + 1; f < KMS_FORMAT_LAST; f++)
      for (i = 1; i <= KMS_MAX_K; i++) {
        KmsDsp dsp;

        kms_dsp_init (&dsp, f, i, flags);
        if (dsp.level != l)
          ck_abort_msg ("%s, k %u: level %s for the flags of %s",
              kms_format_to_string (f), i,
              kms_cpu_level_to_string (dsp.level),
              kms_cpu_level_to_string (l));
        record_table (&dsp);
      }
  }
}

START_TEST (test_kernels)
{
  const KmsCpuFlags cpu = kms_cpu_get_flags ();
  guint64 s;
  guint l, f, ki, i, s_;

  seed = get_seed ();
  s = seed | 1;
  memset (slot_cases, 0, sizeof (slot_cases));
  memset (&data_seen, 0, sizeof (data_seen));
  n_seen = 0;
  ck_assert (cpu & KMS_CPU_FLAG (KMS_CPU_C));
  record_every_table (cpu);

  for (l = 0; l < KMS_CPU_N_LEVELS; l++) {
    const gchar *name = kms_cpu_level_to_string (l);
    KmsCpuFlags flags;
    KmsCpuLevel level;

    if (!(cpu & KMS_CPU_FLAG (l)))
      continue;
    ck_assert (kms_cpu_flags_from_string (name, &flags, &level));
    ck_assert_int_eq (level, l);
    /* the level and every one below it */
    ck_assert_uint_eq (flags & ~cpu, 0);
    ck_assert (flags & KMS_CPU_FLAG (KMS_CPU_C));

    for (f = KMS_FORMAT_UNKNOWN + 1; f < KMS_FORMAT_LAST; f++) {
      Run run = { 0, };

      run.format = f;
      run.info = kms_format_get_info (f);
      run.level = name;
      run.s = &s;
      for (ki = 0; ki < G_N_ELEMENTS (ks); ki++) {
        KmsDsp dsp, ref;

        kms_dsp_init (&dsp, f, ks[ki], flags);
        kms_dsp_init (&ref, f, ks[ki], KMS_CPU_FLAG (KMS_CPU_C));
        assert_known_members (f, ks[ki], flags);
        ck_assert_int_eq (dsp.level, l);
        ck_assert_int_eq (ref.level, KMS_CPU_C);
        ck_assert_uint_ge (dsp.cells_min_k, 1);
        ck_assert (dsp.rows.unpack && dsp.rows.unpack_step && dsp.rows.write);
        ck_assert (dsp.assign && dsp.smooth && dsp.oklab && dsp.nearest &&
            dsp.dither);
        ck_assert ((dsp.assign_paint != NULL) == (run.info->bpp == 4));
        ck_assert ((ref.assign_paint != NULL) == (run.info->bpp == 4));
        ck_assert ((dsp.assign_dither_paint != NULL) ==
            (run.info->bpp == 4));
        ck_assert (dsp.feather_sums && dsp.feather_weights);
        ck_assert ((dsp.feather_blend32 != NULL) == (run.info->bpp == 4));
        run.k = ks[ki];
        run.dsp = &dsp;
        /* the C level against the plain code, the others against it */
        run.ref = l == KMS_CPU_C ? NULL : &ref;

        for (i = 0; i < CASES; i++, run.counter++) {
          /* every width 1..70 for each format, the first case wide */
          const gboolean wide = i == 0 && (ki + f) % 3 == 0;
          const gint width = wide ? WIDE + (gint) rng_below (&s, 64) :
              1 + (gint) (run.narrow++ % 70);
          const gint height = wide ? (gint) run.info->v_group :
              1 + (gint) rng_below (&s, 4);
          const guint kind = (run.counter + ki) % PAL_N_KINDS;

          run_rows (&run, width, height);
          run_smooth (&run, width);
          run_oklab (&run, width);
          run_nearest (&run, width);
          run_dither (&run, kind, width);
          run_assign (&run, kind, width, FALSE);
          if (dsp.assign_paint)
            run_assign (&run, (kind + 3) % PAL_N_KINDS, width, TRUE);
          if (dsp.assign_dither_paint)
            run_assign_dither (&run, (kind + 5) % PAL_N_KINDS, width);
          run_feather_box (&run, width);
          run_feather_sums (&run, width);
          run_feather_weights (&run, width);
          if (dsp.feather_blend32)
            run_feather_blend (&run, width);
        }
      }
    }
  }

  /* What ran */
  for (l = 0; l < KMS_CPU_N_LEVELS; l++) {
    GString *line;

    if (!(cpu & KMS_CPU_FLAG (l)))
      continue;
    line = g_string_new (NULL);
    g_string_append_printf (line, "checkasm: level %s:",
        kms_cpu_level_to_string (l));
    for (s_ = 0; s_ < N_SLOTS; s_++)
      g_string_append_printf (line, "%s %s %" G_GUINT64_FORMAT,
          s_ ? "," : "", slot_names[s_], slot_cases[l][s_]);
    g_string_append_printf (line, " cases%s", l == KMS_CPU_C ?
        " (vs the plain code)" : " (vs level c)");
    g_print ("%s\n", line->str);
    g_string_free (line, TRUE);
    /* every level this CPU runs was exercised */
    ck_assert_msg (slot_cases[l][SLOT_ASSIGN] > 0 &&
        slot_cases[l][SLOT_UNPACK] > 0 && slot_cases[l][SLOT_WRITE] > 0 &&
        slot_cases[l][SLOT_ASSIGN_PAINT] > 0 &&
        slot_cases[l][SLOT_SMOOTH] > 0 && slot_cases[l][SLOT_OKLAB] > 0 &&
        slot_cases[l][SLOT_NEAREST] > 0 && slot_cases[l][SLOT_DITHER] > 0 &&
        slot_cases[l][SLOT_ASSIGN_DITHER_PAINT] > 0 &&
        slot_cases[l][SLOT_FEATHER_BOX] > 0 &&
        slot_cases[l][SLOT_FEATHER_SUMS] > 0 &&
        slot_cases[l][SLOT_FEATHER_WEIGHTS] > 0 &&
        slot_cases[l][SLOT_FEATHER_BLEND32] > 0,
        "level %s was not exercised", kms_cpu_level_to_string (l));
  }
  /* the data had what they were made for */
  g_print ("checkasm: assign data: %" G_GUINT64_FORMAT " pixels, %"
      G_GUINT64_FORMAT " colour ties, %" G_GUINT64_FORMAT " duplicate ties, %"
      G_GUINT64_FORMAT " far, %" G_GUINT64_FORMAT " kept by hysteresis, %"
      G_GUINT64_FORMAT " still blocks\n", data_seen.pixels,
      data_seen.color_ties, data_seen.dup_ties, data_seen.far, data_seen.kept,
      data_seen.still_blocks);
  ck_assert_uint_gt (data_seen.color_ties, 1000);
  ck_assert_uint_gt (data_seen.dup_ties, 1000);
  ck_assert_uint_gt (data_seen.far, 1000);
  ck_assert_uint_lt (data_seen.far, data_seen.pixels / 2);
  ck_assert_uint_gt (data_seen.kept, 1000);
  ck_assert_uint_gt (data_seen.still_blocks, 100);
  {
    guint n_funcs = 0;

    for (i = 0; i < n_seen; i++) {
      ck_assert_msg (seen[i].compared > 0, "level %s: the %s kernel %p of "
          "a table was never compared", kms_cpu_level_to_string
          (seen[i].level), slot_names[seen[i].slot], seen[i].func);
      n_funcs++;
    }
    g_print ("checkasm: %u distinct kernels (level, slot, function) "
        "compared, seed %" G_GUINT64_FORMAT "\n", n_funcs, seed);
  }
}

END_TEST;

static Suite *
checkasm_suite (void)
{
  Suite *s = suite_create ("checkasm");
  TCase *tc = tcase_create ("kernels");

  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_kernels);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (checkasm_suite ());
  int n_failed;

  srunner_run_all (sr, CK_NORMAL);
  n_failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_free (case_what);
  return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

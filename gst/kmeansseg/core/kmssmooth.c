/* kmeansseg: spatial smoothing of label maps (3x3 majority)
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

/* This file is compiled once per CPU level (see meson.build): KMS_SUFFIX
 * names its entry point, and the level's flags let the compiler vectorise
 * the loops for it. The labels written do not depend on the level.
 *
 * One pass of the 3x3 majority (mode) filter: a pixel takes the label that
 * most of the nine pixels of its 3x3 window hold, and keeps its own on a
 * tie with it; between other labels tied for the most, the lowest number
 * wins. Outside the map the edge pixels repeat.
 *
 * The centre holds 1 + s of the nine, s the neighbours that share its
 * label; another label holds at most 8 - s, which beats 1 + s only when
 * s <= 3. So most pixels are decided by counting s alone (a few byte
 * compares the vectoriser turns into vector compares), and only those
 * with s <= 3 (speckle and boundaries) look at the whole window.
 *
 * It lists the pixels it relabels, in order, each with its lead: how
 * many more of its neighbours hold the new label than its own (the new
 * label's count less 1 + s, plus 1), which the strength check weighs.
 *
 * The C level (KMS_PLAIN) is the reference: plain loops, not vectorised.
 * The others write the chunk out in the compiler's generic vectors (one
 * lane a pixel, a comparison's lanes all ones or zero), which every
 * level's instruction set carries: the count s, then for chunks with a
 * weak pixel each neighbour's count from its pairs and the best label,
 * a register's pixels at once (16, 32 with AVX2); the pixels relabelled
 * come out of a mask of the lanes that changed. */

#include <string.h>
#if defined (__SSE2__)
#include <immintrin.h>
#elif defined (__ARM_NEON)
#include <arm_neon.h>
#endif

#include "kmsdsp.h"

/* the C level: plain loops (meson.build) */
#ifndef KMS_PLAIN
#define KMS_PLAIN 0
#endif

#ifndef KMS_SUFFIX
#error "KMS_SUFFIX must be defined"
#endif

#define PASTE_(a, b) a ## b
#define PASTE(a, b) PASTE_ (a, b)

/* pixels the vector loop decides at once: a register of bytes (wider
 * generic vectors than the level's registers are not split in halves but
 * taken apart lane by lane) */
#if defined (__AVX2__)
#define CHUNK 32
#else
#define CHUNK 16
#endif

/* Another label of the window takes over from the best so far when it
 * holds more, or as many as a best that is not the centre's and it is a
 * lower number */
#define MAJORITY_STEP(v, n) G_STMT_START {                                  \
  const gboolean take = (n) > best_n ||                                     \
      ((n) == best_n && best != v4 && (v) < best);                           \
  best = take ? (v) : best;                                                 \
  best_n = take ? (n) : best_n;                                             \
} G_STMT_END

/* The majority of the nine labels v0..v8 (v4 the centre), with no branch:
 * each label's count from the 36 pairs, then the best in window order;
 * into @more, the new label's neighbours less the centre's own (0 when
 * it keeps its label) */
static inline __attribute__ ((always_inline)) guint8
majority9 (const guint8 v0, const guint8 v1, const guint8 v2,
    const guint8 v3, const guint8 v4, const guint8 v5, const guint8 v6,
    const guint8 v7, const guint8 v8, guint8 * more)
{
  const guint8 e01 = v0 == v1;
  const guint8 e02 = v0 == v2;
  const guint8 e03 = v0 == v3;
  const guint8 e04 = v0 == v4;
  const guint8 e05 = v0 == v5;
  const guint8 e06 = v0 == v6;
  const guint8 e07 = v0 == v7;
  const guint8 e08 = v0 == v8;
  const guint8 e12 = v1 == v2;
  const guint8 e13 = v1 == v3;
  const guint8 e14 = v1 == v4;
  const guint8 e15 = v1 == v5;
  const guint8 e16 = v1 == v6;
  const guint8 e17 = v1 == v7;
  const guint8 e18 = v1 == v8;
  const guint8 e23 = v2 == v3;
  const guint8 e24 = v2 == v4;
  const guint8 e25 = v2 == v5;
  const guint8 e26 = v2 == v6;
  const guint8 e27 = v2 == v7;
  const guint8 e28 = v2 == v8;
  const guint8 e34 = v3 == v4;
  const guint8 e35 = v3 == v5;
  const guint8 e36 = v3 == v6;
  const guint8 e37 = v3 == v7;
  const guint8 e38 = v3 == v8;
  const guint8 e45 = v4 == v5;
  const guint8 e46 = v4 == v6;
  const guint8 e47 = v4 == v7;
  const guint8 e48 = v4 == v8;
  const guint8 e56 = v5 == v6;
  const guint8 e57 = v5 == v7;
  const guint8 e58 = v5 == v8;
  const guint8 e67 = v6 == v7;
  const guint8 e68 = v6 == v8;
  const guint8 e78 = v7 == v8;
  const guint8 n0 = 1 + e01 + e02 + e03 + e04 + e05 + e06 + e07 + e08;
  const guint8 n1 = 1 + e01 + e12 + e13 + e14 + e15 + e16 + e17 + e18;
  const guint8 n2 = 1 + e02 + e12 + e23 + e24 + e25 + e26 + e27 + e28;
  const guint8 n3 = 1 + e03 + e13 + e23 + e34 + e35 + e36 + e37 + e38;
  const guint8 n4 = 1 + e04 + e14 + e24 + e34 + e45 + e46 + e47 + e48;
  const guint8 n5 = 1 + e05 + e15 + e25 + e35 + e45 + e56 + e57 + e58;
  const guint8 n6 = 1 + e06 + e16 + e26 + e36 + e46 + e56 + e67 + e68;
  const guint8 n7 = 1 + e07 + e17 + e27 + e37 + e47 + e57 + e67 + e78;
  const guint8 n8 = 1 + e08 + e18 + e28 + e38 + e48 + e58 + e68 + e78;
  guint8 best = v4, best_n = n4;

  MAJORITY_STEP (v0, n0);
  MAJORITY_STEP (v1, n1);
  MAJORITY_STEP (v2, n2);
  MAJORITY_STEP (v3, n3);
  MAJORITY_STEP (v5, n5);
  MAJORITY_STEP (v6, n6);
  MAJORITY_STEP (v7, n7);
  MAJORITY_STEP (v8, n8);
  /* best_n counts no centre when best is not its label */
  *more = best != v4 ? best_n + 1 - n4 : 0;
  return best;
}

/* Pixel x of the row, neighbours clamped to the row */
static inline guint8
smooth_pixel (const guint8 * a, const guint8 * c, const guint8 * b, gint x,
    gint width, guint8 * more)
{
  const gint l = MAX (x - 1, 0), r = MIN (x + 1, width - 1);

  return majority9 (a[l], a[x], a[r], c[l], c[x], c[r], b[l], b[x], b[r], more);
}

/* Pixel x (either end of the row, or any of a narrow one), listed when
 * relabelled */
static inline guint
smooth_edge (const guint8 * a, const guint8 * c, const guint8 * b, gint x,
    gint width, guint8 * __restrict dst, guint8 * __restrict more,
    guint32 * __restrict xs, guint n)
{
  dst[x] = smooth_pixel (a, c, b, x, width, &more[n]);
  if (dst[x] != c[x])
    xs[n++] = x;
  return n;
}

#if KMS_PLAIN

/* Pixels x0 .. x0 + CHUNK - 1 (all with both neighbours in the row); those
 * from x0 + from on listed when relabelled */
static inline guint
smooth_chunk (const guint8 * a, const guint8 * c, const guint8 * b,
    guint8 * __restrict dst, guint8 * __restrict more,
    guint32 * __restrict xs, guint n, gint x0, gint from)
{
  guint8 any = 0;
  gint i;

  /* most chunks: every pixel shares its label with 4 or more of its
   * neighbours, and keeps it */
  for (i = 0; i < CHUNK; i++) {
    const gint x = x0 + i;
    const guint8 v = c[x];
    const guint8 s = (a[x - 1] == v) + (a[x] == v) + (a[x + 1] == v) +
        (c[x - 1] == v) + (c[x + 1] == v) +
        (b[x - 1] == v) + (b[x] == v) + (b[x + 1] == v);

    any |= s < 4;
    dst[x] = v;
  }
  if (G_LIKELY (!any))
    return n;
  /* the others: the whole window */
  for (i = 0; i < CHUNK; i++) {
    const gint x = x0 + i;

    dst[x] = majority9 (a[x - 1], a[x], a[x + 1], c[x - 1], c[x],
        c[x + 1], b[x - 1], b[x], b[x + 1], &more[n]);
    if (dst[x] != c[x] && i >= from)
      xs[n++] = x;
  }
  return n;
}

#else

/* one lane a pixel; comparisons give all ones (-1) or zero */
typedef guint8 KmsU8v __attribute__ ((vector_size (CHUNK)));
typedef gint8 KmsS8v __attribute__ ((vector_size (CHUNK)));

/* (macros, not functions: a vector wider than the level's registers is
 * passed in memory, which gcc warns changes the ABI) */

/* @v from CHUNK bytes at @p */
#define LOAD_V(v, p) memcpy (&(v), (p), sizeof (v))

/* Where @take is set @v, else @old (lanes of @old's type) */
#define SELECT_V(take, v, old) \
  (((v) & (__typeof__ (old)) (take)) | ((old) & ~(__typeof__ (old)) (take)))

/* The lesser of each lane */
#define MIN_V(x, y) SELECT_V ((x) < (y), (x), (y))

/* Neighbour label @p where its count (1 - @nm) is the most, else 255 */
#define LOWEST(p, nm) ((p) | (KmsU8v) ~((nm) == best_nm))

/* The set lanes of @m as a mask, LANE_BITS bits a lane, lane i lowest
 * first: one instruction on x86 (a bit a lane), one narrowing shift on
 * NEON (four) */
#if defined (__AVX2__)
#define LANE_BITS 1
#define LANE_MASK(m) ((guint64) (guint32) _mm256_movemask_epi8 ((__m256i) (m)))
#elif defined (__SSE2__)
#define LANE_BITS 1
#define LANE_MASK(m) ((guint64) (guint32) _mm_movemask_epi8 ((__m128i) (m)))
#elif defined (__ARM_NEON)
#define LANE_BITS 4
#define LANE_MASK(m) vget_lane_u64 (vreinterpret_u64_u8 (vshrn_n_u16 \
        (vreinterpretq_u16_s8 ((int8x16_t) (m)), 4)), 0)
#else
#define LANE_BITS 1
#define LANE_MASK(m) __extension__ ({                                       \
  const KmsS8v m_ = (m);                                                    \
  lane_mask (&m_);                                                          \
})
static inline __attribute__ ((always_inline)) guint64
lane_mask (const KmsS8v * m)
{
  guint8 l[CHUNK];
  guint64 bits = 0;
  guint i;

  memcpy (l, m, sizeof (l));
  for (i = 0; i < CHUNK; i++)
    bits |= (guint64) (l[i] & 1) << i;
  return bits;
}
#endif

/* The lanes from @from on */
#define LANES_FROM(from) (~G_GUINT64_CONSTANT (0) << ((from) * LANE_BITS))

/* List the pixels of the chunk at @x0 whose lanes are set in @bits, with
 * their leads */
static inline __attribute__ ((always_inline)) guint
list_lanes (guint64 bits, const KmsS8v * lead, gint x0,
    guint8 * __restrict more, guint32 * __restrict xs, guint n)
{
  guint8 lv[CHUNK];

  memcpy (lv, lead, sizeof (lv));
  while (bits) {
    const guint i = (guint) __builtin_ctzll (bits) / LANE_BITS;

    xs[n] = x0 + i;
    more[n++] = lv[i];
    bits &= ~(((G_GUINT64_CONSTANT (1) << LANE_BITS) - 1) << (i * LANE_BITS));
  }
  return n;
}

/* Pixels x0 .. x0 + CHUNK - 1 (all with both neighbours in the row); those
 * from x0 + from on listed when relabelled */
static inline __attribute__ ((always_inline)) guint
smooth_chunk (const guint8 * a, const guint8 * c, const guint8 * b,
    guint8 * __restrict dst, guint8 * __restrict more,
    guint32 * __restrict xs, guint n, gint x0, gint from)
{
  KmsU8v v, p0, p1, p2, p3, p5, p6, p7, p8, best, other;
  KmsS8v m0, m1, m2, m3, m4, m5, m6, m7, m8, e, weak, best_nm, changed, lead;

  LOAD_V (v, c + x0);
  LOAD_V (p0, a + x0 - 1);
  LOAD_V (p1, a + x0);
  LOAD_V (p2, a + x0 + 1);
  LOAD_V (p3, c + x0 - 1);
  LOAD_V (p5, c + x0 + 1);
  LOAD_V (p6, b + x0 - 1);
  LOAD_V (p7, b + x0);
  LOAD_V (p8, b + x0 + 1);
  /* each neighbour's pair with the centre */
  m0 = p0 == v;
  m1 = p1 == v;
  m2 = p2 == v;
  m3 = p3 == v;
  m5 = p5 == v;
  m6 = p6 == v;
  m7 = p7 == v;
  m8 = p8 == v;
  /* -s, the neighbours that share the centre's label */
  m4 = m0 + m1 + m2 + m3 + m5 + m6 + m7 + m8;
  /* most chunks: every pixel shares its label with 4 or more of its
   * neighbours, and keeps it */
  weak = m4 > -4;
  if (G_LIKELY (!LANE_MASK (weak))) {
    memcpy (dst + x0, &v, sizeof (v));
    return n;
  }
  /* most weak pixels see two labels, their own and one other: that other
   * holds the 8 - s neighbours not theirs, more than their own 1 + s, and
   * takes them (leading by 8 - 2 s) */
  other = p8;
  other = SELECT_V (m7, other, p7);
  other = SELECT_V (m6, other, p6);
  other = SELECT_V (m5, other, p5);
  other = SELECT_V (m3, other, p3);
  other = SELECT_V (m2, other, p2);
  other = SELECT_V (m1, other, p1);
  other = SELECT_V (m0, other, p0);
  e = ((p0 == other) | m0) & ((p1 == other) | m1) & ((p2 == other) | m2) &
      ((p3 == other) | m3) & ((p5 == other) | m5) & ((p6 == other) | m6) &
      ((p7 == other) | m7) & ((p8 == other) | m8);
  if (!LANE_MASK (weak & ~e)) {
    best = SELECT_V (weak, other, v);
    memcpy (dst + x0, &best, sizeof (best));
    lead = m4 + m4 + 8;
    return list_lanes (LANE_MASK (weak) & LANES_FROM (from), &lead, x0,
        more, xs, n);
  }
  /* the others: every neighbour's count from its pairs with the other
   * seven (mj = 1 - nj counts its own label once, the centre's pair
   * already in) */
#define PAIR(i, j) G_STMT_START { e = p##i == p##j; m##i += e; m##j += e; \
  } G_STMT_END
  PAIR (0, 1);
  PAIR (0, 2);
  PAIR (0, 3);
  PAIR (0, 5);
  PAIR (0, 6);
  PAIR (0, 7);
  PAIR (0, 8);
  PAIR (1, 2);
  PAIR (1, 3);
  PAIR (1, 5);
  PAIR (1, 6);
  PAIR (1, 7);
  PAIR (1, 8);
  PAIR (2, 3);
  PAIR (2, 5);
  PAIR (2, 6);
  PAIR (2, 7);
  PAIR (2, 8);
  PAIR (3, 5);
  PAIR (3, 6);
  PAIR (3, 7);
  PAIR (3, 8);
  PAIR (5, 6);
  PAIR (5, 7);
  PAIR (5, 8);
  PAIR (6, 7);
  PAIR (6, 8);
  PAIR (7, 8);
#undef PAIR
  /* the most any neighbour's label holds (the least mj), and the lowest
   * label that holds it */
  best_nm = MIN_V (MIN_V (MIN_V (m0, m1), MIN_V (m2, m3)),
      MIN_V (MIN_V (m5, m6), MIN_V (m7, m8)));
  best = MIN_V (MIN_V (MIN_V (LOWEST (p0, m0), LOWEST (p1, m1)),
          MIN_V (LOWEST (p2, m2), LOWEST (p3, m3))),
      MIN_V (MIN_V (LOWEST (p5, m5), LOWEST (p6, m6)),
          MIN_V (LOWEST (p7, m7), LOWEST (p8, m8))));
  /* it takes the pixel when it holds more than the centre's label (which
   * it then is not) */
  changed = best_nm < m4;
  best = SELECT_V (changed, best, v);
  memcpy (dst + x0, &best, sizeof (best));
  /* the lead: the new label's count less the centre's, plus 1 */
  lead = m4 - best_nm + 1;
  return list_lanes (LANE_MASK (changed) & LANES_FROM (from), &lead, x0,
      more, xs, n);
}

#endif

guint PASTE (kms_smooth_row_, KMS_SUFFIX) (const guint8 * a, const guint8 * c,
    const guint8 * b, guint8 * __restrict dst, guint8 * __restrict more,
    guint32 * __restrict xs, gint width)
{
  guint n = 0;
  gint x0, x;

  if (width <= 0)
    return 0;
  if (width < CHUNK + 2) {
    for (x = 0; x < width; x++)
      n = smooth_edge (a, c, b, x, width, dst, more, xs, n);
    return n;
  }
  n = smooth_edge (a, c, b, 0, width, dst, more, xs, n);
  for (x0 = 1; x0 + CHUNK < width; x0 += CHUNK)
    n = smooth_chunk (a, c, b, dst, more, xs, n, x0, 0);
  /* the rest: the last chunk again, overlapping (each pixel's label
   * depends on the source only), listing only the pixels not done */
  if (x0 < width - 1)
    n = smooth_chunk (a, c, b, dst, more, xs, n, width - 1 - CHUNK,
        x0 - (width - 1 - CHUNK));
  return smooth_edge (a, c, b, width - 1, width, dst, more, xs, n);
}

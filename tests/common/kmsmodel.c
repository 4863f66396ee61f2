/* kmeansseg tests: models of the documented behaviour
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

#include "kmsmodel.h"

void
model_mask_choice (gint cluster, const guint8 * cluster_bits, gint32 key,
    guint key_count, gboolean invert, gboolean labels,
    const guint8 (*pal)[3], guint k, gboolean * masked)
{
  gboolean any = FALSE, taken[256] = { FALSE, };
  guint c, i, ch;

  g_assert (k <= G_N_ELEMENTS (taken));
  for (c = 0; c < k; c++)
    masked[c] = (gint) c == cluster || ((cluster_bits[c / 8] >> (c % 8)) & 1);
  if (key >= 0) {
    const gint kc[3] = { (key >> 16) & 0xff, (key >> 8) & 0xff, key & 0xff };

    for (i = 0; i < MIN (MAX (key_count, 1), k); i++) {
      guint best = k;
      guint32 bd = 0;

      for (c = 0; c < k; c++) {
        guint32 d = 0;

        for (ch = 0; ch < 3; ch++)
          d += (guint32) ((pal[c][ch] - kc[ch]) * (pal[c][ch] - kc[ch]));
        if (!taken[c] && (best == k || d < bd)) {
          best = c;
          bd = d;
        }
      }
      taken[best] = masked[best] = TRUE;
    }
  }
  for (c = 0; c < k; c++)
    any |= masked[c];
  for (c = 0; c < k; c++) {
    if (invert && any)
      masked[c] = !masked[c];
    if (labels)
      masked[c] = FALSE;
  }
}

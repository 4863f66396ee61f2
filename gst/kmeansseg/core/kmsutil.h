/* kmeansseg: small helpers shared inside the core
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


#ifndef __KMS_UTIL_H__
#define __KMS_UTIL_H__

#include <glib.h>

G_BEGIN_DECLS

/* Threads (bands of rows) a frame is split into, at most */
#define KMS_MAX_THREADS 64

/* Scratch that only grows: @mem when @need elements of @elem bytes fit in
 * *alloc, else a new block with headroom (the old one freed, its contents
 * dropped) */
static inline gpointer
kms_grow (gpointer mem, gsize * alloc, gsize need, gsize elem)
{
  if (need <= *alloc)
    return mem;
  /* Grow with headroom so a slowly growing need doesn't realloc often */
  need += need / 4;
  g_free (mem);
  *alloc = need;
  return g_malloc_n (need, elem);
}

/* (Re)allocate @n row buffers of @width bytes, their contents dropped */
static inline void
kms_realloc_rows (guint8 ** rows, guint n, gint width)
{
  guint i;

  for (i = 0; i < n; i++) {
    g_free (rows[i]);
    rows[i] = g_malloc (width);
  }
}

G_END_DECLS

#endif /* __KMS_UTIL_H__ */

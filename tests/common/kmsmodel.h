/* kmeansseg tests: models of the documented behaviour, shared by the core
 * tests and the fuzz targets (GLib only, no other test helper)
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

#ifndef __KMS_MODEL_H__
#define __KMS_MODEL_H__

#include <glib.h>

G_BEGIN_DECLS

/* The clusters of @k RGB colours @pal that the mask settings choose,
 * written from their documentation: @cluster (-1 none), the bits below k
 * of @cluster_bits (cluster c: bit c % 8 of byte c / 8), the @key_count
 * colours nearest @key (0xRRGGBB, -1 none; squared RGB distance, ties to
 * the lower number); all the others instead when @invert and any was
 * chosen; none in labels mode (@labels). Sets masked[0..k-1]. */
void model_mask_choice (gint cluster, const guint8 * cluster_bits,
    gint32 key, guint key_count, gboolean invert, gboolean labels,
    const guint8 (*pal)[3], guint k, gboolean * masked);

G_END_DECLS

#endif /* __KMS_MODEL_H__ */

/* kmeansseg: the threshold tiles of ordered dithering (internal to the core)
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


#ifndef __KMS_THRESHOLD_H__
#define __KMS_THRESHOLD_H__

#include "kmsdsp.h"

G_BEGIN_DECLS

/* A KMS_DITHER_TILE x KMS_DITHER_TILE tile (row-major) of thresholds
 * 0..255: the 16x16 Bayer matrix repeated (each level once per 16x16) */
void kms_threshold_bayer (guint8 * tile);

/* The same, blue noise: void-and-cluster ranks (a Gaussian of sigma 1.5
 * on the torus, integer energies, a fixed seed; kmsbluenoisegen.c, run at
 * build time), the same tile in every build; each level 16 times. A copy
 * of the built table. */
void kms_threshold_blue_noise (guint8 * tile);

G_END_DECLS

#endif /* __KMS_THRESHOLD_H__ */

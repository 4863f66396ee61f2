/* kmeansseg: CPU levels: names, forcing one
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


#include <string.h>

#include "kmscore.h"
#include "kmsdsp.h"

static const gchar *const level_names[KMS_CPU_N_LEVELS] = {
  [KMS_CPU_C] = "c",
  [KMS_CPU_V2] = "v2",
  [KMS_CPU_V3] = "v3",
  [KMS_CPU_AVX512] = "avx512",
  [KMS_CPU_NEON] = "neon",
};

KmsCpuFlags
kms_cpu_get_flags (void)
{
  return kms_cpu_detect ();
}

KmsCpuLevel
kms_cpu_flags_best (KmsCpuFlags flags)
{
  gint l;

  for (l = KMS_CPU_N_LEVELS - 1; l > KMS_CPU_C; l--)
    if (flags & KMS_CPU_FLAG (l))
      return (KmsCpuLevel) l;
  return KMS_CPU_C;
}

const gchar *
kms_cpu_level_to_string (KmsCpuLevel level)
{
  return (guint) level < KMS_CPU_N_LEVELS ? level_names[level] : "unknown";
}

gboolean
kms_cpu_flags_from_string (const gchar * name, KmsCpuFlags * flags,
    KmsCpuLevel * level)
{
  /* each level and the ones below it on its architecture */
  static const struct
  {
    const gchar *name;
    KmsCpuLevel level;
    KmsCpuFlags flags;
  } names[] = {
    {"c", KMS_CPU_C, KMS_CPU_FLAG (KMS_CPU_C)},
    {"v2", KMS_CPU_V2, KMS_CPU_FLAG (KMS_CPU_C) | KMS_CPU_FLAG (KMS_CPU_V2)},
    {"v3", KMS_CPU_V3, KMS_CPU_FLAG (KMS_CPU_C) | KMS_CPU_FLAG (KMS_CPU_V2) |
          KMS_CPU_FLAG (KMS_CPU_V3)},
    {"avx2", KMS_CPU_V3, KMS_CPU_FLAG (KMS_CPU_C) | KMS_CPU_FLAG (KMS_CPU_V2) |
          KMS_CPU_FLAG (KMS_CPU_V3)},
    {"avx512", KMS_CPU_AVX512, KMS_CPU_FLAG (KMS_CPU_C) |
          KMS_CPU_FLAG (KMS_CPU_V2) | KMS_CPU_FLAG (KMS_CPU_V3) |
          KMS_CPU_FLAG (KMS_CPU_AVX512)},
    {"neon", KMS_CPU_NEON, KMS_CPU_FLAG (KMS_CPU_C) |
          KMS_CPU_FLAG (KMS_CPU_NEON)},
  };
  guint i;

  for (i = 0; name && i < G_N_ELEMENTS (names); i++) {
    if (g_ascii_strcasecmp (name, names[i].name) == 0) {
      if (flags)
        *flags = names[i].flags;
      if (level)
        *level = names[i].level;
      return TRUE;
    }
  }
  return FALSE;
}

/* kmeansseg: a small pool of worker threads (internal to the core)
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

#ifndef __KMS_POOL_H__
#define __KMS_POOL_H__

#include <glib.h>

G_BEGIN_DECLS

/* Runs task i of a job on thread i (the caller is thread 0). The threads
 * live as long as the pool and wait on a condition between jobs (awake
 * for a moment after one, and after kms_pool_wake()), so a job allocates
 * nothing and creates no thread. */
typedef struct _KmsPool KmsPool;
typedef void (*KmsPoolFunc) (gpointer data, guint task);

/* A pool of @n_threads, the caller included (so n_threads - 1 workers) */
KmsPool *kms_pool_new (guint n_threads);
guint kms_pool_get_n_threads (KmsPool * pool);
/* Wake the workers now, to wait awake for a job for up to @us
 * microseconds (the caller has a job for them soon: a frame) */
void kms_pool_wake (KmsPool * pool, guint us);
/* Run func (data, 0..n_threads-1) and return when all have returned */
void kms_pool_run (KmsPool * pool, KmsPoolFunc func, gpointer data);
void kms_pool_free (KmsPool * pool);

G_END_DECLS

#endif /* __KMS_POOL_H__ */

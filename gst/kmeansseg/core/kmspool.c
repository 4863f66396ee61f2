/* kmeansseg: a small pool of worker threads
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

/* GLib's GThreadPool would do, but it allocates a queue node per pushed
 * task; this pool hands out a job through one generation counter under one
 * mutex instead, and nothing is allocated per frame. */

#include "kmspool.h"

typedef struct
{
  KmsPool *pool;
  guint index;
  GThread *thread;
} KmsWorker;

struct _KmsPool
{
  GMutex lock;
  GCond start;                  /* a new generation, or quit */
  GCond done;                   /* pending reached 0 */
  guint64 generation;
  guint pending;
  gboolean quit;
  KmsPoolFunc func;
  gpointer data;

  guint n_threads;
  KmsWorker *workers;           /* n_threads - 1 */
};

static gpointer
worker_main (gpointer user_data)
{
  KmsWorker *w = user_data;
  KmsPool *pool = w->pool;
  guint64 seen = 0;

  g_mutex_lock (&pool->lock);
  for (;;) {
    while (pool->generation == seen && !pool->quit)
      g_cond_wait (&pool->start, &pool->lock);
    if (pool->quit)
      break;
    seen = pool->generation;
    g_mutex_unlock (&pool->lock);

    pool->func (pool->data, w->index);

    g_mutex_lock (&pool->lock);
    if (--pool->pending == 0)
      g_cond_signal (&pool->done);
  }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

KmsPool *
kms_pool_new (guint n_threads)
{
  KmsPool *pool = g_new0 (KmsPool, 1);
  guint i;

  g_mutex_init (&pool->lock);
  g_cond_init (&pool->start);
  g_cond_init (&pool->done);
  pool->n_threads = MAX (n_threads, 1);
  pool->workers = g_new0 (KmsWorker, pool->n_threads - 1);
  for (i = 0; i + 1 < pool->n_threads; i++) {
    KmsWorker *w = &pool->workers[i];

    w->pool = pool;
    w->index = i + 1;
    w->thread = g_thread_new ("kmeansseg-worker", worker_main, w);
  }
  return pool;
}

guint
kms_pool_get_n_threads (KmsPool * pool)
{
  return pool->n_threads;
}

void
kms_pool_run (KmsPool * pool, KmsPoolFunc func, gpointer data)
{
  if (pool->n_threads > 1) {
    g_mutex_lock (&pool->lock);
    pool->func = func;
    pool->data = data;
    pool->pending = pool->n_threads - 1;
    pool->generation++;
    g_cond_broadcast (&pool->start);
    g_mutex_unlock (&pool->lock);
  }

  func (data, 0);

  if (pool->n_threads > 1) {
    g_mutex_lock (&pool->lock);
    while (pool->pending > 0)
      g_cond_wait (&pool->done, &pool->lock);
    g_mutex_unlock (&pool->lock);
  }
}

void
kms_pool_free (KmsPool * pool)
{
  guint i;

  if (!pool)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->start);
  g_mutex_unlock (&pool->lock);
  for (i = 0; i + 1 < pool->n_threads; i++)
    g_thread_join (pool->workers[i].thread);
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->start);
  g_cond_clear (&pool->done);
  g_free (pool);
}

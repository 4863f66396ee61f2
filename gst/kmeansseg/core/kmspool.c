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
 * task; this pool hands out a job through one job counter under one mutex
 * instead, and nothing is allocated per frame. */

#include "kmspool.h"

/* A worker done with a job waits this long awake for the next one of the
 * frame (a frame's steps come one after the other), and the caller this
 * long for the workers to finish, before they sleep on a condition: a
 * sleeping thread takes tens of microseconds to wake, as long as a band of
 * a small frame takes to run */
#define KMS_POOL_LINGER_US 200

static inline void
spin_pause (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

typedef struct
{
  KmsPool *pool;
  guint index;
  GThread *thread;
} KmsWorker;

struct _KmsPool
{
  GMutex lock;
  GCond start;                  /* a new job, a wake-up, or quit */
  GCond done;                   /* pending reached 0 */
  gint job;                     /* the job's number (atomic) */
  gint pending;                 /* workers still on it (atomic) */
  guint wake;                   /* the wake-up's number */
  gint64 awake_until;           /* woken up: awake till then */
  gboolean quit;
  KmsPoolFunc func;
  gpointer data;

  guint n_threads;
  KmsWorker *workers;           /* n_threads - 1 */
};

/* Until job @seen is over or the monotonic clock passes @until */
static void
spin_while_job (KmsPool * pool, gint seen, gint64 until)
{
  guint n = 0;

  while (g_atomic_int_get (&pool->job) == seen) {
    spin_pause ();
    /* (the clock now and then) */
    if (++n % 64 == 0 && g_get_monotonic_time () >= until)
      break;
  }
}

static gpointer
worker_main (gpointer user_data)
{
  KmsWorker *w = user_data;
  KmsPool *pool = w->pool;
  gint seen = 0;
  guint seen_wake = 0;
  gint64 linger = 0;

  g_mutex_lock (&pool->lock);
  for (;;) {
    /* awake a while after a job or a wake-up, then asleep */
    if (g_atomic_int_get (&pool->job) == seen && !pool->quit) {
      gint64 until = MAX (linger, pool->awake_until);

      seen_wake = pool->wake;
      if (g_get_monotonic_time () < until) {
        g_mutex_unlock (&pool->lock);
        spin_while_job (pool, seen, until);
        g_mutex_lock (&pool->lock);
      }
    }
    while (g_atomic_int_get (&pool->job) == seen && pool->wake == seen_wake &&
        !pool->quit)
      g_cond_wait (&pool->start, &pool->lock);
    if (pool->quit)
      break;
    if (g_atomic_int_get (&pool->job) == seen)
      continue;                 /* a wake-up: awake for a while */
    seen = g_atomic_int_get (&pool->job);
    g_mutex_unlock (&pool->lock);

    pool->func (pool->data, w->index);
    linger = g_get_monotonic_time () + KMS_POOL_LINGER_US;

    g_mutex_lock (&pool->lock);
    if (g_atomic_int_dec_and_test (&pool->pending))
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

void
kms_pool_wake (KmsPool * pool, guint us)
{
  if (pool->n_threads < 2)
    return;
  g_mutex_lock (&pool->lock);
  pool->awake_until = g_get_monotonic_time () + us;
  pool->wake++;
  g_cond_broadcast (&pool->start);
  g_mutex_unlock (&pool->lock);
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
    g_atomic_int_set (&pool->pending, (gint) pool->n_threads - 1);
    /* (a worker awake sees the new number at once) */
    g_atomic_int_inc (&pool->job);
    g_cond_broadcast (&pool->start);
    g_mutex_unlock (&pool->lock);
  }

  func (data, 0);

  if (pool->n_threads > 1) {
    const gint64 until = g_get_monotonic_time () + KMS_POOL_LINGER_US;
    guint n = 0;

    while (g_atomic_int_get (&pool->pending) > 0) {
      spin_pause ();
      if (++n % 64 == 0 && g_get_monotonic_time () >= until)
        break;
    }
    g_mutex_lock (&pool->lock);
    while (g_atomic_int_get (&pool->pending) > 0)
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

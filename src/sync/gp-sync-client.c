/* gp-sync-client.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-error.h"
#include "gp-schema.h"
#include "gp-store-sync.h"
#include "gp-sync-client.h"
#include "gp-sync-private.h"

/* GpSyncClient drives one sync run at a time, all on the main thread with libsoup async
 * I/O; parsing and applying what arrives, and collecting what leaves, are store commands on
 * the store thread:
 *
 *   read meta ─► pull page ─► apply page (+ cursor) ─► … last page (last_pulled_at) ─►
 *   collect batch (push_id) ─► push ─► mark pushed ─► collect … nothing left ─► idle
 *                                 └─ 409: pull again and retry, at most three times
 *
 * Runs start at start-up, a few seconds after local edits, every "interval" seconds, when
 * the network comes back, and on gp_sync_client_sync_now(). A failed run is retried after
 * an exponential backoff with jitter; a 401 first tries to renew the session, then signs out
 * (keeping every local change). */

#define DEFAULT_INTERVAL_S   300
#define DEFAULT_DEBOUNCE_MS  3000
#define DEFAULT_RETRY_MS     2000
#define MAX_RETRY_MS         (10 * 60 * 1000)
#define DEFAULT_PAGE_SIZE    5000
#define DEFAULT_PUSH_BATCH   1000
#define MAX_CONFLICT_RETRIES 3

struct _GpSyncClient
{
  GObject parent_instance;

  /* Owned */
  GpStore *store;
  GpAccount *account;
  GpSyncStatus *status;
  SoupSession *session;
  GCancellable *cancellable;
  GNetworkMonitor *monitor;
  GPtrArray *waiters;          /* GTasks for the next run */
  GPtrArray *running_waiters;  /* GTasks for the current run */

  guint interval;
  guint debounce_ms;
  guint retry_ms;
  guint page_size;
  guint push_batch;

  guint periodic_id;
  guint debounce_id;
  guint retry_id;
  gulong changed_id;
  gulong network_id;

  guint failures;
  guint running : 1;
  guint started : 1;
  guint changed_during_run : 1;
};

G_DEFINE_FINAL_TYPE (GpSyncClient, gp_sync_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_ACCOUNT,
  PROP_STATUS,
  PROP_INTERVAL,
  PROP_DEBOUNCE,
  PROP_RETRY_DELAY,
  PROP_PAGE_SIZE,
  PROP_PUSH_BATCH_SIZE,
  N_PROPS,
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_run (GpSyncClient *self);

/* One run ------------------------------------------------------------------------------------ */

/* The next page of a paged pull, requested while the store applies this one: the cursor is
 * read from the end of the page (where the server writes it) before the store parses the
 * page, so fetching and applying overlap. It is only a guess until the store has parsed the
 * page: a prefetch whose cursor turns out different is dropped and the page fetched again. */
typedef struct
{
  GTask *task;                 /* owned while the request is out and still wanted */
  char *cursor;
  GCancellable *cancellable;
  GCancellable *run_cancellable;   /* the run's; cancelling it cancels the prefetch */
  gulong run_cancelled_id;
  GBytes *body;
  GError *error;
  guint status;
  gboolean done;
  gboolean abandoned;
} Prefetch;

static void
prefetch_clear (Prefetch *p)
{
  g_clear_object (&p->task);
  g_free (p->cursor);
  if (p->run_cancelled_id != 0)
    g_cancellable_disconnect (p->run_cancellable, p->run_cancelled_id);
  g_clear_object (&p->run_cancellable);
  g_clear_object (&p->cancellable);
  g_clear_pointer (&p->body, g_bytes_unref);
  g_clear_error (&p->error);
}

static void
prefetch_unref (Prefetch *p)
{
  g_rc_box_release_full (p, (GDestroyNotify)prefetch_clear);
}

typedef struct
{
  GpSyncClient *self;          /* borrowed; the run holds a ref via the task source */
  Prefetch *prefetch;          /* nullable: the next page, already asked for */
  gboolean waiting_for_prefetch;
  gint64 stored_last_pulled_at;
  gint64 last_pulled_at;       /* the one pull requests are made with */
  char *cursor;
  guint64 received;
  guint64 total;
  guint pushed;
  guint to_push;
  guint conflict_retries;
  gboolean refreshed;
  gboolean cursor_retried;
} Run;

/* Drops the prefetched page (or the request for it). */
static void
abandon_prefetch (Run *run)
{
  Prefetch *p = g_steal_pointer (&run->prefetch);

  run->waiting_for_prefetch = FALSE;
  if (p == NULL)
    return;
  p->abandoned = TRUE;
  /* Let go of the run at once: a request on its way out must not keep the client (and its
   * store) alive after the run is over. */
  g_clear_object (&p->task);
  if (!p->done)
    g_cancellable_cancel (p->cancellable);
  prefetch_unref (p);
}

static void
run_free (Run *run)
{
  abandon_prefetch (run);
  g_free (run->cursor);
  g_free (run);
}

static void run_pull (GTask *task);
static void run_collect (GTask *task);

static void
run_fail (GTask  *task,
          GError *error)
{
  abandon_prefetch (g_task_get_task_data (task));
  g_task_return_error (task, error);
}

static void
refresh_counts (GpSyncClient *self)
{
  gp_sync_status_set_pending_count (self->status, gp_store_get_pending_count (self->store));
  gp_sync_status_set_conflict_count (self->status, gp_store_get_conflict_count (self->store));
}

static SoupMessage *
new_message (GpSyncClient *self,
             const char   *method,
             const char   *path_and_query)
{
  g_autofree char *uri = gp_account_build_uri (self->account, path_and_query);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", gp_account_get_token (self->account));
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  return msg;
}

/* Reads the body of an answer; on failure returns NULL with a sentence for the user. */
static GBytes *
finish_request (SoupSession   *session,
                GAsyncResult  *result,
                guint         *status,
                GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (session, result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (session, result, &local_error);

  *status = msg ? soup_message_get_status (msg) : 0;
  if (body == NULL)
    {
      *error = _gp_http_error_from_transport (local_error);
      return NULL;
    }
  return g_steal_pointer (&body);
}

static void
refreshed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!gp_account_refresh_finish (GP_ACCOUNT (object), result, &error))
    {
      run_fail (task, error);
      return;
    }

  /* Start over with the new token; page applies and pushes are idempotent. */
  g_clear_pointer (&run->cursor, g_free);
  run_pull (task);
}

/* A 401 gets one attempt to renew the session before it counts. */
static gboolean
handle_unauthorized (GTask *task,
                     guint  status)
{
  Run *run = g_task_get_task_data (task);

  if (status != SOUP_STATUS_UNAUTHORIZED || run->refreshed)
    return FALSE;

  run->refreshed = TRUE;
  gp_account_refresh_async (run->self->account, g_task_get_cancellable (task),
                            refreshed_cb, g_object_ref (task));
  return TRUE;
}

/* Pull --------------------------------------------------------------------------------------- */

static void handle_pulled (GTask  *task,
                           GBytes *body,
                           guint   status,
                           GError *error);

static void
applied_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GpPullOutcome) outcome = gp_store_sync_apply_pull_finish (GP_STORE (object), result, &error);

  if (outcome == NULL)
    {
      run_fail (task, error);
      return;
    }

  run->received += outcome->n_records;
  if (outcome->n_total > 0)
    run->total = outcome->n_total;
  gp_sync_status_set_receiving (run->self->status, run->received, MAX (run->total, run->received));
  refresh_counts (run->self);

  g_free (run->cursor);
  run->cursor = g_steal_pointer (&outcome->next_cursor);
  if (run->cursor != NULL)
    {
      Prefetch *p = run->prefetch;

      if (p != NULL && g_str_equal (p->cursor, run->cursor))
        {
          /* The next page is here already, or on its way. */
          if (p->done)
            {
              g_autoptr(GBytes) body = g_steal_pointer (&p->body);
              GError *next_error = g_steal_pointer (&p->error);
              guint status = p->status;

              g_clear_pointer (&run->prefetch, prefetch_unref);
              handle_pulled (task, body, status, next_error);
            }
          else
            run->waiting_for_prefetch = TRUE;
          return;
        }
      run_pull (task);
      return;
    }

  abandon_prefetch (run);

  run->last_pulled_at = outcome->timestamp;
  run->stored_last_pulled_at = outcome->timestamp;
  run_collect (task);
}

static void prefetch_next (GTask  *task,
                           GBytes *page);

/* What came back for a pull (from run_pull or a prefetch): applied, or the run goes on to a
 * session refresh, a restart of the pull, or an error. */
static void
handle_pulled (GTask  *task,
               GBytes *body,
               guint   status,
               GError *error)
{
  Run *run = g_task_get_task_data (task);
  GpSyncClient *self = run->self;

  if (body == NULL)
    {
      run_fail (task, error);
      return;
    }

  if (handle_unauthorized (task, status))
    return;

  if (status == SOUP_STATUS_BAD_REQUEST && run->cursor != NULL && !run->cursor_retried)
    {
      /* The server no longer knows the saved cursor (restarted, or a different server):
       * start the pull over. Applying pages again is harmless. */
      g_debug ("Pull cursor refused; starting the pull over");
      run->cursor_retried = TRUE;
      g_clear_pointer (&run->cursor, g_free);
      run->last_pulled_at = run->stored_last_pulled_at;
      run_pull (task);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      run_fail (task, _gp_http_error_from_status (status, body));
      return;
    }

  prefetch_next (task, body);
  gp_store_sync_apply_pull_async (self->store, body, run->last_pulled_at,
                                  g_task_get_cancellable (task), applied_cb, g_object_ref (task));
}

static void
pulled_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(GBytes) body = finish_request (SOUP_SESSION (object), result, &status, &error);

  handle_pulled (task, body, status, error);
}

static void
prefetched_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Prefetch *p = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&p->task);
  Run *run = task != NULL ? g_task_get_task_data (task) : NULL;

  p->body = finish_request (SOUP_SESSION (object), result, &p->status, &p->error);
  p->done = TRUE;
  if (run != NULL && !p->abandoned && run->prefetch == p && run->waiting_for_prefetch)
    {
      g_autoptr(GBytes) body = g_steal_pointer (&p->body);
      GError *error = g_steal_pointer (&p->error);
      guint status = p->status;

      run->waiting_for_prefetch = FALSE;
      g_clear_pointer (&run->prefetch, prefetch_unref);
      handle_pulled (task, body, status, error);
    }
  prefetch_unref (p);
}

/* The value of the last "next_cursor" member near the end of @page, if it is a plain
 * string; NULL otherwise (no next page, or a server that puts it elsewhere). */
static char *
guess_next_cursor (GBytes *page)
{
  static const char key[] = "\"next_cursor\":";
  gsize size;
  const char *data = g_bytes_get_data (page, &size);
  const char *start = data + (size > 65536 ? size - 65536 : 0);
  const char *end = data + size;
  const char *found = NULL;
  const char *p;

  if (data == NULL)
    return NULL;
  for (p = end - (sizeof key - 1); p >= start; p--)
    if (*p == '"' && memcmp (p, key, sizeof key - 1) == 0)
      {
        found = p + sizeof key - 1;
        break;
      }
  if (found == NULL)
    return NULL;
  while (found < end && g_ascii_isspace (*found))
    found++;
  if (found >= end || *found != '"')
    return NULL;
  for (p = ++found; p < end && *p != '"'; p++)
    if (*p == '\\' || (guchar)*p < 0x20)
      return NULL;
  if (p >= end || p == found)
    return NULL;
  return g_strndup (found, p - found);
}

static SoupMessage *new_pull_message (GpSyncClient *self,
                                      Run          *run,
                                      const char   *cursor);

static void
run_cancelled_cb (GCancellable *run_cancellable,
                  gpointer      prefetch_cancellable)
{
  g_cancellable_cancel (prefetch_cancellable);
}

static void
prefetch_next (GTask  *task,
               GBytes *page)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *cursor = guess_next_cursor (page);
  g_autoptr(SoupMessage) msg = NULL;
  Prefetch *p;

  abandon_prefetch (run);
  if (cursor == NULL || (msg = new_pull_message (run->self, run, cursor)) == NULL)
    return;

  p = g_rc_box_new0 (Prefetch);
  p->task = g_object_ref (task);
  p->cursor = g_steal_pointer (&cursor);
  p->cancellable = g_cancellable_new ();
  if (g_task_get_cancellable (task) != NULL)
    {
      p->run_cancellable = g_object_ref (g_task_get_cancellable (task));
      p->run_cancelled_id = g_cancellable_connect (p->run_cancellable, G_CALLBACK (run_cancelled_cb),
                                                   g_object_ref (p->cancellable), g_object_unref);
    }
  run->prefetch = g_rc_box_acquire (p);
  soup_session_send_and_read_async (run->self->session, msg, G_PRIORITY_DEFAULT, p->cancellable,
                                    prefetched_cb, p);
}

static SoupMessage *
new_pull_message (GpSyncClient *self,
                  Run          *run,
                  const char   *cursor)
{
  g_autoptr(GString) query = g_string_new ("/sync/pull?last_pulled_at=");

  if (run->last_pulled_at > 0)
    g_string_append_printf (query, "%" G_GINT64_FORMAT, run->last_pulled_at);
  else
    g_string_append (query, "null");
  g_string_append_printf (query, "&schema_version=%d&migration=null&page_size=%u",
                          GP_SCHEMA_VERSION, self->page_size);
  if (cursor != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      g_string_append_printf (query, "&cursor=%s", escaped);
    }
  return new_message (self, SOUP_METHOD_GET, query->str);
}

static void
run_pull (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  GpSyncClient *self = run->self;
  g_autoptr(SoupMessage) msg = NULL;

  abandon_prefetch (run);
  msg = new_pull_message (self, run, run->cursor);
  if (msg == NULL)
    {
      run_fail (task, g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED,
                                   _("The server address is not valid.")));
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), pulled_cb, g_object_ref (task));
}

/* Push --------------------------------------------------------------------------------------- */

typedef struct
{
  GTask *task;
  GpPushBatch *batch;
} PushCall;

static void
marked_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!gp_store_sync_mark_pushed_finish (GP_STORE (object), result, &error))
    {
      run_fail (task, error);
      return;
    }
  refresh_counts (((Run *)g_task_get_task_data (task))->self);
  run_collect (task);
}

static void
pushed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  PushCall *call = user_data;
  g_autoptr(GTask) task = call->task;
  g_autoptr(GpPushBatch) batch = call->batch;
  Run *run = g_task_get_task_data (task);
  GpSyncClient *self = run->self;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(GBytes) body = finish_request (SOUP_SESSION (object), result, &status, &error);

  g_free (call);

  if (body == NULL)
    {
      run_fail (task, error);
      return;
    }

  if (handle_unauthorized (task, status))
    return;

  if (status == SOUP_STATUS_CONFLICT)
    {
      /* Someone changed a pushed record since our pull: pull it, merge, push again. */
      if (++run->conflict_retries >= MAX_CONFLICT_RETRIES)
        {
          run_fail (task, _gp_http_error_from_status (status, body));
          return;
        }
      g_debug ("Push refused with 409; pulling again (attempt %u)", run->conflict_retries);
      run_pull (task);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      run_fail (task, _gp_http_error_from_status (status, body));
      return;
    }

  run->pushed += gp_push_batch_get_n_records (batch);
  gp_sync_status_set_sending (self->status, run->pushed, MAX (run->to_push, run->pushed));
  gp_store_sync_mark_pushed_async (self->store, g_steal_pointer (&batch),
                                   g_task_get_cancellable (task), marked_cb, g_object_ref (task));
}

static void
collected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GpSyncClient *self = run->self;
  GError *error = NULL;
  g_autoptr(GpPushBatch) batch = gp_store_sync_collect_finish (GP_STORE (object), result, &error);
  g_autofree char *query = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  PushCall *call;

  if (error != NULL)
    {
      run_fail (task, error);
      return;
    }

  if (batch == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  run->to_push = MAX (run->to_push, run->pushed + gp_push_batch_get_n_pushable (batch));
  gp_sync_status_set_sending (self->status, run->pushed, run->to_push);

  escaped = g_uri_escape_string (gp_push_batch_get_push_id (batch), NULL, FALSE);
  query = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT "&push_id=%s",
                           run->last_pulled_at, escaped);
  msg = new_message (self, SOUP_METHOD_POST, query);
  soup_message_set_request_body_from_bytes (msg, "application/json", gp_push_batch_get_body (batch));

  call = g_new0 (PushCall, 1);
  call->task = g_object_ref (task);
  call->batch = g_steal_pointer (&batch);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), pushed_cb, call);
}

static void
run_collect (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  gp_store_sync_collect_async (run->self->store, run->self->push_batch,
                               g_task_get_cancellable (task), collected_cb, g_object_ref (task));
}

static void
meta_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GpSyncMeta) meta = gp_store_sync_read_meta_finish (GP_STORE (object), result, &error);

  if (meta == NULL)
    {
      run_fail (task, error);
      return;
    }

  run->stored_last_pulled_at = meta->last_pulled_at;
  if (meta->cursor != NULL)
    {
      /* An interrupted paged pull: resume it where its last committed page left off. */
      run->cursor = g_steal_pointer (&meta->cursor);
      run->last_pulled_at = meta->cursor_last_pulled_at;
    }
  else
    run->last_pulled_at = meta->last_pulled_at;

  run_pull (task);
}

/* Scheduling --------------------------------------------------------------------------------- */

static void
clear_source (guint *id)
{
  if (*id != 0)
    {
      g_source_remove (*id);
      *id = 0;
    }
}

static gboolean
periodic_cb (gpointer user_data)
{
  GpSyncClient *self = user_data;

  self->periodic_id = 0;
  gp_sync_client_sync_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
retry_cb (gpointer user_data)
{
  GpSyncClient *self = user_data;

  self->retry_id = 0;
  gp_sync_client_sync_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
debounce_cb (gpointer user_data)
{
  GpSyncClient *self = user_data;

  self->debounce_id = 0;
  gp_sync_client_sync_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_periodic (GpSyncClient *self)
{
  clear_source (&self->periodic_id);
  if (self->started && self->interval > 0)
    self->periodic_id = g_timeout_add_seconds (self->interval, periodic_cb, self);
}

/* Exponential backoff with ±50 % jitter, so many devices that lost the same server do not
 * come back in lockstep. */
static void
schedule_retry (GpSyncClient *self)
{
  guint64 delay = self->retry_ms;
  guint shift = MIN (self->failures > 0 ? self->failures - 1 : 0, 20);

  delay = MIN ((guint64)MAX_RETRY_MS, delay << shift);
  delay = (guint64)(delay * g_random_double_range (0.5, 1.5));
  clear_source (&self->retry_id);
  g_debug ("Next sync attempt in %" G_GUINT64_FORMAT " ms", delay);
  self->retry_id = g_timeout_add ((guint)MAX (delay, 1), retry_cb, self);
}

static void
signed_out_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gp_account_sign_out_finish (GP_ACCOUNT (object), result, &error))
    g_debug ("Could not remove the token from the keyring: %s", error->message);
}

static void
complete_waiters (GPtrArray    *waiters,
                  const GError *error)
{
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_boolean (waiter, TRUE);
    }
  g_ptr_array_set_size (waiters, 0);
}

static void
run_finished_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GpSyncClient *self = GP_SYNC_CLIENT (object);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->running = FALSE;
  gp_sync_status_set_progress (self->status, 0.0, NULL);
  refresh_counts (self);

  if (ok)
    {
      self->failures = 0;
      clear_source (&self->retry_id);
      gp_sync_status_set_last_synced (self->status, g_get_real_time () / 1000);
      gp_sync_status_set_last_error (self->status, NULL);
      gp_sync_status_set_state (self->status, GP_SYNC_STATE_IDLE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gp_sync_status_set_state (self->status, gp_account_get_signed_in (self->account)
                                              ? GP_SYNC_STATE_IDLE : GP_SYNC_STATE_SIGNED_OUT);
    }
  else if (g_error_matches (error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED))
    {
      /* The session is gone for good. Local work goes on; nothing pending is touched. */
      gp_sync_status_set_last_error (self->status, error->message);
      gp_sync_status_set_state (self->status, GP_SYNC_STATE_SIGNED_OUT);
      if (gp_account_get_signed_in (self->account))
        gp_account_sign_out_async (self->account, NULL, signed_out_cb, NULL);
    }
  else
    {
      g_debug ("Sync failed: %s", error->message);
      self->failures++;
      gp_sync_status_set_last_error (self->status, error->message);
      gp_sync_status_set_state (self->status, g_error_matches (error, GP_SYNC_ERROR, GP_SYNC_ERROR_OFFLINE)
                                              ? GP_SYNC_STATE_OFFLINE : GP_SYNC_STATE_ERROR);
      if (self->started)
        schedule_retry (self);
    }

  complete_waiters (self->running_waiters, error);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, ok);

  if (self->started && ok)
    {
      schedule_periodic (self);
      if (self->changed_during_run)
        {
          clear_source (&self->debounce_id);
          self->debounce_id = g_timeout_add (self->debounce_ms, debounce_cb, self);
        }
    }
  self->changed_during_run = FALSE;

  if (self->waiters->len > 0)
    start_run (self);
}

static void
start_run (GpSyncClient *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GCancellable) cancellable = g_object_ref (self->cancellable);
  Run *run;

  g_assert (!self->running);

  /* The waiters registered so far are answered by this run. */
  g_ptr_array_extend_and_steal (self->running_waiters, g_steal_pointer (&self->waiters));
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);

  clear_source (&self->debounce_id);
  clear_source (&self->retry_id);

  if (!gp_account_get_signed_in (self->account))
    {
      g_autoptr(GError) error = g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED,
                                             _("Sign in to sync."));

      gp_sync_status_set_state (self->status, GP_SYNC_STATE_SIGNED_OUT);
      complete_waiters (self->running_waiters, error);
      return;
    }

  self->running = TRUE;
  self->changed_during_run = FALSE;
  gp_sync_status_set_state (self->status, GP_SYNC_STATE_SYNCING);

  run = g_new0 (Run, 1);
  run->self = self;
  task = g_task_new (self, cancellable, run_finished_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, run, (GDestroyNotify)run_free);

  gp_store_sync_read_meta_async (self->store, cancellable, meta_read_cb, g_steal_pointer (&task));
}

static void
store_changed_cb (GpStore     *store,
                  const char  *table,
                  GStrv        ids,
                  GpSyncClient *self)
{
  refresh_counts (self);

  if (!self->started)
    return;
  if (self->running)
    {
      self->changed_during_run = TRUE;
      return;
    }
  if (gp_store_get_pending_count (store) == 0)
    return;

  clear_source (&self->debounce_id);
  self->debounce_id = g_timeout_add (self->debounce_ms, debounce_cb, self);
}

static void
counts_changed_cb (GpStore      *store,
                   GParamSpec   *pspec,
                   GpSyncClient *self)
{
  refresh_counts (self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    GpSyncClient    *self)
{
  GpSyncState state = gp_sync_status_get_state (self->status);

  if (!available || !self->started)
    return;
  if (state == GP_SYNC_STATE_OFFLINE || state == GP_SYNC_STATE_ERROR)
    {
      g_debug ("Network is back; syncing");
      self->failures = 0;
      gp_sync_client_sync_now (self);
    }
}

static void
account_signed_in_cb (GpAccount    *account,
                      GParamSpec   *pspec,
                      GpSyncClient *self)
{
  if (gp_account_get_signed_in (account))
    {
      if (gp_sync_status_get_state (self->status) == GP_SYNC_STATE_SIGNED_OUT)
        gp_sync_status_set_state (self->status, GP_SYNC_STATE_IDLE);
      if (self->started)
        gp_sync_client_sync_now (self);
    }
  else if (!self->running)
    gp_sync_status_set_state (self->status, GP_SYNC_STATE_SIGNED_OUT);
}

/* GObject ------------------------------------------------------------------------------------ */

static void
gp_sync_client_dispose (GObject *object)
{
  GpSyncClient *self = (GpSyncClient *)object;

  gp_sync_client_stop (self);
  g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->store);
  g_clear_object (&self->account);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gp_sync_client_parent_class)->dispose (object);
}

static void
gp_sync_client_finalize (GObject *object)
{
  GpSyncClient *self = (GpSyncClient *)object;

  g_clear_object (&self->status);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->running_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_sync_client_parent_class)->finalize (object);
}

static void
gp_sync_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GpSyncClient *self = GP_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;

    case PROP_STATUS:
      g_value_set_object (value, self->status);
      break;

    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;

    case PROP_DEBOUNCE:
      g_value_set_uint (value, self->debounce_ms);
      break;

    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_ms);
      break;

    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;

    case PROP_PUSH_BATCH_SIZE:
      g_value_set_uint (value, self->push_batch);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (GpSyncClient *self,
          guint        *field,
          guint         value,
          int           prop)
{
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
    }
}

static void
gp_sync_client_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GpSyncClient *self = GP_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_ACCOUNT:
      self->account = g_value_dup_object (value);
      break;

    case PROP_INTERVAL:
      gp_sync_client_set_interval (self, g_value_get_uint (value));
      break;

    case PROP_DEBOUNCE:
      set_uint (self, &self->debounce_ms, g_value_get_uint (value), PROP_DEBOUNCE);
      break;

    case PROP_RETRY_DELAY:
      set_uint (self, &self->retry_ms, g_value_get_uint (value), PROP_RETRY_DELAY);
      break;

    case PROP_PAGE_SIZE:
      set_uint (self, &self->page_size, g_value_get_uint (value), PROP_PAGE_SIZE);
      break;

    case PROP_PUSH_BATCH_SIZE:
      set_uint (self, &self->push_batch, g_value_get_uint (value), PROP_PUSH_BATCH_SIZE);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_sync_client_constructed (GObject *object)
{
  GpSyncClient *self = (GpSyncClient *)object;

  G_OBJECT_CLASS (gp_sync_client_parent_class)->constructed (object);

  g_assert (GP_IS_STORE (self->store));
  g_assert (GP_IS_ACCOUNT (self->account));

  g_signal_connect_object (self->store, "changed", G_CALLBACK (store_changed_cb), self, 0);
  g_signal_connect_object (self->store, "notify::pending-count", G_CALLBACK (counts_changed_cb), self, 0);
  g_signal_connect_object (self->store, "notify::conflict-count", G_CALLBACK (counts_changed_cb), self, 0);
  g_signal_connect_object (self->account, "notify::signed-in", G_CALLBACK (account_signed_in_cb), self, 0);

  gp_sync_status_set_state (self->status, gp_account_get_signed_in (self->account)
                                          ? GP_SYNC_STATE_IDLE : GP_SYNC_STATE_SIGNED_OUT);
  refresh_counts (self);
}

static void
gp_sync_client_class_init (GpSyncClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gp_sync_client_constructed;
  object_class->dispose = gp_sync_client_dispose;
  object_class->finalize = gp_sync_client_finalize;
  object_class->get_property = gp_sync_client_get_property;
  object_class->set_property = gp_sync_client_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, GP_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, GP_TYPE_SYNC_STATUS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Seconds between background syncs; the UI binds the GSettings key sync-interval. */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 1, 86400, DEFAULT_INTERVAL_S,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Milliseconds of quiet after a local edit before it is synced. */
  properties[PROP_DEBOUNCE] =
    g_param_spec_uint ("debounce", NULL, NULL, 1, 600000, DEFAULT_DEBOUNCE_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The first retry delay in milliseconds; it doubles with every failure. */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 1, MAX_RETRY_MS, DEFAULT_RETRY_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, 100000, DEFAULT_PAGE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PUSH_BATCH_SIZE] =
    g_param_spec_uint ("push-batch-size", NULL, NULL, 1, 100000, DEFAULT_PUSH_BATCH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GpSyncClient::finished:
   * @success: whether the run completed
   *
   * Emitted after every sync run.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
gp_sync_client_init (GpSyncClient *self)
{
  self->status = gp_sync_status_new ();
  self->session = _gp_http_session_new ();
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->running_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->interval = DEFAULT_INTERVAL_S;
  self->debounce_ms = DEFAULT_DEBOUNCE_MS;
  self->retry_ms = DEFAULT_RETRY_MS;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->push_batch = DEFAULT_PUSH_BATCH;
}

/**
 * gp_sync_client_new:
 * @store: an open store
 * @account: the account to sync with
 *
 * Returns: (transfer full): a sync client; nothing happens until gp_sync_client_start()
 *   or a sync is requested
 */
GpSyncClient *
gp_sync_client_new (GpStore   *store,
                    GpAccount *account)
{
  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (GP_IS_ACCOUNT (account), NULL);

  return g_object_new (GP_TYPE_SYNC_CLIENT, "store", store, "account", account, NULL);
}

/**
 * gp_sync_client_get_store:
 * @self: a sync client
 *
 * Returns: (transfer none): the store
 */
GpStore *
gp_sync_client_get_store (GpSyncClient *self)
{
  g_return_val_if_fail (GP_IS_SYNC_CLIENT (self), NULL);
  return self->store;
}

/**
 * gp_sync_client_get_account:
 * @self: a sync client
 *
 * Returns: (transfer none): the account
 */
GpAccount *
gp_sync_client_get_account (GpSyncClient *self)
{
  g_return_val_if_fail (GP_IS_SYNC_CLIENT (self), NULL);
  return self->account;
}

/**
 * gp_sync_client_get_status:
 * @self: a sync client
 *
 * Returns: (transfer none): the status the UI binds to
 */
GpSyncStatus *
gp_sync_client_get_status (GpSyncClient *self)
{
  g_return_val_if_fail (GP_IS_SYNC_CLIENT (self), NULL);
  return self->status;
}

guint
gp_sync_client_get_interval (GpSyncClient *self)
{
  g_return_val_if_fail (GP_IS_SYNC_CLIENT (self), 0);
  return self->interval;
}

void
gp_sync_client_set_interval (GpSyncClient *self,
                             guint         seconds)
{
  g_return_if_fail (GP_IS_SYNC_CLIENT (self));
  g_return_if_fail (seconds > 0);

  if (self->interval != seconds)
    {
      self->interval = seconds;
      if (self->periodic_id != 0)
        schedule_periodic (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
    }
}

/**
 * gp_sync_client_start:
 * @self: a sync client
 *
 * Syncs now, then after local edits, periodically and when the network comes back.
 */
void
gp_sync_client_start (GpSyncClient *self)
{
  g_return_if_fail (GP_IS_SYNC_CLIENT (self));

  if (self->started)
    return;
  self->started = TRUE;

  self->monitor = g_network_monitor_get_default ();
  self->network_id = g_signal_connect (self->monitor, "network-changed",
                                       G_CALLBACK (network_changed_cb), self);
  gp_sync_client_sync_now (self);
}

/**
 * gp_sync_client_stop:
 * @self: a sync client
 *
 * Stops the automatic triggers. A run under way finishes.
 */
void
gp_sync_client_stop (GpSyncClient *self)
{
  g_return_if_fail (GP_IS_SYNC_CLIENT (self));

  self->started = FALSE;
  clear_source (&self->periodic_id);
  clear_source (&self->debounce_id);
  clear_source (&self->retry_id);
  if (self->monitor != NULL)
    {
      g_clear_signal_handler (&self->network_id, self->monitor);
      self->monitor = NULL;
    }
}

/**
 * gp_sync_client_sync_now:
 * @self: a sync client
 *
 * Syncs as soon as possible: now, or right after the run under way.
 */
void
gp_sync_client_sync_now (GpSyncClient *self)
{
  g_return_if_fail (GP_IS_SYNC_CLIENT (self));

  gp_sync_client_sync_async (self, NULL, NULL, NULL);
}

/**
 * gp_sync_client_sync_async:
 * @self: a sync client
 * @cancellable: (nullable): a #GCancellable (it stops the wait, not a shared run)
 * @callback: (nullable): called when a run that started after this call has finished
 * @user_data: data for @callback
 *
 * Requests a sync run. Never two at once: a request during a run is served by the next one.
 */
void
gp_sync_client_sync_async (GpSyncClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GP_IS_SYNC_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_sync_client_sync_async);
  g_ptr_array_add (self->waiters, task);

  if (!self->running)
    start_run (self);
}

gboolean
gp_sync_client_sync_finish (GpSyncClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Sign out ----------------------------------------------------------------------------------- */

static void
sign_out_reset_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!gp_store_sync_reset_finish (GP_STORE (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
sign_out_account_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpSyncClient *self = g_task_get_source_object (task);
  gboolean clear = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;

  if (!gp_account_sign_out_finish (GP_ACCOUNT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  gp_sync_status_set_state (self->status, GP_SYNC_STATE_SIGNED_OUT);
  gp_sync_status_set_last_error (self->status, NULL);

  /* Keeping the data also keeps its sync state: signing in to the same account again
   * continues where it stopped. Clearing removes everything synced and the sync state. */
  if (clear)
    gp_store_sync_reset_async (self->store, GP_STORE_SYNC_RESET_ALL, g_task_get_cancellable (task),
                               sign_out_reset_cb, g_object_ref (task));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * gp_sync_client_sign_out_async:
 * @self: a sync client
 * @clear_local_data: also delete the local records and sync state
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Signs out: the token leaves the keyring. Local data stays unless @clear_local_data.
 */
void
gp_sync_client_sign_out_async (GpSyncClient        *self,
                               gboolean             clear_local_data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GP_IS_SYNC_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_sync_client_sign_out_async);
  g_task_set_task_data (task, GINT_TO_POINTER (clear_local_data), NULL);
  gp_account_sign_out_async (self->account, cancellable, sign_out_account_cb, task);
}

gboolean
gp_sync_client_sign_out_finish (GpSyncClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* gp-store-time.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Time tracking and time-to-invoice, as GpStore commands on the store thread. Every write
 * goes through _gp_store_txn_save(), so it gets the same validation, sync bookkeeping and
 * history as any edit, and each command is one transaction. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store-time.h"

#include <glib/gi18n.h>

#include "gp-schema.h"
#include "gp-store-private.h"

/* 1 hour = 3 600 000 ms = 1000 milli-hours. */
#define MS_PER_MILLI_HOUR 3600

typedef struct
{
  char     *ticket_id;
  char     *note;
  char     *client_id;
  gint64    started_at;
  gint64    duration_ms;
  gint64    from_ms;
  gint64    to_ms;
  gboolean  billable;
} TimeData;

static void
time_data_free (TimeData *data)
{
  g_free (data->ticket_id);
  g_free (data->note);
  g_free (data->client_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TimeData, time_data_free)

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, message);
  return FALSE;
}

/* The ids of the running timers, oldest first (normally zero or one; two devices that
 * each started one offline can bring a second one in with a sync). */
static GPtrArray *
running_ids (GpStoreTxn  *txn,
             GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT id FROM time_entries WHERE ended_at IS NULL "
                                "AND _status != 'deleted' ORDER BY started_at, id",
                                error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "running timers");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Stops every running timer at @now; returns the last one stopped, or NULL. */
static gboolean
stop_running (GpStoreTxn  *txn,
              gint64       now,
              GpRecord   **out_stopped,
              GError     **error)
{
  const GpTable *table = gp_schema_lookup_table ("time_entries");
  g_autoptr(GPtrArray) ids = running_ids (txn, error);

  if (ids == NULL)
    return FALSE;

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GpRecord) entry = _gp_store_txn_read_record (txn, table, id, FALSE, error);
      g_autoptr(JsonObject) fields = json_object_new ();
      g_autofree char *saved = NULL;
      gint64 started;

      if (entry == NULL)
        return FALSE;
      started = gp_record_get_int (entry, "started_at");
      /* A clock that stepped back must not give a negative duration. */
      json_object_set_int_member (fields, "ended_at", MAX (now, started));
      json_object_set_int_member (fields, "duration_ms", MAX (now - started, 0));
      saved = _gp_store_txn_save (txn, "time_entries", id, fields, error);
      if (saved == NULL)
        return FALSE;

      if (out_stopped != NULL)
        {
          g_clear_object (out_stopped);
          *out_stopped = _gp_store_txn_read_record (txn, table, id, FALSE, error);
          if (*out_stopped == NULL)
            return FALSE;
        }
    }

  return TRUE;
}

/* Start */

static gboolean
timer_start_run (GpStoreTxn  *txn,
                 gpointer     user_data,
                 GError     **error)
{
  TimeData *data = user_data;
  g_autoptr(JsonObject) fields = json_object_new ();
  gint64 now = _gp_store_now_ms ();
  char *id;

  /* One timer at a time: starting one stops the other, at the same instant. */
  if (!stop_running (txn, now, NULL, error))
    return FALSE;

  json_object_set_string_member (fields, "ticket_id", data->ticket_id);
  json_object_set_int_member (fields, "started_at", now);
  json_object_set_null_member (fields, "ended_at");
  json_object_set_int_member (fields, "billable", 1);
  if (data->note != NULL)
    json_object_set_string_member (fields, "note", data->note);

  id = _gp_store_txn_save (txn, "time_entries", NULL, fields, error);
  if (id == NULL)
    return FALSE;

  _gp_store_txn_set_result (txn, id, g_free);
  return TRUE;
}

/**
 * gp_store_timer_start_async:
 * @self: a #GpStore
 * @ticket_id: the ticket to track time on
 * @note: (nullable): what is being done
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the timer runs
 * @user_data: data for @callback
 *
 * Starts a timer on a ticket: a new time entry whose start time is stored at once. A
 * timer that was already running is stopped at the same instant, in the same transaction.
 */
void
gp_store_timer_start_async (GpStore             *self,
                            const char          *ticket_id,
                            const char          *note,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  TimeData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (ticket_id != NULL);

  data = g_new0 (TimeData, 1);
  data->ticket_id = g_strdup (ticket_id);
  data->note = g_strdup (note);
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, timer_start_run, data,
                       (GDestroyNotify)time_data_free, cancellable, callback, user_data,
                       gp_store_timer_start_async);
}

/**
 * gp_store_timer_start_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the id of the new, running time entry
 */
char *
gp_store_timer_start_finish (GpStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  gpointer id = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_timer_start_async), NULL);

  if (!_gp_store_run_finish (self, result, &id, error))
    return NULL;
  return id;
}

/* Stop */

static gboolean
timer_stop_run (GpStoreTxn  *txn,
                gpointer     user_data,
                GError     **error)
{
  GpRecord *stopped = NULL;

  if (!stop_running (txn, _gp_store_now_ms (), &stopped, error))
    {
      g_clear_object (&stopped);
      return FALSE;
    }

  _gp_store_txn_set_result (txn, stopped, g_object_unref);
  return TRUE;
}

/**
 * gp_store_timer_stop_async:
 * @self: a #GpStore
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the timer stopped
 * @user_data: data for @callback
 *
 * Stops the running timer (every running one, should a sync have brought a second),
 * setting its end time and duration.
 */
void
gp_store_timer_stop_async (GpStore             *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, timer_stop_run, NULL, NULL, cancellable,
                       callback, user_data, gp_store_timer_stop_async);
}

/**
 * gp_store_timer_stop_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the stopped time entry, or %NULL (without an error)
 *   if no timer was running
 */
GpRecord *
gp_store_timer_stop_finish (GpStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  gpointer record = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_timer_stop_async), NULL);

  if (!_gp_store_run_finish (self, result, &record, error))
    return NULL;
  return record;
}

/* Running */

static gboolean
timer_get_running_run (GpStoreTxn  *txn,
                       gpointer     user_data,
                       GError     **error)
{
  g_autoptr(GPtrArray) ids = running_ids (txn, error);
  GpRecord *record;

  if (ids == NULL)
    return FALSE;
  if (ids->len == 0)
    return TRUE;

  /* The newest one is the one the user started last. */
  record = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("time_entries"),
                                      g_ptr_array_index (ids, ids->len - 1), FALSE, error);
  if (record == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, record, g_object_unref);
  return TRUE;
}

/**
 * gp_store_timer_get_running_async:
 * @self: a #GpStore
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the running timer
 * @user_data: data for @callback
 *
 * Reads the running timer, if any, from the database (after a restart too).
 */
void
gp_store_timer_get_running_async (GpStore             *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, timer_get_running_run, NULL, NULL,
                       cancellable, callback, user_data, gp_store_timer_get_running_async);
}

/**
 * gp_store_timer_get_running_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the running time entry, or %NULL (without an
 *   error) if none runs
 */
GpRecord *
gp_store_timer_get_running_finish (GpStore       *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  gpointer record = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_timer_get_running_async), NULL);

  if (!_gp_store_run_finish (self, result, &record, error))
    return NULL;
  return record;
}

/* Manual entries */

static gboolean
add_time_run (GpStoreTxn  *txn,
              gpointer     user_data,
              GError     **error)
{
  TimeData *data = user_data;
  g_autoptr(JsonObject) fields = json_object_new ();
  char *id;

  json_object_set_string_member (fields, "ticket_id", data->ticket_id);
  json_object_set_int_member (fields, "started_at", data->started_at);
  json_object_set_int_member (fields, "ended_at", data->started_at + data->duration_ms);
  json_object_set_int_member (fields, "duration_ms", data->duration_ms);
  json_object_set_int_member (fields, "billable", data->billable ? 1 : 0);
  if (data->note != NULL)
    json_object_set_string_member (fields, "note", data->note);

  id = _gp_store_txn_save (txn, "time_entries", NULL, fields, error);
  if (id == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, id, g_free);
  return TRUE;
}

/**
 * gp_store_add_time_async:
 * @self: a #GpStore
 * @ticket_id: the ticket the time was spent on
 * @started_at: when the work started, ms since the epoch
 * @duration_ms: how long it took, in ms (more than zero, at most a week)
 * @note: (nullable): what was done
 * @billable: whether the time is to be billed
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the entry is saved
 * @user_data: data for @callback
 *
 * Adds a finished time entry by hand.
 */
void
gp_store_add_time_async (GpStore             *self,
                         const char          *ticket_id,
                         gint64               started_at,
                         gint64               duration_ms,
                         const char          *note,
                         gboolean             billable,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  TimeData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (ticket_id != NULL);

  if (duration_ms <= 0 || duration_ms > 7 * 24 * G_GINT64_CONSTANT (3600000) || started_at <= 0)
    {
      invalid (&error, _("A time entry needs a start and a duration between one second and a week."));
      g_task_report_error (self, callback, user_data, gp_store_add_time_async, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (TimeData, 1);
  data->ticket_id = g_strdup (ticket_id);
  data->note = g_strdup (note);
  data->started_at = started_at;
  data->duration_ms = duration_ms;
  data->billable = billable;
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, add_time_run, data,
                       (GDestroyNotify)time_data_free, cancellable, callback, user_data,
                       gp_store_add_time_async);
}

/**
 * gp_store_add_time_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the id of the new time entry
 */
char *
gp_store_add_time_finish (GpStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  gpointer id = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_add_time_async), NULL);

  if (!_gp_store_run_finish (self, result, &id, error))
    return NULL;
  return id;
}

/* Time to invoice */

typedef struct
{
  char      *ticket_id;
  char      *title;
  gint64     rate;
  gint64     duration_ms;
  GPtrArray *entry_ids;
} TimeGroup;

static void
time_group_free (TimeGroup *group)
{
  g_free (group->ticket_id);
  g_free (group->title);
  g_ptr_array_unref (group->entry_ids);
  g_free (group);
}

/* For the invoice's note, which the client reads: the day as the invoice document writes
 * dates ("2 March 2026", in the user's language), not as stored. */
static char *
format_day (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ms / 1000);

  return dt != NULL ? g_date_time_format (dt, "%-d %B %Y") : g_strdup ("?");
}

static gboolean
invoice_time_run (GpStoreTxn  *txn,
                  gpointer     user_data,
                  GError     **error)
{
  TimeData *data = user_data;
  const GpTable *clients = gp_schema_lookup_table ("clients");
  g_autoptr(GpRecord) client = NULL;
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify)time_group_free);
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonObject) invoice = json_object_new ();
  g_autofree char *invoice_id = NULL;
  g_autofree char *from_day = NULL;
  g_autofree char *to_day = NULL;
  g_autofree char *notes = NULL;
  gboolean client_has_rate;
  gint64 client_rate;
  sqlite3_stmt *stmt;
  int rc;

  client = _gp_store_txn_read_record (txn, clients, data->client_id, FALSE, error);
  if (client == NULL)
    return FALSE;
  client_has_rate = gp_record_has_value (client, "hourly_rate");
  client_rate = gp_record_get_int (client, "hourly_rate");

  /* Unbilled, billable, finished time on the client's tickets in the range. The time is
   * the ticket's client's: an entry follows its ticket. */
  stmt = _gp_store_txn_prepare (txn,
                                "SELECT e.id, e.ticket_id, t.title, e.hourly_rate, e.duration_ms "
                                "FROM time_entries e JOIN tickets t ON t.id = e.ticket_id "
                                "WHERE t.client_id = ?1 AND t._status != 'deleted' "
                                "AND e._status != 'deleted' AND e.billable = 1 "
                                "AND e.billed_invoice_id IS NULL AND e.ended_at IS NOT NULL "
                                "AND e.started_at >= ?2 AND e.started_at < ?3 "
                                "ORDER BY e.started_at, e.id",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, data->from_ms);
  sqlite3_bind_int64 (stmt, 3, data->to_ms);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *entry_id = (const char *)sqlite3_column_text (stmt, 0);
      const char *ticket_id = (const char *)sqlite3_column_text (stmt, 1);
      const char *title = (const char *)sqlite3_column_text (stmt, 2);
      gint64 rate;
      g_autofree char *key = NULL;
      TimeGroup *group;

      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        rate = sqlite3_column_int64 (stmt, 3);
      else if (client_has_rate)
        rate = client_rate;
      else
        {
          sqlite3_finalize (stmt);
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("%s has no hourly rate. Set one on the client (or on the time entries) "
                         "before invoicing time."),
                       gp_record_get_string (client, "name"));
          return FALSE;
        }

      /* One line per ticket and rate, in the order the work started. */
      key = g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT, ticket_id, rate);
      group = g_hash_table_lookup (by_key, key);
      if (group == NULL)
        {
          group = g_new0 (TimeGroup, 1);
          group->ticket_id = g_strdup (ticket_id);
          group->title = g_strdup (title != NULL ? title : "");
          group->rate = rate;
          group->entry_ids = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (groups, group);
          g_hash_table_insert (by_key, g_steal_pointer (&key), group);
        }
      group->duration_ms += MAX (sqlite3_column_int64 (stmt, 4), 0);
      g_ptr_array_add (group->entry_ids, g_strdup (entry_id));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "unbilled time");
      return FALSE;
    }

  if (groups->len == 0)
    return invalid (error, _("There is no unbilled billable time for this client in that period."));

  from_day = format_day (data->from_ms);
  to_day = format_day (data->to_ms - 1);
  json_object_set_string_member (invoice, "client_id", data->client_id);
  json_object_set_string_member (invoice, "status", "draft");
  notes = g_strdup_printf (_("Time from %s to %s"), from_day, to_day);
  json_object_set_string_member (invoice, "notes", notes);
  invoice_id = _gp_store_txn_save (txn, "invoices", NULL, invoice, error);
  if (invoice_id == NULL)
    return FALSE;

  for (guint i = 0; i < groups->len; i++)
    {
      TimeGroup *group = g_ptr_array_index (groups, i);
      g_autoptr(JsonObject) line = json_object_new ();
      g_autofree char *line_id = NULL;
      /* Milli-hours, rounded half up (durations are never negative). */
      gint64 quantity = (group->duration_ms + MS_PER_MILLI_HOUR / 2) / MS_PER_MILLI_HOUR;

      json_object_set_string_member (line, "invoice_id", invoice_id);
      json_object_set_int_member (line, "position", i);
      json_object_set_string_member (line, "description", group->title);
      json_object_set_int_member (line, "quantity", quantity);
      json_object_set_int_member (line, "unit_price", group->rate);
      line_id = _gp_store_txn_save (txn, "invoice_lines", NULL, line, error);
      if (line_id == NULL)
        return FALSE;

      /* Marked in the same transaction: the time can never be on two invoices. */
      for (guint j = 0; j < group->entry_ids->len; j++)
        {
          g_autoptr(JsonObject) mark = json_object_new ();
          g_autofree char *saved = NULL;

          json_object_set_string_member (mark, "billed_invoice_id", invoice_id);
          saved = _gp_store_txn_save (txn, "time_entries", g_ptr_array_index (group->entry_ids, j),
                                      mark, error);
          if (saved == NULL)
            return FALSE;
        }
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&invoice_id), g_free);
  return TRUE;
}

/**
 * gp_store_invoice_time_async:
 * @self: a #GpStore
 * @client_id: the client to bill
 * @from_ms: start of the period (inclusive), ms since the epoch
 * @to_ms: end of the period (exclusive), ms since the epoch
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the invoice is made
 * @user_data: data for @callback
 *
 * Turns the client's unbilled, billable, finished time that started in the period into a
 * draft invoice in the client's currency: one line per ticket (and rate), the quantity in
 * milli-hours (rounded half up), the unit price the entry's hourly rate or else the
 * client's. The entries are marked billed on that invoice in the same transaction, so they
 * are never billed twice; entries already billed (here or on another device, once synced)
 * are skipped. Fails with %GP_STORE_ERROR_INVALID if there is nothing to bill or no rate.
 */
void
gp_store_invoice_time_async (GpStore             *self,
                             const char          *client_id,
                             gint64               from_ms,
                             gint64               to_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  TimeData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (client_id != NULL);

  if (to_ms <= from_ms)
    {
      invalid (&error, _("The period ends before it starts."));
      g_task_report_error (self, callback, user_data, gp_store_invoice_time_async,
                           g_steal_pointer (&error));
      return;
    }

  data = g_new0 (TimeData, 1);
  data->client_id = g_strdup (client_id);
  data->from_ms = from_ms;
  data->to_ms = to_ms;
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, invoice_time_run, data,
                       (GDestroyNotify)time_data_free, cancellable, callback, user_data,
                       gp_store_invoice_time_async);
}

/**
 * gp_store_invoice_time_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the id of the new draft invoice
 */
char *
gp_store_invoice_time_finish (GpStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  gpointer id = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_invoice_time_async), NULL);

  if (!_gp_store_run_finish (self, result, &id, error))
    return NULL;
  return id;
}

/* gp-billing.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Getting paid, as store commands: each runs on the store thread in one transaction,
 * writing through the same save/delete as the user-facing commands (validation, history,
 * sync bookkeeping), so everything here syncs like any other edit. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-billing.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gp-chasing-item.h"
#include "gp-recurrence.h"
#include "gp-schema.h"
#include "gp-store-private.h"

/* A runaway schedule (next_on years in the past) catches up at most this many occurrences
 * per run, so one start never floods the invoice list. */
#define MAX_OCCURRENCES_PER_RUN 60

/* GpInvoiceBundle */

G_DEFINE_BOXED_TYPE (GpInvoiceBundle, gp_invoice_bundle, gp_invoice_bundle_ref, gp_invoice_bundle_unref)

static GpInvoiceBundle *
bundle_new (void)
{
  GpInvoiceBundle *self = g_new0 (GpInvoiceBundle, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

/**
 * gp_invoice_bundle_ref:
 * @self: a #GpInvoiceBundle
 *
 * Returns: (transfer full): @self
 */
GpInvoiceBundle *
gp_invoice_bundle_ref (GpInvoiceBundle *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * gp_invoice_bundle_unref:
 * @self: a #GpInvoiceBundle
 */
void
gp_invoice_bundle_unref (GpInvoiceBundle *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_object (&self->invoice);
  g_clear_object (&self->client);
  g_clear_object (&self->credited);
  g_clear_pointer (&self->lines, g_ptr_array_unref);
  g_clear_pointer (&self->payments, g_ptr_array_unref);
  g_clear_pointer (&self->credit_notes, g_ptr_array_unref);
  g_clear_pointer (&self->reminders, g_ptr_array_unref);
  g_free (self);
}

/**
 * gp_invoice_bundle_get_chasing_input:
 * @self: a #GpInvoiceBundle
 * @input: (out caller-allocates): filled with pointers into @self (valid while @self is)
 *
 * Fills in what gp_chasing_evaluate() needs. The dates a step was sent on are the local
 * dates of the reminders' sent_at.
 */
void
gp_invoice_bundle_get_chasing_input (GpInvoiceBundle *self,
                                     GpChasingInput  *input)
{
  const char *last_paid = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (input != NULL);

  memset (input, 0, sizeof *input);
  input->status = gp_record_get_string (self->invoice, "status");
  input->kind = gp_record_get_string (self->invoice, "kind");
  input->due_on = gp_record_get_string (self->invoice, "due_on");
  input->outstanding = self->balance.outstanding;

  for (guint i = 0; i < self->payments->len; i++)
    {
      const char *on = gp_record_get_string (g_ptr_array_index (self->payments, i), "paid_on");

      if (on != NULL && g_strcmp0 (on, last_paid) > 0)
        last_paid = on;
    }
  input->last_paid_on = last_paid;

  for (guint i = 0; i < self->reminders->len; i++)
    {
      GpRecord *reminder = g_ptr_array_index (self->reminders, i);
      gint64 step = gp_record_get_int (reminder, "step");

      /* The sent date is kept on the record as text next to sent_at (see mark_sent_run). */
      if (step >= 1 && step <= GP_CHASING_MAX_STEPS && gp_record_has_value (reminder, "sent_at"))
        input->sent_on[step - 1] = g_object_get_data (G_OBJECT (reminder), "gp-sent-on");
    }
}

/* Reading inside a command */

static GPtrArray *
select_records (GpStoreTxn     *txn,
                const char     *table_name,
                const char     *where,
                const char     *value,
                const char     *order,
                GError        **error)
{
  const GpTable *table = gp_schema_lookup_table (table_name);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_assert (table != NULL);

  sql = g_strdup_printf ("SELECT %s FROM %s WHERE _status != 'deleted'%s%s%s ORDER BY %s",
                         _gp_store_table_select_list (table), table->name,
                         where != NULL ? " AND " : "", where != NULL ? where : "",
                         where != NULL ? " = ?" : "", order != NULL ? order : "id");
  /* Runs once or more per invoice of a ladder: kept prepared. */
  stmt = _gp_store_txn_prepare_cached (txn, sql, error);
  if (stmt == NULL)
    return NULL;
  if (where != NULL)
    sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, _gp_store_record_from_stmt (table, stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, table_name);
      return NULL;
    }
  return g_steal_pointer (&records);
}

static gboolean
is_issued (GpRecord *invoice)
{
  const char *status = gp_record_get_string (invoice, "status");

  return g_strcmp0 (status, "sent") == 0 || g_strcmp0 (status, "paid") == 0;
}

static gboolean
is_credit_note (GpRecord *invoice)
{
  return g_strcmp0 (gp_record_get_string (invoice, "kind"), "credit_note") == 0;
}

static gboolean
lines_total (GPtrArray        *lines,
             GpInvoiceTotals  *totals,
             GError          **error)
{
  return gp_invoice_compute_totals (lines, totals, error);
}

static GpInvoiceBundle *
load_bundle (GpStoreTxn  *txn,
             const char  *invoice_id,
             GError     **error)
{
  g_autoptr(GpInvoiceBundle) bundle = bundle_new ();
  g_autoptr(GPtrArray) credit_notes = NULL;
  const char *credits;

  bundle->invoice = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoices"), invoice_id,
                                               FALSE, error);
  if (bundle->invoice == NULL)
    return NULL;

  if (gp_record_has_value (bundle->invoice, "client_id"))
    bundle->client = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("clients"),
                                                gp_record_get_string (bundle->invoice, "client_id"),
                                                FALSE, NULL);

  bundle->lines = select_records (txn, "invoice_lines", "invoice_id", invoice_id, "position, created_at, id", error);
  bundle->payments = select_records (txn, "payments", "invoice_id", invoice_id, "paid_on, created_at, id", error);
  bundle->reminders = select_records (txn, "reminders", "invoice_id", invoice_id, "step", error);
  credit_notes = select_records (txn, "invoices", "credits_invoice_id", invoice_id, "issued_on, number, id", error);
  if (bundle->lines == NULL || bundle->payments == NULL || bundle->reminders == NULL || credit_notes == NULL)
    return NULL;

  if (!lines_total (bundle->lines, &bundle->totals, error))
    return NULL;

  /* Only issued credit notes count; a draft or void one does not change what is owed. */
  bundle->credit_notes = g_ptr_array_new_with_free_func (g_object_unref);
  bundle->balance.total = bundle->totals.total;
  for (guint i = 0; i < credit_notes->len; i++)
    {
      GpRecord *note = g_ptr_array_index (credit_notes, i);
      g_autoptr(GPtrArray) note_lines = NULL;
      GpInvoiceTotals note_totals;

      if (!is_credit_note (note) || !is_issued (note))
        continue;
      note_lines = select_records (txn, "invoice_lines", "invoice_id", gp_record_get_id (note), "position", error);
      if (note_lines == NULL || !lines_total (note_lines, &note_totals, error))
        return NULL;
      bundle->balance.credited += note_totals.total;
      g_ptr_array_add (bundle->credit_notes, g_object_ref (note));
    }

  for (guint i = 0; i < bundle->payments->len; i++)
    bundle->balance.paid += gp_record_get_int (g_ptr_array_index (bundle->payments, i), "amount");

  bundle->balance.outstanding = bundle->balance.total - bundle->balance.credited - bundle->balance.paid;

  credits = gp_record_get_string (bundle->invoice, "credits_invoice_id");
  if (credits != NULL)
    bundle->credited = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoices"), credits, FALSE, NULL);

  /* The local day each step was sent, for the ladder (computed once, here). */
  for (guint i = 0; i < bundle->reminders->len; i++)
    {
      GpRecord *reminder = g_ptr_array_index (bundle->reminders, i);

      if (gp_record_has_value (reminder, "sent_at"))
        g_object_set_data_full (G_OBJECT (reminder), "gp-sent-on",
                                gp_chasing_date_from_ms (gp_record_get_int (reminder, "sent_at")), g_free);
    }

  return g_steal_pointer (&bundle);
}

static const char *
latest_date (GpInvoiceBundle *bundle)
{
  const char *latest = NULL;

  for (guint i = 0; i < bundle->payments->len; i++)
    {
      const char *on = gp_record_get_string (g_ptr_array_index (bundle->payments, i), "paid_on");

      if (g_strcmp0 (on, latest) > 0)
        latest = on;
    }
  for (guint i = 0; i < bundle->credit_notes->len; i++)
    {
      const char *on = gp_record_get_string (g_ptr_array_index (bundle->credit_notes, i), "issued_on");

      if (g_strcmp0 (on, latest) > 0)
        latest = on;
    }
  return latest;
}

/* Moves a sent invoice to paid once it is covered, and a paid one back if it no longer is. */
static gboolean
update_paid_status (GpStoreTxn  *txn,
                    const char  *invoice_id,
                    GError     **error)
{
  g_autoptr(GpInvoiceBundle) bundle = load_bundle (txn, invoice_id, error);
  g_autoptr(JsonObject) fields = json_object_new ();
  const char *status;
  g_autofree char *id = NULL;

  if (bundle == NULL)
    return FALSE;

  status = gp_record_get_string (bundle->invoice, "status");
  if (g_strcmp0 (status, "sent") == 0 && bundle->balance.outstanding <= 0)
    {
      const char *on = latest_date (bundle);

      json_object_set_string_member (fields, "status", "paid");
      if (on != NULL)
        json_object_set_string_member (fields, "paid_on", on);
    }
  else if (g_strcmp0 (status, "paid") == 0 && bundle->balance.outstanding > 0)
    {
      json_object_set_string_member (fields, "status", "sent");
      json_object_set_null_member (fields, "paid_on");
    }
  else
    return TRUE;

  id = _gp_store_txn_save (txn, "invoices", invoice_id, fields, error);
  return id != NULL;
}

/* Commands */

typedef struct
{
  char       *invoice_id;
  char       *id;
  gint64      amount;
  char       *date;
  char       *text1;
  char       *text2;
  GPtrArray  *lines;
  guint      *intervals;
  guint       n_intervals;
  guint       step;
} BillingData;

static void
billing_data_free (BillingData *data)
{
  g_free (data->invoice_id);
  g_free (data->id);
  g_free (data->date);
  g_free (data->text1);
  g_free (data->text2);
  g_clear_pointer (&data->lines, g_ptr_array_unref);
  g_free (data->intervals);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BillingData, billing_data_free)

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, message);
  return FALSE;
}

static gpointer
run_finish (GpStore       *store,
            GAsyncResult  *result,
            gpointer       tag,
            gboolean      *ok,
            GError       **error)
{
  gpointer value = NULL;

  *ok = FALSE;
  g_return_val_if_fail (g_async_result_is_tagged (result, tag), NULL);

  *ok = _gp_store_run_finish (store, result, &value, error);
  return value;
}

/* Load */

static gboolean
load_run (GpStoreTxn  *txn,
          gpointer     user_data,
          GError     **error)
{
  BillingData *data = user_data;
  GpInvoiceBundle *bundle = load_bundle (txn, data->invoice_id, error);

  if (bundle == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, bundle, (GDestroyNotify)gp_invoice_bundle_unref);
  return TRUE;
}

/**
 * gp_billing_load_async:
 * @store: a #GpStore
 * @invoice_id: an invoice or credit note
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the bundle
 * @user_data: data for @callback
 *
 * Reads an invoice with its client, lines, payments, credit notes and reminders, and
 * computes its totals and balance, in one read transaction.
 */
void
gp_billing_load_async (GpStore             *store,
                       const char          *invoice_id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (invoice_id != NULL);

  data = g_new0 (BillingData, 1);
  data->invoice_id = g_strdup (invoice_id);
  _gp_store_run_async (store, GP_STORE_COMMAND_READ, load_run, data, (GDestroyNotify)billing_data_free,
                       cancellable, callback, user_data, gp_billing_load_async);
}

/**
 * gp_billing_load_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error (%GP_STORE_ERROR_NOT_FOUND)
 *
 * Returns: (transfer full) (nullable): the bundle
 */
GpInvoiceBundle *
gp_billing_load_finish (GpStore       *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_load_async, &ok, error);
}

/* Payments */

static gboolean
add_payment_run (GpStoreTxn  *txn,
                 gpointer     user_data,
                 GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GpInvoiceBundle) bundle = load_bundle (txn, data->invoice_id, error);
  g_autoptr(JsonObject) fields = json_object_new ();
  char *id;

  if (bundle == NULL)
    return FALSE;
  if (is_credit_note (bundle->invoice))
    return invalid (error, _("A credit note is not paid; record the payment on the invoice."));
  if (!is_issued (bundle->invoice))
    return invalid (error, _("Only a sent invoice can be paid. Mark the invoice as sent first."));
  if (data->amount > bundle->balance.outstanding)
    {
      g_autofree char *owed = gp_money_format (MAX (bundle->balance.outstanding, 0),
                                               gp_record_get_string (bundle->invoice, "currency"));

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("The payment is more than the %s still owed on this invoice."), owed);
      return FALSE;
    }

  json_object_set_string_member (fields, "invoice_id", data->invoice_id);
  json_object_set_int_member (fields, "amount", data->amount);
  json_object_set_string_member (fields, "paid_on", data->date);
  if (data->text1 != NULL && data->text1[0] != '\0')
    json_object_set_string_member (fields, "method", data->text1);
  if (data->text2 != NULL && data->text2[0] != '\0')
    json_object_set_string_member (fields, "note", data->text2);

  id = _gp_store_txn_save (txn, "payments", NULL, fields, error);
  if (id == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, id, g_free);

  return update_paid_status (txn, data->invoice_id, error);
}

/**
 * gp_billing_add_payment_async:
 * @store: a #GpStore
 * @invoice_id: a sent invoice
 * @amount: the amount received, in the invoice's minor units (> 0, at most what is owed)
 * @paid_on: the day it arrived (ISO)
 * @method: (nullable): how (bank transfer, cash, …)
 * @note: (nullable): a note
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the payment is recorded
 * @user_data: data for @callback
 *
 * Records a (partial) payment; the invoice becomes paid in the same transaction once it
 * is covered. A payment after the due date stops the chasing ladder.
 */
void
gp_billing_add_payment_async (GpStore             *store,
                              const char          *invoice_id,
                              gint64               amount,
                              const char          *paid_on,
                              const char          *method,
                              const char          *note,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (invoice_id != NULL);

  data = g_new0 (BillingData, 1);
  data->invoice_id = g_strdup (invoice_id);
  data->amount = amount;
  data->date = g_strdup (paid_on);
  data->text1 = g_strdup (method);
  data->text2 = g_strdup (note);
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, add_payment_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_add_payment_async);
}

/**
 * gp_billing_add_payment_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error (%GP_STORE_ERROR_INVALID with a sentence)
 *
 * Returns: (transfer full) (nullable): the payment's id
 */
char *
gp_billing_add_payment_finish (GpStore       *store,
                               GAsyncResult  *result,
                               GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_add_payment_async, &ok, error);
}

static gboolean
remove_payment_run (GpStoreTxn  *txn,
                    gpointer     user_data,
                    GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GpRecord) payment = NULL;
  g_autofree char *invoice_id = NULL;

  payment = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("payments"), data->id, FALSE, error);
  if (payment == NULL)
    return FALSE;
  invoice_id = g_strdup (gp_record_get_string (payment, "invoice_id"));

  return _gp_store_txn_delete (txn, "payments", data->id, error) &&
         update_paid_status (txn, invoice_id, error);
}

/**
 * gp_billing_remove_payment_async:
 * @store: a #GpStore
 * @payment_id: a payment
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the payment is gone
 * @user_data: data for @callback
 *
 * Removes a payment recorded by mistake; a paid invoice that is no longer covered goes
 * back to sent.
 */
void
gp_billing_remove_payment_async (GpStore             *store,
                                 const char          *payment_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (payment_id != NULL);

  data = g_new0 (BillingData, 1);
  data->id = g_strdup (payment_id);
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, remove_payment_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_remove_payment_async);
}

/**
 * gp_billing_remove_payment_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the payment was removed
 */
gboolean
gp_billing_remove_payment_finish (GpStore       *store,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  gboolean ok;

  run_finish (store, result, gp_billing_remove_payment_async, &ok, error);
  return ok;
}

/* Credit notes */

static char *
next_credit_note_number (GpStoreTxn  *txn,
                         const char  *issued_on,
                         GError     **error)
{
  g_autofree char *prefix = g_strdup_printf ("CN-%.4s-", issued_on);
  g_autofree char *pattern = g_strconcat (prefix, "%", NULL);
  sqlite3_stmt *stmt;
  gint64 last = 0;
  int rc;

  /* Tombstones count too: a number once used is never handed out again. */
  stmt = _gp_store_txn_prepare (txn, "SELECT number FROM invoices WHERE kind = 'credit_note' AND number LIKE ?",
                                error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *number = (const char *)sqlite3_column_text (stmt, 0);
      gint64 n;

      if (number != NULL &&
          g_ascii_string_to_signed (number + strlen (prefix), 10, 0, G_MAXINT32, &n, NULL) && n > last)
        last = n;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "credit note numbers");
      return NULL;
    }

  return g_strdup_printf ("%s%04" G_GINT64_FORMAT, prefix, last + 1);
}

static gboolean
credit_note_run (GpStoreTxn  *txn,
                 gpointer     user_data,
                 GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GpInvoiceBundle) bundle = load_bundle (txn, data->invoice_id, error);
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) issue = json_object_new ();
  g_autofree char *number = NULL;
  g_autofree char *id = NULL;
  g_autofree char *issued = NULL;
  GpInvoiceTotals totals;

  if (bundle == NULL)
    return FALSE;
  if (is_credit_note (bundle->invoice))
    return invalid (error, _("A credit note cannot itself be credited."));
  if (!is_issued (bundle->invoice))
    return invalid (error, _("Only an issued invoice needs a credit note; a draft can still be edited."));

  /* A full credit copies every line; a partial one brings its own. */
  lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  if (data->lines == NULL)
    for (guint i = 0; i < bundle->lines->len; i++)
      {
        GpRecord *line = g_ptr_array_index (bundle->lines, i);
        JsonObject *copy = json_object_new ();
        static const char *columns[] = { "description", "quantity", "unit_price", "tax_rate", "discount" };

        for (guint j = 0; j < G_N_ELEMENTS (columns); j++)
          if (gp_record_has_value (line, columns[j]))
            json_object_set_member (copy, columns[j],
                                    json_node_copy (json_object_get_member (gp_record_get_fields (line), columns[j])));
        g_ptr_array_add (lines, copy);
      }
  else
    for (guint i = 0; i < data->lines->len; i++)
      g_ptr_array_add (lines, json_object_ref (g_ptr_array_index (data->lines, i)));

  if (lines->len == 0)
    return invalid (error, _("A credit note needs at least one line."));

  issued = g_strdup (data->date);
  number = next_credit_note_number (txn, issued, error);
  if (number == NULL)
    return FALSE;

  /* Written as a draft with its lines, then issued: lines of an issued invoice are fixed. */
  json_object_set_string_member (fields, "client_id", gp_record_get_string (bundle->invoice, "client_id"));
  json_object_set_string_member (fields, "currency", gp_record_get_string (bundle->invoice, "currency"));
  json_object_set_string_member (fields, "kind", "credit_note");
  json_object_set_string_member (fields, "credits_invoice_id", data->invoice_id);
  json_object_set_string_member (fields, "number", number);
  json_object_set_string_member (fields, "issued_on", issued);
  json_object_set_string_member (fields, "status", "draft");
  if (data->text1 != NULL && data->text1[0] != '\0')
    json_object_set_string_member (fields, "notes", data->text1);
  id = _gp_store_txn_save (txn, "invoices", NULL, fields, error);
  if (id == NULL)
    return FALSE;

  {
    g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; i < lines->len; i++)
      {
        g_autoptr(JsonObject) line = json_object_new ();
        JsonObject *given = g_ptr_array_index (lines, i);
        JsonObjectIter iter;
        const char *name;
        JsonNode *node;
        g_autofree char *line_id = NULL;
        g_autoptr(GpRecord) record = NULL;

        json_object_iter_init (&iter, given);
        while (json_object_iter_next (&iter, &name, &node))
          json_object_set_member (line, name, json_node_copy (node));
        json_object_set_string_member (line, "invoice_id", id);
        json_object_set_int_member (line, "position", i);
        line_id = _gp_store_txn_save (txn, "invoice_lines", NULL, line, error);
        if (line_id == NULL)
          return FALSE;
        record = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoice_lines"), line_id, FALSE, error);
        if (record == NULL)
          return FALSE;
        g_ptr_array_add (saved, g_steal_pointer (&record));
      }

    if (!gp_invoice_compute_totals (saved, &totals, error))
      return FALSE;
  }

  if (totals.total <= 0)
    return invalid (error, _("A credit note must credit an amount greater than zero."));
  if (totals.total > bundle->balance.total - bundle->balance.credited)
    {
      g_autofree char *left = gp_money_format (bundle->balance.total - bundle->balance.credited,
                                               gp_record_get_string (bundle->invoice, "currency"));

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("The credit note is more than the %s of this invoice not yet credited."), left);
      return FALSE;
    }

  json_object_set_string_member (issue, "status", "sent");
  {
    g_autofree char *issued_id = _gp_store_txn_save (txn, "invoices", id, issue, error);

    if (issued_id == NULL)
      return FALSE;
  }

  _gp_store_txn_set_result (txn, g_steal_pointer (&id), g_free);
  return update_paid_status (txn, data->invoice_id, error);
}

/**
 * gp_billing_credit_note_async:
 * @store: a #GpStore
 * @invoice_id: an issued invoice
 * @lines: (nullable) (element-type JsonObject): the lines to credit (description,
 *   quantity, unit_price, tax_rate, discount; positive amounts), or %NULL to credit the
 *   whole invoice
 * @issued_on: the credit note's date (ISO)
 * @reason: (nullable): why, printed as the credit note's notes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the credit note is issued
 * @user_data: data for @callback
 *
 * Issues a credit note that corrects an invoice, numbered in its own series
 * ("CN-2026-0001"). It reduces what the invoice's client owes; it may not credit more than
 * the invoice's total less earlier credit notes.
 */
void
gp_billing_credit_note_async (GpStore             *store,
                              const char          *invoice_id,
                              GPtrArray           *lines,
                              const char          *issued_on,
                              const char          *reason,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (invoice_id != NULL);
  g_return_if_fail (issued_on != NULL);

  data = g_new0 (BillingData, 1);
  data->invoice_id = g_strdup (invoice_id);
  data->date = g_strdup (issued_on);
  data->text1 = g_strdup (reason);
  if (lines != NULL)
    {
      data->lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
      /* Deep copies: the caller may change its objects after this returns. */
      for (guint i = 0; i < lines->len; i++)
        {
          JsonNode *node = json_node_init_object (json_node_alloc (), g_ptr_array_index (lines, i));
          JsonNode *copy = json_node_copy (node);

          g_ptr_array_add (data->lines, json_node_dup_object (copy));
          json_node_unref (copy);
          json_node_unref (node);
        }
    }
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, credit_note_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_credit_note_async);
}

/**
 * gp_billing_credit_note_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error (%GP_STORE_ERROR_INVALID with a sentence)
 *
 * Returns: (transfer full) (nullable): the credit note's id
 */
char *
gp_billing_credit_note_finish (GpStore       *store,
                               GAsyncResult  *result,
                               GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_credit_note_async, &ok, error);
}

/* Void */

static gboolean
void_run (GpStoreTxn  *txn,
          gpointer     user_data,
          GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GpInvoiceBundle) bundle = load_bundle (txn, data->invoice_id, error);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *id = NULL;

  if (bundle == NULL)
    return FALSE;
  if (g_strcmp0 (gp_record_get_string (bundle->invoice, "status"), "void") == 0)
    return TRUE;
  if (bundle->payments->len > 0)
    return invalid (error, _("This invoice has payments recorded. Remove them or issue a credit note "
                             "instead of voiding it."));

  json_object_set_string_member (fields, "status", "void");
  id = _gp_store_txn_save (txn, "invoices", data->invoice_id, fields, error);
  if (id == NULL)
    return FALSE;

  /* A voided credit note no longer reduces its invoice. */
  if (bundle->credited != NULL)
    return update_paid_status (txn, gp_record_get_id (bundle->credited), error);
  return TRUE;
}

/**
 * gp_billing_void_async:
 * @store: a #GpStore
 * @invoice_id: an invoice or credit note without payments
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the invoice is void
 * @user_data: data for @callback
 *
 * Voids an invoice: it keeps its number (numbers are never reused) and its lines, and is
 * no longer owed or chased.
 */
void
gp_billing_void_async (GpStore             *store,
                       const char          *invoice_id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (invoice_id != NULL);

  data = g_new0 (BillingData, 1);
  data->invoice_id = g_strdup (invoice_id);
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, void_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_void_async);
}

/**
 * gp_billing_void_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the invoice is void
 */
gboolean
gp_billing_void_finish (GpStore       *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  gboolean ok;

  run_finish (store, result, gp_billing_void_async, &ok, error);
  return ok;
}

/* Recurring invoices */

static gboolean
row_exists (GpStoreTxn  *txn,
            const char  *table,
            const char  *id,
            gboolean    *exists,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) raw = _gp_store_txn_read_raw (txn, gp_schema_lookup_table (table), id, &local_error);

  if (raw == NULL && !g_error_matches (local_error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *exists = raw != NULL;
  return TRUE;
}

static gboolean
generate_occurrence (GpStoreTxn  *txn,
                     GpRecord    *schedule,
                     GpRecord    *template,
                     GPtrArray   *template_lines,
                     const char  *occurrence,
                     GPtrArray   *generated,
                     GError     **error)
{
  g_autofree char *invoice_id = gp_derive_id ("recurring", gp_record_get_id (schedule), occurrence, NULL);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *saved = NULL;
  const char *issued = gp_record_get_string (template, "issued_on");
  const char *due = gp_record_get_string (template, "due_on");
  static const char *copied[] = { "client_id", "currency", "notes", "terms" };
  gboolean exists;

  /* Another device (or an earlier run that crashed before advancing the schedule) made
   * this occurrence already: the same id, so sync merges the two into one. A local
   * tombstone means the user deleted it; it stays deleted. */
  if (!row_exists (txn, "invoices", invoice_id, &exists, error))
    return FALSE;
  if (exists)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    if (gp_record_has_value (template, copied[i]))
      json_object_set_string_member (fields, copied[i], gp_record_get_string (template, copied[i]));
  json_object_set_string_member (fields, "kind", "invoice");
  json_object_set_string_member (fields, "status", "draft");
  json_object_set_string_member (fields, "issued_on", occurrence);
  /* The same payment term as the template, counted from the new date. */
  if (issued != NULL && due != NULL)
    {
      g_autofree char *new_due = gp_recurrence_add_days (occurrence, gp_chasing_days_between (issued, due));

      if (new_due != NULL)
        json_object_set_string_member (fields, "due_on", new_due);
    }

  saved = _gp_store_txn_save (txn, "invoices", invoice_id, fields, error);
  if (saved == NULL)
    return FALSE;

  for (guint i = 0; i < template_lines->len; i++)
    {
      GpRecord *line = g_ptr_array_index (template_lines, i);
      g_autofree char *index = g_strdup_printf ("%u", i);
      g_autofree char *line_id = gp_derive_id ("recurring-line", invoice_id, index, NULL);
      g_autoptr(JsonObject) line_fields = json_object_new ();
      JsonObject *source = gp_record_get_fields (line);
      static const char *columns[] = { "position", "description", "quantity", "unit_price", "tax_rate", "discount" };
      g_autofree char *line_saved = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (columns); j++)
        if (gp_record_has_value (line, columns[j]))
          json_object_set_member (line_fields, columns[j], json_node_copy (json_object_get_member (source, columns[j])));
      json_object_set_string_member (line_fields, "invoice_id", invoice_id);
      line_saved = _gp_store_txn_save (txn, "invoice_lines", line_id, line_fields, error);
      if (line_saved == NULL)
        return FALSE;
    }

  g_ptr_array_add (generated, g_steal_pointer (&invoice_id));
  return TRUE;
}

static gboolean
run_recurring_run (GpStoreTxn  *txn,
                   gpointer     user_data,
                   GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GPtrArray) schedules = select_records (txn, "recurring", NULL, NULL, "id", error);
  g_autoptr(GPtrArray) generated = g_ptr_array_new_with_free_func (g_free);

  if (schedules == NULL)
    return FALSE;

  for (guint i = 0; i < schedules->len; i++)
    {
      GpRecord *schedule = g_ptr_array_index (schedules, i);
      const char *frequency = gp_record_get_string (schedule, "frequency");
      const char *starts_on = gp_record_get_string (schedule, "starts_on");
      const char *until_on = gp_record_get_string (schedule, "until_on");
      const char *template_id = gp_record_get_string (schedule, "template_invoice_id");
      g_autofree char *next = g_strdup (gp_record_get_string (schedule, "next_on"));
      g_autoptr(GpRecord) template = NULL;
      g_autoptr(GPtrArray) lines = NULL;
      guint n = 0;

      if (next == NULL || g_strcmp0 (next, data->date) > 0 ||
          (until_on != NULL && g_strcmp0 (next, until_on) > 0))
        continue;

      template = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoices"), template_id, FALSE, error);
      if (template == NULL)
        return FALSE;
      lines = select_records (txn, "invoice_lines", "invoice_id", template_id, "position, created_at, id", error);
      if (lines == NULL)
        return FALSE;

      while (g_strcmp0 (next, data->date) <= 0 && (until_on == NULL || g_strcmp0 (next, until_on) <= 0) &&
             n++ < MAX_OCCURRENCES_PER_RUN)
        {
          char *following;

          if (!generate_occurrence (txn, schedule, template, lines, next, generated, error))
            return FALSE;
          following = gp_recurrence_next (frequency, starts_on, next);
          if (following == NULL)
            return invalid (error, _("A recurring schedule has a date or frequency GigPilot cannot read."));
          g_free (next);
          next = following;
        }

      {
        g_autoptr(JsonObject) fields = json_object_new ();
        g_autofree char *id = NULL;

        json_object_set_string_member (fields, "next_on", next);
        id = _gp_store_txn_save (txn, "recurring", gp_record_get_id (schedule), fields, error);
        if (id == NULL)
          return FALSE;
      }
    }

  g_ptr_array_add (generated, NULL);
  _gp_store_txn_set_result (txn, g_ptr_array_free (g_steal_pointer (&generated), FALSE), (GDestroyNotify)g_strfreev);
  return TRUE;
}

/**
 * gp_billing_run_recurring_async:
 * @store: a #GpStore
 * @today: the date to run up to (ISO); the app passes the local date, tests any date
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the new drafts
 * @user_data: data for @callback
 *
 * Creates every occurrence of every recurring schedule due on or before @today as a draft
 * copy of the schedule's template invoice (issued on the occurrence, due after the
 * template's payment term), and moves each schedule's next_on past @today.
 *
 * Exactly once across devices: each draft's id (and its lines' ids) is derived from (the
 * schedule's id, the occurrence's date), so two devices that both run a schedule before
 * they sync create the same records, which the sync upsert merges into one.
 */
void
gp_billing_run_recurring_async (GpStore             *store,
                                const char          *today,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (today != NULL);

  data = g_new0 (BillingData, 1);
  data->date = g_strdup (today);
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, run_recurring_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_run_recurring_async);
}

/**
 * gp_billing_run_recurring_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the ids of the drafts created (possibly none)
 */
GStrv
gp_billing_run_recurring_finish (GpStore       *store,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_run_recurring_async, &ok, error);
}

/* Chasing */

/* What the ladder keeps of an invoice it has placed: the invoice, its client (one record
 * per client, shared through @clients), its totals and balance. Its lines, payments,
 * reminders and credit notes were only needed to place it; with tens of thousands of
 * overdue invoices they would hold hundreds of megabytes. */
static void
slim_bundle (GpInvoiceBundle *bundle,
             GHashTable      *clients)
{
  GPtrArray **arrays[] = { &bundle->lines, &bundle->payments, &bundle->credit_notes, &bundle->reminders };

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    if (*arrays[i] != NULL && (*arrays[i])->len > 0)
      {
        g_ptr_array_unref (*arrays[i]);
        *arrays[i] = g_ptr_array_new_with_free_func (g_object_unref);
      }

  if (bundle->client != NULL)
    {
      GpRecord *shared = g_hash_table_lookup (clients, gp_record_get_id (bundle->client));

      if (shared == NULL)
        g_hash_table_insert (clients, g_strdup (gp_record_get_id (bundle->client)), g_object_ref (bundle->client));
      else
        g_set_object (&bundle->client, shared);
    }
}

static gboolean
chasing_run (GpStoreTxn  *txn,
             gpointer     user_data,
             GError     **error)
{
  BillingData *data = user_data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  /* Issued invoices only; paid ones stay out unless the caller wants the whole ladder. */
  stmt = _gp_store_txn_prepare (txn,
                                "SELECT id FROM invoices WHERE _status != 'deleted' AND status = 'sent' "
                                "AND (kind IS NULL OR kind = 'invoice') ORDER BY due_on, number, id",
                                error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "chasing");
      return FALSE;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GpInvoiceBundle) bundle = NULL;
      GpChasingInput input;
      GpChasingStatus status;

      /* Thousands of invoices take seconds: a closing window does not wait for them. */
      if (i % 256 == 0 &&
          g_cancellable_set_error_if_cancelled (_gp_store_txn_get_cancellable (txn), error))
        return FALSE;
      bundle = load_bundle (txn, g_ptr_array_index (ids, i), error);
      if (bundle == NULL)
        return FALSE;
      gp_invoice_bundle_get_chasing_input (bundle, &input);
      gp_chasing_evaluate (&input, data->date, data->intervals, data->n_intervals, &status);
      slim_bundle (bundle, clients);
      g_ptr_array_add (items, gp_chasing_item_new (bundle, &status));
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&items), (GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

/**
 * gp_billing_chasing_async:
 * @store: a #GpStore
 * @today: the date to judge by (ISO)
 * @intervals: (array length=n_intervals): the "reminder-intervals" setting (copied)
 * @n_intervals: its length
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the ladder
 * @user_data: data for @callback
 *
 * Places every sent invoice on the chasing ladder as of @today. Each item's bundle holds
 * the invoice, its client, totals and balance; its lines, payments, reminders and credit
 * notes are left empty (gp_billing_load_async() reads them all).
 */
void
gp_billing_chasing_async (GpStore             *store,
                          const char          *today,
                          const guint         *intervals,
                          guint                n_intervals,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (today != NULL);
  g_return_if_fail (n_intervals == 0 || intervals != NULL);

  data = g_new0 (BillingData, 1);
  data->date = g_strdup (today);
  data->intervals = g_memdup2 (intervals, sizeof (guint) * MAX (n_intervals, 1));
  data->n_intervals = n_intervals;
  _gp_store_run_async (store, GP_STORE_COMMAND_READ, chasing_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_chasing_async);
}

/**
 * gp_billing_chasing_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type GpChasingItem) (nullable): one item per sent
 *   invoice, earliest due first
 */
GPtrArray *
gp_billing_chasing_finish (GpStore       *store,
                           GAsyncResult  *result,
                           GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_chasing_async, &ok, error);
}

/**
 * gp_billing_reminder_id:
 * @invoice_id: an invoice
 * @step: a chasing step (1…3)
 *
 * Returns: (transfer full): the id of the reminder for that step of that invoice, the
 *   same on every device
 */
char *
gp_billing_reminder_id (const char *invoice_id,
                        guint       step)
{
  g_autofree char *text = g_strdup_printf ("%u", step);

  g_return_val_if_fail (invoice_id != NULL, NULL);

  return gp_derive_id ("reminder", invoice_id, text, NULL);
}

static gboolean
mark_sent_run (GpStoreTxn  *txn,
               gpointer     user_data,
               GError     **error)
{
  BillingData *data = user_data;
  g_autofree char *id = gp_billing_reminder_id (data->invoice_id, data->step);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GpRecord) existing = NULL;
  g_autoptr(GpInvoiceBundle) bundle = load_bundle (txn, data->invoice_id, error);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *saved = NULL;
  GpRecord *result;

  if (bundle == NULL)
    return FALSE;

  existing = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("reminders"), id, FALSE, &local_error);
  if (existing != NULL && gp_record_has_value (existing, "sent_at"))
    {
      /* Someone (maybe another device) sent it already: report who, change nothing. */
      _gp_store_txn_set_result (txn, g_steal_pointer (&existing), g_object_unref);
      return TRUE;
    }

  if (data->step > 1 && !gp_record_has_value (bundle->invoice, "due_on"))
    return invalid (error, _("This invoice has no due date, so it cannot be chased."));
  for (guint step = 1; step < data->step; step++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < bundle->reminders->len; i++)
        {
          GpRecord *reminder = g_ptr_array_index (bundle->reminders, i);

          if (gp_record_get_int (reminder, "step") == step && gp_record_has_value (reminder, "sent_at"))
            found = TRUE;
        }
      if (!found)
        return invalid (error, _("The reminders of an invoice go out in order; send the earlier one first."));
    }

  json_object_set_string_member (fields, "invoice_id", data->invoice_id);
  json_object_set_int_member (fields, "step", data->step);
  if (existing == NULL || !gp_record_has_value (existing, "drafted_at"))
    json_object_set_int_member (fields, "drafted_at", data->amount);
  json_object_set_int_member (fields, "sent_at", data->amount);
  if (data->text1 != NULL)
    json_object_set_string_member (fields, "sent_by_device", data->text1);
  if (data->text2 != NULL)
    json_object_set_string_member (fields, "body", data->text2);

  saved = _gp_store_txn_save (txn, "reminders", id, fields, error);
  if (saved == NULL)
    return FALSE;

  result = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("reminders"), id, FALSE, error);
  if (result == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, result, g_object_unref);
  return TRUE;
}

/**
 * gp_billing_mark_reminder_sent_async:
 * @store: a #GpStore
 * @invoice_id: the invoice chased
 * @step: the step sent (1…3)
 * @sent_at: when, in ms since the epoch
 * @device: (nullable): which device sent it (shown to the other devices)
 * @body: (nullable): the message as sent
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when it is recorded
 * @user_data: data for @callback
 *
 * Records that a reminder went out. The reminder's id is derived from (invoice, step)
 * (gp_billing_reminder_id()), so a step is one record on every device: once any device's
 * record of it has synced, no other device offers to send it again. If the step was
 * already recorded as sent, nothing changes and the existing record is returned; compare
 * its sent_by_device.
 */
void
gp_billing_mark_reminder_sent_async (GpStore             *store,
                                     const char          *invoice_id,
                                     guint                step,
                                     gint64               sent_at,
                                     const char          *device,
                                     const char          *body,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  BillingData *data;

  g_return_if_fail (GP_IS_STORE (store));
  g_return_if_fail (invoice_id != NULL);
  g_return_if_fail (step >= 1 && step <= GP_CHASING_MAX_STEPS);

  data = g_new0 (BillingData, 1);
  data->invoice_id = g_strdup (invoice_id);
  data->step = step;
  data->amount = sent_at;
  data->text1 = g_strdup (device);
  data->text2 = g_strdup (body);
  _gp_store_run_async (store, GP_STORE_COMMAND_WRITE, mark_sent_run, data,
                       (GDestroyNotify)billing_data_free, cancellable, callback, user_data,
                       gp_billing_mark_reminder_sent_async);
}

/**
 * gp_billing_mark_reminder_sent_finish:
 * @store: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the reminder as recorded (possibly by another
 *   device earlier)
 */
GpRecord *
gp_billing_mark_reminder_sent_finish (GpStore       *store,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  gboolean ok;

  return run_finish (store, result, gp_billing_mark_reminder_sent_async, &ok, error);
}

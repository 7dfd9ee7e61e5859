/* gp-store-records.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The user-facing record commands of GpStore: save, delete, restore (undo), get, query and
 * history. Each is one GpStoreTxnFunc on the store thread, built on gp-store-private.h
 * like the sync commands. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gp-money.h"
#include "gp-schema.h"
#include "gp-store-private.h"
#include "gp-store.h"

/* Query ids are bound as parameters; stay well below SQLite's variable limit. */
#define IDS_PER_STATEMENT 500

static gboolean
is_stamp_column (const char *name)
{
  return strcmp (name, "created_at") == 0 || strcmp (name, "updated_at") == 0;
}

static gboolean
lookup_table (const char     *name,
              const GpTable **table,
              GError        **error)
{
  *table = gp_schema_lookup_table (name);
  if (*table == NULL)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("There is no table “%s”."), name != NULL ? name : "(null)");
      return FALSE;
    }
  return TRUE;
}

static char *
node_to_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return NULL;
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  gboolean a_null = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_null = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_null || b_null)
    return a_null == b_null;

  return json_node_equal (a, b);
}

static void
bind_node (sqlite3_stmt *stmt,
           int           index,
           JsonNode     *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    sqlite3_bind_null (stmt, index);
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    sqlite3_bind_int64 (stmt, index, json_node_get_int (node));
  else
    sqlite3_bind_text (stmt, index, json_node_get_string (node), -1, SQLITE_TRANSIENT);
}

static char *
record_to_json_text (GpRecord *record)
{
  g_autoptr(JsonObject) raw = gp_record_to_raw (record);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), raw);

  return json_to_string (node, FALSE);
}

static gboolean
step_done (GpStoreTxn   *txn,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, what);
      return FALSE;
    }
  return TRUE;
}

/* Validation */

static gboolean
is_iso_date (const char *text)
{
  guint y, m, d;
  char tail;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  if (sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return FALSE;

  return g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, message);
  return FALSE;
}

/* Getting paid: the columns of payments, schedules and reminders that cannot be empty. */
static gboolean
is_required_billing_column (const char *table,
                            const char *column)
{
  static const char *required[] = {
    "payments.invoice_id", "payments.amount", "payments.paid_on",
    "recurring.template_invoice_id", "recurring.frequency", "recurring.next_on",
    "reminders.invoice_id", "reminders.step",
    NULL,
  };
  g_autofree char *key = g_strconcat (table, ".", column, NULL);

  return g_strv_contains (required, key);
}

static gboolean
validate_value (const GpTable  *table,
                const GpColumn *column,
                JsonNode       *node,
                GError        **error)
{
  const char *name = column->name;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      if ((strcmp (table->name, "clients") == 0 && strcmp (name, "name") == 0) ||
          (strcmp (table->name, "tickets") == 0 && strcmp (name, "title") == 0) ||
          (strcmp (table->name, "invoices") == 0 &&
           (strcmp (name, "client_id") == 0 || strcmp (name, "status") == 0 ||
            strcmp (name, "currency") == 0)) ||
          (strcmp (table->name, "invoice_lines") == 0 && strcmp (name, "position") != 0 &&
           strcmp (name, "description") != 0) ||
          (strcmp (table->name, "tickets") == 0 && strcmp (name, "status") == 0) ||
          (strcmp (table->name, "time_entries") == 0 &&
           (strcmp (name, "ticket_id") == 0 || strcmp (name, "started_at") == 0 ||
            strcmp (name, "billable") == 0)) ||
          is_required_billing_column (table->name, name))
        return invalid (error, _("“%s” of %s cannot be empty."), name, table->name);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node))
    return invalid (error, _("“%s” of %s must be a single value, not a list or an object."),
                    name, table->name);

  if (column->type == GP_COLUMN_INTEGER)
    {
      gint64 v;

      if (json_node_get_value_type (node) != G_TYPE_INT64)
        return invalid (error, _("“%s” of %s must be a whole number."), name, table->name);

      v = json_node_get_int (node);
      if (strcmp (name, "discount") == 0 && (v < 0 || v > 10000))
        return invalid (error, _("A discount must be between 0%% and 100%%."));
      if (strcmp (name, "tax_rate") == 0 && (v < 0 || v > 10000))
        return invalid (error, _("A tax rate must be between 0%% and 100%%."));
      if (strcmp (name, "position") == 0 && v < 0)
        return invalid (error, _("A line position cannot be negative."));
      if (strcmp (table->name, "payments") == 0 && strcmp (name, "amount") == 0 && v <= 0)
        return invalid (error, _("A payment must be an amount greater than zero."));
      if (strcmp (table->name, "reminders") == 0 && strcmp (name, "step") == 0 && (v < 1 || v > 3))
        return invalid (error, _("A reminder step must be 1 (polite), 2 (firm) or 3 (final notice)."));
      if (strcmp (name, "billable") == 0 && v != 0 && v != 1)
        return invalid (error, _("“billable” must be 0 or 1."));
      if ((strcmp (name, "duration_ms") == 0 || strcmp (name, "hourly_rate") == 0) && v < 0)
        return invalid (error, _("“%s” of %s cannot be negative."), name, table->name);
      if (v > GP_MONEY_MAX_AMOUNT || v < -GP_MONEY_MAX_AMOUNT)
        return invalid (error, _("“%s” of %s is out of range (at most ±10^15)."), name, table->name);
      return TRUE;
    }

  /* Text columns */
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, _("“%s” of %s must be text."), name, table->name);

  {
    const char *text = json_node_get_string (node);

    if (!g_utf8_validate (text, -1, NULL))
      return invalid (error, _("“%s” of %s is not valid UTF-8 text."), name, table->name);

    if (strcmp (name, "currency") == 0 && !gp_money_is_valid_currency (text))
      return invalid (error, _("“%s” is not a currency code; use three capital letters such as EUR."),
                      text);

    if (g_str_has_suffix (name, "_on") && !is_iso_date (text))
      return invalid (error, _("“%s” is not a date; use YYYY-MM-DD."), text);

    if (strcmp (table->name, "invoices") == 0 && strcmp (name, "status") == 0 &&
        !g_strv_contains ((const char * const[]){ "draft", "sent", "paid", "void", NULL }, text))
      return invalid (error, _("“%s” is not an invoice status; use draft, sent, paid or void."), text);

    if (strcmp (table->name, "invoices") == 0 && strcmp (name, "kind") == 0 &&
        !g_strv_contains ((const char * const[]){ "invoice", "credit_note", NULL }, text))
      return invalid (error, _("“%s” is not a kind of invoice; use invoice or credit_note."), text);

    if (strcmp (table->name, "invoices") == 0 && strcmp (name, "credits_invoice_id") == 0 &&
        !gp_schema_is_valid_id (text))
      return invalid (error, _("“%s” is not a valid record id."), text);

    if (strcmp (table->name, "recurring") == 0 && strcmp (name, "frequency") == 0 &&
        !g_strv_contains ((const char * const[]){ "weekly", "monthly", "quarterly", "yearly", NULL }, text))
      return invalid (error, _("“%s” is not a schedule; use weekly, monthly, quarterly or yearly."), text);

    if (strcmp (table->name, "tickets") == 0 && strcmp (name, "status") == 0 &&
        !g_strv_contains ((const char * const[]){ "open", "in-progress", "waiting", "done", NULL }, text))
      return invalid (error, _("“%s” is not a ticket status; use open, in-progress, waiting or done."),
                      text);

    if ((strcmp (name, "name") == 0 || strcmp (name, "title") == 0) && text[0] == '\0')
      return invalid (error, _("“%s” of %s cannot be empty."), name, table->name);

    if (column->references != NULL && !gp_schema_is_valid_id (text))
      return invalid (error, _("“%s” is not a valid record id."), text);
  }

  return TRUE;
}

static gboolean
validate_fields (const GpTable *table,
                 JsonObject    *fields,
                 GError       **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      const GpColumn *column = gp_schema_lookup_column (table, name);

      if (column == NULL)
        return invalid (error, _("%s have no column “%s”."), table->name, name);
      /* Timestamps belong to the store; a form that sends back what it read is fine. */
      if (is_stamp_column (name))
        continue;
      if (!validate_value (table, column, node, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_reference (GpStoreTxn     *txn,
                 const GpColumn *column,
                 JsonNode       *node,
                 GError        **error)
{
  const GpTable *parent;
  g_autoptr(GpRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;

  if (column->references == NULL || node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  parent = gp_schema_lookup_table (column->references);
  g_assert (parent != NULL);

  record = _gp_store_txn_read_record (txn, parent, json_node_get_string (node), FALSE, &local_error);
  if (record == NULL)
    {
      if (g_error_matches (local_error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
        return invalid (error, _("“%s” refers to a record of %s that does not exist (%s)."),
                        column->name, parent->name, json_node_get_string (node));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* Fills in what a new row gets when the caller leaves it out. */
static void
apply_defaults (GpStoreTxn    *txn,
                const GpTable *table,
                JsonObject    *row)
{
  if (strcmp (table->name, "invoices") == 0)
    {
      if (!json_object_has_member (row, "status"))
        json_object_set_string_member (row, "status", "draft");
      if (!json_object_has_member (row, "kind"))
        json_object_set_string_member (row, "kind", "invoice");
      if (!json_object_has_member (row, "currency"))
        {
          const char *client_id = json_object_get_string_member_with_default (row, "client_id", NULL);
          const GpTable *clients = gp_schema_lookup_table ("clients");
          g_autoptr(GpRecord) client = NULL;

          if (client_id != NULL)
            client = _gp_store_txn_read_record (txn, clients, client_id, FALSE, NULL);
          json_object_set_string_member (row, "currency",
                                         client != NULL && gp_record_get_string (client, "currency") != NULL
                                         ? gp_record_get_string (client, "currency") : "EUR");
        }
    }
  else if (strcmp (table->name, "invoice_lines") == 0)
    {
      if (!json_object_has_member (row, "position"))
        json_object_set_int_member (row, "position", 0);
      if (!json_object_has_member (row, "quantity"))
        json_object_set_int_member (row, "quantity", 1000);
      if (!json_object_has_member (row, "unit_price"))
        json_object_set_int_member (row, "unit_price", 0);
      if (!json_object_has_member (row, "tax_rate"))
        json_object_set_int_member (row, "tax_rate", 0);
      if (!json_object_has_member (row, "discount"))
        json_object_set_int_member (row, "discount", 0);
    }
  else if (strcmp (table->name, "tickets") == 0)
    {
      if (!json_object_has_member (row, "status"))
        json_object_set_string_member (row, "status", "open");
    }
  else if (strcmp (table->name, "time_entries") == 0)
    {
      if (!json_object_has_member (row, "billable"))
        json_object_set_int_member (row, "billable", 1);
      /* The entry's client is its ticket's, so reports need no join. */
      if (!json_object_has_member (row, "client_id"))
        {
          const char *ticket_id = json_object_get_string_member_with_default (row, "ticket_id", NULL);
          const GpTable *tickets = gp_schema_lookup_table ("tickets");
          g_autoptr(GpRecord) ticket = NULL;

          if (ticket_id != NULL)
            ticket = _gp_store_txn_read_record (txn, tickets, ticket_id, FALSE, NULL);
          if (ticket != NULL && gp_record_has_value (ticket, "client_id"))
            json_object_set_string_member (row, "client_id", gp_record_get_string (ticket, "client_id"));
        }
    }
}

static gboolean
check_required (const GpTable *table,
                JsonObject    *row,
                GError       **error)
{
  static const struct { const char *table, *column; } required[] = {
    { "clients", "name" },
    { "invoices", "client_id" },
    { "invoice_lines", "invoice_id" },
    { "tickets", "title" },
    { "payments", "invoice_id" },
    { "payments", "amount" },
    { "payments", "paid_on" },
    { "recurring", "template_invoice_id" },
    { "recurring", "frequency" },
    { "recurring", "next_on" },
    { "reminders", "invoice_id" },
    { "reminders", "step" },
    { "time_entries", "ticket_id" },
    { "time_entries", "started_at" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      JsonNode *node;

      if (strcmp (table->name, required[i].table) != 0)
        continue;
      node = json_object_get_member (row, required[i].column);
      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        return invalid (error, _("A new record of %s needs “%s”."), table->name, required[i].column);
    }

  return TRUE;
}

static gboolean
check_line_arithmetic (const GpTable *table,
                       JsonObject    *row,
                       GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (strcmp (table->name, "invoice_lines") != 0)
    return TRUE;

  if (!gp_invoice_line_compute (json_object_get_int_member_with_default (row, "quantity", 0),
                                json_object_get_int_member_with_default (row, "unit_price", 0),
                                json_object_get_int_member_with_default (row, "discount", 0),
                                json_object_get_int_member_with_default (row, "tax_rate", 0),
                                NULL, NULL, &local_error))
    return invalid (error, _("This invoice line cannot be computed: %s"), local_error->message);

  return TRUE;
}

/* Issued invoices are not edited in place: once sent, an invoice's money and legal fields
 * stay as they were (corrections are credit notes), its lines are fixed, and it never goes
 * back to draft; a void invoice stays void. Status and payment bookkeeping may change. */
static const char *issued_fixed_columns[] = {
  "client_id", "number", "currency", "issued_on", "kind", "credits_invoice_id", NULL,
};

static gboolean
is_issued_status (const char *status)
{
  return g_strcmp0 (status, "sent") == 0 || g_strcmp0 (status, "paid") == 0 ||
         g_strcmp0 (status, "void") == 0;
}

static gboolean
check_issued_invoice (JsonObject  *raw,
                      GPtrArray   *changed,
                      JsonObject  *merged,
                      GError     **error)
{
  const char *status = json_object_get_string_member_with_default (raw, "status", NULL);
  const char *number = json_object_get_string_member_with_default (raw, "number", NULL);
  const char *new_status = json_object_get_string_member_with_default (merged, "status", NULL);

  if (!is_issued_status (status))
    return TRUE;

  if (number == NULL)
    number = "";

  for (guint i = 0; i < changed->len; i++)
    if (g_strv_contains (issued_fixed_columns, g_ptr_array_index (changed, i)))
      return invalid (error, _("Invoice %s has been issued, so its “%s” cannot change. Issue a credit "
                               "note to correct it."),
                      number, (const char *)g_ptr_array_index (changed, i));

  if (g_strcmp0 (status, "void") == 0 && g_strcmp0 (new_status, "void") != 0)
    return invalid (error, _("Invoice %s is void and stays void; issue a new invoice instead."), number);
  if (g_strcmp0 (new_status, "draft") == 0)
    return invalid (error, _("Invoice %s has been issued and cannot become a draft again. Issue a "
                             "credit note to correct it."),
                    number);

  return TRUE;
}

/* A line may be added, changed or removed only while its invoice is a draft. */
static gboolean
check_line_editable (GpStoreTxn  *txn,
                     const char  *invoice_id,
                     GError     **error)
{
  g_autoptr(GpRecord) invoice = NULL;

  if (invoice_id == NULL)
    return TRUE;
  invoice = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoices"), invoice_id, FALSE, NULL);
  if (invoice == NULL || !is_issued_status (gp_record_get_string (invoice, "status")))
    return TRUE;

  return invalid (error, _("Invoice %s has been issued, so its lines cannot change. Issue a credit note "
                           "to correct it."),
                  gp_record_has_value (invoice, "number") ? gp_record_get_string (invoice, "number") : "");
}

/* Save */

typedef struct
{
  const GpTable *table;
  char          *id;
  JsonObject    *fields;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->id);
  g_clear_pointer (&data->fields, json_object_unref);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveData, save_data_free)

static gboolean
insert_row (GpStoreTxn    *txn,
            const GpTable *table,
            const char    *id,
            JsonObject    *row,
            const char    *status,
            GError       **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt;
  gboolean ok;

  g_string_printf (sql, "INSERT INTO %s (id", table->name);
  for (guint i = 0; i < table->n_columns; i++)
    g_string_append_printf (sql, ", %s", table->columns[i].name);
  g_string_append (sql, ", _status, _changed, _base, _rev) VALUES (?");
  for (guint i = 0; i < table->n_columns; i++)
    g_string_append (sql, ", ?");
  g_string_append (sql, ", ?, '', NULL, 1)");

  stmt = _gp_store_txn_prepare (txn, sql->str, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  for (guint i = 0; i < table->n_columns; i++)
    bind_node (stmt, (int)i + 2, json_object_get_member (row, table->columns[i].name));
  sqlite3_bind_text (stmt, (int)table->n_columns + 2, status, -1, SQLITE_STATIC);

  ok = step_done (txn, stmt, "insert", error);
  sqlite3_finalize (stmt);
  return ok;
}

static char *
merge_changed (const char *existing,
               GPtrArray  *columns)
{
  g_auto(GStrv) parts = g_strsplit (existing != NULL ? existing : "", ",", -1);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0' && !g_ptr_array_find_with_equal_func (names, parts[i], g_str_equal, NULL))
      g_ptr_array_add (names, parts[i]);
  for (guint i = 0; i < columns->len; i++)
    if (!g_ptr_array_find_with_equal_func (names, g_ptr_array_index (columns, i), g_str_equal, NULL))
      g_ptr_array_add (names, g_ptr_array_index (columns, i));
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **)names->pdata);
}

static gboolean
save_new (GpStoreTxn  *txn,
          SaveData    *data,
          const char  *id,
          GError     **error)
{
  const GpTable *table = data->table;
  g_autoptr(JsonObject) row = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  gint64 now = _gp_store_now_ms ();

  json_object_iter_init (&iter, data->fields);
  while (json_object_iter_next (&iter, &name, &node))
    if (!is_stamp_column (name))
      json_object_set_member (row, name, json_node_copy (node));
  apply_defaults (txn, table, row);
  json_object_set_int_member (row, "created_at", now);
  json_object_set_int_member (row, "updated_at", now);

  if (!check_required (table, row, error) || !check_line_arithmetic (table, row, error))
    return FALSE;
  if (strcmp (table->name, "invoice_lines") == 0 &&
      !check_line_editable (txn, json_object_get_string_member_with_default (row, "invoice_id", NULL), error))
    return FALSE;
  for (guint i = 0; i < table->n_columns; i++)
    if (!check_reference (txn, &table->columns[i], json_object_get_member (row, table->columns[i].name), error))
      return FALSE;

  if (!insert_row (txn, table, id, row, "created", error))
    return FALSE;

  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *column = table->columns[i].name;
      g_autofree char *value = NULL;

      if (is_stamp_column (column))
        continue;
      value = node_to_text (json_object_get_member (row, column));
      if (value != NULL &&
          !_gp_store_txn_add_history (txn, table->name, id, column, NULL, value, now, "local", error))
        return FALSE;
    }

  _gp_store_txn_changed (txn, table->name, id);
  return TRUE;
}

static gboolean
save_existing (GpStoreTxn  *txn,
               SaveData    *data,
               JsonObject  *raw,
               GError     **error)
{
  const GpTable *table = data->table;
  const char *status = json_object_get_string_member (raw, "_status");
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(JsonObject) merged = json_object_new ();
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *new_changed = NULL;
  const char *new_status;
  sqlite3_stmt *stmt;
  gint64 now = _gp_store_now_ms ();
  gint64 old_updated;
  int index = 1;
  gboolean ok;

  if (g_strcmp0 (status, "deleted") == 0)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND,
                   _("The record “%s” of %s was deleted."), data->id, table->name);
      return FALSE;
    }

  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *column = table->columns[i].name;
      JsonNode *given = json_object_get_member (data->fields, column);
      JsonNode *current = json_object_get_member (raw, column);

      if (given != NULL && !is_stamp_column (column) && !nodes_equal (given, current))
        {
          g_ptr_array_add (changed, (gpointer)column);
          json_object_set_member (merged, column, json_node_copy (given));
        }
      else if (current != NULL)
        json_object_set_member (merged, column, json_node_copy (current));
    }

  /* Saving what is already there is not a change: no new revision, no history. */
  if (changed->len == 0)
    return TRUE;

  if (!check_line_arithmetic (table, merged, error))
    return FALSE;
  if (strcmp (table->name, "invoices") == 0 && !check_issued_invoice (raw, changed, merged, error))
    return FALSE;
  if (strcmp (table->name, "invoice_lines") == 0 &&
      (!check_line_editable (txn, json_object_get_string_member_with_default (raw, "invoice_id", NULL), error) ||
       !check_line_editable (txn, json_object_get_string_member_with_default (merged, "invoice_id", NULL), error)))
    return FALSE;
  for (guint i = 0; i < changed->len; i++)
    {
      const GpColumn *column = gp_schema_lookup_column (table, g_ptr_array_index (changed, i));

      if (!check_reference (txn, column, json_object_get_member (merged, column->name), error))
        return FALSE;
    }

  /* Keep updated_at moving forward even if the clock stepped back. */
  old_updated = json_object_get_int_member_with_default (raw, "updated_at", 0);
  if (now <= old_updated)
    now = old_updated + 1;

  if (g_strcmp0 (status, "created") == 0)
    {
      new_status = "created";
      new_changed = g_strdup ("");
    }
  else
    {
      g_autoptr(GPtrArray) with_stamp = g_ptr_array_copy (changed, NULL, NULL);

      g_ptr_array_add (with_stamp, (gpointer)"updated_at");
      new_status = "updated";
      new_changed = merge_changed (json_object_get_string_member (raw, "_changed"), with_stamp);
    }

  g_string_printf (sql, "UPDATE %s SET ", table->name);
  for (guint i = 0; i < changed->len; i++)
    g_string_append_printf (sql, "%s = ?, ", (const char *)g_ptr_array_index (changed, i));
  g_string_append (sql, "updated_at = ?, _status = ?, _changed = ?, _rev = _rev + 1 WHERE id = ?");

  stmt = _gp_store_txn_prepare (txn, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < changed->len; i++)
    bind_node (stmt, index++, json_object_get_member (merged, g_ptr_array_index (changed, i)));
  sqlite3_bind_int64 (stmt, index++, now);
  sqlite3_bind_text (stmt, index++, new_status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, index++, new_changed, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, index++, data->id, -1, SQLITE_TRANSIENT);
  ok = step_done (txn, stmt, "update", error);
  sqlite3_finalize (stmt);
  if (!ok)
    return FALSE;

  for (guint i = 0; i < changed->len; i++)
    {
      const char *column = g_ptr_array_index (changed, i);
      g_autofree char *old_value = node_to_text (json_object_get_member (raw, column));
      g_autofree char *new_value = node_to_text (json_object_get_member (merged, column));

      if (!_gp_store_txn_add_history (txn, table->name, data->id, column, old_value, new_value,
                                      now, "local", error))
        return FALSE;
    }

  _gp_store_txn_changed (txn, table->name, data->id);
  return TRUE;
}

static char *
save_in_txn (GpStoreTxn  *txn,
             SaveData    *data,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) raw = NULL;
  g_autofree char *id = NULL;

  if (!validate_fields (data->table, data->fields, error))
    return NULL;

  if (data->id != NULL)
    {
      raw = _gp_store_txn_read_raw (txn, data->table, data->id, &local_error);
      if (raw == NULL && !g_error_matches (local_error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  if (raw != NULL)
    {
      if (!save_existing (txn, data, raw, error))
        return NULL;
      id = g_strdup (data->id);
    }
  else
    {
      /* A caller-chosen id for a new record is fine (ids are client-generated). */
      id = data->id != NULL ? g_strdup (data->id) : gp_schema_new_id ();
      if (!save_new (txn, data, id, error))
        return NULL;
    }

  return g_steal_pointer (&id);
}

static gboolean
save_run (GpStoreTxn  *txn,
          gpointer     user_data,
          GError     **error)
{
  char *id = save_in_txn (txn, user_data, error);

  if (id == NULL)
    return FALSE;

  _gp_store_txn_set_result (txn, id, g_free);
  return TRUE;
}

char *
_gp_store_txn_save (GpStoreTxn  *txn,
                    const char  *table,
                    const char  *id,
                    JsonObject  *fields,
                    GError     **error)
{
  SaveData data = { 0 };

  g_assert (txn != NULL);
  g_assert (fields != NULL);

  if (!lookup_table (table, &data.table, error))
    return NULL;
  data.id = (char *)id;
  data.fields = fields;

  return save_in_txn (txn, &data, error);
}

/**
 * gp_store_save_async:
 * @self: a #GpStore
 * @table: the table
 * @id: (nullable): the record to update or the id for a new record; %NULL creates a record
 *   with a fresh id
 * @fields: only the columns to set (copied); "created_at" and "updated_at" are ignored
 *   because the store sets them, and so is an "id" member equal to @id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the write committed or failed
 * @user_data: data for @callback
 *
 * Creates or updates one record in one transaction, marking it for the next sync and
 * appending one history entry per changed field. New rows get defaults: invoices "draft"
 * in the client's currency (or EUR), lines quantity 1000 (one unit) and zero rates,
 * tickets "open".
 */
void
gp_store_save_async (GpStore             *self,
                     const char          *table,
                     const char          *id,
                     JsonObject          *fields,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaveData) data = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (table != NULL);
  g_return_if_fail (fields != NULL);

  data = g_new0 (SaveData, 1);
  if (!lookup_table (table, &data->table, &error) ||
      (id != NULL && !gp_schema_is_valid_id (id) &&
       !invalid (&error, _("“%s” is not a valid record id."), id)))
    {
      g_task_report_error (self, callback, user_data, gp_store_save_async, g_steal_pointer (&error));
      return;
    }

  /* A form may send back the raw record it read, id included; the id itself never changes. */
  node = json_object_get_member (fields, "id");
  if (node != NULL)
    {
      const char *given = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

      if (given == NULL || (id != NULL && strcmp (given, id) != 0) || !gp_schema_is_valid_id (given))
        {
          invalid (&error, _("The id of a record cannot be changed."));
          g_task_report_error (self, callback, user_data, gp_store_save_async, g_steal_pointer (&error));
          return;
        }
      if (id == NULL)
        id = given;
    }

  data->id = g_strdup (id);
  /* A deep copy: the caller's object may change after this returns. */
  data->fields = json_object_new ();
  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    if (strcmp (name, "id") != 0)
      json_object_set_member (data->fields, name, json_node_copy (node));

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, save_run, g_steal_pointer (&data),
                       (GDestroyNotify)save_data_free, cancellable, callback, user_data,
                       gp_store_save_async);
}

/**
 * gp_store_save_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error: %GP_STORE_ERROR_INVALID with a sentence for the
 *   user, %GP_STORE_ERROR_NOT_FOUND for a deleted record
 *
 * Returns: (transfer full) (nullable): the record's id, or %NULL on error
 */
char *
gp_store_save_finish (GpStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  gpointer id = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);

  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_save_async), NULL);

  if (!_gp_store_run_finish (self, result, &id, error))
    return NULL;
  return id;
}

/* Delete */

typedef struct
{
  const GpTable *table;
  char          *id;
} RecordRef;

static void
record_ref_free (RecordRef *data)
{
  g_free (data->id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecordRef, record_ref_free)

static GPtrArray *
child_ids (GpStoreTxn     *txn,
           const GpTable  *child,
           const char     *parent_id,
           gboolean        include_deleted,
           GError        **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  sql = g_strdup_printf ("SELECT id FROM %s WHERE %s = ?%s", child->name, child->parent_column,
                         include_deleted ? "" : " AND _status != 'deleted'");
  stmt = _gp_store_txn_prepare (txn, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, parent_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "children");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static gboolean
is_child_of (const GpTable *child,
             const GpTable *parent)
{
  const GpColumn *column;

  if (child->parent_column == NULL)
    return FALSE;
  column = gp_schema_lookup_column (child, child->parent_column);
  return column != NULL && g_strcmp0 (column->references, parent->name) == 0;
}

/* Whether a push carrying the record went out without an answer (gp-store-sync.c keeps its
 * "sent:" note until one comes): the server may have it, so a delete must reach it too. */
static gboolean
was_sent (GpStoreTxn     *txn,
          const GpTable  *table,
          const char     *id,
          gboolean       *sent,
          GError        **error)
{
  g_autofree char *key = g_strconcat ("sent:", table->name, ":", id, NULL);
  sqlite3_stmt *stmt = _gp_store_txn_prepare (txn, "SELECT 1 FROM sync_meta WHERE key = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "sent");
      return FALSE;
    }
  *sent = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
is_referenced (GpStoreTxn     *txn,
               const GpTable  *table,
               const char     *id,
               gboolean       *referenced,
               GError        **error)
{
  const GpTable *tables;
  guint n_tables;

  *referenced = FALSE;
  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    for (guint j = 0; j < tables[i].n_columns; j++)
      {
        g_autofree char *sql = NULL;
        sqlite3_stmt *stmt;
        int rc;

        if (g_strcmp0 (tables[i].columns[j].references, table->name) != 0)
          continue;

        sql = g_strdup_printf ("SELECT 1 FROM %s WHERE %s = ? LIMIT 1", tables[i].name,
                               tables[i].columns[j].name);
        stmt = _gp_store_txn_prepare (txn, sql, error);
        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step (stmt);
        sqlite3_finalize (stmt);
        if (rc == SQLITE_ROW)
          {
            *referenced = TRUE;
            return TRUE;
          }
        if (rc != SQLITE_DONE)
          {
            _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "references");
            return FALSE;
          }
      }

  return TRUE;
}

/* The live time entries billed on @invoice_id, as they are before the invoice goes (its
 * delete releases them, gp-store.c's trigger), so an undo can bill them again. */
static GPtrArray *
billed_entries (GpStoreTxn  *txn,
                const char  *invoice_id,
                GError     **error)
{
  const GpTable *entries = gp_schema_lookup_table ("time_entries");
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn, "SELECT id FROM time_entries WHERE billed_invoice_id = ? "
                                     "AND _status != 'deleted' ORDER BY started_at, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, invoice_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "billed time");
      return NULL;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      GpRecord *record = _gp_store_txn_read_record (txn, entries, g_ptr_array_index (ids, i), FALSE, error);

      if (record == NULL)
        return NULL;
      g_ptr_array_add (records, record);
    }
  return g_steal_pointer (&records);
}

static gboolean
delete_recursive (GpStoreTxn     *txn,
                  const GpTable  *table,
                  const char     *id,
                  GPtrArray      *removed,
                  gint64          now,
                  GError        **error)
{
  const GpTable *tables;
  guint n_tables;
  g_autoptr(GpRecord) record = NULL;
  g_autoptr(GPtrArray) released = NULL;
  g_autofree char *json = NULL;
  g_autofree char *sql = NULL;
  gboolean keep_tombstone;
  sqlite3_stmt *stmt;
  gboolean ok;

  record = _gp_store_txn_read_record (txn, table, id, FALSE, error);
  if (record == NULL)
    return FALSE;
  /* Parents come first in @removed, so a restore can put them back in order. */
  g_ptr_array_add (removed, g_object_ref (record));

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      g_autoptr(GPtrArray) ids = NULL;

      if (!is_child_of (&tables[i], table))
        continue;
      ids = child_ids (txn, &tables[i], id, FALSE, error);
      if (ids == NULL)
        return FALSE;
      for (guint j = 0; j < ids->len; j++)
        if (!delete_recursive (txn, &tables[i], g_ptr_array_index (ids, j), removed, now, error))
          return FALSE;
    }

  if (strcmp (table->name, "invoices") == 0)
    {
      released = billed_entries (txn, id, error);
      if (released == NULL)
        return FALSE;
    }

  /* A row the server never saw just goes, unless rows still point at it (tombstoned
   * children, or references other than the parent column): removing it would break their
   * foreign key, so it stays as a tombstone like a synced row. */
  keep_tombstone = g_strcmp0 (gp_record_get_sync_status (record), "created") != 0;
  if (!keep_tombstone && !was_sent (txn, table, id, &keep_tombstone, error))
    return FALSE;
  if (!keep_tombstone && !is_referenced (txn, table, id, &keep_tombstone, error))
    return FALSE;

  if (keep_tombstone)
    sql = g_strdup_printf ("UPDATE %s SET _status = 'deleted', _rev = _rev + 1 WHERE id = ?", table->name);
  else
    sql = g_strdup_printf ("DELETE FROM %s WHERE id = ?", table->name);
  stmt = _gp_store_txn_prepare (txn, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  ok = step_done (txn, stmt, "delete", error);
  sqlite3_finalize (stmt);
  if (!ok)
    return FALSE;

  json = record_to_json_text (record);
  if (!_gp_store_txn_add_history (txn, table->name, id, "*", json, NULL, now, "local", error))
    return FALSE;

  _gp_store_txn_changed (txn, table->name, id);

  /* The time the invoice billed is free again; it rides along (after the invoice) so that
   * an undo bills it again. */
  for (guint i = 0; released != NULL && i < released->len; i++)
    g_ptr_array_add (removed, g_object_ref (g_ptr_array_index (released, i)));
  return TRUE;
}

/* Inside another command: deletes a record and its children like gp_store_delete_async(). */
gboolean
_gp_store_txn_delete (GpStoreTxn  *txn,
                      const char  *table,
                      const char  *id,
                      GError     **error)
{
  const GpTable *t;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);

  if (!lookup_table (table, &t, error))
    return FALSE;
  return delete_recursive (txn, t, id, removed, _gp_store_now_ms (), error);
}

static gboolean
delete_run (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  RecordRef *data = user_data;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);

  if (strcmp (data->table->name, "invoice_lines") == 0)
    {
      g_autoptr(GpRecord) line = _gp_store_txn_read_record (txn, data->table, data->id, FALSE, NULL);

      if (line != NULL && !check_line_editable (txn, gp_record_get_string (line, "invoice_id"), error))
        return FALSE;
    }

  if (!delete_recursive (txn, data->table, data->id, removed, _gp_store_now_ms (), error))
    return FALSE;

  _gp_store_txn_set_result (txn, g_steal_pointer (&removed), (GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

/**
 * gp_store_delete_async:
 * @self: a #GpStore
 * @table: the table
 * @id: the record to delete
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the delete committed or failed
 * @user_data: data for @callback
 *
 * Deletes a record and its children (a client's invoices with their lines and its
 * tickets; an invoice's lines) in one transaction. Rows the server never saw are removed;
 * synced rows become tombstones, hidden from every query, until a push carries the delete.
 * Use gp_store_delete_finish_removed() to keep what was removed for an undo.
 */
void
gp_store_delete_async (GpStore             *self,
                       const char          *table,
                       const char          *id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RecordRef) data = NULL;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (table != NULL);
  g_return_if_fail (id != NULL);

  data = g_new0 (RecordRef, 1);
  if (!lookup_table (table, &data->table, &error))
    {
      g_task_report_error (self, callback, user_data, gp_store_delete_async, g_steal_pointer (&error));
      return;
    }
  data->id = g_strdup (id);

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, delete_run, g_steal_pointer (&data),
                       (GDestroyNotify)record_ref_free, cancellable, callback, user_data,
                       gp_store_delete_async);
}

/**
 * gp_store_delete_finish_removed:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error (%GP_STORE_ERROR_NOT_FOUND if there was no such
 *   record)
 *
 * Finishes a delete and hands back what it removed, for gp_store_restore_async(). Call
 * this or gp_store_delete_finish(), not both.
 *
 * Returns: (transfer full) (element-type GpRecord) (nullable): the removed records, the
 *   deleted record first and parents before children, each with its sync status from
 *   before the delete; %NULL on error
 */
GPtrArray *
gp_store_delete_finish_removed (GpStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  gpointer removed = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_delete_async), NULL);

  if (!_gp_store_run_finish (self, result, &removed, error))
    return NULL;
  return removed;
}

/**
 * gp_store_delete_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the record was deleted
 */
gboolean
gp_store_delete_finish (GpStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_autoptr(GPtrArray) removed = gp_store_delete_finish_removed (self, result, error);

  return removed != NULL;
}

/* Restore */

/* Bills @record's time again on the invoice it was billed on before a delete, if that
 * invoice is back and the time is still unbilled (@raw: the row as it is now). An ordinary
 * local edit, so it syncs. */
static gboolean
rebill_entry (GpStoreTxn  *txn,
              GpRecord    *record,
              JsonObject  *raw,
              GError     **error)
{
  const char *invoice_id = gp_record_get_string (record, "billed_invoice_id");
  g_autoptr(GpRecord) invoice = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autofree char *saved = NULL;

  if (invoice_id == NULL
      || json_object_get_string_member_with_default (raw, "billed_invoice_id", NULL) != NULL)
    return TRUE;
  invoice = _gp_store_txn_read_record (txn, gp_schema_lookup_table ("invoices"), invoice_id, FALSE, NULL);
  if (invoice == NULL)
    return TRUE;

  fields = json_object_new ();
  json_object_set_string_member (fields, "billed_invoice_id", invoice_id);
  saved = _gp_store_txn_save (txn, "time_entries", gp_record_get_id (record), fields, error);
  return saved != NULL;
}

static gboolean
restore_run (GpStoreTxn  *txn,
             gpointer     user_data,
             GError     **error)
{
  GPtrArray *records = user_data;
  gint64 now = _gp_store_now_ms ();
  g_autoptr(GHashTable) restored_ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < records->len; i++)
    g_hash_table_add (restored_ids, (gpointer)gp_record_get_id (g_ptr_array_index (records, i)));

  for (guint i = 0; i < records->len; i++)
    {
      GpRecord *record = g_ptr_array_index (records, i);
      const char *id = gp_record_get_id (record);
      const GpTable *table;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonObject) raw = NULL;
      g_autofree char *json = NULL;

      if (!lookup_table (gp_record_get_table (record), &table, error))
        return FALSE;

      raw = _gp_store_txn_read_raw (txn, table, id, &local_error);
      if (raw == NULL && !g_error_matches (local_error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      /* Time released by a deleted invoice (its ticket stayed): it was never removed, so it
       * only gets its invoice back; if it has gone since, it stays gone. */
      if (strcmp (table->name, "time_entries") == 0 && gp_record_get_string (record, "ticket_id") != NULL
          && !g_hash_table_contains (restored_ids, gp_record_get_string (record, "ticket_id")))
        {
          if (raw != NULL && g_strcmp0 (json_object_get_string_member (raw, "_status"), "deleted") != 0
              && !rebill_entry (txn, record, raw, error))
            return FALSE;
          continue;
        }

      if (raw != NULL)
        {
          g_autofree char *sql = NULL;
          const char *status = gp_record_get_sync_status (record);
          sqlite3_stmt *stmt;
          gboolean ok;

          /* Already back (restored twice, or never gone): nothing to do, but time whose
           * invoice came back is billed on it again. */
          if (g_strcmp0 (json_object_get_string_member (raw, "_status"), "deleted") != 0)
            {
              if (strcmp (table->name, "time_entries") == 0 && !rebill_entry (txn, record, raw, error))
                return FALSE;
              continue;
            }

          /* The tombstone still holds the data: lift it, as the row was before. */
          if (g_strcmp0 (status, "deleted") == 0)
            status = "updated";
          sql = g_strdup_printf ("UPDATE %s SET _status = ?, _rev = _rev + 1 WHERE id = ?", table->name);
          stmt = _gp_store_txn_prepare (txn, sql, error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_text (stmt, 1, status, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
          ok = step_done (txn, stmt, "restore", error);
          sqlite3_finalize (stmt);
          if (!ok)
            return FALSE;
        }
      else
        {
          /* The row is gone (never synced, or its tombstone was pushed and purged): the
           * server does not have it, so it comes back as a new record. */
          if (!validate_fields (table, gp_record_get_fields (record), error) ||
              !insert_row (txn, table, id, gp_record_get_fields (record), "created", error))
            return FALSE;
        }

      json = record_to_json_text (record);
      if (!_gp_store_txn_add_history (txn, table->name, id, "*", NULL, json, now, "local", error))
        return FALSE;
      _gp_store_txn_changed (txn, table->name, id);

      /* A tombstone lifted after its invoice released it: bill it again. */
      if (raw != NULL && strcmp (table->name, "time_entries") == 0)
        {
          g_autoptr(JsonObject) now_raw = _gp_store_txn_read_raw (txn, table, id, error);

          if (now_raw == NULL || !rebill_entry (txn, record, now_raw, error))
            return FALSE;
        }
    }

  return TRUE;
}

/**
 * gp_store_restore_async:
 * @self: a #GpStore
 * @records: (element-type GpRecord): what gp_store_delete_finish_removed() returned
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the restore committed or failed
 * @user_data: data for @callback
 *
 * Undoes a delete in one transaction: tombstones come back with their sync status and
 * data as before, removed rows are inserted again with their old ids and fields.
 */
void
gp_store_restore_async (GpStore             *self,
                        GPtrArray           *records,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (records != NULL);

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, restore_run, g_ptr_array_ref (records),
                       (GDestroyNotify)g_ptr_array_unref, cancellable, callback, user_data,
                       gp_store_restore_async);
}

/**
 * gp_store_restore_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the records are back
 */
gboolean
gp_store_restore_finish (GpStore       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_restore_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}

/* Get */

static gboolean
get_run (GpStoreTxn  *txn,
         gpointer     user_data,
         GError     **error)
{
  RecordRef *data = user_data;
  GpRecord *record = _gp_store_txn_read_record (txn, data->table, data->id, FALSE, error);

  if (record == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, record, g_object_unref);
  return TRUE;
}

/**
 * gp_store_get_async:
 * @self: a #GpStore
 * @table: the table
 * @id: the record id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the record
 * @user_data: data for @callback
 *
 * Reads one record; deleted records are not found.
 */
void
gp_store_get_async (GpStore             *self,
                    const char          *table,
                    const char          *id,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RecordRef) data = NULL;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (table != NULL);
  g_return_if_fail (id != NULL);

  data = g_new0 (RecordRef, 1);
  if (!lookup_table (table, &data->table, &error))
    {
      g_task_report_error (self, callback, user_data, gp_store_get_async, g_steal_pointer (&error));
      return;
    }
  data->id = g_strdup (id);

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, get_run, g_steal_pointer (&data),
                       (GDestroyNotify)record_ref_free, cancellable, callback, user_data,
                       gp_store_get_async);
}

/**
 * gp_store_get_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error (%GP_STORE_ERROR_NOT_FOUND)
 *
 * Returns: (transfer full) (nullable): the record
 */
GpRecord *
gp_store_get_finish (GpStore       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  gpointer record = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_get_async), NULL);

  if (!_gp_store_run_finish (self, result, &record, error))
    return NULL;
  return record;
}

/* Query */

static int
compare_nocase (const char *a,
                const char *b)
{
  /* SQLite's NOCASE: ASCII letters folded, bytes compared unsigned, shorter first. */
  const guchar *p = (const guchar *)a;
  const guchar *q = (const guchar *)b;

  for (;; p++, q++)
    {
      int c = g_ascii_tolower (*p);
      int d = g_ascii_tolower (*q);

      if (c != d)
        return c - d;
      if (c == 0)
        return 0;
    }
}

/**
 * _gp_store_compare_records:
 * @table: the records' table
 * @column: (nullable): the sort column, %NULL for "created_at"
 * @descending: whether the order runs high to low
 * @a: a record
 * @b: another record
 *
 * Compares two records exactly as the store's queries order them: nulls first, text by
 * SQLite's NOCASE, integers numerically, ties by id; all reversed when @descending.
 *
 * Returns: negative, 0 or positive
 */
int
_gp_store_compare_records (const GpTable *table,
                           const char    *column,
                           gboolean       descending,
                           GpRecord      *a,
                           GpRecord      *b)
{
  int result = 0;

  if (column == NULL)
    column = "created_at";

  if (strcmp (column, "id") != 0)
    {
      JsonNode *x = json_object_get_member (gp_record_get_fields (a), column);
      JsonNode *y = json_object_get_member (gp_record_get_fields (b), column);
      gboolean x_null = x == NULL || JSON_NODE_HOLDS_NULL (x);
      gboolean y_null = y == NULL || JSON_NODE_HOLDS_NULL (y);

      if (x_null || y_null)
        result = (int)!x_null - (int)!y_null;
      else if (json_node_get_value_type (x) == G_TYPE_INT64 && json_node_get_value_type (y) == G_TYPE_INT64)
        {
          gint64 i = json_node_get_int (x), j = json_node_get_int (y);
          result = (i > j) - (i < j);
        }
      else
        {
          const char *s = json_node_get_string (x), *t = json_node_get_string (y);
          result = compare_nocase (s != NULL ? s : "", t != NULL ? t : "");
        }
    }

  if (result == 0)
    result = strcmp (gp_record_get_id (a), gp_record_get_id (b));

  return descending ? -result : result;
}

typedef struct
{
  const GpTable *table;
  GpQuery       *query;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_clear_pointer (&data->query, gp_query_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QueryData, query_data_free)

static char *
escape_like (const char *text)
{
  GString *s = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '%');
  return g_string_free (s, FALSE);
}

/* Runs @query (restricted to @ids when not NULL) and adds to @out a record per row,
 * or with @id_func calls it with each row's id instead, or with @count stores the number
 * of matching rows (ignoring order, limit and offset). */
static gboolean
query_page (GpStoreTxn          *txn,
            const GpTable       *table,
            GpQuery             *query,
            const char * const  *ids,
            guint                n_ids,
            GpStoreIdFunc        id_func,
            gpointer             id_data,
            GPtrArray           *out,
            guint               *count,
            GError             **error)
{
  gboolean ids_only = id_func != NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *pattern = NULL;
  const char *filter = gp_query_get_filter_text (query);
  const char *where = gp_query_get_where_column (query);
  const char *order = gp_query_get_order_column (query);
  const GpColumn *order_column;
  const char *direction = gp_query_get_descending (query) ? " DESC" : "";
  sqlite3_stmt *stmt;
  int index = 1;
  int rc;

  if (filter != NULL && table->search_columns != NULL && table->search_columns[0] != NULL)
    pattern = escape_like (filter);

  /* A text filter tests the rows one by one anyway: a plain scan, then sorting what
   * matches, beats walking a (partial) sort index and fetching every row from it, which
   * is what SQLite's planner picks otherwise. */
  g_string_printf (sql, "SELECT %s FROM %s%s WHERE _status != 'deleted'",
                   count != NULL ? "count(*)" : ids_only ? "id" : _gp_store_table_select_list (table),
                   table->name,
                   pattern != NULL && where == NULL && ids == NULL ? " NOT INDEXED" : "");

  if (pattern != NULL)
    {
      g_string_append (sql, " AND (");
      for (guint i = 0; table->search_columns[i] != NULL; i++)
        g_string_append_printf (sql, "%s%s LIKE ?1 ESCAPE '\\'", i > 0 ? " OR " : "",
                                table->search_columns[i]);
      g_string_append (sql, ")");
      index = 2;
    }

  if (where != NULL)
    g_string_append_printf (sql, " AND %s %s", where,
                            gp_query_get_where_value (query) != NULL ? "= ?" : "IS NULL");

  if (ids != NULL)
    {
      g_string_append (sql, " AND id IN (");
      for (guint i = 0; i < n_ids; i++)
        g_string_append (sql, i > 0 ? ", ?" : "?");
      g_string_append (sql, ")");
    }

  order_column = order != NULL ? gp_schema_lookup_column (table, order) : NULL;
  if (order == NULL)
    order = "created_at";
  if (count == NULL)
    g_string_append_printf (sql, " ORDER BY %s%s%s, id%s", order,
                            order_column != NULL && order_column->type == GP_COLUMN_TEXT ? " COLLATE NOCASE" : "",
                            direction, direction);

  if (count != NULL)
    ;
  else if (gp_query_get_limit (query) > 0)
    g_string_append_printf (sql, " LIMIT %u OFFSET %u", gp_query_get_limit (query),
                            gp_query_get_offset (query));
  else if (gp_query_get_offset (query) > 0)
    g_string_append_printf (sql, " LIMIT -1 OFFSET %u", gp_query_get_offset (query));

  stmt = _gp_store_txn_prepare (txn, sql->str, error);
  if (stmt == NULL)
    return FALSE;

  if (pattern != NULL)
    sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  if (where != NULL && gp_query_get_where_value (query) != NULL)
    {
      const GpColumn *column = gp_schema_lookup_column (table, where);
      const char *value = gp_query_get_where_value (query);
      gint64 number;

      if (column != NULL && column->type == GP_COLUMN_INTEGER &&
          g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &number, NULL))
        sqlite3_bind_int64 (stmt, index++, number);
      else
        sqlite3_bind_text (stmt, index++, value, -1, SQLITE_TRANSIENT);
    }
  for (guint i = 0; ids != NULL && i < n_ids; i++)
    sqlite3_bind_text (stmt, index++, ids[i], -1, SQLITE_TRANSIENT);

  if (count != NULL)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *count = (guint)CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT);
          rc = SQLITE_DONE;
        }
    }
  else if (ids_only)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      id_func ((const char *)sqlite3_column_text (stmt, 0), id_data);
  else
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_ptr_array_add (out, _gp_store_record_from_stmt (table, stmt));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "query");
      return FALSE;
    }
  return TRUE;
}

static int
compare_for_query (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  QueryData *data = user_data;

  return _gp_store_compare_records (data->table, gp_query_get_order_column (data->query),
                                    gp_query_get_descending (data->query),
                                    *(GpRecord **)a, *(GpRecord **)b);
}

static gboolean
check_query (GpQuery        *query,
             const GpTable **table,
             GError        **error)
{
  const char *where = gp_query_get_where_column (query);
  const char *order = gp_query_get_order_column (query);

  if (!lookup_table (gp_query_get_table (query), table, error))
    return FALSE;
  if (where != NULL && gp_schema_lookup_column (*table, where) == NULL && strcmp (where, "id") != 0)
    return invalid (error, _("%s have no column “%s”."), (*table)->name, where);
  if (order != NULL && gp_schema_lookup_column (*table, order) == NULL && strcmp (order, "id") != 0)
    return invalid (error, _("%s have no column “%s”."), (*table)->name, order);
  return TRUE;
}

/**
 * _gp_store_txn_query:
 * @txn: the running command
 * @query: what to read
 * @error: return location for an error
 *
 * Runs @query inside a command, as gp_store_query_async() does.
 *
 * Returns: (transfer full) (element-type GpRecord) (nullable): the records in order
 */
GPtrArray *
_gp_store_txn_query (GpStoreTxn  *txn,
                     GpQuery     *query,
                     GError     **error)
{
  QueryData data = { NULL, query };
  const char * const *ids = gp_query_get_ids (query);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);

  if (!check_query (query, &data.table, error))
    return NULL;

  if (ids == NULL)
    {
      if (!query_page (txn, data.table, query, NULL, 0, NULL, NULL, records, NULL, error))
        return NULL;
    }
  else
    {
      guint n = g_strv_length ((char **)ids);

      for (guint start = 0; start < n; start += IDS_PER_STATEMENT)
        if (!query_page (txn, data.table, query, ids + start,
                         MIN (IDS_PER_STATEMENT, n - start), NULL, NULL, records, NULL, error))
          return NULL;
      if (n > IDS_PER_STATEMENT)
        g_ptr_array_sort_with_data (records, compare_for_query, &data);
    }

  return g_steal_pointer (&records);
}

/**
 * _gp_store_txn_query_foreach_id:
 * @txn: the running command
 * @query: what to read; its id restriction is ignored
 * @func: called with each matching id, in order
 * @user_data: data for @func
 * @error: return location for an error
 *
 * Like _gp_store_txn_query(), but reads only the ids: filtering and sorting run in
 * SQLite without building a record (or even a string) per row.
 *
 * Returns: whether the query ran
 */
gboolean
_gp_store_txn_query_foreach_id (GpStoreTxn     *txn,
                                GpQuery        *query,
                                GpStoreIdFunc   func,
                                gpointer        user_data,
                                GError        **error)
{
  const GpTable *table = NULL;

  return check_query (query, &table, error) &&
         query_page (txn, table, query, NULL, 0, func, user_data, NULL, NULL, error);
}

/**
 * _gp_store_txn_query_count:
 * @txn: the running command
 * @query: what to count; its order, limit, offset and id restriction are ignored
 * @count: (out): the number of matching live rows
 * @error: return location for an error
 *
 * Returns: whether the query ran
 */
gboolean
_gp_store_txn_query_count (GpStoreTxn  *txn,
                           GpQuery     *query,
                           guint       *count,
                           GError     **error)
{
  const GpTable *table = NULL;

  *count = 0;
  return check_query (query, &table, error) &&
         query_page (txn, table, query, NULL, 0, NULL, NULL, NULL, count, error);
}

static gboolean
query_run (GpStoreTxn  *txn,
           gpointer     user_data,
           GError     **error)
{
  QueryData *data = user_data;
  GPtrArray *records = _gp_store_txn_query (txn, data->query, error);

  if (records == NULL)
    return FALSE;
  _gp_store_txn_set_result (txn, records, (GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

/**
 * gp_store_query_async:
 * @self: a #GpStore
 * @query: what to read (copied)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the records
 * @user_data: data for @callback
 *
 * Reads the live rows matching @query, filtered and sorted by SQLite on the store thread;
 * the records are built there too and arrive as one batch.
 */
void
gp_store_query_async (GpStore             *self,
                      GpQuery             *query,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QueryData) data = NULL;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (query != NULL);

  data = g_new0 (QueryData, 1);
  data->query = gp_query_copy (query);
  if (!check_query (data->query, &data->table, &error))
    {
      g_task_report_error (self, callback, user_data, gp_store_query_async, g_steal_pointer (&error));
      return;
    }

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, query_run, g_steal_pointer (&data),
                       (GDestroyNotify)query_data_free, cancellable, callback, user_data,
                       gp_store_query_async);
}

/**
 * gp_store_query_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type GpRecord) (nullable): the records in order
 */
GPtrArray *
gp_store_query_finish (GpStore       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  gpointer records = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_query_async), NULL);

  if (!_gp_store_run_finish (self, result, &records, error))
    return NULL;
  return records;
}

/* History */

static gboolean
history_run (GpStoreTxn  *txn,
             gpointer     user_data,
             GError     **error)
{
  RecordRef *data = user_data;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)gp_history_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT field, old, new, at, origin FROM history "
                                "WHERE table_name = ? AND record_id = ? ORDER BY id",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->table->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, data->id, -1, SQLITE_TRANSIENT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GpHistoryEntry *entry = g_new0 (GpHistoryEntry, 1);

      entry->table = g_strdup (data->table->name);
      entry->record_id = g_strdup (data->id);
      entry->field = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      entry->old_value = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      entry->new_value = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      entry->at = sqlite3_column_int64 (stmt, 3);
      entry->origin = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
      g_ptr_array_add (entries, entry);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "history");
      return FALSE;
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&entries), (GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

/**
 * gp_store_history_async:
 * @self: a #GpStore
 * @table: the table
 * @id: the record id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the history
 * @user_data: data for @callback
 *
 * Reads a record's history, oldest first (also for deleted records).
 */
void
gp_store_history_async (GpStore             *self,
                        const char          *table,
                        const char          *id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RecordRef) data = NULL;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (table != NULL);
  g_return_if_fail (id != NULL);

  data = g_new0 (RecordRef, 1);
  if (!lookup_table (table, &data->table, &error))
    {
      g_task_report_error (self, callback, user_data, gp_store_history_async, g_steal_pointer (&error));
      return;
    }
  data->id = g_strdup (id);

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, history_run, g_steal_pointer (&data),
                       (GDestroyNotify)record_ref_free, cancellable, callback, user_data,
                       gp_store_history_async);
}

/**
 * gp_store_history_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type GpHistoryEntry) (nullable): the entries, oldest first
 */
GPtrArray *
gp_store_history_finish (GpStore       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  gpointer entries = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_history_async), NULL);

  if (!_gp_store_run_finish (self, result, &entries, error))
    return NULL;
  return entries;
}

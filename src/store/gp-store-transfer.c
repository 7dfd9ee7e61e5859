/* gp-store-transfer.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* CSV export and client import, backup and restore, as GpStore commands.
 *
 * Backup and restore use a second connection to the same file, opened on the store thread
 * for the length of the command: the store's own connection is inside the command's
 * (deferred, so lock-free) transaction, which VACUUM INTO and the backup API cannot run
 * in. Because every command runs on the store thread one after another, nothing writes
 * meanwhile. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store-transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "gp-csv.h"
#include "gp-money.h"
#include "gp-schema.h"
#include "gp-store-private.h"

/* Active ISO 4217 codes, sorted. */
static const char * const known_currencies[] = {
  "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
  "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
  "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
  "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
  "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
  "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
  "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
  "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
  "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
  "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
  "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU",
  "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
};

static int
compare_codes (const void *a,
               const void *b)
{
  return strcmp (a, *(const char * const *)b);
}

/**
 * gp_currency_is_known:
 * @code: (nullable): a currency code
 *
 * Returns: whether @code is an active ISO 4217 currency
 */
gboolean
gp_currency_is_known (const char *code)
{
  if (!gp_money_is_valid_currency (code))
    return FALSE;
  return bsearch (code, known_currencies, G_N_ELEMENTS (known_currencies), sizeof (char *),
                  compare_codes) != NULL;
}

static void
import_row_free (GpImportRow *row)
{
  g_free (row->name);
  g_free (row->email);
  g_free (row->currency);
  g_free (row->error);
  g_clear_pointer (&row->fields, json_object_unref);
  g_free (row);
}

/**
 * gp_import_free:
 * @self: (transfer full): a #GpImport
 *
 * Frees @self.
 */
void
gp_import_free (GpImport *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_strfreev (self->ignored_columns);
  g_free (self);
}

static gboolean
step_ok (GpStoreTxn  *txn,
         int          rc,
         const char  *what,
         GError     **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, what);
  return FALSE;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           col)
{
  return (const char *)sqlite3_column_text (stmt, col);
}

static void
append_decimal (GString      *out,
                sqlite3_stmt *stmt,
                int           col,
                guint         digits)
{
  g_autofree char *text = NULL;

  if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
    text = gp_csv_format_decimal (sqlite3_column_int64 (stmt, col), digits);
  gp_csv_append_field (out, text, FALSE);
}

static void
append_time (GString      *out,
             sqlite3_stmt *stmt,
             int           col)
{
  g_autofree char *text = NULL;

  if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, col) / 1000);

      if (dt != NULL)
        text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
    }
  gp_csv_append_field (out, text, FALSE);
}

static void
append_header (GString            *out,
               const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    gp_csv_append_field (out, names[i], i == 0);
  gp_csv_end_row (out);
}

/* Export */

static gboolean
export_clients (GpStoreTxn  *txn,
                GString     *out,
                GError     **error)
{
  static const char * const header[] = {
    "id", "name", "email", "company", "address", "tax_id", "currency", "hourly_rate", "notes", NULL
  };
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT id, name, email, company, address, tax_id, currency, hourly_rate, notes "
                                "FROM clients WHERE _status != 'deleted' ORDER BY name COLLATE NOCASE, id",
                                error);
  if (stmt == NULL)
    return FALSE;
  append_header (out, header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gp_csv_append_field (out, column_text (stmt, 0), TRUE);
      for (int col = 1; col <= 6; col++)
        gp_csv_append_text (out, column_text (stmt, col), FALSE);
      append_decimal (out, stmt, 7, gp_money_get_minor_digits (column_text (stmt, 6)));
      gp_csv_append_text (out, column_text (stmt, 8), FALSE);
      gp_csv_end_row (out);
    }
  sqlite3_finalize (stmt);
  return step_ok (txn, rc, "export clients", error);
}

static gboolean
export_invoices (GpStoreTxn  *txn,
                 GString     *out,
                 GError     **error)
{
  static const char * const header[] = {
    "invoice_id", "number", "client", "status", "currency", "issued_on", "due_on", "paid_on",
    "position", "description", "quantity", "unit_price", "discount_percent", "tax_percent",
    "net", "tax", NULL
  };
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT i.id, i.number, c.name, i.status, i.currency, i.issued_on, i.due_on, "
                                "i.paid_on, l.position, l.description, l.quantity, l.unit_price, l.discount, "
                                "l.tax_rate, l.id "
                                "FROM invoices i LEFT JOIN clients c ON c.id = i.client_id "
                                "LEFT JOIN invoice_lines l ON l.invoice_id = i.id AND l._status != 'deleted' "
                                "WHERE i._status != 'deleted' "
                                "ORDER BY i.issued_on, i.number, i.id, l.position, l.id",
                                error);
  if (stmt == NULL)
    return FALSE;
  append_header (out, header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint digits = gp_money_get_minor_digits (column_text (stmt, 4));

      gp_csv_append_field (out, column_text (stmt, 0), TRUE);
      for (int col = 1; col <= 7; col++)
        gp_csv_append_text (out, column_text (stmt, col), FALSE);

      if (sqlite3_column_type (stmt, 14) == SQLITE_NULL)
        {
          /* An invoice without lines still gets its row. */
          for (guint i = 0; i < 8; i++)
            gp_csv_append_field (out, NULL, FALSE);
        }
      else
        {
          gint64 net = 0, tax = 0;
          g_autofree char *net_text = NULL;
          g_autofree char *tax_text = NULL;

          append_decimal (out, stmt, 8, 0);
          gp_csv_append_text (out, column_text (stmt, 9), FALSE);
          append_decimal (out, stmt, 10, 3);
          append_decimal (out, stmt, 11, digits);
          append_decimal (out, stmt, 12, 2);
          append_decimal (out, stmt, 13, 2);
          if (gp_invoice_line_compute (sqlite3_column_int64 (stmt, 10), sqlite3_column_int64 (stmt, 11),
                                       sqlite3_column_int64 (stmt, 12), sqlite3_column_int64 (stmt, 13),
                                       &net, &tax, NULL))
            {
              net_text = gp_csv_format_decimal (net, digits);
              tax_text = gp_csv_format_decimal (tax, digits);
            }
          gp_csv_append_field (out, net_text, FALSE);
          gp_csv_append_field (out, tax_text, FALSE);
        }
      gp_csv_end_row (out);
    }
  sqlite3_finalize (stmt);
  return step_ok (txn, rc, "export invoices", error);
}

static gboolean
export_tickets (GpStoreTxn  *txn,
                GString     *out,
                GError     **error)
{
  static const char * const header[] = {
    "id", "client", "title", "body", "status", "priority", "due_on", "hours_logged", "created_at", NULL
  };
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT t.id, c.name, t.title, t.body, t.status, t.priority, t.due_on, "
                                "  (SELECT (coalesce (sum (e.duration_ms), 0) + 1800) / 3600 FROM time_entries e "
                                "   WHERE e.ticket_id = t.id AND e._status != 'deleted' AND e.ended_at IS NOT NULL), "
                                "  t.created_at "
                                "FROM tickets t LEFT JOIN clients c ON c.id = t.client_id "
                                "WHERE t._status != 'deleted' ORDER BY t.created_at, t.id",
                                error);
  if (stmt == NULL)
    return FALSE;
  append_header (out, header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gp_csv_append_field (out, column_text (stmt, 0), TRUE);
      for (int col = 1; col <= 6; col++)
        gp_csv_append_text (out, column_text (stmt, col), FALSE);
      append_decimal (out, stmt, 7, 3);
      append_time (out, stmt, 8);
      gp_csv_end_row (out);
    }
  sqlite3_finalize (stmt);
  return step_ok (txn, rc, "export tickets", error);
}

static gboolean
export_time (GpStoreTxn  *txn,
             GString     *out,
             GError     **error)
{
  static const char * const header[] = {
    "id", "ticket", "client", "started_at", "ended_at", "hours", "billable", "billed_on_invoice", "note", NULL
  };
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT e.id, t.title, c.name, e.started_at, e.ended_at, "
                                "  (e.duration_ms + 1800) / 3600, e.billable, i.number, e.note "
                                "FROM time_entries e LEFT JOIN tickets t ON t.id = e.ticket_id "
                                "LEFT JOIN clients c ON c.id = t.client_id "
                                "LEFT JOIN invoices i ON i.id = e.billed_invoice_id "
                                "WHERE e._status != 'deleted' ORDER BY e.started_at, e.id",
                                error);
  if (stmt == NULL)
    return FALSE;
  append_header (out, header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gp_csv_append_field (out, column_text (stmt, 0), TRUE);
      gp_csv_append_text (out, column_text (stmt, 1), FALSE);
      gp_csv_append_text (out, column_text (stmt, 2), FALSE);
      append_time (out, stmt, 3);
      append_time (out, stmt, 4);
      append_decimal (out, stmt, 5, 3);
      gp_csv_append_field (out, sqlite3_column_int64 (stmt, 6) ? "yes" : "no", FALSE);
      gp_csv_append_text (out, column_text (stmt, 7), FALSE);
      gp_csv_append_text (out, column_text (stmt, 8), FALSE);
      gp_csv_end_row (out);
    }
  sqlite3_finalize (stmt);
  return step_ok (txn, rc, "export time", error);
}

static gboolean
export_run (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  GpExportKind kind = GPOINTER_TO_INT (user_data);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean ok = FALSE;

  switch (kind)
    {
    case GP_EXPORT_CLIENTS:
      ok = export_clients (txn, out, error);
      break;
    case GP_EXPORT_INVOICES:
      ok = export_invoices (txn, out, error);
      break;
    case GP_EXPORT_TICKETS:
      ok = export_tickets (txn, out, error);
      break;
    case GP_EXPORT_TIME:
      ok = export_time (txn, out, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return FALSE;

  _gp_store_txn_set_result (txn, g_string_free_to_bytes (g_steal_pointer (&out)), (GDestroyNotify)g_bytes_unref);
  return TRUE;
}

/**
 * gp_store_export_csv_async:
 * @self: a #GpStore
 * @kind: what to export
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the CSV
 * @user_data: data for @callback
 *
 * Exports the live rows as RFC 4180 CSV (UTF-8, CRLF, a header row): clients; invoices with
 * one row per line (an invoice without lines gets one row) and each line's net and tax;
 * tickets with the hours logged; time entries. Amounts are plain decimals in the row's
 * currency ("1234.50"), quantities and hours have three decimals, percentages two, times
 * are UTC ISO 8601. Free text that a spreadsheet would take for a formula gets a leading
 * apostrophe.
 */
void
gp_store_export_csv_async (GpStore             *self,
                           GpExportKind         kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (kind <= GP_EXPORT_TIME);

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, export_run, GINT_TO_POINTER (kind), NULL,
                       cancellable, callback, user_data, gp_store_export_csv_async);
}

/**
 * gp_store_export_csv_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the CSV text
 */
GBytes *
gp_store_export_csv_finish (GpStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  gpointer bytes = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_export_csv_async), NULL);

  if (!_gp_store_run_finish (self, result, &bytes, error))
    return NULL;
  return bytes;
}

/* Import */

typedef struct
{
  GBytes   *csv;
  gboolean  commit;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_bytes_unref (data->csv);
  g_free (data);
}

static char *
normalize_header (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);

  g_strstrip (lower);
  g_strdelimit (lower, " -", '_');
  if (strcmp (lower, "vat") == 0 || strcmp (lower, "vat_id") == 0)
    return g_strdup ("tax_id");
  if (strcmp (lower, "rate") == 0)
    return g_strdup ("hourly_rate");
  if (strcmp (lower, "e_mail") == 0)
    return g_strdup ("email");
  return g_steal_pointer (&lower);
}

static gboolean
is_email (const char *text)
{
  const char *at = strchr (text, '@');
  const char *dot;

  if (at == NULL || at == text || strchr (at + 1, '@') != NULL || strpbrk (text, " \t,;<>\"") != NULL)
    return FALSE;
  dot = strrchr (at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static gboolean
email_exists (GpStoreTxn  *txn,
              const char  *email,
              gboolean    *exists,
              GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT 1 FROM clients WHERE lower (email) = lower (?) AND _status != 'deleted' LIMIT 1",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, email, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  *exists = rc == SQLITE_ROW;
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  return step_ok (txn, rc, "import", error);
}

static void
add_problem (GString    *problems,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_problem (GString    *problems,
             const char *format,
             ...)
{
  va_list args;

  if (problems->len > 0)
    g_string_append (problems, " ");
  va_start (args, format);
  g_string_append_vprintf (problems, format, args);
  va_end (args);
}

static gboolean
import_run (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  ImportData *data = user_data;
  static const char * const columns[] = {
    "name", "email", "company", "address", "tax_id", "currency", "hourly_rate", "notes", NULL
  };
  g_autoptr(GpImport) import = g_new0 (GpImport, 1);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GStrvBuilder) ignored = g_strv_builder_new ();
  g_autoptr(GHashTable) emails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree int *mapping = NULL;
  gsize size;
  const char *text = g_bytes_get_data (data->csv, &size);
  GStrv header;
  guint n_header;
  gboolean has_name = FALSE;

  import->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)import_row_free);

  rows = gp_csv_parse (text != NULL ? text : "", (gssize)size, error);
  if (rows == NULL)
    return FALSE;
  if (rows->len < 2)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("The file has no clients to import: it needs a header row and at least one row below it."));
      return FALSE;
    }

  /* Which column is which, by the header's names. */
  header = g_ptr_array_index (rows, 0);
  n_header = g_strv_length (header);
  mapping = g_new0 (int, n_header);
  for (guint i = 0; i < n_header; i++)
    {
      g_autofree char *name = normalize_header (header[i]);

      mapping[i] = -1;
      for (int c = 0; columns[c] != NULL; c++)
        if (strcmp (name, columns[c]) == 0)
          mapping[i] = c;
      if (mapping[i] == 0)
        has_name = TRUE;
      if (mapping[i] < 0 && header[i][0] != '\0')
        g_strv_builder_add (ignored, header[i]);
    }
  import->ignored_columns = g_strv_builder_end (ignored);
  if (!has_name)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("The file has no “name” column. The first row must name the columns, for "
                     "example: name,email,currency,hourly_rate."));
      return FALSE;
    }

  for (guint r = 1; r < rows->len; r++)
    {
      GStrv values = g_ptr_array_index (rows, r);
      guint n_values = g_strv_length (values);
      GpImportRow *row = g_new0 (GpImportRow, 1);
      g_autoptr(GString) problems = g_string_new (NULL);
      const char *rate_text = NULL;

      row->line = r + 1;
      row->fields = json_object_new ();
      g_ptr_array_add (import->rows, row);

      if (n_values != n_header)
        add_problem (problems, _("It has %u fields but the header has %u."), n_values, n_header);

      for (guint i = 0; i < MIN (n_values, n_header); i++)
        {
          g_autofree char *value = NULL;
          const char *column;

          if (mapping[i] < 0)
            continue;
          column = columns[mapping[i]];
          value = gp_csv_unguard_text (values[i]);
          g_strstrip (value);
          if (value[0] == '\0')
            continue;

          if (strcmp (column, "hourly_rate") == 0)
            rate_text = values[i];
          else if (strcmp (column, "currency") == 0)
            {
              g_autofree char *upper = g_ascii_strup (value, -1);

              row->currency = g_strdup (upper);
              json_object_set_string_member (row->fields, "currency", upper);
            }
          else
            {
              if (strcmp (column, "name") == 0)
                row->name = g_strdup (value);
              else if (strcmp (column, "email") == 0)
                row->email = g_strdup (value);
              json_object_set_string_member (row->fields, column, value);
            }
        }

      if (row->name == NULL)
        add_problem (problems, "%s", _("The name is empty."));

      if (row->email != NULL)
        {
          g_autofree char *key = g_utf8_strdown (row->email, -1);
          gboolean exists = FALSE;

          if (!is_email (row->email))
            add_problem (problems, _("“%s” is not an email address."), row->email);
          else if (g_hash_table_contains (emails, key))
            add_problem (problems, _("%s is also on line %u."), row->email,
                                                    GPOINTER_TO_UINT (g_hash_table_lookup (emails, key)));
          else
            {
              if (!email_exists (txn, row->email, &exists, error))
                return FALSE;
              if (exists)
                add_problem (problems, _("A client with the email %s already exists."), row->email);
              g_hash_table_insert (emails, g_steal_pointer (&key), GUINT_TO_POINTER (row->line));
            }
        }

      if (row->currency != NULL && !gp_currency_is_known (row->currency))
        add_problem (problems, _("“%s” is not a known currency code (such as EUR or USD)."),
                                                row->currency);

      if (rate_text != NULL)
        {
          guint digits = gp_money_get_minor_digits (row->currency);
          gint64 rate = 0;

          if (!gp_csv_parse_decimal (rate_text, digits, &rate) || rate < 0)
            add_problem (problems, _("The hourly rate “%s” is not an amount like 80 or 80.50."),
                                                    rate_text);
          else
            json_object_set_int_member (row->fields, "hourly_rate", rate);
        }

      if (problems->len > 0)
        {
          row->error = g_strdup (problems->str);
          import->n_errors++;
        }
    }

  if (data->commit)
    {
      if (import->n_errors > 0)
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "%u row has errors, so nothing was imported.",
                                    "%u rows have errors, so nothing was imported.", import->n_errors),
                       import->n_errors);
          return FALSE;
        }
      /* One transaction: a failure on the last row undoes the first. */
      for (guint i = 0; i < import->rows->len; i++)
        {
          GpImportRow *row = g_ptr_array_index (import->rows, i);
          g_autofree char *id = _gp_store_txn_save (txn, "clients", NULL, row->fields, error);

          if (id == NULL)
            {
              g_prefix_error (error, _("Line %u: "), row->line);
              return FALSE;
            }
        }
      import->committed = TRUE;
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&import), (GDestroyNotify)gp_import_free);
  return TRUE;
}

/**
 * gp_store_import_clients_async:
 * @self: a #GpStore
 * @csv: the CSV file's bytes
 * @commit: %FALSE to only check the rows (the preview), %TRUE to import them
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Reads clients from CSV: a header row names the columns (name, email, company, address,
 * tax_id or vat, currency, hourly_rate or rate, notes; other columns are ignored and
 * listed), then one client per row. Each row is checked: a name is needed; the email must
 * look like one and be new; the currency must be a known ISO 4217 code; the rate a plain
 * amount. With @commit, the import is all or nothing: if any row has an error it fails with
 * %GP_STORE_ERROR_INVALID and nothing is written; otherwise all clients are saved in one
 * transaction.
 */
void
gp_store_import_clients_async (GpStore             *self,
                               GBytes              *csv,
                               gboolean             commit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  ImportData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (csv != NULL);

  data = g_new0 (ImportData, 1);
  data->csv = g_bytes_ref (csv);
  data->commit = commit;
  _gp_store_run_async (self, commit ? GP_STORE_COMMAND_WRITE : GP_STORE_COMMAND_READ, import_run, data,
                       (GDestroyNotify)import_data_free, cancellable, callback, user_data,
                       gp_store_import_clients_async);
}

/**
 * gp_store_import_clients_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the checked rows (and whether they were saved)
 */
GpImport *
gp_store_import_clients_finish (GpStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  gpointer import = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_import_clients_async), NULL);

  if (!_gp_store_run_finish (self, result, &import, error))
    return NULL;
  return import;
}

/* Backup */

static gboolean
exec_on (sqlite3     *db,
         const char  *sql,
         const char  *what,
         GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, db, rc, what);
      return FALSE;
    }
  return TRUE;
}

static sqlite3 *
open_connection (const char  *path,
                 int          flags,
                 GError     **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED, _("Could not open “%s”: %s."), path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, TRUE);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* Copies the database behind @db to @destination, atomically: a temporary file in the same
 * folder, flushed to disk, then renamed over @destination. */
static gboolean
vacuum_into (sqlite3     *db,
             const char  *destination,
             GError     **error)
{
  g_autofree char *partial = g_strdup_printf ("%s.partial", destination);
  char *sql;
  gboolean ok;
  int fd;

  if (g_unlink (partial) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED, _("Could not write “%s”: %s."), partial,
                   g_strerror (saved_errno));
      return FALSE;
    }

  sql = sqlite3_mprintf ("VACUUM INTO %Q", partial);
  ok = exec_on (db, sql, "backup", error);
  sqlite3_free (sql);
  if (!ok)
    {
      g_unlink (partial);
      return FALSE;
    }

  /* VACUUM INTO does not sync its output; a backup must survive a power cut. */
  fd = g_open (partial, O_RDONLY, 0);
  if (fd < 0 || fsync (fd) != 0 || g_rename (partial, destination) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_unlink (partial);
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED, _("Could not write “%s”: %s."), destination,
                   g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
backup_run (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  const char *destination = user_data;
  const char *path = sqlite3_db_filename (_gp_store_txn_get_db (txn), "main");
  sqlite3 *db;
  gboolean ok;

  db = open_connection (path, SQLITE_OPEN_READONLY, error);
  if (db == NULL)
    return FALSE;
  ok = vacuum_into (db, destination, error);
  sqlite3_close (db);
  if (!ok)
    g_prefix_error (error, _("The backup failed: "));
  return ok;
}

/**
 * gp_store_backup_async:
 * @self: a #GpStore
 * @destination: the backup file to write (replaced if it exists)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the backup is written
 * @user_data: data for @callback
 *
 * Writes a consistent copy of the whole database (records, sync state, history, local
 * settings) to one compact SQLite file, with VACUUM INTO. The file is written next to
 * @destination, flushed, then renamed, so an older backup is only replaced by a whole one.
 */
void
gp_store_backup_async (GpStore             *self,
                       const char          *destination,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (destination != NULL);

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, backup_run, g_strdup (destination), g_free,
                       cancellable, callback, user_data, gp_store_backup_async);
}

/**
 * gp_store_backup_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the backup was written
 */
gboolean
gp_store_backup_finish (GpStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_backup_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}

/* Restore */

static gboolean
query_int_on (sqlite3     *db,
              const char  *sql,
              gint64      *out,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, db, rc, "restore");
      return FALSE;
    }
  return TRUE;
}

/* Checks that @db is a sound GigPilot database this build can use; returns its version. */
static gboolean
check_backup (sqlite3     *db,
              const char  *source,
              gint64      *version,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 app_id = 0;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (!query_int_on (db, "PRAGMA application_id", &app_id, &local_error) ||
      !query_int_on (db, "PRAGMA user_version", version, &local_error) ||
      app_id != GP_STORE_APPLICATION_ID || *version < 1)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("“%s” is not a GigPilot backup."), source);
      return FALSE;
    }
  if (*version > GP_STORE_DB_VERSION)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_TOO_NEW,
                   _("“%s” was made by a newer version of GigPilot. Update GigPilot to restore it."), source);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check(1)", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    ok = g_strcmp0 ((const char *)sqlite3_column_text (stmt, 0), "ok") == 0;
  sqlite3_finalize (stmt);
  if (!ok)
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                 _("The backup “%s” is damaged; nothing was restored."), source);
  return ok;
}

/* Brings a copy of an older backup up to this build's layout with the store's own
 * migrations, through a short-lived store on its own main context. */
static gboolean
migrate_copy (const char  *path,
              GError     **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GpStore *store;
  gboolean ok;

  g_main_context_push_thread_default (context);
  store = gp_store_new (path);
  ok = gp_store_open_sync (store, NULL, error);
  gp_store_close (store);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_object_unref (store);
  g_main_context_pop_thread_default (context);
  return ok;
}

/* Announces every row of every synced table of @db as changed. */
static gboolean
announce_all (GpStoreTxn  *txn,
              sqlite3     *db,
              GError     **error)
{
  const GpTable *tables;
  guint n_tables;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT id FROM %s", tables[i].name);
      sqlite3_stmt *stmt = NULL;
      int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

      while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          _gp_store_txn_changed (txn, tables[i].name, (const char *)sqlite3_column_text (stmt, 0));
          rc = SQLITE_OK;
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          _gp_store_set_sqlite_error (error, db, rc, "restore");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
restore_run (GpStoreTxn  *txn,
             gpointer     user_data,
             GError     **error)
{
  const char *source = user_data;
  const char *path = sqlite3_db_filename (_gp_store_txn_get_db (txn), "main");
  g_autofree char *migrated = NULL;
  sqlite3 *from = NULL;
  sqlite3 *live = NULL;
  sqlite3_backup *backup;
  gint64 version = 0;
  gboolean ok = FALSE;
  int rc;

  if (!g_file_test (source, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND, _("There is no file “%s”."), source);
      return FALSE;
    }

  from = open_connection (source, SQLITE_OPEN_READONLY, error);
  if (from == NULL)
    return FALSE;
  if (!check_backup (from, source, &version, error))
    goto out;

  if (version < GP_STORE_DB_VERSION)
    {
      migrated = g_strdup_printf ("%s.restoring", path);
      if (!vacuum_into (from, migrated, error) || !migrate_copy (migrated, error))
        goto out;
      sqlite3_close (from);
      from = open_connection (migrated, SQLITE_OPEN_READONLY, error);
      if (from == NULL)
        goto out;
    }

  live = open_connection (path, SQLITE_OPEN_READWRITE, error);
  if (live == NULL)
    goto out;

  /* Every row that is there now, and every row that will be, is news to the lists. */
  if (!announce_all (txn, live, error))
    goto out;

  /* One step copies every page in one write transaction of the live file: readers see the
   * old database or the restored one, never a mix; the store's own connection notices the
   * change on its next read. */
  backup = sqlite3_backup_init (live, "main", from, "main");
  if (backup == NULL)
    {
      _gp_store_set_sqlite_error (error, live, sqlite3_errcode (live), "restore");
      goto out;
    }
  rc = sqlite3_backup_step (backup, -1);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, live, rc, "restore");
      goto out;
    }

  if (!announce_all (txn, live, error))
    goto out;
  _gp_store_txn_refresh_counts (txn);
  _gp_store_txn_replaced (txn);
  ok = TRUE;

out:
  sqlite3_close (live);
  sqlite3_close (from);
  if (migrated != NULL)
    {
      g_unlink (migrated);
      for (const char *suffix = "-wal"; suffix != NULL; suffix = strcmp (suffix, "-wal") == 0 ? "-shm" : NULL)
        {
          g_autofree char *companion = g_strconcat (migrated, suffix, NULL);

          g_unlink (companion);
        }
    }
  if (!ok)
    g_prefix_error (error, _("Nothing was restored: "));
  return ok;
}

/**
 * gp_store_restore_backup_async:
 * @self: a #GpStore
 * @source: a backup written by gp_store_backup_async()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the database is restored
 * @user_data: data for @callback
 *
 * Replaces the whole database with a backup, in one step: records keep their ids and their
 * sync state (what was pushed, what is pending, the last pull), so the next sync pulls what
 * changed since the backup and pushes what the backup had not pushed, without duplicates.
 * The backup is checked first (a GigPilot file, not damaged, not from a newer version); an
 * older one is migrated on a copy. Every row before and after is announced by "changed".
 */
void
gp_store_restore_backup_async (GpStore             *self,
                               const char          *source,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (source != NULL);

  /* A read command: its transaction takes no lock, so the copy can write the file. */
  _gp_store_run_async (self, GP_STORE_COMMAND_READ, restore_run, g_strdup (source), g_free,
                       cancellable, callback, user_data, gp_store_restore_backup_async);
}

/**
 * gp_store_restore_backup_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the database was restored
 */
gboolean
gp_store_restore_backup_finish (GpStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_restore_backup_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}

/* gp-schema.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include <string.h>

#include "gp-schema.h"

#define TEXT(n)       { n, GP_COLUMN_TEXT, NULL }
#define INT(n)        { n, GP_COLUMN_INTEGER, NULL }
#define REF(n, table) { n, GP_COLUMN_TEXT, table }
#define STAMPS        INT ("created_at"), INT ("updated_at")

/* Money is integer minor units of the row's currency; quantities are milli-units;
 * rates and discounts are basis points (1/100 of a percent); dates are ISO "YYYY-MM-DD". */
static const GpColumn client_columns[] = {
  TEXT ("name"), TEXT ("email"), TEXT ("company"), TEXT ("address"), TEXT ("tax_id"),
  TEXT ("currency"), INT ("hourly_rate"), TEXT ("notes"), STAMPS,
};
static const char *client_search[] = { "name", "email", "company", NULL };

static const GpColumn invoice_columns[] = {
  REF ("client_id", "clients"), TEXT ("number"), TEXT ("status"), TEXT ("currency"),
  TEXT ("issued_on"), TEXT ("due_on"), TEXT ("paid_on"), TEXT ("notes"), TEXT ("terms"), STAMPS,
  /* "invoice" or "credit_note"; a credit note names the invoice it corrects. That is a plain
   * text column, not a reference: the credited invoice is not the credit note's parent. */
  TEXT ("kind"), TEXT ("credits_invoice_id"),
};
static const char *invoice_search[] = { "number", "notes", "status", NULL };

static const GpColumn invoice_line_columns[] = {
  REF ("invoice_id", "invoices"), INT ("position"), TEXT ("description"), INT ("quantity"),
  INT ("unit_price"), INT ("tax_rate"), INT ("discount"), STAMPS,
};
static const char *invoice_line_search[] = { "description", NULL };

static const GpColumn ticket_columns[] = {
  REF ("client_id", "clients"), TEXT ("title"), TEXT ("body"), TEXT ("status"),
  TEXT ("priority"), TEXT ("due_on"), STAMPS,
};
static const char *ticket_search[] = { "title", "body", NULL };

/* Tracked time. started_at/ended_at are ms since the epoch (ended_at NULL while the timer
 * runs, so a running timer lives in the database and survives a crash); duration_ms is set
 * when the entry is finished. billable is 0 or 1; billed_invoice_id is the invoice the entry
 * was billed on (never billed twice); hourly_rate (minor units of the client's currency)
 * overrides the client's rate when set. client_id repeats the ticket's client so reports
 * need no join. */
static const GpColumn time_entry_columns[] = {
  REF ("ticket_id", "tickets"), REF ("client_id", "clients"), INT ("started_at"), INT ("ended_at"),
  INT ("duration_ms"), TEXT ("note"), INT ("billable"), REF ("billed_invoice_id", "invoices"),
  INT ("hourly_rate"), STAMPS,
};
static const char *time_entry_search[] = { "note", NULL };

/* A payment received against an invoice (amount in the invoice's currency). */
static const GpColumn payment_columns[] = {
  REF ("invoice_id", "invoices"), INT ("amount"), TEXT ("paid_on"), TEXT ("method"),
  TEXT ("note"), STAMPS,
};
static const char *payment_search[] = { "method", "note", NULL };

/* A schedule that copies its template invoice as a new draft every period. */
static const GpColumn recurring_columns[] = {
  REF ("template_invoice_id", "invoices"), TEXT ("frequency"), TEXT ("starts_on"),
  TEXT ("next_on"), TEXT ("until_on"), STAMPS,
};
static const char *recurring_search[] = { "frequency", NULL };

/* One step of the chasing ladder for one invoice; its id is derived from (invoice, step),
 * so two devices that draft or send the same step write the same row. */
static const GpColumn reminder_columns[] = {
  REF ("invoice_id", "invoices"), INT ("step"), INT ("drafted_at"), INT ("sent_at"),
  TEXT ("sent_by_device"), TEXT ("body"), STAMPS,
};
static const char *reminder_search[] = { "body", NULL };

static const GpTable tables[] = {
  { "clients", client_columns, G_N_ELEMENTS (client_columns), client_search, NULL },
  { "invoices", invoice_columns, G_N_ELEMENTS (invoice_columns), invoice_search, "client_id" },
  { "invoice_lines", invoice_line_columns, G_N_ELEMENTS (invoice_line_columns), invoice_line_search, "invoice_id" },
  { "tickets", ticket_columns, G_N_ELEMENTS (ticket_columns), ticket_search, "client_id" },
  { "time_entries", time_entry_columns, G_N_ELEMENTS (time_entry_columns), time_entry_search, "ticket_id" },
  { "payments", payment_columns, G_N_ELEMENTS (payment_columns), payment_search, "invoice_id" },
  { "recurring", recurring_columns, G_N_ELEMENTS (recurring_columns), recurring_search, "template_invoice_id" },
  { "reminders", reminder_columns, G_N_ELEMENTS (reminder_columns), reminder_search, "invoice_id" },
};

/**
 * gp_schema_get_tables:
 * @n_tables: (out): the number of tables
 *
 * Returns: (transfer none): the synced tables, parents before children.
 */
const GpTable *
gp_schema_get_tables (guint *n_tables)
{
  g_return_val_if_fail (n_tables != NULL, NULL);

  *n_tables = G_N_ELEMENTS (tables);
  return tables;
}

/**
 * gp_schema_lookup_table:
 * @name: a table name from outside (a request, a file)
 *
 * Returns: (transfer none) (nullable): the table, or %NULL if @name is not a synced table.
 */
const GpTable *
gp_schema_lookup_table (const char *name)
{
  if (name == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    if (strcmp (tables[i].name, name) == 0)
      return &tables[i];

  return NULL;
}

/**
 * gp_schema_lookup_column:
 * @table: a table
 * @name: a column name from outside
 *
 * Returns: (transfer none) (nullable): the column, or %NULL if @table has no such data column.
 */
const GpColumn *
gp_schema_lookup_column (const GpTable *table,
                         const char    *name)
{
  g_return_val_if_fail (table != NULL, NULL);

  if (name == NULL)
    return NULL;

  for (guint i = 0; i < table->n_columns; i++)
    if (strcmp (table->columns[i].name, name) == 0)
      return &table->columns[i];

  return NULL;
}

/**
 * gp_schema_is_valid_id:
 * @id: (nullable): a record id from outside
 *
 * Ids are 1 to 64 characters of `[A-Za-z0-9_.-]`: WatermelonDB's 16-character ids and
 * UUIDs both fit, and nothing that needs quoting anywhere does.
 *
 * Returns: whether @id is acceptable as a record id
 */
gboolean
gp_schema_is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_' && id[i] != '-' && id[i] != '.')
      return FALSE;

  return TRUE;
}

/**
 * gp_schema_new_id:
 *
 * Returns: (transfer full): a fresh random record id (a UUID)
 */
char *
gp_schema_new_id (void)
{
  return g_uuid_string_random ();
}

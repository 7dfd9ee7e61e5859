/* gp-store-transfer.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-store.h"

G_BEGIN_DECLS

/* Getting data in and out: CSV export, CSV import of clients, whole-database backup and
 * restore. All run on the store thread. */

typedef enum
{
  GP_EXPORT_CLIENTS,
  GP_EXPORT_INVOICES,
  GP_EXPORT_TICKETS,
  GP_EXPORT_TIME,
} GpExportKind;

/**
 * GpImportRow:
 * @line: the row's line in the file (the header is line 1)
 * @name: (nullable): the client's name as read
 * @email: (nullable): the email as read
 * @currency: (nullable): the currency as read
 * @error: (nullable): what is wrong with the row, in one sentence; %NULL if it can be imported
 * @fields: the client's columns, ready to save
 */
typedef struct
{
  guint       line;
  char       *name;
  char       *email;
  char       *currency;
  char       *error;
  JsonObject *fields;
} GpImportRow;

/**
 * GpImport:
 * @rows: (element-type GpImportRow): every data row, in file order
 * @n_errors: how many rows have an error
 * @ignored_columns: header names that are not client columns (their values are ignored)
 * @committed: whether the clients were saved (only if there were no errors)
 *
 * The preview, or the outcome, of a client import.
 */
typedef struct
{
  GPtrArray *rows;
  guint      n_errors;
  GStrv      ignored_columns;
  gboolean   committed;
} GpImport;

void       gp_import_free                 (GpImport            *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpImport, gp_import_free)

gboolean   gp_currency_is_known           (const char          *code);

void       gp_store_export_csv_async      (GpStore             *self,
                                           GpExportKind         kind,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GBytes    *gp_store_export_csv_finish     (GpStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void       gp_store_import_clients_async  (GpStore             *self,
                                           GBytes              *csv,
                                           gboolean             commit,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GpImport  *gp_store_import_clients_finish (GpStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void       gp_store_backup_async          (GpStore             *self,
                                           const char          *destination,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean   gp_store_backup_finish         (GpStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

void       gp_store_restore_backup_async  (GpStore             *self,
                                           const char          *source,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean   gp_store_restore_backup_finish (GpStore             *self,
                                           GAsyncResult        *result,
                                           GError             **error);

G_END_DECLS

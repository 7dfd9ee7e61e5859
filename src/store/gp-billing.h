/* gp-billing.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gp-chasing.h"
#include "gp-money.h"
#include "gp-record.h"
#include "gp-store.h"

G_BEGIN_DECLS

/* Getting paid: payments, credit notes, voiding, recurring invoices and the chasing ladder,
 * each one store command (one transaction) on the store thread.
 *
 * An invoice's balance: total (gp_invoice_compute_totals() of its lines) − credited (the
 * totals of its issued credit notes) − paid (its payments) = outstanding. A sent invoice
 * whose outstanding reaches 0 becomes "paid" (paid_on = the day it was covered) in the
 * same transaction as the payment or credit note, and goes back to "sent" if a payment is
 * removed. */

typedef struct
{
  gint64 total;
  gint64 credited;
  gint64 paid;
  gint64 outstanding;
} GpInvoiceBalance;

#define GP_TYPE_INVOICE_BUNDLE (gp_invoice_bundle_get_type ())

/**
 * GpInvoiceBundle:
 * @invoice: the invoice (or credit note)
 * @client: (nullable): its client
 * @lines: (element-type GpRecord): its lines in order
 * @payments: (element-type GpRecord): its payments, oldest first
 * @credit_notes: (element-type GpRecord): the issued credit notes that correct it
 * @credited: (nullable): for a credit note, the invoice it corrects
 * @totals: the totals of @lines
 * @balance: what is owed
 * @reminders: (element-type GpRecord): the chasing steps drafted or sent, by step
 *
 * Everything about one invoice, read in one transaction (for the PDF, the dialogs and
 * the chasing page). Immutable; reference counted.
 */
typedef struct
{
  GpRecord         *invoice;
  GpRecord         *client;
  GPtrArray        *lines;
  GPtrArray        *payments;
  GPtrArray        *credit_notes;
  GpRecord         *credited;
  GpInvoiceTotals   totals;
  GpInvoiceBalance  balance;
  GPtrArray        *reminders;
  /*< private >*/
  gatomicrefcount   ref_count;
} GpInvoiceBundle;

GType            gp_invoice_bundle_get_type   (void) G_GNUC_CONST;
GpInvoiceBundle *gp_invoice_bundle_ref        (GpInvoiceBundle *self);
void             gp_invoice_bundle_unref      (GpInvoiceBundle *self);
void             gp_invoice_bundle_get_chasing_input (GpInvoiceBundle *self,
                                                      GpChasingInput  *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpInvoiceBundle, gp_invoice_bundle_unref)

void             gp_billing_load_async        (GpStore             *store,
                                               const char          *invoice_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GpInvoiceBundle *gp_billing_load_finish       (GpStore             *store,
                                               GAsyncResult        *result,
                                               GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void             gp_billing_add_payment_async (GpStore             *store,
                                               const char          *invoice_id,
                                               gint64               amount,
                                               const char          *paid_on,
                                               const char          *method,
                                               const char          *note,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char            *gp_billing_add_payment_finish (GpStore            *store,
                                                GAsyncResult       *result,
                                                GError            **error) G_GNUC_WARN_UNUSED_RESULT;

void             gp_billing_remove_payment_async  (GpStore             *store,
                                                   const char          *payment_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         gp_billing_remove_payment_finish (GpStore             *store,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             gp_billing_credit_note_async (GpStore             *store,
                                               const char          *invoice_id,
                                               GPtrArray           *lines,
                                               const char          *issued_on,
                                               const char          *reason,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char            *gp_billing_credit_note_finish (GpStore            *store,
                                                GAsyncResult       *result,
                                                GError            **error) G_GNUC_WARN_UNUSED_RESULT;

void             gp_billing_void_async        (GpStore             *store,
                                               const char          *invoice_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean         gp_billing_void_finish       (GpStore             *store,
                                               GAsyncResult        *result,
                                               GError             **error);

void             gp_billing_run_recurring_async  (GpStore             *store,
                                                  const char          *today,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GStrv            gp_billing_run_recurring_finish (GpStore             *store,
                                                  GAsyncResult        *result,
                                                  GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void             gp_billing_chasing_async     (GpStore             *store,
                                               const char          *today,
                                               const guint         *intervals,
                                               guint                n_intervals,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray       *gp_billing_chasing_finish    (GpStore             *store,
                                               GAsyncResult        *result,
                                               GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void             gp_billing_mark_reminder_sent_async  (GpStore             *store,
                                                       const char          *invoice_id,
                                                       guint                step,
                                                       gint64               sent_at,
                                                       const char          *device,
                                                       const char          *body,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GpRecord        *gp_billing_mark_reminder_sent_finish (GpStore             *store,
                                                       GAsyncResult        *result,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;

char            *gp_billing_reminder_id       (const char          *invoice_id,
                                               guint                step) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

/* gp-payments-group.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-payments-group.h"

#include <glib/gi18n.h>

#include "gp-billing.h"
#include "gp-chasing-page.h"
#include "gp-invoice-preview.h"
#include "gp-ui-util.h"

/* "Getting Paid", at the foot of the invoice editor: what is still owed, the payments
 * and credit notes against the invoice, its repeat schedule, and the actions: preview
 * (PDF, print), record a payment, issue a credit note, repeat. Everything goes through
 * the gp_billing_* store commands; the group reloads when the store says the invoice,
 * its payments or its schedule changed. */

struct _GpPaymentsGroup
{
  AdwPreferencesGroup parent_instance;

  /* Owned */
  GpStore *store;
  char *invoice_id;
  GCancellable *cancellable;
  GpInvoiceBundle *bundle;
  GpRecord *schedule;
  guint reload_idle;

  /* Borrowed: children */
  GtkWidget *buttons;
  GtkWidget *payment_button;
  GtkWidget *credit_button;
  GtkWidget *repeat_button;
  GtkWidget *error_label;
  GPtrArray *rows;
};

G_DEFINE_FINAL_TYPE (GpPaymentsGroup, gp_payments_group, ADW_TYPE_PREFERENCES_GROUP)

static GtkWindow *
parent_window (GpPaymentsGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_error (GpPaymentsGroup *self,
            const char      *message)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

static char *
money (GpPaymentsGroup *self,
       gint64           minor)
{
  return gp_money_format (minor, gp_record_get_string (self->bundle->invoice, "currency"));
}

static void
add_row (GpPaymentsGroup *self,
         const char      *title,
         const char      *subtitle,
         const char      *value,
         GtkWidget       *extra)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
  if (subtitle != NULL)
    {
      g_autofree char *escaped_subtitle = g_markup_escape_text (subtitle, -1);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped_subtitle);
    }
  if (value != NULL)
    {
      GtkWidget *label = gtk_label_new (value);

      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (extra != NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), extra);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_ptr_array_add (self->rows, row);
}

static void
payment_removed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_billing_remove_payment_finish (GP_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
remove_payment_clicked_cb (GtkButton *button,
                           gpointer   user_data)
{
  GpPaymentsGroup *self = user_data;

  gp_billing_remove_payment_async (self->store, g_object_get_data (G_OBJECT (button), "gp-id"), self->cancellable,
                                   payment_removed_cb, g_object_ref (self));
}

static void
schedule_removed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_store_delete_finish (GP_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
stop_schedule_clicked_cb (GtkButton *button,
                          gpointer   user_data)
{
  GpPaymentsGroup *self = user_data;

  if (self->schedule != NULL)
    gp_store_delete_async (self->store, "recurring", gp_record_get_id (self->schedule), self->cancellable,
                           schedule_removed_cb, g_object_ref (self));
}

static const char *
frequency_label (const char *frequency)
{
  if (g_strcmp0 (frequency, "weekly") == 0)
    return _("Weekly");
  if (g_strcmp0 (frequency, "quarterly") == 0)
    return _("Quarterly");
  if (g_strcmp0 (frequency, "yearly") == 0)
    return _("Yearly");
  return _("Monthly");
}

static void
rebuild (GpPaymentsGroup *self)
{
  GpInvoiceBundle *bundle = self->bundle;
  const char *status;
  gboolean credit_note, issued;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  if (bundle == NULL)
    return;

  status = gp_record_get_string (bundle->invoice, "status");
  credit_note = g_strcmp0 (gp_record_get_string (bundle->invoice, "kind"), "credit_note") == 0;
  issued = g_strcmp0 (status, "sent") == 0 || g_strcmp0 (status, "paid") == 0;

  gtk_widget_set_visible (self->payment_button, !credit_note && g_strcmp0 (status, "sent") == 0 &&
                                                bundle->balance.outstanding > 0);
  gtk_widget_set_visible (self->credit_button, !credit_note && issued &&
                                               bundle->balance.total > bundle->balance.credited);
  gtk_widget_set_visible (self->repeat_button, !credit_note && self->schedule == NULL);

  if (credit_note)
    {
      if (bundle->credited != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("Corrects invoice %s"),
                                                   gp_record_get_string (bundle->credited, "number"));
          add_row (self, text, NULL, NULL, NULL);
        }
      return;
    }

  if (issued)
    {
      g_autofree char *owed = money (self, MAX (bundle->balance.outstanding, 0));

      add_row (self, _("Still Owed"), g_strcmp0 (status, "paid") == 0 ? _("Paid in full") : NULL, owed, NULL);
    }

  for (guint i = 0; i < bundle->credit_notes->len; i++)
    {
      GpRecord *note = g_ptr_array_index (bundle->credit_notes, i);
      g_autofree char *title = g_strdup_printf (_("Credit note %s"), gp_record_get_string (note, "number"));
      g_autofree char *issued_on = _gp_ui_format_date (gp_record_get_string (note, "issued_on"));

      add_row (self, title, issued_on, NULL, NULL);
    }

  for (guint i = 0; i < bundle->payments->len; i++)
    {
      GpRecord *payment = g_ptr_array_index (bundle->payments, i);
      g_autofree char *amount = money (self, gp_record_get_int (payment, "amount"));
      g_autofree char *title = NULL;
      g_autofree char *paid_on = _gp_ui_format_date (gp_record_get_string (payment, "paid_on"));
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      /* Translators: a payment row, e.g. "Payment on 04/02/2026" (the date as the locale writes it). */
      title = g_strdup_printf (_("Payment on %s"), paid_on);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove this payment"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Remove this payment"), -1);
      g_object_set_data_full (G_OBJECT (remove), "gp-id", g_strdup (gp_record_get_id (payment)), g_free);
      g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_payment_clicked_cb), self, 0);
      add_row (self, title, gp_record_get_string (payment, "method"), amount, remove);
    }

  if (self->schedule != NULL)
    {
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *next_on = _gp_ui_format_date (gp_record_get_string (self->schedule, "next_on"));
      g_autofree char *until_on = _gp_ui_format_date (gp_record_get_string (self->schedule, "until_on"));
      GtkWidget *stop = gtk_button_new_with_label (_("Stop"));

      /* Translators: "Repeats monthly", the schedule of a recurring invoice. */
      title = g_strdup_printf (_("Repeats: %s"), frequency_label (gp_record_get_string (self->schedule, "frequency")));
      subtitle = gp_record_has_value (self->schedule, "until_on")
                 ? g_strdup_printf (_("Next draft on %s, until %s"), next_on, until_on)
                 : g_strdup_printf (_("Next draft on %s"), next_on);
      gtk_widget_set_valign (stop, GTK_ALIGN_CENTER);
      g_signal_connect_object (stop, "clicked", G_CALLBACK (stop_schedule_clicked_cb), self, 0);
      add_row (self, title, subtitle, NULL, stop);
    }
}

static void
schedule_loaded_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GPtrArray) schedules = gp_store_query_finish (GP_STORE (object), result, NULL);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  g_clear_object (&self->schedule);
  if (schedules != NULL && schedules->len > 0)
    self->schedule = g_object_ref (g_ptr_array_index (schedules, 0));
  rebuild (self);
}

static void
bundle_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  GpInvoiceBundle *bundle = gp_billing_load_finish (GP_STORE (object), result, &error);
  g_autoptr(GpQuery) query = NULL;

  if (bundle == NULL)
    return;
  g_clear_pointer (&self->bundle, gp_invoice_bundle_unref);
  self->bundle = bundle;

  query = gp_query_new ("recurring");
  gp_query_set_where (query, "template_invoice_id", self->invoice_id);
  gp_store_query_async (self->store, query, self->cancellable, schedule_loaded_cb, g_object_ref (self));
}

/**
 * gp_payments_group_reload:
 * @self: a #GpPaymentsGroup
 *
 * Reads the invoice's balance, payments and schedule again.
 */
void
gp_payments_group_reload (GpPaymentsGroup *self)
{
  g_return_if_fail (GP_IS_PAYMENTS_GROUP (self));

  gp_billing_load_async (self->store, self->invoice_id, self->cancellable, bundle_loaded_cb, g_object_ref (self));
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  GpPaymentsGroup *self = user_data;

  self->reload_idle = 0;
  gp_payments_group_reload (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (GpPaymentsGroup *self,
                  const char      *table,
                  GStrv            ids)
{
  if (g_strcmp0 (table, "invoices") != 0 && g_strcmp0 (table, "payments") != 0 &&
      g_strcmp0 (table, "recurring") != 0 && g_strcmp0 (table, "invoice_lines") != 0)
    return;
  if (self->reload_idle == 0)
    self->reload_idle = g_timeout_add (100, reload_idle_cb, self);
}

/* Dialogs: an AdwMessageDialog with a small form as its extra child. */

static AdwEntryRow *
form_entry (GtkWidget  *list,
            const char *title,
            const char *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  return ADW_ENTRY_ROW (row);
}

static GtkWidget *
form_list (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return list;
}

static const char *
entry_text (GObject    *dialog,
            const char *key)
{
  return gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (dialog, key)));
}

static void
payment_added_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_billing_add_payment_finish (GP_STORE (object), result, &error);

  if (id == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
payment_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  GpPaymentsGroup *self = user_data;
  const char *currency = gp_record_get_string (self->bundle->invoice, "currency");
  g_autoptr(GError) error = NULL;
  const char *date;
  gint64 amount = 0;

  if (g_strcmp0 (response, "record") != 0)
    return;

  date = entry_text (G_OBJECT (dialog), "date");
  if (!gp_money_parse (entry_text (G_OBJECT (dialog), "amount"), currency, &amount, &error))
    {
      show_error (self, error->message);
      return;
    }
  if (!_gp_ui_is_valid_date (date))
    {
      show_error (self, _("The payment date must be a date written as YYYY-MM-DD."));
      return;
    }
  show_error (self, NULL);
  gp_billing_add_payment_async (self->store, self->invoice_id, amount, date, entry_text (G_OBJECT (dialog), "method"),
                                NULL, self->cancellable, payment_added_cb, g_object_ref (self));
}

static void
record_payment_clicked_cb (GpPaymentsGroup *self)
{
  GtkWidget *dialog;
  GtkWidget *list = form_list ();
  g_autofree char *owed = NULL;
  g_autofree char *today = gp_chasing_dup_today ();
  g_autofree char *body = NULL;

  if (self->bundle == NULL)
    return;

  owed = money (self, self->bundle->balance.outstanding);
  body = g_strdup_printf (_("%s is still owed on this invoice. A payment that covers it marks the invoice as paid."),
                          owed);
  dialog = adw_message_dialog_new (parent_window (self), _("Record Payment"), body);
  {
    /* The amount without the currency symbol, ready to edit. */
    g_autofree char *plain = gp_money_format (self->bundle->balance.outstanding, NULL);

    g_object_set_data (G_OBJECT (dialog), "amount", form_entry (list, _("Amount"), plain));
  }
  g_object_set_data (G_OBJECT (dialog), "date", form_entry (list, _("Date (YYYY-MM-DD)"), today));
  g_object_set_data (G_OBJECT (dialog), "method", form_entry (list, _("Method"), _("Bank transfer")));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "record", _("_Record"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "record", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "record");
  g_signal_connect_object (dialog, "response", G_CALLBACK (payment_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
credit_issued_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_billing_credit_note_finish (GP_STORE (object), result, &error);

  if (id == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
credit_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  GpPaymentsGroup *self = user_data;
  const char *currency = gp_record_get_string (self->bundle->invoice, "currency");
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *today = gp_chasing_dup_today ();
  const char *reason = entry_text (G_OBJECT (dialog), "reason");

  if (g_strcmp0 (response, "partial") == 0)
    {
      JsonObject *line = json_object_new ();
      gint64 amount = 0, rate = 0;

      lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
      g_ptr_array_add (lines, line);
      if (!gp_money_parse (entry_text (G_OBJECT (dialog), "amount"), currency, &amount, &error))
        {
          show_error (self, error->message);
          return;
        }
      if (!_gp_ui_parse_bp (entry_text (G_OBJECT (dialog), "rate"), &rate))
        {
          show_error (self, _("The tax rate must be a percentage such as 19 or 7.5."));
          return;
        }
      json_object_set_string_member (line, "description", reason[0] != '\0' ? reason : _("Credit"));
      json_object_set_int_member (line, "quantity", 1000);
      json_object_set_int_member (line, "unit_price", amount);
      json_object_set_int_member (line, "tax_rate", rate);
    }
  else if (g_strcmp0 (response, "full") != 0)
    return;

  show_error (self, NULL);
  gp_billing_credit_note_async (self->store, self->invoice_id, lines, today, reason, self->cancellable,
                                credit_issued_cb, g_object_ref (self));
}

static void
credit_note_clicked_cb (GpPaymentsGroup *self)
{
  GtkWidget *dialog;
  GtkWidget *list = form_list ();
  g_autofree char *rate = NULL;
  g_autofree char *reason = NULL;

  if (self->bundle == NULL)
    return;

  dialog = adw_message_dialog_new (parent_window (self), _("Issue Credit Note"),
                                   _("An issued invoice is not changed; a credit note corrects it. Credit the "
                                     "whole invoice, or an amount before tax at the rate below. The credit note "
                                     "gets its own number and reduces what is owed."));
  reason = g_strdup_printf (_("Correction of invoice %s"), gp_record_get_string (self->bundle->invoice, "number"));
  rate = self->bundle->lines->len > 0
         ? _gp_ui_format_bp (gp_record_get_int (g_ptr_array_index (self->bundle->lines, 0), "tax_rate"))
         : g_strdup ("0");
  g_object_set_data (G_OBJECT (dialog), "reason", form_entry (list, _("Reason"), reason));
  g_object_set_data (G_OBJECT (dialog), "amount", form_entry (list, _("Amount before tax (partial credit)"), ""));
  g_object_set_data (G_OBJECT (dialog), "rate", form_entry (list, _("Tax rate % (partial credit)"), rate));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "partial", _("Credit _Amount"), "full", _("Credit _Whole Invoice"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "full", ADW_RESPONSE_DESTRUCTIVE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (credit_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
schedule_saved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpPaymentsGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_store_save_finish (GP_STORE (object), result, &error);

  if (id == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
repeat_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  GpPaymentsGroup *self = user_data;
  static const char *frequencies[] = { "weekly", "monthly", "quarterly", "yearly" };
  g_autoptr(JsonObject) fields = json_object_new ();
  AdwComboRow *combo = g_object_get_data (G_OBJECT (dialog), "frequency");
  const char *starts = entry_text (G_OBJECT (dialog), "starts");
  const char *until = entry_text (G_OBJECT (dialog), "until");
  guint selected;

  if (g_strcmp0 (response, "repeat") != 0)
    return;
  if (!_gp_ui_is_valid_date (starts) || (until[0] != '\0' && !_gp_ui_is_valid_date (until)))
    {
      show_error (self, _("The dates must be written as YYYY-MM-DD."));
      return;
    }

  selected = MIN (adw_combo_row_get_selected (combo), G_N_ELEMENTS (frequencies) - 1);
  json_object_set_string_member (fields, "template_invoice_id", self->invoice_id);
  json_object_set_string_member (fields, "frequency", frequencies[selected]);
  json_object_set_string_member (fields, "starts_on", starts);
  json_object_set_string_member (fields, "next_on", starts);
  if (until[0] != '\0')
    json_object_set_string_member (fields, "until_on", until);
  show_error (self, NULL);
  gp_store_save_async (self->store, "recurring", NULL, fields, self->cancellable, schedule_saved_cb,
                       g_object_ref (self));
}

static void
repeat_clicked_cb (GpPaymentsGroup *self)
{
  GtkWidget *dialog;
  GtkWidget *list = form_list ();
  GtkWidget *combo = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autofree char *today = gp_chasing_dup_today ();

  gtk_string_list_append (model, _("Weekly"));
  gtk_string_list_append (model, _("Monthly"));
  gtk_string_list_append (model, _("Quarterly"));
  gtk_string_list_append (model, _("Yearly"));
  adw_combo_row_set_model (ADW_COMBO_ROW (combo), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), _("Every"));
  gtk_list_box_append (GTK_LIST_BOX (list), combo);

  dialog = adw_message_dialog_new (parent_window (self), _("Repeat This Invoice"),
                                   _("A copy of this invoice is created as a draft on each date, when GigPilot "
                                     "next runs, ready to check and send. Each date is created once, even with "
                                     "several devices."));
  g_object_set_data (G_OBJECT (dialog), "frequency", combo);
  g_object_set_data (G_OBJECT (dialog), "starts", form_entry (list, _("First date (YYYY-MM-DD)"), today));
  g_object_set_data (G_OBJECT (dialog), "until", form_entry (list, _("Last date (optional)"), ""));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "repeat", _("_Repeat"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "repeat", ADW_RESPONSE_SUGGESTED);
  g_signal_connect_object (dialog, "response", G_CALLBACK (repeat_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
preview_clicked_cb (GpPaymentsGroup *self)
{
  GpInvoicePreview *preview = gp_invoice_preview_new (parent_window (self), self->store, self->invoice_id);

  gtk_window_present (GTK_WINDOW (preview));
}

static GtkWidget *
header_button (GpPaymentsGroup *self,
               const char      *label,
               GCallback        callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  g_signal_connect_object (button, "clicked", callback, self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (self->buttons), button);
  return button;
}

static void
gp_payments_group_dispose (GObject *object)
{
  GpPaymentsGroup *self = GP_PAYMENTS_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_idle, g_source_remove);
  g_clear_object (&self->store);
  g_clear_object (&self->schedule);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->bundle, gp_invoice_bundle_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_payments_group_parent_class)->dispose (object);
}

static void
gp_payments_group_finalize (GObject *object)
{
  GpPaymentsGroup *self = GP_PAYMENTS_GROUP (object);

  g_free (self->invoice_id);

  G_OBJECT_CLASS (gp_payments_group_parent_class)->finalize (object);
}

static void
gp_payments_group_class_init (GpPaymentsGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gp_payments_group_dispose;
  object_class->finalize = gp_payments_group_finalize;
}

static void
gp_payments_group_init (GpPaymentsGroup *self)
{
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Getting Paid"));
  self->buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (self->buttons, 12);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->buttons);

  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (self->buttons), self->error_label);

  {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *saved = self->buttons;

    gtk_box_append (GTK_BOX (saved), row);
    self->buttons = row;
    header_button (self, _("_Preview, PDF and Print…"), G_CALLBACK (preview_clicked_cb));
    self->payment_button = header_button (self, _("Record _Payment…"), G_CALLBACK (record_payment_clicked_cb));
    self->credit_button = header_button (self, _("_Credit Note…"), G_CALLBACK (credit_note_clicked_cb));
    self->repeat_button = header_button (self, _("_Repeat…"), G_CALLBACK (repeat_clicked_cb));
    self->buttons = saved;
  }
  gtk_widget_set_visible (self->payment_button, FALSE);
  gtk_widget_set_visible (self->credit_button, FALSE);
}

/**
 * gp_payments_group_new:
 * @store: the store
 * @invoice_id: a saved invoice or credit note
 *
 * Returns: (transfer floating): the group; it loads by itself and follows the store
 */
GpPaymentsGroup *
gp_payments_group_new (GpStore    *store,
                       const char *invoice_id)
{
  GpPaymentsGroup *self;

  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (invoice_id != NULL, NULL);

  self = g_object_new (GP_TYPE_PAYMENTS_GROUP, NULL);
  self->store = g_object_ref (store);
  self->invoice_id = g_strdup (invoice_id);
  g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  gp_payments_group_reload (self);
  return self;
}

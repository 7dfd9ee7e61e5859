/* gp-reminder-dialog.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-reminder-dialog.h"

#include <glib/gi18n.h>

#include "gp-ui-util.h"

/* Drafts one step of the chasing ladder from its template, lets the user edit it, and
 * sends it through the mail client (mailto:) or the clipboard. Either way the step is
 * recorded as sent (gp_billing_mark_reminder_sent_async()), under an id shared by every
 * device, so no other device offers to send it again. */

static const char *template_keys[] = { NULL, "reminder-template-polite", "reminder-template-firm",
                                       "reminder-template-final" };

struct _GpReminderDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  GtkTextView *body_view;
  GtkButton *copy_button;
  GtkButton *email_button;
  GtkLabel *status_label;
  AdwEntryRow *subject_row;
  GtkTextView *template_view;
  AdwEntryRow *to_row;
  AdwWindowTitle *window_title;

  /* Owned */
  GpStore *store;
  GSettings *settings;
  GpChasingItem *item;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (GpReminderDialog, gp_reminder_dialog, ADW_TYPE_WINDOW)

static char *
text_of (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
dup_template (GpReminderDialog *self,
              guint             step)
{
  g_autofree char *custom = NULL;

  if (self->settings != NULL)
    custom = g_settings_get_string (self->settings, template_keys[step]);
  if (custom != NULL && custom[0] != '\0')
    return g_steal_pointer (&custom);
  return g_strdup (gp_chasing_default_template (step));
}

static char *
render (GpReminderDialog *self,
        const char       *template_text)
{
  GpInvoiceBundle *bundle = gp_chasing_item_get_bundle (self->item);
  const GpChasingStatus *status = gp_chasing_item_get_status (self->item);
  g_autofree char *amount = gp_money_format (bundle->balance.outstanding,
                                             gp_record_get_string (bundle->invoice, "currency"));
  g_autofree char *business = self->settings != NULL ? g_settings_get_string (self->settings, "business-name")
                                                     : g_strdup ("");
  /* The letter goes to the client: the due date as the invoice writes it, not as stored. */
  g_autofree char *due = _gp_ui_format_long_date (gp_record_get_string (bundle->invoice, "due_on"));

  return gp_chasing_render (template_text,
                            bundle->client != NULL ? gp_record_get_string (bundle->client, "name") : NULL,
                            gp_record_get_string (bundle->invoice, "number"), amount, status->days_overdue,
                            due, business);
}

static void
draft (GpReminderDialog *self)
{
  guint step = gp_chasing_item_get_status (self->item)->next_step;
  g_autofree char *template_text = dup_template (self, step);
  g_autofree char *body = render (self, template_text);
  g_autofree char *subject = render (self, gp_chasing_default_subject (step));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body, -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->template_view), template_text, -1);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_row), subject);
}

/**
 * gp_reminder_dialog_dup_body:
 * @self: a #GpReminderDialog
 *
 * Returns: (transfer full): the message as it stands
 */
char *
gp_reminder_dialog_dup_body (GpReminderDialog *self)
{
  g_return_val_if_fail (GP_IS_REMINDER_DIALOG (self), NULL);

  return text_of (self->body_view);
}

static void
marked_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GpReminderDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) reminder = gp_billing_mark_reminder_sent_finish (GP_STORE (object), result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->email_button), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), TRUE);
  if (reminder == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_text (self->status_label, error->message);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
mark_sent (GpReminderDialog *self)
{
  g_autofree char *body = text_of (self->body_view);
  GpInvoiceBundle *bundle = gp_chasing_item_get_bundle (self->item);

  gtk_widget_set_sensitive (GTK_WIDGET (self->email_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_button), FALSE);
  gp_billing_mark_reminder_sent_async (self->store, gp_record_get_id (bundle->invoice),
                                       gp_chasing_item_get_status (self->item)->next_step,
                                       g_get_real_time () / 1000, g_get_host_name (), body, self->cancellable,
                                       marked_cb, g_object_ref (self));
}

static void
send_email_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  GpReminderDialog *self = GP_REMINDER_DIALOG (widget);
  g_autofree char *body = text_of (self->body_view);
  g_autofree char *to = g_uri_escape_string (gtk_editable_get_text (GTK_EDITABLE (self->to_row)), "@", FALSE);
  g_autofree char *subject = g_uri_escape_string (gtk_editable_get_text (GTK_EDITABLE (self->subject_row)),
                                                  NULL, FALSE);
  g_autofree char *escaped_body = g_uri_escape_string (body, NULL, FALSE);
  g_autofree char *uri = g_strdup_printf ("mailto:%s?subject=%s&body=%s", to, subject, escaped_body);

  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
  mark_sent (self);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  GpReminderDialog *self = GP_REMINDER_DIALOG (widget);
  g_autofree char *body = text_of (self->body_view);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), body);
  mark_sent (self);
}

static void
save_template_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  GpReminderDialog *self = GP_REMINDER_DIALOG (widget);
  guint step = gp_chasing_item_get_status (self->item)->next_step;
  g_autofree char *template_text = text_of (self->template_view);

  if (self->settings != NULL)
    g_settings_set_string (self->settings, template_keys[step], template_text);
  draft (self);
}

static void
gp_reminder_dialog_dispose (GObject *object)
{
  GpReminderDialog *self = GP_REMINDER_DIALOG (object);

  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_REMINDER_DIALOG);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->item);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_reminder_dialog_parent_class)->dispose (object);
}

static void
gp_reminder_dialog_class_init (GpReminderDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_reminder_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-reminder-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, body_view);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, copy_button);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, email_button);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, subject_row);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, template_view);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, to_row);
  gtk_widget_class_bind_template_child (widget_class, GpReminderDialog, window_title);

  gtk_widget_class_install_action (widget_class, "reminder.send-email", NULL, send_email_action);
  gtk_widget_class_install_action (widget_class, "reminder.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "reminder.save-template", NULL, save_template_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_reminder_dialog_init (GpReminderDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

/**
 * gp_reminder_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @store: the store
 * @settings: (nullable): the app's settings (templates, business name)
 * @item: the invoice and the step to send (its next_step)
 *
 * Returns: (transfer floating): the dialog, drafted
 */
GpReminderDialog *
gp_reminder_dialog_new (GtkWindow     *parent,
                        GpStore       *store,
                        GSettings     *settings,
                        GpChasingItem *item)
{
  GpReminderDialog *self;
  GpInvoiceBundle *bundle;
  const GpChasingStatus *status;
  g_autofree char *subtitle = NULL;
  g_autofree char *explanation = NULL;
  const char *email;

  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (GP_IS_CHASING_ITEM (item), NULL);
  g_return_val_if_fail (gp_chasing_item_get_status (item)->next_step >= 1, NULL);

  self = g_object_new (GP_TYPE_REMINDER_DIALOG, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  g_set_object (&self->settings, settings);
  self->item = g_object_ref (item);

  bundle = gp_chasing_item_get_bundle (item);
  status = gp_chasing_item_get_status (item);
  adw_window_title_set_title (self->window_title, gp_chasing_step_get_label (status->next_step));
  subtitle = g_strdup_printf (_("Invoice %s"), gp_record_get_string (bundle->invoice, "number") != NULL
                              ? gp_record_get_string (bundle->invoice, "number") : "");
  adw_window_title_set_subtitle (self->window_title, subtitle);
  explanation = g_strdup_printf (_("%s. Sending it records this step as sent on all your devices."),
                                 gp_chasing_state_get_label (status->state));
  gtk_label_set_text (self->status_label, explanation);
  email = bundle->client != NULL ? gp_record_get_string (bundle->client, "email") : NULL;
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), email != NULL ? email : "");
  draft (self);

  return self;
}

/* gp-preferences-window.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-application.h"
#include "gp-preferences-window.h"

struct _GpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  GtkLabel *account_error_label;
  AdwPreferencesGroup *account_group;
  AdwActionRow *account_row;
  AdwEntryRow *business_address_row;
  AdwEntryRow *business_bank_row;
  AdwEntryRow *business_email_row;
  AdwEntryRow *business_name_row;
  AdwEntryRow *business_tax_id_row;
  AdwEntryRow *currency_row;
  GtkSpinButton *interval_spin;
  AdwEntryRow *number_format_row;
  AdwPasswordEntryRow *password_row;
  GtkButton *register_button;
  AdwEntryRow *server_url_row;
  GtkButton *sign_in_button;
  GtkButton *sign_out_button;
  AdwEntryRow *username_row;

  /* Owned */
  GSettings *settings;
  GpSyncStatus *sync_status;
};

G_DEFINE_FINAL_TYPE (GpPreferencesWindow, gp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
update_account (GpPreferencesWindow *self)
{
  GpSyncState state = self->sync_status ? gp_sync_status_get_state (self->sync_status)
                                        : GP_SYNC_STATE_SIGNED_OUT;
  gboolean signed_in = state != GP_SYNC_STATE_SIGNED_OUT;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row),
                                 signed_in ? _("Signed in") : _("Not signed in"));
  adw_action_row_set_subtitle (self->account_row,
                               signed_in ? _("Your changes are synced with the server above.")
                                         : _("Sign in or register to sync with the server above."));
  gtk_widget_set_visible (GTK_WIDGET (self->username_row), !signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), !signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_button), !signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->register_button), !signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_out_button), signed_in);
}

static void
show_account_error (GpPreferencesWindow *self,
                    const char          *message)
{
  gtk_label_set_label (self->account_error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->account_error_label), message != NULL);
}

static void
account_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GpPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->account_group), TRUE);
  if (!gp_application_account_finish (GP_APPLICATION (object), result, &error))
    {
      show_account_error (self, error->message);
      return;
    }

  show_account_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  update_account (self);
}

static void
account_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  GpPreferencesWindow *self = GP_PREFERENCES_WINDOW (widget);
  GtkApplication *app = GTK_APPLICATION (g_application_get_default ());
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_url_row))));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  GpAccountOperation op;

  if (!GP_IS_APPLICATION (app))
    return;

  if (g_str_equal (action_name, "prefs.sign-out"))
    op = GP_ACCOUNT_SIGN_OUT;
  else if (g_str_equal (action_name, "prefs.register"))
    op = GP_ACCOUNT_REGISTER;
  else
    op = GP_ACCOUNT_SIGN_IN;

  if (op != GP_ACCOUNT_SIGN_OUT)
    {
      if (url[0] == '\0')
        {
          show_account_error (self, _("Enter the address of your sync server first."));
          return;
        }
      if (user[0] == '\0' || password[0] == '\0')
        {
          show_account_error (self, _("Enter your user name and password."));
          return;
        }
    }

  show_account_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->account_group), FALSE);
  gp_application_account_async (GP_APPLICATION (app), op, url, user, password, NULL,
                                account_done_cb, g_object_ref (self));
}

static gboolean
minutes_from_seconds (GValue   *value,
                      GVariant *variant,
                      gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 60.0);
  return TRUE;
}

static GVariant *
seconds_from_minutes (const GValue       *value,
                      const GVariantType *expected_type,
                      gpointer            user_data)
{
  return g_variant_new_uint32 ((guint32) (g_value_get_double (value) * 60));
}

static void
gp_preferences_window_dispose (GObject *object)
{
  GpPreferencesWindow *self = GP_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->sync_status);

  G_OBJECT_CLASS (gp_preferences_window_parent_class)->dispose (object);
}

static void
gp_preferences_window_class_init (GpPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, account_error_label);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, account_group);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, account_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, business_address_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, business_bank_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, business_email_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, business_name_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, business_tax_id_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, currency_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, number_format_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, register_button);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, server_url_row);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, GpPreferencesWindow, username_row);

  gtk_widget_class_install_action (widget_class, "prefs.sign-in", NULL, account_action);
  gtk_widget_class_install_action (widget_class, "prefs.register", NULL, account_action);
  gtk_widget_class_install_action (widget_class, "prefs.sign-out", NULL, account_action);
}

static void
gp_preferences_window_init (GpPreferencesWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *keys[] = {
    "server-url", "default-currency", "invoice-number-format", "business-name",
    "business-address", "business-email", "business-tax-id", "business-bank-account",
  };
  AdwEntryRow *rows[G_N_ELEMENTS (keys)];

  gtk_widget_init_template (GTK_WIDGET (self));

  rows[0] = self->server_url_row;
  rows[1] = self->currency_row;
  rows[2] = self->number_format_row;
  rows[3] = self->business_name_row;
  rows[4] = self->business_address_row;
  rows[5] = self->business_email_row;
  rows[6] = self->business_tax_id_row;
  rows[7] = self->business_bank_row;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.gigpilot.GigPilot", TRUE);
  if (schema == NULL)
    return;

  self->settings = g_settings_new ("io.github.gigpilot.GigPilot");
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_settings_schema_has_key (schema, keys[i]))
      g_settings_bind (self->settings, keys[i], rows[i], "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "sync-interval",
                                gtk_spin_button_get_adjustment (self->interval_spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                minutes_from_seconds, seconds_from_minutes, NULL, NULL);
}

GpPreferencesWindow *
gp_preferences_window_new (GpSyncStatus *sync_status)
{
  GpPreferencesWindow *self = g_object_new (GP_TYPE_PREFERENCES_WINDOW, NULL);

  if (sync_status != NULL)
    {
      self->sync_status = g_object_ref (sync_status);
      g_signal_connect_object (sync_status, "notify::state", G_CALLBACK (update_account),
                               self, G_CONNECT_SWAPPED);
    }
  update_account (self);

  return self;
}

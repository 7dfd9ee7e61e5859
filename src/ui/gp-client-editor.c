/* gp-client-editor.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-client-editor.h"
#include "gp-error.h"
#include "gp-money.h"
#include "gp-ui-util.h"

struct _GpClientEditor
{
  GpEditor parent_instance;

  /* Template widgets */
  AdwEntryRow *address_row;
  AdwEntryRow *company_row;
  AdwEntryRow *currency_row;
  AdwEntryRow *email_row;
  GtkLabel *error_label;
  AdwEntryRow *name_row;
  AdwEntryRow *notes_row;
  AdwEntryRow *rate_row;
  GtkButton *save_button;
  AdwEntryRow *tax_id_row;
  AdwWindowTitle *window_title;

  /* Owned */
  char *saved_state;
};

G_DEFINE_FINAL_TYPE (GpClientEditor, gp_client_editor, GP_TYPE_EDITOR)

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
current_state (GpClientEditor *self)
{
  return g_strjoin ("\x1f",
                    row_text (self->name_row), row_text (self->company_row),
                    row_text (self->email_row), row_text (self->address_row),
                    row_text (self->tax_id_row), row_text (self->currency_row),
                    row_text (self->rate_row), row_text (self->notes_row),
                    NULL);
}

static void
show_error (GpClientEditor *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_text_field (JsonObject  *fields,
                const char  *column,
                AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (row_text (row)));

  if (text[0] == '\0')
    json_object_set_null_member (fields, column);
  else
    json_object_set_string_member (fields, column, text);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GpClientEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  id = gp_store_save_finish (GP_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (id == NULL)
    {
      show_error (self, error->message);
      gp_editor_save_finished (GP_EDITOR (self), FALSE);
      return;
    }

  g_free (self->saved_state);
  self->saved_state = current_state (self);
  gp_editor_save_finished (GP_EDITOR (self), TRUE);
}

static void
gp_client_editor_save (GpEditor *editor)
{
  GpClientEditor *self = GP_CLIENT_EDITOR (editor);
  GpRecord *record = gp_editor_get_record (editor);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *name = g_strstrip (g_strdup (row_text (self->name_row)));
  g_autofree char *currency = g_ascii_strup (row_text (self->currency_row), -1);
  g_autofree char *rate = g_strstrip (g_strdup (row_text (self->rate_row)));
  gboolean bad_name, bad_currency;

  g_strstrip (currency);
  bad_name = name[0] == '\0';
  bad_currency = strlen (currency) != 3;
  _gp_ui_set_row_error (GTK_WIDGET (self->name_row), bad_name);
  _gp_ui_set_row_error (GTK_WIDGET (self->currency_row), bad_currency);
  _gp_ui_set_row_error (GTK_WIDGET (self->rate_row), FALSE);

  if (bad_name)
    {
      show_error (self, _("Every client needs a name."));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      gp_editor_save_finished (editor, FALSE);
      return;
    }
  if (bad_currency)
    {
      show_error (self, _("The currency must be a three-letter code such as EUR or USD."));
      gtk_widget_grab_focus (GTK_WIDGET (self->currency_row));
      gp_editor_save_finished (editor, FALSE);
      return;
    }

  set_text_field (fields, "name", self->name_row);
  set_text_field (fields, "company", self->company_row);
  set_text_field (fields, "email", self->email_row);
  set_text_field (fields, "address", self->address_row);
  set_text_field (fields, "tax_id", self->tax_id_row);
  set_text_field (fields, "notes", self->notes_row);
  json_object_set_string_member (fields, "currency", currency);

  if (rate[0] == '\0')
    {
      json_object_set_null_member (fields, "hourly_rate");
    }
  else
    {
      g_autoptr(GError) error = NULL;
      gint64 minor = 0;

      if (!gp_money_parse (rate, currency, &minor, &error))
        {
          g_autofree char *message = g_strdup_printf (_("The hourly rate is not an amount: %s"),
                                                      error->message);

          _gp_ui_set_row_error (GTK_WIDGET (self->rate_row), TRUE);
          show_error (self, message);
          gp_editor_save_finished (editor, FALSE);
          return;
        }
      json_object_set_int_member (fields, "hourly_rate", minor);
    }

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gp_store_save_async (gp_editor_get_store (editor),
                       "clients",
                       record ? gp_record_get_id (record) : NULL,
                       fields,
                       gp_editor_get_cancellable (editor),
                       saved_cb,
                       g_object_ref (self));
}

static gboolean
gp_client_editor_is_dirty (GpEditor *editor)
{
  GpClientEditor *self = GP_CLIENT_EDITOR (editor);
  g_autofree char *state = current_state (self);

  return g_strcmp0 (state, self->saved_state) != 0;
}

static void
set_row (AdwEntryRow *row,
         GpRecord    *record,
         const char  *column)
{
  const char *value = record ? gp_record_get_string (record, column) : NULL;

  gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
}

static void
gp_client_editor_constructed (GObject *object)
{
  GpClientEditor *self = GP_CLIENT_EDITOR (object);
  GpRecord *record = gp_editor_get_record (GP_EDITOR (self));
  g_autoptr(GSettings) settings = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  G_OBJECT_CLASS (gp_client_editor_parent_class)->constructed (object);

  set_row (self->name_row, record, "name");
  set_row (self->company_row, record, "company");
  set_row (self->email_row, record, "email");
  set_row (self->address_row, record, "address");
  set_row (self->tax_id_row, record, "tax_id");
  set_row (self->notes_row, record, "notes");
  set_row (self->currency_row, record, "currency");

  if (record != NULL)
    {
      adw_window_title_set_title (self->window_title, _("Edit Client"));
      if (gp_record_has_value (record, "hourly_rate"))
        {
          g_autofree char *rate = gp_money_format (gp_record_get_int (record, "hourly_rate"),
                                                   gp_record_get_string (record, "currency"));

          gtk_editable_set_text (GTK_EDITABLE (self->rate_row), rate);
        }
    }
  else
    {
      if (source != NULL)
        schema = g_settings_schema_source_lookup (source, "io.github.gigpilot.GigPilot", TRUE);
      if (schema != NULL)
        {
          g_autofree char *currency = NULL;

          settings = g_settings_new ("io.github.gigpilot.GigPilot");
          currency = g_settings_get_string (settings, "default-currency");
          gtk_editable_set_text (GTK_EDITABLE (self->currency_row), currency);
        }
    }

  self->saved_state = current_state (self);
}

static void
gp_client_editor_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_CLIENT_EDITOR);

  G_OBJECT_CLASS (gp_client_editor_parent_class)->dispose (object);
}

static void
gp_client_editor_finalize (GObject *object)
{
  GpClientEditor *self = GP_CLIENT_EDITOR (object);

  g_clear_pointer (&self->saved_state, g_free);

  G_OBJECT_CLASS (gp_client_editor_parent_class)->finalize (object);
}

static void
gp_client_editor_class_init (GpClientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GpEditorClass *editor_class = GP_EDITOR_CLASS (klass);

  object_class->constructed = gp_client_editor_constructed;
  object_class->dispose = gp_client_editor_dispose;
  object_class->finalize = gp_client_editor_finalize;
  editor_class->is_dirty = gp_client_editor_is_dirty;
  editor_class->save = gp_client_editor_save;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-client-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, company_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, currency_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, notes_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, rate_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, tax_id_row);
  gtk_widget_class_bind_template_child (widget_class, GpClientEditor, window_title);
}

static void
gp_client_editor_init (GpClientEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GpClientEditor *
gp_client_editor_new (GpStore  *store,
                      GpRecord *record)
{
  return g_object_new (GP_TYPE_CLIENT_EDITOR, "store", store, "record", record, NULL);
}

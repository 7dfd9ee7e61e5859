/* gp-ticket-editor.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-error.h"
#include "gp-ticket-editor.h"
#include "gp-ui-util.h"

struct _GpTicketEditor
{
  GpEditor parent_instance;

  /* Template widgets */
  GtkTextView *body_view;
  AdwComboRow *client_row;
  AdwEntryRow *due_row;
  GtkLabel *error_label;
  AdwComboRow *priority_row;
  GtkButton *save_button;
  AdwComboRow *status_row;
  AdwEntryRow *title_row;
  AdwWindowTitle *window_title;

  /* Owned */
  GListModel *clients;
  GListModel *client_choices;
  char *saved_state;
};

G_DEFINE_FINAL_TYPE (GpTicketEditor, gp_ticket_editor, GP_TYPE_EDITOR)

enum {
  PROP_0,
  PROP_CLIENTS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static char *
get_body (GpTicketEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
selected_client_id (GpTicketEditor *self)
{
  GpRecord *client = adw_combo_row_get_selected_item (self->client_row);
  const char *id = client ? gp_record_get_id (client) : NULL;

  /* The first choice is "No client", a record with an empty id. */
  return id != NULL && id[0] != '\0' ? id : NULL;
}

static char *
current_state (GpTicketEditor *self)
{
  g_autofree char *body = get_body (self);
  const char *client = selected_client_id (self);

  return g_strdup_printf ("%s\x1f%s\x1f%u\x1f%u\x1f%s\x1f%s",
                          gtk_editable_get_text (GTK_EDITABLE (self->title_row)),
                          client ? client : "",
                          adw_combo_row_get_selected (self->status_row),
                          adw_combo_row_get_selected (self->priority_row),
                          gtk_editable_get_text (GTK_EDITABLE (self->due_row)),
                          body);
}

static void
show_error (GpTicketEditor *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GpTicketEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_store_save_finish (GP_STORE (object), result, &error);

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
gp_ticket_editor_save (GpEditor *editor)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (editor);
  GpRecord *record = gp_editor_get_record (editor);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row))));
  g_autofree char *due = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->due_row))));
  g_autofree char *body = get_body (self);
  const char *client = selected_client_id (self);
  guint n_status, n_priority;
  const GpUiChoice *statuses = _gp_ui_ticket_statuses (&n_status);
  const GpUiChoice *priorities = _gp_ui_ticket_priorities (&n_priority);
  guint status = adw_combo_row_get_selected (self->status_row);
  guint priority = adw_combo_row_get_selected (self->priority_row);

  _gp_ui_set_row_error (GTK_WIDGET (self->title_row), FALSE);
  _gp_ui_set_row_error (GTK_WIDGET (self->due_row), FALSE);

  if (title[0] == '\0')
    {
      _gp_ui_set_row_error (GTK_WIDGET (self->title_row), TRUE);
      show_error (self, _("Give the ticket a short title, such as “Fix the contact form”."));
      gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
      gp_editor_save_finished (editor, FALSE);
      return;
    }
  if (due[0] != '\0' && !_gp_ui_is_valid_date (due))
    {
      _gp_ui_set_row_error (GTK_WIDGET (self->due_row), TRUE);
      show_error (self, _("The due date must be a date written as YYYY-MM-DD, for example 2026-04-30."));
      gtk_widget_grab_focus (GTK_WIDGET (self->due_row));
      gp_editor_save_finished (editor, FALSE);
      return;
    }

  json_object_set_string_member (fields, "title", title);
  if (body[0] != '\0')
    json_object_set_string_member (fields, "body", body);
  else
    json_object_set_null_member (fields, "body");
  if (client != NULL)
    json_object_set_string_member (fields, "client_id", client);
  else
    json_object_set_null_member (fields, "client_id");
  json_object_set_string_member (fields, "status", statuses[MIN (status, n_status - 1)].value);
  json_object_set_string_member (fields, "priority", priorities[MIN (priority, n_priority - 1)].value);
  if (due[0] != '\0')
    json_object_set_string_member (fields, "due_on", due);
  else
    json_object_set_null_member (fields, "due_on");

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gp_store_save_async (gp_editor_get_store (editor), "tickets",
                       record ? gp_record_get_id (record) : NULL, fields,
                       gp_editor_get_cancellable (editor), saved_cb, g_object_ref (self));
}

static gboolean
gp_ticket_editor_is_dirty (GpEditor *editor)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (editor);
  g_autofree char *state = current_state (self);

  return g_strcmp0 (state, self->saved_state) != 0;
}

static char *
client_name_cb (GpRecord *client)
{
  const char *name = client ? gp_record_get_string (client, "name") : NULL;

  return g_strdup (name ? name : "");
}

static void
gp_ticket_editor_constructed (GObject *object)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (object);
  GpRecord *record = gp_editor_get_record (GP_EDITOR (self));
  g_autoptr(GtkExpression) expression = NULL;
  g_autoptr(GListStore) none = g_list_store_new (GP_TYPE_RECORD);
  g_autoptr(JsonObject) none_fields = json_object_new ();
  g_autoptr(GpRecord) none_record = NULL;
  GListStore *parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GtkStringList) statuses = NULL;
  g_autoptr(GtkStringList) priorities = NULL;
  const GpUiChoice *choices;
  guint n;

  G_OBJECT_CLASS (gp_ticket_editor_parent_class)->constructed (object);

  json_object_set_string_member (none_fields, "name", _("No client"));
  none_record = gp_record_new ("clients", "", none_fields);
  g_list_store_append (none, none_record);
  g_list_store_append (parts, none);
  if (self->clients != NULL)
    g_list_store_append (parts, self->clients);
  self->client_choices = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (parts)));

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (client_name_cb), NULL, NULL);
  adw_combo_row_set_expression (self->client_row, expression);
  adw_combo_row_set_model (self->client_row, self->client_choices);

  choices = _gp_ui_ticket_statuses (&n);
  statuses = _gp_ui_choice_model (choices, n);
  adw_combo_row_set_model (self->status_row, G_LIST_MODEL (statuses));
  if (record != NULL)
    adw_combo_row_set_selected (self->status_row,
                                _gp_ui_choice_index (choices, n, gp_record_get_string (record, "status")));

  choices = _gp_ui_ticket_priorities (&n);
  priorities = _gp_ui_choice_model (choices, n);
  adw_combo_row_set_model (self->priority_row, G_LIST_MODEL (priorities));
  adw_combo_row_set_selected (self->priority_row,
                              record ? _gp_ui_choice_index (choices, n, gp_record_get_string (record, "priority"))
                                     : 1 /* normal */);

  if (record != NULL)
    {
      const char *title = gp_record_get_string (record, "title");
      const char *body = gp_record_get_string (record, "body");
      const char *due = gp_record_get_string (record, "due_on");
      const char *client_id = gp_record_get_string (record, "client_id");
      guint n_choices = g_list_model_get_n_items (self->client_choices);

      adw_window_title_set_title (self->window_title, _("Edit Ticket"));
      gtk_editable_set_text (GTK_EDITABLE (self->title_row), title ? title : "");
      gtk_editable_set_text (GTK_EDITABLE (self->due_row), due ? due : "");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body ? body : "", -1);

      for (guint i = 1; client_id != NULL && i < n_choices; i++)
        {
          g_autoptr(GpRecord) client = g_list_model_get_item (self->client_choices, i);

          if (g_strcmp0 (gp_record_get_id (client), client_id) == 0)
            {
              adw_combo_row_set_selected (self->client_row, i);
              break;
            }
        }
    }

  self->saved_state = current_state (self);
}

static void
gp_ticket_editor_dispose (GObject *object)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_TICKET_EDITOR);

  g_clear_object (&self->client_choices);
  g_clear_object (&self->clients);

  G_OBJECT_CLASS (gp_ticket_editor_parent_class)->dispose (object);
}

static void
gp_ticket_editor_finalize (GObject *object)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (object);

  g_clear_pointer (&self->saved_state, g_free);

  G_OBJECT_CLASS (gp_ticket_editor_parent_class)->finalize (object);
}

static void
gp_ticket_editor_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENTS:
      self->clients = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_ticket_editor_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GpTicketEditor *self = GP_TICKET_EDITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENTS:
      g_value_set_object (value, self->clients);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_ticket_editor_class_init (GpTicketEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GpEditorClass *editor_class = GP_EDITOR_CLASS (klass);

  object_class->constructed = gp_ticket_editor_constructed;
  object_class->dispose = gp_ticket_editor_dispose;
  object_class->finalize = gp_ticket_editor_finalize;
  object_class->get_property = gp_ticket_editor_get_property;
  object_class->set_property = gp_ticket_editor_set_property;
  editor_class->is_dirty = gp_ticket_editor_is_dirty;
  editor_class->save = gp_ticket_editor_save;

  properties[PROP_CLIENTS] =
    g_param_spec_object ("clients", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-ticket-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, body_view);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, client_row);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, due_row);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, priority_row);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, GpTicketEditor, window_title);
}

static void
gp_ticket_editor_init (GpTicketEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GpTicketEditor *
gp_ticket_editor_new (GpStore    *store,
                      GpRecord   *record,
                      GListModel *clients)
{
  return g_object_new (GP_TYPE_TICKET_EDITOR,
                       "store", store,
                       "record", record,
                       "clients", clients,
                       NULL);
}

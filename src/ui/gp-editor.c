/* gp-editor.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-editor.h"
#include "gp-work-actions.h"

/* Nothing typed into an editor is lost: closing it (Escape, the close button, closing the
 * main window) with unsaved changes asks whether to save, discard or keep editing. */

typedef struct
{
  GpStore *store;
  GpRecord *record;
  GCancellable *cancellable;
  gboolean close_after_save;
  gboolean closing;
  gboolean asking;
} GpEditorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GpEditor, gp_editor, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_RECORD,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   GpEditor         *self)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  priv->asking = FALSE;

  if (g_strcmp0 (response, "discard") == 0)
    {
      priv->closing = TRUE;
      gtk_window_destroy (GTK_WINDOW (self));
    }
  else if (g_strcmp0 (response, "save") == 0)
    {
      priv->close_after_save = TRUE;
      gp_editor_save (self);
    }
}

static gboolean
gp_editor_close_request (GtkWindow *window)
{
  GpEditor *self = GP_EDITOR (window);
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);
  AdwMessageDialog *dialog;

  if (priv->closing || !gp_editor_is_dirty (self))
    return GTK_WINDOW_CLASS (gp_editor_parent_class)->close_request (window);

  if (priv->asking)
    return TRUE;

  priv->asking = TRUE;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Save Changes?"),
                                                       _("This editor has changes that are not saved yet. "
                                                         "If you discard them they are gone.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  GpEditor *self = GP_EDITOR (widget);
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  priv->close_after_save = TRUE;
  gp_editor_save (self);
}

static void
gp_editor_dispose (GObject *object)
{
  GpEditor *self = GP_EDITOR (object);
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->store);
  g_clear_object (&priv->record);

  G_OBJECT_CLASS (gp_editor_parent_class)->dispose (object);
}

static void
gp_editor_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GpEditor *self = GP_EDITOR (object);
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, priv->store);
      break;

    case PROP_RECORD:
      g_value_set_object (value, priv->record);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_editor_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GpEditor *self = GP_EDITOR (object);
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STORE:
      priv->store = g_value_dup_object (value);
      break;

    case PROP_RECORD:
      priv->record = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_editor_class_init (GpEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = gp_editor_dispose;
  object_class->get_property = gp_editor_get_property;
  object_class->set_property = gp_editor_set_property;
  window_class->close_request = gp_editor_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         GP_TYPE_RECORD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  _gp_work_install_editor_actions (widget_class);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_editor_init (GpEditor *self)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
}

GpStore *
gp_editor_get_store (GpEditor *self)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  g_return_val_if_fail (GP_IS_EDITOR (self), NULL);

  return priv->store;
}

GpRecord *
gp_editor_get_record (GpEditor *self)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  g_return_val_if_fail (GP_IS_EDITOR (self), NULL);

  return priv->record;
}

GCancellable *
gp_editor_get_cancellable (GpEditor *self)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  g_return_val_if_fail (GP_IS_EDITOR (self), NULL);

  return priv->cancellable;
}

gboolean
gp_editor_is_dirty (GpEditor *self)
{
  g_return_val_if_fail (GP_IS_EDITOR (self), FALSE);

  if (GP_EDITOR_GET_CLASS (self)->is_dirty == NULL)
    return FALSE;

  return GP_EDITOR_GET_CLASS (self)->is_dirty (self);
}

void
gp_editor_save (GpEditor *self)
{
  g_return_if_fail (GP_IS_EDITOR (self));

  if (GP_EDITOR_GET_CLASS (self)->save != NULL)
    GP_EDITOR_GET_CLASS (self)->save (self);
  else
    gp_editor_save_finished (self, TRUE);
}

void
gp_editor_save_finished (GpEditor *self,
                         gboolean  success)
{
  GpEditorPrivate *priv = gp_editor_get_instance_private (self);

  g_return_if_fail (GP_IS_EDITOR (self));

  if (success && priv->close_after_save)
    {
      priv->closing = TRUE;
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  priv->close_after_save = FALSE;
}

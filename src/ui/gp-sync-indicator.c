/* gp-sync-indicator.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-sync-indicator.h"

/* The header bar's sync area: an icon and a word for the connection state (each with an
 * accessible name), the number of local changes waiting, progress while syncing and the
 * Sync now / Retry button. Everything is derived from GpSyncStatus and the store's
 * pending-count; nothing here starts work by itself. */

struct _GpSyncIndicator
{
  GtkBox parent_instance;

  /* Template widgets */
  GtkLabel *pending_label;
  GtkBox *progress_box;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkImage *state_icon;
  GtkLabel *state_label;
  GtkButton *sync_button;

  /* Owned */
  GSignalGroup *status_signals;
  GSignalGroup *store_signals;
};

G_DEFINE_FINAL_TYPE (GpSyncIndicator, gp_sync_indicator, GTK_TYPE_BOX)

guint
_gp_ui_get_uint_property (GObject    *object,
                          const char *name)
{
  GParamSpec *pspec;
  g_auto(GValue) value = G_VALUE_INIT;

  if (object == NULL)
    return 0;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  if (pspec == NULL)
    return 0;

  g_value_init (&value, G_TYPE_UINT);
  if (pspec->value_type == G_TYPE_UINT)
    {
      g_object_get_property (object, name, &value);
      return g_value_get_uint (&value);
    }
  else
    {
      g_auto(GValue) raw = G_VALUE_INIT;

      g_value_init (&raw, pspec->value_type);
      g_object_get_property (object, name, &raw);
      if (g_value_transform (&raw, &value))
        return g_value_get_uint (&value);
    }

  return 0;
}

char *
_gp_ui_get_string_property (GObject    *object,
                            const char *name)
{
  GParamSpec *pspec;
  char *ret = NULL;

  if (object == NULL)
    return NULL;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  if (pspec == NULL || pspec->value_type != G_TYPE_STRING)
    return NULL;

  g_object_get (object, name, &ret, NULL);
  return ret;
}

static GDateTime *
get_last_synced (GpSyncStatus *status)
{
  gint64 ms = status ? gp_sync_status_get_last_synced (status) : 0;

  if (ms <= 0)
    return NULL;

  return g_date_time_new_from_unix_local (ms / 1000);
}

static void
update (GpSyncIndicator *self)
{
  GObject *status = g_signal_group_dup_target (self->status_signals);
  GObject *store = g_signal_group_dup_target (self->store_signals);
  GpSyncState state = GP_SYNC_STATE_SIGNED_OUT;
  const char *icon = "avatar-default-symbolic";
  const char *word = _("Signed out");
  const char *css = "signed-out";
  static const char *all_css[] = { "signed-out", "offline", "online", "syncing", "error" };
  g_autofree char *pending_text = NULL;
  g_autofree char *progress_text = NULL;
  g_autofree char *last_error = NULL;
  g_autoptr(GDateTime) last_synced = NULL;
  g_autoptr(GString) tooltip = g_string_new (NULL);
  guint pending;

  if (status != NULL)
    state = gp_sync_status_get_state (GP_SYNC_STATUS (status));

  switch (state)
    {
    case GP_SYNC_STATE_OFFLINE:
      icon = "network-offline-symbolic";
      word = _("Offline");
      css = "offline";
      break;

    case GP_SYNC_STATE_IDLE:
      icon = "emblem-ok-symbolic";
      word = _("Online");
      css = "online";
      break;

    case GP_SYNC_STATE_SYNCING:
      icon = "emblem-synchronizing-symbolic";
      word = _("Syncing…");
      css = "syncing";
      break;

    case GP_SYNC_STATE_ERROR:
      icon = "dialog-warning-symbolic";
      word = _("Sync error");
      css = "error";
      break;

    case GP_SYNC_STATE_SIGNED_OUT:
    default:
      break;
    }

  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, word,
                                  -1);
  gtk_label_set_label (self->state_label, word);
  for (guint i = 0; i < G_N_ELEMENTS (all_css); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self), all_css[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self), css);

  /* The store is the authority on what is waiting; the sync status only as a fallback. */
  pending = store != NULL ? _gp_ui_get_uint_property (store, "pending-count")
                          : _gp_ui_get_uint_property (status, "pending-count");
  if (pending == 0)
    pending_text = g_strdup (_("No changes waiting"));
  else
    pending_text = g_strdup_printf (ngettext ("%u change waiting", "%u changes waiting", pending),
                                    pending);
  gtk_label_set_label (self->pending_label, pending_text);

  progress_text = status ? g_strdup (gp_sync_status_get_progress_text (GP_SYNC_STATUS (status))) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), state == GP_SYNC_STATE_SYNCING);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 status ? CLAMP (gp_sync_status_get_progress (GP_SYNC_STATUS (status)), 0.0, 1.0) : 0.0);
  gtk_label_set_label (self->progress_label, progress_text ? progress_text : "");

  gtk_button_set_label (self->sync_button,
                        state == GP_SYNC_STATE_ERROR || state == GP_SYNC_STATE_OFFLINE
                          ? _("Retry") : _("Sync now"));

  last_synced = get_last_synced (status ? GP_SYNC_STATUS (status) : NULL);
  if (last_synced != NULL)
    {
      g_autofree char *when = g_date_time_format (last_synced, "%x %X");

      g_string_append_printf (tooltip, _("Last synced: %s"), when);
    }
  else
    {
      g_string_append (tooltip, _("Not synced yet"));
    }

  last_error = status ? g_strdup (gp_sync_status_get_last_error (GP_SYNC_STATUS (status))) : NULL;
  if (last_error != NULL && last_error[0] != '\0')
    {
      g_string_append_c (tooltip, '\n');
      g_string_append_printf (tooltip, _("Last error: %s"), last_error);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip->str,
                                  -1);

  g_clear_object (&status);
  g_clear_object (&store);
}

static void
property_changed_cb (GpSyncIndicator *self)
{
  update (self);
}

static void
gp_sync_indicator_dispose (GObject *object)
{
  GpSyncIndicator *self = GP_SYNC_INDICATOR (object);

  if (self->status_signals != NULL)
    g_signal_group_set_target (self->status_signals, NULL);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  g_clear_object (&self->status_signals);
  g_clear_object (&self->store_signals);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_SYNC_INDICATOR);

  G_OBJECT_CLASS (gp_sync_indicator_parent_class)->dispose (object);
}

static void
gp_sync_indicator_class_init (GpSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_sync_indicator_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, pending_label);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, progress_box);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, progress_label);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, state_icon);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, state_label);
  gtk_widget_class_bind_template_child (widget_class, GpSyncIndicator, sync_button);
}

static void
gp_sync_indicator_init (GpSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->status_signals = g_signal_group_new (GP_TYPE_SYNC_STATUS);
  g_signal_group_connect_swapped (self->status_signals, "notify",
                                  G_CALLBACK (property_changed_cb), self);
  self->store_signals = g_signal_group_new (G_TYPE_OBJECT);
  g_signal_group_connect_swapped (self->store_signals, "notify::pending-count",
                                  G_CALLBACK (property_changed_cb), self);

  update (self);
}

GpSyncIndicator *
gp_sync_indicator_new (void)
{
  return g_object_new (GP_TYPE_SYNC_INDICATOR, NULL);
}

void
gp_sync_indicator_set_status (GpSyncIndicator *self,
                              GpSyncStatus    *status)
{
  g_return_if_fail (GP_IS_SYNC_INDICATOR (self));
  g_return_if_fail (status == NULL || GP_IS_SYNC_STATUS (status));

  g_signal_group_set_target (self->status_signals, status);
  update (self);
}

void
gp_sync_indicator_set_store (GpSyncIndicator *self,
                             GObject         *store)
{
  g_return_if_fail (GP_IS_SYNC_INDICATOR (self));
  g_return_if_fail (store == NULL || G_IS_OBJECT (store));

  g_signal_group_set_target (self->store_signals, store);
  update (self);
}

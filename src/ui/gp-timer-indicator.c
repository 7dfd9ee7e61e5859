/* gp-timer-indicator.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-timer-indicator.h"

#include <glib/gi18n.h>

#include "gp-store-time.h"

/* The running timer in the header bar: "0:12:03 · Fix login". It is read from the database
 * (so after a restart it is there again) whenever time entries or tickets change, and
 * ticks once a second from the stored start time. Clicking it stops the timer. */

struct _GpTimerIndicator
{
  GtkBox parent_instance;

  /* Template widgets */
  GtkButton *button;
  GtkLabel *label;
  GtkLabel *title_label;

  /* Owned */
  GpStore *store;
  GCancellable *cancellable;
  char *ticket_id;
  char *ticket_title;
  gint64 started_at;
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (GpTimerIndicator, gp_timer_indicator, GTK_TYPE_BOX)

/**
 * gp_timer_format_elapsed:
 * @ms: a duration in ms
 *
 * Returns: (transfer full): "H:MM:SS"
 */
char *
gp_timer_format_elapsed (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
}

static void
update_label (GpTimerIndicator *self)
{
  g_autofree char *elapsed = NULL;
  g_autofree char *a11y = NULL;

  if (self->ticket_id == NULL)
    return;

  /* The time never shrinks away; the ticket's title may. */
  elapsed = gp_timer_format_elapsed (g_get_real_time () / 1000 - self->started_at);
  gtk_label_set_label (self->label, elapsed);
  gtk_label_set_label (self->title_label, self->ticket_title != NULL ? self->ticket_title : "");
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), self->ticket_title != NULL);
  a11y = g_strdup_printf (_("Timer running for %s: stop it"), self->ticket_title ? self->ticket_title : elapsed);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static gboolean
tick_cb (gpointer user_data)
{
  update_label (GP_TIMER_INDICATOR (user_data));
  return G_SOURCE_CONTINUE;
}

static void
ticket_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpTimerIndicator) self = user_data;
  g_autoptr(GpRecord) ticket = gp_store_get_finish (GP_STORE (object), result, NULL);

  if (self->store == NULL || ticket == NULL || g_strcmp0 (gp_record_get_id (ticket), self->ticket_id) != 0)
    return;
  g_free (self->ticket_title);
  self->ticket_title = g_strdup (gp_record_get_string (ticket, "title"));
  update_label (self);
}

static void
running_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpTimerIndicator) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) entry = gp_store_timer_get_running_finish (GP_STORE (object), result, &error);

  /* The indicator went away while the store worked. */
  if (self->store == NULL)
    return;

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reading the running timer: %s", error->message);
      return;
    }

  if (entry == NULL)
    {
      g_clear_pointer (&self->ticket_id, g_free);
      g_clear_pointer (&self->ticket_title, g_free);
      g_clear_handle_id (&self->tick_id, g_source_remove);
      gtk_widget_set_visible (GTK_WIDGET (self->button), FALSE);
      return;
    }

  if (g_strcmp0 (self->ticket_id, gp_record_get_string (entry, "ticket_id")) != 0)
    {
      g_free (self->ticket_id);
      self->ticket_id = g_strdup (gp_record_get_string (entry, "ticket_id"));
      g_clear_pointer (&self->ticket_title, g_free);
    }
  self->started_at = gp_record_get_int (entry, "started_at");
  gp_store_get_async (self->store, "tickets", self->ticket_id, self->cancellable, ticket_loaded_cb,
                      g_object_ref (self));
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  update_label (self);
  gtk_widget_set_visible (GTK_WIDGET (self->button), TRUE);
}

static void
reload (GpTimerIndicator *self)
{
  if (self->store == NULL)
    return;
  gp_store_timer_get_running_async (self->store, self->cancellable, running_loaded_cb, g_object_ref (self));
}

static void
store_changed_cb (GpTimerIndicator *self,
                  const char       *table,
                  GStrv             ids)
{
  if (g_strcmp0 (table, "time_entries") == 0 || g_strcmp0 (table, "tickets") == 0)
    reload (self);
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GpTimerIndicator) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) entry = gp_store_timer_stop_finish (GP_STORE (object), result, &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Stopping the timer: %s", error->message);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  GpTimerIndicator *self = GP_TIMER_INDICATOR (widget);

  if (self->store != NULL)
    gp_store_timer_stop_async (self->store, self->cancellable, stopped_cb, g_object_ref (self));
}

static void
gp_timer_indicator_dispose (GObject *object)
{
  GpTimerIndicator *self = GP_TIMER_INDICATOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_TIMER_INDICATOR);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_timer_indicator_parent_class)->dispose (object);
}

static void
gp_timer_indicator_finalize (GObject *object)
{
  GpTimerIndicator *self = GP_TIMER_INDICATOR (object);

  g_free (self->ticket_id);
  g_free (self->ticket_title);

  G_OBJECT_CLASS (gp_timer_indicator_parent_class)->finalize (object);
}

static void
gp_timer_indicator_class_init (GpTimerIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_timer_indicator_dispose;
  object_class->finalize = gp_timer_indicator_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-timer-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, GpTimerIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, GpTimerIndicator, label);
  gtk_widget_class_bind_template_child (widget_class, GpTimerIndicator, title_label);

  gtk_widget_class_install_action (widget_class, "timer.stop", NULL, stop_action);
}

static void
gp_timer_indicator_init (GpTimerIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

/**
 * gp_timer_indicator_set_store:
 * @self: a #GpTimerIndicator
 * @store: (nullable): the store to watch
 *
 * Shows @store's running timer, now and whenever it changes.
 */
void
gp_timer_indicator_set_store (GpTimerIndicator *self,
                              GpStore          *store)
{
  g_return_if_fail (GP_IS_TIMER_INDICATOR (self));

  if (self->store == store)
    return;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
  g_set_object (&self->store, store);
  if (store != NULL)
    {
      g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
      reload (self);
    }
}

/**
 * gp_timer_indicator_get_ticket_id:
 * @self: a #GpTimerIndicator
 *
 * Returns: (nullable): the ticket whose timer runs
 */
const char *
gp_timer_indicator_get_ticket_id (GpTimerIndicator *self)
{
  g_return_val_if_fail (GP_IS_TIMER_INDICATOR (self), NULL);

  return self->ticket_id;
}

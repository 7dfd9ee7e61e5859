/* gp-sync-status.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-sync"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-sync-status.h"

/* What the header bar shows about sync, as plain properties (no GTK here): the UI binds
 * them. Every setter notifies only when the value really changes, so a sync that reports
 * the same progress twice does not make the UI redraw. */

struct _GpSyncStatus
{
  GObject parent_instance;

  GpSyncState state;
  guint pending_count;
  guint conflict_count;
  double progress;
  gint64 last_synced;

  /* Owned */
  char *progress_text;
  char *last_error;
};

G_DEFINE_ENUM_TYPE (GpSyncState, gp_sync_state,
                    G_DEFINE_ENUM_VALUE (GP_SYNC_STATE_SIGNED_OUT, "signed-out"),
                    G_DEFINE_ENUM_VALUE (GP_SYNC_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (GP_SYNC_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (GP_SYNC_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (GP_SYNC_STATE_ERROR, "error"))

G_DEFINE_FINAL_TYPE (GpSyncStatus, gp_sync_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PENDING_COUNT,
  PROP_CONFLICT_COUNT,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_LAST_SYNCED,
  PROP_LAST_ERROR,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
gp_sync_status_finalize (GObject *object)
{
  GpSyncStatus *self = (GpSyncStatus *)object;

  g_clear_pointer (&self->progress_text, g_free);
  g_clear_pointer (&self->last_error, g_free);

  G_OBJECT_CLASS (gp_sync_status_parent_class)->finalize (object);
}

static void
gp_sync_status_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GpSyncStatus *self = GP_SYNC_STATUS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;

    case PROP_CONFLICT_COUNT:
      g_value_set_uint (value, self->conflict_count);
      break;

    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;

    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;

    case PROP_LAST_SYNCED:
      g_value_set_int64 (value, self->last_synced);
      break;

    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_sync_status_class_init (GpSyncStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gp_sync_status_finalize;
  object_class->get_property = gp_sync_status_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       GP_TYPE_SYNC_STATE, GP_SYNC_STATE_SIGNED_OUT,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFLICT_COUNT] =
    g_param_spec_uint ("conflict-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* 0..1 while a sync runs; 0 otherwise. */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* "Sending 5 of 10 changes", "Receiving 5,000 of 100,000 records", or NULL. */
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Milliseconds since the epoch of the last complete sync, 0 if never. */
  properties[PROP_LAST_SYNCED] =
    g_param_spec_int64 ("last-synced", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* A sentence for the user about the last failure, or NULL. */
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gp_sync_status_init (GpSyncStatus *self)
{
}

/**
 * gp_sync_status_new:
 *
 * Returns: (transfer full): a status in the signed-out state
 */
GpSyncStatus *
gp_sync_status_new (void)
{
  return g_object_new (GP_TYPE_SYNC_STATUS, NULL);
}

GpSyncState
gp_sync_status_get_state (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), GP_SYNC_STATE_SIGNED_OUT);

  return self->state;
}

void
gp_sync_status_set_state (GpSyncStatus *self,
                          GpSyncState   state)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));
  g_return_if_fail (state <= GP_SYNC_STATE_ERROR);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

guint
gp_sync_status_get_pending_count (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), 0);

  return self->pending_count;
}

void
gp_sync_status_set_pending_count (GpSyncStatus *self,
                                  guint         pending_count)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  if (self->pending_count != pending_count)
    {
      self->pending_count = pending_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
    }
}

guint
gp_sync_status_get_conflict_count (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), 0);

  return self->conflict_count;
}

void
gp_sync_status_set_conflict_count (GpSyncStatus *self,
                                   guint         conflict_count)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  if (self->conflict_count != conflict_count)
    {
      self->conflict_count = conflict_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICT_COUNT]);
    }
}

double
gp_sync_status_get_progress (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), 0.0);

  return self->progress;
}

const char *
gp_sync_status_get_progress_text (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), NULL);

  return self->progress_text;
}

/**
 * gp_sync_status_set_progress:
 * @self: a status
 * @progress: the fraction done, clamped to 0..1
 * @progress_text: (nullable): what is being done, for the user
 */
void
gp_sync_status_set_progress (GpSyncStatus *self,
                             double        progress,
                             const char   *progress_text)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  progress = CLAMP (progress, 0.0, 1.0);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->progress != progress)
    {
      self->progress = progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (g_strcmp0 (self->progress_text, progress_text) != 0)
    {
      g_free (self->progress_text);
      self->progress_text = g_strdup (progress_text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Numbers with the locale's digit grouping ("100,000" in English). */
static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

/**
 * gp_sync_status_set_sending:
 * @self: a status
 * @done: local changes sent so far
 * @total: local changes to send in this sync
 *
 * Sets the progress to "Sending @done of @total changes".
 */
void
gp_sync_status_set_sending (GpSyncStatus *self,
                            guint64       done,
                            guint64       total)
{
  g_autofree char *d = format_count (done);
  g_autofree char *t = format_count (total);
  g_autofree char *text = NULL;

  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  /* Translators: "Sending 5 of 10 changes" while uploading local changes. */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sending %s of %s change",
                                       "Sending %s of %s changes", (gulong)MIN (total, G_MAXULONG)),
                          d, t);
  gp_sync_status_set_progress (self, total > 0 ? (double)done / total : 0.0, text);
}

/**
 * gp_sync_status_set_receiving:
 * @self: a status
 * @done: records received so far
 * @total: records expected, or 0 when the server did not say
 *
 * Sets the progress to "Receiving @done of @total records" (or "Receiving @done records").
 */
void
gp_sync_status_set_receiving (GpSyncStatus *self,
                              guint64       done,
                              guint64       total)
{
  g_autofree char *d = format_count (done);
  g_autofree char *t = format_count (total);
  g_autofree char *text = NULL;

  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  if (total > 0)
    /* Translators: "Receiving 5,000 of 100,000 records" while downloading. */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Receiving %s of %s record",
                                         "Receiving %s of %s records", (gulong)MIN (total, G_MAXULONG)),
                            d, t);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Receiving %s record",
                                         "Receiving %s records", (gulong)MIN (done, G_MAXULONG)),
                            d);
  gp_sync_status_set_progress (self, total > 0 ? (double)done / total : 0.0, text);
}

gint64
gp_sync_status_get_last_synced (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), 0);

  return self->last_synced;
}

void
gp_sync_status_set_last_synced (GpSyncStatus *self,
                                gint64        last_synced_ms)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));
  g_return_if_fail (last_synced_ms >= 0);

  if (self->last_synced != last_synced_ms)
    {
      self->last_synced = last_synced_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SYNCED]);
    }
}

const char *
gp_sync_status_get_last_error (GpSyncStatus *self)
{
  g_return_val_if_fail (GP_IS_SYNC_STATUS (self), NULL);

  return self->last_error;
}

/**
 * gp_sync_status_set_last_error:
 * @self: a status
 * @last_error: (nullable): a sentence the user understands, or %NULL to clear it
 */
void
gp_sync_status_set_last_error (GpSyncStatus *self,
                               const char   *last_error)
{
  g_return_if_fail (GP_IS_SYNC_STATUS (self));

  if (g_strcmp0 (self->last_error, last_error) != 0)
    {
      g_free (self->last_error);
      self->last_error = g_strdup (last_error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
    }
}

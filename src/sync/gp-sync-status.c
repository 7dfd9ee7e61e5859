/* gp-sync-status.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-sync"

#include "config.h"

#include "gp-sync-status.h"

struct _GpSyncStatus
{
  GObject parent_instance;

  GpSyncState state;
  guint pending_count;
};

G_DEFINE_FINAL_TYPE (GpSyncStatus, gp_sync_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PENDING_COUNT,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

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
      g_value_set_int (value, self->state);
      break;

    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_sync_status_class_init (GpSyncStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gp_sync_status_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      GP_SYNC_STATE_SIGNED_OUT, GP_SYNC_STATE_ERROR, GP_SYNC_STATE_SIGNED_OUT,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gp_sync_status_init (GpSyncStatus *self)
{
}

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

/* gp-store.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store.h"

struct _GpStore
{
  GObject parent_instance;

  /* Owned */
  char *path;
};

G_DEFINE_FINAL_TYPE (GpStore, gp_store, G_TYPE_OBJECT)

static void
gp_store_finalize (GObject *object)
{
  GpStore *self = (GpStore *)object;

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (gp_store_parent_class)->finalize (object);
}

static void
gp_store_class_init (GpStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gp_store_finalize;
}

static void
gp_store_init (GpStore *self)
{
}

GpStore *
gp_store_new (const char *path)
{
  GpStore *self = g_object_new (GP_TYPE_STORE, NULL);

  self->path = g_strdup (path);

  return self;
}

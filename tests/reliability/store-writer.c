/* store-writer.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Helper of test-store-crash.py: opens the GigPilot store on the file given, then saves
 * records through the real store (its thread, its transactions, WAL + synchronous=FULL)
 * one after another, forever. Each acknowledged save is printed as "ID NAME" and flushed
 * before the next one starts, so whatever the driver has read was acknowledged. The
 * driver kills this process with SIGKILL at a random moment. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <json-glib/json-glib.h>

#include "gp-store.h"

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpStore) store = NULL;
  const char *tag;

  if (argc != 3)
    {
      fprintf (stderr, "usage: store-writer DB-PATH TAG\n");
      return 2;
    }
  tag = argv[2];
  store = gp_store_new (argv[1]);
  if (!gp_store_open_sync (store, NULL, &error))
    {
      fprintf (stderr, "open: %s\n", error->message);
      return 1;
    }

  for (guint i = 0;; i++)
    {
      g_autoptr(JsonObject) fields = json_object_new ();
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *name = g_strdup_printf ("%s-%u", tag, i);
      g_autofree char *id = NULL;

      json_object_set_string_member (fields, "name", name);
      json_object_set_string_member (fields, "notes", "crash test record");
      gp_store_save_async (store, "clients", NULL, fields, NULL, saved_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      id = gp_store_save_finish (store, result, &error);
      if (id == NULL)
        {
          fprintf (stderr, "save: %s\n", error->message);
          return 1;
        }
      printf ("%s %s\n", id, name);
      fflush (stdout);
    }
  return 0;
}

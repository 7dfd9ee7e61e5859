/* test-sync-status.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gp-sync-status.h"

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer)pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
count (GHashTable *counts,
       const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_status_defaults (void)
{
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();
  GpSyncState state;
  g_autoptr(GEnumClass) klass = g_type_class_ref (GP_TYPE_SYNC_STATE);

  g_object_get (status, "state", &state, NULL);
  g_assert_cmpint (state, ==, GP_SYNC_STATE_SIGNED_OUT);
  g_assert_cmpuint (gp_sync_status_get_pending_count (status), ==, 0);
  g_assert_cmpuint (gp_sync_status_get_conflict_count (status), ==, 0);
  g_assert_cmpfloat (gp_sync_status_get_progress (status), ==, 0.0);
  g_assert_null (gp_sync_status_get_progress_text (status));
  g_assert_cmpint (gp_sync_status_get_last_synced (status), ==, 0);
  g_assert_null (gp_sync_status_get_last_error (status));

  /* A registered enum, so the UI can bind and compare by nick. */
  g_assert_true (G_TYPE_IS_ENUM (GP_TYPE_SYNC_STATE));
  g_assert_cmpstr (g_enum_get_value (klass, GP_SYNC_STATE_SIGNED_OUT)->value_nick, ==, "signed-out");
  g_assert_cmpstr (g_enum_get_value (klass, GP_SYNC_STATE_SYNCING)->value_nick, ==, "syncing");
  g_assert_cmpstr (g_enum_get_value (klass, GP_SYNC_STATE_ERROR)->value_nick, ==, "error");
  g_assert_finalize_object (g_steal_pointer (&status));
}

static void
test_status_notify_on_change_only (void)
{
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (status, "notify", G_CALLBACK (count_notify_cb), counts);

  gp_sync_status_set_state (status, GP_SYNC_STATE_SIGNED_OUT);
  g_assert_cmpuint (count (counts, "state"), ==, 0);
  gp_sync_status_set_state (status, GP_SYNC_STATE_SYNCING);
  gp_sync_status_set_state (status, GP_SYNC_STATE_SYNCING);
  g_assert_cmpuint (count (counts, "state"), ==, 1);

  gp_sync_status_set_pending_count (status, 3);
  gp_sync_status_set_pending_count (status, 3);
  g_assert_cmpuint (count (counts, "pending-count"), ==, 1);
  gp_sync_status_set_conflict_count (status, 2);
  gp_sync_status_set_conflict_count (status, 2);
  g_assert_cmpuint (count (counts, "conflict-count"), ==, 1);

  gp_sync_status_set_sending (status, 5, 10);
  g_assert_cmpstr (gp_sync_status_get_progress_text (status), ==, "Sending 5 of 10 changes");
  g_assert_cmpfloat_with_epsilon (gp_sync_status_get_progress (status), 0.5, 1e-9);
  gp_sync_status_set_sending (status, 5, 10);
  g_assert_cmpuint (count (counts, "progress"), ==, 1);
  g_assert_cmpuint (count (counts, "progress-text"), ==, 1);
  gp_sync_status_set_sending (status, 1, 1);
  g_assert_cmpstr (gp_sync_status_get_progress_text (status), ==, "Sending 1 of 1 change");

  gp_sync_status_set_receiving (status, 5000, 100000);
  g_assert_cmpstr (gp_sync_status_get_progress_text (status), ==, "Receiving 5000 of 100000 records");
  g_assert_cmpfloat_with_epsilon (gp_sync_status_get_progress (status), 0.05, 1e-9);
  gp_sync_status_set_receiving (status, 5000, 0);
  g_assert_cmpstr (gp_sync_status_get_progress_text (status), ==, "Receiving 5000 records");

  gp_sync_status_set_progress (status, 7.0, NULL);
  g_assert_cmpfloat (gp_sync_status_get_progress (status), ==, 1.0);
  g_assert_null (gp_sync_status_get_progress_text (status));

  gp_sync_status_set_last_synced (status, 1795306765000);
  gp_sync_status_set_last_synced (status, 1795306765000);
  g_assert_cmpuint (count (counts, "last-synced"), ==, 1);

  gp_sync_status_set_last_error (status, "The server could not be reached.");
  gp_sync_status_set_last_error (status, "The server could not be reached.");
  g_assert_cmpuint (count (counts, "last-error"), ==, 1);
  gp_sync_status_set_last_error (status, NULL);
  g_assert_cmpuint (count (counts, "last-error"), ==, 2);
  g_assert_null (gp_sync_status_get_last_error (status));

  g_signal_handlers_disconnect_by_data (status, counts);
  g_assert_finalize_object (g_steal_pointer (&status));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync-status/defaults", test_status_defaults);
  g_test_add_func ("/sync-status/notify-on-change-only", test_status_notify_on_change_only);
  return g_test_run ();
}

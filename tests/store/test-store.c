/* test-store.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gp-store.h"

static void
test_store_new (void)
{
  g_autoptr(GpStore) store = gp_store_new ("/nonexistent/gigpilot.db");

  g_assert_true (GP_IS_STORE (store));
  g_assert_finalize_object (g_steal_pointer (&store));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/new", test_store_new);
  return g_test_run ();
}

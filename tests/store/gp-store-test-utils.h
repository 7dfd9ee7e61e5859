/* gp-store-test-utils.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "gp-store.h"

/* The main-loop budget of the timing tests (µs). Sanitizer builds run several times
 * slower, so they get a looser budget that still catches real blocking. */
#if defined(__SANITIZE_ADDRESS__)
#define GP_TEST_FRAME_BUDGET_US (250 * 1000)
#else
#define GP_TEST_FRAME_BUDGET_US (50 * 1000)
#endif

G_BEGIN_DECLS

char       *gp_test_make_dir      (void);
void        gp_test_remove_dir    (const char *dir);
GpStore    *gp_test_open_store    (const char *path);
void        gp_test_close_store   (GpStore   *store);
GAsyncResult *gp_test_wait        (GAsyncResult **slot);
void        gp_test_result_cb     (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);
JsonObject *gp_test_json          (const char *json);
/* gp_test_save(), gp_test_delete() and gp_test_get() report a failure through @error; with
 * @error NULL a failure fails the test (except that gp_test_get() returns NULL for a record
 * that does not exist). */
char       *gp_test_save          (GpStore    *store,
                                   const char *table,
                                   const char *id,
                                   const char *json,
                                   GError    **error);
GPtrArray  *gp_test_delete        (GpStore    *store,
                                   const char *table,
                                   const char *id,
                                   GError    **error);
gboolean    gp_test_restore       (GpStore    *store,
                                   GPtrArray  *records,
                                   GError    **error);
GpRecord   *gp_test_get           (GpStore    *store,
                                   const char *table,
                                   const char *id,
                                   GError    **error);
GPtrArray  *gp_test_query         (GpStore    *store,
                                   GpQuery    *query,
                                   GError    **error);
/* Reads one text value straight from the file with a connection of its own. */
char       *gp_test_sql_text      (const char *path,
                                   const char *sql);
gint64      gp_test_sql_int       (const char *path,
                                   const char *sql);
void        gp_test_sql_exec      (const char *path,
                                   const char *sql);
void        gp_test_iterate       (guint       ms);

/* Measures how long the main loop goes without running a 5 ms timeout: the wall-clock gap,
 * and the main thread's own CPU time within it (work done, as opposed to waiting for a
 * core on a loaded machine). */
typedef struct
{
  guint  source;
  gint64 last_wall;
  gint64 last_cpu;
  gint64 max_wall;
  gint64 max_cpu;
  guint  ticks;
} GpTestTicker;

void        gp_test_ticker_start  (GpTestTicker *ticker);
void        gp_test_ticker_reset  (GpTestTicker *ticker);
void        gp_test_ticker_stop   (GpTestTicker *ticker);
/* Whether the 1-minute load average exceeds 1.5 runnable tasks per core: wall-clock gaps
 * then measure the scheduler rather than the code under test. */
gboolean    gp_test_machine_overloaded (void);
/* The process's peak resident memory so far (VmHWM), in KiB; -1 where it cannot be read. */
gint64      gp_test_vm_hwm_kib    (void);

G_END_DECLS

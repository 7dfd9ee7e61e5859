/* gp-sync-test-utils.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-account.h"
#include "gp-store-sync.h"
#include "gp-store.h"
#include "gp-sync-client.h"

G_BEGIN_DECLS

/* The real gigpilot-server ($GIGPILOT_SERVER), on 127.0.0.1 with a SQLite file in @dir. */
typedef struct
{
  GSubprocess *process;
  char *dir;
  char *uri;        /* "http://127.0.0.1:PORT" without the trailing slash */
  guint16 port;
  char **extra_args;
} GpTestServer;

GpTestServer *gp_test_server_start     (const char   *dir,
                                        guint16       port,
                                        const char   *const *extra_args);
void          gp_test_server_restart   (GpTestServer *server);
void          gp_test_server_kill      (GpTestServer *server);
void          gp_test_server_free      (GpTestServer *server);
guint16       gp_test_free_port        (void);

void          gp_test_wait_result      (GAsyncResult **result);
gboolean      gp_test_wait_until       (gboolean     (*done) (gpointer),
                                        gpointer       data,
                                        guint          timeout_ms);
void          gp_test_sleep            (guint          ms);

GpStore      *gp_test_store_open       (const char   *path);
char         *gp_test_save             (GpStore      *store,
                                        const char   *table,
                                        const char   *id,
                                        const char   *json);
void          gp_test_delete           (GpStore      *store,
                                        const char   *table,
                                        const char   *id);
GpRecord     *gp_test_get              (GpStore      *store,
                                        const char   *table,
                                        const char   *id);
GPtrArray    *gp_test_conflicts        (GpStore      *store);
gboolean      gp_test_resolve          (GpStore      *store,
                                        const char   *table,
                                        const char   *id,
                                        GpResolution  resolution,
                                        const char   *choices_json,
                                        GError      **error);
char         *gp_test_dump             (const char   *db_path);
gint64        gp_test_count_rows       (const char   *db_path,
                                        const char   *sql);

GpAccount    *gp_test_account_sign_in  (const char   *uri,
                                        const char   *email,
                                        gboolean      create);
void          gp_test_forget_account   (const char   *email);
gboolean      gp_test_sync             (GpSyncClient *client,
                                        GError      **error);

G_END_DECLS

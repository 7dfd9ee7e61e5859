/* gp-sync-test-utils.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gp-account.h"
#include "gp-store-sync.h"
#include "gp-store-test-utils.h"
#include "gp-store.h"
#include "gp-sync-client.h"

/* The sync tests build on the store test utilities (gp-store-test-utils.h: stores, saves,
 * waiting, SQL on the file, the main-loop ticker) and add the server, accounts and sync. */

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

gboolean      gp_test_wait_until       (gboolean     (*done) (gpointer),
                                        gpointer       data,
                                        guint          timeout_ms);

GPtrArray    *gp_test_conflicts        (GpStore      *store);
gboolean      gp_test_resolve          (GpStore      *store,
                                        const char   *table,
                                        const char   *id,
                                        GpResolution  resolution,
                                        const char   *choices_json,
                                        GError      **error);
char         *gp_test_dump             (const char   *db_path);

GpAccount    *gp_test_account_sign_in  (const char   *uri,
                                        const char   *email,
                                        gboolean      create);
void          gp_test_forget_account   (const char   *email);
gboolean      gp_test_sync             (GpSyncClient *client,
                                        GError      **error);

/* One blocking request to the server with @token as bearer; any other status than
 * @expected fails the test. */
GBytes       *gp_test_request          (SoupSession  *session,
                                        const char   *method,
                                        const char   *uri,
                                        const char   *token,
                                        GBytes       *body,
                                        guint         expected);
/* Pushes @body (a changes object) as the account's own changes. */
void          gp_test_push             (SoupSession  *session,
                                        const char   *uri,
                                        const char   *token,
                                        GString      *body);
/* Appends one client record (id "c<group>") to a JSON array being built in @s. */
void          gp_test_append_client    (GString      *s,
                                        guint         group,
                                        const char   *name_suffix);
/* Fills the account with @n records, a freelancer's mix: per 20 records one client, eight
 * invoices with one line each and three tickets, in pushes of about 5,000 records. */
void          gp_test_seed_server      (SoupSession  *session,
                                        const char   *uri,
                                        const char   *token,
                                        guint         n);
/* The sum of the rows of the four big synced tables in the file at @path. */
gint64        gp_test_count_synced     (const char   *path);

G_END_DECLS

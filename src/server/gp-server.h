/* gp-server.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gp-server-backend.h"

G_BEGIN_DECLS

typedef struct
{
  /* Seconds. */
  gint64  access_token_lifetime;
  gint64  refresh_token_lifetime;
  /* Request bodies above this get 413. */
  gsize   max_body_bytes;
  /* A connection silent for this long is closed (seconds). */
  guint   idle_timeout;
  /* Login and register attempts per client address and minute. */
  guint   login_attempts_per_minute;
  /* Consecutive failed logins of one account before delays start. */
  guint   login_failures_before_delay;
  /* Password hashes computed at once (each takes hash_memory_mib). */
  guint   hash_workers;
  /* argon2id memory per hash in MiB; t = 2. At least 19 (OWASP's minimum). */
  guint   hash_memory_mib;
} GpServerOptions;

#define GP_SERVER_MIN_HASH_MEMORY_MIB 19

void gp_server_options_init (GpServerOptions *options);

#define GP_TYPE_SERVER (gp_server_get_type ())

G_DECLARE_FINAL_TYPE (GpServer, gp_server, GP, SERVER, GObject)

GpServer   *gp_server_new            (GpBackend              *backend,
                                      GBytes                 *token_key,
                                      const GpServerOptions  *options) G_GNUC_WARN_UNUSED_RESULT;
gboolean    gp_server_listen         (GpServer               *self,
                                      const char             *address,
                                      GError                **error);
char       *gp_server_get_uri        (GpServer               *self) G_GNUC_WARN_UNUSED_RESULT;
void        gp_server_begin_shutdown (GpServer               *self);
guint       gp_server_get_in_flight  (GpServer               *self);
void        gp_server_disconnect     (GpServer               *self);
const char *gp_server_version        (void);

G_END_DECLS

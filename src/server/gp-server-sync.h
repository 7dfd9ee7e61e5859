/* gp-server-sync.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gp-server-backend.h"

G_BEGIN_DECLS

/* The WatermelonDB pull/push protocol over a GpBackend (see sync-protocol.md). These
 * functions run on worker threads and turn a request into a reply: an HTTP status and
 * a JSON body, {"error": "..."} for every failure. */

typedef struct
{
  guint  status;
  char  *body;
} GpReply;

/* Deeper JSON is refused before parsing (json-glib's parser is recursive). */
#define GP_SYNC_MAX_JSON_DEPTH 32
/* Records (created + updated + deleted ids) accepted in one push. */
#define GP_SYNC_MAX_PUSH_RECORDS 100000
/* The largest page a client may ask for. */
#define GP_SYNC_MAX_PAGE_SIZE 10000

void      gp_reply_clear        (GpReply     *reply);
void      gp_reply_set_error    (GpReply     *reply,
                                 guint        status,
                                 const char  *message);

gboolean  gp_json_depth_ok      (const char  *data,
                                 gsize        len,
                                 guint        max_depth);
gboolean  gp_sync_parse_ms      (const char  *text,
                                 gint64      *value);

void      gp_sync_pull          (GpBackend   *backend,
                                 const char  *user_id,
                                 GHashTable  *query,
                                 gint64       now_ms,
                                 GpReply     *reply);
gboolean  gp_sync_pull_unchanged (GpConn      *conn,
                                 const char  *user_id,
                                 GHashTable  *query,
                                 GpReply     *reply);
void      gp_sync_push          (GpBackend   *backend,
                                 const char  *user_id,
                                 GHashTable  *query,
                                 GBytes      *body,
                                 gint64       now_ms,
                                 GpReply     *reply);

G_END_DECLS

/* gp-sync-private.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

SoupSession *_gp_http_session_new            (void) G_GNUC_WARN_UNUSED_RESULT;
GError      *_gp_http_error_from_transport   (const GError *error) G_GNUC_WARN_UNUSED_RESULT;
GError      *_gp_http_error_from_status      (guint         status,
                                              GBytes       *body) G_GNUC_WARN_UNUSED_RESULT;
JsonObject  *_gp_http_parse_object           (GBytes       *body,
                                              GError      **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes      *_gp_http_object_to_bytes        (JsonObject   *object) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

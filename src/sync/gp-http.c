/* gp-http.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-error.h"
#include "gp-sync-private.h"

/* What GpAccount and GpSyncClient share about HTTP: one way to build a session and one
 * translation of failures into sentences a user understands (the GError message is what
 * the UI shows). */

SoupSession *
_gp_http_session_new (void)
{
  return soup_session_new_with_options ("user-agent", "GigPilot/" PACKAGE_VERSION,
                                        "timeout", 60,
                                        "idle-timeout", 30,
                                        NULL);
}

GError *
_gp_http_error_from_transport (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (error->domain == G_TLS_ERROR)
    return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_OFFLINE,
                        _("The server’s identity could not be verified. Your changes are kept "
                          "and will sync later."));

  g_debug ("Transport error: %s", error->message);
  return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_OFFLINE,
                      _("The server could not be reached. Your changes are kept and will sync "
                        "later."));
}

GError *
_gp_http_error_from_status (guint   status,
                            GBytes *body)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED,
                          _("Your session has ended. Sign in again to resume syncing; your "
                            "changes are kept."));

    case SOUP_STATUS_CONFLICT:
      return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_CONFLICT,
                          _("Someone else changed the same records at the same time."));

    case 429: /* Too Many Requests; libsoup 3.2 has no name for it */
      return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_BUSY,
                          _("The server is busy. Your changes are kept and will sync later."));

    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
    case SOUP_STATUS_BAD_REQUEST:
      {
        g_autoptr(JsonObject) object = body ? _gp_http_parse_object (body, NULL) : NULL;
        const char *detail = object ? json_object_get_string_member_with_default (object, "error", NULL) : NULL;

        g_debug ("Server refused the request (%u): %s", status, detail ? detail : "");
        return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
                            _("The server refused the data (%s). Your changes are kept."),
                            detail ? detail : soup_status_get_phrase (status));
      }

    default:
      if (status >= 500)
        return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_SERVER,
                            _("The server had a problem (error %u). Your changes are kept and "
                              "will sync later."), status);
      return g_error_new (GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
                          _("The server gave an unexpected answer (error %u). Your changes are "
                            "kept."), status);
    }
}

JsonObject *
_gp_http_parse_object (GBytes  *body,
                       GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data ? data : "", size, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
                   _("The server sent an answer GigPilot does not understand."));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

GBytes *
_gp_http_object_to_bytes (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  gsize length = 0;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  return g_bytes_new_take (text, length);
}

/* gp-server-sync.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "gp-schema.h"
#include "gp-server-sync.h"
#include "gp-server-token.h"

/* Pull and push as sync-protocol.md describes them. The guarantees of §11 come from
 * three things: every write transaction first locks the user's clock row and stamps
 * its rows with max(clock + 1, now), so stamps are unique, monotonic and in commit
 * order; a pull first advances the same clock the same way and returns that value as
 * its timestamp T, then reads only rows stamped at or below T, so every later write
 * lands above T and T is unique per pull (which is what lets a pusher be told apart,
 * see is_created_for); and the conflict check runs in the same transaction as the
 * writes. A row changed again after T is simply left for the next pull. */

void
gp_reply_clear (GpReply *reply)
{
  g_clear_pointer (&reply->body, g_free);
  reply->status = 0;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

void
gp_reply_set_error (GpReply    *reply,
                    guint       status,
                    const char *message)
{
  GString *out = g_string_new ("{\"error\":");

  append_json_string (out, message);
  g_string_append_c (out, '}');
  g_free (reply->body);
  reply->body = g_string_free (out, FALSE);
  reply->status = status;
}

static void
reply_backend_error (GpReply *reply,
                     GError  *error)
{
  g_message ("Database error: %s", error->message);
  if (g_error_matches (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE))
    gp_reply_set_error (reply, 503, "database unavailable");
  else
    gp_reply_set_error (reply, 500, "internal error");
}

/**
 * gp_json_depth_ok:
 *
 * Checks the nesting depth of a JSON text without parsing it, so that a body like
 * `[[[[…` of a few megabytes cannot exhaust the stack of the recursive parser.
 *
 * Returns: whether no array or object in @data nests deeper than @max_depth
 */
gboolean
gp_json_depth_ok (const char *data,
                  gsize       len,
                  guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return FALSE;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/* JSON numbers are exact integers up to 2^53; stamps never get near that. */
#define MAX_MS ((gint64) 1 << 53)

/**
 * gp_sync_parse_ms:
 *
 * Parses a last_pulled_at value: missing, empty, `null` and `0` all mean "never pulled"
 * (a full sync) and give 0; otherwise only decimal digits are accepted.
 *
 * Returns: whether @text is acceptable
 */
gboolean
gp_sync_parse_ms (const char *text,
                  gint64     *value)
{
  guint64 v = 0;

  *value = 0;
  if (text == NULL || text[0] == '\0' || strcmp (text, "null") == 0)
    return TRUE;

  if (strlen (text) > 16)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  if (v >= (guint64) MAX_MS)
    return FALSE;

  *value = (gint64) v;
  return TRUE;
}

static gboolean
parse_uint_param (GHashTable *query,
                  const char *name,
                  gboolean   *present,
                  gint64     *value)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  *present = FALSE;
  *value = 0;
  if (text == NULL || text[0] == '\0' || strcmp (text, "null") == 0)
    return TRUE;
  if (!gp_sync_parse_ms (text, value))
    return FALSE;
  *present = TRUE;
  return TRUE;
}

static JsonNode *
parse_json (const char  *data,
            gsize        len,
            const char **problem)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (len == 0)
    {
      *problem = "empty body";
      return NULL;
    }
  if (!g_utf8_validate (data, len, NULL))
    {
      *problem = "body is not UTF-8";
      return NULL;
    }
  if (!gp_json_depth_ok (data, len, GP_SYNC_MAX_JSON_DEPTH))
    {
      *problem = "JSON nested too deeply";
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, NULL))
    {
      *problem = "malformed JSON";
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      *problem = "malformed JSON";
      return NULL;
    }
  return json_node_ref (root);
}

/* ---- Pull ---------------------------------------------------------------------- */

typedef struct
{
  const GpTable *table;
  /* Migration columns to look at, for a column migration. */
  GPtrArray     *columns;
} MigrationItem;

typedef struct
{
  GArray *new_tables;     /* const GpTable * */
  GArray *column_items;   /* MigrationItem */
} Migration;

static void
migration_free (Migration *migration)
{
  if (migration == NULL)
    return;
  g_array_unref (migration->new_tables);
  for (guint i = 0; i < migration->column_items->len; i++)
    g_ptr_array_unref (g_array_index (migration->column_items, MigrationItem, i).columns);
  g_array_unref (migration->column_items);
  g_free (migration);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Migration, migration_free)

/* Table and column names come from the request, so only the ones gp-schema knows
 * survive; names the server does not sync are ignored (§2.3, §8). */
static Migration *
parse_migration (const char  *text,
                 const char **problem)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(Migration) migration = NULL;
  JsonObject *object;
  JsonNode *node;

  if (text == NULL || text[0] == '\0' || strcmp (text, "null") == 0)
    return NULL;

  root = parse_json (text, strlen (text), problem);
  if (root == NULL)
    {
      *problem = "migration is not valid JSON";
      return NULL;
    }
  if (JSON_NODE_HOLDS_NULL (root))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      *problem = "migration must be an object";
      return NULL;
    }
  object = json_node_get_object (root);

  migration = g_new0 (Migration, 1);
  migration->new_tables = g_array_new (FALSE, FALSE, sizeof (const GpTable *));
  migration->column_items = g_array_new (FALSE, FALSE, sizeof (MigrationItem));

  node = json_object_get_member (object, "tables");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          *problem = "migration.tables must be an array";
          return NULL;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const GpTable *table;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            {
              *problem = "migration.tables must hold strings";
              return NULL;
            }
          table = gp_schema_lookup_table (json_node_get_string (element));
          if (table != NULL)
            g_array_append_val (migration->new_tables, table);
        }
    }

  node = json_object_get_member (object, "columns");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          *problem = "migration.columns must be an array";
          return NULL;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *item;
          JsonNode *columns_node;
          JsonArray *columns;
          MigrationItem mi;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              *problem = "migration.columns must hold objects";
              return NULL;
            }
          item = json_node_get_object (element);
          columns_node = json_object_get_member (item, "columns");
          if (columns_node == NULL || !JSON_NODE_HOLDS_ARRAY (columns_node) ||
              json_object_get_member (item, "table") == NULL ||
              json_node_get_value_type (json_object_get_member (item, "table")) != G_TYPE_STRING)
            {
              *problem = "migration.columns items need a table and columns";
              return NULL;
            }

          mi.table = gp_schema_lookup_table (json_object_get_string_member (item, "table"));
          mi.columns = g_ptr_array_new ();
          columns = json_node_get_array (columns_node);
          for (guint j = 0; j < json_array_get_length (columns); j++)
            {
              JsonNode *c = json_array_get_element (columns, j);
              const GpColumn *column;

              if (!JSON_NODE_HOLDS_VALUE (c) || json_node_get_value_type (c) != G_TYPE_STRING)
                {
                  g_ptr_array_unref (mi.columns);
                  *problem = "migration column names must be strings";
                  return NULL;
                }
              if (mi.table == NULL)
                continue;
              column = gp_schema_lookup_column (mi.table, json_node_get_string (c));
              if (column != NULL)
                g_ptr_array_add (mi.columns, (gpointer) column);
            }

          if (mi.table != NULL && mi.columns->len > 0)
            g_array_append_val (migration->column_items, mi);
          else
            g_ptr_array_unref (mi.columns);
        }
    }

  return g_steal_pointer (&migration);
}

typedef struct
{
  const GpTable *table;
  GString       *created;
  GString       *updated;
  GString       *deleted;
  guint          n_created;
  guint          n_updated;
  guint          n_deleted;
  GHashTable    *seen;
} TableOut;

typedef struct
{
  TableOut   *tables;
  guint       n_tables;
  guint       current;
  gint64      lpa;
  guint       count;
  guint       limit;       /* 0: no limit */
  gboolean    has_more;
  gboolean    track_seen;
  /* The last row placed in the page, for the cursor. */
  guint       last_table;
  gint64      last_modified;
  char       *last_id;
} PullState;

static void
append_item (GString    *list,
             guint      *n,
             const char *raw)
{
  if (*n > 0)
    g_string_append_c (list, ',');
  g_string_append (list, raw);
  (*n)++;
}

static void
append_id (GString    *list,
           guint      *n,
           const char *id)
{
  if (*n > 0)
    g_string_append_c (list, ',');
  append_json_string (list, id);
  (*n)++;
}

/* Whether a client that last pulled at @lpa gets @row as "created" rather than
 * "updated". A full sync gets everything as created. Otherwise a row created after
 * @lpa is new to the client, except for the client whose push created it: that one
 * pulls next with the very last_pulled_at it pushed with (WatermelonDB keeps the
 * pull's timestamp; the push does not move it), which server_created_at records. It
 * gets its own record as "updated", so a record it deleted locally in the meantime
 * is not resurrected (P1, fix b). Any other client pulling at exactly that same
 * timestamp also gets "updated" and creates the record anyway, logging a diagnostic;
 * comparing for equality rather than server_created_at > lpa keeps that to clients
 * with the same timestamp instead of everyone who pulled while the push was in flight. */
static gboolean
is_created_for (const GpRow *row,
                gint64       lpa)
{
  if (lpa == 0)
    return TRUE;
  return row->created_stamp > lpa && row->server_created_at != lpa;
}

static gboolean
pull_row_cb (const GpRow *row,
             gpointer     user_data)
{
  PullState *state = user_data;
  TableOut *out = &state->tables[state->current];

  if (state->limit > 0 && state->count >= state->limit)
    {
      state->has_more = TRUE;
      return FALSE;
    }

  if (row->deleted)
    append_id (out->deleted, &out->n_deleted, row->id);
  else if (is_created_for (row, state->lpa))
    append_item (out->created, &out->n_created, row->data);
  else
    append_item (out->updated, &out->n_updated, row->data);

  if (state->track_seen)
    g_hash_table_add (out->seen, g_strdup (row->id));

  state->count++;
  state->last_table = state->current;
  state->last_modified = row->last_modified;
  g_free (state->last_id);
  state->last_id = g_strdup (row->id);
  return TRUE;
}

static gboolean
migration_table_cb (const GpRow *row,
                    gpointer     user_data)
{
  PullState *state = user_data;
  TableOut *out = &state->tables[state->current];

  if (g_hash_table_contains (out->seen, row->id))
    return TRUE;
  g_hash_table_add (out->seen, g_strdup (row->id));
  append_item (out->created, &out->n_created, row->data);
  return TRUE;
}

typedef struct
{
  PullState *state;
  GPtrArray *columns;
} ColumnScan;

/* WatermelonDB's defaults for a column a migration added: null, "", 0 or false. */
static gboolean
is_default_value (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return json_node_get_string (node)[0] == '\0';
    case G_TYPE_INT64:
      return json_node_get_int (node) == 0;
    case G_TYPE_DOUBLE:
      return json_node_get_double (node) == 0.0;
    case G_TYPE_BOOLEAN:
      return !json_node_get_boolean (node);
    default:
      return FALSE;
    }
}

static gboolean
migration_column_cb (const GpRow *row,
                     gpointer     user_data)
{
  ColumnScan *cs = user_data;
  TableOut *out = &cs->state->tables[cs->state->current];
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonObject *object;
  gboolean wanted = FALSE;

  if (g_hash_table_contains (out->seen, row->id))
    return TRUE;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, row->data, -1, NULL))
    return TRUE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return TRUE;
  object = json_node_get_object (root);

  for (guint i = 0; i < cs->columns->len && !wanted; i++)
    {
      const GpColumn *column = g_ptr_array_index (cs->columns, i);

      wanted = !is_default_value (json_object_get_member (object, column->name));
    }

  if (wanted)
    {
      g_hash_table_add (out->seen, g_strdup (row->id));
      append_item (out->updated, &out->n_updated, row->data);
    }
  return TRUE;
}

static char *
encode_cursor (gint64      timestamp,
               gint64      lpa,
               const char *table,
               gint64      last_modified,
               const char *id)
{
  g_autofree char *text = g_strdup_printf ("v1.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%s.%" G_GINT64_FORMAT ".%s",
                                           timestamp, lpa, table, last_modified, id);

  return gp_token_base64url ((const guint8 *) text, strlen (text));
}

static gboolean
decode_cursor (const char  *cursor,
               gint64      *timestamp,
               gint64      *lpa,
               guint       *table_index,
               gint64      *last_modified,
               char       **id)
{
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  gsize len = 0;
  const GpTable *tables;
  guint n_tables;

  if (cursor == NULL || strlen (cursor) > 512)
    return FALSE;
  for (const char *p = cursor; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  /* base64url without padding -> base64 for GLib's decoder. */
  {
    g_autoptr(GString) b64 = g_string_new (cursor);

    g_strdelimit (b64->str, "-", '+');
    g_strdelimit (b64->str, "_", '/');
    while (b64->len % 4 != 0)
      g_string_append_c (b64, '=');
    raw = g_base64_decode (b64->str, &len);
  }
  if (raw == NULL || len == 0)
    return FALSE;
  text = g_strndup ((const char *) raw, len);
  if (strlen (text) != len)
    return FALSE;

  parts = g_strsplit (text, ".", 6);
  if (g_strv_length (parts) != 6 || strcmp (parts[0], "v1") != 0)
    return FALSE;
  if (!gp_sync_parse_ms (parts[1], timestamp) || *timestamp <= 0 ||
      !gp_sync_parse_ms (parts[2], lpa) || *lpa > *timestamp ||
      !gp_sync_parse_ms (parts[4], last_modified) ||
      !gp_schema_is_valid_id (parts[5]))
    return FALSE;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    if (strcmp (tables[i].name, parts[3]) == 0)
      {
        *table_index = i;
        *id = g_strdup (parts[5]);
        return TRUE;
      }

  return FALSE;
}

/* The timestamp of a pull with nothing to send, or 0 when the pull needs the full
 * path: parameters to check or report, a cursor, a migration, or changes after
 * last_pulled_at. One statement in its own snapshot, no write (the variant of
 * sync-protocol.md §11): it reads the clock and whether any row is stamped above
 * last_pulled_at. When none is, nothing changed since the client's last pull, and the
 * client gets its own timestamp back. The clock may have moved meanwhile: another
 * device's pull bumps it without writing a row, and a write may be in flight, stamped
 * above the clock but not committed. Neither matters, because the answer is
 * last_pulled_at itself, not the clock: the pull that issued it already covered every
 * row stamped at or below it, and the next pull again asks for everything above it,
 * including whatever commits in between. Echoing it (rather than handing every device
 * the clock) also keeps timestamps unique per device, as is_created_for() needs. A
 * clock below last_pulled_at (a timestamp this server never issued, or a bump lost in
 * a crash) takes the full path, whose fresh timestamp corrects the client. */
static gint64
unchanged_timestamp (GpConn      *conn,
                     const char  *user_id,
                     GHashTable  *query,
                     gboolean    *paged)
{
  const char *text;
  gint64 lpa = 0, value = 0, ts = 0;
  gboolean present = FALSE, found = FALSE, changed = TRUE;

  if (query == NULL ||
      !gp_sync_parse_ms (g_hash_table_lookup (query, "last_pulled_at"), &lpa) || lpa == 0 ||
      !parse_uint_param (query, "schema_version", &present, &value) ||
      !parse_uint_param (query, "page_size", paged, &value) || (*paged && value == 0))
    return 0;
  text = g_hash_table_lookup (query, "migration");
  if (text != NULL && text[0] != '\0' && strcmp (text, "null") != 0)
    return 0;
  text = g_hash_table_lookup (query, "cursor");
  if (text != NULL && text[0] != '\0' && strcmp (text, "null") != 0)
    return 0;

  if (!GP_CONN_VTABLE (conn)->read_clock (conn, user_id, lpa, &ts, &changed, &found, NULL) ||
      !found || ts < lpa || changed)
    return 0;
  return lpa;
}

static void
reply_unchanged (GpReply  *reply,
                 gint64    timestamp,
                 gboolean  paged)
{
  reply->status = 200;
  g_free (reply->body);
  reply->body = g_strdup_printf ("{\"changes\":{},\"timestamp\":%" G_GINT64_FORMAT "%s}", timestamp,
                                 paged ? ",\"next_cursor\":null,\"has_more\":false" : "");
}

/**
 * gp_sync_pull_unchanged:
 * @conn: a connection outside any transaction
 *
 * Answers a pull that has nothing to send with a single read, without a worker
 * thread when @conn is an inline connection. Returns FALSE, leaving @reply alone,
 * when the pull needs gp_sync_pull().
 */
gboolean
gp_sync_pull_unchanged (GpConn     *conn,
                        const char *user_id,
                        GHashTable *query,
                        GpReply    *reply)
{
  gboolean paged = FALSE;
  gint64 timestamp = unchanged_timestamp (conn, user_id, query, &paged);

  if (timestamp == 0)
    return FALSE;
  reply_unchanged (reply, timestamp, paged);
  return TRUE;
}

void
gp_sync_pull (GpBackend  *backend,
              const char *user_id,
              GHashTable *query,
              gint64      now_ms,
              GpReply    *reply)
{
  const GpTable *tables;
  guint n_tables;
  gint64 lpa = 0, timestamp = 0, page_size = 0, schema_version = 0;
  gboolean present;
  const char *problem = NULL;
  const char *cursor_text;
  g_autoptr(Migration) migration = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree char *key_id = NULL;
  gint64 key_modified = 0;
  guint start_table = 0;
  gboolean paged, asked_paged;
  gboolean first_table_output = TRUE;
  GpConn *conn;
  PullState state = { 0, };

  tables = gp_schema_get_tables (&n_tables);

  if (!gp_sync_parse_ms (query ? g_hash_table_lookup (query, "last_pulled_at") : NULL, &lpa))
    {
      gp_reply_set_error (reply, 400, "last_pulled_at must be null or a non-negative integer (ms)");
      return;
    }
  if (!parse_uint_param (query, "schema_version", &present, &schema_version))
    {
      gp_reply_set_error (reply, 400, "schema_version must be an integer");
      return;
    }
  migration = parse_migration (query ? g_hash_table_lookup (query, "migration") : NULL, &problem);
  if (problem != NULL)
    {
      gp_reply_set_error (reply, 400, problem);
      return;
    }
  if (!parse_uint_param (query, "page_size", &paged, &page_size) ||
      (paged && page_size == 0))
    {
      gp_reply_set_error (reply, 400, "page_size must be a positive integer");
      return;
    }
  page_size = MIN (page_size, GP_SYNC_MAX_PAGE_SIZE);

  cursor_text = query ? g_hash_table_lookup (query, "cursor") : NULL;
  if (cursor_text != NULL && cursor_text[0] != '\0' && strcmp (cursor_text, "null") != 0)
    {
      if (!paged)
        {
          gp_reply_set_error (reply, 400, "cursor needs page_size");
          return;
        }
      if (!decode_cursor (cursor_text, &timestamp, &lpa, &start_table, &key_modified, &key_id))
        {
          gp_reply_set_error (reply, 400, "invalid cursor");
          return;
        }
    }

  /* A migration sync adds whole tables; it is answered in one piece (with the paging
   * keys saying so). */
  asked_paged = paged;
  if (migration != NULL)
    paged = FALSE;

  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL)
    {
      reply_backend_error (reply, error);
      return;
    }

  /* Most pulls find nothing new: one statement answers them. */
  if (timestamp == 0 && migration == NULL && lpa > 0)
    {
      gint64 unchanged = unchanged_timestamp (conn, user_id, query, &paged);

      if (unchanged > 0)
        {
          gp_backend_release (backend, conn);
          reply_unchanged (reply, unchanged, asked_paged);
          return;
        }
    }

  state.tables = g_new0 (TableOut, n_tables);
  state.n_tables = n_tables;
  state.lpa = lpa;
  state.limit = paged ? (guint) page_size : 0;
  state.track_seen = migration != NULL;
  for (guint i = 0; i < n_tables; i++)
    {
      state.tables[i].table = &tables[i];
      state.tables[i].created = g_string_new (NULL);
      state.tables[i].updated = g_string_new (NULL);
      state.tables[i].deleted = g_string_new (NULL);
      state.tables[i].seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }

  /* A pull with changes takes its timestamp from the clock first: every change at or
   * below it has committed, every later one will be stamped above it. The bump makes
   * it unique per pull, which the created/updated split relies on (see
   * is_created_for()). Pages of one pull share it. */
  if (timestamp == 0 &&
      !GP_CONN_VTABLE (conn)->advance_clock (conn, user_id, MAX (now_ms, 1), &timestamp, &error))
    goto fail;

  if (!GP_CONN_VTABLE (conn)->begin_read (conn, &error))
    goto fail;

  for (guint i = start_table; i < n_tables && !state.has_more; i++)
    {
      GpScan scan = { 0, };

      scan.user_id = user_id;
      scan.table = tables[i].name;
      scan.after = lpa;
      scan.upto = timestamp;
      /* A full sync sends no tombstones (§5). */
      scan.include_deleted = lpa > 0;
      scan.with_data = TRUE;
      if (i == start_table && key_id != NULL)
        {
          scan.key_modified = key_modified;
          scan.key_id = key_id;
        }
      if (state.limit > 0)
        scan.limit = state.limit - state.count + 1;

      state.current = i;
      if (!GP_CONN_VTABLE (conn)->scan (conn, &scan, pull_row_cb, &state, &error))
        goto fail;
    }

  if (migration != NULL)
    {
      for (guint m = 0; m < migration->new_tables->len; m++)
        {
          const GpTable *table = g_array_index (migration->new_tables, const GpTable *, m);
          GpScan scan = { 0, };

          scan.user_id = user_id;
          scan.table = table->name;
          scan.after = 0;
          scan.upto = timestamp;
          scan.with_data = TRUE;
          state.current = table - tables;
          if (!GP_CONN_VTABLE (conn)->scan (conn, &scan, migration_table_cb, &state, &error))
            goto fail;
        }

      for (guint m = 0; m < migration->column_items->len; m++)
        {
          MigrationItem *mi = &g_array_index (migration->column_items, MigrationItem, m);
          ColumnScan cs = { &state, mi->columns };
          GpScan scan = { 0, };

          scan.user_id = user_id;
          scan.table = mi->table->name;
          scan.after = 0;
          scan.upto = timestamp;
          scan.with_data = TRUE;
          state.current = mi->table - tables;
          if (!GP_CONN_VTABLE (conn)->scan (conn, &scan, migration_column_cb, &cs, &error))
            goto fail;
        }
    }

  GP_CONN_VTABLE (conn)->rollback (conn);
  gp_backend_release (backend, g_steal_pointer (&conn));

  out = g_string_sized_new (4096);
  g_string_append (out, "{\"changes\":{");
  for (guint i = 0; i < n_tables; i++)
    {
      TableOut *t = &state.tables[i];

      if (t->n_created + t->n_updated + t->n_deleted == 0)
        continue;
      if (!first_table_output)
        g_string_append_c (out, ',');
      first_table_output = FALSE;
      append_json_string (out, t->table->name);
      g_string_append (out, ":{\"created\":[");
      g_string_append_len (out, t->created->str, t->created->len);
      g_string_append (out, "],\"updated\":[");
      g_string_append_len (out, t->updated->str, t->updated->len);
      g_string_append (out, "],\"deleted\":[");
      g_string_append_len (out, t->deleted->str, t->deleted->len);
      g_string_append (out, "]}");
    }
  g_string_append_printf (out, "},\"timestamp\":%" G_GINT64_FORMAT, timestamp);
  if (asked_paged)
    {
      if (state.has_more)
        {
          g_autofree char *next = encode_cursor (timestamp, lpa, tables[state.last_table].name,
                                                 state.last_modified, state.last_id);

          g_string_append (out, ",\"next_cursor\":");
          append_json_string (out, next);
          g_string_append (out, ",\"has_more\":true");
        }
      else
        g_string_append (out, ",\"next_cursor\":null,\"has_more\":false");
    }
  g_string_append_c (out, '}');

  reply->status = 200;
  g_free (reply->body);
  reply->body = g_string_free (g_steal_pointer (&out), FALSE);
  goto out;

fail:
  if (conn != NULL)
    {
      GP_CONN_VTABLE (conn)->rollback (conn);
      gp_backend_release (backend, conn);
    }
  reply_backend_error (reply, error);

out:
  for (guint i = 0; i < n_tables; i++)
    {
      g_string_free (state.tables[i].created, TRUE);
      g_string_free (state.tables[i].updated, TRUE);
      g_string_free (state.tables[i].deleted, TRUE);
      g_hash_table_unref (state.tables[i].seen);
    }
  g_free (state.tables);
  g_free (state.last_id);
}

/* ---- Push ---------------------------------------------------------------------- */

typedef struct
{
  char *id;
  char *data;
  char *parent;
  gboolean parent_gone;     /* its parent was deleted before the pusher's last pull */
} PushRecord;

static void
push_record_free (gpointer data)
{
  PushRecord *record = data;

  g_free (record->id);
  g_free (record->data);
  g_free (record->parent);
  g_free (record);
}

typedef struct
{
  const GpTable *table;
  GPtrArray     *upserts;   /* PushRecord */
  GPtrArray     *deletes;   /* char * */
  GHashTable    *states;    /* id -> GpRow *, filled inside the transaction */
  gboolean       prefetched;
} PushTable;

static void
push_table_clear (gpointer data)
{
  PushTable *pt = data;

  g_ptr_array_unref (pt->upserts);
  g_ptr_array_unref (pt->deletes);
  g_clear_pointer (&pt->states, g_hash_table_unref);
}

static void
row_free (gpointer data)
{
  GpRow *row = data;

  if (row == NULL)
    return;
  gp_row_clear (row);
  g_free (row);
}

/* Writes @d as a JSON number, or returns FALSE when JSON has none for it. Not
 * json-glib's generator: 1.6 prints g_ascii_dtostr () and adds ".0" when there is no
 * dot, so 1e300 comes out as "1e+300.0", and a literal too big for a double (1e999,
 * which the parser turns into infinity) as "inf.0". Neither is JSON, and the record
 * would make every later pull of the account unreadable. */
static gboolean
append_json_double (GString *out,
                    double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d))
    return FALSE;
  g_ascii_dtostr (buf, sizeof buf, d);
  g_string_append (out, buf);
  /* A double stays a double on the way back: 12.0, not 12. */
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
  return TRUE;
}

/* Writes @node as a value of @column, or returns FALSE to drop it: a value of the
 * wrong type, or a number JSON cannot hold. A string is made valid UTF-8 first (and
 * returned in @text), since the parser turns an escaped lone surrogate ("\udc00")
 * into bytes that are not. */
static gboolean
append_value (GString        *out,
              const GpColumn *column,
              JsonNode       *node,
              char          **text)
{
  GType type;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (out, "null");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (column->type == GP_COLUMN_TEXT)
    {
      if (type != G_TYPE_STRING)
        return FALSE;
      *text = g_utf8_make_valid (json_node_get_string (node), -1);
      append_json_string (out, *text);
      return TRUE;
    }

  switch (type)
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;
    case G_TYPE_DOUBLE:
      return append_json_double (out, json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    default:
      return FALSE;
    }
}

/* Keeps only the table's data columns with values of their type (or null); drops
 * _status, _changed, anything unknown and numbers JSON cannot hold (§3.2 rules 7–9,
 * OWASP API3). Written by hand so that what is stored is always JSON: pulls send it
 * as it is. */
static char *
sanitize_record (const GpTable *table,
                 JsonObject    *in,
                 const char    *id,
                 char         **parent)
{
  GString *out = g_string_new ("{\"id\":");

  *parent = NULL;
  append_json_string (out, id);

  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];
      JsonNode *node = json_object_get_member (in, column->name);
      g_autofree char *text = NULL;
      gsize mark = out->len;

      if (node == NULL || strcmp (column->name, "id") == 0)
        continue;

      g_string_append_c (out, ',');
      append_json_string (out, column->name);
      g_string_append_c (out, ':');
      if (!append_value (out, column, node, &text))
        {
          g_string_truncate (out, mark);
          continue;
        }

      if (table->parent_column != NULL && strcmp (table->parent_column, column->name) == 0 && text != NULL)
        *parent = g_steal_pointer (&text);
    }

  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static gboolean
parse_record_list (PushTable   *pt,
                   JsonObject  *table_object,
                   const char  *list_name,
                   gsize       *count,
                   const char **problem)
{
  JsonNode *node = json_object_get_member (table_object, list_name);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *problem = "created, updated and deleted must be arrays";
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (++(*count) > GP_SYNC_MAX_PUSH_RECORDS)
        {
          *problem = "too many records in one push";
          return FALSE;
        }

      if (strcmp (list_name, "deleted") == 0)
        {
          const char *id;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            {
              *problem = "deleted must hold record ids";
              return FALSE;
            }
          id = json_node_get_string (element);
          if (!gp_schema_is_valid_id (id))
            {
              *problem = "invalid record id";
              return FALSE;
            }
          g_ptr_array_add (pt->deletes, g_strdup (id));
        }
      else
        {
          JsonObject *object;
          JsonNode *id_node;
          const char *id;
          PushRecord *record;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              *problem = "records must be objects";
              return FALSE;
            }
          object = json_node_get_object (element);
          id_node = json_object_get_member (object, "id");
          if (id_node == NULL || !JSON_NODE_HOLDS_VALUE (id_node) ||
              json_node_get_value_type (id_node) != G_TYPE_STRING)
            {
              *problem = "records need a string id";
              return FALSE;
            }
          id = json_node_get_string (id_node);
          if (!gp_schema_is_valid_id (id))
            {
              *problem = "invalid record id";
              return FALSE;
            }

          record = g_new0 (PushRecord, 1);
          record->id = g_strdup (id);
          record->data = sanitize_record (pt->table, object, id, &record->parent);
          g_ptr_array_add (pt->upserts, record);
        }
    }

  return TRUE;
}

static gboolean
get_body_ms (JsonObject  *object,
             const char  *name,
             gboolean    *present,
             gint64      *value)
{
  JsonNode *node = json_object_get_member (object, name);

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *value = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* Range first: casting inf, NaN or a huge double to gint64 is undefined. */
      if (!(d >= 0 && d < (double) MAX_MS) || d != (double) (gint64) d)
        return FALSE;
      *value = (gint64) d;
    }
  else
    return FALSE;

  if (*value < 0 || *value >= MAX_MS)
    return FALSE;
  *present = TRUE;
  return TRUE;
}

static gboolean
push_id_is_valid (const char *push_id)
{
  gsize len = strlen (push_id);

  if (len == 0 || len > 128)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (push_id[i]) && strchr ("-_.:", push_id[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GpRow *
lookup_state (GpConn      *conn,
              const char  *user_id,
              PushTable   *pt,
              const char  *id,
              GError     **error)
{
  GpRow *row;
  gpointer found;

  if (g_hash_table_lookup_extended (pt->states, id, NULL, &found))
    return found;

  row = g_new0 (GpRow, 1);
  if (!GP_CONN_VTABLE (conn)->get_row (conn, user_id, pt->table->name, id, row, error))
    {
      row_free (row);
      return NULL;
    }
  if (row->id == NULL)
    {
      row_free (row);
      row = NULL;
    }
  g_hash_table_insert (pt->states, g_strdup (id), row);
  return row;
}

/* Deletes the live descendants of (table, id), stamped like the push (§3.2 rule 10). */
/* Reads the state of every pushed id of @pt at once where the backend can (one
 * round trip instead of one per id on PostgreSQL); lookup_state() then finds them. */
static GPtrArray *
pushed_ids (PushTable *pt)
{
  GPtrArray *ids = g_ptr_array_sized_new (pt->upserts->len + pt->deletes->len);

  for (guint i = 0; i < pt->upserts->len; i++)
    g_ptr_array_add (ids, ((PushRecord *) g_ptr_array_index (pt->upserts, i))->id);
  for (guint i = 0; i < pt->deletes->len; i++)
    g_ptr_array_add (ids, g_ptr_array_index (pt->deletes, i));
  return ids;
}

/* After get_rows(): the ids not found do not exist, remembered as NULL like
 * lookup_state() does. */
static void
note_missing (PushTable *pt,
              GPtrArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    if (!g_hash_table_contains (pt->states, g_ptr_array_index (ids, i)))
      g_hash_table_insert (pt->states, g_strdup (g_ptr_array_index (ids, i)), NULL);
  pt->prefetched = TRUE;
}

static gboolean
prefetch_states (GpConn      *conn,
                 const char  *user_id,
                 PushTable   *pt,
                 GError     **error)
{
  g_autoptr(GPtrArray) ids = NULL;

  if (pt->prefetched || GP_CONN_VTABLE (conn)->get_rows == NULL || pt->upserts->len + pt->deletes->len < 2)
    return TRUE;

  ids = pushed_ids (pt);
  if (!GP_CONN_VTABLE (conn)->get_rows (conn, user_id, pt->table->name, ids, pt->states, error))
    return FALSE;
  note_missing (pt, ids);
  return TRUE;
}

static gboolean
cascade_delete (GpConn      *conn,
                const char  *user_id,
                const GpTable *parent_table,
                const char  *parent_id,
                gint64       stamp,
                guint        level,
                GError     **error)
{
  const GpTable *tables;
  guint n_tables;

  if (level > 8)
    return TRUE;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      const GpColumn *column;
      g_autoptr(GPtrArray) ids = NULL;

      if (tables[i].parent_column == NULL)
        continue;
      column = gp_schema_lookup_column (&tables[i], tables[i].parent_column);
      if (column == NULL || g_strcmp0 (column->references, parent_table->name) != 0)
        continue;

      ids = g_ptr_array_new_with_free_func (g_free);
      if (!GP_CONN_VTABLE (conn)->list_children (conn, user_id, tables[i].name, parent_id, ids, error))
        return FALSE;

      for (guint j = 0; j < ids->len; j++)
        {
          GpRow row = { 0, };

          row.table = (char *) tables[i].name;
          row.id = g_ptr_array_index (ids, j);
          row.last_modified = stamp;
          row.deleted = TRUE;
          if (!GP_CONN_VTABLE (conn)->put_row (conn, user_id, &row, NULL, error) ||
              !cascade_delete (conn, user_id, &tables[i], row.id, stamp, level + 1, error))
            return FALSE;
        }
    }

  return TRUE;
}

/* Whether a live descendant of (table, id) changed after @lpa: deleting the record would
 * then take with it something the pusher has never seen. */
static gboolean
descendant_changed (GpConn         *conn,
                    const char     *user_id,
                    const GpTable  *parent_table,
                    const char     *parent_id,
                    gint64          lpa,
                    guint           level,
                    gboolean       *changed,
                    GError        **error)
{
  const GpTable *tables;
  guint n_tables;

  if (level > 8 || *changed)
    return TRUE;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables && !*changed; i++)
    {
      const GpColumn *column;
      g_autoptr(GPtrArray) ids = NULL;

      if (tables[i].parent_column == NULL)
        continue;
      column = gp_schema_lookup_column (&tables[i], tables[i].parent_column);
      if (column == NULL || g_strcmp0 (column->references, parent_table->name) != 0)
        continue;

      ids = g_ptr_array_new_with_free_func (g_free);
      if (!GP_CONN_VTABLE (conn)->list_children (conn, user_id, tables[i].name, parent_id, ids, error))
        return FALSE;
      for (guint j = 0; j < ids->len && !*changed; j++)
        {
          GpRow row = { 0, };
          gboolean ok = GP_CONN_VTABLE (conn)->get_row (conn, user_id, tables[i].name,
                                                         g_ptr_array_index (ids, j), &row, error);

          if (ok && row.id != NULL && row.last_modified > lpa)
            *changed = TRUE;
          gp_row_clear (&row);
          if (!ok || !descendant_changed (conn, user_id, &tables[i], g_ptr_array_index (ids, j), lpa,
                                          level + 1, changed, error))
            return FALSE;
        }
    }
  return TRUE;
}

static const char ok_body[] = "{\"ok\":true}";

void
gp_sync_push (GpBackend  *backend,
              const char *user_id,
              GHashTable *query,
              GBytes     *body,
              gint64      now_ms,
              GpReply    *reply)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) push_tables = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *push_id = NULL;
  JsonObject *top, *changes;
  JsonObjectIter iter;
  const char *member;
  JsonNode *member_node;
  const char *problem = NULL;
  const char *lpa_text;
  gint64 lpa = 0, clock = 0, stamp;
  gsize n_records = 0;
  gsize len = 0;
  const char *data;
  gboolean have_lpa = FALSE;
  gboolean wrote = FALSE;
  GpConn *conn = NULL;
  g_autoptr(GString) conflicts = NULL;
  guint n_conflict_tables = 0;

  /* The query's last_pulled_at wins; the wrapped body's lastPulledAt is the fallback. */
  lpa_text = query ? g_hash_table_lookup (query, "last_pulled_at") : NULL;
  if (lpa_text != NULL)
    {
      if (!gp_sync_parse_ms (lpa_text, &lpa))
        {
          gp_reply_set_error (reply, 400, "last_pulled_at must be null or a non-negative integer (ms)");
          return;
        }
      have_lpa = TRUE;
    }
  if (query != NULL && g_hash_table_lookup (query, "push_id") != NULL)
    {
      push_id = g_strdup (g_hash_table_lookup (query, "push_id"));
      if (!push_id_is_valid (push_id))
        {
          gp_reply_set_error (reply, 400, "invalid push_id");
          return;
        }
    }

  data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  root = parse_json (data, len, &problem);
  if (root == NULL)
    {
      gp_reply_set_error (reply, 400, problem);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      gp_reply_set_error (reply, 400, "the body must be a JSON object");
      return;
    }
  top = json_node_get_object (root);
  changes = top;

  member_node = json_object_get_member (top, "changes");
  if (member_node != NULL)
    {
      gboolean present;
      gint64 body_lpa = 0;
      JsonNode *push_id_node;

      if (!JSON_NODE_HOLDS_OBJECT (member_node))
        {
          gp_reply_set_error (reply, 400, "changes must be an object");
          return;
        }
      changes = json_node_get_object (member_node);

      /* Validated even when the query's value wins. */
      if (!get_body_ms (top, "lastPulledAt", &present, &body_lpa) ||
          (!present && !get_body_ms (top, "last_pulled_at", &present, &body_lpa)))
        {
          gp_reply_set_error (reply, 400, "lastPulledAt must be null or a non-negative integer (ms)");
          return;
        }
      if (!have_lpa)
        lpa = body_lpa;

      push_id_node = json_object_get_member (top, "push_id");
      if (push_id == NULL && push_id_node != NULL && !JSON_NODE_HOLDS_NULL (push_id_node))
        {
          if (!JSON_NODE_HOLDS_VALUE (push_id_node) ||
              json_node_get_value_type (push_id_node) != G_TYPE_STRING ||
              !push_id_is_valid (json_node_get_string (push_id_node)))
            {
              gp_reply_set_error (reply, 400, "invalid push_id");
              return;
            }
          push_id = g_strdup (json_node_get_string (push_id_node));
        }
    }

  push_tables = g_array_new (FALSE, TRUE, sizeof (PushTable));
  g_array_set_clear_func (push_tables, push_table_clear);

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &member, &member_node))
    {
      const GpTable *table = gp_schema_lookup_table (member);
      PushTable pt = { 0, };
      PushTable *ptp;
      JsonObject *table_object;

      if (table == NULL)
        {
          /* The name is not echoed: it is arbitrary client input. */
          gp_reply_set_error (reply, 400, "unknown table");
          return;
        }
      if (!JSON_NODE_HOLDS_OBJECT (member_node))
        {
          gp_reply_set_error (reply, 400, "each table's changes must be an object");
          return;
        }
      table_object = json_node_get_object (member_node);

      pt.table = table;
      pt.upserts = g_ptr_array_new_with_free_func (push_record_free);
      pt.deletes = g_ptr_array_new_with_free_func (g_free);
      g_array_append_val (push_tables, pt);
      ptp = &g_array_index (push_tables, PushTable, push_tables->len - 1);

      if (!parse_record_list (ptp, table_object, "created", &n_records, &problem) ||
          !parse_record_list (ptp, table_object, "updated", &n_records, &problem) ||
          !parse_record_list (ptp, table_object, "deleted", &n_records, &problem))
        {
          gp_reply_set_error (reply, 400, problem);
          return;
        }
    }

  /* The parsed DOM is no longer needed; free it before touching the database. */
  g_clear_pointer (&root, json_node_unref);

  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL)
    {
      reply_backend_error (reply, error);
      return;
    }

  for (guint t = 0; t < push_tables->len; t++)
    g_array_index (push_tables, PushTable, t).states = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                               g_free, row_free);

  if (!GP_CONN_VTABLE (conn)->begin_write (conn, &error))
    goto fail;

  /* Lock the clock; a replay (its push_id is in the ledger: the first attempt committed)
   * is answered as the first attempt was, applying nothing. */
  {
    gboolean found = FALSE;
    guint status = 0;
    g_autofree char *stored = NULL;

    if (GP_CONN_VTABLE (conn)->lock_and_read != NULL)
      {
        /* The lock, the ledger and the pushed ids' states in one round trip. */
        g_autoptr(GArray) queries = g_array_new (FALSE, TRUE, sizeof (GpRowsQuery));
        g_autoptr(GPtrArray) id_lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
        gboolean ok;

        for (guint t = 0; t < push_tables->len; t++)
          {
            PushTable *pt = &g_array_index (push_tables, PushTable, t);
            GpRowsQuery rows_query = { pt->table->name, pushed_ids (pt), pt->states };

            if (rows_query.ids->len == 0)
              {
                g_ptr_array_unref (rows_query.ids);
                continue;
              }
            g_ptr_array_add (id_lists, rows_query.ids);
            g_array_append_val (queries, rows_query);
          }
        ok = GP_CONN_VTABLE (conn)->lock_and_read (conn, user_id, now_ms, &clock, push_id, &found, &status,
                                                   &stored, (GpRowsQuery *) (gpointer) queries->data,
                                                   queries->len, &error);
        if (!ok)
          goto fail;
        for (guint t = 0, q = 0; t < push_tables->len; t++)
          {
            PushTable *pt = &g_array_index (push_tables, PushTable, t);

            if (q < queries->len && g_array_index (queries, GpRowsQuery, q).rows == pt->states)
              note_missing (pt, g_array_index (queries, GpRowsQuery, q++).ids);
          }
      }
    else if (!GP_CONN_VTABLE (conn)->lock_clock (conn, user_id, now_ms, &clock, &error) ||
             (push_id != NULL &&
              !GP_CONN_VTABLE (conn)->get_ledger (conn, user_id, push_id, &found, &status, &stored, &error)))
      goto fail;

    if (found)
      {
        GP_CONN_VTABLE (conn)->rollback (conn);
        gp_backend_release (backend, conn);
        reply->status = status;
        g_free (reply->body);
        reply->body = g_steal_pointer (&stored);
        return;
      }
  }

  /* The conflict rule (§4): any pushed id changed or deleted after last_pulled_at
   * rejects the whole push. Deleting an already deleted record is no conflict. */
  conflicts = g_string_new (NULL);
  for (guint t = 0; t < push_tables->len; t++)
    {
      PushTable *pt = &g_array_index (push_tables, PushTable, t);
      g_autoptr(GPtrArray) conflict_ids = g_ptr_array_new ();
      g_autoptr(GHashTable) reported = g_hash_table_new (g_str_hash, g_str_equal);

      if (!prefetch_states (conn, user_id, pt, &error))
        goto fail;

      for (guint i = 0; i < pt->upserts->len; i++)
        {
          PushRecord *record = g_ptr_array_index (pt->upserts, i);
          GpRow *row = lookup_state (conn, user_id, pt, record->id, &error);

          if (error != NULL)
            goto fail;
          if (row != NULL && row->last_modified > lpa && g_hash_table_add (reported, record->id))
            g_ptr_array_add (conflict_ids, record->id);

          /* A record under a parent deleted since the pusher's last pull conflicts too:
           * stored, it would be an orphan that no device keeps. The pusher pulls the
           * deletion and the user decides (the store holds the record back meanwhile).
           * Under a parent deleted before that pull, the delete wins (P5). */
          if (record->parent != NULL)
            {
              const GpColumn *ref = gp_schema_lookup_column (pt->table, pt->table->parent_column);
              GpRow *parent = g_new0 (GpRow, 1);
              gboolean found;

              found = GP_CONN_VTABLE (conn)->get_row (conn, user_id, ref->references, record->parent,
                                                      parent, &error);
              if (found && parent->id != NULL && parent->deleted)
                {
                  if (parent->last_modified > lpa)
                    {
                      if (g_hash_table_add (reported, record->id))
                        g_ptr_array_add (conflict_ids, record->id);
                    }
                  else
                    record->parent_gone = TRUE;
                }
              row_free (parent);
              if (error != NULL)
                goto fail;
            }
        }
      for (guint i = 0; i < pt->deletes->len; i++)
        {
          char *id = g_ptr_array_index (pt->deletes, i);
          GpRow *row = lookup_state (conn, user_id, pt, id, &error);

          if (error != NULL)
            goto fail;
          if (row != NULL && row->last_modified > lpa && !row->deleted && g_hash_table_add (reported, id))
            g_ptr_array_add (conflict_ids, id);

          /* The cascade would delete a record added or changed below it since the pusher's
           * last pull: the pusher pulls it and the user decides. */
          if (row != NULL && !row->deleted && !g_hash_table_contains (reported, id))
            {
              gboolean changed = FALSE;

              if (!descendant_changed (conn, user_id, pt->table, id, lpa, 0, &changed, &error))
                goto fail;
              if (changed && g_hash_table_add (reported, id))
                g_ptr_array_add (conflict_ids, id);
            }
        }

      if (conflict_ids->len > 0)
        {
          g_ptr_array_sort (conflict_ids, compare_strings);
          if (n_conflict_tables++ > 0)
            g_string_append_c (conflicts, ',');
          append_json_string (conflicts, pt->table->name);
          g_string_append (conflicts, ":[");
          for (guint i = 0; i < conflict_ids->len; i++)
            {
              if (i > 0)
                g_string_append_c (conflicts, ',');
              append_json_string (conflicts, g_ptr_array_index (conflict_ids, i));
            }
          g_string_append_c (conflicts, ']');
        }
    }

  if (n_conflict_tables > 0)
    {
      GP_CONN_VTABLE (conn)->rollback (conn);
      gp_backend_release (backend, conn);
      reply->status = 409;
      g_free (reply->body);
      reply->body = g_strdup_printf ("{\"error\":\"conflict: records changed on the server since last_pulled_at\","
                                     "\"conflicts\":{%s}}", conflicts->str);
      return;
    }

  stamp = MAX (clock + 1, now_ms);

  for (guint t = 0; t < push_tables->len; t++)
    {
      PushTable *pt = &g_array_index (push_tables, PushTable, t);
      g_autoptr(GArray) batch = NULL;
      g_autoptr(GPtrArray) batch_parents = NULL;

      /* The backend may write the table's records in one statement, when no id
       * comes twice (a second write of an id must see the first). */
      if (GP_CONN_VTABLE (conn)->put_rows != NULL && pt->upserts->len > 1)
        {
          g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

          for (guint i = 0; i < pt->upserts->len; i++)
            if (!g_hash_table_add (ids, ((PushRecord *) g_ptr_array_index (pt->upserts, i))->id))
              break;
          if (g_hash_table_size (ids) == pt->upserts->len)
            {
              batch = g_array_sized_new (FALSE, TRUE, sizeof (GpRow), pt->upserts->len);
              batch_parents = g_ptr_array_sized_new (pt->upserts->len);
            }
        }

      for (guint i = 0; i < pt->upserts->len; i++)
        {
          PushRecord *record = g_ptr_array_index (pt->upserts, i);
          GpRow *state = g_hash_table_lookup (pt->states, record->id);
          GpRow row = { 0, };

          row.table = (char *) pt->table->name;
          row.id = record->id;
          row.last_modified = stamp;

          if (record->parent_gone && (state == NULL || !state->deleted))
            {
              /* Its parent was deleted before the pusher's last pull: the delete wins. The
               * record is kept as a tombstone, so the pusher's next pull removes it. */
              row.data = record->data;
              row.deleted = TRUE;
              row.server_created_at = state != NULL ? state->server_created_at : lpa;
              row.created_stamp = state != NULL ? state->created_stamp : stamp;
              if (!GP_CONN_VTABLE (conn)->put_row (conn, user_id, &row, record->parent, &error))
                goto fail;
              wrote = TRUE;
              continue;
            }

          if (state != NULL && state->deleted)
            {
              /* Deleted before last_pulled_at (a later deletion was a conflict above):
               * the delete wins (P5). The tombstone is stamped again so that the
               * pusher's next pull reports the deletion and it converges. */
              row.deleted = TRUE;
              if (!GP_CONN_VTABLE (conn)->put_row (conn, user_id, &row, NULL, &error))
                goto fail;
              wrote = TRUE;
              continue;
            }

          row.data = record->data;
          /* P1 fix (b): a record this push creates remembers the pusher's
           * last_pulled_at, so the pusher pulls it back as "updated", never as
           * "created" (which would resurrect it after a local delete); see
           * is_created_for(). */
          if (state != NULL)
            {
              row.server_created_at = state->server_created_at;
              row.created_stamp = state->created_stamp;
            }
          else
            {
              row.server_created_at = lpa;
              row.created_stamp = stamp;
            }

          if (batch != NULL)
            {
              g_array_append_val (batch, row);
              g_ptr_array_add (batch_parents, record->parent);
            }
          else if (!GP_CONN_VTABLE (conn)->put_row (conn, user_id, &row, record->parent, &error))
            goto fail;
          wrote = TRUE;

          if (state == NULL)
            {
              state = g_new0 (GpRow, 1);
              state->table = g_strdup (pt->table->name);
              state->id = g_strdup (record->id);
              g_hash_table_replace (pt->states, g_strdup (record->id), state);
            }
          state->last_modified = stamp;
          state->server_created_at = row.server_created_at;
          state->created_stamp = row.created_stamp;
          state->deleted = FALSE;
        }

      if (batch != NULL && batch->len > 0 &&
          !GP_CONN_VTABLE (conn)->put_rows (conn, user_id, batch, batch_parents, &error))
        goto fail;
    }

  /* Deletes come after every upsert of the push: a record the push writes under a parent it
   * also deletes goes with that parent (the cascade), rather than outliving it as an orphan
   * that no device keeps. */
  for (guint t = 0; t < push_tables->len; t++)
    {
      PushTable *pt = &g_array_index (push_tables, PushTable, t);

      for (guint i = 0; i < pt->deletes->len; i++)
        {
          char *id = g_ptr_array_index (pt->deletes, i);
          GpRow *state = g_hash_table_lookup (pt->states, id);
          GpRow row = { 0, };

          /* Deleting a missing or already deleted record is ignored (§3.2 rule 4). */
          if (state == NULL || state->deleted)
            continue;

          row.table = (char *) pt->table->name;
          row.id = id;
          row.last_modified = stamp;
          row.deleted = TRUE;
          if (!GP_CONN_VTABLE (conn)->put_row (conn, user_id, &row, NULL, &error) ||
              !cascade_delete (conn, user_id, pt->table, id, stamp, 0, &error))
            goto fail;
          state->deleted = TRUE;
          state->last_modified = stamp;
          wrote = TRUE;
        }
    }

  if (wrote && !GP_CONN_VTABLE (conn)->set_clock (conn, user_id, stamp, &error))
    goto fail;

  if (push_id != NULL &&
      !GP_CONN_VTABLE (conn)->put_ledger (conn, user_id, push_id, 200, ok_body, now_ms, &error))
    goto fail;

  /* Testing aid: GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS ("N" or "MIN-MAX") holds every
   * push between stamping and committing, widening the window in which out-of-order
   * commits or an unclean shutdown would show (the tests set it). */
  {
    static gsize once = 0;
    static guint delay_min = 0, delay_max = 0;

    if (g_once_init_enter (&once))
      {
        const char *value = g_getenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS");

        if (value != NULL)
          {
            char *end = NULL;

            delay_min = delay_max = (guint) MIN (g_ascii_strtoull (value, &end, 10), 1000);
            if (end != NULL && *end == '-')
              delay_max = (guint) MIN (g_ascii_strtoull (end + 1, NULL, 10), 1000);
            delay_max = MAX (delay_min, delay_max);
          }
        g_once_init_leave (&once, 1);
      }
    if (delay_max > 0)
      g_usleep ((gulong) g_random_int_range (delay_min, delay_max + 1) * 1000);
  }

  if (!GP_CONN_VTABLE (conn)->commit (conn, &error))
    goto fail;

  gp_backend_release (backend, conn);
  reply->status = 200;
  g_free (reply->body);
  reply->body = g_strdup (ok_body);
  return;

fail:
  GP_CONN_VTABLE (conn)->rollback (conn);
  gp_backend_release (backend, conn);
  reply_backend_error (reply, error);
}

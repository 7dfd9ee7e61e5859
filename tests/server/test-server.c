/* test-server.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Black-box tests of the real gigpilot-server binary ($GIGPILOT_SERVER), started on
 * 127.0.0.1 port 0 over a temporary SQLite file, or over the PostgreSQL database in
 * $GP_TEST_DATABASE (tests/server/run-postgres.sh starts a throwaway cluster). They
 * speak HTTP with libsoup and check the protocol rules of sync-protocol.md. */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sodium.h>
#include <sqlite3.h>

typedef struct
{
  GSubprocess *process;
  char        *uri;
  char        *dir;
  char        *secret_path;
  char        *log_path;
} Srv;

static char *test_dir;
static Srv *shared;

static const char *
database_uri (void)
{
  return g_getenv ("GP_TEST_DATABASE");
}

/* A server outlives no test: it is killed when the test process dies, assertion or not. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Srv *
srv_start_in (const char  *dir,
              const char *const *extra)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *server = g_getenv ("GIGPILOT_SERVER");
  Srv *srv = g_new0 (Srv, 1);

  g_assert_nonnull (server);
  srv->dir = g_strdup (dir);
  srv->secret_path = g_build_filename (dir, "token-secret", NULL);
  srv->log_path = g_strdup_printf ("%s/server-%p.log", dir, (void *) srv);

  g_ptr_array_add (argv, g_strdup (server));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup ("--database"));
  if (database_uri () != NULL)
    g_ptr_array_add (argv, g_strdup (database_uri ()));
  else
    g_ptr_array_add (argv, g_strdup_printf ("sqlite:%s/server.db", dir));
  g_ptr_array_add (argv, g_strdup ("--token-secret-file"));
  g_ptr_array_add (argv, g_strdup (srv->secret_path));
  /* OWASP's minimum keeps the many test accounts cheap on a shared machine. */
  g_ptr_array_add (argv, g_strdup ("--password-hash-memory"));
  g_ptr_array_add (argv, g_strdup ("19"));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_stderr_file_path (launcher, srv->log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  srv->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (srv->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  srv->uri = g_strdup (line + strlen ("listening on "));
  g_assert_true (g_str_has_suffix (srv->uri, "/"));
  /* Drop the trailing slash: paths are appended. */
  srv->uri[strlen (srv->uri) - 1] = '\0';
  return srv;
}

static Srv *
srv_start (const char *const *extra)
{
  g_autofree char *dir = g_build_filename (test_dir, "srv-XXXXXX", NULL);

  g_assert_nonnull (g_mkdtemp (dir));
  return srv_start_in (dir, extra);
}

static void
srv_stop (Srv *srv)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (srv->process, SIGTERM);
  g_subprocess_wait (srv->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (srv->process));
  g_assert_cmpint (g_subprocess_get_exit_status (srv->process), ==, 0);
  g_object_unref (srv->process);
  g_free (srv->uri);
  g_free (srv->dir);
  g_free (srv->secret_path);
  g_free (srv->log_path);
  g_free (srv);
}

/* ---- HTTP helpers ---------------------------------------------------------------- */

typedef struct
{
  guint       status;
  char       *body;
  JsonNode   *json;
  char       *retry_after;
  char       *content_type;
} Resp;

static void
resp_free (Resp *resp)
{
  g_free (resp->body);
  g_clear_pointer (&resp->json, json_node_unref);
  g_free (resp->retry_after);
  g_free (resp->content_type);
  g_free (resp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resp, resp_free)

static GPrivate session_key = G_PRIVATE_INIT (g_object_unref);

static SoupSession *
get_session (void)
{
  SoupSession *session = g_private_get (&session_key);

  if (session == NULL)
    {
      session = soup_session_new ();
      soup_session_set_timeout (session, 60);
      g_private_set (&session_key, session);
    }
  return session;
}

static Resp *
request_full (Srv        *srv,
              const char *method,
              const char *path,
              const char *token,
              const char *content_type,
              const char *body)
{
  g_autofree char *url = g_strconcat (srv->uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Resp *resp = g_new0 (Resp, 1);
  gsize len;
  const char *data;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, request);
    }

  bytes = soup_session_send_and_read (get_session (), msg, NULL, &error);
  g_assert_no_error (error);
  resp->status = soup_message_get_status (msg);
  data = g_bytes_get_data (bytes, &len);
  resp->body = g_strndup (data, len);
  resp->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
  resp->content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  if (len > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, resp->body, len, NULL))
        resp->json = json_node_ref (json_parser_get_root (parser));
    }
  return resp;
}

static Resp *
request (Srv        *srv,
         const char *method,
         const char *path,
         const char *token,
         const char *body)
{
  return request_full (srv, method, path, token, "application/json", body);
}

static JsonObject *
obj (Resp *resp)
{
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  return json_node_get_object (resp->json);
}

#define assert_status(resp, code) \
  G_STMT_START { \
    if ((resp)->status != (code)) \
      g_error ("expected %u, got %u: %s", (guint) (code), (resp)->status, (resp)->body); \
  } G_STMT_END

/* Every non-2xx answer carries {"error": "..."}. */
static void
assert_error (Resp  *resp,
              guint  code)
{
  assert_status (resp, code);
  g_assert_cmpstr (resp->content_type, ==, "application/json");
  g_assert_true (json_object_has_member (obj (resp), "error"));
  g_assert_nonnull (json_object_get_string_member (obj (resp), "error"));
}

typedef struct
{
  char *token;
  char *refresh;
  char *user_id;
  char *email;
} Account;

static void
account_free (Account *account)
{
  g_free (account->token);
  g_free (account->refresh);
  g_free (account->user_id);
  g_free (account->email);
  g_free (account);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Account, account_free)

static Account *
new_account (Srv *srv)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autoptr(Resp) reg = NULL;
  g_autoptr(Resp) login = NULL;
  Account *account = g_new0 (Account, 1);

  account->email = g_strdup_printf ("user-%s@example.test", uuid);
  body = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"correct horse battery\"}", account->email);
  reg = request (srv, "POST", "/auth/register", NULL, body);
  assert_status (reg, 201);
  login = request (srv, "POST", "/auth/login", NULL, body);
  assert_status (login, 200);
  account->token = g_strdup (json_object_get_string_member (obj (login), "token"));
  account->refresh = g_strdup (json_object_get_string_member (obj (login), "refresh_token"));
  account->user_id = g_strdup (json_object_get_string_member (obj (login), "user_id"));
  g_assert_cmpstr (account->user_id, ==, json_object_get_string_member (obj (reg), "user_id"));
  return account;
}

/* ---- Sync helpers ---------------------------------------------------------------- */

static Resp *
pull (Srv        *srv,
      Account    *account,
      const char *query)
{
  g_autofree char *path = g_strconcat ("/sync/pull?", query, NULL);

  return request (srv, "GET", path, account->token, NULL);
}

static Resp *
pull_ok (Srv     *srv,
         Account *account,
         gint64   lpa)
{
  g_autofree char *query = g_strdup_printf ("last_pulled_at=%" G_GINT64_FORMAT "&schema_version=1&migration=null", lpa);
  Resp *resp = pull (srv, account, lpa == 0 ? "last_pulled_at=null&schema_version=1&migration=null" : query);
  JsonObject *changes;
  GList *tables;

  assert_status (resp, 200);
  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (obj (resp), "timestamp")));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (obj (resp), "timestamp")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (obj (resp), "timestamp"), >, 0);

  /* Shape rules (§2.2): all three arrays, no _status/_changed, no duplicate ids. */
  changes = json_object_get_object_member (obj (resp), "changes");
  g_assert_nonnull (changes);
  tables = json_object_get_members (changes);
  for (GList *l = tables; l != NULL; l = l->next)
    {
      JsonObject *table = json_object_get_object_member (changes, l->data);
      g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      const char *lists[] = { "created", "updated", "deleted" };

      for (guint i = 0; i < 3; i++)
        {
          JsonArray *array = json_object_get_array_member (table, lists[i]);

          g_assert_nonnull (array);
          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              const char *id;

              if (i == 2)
                id = json_array_get_string_element (array, j);
              else
                {
                  JsonObject *record = json_array_get_object_element (array, j);

                  g_assert_false (json_object_has_member (record, "_status"));
                  g_assert_false (json_object_has_member (record, "_changed"));
                  id = json_object_get_string_member (record, "id");
                }
              g_assert_nonnull (id);
              g_assert_true (g_hash_table_add (ids, (gpointer) id));
            }
        }
    }
  g_list_free (tables);
  return resp;
}

/* A full pull must be JSON whatever was pushed before; when it is not, the error shows
 * the bytes, escaped (the log is UTF-8 TAP). */
static void
assert_full_pull_is_json (Srv     *srv,
                          Account *account)
{
  g_autoptr(Resp) full = pull (srv, account, "last_pulled_at=null&schema_version=1&migration=null");

  if (full->status == 200 && full->json == NULL)
    {
      g_autofree char *shown = g_strescape (full->body, NULL);

      g_error ("full pull is not JSON: %s", shown);
    }
  assert_status (full, 200);
}

static gint64
timestamp_of (Resp *resp)
{
  return json_object_get_int_member (obj (resp), "timestamp");
}

/* The list ("created", "updated", "deleted") of @table in a pull that holds @id, or NULL. */
static const char *
where_is (Resp       *resp,
          const char *table,
          const char *id)
{
  JsonObject *changes = json_object_get_object_member (obj (resp), "changes");
  JsonObject *t;
  const char *lists[] = { "created", "updated", "deleted" };

  if (!json_object_has_member (changes, table))
    return NULL;
  t = json_object_get_object_member (changes, table);
  for (guint i = 0; i < 3; i++)
    {
      JsonArray *array = json_object_get_array_member (t, lists[i]);

      for (guint j = 0; j < json_array_get_length (array); j++)
        {
          const char *other;

          if (i == 2)
            other = json_array_get_string_element (array, j);
          else
            other = json_object_get_string_member (json_array_get_object_element (array, j), "id");
          if (g_strcmp0 (other, id) == 0)
            return lists[i];
        }
    }
  return NULL;
}

static JsonObject *
find_record (Resp       *resp,
             const char *table,
             const char *id)
{
  JsonObject *changes = json_object_get_object_member (obj (resp), "changes");
  const char *lists[] = { "created", "updated" };

  if (!json_object_has_member (changes, table))
    return NULL;
  for (guint i = 0; i < 2; i++)
    {
      JsonArray *array = json_object_get_array_member (json_object_get_object_member (changes, table), lists[i]);

      for (guint j = 0; j < json_array_get_length (array); j++)
        {
          JsonObject *record = json_array_get_object_element (array, j);

          if (g_strcmp0 (json_object_get_string_member (record, "id"), id) == 0)
            return record;
        }
    }
  return NULL;
}

static Resp *
push (Srv        *srv,
      Account    *account,
      gint64      lpa,
      const char *body)
{
  g_autofree char *path = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT, lpa);

  return request (srv, "POST", path, account->token, body);
}

static void
push_ok (Srv        *srv,
         Account    *account,
         gint64      lpa,
         const char *body)
{
  g_autoptr(Resp) resp = push (srv, account, lpa, body);

  assert_status (resp, 200);
  g_assert_true (json_object_get_boolean_member (obj (resp), "ok"));
}

/* A one-record push body in WatermelonDB's shape, with the other lists empty. */
static char *
client_json (const char *id,
             const char *name,
             const char *list)
{
  g_autofree char *record = NULL;

  if (g_str_equal (list, "deleted"))
    record = g_strdup_printf ("\"%s\"", id);
  else
    record = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"%s\",\"_status\":\"%s\",\"_changed\":\"name\"}",
                              id, name, list);

  return g_strdup_printf ("{\"clients\":{\"created\":[%s],\"updated\":[%s],\"deleted\":[%s]},"
                          "\"invoices\":{\"created\":[],\"updated\":[],\"deleted\":[]}}",
                          g_str_equal (list, "created") ? record : "",
                          g_str_equal (list, "updated") ? record : "",
                          g_str_equal (list, "deleted") ? record : "");
}

static char *
new_id (void)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  char *id = g_malloc (17);

  for (guint i = 0; i < 16; i++)
    id[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
  id[16] = '\0';
  return id;
}

/* ---- Tests: basics ----------------------------------------------------------------- */

static void
test_health (void)
{
  g_autoptr(Resp) health = request (shared, "GET", "/health", NULL, NULL);
  g_autoptr(Resp) db = request (shared, "GET", "/health/db", NULL, NULL);
  g_autoptr(Resp) missing = request (shared, "GET", "/nope", NULL, NULL);
  g_autoptr(Resp) method = request (shared, "POST", "/sync/pull", NULL, "{}");

  assert_status (health, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (health), "status"), ==, "ok");
  assert_status (db, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (db), "backend"), ==,
                   database_uri () != NULL ? "postgresql" : "sqlite");
  assert_error (missing, 404);
  assert_error (method, 405);
}

static void
test_version_help (void)
{
  const char *server = g_getenv ("GIGPILOT_SERVER");
  const char *argv_version[] = { server, "--version", NULL };
  const char *argv_help[] = { server, "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *help = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;

  g_spawn_sync (NULL, (char **) argv_version, NULL, 0, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "gigpilot-server " PACKAGE_VERSION "\n");

  g_spawn_sync (NULL, (char **) argv_help, NULL, 0, NULL, NULL, &help, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (help, "--listen"));
  g_assert_nonnull (strstr (help, "--database"));
}

/* ---- Tests: auth ------------------------------------------------------------------- */

static void
test_auth_register_login (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *email = g_strdup_printf ("Reg-%s@Example.test", uuid);
  g_autofree char *body = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"long enough pw\"}", email);
  g_autofree char *lower = g_ascii_strdown (body, -1);
  g_autofree char *wrong = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"wrong password\"}", email);
  g_autoptr(Resp) reg = request (shared, "POST", "/auth/register", NULL, body);
  g_autoptr(Resp) dup = request (shared, "POST", "/auth/register", NULL, lower);
  g_autoptr(Resp) bad_email = request (shared, "POST", "/auth/register", NULL, "{\"email\":\"nope\",\"password\":\"long enough pw\"}");
  g_autoptr(Resp) short_pw = request (shared, "POST", "/auth/register", NULL, "{\"email\":\"short@example.test\",\"password\":\"short\"}");
  g_autoptr(Resp) not_json = request (shared, "POST", "/auth/register", NULL, "email=a&password=b");
  g_autoptr(Resp) wrong_type = request (shared, "POST", "/auth/login", NULL, "{\"email\":1,\"password\":[]}");
  g_autoptr(Resp) bad_pw = request (shared, "POST", "/auth/login", NULL, wrong);
  g_autoptr(Resp) unknown = request (shared, "POST", "/auth/login", NULL,
                                     "{\"email\":\"nobody@example.test\",\"password\":\"whatever123\"}");
  g_autoptr(Resp) login = request (shared, "POST", "/auth/login", NULL, lower);
  gint64 now = g_get_real_time () / 1000;
  gint64 expires_at;

  assert_status (reg, 201);
  assert_error (dup, 409);
  assert_error (bad_email, 400);
  assert_error (short_pw, 400);
  assert_error (not_json, 400);
  assert_error (wrong_type, 400);
  assert_error (bad_pw, 401);
  assert_error (unknown, 401);
  assert_status (login, 200);

  g_assert_cmpstr (json_object_get_string_member (obj (login), "user_id"), ==,
                   json_object_get_string_member (obj (reg), "user_id"));
  g_assert_nonnull (json_object_get_string_member (obj (login), "token"));
  g_assert_nonnull (json_object_get_string_member (obj (login), "refresh_token"));
  expires_at = json_object_get_int_member (obj (login), "expires_at");
  g_assert_cmpint (expires_at, >, now + 14 * 60 * 1000);
  g_assert_cmpint (expires_at, <=, now + 16 * 60 * 1000);

  /* Stored as argon2id with t=2 and the configured 19 MiB, never in clear. */
  if (database_uri () == NULL)
    {
      g_autofree char *path = g_build_filename (shared->dir, "server.db", NULL);
      g_autofree char *lower_email = g_ascii_strdown (email, -1);
      sqlite3 *db = NULL;
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT password_hash FROM users WHERE email = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, lower_email, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_true (g_str_has_prefix ((const char *) sqlite3_column_text (stmt, 0), "$argon2id$v=19$m=19456,t=2,p=1$"));
      g_assert_null (strstr ((const char *) sqlite3_column_text (stmt, 0), "long enough pw"));
      sqlite3_finalize (stmt);
      sqlite3_close (db);
    }
}

static char *
b64url (const void *data,
        gsize       len)
{
  gsize out_len = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *out = g_malloc (out_len);

  sodium_bin2base64 (out, out_len, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

/* A JWT made here, independently of the server's code, signed with @key. */
static char *
make_jwt (GBytes     *key,
          const char *header,
          const char *payload,
          const char *alg)
{
  g_autofree char *h = b64url (header, strlen (header));
  g_autofree char *p = b64url (payload, strlen (payload));
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autofree char *sig = NULL;
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  if (g_strcmp0 (alg, "HS256") == 0)
    {
      guint8 mac[crypto_auth_hmacsha256_BYTES];
      crypto_auth_hmacsha256_state state;

      crypto_auth_hmacsha256_init (&state, key_data, key_len);
      crypto_auth_hmacsha256_update (&state, (const guint8 *) input, strlen (input));
      crypto_auth_hmacsha256_final (&state, mac);
      sig = b64url (mac, sizeof mac);
    }
  else if (g_strcmp0 (alg, "HS512") == 0)
    {
      guint8 mac[crypto_auth_hmacsha512_BYTES];
      crypto_auth_hmacsha512_state state;

      crypto_auth_hmacsha512_init (&state, key_data, key_len);
      crypto_auth_hmacsha512_update (&state, (const guint8 *) input, strlen (input));
      crypto_auth_hmacsha512_final (&state, mac);
      sig = b64url (mac, sizeof mac);
    }
  else
    sig = g_strdup ("");

  return g_strconcat (input, ".", sig, NULL);
}

static guint
pull_status_with (Srv        *srv,
                  const char *token)
{
  g_autoptr(Resp) resp = request (srv, "GET", "/sync/pull?last_pulled_at=null", token, NULL);

  if (resp->status == 401)
    assert_error (resp, 401);
  return resp->status;
}

static void
test_auth_tokens (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Account) b = new_account (shared);
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *good_header = "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}";
  struct
  {
    const char *header;
    const char *iss;
    const char *aud;
    const char *alg;
    guint       status;
  } cases[] = {
    /* Sanity: a token made here with the server's key is accepted... */
    { good_header, "gigpilot-server", "gigpilot-sync", "HS256", 200 },
    /* ...so each rejection below is about the one thing that differs. */
    { good_header, "gigpilot-server", "gigpilot-sync", "none", 401 },
    { "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", "gigpilot-server", "gigpilot-sync", "none", 401 },
    { "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", "gigpilot-server", "gigpilot-sync", "HS256", 401 },
    { "{\"alg\":\"HS512\",\"typ\":\"at+jwt\"}", "gigpilot-server", "gigpilot-sync", "HS512", 401 },
    { "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", "gigpilot-server", "gigpilot-sync", "HS256", 401 },
    { "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "gigpilot-server", "gigpilot-sync", "HS256", 401 },
    { "{\"typ\":\"at+jwt\"}", "gigpilot-server", "gigpilot-sync", "HS256", 401 },
    { good_header, "someone-else", "gigpilot-sync", "HS256", 401 },
    { good_header, "gigpilot-server", "other-app", "HS256", 401 },
  };

  g_assert_true (g_file_get_contents (shared->secret_path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, 32);
  key = g_bytes_new (contents, len);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *payload = g_strdup_printf ("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                                  cases[i].iss, cases[i].aud, a->user_id, now, now + 600);
      g_autofree char *token = make_jwt (key, cases[i].header, payload, cases[i].alg);

      g_test_message ("token case %u", i);
      g_assert_cmpuint (pull_status_with (shared, token), ==, cases[i].status);
    }

  /* Expired beyond the leeway (<= 60 s), and issued far in the future. */
  {
    g_autofree char *p1 = g_strdup_printf ("{\"iss\":\"gigpilot-server\",\"aud\":\"gigpilot-sync\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}", a->user_id, now - 1000, now - 61);
    g_autofree char *p2 = g_strdup_printf ("{\"iss\":\"gigpilot-server\",\"aud\":\"gigpilot-sync\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}", a->user_id, now + 3600, now + 7200);
    g_autofree char *p3 = g_strdup_printf ("{\"iss\":\"gigpilot-server\",\"aud\":\"gigpilot-sync\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT "}", a->user_id, now);
    g_autofree char *t1 = make_jwt (key, good_header, p1, "HS256");
    g_autofree char *t2 = make_jwt (key, good_header, p2, "HS256");
    g_autofree char *t3 = make_jwt (key, good_header, p3, "HS256");

    g_assert_cmpuint (pull_status_with (shared, t1), ==, 401);
    g_assert_cmpuint (pull_status_with (shared, t2), ==, 401);
    g_assert_cmpuint (pull_status_with (shared, t3), ==, 401);
  }

  /* A signed with the wrong key. */
  {
    g_autoptr(GBytes) other = g_bytes_new ("0123456789abcdef0123456789abcdef", 32);
    g_autofree char *payload = g_strdup_printf ("{\"iss\":\"gigpilot-server\",\"aud\":\"gigpilot-sync\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}", a->user_id, now, now + 600);
    g_autofree char *token = make_jwt (other, good_header, payload, "HS256");

    g_assert_cmpuint (pull_status_with (shared, token), ==, 401);
  }

  /* A's real token with its payload swapped for one naming B: the MAC no longer fits. */
  {
    g_auto(GStrv) parts = g_strsplit (a->token, ".", 3);
    g_autofree char *payload = g_strdup_printf ("{\"iss\":\"gigpilot-server\",\"aud\":\"gigpilot-sync\",\"sub\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}", b->user_id, now, now + 600);
    g_autofree char *p = b64url (payload, strlen (payload));
    g_autofree char *tampered = g_strconcat (parts[0], ".", p, ".", parts[2], NULL);
    g_autofree char *stripped = g_strconcat (parts[0], ".", parts[1], ".", NULL);

    g_assert_cmpuint (pull_status_with (shared, a->token), ==, 200);
    g_assert_cmpuint (pull_status_with (shared, tampered), ==, 401);
    g_assert_cmpuint (pull_status_with (shared, stripped), ==, 401);
  }

  /* Missing, malformed, other schemes. */
  {
    g_autoptr(Resp) none = request (shared, "GET", "/sync/pull?last_pulled_at=null", NULL, NULL);
    g_autoptr(Resp) push_none = request (shared, "POST", "/sync/push?last_pulled_at=1", NULL, "{}");

    assert_error (none, 401);
    assert_error (push_none, 401);
    g_assert_cmpuint (pull_status_with (shared, "garbage"), ==, 401);
    g_assert_cmpuint (pull_status_with (shared, "a.b.c"), ==, 401);
    g_assert_cmpuint (pull_status_with (shared, ""), ==, 401);
  }
}

static void
test_auth_refresh (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *body1 = g_strdup_printf ("{\"refresh_token\":\"%s\"}", a->refresh);
  g_autoptr(Resp) first = request (shared, "POST", "/auth/refresh", NULL, body1);
  g_autofree char *body2 = NULL;
  g_autoptr(Resp) reuse = NULL;
  g_autoptr(Resp) second = NULL;
  g_autoptr(Resp) bogus = request (shared, "POST", "/auth/refresh", NULL, "{\"refresh_token\":\"nope\"}");
  g_autoptr(Resp) empty = request (shared, "POST", "/auth/refresh", NULL, "{}");

  assert_status (first, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (first), "user_id"), ==, a->user_id);
  g_assert_cmpstr (json_object_get_string_member (obj (first), "refresh_token"), !=, a->refresh);
  g_assert_cmpuint (pull_status_with (shared, json_object_get_string_member (obj (first), "token")), ==, 200);
  body2 = g_strdup_printf ("{\"refresh_token\":\"%s\"}", json_object_get_string_member (obj (first), "refresh_token"));

  /* The first token again: reuse revokes the whole family, the newer one included. */
  reuse = request (shared, "POST", "/auth/refresh", NULL, body1);
  assert_error (reuse, 401);
  second = request (shared, "POST", "/auth/refresh", NULL, body2);
  assert_error (second, 401);

  assert_error (bogus, 401);
  assert_error (empty, 400);
}

static void
test_auth_rate_limit (void)
{
  const char *args[] = { "--login-failures-before-delay", "3", "--login-attempts-per-minute", "8", NULL };
  Srv *srv = srv_start (args);
  g_autoptr(Account) a = new_account (srv);
  g_autofree char *wrong = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"wrong password\"}", a->email);
  g_autofree char *right = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"correct horse battery\"}", a->email);
  g_autofree char *log = NULL;

  /* Per account: after 3 failures the account waits, even with the right password. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Resp) resp = request (srv, "POST", "/auth/login", NULL, wrong);

      assert_error (resp, 401);
    }
  {
    g_autoptr(Resp) limited = request (srv, "POST", "/auth/login", NULL, right);

    assert_error (limited, 429);
    g_assert_nonnull (limited->retry_after);
    g_assert_cmpint (g_ascii_strtoll (limited->retry_after, NULL, 10), >=, 1);
  }

  /* Per address: 8 attempts a minute (register + login of the account + 3 + 1 so far). */
  {
    guint limited = 0;

    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(Resp) resp = request (srv, "POST", "/auth/login", NULL,
                                        "{\"email\":\"other@example.test\",\"password\":\"whatever123\"}");

        if (resp->status == 429)
          {
            assert_error (resp, 429);
            g_assert_nonnull (resp->retry_after);
            limited++;
          }
      }
    g_assert_cmpuint (limited, >=, 1);
  }

  /* The log has one line per request and never a password or token. */
  g_assert_true (g_file_get_contents (srv->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "POST /auth/login 401"));
  g_assert_nonnull (strstr (log, "POST /auth/login 429"));
  g_assert_null (strstr (log, "correct horse"));
  g_assert_null (strstr (log, "wrong password"));
  g_assert_null (strstr (log, a->token));
  g_assert_null (strstr (log, a->refresh));
  /* No background job (the start-up pruning of old ledger rows) failed. */
  g_assert_null (strstr (log, "failed"));

  srv_stop (srv);
}

static void
test_auth_lifetime (void)
{
  const char *args[] = { "--access-token-lifetime", "5", NULL };
  Srv *srv = srv_start (args);
  g_autoptr(Account) a = new_account (srv);
  g_autofree char *body = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"correct horse battery\"}", a->email);
  g_autoptr(Resp) login = request (srv, "POST", "/auth/login", NULL, body);
  gint64 now = g_get_real_time () / 1000;

  assert_status (login, 200);
  g_assert_cmpint (json_object_get_int_member (obj (login), "expires_in"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (obj (login), "expires_at"), <=, now + 5000 + 1000);
  g_assert_cmpint (json_object_get_int_member (obj (login), "expires_at"), >=, now + 5000 - 2000);
  srv_stop (srv);
}

/* ---- Tests: pull/push ---------------------------------------------------------------- */

static void
test_pull_params (void)
{
  g_autoptr(Account) a = new_account (shared);
  const char *full[] = { "last_pulled_at=null", "last_pulled_at=", "", "last_pulled_at=0",
                         "last_pulled_at=null&schema_version=1&migration=null" };
  const char *bad[] = { "last_pulled_at=abc", "last_pulled_at=-1", "last_pulled_at=1.5",
                        "last_pulled_at=1e3", "last_pulled_at=%20", "last_pulled_at=undefined",
                        "last_pulled_at=99999999999999999999", "last_pulled_at=null&schema_version=x",
                        "last_pulled_at=null&migration=%7B", "last_pulled_at=null&migration=%5B%5D",
                        "last_pulled_at=null&page_size=0", "last_pulled_at=null&page_size=x",
                        "last_pulled_at=null&page_size=5&cursor=bogus" };

  for (guint i = 0; i < G_N_ELEMENTS (full); i++)
    {
      g_autoptr(Resp) resp = pull (shared, a, full[i]);

      assert_status (resp, 200);
      g_assert_cmpint (timestamp_of (resp), >, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(Resp) resp = pull (shared, a, bad[i]);

      g_test_message ("query %s", bad[i]);
      assert_error (resp, 400);
    }
}

static void
test_sync_roundtrip (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) first = pull_ok (shared, a, 0);
  g_autoptr(Resp) after = NULL;
  g_autoptr(Resp) changes = NULL;
  JsonObject *record;
  gint64 t1 = timestamp_of (first);

  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (obj (first), "changes")), ==, 0);

  /* A WatermelonDB-style push: every table, full raw records with _status/_changed,
   * an unknown column, a column of the wrong type, and a __proto__ key. */
  push_ok (shared, a, t1,
           "{\"clients\":{\"created\":[{\"id\":\"cl1AAAAAAAAAAAAA\",\"name\":\"Acme GmbH\",\"email\":\"billing@acme.test\","
           "\"hourly_rate\":9000,\"notes\":\"ü \\\"quoted\\\" \\u0000\",\"created_at\":1795306764726,\"updated_at\":1795306764726,"
           "\"_status\":\"created\",\"_changed\":\"\",\"secret_column\":\"x\",\"__proto__\":{\"a\":1},\"company\":42}],"
           "\"updated\":[],\"deleted\":[]},"
           "\"invoices\":{\"created\":[{\"id\":\"in1AAAAAAAAAAAAA\",\"client_id\":\"cl1AAAAAAAAAAAAA\",\"number\":\"2026-001\","
           "\"_status\":\"created\",\"_changed\":\"\"}],\"updated\":[],\"deleted\":[]},"
           "\"invoice_lines\":{\"created\":[],\"updated\":[],\"deleted\":[]},"
           "\"tickets\":{\"created\":[],\"updated\":[],\"deleted\":[]}}");

  after = pull_ok (shared, a, 0);
  g_assert_cmpint (timestamp_of (after), >, t1);
  g_assert_cmpstr (where_is (after, "clients", "cl1AAAAAAAAAAAAA"), ==, "created");
  g_assert_cmpstr (where_is (after, "invoices", "in1AAAAAAAAAAAAA"), ==, "created");
  record = find_record (after, "clients", "cl1AAAAAAAAAAAAA");
  g_assert_cmpstr (json_object_get_string_member (record, "name"), ==, "Acme GmbH");
  g_assert_cmpstr (json_object_get_string_member (record, "notes"), ==, "ü \"quoted\" ");
  g_assert_cmpint (json_object_get_int_member (record, "hourly_rate"), ==, 9000);
  g_assert_cmpint (json_object_get_int_member (record, "created_at"), ==, 1795306764726);
  g_assert_false (json_object_has_member (record, "secret_column"));
  g_assert_false (json_object_has_member (record, "__proto__"));
  g_assert_false (json_object_has_member (record, "company"));

  /* The pusher's incremental pull gets its own record back as "updated" (P1 fix). */
  changes = pull_ok (shared, a, t1);
  g_assert_cmpstr (where_is (changes, "clients", "cl1AAAAAAAAAAAAA"), ==, "updated");
  g_assert_cmpstr (where_is (changes, "invoices", "in1AAAAAAAAAAAAA"), ==, "updated");

  /* Nothing changed since: empty changes, same or later timestamp. */
  {
    g_autoptr(Resp) none = pull_ok (shared, a, timestamp_of (after));

    g_assert_cmpuint (json_object_get_size (json_object_get_object_member (obj (none), "changes")), ==, 0);
    g_assert_cmpint (timestamp_of (none), >=, timestamp_of (after));
  }
}

static void
test_sync_p1_created_vs_updated (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *id = new_id ();
  g_autofree char *body = client_json (id, "First", "created");
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) other = NULL;
  g_autoptr(Resp) own = NULL;
  g_autoptr(Resp) after_delete = NULL;
  g_autofree char *del = client_json (id, NULL, "deleted");
  gint64 t0 = timestamp_of (p0);

  /* Another device pulled before this one (t_old < t0). */
  g_usleep (5000);
  p1 = pull_ok (shared, a, 0);
  push_ok (shared, a, timestamp_of (p1), body);

  own = pull_ok (shared, a, timestamp_of (p1));
  g_assert_cmpstr (where_is (own, "clients", id), ==, "updated");
  other = pull_ok (shared, a, t0 - 1);
  g_assert_cmpstr (where_is (other, "clients", id), ==, "created");

  /* A device that pulled after the pusher's pull but before its push has never seen
   * the record either: "created" for it too. */
  {
    g_autofree char *id2 = new_id ();
    g_autofree char *body2 = client_json (id2, "Second", "created");
    g_autoptr(Resp) pusher = pull_ok (shared, a, 0);
    g_autoptr(Resp) middle = NULL;
    g_autoptr(Resp) seen_by_middle = NULL;
    g_autoptr(Resp) seen_by_pusher = NULL;

    push_ok (shared, a, timestamp_of (pusher), "{\"tickets\":{\"created\":[{\"id\":\"unrelatedTicket1\"}]}}");
    middle = pull_ok (shared, a, 0);
    g_assert_cmpint (timestamp_of (middle), >, timestamp_of (pusher));
    push_ok (shared, a, timestamp_of (pusher), body2);
    seen_by_middle = pull_ok (shared, a, timestamp_of (middle));
    seen_by_pusher = pull_ok (shared, a, timestamp_of (pusher));
    g_assert_cmpstr (where_is (seen_by_middle, "clients", id2), ==, "created");
    g_assert_cmpstr (where_is (seen_by_pusher, "clients", id2), ==, "updated");
  }

  /* create -> sync -> delete -> sync: the record stays deleted (P1). */
  push_ok (shared, a, timestamp_of (own), del);
  after_delete = pull_ok (shared, a, timestamp_of (own));
  g_assert_cmpstr (where_is (after_delete, "clients", id), ==, "deleted");
  {
    g_autoptr(Resp) full = pull_ok (shared, a, 0);

    g_assert_null (where_is (full, "clients", id));
  }
}

static void
test_sync_upsert_rules (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *id = new_id ();
  g_autofree char *missing = new_id ();
  g_autoptr(Resp) p = pull_ok (shared, a, 0);
  g_autoptr(Resp) q = NULL;
  g_autoptr(Resp) r = NULL;
  g_autofree char *create = client_json (id, "One", "created");
  g_autofree char *create_again = client_json (id, "Two", "created");
  g_autofree char *update_missing = client_json (missing, "Ghost", "updated");
  g_autofree char *delete_missing = client_json ("neverExisted0001", NULL, "deleted");

  push_ok (shared, a, timestamp_of (p), create);
  q = pull_ok (shared, a, timestamp_of (p));
  /* created with an existing id: update, no error (#1141). */
  push_ok (shared, a, timestamp_of (q), create_again);
  /* updated with an id that does not exist: create. */
  push_ok (shared, a, timestamp_of (q), update_missing);
  /* deleted with an id that does not exist: ignored. */
  push_ok (shared, a, timestamp_of (q), delete_missing);

  r = pull_ok (shared, a, 0);
  g_assert_cmpstr (json_object_get_string_member (find_record (r, "clients", id), "name"), ==, "Two");
  g_assert_cmpstr (json_object_get_string_member (find_record (r, "clients", missing), "name"), ==, "Ghost");
  g_assert_null (where_is (r, "clients", "neverExisted0001"));
}

static void
test_sync_conflict (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *id = new_id ();
  g_autofree char *extra = new_id ();
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) pa = NULL;
  g_autoptr(Resp) pb = NULL;
  g_autoptr(Resp) conflict = NULL;
  g_autoptr(Resp) check = NULL;
  g_autoptr(Resp) repull = NULL;
  g_autofree char *create = client_json (id, "Base", "created");
  g_autofree char *b_edit = client_json (id, "From B", "updated");
  g_autofree char *a_push = NULL;
  JsonArray *ids;

  push_ok (shared, a, timestamp_of (p0), create);
  pa = pull_ok (shared, a, timestamp_of (p0));      /* device A */
  pb = pull_ok (shared, a, timestamp_of (p0));      /* device B */
  push_ok (shared, a, timestamp_of (pb), b_edit);

  /* A pushes a stale edit plus a new record: 409 names the record, nothing applies. */
  a_push = g_strdup_printf ("{\"clients\":{\"created\":[{\"id\":\"%s\",\"name\":\"New\"}],"
                            "\"updated\":[{\"id\":\"%s\",\"name\":\"From A\"}],\"deleted\":[]}}", extra, id);
  conflict = push (shared, a, timestamp_of (pa), a_push);
  assert_error (conflict, 409);
  ids = json_object_get_array_member (json_object_get_object_member (obj (conflict), "conflicts"), "clients");
  g_assert_cmpuint (json_array_get_length (ids), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, id);

  check = pull_ok (shared, a, 0);
  g_assert_null (where_is (check, "clients", extra));
  g_assert_cmpstr (json_object_get_string_member (find_record (check, "clients", id), "name"), ==, "From B");

  /* The retry: pull first (gets B's edit), then the push goes through. */
  repull = pull_ok (shared, a, timestamp_of (pa));
  g_assert_cmpstr (where_is (repull, "clients", id), ==, "updated");
  g_assert_cmpstr (json_object_get_string_member (find_record (repull, "clients", id), "name"), ==, "From B");
  push_ok (shared, a, timestamp_of (repull), a_push);
  {
    g_autoptr(Resp) final = pull_ok (shared, a, 0);

    g_assert_cmpstr (json_object_get_string_member (find_record (final, "clients", id), "name"), ==, "From A");
    g_assert_nonnull (find_record (final, "clients", extra));
  }
}

static void
test_sync_delete_rules (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *id = new_id ();
  g_autofree char *old = new_id ();
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) p2 = NULL;
  g_autoptr(Resp) p3 = NULL;
  g_autoptr(Resp) conflict = NULL;
  g_autofree char *create = NULL;
  g_autofree char *del = client_json (id, NULL, "deleted");
  g_autofree char *del_old = client_json (old, NULL, "deleted");
  g_autofree char *upd = client_json (id, "Edit", "updated");
  g_autofree char *upd_old = client_json (old, "Zombie", "updated");

  create = g_strdup_printf ("{\"clients\":{\"created\":[{\"id\":\"%s\",\"name\":\"A\"},{\"id\":\"%s\",\"name\":\"B\"}],"
                            "\"updated\":[],\"deleted\":[]}}", id, old);
  push_ok (shared, a, timestamp_of (p0), create);
  p1 = pull_ok (shared, a, timestamp_of (p0));

  /* "old" is deleted, then another device syncs (p2 is after the deletion). */
  push_ok (shared, a, timestamp_of (p1), del_old);
  p2 = pull_ok (shared, a, timestamp_of (p1));
  g_assert_cmpstr (where_is (p2, "clients", old), ==, "deleted");

  /* A deletion after last_pulled_at conflicts with an update... */
  push_ok (shared, a, timestamp_of (p2), del);
  conflict = push (shared, a, timestamp_of (p2), upd);
  assert_error (conflict, 409);
  /* ...but deleting an already deleted record does not. */
  push_ok (shared, a, timestamp_of (p2), del);

  /* P5: an update of a record deleted before last_pulled_at is dropped, not 409. */
  p3 = pull_ok (shared, a, timestamp_of (p2));
  g_assert_cmpstr (where_is (p3, "clients", id), ==, "deleted");
  push_ok (shared, a, timestamp_of (p3), upd_old);
  {
    g_autoptr(Resp) full = pull_ok (shared, a, 0);
    g_autoptr(Resp) next = pull_ok (shared, a, timestamp_of (p3));

    g_assert_null (where_is (full, "clients", old));
    /* The pusher is told again that the record is gone, so it converges. */
    g_assert_cmpstr (where_is (next, "clients", old), ==, "deleted");
  }
}

static void
test_sync_tombstones (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autofree char *id = new_id ();
  g_autofree char *create = client_json (id, "Short-lived", "created");
  g_autofree char *del = client_json (id, NULL, "deleted");
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) p2 = NULL;

  /* The device that created the record (its push stamped after its pull) still learns
   * of the deletion (P2), and the id is listed once, as deleted (P3). */
  push_ok (shared, a, timestamp_of (p0), create);
  {
    /* Another device syncs and deletes it. */
    g_autoptr(Resp) other = pull_ok (shared, a, 0);

    push_ok (shared, a, timestamp_of (other), del);
  }
  p1 = pull_ok (shared, a, timestamp_of (p0));
  g_assert_cmpstr (where_is (p1, "clients", id), ==, "deleted");
  /* A full sync has no tombstones at all. */
  p2 = pull_ok (shared, a, 0);
  g_assert_null (where_is (p2, "clients", id));
}

static void
test_sync_cascade (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) p2 = NULL;

  push_ok (shared, a, timestamp_of (p0),
           "{\"clients\":{\"created\":[{\"id\":\"parentAAAAAAAAAA\",\"name\":\"P\"}]},"
           "\"invoices\":{\"created\":[{\"id\":\"childInvoice0001\",\"client_id\":\"parentAAAAAAAAAA\"}]},"
           "\"invoice_lines\":{\"created\":[{\"id\":\"childLine0000001\",\"invoice_id\":\"childInvoice0001\"}]},"
           "\"tickets\":{\"created\":[{\"id\":\"childTicket00001\",\"client_id\":\"parentAAAAAAAAAA\"},"
           "{\"id\":\"otherTicket00001\",\"client_id\":\"someoneElse00001\"}]}}");
  p1 = pull_ok (shared, a, 0);
  push_ok (shared, a, timestamp_of (p1), "{\"clients\":{\"deleted\":[\"parentAAAAAAAAAA\"]}}");
  p2 = pull_ok (shared, a, timestamp_of (p1));
  g_assert_cmpstr (where_is (p2, "clients", "parentAAAAAAAAAA"), ==, "deleted");
  g_assert_cmpstr (where_is (p2, "invoices", "childInvoice0001"), ==, "deleted");
  g_assert_cmpstr (where_is (p2, "invoice_lines", "childLine0000001"), ==, "deleted");
  g_assert_cmpstr (where_is (p2, "tickets", "childTicket00001"), ==, "deleted");
  g_assert_null (where_is (p2, "tickets", "otherTicket00001"));
}

/* Found by the convergence simulation: a record never outlives its parent on the server,
 * and a delete never takes along what the deleting device has not seen. */
static void
test_sync_parent_rules (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL, p5 = NULL, p6 = NULL, p7 = NULL;
  g_autoptr(Resp) refused_delete = NULL, refused_child = NULL;

  push_ok (shared, a, timestamp_of (p0),
           "{\"clients\":{\"created\":[{\"id\":\"parentOne0000001\",\"name\":\"One\"},"
           "{\"id\":\"parentTwo0000001\",\"name\":\"Two\"},{\"id\":\"parentThree00001\",\"name\":\"Three\"}]},"
           "\"tickets\":{\"created\":[{\"id\":\"kidOfTwo00000001\",\"client_id\":\"parentTwo0000001\",\"title\":\"t\"},"
           "{\"id\":\"kidOfThree000001\",\"client_id\":\"parentThree00001\",\"title\":\"t\"}]}}");
  p1 = pull_ok (shared, a, 0);

  /* Deleting a record whose child another device changed since our pull: 409, until we
   * have pulled that change. */
  push_ok (shared, a, timestamp_of (p1),
           "{\"tickets\":{\"updated\":[{\"id\":\"kidOfThree000001\",\"client_id\":\"parentThree00001\",\"title\":\"new\"}]}}");
  refused_delete = push (shared, a, timestamp_of (p1), "{\"clients\":{\"deleted\":[\"parentThree00001\"]}}");
  assert_status (refused_delete, 409);
  p2 = pull_ok (shared, a, timestamp_of (p1));
  g_assert_nonnull (find_record (p2, "tickets", "kidOfThree000001"));
  push_ok (shared, a, timestamp_of (p2), "{\"clients\":{\"deleted\":[\"parentThree00001\"]}}");

  /* One push that deletes a parent and updates its child: the child goes too. */
  p3 = pull_ok (shared, a, 0);
  push_ok (shared, a, timestamp_of (p3),
           "{\"clients\":{\"deleted\":[\"parentTwo0000001\"]},"
           "\"tickets\":{\"updated\":[{\"id\":\"kidOfTwo00000001\",\"client_id\":\"parentTwo0000001\",\"title\":\"x\"}]}}");
  p4 = pull_ok (shared, a, timestamp_of (p3));
  g_assert_cmpstr (where_is (p4, "tickets", "kidOfTwo00000001"), ==, "deleted");

  /* A child pushed under a parent deleted since the pusher's pull: 409. */
  p5 = pull_ok (shared, a, 0);
  push_ok (shared, a, timestamp_of (p5), "{\"clients\":{\"deleted\":[\"parentOne0000001\"]}}");
  refused_child = push (shared, a, timestamp_of (p5),
                        "{\"tickets\":{\"created\":[{\"id\":\"lateKid000000001\",\"client_id\":\"parentOne0000001\",\"title\":\"t\"}]}}");
  assert_status (refused_child, 409);

  /* Under a parent deleted before the pusher's pull: the delete wins, and the pusher's next
   * pull says so. */
  p6 = pull_ok (shared, a, timestamp_of (p5));
  push_ok (shared, a, timestamp_of (p6),
           "{\"tickets\":{\"created\":[{\"id\":\"lateKid000000002\",\"client_id\":\"parentOne0000001\",\"title\":\"t\"}]}}");
  p7 = pull_ok (shared, a, timestamp_of (p6));
  g_assert_cmpstr (where_is (p7, "tickets", "lateKid000000002"), ==, "deleted");
  g_clear_pointer (&p7, resp_free);
  p7 = pull_ok (shared, a, 0);
  g_assert_null (where_is (p7, "tickets", "lateKid000000002"));
  g_assert_null (where_is (p7, "tickets", "lateKid000000001"));
  g_assert_null (where_is (p7, "tickets", "kidOfTwo00000001"));
  g_assert_null (where_is (p7, "tickets", "kidOfThree000001"));
}

static void
test_sync_bodies (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) stale = NULL;
  g_autoptr(Resp) plain = NULL;
  g_autoptr(Resp) none = NULL;
  g_autofree char *wrapped = NULL;
  g_autofree char *wrapped_stale = NULL;
  gint64 t0 = timestamp_of (p0);

  /* (b) wrapped, lastPulledAt only in the body. */
  wrapped = g_strdup_printf ("{\"changes\":{\"clients\":{\"created\":[{\"id\":\"wrappedAAAAAAAAA\",\"name\":\"W\"}],"
                             "\"updated\":[],\"deleted\":[]}},\"lastPulledAt\":%" G_GINT64_FORMAT "}", t0);
  {
    g_autoptr(Resp) resp = request (shared, "POST", "/sync/push", a->token, wrapped);

    assert_status (resp, 200);
  }
  p1 = pull_ok (shared, a, t0);
  g_assert_cmpstr (where_is (p1, "clients", "wrappedAAAAAAAAA"), ==, "updated");

  /* The body's lastPulledAt drives the conflict check. */
  wrapped_stale = g_strdup_printf ("{\"changes\":{\"clients\":{\"updated\":[{\"id\":\"wrappedAAAAAAAAA\",\"name\":\"X\"}]}},"
                                   "\"lastPulledAt\":%" G_GINT64_FORMAT "}", t0);
  stale = request (shared, "POST", "/sync/push", a->token, wrapped_stale);
  assert_error (stale, 409);

  /* Content-Type does not matter: text/plain (browser fetch) and none at all. */
  plain = request_full (shared, "POST", "/sync/push?last_pulled_at=null", a->token, "text/plain;charset=UTF-8",
                        "{\"clients\":{\"created\":[{\"id\":\"plainAAAAAAAAAAA\",\"name\":\"T\"}],\"updated\":[],\"deleted\":[]}}");
  assert_status (plain, 200);
  none = request_full (shared, "POST", "/sync/push?last_pulled_at=null", a->token, NULL,
                       "{\"clients\":{\"created\":[{\"id\":\"noTypeAAAAAAAAAA\",\"name\":\"N\"}],\"updated\":[],\"deleted\":[]}}");
  assert_status (none, 200);
  {
    g_autoptr(Resp) full = pull_ok (shared, a, 0);

    g_assert_nonnull (find_record (full, "clients", "plainAAAAAAAAAAA"));
    g_assert_nonnull (find_record (full, "clients", "noTypeAAAAAAAAAA"));
  }
}

static void
test_sync_idempotent (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) replay = NULL;
  g_autoptr(Resp) conflicted = NULL;
  g_autoptr(Resp) retried = NULL;
  g_autofree char *push_id = g_uuid_string_random ();
  g_autofree char *push_id2 = g_uuid_string_random ();
  g_autofree char *path = NULL;
  g_autofree char *path2 = NULL;
  g_autofree char *path3 = NULL;
  const char *body = "{\"clients\":{\"created\":[{\"id\":\"idemAAAAAAAAAAAA\",\"name\":\"Once\"}],\"updated\":[],\"deleted\":[]}}";

  path = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT "&push_id=%s", timestamp_of (p0), push_id);
  {
    g_autoptr(Resp) first = request (shared, "POST", path, a->token, body);

    assert_status (first, 200);
  }
  /* Someone edits the record; a replay of the first push (its response was "lost")
   * answers 200 again and applies nothing: no 409 against its own write, no overwrite. */
  p1 = pull_ok (shared, a, timestamp_of (p0));
  push_ok (shared, a, timestamp_of (p1),
           "{\"clients\":{\"updated\":[{\"id\":\"idemAAAAAAAAAAAA\",\"name\":\"Later\"}]}}");
  replay = request (shared, "POST", path, a->token, body);
  assert_status (replay, 200);
  g_assert_true (json_object_get_boolean_member (obj (replay), "ok"));
  {
    g_autoptr(Resp) full = pull_ok (shared, a, 0);

    g_assert_cmpstr (json_object_get_string_member (find_record (full, "clients", "idemAAAAAAAAAAAA"), "name"), ==, "Later");
  }

  /* A rejected push is not recorded: the same push_id is evaluated afresh later. */
  path2 = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT "&push_id=%s", timestamp_of (p0), push_id2);
  conflicted = request (shared, "POST", path2, a->token,
                        "{\"clients\":{\"updated\":[{\"id\":\"idemAAAAAAAAAAAA\",\"name\":\"Stale\"}]}}");
  assert_error (conflicted, 409);
  {
    g_autoptr(Resp) fresh = pull_ok (shared, a, 0);

    path3 = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT "&push_id=%s", timestamp_of (fresh), push_id2);
  }
  retried = request (shared, "POST", path3, a->token,
                     "{\"clients\":{\"updated\":[{\"id\":\"idemAAAAAAAAAAAA\",\"name\":\"Fresh\"}]}}");
  assert_status (retried, 200);

  /* push_id in a wrapped body works the same way. */
  {
    g_autofree char *pid = g_uuid_string_random ();
    g_autoptr(Resp) fresh = pull_ok (shared, a, 0);
    g_autofree char *wrapped = g_strdup_printf ("{\"changes\":{\"tickets\":{\"created\":[{\"id\":\"ticketIdem000001\",\"title\":\"t\"}]}},"
                                                "\"lastPulledAt\":%" G_GINT64_FORMAT ",\"push_id\":\"%s\"}",
                                                timestamp_of (fresh), pid);
    g_autoptr(Resp) r1 = request (shared, "POST", "/sync/push", a->token, wrapped);
    g_autoptr(Resp) r2 = request (shared, "POST", "/sync/push", a->token, wrapped);
    g_autoptr(Resp) bad = request (shared, "POST", "/sync/push?push_id=%27%3B", a->token, "{}");

    assert_status (r1, 200);
    assert_status (r2, 200);
    assert_error (bad, 400);
  }
}

static void
collect_page (Resp       *page,
              GHashTable *live,
              GHashTable *deleted)
{
  JsonObject *changes = json_object_get_object_member (obj (page), "changes");
  GList *tables = json_object_get_members (changes);

  for (GList *l = tables; l != NULL; l = l->next)
    {
      JsonObject *t = json_object_get_object_member (changes, l->data);
      const char *lists[] = { "created", "updated" };

      for (guint i = 0; i < 2; i++)
        {
          JsonArray *array = json_object_get_array_member (t, lists[i]);

          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              JsonObject *record = json_array_get_object_element (array, j);
              const char *id = json_object_get_string_member (record, "id");

              g_hash_table_remove (deleted, id);
              g_hash_table_insert (live, g_strdup (id),
                                   g_strdup (json_object_get_string_member_with_default (record, "name",
                                                                                         json_object_get_string_member_with_default (record, "title", ""))));
            }
        }
      {
        JsonArray *array = json_object_get_array_member (t, "deleted");

        for (guint j = 0; j < json_array_get_length (array); j++)
          {
            g_hash_table_remove (live, json_array_get_string_element (array, j));
            g_hash_table_add (deleted, g_strdup (json_array_get_string_element (array, j)));
          }
      }
    }
  g_list_free (tables);
}

static void
test_sync_paging (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(GString) body = g_string_new ("{\"clients\":{\"created\":[");
  g_autoptr(GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) deleted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  gint64 page_ts = 0;
  guint pages = 0;
  gboolean more = TRUE;

  for (guint i = 0; i < 25; i++)
    g_string_append_printf (body, "%s{\"id\":\"page%012u\",\"name\":\"n%u\"}", i ? "," : "", i, i);
  g_string_append (body, "]},\"tickets\":{\"created\":[");
  for (guint i = 0; i < 7; i++)
    g_string_append_printf (body, "%s{\"id\":\"tick%012u\",\"title\":\"t%u\"}", i ? "," : "", i, i);
  g_string_append (body, "]}}");
  push_ok (shared, a, timestamp_of (p0), body->str);

  while (more)
    {
      g_autofree char *query = NULL;
      g_autoptr(Resp) page = NULL;
      guint n = 0;
      JsonObject *changes;
      GList *tables;

      if (cursor == NULL)
        query = g_strdup ("last_pulled_at=null&page_size=10");
      else
        query = g_strdup_printf ("last_pulled_at=null&page_size=10&cursor=%s", cursor);
      page = pull (shared, a, query);
      assert_status (page, 200);
      pages++;

      if (page_ts == 0)
        page_ts = timestamp_of (page);
      g_assert_cmpint (timestamp_of (page), ==, page_ts);

      changes = json_object_get_object_member (obj (page), "changes");
      tables = json_object_get_members (changes);
      for (GList *l = tables; l != NULL; l = l->next)
        {
          JsonObject *t = json_object_get_object_member (changes, l->data);

          n += json_array_get_length (json_object_get_array_member (t, "created"));
          n += json_array_get_length (json_object_get_array_member (t, "updated"));
          n += json_array_get_length (json_object_get_array_member (t, "deleted"));
        }
      g_list_free (tables);
      g_assert_cmpuint (n, <=, 10);
      collect_page (page, live, deleted);

      more = json_object_get_boolean_member (obj (page), "has_more");
      g_free (cursor);
      cursor = NULL;
      if (more)
        {
          g_assert_cmpuint (n, ==, 10);
          cursor = g_strdup (json_object_get_string_member (obj (page), "next_cursor"));
          g_assert_nonnull (cursor);
        }
      else
        g_assert_true (json_object_get_null_member (obj (page), "next_cursor"));

      /* Changes during paging: after page 1, edit a row already paged and one not yet
       * paged, and delete another not yet paged. */
      if (pages == 1)
        push_ok (shared, a, page_ts,
                 "{\"clients\":{\"updated\":[{\"id\":\"page000000000000\",\"name\":\"edited0\"},"
                 "{\"id\":\"page000000000020\",\"name\":\"edited20\"}],\"deleted\":[\"page000000000022\"]}}");
      /* A row created during paging. */
      if (pages == 2)
        push_ok (shared, a, page_ts, "{\"tickets\":{\"created\":[{\"id\":\"tickLate00000001\",\"title\":\"late\"}]}}");
    }
  g_assert_cmpuint (pages, >=, 3);

  /* The next incremental pull from the page timestamp brings what changed meanwhile. */
  {
    g_autoptr(Resp) next = pull_ok (shared, a, page_ts);
    g_autoptr(Resp) full = pull_ok (shared, a, 0);

    collect_page (next, live, deleted);
    g_assert_cmpuint (g_hash_table_size (live), ==, 25 - 1 + 7 + 1);
    g_assert_cmpstr (g_hash_table_lookup (live, "page000000000000"), ==, "edited0");
    g_assert_cmpstr (g_hash_table_lookup (live, "page000000000020"), ==, "edited20");
    g_assert_false (g_hash_table_contains (live, "page000000000022"));
    g_assert_true (g_hash_table_contains (live, "tickLate00000001"));
    g_assert_null (where_is (full, "clients", "page000000000022"));
  }

  /* A plain client never sees paging keys. */
  {
    g_autoptr(Resp) plain = pull_ok (shared, a, 0);

    g_assert_false (json_object_has_member (obj (plain), "next_cursor"));
    g_assert_false (json_object_has_member (obj (plain), "has_more"));
  }
}

static void
test_sync_monotonic (void)
{
  g_autoptr(Account) a = new_account (shared);
  gint64 last = 0;

  /* A write right after a pull is never stamped at or below that pull's timestamp. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("mono%012u", i);
      g_autofree char *body = client_json (id, "m", "created");
      g_autoptr(Resp) before = pull_ok (shared, a, last);
      g_autoptr(Resp) after = NULL;

      g_assert_cmpint (timestamp_of (before), >=, last);
      push_ok (shared, a, timestamp_of (before), body);
      after = pull_ok (shared, a, timestamp_of (before));
      g_assert_nonnull (where_is (after, "clients", id));
      g_assert_cmpint (timestamp_of (after), >, timestamp_of (before));
      last = timestamp_of (after);
    }
}

/* Two devices polling one account: each device's pull moves the clock, yet the other
 * device's next poll still finds nothing new and gets its own timestamp back; a write
 * or a deletion by one device reaches the other's next poll. */
static void
test_sync_two_devices (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) first_a = pull_ok (shared, a, 0);
  g_autoptr(Resp) first_b = pull_ok (shared, a, 0);
  gint64 ta = timestamp_of (first_a), tb = timestamp_of (first_b);
  g_autofree char *body = client_json ("twoDevAAAAAAAAAA", "from B", "created");

  g_assert_cmpint (tb, >, ta);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Resp) poll_a = pull_ok (shared, a, ta);
      g_autoptr(Resp) poll_b = pull_ok (shared, a, tb);

      g_assert_cmpuint (json_object_get_size (json_object_get_object_member (obj (poll_a), "changes")), ==, 0);
      g_assert_cmpint (timestamp_of (poll_a), ==, ta);
      g_assert_cmpint (timestamp_of (poll_b), ==, tb);
    }

  /* A timestamp this server never issued (in the future) is not echoed. */
  {
    g_autoptr(Resp) future = pull_ok (shared, a, tb + G_GINT64_CONSTANT (1000000000));

    g_assert_cmpint (timestamp_of (future), !=, tb + G_GINT64_CONSTANT (1000000000));
  }

  push_ok (shared, a, tb, body);
  {
    g_autoptr(Resp) poll_a = pull_ok (shared, a, ta);

    g_assert_cmpstr (where_is (poll_a, "clients", "twoDevAAAAAAAAAA"), ==, "created");
    g_assert_cmpint (timestamp_of (poll_a), >, tb);
    ta = timestamp_of (poll_a);
  }
  {
    g_autoptr(Resp) poll_b = pull_ok (shared, a, tb);

    g_assert_cmpstr (where_is (poll_b, "clients", "twoDevAAAAAAAAAA"), ==, "updated");
    tb = timestamp_of (poll_b);
  }

  /* B deletes it; A's next poll carries the deletion, then A is quiet again. */
  push_ok (shared, a, tb, "{\"clients\":{\"deleted\":[\"twoDevAAAAAAAAAA\"]}}");
  {
    g_autoptr(Resp) poll_a = pull_ok (shared, a, ta);
    g_autoptr(Resp) again = NULL;

    g_assert_cmpstr (where_is (poll_a, "clients", "twoDevAAAAAAAAAA"), ==, "deleted");
    again = pull_ok (shared, a, timestamp_of (poll_a));
    g_assert_cmpint (timestamp_of (again), ==, timestamp_of (poll_a));
  }
}

static void
test_sync_isolation (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Account) b = new_account (shared);
  g_autoptr(Resp) pa = pull_ok (shared, a, 0);
  g_autoptr(Resp) pb = pull_ok (shared, b, 0);
  g_autoptr(Resp) ra = NULL;
  g_autoptr(Resp) rb = NULL;

  push_ok (shared, a, timestamp_of (pa),
           "{\"clients\":{\"created\":[{\"id\":\"sharedIdAAAAAAAA\",\"name\":\"A's\"},{\"id\":\"onlyAAAAAAAAAAAA\",\"name\":\"A only\"}]}}");
  /* B uses the same id and guesses A's other id: both become B's own rows. */
  push_ok (shared, b, timestamp_of (pb),
           "{\"clients\":{\"created\":[{\"id\":\"sharedIdAAAAAAAA\",\"name\":\"B's\"}],"
           "\"updated\":[{\"id\":\"onlyAAAAAAAAAAAA\",\"name\":\"hijack\"}]}}");
  push_ok (shared, b, timestamp_of (pb) + 1000000, "{\"clients\":{\"deleted\":[\"sharedIdAAAAAAAA\"]}}");

  ra = pull_ok (shared, a, 0);
  rb = pull_ok (shared, b, 0);
  g_assert_cmpstr (json_object_get_string_member (find_record (ra, "clients", "sharedIdAAAAAAAA"), "name"), ==, "A's");
  g_assert_cmpstr (json_object_get_string_member (find_record (ra, "clients", "onlyAAAAAAAAAAAA"), "name"), ==, "A only");
  g_assert_null (where_is (rb, "clients", "sharedIdAAAAAAAA"));
  g_assert_cmpstr (json_object_get_string_member (find_record (rb, "clients", "onlyAAAAAAAAAAAA"), "name"), ==, "hijack");
  {
    g_autoptr(Resp) ia = pull_ok (shared, a, timestamp_of (pa));

    g_assert_cmpstr (where_is (ia, "clients", "sharedIdAAAAAAAA"), !=, "deleted");
  }
}

static void
test_sync_bad_input (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(GString) deep = g_string_new ("{\"clients\":{\"created\":[{\"id\":\"deepAAAAAAAAAAAA\",\"notes\":");
  g_autoptr(GString) deep_top = g_string_new (NULL);
  const char *bad_bodies[] = {
    "",
    "{",
    "not json",
    "[]",
    "\"clients\"",
    "null",
    "{\"clients\":[]}",
    "{\"clients\":{\"created\":{}}}",
    "{\"clients\":{\"created\":[1]}}",
    "{\"clients\":{\"created\":[{\"name\":\"no id\"}]}}",
    "{\"clients\":{\"created\":[{\"id\":42}]}}",
    "{\"clients\":{\"created\":[{\"id\":\"\"}]}}",
    "{\"clients\":{\"created\":[{\"id\":\"x'; DROP TABLE records;--\"}]}}",
    "{\"clients\":{\"created\":[{\"id\":\"../../etc/passwd\"}]}}",
    "{\"clients\":{\"created\":[{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}}",
    "{\"clients\":{\"deleted\":[{\"id\":\"x\"}]}}",
    "{\"clients\":{\"deleted\":[\"bad id\"]}}",
    "{\"clients; DROP TABLE users\":{\"created\":[]}}",
    "{\"__proto__\":{\"created\":[]}}",
    "{\"users\":{\"created\":[{\"id\":\"userAAAAAAAAAAAA\"}]}}",
    "{\"changes\":[]}",
    "{\"changes\":{},\"lastPulledAt\":\"yesterday\"}",
    "{\"changes\":{},\"lastPulledAt\":-5}",
    "{\"changes\":{},\"lastPulledAt\":1.5}",
    /* A valid table first, then garbage: nothing of it may be written. */
    "{\"clients\":{\"created\":[{\"id\":\"partialAAAAAAAAA\",\"name\":\"x\"}]},\"bogus\":{\"created\":[]}}",
    "{\"clients\":{\"created\":[{\"id\":\"partialAAAAAAAAA\",\"name\":\"x\"},{\"id\":\"bad/id\"}]}}",
  };
  g_autoptr(Resp) full = NULL;
  g_autoptr(Resp) health = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(Resp) resp = push (shared, a, 1, bad_bodies[i]);

      g_test_message ("bad body %u: %s", i, bad_bodies[i]);
      assert_error (resp, 400);
    }

  /* Invalid UTF-8. */
  {
    g_autoptr(Resp) resp = push (shared, a, 1, "{\"clients\":{\"created\":[{\"id\":\"utfAAAAAAAAAAAAA\",\"name\":\"\xff\xfe\"}]}}");

    assert_error (resp, 400);
  }

  /* 100k levels of nesting inside a value, and at the top: 400, no crash. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, "}]}}");
  for (guint i = 0; i < 200000; i++)
    g_string_append (deep_top, "{\"a\":");
  {
    g_autoptr(Resp) r1 = push (shared, a, 1, deep->str);
    g_autoptr(Resp) r2 = push (shared, a, 1, deep_top->str);

    assert_error (r1, 400);
    assert_error (r2, 400);
  }

  /* Odd but valid: SQL-ish column names are dropped, values are stored verbatim. */
  push_ok (shared, a, 1,
           "{\"clients\":{\"created\":[{\"id\":\"sqlishAAAAAAAAAA\",\"name\":\"Robert'); DROP TABLE records;--\","
           "\"name; DROP TABLE users\":\"x\",\"id\\\"\":\"y\"}]}}");

  full = pull_ok (shared, a, 0);
  g_assert_null (where_is (full, "clients", "partialAAAAAAAAA"));
  g_assert_null (where_is (full, "clients", "deepAAAAAAAAAAAA"));
  g_assert_null (where_is (full, "clients", "utfAAAAAAAAAAAAA"));
  g_assert_cmpstr (json_object_get_string_member (find_record (full, "clients", "sqlishAAAAAAAAAA"), "name"), ==,
                   "Robert'); DROP TABLE records;--");
  g_assert_cmpuint (json_object_get_size (find_record (full, "clients", "sqlishAAAAAAAAAA")), ==, 2);

  health = request (shared, "GET", "/health/db", NULL, NULL);
  assert_status (health, 200);
}

static char *
mutate (const char *base)
{
  static const char alphabet[] = "{}[]\",:0123456789\\-_.eEtruefalsn \x01\xc3\xff";
  GString *out = g_string_new (base);
  guint n = g_test_rand_int_range (1, 6);

  for (guint i = 0; i < n && out->len > 0; i++)
    {
      guint pos = g_test_rand_int_range (0, out->len);
      guint span = g_test_rand_int_range (1, 40);

      /* MIN evaluates twice: random numbers go through variables. */
      span = MIN (span, out->len - pos);
      switch (g_test_rand_int_range (0, 5))
        {
        case 0:
          out->str[pos] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
          break;
        case 1:
          g_string_insert_c (out, pos, alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)]);
          break;
        case 2:
          g_string_erase (out, pos, span);
          break;
        case 3:
          g_string_truncate (out, pos);
          break;
        default:
          {
            g_autofree char *chunk = g_strndup (out->str + pos, span);

            g_string_insert (out, g_test_rand_int_range (0, out->len), chunk);
          }
          break;
        }
    }
  return g_string_free (out, FALSE);
}

/* Random corruptions of valid requests (seeded: rerun with --seed from the log) get a
 * 4xx or succeed, never a 5xx, a hang or a crash. */
static void
test_sync_fuzz (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  const char *base =
    "{\"clients\":{\"created\":[{\"id\":\"fuzzClient000001\",\"name\":\"Ä \\\"q\\\"\",\"hourly_rate\":12,"
    "\"_status\":\"created\",\"_changed\":\"\"}],\"updated\":[{\"id\":\"fuzzClient000002\",\"notes\":null}],"
    "\"deleted\":[\"fuzzClient000003\"]},\"tickets\":{\"created\":[{\"id\":\"fuzzTicket000001\","
    "\"client_id\":\"fuzzClient000001\",\"title\":\"t\",\"created_at\":1795306764726}],\"updated\":[],\"deleted\":[]}}";
  const char *queries[] = {
    "last_pulled_at=%s&schema_version=1&migration=null",
    "last_pulled_at=1&migration=%s",
    "last_pulled_at=null&page_size=3&cursor=%s",
    "last_pulled_at=null&page_size=%s",
  };
  const char *query_values[] = {
    "null", "0", "17", "%7B%22tables%22%3A%5B%22clients%22%5D%7D", "djEuMS4wLmNsaWVudHMuMS5h", "", "%00", "%FF", "1e9",
  };

  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *body = mutate (base);
      g_autofree char *wrapped = g_strdup_printf ("{\"changes\":%s,\"lastPulledAt\":%" G_GINT64_FORMAT ",\"push_id\":\"fuzz-%u\"}",
                                                  body, timestamp_of (p0), i);
      g_autoptr(Resp) r1 = push (shared, a, timestamp_of (p0), body);
      g_autoptr(Resp) r2 = request (shared, "POST", "/sync/push", a->token, wrapped);
      g_autofree char *shown = g_strescape (body, NULL); /* the log is UTF-8 TAP */

      g_test_message ("fuzz %u: %s", i, shown);
      g_assert_true (r1->status == 200 || r1->status == 400 || r1->status == 409);
      g_assert_true (r2->status == 200 || r2->status == 400 || r2->status == 409);
      if (r1->status != 200)
        assert_error (r1, r1->status);
    }

  for (guint i = 0; i < 60; i++)
    {
      const char *value = query_values[g_test_rand_int_range (0, G_N_ELEMENTS (query_values))];
      g_autofree char *mutated = mutate (value[0] != '\0' ? value : "x");
      g_autofree char *escaped = g_uri_escape_string (mutated, NULL, FALSE);
      const char *template = queries[g_test_rand_int_range (0, G_N_ELEMENTS (queries))];
      g_auto(GStrv) parts = g_strsplit (template, "%s", 2);
      g_autofree char *query = g_strconcat (parts[0], g_test_rand_bit () ? escaped : value, parts[1], NULL);
      g_autoptr(Resp) resp = pull (shared, a, query);

      g_test_message ("pull fuzz %u: %s", i, query);
      g_assert_true (resp->status == 200 || resp->status == 400);
    }

  {
    g_autoptr(Resp) health = request (shared, "GET", "/health/db", NULL, NULL);
    g_autoptr(Resp) full = NULL;

    assert_status (health, 200);
    assert_full_pull_is_json (shared, a);
    full = pull_ok (shared, a, 0);
  }
}

/* Values json-glib parses but cannot write back as JSON: a number literal too big for a
 * double (1e999 is infinity, once stored as "inf.0"), a double printed with an exponent
 * and no dot (1e300 came out as "1e+300.0"), and an escaped lone surrogate (stored as
 * invalid UTF-8). Each broke every later pull of the account with a 200 that is not
 * JSON. Non-finite numbers are dropped like any value of the wrong type, the rest is
 * kept and written correctly (sync-protocol.md §3.2 rule 9: sanitise, do not fail). */
static void
test_sync_unwritable_values (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) push_resp = NULL;
  g_autoptr(Resp) full = NULL;
  JsonObject *record;
  const char *text;

  push_resp = push (shared, a, 1,
                    "{\"clients\":{\"created\":["
                    "{\"id\":\"infAAAAAAAAAAAAA\",\"name\":\"inf\",\"hourly_rate\":1e999,\"created_at\":-1e999,"
                    "\"updated_at\":17953e06764726},"
                    "{\"id\":\"expAAAAAAAAAAAAA\",\"name\":\"exp\",\"hourly_rate\":1e300,\"created_at\":1e17,"
                    "\"updated_at\":12.0},"
                    "{\"id\":\"surrogateAAAAAAA\",\"name\":\"a\\udc00bc\",\"notes\":\"\\ud800xyz\"}],"
                    "\"updated\":[],\"deleted\":[]},"
                    "\"tickets\":{\"created\":[{\"id\":\"surrogateTicket1\",\"client_id\":\"\\udc00xyz\",\"title\":\"t\"}],"
                    "\"updated\":[],\"deleted\":[]}}");
  assert_status (push_resp, 200);
  g_assert_true (json_object_get_boolean_member (obj (push_resp), "ok"));

  assert_full_pull_is_json (shared, a);
  full = pull_ok (shared, a, 0);

  record = find_record (full, "clients", "infAAAAAAAAAAAAA");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "name"), ==, "inf");
  g_assert_false (json_object_has_member (record, "hourly_rate"));
  g_assert_false (json_object_has_member (record, "created_at"));
  g_assert_false (json_object_has_member (record, "updated_at"));

  record = find_record (full, "clients", "expAAAAAAAAAAAAA");
  g_assert_nonnull (record);
  g_assert_cmpfloat (json_object_get_double_member (record, "hourly_rate"), ==, 1e300);
  g_assert_cmpfloat (json_object_get_double_member (record, "created_at"), ==, 1e17);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (record, "updated_at")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (record, "updated_at"), ==, 12.0);

  record = find_record (full, "clients", "surrogateAAAAAAA");
  g_assert_nonnull (record);
  text = json_object_get_string_member (record, "name");
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_true (g_str_has_prefix (text, "a"));
  g_assert_true (g_str_has_suffix (text, "c"));
  g_assert_nonnull (strstr (text, "\xef\xbf\xbd"));
  g_assert_true (g_utf8_validate (json_object_get_string_member (record, "notes"), -1, NULL));

  record = find_record (full, "tickets", "surrogateTicket1");
  g_assert_nonnull (record);
  g_assert_true (g_utf8_validate (json_object_get_string_member (record, "client_id"), -1, NULL));
}

static void
test_sync_body_limit (void)
{
  const char *args[] = { "--max-body-bytes", "4096", NULL };
  Srv *srv = srv_start (args);
  g_autoptr(Account) a = new_account (srv);
  g_autoptr(GString) big = g_string_new ("{\"clients\":{\"created\":[{\"id\":\"bigAAAAAAAAAAAAA\",\"notes\":\"");
  g_autoptr(Resp) resp = NULL;
  g_autoptr(Resp) after = NULL;

  for (guint i = 0; i < 8192; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"}]}}");
  resp = push (srv, a, 1, big->str);
  assert_error (resp, 413);

  /* A chunked body (no Content-Length) is counted as it arrives. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) raw = g_string_new (NULL);
    g_autofree char *host_port = g_strdup (srv->uri + strlen ("http://"));
    char buf[4096];
    gssize n;
    GOutputStream *out;
    GInputStream *in;
    g_autoptr(GString) answer = g_string_new (NULL);

    conn = g_socket_client_connect_to_host (client, host_port, 80, NULL, &error);
    g_assert_no_error (error);
    g_string_append_printf (raw, "POST /sync/push?last_pulled_at=1 HTTP/1.1\r\nHost: %s\r\n"
                            "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n", host_port, a->token);
    for (guint i = 0; i < 8; i++)
      {
        g_string_append_printf (raw, "400\r\n");
        for (guint j = 0; j < 0x400; j++)
          g_string_append_c (raw, ' ');
        g_string_append (raw, "\r\n");
      }
    g_string_append (raw, "0\r\n\r\n");
    out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    g_output_stream_write_all (out, raw->str, raw->len, NULL, NULL, &error);
    g_assert_no_error (error);
    in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
      {
        g_string_append_len (answer, buf, n);
        if (strstr (answer->str, "\r\n\r\n") != NULL && strstr (answer->str, "}") != NULL)
          break;
      }
    g_assert_true (g_str_has_prefix (answer->str, "HTTP/1.1 413"));
  }

  after = pull_ok (srv, a, 0);
  g_assert_null (where_is (after, "clients", "bigAAAAAAAAAAAAA"));
  srv_stop (srv);
}

static void
test_sync_migration (void)
{
  g_autoptr(Account) a = new_account (shared);
  g_autoptr(Resp) p0 = pull_ok (shared, a, 0);
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(Resp) mig = NULL;
  g_autoptr(Resp) bad = NULL;
  g_autofree char *query = NULL;
  g_autofree char *escaped = NULL;
  const char *migration = "{\"from\":1,\"tables\":[\"invoices\",\"no_such_table\"],"
                          "\"columns\":[{\"table\":\"tickets\",\"columns\":[\"due_on\",\"__proto__\"]},"
                          "{\"table\":\"bogus\",\"columns\":[\"x\"]}]}";

  push_ok (shared, a, timestamp_of (p0),
           "{\"invoices\":{\"created\":[{\"id\":\"migInvoice000001\",\"number\":\"1\"}]},"
           "\"tickets\":{\"created\":[{\"id\":\"migTicketDue0001\",\"title\":\"a\",\"due_on\":\"2026-01-01\"},"
           "{\"id\":\"migTicketNone001\",\"title\":\"b\",\"due_on\":\"\"},"
           "{\"id\":\"migTicketNull001\",\"title\":\"c\",\"due_on\":null}]},"
           "\"clients\":{\"created\":[{\"id\":\"migClient0000001\",\"name\":\"c\"}]}}");
  p1 = pull_ok (shared, a, timestamp_of (p0));

  escaped = g_uri_escape_string (migration, NULL, TRUE);
  query = g_strdup_printf ("last_pulled_at=%" G_GINT64_FORMAT "&schema_version=3&migration=%s", timestamp_of (p1), escaped);
  mig = pull (shared, a, query);
  assert_status (mig, 200);
  g_assert_cmpstr (where_is (mig, "invoices", "migInvoice000001"), ==, "created");
  g_assert_cmpstr (where_is (mig, "tickets", "migTicketDue0001"), ==, "updated");
  g_assert_null (where_is (mig, "tickets", "migTicketNone001"));
  g_assert_null (where_is (mig, "tickets", "migTicketNull001"));
  g_assert_null (where_is (mig, "clients", "migClient0000001"));
  g_assert_false (json_object_has_member (json_object_get_object_member (obj (mig), "changes"), "no_such_table"));
  g_assert_false (json_object_has_member (json_object_get_object_member (obj (mig), "changes"), "bogus"));

  bad = pull (shared, a, "last_pulled_at=1&migration=%7B%22tables%22%3A5%7D");
  assert_error (bad, 400);
}

static void
test_idle_timeout (void)
{
  const char *args[] = { "--idle-timeout", "1", NULL };
  Srv *srv = srv_start (args);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_port = g_strdup (srv->uri + strlen ("http://"));
  gint64 start = g_get_monotonic_time ();
  char buf[256];
  gssize n;

  conn = g_socket_client_connect_to_host (client, host_port, 80, NULL, &error);
  g_assert_no_error (error);
  /* Half a request line, then silence: the server must hang up. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), "GET /hea", 8, NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 10);
  do
    n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf, NULL, &error);
  while (n > 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 8 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* The server still works. */
  {
    g_autoptr(Resp) resp = request (srv, "GET", "/health", NULL, NULL);

    assert_status (resp, 200);
  }
  srv_stop (srv);
}

/* ---- Two processes on one database ----------------------------------------------------- */

static gint finished;

typedef struct
{
  Srv        *srv;
  Account    *account;
  guint       worker;
  guint       n_pushes;
  guint       per_push;
  gboolean    failed;
} PushWorker;

static gpointer
push_worker (gpointer data)
{
  PushWorker *w = data;

  for (guint i = 0; i < w->n_pushes; i++)
    {
      g_autoptr(GString) body = g_string_new ("{\"clients\":{\"created\":[");
      g_autoptr(Resp) before = NULL;
      g_autoptr(Resp) resp = NULL;

      for (guint j = 0; j < w->per_push; j++)
        g_string_append_printf (body, "%s{\"id\":\"w%u-%u-%u\",\"name\":\"x\"}", j ? "," : "", w->worker, i, j);
      g_string_append (body, "]}}");
      before = request (w->srv, "GET", "/sync/pull?last_pulled_at=null&page_size=1", w->account->token, NULL);
      if (before->status != 200)
        w->failed = TRUE;
      resp = push (w->srv, w->account, json_object_get_int_member (obj (before), "timestamp"), body->str);
      if (resp->status != 200)
        {
          g_printerr ("push failed: %u %s\n", resp->status, resp->body);
          w->failed = TRUE;
        }
    }
  g_atomic_int_inc (&finished);
  return NULL;
}

/* Two server processes on one database, pushes interleaved from four threads while an
 * incremental puller follows along: the puller must end up with every record. If stamps
 * could commit out of order, it would skip some. */
static void
test_two_processes (void)
{
  Srv *one, *two;
  g_autoptr(Account) account = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PushWorker workers[4];
  GThread *threads[4];
  gint64 lpa = 0;
  guint n_pushes = 15, per_push = 5;

  g_setenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS", "0-15", TRUE);
  one = srv_start (NULL);
  two = srv_start_in (one->dir, NULL);
  g_unsetenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS");
  finished = 0;
  account = new_account (one);

  for (guint i = 0; i < 4; i++)
    {
      workers[i] = (PushWorker) { i % 2 ? two : one, account, i, n_pushes, per_push, FALSE };
      threads[i] = g_thread_new ("pusher", push_worker, &workers[i]);
    }

  /* Follow along with incremental pulls, alternating between the processes, until
   * every pusher is done. */
  for (;;)
    {
      g_autoptr(Resp) resp = pull_ok (g_random_boolean () ? two : one, account, lpa);

      collect_page (resp, seen, gone);
      g_assert_cmpint (timestamp_of (resp), >=, lpa);
      lpa = timestamp_of (resp);
      if (g_atomic_int_get (&finished) == 4)
        break;
      g_usleep (1000);
    }

  for (guint i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_false (workers[i].failed);
    }
  {
    g_autoptr(Resp) last = pull_ok (one, account, lpa);

    collect_page (last, seen, gone);
  }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 4 * n_pushes * per_push);

  srv_stop (two);
  srv_stop (one);
}

static void
test_default_secret_and_shutdown (void)
{
  /* SIGTERM ends the server cleanly (exit status 0, checked in srv_stop) and the
   * token secret file is created with mode 0600. */
  Srv *srv = srv_start (NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (srv->secret_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 32);
  /* The database holds password hashes: not readable by others either. */
  if (database_uri () == NULL)
    {
      g_autofree char *db = g_build_filename (srv->dir, "server.db", NULL);

      g_assert_cmpint (g_stat (db, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 077, ==, 0);
    }
  srv_stop (srv);
}

typedef struct
{
  Srv     *srv;
  Account *account;
  gint64   lpa;
  guint    status;
  gint     done;
  const char *body;   /* NULL: create the client inFlight00000001 */
} SlowPush;

static gpointer
slow_push_thread (gpointer data)
{
  SlowPush *sp = data;
  g_autoptr(Resp) resp = push (sp->srv, sp->account, sp->lpa,
                               sp->body != NULL ? sp->body
                                                : "{\"clients\":{\"created\":[{\"id\":\"inFlight00000001\",\"name\":\"x\"}]}}");

  sp->status = resp->status;
  g_atomic_int_set (&sp->done, 1);
  return NULL;
}

/* SIGTERM while a push is between its checks and its commit: the push still commits
 * and is answered, then the server exits 0; a restarted server has the record. */
static void
test_shutdown_drains (void)
{
  Srv *srv, *again;
  g_autoptr(Account) account = NULL;
  g_autoptr(Resp) p0 = NULL;
  g_autoptr(Resp) after = NULL;
  g_autofree char *dir = NULL;
  SlowPush sp = { 0, };
  GThread *thread;

  g_setenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS", "700", TRUE);
  srv = srv_start (NULL);
  g_unsetenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS");
  account = new_account (srv);
  p0 = pull_ok (srv, account, 0);

  sp = (SlowPush) { srv, account, timestamp_of (p0), 0 };
  thread = g_thread_new ("slow-push", slow_push_thread, &sp);
  g_usleep (150 * 1000);
  dir = g_strdup (srv->dir);
  /* The push now waits 700 ms before its commit. */
  srv_stop (srv);
  g_thread_join (thread);
  g_assert_cmpuint (sp.status, ==, 200);

  again = srv_start_in (dir, NULL);
  after = pull_ok (again, account, 0);
  g_assert_nonnull (find_record (after, "clients", "inFlight00000001"));
  srv_stop (again);
}

/* The classic sync race: a push has stamped its rows and not yet committed while pulls run.
 * Every timestamp a pull hands out must cover every row at or below it: a pull that did not
 * include the pushed record must see it when the client pulls from that timestamp. The push
 * is held 400 ms before its commit (the testing aid), and pulls run all through that time:
 * from a timestamp with changes after it (the full path: clock bump, then a snapshot) and
 * from the newest timestamp (the unchanged path, one read of the clock). */
static void
test_pull_during_commit (void)
{
  Srv *srv;
  g_autoptr(Account) account = NULL;
  g_autoptr(Resp) p0 = NULL;
  g_autoptr(Resp) p1 = NULL;
  g_autoptr(GArray) missed = g_array_new (FALSE, FALSE, sizeof (gint64));
  SlowPush sp = { 0, };
  GThread *thread;
  gint64 t0, t1;
  guint n_pulls = 0, n_with = 0;

  g_setenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS", "400", TRUE);
  srv = srv_start (NULL);
  g_unsetenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS");
  account = new_account (srv);
  p0 = pull_ok (srv, account, 0);
  t0 = timestamp_of (p0);
  push_ok (srv, account, t0, "{\"clients\":{\"created\":[{\"id\":\"earlier000000001\",\"name\":\"e\"}]}}");
  p1 = pull_ok (srv, account, t0);
  t1 = timestamp_of (p1);

  sp = (SlowPush) { srv, account, t1, 0, 0 };
  thread = g_thread_new ("slow-push", slow_push_thread, &sp);
  /* The push is now held before its commit. Pull until it has been answered, and once more;
   * a pull on the full path waits for the commit (it bumps the locked clock), one on the
   * unchanged path does not. */
  g_usleep (250 * 1000);
  for (gboolean last = FALSE; !last; )
    {
      last = g_atomic_int_get (&sp.done);
      for (guint k = 0; k < 2; k++)
        {
          g_autoptr(Resp) p = pull_ok (srv, account, k == 0 ? t1 : t0);
          gint64 t = timestamp_of (p);

          n_pulls++;
          if (find_record (p, "clients", "inFlight00000001") != NULL)
            n_with++;
          else
            g_array_append_val (missed, t);
        }
      g_usleep (20 * 1000);
    }
  g_thread_join (thread);
  g_assert_cmpuint (sp.status, ==, 200);
  g_test_message ("%u pulls while the push was held or just after; %u had the record", n_pulls, n_with);
  /* The window was covered on both sides of the commit. */
  g_assert_cmpuint (missed->len, >, 0);
  g_assert_cmpuint (n_with, >, 0);

  for (guint i = 0; i < missed->len; i++)
    {
      g_autoptr(Resp) again = pull_ok (srv, account, g_array_index (missed, gint64, i));

      if (find_record (again, "clients", "inFlight00000001") == NULL)
        g_error ("a pull returned timestamp %" G_GINT64_FORMAT " without the record, and a pull from "
                 "that timestamp does not have it either", g_array_index (missed, gint64, i));
    }
  srv_stop (srv);
}

/* Two pushes made from the same pull change one record; the first is held between stamping
 * and commit. The second waits for the clock and must then see the first one's commit: a
 * conflict (409), never an update or a delete applied over it (a lost update; the delete's
 * cascade would also take children along unseen). */
static void
test_push_during_commit (void)
{
  const char *seconds[] = {
    "{\"clients\":{\"updated\":[{\"id\":\"contested0000001\",\"name\":\"second\"}]}}",
    "{\"clients\":{\"deleted\":[\"contested0000001\"]}}",
  };
  Srv *srv;
  g_autoptr(Account) account = NULL;
  g_autoptr(Resp) p0 = NULL;

  g_setenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS", "400", TRUE);
  srv = srv_start (NULL);
  g_unsetenv ("GIGPILOT_SERVER_TEST_COMMIT_DELAY_MS");
  account = new_account (srv);
  p0 = pull_ok (srv, account, 0);
  push_ok (srv, account, timestamp_of (p0),
           "{\"clients\":{\"created\":[{\"id\":\"contested0000001\",\"name\":\"first\"}]}}");

  for (guint i = 0; i < G_N_ELEMENTS (seconds); i++)
    {
      g_autoptr(Resp) p1 = pull_ok (srv, account, 0);
      g_autoptr(Resp) second = NULL;
      g_autoptr(Resp) after = NULL;
      g_autofree char *body = g_strdup_printf ("{\"clients\":{\"updated\":[{\"id\":\"contested0000001\","
                                               "\"name\":\"held %u\"}]}}", i);
      SlowPush sp = { srv, account, timestamp_of (p1), 0, 0, body };
      GThread *thread = g_thread_new ("slow-push", slow_push_thread, &sp);
      g_autofree char *expected = g_strdup_printf ("held %u", i);
      JsonObject *record;

      g_usleep (250 * 1000);
      second = push (srv, account, timestamp_of (p1), seconds[i]);
      g_thread_join (thread);
      g_assert_cmpuint (sp.status, ==, 200);
      assert_error (second, 409);

      after = pull_ok (srv, account, 0);
      record = find_record (after, "clients", "contested0000001");
      g_assert_nonnull (record);
      g_assert_cmpstr (json_object_get_string_member (record, "name"), ==, expected);
    }
  srv_stop (srv);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  test_dir = g_dir_make_tmp ("gigpilot-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  {
    /* Tests register many accounts from one address. */
    const char *args[] = { "--login-attempts-per-minute", "0", NULL };

    shared = srv_start (args);
  }

  g_test_add_func ("/server/health", test_health);
  g_test_add_func ("/server/version-help", test_version_help);
  g_test_add_func ("/server/secret-and-shutdown", test_default_secret_and_shutdown);
  g_test_add_func ("/server/auth/register-login", test_auth_register_login);
  g_test_add_func ("/server/auth/tokens", test_auth_tokens);
  g_test_add_func ("/server/auth/refresh", test_auth_refresh);
  g_test_add_func ("/server/auth/rate-limit", test_auth_rate_limit);
  g_test_add_func ("/server/auth/lifetime", test_auth_lifetime);
  g_test_add_func ("/server/pull/params", test_pull_params);
  g_test_add_func ("/server/sync/roundtrip", test_sync_roundtrip);
  g_test_add_func ("/server/sync/p1-created-vs-updated", test_sync_p1_created_vs_updated);
  g_test_add_func ("/server/sync/upsert-rules", test_sync_upsert_rules);
  g_test_add_func ("/server/sync/conflict", test_sync_conflict);
  g_test_add_func ("/server/sync/delete-rules", test_sync_delete_rules);
  g_test_add_func ("/server/sync/parent-rules", test_sync_parent_rules);
  g_test_add_func ("/server/sync/tombstones", test_sync_tombstones);
  g_test_add_func ("/server/sync/cascade", test_sync_cascade);
  g_test_add_func ("/server/sync/bodies", test_sync_bodies);
  g_test_add_func ("/server/sync/idempotent", test_sync_idempotent);
  g_test_add_func ("/server/sync/paging", test_sync_paging);
  g_test_add_func ("/server/sync/monotonic", test_sync_monotonic);
  g_test_add_func ("/server/sync/two-devices", test_sync_two_devices);
  g_test_add_func ("/server/sync/isolation", test_sync_isolation);
  g_test_add_func ("/server/sync/bad-input", test_sync_bad_input);
  g_test_add_func ("/server/sync/body-limit", test_sync_body_limit);
  g_test_add_func ("/server/sync/fuzz", test_sync_fuzz);
  g_test_add_func ("/server/sync/unwritable-values", test_sync_unwritable_values);
  g_test_add_func ("/server/sync/migration", test_sync_migration);
  g_test_add_func ("/server/idle-timeout", test_idle_timeout);
  g_test_add_func ("/server/two-processes", test_two_processes);
  g_test_add_func ("/server/shutdown-drains", test_shutdown_drains);
  g_test_add_func ("/server/sync/pull-during-commit", test_pull_during_commit);
  g_test_add_func ("/server/sync/push-during-commit", test_push_during_commit);

  rc = g_test_run ();

  srv_stop (shared);
  if (rc == 0)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (test_dir);
      g_autoptr(GFileEnumerator) children = NULL;

      /* Remove the temp tree: test_dir, one directory per server, their files. */
      children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
      while (children != NULL)
        {
          GFileInfo *info = NULL;
          GFile *child = NULL;

          if (!g_file_enumerator_iterate (children, &info, &child, NULL, NULL) || info == NULL)
            break;
          {
            g_autoptr(GFileEnumerator) inner = g_file_enumerate_children (child, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);

            while (inner != NULL)
              {
                GFileInfo *i2 = NULL;
                GFile *c2 = NULL;

                if (!g_file_enumerator_iterate (inner, &i2, &c2, NULL, NULL) || i2 == NULL)
                  break;
                g_file_delete (c2, NULL, NULL);
              }
          }
          g_file_delete (child, NULL, NULL);
        }
      g_file_delete (dir, NULL, NULL);
    }
  g_free (test_dir);
  return rc;
}

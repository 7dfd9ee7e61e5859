/* gp-server.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sodium.h>

#include "gp-server.h"
#include "gp-server-sync.h"
#include "gp-server-token.h"

/* The HTTP side of gigpilot-server. The SoupServer main context only reads headers,
 * checks tokens and routes: database work and password hashing run on two thread pools
 * while the message is paused (soup_server_message_pause), and the reply is set back
 * on the main context. Password hashing has its own small pool because each argon2id
 * hash takes 64 MiB (by default) and ~100 ms; the pool size caps the memory. */

#define REQUEST_START_KEY "gp-request-start"
#define REQUEST_USER_KEY  "gp-request-user"
#define BODY_SEEN_KEY     "gp-body-seen"
/* Waiting hash jobs beyond this get 503 instead of queueing without bound. */
#define MAX_QUEUED_HASHES 64
#define MIN_PASSWORD_LEN  8
#define MAX_PASSWORD_LEN  1024
#define MAX_AUTH_BODY     (64 * 1024)
/* Longest delay after repeated failed logins of one account, in seconds. */
#define MAX_LOGIN_DELAY   900
/* Addresses and accounts tracked for rate limits before stale entries are dropped. */
#define MAX_TRACKED       10000
/* Push ledger rows are kept this long for retries (ms); expired refresh tokens a day. */
#define LEDGER_RETENTION  ((gint64) 30 * 24 * 3600 * 1000)
#define REFRESH_GRACE     ((gint64) 24 * 3600 * 1000)
#define PRUNE_INTERVAL_S  3600
/* Request log lines written to a plain stderr go out in batches: at this size or
 * after LOG_FLUSH_MS, whichever comes first. */
#define LOG_BUFFER_SIZE   (16 * 1024)
#define LOG_FLUSH_MS      250

struct _GpServer
{
  GObject          parent_instance;

  /* Owned */
  SoupServer      *soup;
  GpBackend       *backend;
  GBytes          *token_key;
  GThreadPool     *db_pool;
  GThreadPool     *hash_pool;
  GHashTable      *address_buckets;  /* address -> Bucket */
  GHashTable      *account_failures; /* email -> Failures */
  GpConn          *inline_conn;      /* answers unchanged pulls on the main thread */
  GString         *log_buffer;       /* NULL: log each request through g_log */

  GpServerOptions  options;
  guint            prune_id;
  guint            log_flush_id;
  guint            in_flight;
  gboolean         shutting_down;
};

G_DEFINE_FINAL_TYPE (GpServer, gp_server, G_TYPE_OBJECT)

typedef struct
{
  double  tokens;
  gint64  updated_us;
} Bucket;

typedef struct
{
  guint   count;
  gint64  last_us;
} Failures;

typedef enum
{
  JOB_HEALTH_DB,
  JOB_REGISTER,
  JOB_LOGIN,
  JOB_REFRESH,
  JOB_PULL,
  JOB_PUSH,
  JOB_PRUNE,
} JobKind;

typedef enum
{
  LOGIN_OTHER,
  LOGIN_OK,
  LOGIN_BAD_CREDENTIALS,
} LoginOutcome;

typedef struct
{
  GpServer          *server;
  SoupServerMessage *msg;
  gulong             finished_id;
  gulong             disconnected_id;
  gboolean           gone;
  JobKind            kind;
  char              *user_id;
  char              *email;
  GHashTable        *query;
  GBytes            *body;
  gint64             now_ms;
  GpReply            reply;
  LoginOutcome       login_outcome;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  if (job->msg != NULL && job->finished_id != 0)
    g_signal_handler_disconnect (job->msg, job->finished_id);
  if (job->msg != NULL && job->disconnected_id != 0)
    g_signal_handler_disconnect (job->msg, job->disconnected_id);
  g_clear_object (&job->msg);
  g_clear_object (&job->server);
  g_free (job->user_id);
  g_free (job->email);
  g_clear_pointer (&job->query, g_hash_table_unref);
  g_clear_pointer (&job->body, g_bytes_unref);
  gp_reply_clear (&job->reply);
  g_free (job);
}

void
gp_server_options_init (GpServerOptions *options)
{
  options->access_token_lifetime = 15 * 60;
  options->refresh_token_lifetime = 30 * 24 * 3600;
  options->max_body_bytes = 10 * 1024 * 1024;
  options->idle_timeout = 60;
  options->login_attempts_per_minute = 30;
  options->login_failures_before_delay = 5;
  options->hash_workers = 2;
  options->hash_memory_mib = crypto_pwhash_MEMLIMIT_INTERACTIVE / (1024 * 1024);
}

const char *
gp_server_version (void)
{
  return PACKAGE_VERSION;
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* ---- Replies -------------------------------------------------------------------- */

static void
set_json (SoupServerMessage *msg,
          guint              status,
          char              *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
set_error (SoupServerMessage *msg,
           guint              status,
           const char        *message)
{
  GpReply reply = { 0, };

  gp_reply_set_error (&reply, status, message);
  set_json (msg, status, g_steal_pointer (&reply.body));
}

static void
set_retry_after (SoupServerMessage *msg,
                 gint64             seconds)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (seconds, 1));

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", value);
}

/* ---- Request bookkeeping --------------------------------------------------------- */

static void
flush_log (GpServer *self)
{
  gsize done = 0;

  g_clear_handle_id (&self->log_flush_id, g_source_remove);
  if (self->log_buffer == NULL)
    return;

  while (done < self->log_buffer->len)
    {
      gssize n = write (STDERR_FILENO, self->log_buffer->str + done, self->log_buffer->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  g_string_truncate (self->log_buffer, 0);
}

static gboolean
flush_log_cb (gpointer user_data)
{
  GpServer *self = user_data;

  self->log_flush_id = 0;
  flush_log (self);
  return G_SOURCE_REMOVE;
}

static void
log_request (GpServer          *self,
             SoupServerMessage *msg)
{
  gint64 *start = g_object_get_data (G_OBJECT (msg), REQUEST_START_KEY);
  const char *user = g_object_get_data (G_OBJECT (msg), REQUEST_USER_KEY);
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  guint status;
  double duration;
  const char *path;

  if (start == NULL || method == NULL || uri == NULL)
    return;

  /* Only the path: query strings and bodies may carry data, and passwords and tokens
   * never appear in a log line. */
  path = g_uri_get_path (uri);
  status = soup_server_message_get_status (msg);
  duration = (g_get_monotonic_time () - *start) / 1000.0;

  if (self->log_buffer == NULL)
    {
      char status_text[16], duration_text[32];

      /* The journal gets each request with its fields. */
      g_snprintf (status_text, sizeof status_text, "%u", status);
      g_snprintf (duration_text, sizeof duration_text, "%.1f", duration);
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "MESSAGE", "%s %s %s %sms user=%s", method, path, status_text, duration_text,
                        user != NULL ? user : "-",
                        "GP_HTTP_METHOD", method,
                        "GP_HTTP_PATH", path,
                        "GP_HTTP_STATUS", status_text,
                        "GP_DURATION_MS", duration_text,
                        "GP_USER_ID", user != NULL ? user : "");
      return;
    }

  /* A plain stream gets the same line as GLib's default writer would print, but the
   * busy path costs one write() per batch instead of one per request. */
  {
    gint64 now = g_get_real_time ();
    time_t seconds = now / G_USEC_PER_SEC;
    struct tm tm;

    localtime_r (&seconds, &tm);
    g_string_append_printf (self->log_buffer,
                            G_LOG_DOMAIN "-Message: %02d:%02d:%02d.%03d: %s %s %u %.1fms user=%s\n",
                            tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (now % G_USEC_PER_SEC / 1000),
                            method, path, status, duration, user != NULL ? user : "-");
  }
  /* Only the bulk, successful syncs, waits: auth and failures are written at once
   * (after what was waiting, so the order stays). */
  if (self->log_buffer->len >= LOG_BUFFER_SIZE || status >= 300 || !g_str_has_prefix (path, "/sync/"))
    flush_log (self);
  else if (self->log_flush_id == 0)
    self->log_flush_id = g_timeout_add (LOG_FLUSH_MS, flush_log_cb, self);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     GpServer          *self)
{
  log_request (self, msg);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    GpServer          *self)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  /* SoupServer has no idle timeout of its own. GSocket's timeout applies to the
   * sources libsoup polls the connection with, so a client that stays silent (or
   * trickles a request) for idle_timeout seconds has its connection closed. */
  if (socket != NULL && self->options.idle_timeout > 0)
    g_socket_set_timeout (socket, self->options.idle_timeout);
}

static void
reject_too_large (GpServer          *self,
                  SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* Whatever is still sent is read and dropped, never buffered. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request body too large");
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              GpServer          *self)
{
  gsize *seen = g_object_get_data (G_OBJECT (msg), BODY_SEEN_KEY);

  if (seen == NULL)
    return;
  *seen += g_bytes_get_size (chunk);
  if (*seen > self->options.max_body_bytes && soup_server_message_get_status (msg) == 0)
    reject_too_large (self, msg);
}

static void
early_handler_cb (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  GpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  gint64 start = g_get_monotonic_time ();

  g_object_set_data_full (G_OBJECT (msg), REQUEST_START_KEY, g_memdup2 (&start, sizeof start), g_free);

  /* 413 from Content-Length before a byte of the body is buffered; chunked bodies
   * are counted as they arrive. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      if ((guint64) soup_message_headers_get_content_length (headers) > self->options.max_body_bytes)
        reject_too_large (self, msg);
    }
  else
    {
      g_object_set_data_full (G_OBJECT (msg), BODY_SEEN_KEY, g_new0 (gsize, 1), g_free);
      g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
    }
}

/* ---- Jobs ------------------------------------------------------------------------ */

static void
message_gone_cb (SoupServerMessage *msg,
                 Job               *job)
{
  job->gone = TRUE;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GpServer *self = GP_SERVER (source);
  Job *job = g_task_get_task_data (G_TASK (result));

  self->in_flight--;

  if (job->kind == JOB_LOGIN && job->email != NULL)
    {
      if (job->login_outcome == LOGIN_OK)
        g_hash_table_remove (self->account_failures, job->email);
      else if (job->login_outcome == LOGIN_BAD_CREDENTIALS)
        {
          Failures *failures = g_hash_table_lookup (self->account_failures, job->email);

          if (failures == NULL)
            {
              /* Keep the table bounded: forget accounts whose last failure is older
               * than the longest delay. */
              if (g_hash_table_size (self->account_failures) > MAX_TRACKED)
                {
                  GHashTableIter iter;
                  gpointer value;
                  gint64 now = g_get_monotonic_time ();

                  g_hash_table_iter_init (&iter, self->account_failures);
                  while (g_hash_table_iter_next (&iter, NULL, &value))
                    if (now - ((Failures *) value)->last_us > MAX_LOGIN_DELAY * G_USEC_PER_SEC)
                      g_hash_table_iter_remove (&iter);
                }
              failures = g_new0 (Failures, 1);
              g_hash_table_insert (self->account_failures, g_strdup (job->email), failures);
            }
          failures->count++;
          failures->last_us = g_get_monotonic_time ();
        }
    }

  if (job->gone || job->msg == NULL)
    return;

  if (job->user_id != NULL)
    g_object_set_data_full (G_OBJECT (job->msg), REQUEST_USER_KEY, g_strdup (job->user_id), g_free);

  if (job->reply.status == 0)
    gp_reply_set_error (&job->reply, 500, "internal error");
  if (job->reply.status == 503)
    set_retry_after (job->msg, 1);

  set_json (job->msg, job->reply.status, g_steal_pointer (&job->reply.body));
  soup_server_message_unpause (job->msg);
}

static void
run_health_db (Job *job)
{
  GpBackend *backend = job->server->backend;
  g_autoptr(GError) error = NULL;
  GpConn *conn = gp_backend_acquire (backend, &error);

  if (conn != NULL && GP_CONN_VTABLE (conn)->ping (conn, &error))
    {
      job->reply.status = 200;
      job->reply.body = g_strdup_printf ("{\"status\":\"ok\",\"backend\":\"%s\"}", gp_backend_get_name (backend));
    }
  else
    {
      g_message ("Database health check failed: %s", error ? error->message : "unknown error");
      gp_reply_set_error (&job->reply, 503, "database unavailable");
    }
  gp_backend_release (backend, conn);
}

typedef struct
{
  char *email;
  char *password;
  gsize password_len;
} Credentials;

static void
credentials_clear (Credentials *credentials)
{
  g_clear_pointer (&credentials->email, g_free);
  if (credentials->password != NULL)
    {
      sodium_memzero (credentials->password, credentials->password_len);
      g_free (credentials->password);
      credentials->password = NULL;
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Credentials, credentials_clear)

static JsonObject *
parse_auth_body (GBytes      *body,
                 const char **problem)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  JsonNode *root;

  *problem = "the body must be a JSON object";
  if (len == 0 || len > MAX_AUTH_BODY || !g_utf8_validate (data, len, NULL) ||
      !gp_json_depth_ok (data, len, 8) ||
      !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  *problem = NULL;
  return json_object_ref (json_node_get_object (root));
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
normalize_email (const char *email)
{
  gsize len;
  const char *at;

  if (email == NULL)
    return NULL;
  len = strlen (email);
  if (len < 3 || len > 254)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if ((guchar) email[i] <= ' ' || email[i] == 0x7f)
      return NULL;
  at = strchr (email, '@');
  if (at == NULL || at == email || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    return NULL;
  return g_utf8_strdown (email, -1);
}

static gboolean
parse_credentials (GBytes      *body,
                   Credentials *out,
                   const char **problem)
{
  g_autoptr(JsonObject) object = parse_auth_body (body, problem);
  const char *password;

  if (object == NULL)
    return FALSE;

  out->email = normalize_email (get_string (object, "email"));
  if (out->email == NULL)
    {
      *problem = "a valid email is required";
      return FALSE;
    }
  password = get_string (object, "password");
  if (password == NULL)
    {
      *problem = "a password is required";
      return FALSE;
    }
  out->password_len = strlen (password);
  out->password = g_strdup (password);
  return TRUE;
}

static gsize
hash_memlimit (GpServer *self)
{
  return (gsize) MAX (self->options.hash_memory_mib, GP_SERVER_MIN_HASH_MEMORY_MIB) * 1024 * 1024;
}

static gboolean
hash_password (GpServer          *self,
               const Credentials *credentials,
               char               hash[crypto_pwhash_STRBYTES])
{
  /* argon2id, t=2 and 64 MiB by default (libsodium's INTERACTIVE): above OWASP's
   * minimum of 19 MiB, t=2, which is the lowest --password-hash-memory allows. */
  return crypto_pwhash_str (hash, credentials->password, credentials->password_len,
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, hash_memlimit (self)) == 0;
}

static void
run_register (Job *job)
{
  GpBackend *backend = job->server->backend;
  g_auto(Credentials) credentials = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;
  char hash[crypto_pwhash_STRBYTES];
  const char *problem = NULL;
  GpConn *conn;

  if (!parse_credentials (job->body, &credentials, &problem))
    {
      gp_reply_set_error (&job->reply, 400, problem);
      return;
    }
  if (credentials.password_len < MIN_PASSWORD_LEN || credentials.password_len > MAX_PASSWORD_LEN)
    {
      gp_reply_set_error (&job->reply, 400, "the password must have 8 to 1024 bytes");
      return;
    }
  if (!hash_password (job->server, &credentials, hash))
    {
      gp_reply_set_error (&job->reply, 503, "out of memory while hashing");
      return;
    }

  user_id = g_uuid_string_random ();
  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL ||
      !GP_CONN_VTABLE (conn)->begin_write (conn, &error) ||
      !GP_CONN_VTABLE (conn)->create_user (conn, user_id, credentials.email, hash, job->now_ms, &error) ||
      !GP_CONN_VTABLE (conn)->commit (conn, &error))
    {
      if (conn != NULL)
        {
          GP_CONN_VTABLE (conn)->rollback (conn);
          gp_backend_release (backend, conn);
        }
      if (g_error_matches (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_EXISTS))
        gp_reply_set_error (&job->reply, 409, "an account with this email exists");
      else
        {
          g_message ("Registering failed: %s", error ? error->message : "unknown error");
          gp_reply_set_error (&job->reply, 500, "internal error");
        }
      return;
    }
  gp_backend_release (backend, conn);

  job->user_id = g_strdup (user_id);
  job->reply.status = 201;
  job->reply.body = g_strdup_printf ("{\"user_id\":\"%s\"}", user_id);
}

/* Issues an access token and a refresh token of @family inside the caller's write
 * transaction. */
static gboolean
issue_tokens (Job         *job,
              GpConn      *conn,
              const char  *user_id,
              const char  *family,
              GError     **error)
{
  GpServer *self = job->server;
  g_autofree char *refresh = gp_token_random ();
  g_autofree char *refresh_hash = gp_token_hash_refresh (refresh);
  g_autofree char *access = NULL;
  gint64 now_s = job->now_ms / 1000;

  if (!GP_CONN_VTABLE (conn)->insert_refresh (conn, refresh_hash, user_id, family,
                                              job->now_ms + self->options.refresh_token_lifetime * 1000,
                                              job->now_ms, error))
    return FALSE;

  access = gp_token_issue (self->token_key, user_id, now_s, self->options.access_token_lifetime);
  job->reply.status = 200;
  job->reply.body = g_strdup_printf ("{\"token\":\"%s\",\"token_type\":\"Bearer\","
                                     "\"expires_at\":%" G_GINT64_FORMAT ",\"expires_in\":%" G_GINT64_FORMAT ","
                                     "\"user_id\":\"%s\",\"refresh_token\":\"%s\"}",
                                     access, (now_s + self->options.access_token_lifetime) * 1000,
                                     self->options.access_token_lifetime, user_id, refresh);
  return TRUE;
}

static const char *
dummy_hash (GpServer *self)
{
  static gsize once = 0;
  static char hash[crypto_pwhash_STRBYTES];

  if (g_once_init_enter (&once))
    {
      char password[32];

      randombytes_buf (password, sizeof password);
      if (crypto_pwhash_str (hash, password, sizeof password,
                             crypto_pwhash_OPSLIMIT_INTERACTIVE, hash_memlimit (self)) != 0)
        hash[0] = '\0';
      g_once_init_leave (&once, 1);
    }
  return hash;
}

static void
run_login (Job *job)
{
  GpBackend *backend = job->server->backend;
  g_auto(Credentials) credentials = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *stored_hash = NULL;
  g_autofree char *family = NULL;
  const char *problem = NULL;
  GpConn *conn;
  gboolean ok;

  if (!parse_credentials (job->body, &credentials, &problem))
    {
      gp_reply_set_error (&job->reply, 400, problem);
      return;
    }

  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL || !GP_CONN_VTABLE (conn)->find_user (conn, credentials.email, &user_id, &stored_hash, &error))
    goto fail;
  /* No connection is held while hashing. */
  gp_backend_release (backend, g_steal_pointer (&conn));

  if (user_id != NULL)
    ok = crypto_pwhash_str_verify (stored_hash, credentials.password, credentials.password_len) == 0;
  else
    {
      /* Same work for an unknown account, so timing does not reveal which exist. */
      const char *dummy = dummy_hash (job->server);

      ok = FALSE;
      if (dummy[0] != '\0' &&
          crypto_pwhash_str_verify (dummy, credentials.password, credentials.password_len) == 0)
        g_assert_not_reached ();
    }

  if (!ok)
    {
      job->login_outcome = LOGIN_BAD_CREDENTIALS;
      gp_reply_set_error (&job->reply, 401, "wrong email or password");
      return;
    }

  job->login_outcome = LOGIN_OK;
  job->user_id = g_strdup (user_id);

  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL || !GP_CONN_VTABLE (conn)->begin_write (conn, &error))
    goto fail;

  if (crypto_pwhash_str_needs_rehash (stored_hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                      hash_memlimit (job->server)) != 0)
    {
      char hash[crypto_pwhash_STRBYTES];

      if (hash_password (job->server, &credentials, hash) &&
          !GP_CONN_VTABLE (conn)->set_password_hash (conn, user_id, hash, &error))
        goto fail;
    }

  family = g_uuid_string_random ();
  if (!issue_tokens (job, conn, user_id, family, &error) ||
      !GP_CONN_VTABLE (conn)->commit (conn, &error))
    goto fail;

  gp_backend_release (backend, conn);
  return;

fail:
  if (conn != NULL)
    {
      GP_CONN_VTABLE (conn)->rollback (conn);
      gp_backend_release (backend, conn);
    }
  g_message ("Login failed: %s", error ? error->message : "unknown error");
  gp_reply_clear (&job->reply);
  gp_reply_set_error (&job->reply, 500, "internal error");
}

static void
run_refresh (Job *job)
{
  GpBackend *backend = job->server->backend;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token_hash = NULL;
  GpRefreshRow row = { 0, };
  const char *problem = NULL;
  const char *token;
  const char *rejection = NULL;
  GpConn *conn;

  object = parse_auth_body (job->body, &problem);
  if (object == NULL)
    {
      gp_reply_set_error (&job->reply, 400, problem);
      return;
    }
  token = get_string (object, "refresh_token");
  if (token == NULL || token[0] == '\0' || strlen (token) > 256)
    {
      gp_reply_set_error (&job->reply, 400, "refresh_token is required");
      return;
    }
  token_hash = gp_token_hash_refresh (token);

  conn = gp_backend_acquire (backend, &error);
  if (conn == NULL ||
      !GP_CONN_VTABLE (conn)->begin_write (conn, &error) ||
      !GP_CONN_VTABLE (conn)->get_refresh (conn, token_hash, &row, &error))
    goto fail;

  if (row.user_id == NULL)
    rejection = "invalid refresh token";
  else if (row.revoked)
    rejection = "refresh token revoked";
  else if (row.used)
    {
      /* A used refresh token came back: it was copied. Revoke the whole family, so
       * the thief's newer token dies too (the user logs in again). */
      if (!GP_CONN_VTABLE (conn)->revoke_family (conn, row.family, &error) ||
          !GP_CONN_VTABLE (conn)->commit (conn, &error))
        goto fail;
      rejection = "refresh token reused; the session was revoked";
    }
  else if (row.expires_at <= job->now_ms)
    rejection = "refresh token expired";

  if (rejection != NULL)
    {
      GP_CONN_VTABLE (conn)->rollback (conn);
      gp_backend_release (backend, conn);
      gp_refresh_row_clear (&row);
      gp_reply_set_error (&job->reply, 401, rejection);
      return;
    }

  job->user_id = g_strdup (row.user_id);
  if (!GP_CONN_VTABLE (conn)->mark_refresh_used (conn, token_hash, job->now_ms, &error) ||
      !issue_tokens (job, conn, row.user_id, row.family, &error) ||
      !GP_CONN_VTABLE (conn)->commit (conn, &error))
    goto fail;

  gp_backend_release (backend, conn);
  gp_refresh_row_clear (&row);
  return;

fail:
  if (conn != NULL)
    {
      GP_CONN_VTABLE (conn)->rollback (conn);
      gp_backend_release (backend, conn);
    }
  gp_refresh_row_clear (&row);
  g_message ("Refresh failed: %s", error ? error->message : "unknown error");
  gp_reply_clear (&job->reply);
  gp_reply_set_error (&job->reply, 500, "internal error");
}

static void
run_prune (Job *job)
{
  GpBackend *backend = job->server->backend;
  g_autoptr(GError) error = NULL;
  GpConn *conn = gp_backend_acquire (backend, &error);

  if (conn == NULL ||
      !GP_CONN_VTABLE (conn)->begin_write (conn, &error) ||
      !GP_CONN_VTABLE (conn)->prune (conn, job->now_ms - LEDGER_RETENTION, job->now_ms - REFRESH_GRACE, &error) ||
      !GP_CONN_VTABLE (conn)->commit (conn, &error))
    {
      g_message ("Pruning old ledger rows and tokens failed: %s", error ? error->message : "unknown error");
      if (conn != NULL)
        GP_CONN_VTABLE (conn)->rollback (conn);
    }
  gp_backend_release (backend, conn);
}

static void
pool_func (gpointer data,
           gpointer user_data)
{
  GTask *task = data;
  Job *job = g_task_get_task_data (task);

  switch (job->kind)
    {
    case JOB_HEALTH_DB:
      run_health_db (job);
      break;
    case JOB_REGISTER:
      run_register (job);
      break;
    case JOB_LOGIN:
      run_login (job);
      break;
    case JOB_REFRESH:
      run_refresh (job);
      break;
    case JOB_PULL:
      gp_sync_pull (job->server->backend, job->user_id, job->query, job->now_ms, &job->reply);
      break;
    case JOB_PUSH:
      gp_sync_push (job->server->backend, job->user_id, job->query, job->body, job->now_ms, &job->reply);
      break;
    case JOB_PRUNE:
      run_prune (job);
      break;
    default:
      g_assert_not_reached ();
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
start_job (GpServer          *self,
           SoupServerMessage *msg,
           JobKind            kind,
           const char        *user_id,
           GHashTable        *query,
           gboolean           with_body,
           char              *email)
{
  Job *job = g_new0 (Job, 1);
  GTask *task;
  GThreadPool *pool;

  job->server = g_object_ref (self);
  job->msg = msg != NULL ? g_object_ref (msg) : NULL;
  job->kind = kind;
  job->user_id = g_strdup (user_id);
  job->email = email;
  job->now_ms = now_ms ();
  if (query != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      job->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (job->query, g_strdup (key), g_strdup (value));
    }
  if (with_body)
    job->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  if (msg != NULL)
    {
      /* The connection may go away while the job runs; then there is nobody to answer. */
      job->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (message_gone_cb), job);
      job->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (message_gone_cb), job);

      if (user_id != NULL)
        g_object_set_data_full (G_OBJECT (msg), REQUEST_USER_KEY, g_strdup (user_id), g_free);
    }

  task = g_task_new (self, NULL, job_done_cb, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, job_free);

  pool = (kind == JOB_REGISTER || kind == JOB_LOGIN) ? self->hash_pool : self->db_pool;
  self->in_flight++;
  if (msg != NULL)
    soup_server_message_pause (msg);
  g_thread_pool_push (pool, task, NULL);
}

/* ---- Rate limits ------------------------------------------------------------------- */

/* A token bucket per client address for login and register: bursts up to the
 * per-minute budget, refilled evenly over the minute. Returns 0 or seconds to wait. */
static gint64
take_address_token (GpServer   *self,
                    const char *address)
{
  Bucket *bucket;
  gint64 now = g_get_monotonic_time ();
  double capacity = self->options.login_attempts_per_minute;
  double rate = capacity / 60.0;

  if (self->options.login_attempts_per_minute == 0)
    return 0;

  bucket = g_hash_table_lookup (self->address_buckets, address);
  if (bucket == NULL)
    {
      /* Keep the table bounded: drop buckets that have refilled completely (they
       * hold no state a fresh bucket would not). */
      if (g_hash_table_size (self->address_buckets) > MAX_TRACKED)
        {
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, self->address_buckets);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            {
              Bucket *b = value;

              if (b->tokens + (now - b->updated_us) / 1e6 * rate >= capacity)
                g_hash_table_iter_remove (&iter);
            }
        }
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = capacity;
      bucket->updated_us = now;
      g_hash_table_insert (self->address_buckets, g_strdup (address), bucket);
    }

  bucket->tokens = MIN (capacity, bucket->tokens + (now - bucket->updated_us) / 1e6 * rate);
  bucket->updated_us = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return 0;
    }
  return (gint64) ceil ((1.0 - bucket->tokens) / rate);
}

/* After login_failures_before_delay consecutive failures an account waits 1, 2, 4, …
 * up to MAX_LOGIN_DELAY seconds between attempts (NIST SP 800-63B §5.2.2), which
 * keeps guessing slow without locking the owner out for long. */
static gint64
account_delay (GpServer   *self,
               const char *email)
{
  Failures *failures = g_hash_table_lookup (self->account_failures, email);
  guint threshold = self->options.login_failures_before_delay;
  gint64 delay_s, waited_us;

  if (failures == NULL || threshold == 0 || failures->count < threshold)
    return 0;

  delay_s = (gint64) 1 << MIN (failures->count - threshold, 10);
  delay_s = MIN (delay_s, MAX_LOGIN_DELAY);
  waited_us = g_get_monotonic_time () - failures->last_us;
  if (waited_us >= delay_s * G_USEC_PER_SEC)
    return 0;
  return (delay_s * G_USEC_PER_SEC - waited_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

/* ---- Routing --------------------------------------------------------------------- */

static char *
authenticate (GpServer          *self,
              SoupServerMessage *msg)
{
  const char *header;
  const char *reason = NULL;
  char *user_id = NULL;

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer");
      set_error (msg, 401, "missing bearer token");
      return NULL;
    }

  header += 7;
  while (*header == ' ')
    header++;

  if (!gp_token_verify (self->token_key, header, now_ms () / 1000, &user_id, &reason))
    {
      g_debug ("Rejected token: %s", reason);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer error=\"invalid_token\"");
      set_error (msg, 401, "invalid or expired token");
      return NULL;
    }

  return user_id;
}

static gboolean
check_method (SoupServerMessage *msg,
              const char        *wanted)
{
  if (strcmp (soup_server_message_get_method (msg), wanted) == 0)
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", wanted);
  set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed");
  return FALSE;
}

static void
handler_cb (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  GpServer *self = user_data;
  g_autofree char *user_id = NULL;

  if (self->shutting_down)
    {
      set_retry_after (msg, 5);
      set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting down");
      return;
    }

  if (strcmp (path, "/health") == 0)
    {
      if (check_method (msg, "GET"))
        set_json (msg, 200, g_strdup_printf ("{\"status\":\"ok\",\"version\":\"%s\"}", PACKAGE_VERSION));
    }
  else if (strcmp (path, "/health/db") == 0)
    {
      if (check_method (msg, "GET"))
        start_job (self, msg, JOB_HEALTH_DB, NULL, NULL, FALSE, NULL);
    }
  else if (strcmp (path, "/auth/register") == 0 || strcmp (path, "/auth/login") == 0)
    {
      gboolean login = strcmp (path, "/auth/login") == 0;
      const char *address = soup_server_message_get_remote_host (msg);
      gint64 wait_s;

      if (!check_method (msg, "POST"))
        return;

      wait_s = take_address_token (self, address != NULL ? address : "");
      if (wait_s == 0 && login)
        {
          /* The account is read on the main thread only for its delay; the body is
           * parsed again on the worker. */
          g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
          g_autoptr(JsonObject) object = NULL;
          const char *problem = NULL;
          g_autofree char *email = NULL;

          object = parse_auth_body (body, &problem);
          if (object != NULL)
            email = normalize_email (get_string (object, "email"));
          if (email != NULL)
            wait_s = account_delay (self, email);
          if (wait_s == 0)
            {
              if (g_thread_pool_unprocessed (self->hash_pool) > MAX_QUEUED_HASHES)
                {
                  set_retry_after (msg, 1);
                  set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many logins in progress");
                  return;
                }
              /* The account is remembered for counting the result. */
              start_job (self, msg, JOB_LOGIN, NULL, NULL, TRUE, g_steal_pointer (&email));
              return;
            }
        }

      if (wait_s > 0)
        {
          set_retry_after (msg, wait_s);
          set_error (msg, 429, "too many attempts; retry later");
          return;
        }

      if (g_thread_pool_unprocessed (self->hash_pool) > MAX_QUEUED_HASHES)
        {
          set_retry_after (msg, 1);
          set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many registrations in progress");
          return;
        }
      start_job (self, msg, JOB_REGISTER, NULL, NULL, TRUE, NULL);
    }
  else if (strcmp (path, "/auth/refresh") == 0)
    {
      if (check_method (msg, "POST"))
        start_job (self, msg, JOB_REFRESH, NULL, NULL, TRUE, NULL);
    }
  else if (strcmp (path, "/sync/pull") == 0)
    {
      if (!check_method (msg, "GET"))
        return;
      user_id = authenticate (self, msg);
      if (user_id == NULL)
        return;
      if (self->inline_conn != NULL)
        {
          GpReply reply = { 0, };

          /* A pull with nothing new costs one indexed read: answered right here,
           * without the trip to a worker thread and back. */
          if (gp_sync_pull_unchanged (self->inline_conn, user_id, query, &reply))
            {
              g_object_set_data_full (G_OBJECT (msg), REQUEST_USER_KEY, g_steal_pointer (&user_id), g_free);
              set_json (msg, reply.status, g_steal_pointer (&reply.body));
              return;
            }
        }
      start_job (self, msg, JOB_PULL, user_id, query, FALSE, NULL);
    }
  else if (strcmp (path, "/sync/push") == 0)
    {
      if (!check_method (msg, "POST"))
        return;
      user_id = authenticate (self, msg);
      if (user_id != NULL)
        start_job (self, msg, JOB_PUSH, user_id, query, TRUE, NULL);
    }
  else
    set_error (msg, SOUP_STATUS_NOT_FOUND, "not found");
}

static gboolean
prune_cb (gpointer user_data)
{
  GpServer *self = user_data;

  if (!self->shutting_down)
    start_job (self, NULL, JOB_PRUNE, NULL, NULL, FALSE, NULL);
  return G_SOURCE_CONTINUE;
}

/* ---- Object ---------------------------------------------------------------------- */

static void
gp_server_finalize (GObject *object)
{
  GpServer *self = (GpServer *) object;

  g_clear_handle_id (&self->prune_id, g_source_remove);
  /* Waits for running jobs; their completions never dispatch after this. */
  g_thread_pool_free (self->hash_pool, FALSE, TRUE);
  g_thread_pool_free (self->db_pool, FALSE, TRUE);
  g_clear_object (&self->soup);
  flush_log (self);
  if (self->log_buffer != NULL)
    g_string_free (self->log_buffer, TRUE);
  if (self->inline_conn != NULL)
    self->backend->vtable->disconnect (self->inline_conn);
  g_clear_pointer (&self->backend, gp_backend_free);
  g_clear_pointer (&self->token_key, g_bytes_unref);
  g_clear_pointer (&self->address_buckets, g_hash_table_unref);
  g_clear_pointer (&self->account_failures, g_hash_table_unref);

  G_OBJECT_CLASS (gp_server_parent_class)->finalize (object);
}

static void
gp_server_class_init (GpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gp_server_finalize;
}

static void
gp_server_init (GpServer *self)
{
  self->address_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->account_failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * gp_server_new:
 * @backend: (transfer full): the opened backend
 * @token_key: the access-token signing key (at least 32 bytes)
 * @options: the options
 *
 * Returns: (transfer full): a new server, not yet listening
 */
GpServer *
gp_server_new (GpBackend             *backend,
               GBytes                *token_key,
               const GpServerOptions *options)
{
  GpServer *self;

  g_return_val_if_fail (backend != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (token_key) >= GP_TOKEN_MIN_KEY_LEN, NULL);

  self = g_object_new (GP_TYPE_SERVER, NULL);
  self->backend = backend;
  self->token_key = g_bytes_ref (token_key);
  self->options = *options;
  self->db_pool = g_thread_pool_new (pool_func, self, backend->max_conns, FALSE, NULL);
  if (backend->vtable->connect_inline != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Without it every pull simply goes to a worker. */
      self->inline_conn = backend->vtable->connect_inline (backend, &error);
      if (self->inline_conn == NULL)
        g_debug ("No inline connection: %s", error->message);
    }
  if (!g_log_writer_is_journald (STDERR_FILENO))
    self->log_buffer = g_string_sized_new (LOG_BUFFER_SIZE + 512);
  self->hash_pool = g_thread_pool_new (pool_func, self, MAX (options->hash_workers, 1), FALSE, NULL);

  self->soup = soup_server_new ("server-header", "gigpilot-server/" PACKAGE_VERSION, NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler_cb, self, NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (request_started_cb), self, 0);
  g_signal_connect_object (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self, 0);
  g_signal_connect_object (self->soup, "request-aborted", G_CALLBACK (request_finished_cb), self, 0);

  /* Old ledger rows and expired refresh tokens go once an hour. The source holds no
   * reference; finalize removes it. */
  self->prune_id = g_timeout_add_seconds (PRUNE_INTERVAL_S, prune_cb, self);
  prune_cb (self);

  return self;
}

/**
 * gp_server_listen:
 * @address: `HOST:PORT` with an IP address (or `localhost`), `[V6]:PORT`; port 0 picks one
 *
 * Returns: whether the server listens
 */
gboolean
gp_server_listen (GpServer    *self,
                  const char  *address,
                  GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  const char *colon;
  guint64 port;
  char *end = NULL;

  g_return_val_if_fail (GP_IS_SERVER (self), FALSE);

  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      if (close == NULL || close[1] != ':')
        goto invalid;
      host = g_strndup (address + 1, close - address - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (address, ':');
      if (colon == NULL)
        goto invalid;
      host = g_strndup (address, colon - address);
    }

  port = g_ascii_strtoull (colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || port > 65535)
    goto invalid;

  if (strcmp (host, "localhost") == 0)
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }

  socket_address = g_inet_socket_address_new_from_string (host, (guint) port);
  if (socket_address == NULL)
    goto invalid;

  return soup_server_listen (self->soup, socket_address, 0, error);

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid listen address “%s”: use HOST:PORT with an IP address", address);
  return FALSE;
}

/**
 * gp_server_get_uri:
 *
 * Returns: (transfer full) (nullable): the first URI the server listens on
 */
char *
gp_server_get_uri (GpServer *self)
{
  GSList *uris = soup_server_get_uris (self->soup);
  char *result = NULL;

  if (uris != NULL)
    result = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return result;
}

/**
 * gp_server_begin_shutdown:
 *
 * New requests get 503 from now on; requests in flight finish normally.
 */
void
gp_server_begin_shutdown (GpServer *self)
{
  self->shutting_down = TRUE;
}

guint
gp_server_get_in_flight (GpServer *self)
{
  return self->in_flight;
}

void
gp_server_disconnect (GpServer *self)
{
  soup_server_disconnect (self->soup);
  flush_log (self);
}

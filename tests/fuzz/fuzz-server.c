/* fuzz-server.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer harness for gigpilot-server's input handling, built with clang,
 * AddressSanitizer and UndefinedBehaviorSanitizer (tests/fuzz/meson.build). One
 * binary, three targets, chosen by GP_FUZZ_TARGET:
 *
 *   push   the body of POST /sync/push: JSON decoding, record validation, the conflict
 *          check and the write, against a real SQLite backend in a temporary file; what
 *          a push wrote is pulled back and must be JSON;
 *   pull   the query string of GET /sync/pull: last_pulled_at, schema_version,
 *          migration (JSON), page_size and cursor;
 *   token  gp_token_verify(): the first byte picks raw token text (header parsing,
 *          base64url, the MAC check) or a header/payload pair that the harness signs
 *          with the server key, so the claim checks behind the MAC are reached too.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "gp-server-backend.h"
#include "gp-server-sync.h"
#include "gp-server-token.h"

typedef enum
{
  TARGET_PUSH,
  TARGET_PULL,
  TARGET_TOKEN,
} Target;

static Target target;
static GpBackend *backend;
static GBytes *key;
static char *db_dir;
static gint64 clock_ms = 1700000000000;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
remove_db_dir (void)
{
  const char *names[] = { "server.db", "server.db-wal", "server.db-shm", "server.db-journal" };

  if (backend != NULL)
    gp_backend_free (backend);
  backend = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (db_dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (db_dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char *name = g_getenv ("GP_FUZZ_TARGET");
  static const guint8 key_bytes[32] = "fuzz-key-0123456789abcdef-fuzz!";

  if (sodium_init () < 0)
    abort ();
  key = g_bytes_new_static (key_bytes, sizeof key_bytes);

  if (g_strcmp0 (name, "push") == 0)
    target = TARGET_PUSH;
  else if (g_strcmp0 (name, "pull") == 0)
    target = TARGET_PULL;
  else if (g_strcmp0 (name, "token") == 0)
    target = TARGET_TOKEN;
  else
    {
      g_printerr ("GP_FUZZ_TARGET must be push, pull or token\n");
      exit (2);
    }

  if (target != TARGET_TOKEN)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = NULL;
      const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
      g_autofree char *tmpl = g_build_filename (base, "gp-fuzz-XXXXXX", NULL);

      db_dir = g_mkdtemp (g_steal_pointer (&tmpl));
      if (db_dir == NULL)
        abort ();
      uri = g_strdup_printf ("sqlite:%s/server.db", db_dir);
      backend = gp_backend_open (uri, &error);
      if (backend == NULL)
        {
          g_printerr ("cannot open %s: %s\n", uri, error->message);
          exit (2);
        }
      atexit (remove_db_dir);
    }
  return 0;
}

/* Whatever a push stored, pulling it must give JSON: a 200 pull that is not makes every
 * later sync of the account fail (a 1e999 once came back as "inf.0"). */
static void
check_pull_since (const char *user,
                  gint64      since)
{
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GpReply reply = { 0, };
  char lpa[32];

  g_snprintf (lpa, sizeof lpa, "%" G_GINT64_FORMAT, since);
  g_hash_table_insert (query, (gpointer) "last_pulled_at", lpa);
  gp_sync_pull (backend, user, query, clock_ms, &reply);
  if (reply.status == 200 &&
      (!g_utf8_validate (reply.body, -1, NULL) || !json_parser_load_from_data (parser, reply.body, -1, NULL)))
    {
      g_autofree char *shown = g_strescape (reply.body, NULL);

      g_printerr ("pull after a push is not JSON: %s\n", shown);
      abort ();
    }
  if (reply.status != 200)
    {
      g_printerr ("pull after a push answered %u: %s\n", reply.status, reply.body ? reply.body : "(null)");
      abort ();
    }
  gp_reply_clear (&reply);
}

static void
fuzz_push (const uint8_t *data,
           size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GpReply reply = { 0, };
  const char *reply_user = (size & 2) ? "fuzz-user-a" : "fuzz-user-b";
  char lpa[32];

  /* Alternate between a full sync's push and one with a recent last_pulled_at, so
   * both the conflict-free path and the conflict check run. */
  g_snprintf (lpa, sizeof lpa, "%" G_GINT64_FORMAT, (size & 1) ? clock_ms - 5 : (gint64) 0);
  g_hash_table_insert (query, (gpointer) "last_pulled_at", lpa);
  clock_ms += 3;
  gp_sync_push (backend, reply_user, query, body, clock_ms, &reply);
  if (reply.status == 0 || reply.body == NULL)
    abort ();
  /* Only the protocol's status codes; a 500 means the database refused something the
   * validation let through. */
  if (reply.status != 200 && reply.status != 400 && reply.status != 409 && reply.status != 413)
    {
      g_printerr ("push answered %u: %s\n", reply.status, reply.body);
      abort ();
    }
  if (reply.status == 200)
    check_pull_since (reply_user, clock_ms - 1);
  gp_reply_clear (&reply);
}

static void
fuzz_pull (const uint8_t *data,
           size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GHashTable) query = NULL;
  GpReply reply = { 0, };

  if (!g_utf8_validate (text, -1, NULL))
    return;
  /* The same decoding SoupServer applies to a query string. */
  query = g_uri_parse_params (text, -1, "&", G_URI_PARAMS_NONE, NULL);
  if (query == NULL)
    return;
  clock_ms += 3;
  gp_sync_pull (backend, "fuzz-user-a", query, clock_ms, &reply);
  if (reply.status != 200 && reply.status != 400)
    {
      g_printerr ("pull answered %u: %s\n", reply.status, reply.body ? reply.body : "(null)");
      abort ();
    }
  gp_reply_clear (&reply);
}

static char *
sign (const char *header,
      gsize       header_len,
      const char *payload,
      gsize       payload_len)
{
  g_autofree char *h = gp_token_base64url ((const guint8 *) header, header_len);
  g_autofree char *p = gp_token_base64url ((const guint8 *) payload, payload_len);
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autofree char *s = NULL;
  guint8 mac[crypto_auth_hmacsha256_BYTES];
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);
  crypto_auth_hmacsha256_state state;

  crypto_auth_hmacsha256_init (&state, key_data, key_len);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) input, strlen (input));
  crypto_auth_hmacsha256_final (&state, mac);
  s = gp_token_base64url (mac, sizeof mac);
  return g_strconcat (input, ".", s, NULL);
}

static void
fuzz_token (const uint8_t *data,
            size_t         size)
{
  g_autofree char *token = NULL;
  g_autofree char *user_id = NULL;
  const char *reason = NULL;
  gboolean ok;

  if (size < 1)
    return;
  if (data[0] & 1)
    {
      /* Signed: "header\npayload". */
      const char *rest = (const char *) data + 1;
      gsize rest_len = size - 1;
      const char *nl = memchr (rest, '\n', rest_len);

      if (nl == NULL)
        return;
      token = sign (rest, nl - rest, nl + 1, rest_len - (nl - rest) - 1);
    }
  else
    token = g_strndup ((const char *) data + 1, size - 1);

  ok = gp_token_verify (key, token, 1700000000, &user_id, &reason);
  if (ok && (user_id == NULL || user_id[0] == '\0'))
    abort ();
  if (!ok && (user_id != NULL || reason == NULL))
    abort ();

  /* What the server issues must verify. */
  if (ok)
    {
      g_autofree char *again = gp_token_issue (key, user_id, 1700000000, 600);
      g_autofree char *again_user = NULL;

      if (!gp_token_verify (key, again, 1700000000, &again_user, &reason) ||
          g_strcmp0 (again_user, user_id) != 0)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  switch (target)
    {
    case TARGET_PUSH:
      fuzz_push (data, size);
      break;
    case TARGET_PULL:
      fuzz_pull (data, size);
      break;
    case TARGET_TOKEN:
      fuzz_token (data, size);
      break;
    default:
      abort ();
    }
  return 0;
}

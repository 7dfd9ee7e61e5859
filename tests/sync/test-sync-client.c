/* test-sync-client.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "gp-error.h"
#include "gp-store-time.h"
#include "gp-sync-test-utils.h"

/* Two devices (two stores, two clients) against the real gigpilot-server. */

typedef struct
{
  char *dir;
  GpTestServer *server;
  char *email;
  char *path_a;
  char *path_b;
  GpStore *store_a;
  GpStore *store_b;
  GpAccount *account_a;
  GpAccount *account_b;
  GpSyncClient *a;
  GpSyncClient *b;
} Fixture;

static guint email_counter;

static GpSyncClient *
new_client (GpStore   *store,
            GpAccount *account)
{
  GpSyncClient *client = gp_sync_client_new (store, account);

  g_object_set (client, "retry-delay", 50, "debounce", 50, "push-batch-size", 7, "page-size", 11, NULL);
  return client;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char * const *extra = data;

  f->dir = g_dir_make_tmp ("gigpilot-sync-XXXXXX", &error);
  g_assert_no_error (error);
  f->server = gp_test_server_start (f->dir, 0, extra);
  f->email = g_strdup_printf ("user%u-%d@example.org", ++email_counter, (int)getpid ());
  f->path_a = g_build_filename (f->dir, "a.db", NULL);
  f->path_b = g_build_filename (f->dir, "b.db", NULL);
  f->store_a = gp_test_open_store (f->path_a);
  f->store_b = gp_test_open_store (f->path_b);
  f->account_a = gp_test_account_sign_in (f->server->uri, f->email, TRUE);
  f->account_b = gp_test_account_sign_in (f->server->uri, f->email, FALSE);
  f->a = new_client (f->store_a, f->account_a);
  f->b = new_client (f->store_b, f->account_b);
}

static gboolean
not_syncing (gpointer status)
{
  return gp_sync_status_get_state (status) != GP_SYNC_STATE_SYNCING;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_sync_client_stop (f->a);
  gp_sync_client_stop (f->b);
  /* A run started by a trigger before the stop finishes first (it holds a reference). */
  g_assert_true (gp_test_wait_until (not_syncing, gp_sync_client_get_status (f->a), 30000));
  g_assert_true (gp_test_wait_until (not_syncing, gp_sync_client_get_status (f->b), 30000));
  g_assert_finalize_object (g_steal_pointer (&f->a));
  g_assert_finalize_object (g_steal_pointer (&f->b));
  g_clear_object (&f->account_a);
  g_clear_object (&f->account_b);
  gp_store_close (f->store_a);
  gp_store_close (f->store_b);
  g_clear_object (&f->store_a);
  g_clear_object (&f->store_b);
  gp_test_server_free (f->server);
  gp_test_forget_account (f->email);
  g_free (f->email);
  g_free (f->path_a);
  g_free (f->path_b);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  g_free (f->dir);
}

static void
sync_ok (GpSyncClient *client)
{
  g_autoptr(GError) error = NULL;

  gp_test_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_sync_status_get_state (gp_sync_client_get_status (client)), ==, GP_SYNC_STATE_IDLE);
}

static void
assert_converged (Fixture *f)
{
  g_autofree char *dump_a = gp_test_dump (f->path_a);
  g_autofree char *dump_b = gp_test_dump (f->path_b);

  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 0);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_b), ==, 0);
}

static char *
field (GpStore    *store,
       const char *table,
       const char *id,
       const char *column)
{
  g_autoptr(GpRecord) record = gp_test_get (store, table, id, NULL);

  if (record == NULL)
    return NULL;
  return g_strdup (gp_record_get_string (record, column));
}

static guint
n_conflicts (GpStore *store)
{
  g_autoptr(GPtrArray) conflicts = gp_test_conflicts (store);

  return conflicts->len;
}

static gboolean
exists (GpStore    *store,
        const char *table,
        const char *id)
{
  g_autoptr(GpRecord) record = gp_test_get (store, table, id, NULL);

  return record != NULL;
}

/* Account ------------------------------------------------------------------------------------ */

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
test_account_keyring (Fixture       *f,
                      gconstpointer  data)
{
  const SecretSchema *schema = gp_account_get_secret_schema ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GpAccount) loaded = gp_account_new ();
  g_autoptr(GpAccount) wrong = gp_account_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("io.github.gigpilot.GigPilot");
  g_autofree char *url = NULL;

  g_assert_cmpstr (schema->name, ==, "io.github.gigpilot.Token");

  /* Signing in put the tokens in the keyring under server + email. */
  secret = secret_password_lookup_sync (schema, NULL, &error, "server", f->server->uri, "email", f->email, NULL);
  g_assert_no_error (error);
  g_assert_nonnull (secret);
  g_assert_nonnull (strstr (secret, gp_account_get_token (f->account_b)));
  g_assert_nonnull (strstr (secret, "refresh_token"));

  /* …and nowhere in GSettings. */
  url = g_settings_get_string (settings, "server-url");
  g_assert_null (strstr (url, gp_account_get_token (f->account_b)));

  /* A new account object (the next start of the app) finds it. */
  gp_account_load_async (loaded, f->server->uri, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_true (gp_account_load_finish (loaded, result, &error));
  g_assert_no_error (error);
  g_assert_true (gp_account_get_signed_in (loaded));
  g_assert_cmpstr (gp_account_get_email (loaded), ==, f->email);
  g_assert_cmpstr (gp_account_get_server_url (loaded), ==, f->server->uri);
  g_assert_cmpstr (gp_account_get_token (loaded), ==, gp_account_get_token (f->account_b));
  g_clear_object (&result);

  /* A wrong password is a clear error and stores nothing. */
  gp_account_sign_in_async (wrong, f->server->uri, f->email, "not the password", FALSE, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_false (gp_account_sign_in_finish (wrong, result, &error));
  g_assert_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "The email address or password is not correct.");
  g_assert_false (gp_account_get_signed_in (wrong));
  g_clear_error (&error);
  g_clear_object (&result);

  /* Registering an existing email says so. */
  gp_account_sign_in_async (wrong, f->server->uri, f->email, "correct horse battery staple", TRUE, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_false (gp_account_sign_in_finish (wrong, result, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&result);

  /* A bad server address is refused before any request. */
  gp_account_sign_in_async (wrong, "ftp://example.org", f->email, "x", FALSE, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_false (gp_account_sign_in_finish (wrong, result, &error));
  g_assert_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Sign out removes the secret; local data stays. */
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Kept\"}", NULL));
  gp_sync_client_sign_out_async (f->a, FALSE, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_true (gp_sync_client_sign_out_finish (f->a, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (gp_account_get_signed_in (f->account_a));
  g_assert_cmpint (gp_sync_status_get_state (gp_sync_client_get_status (f->a)), ==, GP_SYNC_STATE_SIGNED_OUT);
  g_clear_pointer (&secret, g_free);
  secret = secret_password_lookup_sync (schema, NULL, &error, "server", f->server->uri, "email", f->email, NULL);
  g_assert_no_error (error);
  g_assert_null (secret);
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(*) FROM clients"), ==, 1);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 1);

  /* A sync while signed out says so and loses nothing. */
  gp_test_sync (f->a, &error);
  g_assert_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 1);

  /* Nothing left to load. */
  g_clear_object (&loaded);
  loaded = gp_account_new ();
  gp_account_load_async (loaded, f->server->uri, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_false (gp_account_load_finish (loaded, result, &error));
  g_assert_no_error (error);
  g_assert_false (gp_account_get_signed_in (loaded));
  g_clear_object (&result);

  /* Sign out with clearing removes the local data too. */
  g_free (gp_test_save (f->store_b, "clients", NULL, "{\"name\":\"Gone\"}", NULL));
  gp_sync_client_sign_out_async (f->b, TRUE, NULL, result_cb, &result);
  gp_test_wait (&result);
  g_assert_true (gp_sync_client_sign_out_finish (f->b, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM clients"), ==, 0);
}

/* Convergence -------------------------------------------------------------------------------- */

static void
test_converge (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *client = NULL;
  g_autofree char *client_b = NULL;
  g_autofree char *invoice = NULL;
  g_autofree char *line = NULL;
  g_autofree char *ticket = NULL;
  g_autofree char *json = NULL;
  g_autofree char *name = NULL;

  /* Device A fills every table, more rows than one push batch or pull page holds. */
  client = gp_test_save (f->store_a, "clients", NULL,
                         "{\"name\":\"Acme GmbH\",\"email\":\"billing@acme.test\",\"currency\":\"EUR\",\"hourly_rate\":9500}", NULL);
  json = g_strdup_printf ("{\"client_id\":\"%s\",\"number\":\"2026-0001\",\"status\":\"draft\",\"issued_on\":\"2026-11-01\"}", client);
  invoice = gp_test_save (f->store_a, "invoices", NULL, json, NULL);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\":\"%s\",\"description\":\"Consulting\",\"quantity\":2500,\"unit_price\":9500,\"tax_rate\":1900}", invoice);
  line = gp_test_save (f->store_a, "invoice_lines", NULL, json, NULL);
  g_free (json);
  json = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Fix the printer\",\"priority\":\"high\"}", client);
  ticket = gp_test_save (f->store_a, "tickets", NULL, json, NULL);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *t = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Ticket %u\"}", client, i);
      g_free (gp_test_save (f->store_a, "tickets", NULL, t, NULL));
    }
  /* Device B has its own client. */
  client_b = gp_test_save (f->store_b, "clients", NULL, "{\"name\":\"Beta Ltd\"}", NULL);

  sync_ok (f->a);
  sync_ok (f->b);
  sync_ok (f->a);
  assert_converged (f);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM tickets"), ==, 21);
  g_assert_cmpint (gp_sync_status_get_last_synced (gp_sync_client_get_status (f->a)), >, 0);
  g_assert_null (gp_sync_status_get_last_error (gp_sync_client_get_status (f->a)));

  /* Edits and deletes on both sides, to different records. */
  g_free (gp_test_save (f->store_a, "clients", client, "{\"email\":\"accounts@acme.test\"}", NULL));
  g_free (gp_test_save (f->store_b, "clients", client, "{\"notes\":\"Pays late\"}", NULL));
  g_free (gp_test_save (f->store_b, "invoice_lines", line, "{\"quantity\":3000}", NULL));
  g_ptr_array_unref (gp_test_delete (f->store_a, "tickets", ticket, NULL));
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", client_b, NULL));

  sync_ok (f->a);
  sync_ok (f->b);
  sync_ok (f->a);
  assert_converged (f);
  name = field (f->store_a, "clients", client, "email");
  g_assert_cmpstr (name, ==, "accounts@acme.test");
  g_free (name);
  name = field (f->store_a, "clients", client, "notes");
  g_assert_cmpstr (name, ==, "Pays late");
  g_assert_false (exists (f->store_b, "tickets", ticket));
  g_assert_false (exists (f->store_a, "clients", client_b));
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT quantity FROM invoice_lines"), ==, 3000);
  g_assert_cmpuint (gp_store_get_conflict_count (f->store_a), ==, 0);
  g_assert_cmpuint (gp_store_get_conflict_count (f->store_b), ==, 0);
  /* Pushed tombstones are purged. */
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(*) FROM tickets WHERE _status = 'deleted'"), ==, 0);
}

/* Conflicts ---------------------------------------------------------------------------------- */

static GpConflict *
only_conflict (GpStore *store)
{
  g_autoptr(GPtrArray) conflicts = gp_test_conflicts (store);

  g_assert_cmpuint (conflicts->len, ==, 1);
  return gp_conflict_copy (g_ptr_array_index (conflicts, 0));
}

static void
assert_field (JsonObject *fields,
              const char *name,
              const char *base,
              const char *mine,
              const char *theirs)
{
  JsonObject *field = json_object_get_object_member (fields, name);

  g_assert_nonnull (field);
  g_assert_cmpstr (json_object_get_string_member_with_default (field, "base", NULL), ==, base);
  g_assert_cmpstr (json_object_get_string_member_with_default (field, "mine", NULL), ==, mine);
  g_assert_cmpstr (json_object_get_string_member_with_default (field, "theirs", NULL), ==, theirs);
}

static void
test_conflict_edit (Fixture       *f,
                    gconstpointer  data)
{
  const GpResolution resolutions[] = { GP_RESOLUTION_KEEP_MINE, GP_RESOLUTION_USE_THEIRS, GP_RESOLUTION_PER_FIELD };
  const char *expected_name[] = { "B name", "A name", "A name" };
  const char *expected_notes[] = { "B notes", "A notes", "B notes" };

  for (guint r = 0; r < G_N_ELEMENTS (resolutions); r++)
    {
      g_autofree char *id = gp_test_save (f->store_a, "clients", NULL,
                                          "{\"name\":\"Base\",\"email\":\"base@x.test\",\"notes\":\"base\"}", NULL);
      g_autofree char *other = NULL;
      g_autoptr(GpConflict) conflict = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;

      sync_ok (f->a);
      sync_ok (f->b);

      /* Both edit name and notes to different values; only B edits email. */
      g_free (gp_test_save (f->store_a, "clients", id, "{\"name\":\"A name\",\"notes\":\"A notes\"}", NULL));
      g_free (gp_test_save (f->store_b, "clients", id, "{\"name\":\"B name\",\"notes\":\"B notes\",\"email\":\"b@x.test\"}", NULL));
      /* B also has an unrelated change that must keep syncing. */
      other = gp_test_save (f->store_b, "clients", NULL, "{\"name\":\"Unrelated\"}", NULL);

      sync_ok (f->a);
      sync_ok (f->b);

      conflict = only_conflict (f->store_b);
      g_assert_cmpint (conflict->kind, ==, GP_CONFLICT_EDIT);
      g_assert_cmpstr (conflict->table, ==, "clients");
      g_assert_cmpstr (conflict->record_id, ==, id);
      g_assert_cmpuint (json_object_get_size (conflict->fields), ==, 2);
      assert_field (conflict->fields, "name", "Base", "B name", "A name");
      assert_field (conflict->fields, "notes", "base", "B notes", "A notes");
      g_assert_cmpuint (gp_sync_status_get_conflict_count (gp_sync_client_get_status (f->b)), ==, 1);
      g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);

      /* Held back: A does not see B's side of the record, but does get the unrelated one. */
      sync_ok (f->a);
      value = field (f->store_a, "clients", id, "name");
      g_assert_cmpstr (value, ==, "A name");
      g_clear_pointer (&value, g_free);
      value = field (f->store_a, "clients", other, "name");
      g_assert_cmpstr (value, ==, "Unrelated");
      g_clear_pointer (&value, g_free);

      /* Conflicts survive a restart of the app. */
      gp_store_close (f->store_b);
      g_clear_object (&f->b);
      g_clear_object (&f->store_b);
      f->store_b = gp_test_open_store (f->path_b);
      f->b = new_client (f->store_b, f->account_b);
      g_clear_pointer (&conflict, gp_conflict_free);
      conflict = only_conflict (f->store_b);
      g_assert_cmpuint (gp_store_get_conflict_count (f->store_b), ==, 1);

      /* Pulling again does not settle it silently. */
      sync_ok (f->b);
      g_clear_pointer (&conflict, gp_conflict_free);
      conflict = only_conflict (f->store_b);

      g_assert_true (gp_test_resolve (f->store_b, "clients", id, resolutions[r],
                                      resolutions[r] == GP_RESOLUTION_PER_FIELD
                                      ? "{\"name\":\"theirs\",\"notes\":\"mine\"}" : NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n_conflicts (f->store_b), ==, 0);
      g_assert_false (gp_test_resolve (f->store_b, "clients", id, resolutions[r], NULL, &error));
      g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND);
      g_clear_error (&error);

      sync_ok (f->b);
      sync_ok (f->a);
      sync_ok (f->b);
      assert_converged (f);
      g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);
      g_assert_cmpuint (n_conflicts (f->store_b), ==, 0);
      value = field (f->store_a, "clients", id, "name");
      g_assert_cmpstr (value, ==, expected_name[r]);
      g_clear_pointer (&value, g_free);
      value = field (f->store_a, "clients", id, "notes");
      g_assert_cmpstr (value, ==, expected_notes[r]);
      g_clear_pointer (&value, g_free);
      value = field (f->store_a, "clients", id, "email");
      g_assert_cmpstr (value, ==, "b@x.test");
    }
}

static void
test_conflict_delete (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *restore = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Restore me\"}", NULL);
  g_autofree char *accept = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Let me go\"}", NULL);
  g_autofree char *keep_delete = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Keep deleted\"}", NULL);
  g_autofree char *take_back = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Take back\"}", NULL);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  sync_ok (f->a);
  sync_ok (f->b);

  /* Remote delete vs local edit: A deletes, B edits. */
  g_ptr_array_unref (gp_test_delete (f->store_a, "clients", restore, NULL));
  g_ptr_array_unref (gp_test_delete (f->store_a, "clients", accept, NULL));
  g_free (gp_test_save (f->store_b, "clients", restore, "{\"notes\":\"edited on B\"}", NULL));
  g_free (gp_test_save (f->store_b, "clients", accept, "{\"notes\":\"edited on B\"}", NULL));
  /* Local delete vs remote edit: A edits, B deletes. */
  g_free (gp_test_save (f->store_a, "clients", keep_delete, "{\"notes\":\"edited on A\"}", NULL));
  g_free (gp_test_save (f->store_a, "clients", take_back, "{\"notes\":\"edited on A\"}", NULL));
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", keep_delete, NULL));
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", take_back, NULL));

  sync_ok (f->a);
  sync_ok (f->b);

  conflicts = gp_test_conflicts (f->store_b);
  g_assert_cmpuint (conflicts->len, ==, 4);
  for (guint i = 0; i < conflicts->len; i++)
    {
      GpConflict *c = g_ptr_array_index (conflicts, i);

      if (g_str_equal (c->record_id, restore) || g_str_equal (c->record_id, accept))
        {
          g_assert_cmpint (c->kind, ==, GP_CONFLICT_REMOTE_DELETE);
          assert_field (c->fields, "notes", NULL, "edited on B", NULL);
        }
      else
        {
          g_assert_cmpint (c->kind, ==, GP_CONFLICT_LOCAL_DELETE);
          assert_field (c->fields, "notes", NULL, NULL, "edited on A");
        }
    }
  /* The edited record is still here; the one deleted here is still gone from lists. */
  g_assert_true (exists (f->store_b, "clients", restore));
  g_assert_false (exists (f->store_b, "clients", keep_delete));

  g_assert_true (gp_test_resolve (f->store_b, "clients", restore, GP_RESOLUTION_RESTORE, NULL, &error));
  g_assert_true (gp_test_resolve (f->store_b, "clients", accept, GP_RESOLUTION_ACCEPT_DELETE, NULL, &error));
  g_assert_true (gp_test_resolve (f->store_b, "clients", keep_delete, GP_RESOLUTION_ACCEPT_DELETE, NULL, &error));
  g_assert_true (gp_test_resolve (f->store_b, "clients", take_back, GP_RESOLUTION_RESTORE, NULL, &error));
  g_assert_no_error (error);

  sync_ok (f->b);
  sync_ok (f->a);
  sync_ok (f->b);
  assert_converged (f);
  g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);
  g_assert_cmpuint (n_conflicts (f->store_b), ==, 0);

  /* Restored after a remote delete: back as a new record, with the local edit. */
  g_assert_false (exists (f->store_a, "clients", restore));
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(*) FROM clients WHERE name = 'Restore me' "
                                                  "AND notes = 'edited on B'"), ==, 1);
  g_assert_false (exists (f->store_a, "clients", accept));
  g_assert_false (exists (f->store_a, "clients", keep_delete));
  value = field (f->store_b, "clients", take_back, "notes");
  g_assert_cmpstr (value, ==, "edited on A");
}

static void
test_duplicate_number (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Acme\"}", NULL);
  g_autofree char *json = NULL;
  g_autofree char *inv_a = NULL;
  g_autofree char *inv_b = NULL;
  g_autoptr(GpConflict) conflict = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = NULL;

  sync_ok (f->a);
  sync_ok (f->b);

  /* Both devices issue 2026-0007 while offline. */
  json = g_strdup_printf ("{\"client_id\":\"%s\",\"number\":\"2026-0007\",\"status\":\"sent\"}", client);
  inv_a = gp_test_save (f->store_a, "invoices", NULL, json, NULL);
  inv_b = gp_test_save (f->store_b, "invoices", NULL, json, NULL);

  sync_ok (f->a);
  sync_ok (f->b);

  conflict = only_conflict (f->store_b);
  g_assert_cmpint (conflict->kind, ==, GP_CONFLICT_DUPLICATE_NUMBER);
  g_assert_cmpstr (gp_conflict_kind_to_string (conflict->kind), ==, "duplicate-number");
  g_assert_cmpstr (conflict->record_id, ==, inv_b);
  g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);

  /* Held back: A never receives the duplicate. */
  sync_ok (f->a);
  g_assert_false (exists (f->store_a, "invoices", inv_b));

  /* The same number again, or none, is refused. */
  g_assert_false (gp_test_resolve (f->store_b, "invoices", inv_b, GP_RESOLUTION_PER_FIELD,
                                   "{\"number\":{\"value\":\"2026-0007\"}}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gp_test_resolve (f->store_b, "invoices", inv_b, GP_RESOLUTION_KEEP_MINE, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (gp_test_resolve (f->store_b, "invoices", inv_b, GP_RESOLUTION_PER_FIELD,
                                  "{\"number\":{\"value\":\"2026-0008\"}}", &error));
  g_assert_no_error (error);
  sync_ok (f->b);
  sync_ok (f->a);
  assert_converged (f);
  number = field (f->store_a, "invoices", inv_b, "number");
  g_assert_cmpstr (number, ==, "2026-0008");
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(DISTINCT number) FROM invoices"), ==, 2);
}

/* Time billed on two devices ----------------------------------------------------------------- */

#define HOUR G_GINT64_CONSTANT (3600000)
/* 2026-03-02 00:00 UTC: a fixed day, so the billing period is exact. */
#define MONDAY G_GINT64_CONSTANT (1772409600000)

static char *
add_time (GpStore    *store,
          const char *ticket,
          gint64      started_at,
          gint64      duration_ms)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *id;

  gp_store_add_time_async (store, ticket, started_at, duration_ms, "work", TRUE, NULL, result_cb, &result);
  gp_test_wait (&result);
  id = gp_store_add_time_finish (store, result, &error);
  g_assert_no_error (error);
  return id;
}

static char *
invoice_time (GpStore    *store,
              const char *client,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_invoice_time_async (store, client, MONDAY, MONDAY + 24 * HOUR, NULL, result_cb, &result);
  gp_test_wait (&result);
  return gp_store_invoice_time_finish (store, result, error);
}

/* Where each device's time is billed, and what its invoices charge for it. */
static void
assert_billed_once (const char *path,
                    const char *invoice,
                    gint64      milli_hours)
{
  g_autofree char *sql = NULL;

  g_assert_cmpint (gp_test_sql_int (path, "SELECT count(*) FROM time_entries WHERE _status != 'deleted'"), ==, 2);
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id = '%s'", invoice);
  g_assert_cmpint (gp_test_sql_int (path, sql), ==, 2);
  /* One live invoice charges for the time, exactly once. */
  g_assert_cmpint (gp_test_sql_int (path, "SELECT count(*) FROM invoices WHERE _status != 'deleted'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (path, "SELECT sum(quantity) FROM invoice_lines WHERE _status != 'deleted'"),
                   ==, milli_hours);
}

/* Both devices turn the same unbilled time into an invoice while offline, then sync. The
 * billing that reaches the server first wins; the other device's invoice is held back as a
 * "double-billed" conflict, and the time is never charged on two invoices. */
static void
test_time_billed_once (Fixture       *f,
                       gconstpointer  data)
{
  const GpResolution resolutions[] = { GP_RESOLUTION_ACCEPT_DELETE, GP_RESOLUTION_KEEP_MINE };

  for (guint r = 0; r < G_N_ELEMENTS (resolutions); r++)
    {
      g_autofree char *client = gp_test_save (f->store_a, "clients", NULL,
                                              "{\"name\":\"Acme\",\"currency\":\"EUR\",\"hourly_rate\":8000}", NULL);
      g_autofree char *json = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Fix login\"}", client);
      g_autofree char *ticket = gp_test_save (f->store_a, "tickets", NULL, json, NULL);
      g_autofree char *e1 = add_time (f->store_a, ticket, MONDAY + 9 * HOUR, HOUR);
      g_autofree char *e2 = add_time (f->store_a, ticket, MONDAY + 11 * HOUR, HOUR / 2);
      g_autofree char *inv_a = NULL;
      g_autofree char *inv_b = NULL;
      g_autofree char *again = NULL;
      g_autofree char *sql = NULL;
      g_autoptr(GpConflict) conflict = NULL;
      g_autoptr(GError) error = NULL;

      sync_ok (f->a);
      sync_ok (f->b);

      /* Offline, both bill the same 1.5 h. */
      inv_a = invoice_time (f->store_a, client, &error);
      g_assert_no_error (error);
      inv_b = invoice_time (f->store_b, client, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (inv_a, !=, inv_b);

      sync_ok (f->a);
      sync_ok (f->b);

      /* A's billing reached the server first and wins: B's entries now point at A's invoice,
       * with no conflict on them. B's own invoice surfaces as a conflict and is held back. */
      conflict = only_conflict (f->store_b);
      g_assert_cmpint (conflict->kind, ==, GP_CONFLICT_DOUBLE_BILLED);
      g_assert_cmpstr (gp_conflict_kind_to_string (conflict->kind), ==, "double-billed");
      g_assert_cmpstr (conflict->table, ==, "invoices");
      g_assert_cmpstr (conflict->record_id, ==, inv_b);
      {
        JsonObject *field = json_object_get_object_member (conflict->fields, "billed_invoice_id");

        g_assert_nonnull (field);
        g_assert_cmpstr (json_object_get_string_member (field, "mine"), ==, inv_b);
        g_assert_cmpstr (json_object_get_string_member (field, "theirs"), ==, inv_a);
        g_assert_cmpstr (json_object_get_string_member (field, "other_id"), ==, inv_a);
      }
      g_assert_cmpuint (gp_sync_status_get_conflict_count (gp_sync_client_get_status (f->b)), ==, 1);
      sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id = '%s' AND _status = 'synced'",
                             inv_a);
      g_assert_cmpint (gp_test_sql_int (f->path_b, sql), ==, 2);
      g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);

      /* Nothing left to bill on B, and A never receives B's invoice or its lines. */
      again = invoice_time (f->store_b, client, &error);
      g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
      g_assert_null (again);
      g_clear_error (&error);
      sync_ok (f->a);
      g_assert_false (exists (f->store_a, "invoices", inv_b));
      g_clear_pointer (&sql, g_free);
      sql = g_strdup_printf ("SELECT count(*) FROM invoice_lines WHERE invoice_id = '%s'", inv_b);
      g_assert_cmpint (gp_test_sql_int (f->path_a, sql), ==, 0);
      assert_billed_once (f->path_a, inv_a, 1500);

      g_assert_true (gp_test_resolve (f->store_b, "invoices", inv_b, resolutions[r], NULL, &error));
      g_assert_no_error (error);
      sync_ok (f->b);
      sync_ok (f->a);
      sync_ok (f->b);
      assert_converged (f);
      g_assert_cmpuint (n_conflicts (f->store_b), ==, 0);
      if (resolutions[r] == GP_RESOLUTION_ACCEPT_DELETE)
        {
          /* Discarded: the duplicate is gone everywhere, the time stays billed on A's. */
          g_assert_false (exists (f->store_b, "invoices", inv_b));
          assert_billed_once (f->path_a, inv_a, 1500);
          assert_billed_once (f->path_b, inv_a, 1500);
        }
      else
        {
          /* Kept on purpose (say, after editing it): it syncs, but the time stays billed on
           * A's invoice only. */
          g_assert_true (exists (f->store_a, "invoices", inv_b));
          g_clear_pointer (&sql, g_free);
          sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id = '%s'", inv_a);
          g_assert_cmpint (gp_test_sql_int (f->path_a, sql), ==, 2);
          g_assert_cmpint (gp_test_sql_int (f->path_b, sql), ==, 2);
          /* Start the next round from a clean slate. */
          g_ptr_array_unref (gp_test_delete (f->store_b, "invoices", inv_b, NULL));
          g_ptr_array_unref (gp_test_delete (f->store_b, "invoices", inv_a, NULL));
          g_ptr_array_unref (gp_test_delete (f->store_b, "clients", client, NULL));
          sync_ok (f->b);
          sync_ok (f->a);
        }
      if (resolutions[r] == GP_RESOLUTION_ACCEPT_DELETE)
        {
          g_ptr_array_unref (gp_test_delete (f->store_a, "invoices", inv_a, NULL));
          g_ptr_array_unref (gp_test_delete (f->store_a, "clients", client, NULL));
          sync_ok (f->a);
          sync_ok (f->b);
        }
      assert_converged (f);
    }
}

/* The same, with time that only B had: B's invoice bills it too. While that invoice is held
 * back as double-billed, the server has never seen it, so the entry that points at it must
 * wait with it: pushed alone, it reached A pointing at an invoice A did not have, waited for
 * it, and was dropped by A's next one-page pull; A never saw that time again (the
 * simulation's seed 1223, SQLite). */
static void
test_billed_into_held_invoice (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL,
                                          "{\"name\":\"Acme\",\"currency\":\"EUR\",\"hourly_rate\":8000}", NULL);
  g_autofree char *json = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Fix login\"}", client);
  g_autofree char *ticket = gp_test_save (f->store_a, "tickets", NULL, json, NULL);
  g_autofree char *e1 = add_time (f->store_a, ticket, MONDAY + 9 * HOUR, HOUR);
  g_autofree char *e3 = NULL;
  g_autofree char *inv_a = NULL;
  g_autofree char *inv_b = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GpConflict) conflict = NULL;
  g_autoptr(GError) error = NULL;

  sync_ok (f->a);
  sync_ok (f->b);

  /* Offline: B logs more time, then both bill the day. */
  e3 = add_time (f->store_b, ticket, MONDAY + 14 * HOUR, HOUR / 4);
  inv_a = invoice_time (f->store_a, client, &error);
  g_assert_no_error (error);
  inv_b = invoice_time (f->store_b, client, &error);
  g_assert_no_error (error);

  sync_ok (f->a);
  sync_ok (f->b);
  conflict = only_conflict (f->store_b);
  g_assert_cmpint (conflict->kind, ==, GP_CONFLICT_DOUBLE_BILLED);
  g_assert_cmpstr (conflict->record_id, ==, inv_b);
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE id = '%s' AND billed_invoice_id = '%s'", e3, inv_b);
  g_assert_cmpint (gp_test_sql_int (f->path_b, sql), ==, 1);

  /* A's view while the decision waits: no entry pointing at an invoice A cannot have. */
  sync_ok (f->a);
  sync_ok (f->a);
  g_assert_false (exists (f->store_a, "invoices", inv_b));
  g_assert_cmpint (gp_test_sql_int (f->path_a, sql), ==, 0);

  /* Kept on purpose: the invoice and its time arrive together. */
  g_assert_true (gp_test_resolve (f->store_b, "invoices", inv_b, GP_RESOLUTION_KEEP_MINE, NULL, &error));
  g_assert_no_error (error);
  sync_ok (f->b);
  sync_ok (f->a);
  sync_ok (f->b);
  assert_converged (f);
  g_assert_true (exists (f->store_a, "invoices", inv_b));
  g_assert_cmpint (gp_test_sql_int (f->path_a, sql), ==, 1);
}

/* A push lost on the way back --------------------------------------------------------------- */

/* Collects A's pending changes and pushes them as A would; the push commits on the server,
 * but A never hears of it. */
static void
push_unanswered (Fixture *f)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GpPushBatch) batch = NULL;
  g_autoptr(GString) body = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *bytes;

  gp_store_sync_collect_async (f->store_a, 100, NULL, result_cb, &result);
  gp_test_wait (&result);
  batch = gp_store_sync_collect_finish (f->store_a, result, &error);
  g_assert_no_error (error);
  bytes = g_bytes_get_data (gp_push_batch_get_body (batch), &size);
  body = g_string_new_len (bytes, size);
  gp_test_push (session, f->server->uri, gp_account_get_token (f->account_a), body);
}

/* A's push of a new client commits on the server, but its answer is lost: A still holds the
 * client as created, with no server version. Any copy on the server came from that push, so
 * when B's edit comes back A merges against what it pushed: B's email and A's later name both
 * stay, and nothing is offered as a conflict (it used to offer every field B changed). A
 * delete of such a record must reach the server too, instead of the record coming back. */
static void
test_lost_answer (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL,
                                          "{\"name\":\"Acme\",\"email\":\"a@acme.test\"}", NULL);
  g_autofree char *other = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Other\"}", NULL);
  g_autofree char *name = NULL;
  g_autofree char *email = NULL;

  push_unanswered (f);

  sync_ok (f->b);
  g_free (gp_test_save (f->store_b, "clients", client, "{\"email\":\"b@acme.test\"}", NULL));
  sync_ok (f->b);

  g_free (gp_test_save (f->store_a, "clients", client, "{\"name\":\"Acme GmbH\"}", NULL));
  g_ptr_array_unref (gp_test_delete (f->store_a, "clients", other, NULL));
  sync_ok (f->a);
  g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);
  name = field (f->store_a, "clients", client, "name");
  email = field (f->store_a, "clients", client, "email");
  g_assert_cmpstr (name, ==, "Acme GmbH");
  g_assert_cmpstr (email, ==, "b@acme.test");

  sync_ok (f->b);
  assert_converged (f);
  g_assert_false (exists (f->store_b, "clients", other));
  g_assert_false (exists (f->store_a, "clients", other));
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(*) FROM sync_meta WHERE key LIKE 'sent:%'"), ==, 0);
}

/* A reference outside a restored subtree ---------------------------------------------------- */

/* Decides every open conflict of @table on @store: restore, or let the delete stand. */
static void
decide_all (GpStore      *store,
            const char   *table,
            GpResolution  resolution)
{
  g_autoptr(GPtrArray) conflicts = gp_test_conflicts (store);

  for (guint i = 0; i < conflicts->len; i++)
    {
      GpConflict *c = g_ptr_array_index (conflicts, i);
      g_autoptr(GError) error = NULL;

      if (g_strcmp0 (c->table, table) != 0)
        continue;
      g_assert_cmpint (c->kind, ==, GP_CONFLICT_REMOTE_DELETE);
      g_assert_true (gp_test_resolve (store, c->table, c->record_id, resolution, NULL, &error));
      g_assert_no_error (error);
    }
}

/* A deletes a client with its ticket. D, which had edited both, brings them back: they return
 * under derived ids, the ticket pointing at the client's copy. B, offline all along, edited
 * them too and logged time on the ticket; its decisions bring the same two back, in either
 * order. The time entry points at its ticket (its parent) and at the client (a second
 * reference); restoring the ticket must not leave the entry's client behind on the deleted
 * original, or the server keeps an entry that every other device waits on and then drops
 * (the simulation's seed 9007, SQLite). With no restored copy of the client anywhere (D
 * lets both deletes stand), letting the client's delete stand on B takes its tickets along,
 * the restored one and its time included, as any accepted delete does. */
typedef enum
{
  TICKET_FIRST,
  CLIENT_FIRST,
  TICKET_THEN_CLIENT_DELETED,
  NO_COPY,
} DecisionOrder;

static void
restored_reference (Fixture       *f,
                    DecisionOrder  order)
{
  g_autofree char *path_d = g_build_filename (f->dir, "d.db", NULL);
  g_autoptr(GpStore) store_d = gp_test_open_store (path_d);
  g_autoptr(GpAccount) account_d = gp_test_account_sign_in (f->server->uri, f->email, FALSE);
  g_autoptr(GpSyncClient) d = new_client (store_d, account_d);
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Acme\"}", NULL);
  g_autofree char *json = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Fix login\"}", client);
  g_autofree char *ticket = gp_test_save (f->store_a, "tickets", NULL, json, NULL);
  g_autofree char *entry = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *dump_a = NULL;
  g_autofree char *dump_b = NULL;
  g_autofree char *dump_d = NULL;

  sync_ok (f->a);
  sync_ok (f->b);
  sync_ok (d);

  /* A deletes the client (its ticket goes along); D and B had edited both. */
  g_ptr_array_unref (gp_test_delete (f->store_a, "clients", client, NULL));
  g_free (gp_test_save (store_d, "clients", client, "{\"notes\":\"edited on D\"}", NULL));
  g_free (gp_test_save (store_d, "tickets", ticket, "{\"body\":\"edited on D\"}", NULL));
  g_free (gp_test_save (f->store_b, "clients", client, "{\"notes\":\"edited on B\"}", NULL));
  g_free (gp_test_save (f->store_b, "tickets", ticket, "{\"body\":\"edited on B\"}", NULL));
  entry = add_time (f->store_b, ticket, MONDAY + 9 * HOUR, HOUR);
  sync_ok (f->a);

  /* D brings both back, the client first: its ticket's copy follows it. */
  sync_ok (d);
  decide_all (store_d, "clients", order == NO_COPY ? GP_RESOLUTION_ACCEPT_DELETE : GP_RESOLUTION_RESTORE);
  decide_all (store_d, "tickets", order == NO_COPY ? GP_RESOLUTION_ACCEPT_DELETE : GP_RESOLUTION_RESTORE);
  sync_ok (d);
  g_assert_cmpuint (n_conflicts (store_d), ==, 0);

  /* B's decisions, after it has pulled D's copies. Letting the client's delete stand after
   * bringing the ticket back still leaves D's copy of the client for the entry. */
  sync_ok (f->b);
  if (order == CLIENT_FIRST)
    decide_all (f->store_b, "clients", GP_RESOLUTION_RESTORE);
  decide_all (f->store_b, "tickets", GP_RESOLUTION_RESTORE);
  if (order != CLIENT_FIRST)
    decide_all (f->store_b, "clients", order == TICKET_FIRST ? GP_RESOLUTION_RESTORE : GP_RESOLUTION_ACCEPT_DELETE);
  g_assert_cmpuint (n_conflicts (store_d), ==, 0);
  g_assert_cmpuint (n_conflicts (f->store_b), ==, 0);

  for (guint round = 0; round < 2; round++)
    {
      sync_ok (f->b);
      sync_ok (d);
      sync_ok (f->a);
    }

  /* The entry is everywhere, pointing at the live copy of its client and ticket (with no
   * copy of the client, it is nowhere, and neither is any ticket or client). */
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries e JOIN tickets t ON t.id = e.ticket_id "
                         "JOIN clients c ON c.id = e.client_id AND c.id = t.client_id "
                         "WHERE e.id = '%s' AND e._status != 'deleted' AND t._status != 'deleted' "
                         "AND c._status != 'deleted' AND c.name = 'Acme'", entry);
  g_assert_cmpint (gp_test_sql_int (f->path_b, sql), ==, order == NO_COPY ? 0 : 1);
  g_assert_cmpint (gp_test_sql_int (path_d, sql), ==, order == NO_COPY ? 0 : 1);
  g_assert_cmpint (gp_test_sql_int (f->path_a, sql), ==, order == NO_COPY ? 0 : 1);
  if (order == NO_COPY)
    g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT (SELECT count(*) FROM time_entries) + "
                                                 "(SELECT count(*) FROM tickets) + (SELECT count(*) FROM clients)"), ==, 0);
  dump_a = gp_test_dump (f->path_a);
  dump_b = gp_test_dump (f->path_b);
  dump_d = gp_test_dump (path_d);
  g_assert_cmpstr (dump_b, ==, dump_a);
  g_assert_cmpstr (dump_d, ==, dump_a);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 0);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_b), ==, 0);
  g_assert_cmpuint (gp_store_get_pending_count (store_d), ==, 0);
  /* Nothing is remembered as sent for a record that is gone (a restored ticket that went
   * with its client's accepted delete left its note behind before). */
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM sync_meta WHERE key LIKE 'sent:%'"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (path_d, "SELECT count(*) FROM sync_meta WHERE key LIKE 'sent:%'"), ==, 0);

  gp_sync_client_stop (d);
  g_assert_true (gp_test_wait_until (not_syncing, gp_sync_client_get_status (d), 30000));
  g_assert_finalize_object (g_steal_pointer (&d));
  gp_store_close (store_d);
}

static void
test_restored_reference_ticket_first (Fixture       *f,
                                      gconstpointer  data)
{
  restored_reference (f, TICKET_FIRST);
}

static void
test_restored_reference_client_first (Fixture       *f,
                                      gconstpointer  data)
{
  restored_reference (f, CLIENT_FIRST);
}

static void
test_restored_reference_client_deleted (Fixture       *f,
                                        gconstpointer  data)
{
  restored_reference (f, TICKET_THEN_CLIENT_DELETED);
}

static void
test_restored_reference_no_copy (Fixture       *f,
                                 gconstpointer  data)
{
  restored_reference (f, NO_COPY);
}

/* A record whose push went out unacknowledged (its sent: note kept) and was then deleted by
 * the server, quietly (no change here since) or after a decision letting the delete stand:
 * its note goes with it, so nothing is left in sync_meta for a record that is gone. */
static void
test_sent_note_purged (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *quiet = NULL;
  g_autofree char *edited = NULL;
  g_autoptr(GError) error = NULL;
  const char *sent = "SELECT count(*) FROM sync_meta WHERE key LIKE 'sent:%'";

  /* A has pulled before: its next pull names what was deleted since. */
  sync_ok (f->a);
  quiet = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Quiet\"}", NULL);
  edited = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Edited\"}", NULL);
  push_unanswered (f);
  g_assert_cmpint (gp_test_sql_int (f->path_a, sent), ==, 2);

  /* B deletes both; A edits one of them meanwhile, then lets its delete stand. */
  sync_ok (f->b);
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", quiet, NULL));
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", edited, NULL));
  sync_ok (f->b);
  g_free (gp_test_save (f->store_a, "clients", edited, "{\"notes\":\"edited on A\"}", NULL));
  sync_ok (f->a);
  g_assert_false (exists (f->store_a, "clients", quiet));
  decide_all (f->store_a, "clients", GP_RESOLUTION_ACCEPT_DELETE);
  g_assert_false (exists (f->store_a, "clients", edited));
  g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path_a, sent), ==, 0);

  sync_ok (f->a);
  sync_ok (f->b);
  assert_converged (f);
  g_assert_cmpint (gp_test_sql_int (f->path_a, sent), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path_b, sent), ==, 0);
}

/* Failures ----------------------------------------------------------------------------------- */

static gboolean
drained (gpointer data)
{
  Fixture *f = data;
  GpSyncStatus *status = gp_sync_client_get_status (f->a);

  return gp_store_get_pending_count (f->store_a) == 0 && gp_sync_status_get_state (status) == GP_SYNC_STATE_IDLE;
}

static gboolean
is_offline (gpointer data)
{
  return gp_sync_status_get_state (data) == GP_SYNC_STATE_OFFLINE;
}

static void
test_offline_queue (Fixture       *f,
                    gconstpointer  data)
{
  GpSyncStatus *status = gp_sync_client_get_status (f->a);

  /* The server goes away; work goes on. */
  gp_test_server_kill (f->server);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Offline %u\"}", i);
      g_free (gp_test_save (f->store_a, "clients", NULL, json, NULL));
    }
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 12);

  gp_sync_client_start (f->a);
  g_assert_true (gp_test_wait_until (is_offline, status, 10000));
  g_assert_cmpstr (gp_sync_status_get_last_error (status), ==,
                   "The server could not be reached. Your changes are kept and will sync later.");
  g_assert_cmpuint (gp_sync_status_get_pending_count (status), ==, 12);

  /* More edits while offline queue up too. */
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Offline late\"}", NULL));

  /* The server appears (same port, same data): the queue drains by itself. */
  gp_test_server_restart (f->server);
  g_assert_true (gp_test_wait_until (drained, f, 30000));
  g_assert_null (gp_sync_status_get_last_error (status));
  g_assert_cmpuint (gp_sync_status_get_pending_count (status), ==, 0);

  sync_ok (f->b);
  assert_converged (f);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM clients"), ==, 13);
}

static gboolean
is_signed_out (gpointer data)
{
  return gp_sync_status_get_state (data) == GP_SYNC_STATE_SIGNED_OUT;
}

static void
rotate_server_key (Fixture *f)
{
  g_autofree char *key = g_build_filename (f->server->dir, "token.key", NULL);

  gp_test_server_kill (f->server);
  g_assert_cmpint (g_remove (key), ==, 0);
  gp_test_server_restart (f->server);
}

static void
test_token_expiry (Fixture       *f,
                   gconstpointer  data)
{
  GpSyncStatus *status = gp_sync_client_get_status (f->a);
  g_autofree char *old_token = g_strdup (gp_account_get_token (f->account_a));
  g_autoptr(GError) error = NULL;

  sync_ok (f->a);

  /* The access token stops being accepted (the server's signing key changes, which looks to
   * the client exactly like an expired token; real expiry has a 60 s leeway on the server,
   * too slow for this suite): the client renews it with the refresh token and carries on. */
  rotate_server_key (f);
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"After expiry\"}", NULL));
  sync_ok (f->a);
  g_assert_cmpstr (gp_account_get_token (f->account_a), !=, old_token);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 0);

  /* The session is revoked: someone replays the refresh token (here: the test, with the
   * copy in the keyring), so the server revokes the whole family. Signed out, nothing lost. */
  {
    g_autofree char *secret = secret_password_lookup_sync (gp_account_get_secret_schema (), NULL, &error,
                                                          "server", f->server->uri, "email", f->email, NULL);
    g_autoptr(JsonNode) node = json_from_string (secret, &error);
    g_autofree char *body = NULL;
    g_autofree char *uri = g_strconcat (f->server->uri, "/auth/refresh", NULL);
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr(GBytes) reply = NULL;
    g_autoptr(GBytes) request = NULL;

    g_assert_no_error (error);
    body = g_strdup_printf ("{\"refresh_token\":\"%s\"}",
                            json_object_get_string_member (json_node_get_object (node), "refresh_token"));
    request = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "application/json", request);
    reply = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (soup_message_get_status (msg), ==, 200);
  }
  rotate_server_key (f);
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Pending\"}", NULL));
  gp_test_sync (f->a, &error);
  g_assert_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED);
  g_assert_true (gp_test_wait_until (is_signed_out, status, 5000));
  g_assert_cmpstr (gp_sync_status_get_last_error (status), ==,
                   "Your session has ended. Sign in again to resume syncing; your changes are kept.");
  g_assert_false (gp_account_get_signed_in (f->account_a));
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 1);
}

/* A proxy in front of the server that can lose the answer to a push after the server
 * committed it, killing the server on the spot (kill -9). */
typedef struct
{
  SoupServer *soup;
  SoupSession *session;
  GpTestServer *upstream;
  char *uri;
  gboolean kill_after_push;
  guint pushes;
} Proxy;

typedef struct
{
  Proxy *proxy;
  SoupServerMessage *msg;
  gboolean is_push;
} Forward;

static void
forwarded_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Forward *fw = user_data;
  SoupMessage *upstream_msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (body != NULL && fw->is_push && fw->proxy->kill_after_push
      && soup_message_get_status (upstream_msg) == SOUP_STATUS_OK)
    {
      /* The push is durable on the server; its answer never reaches the client. */
      fw->proxy->kill_after_push = FALSE;
      gp_test_server_kill (fw->proxy->upstream);
      soup_server_message_set_status (fw->msg, SOUP_STATUS_BAD_GATEWAY, NULL);
    }
  else if (body == NULL)
    soup_server_message_set_status (fw->msg, SOUP_STATUS_BAD_GATEWAY, NULL);
  else
    {
      gsize size;
      const char *data = g_bytes_get_data (body, &size);

      soup_server_message_set_status (fw->msg, soup_message_get_status (upstream_msg), NULL);
      soup_server_message_set_response (fw->msg, "application/json", SOUP_MEMORY_COPY, data, size);
    }
  soup_server_message_unpause (fw->msg);
  g_object_unref (fw->msg);
  g_free (fw);
}

static void
proxy_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Proxy *proxy = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *target = NULL;
  g_autoptr(SoupMessage) out = NULL;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Forward *fw;

  if (proxy->upstream->process == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_GATEWAY, NULL);
      return;
    }

  target = g_strdup_printf ("%s%s%s%s", proxy->upstream->uri, path,
                            g_uri_get_query (uri) ? "?" : "", g_uri_get_query (uri) ? g_uri_get_query (uri) : "");
  out = soup_message_new (soup_server_message_get_method (msg), target);
  if (auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (out), "Authorization", auth);
  if (body->length > 0)
    {
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
      soup_message_set_request_body_from_bytes (out, "application/json", bytes);
    }

  fw = g_new0 (Forward, 1);
  fw->proxy = proxy;
  fw->msg = g_object_ref (msg);
  fw->is_push = g_str_equal (path, "/sync/push");
  if (fw->is_push)
    proxy->pushes++;
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (proxy->session, out, G_PRIORITY_DEFAULT, NULL, forwarded_cb, fw);
}

static void
test_kill_mid_push (Fixture       *f,
                    gconstpointer  data)
{
  Proxy proxy = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GpAccount) via_proxy = NULL;
  g_autoptr(GpSyncClient) client = NULL;
  g_autoptr(GSList) uris = NULL;

  proxy.soup = soup_server_new (NULL, NULL);
  proxy.session = soup_session_new ();
  proxy.upstream = f->server;
  soup_server_add_handler (proxy.soup, NULL, proxy_handler, &proxy, NULL);
  soup_server_listen_local (proxy.soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (proxy.soup);
  proxy.uri = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify)g_uri_unref);

  via_proxy = gp_test_account_sign_in (proxy.uri, f->email, FALSE);
  client = new_client (f->store_a, via_proxy);
  g_object_set (client, "push-batch-size", 1000, NULL);

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"Client %u\"}", i);
      g_free (gp_test_save (f->store_a, "clients", NULL, json, NULL));
    }

  proxy.kill_after_push = TRUE;
  gp_test_sync (client, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (proxy.upstream->process);
  g_assert_cmpuint (proxy.pushes, ==, 1);
  /* The client cannot know the push committed: everything is still pending. */
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 25);

  gp_test_server_restart (f->server);
  gp_test_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gp_store_get_pending_count (f->store_a), ==, 0);

  sync_ok (f->b);
  assert_converged (f);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM clients"), ==, 25);
  /* No duplicates: a fresh device sees each record once. */
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(DISTINCT name) FROM clients"), ==, 25);

  gp_sync_client_stop (client);
  g_assert_true (gp_test_wait_until (not_syncing, gp_sync_client_get_status (client), 30000));
  g_assert_finalize_object (g_steal_pointer (&client));
  g_clear_object (&via_proxy);
  gp_test_iterate (50);
  soup_server_disconnect (proxy.soup);
  g_clear_object (&proxy.soup);
  g_clear_object (&proxy.session);
  g_free (proxy.uri);
}

static void
test_push_id_reuse (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpPushBatch) first = NULL;
  g_autoptr(GpPushBatch) second = NULL;
  g_autoptr(GpPushBatch) third = NULL;

  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"One\"}", NULL));

  gp_store_sync_collect_async (f->store_a, 100, NULL, result_cb, &result);
  gp_test_wait (&result);
  first = gp_store_sync_collect_finish (f->store_a, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* Not acknowledged: the same changes go again under the same push id (a replay). */
  gp_store_sync_collect_async (f->store_a, 100, NULL, result_cb, &result);
  gp_test_wait (&result);
  second = gp_store_sync_collect_finish (f->store_a, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpstr (gp_push_batch_get_push_id (first), ==, gp_push_batch_get_push_id (second));
  g_assert_true (g_bytes_equal (gp_push_batch_get_body (first), gp_push_batch_get_body (second)));
  g_assert_true (g_uuid_string_is_valid (gp_push_batch_get_push_id (first)));

  /* Different changes get a fresh id: a replay must never stand in for new data. */
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Two\"}", NULL));
  gp_store_sync_collect_async (f->store_a, 100, NULL, result_cb, &result);
  gp_test_wait (&result);
  third = gp_store_sync_collect_finish (f->store_a, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_push_batch_get_push_id (first), !=, gp_push_batch_get_push_id (third));
  g_assert_cmpuint (gp_push_batch_get_n_records (third), ==, 2);
}

static void
count_changes_cb (GpSyncStatus *status,
                  GParamSpec   *pspec,
                  GPtrArray    *texts)
{
  const char *text = gp_sync_status_get_progress_text (status);

  if (text != NULL)
    g_ptr_array_add (texts, g_strdup (text));
}

static void
test_progress_and_debounce (Fixture       *f,
                            gconstpointer  data)
{
  GpSyncStatus *status = gp_sync_client_get_status (f->a);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  gboolean saw_sending = FALSE;

  g_signal_connect (status, "notify::progress-text", G_CALLBACK (count_changes_cb), texts);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\":\"P %u\"}", i);
      g_free (gp_test_save (f->store_a, "clients", NULL, json, NULL));
    }

  /* Started, the client syncs by itself; later edits are picked up after the debounce. */
  gp_sync_client_start (f->a);
  g_assert_true (gp_test_wait_until (drained, f, 10000));
  g_free (gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Debounced\"}", NULL));
  g_assert_true (gp_test_wait_until (drained, f, 10000));
  g_assert_cmpint (gp_test_sql_int (f->path_a, "SELECT count(*) FROM clients WHERE _status = 'synced'"), ==, 11);

  for (guint i = 0; i < texts->len; i++)
    if (g_str_equal (g_ptr_array_index (texts, i), "Sending 7 of 10 changes"))
      saw_sending = TRUE;
  g_assert_true (saw_sending);
  g_assert_null (gp_sync_status_get_progress_text (status));
  g_signal_handlers_disconnect_by_data (status, texts);
}

/* Found by the convergence simulation ----------------------------------------------------- */

/* A record two levels below a record deleted on the server waits with it: pushed alone it
 * would be an orphan on the server. Restored, it comes back with its parents. */
static void
test_remote_delete_two_levels (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Parent\"}", NULL);
  g_autofree char *invoice = NULL;
  g_autofree char *line = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GpRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  sync_ok (f->a);
  sync_ok (f->b);

  /* B deletes the client; A, not knowing, adds an invoice and a line to it. */
  g_ptr_array_unref (gp_test_delete (f->store_b, "clients", client, NULL));
  sync_ok (f->b);
  json = g_strdup_printf ("{\"client_id\":\"%s\"}", client);
  invoice = gp_test_save (f->store_a, "invoices", NULL, json, NULL);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\":\"%s\",\"description\":\"Two levels down\"}", invoice);
  line = gp_test_save (f->store_a, "invoice_lines", NULL, json, NULL);
  sync_ok (f->a);

  g_assert_cmpuint (n_conflicts (f->store_a), ==, 1);
  record = gp_test_get (f->store_a, "invoice_lines", line, NULL);
  g_assert_nonnull (record);
  g_assert_cmpstr (gp_record_get_sync_status (record), ==, "created");

  g_assert_true (gp_test_resolve (f->store_a, "clients", client, GP_RESOLUTION_RESTORE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_conflicts (f->store_a), ==, 0);
  sync_ok (f->a);
  sync_ok (f->b);
  assert_converged (f);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM invoice_lines "
                                                  "WHERE description = 'Two levels down'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM invoice_lines"), ==, 1);
}

/* A record added on one device below a record deleted (not yet pushed) on another is not
 * deleted along unseen: the deleting device gets a local-delete conflict, and taking the
 * server's record back brings back everything below it. */
static void
test_remote_child_under_local_delete (Fixture       *f,
                                      gconstpointer  data)
{
  g_autofree char *client = gp_test_save (f->store_a, "clients", NULL, "{\"name\":\"Kept\"}", NULL);
  g_autofree char *ticket = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  GpConflict *conflict;

  json = g_strdup_printf ("{\"client_id\":\"%s\",\"title\":\"Ticket\"}", client);
  ticket = gp_test_save (f->store_a, "tickets", NULL, json, NULL);
  sync_ok (f->a);
  sync_ok (f->b);

  g_ptr_array_unref (gp_test_delete (f->store_a, "clients", client, NULL));
  g_free (json);
  json = g_strdup_printf ("{\"ticket_id\":\"%s\",\"started_at\":1000,\"note\":\"Added on B\"}", ticket);
  entry = gp_test_save (f->store_b, "time_entries", NULL, json, NULL);
  sync_ok (f->b);
  sync_ok (f->a);

  conflicts = gp_test_conflicts (f->store_a);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = g_ptr_array_index (conflicts, 0);
  g_assert_cmpint (conflict->kind, ==, GP_CONFLICT_LOCAL_DELETE);
  g_assert_cmpstr (conflict->table, ==, "clients");
  g_assert_cmpstr (conflict->record_id, ==, client);

  g_assert_true (gp_test_resolve (f->store_a, "clients", client, GP_RESOLUTION_USE_THEIRS, NULL, &error));
  g_assert_no_error (error);
  sync_ok (f->a);
  sync_ok (f->b);
  assert_converged (f);
  g_assert_true (exists (f->store_a, "clients", client));
  g_assert_true (exists (f->store_a, "tickets", ticket));
  g_assert_true (exists (f->store_a, "time_entries", entry));
  g_assert_true (exists (f->store_b, "time_entries", entry));
}

static void
apply_page (GpStore    *store,
            const char *json,
            gint64      last_pulled_at)
{
  g_autoptr(GBytes) page = g_bytes_new (json, strlen (json));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpPullOutcome) outcome = NULL;

  gp_store_sync_apply_pull_async (store, page, last_pulled_at, NULL, result_cb, &result);
  gp_test_wait (&result);
  outcome = gp_store_sync_apply_pull_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (outcome);
}

/* A parent changed while a paged pull was read falls out of that pull's snapshot and comes
 * with the next pull; its child, delivered before, waits for it instead of being dropped
 * (the next pull would never bring the child again). */
static void
test_orphan_waits_for_parent (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gigpilot-orphan-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(GpStore) store = NULL;
  g_autofree char *cmd = NULL;

  g_assert_no_error (error);
  store = gp_test_open_store (path);
  apply_page (store,
              "{\"changes\":{\"invoice_lines\":{\"created\":[{\"id\":\"line1\",\"invoice_id\":\"inv1\","
              "\"position\":0,\"description\":\"waits\",\"quantity\":1000,\"unit_price\":5,\"tax_rate\":0,"
              "\"discount\":0}],\"updated\":[],\"deleted\":[]}},\"timestamp\":100,\"next_cursor\":\"c1\"}", 0);
  apply_page (store, "{\"changes\":{},\"timestamp\":100}", 0);
  g_assert_false (exists (store, "invoice_lines", "line1"));

  apply_page (store,
              "{\"changes\":{\"clients\":{\"created\":[{\"id\":\"cl1\",\"name\":\"C\"}],\"updated\":[],"
              "\"deleted\":[]},\"invoices\":{\"created\":[{\"id\":\"inv1\",\"client_id\":\"cl1\","
              "\"status\":\"draft\",\"currency\":\"EUR\",\"kind\":\"invoice\"}],\"updated\":[],\"deleted\":[]}},"
              "\"timestamp\":200}", 100);
  g_assert_true (exists (store, "invoice_lines", "line1"));

  /* A stashed child whose deletion is reported goes. */
  apply_page (store,
              "{\"changes\":{\"invoice_lines\":{\"created\":[{\"id\":\"line2\",\"invoice_id\":\"inv2\","
              "\"position\":0,\"quantity\":1000,\"unit_price\":5,\"tax_rate\":0,\"discount\":0}],"
              "\"updated\":[],\"deleted\":[]}},\"timestamp\":300,\"next_cursor\":\"c2\"}", 200);
  apply_page (store,
              "{\"changes\":{\"invoice_lines\":{\"created\":[],\"updated\":[],\"deleted\":[\"line2\"]},"
              "\"invoices\":{\"created\":[{\"id\":\"inv2\",\"client_id\":\"cl1\",\"status\":\"draft\","
              "\"currency\":\"EUR\",\"kind\":\"invoice\"}],\"updated\":[],\"deleted\":[]}},\"timestamp\":400}", 300);
  g_assert_true (exists (store, "invoices", "inv2"));
  g_assert_false (exists (store, "invoice_lines", "line2"));

  gp_store_close (store);
  g_assert_finalize_object (g_steal_pointer (&store));
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/sync-client/account-keyring", test_account_keyring, NULL);
  ADD ("/sync-client/converge", test_converge, NULL);
  ADD ("/sync-client/conflict-edit", test_conflict_edit, NULL);
  ADD ("/sync-client/conflict-delete", test_conflict_delete, NULL);
  ADD ("/sync-client/duplicate-number", test_duplicate_number, NULL);
  ADD ("/sync-client/time-billed-once", test_time_billed_once, NULL);
  ADD ("/sync-client/billed-into-held-invoice", test_billed_into_held_invoice, NULL);
  ADD ("/sync-client/offline-queue", test_offline_queue, NULL);
  ADD ("/sync-client/token-expiry", test_token_expiry, NULL);
  ADD ("/sync-client/kill-mid-push", test_kill_mid_push, NULL);
  ADD ("/sync-client/push-id-reuse", test_push_id_reuse, NULL);
  ADD ("/sync-client/lost-answer", test_lost_answer, NULL);
  ADD ("/sync-client/restored-reference/ticket-first", test_restored_reference_ticket_first, NULL);
  ADD ("/sync-client/restored-reference/client-first", test_restored_reference_client_first, NULL);
  ADD ("/sync-client/restored-reference/client-deleted", test_restored_reference_client_deleted, NULL);
  ADD ("/sync-client/restored-reference/no-copy", test_restored_reference_no_copy, NULL);
  ADD ("/sync-client/sent-note-purged", test_sent_note_purged, NULL);
  ADD ("/sync-client/progress-and-debounce", test_progress_and_debounce, NULL);
  ADD ("/sync-client/remote-delete-two-levels", test_remote_delete_two_levels, NULL);
  ADD ("/sync-client/remote-child-under-local-delete", test_remote_child_under_local_delete, NULL);
  g_test_add_func ("/sync-client/orphan-waits-for-parent", test_orphan_waits_for_parent);
#undef ADD

  return g_test_run ();
}

/* gp-account.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-account.h"
#include "gp-error.h"
#include "gp-sync-private.h"

/* The sync account: which server, which email, and the tokens the server handed out.
 * The tokens live only in the keyring (libsecret, schema io.github.gigpilot.Token,
 * attributes server + email) and in memory, never in GSettings or a file; GSettings may
 * remember the server URL, which is not a secret. The secret is a small JSON object with the
 * access token, its expiry, the refresh token and the user id. */

struct _GpAccount
{
  GObject parent_instance;

  /* Owned */
  SoupSession *session;
  char *server_url;
  char *email;
  char *user_id;
  char *token;
  char *refresh_token;
  gint64 expires_at;
};

G_DEFINE_FINAL_TYPE (GpAccount, gp_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_EMAIL,
  PROP_SIGNED_IN,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

/**
 * gp_account_get_secret_schema:
 *
 * Returns: (transfer none): the libsecret schema of GigPilot's sync tokens
 */
const SecretSchema *
gp_account_get_secret_schema (void)
{
  static const SecretSchema schema = {
    "io.github.gigpilot.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
gp_account_finalize (GObject *object)
{
  GpAccount *self = (GpAccount *)object;

  g_clear_object (&self->session);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->email, g_free);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->refresh_token, g_free);

  G_OBJECT_CLASS (gp_account_parent_class)->finalize (object);
}

static void
gp_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  GpAccount *self = GP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;

    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;

    case PROP_SIGNED_IN:
      g_value_set_boolean (value, gp_account_get_signed_in (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_account_class_init (GpAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gp_account_finalize;
  object_class->get_property = gp_account_get_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNED_IN] =
    g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gp_account_init (GpAccount *self)
{
  self->session = _gp_http_session_new ();
}

/**
 * gp_account_new:
 *
 * Returns: (transfer full): a signed-out account; call gp_account_load_async() to pick up
 *   a token kept in the keyring
 */
GpAccount *
gp_account_new (void)
{
  return g_object_new (GP_TYPE_ACCOUNT, NULL);
}

const char *
gp_account_get_server_url (GpAccount *self)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), NULL);
  return self->server_url;
}

const char *
gp_account_get_email (GpAccount *self)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), NULL);
  return self->email;
}

const char *
gp_account_get_user_id (GpAccount *self)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), NULL);
  return self->user_id;
}

/**
 * gp_account_get_token:
 * @self: an account
 *
 * Returns: (nullable): the access token for `Authorization: Bearer`, or %NULL if signed out
 */
const char *
gp_account_get_token (GpAccount *self)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), NULL);
  return self->token;
}

gboolean
gp_account_get_signed_in (GpAccount *self)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), FALSE);
  return self->token != NULL && self->server_url != NULL;
}

/**
 * gp_account_normalize_server_url:
 * @server_url: what the user typed, e.g. "https://sync.example.org/"
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the URL without a trailing slash, or %NULL with
 *   %GP_SYNC_ERROR_FAILED if it is not an http(s) URL
 */
char *
gp_account_normalize_server_url (const char  *server_url,
                                 GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *text = NULL;
  const char *scheme;
  gsize len;

  if (server_url != NULL)
    uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
      || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED,
                   _("“%s” is not a server address. It looks like https://sync.example.org"),
                   server_url ? server_url : "");
      return NULL;
    }

  text = g_uri_to_string (uri);
  len = strlen (text);
  while (len > 0 && text[len - 1] == '/')
    text[--len] = '\0';

  return g_steal_pointer (&text);
}

/**
 * gp_account_build_uri:
 * @self: a signed-in account
 * @path_and_query: e.g. "/sync/pull?last_pulled_at=null"
 *
 * Returns: (transfer full): the absolute URI on the account's server
 */
char *
gp_account_build_uri (GpAccount  *self,
                      const char *path_and_query)
{
  g_return_val_if_fail (GP_IS_ACCOUNT (self), NULL);
  g_return_val_if_fail (self->server_url != NULL, NULL);

  return g_strconcat (self->server_url, path_and_query, NULL);
}

static void
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/* Adopts a new identity and tokens, notifying only what changed. */
static void
set_identity (GpAccount  *self,
              const char *server_url,
              const char *email,
              JsonObject *secret)
{
  gboolean was_signed_in = gp_account_get_signed_in (self);
  gboolean server_changed = g_strcmp0 (self->server_url, server_url) != 0;
  gboolean email_changed = g_strcmp0 (self->email, email) != 0;

  set_string (&self->server_url, server_url);
  set_string (&self->email, email);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->refresh_token, g_free);
  g_clear_pointer (&self->user_id, g_free);
  self->expires_at = 0;

  if (secret != NULL)
    {
      JsonNode *user = json_object_get_member (secret, "user_id");

      self->token = g_strdup (json_object_get_string_member_with_default (secret, "token", NULL));
      self->refresh_token = g_strdup (json_object_get_string_member_with_default (secret, "refresh_token", NULL));
      self->expires_at = json_object_get_int_member_with_default (secret, "expires_at", 0);
      if (user != NULL && JSON_NODE_HOLDS_VALUE (user))
        {
          if (json_node_get_value_type (user) == G_TYPE_STRING)
            self->user_id = g_strdup (json_node_get_string (user));
          else
            self->user_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (user));
        }
    }

  if (server_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  if (email_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
  if (was_signed_in != gp_account_get_signed_in (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
}

static char *
secret_to_string (GpAccount *self)
{
  g_autoptr(JsonObject) secret = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (secret, "token", self->token);
  if (self->refresh_token != NULL)
    json_object_set_string_member (secret, "refresh_token", self->refresh_token);
  json_object_set_int_member (secret, "expires_at", self->expires_at);
  if (self->user_id != NULL)
    json_object_set_string_member (secret, "user_id", self->user_id);

  node = json_node_init_object (json_node_alloc (), secret);
  return json_to_string (node, FALSE);
}

/* Load ------------------------------------------------------------------------------------ */

typedef struct
{
  char *server_url;
  char *email;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->server_url);
  g_free (data->email);
  g_free (data);
}

static void
load_lookup_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpAccount *self = g_task_get_source_object (task);
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = secret_password_lookup_finish (result, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) secret = NULL;

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (text != NULL)
    {
      bytes = g_bytes_new (text, strlen (text));
      secret = _gp_http_parse_object (bytes, NULL);
      secret_password_wipe (text);
    }

  if (secret == NULL || !json_object_has_member (secret, "token"))
    {
      set_identity (self, data->server_url, data->email, NULL);
      g_task_return_boolean (task, FALSE);
      return;
    }

  set_identity (self, data->server_url, data->email, secret);
  g_task_return_boolean (task, TRUE);
}

static void
load_search_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *items = secret_password_search_finish (result, &error);
  SecretRetrievable *newest = NULL;

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* One account per server is what the UI offers; if several are stored, the most
   * recently used one wins. */
  for (GList *l = items; l != NULL; l = l->next)
    if (newest == NULL
        || secret_retrievable_get_modified (l->data) > secret_retrievable_get_modified (newest))
      newest = l->data;

  if (newest == NULL)
    {
      g_list_free_full (items, g_object_unref);
      g_task_return_boolean (task, FALSE);
      return;
    }

  {
    g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (newest);

    data->server_url = g_strdup (g_hash_table_lookup (attributes, "server"));
    data->email = g_strdup (g_hash_table_lookup (attributes, "email"));
  }
  g_list_free_full (items, g_object_unref);

  secret_password_lookup (gp_account_get_secret_schema (), g_task_get_cancellable (task),
                          load_lookup_cb, g_object_ref (task),
                          "server", data->server_url,
                          "email", data->email,
                          NULL);
}

/**
 * gp_account_load_async:
 * @self: an account
 * @server_url: (nullable): only consider tokens for this server
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up a token kept in the keyring by an earlier sign-in.
 */
void
gp_account_load_async (GpAccount           *self,
                       const char          *server_url,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  LoadData *data;

  g_return_if_fail (GP_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_account_load_async);
  data = g_new0 (LoadData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify)load_data_free);

  /* The attribute table owns its strings: the search reads them after this returns. */
  attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  if (server_url != NULL && *server_url != '\0')
    {
      g_autoptr(GError) error = NULL;
      char *normalized = gp_account_normalize_server_url (server_url, &error);

      if (normalized == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_hash_table_insert (attributes, (gpointer)"server", normalized);
    }

  secret_password_searchv (gp_account_get_secret_schema (), attributes,
                           SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                           cancellable, load_search_cb, g_steal_pointer (&task));
}

/**
 * gp_account_load_finish:
 * @self: an account
 * @result: the result
 * @error: return location for a #GError (keyring failures)
 *
 * Returns: %TRUE if a token was found and the account is signed in
 */
gboolean
gp_account_load_finish (GpAccount     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Sign in, register, refresh --------------------------------------------------------------- */

typedef struct
{
  char *server_url;
  char *email;
  char *password;
  JsonObject *secret;
} AuthData;

static void
auth_data_free (AuthData *data)
{
  if (data->password != NULL)
    secret_password_free (data->password);
  g_free (data->server_url);
  g_free (data->email);
  g_clear_pointer (&data->secret, json_object_unref);
  g_free (data);
}

static void
auth_stored_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      /* Without the keyring the token would have to live somewhere worse; refuse instead. */
      g_debug ("Could not store the token: %s", error->message);
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED,
                               _("Signed in, but the password keyring could not store the "
                                 "session. Unlock your keyring and try again."));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
store_secret (GpAccount *self,
              GTask     *task)
{
  g_autofree char *text = secret_to_string (self);
  g_autofree char *label = g_strdup_printf (_("GigPilot sync (%s at %s)"), self->email, self->server_url);

  secret_password_store (gp_account_get_secret_schema (), SECRET_COLLECTION_DEFAULT, label, text,
                         g_task_get_cancellable (task), auth_stored_cb, g_object_ref (task),
                         "server", self->server_url,
                         "email", self->email,
                         NULL);
  secret_password_free (g_steal_pointer (&text));
}

static void post_json (GpAccount  *self,
                       GTask      *task,
                       const char *path,
                       JsonObject *body);

static void
auth_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpAccount *self = g_task_get_source_object (task);
  AuthData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_autoptr(JsonObject) reply = NULL;
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, _gp_http_error_from_transport (error));
      return;
    }

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED && g_task_get_source_tag (task) == gp_account_sign_in_async)
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED,
                               _("The email address or password is not correct."));
      return;
    }
  if (status == SOUP_STATUS_CONFLICT && g_task_get_source_tag (task) == gp_account_sign_in_async)
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_CONFLICT,
                               _("An account with this email address already exists. Sign in "
                                 "instead."));
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, _gp_http_error_from_status (status, body));
      return;
    }

  reply = _gp_http_parse_object (body, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (json_object_get_string_member_with_default (reply, "token", NULL) == NULL
      && data->password != NULL)
    {
      g_autoptr(JsonObject) login = json_object_new ();

      /* Registered; the server hands out tokens on login. */
      json_object_set_string_member (login, "email", data->email);
      json_object_set_string_member (login, "password", data->password);
      g_clear_pointer (&data->password, secret_password_free);
      post_json (self, task, "/auth/login", login);
      return;
    }
  if (json_object_get_string_member_with_default (reply, "token", NULL) == NULL)
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
                               _("The server sent an answer GigPilot does not understand."));
      return;
    }

  set_identity (self, data->server_url, data->email, reply);
  store_secret (self, task);
}

static void
post_json (GpAccount  *self,
           GTask      *task,
           const char *path,
           JsonObject *body)
{
  g_autofree char *uri = g_strconcat (((AuthData *)g_task_get_task_data (task))->server_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, uri);
  g_autoptr(GBytes) bytes = _gp_http_object_to_bytes (body);

  if (msg == NULL)
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED,
                               _("“%s” is not a server address."), uri);
      return;
    }

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), auth_sent_cb, g_object_ref (task));
}

/**
 * gp_account_sign_in_async:
 * @self: an account
 * @server_url: the server, e.g. "https://sync.example.org"
 * @email: the account's email address
 * @password: the password (sent to the server only, never stored)
 * @create_account: %TRUE to register a new account instead of signing in
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Signs in (or registers) and keeps the tokens in the keyring.
 */
void
gp_account_sign_in_async (GpAccount           *self,
                          const char          *server_url,
                          const char          *email,
                          const char          *password,
                          gboolean             create_account,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  AuthData *data;

  g_return_if_fail (GP_IS_ACCOUNT (self));
  g_return_if_fail (email != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_account_sign_in_async);
  data = g_new0 (AuthData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify)auth_data_free);

  data->server_url = gp_account_normalize_server_url (server_url, &error);
  if (data->server_url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data->email = g_strstrip (g_strdup (email));
  if (*data->email == '\0' || *password == '\0')
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_FAILED,
                               _("Enter an email address and a password."));
      return;
    }

  if (create_account)
    data->password = g_strdup (password);
  body = json_object_new ();
  json_object_set_string_member (body, "email", data->email);
  json_object_set_string_member (body, "password", password);
  post_json (self, task, create_account ? "/auth/register" : "/auth/login", body);
}

gboolean
gp_account_sign_in_finish (GpAccount     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gp_account_refresh_async:
 * @self: a signed-in account
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Trades the refresh token for a new access token (after the server answered 401).
 * Fails with %GP_SYNC_ERROR_UNAUTHORIZED when the session cannot be renewed.
 */
void
gp_account_refresh_async (GpAccount           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) body = NULL;
  AuthData *data;

  g_return_if_fail (GP_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_account_refresh_async);
  data = g_new0 (AuthData, 1);
  data->server_url = g_strdup (self->server_url);
  data->email = g_strdup (self->email);
  g_task_set_task_data (task, data, (GDestroyNotify)auth_data_free);

  if (self->refresh_token == NULL || self->server_url == NULL)
    {
      g_task_return_new_error (task, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED,
                               _("Your session has ended. Sign in again to resume syncing; your "
                                 "changes are kept."));
      return;
    }

  body = json_object_new ();
  json_object_set_string_member (body, "refresh_token", self->refresh_token);
  post_json (self, task, "/auth/refresh", body);
}

gboolean
gp_account_refresh_finish (GpAccount     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (g_task_propagate_boolean (G_TASK (result), &local_error))
    return TRUE;

  /* Whatever went wrong renewing (revoked, reused, or a server without refresh), the
   * outcome for the user is the same: sign in again. */
  if (!g_error_matches (local_error, GP_SYNC_ERROR, GP_SYNC_ERROR_OFFLINE)
      && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&local_error);
      g_set_error (&local_error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED,
                   _("Your session has ended. Sign in again to resume syncing; your changes "
                     "are kept."));
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Sign out --------------------------------------------------------------------------------- */

static void
sign_out_cleared_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * gp_account_sign_out_async:
 * @self: an account
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Forgets the tokens, in memory at once and in the keyring. The server URL and email stay
 * so the sign-in form can be prefilled. Local data is not touched.
 */
void
gp_account_sign_out_async (GpAccount           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *server_url = NULL;
  g_autofree char *email = NULL;

  g_return_if_fail (GP_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_account_sign_out_async);

  server_url = g_strdup (self->server_url);
  email = g_strdup (self->email);
  set_identity (self, server_url, email, NULL);

  if (server_url == NULL || email == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  secret_password_clear (gp_account_get_secret_schema (), cancellable,
                         sign_out_cleared_cb, g_steal_pointer (&task),
                         "server", server_url,
                         "email", email,
                         NULL);
}

gboolean
gp_account_sign_out_finish (GpAccount     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

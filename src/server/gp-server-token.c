/* gp-server-token.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "gp-server-token.h"

/* Longer tokens are rejected before any decoding. */
#define MAX_TOKEN_LEN 2048

char *
gp_token_base64url (const guint8 *data,
                    gsize         len)
{
  gsize out_len = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *out = g_malloc (out_len);

  sodium_bin2base64 (out, out_len, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

static GBytes *
decode_base64url (const char *text,
                  gsize       len)
{
  gsize max = len * 3 / 4 + 3;
  guint8 *bin = g_malloc (max);
  size_t bin_len = 0;
  const char *end = NULL;

  if (sodium_base642bin (bin, max, text, len, NULL, &bin_len, &end,
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text + len)
    {
      g_free (bin);
      return NULL;
    }
  return g_bytes_new_take (bin, bin_len);
}

static void
compute_mac (GBytes       *key,
             const char   *signing_input,
             gsize         len,
             guint8        mac[crypto_auth_hmacsha256_BYTES])
{
  crypto_auth_hmacsha256_state state;
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  crypto_auth_hmacsha256_init (&state, key_data, key_len);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) signing_input, len);
  crypto_auth_hmacsha256_final (&state, mac);
  sodium_memzero (&state, sizeof state);
}

static char *
encode_json_object (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *json = NULL;
  gsize len = 0;

  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &len);
  return gp_token_base64url ((const guint8 *) json, len);
}

/**
 * gp_token_issue:
 * @key: the signing key, at least %GP_TOKEN_MIN_KEY_LEN bytes
 * @user_id: the subject
 * @now_s: the current time, seconds since the epoch
 * @lifetime_s: how long the token is valid
 *
 * Returns: (transfer full): a signed access token
 */
char *
gp_token_issue (GBytes     *key,
                const char *user_id,
                gint64      now_s,
                gint64      lifetime_s)
{
  g_autoptr(JsonBuilder) header = json_builder_new ();
  g_autoptr(JsonBuilder) payload = json_builder_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autofree char *jti = gp_token_random ();
  guint8 mac[crypto_auth_hmacsha256_BYTES];

  g_return_val_if_fail (g_bytes_get_size (key) >= GP_TOKEN_MIN_KEY_LEN, NULL);

  json_builder_begin_object (header);
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, "HS256");
  json_builder_set_member_name (header, "typ");
  json_builder_add_string_value (header, GP_TOKEN_TYPE);
  json_builder_end_object (header);

  json_builder_begin_object (payload);
  json_builder_set_member_name (payload, "iss");
  json_builder_add_string_value (payload, GP_TOKEN_ISSUER);
  json_builder_set_member_name (payload, "aud");
  json_builder_add_string_value (payload, GP_TOKEN_AUDIENCE);
  json_builder_set_member_name (payload, "sub");
  json_builder_add_string_value (payload, user_id);
  json_builder_set_member_name (payload, "iat");
  json_builder_add_int_value (payload, now_s);
  json_builder_set_member_name (payload, "exp");
  json_builder_add_int_value (payload, now_s + lifetime_s);
  json_builder_set_member_name (payload, "jti");
  json_builder_add_string_value (payload, jti);
  json_builder_end_object (payload);

  header_b64 = encode_json_object (header);
  payload_b64 = encode_json_object (payload);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);
  compute_mac (key, signing_input, strlen (signing_input), mac);
  sig_b64 = gp_token_base64url (mac, sizeof mac);

  return g_strconcat (signing_input, ".", sig_b64, NULL);
}

static JsonObject *
parse_object (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (len == 0 || !g_utf8_validate (data, len, NULL))
    return NULL;
  if (!json_parser_load_from_data (parser, data, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_int_member (JsonObject *object,
                const char *name,
                gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
audience_matches (JsonObject *payload)
{
  JsonNode *node = json_object_get_member (payload, "aud");

  if (node == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_VALUE (node))
    return g_strcmp0 (get_string_member (payload, "aud"), GP_TOKEN_AUDIENCE) == 0;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING &&
              g_strcmp0 (json_node_get_string (element), GP_TOKEN_AUDIENCE) == 0)
            return TRUE;
        }
    }

  return FALSE;
}

/**
 * gp_token_verify:
 * @key: the signing key
 * @token: a token from a request
 * @now_s: the current time, seconds since the epoch
 * @user_id: (out): the subject, on success
 * @reason: (out): why the token was rejected (for logs; never contains the token)
 *
 * Accepts only HS256 tokens of type %GP_TOKEN_TYPE with a valid MAC (compared in
 * constant time), the right issuer and audience, a subject, and iat/exp that hold
 * within %GP_TOKEN_LEEWAY seconds.
 *
 * Returns: whether @token is valid
 */
gboolean
gp_token_verify (GBytes      *key,
                 const char  *token,
                 gint64       now_s,
                 char       **user_id,
                 const char **reason)
{
  const char *dot1, *dot2;
  gsize len;
  g_autoptr(GBytes) header_bytes = NULL;
  g_autoptr(GBytes) payload_bytes = NULL;
  g_autoptr(GBytes) sig_bytes = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  guint8 mac[crypto_auth_hmacsha256_BYTES];
  const char *sub;
  gint64 exp, iat;

  *user_id = NULL;
  *reason = "malformed token";

  if (token == NULL)
    return FALSE;
  len = strlen (token);
  if (len == 0 || len > MAX_TOKEN_LEN)
    return FALSE;

  dot1 = strchr (token, '.');
  if (dot1 == NULL)
    return FALSE;
  dot2 = strchr (dot1 + 1, '.');
  if (dot2 == NULL || strchr (dot2 + 1, '.') != NULL)
    return FALSE;

  header_bytes = decode_base64url (token, dot1 - token);
  payload_bytes = decode_base64url (dot1 + 1, dot2 - dot1 - 1);
  sig_bytes = decode_base64url (dot2 + 1, token + len - dot2 - 1);
  if (header_bytes == NULL || payload_bytes == NULL || sig_bytes == NULL)
    return FALSE;

  /* The algorithm is pinned: anything but HS256 (including "none") is refused
   * before the MAC is even looked at. */
  header = parse_object (header_bytes);
  if (header == NULL)
    return FALSE;
  if (g_strcmp0 (get_string_member (header, "alg"), "HS256") != 0)
    {
      *reason = "unexpected algorithm";
      return FALSE;
    }
  if (g_strcmp0 (get_string_member (header, "typ"), GP_TOKEN_TYPE) != 0)
    {
      *reason = "unexpected token type";
      return FALSE;
    }
  if (json_object_has_member (header, "crit"))
    {
      *reason = "unsupported critical header";
      return FALSE;
    }

  if (g_bytes_get_size (sig_bytes) != sizeof mac)
    {
      *reason = "bad signature";
      return FALSE;
    }
  compute_mac (key, token, dot2 - token, mac);
  if (sodium_memcmp (mac, g_bytes_get_data (sig_bytes, NULL), sizeof mac) != 0)
    {
      *reason = "bad signature";
      return FALSE;
    }

  payload = parse_object (payload_bytes);
  if (payload == NULL)
    return FALSE;

  if (g_strcmp0 (get_string_member (payload, "iss"), GP_TOKEN_ISSUER) != 0)
    {
      *reason = "wrong issuer";
      return FALSE;
    }
  if (!audience_matches (payload))
    {
      *reason = "wrong audience";
      return FALSE;
    }
  sub = get_string_member (payload, "sub");
  if (sub == NULL || sub[0] == '\0' || strlen (sub) > 64)
    {
      *reason = "no subject";
      return FALSE;
    }
  if (!get_int_member (payload, "exp", &exp) || !get_int_member (payload, "iat", &iat))
    {
      *reason = "missing exp or iat";
      return FALSE;
    }
  if (now_s >= exp + GP_TOKEN_LEEWAY)
    {
      *reason = "expired";
      return FALSE;
    }
  if (iat > now_s + GP_TOKEN_LEEWAY || iat > exp)
    {
      *reason = "issued in the future";
      return FALSE;
    }

  *user_id = g_strdup (sub);
  *reason = NULL;
  return TRUE;
}

/**
 * gp_token_random:
 *
 * Returns: (transfer full): 32 random bytes, base64url-encoded (refresh tokens, token ids)
 */
char *
gp_token_random (void)
{
  guint8 bytes[32];
  char *out;

  randombytes_buf (bytes, sizeof bytes);
  out = gp_token_base64url (bytes, sizeof bytes);
  sodium_memzero (bytes, sizeof bytes);
  return out;
}

/**
 * gp_token_hash_refresh:
 *
 * Refresh tokens are stored only as their SHA-256, so a leaked database holds no
 * usable token.
 *
 * Returns: (transfer full): the hex SHA-256 of @refresh_token
 */
char *
gp_token_hash_refresh (const char *refresh_token)
{
  guint8 digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];

  crypto_hash_sha256 (digest, (const guint8 *) refresh_token, strlen (refresh_token));
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strdup (hex);
}

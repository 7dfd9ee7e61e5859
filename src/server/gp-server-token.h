/* gp-server-token.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Access tokens: JWT (RFC 7519) signed with HS256, written directly over libsodium's
 * HMAC-SHA256. The verifier pins the algorithm and the type and checks every claim
 * (RFC 8725 §3). */

#define GP_TOKEN_ISSUER   "gigpilot-server"
#define GP_TOKEN_AUDIENCE "gigpilot-sync"
#define GP_TOKEN_TYPE     "at+jwt"
/* Clock skew tolerated on exp/iat, in seconds (RFC 7519 §4.1.4 allows "a few minutes"). */
#define GP_TOKEN_LEEWAY   30

/* At least 256 bits (RFC 7518 §3.2). */
#define GP_TOKEN_MIN_KEY_LEN 32

char     *gp_token_issue          (GBytes      *key,
                                   const char  *user_id,
                                   gint64       now_s,
                                   gint64       lifetime_s) G_GNUC_WARN_UNUSED_RESULT;
gboolean  gp_token_verify         (GBytes      *key,
                                   const char  *token,
                                   gint64       now_s,
                                   char       **user_id,
                                   const char **reason);
char     *gp_token_base64url      (const guint8 *data,
                                   gsize         len) G_GNUC_WARN_UNUSED_RESULT;
char     *gp_token_random         (void) G_GNUC_WARN_UNUSED_RESULT;
char     *gp_token_hash_refresh   (const char  *refresh_token) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

/* gp-account.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define GP_TYPE_ACCOUNT (gp_account_get_type ())

G_DECLARE_FINAL_TYPE (GpAccount, gp_account, GP, ACCOUNT, GObject)

const SecretSchema *gp_account_get_secret_schema (void);

GpAccount  *gp_account_new              (void) G_GNUC_WARN_UNUSED_RESULT;
const char *gp_account_get_server_url   (GpAccount            *self);
const char *gp_account_get_email        (GpAccount            *self);
const char *gp_account_get_user_id      (GpAccount            *self);
const char *gp_account_get_token        (GpAccount            *self);
gboolean    gp_account_get_signed_in    (GpAccount            *self);
char       *gp_account_build_uri        (GpAccount            *self,
                                         const char           *path_and_query) G_GNUC_WARN_UNUSED_RESULT;
char       *gp_account_normalize_server_url (const char       *server_url,
                                             GError          **error) G_GNUC_WARN_UNUSED_RESULT;

void        gp_account_load_async       (GpAccount            *self,
                                         const char           *server_url,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    gp_account_load_finish      (GpAccount            *self,
                                         GAsyncResult         *result,
                                         GError              **error);
void        gp_account_sign_in_async    (GpAccount            *self,
                                         const char           *server_url,
                                         const char           *email,
                                         const char           *password,
                                         gboolean              create_account,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    gp_account_sign_in_finish   (GpAccount            *self,
                                         GAsyncResult         *result,
                                         GError              **error);
void        gp_account_refresh_async    (GpAccount            *self,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    gp_account_refresh_finish   (GpAccount            *self,
                                         GAsyncResult         *result,
                                         GError              **error);
void        gp_account_sign_out_async   (GpAccount            *self,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    gp_account_sign_out_finish  (GpAccount            *self,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS

/*
 * routes.c - the route table: every API resource, who may call it, and
 * whether it takes a JSON body.  The dispatcher (router.c) enforces the
 * last two columns before a handler runs.
 */
#include "base/codes.h"
#include "server.h"

#include "base/banned.h"

#define TRAINEE RL_ROLE_TRAINEE
#define TRAINER RL_ROLE_TRAINER
#define FACULTY RL_ROLE_FACULTY
#define ADMIN RL_ROLE_ADMIN

const struct route routes[] = {
	/* method  pattern                              handler               who           body */
	{ "GET",  "/api/v1/health",                     h_health,             WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/openapi.json",               h_openapi,            WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/me",                         h_me,                 WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/sessions",                   h_sessions_create,    TRAINEE,      1 },
	{ "GET",  "/api/v1/sessions",                   h_sessions_list,      WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/sessions/{id}",              h_sessions_get,       WHO_ANY_USER, 0 },
	{ "PATCH", "/api/v1/sessions/{id}",             h_sessions_patch,     TRAINEE,      1 },
	{ "DELETE", "/api/v1/sessions/{id}",            h_sessions_delete,    TRAINEE,      0 },
	{ "GET",  "/api/v1/users/{id}",                 h_user_get,           WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/trainers",                   h_trainers,           WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/trainers/{id}/credential",   h_trainer_credential, WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/keys",                       h_keys_list,          WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/keys",                       h_keys_create,        WHO_ANY_USER, 1 },
	{ "DELETE", "/api/v1/keys/{id}",                h_keys_delete,        WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/signoffs",                   h_signoffs_create,    TRAINER | FACULTY, 1 },
	{ "GET",  "/api/v1/trainees/{id}/progress",     h_progress,           WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/trainees/{id}/evidence",     h_evidence,           WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/trainees/{id}/export",       h_export,             WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/accreditation",              h_accreditation,      FACULTY,      0 },
	{ "GET",  "/api/v1/sites",                      h_sites,              FACULTY,      0 },
	{ "GET",  "/api/v1/curricula",                  h_curricula,          WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/assessment-tools",           h_tools,              WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger",                     h_ledger_export,      WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/entries/0",           h_ledger_entry_zero,  WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/entries/{id}",        h_ledger_entry,       WHO_ANY_USER, 0 },
	{ "DELETE", "/api/v1/ledger/entries/{id}/text", h_ledger_text_delete, FACULTY | ADMIN, 1 },
	{ "GET",  "/api/v1/ledger/head",                h_ledger_head,        WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/key",                 h_ledger_key,         WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/proof",               h_ledger_proof,       WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/consistency",         h_ledger_consistency, WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/ledger/checkpoint",          h_ledger_checkpoint,  WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/credentials/status",         h_credential_status,  WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/outbox",                     h_outbox,             ADMIN,        0 },
	{ "GET",  "/api/v1/tokens",                     h_tokens_list,        WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/tokens",                     h_tokens_create,      WHO_ANY_USER, 1 },
	{ "DELETE", "/api/v1/tokens/{id}",              h_tokens_delete,      WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/users",                      h_users_list,         ADMIN | FACULTY, 0 },
	{ "PATCH", "/api/v1/users/{id}",                h_users_patch,        WHO_ANY_USER, 1 },
	{ "GET",  "/api/v1/invitations",                h_invitations_list,   ADMIN,        0 },
	{ "POST", "/api/v1/invitations",                h_invitations_create, ADMIN,        1 },
	{ "POST", "/api/v1/invitations/accept",         h_invitations_accept, WHO_ANYONE,   1 },
	{ "POST", "/api/v1/invitations/{id}/resend",    h_invitations_resend, ADMIN,        0 },
	{ "POST", "/api/v1/session/logout",             h_session_logout,     WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/session/logout-all",         h_session_logout_all, WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/web-sessions",               h_web_sessions_list,  WHO_ANY_USER, 0 },
	{ "DELETE", "/api/v1/web-sessions/{id}",        h_web_sessions_delete, WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/assignments",                h_assignments_list,   WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/assignments",                h_assignments_create, FACULTY | ADMIN, 1 },
	{ "DELETE", "/api/v1/assignments/{id}",         h_assignments_delete, FACULTY | ADMIN, 0 },
	{ "GET",  "/api/v1/me/notifications",           h_notify_prefs_get,   WHO_ANY_USER, 0 },
	{ "PUT",  "/api/v1/me/notifications",           h_notify_prefs_put,   WHO_ANY_USER, 1 },
	{ "POST", "/api/v1/imports",                    h_imports_create,     TRAINEE,      1 },
	{ "GET",  "/api/v1/imports",                    h_imports_list,       WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/imports/{id}",               h_imports_get,        WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/passkeys",                   h_passkeys_list,      WHO_ANY_USER, 0 },
	{ "DELETE", "/api/v1/passkeys/{id}",            h_passkeys_delete,    WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/passkeys/register/options",  h_passkeys_register_options, WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/passkeys/register",          h_passkeys_register,  WHO_ANY_USER, 1 },
	{ "POST", "/api/v1/passkeys/login/options",     h_passkeys_login_options, WHO_ANYONE, 0 },
	{ "POST", "/api/v1/passkeys/login",             h_passkeys_login,     WHO_ANYONE,   1 },
	{ "POST", "/api/v1/device/code",                h_device_code,        WHO_ANYONE,   1 },
	{ "POST", "/api/v1/device/token",               h_device_token,       WHO_ANYONE,   1 },
	{ "POST", "/api/v1/device/approve",             h_device_approve,     WHO_ANY_USER, 1 },
	{ "GET",  "/auth/oidc/start",                   h_oidc_start,         WHO_ANYONE,   0 },
	{ "GET",  "/auth/oidc/callback",                h_oidc_callback,      WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/programmes",                 h_programmes_list,    WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/programmes",                 h_programmes_create,  ADMIN,        1 },
	{ "GET",  "/api/v1/programmes/{id}",            h_programmes_get,     WHO_ANY_USER, 0 },
	{ "PATCH", "/api/v1/programmes/{id}",           h_programmes_patch,   ADMIN,        1 },
	{ "GET",  "/api/v1/users/{id}/programmes",      h_user_programmes,    WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/oversight/trainers",         h_oversight_trainers, FACULTY,      0 },
	{ "GET",  "/api/v1/oversight/agreement",        h_oversight_agreement, FACULTY,     0 },
	{ "GET",  "/api/v1/oversight/stuck",            h_oversight_stuck,    FACULTY,      0 },
	{ NULL, NULL, NULL, 0, 0 },
};

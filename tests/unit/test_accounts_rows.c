/*
 * test_accounts_rows.c - the store's rows of accounts and sign-in
 * (store/accounts_rows.h, passkeys_rows.h, oidc_rows.h, device_rows.h)
 * against a real SQLite file: a row written comes back as written, a
 * missing one is "not found" (0, err untouched), a UNIQUE refusal is the
 * outcome 1 with err untouched and nothing stored, and the account list's
 * search takes LIKE's own characters literally; every read that fails
 * reports the engine's reason, read before the statement's reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/setup.h"
#include "base/error.h"
#include "store/accounts_rows.h"
#include "store/db.h"
#include "store/device_rows.h"
#include "store/oidc_rows.h"
#include "store/passkeys_rows.h"

#include "db_fixture.h"

#include "base/banned.h"

#define NOW "2026-06-01T12:00:00Z"
#define LATER "2026-06-01T13:00:00Z"
#define EARLIER "2026-06-01T11:00:00Z"

static int64_t add_user(struct db_fixture *f, const char *name, const char *email, int roles)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_user_new u = { name, email, NULL, "Leeds", roles, 0, NOW };
	int64_t id = 0;

	assert_int_equal(rl_rows_user_insert(f->db, &u, &id, &err), 0);
	assert_true(id > 0);
	return id;
}

static void fill(uint8_t b[32], int v)
{
	memset(b, v, 32);
}

/* ---- the account list ------------------------------------------------------------- */

struct names {
	char list[256];
	int n;
};

static int name_of(void *ctx, const struct rl_row_account *a)
{
	struct names *ns = ctx;
	size_t len = strlen(ns->list);

	snprintf(ns->list + len, sizeof(ns->list) - len, "%s%s", ns->n++ ? "|" : "", a->name);
	return 0;
}

/* ---- users ---------------------------------------------------------------------- */

static void test_user_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_user_new nu = { "Ada Surgeon", "ada@nhs.net", "1234567", "", 3, 0, NOW };
	struct rl_row_user u;
	int64_t id = 0, by_mail = 0;
	int active = -1;

	assert_int_equal(rl_rows_user_insert(f->db, &nu, &id, &err), 0);
	assert_int_equal(rl_rows_user_get(f->db, id, &u, &err), 1);
	assert_int_equal(u.id, id);
	assert_string_equal(u.name, "Ada Surgeon");
	assert_string_equal(u.email, "ada@nhs.net");
	assert_string_equal(u.gmc, "1234567");
	assert_string_equal(u.site, "");          /* "" is stored as NULL and read back as "" */
	assert_int_equal(u.roles, 3);
	assert_int_equal(u.curriculum_id, 0);
	assert_int_equal(rl_rows_user_active(f->db, id, &active, &err), 1);
	assert_int_equal(active, 1);
	/* The e-mail column ignores case. */
	assert_int_equal(rl_rows_user_by_email(f->db, "ADA@NHS.NET", &by_mail, &active, &err), 1);
	assert_int_equal(by_mail, id);
	/* Not found: 0, err untouched. */
	assert_int_equal(rl_rows_user_get(f->db, id + 1000, &u, &err), 0);
	assert_int_equal(rl_rows_user_by_email(f->db, "nobody@nhs.net", &by_mail, &active, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

static void test_user_email_taken(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t first = add_user(f, "Ada", "ada@nhs.net", 1), id = 0;
	struct rl_row_user_new again = { "Another Ada", "Ada@NHS.net", NULL, NULL, 2, 0, NOW };
	struct rl_row_user_change c = { .set_email = 1, .email = "ada@nhs.net" };
	int64_t second = add_user(f, "Bob", "bob@nhs.net", 1);
	struct rl_row_user u;
	struct rl_rows_account_filter rf = { .q = "another", .active = -1, .limit = 10 };
	struct names ns = { "", 0 };

	assert_int_equal(rl_rows_user_insert(f->db, &again, &id, &err), 1);
	assert_int_equal(err.status, RL_OK);
	/* Nothing was stored. */
	assert_int_equal(rl_rows_account_list(f->db, &rf, name_of, &ns, &err), 0);
	assert_int_equal(ns.n, 0);
	/* A change to a taken address is refused the same way and leaves Bob as he was. */
	assert_int_equal(rl_rows_user_update(f->db, second, &c, &err), 1);
	assert_int_equal(err.status, RL_OK);
	assert_int_equal(rl_rows_user_get(f->db, second, &u, &err), 1);
	assert_string_equal(u.email, "bob@nhs.net");
	assert_true(first != second);
}

static void test_account_search_literal(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_rows_account_filter rf = { .active = -1, .limit = 10 };
	struct names ns = { "", 0 };

	add_user(f, "Fifty% Smith", "smith@nhs.net", 1);
	add_user(f, "Fifty5 Jones", "jones@nhs.net", 1);
	add_user(f, "Under_score", "under@nhs.net", 2);
	add_user(f, "Underxscore", "underx@nhs.net", 2);
	rf.q = "fifty%";
	assert_int_equal(rl_rows_account_list(f->db, &rf, name_of, &ns, &err), 0);
	assert_string_equal(ns.list, "Fifty% Smith");
	memset(&ns, 0, sizeof(ns));
	rf.q = "under_";
	assert_int_equal(rl_rows_account_list(f->db, &rf, name_of, &ns, &err), 0);
	assert_string_equal(ns.list, "Under_score");
	/* A role filter and the limit. */
	memset(&ns, 0, sizeof(ns));
	rf.q = NULL;
	rf.roles = 1;
	rf.limit = 1;
	assert_int_equal(rl_rows_account_list(f->db, &rf, name_of, &ns, &err), 0);
	assert_string_equal(ns.list, "Fifty% Smith");
	/* Not found. */
	memset(&ns, 0, sizeof(ns));
	assert_int_equal(rl_rows_account_get(f->db, 999, name_of, &ns, &err), 0);
	assert_int_equal(ns.n, 0);
	assert_int_equal(err.status, RL_OK);
}

/* ---- tokens and web sessions -------------------------------------------------------- */

struct token_seen {
	char name[32], scope[8];
	int has_expiry;
};

static int token_keep(void *ctx, const struct rl_row_token *t)
{
	struct token_seen *s = ctx;

	snprintf(s->name, sizeof(s->name), "%s", t->name ? t->name : "(null)");
	snprintf(s->scope, sizeof(s->scope), "%s", t->scope);
	s->has_expiry = t->expires_at != NULL;
	return 0;
}

static void test_token_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t uid = add_user(f, "Ada", "ada@nhs.net", 1), tid = 0, seen = 0;
	uint8_t hash[32];
	struct rl_row_user u;
	struct rl_row_token_check c;
	struct token_seen s = { "", "", -1 };

	fill(hash, 7);
	assert_int_equal(rl_rows_token_insert(f->db, uid, hash, NOW, &tid, &err), 0);
	assert_int_equal(rl_rows_user_by_token(f->db, hash, &u, &seen, &err), 1);
	assert_int_equal(u.id, uid);
	assert_int_equal(seen, tid);
	assert_int_equal(rl_rows_token_describe(f->db, tid, "laptop", "read", NULL, &err), 0);
	assert_int_equal(rl_rows_token_get(f->db, tid, token_keep, &s, &err), 1);
	assert_string_equal(s.name, "laptop");
	assert_string_equal(s.scope, "read");
	assert_int_equal(s.has_expiry, 0);
	assert_int_equal(rl_rows_token_check(f->db, tid, &c, &err), 1);
	assert_string_equal(c.scope, "read");
	assert_string_equal(c.expires_at, "");
	assert_string_equal(c.last_used_at, "");
	assert_int_equal(c.active, 1);
	assert_int_equal(rl_rows_token_touch(f->db, tid, NOW, &err), 0);
	assert_int_equal(rl_rows_token_check(f->db, tid, &c, &err), 1);
	assert_string_equal(c.last_used_at, NOW);
	/* Another owner cannot revoke it; its owner can, once. */
	assert_int_equal(rl_rows_token_revoke(f->db, uid + 1, tid, NOW, &err), 0);
	assert_int_equal(rl_rows_token_revoke(f->db, uid, tid, NOW, &err), 1);
	assert_int_equal(rl_rows_token_revoke(f->db, uid, tid, NOW, &err), 0);
	assert_int_equal(rl_rows_user_by_token(f->db, hash, &u, &seen, &err), 0);
	assert_int_equal(rl_rows_token_get(f->db, tid + 1, token_keep, &s, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

static void test_web_session_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t uid = add_user(f, "Ada", "ada@nhs.net", 1), id = 0, got = 0, owner = 0;
	uint8_t hash[32];
	char last[RL_ROWS_TIME_LEN];
	struct rl_row_web_session_new s;

	fill(hash, 9);
	s = (struct rl_row_web_session_new){ uid, hash, NOW, LATER, "192.0.2.1", "" };
	assert_int_equal(rl_rows_web_session_insert(f->db, &s, &id, &err), 0);
	assert_int_equal(rl_rows_web_session_by_hash(f->db, hash, NOW, EARLIER, &got, &owner, last, &err), 1);
	assert_int_equal(got, id);
	assert_int_equal(owner, uid);
	assert_string_equal(last, NOW);
	/* Past its absolute time-out it is not found. */
	assert_int_equal(rl_rows_web_session_by_hash(f->db, hash, LATER, EARLIER, &got, &owner, last, &err), 0);
	assert_int_equal(rl_rows_web_session_end_user(f->db, uid, &err), 1);
	assert_int_equal(rl_rows_web_session_by_hash(f->db, hash, NOW, EARLIER, &got, &owner, last, &err), 0);
	assert_int_equal(rl_rows_web_session_end(f->db, uid, id, NOW, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

/* ---- invitations ----------------------------------------------------------------------- */

static void test_invitation_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	uint8_t code[32], other[32];
	struct rl_row_invitation_new n;
	struct rl_row_invitation_code inv;
	int64_t id = 0, pending = -1, found = 0, uid;
	int accounts = -1;
	char accepted[RL_ROWS_TIME_LEN];

	fill(code, 3);
	fill(other, 4);
	n = (struct rl_row_invitation_new){ code, "Cy Trainee", "cy@nhs.net", 1, NULL, "ras-core", 0, NOW, LATER, 0 };
	assert_int_equal(rl_rows_invitation_insert(f->db, &n, &id, &err), 0);
	assert_int_equal(rl_rows_invitation_blockers(f->db, "cy@nhs.net", NOW, &accounts, &pending, &err), 0);
	assert_int_equal(accounts, 0);
	assert_int_equal(pending, id);
	assert_int_equal(rl_rows_invitation_pending_by_email(f->db, "cy@nhs.net", NOW, &found, &err), 1);
	assert_int_equal(found, id);
	assert_int_equal(rl_rows_invitation_by_code(f->db, code, &inv, &err), 1);
	assert_int_equal(inv.id, id);
	assert_string_equal(inv.name, "Cy Trainee");
	assert_string_equal(inv.site, "");
	assert_string_equal(inv.curriculum, "ras-core");
	assert_string_equal(inv.expires_at, LATER);
	assert_string_equal(inv.accepted_at, "");
	assert_int_equal(inv.invited_by, 0);
	assert_int_equal(rl_rows_invitation_by_code(f->db, other, &inv, &err), 0);
	uid = add_user(f, "Cy Trainee", "cy@nhs.net", 1);
	assert_int_equal(rl_rows_invitation_accepted(f->db, id, uid, NOW, &err), 0);
	assert_int_equal(rl_rows_invitation_accepted_at(f->db, id, accepted, &err), 1);
	assert_string_equal(accepted, NOW);
	assert_int_equal(rl_rows_invitation_pending_by_email(f->db, "cy@nhs.net", NOW, &found, &err), 0);
	assert_int_equal(rl_rows_invitation_accepted_at(f->db, id + 1, accepted, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

/* ---- passkeys ---------------------------------------------------------------------------- */

static void test_passkey_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	int64_t uid = add_user(f, "Ada", "ada@nhs.net", 1), id = 0, dup = 0;
	static const uint8_t cred[5] = { 1, 2, 3, 4, 5 }, key[64] = { 9 }, aaguid[16] = { 0 };
	uint8_t handle[32], back[32], chal[32];
	struct rl_row_passkey_new p = { uid, cred, sizeof(cred), -7, key, sizeof(key), 3, "Phone", "none",
					aaguid, sizeof(aaguid), NOW };
	struct rl_row_passkey_login pk;
	int mine = -1, total = -1;

	assert_int_equal(rl_rows_passkey_insert(f->db, &p, &id, &err), 0);
	/* The same credential again: 1, err untouched, still one passkey. */
	assert_int_equal(rl_rows_passkey_insert(f->db, &p, &dup, &err), 1);
	assert_int_equal(err.status, RL_OK);
	assert_int_equal(rl_rows_passkey_counts(f->db, uid, id, &mine, &total, &err), 0);
	assert_int_equal(mine, 1);
	assert_int_equal(total, 1);
	/* No handle yet: the sign-in row says so. */
	assert_int_equal(rl_rows_passkey_by_credential(f->db, cred, sizeof(cred), &pk, &err), 1);
	assert_int_equal(pk.id, id);
	assert_int_equal(pk.cose_alg, -7);
	assert_int_equal(pk.public_key_len, sizeof(key));
	assert_memory_equal(pk.public_key, key, sizeof(key));
	assert_int_equal(pk.sign_count, 3);
	assert_int_equal(pk.live, 1);
	assert_null(pk.handle);
	rl_row_passkey_login_release(&pk);
	assert_int_equal(rl_rows_passkey_handle(f->db, uid, back, &err), 0);
	fill(handle, 5);
	assert_int_equal(rl_rows_passkey_handle_insert(f->db, uid, handle, &err), 0);
	assert_int_equal(rl_rows_passkey_handle(f->db, uid, back, &err), 1);
	assert_memory_equal(back, handle, 32);
	assert_int_equal(rl_rows_passkey_by_credential(f->db, cred, sizeof(cred), &pk, &err), 1);
	assert_int_equal(pk.handle_len, 32);
	assert_memory_equal(pk.handle, handle, 32);
	rl_row_passkey_login_release(&pk);
	/* Disabled with the account: not live. */
	assert_int_equal(rl_rows_passkey_disable_user(f->db, uid, &err), 1);
	assert_int_equal(rl_rows_passkey_by_credential(f->db, cred, sizeof(cred), &pk, &err), 1);
	assert_int_equal(pk.live, 0);
	rl_row_passkey_login_release(&pk);
	assert_int_equal(rl_rows_passkey_by_credential(f->db, cred, 4, &pk, &err), 0);
	/* A challenge is spent once, and only for its purpose. */
	fill(chal, 8);
	assert_int_equal(rl_rows_challenge_insert(f->db, chal, "login", 0, NOW, LATER, &err), 0);
	assert_int_equal(rl_rows_challenge_take(f->db, chal, "register", 0, NOW, &err), 0);
	assert_int_equal(rl_rows_challenge_take(f->db, chal, "login", 0, NOW, &err), 1);
	assert_int_equal(rl_rows_challenge_take(f->db, chal, "login", 0, NOW, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

/* ---- device grants and OIDC flows ---------------------------------------------------------- */

static void test_device_grant_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	uint8_t dh[32], uh[32], dh2[32];
	struct rl_row_device_grant_new g;
	struct rl_row_device_grant row;
	int64_t uid = add_user(f, "Ada", "ada@nhs.net", 1);

	fill(dh, 1);
	fill(uh, 2);
	fill(dh2, 3);
	g = (struct rl_row_device_grant_new){ dh, uh, "raslog-cli", NULL, NOW, LATER, 5 };
	assert_int_equal(rl_rows_device_grant_insert(f->db, &g, &err), 0);
	/* A user code another grant holds: 1, err untouched, nothing stored. */
	g.device_hash = dh2;
	assert_int_equal(rl_rows_device_grant_insert(f->db, &g, &err), 1);
	assert_int_equal(err.status, RL_OK);
	assert_int_equal(rl_rows_device_grant_by_device(f->db, dh2, &row, &err), 0);
	/* An unknown address counts with the other unknowns. */
	assert_int_equal(rl_rows_device_grant_live(f->db, NULL, NOW, &err), 1);
	assert_int_equal(rl_rows_device_grant_live(f->db, "192.0.2.1", NOW, &err), 0);
	assert_int_equal(rl_rows_device_grant_by_device(f->db, dh, &row, &err), 1);
	assert_string_equal(row.status, "pending");
	assert_string_equal(row.expires_at, LATER);
	assert_int_equal(row.interval, 5);
	assert_string_equal(row.last_poll_at, "");
	assert_int_equal(rl_rows_device_grant_polled(f->db, row.id, NOW, 300, &err), 0);
	assert_int_equal(rl_rows_device_grant_decide(f->db, row.id, "approved", uid, NOW, &err), 0);
	assert_int_equal(rl_rows_device_grant_by_device(f->db, dh, &row, &err), 1);
	assert_int_equal(row.interval, 300);  /* capped */
	assert_string_equal(row.last_poll_at, NOW);
	assert_string_equal(row.status, "approved");
	assert_int_equal(row.user_id, uid);
	assert_int_equal(rl_rows_device_grant_by_user_code(f->db, uh, &row, &err), 1);
	assert_string_equal(row.status, "approved");
	assert_int_equal(err.status, RL_OK);
}

static void test_oidc_flow_round_trip(void **state)
{
	struct db_fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	uint8_t sh[32], bh[32], unknown[32];
	struct rl_row_oidc_flow fl;

	fill(sh, 1);
	fill(bh, 2);
	fill(unknown, 3);
	assert_int_equal(rl_rows_oidc_flow_insert(f->db, sh, bh, "192.0.2.1", NOW, LATER, &err), 0);
	assert_int_equal(rl_rows_oidc_flow_pending(f->db, "192.0.2.1", NOW, &err), 1);
	assert_int_equal(rl_rows_oidc_flow_by_state(f->db, sh, &fl, &err), 1);
	assert_true(fl.browser_hash_ok);
	assert_memory_equal(fl.browser_hash, bh, 32);
	assert_string_equal(fl.expires_at, LATER);
	assert_string_equal(fl.used_at, "");
	assert_int_equal(rl_rows_oidc_flow_spend(f->db, fl.id, NOW, "ok", 0, &err), 1);
	assert_int_equal(rl_rows_oidc_flow_spend(f->db, fl.id, NOW, "ok", 0, &err), 0);
	assert_int_equal(rl_rows_oidc_flow_by_state(f->db, sh, &fl, &err), 1);
	assert_string_equal(fl.used_at, NOW);
	assert_int_equal(rl_rows_oidc_flow_pending(f->db, "192.0.2.1", NOW, &err), 0);
	assert_int_equal(rl_rows_oidc_flow_by_state(f->db, unknown, &fl, &err), 0);
	/* Forgotten a day after expiry. */
	assert_int_equal(rl_rows_oidc_flow_prune(f->db, "2026-06-03T00:00:00Z", &err), 0);
	assert_int_equal(rl_rows_oidc_flow_by_state(f->db, sh, &fl, &err), 0);
	assert_int_equal(err.status, RL_OK);
}

/* ---- a failed step's message ---------------------------------------------------------- */

static int no_account(void *ctx, const struct rl_row_account *a) { return 0; }
static int no_text(void *ctx, const char *t) { return 0; }
static int no_programme(void *ctx, const struct rl_row_programme_ref *p) { return 0; }
static int no_token(void *ctx, const struct rl_row_token *t) { return 0; }
static int no_web_session(void *ctx, const struct rl_row_web_session *w) { return 0; }
static int no_invitation(void *ctx, const struct rl_row_invitation *i) { return 0; }
static int no_credential(void *ctx, const struct rl_row_passkey_credential *c) { return 0; }
static int no_passkey(void *ctx, const struct rl_row_passkey *p) { return 0; }

/* The row files' reads, one per i (0 up): what read i returns, or -2 past the last. */
static int read_rows(struct rl_db *db, int i, struct rl_error *err)
{
	struct rl_rows_account_filter af = { .active = -1, .limit = 10 };
	struct rl_row_user u;
	struct rl_row_token_check tc;
	struct rl_row_invitation_code ic;
	struct rl_row_passkey_login pl;
	struct rl_row_device_grant dg;
	struct rl_row_oidc_flow of;
	int64_t id = 0, other = 0;
	int active = 0;
	char text[RL_ROWS_TIME_LEN + 65];
	uint8_t h[32];

	fill(h, 3);
	switch (i) {
	case 0: return rl_rows_user_get(db, 1, &u, err);
	case 1: return rl_rows_user_by_token(db, h, &u, &id, err);
	case 2: return rl_rows_user_active(db, 1, &active, err);
	case 3: return rl_rows_user_by_email(db, "ada@nhs.net", &id, &active, err);
	case 4: return rl_rows_user_other_admins(db, 1, err);
	case 5: return rl_rows_user_trainee_sites(db, no_text, NULL, err);
	case 6: return rl_rows_account_list(db, &af, no_account, NULL, err);
	case 7: return rl_rows_account_get(db, 1, no_account, NULL, err);
	case 8: return rl_rows_account_programmes(db, 1, no_programme, NULL, err);
	case 9: return rl_rows_account_curricula_codes(db, no_text, NULL, err);
	case 10: return rl_rows_account_curriculum_exists(db, "ras-core", err);
	case 11: return rl_rows_account_curriculum_code(db, 1, text, err);
	case 12: return rl_rows_account_curriculum_id(db, "ras-core", &id, err);
	case 13: return rl_rows_token_list(db, 1, NOW, no_token, NULL, err);
	case 14: return rl_rows_token_get(db, 1, no_token, NULL, err);
	case 15: return rl_rows_token_check(db, 1, &tc, err);
	case 16: return rl_rows_web_session_by_hash(db, h, NOW, EARLIER, &id, &other, text, err);
	case 17: return rl_rows_web_session_list(db, 1, NOW, EARLIER, no_web_session, NULL, err);
	case 18: return rl_rows_invitation_blockers(db, "ada@nhs.net", NOW, &active, &id, err);
	case 19: return rl_rows_invitation_accepted_at(db, 1, text, err);
	case 20: return rl_rows_invitation_list_pending(db, no_invitation, NULL, err);
	case 21: return rl_rows_invitation_by_code(db, h, &ic, err);
	case 22: return rl_rows_invitation_pending_by_email(db, "ada@nhs.net", NOW, &id, err);
	case 23: return rl_rows_passkey_handle(db, 1, h, err);
	case 24: return rl_rows_passkey_credentials(db, 1, no_credential, NULL, err);
	case 25: {
		int rc = rl_rows_passkey_by_credential(db, h, sizeof(h), &pl, err);
		rl_row_passkey_login_release(&pl);
		return rc;
	}
	case 26: return rl_rows_passkey_list(db, 1, no_passkey, NULL, err);
	case 27: return rl_rows_passkey_counts(db, 1, 1, &active, &active, err);
	case 28: return rl_rows_device_grant_live(db, "192.0.2.1", NOW, err);
	case 29: return rl_rows_device_grant_by_device(db, h, &dg, err);
	case 30: return rl_rows_device_grant_by_user_code(db, h, &dg, err);
	case 31: return rl_rows_oidc_flow_pending(db, "192.0.2.1", NOW, err);
	case 32: return rl_rows_oidc_flow_by_state(db, h, &of, err);
	default: return -2;
	}
}

/*
 * Every read, its statement prepared while its tables were there, fails
 * once they are gone with the engine's own reason in err, even from an
 * engine whose reset forgets the failure (so each read it before it
 * reset the statement).
 */
static void test_failures_read_before_reset(void **state)
{
	struct db_fixture *f = *state;
	static const char *const tables[] = { "tokens", "web_sessions", "invitations", "programme_members",
					      "webauthn_users", "passkeys", "device_grants", "oidc_flows", "users",
					      "curricula", NULL };

	add_user(f, "Ada", "ada@nhs.net", 1);
	db_fixture_reads_fail_well(f->db, read_rows, tables);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_user_email_taken, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_account_search_literal, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_token_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_web_session_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invitation_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_passkey_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_device_grant_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_oidc_flow_round_trip, db_fixture_setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failures_read_before_reset, db_fixture_setup, db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

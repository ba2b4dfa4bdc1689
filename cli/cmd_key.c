/*
 * cmd_key.c - raslog key generate | show | register | list | revoke: the
 * signing key on this computer (core/base/keystore.c) and its registration
 * with the server.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain/signoff.h"

#include "base/banned.h"

/*
 * Who may use the new key, if the server can be asked: 1 faculty, 0 not,
 * -1 unknown (no token, no server).  Nothing is reported: generating a
 * key works offline.
 */
static int am_faculty(int64_t *id)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *server, *token;
	json_t *me, *r;
	size_t i;
	int faculty = 0;

	if (cli_config_get(&server, &token, 1, &err) < 0 || !(me = cli_api("GET", "/me", NULL, &err))) {
		rl_error_clear(&err);
		return -1;
	}
	*id = json_integer_value(json_object_get(me, "id"));
	json_array_foreach(json_object_get(me, "roles"), i, r)
		faculty |= json_string_value(r) && strcmp(json_string_value(r), "faculty") == 0;
	json_decref(me);
	return faculty;
}

/* The one next step for a new key: a faculty trust root goes through the operator, any other key through key register. */
static void next_step(const char *pk)
{
	int64_t id = 0;
	int faculty = am_faculty(&id);

	if (faculty == 1)
		fprintf(stderr, "You are faculty: your key is a trust root, added by the server's operator.  Send them\n"
				"this line (do not run 'raslog key register'):\n"
				"  raslogd faculty-key add %lld %s\n", (long long)id, pk);
	else if (faculty == 0)
		fprintf(stderr, "Next: register it with 'raslog key register'; a faculty member then accredits it.\n");
	else
		fprintf(stderr, "Next: trainers register it with 'raslog key register'; faculty send the public key to the\n"
				"server's operator, who runs 'raslogd faculty-key add YOUR_USER_ID KEY'.\n");
}

static int key_generate(const struct os_args *a)
{
	const char *passfile = os_get(a, "passphrase-file");
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *kp;
	char path[4096], *pass = NULL;
	size_t passlen = 0;
	int force = os_has(a, "force"), rc;

	if (cli_key_path(path, sizeof(path)) != 0)
		return CLI_FAIL;
	if ((rc = cli_passphrase(passfile, "Passphrase for the new key (empty for none): ", 1, &pass, &passlen)) != 0)
		return rc;
	kp = rl_keystore_generate(path, pass, passlen, force, &err);
	cli_passphrase_free(pass);
	if (!kp) {
		if (err.status == RL_E_CONFLICT)
			cli_error("%s; pass --force to replace it (the old secret key is then gone from this computer)", err.detail);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	printf("%s\n", kp->pk_b64);
	fflush(stdout);
	fprintf(stderr, "Wrote %s%s.\n", path, passlen ? " (sealed with your passphrase)" : "");
	next_step(kp->pk_b64);
	rl_keypair_free(kp);
	return CLI_OK;
}

/* Reads this computer's public key; reports and returns -1 if there is none. */
static int local_public_key(char *pk, size_t size, char *path, size_t path_size)
{
	struct rl_error err = RL_ERROR_INIT;

	if (cli_key_path(path, path_size) != 0)
		return -1;
	if (rl_keystore_public(path, pk, size, NULL, &err) < 0) {
		if (err.status == RL_E_NOTFOUND)
			cli_error("there is no signing key at %s; create one with 'raslog key generate'", path);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		return -1;
	}
	return 0;
}

static int key_show(const struct os_args *a)
{
	char pk[64], path[4096];

	(void)a;
	if (local_public_key(pk, sizeof(pk), path, sizeof(path)) < 0)
		return CLI_FAIL;
	printf("%s\n", pk);
	return CLI_OK;
}

static int key_check(const struct os_args *a)
{
	static const unsigned char probe[] = "raslog key check";
	const char *passfile = os_get(a, "passphrase-file");
	struct rl_keypair *kp;
	char pk[64], path[4096];
	unsigned char sig[crypto_sign_BYTES];
	int sealed = 0, rc;

	if (local_public_key(pk, sizeof(pk), path, sizeof(path)) < 0)
		return CLI_FAIL;
	if (!(kp = cli_key_open(path, passfile, &sealed, &rc)))
		return rc;
	crypto_sign_detached(sig, NULL, probe, sizeof(probe) - 1, kp->sk);
	rc = crypto_sign_verify_detached(sig, probe, sizeof(probe) - 1, kp->pk) == 0 ? CLI_OK : CLI_FAIL;
	rl_keypair_free(kp);
	if (rc != CLI_OK)
		return cli_error("the key at %s opens but its signatures do not verify", path);
	printf("the signing key at %s opens and signs%s; public key %s\n", path, sealed ? " (sealed)" : "", pk);
	return CLI_OK;
}

static int key_register(const struct os_args *a)
{
	const char *passfile = os_get(a, "passphrase-file"), *server;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *kp;
	char pk[64], path[4096], tmp[32], *proof;
	json_t *body, *res, *me, *health;
	int sealed = 0, rc;
	int64_t uid;
	size_t i;
	json_t *r;

	if (local_public_key(pk, sizeof(pk), path, sizeof(path)) < 0)
		return CLI_FAIL;
	/* The proof names who registers the key and on which server: GET /me and the server's public URL. */
	me = cli_api("GET", "/me", NULL, &err);
	health = me ? cli_api("GET", "/health", NULL, &err) : NULL;
	if (!me || !health) {
		json_decref(me);
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	uid = (int64_t)json_integer_value(json_object_get(me, "id"));
	server = json_string_value(json_object_get(health, "public_url"));
	/* A faculty key is a trust root the operator adds; registered here, the operator could not add it. */
	json_array_foreach(json_object_get(me, "roles"), i, r)
		if (json_string_value(r) && strcmp(json_string_value(r), "faculty") == 0) {
			json_decref(me);
			json_decref(health);
			return cli_error("you are faculty: your key is a trust root that the server's operator adds with "
					 "'raslogd faculty-key add %lld %s'; send them that line instead of registering it",
					 (long long)uid, pk);
		}
	if (uid <= 0 || !server || !*server) {
		json_decref(me);
		json_decref(health);
		return cli_error("the server did not say who you are or its public URL (GET /me, GET /health); "
				 "is it an older raslogd?");
	}
	kp = cli_key_open(path, passfile, &sealed, &rc);
	proof = kp ? rl_key_proof_sign(kp->sk, server, uid, &err) : NULL;
	rl_keypair_free(kp);
	json_decref(me);
	json_decref(health);
	if (!kp)
		return rc;
	if (!proof) {
		cli_error("%s", err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	body = json_pack("{s:s,s:s}", "public_key", pk, "proof", proof);
	free(proof);
	res = cli_api("POST", "/keys", body, &err);
	json_decref(body);
	if (!res)
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, res);
	else
		printf("registered key %s: %s\n", cli_json_text(res, "id", "?", tmp, sizeof(tmp)), pk);
	json_decref(res);
	return CLI_OK;
}

/*
 * The accreditation of trainer user (from GET /trainers): its state
 * ("active", "expired", "revoked", or "none") into state and the key it
 * covers (from its ledger entry) into key, "" when unknown.
 */
static void accreditation_of(int64_t user, char *state, size_t ssize, char *key, size_t ksize)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *trainers = cli_fetch_all("/trainers", &err), *tr, *acc, *entry;
	size_t i;
	char path[64];

	snprintf(state, ssize, "none");
	key[0] = '\0';
	json_array_foreach(json_object_get(trainers, "items"), i, tr) {
		if (json_integer_value(json_object_get(tr, "id")) != user)
			continue;
		acc = json_object_get(tr, "accreditation");
		if (json_string_value(json_object_get(acc, "state")))
			snprintf(state, ssize, "%s", json_string_value(json_object_get(acc, "state")));
		if (!json_is_integer(json_object_get(acc, "ledger_index")))
			break;
		snprintf(path, sizeof(path), "/ledger/entries/%lld", (long long)json_integer_value(json_object_get(acc, "ledger_index")));
		if ((entry = cli_api("GET", path, NULL, &err))) {
			const char *k = json_string_value(json_object_get(json_object_get(entry, "statement"), "trainer_key"));
			snprintf(key, ksize, "%s", k ? k : "");
			json_decref(entry);
		}
		break;
	}
	rl_error_clear(&err);
	json_decref(trainers);
}

/*
 * The state of a key: revoked; active (a faculty trust root, or the key
 * a current accreditation covers); else not active, since a trainer's
 * key that no accreditation covers signs nothing.
 */
static const char *key_state(const json_t *k, const char *acc_state, const char *acc_key, char *tmp, size_t size)
{
	const char *key = json_string_value(json_object_get(k, "public_key"));

	if (json_string_value(json_object_get(k, "revoked_at")))
		return "revoked";
	if (json_object_get(k, "device_index"))
		return "approved (a device key, introduced by a device_key statement)";
	if (json_is_true(json_object_get(k, "faculty_root")))
		return "active";
	if (strcmp(acc_state, "active") == 0 && key && (!acc_key[0] || strcmp(acc_key, key) == 0))
		return "active";
	if (strcmp(acc_state, "none") == 0 || strcmp(acc_state, "active") == 0)
		return "not active (no accreditation covers it)";
	snprintf(tmp, size, "not active (accreditation %s)", acc_state);
	return tmp;
}

static void print_keys(const json_t *res)
{
	static const char *const head[] = { "ID", "CREATED", "STATE", "PUBLIC KEY", "" };
	struct rl_error err = RL_ERROR_INIT;
	char pk[64] = "", path[4096], acc_state[32], acc_key[64];
	struct cli_table *t;
	const json_t *items = json_is_array(res) ? res : json_object_get(res, "items");
	json_t *k;
	size_t i;

	if (!json_array_size(items)) {
		printf("No keys registered; run 'raslog key register'.\n");
		return;
	}
	/* Mark the key on this computer, if there is one. */
	if (cli_key_path(path, sizeof(path)) == 0 && rl_keystore_public(path, pk, sizeof(pk), NULL, &err) < 0)
		pk[0] = '\0';
	rl_error_clear(&err);
	accreditation_of(json_integer_value(json_object_get(json_array_get(items, 0), "user")), acc_state,
			 sizeof(acc_state), acc_key, sizeof(acc_key));
	t = cli_table_new(5, head);
	cli_table_status_column(t, 2);
	json_array_foreach(items, i, k) {
		char id[32], st[64];
		const char *key = json_string_value(json_object_get(k, "public_key"));
		const char *cells[5];

		cells[0] = cli_json_text(k, "id", "?", id, sizeof(id));
		cells[1] = json_string_value(json_object_get(k, "created_at"));
		cells[2] = key_state(k, acc_state, acc_key, st, sizeof(st));
		cells[3] = key;
		cells[4] = key && pk[0] && strcmp(key, pk) == 0 ? "(this computer)" : "";
		cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

static int key_list(const struct os_args *a)
{
	int64_t uid = cli_opt_id(a, "user");
	char path[64] = "/keys";

	if (uid)
		snprintf(path, sizeof(path), "/keys?user=%lld", (long long)uid);
	return cli_read(a, path, 0, print_keys);
}

static int key_revoke(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	char path[64];
	json_t *res;
	int64_t id;

	if (cli_parse_id(a->cmd->name, "the key id", a->argv[0], &id) < 0)
		return CLI_USAGE;
	snprintf(path, sizeof(path), "/keys/%lld", (long long)id);
	if (!(res = cli_api("DELETE", path, NULL, &err)))
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, res);
	else
		printf("revoked key %lld\n", (long long)id);
	json_decref(res);
	return CLI_OK;
}

static const struct os_opt passfile_opts[] = {
	{ "passphrase-file", 0, "FILE", "read the passphrase from FILE (one line; or RASLOG_PASSPHRASE)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt generate_opts[] = {
	{ "force", 0, NULL, "replace an existing key", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt list_opts[] = {
	{ "user", 0, "ID", "another user's keys (faculty)", 0, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt json_only[] = {
	{ "json", 0, NULL, "print the server's JSON", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt *const passfile_shared[] = { passfile_opts, cli_common_opts, NULL };
static const struct os_opt *const register_shared[] = { passfile_opts, json_only, cli_common_opts, NULL };

/*
 * Keys per device: approves a further key of mine (or, for faculty,
 * --user's) with a device_key statement signed by the key on this
 * computer, which must already be trusted for me.
 */
static int approve_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	int64_t id;

	(void)ids;
	(void)n;
	if (a->argc < 1)
		return cli_usage_error(a->cmd->name, "say which key to approve: raslog key approve ID (see raslog key list)");
	return cli_parse_id(a->cmd->name, "the key id", a->argv[0], &id) < 0 ? CLI_USAGE : 0;
}

static int approve_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	const char *user = os_get(a, "user"), *pk = NULL, *me = json_string_value(json_object_get(s->me, "name"));
	int64_t id = strtoll(a->argv[0], NULL, 10), owner = 0;
	char pathq[64] = "/keys";
	struct rl_signer by;
	json_t *res, *items, *k = NULL, *it;
	size_t i;
	int rc;

	(void)item;
	if (user && *user)
		snprintf(pathq, sizeof(pathq), "/keys?user=%s", user);
	else
		user = NULL;
	if (!(res = cli_get(pathq, &rc)))
		return rc;
	items = json_is_array(res) ? res : json_object_get(res, "items");
	json_array_foreach(items, i, it)
		if (json_integer_value(json_object_get(it, "id")) == id) {
			k = it;
			pk = json_string_value(json_object_get(k, "public_key"));
			owner = json_integer_value(json_object_get(k, "user"));
			break;
		}
	if (!pk || owner <= 0) {
		json_decref(res);
		return cli_error("no key %lld is registered to %s; see raslog key list%s", (long long)id,
				 user ? "that user" : "you", user ? " --user ID" : "");
	}
	if (json_object_get(k, "revoked_at") || json_object_get(k, "device_index")) {
		rc = cli_error("key %lld is %s", (long long)id, json_object_get(k, "revoked_at")
				? "revoked and can no longer be approved" : "already approved");
		json_decref(res);
		return rc;
	}
	cli_signer_by(s, &by);
	out->statement = rl_stmt_device_key(owner, pk, &by);
	snprintf(out->what, sizeof(out->what), "approval of key %lld", (long long)id);
	snprintf(out->words, sizeof(out->words), "%s approves key %lld of user %lld (%s) as a further signing key "
		 "of the same person.", me ? me : "I", (long long)id, (long long)owner, pk);
	snprintf(out->done, sizeof(out->done), "approved key %lld", (long long)id);
	json_decref(res);
	return 0;
}

static const struct cli_signing approve_how = { approve_items, approve_build };

static const struct os_opt approve_opts[] = {
	{ "user", 0, "ID", "the key's owner (faculty only; default: me)", 0, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd key_cmds[] = {
	{ .name = "key generate", .max_args = 0, .summary = "create this computer's signing key",
	  .about = "Creates a new Ed25519 key pair and prints its public key (base64).\n"
		   "The secret is sealed with a passphrase (Argon2id) when one is given by\n"
		   "--passphrase-file, RASLOG_PASSPHRASE or, on a terminal, the prompt\n"
		   "(leave it empty for none).  Then it says the one next step: a trainer\n"
		   "registers the key ('raslog key register'); faculty send the line it\n"
		   "prints to the server's operator ('raslogd faculty-key add').\n",
	  .opts = generate_opts, .shared = passfile_shared, .run = key_generate },
	{ .name = "key show", .max_args = 0, .summary = "print this computer's public key",
	  .about = "Prints the public key (base64) of the signing key on this computer.\n",
	  .shared = cli_shared_plain, .run = key_show },
	{ .name = "key check", .max_args = 0, .summary = "open the key and make a test signature",
	  .about = "Opens the signing key on this computer (with its passphrase, if sealed)\n"
		   "and makes a test signature, so a wrong passphrase or a damaged or unsafe\n"
		   "key file shows up before you sign anything real.\n",
	  .shared = passfile_shared, .run = key_check },
	{ .name = "key register", .max_args = 0, .summary = "register this computer's key with the server (trainers)",
	  .about = "Registers this computer's public key with the server (POST /keys),\n"
		   "with a signature by the key over your user id and the server's public\n"
		   "URL, which proves the key is yours (a sealed key asks its passphrase).\n"
		   "Faculty do not register keys: the operator adds a faculty key.\n",
	  .shared = register_shared, .run = key_register, .flags = CLI_NEEDS_TOKEN },
	{ .name = "key list", .max_args = 0, .summary = "list my registered keys",
	  .about = "Lists my registered keys (faculty: --user ID lists another user's).  A\n"
		   "trainer's key that no current accreditation covers is 'not active'.\n",
	  .opts = list_opts, .shared = cli_shared_read, .run = key_list, .flags = CLI_NEEDS_TOKEN },
	{ .name = "key revoke", .args = "ID", .min_args = 1, .max_args = 1, .summary = "revoke a registered key",
	  .about = "Revokes a registered key: it signs nothing from now on.\n", .shared = cli_shared_read,
	  .run = key_revoke, .flags = CLI_NEEDS_TOKEN },
	{ .name = "key approve", .args = "ID", .min_args = 0, .max_args = 1,
	  .summary = "approve a further key of mine (another computer, a phone)",
	  .about = "Keys per device: approves a further key of yours (registered from\n"
		   "another computer, or a phone's browser) with a device_key statement\n"
		   "signed by the key on this computer, which must already be trusted for\n"
		   "you.  Faculty approve another user's key with --user ID.\n",
	  .opts = approve_opts, .shared = cli_shared_sign, .run = cli_sign_run,
	  .flags = CLI_NEEDS_TOKEN | CLI_SIGNS, .data = &approve_how },
	{ .name = NULL },
};

const struct os_cmd cli_cmd_key = {
	.name = "key",
	.summary = "generate, register, list, revoke and approve my signing keys",
	.about = "Your Ed25519 signing key lives in $XDG_DATA_HOME/raslog/signing.key\n"
		 "(default ~/.local/share/raslog), mode 0600 in a 0700 directory.\n",
	.subs = key_cmds,
};

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

static const char key_usage[] =
	"usage: raslog key generate [--passphrase-file FILE] [--force]\n"
	"       raslog key show\n"
	"       raslog key check [--passphrase-file FILE]\n"
	"       raslog key register [--passphrase-file FILE] [--json]\n"
	"       raslog key list [--user ID] [--json]\n"
	"       raslog key revoke ID [--json]\n"
	"       raslog key approve ID [--user ID] [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Your Ed25519 signing key lives in $XDG_DATA_HOME/raslog/signing.key\n"
	"(default ~/.local/share/raslog), mode 0600 in a 0700 directory.\n";

static const char generate_usage[] =
	"usage: raslog key generate [--passphrase-file FILE] [--force]\n"
	"\n"
	"Creates a new Ed25519 key pair and prints its public key (base64).\n"
	"The secret is sealed with a passphrase (Argon2id) when one is given by\n"
	"--passphrase-file, RASLOG_PASSPHRASE or, on a terminal, the prompt\n"
	"(leave it empty for none).\n"
	"\n"
	"  --passphrase-file FILE  read the passphrase from FILE (one line)\n"
	"  --force                 replace an existing key\n";

static const char show_usage[] =
	"usage: raslog key show\n"
	"\n"
	"Prints the public key (base64) of the signing key on this computer.\n";

static const char check_usage[] =
	"usage: raslog key check [--passphrase-file FILE]\n"
	"\n"
	"Opens the signing key on this computer (with its passphrase, if sealed)\n"
	"and makes a test signature, so a wrong passphrase or a damaged or unsafe\n"
	"key file shows up before you sign anything real.\n"
	"\n"
	"  --passphrase-file FILE  read the passphrase from FILE (or RASLOG_PASSPHRASE)\n";

static const char register_usage[] =
	"usage: raslog key register [--passphrase-file FILE] [--json]\n"
	"\n"
	"Registers this computer's public key with the server (POST /keys),\n"
	"with a signature by the key over your user id and the server's public\n"
	"URL, which proves the key is yours (a sealed key asks its passphrase).\n"
	"\n"
	"  --passphrase-file FILE  read the passphrase from FILE (or RASLOG_PASSPHRASE)\n";

static const char list_usage[] =
	"usage: raslog key list [--user ID] [--json]\n"
	"\n"
	"Lists my registered keys (faculty: --user ID lists another user's).\n";

static const char revoke_usage[] =
	"usage: raslog key revoke ID [--json]\n"
	"\n"
	"Revokes a registered key: it signs nothing from now on.\n";

static const char approve_usage[] =
	"usage: raslog key approve ID [--user ID] [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Keys per device: approves a further key of yours (registered from\n"
	"another computer, or a phone's browser) with a device_key statement\n"
	"signed by the key on this computer, which must already be trusted for\n"
	"you.  Faculty approve another user's key with --user ID.\n"
	"\n"
	"  --user ID               the key's owner (faculty only; default: me)\n"
	"  --yes, -y               sign without asking\n"
	"  --passphrase-file FILE  read the passphrase from FILE (or RASLOG_PASSPHRASE)\n";

enum { OPT_FORCE = CLI_OPT_FIRST_LOCAL, OPT_USER };

/* Parses options common to the small key commands; returns -1 to go on or an exit code. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, int *json, const char **passfile,
		 int *force, const char **user)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "user", required_argument, NULL, OPT_USER },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON && json)
			*json = 1;
		else if (c == CLI_OPT_PASSFILE && passfile)
			*passfile = optarg;
		else if (c == OPT_FORCE && force)
			*force = 1;
		else if (c == OPT_USER && user)
			*user = optarg;
		else if (c == CLI_OPT_JSON || c == CLI_OPT_PASSFILE || c == OPT_FORCE || c == OPT_USER)
			return cli_usage_error(cmd, "option '%s' does not apply here", argv[optind - 1]);
		else if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
			return rc;
	}
	return -1;
}

static int key_generate(int argc, char **argv)
{
	const char *cmd = "key generate", *passfile = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *kp;
	char path[4096], *pass = NULL;
	size_t passlen = 0;
	int force = 0, rc;

	if ((rc = parse(argc, argv, cmd, generate_usage, NULL, &passfile, &force, NULL)) >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
	fprintf(stderr, "Wrote %s%s; register it with 'raslog key register'.\n", path,
		passlen ? " (sealed with your passphrase)" : "");
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

static int key_show(int argc, char **argv)
{
	const char *cmd = "key show";
	char pk[64], path[4096];
	int rc;

	if ((rc = parse(argc, argv, cmd, show_usage, NULL, NULL, NULL, NULL)) >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (local_public_key(pk, sizeof(pk), path, sizeof(path)) < 0)
		return CLI_FAIL;
	printf("%s\n", pk);
	return CLI_OK;
}

static int key_check(int argc, char **argv)
{
	static const unsigned char probe[] = "raslog key check";
	const char *cmd = "key check", *passfile = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *kp;
	char pk[64], path[4096], prompt[4200], *pass = NULL;
	unsigned char sig[crypto_sign_BYTES];
	size_t passlen = 0;
	int sealed = 0, rc;

	if ((rc = parse(argc, argv, cmd, check_usage, NULL, &passfile, NULL, NULL)) >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (local_public_key(pk, sizeof(pk), path, sizeof(path)) < 0)
		return CLI_FAIL;
	if (rl_keystore_public(path, pk, sizeof(pk), &sealed, &err) == 0 && sealed) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
		if ((rc = cli_passphrase(passfile, prompt, 0, &pass, &passlen)) != 0)
			return rc;
	}
	rl_error_clear(&err);
	kp = rl_keystore_load(path, pass, passlen, &err);
	cli_passphrase_free(pass);
	if (!kp) {
		if (strcmp(err.type, "passphrase-required") == 0)
			cli_error("%s; pass --passphrase-file FILE or set RASLOG_PASSPHRASE", err.detail);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	crypto_sign_detached(sig, NULL, probe, sizeof(probe) - 1, kp->sk);
	rc = crypto_sign_verify_detached(sig, probe, sizeof(probe) - 1, kp->pk) == 0 ? CLI_OK : CLI_FAIL;
	rl_keypair_free(kp);
	if (rc != CLI_OK)
		return cli_error("the key at %s opens but its signatures do not verify", path);
	printf("the signing key at %s opens and signs%s; public key %s\n", path, sealed ? " (sealed)" : "", pk);
	return CLI_OK;
}

static int key_register(int argc, char **argv)
{
	const char *cmd = "key register", *passfile = NULL, *server;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *kp;
	char pk[64], path[4096], prompt[4200], tmp[32], *pass = NULL, *proof;
	json_t *body, *res, *me, *health;
	size_t passlen = 0;
	int json = 0, sealed = 0, rc;
	int64_t uid;

	if ((rc = parse(argc, argv, cmd, register_usage, &json, &passfile, NULL, NULL)) >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
	if (uid <= 0 || !server || !*server) {
		json_decref(me);
		json_decref(health);
		return cli_error("the server did not say who you are or its public URL (GET /me, GET /health); "
				 "is it an older raslogd?");
	}
	if (rl_keystore_public(path, pk, sizeof(pk), &sealed, &err) == 0 && sealed) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
		if ((rc = cli_passphrase(passfile, prompt, 0, &pass, &passlen)) != 0) {
			json_decref(me);
			json_decref(health);
			return rc;
		}
	}
	rl_error_clear(&err);
	kp = rl_keystore_load(path, pass, passlen, &err);
	cli_passphrase_free(pass);
	proof = kp ? rl_key_proof_sign(kp->sk, server, uid, &err) : NULL;
	rl_keypair_free(kp);
	json_decref(me);
	json_decref(health);
	if (!proof) {
		if (strcmp(err.type, "passphrase-required") == 0)
			cli_error("%s; pass --passphrase-file FILE or set RASLOG_PASSPHRASE", err.detail);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	body = json_pack("{s:s,s:s}", "public_key", pk, "proof", proof);
	free(proof);
	res = cli_api("POST", "/keys", body, &err);
	json_decref(body);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json)
		cli_print_json(stdout, res);
	else
		printf("registered key %s: %s\n", cli_json_text(res, "id", "?", tmp, sizeof(tmp)), pk);
	json_decref(res);
	return CLI_OK;
}

static int key_list(int argc, char **argv)
{
	static const char *const head[] = { "ID", "CREATED", "STATE", "PUBLIC KEY", "" };
	const char *cmd = "key list", *user = NULL;
	struct rl_error err = RL_ERROR_INIT;
	char pk[64] = "", path[4096], pathq[64] = "/keys";
	struct cli_table *t;
	json_t *res, *items, *k;
	int json = 0, rc;
	int64_t uid;
	size_t i;

	if ((rc = parse(argc, argv, cmd, list_usage, &json, NULL, NULL, &user)) >= 0)
		return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (user) {
		if (cli_parse_id(cmd, "--user", user, &uid) < 0)
			return CLI_USAGE;
		snprintf(pathq, sizeof(pathq), "/keys?user=%lld", (long long)uid);
	}
	res = cli_api("GET", pathq, NULL, &err);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, res);
		json_decref(res);
		return CLI_OK;
	}
	/* Mark the key on this computer, if there is one. */
	if (cli_key_path(path, sizeof(path)) == 0 && rl_keystore_public(path, pk, sizeof(pk), NULL, &err) < 0)
		pk[0] = '\0';
	rl_error_clear(&err);
	items = json_is_array(res) ? res : json_object_get(res, "items");
	if (!json_array_size(items)) {
		printf("No keys registered; run 'raslog key register'.\n");
		json_decref(res);
		return CLI_OK;
	}
	t = cli_table_new(5, head);
	cli_table_status_column(t, 2);
	json_array_foreach(items, i, k) {
		char id[32];
		const char *key = json_string_value(json_object_get(k, "public_key"));
		const char *revoked = json_string_value(json_object_get(k, "revoked_at"));
		const char *cells[5];

		cells[0] = cli_json_text(k, "id", "?", id, sizeof(id));
		cells[1] = json_string_value(json_object_get(k, "created_at"));
		cells[2] = revoked ? "revoked" : json_object_get(k, "device_index") ? "approved"
			 : json_object_get(k, "accreditation_index") ? "accredited" : "active";
		cells[3] = key;
		cells[4] = key && pk[0] && strcmp(key, pk) == 0 ? "(this computer)" : "";
		cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	json_decref(res);
	return CLI_OK;
}

static int key_revoke(int argc, char **argv)
{
	const char *cmd = "key revoke";
	struct rl_error err = RL_ERROR_INIT;
	char path[64];
	json_t *res;
	int64_t id;
	int json = 0, rc;

	if ((rc = parse(argc, argv, cmd, revoke_usage, &json, NULL, NULL, NULL)) >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(cmd, "say which key to revoke: raslog key revoke ID");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the key id", argv[optind], &id) < 0)
		return CLI_USAGE;
	snprintf(path, sizeof(path), "/keys/%lld", (long long)id);
	res = cli_api("DELETE", path, NULL, &err);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json)
		cli_print_json(stdout, res);
	else
		printf("revoked key %lld\n", (long long)id);
	json_decref(res);
	return CLI_OK;
}

static int key_approve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "key approve", *user = NULL, *passfile = NULL, *pk = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_signer s;
	struct rl_signer by;
	char pathq[64] = "/keys", what[64];
	json_t *res, *items, *k, *stmt, *reply = NULL;
	int64_t id, uid = 0, owner = 0;
	int c, rc, yes = 0, json = 0;
	size_t i;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_USER: user = optarg; break;
		case 'y':
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_PASSFILE: passfile = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, approve_usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "say which key to approve: raslog key approve ID (see raslog key list)");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the key id", argv[optind], &id) < 0)
		return CLI_USAGE;
	if (user) {
		if (cli_parse_id(cmd, "--user", user, &uid) < 0)
			return CLI_USAGE;
		snprintf(pathq, sizeof(pathq), "/keys?user=%lld", (long long)uid);
	}
	if ((rc = cli_signer_begin(&s, cmd, yes, passfile)) != 0)
		return rc;
	res = cli_api("GET", pathq, NULL, &err);
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		cli_signer_release(&s);
		return rc;
	}
	items = json_is_array(res) ? res : json_object_get(res, "items");
	json_array_foreach(items, i, k)
		if (json_integer_value(json_object_get(k, "id")) == id) {
			pk = json_string_value(json_object_get(k, "public_key"));
			owner = json_integer_value(json_object_get(k, "user"));
			break;
		}
	if (!pk || owner <= 0) {
		json_decref(res);
		cli_signer_release(&s);
		return cli_error("no key %lld is registered to %s; see raslog key list%s", (long long)id,
				 user ? "that user" : "you", user ? " --user ID" : "");
	}
	if (json_object_get(k, "revoked_at") || json_object_get(k, "device_index")) {
		int revoked = json_object_get(k, "revoked_at") != NULL;
		json_decref(res);
		cli_signer_release(&s);
		return cli_error("key %lld is %s", (long long)id, revoked ? "revoked and can no longer be approved"
									 : "already approved");
	}
	cli_signer_by(&s, &by);
	stmt = rl_stmt_device_key(owner, pk, &by);
	snprintf(what, sizeof(what), "approval of key %lld", (long long)id);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	json_decref(res);
	cli_signer_release(&s);
	if (rc)
		return rc;
	if (json)
		cli_print_json(stdout, reply);
	else
		printf("approved key %lld (ledger index %lld)\n", (long long)id,
		       (long long)json_integer_value(json_object_get(reply, "ledger_index")));
	json_decref(reply);
	return CLI_OK;
}

int cmd_key(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "generate", key_generate }, { "show", key_show },     { "check", key_check },
		{ "register", key_register }, { "list", key_list },     { "revoke", key_revoke },
		{ "approve", key_approve },
		{ NULL, NULL },
	};

	if (argc < 2)
		return cli_usage_error("key", "say what to do: generate, show, check, register, list, revoke or approve");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(key_usage, stdout);
		return CLI_OK;
	}
	for (int i = 0; subs[i].name; i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	return cli_usage_error("key", "'%s' is not a key command (generate, show, check, register, list, revoke, approve)", argv[1]);
}

/*
 * sign.c - the flow every signing command shares: refuse to go on without
 * a terminal unless --yes, find our key and who we are (GET /me), show
 * the statement the command built from the records it fetched, ask,
 * open the secret key (with its passphrase if sealed), sign, and post to
 * /signoffs.  Also reads passphrases: from a file, RASLOG_PASSPHRASE, or
 * the terminal (never prompting without one).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "base/util.h"
#include "ledger/texts.h"

#include "base/banned.h"

#define PASSPHRASE_MAX 1024

int cli_key_path(char *out, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_keystore_default_path(out, size, &err) < 0)
		return cli_error("%s", err.detail);
	return 0;
}

void cli_passphrase_free(char *p)
{
	if (p)
		sodium_free(p);
}

/* Reads one line from the terminal with echo off into buf; -1 if there is no terminal. */
static int read_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	size_t len = 0;
	int have_termios;
	char c;

	if (fd < 0)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return -1;
	}
	have_termios = tcgetattr(fd, &old) == 0;
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* nothing to do: the prompt line is cosmetic */
	}
	close(fd);
	return 0;
}

int cli_passphrase(const char *file, const char *prompt, int confirm, char **out, size_t *len)
{
	const char *env = getenv("RASLOG_PASSPHRASE");
	char *p = sodium_malloc(PASSPHRASE_MAX);
	size_t n;

	*out = NULL;
	*len = 0;
	if (!p)
		return cli_error("out of memory for the passphrase");
	if (file) {
		size_t flen;
		char *text;

		errno = 0;
		text = rl_read_file(file, PASSPHRASE_MAX - 1, &flen);

		if (!text) {
			sodium_free(p);
			return cli_error("cannot read the passphrase file %s: %s", file,
					 errno ? strerror(errno) : "it is larger than 1 KiB");
		}
		/* One trailing newline is the file's, not the passphrase's. */
		if (flen && text[flen - 1] == '\n')
			flen--;
		if (flen && text[flen - 1] == '\r')
			flen--;
		memcpy(p, text, flen);
		p[flen] = '\0';
		sodium_memzero(text, flen);
		free(text);
		if (!flen) {
			sodium_free(p);
			return cli_error("the passphrase file %s is empty", file);
		}
	} else if (env && *env) {
		snprintf(p, PASSPHRASE_MAX, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		if (read_hidden(prompt, p, PASSPHRASE_MAX) < 0) {
			sodium_free(p);
			return cli_error("cannot open the terminal to ask for the passphrase");
		}
		if (confirm && *p) {
			char *again = sodium_malloc(PASSPHRASE_MAX);
			int same;

			if (!again || read_hidden("Repeat the passphrase: ", again, PASSPHRASE_MAX) < 0) {
				sodium_free(again);
				sodium_free(p);
				return cli_error("cannot read the passphrase again");
			}
			same = strcmp(p, again) == 0;
			sodium_free(again);
			if (!same) {
				sodium_free(p);
				return cli_error("the two passphrases differ; nothing was written");
			}
		}
	} else {
		p[0] = '\0';
	}
	n = strlen(p);
	if (!n) {
		sodium_free(p);
		return 0;
	}
	*out = p;
	*len = n;
	return 0;
}

int cli_signer_begin(struct cli_signer *s, const char *cmd, int yes, const char *passfile)
{
	struct rl_error err = RL_ERROR_INIT;
	int sealed = 0, rc;

	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	s->yes = yes;
	s->passfile = passfile;
	if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "raslog: refusing to sign without a terminal; pass --yes\n");
		return CLI_USAGE;
	}
	if (cli_key_path(s->key_path, sizeof(s->key_path)) != 0)
		return CLI_FAIL;
	if (rl_keystore_public(s->key_path, s->pk_b64, sizeof(s->pk_b64), &sealed, &err) < 0) {
		if (err.status == RL_E_NOTFOUND)
			cli_error("you have no signing key at %s; create one with 'raslog key generate' and register it "
				  "with 'raslog key register'", s->key_path);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	/* Without a terminal a sealed key can only be opened with a passphrase given up front. */
	if (sealed && !passfile && !(getenv("RASLOG_PASSPHRASE") && *getenv("RASLOG_PASSPHRASE")) &&
	    !isatty(STDIN_FILENO)) {
		cli_error("the signing key at %s is sealed with a passphrase; pass --passphrase-file FILE or set "
			  "RASLOG_PASSPHRASE", s->key_path);
		return CLI_FAIL;
	}
	s->me = cli_api("GET", "/me", NULL, &err);
	if (!s->me) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	s->user = json_integer_value(json_object_get(s->me, "id"));
	if (s->user <= 0) {
		json_decref(s->me);
		s->me = NULL;
		return cli_error("the server's answer to GET /me has no user id");
	}
	return 0;
}

void cli_signer_by(struct cli_signer *s, struct rl_signer *by)
{
	rl_now_rfc3339(s->signed_at);
	by->user = s->user;
	by->key = s->pk_b64;
	by->signed_at = s->signed_at;
}

int cli_signer_has_role(const struct cli_signer *s, const char *role)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(s->me, "roles"), i, r)
		if (json_string_value(r) && strcmp(json_string_value(r), role) == 0)
			return 1;
	return 0;
}

/* Asks on the terminal; 1 for yes. */
static int confirm(void)
{
	char line[32];

	fputs("Sign this statement? [y/N] ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return strcmp(line, "y\n") == 0 || strcmp(line, "Y\n") == 0 || strcmp(line, "yes\n") == 0 ||
	       strcmp(line, "YES\n") == 0 || strcmp(line, "Yes\n") == 0;
}

struct rl_keypair *cli_key_open(const char *path, const char *passfile, int *sealed, int *rc)
{
	struct rl_error err = RL_ERROR_INIT;
	char *pass = NULL, prompt[4200], pk[64];
	size_t passlen = 0;
	struct rl_keypair *kp;

	*sealed = 0;
	*rc = CLI_FAIL;
	if (rl_keystore_public(path, pk, sizeof(pk), sealed, &err) < 0) {
		cli_error("%s", err.detail);
		rl_error_clear(&err);
		return NULL;
	}
	if (*sealed) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
		if ((*rc = cli_passphrase(passfile, prompt, 0, &pass, &passlen)) != 0)
			return NULL;
	}
	kp = rl_keystore_load(path, pass, passlen, &err);
	cli_passphrase_free(pass);
	if (!kp) {
		if (strcmp(err.type, "passphrase-required") == 0)
			cli_error("%s; pass --passphrase-file FILE or set RASLOG_PASSPHRASE", err.detail);
		else
			cli_error("%s", err.detail);
		rl_error_clear(&err);
		*rc = CLI_FAIL;
		return NULL;
	}
	*rc = 0;
	return kp;
}

/* Opens the secret key once. */
static int open_key(struct cli_signer *s)
{
	int sealed, rc;

	if (s->kp)
		return 0;
	if (!(s->kp = cli_key_open(s->key_path, s->passfile, &sealed, &rc)))
		return rc;
	if (strcmp(s->kp->pk_b64, s->pk_b64) != 0)
		return cli_error("the key at %s changed while raslog was running", s->key_path);
	return 0;
}

int cli_signer_submit(struct cli_signer *s, const struct cli_stmt *st, json_t **reply)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *body, *res, *texts = json_object(), *sealed, *t;
	char *sig, *exact;
	const char *path;
	int rc;

	if (reply)
		*reply = NULL;
	/*
	 * Free text is committed to, not embedded: the statement signed holds
	 * a salted SHA-256 of each text, and the texts with their salts go
	 * beside it (core/ledger/texts.h, docs/ledger.md Free text).
	 */
	sealed = rl_texts_seal(st->statement, texts);
	if (!sealed) {
		json_decref(texts);
		cli_error("cannot build %s", st->what);
		return CLI_FAIL;
	}
	/* In words for the person, then exactly what is signed. */
	fprintf(stderr, "The statement to sign (%s):\n", st->what);
	if (st->words[0])
		fprintf(stderr, "  %s\n", st->words);
	exact = json_dumps(sealed, JSON_COMPACT | JSON_SORT_KEYS);
	fprintf(stderr, "  exactly: %s\n", exact ? exact : "?");
	free(exact);
	json_object_foreach(texts, path, t)
		fprintf(stderr, "  committing to %s: %s\n", path, json_string_value(json_object_get(t, "text")));
	rc = 0;
	if (!s->yes && !confirm()) {
		cli_error("%s was not signed (you did not answer yes)", st->what);
		rc = CLI_FAIL;
	} else
		rc = open_key(s);
	if (rc != 0) {
		json_decref(sealed);
		json_decref(texts);
		return rc;
	}
	sig = rl_stmt_sign(sealed, s->kp->sk, &err);
	if (!sig || rl_stmt_verify(sealed, s->pk_b64, sig, &err) < 0) {
		free(sig);
		json_decref(sealed);
		json_decref(texts);
		cli_error("cannot sign %s: %s", st->what, err.detail);
		rl_error_clear(&err);
		return CLI_FAIL;
	}
	body = json_pack("{s:o,s:s}", "statement", sealed, "signature", sig);
	if (json_object_size(texts))
		json_object_set(body, "texts", texts);
	json_decref(texts);
	free(sig);
	res = cli_api("POST", "/signoffs", body, &err);
	json_decref(body);
	if (!res)
		return cli_fail(&err);
	if (reply)
		*reply = res;
	else
		json_decref(res);
	return 0;
}

/* Builds, submits and prints one statement; returns the exit code. */
static int sign_item(const struct os_args *a, const struct cli_signing *how, struct cli_signer *s, int64_t item)
{
	struct cli_stmt st;
	json_t *reply = NULL;
	char tmp[32];
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = how->build(a, s, item, &st)) != 0) {
		json_decref(st.statement);
		return rc;
	}
	if (!st.statement)
		return cli_error("cannot build the statement for %s", st.what);
	if (!st.done[0])
		snprintf(st.done, sizeof(st.done), "%s", st.what);
	rc = cli_signer_submit(s, &st, &reply);
	if (rc == 0) {
		if (os_has(a, "json"))
			cli_print_json(stdout, reply);
		else
			printf("%s: ledger index %s%s\n", st.done, cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)),
			       st.after);
		fflush(stdout);
	}
	json_decref(reply);
	json_decref(st.statement);
	return rc;
}

int cli_sign_run(const struct os_args *a)
{
	const struct cli_signing *how = a->cmd->data;
	const char *cmd = a->cmd->name;
	struct cli_signer s;
	int64_t *ids = NULL, one = 0;
	size_t n = 1;
	int rc, failures = 0, last = CLI_OK;

	if (how->items && (rc = how->items(a, &ids, &n)) != 0)
		return rc;
	if (!ids)
		ids = &one;
	if (n == 0) {
		rc = CLI_OK;
		goto done;
	}
	if ((rc = cli_signer_begin(&s, cmd, os_has(a, "yes"), os_get(a, "passphrase-file"))) != 0)
		goto done;
	if ((a->cmd->flags & CLI_FACULTY_ONLY) && !cli_signer_has_role(&s, "faculty")) {
		cli_signer_release(&s);
		rc = cli_error("only faculty may use 'raslog %s', and your account is not faculty", cmd);
		rc = CLI_AUTH;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && cli_stderr_tty())
			fprintf(stderr, "[%zu/%zu]\n", i + 1, n);
		rc = sign_item(a, how, &s, ids[i]);
		if (rc != 0) {
			failures++;
			last = rc;
			/* A refused token or key will refuse the rest too. */
			if (rc == CLI_AUTH)
				break;
		}
	}
	cli_signer_release(&s);
	if (failures && n > 1)
		cli_error("%d of %zu were not signed", failures, n);
	rc = last;
done:
	if (ids != &one)
		free(ids);
	return rc;
}

void cli_signer_release(struct cli_signer *s)
{
	json_decref(s->me);
	s->me = NULL;
	rl_keypair_free(s->kp);
	s->kp = NULL;
}

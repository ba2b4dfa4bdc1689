/*
 * secrets.c - the log, issuer and token keys in files of their own; see
 * secrets.h for the layout and the move out of older databases.
 */
#include "base/prelude.h"

#include "store/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "store/db.h"
#include "base/keystore.h"
#include "base/util.h"

void (*rl_notice)(const char *message);

static const char *dir_override;

static const struct spec {
	const char *file;        /* name inside the key directory */
	const char *type;        /* the file's "type" */
	const char *meta_secret; /* where databases before the key files kept it */
	const char *meta_public; /* the public half the database records */
	const char *label;       /* for messages */
	size_t len;
} specs[RL_SECRET_COUNT] = {
	[RL_SECRET_LOG] = { "log.key", "raslog-log-key", "log_secret_key", "log_public_key", "log key", 64 },
	[RL_SECRET_ISSUER] = { "issuer.key", "raslog-issuer-key", "issuer_secret_key", "issuer_public_key",
			       "credential issuer key", 64 },
	[RL_SECRET_TOKEN] = { "token.key", "raslog-token-key", "token_key", "token_key_id", "token key", 32 },
	/* Never inside the database: its meta_secret names a row no raslogd wrote. */
	[RL_SECRET_CACHE] = { "cache.key", "raslog-cache-key", "cache_key", "cache_key_id", "cache key", 32 },
};

struct rl_secrets {
	uint8_t key[RL_SECRET_COUNT][64];
	int loaded[RL_SECRET_COUNT];
};

static void notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notice(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!rl_notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rl_notice(msg);
}

void rl_secrets_set_dir(const char *dir)
{
	dir_override = dir && *dir ? dir : NULL;
}

size_t rl_secret_len(enum rl_secret which)
{
	return specs[which].len;
}

int rl_secrets_dir_for(const char *db_path, char *out, size_t size, struct rl_error *err)
{
	int n;

	/* A PostgreSQL database is no file: there is nowhere beside it for the keys. */
	if (!dir_override && rl_db_target_is_postgresql(db_path))
		return rl_error_set(err, RL_E_INVALID, "no-key-dir", "No key directory",
				    "a PostgreSQL database needs a key directory: set key_dir in the config "
				    "(or raslogd --key-dir DIR) to a private directory for its keys");
	n = dir_override ? snprintf(out, size, "%s", dir_override) : snprintf(out, size, "%s.keys", db_path);

	if (n < 0 || (size_t)n >= size)
		return rl_error_set(err, RL_E_INVALID, "bad-path", NULL, "the key directory path is too long");
	return 0;
}

static int key_path(struct rl_db *db, enum rl_secret which, char out[PATH_MAX], struct rl_error *err)
{
	if (snprintf(out, PATH_MAX, "%s/%s", db->key_dir, specs[which].file) >= PATH_MAX)
		return rl_error_set(err, RL_E_INVALID, "bad-path", NULL, "the key file path is too long");
	return 0;
}

/* The public half: the Ed25519 public key, or BLAKE2b("raslog-token-key-id") keyed by the token key (cache: "raslog-cache-key-id"). */
static void public_half(enum rl_secret which, const uint8_t *secret, uint8_t out[32])
{
	static const char id_msg[] = "raslog-token-key-id", cache_msg[] = "raslog-cache-key-id";

	if (which == RL_SECRET_TOKEN)
		crypto_generichash(out, 32, (const unsigned char *)id_msg, sizeof(id_msg) - 1, secret, 32);
	else if (which == RL_SECRET_CACHE)
		crypto_generichash(out, 32, (const unsigned char *)cache_msg, sizeof(cache_msg) - 1, secret, 32);
	else
		memcpy(out, secret + 32, 32);
}

/* mkdir dir 0700 if missing; refuses a non-directory or another user's; tightens a looser mode. */
static int ensure_dir(const char *dir, struct rl_error *err)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return rl_error_set(err, RL_E_UNAVAILABLE, "key-dir", "Cannot create the key directory",
				    "cannot create the key directory %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return rl_error_set(err, RL_E_UNAVAILABLE, "key-dir", "Cannot create the key directory",
				    "the key directory %s is not a directory", dir);
	if (st.st_uid != geteuid())
		return rl_error_set(err, RL_E_UNAVAILABLE, "key-dir", "Unsafe key directory",
				    "the key directory %s belongs to another user (uid %ld); it must belong to the "
				    "user raslogd runs as", dir, (long)st.st_uid);
	if ((st.st_mode & 07777) != 0700) {
		if (chmod(dir, 0700) < 0)
			return rl_error_set(err, RL_E_UNAVAILABLE, "key-dir", "Cannot secure the key directory",
					    "cannot set mode 0700 on %s: %s", dir, strerror(errno));
		notice("set mode 0700 on the key directory %s (it was %04o)", dir, (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes the key file at path (atomic, synced, 0600). */
static int write_key(const char *path, enum rl_secret which, const uint8_t *secret, struct rl_error *err)
{
	struct rl_buf text = RL_BUF_INIT;
	int rc = -1;

	if (rl_buf_printf(&text, "{\"v\":1,\"type\":\"%s\"", specs[which].type) < 0 ||
	    (specs[which].len == 32 ? rl_keyfile_put_b64(&text, "key", secret, 32)
				      : rl_keyfile_put_b64(&text, "public_key", secret + 32, 32) < 0 ||
						rl_keyfile_put_b64(&text, "seed", secret, 32)) < 0 ||
	    rl_buf_puts(&text, "}\n") < 0) {
		rl_error_internal(err, "out of memory");
		goto out;
	}
	if (rl_write_file_atomic(path, text.data, text.len, 0600) < 0) {
		rl_error_set(err, RL_E_UNAVAILABLE, "key-io", "Cannot write a key file", "cannot write %s: %s", path,
			     strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text.data, text.len);
	rl_buf_release(&text);
	return rc;
}

/* Wipes a string member of o in place (the key file's secret parts). */
static void wipe_member(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (s)
		sodium_memzero((char *)s, strlen(s));
}

/* Reads the key file: 0 and out filled, 1 when there is no file, -1 with err. */
static int read_key(const char *path, enum rl_secret which, uint8_t out[64], struct rl_error *err)
{
	struct stat st;
	uint8_t seed[32], pk[32];
	json_t *o;
	int rc = -1;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return 1;
	if (!(o = rl_keyfile_read(path, specs[which].type, err)))
		return -1;
	if (specs[which].len == 32) {
		if (rl_base64_decode_exact(json_string_value(json_object_get(o, "key")), out, 32) == 0)
			rc = 0;
	} else if (rl_base64_decode_exact(json_string_value(json_object_get(o, "seed")), seed, 32) == 0 &&
		   rl_base64_decode_exact(json_string_value(json_object_get(o, "public_key")), pk, 32) == 0) {
		uint8_t derived[32];

		crypto_sign_seed_keypair(derived, out, seed);
		/* the seed must give the public key the file names */
		rc = sodium_memcmp(derived, pk, 32) == 0 ? 0 : -1;
	}
	wipe_member(o, "seed");
	wipe_member(o, "key");
	json_decref(o);
	sodium_memzero(seed, sizeof(seed));
	if (rc < 0) {
		sodium_memzero(out, 64);
		rl_error_set(err, RL_E_UNAVAILABLE, "key-damaged", "Damaged key file",
			     "%s is damaged: it holds no readable %s, or its secret does not give its public key", path,
			     specs[which].label);
	}
	return rc;
}

static int missing_error(struct rl_db *db, enum rl_secret which, const char *path, struct rl_error *err)
{
	return rl_error_set(err, RL_E_UNAVAILABLE, "missing-key", "A key file is missing",
			    "the %s file %s is missing, but the database %s was set up with one (it records its "
			    "public half), and raslogd never makes a new key for an existing database: restore the "
			    "key directory %s from the backup made with the database (raslogd backup writes it as "
			    "OUT.keys/), or set key_dir (--key-dir) to where the keys are",
			    specs[which].label, path, db->path, db->key_dir);
}

static int foreign_error(struct rl_db *db, enum rl_secret which, const char *path, struct rl_error *err)
{
	return rl_error_set(err, RL_E_UNAVAILABLE, "foreign-key", "A key file belongs to another database",
			    "the %s in %s is not the one the database %s was set up with (the public half it "
			    "records differs): the key directory belongs to another database; set key_dir "
			    "(--key-dir) to this database's keys",
			    specs[which].label, path, db->path);
}

static struct rl_secrets *cache(struct rl_db *db, struct rl_error *err)
{
	if (!db->secrets) {
		if (sodium_init() < 0 || !(db->secrets = sodium_malloc(sizeof(*db->secrets)))) {
			rl_error_internal(err, "out of memory for the keys");
			return NULL;
		}
		memset(db->secrets, 0, sizeof(*db->secrets));
	}
	return db->secrets;
}

const uint8_t *rl_secret_get(struct rl_db *db, enum rl_secret which, struct rl_error *err)
{
	struct rl_secrets *c = cache(db, err);
	char path[PATH_MAX];
	uint8_t recorded[32], mine[32], inside[64];
	int rc;

	if (!c)
		return NULL;
	if (c->loaded[which])
		return c->key[which];
	if (key_path(db, which, path, err) < 0)
		return NULL;
	rc = read_key(path, which, c->key[which], err);
	if (rc < 0)
		return NULL;
	if (rc == 1) {
		if (rl_db_meta_get(db, specs[which].meta_secret, inside, sizeof(inside)) == (int)specs[which].len) {
			sodium_memzero(inside, sizeof(inside));
			rl_error_set(err, RL_E_UNAVAILABLE, "keys-inside", "The keys are still inside the database",
				     "the database %s still holds its %s (it was made by an older raslogd); run "
				     "'raslogd --db %s init' once to move the keys out to %s",
				     db->path, specs[which].label, db->path, db->key_dir);
		} else if (rl_db_meta_get(db, specs[which].meta_public, recorded, 32) == 32) {
			missing_error(db, which, path, err);
		} else {
			rl_error_set(err, RL_E_UNAVAILABLE, "no-key", NULL,
				     "the database %s has no %s; run 'raslogd --db %s init'", db->path,
				     specs[which].label, db->path);
		}
		return NULL;
	}
	if (rl_db_meta_get(db, specs[which].meta_public, recorded, 32) != 32) {
		sodium_memzero(c->key[which], 64);
		rl_error_set(err, RL_E_UNAVAILABLE, "no-key", NULL,
			     "the database %s does not record its %s although %s exists; run 'raslogd --db %s init'",
			     db->path, specs[which].label, path, db->path);
		return NULL;
	}
	public_half(which, c->key[which], mine);
	if (sodium_memcmp(mine, recorded, 32) != 0) {
		sodium_memzero(c->key[which], 64);
		foreign_error(db, which, path, err);
		return NULL;
	}
	c->loaded[which] = 1;
	return c->key[which];
}

static int generate(enum rl_secret which, uint8_t out[64])
{
	uint8_t pk[32];

	if (specs[which].len == 32)
		randombytes_buf(out, 32);
	else
		crypto_sign_keypair(pk, out);
	return 0;
}

int rl_secret_create(struct rl_db *db, enum rl_secret which, struct rl_error *err)
{
	struct rl_secrets *c = cache(db, err);
	char path[PATH_MAX];
	uint8_t recorded[32], pub[32];
	int rc;

	if (!c || key_path(db, which, path, err) < 0 || ensure_dir(db->key_dir, err) < 0)
		return -1;
	if (rl_db_meta_get(db, specs[which].meta_public, recorded, 32) == 32)
		return rl_secret_get(db, which, err) ? 0 : -1;
	/* Nothing recorded: a new database, or one whose init stopped after writing the file. */
	rc = read_key(path, which, c->key[which], err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		generate(which, c->key[which]);
		if (write_key(path, which, c->key[which], err) < 0) {
			sodium_memzero(c->key[which], 64);
			return -1;
		}
		sync_dir(db->key_dir);
	}
	public_half(which, c->key[which], pub);
	if (rl_db_meta_put(db, specs[which].meta_public, pub, 32, err) < 0) {
		sodium_memzero(c->key[which], 64);
		return -1;
	}
	c->loaded[which] = 1;
	return 0;
}

int rl_secrets_move_out(struct rl_db *db, struct rl_error *err)
{
	uint8_t inside[64], file[64], pub[32];
	char path[PATH_MAX], names[128] = "";
	int moved[RL_SECRET_COUNT] = { 0 }, n = 0, left, dir_ok = 0, rc = -1;
	int secure = -1;
	struct rl_stmt *st;

	for (int k = 0; k < RL_SECRET_COUNT; k++) {
		if (rl_db_meta_get(db, specs[k].meta_secret, inside, sizeof(inside)) != (int)specs[k].len)
			continue;
		if ((!dir_ok && ensure_dir(db->key_dir, err) < 0) || key_path(db, k, path, err) < 0)
			goto out;
		dir_ok = 1;
		switch (read_key(path, k, file, err)) {
		case 0:
			/* a move that stopped before the delete: the file must be the same key */
			if (sodium_memcmp(file, inside, specs[k].len) != 0) {
				rl_error_set(err, RL_E_UNAVAILABLE, "key-conflict", "Two different keys",
					     "the database %s still holds a %s that differs from the one in %s; "
					     "raslogd will not choose: move the wrong one aside (the database's key "
					     "signed its ledger)", db->path, specs[k].label, path);
				goto out;
			}
			break;
		case 1:
			if (write_key(path, k, inside, err) < 0)
				goto out;
			break;
		default:
			goto out;
		}
		moved[k] = 1;
		n++;
	}
	if (!n)
		return 0;
	/* The files are durable before the rows go. */
	sync_dir(db->key_dir);
	if ((secure = rl_db_secure_delete(db, 1)) < 0) {
		rl_db_fail(db, err, "turning on secure delete");
		goto out;
	}
	if (rl_db_begin(db, err) < 0)
		goto out;
	left = n;
	for (int k = 0; k < RL_SECRET_COUNT; k++) {
		if (!moved[k])
			continue;
		rl_db_meta_get(db, specs[k].meta_secret, inside, sizeof(inside));
		public_half(k, inside, pub);
		if (rl_db_meta_put(db, specs[k].meta_public, pub, 32, err) < 0)
			goto rollback;
		if (!(st = rl_db_stmt(db, "DELETE FROM meta WHERE key = ?", err)))
			goto rollback;
		rl_bind_text(st, 1, specs[k].meta_secret, -1);
		if (rl_step(st) != RL_DONE) {
			rl_db_fail(db, err, "removing a key from the database");
			rl_reset(st);
			goto rollback;
		}
		rl_reset(st);
		left--;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 !names[0] ? "" : left ? ", " : " and ", specs[k].label);
	}
	if (rl_db_commit(db, err) < 0)
		goto out;
	rl_db_forget_deleted(db);
	notice("moved the %s out of the database %s into %s/ (files of mode 0600); the database no longer "
	       "holds them: back up that directory with the database (raslogd backup does), and treat older "
	       "backups of the database as holding the keys", names, db->path, db->key_dir);
	rc = n;
	goto out;
rollback:
	rl_db_rollback(db);
out:
	if (secure == 0)
		rl_db_secure_delete(db, 0);
	sodium_memzero(inside, sizeof(inside));
	sodium_memzero(file, sizeof(file));
	return rc;
}

int rl_secrets_add_cache_key(struct rl_db *db, struct rl_error *err)
{
	uint8_t recorded[32];

	/* Recorded: its file is checked where the others are (rl_secrets_check), so the first missing one is named. */
	if (rl_db_meta_get(db, specs[RL_SECRET_CACHE].meta_public, recorded, 32) == 32)
		return 0;
	return rl_secret_create(db, RL_SECRET_CACHE, err);
}

int rl_secrets_check(struct rl_db *db, struct rl_error *err)
{
	for (int k = 0; k < RL_SECRET_COUNT; k++)
		if (!rl_secret_get(db, k, err))
			return -1;
	return 0;
}

int rl_secrets_copy_to(struct rl_db *db, const char *dir, struct rl_error *err)
{
	char path[PATH_MAX];

	if (rl_secrets_check(db, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0)
		return rl_error_set(err, errno == EEXIST ? RL_E_CONFLICT : RL_E_UNAVAILABLE, "key-dir", NULL,
				    "cannot create %s for the keys: %s", dir,
				    errno == EEXIST ? "it already exists; choose a new name for the backup" : strerror(errno));
	if (chmod(dir, 0700) < 0)
		goto fail;
	for (int k = 0; k < RL_SECRET_COUNT; k++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, specs[k].file) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (write_key(path, k, db->secrets->key[k], err) < 0)
			return -1;
	}
	sync_dir(dir);
	return 0;
fail:
	return rl_error_set(err, RL_E_UNAVAILABLE, "key-io", NULL, "cannot write the keys to %s: %s", dir,
			    strerror(errno));
}

void rl_secrets_release(struct rl_db *db)
{
	if (db && db->secrets) {
		sodium_free(db->secrets);
		db->secrets = NULL;
	}
}

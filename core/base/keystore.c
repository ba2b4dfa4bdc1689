/*
 * keystore.c - creating, checking and opening the signing key file; see
 * keystore.h for the format and the safety rules.
 */
#include "base/prelude.h"

#include "base/keystore.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/jsonin.h"
#include "base/util.h"

#define KEY_TYPE "raslog-signing-key"
#define KEY_FILE_MAX 4096
/* Argon2id cost of new sealed keys: a few hundred ms and 64 MiB. */
#define SEAL_OPSLIMIT 3ULL
#define SEAL_MEMLIMIT ((size_t)64 << 20)
/* Costs a key file may ask for when it is opened (bounds a damaged file). */
#define OPEN_OPSLIMIT_MAX 64ULL
#define OPEN_MEMLIMIT_MAX ((size_t)1 << 30)

int rl_keystore_dir(char *out, size_t size, struct rl_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	/* The XDG spec says relative values are to be ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(out, size, "%s/raslog", xdg);
	else if (home && home[0])
		n = snprintf(out, size, "%s/.local/share/raslog", home);
	else
		return rl_error_set(err, RL_E_INVALID, "no-key-dir", "No key directory",
				    "neither XDG_DATA_HOME nor HOME is set, so there is no place for the signing key");
	if (n < 0 || (size_t)n >= size)
		return rl_error_set(err, RL_E_INVALID, "no-key-dir", "No key directory",
				    "the key directory path is too long");
	return 0;
}

int rl_keystore_default_path(char *out, size_t size, struct rl_error *err)
{
	char dir[PATH_MAX - 32];
	int n;

	if (rl_keystore_dir(dir, sizeof(dir), err) < 0)
		return -1;
	n = snprintf(out, size, "%s/%s", dir, RL_KEYSTORE_FILE);
	if (n < 0 || (size_t)n >= size)
		return rl_error_set(err, RL_E_INVALID, "no-key-dir", "No key directory",
				    "the key file path is too long");
	return 0;
}

void rl_keypair_free(struct rl_keypair *kp)
{
	if (kp)
		sodium_free(kp); /* sodium_free wipes the memory first */
}

static struct rl_keypair *keypair_new(struct rl_error *err)
{
	struct rl_keypair *kp;

	if (sodium_init() < 0) {
		rl_error_internal(err, "libsodium cannot be initialised");
		return NULL;
	}
	kp = sodium_malloc(sizeof(*kp));
	if (!kp) {
		rl_error_internal(err, "out of memory for the key");
		return NULL;
	}
	memset(kp, 0, sizeof(*kp));
	return kp;
}

/* Fills kp from a 32-byte seed. */
static int keypair_from_seed(struct rl_keypair *kp, const uint8_t seed[32], struct rl_error *err)
{
	char *b64;

	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	b64 = rl_base64_encode(kp->pk, sizeof(kp->pk));
	if (!b64)
		return rl_error_internal(err, "out of memory");
	snprintf(kp->pk_b64, sizeof(kp->pk_b64), "%s", b64);
	free(b64);
	return 0;
}

/* mkdir -p of the directory part of path; directories it creates get 0700. */
static int make_parents(const char *path, struct rl_error *err)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return rl_error_set(err, RL_E_INVALID, "bad-path", NULL, "the key path is too long");
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return rl_error_set(err, RL_E_INTERNAL, "key-dir", "Cannot create the key directory",
					    "cannot create %s: %s", dir, strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return rl_error_set(err, RL_E_INTERNAL, "key-dir", "Cannot create the key directory",
				    "cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return rl_error_set(err, RL_E_INVALID, "key-dir", "Cannot create the key directory",
				    "%s is not a directory", dir);
	if (st.st_uid != geteuid())
		return rl_error_set(err, RL_E_INVALID, "key-dir", "Unsafe key directory",
				    "%s belongs to another user (uid %ld); keep your key in a directory you own",
				    dir, (long)st.st_uid);
	/* The key's own directory is private even if someone made it looser. */
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		return rl_error_set(err, RL_E_INTERNAL, "key-dir", "Cannot secure the key directory",
				    "cannot set mode 0700 on %s: %s", dir, strerror(errno));
	return 0;
}

/*
 * Opens and reads a key file of the given type after the safety checks;
 * returns the parsed object (a new reference) or NULL with err set.  A
 * signing key must carry a public key; other types only when they have one.
 */
json_t *rl_keyfile_read(const char *path, const char *type, struct rl_error *err)
{
	char text[KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	json_t *o = NULL;
	const char *pk;
	uint8_t raw[32];
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			rl_error_set(err, RL_E_NOTFOUND, "no-key", "No signing key", "there is no signing key at %s",
				     path);
		else if (errno == ELOOP)
			rl_error_set(err, RL_E_INVALID, "key-symlink", "Unsafe key file",
				     "%s is a symbolic link; a signing key must be a regular file, "
				     "so replace the link with the key file itself", path);
		else
			rl_error_set(err, RL_E_INTERNAL, "key-io", "Cannot read the key", "cannot open %s: %s", path,
				     strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		rl_error_set(err, RL_E_INTERNAL, "key-io", "Cannot read the key", "cannot examine %s: %s", path,
			     strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rl_error_set(err, RL_E_INVALID, "key-not-file", "Unsafe key file", "%s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		rl_error_set(err, RL_E_INVALID, "key-owner", "Unsafe key file",
			     "%s belongs to another user (uid %ld); a key file must be owned by the user who uses it", path,
			     (long)st.st_uid);
		goto out;
	}
	if (st.st_mode & 077) {
		rl_error_set(err, RL_E_INVALID, "key-permissions", "Unsafe key file",
			     "%s can be read or changed by other users (mode %04o); run 'chmod 600 %s' and "
			     "consider the key exposed if others could read it",
			     path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (len < sizeof(text) - 1) {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rl_error_set(err, RL_E_INTERNAL, "key-io", "Cannot read the key", "cannot read %s: %s", path,
				     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len >= sizeof(text) - 1) {
		rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file",
			     "%s is larger than any raslog key file", path);
		goto out;
	}
	text[len] = '\0';
	o = rl_json_parse(text, len, err);
	sodium_memzero(text, sizeof(text));
	if (!o) {
		rl_error_clear(err);
		rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file",
			     "%s is not a raslog key file (it is not JSON)", path);
		goto out;
	}
	pk = json_string_value(json_object_get(o, "public_key"));
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1 ||
	    !json_string_value(json_object_get(o, "type")) ||
	    strcmp(json_string_value(json_object_get(o, "type")), type) != 0 ||
	    ((pk || strcmp(type, KEY_TYPE) == 0) && (!pk || rl_base64_decode_exact(pk, raw, sizeof(raw)) < 0))) {
		rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file",
			     "%s is not a raslog key file of version 1 and type %s", path, type);
		json_decref(o);
		o = NULL;
	}
out:
	close(fd);
	return o;
}

/* Derives the sealing key from a passphrase. */
static int derive(uint8_t key[crypto_secretbox_KEYBYTES], const char *passphrase, size_t passlen,
		  const uint8_t salt[crypto_pwhash_SALTBYTES], unsigned long long ops, size_t mem,
		  struct rl_error *err)
{
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase, passlen, salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return rl_error_set(err, RL_E_INTERNAL, "kdf", "Cannot derive the key",
				    "Argon2id could not run (out of memory for %zu MiB?)", mem >> 20);
	return 0;
}

int rl_keyfile_put_b64(struct rl_buf *b, const char *name, const uint8_t *data, size_t len)
{
	char *s = rl_base64_encode(data, len);
	int rc;

	if (!s)
		return -1;
	rc = rl_buf_printf(b, ",\"%s\":\"%s\"", name, s);
	sodium_memzero(s, strlen(s));
	free(s);
	return rc;
}

struct rl_keypair *rl_keystore_generate(const char *path, const char *passphrase, size_t passlen,
					int force, struct rl_error *err)
{
	struct rl_keypair *kp = keypair_new(err);
	struct rl_buf text = RL_BUF_INIT;
	uint8_t seed[32], salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t key[crypto_secretbox_KEYBYTES], sealed[32 + crypto_secretbox_MACBYTES];
	struct stat st;
	int ok = 0;

	if (!kp)
		return NULL;
	if (make_parents(path, err) < 0)
		goto out;
	if (!force && lstat(path, &st) == 0) {
		rl_error_set(err, RL_E_CONFLICT, "key-exists", "A key exists", "a signing key already exists at %s",
			     path);
		goto out;
	}
	randombytes_buf(seed, sizeof(seed));
	if (keypair_from_seed(kp, seed, err) < 0)
		goto out;
	if (rl_buf_printf(&text, "{\"v\":1,\"type\":\"%s\",\"public_key\":\"%s\"", KEY_TYPE, kp->pk_b64) < 0)
		goto nomem;
	if (passphrase && passlen) {
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (derive(key, passphrase, passlen, salt, SEAL_OPSLIMIT, SEAL_MEMLIMIT, err) < 0)
			goto out;
		crypto_secretbox_easy(sealed, seed, sizeof(seed), nonce, key);
		if (rl_buf_printf(&text, ",\"kdf\":\"argon2id13\",\"opslimit\":%llu,\"memlimit\":%zu", SEAL_OPSLIMIT,
				  SEAL_MEMLIMIT) < 0 ||
		    rl_keyfile_put_b64(&text, "salt", salt, sizeof(salt)) < 0 ||
		    rl_keyfile_put_b64(&text, "nonce", nonce, sizeof(nonce)) < 0 ||
		    rl_keyfile_put_b64(&text, "sealed_seed", sealed, sizeof(sealed)) < 0)
			goto nomem;
	} else if (rl_keyfile_put_b64(&text, "seed", seed, sizeof(seed)) < 0) {
		goto nomem;
	}
	if (rl_buf_puts(&text, "}\n") < 0)
		goto nomem;
	if (rl_write_file_atomic(path, text.data, text.len, 0600) < 0) {
		rl_error_set(err, RL_E_INTERNAL, "key-io", "Cannot write the key", "cannot write %s: %s", path,
			     strerror(errno));
		goto out;
	}
	ok = 1;
	goto out;
nomem:
	rl_error_internal(err, "out of memory");
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(text.data, text.len);
	rl_buf_release(&text);
	if (!ok) {
		rl_keypair_free(kp);
		return NULL;
	}
	return kp;
}

int rl_keystore_public(const char *path, char *pk_b64, size_t size, int *sealed, struct rl_error *err)
{
	json_t *o = rl_keyfile_read(path, KEY_TYPE, err);

	if (!o)
		return -1;
	snprintf(pk_b64, size, "%s", json_string_value(json_object_get(o, "public_key")));
	if (sealed)
		*sealed = json_object_get(o, "sealed_seed") != NULL;
	json_decref(o);
	return 0;
}

/* Opens the sealed seed of o with the passphrase. */
static int unseal(const json_t *o, const char *path, const char *passphrase, size_t passlen, uint8_t seed[32],
		  struct rl_error *err)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t key[crypto_secretbox_KEYBYTES], sealed[32 + crypto_secretbox_MACBYTES];
	const char *kdf = json_string_value(json_object_get(o, "kdf"));
	json_int_t ops = json_integer_value(json_object_get(o, "opslimit"));
	json_int_t mem = json_integer_value(json_object_get(o, "memlimit"));
	int rc;

	if (!kdf || strcmp(kdf, "argon2id13") != 0 || ops < (json_int_t)crypto_pwhash_OPSLIMIT_MIN ||
	    ops > (json_int_t)OPEN_OPSLIMIT_MAX || mem < (json_int_t)crypto_pwhash_MEMLIMIT_MIN ||
	    mem > (json_int_t)OPEN_MEMLIMIT_MAX ||
	    rl_base64_decode_exact(json_string_value(json_object_get(o, "salt")), salt, sizeof(salt)) < 0 ||
	    rl_base64_decode_exact(json_string_value(json_object_get(o, "nonce")), nonce, sizeof(nonce)) < 0 ||
	    rl_base64_decode_exact(json_string_value(json_object_get(o, "sealed_seed")), sealed, sizeof(sealed)) < 0)
		return rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file",
				    "%s has a damaged or unknown sealing (kdf, costs, salt, nonce or sealed_seed)", path);
	if (!passphrase || !passlen)
		return rl_error_set(err, RL_E_UNAUTH, "passphrase-required", "Passphrase required",
				    "the signing key at %s is sealed with a passphrase and none was given", path);
	if (derive(key, passphrase, passlen, salt, (unsigned long long)ops, (size_t)mem, err) < 0)
		return -1;
	rc = crypto_secretbox_open_easy(seed, sealed, sizeof(sealed), nonce, key);
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return rl_error_set(err, RL_E_UNAUTH, "wrong-passphrase", "Wrong passphrase",
				    "the passphrase does not open the signing key at %s", path);
	return 0;
}

struct rl_keypair *rl_keystore_load(const char *path, const char *passphrase, size_t passlen,
				    struct rl_error *err)
{
	struct rl_keypair *kp;
	json_t *o;
	uint8_t seed[32];
	int ok = 0;

	if (!(kp = keypair_new(err)))
		return NULL;
	if (!(o = rl_keyfile_read(path, KEY_TYPE, err)))
		goto out;
	if (json_object_get(o, "sealed_seed")) {
		if (unseal(o, path, passphrase, passlen, seed, err) < 0)
			goto out;
	} else if (rl_base64_decode_exact(json_string_value(json_object_get(o, "seed")), seed, sizeof(seed)) < 0) {
		rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file", "%s holds no readable seed", path);
		goto out;
	}
	if (keypair_from_seed(kp, seed, err) < 0)
		goto out;
	if (strcmp(kp->pk_b64, json_string_value(json_object_get(o, "public_key"))) != 0) {
		rl_error_set(err, RL_E_INVALID, "key-damaged", "Damaged key file",
			     "%s is damaged: its secret does not belong to its public key", path);
		goto out;
	}
	ok = 1;
out:
	sodium_memzero(seed, sizeof(seed));
	json_decref(o);
	if (!ok) {
		rl_keypair_free(kp);
		return NULL;
	}
	return kp;
}

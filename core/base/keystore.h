/*
 * keystore.h - a person's Ed25519 signing key on disk.
 *
 * The key file lives in $XDG_DATA_HOME/raslog/ (default
 * ~/.local/share/raslog/), a directory of mode 0700, and is a regular file
 * of mode 0600 written atomically.  It is one JSON object:
 *
 *   {"v":1,"type":"raslog-signing-key","public_key":"<base64 32 bytes>",
 *    "seed":"<base64 32 bytes>"}                               (plain)
 *
 *   {"v":1,"type":"raslog-signing-key","public_key":"<base64 32 bytes>",
 *    "kdf":"argon2id13","opslimit":N,"memlimit":N,"salt":"<base64 16>",
 *    "nonce":"<base64 24>","sealed_seed":"<base64 48>"}       (sealed)
 *
 * A sealed key keeps its 32-byte seed in crypto_secretbox under a key
 * derived from the passphrase with Argon2id (crypto_pwhash).  The public
 * key is stored in clear in both forms, so commands that only need it
 * (registering the key, naming the signer) never ask for the passphrase;
 * loading the secret checks that the seed gives that public key back.
 *
 * Loading refuses, with a sentence saying how to fix it, a key file that
 * is a symbolic link, not a regular file, not owned by the caller, or
 * readable or writable by group or others.  Nothing here reads a
 * terminal: the caller supplies the passphrase bytes.
 *
 * Errors use struct rl_error: RL_E_NOTFOUND (no key file), RL_E_CONFLICT
 * (a key exists and force was not given), RL_E_INVALID (unsafe or
 * damaged file), RL_E_UNAUTH (passphrase missing or wrong),
 * RL_E_INTERNAL (the file system failed).
 */
#ifndef RASLOG_KEYSTORE_H
#define RASLOG_KEYSTORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The key file's name inside the key directory. */
#define RL_KEYSTORE_FILE "signing.key"

/* A loaded key pair; allocated with sodium_malloc, freed by rl_keypair_free. */
struct rl_keypair {
	uint8_t pk[32];    /* Ed25519 public key */
	uint8_t sk[64];    /* libsodium secret key (seed || public key) */
	char pk_b64[48];   /* the public key in standard base64 */
};

/*
 * Writes the key directory ($XDG_DATA_HOME/raslog, else
 * $HOME/.local/share/raslog) into out.  Fails if neither variable is set
 * or the path does not fit.
 */
int rl_keystore_dir(char *out, size_t size, struct rl_error *err);
/* Writes the default key file path (directory + "/" RL_KEYSTORE_FILE). */
int rl_keystore_default_path(char *out, size_t size, struct rl_error *err);

/*
 * Creates a new key pair at path, creating its directory (and missing
 * parents) with mode 0700 and tightening an existing key directory to
 * 0700.  With a non-empty passphrase the seed is sealed.  Refuses to
 * replace an existing file unless force.  Returns the new pair (free with
 * rl_keypair_free) or NULL with err set.
 */
struct rl_keypair *rl_keystore_generate(const char *path, const char *passphrase, size_t passlen,
					int force, struct rl_error *err);

/*
 * Reads only the public key of the key file at path (no passphrase
 * needed) into pk_b64 (at least 45 bytes); *sealed says whether the
 * secret needs a passphrase (sealed may be NULL).  Applies the same
 * safety checks as rl_keystore_load.
 */
int rl_keystore_public(const char *path, char *pk_b64, size_t size, int *sealed, struct rl_error *err);

/*
 * Loads the key pair at path.  passphrase may be NULL for a plain key;
 * a sealed key without one fails with RL_E_UNAUTH type
 * "passphrase-required", a wrong one with type "wrong-passphrase".
 */
struct rl_keypair *rl_keystore_load(const char *path, const char *passphrase, size_t passlen,
				    struct rl_error *err);

/*
 * Reads any raslog key file ({"v":1,"type":TYPE,...}) with the safety
 * checks above (no link, regular file, owned by the caller, mode 0600 or
 * tighter); returns the object (json_decref it, after wiping secrets) or
 * NULL with err set.  secrets.c reads the server's key files with it.
 */
json_t *rl_keyfile_read(const char *path, const char *type, struct rl_error *err);

/* Wipes and frees a key pair; NULL does nothing. */
void rl_keypair_free(struct rl_keypair *kp);

struct rl_buf;
/*
 * Appends ,"name":"<base64 of data>" to a key file's text under way, the
 * base64 copy wiped before it is freed: 0, or -1 out of memory.  Every
 * key file (a signer's here, the server's in store/secrets.c) is written
 * with it.
 */
int rl_keyfile_put_b64(struct rl_buf *b, const char *name, const uint8_t *data, size_t len);

#endif

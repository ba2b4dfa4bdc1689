/*
 * secrets.h - the server's own secrets, kept out of the database.
 *
 * Four secrets: the log key (Ed25519; signs tree heads and the server's
 * own statements), the credential issuer key (Ed25519; signs Open Badges
 * credentials), the token key (32 bytes; keys the BLAKE2b hashes of
 * API tokens) and the cache key (32 bytes; keys the BLAKE2b MACs that
 * seal the cached figures, domain/progress.h).  Each lives in a file of
 * its own, mode 0600, in a key directory of mode 0700:
 *
 *   DIR/log.key     {"v":1,"type":"raslog-log-key","public_key":"<b64>","seed":"<b64>"}
 *   DIR/issuer.key  {"v":1,"type":"raslog-issuer-key","public_key":"<b64>","seed":"<b64>"}
 *   DIR/token.key   {"v":1,"type":"raslog-token-key","key":"<b64>"}
 *   DIR/cache.key   {"v":1,"type":"raslog-cache-key","key":"<b64>"}
 *
 * DIR is the config's key_dir (raslogd --key-dir), else the database
 * path with ".keys" appended (var/raslog.db -> var/raslog.db.keys/).  A
 * PostgreSQL database (a URI) has no path to put it beside: key_dir is
 * required, and opening one without it is refused with a sentence saying so.
 * The database keeps only the public halves (meta log_public_key,
 * issuer_public_key, token_key_id = BLAKE2b-256 keyed by the token
 * key of "raslog-token-key-id", cache_key_id likewise), so a key file that belongs to another
 * database is refused instead of used, and a missing key file for an
 * existing database is an error, never a silent new key.
 *
 * Databases made before this layout kept the secrets in meta
 * (log_secret_key, issuer_secret_key, token_key).  Opening such a
 * database for writing moves them out: each key file is written and
 * synced first, the directory synced, then the rows are deleted (with
 * secure_delete, and the WAL truncated) in one transaction; a crash in
 * between leaves both copies, and the next open finds the file equal to
 * the row and finishes the move.  Files are read with the same safety
 * checks as a person's key (keystore.h): no symbolic link, a regular
 * file owned by the caller, no group or other permission bits.
 */
#ifndef RASLOG_SECRETS_H
#define RASLOG_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct rl_db;

enum rl_secret {
	RL_SECRET_LOG,     /* 64-byte libsodium Ed25519 secret key */
	RL_SECRET_ISSUER,  /* 64-byte libsodium Ed25519 secret key */
	RL_SECRET_TOKEN,   /* 32-byte BLAKE2b key */
	RL_SECRET_CACHE,   /* 32-byte BLAKE2b key: the cached figures' MACs */
	RL_SECRET_COUNT
};

/*
 * Sets the key directory for every database opened from now on (the
 * config's key_dir or --key-dir); NULL or "" restores the default
 * beside the database.  The string must outlive the program's databases.
 */
void rl_secrets_set_dir(const char *dir);

/* Writes the key directory used for the database at db_path into out. */
int rl_secrets_dir_for(const char *db_path, char *out, size_t size, struct rl_error *err);

/*
 * The secret, from its file (loaded on first use, checked against the
 * public half recorded in the database, then kept in guarded memory
 * until rl_db_close).  NULL with err set: missing file (RL_E_UNAVAILABLE
 * "missing-key"), unsafe or damaged file, or a file of another database.
 */
const uint8_t *rl_secret_get(struct rl_db *db, enum rl_secret which, struct rl_error *err);

/* The secret's length in bytes (64 or 32). */
size_t rl_secret_len(enum rl_secret which);

/*
 * For init, inside its transaction: makes sure the secret exists.  A
 * database that records the public half needs the file (an error if it
 * is missing or differs); a database that records none takes the file
 * already in the directory (a crashed init) or a new random key, and
 * records its public half.
 */
int rl_secret_create(struct rl_db *db, enum rl_secret which, struct rl_error *err);

/*
 * Moves secrets still held in the database's meta table out to their
 * files (see above).  Returns how many were moved (0 when none were
 * inside), -1 with err set.  rl_db_open calls it for every writable
 * connection.
 */
int rl_secrets_move_out(struct rl_db *db, struct rl_error *err);

/*
 * For every writable open: a database made before the cache key gets
 * one (no cached figure is sealed yet, and the start-up check seals
 * them); one that records it needs its file, as for the others.
 */
int rl_secrets_add_cache_key(struct rl_db *db, struct rl_error *err);

/* Loads and checks all four (start-up and backup): a clear error for any missing or foreign file. */
int rl_secrets_check(struct rl_db *db, struct rl_error *err);

/*
 * Writes a copy of the four key files into dir, which must not exist:
 * it is created 0700, the files 0600.  For backups.
 */
int rl_secrets_copy_to(struct rl_db *db, const char *dir, struct rl_error *err);

/* Frees the loaded secrets of a connection (rl_db_close calls it). */
void rl_secrets_release(struct rl_db *db);

/*
 * Where rl_db_open and friends report things an operator should read
 * once (keys moved out, file modes tightened).  NULL (the default) says
 * nothing; raslogd points it at stderr.
 */
extern void (*rl_notice)(const char *message);

#endif

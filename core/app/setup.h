/*
 * setup.h - creating and upgrading a raslog database: schema migrations,
 * the token key, the ledger's log key and first tree head (the keys in
 * their own files, secrets.h), and the
 * default curricula and assessment tools.  Safe to run again: it only
 * adds what is missing.
 */
#ifndef RASLOG_SETUP_H
#define RASLOG_SETUP_H

#include "store/db.h"
#include "base/error.h"

/*
 * Opens (creating if needed, mode 0600) and initialises the database at
 * path; makes an existing database and its -wal/-shm files 0600, and
 * creates the key files (secrets.h) a new database needs.
 */
int rl_setup_database(const char *path, struct rl_error *err);

/* Loads the embedded curricula into an open database; returns how many were new. */
int rl_setup_curricula(struct rl_db *db, struct rl_error *err);

#endif

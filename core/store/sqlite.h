/*
 * sqlite.h - reaching SQLite itself behind a struct rl_db, for the tests
 * of the schema's own rules (append-only triggers) and tools that must.
 * Everything else goes through db.h and sql.h.
 */
#ifndef RASLOG_SQLITE_H
#define RASLOG_SQLITE_H

struct rl_db;

/* The sqlite3 * of a SQLite database, NULL for another engine. */
void *rl_db_sqlite_handle(struct rl_db *db);

#endif

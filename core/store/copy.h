/*
 * copy.h - copying a whole raslog database from one engine to another
 * (raslogd migrate: a SQLite file to PostgreSQL), row for row, keys kept.
 */
#ifndef RASLOG_COPY_H
#define RASLOG_COPY_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* Called after each table and every 10,000 rows: table, rows copied of it, rows it has. */
typedef void (*rl_copy_progress_fn)(const char *table, int64_t done, int64_t total, void *ctx);

struct rl_copy_stats {
	int tables;
	int64_t rows;
};

/*
 * Copies every table of src (a SQLite database at dst's schema version)
 * into dst, whose tables must all be empty (a new database; the meta rows
 * opening it wrote, its key files' public halves, are replaced by src's), in one
 * transaction of dst: parents before children, each table's rows in key
 * order, each value with its own type.  Then moves dst's identity
 * sequences past the copied keys.  0, or -1 with err set and dst
 * unchanged.
 */
int rl_db_copy(struct rl_db *src, struct rl_db *dst, rl_copy_progress_fn progress, void *ctx,
	       struct rl_copy_stats *stats, struct rl_error *err);

#endif

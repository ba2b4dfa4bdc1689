/*
 * setup_rows.h - the rows database set-up writes (app/setup.c): the
 * curricula shipped inside the program, loaded into the curricula table
 * once per code and version.
 */
#ifndef RASLOG_SETUP_ROWS_H
#define RASLOG_SETUP_ROWS_H

#include <stddef.h>

#include "base/error.h"
#include "store/db.h"

/*
 * Stores a curriculum (definition: its JSON text, len bytes) unless that
 * code and version is already there.  1 stored, 0 already there, -1 with err.
 */
int rl_rows_setup_curriculum_insert(struct rl_db *db, const char *code, int version, const char *title,
				    const char *definition, size_t len, const char *loaded_at, struct rl_error *err);

#endif

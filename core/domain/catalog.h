/*
 * catalog.h - the curricula loaded in the database (table curricula),
 * parsed and cached by id, and the embedded assessment tool table.  Read
 * by sessions (warnings), sign-offs and progress; knows nothing of them.
 */
#ifndef RASLOG_CATALOG_H
#define RASLOG_CATALOG_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/curriculum.h"
#include "store/db.h"

/* The parsed curriculum with this id (cached; never freed while running). */
const struct rl_curriculum *rl_curriculum_by_id(struct rl_db *db, int64_t id, struct rl_error *err);
/* The id rl_curriculum_by_id(db, id) returned c for, or 0 when c is not one it cached for db. */
int64_t rl_curriculum_id_of(struct rl_db *db, const struct rl_curriculum *c);
/*
 * Every loaded curriculum, by code and version: [{"id","code","version",
 * "title","definition"}] (GET /api/v1/curricula); NULL with err set.
 */
json_t *rl_curricula_list(struct rl_db *db, struct rl_error *err);
/* The assessment tool table (schema/tools.json, embedded). */
const struct rl_tools *rl_tools_default(struct rl_error *err);

#endif

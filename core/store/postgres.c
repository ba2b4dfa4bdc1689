/*
 * postgres.c - the PostgreSQL engine (engine.h), through libpq.
 * Not built yet: every operation says so.
 */
#include "base/prelude.h"

#include "store/engine.h"

static int pg_open(struct rl_db *db, int flags, struct rl_error *err)
{
	(void)flags;
	return rl_error_set(err, RL_E_UNAVAILABLE, "engine-unavailable", NULL,
			    "this raslog cannot open %s: PostgreSQL support is not built in", db->path);
}

const struct rl_engine rl_engine_postgresql = {
	.name = "postgresql",
	.schema_prefix = "schema/postgresql/",
	.open = pg_open,
};

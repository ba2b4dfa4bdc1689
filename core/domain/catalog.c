/*
 * catalog.c - the curricula stored in the database, parsed once and
 * cached, and the assessment tool table; see catalog.h.
 */
#include "base/prelude.h"

#include "domain/catalog.h"

#include <pthread.h>

#include "base/embedded.h"
#include "store/curricula_rows.h"

/* ------------------------------------------------------------ curricula */

static int append_curriculum(void *ctx, const struct rl_row_curriculum *r)
{
	json_t *def = json_loads(r->definition, 0, NULL);
	json_t *o = json_pack("{s:I,s:s,s:i,s:s}", "id", (json_int_t)r->id, "code", r->code, "version", r->version,
			      "title", r->title);

	if (def)
		json_object_set_new(o, "definition", def);
	json_array_append_new(ctx, o);
	return 0;
}

json_t *rl_curricula_list(struct rl_db *db, struct rl_error *err)
{
	json_t *items = json_array();

	if (rl_rows_curricula_list(db, append_curriculum, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

#define MAX_CURRICULA 64

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rl_tools *tools_cache;
static struct {
	char db[256];
	int64_t id;
	struct rl_curriculum *c;
} curricula[MAX_CURRICULA];
static int ncurricula;

const struct rl_tools *rl_tools_default(struct rl_error *err)
{
	const struct rl_embedded *e;

	pthread_mutex_lock(&cache_lock);
	if (!tools_cache && (e = rl_embedded_find("schema/tools.json")))
		rl_tools_parse(e->data, e->len, &tools_cache, err);
	pthread_mutex_unlock(&cache_lock);
	if (!tools_cache && !err->status)
		rl_error_internal(err, "this build carries no assessment tool table");
	return tools_cache;
}

const struct rl_curriculum *rl_curriculum_by_id(struct rl_db *db, int64_t id, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	struct rl_curriculum *c = NULL;
	char *text;
	size_t len;
	int found;

	if (!tools)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < ncurricula; i++) {
		if (curricula[i].id == id && strcmp(curricula[i].db, db->path) == 0) {
			c = curricula[i].c;
			pthread_mutex_unlock(&cache_lock);
			return c;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if ((found = rl_rows_curriculum_definition(db, id, &text, &len, err)) <= 0) {
		if (found == 0)
			rl_error_set(err, RL_E_INTERNAL, "no-curriculum", NULL, "curriculum %lld is missing", (long long)id);
		return NULL;
	}
	rl_curriculum_parse(text, len, tools, &c, err);
	free(text);
	if (!c)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	if (ncurricula < MAX_CURRICULA) {
		snprintf(curricula[ncurricula].db, sizeof(curricula[ncurricula].db), "%s", db->path);
		curricula[ncurricula].id = id;
		curricula[ncurricula].c = c;
		ncurricula++;
	} else {
		/* More curricula than slots: a long-lived leak of one parse is better than a dangling pointer. */
	}
	pthread_mutex_unlock(&cache_lock);
	return c;
}

int64_t rl_curriculum_id_of(struct rl_db *db, const struct rl_curriculum *c)
{
	int64_t id = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < ncurricula && !id; i++)
		if (curricula[i].c == c && strcmp(curricula[i].db, db->path) == 0)
			id = curricula[i].id;
	pthread_mutex_unlock(&cache_lock);
	return id;
}

/* Frees the caches at exit so leak checkers see a clean process. */
__attribute__((destructor)) static void free_caches(void)
{
	for (int i = 0; i < ncurricula; i++)
		rl_curriculum_free(curricula[i].c);
	ncurricula = 0;
	rl_tools_free(tools_cache);
	tools_cache = NULL;
}


/*
 * routes_misc.c - small resources: health, the caller's own account, and
 * the OpenAPI description.
 */
#include <string.h>

#include "codes.h"
#include "embedded.h"
#include "server.h"

#include "banned.h"

void h_health(struct request *rq)
{
	struct rl_db *db = server_db();
	struct rl_writer_stats ws = { 0 };

	if (server_ctx.writer)
		rl_writer_stats(server_ctx.writer, &ws);
	if (!db) {
		reply_problem(rq, RL_E_UNAVAILABLE, "storage-unavailable", "the database cannot be opened");
		return;
	}
	reply_json(rq, 200, json_pack("{s:s,s:i,s:I,s:I}", "status", "ok", "schema_version",
				      rl_db_schema_version(), "write_batches", (json_int_t)ws.batches,
				      "writes", (json_int_t)ws.jobs));
}

json_t *user_json(const struct rl_user *u);

json_t *user_json(const struct rl_user *u)
{
	const char *names[4];
	int n = rl_roles_names(u->roles, names);
	json_t *roles = json_array();
	json_t *o;

	for (int i = 0; i < n; i++)
		json_array_append_new(roles, json_string(names[i]));
	o = json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)u->id, "name", u->name, "email", u->email,
		      "roles", roles);
	if (u->gmc[0])
		json_object_set_new(o, "gmc", json_string(u->gmc));
	if (u->site[0])
		json_object_set_new(o, "site", json_string(u->site));
	return o;
}

void h_me(struct request *rq)
{
	json_t *me = user_json(&rq->user);

	session_me_extras(rq, me); /* how this request signed in; the CSRF token of a web session */
	reply_json(rq, 200, me);
}

void h_openapi(struct request *rq)
{
	const struct rl_embedded *e = rl_embedded_find("web/openapi.json");

	if (!e) {
		reply_problem(rq, RL_E_NOTFOUND, "not-found", "this build carries no OpenAPI description");
		return;
	}
	reply_text(rq, 200, "application/json", e->data, e->len);
}

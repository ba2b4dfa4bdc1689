/*
 * routes_misc.c - small resources: health, the caller's own account, a
 * user's record (only what the caller's role needs), and the OpenAPI
 * description.
 */
#include <string.h>

#include "base/codes.h"
#include "base/embedded.h"
#include "server.h"

#include "base/banned.h"

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
	/* public_url: clients name this server with it, e.g. in a key registration's proof. */
	json_t *h = json_pack("{s:s,s:i,s:I,s:I,s:s}", "status", "ok", "schema_version",
			      rl_db_schema_version(), "write_batches", (json_int_t)ws.batches,
			      "writes", (json_int_t)ws.jobs, "public_url",
			      server_ctx.public_url ? server_ctx.public_url : "");
	/* Single sign-on: the sign-in page offers "Sign in with <name>" when this is present. */
	if (h && oidc_display_name())
		json_object_set_new(h, "oidc", json_pack("{s:s,s:s}", "name", oidc_display_name(), "start",
							 "/auth/oidc/start"));
	reply_json(rq, 200, h);
}

/*
 * Personal details (e-mail, GMC number) go only to the person themself,
 * admins and faculty; everyone else sees what their role needs to work
 * with someone: id, name, roles and site.  Every place that serialises a
 * user goes through here (the export's person block is only ever given
 * to the person and faculty, see h_export).
 */
int user_may_see_personal(const struct rl_user *viewer, const struct rl_user *u)
{
	return viewer->id == u->id || (viewer->roles & (RL_ROLE_ADMIN | RL_ROLE_FACULTY)) != 0;
}

json_t *user_json(const struct rl_user *u, const struct rl_user *viewer)
{
	const char *names[4];
	int n = rl_roles_names(u->roles, names);
	json_t *roles = json_array();
	json_t *o;

	for (int i = 0; i < n; i++)
		json_array_append_new(roles, json_string(names[i]));
	o = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)u->id, "name", u->name, "roles", roles);
	if (user_may_see_personal(viewer, u)) {
		json_object_set_new(o, "email", json_string(u->email));
		if (u->gmc[0])
			json_object_set_new(o, "gmc", json_string(u->gmc));
	}
	if (u->site[0])
		json_object_set_new(o, "site", json_string(u->site));
	return o;
}

void h_me(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *me = user_json(&rq->user, &rq->user);
	char curriculum[65];

	/* The curriculum the caller is enrolled on, by code (as GET /users shows it). */
	if (rl_curriculum_code_of(server_db(), rq->user.curriculum_id, curriculum, &err) < 0) {
		json_decref(me);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	if (curriculum[0])
		json_object_set_new(me, "curriculum", json_string(curriculum));

	session_me_extras(rq, me); /* how this request signed in; the CSRF token of a web session */
	reply_json(rq, 200, me);
}

void h_user_get(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user u;

	if (rl_user_get(server_db(), rq->param, &u, &err) < 0) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, user_json(&u, &rq->user));
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

/*
 * cmd_check_routes.c - raslogd check-routes [--file FILE]: the route table
 * (routes.c) against the OpenAPI description (web/openapi.json, as
 * embedded in this program, or FILE), so that neither can change without
 * the other.  The build runs it once raslogd is linked (the Makefile's
 * routes.ok); tests/api/30-openapi.sh also checks drifted copies.
 *
 * For every route: an operation with its method and path; "security": []
 * (no credentials) exactly when the route is WHO_ANYONE; "x-raslog-roles"
 * (the roles it is limited to, e.g. ["faculty", "admin"]) exactly when the
 * route is limited to roles, naming the same ones; a requestBody exactly
 * when the route takes a JSON body.  For every operation: a route.
 * Each disagreement is one line on stderr; the exit code is 1 if there is
 * one, 0 when they agree.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/codes.h"
#include "base/embedded.h"
#include "operator.h"
#include "server.h"
#include "../cli/optspec.h"

#include "base/banned.h"

static const char *const methods[] = { "get", "put", "post", "delete", "patch", "head", "options", "trace", NULL };

/* The roles a route may be limited to, by the names x-raslog-roles uses. */
static const struct {
	const char *name;
	int bit;
} roles[] = {
	{ "trainee", RL_ROLE_TRAINEE },
	{ "trainer", RL_ROLE_TRAINER },
	{ "faculty", RL_ROLE_FACULTY },
	{ "admin", RL_ROLE_ADMIN },
};

/* The mask of an x-raslog-roles array, 0 when absent, or -1 when it is not an array of role names. */
static int roles_mask(const json_t *v)
{
	const json_t *r;
	size_t i, k;
	int mask = 0;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return -1;
	json_array_foreach(v, i, r) {
		for (k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
			if (json_is_string(r) && strcmp(json_string_value(r), roles[k].name) == 0)
				break;
		if (k == sizeof(roles) / sizeof(roles[0]))
			return -1;
		mask |= roles[k].bit;
	}
	return mask;
}

/* "trainer, faculty" of a mask, or none. */
static const char *roles_text(int mask, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
		if (mask & roles[k].bit) {
			int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", roles[k].name);
			if (n < 0 || (size_t)n >= size - len)
				break;
			len += (size_t)n;
		}
	return len ? buf : "none";
}

static void lower(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

/* The route of method (lower case) and path, or NULL. */
static const struct route *route_of(const char *method, const char *path)
{
	char m[16];

	for (const struct route *r = routes; r->method; r++) {
		lower(r->method, m, sizeof(m));
		if (strcmp(m, method) == 0 && strcmp(r->pattern, path) == 0)
			return r;
	}
	return NULL;
}

/* Compares routes[] with the description doc; prints each difference on stderr; returns how many. */
static int compare(json_t *doc, const char *name)
{
	json_t *paths = json_object_get(doc, "paths"), *item;
	const char *path;
	int bad = 0, n = 0;

	if (!json_is_object(paths)) {
		fprintf(stderr, "raslogd: check-routes: %s has no \"paths\" object\n", name);
		return 1;
	}
	for (const struct route *r = routes; r->method; r++) {
		char m[16];
		const json_t *op, *security;
		int anyone, body, mask, want;
		char have_text[64], want_text[64];

		n++;
		lower(r->method, m, sizeof(m));
		op = json_object_get(json_object_get(paths, r->pattern), m);
		if (!json_is_object(op)) {
			fprintf(stderr, "raslogd: check-routes: %s %s is in server/routes.c but not in %s\n", r->method,
				r->pattern, name);
			bad++;
			continue;
		}
		security = json_object_get(op, "security");
		anyone = json_is_array(security) && json_array_size(security) == 0;
		if (anyone != (r->who == WHO_ANYONE)) {
			fprintf(stderr, "raslogd: check-routes: %s %s: server/routes.c %s, %s %s\n", r->method, r->pattern,
				r->who == WHO_ANYONE ? "needs no credentials" : "needs credentials", name,
				anyone ? "says none (\"security\": [])" : "asks for them");
			bad++;
		}
		mask = roles_mask(json_object_get(op, "x-raslog-roles"));
		want = r->who > 0 ? r->who : 0;
		if (mask < 0) {
			fprintf(stderr, "raslogd: check-routes: %s %s: %s's x-raslog-roles is not a list of trainee, trainer, "
				"faculty, admin\n", r->method, r->pattern, name);
			bad++;
		} else if (mask != want) {
			fprintf(stderr, "raslogd: check-routes: %s %s: server/routes.c limits it to %s, %s's x-raslog-roles to %s\n",
				r->method, r->pattern, want ? roles_text(want, want_text, sizeof(want_text)) : "no role",
				name, mask ? roles_text(mask, have_text, sizeof(have_text)) : "no role (absent)");
			bad++;
		}
		body = json_object_get(op, "requestBody") != NULL;
		if (body != (r->json_body != 0)) {
			fprintf(stderr, "raslogd: check-routes: %s %s: server/routes.c %s a JSON body, %s %s\n", r->method,
				r->pattern, r->json_body ? "takes" : "takes no", name,
				body ? "describes one (requestBody)" : "describes none");
			bad++;
		}
	}
	json_object_foreach(paths, path, item) {
		for (int i = 0; methods[i]; i++) {
			char up[16];
			size_t k;

			if (!json_object_get(item, methods[i]) || route_of(methods[i], path))
				continue;
			for (k = 0; methods[i][k] && k + 1 < sizeof(up); k++)
				up[k] = (char)toupper((unsigned char)methods[i][k]);
			up[k] = '\0';
			fprintf(stderr, "raslogd: check-routes: %s %s is in %s but not in server/routes.c\n", up, path, name);
			bad++;
		}
	}
	if (!bad)
		printf("the %d routes of server/routes.c agree with %s (method, path, credentials, roles, body)\n", n, name);
	return bad;
}

static int check_routes(const struct os_args *args)
{
	const char *file = os_get(args, "file");
	json_error_t jerr;
	json_t *doc;
	int bad;

	if (file) {
		doc = json_load_file(file, 0, &jerr);
	} else {
		const struct rl_embedded *e = rl_embedded_find("web/openapi.json");
		if (!e) {
			fprintf(stderr, "raslogd: check-routes: web/openapi.json is not embedded in this program\n");
			return 1;
		}
		doc = json_loadb(e->data, e->len, 0, &jerr);
	}
	if (!doc) {
		fprintf(stderr, "raslogd: check-routes: %s is not JSON (line %d: %s)\n", file ? file : "web/openapi.json",
			jerr.line, jerr.text);
		return 1;
	}
	bad = compare(doc, file ? file : "web/openapi.json");
	json_decref(doc);
	return bad ? 1 : 0;
}

static const struct os_opt check_opts[] = {
	{ "file", 'f', "FILE", "an OpenAPI description to check instead of the embedded web/openapi.json", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_check_routes = {
	.name = "check-routes",
	.max_args = 0,
	.summary = "check the route table against the OpenAPI description (the build runs it)",
	.about = "Checks that the route table (server/routes.c) and the OpenAPI description\n"
		 "(web/openapi.json as embedded, or --file) agree: every route has an\n"
		 "operation and every operation a route, with the same method and path; an\n"
		 "operation says \"security\": [] exactly when its route needs no credentials,\n"
		 "names in \"x-raslog-roles\" the roles its route is limited to (and has none\n"
		 "when it is open to every user), and has a requestBody exactly when its route\n"
		 "takes a JSON body.  Prints each disagreement on stderr and exits 1; the build\n"
		 "runs it after linking raslogd.\n",
	.opts = check_opts,
	.run = check_routes,
};

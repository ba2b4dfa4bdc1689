/*
 * routes.c - the route table: every API resource, who may call it, and
 * whether it takes a JSON body.  The dispatcher (router.c) enforces the
 * last two columns before a handler runs.
 */
#include "codes.h"
#include "server.h"

#include "banned.h"

#define TRAINEE RL_ROLE_TRAINEE
#define TRAINER RL_ROLE_TRAINER
#define FACULTY RL_ROLE_FACULTY
#define ADMIN RL_ROLE_ADMIN

const struct route routes[] = {
	/* method  pattern                              handler               who           body */
	{ "GET",  "/api/v1/health",                     h_health,             WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/openapi.json",               h_openapi,            WHO_ANYONE,   0 },
	{ "GET",  "/api/v1/me",                         h_me,                 WHO_ANY_USER, 0 },
	{ "POST", "/api/v1/sessions",                   h_sessions_create,    TRAINEE,      1 },
	{ "GET",  "/api/v1/sessions",                   h_sessions_list,      WHO_ANY_USER, 0 },
	{ "GET",  "/api/v1/sessions/{id}",              h_sessions_get,       WHO_ANY_USER, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

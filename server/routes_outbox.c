/*
 * routes_outbox.c - GET /api/v1/outbox (admin): the email outbox, newest
 * first, with each message's state, attempts and the relay's last reply;
 * never the bodies.  ?state= narrows it, ?limit= (1-500, default 100).
 */
#include <string.h>

#include "store/outbox.h"
#include "server.h"

#include "base/banned.h"

void h_outbox(struct request *rq)
{
	static const char *const states[] = { "queued", "sending", "sent", "failed", NULL };
	struct rl_error err = RL_ERROR_INIT;
	const char *state = query_arg(rq, "state");
	long long limit = 100;
	json_t *items;
	int i;

	if (query_int(rq, "limit", 1, 500, &limit) < 0)
		return;
	if (state) {
		for (i = 0; states[i] && strcmp(states[i], state) != 0; i++)
			;
		if (!states[i]) {
			rl_error_field(&err, "state", "must be queued, sending, sent or failed");
			reply_error(rq, &err);
			rl_error_clear(&err);
			return;
		}
	}
	if (!(items = rl_outbox_list(server_db(), state, (int)limit, &err))) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

/*
 * error.c - filling and clearing struct rl_error; see error.h.
 */
#include "base/prelude.h"

#include "base/error.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rl_error_clear(struct rl_error *err)
{
	if (!err)
		return;
	json_decref((json_t *)err->extra);
	memset(err, 0, sizeof(*err));
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

const char *rl_status_title(enum rl_status status)
{
	switch (status) {
	case RL_OK: return "OK";
	case RL_E_INVALID: return "The request has invalid fields";
	case RL_E_MALFORMED: return "The request body could not be read";
	case RL_E_UNAUTH: return "Authentication required";
	case RL_E_FORBIDDEN: return "Not allowed";
	case RL_E_NOTFOUND: return "Not found";
	case RL_E_CONFLICT: return "Conflict with the record's current state";
	case RL_E_TOOLARGE: return "Request too large";
	case RL_E_SIGNATURE: return "Signed statement refused";
	case RL_E_UNAVAILABLE: return "Storage unavailable";
	case RL_E_INTERNAL: return "Internal error";
	}
	return "Error";
}

int rl_error_set(struct rl_error *err, enum rl_status status, const char *type,
		 const char *title, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->status = status;
	copy_str(err->type, sizeof(err->type), type);
	copy_str(err->title, sizeof(err->title), title ? title : rl_status_title(status));
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return -1;
}

int rl_error_field(struct rl_error *err, const char *field, const char *fmt, ...)
{
	struct rl_field_error *fe;
	va_list ap;

	if (!err)
		return -1;
	if (err->status == RL_OK) {
		err->status = RL_E_INVALID;
		copy_str(err->type, sizeof(err->type), "validation");
		copy_str(err->title, sizeof(err->title), rl_status_title(RL_E_INVALID));
	}
	if (err->nfields >= RL_ERROR_MAX_FIELDS)
		return -1;
	fe = &err->fields[err->nfields++];
	copy_str(fe->field, sizeof(fe->field), field);
	va_start(ap, fmt);
	vsnprintf(fe->message, sizeof(fe->message), fmt, ap);
	va_end(ap);
	if (err->nfields == 1)
		snprintf(err->detail, sizeof(err->detail), "%s: %s", fe->field, fe->message);
	else
		snprintf(err->detail, sizeof(err->detail),
			 "%d fields are invalid; the first is %s: %s",
			 err->nfields, err->fields[0].field, err->fields[0].message);
	return -1;
}

int rl_error_internal(struct rl_error *err, const char *what)
{
	return rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "%s", what);
}

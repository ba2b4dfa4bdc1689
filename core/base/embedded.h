/*
 * embedded.h - files compiled into the programs by tools/embed.sh:
 * the schema/NNN_name.sql migrations, the curricula and tool
 * table (schema/curricula, schema/tools.json) and web/openapi.json.  The table ends with a NULL path; each data is
 * NUL-terminated so text can be used directly.
 */
#ifndef RASLOG_EMBEDDED_H
#define RASLOG_EMBEDDED_H

#include <stddef.h>

struct rl_embedded {
	const char *path; /* path relative to the source tree, e.g. "schema/001_init.sql" */
	const char *data; /* contents, NUL-terminated */
	size_t len;       /* length without the NUL */
};

extern const struct rl_embedded rl_embedded_files[];

/* Finds an embedded file by path, NULL if absent. */
const struct rl_embedded *rl_embedded_find(const char *path);

#endif

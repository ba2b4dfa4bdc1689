/*
 * temp_db.h - removing a unit test's temporary database: the file, its
 * -wal and -shm, its saved head, its key directory with every key file
 * (secrets.h: log, issuer, token and cache keys) and the temporary
 * directory holding them.  Include after the system headers.
 */
#ifndef RASLOG_TEST_TEMP_DB_H
#define RASLOG_TEST_TEMP_DB_H

#include <stdio.h>
#include <unistd.h>

static void temp_db_remove(const char *dir, const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", ".head", ".keys/log.key", ".keys/issuer.key",
						 ".keys/token.key", ".keys/cache.key", NULL };
	char p[256];

	for (const char *const *sfx = suffixes; *sfx; sfx++) {
		snprintf(p, sizeof(p), "%s%s", path, *sfx);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s.keys", path);
	rmdir(p);
	rmdir(dir);
}

#endif

/*
 * jcs_tool.c - canonicalises JSON lines for tests/js/jcs-cross.mjs.
 *
 * Reads one JSON value per line on stdin, writes its rl_jcs form as one
 * line on stdout.  Lines are parsed with json_loadb and JSON_ALLOW_NUL
 * rather than rl_json_parse, so that U+0000 in strings (which
 * rl_json_parse refuses) is cross-checked too.  Exits 1 at the first line that
 * does not parse or cannot be canonicalised, naming it on stderr.  Not a
 * cmocka test (hence no test_ prefix); the Makefile builds it as
 * $(BUILD)/tests/jcs_tool.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "base/error.h"
#include "ledger/jcs.h"

#include "base/banned.h"

int main(void)
{
	char *line = NULL, *out;
	size_t cap = 0, outlen;
	ssize_t n;
	long lineno = 0;
	json_error_t je;
	json_t *v;
	int ret = 1;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		struct rl_error err = RL_ERROR_INIT;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		v = json_loadb(line, (size_t)n,
			       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		if (!v) {
			fprintf(stderr, "jcs_tool: line %ld, column %d: %s\n",
				lineno, je.column, je.text);
			goto out;
		}
		out = rl_jcs_string(v, &outlen, &err);
		json_decref(v);
		if (!out) {
			fprintf(stderr, "jcs_tool: line %ld: %s\n", lineno, err.detail);
			rl_error_clear(&err);
			goto out;
		}
		fwrite(out, 1, outlen, stdout);
		putchar('\n');
		free(out);
	}
	if (ferror(stdin)) {
		perror("jcs_tool: stdin");
		goto out;
	}
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	free(line);
	return ret;
}

/*
 * operator.h - raslogd's subcommands (server/cmd_*.c), declared as
 * tables; each returns the exit code.
 */
#ifndef RASLOG_OPERATOR_H
#define RASLOG_OPERATOR_H

#include "../cli/optspec.h"

/*
 * Each command is declared once (cli/optspec.h): its options, their help,
 * and its run function, which finds the database path in args->ctx.
 */
extern const struct os_cmd op_cmd_init, op_cmd_serve, op_cmd_user, op_cmd_faculty_key, op_cmd_demo,
	op_cmd_backup, op_cmd_notify, op_cmd_rebuild, op_cmd_erase_text, op_cmd_migrate, op_cmd_check_routes;

/* Prints err as one sentence on stderr and returns the exit code for it. */
struct rl_error;
int operator_fail(const struct rl_error *err);

#endif

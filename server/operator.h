/*
 * operator.h - raslogd's subcommands (server/cmd_*.c).  Each gets the
 * database path and its own argv (argv[0] is the command name) and
 * returns the exit code.
 */
#ifndef RASLOG_OPERATOR_H
#define RASLOG_OPERATOR_H

int cmd_init(const char *db, int argc, char **argv);
int cmd_serve(const char *db, int argc, char **argv);
int cmd_user(const char *db, int argc, char **argv);
int cmd_faculty_key(const char *db, int argc, char **argv);
int cmd_demo(const char *db, int argc, char **argv);
int cmd_backup(const char *db, int argc, char **argv);
int cmd_notify(const char *db, int argc, char **argv);
int cmd_rebuild(const char *db, int argc, char **argv);

/* Prints err as one sentence on stderr and returns the exit code for it. */
struct rl_error;
int operator_fail(const struct rl_error *err);

#endif

/*
 * kinds.c - the table of statement kinds; see kinds.h.
 */
#include "base/prelude.h"

#include "ledger/kinds.h"

const struct rl_kind rl_kinds[] = {
	{ "faculty_key", RL_K_FACULTY_KEY, RL_SIGNER_LOG, "faculty", 1, NULL },
	{ "key_revocation", RL_K_KEY_REVOCATION, RL_SIGNER_LOG, "user", 1, NULL },
	{ "trainer_accreditation", RL_K_TRAINER_ACC, RL_SIGNER_FACULTY, "trainer", 1, NULL },
	{ "accreditation", RL_K_ACC, RL_SIGNER_FACULTY, "trainee", 0, "accredits the trainee unless revoked" },
	{ "revocation", RL_K_REVOCATION, RL_SIGNER_FACULTY, "subject", 0, "cancels the accreditation it names" },
	{ "session_signoff", RL_K_SESSION, RL_SIGNER_TRAINER, "session.trainee", 0,
	  "confirmed: the trainer's view of the session counts; rejected: nothing, and it is no longer pending" },
	{ "assessment", RL_K_ASSESSMENT, RL_SIGNER_TRAINER, "trainee", 0,
	  "counts towards assessment requirements; one naming an earlier one in \"supersedes\" replaces it" },
	{ "module_completion", RL_K_MODULE, RL_SIGNER_TRAINER, "trainee", 0,
	  "counts towards the module's sign-off; one naming an earlier one in \"supersedes\" replaces it" },
	{ "simulator_import", RL_K_SIM_IMPORT, RL_SIGNER_TRAINER, "import.trainee", 0,
	  "confirmed: the attempts' results count towards simulator requirements" },
	{ "curriculum", RL_K_CURRICULUM, RL_SIGNER_LOG, NULL, 1, "the content trainees are measured against" },
	{ "enrolment", RL_K_ENROLMENT, RL_SIGNER_LOG, "trainee", 0, "the curriculum the trainee is measured against" },
	{ "device_key", RL_K_DEVICE_KEY, RL_SIGNER_SELF_OR_FACULTY, "user", 1, NULL },
	{ "signoff_withdrawal", RL_K_WITHDRAWAL, RL_SIGNER_TRAINER_OR_FACULTY, "trainee", 0,
	  "the sign-off, assessment or module completion it names counts nowhere; a withdrawn session sign-off "
	  "returns the session to pending" },
	{ NULL, RL_K_COUNT, 0, NULL, 0, NULL },
};

const struct rl_kind *rl_kind_find(const char *name)
{
	for (const struct rl_kind *k = rl_kinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int64_t rl_kind_subject(const struct rl_kind *k, const json_t *statement)
{
	const char *path = k ? k->subject : NULL, *dot;
	const json_t *v = statement;
	char member[32];

	if (!path)
		return 0;
	while ((dot = strchr(path, '.'))) {
		snprintf(member, sizeof(member), "%.*s", (int)(dot - path), path);
		v = json_object_get(v, member);
		path = dot + 1;
	}
	v = json_object_get(v, path);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

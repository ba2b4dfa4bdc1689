/*
 * authority.c - the trainer authority rules shared by the server and the
 * verifier; see authority.h.
 */
#include "base/prelude.h"

#include "ledger/authority.h"

#include "ledger/kinds.h"

#include <stdio.h>
#include <string.h>

#define WHY(...) snprintf(why, wsize, __VA_ARGS__)

int rl_authority_trainer_may_sign(const struct rl_tacc *latest, int64_t signer, const uint8_t pk[32],
				  const char *date, char *why, size_t wsize)
{
	return rl_authority_trainer_may_sign_key(latest, NULL, signer, pk, date, why, wsize);
}

int rl_authority_trainer_may_sign_key(const struct rl_tacc *latest, const struct rl_devkey *dev, int64_t signer,
				      const uint8_t pk[32], const char *date, char *why, size_t wsize)
{
	if (!latest || latest->trainer != signer) {
		WHY("the statement must be signed by an accredited trainer, and no trainer_accreditation names user %lld",
		    (long long)signer);
		return RL_AUTH_REFUSED;
	}
	if (latest->revoked >= 0) {
		WHY("the trainer accreditation of user %lld (ledger index %lld) was revoked at ledger index %lld; "
		    "a trainer whose accreditation is revoked signs nothing until faculty accredit them again",
		    (long long)signer, (long long)latest->index, (long long)latest->revoked);
		return RL_AUTH_REFUSED;
	}
	if (dev && dev->user == signer && dev->revoked >= 0 && memcmp(latest->pk, pk, 32) != 0) {
		WHY("the device key of user %lld introduced at ledger index %lld was revoked at ledger index %lld and "
		    "signs nothing from then on", (long long)signer, (long long)dev->introduced, (long long)dev->revoked);
		return RL_AUTH_REFUSED;
	}
	if (memcmp(latest->pk, pk, 32) != 0 && !(dev && dev->user == signer && dev->revoked < 0)) {
		WHY("the signing key is not the one named by the current trainer accreditation of user %lld "
		    "(ledger index %lld), nor a device key introduced for them by a device_key statement; an earlier "
		    "accreditation of another key is superseded",
		    (long long)signer, (long long)latest->index);
		return RL_AUTH_REFUSED;
	}
	if (!date || strlen(date) != 10 || strcmp(date, latest->from) < 0 || strcmp(date, latest->until) > 0) {
		WHY("the trainer was not accredited on %s: the trainer accreditation at ledger index %lld covers %s to %s",
		    date ? date : "(no date)", (long long)latest->index, latest->from, latest->until);
		return RL_AUTH_REFUSED;
	}
	return RL_AUTH_OK;
}

int rl_authority_trainer_accreditation(const struct rl_tacc *latest, int64_t trainer, int64_t supersedes,
				       char *why, size_t wsize)
{
	int live = latest && latest->trainer == trainer && latest->revoked < 0;

	if (supersedes < 0) {
		if (!live)
			return RL_AUTH_OK;
		WHY("trainer %lld already holds a live trainer accreditation (ledger index %lld); at most one is live, "
		    "so a new one must name it in \"supersedes\"", (long long)trainer, (long long)latest->index);
		return RL_AUTH_IMPLICIT;
	}
	if (!latest || latest->trainer != trainer) {
		WHY("\"supersedes\" names ledger index %lld, but trainer %lld holds no trainer accreditation to supersede",
		    (long long)supersedes, (long long)trainer);
		return RL_AUTH_REFUSED;
	}
	if (!live) {
		WHY("\"supersedes\" names ledger index %lld, but the trainer accreditation of trainer %lld was revoked at "
		    "ledger index %lld, so nothing is live to supersede; leave \"supersedes\" out",
		    (long long)supersedes, (long long)trainer, (long long)latest->revoked);
		return RL_AUTH_REFUSED;
	}
	if (latest->index != supersedes) {
		WHY("\"supersedes\" names ledger index %lld, but the live trainer accreditation of trainer %lld is at "
		    "ledger index %lld", (long long)supersedes, (long long)trainer, (long long)latest->index);
		return RL_AUTH_REFUSED;
	}
	return RL_AUTH_OK;
}

int rl_authority_trainer_revocation(const struct rl_tacc *target, int64_t subject, int64_t index, char *why,
				    size_t wsize)
{
	if (!target || target->trainer != subject) {
		WHY("the revocation names ledger index %lld, which is no earlier accreditation of user %lld",
		    (long long)index, (long long)subject);
		return RL_AUTH_REFUSED;
	}
	if (target->revoked >= 0) {
		WHY("the accreditation at ledger index %lld was already revoked at ledger index %lld",
		    (long long)index, (long long)target->revoked);
		return RL_AUTH_REFUSED;
	}
	return RL_AUTH_OK;
}

static const char *rec_kind(int kind)
{
	return kind == RL_K_SESSION ? "session_signoff" : kind == RL_K_ASSESSMENT ? "assessment"
	       : kind == RL_K_MODULE ? "module_completion" : "statement";
}

/* Neither superseded nor withdrawn; else RL_AUTH_REFUSED saying by what. */
static int still_counts(const struct rl_signed_rec *t, char *why, size_t wsize)
{
	if (t->withdrawn >= 0) {
		WHY("the %s at ledger index %lld was already withdrawn at ledger index %lld", rec_kind(t->kind),
		    (long long)t->index, (long long)t->withdrawn);
		return RL_AUTH_REFUSED;
	}
	if (t->superseded >= 0) {
		WHY("the %s at ledger index %lld was already superseded at ledger index %lld; correct or withdraw that "
		    "one instead", rec_kind(t->kind), (long long)t->index, (long long)t->superseded);
		return RL_AUTH_REFUSED;
	}
	return RL_AUTH_OK;
}

int rl_authority_correction(const struct rl_signed_rec *target, int kind, int64_t signer, int64_t trainee,
			    int64_t supersedes, char *why, size_t wsize)
{
	if (kind != RL_K_ASSESSMENT && kind != RL_K_MODULE) {
		WHY("only an assessment or a module_completion names a statement it supersedes");
		return RL_AUTH_REFUSED;
	}
	if (!target || target->kind != kind) {
		WHY("\"supersedes\" names ledger index %lld, which holds no %s", (long long)supersedes, rec_kind(kind));
		return RL_AUTH_REFUSED;
	}
	if (target->trainee != trainee) {
		WHY("\"supersedes\" names the %s at ledger index %lld, which is about trainee %lld, not %lld",
		    rec_kind(kind), (long long)supersedes, (long long)target->trainee, (long long)trainee);
		return RL_AUTH_REFUSED;
	}
	if (target->signer != signer) {
		WHY("the %s at ledger index %lld was signed by user %lld, and only its signer corrects it "
		    "(anyone else may ask them, or faculty may withdraw it)", rec_kind(kind), (long long)supersedes,
		    (long long)target->signer);
		return RL_AUTH_REFUSED;
	}
	return still_counts(target, why, wsize);
}

int rl_authority_withdrawal(const struct rl_signed_rec *target, int64_t signer, int faculty, int64_t trainee,
			    int64_t index, char *why, size_t wsize)
{
	if (!target || (target->kind != RL_K_SESSION && target->kind != RL_K_ASSESSMENT && target->kind != RL_K_MODULE)) {
		WHY("\"signoff_index\" names ledger index %lld, which holds no session_signoff, assessment or "
		    "module_completion", (long long)index);
		return RL_AUTH_REFUSED;
	}
	if (target->trainee != trainee) {
		WHY("the %s at ledger index %lld is about trainee %lld, not %lld", rec_kind(target->kind),
		    (long long)index, (long long)target->trainee, (long long)trainee);
		return RL_AUTH_REFUSED;
	}
	if (target->signer != signer && !faculty) {
		WHY("the %s at ledger index %lld was signed by user %lld; only its signer or faculty withdraw it",
		    rec_kind(target->kind), (long long)index, (long long)target->signer);
		return RL_AUTH_REFUSED;
	}
	return still_counts(target, why, wsize);
}

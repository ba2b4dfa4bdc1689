/*
 * authority.h - the trainer authority rules, written once and used both by
 * the server when it accepts a statement (core/domain/signoff.c, from its tables)
 * and by the offline verifier (core/ledger/verify.c, from the ledger alone), so
 * the two cannot drift apart.  Nothing here touches a database or a file.
 *
 * The rules (docs/ledger.md section 2):
 *
 *   - A trainer holds at most one live trainer accreditation: their latest
 *     one (by ledger index), unless it was revoked.  Every earlier one is
 *     superseded.  A new trainer_accreditation names the live one it
 *     replaces in "supersedes"; it may name nothing only when the trainer
 *     has no live accreditation.
 *   - A trainer signs (session_signoff, assessment, module_completion)
 *     only with the key their live accreditation names, on a date it
 *     covers.
 *   - A revocation of any of a trainer's accreditations covers the person:
 *     from its index on, none of their accreditations is live, until a new
 *     trainer_accreditation.
 *   - Keys per device (docs/ledger.md, device_key): besides the key their
 *     live accreditation names, a trainer signs with any further key a
 *     device_key statement introduced for them (signed by a key already
 *     trusted for the same person, or by faculty), until that key's
 *     key_revocation.  The accreditation (person, dates) still decides
 *     whether they may sign at all; signatures made before a revocation
 *     stay valid.
 */
#ifndef RASLOG_AUTHORITY_H
#define RASLOG_AUTHORITY_H

#include <stddef.h>
#include <stdint.h>

/* One trainer accreditation, as the server's table and the ledger both describe it. */
struct rl_tacc {
	int64_t index;       /* ledger index of the trainer_accreditation */
	int64_t trainer;     /* the trainer's user id */
	uint8_t pk[32];      /* the key it accredits */
	char from[11];       /* valid_from, YYYY-MM-DD */
	char until[11];      /* valid_until, YYYY-MM-DD (inclusive) */
	int64_t revoked;     /* ledger index of the revocation covering it, -1 while not revoked */
};

#define RL_AUTH_OK 0
#define RL_AUTH_REFUSED (-1)
/*
 * A trainer_accreditation without "supersedes" while the trainer holds a
 * live one.  The server refuses it (a replacement must say so); the
 * verifier accepts it as superseding the live one, because ledgers written
 * before "supersedes" existed hold such statements (renewals, new keys).
 */
#define RL_AUTH_IMPLICIT 1

/*
 * May signer sign a trainer's statement with key pk on date (YYYY-MM-DD),
 * given latest, their latest trainer accreditation (NULL if they never had
 * one)?  RL_AUTH_OK, or RL_AUTH_REFUSED with one sentence in why.
 */
int rl_authority_trainer_may_sign(const struct rl_tacc *latest, int64_t signer, const uint8_t pk[32],
				  const char *date, char *why, size_t wsize);

/* A device key introduced by a device_key statement. */
struct rl_devkey {
	int64_t user;        /* whose key it is */
	int64_t introduced;  /* ledger index of the device_key statement */
	int64_t revoked;     /* ledger index of its key_revocation, -1 while live */
};

/*
 * The same rule, where pk may also be a device key: dev describes pk when
 * a device_key statement introduced it (NULL otherwise).  The one
 * predicate; rl_authority_trainer_may_sign is this with dev NULL.
 */
int rl_authority_trainer_may_sign_key(const struct rl_tacc *latest, const struct rl_devkey *dev, int64_t signer,
				      const uint8_t pk[32], const char *date, char *why, size_t wsize);

/*
 * May a trainer_accreditation of trainer naming supersedes (-1 when the
 * statement has no "supersedes") be added, given latest as above?
 * RL_AUTH_OK, RL_AUTH_IMPLICIT (see above) or RL_AUTH_REFUSED, each but
 * the first with a sentence in why.
 */
int rl_authority_trainer_accreditation(const struct rl_tacc *latest, int64_t trainer, int64_t supersedes,
				       char *why, size_t wsize);

/*
 * May a revocation naming ledger index `index` for subject revoke target,
 * the trainer accreditation at that index (NULL if that index holds none
 * of subject's)?  On RL_AUTH_OK the caller revokes every accreditation of
 * the trainer that is not yet revoked (the revocation covers the person).
 */
int rl_authority_trainer_revocation(const struct rl_tacc *target, int64_t subject, int64_t index, char *why,
				    size_t wsize);

/*
 * Corrections of signed records (issue 16 item 1; docs/ledger.md rule 9).
 * Signed records are never edited: a trainer's session_signoff, assessment
 * or module_completion is replaced or withdrawn by a later statement that
 * names its ledger index.
 *
 *   - An assessment or module_completion may name, in "supersedes", an
 *     earlier statement of the same kind, about the same trainee, signed by
 *     the same signer (only the original signer corrects their own), that
 *     is neither superseded nor withdrawn.  The new one replaces it for
 *     every figure.
 *   - A signoff_withdrawal names, in "signoff_index", a session_signoff,
 *     assessment or module_completion about its "trainee" that is neither
 *     superseded nor withdrawn; it is signed by the record's signer (as a
 *     trainer, under their live accreditation) or by faculty.  The record
 *     then counts nowhere; a withdrawn session sign-off returns the session
 *     to pending (it may be signed again).
 */
struct rl_signed_rec {
	int64_t index;       /* its ledger index */
	int kind;            /* enum rl_kind_id: RL_K_SESSION, RL_K_ASSESSMENT or RL_K_MODULE */
	int64_t trainee;     /* whom it is about */
	int64_t signer;      /* who signed it */
	int64_t superseded;  /* ledger index of the statement that superseded it, -1 */
	int64_t withdrawn;   /* ledger index of its signoff_withdrawal, -1 */
	int rejected;        /* a session_signoff whose decision is "rejected" (counts towards nothing) */
};

/*
 * May a statement of kind, by signer, about trainee, name supersedes in
 * "supersedes", given target, the signed record at that index (NULL when
 * that index holds none)?  RL_AUTH_OK or RL_AUTH_REFUSED with a sentence.
 */
int rl_authority_correction(const struct rl_signed_rec *target, int kind, int64_t signer, int64_t trainee,
			    int64_t supersedes, char *why, size_t wsize);

/*
 * May a signoff_withdrawal by signer (faculty: signed with a faculty key of
 * signer) about trainee withdraw target, the signed record at ledger index
 * index (NULL when that index holds none)?  The trainer's own authority to
 * sign on that date is checked apart (rl_authority_trainer_may_sign_key).
 */
int rl_authority_withdrawal(const struct rl_signed_rec *target, int64_t signer, int faculty, int64_t trainee,
			    int64_t index, char *why, size_t wsize);

#endif

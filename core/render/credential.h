/*
 * credential.h - portable, signed proof of an accreditation: an Open
 * Badges 3.0 OpenBadgeCredential (W3C Verifiable Credentials 2.0) with a
 * Data Integrity proof in the eddsa-jcs-2022 cryptosuite, signed by the
 * programme's issuer key (a did:key), naming its evidence (ledger indexes
 * and the signed tree head), and a W3C Bitstring Status List through which
 * anyone can check whether it was revoked.
 */
#ifndef RASLOG_CREDENTIAL_H
#define RASLOG_CREDENTIAL_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"

struct rl_progress;

#define RL_STATUS_LIST_BITS 131072 /* the spec's minimum: 16 KiB, so one entry reveals little */
#define RL_STATUS_LIST_TTL (24 * 3600) /* seconds a status list credential is valid (validUntil) */

/* Creates the issuer key if missing (init). */
int rl_credential_init(struct rl_db *db, struct rl_error *err);
/* The issuer's did:key identifier. */
int rl_credential_issuer(struct rl_db *db, char did[80], struct rl_error *err);

/* The issuer's name when programme_name is not configured. */
#define RL_ISSUER_NAME_DEFAULT "raslog robot-assisted surgery training programme"

/* Who issues a credential: where its URLs point and the name it shows. */
struct rl_issuer {
	const char *base_url; /* public_url: the status list's address */
	const char *name;     /* the configured programme_name; NULL or "" for RL_ISSUER_NAME_DEFAULT */
};

/*
 * The credential of the trainee's current accreditation; RL_E_CONFLICT if
 * not accredited.  The subject carries the person's GMC number, when
 * recorded, as an IdentityObject (identityType "identifier", not hashed,
 * identityHash "GMC 1234567").
 */
json_t *rl_credential_for_trainee(struct rl_db *db, int64_t trainee, const struct rl_issuer *iss, struct rl_error *err);
/* The signed tree head a credential names as evidence (strings borrowed). */
struct rl_tree_head_ref {
	long long tree_size;
	const char *root_hash;  /* hex */
	const char *timestamp;  /* RFC 3339 */
};
/*
 * The claims of a trainee's credential, rendered from their progress
 * record (rl_progress_record: trainee and evidence set): the
 * credentialSubject (an AchievementSubject naming the trainee and the
 * curriculum's achievement, the GMC number as in rl_credential_for_trainee
 * when gmc is not NULL or ""), and the evidence list (the accreditation
 * statement at acc_index, every evidence item in the record, the tree
 * head).  New references, or NULL (no trainee in the record, or out of
 * memory).
 */
json_t *rl_credential_subject(const struct rl_progress *p, int64_t acc_index, const char *gmc);
json_t *rl_credential_evidence(const struct rl_progress *p, int64_t acc_index, const struct rl_tree_head_ref *head);
/* The credential of a trainer's live accreditation (status index in the upper half of the list); GMC as above. */
json_t *rl_credential_for_trainer(struct rl_db *db, int64_t trainer, const struct rl_issuer *iss, struct rl_error *err);
/*
 * The signed BitstringStatusListCredential of every accreditation
 * credential, valid from now for RL_STATUS_LIST_TTL.  Bit n of the lower
 * half belongs to the ledger's n-th accreditation entry (from 1), bit n of
 * the upper half to its n-th trainer_accreditation entry, and is set when
 * the ledger has ended it: positions and values both come from the signed
 * ledger, never from the accreditation rows.  A row that differs (its
 * revocation, or its id: the position credentials issued before named) is
 * handed to rl_progress_drift_hook with "outcome":"differs" (the row is
 * not rewritten).
 */
json_t *rl_credential_status_list(struct rl_db *db, const char *base_url, struct rl_error *err);

/* Adds an eddsa-jcs-2022 DataIntegrityProof to doc (exposed for tests). */
int rl_credential_sign(json_t *doc, const uint8_t sk[64], const char *verification_method,
		       const char *created, struct rl_error *err);
/* base58btc (Bitcoin alphabet) of data; malloc'd. */
char *rl_base58btc(const uint8_t *data, size_t len);

#endif

/*
 * certificates.h - reading an e-learning certificate a trainee uploads
 * (issue 19 item 3, the part done): an Open Badges 3.0 / W3C Verifiable
 * Credential (JSON) whose eddsa-jcs-2022 Data Integrity proof is verified
 * offline, or an xAPI statement (verb completed or passed, with a result).
 *
 * A credential verifies when its proof is a DataIntegrityProof with
 * cryptosuite eddsa-jcs-2022 and proofPurpose assertionMethod, its
 * verificationMethod is a did:key Ed25519 key whose DID is the credential's
 * issuer, and the Ed25519 signature (multibase base58btc proofValue)
 * verifies over SHA-256(JCS(proof options)) || SHA-256(JCS(credential
 * without proof)), the procedure raslog's own credentials are signed with
 * (core/render/credential.c).  Anything else is kept as unverified
 * evidence with the reason.  Nothing here reads a database or the network.
 */
#ifndef RASLOG_CERTIFICATES_H
#define RASLOG_CERTIFICATES_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

#define RL_CERTIFICATE_MAX_BYTES (256u << 10)

/*
 * Reads a certificate.  Returns a new object
 *   {"format":"vc"|"xapi", "kind":"open_badge"|"verifiable_credential"|"xapi",
 *    "issuer":S, "issuer_name":S?, "achievement":S, "achievement_name":S?,
 *    "completed_at":S?, "completed_on":"YYYY-MM-DD", "result":S (a phrase:
 *    "awarded", "passed, score 92%", "completed"), "verified":true|false,
 *    "verification":S (why, in one sentence)}
 * Issuer, achievement and names are 1-300 bytes without control
 * characters; the completion date (validFrom / issuanceDate, or the xAPI
 * timestamp) is required.
 * or NULL with err: RL_E_MALFORMED (not JSON), RL_E_TOOLARGE, or
 * RL_E_INVALID with the field that is missing or wrong ("issuer",
 * "credentialSubject.achievement", "verb", "result", ...).
 */
json_t *rl_certificate_read(const char *data, size_t len, struct rl_error *err);

#endif

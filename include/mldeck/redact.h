/*
 * redact.h - one pass that takes secrets out of any text before it is kept
 * or shown: the audit log, the state file, the log file, stderr and the
 * terminal all receive text that may quote a server's error body, and a
 * server or proxy may echo the request's headers there.
 *
 * What is cut out (replaced by "[redacted]"):
 *  - the value of an Authorization, Proxy-Authorization, X-Amz-Security-Token
 *    or Cookie header, to the end of its line;
 *  - whatever follows "Bearer " or "Basic " (a token or base64 credentials);
 *  - AWS signatures and session tokens in a header or query
 *    (Signature=..., X-Amz-Signature=..., X-Amz-Security-Token=...);
 *  - form and JSON fields that carry secrets (client_secret, access_token,
 *    refresh_token, id_token, password, secret_access_key, session_token);
 *  - the exact value of every secret mldeck holds, registered with
 *    md_secret_register() as it is read (tokens, passwords, keys), wherever
 *    it appears.
 * The pass is thread-safe (the drift worker logs too) and never fails.
 */
#ifndef MLDECK_REDACT_H
#define MLDECK_REDACT_H

#include <stddef.h>

/* What a secret is replaced with. */
#define MD_REDACTED "[redacted]"

/*
 * Remember `value` as a secret to cut from every text from now on (values
 * shorter than 6 bytes are ignored: they would match ordinary words). The
 * registry keeps its own copy, wiped by md_secret_forget_all().
 */
void md_secret_register(const char *value);
/* Wipe and forget every registered secret (at exit, and in tests). */
void md_secret_forget_all(void);

/*
 * Redact s in place, within its buffer of `size` bytes (the result is cut
 * to fit and stays NUL-terminated). Returns s.
 */
char *md_redact(char *s, size_t size);
/* A redacted copy of s (free()); NULL in, "" out. */
char *md_redacted(const char *s);

#endif

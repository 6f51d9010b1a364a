/*
 * libFuzzer target for the redaction pass (core/base/redact.c). The input
 * names up to 3 secrets to register, then the text to redact:
 *   [n] ([len] [len bytes])*n [slack] text...
 * Secret bytes are mapped onto digits, a few symbols and q/j/v, letters no
 * pattern name and no "[redacted]" contains: an occurrence of such a value
 * can then never be made of a kept header or field name or of the marker,
 * so "the output holds no registered secret" is an exact invariant, checked
 * for md_redacted() and for md_redact() in a buffer with little slack.
 * Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/md.h"
#include "mldeck/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char alphabet[] = "0123456789+/!$%~^qjvQJV";

static bool holds(const char *text, char secrets[][32], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(text, secrets[i]) != NULL)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;
    char secrets[3][32];
    size_t n = 0;
    size_t want = size > 0 ? data[at++] % 4 : 0;
    while (n < want && n < 3 && at < size) {
        size_t len = 6 + data[at++] % 20;
        if (at + len > size)
            break;
        for (size_t k = 0; k < len; k++)
            secrets[n][k] = alphabet[data[at + k] % (sizeof(alphabet) - 1)];
        secrets[n][len] = '\0';
        at += len;
        md_secret_register(secrets[n]);
        n++;
    }
    size_t slack = at < size ? data[at++] % 16 : 0;
    size_t tlen = size - at;
    char *text = malloc(tlen + 1);
    if (text == NULL) {
        md_secret_forget_all();
        return 0;
    }
    memcpy(text, data + at, tlen);
    text[tlen] = '\0';

    char *r = md_redacted(text);
    if (r == NULL || holds(r, secrets, n))
        __builtin_trap();
    /* the in-place form: cut to fit, always terminated inside its buffer */
    size_t cap = strlen(text) + 1 + slack;
    char *buf = malloc(cap);
    if (buf != NULL) {
        memcpy(buf, text, strlen(text) + 1);
        md_redact(buf, cap);
        if (memchr(buf, '\0', cap) == NULL || holds(buf, secrets, n))
            __builtin_trap();
        /* what fits is what md_redacted said, up to the cut */
        if (strncmp(buf, r, strlen(buf)) != 0)
            __builtin_trap();
        free(buf);
    }
    free(r);
    free(text);
    md_secret_forget_all();
    return 0;
}

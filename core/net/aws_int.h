/*
 * aws_int.h - what core/net/aws.c (resolution, processes) and core/net/aws_parse.c
 * (pure readers) share. Private to core/.
 */
#ifndef MLDECK_AWS_INT_H
#define MLDECK_AWS_INT_H

#include "mldeck/aws.h"

/* Largest credentials/config file and credential_process output read. */
#define AWS_MAX_FILE ((size_t)1 << 20)

/* Overwrite, then free: secrets do not linger in freed memory. NULL is a no-op. */
void aws_free_secret(char *s);
/* Printable ASCII without blanks: what may go into a header line and a signature. */
bool aws_secret_ok(const char *s);
/* Epoch ms as "2026-11-26T10:00:00Z" for messages. */
void aws_fmt_time(char *buf, size_t n, int64_t ms);

#endif

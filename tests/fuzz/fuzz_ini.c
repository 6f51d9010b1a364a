/*
 * libFuzzer target for the AWS credentials and config files: every input
 * is read as both file styles for a few profile names through libinih
 * (md_aws_profile_parse), and as an ISO 8601 time. Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"default", "prod", "profile prod", ""};
    for (size_t i = 0; i < MD_ARRAY_LEN(names); i++) {
        for (int style = 0; style < 2; style++) {
            struct md_aws_profile p;
            struct md_err err = MD_ERR_INIT;
            int line = -1;
            md_status st = md_aws_profile_parse((const char *)data, size, names[i], style != 0, &p,
                                                &line, &err);
            if (st == MD_OK) {
                if (p.access_key_id == NULL || p.secret_access_key == NULL ||
                    p.session_token == NULL || p.region == NULL || p.credential_process == NULL ||
                    p.endpoint_url == NULL || line != 0)
                    __builtin_trap();
            } else if (p.access_key_id != NULL || err.code != st) {
                __builtin_trap();
            }
            md_aws_profile_release(&p);
        }
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms = 0;
    md_aws_parse_time(s, &ms);
    free(s);
    return 0;
}

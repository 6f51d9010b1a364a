/*
 * libFuzzer target for the S3 replies mldeck reads: every input goes through
 * the ListObjectsV2 page parser and the <Error> reader (core/s3_xml.c).
 * Built by `make fuzz` with -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parsers take a length; a copy without a NUL catches reads past it. */
    char *xml = malloc(size ? size : 1);
    if (!xml)
        return 0;
    memcpy(xml, data, size);
    struct md_s3_page p;
    struct md_err err = MD_ERR_INIT;
    md_status st = md_s3_parse_list(xml, size, &p, &err);
    if (st == MD_OK) {
        if (p.n > MD_S3_PAGE_MAX)
            __builtin_trap();
        for (size_t i = 0; i < p.n; i++) {
            const struct md_s3_object *o = &p.v[i];
            if (!o->key || !o->etag || o->size < -1)
                __builtin_trap();
        }
        if (p.next_token && strlen(p.next_token) > 8192)
            __builtin_trap();
    } else if (p.v || p.n || p.next_token || !err.msg[0]) {
        __builtin_trap(); /* a refused page holds nothing and says why */
    }
    md_s3_page_release(&p);
    char code[64], msg[256];
    bool is_err = md_s3_parse_error(xml, size, code, sizeof(code), msg, sizeof(msg));
    if (strlen(code) >= sizeof(code) || strlen(msg) >= sizeof(msg))
        __builtin_trap();
    for (const char *c = msg; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            __builtin_trap(); /* scrubbed for the terminal */
    }
    if (!is_err && (code[0] || msg[0]))
        __builtin_trap();
    free(xml);
    return 0;
}

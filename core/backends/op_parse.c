/*
 * op_parse.c - the frame every backend's parse slot shares (op.h): the
 * body as a JSON object before the platform maps it, and after, the next
 * page's token, the tree freed, and no records left in a failed result.
 * Pure: the same code maps live replies and cached snapshots.
 */
#include "op.h"

#include <stdlib.h>

#include "base/jsonx_int.h"

md_status op_parse_begin(enum md_result_kind kind, const char *body, size_t len,
                         struct md_result *out, cJSON **root, struct md_err *err)
{
    out->kind = kind;
    *root = NULL;
    if (kind == MD_RESULT_NONE)
        return MD_OK;
    md_status st = jsonx_parse(body, len, 0, root, err);
    if (st == MD_OK && !cJSON_IsObject(*root))
        st = md_err_set(err, MD_ERR_PARSE, "reply is not a JSON object");
    return st;
}

md_status op_parse_end(md_status st, cJSON *root, const char *next_key, struct md_result *out)
{
    free(out->next_token);
    out->next_token = md_xstrdup_clean(st == MD_OK ? jsonx_str_raw(root, next_key) : NULL);
    cJSON_Delete(root);
    if (st != MD_OK)
        md_result_drop_records(out);
    out->status = st;
    return st;
}

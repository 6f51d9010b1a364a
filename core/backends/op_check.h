/*
 * op_check.h - what every backend checks of a reply before it maps it, in
 * one machinery (op_check.c, pure): how large a reply to one operation may
 * be, and which JSON type each field it maps must have. Private to
 * core/backends/. The tables of fields and caps are each platform's own
 * (mlflow_check.c, sagemaker_check.c, azureml_check.c).
 */
#ifndef MLDECK_BACKENDS_OP_CHECK_H
#define MLDECK_BACKENDS_OP_CHECK_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "mldeck/md.h"

#define OP_KIB ((size_t)1024)
#define OP_MIB (OP_KIB * 1024)

/*
 * What a reply can legitimately weigh: an envelope plus a budget per record
 * asked for, so a page of N records that arrives as 200 MB is cut while it
 * arrives instead of being buffered and parsed. The budgets are averages
 * over a page, generous for what the platform stores, not per-record limits.
 */
struct op_cap {
    const char *name; /* the operation as messages name it: "runs/search", "ListEndpoints" */
    size_t fixed;
    size_t per_item;
};

/* The cap of a reply for a page of `n` records, never above the parser's own limit. */
size_t op_cap_bytes(const struct op_cap *c, size_t n);
/* "4.0 MiB", "64 KiB": a size as people read it. */
void op_size_text(char *buf, size_t n, size_t bytes);

struct op_call;
/* Cap c's reply for a page of `page` records (0: one record); the engine names it when cut. */
void op_call_cap(struct op_call *c, const struct op_cap *cap, size_t page);
/*
 * The message of a transfer cut at its call's cap: "<what>: reply larger
 * than 4.1 MiB cap for runs/search (page of 100)". False (err untouched)
 * for a call without a named cap.
 */
bool op_cap_message(const struct op_call *c, const char *what, long http, struct md_err *err);

/* The JSON type a field must have. */
enum op_ftype {
    OP_F_STR,   /* a string */
    OP_F_INT,   /* a number, or a string holding a decimal integer (proto3's int64) */
    OP_F_NUM,   /* a number, or a string holding one (NaN and the infinities included) */
    OP_F_BOOL,  /* true or false */
    OP_F_TIME,  /* a number (epoch seconds) or a string (ISO 8601) */
    OP_F_OBJ,   /* an object of shape sub (NULL: any object) */
    OP_F_OBJS,  /* an array of objects of shape sub */
    OP_F_STRS,  /* an array of strings */
    OP_F_NUMS,  /* an array of numbers */
    OP_F_TIMES, /* an array of timestamps */
    OP_F_MAP,   /* an object whose every member is a number (Azure's traffic map) */
};

struct op_shape;

struct op_field {
    const char *key;
    enum op_ftype t;
    bool required;
    const struct op_shape *sub;
};

/*
 * The fields of an object that are mapped. Absent fields are fine unless
 * required (the platforms omit unset ones); unknown fields are ignored, so
 * a newer server's additions never fail a reply. `either`: at least one of
 * the two must be present (MLflow's run_id or the older run_uuid).
 */
struct op_shape {
    const struct op_field *f;
    size_t n;
    const char *either[2];
};

#define OP_SHAPE(fields)                                                                           \
    {                                                                                              \
        fields, sizeof(fields) / sizeof(fields[0]),                                                \
        {                                                                                          \
            NULL, NULL                                                                             \
        }                                                                                          \
    }

/*
 * Check `v`, found at `where` in the reply ("runs[3]", "" for the reply
 * itself), against field `root` (its key unused). MD_ERR_PARSE "field
 * <path>: expected <type>, got <type>" (or ": missing") naming the first
 * bad field otherwise.
 */
md_status op_check(const struct op_field *root, const cJSON *v, const char *where,
                   struct md_err *err);
/* A reply object checked as shape `s`: op_check() of an object at the top. */
md_status op_check_reply(const struct op_shape *s, const cJSON *reply, struct md_err *err);

#endif

/*
 * mlflow_int.h - the pure parts of the MLflow backend, shared by
 * core/backends/mlflow/mlflow.c (requests) and core/backends/mlflow/mlflow_map.c (reply
 * mapping), and exposed to the unit tests and the fuzz target. Nothing here
 * touches the network.
 */
#ifndef MLDECK_MLFLOW_INT_H
#define MLDECK_MLFLOW_INT_H

#include "mldeck/backend.h"

/* Most records one page may hold; a bigger reply is refused (MD_ERR_TOO_BIG). */
#define MLFLOW_MAX_PAGE_ITEMS 50000
/* Most params, tags, metrics or inputs one record may hold. */
#define MLFLOW_MAX_RECORD_ITEMS 100000
/* Most points one metric history may hold. */
#define MLFLOW_MAX_HISTORY_POINTS 1000000

/* The tag that marks a registered model as a prompt (MLflow 3 stores prompts as models). */
#define MLFLOW_PROMPT_TAG "mlflow.prompt.is_prompt"

/*
 * Turn a reply body into `out` (which must be zeroed, or released): the
 * ops table's parse slot, used for live replies and cached snapshots alike.
 * Sets out->kind and out->status; out->next_token is always a string ("" on
 * the last page or for single-record kinds). Lists are mapped as model.h
 * says; prompt-tagged models are dropped; versions come sorted by version
 * number, newest first; history points by step. MD_RESULT_PROBE takes the
 * text of GET /version; MD_RESULT_NONE accepts any body.
 * Errors: MD_ERR_PARSE (invalid or truncated JSON, a body that is not an
 * object, a list member that is not an array, a missing record), and
 * MD_ERR_TOO_BIG (body or item caps). On error out holds no records.
 */
md_status mlflow_parse(enum md_result_kind kind, const char *body, size_t len,
                       struct md_result *out, struct md_err *err);

/* The records mlflow_check() knows the shape of. */
enum mlflow_shape {
    MLFLOW_SHAPE_EXPERIMENT,
    MLFLOW_SHAPE_RUN,
    MLFLOW_SHAPE_MODEL,
    MLFLOW_SHAPE_VERSION,
    MLFLOW_SHAPE_POINT, /* a metric history point */
};

struct cJSON;
/*
 * Check that `v`, found at `where` in the reply ("runs[3]"), is a record of
 * that shape (mlflow_check.c): fields it cannot do without are present and
 * every field mapped has the JSON type MLflow sends. MD_ERR_PARSE "field
 * <path>: expected <type>, got <type>" (or ": missing") otherwise, naming
 * the first bad field.
 */
md_status mlflow_check(enum mlflow_shape what, const struct cJSON *v, const char *where,
                       struct md_err *err);
/* The reply's next_page_token, when present, is a string. */
md_status mlflow_check_token(const struct cJSON *root, struct md_err *err);

/*
 * Map a non-2xx reply to a status and a message "<what>: HTTP <code>
 * <ERROR_CODE>: <message>" for MLflow's JSON error bodies, or "<what>: HTTP
 * <code>: <first line of the body>" otherwise. 401/403 give MD_ERR_AUTH,
 * 404 and RESOURCE_DOES_NOT_EXIST give MD_ERR_NOT_FOUND, everything else
 * MD_ERR_HTTP; with `alias_lookup`, the 400 INVALID_PARAMETER_VALUE "... not
 * found" of an unknown alias gives MD_ERR_NOT_FOUND too. Returns the status,
 * recorded in err (first error wins).
 */
md_status mlflow_map_error(const char *what, long code, const char *body, size_t len,
                           bool alias_lookup, struct md_err *err);

/*
 * The model-versions search filter selecting the versions of `model`
 * (free()). MLflow strips the quotes of a string constant without reading
 * escapes, so a name with a single quote is put in double quotes; a name
 * with both kinds of quote becomes a LIKE pattern with '_' in their place,
 * and *exact is set: the caller must then keep only versions whose model
 * equals the name.
 */
char *mlflow_versions_filter(const char *model, bool *exact);

#endif

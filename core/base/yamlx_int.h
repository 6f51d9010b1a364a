/*
 * yamlx_int.h - a small YAML document tree for the config and theme loaders.
 *
 * libyaml's event stream is turned into a tree of scalars, mappings and
 * sequences in which every node keeps its 1-based line and column, so that
 * both loaders can say "FILE:LINE:COLUMN: what" about any key or value.
 * Aliases are resolved while building: an alias is the anchored node itself,
 * shared, so a theme can name colours once with &anchors. An anchor is usable
 * only after its node is complete, which makes cycles impossible.
 *
 * The tree is capped (input size, node count, nesting depth, anchors) and
 * returns MD_ERR_TOO_BIG past a cap. All nodes belong to the document and are
 * freed together by yamlx_doc_release(). No libyaml type appears here.
 *
 * Also here, because both loaders need them: file reading with a cap, XDG
 * directories, boolean words, "did you mean" suggestions and a safe way to
 * quote a value taken from a file in a message.
 */
#ifndef MLDECK_YAMLX_INT_H
#define MLDECK_YAMLX_INT_H

#include "mldeck/md.h"

/* Caps on what a config or theme file may hold. */
#define YAMLX_MAX_INPUT (1024 * 1024)
#define YAMLX_MAX_NODES 50000
#define YAMLX_MAX_DEPTH 64
#define YAMLX_MAX_ANCHORS 1024

enum yamlx_kind { YAMLX_SCALAR = 0, YAMLX_MAP, YAMLX_SEQ };

enum yamlx_style { YAMLX_PLAIN = 0, YAMLX_SINGLE_QUOTED, YAMLX_DOUBLE_QUOTED, YAMLX_BLOCK };

struct yamlx_node {
    enum yamlx_kind kind;
    enum yamlx_style style;   /* scalars only */
    int line, col;            /* 1-based start */
    int end_line, end_col;    /* 1-based, just past the end */
    char *text;               /* scalars: the value, NUL-terminated, no embedded NUL */
    size_t len;               /* strlen(text) */
    struct yamlx_node **kids; /* sequence items; mapping key, value, key, value ... */
    size_t n;                 /* entries in kids (twice the pairs for a mapping) */
    size_t alloc;
    char *anchor; /* while building */
};

struct yamlx_doc {
    const char *name;        /* lent: the file name used in messages */
    struct yamlx_node *root; /* NULL for an empty stream */
    struct yamlx_node **all; /* every node, for release */
    size_t n_all;
    size_t alloc_all;
};

/*
 * Parse `len` bytes of YAML (one document at most) into doc. `name` is lent
 * and must outlive doc. Errors: MD_ERR_CONFIG "NAME:LINE:COL: problem" for
 * syntax errors, undefined aliases, a second document or a NUL in a value;
 * MD_ERR_TOO_BIG past a cap; MD_ERR_NOMEM when libyaml runs out of memory.
 * On error doc is left released.
 */
md_status yamlx_parse(struct yamlx_doc *doc, const char *name, const char *text, size_t len,
                      struct md_err *err);
void yamlx_doc_release(struct yamlx_doc *doc);

/* Mapping access: number of pairs, i-th key and value. */
static inline size_t yamlx_pairs(const struct yamlx_node *map)
{
    return map->n / 2;
}
static inline const struct yamlx_node *yamlx_key(const struct yamlx_node *map, size_t i)
{
    return map->kids[2 * i];
}
static inline const struct yamlx_node *yamlx_value(const struct yamlx_node *map, size_t i)
{
    return map->kids[2 * i + 1];
}

/* True for a plain empty, "~" or "null" scalar: a key written without a value. */
bool yamlx_is_null(const struct yamlx_node *n);
/* "a mapping", "a sequence", "a string": for "expected X, got Y" messages. */
const char *yamlx_kind_str(const struct yamlx_node *n);

/* Record MD_ERR_CONFIG "NAME:LINE:COL: message" at a node (or at 1:1 for NULL). */
md_status yamlx_fail(struct md_err *err, const char *name, const struct yamlx_node *n,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As yamlx_fail() at an explicit position. */
md_status yamlx_fail_at(struct md_err *err, const char *name, int line, int col, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));
/*
 * Position of byte `off` inside scalar n's text, when it can be known exactly
 * (a one-line plain or quoted scalar without escapes); else n's own start.
 */
void yamlx_pos_in(const struct yamlx_node *n, size_t off, int *line, int *col);

/*
 * Copy s into buf (size >= 8) for quoting in a message: at most about 40
 * characters, control characters as '?', "..." when cut. Returns buf.
 */
const char *yamlx_quote(char *buf, size_t size, const char *s);
#define YAMLX_QUOTE_SIZE 64

/*
 * The candidate closest to `word` by edit distance (with transpositions), when
 * close enough to be a plausible typo; NULL otherwise. Case-insensitive.
 */
const char *yamlx_suggest(const char *word, const char *const *cands, size_t n);

/* true/false, yes/no, on/off in any case (and 1/0 when allow_digits). */
bool yamlx_parse_bool(const char *s, bool allow_digits, bool *out);

/*
 * Read a whole file of at most `cap` bytes into *out (NUL-terminated, free()).
 * MD_ERR_IO with errno in *errnum; MD_ERR_TOO_BIG past the cap.
 */
md_status yamlx_read_file(const char *path, size_t cap, char **out, size_t *len, int *errnum);

/*
 * $ENV_VAR/TAIL when ENV_VAR holds an absolute path, else $HOME/HOME_SUB/TAIL
 * (the XDG base directory rule). Newly allocated; NULL when there is no home.
 */
char *yamlx_xdg_path(const char *env_var, const char *home_sub, const char *tail);

#endif

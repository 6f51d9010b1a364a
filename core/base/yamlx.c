/*
 * yamlx.c - libyaml events to a small tree with positions, plus the file,
 * path and message helpers the config and theme loaders share.
 */
#include "yamlx_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

/* Tree under construction: open collections on a stack, finished anchors. */
struct builder {
    struct yamlx_doc *doc;
    const char *text;
    size_t len;
    struct yamlx_node *stack[YAMLX_MAX_DEPTH];
    size_t depth;
    struct yamlx_node *anchors[YAMLX_MAX_ANCHORS];
    size_t n_anchors;
    int docs;
};

/* libyaml marks are 0-based size_t; ours are 1-based int. */
static int mark_num(size_t v)
{
    return v >= (size_t)INT_MAX ? INT_MAX : (int)v + 1;
}

/* Characters (not bytes) in the first n bytes of s: columns count characters. */
static int utf8_chars(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static md_status add_ptr(struct yamlx_node ***arr, size_t *n, size_t *alloc, struct yamlx_node *p)
{
    if (*n == *alloc) {
        size_t na = *alloc ? *alloc * 2 : 8;
        *arr = md_xrealloc(*arr, na * sizeof(**arr));
        *alloc = na;
    }
    (*arr)[(*n)++] = p;
    return MD_OK;
}

static md_status new_node(struct builder *b, enum yamlx_kind kind, const yaml_event_t *ev,
                          const yaml_char_t *anchor, struct yamlx_node **out, struct md_err *err)
{
    struct yamlx_doc *doc = b->doc;
    if (doc->n_all >= YAMLX_MAX_NODES)
        return md_err_set(err, MD_ERR_TOO_BIG, "%s: more than %d YAML nodes", doc->name,
                          YAMLX_MAX_NODES);
    struct yamlx_node *n = md_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = mark_num(ev->start_mark.line);
    n->col = mark_num(ev->start_mark.column);
    n->end_line = mark_num(ev->end_mark.line);
    n->end_col = mark_num(ev->end_mark.column);
    if (anchor)
        n->anchor = md_xstrdup((const char *)anchor);
    add_ptr(&doc->all, &doc->n_all, &doc->alloc_all, n);
    *out = n;
    return MD_OK;
}

/* Remember a finished anchored node so later aliases can use it. */
static md_status register_anchor(struct builder *b, struct yamlx_node *n, struct md_err *err)
{
    if (!n->anchor)
        return MD_OK;
    if (b->n_anchors >= YAMLX_MAX_ANCHORS)
        return md_err_set(err, MD_ERR_TOO_BIG, "%s:%d:%d: more than %d anchors", b->doc->name,
                          n->line, n->col, YAMLX_MAX_ANCHORS);
    b->anchors[b->n_anchors++] = n;
    return MD_OK;
}

/* Hang a finished node (or an alias target) under the open collection. */
static void attach(struct builder *b, struct yamlx_node *n)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return;
    }
    struct yamlx_node *parent = b->stack[b->depth - 1];
    add_ptr(&parent->kids, &parent->n, &parent->alloc, n);
}

/* Line and column of byte `off` of the input, for reader errors. */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1;
    size_t bol = 0;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    *line = l;
    *col = utf8_chars(text + bol, off - bol) + 1;
}

static md_status parser_error(struct builder *b, const yaml_parser_t *p, struct md_err *err)
{
    const char *name = b->doc->name;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return md_err_set(err, MD_ERR_NOMEM, "%s: out of memory while parsing YAML", name);
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        offset_pos(b->text, b->len, p->problem_offset, &line, &col);
        return yamlx_fail_at(err, name, line, col, "%s", problem);
    }
    int line = mark_num(p->problem_mark.line);
    int col = mark_num(p->problem_mark.column);
    if (p->context)
        return yamlx_fail_at(err, name, line, col, "%s (%s at %d:%d)", problem, p->context,
                             mark_num(p->context_mark.line), mark_num(p->context_mark.column));
    return yamlx_fail_at(err, name, line, col, "%s", problem);
}

static md_status on_scalar(struct builder *b, const yaml_event_t *ev, struct md_err *err)
{
    struct yamlx_node *n;
    md_status st = new_node(b, YAMLX_SCALAR, ev, ev->data.scalar.anchor, &n, err);
    if (st)
        return st;
    const char *v = (const char *)ev->data.scalar.value;
    size_t vlen = ev->data.scalar.length;
    if (memchr(v, '\0', vlen))
        return yamlx_fail(err, b->doc->name, n, "NUL character in a value");
    n->text = md_xstrdup(v);
    n->len = vlen;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        n->style = YAMLX_SINGLE_QUOTED;
        break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        n->style = YAMLX_DOUBLE_QUOTED;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE:
        n->style = YAMLX_BLOCK;
        break;
    default:
        n->style = YAMLX_PLAIN;
        break;
    }
    attach(b, n);
    return register_anchor(b, n, err);
}

static md_status on_start(struct builder *b, const yaml_event_t *ev, enum yamlx_kind kind,
                          struct md_err *err)
{
    const yaml_char_t *anchor =
        kind == YAMLX_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    if (b->depth >= YAMLX_MAX_DEPTH)
        return md_err_set(err, MD_ERR_TOO_BIG, "%s:%d:%d: nesting deeper than %d levels",
                          b->doc->name, mark_num(ev->start_mark.line),
                          mark_num(ev->start_mark.column), YAMLX_MAX_DEPTH);
    struct yamlx_node *n;
    md_status st = new_node(b, kind, ev, anchor, &n, err);
    if (st)
        return st;
    attach(b, n);
    b->stack[b->depth++] = n;
    return MD_OK;
}

static md_status on_end(struct builder *b, const yaml_event_t *ev, struct md_err *err)
{
    if (b->depth == 0)
        MD_BUG("YAML collection end without a start");
    struct yamlx_node *n = b->stack[--b->depth];
    n->end_line = mark_num(ev->end_mark.line);
    n->end_col = mark_num(ev->end_mark.column);
    return register_anchor(b, n, err);
}

/* An alias is the anchored node itself; the latest definition of a name wins. */
static md_status on_alias(struct builder *b, const yaml_event_t *ev, struct md_err *err)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = b->n_anchors; i-- > 0;) {
        if (strcmp(b->anchors[i]->anchor, name) == 0) {
            attach(b, b->anchors[i]);
            return MD_OK;
        }
    }
    char q[YAMLX_QUOTE_SIZE];
    return yamlx_fail_at(err, b->doc->name, mark_num(ev->start_mark.line),
                         mark_num(ev->start_mark.column), "unknown anchor '%s'",
                         yamlx_quote(q, sizeof(q), name));
}

static md_status on_event(struct builder *b, const yaml_event_t *ev, struct md_err *err)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->docs++ > 0)
            return yamlx_fail_at(err, b->doc->name, mark_num(ev->start_mark.line),
                                 mark_num(ev->start_mark.column),
                                 "more than one YAML document in the file");
        return MD_OK;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev, err);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, YAMLX_MAP, err);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, YAMLX_SEQ, err);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return on_end(b, ev, err);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev, err);
    default:
        return MD_OK;
    }
}

md_status yamlx_parse(struct yamlx_doc *doc, const char *name, const char *text, size_t len,
                      struct md_err *err)
{
    memset(doc, 0, sizeof(*doc));
    doc->name = name;
    if (len > YAMLX_MAX_INPUT)
        return md_err_set(err, MD_ERR_TOO_BIG, "%s: larger than %d bytes", name, YAMLX_MAX_INPUT);

    struct builder *b = md_xcalloc(1, sizeof(*b));
    b->doc = doc;
    b->text = text;
    b->len = len;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        md_die_oom();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    md_status st = MD_OK;
    bool done = false;
    while (!done && st == MD_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parser_error(b, &parser, err);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        st = on_event(b, &ev, err);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    free(b);
    if (st)
        yamlx_doc_release(doc);
    return st;
}

void yamlx_doc_release(struct yamlx_doc *doc)
{
    for (size_t i = 0; i < doc->n_all; i++) {
        struct yamlx_node *n = doc->all[i];
        free(n->text);
        free(n->kids);
        free(n->anchor);
        free(n);
    }
    free(doc->all);
    memset(doc, 0, sizeof(*doc));
}

bool yamlx_is_null(const struct yamlx_node *n)
{
    if (n->kind != YAMLX_SCALAR || n->style != YAMLX_PLAIN)
        return false;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *yamlx_kind_str(const struct yamlx_node *n)
{
    if (n->kind == YAMLX_MAP)
        return "a mapping";
    if (n->kind == YAMLX_SEQ)
        return "a sequence";
    return yamlx_is_null(n) ? "nothing" : "a string";
}

static md_status vfail(struct md_err *err, const char *name, int line, int col, const char *fmt,
                       va_list ap) __attribute__((format(printf, 5, 0)));

static md_status vfail(struct md_err *err, const char *name, int line, int col, const char *fmt,
                       va_list ap)
{
    char msg[sizeof(err->msg)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    return md_err_set(err, MD_ERR_CONFIG, "%s:%d:%d: %s", name, line, col, msg);
}

md_status yamlx_fail(struct md_err *err, const char *name, const struct yamlx_node *n,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    md_status st = vfail(err, name, n ? n->line : 1, n ? n->col : 1, fmt, ap);
    va_end(ap);
    return st;
}

md_status yamlx_fail_at(struct md_err *err, const char *name, int line, int col, const char *fmt,
                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    md_status st = vfail(err, name, line, col, fmt, ap);
    va_end(ap);
    return st;
}

void yamlx_pos_in(const struct yamlx_node *n, size_t off, int *line, int *col)
{
    *line = n->line;
    *col = n->col;
    if (n->kind != YAMLX_SCALAR || n->line != n->end_line || off > n->len)
        return;
    int width = n->end_col - n->col;
    int chars = utf8_chars(n->text, n->len);
    if (n->style == YAMLX_PLAIN && width >= chars)
        *col = n->col + utf8_chars(n->text, off);
    else if ((n->style == YAMLX_SINGLE_QUOTED || n->style == YAMLX_DOUBLE_QUOTED) &&
             width == chars + 2)
        *col = n->col + 1 + utf8_chars(n->text, off);
}

const char *yamlx_quote(char *buf, size_t size, const char *s)
{
    size_t max = size - 4 < 40 ? size - 4 : 40;
    size_t n = strlen(s);
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* do not split a UTF-8 sequence */
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    md_sanitize(buf);
    if (cut)
        memcpy(buf + strlen(buf), "...", 4);
    return buf;
}

/* Optimal string alignment distance, case-insensitive, for words up to 32. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[33][33];
    if (la > 32 || lb > 32)
        return INT_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *yamlx_suggest(const char *word, const char *const *cands, size_t n)
{
    int len = (int)strlen(word);
    int limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    int best_d = INT_MAX;
    if (len == 0 || len > 32)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int d = edit_distance(word, cands[i]);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= limit && best_d < len ? best : NULL;
}

bool yamlx_parse_bool(const char *s, bool allow_digits, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < MD_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    if (allow_digits && (strcmp(s, "1") == 0 || strcmp(s, "0") == 0)) {
        *out = s[0] == '1';
        return true;
    }
    return false;
}

md_status yamlx_read_file(const char *path, size_t cap, char **out, size_t *len, int *errnum)
{
    *out = NULL;
    *len = 0;
    *errnum = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errnum = errno;
        return MD_ERR_IO;
    }
    struct md_buf b;
    md_buf_init(&b, cap);
    md_status st = MD_OK;
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *errnum = errno;
            st = MD_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        st = md_buf_add(&b, chunk, (size_t)n);
        if (st)
            break;
    }
    close(fd);
    if (st) {
        md_buf_release(&b);
        return st;
    }
    *out = md_buf_detach(&b, len);
    if (!*out)
        *out = md_xstrdup(""); /* an empty file is "" */
    return MD_OK;
}

char *yamlx_xdg_path(const char *env_var, const char *home_sub, const char *tail)
{
    const char *base = getenv(env_var);
    if (base && base[0] == '/')
        return md_xasprintf("%s/%s", base, tail);
    const char *home = getenv("HOME");
    if (!home || !home[0]) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !home[0])
        return NULL;
    return md_xasprintf("%s/%s/%s", home, home_sub, tail);
}

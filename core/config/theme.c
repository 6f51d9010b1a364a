/*
 * theme.c - colour themes by semantic role, parsed and checked without curses.
 *
 * The built-in themes are written as style strings, the same language theme
 * files use, so themes/default.yaml can say exactly what md_theme_default()
 * does (a unit test holds the two together). Every parse error names
 * file:line:column, down to the colour inside a style string when the
 * scalar's position can be known.
 */
#include "mldeck/theme.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/yamlx_int.h"

#define MAX_PALETTE 256

static const char *const role_names[MD_THEME_ROLE_COUNT] = {
    "normal",        "title",        "header",
    "footer",        "selection",    "selection_unfocused",
    "column_header", "status_ok",    "status_warn",
    "status_fail",   "drift_low",    "drift_med",
    "drift_high",    "dim",          "error",
    "env_prod",      "stale",        "read_only",
    "key_hint",      "key_disabled", "chart_1",
    "chart_2",       "chart_3",      "mark",
};

/* Indices 0-15 in the terminal's own palette, so terminal themes are respected. */
static const char *const color_names[16] = {
    "black",        "red",           "green",       "yellow",         "blue",
    "magenta",      "cyan",          "white",       "bright_black",   "bright_red",
    "bright_green", "bright_yellow", "bright_blue", "bright_magenta", "bright_cyan",
    "bright_white",
};

static const char *const attr_names[] = {"bold", "underline", "reverse", "dim", "italic"};
static const unsigned attr_bits[] = {MD_ATTR_BOLD, MD_ATTR_UNDERLINE, MD_ATTR_REVERSE, MD_ATTR_DIM,
                                     MD_ATTR_ITALIC};
static const char *const style_keys[] = {"fg",      "bg",  "bold",  "underline",
                                         "reverse", "dim", "italic"};

/* Dark-ish default on the 16 ANSI colours, so the terminal's own scheme shows through. */
static const char *const default_styles[MD_THEME_ROLE_COUNT] = {
    [MD_THEME_NORMAL] = "",
    [MD_THEME_TITLE] = "fg=bright_cyan,bold",
    [MD_THEME_HEADER] = "fg=black,bg=cyan",
    [MD_THEME_FOOTER] = "fg=black,bg=blue",
    [MD_THEME_SELECTION] = "fg=black,bg=cyan,bold",
    [MD_THEME_SELECTION_UNFOCUSED] = "bg=bright_black",
    [MD_THEME_COLUMN_HEADER] = "fg=yellow,bold",
    [MD_THEME_STATUS_OK] = "fg=green",
    [MD_THEME_STATUS_WARN] = "fg=yellow,bold",
    [MD_THEME_STATUS_FAIL] = "fg=bright_red,bold",
    [MD_THEME_DRIFT_LOW] = "fg=green",
    [MD_THEME_DRIFT_MED] = "fg=yellow",
    [MD_THEME_DRIFT_HIGH] = "fg=bright_red,bold",
    [MD_THEME_DIM] = "fg=bright_black",
    [MD_THEME_ERROR] = "fg=bright_white,bg=red,bold",
    [MD_THEME_ENV_PROD] = "fg=bright_white,bg=red,bold",
    [MD_THEME_STALE] = "fg=magenta",
    [MD_THEME_READ_ONLY] = "fg=black,bg=yellow,bold",
    [MD_THEME_KEY_HINT] = "fg=cyan,bold",
    [MD_THEME_KEY_DISABLED] = "fg=bright_black",
    [MD_THEME_CHART_1] = "fg=cyan",
    [MD_THEME_CHART_2] = "fg=magenta",
    [MD_THEME_CHART_3] = "fg=yellow",
    [MD_THEME_MARK] = "fg=yellow,bold",
};

/* Attributes only: every state still differs from its neighbours without colour. */
static const char *const mono_styles[MD_THEME_ROLE_COUNT] = {
    [MD_THEME_NORMAL] = "",
    [MD_THEME_TITLE] = "bold",
    [MD_THEME_HEADER] = "reverse",
    [MD_THEME_FOOTER] = "reverse",
    [MD_THEME_SELECTION] = "reverse,bold",
    [MD_THEME_SELECTION_UNFOCUSED] = "underline",
    [MD_THEME_COLUMN_HEADER] = "bold,underline",
    [MD_THEME_STATUS_OK] = "",
    [MD_THEME_STATUS_WARN] = "bold",
    [MD_THEME_STATUS_FAIL] = "bold,reverse",
    [MD_THEME_DRIFT_LOW] = "",
    [MD_THEME_DRIFT_MED] = "bold",
    [MD_THEME_DRIFT_HIGH] = "bold,reverse",
    [MD_THEME_DIM] = "dim",
    [MD_THEME_ERROR] = "bold,reverse",
    [MD_THEME_ENV_PROD] = "bold,underline",
    [MD_THEME_STALE] = "dim,underline",
    [MD_THEME_READ_ONLY] = "bold,reverse",
    [MD_THEME_KEY_HINT] = "bold",
    [MD_THEME_KEY_DISABLED] = "dim",
    [MD_THEME_CHART_1] = "",
    [MD_THEME_CHART_2] = "bold",
    [MD_THEME_CHART_3] = "dim",
    [MD_THEME_MARK] = "bold,underline",
};

/* Named colours from a theme's palette; names are lent from the YAML tree. */
struct palette {
    const char *names[MAX_PALETTE];
    struct md_color colors[MAX_PALETTE];
    size_t n;
};

/* Where a style went wrong: byte offset in the text and the reason. */
struct style_fail {
    size_t off;
    char why[200];
};

static bool parse_color(const char *s, size_t n, const struct palette *pal, struct md_color *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof(*out));
    if (strcasecmp(buf, "default") == 0)
        return true;
    for (int i = 0; i < 16; i++) {
        if (strcasecmp(buf, color_names[i]) == 0) {
            out->kind = MD_COLOR_INDEX;
            out->index = i;
            return true;
        }
    }
    if (strspn(buf, "0123456789") == n) {
        int v = 0;
        for (size_t i = 0; i < n && v < 1000; i++)
            v = v * 10 + (buf[i] - '0');
        if (n > 3 || v > 255)
            return false;
        out->kind = MD_COLOR_INDEX;
        out->index = v;
        return true;
    }
    if (buf[0] == '#' && n == 7 && strspn(buf + 1, "0123456789abcdefABCDEF") == 6) {
        unsigned long rgb = strtoul(buf + 1, NULL, 16);
        out->kind = MD_COLOR_RGB;
        out->r = (uint8_t)(rgb >> 16);
        out->g = (uint8_t)(rgb >> 8);
        out->b = (uint8_t)rgb;
        return true;
    }
    for (size_t i = 0; pal && i < pal->n; i++) {
        if (strcasecmp(buf, pal->names[i]) == 0) {
            *out = pal->colors[i];
            return true;
        }
    }
    return false;
}

/* The reason a colour was refused, with a suggestion when one is close. */
static void color_why(char *why, size_t wsz, const char *s, size_t n, const char *what,
                      const struct palette *pal)
{
    char word[YAMLX_QUOTE_SIZE];
    char q[YAMLX_QUOTE_SIZE];
    const char *cands[16 + 1 + MAX_PALETTE];
    size_t nc = 0;
    snprintf(word, sizeof(word), "%.*s", (int)(n < 40 ? n : 40), s);
    yamlx_quote(q, sizeof(q), word);
    if (n == 0) {
        snprintf(why, wsz, "missing colour for '%s'", what);
        return;
    }
    if (strspn(word, "0123456789") == strlen(word)) {
        snprintf(why, wsz, "colour index '%s' for '%s' out of range (0-255)", q, what);
        return;
    }
    if (word[0] == '#') {
        snprintf(why, wsz, "invalid colour '%s' for '%s': expected #rrggbb", q, what);
        return;
    }
    for (int i = 0; i < 16; i++)
        cands[nc++] = color_names[i];
    cands[nc++] = "default";
    for (size_t i = 0; pal && i < pal->n; i++)
        cands[nc++] = pal->names[i];
    const char *sug = yamlx_suggest(word, cands, nc);
    if (sug)
        snprintf(why, wsz, "unknown colour '%s' for '%s' (did you mean '%s'?)", q, what, sug);
    else
        snprintf(why, wsz,
                 "unknown colour '%s' for '%s': use a name such as red or bright_blue, "
                 "0-255, #rrggbb or a palette name",
                 q, what);
}

static int attr_index(const char *s, size_t n)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(attr_names); i++)
        if (strlen(attr_names[i]) == n && strncasecmp(s, attr_names[i], n) == 0)
            return (int)i;
    return -1;
}

/* "fg=red, bg=#102030,bold": items separated by commas, spaces around them ignored. */
static bool style_from_string(struct md_style *st, const char *s, const struct palette *pal,
                              struct style_fail *f)
{
    unsigned seen = 0;
    memset(st, 0, sizeof(*st));
    size_t i = 0, len = strlen(s);
    if (s[strspn(s, " \t")] == '\0')
        return true; /* empty: the terminal's default look */
    while (i <= len) {
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        size_t start = i, end = i + strcspn(s + i, ",");
        size_t stop = end;
        while (stop > start && (s[stop - 1] == ' ' || s[stop - 1] == '\t'))
            stop--;
        size_t n = stop - start;
        f->off = start;
        if (n == 0) {
            snprintf(f->why, sizeof(f->why), "empty item in style");
            return false;
        }
        const char *eq = memchr(s + start, '=', n);
        size_t klen = eq ? (size_t)(eq - (s + start)) : n;
        size_t kend = klen; /* "fg = red" is fine too */
        while (kend > 0 && (s[start + kend - 1] == ' ' || s[start + kend - 1] == '\t'))
            kend--;
        int a = eq ? -1 : attr_index(s + start, n);
        bool fg = eq && kend == 2 && strncasecmp(s + start, "fg", 2) == 0;
        bool bg = eq && kend == 2 && strncasecmp(s + start, "bg", 2) == 0;
        char q[YAMLX_QUOTE_SIZE], word[48];
        snprintf(word, sizeof(word), "%.*s", (int)(kend < 40 ? kend : 40), s + start);
        unsigned bit = fg ? 1u << 8 : bg ? 1u << 9 : a >= 0 ? attr_bits[a] : 0;
        if (!fg && !bg && a < 0) {
            const char *sug = yamlx_suggest(word, style_keys, MD_ARRAY_LEN(style_keys));
            snprintf(f->why, sizeof(f->why), "unknown style item '%s'%s%s%s",
                     yamlx_quote(q, sizeof(q), word), sug ? " (did you mean '" : "", sug ? sug : "",
                     sug ? "'?)" : "");
            return false;
        }
        if (seen & bit) {
            snprintf(f->why, sizeof(f->why), "'%s' given twice in style",
                     yamlx_quote(q, sizeof(q), word));
            return false;
        }
        seen |= bit;
        if (a >= 0) {
            st->attrs |= attr_bits[a];
        } else {
            size_t v = klen + 1;
            while (v < n && (s[start + v] == ' ' || s[start + v] == '\t'))
                v++;
            f->off = start + v;
            if (!parse_color(s + start + v, n - v, pal, fg ? &st->fg : &st->bg)) {
                color_why(f->why, sizeof(f->why), s + start + v, n - v, fg ? "fg" : "bg", pal);
                return false;
            }
        }
        i = end + 1;
    }
    return true;
}

/* Built-in style strings are known good; a failure is a bug in this file. */
static void apply_builtin(struct md_theme *t, const char *name, const char *const *styles)
{
    struct style_fail f;
    t->name = md_xstrdup(name);
    for (int r = 0; r < MD_THEME_ROLE_COUNT; r++)
        if (!style_from_string(&t->roles[r], styles[r], NULL, &f))
            MD_BUG("built-in theme '%s', role %s: %s", name, role_names[r], f.why);
}

void md_theme_default(struct md_theme *t)
{
    memset(t, 0, sizeof(*t));
    apply_builtin(t, "default", default_styles);
}

void md_theme_mono(struct md_theme *t)
{
    memset(t, 0, sizeof(*t));
    apply_builtin(t, "mono", mono_styles);
}

void md_theme_release(struct md_theme *t)
{
    free(t->name);
    memset(t, 0, sizeof(*t));
}

const char *md_theme_role_name(enum md_theme_role role)
{
    if ((unsigned)role >= MD_THEME_ROLE_COUNT)
        return "unknown";
    return role_names[role];
}

int md_theme_role_parse(const char *name)
{
    for (int r = 0; name && r < MD_THEME_ROLE_COUNT; r++)
        if (strcasecmp(name, role_names[r]) == 0)
            return r;
    return -1;
}

md_status md_theme_parse_style(struct md_style *st, const char *s, struct md_err *err)
{
    struct style_fail f;
    char q[YAMLX_QUOTE_SIZE];
    if (!s)
        s = "";
    if (style_from_string(st, s, NULL, &f))
        return MD_OK;
    memset(st, 0, sizeof(*st));
    return md_err_set(err, MD_ERR_CONFIG, "invalid style '%s': %s", yamlx_quote(q, sizeof(q), s),
                      f.why);
}

/* One theme file being read: its name for messages, the tree, the palette. */
struct tparse {
    const char *file;
    struct md_theme *t;
    struct palette pal;
    struct md_err *err;
};

static md_status style_error(struct tparse *p, const struct yamlx_node *n,
                             const struct style_fail *f)
{
    int line, col;
    yamlx_pos_in(n, f->off, &line, &col);
    return yamlx_fail_at(p->err, p->file, line, col, "%s", f->why);
}

/* A missing colour is often an unquoted #rrggbb, which YAML reads as a comment. */
static md_status missing_color(struct tparse *p, const struct yamlx_node *val, const char *what)
{
    return yamlx_fail(p->err, p->file, val,
                      "missing value for '%s' (quote #rrggbb colours: a bare # starts a comment)",
                      what);
}

static md_status scalar_color(struct tparse *p, const struct yamlx_node *val, const char *what,
                              struct md_color *out)
{
    struct style_fail f = {0};
    if (yamlx_is_null(val))
        return missing_color(p, val, what);
    if (val->kind != YAMLX_SCALAR)
        return yamlx_fail(p->err, p->file, val, "expected a colour for '%s', got %s", what,
                          yamlx_kind_str(val));
    if (!parse_color(val->text, val->len, &p->pal, out)) {
        color_why(f.why, sizeof(f.why), val->text, val->len, what, &p->pal);
        return style_error(p, val, &f);
    }
    return MD_OK;
}

static md_status dup_key(struct tparse *p, const struct yamlx_node *key,
                         const struct yamlx_node *first)
{
    char q[YAMLX_QUOTE_SIZE];
    return yamlx_fail(p->err, p->file, key, "duplicate key '%s' (first at %d:%d)",
                      yamlx_quote(q, sizeof(q), key->text), first->line, first->col);
}

static md_status need_scalar_key(struct tparse *p, const struct yamlx_node *key)
{
    if (key->kind == YAMLX_SCALAR)
        return MD_OK;
    return yamlx_fail(p->err, p->file, key, "expected a key name, got %s", yamlx_kind_str(key));
}

/* {fg: C, bg: C, bold: true, ...} */
static md_status style_from_map(struct tparse *p, const struct yamlx_node *map, struct md_style *st)
{
    const struct yamlx_node *seen[MD_ARRAY_LEN(style_keys)] = {0};
    char q[YAMLX_QUOTE_SIZE];
    memset(st, 0, sizeof(*st));
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *key = yamlx_key(map, i), *val = yamlx_value(map, i);
        md_status s = need_scalar_key(p, key);
        if (s)
            return s;
        size_t k = 0;
        while (k < MD_ARRAY_LEN(style_keys) && strcmp(key->text, style_keys[k]) != 0)
            k++;
        if (k == MD_ARRAY_LEN(style_keys)) {
            const char *sug = yamlx_suggest(key->text, style_keys, MD_ARRAY_LEN(style_keys));
            return yamlx_fail(p->err, p->file, key, "unknown style key '%s'%s%s%s",
                              yamlx_quote(q, sizeof(q), key->text), sug ? " (did you mean '" : "",
                              sug ? sug : "", sug ? "'?)" : "");
        }
        if (seen[k])
            return dup_key(p, key, seen[k]);
        seen[k] = key;
        if (k < 2) {
            s = scalar_color(p, val, style_keys[k], k == 0 ? &st->fg : &st->bg);
            if (s)
                return s;
            continue;
        }
        bool on;
        if (val->kind != YAMLX_SCALAR || yamlx_is_null(val) ||
            !yamlx_parse_bool(val->text, false, &on))
            return yamlx_fail(p->err, p->file, val, "expected true or false for '%s', got %s%s%s",
                              style_keys[k], val->kind == YAMLX_SCALAR ? "'" : "",
                              val->kind == YAMLX_SCALAR ? yamlx_quote(q, sizeof(q), val->text)
                                                        : yamlx_kind_str(val),
                              val->kind == YAMLX_SCALAR ? "'" : "");
        if (on)
            st->attrs |= attr_bits[k - 2];
    }
    return MD_OK;
}

static md_status parse_palette(struct tparse *p, const struct yamlx_node *map)
{
    char q[YAMLX_QUOTE_SIZE];
    if (map->kind != YAMLX_MAP)
        return yamlx_fail(p->err, p->file, map, "expected a mapping for 'palette', got %s",
                          yamlx_kind_str(map));
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *key = yamlx_key(map, i), *val = yamlx_value(map, i);
        struct md_color c;
        md_status s = need_scalar_key(p, key);
        if (s)
            return s;
        const char *name = key->text;
        static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789_-";
        if (!name[0] || key->len > 31 || strspn(name, ok) != key->len ||
            (name[0] >= '0' && name[0] <= '9'))
            return yamlx_fail(p->err, p->file, key,
                              "invalid palette name '%s': use up to 31 letters, digits, "
                              "'_' and '-'",
                              yamlx_quote(q, sizeof(q), name));
        if (parse_color(name, key->len, NULL, &c))
            return yamlx_fail(p->err, p->file, key, "palette name '%s' hides a built-in colour",
                              name);
        for (size_t j = 0; j < p->pal.n; j++)
            if (strcasecmp(p->pal.names[j], name) == 0)
                return dup_key(p, key, yamlx_key(map, j));
        if (p->pal.n == MAX_PALETTE)
            return yamlx_fail(p->err, p->file, key, "more than %d palette entries", MAX_PALETTE);
        s = scalar_color(p, val, name, &c); /* earlier palette names may be used */
        if (s)
            return s;
        p->pal.names[p->pal.n] = name;
        p->pal.colors[p->pal.n++] = c;
    }
    return MD_OK;
}

static md_status parse_roles(struct tparse *p, const struct yamlx_node *map)
{
    const struct yamlx_node *seen[MD_THEME_ROLE_COUNT] = {0};
    char q[YAMLX_QUOTE_SIZE];
    if (map->kind != YAMLX_MAP)
        return yamlx_fail(p->err, p->file, map, "expected a mapping for 'roles', got %s",
                          yamlx_kind_str(map));
    for (size_t i = 0; i < yamlx_pairs(map); i++) {
        const struct yamlx_node *key = yamlx_key(map, i), *val = yamlx_value(map, i);
        md_status s = need_scalar_key(p, key);
        if (s)
            return s;
        int r = md_theme_role_parse(key->text);
        if (r < 0) {
            const char *sug = yamlx_suggest(key->text, role_names, MD_THEME_ROLE_COUNT);
            return yamlx_fail(p->err, p->file, key, "unknown role '%s'%s%s%s",
                              yamlx_quote(q, sizeof(q), key->text), sug ? " (did you mean '" : "",
                              sug ? sug : "", sug ? "'?)" : "");
        }
        if (seen[r])
            return dup_key(p, key, seen[r]);
        seen[r] = key;
        struct md_style *st = &p->t->roles[r];
        struct style_fail f;
        if (val->kind == YAMLX_MAP)
            s = style_from_map(p, val, st);
        else if (val->kind == YAMLX_SEQ)
            s = yamlx_fail(p->err, p->file, val, "expected a style for '%s', got a sequence",
                           role_names[r]);
        else if (!style_from_string(st, yamlx_is_null(val) ? "" : val->text, &p->pal, &f))
            s = style_error(p, val, &f);
        if (s)
            return s;
    }
    return MD_OK;
}

/* "themes/light.yaml" -> "light": the name a theme has when it does not say. */
static char *name_from_file(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    char *s = md_xmalloc(n + 1);
    memcpy(s, base, n);
    s[n] = '\0';
    return s;
}

static md_status parse_top(struct tparse *p, const struct yamlx_node *root)
{
    static const char *const keys[] = {"name", "palette", "roles"};
    const struct yamlx_node *val[3] = {0}, *first[3] = {0};
    char q[YAMLX_QUOTE_SIZE];
    if (root->kind != YAMLX_MAP)
        return yamlx_fail(p->err, p->file, root, "expected a mapping at top level, got %s",
                          yamlx_kind_str(root));
    for (size_t i = 0; i < yamlx_pairs(root); i++) {
        const struct yamlx_node *key = yamlx_key(root, i);
        md_status s = need_scalar_key(p, key);
        if (s)
            return s;
        size_t k = 0;
        while (k < 3 && strcmp(key->text, keys[k]) != 0)
            k++;
        if (k == 3 && md_theme_role_parse(key->text) >= 0)
            return yamlx_fail(p->err, p->file, key, "role '%s' belongs under 'roles:'", key->text);
        if (k == 3) {
            const char *sug = yamlx_suggest(key->text, keys, 3);
            return yamlx_fail(p->err, p->file, key, "unknown key '%s' at top level%s%s%s",
                              yamlx_quote(q, sizeof(q), key->text), sug ? " (did you mean '" : "",
                              sug ? sug : "", sug ? "'?)" : "");
        }
        if (first[k])
            return dup_key(p, key, first[k]);
        first[k] = key;
        val[k] = yamlx_value(root, i);
        if (yamlx_is_null(val[k]))
            return yamlx_fail(p->err, p->file, val[k], "missing value for '%s'", keys[k]);
    }
    if (val[0]) {
        if (val[0]->kind != YAMLX_SCALAR)
            return yamlx_fail(p->err, p->file, val[0], "expected a name for 'name', got %s",
                              yamlx_kind_str(val[0]));
        free(p->t->name);
        p->t->name = md_xstrdup_clean(val[0]->text);
    }
    md_status s = val[1] ? parse_palette(p, val[1]) : MD_OK; /* before roles, wherever it is */
    if (s == MD_OK && val[2])
        s = parse_roles(p, val[2]);
    return s;
}

md_status md_theme_parse(struct md_theme *t, const char *name, const char *text, size_t len,
                         struct md_err *err)
{
    struct tparse *p = md_xcalloc(1, sizeof(*p));
    struct yamlx_doc doc;
    p->file = name ? name : "";
    p->t = t;
    p->err = err;
    md_theme_default(t);
    free(t->name);
    t->name = name_from_file(p->file);
    md_status st = yamlx_parse(&doc, p->file, text ? text : "", text ? len : 0, err);
    if (st == MD_OK && doc.root)
        st = parse_top(p, doc.root);
    yamlx_doc_release(&doc);
    free(p);
    if (st)
        md_theme_release(t);
    return st;
}

/* Read and parse one file; a missing file is MD_ERR_NOT_FOUND. */
static md_status load_file(struct md_theme *t, const char *path, struct md_err *err)
{
    char *text;
    size_t len;
    int errnum;
    md_status st = yamlx_read_file(path, YAMLX_MAX_INPUT, &text, &len, &errnum);
    if (st == MD_ERR_IO && (errnum == ENOENT || errnum == ENOTDIR))
        return md_err_set(err, MD_ERR_NOT_FOUND, "cannot read theme '%s': %s", path,
                          strerror(errnum));
    if (st == MD_ERR_IO)
        return md_err_set(err, st, "cannot read theme '%s': %s", path, strerror(errnum));
    if (st)
        return md_err_set(err, st, "cannot read theme '%s': larger than %d bytes", path,
                          YAMLX_MAX_INPUT);
    st = md_theme_parse(t, path, text, len, err);
    free(text);
    return st;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "default, light, mono": the built-ins and every NAME.yaml of the dirs, sorted, once each. */
static char *available_names(const char *const *dirs, size_t n_dirs)
{
    char **v = md_xcalloc(2, sizeof(*v));
    size_t n = 0, cap = 2;
    v[n++] = md_xstrdup("default");
    v[n++] = md_xstrdup("mono");
    for (size_t i = 0; i < n_dirs; i++) {
        DIR *dir = dirs[i] ? opendir(dirs[i]) : NULL;
        struct dirent *de;
        while (dir && (de = readdir(dir))) {
            size_t len = strlen(de->d_name);
            bool printable = true;
            for (size_t k = 0; k < len; k++)
                printable &= (unsigned char)de->d_name[k] >= 0x20 && de->d_name[k] != 0x7f;
            if (!printable || de->d_name[0] == '.' || len <= 5 ||
                strcmp(de->d_name + len - 5, ".yaml"))
                continue;
            if (n == cap)
                v = md_xrealloc(v, (cap *= 2) * sizeof(*v));
            v[n] = md_xstrdup(de->d_name);
            v[n++][len - 5] = 0;
        }
        if (dir)
            closedir(dir);
    }
    qsort(v, n, sizeof(*v), name_cmp);
    struct md_buf b;
    md_buf_init(&b, 256);
    for (size_t i = 0; i < n; i++)
        if (!i || strcmp(v[i], v[i - 1]))
            md_buf_addf(&b, "%s%s", b.len ? ", " : "", v[i]);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return md_buf_detach(&b, NULL);
}

md_status md_theme_load(struct md_theme *t, const char *name_or_path, const char *themes_dir,
                        struct md_err *err)
{
    const char *name = name_or_path && name_or_path[0] ? name_or_path : "default";
    char q[YAMLX_QUOTE_SIZE];
    memset(t, 0, sizeof(*t));
    if (strchr(name, '/') || ends_with(name, ".yaml") || ends_with(name, ".yml"))
        return load_file(t, name, err);
    if (name[0] == '.')
        return md_err_set(err, MD_ERR_NOT_FOUND, "no theme named '%s'",
                          yamlx_quote(q, sizeof(q), name));
#ifdef MD_THEMES_DIR
    if (!themes_dir)
        themes_dir = MD_THEMES_DIR;
#endif
    char *user = yamlx_xdg_path("XDG_CONFIG_HOME", ".config", "mldeck/themes");
    const char *dirs[] = {user, themes_dir};
    md_status st = MD_ERR_NOT_FOUND;
    for (size_t i = 0; i < MD_ARRAY_LEN(dirs) && st == MD_ERR_NOT_FOUND; i++) {
        if (!dirs[i])
            continue;
        char *path = md_xasprintf("%s/%s.yaml", dirs[i], name);
        struct md_err probe = MD_ERR_INIT;
        st = load_file(t, path, &probe);
        if (st != MD_OK && st != MD_ERR_NOT_FOUND)
            md_err_set(err, st, "%s", probe.msg); /* a file that exists but is bad */
        free(path);
    }
    if (st == MD_ERR_NOT_FOUND && strcmp(name, "default") == 0) {
        md_theme_default(t);
        st = MD_OK;
    } else if (st == MD_ERR_NOT_FOUND && strcmp(name, "mono") == 0) {
        md_theme_mono(t);
        st = MD_OK;
    } else if (st == MD_ERR_NOT_FOUND) {
        /* a typo is the usual cause: name what there is to choose from */
        char *names = available_names(dirs, MD_ARRAY_LEN(dirs));
        md_err_set(err, st, "no theme named '%s' in %s%s%s; available: %s",
                   yamlx_quote(q, sizeof(q), name), user ? user : "",
                   user && themes_dir ? " or " : "", themes_dir ? themes_dir : "", names);
        free(names);
    }
    free(user);
    return st;
}

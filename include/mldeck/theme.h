/*
 * theme.h - colour themes by semantic role, parsed without curses.
 *
 * A theme is a YAML mapping from role names to styles. A style is either a
 * mapping {fg: C, bg: C, bold: true, ...} or a string "fg=C,bg=C,bold".
 * A colour C is a name (default, black, red, green, yellow, blue, magenta,
 * cyan, white, and bright_* of each), an index 0-255, or "#rrggbb".
 * Unknown roles, colours or attributes are errors naming file:line:column.
 * tui/theme_curses.c maps the result onto the terminal's colour depth.
 */
#ifndef MLDECK_THEME_H
#define MLDECK_THEME_H

#include "mldeck/md.h"

enum md_theme_role {
    MD_THEME_NORMAL = 0,
    MD_THEME_TITLE,
    MD_THEME_HEADER,
    MD_THEME_FOOTER,
    MD_THEME_SELECTION,
    MD_THEME_SELECTION_UNFOCUSED,
    MD_THEME_COLUMN_HEADER,
    MD_THEME_STATUS_OK,
    MD_THEME_STATUS_WARN,
    MD_THEME_STATUS_FAIL,
    MD_THEME_DRIFT_LOW,
    MD_THEME_DRIFT_MED,
    MD_THEME_DRIFT_HIGH,
    MD_THEME_DIM,
    MD_THEME_ERROR,
    MD_THEME_ENV_PROD,
    MD_THEME_STALE,
    MD_THEME_READ_ONLY,
    MD_THEME_KEY_HINT,
    MD_THEME_KEY_DISABLED,
    MD_THEME_CHART_1,
    MD_THEME_CHART_2,
    MD_THEME_CHART_3,
    MD_THEME_MARK,
    MD_THEME_ROLE_COUNT
};

/* A colour: default (terminal's own), an index 0-255, or an RGB value. */
enum md_color_kind { MD_COLOR_DEFAULT = 0, MD_COLOR_INDEX, MD_COLOR_RGB };
struct md_color {
    enum md_color_kind kind;
    int index;       /* MD_COLOR_INDEX: 0-255 */
    uint8_t r, g, b; /* MD_COLOR_RGB */
};

enum md_theme_attr {
    MD_ATTR_BOLD = 1 << 0,
    MD_ATTR_UNDERLINE = 1 << 1,
    MD_ATTR_REVERSE = 1 << 2,
    MD_ATTR_DIM = 1 << 3,
    MD_ATTR_ITALIC = 1 << 4
};

struct md_style {
    struct md_color fg;
    struct md_color bg;
    unsigned attrs;
};

struct md_theme {
    char *name;
    struct md_style roles[MD_THEME_ROLE_COUNT];
};

/* The built-in default (used when no theme file is found); cannot fail. */
void md_theme_default(struct md_theme *t);
/* Monochrome: attributes only, colours default. */
void md_theme_mono(struct md_theme *t);
/*
 * Parse YAML text into t, starting from the built-in default so a theme
 * names only the roles it changes. MD_ERR_CONFIG with "NAME:LINE:COL: ..."
 */
md_status md_theme_parse(struct md_theme *t, const char *name, const char *text, size_t len,
                         struct md_err *err);
/*
 * Load a theme by name or path: a path (contains '/') is read as it is; a
 * name is looked for as NAME.yaml in $XDG_CONFIG_HOME/mldeck/themes, then in
 * `themes_dir` (the installed or source themes/), and "default" falls back to
 * the built-in one. MD_ERR_NOT_FOUND when nothing matches.
 */
md_status md_theme_load(struct md_theme *t, const char *name_or_path, const char *themes_dir,
                        struct md_err *err);
void md_theme_release(struct md_theme *t);

/* Parse one style string "fg=red,bg=#102030,bold"; for the fuzz target too. */
md_status md_theme_parse_style(struct md_style *st, const char *s, struct md_err *err);
/* Role name as written in theme files ("status_ok"), and back; -1 when unknown. */
const char *md_theme_role_name(enum md_theme_role role);
int md_theme_role_parse(const char *name);

#endif

/*
 * theme_curses.c - role -> colour pair + attributes. The only file that uses
 * COLOR_PAIR(); views ask for ui_attr(MD_THEME_X).
 */
#include "theme_curses.h"

#include <stdlib.h>

static attr_t g_attrs[MD_THEME_ROLE_COUNT];
static bool g_color;

/* The 16 standard colours as xterm draws them, for nearest-colour search. */
static const unsigned char basic_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static const int cube_steps[6] = {0, 95, 135, 175, 215, 255};

/* RGB of an xterm-256 index. */
static void index_rgb(int i, int rgb[3])
{
    if (i < 16) {
        for (int k = 0; k < 3; k++)
            rgb[k] = basic_rgb[i][k];
    } else if (i < 232) {
        i -= 16;
        rgb[0] = cube_steps[i / 36];
        rgb[1] = cube_steps[(i / 6) % 6];
        rgb[2] = cube_steps[i % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (i - 232);
    }
}

static long dist2(const int a[3], const int b[3])
{
    long d = 0;
    for (int k = 0; k < 3; k++)
        d += (long)(a[k] - b[k]) * (a[k] - b[k]);
    return d;
}

/* Nearest index among the first `n` colours the terminal has (8, 16 or 256). */
static int nearest(const int rgb[3], int n)
{
    int best = 0;
    long bestd = -1;
    for (int i = 0; i < n; i++) {
        int c[3];
        index_rgb(i, c);
        long d = dist2(rgb, c);
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

/* A theme colour as a curses colour number; -1 is the terminal's default. */
static int map_color(const struct md_color *c)
{
    int avail = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
    int rgb[3];
    switch (c->kind) {
    case MD_COLOR_INDEX:
        if (c->index < avail)
            return c->index;
        index_rgb(c->index, rgb);
        return nearest(rgb, avail);
    case MD_COLOR_RGB:
        rgb[0] = c->r;
        rgb[1] = c->g;
        rgb[2] = c->b;
        return nearest(rgb, avail);
    case MD_COLOR_DEFAULT:
    default:
        return -1;
    }
}

static attr_t map_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & MD_ATTR_BOLD)
        r |= A_BOLD;
    if (a & MD_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & MD_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & MD_ATTR_DIM)
        r |= A_DIM;
    if (a & MD_ATTR_ITALIC)
        r |= A_ITALIC;
    return r;
}

void theme_curses_init(const struct md_theme *theme, bool no_color)
{
    struct md_theme fallback = {0};
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        no_color = true;
    g_color = !no_color && has_colors();
    if (g_color && start_color() != OK)
        g_color = false;
    if (!g_color) {
        md_theme_mono(&fallback);
        for (int r = 0; r < MD_THEME_ROLE_COUNT; r++)
            g_attrs[r] = map_attrs(fallback.roles[r].attrs);
        md_theme_release(&fallback);
        return;
    }
    if (!theme) {
        md_theme_default(&fallback);
        theme = &fallback;
    }
    bool have_default = use_default_colors() == OK;
    for (int r = 0; r < MD_THEME_ROLE_COUNT && r + 1 < COLOR_PAIRS; r++) {
        const struct md_style *st = &theme->roles[r];
        int fg = map_color(&st->fg);
        int bg = map_color(&st->bg);
        if (!have_default) {
            fg = fg < 0 ? COLOR_WHITE : fg;
            bg = bg < 0 ? COLOR_BLACK : bg;
        }
        init_pair((short)(r + 1), (short)fg, (short)bg);
        g_attrs[r] = COLOR_PAIR(r + 1) | map_attrs(st->attrs);
    }
    if (theme == &fallback)
        md_theme_release(&fallback);
}

bool theme_curses_has_color(void)
{
    return g_color;
}

attr_t ui_attr(enum md_theme_role role)
{
    if ((int)role < 0 || role >= MD_THEME_ROLE_COUNT)
        return A_NORMAL;
    return g_attrs[role];
}

/*
 * fuzz_theme.c - libFuzzer target for theme files and style strings.
 *
 * The input is parsed as a whole theme file, then as one style string. Either
 * succeeds or fails with a message; nothing may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mldeck/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_color(const struct md_color *c)
{
    if (c->kind == MD_COLOR_INDEX && (c->index < 0 || c->index > 255))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct md_theme t;
    struct md_err err = MD_ERR_INIT;
    md_status st = md_theme_parse(&t, "fuzz.yaml", (const char *)data, size, &err);
    if (st == MD_OK) {
        if (!t.name)
            abort();
        for (int r = 0; r < MD_THEME_ROLE_COUNT; r++) {
            check_color(&t.roles[r].fg);
            check_color(&t.roles[r].bg);
        }
    } else if (err.code != st || err.msg[0] == '\0' || t.name) {
        abort();
    }
    md_theme_release(&t);

    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct md_style style;
    md_err_clear(&err);
    st = md_theme_parse_style(&style, s, &err);
    if (st == MD_OK) {
        check_color(&style.fg);
        check_color(&style.bg);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    free(s);
    return 0;
}

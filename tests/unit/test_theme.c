/* Unit tests for core/config/theme.c: shipped themes, style strings, palettes, error positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mldeck/theme.h"
#include "testutil.h"

static char themes_dir[512];

/* The source tree's themes/, and a scratch directory for XDG_CONFIG_HOME. */
static int setup(void **state)
{
    unsetenv("XDG_CONFIG_HOME");
    snprintf(themes_dir, sizeof(themes_dir), "%s", tu_srcpath("themes"));
    return tu_tmpdir_setup(state);
}

static void assert_style_equal(const struct md_style *a, const struct md_style *b)
{
    assert_memory_equal(&a->fg, &b->fg, sizeof(a->fg));
    assert_memory_equal(&a->bg, &b->bg, sizeof(a->bg));
    assert_int_equal(a->attrs, b->attrs);
}

static void assert_themes_equal(const struct md_theme *a, const struct md_theme *b)
{
    for (int r = 0; r < MD_THEME_ROLE_COUNT; r++) {
        if (memcmp(&a->roles[r].fg, &b->roles[r].fg, sizeof(struct md_color)) ||
            memcmp(&a->roles[r].bg, &b->roles[r].bg, sizeof(struct md_color)) ||
            a->roles[r].attrs != b->roles[r].attrs)
            fail_msg("role %s differs", md_theme_role_name((enum md_theme_role)r));
    }
}

static md_status parse(struct md_theme *t, const char *yaml, struct md_err *err)
{
    return md_theme_parse(t, "t.yaml", yaml, strlen(yaml), err);
}

/* The YAML must fail with MD_ERR_CONFIG and exactly this message. */
static void expect_error(const char *yaml, const char *msg)
{
    struct md_theme t;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&t, yaml, &err), MD_ERR_CONFIG);
    assert_string_equal(err.msg, msg);
    assert_null(t.name); /* left released */
    md_theme_release(&t);
}

static void load_shipped(struct md_theme *t, const char *file)
{
    char path[600];
    struct md_err err = MD_ERR_INIT;
    snprintf(path, sizeof(path), "%s/%s", themes_dir, file);
    if (md_theme_load(t, path, NULL, &err) != MD_OK)
        fail_msg("%s: %s", path, err.msg);
}

static void test_shipped_default_matches_builtin(void **state)
{
    (void)state;
    struct md_theme file, builtin;
    load_shipped(&file, "default.yaml");
    md_theme_default(&builtin);
    assert_string_equal(file.name, "default");
    assert_themes_equal(&file, &builtin);
    /* only the terminal's 16 colours, so terminal colour schemes are respected */
    for (int r = 0; r < MD_THEME_ROLE_COUNT; r++) {
        const struct md_color *c[2] = {&builtin.roles[r].fg, &builtin.roles[r].bg};
        for (int i = 0; i < 2; i++)
            assert_true(c[i]->kind == MD_COLOR_DEFAULT ||
                        (c[i]->kind == MD_COLOR_INDEX && c[i]->index < 16));
    }
    md_theme_release(&file);
    md_theme_release(&builtin);
}

static void test_shipped_mono_matches_builtin(void **state)
{
    (void)state;
    struct md_theme file, mono;
    load_shipped(&file, "mono.yaml");
    md_theme_mono(&mono);
    assert_string_equal(mono.name, "mono");
    assert_themes_equal(&file, &mono);
    for (int r = 0; r < MD_THEME_ROLE_COUNT; r++) {
        assert_int_equal(mono.roles[r].fg.kind, MD_COLOR_DEFAULT);
        assert_int_equal(mono.roles[r].bg.kind, MD_COLOR_DEFAULT);
    }
    /* states stay distinguishable without colour */
    const struct md_style *R = mono.roles;
    assert_int_not_equal(R[MD_THEME_STATUS_OK].attrs, R[MD_THEME_STATUS_WARN].attrs);
    assert_int_not_equal(R[MD_THEME_STATUS_WARN].attrs, R[MD_THEME_STATUS_FAIL].attrs);
    assert_int_not_equal(R[MD_THEME_DRIFT_LOW].attrs, R[MD_THEME_DRIFT_MED].attrs);
    assert_int_not_equal(R[MD_THEME_DRIFT_MED].attrs, R[MD_THEME_DRIFT_HIGH].attrs);
    assert_int_not_equal(R[MD_THEME_SELECTION].attrs, R[MD_THEME_SELECTION_UNFOCUSED].attrs);
    assert_int_not_equal(R[MD_THEME_SELECTION].attrs, 0);
    assert_int_not_equal(R[MD_THEME_READ_ONLY].attrs, 0);
    md_theme_release(&file);
    md_theme_release(&mono);
}

static void test_shipped_light_and_solarized(void **state)
{
    (void)state;
    struct md_theme t;
    load_shipped(&t, "light.yaml");
    assert_string_equal(t.name, "light");
    assert_int_equal(t.roles[MD_THEME_STATUS_WARN].fg.kind, MD_COLOR_INDEX);
    assert_int_equal(t.roles[MD_THEME_STATUS_WARN].fg.index, 130); /* palette "warn" */
    assert_int_equal(t.roles[MD_THEME_STATUS_WARN].attrs, MD_ATTR_BOLD);
    assert_style_equal(&t.roles[MD_THEME_MARK], &t.roles[MD_THEME_SELECTION]); /* an alias */
    md_theme_release(&t);

    load_shipped(&t, "solarized-dark.yaml");
    assert_string_equal(t.name, "solarized-dark");
    const struct md_color *bg = &t.roles[MD_THEME_NORMAL].bg;
    assert_int_equal(bg->kind, MD_COLOR_RGB);
    assert_int_equal(bg->r, 0x00);
    assert_int_equal(bg->g, 0x2b);
    assert_int_equal(bg->b, 0x36);
    md_theme_release(&t);
}

static void test_style_strings(void **state)
{
    (void)state;
    struct md_style st;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(md_theme_parse_style(&st, "fg=red,bg=#102030,bold", &err), MD_OK);
    assert_int_equal(st.fg.kind, MD_COLOR_INDEX);
    assert_int_equal(st.fg.index, 1);
    assert_int_equal(st.bg.kind, MD_COLOR_RGB);
    assert_int_equal(st.bg.r, 0x10);
    assert_int_equal(st.bg.g, 0x20);
    assert_int_equal(st.bg.b, 0x30);
    assert_int_equal(st.attrs, MD_ATTR_BOLD);

    assert_int_equal(md_theme_parse_style(&st, " fg = 208 , underline,reverse,dim,italic ", NULL),
                     MD_OK);
    assert_int_equal(st.fg.index, 208);
    assert_int_equal(st.bg.kind, MD_COLOR_DEFAULT);
    assert_int_equal(st.attrs, MD_ATTR_UNDERLINE | MD_ATTR_REVERSE | MD_ATTR_DIM | MD_ATTR_ITALIC);
    assert_int_equal(md_theme_parse_style(&st, "fg=bright_white,bg=default", NULL), MD_OK);
    assert_int_equal(st.fg.index, 15);
    assert_int_equal(st.bg.kind, MD_COLOR_DEFAULT);
    assert_int_equal(md_theme_parse_style(&st, "", NULL), MD_OK);
    assert_int_equal(st.attrs, 0);

    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"fg=purple", "invalid style 'fg=purple': unknown colour 'purple' for 'fg': use a name "
                      "such as red or bright_blue, 0-255, #rrggbb or a palette name"},
        {"fg=gren", "invalid style 'fg=gren': unknown colour 'gren' for 'fg' "
                    "(did you mean 'green'?)"},
        {"blod", "invalid style 'blod': unknown style item 'blod' (did you mean 'bold'?)"},
        {"bg=256", "invalid style 'bg=256': colour index '256' for 'bg' out of range (0-255)"},
        {"fg=#12345", "invalid style 'fg=#12345': invalid colour '#12345' for 'fg': "
                      "expected #rrggbb"},
        {"bold,,dim", "invalid style 'bold,,dim': empty item in style"},
        {"bold,", "invalid style 'bold,': empty item in style"},
        {"bold,bold", "invalid style 'bold,bold': 'bold' given twice in style"},
        {"fg=", "invalid style 'fg=': missing colour for 'fg'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        md_err_clear(&err);
        assert_int_equal(md_theme_parse_style(&st, bad[i].in, &err), MD_ERR_CONFIG);
        assert_string_equal(err.msg, bad[i].msg);
    }
}

static void test_partial_theme_keeps_defaults(void **state)
{
    (void)state;
    struct md_theme t, def;
    md_theme_default(&def);
    assert_int_equal(parse(&t, "roles:\n  title: {fg: 33, underline: true, bold: false}\n", NULL),
                     MD_OK);
    assert_string_equal(t.name, "t"); /* from the file name */
    assert_int_equal(t.roles[MD_THEME_TITLE].fg.index, 33);
    assert_int_equal(t.roles[MD_THEME_TITLE].attrs, MD_ATTR_UNDERLINE);
    assert_style_equal(&t.roles[MD_THEME_SELECTION], &def.roles[MD_THEME_SELECTION]);
    md_theme_release(&t);
    assert_int_equal(parse(&t, "", NULL), MD_OK); /* empty: the default */
    assert_themes_equal(&t, &def);
    md_theme_release(&t);
    md_theme_release(&def);
}

static void test_palette_and_anchors(void **state)
{
    (void)state;
    struct md_theme t;
    struct md_err err = MD_ERR_INIT;
    assert_int_equal(parse(&t,
                           "roles:\n"
                           "  title: fg=accent,bold\n" /* palette below is read first */
                           "  header: {fg: ink, bg: *deep}\n"
                           "palette:\n"
                           "  accent: '#ff8800'\n"
                           "  ink: accent\n"
                           "  deep: &deep 17\n"
                           "name: mine\n",
                           &err),
                     MD_ERR_CONFIG); /* *deep is used before &deep is defined */
    assert_string_equal(err.msg, "t.yaml:3:25: unknown anchor 'deep'");

    assert_int_equal(parse(&t,
                           "name: mine\n"
                           "palette:\n"
                           "  accent: '#ff8800'\n"
                           "  ink: accent\n"
                           "  deep: &deep 17\n"
                           "roles:\n"
                           "  title: fg=Accent,bold\n"
                           "  header: {fg: ink, bg: *deep}\n",
                           NULL),
                     MD_OK);
    assert_string_equal(t.name, "mine");
    assert_int_equal(t.roles[MD_THEME_TITLE].fg.kind, MD_COLOR_RGB);
    assert_int_equal(t.roles[MD_THEME_TITLE].fg.r, 0xff);
    assert_int_equal(t.roles[MD_THEME_TITLE].fg.g, 0x88);
    assert_int_equal(t.roles[MD_THEME_HEADER].fg.kind, MD_COLOR_RGB);
    assert_int_equal(t.roles[MD_THEME_HEADER].bg.index, 17);
    md_theme_release(&t);

    expect_error("palette:\n  red: '#ff0000'\n",
                 "t.yaml:2:3: palette name 'red' hides a built-in colour");
    expect_error("palette:\n  a: 1\n  a: 2\n", "t.yaml:3:3: duplicate key 'a' (first at 2:3)");
    expect_error("palette:\n  a: b\n", "t.yaml:2:6: unknown colour 'b' for 'a': use a name "
                                       "such as red or bright_blue, 0-255, #rrggbb or a palette "
                                       "name");
    expect_error("palette:\n  accent: 12\nroles:\n  title: fg=acent\n",
                 "t.yaml:4:13: unknown colour 'acent' for 'fg' (did you mean 'accent'?)");
}

static void test_error_positions_exact(void **state)
{
    (void)state;
    expect_error("roles:\n  selection: fg=black,bg=pink\n",
                 "t.yaml:2:26: unknown colour 'pink' for 'bg': use a name such as red or "
                 "bright_blue, 0-255, #rrggbb or a palette name");
    expect_error("roles:\n  selection: \"fg=black, bg=pink\"\n",
                 "t.yaml:2:28: unknown colour 'pink' for 'bg': use a name such as red or "
                 "bright_blue, 0-255, #rrggbb or a palette name");
    expect_error("roles:\n  selection: {fg: black, bg: 300}\n",
                 "t.yaml:2:30: colour index '300' for 'bg' out of range (0-255)");
    expect_error("roles:\n  title: bold\n  statuss_ok: fg=green\n",
                 "t.yaml:3:3: unknown role 'statuss_ok' (did you mean 'status_ok'?)");
    expect_error("roles:\n  title:\n    fg: #ff0000\n    bold: true\n",
                 "t.yaml:3:8: missing value for 'fg' (quote #rrggbb colours: a bare # "
                 "starts a comment)");
    expect_error("roles:\n  title: {bold: sure}\n",
                 "t.yaml:2:17: expected true or false for 'bold', got 'sure'");
    expect_error("roles:\n  title: {colour: red}\n", "t.yaml:2:11: unknown style key 'colour'");
    expect_error("roles:\n  title: [bold]\n",
                 "t.yaml:2:10: expected a style for 'title', got a sequence");
    expect_error("roles:\n  title: bold\n  title: dim\n",
                 "t.yaml:3:3: duplicate key 'title' (first at 2:3)");
    expect_error("status_ok: fg=green\n", "t.yaml:1:1: role 'status_ok' belongs under 'roles:'");
    expect_error("role:\n  title: bold\n",
                 "t.yaml:1:1: unknown key 'role' at top level (did you mean 'roles'?)");
    expect_error("- a\n", "t.yaml:1:1: expected a mapping at top level, got a sequence");
    expect_error("roles: [a]\n", "t.yaml:1:8: expected a mapping for 'roles', got a sequence");
    expect_error("roles:\n  title: 'unterminated\n", "t.yaml:3:1: found unexpected end of stream "
                                                     "(while scanning a quoted scalar at 2:10)");
}

static void test_load_search_order(void **state)
{
    (void)state;
    struct md_theme t;
    struct md_err err = MD_ERR_INIT;
    char dir[160], path[200];

    /* from the shipped directory, by name */
    assert_int_equal(md_theme_load(&t, "light", themes_dir, &err), MD_OK);
    assert_string_equal(t.name, "light");
    md_theme_release(&t);

    /* built-in fallbacks for default and mono when no file exists */
    assert_int_equal(md_theme_load(&t, "default", "/nonexistent", &err), MD_OK);
    assert_string_equal(t.name, "default");
    md_theme_release(&t);
    assert_int_equal(md_theme_load(&t, NULL, NULL, &err), MD_OK);
    assert_string_equal(t.name, "default");
    md_theme_release(&t);
    assert_int_equal(md_theme_load(&t, "mono", NULL, &err), MD_OK);
    assert_string_equal(t.name, "mono");
    md_theme_release(&t);

    /* the user's directory comes first */
    snprintf(dir, sizeof(dir), "%s/mldeck", tu_tmpdir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/mldeck/themes", tu_tmpdir);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/mine.yaml", dir);
    tu_write_file(path, "roles:\n  title: fg=1\n");
    snprintf(path, sizeof(path), "%s/bad.yaml", dir);
    tu_write_file(path, "roles:\n  titel: bold\n");
    setenv("XDG_CONFIG_HOME", tu_tmpdir, 1);
    assert_int_equal(md_theme_load(&t, "mine", themes_dir, &err), MD_OK);
    assert_string_equal(t.name, "mine");
    assert_int_equal(t.roles[MD_THEME_TITLE].fg.index, 1);
    md_theme_release(&t);

    /* a file that exists but is wrong is an error, not a fallback */
    assert_int_equal(md_theme_load(&t, "bad", themes_dir, &err), MD_ERR_CONFIG);
    char want[300];
    snprintf(want, sizeof(want), "%s:2:3: unknown role 'titel' (did you mean 'title'?)", path);
    assert_string_equal(err.msg, want);
    assert_null(t.name);

    md_err_clear(&err);
    assert_int_equal(md_theme_load(&t, "nosuch", NULL, &err), MD_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no theme named 'nosuch' in "));
    md_err_clear(&err);
    assert_int_equal(md_theme_load(&t, "/nonexistent/x.yaml", NULL, &err), MD_ERR_NOT_FOUND);
    assert_string_equal(err.msg,
                        "cannot read theme '/nonexistent/x.yaml': No such file or directory");
    unsetenv("XDG_CONFIG_HOME");
}

static void test_role_names(void **state)
{
    (void)state;
    for (int r = 0; r < MD_THEME_ROLE_COUNT; r++)
        assert_int_equal(md_theme_role_parse(md_theme_role_name((enum md_theme_role)r)), r);
    assert_string_equal(md_theme_role_name(MD_THEME_SELECTION_UNFOCUSED), "selection_unfocused");
    assert_string_equal(md_theme_role_name(MD_THEME_MARK), "mark");
    assert_int_equal(md_theme_role_parse("nope"), -1);
    assert_int_equal(md_theme_role_parse(NULL), -1);
    struct md_theme t = {0};
    md_theme_release(&t); /* zeroed is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_default_matches_builtin),
        cmocka_unit_test(test_shipped_mono_matches_builtin),
        cmocka_unit_test(test_shipped_light_and_solarized),
        cmocka_unit_test(test_style_strings),
        cmocka_unit_test(test_partial_theme_keeps_defaults),
        cmocka_unit_test(test_palette_and_anchors),
        cmocka_unit_test(test_error_positions_exact),
        cmocka_unit_test(test_load_search_order),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(tests, setup, tu_tmpdir_teardown);
}

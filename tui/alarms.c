/*
 * alarms.c - the platforms' alarms as the console shows them: a cell on the
 * Overview, a count in the header, a section on the endpoint screen. Only
 * firing alarms take the bad role; quiet ones stay out of the way.
 */
#include "alarms.h"

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "theme_curses.h"

static bool on(const struct md_alarm *a, const char *endpoint)
{
    return !strcmp(a->target ? a->target : "", endpoint);
}

bool alarms_watched(const md_deck *d)
{
    size_t nb = md_deck_backend_count(d);
    for (size_t bi = 0; bi < nb; bi++) {
        struct md_backend_status st;
        if (md_deck_backend_status(d, bi, &st) && (st.caps & MD_CAP_ALARMS))
            return true;
    }
    return false;
}

void alarms_cell(const md_deck *d, size_t bi, const char *endpoint, char *buf, size_t len,
                 enum md_theme_role *role)
{
    struct md_backend_status st;
    *role = MD_THEME_DIM;
    if (!md_deck_backend_status(d, bi, &st) || !(st.caps & MD_CAP_ALARMS)) {
        snprintf(buf, len, "n/a");
        return;
    }
    const struct md_alarm_list *l = md_deck_alarms(d, bi);
    if (!l) {
        bool failed = *md_deck_alarms_error(d, bi) != '\0';
        snprintf(buf, len, "%s", failed ? text_glyph("\u2716 error", "x error") : "...");
        *role = failed ? MD_THEME_ERROR : MD_THEME_DIM;
        return;
    }
    size_t n = 0;
    size_t firing = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!on(&l->v[i], endpoint))
            continue;
        n++;
        firing += l->v[i].state == MD_ALARM_ALARM;
    }
    if (firing) {
        snprintf(buf, len, "%zu ALARM%s", firing, firing == 1 ? "" : "S");
        *role = MD_THEME_STATUS_FAIL;
    } else if (n) {
        snprintf(buf, len, "ok");
        *role = MD_THEME_STATUS_OK;
    } else {
        snprintf(buf, len, "%s", text_glyph("\u2013", "-"));
    }
}

size_t alarms_firing_total(const md_deck *d)
{
    size_t n = 0;
    size_t nb = md_deck_backend_count(d);
    for (size_t bi = 0; bi < nb; bi++)
        n += md_deck_alarms_firing(d, bi, NULL);
    return n;
}

int alarms_section_rows(const md_deck *d, size_t bi, const char *endpoint)
{
    const struct md_alarm_list *l = md_deck_alarms(d, bi);
    int n = 1;
    for (size_t i = 0; l && i < l->n; i++)
        n += on(&l->v[i], endpoint);
    return n < 2 ? 2 : n;
}

static enum md_theme_role state_role(enum md_alarm_state s)
{
    switch (s) {
    case MD_ALARM_ALARM:
        return MD_THEME_STATUS_FAIL;
    case MD_ALARM_OK:
        return MD_THEME_STATUS_OK;
    default:
        return MD_THEME_STATUS_WARN;
    }
}

int alarms_draw_section(const md_deck *d, size_t bi, const char *endpoint, WINDOW *w, int y,
                        int rows, int width)
{
    if (rows < 2)
        return y;
    const struct md_alarm_list *l = md_deck_alarms(d, bi);
    const char *err = md_deck_alarms_error(d, bi);
    size_t firing = md_deck_alarms_firing(d, bi, endpoint);
    char buf[768];
    snprintf(buf, sizeof(buf), "%s alarms (platform): %zu firing", text_glyph("\u2500\u2500", "--"),
             firing);
    text_fill(w, y, 0, width, ui_attr(MD_THEME_COLUMN_HEADER));
    text_put(w, y++, 0, width, buf, ui_attr(MD_THEME_COLUMN_HEADER), 0);
    int last = y + rows - 2;
    if (*err)
        text_put(w, y++, 2, width - 2, err, ui_attr(MD_THEME_ERROR), 0);
    if (!l) {
        if (!*err)
            text_put(w, y++, 2, width - 2, "loading alarms...", ui_attr(MD_THEME_DIM), 0);
        return y + 1;
    }
    bool any = false;
    for (size_t i = 0; i < l->n && y <= last; i++) {
        const struct md_alarm *a = &l->v[i];
        if (!on(a, endpoint))
            continue;
        any = true;
        char age[16] = "-";
        char at[32] = "-";
        if (a->since_ms > 0) {
            fmt_age(md_now_ms() - a->since_ms, age, sizeof(age));
            fmt_time(a->since_ms, at, sizeof(at));
        }
        const char *state = md_alarm_state_str(a->state);
        int x = 2 + text_put(w, y, 2, width - 2, state, ui_attr(state_role(a->state)) | A_BOLD, 0);
        snprintf(buf, sizeof(buf), "  %s  on %s%s%s  since %s ago (%s)  %s", a->name,
                 *a->deployment ? a->deployment : "endpoint", *a->metric ? " " : "", a->metric, age,
                 at, *a->reason ? a->reason : "");
        text_put(w, y++, x, width - x, buf, ui_attr(MD_THEME_NORMAL), 0);
    }
    if (!any)
        text_put(w, y++, 2, width - 2, "no alarm watches this endpoint", ui_attr(MD_THEME_DIM), 0);
    return y + 1;
}

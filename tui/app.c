/*
 * app.c - the reactor. Each pass: wait on the keyboard, the signal pipe and
 * the deck's network and timers (md_deck_poll); handle signals; drain keys
 * (handlers only set state and dirty flags); md_deck_run() and mark what
 * changed; then one ui_frame(). The deck never blocks, so a key is answered
 * on the next frame even when every server hangs.
 */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "commands.h"
#include "keymap.h"
#include "rollback.h"
#include "rollback_pick.h"
#include "text.h"
#include "theme_curses.h"
#include "ui.h"
#include "widget_table.h"

#define TICK_MS 1000
#define SPIN_MS 120

static int g_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t g_curses_on;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (g_sigpipe[1] >= 0 && write(g_sigpipe[1], &b, 1) < 0) {
        /* the pipe is full: a byte is already waiting, which is enough */
    }
    errno = saved;
}

/* Give the terminal back before dying, so the shell is usable afterwards. */
static void restore_terminal(void)
{
    if (g_curses_on) {
        g_curses_on = 0;
        endwin();
    }
}

#if !defined(__SANITIZE_ADDRESS__)
static void on_crash(int sig)
{
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

static const int handled_signals[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};

static bool signals_start(void)
{
    if (pipe(g_sigpipe) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        fcntl(g_sigpipe[i], F_SETFL, fcntl(g_sigpipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(g_sigpipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < MD_ARRAY_LEN(handled_signals); i++)
        sigaction(handled_signals[i], &sa, NULL);
#if !defined(__SANITIZE_ADDRESS__)
    static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < MD_ARRAY_LEN(crash_signals); i++)
        sigaction(crash_signals[i], &sa, NULL);
#endif
    return true;
}

static void signals_stop(void)
{
    for (size_t i = 0; i < MD_ARRAY_LEN(handled_signals); i++)
        signal(handled_signals[i], SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (g_sigpipe[i] >= 0)
            close(g_sigpipe[i]);
        g_sigpipe[i] = -1;
    }
}

static void resize(struct app *a)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    ui_layout(a);
}

static void handle_signals(struct app *a)
{
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(g_sigpipe[0], buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == SIGWINCH)
                resize(a);
            else
                a->quit = true;
        }
    }
}

static void react(struct app *a, unsigned r)
{
    struct view *v = ui_top(a);
    if (r & REACT_QUIT)
        a->quit = true;
    if (r & REACT_POP)
        ui_pop(a);
    if (r & REACT_LAYOUT)
        ui_layout(a);
    if (r & REACT_REDRAW) {
        v = ui_top(a);
        if (v)
            v->dirty = true;
        a->dirty |= UI_DIRTY_FOOTER | UI_DIRTY_STATUS;
    }
    if (r & REACT_FETCH)
        a->dirty |= UI_DIRTY_HEADER;
}

static struct table *top_table(struct app *a)
{
    struct view *v = ui_top(a);
    return v && v->ops->table ? v->ops->table(v) : NULL;
}

static unsigned global_action(struct app *a, enum km_action act)
{
    struct table *t = top_table(a);
    switch (act) {
    case ACT_QUIT:
        return REACT_QUIT;
    case ACT_BACK:
        if (t && t->filter) {
            table_set_filter(t, NULL);
            return REACT_HANDLED | REACT_REDRAW;
        }
        if (a->depth > 1)
            return REACT_HANDLED | REACT_POP;
        return REACT_HANDLED;
    case ACT_COMMAND:
        cmdline_open(&a->cmd, CMDLINE_COMMAND, NULL);
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_FILTER:
        if (!t) {
            ui_status(a, MD_THEME_DIM, "nothing to filter on this screen");
            return REACT_HANDLED;
        }
        cmdline_open(&a->cmd, CMDLINE_FILTER, table_filter(t));
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_HELP:
        if (ui_top(a)->ops != &view_help_ops)
            ui_push(a, view_help_ops.create(a));
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_REFRESH:
        md_deck_refresh(a->deck);
        ui_status(a, MD_THEME_DIM, "refreshing");
        return REACT_HANDLED | REACT_FETCH;
    case ACT_TIMELINE:
        if (ui_top(a)->ops != &view_timeline_ops) {
            ui_pop_to_root(a);
            ui_push(a, view_timeline_new(a, NULL));
        }
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        a->dirty = UI_DIRTY_ALL;
        return REACT_HANDLED | REACT_REDRAW;
    default:
        return REACT_NONE;
    }
}

/* A key while ':' or '/' is open. The filter applies as it is typed. */
static unsigned cmdline_input(struct app *a, int key)
{
    enum cmdline_mode mode = a->cmd.mode;
    enum cmdline_result r = cmdline_key(&a->cmd, key, commands_complete, a);
    struct table *t = top_table(a);
    unsigned out = REACT_HANDLED | REACT_REDRAW;
    a->dirty |= UI_DIRTY_STATUS;
    if (mode == CMDLINE_FILTER) {
        if (t && r == CMDLINE_EDITED)
            table_set_filter(t, a->cmd.buf);
        if (t && r == CMDLINE_CANCEL)
            table_set_filter(t, NULL);
        struct view *v = ui_top(a);
        if (t && v && v->ops->on_change)
            v->ops->on_change(v, 0); /* the rows a filter needs may be on pages not loaded */
        if (r == CMDLINE_SUBMIT || r == CMDLINE_CANCEL)
            cmdline_close(&a->cmd);
        return out;
    }
    if (r == CMDLINE_SUBMIT) {
        char line[sizeof(a->cmd.buf)];
        snprintf(line, sizeof(line), "%s", a->cmd.buf);
        cmdline_close(&a->cmd);
        out |= mode == CMDLINE_PROMPT ? rollback_weights_submit(a, line) : commands_run(a, line);
    } else if (r == CMDLINE_CANCEL) {
        cmdline_close(&a->cmd);
        if (mode == CMDLINE_PROMPT)
            ui_status(a, MD_THEME_DIM, "cancelled: nothing changed");
    }
    return out;
}

static void handle_key(struct app *a, int key)
{
    if (key == KM_FN(KEY_RESIZE)) {
        ui_layout(a);
        return;
    }
    a->pending_cmd[0] = 0; /* the operator moved on */
    if (a->too_small) {
        if (key == 'q')
            a->quit = true;
        return;
    }
    if (a->dialog) {
        react(a, rollback_dialog_key(a, key));
        return;
    }
    if (a->cmd.mode != CMDLINE_OFF) {
        react(a, cmdline_input(a, key));
        return;
    }
    struct view *v = ui_top(a);
    const struct km_entry *e = km_lookup(v->ops->keys, key);
    if (!e && v->ops->table_nav)
        e = km_lookup(&km_table_nav, key);
    unsigned r = e ? v->ops->key(v, e->action) : 0;
    if (!(r & REACT_HANDLED)) {
        e = km_lookup(&km_global, key);
        if (e)
            r |= global_action(a, e->action);
    }
    react(a, r);
}

/*
 * Drain the keys that are there. A paste of thousands must not starve the
 * network, so at most a budget per pass; returns true when keys are left
 * (they may sit in curses' buffer, where poll() cannot see them).
 */
static bool read_keys(struct app *a)
{
    wint_t ch;
    int rc;
    for (int budget = 256; budget > 0; budget--) {
        if (a->quit || (rc = wget_wch(a->input, &ch)) == ERR)
            return false;
        handle_key(a, km_from_curses(rc, (unsigned)ch));
    }
    return true;
}

static void on_changes(struct app *a, unsigned mask)
{
    a->dirty |= UI_DIRTY_HEADER;
    if (mask & MD_CHANGED_ACTION)
        rollback_on_change(a);
    if (a->pick)
        react(a, rollback_pick_on_change(a, mask));
    struct view *v = ui_top(a);
    if (v && v->ops->on_change)
        v->ops->on_change(v, mask);
    if (a->pending_cmd[0] && (mask & (MD_CHANGED_EXPERIMENTS | MD_CHANGED_MODELS |
                                      MD_CHANGED_BACKENDS | MD_CHANGED_ENDPOINTS))) {
        char line[sizeof(a->pending_cmd)];
        snprintf(line, sizeof(line), "%s", a->pending_cmd);
        a->pending_cmd[0] = 0;
        a->status_msg[0] = 0;
        react(a, commands_run(a, line));
    }
}

struct clock {
    int64_t last_tick;
    int64_t last_spin;
};

/* Timers: ages once a second, the spinner, the status line's expiry (the deck refreshes itself). */
static int tick(struct app *a, struct clock *c)
{
    int64_t now = md_mono_ms();
    int timeout = TICK_MS - (int)(now - c->last_tick);
    if (now - c->last_tick >= TICK_MS) {
        c->last_tick = now;
        a->dirty |= UI_DIRTY_HEADER | UI_DIRTY_BODY; /* ages */
        timeout = TICK_MS;
    }
    if (md_deck_pending(a->deck) > 0) {
        if (now - c->last_spin >= SPIN_MS) {
            a->spin++;
            c->last_spin = now;
            a->dirty |= UI_DIRTY_HEADER;
        }
        if (timeout > SPIN_MS)
            timeout = SPIN_MS;
    }
    if (a->status_until) {
        if (now >= a->status_until) {
            a->status_msg[0] = 0;
            a->status_until = 0;
            a->dirty |= UI_DIRTY_STATUS;
        } else if (a->status_until - now < timeout) {
            timeout = (int)(a->status_until - now);
        }
    }
    return timeout > 0 ? timeout : 1;
}

static void switch_now(struct app *a);

static void loop(struct app *a)
{
    struct clock c = {.last_tick = md_mono_ms(), .last_spin = md_mono_ms()};
    bool more_keys = false;
    while (!a->quit) {
        ui_frame(a);
        if (a->opts->max_frames > 0 && a->frames >= a->opts->max_frames)
            break;
        if (a->switch_to[0]) {
            switch_now(a); /* "switching to" is on screen: build, then draw the new deck */
            continue;
        }
        int timeout = tick(a, &c);
        /* The top view may wait on a worker too (drift runs off the screen thread). */
        struct view *top = ui_top(a);
        int vfd = top && top->ops->wait_fd ? top->ops->wait_fd(top) : -1;
        struct md_pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0}, {g_sigpipe[0], POLLIN, 0}, {vfd, POLLIN, 0}};
        md_deck_poll(a->deck, fds, vfd >= 0 ? 3 : 2, a->dirty || more_keys ? 0 : timeout);
        if (fds[1].revents & POLLIN)
            handle_signals(a);
        if (vfd >= 0 && (fds[2].revents & POLLIN) && ui_top(a) == top)
            react(a, top->ops->on_fd(top));
        more_keys = read_keys(a);
        unsigned mask = md_deck_run(a->deck);
        if (mask)
            on_changes(a, mask);
    }
}

/* While curses owns the screen, stray writes to a terminal stderr would tear it. */
static int stderr_hide(void)
{
    if (!isatty(STDERR_FILENO))
        return -1;
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        saved = -1;
    }
    if (null >= 0)
        close(null);
    return saved;
}

static void stderr_restore(int saved)
{
    if (saved < 0)
        return;
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static bool screen_start(struct app *a)
{
    a->screen = newterm(NULL, stdout, stdin);
    if (!a->screen)
        return false;
    g_curses_on = 1;
    md_set_oom_hook(restore_terminal);
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    curs_set(0);
    text_set_ascii(a->ascii);
    theme_curses_init(a->opts->theme, a->opts->no_color);
    a->input = newpad(1, 1);
    keypad(a->input, TRUE);
    nodelay(a->input, TRUE);
    ui_layout(a);
    return true;
}

static void screen_stop(struct app *a)
{
    ui_free_windows(a);
    if (a->input)
        delwin(a->input);
    a->input = NULL;
    restore_terminal();
    if (a->screen)
        delscreen(a->screen);
    a->screen = NULL;
}

/* Whether the deck may be replaced by context `name` now. */
static bool switch_allowed(struct app *a, const char *name, struct md_err *err)
{
    const struct md_config *cfg = a->opts->config;
    struct md_action_state as;
    md_action_state(a->actions, &as);
    if (!cfg || !md_config_context(cfg, name)) {
        md_err_set(err, MD_ERR_NOT_FOUND, "no context '%s' in the configuration", name);
        return false;
    }
    if (as.phase == MD_ACTION_RUNNING || as.phase == MD_ACTION_VERIFYING) {
        md_err_set(err, MD_ERR_INVALID, "an action is still running; switch when it is done");
        return false;
    }
    return true;
}

bool app_request_switch(struct app *a, const char *name, struct md_err *err)
{
    if (!switch_allowed(a, name, err))
        return false;
    if (strlen(name) >= sizeof(a->switch_to)) {
        md_err_set(err, MD_ERR_INVALID, "context name too long");
        return false;
    }
    snprintf(a->switch_to, sizeof(a->switch_to), "%s", name);
    ui_status_sticky(a, MD_THEME_DIM, "switching to %s%s", name, text_glyph("\u2026", "..."));
    return true;
}

/* The switch asked for by app_request_switch(), after its frame was drawn. */
static void switch_now(struct app *a)
{
    char name[sizeof(a->switch_to)];
    snprintf(name, sizeof(name), "%s", a->switch_to);
    a->switch_to[0] = 0;
    struct md_err err = MD_ERR_INIT;
    if (!app_switch_context(a, name, &err))
        ui_status(a, MD_THEME_ERROR, "cannot switch to context '%s': %s", name, err.msg);
    else
        ui_status(a, MD_THEME_DIM, "context '%s'", md_deck_context_name(a->deck));
    a->dirty |= UI_DIRTY_ALL;
}

bool app_switch_context(struct app *a, const char *name, struct md_err *err)
{
    const struct md_config *cfg = a->opts->config;
    if (!switch_allowed(a, name, err))
        return false;
    struct md_deck_opts dopts = {
        .config = cfg,
        .context = name,
        .state_path = a->opts->state_path,
        .read_only = a->opts->read_only,
    };
    md_deck *fresh = NULL;
    md_actions *fresh_actions = NULL;
    if (md_deck_new(&fresh, &dopts, err) != MD_OK)
        return false;
    if (md_actions_new(&fresh_actions, fresh, err) != MD_OK) {
        md_deck_free(fresh);
        return false;
    }
    rollback_close(a);
    cmdline_close(&a->cmd);
    a->pending_cmd[0] = 0;
    while (a->depth > 0) {
        struct view *v = a->stack[--a->depth];
        v->ops->free(v);
    }
    md_actions_free(a->actions);
    md_deck_free(a->deck);
    a->deck = fresh;
    a->actions = fresh_actions;
    a->last_phase = MD_ACTION_IDLE;
    md_deck_refresh(fresh); /* also settles pending audit entries (action.h) */
    ui_push(a, view_overview_ops.create(a));
    a->dirty = UI_DIRTY_ALL;
    return true;
}

int app_run(md_deck **deck, md_actions **actions, const struct app_opts *opts)
{
    struct app a;
    memset(&a, 0, sizeof(a));
    a.deck = *deck;
    a.actions = *actions;
    a.opts = opts;
    a.ascii = opts->ascii;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "mldeck: the console needs a terminal; use 'mldeck get ...' in scripts\n");
        return 2;
    }
    if (!signals_start()) {
        fprintf(stderr, "mldeck: cannot create the signal pipe: %s\n", strerror(errno));
        return 1;
    }
    int saved_stderr = stderr_hide();
    if (!screen_start(&a)) {
        stderr_restore(saved_stderr);
        signals_stop();
        fprintf(stderr, "mldeck: cannot start the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        return 1;
    }
    ui_push(&a, view_overview_ops.create(&a));
    if (opts->initial_view && !commands_open_initial(&a, opts->initial_view))
        ui_status(&a, MD_THEME_ERROR, "unknown view '%s'", opts->initial_view);
    loop(&a);
    rollback_close(&a);
    while (a.depth > 0) {
        struct view *v = a.stack[--a.depth];
        v->ops->free(v);
    }
    screen_stop(&a);
    stderr_restore(saved_stderr);
    signals_stop();
    *deck = a.deck;
    *actions = a.actions;
    return 0;
}

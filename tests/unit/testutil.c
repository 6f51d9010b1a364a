/*
 * testutil.c - the shared unit-test helpers (testutil.h). One copy of each,
 * linked into every test binary by the Makefile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mldeck/drift.h"
#include "testutil.h"

/* ---- paths --------------------------------------------------------------------------------- */

/* The next buffer of the ring, filled with prefix + the formatted rest. */
__attribute__((format(printf, 2, 0))) static const char *ring_format(const char *prefix,
                                                                     const char *fmt, va_list ap)
{
    static char ring[TU_PATH_RING][4096];
    static unsigned next;
    char *buf = ring[next++ % TU_PATH_RING];
    int n = snprintf(buf, sizeof(ring[0]), "%s", prefix);
    int m = vsnprintf(buf + n, sizeof(ring[0]) - (size_t)n, fmt, ap);
    if (m < 0 || (size_t)(n + m) >= sizeof(ring[0]))
        fail_msg("path too long: %s...", buf);
    return buf;
}

const char *tu_path(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *p = ring_format("", fmt, ap);
    va_end(ap);
    return p;
}

const char *tu_srcpath(const char *fmt, ...)
{
    const char *root = getenv("MLDECK_SRCDIR");
    char prefix[2048];
    snprintf(prefix, sizeof(prefix), "%s%s", root && *root ? root : "", root && *root ? "/" : "");
    va_list ap;
    va_start(ap, fmt);
    const char *p = ring_format(prefix, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- scratch directories ------------------------------------------------------------------- */

int tu_mkdtemp(char *dir, size_t size, const char *tag)
{
    int n = snprintf(dir, size, "/tmp/mldeck-%s-XXXXXX", tag);
    if (n < 0 || (size_t)n >= size || mkdtemp(dir) == NULL) {
        if (size)
            dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* nftw callback: files before their directory (FTW_DEPTH), so remove() does both. */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int tu_rm_rf(const char *path)
{
    struct stat st;
    if (path == NULL || path[0] == '\0' || lstat(path, &st) != 0)
        return 0;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

char tu_tmpdir[64];

int tu_tmpdir_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tu_tmpdir, sizeof(tu_tmpdir), program_invocation_short_name);
}

int tu_tmpdir_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tu_tmpdir);
}

/* ---- files ---------------------------------------------------------------------------------- */

char *tu_try_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t alloc = 8192;
    size_t n = 0;
    char *buf = malloc(alloc);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, alloc - n - 1, f)) > 0) {
        n += got;
        if (n + 1 >= alloc) {
            alloc *= 2;
            buf = realloc(buf, alloc);
            assert_non_null(buf);
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed)
        fail_msg("cannot read '%s'", path);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *tu_read_file(const char *path, size_t *len)
{
    char *buf = tu_try_read_file(path, len);
    if (buf == NULL)
        fail_msg("cannot open '%s'", path);
    return buf;
}

const char *tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fail_msg("cannot write '%s'", path);
    fputs(text, f);
    if (fclose(f) != 0)
        fail_msg("cannot write '%s'", path);
    return path;
}

const char *tu_tmpfile(const char *name, const char *text)
{
    return tu_write_file(tu_path("%s/%s", tu_tmpdir, name), text);
}

/* ---- environment ---------------------------------------------------------------------------- */

void tu_unsetenv(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        unsetenv(names[i]);
}

/* ---- numbers --------------------------------------------------------------------------------- */

void tu_near_at(double got, double want, double tol, const char *what, const char *file, int line)
{
    bool ok = got == want || (isnan(got) && isnan(want)) || fabs(got - want) <= tol;
    if (!ok)
        fail_msg("%s:%d: %s = %.17g, want %.17g (tol %g)", file, line, what, got, want, tol);
}

/* ---- time ------------------------------------------------------------------------------------ */

void tu_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- drift results --------------------------------------------------------------------------- */

const struct md_drift_feature *tu_drift_feature(const struct md_drift_window *w, const char *name)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->f[i].name, name))
            return &w->f[i];
    fail_msg("no feature '%s'", name);
    return NULL;
}

/* ---- a loopback HTTP server ------------------------------------------------------------------ */

#define SRV_BUF 65536

struct srv_reply {
    char *raw;
    size_t len;
    int delay_ms;
};

struct srv_conn {
    int fd;
    size_t len;
    char buf[SRV_BUF];
};

struct tu_srv {
    int lfd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool release; /* lets replies queued with delay_ms < 0 go */
    pthread_mutex_t mu;
    struct srv_reply script[TU_SRV_MAX];
    int nscript;
    int next;
    struct tu_srv_rec recs[TU_SRV_MAX];
    int nrecs;
    struct srv_conn conns[TU_SRV_MAX];
};

static void queue(struct tu_srv *s, char *raw, size_t len, int delay_ms)
{
    pthread_mutex_lock(&s->mu);
    bool room = s->nscript < TU_SRV_MAX;
    if (room)
        s->script[s->nscript++] = (struct srv_reply){raw, len, delay_ms};
    pthread_mutex_unlock(&s->mu);
    if (!room) {
        free(raw);
        fail_msg("more than %d scripted replies", TU_SRV_MAX);
    }
}

void tu_srv_reply(struct tu_srv *s, int delay_ms, const char *status, const char *extra,
                  const char *body)
{
    char *raw = NULL;
    int n = asprintf(&raw, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s\r\n%s", status, strlen(body),
                     extra ? extra : "", body);
    assert_true(n > 0);
    queue(s, raw, (size_t)n, delay_ms);
}

void tu_srv_reply_raw(struct tu_srv *s, char *raw)
{
    queue(s, raw, strlen(raw), 0);
}

void tu_srv_release(struct tu_srv *s)
{
    atomic_store(&s->release, true);
}

int tu_srv_port(const struct tu_srv *s)
{
    return s->port;
}

int tu_srv_count(struct tu_srv *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->nrecs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const struct tu_srv_rec *tu_srv_rec(struct tu_srv *s, int i)
{
    int n = tu_srv_count(s);
    if (i < 0 || i >= n)
        fail_msg("request %d asked for, %d arrived", i, n);
    return &s->recs[i];
}

bool tu_srv_has_header(const struct tu_srv_rec *r, const char *line)
{
    char pat[600];
    snprintf(pat, sizeof(pat), "\r\n%s\r\n", line);
    return strcasestr(r->headers, pat) != NULL;
}

/* A complete request sits at the start of c->buf: record it, answer it, drop it. */
static bool srv_serve_one(struct tu_srv *s, struct srv_conn *c)
{
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end)
        return false;
    size_t hlen = (size_t)(end - c->buf) + 4;
    size_t clen = 0;
    end[2] = '\0';
    char *cl = strcasestr(c->buf, "\r\nContent-Length:");
    if (cl)
        clen = strtoul(cl + 17, NULL, 10);
    end[2] = '\r';
    if (c->len < hlen + clen)
        return false;

    struct srv_reply rep = {NULL, 0, 0};
    pthread_mutex_lock(&s->mu);
    if (s->nrecs < TU_SRV_MAX) {
        struct tu_srv_rec *r = &s->recs[s->nrecs++];
        sscanf(c->buf, "%15s %511s", r->method, r->target);
        size_t n = hlen < sizeof(r->headers) - 1 ? hlen : sizeof(r->headers) - 1;
        memcpy(r->headers, c->buf, n);
        r->headers[n] = '\0';
        r->body_len = clen < sizeof(r->body) - 1 ? clen : sizeof(r->body) - 1;
        memcpy(r->body, c->buf + hlen, r->body_len);
        r->body[r->body_len] = '\0';
    }
    if (s->next < s->nscript)
        rep = s->script[s->next++];
    pthread_mutex_unlock(&s->mu);

    memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
    c->len -= hlen + clen;
    for (int t = 0; t < rep.delay_ms && !atomic_load(&s->stop); t += 10)
        tu_sleep_ms(10);
    while (rep.delay_ms < 0 && !atomic_load(&s->release) && !atomic_load(&s->stop))
        tu_sleep_ms(5);
    static const char unscripted[] = "HTTP/1.1 599 Unscripted\r\nContent-Length: 0\r\n\r\n";
    const char *out = rep.raw ? rep.raw : unscripted;
    size_t left = rep.raw ? rep.len : strlen(unscripted);
    while (left > 0) {
        ssize_t w = send(c->fd, out, left, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        out += w;
        left -= (size_t)w;
    }
    if (!rep.raw || strcasestr(rep.raw, "\r\nConnection: close\r\n")) {
        close(c->fd);
        c->fd = -1;
        return false;
    }
    return true;
}

/* The server thread: poll the listener and every connection, 20 ms at a time, until stop. */
static void *srv_main(void *arg)
{
    struct tu_srv *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p[TU_SRV_MAX + 1];
        int map[TU_SRV_MAX + 1];
        nfds_t n = 0;
        p[n] = (struct pollfd){s->lfd, POLLIN, 0};
        map[n++] = -1;
        for (int i = 0; i < TU_SRV_MAX; i++) {
            if (s->conns[i].fd >= 0) {
                p[n] = (struct pollfd){s->conns[i].fd, POLLIN, 0};
                map[n++] = i;
            }
        }
        if (poll(p, n, 20) <= 0)
            continue;
        for (nfds_t k = 0; k < n; k++) {
            if (!p[k].revents)
                continue;
            if (map[k] < 0) {
                int fd = accept(s->lfd, NULL, NULL);
                for (int i = 0; fd >= 0 && i < TU_SRV_MAX; i++) {
                    if (s->conns[i].fd < 0) {
                        s->conns[i].fd = fd;
                        s->conns[i].len = 0;
                        fd = -1;
                    }
                }
                if (fd >= 0)
                    close(fd);
                continue;
            }
            struct srv_conn *c = &s->conns[map[k]];
            ssize_t r = recv(c->fd, c->buf + c->len, SRV_BUF - c->len, 0);
            if (r <= 0) {
                close(c->fd);
                c->fd = -1;
                continue;
            }
            c->len += (size_t)r;
            while (c->fd >= 0 && srv_serve_one(s, c))
                ;
        }
    }
    return NULL;
}

struct tu_srv *tu_srv_start(void)
{
    struct tu_srv *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    pthread_mutex_init(&s->mu, NULL);
    for (int i = 0; i < TU_SRV_MAX; i++)
        s->conns[i].fd = -1;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->lfd, 16), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
    return s;
}

void tu_srv_stop(struct tu_srv *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < TU_SRV_MAX; i++) {
        if (s->conns[i].fd >= 0)
            close(s->conns[i].fd);
    }
    close(s->lfd);
    for (int i = 0; i < s->nscript; i++)
        free(s->script[i].raw);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/*
 * testutil.h - the helpers every cmocka unit test shares: paths, scratch
 * directories, whole files, the environment, approximate numbers, and a
 * loopback HTTP server that replays scripted replies and records requests.
 *
 * The Makefile links every non-test_*.c file of tests/unit into each test
 * binary, so a test only includes this header. Helpers that can fail fail
 * the running test (cmocka fail_msg) unless their comment says otherwise.
 * Tests run from the repository root, or with MLDECK_SRCDIR naming it.
 */
#ifndef MLDECK_TESTUTIL_H
#define MLDECK_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* ---- paths --------------------------------------------------------------------------------- */

/*
 * Paths are formatted into one of TU_PATH_RING static buffers, used in turn:
 * a returned path stays valid for the next TU_PATH_RING - 1 calls of
 * tu_path/tu_srcpath, long enough for the few a test holds at once, and
 * never needs freeing. A path longer than a buffer fails the test.
 */
#define TU_PATH_RING 16

/* The printf-formatted path, e.g. tu_path("%s/cfg.yaml", dir). */
const char *tu_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path in the source tree: "$MLDECK_SRCDIR/REL", or REL as is (relative to the root). */
const char *tu_srcpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- scratch directories ------------------------------------------------------------------- */

/*
 * Creates a fresh directory /tmp/mldeck-TAG-XXXXXX (mode 0700) and writes its
 * path into dir[size]. Returns 0, or -1 when it cannot (the cmocka setup
 * convention), leaving dir empty.
 */
int tu_mkdtemp(char *dir, size_t size, const char *tag);

/* rm -rf PATH without following symbolic links; 0, also when PATH is gone, else -1. */
int tu_rm_rf(const char *path);

/*
 * A test binary's scratch directory: tu_tmpdir_setup and tu_tmpdir_teardown
 * are cmocka setup/teardown functions (for a group or for each test) that
 * create /tmp/mldeck-PROGRAM-XXXXXX into tu_tmpdir and remove it with all it
 * holds.
 */
extern char tu_tmpdir[64];
int tu_tmpdir_setup(void **state);
int tu_tmpdir_teardown(void **state);

/* Writes tu_tmpdir/name with text (tu_write_file); returns its path (tu_path). */
const char *tu_tmpfile(const char *name, const char *text);

/* ---- files ---------------------------------------------------------------------------------- */

/*
 * The whole file, NUL-terminated, with its length (without the NUL) in *len
 * when len is non-NULL; malloc'd, free() it. Fails the test when the file
 * cannot be read.
 */
char *tu_read_file(const char *path, size_t *len);

/* The same, but NULL when the file cannot be opened. */
char *tu_try_read_file(const char *path, size_t *len);

/* Creates or truncates PATH with TEXT; fails the test when it cannot. Returns PATH. */
const char *tu_write_file(const char *path, const char *text);

/* ---- environment ---------------------------------------------------------------------------- */

/* Unsets the n variables of names[], so nothing from the outside decides a test. */
void tu_unsetenv(const char *const *names, size_t n);

/* ---- numbers --------------------------------------------------------------------------------- */

/* got within tol of want; NaN matches NaN and an infinity itself. Fails naming the expression. */
#define tu_near(got, want, tol) tu_near_at((got), (want), (tol), #got, __FILE__, __LINE__)
void tu_near_at(double got, double want, double tol, const char *what, const char *file, int line);

/* ---- time ------------------------------------------------------------------------------------ */

/* Sleeps ms milliseconds. */
void tu_sleep_ms(int ms);

/* ---- drift results --------------------------------------------------------------------------- */

struct md_drift_window;
struct md_drift_feature;

/* The feature of window w called name; fails the test when there is none. Lent from w. */
const struct md_drift_feature *tu_drift_feature(const struct md_drift_window *w, const char *name);

/* ---- a loopback HTTP server ------------------------------------------------------------------ */

/*
 * A thread on 127.0.0.1 (a free port) answering requests in arrival order
 * with the replies queued by tu_srv_reply*, "599 Unscripted" (and a closed
 * connection) once they run out. Connections are kept alive unless a reply
 * says "Connection: close".
 * At most TU_SRV_MAX replies are queued and TU_SRV_MAX requests recorded.
 */
#define TU_SRV_MAX 16

struct tu_srv;

/* One recorded request; headers holds the request line and headers, CRLFs kept. */
struct tu_srv_rec {
    char method[16];
    char target[512];
    char headers[4096];
    char body[8192];
    size_t body_len;
};

/* Starts a server; tu_srv_stop() stops it and frees it. */
struct tu_srv *tu_srv_start(void);
void tu_srv_stop(struct tu_srv *s);

/* The port it listens on. */
int tu_srv_port(const struct tu_srv *s);

/*
 * Queues a reply "HTTP/1.1 STATUS" with a correct Content-Length, the header
 * lines of extra (each ending in CRLF; NULL for none) and body. It is sent
 * delay_ms after its request arrives; delay_ms < 0 holds it until
 * tu_srv_release().
 */
void tu_srv_reply(struct tu_srv *s, int delay_ms, const char *status, const char *extra,
                  const char *body);

/* Queues raw reply bytes as they are (replies without Content-Length); takes raw (malloc'd). */
void tu_srv_reply_raw(struct tu_srv *s, char *raw);

/* Lets the replies queued with delay_ms < 0 go. */
void tu_srv_release(struct tu_srv *s);

/* How many requests arrived so far. */
int tu_srv_count(struct tu_srv *s);

/* The i-th recorded request (0 first); fails the test when fewer arrived. Lent from s. */
const struct tu_srv_rec *tu_srv_rec(struct tu_srv *s, int i);

/* Whether the request carries exactly this header line ("Name: value"; name in any case). */
bool tu_srv_has_header(const struct tu_srv_rec *r, const char *line);

#endif

/*
 * store_file.c - the state file as a file (store_int.h): where it goes, whether this
 * process may write it, and moving a corrupt one aside when the user consents.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

md_status md_store_file_mkdirs(const char *path, struct md_err *err)
{
    char *dir = md_xstrdup(path);
    char *slash = strrchr(dir, '/');
    md_status ret = MD_OK;
    if (!slash || slash == dir) {
        free(dir);
        return MD_OK;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            ret = md_err_set(err, MD_ERR_IO, "cannot create directory '%s': %s", dir,
                             strerror(errno));
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(dir);
    return ret;
}

/*
 * Created here, empty, so it is 0600 from its first instant: SQLite would create
 * it 0644 less umask, and its -wal/-shm files copy the main file's mode.
 */
md_status md_store_file_create(const char *path, struct md_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return MD_OK;
    }
    if (errno == EEXIST)
        return MD_OK;
    return md_err_set(err, MD_ERR_IO, "cannot create state '%s': %s", path, strerror(errno));
}

/* Asked of the kernel (access), not read from mode bits: root writes through a 0444 file. */
bool md_store_file_writable(const char *path)
{
    if (access(path, W_OK) != 0)
        return false;
    char *dir = md_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, 2, ".");
    else if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    bool ok = access(dir, W_OK) == 0;
    free(dir);
    return ok;
}

bool md_store_file_beside(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *p = md_xmalloc(n);
    snprintf(p, n, "%s%s", path, suffix);
    bool there = access(p, F_OK) == 0;
    free(p);
    return there;
}

char *md_store_file_immutable_uri(const char *path)
{
    struct md_buf b;
    md_buf_init(&b, strlen(path) * 3 + 64);
    md_buf_adds(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20 || *p >= 0x7f) {
            md_buf_addf(&b, "%%%02X", *p);
        } else {
            md_buf_add(&b, (const char *)p, 1);
        }
    }
    md_buf_adds(&b, "?immutable=1");
    return md_buf_detach(&b, NULL);
}

/* Rename from -> to when from exists; ENOENT is no error (no -wal beside a clean file). */
static md_status move_if_there(const char *from, const char *to, struct md_err *err)
{
    if (rename(from, to) == 0 || errno == ENOENT)
        return MD_OK;
    return md_err_set(err, MD_ERR_IO, "cannot move '%s' aside to '%s': %s", from, to,
                      strerror(errno));
}

md_status md_store_file_move_aside(const char *path, char **aside_out, struct md_err *err)
{
    *aside_out = NULL;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", localtime_r(&now, &tm));
    size_t cap = strlen(path) + 64;
    char *aside = md_xmalloc(cap);
    /* a second recovery within the same second must not overwrite the first one's copy */
    snprintf(aside, cap, "%s.corrupt-%s", path, stamp);
    for (int i = 1; access(aside, F_OK) == 0 && i < 1000; i++)
        snprintf(aside, cap, "%s.corrupt-%s-%d", path, stamp, i);
    char *from = md_xmalloc(cap);
    char *to = md_xmalloc(cap + 8);
    md_status st = MD_OK;
    /* The -wal holds committed pages of this file: it goes first, under the matching name,
     * so a fresh file can never pick it up. */
    static const char *const sides[] = {"-wal", "-shm"};
    for (size_t i = 0; !st && i < MD_ARRAY_LEN(sides); i++) {
        snprintf(from, cap, "%s%s", path, sides[i]);
        snprintf(to, cap + 8, "%s%s", aside, sides[i]);
        st = move_if_there(from, to, err);
    }
    if (!st && rename(path, aside) != 0)
        st = md_err_set(err, MD_ERR_IO, "cannot move the corrupt state file '%s' aside to '%s': %s",
                        path, aside, strerror(errno));
    free(from);
    free(to);
    if (st) {
        free(aside);
        return st;
    }
    *aside_out = aside;
    return MD_OK;
}

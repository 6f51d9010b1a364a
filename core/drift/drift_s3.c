/*
 * drift_s3.c - S3 as a source of drift input: which objects an s3:// URI
 * names, the stamp that tells an object already processed from a new one,
 * and local copies for the readers. See drift_int.h and the S3 notes in
 * mldeck/drift.h.
 *
 * Objects reach the readers as files, one at a time: each is downloaded in
 * bounded parts (mldeck/s3.h) into a directory only this process can read,
 * parsed by the same code as a local file, and deleted at once. Memory stays
 * at one part whatever the object size, disk at one object, and thousands
 * of tiny objects cost one GET each over a kept-alive connection.
 */
#include "drift_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mldeck/s3.h"

struct drift_s3 {
    md_s3 *client;
    md_status open_st; /* creation error, repeated to later callers */
    char open_msg[256];
    char *dir; /* mkdtemp() directory, made by the first download */
    unsigned seq;
};

md_status drift_s3_open(struct drift_s3 **s, const struct md_drift_opts *o, struct md_err *err)
{
    if (!*s) {
        struct drift_s3 *n = md_xcalloc(1, sizeof(*n));
        struct md_s3_opts so = {.profile = o->aws_profile,
                                .region = o->aws_region,
                                .endpoint_url = o->s3_endpoint_url,
                                .part_size = o->s3_part_size,
                                .cancel = o->cancel};
        struct md_err e = MD_ERR_INIT;
        n->open_st = md_s3_new(&n->client, &so, &e);
        snprintf(n->open_msg, sizeof(n->open_msg), "%s", e.msg);
        *s = n;
    }
    if ((*s)->open_st)
        return md_err_set(err, (*s)->open_st, "%s", (*s)->open_msg);
    return MD_OK;
}

void drift_s3_free(struct drift_s3 *s)
{
    if (!s)
        return;
    md_s3_free(s->client);
    if (s->dir) {
        /* Copies are deleted as soon as they are read; this catches one a failure left. */
        DIR *d = opendir(s->dir);
        for (struct dirent *e; d && (e = readdir(d));) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p = md_xasprintf("%s/%s", s->dir, e->d_name);
                unlink(p);
                free(p);
            }
        }
        if (d)
            closedir(d);
        rmdir(s->dir);
        free(s->dir);
    }
    free(s);
}

/* FNV-1a: a stable digest of the ETag, not a security property. */
int64_t drift_s3_stamp(int64_t mtime_ms, const char *etag)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)(etag ? etag : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return mtime_ms * 1000000 + (int64_t)(h % 1000000);
}

/*
 * Split an s3:// URI into bucket and key (malloc'd; free() both), or say
 * why not, naming it as `what`; with need_key a bare bucket is refused too.
 * On error both are NULL. The URI is cleaned before it enters a message.
 */
static md_status split_uri(const char *uri, const char *what, bool need_key, char **bucket,
                           char **key, struct md_err *err)
{
    struct md_err e = MD_ERR_INIT;
    if (!md_s3_uri_parse(uri, bucket, key, &e) && (!need_key || **key))
        return MD_OK;
    char *u = md_xstrdup_clean(uri);
    md_status st = md_err_set(err, MD_ERR_INVALID, "bad %s '%s': %s", what, u,
                              e.msg[0] ? e.msg : "no key after the bucket");
    free(u);
    free(*bucket);
    free(*key);
    *bucket = *key = NULL;
    return st;
}

/* The extensions the folder listing reads, as for local folders (drift_run.c). */
static const char *data_ext(const char *key)
{
    static const char *const ext[] = {".csv", ".jsonl", ".json", ".ndjson"};
    for (size_t i = 0; i < MD_ARRAY_LEN(ext); i++) {
        if (drift_ends_with(key, ext[i]))
            return ext[i];
    }
    return NULL;
}

/* A key the folder listing takes: a data file whose name is not hidden. */
static bool data_key(const char *key)
{
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    return *base && *base != '.' && data_ext(key);
}

struct list_ctx {
    const char *bucket;
    const char *prefix; /* as given */
    bool folder;        /* the URI ends in '/' or names the whole bucket */
    bool exact;         /* an object has exactly the key given */
    size_t data;        /* objects passed to fn */
    drift_s3_obj_fn fn;
    void *ud;
    bool stopped;
};

/* Hand one listed object to the caller's callback with its s3:// name and stamp. */
static int pass(struct list_ctx *c, const struct md_s3_object *o)
{
    char *path = md_xasprintf("s3://%s/%s", c->bucket, o->key);
    struct drift_s3_obj obj = {path, o->size, drift_s3_stamp(o->mtime_ms, o->etag), o->etag};
    c->data++;
    int rc = c->fn(c->ud, &obj);
    free(path);
    c->stopped = rc != 0;
    return rc;
}

/*
 * The exact key, if it comes first (it sorts before every longer key it
 * prefixes), is the one object named; otherwise keys under PREFIX/ are.
 */
static int on_object(void *ud, const struct md_s3_object *o)
{
    struct list_ctx *c = ud;
    size_t pn = strlen(c->prefix);
    if (!c->folder && c->data == 0 && !strcmp(o->key, c->prefix)) {
        c->exact = true;
        pass(c, o);
        return 1;
    }
    if (strncmp(o->key, c->prefix, pn) || (!c->folder && o->key[pn] != '/'))
        return 0; /* a sibling such as PREFIX2/...: not under PREFIX/ */
    if (!data_key(o->key) || o->size < 0)
        return 0;
    return pass(c, o);
}

md_status drift_s3_list(struct drift_s3 *s, const char *uri, drift_s3_obj_fn fn, void *ud,
                        struct md_drift_warnings *w, struct md_err *err)
{
    char *bucket, *key;
    md_status st = split_uri(uri, "current input", false, &bucket, &key, err);
    if (st)
        return st;
    size_t kn = strlen(key);
    struct list_ctx c = {.bucket = bucket,
                         .prefix = key,
                         .folder = kn == 0 || key[kn - 1] == '/',
                         .fn = fn,
                         .ud = ud};
    st = md_s3_list(s->client, bucket, key, 0, on_object, &c, NULL, err);
    if (!st && c.data == 0 && !c.stopped) {
        char *u = md_xstrdup_clean(uri);
        md_drift_warnings_add(w, "%s: no data objects (.csv, .jsonl, .json, .ndjson) %s", u,
                              c.folder ? "under this prefix" : "with this key or under it");
        free(u);
    }
    free(bucket);
    free(key);
    return st;
}

/* The first object of a listing, copied. */
static int on_first(void *ud, const struct md_s3_object *o)
{
    struct md_s3_object *f = ud;
    f->key = md_xstrdup(o->key);
    f->size = o->size;
    f->mtime_ms = o->mtime_ms;
    f->etag = md_xstrdup(o->etag);
    return 1;
}

md_status drift_s3_stat(struct drift_s3 *s, const char *uri, int64_t *size, int64_t *stamp,
                        char **etag, struct md_err *err)
{
    char *bucket, *key;
    *etag = NULL;
    md_status st = split_uri(uri, "S3 object", true, &bucket, &key, err);
    if (st)
        return st;
    /* A listing from the key itself starts with the object when it exists. */
    struct md_s3_object f = {NULL, -1, 0, NULL};
    st = md_s3_list(s->client, bucket, key, 1, on_first, &f, NULL, err);
    if (!st && (!f.key || strcmp(f.key, key) || f.size < 0)) {
        char *u = md_xstrdup_clean(uri);
        st = md_err_set(err, MD_ERR_NOT_FOUND, "cannot read %s: NoSuchKey: no object has this key",
                        u);
        free(u);
    }
    if (!st) {
        *size = f.size;
        *stamp = drift_s3_stamp(f.mtime_ms, f.etag);
        *etag = f.etag;
        f.etag = NULL;
    }
    free(f.key);
    free(f.etag);
    free(bucket);
    free(key);
    return st;
}

md_status drift_s3_fetch(struct drift_s3 *s, const char *uri, int64_t size, const char *etag,
                         char **local, struct md_err *err)
{
    char *bucket, *key;
    *local = NULL;
    md_status st = split_uri(uri, "S3 object", false, &bucket, &key, err);
    if (st)
        return st;
    if (!s->dir) {
        const char *tmp = getenv("TMPDIR");
        char *tmpl = md_xasprintf("%s/mldeck-s3-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
        if (mkdtemp(tmpl)) { /* mode 0700: copies of the operator's data stay private */
            s->dir = tmpl;
        } else {
            st = md_err_set(err, MD_ERR_IO,
                            "cannot create a directory for S3 downloads in '%s': "
                            "%s",
                            tmp && *tmp == '/' ? tmp : "/tmp", strerror(errno));
            free(tmpl);
        }
    }
    const char *ext = data_ext(key);
    char *path = st ? NULL : md_xasprintf("%s/o%u%s", s->dir, s->seq++, ext ? ext : "");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (!st && fd < 0)
        st = md_err_set(err, MD_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    if (!st)
        st = md_s3_get_fd(s->client, bucket, key, size, etag, fd, NULL, err);
    if (fd >= 0 && close(fd) && !st)
        st = md_err_set(err, MD_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    if (st && path) {
        unlink(path);
        free(path);
        path = NULL;
    }
    *local = path;
    free(bucket);
    free(key);
    return st;
}

void drift_s3_discard(char *local)
{
    if (local)
        unlink(local);
    free(local);
}

md_status drift_s3_read(struct drift_s3 *s, const char *uri, size_t max, struct md_buf *out,
                        struct md_err *err)
{
    char *bucket, *key;
    md_status st = split_uri(uri, "S3 object", true, &bucket, &key, err);
    if (!st)
        st = md_s3_get(s->client, bucket, key, max, out, err);
    free(bucket);
    free(key);
    return st;
}

/*
 * drift_run.c - the job runner, md_drift_run(): the frozen reference comes
 * from the store or is built (drift_run_ref.c); then the current side: list
 * the input files and S3 objects, skip those processed before, route rows to
 * time windows, evaluate every window and save the run; last, the platform's
 * own verdicts (drift_platform.c). See drift_int.h.
 *
 * Separate from the readers and the statistics: this is where the drift
 * engine meets the file system, S3 (through drift_s3.c), the clock and the
 * store.
 */
#include "drift_int.h"

#include "mldeck/s3.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the job runner -------------------------------------------------------------------------- */

#define DRIFT_MAX_FILES 1000000

/* An input to read: a local file, or an S3 object with what its listing said. */
struct input {
    char *path; /* canonical local path, or "s3://BUCKET/KEY" */
    bool s3;
    int64_t size; /* S3 only: from the listing */
    int64_t stamp;
    char *etag;
};

struct pathlist {
    struct input *v;
    size_t n, alloc;
};

/* Append an entry; the list takes over its strings. */
static struct input *paths_push(struct pathlist *l, struct input in)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 64;
        l->v = md_xrealloc(l->v, l->alloc * sizeof(*l->v));
    }
    l->v[l->n] = in;
    return &l->v[l->n++];
}

/* Append a copy of p (a local path; S3 objects fill the rest of the entry). */
static struct input *paths_add(struct pathlist *l, const char *p)
{
    return paths_push(l, (struct input){.path = md_xstrdup(p)});
}

/* Free the paths and the list. */
static void paths_release(struct pathlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].etag);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Paths in byte order: capture folders (yyyy/mm/dd/hh) then read oldest first. */
static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const struct input *)a)->path, ((const struct input *)b)->path);
}

/* Data files under `dir`, recursively (Data Capture nests yyyy/mm/dd/hh); hidden ones skipped. */
static void list_dir(const char *dir, struct pathlist *out, struct md_drift_warnings *w, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        md_drift_warnings_add(w, "cannot list '%s': %s", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && out->n < DRIFT_MAX_FILES) {
        if (e->d_name[0] == '.')
            continue;
        char *p = md_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth < 32)
            list_dir(p, out, w, depth + 1);
        else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
                 (drift_ends_with(p, ".csv") || drift_ends_with(p, ".jsonl") ||
                  drift_ends_with(p, ".json") || drift_ends_with(p, ".ndjson")))
            paths_add(out, p);
        free(p);
    }
    closedir(d);
}

/* A current window while files are read. */
struct win {
    int64_t key;
    struct drift_set set;
};

struct cur_ctx {
    const struct md_drift_opts *o;
    const struct drift_ref *ref;
    struct drift_strmap ref_names;
    struct drift_parse *p;
    int32_t *colmap;
    size_t ncolmap;
    struct win *w;
    size_t nw, aw;
    struct drift_budget budget;
    struct drift_feed feed;
    struct drift_file_rec *rec;
    bool phase2; /* re-reading an old file: only windows this run touched */
    uint64_t no_ts;
    struct drift_strmap unknown;
};

/* The window starting at key (sorted array, binary search); created unless re-reading. */
static struct drift_set *cur_window(struct cur_ctx *c, int64_t key, bool create)
{
    size_t lo = 0, hi = c->nw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->w[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->nw && c->w[lo].key == key)
        return &c->w[lo].set;
    if (!create)
        return NULL;
    if (c->nw == c->aw) {
        c->aw = c->aw ? c->aw * 2 : 8;
        c->w = md_xrealloc(c->w, c->aw * sizeof(*c->w));
    }
    memmove(&c->w[lo + 1], &c->w[lo], (c->nw - lo) * sizeof(*c->w));
    c->nw++;
    struct win *w = &c->w[lo];
    memset(w, 0, sizeof(*w));
    w->key = key;
    w->set.n = c->ref->n;
    w->set.acc = md_xcalloc(c->ref->n ? c->ref->n : 1, sizeof(*w->set.acc));
    for (size_t i = 0; i < c->ref->n; i++)
        drift_acc_init(&w->set.acc[i], c->ref->f[i].type);
    return &w->set;
}

/* Current columns to reference features by name; unknown ones are warned about once. */
static void cur_map_columns(struct cur_ctx *c)
{
    for (; c->ncolmap < c->p->cols.n; c->ncolmap++) {
        const char *name = c->p->cols.keys[c->ncolmap];
        uint32_t k = drift_strmap_find(&c->ref_names, name, strlen(name));
        bool timecol = c->o->time_column && !strcmp(name, c->o->time_column);
        if (k == DRIFT_NONE && !timecol && !c->phase2 &&
            drift_strmap_find(&c->unknown, name, strlen(name)) == DRIFT_NONE) {
            drift_strmap_add(&c->unknown, name, strlen(name));
            md_drift_warnings_add(c->feed.warn, "%s: column '%s' is not in the reference: ignored",
                                  c->p->file, name);
        }
        c->colmap = md_xrealloc(c->colmap, (c->ncolmap + 1) * sizeof(*c->colmap));
        c->colmap[c->ncolmap] =
            k == DRIFT_NONE || c->ref->f[k].type == MD_DRIFT_TYPE_UNKNOWN ? -1 : (int32_t)k;
    }
}

/* A current row into its window; the file's row count and time range are kept for the store. */
static int cur_row(void *ud, const struct drift_row *row)
{
    struct cur_ctx *c = ud;
    int64_t key = 0, wms = c->o->window_ms;
    cur_map_columns(c);
    /* A row holding no reference column (say a capture with only an unknown output) is no row. */
    bool any = false;
    for (size_t i = 0; i < row->n && !any; i++)
        any = c->colmap[row->f[i].col] >= 0;
    if (!any)
        return c->o->cancel && *c->o->cancel;
    if (wms > 0) {
        if (!row->has_ts) {
            c->no_ts++;
            return 0;
        }
        key = (row->ts_ms >= 0 ? row->ts_ms / wms : -((-row->ts_ms + wms - 1) / wms)) * wms;
    }
    struct drift_set *s = cur_window(c, key, !c->phase2);
    if (!s)
        return 0;
    s->rows++;
    if (row->has_ts) {
        s->ts_min = s->has_ts ? (row->ts_ms < s->ts_min ? row->ts_ms : s->ts_min) : row->ts_ms;
        s->ts_max = s->has_ts ? (row->ts_ms > s->ts_max ? row->ts_ms : s->ts_max) : row->ts_ms;
        s->has_ts = true;
    }
    struct drift_file_rec *r = c->rec;
    if (r && row->has_ts) {
        r->ts_min = r->rows && r->ts_min < row->ts_ms ? r->ts_min : row->ts_ms;
        r->ts_max = r->rows && r->ts_max > row->ts_ms ? r->ts_max : row->ts_ms;
    }
    if (r)
        r->rows++;
    for (size_t i = 0; i < row->n; i++) {
        int32_t k = c->colmap[row->f[i].col];
        if (k < 0 || s->acc[k].last_row == s->rows)
            continue;
        s->acc[k].last_row = s->rows;
        drift_acc_add(&s->acc[k], (size_t)k, &row->f[i], c->ref->f[k].name, row->line, &c->feed);
    }
    return c->o->cancel && *c->o->cancel;
}

/* Read one current file into the windows; `label` names it in messages (its s3:// URI). */
static md_status cur_read(struct cur_ctx *c, const char *label, const char *path,
                          struct md_drift_warnings *w, const char *const *capcols, size_t ncap,
                          struct progress *pr, struct md_err *err)
{
    struct drift_parse p;
    drift_parse_init(&p, label, w, cur_row, c);
    p.time_column = c->o->time_column;
    p.prediction = c->o->prediction;
    p.capture_columns = capcols;
    p.n_capture_columns = ncap;
    p.cancel = c->o->cancel;
    p.progress = drift_progress_bytes;
    p.progress_ud = pr;
    c->p = &p;
    c->ncolmap = 0;
    c->no_ts = 0;
    c->feed.file = label;
    md_status st = drift_parse_file(&p, c->o->format, path, err);
    if (!st && c->no_ts && !c->phase2)
        md_drift_warnings_add(w,
                              "%s: %llu rows without a time skipped (windows need "
                              "eventMetadata.inferenceTime or a time column)",
                              label, (unsigned long long)c->no_ts);
    drift_parse_release(&p);
    c->p = NULL;
    return st;
}

/* Processed-file records by path, for bsearch(). */
static int cmp_rec(const void *a, const void *b)
{
    const struct drift_file_rec *x = a, *y = b;
    return strcmp(x->path, y->path);
}

/* An S3 listing as it arrives: objects not processed unchanged go on the list. */
struct s3_pick {
    struct pathlist *all;
    const struct drift_file_rec *seen;
    size_t nseen;
    size_t *skipped;
    size_t *fresh; /* new objects listed this run, over every S3 input */
    bool capped;   /* a new object was left for the next run */
};

static int s3_pick(void *ud, const struct drift_s3_obj *obj)
{
    struct s3_pick *k = ud;
    struct drift_file_rec key = {.path = (char *)(uintptr_t)obj->path};
    const struct drift_file_rec *r =
        k->nseen ? bsearch(&key, k->seen, k->nseen, sizeof(*k->seen), cmp_rec) : NULL;
    if (r && r->size == obj->size && r->mtime_ns == obj->stamp) {
        (*k->skipped)++;
        return 0;
    }
    if (*k->fresh == MD_DRIFT_S3_MAX_NEW) {
        k->capped = true;
        return 1;
    }
    (*k->fresh)++;
    struct input *in = paths_add(k->all, obj->path);
    in->s3 = true;
    in->size = obj->size;
    in->stamp = obj->stamp;
    in->etag = md_xstrdup(obj->etag);
    return 0;
}

/*
 * Files to read this run: every listed file not already processed unchanged.
 * A local input that cannot be read is a warning; an S3 input that cannot be
 * listed stops the run, since nothing would tell the operator data is missing.
 */
static md_status cur_files(const struct md_drift_opts *o, struct pathlist *todo,
                           const struct drift_file_rec *seen, size_t nseen, struct drift_s3 **s3,
                           struct md_drift_run *out, struct md_err *err)
{
    struct pathlist all = {0};
    size_t fresh = 0;
    md_status st = MD_OK;
    for (size_t i = 0; i < o->n_current && !st; i++) {
        struct stat sb;
        if (md_s3_is_uri(o->current[i])) {
            struct s3_pick k = {&all, seen, nseen, &out->files_skipped, &fresh, false};
            st = drift_s3_open(s3, o, err);
            if (!st)
                st = drift_s3_list(*s3, o->current[i], s3_pick, &k, &out->warnings, err);
            if (!st && k.capped) {
                char *u = md_xstrdup_clean(o->current[i]);
                md_drift_warnings_add(&out->warnings,
                                      "%s: more than %d new objects: the rest "
                                      "is left for the next run",
                                      u, MD_DRIFT_S3_MAX_NEW);
                free(u);
            }
        } else if (stat(o->current[i], &sb) != 0) {
            md_drift_warnings_add(&out->warnings, "cannot read '%s': %s", o->current[i],
                                  strerror(errno));
            out->files_failed++;
        } else if (S_ISDIR(sb.st_mode)) {
            list_dir(o->current[i], &all, &out->warnings, 0);
        } else {
            paths_add(&all, o->current[i]);
        }
    }
    if (all.n >= DRIFT_MAX_FILES)
        md_drift_warnings_add(&out->warnings, "more than %d files: the rest is left for later",
                              DRIFT_MAX_FILES);
    if (all.n)
        qsort(all.v, all.n, sizeof(*all.v), cmp_input);
    for (size_t i = 0; i < all.n && !st; i++) {
        struct input *in = &all.v[i];
        if (todo->n && !strcmp(todo->v[todo->n - 1].path, in->path))
            continue;
        if (in->s3) { /* already checked against the processed files while listing */
            paths_push(todo, *in);
            in->path = in->etag = NULL; /* moved */
            continue;
        }
        char *path = drift_canonical(in->path);
        struct drift_file_rec key = {.path = path};
        const struct drift_file_rec *r =
            nseen ? bsearch(&key, seen, nseen, sizeof(*seen), cmp_rec) : NULL;
        struct stat sb;
        if (r && stat(path, &sb) == 0 && r->size == (int64_t)sb.st_size &&
            r->mtime_ns == (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec)
            out->files_skipped++;
        else if (!todo->n || strcmp(todo->v[todo->n - 1].path, path))
            paths_add(todo, path);
        free(path);
    }
    paths_release(&all);
    return st;
}

/*
 * The current side: list the inputs, skip files processed before (same path, size and
 * mtime), read the rest into windows, complete the windows they touched from older files,
 * and evaluate every window. *recs_out lists the files read, for the store.
 */
static md_status run_current(const struct md_drift_opts *o, const struct drift_ref *ref,
                             struct drift_s3 **s3, struct md_drift_run *out,
                             struct drift_file_rec **recs_out, size_t *nrecs_out,
                             struct md_err *err)
{
    const char *job = o->job ? o->job : "default";
    struct drift_file_rec *seen = NULL;
    size_t nseen = 0;
    *recs_out = NULL;
    *nrecs_out = 0;
    md_status st = o->store ? drift_store_files_load(o->store, job, &seen, &nseen, err) : MD_OK;
    if (st)
        return st;
    if (nseen)
        qsort(seen, nseen, sizeof(*seen), cmp_rec);
    struct pathlist todo = {0};
    st = cur_files(o, &todo, seen, nseen, s3, out, err);
    if (st) {
        paths_release(&todo);
        drift_file_recs_free(seen, nseen);
        return st;
    }

    /* Data Capture CSV payloads have no header: name fields after the reference's columns. */
    const char **capcols = md_xcalloc(ref->n + 1, sizeof(*capcols));
    size_t ncap = 0;
    if (o->capture_columns) {
        for (size_t i = 0; i < o->n_capture_columns; i++)
            capcols[ncap++] = o->capture_columns[i];
    } else {
        for (size_t i = 0; i < ref->n; i++) {
            if (!ref->f[i].prediction)
                capcols[ncap++] = ref->f[i].name;
        }
    }
    struct cur_ctx c = {.o = o, .ref = ref};
    c.budget.cap = o->budget ? o->budget : MD_DRIFT_DEFAULT_BUDGET;
    c.feed = (struct drift_feed){&out->warnings, NULL, &c.budget, ref};
    for (size_t i = 0; i < ref->n; i++)
        drift_strmap_add(&c.ref_names, ref->f[i].name, strlen(ref->f[i].name));
    struct progress pr = {o, "current", 0, 0};
    for (size_t i = 0; i < todo.n; i++) {
        struct stat sb;
        if (todo.v[i].s3)
            pr.total += todo.v[i].size > 0 ? (uint64_t)todo.v[i].size : 0;
        else
            pr.total += stat(todo.v[i].path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    }
    struct drift_file_rec *recs = md_xcalloc(todo.n + 1, sizeof(*recs));
    size_t nrecs = 0;
    double t0 = drift_clock_ms();
    for (size_t i = 0; i < todo.n && !st; i++) {
        const struct input *in = &todo.v[i];
        struct stat sb;
        struct drift_file_rec *r = &recs[nrecs];
        memset(r, 0, sizeof(*r));
        c.rec = r;
        struct md_err ferr = MD_ERR_INIT;
        char *local = NULL;
        if (in->s3) {
            st = drift_s3_fetch(*s3, in->path, in->size, in->etag, &local, &ferr);
            if (!st)
                st = cur_read(&c, in->path, local, &out->warnings, capcols, ncap, &pr, &ferr);
            drift_s3_discard(local);
        } else if (stat(in->path, &sb) != 0) {
            st = md_err_set(&ferr, MD_ERR_IO, "cannot read '%s': %s", in->path, strerror(errno));
        } else {
            st = cur_read(&c, in->path, in->path, &out->warnings, capcols, ncap, &pr, &ferr);
        }
        if (st) {
            if (st == MD_ERR_CANCELLED)
                break;
            /* The rows it gave before failing stay; not remembered, it is read again next run. */
            md_drift_warnings_add(&out->warnings, "%s", ferr.msg[0] ? ferr.msg : in->path);
            out->files_failed++;
            st = MD_OK;
            continue;
        }
        r->path = md_xstrdup(in->path);
        r->size = in->s3 ? in->size : (int64_t)sb.st_size;
        r->mtime_ns =
            in->s3 ? in->stamp : (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        nrecs++;
        out->files_read++;
    }
    /* A window this run touched may hold rows of files read in earlier runs: add them. */
    c.phase2 = true;
    c.rec = NULL;
    for (size_t i = 0; !st && o->window_ms > 0 && i < nseen && c.nw; i++) {
        const struct drift_file_rec *r = &seen[i];
        bool overlap = false, fresh = false;
        for (size_t k = 0; k < c.nw && !overlap; k++)
            overlap = r->rows && r->ts_min < c.w[k].key + o->window_ms && r->ts_max >= c.w[k].key;
        for (size_t k = 0; k < nrecs && !fresh; k++)
            fresh = !strcmp(recs[k].path, r->path);
        if (!overlap || fresh)
            continue;
        struct md_err ferr = MD_ERR_INIT;
        if (md_s3_is_uri(r->path)) {
            char *local = NULL;
            st = drift_s3_open(s3, o, &ferr);
            if (!st)
                st = drift_s3_fetch(*s3, r->path, r->size, NULL, &local, &ferr);
            if (!st)
                st = cur_read(&c, r->path, local, &out->warnings, capcols, ncap, &pr, &ferr);
            drift_s3_discard(local);
        } else {
            st = cur_read(&c, r->path, r->path, &out->warnings, capcols, ncap, &pr, &ferr);
        }
        if (st && st != MD_ERR_CANCELLED) {
            md_drift_warnings_add(&out->warnings, "windows overlapping '%s' may be incomplete: %s",
                                  r->path, ferr.msg);
            st = MD_OK;
        }
    }
    if (st == MD_ERR_CANCELLED)
        md_err_set(err, st, "drift job '%s' cancelled", job);
    int64_t now = md_now_ms();
    double t1 = drift_clock_ms();
    out->ms_cur_read = t1 - t0;
    out->w = md_xcalloc(c.nw ? c.nw : 1, sizeof(*out->w));
    for (size_t k = 0; k < c.nw; k++) {
        struct drift_set *s = &c.w[k].set;
        if (!st) {
            struct md_drift_window *w = &out->w[out->n_windows++];
            drift_evaluate(ref, s, o, w);
            w->start_ms = o->window_ms > 0 ? c.w[k].key : s->has_ts ? s->ts_min : now;
            w->end_ms = o->window_ms > 0 ? c.w[k].key + o->window_ms
                        : s->has_ts      ? s->ts_max + 1
                                         : now;
        }
        drift_set_release(s);
    }
    out->ms_eval = drift_clock_ms() - t1;
    free(c.w);
    free(c.colmap);
    drift_strmap_release(&c.ref_names);
    drift_strmap_release(&c.unknown);
    free(capcols);
    paths_release(&todo);
    drift_file_recs_free(seen, nseen);
    *recs_out = recs;
    *nrecs_out = nrecs;
    return st;
}

/* s with every `from` replaced by `to`, control characters scrubbed (free()). */
static char *relabel(const char *s, const char *from, const char *to)
{
    struct md_buf b;
    md_buf_init(&b, 0);
    size_t fn = strlen(from);
    for (const char *hit; fn && (hit = strstr(s, from)); s = hit + fn) {
        md_buf_add(&b, s, (size_t)(hit - s));
        md_buf_adds(&b, to);
    }
    md_buf_adds(&b, s);
    char *r = md_buf_detach(&b, NULL);
    r = r ? r : md_xstrdup("");
    md_sanitize(r);
    return r;
}

/*
 * The reference side: the frozen reference from the store, or built and
 * stored. An s3:// reference is fingerprinted by its listing entry (size,
 * ETag, LastModified) and downloaded only when it has to be built; messages
 * then name the object, never the temporary copy.
 */
static md_status ref_side(const struct md_drift_opts *o, struct drift_s3 **s3,
                          struct drift_ref *ref, struct md_drift_run *out, struct md_err *err)
{
    const char *job = o->job ? o->job : "default";
    bool remote = md_s3_is_uri(o->reference);
    int64_t size = -1, stamp = 0;
    char *etag = NULL;
    md_status st = remote ? drift_s3_open(s3, o, err) : MD_OK;
    if (!st && remote)
        st = drift_s3_stat(*s3, o->reference, &size, &stamp, &etag, err);
    if (st)
        return st;
    char *source = drift_ref_source(o);
    if (remote) {
        char *t = md_xasprintf("%s;s3=%lld,%lld", source, (long long)size, (long long)stamp);
        free(source);
        source = t;
    }
    st = MD_ERR_NOT_FOUND;
    if (o->store) {
        st = drift_store_ref_load(o->store, job, source, ref, err);
        out->ref_cached = st == MD_OK;
    }
    if (st == MD_ERR_NOT_FOUND) {
        struct md_drift_opts ro = *o;
        char *local = NULL;
        struct md_err e = MD_ERR_INIT;
        size_t mark = out->warnings.n;
        st = remote ? drift_s3_fetch(*s3, o->reference, size, etag, &local, &e) : MD_OK;
        ro.reference = local ? local : o->reference;
        if (!st)
            st = drift_ref_build(&ro, ref, out, &e);
        for (size_t i = mark; local && i < out->warnings.n; i++) {
            char *m = relabel(out->warnings.msg[i], local, o->reference);
            free(out->warnings.msg[i]);
            out->warnings.msg[i] = m;
        }
        if (st) {
            char *m = local ? relabel(e.msg, local, o->reference) : md_xstrdup(e.msg);
            md_err_set_http(err, st, e.http_status, "%s", m);
            free(m);
        }
        drift_s3_discard(local);
        if (!st && o->store)
            st = drift_store_ref_save(o->store, job, source, ref, err);
    }
    free(source);
    free(etag);
    return st;
}

md_status md_drift_run(const struct md_drift_opts *o, struct md_drift_run *out, struct md_err *err)
{
    memset(out, 0, sizeof(*out));
    out->smoothing = o->smoothing;
    out->methods = o->methods ? o->methods : MD_DRIFT_METHODS_ALL;
    out->yates = !o->no_yates;
    out->rule = o->drift_share > 0 ? o->drift_share : 0.5;
    if (!o->reference || !*o->reference)
        return md_err_set(err, MD_ERR_INVALID, "no reference file given");
    if (o->methods & ~MD_DRIFT_METHODS_ALL)
        return md_err_set(err, MD_ERR_INVALID, "bad methods: 0x%x names no known method",
                          o->methods & ~MD_DRIFT_METHODS_ALL);
    if (o->window_ms < 0)
        return md_err_set(err, MD_ERR_INVALID, "bad window: %lld ms", (long long)o->window_ms);
    const char *job = o->job ? o->job : "default";
    struct drift_s3 *s3 = NULL; /* opened by the first s3:// input */
    struct drift_ref ref = {0};
    md_status st = ref_side(o, &s3, &ref, out, err);
    struct drift_file_rec *recs = NULL;
    size_t nrecs = 0;
    if (!st) {
        out->rows_ref = ref.rows;
        out->n_ref_features = ref.n;
        for (size_t i = 0; i < ref.n; i++)
            out->ref_sketch |= ref.f[i].w != NULL;
        st = run_current(o, &ref, &s3, out, &recs, &nrecs, err);
    }
    if (!st && o->store)
        st = drift_store_save_run(o->store, job, out, recs, nrecs, err);
    if (!st)
        drift_platform_load(o, &s3, out);
    drift_s3_free(s3);
    drift_file_recs_free(recs, nrecs);
    drift_ref_release(&ref);
    return st;
}

void md_drift_run_release(struct md_drift_run *r)
{
    for (size_t i = 0; i < r->n_windows; i++)
        drift_window_release(&r->w[i]);
    free(r->w);
    md_drift_warnings_release(&r->warnings);
    for (size_t i = 0; i < r->n_platform; i++) {
        struct md_drift_platform_item *p = &r->platform[i];
        free(p->source);
        free(p->feature);
        free(p->check);
        free(p->detail);
    }
    free(r->platform);
    free(r->platform_error);
    memset(r, 0, sizeof(*r));
}

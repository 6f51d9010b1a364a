/*
 * op.h - the one request engine every backend runs on. Private to
 * core/backends/.
 *
 * A backend slot (list endpoints, set an alias, ...) starts an operation
 * (struct op). The operation owns its calls (struct op_call, one HTTP
 * request each), which wait on the backend's engine (struct op_engine):
 *  - in a FIFO queue, at most max_inflight of them on the wire at once, so
 *    a refresh of hundreds of endpoints stays under the platform's limits;
 *  - behind one fetch of the engine's credential (the gate, mldeck/cred.h)
 *    when it is not fresh: every waiting call goes out when it arrives, or
 *    is answered like a failed transfer carrying the fetch's error (so its
 *    operation's on_reply sees it as any other failure); a 401 makes the
 *    gate forget the credential that
 *    was refused and sends the call once more;
 *  - and their replies go to the operation's on_reply, with non-2xx replies
 *    and transport failures already turned into a status and a message by
 *    the platform's map_error (see op_map_error() for the one skeleton).
 * When no call of an operation is left, its on_done (if set) may start the
 * next stage; else the operation reports through its callback exactly once,
 * always from inside md_http_run(), never from the slot that started it.
 * The first failure wins: later replies of a failed operation only drain,
 * and its queued calls are dropped.
 *
 * Reporting: an operation that kept a document (op_keep_body() of a reply,
 * or op_set_doc() of one it composed) has it mapped by the backend's parse
 * slot, and the document becomes the result's raw (what the deck caches);
 * fixup may then adjust the result. Without a document the result holds
 * what fixup puts there. A document of 1 MiB or more is mapped on the http
 * worker thread (md_http_work()): the report then comes from a later
 * md_http_run(), still on the loop thread, still exactly once; large
 * documents report in the order they were parsed, and a small reply that
 * arrives meanwhile may report before them.
 */
#ifndef MLDECK_BACKENDS_OP_H
#define MLDECK_BACKENDS_OP_H

#include <cJSON.h>

#include "mldeck/backend.h"
#include "mldeck/cred.h"

struct op_engine;
struct op;
struct op_call;

/* What a platform tells the engine: how its requests go out and how its errors read. */
struct op_platform {
    /*
     * Complete the request of c: authorization (the gate is ready when this
     * runs), AWS signing, TLS settings, time-out, extra headers. Strings set
     * here must live until md_http_submit() returns (the instance's, or c's).
     */
    void (*prepare)(struct op_engine *e, struct op_call *c, struct md_http_req *req);
    /*
     * A complete reply that is not 2xx as a status and a message starting
     * with `what`, usually through op_map_error(). Returns the status.
     */
    md_status (*map_error)(struct op_call *c, const char *what, const struct md_http_resp *resp,
                           struct md_err *err);
    /*
     * Optional. The message prefix of c's failures (free()); NULL hook:
     * the operation's `what`. SageMaker names the call and its subject.
     */
    char *(*label)(struct op_call *c);
    /* Optional. Every reply, before anything else sees it (rate-limit headers). */
    void (*observe)(struct op_engine *e, const struct md_http_resp *resp);
    /* The text of a gate fetch that ended MD_OK yet left no fresh credential. */
    const char *stale_credential;
    /* What log lines call the credential ("token"); NULL: "credential". */
    const char *credential;
};

struct op_engine {
    struct md_backend *be; /* the instance: its name, http, and parse slot */
    const struct op_platform *pf;
    const struct md_cred_source *gate; /* NULL: requests wait for nothing */
    size_t max_inflight;               /* 0: no bound */
    /* the engine's own from here */
    struct op_call *queue; /* ready, in order */
    struct op_call *queue_tail;
    struct op_call *waiting; /* for the gate's fetch */
    struct op_call *waiting_tail;
    struct op_call *flying; /* submitted, reply pending */
    size_t inflight;
    struct op *ops; /* unfinished operations */
    uint64_t next_id;
    bool fetching;
};

/* What a call is for is the platform's business: role, index, subject, name. */
struct op_call {
    struct op_call *prev;
    struct op_call *next;
    struct op *op;
    int role;
    size_t index;
    int service;      /* platform's: an AWS service */
    const char *name; /* static: "DescribeEndpoint", for messages and X-Amz-Target */
    char *subject;    /* the name the call is about, "" for none */
    unsigned flags;   /* platform's own bits */
    /* the request, kept whole so it can go out again */
    enum md_http_method method;
    char *url;
    char *body;
    const char *content_type; /* static; NULL: JSON when there is a body */
    const char *tag;          /* static log label; NULL: the platform's */
    long timeout_ms;          /* 0: the platform's */
    size_t max_body;          /* 0: md_http's default; op_call_cap() sets it */
    const char *cap_name;     /* static: the operation a reply over max_body is named by */
    size_t cap_page;          /* records asked for, 0 for one; said with the cap */
    long delay_ms;            /* start no sooner than this after it leaves the queue */
    /* the engine's */
    uint64_t serial;   /* the credential it went out with */
    int64_t sent_mono; /* md_mono_ms() it went (or, delayed, goes) on the wire */
    uint64_t http_id;
    bool auth_retried;
    bool again;
    enum { OP_CALL_QUEUED, OP_CALL_WAITING, OP_CALL_FLYING } where;
};

/*
 * The reply of one call as the operation sees it: st MD_OK for a 2xx reply
 * (resp holds it), else the mapped failure in err (resp is the reply, or the
 * transport failure's record). Lent for the call.
 */
typedef void (*op_reply_fn)(struct op *op, struct op_call *c, md_status st,
                            const struct md_err *err, const struct md_http_resp *resp);

struct op {
    struct op *prev;
    struct op *next;
    struct op_engine *eng;
    uint64_t id;
    enum md_result_kind kind;
    md_backend_cb cb;
    void *ud;
    char *what;     /* "cannot list endpoints of 'w'": first half of every message */
    size_t pending; /* calls queued, waiting or flying, and holds */
    md_status st;   /* first failure */
    struct md_err err;
    /* NULL: a failure fails the operation, a 2xx reply is kept (op_keep_body) */
    op_reply_fn on_reply;
    void (*on_done)(struct op *op);                      /* next stage, or NULL */
    void (*fixup)(struct op *op, struct md_result *res); /* after the parse */
    void (*release)(struct op *op);                      /* frees the platform's part */
    char *doc;                                           /* what the parse maps, or NULL */
    size_t doc_len;
    long doc_code;   /* HTTP status of the reply the document came from */
    size_t page_max; /* 0: any; else a parsed reply of more records than this is refused */
    uint64_t defer_id;
    uint64_t parse_id; /* the document's parse on the http worker (md_http_work), 0 none */
};

/*
 * md_mono_ms() when the oldest call now on the wire was sent (a delayed
 * call counts from when it starts); 0 when none is: the header's "not
 * answering" reads this through the backend's waiting_since slot.
 */
int64_t op_engine_waiting_since(const struct op_engine *e);

/* Set up / free an engine embedded in a backend instance (md_http freed first). */
void op_engine_init(struct op_engine *e, struct md_backend *be, const struct op_platform *pf,
                    const struct md_cred_source *gate, size_t max_inflight);
void op_engine_release(struct op_engine *e);

/*
 * A new operation of `size` bytes (>= sizeof(struct op), zeroed: a platform
 * embeds struct op first in its own), linked to e. `what` is taken over.
 */
struct op *op_new(struct op_engine *e, size_t size, enum md_result_kind kind, md_backend_cb cb,
                  void *ud, char *what);
/*
 * A call of op, queued (not yet sent): `url` and `body` (NULL for none) are
 * taken over. Set more fields on the returned call before op_go().
 */
struct op_call *op_call(struct op *op, int role, enum md_http_method method, char *url, char *body);
/* Move the queue; with nothing pending the operation reports from md_http_run(). Returns op->id. */
uint64_t op_go(struct op *op);
/* Record the operation's first failure and drop its queued calls; returns st. */
md_status op_fail(struct op *op, md_status st, long http, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a ready error (err->msg is the whole message). */
md_status op_fail_err(struct op *op, const struct md_err *err);
/* Fail with "<what>: <why>" and report from md_http_run(); returns op->id. */
uint64_t op_fail_later(struct op *op, md_status st, const char *why);
/* From on_reply: send c again after delay_ms (a throttled PUT); the engine keeps it. */
void op_call_again(struct op_call *c, long delay_ms);
/* Keep a reply's body as the document to parse; op_set_doc() takes over a composed one. */
void op_keep_body(struct op *op, const struct md_http_resp *resp);
void op_set_doc(struct op *op, char *doc);
/* Count something other than a call as pending (a shared call of another operation). */
void op_hold(struct op *op);
void op_unhold(struct op *op);
/* op_fail_err() when st is not MD_OK; a reply hook for "any failure fails the operation". */
bool op_failed_by(struct op *op, md_status st, const struct md_err *err);

/* A 2xx reply's body as a JSON object (cJSON_Delete()); MD_ERR_PARSE otherwise. */
md_status op_reply_object(const struct md_http_resp *resp, cJSON **out, struct md_err *err);
/* A caller-supplied name fit to quote in a message: cleaned, at most ~64 bytes (free()). */
char *op_subject(const char *s);
/*
 * An operation's `what` (free()): `fmt` with each %s replaced by its
 * argument made fit to quote (op_subject(); NULL reads ""). Only %s and %%
 * may appear: every argument is a caller's or a server's name.
 */
char *op_what(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The frame every backend's parse slot shares (op_parse.c, pure), around
 * the platform's own mapping of the tree:
 *  - op_parse_begin(): sets out->kind; for every kind but MD_RESULT_NONE,
 *    *root becomes the body as a JSON object (cJSON_Delete(), through
 *    op_parse_end()), MD_ERR_PARSE when it is not one; *root is NULL
 *    otherwise.
 *  - op_parse_end(): out->next_token becomes root's member `next_key`
 *    cleaned ("" when absent, NULL or st is not MD_OK), root is freed, a
 *    failed result keeps no records, and out->status is st. Returns st.
 */
md_status op_parse_begin(enum md_result_kind kind, const char *body, size_t len,
                         struct md_result *out, cJSON **root, struct md_err *err);
md_status op_parse_end(md_status st, cJSON *root, const char *next_key, struct md_result *out);

/*
 * The one skeleton of a non-2xx reply's message: "<what>: HTTP <code>
 * <CODE>: <message>", or with a hint "<what>: <hint> (HTTP <code> <CODE>:
 * <message>)", then the suffix. 401 and 403 are MD_ERR_AUTH, 404
 * MD_ERR_NOT_FOUND, everything else MD_ERR_HTTP, before the platform's
 * classify has its say. The body's code and message come from `fields`
 * when it is a JSON object, from <Code>/<Message> (or an HTML <title>)
 * when it is XML, else its first line; every piece is cleaned and clipped.
 */
struct op_error_rules {
    /* Code and message of a JSON error body as new strings, NULL when absent. */
    void (*fields)(const cJSON *root, char **code, char **message);
    /*
     * Optional: the status for this code and message (given st as the HTTP
     * code made it), and a hint said before the server's text ("" none).
     */
    md_status (*classify)(const void *ctx, long http, const char *code, const char *message,
                          bool html, md_status st, char *hint, size_t hint_len);
    const void *ctx;    /* for classify */
    size_t code_max;    /* bytes of the code quoted */
    size_t text_max;    /* bytes of the message quoted */
    size_t line_max;    /* bytes of a text body's first line quoted; 0: text_max */
    const char *sep;    /* between "HTTP <code>" and a text with no code: ": " or " " */
    const char *suffix; /* appended, e.g. " (request id X)"; NULL for none */
};
md_status op_map_error(const struct op_error_rules *rules, const char *what, long http,
                       const char *body, size_t len, struct md_err *err);

#endif

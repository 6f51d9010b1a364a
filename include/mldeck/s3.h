/*
 * s3.h - a read-only Amazon S3 client: list the objects under a prefix
 * (ListObjectsV2) and read objects (GetObject), for data kept on S3 such as
 * SageMaker Data Capture files and Model Monitor outputs.
 *
 * Synchronous, for a worker thread or a headless command: each md_s3 owns
 * its own md_http (mldeck/http.h) and waits for its own requests, so retries,
 * body caps, timeouts and secret-free logging are the HTTP layer's. The
 * handle is switched to read-only at creation: only GET requests are ever
 * sent. Requests are signed with SigV4 by libcurl (service "s3"), with
 * credentials, region and endpoint from md_aws_resolve() (mldeck/aws.h).
 *
 * Addressing: path style (ENDPOINT/BUCKET/KEY) whenever the endpoint is not
 * AWS's own (a moto server, MinIO, a VPC endpoint: they rarely resolve
 * BUCKET.HOST) or the bucket name holds a dot (it would not match AWS's
 * wildcard certificate); virtual-hosted style (https://BUCKET.s3.REGION.
 * amazonaws.com/KEY) otherwise, as AWS recommends. Keys are percent-encoded
 * here (every byte but A-Z a-z 0-9 - . _ ~ /), query parameters are sent
 * sorted and encoded, and GETs carry x-amz-content-sha256 of the empty body,
 * because libcurl before 8.0 neither adds nor canonicalises them
 * (reference/sagemaker.md §3).
 *
 * Errors name the object as s3://BUCKET/KEY and carry S3's own <Code> and
 * <Message> (sanitised), e.g. "cannot list s3://b/p: NoSuchBucket: The
 * specified bucket does not exist (HTTP 404)". Status codes: MD_ERR_NOT_FOUND
 * (404, NoSuchBucket, NoSuchKey), MD_ERR_AUTH (401, 403), MD_ERR_HTTP (other
 * replies), MD_ERR_PARSE (a reply that is not the XML expected), and the HTTP
 * layer's MD_ERR_NET, MD_ERR_TIMEOUT, MD_ERR_TOO_BIG; MD_ERR_CANCELLED when
 * the cancel flag was raised while waiting.
 */
#ifndef MLDECK_S3_H
#define MLDECK_S3_H

#include "mldeck/md.h"

typedef struct md_s3 md_s3;

/* Bytes per GET when an object is read in parts (md_s3_get_fd). */
#define MD_S3_PART_SIZE ((size_t)16 << 20)
/* Objects md_s3_list() walks through at most, processed or not, unless told otherwise. */
#define MD_S3_MAX_LIST ((uint64_t)10000000)

/* What to resolve and how to behave; every pointer is borrowed for md_s3_new() only. */
struct md_s3_opts {
    const char *profile;      /* AWS profile; NULL or "": as md_aws_resolve() picks it */
    const char *region;       /* NULL or "": AWS_REGION, AWS_DEFAULT_REGION, the profile */
    const char *endpoint_url; /* NULL or "": AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, ... */
    size_t part_size;         /* bytes per ranged GET; 0: MD_S3_PART_SIZE */
    /* Raised (non-zero) by another thread: waits end with MD_ERR_CANCELLED. Kept by the handle. */
    const volatile int *cancel;
};

/*
 * Resolve credentials, region and endpoint and create the handle (with its
 * own md_http, read-only). *out is freed with md_s3_free(). Errors: those of
 * md_aws_resolve() (MD_ERR_AUTH, MD_ERR_CONFIG, ...), prefixed with "cannot
 * use S3: ", MD_ERR_UNSUPPORTED when libcurl is too old to sign, MD_ERR_NET
 * when libcurl cannot start.
 */
md_status md_s3_new(md_s3 **out, const struct md_s3_opts *o, struct md_err *err);
/* Cancel what is pending, wipe the credentials, free. NULL is a no-op. */
void md_s3_free(md_s3 *s);

/* True when s starts with "s3://" (case-sensitive, as the AWS CLI). */
bool md_s3_is_uri(const char *s);
/*
 * Split "s3://BUCKET[/KEY]" into newly allocated strings (free()); *key is ""
 * when absent. The bucket must be 1-255 bytes of [A-Za-z0-9._-] (legacy
 * names included); the key may hold any byte but NUL. Errors: MD_ERR_INVALID
 * with the reason.
 */
md_status md_s3_uri_parse(const char *uri, char **bucket, char **key, struct md_err *err);

/* One object of a listing. Lent to the callback of md_s3_list() for the call only. */
struct md_s3_object {
    char *key;        /* XML entities decoded; may hold any byte but NUL */
    int64_t size;     /* bytes; -1 when the listing gave none */
    int64_t mtime_ms; /* LastModified; 0 when absent or unreadable */
    char *etag;       /* as S3 sent it, quotes included; "" when absent */
};

/*
 * Called per object in key order; a non-zero return stops the listing
 * (md_s3_list() then returns MD_OK).
 */
typedef int (*md_s3_list_fn)(void *ud, const struct md_s3_object *obj);

/*
 * Every object whose key starts with `prefix` ("" for the whole bucket),
 * page by page (1000 keys a request, continuation tokens followed). At most
 * `max_objects` objects are passed to fn (0: MD_S3_MAX_LIST); *capped (may be
 * NULL) tells whether the listing stopped there. A page in error stops the
 * listing with its error; objects already passed stay passed.
 */
md_status md_s3_list(md_s3 *s, const char *bucket, const char *prefix, uint64_t max_objects,
                     md_s3_list_fn fn, void *ud, bool *capped, struct md_err *err);

/*
 * A whole object into `out` (appended; its cap applies too), at most `max`
 * bytes (0: the part size): MD_ERR_TOO_BIG beyond. For small files (a
 * constraint_violations.json).
 */
md_status md_s3_get(md_s3 *s, const char *bucket, const char *key, size_t max, struct md_buf *out,
                    struct md_err *err);

/*
 * An object written to file descriptor `fd` (at its current offset), in parts
 * of the handle's part size so memory stays bounded whatever the object's
 * size. `size` is the size from a listing, or -1 when unknown (the first
 * part's Content-Range then tells). With `etag` (NULL or "" for none) every
 * part must come from that version of the object (If-Match): an object
 * replaced while it is read gives MD_ERR_HTTP PreconditionFailed, never a
 * mixture. *written (may be NULL) gets the bytes written. Errors as above, and
 * MD_ERR_IO when fd cannot be written.
 */
md_status md_s3_get_fd(md_s3 *s, const char *bucket, const char *key, int64_t size,
                       const char *etag, int fd, uint64_t *written, struct md_err *err);

/* Requests sent by this handle so far, retries included. */
uint64_t md_s3_requests(const md_s3 *s);
/* The region requests are signed for (lent; lives as long as the handle). */
const char *md_s3_region(const md_s3 *s);

/* ---- the XML replies (core/s3_xml.c; public for the unit tests and fuzz targets) ---------- */

/* One ListObjectsV2 page. Owned; md_s3_page_release() frees. */
struct md_s3_page {
    struct md_s3_object *v;
    size_t n;
    bool truncated;   /* IsTruncated: more pages follow */
    char *next_token; /* NextContinuationToken; NULL when absent */
};

/* Objects a single page may hold before it is refused (S3 sends at most 1000). */
#define MD_S3_PAGE_MAX 10000

/*
 * Parse a ListBucketResult document. Contents without a Key, a Size that is
 * not a non-negative integer, unknown entities, mismatched or unclosed tags,
 * a DOCTYPE, more than MD_S3_PAGE_MAX objects, text fields longer than 8 KiB
 * or nesting deeper than 16 are MD_ERR_PARSE with the reason. An <Error>
 * document gives MD_ERR_HTTP with its code and message. On error `out` holds
 * nothing.
 */
md_status md_s3_parse_list(const char *xml, size_t len, struct md_s3_page *out, struct md_err *err);
void md_s3_page_release(struct md_s3_page *p);

/*
 * The <Code> and <Message> of an S3 <Error> document into code[code_n] and
 * msg[msg_n] (decoded, sanitised, cut to fit). False when the text is not
 * such a document (both are then "").
 */
bool md_s3_parse_error(const char *xml, size_t len, char *code, size_t code_n, char *msg,
                       size_t msg_n);

#endif

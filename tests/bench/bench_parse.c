/*
 * bench_parse.c - time and peak RSS of mldeck's MLflow parser on one runs
 * page, for tests/bench/bench_parse.py (`make bench`).
 *
 *     bench_parse FILE REPEAT
 *
 * Reads FILE (a runs/search reply), then parses it REPEAT times through the
 * backend's parse slot, exactly as a reply or a cached snapshot is parsed.
 * Prints one JSON line: the runs parsed, each parse's wall time in ms, the
 * peak RSS (KiB) before the first parse (the file read) and after it. The
 * same source linked with bench_nocheck.c is the "before" build: the field
 * validation of mlflow_check.c replaced by stubs that accept everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "mldeck/backend.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct md_buf b;
    md_buf_init(&b, 0);
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        md_buf_add(&b, chunk, n);
    fclose(f);
    return md_buf_detach(&b, len);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_parse FILE REPEAT\n");
        return 2;
    }
    size_t len = 0;
    char *body = read_all(argv[1], &len);
    long repeat = strtol(argv[2], NULL, 10);
    if (!body || repeat < 1) {
        fprintf(stderr, "bench_parse: cannot read %s\n", argv[1]);
        return 2;
    }
    long before = peak_kib();
    long after = before;
    size_t runs = 0;
    printf("{\"tool\": \"mldeck\", \"bytes\": %zu, \"times_ms\": [", len);
    for (long i = 0; i < repeat; i++) {
        struct md_result res = {0};
        struct md_err err = MD_ERR_INIT;
        double t0 = now_ms();
        md_status st = md_mlflow_ops.parse(MD_RESULT_RUNS, body, len, &res, &err);
        double took = now_ms() - t0;
        if (st != MD_OK) {
            fprintf(stderr, "bench_parse: %s\n", err.msg);
            return 1;
        }
        runs = res.runs.n;
        if (i == 0)
            after = peak_kib();
        md_result_release(&res);
        printf("%s%.2f", i ? ", " : "", took);
    }
    printf("], \"runs\": %zu, \"rss_before_kib\": %ld, \"rss_peak_kib\": %ld}\n", runs, before,
           after);
    free(body);
    return 0;
}

/* libFuzzer target for the drift JSONL reader: the harness of fuzz_csv.c on JSONL. */
#define FUZZ_FORMAT MD_DRIFT_FORMAT_JSONL
#include "fuzz_csv.c"

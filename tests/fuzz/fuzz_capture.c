/*
 * libFuzzer target for the SageMaker Data Capture reader (CSV, JSON and
 * BASE64 payloads): the harness of fuzz_csv.c on capture lines.
 */
#define FUZZ_FORMAT MD_DRIFT_FORMAT_CAPTURE
#include "fuzz_csv.c"

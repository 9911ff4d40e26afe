/*
 * C consumer tests for include/ccverify.h: runs the shared vectors in tests/vectors/ (signed
 * exchanges, nonces, addresses, the GPU, TDX, whole-attestation and bundle cases) and the ABI
 * contract (status codes, NULL handling, out-parameters untouched on failure, lifetimes).
 * Built as C11 and as C++ (g++), under AddressSanitizer and UBSan, and once under valgrind.
 *
 * Usage: test_ccverify REPO_ROOT
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccverify.h"
#include "minijson.h"

static int passed, failed;

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    if (cond) {                                                              \
      passed++;                                                              \
    } else {                                                                 \
      failed++;                                                              \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                   \
      fprintf(stderr, __VA_ARGS__);                                          \
      fprintf(stderr, "\n");                                                 \
    }                                                                        \
  } while (0)

static const char *status_word(ccverify_check_status s) {
  switch (s) {
    case CCVERIFY_CHECK_STATUS_PASS: return "pass";
    case CCVERIFY_CHECK_STATUS_FAIL: return "fail";
    case CCVERIFY_CHECK_STATUS_SKIP: return "skip";
    case CCVERIFY_CHECK_STATUS_WARN: return "warn";
  }
  return "?";
}

static int streq_or_null(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static ccverify_verdict *run_vector(const jvalue *c, const char *id) {
  size_t req_len, body_len;
  unsigned char *req = b64decode(jget(c, "request_b64")->str, &req_len);
  const jvalue *addr = jget(c, "expected_address");
  const char *expected = addr->type == J_STR ? addr->str : NULL;
  ccverify_verdict *v = NULL;
  ccverify_status st;
  if (!strcmp(jget(c, "kind")->str, "response")) {
    const jvalue *h = jget(c, "headers");
    unsigned char *body = b64decode(jget(c, "response_b64")->str, &body_len);
    const char **names = (const char **)malloc((h->len + 1) * sizeof(char *));
    const char **values = (const char **)malloc((h->len + 1) * sizeof(char *));
    size_t i;
    for (i = 0; i < h->len; i++) {
      names[i] = h->keys[i];
      values[i] = h->items[i].str;
    }
    st = ccverify_verify_response(req, req_len, body, body_len, names, values, h->len, expected, &v);
    free(names);
    free(values);
    free(body);
  } else {
    unsigned char *stream = b64decode(jget(c, "stream_b64")->str, &body_len);
    size_t want_len, got_len = 0, out_len;
    unsigned char *want = b64decode(jget(jget(c, "expect"), "delivered_b64")->str, &want_len);
    unsigned char *got = (unsigned char *)malloc(body_len + want_len + 32);
    const uint8_t *out;
    ccverify_verdict *chunked = NULL;
    ccverify_stream_verifier *sv = NULL;
    size_t i;
    int updates_ok = 1;
    st = ccverify_verify_stream(req, req_len, stream, body_len, expected, &v);
    /* The incremental verifier, fed one byte at a time, must give the identical verdict and
       hand on exactly the vector's canonical events (never the raw bytes). */
    CHECK(ccverify_stream_verifier_new(req, req_len, expected, &sv) == CCVERIFY_STATUS_OK, "%s: new", id);
    for (i = 0; i < body_len; i++) {
      updates_ok &= ccverify_stream_verifier_update(sv, stream + i, 1, &out, &out_len) == CCVERIFY_STATUS_OK;
      if (out_len && got_len + out_len <= body_len + want_len + 32) {
        memcpy(got + got_len, out, out_len);
        got_len += out_len;
      }
    }
    CHECK(updates_ok, "%s: update", id);
    CHECK(ccverify_stream_verifier_finish(sv, &chunked) == CCVERIFY_STATUS_OK, "%s: finish", id);
    CHECK(ccverify_stream_verifier_tail(sv, &out, &out_len) == CCVERIFY_STATUS_OK, "%s: tail", id);
    if (out_len && got_len + out_len <= body_len + want_len + 32) {
      memcpy(got + got_len, out, out_len);
      got_len += out_len;
    }
    CHECK(got_len == want_len && (want_len == 0 || !memcmp(got, want, want_len)), "%s: delivered bytes differ", id);
    CHECK(streq_or_null(ccverify_verdict_json(chunked), ccverify_verdict_json(v)), "%s: chunked verdict differs", id);
    free(got);
    free(want);
    ccverify_verdict_free(chunked);
    ccverify_stream_verifier_free(sv);
    free(stream);
  }
  free(req);
  CHECK(st == CCVERIFY_STATUS_OK, "%s: status %s", id, ccverify_status_name(st));
  return v;
}

static void exchange_vectors(const char *root) {
  char dir[4096], path[8192];
  DIR *d;
  struct dirent *e;
  int files = 0;
  snprintf(dir, sizeof dir, "%s/tests/vectors/exchange", root);
  d = opendir(dir);
  CHECK(d != NULL, "cannot open %s", dir);
  if (!d) return;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name), i, checks;
    char *text;
    jvalue c;
    const jvalue *expect, *want_checks, *signer;
    ccverify_verdict *v;
    const char *id;
    if (n < 6 || strcmp(e->d_name + n - 5, ".json")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    text = read_file(path, NULL);
    jparse(text, &c);
    id = jget(&c, "id")->str;
    expect = jget(&c, "expect");
    v = run_vector(&c, id);
    files++;
    CHECK(ccverify_verdict_verified(v) == jget(expect, "verified")->boolean, "%s: verified", id);
    signer = jget(expect, "signer");
    CHECK(streq_or_null(ccverify_verdict_signer(v), signer->type == J_STR ? signer->str : NULL), "%s: signer", id);
    want_checks = jget(expect, "checks");
    checks = ccverify_verdict_check_count(v);
    CHECK(checks == want_checks->len, "%s: %zu checks, want %zu", id, checks, want_checks->len);
    for (i = 0; i < checks; i++) {
      const char *cid = ccverify_verdict_check_id(v, i);
      const jvalue *want = jget(want_checks, cid);
      CHECK(want && !strcmp(want->str, status_word(ccverify_verdict_check_status(v, i))),
            "%s: %s is %s (%s)", id, cid, status_word(ccverify_verdict_check_status(v, i)),
            ccverify_verdict_check_detail(v, i));
    }
    for (i = 0; i < 2; i++) {
      const char *fact = i ? "response_hash" : "request_hash";
      const jvalue *want = jget(expect, fact);
      CHECK(streq_or_null(ccverify_verdict_fact(v, fact), want->type == J_STR ? want->str : NULL), "%s: %s", id, fact);
    }
    ccverify_verdict_free(v);
    jfree(&c);
    free(text);
  }
  closedir(d);
  CHECK(files >= 40, "only %d exchange vectors found", files);
}

static int all_zero_hex(const char *hex) {
  for (; *hex; hex++)
    if (*hex != '0') return 0;
  return 1;
}

static void nonce_and_address_vectors(const char *root) {
  char path[4096];
  char *text;
  jvalue doc;
  size_t i;
  const jvalue *cases;
  snprintf(path, sizeof path, "%s/tests/vectors/nonce.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (!text) return;
  jparse(text, &doc);
  cases = jget(&doc, "cases");
  for (i = 0; i < cases->len; i++) {
    const jvalue *c = &cases->items[i];
    const jvalue *want = jget(c, "normalized");
    char out[CCVERIFY_NONCE_HEX_BUFFER_LEN] = "untouched";
    ccverify_status st = ccverify_nonce_normalize(jget(c, "input")->str, out);
    if (want->type == J_STR && !all_zero_hex(want->str)) {
      CHECK(st == CCVERIFY_STATUS_OK && !strcmp(out, want->str), "nonce %zu", i);
    } else {
      CHECK(st == CCVERIFY_STATUS_INVALID_NONCE, "nonce %zu: %s", i, ccverify_status_name(st));
      CHECK(!strcmp(out, "untouched"), "nonce %zu: output written on failure", i);
    }
  }
  jfree(&doc);
  free(text);

  /* eth.json: an address is accepted as expected_address exactly when the oracle calls it valid. */
  snprintf(path, sizeof path, "%s/tests/vectors/eth.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (!text) return;
  jparse(text, &doc);
  cases = jget(&doc, "addresses");
  CHECK(cases != NULL && cases->len > 10, "eth.json addresses");
  for (i = 0; cases && i < cases->len; i++) {
    const jvalue *c = &cases->items[i];
    ccverify_verdict *v = NULL;
    ccverify_status st = ccverify_verify_stream(NULL, 0, NULL, 0, jget(c, "input")->str, &v);
    if (jget(c, "valid")->boolean) {
      CHECK(st == CCVERIFY_STATUS_OK, "address %zu should be accepted: %s", i, ccverify_status_name(st));
    } else {
      CHECK(st == CCVERIFY_STATUS_INVALID_ADDRESS, "address %zu should be refused: %s", i, ccverify_status_name(st));
    }
    ccverify_verdict_free(v);
  }
  jfree(&doc);
  free(text);
}

/* Options of a GPU case, built exactly as core/tests/gpu_vectors.rs does: the case's policy
 * object plus `at` and `rim_dir` (resolved against tests/vectors/gpu; later keys win).
 * Returns a malloc'd JSON object. */
static char *gpu_case_options(const jvalue *c, const char *root) {
  const jvalue *policy = jget(c, "policy"), *rim = jget(c, "rim_dir");
  jbuf b = {NULL, 0, 0};
  size_t i;
  jbuf_puts(&b, "{");
  for (i = 0; i < policy->len; i++) {
    jdump_string(&b, policy->keys[i], strlen(policy->keys[i]));
    jbuf_puts(&b, ":");
    jdump(&b, &policy->items[i]);
    jbuf_puts(&b, ",");
  }
  jbuf_puts(&b, "\"at\":");
  jdump(&b, jget(c, "at"));
  if (rim && rim->type == J_STR) {
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/tests/vectors/gpu/%s", root, rim->str);
    jbuf_puts(&b, ",\"rim_dir\":");
    jdump_string(&b, dir, strlen(dir));
  }
  jbuf_puts(&b, "}");
  return b.s;
}

/* Index of the check with this id and subject (NULL = none), or -1. */
static long find_check(const ccverify_verdict *v, const char *id, const char *subject) {
  size_t i, n = ccverify_verdict_check_count(v);
  for (i = 0; i < n; i++)
    if (!strcmp(ccverify_verdict_check_id(v, i), id) && streq_or_null(ccverify_verdict_check_subject(v, i), subject))
      return (long)i;
  return -1;
}

static int same_statuses(const ccverify_verdict *a, const ccverify_verdict *b) {
  size_t i, n = ccverify_verdict_check_count(a);
  if (n != ccverify_verdict_check_count(b) || ccverify_verdict_verified(a) != ccverify_verdict_verified(b)) return 0;
  for (i = 0; i < n; i++)
    if (strcmp(ccverify_verdict_check_id(a, i), ccverify_verdict_check_id(b, i)) ||
        !streq_or_null(ccverify_verdict_check_subject(a, i), ccverify_verdict_check_subject(b, i)) ||
        ccverify_verdict_check_status(a, i) != ccverify_verdict_check_status(b, i))
      return 0;
  return 1;
}

/* Every case of tests/vectors/gpu/cases.json, compared like the Rust suite: `verified`, and each
 * listed check (id, subject, status). */
static void gpu_vectors(const char *root) {
  char path[4096];
  char *text;
  jvalue doc;
  size_t i, j;
  const jvalue *cases;
  snprintf(path, sizeof path, "%s/tests/vectors/gpu/cases.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (!text) return;
  jparse(text, &doc);
  cases = jget(&doc, "cases");
  CHECK(cases != NULL && cases->len >= 30, "expected the full GPU case set");
  for (i = 0; cases && i < cases->len; i++) {
    const jvalue *c = &cases->items[i], *gpu = jget(c, "gpu"), *expect = jget(c, "expect");
    const jvalue *want_checks = jget(expect, "checks");
    const char *name = jget(c, "name")->str;
    char *options = gpu_case_options(c, root);
    ccverify_verdict *v = NULL;
    ccverify_status st =
        ccverify_verify_gpu((const uint8_t *)gpu->str, gpu->len, jget(c, "nonce")->str, options, &v);
    free(options);
    CHECK(st == CCVERIFY_STATUS_OK, "gpu %s: status %s: %s", name, ccverify_status_name(st), ccverify_last_error_message());
    if (st != CCVERIFY_STATUS_OK) continue;
    CHECK(ccverify_verdict_verified(v) == jget(expect, "verified")->boolean, "gpu %s: verified (%s)", name,
          ccverify_verdict_json(v));
    for (j = 0; j < want_checks->len; j++) {
      const jvalue *want = &want_checks->items[j], *subject = jget(want, "subject");
      const char *id = jget(want, "id")->str, *want_status = jget(want, "status")->str;
      const char *subj = subject->type == J_STR ? subject->str : NULL;
      long k = find_check(v, id, subj);
      CHECK(k >= 0, "gpu %s: no check %s for %s", name, id, subj ? subj : "(none)");
      if (k < 0) continue;
      CHECK(!strcmp(status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status), "gpu %s: %s %s is %s, want %s (%s)",
            name, id, subj ? subj : "(none)", status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status,
            ccverify_verdict_check_detail(v, (size_t)k));
    }
    ccverify_verdict_free(v);
  }
  jfree(&doc);
  free(text);
}

/* ccverify_verify_gpu's argument handling, on the first case (NVIDIA's sample without RIMs). */
static void gpu_abi_contract(const char *root) {
  char path[4096], options[8192], upper[80];
  char *text;
  jvalue doc;
  const jvalue *c;
  const uint8_t *gpu;
  const char *nonce, *message;
  size_t gpu_len, i;
  ccverify_verdict *v = NULL, *w = NULL;
  ccverify_verdict *const untouched = (ccverify_verdict *)0x1;
  const unsigned char bad_utf8[] = {'{', '"', 0xff, '"', ':', '1', '}', 0};
  static const char *const bad_options[] = {
      "not json", "[]", "{\"require_revocaton\":false}", "{\"at\":\"yesterday\"}", "{\"at\":1.5}",
      "{\"expected_count\":-1}", "{\"require_rims\":\"no\"}", "{\"rim_dir\":7}",
  };
  snprintf(path, sizeof path, "%s/tests/vectors/gpu/cases.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (!text) return;
  jparse(text, &doc);
  c = &jget(&doc, "cases")->items[0];
  CHECK(!strcmp(jget(c, "name")->str, "sample_no_rims"), "first GPU case is %s", jget(c, "name")->str);
  gpu = (const uint8_t *)jget(c, "gpu")->str;
  gpu_len = jget(c, "gpu")->len;
  nonce = jget(c, "nonce")->str;

  /* `at` as RFC 3339 text and as Unix seconds: the same verdict, byte for byte. */
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, "{\"at\":\"2024-06-01T00:00:00Z\"}", &v) == CCVERIFY_STATUS_OK, "gpu at text");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, " {\"at\": 1717200000} ", &w) == CCVERIFY_STATUS_OK, "gpu at seconds");
  CHECK(streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "gpu: at forms differ");
  CHECK(!ccverify_verdict_verified(v), "gpu: no RIMs, no OCSP: not verified by default");
  CHECK(streq_or_null(ccverify_verdict_check_subject(v, (size_t)find_check(v, "gpu.nonce", "gpu0")), "gpu0"), "gpu: subject");
  CHECK(ccverify_verdict_signer(v) == NULL, "gpu: no signer");
  /* Facts: enumerable, each name resolves to its value. */
  CHECK(ccverify_verdict_fact_count(v) > 0 && streq_or_null(ccverify_verdict_fact(v, "gpu.count"), "1"), "gpu.count fact");
  for (i = 0; i < ccverify_verdict_fact_count(v); i++) {
    const char *fact = ccverify_verdict_fact_name(v, i);
    CHECK(fact != NULL && ccverify_verdict_fact(v, fact) != NULL, "fact %zu", i);
  }
  CHECK(ccverify_verdict_fact_name(v, ccverify_verdict_fact_count(v)) == NULL, "fact out of range");
  CHECK(ccverify_verdict_fact_count(NULL) == 0 && ccverify_verdict_fact_name(NULL, 0) == NULL, "NULL verdict facts");
  ccverify_verdict_free(w);
  w = NULL;

  /* The nonce is normalised like the agent does: 0x and upper case give the same verdict. */
  snprintf(upper, sizeof upper, "0x%s", nonce);
  for (i = 2; upper[i]; i++)
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = (char)(upper[i] - 'a' + 'A');
  CHECK(ccverify_verify_gpu(gpu, gpu_len, upper, "{\"at\":1717200000}", &w) == CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "gpu: normalised nonce");
  ccverify_verdict_free(w);
  w = NULL;
  /* Policy keys take effect: relaxed revocation and RIMs with the right count verify. */
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce,
                            "{\"at\":1717200000,\"require_revocation\":false,\"require_rims\":false,"
                            "\"expected_count\":1,\"expected_arch\":\"HOPPER\",\"allow_expired_rims\":false,"
                            "\"allow_hold_for_rims\":false,\"ocsp_dir\":null,\"rim_dir\":null}",
                            &w) == CCVERIFY_STATUS_OK && ccverify_verdict_verified(w), "gpu: relaxed policy verifies");
  ccverify_verdict_free(w);
  w = NULL;
  ccverify_verdict_free(v);
  v = NULL;

  /* NULL and "" options are the defaults (system clock: compare statuses, not details). */
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, NULL, &v) == CCVERIFY_STATUS_OK, "gpu NULL options");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, "", &w) == CCVERIFY_STATUS_OK, "gpu empty options");
  CHECK(same_statuses(v, w), "gpu: NULL and \"\" options differ");
  ccverify_verdict_free(v);
  ccverify_verdict_free(w);
  /* Empty evidence is a valid call with a failed verdict. */
  v = NULL;
  CHECK(ccverify_verify_gpu(NULL, 0, nonce, NULL, &v) == CCVERIFY_STATUS_OK, "gpu empty evidence");
  CHECK(!ccverify_verdict_verified(v) && find_check(v, "gpu.evidence_format", NULL) >= 0 &&
            ccverify_verdict_check_status(v, (size_t)find_check(v, "gpu.evidence_format", NULL)) == CCVERIFY_CHECK_STATUS_FAIL,
        "gpu empty evidence fails gpu.evidence_format");
  ccverify_verdict_free(v);

  /* Errors: the status of ccverify_verify_response's conventions, a message, out untouched. */
  v = untouched;
  CHECK(ccverify_verify_gpu(gpu, gpu_len, "", NULL, &v) == CCVERIFY_STATUS_INVALID_NONCE, "gpu empty nonce");
  message = ccverify_last_error_message();
  CHECK(message != NULL && strstr(message, "nonce") != NULL, "gpu nonce message: %s", message ? message : "(null)");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, "zz", NULL, &v) == CCVERIFY_STATUS_INVALID_NONCE, "gpu non-hex nonce");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, "0x0000", NULL, &v) == CCVERIFY_STATUS_INVALID_NONCE, "gpu zero nonce");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, NULL, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "gpu NULL nonce");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, (const char *)bad_utf8 + 2, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "gpu non-UTF-8 nonce");
  for (i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
    CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, bad_options[i], &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "gpu options %s", bad_options[i]);
    message = ccverify_last_error_message();
    CHECK(message != NULL && strstr(message, "GPU options") != NULL, "gpu options message: %s", message ? message : "(null)");
  }
  CHECK(strstr(ccverify_last_error_message(), "rim_dir") != NULL, "message names the key");
  /* An anchor file that cannot be read is refused, named. */
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, "{\"trust\":\"/nonexistent/roots.pem\"}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT,
        "gpu trust file");
  message = ccverify_last_error_message();
  CHECK(message != NULL && strstr(message, "trust anchor file /nonexistent/roots.pem") != NULL, "trust message: %s",
        message ? message : "(null)");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, "{\"require_revocaton\":false}", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "unknown key") != NULL, "gpu unknown option");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, (const char *)bad_utf8, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "gpu non-UTF-8 options");
  snprintf(options, sizeof options, "{\"rim_dir\":\"%s/tests/vectors/gpu/no-such-dir\"}", root);
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, options, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "gpu missing rim_dir");
  snprintf(options, sizeof options, "{\"ocsp_dir\":\"%s/tests/vectors/gpu/no-such-dir\"}", root);
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, options, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "gpu missing ocsp_dir");
  CHECK(ccverify_verify_gpu(NULL, 5, nonce, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "gpu NULL evidence with a length");
  CHECK(ccverify_verify_gpu(gpu, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, nonce, NULL, &v) == CCVERIFY_STATUS_LIMIT_EXCEEDED,
        "gpu oversized");
  CHECK(ccverify_verify_gpu(gpu, gpu_len, nonce, NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "gpu NULL out");
  CHECK(v == untouched, "gpu: out written on failure");
  jfree(&doc);
  free(text);
}

/* tests/vectors/tdx/cases.json, parsed into *doc (free with jfree); NULL if unreadable. */
static char *tdx_doc(const char *root, jvalue *doc) {
  char path[4096];
  char *text;
  snprintf(path, sizeof path, "%s/tests/vectors/tdx/cases.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (text) jparse(text, doc);
  return text;
}

/* The collateral file of a TDX case (relative to tests/vectors/tdx), malloc'd. */
static char *tdx_collateral(const jvalue *c, const char *root, size_t *len) {
  char path[8192];
  char *text;
  snprintf(path, sizeof path, "%s/tests/vectors/tdx/%s", root, jget(c, "collateral")->str);
  text = read_file(path, len);
  CHECK(text != NULL, "cannot read %s", path);
  return text;
}

/* Options of a TDX case, built as core/tests/tdx_vectors.rs runs it: the case's policy object,
 * `at`, the trust option (`trust`, or `trust_file` as a path under `root`) and the member of
 * `expected_report_data` (`nonce` or `report_data`; null = neither). Returns a malloc'd JSON
 * object. */
static char *tdx_case_options(const jvalue *c, const char *root) {
  const jvalue *policy = jget(c, "policy"), *expected = jget(c, "expected_report_data");
  const jvalue *trust = jget(c, "trust"), *trust_file = jget(c, "trust_file");
  jbuf b = {NULL, 0, 0};
  size_t i;
  jbuf_puts(&b, "{");
  if (trust) {
    jbuf_puts(&b, "\"trust\":");
    jdump(&b, trust);
    jbuf_puts(&b, ",");
  } else if (trust_file) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/vectors/tdx/%s", root, trust_file->str);
    jbuf_puts(&b, "\"trust\":");
    jdump_string(&b, path, strlen(path));
    jbuf_puts(&b, ",");
  }
  for (i = 0; i < policy->len; i++) {
    jdump_string(&b, policy->keys[i], strlen(policy->keys[i]));
    jbuf_puts(&b, ":");
    jdump(&b, &policy->items[i]);
    jbuf_puts(&b, ",");
  }
  for (i = 0; expected->type == J_OBJ && i < expected->len; i++) {
    jdump_string(&b, expected->keys[i], strlen(expected->keys[i]));
    jbuf_puts(&b, ":");
    jdump(&b, &expected->items[i]);
    jbuf_puts(&b, ",");
  }
  jbuf_puts(&b, "\"at\":");
  jdump(&b, jget(c, "at"));
  jbuf_puts(&b, "}");
  return b.s;
}

/* Every case of tests/vectors/tdx/cases.json, compared like the Rust suite: `verified`, and the
 * status of each listed check. The quote is the case's hex text, as io.net sends it. */
static void tdx_vectors(const char *root) {
  jvalue doc;
  char *text = tdx_doc(root, &doc);
  const jvalue *cases;
  size_t i, j;
  if (!text) return;
  cases = jget(&doc, "cases");
  CHECK(cases != NULL && cases->len >= 20, "expected the full TDX case set");
  for (i = 0; cases && i < cases->len; i++) {
    const jvalue *c = &cases->items[i], *quote = jget(c, "quote"), *expect = jget(c, "expect");
    const jvalue *want_checks = jget(expect, "checks");
    const char *name = jget(c, "name")->str;
    size_t collateral_len = 0;
    char *collateral = tdx_collateral(c, root, &collateral_len);
    char *options = tdx_case_options(c, root);
    ccverify_verdict *v = NULL;
    ccverify_status st = ccverify_verify_tdx((const uint8_t *)quote->str, quote->len, (const uint8_t *)collateral,
                                             collateral_len, options, &v);
    free(options);
    free(collateral);
    CHECK(st == CCVERIFY_STATUS_OK, "tdx %s: status %s: %s", name, ccverify_status_name(st), ccverify_last_error_message());
    if (st != CCVERIFY_STATUS_OK) continue;
    CHECK(ccverify_verdict_verified(v) == jget(expect, "verified")->boolean, "tdx %s: verified (%s)", name,
          ccverify_verdict_json(v));
    for (j = 0; j < want_checks->len; j++) {
      const jvalue *want = &want_checks->items[j];
      const char *id = jget(want, "id")->str, *want_status = jget(want, "status")->str;
      long k = find_check(v, id, NULL);
      CHECK(k >= 0, "tdx %s: no check %s", name, id);
      if (k < 0) continue;
      CHECK(!strcmp(status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status), "tdx %s: %s is %s, want %s (%s)",
            name, id, status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status,
            ccverify_verdict_check_detail(v, (size_t)k));
    }
    ccverify_verdict_free(v);
  }
  jfree(&doc);
  free(text);
}

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes `n` hex digits (n even, all valid) into a malloc'd buffer of n / 2 bytes. */
static uint8_t *hex_decode(const char *hex, size_t n) {
  uint8_t *out = (uint8_t *)malloc(n / 2 + 1);
  size_t i;
  for (i = 0; i + 1 < n; i += 2) out[i / 2] = (uint8_t)(hex_nibble(hex[i]) * 16 + hex_nibble(hex[i + 1]));
  return out;
}

/* The status word of the check with this id (TDX checks have no subject), or "(none)". */
static const char *tdx_status(const ccverify_verdict *v, const char *id) {
  long k = find_check(v, id, NULL);
  return k < 0 ? "(none)" : status_word(ccverify_verdict_check_status(v, (size_t)k));
}

/* ccverify_verify_tdx's argument handling, on the first case (the real v4 quote, UpToDate). */
static void tdx_abi_contract(const char *root) {
  char options[16384], nonce[80];
  char *text, *collateral;
  jvalue doc;
  const jvalue *c;
  const uint8_t *quote, *col;
  const char *report_data, *message;
  uint8_t *binary;
  size_t quote_len, collateral_len = 0, i;
  ccverify_verdict *v = NULL, *w = NULL;
  ccverify_verdict *const untouched = (ccverify_verdict *)0x1;
  const unsigned char bad_utf8[] = {'{', '"', 0xff, '"', ':', '1', '}', 0};
  static const char *const bad_options[] = {
      "not json",
      "[]",
      "{\"mrdt\":[]}",
      "{\"at\":\"yesterday\"}",
      "{\"at\":1.5}",
      "{\"nonce\":1}",
      "{\"report_data\":[]}",
      "{\"accepted_tcb_statuses\":[\"Revoked\"]}",
      "{\"accepted_tcb_statuses\":[\"Fine\"]}",
      "{\"accepted_tcb_statuses\":\"UpToDate\"}",
      "{\"rejected_advisories\":[1]}",
      "{\"allow_debug\":\"yes\"}",
      "{\"td_attributes\":\"00\"}",
      "{\"mrtd\":[\"00\"]}",
      "{\"rtmr0\":\"00\"}",
      "{\"rtmr3\":[7]}",
      "{\"mrseam\":[\"zz\"]}",
      "{\"xfam\":[\"e702060000000000e7\"]}",
      "{\"max_collateral_age_secs\":-1}",
      "{\"min_tcb_eval_data_number\":5000000000}",
  };
  text = tdx_doc(root, &doc);
  if (!text) return;
  c = &jget(&doc, "cases")->items[0];
  CHECK(!strcmp(jget(c, "name")->str, "v4_uptodate"), "first TDX case is %s", jget(c, "name")->str);
  quote = (const uint8_t *)jget(c, "quote")->str;
  quote_len = jget(c, "quote")->len;
  report_data = jget(jget(c, "expected_report_data"), "report_data")->str;
  collateral = tdx_collateral(c, root, &collateral_len);
  if (!collateral) {
    jfree(&doc);
    free(text);
    return;
  }
  col = (const uint8_t *)collateral;

  /* `at` as RFC 3339 text and as Unix seconds: the same verdict, byte for byte. */
  snprintf(options, sizeof options, "{\"report_data\":\"%s\",\"at\":\"2025-06-20T06:13:20Z\"}", report_data);
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &v) == CCVERIFY_STATUS_OK, "tdx at text");
  snprintf(options, sizeof options, " {\"at\": 1750400000, \"report_data\": \"0x%s\"} ", report_data);
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &w) == CCVERIFY_STATUS_OK, "tdx at seconds");
  CHECK(streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "tdx: at forms differ");
  ccverify_verdict_free(w);
  w = NULL;
  CHECK(ccverify_verdict_verified(v), "tdx: the v4 quote verifies (%s)", ccverify_verdict_json(v));
  CHECK(ccverify_verdict_check_count(v) == 7, "tdx: 7 checks, got %zu", ccverify_verdict_check_count(v));
  for (i = 0; i < ccverify_verdict_check_count(v); i++)
    CHECK(ccverify_verdict_check_subject(v, i) == NULL && !strncmp(ccverify_verdict_check_id(v, i), "tdx.", 4),
          "tdx check %zu: %s", i, ccverify_verdict_check_id(v, i));
  CHECK(ccverify_verdict_signer(v) == NULL, "tdx: no signer");
  CHECK(streq_or_null(ccverify_verdict_fact(v, "tdx.tcb_status"), "UpToDate"), "tdx.tcb_status fact");
  CHECK(streq_or_null(ccverify_verdict_fact(v, "tdx.report_data"), report_data), "tdx.report_data fact");
  CHECK(ccverify_verdict_fact(v, "tdx.mrtd") != NULL && strlen(ccverify_verdict_fact(v, "tdx.mrtd")) == 96, "tdx.mrtd fact");
  for (i = 0; i < ccverify_verdict_fact_count(v); i++) {
    const char *fact = ccverify_verdict_fact_name(v, i);
    CHECK(fact != NULL && !strncmp(fact, "tdx.", 4) && ccverify_verdict_fact(v, fact) != NULL, "tdx fact %zu", i);
  }

  /* The binary quote and its hex text are the same evidence. */
  binary = hex_decode((const char *)quote, quote_len);
  snprintf(options, sizeof options, "{\"report_data\":\"%s\",\"at\":1750400000}", report_data);
  CHECK(ccverify_verify_tdx(binary, quote_len / 2, col, collateral_len, options, &w) == CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "tdx: binary and hex quotes differ");
  free(binary);
  ccverify_verdict_free(w);
  w = NULL;

  /* Every policy key is read: pinned to the quote's own values (from its facts), it verifies
   * and the measurements pass instead of warning. */
  snprintf(options, sizeof options,
           "{\"report_data\":\"%s\",\"at\":1750400000,\"accepted_tcb_statuses\":[\"UpToDate\",\"SWHardeningNeeded\"],"
           "\"rejected_advisories\":[\"INTEL-SA-00000\"],\"allow_debug\":false,\"td_attributes\":\"%s\","
           "\"mrtd\":[\"%s\"],\"rtmr0\":[\"%s\"],\"rtmr1\":[\"%s\"],\"rtmr2\":[\"%s\"],\"rtmr3\":[\"%s\"],"
           "\"mrseam\":[\"%s\"],\"xfam\":[\"%s\"],\"max_collateral_age_secs\":315360000,\"min_tcb_eval_data_number\":%s}",
           report_data, ccverify_verdict_fact(v, "tdx.td_attributes"), ccverify_verdict_fact(v, "tdx.mrtd"),
           ccverify_verdict_fact(v, "tdx.rtmr0"), ccverify_verdict_fact(v, "tdx.rtmr1"), ccverify_verdict_fact(v, "tdx.rtmr2"),
           ccverify_verdict_fact(v, "tdx.rtmr3"), ccverify_verdict_fact(v, "tdx.mrseam"), ccverify_verdict_fact(v, "tdx.xfam"),
           ccverify_verdict_fact(v, "tdx.tcb_eval_data_number"));
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &w) == CCVERIFY_STATUS_OK, "tdx full policy: %s",
        ccverify_last_error_message());
  CHECK(ccverify_verdict_verified(w) && !strcmp(tdx_status(w, "tdx.measurements"), "pass"), "tdx full policy: %s",
        ccverify_verdict_json(w));
  ccverify_verdict_free(w);
  w = NULL;
  /* ... and one key at a time can fail it. */
  snprintf(options, sizeof options, "{\"report_data\":\"%s\",\"at\":1750400000,\"allow_debug\":true,\"rtmr2\":[\"%096d\"]}",
           report_data, 0);
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &w) == CCVERIFY_STATUS_OK &&
            !ccverify_verdict_verified(w) && !strcmp(tdx_status(w, "tdx.measurements"), "fail"), "tdx: rtmr2 pinned elsewhere");
  ccverify_verdict_free(w);
  w = NULL;

  /* The nonce is normalised like the agent does (0x, upper case); io.net's rule wants 32 zero
   * bytes after it, which this sample's REPORTDATA does not have. */
  snprintf(nonce, sizeof nonce, "%.64s", report_data);
  snprintf(options, sizeof options, "{\"nonce\":\"%s\",\"at\":1750400000}", nonce);
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &w) == CCVERIFY_STATUS_OK, "tdx nonce");
  CHECK(!ccverify_verdict_verified(w) && !strcmp(tdx_status(w, "tdx.report_data"), "fail") &&
            strstr(ccverify_verdict_check_detail(w, (size_t)find_check(w, "tdx.report_data", NULL)), "not zero") != NULL,
        "tdx nonce rule");
  for (i = 0; nonce[i]; i++)
    if (nonce[i] >= 'a' && nonce[i] <= 'f') nonce[i] = (char)(nonce[i] - 'a' + 'A');
  snprintf(options, sizeof options, "{\"nonce\":\"0x%s\",\"at\":1750400000}", nonce);
  ccverify_verdict_free(v);
  v = NULL;
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &v) == CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "tdx: normalised nonce");
  ccverify_verdict_free(v);
  ccverify_verdict_free(w);
  v = w = NULL;

  /* NULL and "" options are the defaults (system clock: compare statuses, not details); with
   * nothing expected of REPORTDATA the verdict is never verified. */
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, NULL, &v) == CCVERIFY_STATUS_OK, "tdx NULL options");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "", &w) == CCVERIFY_STATUS_OK, "tdx empty options");
  CHECK(same_statuses(v, w), "tdx: NULL and \"\" options differ");
  CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "tdx.report_data"), "skip"), "tdx defaults: not verified");
  ccverify_verdict_free(v);
  ccverify_verdict_free(w);
  v = w = NULL;
  /* Empty evidence is a valid call with a failed verdict. */
  CHECK(ccverify_verify_tdx(NULL, 0, col, collateral_len, NULL, &v) == CCVERIFY_STATUS_OK, "tdx empty quote");
  CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "tdx.quote_parse"), "fail"), "tdx empty quote fails");
  ccverify_verdict_free(v);
  v = NULL;
  CHECK(ccverify_verify_tdx(quote, quote_len, NULL, 0, NULL, &v) == CCVERIFY_STATUS_OK, "tdx empty collateral");
  CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "tdx.collateral"), "fail") &&
            !strcmp(tdx_status(v, "tdx.quote_parse"), "pass"), "tdx empty collateral fails tdx.collateral");
  ccverify_verdict_free(v);

  /* Errors: a status, a message, the out-parameter untouched. */
  v = untouched;
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "{\"nonce\":\"\"}", &v) == CCVERIFY_STATUS_INVALID_NONCE,
        "tdx empty nonce");
  message = ccverify_last_error_message();
  CHECK(message != NULL && strstr(message, "nonce") != NULL, "tdx nonce message: %s", message ? message : "(null)");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "{\"nonce\":\"zz\"}", &v) == CCVERIFY_STATUS_INVALID_NONCE,
        "tdx non-hex nonce");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "{\"nonce\":\"0x0000\"}", &v) ==
            CCVERIFY_STATUS_INVALID_NONCE, "tdx zero nonce");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "{\"report_data\":\"00\"}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "tdx short report_data");
  message = ccverify_last_error_message();
  CHECK(message != NULL && strstr(message, "64 bytes") != NULL, "tdx report_data message: %s", message ? message : "(null)");
  snprintf(options, sizeof options, "{\"nonce\":\"ab\",\"report_data\":\"%s\"}", report_data);
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, options, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "not both") != NULL, "tdx nonce and report_data");
  for (i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
    CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, bad_options[i], &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "tdx options %s", bad_options[i]);
    message = ccverify_last_error_message();
    CHECK(message != NULL && strstr(message, "TDX ") != NULL, "tdx options message: %s", message ? message : "(null)");
  }
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, "{\"mrdt\":[]}", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "unknown key") != NULL, "tdx unknown key");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, (const char *)bad_utf8, &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "tdx non-UTF-8 options");
  CHECK(ccverify_verify_tdx(NULL, 5, col, collateral_len, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "quote") != NULL, "tdx NULL quote with a length");
  CHECK(ccverify_verify_tdx(quote, quote_len, NULL, 5, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "collateral_json") != NULL, "tdx NULL collateral with a length");
  CHECK(ccverify_verify_tdx(quote, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, col, collateral_len, NULL, &v) ==
            CCVERIFY_STATUS_LIMIT_EXCEEDED, "tdx oversized quote");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, NULL, &v) ==
            CCVERIFY_STATUS_LIMIT_EXCEEDED, "tdx oversized collateral");
  CHECK(ccverify_verify_tdx(quote, quote_len, col, collateral_len, NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "tdx NULL out");
  CHECK(v == untouched, "tdx: out written on failure");
  free(collateral);
  jfree(&doc);
  free(text);
}

static void abi_contract(const char *root) {
  char path[4096], addr[CCVERIFY_ADDRESS_BUFFER_LEN], nonce[CCVERIFY_NONCE_HEX_BUFFER_LEN];
  size_t req_len, resp_len;
  char *req, *resp;
  const char *names[] = {"Text", "SIGNATURE", "signing_address", "signing_algo"};
  const char *values[4];
  ccverify_verdict *v = (ccverify_verdict *)0x1;
  ccverify_stream_verifier *sv = NULL;
  char *headers;
  jvalue h;
  const unsigned char bad_utf8[] = {0xff, 0xfe, 0};

  snprintf(path, sizeof path, "%s/examples/exchanges/01-n1_plain/request.json", root);
  req = read_file(path, &req_len);
  snprintf(path, sizeof path, "%s/examples/exchanges/01-n1_plain/response.json", root);
  resp = read_file(path, &resp_len);
  snprintf(path, sizeof path, "%s/examples/exchanges/01-n1_plain/headers.json", root);
  headers = read_file(path, NULL);
  CHECK(req && resp && headers, "example files missing");
  if (!req || !resp || !headers) return;
  jparse(headers, &h);
  values[0] = jget(&h, "text")->str;
  values[1] = jget(&h, "signature")->str;
  values[2] = jget(&h, "signing_address")->str;
  values[3] = jget(&h, "signing_algo")->str;

  /* Success, with header names in any case. */
  CHECK(ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, names, values, 4,
                                 "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", &v) == CCVERIFY_STATUS_OK, "verify");
  CHECK(ccverify_verdict_verified(v), "N1 verifies");
  CHECK(ccverify_verdict_check_id(v, 99) == NULL && ccverify_verdict_check_detail(v, 99) == NULL, "out of range is NULL");
  CHECK(ccverify_verdict_check_status(v, 99) == CCVERIFY_CHECK_STATUS_SKIP, "out of range is skip");
  CHECK(strstr(ccverify_verdict_json(v), "\"verified\":true") != NULL, "json");
  ccverify_verdict_free(v);

  /* Failures leave the out-parameter untouched and set a message. */
  v = (ccverify_verdict *)0x1;
  CHECK(ccverify_verify_response(NULL, 5, (const uint8_t *)resp, resp_len, names, values, 4, NULL, &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL request with a length");
  CHECK(v == (ccverify_verdict *)0x1, "out untouched");
  CHECK(ccverify_last_error_message() != NULL && strstr(ccverify_last_error_message(), "request") != NULL, "message");
  CHECK(ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, names, values, 4,
                                 "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23", &v) == CCVERIFY_STATUS_INVALID_ADDRESS,
        "bad checksum");
  CHECK(ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, names, values, 4,
                                 (const char *)bad_utf8, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "bad UTF-8");
  CHECK(ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, NULL, NULL, 4, NULL, &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL header arrays");
  CHECK(ccverify_verify_response((const uint8_t *)req, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, (const uint8_t *)resp,
                                 resp_len, names, values, 4, NULL, &v) == CCVERIFY_STATUS_LIMIT_EXCEEDED, "oversized");
  CHECK(ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, names, values, 4, NULL,
                                 NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL out");
  CHECK(v == (ccverify_verdict *)0x1, "out still untouched");
  /* Empty inputs are valid calls (NULL allowed with length 0); the verdict fails. */
  CHECK(ccverify_verify_stream(NULL, 0, NULL, 0, NULL, &v) == CCVERIFY_STATUS_OK, "empty stream call");
  CHECK(!ccverify_verdict_verified(v), "empty stream is not verified");
  ccverify_verdict_free(v);

  /* Stream verifier lifecycle. */
  CHECK(ccverify_stream_verifier_new((const uint8_t *)req, req_len, NULL, &sv) == CCVERIFY_STATUS_OK, "new");
  {
    const uint8_t *out = (const uint8_t *)0x1;
    size_t out_len = 99;
    CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"data: x\n", 8, &out, &out_len) == CCVERIFY_STATUS_OK &&
              out == NULL && out_len == 0, "update: no event complete yet");
    CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"\ndata:y\n\n", 10, &out, &out_len) == CCVERIFY_STATUS_OK &&
              out_len == 9 && !memcmp(out, "data: x\n\n", 9), "update: the hashed event, not the unhashed one");
    CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"x", 1, NULL, &out_len) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "update without an output pointer");
    CHECK(ccverify_stream_verifier_finish(sv, &v) == CCVERIFY_STATUS_OK, "finish");
    CHECK(ccverify_stream_verifier_tail(sv, &out, &out_len) == CCVERIFY_STATUS_OK && out_len == 0,
          "no [DONE] for an unverified stream");
    ccverify_verdict_free(v);
    CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"x", 1, &out, &out_len) == CCVERIFY_STATUS_INVALID_STATE,
          "update after finish");
    CHECK(ccverify_stream_verifier_finish(sv, &v) == CCVERIFY_STATUS_INVALID_STATE, "finish twice");
    ccverify_stream_verifier_free(sv);
    CHECK(ccverify_stream_verifier_update(NULL, NULL, 0, &out, &out_len) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "NULL verifier");
  }
  ccverify_stream_verifier_free(NULL);
  ccverify_verdict_free(NULL);
  CHECK(!ccverify_verdict_verified(NULL) && ccverify_verdict_check_count(NULL) == 0, "NULL verdict accessors");

  /* The agent's own stream rule, not a relay's content-type. */
  CHECK(ccverify_request_streams((const uint8_t *)"{\"stream\":1}", 12) &&
            !ccverify_request_streams((const uint8_t *)"{\"stream\":false}", 16) &&
            !ccverify_request_streams(NULL, 0) && !ccverify_request_streams(NULL, 5),
        "request_streams");

  /* Recovery and nonces. */
  CHECK(ccverify_recover_address((const uint8_t *)values[0], strlen(values[0]), values[1], addr) == CCVERIFY_STATUS_OK &&
            !strcmp(addr, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), "recover");
  CHECK(ccverify_recover_address((const uint8_t *)values[0], strlen(values[0]), "abcd", addr) ==
            CCVERIFY_STATUS_INVALID_SIGNATURE, "bad signature");
  CHECK(ccverify_nonce_generate(nonce) == CCVERIFY_STATUS_OK && strlen(nonce) == 64, "generate");
  CHECK(ccverify_nonce_generate(NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "generate NULL");
  CHECK(ccverify_nonce_normalize("0xABCD", nonce) == CCVERIFY_STATUS_OK && !strncmp(nonce, "abcd0000", 8), "normalize");
  CHECK(!strcmp(ccverify_status_name(CCVERIFY_STATUS_INVALID_NONCE), "invalid_nonce"), "status name");
  CHECK(!strcmp(ccverify_status_name(12345), "unknown"), "unknown status name");
  CHECK(ccverify_version() != NULL && strlen(ccverify_version()) > 0, "version");
  {
    char header_version[64];
    snprintf(header_version, sizeof header_version, "%u.%u.%u", (unsigned)CCVERIFY_VERSION_MAJOR,
             (unsigned)CCVERIFY_VERSION_MINOR, (unsigned)CCVERIFY_VERSION_PATCH);
    CHECK(!strcmp(header_version, ccverify_version()), "header %s, library %s", header_version, ccverify_version());
  }

  jfree(&h);
  free(headers);
  free(req);
  free(resp);
}

/* Appends `"key":` to a JSON object being built, with a comma unless it is the first member. */
static void jkey(jbuf *b, int *first, const char *key) {
  if (!*first) jbuf_puts(b, ",");
  *first = 0;
  jdump_string(b, key, strlen(key));
  jbuf_puts(b, ":");
}

/* Options of a report case, built as core/tests/report_vectors.rs does: the case's options
 * object, plus `rim_dir` (resolved against tests/vectors/report) and `collateral` (the TEXT of
 * collateral_file, resolved likewise) when they are not null. Returns a malloc'd JSON object. */
static char *report_case_options(const jvalue *c, const char *root) {
  const jvalue *options = jget(c, "options"), *rim = jget(c, "rim_dir"), *col = jget(c, "collateral_file");
  jbuf b = {NULL, 0, 0};
  int first = 1;
  size_t i;
  jbuf_puts(&b, "{");
  for (i = 0; i < options->len; i++) {
    jkey(&b, &first, options->keys[i]);
    jdump(&b, &options->items[i]);
  }
  if (rim && rim->type == J_STR) {
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/tests/vectors/report/%s", root, rim->str);
    jkey(&b, &first, "rim_dir");
    jdump_string(&b, dir, strlen(dir));
  }
  if (col && col->type == J_STR) {
    char path[8192];
    size_t len = 0;
    char *collateral;
    snprintf(path, sizeof path, "%s/tests/vectors/report/%s", root, col->str);
    collateral = read_file(path, &len);
    CHECK(collateral != NULL, "cannot read %s", path);
    if (collateral) {
      jkey(&b, &first, "collateral");
      jdump_string(&b, collateral, len);
      free(collateral);
    }
  }
  jbuf_puts(&b, "}");
  return b.s;
}

/* A file under tests/vectors/report, malloc'd (NULL and a failed check when unreadable). */
static char *report_file(const char *root, const char *name, size_t *len) {
  char path[8192];
  char *text;
  snprintf(path, sizeof path, "%s/tests/vectors/report/%s", root, name);
  text = read_file(path, len);
  CHECK(text != NULL, "cannot read %s", path);
  return text;
}

/* Runs one case of tests/vectors/report/cases.json through the C ABI; *out gets the verdict
 * (NULL when the call failed). Returns the status. */
static ccverify_status run_report_case(const jvalue *c, const char *root, ccverify_verdict **out) {
  const char *kind = jget(c, "kind")->str;
  ccverify_status st = CCVERIFY_STATUS_INTERNAL;
  *out = NULL;
  if (!strcmp(kind, "report")) {
    const jvalue *report = jget(c, "report");
    char *options = report_case_options(c, root);
    st = ccverify_verify_report((const uint8_t *)report->str, report->len, options, out);
    free(options);
  } else if (!strcmp(kind, "bundle")) {
    size_t len = 0;
    char *bundle = report_file(root, jget(c, "bundle_file")->str, &len);
    jbuf options = {NULL, 0, 0};
    jdump(&options, jget(c, "options"));
    if (bundle) st = ccverify_verify_bundle((const uint8_t *)bundle, len, options.s, out);
    free(options.s);
    free(bundle);
  } else {
    CHECK(0, "report case %s: unknown kind %s", jget(c, "name")->str, kind);
  }
  return st;
}

/* tests/vectors/report/cases.json, parsed into *doc (free with jfree); NULL if unreadable. */
static char *report_doc(const char *root, jvalue *doc) {
  char *text = report_file(root, "cases.json", NULL);
  if (text) jparse(text, doc);
  return text;
}

/* Every case of tests/vectors/report/cases.json, compared like core/tests/report_vectors.rs:
 * the error code when the call must fail; otherwise `verified`, each listed check (id,
 * subject, status), each listed fact and a non-empty `summary` fact. */
static void report_vectors(const char *root) {
  jvalue doc;
  char *text = report_doc(root, &doc);
  const jvalue *cases;
  size_t i, j, ran = 0;
  if (!text) return;
  cases = jget(&doc, "cases");
  CHECK(cases != NULL && cases->len >= 28, "expected the full report case set");
  for (i = 0; cases && i < cases->len; i++) {
    const jvalue *c = &cases->items[i], *expect = jget(c, "expect"), *error = jget(expect, "error");
    const jvalue *want_checks = jget(expect, "checks");
    const char *name = jget(c, "name")->str, *summary;
    ccverify_verdict *v = NULL;
    ccverify_status st = run_report_case(c, root, &v);
    ran++;
    if (error && error->type == J_STR) {
      CHECK(st != CCVERIFY_STATUS_OK && !strcmp(ccverify_status_name(st), error->str), "report %s: status %s, want %s", name,
            ccverify_status_name(st), error->str);
      CHECK(v == NULL, "report %s: out written on failure", name);
      ccverify_verdict_free(v);
      continue;
    }
    CHECK(st == CCVERIFY_STATUS_OK, "report %s: status %s: %s", name, ccverify_status_name(st), ccverify_last_error_message());
    if (st != CCVERIFY_STATUS_OK) continue;
    CHECK(ccverify_verdict_verified(v) == jget(expect, "verified")->boolean, "report %s: verified (%s)", name,
          ccverify_verdict_json(v));
    for (j = 0; j < want_checks->len; j++) {
      const jvalue *want = &want_checks->items[j], *subject = jget(want, "subject");
      const char *id = jget(want, "id")->str, *want_status = jget(want, "status")->str;
      const char *subj = subject->type == J_STR ? subject->str : NULL;
      long k = find_check(v, id, subj);
      CHECK(k >= 0, "report %s: no check %s for %s", name, id, subj ? subj : "(none)");
      if (k < 0) continue;
      CHECK(!strcmp(status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status),
            "report %s: %s %s is %s, want %s (%s)", name, id, subj ? subj : "(none)",
            status_word(ccverify_verdict_check_status(v, (size_t)k)), want_status, ccverify_verdict_check_detail(v, (size_t)k));
    }
    {
      const jvalue *facts = jget(expect, "facts");
      for (j = 0; facts && j < facts->len; j++) {
        const char *got = ccverify_verdict_fact(v, facts->keys[j]);
        CHECK(got != NULL && !strcmp(got, facts->items[j].str), "report %s: fact %s is %s, want %s", name, facts->keys[j],
              got ? got : "(none)", facts->items[j].str);
      }
    }
    summary = ccverify_verdict_fact(v, "summary");
    CHECK(summary != NULL && summary[0] != 0, "report %s: no summary fact", name);
    ccverify_verdict_free(v);
  }
  CHECK(cases != NULL && ran == cases->len && ran >= 28, "ran %zu report cases", ran);
  jfree(&doc);
  free(text);
}

/* The case named `name` of the report document, or NULL. */
static const jvalue *report_case(const jvalue *doc, const char *name) {
  const jvalue *cases = jget(doc, "cases");
  size_t i;
  for (i = 0; cases && i < cases->len; i++)
    if (!strcmp(jget(&cases->items[i], "name")->str, name)) return &cases->items[i];
  CHECK(0, "no report case %s", name);
  return NULL;
}

/* A policy's canonical JSON through ccverify_policy_normalize, malloc'd ("" on failure). */
static char *normalized_policy(const char *text) {
  char *json = NULL, *copy;
  ccverify_status st = ccverify_policy_normalize(text, &json);
  CHECK(st == CCVERIFY_STATUS_OK && json != NULL, "policy %s: %s", text, ccverify_status_name(st));
  copy = (char *)malloc(json ? strlen(json) + 1 : 1);
  strcpy(copy, json ? json : "");
  ccverify_string_free(json);
  return copy;
}

/* ccverify_verify_report, ccverify_verify_bundle and ccverify_policy_normalize: option forms,
 * signer and summary, and the conventions (status, message, out untouched). */
static void report_abi_contract(const char *root) {
  static const char nonce[] = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
  ccverify_verdict *const untouched = (ccverify_verdict *)0x1;
  const unsigned char bad_utf8[] = {'{', '"', 0xff, '"', ':', '1', '}', 0};
  jvalue doc;
  char *text = report_doc(root, &doc), *collateral, *bundle, *strict, *json;
  char *options;
  const jvalue *c;
  const uint8_t *report;
  const char *summary, *message;
  size_t report_len, collateral_len = 0, bundle_len = 0, i;
  ccverify_verdict *v = NULL, *w = NULL;
  jbuf b = {NULL, 0, 0};
  int found_summary = 0;
  if (!text) return;
  c = report_case(&doc, "real_evidence_report_nonce");
  collateral = report_file(root, "../tdx/dcap-qvl/tdx_quote_collateral.json", &collateral_len);
  bundle = report_file(root, "bundle-real.json", &bundle_len);
  if (!c || !collateral || !bundle) {
    free(collateral);
    free(bundle);
    jfree(&doc);
    free(text);
    return;
  }
  report = (const uint8_t *)jget(c, "report")->str;
  report_len = jget(c, "report")->len;

  /* The real evidence: the signer is the attested key, the summary says what is not proven. */
  options = report_case_options(c, root);
  CHECK(ccverify_verify_report(report, report_len, options, &v) == CCVERIFY_STATUS_OK, "report: real evidence");
  free(options);
  CHECK(!ccverify_verdict_verified(v), "report: real evidence is not verified (REPORTDATA)");
  CHECK(streq_or_null(ccverify_verdict_signer(v), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), "report: signer %s",
        ccverify_verdict_signer(v) ? ccverify_verdict_signer(v) : "(null)");
  CHECK(streq_or_null(ccverify_verdict_fact(v, "signing_address"), ccverify_verdict_signer(v)), "report: signing_address fact");
  CHECK(streq_or_null(ccverify_verdict_fact(v, "nonce"), nonce), "report: nonce fact");
  summary = ccverify_verdict_fact(v, "summary");
  CHECK(summary != NULL && !strncmp(summary, "NOT VERIFIED: ", 14) && strstr(summary, "tdx.report_data") != NULL &&
            strstr(summary, "io.net does not bind it") != NULL, "report: summary %s", summary ? summary : "(null)");
  for (i = 0; i < ccverify_verdict_fact_count(v); i++)
    found_summary |= streq_or_null(ccverify_verdict_fact_name(v, i), "summary");
  CHECK(found_summary, "report: summary is enumerable");
  CHECK(strstr(ccverify_verdict_json(v), "\"summary\"") != NULL, "report: summary in the JSON");

  /* The same inputs in other forms give the same verdict, byte for byte: `at` as Unix seconds,
   * the collateral as a JSON object rather than text, the nonce with 0x and in upper case. */
  jbuf_puts(&b, "{\"nonce\":\"0x931D8DD0ADD203AC3D8B4FBDE75E115278EEFCDCEAC5B87671A748F32364DFCB\",\"at\":1750400000,"
                "\"policy\":null,\"rim_dir\":null,\"collateral\":");
  jbuf_put(&b, collateral, collateral_len);
  jbuf_puts(&b, "}");
  CHECK(ccverify_verify_report(report, report_len, b.s, &w) == CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "report: option forms differ");
  free(b.s);
  ccverify_verdict_free(w);
  w = NULL;

  /* The policy as a preset name, its canonical JSON (as text and as an object) and TOML. */
  ccverify_verdict_free(v);
  v = NULL;
  strict = normalized_policy("strict");
  for (i = 0; i < 4; i++) {
    jbuf o = {NULL, 0, 0};
    jbuf_puts(&o, "{\"nonce\":\"");
    jbuf_puts(&o, nonce);
    jbuf_puts(&o, "\",\"at\":\"2025-06-20T06:13:20Z\",\"policy\":");
    if (i == 0) jbuf_puts(&o, "\"strict\"");
    if (i == 1) jdump_string(&o, strict, strlen(strict));
    if (i == 2) jbuf_puts(&o, strict);
    if (i == 3) jbuf_puts(&o, "\"preset = \\\"strict\\\"\\n\"");
    jbuf_puts(&o, ",\"collateral\":");
    jdump_string(&o, collateral, collateral_len);
    jbuf_puts(&o, "}");
    CHECK(ccverify_verify_report(report, report_len, o.s, i ? &w : &v) == CCVERIFY_STATUS_OK, "report: policy form %zu: %s",
          i, ccverify_last_error_message());
    free(o.s);
    if (i == 0) {
      CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "report.key_binding"), "fail") &&
                !strcmp(tdx_status(v, "report.image_digest"), "fail"), "report: strict fails the key binding");
    } else {
      CHECK(streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "report: policy form %zu differs", i);
      ccverify_verdict_free(w);
      w = NULL;
    }
  }
  ccverify_verdict_free(v);
  v = NULL;
  free(strict);

  /* Empty evidence is a valid call with a failed verdict. */
  CHECK(ccverify_verify_report(NULL, 0, "{\"nonce\":\"01\"}", &v) == CCVERIFY_STATUS_OK, "report: empty evidence");
  CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "report.format"), "fail") &&
            ccverify_verdict_signer(v) == NULL && ccverify_verdict_fact(v, "summary") != NULL, "report: empty evidence fails");
  ccverify_verdict_free(v);
  v = NULL;
  CHECK(ccverify_verify_report((const uint8_t *)"{}", 2, "{\"nonce\":\"01\"}", &v) == CCVERIFY_STATUS_OK, "report: {}");
  CHECK(!ccverify_verdict_verified(v) && !strcmp(tdx_status(v, "report.nonce"), "fail") &&
            !strcmp(tdx_status(v, "report.signing_address"), "fail"), "report: {} fails");
  ccverify_verdict_free(v);

  /* Errors: a status, a message, the out-parameter untouched. */
  v = untouched;
  CHECK(ccverify_verify_report(report, report_len, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "report: NULL options");
  CHECK(ccverify_verify_report(report, report_len, "{}", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "nonce is required") != NULL, "report: no nonce");
  CHECK(ccverify_verify_report(report, report_len, "", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "report: empty options");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"\"}", &v) == CCVERIFY_STATUS_INVALID_NONCE, "report: empty nonce");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"0x0000\"}", &v) == CCVERIFY_STATUS_INVALID_NONCE,
        "report: zero nonce");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"01\",\"policy\":\"stricter\"}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "report: unknown preset");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"01\",\"policy\":{\"gpu\":{\"expected_cont\":8}}}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "report: unknown policy key");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"01\",\"at\":\"yesterday\"}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "report: bad at");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":1}", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "report: nonce not a string");
  b.s = NULL;
  b.len = b.cap = 0;
  jbuf_puts(&b, "{\"nonce\":\"01\",\"rim_dir\":");
  {
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/tests/vectors/report/no-such-dir", root);
    jdump_string(&b, dir, strlen(dir));
  }
  jbuf_puts(&b, "}");
  CHECK(ccverify_verify_report(report, report_len, b.s, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "report: missing rim_dir");
  free(b.s);
  CHECK(ccverify_verify_report(report, report_len, (const char *)bad_utf8, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "report: non-UTF-8 options");
  CHECK(ccverify_verify_report(NULL, 5, "{\"nonce\":\"01\"}", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "report") != NULL, "report: NULL with a length");
  CHECK(ccverify_verify_report(report, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, "{\"nonce\":\"01\"}", &v) ==
            CCVERIFY_STATUS_LIMIT_EXCEEDED, "report: oversized");
  CHECK(ccverify_verify_report(report, report_len, "{\"nonce\":\"01\"}", NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "report: NULL out");
  CHECK(v == untouched, "report: out written on failure");

  /* Bundles: NULL, "" and {} are the defaults — now, under the default preset, never the
     bundle's own time or policy; "recorded" asks for those, and bundle.inputs then warns. */
  {
    const char *defaults[] = {NULL, "", "{}"};
    size_t k;
    for (k = 0; k < 3; k++) {
      v = NULL;
      CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, defaults[k], &v) == CCVERIFY_STATUS_OK &&
                streq_or_null(ccverify_verdict_fact(v, "bundle.time_source"), "clock") &&
                streq_or_null(ccverify_verdict_fact(v, "policy.source"), "caller") &&
                streq_or_null(ccverify_verdict_fact(v, "policy.name"), "default"),
            "bundle: default options %zu", k);
      ccverify_verdict_free(v);
    }
  }
  v = NULL;
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, "{\"at\":1750400000}", &v) == CCVERIFY_STATUS_OK,
        "bundle at");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, "{\"at\":\"2025-06-20T06:13:20Z\",\"policy\":\"default\"}",
                               &w) == CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_json(v), ccverify_verdict_json(w)), "bundle: the same options in other forms differ");
  CHECK(streq_or_null(ccverify_verdict_fact(v, "bundle.at"), "2025-06-20T06:13:20Z") &&
            ccverify_verdict_fact(v, "summary") != NULL, "bundle facts");
  CHECK(streq_or_null(ccverify_verdict_signer(v), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), "bundle signer");
  ccverify_verdict_free(v);
  ccverify_verdict_free(w);
  v = w = NULL;
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, "{\"at\":\"recorded\",\"policy\":\"recorded\"}", &v) ==
                CCVERIFY_STATUS_OK &&
            streq_or_null(ccverify_verdict_fact(v, "policy.source"), "bundle") &&
            find_check(v, "bundle.inputs", NULL) >= 0 &&
            ccverify_verdict_check_status(v, (size_t)find_check(v, "bundle.inputs", NULL)) == CCVERIFY_CHECK_STATUS_WARN,
        "bundle: recorded inputs warn");
  ccverify_verdict_free(v);
  v = w = NULL;
  v = untouched;
  CHECK(ccverify_verify_bundle((const uint8_t *)"not json", 8, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "bundle") != NULL, "bundle: not JSON");
  CHECK(ccverify_verify_bundle((const uint8_t *)"{}", 2, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle: {}");
  CHECK(ccverify_verify_bundle(NULL, 0, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle: empty");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, "{\"policy\":\"lenient\"}", &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle: unknown preset");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, "[]", &v) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "bundle: options not an object");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, (const char *)bad_utf8, &v) ==
            CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle: non-UTF-8 options");
  CHECK(ccverify_verify_bundle(NULL, 5, NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle: NULL with a length");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, NULL, &v) ==
            CCVERIFY_STATUS_LIMIT_EXCEEDED, "bundle: oversized");
  CHECK(ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "bundle: NULL out");
  CHECK(v == untouched, "bundle: out written on failure");

  /* Policies: canonical JSON that reads back to itself; presets, TOML and JSON agree. */
  {
    static const char *const same_as_strict[] = {
        "strict", " strict\n", "preset = \"strict\"", "{\"preset\":\"strict\"}",
        "require_image_digest = true\nrequire_key_binding = true\npreset = \"strict\"",
    };
    char *canonical = normalized_policy("strict"), *again = normalized_policy(canonical), *dflt = normalized_policy("default");
    char *empty = normalized_policy("{}"), *offline = normalized_policy("offline");
    CHECK(!strcmp(canonical, again), "policy: canonical JSON is a fixed point");
    CHECK(canonical[0] == '{' && strstr(canonical, "\"require_key_binding\":true") != NULL, "policy: %s", canonical);
    CHECK(!strcmp(dflt, empty) && strcmp(dflt, canonical) && strcmp(dflt, offline), "policy: presets differ");
    for (i = 0; i < sizeof same_as_strict / sizeof same_as_strict[0]; i++) {
      char *p = normalized_policy(same_as_strict[i]);
      CHECK(!strcmp(p, canonical), "policy %s: %s", same_as_strict[i], p);
      free(p);
    }
    free(canonical);
    free(again);
    free(dflt);
    free(empty);
    free(offline);
  }
  json = (char *)untouched;
  CHECK(ccverify_policy_normalize("lenient", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: unknown preset");
  CHECK(ccverify_policy_normalize("{\"preset\":\"lenient\"}", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "lenient") != NULL, "policy: unknown preset in JSON");
  CHECK(ccverify_policy_normalize("{\"bogus\":true}", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            strstr(ccverify_last_error_message(), "unknown key") != NULL, "policy: unknown key");
  CHECK(ccverify_policy_normalize("image_digests = [\"sha256:00\"]", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT,
        "policy: malformed digest");
  CHECK(ccverify_policy_normalize("{\"offline\":\"yes\"}", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: wrong type");
  CHECK(ccverify_policy_normalize("[]", &json) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: not an object");
  CHECK(ccverify_policy_normalize((const char *)bad_utf8, &json) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: non-UTF-8");
  CHECK(ccverify_policy_normalize(NULL, &json) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: NULL text");
  message = ccverify_last_error_message();
  CHECK(message != NULL && strstr(message, "NULL") != NULL, "policy: NULL message");
  CHECK(json == (char *)untouched, "policy: out written on failure");
  CHECK(ccverify_policy_normalize("strict", NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "policy: NULL out");
  ccverify_string_free(NULL);

  free(collateral);
  free(bundle);
  jfree(&doc);
  free(text);
}

/* Every status has its stable name; numbers are never reused. */
static void status_names(void) {
  static const struct {
    ccverify_status status;
    unsigned number;
    const char *name;
  } all[] = {
      {CCVERIFY_STATUS_OK, 0, "ok"},
      {CCVERIFY_STATUS_INVALID_ARGUMENT, 1, "invalid_argument"},
      {CCVERIFY_STATUS_INVALID_NONCE, 2, "invalid_nonce"},
      {CCVERIFY_STATUS_INVALID_ADDRESS, 3, "invalid_address"},
      {CCVERIFY_STATUS_INVALID_SIGNATURE, 4, "invalid_signature"},
      {CCVERIFY_STATUS_LIMIT_EXCEEDED, 5, "limit_exceeded"},
      {CCVERIFY_STATUS_INVALID_STATE, 6, "invalid_state"},
      {CCVERIFY_STATUS_RNG, 7, "rng"},
      {CCVERIFY_STATUS_NETWORK, 8, "network"},
      {CCVERIFY_STATUS_ATTESTATION_FAILED, 9, "attestation_failed"},
      {CCVERIFY_STATUS_UNVERIFIED_RESPONSE, 10, "unverified_response"},
      {CCVERIFY_STATUS_CANCELLED, 11, "cancelled"},
      {CCVERIFY_STATUS_INTERNAL, 99, "internal"},
  };
  size_t i;
  for (i = 0; i < sizeof all / sizeof all[0]; i++) {
    CHECK((unsigned)all[i].status == all[i].number, "status %s is %u", all[i].name, (unsigned)all[i].status);
    CHECK(!strcmp(ccverify_status_name(all[i].status), all[i].name), "status %u is named %s", all[i].number,
          ccverify_status_name(all[i].status));
  }
  CHECK(!strcmp(ccverify_status_name(12), "unknown") && !strcmp(ccverify_status_name(98), "unknown"), "unknown statuses");
}

/* Every case of tests/vectors/options/cases.json through the JSON options of each entry point:
 * the shared error code, or a verdict when the options are accepted. */
static void options_vectors(const char *root) {
  char path[8192];
  jvalue doc;
  char *text, *bundle;
  const jvalue *cases;
  size_t i, bundle_len = 0, ran = 0;
  snprintf(path, sizeof path, "%s/tests/vectors/options/cases.json", root);
  text = read_file(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  if (!text) return;
  jparse(text, &doc);
  bundle = report_file(root, "bundle-real.json", &bundle_len);
  cases = jget(&doc, "cases");
  CHECK(cases != NULL && cases->len >= 50, "expected the full options case set");
  for (i = 0; cases && bundle && i < cases->len; i++) {
    const jvalue *c = &cases->items[i], *want = jget(c, "error");
    const char *name = jget(c, "name")->str, *schema = jget(c, "schema")->str;
    jbuf options = {NULL, 0, 0};
    ccverify_verdict *v = NULL;
    char *normal = NULL;
    ccverify_status st = CCVERIFY_STATUS_INTERNAL;
    jdump(&options, jget(c, "options"));
    if (!strcmp(schema, "gpu")) {
      st = ccverify_verify_gpu((const uint8_t *)"{}", 2, jget(&doc, "gpu_nonce")->str, options.s, &v);
    } else if (!strcmp(schema, "tdx")) {
      st = ccverify_verify_tdx((const uint8_t *)"00", 2, (const uint8_t *)"{}", 2, options.s, &v);
    } else if (!strcmp(schema, "report")) {
      st = ccverify_verify_report((const uint8_t *)"{}", 2, options.s, &v);
    } else if (!strcmp(schema, "bundle")) {
      st = ccverify_verify_bundle((const uint8_t *)bundle, bundle_len, options.s, &v);
    } else if (!strcmp(schema, "policy")) {
      st = ccverify_policy_normalize(options.s, &normal);
    } else {
      CHECK(0, "options %s: unknown schema %s", name, schema);
    }
    if (want->type == J_NULL) {
      CHECK(st == CCVERIFY_STATUS_OK, "options %s: status %s: %s", name, ccverify_status_name(st),
            ccverify_last_error_message());
    } else {
      CHECK(!strcmp(ccverify_status_name(st), want->str), "options %s: status %s, want %s", name,
            ccverify_status_name(st), want->str);
      CHECK(v == NULL && normal == NULL, "options %s: an output on failure", name);
    }
    ccverify_verdict_free(v);
    ccverify_string_free(normal);
    free(options.s);
    ran++;
  }
  CHECK(cases != NULL && ran == cases->len, "ran %zu options cases", ran);
  free(bundle);
  jfree(&doc);
  free(text);
}

/* Whether the JSON array of strings `got` holds exactly the strings of `want` (any order). */
static int same_string_set(const jvalue *got, const jvalue *want) {
  size_t i, j;
  if (got->type != J_ARR || want->type != J_ARR || got->len != want->len) return 0;
  for (i = 0; i < want->len; i++) {
    int found = 0;
    for (j = 0; j < got->len; j++) found |= !strcmp(got->items[j].str, want->items[i].str);
    if (!found) return 0;
  }
  return 1;
}

/* tests/vectors/audit through ccverify_audit_jsonl: every exchange's verdict and failing
 * checks under both modes, the bad lines by number, and the options errors. */
static void audit_vectors(const char *root) {
  static const char *const modes[] = {"test_policy", "default_policy"};
  char path[8192], dir[4096];
  size_t log_len, m, i;
  jvalue expected, policy;
  char *expected_text, *log, *policy_text;
  snprintf(dir, sizeof dir, "%s/tests/vectors/audit", root);
  snprintf(path, sizeof path, "%s/expected.json", dir);
  expected_text = read_file(path, NULL);
  snprintf(path, sizeof path, "%s/exchanges.jsonl", dir);
  log = read_file(path, &log_len);
  CHECK(expected_text && log, "audit: the vectors cannot be read");
  if (!expected_text || !log) return;
  jparse(expected_text, &expected);
  snprintf(path, sizeof path, "%s/%.64s", dir, jget(&expected, "policy")->str);
  policy_text = read_file(path, NULL);
  jparse(policy_text, &policy);
  for (m = 0; m < 2; m++) {
    jbuf options = {NULL, 0, 0};
    char *out = NULL;
    jvalue report;
    const jvalue *results, *cases = jget(&expected, "exchanges"), *bad;
    jbuf_puts(&options, "{\"at\":");
    jdump(&options, jget(&expected, "at"));
    jbuf_puts(&options, ",\"bundle_dir\":");
    jdump_string(&options, dir, strlen(dir));
    if (m == 0) {
      jbuf_puts(&options, ",\"policy\":");
      jdump(&options, &policy);
    }
    jbuf_puts(&options, "}");
    CHECK(ccverify_audit_jsonl((const uint8_t *)log, log_len, options.s, &out) == CCVERIFY_STATUS_OK,
          "audit %s: %s", modes[m], ccverify_last_error_message());
    free(options.s);
    if (!out) continue;
    jparse(out, &report);
    results = jget(&report, "results");
    CHECK(results->len == cases->len, "audit %s: %zu results for %zu exchanges", modes[m], results->len,
          cases->len);
    for (i = 0; i < results->len; i++) {
      const jvalue *row = &results->items[i];
      const char *id = jget(row, "id")->str;
      const jvalue *want = jget(jget(cases, id), modes[m]);
      CHECK(jget(row, "verified")->boolean == jget(want, "verified")->boolean, "audit %s: %s verified", modes[m], id);
      CHECK(same_string_set(jget(row, "failed"), jget(want, "failed")), "audit %s: %s failed checks", modes[m], id);
    }
    bad = jget(jget(&report, "summary"), "bad_lines");
    CHECK(bad->len == jget(&expected, "bad_lines")->len, "audit %s: bad lines", modes[m]);
    for (i = 0; i < bad->len && i < jget(&expected, "bad_lines")->len; i++)
      CHECK(jget(&bad->items[i], "line")->number == jget(&expected, "bad_lines")->items[i].number,
            "audit %s: bad line %zu", modes[m], i);
    jfree(&report);
    ccverify_string_free(out);
  }
  {
    char *out = (char *)"untouched";
    CHECK(ccverify_audit_jsonl((const uint8_t *)log, log_len, "{\"nope\":1}", &out) ==
              CCVERIFY_STATUS_INVALID_ARGUMENT && !strcmp(out, "untouched"),
          "audit: an unknown option key");
    CHECK(ccverify_audit_jsonl((const uint8_t *)log, log_len, NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "audit: a NULL out");
    out = NULL;
    CHECK(ccverify_audit_jsonl(NULL, 0, NULL, &out) == CCVERIFY_STATUS_OK && out &&
              strstr(out, "\"exchanges\":0"),
          "audit: an empty log is an empty report");
    ccverify_string_free(out);
  }
  jfree(&policy);
  jfree(&expected);
  free(policy_text);
  free(expected_text);
  free(log);
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : ".";
  exchange_vectors(root);
  nonce_and_address_vectors(root);
  abi_contract(root);
  gpu_vectors(root);
  gpu_abi_contract(root);
  tdx_vectors(root);
  tdx_abi_contract(root);
  report_vectors(root);
  report_abi_contract(root);
  options_vectors(root);
  audit_vectors(root);
  status_names();
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout); /* before LeakSanitizer's exit-time report */
  return failed ? 1 : 0;
}

/*
 * C consumer tests for include/ccverify.h: runs the shared vectors in tests/vectors/ and the
 * ABI contract (status codes, NULL handling, out-parameters untouched on failure, lifetimes).
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
    ccverify_verdict *chunked = NULL;
    ccverify_stream_verifier *sv = NULL;
    size_t i;
    int updates_ok = 1;
    st = ccverify_verify_stream(req, req_len, stream, body_len, expected, &v);
    /* The incremental verifier, fed one byte at a time, must give the identical verdict. */
    CHECK(ccverify_stream_verifier_new(req, req_len, expected, &sv) == CCVERIFY_STATUS_OK, "%s: new", id);
    for (i = 0; i < body_len; i++)
      updates_ok &= ccverify_stream_verifier_update(sv, stream + i, 1) == CCVERIFY_STATUS_OK;
    CHECK(updates_ok, "%s: update", id);
    CHECK(ccverify_stream_verifier_finish(sv, &chunked) == CCVERIFY_STATUS_OK, "%s: finish", id);
    CHECK(streq_or_null(ccverify_verdict_json(chunked), ccverify_verdict_json(v)), "%s: chunked verdict differs", id);
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
  CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"data: x\n", 8) == CCVERIFY_STATUS_OK, "update");
  CHECK(ccverify_stream_verifier_finish(sv, &v) == CCVERIFY_STATUS_OK, "finish");
  ccverify_verdict_free(v);
  CHECK(ccverify_stream_verifier_update(sv, (const uint8_t *)"x", 1) == CCVERIFY_STATUS_INVALID_STATE, "update after finish");
  CHECK(ccverify_stream_verifier_finish(sv, &v) == CCVERIFY_STATUS_INVALID_STATE, "finish twice");
  ccverify_stream_verifier_free(sv);
  CHECK(ccverify_stream_verifier_update(NULL, NULL, 0) == CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL verifier");
  ccverify_stream_verifier_free(NULL);
  ccverify_verdict_free(NULL);
  CHECK(!ccverify_verdict_verified(NULL) && ccverify_verdict_check_count(NULL) == 0, "NULL verdict accessors");

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

  jfree(&h);
  free(headers);
  free(req);
  free(resp);
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : ".";
  exchange_vectors(root);
  nonce_and_address_vectors(root);
  abi_contract(root);
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout); /* before LeakSanitizer's exit-time report */
  return failed ? 1 : 0;
}

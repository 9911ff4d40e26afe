/*
 * C consumer tests for the io.net client of include/ccverify.h (ccverify_session_*,
 * ccverify_chat_response_*) against REAL sandbox gateways: `ccverify sandbox --port 0 --json`
 * started here (fork/exec, its JSON line read from a pipe), killed and reaped at the end. A
 * sandbox that cannot be started is a failure, never a skip. Policy "offline": nothing else is
 * fetched. Built as C11 and as C++ (g++), under AddressSanitizer and UBSan, and once under
 * valgrind.
 *
 * Usage: test_client REPO_ROOT   (CCVERIFY_BIN overrides REPO_ROOT/target/debug/ccverify)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

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

static const char *last_error(void) {
  const char *m = ccverify_last_error_message();
  return m ? m : "(none)";
}

/* ------------------------------------------------------------------------------------------ */
/* The sandbox process */

typedef struct {
  pid_t pid;
  int fd;
  char line[4096];
  jvalue doc;
  const char *base_url, *address, *model, *model_id, *image_digest, *rim_url, *ocsp_url, *pccs_url, *mrtd;
} sandbox;

/* Starts `ccverify sandbox --port 0 --json EXTRA...` and reads its JSON line. Returns 1 on
 * success; on failure records a failed check (with the reason) and returns 0. */
static int sandbox_start_args(sandbox *sb, const char *root, const char *const *extra);

static int sandbox_start(sandbox *sb, const char *root, const char *extra1, const char *extra2) {
  const char *extra[3] = {NULL, NULL, NULL};
  int n = 0;
  if (extra1) extra[n++] = extra1;
  if (extra2) extra[n++] = extra2;
  return sandbox_start_args(sb, root, extra);
}

/* Starts `ccverify sandbox --port 0 --json EXTRA...` (`extra` NULL-terminated, at most 8). */
static int sandbox_start_args(sandbox *sb, const char *root, const char *const *extra) {
  char bin[4096];
  const char *argv[16];
  int p[2], n = 0;
  size_t used = 0;
  const char *env = getenv("CCVERIFY_BIN");
  memset(sb, 0, sizeof *sb);
  sb->pid = -1;
  sb->fd = -1;
  if (env && *env)
    snprintf(bin, sizeof bin, "%s", env);
  else
    snprintf(bin, sizeof bin, "%s/target/debug/ccverify", root);
  argv[n++] = bin;
  argv[n++] = "sandbox";
  argv[n++] = "--port";
  argv[n++] = "0";
  argv[n++] = "--json";
  while (extra && *extra && n < 14) argv[n++] = *extra++;
  argv[n] = NULL;
  if (access(bin, X_OK) != 0) {
    CHECK(0, "sandbox: %s is not executable (%s): build it with `cargo build -p ccverify-cli`", bin, strerror(errno));
    return 0;
  }
  if (pipe(p) != 0) {
    CHECK(0, "sandbox: pipe: %s", strerror(errno));
    return 0;
  }
  sb->pid = fork();
  if (sb->pid < 0) {
    CHECK(0, "sandbox: fork: %s", strerror(errno));
    close(p[0]);
    close(p[1]);
    return 0;
  }
  if (sb->pid == 0) {
    /* The child: only async-signal-safe calls until exec. */
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
#endif
    dup2(p[1], STDOUT_FILENO);
    close(p[0]);
    close(p[1]);
    execv(bin, (char *const *)argv);
    _exit(127);
  }
  close(p[1]);
  sb->fd = p[0];
  while (used + 1 < sizeof sb->line && !memchr(sb->line, '\n', used)) {
    struct pollfd pfd;
    ssize_t got;
    int ready;
    pfd.fd = sb->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    ready = poll(&pfd, 1, 60000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      CHECK(0, "sandbox: no JSON line within 60 s");
      return 0;
    }
    got = read(sb->fd, sb->line + used, sizeof sb->line - 1 - used);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      CHECK(0, "sandbox: %s exited before printing its JSON line", bin);
      return 0;
    }
    used += (size_t)got;
  }
  sb->line[used] = 0;
  if (sb->line[0] != '{' || !memchr(sb->line, '\n', used)) {
    CHECK(0, "sandbox: unexpected output: %s", sb->line);
    return 0;
  }
  jparse(sb->line, &sb->doc);
  sb->base_url = jget(&sb->doc, "base_url") ? jget(&sb->doc, "base_url")->str : NULL;
  sb->address = jget(&sb->doc, "signing_address") ? jget(&sb->doc, "signing_address")->str : NULL;
  sb->model = jget(&sb->doc, "model") ? jget(&sb->doc, "model")->str : NULL;
  sb->model_id = jget(&sb->doc, "model_id") ? jget(&sb->doc, "model_id")->str : NULL;
  sb->image_digest = jget(&sb->doc, "image_digest") ? jget(&sb->doc, "image_digest")->str : NULL;
  sb->rim_url = jget(&sb->doc, "rim_url") ? jget(&sb->doc, "rim_url")->str : NULL;
  sb->ocsp_url = jget(&sb->doc, "ocsp_url") ? jget(&sb->doc, "ocsp_url")->str : NULL;
  sb->pccs_url = jget(&sb->doc, "pccs_url") ? jget(&sb->doc, "pccs_url")->str : NULL;
  sb->mrtd = jget(&sb->doc, "mrtd") && jget(&sb->doc, "mrtd")->type == J_STR ? jget(&sb->doc, "mrtd")->str : NULL;
  if (!sb->base_url || !sb->address || !sb->model || !sb->model_id) {
    CHECK(0, "sandbox: incomplete JSON line: %s", sb->line);
    return 0;
  }
  passed++;
  return 1;
}

/* Kills and reaps the sandbox (safe on a failed start). */
static void sandbox_stop(sandbox *sb) {
  if (sb->pid > 0) {
    int status;
    kill(sb->pid, SIGKILL);
    while (waitpid(sb->pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (sb->fd >= 0) close(sb->fd);
  if (sb->doc.type == J_OBJ) jfree(&sb->doc);
  memset(sb, 0, sizeof *sb);
  sb->pid = -1;
  sb->fd = -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

/* A client configuration for the sandbox: offline policy plus `extra` members (may be ""). */
static char *config_for(const sandbox *sb, const char *extra) {
  jbuf b = {NULL, 0, 0};
  jbuf_puts(&b, "{\"base_url\":");
  jdump_string(&b, sb->base_url, strlen(sb->base_url));
  jbuf_puts(&b, ",\"policy\":\"offline\",\"timeout_ms\":120000");
  if (extra && *extra) {
    jbuf_puts(&b, ",");
    jbuf_puts(&b, extra);
  }
  jbuf_puts(&b, "}");
  return b.s;
}

/* An OpenAI chat body for the sandbox's echo model. */
static char *chat_body(const sandbox *sb, const char *content, int stream) {
  jbuf b = {NULL, 0, 0};
  jbuf_puts(&b, "{\"model\":");
  jdump_string(&b, sb->model, strlen(sb->model));
  jbuf_puts(&b, ",\"messages\":[{\"role\":\"user\",\"content\":");
  jdump_string(&b, content, strlen(content));
  jbuf_puts(&b, "}],\"stream\":");
  jbuf_puts(&b, stream ? "true" : "false");
  jbuf_puts(&b, "}");
  return b.s;
}

static ccverify_session *attest(const sandbox *sb, const char *extra) {
  char *config = config_for(sb, extra);
  ccverify_session *s = NULL;
  ccverify_status st = ccverify_session_attest(config, sb->model_id, NULL, &s);
  CHECK(st == CCVERIFY_STATUS_OK && s != NULL, "attest (%s): %s: %s", extra, ccverify_status_name(st), last_error());
  free(config);
  return s;
}

/* The status word of check (id, subject) in v, or "missing". */
static const char *status_of(const ccverify_verdict *v, const char *id, const char *subject) {
  size_t i, n = ccverify_verdict_check_count(v);
  for (i = 0; i < n; i++) {
    const char *sub = ccverify_verdict_check_subject(v, i);
    if (strcmp(ccverify_verdict_check_id(v, i), id)) continue;
    if (subject ? (!sub || strcmp(sub, subject)) : sub != NULL) continue;
    switch (ccverify_verdict_check_status(v, i)) {
      case CCVERIFY_CHECK_STATUS_PASS: return "pass";
      case CCVERIFY_CHECK_STATUS_FAIL: return "fail";
      case CCVERIFY_CHECK_STATUS_SKIP: return "skip";
      case CCVERIFY_CHECK_STATUS_WARN: return "warn";
    }
  }
  return "missing";
}

#define EXPECT_CHECK(v, id, subject, want, what)                                                   \
  CHECK(!strcmp(status_of((v), (id), (subject)), (want)), "%s: %s %s is %s, want %s", (what), (id), \
        (subject) ? (subject) : "", status_of((v), (id), (subject)), (want))

typedef struct {
  jbuf data;
  int calls;
} sink;

static int collect(const uint8_t *chunk, size_t len, void *user_data) {
  sink *s = (sink *)user_data;
  s->calls++;
  jbuf_put(&s->data, (const char *)chunk, len);
  return 0;
}

static int body_equals(const ccverify_chat_response *r, const char *data, size_t len) {
  const uint8_t *p = NULL;
  size_t n = 0;
  if (ccverify_chat_response_body(r, &p, &n) != CCVERIFY_STATUS_OK) return 0;
  return n == len && (len == 0 || memcmp(p, data, len) == 0);
}

static int body_contains(const ccverify_chat_response *r, const char *needle) {
  const uint8_t *p = NULL;
  size_t n = 0, k = strlen(needle), i;
  if (ccverify_chat_response_body(r, &p, &n) != CCVERIFY_STATUS_OK) return 0;
  for (i = 0; i + k <= n; i++)
    if (!memcmp(p + i, needle, k)) return 1;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases */

/* (1) The sandbox's attestation does not verify for a fresh nonce, and says why. */
static void attestation_does_not_verify(const sandbox *sb) {
  ccverify_session *s = attest(sb, "");
  ccverify_verdict *v = NULL;
  char *address = NULL;
  const char *nonce;
  if (!s) return;
  CHECK(!ccverify_session_attested(s), "attested: the sandbox's evidence has fixed nonces");
  CHECK(ccverify_session_verdict(s, &v) == CCVERIFY_STATUS_OK && v != NULL, "verdict: %s", last_error());
  CHECK(ccverify_session_signing_address(s, &address) == CCVERIFY_STATUS_OK && address != NULL &&
            !strcmp(address, sb->address), "signing address %s, want %s", address ? address : "(null)", sb->address);
  CHECK(!strcmp(ccverify_session_model_id(s), sb->model_id), "model id");
  nonce = ccverify_session_nonce_hex(s);
  CHECK(nonce != NULL && strlen(nonce) == 64 && strspn(nonce, "0123456789abcdef") == 64, "nonce %s", nonce);
  ccverify_string_free(address);
  /* The verdict is a copy: it outlives the session. */
  ccverify_session_free(s);
  if (!v) return;
  CHECK(!ccverify_verdict_verified(v), "verdict not verified");
  EXPECT_CHECK(v, "report.nonce", NULL, "pass", "attestation");
  EXPECT_CHECK(v, "gpu.nonce", "gpu0", "fail", "attestation");
  EXPECT_CHECK(v, "tdx.report_data", NULL, "fail", "attestation");
  CHECK(ccverify_verdict_fact(v, "summary") != NULL && !strncmp(ccverify_verdict_fact(v, "summary"), "NOT VERIFIED", 12),
        "summary: %s", ccverify_verdict_fact(v, "summary"));
  CHECK(ccverify_verdict_signer(v) && !strcmp(ccverify_verdict_signer(v), sb->address), "verdict signer");
  CHECK(ccverify_verdict_fact(v, "nonce") && strlen(ccverify_verdict_fact(v, "nonce")) == 64, "nonce fact");
  ccverify_verdict_free(v);
}

/* (2) Without allow_unverified, an unverified session refuses to chat. */
static void chat_refused_without_allow_unverified(const sandbox *sb) {
  ccverify_session *s = attest(sb, "");
  char *body = chat_body(sb, "hello", 0), *stream_body = chat_body(sb, "hello", 1);
  ccverify_chat_response *const untouched = (ccverify_chat_response *)0x1;
  ccverify_chat_response *r = untouched;
  sink k = {{NULL, 0, 0}, 0};
  if (s) {
    ccverify_status st = ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r);
    CHECK(st == CCVERIFY_STATUS_ATTESTATION_FAILED, "chat: %s", ccverify_status_name(st));
    CHECK(strstr(last_error(), "NOT VERIFIED") != NULL, "chat: message %s", last_error());
    st = ccverify_session_chat_stream(s, (const uint8_t *)stream_body, strlen(stream_body), 0, collect, &k, NULL, &r);
    CHECK(st == CCVERIFY_STATUS_ATTESTATION_FAILED, "chat_stream: %s", ccverify_status_name(st));
    CHECK(k.calls == 0, "chat_stream: callback called on a refused stream");
    CHECK(r == untouched, "out written on failure");
  }
  ccverify_session_free(s);
  free(body);
  free(stream_body);
}

/* (3) With allow_unverified: the exchange verifies, the session does not, so the reply is not. */
static void chat_allow_unverified(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true");
  char *body = chat_body(sb, "hello there", 0);
  ccverify_chat_response *r = NULL;
  const ccverify_verdict *v;
  size_t i, n;
  int saw_signature = 0;
  if (!s) {
    free(body);
    return;
  }
  CHECK(ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r) == CCVERIFY_STATUS_OK && r != NULL, "chat: %s",
        last_error());
  ccverify_session_free(s); /* responses outlive their session */
  free(body);
  if (!r) return;
  v = ccverify_chat_response_verdict(r);
  CHECK(ccverify_chat_response_status(r) == 200, "status %u", (unsigned)ccverify_chat_response_status(r));
  CHECK(!ccverify_chat_response_verified(r) && !ccverify_chat_response_attested(r) && !ccverify_chat_response_stream(r),
        "flags");
  CHECK(v != NULL && !ccverify_verdict_verified(v), "response verdict");
  EXPECT_CHECK(v, "response.signature", NULL, "pass", "chat");
  EXPECT_CHECK(v, "response.signer", NULL, "pass", "chat");
  EXPECT_CHECK(v, "response.request_hash", NULL, "pass", "chat");
  EXPECT_CHECK(v, "response.response_hash", NULL, "pass", "chat");
  EXPECT_CHECK(v, "session.attestation", NULL, "fail", "chat");
  CHECK(ccverify_verdict_signer(v) && !strcmp(ccverify_verdict_signer(v), sb->address), "chat signer");
  CHECK(body_contains(r, "Echo: "), "chat body has Echo: ");
  /* Headers: enumerable, the lookup is case-insensitive and agrees. */
  n = ccverify_chat_response_header_count(r);
  CHECK(n > 0, "headers");
  for (i = 0; i < n; i++) {
    const char *name = ccverify_chat_response_header_name(r, i);
    CHECK(name && ccverify_chat_response_header_value(r, i), "header %zu", i);
    if (name && !strcmp(name, "signature")) {
      saw_signature = 1;
      CHECK(ccverify_chat_response_header(r, "Signature") == ccverify_chat_response_header_value(r, i), "header lookup");
    }
  }
  CHECK(saw_signature, "a signature header");
  CHECK(ccverify_chat_response_header_name(r, n) == NULL && ccverify_chat_response_header(r, "x-nothing") == NULL,
        "header out of range");
  ccverify_chat_response_free(r);
}

/* (4) Streams: chunks pass through as they arrive and add up to the body; hold on an
 * unverified session passes nothing. */
static void chat_stream(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true");
  char *body = chat_body(sb, "one two three four five six", 1);
  ccverify_chat_response *r = NULL;
  sink k = {{NULL, 0, 0}, 0};
  if (!s) {
    free(body);
    return;
  }
  CHECK(ccverify_session_chat_stream(s, (const uint8_t *)body, strlen(body), 0, collect, &k, NULL, &r) == CCVERIFY_STATUS_OK &&
            r != NULL, "chat_stream: %s", last_error());
  if (r) {
    const ccverify_verdict *v = ccverify_chat_response_verdict(r);
    CHECK(k.calls > 1, "chat_stream: %d callback calls", k.calls);
    CHECK(body_equals(r, k.data.s, k.data.len), "chat_stream: chunks differ from the body");
    CHECK(ccverify_chat_response_stream(r) && !ccverify_chat_response_verified(r), "chat_stream flags");
    EXPECT_CHECK(v, "stream.signature_block", NULL, "pass", "chat_stream");
    EXPECT_CHECK(v, "response.signer", NULL, "pass", "chat_stream");
    EXPECT_CHECK(v, "response.response_hash", NULL, "pass", "chat_stream");
    EXPECT_CHECK(v, "session.attestation", NULL, "fail", "chat_stream");
    CHECK(body_contains(r, "Echo"), "chat_stream body");
    ccverify_chat_response_free(r);
    r = NULL;
  }
  free(k.data.s);
  memset(&k, 0, sizeof k);
  CHECK(ccverify_session_chat_stream(s, (const uint8_t *)body, strlen(body), 1, collect, &k, NULL, &r) == CCVERIFY_STATUS_OK &&
            r != NULL, "chat_stream hold: %s", last_error());
  CHECK(k.calls == 0, "hold on an unverified session: %d callback calls", k.calls);
  CHECK(!body_equals(r, "", 0), "hold: the response still has the body");
  ccverify_chat_response_free(r);
  r = NULL;
  /* A NULL callback is allowed. */
  CHECK(ccverify_session_chat_stream(s, (const uint8_t *)body, strlen(body), 0, NULL, NULL, NULL, &r) == CCVERIFY_STATUS_OK &&
            !strcmp(status_of(ccverify_chat_response_verdict(r), "stream.signature_block", NULL), "pass"),
        "chat_stream without a callback: %s", last_error());
  ccverify_chat_response_free(r);
  free(k.data.s);
  free(body);
  ccverify_session_free(s);
}

/* (5) A reply tampered after signing fails its hash. */
static void tampered_response(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true,\"headers\":{\"x-sandbox-fault\":\"tamper-response\"}");
  char *body = chat_body(sb, "tamper with me", 0);
  ccverify_chat_response *r = NULL;
  if (s) {
    CHECK(ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r) == CCVERIFY_STATUS_OK, "tamper: %s", last_error());
    EXPECT_CHECK(ccverify_chat_response_verdict(r), "response.response_hash", NULL, "fail", "tamper");
    EXPECT_CHECK(ccverify_chat_response_verdict(r), "response.request_hash", NULL, "pass", "tamper");
    CHECK(!ccverify_chat_response_verified(r), "tamper: not verified");
    ccverify_chat_response_free(r);
  }
  ccverify_session_free(s);
  free(body);
}

/* (6) Recorded exchanges travel in the bundle and re-verify offline. */
static void recorded_bundle(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true,\"record_exchanges\":true");
  char *plain = chat_body(sb, "first", 0), *streamed = chat_body(sb, "second one", 1), *bundle = NULL;
  ccverify_chat_response *r = NULL;
  ccverify_verdict *v = NULL;
  if (!s) {
    free(plain);
    free(streamed);
    return;
  }
  CHECK(ccverify_session_chat(s, (const uint8_t *)plain, strlen(plain), NULL, &r) == CCVERIFY_STATUS_OK, "record chat: %s",
        last_error());
  ccverify_chat_response_free(r);
  r = NULL;
  CHECK(ccverify_session_chat_stream(s, (const uint8_t *)streamed, strlen(streamed), 0, NULL, NULL, NULL, &r) == CCVERIFY_STATUS_OK,
        "record stream: %s", last_error());
  ccverify_chat_response_free(r);
  CHECK(ccverify_session_bundle_json(s, &bundle) == CCVERIFY_STATUS_OK && bundle != NULL, "bundle: %s", last_error());
  ccverify_session_free(s);
  if (bundle) {
    CHECK(strstr(bundle, "ccverify-bundle/1") != NULL && strstr(bundle, sb->model_id) != NULL, "bundle content");
    CHECK(ccverify_verify_bundle((const uint8_t *)bundle, strlen(bundle), NULL, &v) == CCVERIFY_STATUS_OK, "verify_bundle: %s",
          last_error());
    EXPECT_CHECK(v, "response.signer", "exchange0", "pass", "bundle");
    EXPECT_CHECK(v, "response.signer", "exchange1", "pass", "bundle");
    EXPECT_CHECK(v, "response.response_hash", "exchange1", "pass", "bundle");
    EXPECT_CHECK(v, "gpu.nonce", "gpu0", "fail", "bundle");
    CHECK(!ccverify_verdict_verified(v), "bundle not verified");
    CHECK(ccverify_verdict_fact(v, "bundle.exchanges") && !strcmp(ccverify_verdict_fact(v, "bundle.exchanges"), "2"),
          "bundle.exchanges %s", ccverify_verdict_fact(v, "bundle.exchanges"));
    ccverify_verdict_free(v);
  }
  ccverify_string_free(bundle);
  free(plain);
  free(streamed);
}

/* (7) A wrong API key is a network error naming the 401; the right one attests. */
static void api_key(const char *root) {
  sandbox sb;
  ccverify_session *const untouched = (ccverify_session *)0x1;
  ccverify_session *s = untouched;
  char *config;
  ccverify_status st;
  if (!sandbox_start(&sb, root, "--api-key", "k1")) {
    sandbox_stop(&sb);
    return;
  }
  config = config_for(&sb, "\"api_key\":\"wrong\",\"retries\":0");
  st = ccverify_session_attest(config, sb.model_id, NULL, &s);
  CHECK(st == CCVERIFY_STATUS_NETWORK, "wrong key: %s", ccverify_status_name(st));
  CHECK(strstr(last_error(), "401") != NULL, "wrong key message: %s", last_error());
  CHECK(s == untouched, "wrong key: out written on failure");
  free(config);
  s = attest(&sb, "\"api_key\":\"k1\"");
  ccverify_session_free(s);
  sandbox_stop(&sb);
}

/* (8) Transient 503s are retried; without retries they are a network error. */
static void transient_failures(const char *root) {
  sandbox sb;
  ccverify_session *s;
  ccverify_chat_response *r = NULL;
  char *body;
  ccverify_status st;
  if (!sandbox_start(&sb, root, "--transient-failures", "3")) {
    sandbox_stop(&sb);
    return;
  }
  body = chat_body(&sb, "retry", 0);
  /* No retries: the first 503 is the answer (one failure used up). */
  s = attest(&sb, "\"allow_unverified\":true,\"retries\":0");
  if (s) {
    st = ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r);
    CHECK(st == CCVERIFY_STATUS_NETWORK && r == NULL, "no retries: %s", ccverify_status_name(st));
    CHECK(strstr(last_error(), "503") != NULL, "503 message: %s", last_error());
  }
  ccverify_session_free(s);
  /* Two more failures, retried away by three retries. */
  s = attest(&sb, "\"allow_unverified\":true,\"retries\":3,\"backoff_ms\":1");
  if (s) {
    st = ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r);
    CHECK(st == CCVERIFY_STATUS_OK && r != NULL && ccverify_chat_response_status(r) == 200, "retried: %s %s",
          ccverify_status_name(st), last_error());
    EXPECT_CHECK(ccverify_chat_response_verdict(r), "response.signer", NULL, "pass", "retried");
    ccverify_chat_response_free(r);
  }
  ccverify_session_free(s);
  free(body);
  sandbox_stop(&sb);
}

/* The conventions: NULLs, bad configurations, out-parameters untouched on failure. */
static void abi_contract(const sandbox *sb) {
  ccverify_session *const s_untouched = (ccverify_session *)0x1;
  ccverify_chat_response *const r_untouched = (ccverify_chat_response *)0x1;
  ccverify_verdict *const v_untouched = (ccverify_verdict *)0x1;
  char *const str_untouched = (char *)0x1;
  const uint8_t *const p_untouched = (const uint8_t *)0x1;
  ccverify_session *s = s_untouched;
  ccverify_chat_response *r = r_untouched;
  ccverify_verdict *v = v_untouched;
  char *str = str_untouched;
  const uint8_t *p = p_untouched;
  size_t len = 77;
  static const char *const bad_configs[] = {
      "not json", "[]", "{\"base_url\":7}", "{\"retries\":-1}", "{\"policy\":\"lenient\"}", "{\"bogus\":1}",
      "{\"headers\":{\"a\":1}}", "{\"allow_unverified\":\"yes\"}", "{\"at\":\"yesterday\"}",
  };
  const unsigned char bad_utf8[] = {'{', '"', 0xff, '"', ':', '1', '}', 0};
  size_t i;
  ccverify_session *live = attest(sb, "\"allow_unverified\":true");

  for (i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
    CHECK(ccverify_session_attest(bad_configs[i], sb->model_id, NULL, &s) == CCVERIFY_STATUS_INVALID_ARGUMENT, "config %s",
          bad_configs[i]);
    CHECK(strstr(last_error(), "client config") != NULL || strstr(last_error(), "polic") != NULL, "config message: %s",
          last_error());
  }
  CHECK(ccverify_session_attest((const char *)bad_utf8, sb->model_id, NULL, &s) == CCVERIFY_STATUS_INVALID_ARGUMENT, "non-UTF-8");
  {
    char *config = config_for(sb, "");
    CHECK(ccverify_session_attest(config, NULL, NULL, &s) == CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL model id");
    CHECK(ccverify_session_attest(config, sb->model_id, NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "NULL out");
    /* An unknown model: the sandbox answers 404, not retried. */
    CHECK(ccverify_session_attest(config, "no-such-model", NULL, &s) == CCVERIFY_STATUS_NETWORK &&
              strstr(last_error(), "404") != NULL, "unknown model: %s", last_error());
    free(config);
  }
  /* Nothing listens on port 1: a network error after the retries. */
  CHECK(ccverify_session_attest("{\"base_url\":\"http://127.0.0.1:1\",\"retries\":1,\"backoff_ms\":1,\"policy\":\"offline\"}",
                                sb->model_id, NULL, &s) == CCVERIFY_STATUS_NETWORK, "unreachable gateway");
  CHECK(strstr(last_error(), "127.0.0.1:1") != NULL, "unreachable message: %s", last_error());
  CHECK(s == s_untouched, "attest: out written on failure");

  /* NULL sessions and outputs. */
  CHECK(ccverify_session_verdict(NULL, &v) == CCVERIFY_STATUS_INVALID_ARGUMENT && v == v_untouched, "verdict NULL");
  CHECK(ccverify_session_signing_address(NULL, &str) == CCVERIFY_STATUS_INVALID_ARGUMENT && str == str_untouched,
        "address NULL");
  CHECK(ccverify_session_bundle_json(NULL, &str) == CCVERIFY_STATUS_INVALID_ARGUMENT && str == str_untouched, "bundle NULL");
  CHECK(ccverify_session_chat(NULL, NULL, 0, NULL, &r) == CCVERIFY_STATUS_INVALID_ARGUMENT && r == r_untouched, "chat NULL");
  CHECK(ccverify_session_chat_stream(NULL, NULL, 0, 0, NULL, NULL, NULL, &r) == CCVERIFY_STATUS_INVALID_ARGUMENT &&
            r == r_untouched, "chat_stream NULL");
  CHECK(!ccverify_session_attested(NULL) && ccverify_session_model_id(NULL) == NULL && ccverify_session_nonce_hex(NULL) == NULL,
        "session accessors on NULL");
  ccverify_session_free(NULL);
  CHECK(ccverify_chat_response_status(NULL) == 0 && !ccverify_chat_response_verified(NULL) &&
            !ccverify_chat_response_attested(NULL) && !ccverify_chat_response_stream(NULL) &&
            ccverify_chat_response_verdict(NULL) == NULL && ccverify_chat_response_header_count(NULL) == 0 &&
            ccverify_chat_response_header_name(NULL, 0) == NULL && ccverify_chat_response_header_value(NULL, 0) == NULL &&
            ccverify_chat_response_header(NULL, "signature") == NULL, "response accessors on NULL");
  CHECK(ccverify_chat_response_body(NULL, &p, &len) == CCVERIFY_STATUS_INVALID_ARGUMENT && p == p_untouched && len == 77,
        "body NULL");
  ccverify_chat_response_free(NULL);
  if (live) {
    char *body = chat_body(sb, "x", 0);
    CHECK(ccverify_session_verdict(live, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "verdict NULL out");
    CHECK(ccverify_session_signing_address(live, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "address NULL out");
    CHECK(ccverify_session_bundle_json(live, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "bundle NULL out");
    CHECK(ccverify_session_chat(live, NULL, 5, NULL, &r) == CCVERIFY_STATUS_INVALID_ARGUMENT && r == r_untouched,
          "chat NULL body with a length");
    CHECK(ccverify_session_chat(live, (const uint8_t *)body, (size_t)CCVERIFY_MAX_INPUT_LEN + 1, NULL, &r) ==
              CCVERIFY_STATUS_LIMIT_EXCEEDED && r == r_untouched, "chat oversized");
    CHECK(ccverify_session_chat(live, (const uint8_t *)body, strlen(body), NULL, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT,
          "chat NULL out");
    CHECK(ccverify_session_chat_stream(live, (const uint8_t *)body, strlen(body), 0, NULL, NULL, NULL, NULL) ==
              CCVERIFY_STATUS_INVALID_ARGUMENT, "chat_stream NULL out");
    /* The gateway refuses a body that is not a chat request: an error status, never signed. */
    CHECK(ccverify_session_chat(live, (const uint8_t *)"not json", 8, NULL, &r) == CCVERIFY_STATUS_NETWORK && r == r_untouched &&
              strstr(last_error(), "422") != NULL, "chat not json: %s", last_error());
    CHECK(ccverify_session_chat(live, (const uint8_t *)body, strlen(body), NULL, &r) == CCVERIFY_STATUS_OK, "chat after errors");
    CHECK(ccverify_chat_response_body(r, NULL, &len) == CCVERIFY_STATUS_INVALID_ARGUMENT && len == 77, "body NULL ptr");
    CHECK(ccverify_chat_response_body(r, &p, NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT && p == p_untouched, "body NULL len");
    ccverify_chat_response_free(r);
    free(body);
  }
  ccverify_session_free(live);
}

/* ------------------------------------------------------------------------------------------ */
/* Fail-closed replies and cancellation */

/* GET /v1/sandbox/stats over a plain socket: the sandbox's count of `key` (-1 on failure). */
static long sandbox_stat(const sandbox *sb, const char *key) {
  const char *port_at = strrchr(sb->base_url, ':');
  if (!port_at) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(port_at + 1));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long value = -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    const char *req = "GET /v1/sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
      char buf[4096];
      size_t n = 0;
      ssize_t got;
      while (n + 1 < sizeof buf && (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)got;
      buf[n] = 0;
      char needle[64];
      snprintf(needle, sizeof needle, "\"%s\":", key);
      const char *at = strstr(buf, needle);
      if (at) value = atol(at + strlen(needle));
    }
  }
  close(fd);
  return value;
}

/* Waits up to 10 s for the sandbox to count at least `n` aborted streams. */
static int aborted_at_least(const sandbox *sb, long n) {
  for (int i = 0; i < 500; i++) {
    if (sandbox_stat(sb, "streams_aborted") >= n) return 1;
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return 0;
}

static char *long_stream_body(const sandbox *sb) {
  char words[60 * 5 + 1] = {0};
  for (int i = 0; i < 60; i++) strcat(words, i ? " word" : "word");
  return chat_body(sb, words, 1);
}

/* Stops at the first chunk by returning non-zero. */
static int stop_at_once(const uint8_t *chunk, size_t len, void *user_data) {
  (void)chunk;
  (void)len;
  (*(int *)user_data)++;
  return 1;
}

/* Cancels the token passed as user_data on the first chunk, then goes on (returns 0). */
static int cancel_token(const uint8_t *chunk, size_t len, void *user_data) {
  (void)chunk;
  (void)len;
  ccverify_cancel_cancel((const ccverify_cancel *)user_data);
  return 0;
}

/* (8) strict sessions return an unverified reply as UNVERIFIED_RESPONSE, with the reply. */
static void strict_replies(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true,\"strict\":true");
  if (!s) return;
  char *body = chat_body(sb, "hi", 0);
  ccverify_chat_response *r = NULL;
  ccverify_status st = ccverify_session_chat(s, (const uint8_t *)body, strlen(body), NULL, &r);
  CHECK(st == CCVERIFY_STATUS_UNVERIFIED_RESPONSE && r != NULL, "strict chat: %s", ccverify_status_name(st));
  CHECK(strstr(last_error(), "session.attestation") != NULL, "the reason names the failing row: %s", last_error());
  if (r) {
    CHECK(!ccverify_chat_response_verified(r), "the carried reply is unverified");
    const ccverify_verdict *v = ccverify_chat_response_verdict(r);
    CHECK(v && strcmp(status_of(v, "session.attestation", NULL), "fail") == 0, "its verdict is readable");
    ccverify_chat_response_free(r);
  }
  free(body);
  ccverify_session_free(s);
}

/* (9) a stream stopped by its callback, or by its cancel token, is aborted: CANCELLED at once,
 * and the sandbox sees the connection close. */
static void cancellation(const sandbox *sb) {
  ccverify_session *s = attest(sb, "\"allow_unverified\":true,\"headers\":{\"x-sandbox-fault\":\"slow\"}");
  if (!s) return;
  long before = sandbox_stat(sb, "streams_aborted");
  CHECK(before >= 0, "sandbox stats");
  char *body = long_stream_body(sb);
  ccverify_chat_response *r = NULL;
  int calls = 0;
  ccverify_status st =
      ccverify_session_chat_stream(s, (const uint8_t *)body, strlen(body), 0, stop_at_once, &calls, NULL, &r);
  CHECK(st == CCVERIFY_STATUS_CANCELLED && r == NULL && calls == 1, "stopped by on_chunk: %s (%d calls)",
        ccverify_status_name(st), calls);
  CHECK(aborted_at_least(sb, before + 1), "the sandbox saw the stopped stream's connection close");

  ccverify_cancel *token = NULL;
  CHECK(ccverify_cancel_new(&token) == CCVERIFY_STATUS_OK && token, "cancel_new");
  CHECK(!ccverify_cancel_is_cancelled(token), "a fresh token");
  st = ccverify_session_chat_stream(s, (const uint8_t *)body, strlen(body), 0, cancel_token, token, token, &r);
  CHECK(st == CCVERIFY_STATUS_CANCELLED && r == NULL, "cancelled by the token: %s: %s", ccverify_status_name(st),
        last_error());
  CHECK(ccverify_cancel_is_cancelled(token), "the token says so");
  CHECK(aborted_at_least(sb, before + 2), "the sandbox saw the cancelled stream's connection close");
  /* A cancelled token stops later calls before they start. */
  char *plain = chat_body(sb, "hi", 0);
  CHECK(ccverify_session_chat(s, (const uint8_t *)plain, strlen(plain), token, &r) == CCVERIFY_STATUS_CANCELLED && r == NULL,
        "chat with a cancelled token");
  ccverify_session *s2 = NULL;
  char *config = config_for(sb, "\"allow_unverified\":true");
  CHECK(ccverify_session_attest(config, sb->model_id, token, &s2) == CCVERIFY_STATUS_CANCELLED && s2 == NULL,
        "attest with a cancelled token");
  ccverify_cancel_cancel(NULL);
  ccverify_cancel_free(token);
  ccverify_cancel_free(NULL);
  CHECK(ccverify_cancel_new(NULL) == CCVERIFY_STATUS_INVALID_ARGUMENT, "cancel_new(NULL)");
  free(config);
  free(plain);
  free(body);
  ccverify_session_free(s);
}


/* ------------------------------------------------------------------------------------------ */
/* The verified path: `ccverify sandbox --evidence test` under trust "test" */

/* A client config for a test-evidence sandbox: its gateway (behind `fault`, a /fault/ name or
 * ""), its RIM, OCSP and PCS services, and `policy` (a JSON object). */
static char *verified_config(const sandbox *sb, const char *policy, const char *fault) {
  jbuf b = {NULL, 0, 0};
  char prefix[64] = "";
  char url[512];
  if (fault && *fault) snprintf(prefix, sizeof prefix, "/fault/%s", fault);
  jbuf_puts(&b, "{\"base_url\":");
  snprintf(url, sizeof url, "%s%s", sb->base_url, prefix);
  jdump_string(&b, url, strlen(url));
  jbuf_puts(&b, ",\"rim_url\":");
  snprintf(url, sizeof url, "%s%s", sb->rim_url, prefix);
  jdump_string(&b, url, strlen(url));
  jbuf_puts(&b, ",\"pccs_url\":");
  snprintf(url, sizeof url, "%s%s", sb->pccs_url, prefix);
  jdump_string(&b, url, strlen(url));
  jbuf_puts(&b, ",\"ocsp_url\":");
  jdump_string(&b, sb->ocsp_url, strlen(sb->ocsp_url));
  jbuf_puts(&b, ",\"policy\":");
  jbuf_puts(&b, policy);
  jbuf_puts(&b, ",\"timeout_ms\":120000,\"retries\":0,\"record_exchanges\":true,\"allow_unverified\":true,\"strict\":false}");
  return b.s;
}

/* {"preset":"strict","image_digests":[<the sandbox's>],"tdx":{"mrtd":[<its TD's>]},"trust":"test"}:
 * a key binding proves something only for pinned code. */
static char *strict_test_policy(const sandbox *sb) {
  jbuf b = {NULL, 0, 0};
  jbuf_puts(&b, "{\"preset\":\"strict\",\"trust\":\"test\",\"image_digests\":[");
  jdump_string(&b, sb->image_digest, strlen(sb->image_digest));
  jbuf_puts(&b, "],\"tdx\":{\"mrtd\":[");
  jdump_string(&b, sb->mrtd ? sb->mrtd : "", sb->mrtd ? strlen(sb->mrtd) : 0);
  jbuf_puts(&b, "]}}");
  return b.s;
}

static ccverify_session *attest_with(const sandbox *sb, const char *policy, const char *fault, ccverify_verdict **v) {
  char *config = verified_config(sb, policy, fault);
  ccverify_session *s = NULL;
  ccverify_status st = ccverify_session_attest(config, sb->model_id, NULL, &s);
  CHECK(st == CCVERIFY_STATUS_OK && s != NULL, "attest (%s): %s: %s", fault, ccverify_status_name(st), last_error());
  free(config);
  *v = NULL;
  if (s) CHECK(ccverify_session_verdict(s, v) == CCVERIFY_STATUS_OK && *v != NULL, "verdict: %s", last_error());
  return s;
}

/* Whether a check with this id (any subject) failed or was skipped. */
static int blocks(const ccverify_verdict *v, const char *id) {
  size_t i, n = ccverify_verdict_check_count(v);
  for (i = 0; i < n; i++) {
    ccverify_check_status st = ccverify_verdict_check_status(v, i);
    if (!strcmp(ccverify_verdict_check_id(v, i), id) && (st == CCVERIFY_CHECK_STATUS_FAIL || st == CCVERIFY_CHECK_STATUS_SKIP))
      return 1;
  }
  return 0;
}

/* (V1) A whole session verifies: attestation, plain and streamed replies, the bundle offline. */
static void verified_session(const sandbox *sb) {
  char *policy = strict_test_policy(sb), *plain = chat_body(sb, "hello", 0), *streamed = chat_body(sb, "one two three", 1);
  char *bundle = NULL, *options = NULL;
  ccverify_verdict *v = NULL;
  ccverify_chat_response *r = NULL;
  sink k = {{NULL, 0, 0}, 0};
  ccverify_session *s = attest_with(sb, policy, "", &v);
  jbuf o = {NULL, 0, 0};
  if (s && v) {
    CHECK(ccverify_verdict_verified(v) && ccverify_session_attested(s), "test-PKI attestation verified: %s",
          ccverify_verdict_fact(v, "summary"));
    EXPECT_CHECK(v, "trust.anchors", NULL, "warn", "verified session");
    EXPECT_CHECK(v, "report.key_binding", NULL, "pass", "verified session");
    CHECK(ccverify_verdict_fact(v, "summary") && !strncmp(ccverify_verdict_fact(v, "summary"), "TEST ROOTS", 10), "summary %s",
          ccverify_verdict_fact(v, "summary"));
    CHECK(ccverify_session_chat(s, (const uint8_t *)plain, strlen(plain), NULL, &r) == CCVERIFY_STATUS_OK && r &&
              ccverify_chat_response_verified(r), "plain reply verified: %s", last_error());
    ccverify_chat_response_free(r);
    r = NULL;
    CHECK(ccverify_session_chat_stream(s, (const uint8_t *)streamed, strlen(streamed), 0, collect, &k, NULL, &r) == CCVERIFY_STATUS_OK &&
              r && ccverify_chat_response_verified(r), "streamed reply verified: %s", last_error());
    CHECK(k.data.len >= 14 && !memcmp(k.data.s + k.data.len - 14, "data: [DONE]\n\n", 14), "stream ends with [DONE]");
    ccverify_chat_response_free(r);
    CHECK(ccverify_session_bundle_json(s, &bundle) == CCVERIFY_STATUS_OK && bundle, "bundle: %s", last_error());
  }
  ccverify_verdict_free(v);
  v = NULL;
  if (bundle) {
    jbuf_puts(&o, "{\"policy\":");
    jbuf_puts(&o, policy);
    jbuf_puts(&o, "}");
    options = o.s;
    CHECK(ccverify_verify_bundle((const uint8_t *)bundle, strlen(bundle), options, &v) == CCVERIFY_STATUS_OK && v &&
              ccverify_verdict_verified(v), "bundle re-verified under the test roots: %s", v ? ccverify_verdict_fact(v, "summary") : last_error());
    ccverify_verdict_free(v);
    v = NULL;
    CHECK(ccverify_verify_bundle((const uint8_t *)bundle, strlen(bundle), NULL, &v) == CCVERIFY_STATUS_OK && v &&
              !ccverify_verdict_verified(v) && blocks(v, "gpu.cert_chain"), "bundle under the production roots fails");
    ccverify_verdict_free(v);
    v = NULL;
    CHECK(ccverify_verify_bundle((const uint8_t *)bundle, strlen(bundle), "{\"policy\":\"recorded\"}", &v) == CCVERIFY_STATUS_OK && v &&
              !ccverify_verdict_verified(v), "the recorded policy never selects the test roots");
    if (v) EXPECT_CHECK(v, "trust.anchors", NULL, "missing", "recorded policy");
    ccverify_verdict_free(v);
  }
  ccverify_session_free(s);
  ccverify_string_free(bundle);
  free(options);
  free(k.data.s);
  free(policy);
  free(plain);
  free(streamed);
}

/* (V2) Each fault on the verified path flips the verdict with its check id. */
static void verified_faults(const sandbox *bound, const sandbox *unbound) {
  static const struct {
    int bound, strict;
    const char *fault, *check;
  } cases[] = {
      {0, 0, "gpu-wrong-nonce", "gpu.nonce"},     {0, 0, "tampered-rim", "gpu.driver_rim"},
      {0, 0, "debug-td", "tdx.td_attributes"},    {0, 0, "stale-collateral", "tdx.collateral"},
      {1, 0, "relay-key", "report.key_binding"},  {1, 1, "relay-key", "report.key_binding"},
      {0, 1, "relay-key", "report.key_binding"},  {0, 2, "", "gpu.cert_chain"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const sandbox *sb = cases[i].bound ? bound : unbound;
    char *strict = strict_test_policy(sb);
    /* strict 2: the production roots (no trust key at all). */
    const char *policy = cases[i].strict == 1 ? strict : cases[i].strict == 2 ? "{\"preset\":\"default\"}" : "{\"trust\":\"test\"}";
    ccverify_verdict *v = NULL;
    ccverify_session *s = attest_with(sb, policy, cases[i].fault, &v);
    if (v) {
      CHECK(!ccverify_verdict_verified(v) && blocks(v, cases[i].check), "%s (%s): %s expected to fail: %s", cases[i].fault, policy,
            cases[i].check, ccverify_verdict_fact(v, "summary"));
    }
    ccverify_verdict_free(v);
    ccverify_session_free(s);
    free(strict);
  }
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : ".";
  sandbox sb;
  if (sandbox_start(&sb, root, NULL, NULL)) {
    attestation_does_not_verify(&sb);
    chat_refused_without_allow_unverified(&sb);
    chat_allow_unverified(&sb);
    chat_stream(&sb);
    tampered_response(&sb);
    recorded_bundle(&sb);
    abi_contract(&sb);
    strict_replies(&sb);
    cancellation(&sb);
  }
  sandbox_stop(&sb);
  api_key(root);
  transient_failures(root);
  {
    static const char *const bound_args[] = {"--evidence", "test", "--gpus", "2", "--bind-key", NULL};
    static const char *const unbound_args[] = {"--evidence", "test", NULL};
    sandbox bound, unbound;
    int ok = sandbox_start_args(&bound, root, bound_args);
    if (sandbox_start_args(&unbound, root, unbound_args) && ok) {
      verified_session(&bound);
      verified_faults(&bound, &unbound);
    }
    sandbox_stop(&bound);
    sandbox_stop(&unbound);
  }
  (void)read_file;
  (void)b64decode;
  (void)jdump;
  printf("client: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

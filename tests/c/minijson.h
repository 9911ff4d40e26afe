/*
 * A minimal JSON reader (and compact writer) for the test vectors (objects, arrays, strings
 * with escapes, true, false, null, integers). Test support only: it trusts its input and aborts
 * on malformed JSON. Compiles as C11 and as C++.
 */
#ifndef MINIJSON_H
#define MINIJSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jvalue {
  jtype type;
  int boolean;
  long number;
  char *str;     /* J_STR: UTF-8, NUL-terminated (may contain no NUL) */
  size_t len;    /* J_STR: byte length; J_ARR/J_OBJ: item count */
  char **keys;   /* J_OBJ */
  struct jvalue *items;
} jvalue;

static void jfail(const char *why, const char *at) {
  fprintf(stderr, "minijson: %s near \"%.20s\"\n", why, at);
  abort();
}

static const char *jws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  return p;
}

static void jput_utf8(char **out, size_t *n, unsigned long cp) {
  char *o = *out + *n;
  if (cp < 0x80) { o[0] = (char)cp; *n += 1; }
  else if (cp < 0x800) { o[0] = (char)(0xc0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3f)); *n += 2; }
  else if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f)); *n += 3;
  } else {
    o[0] = (char)(0xf0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f)); *n += 4;
  }
}

static unsigned long jhex4(const char *p) {
  char buf[5];
  memcpy(buf, p, 4);
  buf[4] = 0;
  return strtoul(buf, NULL, 16);
}

static const char *jparse(const char *p, jvalue *v);

static const char *jstring(const char *p, char **out_str, size_t *out_len) {
  const char *end = p + 1;
  size_t cap, n = 0;
  char *s;
  while (*end && *end != '"') end += (*end == '\\') ? 2 : 1;
  cap = (size_t)(end - p) * 2 + 8;
  s = (char *)malloc(cap);
  p++;
  while (*p != '"') {
    if (!*p) jfail("unterminated string", p);
    if (*p != '\\') { s[n++] = *p++; continue; }
    p++;
    switch (*p) {
      case 'n': s[n++] = '\n'; p++; break;
      case 't': s[n++] = '\t'; p++; break;
      case 'r': s[n++] = '\r'; p++; break;
      case 'b': s[n++] = '\b'; p++; break;
      case 'f': s[n++] = '\f'; p++; break;
      case 'u': {
        unsigned long cp = jhex4(p + 1);
        p += 5;
        if (cp >= 0xd800 && cp < 0xdc00 && p[0] == '\\' && p[1] == 'u') {
          unsigned long lo = jhex4(p + 2);
          if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); p += 6; }
        }
        jput_utf8(&s, &n, cp);
        break;
      }
      default: s[n++] = *p++; break; /* \" \\ \/ */
    }
  }
  s[n] = 0;
  *out_str = s;
  *out_len = n;
  return p + 1;
}

static const char *jparse(const char *p, jvalue *v) {
  memset(v, 0, sizeof *v);
  p = jws(p);
  if (*p == '{' || *p == '[') {
    int obj = *p == '{';
    size_t cap = 8;
    v->type = obj ? J_OBJ : J_ARR;
    v->items = (jvalue *)malloc(cap * sizeof(jvalue));
    v->keys = obj ? (char **)malloc(cap * sizeof(char *)) : NULL;
    p = jws(p + 1);
    if (*p == (obj ? '}' : ']')) return p + 1;
    for (;;) {
      if (v->len == cap) {
        cap *= 2;
        v->items = (jvalue *)realloc(v->items, cap * sizeof(jvalue));
        if (obj) v->keys = (char **)realloc(v->keys, cap * sizeof(char *));
      }
      if (obj) {
        size_t klen;
        p = jws(p);
        if (*p != '"') jfail("expected key", p);
        p = jstring(p, &v->keys[v->len], &klen);
        p = jws(p);
        if (*p != ':') jfail("expected ':'", p);
        p++;
      }
      p = jparse(p, &v->items[v->len]);
      v->len++;
      p = jws(p);
      if (*p == ',') { p++; continue; }
      if (*p == (obj ? '}' : ']')) return p + 1;
      jfail("expected ',' or end", p);
    }
  }
  if (*p == '"') { v->type = J_STR; return jstring(p, &v->str, &v->len); }
  if (!strncmp(p, "true", 4)) { v->type = J_BOOL; v->boolean = 1; return p + 4; }
  if (!strncmp(p, "false", 5)) { v->type = J_BOOL; return p + 5; }
  if (!strncmp(p, "null", 4)) { v->type = J_NULL; return p + 4; }
  if (*p == '-' || (*p >= '0' && *p <= '9')) {
    char *end;
    v->type = J_NUM;
    v->number = strtol(p, &end, 10);
    return end;
  }
  jfail("unexpected character", p);
  return p;
}

static void jfree(jvalue *v) {
  size_t i;
  free(v->str);
  for (i = 0; (v->type == J_ARR || v->type == J_OBJ) && i < v->len; i++) {
    jfree(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
}

/* The member `key` of object `v`, or NULL. */
static const jvalue *jget(const jvalue *v, const char *key) {
  size_t i;
  if (!v || v->type != J_OBJ) return NULL;
  for (i = 0; i < v->len; i++)
    if (!strcmp(v->keys[i], key)) return &v->items[i];
  return NULL;
}

/* A growing NUL-terminated string buffer for jdump. */
typedef struct {
  char *s;
  size_t len, cap;
} jbuf;

static void jbuf_put(jbuf *b, const char *text, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
    b->s = (char *)realloc(b->s, b->cap);
  }
  memcpy(b->s + b->len, text, n);
  b->len += n;
  b->s[b->len] = 0;
}

static void jbuf_puts(jbuf *b, const char *text) { jbuf_put(b, text, strlen(text)); }

/* Appends `s` (`n` bytes) as a JSON string literal. */
static void jdump_string(jbuf *b, const char *s, size_t n) {
  size_t i;
  jbuf_puts(b, "\"");
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      jbuf_put(b, esc, 2);
    } else if (c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      jbuf_puts(b, esc);
    } else {
      jbuf_put(b, s + i, 1);
    }
  }
  jbuf_puts(b, "\"");
}

/* Appends `v` as compact JSON (the inverse of jparse). */
static void jdump(jbuf *b, const jvalue *v) {
  size_t i;
  char num[32];
  switch (v->type) {
    case J_NULL: jbuf_puts(b, "null"); break;
    case J_BOOL: jbuf_puts(b, v->boolean ? "true" : "false"); break;
    case J_NUM: snprintf(num, sizeof num, "%ld", v->number); jbuf_puts(b, num); break;
    case J_STR: jdump_string(b, v->str, v->len); break;
    case J_ARR:
    case J_OBJ:
      jbuf_puts(b, v->type == J_OBJ ? "{" : "[");
      for (i = 0; i < v->len; i++) {
        if (i) jbuf_puts(b, ",");
        if (v->type == J_OBJ) {
          jdump_string(b, v->keys[i], strlen(v->keys[i]));
          jbuf_puts(b, ":");
        }
        jdump(b, &v->items[i]);
      }
      jbuf_puts(b, v->type == J_OBJ ? "}" : "]");
      break;
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
  buf[n] = 0;
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

/* Decodes standard base64; returns a malloc'd buffer and its length. */
static unsigned char *b64decode(const char *in, size_t *out_len) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(in), i, o = 0;
  unsigned long acc = 0;
  int bits = 0;
  unsigned char *out = (unsigned char *)malloc(n * 3 / 4 + 4);
  for (i = 0; i < n; i++) {
    const char *pos;
    if (in[i] == '=') break;
    pos = strchr(alphabet, in[i]);
    if (!pos) jfail("bad base64", in + i);
    acc = (acc << 6) | (unsigned long)(pos - alphabet);
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (unsigned char)((acc >> bits) & 0xff); }
  }
  *out_len = o;
  return out;
}

#endif

/*
 * gauntlet's shared-memory addon (Node-API only, so one build serves every Node >= 20 of an OS and CPU).
 * Compiled on first use by harness/transport/shm-native.ts into the gauntlet cache; nothing here runs at install.
 *
 *   map(fd, length)                      -> ArrayBuffer over mmap(MAP_SHARED) of the open file
 *   unmap(arrayBuffer)                   -> detaches it (the mapping goes when the buffer is released)
 *   copy(dst, dstOff, src, srcOff, len)  -> true, or false when the source or target page is gone (SIGBUS)
 *   copyHash(dst, dstOff, src, srcOff, len) -> the 32-bit hash of the bytes copied, or -1 on SIGBUS
 *   hash(src, off, len)                  -> the 32-bit hash of the bytes, or -1 on SIGBUS
 *
 * A file truncated under a live mapping turns every access past its new end into SIGBUS, which would end the
 * process that reads it. Every copy and hash here runs under a SIGBUS guard (sigsetjmp), so a truncated region is
 * an error the caller can report, not a dead host. Buffers are ArrayBuffers, typed arrays or Buffers; offsets and
 * lengths are checked against both buffers before any byte is touched.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static __thread sigjmp_buf guard_env;
static __thread volatile sig_atomic_t guard_on = 0;
static struct sigaction previous_bus;

static void on_sigbus(int sig, siginfo_t *info, void *ctx) {
  if (guard_on) {
    guard_on = 0;
    siglongjmp(guard_env, 1);
  }
  /* Not ours: put the previous disposition back and return; the faulting access runs again under it. */
  sigaction(SIGBUS, &previous_bus, NULL);
  (void)sig; (void)info; (void)ctx;
}

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t round64(uint64_t acc, uint64_t w) { acc += w * P2; acc = rotl(acc, 31); return acc * P1; }
static inline uint64_t merge(uint64_t h, uint64_t v) { h ^= round64(0, v); return h * P1 + P4; }

/* xxHash64's structure (4 lanes of 8 bytes, then the tail), seed 0; copies src to dst on the way when dst != NULL. */
static uint32_t hash_copy(uint8_t *dst, const uint8_t *src, size_t len) {
  const uint8_t *p = src;
  const uint8_t *end = src + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = (uint64_t)0 - P1;
    const uint8_t *limit = end - 32;
    do {
      uint64_t w[4];
      memcpy(w, p, 32);
      if (dst) { memcpy(dst, w, 32); dst += 32; }
      v1 = round64(v1, w[0]); v2 = round64(v2, w[1]); v3 = round64(v3, w[2]); v4 = round64(v4, w[3]);
      p += 32;
    } while (p <= limit);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4);
  } else {
    h = P5;
  }
  h += (uint64_t)len;
  size_t rest = (size_t)(end - p);
  if (dst && rest) memcpy(dst, p, rest);
  while (p + 8 <= end) { uint64_t k; memcpy(&k, p, 8); h ^= round64(0, k); h = rotl(h, 27) * P1 + P4; p += 8; }
  if (p + 4 <= end) { uint32_t k; memcpy(&k, p, 4); h ^= (uint64_t)k * P1; h = rotl(h, 23) * P2 + P3; p += 4; }
  while (p < end) { h ^= (*p) * P5; h = rotl(h, 11) * P1; p++; }
  h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
  return (uint32_t)(h ^ (h >> 32));
}

static napi_value throw_error(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* The bytes of an ArrayBuffer, typed array or Buffer. */
static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool is = false;
  void *ptr = NULL;
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, v, &ptr, length) != napi_ok) return 0;
    *data = (uint8_t *)ptr;
    return 1;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count, offset;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &count, &ptr, &ab, &offset) != napi_ok) return 0;
    size_t width = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: width = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
      default: width = 1;
    }
    *data = (uint8_t *)ptr;
    *length = count * width;
    return 1;
  }
  return 0;
}

static int int_arg(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (d < 0 || d > 9007199254740991.0 || d != (double)(int64_t)d) return 0;
  *out = (int64_t)d;
  return 1;
}

static void unmap_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value js_map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t fd, length;
  if (argc < 2 || !int_arg(env, argv[0], &fd) || !int_arg(env, argv[1], &length) || length == 0) {
    return throw_error(env, "GAUNTLET_SHM_ARGS", "map(fd, length): expected a file descriptor and a length > 0");
  }
  void *p = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  if (p == MAP_FAILED) {
    char message[160];
    snprintf(message, sizeof message, "mmap of fd %lld (%lld bytes) failed: %s", (long long)fd, (long long)length, strerror(errno));
    return throw_error(env, "GAUNTLET_SHM_MAP", message);
  }
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(env, p, (size_t)length, unmap_finalize, (void *)(uintptr_t)length, &ab);
  if (s != napi_ok) {
    munmap(p, (size_t)length);
    return throw_error(env, "GAUNTLET_SHM_MAP", "this runtime refuses external ArrayBuffers (napi_create_external_arraybuffer)");
  }
  return ab;
}

static napi_value js_unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is) != napi_ok || !is) return throw_error(env, "GAUNTLET_SHM_ARGS", "unmap(arrayBuffer): expected the ArrayBuffer map() returned");
  bool detached = false;
  napi_is_detached_arraybuffer(env, argv[0], &detached);
  if (!detached) napi_detach_arraybuffer(env, argv[0]);
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

/* Shared argument checks of copy/copyHash: dst, dstOff, src, srcOff, len. */
static int copy_args(napi_env env, napi_callback_info info, uint8_t **dst, uint8_t **src, size_t *len) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *d, *s;
  size_t dl, sl;
  int64_t doff, soff, n;
  if (argc < 5 || !bytes_of(env, argv[0], &d, &dl) || !bytes_of(env, argv[2], &s, &sl)
      || !int_arg(env, argv[1], &doff) || !int_arg(env, argv[3], &soff) || !int_arg(env, argv[4], &n)) {
    throw_error(env, "GAUNTLET_SHM_ARGS", "copy(dst, dstOffset, src, srcOffset, length): expected two buffers and three integers >= 0");
    return 0;
  }
  if ((uint64_t)doff + (uint64_t)n > dl || (uint64_t)soff + (uint64_t)n > sl) {
    char message[200];
    snprintf(message, sizeof message, "copy of %lld bytes out of bounds (source %lld+%lld of %zu, target %lld+%lld of %zu)",
             (long long)n, (long long)soff, (long long)n, sl, (long long)doff, (long long)n, dl);
    napi_throw_range_error(env, "GAUNTLET_SHM_BOUNDS", message);
    return 0;
  }
  *dst = d + doff;
  *src = s + soff;
  *len = (size_t)n;
  return 1;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value js_copy(napi_env env, napi_callback_info info) {
  uint8_t *dst, *src;
  size_t len;
  if (!copy_args(env, info, &dst, &src, &len)) return NULL;
  napi_value out;
  if (sigsetjmp(guard_env, 1) != 0) { napi_get_boolean(env, false, &out); return out; }
  guard_on = 1;
  memmove(dst, src, len);
  guard_on = 0;
  napi_get_boolean(env, true, &out);
  return out;
}

static napi_value js_copy_hash(napi_env env, napi_callback_info info) {
  uint8_t *dst, *src;
  size_t len;
  if (!copy_args(env, info, &dst, &src, &len)) return NULL;
  if (sigsetjmp(guard_env, 1) != 0) return number(env, -1);
  guard_on = 1;
  uint32_t h = hash_copy(dst, src, len);
  guard_on = 0;
  return number(env, (double)h);
}

static napi_value js_hash(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *s;
  size_t sl;
  int64_t off, n;
  if (argc < 3 || !bytes_of(env, argv[0], &s, &sl) || !int_arg(env, argv[1], &off) || !int_arg(env, argv[2], &n)) {
    return throw_error(env, "GAUNTLET_SHM_ARGS", "hash(src, offset, length): expected a buffer and two integers >= 0");
  }
  if ((uint64_t)off + (uint64_t)n > sl) {
    napi_throw_range_error(env, "GAUNTLET_SHM_BOUNDS", "hash: offset + length past the end of the buffer");
    return NULL;
  }
  if (sigsetjmp(guard_env, 1) != 0) return number(env, -1);
  guard_on = 1;
  uint32_t h = hash_copy(NULL, s + off, (size_t)n);
  guard_on = 0;
  return number(env, (double)h);
}

static napi_value init(napi_env env, napi_value exports) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &previous_bus);
  napi_property_descriptor props[] = {
    { "map", NULL, js_map, NULL, NULL, NULL, napi_default, NULL },
    { "unmap", NULL, js_unmap, NULL, NULL, NULL, napi_default, NULL },
    { "copy", NULL, js_copy, NULL, NULL, NULL, napi_default, NULL },
    { "copyHash", NULL, js_copy_hash, NULL, NULL, NULL, napi_default, NULL },
    { "hash", NULL, js_hash, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

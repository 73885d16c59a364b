// Blocks in the browser: BLAKE2b-256 (the hash behind every CID) from libsodium's own sources
// and zstd decompression from libzstd's, the libraries and versions the CLI links
// (Pipelines/wasm-sources.sh fetches them). Results go to the module's one output buffer
// (Exports.swift), as for every other export.
#include <stdint.h>
#include <string.h>

#include "sodium/crypto_generichash_blake2b.h"
#include "zstd.h"

// Exports.swift: the output buffer resized to `count` bytes (its contents undefined), or set.
uint8_t *qc_output_reserve(int32_t count);
void qc_output_set(const uint8_t *bytes, int32_t count);

// sodium/utils.c and core.c bring locked memory, signals and randomness the hash never uses;
// these are the two helpers BLAKE2b calls from them.
void sodium_memzero(void *const pnt, const size_t len) {
    volatile unsigned char *p = pnt;
    for (size_t i = 0; i < len; i++) p[i] = 0;
}

void sodium_misuse(void) { __builtin_trap(); }

// For the shared Swift read path (Platform.swift): the hashes CIDs name and zstd decoding,
// as the native Sodium and Zstd modules call them.
#include "sodium/crypto_hash_sha256.h"

void qc_c_blake2b256(uint8_t *out, const uint8_t *bytes, size_t count) {
    crypto_generichash_blake2b(out, 32, bytes, (unsigned long long)count, NULL, 0);
}

void qc_c_sha256(uint8_t *out, const uint8_t *bytes, size_t count) {
    crypto_hash_sha256(out, bytes, (unsigned long long)count);
}

const char *qc_c_zstd_version(void) { return ZSTD_versionString(); }

// Negative codes name the problem (qc_c_zstd_problem); else the frame's declared size.
static const char *const zstdProblems[] = {
    "", "empty input", "not a zstd frame", "frame without a content size",
    "content size over the limit", "bytes after the frame", "frame shorter than its content size",
    "corrupt zstd frame",
};

long qc_c_zstd_size(const uint8_t *bytes, size_t length, long limit) {
    if (length == 0) return -1;
    unsigned long long declared = ZSTD_getFrameContentSize(bytes, length);
    if (declared == ZSTD_CONTENTSIZE_ERROR) return -2;
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN) return -3;
    if (declared > (unsigned long long)limit) return -4;
    size_t frame = ZSTD_findFrameCompressedSize(bytes, length);
    if (ZSTD_isError(frame)) return -7;
    if (frame != length) return -5;
    return (long)declared;
}

long qc_c_zstd_into(uint8_t *out, size_t size, const uint8_t *bytes, size_t length) {
    size_t written = ZSTD_decompress(out, size, bytes, length);
    if (ZSTD_isError(written)) return -7;
    return (long)written;
}

const char *qc_c_zstd_problem(long code) {
    long i = -code;
    return i > 0 && i < (long)(sizeof zstdProblems / sizeof *zstdProblems) ? zstdProblems[i] : "zstd error";
}

// The exports below let Tests/WasmTests (BlockParityTests) check the functions above against
// the native libraries: they are the page's own hashing and frame rules, not a second copy.

// Output: the 32-byte BLAKE2b digest of the bytes (no key), as the CLI's Sodium.blake2b256.
__attribute__((export_name("qc_blake2b256")))
int32_t qc_blake2b256(const uint8_t *bytes, int32_t length) {
    uint8_t digest[32];
    qc_c_blake2b256(digest, bytes, (size_t)length);
    qc_output_set(digest, sizeof digest);
    return 0;
}

// 1 when the bytes hash to `digest` (32 bytes), else 0, as CID.matches decides whether a
// fetched block is kept. Leaves the output as it was.
__attribute__((export_name("qc_verify_blake2b256")))
int32_t qc_verify_blake2b256(const uint8_t *bytes, int32_t length, const uint8_t *digest) {
    uint8_t actual[32];
    qc_c_blake2b256(actual, bytes, (size_t)length);
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= actual[i] ^ digest[i];
    return diff == 0;
}

// Decompresses one zstd frame that declares its size by the rules Platform.swift's
// Zstd.decompress applies. Returns the size with the bytes as the output, or -1 with the
// reason as the output. `limit` bounds the declared size, so a hostile frame cannot claim
// gigabytes.
__attribute__((export_name("qc_zstd_decompress")))
int32_t qc_zstd_decompress(const uint8_t *bytes, int32_t length, int32_t limit) {
    long code = qc_c_zstd_size(bytes, (size_t)length, limit);
    if (code >= 0) {
        uint8_t *out = qc_output_reserve((int32_t)code);
        long written = qc_c_zstd_into(out, (size_t)code, bytes, (size_t)length);
        if (written == code) return (int32_t)written;
        code = written < 0 ? written : -6;
    }
    const char *problem = qc_c_zstd_problem(code);
    qc_output_set((const uint8_t *)problem, (int32_t)strlen(problem));
    return -1;
}

// Two more libsodium helpers (sodium/utils.c), for Ed25519 verification (open.c), which the
// page uses on manifest and version signatures as the CLI does.
int sodium_is_zero(const unsigned char *n, const size_t nlen) {
    volatile unsigned char d = 0;
    for (size_t i = 0; i < nlen; i++) d |= n[i];
    return 1 & ((d - 1) >> 8);
}

int sodium_memcmp(const void *const b1_, const void *const b2_, size_t len) {
    const volatile unsigned char *b1 = b1_, *b2 = b2_;
    volatile unsigned char d = 0;
    for (size_t i = 0; i < len; i++) d |= b1[i] ^ b2[i];
    return (1 & ((d - 1) >> 8)) - 1;
}

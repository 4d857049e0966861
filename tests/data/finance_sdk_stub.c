/* A stand-in for WeCom's libWeWorkFinanceSdk_C.so with the same C API, for testing the ctypes binding
 * without WeCom's servers. GetChatData answers the file named by STUB_CHATDATA (or, when unset, echoes
 * its arguments as JSON); DecryptData hands back encrypt_msg when encrypt_key equals STUB_KEY, else
 * fails with 10006 like the real SDK. Init accepts only corp id "wwstub" with secret "stub-secret". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int initialised; } WeWorkFinanceSdk_t;
typedef struct { char *buf; int len; } Slice_t;

static void put(Slice_t *out, const char *text) {
    size_t n = strlen(text);
    out->buf = malloc(n + 1);
    memcpy(out->buf, text, n + 1);
    out->len = (int)n;
}

WeWorkFinanceSdk_t *NewSdk(void) { return calloc(1, sizeof(WeWorkFinanceSdk_t)); }
void DestroySdk(WeWorkFinanceSdk_t *sdk) { free(sdk); }
Slice_t *NewSlice(void) { return calloc(1, sizeof(Slice_t)); }
void FreeSlice(Slice_t *slice) { if (slice) { free(slice->buf); free(slice); } }
char *GetContentFromSlice(Slice_t *slice) { return slice->buf; }
int GetSliceLen(Slice_t *slice) { return slice->len; }

int Init(WeWorkFinanceSdk_t *sdk, const char *corpid, const char *secret) {
    if (!corpid || !secret || strcmp(corpid, "wwstub") != 0 || strcmp(secret, "stub-secret") != 0) return 10000;
    sdk->initialised = 1;
    return 0;
}

int GetChatData(WeWorkFinanceSdk_t *sdk, unsigned long long seq, unsigned int limit, const char *proxy,
                const char *passwd, int timeout, Slice_t *out) {
    if (!sdk || !sdk->initialised) return 10003;
    const char *path = getenv("STUB_CHATDATA");
    if (!path) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"errcode\":0,\"errmsg\":\"ok\",\"chatdata\":[],\"echo\":{\"seq\":%llu,\"limit\":%u,"
                 "\"proxy\":\"%s\",\"passwd\":\"%s\",\"timeout\":%d}}",
                 seq, limit, proxy ? proxy : "", passwd ? passwd : "", timeout);
        put(out, text);
        return 0;
    }
    FILE *file = fopen(path, "rb");
    if (!file) return 10001;
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, file);
    fclose(file);
    text[n] = 0;
    /* only the first call (seq 0) gets the messages: later calls read past them */
    if (seq > 0) put(out, "{\"errcode\":0,\"errmsg\":\"ok\",\"chatdata\":[]}"); else put(out, text);
    free(text);
    return 0;
}

int DecryptData(const char *encrypt_key, const char *encrypt_msg, Slice_t *out) {
    const char *expected = getenv("STUB_KEY");
    if (!encrypt_key || !encrypt_msg || !expected || strcmp(encrypt_key, expected) != 0) return 10006;
    put(out, encrypt_msg);
    return 0;
}

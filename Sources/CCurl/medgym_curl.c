#include "medgym_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static int ready;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(failure, sizeof failure, "libcurl is not installed (%s): install it (Debian: apt-get install libcurl4)",
                 why ? why : "dlopen failed");
        return;
    }
#define MEDGYM_CURL_SYMBOL(field, name)                                                                         \
    *(void **)(&api.field) = dlsym(library, name);                                                             \
    if (api.field == NULL) {                                                                                   \
        snprintf(failure, sizeof failure, "libcurl.so.4 has no %s: install libcurl 7.85 or later", name);      \
        return;                                                                                                \
    }
    MEDGYM_CURL_SYMBOL(global_init, "curl_global_init")
    MEDGYM_CURL_SYMBOL(easy_init, "curl_easy_init")
    MEDGYM_CURL_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    MEDGYM_CURL_SYMBOL(easy_perform, "curl_easy_perform")
    MEDGYM_CURL_SYMBOL(easy_strerror, "curl_easy_strerror")
    MEDGYM_CURL_SYMBOL(easy_setopt, "curl_easy_setopt")
    MEDGYM_CURL_SYMBOL(easy_getinfo, "curl_easy_getinfo")
    MEDGYM_CURL_SYMBOL(slist_append, "curl_slist_append")
    MEDGYM_CURL_SYMBOL(slist_free_all, "curl_slist_free_all")
#undef MEDGYM_CURL_SYMBOL
    CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(failure, sizeof failure, "libcurl's global setup failed (%s)", api.easy_strerror(code));
        return;
    }
    ready = 1;
}

const char *medgym_curl_setup(void) {
    pthread_once(&once, load);
    return ready ? NULL : failure;
}

CURL *medgym_curl_easy_init(void) { return api.easy_init(); }
void medgym_curl_easy_cleanup(CURL *handle) { api.easy_cleanup(handle); }
CURLcode medgym_curl_easy_perform(CURL *handle) { return api.easy_perform(handle); }
const char *medgym_curl_easy_strerror(CURLcode code) { return api.easy_strerror(code); }
struct curl_slist *medgym_curl_slist_append(struct curl_slist *list, const char *text) { return api.slist_append(list, text); }
void medgym_curl_slist_free_all(struct curl_slist *list) { api.slist_free_all(list); }

CURLcode medgym_curl_setopt_long(CURL *handle, CURLoption option, long value) { return api.easy_setopt(handle, option, value); }
CURLcode medgym_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) { return api.easy_setopt(handle, option, value); }
CURLcode medgym_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return api.easy_setopt(handle, option, value);
}
CURLcode medgym_curl_setopt_write(CURL *handle, medgym_curl_write_callback callback, void *context) {
    CURLcode code = api.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
    return code != CURLE_OK ? code : api.easy_setopt(handle, CURLOPT_WRITEDATA, context);
}
CURLcode medgym_curl_setopt_header(CURL *handle, medgym_curl_write_callback callback, void *context) {
    CURLcode code = api.easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
    return code != CURLE_OK ? code : api.easy_setopt(handle, CURLOPT_HEADERDATA, context);
}
CURLcode medgym_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return api.easy_getinfo(handle, info, value); }
CURLcode medgym_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) { return api.easy_getinfo(handle, info, value); }
CURLcode medgym_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) { return api.easy_getinfo(handle, info, value); }

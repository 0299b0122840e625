#ifndef MEDGYM_CURL_H
#define MEDGYM_CURL_H

#include <curl/curl.h>

// libcurl is loaded on first use (dlopen), not linked: it brings some thirty shared
// libraries (TLS, HTTP/2, LDAP, Kerberos…) that every MedGym process would otherwise
// map and relocate at start (about 3 ms of each process), and only an openai: agent uses it.

/// Loads libcurl once and runs its global setup: NULL when it is ready, else why not.
const char *medgym_curl_setup(void);

CURL *medgym_curl_easy_init(void);
void medgym_curl_easy_cleanup(CURL *handle);
CURLcode medgym_curl_easy_perform(CURL *handle);
const char *medgym_curl_easy_strerror(CURLcode code);
struct curl_slist *medgym_curl_slist_append(struct curl_slist *list, const char *text);
void medgym_curl_slist_free_all(struct curl_slist *list);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
// one typed wrapper for each kind of value MedGym passes.
typedef size_t (*medgym_curl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode medgym_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode medgym_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode medgym_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode medgym_curl_setopt_write(CURL *handle, medgym_curl_write_callback callback, void *context);
CURLcode medgym_curl_setopt_header(CURL *handle, medgym_curl_write_callback callback, void *context);
CURLcode medgym_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode medgym_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode medgym_curl_getinfo_string(CURL *handle, CURLINFO info, char **value);

#endif

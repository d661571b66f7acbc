#ifndef TRAPKEEPER_CCURL_SHIM_H
#define TRAPKEEPER_CCURL_SHIM_H

#include <curl/curl.h>
#include <zlib.h>

/*
 * Typed, non-variadic wrappers: Swift cannot call the variadic curl_easy_setopt /
 * curl_easy_getinfo / curl_multi_setopt, nor the zlib init macros.
 */

/* ---- curl_easy_setopt ---- */

static inline CURLcode tk_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tk_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tk_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tk_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION */
static inline CURLcode tk_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/* CURLOPT_XFERINFOFUNCTION */
static inline CURLcode tk_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode tk_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* ---- curl_easy_getinfo ---- */

static inline CURLcode tk_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode tk_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode tk_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode tk_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* ---- curl_multi ---- */

static inline CURLMcode tk_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/* ---- constants Swift cannot import (cast / shift macros) ---- */

static inline unsigned long tk_curlauth_bearer(void) { return CURLAUTH_BEARER; }
static inline unsigned long tk_curlauth_basic(void) { return CURLAUTH_BASIC; }
static inline long tk_curl_global_default(void) { return CURL_GLOBAL_DEFAULT; }

/* ---- zlib ---- */

/* Inflate that auto-detects a gzip or zlib header (windowBits 15 + 32). */
static inline int tk_inflate_init_auto(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}

/* Deflate that writes a gzip wrapper (windowBits 15 + 16). */
static inline int tk_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif

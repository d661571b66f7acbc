#ifndef TRAPKEEPER_CCURL_SHIM_H
#define TRAPKEEPER_CCURL_SHIM_H
#include <curl/curl.h>
#endif

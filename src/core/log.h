/* core/log.h - levelled logging to stderr, one line per event.
 *     log_set_level(LOG_INFO);
 *     log_warn("store: cannot open '%s': %s", path, msg);
 * Messages below the level are not formatted. Library code logs; it never printf()s.
 * Never log biometric data (descriptors, images).                                       */
#ifndef SHOP_CORE_LOG_H
#define SHOP_CORE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern int log_level_current;

void log_set_level(int level);
/* Parses "debug", "info", "warn", "error", "off"; returns -1 when unknown. */
int log_level_parse(const char *name);
void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                                                                      \
    do {                                                                                      \
        if ((lvl) >= log_level_current)                                                       \
            log_write((lvl), __VA_ARGS__);                                                    \
    } while (0)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

#endif

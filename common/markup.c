/* XML/HTML escaping that always yields well-formed, inert text. */
#include "markup.h"
#include "utf8.h"

#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

int
markup_escape(struct strbuf *sb, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    int clean = 1;

    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);

        if (!n) {
            strbuf_addstr(sb, replacement);
            clean = 0;
            i++;
            continue;
        }
        switch (cp) {
        case '&':
            strbuf_addstr(sb, "&amp;");
            break;
        case '<':
            strbuf_addstr(sb, "&lt;");
            break;
        case '>':
            strbuf_addstr(sb, "&gt;");
            break;
        case '"':
            strbuf_addstr(sb, "&quot;");
            break;
        case '\'':
            strbuf_addstr(sb, "&#39;");
            break;
        default:
            /* XML 1.0 forbids most C0 controls even as character references; the rest
             * would only mislead a reader of the printed page. */
            if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                (cp >= 0x7f && cp < 0xa0) || cp == 0xfffe || cp == 0xffff ||
                utf8_is_bidi_control(cp)) {
                strbuf_addstr(sb, replacement);
                clean = 0;
            } else {
                strbuf_add(sb, p + i, n);
            }
        }
        i += n;
    }
    return clean;
}

int
markup_escape_str(struct strbuf *sb, const char *s)
{
    if (!s)
        return 1;
    return markup_escape(sb, s, strlen(s));
}

void
markup_escape_visible(struct strbuf *sb, const void *data, size_t len)
{
    struct strbuf safe = STRBUF_INIT;

    /* strbuf_add_safe leaves only printable, valid UTF-8: markup_escape then has
     * nothing to replace, only entities to write */
    strbuf_add_safe(&safe, data, len);
    markup_escape(sb, safe.buf, safe.len);
    strbuf_release(&safe);
}

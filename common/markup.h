/* Escaping text for XML and HTML documents (DFXML exports, printable reports).
 * Text from evidence is hostile: markup characters become entities, invalid UTF-8
 * and characters XML 1.0 forbids become U+FFFD, so the document always parses. */
#ifndef CUSTODY_MARKUP_H
#define CUSTODY_MARKUP_H

#include <stddef.h>

#include "strbuf.h"

/* Append len bytes as XML/HTML character data or attribute value content:
 * & < > " ' as entities; C0 controls other than TAB, LF, CR, DEL, C1 controls,
 * U+FFFE/U+FFFF, bidirectional overrides and invalid UTF-8 as U+FFFD.
 * Returns 1 when nothing had to be replaced, 0 otherwise. */
int markup_escape(struct strbuf *sb, const void *data, size_t len);
/* The same for a NUL-terminated string; NULL appends nothing. */
int markup_escape_str(struct strbuf *sb, const char *s);
/* The same entities, for labels an analyst must be able to tell apart (plots):
 * invalid UTF-8, control bytes and bidirectional overrides are shown as visible
 * \xHH escapes (strbuf_add_safe) instead of U+FFFD. */
void markup_escape_visible(struct strbuf *sb, const void *data, size_t len);

#endif

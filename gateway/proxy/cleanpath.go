package proxy

import (
	"path"
	"strings"
	"unicode/utf8"
)

// CleanPath is the one path cleaning of the gateway: it drops the query, refuses
// fragments, backslashes, control bytes, bad escapes, double encoding (a decoded
// "%"), a decoded "?" or "#" and invalid UTF-8, percent-decodes once and applies path.Clean. The
// result has no trailing slash except for "/". ok is false when the path must
// not be judged at all; callers treat that as Protected.
func CleanPath(rawPath string) (string, bool) {
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	if rawPath == "" || rawPath[0] != '/' {
		return "", false
	}
	decoded, ok := decodeOnce(rawPath)
	if !ok {
		return "", false
	}
	return path.Clean(decoded), true
}

// decodeOnce percent-decodes s once, refusing what would make the result mean
// different things to different readers. It does not allocate when s has no
// escapes.
func decodeOnce(s string) (string, bool) {
	escapes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return "", false
			}
			escapes++
			i += 2
		case !pathByteOK(c):
			return "", false
		}
	}
	if escapes == 0 {
		return s, utf8.ValidString(s)
	}
	b := make([]byte, 0, len(s)-2*escapes)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			if c == '%' || !pathByteOK(c) {
				return "", false
			}
			i += 2
		}
		b = append(b, c)
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// pathByteOK refuses bytes that no browser sends in a path and that upstream
// stacks disagree about: control bytes, DEL, "#", "?" and "\". A raw path
// has no "?" (the query is cut first), so this refuses a decoded %3F, which a
// stack that decodes before splitting off the query would read as one.
func pathByteOK(c byte) bool {
	return c >= 0x20 && c != 0x7f && c != '#' && c != '?' && c != '\\'
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

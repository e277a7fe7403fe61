package obs

import (
	"crypto/rand"
	"encoding/base32"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewRequestID returns a random 80-bit id, 16 characters, safe in URLs and logs.
func NewRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	var out [16]byte // 10 bytes of base32 without padding
	idEncoding.Encode(out[:], b[:])
	return string(out[:])
}

// SaneRequestID reports whether an incoming X-Request-ID can be kept: 1-64 bytes of
// letters, digits, '-', '_', '.', ':' only, so it cannot inject into logs or headers.
func SaneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

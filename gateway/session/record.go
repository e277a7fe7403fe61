package session

import (
	"encoding/binary"
	"errors"
	"time"
)

// Identity is who the visitor is at the org, as the token and userinfo answers
// described them when the session was created.
type Identity struct {
	UserID            string
	OrgID             string
	Username          string
	PreferredUsername string
	Email             string
	Name              string
	IdentityURL       string
}

// Tokens are the OAuth tokens the gateway holds for the visitor. They never
// leave the server.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	InstanceURL  string
	Scope        string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	Flow         string // "web-server" or "jwt-bearer"
}

// Record is everything stored server-side for one session.
type Record struct {
	Site      string
	Identity  Identity
	Tokens    Tokens
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
	// Version grows on every meaningful change (Manager.Save). Store.Update
	// refuses to replace a record with a newer Version, so a slow request's
	// LastSeen touch cannot overwrite freshly refreshed tokens.
	Version int64
}

// recordFormat is the first byte of an encoded record; bump it when the
// layout changes so old records are rejected instead of misread.
const recordFormat byte = 1

// appendRecord appends a compact binary encoding of rec to dst: a format
// byte, then each string as uvarint length + bytes and each time as varint
// Unix nanoseconds (0 for the zero time). It is a fraction of the size of
// JSON, which matters for Redis memory at 100k sessions, and needs no
// reflection on the hot path.
func appendRecord(dst []byte, rec *Record) []byte {
	dst = append(dst, recordFormat)
	for _, s := range [...]string{
		rec.Site,
		rec.Identity.UserID, rec.Identity.OrgID, rec.Identity.Username,
		rec.Identity.PreferredUsername, rec.Identity.Email, rec.Identity.Name,
		rec.Identity.IdentityURL,
		rec.Tokens.AccessToken, rec.Tokens.RefreshToken, rec.Tokens.InstanceURL,
		rec.Tokens.Scope, rec.Tokens.Flow,
		rec.CSRF,
	} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	for _, t := range [...]time.Time{rec.Tokens.IssuedAt, rec.Tokens.ExpiresAt, rec.CreatedAt, rec.LastSeen} {
		dst = binary.AppendVarint(dst, timeToNanos(t))
	}
	return binary.AppendVarint(dst, rec.Version)
}

func timeToNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nanosToTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

var errBadRecord = errors.New("malformed record encoding")

// decodeRecord is the inverse of appendRecord. The one copy into a string is
// all it allocates besides the Record: the record's strings are cut from it.
func decodeRecord(b []byte) (*Record, error) { return decodeStored(string(b)) }

package session

import (
	"fmt"
	"time"
)

// decodeStored is decodeRecord for the memory store's encoded records: it
// reads from a string, and the record's strings are cut from it rather than
// copied, so a Get allocates only the Record. A test checks it against
// decodeRecord.
func decodeStored(s string) (*Record, error) {
	if len(s) == 0 || s[0] != recordFormat {
		return nil, fmt.Errorf("%w: want format byte %d", errBadRecord, recordFormat)
	}
	d := stringDecoder{s: s[1:]}
	rec := &Record{}
	for _, p := range [...]*string{
		&rec.Site,
		&rec.Identity.UserID, &rec.Identity.OrgID, &rec.Identity.Username,
		&rec.Identity.PreferredUsername, &rec.Identity.Email, &rec.Identity.Name,
		&rec.Identity.IdentityURL,
		&rec.Tokens.AccessToken, &rec.Tokens.RefreshToken, &rec.Tokens.InstanceURL,
		&rec.Tokens.Scope, &rec.Tokens.Flow,
		&rec.CSRF,
	} {
		*p = d.string()
	}
	for _, p := range [...]*time.Time{&rec.Tokens.IssuedAt, &rec.Tokens.ExpiresAt, &rec.CreatedAt, &rec.LastSeen} {
		*p = nanosToTime(d.varint())
	}
	rec.Version = d.varint()
	if d.err != nil {
		return nil, d.err
	}
	if len(d.s) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadRecord, len(d.s))
	}
	return rec, nil
}

// stringDecoder reads appendRecord's varints and strings from a string.
type stringDecoder struct {
	s   string
	err error
}

// uvarint is binary.Uvarint over a string.
func (d *stringDecoder) uvarint() uint64 {
	var x uint64
	for i, shift := 0, uint(0); i < len(d.s) && i < 10; i, shift = i+1, shift+7 {
		b := d.s[i]
		if b < 0x80 {
			if i == 9 && b > 1 {
				break // overflows 64 bits
			}
			d.s = d.s[i+1:]
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
	}
	d.err = fmt.Errorf("%w: truncated integer", errBadRecord)
	return 0
}

func (d *stringDecoder) string() string {
	if d.err != nil {
		return ""
	}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)) {
		d.err = fmt.Errorf("%w: string length out of range", errBadRecord)
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

// varint is binary.Varint over a string (zig-zag).
func (d *stringDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

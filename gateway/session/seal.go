package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sync"
)

// How a record is named and sealed in Redis (doc.go says why). The layout is
// the store's on-disk format: a record written by any earlier release must
// still open, so none of these may change without a new key kind or format.

// hashName turns an id into a key-name component. The name must not let a
// reader of KEYS or a dump recover the cookie's value, so it is a one-way
// hash, domain-separated from the record key derivation.
func hashName(kind, id string) string {
	h := sha256.New()
	h.Write([]byte("logateway/session/name/" + kind + "\x00"))
	h.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// recordAEAD returns the per-session AES-256-GCM cipher, derived from the id
// once and then remembered: HKDF and the AES key schedule were a measurable share
// of every Redis-backed request. The memory already holds these ids (the
// Manager's cookie cache); the bound keeps it small.
func recordAEAD(id string) (cipher.AEAD, error) {
	aeadCache.mu.RLock()
	a, ok := aeadCache.m[id]
	aeadCache.mu.RUnlock()
	if ok {
		return a, nil
	}
	a, err := deriveAEAD(id)
	if err != nil {
		return nil, err
	}
	aeadCache.mu.Lock()
	if aeadCache.m == nil || len(aeadCache.m) >= aeadCacheSize {
		aeadCache.m = make(map[string]cipher.AEAD, 256)
	}
	aeadCache.m[id] = a
	aeadCache.mu.Unlock()
	return a, nil
}

const aeadCacheSize = 16384

var aeadCache struct {
	mu sync.RWMutex
	m  map[string]cipher.AEAD
}

func deriveAEAD(id string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(id), nil, "logateway/session/record-key/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Stored value layout: version (8 bytes big-endian, in the clear so the
// Update script can compare it) | nonce (12) | GCM(seal of the encoded
// record). The version and key name are the AEAD's additional data, so
// neither can be changed or the blob moved to another key undetected.
const versionLen = 8

func seal(key string, id string, rec *Record) ([]byte, error) {
	aead, err := recordAEAD(id)
	if err != nil {
		return nil, err
	}
	plain := appendRecord(make([]byte, 0, 512), rec)
	out := make([]byte, versionLen+aead.NonceSize(), versionLen+aead.NonceSize()+len(plain)+aead.Overhead())
	binary.BigEndian.PutUint64(out, uint64(max(rec.Version, 0)))
	if _, err := rand.Read(out[versionLen:]); err != nil {
		return nil, err
	}
	ad := append(out[:versionLen:versionLen], key...)
	out = aead.Seal(out, out[versionLen:], plain, ad)
	clear(plain)
	return out, nil
}

// open never writes to blob, which may be the client-side cache's own copy.
func open(key, id string, blob []byte) (*Record, error) {
	aead, err := recordAEAD(id)
	if err != nil {
		return nil, err
	}
	if len(blob) < versionLen+aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: stored value too short", errBadRecord)
	}
	ad := append(blob[:versionLen:versionLen], key...)
	nonce := blob[versionLen : versionLen+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, blob[versionLen+aead.NonceSize():], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: record failed authentication", errBadRecord)
	}
	return decodeRecord(plain)
}

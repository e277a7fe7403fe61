package session

import (
	"context"
	"errors"
	"time"
)

// Store keeps session records server-side. Implementations are safe for
// concurrent use.
//
// The id a Manager passes to a Store is a bearer secret with at least 256
// bits of entropy: stores must not log it and must not use it verbatim as a
// key name anywhere an operator or a dump could read it.
type Store interface {
	// Get returns a copy of the record. ErrNotFound when absent or expired;
	// any other error wraps ErrUnavailable.
	Get(ctx context.Context, id string) (*Record, error)
	// Put stores the whole record atomically (create or replace) for ttl.
	Put(ctx context.Context, id string, rec *Record, ttl time.Duration) error
	// Update replaces the record only if one is stored and its Version is not
	// greater than rec.Version: ErrNotFound when the record is gone (it is not
	// resurrected after Delete), ErrStale when the store holds a newer one.
	Update(ctx context.Context, id string, rec *Record, ttl time.Duration) error
	Delete(ctx context.Context, id string) error
	// Lock takes a short exclusive lock on key (one token refresh per session
	// at a time, across replicas). It waits up to wait and returns
	// ErrLockTimeout if the lock stays taken. The lock expires by itself after
	// ttl. unlock may be called more than once; it releases only this holder's
	// lock, never one taken by someone else after this one expired.
	Lock(ctx context.Context, key string, ttl, wait time.Duration) (unlock func(), err error)
	Ping(ctx context.Context) error
	Close() error
}

var (
	// ErrNotFound: no such record, or it expired.
	ErrNotFound = errors.New("session: record not found")
	// ErrUnavailable: the store could not answer (down, timeout). Callers
	// answer 503; they must never treat it as "signed out".
	ErrUnavailable = errors.New("session: store unavailable")
	// ErrLockTimeout: the lock stayed taken for the whole wait.
	ErrLockTimeout = errors.New("session: lock wait timed out")
	// ErrStale: Update found a newer record version in the store.
	ErrStale = errors.New("session: stored record is newer")
)

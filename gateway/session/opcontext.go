package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// opContext bounds one store command by a deadline without starting a timer
// until something waits on it. A read that the client-side cache answers
// never does, so it skips the timer and the entry in the request context's
// cancel tree that context.WithDeadline would make, and remove, on every
// request. Anything that calls Done gets a real context.WithDeadline.
type opContext struct {
	parent   context.Context
	deadline time.Time
	once     sync.Once
	started  atomic.Bool
	inner    context.Context
	cancel   context.CancelFunc
}

func newOpContext(parent context.Context, timeout time.Duration) *opContext {
	d := time.Now().Add(timeout)
	if pd, ok := parent.Deadline(); ok && pd.Before(d) {
		d = pd
	}
	return &opContext{parent: parent, deadline: d}
}

func (c *opContext) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *opContext) Value(key any) any           { return c.parent.Value(key) }

func (c *opContext) Done() <-chan struct{} {
	c.once.Do(func() {
		c.inner, c.cancel = context.WithDeadline(c.parent, c.deadline)
		c.started.Store(true)
	})
	return c.inner.Done()
}

func (c *opContext) Err() error {
	if c.started.Load() {
		return c.inner.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// stop ends the command: a context that was started is cancelled, and one
// that was not can no longer start (a late Done sees it cancelled).
func (c *opContext) stop() {
	c.once.Do(func() {
		c.inner = stoppedContext
		c.started.Store(true)
	})
	if c.cancel != nil {
		c.cancel()
	}
}

// stoppedContext is what an opContext is after stop when nothing had waited on it.
var stoppedContext = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

package session

import (
	"context"
	"time"
)

// Hook is told of each command (or batch) the Redis store sent, once its
// answer came: name is the lower-case command ("get", "set", "evalsha") or
// "pipeline" for a write sent together with the read that follows it;
// failed is false for a missing key, which is an answer. A read answered
// from the client-side cache sent nothing and is not reported.
type Hook interface {
	Command(ctx context.Context, name string, start time.Time, failed bool)
}

// CommandTimer is a Hook that reports each command's duration (metrics).
type CommandTimer func(command string, failed bool, seconds float64)

// Command implements Hook.
func (f CommandTimer) Command(_ context.Context, name string, start time.Time, failed bool) {
	f(name, failed, time.Since(start).Seconds())
}

// CommandSpans is a Hook that records each command as a span from start to
// now under the span in ctx (tracing). Only the command's name is passed:
// never a key or a value.
type CommandSpans func(ctx context.Context, command string, start time.Time, failed bool)

// Command implements Hook.
func (f CommandSpans) Command(ctx context.Context, name string, start time.Time, failed bool) {
	f(ctx, name, start, failed)
}

package session

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// CommandTimer is a go-redis hook that reports each command's (or batch's)
// duration: command is go-redis's lower-case name, "pipeline" or "multi" for a
// batch; failed is false for a missing key (redis.Nil), which is an answer.
type CommandTimer func(command string, failed bool, seconds float64)

// DialHook implements redis.Hook.
func (CommandTimer) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// ProcessHook implements redis.Hook.
func (f CommandTimer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		f(cmd.Name(), failed(err), time.Since(start).Seconds())
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (f CommandTimer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		f(BatchName(cmds), failed(err), time.Since(start).Seconds())
		return err
	}
}

// BatchName is "multi" for a transaction, "pipeline" otherwise.
func BatchName(cmds []redis.Cmder) string {
	if len(cmds) > 0 && cmds[0].Name() == "multi" {
		return "multi"
	}
	return "pipeline"
}

func failed(err error) bool { return err != nil && !errors.Is(err, redis.Nil) }

// CommandSpans is a go-redis hook that opens a span around each command (or
// batch) through start, which returns the span's context and its end. Only the
// command's name is passed: never a key or a value.
type CommandSpans func(ctx context.Context, command string) (context.Context, func(failed bool))

// DialHook implements redis.Hook.
func (CommandSpans) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (f CommandSpans) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, end := f(ctx, cmd.Name())
		err := next(ctx, cmd)
		end(failed(err))
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (f CommandSpans) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		ctx, end := f(ctx, BatchName(cmds))
		err := next(ctx, cmds)
		end(failed(err))
		return err
	}
}

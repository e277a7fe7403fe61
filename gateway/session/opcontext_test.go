package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestOpContextEndsAtItsDeadlineWhenWaitedOn(t *testing.T) {
	op := newOpContext(context.Background(), 30*time.Millisecond)
	defer op.stop()
	if err := op.Err(); err != nil {
		t.Fatalf("Err before the deadline = %v", err)
	}
	select {
	case <-op.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done did not close at the deadline")
	}
	if err := op.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err after the deadline = %v, want DeadlineExceeded", err)
	}
}

func TestOpContextIsPastItsDeadlineEvenIfNothingWaited(t *testing.T) {
	op := newOpContext(context.Background(), time.Millisecond)
	defer op.stop()
	time.Sleep(5 * time.Millisecond)
	if err := op.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err = %v, want DeadlineExceeded", err)
	}
	if op.started.Load() {
		t.Fatal("Err started a timer")
	}
}

func TestOpContextFollowsItsParent(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "rid"))
	op := newOpContext(parent, time.Hour)
	defer op.stop()
	if op.Value(key{}) != "rid" {
		t.Fatal("the parent's values are lost")
	}
	cancel()
	if err := op.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err after the parent's cancel = %v", err)
	}
	select {
	case <-op.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done did not close with the parent")
	}
}

func TestOpContextTakesTheParentsEarlierDeadline(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op := newOpContext(parent, time.Hour)
	defer op.stop()
	pd, _ := parent.Deadline()
	if d, ok := op.Deadline(); !ok || !d.Equal(pd) {
		t.Fatalf("Deadline = %v %v, want the parent's %v", d, ok, pd)
	}
}

func TestOpContextStoppedIsDone(t *testing.T) {
	for _, waited := range []bool{false, true} {
		op := newOpContext(context.Background(), time.Hour)
		if waited {
			_ = op.Done()
		}
		op.stop()
		select {
		case <-op.Done():
		default:
			t.Fatalf("waited=%v: Done is open after stop", waited)
		}
		if op.Err() == nil {
			t.Fatalf("waited=%v: Err is nil after stop", waited)
		}
	}
}

func TestOpContextDoneAndStopRace(t *testing.T) {
	for range 200 {
		op := newOpContext(context.Background(), time.Hour)
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); <-op.Done() }()
		go func() { defer wg.Done(); _ = op.Err() }()
		go func() { defer wg.Done(); op.stop() }()
		wg.Wait()
	}
}

package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is cancelled on SIGINT/SIGTERM so long operations (pull,
// logs -f, wait) stop cleanly and run their deferred cleanup.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// onSignals calls fn, one signal at a time, for each of sigs pier receives
// until stop is called. buf is how many signals may wait for fn before
// signal.Notify drops more: a burst to forward wants room, a resize only
// the last one.
func onSignals(buf int, fn func(os.Signal), sigs ...os.Signal) (stop func()) {
	ch := make(chan os.Signal, buf)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-ch:
				fn(s)
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

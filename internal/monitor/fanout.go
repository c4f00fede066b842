package monitor

import (
	"os"
	"sync"
	"time"
)

const (
	// maxPending is how much output an attach client may fall behind
	// before it is dropped: a client that stops reading must not hold up
	// the container (whose output would block) or the other clients.
	maxPending = 4 << 20
	// finishTimeout bounds the wait for clients to take their last output
	// and the exit frame.
	finishTimeout = 2 * time.Second
)

// client is one attach connection with its own writer: the pumps only
// append to its queue, so a slow reader slows nobody else. The primary
// client (the one that started the process: run, start -a, exec) is the
// exception: when it falls maxPending behind, the output waits for it,
// as a pipe would, so that it loses nothing.
type client struct {
	f       *os.File
	primary bool
	mu      sync.Mutex
	buf     []byte // frames waiting to be written
	free    []byte // the other buffer, reused once written
	// closing: no more frames; the writer ends after writing buf, and
	// closes f unless keepOpen (the cleaning client still talks to us).
	closing, keepOpen bool
	dead              bool // the writer failed: drop the client
	wake              chan struct{}
	drained           chan struct{} // the writer wrote a batch
	done              chan struct{} // closed when the writer ends
	once              sync.Once
}

func newClient(f *os.File, primary bool) *client {
	c := &client{f: f, primary: primary, wake: make(chan struct{}, 1), drained: make(chan struct{}, 1), done: make(chan struct{})}
	go c.writer()
	return c
}

// enqueue queues a frame (copied); false when the client is too far
// behind and must be dropped.
func (c *client) enqueue(frame []byte) bool {
	c.mu.Lock()
	if c.primary && len(c.buf)+len(frame) > maxPending {
		c.waitDrained(len(frame))
	}
	switch {
	case c.closing:
		c.mu.Unlock()
		return true
	case c.dead || len(c.buf)+len(frame) > maxPending:
		c.mu.Unlock()
		return false
	}
	c.buf = append(c.buf, frame...)
	c.mu.Unlock()
	c.signal()
	return true
}

// waitDrained waits, within clientTimeout, for the writer to make room
// for n more bytes. Called and returns with c.mu held.
func (c *client) waitDrained(n int) {
	t := time.NewTimer(clientTimeout)
	defer t.Stop()
	for len(c.buf)+n > maxPending && !c.dead && !c.closing {
		c.mu.Unlock()
		select {
		case <-c.drained:
		case <-t.C:
			c.mu.Lock()
			return
		}
		c.mu.Lock()
	}
}

// last queues a final frame (nil for none) and lets the writer end.
func (c *client) last(frame []byte, keepOpen bool) {
	c.mu.Lock()
	if !c.closing {
		c.buf = append(c.buf, frame...)
		c.closing, c.keepOpen = true, keepOpen
	}
	c.mu.Unlock()
	c.signal()
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close ends the connection; a blocked write returns.
func (c *client) close() {
	c.once.Do(func() { c.f.Close() })
}

func (c *client) writer() {
	defer close(c.done)
	for {
		c.mu.Lock()
		for len(c.buf) == 0 && !c.closing {
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		if len(c.buf) == 0 {
			keep := c.keepOpen
			c.mu.Unlock()
			if !keep {
				c.close()
			}
			return
		}
		out := c.buf
		c.buf, c.free = c.free[:0], nil
		closing := c.closing
		c.mu.Unlock()
		timeout := clientTimeout
		if closing {
			timeout = finishTimeout
		}
		_ = c.f.SetWriteDeadline(time.Now().Add(timeout))
		_, err := c.f.Write(out)
		c.mu.Lock()
		c.free = out[:0]
		c.dead = err != nil
		c.mu.Unlock()
		select {
		case c.drained <- struct{}{}:
		default:
		}
		if err != nil {
			c.close() // the reader side notices and drops it
			return
		}
	}
}

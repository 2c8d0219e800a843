package web

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Page views teach For you (a story or one of its articles opened)
// through a signalWriter: the page is served whatever becomes of the
// write, which runs after it in the background, one at a time.
const (
	// signalQueue bounds the writes waiting: beyond it a view teaches
	// nothing (counted as dropped) rather than holding the page.
	signalQueue = 1024
	// signalTimeout bounds one write.
	signalTimeout = 10 * time.Second
)

// signalWriter runs learning writes in the background, in order. A
// failing write is logged with its error and counted; Close runs what is
// queued, then stops.
type signalWriter struct {
	logger *slog.Logger

	mu      sync.Mutex
	idle    *sync.Cond // signalled when pending falls to 0
	pending int        // queued or running
	closed  bool
	jobs    chan signalJob
	done    chan struct{} // closed when the worker ends

	written, failed, dropped atomic.Int64
}

// signalJob is one learning write of a user's.
type signalJob struct {
	what string
	user int64
	run  func(ctx context.Context) error
}

func newSignalWriter(logger *slog.Logger) *signalWriter {
	w := &signalWriter{logger: logger}
	w.idle = sync.NewCond(&w.mu)
	return w
}

// add queues a write; it never waits. The worker starts with the first.
func (w *signalWriter) add(what string, user int64, run func(ctx context.Context) error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		w.dropped.Add(1)
		return
	}
	if w.jobs == nil {
		w.jobs, w.done = make(chan signalJob, signalQueue), make(chan struct{})
		go w.work()
	}
	select {
	case w.jobs <- signalJob{what: what, user: user, run: run}:
		w.pending++
	default:
		// Said once per power of two, not once per view.
		if n := w.dropped.Add(1); n&(n-1) == 0 {
			w.logger.Warn("learning writes dropped: the queue is full", "what", what, "dropped", n)
		}
	}
}

func (w *signalWriter) work() {
	defer close(w.done)
	for job := range w.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), signalTimeout)
		err := job.run(ctx)
		cancel()
		if err != nil {
			w.failed.Add(1)
			w.logger.Error("learning write failed", "what", job.what, "user", job.user, "err", err)
		} else {
			w.written.Add(1)
		}
		w.mu.Lock()
		if w.pending--; w.pending == 0 {
			w.idle.Broadcast()
		}
		w.mu.Unlock()
	}
}

// flush waits until every write queued so far has run.
func (w *signalWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.pending > 0 {
		w.idle.Wait()
	}
}

// close runs the queued writes and stops the worker; later writes are
// dropped.
func (w *signalWriter) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	done := w.done
	if w.jobs != nil {
		close(w.jobs)
	}
	w.mu.Unlock()
	if done != nil {
		<-done
	}
}

// SignalStats counts the learning writes of page views since start, by
// outcome: written, failed (logged with their error), dropped (the queue
// was full, or the server closing).
func (s *Server) SignalStats() map[string]float64 {
	return map[string]float64{
		"written": float64(s.signals.written.Load()),
		"failed":  float64(s.signals.failed.Load()),
		"dropped": float64(s.signals.dropped.Load()),
	}
}

// Close runs the learning writes still queued and stops their worker:
// call it once the HTTP server has shut down.
func (s *Server) Close() error {
	s.signals.close()
	return nil
}

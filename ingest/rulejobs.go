package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// RuleJobStore is what the rules' re-application jobs need of a store
// (digest.RuleStore has it).
type RuleJobStore interface {
	RuleJobsDue(ctx context.Context) ([]int64, error)
	RunRuleJob(ctx context.Context, userID int64) (done bool, err error)
}

// RuleJobs runs the re-application of users' rules to their stored
// articles in the background: a change of rules queues the user's job in
// the database (the store does), Wake tells the runner, and the runner
// judges a chunk of articles at a time, taking the due users in turn so
// that one user's long job does not hold up another's short one. Jobs
// left by a previous run, or queued by another process, are found at
// Start and then every poll interval.
type RuleJobs struct {
	store RuleJobStore
	log   *slog.Logger
	poll  time.Duration

	mu       sync.Mutex
	finished []func(userID int64)

	wake   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// RuleJobsOptions configure a RuleJobs.
type RuleJobsOptions struct {
	// Poll is how often the database is asked for due jobs besides Wake
	// (jobs queued by another process); 10 s when 0.
	Poll   time.Duration
	Logger *slog.Logger
}

// NewRuleJobs returns the runner over store; Start runs it.
func NewRuleJobs(store RuleJobStore, o RuleJobsOptions) *RuleJobs {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	return &RuleJobs{store: store, log: o.Logger.With("component", "rules"), poll: o.Poll, wake: make(chan struct{}, 1)}
}

// OnFinish adds f to what is called (in the runner's goroutine) each time
// a user's job ends: the web server drops what it caches of the user's
// lists then.
func (j *RuleJobs) OnFinish(f func(userID int64)) {
	j.mu.Lock()
	j.finished = append(j.finished, f)
	j.mu.Unlock()
}

// Wake tells the runner that a job was queued.
func (j *RuleJobs) Wake() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// Start runs the runner until ctx ends or Close.
func (j *RuleJobs) Start(ctx context.Context) {
	// Its reads run apart from the readers' (digest.WithBackground).
	ctx, j.cancel = context.WithCancel(digest.WithBackground(ctx))
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		j.loop(ctx)
	}()
	j.Wake()
}

// Close stops the runner and waits for it; a job under way is resumed by
// the next Start, from its last stored chunk.
func (j *RuleJobs) Close() error {
	if j.cancel != nil {
		j.cancel()
	}
	j.wg.Wait()
	return nil
}

func (j *RuleJobs) loop(ctx context.Context) {
	backoff, failures := time.Second, 0
	poll := time.NewTimer(j.poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-j.wake:
		case <-poll.C:
		}
		err := j.runAll(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := j.poll
		if err != nil {
			failures++
			if failures == 1 || failures%10 == 0 {
				j.log.Error("rule jobs", "err", err, "failures", failures, "retry_in", backoff)
			}
			wait, backoff = backoff, min(2*backoff, time.Minute)
		} else {
			backoff, failures = time.Second, 0
		}
		if !poll.Stop() {
			select {
			case <-poll.C:
			default:
			}
		}
		poll.Reset(wait)
	}
}

// runAll runs every due job to its end, a chunk of each in turn, and
// looks for new ones until there are none.
func (j *RuleJobs) runAll(ctx context.Context) error {
	for {
		due, err := j.store.RuleJobsDue(ctx)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		for len(due) > 0 {
			left := due[:0]
			for _, u := range due {
				if err := ctx.Err(); err != nil {
					return err
				}
				done, err := j.store.RunRuleJob(ctx, u)
				if err != nil {
					return fmt.Errorf("rule job of user %d: %w", u, err)
				}
				if !done {
					left = append(left, u)
					continue
				}
				j.log.Info("rules re-applied", "user", u)
				j.mu.Lock()
				fs := j.finished
				j.mu.Unlock()
				for _, f := range fs {
					f(u)
				}
			}
			due = left
		}
	}
}

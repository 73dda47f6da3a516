package comments

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kept-ogp/kept/services/kit/distlock"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
)

// Service posts, lists and moderates comments.
type Service struct {
	Store   *Store
	Updates *Updates
	// Locks, when set, makes each read-modify-write (a comment's moderation,
	// a commitment's list of comments) exclusive across replicas, as for
	// questions (kit/distlock, keys comment:<id> and thread:<plan>/<code>).
	Locks *distlock.Locker
	Now   func() time.Time
}

func (s *Service) lock(ctx context.Context, key string) (func(), error) {
	if s.Locks == nil {
		return func() {}, nil
	}
	release, err := s.Locks.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("%s is busy: %w", key, err)
	}
	return release, nil
}

// PublicUpdate returns update id if it is public and belongs to the
// commitment, else ErrUpdateNotFound.
func (s *Service) PublicUpdate(ctx context.Context, plan, commitment, id string) (*Update, error) {
	u, err := s.Updates.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Plan != plan || u.Commitment != commitment || !u.Public() {
		return nil, ErrUpdateNotFound
	}
	return u, nil
}

// New is the comment p (validated) would make on u, not stored.
func (s *Service) New(u *Update, p Post) *Comment {
	return &Comment{ID: ulid.Make().String(), Plan: u.Plan, Commitment: u.Commitment, Update: u.ID, Item: u.Item,
		Text: p.Text, Language: p.Language, DisplayName: p.DisplayName, CreatedAt: s.Now().UTC().Truncate(time.Millisecond),
		Redactions: []questions.Moderation{}}
}

// Post stores c. Its id goes on the commitment's list first and the
// comment second: a failure between the two leaves an id that lists
// nothing, never a comment that is not listed.
func (s *Service) Post(ctx context.Context, c *Comment) error {
	unlock, err := s.lock(ctx, "thread:"+threadKey(c.Plan, c.Commitment))
	if err != nil {
		return err
	}
	err = s.Store.appendToThread(ctx, c)
	unlock()
	if err != nil {
		return err
	}
	return s.Store.insert(ctx, c)
}

// List returns the comments of a commitment whose update is public now,
// oldest first, of one update when update is set: the newest MaxList, and
// whether older ones were left out. Comments of an update that is no
// longer public are kept but not listed.
func (s *Service) List(ctx context.Context, plan, commitment, update string) ([]Comment, bool, error) {
	entries, err := s.Store.thread(ctx, plan, commitment)
	if err != nil {
		return nil, false, err
	}
	public := map[string]bool{}
	var keep []threadEntry
	for _, e := range entries {
		if update != "" && e.Update != update {
			continue
		}
		ok, seen := public[e.Update]
		if !seen {
			_, err := s.PublicUpdate(ctx, plan, commitment, e.Update)
			if err != nil && !errors.Is(err, ErrUpdateNotFound) {
				return nil, false, err
			}
			ok = err == nil
			public[e.Update] = ok
		}
		if ok {
			keep = append(keep, e)
		}
	}
	truncated := len(keep) > MaxList
	if truncated {
		keep = keep[len(keep)-MaxList:]
	}
	out, err := s.load(ctx, keep)
	if err != nil {
		return nil, false, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, truncated, nil
}

// load reads the listed comments by _id, a few at a time; an id whose
// comment is missing (its insert failed) is skipped.
func (s *Service) load(ctx context.Context, entries []threadEntry) ([]Comment, error) {
	const parallel = 8
	got := make([]*Comment, len(entries))
	errs := make([]error, len(entries))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := s.Store.Get(ctx, e.ID)
			if errors.Is(err, ErrNotFound) {
				return
			}
			got[i], errs[i] = c, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]Comment, 0, len(got))
	for _, c := range got {
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// Change applies fn to comment id of the commitment under the comment's
// lock and saves it.
func (s *Service) Change(ctx context.Context, plan, commitment, id string, fn func(*Comment, time.Time) error) (*Comment, error) {
	unlock, err := s.lock(ctx, "comment:"+id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Plan != plan || c.Commitment != commitment {
		return nil, ErrNotFound
	}
	if err := fn(c, s.Now().UTC().Truncate(time.Millisecond)); err != nil {
		return nil, err
	}
	if err := s.Store.save(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

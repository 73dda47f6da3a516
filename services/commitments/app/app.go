// Package app assembles the commitments service from its parts, for its own
// binary and for the all-in-one process.
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/api"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/commitments/internal/events"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
	"github.com/kept-ogp/kept/services/commitments/internal/store"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Name is the service name; its database defaults to kept_commitments.
const Name = "commitments"

// Service is the running commitments service.
type Service struct {
	store  *store.Store
	relay  *outbox.Relay
	api    *api.Handler
	logger *slog.Logger
}

// New builds the service on d.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	st := store.New(d.DB)
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	pub := stream.NewPublisher(d.Redis, events.Stream, d.Config.StreamMaxLen)
	s := &Service{store: st, relay: outbox.NewRelay(st.Plans(), pub, 0, d.Logger), logger: d.Logger}
	s.api = &api.Handler{Store: st, Importer: s, Verifier: d.Tokens, Logger: d.Logger}
	return s, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the public API, the PoC's writes and the token admin API.
func (s *Service) Routes(r *gin.Engine) {
	s.api.Routes(r)
	if store, ok := s.api.Verifier.(*auth.Store); ok {
		auth.AdminRoutes(r.Group("/api/v1/admin"), store)
	}
}

// Run relays the outbox until ctx is done.
func (s *Service) Run(ctx context.Context) error { return s.relay.Run(ctx) }

// Import parses a plan file and stores it as a new revision; the whole file is
// validated before anything is written.
func (s *Service) Import(ctx context.Context, r io.Reader, filename string, opts planfile.Options, by string) (*store.Revision, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filename, err)
	}
	pf, err := parse(raw, filename, opts)
	if err != nil {
		return nil, err
	}
	return s.storeParsed(ctx, pf, raw, filename, by)
}

// storeParsed stores a parsed file as the plan's next revision and publishes it.
func (s *Service) storeParsed(ctx context.Context, pf *planfile.Plan, raw []byte, filename, by string) (*store.Revision, error) {
	unlock := s.relay.Lock(pf.ID)
	rev, err := s.store.Import(ctx, catalog.FromFile(pf), store.Revision{ImportedBy: by, Filename: filename, SHA256: api.Digest(raw)}, s.eventsFor(ctx))
	unlock()
	if err != nil {
		return nil, err
	}
	s.flush(ctx, pf.ID)
	return rev, nil
}

// ImportIfChanged imports unless the plan's latest revision came from the
// same bytes; `kept run --load` uses it so restarts add no empty revisions.
func (s *Service) ImportIfChanged(ctx context.Context, r io.Reader, filename, by string) (*store.Revision, bool, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", filename, err)
	}
	pf, err := parse(raw, filename, planfile.Options{})
	if err != nil {
		return nil, false, err
	}
	last, err := s.store.LatestRevision(ctx, pf.ID)
	if err != nil {
		return nil, false, err
	}
	if last != nil && last.SHA256 == api.Digest(raw) {
		return last, false, nil
	}
	rev, err := s.storeParsed(ctx, pf, raw, filename, by) // already read and parsed
	return rev, err == nil, err
}

// parse reads a plan file. Every failure is the file's fault (empty, not a
// spreadsheet, wrong encoding), so a whole-file problem is reported like a
// row problem, on row 0, and the API answers 422 rather than 500.
func parse(raw []byte, filename string, opts planfile.Options) (*planfile.Plan, error) {
	pf, err := planfile.Parse(bytes.NewReader(raw), filename, opts)
	var ve *planfile.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return nil, &planfile.ValidationError{Errors: []planfile.FieldError{{Row: 0, Message: err.Error()}}}
	}
	return pf, err
}

// SetDeadline stores a date the PoC set by hand.
func (s *Service) SetDeadline(ctx context.Context, planID, code string, d catalog.Deadline) (*store.PlanDoc, error) {
	unlock := s.relay.Lock(planID)
	doc, err := s.store.SetDeadline(ctx, planID, code, d, s.eventsFor(ctx))
	unlock()
	if err != nil {
		return nil, err
	}
	s.flush(ctx, planID)
	return doc, nil
}

func (s *Service) eventsFor(ctx context.Context) store.EventsFunc {
	return func(p catalog.Plan, revision, version int64) []*eventsv1.Envelope {
		return events.ForPlan(ctx, p, revision, version)
	}
}

// flush publishes at once; if it fails the relay's next pass retries.
func (s *Service) flush(ctx context.Context, planID string) {
	if err := s.relay.Flush(ctx, planID); err != nil {
		s.logger.WarnContext(ctx, "outbox flush failed; relay will retry", "plan", planID, "error", err)
	}
}

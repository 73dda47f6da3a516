// Package allowlist is the set of sites that may frame the embeds: the fixed
// entries of EMBED_ALLOWED_ORIGINS and the ones the staff console adds,
// stored in the dashboards database (collection embed_origins, one document
// per origin, _id the origin as embedhttp.ValidateOrigin normalises it).
//
// Every replica keeps the merged list in memory, in the embedhttp.Policy the
// embed routes send, and reloads it from the database periodically (Run);
// the replica that makes a change reloads at once.
package allowlist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/dashboards/internal/embedhttp"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Sources of an entry.
const (
	SourceConfig  = "config"  // EMBED_ALLOWED_ORIGINS: cannot be removed through the API
	SourceConsole = "console" // added through the API, stored in MongoDB
)

// MaxNote bounds a note, in characters.
const MaxNote = 200

// MaxPolicyBytes bounds the frame-ancestors source list (origins joined by
// spaces). The list goes into a response header of every embed, and ingress
// proxies refuse upstream headers past a few kilobytes (ingress-nginx's
// proxy-buffer-size is 4k by default), which would break every widget.
const MaxPolicyBytes = 2048

// Collection is where console entries are stored.
const Collection = "embed_origins"

// Kinds of refusal; the error's message is meant for the API's caller.
var (
	ErrInvalid    = errors.New("invalid origin")
	ErrBadNote    = errors.New("invalid note")
	ErrExists     = errors.New("already on the allowlist")
	ErrNotFound   = errors.New("not on the allowlist")
	ErrConfigured = errors.New("set by configuration")
	ErrTooLong    = errors.New("allowlist too long")
)

type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

func refuse(kind error, format string, a ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, a...)}
}

// Entry is one allowed origin as the API shows it. Config entries carry
// only Origin and Source.
type Entry struct {
	Origin  string     `json:"origin"`
	Source  string     `json:"source"`
	AddedBy string     `json:"added_by,omitempty"`
	AddedAt *time.Time `json:"added_at,omitempty"`
	Note    string     `json:"note,omitempty"`
}

type doc struct {
	Origin  string    `bson:"_id"`
	AddedBy string    `bson:"added_by"`
	AddedAt time.Time `bson:"added_at"`
	Note    string    `bson:"note,omitempty"`
}

func (d doc) entry() Entry {
	at := d.AddedAt.UTC()
	return Entry{Origin: d.Origin, Source: SourceConsole, AddedBy: d.AddedBy, AddedAt: &at, Note: d.Note}
}

// Allowlist is the merged allowlist of one replica.
type Allowlist struct {
	config []string
	coll   *mongo.Collection
	policy *embedhttp.Policy
	logger *slog.Logger
	now    func() time.Time
	// mu makes a reload (read, then set) one step, so a slow reload that
	// read before a change cannot overwrite the list read after it.
	mu sync.Mutex
}

// New keeps console entries in db; config is the output of
// embedhttp.ParseAllowlist for EMBED_ALLOWED_ORIGINS. The policy lists only
// config until the first Reload.
func New(db *mongo.Database, config []string, logger *slog.Logger) *Allowlist {
	return &Allowlist{config: slices.Clone(config), coll: db.Collection(Collection),
		policy: embedhttp.NewPolicy(config), logger: logger, now: time.Now}
}

// Policy is what the embed routes send; it follows every reload.
func (a *Allowlist) Policy() *embedhttp.Policy { return a.policy }

// Reload reads the console entries and replaces the policy with config
// followed by them.
func (a *Allowlist) Reload(ctx context.Context) error {
	_, err := a.List(ctx)
	return err
}

// List reloads and returns every entry: config first, in its order, then the
// console's by origin. A stored origin that config also lists shows once, as
// config.
func (a *Allowlist) List(ctx context.Context) ([]Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	docs, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, 0, len(a.config)+len(docs))
	origins := make([]string, 0, len(a.config)+len(docs))
	for _, o := range a.config {
		entries = append(entries, Entry{Origin: o, Source: SourceConfig})
		origins = append(origins, o)
	}
	for _, d := range docs {
		if slices.Contains(a.config, d.Origin) {
			continue
		}
		entries = append(entries, d.entry())
		origins = append(origins, d.Origin)
	}
	a.policy.Set(origins)
	return entries, nil
}

func (a *Allowlist) load(ctx context.Context) ([]doc, error) {
	cur, err := a.coll.Find(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("read embed allowlist: %w", err)
	}
	var docs []doc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read embed allowlist: %w", err)
	}
	slices.SortFunc(docs, func(x, y doc) int { return strings.Compare(x.Origin, y.Origin) })
	return docs, nil
}

// Add stores origin (normalised) with an optional note, by the named
// principal, and reloads. It refuses an invalid origin (ErrInvalid, with
// ValidateOrigin's message), a note over MaxNote characters (ErrBadNote), an
// origin already listed (ErrExists) and one that would make the policy
// longer than MaxPolicyBytes (ErrTooLong).
func (a *Allowlist) Add(ctx context.Context, origin, note, by string) (Entry, error) {
	o, err := embedhttp.ValidateOrigin(origin)
	if err != nil {
		return Entry{}, refuse(ErrInvalid, "%s", err.Error())
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n > MaxNote {
		return Entry{}, refuse(ErrBadNote, "note: at most %d characters, got %d", MaxNote, n)
	}
	if slices.Contains(a.config, o) {
		return Entry{}, refuse(ErrExists, "origin %q is already allowed by EMBED_ALLOWED_ORIGINS", o)
	}
	docs, err := a.load(ctx)
	if err != nil {
		return Entry{}, err
	}
	size := len(o)
	for _, x := range a.config {
		size += len(x) + 1
	}
	for _, d := range docs {
		if d.Origin == o {
			return Entry{}, refuse(ErrExists, "origin %q is already on the allowlist", o)
		}
		size += len(d.Origin) + 1
	}
	if size > MaxPolicyBytes {
		return Entry{}, refuse(ErrTooLong, "adding origin %q would make frame-ancestors %d bytes long, over the limit of %d; remove an entry or use a wildcard such as https://*.example.gc.ca", o, size, MaxPolicyBytes)
	}
	d := doc{Origin: o, AddedBy: by, AddedAt: a.now().UTC().Truncate(time.Millisecond), Note: note}
	if _, err := a.coll.InsertOne(ctx, d); err != nil {
		if mongox.IsDuplicateKey(err) {
			return Entry{}, refuse(ErrExists, "origin %q is already on the allowlist", o)
		}
		return Entry{}, fmt.Errorf("store embed origin %s: %w", o, err)
	}
	a.reloadAfterChange(ctx)
	return d.entry(), nil
}

// Remove deletes a console entry and reloads. origin may be given in any
// form ValidateOrigin accepts. Config entries are refused (ErrConfigured);
// an origin not stored is ErrNotFound.
func (a *Allowlist) Remove(ctx context.Context, origin string) error {
	o, err := embedhttp.ValidateOrigin(origin)
	if err != nil {
		// Nothing invalid is ever stored.
		return refuse(ErrNotFound, "origin %q is not on the allowlist", origin)
	}
	if slices.Contains(a.config, o) {
		return refuse(ErrConfigured, "origin %q is set by EMBED_ALLOWED_ORIGINS and can be removed only there", o)
	}
	res, err := a.coll.DeleteOne(ctx, bson.M{"_id": o})
	if err != nil {
		return fmt.Errorf("remove embed origin %s: %w", o, err)
	}
	if res.DeletedCount == 0 {
		return refuse(ErrNotFound, "origin %q is not on the allowlist", o)
	}
	a.reloadAfterChange(ctx)
	return nil
}

// reloadAfterChange reloads after a write that succeeded; a failure only
// delays the change on this replica until the next periodic reload, so it is
// logged rather than reported as the write's failure.
func (a *Allowlist) reloadAfterChange(ctx context.Context) {
	if err := a.Reload(ctx); err != nil {
		a.logger.WarnContext(ctx, "embed allowlist changed but could not be reloaded; the next periodic reload will apply it", "error", err)
	}
}

// reloadTimeout bounds one periodic reload, so a stuck read cannot stop the
// later ones.
const reloadTimeout = 10 * time.Second

// Run reloads every interval until ctx is done; a failed reload keeps the
// previous list and is logged.
func (a *Allowlist) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
			err := a.Reload(rctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				a.logger.WarnContext(ctx, "embed allowlist reload failed; keeping the previous list", "error", err)
			}
		}
	}
}

package questions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Override changes parts of the deployment's SLA policy for one plan or one
// agency; a nil field keeps what the broader policy says.
type Override struct {
	Days     *int    `bson:"days,omitempty" json:"days,omitempty"`
	Mode     *string `bson:"mode,omitempty" json:"mode,omitempty"`
	TimeZone *string `bson:"time_zone,omitempty" json:"time_zone,omitempty"`
	Warnings *[]int  `bson:"warnings,omitempty" json:"warnings,omitempty"`
}

// Empty reports whether o overrides nothing.
func (o Override) Empty() bool {
	return o.Days == nil && o.Mode == nil && o.TimeZone == nil && o.Warnings == nil
}

// apply returns p with o's fields, or names the bad field.
func (o Override) apply(p slaclock.Policy) (slaclock.Policy, error) {
	out := p
	out.Warnings = slices.Clone(p.Warnings)
	if o.Days != nil {
		out.Days = *o.Days
	}
	if o.Mode != nil {
		switch *o.Mode {
		case "working", string(slaclock.WorkingDays):
			out.Mode = slaclock.WorkingDays
		case "calendar", string(slaclock.CalendarDays):
			out.Mode = slaclock.CalendarDays
		default:
			return p, fmt.Errorf("mode: %q: want working or calendar", *o.Mode)
		}
	}
	if o.TimeZone != nil {
		loc, err := time.LoadLocation(*o.TimeZone)
		if err != nil || *o.TimeZone == "" || strings.EqualFold(*o.TimeZone, "local") {
			return p, fmt.Errorf("time_zone: %q is not an IANA time zone such as Asia/Taipei", *o.TimeZone)
		}
		out.Location = loc
	}
	if o.Warnings != nil {
		out.Warnings = slices.Clone(*o.Warnings)
	}
	if err := out.Validate(); err != nil {
		return p, err
	}
	return out, nil
}

// Scopes of an override.
const (
	ScopePlan   = "plan"
	ScopeAgency = "agency"
)

// PolicyStore keeps overrides ("policies"), keyed "plan:<id>" and
// "agency:<code>".
type PolicyStore struct {
	coll *mongo.Collection
}

// NewPolicyStore uses db's "policies" collection.
func NewPolicyStore(db *mongo.Database) *PolicyStore {
	return &PolicyStore{coll: db.Collection("policies")}
}

type overrideDoc struct {
	ID       string    `bson:"_id"`
	Scope    string    `bson:"scope"`
	Key      string    `bson:"key"`
	Override Override  `bson:"override"`
	By       string    `bson:"by"`
	At       time.Time `bson:"at"`
}

// ScopedOverride is one stored override, as listed publicly.
type ScopedOverride struct {
	Scope    string    `json:"scope"`
	Key      string    `json:"key"`
	Override Override  `json:"override"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Put stores o for scope and key after checking it on base.
func (s *PolicyStore) Put(ctx context.Context, base slaclock.Policy, scope, key string, o Override, by string, now time.Time) error {
	if scope != ScopePlan && scope != ScopeAgency {
		return fmt.Errorf("policy scope %q: want plan or agency", scope)
	}
	if o.Empty() {
		return &InvalidError{[]FieldError{{Field: "body", Message: "give at least one of days, mode, time_zone, warnings"}}}
	}
	if _, err := o.apply(base); err != nil {
		return &InvalidError{[]FieldError{{Field: "policy", Message: err.Error()}}}
	}
	id := scope + ":" + key
	_, err := s.coll.ReplaceOne(ctx, bson.M{"_id": id}, overrideDoc{ID: id, Scope: scope, Key: key, Override: o, By: by, At: now},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store policy for %s %s: %w", scope, key, err)
	}
	return nil
}

// Delete removes an override; ErrNotFound when there was none.
func (s *PolicyStore) Delete(ctx context.Context, scope, key string) error {
	res, err := s.coll.DeleteOne(ctx, bson.M{"_id": scope + ":" + key})
	if err != nil {
		return fmt.Errorf("delete policy for %s %s: %w", scope, key, err)
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// List returns every override, plans first, then by key.
func (s *PolicyStore) List(ctx context.Context) ([]ScopedOverride, error) {
	cur, err := s.coll.Find(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	var docs []overrideDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	out := make([]ScopedOverride, 0, len(docs))
	for _, d := range docs {
		out = append(out, ScopedOverride{Scope: d.Scope, Key: d.Key, Override: d.Override, By: d.By, At: d.At})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope == ScopePlan
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func (s *PolicyStore) get(ctx context.Context, id string) (*Override, error) {
	var d overrideDoc
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", id, err)
	}
	return &d.Override, nil
}

// Resolve is the policy for a question asked on plan and routed to agency:
// the deployment's, then the plan's override, then the agency's (the most
// specific wins field by field). source names where it came from.
func (s *PolicyStore) Resolve(ctx context.Context, base slaclock.Policy, plan, agency string) (slaclock.Policy, string, error) {
	p, source := base, "deployment"
	for _, sc := range []struct{ scope, key string }{{ScopePlan, plan}, {ScopeAgency, agency}} {
		if sc.key == "" {
			continue
		}
		o, err := s.get(ctx, sc.scope+":"+sc.key)
		if err != nil {
			return base, "", err
		}
		if o == nil {
			continue
		}
		if p, err = o.apply(p); err != nil {
			// A stored override was valid when stored; a zone missing
			// now is the deployment's problem, not the asker's.
			return base, "", fmt.Errorf("policy for %s %s: %w", sc.scope, sc.key, err)
		}
		source += " + " + sc.scope + " " + sc.key
	}
	return p, source, nil
}

// PolicySnapshot is the policy a question was asked under, kept with it:
// a later change of the policy does not move its due date (only an
// extension, with a public reason, does), and reassigning it to an agency
// with another policy does not restart its clock.
type PolicySnapshot struct {
	Days     int    `bson:"days" json:"days"`
	Mode     string `bson:"mode" json:"mode"`
	TimeZone string `bson:"time_zone" json:"time_zone"`
	Warnings []int  `bson:"warnings" json:"warnings"`
	Source   string `bson:"source" json:"source"`
}

func snapshotOf(p slaclock.Policy, source string) *PolicySnapshot {
	return &PolicySnapshot{Days: p.Days, Mode: string(p.Mode), TimeZone: p.Location.String(),
		Warnings: slices.Clone(p.Warnings), Source: source}
}

// policy turns the snapshot back into a policy; base when there is none
// (questions stored before snapshots existed).
func (ps *PolicySnapshot) policy(base slaclock.Policy) slaclock.Policy {
	if ps == nil {
		return base
	}
	loc, err := time.LoadLocation(ps.TimeZone)
	if err != nil {
		return base
	}
	return slaclock.Policy{Days: ps.Days, Mode: slaclock.Mode(ps.Mode), Location: loc, Warnings: slices.Clone(ps.Warnings)}
}

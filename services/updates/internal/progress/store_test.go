package progress

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s := NewStore(newDB(t))
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// pending decodes the outbox of an update's stored document.
func pending(t *testing.T, s *Store, id string) []*eventsv1.Envelope {
	t.Helper()
	var doc struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := s.Collection().FindOne(context.Background(), bson.M{"_id": id}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Outbox == nil {
		t.Fatalf("update %s has no outbox array", id)
	}
	var out []*eventsv1.Envelope
	for _, e := range doc.Outbox {
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal(e.Env, env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func mustGet(t *testing.T, s *Store, id string) *Update {
	t.Helper()
	u, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func insert(t *testing.T, s *Store, u *Update) {
	t.Helper()
	if err := s.Insert(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

func TestInsertGetRoundTrip(t *testing.T) {
	s := newStore(t)
	u := draftUpdate()
	u.PostedAt = at
	u.PostedBy = "tok-editor"
	u.Evidence = []Evidence{{URL: "https://www.rcmp-grc.gc.ca/", Title: Text{"en": "Plan", "fr": "Plan"}, Kind: "publication"}}
	u.Challenges = Text{"en": "Staffing."}
	u.Version = 9 // Insert sets it
	insert(t, s, u)
	if u.Version != 1 {
		t.Errorf("Insert left version %d, want 1", u.Version)
	}
	got := mustGet(t, s, u.ID)
	if got.Version != 1 || got.State != StateDraft || got.Agency != "rcmp-grc" || got.PostedBy != "tok-editor" ||
		got.Progress["fr"] != "Plan stratégique rédigé." || got.Challenges["en"] != "Staffing." ||
		len(got.Evidence) != 1 || got.Evidence[0].Kind != "publication" || !got.PostedAt.Equal(at) || got.PublishedAt != nil {
		t.Errorf("Get = %+v", got)
	}
	if got.Agreements == nil || got.Disputes == nil {
		t.Error("empty agreements/disputes came back as null")
	}
	if n := len(pending(t, s, u.ID)); n != 0 {
		t.Errorf("a new draft has %d events pending, want none", n)
	}
	if _, err := s.Get(context.Background(), "01NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown = %v, want ErrNotFound", err)
	}
	if err := s.Insert(context.Background(), draftUpdate()); err == nil {
		t.Error("inserting the same id twice succeeded")
	}
}

func TestSaveEmitsAnEventOnlyWhenPublic(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := draftUpdate()
	u.PostedAt = at
	insert(t, s, u)

	u = mustGet(t, s, u.ID)
	if err := u.Agree(gov, "", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, u); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, u.ID)
	if got.Version != 2 || got.State != StateDraft || len(got.Agreements) != 1 || got.Agreements[0].MemberID != "gov1" {
		t.Fatalf("after one agreement: %+v", got)
	}
	if n := len(pending(t, s, u.ID)); n != 0 {
		t.Fatalf("one agreement left %d events; a draft is not public", n)
	}

	agreedAt := at.Add(time.Hour)
	if err := got.Agree(cso, "", agreedAt); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	final := mustGet(t, s, u.ID)
	if final.Version != 3 || final.State != StateAgreed || final.PublishedAt == nil || !final.PublishedAt.Equal(agreedAt) {
		t.Fatalf("after both agreements: %+v", final)
	}
	if final.Progress["en"] != "Strategic plan drafted." {
		t.Errorf("Save changed the agency's text: %v", final.Progress)
	}
	envs := pending(t, s, u.ID)
	if len(envs) != 1 {
		t.Fatalf("%d events pending, want the one that publishes it", len(envs))
	}
	e := envs[0]
	b := e.GetUpdateChanged()
	if e.GetType() != TypeUpdateChanged || e.GetProducer() != Producer || e.GetAggregateId() != u.ID || e.GetAggregateVersion() != 3 {
		t.Errorf("envelope = %s %s %s v%d", e.GetType(), e.GetProducer(), e.GetAggregateId(), e.GetAggregateVersion())
	}
	if b.GetState() != StateAgreed || b.GetPlanId() != "ca-nap6" || b.GetCommitmentCode() != "C01" || b.GetItemCode() != "C01.1.1" ||
		b.GetStatus() != "complete" || b.GetPeriod() != "2026-06" || b.GetAgency() != "rcmp-grc" || len(b.GetAgreements()) != 2 ||
		b.GetProgress().GetValues()["fr"] != "Plan stratégique rédigé." || !b.GetPostedAt().AsTime().Equal(at) {
		t.Errorf("event body = %+v", b)
	}
}

func TestSaveOfADisputeEmitsTheDisputedState(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := draftUpdate()
	u.PostedAt = at
	insert(t, s, u)
	u = mustGet(t, s, u.ID)
	if err := u.Dispute(cso, "", Text{"en": "Not done."}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, u); err != nil {
		t.Fatal(err)
	}
	envs := pending(t, s, u.ID)
	if len(envs) != 1 || envs[0].GetUpdateChanged().GetState() != StateDisputed ||
		envs[0].GetUpdateChanged().GetDisputes()[0].GetReason().GetValues()["en"] != "Not done." {
		t.Fatalf("pending after a dispute = %v", envs)
	}
	got := mustGet(t, s, u.ID)
	if got.State != StateDisputed || len(got.Disputes) != 1 || got.Disputes[0].MemberID != "cso1" || got.Progress["en"] != "Strategic plan drafted." {
		t.Errorf("stored dispute = %+v", got)
	}
}

func TestSaveWithAStaleVersionConflicts(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := draftUpdate()
	u.PostedAt = at
	insert(t, s, u)

	a, b := mustGet(t, s, u.ID), mustGet(t, s, u.ID) // two members load the same version
	if err := a.Agree(gov, "", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := b.Dispute(cso, "", Text{"en": "No."}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, b); !errors.Is(err, ErrConflict) {
		t.Fatalf("Save of the stale copy = %v, want ErrConflict", err)
	}
	got := mustGet(t, s, u.ID)
	if got.Version != 2 || got.State != StateDraft || len(got.Disputes) != 0 || len(got.Agreements) != 1 {
		t.Errorf("stale save changed the update: %+v", got)
	}
	if n := len(pending(t, s, u.ID)); n != 0 {
		t.Errorf("stale save left %d events", n)
	}
	if err := s.Save(ctx, &Update{ID: "01MISSING", Version: 1, State: StateDraft}); !errors.Is(err, ErrConflict) {
		t.Errorf("Save of an unknown update = %v, want ErrConflict", err)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mk := func(id, plan, commitment, item, period, state, agency string, posted int) {
		u := draftUpdate()
		u.ID, u.Plan, u.Commitment, u.Item, u.Period, u.State, u.Agency = id, plan, commitment, item, period, state, agency
		u.PostedAt = at.Add(time.Duration(posted) * time.Minute)
		insert(t, s, u)
	}
	mk("u1", "ca-nap6", "C01", "C01.1.1", "2026-06", StateAgreed, "rcmp-grc", 1)
	mk("u2", "ca-nap6", "C01", "C01.1.1", "2026-12", StateDraft, "rcmp-grc", 2)
	mk("u3", "ca-nap6", "C01", "C01.4.1", "2026-06", StateDisputed, "tbs-sct", 3)
	mk("u4", "ca-nap6", "C04", "C04.3.3", "2026-06", StateAgreed, "jus", 4)
	mk("u5", "ca-nap5", "C01", "C01.1.1", "2024-06", StateAgreed, "rcmp-grc", 5)

	ids := func(f Filter) []string {
		t.Helper()
		us, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want []string
	}{
		{"everything, newest first", Filter{}, []string{"u5", "u4", "u3", "u2", "u1"}},
		{"plan", Filter{Plan: "ca-nap6"}, []string{"u4", "u3", "u2", "u1"}},
		{"commitment", Filter{Plan: "ca-nap6", Commitment: "C01"}, []string{"u3", "u2", "u1"}},
		{"item across plans", Filter{Item: "C01.1.1"}, []string{"u5", "u2", "u1"}},
		{"item in a plan", Filter{Plan: "ca-nap6", Item: "C01.1.1"}, []string{"u2", "u1"}},
		{"public states", Filter{Plan: "ca-nap6", States: []string{StateAgreed, StateDisputed}}, []string{"u4", "u3", "u1"}},
		{"drafts", Filter{States: []string{StateDraft}}, []string{"u2"}},
		{"period", Filter{Plan: "ca-nap6", Period: "2026-06"}, []string{"u4", "u3", "u1"}},
		{"agencies", Filter{Agencies: []string{"jus", "tbs-sct"}}, []string{"u4", "u3"}},
		{"limit", Filter{Limit: 2}, []string{"u5", "u4"}},
		{"no match", Filter{Plan: "zz"}, []string{}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: List = %v, want %v", tc.name, got, tc.want)
		}
	}
	us, err := s.List(ctx, Filter{Item: "C04.3.3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Agency != "jus" {
		t.Errorf("List by item = %+v", us)
	}
}

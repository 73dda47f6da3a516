package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/commitments/internal/events"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
	"github.com/kept-ogp/kept/services/kit/outbox"
)

const planID = "ca-nap6"

// canada parses the real Canadian plan the way an import does.
func canada(t *testing.T) catalog.Plan {
	t.Helper()
	f, err := os.Open("../../testdata/canada-nap6-2025-2029.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := planfile.ParseCSV(f, planfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return catalog.FromFile(pf)
}

func forPlan(p catalog.Plan, revision, version int64) []*eventsv1.Envelope {
	return events.ForPlan(context.Background(), p, revision, version)
}

func meta() Revision {
	return Revision{ImportedBy: "PoC", Filename: "canada-nap6-2025-2029.csv", SHA256: "abc123"}
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s := New(newDB(t))
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustImport(t *testing.T, s *Store, p catalog.Plan) *Revision {
	t.Helper()
	rev, err := s.Import(context.Background(), p, meta(), forPlan)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return rev
}

func mustGet(t *testing.T, s *Store) *PlanDoc {
	t.Helper()
	d, err := s.Get(context.Background(), planID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return d
}

// rawOutbox reads the plan document as stored, outbox included, and decodes
// every pending envelope.
func rawOutbox(t *testing.T, s *Store) []*eventsv1.Envelope {
	t.Helper()
	var doc struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := s.Plans().FindOne(context.Background(), bson.M{"_id": planID}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := make([]*eventsv1.Envelope, 0, len(doc.Outbox))
	for _, e := range doc.Outbox {
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal(e.Env, env); err != nil {
			t.Fatalf("outbox entry %s: %v", e.ID, err)
		}
		if e.ID != env.GetId() || e.Type != env.GetType() {
			t.Errorf("outbox entry id/type %s/%s does not match its envelope %s/%s", e.ID, e.Type, env.GetId(), env.GetType())
		}
		out = append(out, env)
	}
	return out
}

func item(t *testing.T, p catalog.Plan, code string) catalog.Item {
	t.Helper()
	it, ok := p.Find(code)
	if !ok {
		t.Fatalf("no item %s in plan", code)
	}
	return it
}

func TestImportRealPlanStoresItWholeWithItsEvents(t *testing.T) {
	s := newStore(t)
	rev := mustImport(t, s, canada(t))

	if rev.Revision != 1 || rev.PlanID != planID || rev.ID != "ca-nap6#1" {
		t.Errorf("revision = %d %q %q, want 1 ca-nap6 ca-nap6#1", rev.Revision, rev.PlanID, rev.ID)
	}
	want := catalog.Counts{Commitments: 4, Milestones: 19, Indicators: 65, NeedsDate: 4}
	if rev.Counts != want {
		t.Errorf("revision counts = %+v, want %+v", rev.Counts, want)
	}
	if n := len(rev.Changes.Added); n != 4+19+65 {
		t.Errorf("first import added %d codes, want every one of 88", n)
	}
	if len(rev.Changes.Removed) != 0 || len(rev.Changes.Changed) != 0 {
		t.Errorf("first import removed %v, changed %v; want nothing", rev.Changes.Removed, rev.Changes.Changed)
	}

	d := mustGet(t, s)
	if got := d.Plan.Count(); got != want {
		t.Errorf("stored plan counts = %+v, want %+v", got, want)
	}
	if d.Version != 1 || d.Revision != 1 {
		t.Errorf("version/revision = %d/%d, want 1/1", d.Version, d.Revision)
	}
	if d.Outbox != nil {
		t.Errorf("Get returned %d outbox entries; the outbox is not part of the plan", len(d.Outbox))
	}
	if d.Plan.Title["fr"] == "" || d.Plan.Title["en"] == "" {
		t.Errorf("plan title lost a language: %v", d.Plan.Title)
	}
	if got := d.Plan.Commitments[0].Milestones[0].Indicators[0].LeadOrgs; len(got) != 1 || got[0].Code != "rcmp-grc" {
		t.Errorf("C01.1.1 lead orgs = %+v, want rcmp-grc", got)
	}

	envs := rawOutbox(t, s)
	if len(envs) != 5 {
		t.Fatalf("outbox holds %d entries, want 1 PlanUpserted + 4 CommitmentUpserted", len(envs))
	}
	if envs[0].GetType() != events.TypePlanUpserted || envs[0].GetAggregateId() != planID {
		t.Errorf("first entry = %s %s, want the plan", envs[0].GetType(), envs[0].GetAggregateId())
	}
	if got := envs[0].GetPlanUpserted().GetCommitmentCodes(); !slices.Equal(got, []string{"C01", "C02", "C03", "C04"}) {
		t.Errorf("PlanUpserted commitments = %v", got)
	}
	for i, code := range []string{"C01", "C02", "C03", "C04"} {
		e := envs[i+1]
		if e.GetType() != events.TypeCommitUpserted || e.GetAggregateId() != planID+"/"+code {
			t.Errorf("entry %d = %s %s, want CommitmentUpserted %s", i+1, e.GetType(), e.GetAggregateId(), code)
		}
		if e.GetCommitmentUpserted().GetCode() != code {
			t.Errorf("entry %d body is commitment %q, want %s", i+1, e.GetCommitmentUpserted().GetCode(), code)
		}
	}
	for _, e := range envs {
		if e.GetAggregateVersion() != 1 {
			t.Errorf("%s %s has version %d, want 1", e.GetType(), e.GetAggregateId(), e.GetAggregateVersion())
		}
	}
}

func TestReimportSamePlanIsANewRevisionWithNoChanges(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustImport(t, s, canada(t))
	rev := mustImport(t, s, canada(t))

	if rev.Revision != 2 {
		t.Errorf("second import is revision %d, want 2", rev.Revision)
	}
	if len(rev.Changes.Added)+len(rev.Changes.Removed)+len(rev.Changes.Changed) != 0 {
		t.Errorf("same file again reports changes %+v, want none", rev.Changes)
	}
	d := mustGet(t, s)
	if d.Version != 2 || d.Revision != 2 {
		t.Errorf("version/revision = %d/%d, want 2/2", d.Version, d.Revision)
	}

	revs, err := s.Revisions(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].Revision != 2 || revs[1].Revision != 1 {
		t.Fatalf("revisions = %+v, want 2 then 1", revs)
	}
	if len(revs[0].Snapshot.Commitments) != 0 {
		t.Error("Revisions returned the snapshot; the listing leaves it out")
	}
	// The public history shows empty lists, not null, for an import that changed nothing.
	b, err := json.Marshal(revs[0].Changes)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"added":[],"removed":[],"changed":[]}` {
		t.Errorf("stored changes of revision 2 encode as %s", b)
	}

	envs := rawOutbox(t, s)
	if len(envs) != 10 {
		t.Fatalf("outbox holds %d entries after two imports, want 10", len(envs))
	}
	for _, e := range envs[5:] {
		if e.GetAggregateVersion() != 2 {
			t.Errorf("second import's %s has version %d, want 2", e.GetAggregateId(), e.GetAggregateVersion())
		}
	}
	if got := envs[5].GetPlanUpserted().GetRevision(); got != 2 {
		t.Errorf("second PlanUpserted carries revision %d, want 2", got)
	}

	if none, err := s.Revisions(ctx, "no-such-plan"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("Revisions of an unknown plan = %v, %v; want an empty list", none, err)
	}
}

func TestImportReportsChangedAddedAndRemovedCodes(t *testing.T) {
	s := newStore(t)
	mustImport(t, s, canada(t))

	p := canada(t)
	p.Commitments[1].Title = catalog.Text{"en": "Open data for all", "fr": "Des données ouvertes pour tous"}
	m := &p.Commitments[0].Milestones[0]
	m.Indicators[1].Title = catalog.Text{"en": "Renamed indicator", "fr": "Indicateur renommé"}
	added := m.Indicators[0]
	added.Code = "C01.1.6"
	added.Title = catalog.Text{"en": "A new indicator", "fr": "Un nouvel indicateur"}
	m.Indicators = append(m.Indicators, added)
	last := &p.Commitments[3].Milestones[4]
	last.Indicators = last.Indicators[:len(last.Indicators)-1] // drops C04.5.4

	rev := mustImport(t, s, p)
	if !slices.Equal(rev.Changes.Changed, []string{"C01.1.2", "C02"}) {
		t.Errorf("changed = %v, want [C01.1.2 C02] (an indicator's change is reported on it alone)", rev.Changes.Changed)
	}
	if !slices.Equal(rev.Changes.Added, []string{"C01.1.6"}) {
		t.Errorf("added = %v, want [C01.1.6]", rev.Changes.Added)
	}
	if !slices.Equal(rev.Changes.Removed, []string{"C04.5.4"}) {
		t.Errorf("removed = %v, want [C04.5.4]", rev.Changes.Removed)
	}
	if rev.Counts.Indicators != 65 {
		t.Errorf("indicators = %d, want 65 (one added, one removed)", rev.Counts.Indicators)
	}

	revs, err := s.Revisions(context.Background(), planID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(revs[0].Changes.Added, []string{"C01.1.6"}) || !slices.Equal(revs[0].Changes.Changed, []string{"C01.1.2", "C02"}) {
		t.Errorf("stored revision changes = %+v", revs[0].Changes)
	}
	d := mustGet(t, s)
	if got := item(t, d.Plan, "C01.1.6").Title["en"]; got != "A new indicator" {
		t.Errorf("added indicator title = %q", got)
	}
	if _, ok := d.Plan.Find("C04.5.4"); ok {
		t.Error("removed indicator still in the plan")
	}
}

// manualDeadline is what the PoC's form stores for an item.
func manualDeadline(words catalog.Text, due string) catalog.Deadline {
	return catalog.Deadline{Original: words, Kind: "date", Due: due, Precision: "day", Source: "manual", Note: "Set by the point of contact."}
}

func TestSetDeadlineSurvivesReimportOnlyWithTheSameWords(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustImport(t, s, canada(t))
	const code = "C04.3.3" // "Feedback will be compiled in March 2027 and at the end of the commitment..."
	before := item(t, mustGet(t, s).Plan, code)
	if !before.Deadline.NeedsDate || before.Deadline.Kind != "unreadable" {
		t.Fatalf("%s deadline = %+v, want unreadable words", code, before.Deadline)
	}

	doc, err := s.SetDeadline(ctx, planID, code, manualDeadline(before.Deadline.Original, "2027-03-31"), forPlan)
	if err != nil {
		t.Fatal(err)
	}
	got := item(t, doc.Plan, code).Deadline
	if got.Source != "manual" || got.Due != "2027-03-31" || got.NeedsDate || got.Original["en"] != before.Deadline.Original["en"] {
		t.Errorf("after SetDeadline %s = %+v", code, got)
	}
	if doc.Version != 2 || doc.Revision != 1 {
		t.Errorf("SetDeadline gave version/revision %d/%d, want 2/1 (an edit is not an import)", doc.Version, doc.Revision)
	}
	if n := doc.Plan.Count().NeedsDate; n != 3 {
		t.Errorf("deadlines still to set = %d, want 3", n)
	}
	if envs := rawOutbox(t, s); len(envs) != 10 || envs[5].GetAggregateVersion() != 2 {
		t.Errorf("SetDeadline left %d outbox entries, want 10 with the new ones at version 2", len(envs))
	}

	// Same words in the new file: the PoC's date is kept and nothing reads as changed.
	rev := mustImport(t, s, canada(t))
	got = item(t, mustGet(t, s).Plan, code).Deadline
	if got.Source != "manual" || got.Due != "2027-03-31" {
		t.Errorf("after re-import with the same words %s = %+v, want the manual date kept", code, got)
	}
	if slices.Contains(rev.Changes.Changed, code) {
		t.Errorf("re-import with the same words reports %s as changed", code)
	}
	if rev.Counts.NeedsDate != 3 {
		t.Errorf("revision counts %d deadlines to set, want 3", rev.Counts.NeedsDate)
	}
	// Its sibling with the same words never had a date set, so it still needs one.
	if sib := item(t, mustGet(t, s).Plan, "C04.3.4").Deadline; !sib.NeedsDate || sib.Source == "manual" {
		t.Errorf("C04.3.4 = %+v, want still unreadable", sib)
	}

	// New words: the file wins and the PoC must look again.
	p := canada(t)
	changed := item(t, p, code).Deadline
	changed.Original = catalog.Text{"en": "Feedback will be compiled once the forum has met.", "fr": "Les commentaires seront compilés après la réunion du forum."}
	p.SetDeadline(code, changed)
	rev = mustImport(t, s, p)
	got = item(t, mustGet(t, s).Plan, code).Deadline
	if got.Source == "manual" || got.Due != "" || !got.NeedsDate {
		t.Errorf("after re-import with new words %s = %+v, want the file's unreadable deadline", code, got)
	}
	if !slices.Contains(rev.Changes.Changed, code) {
		t.Errorf("changed = %v, want it to name %s", rev.Changes.Changed, code)
	}
}

func TestSetDeadlineUnknownPlanOrItem(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.SetDeadline(ctx, planID, "C01.1.1", manualDeadline(nil, "2027-01-01"), forPlan); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDeadline on a missing plan = %v, want ErrNotFound", err)
	}
	mustImport(t, s, canada(t))
	if _, err := s.SetDeadline(ctx, planID, "C09.9.9", manualDeadline(nil, "2027-01-01"), forPlan); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDeadline on a missing item = %v, want ErrNotFound", err)
	}
	if d := mustGet(t, s); d.Version != 1 {
		t.Errorf("a refused SetDeadline moved the version to %d", d.Version)
	}
}

func TestStaleWritesConflict(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustImport(t, s, canada(t))
	stale := mustGet(t, s) // read by a writer that is slow to write

	mustImport(t, s, canada(t)) // another writer lands first: version 2

	p := stale.Plan
	p.Title = catalog.Text{"en": "Lost update", "fr": "Mise à jour perdue"}
	if err := s.write(ctx, p, stale, stale.Revision+1, stale.Version+1, s.now(), forPlan); !errors.Is(err, ErrConflict) {
		t.Fatalf("write with the version-1 document = %v, want ErrConflict", err)
	}
	d := mustGet(t, s)
	if d.Version != 2 || d.Plan.Title["en"] == "Lost update" {
		t.Errorf("stale write changed the plan: version %d title %q", d.Version, d.Plan.Title["en"])
	}
	if n := len(rawOutbox(t, s)); n != 10 {
		t.Errorf("stale write added events: outbox holds %d, want 10", n)
	}

	// Two first imports racing: the loser sees a conflict, not a duplicate-key error.
	if err := s.write(ctx, canada(t), nil, 1, 1, s.now(), forPlan); !errors.Is(err, ErrConflict) {
		t.Errorf("second insert of the same plan = %v, want ErrConflict", err)
	}
}

func TestLatestRevision(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if r, err := s.LatestRevision(ctx, planID); err != nil || r != nil {
		t.Fatalf("LatestRevision before any import = %v, %v; want nil, nil", r, err)
	}
	mustImport(t, s, canada(t))
	m := meta()
	m.SHA256, m.Filename, m.ImportedBy = "def456", "plan-v2.csv", "Second PoC"
	if _, err := s.Import(ctx, canada(t), m, forPlan); err != nil {
		t.Fatal(err)
	}
	r, err := s.LatestRevision(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Revision != 2 || r.SHA256 != "def456" || r.Filename != "plan-v2.csv" || r.ImportedBy != "Second PoC" {
		t.Fatalf("LatestRevision = %+v, want revision 2 from plan-v2.csv", r)
	}
	if r.ImportedAt.IsZero() {
		t.Error("LatestRevision has no import time")
	}
	if got := r.Snapshot.Count(); got.Indicators != 65 {
		t.Errorf("latest revision snapshot has %d indicators, want 65", got.Indicators)
	}
}

func TestListSortsPlansByID(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if docs, err := s.List(ctx); err != nil || len(docs) != 0 {
		t.Fatalf("List of an empty store = %v, %v", docs, err)
	}
	other := canada(t)
	other.ID = "ca-nap5"
	mustImport(t, s, canada(t))
	mustImport(t, s, other)
	docs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].ID != "ca-nap5" || docs[1].ID != "ca-nap6" {
		t.Fatalf("List = %d plans, want ca-nap5 then ca-nap6", len(docs))
	}
	for _, d := range docs {
		if d.Outbox != nil {
			t.Errorf("List returned the outbox of %s", d.ID)
		}
	}
}

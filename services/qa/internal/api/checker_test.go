package api_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kept-ogp/kept/services/qa/internal/questions"
)

// checkBoth runs two checker replicas at once (each with its own locks, as
// two processes) and returns how many alerts they sent together.
func (e *harness) checkBoth(a, b *questions.Service) int {
	e.t.Helper()
	var wg sync.WaitGroup
	counts := make([]int, 2)
	errs := make([]error, 2)
	for i, s := range []*questions.Service{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = s.CheckOnce(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return counts[0] + counts[1]
}

func (e *harness) alertIDs() []string {
	e.t.Helper()
	cur, err := e.db.Collection("alerts").Find(context.Background(), bson.M{})
	if err != nil {
		e.t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	sort.Strings(ids)
	return ids
}

func TestCheckerSendsEachAlertOnceWithTwoReplicas(t *testing.T) {
	e := setup(t)
	reg := prometheus.NewRegistry()
	m, err := questions.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	one, two := e.newService(), e.newService()
	one.Metrics = m
	two.Metrics = m
	q := e.ask("late one")
	answered := e.ask("answered in time")
	ndc, pocTok := e.token("NDC editor", editor("ndc")), e.token("PoC", poc)

	steps := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 3, 20, 12, 0, 0, 0, taipei), 0},  // nothing due yet
		{time.Date(2026, 3, 23, 9, 0, 30, 0, taipei), 2},  // 5-day warning, both questions
		{time.Date(2026, 3, 23, 9, 5, 0, 0, taipei), 0},   // a minute later: nothing again
		{time.Date(2026, 3, 27, 9, 1, 0, 0, taipei), 2},   // 1-day warning
		{time.Date(2026, 3, 31, 0, 0, 30, 0, taipei), -1}, // breach: answered below first
	}
	for i, s := range steps {
		e.clock.Set(s.at)
		if s.want == -1 {
			e.clock.Set(time.Date(2026, 3, 30, 20, 0, 0, 0, taipei))
			e.do(http.MethodPost, base+"/"+answered.ID+"/answers", ndc, map[string]any{"text": map[string]string{"en": "in time"}}).want(http.StatusOK)
			e.clock.Set(s.at)
			s.want = 1
		}
		for run := range 3 {
			got := e.checkBoth(one, two)
			if run > 0 {
				s.want = 0
			}
			if got != s.want {
				t.Fatalf("step %d run %d: %d alerts sent, want %d", i, run, got, s.want)
			}
		}
	}
	want := []string{
		answered.ID + "/1/1", answered.ID + "/1/5",
		q.ID + "/1/1", q.ID + "/1/5", q.ID + "/1/breach",
	}
	sort.Strings(want)
	if got := e.alertIDs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("alerts %v, want %v", got, want)
	}
	var warnings, breaches int
	for _, env := range e.pub.all() {
		a := env.GetQuestionSlaAlert()
		switch env.GetType() {
		case questions.TypeWarning:
			warnings++
		case questions.TypeBreached:
			breaches++
			if a.GetQuestionId() != q.ID || a.GetAssignedAgency() != "ndc" || a.GetDueDay() != "2026-03-30" {
				t.Errorf("breach %v", a)
			}
		}
	}
	if warnings != 4 || breaches != 1 {
		t.Errorf("%d warnings and %d breaches published", warnings, breaches)
	}
	if got := testutil.ToFloat64(m.Breaches); got != 1 {
		t.Errorf("breaches_total %v", got)
	}
	if err := one.RefreshGauges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o, d := testutil.ToFloat64(m.Open), testutil.ToFloat64(m.Overdue.WithLabelValues("ndc")); o != 1 || d != 1 {
		t.Errorf("open %v, overdue %v", o, d)
	}
	if s := e.get(q.ID).Status; s != questions.StatusLate {
		t.Errorf("status %s, want late", s)
	}

	// An extension moves the due date: a new version, whose warnings may come
	// again (those already past when it is granted are not sent).
	e.clock.Set(time.Date(2026, 3, 31, 10, 0, 0, 0, taipei))
	x := e.do(http.MethodPost, base+"/"+q.ID+"/extend", pocTok, map[string]any{"days": 10, "reason": "Awaiting the ministry"}).want(http.StatusOK).question()
	if x.DueDay != "2026-04-13" || x.Status != questions.StatusOpen {
		t.Fatalf("extended: due %s, status %s", x.DueDay, x.Status)
	}
	e.clock.Set(time.Date(2026, 4, 6, 9, 0, 1, 0, taipei))
	if got := e.checkBoth(one, two); got != 1 {
		t.Fatalf("after the extension: %d alerts, want the 5-day warning again", got)
	}
	if ids := e.alertIDs(); !contains(ids, q.ID+"/2/5") {
		t.Fatalf("alerts %v", ids)
	}
}

func TestAlertsWaitWhilePaused(t *testing.T) {
	e := setup(t)
	q := e.ask("paused one")
	ndc := e.token("NDC editor", editor("ndc"))
	e.clock.Set(time.Date(2026, 3, 20, 10, 0, 0, 0, taipei))
	e.do(http.MethodPost, base+"/"+q.ID+"/pause", ndc, map[string]string{"reason": "clarify"}).want(http.StatusOK)
	e.clock.Set(time.Date(2026, 4, 1, 10, 0, 0, 0, taipei))
	if n, err := e.svc.CheckOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("while paused: %d alerts, %v", n, err)
	}
	// Resumed 1 April: 20 March was partly paused and counted (day 14), so 6
	// days are left from 2 April: due 9 April; the 5-day warning (2 April
	// 09:00) is still ahead.
	r := e.do(http.MethodPost, base+"/"+q.ID+"/resume", ndc, nil).want(http.StatusOK).question()
	if r.DueDay == "" || r.Status != questions.StatusOpen {
		t.Fatalf("resumed %+v", r)
	}
	e.clock.Set(r.DueAt.Add(2 * time.Second))
	n, err := e.svc.CheckOnce(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("after resume: %d alerts, %v", n, err)
	}
	if ids := e.alertIDs(); !contains(ids, q.ID+"/2/breach") {
		t.Fatalf("alerts %v", ids)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The checker reads the alert index, not the collection; an index that lost
// its entries (Redis restarted empty) is rebuilt from the stored questions,
// and an entry left for an answered question is dropped when read.
func TestAlertIndexRebuildAndStaleEntries(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	lost := e.ask("index lost")
	answered := e.ask("answered since")
	ndc := e.token("NDC editor", editor("ndc"))
	idx := e.svc.Store.Due
	e.do(http.MethodPost, base+"/"+answered.ID+"/answers", ndc, map[string]any{"text": map[string]string{"en": "done"}}).want(http.StatusOK)
	// Lose everything, then put back a stale entry for the answered one.
	if err := rdb.Del(ctx, idx.Key).Err(); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, 3, 23, 9, 0, 1, 0, taipei)) // the 5-day warning is due
	if n, err := e.svc.CheckOnce(ctx); err != nil || n != 0 {
		t.Fatalf("without an index: %d alerts, %v", n, err)
	}
	if n, err := idx.Rebuild(ctx, e.svc.Store); err != nil || n != 1 {
		t.Fatalf("rebuild: %d entries, %v", n, err)
	}
	rdb.ZAdd(ctx, idx.Key, redis.Z{Score: 0, Member: answered.ID})
	if n, err := e.svc.CheckOnce(ctx); err != nil || n != 1 {
		t.Fatalf("after rebuild: %d alerts, %v", n, err)
	}
	if ids := e.alertIDs(); len(ids) != 1 || ids[0] != lost.ID+"/1/5" {
		t.Fatalf("alerts %v", ids)
	}
	if _, err := rdb.ZScore(ctx, idx.Key, answered.ID).Result(); err != redis.Nil {
		t.Errorf("the answered question's stale entry stays: %v", err)
	}
	score, err := rdb.ZScore(ctx, idx.Key, lost.ID).Result()
	if err != nil || int64(score) != time.Date(2026, 3, 27, 9, 0, 0, 0, taipei).UnixMilli() {
		t.Errorf("next alert indexed at %v (%v), want the 1-day warning", time.UnixMilli(int64(score)), err)
	}
}

// kept_qa_questions_due_soon counts, by agency, open questions whose deadline
// passes within the window; once past it they count as overdue instead.
func TestDueSoonAndOverdueGauges(t *testing.T) {
	e := setup(t)
	m, err := questions.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Metrics, e.svc.DueSoon = m, 48*time.Hour
	e.ask("soon") // due 30 March 23:59:59 Taipei
	gauges := func(at time.Time) (float64, float64) {
		e.clock.Set(at)
		if err := e.svc.RefreshGauges(context.Background()); err != nil {
			t.Fatal(err)
		}
		return testutil.ToFloat64(m.DueSoon.WithLabelValues("ndc")), testutil.ToFloat64(m.Overdue.WithLabelValues("ndc"))
	}
	if s, o := gauges(time.Date(2026, 3, 27, 12, 0, 0, 0, taipei)); s != 0 || o != 0 {
		t.Errorf("three days before: due soon %v, overdue %v", s, o)
	}
	if s, o := gauges(time.Date(2026, 3, 29, 12, 0, 0, 0, taipei)); s != 1 || o != 0 {
		t.Errorf("a day and a half before: due soon %v, overdue %v", s, o)
	}
	if s, o := gauges(time.Date(2026, 3, 31, 0, 0, 1, 0, taipei)); s != 0 || o != 1 {
		t.Errorf("after the deadline: due soon %v, overdue %v", s, o)
	}
}

// Package qabench sets up the qa service's stores at benchmark scale for
// tests/bench (which cannot reach qa's internal packages): the due-date
// computation on a ten-year calendar, a checker run over many open
// questions, and recomputing every open question after a calendar change.
// Everything runs on the real stores it is given (FerretDB or MongoDB, and
// Redis).
package qabench

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/kit/distlock"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Taipei is the benchmark's zone.
var Taipei = mustZone("Asia/Taipei")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// TenYearCalendar is 2026-2035 with Taiwan-like holidays: national
// holidays on fixed dates, a week off at the lunar new year and a make-up
// working Saturday each year, about 15 entries a year.
func TenYearCalendar() (*calendar.Calendar, error) {
	var days []calendar.Day
	for y := 2026; y <= 2035; y++ {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {4, 4}, {4, 5}, {5, 1}, {10, 10}, {12, 25}} {
			days = append(days, calendar.Day{Date: calendar.Date{Year: y, Month: time.Month(md[0]), Day: md[1]}, Off: true, Name: "holiday"})
		}
		for d := 0; d < 7; d++ {
			days = append(days, calendar.Day{Date: calendar.Date{Year: y, Month: time.February, Day: 1}.AddDays(d), Off: true, Name: "lunar new year"})
		}
		sat := calendar.Date{Year: y, Month: time.January, Day: 20}
		for !calendar.IsWeekend(sat) || sat.Weekday() != time.Saturday {
			sat = sat.AddDays(1)
		}
		days = append(days, calendar.Day{Date: sat, Off: false, Name: "make-up working day"})
	}
	cal, _, err := calendar.New(days)
	return cal, err
}

// Policy is 20 working days in Taipei, warnings 5 and 1 days before.
func Policy() slaclock.Policy {
	return slaclock.Policy{Days: 20, Mode: slaclock.WorkingDays, Location: Taipei, Warnings: []int{5, 1}}
}

// Deadlines computes n due dates for questions asked an hour apart across
// the calendar's years and returns the time taken.
func Deadlines(cal *calendar.Calendar, n int) (time.Duration, error) {
	p := Policy()
	start := time.Date(2027, 1, 1, 9, 0, 0, 0, Taipei)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if _, err := slaclock.Deadline(start.Add(time.Duration(i%70000)*time.Hour), p, cal, nil, nil); err != nil {
			return 0, err
		}
	}
	return time.Since(t0), nil
}

// noRelay publishes nothing: the benchmark measures the checker's reads and
// writes, and the alerts stay in their outbox.
type noRelay struct{ locks sync.Map }

func (*noRelay) Flush(context.Context, any) error { return nil }
func (r *noRelay) Lock(id any) func() {
	m, _ := r.locks.LoadOrStore(fmt.Sprint(id), &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Fixture is one qa service on real stores, with a clock the benchmark sets.
type Fixture struct {
	Service *questions.Service
	now     time.Time
	mu      sync.Mutex
}

// Now is the fixture's clock.
func (f *Fixture) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// SetNow moves the clock.
func (f *Fixture) SetNow(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

// NewFixture builds the service on db and rdb (keys under prefix).
func NewFixture(ctx context.Context, db *mongo.Database, rdb redis.UniversalClient, prefix string, logger *slog.Logger) (*Fixture, error) {
	st := questions.NewStore(db)
	st.Due = &questions.DueIndex{Redis: rdb, Key: prefix + "next-alert", Logger: logger}
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	cal := questions.NewCalendarStore(db)
	f := &Fixture{now: time.Date(2026, 3, 2, 10, 0, 0, 0, Taipei)}
	var r noRelay
	f.Service = &questions.Service{Store: st, Calendar: cal, Policy: Policy(), Relay: &r, Alerts: &r, Changes: &r,
		Now: f.Now, Logger: logger, Locks: &distlock.Locker{Redis: rdb, Prefix: prefix + "lock:"}}
	return f, nil
}

var _ questions.Relay = (*noRelay)(nil)

// NewQuestion is an open question asked at at, computed by the service's
// rules, with a typical text; the stored explanation is left out to keep a
// fixture of 200,000 questions small (it is a few KB of text per question
// that no benchmark here reads).
func (f *Fixture) NewQuestion(id string, at time.Time, cal *calendar.Calendar) (*questions.Question, error) {
	q := &questions.Question{ID: id, Plan: "bench", Commitment: fmt.Sprintf("C%02d", len(id)%40), Language: "zh-Hant",
		Text: "請問這項承諾的第二個里程碑何時完成？相關的預算與執行進度是否會公開？", AskedAt: at.UTC(), Agency: "ndc",
		Assignments: []questions.Assignment{{Agency: "ndc", By: "routing", At: at.UTC()}}, Pauses: []questions.Pause{},
		Extensions: []questions.Extension{}, Answers: []questions.Answer{}, Followups: []questions.Followup{},
		Redactions: []questions.Moderation{}, Status: questions.StatusOpen}
	if _, err := q.Compute(f.Service.Policy, cal, at); err != nil {
		return nil, err
	}
	q.ExplanationText, q.ExplanationJSON = "", ""
	return q, nil
}

// Seed stores open questions asked at asked (their first alert is weeks
// later), with ids prefix-000000... .
func (f *Fixture) Seed(ctx context.Context, prefix string, n int, asked time.Time) error {
	cal, err := f.Service.Calendar.Load(ctx)
	if err != nil {
		return err
	}
	qs := make([]*questions.Question, 0, n)
	for i := 0; i < n; i++ {
		q, err := f.NewQuestion(fmt.Sprintf("%s-%06d", prefix, i), asked, cal)
		if err != nil {
			return err
		}
		qs = append(qs, q)
	}
	return f.Service.Store.InsertBatch(ctx, qs)
}

// CheckRun stores `due` questions whose alerts are due at now, runs the
// checker once and returns how long the run took and how many alerts it
// sent.
func (f *Fixture) CheckRun(ctx context.Context, prefix string, due int, now time.Time) (time.Duration, int, error) {
	// Asked six weeks before now: the warnings and the breach are all past.
	if err := f.Seed(ctx, prefix, due, now.AddDate(0, 0, -42)); err != nil {
		return 0, 0, err
	}
	f.SetNow(now)
	t0 := time.Now()
	sent, err := f.Service.CheckOnce(ctx)
	return time.Since(t0), sent, err
}

// CalendarChange declares a day off (a typhoon day) on day and returns how
// long recomputing every open question took and how many moved.
func (f *Fixture) CalendarChange(ctx context.Context, year int, month time.Month, dayOfMonth int) (time.Duration, int, error) {
	day := calendar.Date{Year: year, Month: month, Day: dayOfMonth}
	t0 := time.Now()
	_, _, moved, err := f.Service.CalendarChange(ctx, []calendar.Day{{Date: day, Off: true, Name: "颱風假", Source: calendar.SourceManual}},
		calendar.SourceManual, "bench")
	return time.Since(t0), moved, err
}

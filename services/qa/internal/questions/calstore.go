package questions

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// CalendarStore keeps the deployment calendar: one document per date in
// "calendar_days" (keyed by the date, so the same date twice is one day), and
// a record of each change in "calendar_changes", whose outbox carries the
// qa.calendar.changed event.
type CalendarStore struct {
	days    *mongo.Collection
	changes *mongo.Collection
}

// NewCalendarStore uses db's collections.
func NewCalendarStore(db *mongo.Database) *CalendarStore {
	return &CalendarStore{days: db.Collection("calendar_days"), changes: db.Collection("calendar_changes")}
}

// Changes is the collection whose outbox a relay drains.
func (c *CalendarStore) Changes() *mongo.Collection { return c.changes }

type dayDoc struct {
	ID     string `bson:"_id"` // YYYY-MM-DD
	Off    bool   `bson:"off"`
	Name   string `bson:"name"`
	Source string `bson:"source"`
}

// Load returns the calendar as stored now.
func (c *CalendarStore) Load(ctx context.Context) (*calendar.Calendar, error) {
	cur, err := c.days.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	var docs []dayDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	days := make([]calendar.Day, 0, len(docs))
	for _, d := range docs {
		date, err := calendar.ParseDate(d.ID)
		if err != nil {
			return nil, fmt.Errorf("load calendar: %w", err)
		}
		days = append(days, calendar.Day{Date: date, Off: d.Off, Name: d.Name, Source: d.Source})
	}
	cal, _, err := calendar.New(days)
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	return cal, nil
}

// rank orders sources from least to most authoritative (SLA.md: iCalendar,
// then CSV, then manual entries).
func rank(source string) int {
	switch source {
	case calendar.SourceManual:
		return 3
	case calendar.SourceCSV:
		return 2
	}
	return 1
}

// Put stores days. An entry from a less authoritative source than the one
// stored is not applied and is reported as a conflict; a more or equally
// authoritative one replaces it (reported when it differs). It returns the
// dates that changed.
func (c *CalendarStore) Put(ctx context.Context, days []calendar.Day) (changed []string, conflicts []calendar.Conflict, err error) {
	cur, err := c.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	// The file itself may name a date twice: the later row wins.
	merged, fileConflicts, err := calendar.New(days)
	if err != nil {
		return nil, nil, err
	}
	conflicts = append(conflicts, fileConflicts...)
	for _, d := range merged.Days() {
		was, ok := cur.Entry(d.Date)
		if ok && was.Off == d.Off && was.Name == d.Name && was.Source == d.Source {
			continue
		}
		if ok && (was.Off != d.Off || was.Name != d.Name) {
			conflicts = append(conflicts, calendar.Conflict{Date: d.Date, Was: was, Now: d})
			if rank(d.Source) < rank(was.Source) {
				continue
			}
		}
		doc := dayDoc{ID: d.Date.String(), Off: d.Off, Name: d.Name, Source: d.Source}
		if _, err := c.days.ReplaceOne(ctx, bson.M{"_id": doc.ID}, doc, options.Replace().SetUpsert(true)); err != nil {
			return changed, conflicts, fmt.Errorf("store calendar day %s: %w", doc.ID, err)
		}
		changed = append(changed, doc.ID)
	}
	return changed, conflicts, nil
}

// RecordChange stores a change with its event.
func (c *CalendarStore) RecordChange(ctx context.Context, dates []string, source, by string, recomputed int, now time.Time) (string, error) {
	id := fmt.Sprintf("%020d", now.UnixNano())
	env := stream.NewEnvelope(ctx, Producer, TypeCalendarChanged, "calendar", now.UnixNano())
	env.Body = &eventsv1.Envelope_CalendarChanged{CalendarChanged: &eventsv1.CalendarChanged{
		Dates: dates, Source: source, By: by, Recomputed: int32(recomputed)}}
	e, err := outbox.NewEntry(env)
	if err != nil {
		return "", err
	}
	_, err = c.changes.InsertOne(ctx, bson.M{"_id": id, "dates": dates, "source": source, "by": by,
		"recomputed": recomputed, "at": now, "outbox": []outbox.Entry{e}})
	if err != nil {
		return "", fmt.Errorf("record calendar change: %w", err)
	}
	return id, nil
}

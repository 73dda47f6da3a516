package api_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The IRM record holds every step in local time and UTC, days taken in the
// policy's unit, on time or late, hidden with its reason, and nothing of the
// asker beyond the public text; the statistics agree with it.
func TestRecordExportAndStatistics(t *testing.T) {
	e := setup(t)
	ndc, pocTok := e.token("NDC editor", editor("ndc")), e.token("PoC", poc)
	onTime := e.do(http.MethodPost, base, "", map[string]any{"text": "=HYPERLINK(\"x\") 預算？", "language": "zh-Hant",
		"display_name": "王大明", "email": "wang@example.org"}).want(http.StatusCreated).question()
	late := e.ask("遲到的回答")
	open := e.ask("仍在等待")
	hidden := e.ask("含個資")
	e.do(http.MethodPost, base+"/"+hidden.ID+"/hide", pocTok, map[string]string{"reason": "個人資料"}).want(http.StatusOK)
	e.do(http.MethodPost, base+"/"+open.ID+"/assign", pocTok, map[string]string{"agency": "moda"}).want(http.StatusOK)
	// Answered Tuesday 3 March 00:30 Taipei, which is still 2 March in UTC.
	e.clock.Set(time.Date(2026, 3, 3, 0, 30, 0, 0, taipei))
	e.do(http.MethodPost, base+"/"+onTime.ID+"/answers", ndc, map[string]any{"text": map[string]string{"zh-Hant": "好"}}).want(http.StatusOK)
	e.clock.Set(time.Date(2026, 4, 2, 10, 0, 0, 0, taipei)) // after the 30 March due day
	e.do(http.MethodPost, base+"/"+late.ID+"/answers", ndc, map[string]any{"text": map[string]string{"zh-Hant": "晚了"}}).want(http.StatusOK)

	var rec struct {
		Questions []map[string]any `json:"questions"`
	}
	body := e.do(http.MethodGet, "/api/v1/qa/record.json?plan=tw-nap3", "", nil).want(http.StatusOK).Body.String()
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "王大明") || strings.Contains(body, "example.org") {
		t.Fatal("the record shows the asker's name or email")
	}
	byID := map[string]map[string]any{}
	for _, r := range rec.Questions {
		byID[r["id"].(string)] = r
	}
	if len(byID) != 4 {
		t.Fatalf("%d rows", len(byID))
	}
	ot := byID[onTime.ID]
	ans := ot["answered"].(map[string]any)
	if ot["outcome"] != "on_time" || ans["local"] != "2026-03-03T00:30:00+08:00" || ans["utc"] != "2026-03-02T16:30:00Z" ||
		ot["days_taken"] != 1.0 || ot["unit"] != "working-days" {
		t.Errorf("on-time row %v", ot)
	}
	if r := byID[late.ID]; r["outcome"] != "late" {
		t.Errorf("late row %v", r)
	}
	if r := byID[open.ID]; r["outcome"] != "overdue" || r["agency"] != "moda" || len(r["steps"].([]any)) != 2 {
		t.Errorf("open row %v", r)
	}
	if r := byID[hidden.ID]; r["hidden"] != true || r["hidden_reason"] != "個人資料" || strings.Contains(r["text"].(string), "含個資") {
		t.Errorf("hidden row %v", r)
	}

	// CSV: a BOM for spreadsheets, the same rows, and text that looks like
	// a formula is neutralised.
	r := e.do(http.MethodGet, "/api/v1/qa/record.csv", "", nil).want(http.StatusOK)
	if !strings.HasPrefix(r.Body.String(), "\ufeff") || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv head %q %s", r.Body.String()[:10], r.Header().Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if row[0] == onTime.ID && !strings.HasPrefix(row[5], "'=") {
			t.Errorf("formula cell %q", row[5])
		}
	}

	var st struct {
		Agencies []struct {
			Key            string   `json:"key"`
			Asked          int      `json:"asked"`
			Answered       int      `json:"answered"`
			AnsweredOnTime int      `json:"answered_on_time"`
			OverdueNow     int      `json:"overdue_now"`
			Hidden         int      `json:"hidden"`
			ShareOnTime    *float64 `json:"share_on_time"`
		} `json:"agencies"`
	}
	if err := json.Unmarshal(e.do(http.MethodGet, "/api/v1/qa/statistics", "", nil).want(http.StatusOK).Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range st.Agencies {
		share := "none"
		if a.ShareOnTime != nil {
			share = fmt.Sprint(*a.ShareOnTime)
		}
		got[a.Key] = fmt.Sprintf("asked %d answered %d on time %d overdue %d hidden %d share %s",
			a.Asked, a.Answered, a.AnsweredOnTime, a.OverdueNow, a.Hidden, share)
	}
	if got["ndc"] != "asked 2 answered 2 on time 1 overdue 0 hidden 1 share 0.5" ||
		got["moda"] != "asked 1 answered 0 on time 0 overdue 1 hidden 0 share none" {
		t.Errorf("statistics %v", got)
	}
}

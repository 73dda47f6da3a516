package config

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load("updates", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	want := Common{
		Service:         "updates",
		HTTPAddr:        ":8080",
		MongoURI:        "mongodb://127.0.0.1:27017/",
		MongoDatabase:   "kept_updates",
		AuthDatabase:    "kept_auth",
		RedisURL:        "redis://127.0.0.1:6379/0",
		ConsumerName:    host + "-" + strconv.Itoa(os.Getpid()),
		LogLevel:        "info",
		ShutdownTimeout: 20 * time.Second,
		OTLPEndpoint:    "",
		TimeZone:        time.UTC,
		StreamMaxLen:    100000,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	// Each service gets its own database by default.
	d, err := Load("dashboards", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.MongoDatabase != "kept_dashboards" || d.MongoDatabase == c.MongoDatabase {
		t.Errorf("dashboards database %q", d.MongoDatabase)
	}
}

func TestEveryVariableIsRead(t *testing.T) {
	c, err := Load("commitments", env(map[string]string{
		"HTTP_ADDR":                   "127.0.0.1:9090",
		"MONGODB_URI":                 "mongodb://db-0.db:27017,db-1.db:27017/?replicaSet=rs0",
		"MONGODB_DATABASE":            "kept_commitments_staging",
		"AUTH_DATABASE":               "kept_auth_staging",
		"REDIS_URL":                   "redis://redis:6379/2",
		"POD_NAME":                    "commitments-7d9f-abcde",
		"LOG_LEVEL":                   "debug",
		"SHUTDOWN_TIMEOUT":            "45s",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318",
		"KEPT_TIMEZONE":               "America/Toronto",
		"STREAM_MAXLEN":               "5000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9090" || c.MongoURI != "mongodb://db-0.db:27017,db-1.db:27017/?replicaSet=rs0" ||
		c.MongoDatabase != "kept_commitments_staging" || c.AuthDatabase != "kept_auth_staging" ||
		c.RedisURL != "redis://redis:6379/2" || c.ConsumerName != "commitments-7d9f-abcde" || c.LogLevel != "debug" ||
		c.ShutdownTimeout != 45*time.Second || c.OTLPEndpoint != "http://otel-collector:4318" ||
		c.TimeZone.String() != "America/Toronto" || c.StreamMaxLen != 5000 || c.Service != "commitments" {
		t.Errorf("config %+v", c)
	}
}

func TestValuesAreTrimmedAndBlankMeansDefault(t *testing.T) {
	c, err := Load("updates", env(map[string]string{
		"HTTP_ADDR":        "  :9000\n",
		"POD_NAME":         " pod-1 ",
		"SHUTDOWN_TIMEOUT": " 5s ",
		"STREAM_MAXLEN":    " 10 ",
		"KEPT_TIMEZONE":    " Europe/Paris ",
		"MONGODB_URI":      "   ",
		"LOG_LEVEL":        "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" || c.ConsumerName != "pod-1" || c.ShutdownTimeout != 5*time.Second ||
		c.StreamMaxLen != 10 || c.TimeZone.String() != "Europe/Paris" ||
		c.MongoURI != "mongodb://127.0.0.1:27017/" || c.LogLevel != "info" {
		t.Errorf("config %+v", c)
	}
}

// A pod with several mistakes in its manifest must learn about all of them
// from one failed start, each naming the variable and the bad value.
func TestEveryBadVariableIsReportedAtOnce(t *testing.T) {
	_, err := Load("dashboards", env(map[string]string{
		"SHUTDOWN_TIMEOUT": "twenty",
		"STREAM_MAXLEN":    "-5",
		"KEPT_TIMEZONE":    "Mars/Olympus_Mons",
	}))
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	msg := err.Error()
	for _, want := range []string{
		"dashboards",
		`SHUTDOWN_TIMEOUT="twenty"`, "positive duration",
		`STREAM_MAXLEN="-5"`, "positive integer",
		`KEPT_TIMEZONE="Mars/Olympus_Mons"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

func TestBadValues(t *testing.T) {
	cases := map[string][]string{
		"SHUTDOWN_TIMEOUT": {"0s", "-3s", "20", "soon"},
		"STREAM_MAXLEN":    {"0", "-1", "1e5", "lots", "99999999999999999999"},
		"KEPT_TIMEZONE":    {"Nowhere/City", "EST5EDT,M3.2.0,M11.1.0", "../../etc/passwd"},
	}
	for key, values := range cases {
		for _, v := range values {
			c, err := Load("updates", env(map[string]string{key: v}))
			if err == nil {
				t.Errorf("%s=%q accepted: %+v", key, v, c)
				continue
			}
			if !strings.Contains(err.Error(), key+"=") {
				t.Errorf("%s=%q: error %q does not name the variable", key, v, err)
			}
			if !reflect.DeepEqual(c, Common{}) {
				t.Errorf("%s=%q: a partial config came back with the error", key, v)
			}
		}
	}
}

func TestTimeZoneDecidesToday(t *testing.T) {
	c, err := Load("dashboards", env(map[string]string{"KEPT_TIMEZONE": "America/Toronto"}))
	if err != nil {
		t.Fatal(err)
	}
	// 02:00 UTC on 1 July is still 30 June in Ottawa (EDT, UTC-4).
	at := time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC).In(c.TimeZone)
	if at.Day() != 30 || at.Month() != time.June {
		t.Errorf("local date %s, want 30 June", at.Format(time.DateOnly))
	}
	if _, off := time.Date(2026, 1, 15, 12, 0, 0, 0, c.TimeZone).Zone(); off != -5*3600 {
		t.Errorf("winter offset %d, want -5h", off)
	}
	u, err := Load("dashboards", env(map[string]string{"KEPT_TIMEZONE": "UTC"}))
	if err != nil {
		t.Fatal(err)
	}
	if u.TimeZone != time.UTC {
		t.Errorf("UTC zone = %v", u.TimeZone)
	}
}

func TestNilGetenvReadsTheProcessEnvironment(t *testing.T) {
	t.Setenv("HTTP_ADDR", ":7070")
	t.Setenv("STREAM_MAXLEN", "77")
	t.Setenv("MONGODB_DATABASE", "")
	c, err := Load("updates", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":7070" || c.StreamMaxLen != 77 || c.MongoDatabase != "kept_updates" {
		t.Errorf("config %+v", c)
	}
	t.Setenv("EMBED_ALLOWED_ORIGINS", "https://www.canada.ca,https://*.gc.ca")
	if got := List(nil, "EMBED_ALLOWED_ORIGINS"); !reflect.DeepEqual(got, []string{"https://www.canada.ca", "https://*.gc.ca"}) {
		t.Errorf("List(nil) = %v", got)
	}
}

func TestList(t *testing.T) {
	cases := map[string][]string{
		"":                      nil,
		"   ":                   nil,
		",,":                    nil,
		"https://www.canada.ca": {"https://www.canada.ca"},
		"https://www.canada.ca, https://*.gc.ca ": {"https://www.canada.ca", "https://*.gc.ca"},
		" a ,, b ,": {"a", "b"},
	}
	for in, want := range cases {
		got := List(env(map[string]string{"EMBED_ALLOWED_ORIGINS": in}), "EMBED_ALLOWED_ORIGINS")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("List(%q) = %#v, want %#v", in, got, want)
		}
	}
	if got := List(env(nil), "UNSET"); len(got) != 0 {
		t.Errorf("List of an unset variable = %v", got)
	}
}
